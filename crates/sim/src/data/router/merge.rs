//! Gathering at the router: merging sorted streams under ORDER BY … LIMIT, and finishing
//! aggregates from the shards' partials.

use crate::data::exec::bind::Scope;
use crate::data::exec::group::{GroupPlan, Groups, SlotSource};
use crate::data::exec::{order_position, output_items, ResultSet, Shaper};
use crate::data::sql::ast::{Aggregate, Expr, Select, SelectItem};
use crate::data::sql::SqlError;
use crate::data::table::Row;
use crate::data::value::{GroupKey, Value};

pub(super) enum Merge {
    Aggregate,
    /// rows carry `visible` columns then the hidden sort columns; `keys` are (column, descending)
    Order {
        visible: usize,
        keys: Vec<(usize, bool)>,
    },
}

/// The query each shard runs for a scattered SELECT without aggregates: the same, with any
/// ORDER BY expression that is not an output added as a column (as VTGate adds its weight
/// columns), so the router can merge the sorted streams.
pub(super) fn order_query(query: &Select, scope: &Scope) -> Result<(Select, Merge), SqlError> {
    let (names, items) = output_items(query, scope);
    let visible = names.len();
    let mut shard_query = query.clone();
    let mut keys = Vec::new();
    for order in &query.order_by {
        let column = match order_position(&order.expr, &names, &items)? {
            Some(i) => i,
            None => {
                // Added columns come after every output column, in the order added.
                shard_query.items.push(SelectItem::Expr { expr: order.expr.clone(), alias: None });
                visible + shard_query.items.len() - query.items.len() - 1
            }
        };
        keys.push((column, order.descending));
    }
    Ok((shard_query, Merge::Order { visible, keys }))
}

pub(super) fn merge_ordered(
    shaper: &Shaper,
    rows: Vec<Row>,
    visible: usize,
    keys: &[(usize, bool)],
    limit: Option<u64>,
) -> (ResultSet, String) {
    let mut keyed: Vec<(Vec<Value>, Row)> =
        rows.into_iter().map(|r| (keys.iter().map(|(c, _)| r[*c].clone()).collect(), r)).collect();
    let directions: Vec<bool> = keys.iter().map(|(_, d)| *d).collect();
    crate::data::exec::sort_rows(&mut keyed, &directions);
    let mut out: Vec<Row> = keyed
        .into_iter()
        .map(|(_, mut r)| {
            r.truncate(visible);
            r
        })
        .collect();
    if let Some(limit) = limit {
        out.truncate(limit.min(usize::MAX as u64) as usize);
    }
    let what = match (keys.is_empty(), limit) {
        (true, None) => "appended the shards' rows".to_string(),
        (true, Some(l)) => format!("appended the shards' rows and kept {l}"),
        (false, None) => "merged the shards' sorted rows".to_string(),
        (false, Some(l)) => format!("merged the shards' sorted rows and kept the first {l}"),
    };
    (ResultSet { columns: shaper.columns.clone(), rows: out }, what)
}

/// The query each shard runs for a scattered aggregate: its groups' keys, the columns a
/// grouped key determines, and partial aggregates (AVG becomes SUM and COUNT).
pub(super) fn partial_query(query: &Select, scope: &Scope, plan: &GroupPlan) -> Select {
    let mut items = Vec::new();
    let mut group_by = query.group_by.clone();
    for source in &plan.sources {
        match source {
            SlotSource::Key(_) => {}
            SlotSource::Determined(position) => {
                let name = scope.qualified_name(*position);
                let (table, column) = name.split_once('.').unwrap_or(("", &name));
                let expr = Expr::column(Some(table), column);
                group_by.push(expr.clone());
                items.push(expr);
            }
            SlotSource::Aggregate { function: Aggregate::Avg, written, .. } => {
                let Expr::Aggregate(_, argument) = written else { continue };
                items.push(Expr::Aggregate(Aggregate::Sum, argument.clone()));
                items.push(Expr::Aggregate(Aggregate::Count, argument.clone()));
            }
            SlotSource::Aggregate { written, .. } => items.push(written.clone()),
        }
    }
    let keys = query.group_by.iter().cloned();
    Select {
        items: keys.chain(items).map(|expr| SelectItem::Expr { expr, alias: None }).collect(),
        from: query.from.clone(),
        joins: query.joins.clone(),
        filter: query.filter.clone(),
        group_by,
        order_by: Vec::new(),
        limit: None,
    }
}

/// Regroups the shards' partial rows and finishes each aggregate.
pub(super) fn finish_partials(shaper: &Shaper, rows: Vec<Row>) -> Result<ResultSet, SqlError> {
    let plan = shaper.group.as_ref().expect("a grouped query");
    let keys = plan.keys;
    let mut groups = Groups::new(plan);
    // Partial columns: keys first, then each non-key source's one column (two for AVG).
    let mut key: Vec<GroupKey> = Vec::with_capacity(keys);
    for row in rows {
        key.clear();
        key.extend(row[..keys].iter().map(Value::group_key));
        let mut column = keys;
        for (i, (acc, source)) in groups.group(plan, &key).iter_mut().zip(&plan.sources).enumerate() {
            let width = match source {
                SlotSource::Key(_) => {
                    acc.add_value(row[i].clone()).map_err(SqlError::new)?;
                    continue;
                }
                SlotSource::Aggregate { function: Aggregate::Avg, .. } => 2,
                _ => 1,
            };
            match source {
                SlotSource::Determined(_) => acc.add_value(row[column].clone()),
                _ => acc.merge_partial(&row[column..column + width]),
            }
            .map_err(SqlError::new)?;
            column += width;
        }
    }
    let slots = groups.finish(plan).map_err(SqlError::new)?;
    shaper.finish(slots.into_iter().map(|slots| (std::borrow::Cow::Borrowed(&[][..]), slots)))
}
