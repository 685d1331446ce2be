//! One run: everything a scenario has, built once and advanced together. The page, the CLI and
//! the panels build a `Run` (or one of the side runs beside it: a benchmark, the session-mode
//! comparison) and nothing else: none of them builds a `Sim` or a part of one.
//!
//! A run owns the engine (the request path and every part on its one queue: the caching lab,
//! later the data tier) and, in the split view, its twin: the same scenario and seed under one
//! difference, kept in lockstep.

mod benchmark;
pub mod checkpoints;
mod rewindable;

pub use benchmark::{BenchmarkRun, FinishedBenchmark};
pub use checkpoints::Checkpoints;
pub use rewindable::{Changed, Fork, Rewindable, Sought};

use crate::budget::{run_in_slices, Budget};
use crate::caching::LabCounters;
use crate::command::{Command, CommandError};
use crate::components::autoscaler::ScaleDecision;
use crate::data::console::Console;
use crate::engine::Sim;
use crate::metrics::Summary;
use crate::scenario::{Scenario, TimelineEntry, ValidScenario, Variant};
use crate::time::SimTime;
use serde::Serialize;

#[derive(Clone)]
pub struct Run {
    engine: Sim,
    /// the split view's second run: the same scenario and seed (so the same requests) under
    /// another algorithm or session mode, never ahead of the first
    twin: Option<(Variant, Sim)>,
}

impl Run {
    /// A run of `scenario`; with `compare_with`, a twin under that difference beside it (none when
    /// the difference makes the scenario invalid).
    pub fn new(scenario: ValidScenario, compare_with: Option<Variant>) -> Run {
        let twin = compare_with.and_then(|variant| {
            variant.applied_to(scenario.get()).validate().ok().map(|valid| (variant, Sim::new(valid)))
        });
        Run { engine: Sim::new(scenario), twin }
    }

    /// Runs a query typed in the data tier's console and keeps it in the scenario, for the link;
    /// returns the scenario. A query that fails is kept too (its error is part of what the
    /// student saw); a query is refused only when the console is full or the run has no data tier.
    pub fn query(&mut self, sql: &str) -> Result<Scenario, String> {
        use crate::validate::limits::data::{MAX_QUERIES, MAX_QUERY_CHARS};
        let Some(console) = self.console() else {
            return Err(self.engine.data_problem().map(str::to_string).unwrap_or_else(|| {
                "this scenario has no database: load a preset of the Partitioning and sharding lesson".into()
            }));
        };
        if sql.trim().is_empty() {
            return Err("type a query first, for example SELECT * FROM users WHERE id = 7".into());
        }
        if sql.len() > MAX_QUERY_CHARS {
            return Err(format!("a query may be at most {MAX_QUERY_CHARS} characters long"));
        }
        if console.entries.len() >= MAX_QUERIES {
            return Err(format!(
                "the console keeps {MAX_QUERIES} queries in the link; load the preset again to start afresh"
            ));
        }
        self.engine.run_console_query(sql);
        if let Some((_, twin)) = &mut self.twin {
            // The twin has the same database (or another strategy's): the query runs there too.
            twin.run_console_query(sql);
        }
        Ok(self.scenario().clone())
    }

    /// The data tier's console, when the scenario has a database.
    pub fn console(&self) -> Option<&Console> {
        self.engine.data().map(|d| &d.console)
    }

    /// The twin's console, beside the first in the split view, with what the twin differs in.
    pub fn twin_console(&self) -> Option<(Variant, &Console)> {
        self.twin.as_ref().and_then(|(variant, twin)| twin.data().map(|d| (*variant, &d.console)))
    }

    /// Advances the run towards `target` within `budget`, split evenly between the engine and
    /// the twin; returns whether both reached it. A twin that could not keep up last time
    /// catches up first, and the engine waits for it: the two sides of the split view never
    /// drift more than one call apart.
    pub fn advance(&mut self, target: SimTime, budget: Budget) -> bool {
        let runs = 1 + u64::from(self.twin.is_some());
        let share = budget.events / runs;
        // Both deadlines count from now: the engine's share shrinks if the twin had to catch up.
        let whole = budget.deadline(1.0);
        let engines_share = budget.deadline(1.0 / runs as f64);
        if !self.twin_reaches(self.engine.now(), share, &whole) {
            return false;
        }
        let engine = &mut self.engine;
        let reached = run_in_slices(share, &engines_share, |events| engine.run_until_within(target, events));
        self.twin_reaches(self.engine.now(), share, &whole) && reached
    }

    fn twin_reaches(&mut self, at: SimTime, events: u64, deadline: &crate::budget::Deadline) -> bool {
        match &mut self.twin {
            Some((_, twin)) => run_in_slices(events, deadline, |events| twin.run_until_within(at, events)),
            None => true,
        }
    }

    /// Runs to `until` with no limit (the CLI, tests).
    pub fn run_until(&mut self, until: SimTime) {
        self.engine.run_until(until);
        if let Some((_, twin)) = &mut self.twin {
            twin.run_until(until);
        }
    }

    /// Runs exactly one event (the single-step control); the twin follows to the same moment.
    pub fn step(&mut self) {
        self.engine.step();
        if let Some((_, twin)) = &mut self.twin {
            twin.run_until(self.engine.now());
        }
    }

    /// A change while the run goes on (no restart), recorded in the scenario's timeline for the
    /// link; returns the entry recorded.
    pub fn schedule(&mut self, command: Command) -> Result<TimelineEntry, CommandError> {
        let entry = self.engine.schedule(command)?;
        if let Some((_, twin)) = &mut self.twin {
            // Both runs have the same servers at the same moment, so the twin takes it too.
            twin.record(entry.clone());
        }
        Ok(entry)
    }

    /// A change made in a later copy of this run, put in this one's future (`Checkpoints`).
    fn record(&mut self, entry: &TimelineEntry) {
        self.engine.record(entry.clone());
        if let Some((_, twin)) = &mut self.twin {
            twin.record(entry.clone());
        }
    }

    /// A fork at `at` (now or later): the user's changes recorded for after it are dropped, the
    /// scenario's own stay; returns how many were dropped.
    pub fn drop_recorded_after(&mut self, at: SimTime) -> usize {
        if let Some((_, twin)) = &mut self.twin {
            twin.drop_recorded_after(at);
        }
        self.engine.drop_recorded_after(at)
    }

    /// The scenario as it runs now, with the changes made while running in its timeline.
    pub fn scenario(&self) -> &Scenario {
        self.engine.scenario()
    }

    pub fn now(&self) -> SimTime {
        self.engine.now()
    }

    pub fn engine(&self) -> &Sim {
        &self.engine
    }

    pub fn twin(&self) -> Option<(Variant, &Sim)> {
        self.twin.as_ref().map(|(variant, twin)| (*variant, twin))
    }

    /// Events run so far, the twin's included.
    pub fn events_processed(&self) -> u64 {
        self.engine.events_processed() + self.twin.as_ref().map_or(0, |(_, t)| t.events_processed())
    }

    /// Every part's figures, as `scalelab run` prints them.
    pub fn report(&self) -> RunReport {
        let autoscaler = self.engine.autoscaler();
        RunReport {
            summary: self.engine.summary(),
            autoscaler: autoscaler.config().is_active().then(|| AutoscalerReport {
                slo_p95_ms: autoscaler.config().slo_p95_ms,
                slo_violation_seconds: autoscaler.slo_violation_seconds(),
                decisions: autoscaler.decisions().to_vec(),
            }),
            caching: self.engine.lab().map(|lab| LabReport {
                simulated_seconds: lab.now().as_secs_f64(),
                counters: lab.counters().clone(),
                figures: lab
                    .counters()
                    .figures()
                    .into_iter()
                    .map(|(label, value)| (label.to_string(), value))
                    .collect(),
                theory_hit_ratio: lab.snapshot().theory_hit_ratio,
            }),
            data: self.engine.data().map(|d| d.report(self.engine.now())),
        }
    }
}

/// A run's figures: the engine's summary, and each part the scenario has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunReport {
    #[serde(flatten)]
    pub summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscaler: Option<AutoscalerReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caching: Option<LabReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<crate::data::console::DataReport>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AutoscalerReport {
    pub slo_p95_ms: f64,
    pub slo_violation_seconds: u64,
    pub decisions: Vec<ScaleDecision>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabReport {
    pub simulated_seconds: f64,
    pub counters: LabCounters,
    /// the counters as the lab's panel words them, in its order
    pub figures: Vec<(String, String)>,
    /// the cache node's hit ratio by Che's approximation of LRU
    pub theory_hit_ratio: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_in_slices_is_the_run_in_one_go() {
        let mut scenario = crate::presets::find("caching-write-behind").map(|p| (p.build)()).expect("a preset");
        scenario.seed = 3;
        let valid = || scenario.clone().validate().expect("valid");
        let mut whole = Run::new(valid(), None);
        whole.run_until(SimTime::from_secs(30));
        let mut sliced = Run::new(valid(), None);
        let mut calls = 0;
        while !sliced.advance(SimTime::from_secs(30), Budget::events(997)) {
            calls += 1;
        }
        assert!(calls > 5, "the budget cut the run into slices ({calls})");
        assert_eq!(sliced.report(), whole.report());
        assert!(whole.report().caching.expect("a lab").counters.lost_writes > 0, "the timeline's crash ran");
    }

    #[test]
    fn the_twin_is_never_ahead_and_sees_the_same_requests() {
        let mut s = Scenario::default();
        s.servers.service = crate::ServiceTime::LogNormal { mean_ms: 20.0, sigma: 1.2 };
        let twin = Variant::Algorithm(crate::Algorithm::LeastConnections);
        let mut run = Run::new(s.validate().expect("valid"), Some(twin));
        for tenth in 1..=50 {
            run.advance(SimTime::from_millis(tenth * 100), Budget::events(2_000));
            let (_, t) = run.twin().expect("a twin");
            assert!(t.now() <= run.now());
        }
        run.run_until(SimTime::from_secs(6));
        let (_, t) = run.twin().expect("a twin");
        assert_eq!(t.metrics().counters.arrived, run.engine().metrics().counters.arrived);
        assert_ne!(t.summary().latency_ms, run.engine().summary().latency_ms);
    }
}
