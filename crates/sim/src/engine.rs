//! The simulation loop: one world that owns every component, the event queue, the one RNG and the
//! metrics. `step` runs one event; `run_until` runs every event up to a time. Requests move
//! clients → balancer → server → balancer → clients, each hop one link with the network's latency.

use crate::components::balancer::Balancer;
use crate::components::clients::Clients;
use crate::components::server::{Admission, RequestSlot, Server};
use crate::event_queue::EventQueue;
use crate::metrics::{LatencySummary, Metrics, Summary};
use crate::rng::Rng;
use crate::scenario::{limits, Algorithm, Scenario, ValidScenario};
use crate::snapshot::{Gauges, LinkView, NodeKind, NodeView, RequestStatus, RequestView, Snapshot};
use crate::time::SimTime;
use crate::trace::TraceHash;
use std::fmt;

/// What can change while a run goes on. Closed: the UI changes the model only through these.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// a new server like the others joins the pool
    AddServer,
    /// the server stops taking new requests, finishes what it holds, then leaves
    RemoveServer {
        server: u32,
    },
    SetArrivalRate {
        per_second: f64,
    },
    SetAlgorithm {
        algorithm: Algorithm,
    },
}

/// Why a command was refused. The run is unchanged.
#[derive(Clone, Debug, PartialEq)]
pub enum CommandError {
    TooManyServers,
    NoSuchServer(u32),
    ArrivalRateOutOfRange(f64),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::TooManyServers => {
                write!(f, "a run can have at most {} servers; remove one first", limits::MAX_SERVERS)
            }
            CommandError::NoSuchServer(id) => {
                write!(f, "server {id} is not taking traffic (already removed, or never existed)")
            }
            CommandError::ArrivalRateOutOfRange(r) => write!(
                f,
                "an arrival rate of {r} requests/s is outside the allowed range: more than 0 and at most {}",
                crate::scenario::fmt_number(limits::MAX_ARRIVAL_RATE)
            ),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// the next open-loop arrival; stale when its generation is not the clients' current one
    Arrival {
        generation: u32,
    },
    AtBalancer(RequestSlot),
    AtServer(RequestSlot),
    ServiceDone(RequestSlot),
    ResponseAtBalancer(RequestSlot),
    ResponseAtClient(RequestSlot),
    /// closes one simulated second of metrics
    SecondTick,
}

impl Event {
    /// (kind code, request slot) for the trace hash
    fn trace_words(self) -> (u64, u64) {
        match self {
            Event::Arrival { generation } => (1, u64::from(generation)),
            Event::AtBalancer(r) => (2, u64::from(r)),
            Event::AtServer(r) => (3, u64::from(r)),
            Event::ServiceDone(r) => (4, u64::from(r)),
            Event::ResponseAtBalancer(r) => (5, u64::from(r)),
            Event::ResponseAtClient(r) => (6, u64::from(r)),
            Event::SecondTick => (7, 0),
        }
    }
}

/// Where a request is. The `To*` stages travel a link from `stage_start` to `stage_end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    ToBalancer,
    ToServer,
    Queued,
    InService,
    BackToBalancer,
    BackToClient,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Pending,
    Answered,
    /// a server's queue was full
    Refused,
    /// no server took traffic
    NoServer,
}

#[derive(Clone, Copy, Debug)]
struct Request {
    serial: u64,
    sent_at: SimTime,
    server: u32,
    stage: Stage,
    stage_start: SimTime,
    stage_end: SimTime,
    reached_server_at: SimTime,
    service_started_at: SimTime,
    left_server_at: SimTime,
    outcome: Outcome,
}

/// Requests in flight, in reusable slots: a finished request frees its slot, so the table is as
/// large as the most requests ever in flight at once, not the number ever sent.
#[derive(Default)]
struct RequestTable {
    slots: Vec<Request>,
    live: Vec<bool>,
    free: Vec<RequestSlot>,
}

impl RequestTable {
    fn insert(&mut self, request: Request) -> RequestSlot {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = request;
                self.live[slot as usize] = true;
                slot
            }
            None => {
                self.slots.push(request);
                self.live.push(true);
                (self.slots.len() - 1) as RequestSlot
            }
        }
    }
    fn remove(&mut self, slot: RequestSlot) {
        self.live[slot as usize] = false;
        self.free.push(slot);
    }
    fn live(&self) -> impl Iterator<Item = &Request> {
        self.slots.iter().zip(&self.live).filter(|(_, &live)| live).map(|(r, _)| r)
    }
}

pub struct Sim {
    scenario: Scenario,
    now: SimTime,
    queue: EventQueue<Event>,
    rng: Rng,
    clients: Clients,
    balancer: Balancer,
    /// every server ever added, by id; removed ones stay (retired) so ids stay stable
    servers: Vec<Server>,
    requests: RequestTable,
    next_serial: u64,
    link_latency: SimTime,
    metrics: Metrics,
    trace: TraceHash,
    events_processed: u64,
}

impl Sim {
    pub fn new(scenario: ValidScenario) -> Self {
        let scenario = scenario.into_inner();
        let servers = (0..scenario.servers.count).map(|_| Server::new(&scenario.servers, SimTime::ZERO)).collect();
        let mut sim = Sim {
            now: SimTime::ZERO,
            queue: EventQueue::default(),
            rng: Rng::from_seed(scenario.seed),
            clients: Clients::new(&scenario.clients),
            balancer: Balancer::new(scenario.balancer.algorithm, scenario.servers.count),
            servers,
            requests: RequestTable::default(),
            next_serial: 0,
            link_latency: SimTime::from_millis_f64(scenario.network.link_latency_ms),
            metrics: Metrics::default(),
            trace: TraceHash::default(),
            events_processed: 0,
            scenario,
        };
        sim.schedule_next_arrival();
        sim.queue.push(SimTime::from_secs(1), Event::SecondTick);
        sim
    }

    /// The scenario as it stands now, with every command applied so far.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }
    pub fn trace_hash(&self) -> TraceHash {
        self.trace
    }
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }
    /// Requests sent and not yet back at the client.
    pub fn requests_in_flight(&self) -> usize {
        self.requests.live.iter().filter(|&&live| live).count()
    }
    /// Slots the request table holds: the most requests ever in flight at once, not all ever sent.
    pub fn request_table_capacity(&self) -> usize {
        self.requests.slots.len()
    }
    /// Servers taking traffic, by id.
    pub fn active_servers(&self) -> &[u32] {
        self.balancer.candidates()
    }

    fn schedule_next_arrival(&mut self) {
        let at = self.now + self.clients.next_gap(&mut self.rng);
        self.queue.push(at, Event::Arrival { generation: self.clients.generation() });
    }

    /// Sends `slot` along its next link, arriving after the link latency.
    fn travel(&mut self, slot: RequestSlot, stage: Stage, then: Event) {
        let arrive = self.now + self.link_latency;
        let r = &mut self.requests.slots[slot as usize];
        r.stage = stage;
        r.stage_start = self.now;
        r.stage_end = arrive;
        self.queue.push(arrive, then);
    }

    fn start_service(&mut self, slot: RequestSlot) {
        let server = &self.servers[self.requests.slots[slot as usize].server as usize];
        let speed = server.speed();
        let service_ms = self.scenario.servers.service.sample_ms(&mut self.rng) / speed;
        let done = self.now + SimTime::from_millis_f64(service_ms);
        let r = &mut self.requests.slots[slot as usize];
        r.stage = Stage::InService;
        r.stage_start = self.now;
        r.stage_end = done;
        r.service_started_at = self.now;
        self.queue.push(done, Event::ServiceDone(slot));
    }

    /// Runs the next event. Returns false when nothing is left to run (no arrivals and no work).
    pub fn step(&mut self) -> bool {
        let Some((at, event)) = self.queue.pop() else {
            return false;
        };
        debug_assert!(at >= self.now, "time went back");
        self.now = at;
        self.events_processed += 1;
        let (kind, slot) = event.trace_words();
        self.trace.add(at.0);
        self.trace.add(kind << 32 | slot);
        self.handle(event);
        true
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { generation } => {
                if generation != self.clients.generation() {
                    return; // scheduled before the rate changed
                }
                self.metrics.on_arrival();
                let slot = self.requests.insert(Request {
                    serial: self.next_serial,
                    sent_at: self.now,
                    server: 0,
                    stage: Stage::ToBalancer,
                    stage_start: self.now,
                    stage_end: self.now,
                    reached_server_at: self.now,
                    service_started_at: self.now,
                    left_server_at: self.now,
                    outcome: Outcome::Pending,
                });
                self.next_serial += 1;
                self.travel(slot, Stage::ToBalancer, Event::AtBalancer(slot));
                self.schedule_next_arrival();
            }
            Event::AtBalancer(slot) => match self.balancer.pick(&mut self.rng) {
                Some(server) => {
                    self.requests.slots[slot as usize].server = server;
                    self.travel(slot, Stage::ToServer, Event::AtServer(slot));
                }
                None => {
                    // HAProxy answers 503 itself when no server is available.
                    self.requests.slots[slot as usize].outcome = Outcome::NoServer;
                    self.travel(slot, Stage::BackToClient, Event::ResponseAtClient(slot));
                }
            },
            Event::AtServer(slot) => {
                let r = &mut self.requests.slots[slot as usize];
                r.reached_server_at = self.now;
                let server = r.server as usize;
                match self.servers[server].admit(slot, self.now) {
                    Admission::Started => self.start_service(slot),
                    Admission::Queued => {
                        let r = &mut self.requests.slots[slot as usize];
                        r.stage = Stage::Queued;
                        r.stage_start = self.now;
                    }
                    Admission::Refused => {
                        self.requests.slots[slot as usize].outcome = Outcome::Refused;
                        self.travel(slot, Stage::BackToBalancer, Event::ResponseAtBalancer(slot));
                    }
                }
            }
            Event::ServiceDone(slot) => {
                let r = &mut self.requests.slots[slot as usize];
                r.outcome = Outcome::Answered;
                r.left_server_at = self.now;
                let server = r.server;
                if let Some(next) = self.servers[server as usize].finish(self.now) {
                    self.start_service(next);
                }
                self.travel(slot, Stage::BackToBalancer, Event::ResponseAtBalancer(slot));
            }
            Event::ResponseAtBalancer(slot) => {
                self.balancer.on_response(self.requests.slots[slot as usize].server);
                self.travel(slot, Stage::BackToClient, Event::ResponseAtClient(slot));
            }
            Event::ResponseAtClient(slot) => {
                let r = self.requests.slots[slot as usize];
                match r.outcome {
                    Outcome::Answered => self.metrics.on_completed(
                        self.now - r.sent_at,
                        r.service_started_at - r.reached_server_at,
                        r.left_server_at - r.reached_server_at,
                    ),
                    Outcome::Refused => self.metrics.on_rejected(),
                    Outcome::NoServer | Outcome::Pending => self.metrics.on_failed(),
                }
                self.requests.remove(slot);
            }
            Event::SecondTick => {
                let period = SimTime::from_secs(1);
                let mut total = 0.0;
                for &id in self.balancer.candidates() {
                    let server = &mut self.servers[id as usize];
                    server.sample_utilisation(self.now, period);
                    total += server.recent_utilisation();
                }
                let active = self.balancer.candidates().len().max(1) as f64;
                self.metrics.close_second(self.now, total / active);
                self.queue.push(self.now + period, Event::SecondTick);
            }
        }
    }

    /// Runs every event at or before `until`, then stands at `until`.
    pub fn run_until(&mut self, until: SimTime) {
        self.run_until_within(until, u64::MAX);
    }

    /// Like `run_until`, but stops after `max_events` events so that a frame in the browser stays
    /// short. Returns true when it reached `until`; false when the budget ran out first (the sim
    /// then stands at its last event, and the next call carries on from there).
    pub fn run_until_within(&mut self, until: SimTime, max_events: u64) -> bool {
        let mut budget = max_events;
        while let Some(at) = self.queue.peek_time() {
            if at > until {
                break;
            }
            if budget == 0 {
                return false;
            }
            budget -= 1;
            self.step();
        }
        self.now = self.now.max(until);
        true
    }

    /// Applies a change to the running sim, or says why it cannot.
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        match command {
            Command::AddServer => {
                if self.balancer.candidates().len() as u32 >= limits::MAX_SERVERS {
                    return Err(CommandError::TooManyServers);
                }
                let id = self.servers.len() as u32;
                self.servers.push(Server::new(&self.scenario.servers, self.now));
                self.balancer.add_server(id);
                self.scenario.servers.count = self.balancer.candidates().len() as u32;
            }
            Command::RemoveServer { server } => {
                if !self.balancer.candidates().contains(&server) {
                    return Err(CommandError::NoSuchServer(server));
                }
                self.balancer.remove_server(server);
                self.servers[server as usize].stop_accepting();
                self.scenario.servers.count = self.balancer.candidates().len() as u32;
            }
            Command::SetArrivalRate { per_second } => {
                if !(per_second > 0.0 && per_second <= limits::MAX_ARRIVAL_RATE) {
                    return Err(CommandError::ArrivalRateOutOfRange(per_second));
                }
                self.clients.set_arrival_rate(per_second);
                self.scenario.clients.arrival_rate = per_second;
                self.schedule_next_arrival();
            }
            Command::SetAlgorithm { algorithm } => {
                self.balancer.set_algorithm(algorithm);
                self.scenario.balancer.algorithm = algorithm;
            }
        }
        Ok(())
    }

    /// The run's figures so far.
    pub fn summary(&self) -> Summary {
        let seconds = self.now.as_secs_f64();
        let c = self.metrics.counters;
        Summary {
            simulated_seconds: seconds,
            events_processed: self.events_processed,
            trace_hash: self.trace.hex(),
            requests: c,
            in_flight: c.in_flight(),
            latency_ms: LatencySummary::of(&self.metrics.latency),
            throughput_per_s: if seconds > 0.0 { c.completed as f64 / seconds } else { 0.0 },
        }
    }

    /// The view the UI draws, with at most `max_requests` of the requests on links.
    pub fn snapshot(&self, max_requests: usize) -> Snapshot {
        let mut nodes = vec![
            NodeView { kind: NodeKind::Clients, label: "Clients".into(), gauges: Gauges::default() },
            NodeView { kind: NodeKind::Balancer, label: "Load balancer".into(), gauges: Gauges::default() },
        ];
        nodes[0].gauges.served = self.metrics.counters.completed;
        nodes[1].gauges.outstanding = self.metrics.counters.in_flight() as u32;
        let mut links = vec![LinkView { from: 0, to: 1 }];
        // The link (index into `links`) of each server id that is still shown. A removed server
        // stays on the diagram until its last response is back at the balancer.
        let mut link_of_server = vec![None; self.servers.len()];
        for (id, server) in self.servers.iter().enumerate() {
            if server.is_retired() && self.balancer.outstanding(id as u32) == 0 {
                continue;
            }
            link_of_server[id] = Some(links.len());
            links.push(LinkView { from: 1, to: nodes.len() });
            nodes.push(NodeView {
                kind: NodeKind::Server { id: id as u32 },
                label: format!("Server {}", id + 1),
                gauges: Gauges {
                    busy_slots: server.busy(),
                    slots: server.concurrency(),
                    queue_len: server.queue_len(),
                    queue_limit: server.queue_limit(),
                    utilisation: server.recent_utilisation(),
                    outstanding: self.balancer.outstanding(id as u32),
                    accepting: server.is_accepting(),
                    served: server.served(),
                },
            });
        }
        let mut requests = Vec::new();
        let mut requests_on_links = 0;
        for r in self.requests.live() {
            let (link, forward, status) = match r.stage {
                Stage::ToBalancer => (Some(0), true, RequestStatus::Outbound),
                Stage::ToServer => (link_of_server[r.server as usize], true, RequestStatus::Outbound),
                Stage::BackToBalancer => (link_of_server[r.server as usize], false, response_status(r.outcome)),
                Stage::BackToClient => (Some(0), false, response_status(r.outcome)),
                Stage::Queued | Stage::InService => continue,
            };
            // Every server with a request on its link is shown (see above); never index past.
            let Some(link) = link else { continue };
            requests_on_links += 1;
            if requests.len() >= max_requests {
                continue;
            }
            let span = (r.stage_end - r.stage_start).0.max(1) as f64;
            let along = ((self.now - r.stage_start).0 as f64 / span).clamp(0.0, 1.0);
            requests.push(RequestView {
                serial: r.serial,
                link,
                position: if forward { along } else { 1.0 - along },
                status,
            });
        }
        Snapshot { now: self.now, nodes, links, requests, requests_on_links, counters: self.metrics.counters }
    }
}

fn response_status(outcome: Outcome) -> RequestStatus {
    match outcome {
        Outcome::Answered => RequestStatus::Answered,
        Outcome::Refused | Outcome::NoServer | Outcome::Pending => RequestStatus::Refused,
    }
}
