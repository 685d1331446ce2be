//! Constants typed by their context, as PostgreSQL types an unknown literal: `id = '5'`
//! compares with 5, `created_at < '2025-03-01'` with midnight, and `name = 5` is refused.

use super::bind::Scope;
use crate::data::schema::ColumnType;
use crate::data::sql::ast::Expr;
use crate::data::sql::SqlError;
use crate::data::value::Value;

impl Scope {
    /// Gives literals compared with a column that column's type, as PostgreSQL types an
    /// unknown literal from its context: `id = '5'` compares with 5, `created_at < '2025-03-01'`
    /// with midnight, and `name = 5` is refused.
    pub fn coerce_literals(&self, expr: &Expr) -> Result<Expr, SqlError> {
        let mut out = expr.clone();
        self.coerce_in(&mut out)?;
        Ok(out)
    }

    fn coerce_in(&self, expr: &mut Expr) -> Result<(), SqlError> {
        let column_type = |e: &Expr| match e {
            Expr::Column(c) => self.resolve(c).ok().map(|(p, _)| self.column_type(p)),
            _ => None,
        };
        match expr {
            Expr::Compare(op, a, b) => {
                if let Some(ty) = column_type(a) {
                    coerce(ty, b, op.symbol())?;
                } else if let Some(ty) = column_type(b) {
                    coerce(ty, a, op.symbol())?;
                }
                self.coerce_in(a)?;
                self.coerce_in(b)
            }
            Expr::Between { expr: e, low, high, .. } => {
                if let Some(ty) = column_type(e) {
                    coerce(ty, low, ">=")?;
                    coerce(ty, high, "<=")?;
                }
                Ok(())
            }
            Expr::InList { expr: e, list, .. } => {
                if let Some(ty) = column_type(e) {
                    for item in list.iter_mut() {
                        coerce(ty, item, "=")?;
                    }
                }
                Ok(())
            }
            Expr::And(a, b) | Expr::Or(a, b) => {
                self.coerce_in(a)?;
                self.coerce_in(b)
            }
            Expr::Not(e) => self.coerce_in(e),
            _ => Ok(()),
        }
    }

    pub fn column_type(&self, position: usize) -> ColumnType {
        for t in &self.tables {
            if position >= t.offset && position < t.offset + t.def.columns.len() {
                return t.def.columns[position - t.offset].ty;
            }
        }
        ColumnType::Text
    }
}

fn coerce(ty: ColumnType, expr: &mut Expr, op: &str) -> Result<(), SqlError> {
    if let Expr::Literal(v) = expr {
        *v = coerce_value(ty, v.clone(), op)?;
    }
    Ok(())
}

/// A literal's value as a column of type `ty` reads it, with PostgreSQL's messages.
pub fn coerce_value(ty: ColumnType, v: Value, op: &str) -> Result<Value, SqlError> {
    match (ty, v) {
        (_, Value::Null) => Ok(Value::Null),
        (ColumnType::BigInt, Value::Text(s)) => s
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| SqlError::new(format!("invalid input syntax for type bigint: \"{s}\""))),
        (ColumnType::Timestamp, Value::Text(s)) => {
            normalize_timestamp(&s).map(|t| crate::data::value::text(&t)).ok_or_else(|| {
                SqlError::new(format!(
                    "invalid input syntax for type timestamp: \"{s}\": write '2025-03-01' or '2025-03-01 14:30:00'"
                ))
            })
        }
        (ColumnType::Text | ColumnType::Timestamp, v @ (Value::Int(_) | Value::Decimal(_) | Value::Bool(_))) => {
            let literal_type = if matches!(v, Value::Int(_)) { "integer" } else { v.type_name() };
            Err(SqlError::new(format!(
                "operator does not exist: {} {op} {literal_type}: put the value in single quotes",
                ty.sql_name()
            )))
        }
        (ColumnType::BigInt, v @ Value::Bool(_)) => {
            Err(SqlError::new(format!("operator does not exist: bigint {op} {}", v.type_name())))
        }
        (_, v) => Ok(v),
    }
}

/// `2025-03-01`, `2025-03-01 14:30`, `2025-03-01T14:30:00` → `2025-03-01 14:30:00`.
pub fn normalize_timestamp(s: &str) -> Option<String> {
    let s = s.trim();
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, t.trim()),
        None => (s, "00:00:00"),
    };
    let d: Vec<u32> = date.split('-').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let t: Vec<u32> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [y, m, day] = d.as_slice() else { return None };
    let (h, min, sec) = match t.as_slice() {
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    const DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let valid_day =
        *m >= 1 && *m <= 12 && *day >= 1 && (*day <= DAYS[*m as usize - 1]) && !(*m == 2 && *day == 29 && !leap);
    if !(1..=9999).contains(y) || !valid_day || h > 23 || min > 59 || sec > 59 {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{sec:02}"))
}
