//! The executor of one database server: real rows in, real rows out, and a count of what it did.
//! A SELECT reads each table through an index when its WHERE fixes an indexed column (the
//! primary key, a partition or shard key), else by scan; joins by hash, or by index lookups when
//! the joined column is indexed and the other side is small; then filters, groups, sorts and
//! limits. What it examined is what a query's simulated time is made of.

pub mod bind;
mod coerce;
pub mod group;
mod shape;
pub mod types;
mod write;

pub use coerce::{coerce_value, read_timestamp, TimestampError};
pub use shape::{order_position, output_items, output_name, resolve_group_by, sort_rows, Shaper};
pub use write::assigned;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

use bind::{Bound, Scope};
use group::GroupPlan;

use super::keys::KeyFilter;
use super::partition::PartitionedTable;
use super::pruning;
use super::schema::TableDef;
use super::sql::ast::{CompareOp, Expr, Join, JoinKind, Select, TableRef};
use super::sql::SqlError;
use super::table::{KeyRange, Row, Table};
use super::value::{row_width, FastMap, Value};

/// One database server's tables: plain tables and partitions by their own names, and the
/// partitioned parents that route to them.
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub tables: BTreeMap<String, Table>,
    pub partitioned: BTreeMap<String, PartitionedTable>,
}

/// What a query did on one server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Work {
    pub rows_examined: u64,
    pub bytes_examined: u64,
    pub rows_returned: u64,
    pub bytes_returned: u64,
    /// per table read: (table, partitions scanned, partitions in all, how it was read)
    pub reads: Vec<TableRead>,
    /// the planner knew no row passes the WHERE, so nothing was read (PostgreSQL's `Result`
    /// with `One-Time Filter: false`)
    pub one_time_false: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRead {
    pub table: Rc<str>,
    pub partitions_scanned: Vec<String>,
    pub partitions_total: usize,
    pub method: ReadMethod,
}

/// How a table was read, in the words of PostgreSQL's EXPLAIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMethod {
    /// by scan, or through the index on a column; `hash_join` when a hash join then built a
    /// table of these rows
    Scan { index: Option<&'static str>, hash_join: bool },
    /// each row of the other side looked its partners up in this table's index
    NestedLoop,
}

impl std::fmt::Display for ReadMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadMethod::Scan { index, hash_join } => {
                if *hash_join {
                    f.write_str("Hash Join, ")?;
                }
                match index {
                    Some(column) => write!(f, "Index Scan using {column}"),
                    None => f.write_str("Seq Scan"),
                }
            }
            ReadMethod::NestedLoop => f.write_str("Nested Loop, Index Scan"),
        }
    }
}

impl Work {
    pub fn add(&mut self, other: &Work) {
        self.rows_examined += other.rows_examined;
        self.bytes_examined += other.bytes_examined;
        self.rows_returned += other.rows_returned;
        self.bytes_returned += other.bytes_returned;
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    /// shared by every run of a prepared statement
    pub columns: Rc<[String]>,
    pub rows: Vec<Row>,
}

impl ResultSet {
    pub fn bytes(&self) -> u64 {
        self.rows.iter().map(|r| row_width(r)).sum()
    }
}

/// The stored tables that hold a table's rows: the table itself, or its partitions that a
/// filter can reach.
enum Segments<'n> {
    Whole(&'n Table),
    Partitions(Vec<&'n Table>),
}

impl<'n> std::ops::Deref for Segments<'n> {
    type Target = [&'n Table];

    fn deref(&self) -> &Self::Target {
        match self {
            Segments::Whole(table) => std::slice::from_ref(table),
            Segments::Partitions(tables) => tables,
        }
    }
}

impl Segments<'_> {
    /// What reading these segments of `table` (of `total` partitions) reports in the plan.
    fn read_of(&self, table: Rc<str>, total: usize, method: ReadMethod) -> TableRead {
        let partitions_scanned = match self {
            Segments::Partitions(tables) => tables.iter().map(|s| s.name().to_string()).collect(),
            Segments::Whole(_) => Vec::new(),
        };
        TableRead { table, partitions_scanned, partitions_total: total, method }
    }
}

/// A row on its way through a query: borrowed from its table until a join makes a new one.
pub type Tuple<'a> = Cow<'a, [Value]>;

impl Node {
    pub fn def(&self, name: &str) -> Result<Rc<TableDef>, SqlError> {
        if let Some(p) = self.partitioned.get(name) {
            return Ok(p.def.clone());
        }
        match self.tables.get(name) {
            Some(t) => Ok(t.def.clone()),
            None => {
                let mut known: Vec<&str> = self.partitioned.keys().map(String::as_str).collect();
                known.extend(self.tables.keys().map(String::as_str).filter(|t| !self.is_partition(t)));
                Err(SqlError::hinted(
                    format!("relation \"{name}\" does not exist"),
                    &format!("The tables are {}.", known.join(", ")),
                ))
            }
        }
    }

    fn is_partition(&self, table: &str) -> bool {
        self.partitioned.values().any(|p| p.partitions.iter().any(|part| part.name == table))
    }

    /// The tables holding `table`'s rows that the plan reads (of a partitioned table, the
    /// partitions `plan` kept), and how many it has in all.
    fn segments(&self, table: &str, kept: &[usize]) -> (Segments<'_>, usize) {
        match self.partitioned.get(table) {
            Some(p) => {
                let tables = kept.iter().filter_map(|&i| self.tables.get(&p.partitions[i].name)).collect();
                (Segments::Partitions(tables), p.partitions.len())
            }
            None => match self.tables.get(table) {
                Some(whole) => (Segments::Whole(whole), 1),
                None => (Segments::Partitions(Vec::new()), 1),
            },
        }
    }

    /// What the planner decides before reading a row: per table of `scope`, the partitions a
    /// partitioned table keeps after pruning (empty for a whole table), and whether no row can
    /// pass: a restriction that is FALSE or NULL, or a partitioned table that no outer join may
    /// null pruned to no partition (an empty relation empties its join). PostgreSQL then plans
    /// a `Result` with `One-Time Filter: false`, reading no table. A lone `column op constant`
    /// on whole tables (every point lookup) can tell neither, and is not worked out.
    fn plan(&self, filter: Option<&Expr>, scope: &Scope, joins: &[pruning::JoinOn]) -> (Vec<Vec<usize>>, bool) {
        let partitioned = scope.tables.iter().any(|t| self.partitioned.contains_key(&t.def.name));
        let planned = match filter {
            Some(f) if partitioned || !f.is_column_against_constant() => {
                pruning::restriction_lists(filter, scope, joins)
            }
            _ => pruning::Restrictions::default(),
        };
        let mut gated = planned.lists.iter().any(|list| pruning::one_time_false(list));
        let kept = scope
            .tables
            .iter()
            .enumerate()
            .map(|(t, table)| {
                let Some(p) = self.partitioned.get(&table.def.name) else { return Vec::new() };
                let list = planned.lists.get(t).map_or(&[][..], |l| l.as_slice());
                let kept = pruning::partitions_read(p, table.offset, list);
                gated |= kept.is_empty() && !planned.nullable.get(t).copied().unwrap_or(false);
                kept
            })
            .collect();
        (kept, gated)
    }

    pub fn select(&self, query: &Select) -> Result<(ResultSet, Work), SqlError> {
        let prepared = self.prepare(query)?;
        self.run_prepared(query, &prepared)
    }

    /// Binds a SELECT against this server's tables (the half of its work that reads no row),
    /// so that a prepared statement runs again without binding again.
    pub fn prepare(&self, query: &Select) -> Result<PreparedSelect, SqlError> {
        let mut scope = Scope::default();
        scope.push(query.from.reference(), self.def(&query.from.name)?);
        for join in &query.joins {
            if scope.tables.iter().any(|t| t.reference == join.table.reference()) {
                return Err(SqlError::new(format!(
                    "table name \"{}\" specified more than once: give one of them an alias",
                    join.table.reference()
                )));
            }
            scope.push(join.table.reference(), self.def(&join.table.name)?);
        }
        let filter = match &query.filter {
            Some(f) => Some(scope.coerce_literals(f)?),
            None => None,
        };
        let conjuncts: Vec<&Expr> = filter.as_ref().map(|f| f.conjuncts()).unwrap_or_default();
        let (own, rest) = split_conjuncts(query, &scope, &conjuncts);
        let joins = query
            .joins
            .iter()
            .map(|j| {
                let (a, b) = (scope.resolve(&j.on.0)?.0, scope.resolve(&j.on.1)?.0);
                // the ON column of the earlier table is the outer one
                let (left, right) = if a <= b { (a, b) } else { (b, a) };
                Ok(pruning::JoinOn { left, right, outer: j.kind == JoinKind::Left })
            })
            .collect::<Result<Vec<_>, SqlError>>()?;
        let (kept, gated) = self.plan(filter.as_ref(), &scope, &joins);
        let mut kept = kept.into_iter();
        // Bound before any row is read, so that a WHERE's mistake is reported before the
        // select list's, whatever the rows.
        let own = own
            .iter()
            .enumerate()
            .map(|(table, conjuncts)| {
                TableFilter::new(&scope.tables[table], conjuncts, kept.next().unwrap_or_default(), gated)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rest = bind_all(&scope, Expr::all_of(rest.into_iter().cloned().collect()).as_ref())?;
        let shaper = Shaper::new(query, &scope)?;
        Ok(PreparedSelect { scope, own, rest, shaper })
    }

    /// Runs a SELECT that `prepare` bound against this server's tables.
    pub fn run_prepared<'s>(
        &'s self,
        query: &Select,
        prepared: &PreparedSelect,
    ) -> Result<(ResultSet, Work), SqlError> {
        let PreparedSelect { scope, own, rest, shaper } = prepared;
        let mut work = Work::default();
        // Rows flow from the scan into the grouping (or the kept list) one at a time: a scan of
        // a million rows builds no list of a million rows.
        let mut grouping = shaper.group.as_ref().map(GroupPlan::start);
        let mut kept: Vec<Tuple<'s>> = Vec::new();
        let mut take = |row: Tuple<'s>| -> Result<(), SqlError> {
            if rest.as_ref().map_or(Ok(true), |b| b.keeps(&row)).map_err(SqlError::new)? {
                match grouping.as_mut() {
                    Some(g) => g.add(&row).map_err(SqlError::new)?,
                    None => kept.push(row),
                }
            }
            Ok(())
        };
        if query.joins.is_empty() {
            self.scan(&query.from, &own[0], &mut work, &mut |row| take(Cow::Borrowed(row)))?;
        } else {
            for row in self.read_and_join(query, scope, own, &mut work)? {
                take(row)?;
            }
        }
        let result = match grouping {
            Some(g) => {
                let groups = g.finish().map_err(SqlError::new)?;
                shaper.finish(groups.into_iter().map(|slots| (Cow::Borrowed(&[][..]), slots)))?
            }
            None => shaper.finish(kept.into_iter().map(|r| (r, Vec::new())))?,
        };
        work.rows_returned = result.rows.len() as u64;
        work.bytes_returned = result.bytes();
        Ok((result, work))
    }

    /// Reads the FROM table, then joins each joined table in turn, each table filtered by its
    /// own conjuncts (`own`, by FROM entry).
    fn read_and_join(
        &self,
        query: &Select,
        scope: &Scope,
        own: &[TableFilter],
        work: &mut Work,
    ) -> Result<Vec<Tuple<'_>>, SqlError> {
        let mut rows = self.read(&query.from, &own[0], work)?;
        for (k, join) in query.joins.iter().enumerate() {
            let table = k + 1;
            let (a, ta) = scope.resolve(&join.on.0)?;
            let (b, tb) = scope.resolve(&join.on.1)?;
            let offset = scope.tables[table].offset;
            let keys = match (ta, tb) {
                (l, r) if r == table && l < table => (a, b - offset),
                (r, l) if r == table && l < table => (b, a - offset),
                _ => {
                    return Err(SqlError::new(format!(
                    "JOIN ... ON must compare a column of {} with a column of a table before it: write ON a.x = b.y",
                    join.table.reference()
                )))
                }
            };
            rows = self.join(join, scope, table, rows, keys, &own[table], work)?;
        }
        Ok(rows)
    }

    #[allow(clippy::too_many_arguments)]
    fn join<'s>(
        &'s self,
        join: &Join,
        scope: &Scope,
        table: usize,
        left: Vec<Tuple<'s>>,
        keys: (usize, usize),
        own: &TableFilter,
        work: &mut Work,
    ) -> Result<Vec<Tuple<'s>>, SqlError> {
        let right_width = scope.tables[table].def.columns.len();
        let (left_key, right_key) = keys;
        let right_filter = &own.bound;
        let (segments, total) = self.segments(&join.table.name, &own.partitions);
        let right_rows: usize = segments.iter().map(|s| s.len()).sum();
        let indexed = segments.iter().all(|s| s.has_index(right_key));
        let mut out = Vec::new();
        let emit = |l: &[Value], matches: &mut dyn Iterator<Item = &[Value]>, out: &mut Vec<Tuple<'s>>| {
            let mut any = false;
            for r in matches {
                any = true;
                out.push(Cow::Owned(l.iter().chain(r.iter()).cloned().collect()));
            }
            if !any && join.kind == JoinKind::Left {
                out.push(Cow::Owned(l.iter().cloned().chain(std::iter::repeat_n(Value::Null, right_width)).collect()));
            }
        };
        if indexed && left.len() * 8 < right_rows {
            // Index nested loop: each left row looks its partners up.
            for l in &left {
                let mut found = Vec::new();
                for s in segments.iter() {
                    for &id in s
                        .lookup(right_key, &super::table::KeyRange::Equal(vec![l[left_key].clone()]))
                        .unwrap_or_default()
                        .iter()
                    {
                        let Some(r) = s.row(id) else { continue };
                        examine(work, s.row_width(id));
                        if right_filter.as_ref().map_or(Ok(true), |f| f.keeps(r)).map_err(SqlError::new)? {
                            found.push(r);
                        }
                    }
                }
                emit(l, &mut found.into_iter(), &mut out);
            }
            work.reads.push(segments.read_of(own.name.clone(), total, ReadMethod::NestedLoop));
            return Ok(out);
        }
        let right = self.read(&join.table, own, work)?;
        if let Some(read) = work.reads.last_mut() {
            if let ReadMethod::Scan { hash_join, .. } = &mut read.method {
                *hash_join = true;
            }
        }
        let mut built: FastMap<super::value::GroupKey, Vec<&[Value]>> = FastMap::default();
        for r in &right {
            if !r[right_key].is_null() {
                built.entry(r[right_key].group_key()).or_default().push(r);
            }
        }
        for l in &left {
            let partners = if l[left_key].is_null() { None } else { built.get(&l[left_key].group_key()) };
            emit(l, &mut partners.into_iter().flatten().copied(), &mut out);
        }
        Ok(out)
    }

    /// Reads one table of the FROM clause, through an index when a conjunct allows it, and
    /// keeps the rows its own conjuncts accept.
    fn read(&self, table: &TableRef, own: &TableFilter, work: &mut Work) -> Result<Vec<Tuple<'_>>, SqlError> {
        let mut out = Vec::new();
        self.scan(table, own, work, &mut |row| {
            out.push(Cow::Borrowed(row));
            Ok(())
        })?;
        Ok(out)
    }

    /// [`Node::read`] row by row: each row its own conjuncts accept goes to `sink`.
    fn scan<'s>(
        &'s self,
        table: &TableRef,
        own: &TableFilter,
        work: &mut Work,
        sink: &mut dyn FnMut(&'s [Value]) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        let (segments, total) = self.segments(&table.name, &own.partitions);
        let mut index = None;
        work.one_time_false |= own.gated;
        for segment in segments.iter().filter(|_| !own.gated) {
            let (used, ids) = candidate_rows(segment, &own.ranges);
            index = index.or(used);
            let test = own.bound.as_ref().filter(|_| used.is_none() || used != own.index_decides);
            for (id, row) in ids {
                examine(work, segment.row_width(id));
                if test.map_or(Ok(true), |k| k.keeps(row)).map_err(SqlError::new)? {
                    sink(row)?;
                }
            }
        }
        let index = index.map(|column| own.scope.tables[0].def.columns[column].name);
        let method = ReadMethod::Scan { index, hash_join: false };
        work.reads.push(segments.read_of(own.name.clone(), total, method));
        Ok(())
    }
}

/// A SELECT bound against one server's tables (`Node::prepare`): running it reads rows and
/// does nothing else, as a prepared statement does.
pub struct PreparedSelect {
    scope: Scope,
    /// each FROM entry's own conditions
    own: Vec<TableFilter>,
    /// the conditions tested on joined rows
    rest: Option<Bound>,
    shaper: Shaper,
}

/// One FROM entry's own conditions (those on it alone that may filter it before a join):
/// bound for testing rows and read as index ranges, once per query, beside the partitions the
/// planner keeps of it.
struct TableFilter {
    /// the table's name, as its reads report it
    name: Rc<str>,
    scope: Scope,
    /// the partitions the plan reads, if the table is partitioned
    partitions: Vec<usize>,
    bound: Option<Bound>,
    ranges: Vec<(usize, KeyRange)>,
    /// the planner knows no row passes the query's WHERE: nothing is read
    gated: bool,
    /// the column whose index alone decides the condition (`WHERE id = 7`, an integer): the
    /// rows that index gives need no test, as PostgreSQL's index condition needs no filter
    index_decides: Option<usize>,
}

impl TableFilter {
    fn new(
        table: &bind::ScopeTable,
        conjuncts: &[&Expr],
        partitions: Vec<usize>,
        gated: bool,
    ) -> Result<TableFilter, SqlError> {
        let scope = single_scope(&table.reference, table.def.clone());
        let expr = Expr::all_of(conjuncts.iter().map(|e| (*e).clone()).collect());
        let bound = bind_all(&scope, expr.as_ref())?;
        let ranges = index_ranges(expr.as_ref(), &scope);
        let index_decides = match &bound {
            Some(Bound::Compare(CompareOp::Eq, a, b)) => match (&**a, &**b) {
                (Bound::Column(c), Bound::Literal(Value::Int(_)))
                | (Bound::Literal(Value::Int(_)), Bound::Column(c)) => Some(*c),
                _ => None,
            },
            _ => None,
        };
        Ok(TableFilter {
            name: Rc::from(table.def.name.as_str()),
            scope,
            partitions,
            bound,
            ranges,
            gated,
            index_decides,
        })
    }
}

/// Splits a WHERE's conjuncts into each FROM entry's own (a condition on one table alone,
/// except on the inner side of a LEFT JOIN, whose unmatched rows must still appear with NULLs)
/// and the rest, which are tested on joined rows.
fn split_conjuncts<'q>(query: &Select, scope: &Scope, conjuncts: &[&'q Expr]) -> (Vec<Vec<&'q Expr>>, Vec<&'q Expr>) {
    let mut own = vec![Vec::new(); scope.tables.len()];
    let mut rest = Vec::new();
    for &e in conjuncts {
        match references(scope, e).as_deref() {
            Some(&[t]) if t == 0 || query.joins[t - 1].kind == JoinKind::Inner => own[t].push(e),
            _ => rest.push(e),
        }
    }
    (own, rest)
}

/// The index reads a filter allows on the one table of `scope`, worked out once per query:
/// (column, key range) for each column it narrows, in column order (a read uses the first
/// that its table indexes).
pub(super) fn index_ranges(filter: Option<&Expr>, scope: &Scope) -> Vec<(usize, KeyRange)> {
    if filter.is_none() {
        return Vec::new();
    }
    (0..scope.tables[0].def.columns.len())
        .filter_map(|c| KeyFilter::of(filter, scope, c).key_range().map(|range| (c, range)))
        .collect()
}

/// Rows of a stored table with their row numbers: those an index gave, or every row.
pub(super) enum StoredRows<'t> {
    Indexed { table: &'t Table, ids: Cow<'t, [u32]>, next: usize },
    All(super::table::AllRows<'t>),
}

impl<'t> Iterator for StoredRows<'t> {
    type Item = (u32, &'t [Value]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            StoredRows::Indexed { table, ids, next } => loop {
                let id = *ids.get(*next)?;
                *next += 1;
                if let Some(row) = table.row(id) {
                    return Some((id, row));
                }
            },
            StoredRows::All(rows) => rows.next(),
        }
    }
}

/// The rows of one stored table a read must look at: through the first of `ranges` whose
/// column it indexes (and which column that was), else every row.
pub(super) fn candidate_rows<'t>(segment: &'t Table, ranges: &[(usize, KeyRange)]) -> (Option<usize>, StoredRows<'t>) {
    match ranges.iter().find(|(column, _)| segment.has_index(*column)) {
        Some((column, range)) => {
            let ids = segment.lookup(*column, range).unwrap_or_default();
            (Some(*column), StoredRows::Indexed { table: segment, ids, next: 0 })
        }
        None => (None, StoredRows::All(segment.rows())),
    }
}

/// Counts one stored row read, `width` bytes wide.
pub fn examine(work: &mut Work, width: u64) {
    work.rows_examined += 1;
    work.bytes_examined += width;
}

pub fn single_scope(reference: &str, def: Rc<TableDef>) -> Scope {
    let mut scope = Scope::default();
    scope.push(reference, def);
    scope
}

fn bind_all(scope: &Scope, filter: Option<&Expr>) -> Result<Option<Bound>, SqlError> {
    filter.map(|e| scope.bind(e, "WHERE")).transpose()
}

/// Which FROM entries an expression reads (None if a name does not resolve: the full bind
/// reports it).
pub fn references(scope: &Scope, expr: &Expr) -> Option<Vec<usize>> {
    let mut tables = Vec::new();
    let mut ok = true;
    expr.walk(&mut |e| {
        if let Expr::Column(c) = e {
            match scope.resolve(c) {
                Ok((_, t)) => {
                    if !tables.contains(&t) {
                        tables.push(t);
                    }
                }
                Err(_) => ok = false,
            }
        }
    });
    tables.sort();
    ok.then_some(tables)
}
