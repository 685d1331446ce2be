//! The autoscaler: decides how many servers the pool should have, from what it measures, as
//! Kubernetes' Horizontal Pod Autoscaler (autoscaling/v2) does, as AWS EC2 Auto Scaling step
//! scaling with a cooldown does, or on a schedule. It only decides; the engine boots and drains.
//! Semantics and defaults: ../shared/reference/semantics.md §4.

use crate::metrics::Histogram;
use crate::time::SimTime;
use crate::validate::limits::{MAX_COOLDOWN_S, MAX_SCALING_PERIOD_S, MAX_SCHEDULED_ACTIONS, MAX_SERVERS};
use crate::validate::{fmt_number, Checker};
use serde::{Deserialize, Serialize};

/// What the autoscaler measures, averaged over the servers that take traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingMetric {
    /// busy fraction of the servers' slots [%] (the HPA's CPU utilisation)
    #[default]
    Cpu,
    /// requests per second per server (ALB RequestCountPerTarget, per second)
    RequestsPerServer,
    /// 95th-percentile response time [ms] (an object metric for the HPA)
    P95Latency,
}

impl ScalingMetric {
    pub const ALL: [ScalingMetric; 3] =
        [ScalingMetric::Cpu, ScalingMetric::RequestsPerServer, ScalingMetric::P95Latency];
    pub fn label(self) -> &'static str {
        match self {
            ScalingMetric::Cpu => "CPU utilisation (%)",
            ScalingMetric::RequestsPerServer => "Requests/s per server",
            ScalingMetric::P95Latency => "p95 latency (ms)",
        }
    }
    pub fn unit(self) -> &'static str {
        match self {
            ScalingMetric::Cpu => "%",
            ScalingMetric::RequestsPerServer => " req/s",
            ScalingMetric::P95Latency => " ms",
        }
    }
}

/// Kubernetes HPA target tracking with its default behaviour.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetTracking {
    pub metric: ScalingMetric,
    pub target: f64,
    /// no change while |1 − metric/target| ≤ this (`--horizontal-pod-autoscaler-tolerance`)
    pub tolerance: f64,
    /// how often it decides [s] (`--horizontal-pod-autoscaler-sync-period`)
    pub sync_period_s: u32,
    /// scale-down uses the highest recommendation of this window [s]
    pub scale_down_stabilization_s: u32,
    /// scale-up uses the lowest recommendation of this window [s]
    pub scale_up_stabilization_s: u32,
    /// scale-up policies, the larger wins: +percent and +pods per period
    pub scale_up_percent: u32,
    pub scale_up_pods: u32,
    pub scale_up_period_s: u32,
    /// scale-down policy: −percent per period
    pub scale_down_percent: u32,
    pub scale_down_period_s: u32,
}

impl Default for TargetTracking {
    fn default() -> Self {
        TargetTracking {
            metric: ScalingMetric::Cpu,
            target: 60.0,
            tolerance: 0.1,
            sync_period_s: 15,
            scale_down_stabilization_s: 300,
            scale_up_stabilization_s: 0,
            scale_up_percent: 100,
            scale_up_pods: 4,
            scale_up_period_s: 15,
            scale_down_percent: 100,
            scale_down_period_s: 15,
        }
    }
}

/// AWS EC2 Auto Scaling step scaling: two alarms on the metric, step adjustments by how far it
/// is past each threshold, and a cooldown after every scaling activity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepScaling {
    pub metric: ScalingMetric,
    /// the alarm's evaluation period [s] (CloudWatch's standard resolution: 60)
    pub period_s: u32,
    pub scale_out_threshold: f64,
    /// (how far above the threshold the step starts, servers to add), in increasing order; each
    /// step runs to the next one's start, the last one without end
    pub scale_out_steps: Vec<(f64, u32)>,
    pub scale_in_threshold: f64,
    /// servers to remove when the metric is at or below the scale-in threshold
    pub scale_in_by: u32,
    /// no new activity for this long after one [s] (`DefaultCooldown`, 300)
    pub cooldown_s: u32,
}

impl Default for StepScaling {
    fn default() -> Self {
        StepScaling {
            metric: ScalingMetric::Cpu,
            period_s: 60,
            scale_out_threshold: 70.0,
            scale_out_steps: vec![(0.0, 1), (15.0, 3)],
            scale_in_threshold: 30.0,
            scale_in_by: 1,
            cooldown_s: 300,
        }
    }
}

/// Scale to `count` servers at `at_s` (an AWS scheduled action setting desired capacity).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledCount {
    pub at_s: u32,
    pub count: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ScalingPolicy {
    /// the pool changes only when someone changes it
    #[default]
    None,
    TargetTracking(TargetTracking),
    StepScaling(StepScaling),
    Schedule(Vec<ScheduledCount>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscalerConfig {
    pub policy: ScalingPolicy,
    pub min_servers: u32,
    pub max_servers: u32,
    /// the p95 latency users should get [ms]: drawn on the latency chart; each second above it
    /// is an SLO violation
    pub slo_p95_ms: f64,
}

impl Default for AutoscalerConfig {
    fn default() -> Self {
        AutoscalerConfig { policy: ScalingPolicy::None, min_servers: 1, max_servers: 20, slo_p95_ms: 250.0 }
    }
}

impl AutoscalerConfig {
    pub fn is_active(&self) -> bool {
        self.policy != ScalingPolicy::None
    }

    /// Checks the settings against each other and their ranges.
    pub fn check(&self, c: &mut Checker) {
        let mut rule = |problem: String| c.rule("autoscaler", problem);
        if self.min_servers < 1 || self.max_servers > MAX_SERVERS || self.min_servers > self.max_servers {
            rule(format!(
                "the autoscaler's minimum ({}) and maximum ({}) must satisfy 1 ≤ minimum ≤ maximum ≤ {}",
                self.min_servers,
                self.max_servers,
                fmt_number(MAX_SERVERS.into())
            ));
        }
        let longest = fmt_number(MAX_SCALING_PERIOD_S.into());
        let positive = |rule: &mut dyn FnMut(String), what: &str, v: f64| {
            if !(v.is_finite() && v > 0.0 && v <= 1e9) {
                rule(format!("{what} is {}, but it must be more than 0", fmt_number(v)));
            }
        };
        positive(&mut rule, "the SLO's p95", self.slo_p95_ms);
        let period = |rule: &mut dyn FnMut(String), what: &str, v: u32| {
            if !(1..=MAX_SCALING_PERIOD_S).contains(&v) {
                rule(format!("{what} is {v} s, but it must be between 1 and {longest} s"));
            }
        };
        match &self.policy {
            ScalingPolicy::None => {}
            ScalingPolicy::TargetTracking(t) => {
                positive(&mut rule, "the target", t.target);
                if !(t.tolerance.is_finite() && (0.0..1.0).contains(&t.tolerance)) {
                    rule(format!(
                        "the tolerance is {}, but it must be at least 0 and below 1",
                        fmt_number(t.tolerance)
                    ));
                }
                period(&mut rule, "the sync period", t.sync_period_s);
                period(&mut rule, "the scale-up period", t.scale_up_period_s);
                period(&mut rule, "the scale-down period", t.scale_down_period_s);
                if t.scale_down_stabilization_s > MAX_SCALING_PERIOD_S
                    || t.scale_up_stabilization_s > MAX_SCALING_PERIOD_S
                {
                    rule(format!("a stabilization window must be at most {longest} s"));
                }
                if t.scale_down_percent > 100 {
                    rule("the scale-down policy can remove at most 100% per period".into());
                }
            }
            ScalingPolicy::StepScaling(s) => {
                period(&mut rule, "the evaluation period", s.period_s);
                if s.cooldown_s > MAX_COOLDOWN_S {
                    rule(format!("the cooldown must be at most {} s", fmt_number(MAX_COOLDOWN_S.into())));
                }
                if s.scale_in_threshold >= s.scale_out_threshold {
                    rule("the scale-in threshold must be below the scale-out threshold".into());
                }
                if s.scale_out_steps.is_empty() || s.scale_out_steps[0].0 != 0.0 {
                    rule("the first scale-out step must start at the threshold (0)".into());
                }
                if s.scale_out_steps.windows(2).any(|w| w[1].0 <= w[0].0) {
                    rule("scale-out steps must start further and further above the threshold".into());
                }
            }
            ScalingPolicy::Schedule(entries) => {
                if entries.windows(2).any(|w| w[1].at_s < w[0].at_s) {
                    rule("scheduled actions must be in time order".into());
                }
                if entries.len() > MAX_SCHEDULED_ACTIONS {
                    rule(format!("a schedule holds at most {MAX_SCHEDULED_ACTIONS} actions"));
                }
            }
        }
    }
}

/// One decision, for the marks on the charts and the list beside them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScaleDecision {
    pub at: SimTime,
    pub from: u32,
    pub to: u32,
    pub reason: String,
}

/// What the autoscaler sees of the pool at a decision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolState {
    /// servers the pool is meant to have: running or booting, not draining (the HPA's
    /// `currentReplicas`, the ASG's desired capacity)
    pub current: u32,
    /// servers taking traffic (ready pods)
    pub ready: u32,
}

/// The HPA's replica count for a metric (`replica_calculator.go`): `ceil(ratio × ready)`, no
/// change within the tolerance, and on a scale-up servers not ready yet count as using nothing
/// (for per-server metrics; an object metric such as latency ignores them). Returns the count
/// and the ratio it used.
pub fn hpa_replicas(pool: PoolState, metric: ScalingMetric, value: f64, target: f64, tolerance: f64) -> (u32, f64) {
    let ratio = value / target;
    let ready = f64::from(pool.ready);
    let unready = pool.current.saturating_sub(pool.ready);
    let per_server = metric != ScalingMetric::P95Latency;
    if !(per_server && unready > 0 && ratio > 1.0) {
        if (1.0 - ratio).abs() <= tolerance {
            return (pool.current, ratio);
        }
        return (libm::ceil(ratio * ready) as u32, ratio);
    }
    let all = f64::from(pool.ready + unready);
    let new_ratio = value * ready / (target * all);
    if (1.0 - new_ratio).abs() <= tolerance || new_ratio < 1.0 {
        return (pool.current, new_ratio);
    }
    let replicas = libm::ceil(new_ratio * all) as u32;
    (replicas.max(pool.current), new_ratio)
}

/// A change of size the HPA made, for its rate limits.
#[derive(Clone, Copy, Debug)]
struct ScaleEvent {
    at: SimTime,
    added: i64,
}

/// The HPA's memory between decisions: recommendations for the stabilization windows, and
/// recent changes for the rate policies (`horizontal.go`, `normalizeDesiredReplicasWithBehaviors`).
#[derive(Clone, Default)]
pub struct HpaState {
    recommendations: Vec<(SimTime, u32)>,
    events: Vec<ScaleEvent>,
}

impl HpaState {
    /// Stabilization: a scale-up goes no higher than the lowest recommendation within the
    /// scale-up window, a scale-down no lower than the highest within the scale-down window.
    fn stabilize(&mut self, t: &TargetTracking, now: SimTime, current: u32, desired: u32) -> u32 {
        let (up_window, down_window) = (t.scale_up_stabilization_s, t.scale_down_stabilization_s);
        let (mut up, mut down) = (desired, desired);
        for &(at, rec) in &self.recommendations {
            if within(at, up_window, now) {
                up = up.min(rec);
            }
            if within(at, down_window, now) {
                down = down.max(rec);
            }
        }
        self.recommendations.retain(|&(at, _)| within(at, up_window.max(down_window), now));
        self.recommendations.push((now, desired));
        current.max(up).min(down)
    }

    /// Servers added (positive) or removed (negative) within the last `period_s`.
    fn change_within(&self, now: SimTime, period_s: u32, up: bool) -> i64 {
        self.events.iter().filter(|e| within(e.at, period_s, now) && (e.added > 0) == up).map(|e| e.added.abs()).sum()
    }

    /// The rate policies: a scale-up adds at most the larger of +percent and +pods per period
    /// (counting from the size at the period's start); a scale-down removes at most percent.
    fn rate_limited(
        &self,
        t: &TargetTracking,
        now: SimTime,
        current: u32,
        desired: u32,
        min: u32,
        max: u32,
    ) -> (u32, Option<String>) {
        let current_i = i64::from(current);
        if desired > current {
            let start =
                |period| current_i - self.change_within(now, period, true) + self.change_within(now, period, false);
            let by_percent = {
                let s = start(t.scale_up_period_s);
                libm::ceil(s as f64 * (1.0 + f64::from(t.scale_up_percent) / 100.0)) as i64
            };
            let by_pods = start(t.scale_up_period_s) + i64::from(t.scale_up_pods);
            let limit = by_percent.max(by_pods).max(current_i);
            let allowed = limit.min(i64::from(max));
            if i64::from(desired) > allowed {
                let why = if allowed == i64::from(max) {
                    format!("held at the maximum, {max}")
                } else {
                    format!(
                        "limited to {allowed} by the scale-up policy (+{}% or +{} per {} s)",
                        t.scale_up_percent, t.scale_up_pods, t.scale_up_period_s
                    )
                };
                return (allowed as u32, Some(why));
            }
        } else if desired < current {
            let start = current_i + self.change_within(now, t.scale_down_period_s, false)
                - self.change_within(now, t.scale_down_period_s, true);
            let limit = ((start as f64) * (1.0 - f64::from(t.scale_down_percent) / 100.0)) as i64;
            let allowed = limit.min(current_i).max(i64::from(min));
            if i64::from(desired) < allowed {
                let why = if allowed == i64::from(min) {
                    format!("held at the minimum, {min}")
                } else {
                    format!(
                        "limited to {allowed} by the scale-down policy (−{}% per {} s)",
                        t.scale_down_percent, t.scale_down_period_s
                    )
                };
                return (allowed as u32, Some(why));
            }
        }
        (desired, None)
    }

    fn record(&mut self, now: SimTime, from: u32, to: u32, keep_s: u32) {
        self.events.retain(|e| within(e.at, keep_s, now));
        if to != from {
            self.events.push(ScaleEvent { at: now, added: i64::from(to) - i64::from(from) });
        }
    }
}

/// One HPA decision: the count for this sync period and why.
pub fn hpa_decide(
    state: &mut HpaState,
    t: &TargetTracking,
    bounds: (u32, u32),
    now: SimTime,
    pool: PoolState,
    value: f64,
) -> (u32, String) {
    let (min, max) = bounds;
    let unit = t.metric.unit();
    // Outside the bounds (someone changed the pool by hand): back inside first, as the HPA does.
    if pool.current > max {
        state.record(now, pool.current, max, keep_s(t));
        return (max, format!("{} servers is above the maximum: {} → {max}", pool.current, pool.current));
    }
    if pool.current < min {
        state.record(now, pool.current, min, keep_s(t));
        return (min, format!("{} servers is below the minimum: {} → {min}", pool.current, pool.current));
    }
    let (raw, ratio) = if pool.ready == 0 {
        (pool.current, f64::NAN)
    } else {
        hpa_replicas(pool, t.metric, value, t.target, t.tolerance)
    };
    let stabilized = state.stabilize(t, now, pool.current, raw);
    let (to, limited) = state.rate_limited(t, now, pool.current, stabilized, min, max);
    let to = to.clamp(min, max);
    state.record(now, pool.current, to, keep_s(t));
    let measured = format!("{}{unit} against {}{unit}", fmt_value(value), fmt_value(t.target));
    let mut reason = if ratio.is_nan() {
        "no server ready to measure".to_string()
    } else if (1.0 - ratio).abs() <= t.tolerance {
        format!("ratio {ratio:.2} within ±{}: {measured}", t.tolerance)
    } else {
        let bound = if ratio > 1.0 { 1.0 + t.tolerance } else { 1.0 - t.tolerance };
        // As many decimals as it takes for the two to differ on screen ("1.104 > 1.100", never
        // "1.10 > 1.10").
        let decimals = (2..=6).find(|&d| format!("{ratio:.d$}") != format!("{bound:.d$}")).unwrap_or(6);
        format!("ratio {ratio:.decimals$} {} {bound:.decimals$}: {measured}", if ratio > 1.0 { ">" } else { "<" })
    };
    let unready = pool.current.saturating_sub(pool.ready);
    if unready > 0 && !ratio.is_nan() {
        if t.metric == ScalingMetric::P95Latency {
            // An object metric: the HPA multiplies its ratio by the ready servers only, which is
            // why 3 servers at ratio 2 can become 5 rather than 6.
            reason.push_str(&format!(" (× the {} ready; {unready} not ready yet)", pool.ready));
        } else if value > t.target {
            reason.push_str(&format!(" ({unready} not ready, counted as idle)"));
        }
    }
    if stabilized != raw {
        reason.push_str(&format!("; wants {raw}, stabilization keeps {stabilized}"));
    }
    if let Some(why) = limited {
        reason.push_str(&format!("; {why}"));
    }
    (to, reason)
}

/// Whether `at` lies within the last `window_s` before `now` (strictly after `now − window`,
/// as the HPA's `timestamp.After(cutoff)`; the cutoff may lie before the run began).
fn within(at: SimTime, window_s: u32, now: SimTime) -> bool {
    at + SimTime::from_secs(u64::from(window_s)) > now
}

fn keep_s(t: &TargetTracking) -> u32 {
    t.scale_up_period_s.max(t.scale_down_period_s)
}

/// A measured or configured value, short: whole numbers without decimals, others with one.
fn fmt_value(v: f64) -> String {
    if v >= 100.0 || (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// One step-scaling evaluation: which alarm fires, and the step it lands in.
pub fn step_decide(s: &StepScaling, current: u32, value: f64) -> Option<(u32, String)> {
    let unit = s.metric.unit();
    if value >= s.scale_out_threshold {
        let over = value - s.scale_out_threshold;
        // Above the threshold a step's lower bound is inclusive and its upper bound exclusive.
        let &(start, add) = s.scale_out_steps.iter().rev().find(|&&(start, _)| over >= start)?;
        let next = s.scale_out_steps.iter().find(|&&(st, _)| st > start).map(|&(st, _)| st);
        let range = match next {
            Some(end) => format!("[+{}, +{})", fmt_value(start), fmt_value(end)),
            None => format!("[+{}, ∞)", fmt_value(start)),
        };
        let reason =
            format!("{}{unit} ≥ {}{unit}: step {range} adds {add}", fmt_value(value), fmt_value(s.scale_out_threshold));
        return Some((current + add, reason));
    }
    if value <= s.scale_in_threshold {
        let reason = format!(
            "{}{unit} ≤ {}{unit}: removes {}",
            fmt_value(value),
            fmt_value(s.scale_in_threshold),
            s.scale_in_by
        );
        return Some((current.saturating_sub(s.scale_in_by), reason));
    }
    None
}

/// Per-second measurements the autoscaler averages over its period.
#[derive(Clone, Copy, Debug, Default)]
pub struct SecondMeasure {
    /// mean busy fraction of the ready servers [0, 1]
    pub utilisation: f64,
    /// requests that arrived in the second
    pub arrived: u64,
    pub ready: u32,
}

/// The autoscaler as the engine runs it: its settings, the last seconds it measured, the
/// latencies since its last decision, and its memory.
#[derive(Clone)]
pub struct Autoscaler {
    config: AutoscalerConfig,
    seconds: std::collections::VecDeque<SecondMeasure>,
    latency: Histogram,
    hpa: HpaState,
    cooldown_until: SimTime,
    next_scheduled: usize,
    decisions: Vec<ScaleDecision>,
    slo_violation_seconds: u64,
}

/// Decisions kept for the charts and the list (the oldest go first).
const MAX_DECISIONS: usize = 1_000;

impl Autoscaler {
    pub fn new(config: AutoscalerConfig) -> Self {
        Autoscaler {
            config,
            seconds: Default::default(),
            latency: Histogram::default(),
            hpa: HpaState::default(),
            cooldown_until: SimTime::ZERO,
            next_scheduled: 0,
            decisions: Vec::new(),
            slo_violation_seconds: 0,
        }
    }

    pub fn config(&self) -> &AutoscalerConfig {
        &self.config
    }
    pub fn decisions(&self) -> &[ScaleDecision] {
        &self.decisions
    }
    pub fn slo_violation_seconds(&self) -> u64 {
        self.slo_violation_seconds
    }

    #[inline]
    pub fn record_latency(&mut self, latency: SimTime) {
        self.latency.record(latency);
    }

    /// A second closed: remember what it measured and whether its p95 broke the SLO.
    pub fn close_second(&mut self, measure: SecondMeasure, p95_ms: f64) {
        if p95_ms > self.config.slo_p95_ms {
            self.slo_violation_seconds += 1;
        }
        self.seconds.push_back(measure);
        if self.seconds.len() > 3_600 {
            self.seconds.pop_front();
        }
    }

    /// The metric averaged over the last `period_s` seconds (latency: since the last decision).
    fn measure(&self, metric: ScalingMetric, period_s: u32) -> f64 {
        let recent: Vec<&SecondMeasure> = self.seconds.iter().rev().take(period_s as usize).collect();
        let n = recent.len().max(1) as f64;
        match metric {
            ScalingMetric::Cpu => recent.iter().map(|s| s.utilisation).sum::<f64>() / n * 100.0,
            ScalingMetric::RequestsPerServer => {
                recent.iter().map(|s| s.arrived as f64 / f64::from(s.ready.max(1))).sum::<f64>() / n
            }
            ScalingMetric::P95Latency => self.latency.percentile_ms(95.0),
        }
    }

    /// Called at the end of every whole second `second`; returns the pool size to go to when
    /// the policy changes it.
    pub fn decide(&mut self, second: u64, now: SimTime, pool: PoolState) -> Option<u32> {
        let (min, max) = (self.config.min_servers, self.config.max_servers);
        let decision = match &self.config.policy {
            ScalingPolicy::None => None,
            ScalingPolicy::TargetTracking(t) => {
                if !second.is_multiple_of(u64::from(t.sync_period_s)) {
                    return None;
                }
                let value = self.measure(t.metric, t.sync_period_s);
                self.latency.clear();
                let t = t.clone();
                Some(hpa_decide(&mut self.hpa, &t, (min, max), now, pool, value))
            }
            ScalingPolicy::StepScaling(s) => {
                if !second.is_multiple_of(u64::from(s.period_s)) {
                    return None;
                }
                let value = self.measure(s.metric, s.period_s);
                self.latency.clear();
                if now < self.cooldown_until {
                    None
                } else {
                    step_decide(s, pool.current, value).map(|(to, reason)| {
                        let to = to.clamp(min, max);
                        let cooldown = SimTime::from_secs(u64::from(s.cooldown_s));
                        if to != pool.current {
                            self.cooldown_until = now + cooldown;
                        }
                        (to, reason)
                    })
                }
            }
            ScalingPolicy::Schedule(entries) => {
                let due = entries.get(self.next_scheduled).filter(|e| u64::from(e.at_s) <= second).copied();
                due.map(|e| {
                    self.next_scheduled += 1;
                    (e.count.clamp(min, max), format!("scheduled: {} servers at {} s", e.count, e.at_s))
                })
            }
        };
        let (to, reason) = decision?;
        if to == pool.current {
            return None;
        }
        if self.decisions.len() == MAX_DECISIONS {
            self.decisions.remove(0);
        }
        self.decisions.push(ScaleDecision {
            at: now,
            from: pool.current,
            to,
            reason: format!("{reason}: {} → {to}", pool.current),
        });
        Some(to)
    }
}

#[cfg(test)]
#[path = "autoscaler_tests.rs"]
mod tests;
