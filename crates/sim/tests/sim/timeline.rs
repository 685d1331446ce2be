//! The timeline's copies (`run::Checkpoints`): a seek from a copy gives the run exactly as it
//! was, and a change in the past forks it.

use proptest::prelude::*;
use sim::run::{Checkpoints, Run};
use sim::scenario::Variant;
use sim::{presets, Algorithm, Command, Scenario, SimTime};

/// Plays `scenario` to `until` as the page does, a quarter of a second at a time, keeping copies.
fn played(scenario: &Scenario, compare_with: Option<Variant>, until: SimTime) -> (Run, Checkpoints) {
    let mut run = Run::new(scenario.clone().validate().expect("valid"), compare_with);
    let mut checkpoints = Checkpoints::new(&run);
    while run.now() < until {
        run.run_until(run.now() + SimTime::from_millis(250));
        checkpoints.keep(&run);
    }
    (run, checkpoints)
}

/// Everything the page shows of a run, and its trace: equal only if the runs are the same.
fn seen(run: &Run) -> (sim::Snapshot, Vec<sim::SecondSample>, sim::run::RunReport, String) {
    let engine = run.engine();
    (engine.snapshot(400), engine.metrics().series().iter().copied().collect(), run.report(), engine.trace_hash().hex())
}

fn replayed_from_the_start(scenario: &Scenario, compare_with: Option<Variant>, at: SimTime) -> Run {
    let mut run = Run::new(scenario.clone().validate().expect("valid"), compare_with);
    run.run_until(at);
    run
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Any preset, any seed, any moment: the copy before it, replayed to it, is the run as it
    /// was there, the split view's twin included.
    #[test]
    fn a_seek_from_a_copy_is_the_run_as_it_was(
        preset in 0..presets::PRESETS.len(),
        seed in 0u64..1_000,
        moment_ms in 0u64..30_000,
        twin in any::<bool>(),
    ) {
        let mut scenario = (presets::PRESETS[preset].build)();
        scenario.seed = seed;
        let compare_with = twin.then_some(Variant::Algorithm(Algorithm::LeastConnections));
        let (_, checkpoints) = played(&scenario, compare_with, SimTime::from_secs(30));
        let at = SimTime::from_millis(moment_ms);
        let mut sought = checkpoints.latest_at_or_before(at);
        prop_assert!(sought.now() <= at);
        sought.run_until(at);
        let fresh = replayed_from_the_start(&scenario, compare_with, at);
        prop_assert!(seen(&sought) == seen(&fresh), "{} at {at}", presets::PRESETS[preset].name);
        prop_assert_eq!(
            sought.twin().map(|(_, t)| t.trace_hash().hex()),
            fresh.twin().map(|(_, t)| t.trace_hash().hex())
        );
    }
}

#[test]
fn copies_are_spaced_and_thinned_to_their_cap() {
    let mut scenario = Scenario::default();
    scenario.clients.arrival_rate = 50.0;
    let (run, checkpoints) = played(&scenario, None, SimTime::from_secs(2_000));
    assert!(checkpoints.len() <= sim::run::checkpoints::MAX_CHECKPOINTS);
    // 2,000 s in copies 5 s apart is 400: thinned twice, to 20 s apart.
    assert_eq!(checkpoints.spacing(), SimTime::from_secs(20));
    assert_eq!(checkpoints.len(), 101, "the start and every 20 s to 2,000 s");
    assert_eq!(checkpoints.latest_at_or_before(SimTime::from_secs(1_239)).now(), SimTime::from_secs(1_220));
    assert_eq!(checkpoints.latest_at_or_before(run.now()).now(), SimTime::from_secs(2_000));
}

/// A change made live is in every earlier copy's future: seeking back before it and playing on
/// meets it again where it was made.
#[test]
fn a_change_made_live_is_replayed_after_a_seek_back() {
    let scenario = Scenario::default();
    let (mut run, mut checkpoints) = played(&scenario, None, SimTime::from_secs(12));
    let entry = run.schedule(Command::Crash { server: 1 }).expect("server 1 exists");
    checkpoints.record(&entry);
    run.run_until(SimTime::from_secs(20));

    let mut sought = checkpoints.latest_at_or_before(SimTime::from_secs(7));
    sought.run_until(SimTime::from_secs(20));
    assert_eq!(seen(&sought), seen(&run));
    let link = run.scenario().clone();
    assert_eq!(seen(&replayed_from_the_start(&link, None, SimTime::from_secs(20))), seen(&run), "as its link replays");
}

/// A change in the past forks the run: the user's later changes go, the scenario's own stay,
/// and the fork is what its link replays.
#[test]
fn a_change_in_the_past_forks_the_run() {
    let mut scenario = Scenario::default();
    scenario.timeline.push(sim::scenario::TimelineEntry {
        recorded: false,
        at_us: SimTime::from_secs(25).0,
        command: Command::Crash { server: 0 },
    });
    let (mut run, mut checkpoints) = played(&scenario, None, SimTime::from_secs(15));
    let later = run.schedule(Command::Crash { server: 2 }).expect("server 2 exists");
    checkpoints.record(&later);
    run.run_until(SimTime::from_secs(30));

    // Back to 8 s, then a change there.
    let fork_at = SimTime::from_secs(8);
    let mut forked = checkpoints.latest_at_or_before(fork_at);
    forked.run_until(fork_at);
    assert_eq!(forked.drop_recorded_after(fork_at), 1, "the crash at 15 s was the user's");
    checkpoints.fork(fork_at);
    let change = forked.schedule(Command::Crash { server: 3 }).expect("server 3 exists");
    checkpoints.record(&change);
    let timeline = &forked.scenario().timeline;
    assert_eq!(
        timeline.iter().map(|e| (e.at_us, e.recorded)).collect::<Vec<_>>(),
        vec![(fork_at.0 + 1, true), (SimTime::from_secs(25).0, false)],
        "the fork's change, and the scenario's own crash at 25 s"
    );
    forked.run_until(SimTime::from_secs(30));
    let link = forked.scenario().clone();
    assert_eq!(seen(&replayed_from_the_start(&link, None, SimTime::from_secs(30))), seen(&forked));
    let mut again = checkpoints.latest_at_or_before(SimTime::from_secs(20));
    again.run_until(SimTime::from_secs(30));
    assert_eq!(seen(&again), seen(&forked), "the copies kept follow the fork");
    assert_ne!(seen(&forked), seen(&run));
}

#[test]
fn links_without_the_recorded_mark_open_and_links_with_it_keep_it() {
    let mut scenario = Scenario::default();
    let mut run = Run::new(scenario.clone().validate().expect("valid"), None);
    run.run_until(SimTime::from_secs(3));
    run.schedule(Command::AddServer).expect("room for one more");
    let link = sim::link::encode(run.scenario(), SimTime::from_secs(3));
    let opened = sim::link::decode(&link).expect("opens");
    assert!(opened.scenario.get().timeline[0].recorded);
    scenario.timeline.push(sim::scenario::TimelineEntry { recorded: false, at_us: 5, command: Command::AddServer });
    let json = serde_json::to_string(&scenario).expect("serialises");
    assert!(!json.contains("recorded"), "a scenario's own entries are written as before: {json}");
}
