//! The rows, generated from the scenario's seed: the same seed and size give the same rows
//! natively, in the browser and in `scalelab dump`. Foreign keys (a post's author, an order's
//! buyer, a user's country) follow a Zipf law, so hot keys exist.

use std::rc::Rc;

use super::schema::{shop_schema, TableDef};
use super::table::Row;
use super::value::{text, Value};
use crate::caching::zipf::Zipf;
use crate::rng::Rng;

/// Every row of the schema, table by table (in [`shop_schema`]'s order).
pub struct GeneratedData {
    pub tables: Vec<(Rc<TableDef>, Vec<Row>)>,
}

/// `(code, name)`, the most populous first: Zipf's rank 1 is the United States.
pub const COUNTRIES: [(&str, &str); 20] = [
    ("US", "United States"),
    ("IN", "India"),
    ("BR", "Brazil"),
    ("DE", "Germany"),
    ("GB", "United Kingdom"),
    ("FR", "France"),
    ("JP", "Japan"),
    ("NG", "Nigeria"),
    ("MX", "Mexico"),
    ("ID", "Indonesia"),
    ("CA", "Canada"),
    ("IT", "Italy"),
    ("ES", "Spain"),
    ("KR", "South Korea"),
    ("AU", "Australia"),
    ("NL", "Netherlands"),
    ("SE", "Sweden"),
    ("PL", "Poland"),
    ("KE", "Kenya"),
    ("AR", "Argentina"),
];

const SYLLABLES: [&str; 16] =
    ["ka", "lo", "mi", "ra", "ten", "su", "no", "vi", "da", "el", "an", "jo", "ri", "be", "tu", "sa"];
const WORDS: [&str; 24] = [
    "scale",
    "cache",
    "shard",
    "query",
    "server",
    "load",
    "balance",
    "replica",
    "index",
    "latency",
    "queue",
    "session",
    "cookie",
    "partition",
    "row",
    "join",
    "table",
    "primary",
    "key",
    "write",
    "read",
    "lag",
    "router",
    "hash",
];

/// How the total splits among the tables (the rest of `rows` after the 20 countries).
const SHARES: [(&str, u64); 4] = [("users", 10), ("posts", 20), ("comments", 40), ("orders", 30)];

pub fn table_sizes(total_rows: u64) -> [(&'static str, u64); 4] {
    let rest = total_rows.saturating_sub(COUNTRIES.len() as u64);
    SHARES.map(|(name, share)| (name, (rest * share / 100).max(1)))
}

pub fn generate(seed: u64, total_rows: u64, zipf_skew: f64) -> GeneratedData {
    let sizes = table_sizes(total_rows);
    let [users, posts, comments, orders] = sizes.map(|(_, n)| n);
    let mut rng = Rng::stream(seed, 0xDA7A);
    let user_pick = Zipf::new(users.min(u32::MAX as u64) as u32, zipf_skew);
    let post_pick = Zipf::new(posts.min(u32::MAX as u64) as u32, zipf_skew);
    let country_pick = Zipf::new(COUNTRIES.len() as u32, 1.0);
    let schema = shop_schema();
    let mut out = Vec::new();
    for def in schema {
        let rows: Vec<Row> = match def.name.as_str() {
            "users" => rows_of(users, |id, row| {
                let name = person_name(&mut rng);
                let country = COUNTRIES[country_pick.sample(&mut rng) as usize].0;
                row.extend([
                    Value::Int(id as i64),
                    text(&name),
                    text(&format!("{}.{id}@example.com", name.to_ascii_lowercase().replace(' ', "."))),
                    text(country),
                    timestamp(&mut rng),
                    text(&sentence(&mut rng, 30)),
                    text(&avatar(&mut rng)),
                ])
            }),
            "posts" => rows_of(posts, |id, row| {
                row.extend([
                    Value::Int(id as i64),
                    Value::Int(1 + user_pick.sample(&mut rng) as i64),
                    text(&sentence(&mut rng, 4)),
                    text(&sentence(&mut rng, 16)),
                    timestamp(&mut rng),
                ])
            }),
            "comments" => rows_of(comments, |id, row| {
                row.extend([
                    Value::Int(id as i64),
                    Value::Int(1 + post_pick.sample(&mut rng) as i64),
                    Value::Int(1 + user_pick.sample(&mut rng) as i64),
                    text(&sentence(&mut rng, 8)),
                    timestamp(&mut rng),
                ])
            }),
            "orders" => rows_of(orders, |id, row| {
                row.extend([
                    Value::Int(id as i64),
                    Value::Int(1 + user_pick.sample(&mut rng) as i64),
                    Value::Int(100 + rng.below(99_900) as i64),
                    timestamp(&mut rng),
                ])
            }),
            _ => COUNTRIES.iter().map(|(code, name)| vec![text(code), text(name)]).collect(),
        };
        out.push((Rc::new(def), rows));
    }
    GeneratedData { tables: out }
}

/// Rows `1..=n`, each written by `write` into one list of every value first and cut into rows
/// after. Made last and together, the rows' blocks lie in one stretch of memory apart from
/// their texts: a sharded layout copies each shard's rows and drops these, which then frees
/// one stretch, where rows made one by one would leave a hole between every two rows' texts
/// and make every later allocation slow.
fn rows_of(n: u64, mut write: impl FnMut(u64, &mut Vec<Value>)) -> Vec<Row> {
    let mut values = Vec::new();
    let mut width = 0;
    for id in 1..=n {
        write(id, &mut values);
        if id == 1 {
            width = values.len();
        }
    }
    let mut values = values.into_iter();
    (0..n).map(|_| values.by_ref().take(width).collect()).collect()
}

fn person_name(rng: &mut Rng) -> String {
    let mut word = |n: u32| {
        let mut w: String = (0..n).map(|_| SYLLABLES[rng.below(16) as usize]).collect();
        w[..1].make_ascii_uppercase();
        w
    };
    format!("{} {}", word(2), word(3))
}

fn sentence(rng: &mut Rng, words: u32) -> String {
    let words: Vec<&str> = (0..words).map(|_| WORDS[rng.below(WORDS.len() as u32) as usize]).collect();
    words.join(" ")
}

fn avatar(rng: &mut Rng) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body: String = (0..96).map(|_| B64[rng.below(64) as usize] as char).collect();
    format!("data:image/png;base64,{body}")
}

/// A moment in 2025, to the second (the year the orders lesson partitions by month).
fn timestamp(rng: &mut Rng) -> Value {
    let (month, day) = crate::calendar::month_and_day(2025, rng.below(365).into());
    let second = rng.below(86_400);
    text(&format!("2025-{month:02}-{day:02} {:02}:{:02}:{:02}", second / 3600, second / 60 % 60, second % 60))
}
