//! Vertical partitioning: `users` is split by columns into `users_hot` (the id and the columns
//! read often) and `users_cold` (the id and the rest: the bio and the avatar, say). A query on
//! hot columns reads narrower rows; a query that needs both halves must join them. The schema
//! changed, so the application's queries must be rewritten, and the rewrite is shown.

use std::rc::Rc;

use super::exec::{references, single_scope, Node, ResultSet};
use super::layout::{run_on, Outcome, Part, Plan};
use super::schema::TableDef;
use super::sql::ast::{
    ColumnRef, Delete, Expr, Insert, Join, JoinKind, Select, SelectItem, Statement, TableRef, Update,
};
use super::sql::SqlError;
use super::table::{Row, Table};
use super::Cost;

pub const SPLIT_TABLE: &str = "users";

#[derive(Clone)]
pub struct VerticalSplit {
    def: Rc<TableDef>,
    /// the other tables, so that names resolve in a rewritten join as they did before
    schema: Vec<Rc<TableDef>>,
    hot: Rc<TableDef>,
    cold: Rc<TableDef>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    Hot,
    Cold,
}

impl VerticalSplit {
    pub fn new(schema: &[Rc<TableDef>], hot_columns: &[String]) -> Result<VerticalSplit, SqlError> {
        let def = schema
            .iter()
            .find(|t| t.name == SPLIT_TABLE)
            .cloned()
            .ok_or_else(|| SqlError::new("the schema has no users table"))?;
        for c in hot_columns {
            if def.column(c).is_none() {
                return Err(SqlError::new(format!(
                    "users has no column \"{c}\": pick the hot columns among {}",
                    def.column_names().join(", ")
                )));
            }
        }
        let key = def.columns[def.primary_key].name;
        let hot_names: Vec<&str> =
            def.column_names().into_iter().filter(|c| *c == key || hot_columns.iter().any(|h| h == c)).collect();
        let cold_names: Vec<&str> =
            def.column_names().into_iter().filter(|c| *c == key || !hot_names.contains(c)).collect();
        if cold_names.len() == 1 || hot_names.len() == 1 {
            return Err(SqlError::new("a vertical split needs columns on both sides: leave at least one column of users out of the hot table, and put at least one in"));
        }
        Ok(VerticalSplit {
            hot: Rc::new(def.with_columns("users_hot", &hot_names)),
            cold: Rc::new(def.with_columns("users_cold", &cold_names)),
            def,
            schema: schema.to_vec(),
        })
    }

    pub fn table(&self) -> &str {
        SPLIT_TABLE
    }

    fn half_of(&self, column: &str) -> Half {
        if self.hot.column(column).is_some() {
            Half::Hot
        } else {
            Half::Cold
        }
    }

    fn half_def(&self, half: Half) -> &Rc<TableDef> {
        if half == Half::Hot {
            &self.hot
        } else {
            &self.cold
        }
    }

    fn split_row(&self, row: &Row) -> (Row, Row) {
        let pick = |half: &TableDef| {
            half.columns.iter().map(|c| row[self.def.column(c.name).expect("split column")].clone()).collect()
        };
        (pick(&self.hot), pick(&self.cold))
    }

    /// The generated tables with `users` replaced by its two halves.
    pub fn split_rows(&self, tables: Vec<(Rc<TableDef>, Vec<Row>)>) -> Vec<(Rc<TableDef>, Vec<Row>)> {
        let mut out = Vec::new();
        for (def, rows) in tables {
            if def.name != SPLIT_TABLE {
                out.push((def, rows));
                continue;
            }
            let (hot, cold): (Vec<Row>, Vec<Row>) = rows.iter().map(|r| self.split_row(r)).unzip();
            out.push((self.hot.clone(), hot));
            out.push((self.cold.clone(), cold));
        }
        out
    }

    /// `users` put back together, for `scalelab dump`.
    pub fn join_rows(&self, node: &Node) -> Vec<Row> {
        let cold = &node.tables["users_cold"];
        let hot = &node.tables["users_hot"];
        hot.rows()
            .filter_map(|(_, h)| {
                let ids = cold.lookup(0, &super::table::KeyRange::Equal(vec![h[0].clone()]))?;
                let c = cold.row(*ids.first()?)?;
                Some(
                    self.def
                        .columns
                        .iter()
                        .map(|col| match self.half_of(col.name) {
                            Half::Hot => h[self.hot.column(col.name).expect("hot column")].clone(),
                            Half::Cold => c[self.cold.column(col.name).expect("cold column")].clone(),
                        })
                        .collect(),
                )
            })
            .collect()
    }

    pub fn execute(
        &self,
        node: &mut Node,
        statement: &Statement,
        explained: bool,
        cost: &Cost,
    ) -> Result<Outcome, SqlError> {
        let rewritten = self.rewrite(node, statement)?;
        let (result, affected, parts) = self.run(node, &rewritten, explained, cost)?;
        let time_us = parts.iter().map(|p| p.time_us).sum();
        let text: Vec<String> = rewritten.iter().map(|s| s.to_string()).collect();
        let changed = text.len() != 1 || text[0] != statement.to_string();
        let plan = Plan {
            route: "One server, users split by columns into users_hot and users_cold".into(),
            rewritten: changed.then(|| text.join("; ")),
            parts,
            time_us,
            ..Plan::default()
        };
        Ok(Outcome { result, affected, plan, explained })
    }

    /// Runs the rewritten statements; a write checks every one on a copy first, so that a
    /// refused write leaves both halves as they were.
    fn run(
        &self,
        node: &mut Node,
        statements: &[Statement],
        explained: bool,
        cost: &Cost,
    ) -> Result<(ResultSet, Option<u64>, Vec<Part>), SqlError> {
        let writes = statements.iter().any(|s| s.written_table().is_some());
        if writes && !explained {
            let mut trial = node.clone();
            self.run(&mut trial, statements, true, cost)?;
        }
        let mut parts = Vec::new();
        let mut last = (ResultSet::default(), None);
        for statement in statements {
            let (result, affected, work) = run_on(node, statement, explained)?;
            let time_us = cost.of(&work);
            parts.push(Part { server: "db".into(), sql: statement.to_string().into(), work, time_us, written: None });
            last = (result, last.1.or(affected));
        }
        Ok((last.0, last.1, parts))
    }

    fn rewrite(&self, node: &Node, statement: &Statement) -> Result<Vec<Statement>, SqlError> {
        match statement {
            Statement::Select(q) => Ok(vec![Statement::Select(self.rewrite_select(q)?)]),
            Statement::Insert(i) if i.table == SPLIT_TABLE => self.rewrite_insert(i),
            Statement::Update(u) if u.table == SPLIT_TABLE => self.rewrite_update(node, u),
            Statement::Delete(d) if d.table == SPLIT_TABLE => {
                let ids = self.target_ids(node, d.filter.as_ref())?;
                Ok([Half::Hot, Half::Cold]
                    .iter()
                    .filter_map(|h| {
                        ids.clone().map(|filter| {
                            Statement::Delete(Delete {
                                table: self.half_def(*h).name.clone(),
                                alias: None,
                                filter: Some(filter),
                            })
                        })
                    })
                    .collect())
            }
            other => Ok(vec![other.clone()]),
        }
    }

    fn rewrite_select(&self, query: &Select) -> Result<Select, SqlError> {
        let which = if query.from.name == SPLIT_TABLE {
            0
        } else if query.joins.first().is_some_and(|j| j.table.name == SPLIT_TABLE) {
            1
        } else {
            return Ok(query.clone());
        };
        let mut scope = single_scope(query.from.reference(), self.def_for(&query.from.name)?);
        for join in &query.joins {
            scope.push(join.table.reference(), self.def_for(&join.table.name)?);
        }
        let reference = scope.tables[which].reference.clone();
        let offset = scope.tables[which].offset;
        let key = self.def.columns[self.def.primary_key].name;
        let mut halves = Vec::new();
        let mut note = |c: &ColumnRef| {
            if let Ok((p, t)) = scope.resolve(c) {
                if t == which && self.def.columns[p - offset].name != key {
                    halves.push(self.half_of(self.def.columns[p - offset].name));
                }
            }
        };
        let mut visit = |e: &Expr| {
            e.walk(&mut |x| {
                if let Expr::Column(c) = x {
                    note(c)
                }
            })
        };
        let mut wildcard = false;
        for item in &query.items {
            match item {
                SelectItem::Wildcard(only) => wildcard |= only.as_ref().is_none_or(|r| *r == reference),
                SelectItem::Expr { expr, .. } => visit(expr),
            }
        }
        query.filter.iter().chain(&query.group_by).chain(query.order_by.iter().map(|o| &o.expr)).for_each(&mut visit);
        for join in &query.joins {
            visit(&Expr::Column(join.on.0.clone()));
            visit(&Expr::Column(join.on.1.clone()));
        }
        if wildcard {
            halves.extend([Half::Hot, Half::Cold]);
        }
        let one_half = if halves.iter().all(|h| *h == Half::Hot) {
            Some(Half::Hot)
        } else if halves.iter().all(|h| *h == Half::Cold) {
            Some(Half::Cold)
        } else {
            None
        };
        match one_half {
            Some(half) => Ok(self.to_one_half(query, &scope, which, &reference, half)),
            None => Ok(self.to_both_halves(query, &scope, which)),
        }
    }

    fn def_for(&self, table: &str) -> Result<Rc<TableDef>, SqlError> {
        self.schema
            .iter()
            .find(|t| t.name == table)
            .cloned()
            .ok_or_else(|| SqlError::new(format!("relation \"{table}\" does not exist")))
    }

    /// Every column it reads is in one half: name that half instead of users.
    fn to_one_half(&self, query: &Select, scope: &Scope, which: usize, reference: &str, half: Half) -> Select {
        let name = self.half_def(half).name.clone();
        let mut out = query.clone();
        let renamed_reference = if reference == SPLIT_TABLE { name.clone() } else { reference.to_string() };
        let table = TableRef {
            name: name.clone(),
            alias: if reference == SPLIT_TABLE { None } else { Some(reference.to_string()) },
        };
        if which == 0 {
            out.from = table;
        } else if let Some(join) = out.joins.first_mut() {
            join.table = table;
        }
        let mut rename = |c: &mut ColumnRef| {
            if c.table.as_deref() == Some(SPLIT_TABLE) && reference == SPLIT_TABLE {
                c.table = Some(renamed_reference.clone());
            }
        };
        map_all_columns(&mut out, &mut rename);
        let _ = scope;
        out
    }

    /// It reads both halves: join them on the key, where users stood.
    fn to_both_halves(&self, query: &Select, scope: &Scope, which: usize) -> Select {
        let key = self.def.columns[self.def.primary_key].name;
        let column = |table: &str, name: &str| ColumnRef { table: Some(table.into()), column: name.into() };
        let halves = Join {
            kind: JoinKind::Inner,
            table: TableRef { name: "users_cold".into(), alias: None },
            on: (column("users_hot", key), column("users_cold", key)),
        };
        let hot = TableRef { name: "users_hot".into(), alias: None };
        let mut out = query.clone();
        if which == 0 {
            out.from = hot;
            out.joins.insert(0, halves);
        } else {
            out.joins[0].table = hot;
            out.joins.push(halves);
        }
        out.items = query
            .items
            .iter()
            .flat_map(|item| match item {
                SelectItem::Wildcard(only) => scope
                    .tables
                    .iter()
                    .filter(|t| only.as_ref().is_none_or(|r| *r == t.reference))
                    .flat_map(|t| {
                        t.def.columns.iter().map(move |c| SelectItem::Expr {
                            expr: Expr::column(Some(&t.reference), c.name),
                            alias: None,
                        })
                    })
                    .collect(),
                other => vec![other.clone()],
            })
            .collect();
        let offset = scope.tables[which].offset;
        let mut place = |c: &mut ColumnRef| {
            if let Ok((p, t)) = scope.resolve(c) {
                if t == which {
                    let name = self.def.columns[p - offset].name;
                    let half = if name == key || self.half_of(name) == Half::Hot { "users_hot" } else { "users_cold" };
                    *c = column(half, name);
                }
            }
        };
        map_all_columns(&mut out, &mut place);
        out
    }

    fn rewrite_insert(&self, insert: &Insert) -> Result<Vec<Statement>, SqlError> {
        let mut staging = Node::default();
        staging.tables.insert(SPLIT_TABLE.into(), Table::new(self.def.clone(), &[]));
        let rows = staging.insert_rows(insert)?;
        let (hot, cold): (Vec<Row>, Vec<Row>) = rows.iter().map(|r| self.split_row(r)).unzip();
        let statement = |def: &TableDef, rows: Vec<Row>| {
            Statement::Insert(Insert {
                table: def.name.clone(),
                columns: None,
                rows: rows.into_iter().map(|r| r.into_iter().map(Expr::Literal).collect()).collect(),
            })
        };
        Ok(vec![statement(&self.hot, hot), statement(&self.cold, cold)])
    }

    fn rewrite_update(&self, node: &Node, update: &Update) -> Result<Vec<Statement>, SqlError> {
        let key = self.def.columns[self.def.primary_key].name;
        let Some(ids) = self.target_ids(node, update.filter.as_ref())? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for half in [Half::Hot, Half::Cold] {
            let def = self.half_def(half);
            let assignments: Vec<(String, Expr)> =
                update.assignments.iter().filter(|(c, _)| c == key || self.half_of(c) == half).cloned().collect();
            if assignments.is_empty() {
                continue;
            }
            let scope = single_scope(&def.name, def.clone());
            for (_, expr) in &assignments {
                if references(&scope, expr).is_none() {
                    return Err(SqlError::new(format!(
                        "after the split, SET on {} can only read columns of {}: update the two halves separately",
                        def.name, def.name
                    )));
                }
            }
            out.push(Statement::Update(Update {
                table: def.name.clone(),
                alias: None,
                assignments,
                filter: Some(ids.clone()),
            }));
        }
        Ok(out)
    }

    /// `id IN (…)` for the users a WHERE selects (None: it selects none).
    fn target_ids(&self, node: &Node, filter: Option<&Expr>) -> Result<Option<Expr>, SqlError> {
        let key = self.def.columns[self.def.primary_key].name;
        let find = Select {
            items: vec![SelectItem::Expr { expr: Expr::column(None, key), alias: None }],
            from: TableRef { name: SPLIT_TABLE.into(), alias: None },
            joins: Vec::new(),
            filter: filter.cloned(),
            group_by: Vec::new(),
            order_by: Vec::new(),
            limit: None,
        };
        let (result, _) = node.select(&self.rewrite_select(&find)?)?;
        let ids: Vec<Expr> = result.rows.into_iter().map(|mut r| Expr::Literal(r.swap_remove(0))).collect();
        Ok((!ids.is_empty()).then(|| Expr::InList {
            expr: Box::new(Expr::column(None, key)),
            list: ids,
            negated: false,
        }))
    }
}

use super::exec::bind::Scope;

/// Applies a change to every column reference of a SELECT.
fn map_all_columns(query: &mut Select, change: &mut dyn FnMut(&mut ColumnRef)) {
    for item in &mut query.items {
        if let SelectItem::Expr { expr, .. } = item {
            expr.map_columns(change);
        }
    }
    if let Some(f) = &mut query.filter {
        f.map_columns(change);
    }
    query.group_by.iter_mut().for_each(|e| e.map_columns(change));
    query.order_by.iter_mut().for_each(|o| o.expr.map_columns(change));
    for join in &mut query.joins {
        change(&mut join.on.0);
        change(&mut join.on.1);
    }
}
