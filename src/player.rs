//! The animation loop's model side: one `Sim` and the wall clock that drives it. Each frame
//! advances simulated time by (wall time since the last frame × speed), within an event budget
//! and a wall-time budget so that no frame freezes the page; when either runs out, the sim lags
//! and says so.

use crate::frame_budget::{run_in_slices, wall_ms, Deadline};
use sim::caching::{CacheLab, CacheLabSnapshot, Exchange, LabAction, LabSecond};
use sim::components::autoscaler::ScaleDecision;
use sim::components::sessions::UserView;
use sim::scenario::Variant;
use sim::{Command, CommandError, Scenario, SecondSample, Sim, SimTime, Snapshot, ValidScenario};

/// Events one frame may run. About 5 ms of work natively; a few times that in wasm.
const EVENTS_PER_FRAME: u64 = 150_000;
/// Wall time one frame's engine work may take [ms]. Only heavy runs reach it (1,000 servers under
/// an algorithm that scans them all, a high speed, a slow phone); with the drawing (about 10 ms
/// at 1,000 servers) the frame stays under 50 ms, where a stutter shows.
const FRAME_WORK_MS: f64 = 30.0;
/// Events the page runs to reach a shared link's position before it shows anything: a few
/// seconds in the browser at most. A link further in is opened as far as this gets.
const FAST_FORWARD_EVENTS: u64 = 40_000_000;
/// Longest wall-clock gap one frame counts [ms], so that a background tab does not jump ahead.
const MAX_FRAME_GAP_MS: f64 = 100.0;
/// Request dots drawn at most; the rest are counted.
pub const MAX_DOTS: usize = 400;
/// Seconds of history the charts show.
pub const CHART_WINDOW_S: usize = 60;

/// What one frame draws. Plain data, compared to skip redraws that change nothing.
#[derive(Clone, PartialEq)]
pub struct FrameView {
    pub snapshot: Snapshot,
    pub series: Vec<SecondSample>,
    /// the split view's second run, in lockstep with the first
    pub twin: Option<TwinView>,
    /// true when the last frame could not keep up with the speed asked for
    pub lagging: bool,
    pub events_processed: u64,
    /// the followed user's session and cookies (sessions modelled and a user picked)
    pub user: Option<UserView>,
    /// with an autoscaler: what it has decided (the latest first) and how it is doing
    pub autoscaling: Option<AutoscalingView>,
    /// the Caching lesson's lab, when the scenario has one
    pub caching: Option<LabView>,
}

/// The caching lab, as one frame draws it.
#[derive(Clone, PartialEq)]
pub struct LabView {
    pub snapshot: CacheLabSnapshot,
    /// the charts' window
    pub series: Vec<LabSecond>,
    /// the latest exchanges, newest first
    pub exchanges: Vec<Exchange>,
    pub shared_cache: bool,
    pub server_cache: bool,
}

/// Exchanges the inspector lists.
const LISTED_EXCHANGES: usize = 12;

#[derive(Clone, PartialEq)]
pub struct AutoscalingView {
    /// decisions within the charts' window, oldest first
    pub recent: Vec<ScaleDecision>,
    /// every decision so far
    pub decisions: usize,
    /// the last few decisions, newest first, for the list
    pub latest: Vec<ScaleDecision>,
    pub slo_p95_ms: f64,
    pub slo_violation_seconds: u64,
}

#[derive(Clone, PartialEq)]
pub struct TwinView {
    pub variant: Variant,
    pub snapshot: Snapshot,
    pub series: Vec<SecondSample>,
}

pub struct Player {
    sim: Sim,
    /// the split view's second run: the same scenario and seed (so the same requests) under
    /// another algorithm or session mode, always advanced to the first run's time
    twin: Option<(Variant, Sim)>,
    /// the Caching lesson's lab (scenario `caching`), advanced to the first run's time
    lab: Option<CacheLab>,
    /// which run this is (the app bumps it to restart)
    pub run_id: u64,
    last_frame_ms: Option<f64>,
    lagging: bool,
    /// the position asked for, when fast-forwarding to it would have taken too long
    pub fell_short_of: Option<SimTime>,
    /// the user whose session the inspector shows
    pub following: Option<u32>,
}

impl Player {
    /// A new run, fast-forwarded to `at` (a shared link's playback position) within a budget;
    /// with `compare_with`, a second run of the same scenario with that difference beside it.
    pub fn new(scenario: ValidScenario, at: SimTime, run_id: u64, compare_with: Option<Variant>) -> Self {
        Self::with_fast_forward_budget(scenario, at, run_id, compare_with, FAST_FORWARD_EVENTS)
    }

    fn with_fast_forward_budget(
        scenario: ValidScenario,
        at: SimTime,
        run_id: u64,
        compare_with: Option<Variant>,
        budget: u64,
    ) -> Self {
        let twin = compare_with.and_then(|variant| {
            variant.applied_to(scenario.get()).validate().ok().map(|valid| (variant, Sim::new(valid)))
        });
        let lab = scenario.get().caching.as_ref().map(|c| CacheLab::new(c, scenario.get().seed));
        let mut player = Player {
            sim: Sim::new(scenario),
            twin,
            lab,
            run_id,
            last_frame_ms: None,
            lagging: false,
            fell_short_of: None,
            following: None,
        };
        let reached = player.run_both(at, budget, None);
        player.fell_short_of = (!reached).then_some(at);
        player
    }

    /// Advances the first run towards `target` and the twin and the lab to wherever the first got,
    /// within the event budget and, if given, `work_ms` of wall time, both split between them.
    /// Returns whether all of them reached `target`.
    fn run_both(&mut self, target: SimTime, budget: u64, work_ms: Option<f64>) -> bool {
        let runs = 1 + u64::from(self.twin.is_some()) + u64::from(self.lab.is_some());
        let share = budget / runs;
        let deadline = |ms: f64| Deadline::after(ms, wall_ms);
        let frame = work_ms.map_or(Deadline::none(), deadline);
        let first_runs_share = work_ms.map_or(Deadline::none(), |ms| deadline(ms / runs as f64));
        // A follower that could not keep up last frame catches up first, and the first run waits
        // for it: the two sides of the split view never drift more than a frame apart.
        if !self.followers_reach(self.sim.now(), share, &frame) {
            return false;
        }
        let sim = &mut self.sim;
        let reached = run_in_slices(share, &first_runs_share, |events| sim.run_until_within(target, events));
        self.followers_reach(self.sim.now(), share, &frame) && reached
    }

    /// Runs the twin and the lab up to `at`; whether both got there.
    fn followers_reach(&mut self, at: SimTime, events: u64, deadline: &Deadline) -> bool {
        let mut reached = true;
        if let Some((_, twin)) = &mut self.twin {
            reached &= run_in_slices(events, deadline, |events| twin.run_until_within(at, events));
        }
        if let Some(lab) = &mut self.lab {
            reached &= run_in_slices(events, deadline, |events| lab.run_until_within(at, events));
        }
        reached
    }

    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// Called on every animation frame while playing, with the frame's timestamp [ms].
    pub fn advance(&mut self, frame_ms: f64, speed: f64) {
        let gap_ms = match self.last_frame_ms {
            Some(last) => (frame_ms - last).clamp(0.0, MAX_FRAME_GAP_MS),
            None => 0.0,
        };
        self.last_frame_ms = Some(frame_ms);
        let target = self.sim.now() + SimTime::from_millis_f64(gap_ms * speed);
        self.lagging = !self.run_both(target, EVENTS_PER_FRAME, Some(FRAME_WORK_MS));
    }

    /// Playback stopped: the next frame must not count the paused time.
    pub fn pause(&mut self) {
        self.last_frame_ms = None;
        self.lagging = false;
    }

    /// A change while the run goes on (no restart); returns the scenario with the change recorded
    /// in its timeline, for the link.
    pub fn schedule(&mut self, command: Command) -> Result<Scenario, CommandError> {
        self.sim.schedule(command.clone())?;
        if let Some((_, twin)) = &mut self.twin {
            // Both runs have the same servers at the same moment, so the twin accepts it too.
            let _ = twin.schedule(command);
        }
        Ok(self.scenario())
    }

    /// A failure injected into the caching lab while it runs; returns the scenario with it
    /// recorded in the lab's timeline, for the link (None without a lab).
    pub fn lab_action(&mut self, action: LabAction) -> Option<Scenario> {
        self.lab.as_mut()?.apply_and_record(action);
        Some(self.scenario())
    }

    /// Horizontal scaling from the knob, while the run goes on: one change in the timeline, however
    /// many servers it adds or removes. Returns the scenario with it recorded.
    pub fn resize_pool(&mut self, target: u32) -> Result<Scenario, CommandError> {
        if target == self.pool_size() {
            return Ok(self.scenario());
        }
        self.schedule(Command::SetPoolSize { servers: target })
    }

    /// The scenario as it runs now, with the changes made while running in its timelines (the
    /// engine's, and the caching lab's).
    pub fn scenario(&self) -> Scenario {
        let mut scenario = self.sim.scenario().clone();
        if let Some(lab) = &self.lab {
            scenario.caching = Some(lab.config().clone());
        }
        scenario
    }

    /// Servers in the pool now.
    pub fn pool_size(&self) -> u32 {
        self.sim.pool_size()
    }

    /// Runs exactly one event (the single-step control).
    pub fn step(&mut self) {
        self.sim.step();
        if let Some((_, twin)) = &mut self.twin {
            twin.run_until(self.sim.now());
        }
        if let Some(lab) = &mut self.lab {
            lab.run_until(self.sim.now());
        }
    }

    pub fn view(&self) -> FrameView {
        FrameView {
            snapshot: self.sim.snapshot(MAX_DOTS),
            series: chart_window(&self.sim),
            twin: self.twin.as_ref().map(|(variant, twin)| TwinView {
                variant: *variant,
                snapshot: twin.snapshot(MAX_DOTS),
                series: chart_window(twin),
            }),
            lagging: self.lagging,
            events_processed: self.sim.events_processed() + self.twin.as_ref().map_or(0, |(_, t)| t.events_processed()),
            user: self.following.and_then(|user| self.sim.user_view(user)),
            autoscaling: autoscaling_view(&self.sim),
            caching: self.lab.as_ref().map(lab_view),
        }
    }
}

fn lab_view(lab: &CacheLab) -> LabView {
    let series = lab.seconds();
    LabView {
        snapshot: lab.snapshot(),
        series: series[series.len().saturating_sub(CHART_WINDOW_S)..].to_vec(),
        exchanges: lab.exchanges().rev().take(LISTED_EXCHANGES).cloned().collect(),
        shared_cache: lab.config().shared_cache,
        server_cache: lab.config().server_cache.enabled,
    }
}

/// Decisions the list beside the charts shows.
const LATEST_DECISIONS: usize = 8;

fn autoscaling_view(sim: &Sim) -> Option<AutoscalingView> {
    let a = sim.autoscaler();
    if !a.config().is_active() {
        return None;
    }
    let since = sim.metrics().series().iter().rev().nth(CHART_WINDOW_S - 1).map_or(0, |s| s.second);
    let all = a.decisions();
    Some(AutoscalingView {
        recent: all.iter().filter(|d| d.at.whole_secs() >= since).cloned().collect(),
        decisions: all.len(),
        latest: all.iter().rev().take(LATEST_DECISIONS).cloned().collect(),
        slo_p95_ms: a.config().slo_p95_ms,
        slo_violation_seconds: a.slo_violation_seconds(),
    })
}

/// The last `CHART_WINDOW_S` seconds of a run's series.
fn chart_window(sim: &Sim) -> Vec<SecondSample> {
    let series = sim.metrics().series();
    series.iter().skip(series.len().saturating_sub(CHART_WINDOW_S)).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::Scenario;

    #[test]
    fn frames_advance_by_wall_time_times_speed() {
        let mut p = Player::new(Scenario::default().validate().unwrap(), SimTime::ZERO, 0, None);
        p.advance(1_000.0, 0.5);
        assert_eq!(p.now(), SimTime::ZERO, "the first frame only starts the clock");
        p.advance(1_016.0, 0.5);
        assert_eq!(p.now(), SimTime::from_millis(8));
        p.advance(5_000.0, 1.0);
        assert_eq!(p.now(), SimTime::from_millis(108), "long gaps are clamped to 100 ms");
        p.pause();
        p.advance(9_000.0, 1.0);
        assert_eq!(p.now(), SimTime::from_millis(108));
    }

    #[test]
    fn fast_forward_stops_at_its_budget_and_says_so() {
        let valid = || Scenario::default().validate().unwrap();
        let p = Player::with_fast_forward_budget(valid(), SimTime::from_secs(60), 0, None, 1_000);
        assert_eq!(p.fell_short_of, Some(SimTime::from_secs(60)));
        assert!(p.now() < SimTime::from_secs(1));
        let p = Player::with_fast_forward_budget(valid(), SimTime::from_secs(2), 0, None, 1_000_000);
        assert_eq!((p.fell_short_of, p.now()), (None, SimTime::from_secs(2)));
    }

    #[test]
    fn the_pool_grows_and_shrinks_without_a_restart() {
        let mut p = Player::new(Scenario::default().validate().unwrap(), SimTime::from_secs(1), 0, None);
        let scenario = p.resize_pool(6).unwrap();
        assert_eq!(scenario.timeline.len(), 1, "one change, however many servers");
        p.advance(0.0, 1.0);
        p.advance(10.0, 1.0);
        assert_eq!(p.pool_size(), 6);
        let scenario = p.resize_pool(3).unwrap();
        assert_eq!(scenario.timeline.last().unwrap().command, Command::SetPoolSize { servers: 3 });
        p.advance(20.0, 1.0);
        assert_eq!(p.pool_size(), 3);
        assert_eq!(p.now(), SimTime::from_millis(1_020), "the run went on");
        assert_eq!(p.resize_pool(3).unwrap().timeline.len(), 2, "no change, nothing recorded");
        assert!(p.resize_pool(1_001).is_err());
    }

    #[test]
    fn the_twin_runs_in_lockstep_on_the_same_requests() {
        let mut s = Scenario::default();
        s.servers.service = sim::ServiceTime::LogNormal { mean_ms: 20.0, sigma: 1.2 };
        let mut p = Player::new(
            s.validate().unwrap(),
            SimTime::ZERO,
            0,
            Some(Variant::Algorithm(sim::Algorithm::LeastConnections)),
        );
        p.advance(0.0, 1.0);
        for frame in 1..=200 {
            p.advance(f64::from(frame) * 50.0, 1.0);
        }
        let view = p.view();
        let twin = view.twin.expect("split view");
        assert_eq!(twin.snapshot.now, view.snapshot.now);
        // Same traffic: the same requests arrived in both runs...
        assert_eq!(twin.snapshot.counters.arrived, view.snapshot.counters.arrived);
        // ...but they were balanced differently.
        assert_ne!(twin.series, view.series);
    }

    #[test]
    fn a_twin_that_falls_behind_is_waited_for() {
        // Sessions in a database add store round trips: the twin needs more events for the same
        // simulated time, so under overload it cannot keep up on its half of the budget.
        let mut s = Scenario::default();
        s.clients.arrival_rate = 200_000.0;
        s.servers.count = 200;
        let twin = Variant::Sessions { sessions: sim::scenario::SessionMode::Database };
        let mut p = Player::new(s.validate().unwrap(), SimTime::ZERO, 0, Some(twin));
        let (mut waited, mut behind) = (0, 0);
        for frame in 0..12 {
            let first_before = p.view().snapshot.now;
            p.advance(f64::from(frame) * 100.0, 100.0);
            let view = p.view();
            let twin_now = view.twin.expect("a twin").snapshot.now;
            assert!(twin_now <= view.snapshot.now, "the twin never runs ahead");
            behind += usize::from(twin_now < view.snapshot.now);
            if view.snapshot.now > first_before {
                // The first run moved on only once the twin had reached where it was.
                assert!(twin_now >= first_before, "frame {frame}: {twin_now:?} < {first_before:?}");
            } else {
                waited += 1;
            }
        }
        assert!(behind > 0 && waited > 0, "the twin fell behind ({behind}) and was waited for ({waited})");
    }

    #[test]
    fn an_overloaded_frame_lags_instead_of_freezing() {
        let mut s = Scenario::default();
        s.clients.arrival_rate = 1_000_000.0;
        s.servers.count = 1_000;
        let mut p = Player::new(s.validate().unwrap(), SimTime::ZERO, 0, None);
        p.advance(0.0, 100.0);
        p.advance(100.0, 100.0);
        let view = p.view();
        assert!(view.lagging);
        assert!(view.events_processed <= EVENTS_PER_FRAME);
        assert!(view.snapshot.requests.len() <= MAX_DOTS);
    }
}
