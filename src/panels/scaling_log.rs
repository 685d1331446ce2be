//! The autoscaler's side of the story: what it follows, its latest decisions with their
//! reasons, and how long users were served worse than the SLO.

use crate::player::AutoscalingView;
use sim::components::autoscaler::{AutoscalerConfig, ScalingPolicy};
use yew::prelude::*;

/// What the autoscaler follows, in words (the system and its defaults).
pub fn policy_summary(config: &AutoscalerConfig) -> String {
    let bounds = format!("{} to {} servers", config.min_servers, config.max_servers);
    match &config.policy {
        ScalingPolicy::None => "No autoscaler".into(),
        ScalingPolicy::TargetTracking(t) => format!(
            "Kubernetes HPA (autoscaling/v2): {} target {}{}, every {} s, tolerance {}, scale-down window {} s, {bounds}",
            t.metric.label(),
            t.target,
            t.metric.unit(),
            t.sync_period_s,
            t.tolerance,
            t.scale_down_stabilization_s
        ),
        ScalingPolicy::StepScaling(s) => format!(
            "AWS EC2 Auto Scaling step scaling on {}: out at ≥ {}, in at ≤ {}, every {} s, cooldown {} s, {bounds}",
            s.metric.label(),
            s.scale_out_threshold,
            s.scale_in_threshold,
            s.period_s,
            s.cooldown_s
        ),
        ScalingPolicy::Schedule(entries) => format!(
            "Scheduled actions ({}), {bounds}",
            entries.iter().map(|e| format!("{} at {} s", e.count, e.at_s)).collect::<Vec<_>>().join(", ")
        ),
    }
}

#[derive(Properties, PartialEq)]
pub struct ScalingLogProps {
    pub view: AutoscalingView,
    pub config: AutoscalerConfig,
}

#[function_component(ScalingLog)]
pub fn scaling_log(props: &ScalingLogProps) -> Html {
    let v = &props.view;
    html! {
        <section class="scaling-log" aria-label="Autoscaler">
            <h2>{ "Autoscaler" }</h2>
            <p class="follows">{ policy_summary(&props.config) }</p>
            <p class="stats">
                <span>{ format!("{} decision{}", v.decisions, if v.decisions == 1 { "" } else { "s" }) }</span>
                <span class={if v.slo_violation_seconds > 0 { "bad" } else { "ok" }}
                      title="Seconds whose p95 latency was above the SLO">
                    { format!("{} s over the SLO (p95 > {:.0} ms)", v.slo_violation_seconds, v.slo_p95_ms) }
                </span>
            </p>
            if v.latest.is_empty() {
                <p class="note">{ "No change yet: the pool is the size the policy wants." }</p>
            } else {
                <ul class="decisions">
                    { for v.latest.iter().map(|d| html! {
                        <li class={if d.to > d.from { "up" } else { "down" }}>
                            <span class="at">{ format!("{:.0} s", d.at.as_secs_f64()) }</span>
                            { &d.reason }
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}
