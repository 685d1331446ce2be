//! PostgreSQL's hash functions for hash partitioning (src/common/hashfn.c, utils/adt/hashfunc.c
//! and partbounds.c's `compute_partition_hash_value`), so that a row lands in the partition a
//! real PostgreSQL puts it in. The tests hold placements read off a PostgreSQL 15 server for
//! bigint, text and timestamp keys.

use super::schema::ColumnType;
use super::value::Value;

/// `HASH_PARTITION_SEED` in partbounds.c.
const PARTITION_SEED: u64 = 0x7A5B_2236_7996_DCFD;

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

fn seeded(len: u32, seed: u64) -> (u32, u32, u32) {
    let start = 0x9e37_79b9u32.wrapping_add(len).wrapping_add(3_923_095);
    let (mut a, mut b, mut c) = (start, start, start);
    if seed != 0 {
        a = a.wrapping_add((seed >> 32) as u32);
        b = b.wrapping_add(seed as u32);
        mix(&mut a, &mut b, &mut c);
    }
    (a, b, c)
}

/// `hash_bytes_uint32_extended`
pub fn hash_uint32_extended(k: u32, seed: u64) -> u64 {
    let (mut a, mut b, mut c) = seeded(4, seed);
    a = a.wrapping_add(k);
    final_mix(&mut a, &mut b, &mut c);
    ((b as u64) << 32) | c as u64
}

/// `hash_bytes_extended`, little-endian byte order (PostgreSQL's result on x86 and ARM).
pub fn hash_bytes_extended(k: &[u8], seed: u64) -> u64 {
    let (mut a, mut b, mut c) = seeded(k.len() as u32, seed);
    let word = |s: &[u8]| u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let mut rest = k;
    while rest.len() >= 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    // The last 11 bytes; the lowest byte of c is left for the length, as hashfn.c does.
    let byte = |i: usize| rest.get(i).copied().unwrap_or(0) as u32;
    c = c.wrapping_add(byte(10) << 24).wrapping_add(byte(9) << 16).wrapping_add(byte(8) << 8);
    b = b.wrapping_add(byte(7) << 24).wrapping_add(byte(6) << 16).wrapping_add(byte(5) << 8).wrapping_add(byte(4));
    a = a.wrapping_add(byte(3) << 24).wrapping_add(byte(2) << 16).wrapping_add(byte(1) << 8).wrapping_add(byte(0));
    final_mix(&mut a, &mut b, &mut c);
    ((b as u64) << 32) | c as u64
}

/// `hashint8extended`: the same as int4's for values that fit in 32 bits.
pub fn hash_int8_extended(v: i64, seed: u64) -> u64 {
    let low = v as u32;
    let high = (v >> 32) as u32;
    let folded = if v >= 0 { low ^ high } else { low ^ !high };
    hash_uint32_extended(folded, seed)
}

/// `2025-03-01 14:30:00` as microseconds since 2000-01-01 00:00:00 (PostgreSQL's epoch).
pub fn timestamp_micros(s: &str) -> Option<i64> {
    let n = |range: std::ops::Range<usize>| s.get(range).and_then(|p| p.parse::<i64>().ok());
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13).unwrap_or(0), n(14..16).unwrap_or(0), n(17..19).unwrap_or(0));
    // The fraction a stored timestamp keeps (`.000001`: at most six digits).
    let fraction = s.get(19..).and_then(|f| f.strip_prefix('.')).unwrap_or("");
    let micros: i64 = fraction.chars().chain(std::iter::repeat('0')).take(6).collect::<String>().parse().unwrap_or(0);
    // Days from the civil date (Howard Hinnant's algorithm), then from 2000-01-01.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468 - 10_957;
    Some(((days * 24 + hh) * 60 + mm) * 60_000_000 + ss * 1_000_000 + micros)
}

/// `hash_combine64`
fn combine64(a: u64, b: u64) -> u64 {
    a ^ b.wrapping_add(0x49a0_f4dd_15e5_a8e3).wrapping_add(a << 54).wrapping_add(a >> 7)
}

/// The row hash of a one-column partition key; a NULL key hashes to 0 (it lands in remainder 0).
/// A timestamp hashes as PostgreSQL stores it: microseconds since 2000-01-01, as an int8.
pub fn partition_hash(key: &Value, ty: ColumnType) -> u64 {
    let h = match key {
        Value::Null => return 0,
        Value::Text(s) if ty == ColumnType::Timestamp => {
            hash_int8_extended(timestamp_micros(s).unwrap_or(0), PARTITION_SEED)
        }
        Value::Int(v) => hash_int8_extended(*v, PARTITION_SEED),
        Value::Bool(b) => hash_uint32_extended(*b as u32, PARTITION_SEED),
        Value::Text(s) => hash_bytes_extended(s.as_bytes(), PARTITION_SEED),
        Value::Decimal(d) => hash_bytes_extended(d.to_string().as_bytes(), PARTITION_SEED),
    };
    combine64(0, h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::value::text;

    /// Placements read off PostgreSQL 15 (`tableoid::regclass` after inserting the keys).
    #[test]
    fn rows_land_where_postgresql_puts_them() {
        let remainder = |v: Value, m: u64| {
            partition_hash(&v, if matches!(v, Value::Int(_)) { ColumnType::BigInt } else { ColumnType::Text }) % m
        };
        let by_remainder = [(0, vec![1, 12]), (1, vec![3, 5, 8, 9, 11]), (2, vec![2]), (3, vec![4, 6, 7, 10])];
        for (r, ids) in by_remainder {
            for id in ids {
                assert_eq!(remainder(Value::Int(id), 4), r, "id {id}");
            }
        }
        let moments = [
            (2, "1999-12-31 23:59:59"),
            (1, "2024-02-29 00:00:01"),
            (2, "2025-01-01 00:00:00"),
            (0, "2025-03-05 10:20:30"),
            (2, "2025-07-04 12:00:00"),
        ];
        for (r, moment) in moments {
            assert_eq!(partition_hash(&text(moment), ColumnType::Timestamp) % 3, r, "timestamp {moment}");
        }
        for (r, words) in
            [(0, vec!["a much longer country name here"]), (1, vec!["DE", "IN", "x"]), (2, vec!["", "BR", "US"])]
        {
            for w in words {
                assert_eq!(remainder(text(w), 3), r, "text {w:?}");
            }
        }
    }
}
