//! What a WHERE clause says about one column: the values it can take. Indexes read it to narrow
//! a scan, the router to pick shards (partitions prune as PostgreSQL's planner does, in
//! `pruning`). Only conditions that must hold for
//! every returned row count (a conjunct, or an OR whose every side says something), so a
//! narrowing never drops a row the query would return.

use std::ops::Bound as Edge;

use super::exec::bind::Scope;
use super::sql::ast::{CompareOp, Expr};
use super::table::KeyRange;
use super::value::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum KeyFilter {
    /// nothing known
    Any,
    /// one of these values (equality or IN)
    Values(Vec<Value>),
    Range(Edge<Value>, Edge<Value>),
    IsNull,
    /// no value can match (e.g. `k = 1 AND k = 2`)
    Nothing,
}

impl KeyFilter {
    /// The filter of a WHERE on the column at `position` of `scope`.
    pub fn of(filter: Option<&Expr>, scope: &Scope, position: usize) -> KeyFilter {
        let Some(filter) = filter else { return KeyFilter::Any };
        filter
            .conjuncts()
            .into_iter()
            .map(|c| KeyFilter::of_condition(c, scope, position))
            .fold(KeyFilter::Any, KeyFilter::and)
    }

    fn of_condition(expr: &Expr, scope: &Scope, position: usize) -> KeyFilter {
        let is_key = |e: &Expr| matches!(e, Expr::Column(c) if scope.resolve(c).map(|(p, _)| p) == Ok(position));
        let literal = |e: &Expr| match e {
            Expr::Literal(v) if !v.is_null() => Some(v.clone()),
            _ => None,
        };
        match expr {
            Expr::Compare(op, a, b) => {
                let (op, value) = if is_key(a) {
                    (*op, literal(b))
                } else if is_key(b) {
                    (op.flipped(), literal(a))
                } else {
                    return KeyFilter::Any;
                };
                let Some(v) = value else { return KeyFilter::Any };
                match op {
                    CompareOp::Eq => KeyFilter::Values(vec![v]),
                    CompareOp::NotEq => KeyFilter::Any,
                    CompareOp::Lt => KeyFilter::Range(Edge::Unbounded, Edge::Excluded(v)),
                    CompareOp::LtEq => KeyFilter::Range(Edge::Unbounded, Edge::Included(v)),
                    CompareOp::Gt => KeyFilter::Range(Edge::Excluded(v), Edge::Unbounded),
                    CompareOp::GtEq => KeyFilter::Range(Edge::Included(v), Edge::Unbounded),
                }
            }
            Expr::Between { expr, low, high, negated: false } if is_key(expr) => match (literal(low), literal(high)) {
                (Some(l), Some(h)) => KeyFilter::Range(Edge::Included(l), Edge::Included(h)),
                _ => KeyFilter::Any,
            },
            Expr::InList { expr, list, negated: false } if is_key(expr) => {
                let values: Option<Vec<Option<Value>>> = list
                    .iter()
                    .map(|e| match e {
                        Expr::Literal(Value::Null) => Some(None),
                        other => literal(other).map(Some),
                    })
                    .collect();
                match values {
                    Some(values) => KeyFilter::Values(values.into_iter().flatten().collect()),
                    None => KeyFilter::Any,
                }
            }
            Expr::IsNull { expr, negated: false } if is_key(expr) => KeyFilter::IsNull,
            Expr::Or(a, b) => KeyFilter::of(Some(a), scope, position).or(KeyFilter::of(Some(b), scope, position)),
            Expr::And(..) => KeyFilter::of(Some(expr), scope, position),
            _ => KeyFilter::Any,
        }
    }

    /// Both hold.
    pub fn and(self, other: KeyFilter) -> KeyFilter {
        use KeyFilter::*;
        match (self, other) {
            (Nothing, _) | (_, Nothing) => Nothing,
            (Any, f) | (f, Any) => f,
            (IsNull, IsNull) => IsNull,
            (IsNull, _) | (_, IsNull) => Nothing,
            (Values(a), Values(b)) => {
                Values(a.into_iter().filter(|v| b.iter().any(|w| same(v, w))).collect()).empty_is_nothing()
            }
            (Values(a), Range(l, h)) | (Range(l, h), Values(a)) => {
                Values(a.into_iter().filter(|v| within(v, &l, &h)).collect()).empty_is_nothing()
            }
            (Range(l1, h1), Range(l2, h2)) => Range(tighter(l1, l2, true), tighter(h1, h2, false)),
        }
    }

    /// Either holds (the smallest filter that covers both).
    pub fn or(self, other: KeyFilter) -> KeyFilter {
        use KeyFilter::*;
        match (self, other) {
            (Nothing, f) | (f, Nothing) => f,
            (Values(mut a), Values(b)) => {
                for v in b {
                    if !a.iter().any(|w| same(&v, w)) {
                        a.push(v);
                    }
                }
                Values(a)
            }
            _ => Any,
        }
    }

    fn empty_is_nothing(self) -> KeyFilter {
        match self {
            KeyFilter::Values(v) if v.is_empty() => KeyFilter::Nothing,
            other => other,
        }
    }

    /// The index read this filter allows (None: scan).
    pub fn key_range(&self) -> Option<KeyRange> {
        match self {
            KeyFilter::Values(v) => Some(KeyRange::Equal(v.clone())),
            KeyFilter::Range(l, h) => Some(KeyRange::Between(l.clone(), h.clone())),
            KeyFilter::Nothing => Some(KeyRange::Equal(Vec::new())),
            KeyFilter::Any | KeyFilter::IsNull => None,
        }
    }

    /// Could a row with this key value pass?
    pub fn admits(&self, v: &Value) -> bool {
        match self {
            KeyFilter::Any => true,
            KeyFilter::Nothing => false,
            KeyFilter::IsNull => v.is_null(),
            KeyFilter::Values(values) => values.iter().any(|w| same(v, w)),
            KeyFilter::Range(l, h) => within(v, l, h),
        }
    }
}

fn same(a: &Value, b: &Value) -> bool {
    a.compare(b, "=") == Ok(Some(std::cmp::Ordering::Equal))
}

/// Is `v` inside the range? NULL never is; values that do not compare with the bounds are kept
/// (the query's own condition will raise the type error).
pub fn within(v: &Value, low: &Edge<Value>, high: &Edge<Value>) -> bool {
    use std::cmp::Ordering::*;
    if v.is_null() {
        return false;
    }
    let above = match low {
        Edge::Unbounded => true,
        Edge::Included(l) => !matches!(v.compare(l, ">="), Ok(Some(Less))),
        Edge::Excluded(l) => !matches!(v.compare(l, ">"), Ok(Some(Less | Equal))),
    };
    let below = match high {
        Edge::Unbounded => true,
        Edge::Included(h) => !matches!(v.compare(h, "<="), Ok(Some(Greater))),
        Edge::Excluded(h) => !matches!(v.compare(h, "<"), Ok(Some(Greater | Equal))),
    };
    above && below
}

/// The tighter of two lower (`lower`) or upper bounds.
fn tighter(a: Edge<Value>, b: Edge<Value>, lower: bool) -> Edge<Value> {
    use std::cmp::Ordering::*;
    let value = |e: &Edge<Value>| match e {
        Edge::Included(v) | Edge::Excluded(v) => Some(v.clone()),
        Edge::Unbounded => None,
    };
    let (Some(va), Some(vb)) = (value(&a), value(&b)) else {
        return if matches!(a, Edge::Unbounded) { b } else { a };
    };
    match va.compare(&vb, "<") {
        Ok(Some(Equal)) => {
            if matches!(a, Edge::Excluded(_)) {
                a
            } else {
                b
            }
        }
        Ok(Some(order)) => {
            let a_is_tighter = (order == Greater) == lower;
            if a_is_tighter {
                a
            } else {
                b
            }
        }
        _ => a,
    }
}
