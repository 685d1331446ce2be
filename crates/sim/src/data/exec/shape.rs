//! A SELECT's last steps: its output columns (`*` expanded, named as PostgreSQL names them),
//! ORDER BY (an output's name or position, or an expression), and LIMIT.

use std::rc::Rc;

use super::bind::{Bound, Scope};
use super::group::GroupPlan;
use super::{ResultSet, Row};
use crate::data::sql::ast::{ColumnRef, Expr, Select, SelectItem};
use crate::data::sql::SqlError;
use crate::data::value::Value;

/// How ORDER BY reads a row: an output column, or an expression of the input.
enum SortKey {
    Output(usize),
    Computed(Bound),
}

/// The last steps of a SELECT, bound once: its outputs, its sort keys and its limit, over input
/// rows (ungrouped) or slots (grouped). A router finishes a scattered query with the same one.
pub struct Shaper {
    pub columns: Rc<[String]>,
    outputs: Vec<Bound>,
    sort_keys: Vec<(SortKey, bool)>,
    limit: Option<u64>,
    pub group: Option<GroupPlan>,
    made: Made,
}

/// How an output row is made from an input row and its slots.
enum Made {
    /// the grouped slots as they stand (`SELECT key, COUNT(*) … GROUP BY key`): a group's slots
    /// are its output row, with nothing to compute or copy
    AsSlots,
    /// these input columns, copied as they stand (`SELECT *`, `SELECT a, b`): nothing to evaluate
    Columns(Vec<usize>),
    /// each output evaluated
    Evaluated,
}

impl Shaper {
    /// The row count a LIMIT keeps, checked not to be negative.
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    pub fn new(query: &Select, scope: &Scope) -> Result<Shaper, SqlError> {
        let grouped = !query.group_by.is_empty()
            || query.items.iter().any(|i| matches!(i, SelectItem::Expr { expr, .. } if expr.has_aggregate()))
            || query.order_by.iter().any(|o| o.expr.has_aggregate());
        let (columns, items) = output_items(query, scope);
        // Literals are typed by their context here as in WHERE (`id + '1'` adds a bigint), the
        // GROUP BY's too, so that an output still matches the GROUP BY expression it repeats.
        let group_by: Vec<Expr> = query.group_by.iter().map(|e| scope.coerce_literals(e)).collect::<Result<_, _>>()?;
        let mut group = if grouped { Some(GroupPlan::new(scope, &group_by)?) } else { None };
        let mut bind = |e: &Expr| {
            let e = scope.coerce_literals(e)?;
            match group.as_mut() {
                Some(plan) => plan.bind(scope, &e),
                None => scope.bind(&e, "this SELECT list"),
            }
        };
        let outputs: Vec<Bound> = items.iter().map(&mut bind).collect::<Result<_, _>>()?;
        let mut sort_keys = Vec::new();
        for order in &query.order_by {
            let key = match order_position(&order.expr, &columns, &items)? {
                Some(i) => SortKey::Output(i),
                None => SortKey::Computed(bind(&order.expr)?),
            };
            sort_keys.push((key, order.descending));
        }
        let columns_read: Option<Vec<usize>> =
            outputs.iter().map(|b| if let Bound::Column(i) = b { Some(*i) } else { None }).collect();
        let made = match (&group, columns_read) {
            (Some(g), _)
                if g.sources.len() == outputs.len()
                    && outputs.iter().enumerate().all(|(i, b)| matches!(b, Bound::Slot(j) if *j == i)) =>
            {
                Made::AsSlots
            }
            (None, Some(positions)) => Made::Columns(positions),
            _ => Made::Evaluated,
        };
        // PostgreSQL's executor refuses a negative LIMIT, so after everything above.
        let limit = match query.limit {
            Some(count) => Some(u64::try_from(count).map_err(|_| SqlError::new("LIMIT must not be negative"))?),
            None => None,
        };
        Ok(Shaper { columns: columns.into(), outputs, sort_keys, limit, group, made })
    }

    /// Outputs, sorted and limited, from (input row, slots) pairs.
    pub fn finish<'r>(
        &self,
        inputs: impl ExactSizeIterator<Item = (super::Tuple<'r>, Vec<Value>)>,
    ) -> Result<ResultSet, SqlError> {
        let output = |row: &[Value], slots: Vec<Value>| -> Result<Row, SqlError> {
            match &self.made {
                Made::AsSlots => Ok(slots),
                Made::Columns(positions) => Ok(positions.iter().map(|&i| row[i].clone()).collect()),
                Made::Evaluated => {
                    self.outputs.iter().map(|b| b.eval(row, &slots)).collect::<Result<_, _>>().map_err(SqlError::new)
                }
            }
        };
        let limit = self.limit.map_or(usize::MAX, |l| l.min(usize::MAX as u64) as usize);
        if self.sort_keys.is_empty() {
            // Nothing to sort: the rows past the limit need no outputs.
            let rows = inputs.take(limit).map(|(row, slots)| output(&row, slots)).collect::<Result<_, _>>()?;
            return Ok(ResultSet { columns: self.columns.clone(), rows });
        }
        let mut produced = Vec::with_capacity(inputs.len());
        for (row, slots) in inputs {
            // Computed keys read the slots before the output may take them.
            let mut keys = Vec::with_capacity(self.sort_keys.len());
            for (key, _) in &self.sort_keys {
                keys.push(match key {
                    SortKey::Output(_) => Value::Null,
                    SortKey::Computed(b) => b.eval(&row, &slots).map_err(SqlError::new)?,
                });
            }
            let out = output(&row, slots)?;
            for (k, (key, _)) in keys.iter_mut().zip(&self.sort_keys) {
                if let SortKey::Output(i) = key {
                    *k = out[*i].clone();
                }
            }
            produced.push((keys, out));
        }
        let directions: Vec<bool> = self.sort_keys.iter().map(|(_, d)| *d).collect();
        sort_rows(&mut produced, &directions);
        let rows: Vec<Row> = produced.into_iter().take(limit).map(|(_, r)| r).collect();
        Ok(ResultSet { columns: self.columns.clone(), rows })
    }
}

/// Sorts by keys, stable: ascending puts NULLs last, descending first (PostgreSQL's defaults).
pub fn sort_rows<T>(rows: &mut [(Vec<Value>, T)], descending: &[bool]) {
    if descending.is_empty() {
        return;
    }
    rows.sort_by(|(a, _), (b, _)| {
        for (i, desc) in descending.iter().enumerate() {
            let order = a[i].sort_cmp(&b[i]);
            let order = if *desc { order.reverse() } else { order };
            if order != std::cmp::Ordering::Equal {
                return order;
            }
        }
        std::cmp::Ordering::Equal
    });
}

/// The output columns' names and expressions, `*` expanded.
pub fn output_items(query: &Select, scope: &Scope) -> (Vec<String>, Vec<Expr>) {
    let mut names = Vec::new();
    let mut exprs = Vec::new();
    for item in &query.items {
        match item {
            SelectItem::Wildcard(only) => {
                for t in scope.tables.iter().filter(|t| only.as_ref().is_none_or(|r| *r == t.reference)) {
                    for c in &t.def.columns {
                        names.push(c.name.to_string());
                        exprs.push(Expr::column(Some(&t.reference), c.name));
                    }
                }
            }
            SelectItem::Expr { expr, alias } => {
                names.push(alias.clone().unwrap_or_else(|| output_name(expr)));
                exprs.push(expr.clone());
            }
        }
    }
    (names, exprs)
}

/// The column name PostgreSQL gives an unaliased output.
pub fn output_name(expr: &Expr) -> String {
    match expr {
        Expr::Column(c) => c.column.clone(),
        Expr::Aggregate(f, _) => f.name().to_string(),
        _ => "?column?".to_string(),
    }
}

/// GROUP BY 1, or GROUP BY an output column's alias, as PostgreSQL reads them: a position is
/// that output's expression, and a name that is no input column is the output of that name.
/// `None` when the GROUP BY names only input expressions (nothing to rewrite). Resolved before
/// a query is routed, so that each shard and the router group by the same expressions; `scope`
/// is the query's FROM and JOIN tables (`Scope::of_query`).
pub fn resolve_group_by(query: &Select, scope: &Scope) -> Result<Option<Select>, SqlError> {
    let is_input = |c: &ColumnRef| scope.resolve(c).is_ok();
    if !query.group_by.iter().any(|e| match e {
        Expr::Literal(Value::Int(_)) => true,
        Expr::Column(c) => c.table.is_none() && !is_input(c),
        _ => false,
    }) {
        return Ok(None);
    }
    let (names, items) = output_items(query, scope);
    let mut resolved = query.clone();
    for key in &mut resolved.group_by {
        let output = match key {
            Expr::Literal(Value::Int(n)) => match usize::try_from(*n).ok().filter(|n| (1..=items.len()).contains(n)) {
                Some(n) => n - 1,
                None => {
                    return Err(SqlError::hinted(
                        format!("GROUP BY position {n} is not in select list"),
                        &count_columns(items.len()),
                    ))
                }
            },
            Expr::Column(c) if c.table.is_none() && !is_input(c) => match names.iter().position(|n| *n == c.column) {
                Some(i) => i,
                None => continue,
            },
            _ => continue,
        };
        if items[output].has_aggregate() {
            return Err(SqlError::new("aggregate functions are not allowed in GROUP BY"));
        }
        *key = items[output].clone();
    }
    Ok(Some(resolved))
}

/// "There are 3 columns.", "There is 1 column."
fn count_columns(n: usize) -> String {
    match n {
        1 => "There is 1 column.".to_string(),
        n => format!("There are {n} columns."),
    }
}

/// ORDER BY 2, or ORDER BY an output column's name: PostgreSQL reads these as output columns.
pub fn order_position(expr: &Expr, names: &[String], items: &[Expr]) -> Result<Option<usize>, SqlError> {
    match expr {
        Expr::Literal(Value::Int(n)) => {
            if *n >= 1 && (*n as usize) <= names.len() {
                Ok(Some(*n as usize - 1))
            } else {
                Err(SqlError::hinted(
                    format!("ORDER BY position {n} is not in select list"),
                    &count_columns(names.len()),
                ))
            }
        }
        Expr::Column(c) if c.table.is_none() => {
            let matching: Vec<usize> =
                names.iter().enumerate().filter(|(_, n)| **n == c.column).map(|(i, _)| i).collect();
            match matching.as_slice() {
                [i] => Ok(Some(*i)),
                [first, ..] if matching.iter().all(|i| items[*i] == items[*first]) => Ok(Some(*first)),
                [] => Ok(None),
                _ => Err(SqlError::hinted(
                    format!("ORDER BY \"{}\" is ambiguous", c.column),
                    "More than one output column has that name.",
                )),
            }
        }
        _ => Ok(None),
    }
}
