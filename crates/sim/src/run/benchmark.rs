//! A benchmark: ab's closed loop against a scenario (and, to compare, against it with one
//! difference), a run the page advances in slices beside the live one and the CLI runs to the
//! end. The runs go first, one at a time, then their reports, a step per call: a
//! million-request report is a few frames' work.

use crate::ab::{AbOptions, AbReport, ReportBuilder};
use crate::budget::{run_in_slices_from, Budget};
use crate::engine::Sim;
use crate::scenario::{Scenario, Variant};

pub struct BenchmarkRun {
    /// each run's label ("This scenario", "A: Round robin", "B: Least connections") and engine
    runs: Vec<(String, Sim)>,
    /// the run whose report is being worked out, and how far it has got
    reporting: Option<(usize, ReportBuilder)>,
    /// each finished run's report, or how it ended early (ab's own words)
    reports: Vec<Result<AbReport, String>>,
}

/// One finished run of a benchmark.
#[derive(Clone, Debug, PartialEq)]
pub struct FinishedBenchmark {
    pub label: String,
    pub report: Result<AbReport, String>,
    /// requests each server served, by id (ab does not say; the balancer's choices show here)
    pub served_per_server: Vec<u64>,
}

impl BenchmarkRun {
    /// ab with `options` against `scenario`, and with `compare_with`, against it with that
    /// difference too. Refused with every problem in words when a scenario is not valid.
    pub fn new(scenario: &Scenario, options: AbOptions, compare_with: Option<Variant>) -> Result<BenchmarkRun, String> {
        let mut scenarios = vec![("This scenario".to_string(), scenario.clone())];
        if let Some(v) = compare_with {
            scenarios[0].0 = format!("A: {}", v.label_of_base(scenario));
            scenarios.push((format!("B: {}", v.label()), v.applied_to(scenario)));
        }
        let mut runs = Vec::new();
        for (label, s) in scenarios {
            let valid = s.validate().map_err(|errors| crate::validate::in_words(&errors))?;
            runs.push((label, Sim::benchmark(valid, options.clone())));
        }
        Ok(BenchmarkRun { runs, reporting: None, reports: Vec::new() })
    }

    /// Runs within `budget`: the runs first, one at a time, then a step of a report. Returns
    /// whether every report is ready.
    pub fn advance(&mut self, budget: Budget) -> bool {
        if self.reporting.is_none() && self.reports.is_empty() {
            let (deadline, mut left) = (budget.deadline(1.0), budget.events);
            for (_, sim) in &mut self.runs {
                // A run already finished (it says so with no event to spend) costs nothing.
                let finished = sim.run_benchmark_within(0);
                if !finished && !run_in_slices_from(&mut left, &deadline, |events| sim.run_benchmark_within(events)) {
                    return false;
                }
            }
            self.reporting = Some((0, ReportBuilder::default()));
            return false;
        }
        if let Some((run, builder)) = self.reporting.as_mut() {
            let tester = self.runs[*run].1.load_tester().expect("a benchmark's runs have a load tester");
            if tester.timed_out_at().is_some() || tester.report_step(builder) {
                let (run, builder) = self.reporting.take().expect("reporting");
                let tester = self.runs[run].1.load_tester().expect("a benchmark's runs have a load tester");
                self.reports.push(match tester.timed_out_at() {
                    Some(_) => Err(format!(
                        "apr_pollset_poll: The timeout specified has expired (70007)\nTotal of {} requests completed",
                        tester.done()
                    )),
                    None => Ok(tester.report_from(builder)),
                });
                if run + 1 < self.runs.len() {
                    self.reporting = Some((run + 1, ReportBuilder::default()));
                }
            }
        }
        self.is_done()
    }

    pub fn is_done(&self) -> bool {
        self.reports.len() == self.runs.len()
    }

    /// How far the runs have got, from 0 to 1 (1 while the reports are worked out).
    pub fn fraction_done(&self) -> f64 {
        let sum: f64 = self.runs.iter().map(|(_, s)| s.load_tester().map_or(0.0, |t| t.progress(s.now()))).sum();
        sum / self.runs.len().max(1) as f64
    }

    /// Requests answered so far by the first run (the CLI's "Completed N requests").
    pub fn requests_done(&self) -> u64 {
        self.runs.first().and_then(|(_, s)| s.load_tester()).map_or(0, |t| t.done())
    }

    /// Each run's report (or how it ended early) and how its servers shared the load; None until
    /// `advance` has said they are all ready.
    pub fn finish(self) -> Option<Vec<FinishedBenchmark>> {
        if !self.is_done() {
            return None;
        }
        Some(
            self.runs
                .into_iter()
                .zip(self.reports)
                .map(|((label, sim), report)| FinishedBenchmark {
                    label,
                    report,
                    served_per_server: sim.served_per_server(),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(flags: &str) -> AbOptions {
        let args: Vec<String> = flags.split(' ').map(str::to_owned).collect();
        crate::ab::parse(&args).expect("flags parse").0
    }

    #[test]
    fn a_benchmark_in_slices_reports_what_one_in_a_go_does() {
        let scenario = Scenario::default();
        let mut whole = Sim::benchmark(scenario.clone().validate().expect("valid"), options("-n 2000 -c 20"));
        while !whole.run_benchmark_within(u64::MAX) {}
        let expected = whole.load_tester().expect("a benchmark").report();

        let mut sliced = BenchmarkRun::new(&scenario, options("-n 2000 -c 20"), None).expect("valid");
        let mut calls = 0;
        while !sliced.advance(Budget::events(500)) {
            calls += 1;
            assert!(sliced.fraction_done() <= 1.0);
        }
        assert!(calls > 5);
        let finished = sliced.finish().expect("done");
        assert_eq!(finished.len(), 1);
        assert_eq!(finished[0].report.as_ref().expect("answered").text(), expected.text());
        assert_eq!(finished[0].served_per_server, whole.served_per_server());
    }

    #[test]
    fn a_compared_benchmark_runs_both_and_names_them() {
        let variant = Variant::Algorithm(crate::Algorithm::LeastConnections);
        let mut run = BenchmarkRun::new(&Scenario::default(), options("-n 500 -c 10"), Some(variant)).expect("valid");
        assert!(!run.is_done());
        while !run.advance(Budget::events(100_000)) {}
        let finished = run.finish().expect("done");
        let labels: Vec<&str> = finished.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["A: Round robin (weighted)", "B: Least connections"]);
    }

    #[test]
    fn an_invalid_scenario_is_refused_in_words() {
        let mut s = Scenario::default();
        s.servers.count = 0;
        let refused = BenchmarkRun::new(&s, options("-n 10 -c 1"), None).err().expect("refused");
        assert!(refused.contains("servers.count is 0"), "{refused}");
    }
}
