//! Single-primary replication, asynchronous (MySQL's default, PostgreSQL's without
//! `synchronous_standby_names`): writes run on the primary and enter its log in commit order;
//! each replica receives the log over its link and applies it, entry by entry, at its own rate,
//! to rows of its own. Reads go to the replicas, so a read sees the replica's rows as of the
//! last entry it applied, and a user who reads right after writing may not see the write: that
//! is counted when it really happens (the user's last write is past what the replica applied).

use std::collections::HashMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::sql::ast::Statement;
use super::{DataConfig, Database};
use crate::time::SimTime;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicationConfig {
    /// read replicas beside the primary
    pub replicas: u32,
    /// log entries each replica applies per second at most (its SQL thread, its `startup`
    /// process); below the write rate, it falls behind
    pub apply_per_s: f64,
    /// the last replica applies at this fraction of `apply_per_s` (a smaller machine: 1 is the
    /// same as the others), so that replicas disagree
    #[serde(default = "default_one")]
    pub last_replica_speed: f64,
    /// the log's trip from the primary to a replica [ms]
    #[serde(default = "default_ship_ms")]
    pub ship_ms: f64,
    /// which replica a read goes to
    #[serde(default)]
    pub routing: ReadRouting,
    /// what keeps a user's reads from missing their own writes, if anything
    #[serde(default)]
    pub fix: ReadFix,
    /// a read older than this is counted stale [ms]
    #[serde(default = "default_stale_bound_ms")]
    pub stale_bound_ms: f64,
}

fn default_ship_ms() -> f64 {
    1.0
}

fn default_one() -> f64 {
    1.0
}

fn default_stale_bound_ms() -> f64 {
    1_000.0
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadRouting {
    /// each replica in turn
    #[default]
    RoundRobin,
    /// the replica that has applied the most of the log
    LeastLag,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadFix {
    #[default]
    None,
    /// a user's reads go to the primary for this long after their last write (Rails' automatic
    /// role switching: 2 s by default)
    PrimaryAfterWrite { seconds: f64 },
    /// each user reads from one replica of their own, so their reads never go back in time
    StickyReplica,
    /// a read waits on its replica until the replica has applied the user's last write (as
    /// MySQL's `WAIT_FOR_EXECUTED_GTID_SET` or a wait for a PostgreSQL LSN), or until the
    /// timeout, then reads what is there
    WaitForPosition { timeout_ms: f64 },
}

impl ReplicationConfig {
    pub fn check(&self, c: &mut crate::validate::Checker) {
        use crate::validate::limits::data::{MAX_APPLY_PER_S, MAX_LATENCY_MS, MAX_REPLICAS, MAX_STALE_BOUND_MS};
        c.int("data.replication.replicas", self.replicas, 1, MAX_REPLICAS);
        c.float("data.replication.apply_per_s", self.apply_per_s, 0.0, MAX_APPLY_PER_S, true);
        c.float("data.replication.ship_ms", self.ship_ms, 0.0, MAX_LATENCY_MS, false);
        c.float("data.replication.last_replica_speed", self.last_replica_speed, 0.0, 1.0, true);
        c.float("data.replication.stale_bound_ms", self.stale_bound_ms, 0.0, MAX_STALE_BOUND_MS, false);
        match self.fix {
            ReadFix::PrimaryAfterWrite { seconds } => {
                c.float("data.replication.fix.seconds", seconds, 0.0, MAX_STALE_BOUND_MS / 1_000.0, false)
            }
            ReadFix::WaitForPosition { timeout_ms } => {
                c.float("data.replication.fix.timeout_ms", timeout_ms, 0.0, MAX_STALE_BOUND_MS, false)
            }
            ReadFix::None | ReadFix::StickyReplica => {}
        }
    }
}

/// One replica: its own rows, and how far along the log it is.
pub struct Replica {
    pub db: Database,
    /// log entries it has received, and applied (both count from the first)
    pub received: u64,
    pub applied: u64,
    /// an entry is being applied now
    pub applying: bool,
}

/// The primary's log and its replicas.
pub struct Replication {
    pub config: ReplicationConfig,
    /// the writes in commit order, with when each committed
    log: Vec<(Rc<Statement>, SimTime)>,
    pub replicas: Vec<Replica>,
    /// each user's last write, as a log position (1 is the first entry)
    last_write: HashMap<u32, u64>,
    /// the newest log position each user has read (a later read that shows less went back in time)
    seen: HashMap<u32, u64>,
    /// reads that did not see their user's own last write
    pub read_your_writes_violations: u64,
    /// reads that showed an older state than the same user's read before
    pub monotonic_violations: u64,
    /// reads whose replica was further behind than the stale bound
    pub stale_reads: u64,
    /// reads the fix sent to the primary (its cost: the primary takes them)
    pub reads_on_primary: u64,
    /// reads that waited for their user's write to be applied, how long in all, and how many
    /// gave up at the timeout (the wait fix's cost)
    pub waits: u64,
    pub waited: SimTime,
    pub wait_timeouts: u64,
    pub reads: u64,
    /// the next replica a read goes to (round robin)
    next_read: usize,
}

impl Replication {
    /// Replicas with the primary's rows as they are now (built from the same seed and size).
    pub fn new(config: &ReplicationConfig, data: &DataConfig, seed: u64) -> Result<Replication, String> {
        let replicas = (0..config.replicas)
            .map(|_| Database::build(data, seed).map(|db| Replica { db, received: 0, applied: 0, applying: false }))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(Replication {
            config: config.clone(),
            log: Vec::new(),
            replicas,
            last_write: HashMap::new(),
            seen: HashMap::new(),
            read_your_writes_violations: 0,
            monotonic_violations: 0,
            stale_reads: 0,
            reads_on_primary: 0,
            waits: 0,
            waited: SimTime::ZERO,
            wait_timeouts: 0,
            reads: 0,
            next_read: 0,
        })
    }

    /// A write committed on the primary: it enters the log; returns its position.
    pub fn committed(&mut self, statement: Rc<Statement>, user: u32, now: SimTime) -> u64 {
        self.log.push((statement, now));
        let position = self.log.len() as u64;
        self.last_write.insert(user, position);
        position
    }

    /// Where a user's read goes, picked when it is sent: a replica (by the routing, or the
    /// user's own under a sticky fix), or None for the primary (the fix, after a recent write).
    pub fn route_read(&mut self, user: u32, now: SimTime) -> Option<usize> {
        self.reads += 1;
        if let ReadFix::PrimaryAfterWrite { seconds } = self.config.fix {
            let wrote_at = self.last_write.get(&user).map(|&p| self.log[p as usize - 1].1);
            if wrote_at.is_some_and(|at| now.saturating_sub(at).as_secs_f64() < seconds) {
                self.reads_on_primary += 1;
                return None;
            }
        }
        let n = self.replicas.len();
        Some(match (self.config.fix, self.config.routing) {
            (ReadFix::StickyReplica, _) => user as usize % n,
            (_, ReadRouting::LeastLag) => (0..n).max_by_key(|&i| (self.replicas[i].applied, n - i)).unwrap_or(0),
            (_, ReadRouting::RoundRobin) => {
                self.next_read = self.next_read.wrapping_add(1);
                (self.next_read - 1) % n
            }
        })
    }

    /// A read runs now on a replica (or on the primary: None). Each anomaly it shows is
    /// counted: the user's own last write missing, an older state than the user saw before, or
    /// data older than the stale bound.
    pub fn check_read(&mut self, replica: Option<usize>, user: u32, now: SimTime) {
        let shows = replica.map_or(self.position(), |r| self.replicas[r].applied);
        if self.last_write.get(&user).is_some_and(|&w| w > shows) {
            self.read_your_writes_violations += 1;
        }
        let seen = self.seen.entry(user).or_insert(0);
        if shows < *seen {
            self.monotonic_violations += 1;
        }
        *seen = (*seen).max(shows);
        if replica.is_some_and(|r| self.lag(r, now).1.as_secs_f64() * 1_000.0 > self.config.stale_bound_ms) {
            self.stale_reads += 1;
        }
    }

    /// Under the wait fix, the log position a read on `replica` must wait for (the user's last
    /// write, when the replica has not applied it yet), with the wait's timeout.
    pub fn must_wait(&self, replica: usize, user: u32) -> Option<(u64, SimTime)> {
        let ReadFix::WaitForPosition { timeout_ms } = self.config.fix else { return None };
        let wrote = *self.last_write.get(&user)?;
        (wrote > self.replicas[replica].applied).then(|| (wrote, SimTime::from_millis_f64(timeout_ms)))
    }

    /// The next entry a replica applies, if it has received one it has not applied.
    pub fn next_to_apply(&self, replica: usize) -> Option<Rc<Statement>> {
        let r = &self.replicas[replica];
        (r.applied < r.received).then(|| self.log[r.applied as usize].0.clone())
    }

    /// Log entries a replica applies per second.
    pub fn apply_rate(&self, replica: usize) -> f64 {
        let last = replica + 1 == self.replicas.len() && self.replicas.len() > 1;
        self.config.apply_per_s * if last { self.config.last_replica_speed } else { 1.0 }
    }

    /// The log's length: the primary's position.
    pub fn position(&self) -> u64 {
        self.log.len() as u64
    }

    /// How far a replica is behind: log entries, and the age of the oldest it has not applied.
    pub fn lag(&self, replica: usize, now: SimTime) -> (u64, SimTime) {
        let applied = self.replicas[replica].applied;
        let behind = self.position() - applied;
        let age = self.log.get(applied as usize).map_or(SimTime::ZERO, |(_, at)| now.saturating_sub(*at));
        (behind, age)
    }
}
