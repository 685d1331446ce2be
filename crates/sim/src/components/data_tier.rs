//! The data tier as a part of the run: the database (with its console) and, when the web tier
//! queries it, one machine per database server (slots and a queue, like a web server's) and
//! the query each request runs. It decides what a query asks of which server; the engine
//! carries the query there and back (`engine/database.rs`).

use std::rc::Rc;

use super::server::Server;
use crate::data::console::{Console, DataReport, DbServerReport, Entry, WebReport};
use crate::data::traffic::{Jobs, Keys, WebQueries};
use crate::data::DataConfig;
use crate::rng::Rng;
use crate::time::SimTime;

pub struct DataTier {
    pub console: Console,
    /// the web tier's side: present when the scenario's requests query the database
    web: Option<WebSide>,
}

struct WebSide {
    config: WebQueries,
    keys: Keys,
    rng: Rng,
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

/// The random stream the web tier's query picks and keys come from.
const WEB_QUERIES_STREAM: u64 = 0xDA7A;

impl DataTier {
    pub fn new(config: &DataConfig, seed: u64) -> Result<DataTier, String> {
        let mut console = Console::new(config, seed)?;
        // A link replays a reshard's result, not its copy: the run starts with the rows in place.
        console.copies.clear();
        let web = config.web.as_ref().map(|web| {
            let mut side = WebSide {
                config: web.clone(),
                keys: Keys::new(config.rows, config.zipf),
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
        Ok(DataTier { console, web })
    }

    /// Runs what the student typed. A reshard changes the servers (new ones get machines), and
    /// its copies join the machines' work: returns the machines that have a copy to start.
    pub fn run_console(&mut self, sql: &str, now: SimTime) -> (Rc<Entry>, Vec<usize>) {
        let entry = self.console.run(sql);
        let copies = std::mem::take(&mut self.console.copies);
        let Some(web) = self.web.as_mut() else { return (entry, Vec::new()) };
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

    /// A request's query: which one of the mix, its keys, and what it asks of each server, found
    /// by running it on the database (a read already run on unchanged tables is not run again:
    /// it would do the same work). An error is the database's refusal, in its words.
    pub fn next_query(&mut self) -> Result<Rc<Jobs>, String> {
        let Some(web) = self.web.as_mut() else { return Err("this scenario's web tier runs no queries".into()) };
        web.queries += 1;
        let pick = web.config.pick(&mut web.rng);
        let sql = web.keys.fill_with(&web.config.mix[pick].sql, &mut web.rng);
        self.console.plan(&web.names, &sql)
    }

    /// A query failed: counted.
    pub fn count_failure(&mut self) {
        if let Some(web) = self.web.as_mut() {
            web.failed += 1;
        }
    }

    /// (queries run by the web tier, queries that failed)
    pub fn web_queries(&self) -> (u64, u64) {
        self.web.as_ref().map_or((0, 0), |w| (w.queries, w.failed))
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
        self.console.db.set_down(server, down);
        // A read planned while the server was up would not fail now: plan afresh.
        self.console.memo.forget();
    }

    /// The servers the layout has now, with their machines.
    pub fn servers(&self) -> impl Iterator<Item = (&str, &Server)> {
        self.web.iter().flat_map(|w| w.names.iter().map(String::as_str).zip(&w.machines))
    }

    /// The database's figures for `scalelab run`: the console's, and the web tier's queries.
    pub fn report(&self) -> DataReport {
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
        });
        report
    }

    /// Closes a second of every machine's busy-time measure.
    pub fn sample_utilisation(&mut self, now: SimTime) {
        if let Some(web) = self.web.as_mut() {
            for m in &mut web.machines {
                m.sample_utilisation(now);
            }
        }
    }
}

impl WebSide {
    fn follow_layout(&mut self, console: &mut Console) {
        self.follow_layout_at(console, SimTime::ZERO);
    }

    /// A machine for each server the database lists (new ones join now). The database learns
    /// again which are down: a reshard builds new shards.
    fn follow_layout_at(&mut self, console: &mut Console, now: SimTime) {
        self.names = console.db.servers().into_iter().map(|(name, _)| name).collect();
        while self.machines.len() < self.names.len() {
            self.machines.push(Server::new(self.config.connections, 1.0, self.config.queue_limit, 0.0, now));
            self.copies.push(Default::default());
            self.copying.push(false);
        }
        for (i, m) in self.machines.iter().enumerate().take(self.names.len()) {
            console.db.set_down(i, m.fault() == crate::components::server::Fault::Crashed);
        }
    }
}
