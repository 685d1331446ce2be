//! The shared session store (Flask-Session on Redis, `SessionMode::Database`): a machine of its
//! own, with slots, a queue and faults like a server's, at a network distance from the web
//! servers. It decides whether an operation starts, waits or is refused, and how long one
//! takes; the engine schedules the trips there and back (`engine/store.rs`).

use super::server::{Admission, RequestSlot, Server};
use crate::scenario::SessionStoreConfig;
use crate::snapshot::MachineGauges;
use crate::time::SimTime;

#[derive(Clone)]
pub struct SessionStore {
    machine: Server,
    /// one way between a web server and the store
    latency: SimTime,
    /// one read or write's work [ms]
    op_ms: f64,
}

impl SessionStore {
    pub fn new(config: &SessionStoreConfig) -> SessionStore {
        SessionStore {
            machine: Server::new(config.concurrency, 1.0, config.queue_limit, 0.0, SimTime::ZERO),
            latency: SimTime::from_millis_f64(config.latency_ms),
            op_ms: config.op_ms,
        }
    }

    /// One way between a web server and the store.
    pub fn latency(&self) -> SimTime {
        self.latency
    }

    /// An operation arrives: it starts, waits in the queue, or is refused (down, or queue full).
    pub fn admit(&mut self, slot: RequestSlot, now: SimTime) -> Admission {
        self.machine.admit(slot, now)
    }

    /// When an operation that starts now is done.
    pub fn done_at(&self, now: SimTime) -> SimTime {
        now + SimTime::from_millis_f64(self.machine.service_ms(self.op_ms))
    }

    /// An operation is done: its slot goes to the next one waiting, if any (returned).
    pub fn finish(&mut self, slot: RequestSlot, now: SimTime) -> Option<RequestSlot> {
        self.machine.service_ended(slot);
        self.machine.release_slot(now)
    }

    /// The store goes down: operations on it fail until it recovers (its data is kept).
    pub fn crash(&mut self, now: SimTime) {
        self.machine.crash(now);
    }

    pub fn recover(&mut self) {
        self.machine.recover();
    }

    /// Closes a second of its busy-time measure (the engine does it for every machine).
    pub fn sample_utilisation(&mut self, now: SimTime) {
        self.machine.sample_utilisation(now);
    }

    /// What the diagram shows on the store.
    pub fn gauges(&self, now: SimTime) -> MachineGauges {
        self.machine.gauges(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_take_their_time_wait_for_a_slot_and_fail_while_down() {
        let config = SessionStoreConfig { latency_ms: 0.25, op_ms: 2.0, concurrency: 1, queue_limit: 1 };
        let mut store = SessionStore::new(&config);
        let now = SimTime::from_millis(10);
        assert_eq!(store.latency(), SimTime::from_micros(250));
        assert_eq!(store.admit(0, now), Admission::Started);
        assert_eq!(store.done_at(now), SimTime::from_millis(12));
        assert_eq!(store.admit(1, now), Admission::Queued);
        assert_eq!(store.admit(2, now), Admission::QueueFull);
        assert_eq!(store.finish(0, SimTime::from_millis(12)), Some(1), "the one waiting takes the slot");
        store.crash(SimTime::from_millis(13));
        assert_eq!(store.admit(3, SimTime::from_millis(13)), Admission::ConnectionRefused);
        store.recover();
        assert!(matches!(store.admit(4, SimTime::from_millis(14)), Admission::Started | Admission::Queued));
    }
}
