//! Changes while the run goes on: `schedule` records a command in the timeline (a replay puts it
//! at the same place), `execute` carries it out at its moment, after `check_target` says the
//! run can take it.

use super::request::{Outcome, Request, RequestRef, Stage};
use super::{Event, Sim};
use crate::command::{Command, CommandError};
use crate::data::replication::Replication;
use crate::scenario::{SessionMode, TimelineEntry};
use crate::time::SimTime;
use crate::validate::limits;

impl Sim {
    /// Applies a change now, while the run goes on, and records it in the scenario's timeline so
    /// that a link replays it. It takes effect 1 µs from now, before anything else at that
    /// moment, which is exactly where a replay puts it too. Returns the entry recorded.
    pub fn schedule(&mut self, command: Command) -> Result<TimelineEntry, CommandError> {
        command.check_arguments().map_err(CommandError::OutOfRange)?;
        self.check_target(&command)?;
        if self.scenario.timeline.len() >= limits::MAX_TIMELINE {
            return Err(CommandError::OutOfRange(format!(
                "a run can record at most {} changes; restart it to record more",
                limits::MAX_TIMELINE
            )));
        }
        let entry = TimelineEntry { recorded: true, at_us: self.now.0 + 1, command };
        self.record(entry.clone());
        Ok(entry)
    }

    /// Puts a change in the timeline, both the scenario's (for the link) and the one still to
    /// run. Both lists stay in time order (a scenario's own timeline may hold later entries),
    /// and the entry goes after any already set for the same moment, where a replay puts it.
    pub(crate) fn record(&mut self, entry: TimelineEntry) {
        let recorded = self.scenario.timeline.partition_point(|e| e.at_us <= entry.at_us);
        self.scenario.timeline.insert(recorded, entry.clone());
        let pending = self.timeline.partition_point(|e| e.at_us <= entry.at_us);
        self.timeline.insert(pending, entry);
    }

    /// A fork: drops the changes the user recorded for after `at` (the scenario's own stay);
    /// returns how many. They are all still to run, since `at` is now or later.
    pub(crate) fn drop_recorded_after(&mut self, at: SimTime) -> usize {
        let later = |e: &TimelineEntry| e.recorded && e.at_us > at.0;
        let before = self.scenario.timeline.len();
        self.scenario.timeline.retain(|e| !later(e));
        self.timeline.retain(|e| !later(e));
        before - self.scenario.timeline.len()
    }

    /// Whether the command's server can take it at this moment.
    pub(super) fn check_target(&self, command: &Command) -> Result<(), CommandError> {
        let exists = |server: u32| {
            self.machines.get(server as usize).is_some_and(|m| !m.server.is_retired() && m.server.is_accepting())
        };
        match *command {
            Command::AddServer => {
                if self.pool_size() >= limits::MAX_SERVERS {
                    return Err(CommandError::TooManyServers);
                }
            }
            Command::RemoveServer { server }
            | Command::Resize { server, .. }
            | Command::Crash { server }
            | Command::Hang { server }
            | Command::Slow { server, .. }
            | Command::Recover { server } => {
                if !exists(server) {
                    return Err(CommandError::NoSuchServer(server));
                }
            }
            Command::CrashStore | Command::RecoverStore => {
                if self.store.is_none() {
                    return Err(CommandError::NotInThisScenario(
                        "this run has no session store: choose \"Session store (database)\" in Sessions",
                    ));
                }
            }
            Command::PromoteDatabase { server } => {
                let (replication, replica, group) = self.replica_at(server, "promote a replica")?;
                if let Some(why) = replication.cannot_promote(replica, self.primary_down(group)) {
                    return Err(CommandError::OutOfRange(why));
                }
            }
            Command::CutReplicaLink { server } | Command::HealReplicaLink { server } => {
                let (replication, replica, _) = self.replica_at(server, "cut a replica's link to it")?;
                let cut = matches!(command, Command::CutReplicaLink { .. });
                if replication.replicas[replica].cut == cut {
                    return Err(CommandError::OutOfRange(format!(
                        "replica {}'s link is already {}",
                        replica + 1,
                        if cut { "cut" } else { "up" }
                    )));
                }
            }
            Command::CutRegion { server } | Command::HealRegion { server } => {
                let Some(multi) = self.data.as_ref().and_then(|d| d.multi_primary()) else {
                    return Err(CommandError::NotInThisScenario("cut a region off: this scenario has one primary"));
                };
                let cut = matches!(command, Command::CutRegion { .. });
                match multi.primaries.get(server as usize) {
                    None => {
                        return Err(CommandError::OutOfRange(format!(
                            "there are {} primaries: pick one of 1 to {}",
                            multi.primaries.len(),
                            multi.primaries.len()
                        )))
                    }
                    Some(p) if p.cut == cut => {
                        return Err(CommandError::OutOfRange(format!(
                            "primary {}'s region is already {}",
                            server + 1,
                            if cut { "cut off" } else { "connected" }
                        )))
                    }
                    Some(_) => {}
                }
            }
            Command::CrashDatabase { server } | Command::RecoverDatabase { server } => {
                let servers = self.data.as_ref().map_or(0, |d| d.servers().count());
                if servers == 0 {
                    return Err(CommandError::NotInThisScenario(
                        "this run's web tier queries no database: load “The database is the limit” in Partitioning and sharding",
                    ));
                }
                if server as usize >= servers {
                    return Err(CommandError::OutOfRange(format!(
                        "database server {} is not in this run, which has {servers}",
                        server + 1
                    )));
                }
            }
            Command::SetSessionCookie { user, .. } => {
                if self.sessions.mode() != SessionMode::SignedCookie {
                    return Err(CommandError::NotInThisScenario(
                        "only a signed-cookie session can be edited: choose \"Signed cookie (Flask)\" in Sessions",
                    ));
                }
                if user >= self.scenario.clients.users {
                    return Err(CommandError::OutOfRange(format!(
                        "user {} is not in this run, which has {} users",
                        user + 1,
                        self.scenario.clients.users
                    )));
                }
            }
            Command::Lab { .. } => {
                if self.lab.is_none() {
                    return Err(CommandError::NotInThisScenario(
                        "this run has no caching lab: load a preset of the Caching lesson",
                    ));
                }
            }
            Command::SetPoolSize { .. } | Command::SetArrivalRate { .. } | Command::SetAlgorithm { .. } => {}
        }
        Ok(())
    }

    /// The replica a database server runs, for a command that needs one (`instead`: what to do
    /// when it is a primary): its group, its place there, and the group's number.
    fn replica_at(&self, server: u32, instead: &str) -> Result<(&Replication, usize, usize), CommandError> {
        let Some(replicated) = self.data.as_ref().and_then(|d| d.replication()) else {
            return Err(CommandError::NotInThisScenario(
                "only a replicated database has replicas: load a preset of the Replication lesson",
            ));
        };
        let Some(g) = replicated.group_on(server as usize) else {
            return Err(CommandError::OutOfRange(format!("this run has no database server {}", server + 1)));
        };
        let group = &replicated.groups[g];
        match group.replica_on(server as usize) {
            Some(replica) => Ok((group, replica, g)),
            None => Err(CommandError::OutOfRange(format!(
                "database server {} is {}: {instead}",
                server + 1,
                match &group.shard {
                    Some(shard) => format!("shard {shard}'s primary"),
                    None => "the primary".into(),
                }
            ))),
        }
    }

    /// Carries out a command at the present moment.
    pub(super) fn execute(&mut self, command: Command) -> Result<(), CommandError> {
        command.check_arguments().map_err(CommandError::OutOfRange)?;
        self.check_target(&command)?;
        match command {
            Command::AddServer => {
                let id = self.machines.len() as u32;
                self.add_machine(id, false);
                if self.scenario.health_check.enabled {
                    self.queue.push(self.now, Event::CheckStart { server: id });
                }
            }
            Command::RemoveServer { server } => {
                self.balancer.remove_server(server);
                self.machines[server as usize].server.stop_accepting(self.now);
                if !self.machines[server as usize].server.is_retired() {
                    let deadline = self.now + SimTime::from_millis_f64(self.scenario.servers.drain_timeout_ms);
                    self.queue.push(deadline, Event::DrainDeadline { server });
                }
            }
            Command::SetPoolSize { servers } => self.scale_to(servers),
            Command::SetArrivalRate { per_second } => {
                self.clients.set_arrival_rate(per_second);
                self.schedule_next_arrival();
            }
            Command::SetAlgorithm { algorithm } => self.balancer.set_algorithm(algorithm),
            Command::Resize { server, concurrency, speed, weight } => {
                self.balancer.set_size(server, weight, self.max_conn(concurrency));
                let started = self.machines[server as usize].server.resize(concurrency, speed, self.now);
                for slot in started {
                    let r = self.requests.reference(slot);
                    self.slot_granted(r);
                }
            }
            Command::Crash { server } => self.crash_machine(server),
            Command::Hang { server } => self.hang_machine(server),
            Command::Slow { server, factor } => self.machines[server as usize].server.slow_down(factor),
            Command::CrashStore => self.crash_store(),
            Command::RecoverStore => {
                if let Some(store) = self.store.as_mut() {
                    store.recover();
                }
            }
            Command::CrashDatabase { server } => self.crash_database(server as usize),
            Command::PromoteDatabase { server } => {
                if let Some(replica) = self.data.as_ref().and_then(|d| d.replication()?.replica_on(server as usize)) {
                    self.start_promotion(replica);
                }
            }
            Command::CutReplicaLink { server } | Command::HealReplicaLink { server } => {
                if let Some(replica) = self.data.as_ref().and_then(|d| d.replication()?.replica_on(server as usize)) {
                    self.cut_link(replica, matches!(command, Command::CutReplicaLink { .. }));
                }
            }
            Command::CutRegion { server } | Command::HealRegion { server } => {
                let now = self.now;
                if let Some(data) = self.data.as_mut() {
                    data.cut_primary(server as usize, matches!(command, Command::CutRegion { .. }), now);
                }
            }
            Command::RecoverDatabase { server } => {
                let now = self.now;
                if let Some(data) = self.data.as_mut() {
                    data.set_down(server as usize, false, now);
                }
                let replica = self.data.as_ref().and_then(|d| d.replication()?.replica_on(server as usize));
                if let Some(replica) = replica {
                    // A replica back up reports its position and applies what it received
                    // while down (an old primary was rebuilt as a copy first).
                    self.replica_reconnects(replica);
                }
            }
            Command::SetSessionCookie { user, cookie } => {
                self.sessions.edit_cookie(user, cookie);
            }
            Command::Lab { action } => {
                if let Some(lab) = self.lab.as_mut() {
                    lab.advance_to(self.now);
                    lab.apply(action);
                }
            }
            Command::Recover { server } => self.recover_machine(server),
        }
        // A server added or resized, or another algorithm, may take what the backend queue holds.
        self.serve_balancer_queues();
        Ok(())
    }

    /// The process stops answering: requests waiting there will not move again until it recovers.
    fn hang_machine(&mut self, server: u32) {
        self.machines[server as usize].server.hang();
        let waiting = self.requests_where(|r| r.server == server && r.stage == Stage::Queued);
        for r in waiting {
            self.watch_stuck(r);
        }
    }

    /// Back to normal: a crashed server restarts empty; a hung one finishes what it held.
    fn recover_machine(&mut self, server: u32) {
        let stalled = self.machines[server as usize].server.recover();
        for slot in stalled {
            let r = self.requests.reference(slot);
            if self.machines[server as usize].server.service_ended(slot) {
                self.complete_service(r);
            }
        }
    }

    /// The session store goes down: the operations it was working on are refused.
    fn crash_store(&mut self) {
        let at_store = self.requests_where(|r| r.stage == Stage::AtStore);
        if let Some(store) = self.store.as_mut() {
            store.crash(self.now);
        }
        for r in at_store {
            self.store_refused(r);
        }
    }

    /// The requests in flight that `which` picks.
    fn requests_where(&self, which: impl Fn(&Request) -> bool) -> Vec<RequestRef> {
        self.requests
            .live()
            .filter(|(_, r)| which(r))
            .map(|(slot, r)| RequestRef { slot, incarnation: r.incarnation })
            .collect()
    }

    /// The process dies: the requests it holds fail (connection reset), new connections are
    /// refused. (Requests waiting on the session store find out when the store answers.)
    pub(super) fn crash_machine(&mut self, server: u32) {
        let lost = self.requests_where(|r| {
            r.server == server && matches!(r.stage, Stage::Queued | Stage::InService | Stage::Stalled)
        });
        self.machines[server as usize].server.crash(self.now);
        for r in lost {
            self.requests.get(r).expect("live").outcome = Outcome::ConnectionReset;
            self.travel(r, Stage::BackToBalancer, Event::ResponseAtBalancer(r));
        }
    }

    /// Applies a command at once, without recording it (tests and tools; the UI uses `schedule`).
    pub fn apply(&mut self, command: Command) -> Result<(), CommandError> {
        self.execute(command)
    }
}
