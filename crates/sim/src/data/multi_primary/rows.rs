//! A primary's rows through SQL: the search that finds what a write will change, the rows as
//! they are, and a row made what the rule says (a DELETE and an INSERT), all real statements.

use std::rc::Rc;

use super::{MultiPrimary, Resolution, Search};
use crate::data::schema::{ColumnType, TableDef};
use crate::data::sql::ast::{
    ColumnRef, CompareOp, Delete, Expr, Insert, Select, SelectItem, Statement, TableRef, Update,
};
use crate::data::sql::SqlError;
use crate::data::table::Row;
use crate::data::value::{ArithOp, GroupKey, Value};
use crate::data::Database;

/// Finds the rows a write will change, with a search that does what the write's own search
/// does (its WHERE, or an INSERT's look-up of its keys in the primary key index). A write the
/// rule cannot take is refused here, before it changes anything.
pub fn search(
    schema: &[Rc<TableDef>],
    rule: Resolution,
    db: &mut Database,
    statement: &Statement,
) -> Result<(Search, crate::data::Outcome), SqlError> {
    let table = match statement {
        Statement::Update(u) => &u.table,
        Statement::Delete(d) => &d.table,
        Statement::Insert(i) => &i.table,
        _ => return Err(SqlError::new("only a write changes rows")),
    };
    let t = schema
        .iter()
        .position(|d| d.name == *table)
        .ok_or_else(|| SqlError::new(format!("relation \"{table}\" does not exist")))?;
    let def = schema[t].clone();
    let pk = || column(&def, def.primary_key);
    let (filter, inserted) = match statement {
        Statement::Update(u) => {
            if u.assignments.iter().any(|(c, _)| def.column(c) == Some(def.primary_key)) {
                return Err(SqlError::new(format!(
                    "under multi-primary replication a row is known by its key: do not change {}.{}",
                    def.name, def.columns[def.primary_key].name
                )));
            }
            if rule == Resolution::Crdt {
                check_counter_assignments(&def, u)?;
            }
            (u.filter.clone(), None)
        }
        Statement::Delete(d) => (d.filter.clone(), None),
        Statement::Insert(i) => {
            let rows = db.insert_rows(i)?;
            let list = rows.iter().map(|r| Expr::Literal(r[def.primary_key].clone())).collect();
            (Some(Expr::InList { expr: Box::new(pk()), list, negated: false }), Some(rows))
        }
        _ => unreachable!("matched above"),
    };
    let search = Statement::Select(select_all(&def, filter));
    let outcome = db.run(&search, false)?;
    let before = match inserted {
        Some(rows) => rows.into_iter().map(|r| (r[def.primary_key].clone(), None)).collect(),
        None => outcome.result.rows.iter().map(|r| (r[def.primary_key].clone(), Some(r.clone()))).collect(),
    };
    Ok((Search { table: t, before }, outcome))
}

impl MultiPrimary {
    /// The rows with these keys on a primary now (None where there is none).
    pub(super) fn rows_now(
        &mut self,
        first: &mut Database,
        primary: usize,
        table: usize,
        keys: impl Iterator<Item = Value>,
    ) -> Vec<Option<Row>> {
        let def = self.schema[table].clone();
        let keys: Vec<Value> = keys.collect();
        let list = keys.iter().cloned().map(Expr::Literal).collect();
        let filter = Expr::InList { expr: Box::new(column(&def, def.primary_key)), list, negated: false };
        let found = match self.db(first, primary).run(&Statement::Select(select_all(&def, Some(filter))), false) {
            Ok(outcome) => outcome.result.rows,
            Err(_) => Vec::new(),
        };
        keys.iter().map(|k| found.iter().find(|r| r[def.primary_key].sort_cmp(k).is_eq()).cloned()).collect()
    }

    /// Makes a primary's row what the rule says it is: a DELETE and an INSERT when it differs.
    pub(super) fn put_row(
        &mut self,
        first: &mut Database,
        primary: usize,
        table: usize,
        key: &Value,
        wanted: Option<Row>,
    ) {
        let def = self.schema[table].clone();
        let def = &def;
        let now = self.rows_now(first, primary, table, std::iter::once(key.clone())).pop().flatten();
        if now == wanted {
            return;
        }
        let db = self.db(first, primary);
        let by_key =
            Expr::Compare(CompareOp::Eq, Box::new(column(def, def.primary_key)), Box::new(Expr::Literal(key.clone())));
        let delete = Statement::Delete(Delete { table: def.name.clone(), alias: None, filter: Some(by_key) });
        // The rows came from this database's own table: they fit it.
        let _ = db.run(&delete, false);
        if let Some(row) = wanted {
            let insert = Insert {
                table: def.name.clone(),
                columns: None,
                rows: vec![row.into_iter().map(Expr::Literal).collect()],
            };
            let _ = db.run(&Statement::Insert(insert), false);
        }
    }
}

/// A counter under the CRDT rule: a number column that is neither a key nor a reference to one.
pub fn is_counter(def: &TableDef, column: usize) -> bool {
    let c = &def.columns[column];
    column != def.primary_key && c.ty == ColumnType::BigInt && !c.name.ends_with("_id")
}

/// Under the CRDT rule a counter only adds: `total_cents = total_cents + 5` (or `- 5`).
fn check_counter_assignments(def: &TableDef, update: &Update) -> Result<(), SqlError> {
    for (name, expr) in &update.assignments {
        let Some(c) = def.column(name).filter(|&c| is_counter(def, c)) else { continue };
        let adds = match expr {
            Expr::Arith(ArithOp::Add | ArithOp::Subtract, left, _) => is_column(left, name),
            _ => false,
        } || matches!(expr, Expr::Arith(ArithOp::Add, _, right) if is_column(right, name));
        if !adds {
            return Err(SqlError::new(format!(
                "under the CRDT rule {}.{} is a counter: add to it (SET {name} = {name} + 1) or take from it, \
                 rather than setting it",
                def.name, def.columns[c].name
            )));
        }
    }
    Ok(())
}

fn is_column(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Column(c) if c.column == name)
}

fn column(def: &TableDef, c: usize) -> Expr {
    Expr::Column(ColumnRef { table: None, column: def.columns[c].name.to_string() })
}

fn select_all(def: &TableDef, filter: Option<Expr>) -> Select {
    Select {
        items: vec![SelectItem::Wildcard(None)],
        from: TableRef { name: def.name.clone(), alias: None },
        joins: Vec::new(),
        filter,
        group_by: Vec::new(),
        order_by: Vec::new(),
        limit: None,
    }
}

pub(super) fn key_text(key: &GroupKey) -> String {
    match key {
        GroupKey::Null => "NULL".into(),
        GroupKey::Int(units, 0) => units.to_string(),
        GroupKey::Int(units, scale) => format!("{units}e-{scale}"),
        GroupKey::Text(s) => s.to_string(),
    }
}
