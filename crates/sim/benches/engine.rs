//! Engine throughput in events per second (`make bench`). Each case runs a fresh sim for a fixed
//! span of simulated time; criterion reports the event rate from the (deterministic) event count.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sim::{presets, Algorithm, Scenario, Sim, SimTime};
use std::hint::black_box;

/// M/M/1 at 80% load, with 1 ms mean service so that a bench run sees many events.
fn mm1() -> Scenario {
    let mut s = (presets::find("mm1").unwrap().build)();
    s.clients.arrival_rate = 800.0;
    s.servers.service = sim::ServiceTime::Exponential { mean_ms: 1.0 };
    s
}

/// `servers` servers with 2 slots each and 20 ms exponential service, offered 90% of capacity.
fn pool_at_90_percent(servers: u32, algorithm: Algorithm) -> Scenario {
    let mut s = Scenario::default();
    s.servers.count = servers;
    s.balancer.algorithm = algorithm;
    s.clients.arrival_rate = 0.9 * f64::from(servers) * 2.0 * 50.0;
    // HAProxy `first` holds a connection for the work and the 40 ms round trip: keeping 2 slots
    // busy takes 2 × 60 ms / 20 ms = 6, and 8 leaves room for bursts, so `first` runs at 90% too
    // rather than at its queue timeout.
    s.balancer.max_conn = Some(8);
    s
}

fn run(scenario: &Scenario, span: SimTime) -> u64 {
    let mut sim = Sim::new(scenario.clone().validate().unwrap());
    sim.run_until(span);
    sim.events_processed()
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("events");
    let mut cases = vec![("mm1".to_string(), mm1(), SimTime::from_secs(200))];
    for algorithm in Algorithm::ALL {
        cases.push((
            format!("100-servers-{}", algorithm.key()),
            pool_at_90_percent(100, algorithm),
            SimTime::from_secs(10),
        ));
    }
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
