//! Single-primary replication on the engine's queue: the log, each replica's lag, reads that
//! miss their user's own write, counted when they really happen, and the commit modes that
//! make a commit wait for replicas.

use sim::run::Run;
use sim::scenario::Scenario;
use sim::time::SimTime;

fn lag_scenario(apply_per_s: f64) -> Scenario {
    let mut s = (sim::presets::find("data-replication-lag").expect("a preset").build)();
    s.data.as_mut().unwrap().replication.as_mut().unwrap().apply_per_s = apply_per_s;
    s
}

fn run_for(s: Scenario, seconds: u64) -> Run {
    let mut run = Run::new(s.validate().expect("valid"), None);
    run.run_until(SimTime::from_secs(seconds));
    run
}

#[test]
fn each_replica_holds_the_primarys_rows_up_to_the_entry_it_applied() {
    let run = run_for(lag_scenario(80.0), 10);
    let data = run.engine().data().unwrap();
    let replication = data.replication().unwrap().group(0);
    let comments = |db: &sim::data::Database| db.table_rows("comments").unwrap().1.len() as u64;
    let primary = comments(&data.console.db);
    // Every write of this mix adds one comment: the primary has them all, a replica those it applied.
    for replica in &replication.replicas {
        assert_eq!(primary - comments(&replica.db), replication.position() - replica.applied);
        assert!(replica.applied <= replica.received && replica.received <= replication.position());
    }
    assert!(replication.position() > 500, "about 75 writes a second: {}", replication.position());
}

#[test]
fn a_replica_slower_than_the_writes_falls_further_behind() {
    let mut run = run_for(lag_scenario(40.0), 10);
    let lag = |run: &Run| run.report().data.unwrap().web.unwrap().replication.unwrap().replicas[0];
    let at_ten = lag(&run);
    run.run_until(SimTime::from_secs(20));
    let at_twenty = lag(&run);
    // 75 writes a second against 40 applied: about 35 more behind each second.
    assert!(at_twenty.1 > at_ten.1 + 250, "{at_ten:?} then {at_twenty:?}");
    assert!(at_twenty.2 > at_ten.2 + 4.0, "the oldest entry not applied ages too: {at_ten:?} then {at_twenty:?}");
}

#[test]
fn users_miss_their_own_writes_when_the_replicas_lag_and_rarely_when_they_keep_up() {
    let violations = |apply_per_s: f64| {
        let run = run_for(lag_scenario(apply_per_s), 20);
        run.report().data.unwrap().web.unwrap().replication.unwrap().read_your_writes_violations
    };
    let lagging = violations(80.0);
    let keeping_up = violations(100_000.0);
    assert!(lagging > 300, "{lagging}");
    // Asynchronous even at full speed: a read that reaches a replica within the log's 1 ms trip
    // still misses the write; but that window is small.
    assert!(keeping_up * 20 < lagging, "{keeping_up} beside {lagging}");
}

#[test]
fn a_crashed_replica_stops_applying_and_catches_up_when_it_recovers() {
    use sim::scenario::TimelineEntry;
    use sim::Command;
    let mut s = lag_scenario(1_000.0);
    let at = |secs: u64, command| TimelineEntry { recorded: false, at_us: SimTime::from_secs(secs).0, command };
    s.timeline = vec![at(2, Command::CrashDatabase { server: 1 }), at(6, Command::RecoverDatabase { server: 1 })];
    let mut run = run_for(s, 5);
    let replicas = |run: &Run| run.report().data.unwrap().web.unwrap().replication.unwrap().replicas;
    let down = replicas(&run);
    assert!(down[0].1 > 150 && down[1].1 < 10, "replica 1 stopped, replica 2 kept up: {down:?}");
    run.run_until(SimTime::from_secs(8));
    let back = replicas(&run);
    assert!(back[0].1 < 10, "caught up at 1,000 entries a second: {back:?}");
}

#[test]
fn replication_needs_the_one_server_or_sharded_layout_that_the_web_tier_queries() {
    let mut s = lag_scenario(80.0);
    s.data.as_mut().unwrap().web = None;
    let text = sim::validate::in_words(&s.validate().unwrap_err());
    assert!(text.contains("data.replication") && text.contains("one-server or the sharded layout"), "{text}");
    let mut vertical = lag_scenario(80.0);
    vertical.data.as_mut().unwrap().layout = sim::data::LayoutConfig::Vertical { hot: Default::default() };
    let text = sim::validate::in_words(&vertical.validate().unwrap_err());
    assert!(text.contains("data.replication"), "{text}");
}

fn anomalies(preset: &str) -> sim::data::console::ReplicationReport {
    let s = (sim::presets::find(preset).expect("a preset").build)();
    run_for(s, 20).report().data.unwrap().web.unwrap().replication.unwrap()
}

#[test]
fn each_fix_removes_its_anomaly_at_its_cost() {
    let none = anomalies("data-replication-lag");
    assert!(none.read_your_writes_violations > 200 && none.monotonic_violations > 50, "{none:?}");
    assert_eq!(none.reads_on_primary, 0);
    // Rails' 2 s on the primary after a write: no read misses its writer's write, and the
    // primary takes every such read.
    let primary = anomalies("data-replication-primary-after-write");
    assert_eq!(primary.read_your_writes_violations, 0, "{primary:?}");
    assert!(primary.reads_on_primary > primary.reads / 2, "{primary:?}");
    // Waiting on the replica for the user's write: the reads wait instead of missing it (none
    // timed out, so none misses it).
    let wait = anomalies("data-replication-wait");
    assert_eq!(wait.read_your_writes_violations, 0, "{wait:?}");
    assert!(wait.waits > 100 && wait.mean_wait_ms > 1.0 && wait.wait_timeouts == 0, "{wait:?}");
    // A replica of one's own never goes back in time, but can still lag one's own write.
    let sticky = anomalies("data-replication-sticky");
    assert_eq!(sticky.monotonic_violations, 0, "{sticky:?}");
    assert!(sticky.read_your_writes_violations > 200, "{sticky:?}");
}

#[test]
fn least_lag_routing_prefers_the_replica_that_has_applied_most() {
    let mut s = (sim::presets::find("data-replication-lag").expect("a preset").build)();
    s.data.as_mut().unwrap().replication.as_mut().unwrap().routing = sim::data::replication::ReadRouting::LeastLag;
    let report = run_for(s, 20).report().data.unwrap().web.unwrap();
    let served: Vec<u64> = report.servers.iter().map(|s| s.served).collect();
    // The second replica applies at 90% of the first's rate: it is rarely the one further along.
    assert!(served[1] > 2 * served[2], "{served:?}");
}

#[test]
fn a_write_the_client_heard_fail_still_reaches_the_replicas_when_the_primary_has_it() {
    // One connection and no queue on every server: many writes reach a busy primary and are
    // refused after the query ran there. The log must still carry each, or the copies diverge.
    let mut s = lag_scenario(100_000.0);
    let web = s.data.as_mut().unwrap().web.as_mut().unwrap();
    (web.connections, web.queue_limit) = (1, 0);
    let run = run_for(s, 10);
    let data = run.engine().data().unwrap();
    assert!(data.report(run.now()).web.unwrap().failed > 0, "some queries were refused");
    let replication = data.replication().unwrap().group(0);
    let comments = |db: &sim::data::Database| db.table_rows("comments").unwrap().1.len() as u64;
    for replica in &replication.replicas {
        assert_eq!(comments(&data.console.db) - comments(&replica.db), replication.position() - replica.applied);
    }
}

fn with_commit(apply_per_s: f64, commit: CommitMode) -> Scenario {
    let mut s = lag_scenario(apply_per_s);
    let replication = s.data.as_mut().unwrap().replication.as_mut().unwrap();
    (replication.commit, replication.ship_ms, replication.flush_ms) = (commit, 1.0, 1.0);
    s
}

fn replication_report(s: Scenario, seconds: u64) -> sim::data::console::ReplicationReport {
    run_for(s, seconds).report().data.unwrap().web.unwrap().replication.unwrap()
}

use sim::data::replication::{CommitMode, SyncLevel, SyncMethod, WaitPoint};

fn postgres(level: SyncLevel, method: SyncMethod, count: u32) -> CommitMode {
    CommitMode::Synchronous { level, method, count }
}

fn semi_sync(wait_for_replica_count: u32, timeout_ms: f64) -> CommitMode {
    CommitMode::SemiSync { wait_point: WaitPoint::AfterSync, wait_for_replica_count, timeout_ms }
}

#[test]
fn each_commit_mode_waits_for_what_it_names() {
    // The log's trip and each acknowledgement's trip back take 1 ms, a flush 1 ms.
    let asynchronous = replication_report(with_commit(1_000.0, CommitMode::Async), 5);
    assert_eq!((asynchronous.commit_waits, asynchronous.longest_commit_wait_ms), (0, 0.0), "{asynchronous:?}");
    let exactly = |commit: CommitMode, ms: f64| {
        let r = replication_report(with_commit(1_000.0, commit), 5);
        assert!(r.commit_waits > 200, "{r:?}");
        assert!((r.mean_commit_wait_ms - ms).abs() < 1e-6 && (r.longest_commit_wait_ms - ms).abs() < 1e-6, "{r:?}");
    };
    // remote_write: there and back; on: there, flushed, back; semi-sync: in the relay log on disk.
    exactly(postgres(SyncLevel::RemoteWrite, SyncMethod::First, 1), 2.0);
    exactly(postgres(SyncLevel::On, SyncMethod::First, 1), 3.0);
    exactly(semi_sync(1, 10_000.0), 3.0);
    // remote_apply also waits for the replay, behind the entries before it: at least 1 ms of
    // apply (1,000 entries a second) on top of the trips.
    let apply = replication_report(with_commit(1_000.0, postgres(SyncLevel::RemoteApply, SyncMethod::First, 1)), 5);
    assert!(apply.mean_commit_wait_ms >= 3.0 && apply.longest_commit_wait_ms > apply.mean_commit_wait_ms, "{apply:?}");
}

#[test]
fn remote_apply_on_every_replica_never_misses_a_users_own_write() {
    // Replicas that lag (90 and 81 entries a second against about 75 writes): asynchronous
    // reads miss their writer's write; remote_apply on both replicas never does.
    let asynchronous = replication_report(with_commit(90.0, CommitMode::Async), 20);
    assert!(asynchronous.read_your_writes_violations > 100, "{asynchronous:?}");
    for method in [SyncMethod::Any, SyncMethod::First] {
        let r = replication_report(with_commit(90.0, postgres(SyncLevel::RemoteApply, method, 2)), 20);
        assert_eq!(r.read_your_writes_violations, 0, "{method:?}: {r:?}");
        assert!(r.commit_waits > 500 && r.mean_commit_wait_ms > 3.0, "the cost: commits wait for the replay: {r:?}");
    }
    // FIRST 1 waits for the first replica only: reads on the second still miss writes.
    let first = replication_report(with_commit(90.0, postgres(SyncLevel::RemoteApply, SyncMethod::First, 1)), 20);
    assert!(first.read_your_writes_violations > 0, "{first:?}");
}

fn crash_at(s: &mut Scenario, secs: u64, server: u32) {
    s.timeline.push(sim::scenario::TimelineEntry {
        recorded: false,
        at_us: SimTime::from_secs(secs).0,
        command: sim::Command::CrashDatabase { server },
    });
}

#[test]
fn first_k_waits_for_the_next_standby_when_one_is_down_and_for_ever_when_too_few_are_up() {
    // FIRST 1: replica 1 crashes, replica 2 becomes the synchronous standby, commits go on.
    let mut s = with_commit(1_000.0, postgres(SyncLevel::On, SyncMethod::First, 1));
    crash_at(&mut s, 2, 1);
    let mut run = run_for(s, 3);
    let waits = |run: &Run| run.report().data.unwrap().web.unwrap().replication.unwrap().commit_waits;
    let at_three = waits(&run);
    run.run_until(SimTime::from_secs(5));
    assert!(waits(&run) > at_three + 100, "commits still return");
    // FIRST 2 with one standby down: PostgreSQL has no timeout, so commits wait.
    let mut s = with_commit(1_000.0, postgres(SyncLevel::On, SyncMethod::First, 2));
    crash_at(&mut s, 2, 1);
    let mut run = run_for(s, 3);
    let at_three = waits(&run);
    run.run_until(SimTime::from_secs(5));
    assert_eq!(waits(&run), at_three, "no commit returns while too few standbys are up");
}

#[test]
fn semi_sync_falls_back_to_async_after_its_timeout_and_comes_back_when_a_replica_catches_up() {
    // Both replicas crash at 2 s and come back at 5 s; a 500 ms timeout.
    let mut s = with_commit(1_000.0, semi_sync(1, 500.0));
    crash_at(&mut s, 2, 1);
    crash_at(&mut s, 2, 2);
    for server in [1, 2] {
        s.timeline.push(sim::scenario::TimelineEntry {
            recorded: false,
            at_us: SimTime::from_secs(5).0,
            command: sim::Command::RecoverDatabase { server },
        });
    }
    let mut run = run_for(s, 4);
    let r = run.report().data.unwrap().web.unwrap().replication.unwrap();
    assert_eq!(r.semi_sync_fallbacks, 1, "{r:?}");
    // The first commit after the crash waited its whole timeout; the ones after returned at once,
    // unacknowledged (Rpl_semi_sync_source_no_tx).
    assert!((r.longest_commit_wait_ms - 500.0).abs() < 1.0, "{r:?}");
    assert!(r.unacknowledged_commits > 100, "{r:?}");
    run.run_until(SimTime::from_millis(4_990));
    let unacknowledged = run.report().data.unwrap().web.unwrap().replication.unwrap().unacknowledged_commits;
    run.run_until(SimTime::from_secs(8));
    let r = run.report().data.unwrap().web.unwrap().replication.unwrap();
    // Back at 5 s, the replicas report their position, semi-sync is on again: commits wait
    // about 3 ms each, acknowledged.
    assert_eq!(r.semi_sync_fallbacks, 1, "{r:?}");
    assert!(r.unacknowledged_commits <= unacknowledged + 5, "{unacknowledged} before: {r:?}");
    assert!(r.commit_waits > 300, "{r:?}");
    let replication = run.engine().data().unwrap().replication().unwrap().group(0);
    assert!(!replication.semi_sync_off);
}

fn failover_run(preset: &str, seed: u64, seconds: u64) -> Run {
    let mut s = (sim::presets::find(preset).expect("a preset").build)();
    s.seed = seed;
    run_for(s, seconds)
}

#[test]
fn heartbeats_declare_the_primary_down_after_their_misses_and_the_most_up_to_date_replica_takes_over() {
    let config = sim::data::failover::FailoverConfig::default();
    // Checks every 3 s: a crash at 20 s misses the checks at 21, 24 and 27 s.
    assert_eq!(config.detected_at(SimTime::from_secs(20)), SimTime::from_secs(27));
    assert_eq!(config.detected_at(SimTime::from_millis(20_999)), SimTime::from_secs(27));
    let run = failover_run("data-replication-failover-async", 7, 40);
    let data = run.engine().data().unwrap();
    let r = data.replication().unwrap().group(0);
    assert_eq!(r.failovers.len(), 1);
    let failover = &r.failovers[0];
    assert!(failover.at_s >= 27.0 && failover.at_s < 28.0, "{failover:?}");
    assert_ne!(r.primary_machine, 0, "a replica's machine is the primary now");
    // The new primary took writes after the failover, and every live replica holds the
    // primary's rows up to the entry it applied.
    assert!(r.position() > failover.position + 500, "{} after {}", r.position(), failover.position);
    let comments = |db: &sim::data::Database| db.table_rows("comments").unwrap().1.len() as u64;
    for replica in r.replicas.iter().filter(|x| !x.diverged) {
        assert_eq!(comments(&data.console.db) - comments(&replica.db), r.position() - replica.applied);
    }
}

#[test]
fn asynchronous_failover_loses_acknowledged_writes_and_after_sync_or_remote_apply_loses_none() {
    let lost = |run: &Run| {
        let r = run.engine().data().unwrap().replication().unwrap().group(0);
        let f = &r.failovers[0];
        (f.lost.len(), f.acknowledged_lost())
    };
    let mut async_acknowledged = 0;
    for seed in 1..=3 {
        let (_, acknowledged) = lost(&failover_run("data-replication-failover-async", seed, 28));
        async_acknowledged += acknowledged;
        let (lost_semi, acknowledged_semi) = lost(&failover_run("data-replication-failover-semi-sync", seed, 28));
        assert_eq!(acknowledged_semi, 0, "seed {seed}: {lost_semi} lost under AFTER_SYNC, none acknowledged");
        let mut s = (sim::presets::find("data-replication-failover-semi-sync").unwrap().build)();
        s.seed = seed;
        s.data.as_mut().unwrap().replication.as_mut().unwrap().commit =
            postgres(SyncLevel::RemoteApply, SyncMethod::First, 1);
        assert_eq!(lost(&run_for(s, 28)).1, 0, "seed {seed}: remote_apply");
    }
    assert!(async_acknowledged > 0, "asynchronous replication lost acknowledged writes");
}

#[test]
fn a_replica_is_promoted_by_hand_only_while_the_primary_is_down_and_the_old_primary_comes_back_fenced() {
    use sim::Command;
    let mut s = (sim::presets::find("data-replication-lag").unwrap().build)();
    s.data.as_mut().unwrap().replication.as_mut().unwrap().failover = None;
    let mut run = run_for(s, 2);
    let refused = run.schedule(Command::PromoteDatabase { server: 2 }).unwrap_err().to_string();
    run.run_until(SimTime::from_millis(2_001));
    assert!(refused.contains("the primary is up: crash it first"), "{refused}");
    run.schedule(Command::CrashDatabase { server: 0 }).unwrap();
    run.run_until(SimTime::from_secs(4));
    assert!(
        run.engine().data().unwrap().replication().unwrap().group(0).failovers.is_empty(),
        "no heartbeats: no failover"
    );
    run.schedule(Command::PromoteDatabase { server: 2 }).unwrap();
    run.run_until(SimTime::from_secs(6));
    let r = run.engine().data().unwrap().replication().unwrap().group(0);
    assert_eq!((r.primary_machine, r.failovers.len()), (2, 1));
    assert_eq!(r.role(0), "replica 2");
    assert!(r.replicas[1].diverged, "the old primary is replica 2's entry now, fenced");
    // The old primary comes back as a copy of the new one, and follows its log from there.
    run.schedule(Command::RecoverDatabase { server: 0 }).unwrap();
    run.run_until(SimTime::from_secs(10));
    let data = run.engine().data().unwrap();
    let r = data.replication().unwrap().group(0);
    let old = &r.replicas[r.replica_on(0).unwrap()];
    assert!(!old.diverged && old.applied + 20 > r.position(), "{} of {}", old.applied, r.position());
}

#[test]
fn littles_law_on_the_log_a_slow_replica_falls_behind_at_the_difference_and_a_fast_one_stays_bounded() {
    let report = |run: &Run| run.report().data.unwrap().web.unwrap().replication.unwrap();
    // Slower than the writes (40 entries a second): entries behind grow at λ − μ.
    let mut slow = run_for(lag_scenario(40.0), 10);
    let (p10, behind10) = (report(&slow).position, report(&slow).replicas[0].1);
    slow.run_until(SimTime::from_secs(30));
    let (p30, behind30) = (report(&slow).position, report(&slow).replicas[0].1);
    let lambda = (p30 - p10) as f64 / 20.0;
    let growth = (behind30 as f64 - behind10 as f64) / 20.0;
    assert!((growth - (lambda - 40.0)).abs() < 0.01 * lambda, "λ {lambda}/s, behind grew {growth}/s");
    // Faster (90 entries a second against about 75): the lag stays bounded, and its time
    // average is λ × W, W the mean time from commit to apply (Little's law, within 5%).
    let mut fast = run_for(lag_scenario(90.0), 10);
    let (start_position, mut sum, mut samples) = (report(&fast).position, 0.0, 0u32);
    for step in 1..=8_000u64 {
        fast.run_until(SimTime::from_millis(10_000 + step * 5));
        let (behind, _) = fast.engine().data().unwrap().replication().unwrap().group(0).lag(0, fast.now());
        sum += behind as f64;
        samples += 1;
        assert!(behind < 200, "bounded: {behind} behind");
    }
    let r = report(&fast);
    let lambda = (r.position - start_position) as f64 / 40.0;
    let mean_behind = sum / f64::from(samples);
    let w_s = r.replica_lag_ms[0].mean / 1_000.0;
    assert!((mean_behind - lambda * w_s).abs() < 0.05 * mean_behind, "L {mean_behind}, λ {lambda}/s × W {w_s} s");
}

#[test]
fn after_commit_shows_other_sessions_writes_no_replica_has_and_after_sync_never_does() {
    // Reads on the primary for 2 s after a write, so that sessions read the primary while
    // other users' commits wait for their acknowledgement.
    let ahead = |wait_point: WaitPoint| {
        let mut s =
            with_commit(1_000.0, CommitMode::SemiSync { wait_point, wait_for_replica_count: 1, timeout_ms: 10_000.0 });
        let replication = s.data.as_mut().unwrap().replication.as_mut().unwrap();
        replication.fix = sim::data::replication::ReadFix::PrimaryAfterWrite { seconds: 2.0 };
        replication.ship_ms = 20.0;
        let r = replication_report(s, 10);
        assert!(r.reads_on_primary > 500, "{r:?}");
        r.reads_ahead_of_replicas
    };
    assert_eq!(ahead(WaitPoint::AfterSync), 0);
    assert!(ahead(WaitPoint::AfterCommit) > 50);
    // Asynchronous commits show at once too.
    let mut s = with_commit(1_000.0, CommitMode::Async);
    s.data.as_mut().unwrap().replication.as_mut().unwrap().fix =
        sim::data::replication::ReadFix::PrimaryAfterWrite { seconds: 2.0 };
    s.data.as_mut().unwrap().replication.as_mut().unwrap().ship_ms = 20.0;
    assert!(replication_report(s, 10).reads_ahead_of_replicas > 50);
}

#[test]
fn under_many_writes_the_primary_saturates_while_the_replicas_do_not() {
    let run = run_for((sim::presets::find("data-replication-write-heavy").unwrap().build)(), 60);
    let report = run.report();
    let busy: Vec<f64> =
        report.data.unwrap().web.unwrap().servers.iter().map(|s| s.utilisation.unwrap_or(0.0)).collect();
    assert!(busy[0] > 0.95, "the primary: {busy:?}");
    assert!(busy[1] < 0.5 && busy[2] < 0.5, "the replicas: {busy:?}");
    // Answered requests stop following the ramp: the primary takes 2,000 writes a second, 60%
    // of about 3,300 requests, while nearly 5,000 arrive in the last second.
    let last = *run.engine().metrics().series().back().expect("a second closed");
    assert!(last.arrived > 4_500 && (last.throughput as f64) < 3_600.0, "{last:?}");
}

fn at(secs: u64, command: sim::Command) -> sim::scenario::TimelineEntry {
    sim::scenario::TimelineEntry { recorded: false, at_us: SimTime::from_secs(secs).0, command }
}

#[test]
fn a_cut_link_starves_its_replica_and_each_commit_mode_does_what_its_system_does() {
    use sim::Command::{CutReplicaLink, HealReplicaLink};
    // Asynchronous: commits go on, the cut replica falls behind while it still serves reads,
    // and catches up once healed.
    let mut s = with_commit(1_000.0, CommitMode::Async);
    s.timeline = vec![at(2, CutReplicaLink { server: 1 }), at(6, HealReplicaLink { server: 1 })];
    let mut run = run_for(s, 5);
    let r = replication_report(run.scenario().clone(), 5);
    assert!(r.replicas[0].1 > 150 && r.replicas[1].1 < 10, "replica 1 starved: {:?}", r.replicas);
    assert!(r.stale_reads > 100, "its reads are stale: {r:?}");
    run.run_until(SimTime::from_secs(8));
    let back = run.report().data.unwrap().web.unwrap().replication.unwrap();
    assert!(back.replicas[0].1 < 10, "healed, it caught up: {:?}", back.replicas);
    // remote_apply on ANY 2: a cut standby stops every commit until the link heals.
    let mut s = with_commit(1_000.0, postgres(SyncLevel::RemoteApply, SyncMethod::Any, 2));
    s.timeline = vec![at(2, CutReplicaLink { server: 1 }), at(6, HealReplicaLink { server: 1 })];
    let mut run = run_for(s, 3);
    let waits = |run: &Run| run.report().data.unwrap().web.unwrap().replication.unwrap().commit_waits;
    let at_three = waits(&run);
    run.run_until(SimTime::from_secs(5));
    assert_eq!(waits(&run), at_three, "commits blocked while the link is cut");
    run.run_until(SimTime::from_secs(8));
    assert!(waits(&run) > at_three + 50, "and go on once it heals");
    // FIRST 1: the cut standby counts as disconnected, the next one takes its place.
    let mut s = with_commit(1_000.0, postgres(SyncLevel::On, SyncMethod::First, 1));
    s.timeline = vec![at(2, CutReplicaLink { server: 1 })];
    let mut run = run_for(s, 3);
    let at_three = waits(&run);
    run.run_until(SimTime::from_secs(5));
    assert!(waits(&run) > at_three + 50, "commits go on with the second standby");
    // Semi-sync with both links cut: one commit waits the timeout, then the source falls back.
    let mut s = with_commit(1_000.0, semi_sync(1, 500.0));
    s.timeline = vec![at(2, CutReplicaLink { server: 1 }), at(2, CutReplicaLink { server: 2 })];
    let r = replication_report(s, 4);
    assert_eq!(r.semi_sync_fallbacks, 1, "{r:?}");
    assert!((r.longest_commit_wait_ms - 500.0).abs() < 1.0, "{r:?}");
    // A cut cannot be cut twice, and the primary has no link to cut.
    let mut run = run_for(with_commit(1_000.0, CommitMode::Async), 1);
    run.schedule(CutReplicaLink { server: 1 }).unwrap();
    run.run_until(SimTime::from_millis(1_010));
    assert!(run.schedule(CutReplicaLink { server: 1 }).unwrap_err().to_string().contains("already cut"));
    assert!(run.schedule(CutReplicaLink { server: 0 }).unwrap_err().to_string().contains("is the primary"));
}

#[test]
fn the_split_view_compares_two_commit_modes_on_the_same_traffic() {
    use sim::data::replication::CommitChoice;
    use sim::scenario::Variant;
    let s = lag_scenario(90.0);
    let variant = Variant::Commit { commit: CommitChoice::RemoteApply };
    assert_eq!(Variant::from_key(&variant.key()), Some(variant));
    assert!(
        Variant::all_but(&s).contains(&variant)
            && !Variant::all_but(&s).contains(&Variant::Commit { commit: CommitChoice::Async })
    );
    // The twin keeps the number of replicas waited for: remote_apply on both replicas.
    let mut both = s.clone();
    both.data.as_mut().unwrap().replication.as_mut().unwrap().commit = semi_sync(2, 10_000.0);
    let twin = variant.applied_to(&both);
    assert_eq!(twin.data.unwrap().replication.unwrap().commit, postgres(SyncLevel::RemoteApply, SyncMethod::First, 2));
    let mut run = Run::new(both.validate().unwrap(), Some(variant));
    run.run_until(SimTime::from_secs(10));
    let misses = |sim: &sim::Sim| sim.data().unwrap().replication().unwrap().group(0).read_your_writes_violations;
    let (_, twin) = run.twin().expect("a twin");
    // Semi-sync waits for receipt only: reads still miss writes the replicas have not applied.
    assert!(misses(run.engine()) > 20 && misses(twin) == 0, "{} beside {}", misses(run.engine()), misses(twin));
}

#[test]
fn without_fencing_the_old_primary_comes_back_a_primary_and_its_writes_go_nowhere_else() {
    let preset = |name: &str| (sim::presets::find(name).expect("a preset").build)();
    let run = run_for(preset("data-replication-split-brain"), 45);
    let data = run.engine().data().unwrap();
    let r = data.replication().unwrap().group(0);
    let old = r.replicas.iter().position(|x| x.split_brain).expect("the old primary is back, unfenced");
    assert!(r.split_brain_writes > 100, "every second user writes to it: {}", r.split_brain_writes);
    // Its comments include writes the new primary has never seen, and the new primary's
    // include writes it has never seen: two primaries, diverged.
    let ids = |db: &sim::data::Database| -> std::collections::BTreeSet<String> {
        db.table_rows("comments").unwrap().1.iter().map(|row| row[0].to_string()).collect()
    };
    let (mine, theirs) = (ids(&r.replicas[old].db), ids(&data.console.db));
    assert!(mine.difference(&theirs).count() as u64 >= r.split_brain_writes, "its own writes");
    assert!(theirs.difference(&mine).count() > 100, "the new primary's since the failover");
    // With fencing (the default), the same crash and return rebuilds it as a replica.
    let mut fenced = preset("data-replication-split-brain");
    fenced.data.as_mut().unwrap().replication.as_mut().unwrap().failover =
        Some(sim::data::failover::FailoverConfig::default());
    let run = run_for(fenced, 45);
    let r = run.engine().data().unwrap().replication().unwrap().group(0);
    assert_eq!(r.split_brain_writes, 0);
    assert!(r.replicas.iter().all(|x| !x.split_brain && !x.diverged));
}

#[test]
fn the_space_time_view_holds_the_last_second_with_each_anomaly_where_it_happened() {
    use sim::data::space_time::{Kind, WINDOW};
    let run = run_for(lag_scenario(80.0), 10);
    let data = run.engine().data().unwrap();
    let now = run.engine().now();
    let items: Vec<_> = data.space_time().expect("a history").since(now - WINDOW).cloned().collect();
    assert!(items.iter().all(|i| i.sent <= i.at && i.at <= now), "each sent before it arrived");
    let logs = items.iter().filter(|i| i.kind == Kind::Log).count();
    assert!(logs > 50, "about 75 writes a second reach two replicas: {logs}");
    assert!(items
        .iter()
        .filter(|i| i.kind == Kind::Log)
        .all(|i| i.from == 0 && i.to > 0 && i.at - i.sent == SimTime::from_millis(1)));
    let marks: Vec<_> = items.iter().filter(|i| i.kind == Kind::Anomaly).collect();
    assert!(!marks.is_empty());
    for m in marks {
        let said = m.explain.as_deref().unwrap_or_default();
        assert!(said.contains(&format!("replica {}", m.from)), "marked on the replica it names: {said}");
    }
}
