//! Several engines run to the same moment within one shared budget, one after the other: the
//! side runs the page advances in slices beside the live run (the session-mode comparison, the
//! load sweep).

use crate::budget::{run_in_slices_from, Budget};
use crate::engine::Sim;
use crate::time::SimTime;

pub struct RunSet {
    duration: SimTime,
    sims: Vec<Sim>,
}

impl RunSet {
    pub fn new(sims: Vec<Sim>, duration: SimTime) -> RunSet {
        RunSet { duration, sims }
    }

    /// Runs within `budget` (its events shared by all the engines), one after the other;
    /// returns whether every one has reached the end.
    pub fn advance(&mut self, budget: Budget) -> bool {
        let (deadline, mut left) = (budget.deadline(1.0), budget.events);
        let duration = self.duration;
        self.sims.iter_mut().all(|sim| {
            sim.now() >= duration
                || run_in_slices_from(&mut left, &deadline, |events| sim.run_until_within(duration, events))
        })
    }

    /// How far the engines have got, from 0 to 1.
    pub fn fraction_done(&self) -> f64 {
        let done: u64 = self.sims.iter().map(|sim| sim.now().min(self.duration).0).sum();
        done as f64 / (self.duration.0.max(1) * self.sims.len().max(1) as u64) as f64
    }

    pub fn duration(&self) -> SimTime {
        self.duration
    }

    pub fn sims(&self) -> &[Sim] {
        &self.sims
    }
}
