//! The data tier: a shop-and-blog database that holds real rows and answers real SQL, laid out
//! on one server, split by columns (vertical partitioning), split by rows on one server
//! (PostgreSQL's declarative partitioning) or sharded across servers behind a router (as
//! Vitess's VTGate or a Citus coordinator routes). Every layout answers every query with the
//! same rows; what differs is where the query goes and what it costs, and that is counted from
//! what the executor actually did.

pub mod console;
pub mod exec;
pub mod failover;
pub mod generate;
pub mod keys;
pub mod layout;
pub mod merge;
pub mod multi_primary;
pub mod partition;
pub mod pg_hash;
pub mod pruning;
pub mod replication;
pub mod router;
pub mod schema;
pub mod shard;
pub mod space_time;
pub mod sql;
pub mod table;
pub mod traffic;
pub mod value;
pub mod vertical;

pub use layout::{Database, LayoutConfig, Outcome, Plan};

use serde::{Deserialize, Serialize};

/// A scenario's database: its size, its key popularity, its layout and what it costs to query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataConfig {
    /// rows in all five tables together
    pub rows: u64,
    /// Zipf exponent of foreign keys (0 is uniform; 1 makes a few users own most posts)
    #[serde(default = "default_zipf")]
    pub zipf: f64,
    pub layout: LayoutConfig,
    #[serde(default, skip_serializing_if = "is_default_cost")]
    pub cost: Cost,
    /// what the student typed in the console, oldest first (kept in the link)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<String>,
    /// the web tier's queries: each request runs one against this database (none: only the
    /// console queries it)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<traffic::WebQueries>,
    /// read replicas of the one server, fed by the primary's log (the web tier's reads go to them)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<replication::ReplicationConfig>,
    /// several primaries of the one server, one per region, each taking its users' writes
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_primary: Option<multi_primary::MultiPrimaryConfig>,
}

fn default_zipf() -> f64 {
    1.0
}

/// What a query costs on a database server, in simulated microseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// parse, plan, and the round trip to the server
    pub query_overhead_us: f64,
    /// reading and testing one row
    pub per_row_us: f64,
    /// sending one byte of result over the network (8 ns: one gigabit per second)
    pub per_byte_us: f64,
    /// the router's lookup in a directory (a point query on the lookup table)
    pub directory_lookup_us: f64,
}

impl Default for Cost {
    fn default() -> Self {
        Cost { query_overhead_us: 150.0, per_row_us: 0.5, per_byte_us: 0.008, directory_lookup_us: 200.0 }
    }
}

fn is_default_cost(c: &Cost) -> bool {
    *c == Cost::default()
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            rows: 10_000,
            zipf: 1.0,
            layout: LayoutConfig::Single,
            cost: Cost::default(),
            queries: Vec::new(),
            web: None,
            replication: None,
            multi_primary: None,
        }
    }
}

impl DataConfig {
    /// Every number in range, and a layout that can be built on the schema (its DDL parses and
    /// obeys PostgreSQL's rules, its shard keys and hot columns exist).
    pub fn check(&self, c: &mut crate::validate::Checker) {
        use crate::validate::limits::data::*;
        c.int("data.rows", u32::try_from(self.rows).unwrap_or(u32::MAX), MIN_ROWS, MAX_ROWS);
        c.float("data.zipf", self.zipf, 0.0, MAX_ZIPF, false);
        for (field, value) in [
            ("data.cost.query_overhead_us", self.cost.query_overhead_us),
            ("data.cost.per_row_us", self.cost.per_row_us),
            ("data.cost.per_byte_us", self.cost.per_byte_us),
            ("data.cost.directory_lookup_us", self.cost.directory_lookup_us),
        ] {
            c.float(field, value, 0.0, MAX_COST_US, false);
        }
        if self.queries.len() > MAX_QUERIES || self.queries.iter().any(|q| q.len() > MAX_QUERY_CHARS) {
            c.rule(
                "data.queries",
                format!("at most {MAX_QUERIES} queries of at most {MAX_QUERY_CHARS} characters each"),
            );
        }
        if let Some(web) = &self.web {
            web.check(c);
        }
        if let Some(replication) = &self.replication {
            replication.check(c);
            let sharded = matches!(self.layout, LayoutConfig::Sharded(_));
            if self.web.is_none() || !(self.layout == LayoutConfig::Single || sharded) {
                c.rule(
                    "data.replication",
                    "replicas copy one whole server, or each shard, that the web tier queries: use the one-server or \
                     the sharded layout with data.web set"
                        .into(),
                );
            }
            if sharded && replication.failover.as_ref().is_some_and(|f| !f.fencing) {
                c.rule(
                    "data.replication.failover.fencing",
                    "a split brain is shown on the one-server layout: keep fencing on for a sharded database".into(),
                );
            }
        }
        if let Some(multi) = &self.multi_primary {
            multi.check(c);
            if self.web.is_none() || self.layout != LayoutConfig::Single || self.replication.is_some() {
                c.rule(
                    "data.multi_primary",
                    "primaries each hold the whole of one server that the web tier queries: use the one-server layout \
                     with data.web set, and no replicas"
                        .into(),
                );
            }
        }
        if let LayoutConfig::Sharded(s) = &self.layout {
            c.int("data.layout.shards", s.shards, 1, MAX_SHARDS);
            c.int("data.layout.vnodes", s.vnodes, 1, MAX_VNODES);
        }
        if let LayoutConfig::Partitioned { ddl } = &self.layout {
            if ddl.len() > MAX_DDL_CHARS {
                c.rule("data.layout.ddl", format!("at most {MAX_DDL_CHARS} characters of DDL"));
                return;
            }
        }
        if let Err(problem) = self.layout.check_against(&schema::shop_schema()) {
            c.rule("data.layout", problem);
        }
    }
}

impl Cost {
    /// The simulated time of one server's part of a query.
    pub fn of(&self, work: &exec::Work) -> f64 {
        self.query_overhead_us
            + work.rows_examined as f64 * self.per_row_us
            + work.bytes_returned as f64 * self.per_byte_us
    }
}
