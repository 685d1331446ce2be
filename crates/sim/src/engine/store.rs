//! The engine's side of the session store: a server's read or write travels to the store, waits
//! for a slot there, and its answer (or refusal) travels back, the server's slot held meanwhile.

use super::request::{Outcome, RequestRef, Stage, StoreOp};
use super::{Event, Sim};
use crate::components::server::Admission;

impl Sim {
    /// The server sends a read or write to the session store, holding its slot meanwhile.
    pub(super) fn send_to_store(&mut self, r: RequestRef, op: StoreOp) {
        let Some(req) = self.requests.get(r) else { return };
        req.store.op = op;
        req.store.failed = false;
        req.times.store_trip_started = self.now;
        let Some(store) = &self.store else { return };
        self.travel_for(r, Stage::ToStore, Event::AtStore(r), store.latency());
    }

    /// The store starts working on the request's operation.
    pub(super) fn start_store_op(&mut self, r: RequestRef) {
        let Some(store) = &self.store else { return };
        let done = store.done_at(self.now);
        let Some(req) = self.requests.get(r) else { return };
        req.enter(Stage::AtStore, self.now, done);
        self.queue.push(done, Event::StoreOpDone(r));
    }

    /// The store cannot take the operation (down, or its queue is full): the server hears so.
    pub(super) fn store_refused(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        req.store.failed = true;
        self.back_from_store(r);
    }

    /// The store's answer (or refusal) travels back to the server.
    fn back_from_store(&mut self, r: RequestRef) {
        let Some(store) = &self.store else { return };
        self.travel_for(r, Stage::FromStore, Event::BackFromStore(r), store.latency());
    }

    /// A session read or write reaches the store.
    pub(super) fn on_at_store(&mut self, r: RequestRef) {
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
    pub(super) fn on_store_op_done(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        if req.stage != Stage::AtStore {
            return; // the store crashed while working on it
        }
        let Some(store) = self.store.as_mut() else { return };
        let next = store.finish(r.slot, self.now);
        self.metrics.counters.store_ops += 1;
        if let Some(next) = next {
            let next = self.requests.reference(next);
            self.start_store_op(next);
        }
        self.back_from_store(r);
    }

    /// The store's answer is back at the server: work, answer, or a 500 if the store failed.
    pub(super) fn on_back_from_store(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let server = req.server as usize;
        let (op, failed) = (req.store.op, req.store.failed);
        self.metrics.counters.store_time_us += (self.now - req.times.store_trip_started).0;
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
                StoreOp::Read => self.begin_work(r),
                StoreOp::Write => self.answer(r),
            }
        }
    }
}
