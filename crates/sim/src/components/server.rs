//! A server: `concurrency` slots that work on requests, and a bounded FIFO queue in front of them.
//! A request that finds the queue full is refused (the engine answers it with a 503).

use crate::scenario::ServersConfig;
use crate::time::SimTime;
use std::collections::VecDeque;

/// Index of a request in the engine's request table.
pub type RequestSlot = u32;

/// What happened to a request that reached a server.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// a slot was free: service starts now
    Started,
    /// all slots busy: the request waits in the queue
    Queued,
    /// slots busy and queue full: refused
    Refused,
}

pub struct Server {
    concurrency: u32,
    /// speed factor: service time is divided by it
    speed: f64,
    queue_limit: u32,
    busy: u32,
    queue: VecDeque<RequestSlot>,
    /// false once the server is being removed: it finishes what it has, then retires
    accepting: bool,
    /// ∫ busy slots dt [slot·µs], for time-averaged utilisation
    busy_integral: u128,
    last_change: SimTime,
    busy_integral_at_last_sample: u128,
    /// utilisation over the last whole simulated second [0, 1]
    recent_utilisation: f64,
    served: u64,
}

impl Server {
    pub fn new(config: &ServersConfig, now: SimTime) -> Self {
        Server {
            concurrency: config.concurrency,
            speed: config.speed,
            queue_limit: config.queue_limit,
            busy: 0,
            queue: VecDeque::new(),
            accepting: true,
            busy_integral: 0,
            last_change: now,
            busy_integral_at_last_sample: 0,
            recent_utilisation: 0.0,
            served: 0,
        }
    }

    fn account(&mut self, now: SimTime) {
        self.busy_integral += u128::from(self.busy) * u128::from((now - self.last_change).0);
        self.last_change = now;
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// A request arrives at the server.
    pub fn admit(&mut self, request: RequestSlot, now: SimTime) -> Admission {
        if self.busy < self.concurrency {
            self.account(now);
            self.busy += 1;
            Admission::Started
        } else if (self.queue.len() as u32) < self.queue_limit {
            self.queue.push_back(request);
            Admission::Queued
        } else {
            Admission::Refused
        }
    }

    /// One request finished; returns the queued request that takes its slot, if any.
    pub fn finish(&mut self, now: SimTime) -> Option<RequestSlot> {
        self.served += 1;
        match self.queue.pop_front() {
            Some(next) => Some(next),
            None => {
                self.account(now);
                self.busy -= 1;
                None
            }
        }
    }

    /// Closes one sampling period of `period` and remembers its average utilisation.
    pub fn sample_utilisation(&mut self, now: SimTime, period: SimTime) {
        self.account(now);
        let used = self.busy_integral - self.busy_integral_at_last_sample;
        self.busy_integral_at_last_sample = self.busy_integral;
        let capacity = u128::from(self.concurrency) * u128::from(period.0.max(1));
        self.recent_utilisation = used as f64 / capacity as f64;
    }

    pub fn stop_accepting(&mut self) {
        self.accepting = false;
    }

    pub fn is_accepting(&self) -> bool {
        self.accepting
    }

    /// Removed and with nothing left to do.
    pub fn is_retired(&self) -> bool {
        !self.accepting && self.busy == 0 && self.queue.is_empty()
    }

    pub fn busy(&self) -> u32 {
        self.busy
    }
    pub fn concurrency(&self) -> u32 {
        self.concurrency
    }
    pub fn queue_len(&self) -> u32 {
        self.queue.len() as u32
    }
    pub fn queue_limit(&self) -> u32 {
        self.queue_limit
    }
    pub fn recent_utilisation(&self) -> f64 {
        self.recent_utilisation
    }
    pub fn served(&self) -> u64 {
        self.served
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn slots_then_queue_then_refusal() {
        let mut config = Scenario::default().servers;
        config.concurrency = 1;
        config.queue_limit = 1;
        let mut s = Server::new(&config, SimTime::ZERO);
        assert_eq!(s.admit(0, SimTime(0)), Admission::Started);
        assert_eq!(s.admit(1, SimTime(0)), Admission::Queued);
        assert_eq!(s.admit(2, SimTime(0)), Admission::Refused);
        assert_eq!(s.finish(SimTime(10)), Some(1));
        assert_eq!(s.finish(SimTime(20)), None);
        s.sample_utilisation(SimTime(40), SimTime(40));
        assert!((s.recent_utilisation() - 0.5).abs() < 1e-12);
    }
}
