//! Failover of a single-primary group: heartbeats find the primary down, the most up-to-date
//! replica applies what it has received and becomes the primary, and the writes only the old
//! primary had are lost (listed, with whether their client had been told they committed). The
//! old primary is fenced: when it comes back it is rebuilt from the new primary as a replica,
//! and never takes a write of its own.

pub use super::replication::{FailoverConfig, FailoverRecord, LostWrite};

use super::replication::Replication;
use super::Database;
use crate::time::SimTime;

impl Replication {
    /// The replica to promote: the one up that has received the most of the log (the first
    /// such on a tie), if any is up.
    pub fn candidate(&self) -> Option<usize> {
        let up = self.replicas.iter().enumerate().filter(|(_, r)| !r.down && !r.diverged);
        up.max_by_key(|(i, r)| (r.received, std::cmp::Reverse(*i))).map(|(i, _)| i)
    }

    /// Why a replica cannot be promoted now, in words that say what to do (None: it can).
    pub fn cannot_promote(&self, replica: usize, primary_down: bool) -> Option<String> {
        let Some(r) = self.replicas.get(replica) else {
            return Some(format!("replica {} is not in this run, which has {}", replica + 1, self.replicas.len()));
        };
        if self.promoting.is_some() {
            return Some("a failover is already under way: wait for it to finish".into());
        }
        if !primary_down {
            return Some("the primary is up: crash it first (a planned switchover is not modelled)".into());
        }
        if r.down || r.diverged {
            return Some(format!("replica {} is down: recover it, or promote another", replica + 1));
        }
        None
    }

    /// How long the replica takes to apply what it received and has not applied, before it
    /// can take writes.
    pub fn catch_up_time(&self, replica: usize) -> SimTime {
        let r = &self.replicas[replica];
        SimTime::from_secs_f64((r.received - r.applied) as f64 / self.apply_rate(replica))
    }

    /// The replica becomes the primary: it applies the rest of what it received, the log ends
    /// where its copy ends (the writes after are lost), it takes the primary's machine role,
    /// and the old primary becomes a fenced replica that is rebuilt when it comes back.
    /// `primary` is the database the primary's role holds; the group's rows there (the one
    /// server's, or its shard's) change places with the replica's, and it is up again.
    pub fn promote(&mut self, replica: usize, primary: &mut Database, group: usize, now: SimTime) -> &FailoverRecord {
        let r = &mut self.replicas[replica];
        while r.applied < r.received {
            let _ = r.db.run(&self.log[r.applied as usize].statement, false);
            r.applied += 1;
        }
        let keep = r.received;
        let lost: Vec<LostWrite> = self.log[keep as usize..]
            .iter()
            .enumerate()
            .map(|(i, e)| LostWrite {
                position: keep + 1 + i as u64,
                sql: e.statement.to_string(),
                committed_at_s: e.committed_at.as_secs_f64(),
                acknowledged: e.returned,
            })
            .collect();
        self.log.truncate(keep as usize);
        // The rows change places: the old primary's stay with its machine, now a replica's.
        if let (Some(primary_rows), Some(rows)) = (primary.group_node_mut(group), r.db.group_node_mut(0)) {
            std::mem::swap(primary_rows, rows);
        }
        primary.set_down(group, false);
        r.db.set_down(0, true);
        std::mem::swap(&mut self.primary_machine, &mut r.machine);
        (r.down, r.diverged, r.applying) = (true, true, false);
        for other in &mut self.replicas {
            other.received = other.received.min(keep);
            other.applied = other.applied.min(keep);
            other.acked.iter_mut().for_each(|a| *a = (*a).min(keep));
        }
        self.visible = self.visible.min(keep);
        let users_lost_a_write = clamp_all(self.last_write.values_mut().map(|w| &mut w.0), keep);
        let users_saw_lost_writes = clamp_all(self.seen.values_mut(), keep);
        self.promoting = None;
        self.semi_sync_off = false;
        self.failovers.push(FailoverRecord {
            at_s: now.as_secs_f64(),
            promoted: replica + 1,
            position: keep,
            lost,
            users_lost_a_write,
            users_saw_lost_writes,
        });
        self.failovers.last().expect("just pushed")
    }

    /// A fenced old primary comes back: it is rebuilt as a copy of the new primary, at the
    /// log's end, and serves as a replica from then on.
    pub fn rejoin(&mut self, replica: usize, primary: &mut Database, group: usize) {
        let position = self.position();
        let r = &mut self.replicas[replica];
        if let (Some(primary_rows), Some(rows)) = (primary.group_node_mut(group), r.db.group_node_mut(0)) {
            *rows = primary_rows.clone();
        }
        (r.received, r.applied, r.acked, r.diverged) = (position, position, [position; 3], false);
    }
}

/// Lowers each position past `keep` to it (that state is gone); returns how many were.
fn clamp_all<'a>(positions: impl Iterator<Item = &'a mut u64>, keep: u64) -> u64 {
    let mut lowered = 0;
    for p in positions {
        if *p > keep {
            *p = keep;
            lowered += 1;
        }
    }
    lowered
}
