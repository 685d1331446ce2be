//! Single-primary replication: writes run on the primary and enter its log in commit order;
//! each replica receives the log over its link, writes and flushes it, and applies it, entry by
//! entry, at its own rate, to rows of its own. Reads go to the replicas, so a read sees the
//! replica's rows as of the last entry it applied, and a user who reads right after writing may
//! not see the write: that is counted when it really happens (the user's last write is past
//! what the replica applied).
//!
//! A commit returns to its client as its mode says: at once (asynchronous, MySQL's default and
//! PostgreSQL's without `synchronous_standby_names`), when enough replicas have acknowledged
//! receiving it (MySQL semi-synchronous, which falls back to asynchronous after its timeout),
//! or when the synchronous standbys have written, flushed or applied it (PostgreSQL's
//! `synchronous_commit` levels, `FIRST k` or `ANY k`). Its wait is what it waits for.

use std::collections::HashMap;
use std::rc::Rc;

mod config;
mod groups;

pub use config::*;
pub use groups::Replicated;

use crate::data::sql::ast::Statement;
use crate::data::Database;
use crate::time::SimTime;

/// What a user's read must show, as the user stood when sending it: their last write that had
/// come back to them, and the newest state a read of theirs had shown. A read that overlaps
/// the write or the earlier read is not held to them: the anomalies are real ones only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStart {
    pub must_see: u64,
    pub seen: u64,
}

/// One replica: its own rows, and how far along the log it is.
#[derive(Clone)]
pub struct Replica {
    pub db: Database,
    /// log entries it has received, and applied (both count from the first)
    pub received: u64,
    pub applied: u64,
    /// an entry is being applied now
    pub applying: bool,
    /// crashed: it neither receives, applies nor acknowledges
    pub down: bool,
    /// the newest log position it has acknowledged at each milestone (as the primary heard it)
    pub acked: [u64; 3],
    /// the machine it runs on (a failover swaps the primary's and the promoted replica's)
    pub machine: usize,
    /// an old primary that holds writes the new one lost: it is rebuilt from the new primary
    /// when it comes back, before it serves anything (fencing)
    pub diverged: bool,
    /// each applied entry's time from its commit on the primary to its apply here
    pub lag: crate::metrics::Histogram,
    /// its link to the primary is cut (a network partition): the log and acknowledgements on
    /// it are lost, and it is counted disconnected; `link_cuts` names each cut, so that what
    /// was on the wire before one does not arrive after it
    pub cut: bool,
    pub link_cuts: u32,
    /// an old primary back without fencing: it still takes writes, which go nowhere else
    pub split_brain: bool,
}

/// A write in the primary's log.
#[derive(Clone)]
pub(crate) struct LogEntry {
    pub(crate) statement: Rc<Statement>,
    pub(crate) committed_at: SimTime,
    /// its commit came back to its client (an acknowledged write)
    pub(crate) returned: bool,
}

/// One replicated group: a primary's log and its replicas (the whole database's, or one
/// shard's).
#[derive(Clone)]
pub struct Replication {
    pub config: ReplicationConfig,
    /// the shard the group holds, when the database is sharded (each shard replicates on its own)
    pub shard: Option<String>,
    /// the writes in commit order
    pub(crate) log: Vec<LogEntry>,
    pub replicas: Vec<Replica>,
    /// the machine the primary runs on (0 until a failover), and the replica being promoted
    /// while a failover is under way (no primary takes writes then)
    pub primary_machine: usize,
    pub promoting: Option<usize>,
    /// how many times the primary has crashed (a heartbeat's verdict names the crash it is about)
    pub primary_crashes: u32,
    /// the failovers so far, each with the writes it lost
    pub failovers: Vec<FailoverRecord>,
    /// the newest log position other sessions on the primary see: under AFTER_SYNC and
    /// PostgreSQL's synchronous commit, a write shows only once its wait is over
    pub(crate) visible: u64,
    /// each user's last write whose commit has come back to them: its log position (1 is the
    /// first entry) and when it came back
    pub(crate) last_write: HashMap<u32, (u64, SimTime)>,
    /// the newest log position each user has had a read of come back (a read sent after that
    /// which shows less went back in time)
    pub(crate) seen: HashMap<u32, u64>,
    /// reads that did not see their user's own last write
    pub read_your_writes_violations: u64,
    /// reads that showed an older state than the same user's read before
    pub monotonic_violations: u64,
    /// reads whose replica was further behind than the stale bound
    pub stale_reads: u64,
    /// reads on the primary that showed a write no replica had yet (a crash of the primary
    /// would lose what they saw): never under AFTER_SYNC, which hides a write until a replica
    /// has it
    pub reads_ahead_of_replicas: u64,
    /// each replica's lag [s] at the end of each simulated second, the last minute of them
    pub lag_series: std::collections::VecDeque<(u64, Vec<f64>)>,
    /// reads that waited for their user's write to be applied, how long in all, and how many
    /// gave up at the timeout (the wait fix's cost)
    pub waits: u64,
    pub waited: SimTime,
    pub wait_timeouts: u64,
    /// commits that waited for replicas, how long in all, and the longest wait
    pub commit_waits: u64,
    pub commit_waited: SimTime,
    pub longest_commit_wait: SimTime,
    /// semi-sync: the source has fallen back to asynchronous (a wait timed out) until a replica
    /// catches up; how many times, and the commits that returned unacknowledged
    /// (`Rpl_semi_sync_source_no_tx`)
    pub semi_sync_off: bool,
    pub semi_sync_fallbacks: u64,
    pub unacknowledged_commits: u64,
    /// writes an unfenced old primary took: on neither the new primary nor its replicas
    pub split_brain_writes: u64,
}

impl Replication {
    /// A group whose replicas start as copies of `primary` (its rows as they are now). Its
    /// primary runs on machine `first_machine`, and its replicas on the machines after it.
    pub fn new(
        config: &ReplicationConfig,
        primary: &Database,
        first_machine: usize,
        shard: Option<String>,
    ) -> Replication {
        let replicas = (0..config.replicas as usize)
            .map(|i| Replica {
                db: primary.clone(),
                received: 0,
                applied: 0,
                applying: false,
                down: false,
                acked: [0; 3],
                machine: first_machine + i + 1,
                diverged: false,
                lag: Default::default(),
                cut: false,
                link_cuts: 0,
                split_brain: false,
            })
            .collect();
        Replication {
            config: config.clone(),
            shard,
            log: Vec::new(),
            replicas,
            primary_machine: first_machine,
            promoting: None,
            primary_crashes: 0,
            failovers: Vec::new(),
            visible: 0,
            last_write: HashMap::new(),
            seen: HashMap::new(),
            read_your_writes_violations: 0,
            monotonic_violations: 0,
            stale_reads: 0,
            reads_ahead_of_replicas: 0,
            lag_series: Default::default(),
            waits: 0,
            waited: SimTime::ZERO,
            wait_timeouts: 0,
            commit_waits: 0,
            commit_waited: SimTime::ZERO,
            longest_commit_wait: SimTime::ZERO,
            semi_sync_off: false,
            semi_sync_fallbacks: 0,
            unacknowledged_commits: 0,
            split_brain_writes: 0,
        }
    }

    /// A write committed on the primary: it enters the log; returns its position.
    pub fn committed(&mut self, statement: Rc<Statement>, now: SimTime) -> u64 {
        self.log.push(LogEntry { statement, committed_at: now, returned: false });
        let position = self.log.len() as u64;
        if !self.hidden_until_replicated() {
            self.visible = position;
        }
        position
    }

    /// Whether a commit stays invisible to other sessions until its wait is over: MySQL's
    /// AFTER_SYNC (while semi-sync is on), and PostgreSQL, which ends the transaction only once
    /// the standbys have answered. AFTER_COMMIT and asynchronous commits show at once.
    fn hidden_until_replicated(&self) -> bool {
        match self.config.commit {
            CommitMode::SemiSync { wait_point: WaitPoint::AfterSync, .. } => !self.semi_sync_off,
            CommitMode::Synchronous { .. } => true,
            CommitMode::SemiSync { wait_point: WaitPoint::AfterCommit, .. } | CommitMode::Async => false,
        }
    }

    /// A user's write came back to them, committed at `position`.
    pub fn write_returned(&mut self, user: u32, position: u64, now: SimTime) {
        if let Some(entry) = self.log.get_mut(position as usize - 1) {
            entry.returned = true;
        }
        let last = self.last_write.entry(user).or_insert((0, SimTime::ZERO));
        if position >= last.0 {
            *last = (position, now);
        }
    }

    /// A user's read came back to them, showing the log up to `shows`.
    pub fn read_returned(&mut self, user: u32, shows: u64) {
        let seen = self.seen.entry(user).or_insert(0);
        *seen = (*seen).max(shows);
    }

    /// What a read the user sends now must show.
    pub fn read_start(&self, user: u32) -> ReadStart {
        ReadStart {
            must_see: self.last_write.get(&user).map_or(0, |w| w.0),
            seen: self.seen.get(&user).copied().unwrap_or(0),
        }
    }

    /// A read runs now on a replica (or on the primary: None); returns the log position it
    /// shows. Each anomaly it shows is counted: the user's own last write missing, an older
    /// state than a read of theirs showed before, or data older than the stale bound.
    pub fn check_read(&mut self, replica: Option<usize>, start: ReadStart, now: SimTime) -> u64 {
        let shows = replica.map_or(self.visible, |r| self.replicas[r].applied);
        if start.must_see > shows {
            self.read_your_writes_violations += 1;
        }
        if replica.is_none() && shows > self.replicas.iter().map(|r| r.received).max().unwrap_or(0) {
            self.reads_ahead_of_replicas += 1;
        }
        if shows < start.seen {
            self.monotonic_violations += 1;
        }
        if replica.is_some_and(|r| self.lag(r, now).1.as_secs_f64() * 1_000.0 > self.config.stale_bound_ms) {
            self.stale_reads += 1;
        }
        shows
    }

    /// The anomalies counted so far (missed own write, back in time, stale).
    pub fn anomalies(&self) -> [u64; 3] {
        [self.read_your_writes_violations, self.monotonic_violations, self.stale_reads]
    }

    /// The anomalies a read just counted (since `counted`), each in words: whose read, where,
    /// and what it showed against what it had to.
    pub fn anomalies_since(
        &self,
        counted: [u64; 3],
        user: u32,
        role: &str,
        start: ReadStart,
        shows: u64,
    ) -> Vec<String> {
        let now = self.anomalies();
        let mut said = Vec::new();
        if now[0] > counted[0] {
            said.push(format!(
                "user {user}'s read on {role} missed their own write: it showed the log up to #{shows}, their write is #{}",
                start.must_see
            ));
        }
        if now[1] > counted[1] {
            said.push(format!(
                "user {user}'s read on {role} went back in time: it showed the log up to #{shows}, their read before showed up to #{}",
                start.seen
            ));
        }
        if now[2] > counted[2] {
            said.push(format!(
                "user {user}'s read on {role} was stale: further behind the primary than {} ms",
                self.config.stale_bound_ms
            ));
        }
        said
    }

    /// Under the wait fix, the log position a read on `replica` must wait for (the user's last
    /// write, when the replica has not applied it yet), with the wait's timeout.
    pub fn must_wait(&self, replica: usize, start: ReadStart) -> Option<(u64, SimTime)> {
        let ReadFix::WaitForPosition { timeout_ms } = self.config.fix else { return None };
        (start.must_see > self.replicas[replica].applied)
            .then(|| (start.must_see, SimTime::from_millis_f64(timeout_ms)))
    }

    /// The replica applies its next received entry to its rows, if it has one, and records how
    /// long after its commit that was (the entry's replication lag).
    pub fn apply_next_entry(&mut self, replica: usize, now: SimTime) {
        let r = &mut self.replicas[replica];
        let Some(entry) = self.log.get(r.applied as usize).filter(|_| r.applied < r.received) else { return };
        // The primary ran it on the same rows, so it runs here too (an error would mean the
        // copies had diverged; nothing here can make them).
        let _ = r.db.run(&entry.statement, false);
        r.applied += 1;
        r.lag.record(now.saturating_sub(entry.committed_at));
    }

    /// Log entries a replica applies per second.
    pub fn apply_rate(&self, replica: usize) -> f64 {
        let last = replica + 1 == self.replicas.len() && self.replicas.len() > 1;
        self.config.apply_per_s * if last { self.config.last_replica_speed } else { 1.0 }
    }

    /// An unfenced old primary that is back up and taking writes, and whether `user`'s writes
    /// reach it (every second user's: their web server still has its address).
    pub fn split_brain_for(&self, user: u32) -> Option<usize> {
        let i = self.replicas.iter().position(|r| r.split_brain && !r.down)?;
        (user % 2 == 1).then_some(i)
    }

    /// The replica a machine runs, if it runs one (else it is the primary's).
    pub fn replica_on(&self, machine: usize) -> Option<usize> {
        self.replicas.iter().position(|r| r.machine == machine)
    }

    /// A machine's role, as the diagram names it: "primary", or "replica 2" (with its shard's
    /// name before it when the database is sharded: "-80 replica 2").
    pub fn role(&self, machine: usize) -> String {
        let role = match self.replica_on(machine) {
            None => "primary".into(),
            Some(i) => format!("replica {}", i + 1),
        };
        match &self.shard {
            Some(shard) => format!("{shard} {role}"),
            None => role,
        }
    }

    /// Closes a simulated second of the lag chart: each replica's lag now.
    pub fn sample_lag(&mut self, now: SimTime) {
        const KEPT: usize = 60;
        let lags = (0..self.replicas.len()).map(|i| self.lag(i, now).1.as_secs_f64()).collect();
        if self.lag_series.len() == KEPT {
            self.lag_series.pop_front();
        }
        self.lag_series.push_back((now.whole_secs(), lags));
    }

    /// How many log entries committed at or after `since` (the newest ones).
    pub fn log_since(&self, since: SimTime) -> u32 {
        self.log.iter().rev().take_while(|e| e.committed_at >= since).count() as u32
    }

    /// The log entries committed at or after `since` (the newest), each with its position and
    /// when it committed.
    pub fn sent_since(&self, since: SimTime) -> impl Iterator<Item = (u64, SimTime)> + '_ {
        let first = self.log.len() - self.log_since(since) as usize;
        self.log[first..].iter().enumerate().map(move |(i, e)| ((first + i + 1) as u64, e.committed_at))
    }

    /// The log's length: the primary's position.
    pub fn position(&self) -> u64 {
        self.log.len() as u64
    }

    /// How far a replica is behind: log entries, and the age of the oldest it has not applied.
    pub fn lag(&self, replica: usize, now: SimTime) -> (u64, SimTime) {
        let applied = self.replicas[replica].applied;
        let behind = self.position() - applied;
        let age = self.log.get(applied as usize).map_or(SimTime::ZERO, |e| now.saturating_sub(e.committed_at));
        (behind, age)
    }

    /// The step replicas acknowledge to the primary, when the commit mode waits for one.
    pub fn awaited(&self) -> Option<Milestone> {
        self.config.commit.awaits()
    }

    /// A replica's acknowledgement reaches the primary.
    pub fn acknowledged(&mut self, replica: usize, milestone: Milestone, position: u64) {
        let acked = &mut self.replicas[replica].acked[milestone as usize];
        *acked = (*acked).max(position);
        // Semi-sync comes back once a replica has caught up with the source.
        if self.semi_sync_off && position >= self.position() {
            self.semi_sync_off = false;
        }
    }

    /// The newest log position the commit mode counts as replicated: a commit at or before it
    /// may return. Only replicas that are up and reachable count (a crashed standby, or one cut
    /// off, is disconnected).
    pub fn confirmed(&self) -> u64 {
        let Some(milestone) = self.awaited() else { return self.position() };
        let up = self.replicas.iter().filter(|r| !r.down && !r.cut).map(|r| r.acked[milestone as usize]);
        let kth_largest = |mut acked: Vec<u64>, k: usize| {
            acked.sort_unstable_by(|a, b| b.cmp(a));
            if k == 0 {
                self.position()
            } else {
                acked.get(k - 1).copied().unwrap_or(0)
            }
        };
        match self.config.commit {
            CommitMode::Async => self.position(),
            CommitMode::SemiSync { wait_for_replica_count: k, .. }
            | CommitMode::Synchronous { method: SyncMethod::Any, count: k, .. } => {
                kth_largest(up.collect(), k as usize)
            }
            // FIRST k: the k connected standbys of highest priority must all have it.
            CommitMode::Synchronous { method: SyncMethod::First, count: k, .. } => {
                let first: Vec<u64> = up.take(k as usize).collect();
                if first.len() < k as usize {
                    0
                } else {
                    first.into_iter().min().unwrap_or_else(|| self.position())
                }
            }
        }
    }

    /// Whether a commit at `position` waits for replicas before it returns; a commit that does
    /// not wait under semi-sync is counted unacknowledged (the source had fallen back).
    pub fn commit_waits(&mut self, position: u64) -> bool {
        if self.awaited().is_none() {
            return false;
        }
        if self.semi_sync_off {
            self.unacknowledged_commits += 1;
            return false;
        }
        position > self.confirmed()
    }

    /// The semi-sync timeout, when the mode has one.
    pub fn commit_timeout(&self) -> Option<SimTime> {
        match self.config.commit {
            CommitMode::SemiSync { timeout_ms, .. } => Some(SimTime::from_millis_f64(timeout_ms)),
            _ => None,
        }
    }

    /// A commit's wait is over: counted with its length; other sessions see it now.
    pub fn commit_returned(&mut self, position: u64, waited: SimTime, acknowledged: bool) {
        self.visible = self.visible.max(position.min(self.position()));
        self.commit_waits += 1;
        self.commit_waited += waited;
        self.longest_commit_wait = self.longest_commit_wait.max(waited);
        if !acknowledged {
            self.unacknowledged_commits += 1;
        }
    }

    /// Commits' mean wait for replicas [ms] (0 when none waited).
    pub fn mean_commit_wait_ms(&self) -> f64 {
        if self.commit_waits == 0 {
            0.0
        } else {
            self.commit_waited.as_millis_f64() / self.commit_waits as f64
        }
    }

    /// A semi-sync wait timed out: the source falls back to asynchronous replication.
    pub fn fall_back_to_async(&mut self) {
        if !self.semi_sync_off {
            self.semi_sync_off = true;
            self.semi_sync_fallbacks += 1;
        }
    }
}
