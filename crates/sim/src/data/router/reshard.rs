//! Adding or removing shards while the data stays: every row goes where the new layout puts
//! it, and what moved is counted (keys are shard-key values; a key moved when its rows did).

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::{Cluster, Placement, ReshardReport, Shard};
use crate::data::exec::Node;
use crate::data::schema::TableDef;
use crate::data::sql::SqlError;
use crate::data::table::Row;
use crate::data::value::GroupKey;

impl Cluster {
    /// Adds or removes shards and moves every row whose shard changes.
    pub fn reshard(&mut self, to: u32) -> Result<ReshardReport, SqlError> {
        let from = self.shards.len() as u32;
        if to == 0 {
            return Err(SqlError::new("a sharded layout needs at least one shard"));
        }
        let tables: Vec<(Rc<TableDef>, Vec<Row>)> =
            self.schema.iter().map(|d| (d.clone(), self.table_rows(&d.name))).collect();
        let before = self.row_homes();
        self.directory = rebalanced_directory(std::mem::take(&mut self.directory), from, to);
        self.placer = self.placer.resized(to);
        self.config.shards = to;
        self.shards = self.placer.shard_names().into_iter().map(|name| Shard { name, node: Node::default() }).collect();
        self.load(tables)?;
        let after = self.row_homes();
        let rows = before.len() as u64;
        // A row stays when it is on the shard of the same name (a split keeps `80-` as it was).
        let mut copied: BTreeMap<String, u64> = BTreeMap::new();
        for (row, (from, _)) in &before {
            let Some((to, _)) = after.get(row).filter(|(to, _)| to != from) else { continue };
            *copied.entry(from.clone()).or_default() += 1;
            *copied.entry(to.clone()).or_default() += 1;
        }
        let rows_moved = copied.values().sum::<u64>() / 2;
        // A key is a shard-key value; it moved if its rows did.
        let mut keys: HashMap<GroupKey, bool> = HashMap::new();
        for (row, (shard, key)) in &before {
            let moved = after.get(row).map(|a| &a.0) != Some(shard);
            *keys.entry(key.clone()).or_insert(false) |= moved;
        }
        let keys_moved = keys.values().filter(|m| **m).count() as u64;
        Ok(ReshardReport { from, to, keys: keys.len() as u64, keys_moved, rows, rows_moved, copied })
    }

    /// Each sharded row's shard (by name) and shard-key value, by (table, primary key).
    fn row_homes(&self) -> HashMap<(String, GroupKey), (String, GroupKey)> {
        let mut homes = HashMap::new();
        for shard in &self.shards {
            for (table, place) in &self.placement {
                let (Placement::Sharded(column), Some(t)) = (place, shard.node.tables.get(table)) else { continue };
                for (_, row) in t.rows() {
                    homes.insert(
                        (table.clone(), row[t.def.primary_key].group_key()),
                        (shard.name.clone(), row[*column].group_key()),
                    );
                }
            }
        }
        homes
    }
}

/// A directory after resharding from `from` to `to` shards: each new shard takes an even share,
/// drawn from the old shards' last keys, and a removed shard's keys go to the emptiest.
fn rebalanced_directory(mut directory: HashMap<GroupKey, u32>, from: u32, to: u32) -> HashMap<GroupKey, u32> {
    let total = directory.len();
    let mut by_shard: Vec<Vec<GroupKey>> = vec![Vec::new(); from.max(to) as usize];
    for (key, shard) in &directory {
        by_shard[*shard as usize].push(key.clone());
    }
    by_shard.iter_mut().for_each(|keys| keys.sort());
    let share = total / to as usize;
    let mut spare: Vec<GroupKey> = Vec::new();
    for (s, keys) in by_shard.iter_mut().enumerate() {
        let keep = if (s as u32) < to { share.min(keys.len()) } else { 0 };
        spare.extend(keys.drain(keep..));
    }
    // Give spare keys to the shards with the fewest, back to where they were when that is fine.
    let mut counts: Vec<usize> = (0..to as usize).map(|s| by_shard.get(s).map_or(0, |k| k.len())).collect();
    for key in spare {
        let old = directory[&key] as usize;
        let target = if old < to as usize && counts[old] <= *counts.iter().min().unwrap_or(&0) {
            old
        } else {
            (0..counts.len()).min_by_key(|&i| (counts[i], i)).unwrap_or(0)
        };
        counts[target] += 1;
        directory.insert(key, target as u32);
    }
    directory
}
