//! Constants typed by their context, as PostgreSQL types an unknown literal: `id = '5'`
//! compares with 5, `created_at < '2025-03-01'` with midnight, and `name = 5` is refused.

use super::bind::Scope;
use super::types::SqlType;
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

    /// The type an expression gives an unknown literal beside it: a column's own, and bigint
    /// for arithmetic on bigints.
    fn literal_context(&self, e: &Expr) -> Option<ColumnType> {
        match e {
            Expr::Column(c) => self.resolve(c).ok().map(|(p, _)| self.column_type(p)),
            Expr::Arith(_, a, b) => {
                [a, b].into_iter().find_map(|x| self.literal_context(x)).filter(|t| *t == ColumnType::BigInt)
            }
            Expr::Negate(x) => self.literal_context(x),
            _ => None,
        }
    }

    /// Types a literal on one side of a binary operator from the other side, when that side's
    /// type is one the operator takes a literal as; then looks inside both sides.
    fn coerce_pair(
        &self,
        a: &mut Expr,
        b: &mut Expr,
        op: &str,
        takes: impl Fn(ColumnType) -> bool,
    ) -> Result<(), SqlError> {
        if let Some(ty) = self.literal_context(a).filter(|t| takes(*t)) {
            coerce(ty, b, op)?;
        } else if let Some(ty) = self.literal_context(b).filter(|t| takes(*t)) {
            coerce(ty, a, op)?;
        }
        self.coerce_in(a)?;
        self.coerce_in(b)
    }

    fn coerce_in(&self, expr: &mut Expr) -> Result<(), SqlError> {
        match expr {
            // `id + '1'`: PostgreSQL reads the literal as a bigint, as it would beside `=`.
            Expr::Arith(op, a, b) => self.coerce_pair(a, b, op.symbol(), |t| t == ColumnType::BigInt),
            Expr::Negate(e) => self.coerce_in(e),
            Expr::Compare(op, a, b) => self.coerce_pair(a, b, op.symbol(), |_| true),
            Expr::Between { expr: e, low, high, .. } => {
                if let Some(ty) = self.literal_context(e) {
                    coerce(ty, low, ">=")?;
                    coerce(ty, high, "<=")?;
                }
                Ok(())
            }
            Expr::InList { expr: e, list, .. } => {
                if let Some(ty) = self.literal_context(e) {
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
        (ColumnType::Timestamp, Value::Text(s)) => match read_timestamp(&s) {
            Ok(t) => Ok(crate::data::value::text(&t)),
            Err(TimestampError::OutOfRange) => {
                Err(SqlError::new(format!("date/time field value out of range: \"{s}\"")))
            }
            Err(TimestampError::MonthOrDayOutOfRange) => Err(SqlError::hinted(
                format!("date/time field value out of range: \"{s}\""),
                "Perhaps you need a different \"datestyle\" setting.",
            )),
            Err(TimestampError::SpecialValue) => Err(SqlError::hinted(
                format!("timestamp '{s}' is not in the subset of SQL this console runs"),
                "PostgreSQL reads it from its clock or takes it as infinite; a replayable run has no clock, and this console no infinity. Write a date such as '2025-03-01'.",
            )),
            Err(TimestampError::Malformed) => Err(SqlError::hinted(
                format!("invalid input syntax for type timestamp: \"{s}\""),
                "Write a timestamp as '2025-03-01' or '2025-03-01 14:30:00'.",
            )),
        },
        (ColumnType::Text | ColumnType::Timestamp, v @ (Value::Int(_) | Value::Decimal(_) | Value::Bool(_))) => {
            Err(super::types::no_operator(
                format!(
                    "operator does not exist: {} {op} {}",
                    SqlType::of_column(ty).name(),
                    SqlType::of_literal(&v).name()
                ),
                true,
            ))
        }
        (ColumnType::BigInt, v @ Value::Bool(_)) => {
            Err(super::types::no_operator(format!("operator does not exist: bigint {op} {}", v.type_name()), false))
        }
        (_, v) => Ok(v),
    }
}

/// Why a text is no timestamp, in PostgreSQL's two words for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampError {
    /// not a date and time at all (`invalid input syntax for type timestamp`)
    Malformed,
    /// a date or time that does not exist, such as 30 February or 25 o'clock (`date/time field
    /// value out of range`)
    OutOfRange,
    /// a month outside 1–12 or a day outside 1–31, which PostgreSQL blames on the date's order
    /// (datetime.c's `DTERR_MD_FIELD_OVERFLOW`: the same message, with a hint at `datestyle`)
    MonthOrDayOutOfRange,
    /// `now`, `today`, `tomorrow`, `yesterday`, `infinity`, `-infinity`: PostgreSQL's special
    /// inputs that read its clock or mean no date at all
    SpecialValue,
}

/// `2025-03-01`, `2025-03-01 14:30`, `2025-03-01T14:30:00.25` → `2025-03-01 14:30:00`,
/// `2025-03-01 14:30:00.25`: the text a timestamp column stores, which sorts as the times do.
/// As PostgreSQL, `24:00:00` and a 60th second roll over into the next minute or day, and
/// fractions of a second are kept to the microsecond.
pub fn read_timestamp(s: &str) -> Result<String, TimestampError> {
    use TimestampError::{Malformed, MonthOrDayOutOfRange, OutOfRange, SpecialValue};
    let s = s.trim();
    match s.to_ascii_lowercase().as_str() {
        "epoch" => return Ok("1970-01-01 00:00:00".into()),
        "now" | "today" | "tomorrow" | "yesterday" | "infinity" | "-infinity" => return Err(SpecialValue),
        _ => {}
    }
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, t.trim()),
        None => (s, "00:00:00"),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let number = |p: &str| if all_digits(p) { p.parse::<u32>().ok() } else { None };
    let d: Vec<u32> = date.split('-').map(number).collect::<Option<_>>().ok_or(Malformed)?;
    let [y, m, day] = d[..] else { return Err(Malformed) };
    let (whole, fraction) = match time.split_once('.') {
        Some((w, f)) if all_digits(f) => (w, f),
        Some(_) => return Err(Malformed),
        None => (time, ""),
    };
    let t: Vec<u32> = whole.split(':').map(number).collect::<Option<_>>().ok_or(Malformed)?;
    let (h, min, sec) = match t[..] {
        [h, m] if fraction.is_empty() => (h, m, 0),
        [h, m, s] => (h, m, s),
        _ => return Err(Malformed),
    };
    // Microseconds, rounded as PostgreSQL rounds a longer fraction.
    let micros = {
        let digits: String = fraction.chars().chain(std::iter::repeat('0')).take(7).collect();
        let seven: u64 = digits.parse().map_err(|_| Malformed)?;
        (seven + 5) / 10
    };
    let days_in = |y: u32, m: u32| crate::calendar::days_in_month(y.into(), m);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return Err(MonthOrDayOutOfRange);
    }
    if !(1..=9999).contains(&y) || day > days_in(y, m) {
        return Err(OutOfRange);
    }
    // 24:00:00 exactly, and a 60th second, are allowed and roll over.
    let at_24 = h == 24 && min == 0 && sec == 0 && micros == 0;
    if (h > 23 && !at_24) || min > 59 || sec > 60 {
        return Err(OutOfRange);
    }
    let mut micros_of_day = ((h as u64 * 60 + min as u64) * 60 + sec as u64) * 1_000_000 + micros;
    let (mut y, mut m, mut day) = (y, m, day);
    if micros_of_day >= 86_400 * 1_000_000 {
        micros_of_day -= 86_400 * 1_000_000;
        day += 1;
        if day > days_in(y, m) {
            (day, m) = (1, m + 1);
            if m > 12 {
                (m, y) = (1, y + 1);
            }
        }
        if y > 9999 {
            return Err(OutOfRange);
        }
    }
    let seconds = micros_of_day / 1_000_000;
    let (h, min, sec) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut text = format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{sec:02}");
    let fraction = micros_of_day % 1_000_000;
    if fraction > 0 {
        text.push_str(format!(".{fraction:06}").trim_end_matches('0'));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::{read_timestamp, TimestampError::*};

    #[test]
    fn timestamps_are_read_as_postgresql_reads_them() {
        // PostgreSQL's rules (datetime.c): a 24:00:00 or a 60th second rolls over, fractions are
        // kept to the microsecond, and a day that does not exist is out of range.
        for (input, stored) in [
            ("2025-03-01", "2025-03-01 00:00:00"),
            ("2025-3-1 9:05", "2025-03-01 09:05:00"),
            ("2025-03-01T14:30:00", "2025-03-01 14:30:00"),
            ("2024-02-29 10:00:00.250", "2024-02-29 10:00:00.25"),
            ("2025-03-01 10:00:00.1234567", "2025-03-01 10:00:00.123457"),
            ("2025-12-31 24:00:00", "2026-01-01 00:00:00"),
            ("2025-02-28 23:59:60.5", "2025-03-01 00:00:00.5"),
        ] {
            assert_eq!(read_timestamp(input).as_deref(), Ok(stored), "{input}");
        }
        assert_eq!(read_timestamp(" Epoch ").as_deref(), Ok("1970-01-01 00:00:00"));
        for input in
            ["2025-02-29", "2025-04-31", "0000-01-01", "2025-01-01 25:00:00", "2025-01-01 24:00:01", "2025-01-01 10:60"]
        {
            assert_eq!(read_timestamp(input), Err(OutOfRange), "{input}");
        }
        // the cases PostgreSQL hints may be in the wrong date order
        for input in ["2025-13-01", "2025-00-10", "2025-01-32", "2025-01-00"] {
            assert_eq!(read_timestamp(input), Err(MonthOrDayOutOfRange), "{input}");
        }
        for input in ["now", "Today", "yesterday", "tomorrow", "infinity", "-infinity"] {
            assert_eq!(read_timestamp(input), Err(SpecialValue), "{input}");
        }
        for input in ["abc", "2025/03/01", "2025-03", "2025-03-01 10", "2025-03-01 10:00:00.x", "2025--03-01"] {
            assert_eq!(read_timestamp(input), Err(Malformed), "{input}");
        }
    }
}
