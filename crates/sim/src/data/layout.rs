//! A database laid out one way: built from the scenario's seed, it takes SQL and answers with
//! rows and a plan (where the query went, the SQL each server received, the partitions it
//! scanned, the rows it examined, and the simulated time that came to).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::exec::bind::Scope;
use super::exec::{resolve_group_by, types, Node, PreparedSelect, ResultSet, Work};
use super::generate::generate;
use super::partition::apply_ddl;
use super::router::Cluster;
use super::schema::TableDef;
use super::shard::Strategy;
use super::sql::ast::Statement;
use super::sql::{parse, parse_ddl, SqlError};
use super::table::Table;
use super::vertical::VerticalSplit;
use super::DataConfig;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayoutConfig {
    /// every table whole, on one server
    Single,
    /// `users` split into `users_hot` (id and these columns) and `users_cold` (id and the rest)
    Vertical {
        hot: Vec<String>,
    },
    /// PostgreSQL partitioning DDL, applied to the schema
    Partitioned {
        ddl: String,
    },
    Sharded(ShardingConfig),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardingConfig {
    pub shards: u32,
    pub strategy: Strategy,
    /// points per shard on the consistent-hashing ring
    #[serde(default = "default_vnodes")]
    pub vnodes: u32,
    /// each table's shard key column, or "reference" for a table copied to every shard
    #[serde(default = "default_placement")]
    pub tables: BTreeMap<String, String>,
}

pub fn default_vnodes() -> u32 {
    100
}

/// `users` by id; posts, comments and orders by user_id (co-located with their user, as Citus
/// co-locates by tenant); `countries` a reference table.
pub fn default_placement() -> BTreeMap<String, String> {
    [("users", "id"), ("posts", "user_id"), ("comments", "user_id"), ("orders", "user_id"), ("countries", "reference")]
        .into_iter()
        .map(|(t, c)| (t.to_string(), c.to_string()))
        .collect()
}

impl LayoutConfig {
    /// The layout in a few words, for the console's heading and `scalelab run`.
    pub fn describe(&self) -> String {
        match self {
            LayoutConfig::Single => "one server, every table whole".into(),
            LayoutConfig::Vertical { hot } => {
                format!("users split by columns: users_hot (id, {}) and users_cold (the rest)", hot.join(", "))
            }
            LayoutConfig::Partitioned { .. } => "one server, tables partitioned as PostgreSQL 17 does it".into(),
            LayoutConfig::Sharded(s) => format!("{} shards by {}", s.shards, s.strategy.label()),
        }
    }

    /// Whether the layout can be built on this schema, without building it: the DDL parses and
    /// obeys PostgreSQL's rules, shard keys and hot columns exist.
    pub fn check_against(&self, schema: &[TableDef]) -> Result<(), String> {
        let schema: Vec<Rc<TableDef>> = schema.iter().cloned().map(Rc::new).collect();
        match self {
            LayoutConfig::Single => Ok(()),
            LayoutConfig::Partitioned { ddl } => {
                parse_ddl(ddl).and_then(|d| apply_ddl(&d, &schema)).map(|_| ()).map_err(|e| e.to_string())
            }
            LayoutConfig::Vertical { hot } => VerticalSplit::new(&schema, hot).map(|_| ()).map_err(|e| e.to_string()),
            LayoutConfig::Sharded(s) => {
                for (table, key) in &s.tables {
                    let Some(def) = schema.iter().find(|t| &t.name == table) else {
                        return Err(format!(
                            "no table \"{table}\" to shard: the tables are {}",
                            super::schema::TABLES.join(", ")
                        ));
                    };
                    if key != "reference" && def.column(key).is_none() {
                        return Err(format!(
                            "cannot shard {table} by \"{key}\": pick one of {}, or \"reference\"",
                            def.column_names().join(", ")
                        ));
                    }
                }
                Ok(())
            }
        }
    }
}

#[derive(Clone)]
pub struct Database {
    pub config: DataConfig,
    /// the scenario's seed the rows were generated from
    pub seed: u64,
    pub schema: Vec<Rc<TableDef>>,
    store: Store,
    /// the one server is down (a sharded layout keeps which shards are down in its cluster)
    down: bool,
}

impl std::fmt::Debug for Database {
    /// The layout and each server's row counts (the rows themselves would fill a screen).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("layout", &self.config.layout).field("servers", &self.servers()).finish()
    }
}

#[derive(Clone)]
enum Store {
    One { node: Node, vertical: Option<VerticalSplit> },
    Sharded(Cluster),
}

/// One server's share of a query.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub server: Cow<'static, str>,
    pub sql: Rc<str>,
    pub work: Work,
    pub time_us: f64,
    /// a shard's part of a write, as it ran there (what that shard's log carries to its replicas)
    pub written: Option<Rc<Statement>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// where it went and why, in a sentence
    pub route: Cow<'static, str>,
    /// the statement as the layout's tables need it (a vertical split's rewrite)
    pub rewritten: Option<String>,
    pub parts: Vec<Part>,
    /// what the router did with the parts (merge, aggregate, join), when it did something
    pub gather: Option<String>,
    pub rows_moved: u64,
    pub bytes_moved: u64,
    pub time_us: f64,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub result: ResultSet,
    /// rows written, for INSERT, UPDATE and DELETE
    pub affected: Option<u64>,
    pub plan: Plan,
    /// the statement was an EXPLAIN: it ran nothing and the result is empty
    pub explained: bool,
}

impl Database {
    /// Generates the rows and lays them out. A layout that cannot hold them (a row with no
    /// partition) is refused with PostgreSQL's words.
    pub fn build(config: &DataConfig, seed: u64) -> Result<Database, SqlError> {
        let data = generate(seed, config.rows, config.zipf);
        let schema: Vec<Rc<TableDef>> = data.tables.iter().map(|(d, _)| d.clone()).collect();
        let store = match &config.layout {
            LayoutConfig::Single => Store::One { node: one_node(data.tables, &[])?, vertical: None },
            LayoutConfig::Partitioned { ddl } => {
                let partitioned = apply_ddl(&parse_ddl(ddl)?, &schema)?;
                Store::One { node: one_node(data.tables, &partitioned)?, vertical: None }
            }
            LayoutConfig::Vertical { hot } => {
                let split = VerticalSplit::new(&schema, hot)?;
                let tables = split.split_rows(data.tables);
                Store::One { node: one_node(tables, &[])?, vertical: Some(split) }
            }
            LayoutConfig::Sharded(sharding) => Store::Sharded(Cluster::build(sharding, &schema, data.tables)?),
        };
        Ok(Database { config: config.clone(), seed, schema, store, down: false })
    }

    /// Runs one statement. A statement that fails changes nothing.
    pub fn execute(&mut self, sql: &str) -> Result<Outcome, SqlError> {
        let statement = parse(sql)?;
        let (statement, explained) = match statement {
            Statement::Explain(inner) => (*inner, true),
            other => (other, false),
        };
        self.run(&statement, explained)
    }

    /// Runs a parsed statement; `explained` runs a write on a copy.
    pub fn run(&mut self, statement: &Statement, explained: bool) -> Result<Outcome, SqlError> {
        self.run_bound(statement, explained, None)
    }

    /// Parses nothing and binds once what can be bound, as a client's prepared statement: its
    /// SQL is printed once and, on one server, a SELECT's names are resolved once, so that
    /// running it again only reads rows. A layout that must route each run (split tables,
    /// shards) keeps the statement and routes it each time.
    pub fn prepare(&self, statement: &Statement, explained: bool) -> Result<Prepared, SqlError> {
        let statement = &*self.resolved(statement)?;
        let select = match (&self.store, statement) {
            (Store::One { node, vertical: None }, Statement::Select(query)) => Some(node.prepare(query)?),
            _ => None,
        };
        let sql = Rc::from(statement.to_string());
        Ok(Prepared { statement: statement.clone(), explained, sql, select })
    }

    /// The statement as it runs: its types checked as PostgreSQL checks them before running
    /// anything (`types`), and a GROUP BY's positions and output names resolved to their
    /// expressions (`resolve_group_by`).
    fn resolved<'s>(&self, statement: &'s Statement) -> Result<Cow<'s, Statement>, SqlError> {
        let def = |name: &str| self.schema.iter().find(|t| t.name == name).cloned();
        match statement {
            // (a table that does not exist is reported where the query is bound)
            Statement::Select(query) => {
                if let Some(scope) = Scope::of_query(query, &def) {
                    types::check_select(query, &scope)?;
                    if let Some(query) = resolve_group_by(query, &scope)? {
                        return Ok(Cow::Owned(Statement::Select(query)));
                    }
                }
            }
            Statement::Update(_) | Statement::Delete(_) => {
                if let Some(def) = statement.written_table().and_then(def) {
                    let unaliased = types::unaliased(&def, statement)?;
                    types::check_write(def, unaliased.as_ref().unwrap_or(statement))?;
                    if let Some(unaliased) = unaliased {
                        return Ok(Cow::Owned(unaliased));
                    }
                }
            }
            _ => {}
        }
        Ok(Cow::Borrowed(statement))
    }

    /// Runs a prepared statement (see `prepare`).
    pub fn run_prepared(&mut self, prepared: &Prepared) -> Result<Outcome, SqlError> {
        self.run_bound(&prepared.statement, prepared.explained, Some(prepared))
    }

    fn run_bound(
        &mut self,
        statement: &Statement,
        explained: bool,
        prepared: Option<&Prepared>,
    ) -> Result<Outcome, SqlError> {
        if matches!(statement, Statement::Explain(_)) {
            return Err(SqlError::new("EXPLAIN EXPLAIN explains nothing more: write EXPLAIN once"));
        }
        if self.down {
            return Err(SqlError::new("the database server is down: recover it, then run the query again"));
        }
        // A prepared statement was resolved when it was prepared.
        let resolved = if prepared.is_some() { Cow::Borrowed(statement) } else { self.resolved(statement)? };
        let statement = &*resolved;
        let cost = &self.config.cost;
        let mut outcome = match &mut self.store {
            Store::One { node, vertical } => match vertical {
                Some(split) => split.execute(node, statement, explained, cost)?,
                None => one_server(node, statement, explained, prepared, cost)?,
            },
            Store::Sharded(cluster) => cluster.execute(statement, explained, cost)?,
        };
        outcome.explained = explained;
        Ok(outcome)
    }

    /// The rows an INSERT would write, built as it builds them (on one server), so that their
    /// keys are known before it runs.
    pub fn insert_rows(&self, insert: &super::sql::ast::Insert) -> Result<Vec<super::table::Row>, SqlError> {
        match &self.store {
            Store::One { node, vertical: None } => node.insert_rows(insert),
            _ => Err(SqlError::new("only one server's rows are built ahead of an INSERT")),
        }
    }

    /// A table's rows, as stored (every partition or shard together, without duplicating a
    /// reference table), sorted by primary key: `scalelab dump`.
    pub fn table_rows(&self, table: &str) -> Result<(Rc<TableDef>, Vec<super::table::Row>), SqlError> {
        let def = self.schema.iter().find(|t| t.name == table).cloned().ok_or_else(|| {
            SqlError::hinted(
                format!("relation \"{table}\" does not exist"),
                &format!("The tables are {}.", super::schema::TABLES.join(", ")),
            )
        })?;
        let mut rows = match &self.store {
            Store::One { node, vertical: Some(split) } if table == split.table() => split.join_rows(node),
            Store::One { node, .. } => node_rows(node, table),
            Store::Sharded(cluster) => cluster.table_rows(table),
        };
        rows.sort_by(|a, b| a[def.primary_key].sort_cmp(&b[def.primary_key]));
        Ok((def, rows))
    }

    /// How many rows each server holds of each table (the diagram's row bands).
    pub fn servers(&self) -> Vec<(String, Vec<(String, usize)>)> {
        match &self.store {
            Store::One { node, .. } => {
                vec![("db".into(), node.tables.iter().map(|(n, t)| (n.clone(), t.len())).collect())]
            }
            Store::Sharded(cluster) => cluster.servers(),
        }
    }

    /// A server (by its index in `servers`) goes down or comes back: queries that need it fail.
    pub fn set_down(&mut self, server: usize, down: bool) {
        match &mut self.store {
            Store::One { .. } => self.down = down,
            Store::Sharded(cluster) => cluster.set_down(server as u32, down),
        }
    }

    /// A shard's rows as a database of their own on one server (a replica of that shard).
    pub fn shard_copy(&self, shard: usize) -> Database {
        let node = self.cluster().and_then(|c| c.shards.get(shard)).map(|s| s.node.clone()).unwrap_or_default();
        let (config, seed, schema) = (self.config.clone(), self.seed, self.schema.clone());
        Database { config, seed, schema, store: Store::One { node, vertical: None }, down: false }
    }

    /// Runs a read on a copy of each shard (a replica of each): see `Cluster::read_copies`.
    pub fn read_copies(&mut self, copies: &mut [&mut Node], statement: &Statement) -> Result<Outcome, SqlError> {
        match (&mut self.store, statement) {
            (Store::Sharded(cluster), Statement::Select(query)) => {
                cluster.read_copies(copies, query, &self.config.cost)
            }
            _ => Err(SqlError::new("only a read runs on the shards' copies")),
        }
    }

    /// The rows a replicated group's primary holds: the one server's, or a shard's.
    pub fn group_node_mut(&mut self, group: usize) -> Option<&mut Node> {
        match &mut self.store {
            Store::One { node, .. } => Some(node),
            Store::Sharded(cluster) => cluster.shards.get_mut(group).map(|s| &mut s.node),
        }
    }

    pub fn cluster(&self) -> Option<&Cluster> {
        match &self.store {
            Store::Sharded(c) => Some(c),
            Store::One { .. } => None,
        }
    }

    pub fn cluster_mut(&mut self) -> Option<&mut Cluster> {
        match &mut self.store {
            Store::Sharded(c) => Some(c),
            Store::One { .. } => None,
        }
    }
}

/// Every row of a table on one node, whether it is whole or partitioned.
pub fn node_rows(node: &Node, table: &str) -> Vec<super::table::Row> {
    let names: Vec<String> = match node.partitioned.get(table) {
        Some(p) => p.partitions.iter().map(|part| part.name.clone()).collect(),
        None => vec![table.to_string()],
    };
    names.iter().filter_map(|n| node.tables.get(n)).flat_map(|t| t.rows().map(|(_, r)| r.to_vec())).collect()
}

/// One server with these tables, partitioned ones routed row by row into their partitions.
fn one_node(
    tables: Vec<(Rc<TableDef>, Vec<super::table::Row>)>,
    partitioned: &[super::partition::PartitionedTable],
) -> Result<Node, SqlError> {
    let mut node = Node::default();
    for (def, rows) in tables {
        match partitioned.iter().find(|p| p.def.name == def.name) {
            Some(p) => {
                for part in &p.partitions {
                    let part_def = Rc::new(TableDef { name: part.name.clone(), ..(*p.def).clone() });
                    node.tables.insert(part.name.clone(), Table::new(part_def, &[p.key_column]));
                }
                node.partitioned.insert(def.name.clone(), p.clone());
            }
            None => {
                node.tables.insert(def.name.clone(), Table::new(def.clone(), &[]));
            }
        }
        node.store_rows(&def.name, rows)?;
    }
    Ok(node)
}

/// A statement on one server: the plan is that server's work.
fn one_server(
    node: &mut Node,
    statement: &Statement,
    explained: bool,
    prepared: Option<&Prepared>,
    cost: &super::Cost,
) -> Result<Outcome, SqlError> {
    let (result, affected, work) = match (statement, prepared.and_then(|p| p.select.as_ref())) {
        (Statement::Select(query), Some(bound)) => {
            let (result, work) = node.run_prepared(query, bound)?;
            (if explained { ResultSet { columns: result.columns, rows: Vec::new() } } else { result }, None, work)
        }
        _ => run_on(node, statement, explained)?,
    };
    let time_us = cost.of(&work);
    let sql = prepared.map_or_else(|| Rc::from(statement.to_string()), |p| p.sql.clone());
    let plan = Plan {
        route: "One server: the whole query runs there".into(),
        parts: vec![Part { server: "db".into(), sql, work, time_us, written: None }],
        time_us,
        ..Plan::default()
    };
    Ok(Outcome { result, affected, plan, explained })
}

/// A statement made ready to run many times (`Database::prepare`).
pub struct Prepared {
    statement: Statement,
    explained: bool,
    /// the SQL the plan shows, printed once
    sql: Rc<str>,
    /// a SELECT bound against the one server's tables
    select: Option<PreparedSelect>,
}

/// Runs a statement on a node: a read always (EXPLAIN counts what it would examine), a write
/// only when not explained.
pub fn run_on(
    node: &mut Node,
    statement: &Statement,
    explained: bool,
) -> Result<(ResultSet, Option<u64>, Work), SqlError> {
    match statement {
        Statement::Select(q) => {
            let (result, work) = node.select(q)?;
            Ok((if explained { ResultSet { columns: result.columns, rows: Vec::new() } } else { result }, None, work))
        }
        write => {
            let mut scratch;
            let target = if explained {
                scratch = node.clone();
                &mut scratch
            } else {
                node
            };
            let work = match write {
                Statement::Insert(i) => target.insert(i)?,
                Statement::Update(u) => target.update(u)?,
                Statement::Delete(d) => target.delete(d)?,
                other => return Err(SqlError::new(format!("cannot run {other} here"))),
            };
            Ok((ResultSet::default(), Some(work.rows_returned), work))
        }
    }
}

impl Plan {
    pub fn rows_examined(&self) -> u64 {
        self.parts.iter().map(|p| p.work.rows_examined).sum()
    }

    /// The plan in words, as `scalelab sql --explain` and the console print it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Route: {}", self.route);
        if let Some(rewritten) = &self.rewritten {
            let _ = writeln!(out, "Rewritten for the split tables: {rewritten}");
        }
        for part in &self.parts {
            let _ = writeln!(out, "{}: {}", part.server, part.sql);
            for read in &part.work.reads {
                let partitions = if read.partitions_total > 1 || !read.partitions_scanned.is_empty() {
                    format!(
                        " (Partitions scanned: {} of {}{})",
                        read.partitions_scanned.len(),
                        read.partitions_total,
                        if read.partitions_scanned.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", read.partitions_scanned.join(", "))
                        }
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(out, "  {} on {}{partitions}", read.method, read.table);
            }
            if part.work.one_time_false {
                let _ = writeln!(out, "  One-Time Filter: false (no row can pass the WHERE, so no row is read)");
            }
            let _ = writeln!(
                out,
                "  rows examined {}, rows returned {} ({} bytes), {}",
                part.work.rows_examined,
                part.work.rows_returned,
                part.work.bytes_returned,
                time_text(part.time_us)
            );
        }
        if let Some(gather) = &self.gather {
            let _ = writeln!(out, "Router: {gather}; {} rows moved ({} bytes)", self.rows_moved, self.bytes_moved);
        }
        for note in &self.notes {
            let _ = writeln!(out, "Note: {note}");
        }
        if self.parts.is_empty() {
            return out;
        }
        let _ = writeln!(
            out,
            "Total: {} rows examined on {} server(s), {}",
            self.rows_examined(),
            self.parts.len(),
            time_text(self.time_us)
        );
        out
    }
}

pub fn time_text(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}
