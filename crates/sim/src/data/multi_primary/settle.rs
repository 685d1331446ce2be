//! How a write settles on a primary: the rule decides what each row becomes (per cell for last
//! writer wins and CRDT registers, per row for version vectors), every conflict it meets is
//! counted once and listed, and the primary's row is made what the rule says.

use std::rc::Rc;

use super::{is_counter, MultiPrimary, Resolution, RowWrite, LISTED};
use crate::data::merge::{self, Cell, Conflict, PnCounter, Settled, Side, Stamp, Version, VersionVector};
use crate::data::schema::TableDef;
use crate::data::table::Row;
use crate::data::value::Value;
use crate::data::Database;
use crate::time::SimTime;

/// What a primary knows of a row multi-primary writes have touched.
#[derive(Clone, Debug)]
pub(super) struct RowMeta {
    /// the row before any write touched it (None: it did not exist)
    pub(super) base: Option<Row>,
    /// every write of the row this primary has seen
    pub(super) seen: VersionVector,
    /// last writer wins (and CRDT registers): per column, the newest write (None: never written)
    pub(super) cells: Vec<Option<(Cell, Rc<[u32]>)>>,
    /// CRDTs: per column, its counter (None: not a counter, or never added to)
    pub(super) counters: Vec<Option<PnCounter>>,
    /// version vectors: the versions none of which has seen another (one unless they conflict)
    pub(super) versions: Vec<Version>,
}

impl MultiPrimary {
    /// A row's write settles on a primary by the rule, and the primary's row becomes what the
    /// rule says it is (with real statements).
    pub(super) fn settle(
        &mut self,
        first: &mut Database,
        primary: usize,
        write: &RowWrite,
        stamp: Stamp,
        now: SimTime,
    ) {
        let n = self.primaries.len();
        let def = self.schema[write.table].clone();
        let key = (write.table, write.key.group_key());
        if !self.primaries[primary].rows.contains_key(&key) {
            let base = self.rows_now(first, primary, write.table, std::iter::once(write.key.clone())).pop().flatten();
            self.primaries[primary].rows.insert(key.clone(), RowMeta::new(base, n, &def));
        }
        let Some(mut meta) = self.primaries[primary].rows.remove(&key) else { return };
        let row_name = format!("{} {}", def.name, write.key);
        match self.config.resolution {
            // Certification let no two writes of a row cross: each applies as it is, in order.
            Resolution::Certification => {}
            Resolution::VersionVectors => self.settle_version(&mut meta, write, stamp, &row_name, now),
            Resolution::LastWriterWins | Resolution::Crdt => {
                let context: Rc<[u32]> = write.context.clone().into();
                for &c in &write.columns {
                    if self.config.resolution == Resolution::Crdt && is_counter(&def, c) {
                        continue;
                    }
                    let value = write.image.as_ref().map(|r| r[c].clone()).filter(|v| !v.is_null());
                    let incoming = Cell { value, stamp };
                    let column = (c, def.columns[c].name);
                    self.settle_cell(&mut meta.cells[c], incoming, context.clone(), &row_name, column, now);
                }
                for (c, counter) in &write.counters {
                    meta.counters[*c].get_or_insert_with(PnCounter::default).merge(counter);
                }
            }
        }
        merge::merge_into(&mut meta.seen, &write.context);
        let wanted = match self.config.resolution {
            Resolution::Certification => write.image.clone(),
            rule => meta.row(&def, &write.key, rule),
        };
        self.primaries[primary].rows.insert(key, meta);
        self.put_row(first, primary, write.table, &write.key, wanted);
    }

    /// Last writer wins on one cell: the incoming write replaces the cell's when Cassandra's
    /// order puts it higher. A write dropped that its winner had not seen (or that came later in
    /// real time) is a conflict, counted once.
    fn settle_cell(
        &mut self,
        cell: &mut Option<(Cell, Rc<[u32]>)>,
        incoming: Cell,
        context: Rc<[u32]>,
        row: &str,
        (c, column): (usize, &str),
        now: SimTime,
    ) {
        let Some((current, current_context)) = cell.as_ref() else {
            *cell = Some((incoming, context));
            return;
        };
        if current.stamp == incoming.stamp {
            return;
        }
        let incoming_wins = merge::lww_order(&incoming, current) == std::cmp::Ordering::Greater;
        let (winner, loser, winner_context) =
            if incoming_wins { (&incoming, current, &context) } else { (current, &incoming, current_context) };
        // A loser the winner had seen was simply overwritten, unless it came later in real time
        // (then a clock ahead beat it).
        let later = loser.stamp.real > winner.stamp.real;
        let overwritten = loser.stamp.seen_by(winner_context) && !later;
        if !overwritten && merge::lww_order(winner, loser) == std::cmp::Ordering::Greater {
            let settled = if later { Settled::LostToSkew } else { Settled::Discarded };
            self.record_loss(loser.stamp, c, || Conflict {
                at_ms: now.as_millis_f64(),
                row: row.to_string(),
                column: Some(column.to_string()),
                kept: Side::of(&winner.stamp, shown(&winner.value)),
                other: Side::of(&loser.stamp, shown(&loser.value)),
                settled,
            });
        }
        if incoming_wins {
            *cell = Some((incoming, context));
        }
    }

    fn record_loss(&mut self, loser: Stamp, column: usize, conflict: impl FnOnce() -> Conflict) {
        if !self.settled.insert((loser.origin, loser.seq, column)) {
            return;
        }
        let conflict = conflict();
        match conflict.settled {
            Settled::LostToSkew => {
                self.counts.discarded += 1;
                self.counts.lost_to_skew += 1;
            }
            _ => self.counts.discarded += 1,
        }
        self.list(conflict);
    }

    pub(super) fn list(&mut self, conflict: Conflict) {
        if self.conflicts.len() == LISTED {
            self.conflicts.pop_front();
        }
        self.conflicts.push_back(conflict);
        self.listed += 1;
    }

    /// Version vectors: a version the primary already has (or has seen superseded) changes
    /// nothing; otherwise it replaces the versions it has seen and stays beside the others, each
    /// pair of which is a conflict kept as siblings.
    fn settle_version(&mut self, meta: &mut RowMeta, write: &RowWrite, stamp: Stamp, row: &str, now: SimTime) {
        let def = self.schema[write.table].clone();
        let wrote: Rc<str> = changed_text(&def, write).into();
        if meta.versions.iter().any(|v| merge::descends(&v.vv, &write.context)) {
            return;
        }
        meta.versions.retain(|v| !merge::descends(&write.context, &v.vv));
        for other in &meta.versions {
            let Some(other_stamp) = other.stamp else { continue };
            let pair = if (other_stamp.origin, other_stamp.seq) < (stamp.origin, stamp.seq) {
                (other_stamp, stamp)
            } else {
                (stamp, other_stamp)
            };
            if self.settled.insert((pair.0.origin, pair.0.seq, pair.1.origin << 24 | pair.1.seq as usize)) {
                self.counts.siblings += 1;
                let conflict = Conflict {
                    at_ms: now.as_millis_f64(),
                    row: row.to_string(),
                    column: None,
                    kept: Side::of(&stamp, wrote.to_string()),
                    other: Side::of(&other_stamp, other.wrote.to_string()),
                    settled: Settled::Siblings,
                };
                self.list(conflict);
            }
        }
        meta.versions.push(Version { row: write.image.clone(), vv: write.context.clone(), stamp: Some(stamp), wrote });
    }
}

impl RowMeta {
    pub(super) fn new(base: Option<Row>, primaries: usize, def: &TableDef) -> RowMeta {
        let columns = def.columns.len();
        RowMeta {
            versions: vec![Version { row: base.clone(), vv: vec![0; primaries], stamp: None, wrote: "".into() }],
            base,
            seen: vec![0; primaries],
            cells: vec![None; columns],
            counters: vec![None; columns],
        }
    }

    /// The row as the rule has it now. Per cell: the newest write's value (a tombstone is NULL),
    /// else the row as it was; it exists while any cell is live (Cassandra's row liveness, the
    /// key's cell standing for the row marker an INSERT writes). Counters add to where they
    /// started. Under version vectors, every primary shows the same one of the siblings.
    fn row(&self, def: &TableDef, key: &Value, rule: Resolution) -> Option<Row> {
        if rule == Resolution::VersionVectors {
            return self
                .versions
                .iter()
                .max_by_key(|v| (v.vv.iter().map(|&x| u64::from(x)).sum::<u64>(), v.stamp.map(|s| s.origin)))
                .and_then(|v| v.row.clone());
        }
        let mut row = vec![Value::Null; def.columns.len()];
        let mut live = false;
        for (c, cell) in self.cells.iter().enumerate() {
            match cell {
                Some((cell, _)) => {
                    if let Some(v) = &cell.value {
                        row[c] = v.clone();
                        live = true;
                    }
                }
                None => {
                    if let Some(base) = &self.base {
                        row[c] = base[c].clone();
                        live = true;
                    }
                }
            }
        }
        for (c, counter) in self.counters.iter().enumerate() {
            if let Some(counter) = counter {
                let start = self.base.as_ref().and_then(|b| as_int(&b[c])).unwrap_or(0);
                row[c] = Value::Int(start + counter.total());
            }
        }
        row[def.primary_key] = key.clone();
        live.then_some(row)
    }
}

fn shown(value: &Option<Value>) -> String {
    value.as_ref().map_or("(deleted)".into(), |v| v.to_string())
}

/// What a write set: `bio = edit 7`, or `(deleted)`.
fn changed_text(def: &TableDef, write: &RowWrite) -> String {
    let Some(row) = &write.image else { return "(deleted)".into() };
    let set: Vec<String> = write
        .columns
        .iter()
        .filter(|&&c| c != def.primary_key)
        .map(|&c| format!("{} = {}", def.columns[c].name, row[c]))
        .collect();
    set.join(", ")
}

pub(super) fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}
