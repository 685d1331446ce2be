//! INSERT, UPDATE and DELETE on one server. A row written to a partitioned table goes to the
//! partition its key routes to (an UPDATE that changes the key moves it, as PostgreSQL 11+
//! does); the primary key stays unique within each table it is stored in.

use std::collections::BTreeMap;

use super::types::SqlType;
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
        let columns: Vec<usize> = match &insert.columns {
            None => (0..def.columns.len()).collect(),
            Some(names) => names
                .iter()
                .map(|n| {
                    def.column(n).ok_or_else(|| {
                        SqlError::new(format!("column \"{n}\" of relation \"{}\" does not exist", def.name))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
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
            if row[def.primary_key].is_null() {
                return Err(SqlError::new(format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    def.columns[def.primary_key].name, def.name
                )));
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
    /// written, so that a refused INSERT writes nothing.
    pub fn check_new_rows(&self, table: &str, rows: &[Row]) -> Result<Vec<Option<usize>>, SqlError> {
        let mut homes = Vec::with_capacity(rows.len());
        let mut seen: FastMap<(Option<usize>, GroupKey), ()> = FastMap::default();
        for row in rows {
            let home = self.home_index(table, row)?;
            let stored = &self.tables[home_name(&self.partitioned, table, home)];
            let key = &row[stored.def.primary_key];
            if stored.contains_key(key) || seen.insert((home, key.group_key()), ()).is_some() {
                return Err(duplicate_key(stored, key));
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
        let (segments, _) = self.segments(table, &scope, 0, filter.as_ref());
        let mut out = Vec::new();
        let ranges = super::index_ranges(filter.as_ref(), &scope);
        for &segment in segments.iter() {
            let (_, rows) = super::candidate_rows(segment, &ranges);
            for (id, row) in rows {
                super::examine(work, segment.row_width(id));
                if keep.as_ref().map_or(Ok(true), |k| k.keeps(row)).map_err(SqlError::new)? {
                    out.push((segment.name().to_string(), id));
                }
            }
        }
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

    pub fn update(&mut self, update: &Update) -> Result<Work, SqlError> {
        let def = self.def(&update.table)?;
        let scope = single_scope(&update.table, def.clone());
        let mut assignments = Vec::new();
        for (column, expr) in &update.assignments {
            let c = def.column(column).ok_or_else(|| {
                SqlError::new(format!("column \"{column}\" of relation \"{}\" does not exist", def.name))
            })?;
            assignments.push((c, scope.bind(expr, "UPDATE")?));
        }
        let mut work = Work::default();
        let targets = self.targets(&update.table, update.filter.as_ref(), &mut work)?;
        // Compute every new row, then check, then write: a refused UPDATE changes nothing.
        let mut changes = Vec::new();
        for (table, id) in &targets {
            let old = self.tables[table].row(*id).expect("target row");
            let mut new = old.to_vec();
            for (c, value) in &assignments {
                new[*c] = typed(&def.columns[*c], value.eval(old, &[]).map_err(SqlError::new)?)?;
            }
            let home = self.home_of(&update.table, &new)?.to_string();
            changes.push((table.clone(), *id, new, home));
        }
        let mut removed: Vec<Row> = Vec::new();
        for (table, id, _, _) in &changes {
            removed.push(self.tables.get_mut(table).expect("table").delete(*id).expect("row"));
        }
        let mut placed: Vec<(String, Value)> = Vec::new();
        for (_, _, new, home) in &changes {
            let stored = &self.tables[home];
            let key = new[stored.def.primary_key].clone();
            if stored.contains_key(&key) || placed.iter().any(|(h, k)| h == home && k.group_key() == key.group_key()) {
                let error = duplicate_key(stored, &key);
                // Put the old rows back: the statement failed as a whole.
                for ((table, ..), row) in changes.iter().zip(removed) {
                    self.tables.get_mut(table).expect("table").insert(row);
                }
                return Err(error);
            }
            placed.push((home.clone(), key));
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

fn duplicate_key(table: &Table, key: &Value) -> SqlError {
    SqlError::new(format!(
        "duplicate key value violates unique constraint \"{}_pkey\"\nDETAIL:  Key ({})=({key}) already exists.",
        table.name(),
        table.def.columns[table.def.primary_key].name
    ))
}

/// A value stored in a column, by PostgreSQL's assignment casts: a quoted constant is read as
/// the column's type, numbers round into bigint, anything may become text, nothing else mixes.
fn typed(column: &ColumnDef, value: Value) -> Result<Value, SqlError> {
    match (column.ty, &value) {
        (_, Value::Null) | (ColumnType::BigInt, Value::Int(_)) | (ColumnType::Text, Value::Text(_)) => Ok(value),
        (ColumnType::BigInt | ColumnType::Timestamp, Value::Text(_)) => coerce_value(column.ty, value, "="),
        (ColumnType::BigInt, Value::Decimal(d)) => {
            let whole = d.round_to_integer();
            i64::try_from(whole).map(Value::Int).map_err(|_| SqlError::new("bigint out of range"))
        }
        (ColumnType::Text, Value::Bool(b)) => Ok(text(if *b { "true" } else { "false" })),
        (ColumnType::Text, _) => Ok(text(&value.to_string())),
        _ => Err(SqlError::new(format!(
            "column \"{}\" is of type {} but expression is of type {}",
            column.name,
            SqlType::of_column(column.ty).name(),
            SqlType::of_literal(&value).name()
        ))),
    }
}
