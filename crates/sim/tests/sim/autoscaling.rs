//! Servers that come and go: booting, draining, traffic profiles, and the autoscaler acting on
//! a running pool (semantics.md §4).

use proptest::prelude::*;
use sim::components::autoscaler::{ScalingPolicy, ScheduledCount, TargetTracking};
use sim::profile::TrafficProfile;
use sim::{Command, Scenario, Sim, SimTime};

fn valid(s: Scenario) -> sim::ValidScenario {
    s.validate().unwrap()
}

/// An HPA on CPU at 60% over servers of 2 slots × 20 ms (100 requests/s each at 100%).
fn autoscaled(rate: f64, start: u32) -> Scenario {
    let mut s = Scenario::default();
    s.clients.arrival_rate = rate;
    s.servers.count = start;
    s.servers.boot_ms = 10_000.0;
    s.autoscaler.policy = ScalingPolicy::TargetTracking(TargetTracking::default());
    s.autoscaler.max_servers = 30;
    s
}

fn gauges_of(sim: &Sim, label: &str) -> sim::snapshot::ServerGauges {
    *sim.snapshot(0).nodes.into_iter().find(|n| n.label == label).expect(label).gauges.server().expect("a server")
}

#[test]
fn a_booting_server_gets_no_traffic_before_it_passes_its_health_checks() {
    let mut s = Scenario::default();
    s.servers.boot_ms = 20_000.0;
    let mut sim = Sim::new(valid(s));
    sim.run_until(SimTime::from_secs(5));
    sim.apply(Command::AddServer).unwrap();
    sim.run_until(SimTime::from_secs(24));
    let booting = gauges_of(&sim, "Server 5");
    assert!(booting.booting && !booting.in_rotation && booting.machine.served == 0, "{booting:?}");
    // Booted at 25 s; then `rise` (2) heartbeats 2 s apart must pass: in rotation by about 29 s.
    sim.run_until(SimTime::from_millis(25_500));
    let booted = gauges_of(&sim, "Server 5");
    assert!(!booted.booting && !booted.in_rotation && booted.machine.served == 0, "{booted:?}");
    sim.run_until(SimTime::from_secs(32));
    let serving = gauges_of(&sim, "Server 5");
    assert!(serving.in_rotation && serving.machine.served > 0, "{serving:?}");
    // It has cost money since it began to boot, not since it began to serve.
    let hours = sim.server_hours();
    assert!((hours - (4.0 * 32.0 + 27.0) / 3_600.0).abs() < 1e-9, "{hours}");
}

#[test]
fn scale_in_drains_a_server_and_a_drain_timeout_stops_a_stuck_one() {
    let mut s = Scenario::default();
    s.servers.drain_timeout_ms = 5_000.0;
    let mut sim = Sim::new(valid(s));
    sim.run_until(SimTime::from_secs(2));
    sim.apply(Command::Hang { server: 0 }).unwrap();
    sim.run_until(SimTime::from_millis(2_500));
    sim.apply(Command::RemoveServer { server: 0 }).unwrap();
    sim.apply(Command::RemoveServer { server: 1 }).unwrap();
    sim.run_until(SimTime::from_millis(2_700));
    // Server 2 finishes its few requests and leaves; server 1 is hung and holds its own.
    assert!(!sim.snapshot(0).nodes.iter().any(|n| n.label == "Server 2"));
    assert!(gauges_of(&sim, "Server 1").machine.busy_slots > 0);
    let failed_before = sim.metrics().counters.failed;
    sim.run_until(SimTime::from_millis(7_600));
    assert!(!sim.snapshot(0).nodes.iter().any(|n| n.label == "Server 1"), "stopped at the drain timeout");
    assert!(sim.metrics().counters.failed > failed_before, "what it held failed");
}

#[test]
fn the_arrival_rate_follows_the_profile() {
    let mut s = Scenario::default();
    s.servers.count = 10;
    s.clients.profile = TrafficProfile::Ramp { from: 100.0, to: 500.0, seconds: 40.0 };
    let mut sim = Sim::new(valid(s));
    sim.run_until(SimTime::from_secs(60));
    let series = sim.metrics().series();
    let mean = |from: u64, to: u64| {
        let picked: Vec<u64> = series.iter().filter(|x| x.second > from && x.second <= to).map(|x| x.arrived).collect();
        picked.iter().sum::<u64>() as f64 / picked.len() as f64
    };
    // Seconds 1–5 average 100 + 400 × 2.5/40 = 125; seconds 41–60 are at 500 (Poisson: ±10%).
    assert!((mean(0, 5) - 125.0).abs() < 20.0, "{}", mean(0, 5));
    assert!((mean(40, 60) - 500.0).abs() < 25.0, "{}", mean(40, 60));
}

#[test]
fn the_autoscaler_grows_the_pool_with_traffic_and_shrinks_it_after_the_window() {
    let mut s = autoscaled(300.0, 2);
    s.clients.profile = TrafficProfile::Points { points: vec![(0.0, 300.0), (300.0, 300.0), (301.0, 100.0)] };
    let mut sim = Sim::new(valid(s));
    // 300 requests/s need 300 / 60 = 5 servers at 60%. Two saturated servers measure at most
    // 100% (ratio 1.67, so 4), and the backlog keeps new ones busy, so it overshoots a little,
    // as an HPA does.
    sim.run_until(SimTime::from_secs(290));
    let size = |sim: &Sim| sim.pool_size() as usize;
    assert!((5..=10).contains(&size(&sim)), "{} servers: {:?}", size(&sim), sim.autoscaler().decisions());
    let first = &sim.autoscaler().decisions()[0];
    assert!(first.at == SimTime::from_secs(15) && first.reason.starts_with("ratio 1.6"), "{first:?}");
    assert!(first.reason.ends_with("2 → 4"), "{first:?}");
    // Traffic falls to 100 at 300 s: the scale-down waits out the 300 s window, then 2 servers.
    sim.run_until(SimTime::from_secs(590));
    assert!(size(&sim) >= 5, "scaled down inside the stabilization window: {:?}", sim.autoscaler().decisions());
    sim.run_until(SimTime::from_secs(700));
    assert!((2..=3).contains(&size(&sim)), "{} servers: {:?}", size(&sim), sim.autoscaler().decisions());
}

#[test]
fn a_spike_that_outruns_boot_time_breaks_the_slo() {
    let slo_seconds = |boot_s: f64| {
        let mut s = autoscaled(150.0, 3);
        s.servers.boot_ms = boot_s * 1_000.0;
        s.clients.profile = TrafficProfile::Spike { base: 150.0, peak: 450.0, at_s: 60.0, seconds: 120.0 };
        let mut sim = Sim::new(valid(s));
        sim.run_until(SimTime::from_secs(240));
        sim.autoscaler().slo_violation_seconds()
    };
    let (fast, slow) = (slo_seconds(5.0), slo_seconds(120.0));
    println!("seconds over the 250 ms p95 SLO: boot 5 s → {fast}, boot 120 s → {slow}");
    assert!(slow > fast + 30, "SLO seconds: boot 5 s → {fast}, boot 120 s → {slow}");
}

/// How often the pool's size changed direction (up then down, or down then up).
fn reversals(sim: &Sim) -> usize {
    let signs: Vec<bool> = sim.autoscaler().decisions().iter().map(|d| d.to > d.from).collect();
    signs.windows(2).filter(|w| w[0] != w[1]).count()
}

#[test]
fn without_a_stabilization_window_the_pool_flaps() {
    let run = |window_s: u32| {
        // A wave around 4 to 5 servers' worth, every 4 minutes.
        let mut s = autoscaled(270.0, 5);
        s.servers.boot_ms = 5_000.0;
        s.clients.profile = TrafficProfile::DailyWave { mean: 270.0, amplitude: 60.0, period_s: 240.0 };
        if let ScalingPolicy::TargetTracking(t) = &mut s.autoscaler.policy {
            t.scale_down_stabilization_s = window_s;
        }
        let mut sim = Sim::new(valid(s));
        sim.run_until(SimTime::from_secs(1_200));
        reversals(&sim)
    };
    let (flapping, steady) = (run(0), run(300));
    println!("changes of direction in 20 min: window 0 → {flapping}, 300 s → {steady}");
    assert!(flapping >= 6 && steady <= 2, "reversals: window 0 → {flapping}, 300 s → {steady}");
}

#[test]
fn a_schedule_sets_the_size_at_its_times_within_the_bounds() {
    let mut s = Scenario::default();
    s.autoscaler.policy = ScalingPolicy::Schedule(vec![
        ScheduledCount { at_s: 10, count: 8 },
        ScheduledCount { at_s: 20, count: 50 },
        ScheduledCount { at_s: 30, count: 2 },
    ]);
    s.autoscaler.max_servers = 12;
    let mut sim = Sim::new(valid(s));
    let sizes: Vec<usize> = [9, 11, 21, 31]
        .iter()
        .map(|&t| {
            sim.run_until(SimTime::from_secs(t));
            sim.pool().len()
        })
        .collect();
    assert_eq!(sizes, [4, 8, 12, 2]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Under constant traffic, after warm-up the HPA with its defaults settles: at most one more
    /// change, and never a change of direction.
    #[test]
    fn constant_traffic_settles_without_oscillating(rate in 60.0f64..600.0, start in 1u32..10, seed in any::<u64>()) {
        let mut s = autoscaled(rate, start);
        s.seed = seed;
        let mut sim = Sim::new(valid(s));
        sim.run_until(SimTime::from_secs(900));
        let late: Vec<_> = sim.autoscaler().decisions().iter().filter(|d| d.at > SimTime::from_secs(450)).cloned().collect();
        prop_assert!(late.len() <= 1, "rate {rate}: {late:?}");
        let needed = (rate / 60.0).ceil() as usize;
        let size = sim.pool().len();
        prop_assert!(size + 1 >= needed && size <= needed + 2, "rate {rate}: {size} servers, {:?}", sim.autoscaler().decisions());
    }
}
