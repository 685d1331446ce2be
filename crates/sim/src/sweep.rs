//! Latency against offered load: the same scenario and seed run at several arrival rates, each
//! point the mean time a request spent at its server (queue and service, no network), beside
//! the M/M/k curve from queueing theory where the scenario is that model.

use crate::engine::Sim;
use crate::queueing::mmc_mean_time_ms;
use crate::run_set::RunSet;
use crate::scenario::{Algorithm, Scenario};
use crate::service::ServiceTime;
use crate::time::SimTime;
use crate::validate::ValidationError;

/// The loads the sweep offers: ρ = λ·E[S] / (servers × slots × speed).
pub const LOADS: [f64; 9] = [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95];

/// One run of the sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadPoint {
    /// offered load ρ
    pub load: f64,
    pub arrival_rate: f64,
    /// mean time at a server (queued and served) of the requests completed [ms]
    pub mean_server_ms: f64,
    /// M/M/k's mean time in system at this load, where the scenario is that model
    pub theory_ms: Option<f64>,
}

/// What queueing theory says about a scenario: each server an M/M/k queue (k slots) fed a
/// Poisson share of the arrivals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theory {
    pub slots: u32,
    pub servers: u32,
    /// mean service time at the servers' speed [ms]
    pub service_ms: f64,
    /// true when the model is exact: one server, or a random split (a Poisson stream split at
    /// random stays Poisson); round robin and the others spread arrivals more evenly, and their
    /// queues are shorter than the curve
    pub exact: bool,
}

impl Theory {
    /// The M/M/k model of a scenario: exponential service, every server alike (no server resized
    /// on its own) and a steady arrival rate; none otherwise.
    pub fn of(scenario: &Scenario) -> Option<Theory> {
        let s = &scenario.servers;
        let exponential = matches!(s.service, ServiceTime::Exponential { .. });
        let steady = matches!(scenario.clients.profile, crate::profile::TrafficProfile::Constant);
        (exponential && steady && s.custom.is_empty() && s.count > 0).then(|| Theory {
            slots: s.concurrency,
            servers: s.count,
            service_ms: s.service.mean_ms() / s.speed,
            exact: s.count == 1 || scenario.balancer.algorithm == Algorithm::Random,
        })
    }

    /// M/M/k's mean time in system at offered load ρ.
    pub fn mean_time_ms(&self, load: f64) -> Option<f64> {
        let per_server = load * f64::from(self.slots) * 1_000.0 / self.service_ms;
        mmc_mean_time_ms(self.slots, self.service_ms, per_server)
    }
}

/// The arrival rate that offers `load` to the scenario's servers.
pub fn arrival_rate_for(scenario: &Scenario, load: f64) -> f64 {
    let s = &scenario.servers;
    load * f64::from(s.count * s.concurrency) * s.speed * 1_000.0 / s.service.mean_ms()
}

/// The sweep as a run the page advances in slices: one engine per load, each with the base's
/// seed and a constant arrival rate (its timeline and changes left out).
pub struct LoadSweep {
    runs: RunSet,
    theory: Option<Theory>,
    rates: Vec<f64>,
}

impl LoadSweep {
    pub fn new(base: &Scenario, duration: SimTime) -> Result<LoadSweep, Vec<ValidationError>> {
        let rates: Vec<f64> = LOADS.iter().map(|&load| arrival_rate_for(base, load)).collect();
        let sims = rates
            .iter()
            .map(|&rate| {
                let mut s = base.clone();
                s.clients.arrival_rate = rate;
                s.clients.profile = crate::profile::TrafficProfile::Constant;
                s.timeline.clear();
                Ok(Sim::new(s.validate()?))
            })
            .collect::<Result<_, Vec<ValidationError>>>()?;
        Ok(LoadSweep { runs: RunSet::new(sims, duration), theory: Theory::of(base), rates })
    }

    /// The engines, to advance in slices and ask how far they have got.
    pub fn runs(&mut self) -> &mut RunSet {
        &mut self.runs
    }

    pub fn theory(&self) -> Option<Theory> {
        self.theory
    }

    /// Each load's point so far (all of them once `advance` has said it is done).
    pub fn points(&self) -> Vec<LoadPoint> {
        LOADS
            .iter()
            .zip(&self.rates)
            .zip(self.runs.sims())
            .map(|((&load, &arrival_rate), sim)| LoadPoint {
                load,
                arrival_rate,
                mean_server_ms: sim.metrics().mean_server_time_ms(),
                theory_ms: self.theory.and_then(|t| t.mean_time_ms(load)),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Budget;

    #[test]
    fn a_random_split_agrees_with_mmk_and_round_robin_waits_less() {
        // Two servers of 2 slots, 20 ms exponential service, no timeouts in the way.
        let mut base = Scenario::default();
        base.servers.count = 2;
        base.servers.concurrency = 2;
        base.servers.service = ServiceTime::Exponential { mean_ms: 20.0 };
        base.servers.queue_limit = 10_000;
        base.clients.timeout_ms = 600_000.0;
        base.balancer.algorithm = Algorithm::Random;
        let run = |base: &Scenario| {
            let mut sweep = LoadSweep::new(base, SimTime::from_secs(300)).unwrap();
            assert!(sweep.runs().advance(Budget::events(u64::MAX)));
            sweep.points()
        };
        let random = run(&base);
        assert!(Theory::of(&base).unwrap().exact);
        // Tolerance: 8% of M/M/2's W up to ρ = 0.8, where 300 s holds tens of thousands of
        // requests per point.
        for p in random.iter().filter(|p| p.load <= 0.8) {
            let theory = p.theory_ms.unwrap();
            assert!(
                (p.mean_server_ms - theory).abs() / theory < 0.08,
                "ρ {}: {} against {theory}",
                p.load,
                p.mean_server_ms
            );
        }
        // Latency climbs with load, steeply at the end.
        assert!(random.windows(2).all(|w| w[0].mean_server_ms < w[1].mean_server_ms * 1.05));
        assert!(random[8].mean_server_ms > 2.0 * random[0].mean_server_ms);
        base.balancer.algorithm = Algorithm::RoundRobin;
        assert!(!Theory::of(&base).unwrap().exact);
        let even = run(&base);
        assert!(even[7].mean_server_ms < random[7].mean_server_ms, "round robin queues less at ρ 0.9");
    }

    #[test]
    fn the_loads_are_offered_as_asked() {
        let base = Scenario::default();
        let s = &base.servers;
        let capacity = f64::from(s.count * s.concurrency) * s.speed * 1_000.0 / s.service.mean_ms();
        assert!((arrival_rate_for(&base, 0.5) - capacity / 2.0).abs() < 1e-9);
    }
}
