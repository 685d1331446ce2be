//! A value in a row, and SQL's arithmetic and comparison over values, as PostgreSQL does them:
//! integer arithmetic is `bigint` (it truncates on division and refuses overflow), decimals are
//! `numeric` (exact, with PostgreSQL's result scales), text compares byte by byte (the `C`
//! collation), and NULL makes every comparison unknown.

use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// Boxed so that a value stays 24 bytes: stored rows never hold one, results may.
    Decimal(Box<Decimal>),
    Text(Rc<str>),
}

/// An exact decimal: `units / 10^scale`, as PostgreSQL's `numeric` with its display scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    pub units: i128,
    pub scale: u32,
}

/// PostgreSQL's `NUMERIC_MIN_SIG_DIGITS`: a quotient keeps at least this many significant digits.
const MIN_SIG_DIGITS: i64 = 16;
/// The largest scale we carry (PostgreSQL allows 1000; 30 keeps i128 exact for our magnitudes).
const MAX_SCALE: u32 = 30;

pub fn text(s: &str) -> Value {
    Value::Text(Rc::from(s))
}

impl Decimal {
    pub fn from_int(v: i64) -> Decimal {
        Decimal { units: v as i128, scale: 0 }
    }

    fn rescaled(self, scale: u32) -> Option<i128> {
        self.units.checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    /// Parses `12.50`, `-3`, `.5` (the text of a numeric literal).
    pub fn parse(s: &str) -> Option<Decimal> {
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut units: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            units = units.checked_mul(10)?.checked_add((b - b'0') as i128)?;
        }
        let scale = u32::try_from(fraction.len()).ok().filter(|s| *s <= MAX_SCALE)?;
        Some(Decimal { units: if negative { -units } else { units }, scale })
    }

    fn add(self, other: Decimal, subtract: bool) -> Result<Decimal, String> {
        let scale = self.scale.max(other.scale);
        let a = self.rescaled(scale).ok_or_else(out_of_range)?;
        let b = other.rescaled(scale).ok_or_else(out_of_range)?;
        let units = if subtract { a.checked_sub(b) } else { a.checked_add(b) };
        Ok(Decimal { units: units.ok_or_else(out_of_range)?, scale })
    }

    fn mul(self, other: Decimal) -> Result<Decimal, String> {
        let scale = self.scale + other.scale;
        if scale > MAX_SCALE {
            return Err(out_of_range());
        }
        Ok(Decimal { units: self.units.checked_mul(other.units).ok_or_else(out_of_range)?, scale })
    }

    /// PostgreSQL's `numeric_div`: the result scale is `select_div_scale`'s (at least 16
    /// significant digits, never fewer decimals than either input), rounded half away from zero.
    pub fn divide(self, other: Decimal) -> Result<Decimal, String> {
        if other.units == 0 {
            return Err("division by zero".into());
        }
        let scale = div_scale(self, other);
        // units = round(a / b * 10^scale) = round(a.units * 10^(scale + b.scale - a.scale) / b.units)
        let shift = scale as i64 + other.scale as i64 - self.scale as i64;
        let (numerator, denominator) = if shift >= 0 {
            (self.units.checked_mul(10i128.checked_pow(shift as u32).ok_or_else(out_of_range)?), other.units)
        } else {
            (
                Some(self.units),
                other
                    .units
                    .checked_mul(10i128.checked_pow((-shift) as u32).ok_or_else(out_of_range)?)
                    .ok_or_else(out_of_range)?,
            )
        };
        let numerator = numerator.ok_or_else(out_of_range)?;
        let quotient = numerator / denominator;
        let remainder = numerator % denominator;
        let round_away = remainder.unsigned_abs() * 2 >= denominator.unsigned_abs();
        let units = if round_away { quotient + (numerator.signum() * denominator.signum()) } else { quotient };
        Ok(Decimal { units, scale })
    }

    fn cmp(self, other: Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        match (self.rescaled(scale), other.rescaled(scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Too large to rescale exactly: compare as floats (only at magnitudes beyond 10^38).
            _ => self.to_f64().total_cmp(&other.to_f64()),
        }
    }

    /// Rounded half away from zero, as PostgreSQL casts numeric to bigint.
    pub fn round_to_integer(self) -> i128 {
        let divisor = 10i128.pow(self.scale);
        let (q, r) = (self.units / divisor, self.units % divisor);
        if r.unsigned_abs() * 2 >= divisor.unsigned_abs() && self.scale > 0 {
            q + self.units.signum()
        } else {
            q
        }
    }

    pub fn to_f64(self) -> f64 {
        self.units as f64 / libm::pow(10.0, self.scale as f64)
    }
}

/// PostgreSQL's `select_div_scale` (numeric.c), on base-10000 digits as it counts them.
fn div_scale(a: Decimal, b: Decimal) -> u32 {
    let (weight_a, first_a) = base10000_lead(a);
    let (weight_b, first_b) = base10000_lead(b);
    let mut quotient_weight = weight_a - weight_b;
    if first_a <= first_b {
        quotient_weight -= 1;
    }
    let scale = (MIN_SIG_DIGITS - quotient_weight * 4).max(a.scale as i64).max(b.scale as i64).max(0);
    (scale as u32).min(MAX_SCALE)
}

/// The weight and value of a decimal's first non-zero base-10000 digit (0, 0 for zero).
fn base10000_lead(d: Decimal) -> (i64, i128) {
    if d.units == 0 {
        return (0, 0);
    }
    // Align the scale to a multiple of 4 so that base-10000 digits sit on whole groups.
    let pad = (4 - d.scale % 4) % 4;
    let mut units = d.units.unsigned_abs() * 10u128.pow(pad);
    let mut weight = -(((d.scale + pad) / 4) as i64);
    let mut digit = 0;
    while units > 0 {
        digit = (units % 10_000) as i128;
        units /= 10_000;
        weight += 1;
    }
    (weight - 1, digit)
}

fn out_of_range() -> String {
    "numeric value out of range".into()
}

fn bigint_out_of_range() -> String {
    "bigint out of range".into()
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.units.unsigned_abs().to_string();
        let sign = if self.units < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The name PostgreSQL gives the value's type in its messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "unknown",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "bigint",
            Value::Decimal(_) => "numeric",
            Value::Text(_) => "text",
        }
    }

    fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int(v) => Some(Decimal::from_int(*v)),
            Value::Decimal(d) => Some(**d),
            _ => None,
        }
    }

    /// SQL arithmetic; NULL in, NULL out.
    pub fn arith(&self, op: ArithOp, other: &Value) -> Result<Value, String> {
        if self.is_null() || other.is_null() {
            return Ok(Value::Null);
        }
        if let (Value::Int(a), Value::Int(b)) = (self, other) {
            let (a, b) = (*a, *b);
            let result = match op {
                ArithOp::Add => a.checked_add(b),
                ArithOp::Subtract => a.checked_sub(b),
                ArithOp::Multiply => a.checked_mul(b),
                ArithOp::Divide | ArithOp::Modulo if b == 0 => return Err("division by zero".into()),
                ArithOp::Divide => a.checked_div(b),
                ArithOp::Modulo => Some(a.wrapping_rem(b)),
            };
            return result.map(Value::Int).ok_or_else(bigint_out_of_range);
        }
        let (Some(a), Some(b)) = (self.as_decimal(), other.as_decimal()) else {
            return Err(format!("operator does not exist: {} {} {}", self.type_name(), op.symbol(), other.type_name()));
        };
        let result = match op {
            ArithOp::Add => a.add(b, false)?,
            ArithOp::Subtract => a.add(b, true)?,
            ArithOp::Multiply => a.mul(b)?,
            ArithOp::Divide => a.divide(b)?,
            ArithOp::Modulo => {
                if b.units == 0 {
                    return Err("division by zero".into());
                }
                let scale = a.scale.max(b.scale);
                let (x, y) = (a.rescaled(scale).ok_or_else(out_of_range)?, b.rescaled(scale).ok_or_else(out_of_range)?);
                Decimal { units: x % y, scale }
            }
        };
        Ok(Value::Decimal(Box::new(result)))
    }

    /// SQL comparison: `None` when either side is NULL (unknown); an error for types that do
    /// not compare (`operator does not exist: bigint = text`, as PostgreSQL says it).
    pub fn compare(&self, other: &Value, op_symbol: &str) -> Result<Option<Ordering>, String> {
        match (self, other) {
            (Value::Null, _) | (_, Value::Null) => Ok(None),
            (Value::Text(a), Value::Text(b)) => Ok(Some(a.as_bytes().cmp(b.as_bytes()))),
            (Value::Bool(a), Value::Bool(b)) => Ok(Some(a.cmp(b))),
            (Value::Int(a), Value::Int(b)) => Ok(Some(a.cmp(b))),
            _ => match (self.as_decimal(), other.as_decimal()) {
                (Some(a), Some(b)) => Ok(Some(a.cmp(b))),
                _ => Err(format!("operator does not exist: {} {op_symbol} {}", self.type_name(), other.type_name())),
            },
        }
    }

    /// The order of `ORDER BY` and of indexes: NULLs after every value (PostgreSQL's default
    /// for ascending order), then by SQL comparison; values of types that do not compare order
    /// by type so that sorting never fails.
    pub fn sort_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Greater,
            (_, Value::Null) => Ordering::Less,
            _ => match self.compare(other, "=") {
                Ok(Some(order)) => order,
                _ => self.type_rank().cmp(&other.type_rank()),
            },
        }
    }

    fn type_rank(&self) -> u8 {
        match self {
            Value::Null => 4,
            Value::Bool(_) => 0,
            Value::Int(_) | Value::Decimal(_) => 1,
            Value::Text(_) => 2,
        }
    }

    /// Bytes the value takes on disk and on the wire (PostgreSQL's sizes: 8 for bigint, a
    /// 1-byte header plus the text, 8 + 2 per 4 digits for numeric).
    pub fn width(&self) -> u64 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 8,
            Value::Decimal(d) => 8 + 2 * (d.units.unsigned_abs().to_string().len() as u64).div_ceil(4),
            Value::Text(s) => 1 + s.len() as u64,
        }
    }

    /// A key that groups equal values together (`GROUP BY`, hash joins): 1 and 1.0 are one key.
    pub fn group_key(&self) -> GroupKey {
        match self {
            Value::Null => GroupKey::Null,
            Value::Bool(b) => GroupKey::Int(*b as i128, 0),
            Value::Int(v) => GroupKey::Int(*v as i128, 0),
            Value::Decimal(d) => {
                let (mut units, mut scale) = (d.units, d.scale);
                while scale > 0 && units % 10 == 0 {
                    units /= 10;
                    scale -= 1;
                }
                GroupKey::Int(units, scale)
            }
            Value::Text(s) => GroupKey::Text(s.clone()),
        }
    }
}

/// A map for grouping and hash joins, hashed the Fx way (rustc's): a multiply and a rotate per
/// word, several times faster than the default SipHash, and no need to resist collisions
/// chosen by an attacker in a seeded teaching database.
pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

#[derive(Default)]
pub struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    fn write_u8(&mut self, v: u8) {
        self.add(v as u64);
    }
    fn write_u32(&mut self, v: u32) {
        self.add(v as u64);
    }
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    fn write_i128(&mut self, v: i128) {
        self.add(v as u64);
        self.add((v >> 64) as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hashable, totally ordered stand-in for a value (see [`Value::group_key`]). Numbers are
/// kept as `units / 10^scale` without trailing zeros, so equal numbers are one key, and they
/// order by value: an index range from 2.5 to 6 holds 3, 4 and 5.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GroupKey {
    Null,
    Int(i128, u32),
    Text(Rc<str>),
}

impl Ord for GroupKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (GroupKey::Int(a, sa), GroupKey::Int(b, sb)) => compare_scaled(*a, *sa, *b, *sb),
            (GroupKey::Text(a), GroupKey::Text(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for GroupKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl GroupKey {
    /// A whole number that fits in 64 bits, as the integer index and the integer grouping keep it.
    pub fn integer(&self) -> Option<i64> {
        match self {
            GroupKey::Int(units, 0) => i64::try_from(*units).ok(),
            _ => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            GroupKey::Null => 0,
            GroupKey::Int(..) => 1,
            GroupKey::Text(_) => 2,
        }
    }
}

/// Compares `a / 10^sa` with `b / 10^sb` exactly. Bringing the smaller scale up to the larger
/// can overflow; a number that overflows i128 so is larger in magnitude than the other, so its
/// sign decides.
fn compare_scaled(a: i128, sa: u32, b: i128, sb: u32) -> Ordering {
    if sa == sb {
        return a.cmp(&b);
    }
    let (low, high, flipped) = if sa < sb { (a, b, false) } else { (b, a, true) };
    let raised = if low == 0 { Some(0) } else { 10i128.checked_pow(sa.abs_diff(sb)).and_then(|f| low.checked_mul(f)) };
    let order = match raised {
        Some(low) => low.cmp(&high),
        None if low < 0 => Ordering::Less,
        None => Ordering::Greater,
    };
    if flipped {
        order.reverse()
    } else {
        order
    }
}

impl ArithOp {
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Subtract => "-",
            ArithOp::Multiply => "*",
            ArithOp::Divide => "/",
            ArithOp::Modulo => "%",
        }
    }
}

impl fmt::Display for Value {
    /// As psql prints a value (NULL as an empty cell is psql's default; we write NULL so a
    /// student sees it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Bool(b) => f.write_str(if *b { "t" } else { "f" }),
            Value::Int(v) => write!(f, "{v}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Text(s) => f.write_str(s),
        }
    }
}

/// A row's bytes on disk and on the wire: its values' widths.
pub fn row_width(row: &[Value]) -> u64 {
    row.iter().map(Value::width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s).unwrap()
    }

    #[test]
    fn integer_division_truncates_toward_zero_as_bigint_does() {
        assert_eq!(Value::Int(7).arith(ArithOp::Divide, &Value::Int(2)), Ok(Value::Int(3)));
        assert_eq!(Value::Int(-7).arith(ArithOp::Divide, &Value::Int(2)), Ok(Value::Int(-3)));
        assert_eq!(Value::Int(-7).arith(ArithOp::Modulo, &Value::Int(2)), Ok(Value::Int(-1)));
        assert_eq!(Value::Int(1).arith(ArithOp::Divide, &Value::Int(0)), Err("division by zero".into()));
        assert_eq!(Value::Int(i64::MAX).arith(ArithOp::Add, &Value::Int(1)), Err("bigint out of range".into()));
    }

    #[test]
    fn numeric_division_keeps_postgresqls_scale() {
        // SELECT 3::numeric / 2 → 1.5000000000000000; 123456789 / 1000 → 123456.789000000000
        assert_eq!(dec("3").divide(dec("2")).unwrap().to_string(), "1.5000000000000000");
        assert_eq!(dec("123456789").divide(dec("1000")).unwrap().to_string(), "123456.789000000000");
        // 1 / 3 → 0.33333333333333333333 (20 decimals: the quotient's weight is -1)
        assert_eq!(dec("1").divide(dec("3")).unwrap().to_string(), "0.33333333333333333333");
        assert_eq!(dec("2").divide(dec("3")).unwrap().to_string(), "0.66666666666666666667");
        assert_eq!(dec("10.50").divide(dec("4")).unwrap().to_string(), "2.6250000000000000");
    }

    #[test]
    fn null_makes_comparisons_unknown_and_sorts_last() {
        assert_eq!(Value::Null.compare(&Value::Int(1), "="), Ok(None));
        assert_eq!(Value::Null.sort_cmp(&Value::Int(1)), Ordering::Greater);
        assert_eq!(Value::Int(1).compare(&Value::Decimal(Box::new(dec("1.0"))), "="), Ok(Some(Ordering::Equal)));
        assert_eq!(Value::Int(1).group_key(), Value::Decimal(Box::new(dec("1.00"))).group_key());
        assert!(Value::Int(1).compare(&text("1"), "=").unwrap_err().contains("bigint = text"));
    }

    #[test]
    fn keys_order_by_value_whatever_their_scale() {
        let key = |s: &str| Value::Decimal(Box::new(dec(s))).group_key();
        assert!(key("2.5") < Value::Int(3).group_key());
        assert!(Value::Int(2).group_key() < key("2.5"));
        assert!(key("-2.5") < Value::Int(-2).group_key());
        assert!(key("0.001") > Value::Int(0).group_key());
        assert_eq!(key("5.000").cmp(&Value::Int(5).group_key()), Ordering::Equal);
        // Too large to bring to the other's scale: the sign decides.
        let huge = GroupKey::Int(i128::MAX / 3, 0);
        assert!(huge > GroupKey::Int(1, 30));
        assert!(GroupKey::Int(-(i128::MAX / 3), 0) < GroupKey::Int(-1, 30));
        assert!(GroupKey::Int(0, 0) < GroupKey::Int(1, 60));
        assert!(GroupKey::Null < GroupKey::Int(i128::MIN, 0));
        assert!(GroupKey::Int(i128::MAX, 0) < text("a").group_key());
    }
}
