//! Replication's settings, each following its real system (commit modes, read fixes, failover),
//! and failover's records: what a scenario says and what a failover lost.

use serde::{Deserialize, Serialize};

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
    /// when a write's commit returns to its client
    #[serde(default, skip_serializing_if = "is_async")]
    pub commit: CommitMode,
    /// a replica's flush of a received log entry to its disk [ms]
    #[serde(default = "default_flush_ms")]
    pub flush_ms: f64,
    /// heartbeats to the primary, and whether a replica is promoted on its own when they fail
    /// (without them, only a student promotes one)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<FailoverConfig>,
}

fn default_flush_ms() -> f64 {
    1.0
}

fn is_async(mode: &CommitMode) -> bool {
    *mode == CommitMode::Async
}

/// When a commit returns, each mode following its real system.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// at once: the log ships later (MySQL's default; PostgreSQL's with no synchronous standby)
    #[default]
    Async,
    /// MySQL semi-synchronous replication (`rpl_semi_sync_source_*`): the commit waits until
    /// `wait_for_replica_count` replicas have received and flushed its events to their relay
    /// log; after `timeout_ms` without them the source falls back to asynchronous until a
    /// replica catches up
    SemiSync {
        wait_point: WaitPoint,
        #[serde(default = "default_one_replica")]
        wait_for_replica_count: u32,
        #[serde(default = "default_semi_sync_timeout_ms")]
        timeout_ms: f64,
    },
    /// PostgreSQL synchronous replication: `synchronous_commit = level` with
    /// `synchronous_standby_names = 'FIRST|ANY count (replica1, replica2, …)'`, the replicas
    /// listed in order (the first has the highest priority); no timeout: commits wait
    Synchronous {
        level: SyncLevel,
        #[serde(default)]
        method: SyncMethod,
        #[serde(default = "default_one_replica")]
        count: u32,
    },
}

fn default_one_replica() -> u32 {
    1
}

fn default_semi_sync_timeout_ms() -> f64 {
    10_000.0
}

/// `rpl_semi_sync_source_wait_point`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitPoint {
    /// waits before the storage engine commits: no other session sees the write before a
    /// replica has it (the default since MySQL 5.7.2)
    #[default]
    AfterSync,
    /// waits after the engine commit: other sessions see the write while it waits
    AfterCommit,
}

/// `synchronous_commit`'s levels that wait for a standby
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncLevel {
    /// the standby has written the WAL to its operating system
    RemoteWrite,
    /// the standby has flushed the WAL to disk (`on`, the default)
    #[default]
    On,
    /// the standby has replayed the WAL: queries there see the write
    RemoteApply,
}

/// How `synchronous_standby_names` picks the standbys a commit waits for
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMethod {
    /// `FIRST k`: the k connected standbys of highest priority
    #[default]
    First,
    /// `ANY k`: any k standbys (a quorum)
    Any,
}

/// How far a replica has taken a log entry; the primary hears of each step by an
/// acknowledgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Milestone {
    Written = 0,
    Flushed = 1,
    Applied = 2,
}

impl Milestone {
    pub fn from_index(i: u8) -> Milestone {
        match i {
            0 => Milestone::Written,
            1 => Milestone::Flushed,
            _ => Milestone::Applied,
        }
    }
}

/// The commit modes by name, as the form and the split view offer them (their numbers apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitChoice {
    Async,
    AfterSync,
    AfterCommit,
    RemoteWrite,
    On,
    RemoteApply,
}

impl CommitChoice {
    pub const ALL: [CommitChoice; 6] = [
        CommitChoice::Async,
        CommitChoice::AfterSync,
        CommitChoice::AfterCommit,
        CommitChoice::RemoteWrite,
        CommitChoice::On,
        CommitChoice::RemoteApply,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CommitChoice::Async => "At once (asynchronous)",
            CommitChoice::AfterSync => "MySQL semi-sync, AFTER_SYNC",
            CommitChoice::AfterCommit => "MySQL semi-sync, AFTER_COMMIT",
            CommitChoice::RemoteWrite => "PostgreSQL remote_write",
            CommitChoice::On => "PostgreSQL on (flushed)",
            CommitChoice::RemoteApply => "PostgreSQL remote_apply",
        }
    }
}

impl CommitMode {
    /// The mode's name, its numbers apart.
    pub fn choice(self) -> CommitChoice {
        match self {
            CommitMode::Async => CommitChoice::Async,
            CommitMode::SemiSync { wait_point: WaitPoint::AfterSync, .. } => CommitChoice::AfterSync,
            CommitMode::SemiSync { wait_point: WaitPoint::AfterCommit, .. } => CommitChoice::AfterCommit,
            CommitMode::Synchronous { level: SyncLevel::RemoteWrite, .. } => CommitChoice::RemoteWrite,
            CommitMode::Synchronous { level: SyncLevel::On, .. } => CommitChoice::On,
            CommitMode::Synchronous { level: SyncLevel::RemoteApply, .. } => CommitChoice::RemoteApply,
        }
    }

    /// Another mode by name, keeping the number of replicas waited for (and semi-sync's
    /// timeout, or FIRST / ANY) where the new mode has them; defaults otherwise (one replica,
    /// 10 s, FIRST).
    pub fn switched_to(self, choice: CommitChoice) -> CommitMode {
        let (count, timeout_ms, method) = match self {
            CommitMode::SemiSync { wait_for_replica_count, timeout_ms, .. } => {
                (wait_for_replica_count, timeout_ms, SyncMethod::First)
            }
            CommitMode::Synchronous { count, method, .. } => (count, default_semi_sync_timeout_ms(), method),
            CommitMode::Async => (1, default_semi_sync_timeout_ms(), SyncMethod::First),
        };
        let semi = |wait_point| CommitMode::SemiSync { wait_point, wait_for_replica_count: count, timeout_ms };
        let postgres = |level| CommitMode::Synchronous { level, method, count };
        match choice {
            CommitChoice::Async => CommitMode::Async,
            CommitChoice::AfterSync => semi(WaitPoint::AfterSync),
            CommitChoice::AfterCommit => semi(WaitPoint::AfterCommit),
            CommitChoice::RemoteWrite => postgres(SyncLevel::RemoteWrite),
            CommitChoice::On => postgres(SyncLevel::On),
            CommitChoice::RemoteApply => postgres(SyncLevel::RemoteApply),
        }
    }

    /// The step a commit waits for replicas to acknowledge (None: it does not wait).
    pub fn awaits(self) -> Option<Milestone> {
        match self {
            CommitMode::Async => None,
            // MySQL's replica acknowledges once the events are in its relay log, on disk.
            CommitMode::SemiSync { .. } => Some(Milestone::Flushed),
            CommitMode::Synchronous { level: SyncLevel::RemoteWrite, .. } => Some(Milestone::Written),
            CommitMode::Synchronous { level: SyncLevel::On, .. } => Some(Milestone::Flushed),
            CommitMode::Synchronous { level: SyncLevel::RemoteApply, .. } => Some(Milestone::Applied),
        }
    }

    /// The mode as its system writes its settings.
    pub fn label(self) -> String {
        match self {
            CommitMode::Async => "asynchronous".into(),
            CommitMode::SemiSync { wait_point, wait_for_replica_count, timeout_ms } => format!(
                "MySQL semi-sync {}, wait for {wait_for_replica_count} replica(s), timeout {timeout_ms} ms",
                match wait_point {
                    WaitPoint::AfterSync => "AFTER_SYNC",
                    WaitPoint::AfterCommit => "AFTER_COMMIT",
                }
            ),
            CommitMode::Synchronous { level, method, count } => format!(
                "PostgreSQL synchronous_commit = {}, {} {count}",
                match level {
                    SyncLevel::RemoteWrite => "remote_write",
                    SyncLevel::On => "on",
                    SyncLevel::RemoteApply => "remote_apply",
                },
                match method {
                    SyncMethod::First => "FIRST",
                    SyncMethod::Any => "ANY",
                }
            ),
        }
    }
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

impl Default for ReplicationConfig {
    /// Two asynchronous replicas that keep up with a light load.
    fn default() -> Self {
        ReplicationConfig {
            replicas: 2,
            apply_per_s: 1_000.0,
            last_replica_speed: 1.0,
            ship_ms: default_ship_ms(),
            routing: ReadRouting::default(),
            fix: ReadFix::default(),
            stale_bound_ms: default_stale_bound_ms(),
            commit: CommitMode::default(),
            flush_ms: default_flush_ms(),
            failover: None,
        }
    }
}

impl ReplicationConfig {
    pub fn check(&self, c: &mut crate::validate::Checker) {
        use crate::validate::limits::data::{MAX_APPLY_PER_S, MAX_LATENCY_MS, MAX_REPLICAS, MAX_STALE_BOUND_MS};
        c.int("data.replication.replicas", self.replicas, 1, MAX_REPLICAS);
        c.float("data.replication.apply_per_s", self.apply_per_s, 0.0, MAX_APPLY_PER_S, true);
        c.float("data.replication.ship_ms", self.ship_ms, 0.0, MAX_LATENCY_MS, false);
        c.float("data.replication.last_replica_speed", self.last_replica_speed, 0.0, 1.0, true);
        c.float("data.replication.stale_bound_ms", self.stale_bound_ms, 0.0, MAX_STALE_BOUND_MS, false);
        c.float("data.replication.flush_ms", self.flush_ms, 0.0, MAX_LATENCY_MS, false);
        match self.commit {
            CommitMode::Async => {}
            CommitMode::SemiSync { wait_for_replica_count, timeout_ms, .. } => {
                c.int("data.replication.commit.wait_for_replica_count", wait_for_replica_count, 1, MAX_REPLICAS);
                c.float("data.replication.commit.timeout_ms", timeout_ms, 0.0, MAX_STALE_BOUND_MS, false);
            }
            CommitMode::Synchronous { count, .. } => c.int("data.replication.commit.count", count, 1, MAX_REPLICAS),
        }
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

// Failover's settings and records (`data/failover.rs` promotes a replica).

/// Heartbeats to the primary, as MHA for MySQL checks it by default: every 3 s, and down after
/// 3 checks in a row fail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailoverConfig {
    /// a heartbeat every this long [ms]
    pub heartbeat_ms: f64,
    /// checks in a row that fail before the primary is declared down
    pub misses: u32,
    /// promote the most up-to-date replica then (false: a student promotes one)
    pub automatic: bool,
    /// the old primary is fenced: when it comes back it is rebuilt as a replica. Without
    /// fencing it comes back still a primary, and the web servers that still reach it at its old
    /// address (here, every second user's) write to it: a split brain
    #[serde(default = "fenced", skip_serializing_if = "is_fenced")]
    pub fencing: bool,
}

fn fenced() -> bool {
    true
}

fn is_fenced(fencing: &bool) -> bool {
    *fencing
}

impl Default for FailoverConfig {
    fn default() -> Self {
        FailoverConfig { heartbeat_ms: 3_000.0, misses: 3, automatic: true, fencing: true }
    }
}

impl FailoverConfig {
    pub fn check(&self, c: &mut crate::validate::Checker) {
        use crate::validate::limits::data::MAX_STALE_BOUND_MS;
        c.float("data.replication.failover.heartbeat_ms", self.heartbeat_ms, 0.0, MAX_STALE_BOUND_MS, true);
        c.int("data.replication.failover.misses", self.misses, 1, 100);
    }

    /// When heartbeats declare a primary that crashed at `crashed` down: at the `misses`-th
    /// check after the crash (checks run at whole multiples of the interval).
    pub fn detected_at(&self, crashed: SimTime) -> SimTime {
        let every = SimTime::from_millis_f64(self.heartbeat_ms).0.max(1);
        let first_missed = (crashed.0 / every + 1) * every;
        SimTime(first_missed + every * u64::from(self.misses.saturating_sub(1)))
    }
}

/// A write the old primary committed that no surviving replica had received.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LostWrite {
    pub position: u64,
    pub sql: String,
    /// when it committed on the old primary [s]
    pub committed_at_s: f64,
    /// its client had been told it committed
    pub acknowledged: bool,
}

/// One failover: when it ended, which replica became the primary, where the log now ends, and
/// what was lost.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailoverRecord {
    pub at_s: f64,
    /// the promoted replica's number (1 is the first)
    pub promoted: usize,
    pub position: u64,
    pub lost: Vec<LostWrite>,
    /// users whose acknowledged last write was lost, and users who had read a state that
    /// included a lost write (shown on the old primary before it was replicated)
    pub users_lost_a_write: u64,
    pub users_saw_lost_writes: u64,
}

impl FailoverRecord {
    pub fn acknowledged_lost(&self) -> usize {
        self.lost.iter().filter(|w| w.acknowledged).count()
    }
}
