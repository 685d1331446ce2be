//! Where a shard key's rows live, by each strategy the lesson compares, and how many keys move
//! when a shard is added. A key's keyspace id is the one Vitess's `xxhash` vindex computes:
//! XXH64 of the key's text (`42` for the integer 42), written little-endian; shard names are
//! Vitess keyranges over those 8 bytes.

use super::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// `hash(key) mod N`
    HashMod,
    /// Vitess: each shard owns a range of keyspace ids (`-80`, `80-`)
    KeyRange,
    /// Karger et al.'s ring, with virtual nodes per shard
    Consistent,
    /// Lamping & Veach's jump consistent hash; an integer key is its own 64-bit key
    Jump,
    /// a lookup table of key → shard, kept by the router
    Directory,
}

pub const STRATEGIES: [Strategy; 5] =
    [Strategy::HashMod, Strategy::KeyRange, Strategy::Consistent, Strategy::Jump, Strategy::Directory];

impl Strategy {
    pub fn label(self) -> &'static str {
        match self {
            Strategy::HashMod => "hash mod N",
            Strategy::KeyRange => "keyspace-id ranges (Vitess)",
            Strategy::Consistent => "consistent hashing",
            Strategy::Jump => "jump consistent hash",
            Strategy::Directory => "directory (lookup table)",
        }
    }

    /// The name a Vitess VSchema would give the strategy's primary vindex, which Vitess's
    /// errors quote (`invalid update on vindex: xxhash`).
    pub fn vindex_name(self) -> &'static str {
        match self {
            Strategy::HashMod => "hash_mod",
            Strategy::KeyRange => "xxhash",
            Strategy::Consistent => "consistent_hash",
            Strategy::Jump => "jump_hash",
            Strategy::Directory => "directory",
        }
    }
}

/// XXH64 with seed 0 (Yann Collet's xxHash, 64-bit).
pub fn xxh64(input: &[u8]) -> u64 {
    const P1: u64 = 0x9E37_79B1_85EB_CA87;
    const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const P3: u64 = 0x1656_67B1_9E37_79F9;
    const P4: u64 = 0x85EB_CA77_C2B2_AE63;
    const P5: u64 = 0x27D4_EB2F_1656_67C5;
    let round = |acc: u64, lane: u64| acc.wrapping_add(lane.wrapping_mul(P2)).rotate_left(31).wrapping_mul(P1);
    let merge = |acc: u64, v: u64| (acc ^ round(0, v)).wrapping_mul(P1).wrapping_add(P4);
    let u64_at = |s: &[u8]| u64::from_le_bytes(s[..8].try_into().expect("8 bytes"));
    let mut rest = input;
    let mut h = if input.len() >= 32 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)];
        while rest.len() >= 32 {
            for (i, lane) in v.iter_mut().enumerate() {
                *lane = round(*lane, u64_at(&rest[i * 8..]));
            }
            rest = &rest[32..];
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for lane in v {
            h = merge(h, lane);
        }
        h
    } else {
        P5
    };
    h = h.wrapping_add(input.len() as u64);
    while rest.len() >= 8 {
        h = (h ^ round(0, u64_at(rest))).rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let word = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")) as u64;
        h = (h ^ word.wrapping_mul(P1)).rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for &byte in rest {
        h = (h ^ (byte as u64).wrapping_mul(P5)).rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

/// A key's keyspace id, its 8 bytes read as one big-endian number, so that comparing ids compares
/// the bytes as Vitess's keyranges do. The `xxhash` vindex writes the hash little-endian
/// (`binary.LittleEndian.PutUint64`), so the hash's lowest byte is the id's first.
pub fn keyspace_id(key: &Value) -> u64 {
    xxh64(key.to_string().as_bytes()).swap_bytes()
}

/// Jump consistent hash, as published (Lamping & Veach 2014, figure 1).
pub fn jump_hash(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j): (i64, i64) = (-1, 0);
    while j < buckets as i64 {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1i64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

/// Vitess's shard names for N even keyranges (`key.GenerateShardRanges`): two hex digits up to
/// 256 shards, each end truncated from the exact share.
pub fn keyrange_names(shards: u32) -> Vec<String> {
    let (digits, max) = if shards <= 256 { (2, 256u64) } else { (4, 65_536u64) };
    let size = max as f64 / shards as f64;
    let mut start = 0u64;
    (1..=shards)
        .map(|i| {
            let end = (i as f64 * size) as u64;
            let hex = |v: u64| format!("{v:0digits$x}");
            let name = format!(
                "{}-{}",
                if start == 0 { String::new() } else { hex(start) },
                if end == max { String::new() } else { hex(end) }
            );
            start = end;
            name
        })
        .collect()
}

/// A keyrange's bounds as keyspace ids: `40-80` is [0x40.., 0x80..); an empty end is 2^64.
pub fn parse_keyrange(name: &str) -> Option<(u64, Option<u64>)> {
    let (start, end) = name.split_once('-')?;
    let edge = |s: &str| -> Option<Option<u64>> {
        if s.is_empty() {
            return Some(None);
        }
        if s.len() > 16 || !s.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let v = u64::from_str_radix(s, 16).ok()?;
        Some(Some(v << (64 - 4 * s.len() as u32)))
    };
    let start = edge(start)?.unwrap_or(0);
    let end = edge(end)?;
    if end.is_some_and(|e| e <= start) {
        return None;
    }
    Some((start, end))
}

/// A keyrange's name from its bounds, each written as its bytes without trailing zero bytes
/// (`0x40 << 56` is `40`), as Vitess writes keyrange boundaries.
pub fn keyrange_name(start: u64, end: Option<u64>) -> String {
    let hex = |v: u64| {
        let bytes = v.to_be_bytes();
        let used = bytes.iter().rposition(|b| *b != 0).map_or(1, |i| i + 1);
        bytes[..used].iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    format!("{}-{}", if start == 0 { String::new() } else { hex(start) }, end.map(hex).unwrap_or_default())
}

/// The points of a consistent-hash ring: `vnodes` per shard, sorted.
pub fn ring(shards: u32, vnodes: u32) -> Vec<(u64, u32)> {
    let mut points: Vec<(u64, u32)> = (0..shards)
        .flat_map(|s| (0..vnodes).map(move |v| (xxh64(format!("shard-{s}-vnode-{v}").as_bytes()), s)))
        .collect();
    points.sort();
    points
}

/// The first point clockwise from the key's hash.
pub fn ring_owner(points: &[(u64, u32)], hash: u64) -> u32 {
    let i = points.partition_point(|p| p.0 < hash);
    points.get(i).or(points.first()).map_or(0, |p| p.1)
}

/// Jump hash's 64-bit key: an integer is itself, other values their hash.
pub fn jump_key(key: &Value) -> u64 {
    match key {
        Value::Int(v) => *v as u64,
        other => keyspace_id(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh64_matches_the_reference_vectors() {
        assert_eq!(xxh64(b""), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"a"), 0xD24E_C4F1_A98C_6E5B);
        assert_eq!(xxh64(b"abc"), 0x44BC_2CF5_AD77_0999);
    }

    #[test]
    fn keyspace_ids_are_those_of_vitess_xxhash_vindex() {
        // vindexes/xxhash_test.go's vectors, its keyspace ids' bytes written as one number
        let cases: [(Value, u64); 5] = [
            (Value::Text("test1".into()), 0xd01a_b7e4_d697_8f0b),
            (Value::Text("test2".into()), 0x87eb_1171_4c0a_0e89),
            (Value::Int(1), 0xd464_0536_7612_b4b7),
            (Value::Int(-1), 0xd8e2_a6a7_c8c7_623d),
            (Value::Int(i64::MIN), 0x102c_27dd_b26a_609e),
        ];
        for (key, id) in cases {
            assert_eq!(keyspace_id(&key), id, "{key}");
        }
        // so the integer 1 lives in the last of four keyranges, c0-
        let (start, end) = parse_keyrange("c0-").expect("a keyrange");
        assert!(keyspace_id(&Value::Int(1)) >= start && end.is_none());
    }

    #[test]
    fn keyranges_are_named_as_vitess_names_them() {
        assert_eq!(keyrange_names(1), vec!["-"]);
        assert_eq!(keyrange_names(2), vec!["-80", "80-"]);
        assert_eq!(keyrange_names(4), vec!["-40", "40-80", "80-c0", "c0-"]);
        assert_eq!(keyrange_names(3), vec!["-55", "55-aa", "aa-"]);
        assert_eq!(parse_keyrange("40-80"), Some((0x40 << 56, Some(0x80 << 56))));
        assert_eq!(parse_keyrange("-"), Some((0, None)));
        assert_eq!(parse_keyrange("80-40"), None);
        assert_eq!(parse_keyrange("zz-"), None);
        for n in [1, 2, 3, 4, 5, 8, 16, 64] {
            let named: Vec<String> = keyrange_names(n)
                .iter()
                .map(|k| {
                    let (start, end) = parse_keyrange(k).expect("a keyrange");
                    keyrange_name(start, end)
                })
                .collect();
            assert_eq!(named, keyrange_names(n), "{n} shards");
        }
    }
}
