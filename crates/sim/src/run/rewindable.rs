//! A run the page can take back in time: the run, the copies kept as it goes (`Checkpoints`)
//! and the furthest moment it has reached. A seek starts from the latest copy before the
//! moment; a change made after going back forks the run, as RaftScope does: the user's later
//! changes are dropped (the scenario's own stay), and the link records the fork.

use super::{Checkpoints, Run};
use crate::budget::Budget;
use crate::command::{Command, CommandError};
use crate::scenario::Scenario;
use crate::time::SimTime;

pub struct Rewindable {
    run: Run,
    checkpoints: Checkpoints,
    /// the furthest moment reached, before a seek back too (where the timeline ends)
    reached: SimTime,
    /// a query typed in the console runs at the start when the run is replayed (as its link
    /// replays it), so the copies without it no longer lead to this run
    copies_stale: bool,
}

/// A change carried out: where it went, and whether it forked the run.
#[derive(Clone, Debug, PartialEq)]
pub struct Changed {
    pub scenario: Scenario,
    /// made in the past: the later changes of the user it dropped
    pub fork: Option<Fork>,
}

/// Where a seek started, and whether it reached its moment within its budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sought {
    pub from: SimTime,
    pub got_there: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fork {
    pub at: SimTime,
    /// the user's changes after `at` that no longer happen
    pub dropped: usize,
}

impl Rewindable {
    pub fn new(run: Run) -> Rewindable {
        let checkpoints = Checkpoints::new(&run);
        Rewindable { run, checkpoints, reached: SimTime::ZERO, copies_stale: false }
    }

    /// The furthest moment reached (the timeline's end).
    pub fn reached(&self) -> SimTime {
        self.reached.max(self.run.now())
    }

    /// `Run::advance`, keeping a copy at each spaced moment it passes (a long advance, such as
    /// a link's fast-forward, stops at each one).
    pub fn advance(&mut self, target: SimTime, budget: Budget) -> bool {
        let start = self.run.events_processed();
        loop {
            let stop = target.min(self.checkpoints.next_moment());
            let spent = self.run.events_processed() - start;
            let left = Budget { events: budget.events.saturating_sub(spent), ..budget };
            let got_there = self.run.advance(stop, left);
            self.checkpoints.keep(&self.run);
            if !got_there || stop == target {
                self.reached = self.reached();
                return got_there;
            }
        }
    }

    /// Exactly one event (the single-step control).
    pub fn step(&mut self) {
        self.run.step();
        self.checkpoints.keep(&self.run);
        self.reached = self.reached();
    }

    /// Goes to `at`, from the latest copy at or before it, replaying within `budget`; returns
    /// the copy's moment and whether it got there.
    pub fn seek(&mut self, at: SimTime, budget: Budget) -> Sought {
        self.reached = self.reached();
        // A run's scenario is valid: it started valid and took only checked changes.
        let valid = || self.run.scenario().clone().validate().ok();
        if let Some(scenario) = self.copies_stale.then(valid).flatten() {
            let start = Run::new(scenario, self.run.twin().map(|(variant, _)| variant));
            self.checkpoints = Checkpoints::new(&start);
            self.copies_stale = false;
        }
        self.run = self.checkpoints.latest_at_or_before(at);
        let from = self.run.now();
        Sought { from, got_there: self.advance(at, budget) }
    }

    /// A change while the run goes on. Made in the past (after a seek back), it forks the run
    /// there first.
    pub fn schedule(&mut self, command: Command) -> Result<Changed, CommandError> {
        let now = self.run.now();
        let fork = (now < self.reached()).then(|| {
            let mut forked = self.run.clone();
            let dropped = forked.drop_recorded_after(now);
            (forked, Fork { at: now, dropped })
        });
        let Some((mut forked, fork)) = fork else {
            let entry = self.run.schedule(command)?;
            self.checkpoints.record(&entry);
            return Ok(Changed { scenario: self.run.scenario().clone(), fork: None });
        };
        // A refused change forks nothing: the fork is made on a copy and kept only if it takes.
        let entry = forked.schedule(command)?;
        self.run = forked;
        self.checkpoints.fork(now);
        self.checkpoints.record(&entry);
        self.reached = now;
        Ok(Changed { scenario: self.run.scenario().clone(), fork: Some(fork) })
    }

    /// `Run::query`; the copies before it are stale (see `copies_stale`).
    pub fn query(&mut self, sql: &str) -> Result<Scenario, String> {
        let scenario = self.run.query(sql)?;
        self.copies_stale = true;
        Ok(scenario)
    }
}

impl std::ops::Deref for Rewindable {
    type Target = Run;

    /// Reading the run; every change goes through the methods above, which keep the copies.
    fn deref(&self) -> &Run {
        &self.run
    }
}
