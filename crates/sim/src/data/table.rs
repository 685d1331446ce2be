//! One stored table (a whole table, a partition, or one shard's part): its rows and its ordered
//! indexes (the primary key's, unique, and any partition or shard key's).

use std::borrow::Cow;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

use super::schema::TableDef;
use super::value::{GroupKey, Value};

pub type Row = Vec<Value>;

#[derive(Clone, Debug)]
pub struct Table {
    pub def: Rc<TableDef>,
    /// Deleted rows leave `None`, so row numbers in indexes stay valid.
    rows: Vec<Option<Row>>,
    live: usize,
    indexes: Vec<Index>,
}

#[derive(Clone, Debug)]
struct Index {
    column: usize,
    entries: BTreeMap<GroupKey, RowIds>,
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
        let indexes = columns.into_iter().map(|column| Index { column, entries: BTreeMap::new() }).collect();
        Table { def, rows: Vec::new(), live: 0, indexes }
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

    pub fn rows(&self) -> AllRows<'_> {
        AllRows(self.rows.iter().enumerate())
    }

    pub fn row(&self, id: u32) -> Option<&[Value]> {
        self.rows.get(id as usize).and_then(Option::as_deref)
    }

    pub fn has_index(&self, column: usize) -> bool {
        self.indexes.iter().any(|i| i.column == column)
    }

    /// The primary key's value is already present.
    pub fn contains_key(&self, key: &Value) -> bool {
        let pk = self.def.primary_key;
        self.indexes.iter().find(|i| i.column == pk).is_some_and(|i| i.entries.contains_key(&key.group_key()))
    }

    /// Adds a row; the caller has checked the primary key is new.
    pub fn insert(&mut self, row: Row) -> u32 {
        let id = self.rows.len() as u32;
        for index in &mut self.indexes {
            match index.entries.entry(row[index.column].group_key()) {
                Entry::Vacant(slot) => {
                    slot.insert(RowIds::One(id));
                }
                Entry::Occupied(mut ids) => ids.get_mut().push(id),
            }
        }
        self.rows.push(Some(row));
        self.live += 1;
        id
    }

    pub fn delete(&mut self, id: u32) -> Option<Row> {
        let row = self.rows.get_mut(id as usize)?.take()?;
        for index in &mut self.indexes {
            let key = row[index.column].group_key();
            if index.entries.get_mut(&key).is_some_and(|ids| ids.remove(id)) {
                index.entries.remove(&key);
            }
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
                let found = values.iter().find(|v| !v.is_null()).and_then(|v| index.entries.get(&v.group_key()));
                return Some(Cow::Borrowed(found.map_or(&[][..], RowIds::as_slice)));
            }
            KeyRange::Equal(values) => {
                let mut keys: Vec<GroupKey> = values.iter().filter(|v| !v.is_null()).map(Value::group_key).collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    if let Some(found) = index.entries.get(&key) {
                        ids.extend_from_slice(found.as_slice());
                    }
                }
            }
            KeyRange::Between(low, high) => {
                let low = map_bound(low);
                let high = map_bound(high);
                if bounds_are_empty(&low, &high) {
                    return Some(Cow::Owned(ids));
                }
                for (key, found) in index.entries.range((low, high)) {
                    if *key != GroupKey::Null {
                        ids.extend_from_slice(found.as_slice());
                    }
                }
            }
        }
        Some(Cow::Owned(ids))
    }
}

/// Every live row of a table with its row number, in row-number order.
pub struct AllRows<'t>(std::iter::Enumerate<std::slice::Iter<'t, Option<Row>>>);

impl<'t> Iterator for AllRows<'t> {
    type Item = (u32, &'t [Value]);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.find_map(|(i, row)| row.as_deref().map(|r| (i as u32, r)))
    }
}

fn map_bound(bound: &Bound<Value>) -> Bound<GroupKey> {
    match bound {
        Bound::Included(v) => Bound::Included(v.group_key()),
        Bound::Excluded(v) => Bound::Excluded(v.group_key()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// `BTreeMap::range` panics on a reversed or empty-excluded range; such a range holds nothing.
fn bounds_are_empty(low: &Bound<GroupKey>, high: &Bound<GroupKey>) -> bool {
    match (low, high) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a), Bound::Excluded(b)) | (Bound::Excluded(a), Bound::Included(b)) => a >= b,
        (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
        _ => false,
    }
}
