//! One stored table (a whole table, a partition, or one shard's part): its rows and its ordered
//! indexes (the primary key's, unique, and any partition or shard key's).

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

use super::schema::TableDef;
use super::value::{row_width, GroupKey, Value};

pub type Row = Vec<Value>;

#[derive(Clone, Debug)]
pub struct Table {
    pub def: Rc<TableDef>,
    /// Every row's values one after another, a row's width apart: reading a row follows no
    /// pointer of its own (a point lookup's cache misses are most of its time).
    values: Vec<Value>,
    /// Whether each row number holds a row. A deleted row's values become NULL and its row
    /// number stays, so row numbers in indexes stay valid.
    present: Vec<bool>,
    /// Each row's width in bytes (`row_width`), kept so that counting the bytes a scan
    /// examines reads four bytes rather than the whole row.
    widths: Vec<u32>,
    live: usize,
    indexes: Vec<Index>,
}

#[derive(Clone, Debug)]
struct Index {
    column: usize,
    keys: IndexKeys,
}

/// An index's keys. Nearly every indexed column holds integers (ids, user ids): kept as `i64`,
/// their part of a node is a quarter the size and a comparison one instruction. A primary key's
/// (or any column whose keys are all different) keeps one row number beside each key, so that
/// its nodes are half the size again and a point lookup's path through them stays in cache.
/// The first key seen twice turns the index `Integers`, and the first key that is not an
/// integer (a NULL, a text, a fraction) turns it general; each change keeps every key.
#[derive(Clone, Debug)]
enum IndexKeys {
    Unique(BTreeMap<i64, u32>),
    Integers(BTreeMap<i64, RowIds>),
    General(BTreeMap<GroupKey, RowIds>),
}

/// The rows that hold one key. A primary key's is always one row, kept in the index's node
/// rather than behind a pointer: a point lookup then reads one cache line fewer.
#[derive(Clone, Debug)]
enum RowIds {
    One(u32),
    Many(Vec<u32>),
}

impl RowIds {
    fn as_slice(&self) -> &[u32] {
        match self {
            RowIds::One(id) => std::slice::from_ref(id),
            RowIds::Many(ids) => ids,
        }
    }

    fn push(&mut self, id: u32) {
        match self {
            RowIds::One(first) => *self = RowIds::Many(vec![*first, id]),
            RowIds::Many(ids) => ids.push(id),
        }
    }

    /// Removes a row; true when none is left.
    fn remove(&mut self, id: u32) -> bool {
        match self {
            RowIds::One(only) => *only == id,
            RowIds::Many(ids) => {
                ids.retain(|x| *x != id);
                ids.is_empty()
            }
        }
    }
}

impl IndexKeys {
    fn add(&mut self, key: GroupKey, id: u32) {
        if let IndexKeys::Unique(map) = self {
            if let Some(Entry::Vacant(slot)) = key.integer().map(|k| map.entry(k)) {
                slot.insert(id);
                return;
            }
            // (inserted one by one: `collect` would sort them, with a sort of its own in the wasm)
            let mut integers = BTreeMap::new();
            for (k, id) in std::mem::take(map) {
                integers.insert(k, RowIds::One(id));
            }
            *self = IndexKeys::Integers(integers);
        }
        if let IndexKeys::Integers(map) = self {
            match key.integer() {
                Some(k) => return add_id(map, k, id),
                None => {
                    let mut general = BTreeMap::new();
                    for (k, ids) in std::mem::take(map) {
                        general.insert(GroupKey::Int(k.into(), 0), ids);
                    }
                    *self = IndexKeys::General(general);
                }
            }
        }
        if let IndexKeys::General(map) = self {
            add_id(map, key, id);
        }
    }

    fn remove(&mut self, key: &GroupKey, id: u32) {
        match self {
            IndexKeys::Unique(map) => {
                if let Some(k) = key.integer().filter(|k| map.get(k) == Some(&id)) {
                    map.remove(&k);
                }
            }
            IndexKeys::Integers(map) => {
                if let Some(k) = key.integer() {
                    remove_id(map, &k, id);
                }
            }
            IndexKeys::General(map) => remove_id(map, key, id),
        }
    }

    fn get(&self, key: &GroupKey) -> Option<&[u32]> {
        match self {
            IndexKeys::Unique(map) => key.integer().and_then(|k| map.get(&k)).map(std::slice::from_ref),
            IndexKeys::Integers(map) => key.integer().and_then(|k| map.get(&k)).map(RowIds::as_slice),
            IndexKeys::General(map) => map.get(key).map(RowIds::as_slice),
        }
    }

    /// The rows whose keys lie between two bounds, in key order, NULL keys left out.
    fn range(&self, low: Bound<GroupKey>, high: Bound<GroupKey>, ids: &mut Vec<u32>) {
        let integers =
            || Some((integer_bound(low.clone(), Rounding::Up)?, integer_bound(high.clone(), Rounding::Down)?));
        match self {
            IndexKeys::Unique(map) => {
                if let Some(bounds) = integers() {
                    range_ids(map, bounds, std::slice::from_ref, ids);
                }
            }
            IndexKeys::Integers(map) => {
                if let Some(bounds) = integers() {
                    range_ids(map, bounds, RowIds::as_slice, ids);
                }
            }
            IndexKeys::General(map) => {
                let low = match low {
                    Bound::Unbounded | Bound::Included(GroupKey::Null) => Bound::Excluded(GroupKey::Null),
                    other => other,
                };
                range_ids(map, (low, high), RowIds::as_slice, ids);
            }
        }
    }
}

fn add_id<K: Ord>(map: &mut BTreeMap<K, RowIds>, key: K, id: u32) {
    match map.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(RowIds::One(id));
        }
        Entry::Occupied(mut ids) => ids.get_mut().push(id),
    }
}

fn remove_id<K: Ord>(map: &mut BTreeMap<K, RowIds>, key: &K, id: u32) {
    if map.get_mut(key).is_some_and(|ids| ids.remove(id)) {
        map.remove(key);
    }
}

/// The rows of the keys between two bounds, in key order; `rows` reads a key's rows.
fn range_ids<K: Ord, V>(
    map: &BTreeMap<K, V>,
    (low, high): (Bound<K>, Bound<K>),
    rows: impl Fn(&V) -> &[u32],
    ids: &mut Vec<u32>,
) {
    // `BTreeMap::range` panics on a reversed or empty-excluded range; such a range holds nothing.
    if bounds_are_empty(&low, &high) {
        return;
    }
    for found in map.range((low, high)).map(|(_, found)| found) {
        ids.extend_from_slice(rows(found));
    }
}

#[derive(Clone, Copy)]
enum Rounding {
    /// a lower bound: the smallest integer at or above it
    Up,
    /// an upper bound: the largest integer at or below it
    Down,
}

/// A bound on group keys as a bound on integer keys, holding the same integers; `None` when
/// it holds none (a lower bound above every integer key, or an upper one below them all).
/// Keys order NULL < numbers < text, as `GroupKey` does.
fn integer_bound(bound: Bound<GroupKey>, rounding: Rounding) -> Option<Bound<i64>> {
    let (key, included) = match bound {
        Bound::Unbounded => return Some(Bound::Unbounded),
        Bound::Included(key) => (key, true),
        Bound::Excluded(key) => (key, false),
    };
    let (units, scale) = match (key, rounding) {
        (GroupKey::Int(units, scale), _) => (units, scale),
        (GroupKey::Null, Rounding::Up) | (GroupKey::Text(_), Rounding::Down) => return Some(Bound::Unbounded),
        (GroupKey::Null, Rounding::Down) | (GroupKey::Text(_), Rounding::Up) => return None,
    };
    // A fraction lies between two integers: the bound becomes the next one inward, included.
    let (whole, exact) = match 10i128.checked_pow(scale) {
        Some(power) => (units.div_euclid(power), units.rem_euclid(power) == 0),
        None => (if units < 0 { -1 } else { 0 }, units == 0),
    };
    let (whole, included) = match (exact, rounding) {
        (true, _) => (whole, included),
        (false, Rounding::Up) => (whole + 1, true),
        (false, Rounding::Down) => (whole, true),
    };
    match (i64::try_from(whole), rounding) {
        (Ok(k), _) if included => Some(Bound::Included(k)),
        (Ok(k), _) => Some(Bound::Excluded(k)),
        // Beyond every i64: a lower bound past the top or an upper one past the bottom holds nothing.
        (Err(_), Rounding::Up) if whole > 0 => None,
        (Err(_), Rounding::Down) if whole < 0 => None,
        (Err(_), _) => Some(Bound::Unbounded),
    }
}

/// Which rows an index can narrow a read to.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyRange {
    Equal(Vec<Value>),
    Between(Bound<Value>, Bound<Value>),
}

impl Table {
    /// An empty table with an index on the primary key and on each of `indexed` (by column).
    pub fn new(def: Rc<TableDef>, indexed: &[usize]) -> Table {
        let mut columns = vec![def.primary_key];
        columns.extend(indexed.iter().copied().filter(|c| *c != def.primary_key));
        columns.dedup();
        let indexes =
            columns.into_iter().map(|column| Index { column, keys: IndexKeys::Unique(BTreeMap::new()) }).collect();
        Table { def, values: Vec::new(), present: Vec::new(), widths: Vec::new(), live: 0, indexes }
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn width(&self) -> usize {
        self.def.columns.len()
    }

    pub fn rows(&self) -> AllRows<'_> {
        AllRows(self.values.chunks_exact(self.width()).zip(&self.present).enumerate())
    }

    pub fn row(&self, id: u32) -> Option<&[Value]> {
        let id = id as usize;
        let width = self.width();
        self.present.get(id).copied().unwrap_or(false).then(|| &self.values[id * width..(id + 1) * width])
    }

    /// A stored row's width in bytes, as `row_width` counts it.
    pub fn row_width(&self, id: u32) -> u64 {
        self.widths.get(id as usize).map_or(0, |w| u64::from(*w))
    }

    pub fn has_index(&self, column: usize) -> bool {
        self.indexes.iter().any(|i| i.column == column)
    }

    /// A stored row already has `row`'s primary key (`TableDef::key`): looked up by the key's
    /// first column that has an index (a key always holds the primary-key column or the
    /// partition key, and both have one).
    pub fn holds_key_of(&self, row: &[Value]) -> bool {
        let Some(key) = &self.def.key else { return false };
        let Some(index) = key.iter().find_map(|&c| self.indexes.iter().find(|i| i.column == c)) else { return false };
        let Some(found) = index.keys.get(&row[index.column].group_key()) else { return false };
        key.len() == 1
            || found.iter().any(|&id| {
                let stored = self.row(id).expect("an indexed row");
                key.iter().all(|&c| stored[c].group_key() == row[c].group_key())
            })
    }

    /// Adds a row (as wide as the table's columns); the caller has checked the primary key is new.
    pub fn insert(&mut self, row: Row) -> u32 {
        let id = self.present.len() as u32;
        self.extend(vec![row]);
        id
    }

    /// Adds rows (each as wide as the table's columns); the caller has checked their primary
    /// keys are new. The rows go in first, then each index takes their keys in one run, so
    /// that an index's nodes lie together in memory rather than among the rows (a point
    /// lookup's cache misses are most of its time).
    pub fn extend(&mut self, rows: Vec<Row>) {
        let first = self.present.len();
        let width = self.width();
        for row in rows {
            debug_assert_eq!(row.len(), width, "a row of {} as wide as its table", self.def.name);
            self.widths.push(u32::try_from(row_width(&row)).unwrap_or(u32::MAX));
            self.values.extend(row);
            self.present.push(true);
        }
        self.live += self.present.len() - first;
        let values = &self.values;
        for index in &mut self.indexes {
            for id in first..self.present.len() {
                index.keys.add(values[id * width + index.column].group_key(), id as u32);
            }
        }
    }

    pub fn delete(&mut self, id: u32) -> Option<Row> {
        let present = self.present.get_mut(id as usize).filter(|p| **p)?;
        *present = false;
        let width = self.width();
        let start = id as usize * width;
        let row: Row =
            self.values[start..start + width].iter_mut().map(|v| std::mem::replace(v, Value::Null)).collect();
        for index in &mut self.indexes {
            index.keys.remove(&row[index.column].group_key(), id);
        }
        self.live -= 1;
        Some(row)
    }

    /// The rows an index gives for a key range on `column`, in key order; `None` when the
    /// column has no index.
    pub fn lookup(&self, column: usize, range: &KeyRange) -> Option<Cow<'_, [u32]>> {
        let index = self.indexes.iter().find(|i| i.column == column)?;
        let mut ids = Vec::new();
        match range {
            // One key (a point lookup): the index's own list, nothing to sort or deduplicate.
            KeyRange::Equal(values) if values.len() == 1 => {
                let found = values.iter().find(|v| !v.is_null()).and_then(|v| index.keys.get(&v.group_key()));
                return Some(Cow::Borrowed(found.unwrap_or_default()));
            }
            KeyRange::Equal(values) => {
                let mut keys: Vec<GroupKey> = values.iter().filter(|v| !v.is_null()).map(Value::group_key).collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    if let Some(found) = index.keys.get(&key) {
                        ids.extend_from_slice(found);
                    }
                }
            }
            KeyRange::Between(low, high) => index.keys.range(map_bound(low), map_bound(high), &mut ids),
        }
        Some(Cow::Owned(ids))
    }
}

/// Every live row of a table with its row number, in row-number order.
#[allow(clippy::type_complexity)]
pub struct AllRows<'t>(
    std::iter::Enumerate<std::iter::Zip<std::slice::ChunksExact<'t, Value>, std::slice::Iter<'t, bool>>>,
);

impl<'t> Iterator for AllRows<'t> {
    type Item = (u32, &'t [Value]);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.find_map(|(i, (row, present))| present.then_some((i as u32, row)))
    }
}

fn map_bound(bound: &Bound<Value>) -> Bound<GroupKey> {
    match bound {
        Bound::Included(v) => Bound::Included(v.group_key()),
        Bound::Excluded(v) => Bound::Excluded(v.group_key()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn bounds_are_empty<K: Ord>(low: &Bound<K>, high: &Bound<K>) -> bool {
    match (low, high) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a), Bound::Excluded(b)) | (Bound::Excluded(a), Bound::Included(b)) => a >= b,
        (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::schema::{ColumnDef, ColumnType};
    use crate::data::value::Decimal;

    /// (id, owner): the owner indexed, as a shard or partition key is.
    fn table() -> Table {
        let def = TableDef {
            name: "things".into(),
            columns: vec![
                ColumnDef { name: "id", ty: ColumnType::BigInt },
                ColumnDef { name: "owner", ty: ColumnType::BigInt },
            ],
            primary_key: 0,
            key: Some(vec![0]),
            not_null: Vec::new(),
        };
        let mut table = Table::new(Rc::new(def), &[1]);
        for id in 1..=10 {
            table.insert(vec![Value::Int(id), Value::Int(id % 3)]);
        }
        table
    }

    fn ids(table: &Table, column: usize, range: &KeyRange) -> Vec<u32> {
        table.lookup(column, range).expect("an index").into_owned()
    }

    fn decimal(text: &str) -> Value {
        Value::Decimal(Box::new(Decimal::parse(text).expect("a number")))
    }

    #[test]
    fn integer_ranges_with_fractional_or_outlying_bounds_hold_the_integers_between() {
        let t = table();
        let between = |low, high| ids(&t, 0, &KeyRange::Between(low, high));
        assert_eq!(between(Bound::Included(decimal("2.5")), Bound::Excluded(Value::Int(6))), [2, 3, 4]);
        assert_eq!(between(Bound::Excluded(decimal("-0.5")), Bound::Included(decimal("2.99"))), [0, 1]);
        assert_eq!(between(Bound::Included(decimal("3.5")), Bound::Included(decimal("3.7"))), Vec::<u32>::new());
        assert_eq!(between(Bound::Excluded(Value::Int(i64::MAX)), Bound::Unbounded), Vec::<u32>::new());
        assert_eq!(between(Bound::Included(decimal("99999999999999999999")), Bound::Unbounded), Vec::<u32>::new());
        assert_eq!(between(Bound::Unbounded, Bound::Included(decimal("-99999999999999999999"))), Vec::<u32>::new());
        assert_eq!(between(Bound::Included(decimal("-99999999999999999999")), Bound::Excluded(Value::Int(2))), [0]);
        assert_eq!(ids(&t, 0, &KeyRange::Equal(vec![decimal("4.0")])), [3]);
        assert_eq!(ids(&t, 0, &KeyRange::Equal(vec![decimal("4.5"), Value::Int(5), Value::Null])), [4]);
    }

    #[test]
    fn a_key_that_is_not_an_integer_turns_the_index_general_and_loses_nothing() {
        let mut t = table();
        let owned_by = |t: &Table, owner: i64| ids(t, 1, &KeyRange::Equal(vec![Value::Int(owner)]));
        // The ids are all different; the owners repeat from the fourth row on.
        assert!(matches!(t.indexes[0].keys, IndexKeys::Unique(_)));
        assert!(matches!(t.indexes[1].keys, IndexKeys::Integers(_)));
        assert_eq!(owned_by(&t, 1), [0, 3, 6, 9]);
        let null_owner = t.insert(vec![Value::Int(11), Value::Null]);
        assert!(matches!(t.indexes[1].keys, IndexKeys::General(_)));
        assert!(matches!(t.indexes[0].keys, IndexKeys::Unique(_)));
        assert_eq!(owned_by(&t, 1), [0, 3, 6, 9]);
        // NULL keys are never in a range, as in the integer index.
        assert_eq!(ids(&t, 1, &KeyRange::Between(Bound::Unbounded, Bound::Excluded(Value::Int(1)))), [2, 5, 8]);
        assert_eq!(t.delete(null_owner).map(|row| row[1].is_null()), Some(true));
        assert_eq!(t.delete(null_owner), None);
        assert_eq!(t.len(), 10);
    }

    #[test]
    fn deleted_rows_keep_their_numbers_and_a_new_row_takes_the_next() {
        let mut t = table();
        assert_eq!(t.delete(4).map(|row| row[0].clone()), Some(Value::Int(5)));
        assert_eq!(t.row(4), None);
        assert_eq!(t.row(5), Some(&[Value::Int(6), Value::Int(0)][..]));
        assert_eq!(t.rows().map(|(id, _)| id).collect::<Vec<_>>(), [0, 1, 2, 3, 5, 6, 7, 8, 9]);
        assert_eq!(t.insert(vec![Value::Int(5), Value::Int(2)]), 10);
        assert_eq!(
            ids(&t, 0, &KeyRange::Between(Bound::Included(Value::Int(4)), Bound::Included(Value::Int(6)))),
            [3, 10, 5]
        );
        assert_eq!(ids(&t, 1, &KeyRange::Equal(vec![Value::Int(2)])), [1, 7, 10]);
        assert!(t.holds_key_of(&[Value::Int(5), Value::Null]) && !t.holds_key_of(&[Value::Int(11), Value::Null]));
    }

    #[test]
    fn each_rows_width_is_kept_as_its_values_count_it() {
        let mut t = table();
        let wide = vec![Value::Int(11), crate::data::value::text("a note")];
        let id = t.insert(wide.clone());
        // 8 bytes of bigint, then a 1-byte header and 6 bytes of text.
        assert_eq!((t.row_width(id), row_width(&wide)), (15, 15));
        assert_eq!(t.row_width(0), 16);
        assert_eq!(t.rows().map(|(id, row)| t.row_width(id) - row_width(row)).max(), Some(0));
    }
}
