//! The plain-data view of a running sim that the UI draws: nodes, links, requests on the links,
//! and per-node gauges. No behaviour; the engine fills it, the renderer reads it.

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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeView {
    pub kind: NodeKind,
    pub label: String,
    pub gauges: Gauges,
}

/// What a node shows on itself. Fields that do not apply to a node kind are zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gauges {
    pub busy_slots: u32,
    pub slots: u32,
    pub queue_len: u32,
    pub queue_limit: u32,
    /// busy fraction over the last simulated second [0, 1]
    pub utilisation: f64,
    /// requests the balancer has sent to this server and not had back
    pub outstanding: u32,
    /// false while a removed server drains
    pub accepting: bool,
    /// requests this node has finished
    pub served: u64,
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
    /// coming back with a 503
    Refused,
}

/// A request travelling along a link.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestView {
    /// the request's serial number, stable for its whole life (for colouring and picking)
    pub serial: u64,
    /// index into `Snapshot::links`
    pub link: usize,
    /// 0 at the link's `from` node, 1 at its `to` node
    pub position: f64,
    pub status: RequestStatus,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub now: SimTime,
    pub nodes: Vec<NodeView>,
    pub links: Vec<LinkView>,
    /// at most the number asked for; `requests_on_links` is the true count
    pub requests: Vec<RequestView>,
    pub requests_on_links: usize,
    pub counters: Counters,
}
