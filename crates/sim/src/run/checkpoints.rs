//! Copies of a run kept as it goes, so that the timeline can go back to any moment: a seek
//! copies the latest kept run at or before the moment and replays from there, which gives the
//! run exactly as it was (the run is deterministic). The copies are spaced evenly in simulated
//! time; when there are too many, every other one goes and the spacing doubles, so that they
//! cover the whole run in bounded memory.

use super::Run;
use crate::scenario::TimelineEntry;
use crate::time::SimTime;

/// Simulated time between copies at first.
pub const FIRST_SPACING: SimTime = SimTime::from_secs(5);
/// Copies kept at most: the memory cap. A copy is the whole run (its past seconds shared with
/// the others), about 150 KB at 1,000 requests/s on 25 servers and 330 KB at 100 servers (`make
/// bench`, `timeline/checkpoint-memory`), so 128 of them stay under 50 MB.
pub const MAX_CHECKPOINTS: usize = 128;

#[derive(Clone)]
pub struct Checkpoints {
    spacing: SimTime,
    /// in time order; the first is the run as it started
    kept: Vec<Run>,
}

impl Checkpoints {
    /// Starts with `run` as it is now (its start: building a run can be the costly part, as
    /// with a database of a million rows).
    pub fn new(run: &Run) -> Checkpoints {
        Checkpoints { spacing: FIRST_SPACING, kept: vec![run.clone()] }
    }

    /// Called after the run advanced: keeps a copy once it has passed the next spaced moment.
    pub fn keep(&mut self, run: &Run) {
        if run.now() < self.next_moment() {
            return;
        }
        if self.kept.len() >= MAX_CHECKPOINTS {
            self.thin();
            if run.now() < self.next_moment() {
                return;
            }
        }
        self.kept.push(run.clone());
    }

    /// The next moment a copy is kept at.
    pub fn next_moment(&self) -> SimTime {
        self.next_after(self.kept.last().map_or(SimTime::ZERO, Run::now))
    }

    /// The first spaced moment after `t`.
    fn next_after(&self, t: SimTime) -> SimTime {
        SimTime((t.0 / self.spacing.0 + 1) * self.spacing.0)
    }

    /// Keeps the first copy and every copy at a multiple of twice the spacing, and doubles it.
    fn thin(&mut self) {
        self.spacing = SimTime(self.spacing.0 * 2);
        let spacing = self.spacing.0;
        let mut index = 0;
        let mut last_slot = None;
        self.kept.retain(|run| {
            let slot = run.now().0 / spacing;
            let keep = index == 0 || last_slot != Some(slot);
            index += 1;
            if keep {
                last_slot = Some(slot);
            }
            keep
        });
    }

    /// Where a seek to `at` starts: a copy of the latest run kept at or before it, to be
    /// replayed to `at` (within the caller's budget; `run_until` in the CLI and tests).
    pub fn latest_at_or_before(&self, at: SimTime) -> Run {
        let before = self.kept.partition_point(|run| run.now() <= at).max(1);
        self.kept[before - 1].clone()
    }

    /// A change the user made at the live run's moment: every kept copy is earlier, so it
    /// belongs in each one's future too.
    pub fn record(&mut self, entry: &TimelineEntry) {
        for run in &mut self.kept {
            run.record(entry);
        }
    }

    /// A fork at `at`: copies after it are of a future that no longer happens, and the user's
    /// changes after it leave the rest.
    pub fn fork(&mut self, at: SimTime) {
        let keep = self.kept.partition_point(|run| run.now() <= at).max(1);
        self.kept.truncate(keep);
        for run in &mut self.kept {
            run.drop_recorded_after(at);
        }
    }

    /// Copies kept now.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The simulated time between copies now.
    pub fn spacing(&self) -> SimTime {
        self.spacing
    }
}
