//! A partitioned table's bounds as PostgreSQL keeps them (`PartitionBoundInfo`): the sorted
//! bound values with the partition each leads to, and what one pruning step matches among them
//! (partprune.c's `get_matching_hash_bounds`, `get_matching_list_bounds` and
//! `get_matching_range_bounds`). A step's result is a set of bound offsets plus whether the
//! NULL and DEFAULT partitions must be read; steps combine offset by offset, and only the
//! final set is mapped to partitions, so that a value between two range partitions (an offset
//! with no partition) reaches the DEFAULT partition only if it survives every step.

use std::cmp::Ordering;

use crate::data::partition::{edge_cmp, PartitionedTable};
use crate::data::pg_hash::partition_hash;
use crate::data::sql::ast::{BoundSpec, CompareOp, PartitionStrategy, RangeEdge};
use crate::data::value::Value;

/// What one pruning step, or a combination of steps, keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct Matched {
    pub offsets: Vec<bool>,
    pub scan_default: bool,
    pub scan_null: bool,
}

pub struct Bounds<'t> {
    table: &'t PartitionedTable,
    /// range: every distinct FROM and TO, sorted; list: every listed value, sorted
    datums: Vec<RangeEdge>,
    /// per offset, the partition it leads to (range: the one whose TO is that datum, with one
    /// more offset for above the last; hash: per remainder of the greatest modulus)
    indexes: Vec<Option<usize>>,
    default: Option<usize>,
    null: Option<usize>,
}

impl<'t> Bounds<'t> {
    pub fn of(table: &'t PartitionedTable) -> Bounds<'t> {
        let parts = &table.partitions;
        let default = parts.iter().position(|p| p.bound == BoundSpec::Default);
        let mut null = None;
        let (datums, indexes) = match table.strategy {
            PartitionStrategy::Range => {
                // Kept sorted as they are added (a handful of bounds; no sort to ship).
                let mut datums: Vec<RangeEdge> = Vec::new();
                for p in parts {
                    if let BoundSpec::Range { from, to } = &p.bound {
                        for edge in [from, to] {
                            if let Err(at) = datums.binary_search_by(|d| edge_cmp(d, edge)) {
                                datums.insert(at, edge.clone());
                            }
                        }
                    }
                }
                let mut indexes = vec![None; datums.len() + 1];
                for (i, p) in parts.iter().enumerate() {
                    if let BoundSpec::Range { to, .. } = &p.bound {
                        if let Ok(at) = datums.binary_search_by(|d| edge_cmp(d, to)) {
                            indexes[at] = Some(i);
                        }
                    }
                }
                (datums, indexes)
            }
            PartitionStrategy::List => {
                let mut listed: Vec<(Value, usize)> = Vec::new();
                for (i, p) in parts.iter().enumerate() {
                    if let BoundSpec::List(values) = &p.bound {
                        for v in values {
                            if v.is_null() {
                                null = Some(i);
                            } else {
                                let at = listed.partition_point(|(w, _)| w.sort_cmp(v) == Ordering::Less);
                                listed.insert(at, (v.clone(), i));
                            }
                        }
                    }
                }
                let indexes = listed.iter().map(|(_, i)| Some(*i)).collect();
                (listed.into_iter().map(|(v, _)| RangeEdge::Value(v)).collect(), indexes)
            }
            PartitionStrategy::Hash => {
                let moduli = parts.iter().filter_map(|p| match p.bound {
                    BoundSpec::Hash { modulus, remainder } => Some((modulus, remainder)),
                    _ => None,
                });
                let greatest = moduli.clone().map(|(m, _)| m).max().unwrap_or(1).max(1) as usize;
                let mut indexes = vec![None; greatest];
                for (i, p) in parts.iter().enumerate() {
                    if let BoundSpec::Hash { modulus, remainder } = p.bound {
                        for (r, slot) in indexes.iter_mut().enumerate() {
                            if r as i64 % modulus == remainder {
                                *slot = Some(i);
                            }
                        }
                    }
                }
                (Vec::new(), indexes)
            }
        };
        Bounds { table, datums, indexes, default, null }
    }

    fn nothing(&self) -> Matched {
        Matched { offsets: vec![false; self.indexes.len()], scan_default: false, scan_null: false }
    }

    /// Every offset, the NULL and DEFAULT partitions too: a step that cannot prune.
    pub fn everything(&self) -> Matched {
        Matched {
            offsets: vec![true; self.indexes.len()],
            scan_default: self.default.is_some(),
            scan_null: self.null.is_some(),
        }
    }

    fn with_offsets(&self, from: usize, to: usize, scan_default: bool) -> Matched {
        let mut m = self.nothing();
        for slot in m.offsets.iter_mut().take(to + 1).skip(from) {
            *slot = true;
        }
        m.scan_default = scan_default;
        m
    }

    /// The greatest offset whose datum is ≤ `value` (or None), and whether it is equal
    /// (`partition_list_bsearch`, `partition_range_datum_bsearch`).
    fn bsearch(&self, value: &Value) -> (Option<usize>, bool) {
        let v = RangeEdge::Value(value.clone());
        let at = self.datums.partition_point(|d| edge_cmp(d, &v) != Ordering::Greater);
        match at.checked_sub(1) {
            Some(i) => (Some(i), edge_cmp(&self.datums[i], &v) == Ordering::Equal),
            None => (None, false),
        }
    }

    /// A step on `key op value` (`<>` only reaches list partitioning).
    pub fn step(&self, op: CompareOp, value: &Value) -> Matched {
        match self.table.strategy {
            PartitionStrategy::Hash => self.hash_step(Some(value)),
            PartitionStrategy::List => self.list_step(op, value),
            PartitionStrategy::Range => self.range_step(op, value),
        }
    }

    /// The step of `key IS NULL`.
    pub fn null_step(&self) -> Matched {
        match self.table.strategy {
            PartitionStrategy::Hash => self.hash_step(None),
            PartitionStrategy::List if self.null.is_some() => Matched { scan_null: true, ..self.nothing() },
            _ => Matched { scan_default: self.default.is_some(), ..self.nothing() },
        }
    }

    /// The step of `key IS NOT NULL`: every non-NULL bound.
    pub fn not_null_step(&self) -> Matched {
        match self.table.strategy {
            PartitionStrategy::Hash => self.with_offsets(0, self.indexes.len().saturating_sub(1), false),
            _ if self.datums.is_empty() => Matched { scan_default: self.default.is_some(), ..self.nothing() },
            PartitionStrategy::List => self.with_offsets(0, self.datums.len() - 1, self.default.is_some()),
            // PostgreSQL (15 and 17 alike) leaves out the key space below the first bound and
            // above the last (where DEFAULT would hold values), and asks for DEFAULT outright
            // instead, so an OR of ranges ANDed with IS NOT NULL does not reach DEFAULT there.
            PartitionStrategy::Range => {
                let n = self.datums.len();
                let from = usize::from(self.indexes[0].is_none());
                let to = if self.indexes[n].is_none() { n - 1 } else { n };
                self.with_offsets(from, to, self.default.is_some())
            }
        }
    }

    fn hash_step(&self, value: Option<&Value>) -> Matched {
        let ty = self.table.def.columns[self.table.key_column].ty;
        let hash = value.map_or(0, |v| partition_hash(v, ty));
        let offset = (hash % self.indexes.len() as u64) as usize;
        let mut m = self.nothing();
        if self.indexes[offset].is_some() {
            m.offsets[offset] = true;
        }
        m
    }

    fn list_step(&self, op: CompareOp, value: &Value) -> Matched {
        let has_default = self.default.is_some();
        if self.datums.is_empty() {
            return Matched { scan_default: has_default, ..self.nothing() };
        }
        let last = self.datums.len() - 1;
        let (off, equal) = self.bsearch(value);
        match op {
            CompareOp::NotEq => {
                let mut m = self.with_offsets(0, last, has_default);
                if let (Some(i), true) = (off, equal) {
                    m.offsets[i] = false;
                }
                m
            }
            CompareOp::Eq => match (off, equal) {
                (Some(i), true) => self.with_offsets(i, i, false),
                _ => Matched { scan_default: has_default, ..self.nothing() },
            },
            CompareOp::Gt | CompareOp::GtEq => {
                let inclusive = op == CompareOp::GtEq;
                let from = match off {
                    Some(i) if !equal || !inclusive => i + 1,
                    Some(i) => i,
                    None => 0,
                };
                if from > last {
                    return Matched { scan_default: has_default, ..self.nothing() };
                }
                self.with_offsets(from, last, has_default)
            }
            CompareOp::Lt | CompareOp::LtEq => {
                let inclusive = op == CompareOp::LtEq;
                let to = match off {
                    Some(i) if equal && !inclusive => i.checked_sub(1),
                    other => other,
                };
                match to {
                    Some(to) => self.with_offsets(0, to, has_default),
                    None => Matched { scan_default: has_default, ..self.nothing() },
                }
            }
        }
    }

    fn range_step(&self, op: CompareOp, value: &Value) -> Matched {
        let n = self.datums.len();
        if n == 0 {
            return Matched { scan_default: self.default.is_some(), ..self.nothing() };
        }
        let (off, equal) = self.bsearch(value);
        let next = off.map_or(0, |i| i + 1);
        let (mut from, mut to) = match op {
            CompareOp::Eq => return self.with_offsets(next, next, false),
            CompareOp::Gt | CompareOp::GtEq => (next, n),
            CompareOp::Lt | CompareOp::LtEq => {
                let inclusive = op == CompareOp::LtEq;
                (0, if equal && !inclusive { off.unwrap_or(0) } else { next })
            }
            CompareOp::NotEq => return self.everything(),
        };
        // Offsets below MINVALUE or above MAXVALUE lead nowhere, not to DEFAULT.
        if from < n && self.indexes[from].is_none() && self.datums[from] == RangeEdge::MinValue {
            from += 1;
        }
        if to >= 1 && self.indexes[to].is_none() && self.datums[to - 1] == RangeEdge::MaxValue {
            to -= 1;
        }
        if from > to {
            return self.nothing();
        }
        self.with_offsets(from, to, false)
    }

    /// The partitions a combined result reads, in declaration order (`get_matching_partitions`):
    /// an offset with no partition sends the scan to DEFAULT.
    pub fn partitions(&self, m: &Matched) -> Vec<usize> {
        let mut keep = vec![false; self.table.partitions.len()];
        let mut scan_default = m.scan_default;
        for (offset, _) in m.offsets.iter().enumerate().filter(|(_, on)| **on) {
            match self.indexes[offset] {
                Some(p) => keep[p] = true,
                None => scan_default |= self.default.is_some(),
            }
        }
        for (wanted, p) in [(m.scan_null, self.null), (scan_default, self.default)] {
            if let (true, Some(p)) = (wanted, p) {
                keep[p] = true;
            }
        }
        (0..keep.len()).filter(|&i| keep[i]).collect()
    }
}

/// Either holds: offsets and flags, each or'd.
pub fn union(results: Vec<Matched>) -> Option<Matched> {
    results.into_iter().reduce(|mut a, b| {
        a.offsets.iter_mut().zip(&b.offsets).for_each(|(x, y)| *x |= *y);
        a.scan_default |= b.scan_default;
        a.scan_null |= b.scan_null;
        a
    })
}

/// Both hold: offsets and flags, each and'd.
pub fn intersection(results: Vec<Matched>) -> Option<Matched> {
    results.into_iter().reduce(|mut a, b| {
        a.offsets.iter_mut().zip(&b.offsets).for_each(|(x, y)| *x &= *y);
        a.scan_default &= b.scan_default;
        a.scan_null &= b.scan_null;
        a
    })
}
