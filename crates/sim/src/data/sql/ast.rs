//! The statements of the subset a student can type, as the parser builds them and the printer
//! writes them back (the SQL each shard receives is printed from these).

use super::error::SqlError;
use crate::data::value::{ArithOp, Value};

#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    Select(Select),
    Insert(Insert),
    Update(Update),
    Delete(Delete),
    Explain(Box<Statement>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Select {
    pub items: Vec<SelectItem>,
    pub from: TableRef,
    /// At most one from the parser; a vertical split's rewrite may add a second.
    pub joins: Vec<Join>,
    pub filter: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub order_by: Vec<OrderItem>,
    /// As written: a negative count is refused when the statement runs (`Shaper::new`), after
    /// every mistake its analysis finds, as PostgreSQL's executor refuses it.
    pub limit: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SelectItem {
    /// `*`, or `t.*`: every column of one FROM or JOIN entry, named by its reference
    Wildcard(Option<String>),
    Expr {
        expr: Expr,
        alias: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableRef {
    pub name: String,
    pub alias: Option<String>,
}

impl TableRef {
    /// The name the query's columns use for it: the alias when there is one.
    pub fn reference(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    pub kind: JoinKind,
    pub table: TableRef,
    /// `ON left = right`
    pub on: (ColumnRef, ColumnRef),
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderItem {
    pub expr: Expr,
    pub descending: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnRef {
    pub table: Option<String>,
    pub column: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Column(ColumnRef),
    Literal(Value),
    Negate(Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    /// `COUNT(*)` has no argument.
    Aggregate(Aggregate, Option<Box<Expr>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Insert {
    pub table: String,
    pub columns: Option<Vec<String>>,
    pub rows: Vec<Vec<Expr>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub table: String,
    /// `UPDATE users u SET …`: the name its WHERE and SET read the table by (until the
    /// statement is resolved, which qualifies columns by the table's own name)
    pub alias: Option<String>,
    pub assignments: Vec<(String, Expr)>,
    pub filter: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Delete {
    pub table: String,
    /// as `Update::alias`
    pub alias: Option<String>,
    pub filter: Option<Expr>,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::NotEq => "<>",
            CompareOp::Lt => "<",
            CompareOp::LtEq => "<=",
            CompareOp::Gt => ">",
            CompareOp::GtEq => ">=",
        }
    }

    pub fn holds(self, order: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CompareOp::Eq => order == Equal,
            CompareOp::NotEq => order != Equal,
            CompareOp::Lt => order == Less,
            CompareOp::LtEq => order != Greater,
            CompareOp::Gt => order == Greater,
            CompareOp::GtEq => order != Less,
        }
    }

    /// `a op b` is `b flipped a`.
    pub fn flipped(self) -> CompareOp {
        match self {
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::LtEq => CompareOp::GtEq,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::GtEq => CompareOp::LtEq,
            other => other,
        }
    }
}

impl Aggregate {
    /// The name PostgreSQL gives the output column, and the function's SQL name.
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
            Aggregate::Avg => "avg",
        }
    }
}

impl Expr {
    pub fn column(table: Option<&str>, column: &str) -> Expr {
        Expr::Column(ColumnRef { table: table.map(str::to_string), column: column.to_string() })
    }

    /// Visits this expression and every one inside it.
    pub fn walk(&self, visit: &mut dyn FnMut(&Expr)) {
        visit(self);
        match self {
            Expr::Column(_) | Expr::Literal(_) | Expr::Aggregate(_, None) => {}
            Expr::Negate(e) | Expr::Not(e) | Expr::IsNull { expr: e, .. } | Expr::Aggregate(_, Some(e)) => {
                e.walk(visit)
            }
            Expr::Arith(_, a, b) | Expr::Compare(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            Expr::Between { expr, low, high, .. } => {
                expr.walk(visit);
                low.walk(visit);
                high.walk(visit);
            }
            Expr::InList { expr, list, .. } => {
                expr.walk(visit);
                list.iter().for_each(|e| e.walk(visit));
            }
        }
    }

    /// Rewrites every column reference in place.
    pub fn map_columns(&mut self, change: &mut dyn FnMut(&mut ColumnRef)) {
        match self {
            Expr::Column(c) => change(c),
            Expr::Literal(_) | Expr::Aggregate(_, None) => {}
            Expr::Negate(e) | Expr::Not(e) | Expr::IsNull { expr: e, .. } | Expr::Aggregate(_, Some(e)) => {
                e.map_columns(change)
            }
            Expr::Arith(_, a, b) | Expr::Compare(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                a.map_columns(change);
                b.map_columns(change);
            }
            Expr::Between { expr, low, high, .. } => {
                expr.map_columns(change);
                low.map_columns(change);
                high.map_columns(change);
            }
            Expr::InList { expr, list, .. } => {
                expr.map_columns(change);
                list.iter_mut().for_each(|e| e.map_columns(change));
            }
        }
    }

    /// A number expression of constants alone, folded as PostgreSQL's planner folds it: in 32
    /// bits while every constant fits them (`2147483647 + 1` is out of range), else in 64 bits
    /// or numeric. `None` when it reads a column, a quoted constant or NULL.
    pub fn folded_number(&self) -> Option<Result<Value, SqlError>> {
        match self.integer_constant() {
            Some(folded) => Some(folded.map(|v| Value::Int(v.into()))),
            None => self.number_constant(),
        }
    }

    /// The value of a number expression of constants alone (in 64 bits or numeric); `None` when
    /// it reads a column, a quoted constant or NULL.
    pub fn number_constant(&self) -> Option<Result<Value, SqlError>> {
        let (op, a, b) = match self {
            Expr::Literal(v @ (Value::Int(_) | Value::Decimal(_))) => return Some(Ok(v.clone())),
            Expr::Negate(e) => (ArithOp::Subtract, Ok(Value::Int(0)), e.number_constant()?),
            Expr::Arith(op, a, b) => (*op, a.number_constant()?, b.number_constant()?),
            _ => return None,
        };
        Some(a.and_then(|a| a.arith(op, &b?).map_err(SqlError::new)))
    }

    /// The value of an `integer` expression of constants alone, computed in 32 bits as
    /// PostgreSQL computes it; `None` for anything else.
    pub fn integer_constant(&self) -> Option<Result<i32, SqlError>> {
        let out_of_range = || SqlError::new("integer out of range");
        Some(match self {
            Expr::Literal(Value::Int(v)) => Ok(i32::try_from(*v).ok()?),
            Expr::Negate(e) => e.integer_constant()?.and_then(|v| v.checked_neg().ok_or_else(out_of_range)),
            Expr::Arith(op, a, b) => {
                let (a, b) = (a.integer_constant()?, b.integer_constant()?);
                a.and_then(|a| {
                    let b = b?;
                    if b == 0 && matches!(op, ArithOp::Divide | ArithOp::Modulo) {
                        return Err(SqlError::new("division by zero"));
                    }
                    match op {
                        ArithOp::Add => a.checked_add(b),
                        ArithOp::Subtract => a.checked_sub(b),
                        ArithOp::Multiply => a.checked_mul(b),
                        ArithOp::Divide => a.checked_div(b),
                        // (-2147483648 % -1 is 0 in PostgreSQL, where Rust's would overflow)
                        ArithOp::Modulo => Some(a.checked_rem(b).unwrap_or(0)),
                    }
                    .ok_or_else(out_of_range)
                })
            }
            _ => return None,
        })
    }

    pub fn has_aggregate(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| found |= matches!(e, Expr::Aggregate(..)));
        found
    }

    /// `column op constant` (either way round), the constant not NULL: a condition the
    /// planner can never know false before reading a row.
    pub fn is_column_against_constant(&self) -> bool {
        let constant = |e: &Expr| matches!(e, Expr::Literal(v) if !v.is_null());
        match self {
            Expr::Compare(_, a, b) => {
                (matches!(**a, Expr::Column(_)) && constant(b)) || (matches!(**b, Expr::Column(_)) && constant(a))
            }
            _ => false,
        }
    }

    /// The conjuncts of a `WHERE`: `a AND (b AND c)` is `[a, b, c]`.
    pub fn conjuncts(&self) -> Vec<&Expr> {
        match self {
            Expr::And(a, b) => {
                let mut out = a.conjuncts();
                out.extend(b.conjuncts());
                out
            }
            other => vec![other],
        }
    }

    /// Joins conjuncts back with AND (`None` for none).
    pub fn all_of(parts: Vec<Expr>) -> Option<Expr> {
        parts.into_iter().reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
    }
}

impl Statement {
    /// The table a write names (None for a SELECT).
    pub fn written_table(&self) -> Option<&str> {
        match self {
            Statement::Insert(i) => Some(&i.table),
            Statement::Update(u) => Some(&u.table),
            Statement::Delete(d) => Some(&d.table),
            Statement::Select(_) => None,
            Statement::Explain(inner) => inner.written_table(),
        }
    }
}

/// PostgreSQL's partitioning DDL, the subset a layout is typed in.
#[derive(Clone, Debug, PartialEq)]
pub enum Ddl {
    /// `CREATE TABLE t (…) PARTITION BY RANGE|LIST|HASH (col)`; the column list is the shop's
    /// table, and only its constraints are read from it: PRIMARY KEY and UNIQUE (`unique`), and
    /// the columns declared NOT NULL (`not_null`)
    Partitioned {
        table: String,
        strategy: PartitionStrategy,
        column: String,
        unique: Vec<UniqueKey>,
        not_null: Vec<String>,
        at: usize,
    },
    /// `CREATE TABLE p PARTITION OF t FOR VALUES …` or `… DEFAULT`
    Partition { name: String, parent: String, bound: WrittenBound, at: usize },
}

/// A PRIMARY KEY or UNIQUE constraint written in a partitioned table's column list.
#[derive(Clone, Debug, PartialEq)]
pub struct UniqueKey {
    /// "PRIMARY KEY" or "UNIQUE", as PostgreSQL names the kind in its messages
    pub kind: &'static str,
    pub columns: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionStrategy {
    Range,
    List,
    Hash,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RangeEdge {
    MinValue,
    MaxValue,
    Value(Value),
}

/// A `FOR VALUES` clause as the grammar reads it: each value an expression, with where it
/// starts, until `data::partition` checks it against the partitioned table's key.
#[derive(Clone, Debug, PartialEq)]
pub enum WrittenBound {
    Range { from: Vec<(Expr, usize)>, to: Vec<(Expr, usize)> },
    List(Vec<(Expr, usize)>),
    Hash { modulus: i64, remainder: i64 },
    Default,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BoundSpec {
    Range { from: RangeEdge, to: RangeEdge },
    List(Vec<Value>),
    Hash { modulus: i64, remainder: i64 },
    Default,
}

impl PartitionStrategy {
    pub fn name(self) -> &'static str {
        match self {
            PartitionStrategy::Range => "range",
            PartitionStrategy::List => "list",
            PartitionStrategy::Hash => "hash",
        }
    }
}
