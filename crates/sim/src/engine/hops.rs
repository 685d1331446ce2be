//! The request path's hops: a client sends, the request travels each link, a server admits,
//! serves and answers it, and the answer travels back to the client, one event per hop.

use super::request::{Origin, Outcome, Request, RequestRef, Stage, StoreOp, StoreTrip, Timings, MAX_TRIES, OPEN_LOOP};
use super::{Event, Sim};
use crate::ab::Response;
use crate::components::server::{Admission, Fault};
use crate::components::sessions::{Sender, SessionOutcome};
use crate::time::SimTime;

impl Sim {
    /// Who sent a request, for persistence: a user, or ab (`client` is its connection).
    pub(super) fn sender(user: u32, client: u32) -> Sender {
        if client == OPEN_LOOP {
            Sender::User(user)
        } else {
            Sender::LoadTester
        }
    }

    /// A client sends a request now: `client` is the load tester's connection, or `OPEN_LOOP`.
    pub(super) fn send_request(&mut self, user: u32, client: u32) {
        self.metrics.on_arrival();
        let size_ms = self.scenario.servers.service.sample_ms(&mut self.traffic_rng);
        let r = self.requests.insert(Request {
            incarnation: 0,
            origin: Origin { user, client, sent_at: self.now, size_ms },
            server: 0,
            stage: Stage::ToBalancer,
            stage_start: self.now,
            stage_end: self.now,
            times: Timings::starting(self.now),
            server_life: 0,
            tried: [0; MAX_TRIES],
            tries: 0,
            store: StoreTrip { op: StoreOp::Read, failed: false },
            outcome: Outcome::Pending,
            abandoned: false,
            timeout_scheduled: false,
        });
        self.metrics.counters.cookie_bytes += self.sessions.cookie_bytes(Self::sender(user, client));
        self.travel(r, Stage::ToBalancer, Event::AtBalancer(r));
    }

    pub(super) fn schedule_next_arrival(&mut self) {
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
    pub(super) fn watch_stuck(&mut self, r: RequestRef) {
        let timeout = self.timeout;
        let Some(req) = self.requests.get(r) else { return };
        if req.timeout_scheduled || req.abandoned {
            return;
        }
        req.timeout_scheduled = true;
        let deadline = req.origin.sent_at + timeout;
        self.queue.push(deadline.max(self.now), Event::ClientTimeout(r));
    }

    /// Sends the request along its next link, arriving after the link latency.
    #[inline(always)]
    pub(super) fn travel(&mut self, r: RequestRef, stage: Stage, then: Event) {
        self.travel_for(r, stage, then, self.link_latency);
    }

    pub(super) fn travel_for(&mut self, r: RequestRef, stage: Stage, then: Event, latency: SimTime) {
        let arrive = self.now + latency;
        let Some(req) = self.requests.get(r) else { return };
        req.enter(stage, self.now, arrive);
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
    /// there; otherwise the work (its query first, with a database) starts now.
    pub(super) fn slot_granted(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.times.service_started_at = self.now;
        req.server_life = self.machines[req.server as usize].server.life();
        let (user, client) = (req.origin.user, req.origin.client);
        if self.session_in_store(user, client) {
            self.send_to_store(r, StoreOp::Read);
        } else {
            self.begin_work(r);
        }
    }

    /// Whether the request's session lives in the store (see `Sessions::session_in_store`).
    pub(super) fn session_in_store(&self, user: u32, client: u32) -> bool {
        self.sessions.session_in_store(Self::sender(user, client))
    }

    pub(super) fn start_service(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let service_ms = self.machines[req.server as usize].server.service_ms(req.origin.size_ms);
        let done = self.now + SimTime::from_millis_f64(service_ms);
        req.enter(Stage::InService, self.now, done);
        self.queue.push(done, Event::ServiceDone(r));
    }

    /// The work finished on a working server: with a session store the server saves the
    /// session there first; otherwise it answers now.
    pub(super) fn complete_service(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let (user, client) = (req.origin.user, req.origin.client);
        if self.session_in_store(user, client) {
            self.send_to_store(r, StoreOp::Write);
        } else {
            self.answer(r);
        }
    }

    /// The server answers the request and gives its slot to the next in line.
    pub(super) fn answer(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.outcome = Outcome::Answered;
        let (server, sender) = (req.server as usize, Self::sender(req.origin.user, req.origin.client));
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
    pub(super) fn leave_server(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.times.left_server_at = self.now;
        let server = req.server as usize;
        if let Some(next) = self.machines[server].server.release_slot(self.now) {
            let next = self.requests.reference(next);
            self.slot_granted(next);
        }
        self.travel(r, Stage::BackToBalancer, Event::ResponseAtBalancer(r));
    }

    /// An open-loop client sends its request, and the next arrival is drawn.
    pub(super) fn on_arrival(&mut self, generation: u32) {
        if generation != self.clients.generation() {
            return; // scheduled before the rate changed
        }
        let user = self.clients.next_user(&mut self.traffic_rng);
        self.send_request(user, OPEN_LOOP);
        self.schedule_next_arrival();
    }

    /// The request reaches its server: a slot, the queue, a stall on a hung server, or a refusal.
    pub(super) fn on_at_server(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.times.reached_server_at = self.now;
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
    pub(super) fn on_service_done(&mut self, r: RequestRef) {
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

    /// A response passes the balancer: a slot frees, and a refused request may be redispatched.
    pub(super) fn on_response_at_balancer(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let (server, outcome) = (req.server, req.outcome);
        let response_time = (outcome == Outcome::Answered).then(|| self.now - req.times.dispatched_at);
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
    pub(super) fn on_response_at_client(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let req = *req;
        if req.abandoned {
            self.abandoned_in_system -= 1;
        } else if self.now > req.origin.sent_at + self.timeout {
            // The answer came after the client had given up.
            self.metrics.on_timed_out();
        } else {
            match req.outcome {
                Outcome::Answered => {
                    self.metrics.on_completed(
                        self.now - req.origin.sent_at,
                        req.times.balancer_wait + (req.times.service_started_at - req.times.reached_server_at),
                        req.times.left_server_at - req.times.reached_server_at,
                    );
                    self.autoscaler.record_latency(self.now - req.origin.sent_at);
                }
                Outcome::QueueFull | Outcome::QueueTimeout => self.metrics.on_rejected(),
                Outcome::ConnectionRefused
                | Outcome::ConnectionReset
                | Outcome::NoServer
                | Outcome::StoreUnavailable
                | Outcome::DatabaseFailed
                | Outcome::Pending => self.metrics.on_failed(),
            }
        }
        self.requests.remove(r);
        if req.origin.client != OPEN_LOOP {
            self.load_tester_answered(req);
        } else if let Some(tally) = self.observer.as_mut() {
            if req.outcome == Outcome::Answered && !req.abandoned {
                tally.record(Response::Ok, 0, false, req.origin.sent_at, req.origin.sent_at, self.now);
            }
        }
    }

    /// A stuck request passes its client timeout: the client gives up on it.
    pub(super) fn on_client_timeout(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        if req.origin.client != OPEN_LOOP {
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
}
