//! GROUP BY and aggregates. A grouped query's outputs read "slots": its grouping keys, the
//! columns a grouped primary key determines (PostgreSQL's functional dependency), and its
//! aggregates. Accumulators also merge partial results, so a router can finish a scattered
//! aggregate: COUNT partials add, AVG is the total SUM over the total COUNT, never an average
//! of averages.

use std::collections::hash_map::Entry;

use super::bind::{bind_with, Bound, Scope};
use super::types::{expr_type, SqlType};
use crate::data::sql::ast::{Aggregate, Expr};
use crate::data::sql::SqlError;
use crate::data::value::{ArithOp, Decimal, FastMap, GroupKey, Value};

/// What a slot of a grouped row holds.
#[derive(Clone, Debug)]
pub enum SlotSource {
    /// the value of a GROUP BY expression
    Key(Bound),
    /// a column a grouped primary key determines: any row of the group has the same value
    Determined(usize),
    Aggregate {
        function: Aggregate,
        argument: Option<Bound>,
        written: Expr,
        /// a SUM of bigints, which PostgreSQL makes numeric (so `SUM(id) / COUNT(id)` divides as
        /// numeric does, keeping the fraction)
        numeric: bool,
    },
}

#[derive(Clone, Debug, Default)]
pub struct GroupPlan {
    pub sources: Vec<SlotSource>,
    /// how many of `sources` are keys (they come first)
    pub keys: usize,
    group_exprs: Vec<Expr>,
}

impl GroupPlan {
    pub fn new(scope: &Scope, group_by: &[Expr]) -> Result<GroupPlan, SqlError> {
        let mut sources = Vec::new();
        for expr in group_by {
            sources.push(SlotSource::Key(scope.bind(expr, "GROUP BY")?));
        }
        Ok(GroupPlan { sources, keys: group_by.len(), group_exprs: group_by.to_vec() })
    }

    /// Binds an output or ORDER BY expression of a grouped query to slots.
    pub fn bind(&mut self, scope: &Scope, expr: &Expr) -> Result<Bound, SqlError> {
        bind_with(expr, &mut |e| {
            if let Some(j) = self.group_exprs.iter().position(|g| g == e) {
                return Ok(Some(Bound::Slot(j)));
            }
            match e {
                Expr::Aggregate(function, argument) => {
                    let bound_arg = match argument {
                        Some(a) => Some(scope.bind(a, "aggregate arguments").map_err(|err| {
                            if err.message.starts_with("aggregate functions are not allowed") {
                                SqlError::new("aggregate function calls cannot be nested")
                            } else {
                                err
                            }
                        })?),
                        None => None,
                    };
                    let numeric = match argument {
                        Some(a) if *function == Aggregate::Sum => expr_type(scope, a)? == SqlType::BigInt,
                        _ => false,
                    };
                    let existing = self
                        .sources
                        .iter()
                        .position(|s| matches!(s, SlotSource::Aggregate { written, .. } if written == e));
                    let slot = existing.unwrap_or_else(|| {
                        self.sources.push(SlotSource::Aggregate {
                            function: *function,
                            argument: bound_arg,
                            written: e.clone(),
                            numeric,
                        });
                        self.sources.len() - 1
                    });
                    Ok(Some(Bound::Slot(slot)))
                }
                Expr::Column(c) => {
                    let (position, table) = scope.resolve(c)?;
                    Ok(Some(Bound::Slot(self.column_slot(scope, position, table)?)))
                }
                _ => Ok(None),
            }
        })
    }

    fn column_slot(&mut self, scope: &Scope, position: usize, table: usize) -> Result<usize, SqlError> {
        let grouped = |b: &SlotSource, p: usize| matches!(b, SlotSource::Key(Bound::Column(q)) if *q == p);
        if let Some(j) = self.sources[..self.keys].iter().position(|s| grouped(s, position)) {
            return Ok(j);
        }
        let entry = &scope.tables[table];
        if entry.def.key_within(|c| self.sources[..self.keys].iter().any(|s| grouped(s, entry.offset + c))) {
            let existing = self.sources.iter().position(|s| matches!(s, SlotSource::Determined(p) if *p == position));
            return Ok(existing.unwrap_or_else(|| {
                self.sources.push(SlotSource::Determined(position));
                self.sources.len() - 1
            }));
        }
        Err(SqlError::new(format!(
            "column \"{}\" must appear in the GROUP BY clause or be used in an aggregate function",
            scope.qualified_name(position)
        )))
    }

    /// Groups rows as they come (a scan feeds it row by row, so no list of rows is built): one
    /// row of slots per group, in the order groups first appear; with no GROUP BY exactly one
    /// group, even over no rows.
    pub fn start(&self) -> Grouping<'_> {
        Grouping { plan: self, groups: Groups::new(self), key: Vec::with_capacity(self.keys) }
    }

    pub fn aggregates(&self) -> impl Iterator<Item = (Aggregate, &Expr)> {
        self.sources.iter().filter_map(|s| match s {
            SlotSource::Aggregate { function, written, .. } => Some((*function, written)),
            _ => None,
        })
    }
}

/// Groups being built from rows.
pub struct Grouping<'p> {
    plan: &'p GroupPlan,
    groups: Groups,
    /// one key buffer for every row: a group's key is copied only when the group is new
    key: Vec<GroupKey>,
}

/// Groups by key, in the order they first appear, each with one accumulator per slot. The
/// accumulators of all groups lie in one list, so that a million rows in a hundred thousand
/// groups make no allocation per group beyond a key of several columns.
pub struct Groups {
    index: GroupIndex,
    accumulators: Vec<Accumulator>,
    width: usize,
    count: usize,
}

enum GroupIndex {
    /// no GROUP BY: one group
    Whole,
    /// one key, every one so far a whole number (a user id, a post id): a third of the memory
    /// per group and one multiply per hash. The first other key turns it into `One`.
    Integers(FastMap<i64, usize>),
    One(FastMap<GroupKey, usize>),
    Many(FastMap<Vec<GroupKey>, usize>),
}

impl Groups {
    pub fn new(plan: &GroupPlan) -> Groups {
        let index = match plan.keys {
            0 => GroupIndex::Whole,
            1 => GroupIndex::Integers(FastMap::default()),
            _ => GroupIndex::Many(FastMap::default()),
        };
        Groups { index, accumulators: Vec::new(), width: plan.sources.len(), count: 0 }
    }

    /// The accumulators of the group with this key (one per column of the plan's keys), made
    /// when the group is new.
    pub fn group(&mut self, plan: &GroupPlan, key: &[GroupKey]) -> &mut [Accumulator] {
        let next = self.count;
        let found = match &mut self.index {
            GroupIndex::Whole => (next > 0).then_some(0),
            GroupIndex::Integers(map) => match key[0].integer() {
                Some(k) => match map.entry(k) {
                    Entry::Occupied(g) => Some(*g.get()),
                    Entry::Vacant(slot) => {
                        slot.insert(next);
                        None
                    }
                },
                None => {
                    let general = std::mem::take(map).into_iter().map(|(k, g)| (GroupKey::Int(k.into(), 0), g));
                    self.index = GroupIndex::One(general.collect());
                    return self.group(plan, key);
                }
            },
            GroupIndex::One(map) => match map.get(&key[0]) {
                Some(g) => Some(*g),
                None => {
                    map.insert(key[0].clone(), next);
                    None
                }
            },
            GroupIndex::Many(map) => match map.get(key) {
                Some(g) => Some(*g),
                None => {
                    map.insert(key.to_vec(), next);
                    None
                }
            },
        };
        let g = found.unwrap_or_else(|| {
            self.accumulators.extend(plan.sources.iter().map(Accumulator::for_source));
            self.count += 1;
            next
        });
        &mut self.accumulators[g * self.width..(g + 1) * self.width]
    }

    /// Each group's slots, in the order the groups first appeared; with no GROUP BY exactly
    /// one group, even over no rows.
    pub fn finish(mut self, plan: &GroupPlan) -> Result<Vec<Vec<Value>>, String> {
        if self.count == 0 && plan.keys == 0 {
            self.group(plan, &[]);
        }
        let mut accumulators = self.accumulators.into_iter();
        (0..self.count).map(|_| accumulators.by_ref().take(self.width).map(Accumulator::finish).collect()).collect()
    }
}

impl Grouping<'_> {
    pub fn add(&mut self, row: &[Value]) -> Result<(), String> {
        let plan = self.plan;
        self.key.clear();
        for source in &plan.sources[..plan.keys] {
            if let SlotSource::Key(b) = source {
                self.key.push(match b {
                    // the usual GROUP BY column: read in place, not copied out first
                    Bound::Column(i) => row[*i].group_key(),
                    other => other.eval(row, &[])?.group_key(),
                });
            }
        }
        for (acc, source) in self.groups.group(plan, &self.key).iter_mut().zip(&plan.sources) {
            acc.add(source, row)?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<Vec<Vec<Value>>, String> {
        self.groups.finish(self.plan)
    }
}

/// One slot's running value for one group.
#[derive(Clone, Debug)]
pub enum Accumulator {
    /// a key or a determined column: the first row's value
    First(Option<Value>),
    Count(i64),
    /// integers are added as integers while they fit; `numeric` makes the total numeric at the end
    Sum {
        sum: Option<Value>,
        numeric: bool,
    },
    Min(Option<Value>),
    Max(Option<Value>),
    Avg {
        sum: Option<Value>,
        count: i64,
    },
}

impl Accumulator {
    pub fn for_source(source: &SlotSource) -> Accumulator {
        match source {
            SlotSource::Key(_) | SlotSource::Determined(_) => Accumulator::First(None),
            SlotSource::Aggregate { function, numeric, .. } => Accumulator::new(*function, *numeric),
        }
    }

    pub fn new(function: Aggregate, numeric: bool) -> Accumulator {
        match function {
            Aggregate::Count => Accumulator::Count(0),
            Aggregate::Sum => Accumulator::Sum { sum: None, numeric },
            Aggregate::Min => Accumulator::Min(None),
            Aggregate::Max => Accumulator::Max(None),
            Aggregate::Avg => Accumulator::Avg { sum: None, count: 0 },
        }
    }

    fn add(&mut self, source: &SlotSource, row: &[Value]) -> Result<(), String> {
        let value = match source {
            SlotSource::Key(b) => {
                if let Accumulator::First(first @ None) = self {
                    *first = Some(b.eval(row, &[])?);
                }
                return Ok(());
            }
            SlotSource::Determined(p) => {
                if let Accumulator::First(first @ None) = self {
                    *first = Some(row[*p].clone());
                }
                return Ok(());
            }
            SlotSource::Aggregate { argument: None, .. } => Value::Bool(true),
            SlotSource::Aggregate { argument: Some(b), .. } => b.eval(row, &[])?,
        };
        self.add_value(value)
    }

    /// Adds one input value (NULLs are skipped by every aggregate but COUNT(*)).
    pub fn add_value(&mut self, value: Value) -> Result<(), String> {
        if value.is_null() {
            return Ok(());
        }
        match self {
            Accumulator::First(first) => {
                first.get_or_insert(value);
            }
            Accumulator::Count(n) => *n += 1,
            Accumulator::Sum { sum, .. } => *sum = Some(add(sum.take(), &value, "sum")?),
            Accumulator::Avg { sum, count } => {
                *sum = Some(add(sum.take(), &value, "avg")?);
                *count += 1;
            }
            Accumulator::Min(best) => keep_extreme(best, value, std::cmp::Ordering::Less)?,
            Accumulator::Max(best) => keep_extreme(best, value, std::cmp::Ordering::Greater)?,
        }
        Ok(())
    }

    /// Merges a shard's partial: a COUNT adds a count, a SUM a sum, an AVG a (sum, count).
    pub fn merge_partial(&mut self, partial: &[Value]) -> Result<(), String> {
        match self {
            Accumulator::Count(n) => {
                if let Value::Int(c) = partial[0] {
                    *n += c;
                }
                Ok(())
            }
            Accumulator::Avg { sum, count } => {
                if !partial[0].is_null() {
                    *sum = Some(add(sum.take(), &partial[0], "avg")?);
                }
                if let Value::Int(c) = partial[1] {
                    *count += c;
                }
                Ok(())
            }
            _ => self.add_value(partial[0].clone()),
        }
    }

    pub fn finish(self) -> Result<Value, String> {
        Ok(match self {
            Accumulator::Sum { sum: Some(Value::Int(v)), numeric: true } => {
                Value::Decimal(Box::new(Decimal::from_int(v)))
            }
            Accumulator::First(v) | Accumulator::Sum { sum: v, .. } | Accumulator::Min(v) | Accumulator::Max(v) => {
                v.unwrap_or(Value::Null)
            }
            Accumulator::Count(n) => Value::Int(n),
            Accumulator::Avg { sum: None, .. } => Value::Null,
            Accumulator::Avg { sum: Some(sum), count } => {
                let total = match sum {
                    Value::Int(v) => Decimal::from_int(v),
                    Value::Decimal(d) => *d,
                    other => return Err(format!("function avg({}) does not exist", other.type_name())),
                };
                Value::Decimal(Box::new(total.divide(Decimal::from_int(count))?))
            }
        })
    }
}

/// MIN and MAX: keep the value when it is further in `direction` than the best so far.
fn keep_extreme(best: &mut Option<Value>, value: Value, direction: std::cmp::Ordering) -> Result<(), String> {
    let replace = match best {
        None => true,
        Some(current) => value.compare(current, "<")? == Some(direction),
    };
    if replace {
        *best = Some(value);
    }
    Ok(())
}

/// SUM's addition: integers stay integers while they fit (the cheap way), then carry on as
/// numeric.
fn add(sum: Option<Value>, value: &Value, function: &str) -> Result<Value, String> {
    match (&sum, value) {
        (_, Value::Text(_) | Value::Bool(_)) => {
            Err(format!("function {function}({}) does not exist", value.type_name()))
        }
        (None, _) => Ok(value.clone()),
        (Some(Value::Int(a)), Value::Int(b)) if a.checked_add(*b).is_some() => Ok(Value::Int(a + b)),
        (Some(Value::Int(a)), Value::Int(b)) => {
            Value::Decimal(Box::new(Decimal::from_int(*a))).arith(ArithOp::Add, &Value::Int(*b))
        }
        (Some(s), v) => s.arith(ArithOp::Add, v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GROUP BY the first column, COUNT(*).
    fn count_by_first_column() -> GroupPlan {
        let count = SlotSource::Aggregate {
            function: Aggregate::Count,
            argument: None,
            written: Expr::Aggregate(Aggregate::Count, None),
            numeric: false,
        };
        GroupPlan { sources: vec![SlotSource::Key(Bound::Column(0)), count], keys: 1, group_exprs: Vec::new() }
    }

    #[test]
    fn integer_keys_then_others_group_as_one_kind_of_key_would() {
        let plan = count_by_first_column();
        let mut grouping = plan.start();
        let half = Value::Decimal(Box::new(Decimal { units: 5, scale: 1 }));
        let one_point_zero = Value::Decimal(Box::new(Decimal { units: 10, scale: 1 }));
        // Whole numbers first (the integer index), then a fraction, a text and a NULL turn it
        // general; 1.0 is still the group of 1.
        let keys = [Value::Int(1), Value::Int(2), half.clone(), Value::Int(1), crate::data::value::text("x")];
        for key in keys.iter().chain([&Value::Null, &one_point_zero, &Value::Null]) {
            grouping.add(std::slice::from_ref(key)).unwrap();
        }
        let groups: Vec<(String, String)> =
            grouping.finish().unwrap().into_iter().map(|g| (g[0].to_string(), g[1].to_string())).collect();
        let expected = [("1", "3"), ("2", "1"), ("0.5", "1"), ("x", "1"), ("NULL", "2")];
        assert_eq!(groups, expected.map(|(k, n)| (k.to_string(), n.to_string())));
    }
}
