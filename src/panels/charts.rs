//! The charts: throughput, latency percentiles and errors per simulated second, as small SVG line
//! charts over the last minute, the last ten or the whole run (`ChartZoom`); the changes made in
//! the run and, with an autoscaler, its decisions as marks on the time axis (hover or tap one to
//! read it), the server count and the SLO as a line; with a traffic profile, the profile under
//! them.

use crate::svg;
use sim::components::autoscaler::ScaleDecision;
use sim::profile::TrafficProfile;
use sim::SecondSample;
use yew::prelude::*;

/// The plot's own coordinates; CSS stretches it to the box.
const W: f64 = 300.0;
const H: f64 = 100.0;

#[derive(Clone, PartialEq)]
pub struct Line {
    pub label: String,
    /// CSS classes: the metric's colour, and `twin` for the split view's second run
    pub class: String,
    pub values: Vec<f64>,
}

/// A moment marked on the time axis: an autoscaler decision, or a change in the timeline (a
/// failure, a recovery, the pool scaled).
#[derive(Clone, PartialEq)]
pub struct Mark {
    pub second: f64,
    pub kind: MarkKind,
    pub label: String,
}

#[derive(Clone, Copy, PartialEq)]
pub enum MarkKind {
    ScaledOut,
    ScaledIn,
    Change,
}

impl MarkKind {
    fn class(self) -> &'static str {
        match self {
            MarkKind::ScaledOut => "up",
            MarkKind::ScaledIn => "down",
            MarkKind::Change => "change",
        }
    }
}

/// How much of the run the charts show. Past `MAX_CHART_POINTS` seconds, each point is several
/// seconds (`sim::metrics::summarised`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum ChartZoom {
    #[default]
    LastMinute,
    LastTenMinutes,
    WholeRun,
}

/// Points a chart draws at most.
pub const MAX_CHART_POINTS: usize = 300;

impl ChartZoom {
    pub const ALL: [ChartZoom; 3] = [ChartZoom::LastMinute, ChartZoom::LastTenMinutes, ChartZoom::WholeRun];

    pub fn label(self) -> &'static str {
        match self {
            ChartZoom::LastMinute => "the last minute",
            ChartZoom::LastTenMinutes => "the last 10 minutes",
            ChartZoom::WholeRun => "the whole run",
        }
    }

    /// Seconds shown, the latest; none for the whole run (as far as the series keeps: an hour).
    pub fn seconds(self) -> Option<usize> {
        match self {
            ChartZoom::LastMinute => Some(60),
            ChartZoom::LastTenMinutes => Some(600),
            ChartZoom::WholeRun => None,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub title: &'static str,
    pub unit: &'static str,
    /// the simulated second of each value
    pub seconds: Vec<u64>,
    pub lines: Vec<Line>,
    #[prop_or_default]
    pub marks: Vec<Mark>,
    /// a horizontal line to stay under (the SLO), with its label
    #[prop_or_default]
    pub target: Option<(f64, String)>,
    /// the last point is the second in progress, so far (drawn dashed, and said so)
    #[prop_or_default]
    pub partial: bool,
}

/// A round number at or above `v`, for the y axis (1, 2 or 5 × 10^k).
pub fn nice_ceiling(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|&c| c >= v).unwrap_or(10.0 * magnitude)
}

#[function_component(Chart)]
pub fn chart(props: &ChartProps) -> Html {
    let max = props.lines.iter().flat_map(|l| l.values.iter().copied()).fold(0.0, f64::max);
    let top = nice_ceiling(max.max(props.target.as_ref().map_or(0.0, |t| t.0)));
    let n = props.seconds.len();
    // The plot stretches to its box, so it holds lines only; every label is HTML around it.
    let x_of = |i: usize| W * if n > 1 { i as f64 / (n - 1) as f64 } else { 1.0 };
    let y_of = |v: f64| H - H * (v / top);
    // The second in progress is its own dashed segment (a dash while it is the only point).
    let closed = n - usize::from(props.partial && n > 0);
    let lines = props.lines.iter().map(|line| {
        let point = |(i, &v): (usize, &f64)| (x_of(i), y_of(v));
        let points = svg::points(line.values.iter().take(closed).enumerate().map(point));
        let so_far = (closed < line.values.len()).then(|| {
            let from = closed.saturating_sub(1);
            let tail: Vec<(f64, f64)> = line.values.iter().enumerate().skip(from).map(point).collect();
            match tail.as_slice() {
                // (a short dash: the plot stretches, so a circle would not stay round)
                [(x, y)] => html! { <polyline class={classes!("series", "so-far", line.class.clone())} points={svg::points([(x - 24.0, *y), (*x, *y)])} /> },
                _ => html! { <polyline class={classes!("series", "so-far", line.class.clone())} points={svg::points(tail)} /> },
            }
        });
        html! { <><polyline class={classes!("series", line.class.clone())} {points} />{ for so_far }</> }
    });
    let legend = props.lines.iter().map(|line| {
        let last = line.values.last().copied().unwrap_or(0.0);
        html! { <span class={classes!("key", line.class.clone())}>{ format!("{} {}", line.label, format_value(last)) }</span> }
    });
    let first = props.seconds.first().copied().unwrap_or(0);
    let last = props.seconds.last().copied().unwrap_or(0);
    let span = (last.saturating_sub(first)).max(1) as f64;
    // Each mark has a wide, invisible twin to hover or tap; a tap writes it under the chart.
    let picked = use_state(|| None::<String>);
    let marks = props.marks.iter().filter(|m| m.second >= first as f64 && m.second <= last as f64).map(|m| {
        let x = svg::number(W * (m.second - first as f64) / span);
        let text = format!("{:.1} s: {}", m.second, m.label);
        let onclick = {
            let (picked, text) = (picked.clone(), text.clone());
            Callback::from(move |_: MouseEvent| picked.set(Some(text.clone())))
        };
        html! {
            <g class={classes!("mark", m.kind.class())}>
                <line class="mark-line" x1={x.clone()} y1="0" x2={x.clone()} y2={H.to_string()} />
                <line class="mark-hit" x1={x.clone()} y1="0" x2={x} y2={H.to_string()} {onclick}><title>{ text }</title></line>
            </g>
        }
    });
    let picked_note = (*picked).clone().filter(|text| props.marks.iter().any(|m| text.ends_with(&m.label)));
    let target = props.target.as_ref().map(|(v, label)| {
        let y = svg::number(y_of(*v));
        html! { <line class="target" x1="0" y1={y.clone()} x2={W.to_string()} y2={y}><title>{ label }</title></line> }
    });
    html! {
        <figure class="chart" data-points={closed.to_string()}>
            <figcaption>{ props.title }<span class="unit">{ format!(" ({})", props.unit) }</span></figcaption>
            <div class="plot">
                <span class="y-top">{ format_value(top) }</span>
                <span class="y-zero">{ "0" }</span>
                <svg viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none" role="img" aria-label={props.title}>
                    <line class="grid" x1="0" y1="0.5" x2={W.to_string()} y2="0.5" />
                    <line class="axis" x1="0" y1={H.to_string()} x2={W.to_string()} y2={H.to_string()} />
                    { for marks }
                    { for target }
                    { for lines }
                </svg>
                if n == 0 {
                    <span class="empty">{ "the first point comes as the run starts" }</span>
                }
                <span class="x-first">{ format!("{first} s") }</span>
                <span class="x-last">{ if props.partial { format!("now (second {last} so far)") } else { format!("{last} s") } }</span>
            </div>
            <div class="legend">
                { for legend }
                if let Some((_, label)) = &props.target { <span class="key target">{ label }</span> }
            </div>
            if let Some(text) = picked_note { <p class="mark-note">{ text }</p> }
        </figure>
    }
}

fn format_value(v: f64) -> String {
    if v >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub series: Vec<SecondSample>,
    /// the second in progress so far (its rates scaled to a whole second), drawn as the last
    /// point, dashed; with a twin, the twin's too
    #[prop_or_default]
    pub so_far: Option<SecondSample>,
    #[prop_or_default]
    pub twin_so_far: Option<SecondSample>,
    /// the split view's second run, drawn dashed over the first
    #[prop_or_default]
    pub twin: Option<Vec<SecondSample>>,
    /// with an autoscaler: its decisions in the charts' window and the SLO [ms]
    #[prop_or_default]
    pub autoscaling: Option<(Vec<ScaleDecision>, f64)>,
    /// the changes made in the run so far (its timeline's entries that have run): (second, what)
    #[prop_or_default]
    pub changes: Vec<(f64, String)>,
    /// seconds each point stands for (1 unless the stretch shown is long)
    #[prop_or(1)]
    pub seconds_per_point: usize,
    #[prop_or_default]
    pub zoom: ChartZoom,
    /// the zoom picked; none where the charts cannot zoom (the embed)
    #[prop_or_default]
    pub on_zoom: Option<Callback<ChartZoom>>,
}

/// One metric of a chart: its label, its CSS class, and how to read it from a sample.
type Metric = (&'static str, &'static str, fn(&SecondSample) -> f64);

/// One chart's lines: each metric for the run, and for its twin (dashed, labelled A and B).
fn lines_for(series: &[SecondSample], twin: Option<&[SecondSample]>, metrics: &[Metric]) -> Vec<Line> {
    let mut lines = Vec::new();
    for &(label, class, value) in metrics {
        let values = series.iter().map(value).collect();
        match twin {
            None => lines.push(Line { label: label.into(), class: class.into(), values }),
            Some(twin) => {
                lines.push(Line { label: format!("A {label}"), class: class.into(), values });
                // Aligned on the latest seconds: the runs are in lockstep.
                let skip = twin.len().saturating_sub(series.len());
                let values = twin[skip..].iter().map(value).collect();
                lines.push(Line { label: format!("B {label}"), class: format!("{class} twin"), values });
            }
        }
    }
    lines
}

/// The standard charts of a run (and of its twin in the split view).
#[function_component(Charts)]
pub fn charts(props: &ChartsProps) -> Html {
    let with_so_far = |series: &[SecondSample], so_far: Option<SecondSample>| {
        series.iter().copied().chain(so_far).collect::<Vec<_>>()
    };
    let partial = props.so_far.is_some();
    let s = &with_so_far(&props.series, props.so_far);
    let twin_series = props.twin.as_ref().map(|t| with_so_far(t, props.twin_so_far.filter(|_| partial)));
    let twin = twin_series.as_deref();
    let seconds: Vec<u64> = s.iter().map(|p| p.second).collect();
    let mut throughput = lines_for(s, twin, &[("answered", "throughput", |p| p.throughput as f64)]);
    if twin.is_none() {
        throughput.push(Line {
            label: "sent".into(),
            class: "arrived".into(),
            values: s.iter().map(|p| p.arrived as f64).collect(),
        });
    }
    // In the split view, p99 alone keeps the latency chart readable.
    let latency_metrics: &[Metric] = if twin.is_some() {
        &[("p99", "p99", |p| p.p99_ms)]
    } else {
        &[("p50", "p50", |p| p.p50_ms), ("p95", "p95", |p| p.p95_ms), ("p99", "p99", |p| p.p99_ms)]
    };
    let decisions = props.autoscaling.as_ref().map_or(&[][..], |(decisions, _)| decisions.as_slice());
    let marks: Vec<Mark> = decisions
        .iter()
        .map(|d| {
            let kind = if d.to > d.from { MarkKind::ScaledOut } else { MarkKind::ScaledIn };
            Mark { second: d.at.as_secs_f64(), kind, label: d.reason.clone() }
        })
        .chain(props.changes.iter().map(|(second, what)| Mark {
            second: *second,
            kind: MarkKind::Change,
            label: what.clone(),
        }))
        .collect();
    let slo = props.autoscaling.as_ref().map(|&(_, slo)| (slo, format!("SLO p95 {slo:.0} ms")));
    let zoom = props.on_zoom.as_ref().map(|on_zoom| {
        let options = ChartZoom::ALL.iter().map(|&z| html! { <option selected={z == props.zoom}>{ z.label() }</option> });
        let onchange = on_zoom.reform(|e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            ChartZoom::ALL.get(select.selected_index().max(0) as usize).copied().unwrap_or_default()
        });
        html! {
            <p class="chart-zoom">
                <label>{ "Charts show " }<select {onchange}>{ for options }</select></label>
                if props.seconds_per_point > 1 {
                    <span>{ format!(" · each point is {} s: their mean rates and worst latency", props.seconds_per_point) }</span>
                }
            </p>
        }
    });
    html! {
        <>
        { for zoom }
        <div class={classes!("charts", props.autoscaling.is_some().then_some("five"))}>
            <Chart title="Throughput" unit="requests/s" {partial} seconds={seconds.clone()} lines={throughput} marks={marks.clone()} />
            <Chart title="Latency" unit="ms" {partial} seconds={seconds.clone()} lines={lines_for(s, twin, latency_metrics)}
                marks={marks.clone()} target={slo} />
            <Chart title="Errors" unit="per second" {partial} seconds={seconds.clone()}
                lines={lines_for(s, twin, &[("errors", "errors", |p| p.errors as f64)])} marks={marks.clone()} />
            if props.autoscaling.is_some() {
                <Chart title="Servers" unit="in the pool" {partial} seconds={seconds.clone()} marks={marks.clone()}
                    lines={lines_for(s, twin, &[("servers", "servers", |p| f64::from(p.servers)), ("ready", "ready", |p| f64::from(p.ready_servers))])} />
            }
            <Chart title="Cost" unit="$ so far" {partial} seconds={seconds} lines={lines_for(s, twin, &[("$", "cost", |p| p.cost_dollars)])} marks={marks} />
        </div>
        </>
    }
}

/// The points of a traffic profile's drawing: (second, rate) from 0 to `until_s`.
pub fn profile_points(profile: &TrafficProfile, constant: f64, until_s: f64) -> Vec<(f64, f64)> {
    const STEPS: usize = 200;
    (0..=STEPS).map(|i| until_s * i as f64 / STEPS as f64).map(|t| (t, profile.rate_at(t, constant))).collect()
}

#[derive(Properties, PartialEq)]
pub struct ProfileChartProps {
    pub profile: TrafficProfile,
    pub constant: f64,
    pub now_s: f64,
}

/// The traffic profile over its whole length (and past now), with a marker for now.
#[function_component(ProfileChart)]
pub fn profile_chart(props: &ProfileChartProps) -> Html {
    let until = (props.profile.length_s() * 1.2).max(props.now_s * 1.1).max(60.0);
    let points = profile_points(&props.profile, props.constant, until);
    let top = nice_ceiling(points.iter().map(|p| p.1).fold(0.0, f64::max));
    const PH: f64 = 40.0;
    let line = svg::points(points.iter().map(|&(t, r)| (W * t / until, PH - PH * r / top)));
    let now_x = svg::number(W * props.now_s / until);
    let rate_now = props.profile.rate_at(props.now_s, props.constant);
    html! {
        <figure class="chart profile" aria-label="Traffic profile">
            <figcaption>{ "Traffic profile" }<span class="unit">{ format!(" (requests/s; now {} at {:.0} s)", format_value(rate_now), props.now_s) }</span></figcaption>
            <div class="plot">
                <span class="y-top">{ format_value(top) }</span>
                <span class="y-zero">{ "0" }</span>
                <svg viewBox={format!("0 0 {W} {PH}")} preserveAspectRatio="none" role="img" aria-label="Traffic profile">
                    <line class="axis" x1="0" y1={PH.to_string()} x2={W.to_string()} y2={PH.to_string()} />
                    <polyline class="series arrived" points={line} />
                    <line class="now" x1={now_x.clone()} y1="0" x2={now_x} y2={PH.to_string()} />
                </svg>
                <span class="x-first">{ "0 s" }</span>
                <span class="x-last">{ format!("{until:.0} s") }</span>
            </div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(17.0), 20.0);
        assert_eq!(nice_ceiling(100.0), 100.0);
        assert_eq!(nice_ceiling(101.0), 200.0);
        assert_eq!(nice_ceiling(0.03), 0.05);
    }
}
