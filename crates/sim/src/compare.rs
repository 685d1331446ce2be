//! The Sessions lesson's comparison: the same scenario, seed and traffic run once for each place
//! a session can live, optionally with a failure halfway, and the figures that tell them apart.

use crate::budget::Budget;
use crate::command::Command;
use crate::engine::Sim;
use crate::metrics::Summary;
use crate::run_set::RunSet;
use crate::scenario::{Scenario, SessionMode, TimelineEntry};
use crate::time::SimTime;
use crate::validate::ValidationError;

/// The modes the lesson compares, in the order it teaches them.
pub const SESSION_MODES: [SessionMode; 5] = [
    SessionMode::OnServer,
    SessionMode::StickyCookie,
    SessionMode::SourceAddress,
    SessionMode::Database,
    SessionMode::SignedCookie,
];

/// What goes wrong halfway through each run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HalfwayFailure {
    Nothing,
    /// server 1 crashes (and stays down)
    CrashServer,
    /// the session store crashes for a tenth of the run (only the database mode has one)
    CrashStore,
}

/// One mode's run.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeReport {
    pub mode: SessionMode,
    pub summary: Summary,
    /// the busiest server's requests over the mean (1 is perfect balance)
    pub busiest_over_mean: f64,
}

impl ModeReport {
    pub fn store_ops_per_second(&self) -> f64 {
        self.summary.requests.store_ops as f64 / self.summary.simulated_seconds.max(f64::MIN_POSITIVE)
    }
}

/// The comparison as a run the page advances in slices: one engine per mode in
/// `SESSION_MODES`, each keeping the base's seed, so every mode sees the very same requests from
/// the very same users.
pub struct SessionComparison {
    runs: RunSet,
}

impl SessionComparison {
    pub fn new(base: &Scenario, duration: SimTime, failure: HalfwayFailure) -> Result<Self, Vec<ValidationError>> {
        let half = SimTime(duration.0 / 2);
        let runs = SESSION_MODES
            .iter()
            .map(|&mode| {
                let mut s = base.clone();
                s.sessions.mode = mode;
                s.timeline.clear();
                let entry = |at: SimTime, command| TimelineEntry { recorded: false, at_us: at.0, command };
                match failure {
                    HalfwayFailure::Nothing => {}
                    HalfwayFailure::CrashServer => s.timeline.push(entry(half, Command::Crash { server: 0 })),
                    HalfwayFailure::CrashStore if mode == SessionMode::Database => {
                        s.timeline.push(entry(half, Command::CrashStore));
                        s.timeline.push(entry(half + SimTime(duration.0 / 10), Command::RecoverStore));
                    }
                    HalfwayFailure::CrashStore => {}
                }
                Ok(Sim::new(s.validate()?))
            })
            .collect::<Result<_, Vec<ValidationError>>>()?;
        Ok(SessionComparison { runs: RunSet::new(runs, duration) })
    }

    /// Runs within `budget` (its events shared by all the modes), one mode after the other;
    /// returns whether every mode is done.
    pub fn advance(&mut self, budget: Budget) -> bool {
        self.runs.advance(budget)
    }

    /// How far the runs have got, from 0 to 1.
    pub fn fraction_done(&self) -> f64 {
        self.runs.fraction_done()
    }

    pub fn duration(&self) -> SimTime {
        self.runs.duration()
    }

    /// Each mode's figures so far (all of them once `advance` has said it is done), in
    /// `SESSION_MODES`' order.
    pub fn reports(&self) -> Vec<ModeReport> {
        SESSION_MODES
            .iter()
            .zip(self.runs.sims())
            .map(|(mode, sim)| ModeReport {
                mode: *mode,
                summary: sim.summary(),
                busiest_over_mean: sim.busiest_over_mean(),
            })
            .collect()
    }
}

/// Runs `base` for `duration` once per mode in `SESSION_MODES`, to the end.
pub fn session_modes(
    base: &Scenario,
    duration: SimTime,
    failure: HalfwayFailure,
) -> Result<Vec<ModeReport>, Vec<ValidationError>> {
    let mut comparison = SessionComparison::new(base, duration, failure)?;
    comparison.advance(Budget::events(u64::MAX));
    Ok(comparison.reports())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> Scenario {
        let mut s = Scenario::default();
        s.clients.users = 200;
        s.clients.arrival_rate = 200.0;
        s
    }

    #[test]
    fn every_mode_sees_the_same_traffic_and_only_server_memory_loses_sessions_when_calm() {
        let reports = session_modes(&shop(), SimTime::from_secs(20), HalfwayFailure::Nothing).unwrap();
        assert_eq!(reports.len(), SESSION_MODES.len());
        let arrived = reports[0].summary.requests.arrived;
        for r in &reports {
            assert_eq!(r.summary.requests.arrived, arrived, "{:?}", r.mode);
            let lost = r.summary.requests.sessions_lost;
            assert_eq!(lost > 0, r.mode == SessionMode::OnServer, "{:?} lost {lost}", r.mode);
            assert_eq!(r.store_ops_per_second() > 0.0, r.mode == SessionMode::Database, "{:?}", r.mode);
        }
    }

    #[test]
    fn the_comparison_in_slices_is_the_comparison_in_one_go() {
        let whole = session_modes(&shop(), SimTime::from_secs(6), HalfwayFailure::CrashServer).unwrap();
        let mut sliced = SessionComparison::new(&shop(), SimTime::from_secs(6), HalfwayFailure::CrashServer).unwrap();
        let mut calls = 0;
        let events = |c: &SessionComparison| c.reports().iter().map(|r| r.summary.events_processed).sum::<u64>();
        while !{
            let before = events(&sliced);
            let done = sliced.advance(Budget::events(1_000));
            assert!(events(&sliced) - before <= 1_000, "one budget for all the modes");
            done
        } {
            calls += 1;
            assert!((0.0..1.0).contains(&sliced.fraction_done()));
        }
        assert!(calls > 5, "{calls}");
        assert_eq!(sliced.fraction_done(), 1.0);
        assert_eq!(sliced.reports(), whole);
    }

    #[test]
    fn a_crashed_server_costs_sticky_users_their_sessions_and_nobody_else() {
        let reports = session_modes(&shop(), SimTime::from_secs(40), HalfwayFailure::CrashServer).unwrap();
        for r in &reports {
            let lost = r.summary.requests.sessions_lost;
            match r.mode {
                SessionMode::StickyCookie | SessionMode::SourceAddress => assert!(lost >= 20, "{:?}: {lost}", r.mode),
                SessionMode::Database | SessionMode::SignedCookie => assert_eq!(lost, 0, "{:?}", r.mode),
                _ => {}
            }
        }
        let store = session_modes(&shop(), SimTime::from_secs(40), HalfwayFailure::CrashStore).unwrap();
        let db = store.iter().find(|r| r.mode == SessionMode::Database).unwrap();
        assert!(db.summary.requests.store_errors > 0 && db.summary.requests.sessions_lost == 0);
        let cookie = store.iter().find(|r| r.mode == SessionMode::SignedCookie).unwrap();
        assert_eq!(cookie.summary.requests.errors(), 0, "no store to crash");
    }
}
