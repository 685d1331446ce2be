//! The autoscaler's unit tests.

use super::*;

fn pool(current: u32) -> PoolState {
    PoolState { current, ready: current }
}

#[test]
fn the_kubernetes_worked_examples() {
    // 50 replicas at 90% CPU against 75%: ratio 1.2, outside the tolerance → ceil(60) = 60.
    assert_eq!(hpa_replicas(pool(50), ScalingMetric::Cpu, 90.0, 75.0, 0.1).0, 60);
    // 4 replicas at 93% against 90%: ratio 1.033, inside the tolerance → stays at 4.
    assert_eq!(hpa_replicas(pool(4), ScalingMetric::Cpu, 93.0, 90.0, 0.1).0, 4);
    // Scale down: 10 at 30% against 60% → 5.
    assert_eq!(hpa_replicas(pool(10), ScalingMetric::Cpu, 30.0, 60.0, 0.1).0, 5);
}

#[test]
fn servers_not_ready_count_as_idle_on_a_scale_up() {
    // 4 ready at 90% and 4 booting, target 60: 90×4/(60×8) = 0.75 < 1, so no scale-up.
    let p = PoolState { current: 8, ready: 4 };
    assert_eq!(hpa_replicas(p, ScalingMetric::Cpu, 90.0, 60.0, 0.1).0, 8);
    // At 150%: 150×4/(60×8) = 1.25 → ceil(1.25 × 8) = 10.
    assert_eq!(hpa_replicas(p, ScalingMetric::Cpu, 150.0, 60.0, 0.1).0, 10);
    // Latency is an object metric: ceil(ratio × ready) = ceil(2 × 4) = 8, no adjustment.
    assert_eq!(hpa_replicas(p, ScalingMetric::P95Latency, 400.0, 200.0, 0.1).0, 8);
    // The decision says which count the ratio multiplied: 3 servers, 2 ready, at ratio 2.09.
    let t = TargetTracking { metric: ScalingMetric::P95Latency, target: 150.0, ..TargetTracking::default() };
    let booting = PoolState { current: 3, ready: 2 };
    let (to, why) = hpa_decide(&mut HpaState::default(), &t, (2, 20), SimTime::from_secs(60), booting, 313.0);
    assert_eq!(to, 5, "{why}");
    assert!(why.contains("(× the 2 ready; 1 not ready yet)"), "{why}");
}

#[test]
fn the_stabilization_window_holds_the_highest_recommendation() {
    let t = TargetTracking::default();
    let mut s = HpaState::default();
    let at = SimTime::from_secs;
    // Load falls: recommendations 10, then 4, 3... within 300 s the highest (10) holds.
    assert_eq!(hpa_decide(&mut s, &t, (1, 20), at(0), pool(10), 60.0).0, 10);
    assert_eq!(hpa_decide(&mut s, &t, (1, 20), at(15), pool(10), 24.0).0, 10);
    assert_eq!(hpa_decide(&mut s, &t, (1, 20), at(150), pool(10), 18.0).0, 10);
    // 300 s after the recommendation of 10 it leaves the window; the highest left is 4.
    let (to, reason) = hpa_decide(&mut s, &t, (1, 20), at(301), pool(10), 18.0);
    assert_eq!(to, 4, "{reason}");
    assert!(reason.contains("wants 3, stabilization keeps 4"), "{reason}");
}

#[test]
fn scale_up_is_limited_by_its_policies_and_the_maximum() {
    let t = TargetTracking::default();
    let mut s = HpaState::default();
    // 2 servers at 300% of target want 6: +100% gives 4, +4 pods gives 6; the larger wins.
    assert_eq!(hpa_decide(&mut s, &t, (1, 100), SimTime::from_secs(0), pool(2), 180.0).0, 6);
    // 10 at 5× target want 50: +100% = 20, +4 = 14 → 20.
    let mut s = HpaState::default();
    let (to, reason) = hpa_decide(&mut s, &t, (1, 100), SimTime::from_secs(0), pool(10), 300.0);
    assert_eq!(to, 20, "{reason}");
    assert!(reason.contains("scale-up policy"), "{reason}");
    // Within the same 15 s, the 10 just added count: the period started at 10, so 20 is the limit.
    let (to, _) = hpa_decide(&mut s, &t, (1, 100), SimTime::from_secs(10), pool(20), 300.0);
    assert_eq!(to, 20);
    // And the maximum holds whatever the metric says.
    let mut s = HpaState::default();
    let (to, reason) = hpa_decide(&mut s, &t, (1, 12), SimTime::from_secs(0), pool(10), 300.0);
    assert_eq!(to, 12, "{reason}");
    assert!(reason.contains("maximum"), "{reason}");
}

#[test]
fn the_minimum_and_maximum_are_respected() {
    let t = TargetTracking { scale_down_stabilization_s: 0, ..TargetTracking::default() };
    let mut s = HpaState::default();
    assert_eq!(hpa_decide(&mut s, &t, (3, 20), SimTime::from_secs(0), pool(10), 1.0).0, 3);
    assert_eq!(hpa_decide(&mut s, &t, (3, 20), SimTime::from_secs(0), pool(2), 60.0).0, 3, "below the minimum");
    assert_eq!(hpa_decide(&mut s, &t, (3, 20), SimTime::from_secs(0), pool(25), 60.0).0, 20, "above the maximum");
}

#[test]
fn step_scaling_picks_its_step() {
    let s = StepScaling::default();
    assert_eq!(step_decide(&s, 4, 75.0).unwrap().0, 5);
    assert_eq!(step_decide(&s, 4, 85.0).unwrap().0, 7);
    assert_eq!(step_decide(&s, 4, 20.0).unwrap().0, 3);
    assert_eq!(step_decide(&s, 4, 50.0), None);
    assert!(step_decide(&s, 4, 85.0).unwrap().1.contains("[+15, ∞) adds 3"));
}

#[test]
fn a_ratio_just_past_the_tolerance_is_shown_with_the_decimals_that_tell_them_apart() {
    // 66.25% against 60%: ratio 1.104, outside ±0.1. Two decimals would say "1.10 > 1.10".
    let t = TargetTracking { target: 60.0, ..TargetTracking::default() };
    let (_, why) = hpa_decide(&mut HpaState::default(), &t, (1, 20), SimTime::from_secs(60), pool(4), 66.25);
    assert!(why.starts_with("ratio 1.104 > 1.100"), "{why}");
    let (_, why) = hpa_decide(&mut HpaState::default(), &t, (1, 20), SimTime::from_secs(60), pool(4), 90.0);
    assert!(why.starts_with("ratio 1.50 > 1.10"), "{why}");
}
