//! The charts: throughput, latency percentiles and errors per simulated second, as small SVG line
//! charts over the last minute.

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

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub title: &'static str,
    pub unit: &'static str,
    /// the simulated second of each value
    pub seconds: Vec<u64>,
    pub lines: Vec<Line>,
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
    let top = nice_ceiling(max);
    let n = props.seconds.len();
    // The plot stretches to its box, so it holds lines only; every label is HTML around it.
    let x_of = |i: usize| W * if n > 1 { i as f64 / (n - 1) as f64 } else { 1.0 };
    let y_of = |v: f64| H - H * (v / top);
    let lines = props.lines.iter().map(|line| {
        let points: Vec<String> =
            line.values.iter().enumerate().map(|(i, &v)| format!("{:.1},{:.1}", x_of(i), y_of(v))).collect();
        html! { <polyline class={classes!("series", line.class.clone())} points={points.join(" ")} /> }
    });
    let legend = props.lines.iter().map(|line| {
        let last = line.values.last().copied().unwrap_or(0.0);
        html! { <span class={classes!("key", line.class.clone())}>{ format!("{} {}", line.label, format_value(last)) }</span> }
    });
    let first = props.seconds.first().copied().unwrap_or(0);
    let last = props.seconds.last().copied().unwrap_or(0);
    html! {
        <figure class="chart" data-points={n.to_string()}>
            <figcaption>{ props.title }<span class="unit">{ format!(" ({})", props.unit) }</span></figcaption>
            <div class="plot">
                <span class="y-top">{ format_value(top) }</span>
                <span class="y-zero">{ "0" }</span>
                <svg viewBox={format!("0 0 {W} {H}")} preserveAspectRatio="none" role="img" aria-label={props.title}>
                    <line class="grid" x1="0" y1="0.5" x2={W.to_string()} y2="0.5" />
                    <line class="axis" x1="0" y1={H.to_string()} x2={W.to_string()} y2={H.to_string()} />
                    { for lines }
                </svg>
                if n == 0 {
                    <span class="empty">{ "first point after 1 simulated second" }</span>
                }
                <span class="x-first">{ format!("{first} s") }</span>
                <span class="x-last">{ format!("{last} s") }</span>
            </div>
            <div class="legend">{ for legend }</div>
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
    /// the split view's second run, drawn dashed over the first
    #[prop_or_default]
    pub twin: Option<Vec<SecondSample>>,
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
    let s = &props.series;
    let twin = props.twin.as_deref();
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
    html! {
        <div class="charts">
            <Chart title="Throughput" unit="requests/s" seconds={seconds.clone()} lines={throughput} />
            <Chart title="Latency" unit="ms" seconds={seconds.clone()} lines={lines_for(s, twin, latency_metrics)} />
            <Chart title="Errors" unit="per second" seconds={seconds.clone()}
                lines={lines_for(s, twin, &[("errors", "errors", |p| p.errors as f64)])} />
            <Chart title="Cost" unit="$ so far" seconds={seconds} lines={lines_for(s, twin, &[("$", "cost", |p| p.cost_dollars)])} />
        </div>
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
