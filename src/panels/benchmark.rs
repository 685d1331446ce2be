//! The benchmark panel: ab's flags against the open scenario (and, to compare, against it with
//! one difference), a progress bar and Cancel while the player runs it beside the live run, then
//! ab's report beside a latency histogram and a percentile chart. The panel holds its form; the
//! run is the player's (`BenchmarkRequest`, `BenchmarkView`).

use crate::player::{BenchmarkRequest, BenchmarkResults, BenchmarkView};
use crate::svg;
use sim::ab::{self, AbReport};
use sim::run::FinishedBenchmark;
use sim::scenario::Variant;
use sim::Scenario;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// What a finished benchmark shows. Compared runs' charts share their scales (time, requests
/// per bar, requests per server), so the longer tail and the taller peak look it.
fn outcomes(runs: &[FinishedBenchmark]) -> Vec<Outcome> {
    let reports = || runs.iter().filter_map(|r| r.report.as_ref().ok());
    let longest_us = reports().filter_map(|r| r.totals_us.last().copied()).max();
    let scale_ms = f64::from(longest_us.unwrap_or(0)).max(1_000.0) / 1_000.0;
    let mut outcomes: Vec<Outcome> = runs
        .iter()
        .map(|run| Outcome {
            label: run.label.clone(),
            report: run
                .report
                .as_ref()
                .map(|r| Shown::of(r, scale_ms, run.served_per_server.clone()))
                .map_err(Clone::clone),
        })
        .collect();
    let shown = || outcomes.iter().filter_map(|o| o.report.as_ref().ok());
    let tallest_bin = shown().map(|s| s.tallest_bin).max().unwrap_or(1);
    let busiest_server = shown().map(|s| s.busiest_server).max().unwrap_or(1);
    for shown in outcomes.iter_mut().filter_map(|o| o.report.as_mut().ok()) {
        (shown.tallest_bin, shown.busiest_server) = (tallest_bin, busiest_server);
    }
    outcomes
}

/// What a finished run shows, worked out once: ab's text, and the charts' few numbers.
#[derive(Clone, PartialEq)]
pub struct Shown {
    pub text: String,
    /// the charts' time axis runs from 0 to this [ms]
    pub scale_ms: f64,
    /// requests per bin, in equal bins from 0 to `scale_ms`
    pub histogram: Vec<u64>,
    /// the bin count the histogram's full height stands for
    pub tallest_bin: u64,
    /// the response time at 0%, 1%, … 100% [ms]
    pub percentiles: Vec<f64>,
    /// requests each server served, by id (ab does not say; the balancer's choices show here)
    pub served_per_server: Vec<u64>,
    /// the count the per-server chart's full height stands for
    pub busiest_server: u64,
}

impl Shown {
    fn of(report: &AbReport, scale_ms: f64, served_per_server: Vec<u64>) -> Shown {
        // The report's totals are sorted: the charts read them by index and binary search, with
        // no pass over a million values.
        let t = &report.totals_us;
        let ms = |us: u32| f64::from(us) / 1_000.0;
        let percentiles = (0..=100).map(|p| if t.is_empty() { 0.0 } else { ms(t[(t.len() - 1) * p / 100]) }).collect();
        let histogram = bins(t, 30, scale_ms * 1_000.0);
        let tallest_bin = histogram.iter().copied().max().unwrap_or(1).max(1);
        let busiest_server = served_per_server.iter().copied().max().unwrap_or(1).max(1);
        Shown { text: report.text(), scale_ms, histogram, tallest_bin, percentiles, served_per_server, busiest_server }
    }
}

/// A finished run's report, or how it ended early.
#[derive(Clone, PartialEq)]
pub struct Outcome {
    pub label: String,
    pub report: Result<Shown, String>,
}

#[derive(Properties, PartialEq)]
pub struct BenchmarkProps {
    pub scenario: Scenario,
    pub view: BenchmarkView,
    pub on_request: Callback<BenchmarkRequest>,
}

#[function_component(Benchmark)]
pub fn benchmark(props: &BenchmarkProps) -> Html {
    let flags = use_state(|| "-n 10000 -c 50".to_string());
    let compare = use_state(|| None::<Variant>);
    // the flags' own problem (the scenario's, if any, comes with the view)
    let problem = use_state(|| None::<String>);
    // ab's -h: the flags' list shows instead of a run
    let usage_shown = use_state(|| false);
    // a finished benchmark's charts, worked out once per benchmark
    let outcomes = use_memo(props.view.results.as_ref().map(|r| r.id), {
        let results: Option<BenchmarkResults> = props.view.results.clone();
        move |_| results.map(|r| outcomes(&r.runs)).unwrap_or_default()
    });

    let on_flags = {
        let flags = flags.clone();
        Callback::from(move |e: InputEvent| flags.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_compare = {
        let compare = compare.clone();
        Callback::from(move |e: Event| {
            compare.set(Variant::from_key(&e.target_unchecked_into::<HtmlSelectElement>().value()))
        })
    };
    let on_cancel = props.on_request.reform(|_: MouseEvent| BenchmarkRequest::Cancel);
    let on_run = {
        let (flags, compare, problem, usage_shown) =
            (flags.clone(), compare.clone(), problem.clone(), usage_shown.clone());
        let on_request = props.on_request.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let words = ab::split_flags(&flags);
            let asks_for_usage = words.as_deref().is_ok_and(ab::asks_for_usage);
            usage_shown.set(asks_for_usage);
            if asks_for_usage {
                problem.set(None);
                return;
            }
            match words.and_then(|args| ab::parse(&args)) {
                Ok((options, rest)) if rest.is_empty() => {
                    problem.set(None);
                    on_request.emit(BenchmarkRequest::Start(options, *compare));
                }
                Ok((_, rest)) => problem
                    .set(Some(format!("“{}” is not one of ab's flags here (-n -c -t -k -H -C -s)", rest.join(" ")))),
                Err(e) => problem.set(Some(e.0)),
            }
        })
    };
    let progress = props.view.progress;
    let problem = problem.as_ref().or(props.view.problem.as_ref());
    let running = progress.is_some();
    html! {
        <details class="benchmark">
            <summary>{ "Benchmark this scenario with ab" }</summary>
            <p class="note">{ "ab's closed loop in place of the scenario's own clients: c connections from one machine, each sending its next request when the last is answered. ab keeps no cookies: cookie persistence sticks only if -C (or -H 'Cookie: …') names a server (SERVERID=s2), and its requests are anonymous page views unless the cookie carries a session id (session=…), which a session store then reads and saves on every request; other headers change nothing. The report has ab 2.3's layout and formulas; its times are simulated, so the same scenario gives the same report (the CLI: scalelab ab -n … -c … PRESET; -h lists the flags)." }</p>
            <form class="row" onsubmit={on_run} aria-label="ab flags">
                <label>{ "ab " }<input type="text" value={(*flags).clone()} oninput={on_flags} aria-label="ab flags" data-field="ab.flags" /></label>
                <label>{ "compare with " }
                    <select onchange={on_compare} aria-label="Compare with">
                        <option value="" selected={compare.is_none()}>{ "nothing" }</option>
                        { for Variant::all_but(&props.scenario).into_iter().map(|v| html! {
                            <option value={v.key()} selected={*compare == Some(v)}>{ v.label() }</option>
                        }) }
                    </select>
                </label>
                <button type="submit" disabled={running}>{ "Run" }</button>
                if running { <button type="button" onclick={on_cancel}>{ "Cancel" }</button> }
            </form>
            if let Some(p) = problem { <p class="error" role="alert">{ p }</p> }
            if *usage_shown { <pre class="ab-text">{ "Usage: ab [options], against the scenario open above\n" }{ ab::USAGE }</pre> }
            if let Some(fraction) = progress {
                <progress max="1" value={fraction.to_string()} aria-label="Benchmark progress"></progress>
            }
            <div class={classes!("reports", (outcomes.len() > 1).then_some("two"))}>
                { for outcomes.iter().map(report_view) }
            </div>
        </details>
    }
}

fn report_view(outcome: &Outcome) -> Html {
    html! {
        <figure class="ab-report">
            <figcaption>{ &outcome.label }</figcaption>
            { match &outcome.report {
                Err(why) => html! { <pre class="ab-text error">{ why }</pre> },
                Ok(shown) => html! { <>
                    <pre class="ab-text">{ &shown.text }</pre>
                    { take_away(&shown.text) }
                    <div class="ab-charts">
                        { histogram(shown) }
                        { percentile_curve(&shown.percentiles, shown.scale_ms) }
                        { per_server(&shown.served_per_server, shown.busiest_server) }
                    </div>
                </> },
            } }
        </figure>
    }
}

/// The report as text: copied, or saved as a file, exactly as it is shown.
fn take_away(text: &str) -> Html {
    let copy = {
        let text = text.to_string();
        Callback::from(move |_: MouseEvent| crate::share::copy_to_clipboard(&text))
    };
    let save = {
        let text = text.to_string();
        Callback::from(move |_: MouseEvent| crate::export::download("scalelab-ab-report.txt", "text/plain", &text))
    };
    html! {
        <p class="ab-take-away">
            <button type="button" onclick={copy} title="Copy the report as text">{ "Copy" }</button>
            <button type="button" onclick={save} title="Save the report as a text file">{ "Save as text" }</button>
        </p>
    }
}

const CW: f64 = 300.0;
const CH: f64 = 90.0;

/// Counts sorted response times [µs] into `count` equal bins from 0 to `scale_us` (at least the
/// longest); the longest falls in the last bin when it sets the scale.
pub fn bins(sorted_us: &[u32], count: usize, scale_us: f64) -> Vec<u64> {
    let below = |edge: usize| {
        let edge_us = scale_us * edge as f64 / count as f64;
        sorted_us.partition_point(|&t| f64::from(t) < edge_us)
    };
    (0..count)
        .map(|i| if i + 1 == count { sorted_us.len() - below(i) } else { below(i + 1) - below(i) } as u64)
        .collect()
}

fn histogram(shown: &Shown) -> Html {
    let unit = format!(" (0 to {:.0} ms, requests per bin)", shown.scale_ms);
    bar_chart("Response times", &unit, "Latency histogram", &shown.histogram, shown.tallest_bin, |_, _| None)
}

/// One bar per server: how the balancer spread ab's requests (`full` at full height).
fn per_server(served: &[u64], full: u64) -> Html {
    let most = served.iter().copied().max().unwrap_or(0);
    let mean = served.iter().sum::<u64>() as f64 / served.len().max(1) as f64;
    let unit = if most == 0 {
        format!(" (servers 1 to {}; none answered)", served.len())
    } else {
        format!(" (servers 1 to {}; the busiest {:.2}× the mean)", served.len(), most as f64 / mean)
    };
    bar_chart("Requests per server", &unit, "Requests per server", served, full, |i, n| {
        Some(format!("Server {}: {n} requests", i + 1))
    })
}

/// A small bar chart: `counts` side by side, `tallest` at full height; `title` names a bar.
fn bar_chart(
    caption: &str,
    unit: &str,
    label: &str,
    counts: &[u64],
    tallest: u64,
    title: impl Fn(usize, u64) -> Option<String>,
) -> Html {
    let w = CW / counts.len().max(1) as f64;
    let bars = counts.iter().enumerate().map(|(i, &n)| {
        let h = CH * n as f64 / tallest.max(1) as f64;
        html! { <rect class="bar" x={svg::number(i as f64 * w)} y={svg::number(CH - h)}
        width={svg::number((w - 1.0).max(0.5))} height={svg::number(h)}>
            if let Some(t) = title(i, n) { <title>{ t }</title> }
        </rect> }
    });
    html! {
        <figure class="chart mini">
            <figcaption>{ caption }<span class="unit">{ unit }</span></figcaption>
            <svg viewBox={format!("0 0 {CW} {CH}")} preserveAspectRatio="none" role="img" aria-label={label.to_string()}>{ for bars }</svg>
        </figure>
    }
}

fn percentile_curve(percentiles: &[f64], max: f64) -> Html {
    let points = svg::points(percentiles.iter().enumerate().map(|(p, t)| (CW * p as f64 / 100.0, CH - CH * t / max)));
    html! {
        <figure class="chart mini">
            <figcaption>{ "Percentiles" }<span class="unit">{ format!(" (0 to 100%, 0 to {max:.0} ms)") }</span></figcaption>
            <svg viewBox={format!("0 0 {CW} {CH}")} preserveAspectRatio="none" role="img" aria-label="Percentile chart">
                <polyline class="series p95" {points} />
            </svg>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_hold_every_response() {
        let b = bins(&[1_000, 2_000, 2_000, 10_000], 5, 10_000.0);
        // Bins of 2 ms: [0, 2) holds 1, [2, 4) holds both 2s, the longest goes in the last.
        assert_eq!(b, vec![1, 2, 0, 0, 1]);
        // On a compared run's longer scale (20 ms), bins of 4 ms.
        assert_eq!(bins(&[1_000, 2_000, 2_000, 10_000], 5, 20_000.0), vec![3, 0, 1, 0, 0]);
    }
}
