//! The balancer's placing and its queues (HAProxy): persistence or the algorithm picks a server;
//! when every server is at its `maxconn` the request waits in the backend queue, and when
//! persistence names a full server, in that server's queue, until a slot frees or `timeout queue`.

use super::request::{Outcome, RequestRef, Stage};
use super::{Event, Sim};
use crate::components::balancer::{RequestKey, Unplaced};
use crate::components::clients::Clients;
use crate::time::SimTime;
use std::collections::VecDeque;

/// Why the balancer sent a request to no server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unsent {
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

/// HAProxy's server queues at the balancer, by server id: requests that persistence sends to a
/// server at its `maxconn` wait there for that server, oldest first. `waiting` counts them all, so
/// that a freed slot looks through them only while one holds a request.
#[derive(Clone, Default)]
pub(super) struct ServerQueues {
    pub(super) queues: Vec<VecDeque<RequestRef>>,
    pub(super) waiting: usize,
}

impl ServerQueues {
    pub(super) fn add_server(&mut self) {
        self.queues.push(VecDeque::new());
    }
    pub(super) fn push_back(&mut self, server: u32, r: RequestRef) {
        self.queues[server as usize].push_back(r);
        self.waiting += 1;
    }
    pub(super) fn push_front(&mut self, server: u32, r: RequestRef) {
        self.queues[server as usize].push_front(r);
        self.waiting += 1;
    }
    pub(super) fn pop_front(&mut self, server: u32) -> Option<RequestRef> {
        let r = self.queues[server as usize].pop_front()?;
        self.waiting -= 1;
        Some(r)
    }
    /// Everything waiting for `server`, oldest first.
    pub(super) fn take_all(&mut self, server: u32) -> VecDeque<RequestRef> {
        let all = std::mem::take(&mut self.queues[server as usize]);
        self.waiting -= all.len();
        all
    }
    pub(super) fn take_out(&mut self, server: u32, r: RequestRef) {
        if self.queues.get_mut(server as usize).is_some_and(|queue| take_out(queue, r)) {
            self.waiting -= 1;
        }
    }
}

/// Takes `r` out of a queue at the balancer; whether it was there. Every request waits the same
/// timeout, so the first to expire is the oldest, at the front (a scan only if that ever changes:
/// a queue can hold many thousands).
pub(super) fn take_out(queue: &mut VecDeque<RequestRef>, r: RequestRef) -> bool {
    if queue.front() == Some(&r) {
        queue.pop_front();
        return true;
    }
    let before = queue.len();
    queue.retain(|&q| q != r);
    queue.len() < before
}

impl Sim {
    /// The balancer's `maxconn` for a server with this many slots (see `BalancerConfig::max_conn`).
    pub(super) fn max_conn(&self, slots: u32) -> u32 {
        self.scenario.balancer.max_conn.unwrap_or(slots)
    }

    /// The balancer places the request (again, after a refusal, skipping servers already tried):
    /// on a server; in its backend queue when every server is full, or in a server's queue when
    /// persistence names a full server; or back to the client with a 503 when no server takes
    /// traffic.
    pub(super) fn dispatch(&mut self, r: RequestRef) {
        match self.place(r) {
            Ok(()) => {}
            Err(unsent @ (Unsent::AllFull | Unsent::PinnedServerFull)) => {
                let Some(req) = self.requests.get(r) else { return };
                req.enter(Stage::BalancerQueue, self.now, self.now);
                let client_gives_up_first = req.origin.sent_at + self.timeout < self.now + self.queue_timeout;
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
    pub(super) fn place(&mut self, r: RequestRef) -> Result<(), Unsent> {
        let Some(req) = self.requests.get(r) else { return Ok(()) };
        let user = req.origin.user;
        let key = RequestKey { user, address: Clients::address_of(user) };
        let tried = req.tried;
        let tries = req.tries as usize;
        // Persistence first (a sticky cookie or stick table), on the first try only: a retry
        // goes elsewhere, as HAProxy's redispatch does.
        let balancer = &self.balancer;
        let sender = Self::sender(user, req.origin.client);
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
        req.times.dispatched_at = self.now;
        req.outcome = Outcome::Pending;
        self.travel(r, Stage::ToServer, Event::AtServer(r));
        Ok(())
    }

    /// A slot freed, a server joined the rotation or the algorithm changed: waiting requests go
    /// out while there is room, oldest first (HAProxy hands a freed slot to the older of the
    /// server's queue and the backend queue). Requests in a server's queue wait for that server;
    /// the backend queue's take any.
    pub(super) fn serve_balancer_queues(&mut self) {
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
    pub(super) fn send_waiting(&mut self, r: RequestRef) -> bool {
        let Some(req) = self.requests.get(r) else { return true };
        let waited = self.now - req.stage_start;
        match self.place(r) {
            Ok(()) => {
                // (Gone already only if a server turned it away at once; only answers count.)
                if let Some(req) = self.requests.get(r) {
                    req.times.balancer_wait += waited;
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
    pub(super) fn oldest_pinned_with_room(&self) -> Option<(u32, SimTime)> {
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
    pub(super) fn redispatch_queues_of_servers_out_of_rotation(&mut self) {
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
    pub(super) fn wait_for_its_server(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let server = req.server;
        self.server_queues.push_back(server, r);
    }

    /// HAProxy's `timeout queue`: a request still in the backend queue, or in a server's queue,
    /// gets the balancer's 503.
    pub(super) fn on_queue_timeout(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        // Placed in time, or back in the queue later (a retry) with a deadline of its own.
        if req.stage != Stage::BalancerQueue || self.now < req.stage_start + self.queue_timeout {
            return;
        }
        req.outcome = Outcome::QueueTimeout;
        req.times.balancer_wait += self.now - req.stage_start;
        let server = req.server;
        if !take_out(&mut self.backend_queue, r) {
            self.server_queues.take_out(server, r);
        }
        self.travel(r, Stage::BackToClient, Event::ResponseAtClient(r));
    }
}
