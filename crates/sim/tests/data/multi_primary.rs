//! Multi-primary replication over random histories: writes on three primaries, each delivered
//! to the others after its own delay (in order on each link), then checked once every write has
//! arrived everywhere. And on the engine's queue: the presets' conflicts, as they happened.

use proptest::prelude::*;
use sim::data::multi_primary::{MultiPrimary, MultiPrimaryConfig, Resolution};
use sim::data::sql::parse;
use sim::data::{DataConfig, Database};
use sim::time::SimTime;
use std::collections::{BTreeMap, BTreeSet};

const PRIMARIES: usize = 3;
const KEYS: u64 = 3;

/// One write of a history: on which primary, what, and how long it takes to reach each other one.
#[derive(Clone, Debug)]
struct Op {
    origin: usize,
    kind: u8,
    key: u64,
    delays_ms: [u64; PRIMARIES],
}

fn op() -> impl Strategy<Value = Op> {
    (0..PRIMARIES, 0u8..5, 1..=KEYS, [0u64..120, 0u64..120, 0u64..120]).prop_map(|(origin, kind, key, delays_ms)| Op {
        origin,
        kind,
        key,
        delays_ms,
    })
}

fn sql(op: &Op, i: usize) -> String {
    let k = op.key;
    match op.kind {
        0 => format!("UPDATE users SET bio = 'w{i}' WHERE id = {k}"),
        1 => format!("UPDATE users SET name = 'n{i}' WHERE id = {k}"),
        2 => format!("DELETE FROM users WHERE id = {k}"),
        3 => format!("INSERT INTO users (id, name, bio) VALUES ({k}, 'i{i}', 'ib{i}')"),
        _ => format!("UPDATE orders SET total_cents = total_cents + {} WHERE id = {k}", i + 1),
    }
}

/// What happened: each write that committed, as (its primary, its number there), what it was,
/// and every write of its row its primary had seen when it was made (its causal past: the
/// writes of the row applied there, and what they had seen of it in turn).
struct Committed {
    id: (usize, u32),
    op: Op,
    /// it changed a row (an UPDATE or DELETE of a row its primary did not have changes none)
    touched: bool,
    ts: i64,
    index: usize,
    past: BTreeSet<(usize, u32)>,
}

/// Plays a history: write i at 10·i ms on its primary; deliveries in time order, in order on
/// each link. Returns the primaries, the first's database, and what committed.
fn play(rule: Resolution, skew_ms: &[f64], ops: &[Op]) -> (MultiPrimary, Database, Vec<Committed>) {
    let data = DataConfig { rows: 200, ..DataConfig::default() };
    let mut first = Database::build(&data, 7).expect("builds");
    let config = MultiPrimaryConfig {
        primaries: PRIMARIES as u32,
        resolution: rule,
        skew_ms: skew_ms.to_vec(),
        ..Default::default()
    };
    let mut multi = MultiPrimary::new(&config, &first);
    // (time, order) → (the op to commit, or the primary a write reaches, with the write's number)
    let mut agenda: BTreeMap<(u64, u64), (usize, Option<u32>)> = BTreeMap::new();
    let mut seq = 0u64;
    for (i, _) in ops.iter().enumerate() {
        agenda.insert((10 * i as u64, seq), (i, None));
        seq += 1;
    }
    let mut link_free = [[0u64; PRIMARIES]; PRIMARIES];
    // (primary, table, key) → the writes of that row it has seen
    let mut seen: BTreeMap<(usize, bool, u64), BTreeSet<(usize, u32)>> = BTreeMap::new();
    let row = |op: &Op| (op.kind == 4, op.key);
    let mut committed: Vec<Committed> = Vec::new();
    let mut by_number: BTreeMap<u32, usize> = BTreeMap::new();
    let mut writes = [0u32; PRIMARIES];
    while let Some(((at, _), (i, delivery))) = agenda.pop_first() {
        let now = SimTime::from_millis(at);
        match delivery {
            None => {
                let op = &ops[i];
                let statement = parse(&sql(op, i)).expect("valid SQL");
                let name = if op.kind == 4 { "orders" } else { "users" };
                let had =
                    multi.table_on(&mut first, op.origin, name).iter().any(|r| r[0].to_string() == op.key.to_string());
                let touched = had || op.kind == 3;
                let Ok(number) = multi.commit(&mut first, op.origin, &statement, now) else { continue };
                writes[op.origin] += 1;
                let id = (op.origin, writes[op.origin]);
                let (orders, key) = row(op);
                let mine = seen.entry((op.origin, orders, key)).or_default();
                let past = mine.clone();
                if touched {
                    mine.insert(id); // a write that changed no row carries nothing of it
                }
                let ts = (at * 1_000) as i64 + (skew_ms.get(op.origin).copied().unwrap_or(0.0) * 1_000.0) as i64;
                by_number.insert(number, committed.len());
                committed.push(Committed { id, op: op.clone(), touched, ts, index: i, past });
                for to in (0..PRIMARIES).filter(|&p| p != op.origin) {
                    let arrives = (at + op.delays_ms[to]).max(link_free[op.origin][to]);
                    link_free[op.origin][to] = arrives;
                    agenda.insert((arrives, seq), (to, Some(number)));
                    seq += 1;
                }
            }
            Some(number) => {
                let to = i;
                let _ = multi.arrive(&mut first, to, number, now);
                let w = &committed[by_number[&number]];
                let (id, past, (orders, key)) = (w.id, w.past.clone(), row(&w.op));
                if w.touched {
                    let theirs = seen.entry((to, orders, key)).or_default();
                    theirs.insert(id);
                    theirs.extend(past);
                }
            }
        }
    }
    (multi, first, committed)
}

fn table(multi: &mut MultiPrimary, first: &mut Database, primary: usize, name: &str) -> Vec<String> {
    multi.table_on(first, primary, name).iter().map(|r| format!("{r:?}")).collect()
}

fn same_rows_everywhere(multi: &mut MultiPrimary, first: &mut Database) -> Result<(), TestCaseError> {
    for name in ["users", "orders"] {
        let on_first = table(multi, first, 0, name);
        for p in 1..PRIMARIES {
            prop_assert_eq!(&on_first, &table(multi, first, p, name), "{} differs on primary {}", name, p + 1);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Last writer wins: once quiet, every primary holds the same rows, and each bio is the one
    /// of the write with the highest timestamp (ties: a tombstone, then the greater value).
    #[test]
    fn last_writer_wins_converges_on_the_highest_timestamp(ops in prop::collection::vec(op(), 1..40), skew in prop::collection::vec(prop::sample::select(vec![-50.0, 0.0, 50.0, 500.0]), PRIMARIES)) {
        let (mut multi, mut first, committed) = play(Resolution::LastWriterWins, &skew, &ops);
        prop_assert!(multi.quiet());
        same_rows_everywhere(&mut multi, &mut first)?;
        for key in 1..=KEYS {
            // Only writes of bio (an UPDATE of bio, an INSERT, a DELETE's tombstone) decide it.
            let winner = committed.iter().filter(|w| w.touched && w.op.key == key && matches!(w.op.kind, 0 | 2 | 3)).max_by(|a, b| {
                let value = |w: &Committed| match w.op.kind { 0 => Some(format!("w{}", w.index)), 3 => Some(format!("ib{}", w.index)), _ => None };
                a.ts.cmp(&b.ts).then_with(|| match (value(a), value(b)) {
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (Some(x), Some(y)) => x.as_bytes().cmp(y.as_bytes()),
                })
            });
            let Some(winner) = winner else { continue };
            let rows = multi.table_on(&mut first, 0, "users");
            let row = rows.iter().find(|r| r[0].to_string() == key.to_string());
            let bio = row.map(|r| r[5].to_string());
            match winner.op.kind {
                0 => prop_assert_eq!(bio, Some(format!("w{}", winner.index))),
                3 => prop_assert_eq!(bio, Some(format!("ib{}", winner.index))),
                _ => prop_assert!(bio.is_none() || bio.as_deref() == Some("NULL"), "deleted bio shows {:?}", bio),
            }
        }
    }

    /// Version vectors: once quiet, every primary holds the same siblings, and a row's siblings
    /// are exactly the writes of it that no other write of it had seen (concurrency, exactly).
    #[test]
    fn version_vectors_keep_exactly_the_concurrent_writes(ops in prop::collection::vec(op(), 1..40)) {
        let (mut multi, mut first, committed) = play(Resolution::VersionVectors, &[], &ops);
        prop_assert!(multi.quiet());
        // Every primary shows the same one of a row's siblings.
        same_rows_everywhere(&mut multi, &mut first)?;
        let first = multi.siblings_on(0);
        for p in 1..PRIMARIES {
            prop_assert_eq!(&first, &multi.siblings_on(p));
        }
        for (table, key, siblings) in first {
            let table_name = if table == 0 { "users" } else { "orders" };
            let of_row: Vec<&Committed> = committed
                .iter()
                .filter(|w| w.op.key.to_string() == format!("{key:?}").trim_start_matches("Int(").split(',').next().unwrap_or(""))
                .filter(|w| w.touched && (w.op.kind == 4) == (table_name == "orders"))
                .collect();
            let maximal: Vec<Option<(usize, u32)>> = {
                let mut m: Vec<_> = of_row.iter().filter(|w| !of_row.iter().any(|o| o.past.contains(&w.id))).map(|w| Some(w.id)).collect();
                m.sort();
                m
            };
            prop_assert_eq!(siblings, maximal, "{} {:?}", table_name, key);
        }
    }

    /// CRDT counters: once quiet, every primary holds the same rows, and each order's total is
    /// where it started plus every addition made to it, none lost.
    #[test]
    fn crdt_counters_count_every_addition(ops in prop::collection::vec(op(), 1..40)) {
        let ops: Vec<Op> = ops.into_iter().map(|o| Op { kind: 4, ..o }).collect();
        let (mut multi, mut first, committed) = play(Resolution::Crdt, &[], &ops);
        prop_assert!(multi.quiet());
        same_rows_everywhere(&mut multi, &mut first)?;
        let start = Database::build(&DataConfig { rows: 200, ..DataConfig::default() }, 7).expect("builds").table_rows("orders").expect("a table").1;
        let now = multi.table_on(&mut first, 0, "orders");
        for key in 1..=KEYS {
            let total = |rows: &[Vec<sim::data::value::Value>]| rows.iter().find(|r| r[0].to_string() == key.to_string()).map(|r| r[2].to_string().parse::<i64>().unwrap_or(0)).unwrap_or(0);
            let added: i64 = committed.iter().filter(|w| w.touched && w.op.key == key).map(|w| w.index as i64 + 1).sum();
            prop_assert_eq!(total(&now), total(&start) + added, "order {}", key);
        }
        prop_assert_eq!(multi.counts.discarded, 0);
    }
}

// On the engine's queue: the presets, as a student runs them.

use sim::data::console::MultiPrimaryReport;
use sim::data::merge::Settled;
use sim::run::Run;
use sim::scenario::{Scenario, TimelineEntry};
use sim::Command;

fn preset(name: &str) -> Scenario {
    (sim::presets::find(name).expect("a preset").build)()
}

fn run_for(s: Scenario, seconds: u64) -> Run {
    let mut run = Run::new(s.validate().expect("valid"), None);
    run.run_until(SimTime::from_secs(seconds));
    run
}

fn report(run: &Run) -> MultiPrimaryReport {
    run.report().data.expect("data").web.expect("web").multi_primary.expect("primaries")
}

/// The scenario's traffic stops at `stop` s, as good as (one request in 1,000 s), so that every
/// write can arrive everywhere.
fn stopping_at(mut s: Scenario, stop: u64) -> Scenario {
    s.timeline.push(TimelineEntry {
        recorded: false,
        at_us: SimTime::from_secs(stop).0,
        command: Command::SetArrivalRate { per_second: 0.001 },
    });
    s.timeline.sort_by_key(|e| e.at_us);
    s
}

/// Every primary's rows of a table, as text.
fn rows_on_each_primary(run: &Run, table: &str) -> Vec<Vec<String>> {
    let data = run.engine().data().expect("data");
    let multi = data.multi_primary().expect("primaries");
    let dbs = std::iter::once(&data.console.db).chain(multi.primaries.iter().filter_map(|p| p.db.as_ref()));
    dbs.map(|db| db.table_rows(table).expect("a table").1.iter().map(|r| format!("{r:?}")).collect()).collect()
}

#[test]
fn a_clock_ahead_beats_writes_made_up_to_its_skew_later_and_each_loss_is_listed() {
    let run = run_for(preset("data-multi-primary-skew"), 20);
    let r = report(&run);
    assert!(r.counts.lost_to_skew > 20, "{:?}", r.counts);
    let skewed: Vec<_> = r.conflicts.iter().filter(|c| c.settled == Settled::LostToSkew).collect();
    assert!(!skewed.is_empty());
    for c in skewed {
        // The lost write came later in real time but carried the lower timestamp, and came less
        // than the 500 ms of skew later.
        assert!(c.other.real_ms > c.kept.real_ms && c.other.clock_ms < c.kept.clock_ms, "{}", c.explain());
        assert!(c.other.real_ms - c.kept.real_ms < 500.0, "{}", c.explain());
        assert_eq!(c.kept.primary, 1, "primary 1's clock is the one ahead: {}", c.explain());
    }
    // With exact clocks, the same traffic loses writes only to concurrency, never to a clock.
    let mut exact = preset("data-multi-primary-skew");
    exact.data.as_mut().unwrap().multi_primary.as_mut().unwrap().skew_ms.clear();
    let r = report(&run_for(exact, 20));
    assert_eq!(r.counts.lost_to_skew, 0);
    assert!(r.counts.discarded > 0, "hot profiles are edited on both sides within a link's trip: {:?}", r.counts);
}

#[test]
fn every_rule_converges_once_the_writes_stop() {
    for name in [
        "data-multi-primary-skew",
        "data-multi-primary-certification",
        "data-multi-primary-crdt",
        "data-multi-primary-version-vectors",
    ] {
        let run = run_for(stopping_at(preset(name), 10), 12);
        assert!(report(&run).quiet, "{name}: every write arrived");
        for table in ["users", "orders"] {
            let rows = rows_on_each_primary(&run, table);
            assert!(rows.windows(2).all(|w| w[0] == w[1]), "{name}: {table} differs between primaries");
        }
        let multi = run.engine().data().unwrap().multi_primary().unwrap();
        assert_eq!(multi.siblings_on(0), multi.siblings_on(1), "{name}: the same siblings");
    }
}

#[test]
fn certification_aborts_the_later_of_two_conflicting_writes_and_retries_it_once() {
    let run = run_for(preset("data-multi-primary-certification"), 20);
    let c = report(&run).counts;
    let aborts = c.cert_failures + c.bf_aborts;
    assert!(aborts > 20, "{c:?}");
    // Each abort is retried by its primary (once, wsrep_retry_autocommit = 1) or reaches its client.
    assert_eq!(aborts, c.retries + c.deadlock_errors, "{c:?}");
    assert!(c.deadlock_errors > 0 && c.deadlock_errors < c.retries, "{c:?}");
    assert_eq!((c.discarded, c.siblings), (0, 0), "nothing to settle after certification");
    // A commit waits one trip for its verdict: 40 ms more than under last writer wins.
    let p99 = |run: &Run| run.report().summary.latency_ms.p99;
    let lww = run_for(preset("data-multi-primary-partition"), 20);
    assert!(p99(&run) > p99(&lww) + 35.0, "{} against {}", p99(&run), p99(&lww));
}

#[test]
fn two_galera_primaries_cut_apart_both_lose_their_majority_and_refuse() {
    let mut s = preset("data-multi-primary-certification");
    let at = |secs: u64, command| TimelineEntry { recorded: false, at_us: SimTime::from_secs(secs).0, command };
    s.timeline = vec![at(5, Command::CutRegion { server: 1 }), at(10, Command::HealRegion { server: 1 })];
    let mut run = run_for(s, 5);
    let before = report(&run).counts.non_primary_refusals;
    run.run_until(SimTime::from_secs(11));
    let refused = report(&run).counts.non_primary_refusals;
    assert!(before == 0 && refused > 500, "neither of two holds a majority: {before} then {refused}");
    run.run_until(SimTime::from_secs(14));
    assert_eq!(report(&run).counts.non_primary_refusals, refused, "healed, both take queries again");
}

#[test]
fn a_partition_keeps_both_sides_writing_and_they_conflict_when_it_heals() {
    let mut run = run_for(preset("data-multi-primary-partition"), 10);
    let before = report(&run).counts.discarded;
    run.run_until(SimTime::from_secs(19));
    let cut = report(&run).counts.discarded;
    run.run_until(SimTime::from_secs(21));
    let healed = report(&run).counts.discarded;
    assert!(!report(&run).conflicts.is_empty());
    // While cut no write crosses, so nothing conflicts; the heal delivers ten seconds of edits.
    assert_eq!(cut, before, "nothing arrives across the cut");
    assert!(healed > cut + 100, "{before} → {cut} → {healed}");
}

#[test]
fn crdt_totals_add_every_addition_on_every_primary() {
    let start = preset("data-multi-primary-crdt");
    let total = |rows: &[String]| -> i64 {
        rows.iter()
            .map(|r| {
                r.split("Int(")
                    .nth(3)
                    .and_then(|v| v.split(')').next())
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0)
            })
            .sum()
    };
    let before = total(&rows_on_each_primary(&run_for(stopping_at(start.clone(), 0), 0), "orders")[0]);
    let run = run_for(stopping_at(start, 10), 12);
    let r = report(&run);
    for rows in rows_on_each_primary(&run, "orders") {
        assert_eq!(total(&rows) - before, 100 * r.counts.writes as i64, "every addition, on every primary");
    }
}

#[test]
fn the_split_view_compares_two_rules_on_the_same_edits() {
    use sim::scenario::Variant;
    let s = preset("data-multi-primary-skew");
    let variant = Variant::Resolution { resolution: Resolution::VersionVectors };
    assert_eq!(Variant::from_key(&variant.key()), Some(variant));
    assert!(!Variant::all_but(&s).contains(&Variant::Resolution { resolution: Resolution::LastWriterWins }));
    let link = serde_json::to_string(&variant).unwrap();
    assert_eq!(link, r#"{"resolution":"version_vectors"}"#);
    let mut run = Run::new(s.validate().unwrap(), Some(variant));
    run.run_until(SimTime::from_secs(10));
    let counts = |sim: &sim::Sim| sim.data().unwrap().multi_primary().unwrap().counts.clone();
    let (base, twin) = (counts(run.engine()), counts(run.twin().expect("a twin").1));
    // The same edits: last writer wins throws some away; version vectors keep them as siblings.
    assert_eq!(base.writes, twin.writes);
    assert!(base.discarded > 0 && twin.discarded == 0 && twin.siblings > 0, "{base:?} beside {twin:?}");
}

#[test]
fn bad_multi_primary_settings_are_named_and_say_what_fits() {
    let errors = |change: fn(&mut Scenario)| {
        let mut s = preset("data-multi-primary-skew");
        change(&mut s);
        s.validate()
            .expect_err("refused")
            .iter()
            .map(|e| format!("{}: {}", e.field, e.allowed))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let one = errors(|s| s.data.as_mut().unwrap().multi_primary.as_mut().unwrap().primaries = 1);
    assert!(one.contains("data.multi_primary.primaries"), "{one}");
    let skews = errors(|s| s.data.as_mut().unwrap().multi_primary.as_mut().unwrap().skew_ms = vec![0.0; 3]);
    assert!(skews.contains("at most one skew per primary (2)"), "{skews}");
    let both = errors(|s| s.data.as_mut().unwrap().replication = Some(Default::default()));
    assert!(both.contains("data.multi_primary") && both.contains("no replicas"), "{both}");
}

#[test]
fn the_console_writes_through_the_first_primary_and_the_rule_still_holds() {
    // The traffic stops at 1 s, so that only the console writes from then on.
    let mut run = Run::new(stopping_at(preset("data-multi-primary-crdt"), 1).validate().unwrap(), None);
    run.run_until(SimTime::from_secs(2));
    let total =
        |run: &Run| -> Vec<String> { rows_on_each_primary(run, "orders").iter().map(|rows| rows[0].clone()).collect() };
    let before = total(&run);
    // Setting a counter is refused, in words that say how to write it, and changes nothing.
    run.query("UPDATE orders SET total_cents = 5 WHERE id = 1").unwrap();
    let last = run.engine().data().unwrap().console.entries.last().unwrap().outcome.clone();
    assert!(last.as_ref().is_err_and(|e| e.contains("add to it")), "{last:?}");
    assert_eq!(total(&run), before);
    // Adding to it commits on the first primary and reaches the second a link later.
    run.query("UPDATE orders SET total_cents = total_cents + 1000000 WHERE id = 1").unwrap();
    let after = total(&run);
    assert!(after[0] != before[0] && after[1] == before[1], "on the first primary only, for now");
    run.run_until(SimTime::from_millis(2_100));
    let after = total(&run);
    assert_eq!(after[0], after[1], "then on both");
}

#[test]
fn a_link_replays_the_console_through_the_rule_as_it_ran_live() {
    let mut run = Run::new(stopping_at(preset("data-multi-primary-crdt"), 1).validate().unwrap(), None);
    run.run_until(SimTime::from_secs(2));
    run.query("UPDATE orders SET total_cents = 5 WHERE id = 1").unwrap();
    run.query("UPDATE orders SET total_cents = total_cents + 1000000 WHERE id = 2").unwrap();
    run.run_until(SimTime::from_secs(3));
    let live = rows_on_each_primary(&run, "orders");
    // The link keeps both queries; reopened, the refused one is refused again and the other
    // reaches every primary. (Console queries replay as the run is built, so compare the rows
    // those two queries touch.)
    let mut reopened = Run::new(run.scenario().clone().validate().unwrap(), None);
    reopened.run_until(SimTime::from_secs(3));
    let again = rows_on_each_primary(&reopened, "orders");
    for rows in [&live[0], &live[1], &again[0], &again[1]] {
        assert!(!rows[0].contains("Int(5)"), "the refused write ran: {}", rows[0]);
    }
    assert_eq!(again[0][1], again[1][1], "the added write reached both primaries");
    let entries = &reopened.engine().data().unwrap().console.entries;
    assert!(entries[0].outcome.as_ref().is_err_and(|e| e.contains("add to it")));
}
