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
    /// the log's trip from the primary to a replica [ms]
    #[serde(default = "default_ship_ms")]
    pub ship_ms: f64,
}

fn default_ship_ms() -> f64 {
    1.0
}

impl ReplicationConfig {
    pub fn check(&self, c: &mut crate::validate::Checker) {
        use crate::validate::limits::data::{MAX_APPLY_PER_S, MAX_LATENCY_MS, MAX_REPLICAS};
        c.int("data.replication.replicas", self.replicas, 1, MAX_REPLICAS);
        c.float("data.replication.apply_per_s", self.apply_per_s, 0.0, MAX_APPLY_PER_S, true);
        c.float("data.replication.ship_ms", self.ship_ms, 0.0, MAX_LATENCY_MS, false);
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
    /// reads that did not see their user's own last write
    pub read_your_writes_violations: u64,
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
            read_your_writes_violations: 0,
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

    /// The replica the next read goes to (round robin), picked when the read is sent.
    pub fn route_read(&mut self) -> usize {
        let replica = self.next_read % self.replicas.len();
        self.next_read = self.next_read.wrapping_add(1);
        replica
    }

    /// A read runs on a replica now: counted when the replica has not applied the user's own
    /// last write, so the rows it reads lack it.
    pub fn check_read(&mut self, replica: usize, user: u32) {
        if self.last_write.get(&user).is_some_and(|&w| w > self.replicas[replica].applied) {
            self.read_your_writes_violations += 1;
        }
    }

    /// The next entry a replica applies, if it has received one it has not applied.
    pub fn next_to_apply(&self, replica: usize) -> Option<Rc<Statement>> {
        let r = &self.replicas[replica];
        (r.applied < r.received).then(|| self.log[r.applied as usize].0.clone())
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
