//! How multi-primary replication settles two writes to the same row that did not see each
//! other, each rule as its system does it: last writer wins per cell by timestamp (Cassandra),
//! version vectors that keep concurrent versions as siblings (Dynamo, Riak), and CRDT counters
//! that add every increment (Shapiro et al. 2011). Certification (Galera) aborts one of the two
//! before it commits, so it keeps no state per row (`multi_primary.rs` certifies).
//!
//! A row's state here is per primary; every primary applies the same writes (in whatever order
//! they arrive) and ends with the same state: that is what these rules are for.

use std::cmp::Ordering;

use serde::Serialize;

use super::table::Row;
use super::value::Value;
use crate::time::SimTime;

/// Per primary, the newest write of that primary (its sequence number) a version has seen.
pub type VersionVector = Vec<u32>;

/// Whether `a` has seen everything `b` has (`a ≥ b` in every entry).
pub fn descends(a: &[u32], b: &[u32]) -> bool {
    b.iter().enumerate().all(|(i, &x)| a.get(i).copied().unwrap_or(0) >= x)
}

/// Neither has seen the other's newest write: concurrent.
pub fn concurrent(a: &[u32], b: &[u32]) -> bool {
    !descends(a, b) && !descends(b, a)
}

/// Entry by entry, the larger.
pub fn merge_into(into: &mut VersionVector, other: &[u32]) {
    if into.len() < other.len() {
        into.resize(other.len(), 0);
    }
    for (x, &y) in into.iter_mut().zip(other) {
        *x = (*x).max(y);
    }
}

/// One write as the rules see it: which primary made it (its `seq`-th write), when in real
/// time, and the timestamp its primary's clock gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub origin: usize,
    pub seq: u32,
    pub real: SimTime,
    /// microseconds by the origin's clock (real time plus its skew)
    pub ts: i64,
}

impl Stamp {
    /// Whether a version that has seen `context` had seen this write.
    pub fn seen_by(&self, context: &[u32]) -> bool {
        context.get(self.origin).is_some_and(|&s| s >= self.seq)
    }
}

/// A cell under last writer wins: its value (None is a tombstone: deleted, or written NULL, as
/// Cassandra stores both) and the write that set it.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub value: Option<Value>,
    pub stamp: Stamp,
}

/// Cassandra's reconciliation of two cells: the higher timestamp wins; on equal timestamps a
/// tombstone beats a live value, then the greater value wins, its serialized bytes compared
/// unsigned (`Cells.resolveRegular` since 4.0; 3.x's `ByteBuffer.compareTo` compared them signed).
pub fn lww_order(a: &Cell, b: &Cell) -> Ordering {
    a.stamp.ts.cmp(&b.stamp.ts).then_with(|| match (&a.value, &b.value) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => serialized(x).cmp(&serialized(y)),
    })
}

/// A value's bytes as Cassandra serializes it: a bigint as 8 big-endian bytes (so a negative
/// number compares above every positive one, as in Cassandra), text as its UTF-8 bytes.
fn serialized(v: &Value) -> Vec<u8> {
    match v {
        Value::Int(i) => i.to_be_bytes().to_vec(),
        Value::Text(s) => s.as_bytes().to_vec(),
        Value::Bool(b) => vec![u8::from(*b)],
        other => other.to_string().into_bytes(),
    }
}

/// A version of a row under version vectors: the row as that write left it (None: deleted).
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    pub row: Option<Row>,
    pub vv: VersionVector,
    /// None for the row as generated, before any write
    pub stamp: Option<Stamp>,
    /// what its write set, as `column = value`
    pub wrote: std::rc::Rc<str>,
}

/// A PN-counter: per primary, what it added and what it took away; merged entry by entry with
/// the larger (each primary's own counts only grow), so every increment counts once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PnCounter {
    pub added: Vec<i64>,
    pub taken: Vec<i64>,
}

impl PnCounter {
    pub fn add(&mut self, origin: usize, delta: i64, primaries: usize) {
        self.added.resize(primaries, 0);
        self.taken.resize(primaries, 0);
        if delta >= 0 {
            self.added[origin] += delta;
        } else {
            self.taken[origin] -= delta;
        }
    }

    pub fn merge(&mut self, other: &PnCounter) {
        for (mine, theirs) in [(&mut self.added, &other.added), (&mut self.taken, &other.taken)] {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), 0);
            }
            for (x, &y) in mine.iter_mut().zip(theirs) {
                *x = (*x).max(y);
            }
        }
    }

    pub fn total(&self) -> i64 {
        self.added.iter().sum::<i64>() - self.taken.iter().sum::<i64>()
    }
}

/// What a rule did with a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// last writer wins dropped the write with the lower timestamp
    Discarded,
    /// ...and the dropped write was the later one in real time: a clock ahead won
    LostToSkew,
    /// version vectors kept both, as siblings for the application to merge
    Siblings,
    /// certification aborted the later transaction (Galera's deadlock error)
    Aborted,
}

/// One side of a conflict: which primary wrote what, when in real time and by its clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// 1 is the first primary
    pub primary: usize,
    pub wrote: String,
    pub real_ms: f64,
    pub clock_ms: f64,
}

impl Side {
    pub fn of(stamp: &Stamp, wrote: String) -> Side {
        Side {
            primary: stamp.origin + 1,
            wrote,
            real_ms: stamp.real.as_millis_f64(),
            clock_ms: stamp.ts as f64 / 1_000.0,
        }
    }
}

/// Two writes to the same data that did not see each other, and what the rule kept.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflict {
    /// when the rule settled it [ms]
    pub at_ms: f64,
    /// the row, as "users 17", and the column when the rule works per cell
    pub row: String,
    pub column: Option<String>,
    /// the side kept (for siblings, the newer arrival) and the other
    pub kept: Side,
    pub other: Side,
    pub settled: Settled,
}

impl Conflict {
    /// What happened, in a sentence.
    pub fn explain(&self) -> String {
        let (k, o) = (&self.kept, &self.other);
        let what = match &self.column {
            Some(c) => format!("{}.{c}", self.row),
            None => self.row.clone(),
        };
        match self.settled {
            Settled::Discarded => format!(
                "{what}: primary {} wrote '{}' at {:.0} ms (its clock {:.0} ms) and primary {} wrote '{}' at {:.0} ms \
                 (its clock {:.0} ms), neither seeing the other; the higher timestamp kept '{}' and the other is lost",
                k.primary, k.wrote, k.real_ms, k.clock_ms, o.primary, o.wrote, o.real_ms, o.clock_ms, k.wrote
            ),
            Settled::LostToSkew => format!(
                "{what}: primary {} wrote '{}' at {:.0} ms, after primary {}'s '{}' at {:.0} ms, but its clock said \
                 {:.0} ms against {:.0} ms: the clock ahead won and the later write is lost",
                o.primary, o.wrote, o.real_ms, k.primary, k.wrote, k.real_ms, o.clock_ms, k.clock_ms
            ),
            Settled::Siblings => format!(
                "{what}: primary {} wrote '{}' at {:.0} ms and primary {} wrote '{}' at {:.0} ms; neither version \
                 vector dominates, so both are kept as siblings until the application merges them",
                k.primary, k.wrote, k.real_ms, o.primary, o.wrote, o.real_ms
            ),
            Settled::Aborted => format!(
                "{what}: primary {}'s {} certified first (at {:.0} ms); primary {}'s {}, begun before that reached \
                 it, failed certification at commit: ERROR 1213 (40001): Deadlock found when trying to get lock; \
                 try restarting transaction",
                k.primary, k.wrote, k.real_ms, o.primary, o.wrote
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::value::text;

    fn cell(value: Option<Value>, ts: i64) -> Cell {
        Cell { value, stamp: Stamp { origin: 0, seq: 1, real: SimTime::ZERO, ts } }
    }

    #[test]
    fn cassandra_ties_a_tombstone_then_the_greater_value() {
        assert_eq!(lww_order(&cell(Some(text("a")), 2), &cell(None, 1)), Ordering::Greater);
        assert_eq!(lww_order(&cell(None, 5), &cell(Some(text("z")), 5)), Ordering::Greater);
        assert_eq!(lww_order(&cell(Some(text("b")), 5), &cell(Some(text("a")), 5)), Ordering::Greater);
        // serialized bigints: -1 is 0xff.. and beats 1
        assert_eq!(lww_order(&cell(Some(Value::Int(-1)), 5), &cell(Some(Value::Int(1)), 5)), Ordering::Greater);
    }

    #[test]
    fn vectors_are_concurrent_exactly_when_neither_descends() {
        assert!(descends(&[2, 1], &[1, 1]) && !concurrent(&[2, 1], &[1, 1]));
        assert!(concurrent(&[2, 0], &[1, 1]));
        assert!(!concurrent(&[1, 1], &[1, 1]));
        let mut v = vec![2, 0];
        merge_into(&mut v, &[1, 3, 1]);
        assert_eq!(v, vec![2, 3, 1]);
    }

    #[test]
    fn a_pn_counter_counts_every_increment_once_whatever_the_merge_order() {
        let (mut a, mut b) = (PnCounter::default(), PnCounter::default());
        a.add(0, 3, 2);
        b.add(1, 2, 2);
        b.add(1, -1, 2);
        let mut ab = a.clone();
        ab.merge(&b);
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!((ab.total(), ba.total()), (4, 4));
    }
}
