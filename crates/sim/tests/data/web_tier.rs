//! The web tier querying the database on the engine's one queue: each request holds its web
//! server's slot while its query runs, so the database becomes the limit once the web tier has
//! scaled, and sharding lifts it.

use sim::data::traffic::{MixQuery, WebQueries};
use sim::run::{Run, RunReport};
use sim::scenario::Scenario;
use sim::time::SimTime;

fn preset(name: &str) -> Scenario {
    (sim::presets::find(name).expect("a preset").build)()
}

fn run_for(scenario: Scenario, seconds: u64) -> (Run, RunReport) {
    let mut run = Run::new(scenario.validate().expect("valid"), None);
    run.run_until(SimTime::from_secs(seconds));
    let report = run.report();
    (run, report)
}

fn throughput(report: &RunReport) -> f64 {
    report.summary.throughput_per_s
}

#[test]
fn one_database_caps_throughput_and_more_web_servers_do_not_lift_it() {
    let (_, eight) = run_for(preset("data-database-bottleneck"), 20);
    let mut more = preset("data-database-bottleneck");
    more.servers.count = 16;
    let (_, sixteen) = run_for(more, 20);
    let offered = 3_000.0;
    // The database's two connections at its mean query time bound what completes; the web
    // tier (8 × 4 slots of 5 ms: 6,400/s) could take the whole offered load.
    let web = eight.data.as_ref().and_then(|d| d.web.as_ref()).expect("the web tier queried it");
    let db = &web.servers[0];
    assert_eq!(web.servers.len(), 1);
    assert!(db.utilisation.unwrap() > 0.97, "the database is the limit: {:?}", db.utilisation);
    assert!(throughput(&eight) < 0.9 * offered, "capped below the offered load: {}", throughput(&eight));
    let gain = throughput(&sixteen) / throughput(&eight);
    assert!((0.97..1.03).contains(&gain), "twice the web servers, same throughput: ×{gain:.3}");
    assert!(eight.summary.requests.rejected > 0, "the web servers' queues fill while they wait for it");
}

#[test]
fn sharding_by_the_feeds_key_lifts_the_limit() {
    let (_, report) = run_for(preset("data-sharded-web-tier"), 20);
    let web = report.data.as_ref().and_then(|d| d.web.as_ref()).expect("the web tier queried it");
    assert_eq!(web.servers.len(), 4);
    assert!(throughput(&report) > 0.99 * 3_000.0 * 19.9 / 20.0, "{}", throughput(&report));
    assert_eq!(report.summary.requests.rejected + report.summary.requests.failed, 0);
    // Every shard took part of the work, and a scattered report touched each of them.
    for s in &web.servers {
        assert!(s.served > web.queries / 10, "{}: {} of {}", s.server, s.served, web.queries);
    }
    let shares: u64 = web.servers.iter().map(|s| s.served).sum();
    assert!(shares > web.queries, "a scattered query is a share on every shard: {shares} ≤ {}", web.queries);
}

#[test]
fn a_query_the_database_refuses_is_a_500_counted_once() {
    let mut s = preset("data-wide-table");
    let web = s.data.as_mut().unwrap().web.as_mut().unwrap();
    web.mix = vec![
        MixQuery {
            weight: 1,
            label: "a country again".into(),
            sql: "INSERT INTO countries VALUES ('US', 'again')".into(),
        },
        MixQuery { weight: 3, label: "a profile".into(), sql: "SELECT name FROM users WHERE id = :user_id".into() },
    ];
    let (_, report) = run_for(s, 10);
    let web = report.data.as_ref().and_then(|d| d.web.as_ref()).unwrap();
    assert!(web.failed > 400 && web.failed < 1_100, "about a quarter of 3,000 queries: {}", web.failed);
    assert_failed_as_counted(&report);
}

/// Each failed query fails its request and nothing else fails: the requests counted failed at
/// the clients are the database's failures but for those still on their way back.
fn assert_failed_as_counted(report: &RunReport) {
    let web = report.data.as_ref().and_then(|d| d.web.as_ref()).unwrap();
    let failed = report.summary.requests.failed;
    assert!(failed <= web.failed && web.failed - failed <= report.summary.in_flight, "{failed} vs {web:?}");
}

#[test]
fn a_full_database_queue_fails_the_query() {
    let mut s = preset("data-database-bottleneck");
    s.data.as_mut().unwrap().web.as_mut().unwrap().queue_limit = 0;
    let (_, report) = run_for(s, 5);
    let web = report.data.as_ref().and_then(|d| d.web.as_ref()).unwrap();
    assert!(web.failed > 1_000, "{web:?}");
    assert_failed_as_counted(&report);
}

#[test]
fn the_same_seed_gives_the_same_run_and_resharding_keeps_it_going() {
    let (_, a) = run_for(preset("data-sharded-web-tier"), 3);
    let (_, b) = run_for(preset("data-sharded-web-tier"), 3);
    assert_eq!(a.summary.trace_hash, b.summary.trace_hash);
    let (mut run, _) = run_for(preset("data-sharded-web-tier"), 2);
    run.query("\\reshard 6").expect("a console command");
    run.run_until(SimTime::from_secs(5));
    let report = run.report();
    let web = report.data.as_ref().and_then(|d| d.web.as_ref()).unwrap();
    assert_eq!(web.servers.len(), 6, "the new shards take queries");
    assert!(web.servers.iter().all(|s| s.served > 0), "{web:?}");
    assert_eq!(report.summary.requests.failed, 0);
    // A link replays the console's entries when the run is built (they are not on the
    // timeline), so a reopened link has the six shards from the start.
    let replay = Run::new(run.scenario().clone().validate().unwrap(), None);
    assert_eq!(replay.console().unwrap().db.servers().len(), 6);
}

#[test]
fn a_mix_that_is_not_sql_is_refused_with_its_position() {
    let mut s = preset("data-wide-table");
    s.data.as_mut().unwrap().web = Some(WebQueries {
        mix: vec![MixQuery { weight: 1, label: "typo".into(), sql: "SELECT name FORM users".into() }],
        ..WebQueries::default()
    });
    let problems = s.validate().unwrap_err();
    let text = sim::validate::in_words(&problems);
    assert!(text.contains("data.web.mix") && text.contains("syntax error at or near \"users\""), "{text}");
}

#[test]
fn a_crashed_shard_fails_only_the_queries_that_need_it_until_it_recovers() {
    use sim::scenario::TimelineEntry;
    use sim::Command;
    let at = |s: u64, command| TimelineEntry { recorded: false, at_us: SimTime::from_secs(s).0, command };
    let mut s = preset("data-sharded-web-tier");
    s.timeline = vec![at(2, Command::CrashDatabase { server: 1 }), at(4, Command::RecoverDatabase { server: 1 })];
    let mut run = Run::new(s.validate().expect("valid"), None);
    let failed_by = |run: &mut Run, second: u64| {
        run.run_until(SimTime::from_secs(second));
        run.report().data.and_then(|d| d.web).map(|w| w.failed).unwrap()
    };
    assert_eq!(failed_by(&mut run, 2), 0);
    failed_by(&mut run, 3);
    // The console's scatter needs the down shard too, and says so.
    run.query("SELECT COUNT(*) FROM users").unwrap();
    let last = run.console().unwrap().entries.last().unwrap().outcome.clone();
    assert!(last.unwrap_err().contains("shard 40-80 is down, and this query needs it"));
    let while_down = failed_by(&mut run, 4);
    // A quarter of the users live on the shard, and every report scatters to it; a profile or
    // a feed of another user never needs it.
    let queries_in_two_seconds = 6_000;
    assert!(
        while_down > queries_in_two_seconds / 8 && while_down < queries_in_two_seconds / 2,
        "{while_down} of about {queries_in_two_seconds} failed"
    );
    let after = failed_by(&mut run, 6) - while_down;
    assert!(after < 20, "only the queries already failing on their way back: {after}");
    let refused = run.engine().refused_commands();
    assert!(refused.is_empty(), "{refused:?}");
}

#[test]
fn a_database_command_needs_a_database_server_that_exists() {
    use sim::Command;
    let mut run = Run::new(preset("data-sharded-web-tier").validate().unwrap(), None);
    let error = run.schedule(Command::CrashDatabase { server: 9 }).unwrap_err().to_string();
    assert!(error.contains("database server 10 is not in this run, which has 4"), "{error}");
    let mut plain = Run::new(Scenario::default().validate().unwrap(), None);
    let error = plain.schedule(Command::CrashDatabase { server: 0 }).unwrap_err().to_string();
    assert!(error.contains("queries no database"), "{error}");
}

#[test]
fn a_poor_shard_key_makes_one_shard_hot_under_the_web_tiers_traffic() {
    let (_, report) = run_for(preset("data-hot-shard"), 10);
    let web = report.data.as_ref().and_then(|d| d.web.as_ref()).unwrap();
    let busy: Vec<f64> = web.servers.iter().map(|s| s.utilisation.unwrap()).collect();
    let (hottest, coolest) = busy.iter().fold((0.0f64, 1.0f64), |(h, c), &b| (h.max(b), c.min(b)));
    assert!(hottest > 0.6 && hottest > 3.0 * coolest, "{busy:?}");
}

#[test]
fn a_planned_read_is_reused_only_while_its_tables_are_unchanged() {
    use sim::data::traffic::Memo;
    use sim::data::{DataConfig, Database};
    let mut db = Database::build(&DataConfig { rows: 2_000, ..DataConfig::default() }, 3).unwrap();
    let servers = vec!["db".to_string()];
    let mut memo = Memo::default();
    let count = "SELECT COUNT(*) FROM users";
    let first = memo.plan(&mut db, &servers, count).unwrap();
    assert!(std::rc::Rc::ptr_eq(&first, &memo.plan(&mut db, &servers, count).unwrap()), "reused");
    memo.plan(&mut db, &servers, "INSERT INTO comments (id, post_id, user_id, body, created_at) VALUES (99999, 1, 1, 'x', '2026-01-01 00:00:00')").unwrap();
    assert!(std::rc::Rc::ptr_eq(&first, &memo.plan(&mut db, &servers, count).unwrap()), "comments do not touch users");
    memo.plan(&mut db, &servers, "INSERT INTO users (id, name, email, country, created_at) VALUES (99999, 'n', 'e', 'DE', '2026-01-01 00:00:00')").unwrap();
    let again = memo.plan(&mut db, &servers, count).unwrap();
    assert_eq!(again.on[0].rows_examined, first.on[0].rows_examined + 1, "run again: one more user scanned");
}

#[test]
fn a_reshards_copy_takes_a_connection_on_each_shard_that_moves_rows() {
    let mut s = preset("data-sharded-web-tier");
    s.data.as_mut().unwrap().rows = 200_000;
    let mut run = Run::new(s.validate().unwrap(), None);
    run.run_until(SimTime::from_secs(1));
    let answer = run.query("\\reshard 6").map(|_| run.console().unwrap().entries.last().unwrap().clone()).unwrap();
    let notes = answer.outcome.as_ref().unwrap().plan.notes.join("\n");
    assert!(notes.contains("copies") && notes.contains("beside its queries"), "{notes}");
    let busy = |run: &Run| -> Vec<u32> { run.engine().data().unwrap().servers().map(|(_, m)| m.busy()).collect() };
    let copying = busy(&run);
    assert!(copying.iter().filter(|&&b| b >= 1).count() >= 4, "a copy holds a connection at once: {copying:?}");
    // Copying 200,000 rows' worth at 0.5 µs a row is over in well under a second.
    run.run_until(SimTime::from_secs(3));
    let report = run.report();
    assert_eq!(report.summary.requests.failed, 0);
}

#[test]
fn the_split_view_reshards_both_strategies_side_by_side() {
    use sim::data::shard::Strategy;
    use sim::scenario::Variant;
    let scenario = preset("data-reshard-mod-n");
    let variants = Variant::all_but(&scenario);
    let jump = Variant::Sharding { strategy: Strategy::Jump };
    assert!(variants.contains(&jump) && !variants.contains(&Variant::Sharding { strategy: Strategy::HashMod }));
    assert_eq!(Variant::from_key(&jump.key()), Some(jump));
    assert!(!Variant::all_but(&Scenario::default()).iter().any(|v| matches!(v, Variant::Sharding { .. })));
    let mut run = Run::new(scenario.validate().unwrap(), Some(jump));
    run.query("\\reshard 5").unwrap();
    let moved = |console: &sim::data::console::Console| {
        let plan = &console.entries.last().unwrap().outcome.as_ref().unwrap().plan;
        let keys = &plan.notes[0]; // "keys moved: K of N (P%)"
        let percent: f64 = keys.rsplit('(').next().unwrap().trim_end_matches("%)").parse().unwrap();
        (plan.route.clone(), percent)
    };
    let (mod_route, mod_moved) = moved(run.console().unwrap());
    let (variant, twin) = run.twin_console().unwrap();
    let (jump_route, jump_moved) = moved(twin);
    assert_eq!(variant, jump);
    assert!(mod_route.contains("hash mod N") && jump_route.contains("jump consistent hash"));
    // n/(n+1) of the keys under mod N, 1/(n+1) under jump hash (n = 4).
    assert!((mod_moved - 80.0).abs() < 3.0 && (jump_moved - 20.0).abs() < 3.0, "{mod_moved}% vs {jump_moved}%");
}
