//! The snapshot: the run as plain data for the UI (nodes, links, heartbeats, requests on links).

use super::database::JobStage;
use super::pool::CheckInFlight;
use super::request::{Outcome, Stage};
use super::Sim;
use crate::components::data_tier::Target;
use crate::snapshot::{
    Gauges, HeartbeatView, LinkView, LogView, NodeKind, NodeView, RequestStatus, RequestView, ServerGauges, Snapshot,
    Tier,
};
use crate::time::SimTime;

pub(super) fn response_status(outcome: Outcome) -> RequestStatus {
    match outcome {
        Outcome::Answered => RequestStatus::Answered,
        Outcome::QueueFull | Outcome::QueueTimeout => RequestStatus::Refused,
        Outcome::ConnectionRefused
        | Outcome::ConnectionReset
        | Outcome::NoServer
        | Outcome::StoreUnavailable
        | Outcome::DatabaseFailed
        | Outcome::Pending => RequestStatus::Failed,
    }
}

/// The diagram's nodes and links as they are built, with where each server's links are.
struct Drawing {
    nodes: Vec<NodeView>,
    links: Vec<LinkView>,
    heartbeats: Vec<HeartbeatView>,
    /// the link (index into `links`) from the balancer to each server shown, by server id
    link_of_server: Vec<Option<usize>>,
    /// the link from each server shown to the session store, by server id
    store_link_of_server: Vec<Option<usize>>,
    /// the link from each server shown to the database (or its router), by server id
    db_link_of_server: Vec<Option<usize>>,
    /// the link from the router to each database server, by its index
    shard_links: Vec<usize>,
    /// the replication logs on their way
    log: LogView,
}

/// The clients' node and the balancer's, and the link between them, always first.
const CLIENTS_NODE: usize = 0;
const BALANCER_NODE: usize = 1;
const CLIENTS_LINK: usize = 0;

impl Sim {
    /// The view the UI draws, with at most `max_requests` of the requests on links.
    pub fn snapshot(&self, max_requests: usize) -> Snapshot {
        let mut drawing = self.front_of_the_path();
        self.draw_servers(&mut drawing);
        self.draw_session_store(&mut drawing);
        self.draw_database(&mut drawing);
        let (mut requests, mut requests_on_links) = self.requests_on_links(&drawing, max_requests);
        self.queries_on_links(&drawing, max_requests, &mut requests, &mut requests_on_links);
        Snapshot {
            now: self.now,
            nodes: drawing.nodes,
            links: drawing.links,
            requests,
            requests_on_links,
            heartbeats: drawing.heartbeats,
            counters: self.metrics.counters,
            cost_dollars: self.cost(),
            server_hours: self.server_hours(),
            busiest_over_mean: self.busiest_over_mean(),
            offered_load: self.offered_load(),
            session_mode: self.sessions.mode(),
            log: drawing.log,
        }
    }

    /// The clients and the balancer.
    fn front_of_the_path(&self) -> Drawing {
        let nodes = vec![
            NodeView {
                kind: NodeKind::Clients,
                tier: Tier::Clients,
                label: "Clients".into(),
                caption: String::new(),
                gauges: Gauges::Clients { answered: self.metrics.counters.completed },
            },
            NodeView {
                kind: NodeKind::Balancer,
                tier: Tier::Edge,
                label: "Load balancer".into(),
                caption: self.balancer.algorithm().label().into(),
                gauges: Gauges::Balancer {
                    in_flight: self.requests_in_flight() as u32,
                    queued: (self.backend_queue.len() + self.server_queues.waiting) as u32,
                },
            },
        ];
        Drawing {
            nodes,
            links: vec![LinkView { from: CLIENTS_NODE, to: BALANCER_NODE }],
            heartbeats: Vec::new(),
            link_of_server: vec![None; self.machines.len()],
            store_link_of_server: vec![None; self.machines.len()],
            db_link_of_server: vec![None; self.machines.len()],
            shard_links: Vec::new(),
            log: LogView::default(),
        }
    }

    /// Every server still shown, linked to the balancer, with its heartbeat on the link. A
    /// removed server stays on the diagram until its last response is back at the balancer.
    fn draw_servers(&self, d: &mut Drawing) {
        for (id, m) in self.machines.iter().enumerate() {
            let (s, server) = (&m.server, id as u32);
            if s.is_retired() && self.balancer.outstanding(server) == 0 {
                continue;
            }
            let link = d.links.len();
            d.link_of_server[id] = Some(link);
            d.links.push(LinkView { from: BALANCER_NODE, to: d.nodes.len() });
            d.nodes.push(NodeView {
                kind: NodeKind::Server { id: server },
                tier: Tier::Web,
                label: format!("Server {}", id + 1),
                caption: String::new(),
                gauges: Gauges::Server(ServerGauges {
                    machine: s.gauges(self.now),
                    outstanding: self.balancer.outstanding(server),
                    accepting: s.is_accepting(),
                    health: m.health.state(),
                    in_rotation: self.balancer.in_rotation(server),
                    speed: s.speed(),
                    weight: self.balancer.weight(server),
                    price_per_hour: s.price_per_hour(),
                    booting: s.is_booting(self.now),
                }),
            });
            if let Some(check) = m.check {
                d.heartbeats.extend(self.heartbeat_on(link, check));
            }
        }
    }

    /// Where a heartbeat is on its link: going out for the first half of a round trip, coming
    /// back for the second (a check that times out never comes back).
    fn heartbeat_on(&self, link: usize, check: CheckInFlight) -> Option<HeartbeatView> {
        let half = self.link_latency;
        let elapsed = self.now - check.started;
        let along = |t: SimTime| t.0 as f64 / half.0.max(1) as f64;
        if elapsed < half {
            Some(HeartbeatView { link, position: along(elapsed), returning: false, passed: check.passed })
        } else if check.done_at - check.started == half + half && elapsed < half + half {
            Some(HeartbeatView { link, position: 1.0 - along(elapsed - half), returning: true, passed: check.passed })
        } else {
            None
        }
    }

    /// The session store, linked to every server shown.
    fn draw_session_store(&self, d: &mut Drawing) {
        let Some(store) = &self.store else { return };
        let store_node = d.nodes.len();
        d.nodes.push(NodeView {
            kind: NodeKind::SessionStore,
            tier: Tier::Data,
            label: "Session store".into(),
            caption: String::new(),
            gauges: Gauges::Store(store.gauges(self.now)),
        });
        for (id, server_link) in d.link_of_server.iter().enumerate() {
            if let Some(server_link) = server_link {
                d.store_link_of_server[id] = Some(d.links.len());
                d.links.push(LinkView { from: d.links[*server_link].to, to: store_node });
            }
        }
    }

    /// The database the web tier queries: its router when sharded (linked to every web server
    /// shown, and to each shard), or its one server (linked to every web server shown).
    fn draw_database(&self, d: &mut Drawing) {
        let Some(data) = self.data.as_ref().filter(|data| data.serves_web()) else { return };
        let web_side = d.nodes.len();
        if data.routed() {
            let at_database = self.requests.live().filter(|(_, r)| r.stage == Stage::AtDatabase).count();
            d.nodes.push(NodeView {
                kind: NodeKind::Router,
                tier: Tier::Router,
                label: "Router".into(),
                caption: data.console.db.config.layout.describe(),
                gauges: Gauges::Router { in_flight: at_database as u32 },
            });
        }
        let first_db_node = d.nodes.len();
        for (index, (name, machine)) in data.servers().enumerate() {
            if data.routed() {
                d.shard_links.push(d.links.len());
                d.links.push(LinkView { from: web_side, to: d.nodes.len() });
            }
            d.nodes.push(NodeView {
                kind: NodeKind::Database { index: index as u32 },
                tier: Tier::Data,
                label: match name {
                    // replicated shards: "-80 primary", "shard-0 replica 2" (the box has no room for more)
                    _ if data.routed() && (name.starts_with("shard") || data.replication().is_some()) => {
                        name.to_string()
                    }
                    // hash-mod shards are named "shard-0"; Vitess keyranges ("-40") need the word
                    _ if data.routed() => format!("Shard {name}"),
                    _ if data.replication().is_some() || data.multi_primary().is_some() => capitalised(name),
                    _ => "Database".into(),
                },
                caption: match data
                    .replication()
                    .and_then(|r| r.groups.get(r.group_on(index)?))
                    .map(|r| (r, r.replica_on(index)))
                {
                    Some((r, Some(replica))) if r.replicas[replica].split_brain => {
                        format!("split brain · {} writes of its own", r.split_brain_writes)
                    }
                    Some((r, Some(replica))) if r.replicas[replica].diverged => "fenced".into(),
                    Some((r, Some(replica))) if r.replicas[replica].cut => {
                        format!("link cut · lag {}", r.lag(replica, self.now).0)
                    }
                    Some((r, Some(replica))) => {
                        let (entries, age) = r.lag(replica, self.now);
                        format!("lag {entries} · {:.2} s", age.as_secs_f64())
                    }
                    Some((r, None)) if r.promoting.is_some() => "down: promoting a replica".into(),
                    Some((r, None)) => format!("log at {}", r.position()),
                    None => data.multi_primary().map_or_else(String::new, |m| primary_caption(m, index)),
                },
                gauges: Gauges::Store(machine.gauges(self.now)),
            });
        }
        if let Some(replicated) = data.replication() {
            d.log = self.log_view(replicated, first_db_node);
        }
        // Each web server reaches the router or the one server; under replication of one server,
        // the primary and every replica (its links in that order, from `db_link_of_server`);
        // under multi-primary, every primary.
        let copies = (data.replication().is_some() && !data.routed()) || data.multi_primary().is_some();
        let targets = if copies { d.nodes.len() - web_side } else { 1 };
        for (id, server_link) in d.link_of_server.iter().enumerate() {
            if let Some(server_link) = server_link {
                d.db_link_of_server[id] = Some(d.links.len());
                let from = d.links[*server_link].to;
                d.links.extend((0..targets).map(|k| LinkView { from, to: web_side + k }));
            }
        }
    }

    /// Each group's log on its way to its replicas: an entry committed less than the log's trip
    /// ago is on the wire to each replica that has not received it (none while the primary is
    /// down: it lost them), drawn at most `MAX_LOG_ENTRIES` in all.
    fn log_view(&self, replicated: &crate::data::replication::Replicated, first_node: usize) -> LogView {
        const MAX_LOG_ENTRIES: usize = 200;
        let mut view = LogView::default();
        for (g, group) in replicated.groups.iter().enumerate() {
            let ship = SimTime::from_millis_f64(group.config.ship_ms);
            let primary_up = !self.primary_down(g);
            for (k, replica) in group.replicas.iter().enumerate() {
                let link = view.links.len();
                view.links
                    .push(LinkView { from: first_node + group.primary_machine, to: first_node + replica.machine });
                let (_, age) = group.lag(k, self.now);
                let bound = (group.config.stale_bound_ms / 1_000.0).max(1e-3);
                view.lag.push((first_node + replica.machine, age.as_secs_f64() / bound));
                if !primary_up || replica.cut || replica.diverged {
                    continue;
                }
                let on_wire = group
                    .sent_since(self.now.saturating_sub(ship))
                    .filter(|(position, _)| *position > replica.received);
                for (_, committed_at) in on_wire {
                    if view.entries.len() < MAX_LOG_ENTRIES {
                        let along = (self.now - committed_at).0 as f64 / ship.0.max(1) as f64;
                        view.entries.push((link, along.clamp(0.0, 1.0)));
                    }
                }
            }
        }
        view
    }

    /// The link a request's query travels on: to the router or the one server, or to the
    /// primary or its replica.
    fn db_link(&self, d: &Drawing, slot: u32, server: usize) -> Option<usize> {
        // (a sharded database's queries all go to its router, its link's first)
        let replication =
            self.data.as_ref().and_then(|d| d.replication()).filter(|r| !r.sharded()).map(|r| &r.groups[0]);
        let target = match (self.db_trips.get(slot as usize).map(|t| t.picked.target), replication) {
            (Some(Target::Replica(i)), Some(r)) => r.replicas.get(i).map_or(0, |replica| replica.machine),
            (Some(Target::Region(primary)), _) => primary,
            (_, Some(r)) => r.primary_machine,
            _ => 0,
        };
        d.db_link_of_server[server].map(|first| first + target)
    }

    /// Each query's shares on their way between the router and the shards.
    fn queries_on_links(&self, d: &Drawing, max: usize, views: &mut Vec<RequestView>, on_links: &mut usize) {
        if d.shard_links.is_empty() {
            return;
        }
        for (slot, r) in self.requests.live() {
            if r.stage != Stage::AtDatabase {
                continue;
            }
            let Some(trip) = self.db_trips.get(slot as usize) else { continue };
            for job in &trip.jobs {
                let forward = match job.stage {
                    JobStage::ToServer => true,
                    JobStage::FromServer => false,
                    JobStage::AtServer | JobStage::Committing | JobStage::Done => continue,
                };
                let Some(&link) = d.shard_links.get(job.server) else { continue };
                let status = if !forward && trip.failed { RequestStatus::Failed } else { RequestStatus::Outbound };
                let trip = Trip { link, from: job.stage_start, to: job.stage_end, forward, status };
                self.draw_on_link(r.origin.user, trip, max, views, on_links);
            }
        }
    }

    /// The requests on links, at most `max_requests` of them, and how many there are.
    fn requests_on_links(&self, d: &Drawing, max_requests: usize) -> (Vec<RequestView>, usize) {
        let mut requests = Vec::new();
        let mut requests_on_links = 0;
        for (slot, r) in self.requests.live() {
            let server = r.server as usize;
            let (link, forward, status) = match r.stage {
                Stage::ToBalancer => (Some(CLIENTS_LINK), true, RequestStatus::Outbound),
                Stage::ToServer => (d.link_of_server[server], true, RequestStatus::Outbound),
                Stage::BackToBalancer => (d.link_of_server[server], false, response_status(r.outcome)),
                Stage::BackToClient => (Some(CLIENTS_LINK), false, response_status(r.outcome)),
                Stage::ToStore => (d.store_link_of_server[server], true, RequestStatus::Outbound),
                Stage::FromStore => (
                    d.store_link_of_server[server],
                    false,
                    if r.store.failed { RequestStatus::Failed } else { RequestStatus::Outbound },
                ),
                Stage::ToDatabase => (self.db_link(d, slot, server), true, RequestStatus::Outbound),
                Stage::FromDatabase => (
                    self.db_link(d, slot, server),
                    false,
                    if self.db_trips.get(slot as usize).is_some_and(|t| t.failed) {
                        RequestStatus::Failed
                    } else {
                        RequestStatus::Outbound
                    },
                ),
                Stage::BalancerQueue
                | Stage::Queued
                | Stage::InService
                | Stage::Stalled
                | Stage::AtStore
                | Stage::AtDatabase => continue,
            };
            // Every server with a request on its link is shown (see above); never index past.
            let Some(link) = link else { continue };
            let status = if r.abandoned { RequestStatus::Abandoned } else { status };
            let trip = Trip { link, from: r.stage_start, to: r.stage_end, forward, status };
            self.draw_on_link(r.origin.user, trip, max_requests, &mut requests, &mut requests_on_links);
        }
        (requests, requests_on_links)
    }
}

/// A trip along a link, from `from` to `to` (backwards when not `forward`).
struct Trip {
    link: usize,
    from: SimTime,
    to: SimTime,
    forward: bool,
    status: RequestStatus,
}

impl Sim {
    /// Counts a request on a link, and draws it there while fewer than `max` are drawn.
    fn draw_on_link(&self, user: u32, trip: Trip, max: usize, views: &mut Vec<RequestView>, on_links: &mut usize) {
        *on_links += 1;
        if views.len() >= max {
            return;
        }
        let span = (trip.to - trip.from).0.max(1) as f64;
        let along = ((self.now - trip.from).0 as f64 / span).clamp(0.0, 1.0);
        let position = if trip.forward { along } else { 1.0 - along };
        views.push(RequestView { user, link: trip.link, position, status: trip.status });
    }
}

/// "primary" → "Primary".
fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| first.to_ascii_uppercase().to_string() + chars.as_str())
}

/// A primary's caption under multi-primary: its clock, and whether its region is cut off.
fn primary_caption(m: &crate::data::multi_primary::MultiPrimary, primary: usize) -> String {
    let skew = m.config.skew_ms.get(primary).copied().unwrap_or(0.0);
    let clock = if skew == 0.0 { "clock exact".to_string() } else { format!("clock {skew:+.0} ms") };
    if m.primaries.get(primary).is_some_and(|p| p.cut) {
        format!("region cut off · {clock}")
    } else {
        clock
    }
}
