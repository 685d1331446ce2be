//! The data tier's speed (`make bench`): point lookups by primary key on a 1,000,000-row
//! database (beside a plain `BTreeMap` lookup, the machine's yardstick), and a scatter
//! `COUNT(*) … GROUP BY` over a 1,000,000-row table on 8 shards.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim::data::layout::{default_placement, ShardingConfig};
use sim::data::shard::Strategy;
use sim::data::sql::parse;
use sim::data::{DataConfig, Database, LayoutConfig};
use std::hint::black_box;

fn data(c: &mut Criterion) {
    let mut group = c.benchmark_group("data");
    // 1,000,000 rows in all: 100,000 users, 400,000 comments.
    let mut db = Database::build(&DataConfig { rows: 1_000_000, ..DataConfig::default() }, 42).unwrap();
    const LOOKUPS: u64 = 10_000;
    let statements: Vec<_> = (0..LOOKUPS)
        .map(|i| {
            let statement = parse(&format!("SELECT * FROM comments WHERE id = {}", 1 + i * 37 % 400_000)).unwrap();
            db.prepare(&statement, false).unwrap()
        })
        .collect();
    group.throughput(Throughput::Elements(LOOKUPS));
    group.bench_function("point-lookups-prepared", |b| {
        b.iter(|| {
            for s in &statements {
                black_box(db.run_prepared(s).unwrap());
            }
        })
    });
    // The machine's own yardstick: the same 10,000 keys looked up in a plain ordered map of as
    // many entries as the table has rows. This machine's speed moves by a factor of 2 or more
    // from day to day, so the lookups are best read as a multiple of this.
    let plain: std::collections::BTreeMap<u64, u32> = (1..=1_000_000u64).map(|k| (k, k as u32)).collect();
    group.bench_function("baseline-btreemap-get-1M", |b| {
        b.iter(|| {
            for i in 0..LOOKUPS {
                black_box(plain.get(&(1 + i * 37 % 400_000)));
            }
        })
    });
    group.bench_function("point-lookups-parsed", |b| {
        b.iter(|| {
            for i in 0..LOOKUPS {
                black_box(db.execute(&format!("SELECT * FROM comments WHERE id = {}", 1 + i * 37 % 400_000)).unwrap());
            }
        })
    });
    // 2,500,000 rows in all, so that comments alone holds 1,000,000, sharded by user_id.
    let layout = LayoutConfig::Sharded(ShardingConfig {
        shards: 8,
        strategy: Strategy::HashMod,
        vnodes: 100,
        tables: default_placement(),
    });
    let mut sharded = Database::build(&DataConfig { rows: 2_500_000, layout, ..DataConfig::default() }, 42).unwrap();
    let scatter = parse("SELECT user_id, COUNT(*) FROM comments GROUP BY user_id").unwrap();
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.bench_function("scatter-count-group-by-8-shards-1M-rows", |b| {
        b.iter(|| black_box(sharded.run(&scatter, false).unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = data
}
criterion_main!(benches);
