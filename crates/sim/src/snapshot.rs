//! The plain-data view of a running sim that the UI draws: nodes, links, requests on the links,
//! and per-node gauges. No behaviour; the engine fills it, the renderer reads it.

pub use crate::components::health::HealthState;
pub use crate::components::server::Fault;
use crate::metrics::Counters;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeKind {
    Clients,
    Balancer,
    /// a server, with its stable id (ids are not reused when servers are removed)
    Server {
        id: u32,
    },
    /// the shared session store every server reads and writes (sessions in a database)
    SessionStore,
    /// the router in front of a sharded database (Vitess's VTGate, a Citus coordinator)
    Router,
    /// a database server the web tier queries: the one server, or a shard (its index)
    Database {
        index: u32,
    },
}

/// Where a node stands on the path, from the clients to the data. The layout gives each tier
/// present a band of its own, in this order (left to right, or top to bottom on phones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    Clients,
    /// balancers, shared caches and routers in front of the web servers
    Edge,
    /// the web servers
    Web,
    /// caches behind the web servers
    Cache,
    /// the router in front of a sharded database
    Router,
    /// stores and databases
    Data,
}

impl Tier {
    pub const ALL: [Tier; 6] = [Tier::Clients, Tier::Edge, Tier::Web, Tier::Cache, Tier::Router, Tier::Data];
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeView {
    pub kind: NodeKind,
    pub tier: Tier,
    pub label: String,
    /// what the node is doing, in a few words, under its label (the balancer's algorithm as it
    /// runs now); empty for most nodes
    #[serde(default)]
    pub caption: String,
    pub gauges: Gauges,
}

/// What a node shows on itself, by kind of node.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Gauges {
    Clients {
        /// requests answered so far
        answered: u64,
    },
    Balancer {
        /// requests sent and not yet back at the clients
        in_flight: u32,
        /// requests waiting in its queues for a server with room
        queued: u32,
    },
    /// a web server: its machine, and what the balancer knows of it
    Server(ServerGauges),
    /// a machine the web servers use (the session store, a database server)
    Store(MachineGauges),
    /// the database's router: queries it is working on (sent to shards and not yet answered)
    Router { in_flight: u32 },
}

impl Gauges {
    pub fn server(&self) -> Option<&ServerGauges> {
        match self {
            Gauges::Server(g) => Some(g),
            _ => None,
        }
    }

    /// The machine's gauges, for a node that is one (a server or a store).
    pub fn machine(&self) -> Option<&MachineGauges> {
        match self {
            Gauges::Server(g) => Some(&g.machine),
            Gauges::Store(m) => Some(m),
            Gauges::Clients { .. } | Gauges::Balancer { .. } | Gauges::Router { .. } => None,
        }
    }
}

/// A machine's slots, queue and state: a server's, or a store's.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MachineGauges {
    pub busy_slots: u32,
    pub slots: u32,
    pub queue_len: u32,
    pub queue_limit: u32,
    /// busy fraction over the last simulated second [0, 1]; none before the first second ends
    pub utilisation: Option<f64>,
    /// while its first second runs (no `utilisation` yet): its busy fraction so far
    #[serde(default)]
    pub busy_so_far: Option<f64>,
    /// requests (or operations) it has finished
    pub served: u64,
    /// what is really wrong with it (the balancer only learns through heartbeats)
    pub fault: Fault,
}

/// A web server's gauges: its machine, and its place in the pool.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerGauges {
    pub machine: MachineGauges,
    /// requests the balancer has sent to this server and not had back
    pub outstanding: u32,
    /// false while a removed server drains
    pub accepting: bool,
    /// what the balancer's heartbeats say
    pub health: HealthState,
    /// whether the balancer sends it new requests
    pub in_rotation: bool,
    pub speed: f64,
    pub weight: u32,
    /// [$ per hour]
    pub price_per_hour: f64,
    /// a new machine still booting (it answers nothing yet)
    pub booting: bool,
}

/// A heartbeat travelling between the balancer and a server.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatView {
    /// index into `Snapshot::links`
    pub link: usize,
    /// 0 at the balancer, 1 at the server
    pub position: f64,
    pub returning: bool,
    /// whether this check passes (a refusal comes back failed)
    pub passed: bool,
}

/// A link between two nodes, by index into `Snapshot::nodes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub from: usize,
    pub to: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestStatus {
    /// on its way to be served
    Outbound,
    /// coming back with a 2xx
    Answered,
    /// coming back with a 503 (queue full)
    Refused,
    /// coming back failed: connection refused or reset, or no server
    Failed,
    /// the client already gave up on it (timed out)
    Abandoned,
}

/// A request travelling along a link.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestView {
    /// the user who sent it
    pub user: u32,
    /// index into `Snapshot::links`
    pub link: usize,
    /// 0 at the link's `from` node, 1 at its `to` node
    pub position: f64,
    pub status: RequestStatus,
}

/// Under replication: each primary's link to each of its replicas, the log entries on their
/// way along them, and each replica's lag against the stale bound.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogView {
    /// primary node → replica node, by index into `Snapshot::nodes`
    pub links: Vec<LinkView>,
    /// each entry on its way: its link (index into `links`), and how far along (0 at the
    /// primary, 1 at the replica)
    pub entries: Vec<(usize, f64)>,
    /// each replica's node and its lag over the stale bound (1 or more: its reads are stale)
    pub lag: Vec<(usize, f64)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub now: SimTime,
    pub nodes: Vec<NodeView>,
    pub links: Vec<LinkView>,
    /// at most the number asked for; `requests_on_links` is the true count
    pub requests: Vec<RequestView>,
    pub requests_on_links: usize,
    pub heartbeats: Vec<HeartbeatView>,
    pub counters: Counters,
    /// what the servers have cost so far [$]
    pub cost_dollars: f64,
    /// every server's time in the pool so far, added up [h]
    pub server_hours: f64,
    /// the busiest server's requests served over the mean (see `Sim::busiest_over_mean`)
    pub busiest_over_mean: f64,
    /// the load offered to the pool now (see `Sim::offered_load`); None when no server can serve
    pub offered_load: Option<f64>,
    /// where the run keeps sessions: which totals mean anything for it
    #[serde(default)]
    pub session_mode: crate::scenario::SessionMode,
    /// the replication logs on their way, when the database is replicated
    #[serde(default)]
    pub log: LogView,
}
