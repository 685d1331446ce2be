//! Multi-primary replication: every primary takes the writes of its region's users, runs them on
//! its own rows, and sends each one to the others (asynchronously, one link's trip away), where
//! a rule settles it against what they hold. Two writes to the same row that did not see each
//! other conflict; the rules (`merge.rs`) decide what stays, and every conflict is listed as it
//! really happened. Under certification (Galera) a write is instead ordered and certified by
//! every primary before it commits, and the later of two conflicting writes is aborted.
//!
//! A write here is what a row-based log carries: the rows it changed, as they are after it (the
//! statement runs once, on its own primary). The other primaries apply those rows with real
//! statements on rows of their own, so every figure comes from the rows.

mod rows;
mod settle;

use rows::key_text;
pub use rows::{is_counter, search};
use settle::{as_int, RowMeta};

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::merge::{Conflict, PnCounter, Settled, Side, Stamp, VersionVector};
use super::schema::TableDef;
use super::sql::ast::Statement;
use super::sql::SqlError;
use super::table::Row;
use super::value::{GroupKey, Value};
use super::Database;
use crate::time::SimTime;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MultiPrimaryConfig {
    /// primaries, one per region; a user writes to their region's (user number modulo this)
    pub primaries: u32,
    pub resolution: Resolution,
    /// each primary's clock, ahead (+) or behind (−) of real time [ms]; missing ones are exact
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skew_ms: Vec<f64>,
    /// one way between two primaries (regions apart) [ms]
    #[serde(default = "default_link_ms")]
    pub link_ms: f64,
    /// Galera's `wsrep_retry_autocommit`: the primary itself retries a statement that failed
    /// certification this many times before its client gets the deadlock error
    #[serde(default = "default_retry_autocommit")]
    pub retry_autocommit: u32,
}

fn default_link_ms() -> f64 {
    40.0
}

fn default_retry_autocommit() -> u32 {
    1
}

impl Default for MultiPrimaryConfig {
    fn default() -> Self {
        MultiPrimaryConfig {
            primaries: 2,
            resolution: Resolution::LastWriterWins,
            skew_ms: Vec::new(),
            link_ms: default_link_ms(),
            retry_autocommit: default_retry_autocommit(),
        }
    }
}

/// How two writes that did not see each other are settled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// per cell, the higher timestamp wins (Cassandra's rule, ties included)
    #[default]
    LastWriterWins,
    /// concurrent versions of a row are kept as siblings (Dynamo, Riak)
    VersionVectors,
    /// Galera: every write is certified in one global order; the later conflicting one aborts
    Certification,
    /// counters add every increment (a PN-counter); other columns are last-writer-wins registers
    Crdt,
}

impl Resolution {
    pub const ALL: [Resolution; 4] =
        [Resolution::LastWriterWins, Resolution::VersionVectors, Resolution::Certification, Resolution::Crdt];

    pub fn label(self) -> &'static str {
        match self {
            Resolution::LastWriterWins => "Last writer wins (Cassandra 4)",
            Resolution::VersionVectors => "Version vectors, siblings (Riak)",
            Resolution::Certification => "Certification (Galera)",
            Resolution::Crdt => "CRDT counters (PN-counter)",
        }
    }
}

impl MultiPrimaryConfig {
    pub fn check(&self, c: &mut crate::validate::Checker) {
        use crate::validate::limits::data::{MAX_LATENCY_MS, MAX_PRIMARIES, MAX_SKEW_MS};
        c.int("data.multi_primary.primaries", self.primaries, 2, MAX_PRIMARIES);
        c.float("data.multi_primary.link_ms", self.link_ms, 0.0, MAX_LATENCY_MS, false);
        c.int("data.multi_primary.retry_autocommit", self.retry_autocommit, 0, 10);
        if self.skew_ms.len() > self.primaries as usize {
            c.rule("data.multi_primary.skew_ms", format!("give at most one skew per primary ({})", self.primaries));
        }
        for &skew in &self.skew_ms {
            c.float("data.multi_primary.skew_ms", skew, -MAX_SKEW_MS, MAX_SKEW_MS, false);
        }
    }

    /// A primary's clock ahead of real time [µs].
    fn skew_us(&self, primary: usize) -> i64 {
        (self.skew_ms.get(primary).copied().unwrap_or(0.0) * 1_000.0).round() as i64
    }
}

/// A row's versions on a primary: its table, its key, and the writes that made them
/// (primary, its write number; None: the row as generated).
pub type Siblings = (usize, GroupKey, Vec<Option<(usize, u32)>>);

/// A row a write changed, as it travels to the other primaries.
#[derive(Clone, Debug)]
pub struct RowWrite {
    pub table: usize,
    pub key: Value,
    /// the row after the write (None: deleted)
    pub image: Option<Row>,
    /// the columns it wrote (every one for an INSERT or a DELETE)
    pub columns: Vec<usize>,
    /// what its primary had seen of the row, its own write included
    pub context: VersionVector,
    /// under CRDTs, its primary's counters of the row after it
    pub counters: Vec<(usize, PnCounter)>,
}

/// One committed write on its way to the other primaries.
#[derive(Clone, Debug)]
pub struct WriteSet {
    pub stamp: Stamp,
    pub rows: Vec<RowWrite>,
}

/// One primary: its rows' bookkeeping and whether it can be reached.
#[derive(Clone)]
pub struct Primary {
    /// its rows (the first primary's are the console's database, held by the data tier)
    pub db: Option<Database>,
    rows: HashMap<(usize, GroupKey), RowMeta>,
    /// its writes so far (the last one's sequence number)
    pub writes: u32,
    pub down: bool,
    /// cut off from every other primary (a network partition around its region)
    pub cut: bool,
}

/// What the rules did, counted over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub writes: u64,
    /// writes last writer wins dropped, and those of them that were the later in real time
    pub discarded: u64,
    pub lost_to_skew: u64,
    /// pairs of versions kept side by side, and writes that merged siblings back into one
    pub siblings: u64,
    pub merged: u64,
    /// Galera: certification failures (`wsrep_local_cert_failures`), local transactions aborted
    /// by a write set applied under them (`wsrep_local_bf_aborts`), retries by the primary, and
    /// deadlock errors its clients got
    pub cert_failures: u64,
    pub bf_aborts: u64,
    pub retries: u64,
    pub deadlock_errors: u64,
    /// queries refused by a primary outside the majority (Galera's non-primary component)
    pub non_primary_refusals: u64,
}

/// A certified write of a row: when every primary applies it, and who wrote it.
#[derive(Clone, Debug)]
struct Certified {
    delivered: SimTime,
    stamp: Stamp,
    sql: Rc<str>,
}

#[derive(Clone)]
pub struct MultiPrimary {
    pub config: MultiPrimaryConfig,
    pub schema: Vec<Rc<TableDef>>,
    pub primaries: Vec<Primary>,
    /// writes on their way, by number, with the primaries still to receive them
    in_flight: HashMap<u32, (Rc<WriteSet>, u32)>,
    next_write: u32,
    /// writes that reached a primary that was down or cut off: delivered, in order, once both
    /// ends can talk again
    held: Vec<(usize, u32)>,
    /// certification: each row's last certified write
    certified: HashMap<(usize, GroupKey), Certified>,
    /// the newest conflicts (the last 100), and the writes already counted as lost
    pub conflicts: VecDeque<Conflict>,
    /// conflicts listed so far (the list keeps the newest)
    pub listed: u64,
    settled: HashSet<(usize, u32, usize)>,
    pub counts: Counts,
}

/// Conflicts kept for the list.
const LISTED: usize = 100;

/// The rows a write will change, found before it runs: their keys and how they are now.
pub struct Search {
    pub table: usize,
    pub before: Vec<(Value, Option<Row>)>,
}

impl MultiPrimary {
    /// The first primary's rows are `first`'s; each other primary gets a copy of them.
    pub fn new(config: &MultiPrimaryConfig, first: &Database) -> MultiPrimary {
        let primaries = (0..config.primaries as usize)
            .map(|i| Primary {
                db: (i > 0).then(|| first.clone()),
                rows: HashMap::new(),
                writes: 0,
                down: false,
                cut: false,
            })
            .collect();
        MultiPrimary {
            config: config.clone(),
            schema: first.schema.clone(),
            primaries,
            in_flight: HashMap::new(),
            next_write: 0,
            held: Vec::new(),
            certified: HashMap::new(),
            conflicts: VecDeque::new(),
            listed: 0,
            settled: HashSet::new(),
            counts: Counts::default(),
        }
    }

    /// The primary a user writes to and reads from: their region's.
    pub fn home_of(&self, user: u32) -> usize {
        user as usize % self.primaries.len()
    }

    /// A primary's rows (the first's are `first`, the console's).
    pub fn db<'a>(&'a mut self, first: &'a mut Database, primary: usize) -> &'a mut Database {
        match self.primaries[primary].db.as_mut() {
            Some(db) => db,
            None => first,
        }
    }

    /// Whether a primary can take queries: up and, under certification, in the majority (a
    /// Galera node cut off from most of the cluster leaves the primary component).
    pub fn refusal(&self, primary: usize) -> Option<String> {
        if self.config.resolution != Resolution::Certification {
            return None;
        }
        let reachable = |i: usize| !self.primaries[i].down && (i == primary || !self.primaries[i].cut);
        let with_me =
            if self.primaries[primary].cut { 1 } else { (0..self.primaries.len()).filter(|&i| reachable(i)).count() };
        (with_me * 2 <= self.primaries.len()).then(|| {
            "ERROR 1047 (08S01): WSREP has not yet prepared node for application use: this primary is cut off from \
             the majority of the cluster; heal its link"
                .to_string()
        })
    }

    /// A write commits on its primary: it runs there, the rule settles its rows against what
    /// the primary holds, and it leaves for the others. Returns the write's number (to deliver
    /// to the others) or the database's refusal (nothing changed).
    pub fn commit(
        &mut self,
        first: &mut Database,
        origin: usize,
        statement: &Statement,
        now: SimTime,
    ) -> Result<u32, SqlError> {
        let schema = self.schema.clone();
        let (search, _) = search(&schema, self.config.resolution, self.db(first, origin), statement)?;
        self.db(first, origin).run(statement, false)?;
        Ok(self.ran(first, origin, search, statement, now))
    }

    /// A write has run on its primary (the rows `search` found before it): the rule settles
    /// its rows there, and it leaves for the others. Returns the write's number.
    pub fn ran(
        &mut self,
        first: &mut Database,
        origin: usize,
        search: Search,
        statement: &Statement,
        now: SimTime,
    ) -> u32 {
        let def = self.schema[search.table].clone();
        let after = self.rows_now(first, origin, search.table, search.before.iter().map(|(k, _)| k.clone()));
        let written: Vec<usize> = match statement {
            Statement::Update(u) => u.assignments.iter().filter_map(|(c, _)| def.column(c)).collect(),
            _ => (0..def.columns.len()).collect(),
        };
        let primary = &mut self.primaries[origin];
        primary.writes += 1;
        let stamp =
            Stamp { origin, seq: primary.writes, real: now, ts: now.as_micros() as i64 + self.config.skew_us(origin) };
        self.counts.writes += 1;
        let n = self.primaries.len();
        let mut rows = Vec::new();
        for ((key, before), image) in search.before.into_iter().zip(after) {
            let meta_key = (search.table, key.group_key());
            let rule = self.config.resolution;
            let meta = self.primaries[origin]
                .rows
                .entry(meta_key.clone())
                .or_insert_with(|| RowMeta::new(before.clone(), n, &def));
            meta.seen.resize(n, 0);
            meta.seen[origin] = stamp.seq;
            let context = meta.seen.clone();
            let mut counters = Vec::new();
            if rule == Resolution::Crdt {
                for &c in written.iter().filter(|&&c| is_counter(&def, c)) {
                    let old = before.as_ref().and_then(|r| as_int(&r[c])).unwrap_or(0);
                    let new = image.as_ref().and_then(|r| as_int(&r[c])).unwrap_or(old);
                    let counter = meta.counters[c].get_or_insert_with(PnCounter::default);
                    counter.add(origin, new - old, n);
                    counters.push((c, counter.clone()));
                }
            }
            if rule == Resolution::VersionVectors && meta.versions.len() > 1 {
                self.counts.merged += 1;
            }
            let write = RowWrite { table: search.table, key, image, columns: written.clone(), context, counters };
            self.settle(first, origin, &write, stamp, now);
            rows.push(write);
        }
        self.next_write += 1;
        let id = self.next_write;
        self.in_flight.insert(id, (Rc::new(WriteSet { stamp, rows }), n as u32 - 1));
        id
    }

    /// Decides a certification when the write commits on `origin` (told to its client a link
    /// later); returns whether it certified. It conflicts with a write of another primary to one
    /// of its rows, certified before it, that reached `origin` only after the transaction began
    /// (`started`): applied under it (a brute-force abort) or still on its way (a certification
    /// failure), counted apart and listed.
    pub fn certify(
        &mut self,
        origin: usize,
        write: &Statement,
        rows: &[(usize, GroupKey)],
        started: SimTime,
        now: SimTime,
    ) -> bool {
        let sql: Rc<str> = write.to_string().into();
        let stamp = Stamp { origin, seq: 0, real: now, ts: now.as_micros() as i64 + self.config.skew_us(origin) };
        for key in rows {
            if let Some(first) = self.certified.get(key).filter(|c| c.stamp.origin != origin && c.delivered > started) {
                let bf_abort = first.delivered <= now;
                if bf_abort {
                    self.counts.bf_aborts += 1;
                } else {
                    self.counts.cert_failures += 1;
                }
                let conflict = Conflict {
                    at_ms: now.as_millis_f64(),
                    row: format!("{} {}", self.schema[key.0].name, key_text(&key.1)),
                    column: None,
                    kept: Side::of(&first.stamp, first.sql.to_string()),
                    other: Side::of(&stamp, sql.to_string()),
                    settled: Settled::Aborted,
                };
                self.list(conflict);
                return false;
            }
        }
        let delivered = now + SimTime::from_millis_f64(self.config.link_ms);
        for key in rows {
            self.certified.insert(key.clone(), Certified { delivered, stamp, sql: sql.clone() });
        }
        true
    }

    /// A write reaches a primary: applied now (returned: who wrote it, and when), or held while
    /// either end is down or cut off.
    pub fn arrive(&mut self, first: &mut Database, primary: usize, write: u32, now: SimTime) -> Option<Stamp> {
        let (set, _) = self.in_flight.get(&write)?;
        let origin = set.stamp.origin;
        if !self.can_talk(origin, primary) {
            self.held.push((primary, write));
            return None;
        }
        let set = set.clone();
        for row in &set.rows {
            self.settle(first, primary, row, set.stamp, now);
        }
        if let Some(entry) = self.in_flight.get_mut(&write) {
            entry.1 -= 1;
            if entry.1 == 0 {
                self.in_flight.remove(&write);
            }
        }
        Some(set.stamp)
    }

    fn can_talk(&self, from: usize, to: usize) -> bool {
        let (a, b) = (&self.primaries[from], &self.primaries[to]);
        !b.down && (from == to || (!a.cut && !b.cut))
    }

    /// A primary came back or was reconnected: what was held for it (or from it) arrives now, in
    /// the order it was sent.
    pub fn release_held(&mut self, first: &mut Database, now: SimTime) {
        let held = std::mem::take(&mut self.held);
        for (primary, write) in held {
            let _ = self.arrive(first, primary, write, now);
        }
    }

    /// Whether every write has reached every primary (none on its way or held).
    pub fn quiet(&self) -> bool {
        self.in_flight.is_empty()
    }

    /// Every primary's rows of a table, sorted by key (the same on all of them once quiet, but
    /// under version vectors, where siblings may show differently).
    pub fn table_on(&mut self, first: &mut Database, primary: usize, table: &str) -> Vec<Row> {
        self.db(first, primary).table_rows(table).map(|(_, rows)| rows).unwrap_or_default()
    }

    /// Each row's sibling versions on a primary (version vectors), as the writes that made them
    /// (primary, its write number; None: the row as generated), sorted.
    pub fn siblings_on(&self, primary: usize) -> Vec<Siblings> {
        let mut all: Vec<_> = self.primaries[primary]
            .rows
            .iter()
            .map(|((t, k), m)| {
                let mut writes: Vec<_> = m.versions.iter().map(|v| v.stamp.map(|s| (s.origin, s.seq))).collect();
                writes.sort();
                (*t, k.clone(), writes)
            })
            .collect();
        all.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        all
    }

    /// A primary crashes or recovers, or is cut off from the others or reconnected.
    pub fn set_down(&mut self, primary: usize, down: bool) {
        self.primaries[primary].down = down;
    }

    pub fn set_cut(&mut self, primary: usize, cut: bool) {
        self.primaries[primary].cut = cut;
    }

    /// A machine's name in the diagram.
    pub fn role(&self, primary: usize) -> String {
        format!("primary {}", primary + 1)
    }
}
