//! The query console's side of a run: the scenario's database and what the student has typed,
//! in order. The typed queries are the scenario's `data.queries`, so a link replays them (writes
//! included) and opens on the same rows and the same last answer.

use std::rc::Rc;

use super::layout::Plan;
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

/// Rows of a result the console keeps (it pages through them; beyond, it counts).
pub const KEPT_ROWS: usize = 500;

pub struct Console {
    pub db: Database,
    /// newest last; shared, so that a frame's view holds the answer without copying its rows
    pub entries: Vec<Rc<Entry>>,
}

impl Console {
    /// The database, with the typed queries run again in order. A layout that cannot be built
    /// was refused when the scenario was validated, so this only fails on a changed schema.
    pub fn new(config: &DataConfig, seed: u64) -> Result<Console, String> {
        let db = Database::build(config, seed).map_err(|e| e.to_string())?;
        let mut console = Console { db, entries: Vec::new() };
        for sql in &config.queries {
            console.run(sql);
        }
        Ok(console)
    }

    /// Runs a query (or the console's one command, `\reshard N`) and keeps its answer (or its
    /// error) as the newest entry.
    pub fn run(&mut self, sql: &str) -> Rc<Entry> {
        if let Some(shards) = sql.trim().strip_prefix("\\reshard") {
            let outcome = self.reshard(shards.trim());
            let entry = Rc::new(Entry { sql: sql.to_string(), outcome });
            self.entries.push(entry.clone());
            return entry;
        }
        let outcome = self.db.execute(sql).map(|o| {
            let plan_text = o.plan.render();
            Answer {
                columns: o.result.columns,
                total_rows: o.result.rows.len(),
                rows: o.result.rows.iter().take(KEPT_ROWS).map(|r| r.iter().map(Value::to_string).collect()).collect(),
                affected: o.affected,
                explained: o.explained,
                plan: o.plan,
                plan_text,
            }
        });
        let entry = Rc::new(Entry { sql: sql.to_string(), outcome: outcome.map_err(|e| e.to_string()) });
        self.entries.push(entry.clone());
        entry
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
        let cluster = self.db.cluster_mut().ok_or("\\reshard needs a sharded layout: load a sharding preset")?;
        let strategy = cluster.config.strategy.label();
        let r = cluster.reshard(to).map_err(|e| e.to_string())?;
        let percent = |part: u64, whole: u64| 100.0 * part as f64 / whole.max(1) as f64;
        let plan = Plan {
            route: format!("Resharded from {} to {} shards ({strategy})", r.from, r.to),
            notes: vec![
                format!("keys moved: {} of {} ({:.1}%)", r.keys_moved, r.keys, percent(r.keys_moved, r.keys)),
                format!("rows moved: {} of {} ({:.1}%)", r.rows_moved, r.rows, percent(r.rows_moved, r.rows)),
            ],
            ..Plan::default()
        };
        let plan_text = plan.render();
        Ok(Answer {
            columns: Vec::new(),
            rows: Vec::new(),
            total_rows: 0,
            affected: None,
            explained: true,
            plan,
            plan_text,
        })
    }
}

/// The data tier in a run's report (`scalelab run --json`): the layout, each server's rows,
/// and each console query's cost.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DataReport {
    pub layout: String,
    pub servers: Vec<ServerRows>,
    pub queries: Vec<QueryReport>,
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
                        route: Some(a.plan.route.clone()),
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
        }
    }
}
