//! The pool of servers: machines joining (booting, then heartbeats until `rise`), leaving
//! (draining), heartbeats and their outcomes, each simulated second's samples with the
//! autoscaler's decision, and the pool's size, capacity and cost.

use super::{Event, Sim};
use crate::command::Command;
use crate::components::autoscaler::{PoolState, SecondMeasure};
use crate::components::health::HealthCheck;
use crate::components::server::{Fault, Server};
use crate::metrics::PoolSample;
use crate::time::SimTime;

/// A heartbeat on its way: sent at `started`, answered (or given up) at `done_at`.
#[derive(Clone, Copy, Debug)]
pub(super) struct CheckInFlight {
    pub(super) started: SimTime,
    pub(super) done_at: SimTime,
    pub(super) passed: bool,
}

/// One server and what the balancer's heartbeats know of it.
#[derive(Clone)]
pub(super) struct Machine {
    pub(super) server: Server,
    pub(super) health: HealthCheck,
    pub(super) check: Option<CheckInFlight>,
}

impl Sim {
    pub(super) fn add_machine(&mut self, id: u32, starts_up: bool) {
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

    /// Servers the balancer sends new requests to (configured and healthy), by id.
    pub fn active_servers(&self) -> &[u32] {
        self.balancer.rotation()
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

    pub(super) fn pool_ids(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.machines.len() as u32).filter(|&id| self.balancer.is_configured(id))
    }

    /// What the servers have cost so far [$].
    pub fn cost(&self) -> f64 {
        self.machines.iter().map(|m| m.server.cost_until(self.now)).sum()
    }

    /// Server-hours so far: every server's time in the pool, added up.
    pub fn server_hours(&self) -> f64 {
        self.machines.iter().map(|m| m.server.hours_until(self.now)).sum()
    }

    /// A heartbeat's result: after `rise` passes or `fall` failures the server joins or leaves the
    /// rotation.
    pub(super) fn on_check_done(&mut self, server: u32, passed: bool) {
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
    pub(super) fn on_drain_deadline(&mut self, server: u32) {
        if !self.machines[server as usize].server.is_retired() {
            self.crash_machine(server);
        }
    }

    /// A simulated second ends: sample each server's utilisation, close the second's metrics,
    /// let the autoscaler decide and the traffic profile move on. Kept out of `handle` (it runs
    /// once a second, not per request): a smaller `handle` compiles to faster WebAssembly.
    #[inline(never)]
    pub(super) fn close_second(&mut self) {
        let period = SimTime::from_secs(1);
        let now = self.now;
        let live = self.machines.iter_mut().enumerate().filter(|(_, m)| !m.server.is_retired());
        let utilisations: Vec<(u32, f64)> = live.map(|(id, m)| (id as u32, m.server.sample_utilisation(now))).collect();
        if let Some(store) = self.store.as_mut() {
            store.sample_utilisation(self.now);
        }
        if let Some(data) = self.data.as_mut() {
            data.sample_utilisation(self.now);
        }
        let (pool, ready_utilisation) = self.pool_of(&utilisations);
        self.metrics.close_second(self.now, pool);
        let closed = *self.metrics.series().back().expect("just closed");
        let ready = pool.ready_servers;
        let measure = SecondMeasure { utilisation: ready_utilisation, arrived: closed.arrived, ready };
        self.autoscaler.close_second(measure, closed.p95_ms);
        let state = PoolState { current: self.pool_size(), ready };
        if let Some(target) = self.autoscaler.decide(closed.second, self.now, state) {
            self.scale_to(target);
        }
        self.follow_profile();
        self.queue.push(self.now + period, Event::SecondTick);
    }

    /// The pool's sample from each live server's utilisation (by id): its average over them all,
    /// and over those in the balancer's rotation (the autoscaler's measure).
    fn pool_of(&self, utilisations: &[(u32, f64)]) -> (PoolSample, f64) {
        let total = utilisations.iter().fold(0.0, |sum, (_, u)| sum + u);
        let ready: Vec<f64> =
            utilisations.iter().filter(|(id, _)| self.balancer.in_rotation(*id)).map(|(_, u)| *u).collect();
        let counted = utilisations.len() as u32;
        let pool = PoolSample {
            utilisation: total / f64::from(counted.max(1)),
            servers: counted,
            ready_servers: ready.len() as u32,
            cost_dollars: self.cost(),
        };
        (pool, ready.iter().fold(0.0, |sum, u| sum + u) / ready.len().max(1) as f64)
    }

    /// The second in progress as far as it has run, for the charts' last point (None at a whole
    /// second). Reads the servers and metrics; changes nothing.
    pub fn second_so_far(&self) -> Option<crate::metrics::SecondSample> {
        let live = self.machines.iter().enumerate().filter(|(_, m)| !m.server.is_retired());
        let utilisations: Vec<(u32, f64)> =
            live.map(|(id, m)| (id as u32, m.server.utilisation_so_far(self.now))).collect();
        self.metrics.second_so_far(self.now, self.pool_of(&utilisations).0)
    }

    /// A heartbeat: answered after a round trip by a working (or slow) server, refused after a
    /// round trip by a crashed one, unanswered by a hung one (which fails at the timeout, which
    /// is the interval, as HAProxy does without `timeout check`).
    pub(super) fn start_check(&mut self, server: u32) {
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

    /// The autoscaler's decision (and the Servers knob's): boot servers, or drain some, the ones
    /// not taking traffic first and then the newest (as a Kubernetes ReplicaSet picks pods to delete).
    pub(super) fn scale_to(&mut self, target: u32) {
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
    pub(super) fn follow_profile(&mut self) {
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
}
