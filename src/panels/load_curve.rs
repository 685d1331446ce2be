//! Latency against offered load (First look and Scaling): the scenario run once per load with
//! the same seed, each point the mean time at a server, beside the M/M/k curve from queueing
//! theory when the scenario is that model.

use std::rc::Rc;

use sim::sweep::{LoadPoint, Theory, LOADS};
use sim::Scenario;
use yew::prelude::*;

use crate::panels::charts::nice_ceiling;
use crate::player::SweepView;

/// Simulated seconds per load: a few thousand requests at the lightest load, fewer seconds on
/// busy scenarios so that the sweep stays a few seconds of work.
pub fn sweep_seconds(scenario: &Scenario) -> u64 {
    let fastest = sim::sweep::arrival_rate_for(scenario, LOADS[LOADS.len() - 1]);
    ((60_000.0 / fastest.max(1.0)).round() as u64).clamp(10, 120)
}

#[derive(Properties, PartialEq)]
pub struct LoadCurveProps {
    pub scenario: Scenario,
    pub view: Option<SweepView>,
    pub on_sweep: Callback<u64>,
}

const W: f64 = 300.0;
const H: f64 = 170.0;
const LEFT: f64 = 34.0;
const BOTTOM: f64 = 22.0;

#[function_component(LoadCurve)]
pub fn load_curve(props: &LoadCurveProps) -> Html {
    let seconds = sweep_seconds(&props.scenario);
    let on_run = props.on_sweep.reform(move |_: MouseEvent| seconds);
    let running = props.view.as_ref().and_then(|v| v.progress);
    html! {
        <section class="load-curve" aria-label="Latency against load">
            <h2>{ "Latency against load" }</h2>
            <p class="note">{ format!(
                "Runs the scenario you have open at {} loads, from 20% to 95% of what its servers can do, {} simulated seconds each, with the same seed. Each point is the mean time a request spent at its server, queued and served (the network left out).",
                LOADS.len(), seconds) }</p>
            <button onclick={on_run} disabled={running.is_some()}>{ "Sweep the load" }</button>
            if let Some(fraction) = running {
                <progress max="1" value={fraction.to_string()} aria-label="Sweep progress"></progress>
            }
            { match props.view.as_ref().and_then(|v| v.result.as_ref().map(|r| (r, v.theory))) {
                None => html! {},
                Some((Err(why), _)) => html! { <p class="error" role="alert">{ format!("This scenario cannot be swept: {why}.") }</p> },
                Some((Ok(points), theory)) => plot(points, theory),
            } }
        </section>
    }
}

fn plot(points: &Rc<Vec<LoadPoint>>, theory: Option<Theory>) -> Html {
    // The curve: M/M/k from 5% load to just short of saturation, where it runs off to infinity.
    let curve: Vec<(f64, f64)> = theory
        .map(|t| {
            (1..=97).filter_map(|i| t.mean_time_ms(f64::from(i) / 100.0).map(|w| (f64::from(i) / 100.0, w))).collect()
        })
        .unwrap_or_default();
    let highest = points.iter().map(|p| p.mean_server_ms).fold(0.0, f64::max);
    let top = nice_ceiling(highest * 1.1);
    let x = |load: f64| LEFT + load * (W - LEFT - 6.0);
    let y = |ms: f64| (H - BOTTOM) - (ms.min(top) / top) * (H - BOTTOM - 8.0);
    let path: String =
        curve.iter().filter(|(_, w)| *w <= top).map(|&(l, w)| format!("{:.1},{:.1} ", x(l), y(w))).collect();
    let said = match theory {
        Some(t) if t.exact => format!(
            "Line: M/M/{} per server (Poisson arrivals, exponential service, {} slots), which this scenario is.",
            t.slots, t.slots
        ),
        Some(t) => format!(
            "Line: M/M/{} per server with the arrivals split at random. This balancer spreads them more evenly than random, so its queues are shorter than the line.",
            t.slots
        ),
        None => "No line: queueing theory's M/M/k needs exponential service times, a steady arrival rate and every server alike.".to_string(),
    };
    let summary = points
        .iter()
        .map(|p| format!("{:.0}% load: {:.1} ms", p.load * 100.0, p.mean_server_ms))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        <figure class="load-plot">
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={format!("Mean time at a server against offered load: {summary}")}>
                <line class="axis" x1={LEFT.to_string()} y1={(H - BOTTOM).to_string()} x2={(W - 6.0).to_string()} y2={(H - BOTTOM).to_string()} />
                <line class="axis" x1={LEFT.to_string()} y1="8" x2={LEFT.to_string()} y2={(H - BOTTOM).to_string()} />
                <text class="tick" x={(LEFT - 4.0).to_string()} y="12" text-anchor="end">{ format!("{top}") }</text>
                <text class="tick" x={(LEFT - 4.0).to_string()} y={(H - BOTTOM).to_string()} text-anchor="end">{ "0" }</text>
                { for [(0.0, "start"), (0.5, "middle"), (1.0, "end")].iter().map(|&(l, anchor)| html! {
                    <text class="tick" x={x(l).to_string()} y={(H - 8.0).to_string()} text-anchor={anchor}>{ format!("{:.0}%", l * 100.0) }</text>
                }) }
                <text class="tick" x={(W - 6.0).to_string()} y={(H - BOTTOM - 4.0).to_string()} text-anchor="end">{ "offered load" }</text>
                <text class="tick" x={(LEFT + 4.0).to_string()} y="12">{ "ms" }</text>
                if !path.is_empty() {
                    <polyline class="theory" points={path} />
                }
                { for points.iter().map(|p| html! {
                    <circle class="measured" cx={x(p.load).to_string()} cy={y(p.mean_server_ms).to_string()} r="3.5">
                        <title>{ format!("{:.0}% load ({:.0} requests/s): {:.1} ms at a server{}", p.load * 100.0, p.arrival_rate, p.mean_server_ms,
                            p.theory_ms.map(|t| format!("; M/M/k says {t:.1} ms")).unwrap_or_default()) }</title>
                    </circle>
                }) }
            </svg>
            <figcaption>{ "Dots: this scenario's runs. " }{ said }</figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_scenarios_get_shorter_sweeps() {
        let mut s = Scenario::default();
        assert!((10..=120).contains(&sweep_seconds(&s)));
        s.servers.count = 1_000;
        assert_eq!(sweep_seconds(&s), 10);
    }
}
