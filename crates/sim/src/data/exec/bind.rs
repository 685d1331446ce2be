//! Names to positions: a query's column references are resolved once, against the tables in its
//! FROM, into expressions over row positions that evaluate fast. PostgreSQL's rules and words:
//! an alias hides its table's name, an unqualified name must be unique, and in a grouped query a
//! column must be grouped, aggregated, or determined by a grouped primary key.

use std::borrow::Cow;
use std::rc::Rc;

use crate::data::schema::TableDef;
use crate::data::sql::ast::{ColumnRef, CompareOp, Expr, Select};
use crate::data::sql::SqlError;
use crate::data::value::{ArithOp, Value};

/// One table of the FROM clause and where its columns start in a joined row.
#[derive(Clone, Debug)]
pub struct ScopeTable {
    pub reference: String,
    pub def: Rc<TableDef>,
    pub offset: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub tables: Vec<ScopeTable>,
}

/// An expression over positions: `Column` reads the input row, `Slot` reads the grouped row.
#[derive(Clone, Debug)]
pub enum Bound {
    Column(usize),
    Slot(usize),
    Literal(Value),
    Negate(Box<Bound>),
    Arith(ArithOp, Box<Bound>, Box<Bound>),
    Compare(CompareOp, Box<Bound>, Box<Bound>),
    And(Box<Bound>, Box<Bound>),
    Or(Box<Bound>, Box<Bound>),
    Not(Box<Bound>),
    IsNull(Box<Bound>, bool),
    Between(Box<Bound>, Box<Bound>, Box<Bound>, bool),
    InList(Box<Bound>, Vec<Bound>, bool),
}

impl Scope {
    /// A query's FROM and JOIN tables, looked up in `defs`; `None` when one does not exist (the
    /// binder reports it, with the tables there are).
    pub fn of_query(query: &Select, defs: &dyn Fn(&str) -> Option<Rc<TableDef>>) -> Option<Scope> {
        let mut scope = Scope::default();
        for table in std::iter::once(&query.from).chain(query.joins.iter().map(|j| &j.table)) {
            scope.push(table.reference(), defs(&table.name)?);
        }
        Some(scope)
    }

    pub fn width(&self) -> usize {
        self.tables.iter().map(|t| t.def.columns.len()).sum()
    }

    pub fn push(&mut self, reference: &str, def: Rc<TableDef>) {
        let offset = self.width();
        self.tables.push(ScopeTable { reference: reference.to_string(), def, offset });
    }

    /// The position of a column in the joined row, and which FROM entry it belongs to.
    pub fn resolve(&self, column: &ColumnRef) -> Result<(usize, usize), SqlError> {
        match &column.table {
            Some(table) => {
                let Some(t) = self.tables.iter().position(|t| &t.reference == table) else {
                    if let Some(hidden) = self.tables.iter().find(|t| &t.def.name == table) {
                        return Err(SqlError::hinted(
                            format!("invalid reference to FROM-clause entry for table \"{table}\""),
                            &format!("Perhaps you meant to reference the table alias \"{}\".", hidden.reference),
                        ));
                    }
                    return Err(SqlError::new(format!("missing FROM-clause entry for table \"{table}\"")));
                };
                let entry = &self.tables[t];
                match entry.def.column(&column.column) {
                    Some(c) => Ok((entry.offset + c, t)),
                    None => Err(SqlError::new(format!(
                        "column {table}.{} does not exist: {} has {}",
                        column.column,
                        entry.def.name,
                        entry.def.column_names().join(", ")
                    ))),
                }
            }
            None => {
                let found: Vec<(usize, usize)> = self
                    .tables
                    .iter()
                    .enumerate()
                    .filter_map(|(t, entry)| entry.def.column(&column.column).map(|c| (entry.offset + c, t)))
                    .collect();
                match found.as_slice() {
                    [one] => Ok(*one),
                    [] => {
                        let known: Vec<String> = self
                            .tables
                            .iter()
                            .map(|t| format!("{} ({})", t.def.name, t.def.column_names().join(", ")))
                            .collect();
                        Err(SqlError::hinted(
                            format!("column \"{}\" does not exist", column.column),
                            &format!("The columns are {}.", known.join("; ")),
                        ))
                    }
                    _ => Err(SqlError::hinted(
                        format!("column reference \"{}\" is ambiguous", column.column),
                        &format!("Write it with its table, as {}.{}.", self.tables[0].reference, column.column),
                    )),
                }
            }
        }
    }

    /// The name PostgreSQL writes for a column in its messages: `users.name`.
    pub fn qualified_name(&self, position: usize) -> String {
        for t in &self.tables {
            if position >= t.offset && position < t.offset + t.def.columns.len() {
                return format!("{}.{}", t.reference, t.def.columns[position - t.offset].name);
            }
        }
        format!("column {position}")
    }

    /// Binds an expression without aggregates (a WHERE, or a row of an ungrouped query).
    pub fn bind(&self, expr: &Expr, place: &str) -> Result<Bound, SqlError> {
        bind_with(expr, &mut |e| match e {
            Expr::Column(c) => self.resolve(c).map(|(p, _)| Some(Bound::Column(p))),
            Expr::Aggregate(..) => Err(SqlError::new(format!("aggregate functions are not allowed in {place}"))),
            _ => Ok(None),
        })
    }
}

/// Binds an expression, letting `leaf` take over any node it recognises.
pub fn bind_with(
    expr: &Expr,
    leaf: &mut dyn FnMut(&Expr) -> Result<Option<Bound>, SqlError>,
) -> Result<Bound, SqlError> {
    if let Some(bound) = leaf(expr)? {
        return Ok(bound);
    }
    let mut b = |e: &Expr| bind_with(e, leaf).map(Box::new);
    Ok(match expr {
        Expr::Literal(v) => Bound::Literal(v.clone()),
        Expr::Negate(e) => Bound::Negate(b(e)?),
        Expr::Arith(op, x, y) => Bound::Arith(*op, b(x)?, b(y)?),
        Expr::Compare(op, x, y) => Bound::Compare(*op, b(x)?, b(y)?),
        Expr::And(x, y) => Bound::And(b(x)?, b(y)?),
        Expr::Or(x, y) => Bound::Or(b(x)?, b(y)?),
        Expr::Not(e) => Bound::Not(b(e)?),
        Expr::IsNull { expr, negated } => Bound::IsNull(b(expr)?, *negated),
        Expr::Between { expr, low, high, negated } => Bound::Between(b(expr)?, b(low)?, b(high)?, *negated),
        Expr::InList { expr, list, negated } => {
            let list = list.iter().map(|e| bind_with(e, leaf)).collect::<Result<_, _>>()?;
            Bound::InList(bind_with(expr, leaf).map(Box::new)?, list, *negated)
        }
        Expr::Column(c) => return Err(SqlError::new(format!("column \"{c}\" cannot be used here"))),
        Expr::Aggregate(..) => return Err(SqlError::new("aggregate function calls cannot be nested")),
    })
}

/// Evaluation: SQL's three-valued logic (NULL is unknown), errors for types that do not mix.
impl Bound {
    pub fn eval(&self, row: &[Value], slots: &[Value]) -> Result<Value, String> {
        Ok(match self {
            Bound::Column(_) | Bound::Slot(_) | Bound::Literal(_) => self.operand(row, slots)?.into_owned(),
            Bound::Negate(e) => Value::Int(0).arith(ArithOp::Subtract, &*e.operand(row, slots)?)?,
            Bound::Arith(op, a, b) => a.operand(row, slots)?.arith(*op, &*b.operand(row, slots)?)?,
            Bound::Compare(op, a, b) => compare(*op, &*a.operand(row, slots)?, &*b.operand(row, slots)?)?,
            Bound::And(a, b) => {
                and(truth(&*a.operand(row, slots)?, "AND")?, || truth(&*b.operand(row, slots)?, "AND"))?
            }
            // a OR b is NOT (NOT a AND NOT b) in three-valued logic too.
            Bound::Or(a, b) => from_truth(not(and(not(truth(&*a.operand(row, slots)?, "OR")?), || {
                Ok(not(truth(&*b.operand(row, slots)?, "OR")?))
            })?)),
            Bound::Not(e) => from_truth(not(truth(&*e.operand(row, slots)?, "NOT")?)),
            Bound::IsNull(e, negated) => Value::Bool(e.operand(row, slots)?.is_null() != *negated),
            Bound::Between(e, low, high, negated) => {
                let v = e.operand(row, slots)?;
                let above = truth(&compare(CompareOp::GtEq, &v, &*low.operand(row, slots)?)?, "BETWEEN")?;
                let below = truth(&compare(CompareOp::LtEq, &v, &*high.operand(row, slots)?)?, "BETWEEN")?;
                let inside = and(above, || Ok(below))?;
                if *negated {
                    from_truth(not(truth(&inside, "BETWEEN")?))
                } else {
                    inside
                }
            }
            Bound::InList(e, list, negated) => {
                // x IN (a, b) is x = a OR x = b: true if any is, else unknown if any is unknown.
                let v = e.operand(row, slots)?;
                let mut result = Some(false);
                for item in list {
                    match truth(&compare(CompareOp::Eq, &v, &*item.operand(row, slots)?)?, "IN")? {
                        Some(true) => {
                            result = Some(true);
                            break;
                        }
                        None => result = None,
                        Some(false) => {}
                    }
                }
                from_truth(if *negated { not(result) } else { result })
            }
        })
    }

    /// A value to compute with: a column, slot or literal is read where it lies rather than
    /// copied (copying a text touches its shared count, a cache miss on a row just read).
    fn operand<'a>(&'a self, row: &'a [Value], slots: &'a [Value]) -> Result<Cow<'a, Value>, String> {
        Ok(match self {
            Bound::Column(i) => Cow::Borrowed(&row[*i]),
            Bound::Slot(i) => Cow::Borrowed(&slots[*i]),
            Bound::Literal(v) => Cow::Borrowed(v),
            computed => Cow::Owned(computed.eval(row, slots)?),
        })
    }

    /// A WHERE keeps a row only when its condition is true (not false, not unknown).
    pub fn keeps(&self, row: &[Value]) -> Result<bool, String> {
        Ok(truth(&self.eval(row, &[])?, "WHERE")? == Some(true))
    }
}

/// Three-valued AND: false wins, then unknown.
fn and(left: Option<bool>, right: impl FnOnce() -> Result<Option<bool>, String>) -> Result<Value, String> {
    if left == Some(false) {
        return Ok(Value::Bool(false));
    }
    Ok(match (left, right()?) {
        (_, Some(false)) => Value::Bool(false),
        (Some(true), Some(true)) => Value::Bool(true),
        _ => Value::Null,
    })
}

fn not(v: impl Into<TruthIn>) -> Option<bool> {
    match v.into() {
        TruthIn(Some(b)) => Some(!b),
        TruthIn(None) => None,
    }
}

/// Lets `not` take a truth value or a value (for OR as NOT(NOT a AND NOT b)).
struct TruthIn(Option<bool>);
impl From<Option<bool>> for TruthIn {
    fn from(v: Option<bool>) -> Self {
        TruthIn(v)
    }
}
impl From<Value> for TruthIn {
    fn from(v: Value) -> Self {
        TruthIn(match v {
            Value::Bool(b) => Some(b),
            _ => None,
        })
    }
}

fn from_truth(v: Option<bool>) -> Value {
    v.map_or(Value::Null, Value::Bool)
}

fn compare(op: CompareOp, a: &Value, b: &Value) -> Result<Value, String> {
    Ok(match a.compare(b, op.symbol())? {
        Some(order) => Value::Bool(op.holds(order)),
        None => Value::Null,
    })
}

/// A value as a truth value; `context` is what PostgreSQL names in its refusal (WHERE, AND…).
fn truth(v: &Value, context: &str) -> Result<Option<bool>, String> {
    match v {
        Value::Bool(b) => Ok(Some(*b)),
        Value::Null => Ok(None),
        other => Err(format!("argument of {context} must be type boolean, not type {}", other.type_name())),
    }
}
