//! Engine throughput in events per second (`make bench`). Each case runs a fresh sim for a fixed
//! span of simulated time; criterion reports the event rate from the (deterministic) event count.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sim::presets::bench::{busy_mm1, pool_at_90_percent};
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
    // Replication at a high write rate: the write-heavy shop at its ramp's top (5,000 requests/s,
    // 60% writes) with three replicas acknowledging every write (PostgreSQL remote_apply, ANY 3).
    let mut replicated = (sim::presets::find("data-replication-write-heavy").expect("a preset").build)();
    replicated.clients.profile = sim::profile::TrafficProfile::Constant;
    replicated.clients.arrival_rate = 3_000.0;
    if let Some(r) = replicated.data.as_mut().and_then(|d| d.replication.as_mut()) {
        r.replicas = 3;
        r.commit = sim::data::replication::CommitMode::Synchronous {
            level: sim::data::replication::SyncLevel::RemoteApply,
            method: sim::data::replication::SyncMethod::Any,
            count: 3,
        };
    }
    cases.push(("replication-3-replicas-1800-writes-per-s".to_string(), replicated, SimTime::from_secs(5)));
    // Multi-primary: three primaries under last writer wins, 1,000 requests/s of which 30% are
    // profile edits, each run on its primary and settled on the two others with real statements.
    let mut multi = (sim::presets::find("data-multi-primary-skew").expect("a preset").build)();
    multi.clients.arrival_rate = 1_000.0;
    if let Some(m) = multi.data.as_mut().and_then(|d| d.multi_primary.as_mut()) {
        m.primaries = 3;
    }
    cases.push(("multi-primary-3-primaries-300-writes-per-s".to_string(), multi, SimTime::from_secs(10)));
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
