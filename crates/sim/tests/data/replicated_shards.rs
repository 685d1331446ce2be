//! A sharded database whose every shard is a replicated group: each shard's primary has its own
//! log and replicas, a write enters the logs of exactly the shards it changed, a read runs on one
//! replica of each shard it needs, and a failover is one shard's alone.

use proptest::prelude::*;
use sim::data::console::ReplicationReport;
use sim::data::replication::{CommitMode, SyncLevel, SyncMethod};
use sim::run::Run;
use sim::scenario::{Scenario, TimelineEntry};
use sim::time::SimTime;
use sim::Command;

fn sharded_blog() -> Scenario {
    let mut s = (sim::presets::find("data-replication-sharded").expect("a preset").build)();
    s.timeline.clear(); // no crash
    s
}

fn run_for(s: Scenario, seconds: u64) -> Run {
    let mut run = Run::new(s.validate().expect("valid"), None);
    run.run_until(SimTime::from_secs(seconds));
    run
}

fn shard_reports(run: &Run) -> Vec<ReplicationReport> {
    run.report().data.expect("data").web.expect("web").replicated_shards
}

/// Every row of `table` on a shard's primary, and on each of its replicas, as text.
fn shard_rows(run: &Run, group: usize, table: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let data = run.engine().data().expect("data");
    let as_text = |db: &sim::data::Database| -> Vec<String> {
        db.table_rows(table).expect("a table").1.iter().map(|r| format!("{r:?}")).collect()
    };
    let replication = data.replication().expect("replicas");
    let primary = as_text(&data.console.db.shard_copy(group));
    (primary, replication.group(group).replicas.iter().map(|r| as_text(&r.db)).collect())
}

#[test]
fn each_shard_has_its_own_log_and_replicas_that_hold_that_shards_rows() {
    let run = run_for(sharded_blog(), 10);
    let data = run.engine().data().unwrap();
    let replication = data.replication().unwrap();
    assert_eq!(replication.groups.len(), 2);
    let names: Vec<&str> = data.servers().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        ["-80 primary", "-80 replica 1", "-80 replica 2", "80- primary", "80- replica 1", "80- replica 2"]
    );
    let mut total = 0;
    for (g, group) in replication.groups.iter().enumerate() {
        let (primary, replicas) = shard_rows(&run, g, "comments");
        // Every write of this mix adds one comment on its user's shard: the shard's primary has
        // them all, and each of its replicas those it applied.
        for (replica, rows) in group.replicas.iter().zip(&replicas) {
            assert_eq!((primary.len() - rows.len()) as u64, group.position() - replica.applied, "shard {g}");
            assert!(rows.iter().all(|row| primary.contains(row)), "a replica holds only its shard's rows");
        }
        assert!(group.position() > 200, "shard {g}: {}", group.position());
        total += group.position();
    }
    // Each comment is written on one shard: the logs share the writes between them.
    let comments = |db: &sim::data::Database| db.table_rows("comments").unwrap().1.len() as u64;
    let before = comments(&sim::data::Database::build(&data.console.db.config, data.console.db.seed).unwrap());
    assert_eq!(comments(&data.console.db) - before, total);
}

#[test]
fn once_the_writes_stop_every_replica_of_every_shard_holds_its_primarys_rows() {
    let mut s = sharded_blog();
    s.timeline.push(TimelineEntry {
        recorded: false,
        at_us: SimTime::from_secs(8).0,
        command: Command::SetArrivalRate { per_second: 0.001 },
    });
    let run = run_for(s, 12);
    for g in 0..2 {
        for table in ["comments", "users", "countries"] {
            let (primary, replicas) = shard_rows(&run, g, table);
            assert!(replicas.iter().all(|rows| *rows == primary), "shard {g}: {table} differs on a replica");
        }
    }
    for r in shard_reports(&run) {
        assert!(r.replicas.iter().all(|&(applied, behind, _)| behind == 0 && applied == r.position), "{r:?}");
    }
}

fn with_commit(mut s: Scenario, commit: CommitMode) -> Scenario {
    s.data.as_mut().unwrap().replication.as_mut().unwrap().commit = commit;
    s
}

#[test]
fn asynchronous_shards_miss_their_users_writes_and_remote_apply_never_does() {
    let asynchronous = shard_reports(&run_for(sharded_blog(), 20));
    assert!(asynchronous.iter().all(|r| r.read_your_writes_violations > 20), "{asynchronous:?}");
    let remote_apply = CommitMode::Synchronous { level: SyncLevel::RemoteApply, method: SyncMethod::Any, count: 2 };
    let synchronous = shard_reports(&run_for(with_commit(sharded_blog(), remote_apply), 20));
    for r in &synchronous {
        assert_eq!(r.read_your_writes_violations, 0, "{r:?}");
        assert!(r.commit_waits > 100, "each shard's commits wait for its own replicas: {r:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    /// Over random seeds, replica speeds and shard counts: under remote_apply on every replica no
    /// read misses its user's write, on any shard.
    #[test]
    fn remote_apply_keeps_read_your_writes_on_every_shard(seed in 0u64..1_000_000, apply in 60.0f64..400.0, shards in 1u32..5) {
        let mut s = with_commit(
            sharded_blog(),
            CommitMode::Synchronous { level: SyncLevel::RemoteApply, method: SyncMethod::First, count: 2 },
        );
        s.seed = seed;
        let data = s.data.as_mut().unwrap();
        data.replication.as_mut().unwrap().apply_per_s = apply;
        if let sim::data::LayoutConfig::Sharded(sharding) = &mut data.layout {
            sharding.shards = shards;
        }
        let reports = shard_reports(&run_for(s, 6));
        prop_assert_eq!(reports.len(), shards as usize);
        for r in reports {
            prop_assert_eq!(r.read_your_writes_violations, 0);
        }
    }
}

#[test]
fn a_shards_primary_fails_over_alone() {
    let run = run_for((sim::presets::find("data-replication-sharded").unwrap().build)(), 40);
    let reports = shard_reports(&run);
    assert_eq!(reports[0].failovers.len(), 1, "{:?}", reports[0]);
    assert!(reports[1].failovers.is_empty(), "80- has no failover");
    let data = run.engine().data().unwrap();
    let names: Vec<&str> = data.servers().map(|(name, _)| name).collect();
    // Server 0 (-80's first primary) is a fenced replica now, and one of its replicas the primary.
    assert!(names[0].starts_with("-80 replica") && names[..3].contains(&"-80 primary"), "{names:?}");
    assert_eq!(&names[3..], ["80- primary", "80- replica 1", "80- replica 2"]);
    // -80 took writes again after its failover, and 80- all along.
    let record = &reports[0].failovers[0];
    assert!(reports[0].position > record.position + 50, "{:?}", reports[0]);
}

#[test]
fn a_replicated_sharded_layout_says_what_it_does_not_model() {
    let mut s = sharded_blog();
    s.data.as_mut().unwrap().replication.as_mut().unwrap().failover.as_mut().unwrap().fencing = false;
    let text = sim::validate::in_words(&s.validate().unwrap_err());
    assert!(text.contains("data.replication.failover.fencing"), "{text}");
    let mut run = Run::new(sharded_blog().validate().unwrap(), None);
    run.query("\\reshard 3").unwrap_or_default();
    let last = run.console().unwrap().entries.last().unwrap();
    let refused = last.outcome.clone().unwrap_err();
    assert!(refused.contains("replicated group") && refused.contains("Replicas off"), "{refused}");
    assert_eq!(run.console().unwrap().db.cluster().unwrap().shards.len(), 2);
}

#[test]
fn replicated_shards_take_ten_thousand_writes_a_second() {
    // The bench's scenario: 8 shards of a primary and three replicas each.
    let s = sim::presets::bench::sharded_replicated_writes();
    let run = run_for(s, 2);
    let reports = shard_reports(&run);
    assert_eq!(reports.len(), 8);
    let writes: u64 = reports.iter().map(|r| r.position).sum();
    assert!((18_000..22_000).contains(&writes), "about 10,000 writes a second: {writes}");
    for r in &reports {
        assert_eq!(r.replicas.len(), 3);
        assert!(r.replicas.iter().all(|&(_, behind, _)| behind < 100), "the replicas keep up: {r:?}");
    }
    let web = run.report().data.unwrap().web.unwrap();
    assert!(web.failed * 100 < web.queries, "{} of {} failed", web.failed, web.queries);
}

#[test]
fn the_diagram_draws_each_shards_log_entries_on_their_way_and_none_from_a_crashed_primary() {
    let preset = (sim::presets::find("data-replication-sharded").unwrap().build)();
    let mut run = Run::new(preset.validate().unwrap(), None);
    run.run_until(SimTime::from_secs(10));
    let snap = run.engine().snapshot(100);
    // -80's primary to its two replicas, then 80-'s.
    let primaries: Vec<usize> = snap.log.links.iter().map(|l| l.from).collect();
    assert_eq!(primaries[0], primaries[1]);
    assert_eq!(primaries[2], primaries[3]);
    assert_ne!(primaries[0], primaries[2]);
    // About 75 writes a second, each 50 ms on the wire to four replicas: a dozen or so on the way.
    assert!(!snap.log.entries.is_empty());
    assert!(snap.log.entries.iter().all(|&(link, along)| link < 4 && (0.0..=1.0).contains(&along)));
    // After -80's primary crashes (20 s), before its failover: nothing leaves it.
    run.run_until(SimTime::from_millis(21_500));
    let snap = run.engine().snapshot(100);
    assert!(snap.log.entries.iter().all(|&(link, _)| link >= 2), "{:?}", snap.log.entries);
    assert!(snap.log.entries.iter().any(|&(link, _)| link >= 2), "80- goes on");
}

#[test]
fn a_read_sent_to_a_shards_crashed_replica_fails_and_shows_no_anomaly() {
    let mut s = sharded_blog();
    // 80-'s first replica (server 5) crashes at 5 s: reads sent to it fail from then on.
    s.timeline.push(TimelineEntry {
        recorded: false,
        at_us: SimTime::from_secs(5).0,
        command: Command::CrashDatabase { server: 4 },
    });
    let mut run = Run::new(s.validate().unwrap(), None);
    run.run_until(SimTime::from_secs(5));
    let failed_before = run.report().data.unwrap().web.unwrap().failed;
    run.run_until(SimTime::from_millis(5_900));
    let data = run.engine().data().unwrap();
    let marks_there = data
        .space_time()
        .unwrap()
        .since(SimTime::from_millis(5_001))
        .filter(|i| i.kind == sim::data::space_time::Kind::Anomaly && (i.from == 4 || i.to == 4))
        .count();
    assert_eq!(marks_there, 0, "a read that never ran showed nothing");
    assert!(run.report().data.unwrap().web.unwrap().failed > failed_before + 20, "reads sent to it fail");
}
