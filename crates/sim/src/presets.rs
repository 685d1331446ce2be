//! Named starting points: the scenarios the lessons, the CLI (`scalelab show NAME`) and the tests
//! share. Each says in one line what it shows.

use crate::scenario::{Algorithm, Scenario};
use crate::service::ServiceTime;

pub struct Preset {
    pub name: &'static str,
    pub summary: &'static str,
    pub build: fn() -> Scenario,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "default",
        summary: "Four servers behind a round-robin balancer at 75% load",
        build: Scenario::default,
    },
    Preset {
        name: "overload",
        summary: "More traffic than four servers can take: queues fill and 503s appear",
        build: || {
            let mut s = Scenario::default();
            s.clients.arrival_rate = 480.0;
            s.servers.queue_limit = 20;
            s
        },
    },
    Preset {
        name: "uneven-requests",
        summary: "Log-normal request sizes under least connections: compare with round robin",
        build: || {
            let mut s = Scenario::default();
            s.balancer.algorithm = Algorithm::LeastConnections;
            s.servers.service = ServiceTime::LogNormal { mean_ms: 20.0, sigma: 1.2 };
            s
        },
    },
    Preset {
        name: "mm1",
        summary: "Queueing theory's M/M/1: one server, one slot, Poisson arrivals at 80% load, no network",
        build: || queueing_model(1, 40.0),
    },
    Preset {
        name: "mmc",
        summary: "M/M/4: one queue in front of four slots at 75% load (Erlang C), no network",
        build: || queueing_model(4, 150.0),
    },
];

/// One server with `slots` slots, exponential 20 ms service, unbounded-enough queue, no latency.
fn queueing_model(slots: u32, arrival_rate: f64) -> Scenario {
    let mut s = Scenario::default();
    s.clients.arrival_rate = arrival_rate;
    s.servers.count = 1;
    s.servers.concurrency = slots;
    s.servers.queue_limit = crate::scenario::limits::MAX_QUEUE_LIMIT;
    s.servers.service = ServiceTime::Exponential { mean_ms: 20.0 };
    s.network.link_latency_ms = 0.0;
    s
}

pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_named_once() {
        for (i, p) in PRESETS.iter().enumerate() {
            assert!((p.build)().validate().is_ok(), "{}", p.name);
            assert!(PRESETS[..i].iter().all(|q| q.name != p.name));
            assert!(find(p.name).is_some());
        }
    }
}
