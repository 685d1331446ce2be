//! The query console's side of a run: the scenario's database and what the student has typed,
//! in order. The typed queries are the scenario's `data.queries`, so a link replays them (writes
//! included) and opens on the same rows and the same last answer.

use std::rc::Rc;

use super::layout::Plan;
use super::traffic::{Jobs, Memo};
use super::value::Value;
use super::{DataConfig, Database};

/// One query and what came of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub sql: String,
    pub outcome: Result<Answer, String>,
}

/// A query's answer, as the console shows it: rows as text (a few hundred at most: more are
/// counted, not kept), and its plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// rows in the whole result (more than `rows` holds when it was cut)
    pub total_rows: usize,
    pub affected: Option<u64>,
    pub explained: bool,
    pub plan: Plan,
    /// the plan in words, as `scalelab sql --explain` prints it
    pub plan_text: String,
}

impl Answer {
    /// An answer with no rows, whose plan says what happened (the console's commands).
    fn plan_only(plan: Plan) -> Answer {
        let plan_text = plan.render();
        Answer {
            columns: Vec::new(),
            rows: Vec::new(),
            total_rows: 0,
            affected: None,
            explained: true,
            plan,
            plan_text,
        }
    }
}

/// Rows of a result the console keeps (it pages through them; beyond, it counts).
pub const KEPT_ROWS: usize = 500;

#[derive(Clone)]
pub struct Console {
    pub db: Database,
    /// newest last; shared, so that a frame's view holds the answer without copying its rows
    pub entries: Vec<Rc<Entry>>,
    /// what every query so far asked of each server (by name)
    pub load: std::collections::BTreeMap<String, ServerLoad>,
    /// reads already planned (`\traffic`'s and the web tier's), until a write changes their tables
    pub memo: Memo,
    /// rows each shard must copy for the last reshard (shard name, rows), until the run takes
    /// them to run the copy on the shards' machines
    pub copies: Vec<(String, u64)>,
}

/// One server's share of the work so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ServerLoad {
    pub queries: u64,
    pub rows_examined: u64,
    pub busy_us: f64,
}

/// Queries `\traffic` runs at most in one go.
pub const MAX_TRAFFIC: u32 = 10_000;

impl Console {
    /// The database, with the typed queries run again in order. A layout that cannot be built
    /// was refused when the scenario was validated, so this only fails on a changed schema.
    pub fn new(config: &DataConfig, seed: u64) -> Result<Console, String> {
        let db = Database::build(config, seed).map_err(|e| e.to_string())?;
        let mut console =
            Console { db, entries: Vec::new(), load: Default::default(), memo: Memo::default(), copies: Vec::new() };
        for sql in &config.queries {
            console.run(sql);
        }
        Ok(console)
    }

    /// Runs a query (or the console's one command, `\reshard N`) and keeps its answer (or its
    /// error) as the newest entry.
    pub fn run(&mut self, sql: &str) -> Rc<Entry> {
        // A typed write, or a reshard, changes what a read planned before would do.
        self.memo.forget();
        if let Some(shards) = sql.trim().strip_prefix("\\reshard") {
            let outcome = self.reshard(shards.trim());
            return self.keep(sql, outcome);
        }
        if let Some(count) = sql.trim().strip_prefix("\\traffic") {
            let outcome = self.traffic(count.trim());
            return self.keep(sql, outcome);
        }
        let outcome = self.db.execute(sql).map(|o| {
            self.count(&o.plan);
            let plan_text = o.plan.render();
            Answer {
                columns: o.result.columns.to_vec(),
                total_rows: o.result.rows.len(),
                rows: o.result.rows.iter().take(KEPT_ROWS).map(|r| r.iter().map(Value::to_string).collect()).collect(),
                affected: o.affected,
                explained: o.explained,
                plan: o.plan,
                plan_text,
            }
        });
        self.keep(sql, outcome.map_err(|e| e.to_string()))
    }

    /// What a read or write asks of each server, through the memo (`Memo::plan`).
    pub fn plan(&mut self, servers: &[String], sql: &str) -> Result<Rc<Jobs>, String> {
        self.memo.plan(&mut self.db, servers, sql)
    }

    /// A query refused before it reached the database (by a rule the layout adds): kept as the
    /// newest entry, with why.
    pub fn refuse(&mut self, sql: &str, why: String) -> Rc<Entry> {
        self.keep(sql, Err(why))
    }

    fn keep(&mut self, sql: &str, outcome: Result<Answer, String>) -> Rc<Entry> {
        let entry = Rc::new(Entry { sql: sql.to_string(), outcome });
        self.entries.push(entry.clone());
        entry
    }

    fn count(&mut self, plan: &Plan) {
        for part in &plan.parts {
            let load = self.load.entry(part.server.to_string()).or_default();
            load.queries += 1;
            load.rows_examined += part.work.rows_examined;
            load.busy_us += part.time_us;
        }
    }

    /// `\traffic N`: N reads as a shop's users make them, keys drawn by Zipf's law (the
    /// scenario's exponent): half an order history by user (`orders WHERE user_id = …`), half a
    /// count of users by country. The answer is each server's share: a poor shard key shows as
    /// one shard doing most of the work.
    fn traffic(&mut self, count: &str) -> Result<Answer, String> {
        let n =
            count.parse::<u32>().ok().filter(|n| (1..=MAX_TRAFFIC).contains(n)).ok_or_else(|| {
                format!("\\traffic takes a number of queries from 1 to {MAX_TRAFFIC}, not \"{count}\"")
            })?;
        let users = super::generate::table_sizes(self.db.config.rows)[0].1.min(u32::MAX as u64) as u32;
        let user_pick = crate::caching::zipf::Zipf::new(users, self.db.config.zipf);
        let country_pick = crate::caching::zipf::Zipf::new(super::generate::COUNTRIES.len() as u32, 1.0);
        // Seeded by the scenario and by how many entries came before, so a link replays it.
        let mut rng = crate::rng::Rng::stream(self.db.seed, 0x7AFF1C ^ self.entries.len() as u64);
        let before = self.load.clone();
        let names: Vec<String> = self.db.servers().into_iter().map(|(name, _)| name).collect();
        for i in 0..n {
            let sql = if i % 2 == 0 {
                format!("SELECT * FROM orders WHERE user_id = {}", 1 + user_pick.sample(&mut rng))
            } else {
                format!(
                    "SELECT COUNT(*) FROM users WHERE country = '{}'",
                    super::generate::COUNTRIES[country_pick.sample(&mut rng) as usize].0
                )
            };
            let jobs = self.plan(&names, &sql)?;
            for job in &jobs.on {
                let load = self.load.entry(names[job.server].clone()).or_default();
                load.queries += 1;
                load.rows_examined += job.rows_examined;
                load.busy_us += job.time_us;
            }
        }
        let mut notes = Vec::new();
        let total: u64 =
            self.load.iter().map(|(s, l)| l.rows_examined - before.get(s).map_or(0, |b| b.rows_examined)).sum();
        for (server, load) in &self.load {
            let was = before.get(server).copied().unwrap_or_default();
            if load.queries == was.queries {
                continue;
            }
            let rows = load.rows_examined - was.rows_examined;
            notes.push(format!(
                "{server}: {} queries, {rows} rows examined ({:.0}% of the work)",
                load.queries - was.queries,
                100.0 * rows as f64 / total.max(1) as f64
            ));
        }
        let plan = Plan {
            route: format!("{n} reads with Zipf-popular keys: orders by user_id, users by country").into(),
            notes,
            ..Plan::default()
        };
        Ok(Answer::plan_only(plan))
    }
}

impl Console {
    /// `\reshard N`, psql-style: the sharded layout grows or shrinks to N shards while the data
    /// stays, and the answer counts what moved.
    fn reshard(&mut self, shards: &str) -> Result<Answer, String> {
        let max = crate::validate::limits::data::MAX_SHARDS;
        let to = shards
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| format!("\\reshard takes a shard count from 1 to {max}, not \"{shards}\""))?;
        if self.db.config.replication.is_some() {
            return Err(
                "\\reshard moves rows between shards, and here each shard is a replicated group whose replicas \
                        would need the move too: this run does not model that. Reshard a layout without replicas \
                        (turn Replicas off), or set data.layout.shards before the run starts"
                    .into(),
            );
        }
        let cluster = self.db.cluster_mut().ok_or("\\reshard needs a sharded layout: load a sharding preset")?;
        let strategy = cluster.config.strategy.label();
        let r = cluster.reshard(to).map_err(|e| e.to_string())?;
        let per_row_us = self.db.config.cost.per_row_us;
        let mut notes = r.moved().to_vec();
        notes.extend(r.copied.iter().map(|(shard, rows)| {
            format!(
                "{shard} copies {rows} rows ({} of one connection's work, beside its queries)",
                super::layout::time_text(*rows as f64 * per_row_us)
            )
        }));
        self.copies = r.copied.into_iter().collect();
        let plan = Plan {
            route: format!("Resharded from {} to {} shards ({strategy})", r.from, r.to).into(),
            notes,
            ..Plan::default()
        };
        Ok(Answer::plan_only(plan))
    }
}

/// The data tier in a run's report (`scalelab run --json`): the layout, each server's rows,
/// and each console query's cost.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DataReport {
    pub layout: String,
    pub servers: Vec<ServerRows>,
    pub queries: Vec<QueryReport>,
    /// the web tier's queries, when its requests query the database
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web: Option<WebReport>,
}

/// What the web tier's requests asked of the database.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WebReport {
    pub queries: u64,
    /// refused by a full queue, or by the database
    pub failed: u64,
    pub servers: Vec<DbServerReport>,
    /// the primary's log and each replica's place in it, under replication
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication: Option<ReplicationReport>,
    /// each shard's log and replicas, when a sharded database is replicated
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicated_shards: Vec<ReplicationReport>,
    /// the primaries and their conflicts, under multi-primary replication
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_primary: Option<MultiPrimaryReport>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MultiPrimaryReport {
    pub rule: super::multi_primary::Resolution,
    pub primaries: usize,
    /// each primary's clock ahead of real time [ms]
    pub skew_ms: Vec<f64>,
    pub counts: super::multi_primary::Counts,
    /// every write has reached every primary
    pub quiet: bool,
    /// the newest conflicts, oldest first
    pub conflicts: Vec<super::merge::Conflict>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReplicationReport {
    /// the shard the group holds, when the database is sharded
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// log entries the primary has committed
    pub position: u64,
    /// each replica: entries applied, entries behind, and the age of the oldest not applied [s]
    pub replicas: Vec<(u64, u64, f64)>,
    /// each replica's lag per entry applied, from its commit on the primary [ms]
    pub replica_lag_ms: Vec<crate::metrics::LatencySummary>,
    /// reads that did not see their user's own last write
    pub read_your_writes_violations: u64,
    /// reads that showed an older state than the same user's read before
    pub monotonic_violations: u64,
    /// reads from a replica further behind than the stale bound
    pub stale_reads: u64,
    /// reads, and those a fix sent to the primary
    pub reads: u64,
    pub reads_on_primary: u64,
    /// reads on the primary that showed a write no replica had yet
    pub reads_ahead_of_replicas: u64,
    /// reads that waited for their user's write (the wait fix), their mean wait [ms], and how
    /// many gave up at the timeout
    pub waits: u64,
    pub mean_wait_ms: f64,
    pub wait_timeouts: u64,
    /// the commit mode, as its system writes it
    pub commit: String,
    /// commits that waited for replicas, their mean and longest wait [ms]
    pub commit_waits: u64,
    pub mean_commit_wait_ms: f64,
    pub longest_commit_wait_ms: f64,
    /// semi-sync: falls back to asynchronous after a timeout, and the commits that returned
    /// unacknowledged
    pub semi_sync_fallbacks: u64,
    pub unacknowledged_commits: u64,
    /// each failover, with the writes it lost
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failovers: Vec<crate::data::failover::FailoverRecord>,
    /// writes an unfenced old primary took (a split brain): on no other copy
    pub split_brain_writes: u64,
}

/// One database server's share of the web tier's queries.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DbServerReport {
    pub server: String,
    /// shares of queries it finished
    pub served: u64,
    /// busy fraction over the last simulated second
    pub utilisation: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ServerRows {
    pub server: String,
    pub rows: Vec<(String, usize)>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct QueryReport {
    pub sql: String,
    pub error: Option<String>,
    pub route: Option<String>,
    pub servers: usize,
    pub rows_examined: u64,
    pub time_us: f64,
}

impl Console {
    pub fn report(&self) -> DataReport {
        DataReport {
            layout: self.db.config.layout.describe(),
            servers: self.db.servers().into_iter().map(|(server, rows)| ServerRows { server, rows }).collect(),
            queries: self
                .entries
                .iter()
                .map(|e| match &e.outcome {
                    Ok(a) => QueryReport {
                        sql: e.sql.clone(),
                        error: None,
                        route: Some(a.plan.route.to_string()),
                        servers: a.plan.parts.len(),
                        rows_examined: a.plan.rows_examined(),
                        time_us: a.plan.time_us,
                    },
                    Err(error) => QueryReport {
                        sql: e.sql.clone(),
                        error: Some(error.clone()),
                        route: None,
                        servers: 0,
                        rows_examined: 0,
                        time_us: 0.0,
                    },
                })
                .collect(),
            web: None,
        }
    }
}
