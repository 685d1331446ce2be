//! The data tier's integration tests: SQL's meaning, PostgreSQL's partitioning rules, the
//! router's routing and merging, and the layout invariant (every layout answers every query
//! with the same rows as one unpartitioned server).

mod layouts;
mod multi_primary;
mod partitioning;
mod replicated_shards;
mod replication;
mod sharding;
mod sql;
mod timing;
mod web_tier;

use sim::data::{DataConfig, Database, LayoutConfig};

pub fn database(rows: u64, layout: LayoutConfig) -> Database {
    let config = DataConfig { rows, layout, ..DataConfig::default() };
    Database::build(&config, 7).expect("a valid layout")
}

/// A query's rows as text, for comparing results.
pub fn rows_of(db: &mut Database, sql: &str) -> Vec<Vec<String>> {
    let outcome = db.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    outcome.result.rows.iter().map(|r| r.iter().map(|v| v.to_string()).collect()).collect()
}
