//! The engine's side of multi-primary replication: a write commits on its user's region's
//! primary when its share is done and travels to every other primary (one link's trip), where
//! the rule settles it. Under certification (Galera) the commit instead waits one trip for its
//! verdict; a write that failed is retried by its primary (`wsrep_retry_autocommit`) and then
//! fails with the deadlock error.

use super::database::JobStage;
use super::request::RequestRef;
use super::{Event, Sim};
use crate::components::data_tier::Target;
use crate::data::multi_primary::Resolution;
use crate::data::sql::ast::Statement;
use crate::time::SimTime;
use std::rc::Rc;

impl Sim {
    /// The write of the request's share `job` commits on its primary; returns whether its share
    /// waits (for its certification).
    pub(super) fn commit_on_primary(&mut self, r: RequestRef, job: u16, write: Rc<Statement>) -> bool {
        let now = self.now;
        let slot = r.slot as usize;
        let Target::Region(primary) = self.db_trips[slot].picked.target else { return false };
        let Some(data) = self.data.as_mut() else { return false };
        let Some(multi) = data.multi_primary() else { return false };
        if self.db_trips[slot].failed {
            return false; // refused: it never ran
        }
        let link = SimTime::from_millis_f64(multi.config.link_ms);
        if multi.config.resolution == Resolution::Certification {
            let trip = &self.db_trips[slot];
            let certified = data.certify(primary, &write, &trip.rows, trip.started, now);
            let trip = &mut self.db_trips[slot];
            trip.aborted = !certified;
            trip.write = Some(write);
            if let Some(j) = trip.jobs.get_mut(job as usize) {
                j.stage = JobStage::Committing;
            }
            self.queue.push(now + link, Event::Certified(r, job));
            return true;
        }
        match data.commit_on_primary(primary, &write, now) {
            Ok(number) => self.send_to_other_primaries(primary, number),
            Err(_) => self.db_trips[slot].failed = true,
        }
        false
    }

    /// A committed write leaves its primary for every other one.
    pub(super) fn send_to_other_primaries(&mut self, from: usize, write: u32) {
        let Some(multi) = self.data.as_ref().and_then(|d| d.multi_primary()) else { return };
        let at = self.now + SimTime::from_millis_f64(multi.config.link_ms);
        for primary in (0..multi.primaries.len()).filter(|&p| p != from) {
            self.queue.push_in_order(at, Event::WriteArrives { primary: primary as u16, write });
        }
    }

    pub(super) fn on_write_arrives(&mut self, primary: usize, write: u32) {
        let now = self.now;
        if let Some(data) = self.data.as_mut() {
            data.write_arrives(primary, write, now);
        }
    }

    /// The verdict is in: a certified write commits on its primary and every other applies it
    /// now; a failed one is retried by its primary, or its client gets the deadlock error.
    pub(super) fn on_certified(&mut self, r: RequestRef, job: u16) {
        let now = self.now;
        let slot = r.slot as usize;
        if self.requests.get(r).is_none() {
            return; // the request is gone (its slot may hold another by now)
        }
        let Some(trip) = self.db_trips.get_mut(slot) else { return };
        if trip.jobs.get(job as usize).is_none_or(|j| j.stage != JobStage::Committing) {
            return;
        }
        let (Target::Region(primary), Some(write)) = (trip.picked.target, trip.write.take()) else { return };
        let Some(data) = self.data.as_mut() else { return };
        let retry_autocommit = data.multi_primary().map_or(0, |m| m.config.retry_autocommit);
        let down = data.multi_primary().is_some_and(|m| m.primaries[primary].down);
        if down {
            self.db_trips[slot].failed = true; // its primary crashed while it waited
        } else if !self.db_trips[slot].aborted {
            match data.commit_on_primary(primary, &write, now) {
                Ok(number) => {
                    let others = data.multi_primary().map_or(0, |m| m.primaries.len());
                    for other in (0..others).filter(|&p| p != primary) {
                        data.write_arrives(other, number, now);
                    }
                }
                Err(_) => self.db_trips[slot].failed = true,
            }
        } else if self.db_trips[slot].retries < retry_autocommit {
            if let Some(counts) = data.multi_counts() {
                counts.retries += 1;
            }
            let trip = &mut self.db_trips[slot];
            trip.retries += 1;
            trip.aborted = false;
            if let Some(j) = trip.jobs.get_mut(job as usize) {
                j.stage = JobStage::Done;
            }
            return self.run_at_database(r);
        } else {
            if let Some(counts) = data.multi_counts() {
                counts.deadlock_errors += 1;
            }
            self.db_trips[slot].failed = true;
        }
        self.send_share_back(r, job);
    }
}
