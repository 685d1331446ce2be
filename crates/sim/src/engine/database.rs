//! The engine's side of the data tier: a web server's query travels to the database (through
//! the router when the data is sharded), each server it touches queues and works on its share,
//! the shares come back (the router gathers them), and the answer travels back to the web
//! server, which has held its slot all along. So the database can become the bottleneck.

use super::request::{Outcome, RequestRef, Stage};
use super::{Event, Sim};
use crate::components::data_tier::Picked;
use crate::components::server::{Admission, RequestSlot};
use crate::data::sql::ast::Statement;
use crate::data::traffic::Jobs;
use crate::time::SimTime;
use std::rc::Rc;

/// The slot a reshard's copy takes in a database server's queue (no request has it).
const COPY: RequestSlot = RequestSlot::MAX;

/// A request's trip to the database: one job per database server its query touches.
#[derive(Clone, Debug, Default)]
pub(super) struct Trip {
    pub(super) jobs: Vec<Job>,
    /// jobs not yet back
    pending: usize,
    /// a server refused its job, or the database refused the query
    pub(super) failed: bool,
    /// the router's own work once every job is back
    router: SimTime,
    /// under multi-primary, the write its primary commits when its job is done
    pub(super) write: Option<Rc<Statement>>,
    /// under replication, each job's write (by the job's index) that enters its group's log
    /// when the job is done, then each group's log position it took; or the log positions a
    /// read showed
    log: Vec<Option<(usize, Rc<Statement>)>>,
    written: Vec<(usize, u64)>,
    shows: Vec<(usize, u64)>,
    /// the query as the web server sent it, and where
    pub(super) picked: Picked,
    /// under multi-primary: when the query began on its primary, the rows a write changes,
    /// whether its certification failed, and how many times its primary has retried it
    pub(super) started: SimTime,
    pub(super) rows: Vec<(usize, crate::data::value::GroupKey)>,
    pub(super) aborted: bool,
    pub(super) retries: u32,
}

/// One server's share of a query, and where it is.
#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    pub(super) server: usize,
    /// its work at speed 1 [ms]
    work_ms: f64,
    pub(super) stage: JobStage,
    pub(super) stage_start: SimTime,
    pub(super) stage_end: SimTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JobStage {
    /// from the router to its shard
    ToServer,
    /// in the server's queue, or being worked on
    AtServer,
    /// done on the primary, its commit waiting for replicas' acknowledgements
    Committing,
    /// back from the shard to the router
    FromServer,
    Done,
}

impl Sim {
    /// Whether a request's work includes a query (the scenario's web tier queries its database).
    fn queries_database(&self) -> bool {
        self.data.as_ref().is_some_and(|d| d.serves_web())
    }

    /// The request's work starts: its query first, when the web tier queries a database.
    pub(super) fn begin_work(&mut self, r: RequestRef) {
        if !self.queries_database() {
            return self.start_service(r);
        }
        let user = self.requests.peek(r).map_or(0, |req| req.origin.user);
        let Some(data) = self.data.as_mut() else { return };
        let (picked, latency) = (data.pick_query(user, self.now), data.latency());
        let slot = r.slot as usize;
        if self.db_trips.len() <= slot {
            self.db_trips.resize_with(slot + 1, Trip::default);
        }
        self.db_trips[slot] = Trip { picked: picked.unwrap_or_default(), ..Trip::default() };
        self.travel_for(r, Stage::ToDatabase, Event::AtDatabase(r), latency);
    }

    /// The query reaches the database (or its router): it runs, and each server it touches
    /// gets its share.
    pub(super) fn on_at_database(&mut self, r: RequestRef) {
        if !self.waits_for_its_write(r) {
            self.run_at_database(r);
        }
    }

    /// The query runs on the database now.
    pub(super) fn run_at_database(&mut self, r: RequestRef) {
        let Some(data) = self.data.as_mut() else { return };
        let (routed, latency) = (data.routed(), data.latency());
        let slot = r.slot as usize;
        let picked = std::mem::take(&mut self.db_trips[slot].picked);
        let planned = data.run_query(&picked, self.now);
        let Some(req) = self.requests.get(r) else { return };
        req.enter(Stage::AtDatabase, self.now, self.now);
        let retries = self.db_trips[slot].retries;
        let planned = match planned {
            Ok(planned) => planned,
            Err(_) => {
                self.db_trips[slot] = Trip { failed: true, picked, retries, ..Trip::default() };
                return self.back_from_database(r);
            }
        };
        let jobs = planned.jobs;
        let (write, log, shows, rows, started) = (planned.write, planned.log, planned.shows, planned.rows, self.now);
        self.db_trips[slot] = Trip { write, log, shows, picked, rows, started, retries, ..trip_for(&jobs, self.now) };
        if jobs.on.is_empty() {
            return self.back_from_database(r);
        }
        for job in 0..jobs.on.len() {
            if routed {
                let j = &mut self.db_trips[slot].jobs[job];
                (j.stage, j.stage_start, j.stage_end) = (JobStage::ToServer, self.now, self.now + latency);
                self.queue.push_in_order(self.now + latency, Event::JobAtServer(r, job as u16));
            } else {
                self.on_job_at_server(r, job as u16);
            }
        }
    }

    /// A share of a query reaches its server: it starts, waits, or is refused.
    pub(super) fn on_job_at_server(&mut self, r: RequestRef, job: u16) {
        let Some(j) = self.db_trips.get_mut(r.slot as usize).and_then(|t| t.jobs.get_mut(job as usize)) else { return };
        (j.stage, j.stage_start, j.stage_end) = (JobStage::AtServer, self.now, self.now);
        let server = j.server;
        let Some(machine) = self.data.as_mut().and_then(|d| d.machine(server)) else { return };
        match machine.admit(r.slot, self.now) {
            Admission::Started => self.start_job(r, job),
            Admission::Queued | Admission::Stalled => {}
            Admission::QueueFull | Admission::ConnectionRefused => {
                self.db_trips[r.slot as usize].failed = true;
                self.job_leaves_server(r, job);
            }
        }
    }

    fn start_job(&mut self, r: RequestRef, job: u16) {
        let Some(j) = self.db_trips.get_mut(r.slot as usize).and_then(|t| t.jobs.get_mut(job as usize)) else { return };
        let (server, work_ms) = (j.server, j.work_ms);
        let Some(machine) = self.data.as_mut().and_then(|d| d.machine(server)) else { return };
        let done = self.now + SimTime::from_millis_f64(machine.service_ms(work_ms));
        j.stage_end = done;
        self.queue.push(done, Event::JobDone(r, job));
    }

    /// A database server goes down: every share it holds, working or waiting, fails at once.
    pub(super) fn crash_database(&mut self, server: usize) {
        let now = self.now;
        let Some(data) = self.data.as_mut() else { return };
        data.set_down(server, true, now);
        let held: Vec<(RequestRef, u16)> = self
            .requests
            .live()
            .filter(|(_, r)| r.stage == Stage::AtDatabase)
            .flat_map(|(slot, r)| {
                let r = RequestRef { slot, incarnation: r.incarnation };
                let jobs = self.db_trips.get(slot as usize).map_or(&[][..], |t| &t.jobs[..]);
                jobs.iter()
                    .enumerate()
                    .filter(|(_, j)| j.server == server && j.stage == JobStage::AtServer)
                    .map(move |(i, _)| (r, i as u16))
            })
            .collect();
        for (r, job) in held {
            self.db_trips[r.slot as usize].failed = true;
            self.job_leaves_server(r, job);
        }
        let group =
            self.data.as_ref().and_then(|d| d.replication()?.groups.iter().position(|g| g.primary_machine == server));
        if let Some(group) = group {
            self.primary_crashed(group);
        }
    }

    /// A server finished its share: the next share waiting there starts, and this one heads back.
    pub(super) fn on_job_done(&mut self, r: RequestRef, job: u16) {
        let Some(j) = self.db_trips.get(r.slot as usize).and_then(|t| t.jobs.get(job as usize)) else { return };
        if j.stage != JobStage::AtServer {
            return; // its server crashed while working on it
        }
        let server = j.server;
        let Some(machine) = self.data.as_mut().and_then(|d| d.machine(server)) else { return };
        machine.service_ended(r.slot);
        let next = machine.release_slot(self.now);
        self.next_on(server, next);
        self.job_leaves_server(r, job);
    }

    /// A connection came free on a database server: what waited longest takes it (a share of
    /// a query, or a reshard's copy).
    fn next_on(&mut self, server: usize, next: Option<RequestSlot>) {
        match next {
            None => {}
            Some(COPY) => self.start_copy(server),
            Some(slot) => {
                let next = self.requests.reference(slot);
                let waiting = self.db_trips[slot as usize].jobs.iter().position(|j| j.server == server);
                if let Some(waiting) = waiting {
                    self.start_job(next, waiting as u16);
                }
            }
        }
    }

    /// A reshard's copy joins a database server's work: it takes a connection for as long as
    /// copying its rows takes, or waits for one like a query (a crashed server loses it).
    pub(super) fn queue_copy(&mut self, server: usize) {
        let Some(machine) = self.data.as_mut().and_then(|d| d.machine(server)) else { return };
        match machine.admit(COPY, self.now) {
            Admission::Started => self.start_copy(server),
            Admission::Queued | Admission::Stalled => {}
            Admission::QueueFull | Admission::ConnectionRefused => {
                if let Some(data) = self.data.as_mut() {
                    data.drop_copy(server);
                }
            }
        }
    }

    fn start_copy(&mut self, server: usize) {
        let Some(work_us) = self.data.as_mut().and_then(|d| d.start_copy(server)) else { return };
        let Some(machine) = self.data.as_mut().and_then(|d| d.machine(server)) else { return };
        let done = self.now + SimTime::from_millis_f64(machine.service_ms(work_us / 1_000.0));
        self.queue.push(done, Event::CopyDone { server: server as u32 });
    }

    /// A copy is done: its connection goes to what waits next.
    pub(super) fn on_copy_done(&mut self, server: usize) {
        let Some(data) = self.data.as_mut() else { return };
        if !data.end_copy(server) {
            return; // the server crashed while copying
        }
        let Some(machine) = data.machine(server) else { return };
        machine.service_ended(COPY);
        let next = machine.release_slot(self.now);
        self.next_on(server, next);
    }

    /// A share's answer (or refusal) leaves its server: through the router, it travels back first.
    /// A write under replication enters the primary's log now: the primary's rows have it (the
    /// query ran when it arrived), even when the client hears of a crash or a refusal instead,
    /// so that the replicas never lack a row the primary has. A commit mode that waits keeps
    /// the answer until enough replicas have acknowledged the write.
    fn job_leaves_server(&mut self, r: RequestRef, job: u16) {
        let trip = &mut self.db_trips[r.slot as usize];
        let waits = match (trip.write.take(), trip.log.get_mut(job as usize).and_then(Option::take)) {
            (Some(write), _) => self.commit_on_primary(r, job, write),
            (None, Some((group, write))) => self.commit_to_log(r, job, group, write),
            (None, None) => false,
        };
        if !waits {
            self.send_share_back(r, job);
        }
    }

    /// Under replication, the share's write enters its group's log; returns whether its commit
    /// waits for replicas.
    fn commit_to_log(&mut self, r: RequestRef, job: u16, group: usize, write: Rc<Statement>) -> bool {
        let failed = self.db_trips[r.slot as usize].failed;
        let Some(position) = self.commit_write(group, write) else { return false };
        self.db_trips[r.slot as usize].written.push((group, position));
        !failed && self.waits_for_replicas(r, job, group, position)
    }

    /// The share's answer heads back (through the router when there is one).
    pub(super) fn send_share_back(&mut self, r: RequestRef, job: u16) {
        let routed = self.data.as_ref().is_some_and(|d| d.routed());
        if routed {
            let latency = self.data.as_ref().map_or(SimTime::ZERO, |d| d.latency());
            let j = &mut self.db_trips[r.slot as usize].jobs[job as usize];
            (j.stage, j.stage_start, j.stage_end) = (JobStage::FromServer, self.now, self.now + latency);
            self.queue.push_in_order(self.now + latency, Event::JobBack(r, job));
        } else {
            self.on_job_back(r, job);
        }
    }

    /// A share is back: when it is the last, the router gathers them and the answer goes back.
    pub(super) fn on_job_back(&mut self, r: RequestRef, job: u16) {
        let Some(trip) = self.db_trips.get_mut(r.slot as usize) else { return };
        trip.jobs[job as usize].stage = JobStage::Done;
        trip.pending -= 1;
        if trip.pending == 0 {
            self.back_from_database(r);
        }
    }

    /// The answer (or the failure) travels back to the web server, after the router's work.
    fn back_from_database(&mut self, r: RequestRef) {
        let latency = self.data.as_ref().map_or(SimTime::ZERO, |d| d.latency());
        let router = self.db_trips[r.slot as usize].router;
        self.travel_for(r, Stage::FromDatabase, Event::BackFromDatabase(r), router + latency);
    }

    /// The answer is back at the web server: it does its own work now, or answers 500 when the
    /// query failed (or is gone, when the server crashed meanwhile).
    pub(super) fn on_back_from_database(&mut self, r: RequestRef) {
        let Some(req) = self.requests.get(r) else { return };
        let failed = self.db_trips[r.slot as usize].failed;
        let server = req.server as usize;
        if self.machines[server].server.life() != req.server_life {
            req.outcome = Outcome::ConnectionReset;
            self.travel(r, Stage::BackToBalancer, Event::ResponseAtBalancer(r));
        } else if failed {
            req.outcome = Outcome::DatabaseFailed;
            if let Some(data) = self.data.as_mut() {
                data.count_failure();
            }
            self.leave_server(r);
        } else {
            let (user, trip) = (req.origin.user, &self.db_trips[r.slot as usize]);
            if let Some(data) = self.data.as_mut() {
                data.answered(user, &trip.written, &trip.shows, self.now);
            }
            self.start_service(r);
        }
    }
}

/// The trip a query's jobs make, every job still to leave.
fn trip_for(jobs: &Jobs, now: SimTime) -> Trip {
    Trip {
        jobs: jobs
            .on
            .iter()
            .map(|job| Job {
                server: job.server,
                work_ms: job.time_us / 1_000.0,
                stage: JobStage::AtServer,
                stage_start: now,
                stage_end: now,
            })
            .collect(),
        pending: jobs.on.len(),
        router: SimTime::from_millis_f64(jobs.router_us / 1_000.0),
        ..Trip::default()
    }
}
