//! The timeline's two figures (`make bench`): how long a seek back 10 minutes takes at 100
//! servers (the latest copy before the moment, replayed to it), and how much memory the copies
//! of an hour at 1,000 requests/s hold. Both runs are kept as the page keeps them: a copy is
//! offered after every quarter of a simulated second.

use criterion::{criterion_group, criterion_main, Criterion};
use sim::presets::bench::pool_at_90_percent;
use sim::run::{Checkpoints, Run};
use sim::{Algorithm, Scenario, SimTime};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::hint::black_box;

/// The system allocator, counting bytes, so that the copies' memory is measured, not guessed.
#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Plays `scenario` for `span`, keeping copies as the page does.
fn played(scenario: Scenario, span: SimTime) -> (Run, Checkpoints) {
    let mut run = Run::new(scenario.validate().expect("a valid scenario"), None);
    let mut checkpoints = Checkpoints::new(&run);
    let quarter = SimTime::from_millis(250);
    while run.now() < span {
        run.run_until(run.now() + quarter);
        checkpoints.keep(&run);
    }
    (run, checkpoints)
}

/// What the copies hold, measured by freeing them.
fn memory_of(checkpoints: Checkpoints) -> String {
    let (copies, spacing) = (checkpoints.len(), checkpoints.spacing());
    let region = Region::new(ALLOCATOR);
    drop(checkpoints);
    let freed = region.change();
    let bytes = freed.bytes_deallocated.saturating_sub(freed.bytes_allocated);
    format!("keeps {copies} copies, {} s apart: {:.1} MB", spacing.as_secs_f64(), bytes as f64 / 1e6)
}

fn timeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeline");

    // An hour at 1,000 requests/s on 25 servers (40% load): the copies' memory.
    let mut hour = Scenario::default();
    hour.clients.arrival_rate = 1_000.0;
    hour.servers.count = 25;
    let (run, checkpoints) = played(hour, SimTime::from_secs(3_600));
    println!(
        "timeline/checkpoint-memory: an hour at 1,000 requests/s ({} requests) {} (target under 50 MB)",
        run.engine().metrics().counters.arrived,
        memory_of(checkpoints),
    );
    drop(run);

    // Eleven minutes at 100 servers and 90% load (9,000 requests/s); then back 10 minutes.
    let (run, checkpoints) = played(pool_at_90_percent(100, Algorithm::RoundRobin), SimTime::from_secs(660));
    // The worst case: just before a copy, so that nearly the whole spacing is replayed.
    println!(
        "timeline/checkpoint-memory-100-servers: eleven minutes at 9,000 requests/s {}",
        memory_of(checkpoints.clone())
    );
    let back = run.now() - SimTime::from_secs(600) - SimTime::from_millis(1);
    group.sample_size(10);
    group.bench_function("seek-back-10-min-100-servers", |b| {
        b.iter(|| {
            let mut copy = checkpoints.latest_at_or_before(back);
            copy.run_until(back);
            black_box(copy.now())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = timeline
}
criterion_main!(benches);
