//! The engine's side of single-primary replication: a committed write's log entry travels to
//! each replica, and each replica applies its entries one at a time at its own rate, to rows of
//! its own, while it is up. Under a commit mode that waits, each replica acknowledges the step
//! the mode waits for (written, flushed, applied) back over its link, and a commit returns to
//! its client once the acknowledgements it needs are in (or, under semi-sync, at the timeout).
//! A sharded database has a group (a primary, its log and its replicas) per shard, each on its
//! own: replicas are numbered across groups (see `Replicated`), and events name them so.

use super::request::{RequestRef, Stage};
use super::{Event, Sim};
use crate::components::data_tier::Target;
use crate::components::server::Fault;
use crate::data::replication::Milestone;
use crate::data::sql::ast::Statement;
use crate::time::SimTime;
use std::rc::Rc;

/// A read waiting on its replicas for its user's last writes: replica `replica` of each group,
/// until it has applied the group's position listed.
#[derive(Clone)]
pub(super) struct Waiting {
    r: RequestRef,
    replica: usize,
    positions: Vec<(usize, u64)>,
    since: SimTime,
}

/// A write whose commit waits for its group's replicas: its share stays at the primary until
/// then.
#[derive(Clone)]
pub(super) struct CommitWait {
    r: RequestRef,
    job: u16,
    group: usize,
    position: u64,
    since: SimTime,
}

impl Sim {
    /// A write committed on a group's primary: it enters the group's log and ships to each of
    /// its replicas; returns its log position.
    pub(super) fn commit_write(&mut self, group: usize, write: Rc<Statement>) -> Option<u64> {
        let now = self.now;
        let position = self.data.as_mut()?.commit(group, write, now)?;
        self.ship_entry(group);
        Some(position)
    }

    /// Whether the commit at `position` in `group` (the request's share `job`) waits for
    /// replicas; if it does, it is parked until their acknowledgements are in (a semi-sync wait
    /// until its timeout at most).
    pub(super) fn waits_for_replicas(&mut self, r: RequestRef, job: u16, group: usize, position: u64) -> bool {
        let Some(replication) = self.group_mut(group) else { return false };
        if !replication.commit_waits(position) {
            return false;
        }
        if let Some(timeout) = replication.commit_timeout() {
            self.queue.push(self.now + timeout, Event::CommitTimeout(r));
        }
        // No longer the server's work: a crash of the primary fails it once, as a waiting commit.
        if let Some(j) = self.db_trips.get_mut(r.slot as usize).and_then(|t| t.jobs.get_mut(job as usize)) {
            j.stage = super::database::JobStage::Committing;
        }
        self.db_commits.push(CommitWait { r, job, group, position, since: self.now });
        true
    }

    /// One replicated group (the one server's, or a shard's).
    fn group_mut(&mut self, group: usize) -> Option<&mut crate::data::replication::Replication> {
        self.data.as_mut()?.replication_mut()?.groups.get_mut(group)
    }

    fn group(&self, group: usize) -> Option<&crate::data::replication::Replication> {
        self.data.as_ref()?.replication()?.groups.get(group)
    }

    /// A replica (by its number across groups): its group's number, and its place there.
    fn locate(&self, replica: usize) -> Option<(usize, usize)> {
        let r = self.data.as_ref()?.replication()?;
        let (g, k) = r.locate(replica);
        r.replica(replica).map(|_| (g, k))
    }

    /// A replica's acknowledgement is in: the commits it completes in its group return.
    pub(super) fn on_ack(&mut self, replica: usize, milestone: Milestone, position: u64) {
        let Some((g, k)) = self.locate(replica) else { return };
        let Some(replication) = self.group_mut(g) else { return };
        if replication.replicas[k].cut {
            return; // lost on the cut link
        }
        replication.acknowledged(k, milestone, position);
        let confirmed = replication.confirmed();
        self.release_commits(|w| w.group == g && w.position <= confirmed, true);
    }

    /// A semi-sync commit waited its whole timeout: its group's source falls back to
    /// asynchronous replication, and every commit waiting there returns unacknowledged.
    pub(super) fn on_commit_timeout(&mut self, r: RequestRef) {
        let groups: Vec<usize> = self.db_commits.iter().filter(|w| w.r == r).map(|w| w.group).collect();
        for &g in &groups {
            if let Some(replication) = self.group_mut(g) {
                replication.fall_back_to_async();
            }
        }
        // (none: it was acknowledged in time)
        self.release_commits(|w| groups.contains(&w.group), false);
    }

    /// The commits `done` picks return to their clients.
    fn release_commits(&mut self, done: impl Fn(&CommitWait) -> bool, acknowledged: bool) {
        if self.db_commits.is_empty() {
            return;
        }
        let (ready, still): (Vec<CommitWait>, Vec<CommitWait>) = self.db_commits.drain(..).partition(done);
        self.db_commits = still;
        for w in ready {
            let waited = self.now - w.since;
            if let Some(replication) = self.group_mut(w.group) {
                replication.commit_returned(w.position, waited, acknowledged);
            }
            self.send_share_back(w.r, w.job);
        }
    }

    /// A group's primary crashed: the sessions waiting on their commits there lose their
    /// connection, and heartbeats will declare it down (then a replica is promoted, when
    /// failover is automatic).
    pub(super) fn primary_crashed(&mut self, group: usize) {
        let (lost, still) = std::mem::take(&mut self.db_commits).into_iter().partition(|w| w.group == group);
        self.db_commits = still;
        for w in lost {
            self.db_trips[w.r.slot as usize].failed = true;
            self.send_share_back(w.r, w.job);
        }
        let now = self.now;
        let Some(r) = self.group_mut(group) else { return };
        r.primary_crashes += 1;
        let crash = r.primary_crashes;
        if let Some(at) = r.config.failover.as_ref().filter(|f| f.automatic).map(|f| f.detected_at(now)) {
            self.queue.push(at, Event::PrimaryDeclaredDown { crash, group: group as u16 });
        }
    }

    /// Whether a group's primary's machine is down now.
    pub(super) fn primary_down(&self, group: usize) -> bool {
        let Some(data) = self.data.as_ref() else { return false };
        let Some(r) = self.group(group) else { return false };
        data.servers().nth(r.primary_machine).is_some_and(|(_, m)| m.fault() == Fault::Crashed)
    }

    /// Heartbeats declare a group's primary down: its most up-to-date replica up is promoted
    /// (if none is up, the next heartbeat tries again).
    pub(super) fn on_primary_declared_down(&mut self, group: usize, crash: u32) {
        let Some(r) = self.group(group) else { return };
        if crash != r.primary_crashes || !self.primary_down(group) || r.promoting.is_some() {
            return; // it came back, or a student promoted a replica first
        }
        match r.candidate() {
            Some(k) => {
                let replica = self.data.as_ref().and_then(|d| d.replication()).map_or(k, |r| r.number(group, k));
                self.start_promotion(replica);
            }
            None => {
                let every = r.config.failover.as_ref().map_or(1_000.0, |f| f.heartbeat_ms);
                let again = Event::PrimaryDeclaredDown { crash, group: group as u16 };
                self.queue.push(self.now + SimTime::from_millis_f64(every), again);
            }
        }
    }

    /// The replica (by its number across groups) applies the rest of what it received (its
    /// group's writes fail meanwhile: there is no primary); then it becomes the primary.
    pub(super) fn start_promotion(&mut self, replica: usize) {
        let Some((g, k)) = self.locate(replica) else { return };
        let now = self.now;
        let Some(r) = self.group_mut(g) else { return };
        r.promoting = Some(k);
        let done = now + r.catch_up_time(k);
        self.queue.push(done, Event::PromotionDone { replica: replica as u32 });
    }

    pub(super) fn on_promotion_done(&mut self, replica: usize) {
        let now = self.now;
        let Some((g, k)) = self.locate(replica) else { return };
        if self.group(g).and_then(|r| r.promoting) != Some(k) {
            return;
        }
        if let Some(data) = self.data.as_mut() {
            data.promote(replica, now);
        }
    }

    /// A replica acknowledges `milestone` up to `position`, heard at the primary after the link.
    fn acknowledge(&mut self, replica: usize, milestone: Milestone, position: u64, after: SimTime) {
        let Some((g, k)) = self.locate(replica) else { return };
        let Some(r) = self.group(g) else { return };
        if r.awaited() != Some(milestone) || r.replicas[k].cut {
            return;
        }
        let at = self.now + after + SimTime::from_millis_f64(r.config.ship_ms);
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        self.queue.push(at, Event::Ack { replica: replica as u16, milestone: milestone as u8, position });
    }

    /// A replica's link to the primary is cut (a network partition) or healed. While cut, the
    /// log and the acknowledgements on it are lost, and the replica still serves reads from
    /// what it has; once healed, it fetches what it missed (over one trip) and acknowledges it.
    pub(super) fn cut_link(&mut self, replica: usize, cut: bool) {
        let Some((g, k)) = self.locate(replica) else { return };
        let Some(r) = self.group_mut(g) else { return };
        let ship = SimTime::from_millis_f64(r.config.ship_ms);
        let this = &mut r.replicas[k];
        this.cut = cut;
        if cut {
            this.link_cuts += 1;
        } else {
            let link = this.link_cuts;
            self.queue.push_in_order(self.now + ship, Event::LinkHealed { replica: replica as u32, link });
        }
    }

    pub(super) fn on_link_healed(&mut self, replica: usize, link: u32) {
        let Some((g, k)) = self.locate(replica) else { return };
        let now = self.now;
        let Some(r) = self.group_mut(g) else { return };
        let this = &mut r.replicas[k];
        if this.cut || this.link_cuts != link || this.diverged {
            return; // cut again meanwhile
        }
        // Everything committed before the heal was sent; what comes after arrives on its own.
        let sent = r.position() - u64::from(r.log_since(now - SimTime::from_millis_f64(r.config.ship_ms)));
        let this = &mut r.replicas[k];
        this.received = this.received.max(sent);
        if !this.down {
            self.replica_reconnects(replica);
        }
    }

    /// A replica back up tells the primary how far it has got (as a reconnecting replica does).
    pub(super) fn replica_reconnects(&mut self, replica: usize) {
        let Some((g, k)) = self.locate(replica) else { return };
        let Some(r) = self.group(g) else { return };
        let (received, applied) = (r.replicas[k].received, r.replicas[k].applied);
        self.acknowledge(replica, Milestone::Written, received, SimTime::ZERO);
        self.acknowledge(replica, Milestone::Flushed, received, SimTime::ZERO);
        self.acknowledge(replica, Milestone::Applied, applied, SimTime::ZERO);
        self.apply_next(replica);
    }

    /// A group's newest log entry leaves for each of its replicas.
    pub(super) fn ship_entry(&mut self, group: usize) {
        let Some(replicated) = self.data.as_ref().and_then(|d| d.replication()) else { return };
        let Some(r) = replicated.groups.get(group) else { return };
        let at = self.now + SimTime::from_millis_f64(r.config.ship_ms);
        let crash = r.primary_crashes as u16;
        let first = replicated.number(group, 0);
        let links: Vec<u32> = r.replicas.iter().map(|x| x.link_cuts).collect();
        for (k, link) in links.into_iter().enumerate() {
            let event = Event::LogArrives { replica: (first + k) as u16, crash, link };
            self.queue.push_in_order(at, event);
        }
    }

    /// A log entry reaches a replica: it applies it after those before it.
    pub(super) fn on_log_arrives(&mut self, replica: usize, crash: u16, link: u32) {
        let Some((g, k)) = self.locate(replica) else { return };
        let now = self.now;
        let Some(r) = self.group_mut(g) else { return };
        let (position, crashes) = (r.position(), r.primary_crashes as u16);
        let this = &mut r.replicas[k];
        if crash != crashes || link != this.link_cuts || this.cut || this.received >= position || this.diverged {
            // The primary crashed with it on its way (a replica that reconnects to it later
            // fetches it again), its link was cut (the heal carries it), a failover dropped it
            // from the log, or the replica is a fenced old primary.
            return;
        }
        this.received += 1;
        let (received, down, flush) = (this.received, this.down, SimTime::from_millis_f64(r.config.flush_ms));
        let sent = now.saturating_sub(SimTime::from_millis_f64(r.config.ship_ms));
        if let Some(data) = self.data.as_mut() {
            data.log_arrived(replica, sent, now);
        }
        if !down {
            self.acknowledge(replica, Milestone::Written, received, SimTime::ZERO);
            self.acknowledge(replica, Milestone::Flushed, received, flush);
        }
        self.apply_next(replica);
    }

    /// The replica starts applying its next entry, unless it is busy with one, has none, or is down.
    pub(super) fn apply_next(&mut self, replica: usize) {
        let Some((g, k)) = self.locate(replica) else { return };
        let Some(data) = self.data.as_mut() else { return };
        let Some(machine) = data.replication().map(|r| r.groups[g].replicas[k].machine) else { return };
        let down = data.machine(machine).is_some_and(|m| m.fault() == Fault::Crashed);
        let Some(r) = data.replication_mut().map(|r| &mut r.groups[g]) else { return };
        let per_entry = SimTime::from_secs_f64(1.0 / r.apply_rate(k));
        let this = &mut r.replicas[k];
        if down || this.applying || this.applied >= this.received {
            return;
        }
        this.applying = true;
        self.queue.push(self.now + per_entry, Event::LogApplied { replica: replica as u32 });
    }

    /// Under the wait fix, a read whose replicas have not applied its user's last writes waits
    /// there (until they have, or until the timeout); returns whether it waits.
    pub(super) fn waits_for_its_write(&mut self, r: RequestRef) -> bool {
        let Some(Target::Replica(replica)) = self.db_trips.get(r.slot as usize).map(|t| t.picked.target) else {
            return false;
        };
        let Some(replication) = self.data.as_ref().and_then(|d| d.replication()) else { return false };
        let start = &self.db_trips[r.slot as usize].picked.start;
        let mut timeout = SimTime::ZERO;
        let mut positions = Vec::new();
        for (g, group) in replication.groups.iter().enumerate() {
            if let Some((position, wait)) = start.get(g).and_then(|s| group.must_wait(replica, *s)) {
                positions.push((g, position));
                timeout = wait;
            }
        }
        if positions.is_empty() {
            return false;
        }
        if let Some(req) = self.requests.get(r) {
            req.enter(Stage::AtDatabase, self.now, self.now);
        }
        self.db_waiting.push(Waiting { r, replica, positions, since: self.now });
        self.queue.push(self.now + timeout, Event::WaitTimeout(r));
        true
    }

    /// The reads waiting on replica `k` of the groups whose positions they have all applied run.
    fn release_waiting(&mut self, k: usize) {
        let Some(replication) = self.data.as_ref().and_then(|d| d.replication()) else { return };
        let applied = |w: &Waiting| w.positions.iter().all(|&(g, p)| replication.groups[g].replicas[k].applied >= p);
        let (ready, still): (Vec<Waiting>, Vec<Waiting>) =
            self.db_waiting.drain(..).partition(|w| w.replica == k && applied(w));
        self.db_waiting = still;
        for w in ready {
            self.end_wait(&w, false);
            self.run_at_database(w.r);
        }
    }

    /// A waiting read's timeout: it reads what its replica has (and misses the write).
    pub(super) fn on_wait_timeout(&mut self, r: RequestRef) {
        let Some(i) = self.db_waiting.iter().position(|w| w.r == r) else { return };
        let w = self.db_waiting.swap_remove(i);
        self.end_wait(&w, true);
        self.run_at_database(r);
    }

    fn end_wait(&mut self, w: &Waiting, timed_out: bool) {
        let now = self.now;
        for &(g, _) in &w.positions {
            if let Some(r) = self.group_mut(g) {
                r.waits += 1;
                r.waited += now - w.since;
                r.wait_timeouts += u64::from(timed_out);
            }
        }
    }

    /// The replica applied an entry to its rows; on to the next.
    pub(super) fn on_log_applied(&mut self, replica: usize) {
        let now = self.now;
        let Some((g, k)) = self.locate(replica) else { return };
        let Some(r) = self.group_mut(g) else { return };
        r.apply_next_entry(k, now);
        r.replicas[k].applying = false;
        let applied = r.replicas[k].applied;
        self.acknowledge(replica, Milestone::Applied, applied, SimTime::ZERO);
        self.release_waiting(k);
        self.apply_next(replica);
    }
}
