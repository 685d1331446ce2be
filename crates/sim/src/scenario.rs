//! What a run is made of: the topology and its knobs, as plain serde data, and `validate`,
//! which is the only way to get a `ValidScenario` (and so the only way to start a `Sim`).

use crate::service::ServiceTime;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The balancing algorithms. One enum, picked in one place (`components::balancer::pick`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// nginx's default (`upstream` with no method), HAProxy `roundrobin`: servers take turns.
    #[default]
    RoundRobin,
    /// Envoy `RANDOM`, HAProxy `random(1)`: a uniformly random server.
    Random,
    /// nginx `least_conn`, HAProxy `leastconn`: fewest requests outstanding, ties taken in turn.
    LeastConnections,
}

impl Algorithm {
    pub const ALL: [Algorithm; 3] = [Algorithm::RoundRobin, Algorithm::Random, Algorithm::LeastConnections];

    pub fn label(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "Round robin",
            Algorithm::Random => "Random",
            Algorithm::LeastConnections => "Least connections",
        }
    }

    /// The real system and version whose behaviour the model follows (shown in the UI).
    pub fn follows(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "nginx 1.31 round robin (equal weights)",
            Algorithm::Random => "Envoy RANDOM / HAProxy 3.3 random(1)",
            Algorithm::LeastConnections => "nginx 1.31 least_conn (ties in turn)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::Random => "random",
            Algorithm::LeastConnections => "least_connections",
        }
    }

    pub fn from_key(key: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// Open-loop clients: requests arrive as a Poisson process, whatever the servers are doing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientsConfig {
    /// offered load [requests·s⁻¹]
    pub arrival_rate: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalancerConfig {
    pub algorithm: Algorithm,
}

/// Every server in the pool is alike (per-server sizes come with the scaling lesson).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServersConfig {
    pub count: u32,
    /// requests a server works on at once (worker processes / threads)
    pub concurrency: u32,
    /// speed factor: service time is divided by it (2 = twice as fast)
    pub speed: f64,
    /// requests a server may hold waiting for a slot; beyond it, 503
    pub queue_limit: u32,
    pub service: ServiceTime,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// one-way latency of each link [ms]
    pub link_latency_ms: f64,
}

/// A whole run's description. `seed` makes it repeatable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub seed: u64,
    pub clients: ClientsConfig,
    pub balancer: BalancerConfig,
    pub servers: ServersConfig,
    pub network: NetworkConfig,
}

impl Default for Scenario {
    /// The first scenario a user sees: four servers at about 75% load.
    fn default() -> Self {
        Scenario {
            seed: 42,
            clients: ClientsConfig { arrival_rate: 300.0 },
            balancer: BalancerConfig { algorithm: Algorithm::RoundRobin },
            servers: ServersConfig {
                count: 4,
                concurrency: 2,
                speed: 1.0,
                queue_limit: 50,
                service: ServiceTime::Exponential { mean_ms: 20.0 },
            },
            network: NetworkConfig { link_latency_ms: 20.0 },
        }
    }
}

/// The limits that keep a run within a browser's means.
pub mod limits {
    pub const MAX_SERVERS: u32 = 1_000;
    pub const MAX_ARRIVAL_RATE: f64 = 1_000_000.0;
    pub const MAX_CONCURRENCY: u32 = 1_024;
    pub const MIN_SPEED: f64 = 0.1;
    pub const MAX_SPEED: f64 = 100.0;
    pub const MAX_QUEUE_LIMIT: u32 = 100_000;
    pub const MIN_SERVICE_MS: f64 = 0.001;
    pub const MAX_SERVICE_MS: f64 = 60_000.0;
    pub const MIN_SIGMA: f64 = 0.01;
    pub const MAX_SIGMA: f64 = 3.0;
    pub const MAX_LINK_LATENCY_MS: f64 = 10_000.0;
}

/// One problem with a scenario: which field, what it holds, and what it may hold.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationError {
    /// dotted path of the field, as in the JSON (`servers.count`)
    pub field: &'static str,
    pub value: String,
    /// the allowed range or values, in words
    pub allowed: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}, but it must be {}", self.field, self.value, self.allowed)
    }
}

/// A scenario that passed `validate`. The only way to build a `Sim`.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidScenario(Scenario);

impl ValidScenario {
    pub fn get(&self) -> &Scenario {
        &self.0
    }
    pub fn into_inner(self) -> Scenario {
        self.0
    }
}

/// Collects range checks so that `validate` reports every problem, not just the first.
#[derive(Default)]
struct Checker(Vec<ValidationError>);

impl Checker {
    fn float(&mut self, field: &'static str, value: f64, min: f64, max: f64, min_exclusive: bool) {
        let below = if min_exclusive { value <= min } else { value < min };
        if !value.is_finite() || below || value > max {
            let lower = if min_exclusive { "more than" } else { "at least" };
            self.0.push(ValidationError {
                field,
                value: fmt_number(value),
                allowed: format!("{lower} {} and at most {}", fmt_number(min), fmt_number(max)),
            });
        }
    }
    fn int(&mut self, field: &'static str, value: u32, min: u32, max: u32) {
        if value < min || value > max {
            self.0.push(ValidationError {
                field,
                value: value.to_string(),
                allowed: format!("between {} and {}", fmt_number(min.into()), fmt_number(max.into())),
            });
        }
    }
}

/// A number as a person writes it: 1000000 → "1,000,000", 0.5 → "0.5".
pub fn fmt_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() { "not a number".into() } else { "infinite".into() };
    }
    if x.fract() != 0.0 || x.abs() >= 1e15 {
        return format!("{x}");
    }
    let digits = format!("{}", x.abs() as u64);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if x < 0.0 {
        out.insert(0, '-');
    }
    out
}

impl Scenario {
    /// Checks every knob against its range; returns all the problems at once.
    pub fn validate(self) -> Result<ValidScenario, Vec<ValidationError>> {
        use limits::*;
        let mut c = Checker::default();
        c.float("clients.arrival_rate", self.clients.arrival_rate, 0.0, MAX_ARRIVAL_RATE, true);
        c.int("servers.count", self.servers.count, 1, MAX_SERVERS);
        c.int("servers.concurrency", self.servers.concurrency, 1, MAX_CONCURRENCY);
        c.float("servers.speed", self.servers.speed, MIN_SPEED, MAX_SPEED, false);
        c.int("servers.queue_limit", self.servers.queue_limit, 0, MAX_QUEUE_LIMIT);
        let mean = self.servers.service.mean_ms();
        c.float("servers.service.mean_ms", mean, MIN_SERVICE_MS, MAX_SERVICE_MS, false);
        if let ServiceTime::LogNormal { sigma, .. } = self.servers.service {
            c.float("servers.service.sigma", sigma, MIN_SIGMA, MAX_SIGMA, false);
        }
        c.float("network.link_latency_ms", self.network.link_latency_ms, 0.0, MAX_LINK_LATENCY_MS, false);
        if c.0.is_empty() {
            Ok(ValidScenario(self))
        } else {
            Err(c.0)
        }
    }

    /// Offered load per server slot: λ·E[S] / (servers × concurrency × speed).
    pub fn utilisation(&self) -> f64 {
        let s = &self.servers;
        let capacity_per_s = f64::from(s.count) * f64::from(s.concurrency) * s.speed * 1_000.0 / s.service.mean_ms();
        self.clients.arrival_rate / capacity_per_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_is_valid() {
        assert!(Scenario::default().validate().is_ok());
    }

    #[test]
    fn every_problem_is_reported_with_its_field_and_range() {
        let mut s = Scenario::default();
        s.servers.count = 0;
        s.clients.arrival_rate = 2_000_000.0;
        s.servers.speed = f64::NAN;
        s.servers.service = ServiceTime::LogNormal { mean_ms: 10.0, sigma: 9.0 };
        let errors = s.validate().unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "clients.arrival_rate is 2,000,000, but it must be more than 0 and at most 1,000,000",
                "servers.count is 0, but it must be between 1 and 1,000",
                "servers.speed is not a number, but it must be at least 0.1 and at most 100",
                "servers.service.sigma is 9, but it must be at least 0.01 and at most 3",
            ]
        );
    }

    #[test]
    fn utilisation_of_the_default_is_three_quarters() {
        assert!((Scenario::default().utilisation() - 0.75).abs() < 1e-12);
    }
}
