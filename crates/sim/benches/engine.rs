//! Engine throughput in events per second (`make bench`). Each case runs a fresh sim for a fixed
//! span of simulated time; criterion reports the event rate from the (deterministic) event count.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sim::presets::bench::{
    busy_mm1, pool_at_90_percent, replicated_writes, sharded_replicated_writes, three_primaries,
};
use sim::{Algorithm, Scenario, Sim, SimTime};
use std::hint::black_box;

fn run(scenario: &Scenario, span: SimTime) -> u64 {
    let mut sim = Sim::new(scenario.clone().validate().unwrap());
    sim.run_until(span);
    sim.events_processed()
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("events");
    let mut cases = vec![("mm1".to_string(), busy_mm1(), SimTime::from_secs(200))];
    for algorithm in Algorithm::ALL {
        cases.push((
            format!("100-servers-{}", algorithm.key()),
            pool_at_90_percent(100, algorithm),
            SimTime::from_secs(10),
        ));
    }
    cases.push(("replication-3-replicas-1800-writes-per-s".to_string(), replicated_writes(), SimTime::from_secs(5)));
    cases.push(("multi-primary-3-primaries-300-writes-per-s".to_string(), three_primaries(), SimTime::from_secs(10)));
    cases.push((
        "8-shards-3-replicas-10000-writes-per-s".to_string(),
        sharded_replicated_writes(),
        SimTime::from_secs(2),
    ));
    for (name, scenario, span) in cases {
        let events = run(&scenario, span);
        group.throughput(Throughput::Elements(events));
        group.bench_with_input(BenchmarkId::from_parameter(name), &scenario, |b, s| b.iter(|| black_box(run(s, span))));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = engine
}
criterion_main!(benches);
