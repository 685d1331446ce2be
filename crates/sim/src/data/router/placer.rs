//! Where a key goes under each strategy and shard count; the directory is the cluster's own.

use crate::data::shard::{
    jump_hash, jump_key, keyrange_name, keyrange_names, keyspace_id, parse_keyrange, ring, ring_owner, Strategy,
};
use crate::data::value::Value;
use std::collections::BTreeMap;

/// Where a key goes, by strategy and shard count (the directory is the cluster's own).
#[derive(Clone, Debug)]
pub struct Placer {
    pub strategy: Strategy,
    pub shards: u32,
    vnodes: u32,
    ring: Vec<(u64, u32)>,
    /// the keyranges, in keyspace order (only for `Strategy::KeyRange`)
    ranges: Vec<(u64, Option<u64>)>,
}

impl Placer {
    pub fn new(strategy: Strategy, shards: u32, vnodes: u32) -> Placer {
        let ranges = keyrange_names(shards).iter().filter_map(|n| parse_keyrange(n)).collect();
        Placer::with_ranges(strategy, shards, vnodes, ranges)
    }

    fn with_ranges(strategy: Strategy, shards: u32, vnodes: u32, ranges: Vec<(u64, Option<u64>)>) -> Placer {
        let ring = if strategy == Strategy::Consistent { ring(shards, vnodes) } else { Vec::new() };
        Placer { strategy, shards, vnodes, ring, ranges }
    }

    pub fn shard_names(&self) -> Vec<String> {
        match self.strategy {
            Strategy::KeyRange => self.ranges.iter().map(|(s, e)| keyrange_name(*s, *e)).collect(),
            _ => (0..self.shards).map(|i| format!("shard-{i}")).collect(),
        }
    }

    /// The same strategy over `to` shards. Keyranges change one range at a time, as Vitess
    /// reshards: growing splits the widest range in two, shrinking merges the last two.
    pub fn resized(&self, to: u32) -> Placer {
        let mut ranges = self.ranges.clone();
        while self.strategy == Strategy::KeyRange && ranges.len() as u32 != to {
            if (ranges.len() as u32) < to {
                let width = |r: &(u64, Option<u64>)| r.1.map_or(u64::MAX - r.0, |e| e - r.0 - 1);
                let i = (0..ranges.len()).max_by_key(|&i| (width(&ranges[i]), std::cmp::Reverse(i))).unwrap_or(0);
                let (start, end) = ranges[i];
                let middle = start + width(&ranges[i]) / 2 + 1;
                ranges.splice(i..=i, [(start, Some(middle)), (middle, end)]);
            } else {
                let last = ranges.pop().unwrap_or((0, None));
                if let Some(previous) = ranges.last_mut() {
                    previous.1 = last.1;
                }
            }
        }
        Placer::with_ranges(self.strategy, to, self.vnodes, ranges)
    }

    /// The shard of a key by hashing (None for the directory, which must look it up).
    pub fn shard_of(&self, key: &Value) -> Option<u32> {
        match self.strategy {
            Strategy::HashMod => Some((keyspace_id(key) % self.shards as u64) as u32),
            Strategy::KeyRange => {
                let id = keyspace_id(key);
                self.ranges.iter().position(|(start, end)| id >= *start && end.is_none_or(|e| id < e)).map(|i| i as u32)
            }
            Strategy::Consistent => Some(ring_owner(&self.ring, keyspace_id(key))),
            Strategy::Jump => Some(jump_hash(jump_key(key), self.shards)),
            Strategy::Directory => None,
        }
    }
}

/// What a reshard did: keys are distinct shard-key values, rows every sharded row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReshardReport {
    pub from: u32,
    pub to: u32,
    pub keys: u64,
    pub keys_moved: u64,
    pub rows: u64,
    pub rows_moved: u64,
    /// rows each shard copied, out and in together, by shard name (the copy's work)
    pub copied: BTreeMap<String, u64>,
}

impl ReshardReport {
    /// What moved, in words: keys, then rows, each with its share.
    pub fn moved(&self) -> [String; 2] {
        let percent = |part: u64, whole: u64| 100.0 * part as f64 / whole.max(1) as f64;
        [
            format!("keys moved: {} of {} ({:.1}%)", self.keys_moved, self.keys, percent(self.keys_moved, self.keys)),
            format!("rows moved: {} of {} ({:.1}%)", self.rows_moved, self.rows, percent(self.rows_moved, self.rows)),
        ]
    }
}
