//! Rough timings for tuning (`cargo test --release -p scalelab-sim --test data timing -- --ignored --nocapture`);
//! the figures that count are `make bench`'s.

use sim::data::layout::{default_placement, ShardingConfig};
use sim::data::shard::Strategy;
use sim::data::sql::parse;
use sim::data::{DataConfig, Database, LayoutConfig};
use std::time::Instant;

#[test]
#[ignore]
fn timing() {
    let layout = LayoutConfig::Sharded(ShardingConfig {
        shards: 8,
        strategy: Strategy::HashMod,
        vnodes: 100,
        tables: default_placement(),
    });
    let t = Instant::now();
    let mut db = Database::build(&DataConfig { rows: 1_000_000, layout, ..DataConfig::default() }, 42).unwrap();
    println!("build 1M rows on 8 shards: {:?}", t.elapsed());
    let scatter = parse("SELECT user_id, COUNT(*) FROM comments GROUP BY user_id").unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        db.run(&scatter, false).unwrap();
        println!("scatter group by over 400,000 comments: {:?}", t.elapsed());
    }
    let mut single = Database::build(&DataConfig { rows: 1_000_000, ..DataConfig::default() }, 42).unwrap();
    let lookups: Vec<_> = (0..50_000)
        .map(|i| parse(&format!("SELECT * FROM comments WHERE id = {}", 1 + i * 37 % 400_000)).unwrap())
        .collect();
    let t = Instant::now();
    for s in &lookups {
        single.run(s, false).unwrap();
    }
    println!("point lookups on one server (prepared): {:.0}/s", 50_000.0 / t.elapsed().as_secs_f64());
    let lookups: Vec<_> = (0..20_000)
        .map(|i| parse(&format!("SELECT * FROM comments WHERE id = {}", 1 + i * 37 % 400_000)).unwrap())
        .collect();
    let t = Instant::now();
    for s in &lookups {
        db.run(s, false).unwrap();
    }
    println!(
        "point lookups (8 shards, routed by scan of the key filter): {:.0}/s",
        20_000.0 / t.elapsed().as_secs_f64()
    );
}
