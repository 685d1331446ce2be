//! The simulation loop: one world that owns every component, the one event queue, the timeline,
//! the random streams, the trace hash and the metrics. `step` runs one event or timeline entry;
//! `run_until` runs every one up to a time. Each concern's events are handled in a file of its
//! own; this one owns the loop and what it dispatches.

/// The balancer's placing, its backend queue and server queues (HAProxy).
mod balancer_queues;
/// Changes while running: scheduling, checking and carrying out commands.
mod commands;
/// The web tier's queries: to the database (through its router), shard by shard, and back.
mod database;
/// The request path's hops: clients → balancer → server → balancer → clients.
mod hops;
/// ab's closed loop.
mod load_tester;
/// Multi-primary replication: writes sent between primaries, and Galera's certification.
mod multi_primary;
/// The pool: machines joining and leaving, heartbeats, each second's samples and scaling.
mod pool;
/// Single-primary replication: the log shipped to the replicas and applied there.
mod replication;
/// A request as the engine carries it, and the table of requests in flight.
mod request;
/// The trips to the session store.
mod store;
/// The snapshot the UI draws.
mod view;

use crate::ab::{AbOptions, AbTally, LoadTester};
use crate::caching::{self, CacheLab};
use crate::command::{Command, CommandError};
use crate::components::autoscaler::Autoscaler;
use crate::components::balancer::Balancer;
use crate::components::clients::Clients;
use crate::components::data_tier::DataTier;
use crate::components::server::RequestSlot;
use crate::components::session_store::SessionStore;
use crate::components::sessions::{Sessions, UserView};
use crate::data::replication::Milestone;
use crate::event_queue::EventQueue;
use crate::metrics::{LatencySummary, Metrics, Summary};
use crate::rng::Rng;
use crate::scenario::{Scenario, SessionMode, TimelineEntry, ValidScenario};
use crate::time::SimTime;
use crate::trace::TraceHash;
use crate::validate::limits;
use balancer_queues::ServerQueues;
use pool::Machine;
use request::{Request, RequestRef, RequestTable, LOAD_TESTER_USER};
use std::collections::VecDeque;

/// Random streams, one per part of the model that draws (see `Rng::stream`).
const TRAFFIC_STREAM: u64 = 1;

const BALANCER_STREAM: u64 = 2;

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
    /// a web server's query reaches the database (or its router)
    AtDatabase(RequestRef),
    /// a query's share (its job number) reaches its database server
    JobAtServer(RequestRef, u16),
    /// the database server finished that share
    JobDone(RequestRef, u16),
    /// the share's answer is back at the router
    JobBack(RequestRef, u16),
    /// the query's answer is back at the web server
    BackFromDatabase(RequestRef),
    /// a database server finished copying its share of a reshard's rows
    CopyDone {
        server: u32,
    },
    /// a log entry of the primary reaches a replica
    LogArrives {
        replica: u16,
        /// the primary's crash count when it was sent: an entry still on its way when the
        /// primary crashes is lost with it
        crash: u16,
        /// the replica's link cuts when it was sent: one cut since loses it too
        link: u32,
    },
    /// a healed link has carried a replica what it missed while cut
    LinkHealed {
        replica: u32,
        link: u32,
    },
    /// a replica finished applying a log entry
    LogApplied {
        replica: u32,
    },
    /// a read waiting for its user's write on a replica gives up waiting
    WaitTimeout(RequestRef),
    /// a replica's acknowledgement (of writing, flushing or applying the log up to a position)
    /// reaches the primary
    Ack {
        replica: u16,
        milestone: u8,
        position: u32,
    },
    /// a semi-synchronous commit has waited its timeout for acknowledgements
    CommitTimeout(RequestRef),
    /// heartbeats have missed a group's primary enough times (`crash` counts its crashes, so
    /// that a check for an earlier one does nothing)
    PrimaryDeclaredDown {
        crash: u32,
        group: u16,
    },
    /// the replica being promoted has applied what it had, and becomes the primary
    PromotionDone {
        replica: u32,
    },
    /// a primary's write reaches another primary (multi-primary)
    WriteArrives {
        primary: u16,
        write: u32,
    },
    /// a write's certification is back at its primary (Galera), its share number
    Certified(RequestRef, u16),
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
            Event::AtDatabase(x) => (19, r(x)),
            Event::JobAtServer(x, job) => (20, r(x) ^ u64::from(job) << 48),
            Event::JobDone(x, job) => (21, r(x) ^ u64::from(job) << 48),
            Event::JobBack(x, job) => (22, r(x) ^ u64::from(job) << 48),
            Event::BackFromDatabase(x) => (23, r(x)),
            Event::CopyDone { server } => (24, u64::from(server)),
            Event::LogArrives { replica, crash, link } => {
                (25, u64::from(replica) | u64::from(crash) << 16 | u64::from(link) << 32)
            }
            Event::LinkHealed { replica, link } => (32, u64::from(replica) | u64::from(link) << 32),
            Event::LogApplied { replica } => (26, u64::from(replica)),
            Event::WaitTimeout(x) => (27, r(x)),
            Event::Ack { replica, milestone, position } => {
                (28, u64::from(replica) | u64::from(milestone) << 16 | u64::from(position) << 32)
            }
            Event::CommitTimeout(x) => (29, r(x)),
            Event::PrimaryDeclaredDown { crash, group } => (30, u64::from(crash) | u64::from(group) << 32),
            Event::PromotionDone { replica } => (31, u64::from(replica)),
            Event::WriteArrives { primary, write } => (33, u64::from(primary) | u64::from(write) << 16),
            Event::Certified(x, job) => (34, r(x) ^ u64::from(job) << 48),
        }
    }
}

/// The two kinds of thing `step` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Event,
    TimelineEntry,
}

#[derive(Clone)]
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
    store: Option<SessionStore>,
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
    /// the database, its console and, when the web tier queries it, its servers
    data: Option<DataTier>,
    /// why the scenario's database could not be built, when it could not
    data_problem: Option<String>,
    /// each request's trip to the database, by request slot
    db_trips: Vec<database::Trip>,
    /// reads waiting on a replica for their user's last write (the wait fix)
    db_waiting: Vec<replication::Waiting>,
    /// writes whose commit waits for replicas' acknowledgements before it returns
    db_commits: Vec<replication::CommitWait>,
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
            scenario.clients.timeout_ms = (f64::from(o.timeout_s) * 1_000.0).min(limits::MAX_TIMEOUT_MS);
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
            store: (scenario.sessions.mode == SessionMode::Database)
                .then(|| SessionStore::new(&scenario.sessions.store)),
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
            data: None,
            data_problem: None,
            db_trips: Vec::new(),
            db_waiting: Vec::new(),
            db_commits: Vec::new(),
            scenario,
        };
        // The layout was checked when the scenario was validated; a database that still cannot
        // be built leaves the data tier out and says why in its place.
        if let Some(config) = &sim.scenario.data {
            match DataTier::new(config, sim.scenario.seed) {
                Ok(data) => sim.data = Some(data),
                Err(problem) => sim.data_problem = Some(problem),
            }
        }
        sim.merge_the_labs_own_timeline();
        for id in 0..sim.scenario.servers.count {
            sim.add_machine(id, true);
        }
        if sim.lab.is_some() {
            // The lab is the whole run: no clients, heartbeats or seconds of an idle pool nobody sees.
            sim.take_lab_agenda();
        } else {
            sim.start_the_request_path(load_tester);
        }
        sim
    }

    /// Links written before lab failures were commands keep them in the lab's config: they join
    /// the one timeline, each at its microsecond.
    fn merge_the_labs_own_timeline(&mut self) {
        let Some(caching) = &self.scenario.caching else { return };
        // Both lists are in time order (validation sees to it): merge them, an engine entry
        // first at an equal moment.
        let as_entry = |lab: &crate::caching::LabEvent| TimelineEntry {
            recorded: false,
            at_us: SimTime::from_millis_f64(lab.at_ms).0,
            command: Command::Lab { action: lab.action },
        };
        let mut merged = VecDeque::with_capacity(self.timeline.len() + caching.timeline.len());
        let mut lab_entries = caching.timeline.iter().map(as_entry).peekable();
        for entry in self.timeline.drain(..) {
            while let Some(lab) = lab_entries.next_if(|lab| lab.at_us < entry.at_us) {
                merged.push_back(lab);
            }
            merged.push_back(entry);
        }
        merged.extend(lab_entries);
        self.timeline = merged;
    }

    /// The first heartbeats, the first arrival (or ab's connections) and the first second's end.
    fn start_the_request_path(&mut self, load_tester: Option<AbOptions>) {
        let count = self.scenario.servers.count;
        if self.scenario.health_check.enabled {
            for id in 0..count {
                // HAProxy spreads the first checks over one interval instead of sending them all at once.
                let offset = SimTime(self.check_interval.0 * u64::from(id + 1) / u64::from(count));
                self.queue.push(offset, Event::CheckStart { server: id });
            }
        }
        match load_tester {
            Some(options) => {
                for client in 0..options.concurrency {
                    self.queue.push(SimTime::ZERO, Event::Connect { client });
                }
                self.sessions.set_load_tester_cookie(options.cookies().as_deref());
                self.tester = Some(LoadTester::new(options));
            }
            None => {
                if self.scenario.clients.profile.varies() {
                    let rate = self.scenario.clients.profile.rate_at(0.0, self.scenario.clients.arrival_rate);
                    self.clients.set_arrival_rate(rate);
                }
                self.schedule_next_arrival();
            }
        }
        self.queue.push(SimTime::from_secs(1), Event::SecondTick);
    }

    /// The scenario as it stands now, with every command applied so far recorded in its timeline.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs a query typed in the data tier's console and keeps it in the scenario
    /// (`data.queries`), so that a link replays it (`run::Run::query` checks it first).
    pub(crate) fn run_console_query(&mut self, sql: &str) {
        let Some(data) = self.data.as_mut() else { return };
        let logged =
            |d: &DataTier| d.replication().map_or(Vec::new(), |r| r.groups.iter().map(|g| g.position()).collect());
        let before = logged(data);
        let (_, copies) = data.run_console(sql, self.now);
        for server in copies {
            self.queue_copy(server);
        }
        // A write typed in the console entered its groups' logs.
        let after = self.data.as_ref().map(logged).unwrap_or_default();
        for group in (0..after.len()).filter(|&g| after[g] > before.get(g).copied().unwrap_or(0)) {
            self.ship_entry(group);
        }
        let typed = self.data.as_mut().map(|d| d.take_console_writes()).unwrap_or_default();
        for write in typed {
            self.send_to_other_primaries(0, write);
        }
        if let Some(config) = self.scenario.data.as_mut() {
            config.queries.push(sql.to_string());
        }
    }

    /// The data tier (its database and console), when the scenario has one.
    pub fn data(&self) -> Option<&DataTier> {
        self.data.as_ref()
    }

    /// Why the scenario's database could not be built, when it could not.
    pub fn data_problem(&self) -> Option<&str> {
        self.data_problem.as_deref()
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

    /// What the inspector shows about a user's session and cookies; None when sessions are not
    /// modelled.
    pub fn user_view(&self, user: u32) -> Option<UserView> {
        self.sessions.user_view(user)
    }

    /// Timeline entries that could not be applied, with why.
    pub fn refused_commands(&self) -> &[(SimTime, Command, CommandError)] {
        &self.refused_commands
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
            Event::AtDatabase(r) => self.on_at_database(r),
            Event::JobAtServer(r, job) => self.on_job_at_server(r, job),
            Event::JobDone(r, job) => self.on_job_done(r, job),
            Event::JobBack(r, job) => self.on_job_back(r, job),
            Event::BackFromDatabase(r) => self.on_back_from_database(r),
            Event::CopyDone { server } => self.on_copy_done(server as usize),
            Event::LogArrives { replica, crash, link } => self.on_log_arrives(replica as usize, crash, link),
            Event::LinkHealed { replica, link } => self.on_link_healed(replica as usize, link),
            Event::LogApplied { replica } => self.on_log_applied(replica as usize),
            Event::WaitTimeout(r) => self.on_wait_timeout(r),
            Event::Ack { replica, milestone, position } => {
                self.on_ack(replica as usize, Milestone::from_index(milestone), u64::from(position))
            }
            Event::CommitTimeout(r) => self.on_commit_timeout(r),
            Event::PrimaryDeclaredDown { crash, group } => self.on_primary_declared_down(group as usize, crash),
            Event::PromotionDone { replica } => self.on_promotion_done(replica as usize),
            Event::WriteArrives { primary, write } => self.on_write_arrives(primary as usize, write),
            Event::Certified(r, job) => self.on_certified(r, job),
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

    /// Memory the engine holds per pending event and per request in flight [bytes], for
    /// `make bench`.
    pub const BYTES_PER_PENDING_EVENT: usize = EventQueue::<Event>::BYTES_PER_ENTRY;

    pub const BYTES_PER_REQUEST_IN_FLIGHT: usize =
        std::mem::size_of::<Request>() + std::mem::size_of::<bool>() + std::mem::size_of::<RequestSlot>();

    /// The autoscaler's settings, decisions and SLO count.
    pub fn autoscaler(&self) -> &Autoscaler {
        &self.autoscaler
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
}
