//! The data tier as a part of the run: the database (with its console) and, when the web tier
//! queries it, one machine per database server (slots and a queue, like a web server's) and
//! the query each request runs. It decides what a query asks of which server; the engine
//! carries the query there and back (`engine/database.rs`).

use std::rc::Rc;

use super::server::Server;
use crate::data::console::{Console, DataReport, DbServerReport, Entry, ReplicationReport, WebReport};
use crate::data::multi_primary::{self, MultiPrimary};
use crate::data::replication::{ReadStart, Replicated};
use crate::data::space_time::{Kind, SpaceTime};
use crate::data::traffic::{Jobs, Keys, WebQueries};
use crate::data::value::GroupKey;
use crate::data::DataConfig;
use crate::rng::Rng;
use crate::time::SimTime;

#[derive(Clone)]
pub struct DataTier {
    pub console: Console,
    /// the web tier's side: present when the scenario's requests query the database
    web: Option<WebSide>,
}

#[derive(Clone)]
struct WebSide {
    config: WebQueries,
    keys: Keys,
    rng: Rng,
    /// the replicated groups, when the database has replicas: the one server's (machine 0 is
    /// then the primary), or each shard's (see `Replicated`)
    replication: Option<Replicated>,
    /// or its primaries, one per region (machine i is primary i + 1)
    multi: Option<MultiPrimary>,
    /// writes typed in the console under multi-primary, still to leave for the other primaries
    console_writes: Vec<u32>,
    /// the last second of writes, reads, messages and anomalies, under replication
    history: SpaceTime,
    /// the database's servers, by name, in the order the database lists them
    names: Vec<String>,
    /// one per server ever listed: a reshard that removes servers keeps their machines until the
    /// queries on them are done
    machines: Vec<Server>,
    /// each machine's reshard copies still to run [µs of one connection], and whether one runs
    copies: Vec<std::collections::VecDeque<f64>>,
    copying: Vec<bool>,
    /// queries the web tier ran, and how many failed (refused by a full queue or a down server,
    /// or an error from the database)
    queries: u64,
    failed: u64,
}

/// A request's query as it leaves the web server: its SQL, and where it goes.
#[derive(Clone, Debug, Default)]
pub struct Picked {
    pub sql: String,
    pub target: Target,
    /// the SQL parsed, under replication (it decided the target), so that it is parsed once
    pub statement: Option<Rc<crate::data::sql::ast::Statement>>,
    /// under replication, what a read must show in each group, as its user stood when sending it
    pub start: Vec<ReadStart>,
    /// who sent it
    pub user: u32,
}

/// Where a query goes: the database as a whole (its router, or its one server; under
/// replication, a write to the primaries), or under replication a read's servers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    #[default]
    Database,
    /// a read the fix sends to the primary
    Primary,
    /// a read on this replica of each group (its number within a group)
    Replica(usize),
    /// under multi-primary, the user's region's primary
    Region(usize),
    /// a write to an unfenced old primary (a split brain): the replica it now is
    OldPrimary(usize),
}

/// A request's query, planned: what it asks of each server and, for a write, what it commits
/// when its share is done.
#[derive(Default)]
pub struct Planned {
    pub jobs: Rc<Jobs>,
    /// under multi-primary, the write its primary commits
    pub write: Option<Rc<crate::data::sql::ast::Statement>>,
    /// under replication, each job's write (by the job's index): its group, and the statement
    /// that enters the group's log when the job is done
    pub log: Vec<Option<(usize, Rc<crate::data::sql::ast::Statement>)>>,
    /// under replication, the log position a read shows in each group it read
    pub shows: Vec<(usize, u64)>,
    /// under multi-primary, the rows a write will change (certification checks them)
    pub rows: Vec<(usize, GroupKey)>,
}

/// The random stream the web tier's query picks and keys come from.
const WEB_QUERIES_STREAM: u64 = 0xDA7A;

impl DataTier {
    pub fn new(config: &DataConfig, seed: u64) -> Result<DataTier, String> {
        // Under multi-primary, the console's writes replay through the first primary (below), so
        // that its rule holds on a link's replay as it did live.
        let replayed_here = config.multi_primary.is_some() && config.web.is_some();
        let console_config = DataConfig { queries: Vec::new(), ..config.clone() };
        let mut console = Console::new(if replayed_here { &console_config } else { config }, seed)?;
        // A link replays a reshard's result, not its copy: the run starts with the rows in place.
        console.copies.clear();
        // The replicas start as copies of their primaries as the link opens: with the writes
        // typed in the console too.
        let replication = config.replication.as_ref().map(|r| Replicated::new(r, &console.db));
        let multi = config.multi_primary.as_ref().map(|m| MultiPrimary::new(m, &console.db));
        let web = config.web.as_ref().map(|web| {
            let mut side = WebSide {
                config: web.clone(),
                keys: Keys::new(config.rows, config.zipf),
                replication,
                multi,
                console_writes: Vec::new(),
                history: SpaceTime::default(),
                rng: Rng::stream(seed, WEB_QUERIES_STREAM),
                names: Vec::new(),
                machines: Vec::new(),
                copies: Vec::new(),
                copying: Vec::new(),
                queries: 0,
                failed: 0,
            };
            side.follow_layout(&mut console);
            side
        });
        let mut tier = DataTier { console, web };
        if replayed_here {
            for sql in &config.queries {
                tier.run_console(sql, SimTime::ZERO);
            }
            tier.deliver_console_writes_now();
        }
        Ok(tier)
    }

    /// Runs what the student typed. A reshard changes the servers (new ones get machines), and
    /// its copies join the machines' work: returns the machines that have a copy to start.
    pub fn run_console(&mut self, sql: &str, now: SimTime) -> (Rc<Entry>, Vec<usize>) {
        if let Some(multi) = self.web.as_mut().and_then(|w| w.multi.as_mut()) {
            // A write typed in the console commits on the first primary, which sends it on.
            let statement = crate::data::sql::parse(sql).ok().filter(|s| s.written_table().is_some());
            if let Some(statement) = statement.filter(|s| !matches!(s, crate::data::sql::ast::Statement::Explain(_))) {
                let schema = multi.schema.clone();
                let found = multi_primary::search(&schema, multi.config.resolution, &mut self.console.db, &statement);
                // A write the rule refuses (a counter set rather than added to) does not run.
                let (search, _) = match found {
                    Ok(found) => found,
                    Err(why) => return (self.console.refuse(sql, why.to_string()), Vec::new()),
                };
                let entry = self.console.run(sql);
                if let Ok(answer) = &entry.outcome {
                    if !answer.explained {
                        let write = multi.ran(&mut self.console.db, 0, search, &statement, now);
                        if let Some(web) = self.web.as_mut() {
                            web.console_writes.push(write);
                        }
                    }
                }
                return (entry, Vec::new());
            }
        }
        let entry = self.console.run(sql);
        let copies = std::mem::take(&mut self.console.copies);
        let Some(web) = self.web.as_mut() else { return (entry, Vec::new()) };
        if let Some(replication) = web.replication.as_mut() {
            // A write typed in the console commits on the primaries too, so their logs carry it.
            let statement = crate::data::sql::parse(sql).ok().filter(|s| s.written_table().is_some());
            if let (Some(statement), Ok(answer)) = (statement, &entry.outcome) {
                if !answer.explained {
                    // Typed in the console, it waits for no replica: it shows at once.
                    for (group, write) in group_writes(replication, &answer.plan, Rc::new(statement)) {
                        let group = &mut replication.groups[group];
                        group.visible = group.committed(write, now);
                    }
                    return (entry, Vec::new());
                }
            }
        }
        web.follow_layout_at(&mut self.console, now);
        let per_row_us = self.console.db.config.cost.per_row_us;
        let mut to_start = Vec::new();
        for (shard, rows) in copies {
            let Some(server) = web.names.iter().position(|n| *n == shard) else { continue };
            web.copies[server].push_back(rows as f64 * per_row_us);
            to_start.push(server);
        }
        (entry, to_start)
    }

    /// The next copy waiting for a machine, marked as running (None when it has none).
    pub fn start_copy(&mut self, server: usize) -> Option<f64> {
        let web = self.web.as_mut()?;
        let work = web.copies.get_mut(server)?.pop_front()?;
        web.copying[server] = true;
        Some(work)
    }

    /// A machine refused a copy (down, or its queue full): it is dropped.
    pub fn drop_copy(&mut self, server: usize) {
        if let Some(copies) = self.web.as_mut().and_then(|w| w.copies.get_mut(server)) {
            copies.pop_front();
        }
    }

    /// A machine's copy ended; false when none was running (its machine crashed meanwhile).
    pub fn end_copy(&mut self, server: usize) -> bool {
        self.web.as_mut().and_then(|w| w.copying.get_mut(server)).is_some_and(|c| std::mem::replace(c, false))
    }

    /// Whether the scenario's requests query the database.
    pub fn serves_web(&self) -> bool {
        self.web.is_some()
    }

    /// Whether a router stands between the web servers and the database servers.
    pub fn routed(&self) -> bool {
        self.console.db.cluster().is_some()
    }

    /// One way between a web server and the database (and from the router to a shard).
    pub fn latency(&self) -> SimTime {
        self.web.as_ref().map_or(SimTime::ZERO, |w| SimTime::from_millis_f64(w.config.latency_ms))
    }

    /// A request's query, picked when the request sends it: which one of the mix, its keys,
    /// and under replication the server it goes to (a write to the primary, a read to the
    /// replicas in turn).
    pub fn pick_query(&mut self, user: u32, now: SimTime) -> Option<Picked> {
        let web = self.web.as_mut()?;
        web.queries += 1;
        let pick = web.config.pick(&mut web.rng);
        let me = 1 + u64::from(user) % web.keys.user_count.max(1);
        let sql = web.keys.fill_with(&web.config.mix[pick].sql, me, &mut web.rng);
        let Some(replication) = web.replication.as_mut() else {
            let target = match web.multi.as_ref() {
                Some(multi) => Target::Region(multi.home_of(user)),
                None => Target::Database,
            };
            return Some(Picked { sql, target, statement: None, start: Vec::new(), user });
        };
        let statement = crate::data::sql::parse(&sql).ok().map(Rc::new);
        let target = match &statement {
            Some(s) if s.written_table().is_some() => {
                replication.groups[0].split_brain_for(user).map_or(Target::Database, Target::OldPrimary)
            }
            _ => replication.route_read(user, now).map(Target::Replica).unwrap_or(Target::Primary),
        };
        Some(Picked { sql, target, statement, start: replication.read_start(user), user })
    }

    /// The picked query reaches the database and runs there, on the rows as they are now: what
    /// it asks of each server (a read already run on unchanged tables is not run again: it would
    /// do the same work). An error is the database's refusal, in its words.
    pub fn run_query(&mut self, picked: &Picked, now: SimTime) -> Result<Planned, String> {
        let Some(web) = self.web.as_mut() else { return Err("this scenario's web tier runs no queries".into()) };
        if let (Some(multi), Target::Region(primary)) = (web.multi.as_mut(), picked.target) {
            let before = multi.listed;
            let planned = run_on_primary(multi, &mut self.console.db, primary, &picked.sql)?;
            if planned.write.is_none() {
                web.history.dot(Kind::Read, primary, now);
            }
            web.note_conflicts(before, primary, now);
            return Ok(planned);
        }
        let Some(replication) = web.replication.as_mut() else {
            let jobs = self.console.plan(&web.names, &picked.sql)?;
            return Ok(Planned { jobs, ..Planned::default() });
        };
        // Writes run on the primaries and enter their groups' logs when they commit; reads run
        // on their replicas' own rows, as far as each has applied its log.
        let statement = match &picked.statement {
            Some(statement) => statement.clone(),
            None => Rc::new(crate::data::sql::parse(&picked.sql).map_err(|e| e.to_string())?),
        };
        if let Target::OldPrimary(old) = picked.target {
            // It runs there and goes nowhere else: the new primary and its replicas never see it.
            let group = &mut replication.groups[0];
            let outcome = group.replicas[old].db.run(&statement, false).map_err(|e| e.to_string())?;
            group.split_brain_writes += 1;
            let jobs = jobs_on(&outcome.plan, group.replicas[old].machine);
            return Ok(Planned { jobs, ..Planned::default() });
        }
        let (replica, write) = match picked.target {
            Target::Replica(replica) => (Some(replica), false),
            Target::Primary => (None, false),
            // Under replication the database as a whole is its primaries, for a write.
            Target::Database | Target::Region(_) | Target::OldPrimary(_) => (None, true),
        };
        if replica.is_none() && !replication.sharded() && replication.groups[0].promoting.is_some() {
            return Err("no primary: a replica is being promoted; the query fails until it is done".into());
        }
        let outcome = match replica {
            Some(k) if replication.sharded() => {
                let mut copies: Vec<_> =
                    replication.groups.iter_mut().filter_map(|g| g.replicas[k].db.group_node_mut(0)).collect();
                self.console.db.read_copies(&mut copies, &statement)
            }
            Some(k) => replication.groups[0].replicas[k].db.run(&statement, false),
            None => self.console.db.run(&statement, false),
        }
        .map_err(|e| e.to_string())?;
        let (jobs, groups) = group_jobs(replication, &outcome.plan, replica);
        // A shard's replica that is down answers nothing (on one server, its rows refused the
        // read already): the read fails, and shows no anomaly.
        if let Some((g, k)) =
            replica.and_then(|k| groups.iter().find(|&&g| replication.groups[g].replicas[k].down).map(|&g| (g, k)))
        {
            let group = &replication.groups[g];
            return Err(format!(
                "{} is down: recover it, or read from another replica",
                group.role(group.replicas[k].machine)
            ));
        }
        if write {
            let mut writes = group_writes(replication, &outcome.plan, statement);
            let log =
                groups.iter().map(|g| writes.iter().position(|w| w.0 == *g).map(|i| writes.swap_remove(i))).collect();
            return Ok(Planned { jobs, log, ..Planned::default() });
        }
        // A read that ran is checked against its user's history in each group it read (one that
        // failed showed nothing).
        let mut shows = Vec::with_capacity(groups.len());
        for (&g, job) in groups.iter().zip(&jobs.on) {
            let group = &mut replication.groups[g];
            let start = picked.start.get(g).copied().unwrap_or_default();
            let counted = group.anomalies();
            let showed = group.check_read(replica, start, now);
            web.history.dot(Kind::Read, job.server, now);
            let role = match replica {
                Some(_) => group.role(job.server),
                None => format!("the {}", group.role(job.server)),
            };
            for anomaly in group.anomalies_since(counted, picked.user, &role, start, showed) {
                web.history.mark(Kind::Anomaly, job.server, now, anomaly);
            }
            shows.push((g, showed));
        }
        Ok(Planned { jobs, shows, ..Planned::default() })
    }

    /// Multi-primary replication, when the scenario has several primaries.
    pub fn multi_primary(&self) -> Option<&MultiPrimary> {
        self.web.as_ref().and_then(|w| w.multi.as_ref())
    }

    /// A write commits on its primary (see `MultiPrimary::commit`): its number, to send on.
    pub fn commit_on_primary(
        &mut self,
        primary: usize,
        write: &crate::data::sql::ast::Statement,
        now: SimTime,
    ) -> Result<u32, String> {
        let web = self.web.as_mut().ok_or("no primaries")?;
        let multi = web.multi.as_mut().ok_or("no primaries")?;
        let before = multi.listed;
        let number = multi.commit(&mut self.console.db, primary, write, now).map_err(|e| e.to_string())?;
        web.history.dot(Kind::Write, primary, now);
        web.note_conflicts(before, primary, now);
        Ok(number)
    }

    /// Certifies a write as it commits (see `MultiPrimary::certify`): whether it certified.
    pub fn certify(
        &mut self,
        primary: usize,
        write: &crate::data::sql::ast::Statement,
        rows: &[(usize, GroupKey)],
        started: SimTime,
        now: SimTime,
    ) -> bool {
        let Some(web) = self.web.as_mut() else { return true };
        let Some(multi) = web.multi.as_mut() else { return true };
        let before = multi.listed;
        let verdict = multi.certify(primary, write, rows, started, now);
        web.note_conflicts(before, primary, now);
        verdict
    }

    /// A write reaches another primary (see `MultiPrimary::arrive`).
    pub fn write_arrives(&mut self, primary: usize, write: u32, now: SimTime) {
        let Some(web) = self.web.as_mut() else { return };
        let Some(multi) = web.multi.as_mut() else { return };
        let before = multi.listed;
        if let Some(stamp) = multi.arrive(&mut self.console.db, primary, write, now) {
            web.history.message(Kind::WriteSet, stamp.origin, primary, stamp.real, now);
        }
        web.note_conflicts(before, primary, now);
    }

    /// Writes typed in the console before the run began reach every primary at once.
    fn deliver_console_writes_now(&mut self) {
        let Some(primaries) = self.multi_primary().map(|m| m.primaries.len()) else { return };
        for write in self.take_console_writes() {
            for primary in 1..primaries {
                self.write_arrives(primary, write, SimTime::ZERO);
            }
        }
    }

    /// Writes typed in the console under multi-primary, to send on.
    pub fn take_console_writes(&mut self) -> Vec<u32> {
        self.web.as_mut().map(|w| std::mem::take(&mut w.console_writes)).unwrap_or_default()
    }

    /// A primary is cut off from the others, or reconnected (then what waited for the link
    /// arrives).
    pub fn cut_primary(&mut self, primary: usize, cut: bool, now: SimTime) {
        let Some(multi) = self.web.as_mut().and_then(|w| w.multi.as_mut()) else { return };
        multi.set_cut(primary, cut);
        if !cut {
            multi.release_held(&mut self.console.db, now);
        }
        self.console.memo.forget();
    }

    /// Multi-primary's counts, for the engine's retries and deadlock errors.
    pub fn multi_counts(&mut self) -> Option<&mut multi_primary::Counts> {
        self.web.as_mut().and_then(|w| w.multi.as_mut()).map(|m| &mut m.counts)
    }

    /// A write committed on a group's primary: it enters the group's log, at the position
    /// returned.
    pub fn commit(&mut self, group: usize, write: Rc<crate::data::sql::ast::Statement>, now: SimTime) -> Option<u64> {
        let web = self.web.as_mut()?;
        let group = web.replication.as_mut()?.groups.get_mut(group)?;
        web.history.dot(Kind::Write, group.primary_machine, now);
        Some(group.committed(write, now))
    }

    /// The last second of the data tier's history (under replication or multi-primary).
    pub fn space_time(&self) -> Option<&SpaceTime> {
        self.web.as_ref().filter(|w| w.replication.is_some() || w.multi.is_some()).map(|w| &w.history)
    }

    /// A log entry sent at `sent` reached a replica's machine now (the replica by its number
    /// across groups).
    pub fn log_arrived(&mut self, replica: usize, sent: SimTime, now: SimTime) {
        let Some(web) = self.web.as_mut() else { return };
        let Some((group, k)) = web.replication.as_ref().and_then(|r| r.replica(replica)) else { return };
        web.history.message(Kind::Log, group.primary_machine, group.replicas[k].machine, sent, now);
    }

    /// A request's answer is back at its web server: under replication, its user now knows of
    /// their write (at its log position in each group) or has seen the state their read showed.
    pub fn answered(&mut self, user: u32, written: &[(usize, u64)], shows: &[(usize, u64)], now: SimTime) {
        let Some(replication) = self.replication_mut() else { return };
        for &(g, position) in written {
            replication.groups[g].write_returned(user, position, now);
        }
        for &(g, shows) in shows {
            replication.groups[g].read_returned(user, shows);
        }
    }

    /// The replica (by its number across groups) becomes its group's primary (see
    /// `Replication::promote`); the machines' names follow.
    pub fn promote(&mut self, replica: usize, now: SimTime) -> Option<crate::data::failover::FailoverRecord> {
        let web = self.web.as_mut()?;
        let (g, k) = web.replication.as_ref()?.locate(replica);
        let record = web.replication.as_mut()?.groups.get_mut(g)?.promote(k, &mut self.console.db, g, now).clone();
        web.follow_layout_at(&mut self.console, now);
        self.console.memo.forget();
        Some(record)
    }

    /// Single-primary replication, when the scenario has replicas: its groups.
    pub fn replication(&self) -> Option<&Replicated> {
        self.web.as_ref().and_then(|w| w.replication.as_ref())
    }

    pub fn replication_mut(&mut self) -> Option<&mut Replicated> {
        self.web.as_mut().and_then(|w| w.replication.as_mut())
    }

    /// A query failed: counted.
    pub fn count_failure(&mut self) {
        if let Some(web) = self.web.as_mut() {
            web.failed += 1;
        }
    }

    pub fn machine(&mut self, server: usize) -> Option<&mut Server> {
        self.web.as_mut().and_then(|w| w.machines.get_mut(server))
    }

    /// A database server crashes or recovers: its machine refuses work, and the database refuses
    /// queries that need it (so a write that needs it changes nothing).
    pub fn set_down(&mut self, server: usize, down: bool, now: SimTime) {
        let Some(machine) = self.machine(server) else { return };
        if down {
            machine.crash(now);
            // The copy it was running, or waiting to run, is lost with the process.
            if let Some(web) = self.web.as_mut() {
                web.copies[server].clear();
                web.copying[server] = false;
            }
        } else {
            machine.recover();
        }
        if let Some(multi) = self.web.as_mut().and_then(|w| w.multi.as_mut()) {
            multi.set_down(server, down);
            multi.db(&mut self.console.db, server).set_down(0, down);
            if !down {
                multi.release_held(&mut self.console.db, now);
            }
            self.console.memo.forget();
            return;
        }
        let Some(replication) = self.web.as_mut().and_then(|w| w.replication.as_mut()) else {
            self.console.db.set_down(server, down);
            self.console.memo.forget();
            return;
        };
        let Some(g) = replication.group_on(server) else { return };
        let group = &mut replication.groups[g];
        match group.replica_on(server) {
            Some(i) => {
                let replica = &mut group.replicas[i];
                replica.db.set_down(0, down);
                replica.down = down;
                let fencing = group.config.failover.as_ref().is_none_or(|f| f.fencing);
                if !down && replica.diverged && fencing {
                    // Fencing: the old primary comes back as a copy of the new one.
                    group.rejoin(i, &mut self.console.db, g);
                } else if !down && replica.diverged {
                    replica.split_brain = true;
                }
            }
            // a group's primary: the one server, or its shard
            None => self.console.db.set_down(g, down),
        }
        // A read planned while the server was up would not fail now: plan afresh.
        self.console.memo.forget();
    }

    /// The servers the layout has now, with their machines.
    pub fn servers(&self) -> impl Iterator<Item = (&str, &Server)> {
        self.web.iter().flat_map(|w| w.names.iter().map(String::as_str).zip(&w.machines))
    }

    /// The database's figures for `scalelab run`: the console's, and the web tier's queries.
    pub fn report(&self, now: SimTime) -> DataReport {
        let mut report = self.console.report();
        report.web = self.web.as_ref().map(|w| WebReport {
            queries: w.queries,
            failed: w.failed,
            servers: self
                .servers()
                .map(|(name, m)| DbServerReport {
                    server: name.to_string(),
                    served: m.served(),
                    utilisation: m.recent_utilisation(),
                })
                .collect(),
            replication: w.replication.as_ref().filter(|r| !r.sharded()).map(|r| group_report(r, &r.groups[0], now)),
            replicated_shards: w
                .replication
                .iter()
                .filter(|r| r.sharded())
                .flat_map(|r| r.groups.iter().map(|g| group_report(r, g, now)))
                .collect(),
            multi_primary: w.multi.as_ref().map(|m| crate::data::console::MultiPrimaryReport {
                rule: m.config.resolution,
                primaries: m.primaries.len(),
                skew_ms: (0..m.primaries.len()).map(|p| m.config.skew_ms.get(p).copied().unwrap_or(0.0)).collect(),
                counts: m.counts.clone(),
                quiet: m.quiet(),
                conflicts: m.conflicts.iter().cloned().collect(),
            }),
        });
        report
    }

    /// Closes a second of every machine's busy-time measure, and of the replicas' lag chart.
    pub fn sample_utilisation(&mut self, now: SimTime) {
        if let Some(web) = self.web.as_mut() {
            for m in &mut web.machines {
                m.sample_utilisation(now);
            }
            if let Some(replication) = web.replication.as_mut() {
                replication.sample_lag(now);
            }
        }
    }
}

impl WebSide {
    /// The conflicts listed since `before` happened on `machine` now: marked there.
    fn note_conflicts(&mut self, before: u64, machine: usize, now: SimTime) {
        let Some(multi) = self.multi.as_ref() else { return };
        let new = (multi.listed - before) as usize;
        for conflict in multi.conflicts.iter().skip(multi.conflicts.len().saturating_sub(new)) {
            self.history.mark(Kind::Conflict, machine, now, conflict.explain());
        }
    }

    fn follow_layout(&mut self, console: &mut Console) {
        self.follow_layout_at(console, SimTime::ZERO);
    }

    /// A machine for each server the database lists (new ones join now), or for the primary and
    /// each replica. The database learns again which are down: a reshard builds new shards.
    fn follow_layout_at(&mut self, console: &mut Console, now: SimTime) {
        self.names = match (&self.replication, &self.multi) {
            (Some(r), _) => (0..r.machines()).map(|machine| r.role(machine)).collect(),
            (None, Some(m)) => (0..m.primaries.len()).map(|p| m.role(p)).collect(),
            (None, None) => console.db.servers().into_iter().map(|(name, _)| name).collect(),
        };
        while self.machines.len() < self.names.len() {
            self.machines.push(Server::new(self.config.connections, 1.0, self.config.queue_limit, 0.0, now));
            self.copies.push(Default::default());
            self.copying.push(false);
        }
        if self.replication.is_none() && self.multi.is_none() {
            for (i, m) in self.machines.iter().enumerate().take(self.names.len()) {
                console.db.set_down(i, m.fault() == crate::components::server::Fault::Crashed);
            }
        }
    }
}

/// A query on its user's region's primary, on that primary's own rows: a read runs; a write
/// runs its search (the rows it will change: its cost) and commits later, when its share is
/// done. A primary that cannot take queries refuses them in its own words.
fn run_on_primary(
    multi: &mut MultiPrimary,
    first: &mut crate::data::Database,
    primary: usize,
    sql: &str,
) -> Result<Planned, String> {
    if let Some(why) = multi.refusal(primary) {
        multi.counts.non_primary_refusals += 1;
        return Err(why);
    }
    let statement = Rc::new(crate::data::sql::parse(sql).map_err(|e| e.to_string())?);
    let schema = multi.schema.clone();
    let rule = multi.config.resolution;
    let db = multi.db(first, primary);
    let (outcome, write, rows) = if statement.written_table().is_some() {
        let (search, outcome) = multi_primary::search(&schema, rule, db, &statement).map_err(|e| e.to_string())?;
        let rows = search.before.iter().map(|(k, _)| (search.table, k.group_key())).collect();
        (outcome, Some(statement), rows)
    } else {
        (db.run(&statement, false).map_err(|e| e.to_string())?, None, Vec::new())
    };
    Ok(Planned { jobs: jobs_on(&outcome.plan, primary), write, rows, ..Planned::default() })
}

/// A replicated group's figures (reads and those sent to the primaries are the whole
/// database's: a read is routed once, whatever groups it reads).
fn group_report(replicated: &Replicated, r: &crate::data::replication::Replication, now: SimTime) -> ReplicationReport {
    ReplicationReport {
        shard: r.shard.clone(),
        position: r.position(),
        replicas: (0..r.replicas.len())
            .map(|i| {
                let (behind, age) = r.lag(i, now);
                (r.replicas[i].applied, behind, age.as_secs_f64())
            })
            .collect(),
        replica_lag_ms: r.replicas.iter().map(|x| crate::metrics::LatencySummary::of(&x.lag)).collect(),
        read_your_writes_violations: r.read_your_writes_violations,
        monotonic_violations: r.monotonic_violations,
        stale_reads: r.stale_reads,
        reads: replicated.reads,
        reads_on_primary: replicated.reads_on_primary,
        reads_ahead_of_replicas: r.reads_ahead_of_replicas,
        waits: r.waits,
        mean_wait_ms: if r.waits == 0 { 0.0 } else { r.waited.as_millis_f64() / r.waits as f64 },
        wait_timeouts: r.wait_timeouts,
        commit: r.config.commit.label(),
        commit_waits: r.commit_waits,
        mean_commit_wait_ms: r.mean_commit_wait_ms(),
        longest_commit_wait_ms: r.longest_commit_wait.as_millis_f64(),
        semi_sync_fallbacks: r.semi_sync_fallbacks,
        unacknowledged_commits: r.unacknowledged_commits,
        split_brain_writes: r.split_brain_writes,
        failovers: r.failovers.clone(),
    }
}

/// A replicated database's plan as jobs on its machines: each group's part on its primary, or
/// on its replica `replica`; with each job's group, by the job's index.
fn group_jobs(replication: &Replicated, plan: &crate::data::Plan, replica: Option<usize>) -> (Rc<Jobs>, Vec<usize>) {
    let machine = |g: usize| {
        let group = &replication.groups[g];
        replica.map_or(group.primary_machine, |k| group.replicas[k].machine)
    };
    if !replication.sharded() {
        return (jobs_on(plan, machine(0)), vec![0]);
    }
    let mut jobs = Jobs::of(plan, &replication.shard_names);
    let groups = jobs.on.iter().map(|job| job.server).collect();
    jobs.on.iter_mut().for_each(|job| job.server = machine(job.server));
    (Rc::new(jobs), groups)
}

/// What a write that ran on the primaries enters in each group's log: the whole statement on
/// one server, or each shard's part of it as the router ran it there.
fn group_writes(
    replication: &Replicated,
    plan: &crate::data::Plan,
    whole: Rc<crate::data::sql::ast::Statement>,
) -> Vec<(usize, Rc<crate::data::sql::ast::Statement>)> {
    if !replication.sharded() {
        return vec![(0, whole)];
    }
    let group = |server: &str| replication.shard_names.iter().position(|n| n == server);
    plan.parts.iter().filter_map(|p| Some((group(&p.server)?, p.written.clone()?))).collect()
}

/// A one-server plan's jobs, on `machine` (a primary, a replica, or an old primary).
fn jobs_on(plan: &crate::data::Plan, machine: usize) -> Rc<Jobs> {
    let mut jobs = Jobs::of(plan, &["db".to_string()]);
    jobs.on.iter_mut().for_each(|job| job.server = machine);
    Rc::new(jobs)
}
