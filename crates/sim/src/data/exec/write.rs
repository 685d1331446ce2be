//! INSERT, UPDATE and DELETE on one server. A row written to a partitioned table goes to the
//! partition its key routes to (an UPDATE that changes the key moves it, as PostgreSQL 11+
//! does); the primary key stays unique within each table it is stored in.

use std::collections::BTreeMap;

use super::types::{assignable, assignment_error, target_column, SqlType};
use super::{coerce_value, single_scope, Node, Work};
use crate::data::schema::{ColumnDef, ColumnType};
use crate::data::sql::ast::{Delete, Expr, Insert, Update};
use crate::data::sql::SqlError;
use crate::data::table::{Row, Table};
use crate::data::value::{row_width, text, FastMap, GroupKey, Value};

impl Node {
    /// The stored table a row of `table` belongs in.
    pub fn home_of<'n>(&'n self, table: &'n str, row: &Row) -> Result<&'n str, SqlError> {
        Ok(home_name(&self.partitioned, table, self.home_index(table, row)?))
    }

    /// Where a new row of `table` is stored: the table itself (`None`), or the partition of
    /// this number. A number, not a name, so that loading a million rows copies no string.
    fn home_index(&self, table: &str, row: &Row) -> Result<Option<usize>, SqlError> {
        match self.partitioned.get(table) {
            Some(p) => Ok(Some(p.route(&row[p.key_column])?)),
            None => Ok(None),
        }
    }

    /// Builds the rows an INSERT writes: columns in table order, missing ones NULL, constants
    /// typed as their column.
    pub fn insert_rows(&self, insert: &Insert) -> Result<Vec<Row>, SqlError> {
        let def = self.def(&insert.table)?;
        let mut columns: Vec<usize> = Vec::with_capacity(def.columns.len());
        match &insert.columns {
            None => columns.extend(0..def.columns.len()),
            Some(names) => {
                for name in names {
                    let c = target_column(&def, name)?;
                    if columns.contains(&c) {
                        return Err(SqlError::new(format!("column \"{name}\" specified more than once")));
                    }
                    columns.push(c);
                }
            }
        }
        let scope = single_scope(&def.name, def.clone());
        let mut rows = Vec::new();
        for values in &insert.rows {
            if values.len() > columns.len() {
                return Err(SqlError::new("INSERT has more expressions than target columns"));
            }
            // Without a column list, missing trailing values take their default (NULL here).
            if values.len() < columns.len() && insert.columns.is_some() {
                return Err(SqlError::new("INSERT has more target columns than expressions"));
            }
            let mut row = vec![Value::Null; def.columns.len()];
            for (expr, &c) in values.iter().zip(&columns) {
                let value = scope.bind(expr, "VALUES")?.eval(&[], &[]).map_err(SqlError::new)?;
                row[c] = typed(&def.columns[c], value)?;
            }
            rows.push(row);
        }
        Ok(rows)
    }

    pub fn insert(&mut self, insert: &Insert) -> Result<Work, SqlError> {
        let rows = self.insert_rows(insert)?;
        self.store_rows(&insert.table, rows)
    }

    /// Stores whole rows, each in its home table; refuses a duplicate primary key.
    pub fn store_rows(&mut self, table: &str, rows: Vec<Row>) -> Result<Work, SqlError> {
        let homes = self.check_new_rows(table, &rows)?;
        let mut work = Work::default();
        // Each home's rows go in together, in their order: a table takes its rows, then their keys.
        let mut by_home: BTreeMap<Option<usize>, Vec<Row>> = BTreeMap::new();
        for (row, home) in rows.into_iter().zip(homes) {
            work.rows_returned += 1;
            work.bytes_examined += row_width(&row);
            by_home.entry(home).or_default().push(row);
        }
        for (home, rows) in by_home {
            // The parents, not the whole node, are borrowed for the name: the tables stay writable.
            self.tables.get_mut(home_name(&self.partitioned, table, home)).expect("home table").extend(rows);
        }
        Ok(work)
    }

    /// Where each new row would be stored, or why one cannot be: checked before anything is
    /// written, so that a refused INSERT writes nothing. Row by row, as PostgreSQL inserts them:
    /// the partition it is routed to, then its key's NOT NULL, then its key's uniqueness.
    pub fn check_new_rows(&self, table: &str, rows: &[Row]) -> Result<Vec<Option<usize>>, SqlError> {
        let mut homes = Vec::with_capacity(rows.len());
        let mut seen: FastMap<(Option<usize>, Vec<GroupKey>), ()> = FastMap::default();
        for row in rows {
            let home = self.home_index(table, row)?;
            let stored = &self.tables[home_name(&self.partitioned, table, home)];
            not_null(stored, row)?;
            if let Some(key) = key_values(stored, row) {
                if stored.holds_key_of(row) || seen.insert((home, key), ()).is_some() {
                    return Err(duplicate_key(stored, row));
                }
            }
            homes.push(home);
        }
        Ok(homes)
    }

    /// The rows a WHERE selects for an UPDATE or DELETE: (stored table, row number).
    fn targets(&self, table: &str, filter: Option<&Expr>, work: &mut Work) -> Result<Vec<(String, u32)>, SqlError> {
        let def = self.def(table)?;
        let scope = single_scope(table, def);
        let filter = match filter {
            Some(f) => Some(scope.coerce_literals(f)?),
            None => None,
        };
        let keep = match &filter {
            Some(f) => Some(scope.bind(f, "WHERE")?),
            None => None,
        };
        let (kept, gated) = self.plan(filter.as_ref(), &scope, &[]);
        let (segments, total) = self.segments(table, &kept[0]);
        let mut out = Vec::new();
        let ranges = super::index_ranges(filter.as_ref(), &scope);
        let mut index = None;
        work.one_time_false |= gated;
        for &segment in segments.iter().filter(|_| !gated) {
            let (used, rows) = super::candidate_rows(segment, &ranges);
            index = index.or(used);
            for (id, row) in rows {
                super::examine(work, segment.row_width(id));
                if keep.as_ref().map_or(Ok(true), |k| k.keeps(row)).map_err(SqlError::new)? {
                    out.push((segment.name().to_string(), id));
                }
            }
        }
        // The plan shows the rows' read, with the partitions it reached, as a SELECT's.
        let index = index.map(|column| scope.tables[0].def.columns[column].name);
        work.reads.push(segments.read_of(
            std::rc::Rc::from(table),
            total,
            super::ReadMethod::Scan { index, hash_join: false },
        ));
        Ok(out)
    }

    pub fn delete(&mut self, delete: &Delete) -> Result<Work, SqlError> {
        let mut work = Work::default();
        for (table, id) in self.targets(&delete.table, delete.filter.as_ref(), &mut work)? {
            self.tables.get_mut(&table).expect("target table").delete(id);
            work.rows_returned += 1;
        }
        Ok(work)
    }

    /// Updates the rows the WHERE selects, checked row by row in the order they are found, as
    /// PostgreSQL updates them: the new row's values, its partition, its key's NOT NULL, then its
    /// key's uniqueness against the table as it stands at that row (the rows updated before it
    /// hold their new keys, the others their old ones; so swapping two keys is refused, as
    /// PostgreSQL's immediate unique check refuses it). Nothing is written unless every row
    /// passes: a refused UPDATE changes nothing.
    pub fn update(&mut self, update: &Update) -> Result<Work, SqlError> {
        let def = self.def(&update.table)?;
        let scope = single_scope(&update.table, def.clone());
        let mut assignments = Vec::new();
        for (column, expr) in &update.assignments {
            assignments.push((target_column(&def, column)?, scope.bind(expr, "UPDATE")?));
        }
        let mut work = Work::default();
        let targets = self.targets(&update.table, update.filter.as_ref(), &mut work)?;
        // Keys that left their table and keys that entered one, by stored table's name.
        let mut gone: FastMap<(&str, Vec<GroupKey>), ()> = FastMap::default();
        let mut added: FastMap<(&str, Vec<GroupKey>), ()> = FastMap::default();
        let mut changes = Vec::with_capacity(targets.len());
        for (table, id) in &targets {
            let stored = &self.tables[table.as_str()];
            let old = stored.row(*id).expect("target row");
            let mut new = old.to_vec();
            for (c, value) in &assignments {
                new[*c] = typed(&def.columns[*c], value.eval(old, &[]).map_err(SqlError::new)?)?;
            }
            let home = self.home_of(&update.table, &new)?;
            let placed = &self.tables[home];
            not_null(placed, &new)?;
            // A row that keeps its key and its table cannot collide: any other row with that key
            // would already have collided with it.
            if let (Some(key), Some(old_key)) = (key_values(placed, &new), key_values(stored, old)) {
                if home != table.as_str() || key != old_key {
                    gone.insert((table.as_str(), old_key), ());
                    let entry = (home, key);
                    if added.contains_key(&entry) || (placed.holds_key_of(&new) && !gone.contains_key(&entry)) {
                        return Err(duplicate_key(placed, &new));
                    }
                    added.insert(entry, ());
                }
            }
            changes.push((table.clone(), *id, new, home.to_string()));
        }
        for (table, id, _, _) in &changes {
            self.tables.get_mut(table).expect("table").delete(*id).expect("row");
        }
        for (_, _, new, home) in changes {
            self.tables.get_mut(&home).expect("home").insert(new);
            work.rows_returned += 1;
        }
        Ok(work)
    }
}

/// The stored table a new row of `table` goes to: the table itself, or its partition of that
/// number (see `Node::home_index`).
fn home_name<'n>(
    partitioned: &'n std::collections::BTreeMap<String, crate::data::partition::PartitionedTable>,
    table: &'n str,
    home: Option<usize>,
) -> &'n str {
    match home {
        Some(i) => &partitioned[table].partitions[i].name,
        None => table,
    }
}

/// A row's primary-key values (`TableDef::key`), to compare keys by; `None` when its table has
/// no key.
fn key_values(stored: &Table, row: &[Value]) -> Option<Vec<GroupKey>> {
    stored.def.key.as_ref().map(|key| key.iter().map(|&c| row[c].group_key()).collect())
}

/// The primary key's columns, and those declared NOT NULL, may not be NULL. PostgreSQL checks a
/// row's columns in order, names the table the row is stored in (a partition, not its parent)
/// and shows the row as DETAIL.
fn not_null(stored: &Table, row: &Row) -> Result<(), SqlError> {
    let Some(column) = (0..row.len()).find(|&c| row[c].is_null() && stored.def.is_not_null(c)) else { return Ok(()) };
    Err(SqlError::new(format!(
        "null value in column \"{}\" of relation \"{}\" violates not-null constraint\nDETAIL:  Failing row contains {}.",
        stored.def.columns[column].name,
        stored.name(),
        row_description(row)
    )))
}

/// A row as PostgreSQL's errors show it (`ExecBuildSlotValueDescription`): each value as text,
/// `null` for NULL, and a value longer than 64 bytes cut there with "...".
fn row_description(row: &Row) -> String {
    const MAX_FIELD_BYTES: usize = 64;
    let fields: Vec<String> = row
        .iter()
        .map(|v| {
            let mut text = if v.is_null() { "null".to_string() } else { v.to_string() };
            if text.len() > MAX_FIELD_BYTES {
                let cut = (0..=MAX_FIELD_BYTES).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                text.truncate(cut);
                text.push_str("...");
            }
            text
        })
        .collect();
    format!("({})", fields.join(", "))
}

/// PostgreSQL's refusal of a second row with `row`'s key, naming the key's index
/// (`<table>_pkey`, a partition's own for a partition) and the key's columns and values.
fn duplicate_key(table: &Table, row: &[Value]) -> SqlError {
    let key = table.def.key.as_deref().unwrap_or_default();
    let names: Vec<&str> = key.iter().map(|&c| table.def.columns[c].name).collect();
    let values: Vec<String> = key.iter().map(|&c| row[c].to_string()).collect();
    SqlError::new(format!(
        "duplicate key value violates unique constraint \"{}_pkey\"\nDETAIL:  Key ({})=({}) already exists.",
        table.name(),
        names.join(", "),
        values.join(", ")
    ))
}

/// A constant as `column` stores it, by PostgreSQL's assignment casts (`typed`); `None` where
/// its type has no such cast (a partition bound says so in its own words).
pub fn assigned(column: &ColumnDef, value: Value) -> Option<Result<Value, SqlError>> {
    assignable(column.ty, SqlType::of_literal(&value)).then(|| typed(column, value))
}

/// A value stored in a column, by PostgreSQL's assignment casts: a quoted constant is read as
/// the column's type, numbers round into bigint, anything may become text, nothing else mixes.
pub(super) fn typed(column: &ColumnDef, value: Value) -> Result<Value, SqlError> {
    match (column.ty, &value) {
        (_, Value::Null) | (ColumnType::BigInt, Value::Int(_)) | (ColumnType::Text, Value::Text(_)) => Ok(value),
        (ColumnType::BigInt | ColumnType::Timestamp, Value::Text(_)) => coerce_value(column.ty, value, "="),
        (ColumnType::BigInt, Value::Decimal(d)) => {
            let whole = d.round_to_integer();
            i64::try_from(whole).map(Value::Int).map_err(|_| SqlError::new("bigint out of range"))
        }
        (ColumnType::Text, Value::Bool(b)) => Ok(text(if *b { "true" } else { "false" })),
        (ColumnType::Text, _) => Ok(text(&value.to_string())),
        _ => Err(assignment_error(column, SqlType::of_literal(&value))),
    }
}
