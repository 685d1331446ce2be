//! A server: `concurrency` slots that work on requests, a bounded FIFO queue in front of them,
//! its price, and what is wrong with it (crashed, hung, slowed down).

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Index of a request in the engine's request table.
pub type RequestSlot = u32;

/// What happened to a request that reached a server.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// a slot was free: service starts now
    Started,
    /// a slot was free, but the server is hung: the request holds the slot and gets no answer
    Stalled,
    /// all slots busy: the request waits in the queue
    Queued,
    /// slots busy and queue full: 503
    QueueFull,
    /// the server is down: the connection is refused
    ConnectionRefused,
}

/// What is wrong with a server, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Fault {
    None,
    Crashed,
    Hung,
    /// every service takes this many times as long
    Slow(f64),
}

#[derive(Clone)]
pub struct Server {
    concurrency: u32,
    /// speed factor: service time is divided by it
    speed: f64,
    queue_limit: u32,
    busy: u32,
    queue: VecDeque<RequestSlot>,
    /// requests holding a slot on a hung server
    stalled: Vec<RequestSlot>,
    fault: Fault,
    /// false once the server is being removed: it finishes what it has, then retires
    accepting: bool,
    retired_at: Option<SimTime>,
    /// ∫ busy slots dt [slot·µs], for time-averaged utilisation, modulo 2^64: only differences
    /// over one sampling period are read, and those are exact (u128 would cost a library call
    /// per multiply in WebAssembly)
    busy_integral: u64,
    last_change: SimTime,
    busy_integral_at_last_sample: u64,
    /// utilisation over the last sampling period [0, 1]; none before the first period closes
    recent_utilisation: Option<f64>,
    /// when the present sampling period began (the last sample, or when the server joined)
    sampled_at: SimTime,
    served: u64,
    /// [$ per slot-hour at speed 1]
    price_per_slot_hour: f64,
    /// cost up to `accrued_at` [$]
    cost_accrued: f64,
    accrued_at: SimTime,
    /// when it joined the pool
    joined_at: SimTime,
    /// bumped by each crash: sessions kept in memory die with the process
    life: u32,
    /// until then the machine is booting: it refuses connections (and heartbeats)
    ready_at: SimTime,
}

impl Server {
    pub fn new(concurrency: u32, speed: f64, queue_limit: u32, price_per_slot_hour: f64, now: SimTime) -> Self {
        Server {
            concurrency,
            speed,
            queue_limit,
            busy: 0,
            queue: VecDeque::new(),
            stalled: Vec::new(),
            fault: Fault::None,
            accepting: true,
            retired_at: None,
            busy_integral: 0,
            last_change: now,
            busy_integral_at_last_sample: 0,
            recent_utilisation: None,
            sampled_at: now,
            served: 0,
            price_per_slot_hour,
            cost_accrued: 0.0,
            accrued_at: now,
            joined_at: now,
            life: 0,
            ready_at: now,
        }
    }

    /// The machine boots until `ready_at`; it costs money from now.
    pub fn boot_until(&mut self, ready_at: SimTime) {
        self.ready_at = ready_at;
    }

    pub fn is_booting(&self, now: SimTime) -> bool {
        now < self.ready_at
    }

    fn account(&mut self, now: SimTime) {
        let busy_time = u64::from(self.busy).wrapping_mul((now - self.last_change).0);
        self.busy_integral = self.busy_integral.wrapping_add(busy_time);
        self.last_change = now;
    }

    /// Price of running this server for an hour at its present size [$].
    pub fn price_per_hour(&self) -> f64 {
        self.price_per_slot_hour * f64::from(self.concurrency) * self.speed
    }

    /// The end of the server's paid time as seen at `now`: now, or when it left the pool.
    fn paid_until(&self, now: SimTime) -> SimTime {
        self.retired_at.map_or(now, |r| r.min(now))
    }

    /// Cost since `accrued_at` at the present price, not yet added to `cost_accrued` [$].
    fn unaccrued_cost(&self, now: SimTime) -> f64 {
        self.price_per_hour() * (self.paid_until(now) - self.accrued_at).as_secs_f64() / 3_600.0
    }

    /// Banks the cost so far at the present price (before the price changes, or at retirement).
    fn accrue(&mut self, now: SimTime) {
        self.cost_accrued += self.unaccrued_cost(now);
        self.accrued_at = self.accrued_at.max(self.paid_until(now));
    }

    /// What the server has cost from when it joined until `now` (or until it left) [$].
    pub fn cost_until(&self, now: SimTime) -> f64 {
        self.cost_accrued + self.unaccrued_cost(now)
    }

    /// Hours in the pool, from joining until `now` (or until it left).
    pub fn hours_until(&self, now: SimTime) -> f64 {
        (self.paid_until(now) - self.joined_at).as_secs_f64() / 3_600.0
    }

    /// Service time [ms] for a request of `size_ms` at speed 1, on this server as it is now.
    pub fn service_ms(&self, size_ms: f64) -> f64 {
        // Dividing by speed 1 changes nothing but costs a division's wait on every request.
        let at_speed = if self.speed == 1.0 { size_ms } else { size_ms / self.speed };
        match self.fault {
            Fault::Slow(factor) => at_speed * factor,
            _ => at_speed,
        }
    }

    /// A request arrives at the server.
    #[inline]
    pub fn admit(&mut self, request: RequestSlot, now: SimTime) -> Admission {
        if self.fault == Fault::Crashed || self.is_booting(now) {
            return Admission::ConnectionRefused;
        }
        if self.busy < self.concurrency {
            self.account(now);
            self.busy += 1;
            if self.fault == Fault::Hung {
                self.stalled.push(request);
                return Admission::Stalled;
            }
            Admission::Started
        } else if (self.queue.len() as u32) < self.queue_limit {
            self.queue.push_back(request);
            Admission::Queued
        } else {
            Admission::QueueFull
        }
    }

    /// A service ended. On a hung server the request keeps its slot and gets no answer (returns
    /// false); otherwise it is done (returns true).
    #[inline]
    pub fn service_ended(&mut self, request: RequestSlot) -> bool {
        if self.fault == Fault::Hung {
            self.stalled.push(request);
            return false;
        }
        self.served += 1;
        true
    }

    /// A slot came free; returns the queued request that takes it, if any.
    #[inline]
    pub fn release_slot(&mut self, now: SimTime) -> Option<RequestSlot> {
        if self.busy <= self.concurrency && self.fault != Fault::Hung {
            if let Some(next) = self.queue.pop_front() {
                return Some(next);
            }
        }
        self.account(now);
        self.busy -= 1;
        self.retire_if_drained(now);
        None
    }

    /// The process dies: every request it holds is lost (the engine fails them).
    pub fn crash(&mut self, now: SimTime) {
        self.account(now);
        self.busy = 0;
        self.fault = Fault::Crashed;
        self.life += 1;
        self.queue.clear();
        self.stalled.clear();
        self.retire_if_drained(now);
    }

    pub fn hang(&mut self) {
        if self.fault != Fault::Crashed {
            self.fault = Fault::Hung;
        }
    }

    pub fn slow_down(&mut self, factor: f64) {
        if self.fault != Fault::Crashed {
            self.fault = Fault::Slow(factor);
        }
    }

    /// Back to normal; returns the stalled requests, which now get their answers.
    pub fn recover(&mut self) -> Vec<RequestSlot> {
        self.fault = Fault::None;
        std::mem::take(&mut self.stalled)
    }

    /// Vertical scaling; returns queued requests that the extra slots start now.
    pub fn resize(&mut self, concurrency: u32, speed: f64, now: SimTime) -> Vec<RequestSlot> {
        self.accrue(now);
        self.account(now);
        self.concurrency = concurrency;
        self.speed = speed;
        let mut started = Vec::new();
        while self.busy < self.concurrency && self.fault == Fault::None {
            let Some(next) = self.queue.pop_front() else { break };
            self.busy += 1;
            started.push(next);
        }
        started
    }

    /// Closes the sampling period that began at the last sample (or when the server joined, so a
    /// server added mid-second is measured over its part of the second), and returns and
    /// remembers its average utilisation.
    pub fn sample_utilisation(&mut self, now: SimTime) -> f64 {
        let utilisation = self.utilisation_so_far(now);
        self.account(now);
        self.busy_integral_at_last_sample = self.busy_integral;
        self.sampled_at = now;
        self.recent_utilisation = Some(utilisation);
        utilisation
    }

    /// Average utilisation over the sampling period in progress, up to `now` (the charts' point
    /// for the second not yet over); changes nothing.
    pub fn utilisation_so_far(&self, now: SimTime) -> f64 {
        let busy_since_change = u64::from(self.busy).wrapping_mul((now - self.last_change).0);
        let used = self.busy_integral.wrapping_add(busy_since_change).wrapping_sub(self.busy_integral_at_last_sample);
        let period = (now - self.sampled_at).0.max(1);
        (used as f64 / (f64::from(self.concurrency) * period as f64)).min(1.0)
    }

    pub fn stop_accepting(&mut self, now: SimTime) {
        self.accepting = false;
        self.retire_if_drained(now);
    }

    fn retire_if_drained(&mut self, now: SimTime) {
        if !self.accepting && self.busy == 0 && self.queue.is_empty() && self.retired_at.is_none() {
            self.accrue(now);
            self.retired_at = Some(now);
        }
    }

    pub fn is_accepting(&self) -> bool {
        self.accepting
    }
    /// Removed and with nothing left to do.
    pub fn is_retired(&self) -> bool {
        self.retired_at.is_some()
    }
    /// Which life of the process this is (crashes so far).
    pub fn life(&self) -> u32 {
        self.life
    }
    /// Its slots, queue and state, for the snapshot.
    pub fn gauges(&self, now: SimTime) -> crate::snapshot::MachineGauges {
        crate::snapshot::MachineGauges {
            busy_so_far: self.recent_utilisation.is_none().then(|| self.utilisation_so_far(now)),
            busy_slots: self.busy(),
            slots: self.concurrency(),
            queue_len: self.queue_len(),
            queue_limit: self.queue_limit(),
            utilisation: self.recent_utilisation(),
            served: self.served(),
            fault: self.fault(),
        }
    }

    pub fn fault(&self) -> Fault {
        self.fault
    }
    pub fn busy(&self) -> u32 {
        self.busy
    }
    pub fn concurrency(&self) -> u32 {
        self.concurrency
    }
    pub fn speed(&self) -> f64 {
        self.speed
    }
    pub fn queue_len(&self) -> u32 {
        self.queue.len() as u32
    }
    pub fn queue_limit(&self) -> u32 {
        self.queue_limit
    }
    /// Utilisation over the last sampling period, once one has closed.
    pub fn recent_utilisation(&self) -> Option<f64> {
        self.recent_utilisation
    }
    pub fn served(&self) -> u64 {
        self.served
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(concurrency: u32, queue_limit: u32) -> Server {
        Server::new(concurrency, 1.0, queue_limit, 0.048, SimTime::ZERO)
    }

    #[test]
    fn slots_then_queue_then_refusal() {
        let mut s = server(1, 1);
        assert_eq!(s.admit(0, SimTime(0)), Admission::Started);
        assert_eq!(s.admit(1, SimTime(0)), Admission::Queued);
        assert_eq!(s.admit(2, SimTime(0)), Admission::QueueFull);
        assert!(s.service_ended(0));
        assert_eq!(s.release_slot(SimTime(10)), Some(1));
        assert!(s.service_ended(1));
        assert_eq!(s.release_slot(SimTime(20)), None);
        assert_eq!(s.recent_utilisation(), None);
        assert!((s.sample_utilisation(SimTime(40)) - 0.5).abs() < 1e-12);
        assert_eq!(s.recent_utilisation(), Some(0.5));
        // The next period starts where that one ended: idle for 10 µs of it, busy for 10.
        assert_eq!(s.admit(3, SimTime(50)), Admission::Started);
        assert!((s.sample_utilisation(SimTime(60)) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_first_second_shows_how_busy_so_far_and_the_closed_second_takes_over() {
        let mut s = server(2, 5);
        assert_eq!(s.admit(0, SimTime(0)), Admission::Started);
        // One of two slots busy for 30 µs of 30: half busy so far, read without closing anything.
        assert_eq!(s.gauges(SimTime(30)).busy_so_far, Some(0.5));
        assert_eq!(s.gauges(SimTime(30)).utilisation, None);
        assert!((s.utilisation_so_far(SimTime(30)) - 0.5).abs() < 1e-12);
        assert!((s.sample_utilisation(SimTime(40)) - 0.5).abs() < 1e-12, "reading changed nothing");
        let g = s.gauges(SimTime(50));
        assert_eq!((g.utilisation, g.busy_so_far), (Some(0.5), None));
    }

    #[test]
    fn faults() {
        let mut s = server(1, 5);
        s.hang();
        assert_eq!(s.admit(0, SimTime(0)), Admission::Stalled);
        assert_eq!(s.admit(1, SimTime(0)), Admission::Queued);
        assert_eq!(s.recover(), vec![0]);
        s.slow_down(4.0);
        assert_eq!(s.service_ms(10.0), 40.0);
        s.crash(SimTime(5));
        assert_eq!((s.busy(), s.queue_len()), (0, 0));
        assert_eq!(s.admit(2, SimTime(6)), Admission::ConnectionRefused);
    }

    #[test]
    fn cost_accrues_by_size_until_retirement() {
        let mut s = Server::new(2, 1.0, 5, 0.05, SimTime::ZERO);
        assert!((s.cost_until(SimTime::from_secs(3_600)) - 0.10).abs() < 1e-12);
        s.resize(4, 1.0, SimTime::from_secs(3_600));
        s.stop_accepting(SimTime::from_secs(7_200));
        assert!((s.cost_until(SimTime::from_secs(99_999)) - 0.30).abs() < 1e-12);
    }
}
