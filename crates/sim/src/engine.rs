//! The simulation loop: one world that owns every component, the event queue, the random streams
//! and the metrics. `step` runs one event; `run_until` runs every event up to a time. Requests
//! move clients → balancer → server → balancer → clients, each hop one link with the network's
//! latency; heartbeats go balancer → server → balancer; timeline entries change the run at set
//! moments.

use crate::ab::{AbOptions, AbReport, AbTally, LoadTester, Response};
use crate::caching::{self, CacheLab};
use crate::command::{Command, CommandError};
use crate::components::autoscaler::{Autoscaler, PoolState, SecondMeasure};
use crate::components::balancer::{Balancer, RequestKey, Unplaced};
use crate::components::clients::Clients;
use crate::components::health::HealthCheck;
use crate::components::server::{Admission, Fault, RequestSlot, Server};
use crate::components::sessions::{Sender, SessionOutcome, Sessions, UserView};
use crate::event_queue::EventQueue;
use crate::metrics::{LatencySummary, Metrics, PoolSample, Summary};
use crate::rng::Rng;
use crate::scenario::{Scenario, SessionMode, TimelineEntry, ValidScenario};
use crate::snapshot::{Gauges, HeartbeatView, LinkView, NodeKind, NodeView, RequestStatus, RequestView, Snapshot};
use crate::time::SimTime;
use crate::trace::TraceHash;
use crate::validate::limits;
use std::collections::VecDeque;

/// Why the balancer sent a request to no server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unsent {
    /// no server takes traffic: 503 now
    NoServer,
    /// HAProxy `first`: every server is at its `maxconn`; the request waits in the backend queue
    AllFull,
    /// HAProxy `first`: persistence names a server at its `maxconn` (the request's `server`); it
    /// waits in that server's queue at the balancer
    PinnedServerFull,
}

impl From<Unplaced> for Unsent {
    fn from(unplaced: Unplaced) -> Self {
        match unplaced {
            Unplaced::NoServer => Unsent::NoServer,
            Unplaced::AllFull => Unsent::AllFull,
        }
    }
}

/// HAProxy's default `retries 3`: a request is tried on at most this many servers.
const MAX_TRIES: usize = 3;
/// Random streams, one per part of the model that draws (see `Rng::stream`).
const TRAFFIC_STREAM: u64 = 1;
const BALANCER_STREAM: u64 = 2;

/// A request, as events refer to it: its slot and which use of the slot it is, so that an event
/// left over from a request that has finished never touches the next one in the same slot.
/// Aligned to 8 so an event's reference is one 8-byte word: read back whole (for the trace)
/// right after two 4-byte writes, it stalled store-to-load forwarding on every event (3% of
/// an M/M/c run). Events stay 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(8))]
struct RequestRef {
    slot: RequestSlot,
    incarnation: u32,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// the next open-loop arrival; stale when its generation is not the clients' current one
    Arrival {
        generation: u32,
    },
    AtBalancer(RequestRef),
    AtServer(RequestRef),
    ServiceDone(RequestRef),
    ResponseAtBalancer(RequestRef),
    ResponseAtClient(RequestRef),
    /// the client gives up on the request if it has not had its answer
    ClientTimeout(RequestRef),
    /// the balancer sends a heartbeat to the server
    CheckStart {
        server: u32,
    },
    /// the heartbeat's answer arrives (or its timeout passes)
    CheckDone {
        server: u32,
        passed: bool,
    },
    /// closes one simulated second of metrics; the autoscaler and the traffic profile act on it
    SecondTick,
    /// a removed server's drain timeout: whatever it still holds fails, and it leaves
    DrainDeadline {
        server: u32,
    },
    /// a load tester's connection starts its next request (opening the connection if needed)
    Connect {
        client: u32,
    },
    /// the connection is open: the request is written
    Send {
        client: u32,
    },
    /// a server's read or write reaches the session store
    AtStore(RequestRef),
    /// the store finished the operation
    StoreOpDone(RequestRef),
    /// the store's answer (or its refusal) is back at the server
    BackFromStore(RequestRef),
    /// HAProxy `timeout queue`: a request still in the backend queue now gets a 503
    QueueTimeout(RequestRef),
    /// something happens in the caching lab
    Lab(caching::Event),
}

// The queue holds millions of events in a heavy run: a part's events must not make them larger.
const _: () = assert!(std::mem::size_of::<Event>() == 16);

impl Event {
    /// (kind code, subject) for the trace hash
    #[inline(always)]
    fn trace_words(self) -> (u64, u64) {
        let r = |r: RequestRef| u64::from(r.slot) | u64::from(r.incarnation) << 32;
        match self {
            Event::Arrival { generation } => (1, u64::from(generation)),
            Event::AtBalancer(x) => (2, r(x)),
            Event::AtServer(x) => (3, r(x)),
            Event::ServiceDone(x) => (4, r(x)),
            Event::ResponseAtBalancer(x) => (5, r(x)),
            Event::ResponseAtClient(x) => (6, r(x)),
            Event::SecondTick => (7, 0),
            Event::ClientTimeout(x) => (8, r(x)),
            Event::CheckStart { server } => (9, u64::from(server)),
            Event::CheckDone { server, passed } => (10, u64::from(server) << 1 | u64::from(passed)),
            Event::AtStore(x) => (12, r(x)),
            Event::StoreOpDone(x) => (13, r(x)),
            Event::BackFromStore(x) => (14, r(x)),
            Event::DrainDeadline { server } => (15, u64::from(server)),
            Event::Connect { client } => (16, u64::from(client)),
            Event::Send { client } => (17, u64::from(client)),
            Event::QueueTimeout(x) => (18, r(x)),
            Event::Lab(e) => e.trace_words(),
        }
    }
}

/// The two kinds of thing `step` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Event,
    TimelineEntry,
}

/// Where a request is. The `To*` / `Back*` stages travel a link from `stage_start` to `stage_end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    ToBalancer,
    /// waits in the balancer's backend queue for a server with a free slot (HAProxy `first`)
    BalancerQueue,
    ToServer,
    Queued,
    InService,
    /// holds a slot on a hung server
    Stalled,
    BackToBalancer,
    BackToClient,
    /// holds its server slot while the server reads or writes the session in the store
    ToStore,
    AtStore,
    FromStore,
}

/// What a server asks the session store for: the session at the start of a request, and
/// saving it at the end (Flask-Session's `open_session` and `save_session`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StoreOp {
    Read,
    Write,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Pending,
    Answered,
    /// the server's queue was full (503)
    QueueFull,
    /// the server was down (connection refused)
    ConnectionRefused,
    /// the server crashed while holding the request
    ConnectionReset,
    /// no server took traffic (503 from the balancer)
    NoServer,
    /// no server freed a slot within the balancer's queue timeout (503 from the balancer)
    QueueTimeout,
    /// the session store was down or full, so the server answered 500
    StoreUnavailable,
}

#[derive(Clone, Copy, Debug)]
struct Request {
    incarnation: u32,
    user: u32,
    /// service demand at speed 1 [ms], drawn when the request is made
    size_ms: f64,
    sent_at: SimTime,
    server: u32,
    stage: Stage,
    stage_start: SimTime,
    stage_end: SimTime,
    /// when the balancer last sent it to a server (for response-time tracking)
    dispatched_at: SimTime,
    /// time spent in the balancer's backend queue
    balancer_wait: SimTime,
    reached_server_at: SimTime,
    service_started_at: SimTime,
    left_server_at: SimTime,
    outcome: Outcome,
    /// the client gave up on it (it still occupies the system until it comes back)
    abandoned: bool,
    timeout_scheduled: bool,
    tried: [u32; MAX_TRIES],
    tries: u8,
    /// the server's life when the request took a slot there (a crash ends the life)
    server_life: u32,
    store_op: StoreOp,
    /// the store refused the last operation
    store_failed: bool,
    /// when the request last left its server for the store
    store_trip_started: SimTime,
    /// the load tester's connection that sent it (`OPEN_LOOP` for the scenario's own clients)
    client: u32,
}

/// `Request::client` of a request from the scenario's open-loop clients.
const OPEN_LOOP: u32 = u32::MAX;
/// ab's requests, as the balancer sees them: every connection comes from one machine (this
/// user's address) and none carries a user cookie, so they share one hash key too.
const LOAD_TESTER_USER: u32 = 0;

/// Requests in flight, in reusable slots: a finished request frees its slot, so the table is as
/// large as the most requests ever in flight at once, not the number ever sent.
#[derive(Default)]
struct RequestTable {
    slots: Vec<Request>,
    live: Vec<bool>,
    free: Vec<RequestSlot>,
}

impl RequestTable {
    fn insert(&mut self, mut request: Request) -> RequestRef {
        match self.free.pop() {
            Some(slot) => {
                request.incarnation = self.slots[slot as usize].incarnation.wrapping_add(1);
                self.slots[slot as usize] = request;
                self.live[slot as usize] = true;
                RequestRef { slot, incarnation: request.incarnation }
            }
            None => {
                request.incarnation = 0;
                self.slots.push(request);
                self.live.push(true);
                RequestRef { slot: (self.slots.len() - 1) as RequestSlot, incarnation: 0 }
            }
        }
    }
    // `get` and `peek` give the request if `r` is still the one in its slot (not finished, the
    // slot not reused). They, like `travel`, `next_up`, `count_in_trace` and `trace_words`, are
    // always inlined: they run per event, and the page builds the engine at opt-level z, which
    // inlines almost nothing on its own (ARCHITECTURE.md).
    #[inline(always)]
    fn get(&mut self, r: RequestRef) -> Option<&mut Request> {
        let i = r.slot as usize;
        let live = self.live[i];
        let request = &mut self.slots[i];
        if live && request.incarnation == r.incarnation {
            Some(request)
        } else {
            None
        }
    }
    #[inline(always)]
    fn peek(&self, r: RequestRef) -> Option<&Request> {
        let i = r.slot as usize;
        let request = &self.slots[i];
        if self.live[i] && request.incarnation == r.incarnation {
            Some(request)
        } else {
            None
        }
    }
    fn reference(&self, slot: RequestSlot) -> RequestRef {
        RequestRef { slot, incarnation: self.slots[slot as usize].incarnation }
    }
    fn remove(&mut self, r: RequestRef) {
        self.live[r.slot as usize] = false;
        self.free.push(r.slot);
    }
    fn live(&self) -> impl Iterator<Item = (RequestSlot, &Request)> {
        self.slots
            .iter()
            .zip(&self.live)
            .enumerate()
            .filter(|(_, (_, &live))| live)
            .map(|(i, (r, _))| (i as RequestSlot, r))
    }
}

/// HAProxy's server queues at the balancer, by server id: requests that persistence sends to a
/// server at its `maxconn` wait there for that server, oldest first. `waiting` counts them all, so
/// that a freed slot looks through them only while one holds a request.
#[derive(Default)]
struct ServerQueues {
    queues: Vec<VecDeque<RequestRef>>,
    waiting: usize,
}

impl ServerQueues {
    fn add_server(&mut self) {
        self.queues.push(VecDeque::new());
    }
    fn push_back(&mut self, server: u32, r: RequestRef) {
        self.queues[server as usize].push_back(r);
        self.waiting += 1;
    }
    fn push_front(&mut self, server: u32, r: RequestRef) {
        self.queues[server as usize].push_front(r);
        self.waiting += 1;
    }
    fn pop_front(&mut self, server: u32) -> Option<RequestRef> {
        let r = self.queues[server as usize].pop_front()?;
        self.waiting -= 1;
        Some(r)
    }
    /// Everything waiting for `server`, oldest first.
    fn take_all(&mut self, server: u32) -> VecDeque<RequestRef> {
        let all = std::mem::take(&mut self.queues[server as usize]);
        self.waiting -= all.len();
        all
    }
    fn take_out(&mut self, server: u32, r: RequestRef) {
        if self.queues.get_mut(server as usize).is_some_and(|queue| take_out(queue, r)) {
            self.waiting -= 1;
        }
    }
}

/// Takes `r` out of a queue at the balancer; whether it was there. Every request waits the same
/// timeout, so the first to expire is the oldest, at the front (a scan only if that ever changes:
/// a queue can hold many thousands).
fn take_out(queue: &mut VecDeque<RequestRef>, r: RequestRef) -> bool {
    if queue.front() == Some(&r) {
        queue.pop_front();
        return true;
    }
    let before = queue.len();
    queue.retain(|&q| q != r);
    queue.len() < before
}

/// A heartbeat on its way: sent at `started`, answered (or given up) at `done_at`.
#[derive(Clone, Copy, Debug)]
struct CheckInFlight {
    started: SimTime,
    done_at: SimTime,
    passed: bool,
}

/// One server and what the balancer's heartbeats know of it.
struct Machine {
    server: Server,
    health: HealthCheck,
    check: Option<CheckInFlight>,
}

pub struct Sim {
    scenario: Scenario,
    now: SimTime,
    queue: EventQueue<Event>,
    traffic_rng: Rng,
    balancer_rng: Rng,
    clients: Clients,
    balancer: Balancer,
    sessions: Sessions,
    autoscaler: Autoscaler,
    /// a closed-loop load tester (ab) in place of the open-loop clients
    tester: Option<LoadTester>,
    /// ab's view of the open-loop clients' answers, when asked for (`observe_as_ab`)
    observer: Option<AbTally>,
    /// every server ever added, by id; removed ones stay (retired) so ids stay stable
    machines: Vec<Machine>,
    /// the shared session store, in `SessionMode::Database` only
    store: Option<Server>,
    store_latency: SimTime,
    requests: RequestTable,
    /// HAProxy's backend queue: requests waiting, oldest first, for a server with a free slot
    backend_queue: VecDeque<RequestRef>,
    server_queues: ServerQueues,
    queue_timeout: SimTime,
    /// requests the client gave up on that are still in the system
    abandoned_in_system: u64,
    link_latency: SimTime,
    timeout: SimTime,
    check_interval: SimTime,
    /// timeline entries not yet applied, in time order
    timeline: VecDeque<TimelineEntry>,
    /// timeline entries that could not be applied, with the reason
    refused_commands: Vec<(SimTime, Command, CommandError)>,
    metrics: Metrics,
    trace: TraceHash,
    events_processed: u64,
    /// the Caching lesson's lab (scenario `caching`); the request path is idle beside it
    lab: Option<CacheLab>,
}

impl Sim {
    pub fn new(scenario: ValidScenario) -> Self {
        Self::build(scenario, None)
    }

    /// The scenario under ab's closed-loop load instead of its own clients: `concurrency`
    /// connections from one machine, each sending its next request when the last is answered.
    /// `-s` becomes the clients' timeout.
    pub fn benchmark(scenario: ValidScenario, options: AbOptions) -> Self {
        Self::build(scenario, Some(options))
    }

    fn build(scenario: ValidScenario, load_tester: Option<AbOptions>) -> Self {
        let mut scenario = scenario.into_inner();
        if let Some(o) = &load_tester {
            scenario.clients.timeout_ms =
                (f64::from(o.timeout_s) * 1_000.0).min(crate::validate::limits::MAX_TIMEOUT_MS);
        }
        let mut sim = Sim {
            now: SimTime::ZERO,
            queue: EventQueue::default(),
            traffic_rng: Rng::stream(scenario.seed, TRAFFIC_STREAM),
            balancer_rng: Rng::stream(scenario.seed, BALANCER_STREAM),
            clients: Clients::new(&scenario.clients),
            sessions: Sessions::new(&scenario.sessions, scenario.clients.users),
            autoscaler: Autoscaler::new(scenario.autoscaler.clone()),
            tester: None,
            observer: None,
            balancer: Balancer::new(scenario.balancer.algorithm, scenario.balancer.bounded_load_percent),
            machines: Vec::new(),
            store: (scenario.sessions.mode == SessionMode::Database).then(|| {
                let c = &scenario.sessions.store;
                Server::new(c.concurrency, 1.0, c.queue_limit, 0.0, SimTime::ZERO)
            }),
            store_latency: SimTime::from_millis_f64(scenario.sessions.store.latency_ms),
            requests: RequestTable::default(),
            backend_queue: VecDeque::new(),
            server_queues: ServerQueues::default(),
            queue_timeout: SimTime::from_millis_f64(scenario.balancer.queue_timeout_ms),
            abandoned_in_system: 0,
            link_latency: SimTime::from_millis_f64(scenario.network.link_latency_ms),
            timeout: SimTime::from_millis_f64(scenario.clients.timeout_ms),
            check_interval: SimTime::from_millis_f64(scenario.health_check.interval_ms),
            timeline: scenario.timeline.iter().cloned().collect(),
            refused_commands: Vec::new(),
            metrics: Metrics::default(),
            trace: TraceHash::default(),
            events_processed: 0,
            // A benchmark measures the pool, never the lab.
            lab: scenario.caching.as_ref().filter(|_| load_tester.is_none()).map(|c| CacheLab::new(c, scenario.seed)),
            scenario,
        };
        if let Some(caching) = &sim.scenario.caching {
            // Links written before lab failures were commands keep them in the lab's config: they
            // join the one timeline, each at its microsecond.
            let lab_entries = caching.timeline.iter().map(|e| TimelineEntry {
                at_us: SimTime::from_millis_f64(e.at_ms).0,
                command: Command::Lab { action: e.action },
            });
            sim.timeline.extend(lab_entries);
            sim.timeline.make_contiguous().sort_by_key(|e| e.at_us);
        }
        let count = sim.scenario.servers.count;
        for id in 0..count {
            sim.add_machine(id, true);
        }
        if sim.lab.is_some() {
            // The lab is the whole run: no clients, heartbeats or seconds of an idle pool nobody sees.
            sim.take_lab_agenda();
            return sim;
        }
        for id in 0..count {
            if sim.scenario.health_check.enabled {
                // HAProxy spreads the first checks over one interval instead of sending them all at once.
                let offset = SimTime(sim.check_interval.0 * u64::from(id + 1) / u64::from(count));
                sim.queue.push(offset, Event::CheckStart { server: id });
            }
        }
        match load_tester {
            Some(options) => {
                for client in 0..options.concurrency {
                    sim.queue.push(SimTime::ZERO, Event::Connect { client });
                }
                sim.sessions.set_load_tester_cookie(options.cookies().as_deref());
                sim.tester = Some(LoadTester::new(options));
            }
            None => {
                if sim.scenario.clients.profile.varies() {
                    let rate = sim.scenario.clients.profile.rate_at(0.0, sim.scenario.clients.arrival_rate);
                    sim.clients.set_arrival_rate(rate);
                }
                sim.schedule_next_arrival();
            }
        }
        sim.queue.push(SimTime::from_secs(1), Event::SecondTick);
        sim
    }

    fn add_machine(&mut self, id: u32, starts_up: bool) {
        let size = self.scenario.servers.size_of(id);
        let s = &self.scenario.servers;
        let server = Server::new(size.concurrency, size.speed, s.queue_limit, s.price_per_slot_hour, self.now);
        let checked = self.scenario.health_check.enabled;
        let health = if starts_up || !checked { HealthCheck::up() } else { HealthCheck::joining() };
        let mut server = server;
        if !starts_up {
            server.boot_until(self.now + SimTime::from_millis_f64(self.scenario.servers.boot_ms));
        }
        self.balancer.add_server(size.weight, self.max_conn(size.concurrency), health.is_up());
        self.machines.push(Machine { server, health, check: None });
        self.server_queues.add_server();
    }

    /// The scenario as it stands now, with every command applied so far recorded in its timeline.
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
    /// Requests in the system (sent and not yet back at the client, including ones the client
    /// gave up on).
    pub fn requests_in_flight(&self) -> usize {
        self.requests.live.iter().filter(|&&live| live).count()
    }
    /// Requests in the system that the client gave up on.
    pub fn abandoned_in_system(&self) -> u64 {
        self.abandoned_in_system
    }
    /// Slots the request table holds: the most requests ever in flight at once, not all ever sent.
    pub fn request_table_capacity(&self) -> usize {
        self.requests.slots.len()
    }
    /// Servers the balancer sends new requests to (configured and healthy), by id.
    pub fn active_servers(&self) -> &[u32] {
        self.balancer.rotation()
    }
    /// What the inspector shows about a user's session and cookies; None when sessions are not
    /// modelled.
    pub fn user_view(&self, user: u32) -> Option<UserView> {
        self.sessions.user_view(user)
    }

    /// The load offered to the pool now, λ·E[S] / Σ(slots × speed): the arrival rate over what
    /// the servers in the pool that have booted can serve, each as it is sized now. It follows
    /// the Servers knob, the autoscaler and the traffic profile. None when no server can serve.
    pub fn offered_load(&self) -> Option<f64> {
        let mean_s = self.scenario.servers.service.mean_ms() / 1_000.0;
        let capacity_per_s: f64 = self
            .machines
            .iter()
            .map(|m| &m.server)
            .filter(|s| s.is_accepting() && !s.is_booting(self.now))
            .map(|s| f64::from(s.concurrency()) * s.speed() / mean_s)
            .sum();
        (capacity_per_s > 0.0).then(|| self.clients.arrival_rate() / capacity_per_s)
    }

    /// Requests each server has served, by id (every server that was ever in the pool).
    pub fn served_per_server(&self) -> Vec<u64> {
        self.machines.iter().map(|m| m.server.served()).collect()
    }

    /// How evenly the servers shared the work: the busiest server's requests served over the
    /// mean of all servers that were ever in the pool (1 is perfect balance).
    pub fn busiest_over_mean(&self) -> f64 {
        let served = self.served_per_server();
        let total: u64 = served.iter().sum();
        if total == 0 {
            return 1.0;
        }
        let mean = total as f64 / served.len() as f64;
        *served.iter().max().expect("at least one server") as f64 / mean
    }

    /// Servers the pool is meant to have, by id: running or booting, healthy or not, not being
    /// removed (the balancer and the servers agree on it; RemoveServer tells both).
    pub fn pool(&self) -> Vec<u32> {
        self.pool_ids().collect()
    }
    /// How many servers `pool` holds, without listing them (asked every simulated second).
    pub fn pool_size(&self) -> u32 {
        self.pool_ids().count() as u32
    }
    fn pool_ids(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.machines.len() as u32).filter(|&id| self.balancer.is_configured(id))
    }
    /// Timeline entries that could not be applied, with why.
    pub fn refused_commands(&self) -> &[(SimTime, Command, CommandError)] {
        &self.refused_commands
    }
    /// What the servers have cost so far [$].
    pub fn cost(&self) -> f64 {
        self.machines.iter().map(|m| m.server.cost_until(self.now)).sum()
    }
    /// Server-hours so far: every server's time in the pool, added up.
    pub fn server_hours(&self) -> f64 {
        self.machines.iter().map(|m| m.server.hours_until(self.now)).sum()
    }

    /// Who sent a request, for persistence: a user, or ab (`client` is its connection).
    fn sender(user: u32, client: u32) -> Sender {
        if client == OPEN_LOOP {
            Sender::User(user)
        } else {
            Sender::LoadTester
        }
    }

    /// A client sends a request now: `client` is the load tester's connection, or `OPEN_LOOP`.
    fn send_request(&mut self, user: u32, client: u32) {
        self.metrics.on_arrival();
        let size_ms = self.scenario.servers.service.sample_ms(&mut self.traffic_rng);
        let r = self.requests.insert(Request {
            incarnation: 0,
            user,
            size_ms,
            sent_at: self.now,
            server: 0,
            stage: Stage::ToBalancer,
            stage_start: self.now,
            stage_end: self.now,
            dispatched_at: self.now,
            balancer_wait: SimTime::ZERO,
            reached_server_at: self.now,
            service_started_at: self.now,
            left_server_at: self.now,
            outcome: Outcome::Pending,
            abandoned: false,
            timeout_scheduled: false,
            tried: [0; MAX_TRIES],
            tries: 0,
            server_life: 0,
            store_op: StoreOp::Read,
            store_failed: false,
            store_trip_started: self.now,
            client,
        });
        self.metrics.counters.cookie_bytes += self.sessions.cookie_bytes(Self::sender(user, client));
        self.travel(r, Stage::ToBalancer, Event::AtBalancer(r));
    }

    fn schedule_next_arrival(&mut self) {
        if self.clients.arrival_rate() <= 0.0 {
            return; // a profile at zero: the next rate change schedules the next arrival
        }
        let at = self.now + self.clients.next_gap(&mut self.traffic_rng);
        self.queue.push(at, Event::Arrival { generation: self.clients.generation() });
    }

    /// Makes sure the client's timeout fires on time for a request that is stuck on a hung server
    /// and may never come back, or waits in the backend queue longer than the client will. (Every
    /// other late answer is caught when it reaches the client, so the heap holds no timer per
    /// request.)
    fn watch_stuck(&mut self, r: RequestRef) {
        let timeout = self.timeout;
        let Some(req) = self.requests.get(r) else { return };
        if req.timeout_scheduled || req.abandoned {
            return;
        }
        req.timeout_scheduled = true;
        let deadline = req.sent_at + timeout;
        self.queue.push(deadline.max(self.now), Event::ClientTimeout(r));
    }

    /// Sends the request along its next link, arriving after the link latency.
    #[inline(always)]
    fn travel(&mut self, r: RequestRef, stage: Stage, then: Event) {
        self.travel_for(r, stage, then, self.link_latency);
    }

    fn travel_for(&mut self, r: RequestRef, stage: Stage, then: Event, latency: SimTime) {
        let arrive = self.now + latency;
        let Some(req) = self.requests.get(r) else { return };
        req.stage = stage;
        req.stage_start = self.now;
        req.stage_end = arrive;
        if latency == SimTime::ZERO {
            // A hop that takes no time happens now, without a trip through the event queue (it
            // still counts as an event). Queueing models with no network run about twice as fast.
            let (kind, subject) = then.trace_words();
            self.count_in_trace(self.now, kind << 56 ^ subject);
            self.handle(then);
        } else {
            self.queue.push_in_order(arrive, then);
        }
    }

    /// The request has a slot on its server: with a session store it first reads the session
    /// there; otherwise the work starts now.
    fn slot_granted(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.service_started_at = self.now;
        req.server_life = self.machines[req.server as usize].server.life();
        let (user, client) = (req.user, req.client);
        if self.session_in_store(user, client) {
            self.send_to_store(r, StoreOp::Read);
        } else {
            self.start_service(r);
        }
    }

    /// Whether the request's session lives in the store (see `Sessions::session_in_store`).
    fn session_in_store(&self, user: u32, client: u32) -> bool {
        self.sessions.session_in_store(Self::sender(user, client))
    }

    fn start_service(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let service_ms = self.machines[req.server as usize].server.service_ms(req.size_ms);
        let done = self.now + SimTime::from_millis_f64(service_ms);
        req.stage = Stage::InService;
        req.stage_start = self.now;
        req.stage_end = done;
        self.queue.push(done, Event::ServiceDone(r));
    }

    /// The server sends a read or write to the session store, holding its slot meanwhile.
    fn send_to_store(&mut self, r: RequestRef, op: StoreOp) {
        let Some(req) = self.requests.get(r) else { return };
        req.store_op = op;
        req.store_failed = false;
        req.store_trip_started = self.now;
        self.travel_for(r, Stage::ToStore, Event::AtStore(r), self.store_latency);
    }

    /// The store starts working on the request's operation.
    fn start_store_op(&mut self, r: RequestRef) {
        let Some(store) = &self.store else { return };
        let done = self.now + SimTime::from_millis_f64(store.service_ms(self.scenario.sessions.store.op_ms));
        let Some(req) = self.requests.get(r) else { return };
        req.stage = Stage::AtStore;
        req.stage_start = self.now;
        req.stage_end = done;
        self.queue.push(done, Event::StoreOpDone(r));
    }

    /// The store cannot take the operation (down, or its queue is full): the server hears so.
    fn store_refused(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.store_failed = true;
        self.travel_for(r, Stage::FromStore, Event::BackFromStore(r), self.store_latency);
    }

    /// The balancer's `maxconn` for a server with this many slots (see `BalancerConfig::max_conn`).
    fn max_conn(&self, slots: u32) -> u32 {
        self.scenario.balancer.max_conn.unwrap_or(slots)
    }

    /// The balancer places the request (again, after a refusal, skipping servers already tried):
    /// on a server; in its backend queue when every server is full, or in a server's queue when
    /// persistence names a full server; or back to the client with a 503 when no server takes
    /// traffic.
    fn dispatch(&mut self, r: RequestRef) {
        match self.place(r) {
            Ok(()) => {}
            Err(unsent @ (Unsent::AllFull | Unsent::PinnedServerFull)) => {
                let Some(req) = self.requests.get(r) else { return };
                req.stage = Stage::BalancerQueue;
                req.stage_start = self.now;
                req.stage_end = self.now;
                let client_gives_up_first = req.sent_at + self.timeout < self.now + self.queue_timeout;
                if unsent == Unsent::PinnedServerFull {
                    self.wait_for_its_server(r);
                } else {
                    self.backend_queue.push_back(r);
                }
                self.queue.push(self.now + self.queue_timeout, Event::QueueTimeout(r));
                if client_gives_up_first {
                    self.watch_stuck(r);
                }
            }
            Err(Unsent::NoServer) => {
                let Some(req) = self.requests.get(r) else { return };
                req.outcome = Outcome::NoServer;
                self.travel(r, Stage::BackToClient, Event::ResponseAtClient(r));
            }
        }
    }

    /// Sends the request to the server persistence or the algorithm chooses, or says why none.
    fn place(&mut self, r: RequestRef) -> Result<(), Unsent> {
        let Some(req) = self.requests.get(r) else { return Ok(()) };
        let user = req.user;
        let key = RequestKey { user, address: Clients::address_of(user) };
        let tried = req.tried;
        let tries = req.tries as usize;
        // Persistence first (a sticky cookie or stick table), on the first try only: a retry
        // goes elsewhere, as HAProxy's redispatch does.
        let balancer = &self.balancer;
        let sender = Self::sender(user, req.client);
        let pinned =
            if tries == 0 { self.sessions.affinity(sender, self.now, |s| balancer.in_rotation(s)) } else { None };
        let server = match pinned {
            Some(server) if !self.balancer.below_max_conn(server) => {
                req.server = server;
                return Err(Unsent::PinnedServerFull);
            }
            Some(server) => {
                self.balancer.assign(server);
                server
            }
            None => self.balancer.pick(key, &mut self.balancer_rng, &tried[..tries])?,
        };
        self.sessions.placed(sender, server, self.now);
        let req = self.requests.get(r).expect("checked above");
        req.server = server;
        req.dispatched_at = self.now;
        req.outcome = Outcome::Pending;
        self.travel(r, Stage::ToServer, Event::AtServer(r));
        Ok(())
    }

    /// A slot freed, a server joined the rotation or the algorithm changed: waiting requests go
    /// out while there is room, oldest first (HAProxy hands a freed slot to the older of the
    /// server's queue and the backend queue). Requests in a server's queue wait for that server;
    /// the backend queue's take any.
    fn serve_balancer_queues(&mut self) {
        self.redispatch_queues_of_servers_out_of_rotation();
        loop {
            let pinned = self.oldest_pinned_with_room();
            let backend_first = match (pinned, self.backend_queue.front()) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some((_, since)), Some(&r)) => self.requests.peek(r).is_none_or(|q| q.stage_start < since),
            };
            if backend_first {
                // Popped before it is placed: with no link latency, placing it can answer another
                // request at once, which comes back here.
                let r = self.backend_queue.pop_front().expect("it has a first");
                if self.send_waiting(r) {
                    continue;
                }
                self.backend_queue.push_front(r);
            }
            // The backend queue's first has no server (a retry skips those tried): a pinned one
            // whose server has room goes instead.
            let Some((server, _)) = pinned else { return };
            let r = self.server_queues.pop_front(server).expect("it has a first");
            if !self.send_waiting(r) {
                self.server_queues.push_front(server, r);
                return;
            }
        }
    }

    /// A request leaves a queue at the balancer for a server, or (persistence now naming a full
    /// server) for that server's queue; false if no server takes it. The time it waited counts
    /// towards its queue wait once it goes out.
    fn send_waiting(&mut self, r: RequestRef) -> bool {
        let Some(req) = self.requests.get(r) else { return true };
        let waited = self.now - req.stage_start;
        match self.place(r) {
            Ok(()) => {
                // (Gone already only if a server turned it away at once; only answers count.)
                if let Some(req) = self.requests.get(r) {
                    req.balancer_wait += waited;
                }
                true
            }
            Err(Unsent::PinnedServerFull) => {
                self.wait_for_its_server(r);
                true
            }
            Err(Unsent::AllFull | Unsent::NoServer) => false,
        }
    }

    /// The first request of the server queue whose first came earliest, among servers in
    /// rotation with room, and since when it waits.
    fn oldest_pinned_with_room(&self) -> Option<(u32, SimTime)> {
        if self.server_queues.waiting == 0 {
            return None; // the usual case: no scan
        }
        let mut oldest: Option<(u32, SimTime)> = None;
        for (server, queue) in self.server_queues.queues.iter().enumerate() {
            let server = server as u32;
            let Some(&r) = queue.front() else { continue };
            if !self.balancer.in_rotation(server) || !self.balancer.below_max_conn(server) {
                continue;
            }
            let since = self.requests.peek(r).map_or(SimTime::ZERO, |q| q.stage_start);
            if oldest.is_none_or(|(_, t)| since < t) {
                oldest = Some((server, since));
            }
        }
        oldest
    }

    /// With `option redispatch`, requests waiting for a server that left the rotation join the
    /// backend queue (HAProxy's `pendconn_redistribute`); without it they wait there for the
    /// server until `timeout queue`.
    fn redispatch_queues_of_servers_out_of_rotation(&mut self) {
        if self.server_queues.waiting == 0 || !self.scenario.balancer.redispatch {
            return;
        }
        for server in 0..self.server_queues.queues.len() as u32 {
            if !self.balancer.in_rotation(server) {
                self.backend_queue.extend(self.server_queues.take_all(server));
            }
        }
    }

    /// The request waits in its server's queue at the balancer.
    fn wait_for_its_server(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let server = req.server;
        self.server_queues.push_back(server, r);
    }

    /// The work finished on a working server: with a session store the server saves the
    /// session there first; otherwise it answers now.
    fn complete_service(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let (user, client) = (req.user, req.client);
        if self.session_in_store(user, client) {
            self.send_to_store(r, StoreOp::Write);
        } else {
            self.answer(r);
        }
    }

    /// The server answers the request and gives its slot to the next in line.
    fn answer(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.outcome = Outcome::Answered;
        let (server, sender) = (req.server as usize, Self::sender(req.user, req.client));
        let life = self.machines[server].server.life();
        match self.sessions.served(sender, server as u32, life, self.now) {
            SessionOutcome::Lost => self.metrics.counters.sessions_lost += 1,
            SessionOutcome::CookieRejected(_) => {
                self.metrics.counters.sessions_lost += 1;
                self.metrics.counters.cookies_rejected += 1;
            }
            SessionOutcome::Found { checked_out: true } => self.metrics.counters.checkouts += 1,
            SessionOutcome::Found { checked_out: false } | SessionOutcome::NotModelled => {}
        }
        self.leave_server(r);
    }

    /// The request leaves its server (answered, or failed by the store): the slot goes to the
    /// next in line and the response heads back.
    fn leave_server(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.left_server_at = self.now;
        let server = req.server as usize;
        if let Some(next) = self.machines[server].server.release_slot(self.now) {
            let next = self.requests.reference(next);
            self.slot_granted(next);
        }
        self.travel(r, Stage::BackToBalancer, Event::ResponseAtBalancer(r));
    }

    /// Runs the next event or timeline entry. Returns false when nothing is left to run.
    pub fn step(&mut self) -> bool {
        match self.next_up() {
            None => false,
            Some((_, Next::TimelineEntry)) => {
                let entry = self.timeline.pop_front().expect("next_up saw it");
                self.now = self.now.max(SimTime(entry.at_us));
                self.count_in_trace(self.now, 11 << 32);
                if let Err(e) = self.execute(entry.command.clone()) {
                    self.refused_commands.push((self.now, entry.command, e));
                }
                true
            }
            Some((_, Next::Event)) => {
                let (at, event) = self.queue.pop().expect("next_up saw it");
                debug_assert!(at >= self.now, "time went back");
                self.now = at;
                let (kind, subject) = event.trace_words();
                self.count_in_trace(at, kind << 56 ^ subject);
                self.handle(event);
                true
            }
        }
    }

    /// What runs next, and when: a timeline entry runs before any event at its own time (see
    /// `schedule`).
    #[inline(always)]
    fn next_up(&self) -> Option<(SimTime, Next)> {
        let event = self.queue.peek_time();
        match self.timeline.front() {
            Some(entry) if event.is_none_or(|t| entry.at_us <= t.0) => {
                Some((SimTime(entry.at_us), Next::TimelineEntry))
            }
            _ => event.map(|t| (t, Next::Event)),
        }
    }

    /// Counts one step and folds it into the trace hash.
    #[inline(always)]
    fn count_in_trace(&mut self, at: SimTime, word: u64) {
        self.events_processed += 1;
        self.trace.add(at.0);
        self.trace.add(word);
    }

    /// Runs one event; each kind has its own method below.
    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { generation } => self.on_arrival(generation),
            Event::Connect { client } => self.on_connect(client),
            Event::Send { client } => self.send_request(LOAD_TESTER_USER, client),
            Event::AtBalancer(r) => self.dispatch(r),
            Event::AtServer(r) => self.on_at_server(r),
            Event::ServiceDone(r) => self.on_service_done(r),
            Event::AtStore(r) => self.on_at_store(r),
            Event::StoreOpDone(r) => self.on_store_op_done(r),
            Event::BackFromStore(r) => self.on_back_from_store(r),
            Event::QueueTimeout(r) => self.on_queue_timeout(r),
            Event::ResponseAtBalancer(r) => self.on_response_at_balancer(r),
            Event::ResponseAtClient(r) => self.on_response_at_client(r),
            Event::ClientTimeout(r) => self.on_client_timeout(r),
            Event::CheckStart { server } => self.start_check(server),
            Event::CheckDone { server, passed } => self.on_check_done(server, passed),
            Event::SecondTick => self.close_second(),
            Event::DrainDeadline { server } => self.on_drain_deadline(server),
            Event::Lab(e) => self.on_lab_event(e),
        }
    }

    /// The caching lab's event: the lab decides, and what it asks for next joins the one queue.
    #[inline(never)]
    fn on_lab_event(&mut self, event: caching::Event) {
        if let Some(lab) = self.lab.as_mut() {
            lab.handle(self.now, event);
            self.take_lab_agenda();
        }
    }

    fn take_lab_agenda(&mut self) {
        if let Some(lab) = self.lab.as_mut() {
            for (at, event) in lab.drain_agenda() {
                self.queue.push(at, Event::Lab(event));
            }
        }
    }

    /// An open-loop client sends its request, and the next arrival is drawn.
    fn on_arrival(&mut self, generation: u32) {
        if generation != self.clients.generation() {
            return; // scheduled before the rate changed
        }
        let user = self.clients.next_user(&mut self.traffic_rng);
        self.send_request(user, OPEN_LOOP);
        self.schedule_next_arrival();
    }

    /// An ab connection is free to send its next request (after a TCP handshake without `-k`).
    fn on_connect(&mut self, client: u32) {
        let Some(tester) = self.tester.as_mut() else { return };
        match tester.start_next(client, self.now) {
            None => {}
            Some(false) => self.send_request(LOAD_TESTER_USER, client),
            // TCP's handshake: one round trip to the balancer before the request goes.
            Some(true) => self.queue.push(self.now + self.link_latency + self.link_latency, Event::Send { client }),
        }
    }

    /// The request reaches its server: a slot, the queue, a stall on a hung server, or a refusal.
    fn on_at_server(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.reached_server_at = self.now;
        let server = req.server as usize;
        match self.machines[server].server.admit(r.slot, self.now) {
            Admission::Started => self.slot_granted(r),
            admission @ (Admission::Stalled | Admission::Queued) => {
                let req = self.requests.get(r).expect("checked above");
                req.stage = if admission == Admission::Stalled { Stage::Stalled } else { Stage::Queued };
                req.stage_start = self.now;
                if self.machines[server].server.fault() == Fault::Hung {
                    self.watch_stuck(r);
                }
            }
            Admission::QueueFull => {
                self.requests.get(r).expect("checked above").outcome = Outcome::QueueFull;
                self.travel(r, Stage::BackToBalancer, Event::ResponseAtBalancer(r));
            }
            Admission::ConnectionRefused => {
                self.requests.get(r).expect("checked above").outcome = Outcome::ConnectionRefused;
                self.travel(r, Stage::BackToBalancer, Event::ResponseAtBalancer(r));
            }
        }
    }

    /// The server finished the work (a hung server holds it instead).
    fn on_service_done(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        if req.stage != Stage::InService {
            return; // the server crashed while serving it
        }
        let server = req.server as usize;
        if self.machines[server].server.service_ended(r.slot) {
            self.complete_service(r);
        } else {
            let req = self.requests.get(r).expect("checked above");
            req.stage = Stage::Stalled;
            req.stage_start = self.now;
            self.watch_stuck(r);
        }
    }

    /// A session read or write reaches the store.
    fn on_at_store(&mut self, r: RequestRef) {
        let Some(store) = self.store.as_mut() else { return };
        match store.admit(r.slot, self.now) {
            Admission::Started => self.start_store_op(r),
            Admission::Queued | Admission::Stalled => {
                let Some(req) = self.requests.get(r) else { return };
                req.stage = Stage::AtStore;
                req.stage_start = self.now;
            }
            Admission::QueueFull | Admission::ConnectionRefused => self.store_refused(r),
        }
    }

    /// The store finished an operation: the next one waiting starts, and the answer goes back.
    fn on_store_op_done(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        if req.stage != Stage::AtStore {
            return; // the store crashed while working on it
        }
        let Some(store) = self.store.as_mut() else { return };
        store.service_ended(r.slot);
        let next = store.release_slot(self.now);
        self.metrics.counters.store_ops += 1;
        if let Some(next) = next {
            let next = self.requests.reference(next);
            self.start_store_op(next);
        }
        self.travel_for(r, Stage::FromStore, Event::BackFromStore(r), self.store_latency);
    }

    /// The store's answer is back at the server: work, answer, or a 500 if the store failed.
    fn on_back_from_store(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let server = req.server as usize;
        let (op, failed) = (req.store_op, req.store_failed);
        self.metrics.counters.store_time_us += (self.now - req.store_trip_started).0;
        if self.machines[server].server.life() != req.server_life {
            // The server crashed while it waited for the store.
            req.outcome = Outcome::ConnectionReset;
            self.travel(r, Stage::BackToBalancer, Event::ResponseAtBalancer(r));
        } else if failed {
            req.outcome = Outcome::StoreUnavailable;
            self.metrics.counters.store_errors += 1;
            self.leave_server(r);
        } else {
            match op {
                StoreOp::Read => self.start_service(r),
                StoreOp::Write => self.answer(r),
            }
        }
    }

    /// HAProxy's `timeout queue`: a request still in the backend queue, or in a server's queue,
    /// gets the balancer's 503.
    fn on_queue_timeout(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        // Placed in time, or back in the queue later (a retry) with a deadline of its own.
        if req.stage != Stage::BalancerQueue || self.now < req.stage_start + self.queue_timeout {
            return;
        }
        req.outcome = Outcome::QueueTimeout;
        req.balancer_wait += self.now - req.stage_start;
        let server = req.server;
        if !take_out(&mut self.backend_queue, r) {
            self.server_queues.take_out(server, r);
        }
        self.travel(r, Stage::BackToClient, Event::ResponseAtClient(r));
    }

    /// A response passes the balancer: a slot frees, and a refused request may be redispatched.
    fn on_response_at_balancer(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let (server, outcome) = (req.server, req.outcome);
        let response_time = (outcome == Outcome::Answered).then(|| self.now - req.dispatched_at);
        self.balancer.on_response(server, response_time, self.now);
        self.serve_balancer_queues();
        let Some(req) = self.requests.get(r) else { return };
        let retry = outcome == Outcome::ConnectionRefused
            && self.scenario.balancer.redispatch
            && (req.tries as usize) < MAX_TRIES - 1
            && !req.abandoned;
        if retry {
            req.tried[req.tries as usize] = server;
            req.tries += 1;
            self.metrics.counters.retried += 1;
            self.dispatch(r);
        } else {
            self.travel(r, Stage::BackToClient, Event::ResponseAtClient(r));
        }
    }

    /// The response reaches the client: counted by its outcome, unless the client gave up first.
    fn on_response_at_client(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let req = *req;
        if req.abandoned {
            self.abandoned_in_system -= 1;
        } else if self.now > req.sent_at + self.timeout {
            // The answer came after the client had given up.
            self.metrics.on_timed_out();
        } else {
            match req.outcome {
                Outcome::Answered => {
                    self.metrics.on_completed(
                        self.now - req.sent_at,
                        req.balancer_wait + (req.service_started_at - req.reached_server_at),
                        req.left_server_at - req.reached_server_at,
                    );
                    self.autoscaler.record_latency(self.now - req.sent_at);
                }
                Outcome::QueueFull | Outcome::QueueTimeout => self.metrics.on_rejected(),
                Outcome::ConnectionRefused
                | Outcome::ConnectionReset
                | Outcome::NoServer
                | Outcome::StoreUnavailable
                | Outcome::Pending => self.metrics.on_failed(),
            }
        }
        self.requests.remove(r);
        if req.client != OPEN_LOOP {
            self.load_tester_answered(req);
        } else if let Some(tally) = self.observer.as_mut() {
            if req.outcome == Outcome::Answered && !req.abandoned {
                tally.record(Response::Ok, 0, false, req.sent_at, req.sent_at, self.now);
            }
        }
    }

    /// A stuck request passes its client timeout: the client gives up on it.
    fn on_client_timeout(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        if req.client != OPEN_LOOP {
            let now = self.now;
            if let Some(t) = self.tester.as_mut() {
                t.timed_out(now);
            }
        }
        if !req.abandoned {
            req.abandoned = true;
            self.abandoned_in_system += 1;
            self.metrics.on_timed_out();
        }
    }

    /// A heartbeat's result: after `rise` passes or `fall` failures the server joins or leaves the
    /// rotation.
    fn on_check_done(&mut self, server: u32, passed: bool) {
        let (rise, fall) = (self.scenario.health_check.rise, self.scenario.health_check.fall);
        let m = &mut self.machines[server as usize];
        m.check = None;
        if m.server.is_retired() {
            return;
        }
        if let Some(up) = m.health.record(passed, rise, fall) {
            let accepting = m.server.is_accepting();
            self.balancer.set_in_rotation(server, up && accepting);
            self.serve_balancer_queues();
        }
    }

    /// A removed server that has not drained by the deadline is stopped.
    fn on_drain_deadline(&mut self, server: u32) {
        if !self.machines[server as usize].server.is_retired() {
            self.crash_machine(server);
        }
    }

    /// A simulated second ends: sample each server's utilisation, close the second's metrics,
    /// let the autoscaler decide and the traffic profile move on. Kept out of `handle` (it runs
    /// once a second, not per request): a smaller `handle` compiles to faster WebAssembly.
    #[inline(never)]
    fn close_second(&mut self) {
        let period = SimTime::from_secs(1);
        let (mut total, mut counted, mut ready_total, mut ready) = (0.0, 0, 0.0, 0);
        for (id, m) in self.machines.iter_mut().enumerate().filter(|(_, m)| !m.server.is_retired()) {
            let utilisation = m.server.sample_utilisation(self.now);
            total += utilisation;
            counted += 1;
            if self.balancer.in_rotation(id as u32) {
                ready_total += utilisation;
                ready += 1;
            }
        }
        if let Some(store) = self.store.as_mut() {
            store.sample_utilisation(self.now);
        }
        let pool = PoolSample {
            utilisation: total / f64::from(counted.max(1)),
            servers: counted,
            ready_servers: ready,
            cost_dollars: self.cost(),
        };
        self.metrics.close_second(self.now, pool);
        let closed = *self.metrics.series().back().expect("just closed");
        let measure =
            SecondMeasure { utilisation: ready_total / f64::from(ready.max(1)), arrived: closed.arrived, ready };
        self.autoscaler.close_second(measure, closed.p95_ms);
        let state = PoolState { current: self.pool_size(), ready };
        if let Some(target) = self.autoscaler.decide(closed.second, self.now, state) {
            self.scale_to(target);
        }
        self.follow_profile();
        self.queue.push(self.now + period, Event::SecondTick);
    }

    /// A heartbeat: answered after a round trip by a working (or slow) server, refused after a
    /// round trip by a crashed one, unanswered by a hung one (which fails at the timeout, which
    /// is the interval, as HAProxy does without `timeout check`).
    fn start_check(&mut self, server: u32) {
        let interval = self.check_interval;
        let round_trip = self.link_latency + self.link_latency;
        let m = &mut self.machines[server as usize];
        if m.server.is_retired() {
            return;
        }
        let (passed, after) = match m.server.fault() {
            _ if round_trip >= interval => (false, interval),
            _ if m.server.is_booting(self.now) => (false, round_trip),
            Fault::Crashed => (false, round_trip),
            Fault::Hung => (false, interval),
            Fault::None | Fault::Slow(_) => (true, round_trip),
        };
        m.check = Some(CheckInFlight { started: self.now, done_at: self.now + after, passed });
        self.queue.push(self.now + after, Event::CheckDone { server, passed });
        self.queue.push(self.now + interval, Event::CheckStart { server });
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
        while let Some((next, _)) = self.next_up() {
            if next > until {
                break;
            }
            if budget == 0 {
                return false;
            }
            budget -= 1;
            self.step();
        }
        self.now = self.now.max(until);
        if let Some(lab) = self.lab.as_mut() {
            lab.advance_to(self.now);
        }
        true
    }

    /// The Caching lesson's lab, when the scenario has one.
    pub fn lab(&self) -> Option<&CacheLab> {
        self.lab.as_ref()
    }

    /// Applies a change now, while the run goes on, and records it in the scenario's timeline so
    /// that a link replays it. It takes effect 1 µs from now, before anything else at that
    /// moment, which is exactly where a replay puts it too.
    pub fn schedule(&mut self, command: Command) -> Result<(), CommandError> {
        command.check_arguments().map_err(CommandError::OutOfRange)?;
        self.check_target(&command)?;
        if self.scenario.timeline.len() >= limits::MAX_TIMELINE {
            return Err(CommandError::OutOfRange(format!(
                "a run can record at most {} changes; restart it to record more",
                limits::MAX_TIMELINE
            )));
        }
        // Both lists stay in time order (a scenario's own timeline may hold later entries), and
        // the new entry goes after any already set for the same moment, where a replay puts it.
        let entry = TimelineEntry { at_us: self.now.0 + 1, command };
        let recorded = self.scenario.timeline.partition_point(|e| e.at_us <= entry.at_us);
        self.scenario.timeline.insert(recorded, entry.clone());
        let pending = self.timeline.partition_point(|e| e.at_us <= entry.at_us);
        self.timeline.insert(pending, entry);
        Ok(())
    }

    /// Whether the command's server can take it at this moment.
    fn check_target(&self, command: &Command) -> Result<(), CommandError> {
        let exists = |server: u32| {
            self.machines.get(server as usize).is_some_and(|m| !m.server.is_retired() && m.server.is_accepting())
        };
        match *command {
            Command::AddServer => {
                if self.pool_size() >= limits::MAX_SERVERS {
                    return Err(CommandError::TooManyServers);
                }
            }
            Command::RemoveServer { server }
            | Command::Resize { server, .. }
            | Command::Crash { server }
            | Command::Hang { server }
            | Command::Slow { server, .. }
            | Command::Recover { server } => {
                if !exists(server) {
                    return Err(CommandError::NoSuchServer(server));
                }
            }
            Command::CrashStore | Command::RecoverStore => {
                if self.store.is_none() {
                    return Err(CommandError::NotInThisScenario(
                        "this run has no session store: choose \"Session store (database)\" in Sessions",
                    ));
                }
            }
            Command::SetSessionCookie { user, .. } => {
                if self.sessions.mode() != SessionMode::SignedCookie {
                    return Err(CommandError::NotInThisScenario(
                        "only a signed-cookie session can be edited: choose \"Signed cookie (Flask)\" in Sessions",
                    ));
                }
                if user >= self.scenario.clients.users {
                    return Err(CommandError::OutOfRange(format!(
                        "user {} is not in this run, which has {} users",
                        user + 1,
                        self.scenario.clients.users
                    )));
                }
            }
            Command::Lab { .. } => {
                if self.lab.is_none() {
                    return Err(CommandError::NotInThisScenario(
                        "this run has no caching lab: load a preset of the Caching lesson",
                    ));
                }
            }
            Command::SetPoolSize { .. } | Command::SetArrivalRate { .. } | Command::SetAlgorithm { .. } => {}
        }
        Ok(())
    }

    /// Carries out a command at the present moment.
    fn execute(&mut self, command: Command) -> Result<(), CommandError> {
        command.check_arguments().map_err(CommandError::OutOfRange)?;
        self.check_target(&command)?;
        match command {
            Command::AddServer => {
                let id = self.machines.len() as u32;
                self.add_machine(id, false);
                if self.scenario.health_check.enabled {
                    self.queue.push(self.now, Event::CheckStart { server: id });
                }
            }
            Command::RemoveServer { server } => {
                self.balancer.remove_server(server);
                self.machines[server as usize].server.stop_accepting(self.now);
                if !self.machines[server as usize].server.is_retired() {
                    let deadline = self.now + SimTime::from_millis_f64(self.scenario.servers.drain_timeout_ms);
                    self.queue.push(deadline, Event::DrainDeadline { server });
                }
            }
            Command::SetPoolSize { servers } => self.scale_to(servers),
            Command::SetArrivalRate { per_second } => {
                self.clients.set_arrival_rate(per_second);
                self.schedule_next_arrival();
            }
            Command::SetAlgorithm { algorithm } => self.balancer.set_algorithm(algorithm),
            Command::Resize { server, concurrency, speed, weight } => {
                self.balancer.set_size(server, weight, self.max_conn(concurrency));
                let started = self.machines[server as usize].server.resize(concurrency, speed, self.now);
                for slot in started {
                    let r = self.requests.reference(slot);
                    self.slot_granted(r);
                }
            }
            Command::Crash { server } => self.crash_machine(server),
            Command::Hang { server } => {
                self.machines[server as usize].server.hang();
                // Requests waiting there will not move again until it recovers.
                let waiting: Vec<RequestRef> = self
                    .requests
                    .live()
                    .filter(|(_, r)| r.server == server && r.stage == Stage::Queued)
                    .map(|(slot, r)| RequestRef { slot, incarnation: r.incarnation })
                    .collect();
                for r in waiting {
                    self.watch_stuck(r);
                }
            }
            Command::Slow { server, factor } => self.machines[server as usize].server.slow_down(factor),
            Command::CrashStore => {
                let at_store: Vec<RequestRef> = self
                    .requests
                    .live()
                    .filter(|(_, r)| r.stage == Stage::AtStore)
                    .map(|(slot, r)| RequestRef { slot, incarnation: r.incarnation })
                    .collect();
                if let Some(store) = self.store.as_mut() {
                    store.crash(self.now);
                }
                for r in at_store {
                    self.store_refused(r);
                }
            }
            Command::RecoverStore => {
                if let Some(store) = self.store.as_mut() {
                    store.recover();
                }
            }
            Command::SetSessionCookie { user, cookie } => {
                self.sessions.edit_cookie(user, cookie);
            }
            Command::Lab { action } => {
                if let Some(lab) = self.lab.as_mut() {
                    lab.advance_to(self.now);
                    lab.apply(action);
                }
            }
            Command::Recover { server } => {
                let stalled = self.machines[server as usize].server.recover();
                for slot in stalled {
                    let r = self.requests.reference(slot);
                    if self.machines[server as usize].server.service_ended(slot) {
                        self.complete_service(r);
                    }
                }
            }
        }
        // A server added or resized, or another algorithm, may take what the backend queue holds.
        self.serve_balancer_queues();
        Ok(())
    }

    /// The load tester's request came back: what ab makes of it, and the connection's next one.
    fn load_tester_answered(&mut self, req: Request) {
        let late = self.now > req.sent_at + self.timeout;
        let Some(tester) = self.tester.as_mut() else { return };
        if late || req.abandoned {
            tester.timed_out(self.now);
            return;
        }
        // What the balancer sends back: its own 503 when no server took the request (HAProxy
        // after its retries), 502 when the server died holding it; the app's 500 when its
        // session store failed.
        let response = match req.outcome {
            Outcome::Answered => Response::Ok,
            Outcome::QueueFull
            | Outcome::QueueTimeout
            | Outcome::ConnectionRefused
            | Outcome::NoServer
            | Outcome::Pending => Response::ServiceUnavailable,
            Outcome::ConnectionReset => Response::BadGateway,
            Outcome::StoreUnavailable => Response::InternalServerError,
        };
        // Only a response that came from a server passed through persistence and the app.
        let added = match response {
            Response::Ok | Response::InternalServerError => self.sessions.load_tester_response_header_bytes(req.server),
            Response::ServiceUnavailable | Response::BadGateway => 0,
        };
        tester.answered(req.client, response, added, req.sent_at, self.now);
        self.queue.push(self.now, Event::Connect { client: req.client });
    }

    /// From now on, answers to the scenario's own clients are also tallied as ab would (no
    /// connect time): ab's percentile table over an open-loop run, for checking it against
    /// queueing theory.
    pub fn observe_as_ab(&mut self) {
        self.observer = Some(AbTally::default());
    }
    pub fn observed_report(&self) -> Option<AbReport> {
        self.observer.as_ref().map(|t| AbReport::from_tally(t, &AbOptions::default(), SimTime::ZERO))
    }

    /// Memory the engine holds per pending event and per request in flight [bytes], for
    /// `make bench`.
    pub const BYTES_PER_PENDING_EVENT: usize = EventQueue::<Event>::BYTES_PER_ENTRY;
    pub const BYTES_PER_REQUEST_IN_FLIGHT: usize =
        std::mem::size_of::<Request>() + std::mem::size_of::<bool>() + std::mem::size_of::<RequestSlot>();

    /// The load tester (`Sim::benchmark`), if this run has one.
    pub fn load_tester(&self) -> Option<&LoadTester> {
        self.tester.as_ref()
    }

    /// Runs a benchmark on until it finishes, at most `max_events` events at a time (so that a
    /// browser frame stays short). Returns true once it has finished.
    pub fn run_benchmark_within(&mut self, max_events: u64) -> bool {
        let mut budget = max_events;
        loop {
            let Some(tester) = &self.tester else { return true };
            // Done, or the next thing to happen is past the time limit.
            if tester.finished(self.now) || self.next_up().is_none_or(|(next, _)| tester.finished(next)) {
                return true;
            }
            if budget == 0 {
                return false;
            }
            budget -= 1;
            self.step();
        }
    }

    /// The process dies: the requests it holds fail (connection reset), new connections are
    /// refused. (Requests waiting on the session store find out when the store answers.)
    fn crash_machine(&mut self, server: u32) {
        let lost: Vec<RequestRef> = self
            .requests
            .live()
            .filter(|(_, r)| r.server == server && matches!(r.stage, Stage::Queued | Stage::InService | Stage::Stalled))
            .map(|(slot, r)| RequestRef { slot, incarnation: r.incarnation })
            .collect();
        self.machines[server as usize].server.crash(self.now);
        for r in lost {
            self.requests.get(r).expect("live").outcome = Outcome::ConnectionReset;
            self.travel(r, Stage::BackToBalancer, Event::ResponseAtBalancer(r));
        }
    }

    /// The autoscaler's decision (and the Servers knob's): boot servers, or drain some, the ones
    /// not taking traffic first and then the newest (as a Kubernetes ReplicaSet picks pods to delete).
    fn scale_to(&mut self, target: u32) {
        let mut configured = self.pool();
        let now_count = configured.len() as u32;
        if target > now_count {
            for _ in now_count..target {
                if self.execute(Command::AddServer).is_err() {
                    break; // at the limit of servers a run may have
                }
            }
        } else {
            let balancer = &self.balancer;
            configured.sort_by_key(|&id| (balancer.in_rotation(id), std::cmp::Reverse(id)));
            for &server in configured.iter().take((now_count - target) as usize) {
                let _ = self.execute(Command::RemoveServer { server });
            }
        }
    }

    /// A varying traffic profile sets the arrival rate for the second that starts now.
    fn follow_profile(&mut self) {
        let profile = &self.scenario.clients.profile;
        if !profile.varies() {
            return;
        }
        let rate = profile.rate_at(self.now.as_secs_f64(), self.scenario.clients.arrival_rate);
        if rate != self.clients.arrival_rate() {
            self.clients.set_arrival_rate(rate);
            self.schedule_next_arrival();
        }
    }

    /// The autoscaler's settings, decisions and SLO count.
    pub fn autoscaler(&self) -> &Autoscaler {
        &self.autoscaler
    }

    /// Applies a command at once, without recording it (tests and tools; the UI uses `schedule`).
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        self.execute(command)
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
            cost_dollars: self.cost(),
        }
    }

    /// The view the UI draws, with at most `max_requests` of the requests on links.
    pub fn snapshot(&self, max_requests: usize) -> Snapshot {
        let mut nodes = vec![
            NodeView { kind: NodeKind::Clients, label: "Clients".into(), gauges: Gauges::default() },
            NodeView { kind: NodeKind::Balancer, label: "Load balancer".into(), gauges: Gauges::default() },
        ];
        nodes[0].gauges.served = self.metrics.counters.completed;
        nodes[1].gauges.outstanding = self.requests_in_flight() as u32;
        nodes[1].gauges.queue_len = (self.backend_queue.len() + self.server_queues.waiting) as u32;
        let mut links = vec![LinkView { from: 0, to: 1 }];
        // The link (index into `links`) of each server still shown. A removed server stays on
        // the diagram until its last response is back at the balancer.
        let mut link_of_server = vec![None; self.machines.len()];
        let mut heartbeats = Vec::new();
        let half = self.link_latency;
        for (id, m) in self.machines.iter().enumerate() {
            let s = &m.server;
            if s.is_retired() && self.balancer.outstanding(id as u32) == 0 {
                continue;
            }
            let link = links.len();
            link_of_server[id] = Some(link);
            links.push(LinkView { from: 1, to: nodes.len() });
            nodes.push(NodeView {
                kind: NodeKind::Server { id: id as u32 },
                label: format!("Server {}", id + 1),
                gauges: Gauges {
                    busy_slots: s.busy(),
                    slots: s.concurrency(),
                    queue_len: s.queue_len(),
                    queue_limit: s.queue_limit(),
                    utilisation: s.recent_utilisation(),
                    outstanding: self.balancer.outstanding(id as u32),
                    accepting: s.is_accepting(),
                    served: s.served(),
                    health: m.health.state(),
                    in_rotation: self.balancer.in_rotation(id as u32),
                    fault: s.fault(),
                    speed: s.speed(),
                    weight: self.balancer.weight(id as u32),
                    price_per_hour: s.price_per_hour(),
                    booting: s.is_booting(self.now),
                },
            });
            if let Some(check) = m.check {
                let elapsed = self.now - check.started;
                let along = |t: SimTime| t.0 as f64 / half.0.max(1) as f64;
                if elapsed < half {
                    heartbeats.push(HeartbeatView {
                        link,
                        position: along(elapsed),
                        returning: false,
                        passed: check.passed,
                    });
                } else if check.done_at - check.started == half + half && elapsed < half + half {
                    heartbeats.push(HeartbeatView {
                        link,
                        position: 1.0 - along(elapsed - half),
                        returning: true,
                        passed: check.passed,
                    });
                }
            }
        }
        // The session store, linked to every server shown.
        let mut store_link_of_server = vec![None; self.machines.len()];
        if let Some(store) = &self.store {
            let store_node = nodes.len();
            nodes.push(NodeView {
                kind: NodeKind::SessionStore,
                label: "Session store".into(),
                gauges: Gauges {
                    busy_slots: store.busy(),
                    slots: store.concurrency(),
                    queue_len: store.queue_len(),
                    queue_limit: store.queue_limit(),
                    utilisation: store.recent_utilisation(),
                    served: store.served(),
                    fault: store.fault(),
                    ..Gauges::default()
                },
            });
            for (id, server_link) in link_of_server.iter().enumerate() {
                if let Some(server_link) = server_link {
                    store_link_of_server[id] = Some(links.len());
                    links.push(LinkView { from: links[*server_link].to, to: store_node });
                }
            }
        }
        let mut requests = Vec::new();
        let mut requests_on_links = 0;
        for (_, r) in self.requests.live() {
            let (link, forward, status) = match r.stage {
                Stage::ToBalancer => (Some(0), true, RequestStatus::Outbound),
                Stage::ToServer => (link_of_server[r.server as usize], true, RequestStatus::Outbound),
                Stage::BackToBalancer => (link_of_server[r.server as usize], false, response_status(r.outcome)),
                Stage::BackToClient => (Some(0), false, response_status(r.outcome)),
                Stage::ToStore => (store_link_of_server[r.server as usize], true, RequestStatus::Outbound),
                Stage::FromStore => (
                    store_link_of_server[r.server as usize],
                    false,
                    if r.store_failed { RequestStatus::Failed } else { RequestStatus::Outbound },
                ),
                Stage::BalancerQueue | Stage::Queued | Stage::InService | Stage::Stalled | Stage::AtStore => continue,
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
                user: r.user,
                link,
                position: if forward { along } else { 1.0 - along },
                status: if r.abandoned { RequestStatus::Abandoned } else { status },
            });
        }
        Snapshot {
            now: self.now,
            nodes,
            links,
            requests,
            requests_on_links,
            heartbeats,
            counters: self.metrics.counters,
            cost_dollars: self.cost(),
            server_hours: self.server_hours(),
            busiest_over_mean: self.busiest_over_mean(),
            offered_load: self.offered_load(),
            session_mode: self.sessions.mode(),
        }
    }
}

fn response_status(outcome: Outcome) -> RequestStatus {
    match outcome {
        Outcome::Answered => RequestStatus::Answered,
        Outcome::QueueFull | Outcome::QueueTimeout => RequestStatus::Refused,
        Outcome::ConnectionRefused
        | Outcome::ConnectionReset
        | Outcome::NoServer
        | Outcome::StoreUnavailable
        | Outcome::Pending => RequestStatus::Failed,
    }
}
