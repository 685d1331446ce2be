//! Engine throughput, the same code natively and in WebAssembly (wasm32-wasip1 under node), so
//! `make bench` can report the wasm/native ratio. Prints one JSON object per case.
//! Usage: throughput [events-per-case] [only-cases-containing] (the filter is for profiling one case)

use sim::ab::AbOptions;
use sim::components::autoscaler::{ScalingPolicy, TargetTracking};
use sim::presets::bench::{busy_mm1, pool_at_90_percent, DATA_TIER};
use sim::profile::TrafficProfile;
use sim::scenario::SessionMode;
use sim::{Algorithm, Scenario, Sim, SimTime};
use std::time::Instant;

/// Events per call, as the page runs per animation frame (`src/player.rs`).
const EVENTS_PER_SLICE: u64 = 150_000;
const WARM_UP_SLICES: u32 = 3;
/// A case runs at least this long as well as at least the events asked for: the fastest case
/// (M/M/1) does 3 million events in 60 ms, short enough for a background thread or a timer's
/// grain to move its rate by a fifth from run to run.
const MIN_TIMED_S: f64 = 0.5;

/// Everything at once: 20 servers under least connections, sessions in a store, an HPA and a
/// traffic spike.
fn sandbox() -> Scenario {
    let mut s = pool_at_90_percent(20, Algorithm::LeastConnections);
    s.sessions.mode = SessionMode::Database;
    s.servers.boot_ms = 10_000.0;
    s.autoscaler.policy = ScalingPolicy::TargetTracking(TargetTracking::default());
    s.autoscaler.max_servers = 60;
    let rate = s.clients.arrival_rate;
    s.clients.profile = TrafficProfile::Spike { base: rate, peak: rate * 1.5, at_s: 30.0, seconds: 60.0 };
    s
}

/// `ab -n requests -c 100` on ten servers of the default size; returns (seconds, events).
fn ab_run(requests: u32) -> (f64, u64) {
    let mut s = Scenario::default();
    s.servers.count = 10;
    let options = AbOptions { requests, concurrency: 100, ..AbOptions::default() };
    let mut sim = Sim::benchmark(s.validate().expect("valid"), options);
    let start = Instant::now();
    // In slices, as the page runs it.
    while !sim.run_benchmark_within(EVENTS_PER_SLICE) {}
    (start.elapsed().as_secs_f64(), sim.events_processed())
}

fn main() {
    let events: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(3_000_000);
    let mut cases = vec![("mm1".to_string(), busy_mm1()), ("sandbox".to_string(), sandbox())];
    for servers in [100, 1_000] {
        for algorithm in Algorithm::ALL {
            cases.push((format!("{servers}-servers/{}", algorithm.key()), pool_at_90_percent(servers, algorithm)));
        }
    }
    // The data tier's replication: three replicas acknowledging every write at 1,800 writes/s,
    // three primaries settling 300 writes/s by last writer wins, and 8 shards of three replicas
    // each at 10,000 writes/s.
    cases.extend(DATA_TIER.iter().map(|(name, build)| (name.to_string(), build())));
    let only = std::env::args().nth(2).unwrap_or_default();
    for (name, scenario) in cases.into_iter().filter(|(name, _)| name.contains(&only)) {
        let mut sim = Sim::new(scenario.validate().expect("valid"));
        // The page runs the engine in slices, one per animation frame; so does this, and the
        // first slices are not timed. (V8 compiles wasm with a quick baseline compiler first and
        // optimises a function only after some calls; one long call would measure the baseline.)
        for _ in 0..WARM_UP_SLICES {
            sim.run_until_within(SimTime::MAX, EVENTS_PER_SLICE);
        }
        let before = sim.events_processed();
        let start = Instant::now();
        while sim.events_processed() - before < events || start.elapsed().as_secs_f64() < MIN_TIMED_S {
            sim.run_until_within(SimTime::MAX, EVENTS_PER_SLICE);
        }
        let seconds = start.elapsed().as_secs_f64();
        let timed = sim.events_processed() - before;
        println!(
            "{{\"case\":\"{name}\",\"events\":{timed},\"seconds\":{seconds:.6},\"events_per_s\":{:.0}}}",
            timed as f64 / seconds
        );
    }
    let ab = "ab -n 1000000 -c 100 (10 servers)";
    if ab.contains(&only) {
        ab_run(20_000); // warm-up (see above)
        let (seconds, events) = ab_run(1_000_000);
        println!(
            "{{\"case\":\"{ab}\",\"events\":{events},\"seconds\":{seconds:.6},\"events_per_s\":{:.0}}}",
            events as f64 / seconds
        );
    }
    println!(
        "{{\"case\":\"memory\",\"bytes_per_pending_event\":{},\"bytes_per_request_in_flight\":{}}}",
        Sim::BYTES_PER_PENDING_EVENT,
        Sim::BYTES_PER_REQUEST_IN_FLIGHT
    );
}
