//! Every plain knob, once: a number, a choice or an on/off setting, with its field (as in the
//! scenario's JSON), its label, and how to read it from the config and write it back. The form
//! draws these and `apply_knob` applies them, so each knob's name is written in one place.

use sim::caching::{CachingConfig, Invalidation, Strategy};
use sim::components::autoscaler::{ScalingMetric, ScalingPolicy, ScheduledCount, StepScaling, TargetTracking};
use sim::data::multi_primary::Resolution;
use sim::data::replication::{CommitChoice, CommitMode, ReadFix, ReadRouting, SyncMethod};
use sim::profile::TrafficProfile;
use sim::scenario::SessionMode;
use sim::{Algorithm, Scenario, ServiceTime};

/// A problem with one field, shown beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct KnobError {
    pub field: &'static str,
    pub message: String,
}

/// `raw` as a whole number, or what to type instead.
fn whole_number(raw: &str, field: &'static str) -> Result<u32, KnobError> {
    raw.trim().parse::<u32>().map_err(|_| refused(raw, field, "a whole number"))
}

pub fn refused(raw: &str, field: &'static str, what: &str) -> KnobError {
    KnobError { field, message: format!("“{raw}” is not {what}; enter {what}") }
}

/// A numeric knob of a config `C` (the scenario, or its caching lab).
pub struct NumberKnob<C: 'static> {
    pub field: &'static str,
    pub label: &'static str,
    /// the form's step
    pub step: &'static str,
    /// whole numbers only (counts), or any number
    pub whole: bool,
    pub read: fn(&C) -> f64,
    pub write: fn(&mut C, f64),
}

impl<C> NumberKnob<C> {
    /// Writes the value typed into the config, or says what to type instead.
    pub fn apply(&self, config: &mut C, raw: &str) -> Result<(), KnobError> {
        let value = if self.whole {
            f64::from(whole_number(raw, self.field)?)
        } else {
            raw.trim().parse::<f64>().map_err(|_| refused(raw, self.field, "a number"))?
        };
        (self.write)(config, value);
        Ok(())
    }

    /// The value the form shows.
    pub fn shown(&self, config: &C) -> String {
        (self.read)(config).to_string()
    }

    /// What the form draws: field, label, value, step.
    pub fn drawn(&self, config: &C) -> (&'static str, &'static str, String, &'static str) {
        (self.field, self.label, self.shown(config), self.step)
    }
}

pub const ARRIVAL_RATE: NumberKnob<Scenario> = NumberKnob {
    field: "clients.arrival_rate",
    label: "Arrival rate (requests/s)",
    step: "10",
    whole: false,
    read: |s| s.clients.arrival_rate,
    write: |s, v| s.clients.arrival_rate = v,
};
pub const SERVERS: NumberKnob<Scenario> = NumberKnob {
    field: "servers.count",
    label: "Servers",
    step: "1",
    whole: true,
    read: |s| f64::from(s.servers.count),
    write: |s, v| s.servers.count = v as u32,
};
pub const SLOTS: NumberKnob<Scenario> = NumberKnob {
    field: "servers.concurrency",
    label: "Slots per server",
    step: "1",
    whole: true,
    read: |s| f64::from(s.servers.concurrency),
    write: |s, v| s.servers.concurrency = v as u32,
};
pub const SPEED: NumberKnob<Scenario> = NumberKnob {
    field: "servers.speed",
    label: "Server speed (×)",
    step: "0.1",
    whole: false,
    read: |s| s.servers.speed,
    write: |s, v| s.servers.speed = v,
};
pub const QUEUE_LIMIT: NumberKnob<Scenario> = NumberKnob {
    field: "servers.queue_limit",
    label: "Queue limit per server",
    step: "1",
    whole: true,
    read: |s| f64::from(s.servers.queue_limit),
    write: |s, v| s.servers.queue_limit = v as u32,
};
pub const MEAN_SERVICE: NumberKnob<Scenario> = NumberKnob {
    field: "servers.service.mean_ms",
    label: "Mean service time (ms)",
    step: "1",
    whole: false,
    read: |s| s.servers.service.mean_ms(),
    write: |s, v| s.servers.service = s.servers.service.with_mean_ms(v),
};
pub const LINK_LATENCY: NumberKnob<Scenario> = NumberKnob {
    field: "network.link_latency_ms",
    label: "Link latency (ms)",
    step: "1",
    whole: false,
    read: |s| s.network.link_latency_ms,
    write: |s, v| s.network.link_latency_ms = v,
};
pub const CLIENT_TIMEOUT: NumberKnob<Scenario> = NumberKnob {
    field: "clients.timeout_ms",
    label: "Client timeout (ms)",
    step: "100",
    whole: false,
    read: |s| s.clients.timeout_ms,
    write: |s, v| s.clients.timeout_ms = v,
};
pub const USERS: NumberKnob<Scenario> = NumberKnob {
    field: "clients.users",
    label: "Users",
    step: "1",
    whole: true,
    read: |s| f64::from(s.clients.users),
    write: |s, v| s.clients.users = v as u32,
};
pub const WEIGHT: NumberKnob<Scenario> = NumberKnob {
    field: "servers.weight",
    label: "Weight of every server",
    step: "1",
    whole: true,
    read: |s| f64::from(s.servers.weight),
    write: |s, v| s.servers.weight = v as u32,
};
pub const PRICE: NumberKnob<Scenario> = NumberKnob {
    field: "servers.price_per_slot_hour",
    label: "Price per slot-hour ($)",
    step: "0.001",
    whole: false,
    read: |s| s.servers.price_per_slot_hour,
    write: |s, v| s.servers.price_per_slot_hour = v,
};
pub const QUEUE_TIMEOUT: NumberKnob<Scenario> = NumberKnob {
    field: "balancer.queue_timeout_ms",
    label: "Queue timeout (ms)",
    step: "100",
    whole: false,
    read: |s| s.balancer.queue_timeout_ms,
    write: |s, v| s.balancer.queue_timeout_ms = v,
};
pub const STORE_LATENCY: NumberKnob<Scenario> = NumberKnob {
    field: "sessions.store.latency_ms",
    label: "Store latency (ms)",
    step: "0.05",
    whole: false,
    read: |s| s.sessions.store.latency_ms,
    write: |s, v| s.sessions.store.latency_ms = v,
};
pub const STORE_OP: NumberKnob<Scenario> = NumberKnob {
    field: "sessions.store.op_ms",
    label: "Store time per read or write (ms)",
    step: "0.05",
    whole: false,
    read: |s| s.sessions.store.op_ms,
    write: |s, v| s.sessions.store.op_ms = v,
};
pub const STORE_THREADS: NumberKnob<Scenario> = NumberKnob {
    field: "sessions.store.concurrency",
    label: "Store threads",
    step: "1",
    whole: true,
    read: |s| f64::from(s.sessions.store.concurrency),
    write: |s, v| s.sessions.store.concurrency = v as u32,
};
pub const MIN_SERVERS: NumberKnob<Scenario> = NumberKnob {
    field: "autoscaler.min_servers",
    label: "Minimum servers",
    step: "1",
    whole: true,
    read: |s| f64::from(s.autoscaler.min_servers),
    write: |s, v| s.autoscaler.min_servers = v as u32,
};
pub const MAX_SERVERS: NumberKnob<Scenario> = NumberKnob {
    field: "autoscaler.max_servers",
    label: "Maximum servers",
    step: "1",
    whole: true,
    read: |s| f64::from(s.autoscaler.max_servers),
    write: |s, v| s.autoscaler.max_servers = v as u32,
};
pub const SLO: NumberKnob<Scenario> = NumberKnob {
    field: "autoscaler.slo_p95_ms",
    label: "SLO: p95 under (ms)",
    step: "10",
    whole: false,
    read: |s| s.autoscaler.slo_p95_ms,
    write: |s, v| s.autoscaler.slo_p95_ms = v,
};
pub const BOOT: NumberKnob<Scenario> = NumberKnob {
    field: "servers.boot_s",
    label: "Boot time (s)",
    step: "5",
    whole: false,
    read: |s| s.servers.boot_ms / 1_000.0,
    write: |s, v| s.servers.boot_ms = v * 1_000.0,
};
pub const DRAIN_TIMEOUT: NumberKnob<Scenario> = NumberKnob {
    field: "servers.drain_timeout_s",
    label: "Drain timeout (s)",
    step: "5",
    whole: false,
    read: |s| s.servers.drain_timeout_ms / 1_000.0,
    write: |s, v| s.servers.drain_timeout_ms = v * 1_000.0,
};
pub const CHECK_INTERVAL: NumberKnob<Scenario> = NumberKnob {
    field: "health_check.interval_ms",
    label: "Interval (ms)",
    step: "100",
    whole: false,
    read: |s| s.health_check.interval_ms,
    write: |s, v| s.health_check.interval_ms = v,
};
pub const FALL: NumberKnob<Scenario> = NumberKnob {
    field: "health_check.fall",
    label: "Fall",
    step: "1",
    whole: true,
    read: |s| f64::from(s.health_check.fall),
    write: |s, v| s.health_check.fall = v as u32,
};
pub const RISE: NumberKnob<Scenario> = NumberKnob {
    field: "health_check.rise",
    label: "Rise",
    step: "1",
    whole: true,
    read: |s| f64::from(s.health_check.rise),
    write: |s, v| s.health_check.rise = v as u32,
};

/// The log-normal service time's shape (a scenario with another service time has none: 0, and no
/// change).
pub const SIGMA: NumberKnob<Scenario> = NumberKnob {
    field: "servers.service.sigma",
    label: "Log-normal σ",
    step: "0.1",
    whole: false,
    read: |s| match s.servers.service {
        ServiceTime::LogNormal { sigma, .. } => sigma,
        _ => 0.0,
    },
    write: |s, v| {
        if let ServiceTime::LogNormal { sigma, .. } = &mut s.servers.service {
            *sigma = v
        }
    },
};

/// A whole number that may be left empty: an HAProxy setting that is off unless given.
pub struct OptionalKnob<C: 'static> {
    pub field: &'static str,
    pub label: &'static str,
    pub step: &'static str,
    pub read: fn(&C) -> Option<u32>,
    pub write: fn(&mut C, Option<u32>),
}

impl<C> OptionalKnob<C> {
    pub fn apply(&self, config: &mut C, raw: &str) -> Result<(), KnobError> {
        let value = if raw.trim().is_empty() { None } else { Some(whole_number(raw, self.field)?) };
        (self.write)(config, value);
        Ok(())
    }

    /// The value the form shows: empty when off.
    pub fn shown(&self, config: &C) -> String {
        (self.read)(config).map(|n| n.to_string()).unwrap_or_default()
    }
}

pub const MAX_CONN: OptionalKnob<Scenario> = OptionalKnob {
    field: "balancer.max_conn",
    label: "maxconn per server",
    step: "1",
    read: |s| s.balancer.max_conn,
    write: |s, v| s.balancer.max_conn = v,
};
pub const BOUNDED_LOAD: OptionalKnob<Scenario> = OptionalKnob {
    field: "balancer.bounded_load_percent",
    label: "Bounded load (%)",
    step: "5",
    read: |s| s.balancer.bounded_load_percent,
    write: |s, v| s.balancer.bounded_load_percent = v,
};
pub const SCENARIO_OPTIONALS: [&OptionalKnob<Scenario>; 2] = [&MAX_CONN, &BOUNDED_LOAD];

/// A number of one traffic profile's shape, named as in the JSON (0 and no change on another shape).
macro_rules! profile_knob {
    ($name:ident, $variant:ident . $part:ident, $label:literal, $step:literal) => {
        pub const $name: NumberKnob<TrafficProfile> = NumberKnob {
            field: concat!("clients.profile.", stringify!($part)),
            label: $label,
            step: $step,
            whole: false,
            read: |p| match p {
                TrafficProfile::$variant { $part, .. } => *$part,
                _ => 0.0,
            },
            write: |p, v| {
                if let TrafficProfile::$variant { $part, .. } = p {
                    *$part = v
                }
            },
        };
    };
}

profile_knob!(RAMP_FROM, Ramp.from, "From (requests/s)", "10");
profile_knob!(RAMP_TO, Ramp.to, "To (requests/s)", "10");
profile_knob!(RAMP_SECONDS, Ramp.seconds, "Over (s)", "10");
profile_knob!(SPIKE_BASE, Spike.base, "Base (requests/s)", "10");
profile_knob!(SPIKE_PEAK, Spike.peak, "Peak (requests/s)", "10");
profile_knob!(SPIKE_AT, Spike.at_s, "Starts at (s)", "10");
profile_knob!(SPIKE_SECONDS, Spike.seconds, "Lasts (s)", "10");
profile_knob!(WAVE_MEAN, DailyWave.mean, "Mean (requests/s)", "10");
profile_knob!(WAVE_AMPLITUDE, DailyWave.amplitude, "Swing (± requests/s)", "10");
profile_knob!(WAVE_PERIOD, DailyWave.period_s, "A day lasts (s)", "60");

/// The numbers a profile of this shape has (a ramp and a spike both have `seconds`).
pub fn profile_knobs(profile: &TrafficProfile) -> &'static [&'static NumberKnob<TrafficProfile>] {
    match profile {
        TrafficProfile::Ramp { .. } => &[&RAMP_FROM, &RAMP_TO, &RAMP_SECONDS],
        TrafficProfile::Spike { .. } => &[&SPIKE_BASE, &SPIKE_PEAK, &SPIKE_AT, &SPIKE_SECONDS],
        TrafficProfile::DailyWave { .. } => &[&WAVE_MEAN, &WAVE_AMPLITUDE, &WAVE_PERIOD],
        TrafficProfile::Constant | TrafficProfile::Points { .. } => &[],
    }
}

/// The form's name for a profile's kind (its serde name).
pub fn profile_kind(profile: &TrafficProfile) -> &'static str {
    match profile {
        TrafficProfile::Constant => "constant",
        TrafficProfile::Ramp { .. } => "ramp",
        TrafficProfile::Spike { .. } => "spike",
        TrafficProfile::DailyWave { .. } => "daily_wave",
        TrafficProfile::Points { .. } => "points",
    }
}

/// A profile of `kind` shaped around the present arrival rate, for a student to adjust.
fn profile_of_kind(kind: &str, rate: f64) -> TrafficProfile {
    match kind {
        "ramp" => TrafficProfile::Ramp { from: rate, to: rate * 2.0, seconds: 300.0 },
        "spike" => TrafficProfile::Spike { base: rate, peak: rate * 3.0, at_s: 60.0, seconds: 120.0 },
        "daily_wave" => TrafficProfile::DailyWave { mean: rate, amplitude: rate / 2.0, period_s: 600.0 },
        "points" => TrafficProfile::Points { points: vec![(0.0, rate), (120.0, rate * 2.0), (240.0, rate)] },
        _ => TrafficProfile::Constant,
    }
}

pub const PROFILE_KIND: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "clients.profile.kind",
    label: "Traffic over time",
    options: || {
        vec![
            ("constant", "Constant (the arrival rate)"),
            ("ramp", "Ramp"),
            ("spike", "Spike"),
            ("daily_wave", "Daily wave"),
            ("points", "Pasted as CSV"),
        ]
    },
    read: |s| profile_kind(&s.clients.profile),
    write: |s, key| s.clients.profile = profile_of_kind(key, s.clients.arrival_rate),
};

pub fn policy_kind(policy: &ScalingPolicy) -> &'static str {
    match policy {
        ScalingPolicy::None => "none",
        ScalingPolicy::TargetTracking(_) => "target_tracking",
        ScalingPolicy::StepScaling(_) => "step_scaling",
        ScalingPolicy::Schedule(_) => "schedule",
    }
}

pub const POLICY: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "autoscaler.policy",
    label: "Policy",
    options: || {
        vec![
            ("none", "None"),
            ("target_tracking", "Target tracking (Kubernetes HPA)"),
            ("step_scaling", "Step scaling (AWS, with cooldown)"),
            ("schedule", "Schedule"),
        ]
    },
    read: |s| policy_kind(&s.autoscaler.policy),
    write: |s, key| {
        s.autoscaler.policy = match key {
            "target_tracking" => ScalingPolicy::TargetTracking(TargetTracking::default()),
            "step_scaling" => ScalingPolicy::StepScaling(StepScaling::default()),
            "schedule" => ScalingPolicy::Schedule(vec![
                ScheduledCount { at_s: 60, count: 8 },
                ScheduledCount { at_s: 180, count: 4 },
            ]),
            _ => ScalingPolicy::None,
        }
    },
};

pub fn metric_key(metric: ScalingMetric) -> &'static str {
    match metric {
        ScalingMetric::Cpu => "cpu",
        ScalingMetric::RequestsPerServer => "requests_per_server",
        ScalingMetric::P95Latency => "p95_latency",
    }
}

/// The metric a policy watches; choosing one also sets sensible targets for it (servers of the
/// default size answer 100 requests/s). A schedule watches none.
pub const METRIC: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "autoscaler.metric",
    label: "Metric",
    options: || ScalingMetric::ALL.iter().map(|m| (metric_key(*m), m.label())).collect(),
    read: |s| match &s.autoscaler.policy {
        ScalingPolicy::TargetTracking(t) => metric_key(t.metric),
        ScalingPolicy::StepScaling(st) => metric_key(st.metric),
        ScalingPolicy::None | ScalingPolicy::Schedule(_) => "",
    },
    write: |s, key| {
        let Some(metric) = ScalingMetric::ALL.into_iter().find(|m| metric_key(*m) == key) else { return };
        match &mut s.autoscaler.policy {
            ScalingPolicy::TargetTracking(t) => {
                t.metric = metric;
                t.target = match metric {
                    ScalingMetric::Cpu | ScalingMetric::RequestsPerServer => 60.0,
                    ScalingMetric::P95Latency => 150.0,
                };
            }
            ScalingPolicy::StepScaling(st) => {
                let (out, inn) = match metric {
                    ScalingMetric::Cpu | ScalingMetric::RequestsPerServer => (70.0, 30.0),
                    ScalingMetric::P95Latency => (200.0, 80.0),
                };
                st.metric = metric;
                st.scale_out_threshold = out;
                st.scale_in_threshold = inn;
                st.scale_out_steps = vec![(0.0, 1), (out / 4.0, 3)];
            }
            ScalingPolicy::None | ScalingPolicy::Schedule(_) => {}
        }
    },
};

/// A number of one autoscaling policy's settings.
macro_rules! policy_knob {
    ($name:ident, $policy:ty, $part:ident, $label:literal, $step:literal, whole) => {
        pub const $name: NumberKnob<$policy> = NumberKnob {
            field: concat!("autoscaler.", stringify!($part)),
            label: $label,
            step: $step,
            whole: true,
            read: |p| f64::from(p.$part),
            write: |p, v| p.$part = v as u32,
        };
    };
    ($name:ident, $policy:ty, $part:ident, $label:literal, $step:literal) => {
        pub const $name: NumberKnob<$policy> = NumberKnob {
            field: concat!("autoscaler.", stringify!($part)),
            label: $label,
            step: $step,
            whole: false,
            read: |p| p.$part,
            write: |p, v| p.$part = v,
        };
    };
}

policy_knob!(TRACKING_TARGET, TargetTracking, target, "Target", "1");
policy_knob!(TRACKING_TOLERANCE, TargetTracking, tolerance, "Tolerance", "0.01");
policy_knob!(TRACKING_SYNC, TargetTracking, sync_period_s, "Sync period (s)", "1", whole);
policy_knob!(TRACKING_WINDOW, TargetTracking, scale_down_stabilization_s, "Scale-down window (s)", "15", whole);
policy_knob!(STEP_OUT, StepScaling, scale_out_threshold, "Scale out at ≥", "1");
policy_knob!(STEP_IN, StepScaling, scale_in_threshold, "Scale in at ≤", "1");
policy_knob!(STEP_PERIOD, StepScaling, period_s, "Alarm period (s)", "10", whole);
policy_knob!(STEP_COOLDOWN, StepScaling, cooldown_s, "Cooldown (s)", "10", whole);

pub const TARGET_TRACKING_KNOBS: [&NumberKnob<TargetTracking>; 4] =
    [&TRACKING_TARGET, &TRACKING_TOLERANCE, &TRACKING_SYNC, &TRACKING_WINDOW];
pub const STEP_SCALING_KNOBS: [&NumberKnob<StepScaling>; 4] = [&STEP_OUT, &STEP_IN, &STEP_PERIOD, &STEP_COOLDOWN];

/// A knob of the scenario's database (shown only when it has one; writing to a scenario without
/// one changes nothing).
macro_rules! data_knob {
    ($name:ident, $field:literal, $label:literal, $step:literal, $whole:literal, |$d:ident| $get:expr, |$w:ident, $v:ident| $set:expr) => {
        pub const $name: NumberKnob<Scenario> = NumberKnob {
            field: $field,
            label: $label,
            step: $step,
            whole: $whole,
            read: |s| s.data.as_ref().map_or(0.0, |$d| $get),
            write: |s, $v| {
                if let Some($w) = s.data.as_mut() {
                    $set
                }
            },
        };
    };
}

data_knob!(DATA_ROWS, "data.rows", "Rows (all tables)", "1000", true, |d| d.rows as f64, |d, v| d.rows = v as u64);
data_knob!(DATA_ZIPF, "data.zipf", "Key popularity (Zipf)", "0.1", false, |d| d.zipf, |d, v| d.zipf = v);
data_knob!(
    DATA_PER_ROW,
    "data.cost.per_row_us",
    "Per row examined (µs)",
    "0.1",
    false,
    |d| d.cost.per_row_us,
    |d, v| d.cost.per_row_us = v
);
data_knob!(
    DATA_CONNECTIONS,
    "data.web.connections",
    "Connections per database server",
    "1",
    true,
    |d| d.web.as_ref().map_or(0.0, |w| f64::from(w.connections)),
    |d, v| if let Some(w) = d.web.as_mut() {
        w.connections = v as u32
    }
);
data_knob!(
    DATA_LATENCY,
    "data.web.latency_ms",
    "Database latency (ms)",
    "0.05",
    false,
    |d| d.web.as_ref().map_or(0.0, |w| w.latency_ms),
    |d, v| if let Some(w) = d.web.as_mut() {
        w.latency_ms = v
    }
);

/// A knob of one optional part of the database's settings (`replication`, `multi_primary`): 0
/// and no change when the scenario does not have that part.
macro_rules! part_knob {
    ($part:ident, $name:ident, $field:literal, $label:literal, $step:literal, $whole:literal, |$r:ident| $get:expr, |$w:ident, $v:ident| $set:expr) => {
        data_knob!($name, $field, $label, $step, $whole, |d| d.$part.as_ref().map_or(0.0, |$r| $get), |d, $v| {
            if let Some($w) = d.$part.as_mut() {
                $set
            }
        });
    };
}

/// A replication setting's knob.
macro_rules! replication_knob {
    ($($rest:tt)*) => {
        part_knob!(replication, $($rest)*);
    };
}

replication_knob!(
    DATA_REPLICAS,
    "data.replication.replicas",
    "Replicas",
    "1",
    true,
    |r| f64::from(r.replicas),
    |r, v| r.replicas = v as u32
);
replication_knob!(
    DATA_APPLY,
    "data.replication.apply_per_s",
    "Replica apply rate (entries/s)",
    "10",
    false,
    |r| r.apply_per_s,
    |r, v| r.apply_per_s = v
);
replication_knob!(
    DATA_STALE_BOUND,
    "data.replication.stale_bound_ms",
    "Stale after (ms)",
    "100",
    false,
    |r| r.stale_bound_ms,
    |r, v| r.stale_bound_ms = v
);
// Setting a fix's number chooses that fix (the form shows each number only beside its fix).
replication_knob!(
    DATA_FIX_SECONDS,
    "data.replication.fix.seconds",
    "Primary after a write (s)",
    "0.5",
    false,
    |r| match r.fix {
        ReadFix::PrimaryAfterWrite { seconds } => seconds,
        _ => 0.0,
    },
    |r, v| r.fix = ReadFix::PrimaryAfterWrite { seconds: v }
);
replication_knob!(
    DATA_FIX_TIMEOUT,
    "data.replication.fix.timeout_ms",
    "Wait at most (ms)",
    "100",
    false,
    |r| match r.fix {
        ReadFix::WaitForPosition { timeout_ms } => timeout_ms,
        _ => 0.0,
    },
    |r, v| r.fix = ReadFix::WaitForPosition { timeout_ms: v }
);
// The commit mode's numbers: how many replicas a commit waits for, and semi-sync's timeout.
replication_knob!(
    DATA_COMMIT_COUNT,
    "data.replication.commit.count",
    "Replicas a commit waits for",
    "1",
    true,
    |r| match r.commit {
        CommitMode::SemiSync { wait_for_replica_count: k, .. } | CommitMode::Synchronous { count: k, .. } =>
            f64::from(k),
        CommitMode::Async => 0.0,
    },
    |r, v| match &mut r.commit {
        CommitMode::SemiSync { wait_for_replica_count: k, .. } | CommitMode::Synchronous { count: k, .. } =>
            *k = v as u32,
        CommitMode::Async => {}
    }
);
replication_knob!(
    DATA_COMMIT_TIMEOUT,
    "data.replication.commit.timeout_ms",
    "Semi-sync timeout (ms)",
    "100",
    false,
    |r| match r.commit {
        CommitMode::SemiSync { timeout_ms, .. } => timeout_ms,
        _ => 0.0,
    },
    |r, v| if let CommitMode::SemiSync { timeout_ms, .. } = &mut r.commit {
        *timeout_ms = v
    }
);

/// A multi-primary setting's knob.
macro_rules! multi_primary_knob {
    ($($rest:tt)*) => {
        part_knob!(multi_primary, $($rest)*);
    };
}

multi_primary_knob!(
    DATA_PRIMARIES,
    "data.multi_primary.primaries",
    "Primaries",
    "1",
    true,
    |m| f64::from(m.primaries),
    |m, v| m.primaries = v as u32
);
multi_primary_knob!(
    DATA_LINK,
    "data.multi_primary.link_ms",
    "Between primaries (ms)",
    "5",
    false,
    |m| m.link_ms,
    |m, v| m.link_ms = v
);
// The first primary's clock: enough to show a clock ahead (or behind) beating later writes.
multi_primary_knob!(
    DATA_SKEW,
    "data.multi_primary.skew_ms",
    "Primary 1's clock ahead by (ms)",
    "50",
    false,
    |m| m.skew_ms.first().copied().unwrap_or(0.0),
    |m, v| {
        if m.skew_ms.is_empty() {
            m.skew_ms.push(0.0);
        }
        m.skew_ms[0] = v
    }
);

/// The scenario's knobs, for `apply_knob`.
pub const SCENARIO_KNOBS: [&NumberKnob<Scenario>; 39] = [
    &ARRIVAL_RATE,
    &SIGMA,
    &SERVERS,
    &SLOTS,
    &SPEED,
    &QUEUE_LIMIT,
    &MEAN_SERVICE,
    &LINK_LATENCY,
    &CLIENT_TIMEOUT,
    &USERS,
    &WEIGHT,
    &PRICE,
    &QUEUE_TIMEOUT,
    &STORE_LATENCY,
    &STORE_OP,
    &STORE_THREADS,
    &MIN_SERVERS,
    &MAX_SERVERS,
    &SLO,
    &BOOT,
    &DRAIN_TIMEOUT,
    &CHECK_INTERVAL,
    &FALL,
    &RISE,
    &DATA_ROWS,
    &DATA_ZIPF,
    &DATA_PER_ROW,
    &DATA_CONNECTIONS,
    &DATA_LATENCY,
    &DATA_REPLICAS,
    &DATA_APPLY,
    &DATA_STALE_BOUND,
    &DATA_FIX_SECONDS,
    &DATA_FIX_TIMEOUT,
    &DATA_COMMIT_COUNT,
    &DATA_COMMIT_TIMEOUT,
    &DATA_PRIMARIES,
    &DATA_LINK,
    &DATA_SKEW,
];

pub const LAB_USERS: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.users",
    label: "Users",
    step: "1",
    whole: true,
    read: |c| f64::from(c.users),
    write: |c, v| c.users = v as u32,
};
pub const LAB_RATE: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.requests_per_user_s",
    label: "Requests per user per second",
    step: "0.5",
    whole: false,
    read: |c| c.requests_per_user_s,
    write: |c, v| c.requests_per_user_s = v,
};
pub const LAB_CAPACITY: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.server_cache.capacity",
    label: "Capacity (keys)",
    step: "10",
    whole: true,
    read: |c| f64::from(c.server_cache.capacity),
    write: |c, v| c.server_cache.capacity = v as u32,
};
pub const LAB_TTL: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.server_cache.ttl_s",
    label: "TTL (s)",
    step: "1",
    whole: false,
    read: |c| c.server_cache.ttl_s,
    write: |c, v| c.server_cache.ttl_s = v,
};
pub const LAB_FLUSH: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.server_cache.flush_every_ms",
    label: "Flush every (ms)",
    step: "100",
    whole: false,
    read: |c| c.server_cache.flush_every_ms,
    write: |c, v| c.server_cache.flush_every_ms = v,
};
pub const LAB_KEYS: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.keys",
    label: "Products",
    step: "100",
    whole: true,
    read: |c| f64::from(c.keys),
    write: |c, v| c.keys = v as u32,
};
pub const LAB_SKEW: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.zipf_skew",
    label: "Popularity skew (Zipf s)",
    step: "0.1",
    whole: false,
    read: |c| c.zipf_skew,
    write: |c, v| c.zipf_skew = v,
};
pub const LAB_WRITES: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.write_share",
    label: "Write share (0 to 1)",
    step: "0.05",
    whole: false,
    read: |c| c.write_share,
    write: |c, v| c.write_share = v,
};
pub const LAB_DB_CONNECTIONS: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.db_connections",
    label: "Database connections",
    step: "1",
    whole: true,
    read: |c| f64::from(c.db_connections),
    write: |c, v| c.db_connections = v as u32,
};
pub const LAB_DB_READ: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.db_read_ms",
    label: "Database read (ms)",
    step: "1",
    whole: false,
    read: |c| c.db_read_ms,
    write: |c, v| c.db_read_ms = v,
};
pub const LAB_EDGE: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.edge_ms",
    label: "Browser to edge (ms)",
    step: "5",
    whole: false,
    read: |c| c.edge_ms,
    write: |c, v| c.edge_ms = v,
};
pub const LAB_ORIGIN_LINK: NumberKnob<CachingConfig> = NumberKnob {
    field: "caching.origin_link_ms",
    label: "Edge to origin (ms)",
    step: "5",
    whole: false,
    read: |c| c.origin_link_ms,
    write: |c, v| c.origin_link_ms = v,
};

/// The caching lab's knobs, for `apply_knob`.
pub const LAB_KNOBS: [&NumberKnob<CachingConfig>; 12] = [
    &LAB_USERS,
    &LAB_RATE,
    &LAB_CAPACITY,
    &LAB_TTL,
    &LAB_FLUSH,
    &LAB_KEYS,
    &LAB_SKEW,
    &LAB_WRITES,
    &LAB_DB_CONNECTIONS,
    &LAB_DB_READ,
    &LAB_EDGE,
    &LAB_ORIGIN_LINK,
];

/// A choice among named options (a select).
pub struct ChoiceKnob<C: 'static> {
    pub field: &'static str,
    pub label: &'static str,
    /// every option: its key (as in the JSON) and its words
    pub options: fn() -> Vec<(&'static str, &'static str)>,
    /// the key chosen now
    pub read: fn(&C) -> &'static str,
    /// sets the option with this key (one of `options`)
    pub write: fn(&mut C, &str),
}

impl<C> ChoiceKnob<C> {
    pub fn apply(&self, config: &mut C, raw: &str) -> Result<(), KnobError> {
        if !(self.options)().iter().any(|(key, _)| *key == raw) {
            return Err(KnobError { field: self.field, message: format!("unknown choice “{raw}”") });
        }
        (self.write)(config, raw);
        Ok(())
    }
}

/// An on/off setting (a checkbox), with what it means.
pub struct CheckKnob<C: 'static> {
    pub field: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub read: fn(&C) -> bool,
    pub write: fn(&mut C, bool),
}

impl<C> CheckKnob<C> {
    pub fn apply(&self, config: &mut C, raw: &str) {
        (self.write)(config, raw == "true");
    }
}

pub const ALGORITHM: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "balancer.algorithm",
    label: "Balancing algorithm",
    options: || Algorithm::ALL.iter().map(|a| (a.key(), a.label())).collect(),
    read: |s| s.balancer.algorithm.key(),
    write: |s, key| s.balancer.algorithm = Algorithm::from_key(key).unwrap_or_default(),
};
pub const SERVICE_KIND: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "servers.service.kind",
    label: "Service time",
    options: || vec![("fixed", "Fixed"), ("exponential", "Exponential"), ("log_normal", "Log-normal (long tail)")],
    read: |s| match s.servers.service {
        ServiceTime::Fixed { .. } => "fixed",
        ServiceTime::Exponential { .. } => "exponential",
        ServiceTime::LogNormal { .. } => "log_normal",
    },
    write: |s, key| {
        let mean_ms = s.servers.service.mean_ms();
        s.servers.service = match key {
            "fixed" => ServiceTime::Fixed { mean_ms },
            "exponential" => ServiceTime::Exponential { mean_ms },
            _ => ServiceTime::LogNormal { mean_ms, sigma: 1.0 },
        };
    },
};
/// A session mode's key in the form (its serde name).
pub fn session_mode_key(mode: SessionMode) -> &'static str {
    match mode {
        SessionMode::None => "none",
        SessionMode::OnServer => "on_server",
        SessionMode::StickyCookie => "sticky_cookie",
        SessionMode::SourceAddress => "source_address",
        SessionMode::SignedCookie => "signed_cookie",
        SessionMode::Database => "database",
    }
}

pub const SESSION_MODE: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "sessions.mode",
    label: "Where sessions live",
    options: || SessionMode::ALL.iter().map(|m| (session_mode_key(*m), m.label())).collect(),
    read: |s| session_mode_key(s.sessions.mode),
    write: |s, key| {
        s.sessions.mode = SessionMode::ALL.into_iter().find(|m| session_mode_key(*m) == key).unwrap_or_default()
    },
};
pub const LAB_STRATEGY: ChoiceKnob<CachingConfig> = ChoiceKnob {
    field: "caching.server_cache.strategy",
    label: "Strategy",
    options: || Strategy::ALL.iter().map(|s| (s.key(), s.label())).collect(),
    read: |c| c.server_cache.strategy.key(),
    write: |c, key| c.server_cache.strategy = Strategy::ALL.into_iter().find(|s| s.key() == key).unwrap_or_default(),
};
pub const LAB_INVALIDATION: ChoiceKnob<CachingConfig> = ChoiceKnob {
    field: "caching.server_cache.invalidation",
    label: "On write",
    options: || Invalidation::ALL.iter().map(|i| (i.key(), i.label())).collect(),
    read: |c| c.server_cache.invalidation.key(),
    write: |c, key| {
        c.server_cache.invalidation = Invalidation::ALL.into_iter().find(|i| i.key() == key).unwrap_or_default()
    },
};

pub const REDISPATCH: CheckKnob<Scenario> = CheckKnob {
    field: "balancer.redispatch",
    label: "Redispatch",
    hint: "HAProxy option redispatch: retry refused requests elsewhere (3 tries)",
    read: |s| s.balancer.redispatch,
    write: |s, on| s.balancer.redispatch = on,
};
pub const HEARTBEATS: CheckKnob<Scenario> = CheckKnob {
    field: "health_check.enabled",
    label: "Heartbeats",
    hint: "HAProxy check: defaults inter 2 s, fall 3, rise 2",
    read: |s| s.health_check.enabled,
    write: |s, on| s.health_check.enabled = on,
};
/// Heartbeats to the primary and automatic failover (MHA's defaults), or none: a student
/// promotes a replica by hand.
pub const FAILOVER: CheckKnob<Scenario> = CheckKnob {
    field: "data.replication.failover",
    label: "Automatic failover",
    hint: "heartbeats to the primary as MHA sends them: every 3 s, down after 3 missed; then the most up-to-date replica is promoted",
    read: |s| s.data.as_ref().and_then(|d| d.replication.as_ref()).is_some_and(|r| r.failover.is_some()),
    write: |s, on| {
        if let Some(r) = s.data.as_mut().and_then(|d| d.replication.as_mut()) {
            r.failover = on.then(sim::data::failover::FailoverConfig::default);
        }
    },
};
pub const FENCING: CheckKnob<Scenario> = CheckKnob {
    field: "data.replication.failover.fencing",
    label: "Fence the old primary",
    hint: "off: it comes back still a primary, and every second user's writes reach it (a split brain)",
    read: |s| failover_of(s).is_none_or(|f| f.fencing),
    write: |s, on| {
        if let Some(f) = s.data.as_mut().and_then(|d| d.replication.as_mut()).and_then(|r| r.failover.as_mut()) {
            f.fencing = on;
        }
    },
};

fn failover_of(s: &Scenario) -> Option<&sim::data::failover::FailoverConfig> {
    s.data.as_ref()?.replication.as_ref()?.failover.as_ref()
}

pub const LAB_BROWSER_CACHE: CheckKnob<CachingConfig> = CheckKnob {
    field: "caching.browser_cache",
    label: "Browser caches",
    hint: "private caches, one per user",
    read: |c| c.browser_cache,
    write: |c, on| c.browser_cache = on,
};
pub const LAB_SHARED_CACHE: CheckKnob<CachingConfig> = CheckKnob {
    field: "caching.shared_cache",
    label: "Shared cache (CDN)",
    hint: "in front of the origin, shared by every user",
    read: |c| c.shared_cache,
    write: |c, on| c.shared_cache = on,
};
pub const LAB_CACHE_NODE: CheckKnob<CachingConfig> = CheckKnob {
    field: "caching.server_cache.enabled",
    label: "Cache node",
    hint: "between the origin and the database",
    read: |c| c.server_cache.enabled,
    write: |c, on| c.server_cache.enabled = on,
};
pub const LAB_COALESCING: CheckKnob<CachingConfig> = CheckKnob {
    field: "caching.server_cache.coalescing",
    label: "Request coalescing",
    hint: "one database read per missing key; the others wait (nginx proxy_cache_lock)",
    read: |c| c.server_cache.coalescing,
    write: |c, on| c.server_cache.coalescing = on,
};

/// The scenario's choices and on/off settings, for `apply_knob`.
/// What keeps a user's reads from missing their own writes, under replication.
pub const READ_FIX: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "data.replication.fix",
    label: "Read-your-writes fix",
    options: || {
        vec![
            ("none", "None"),
            ("primary_after_write", "Read the primary after a write (Rails)"),
            ("wait_for_position", "Wait for my write (GTID / LSN wait)"),
            ("sticky_replica", "A replica per user"),
        ]
    },
    read: |s| match s.data.as_ref().and_then(|d| d.replication.as_ref()).map(|r| r.fix) {
        Some(ReadFix::PrimaryAfterWrite { .. }) => "primary_after_write",
        Some(ReadFix::WaitForPosition { .. }) => "wait_for_position",
        Some(ReadFix::StickyReplica) => "sticky_replica",
        Some(ReadFix::None) | None => "none",
    },
    write: |s, key| {
        if let Some(r) = s.data.as_mut().and_then(|d| d.replication.as_mut()) {
            r.fix = match key {
                "primary_after_write" => ReadFix::PrimaryAfterWrite { seconds: 2.0 },
                "wait_for_position" => ReadFix::WaitForPosition { timeout_ms: 500.0 },
                "sticky_replica" => ReadFix::StickyReplica,
                _ => ReadFix::None,
            };
        }
    },
};
pub const READ_ROUTING: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "data.replication.routing",
    label: "Reads go to",
    options: || vec![("round_robin", "Each replica in turn"), ("least_lag", "The replica least behind")],
    read: |s| match s.data.as_ref().and_then(|d| d.replication.as_ref()).map(|r| r.routing) {
        Some(ReadRouting::LeastLag) => "least_lag",
        _ => "round_robin",
    },
    write: |s, key| {
        if let Some(r) = s.data.as_mut().and_then(|d| d.replication.as_mut()) {
            r.routing = if key == "least_lag" { ReadRouting::LeastLag } else { ReadRouting::RoundRobin };
        }
    },
};

/// When a write's commit returns, each mode as its system names it. Switching keeps the
/// number of replicas waited for (and semi-sync's timeout, FIRST or ANY) where they apply.
pub const COMMIT_MODE: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "data.replication.commit",
    label: "A commit returns",
    options: || CommitChoice::ALL.iter().map(|&c| (commit_key(c), c.label())).collect(),
    read: |s| {
        let mode = s.data.as_ref().and_then(|d| d.replication.as_ref()).map_or(CommitMode::Async, |r| r.commit);
        commit_key(mode.choice())
    },
    write: |s, key| {
        if let Some(r) = s.data.as_mut().and_then(|d| d.replication.as_mut()) {
            let choice = CommitChoice::ALL.into_iter().find(|&c| commit_key(c) == key).unwrap_or(CommitChoice::Async);
            r.commit = r.commit.switched_to(choice);
        }
    },
};

/// A commit mode's key in the form (its serde name).
fn commit_key(choice: CommitChoice) -> &'static str {
    match choice {
        CommitChoice::Async => "async",
        CommitChoice::AfterSync => "after_sync",
        CommitChoice::AfterCommit => "after_commit",
        CommitChoice::RemoteWrite => "remote_write",
        CommitChoice::On => "on",
        CommitChoice::RemoteApply => "remote_apply",
    }
}
/// `synchronous_standby_names`' FIRST or ANY.
pub const SYNC_METHOD: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "data.replication.commit.method",
    label: "Standbys waited for",
    options: || vec![("first", "FIRST k: by priority"), ("any", "ANY k: a quorum")],
    read: |s| match s.data.as_ref().and_then(|d| d.replication.as_ref()).map(|r| r.commit) {
        Some(CommitMode::Synchronous { method: SyncMethod::Any, .. }) => "any",
        _ => "first",
    },
    write: |s, key| {
        if let Some(r) = s.data.as_mut().and_then(|d| d.replication.as_mut()) {
            if let CommitMode::Synchronous { method, .. } = &mut r.commit {
                *method = if key == "any" { SyncMethod::Any } else { SyncMethod::First };
            }
        }
    },
};

/// The rule that settles multi-primary conflicts.
pub const RESOLUTION: ChoiceKnob<Scenario> = ChoiceKnob {
    field: "data.multi_primary.resolution",
    label: "Conflicts settled by",
    options: || Resolution::ALL.iter().map(|&r| (resolution_key(r), r.label())).collect(),
    read: |s| {
        let rule =
            s.data.as_ref().and_then(|d| d.multi_primary.as_ref()).map_or(Resolution::default(), |m| m.resolution);
        resolution_key(rule)
    },
    write: |s, key| {
        if let Some(m) = s.data.as_mut().and_then(|d| d.multi_primary.as_mut()) {
            m.resolution = Resolution::ALL.into_iter().find(|&r| resolution_key(r) == key).unwrap_or_default();
        }
    },
};

/// A rule's key in the form (its serde name).
fn resolution_key(rule: Resolution) -> &'static str {
    match rule {
        Resolution::LastWriterWins => "last_writer_wins",
        Resolution::VersionVectors => "version_vectors",
        Resolution::Certification => "certification",
        Resolution::Crdt => "crdt",
    }
}

pub const SCENARIO_CHOICES: [&ChoiceKnob<Scenario>; 11] = [
    &ALGORITHM,
    &SERVICE_KIND,
    &SESSION_MODE,
    &PROFILE_KIND,
    &POLICY,
    &METRIC,
    &READ_FIX,
    &READ_ROUTING,
    &COMMIT_MODE,
    &SYNC_METHOD,
    &RESOLUTION,
];
pub const SCENARIO_CHECKS: [&CheckKnob<Scenario>; 4] = [&REDISPATCH, &HEARTBEATS, &FAILOVER, &FENCING];
/// The caching lab's.
pub const LAB_CHOICES: [&ChoiceKnob<CachingConfig>; 2] = [&LAB_STRATEGY, &LAB_INVALIDATION];
pub const LAB_CHECKS: [&CheckKnob<CachingConfig>; 4] =
    [&LAB_BROWSER_CACHE, &LAB_SHARED_CACHE, &LAB_CACHE_NODE, &LAB_COALESCING];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_knob_reads_back_what_it_wrote_and_names_are_unique() {
        // A scenario with every part, the web tier's database included, so that every knob holds.
        let mut s = (sim::presets::find("data-replication-lag").expect("a preset").build)();
        // Semi-sync, so that the commit mode's count and timeout hold too.
        COMMIT_MODE.apply(&mut s, "after_sync").unwrap();
        // Primaries too (a scenario never has both; the knobs only need something to hold).
        s.data.as_mut().unwrap().multi_primary = Some(sim::data::multi_primary::MultiPrimaryConfig::default());
        // A log-normal service time, so that σ holds.
        SERVICE_KIND.apply(&mut s, "log_normal").unwrap();
        let mut lab = CachingConfig::default();
        for knob in SCENARIO_KNOBS {
            knob.apply(&mut s, "7").unwrap();
            assert_eq!(knob.shown(&s), "7", "{}", knob.field);
        }
        for knob in SCENARIO_OPTIONALS {
            knob.apply(&mut s, "7").unwrap();
            assert_eq!(knob.shown(&s), "7", "{}", knob.field);
            knob.apply(&mut s, " ").unwrap();
            assert_eq!(knob.shown(&s), "", "{}: empty is off", knob.field);
        }
        for kind in ["ramp", "spike", "daily_wave"] {
            PROFILE_KIND.apply(&mut s, kind).unwrap();
            assert!(!profile_knobs(&s.clients.profile).is_empty(), "{kind}");
            for knob in profile_knobs(&s.clients.profile) {
                knob.apply(&mut s.clients.profile, "7").unwrap();
                assert_eq!(knob.shown(&s.clients.profile), "7", "{kind}: {}", knob.field);
            }
        }
        let mut tracking = TargetTracking::default();
        for knob in TARGET_TRACKING_KNOBS {
            knob.apply(&mut tracking, "7").unwrap();
            assert_eq!(knob.shown(&tracking), "7", "{}", knob.field);
        }
        let mut stepping = StepScaling::default();
        for knob in STEP_SCALING_KNOBS {
            knob.apply(&mut stepping, "7").unwrap();
            assert_eq!(knob.shown(&stepping), "7", "{}", knob.field);
        }
        for knob in [&PROFILE_KIND, &POLICY] {
            for (key, _) in (knob.options)() {
                knob.apply(&mut s, key).unwrap();
                assert_eq!((knob.read)(&s), key, "{}", knob.field);
            }
        }
        POLICY.apply(&mut s, "step_scaling").unwrap();
        for (key, _) in (METRIC.options)() {
            METRIC.apply(&mut s, key).unwrap();
            assert_eq!((METRIC.read)(&s), key);
        }
        for knob in LAB_KNOBS {
            knob.apply(&mut lab, "3").unwrap();
            assert_eq!(knob.shown(&lab), "3", "{}", knob.field);
        }
        let mut fields: Vec<&str> = SCENARIO_KNOBS
            .iter()
            .map(|k| k.field)
            .chain(LAB_KNOBS.iter().map(|k| k.field))
            .chain(SCENARIO_OPTIONALS.iter().map(|k| k.field))
            .chain(SCENARIO_CHOICES.iter().map(|k| k.field))
            .chain(TARGET_TRACKING_KNOBS.iter().map(|k| k.field))
            .chain(STEP_SCALING_KNOBS.iter().map(|k| k.field))
            .collect();
        fields.sort_unstable();
        let before = fields.len();
        fields.dedup();
        assert_eq!(fields.len(), before, "a field is in the table twice");
        assert_eq!(
            SERVERS.apply(&mut s, "2.5").unwrap_err().message,
            "“2.5” is not a whole number; enter a whole number"
        );
    }
}
