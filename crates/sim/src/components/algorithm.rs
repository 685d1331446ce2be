//! The balancing algorithms a scenario can name, each following a real balancer, with the names
//! the UI and links use. `Balancer::pick` is the one place each is carried out.

use serde::{Deserialize, Serialize};

/// The balancing algorithms. One enum, picked in one place (`components::balancer::Balancer::pick`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// nginx's default: smooth weighted round robin (weights 5,1,1 give a a b a c a a).
    #[default]
    RoundRobin,
    /// nginx `random`, Envoy `RANDOM`: a random server, in proportion to weight.
    Random,
    /// nginx `least_conn`, HAProxy `leastconn`: fewest outstanding per unit of weight, ties in turn.
    LeastConnections,
    /// Power of two choices: two random servers, keep the less loaded (HAProxy `random(2)`,
    /// nginx `random two least_conn`, Envoy `LEAST_REQUEST` with equal weights).
    PowerOfTwoChoices,
    /// Least response time by peak EWMA (Finagle / Linkerd): cost = EWMA latency × (outstanding + 1).
    PeakEwma,
    /// nginx `ip_hash`: the first three octets of the client's IPv4 address pick the server.
    SourceIpHash,
    /// nginx `hash $user consistent` (ketama, 160 points per unit of weight), optionally with
    /// bounded loads (HAProxy `hash-balance-factor`).
    ConsistentHash,
    /// HAProxy `first`: the first server, in id order, with a free slot; when none has one, the
    /// request waits in the balancer's backend queue (up to `timeout queue`).
    FirstAvailable,
}

impl Algorithm {
    pub const ALL: [Algorithm; 8] = [
        Algorithm::RoundRobin,
        Algorithm::Random,
        Algorithm::LeastConnections,
        Algorithm::PowerOfTwoChoices,
        Algorithm::PeakEwma,
        Algorithm::SourceIpHash,
        Algorithm::ConsistentHash,
        Algorithm::FirstAvailable,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "Round robin (weighted)",
            Algorithm::Random => "Random (weighted)",
            Algorithm::LeastConnections => "Least connections",
            Algorithm::PowerOfTwoChoices => "Power of two choices",
            Algorithm::PeakEwma => "Least response time (peak EWMA)",
            Algorithm::SourceIpHash => "Source IP hash",
            Algorithm::ConsistentHash => "Consistent hashing",
            Algorithm::FirstAvailable => "First available",
        }
    }

    /// The real system and version whose behaviour the model follows (shown in the UI).
    pub fn follows(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "nginx 1.31 smooth weighted round robin (ngx_http_upstream_round_robin.c)",
            Algorithm::Random => "nginx 1.31 random / Envoy RANDOM, in proportion to weight",
            Algorithm::LeastConnections => "nginx 1.31 least_conn: lowest outstanding/weight, ties in turn",
            Algorithm::PowerOfTwoChoices => "HAProxy 3.3 random(2), nginx random two least_conn, Envoy LEAST_REQUEST",
            Algorithm::PeakEwma => "Finagle / Linkerd peak EWMA (10 s decay), scanning every server",
            Algorithm::SourceIpHash => "nginx 1.31 ip_hash: /24 of the client address, rehash when down",
            Algorithm::ConsistentHash => "nginx 1.31 hash $user consistent (ketama, CRC32, 160 points/weight)",
            Algorithm::FirstAvailable => {
                "HAProxy 3.3 first: fills each server up to its maxconn (the server's slots unless set), \
                 counted until the answer is back; when all are full, requests wait in the backend queue for \
                 the next free slot (one that persistence sends to a full server waits in that server's \
                 queue), up to timeout queue, then get a 503"
            }
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::Random => "random",
            Algorithm::LeastConnections => "least_connections",
            Algorithm::PowerOfTwoChoices => "power_of_two_choices",
            Algorithm::PeakEwma => "peak_ewma",
            Algorithm::SourceIpHash => "source_ip_hash",
            Algorithm::ConsistentHash => "consistent_hash",
            Algorithm::FirstAvailable => "first_available",
        }
    }

    pub fn from_key(key: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.key() == key)
    }
}
