//! The benchmark panel: ab's flags against the open scenario (and, to compare, against it with
//! one difference), run in slices between animation frames with a progress bar and Cancel, then
//! ab's report beside a latency histogram and a percentile chart.

use crate::frame_budget::{run_in_slices, wall_ms, Deadline};
use crate::svg;
use gloo_render::{request_animation_frame, AnimationFrame};
use sim::ab::{self, AbReport, LoadTester, ReportBuilder};
use sim::scenario::Variant;
use sim::{Scenario, Sim};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Wall time one frame may spend running the benchmark [ms]: the rest of the 16.7 ms frame is the
/// page's (see `frame_budget` for why a time and not an event count). With the live run paused or
/// light the page keeps 60 frames a second; `ab -n 1000000 -c 100` on ten servers takes about
/// 55 frames (80 at 10 ms).
const FRAME_BUDGET_MS: f64 = 14.0;

/// A benchmark under way: one run, or two to compare. The runs go first, then their reports,
/// a step per frame (a million-request report is a few frames' work).
struct Job {
    runs: Vec<(String, Sim)>,
    /// the run whose report is being worked out, and how far it has got
    reporting: Option<(usize, ReportBuilder)>,
    /// each finished run's report, or how it ended early
    reports: Vec<Result<AbReport, String>>,
}

impl Job {
    fn new(runs: Vec<(String, Sim)>) -> Job {
        Job { runs, reporting: None, reports: Vec::new() }
    }

    /// Runs a slice; returns the fraction of the runs done (0 to 1) and whether the reports are
    /// all ready.
    fn advance(&mut self) -> (f64, bool) {
        if self.reporting.is_none() && self.reports.is_empty() {
            let deadline = Deadline::after(FRAME_BUDGET_MS, wall_ms);
            for (_, sim) in &mut self.runs {
                // One run at a time, until it finishes or the frame's budget is spent.
                if !run_in_slices(u64::MAX, &deadline, |events| sim.run_benchmark_within(events)) {
                    return (self.fraction_done(), false);
                }
            }
            self.reporting = Some((0, ReportBuilder::default()));
            return (1.0, false);
        }
        if let Some((run, builder)) = self.reporting.as_mut() {
            let tester = self.runs[*run].1.load_tester().expect("a benchmark");
            if tester.timed_out_at().is_some() || tester.report_step(builder) {
                let (run, builder) = self.reporting.take().expect("reporting");
                self.reports.push(report_of(tester, builder));
                if run + 1 < self.runs.len() {
                    self.reporting = Some((run + 1, ReportBuilder::default()));
                }
            }
        }
        (1.0, self.reports.len() == self.runs.len())
    }

    /// What the finished job shows. Compared runs' charts share their scales (time, requests
    /// per bar, requests per server), so the longer tail and the taller peak look it.
    fn outcomes(self) -> Vec<Outcome> {
        let longest_us = self.reports.iter().flatten().filter_map(|r| r.totals_us.last().copied()).max();
        let scale_ms = f64::from(longest_us.unwrap_or(0)).max(1_000.0) / 1_000.0;
        let mut outcomes: Vec<Outcome> = self
            .runs
            .into_iter()
            .zip(self.reports)
            .map(|((label, sim), report)| Outcome {
                label,
                report: report.map(|r| Shown::of(&r, scale_ms, sim.served_per_server())),
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

    fn fraction_done(&self) -> f64 {
        let sum: f64 = self.runs.iter().map(|(_, s)| s.load_tester().map_or(0.0, |t| t.progress(s.now()))).sum();
        sum / self.runs.len().max(1) as f64
    }
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

fn report_of(tester: &LoadTester, report: ReportBuilder) -> Result<AbReport, String> {
    match tester.timed_out_at() {
        Some(_) => Err(format!(
            "apr_pollset_poll: The timeout specified has expired (70007)\nTotal of {} requests completed",
            tester.done()
        )),
        None => Ok(tester.report_from(report)),
    }
}

#[derive(Properties, PartialEq)]
pub struct BenchmarkProps {
    pub scenario: Scenario,
}

#[function_component(Benchmark)]
pub fn benchmark(props: &BenchmarkProps) -> Html {
    let flags = use_state(|| "-n 10000 -c 50".to_string());
    let compare = use_state(|| None::<Variant>);
    let problem = use_state(|| None::<String>);
    // ab's -h: the flags' list shows instead of a run
    let usage_shown = use_state(|| false);
    let progress = use_state(|| None::<f64>);
    let outcomes = use_state(Vec::<Outcome>::new);
    let job = use_mut_ref(|| None::<Job>);
    let frame = use_mut_ref(|| None::<AnimationFrame>);

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
    let on_cancel = {
        let (job, frame, progress) = (job.clone(), frame.clone(), progress.clone());
        Callback::from(move |_: MouseEvent| {
            frame.borrow_mut().take();
            job.borrow_mut().take();
            progress.set(None);
        })
    };
    let on_run = {
        let (flags, compare, problem, progress, outcomes, usage_shown) =
            (flags.clone(), compare.clone(), problem.clone(), progress.clone(), outcomes.clone(), usage_shown.clone());
        let (job, frame, scenario) = (job.clone(), frame.clone(), props.scenario.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let words = ab::split_flags(&flags);
            let asks_for_usage = words.as_deref().is_ok_and(ab::asks_for_usage);
            usage_shown.set(asks_for_usage);
            if asks_for_usage {
                problem.set(None);
                return;
            }
            let parsed = words.and_then(|args| ab::parse(&args));
            let options = match parsed {
                Ok((options, rest)) if rest.is_empty() => options,
                Ok((_, rest)) => {
                    problem.set(Some(format!(
                        "“{}” is not one of ab's flags here (-n -c -t -k -H -C -s)",
                        rest.join(" ")
                    )));
                    return;
                }
                Err(e) => {
                    problem.set(Some(e.0));
                    return;
                }
            };
            let mut runs = Vec::new();
            let mut scenarios = vec![("This scenario".to_string(), scenario.clone())];
            if let Some(v) = *compare {
                scenarios[0].0 = format!("A: {}", v.label_of_base(&scenario));
                scenarios.push((format!("B: {}", v.label()), v.applied_to(&scenario)));
            }
            for (label, s) in scenarios {
                match s.validate() {
                    Ok(valid) => runs.push((label, Sim::benchmark(valid, options.clone()))),
                    Err(errors) => {
                        problem.set(Some(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")));
                        return;
                    }
                }
            }
            problem.set(None);
            outcomes.set(Vec::new());
            progress.set(Some(0.0));
            *job.borrow_mut() = Some(Job::new(runs));
            run_slices(job.clone(), frame.clone(), progress.clone(), outcomes.clone());
        })
    };
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
            if let Some(p) = &*problem { <p class="error" role="alert">{ p }</p> }
            if *usage_shown { <pre class="ab-text">{ "Usage: ab [options], against the scenario open above\n" }{ ab::USAGE }</pre> }
            if let Some(fraction) = *progress {
                <progress max="1" value={fraction.to_string()} aria-label="Benchmark progress"></progress>
            }
            <div class={classes!("reports", (outcomes.len() > 1).then_some("two"))}>
                { for outcomes.iter().map(report_view) }
            </div>
        </details>
    }
}

/// Runs the job a slice per animation frame until it finishes or is cancelled.
fn run_slices(
    job: Rc<RefCell<Option<Job>>>,
    frame: Rc<RefCell<Option<AnimationFrame>>>,
    progress: UseStateHandle<Option<f64>>,
    outcomes: UseStateHandle<Vec<Outcome>>,
) {
    let next = frame.clone();
    let handle = request_animation_frame(move |_| {
        let step = job.borrow_mut().as_mut().map(Job::advance);
        match step {
            None => {} // cancelled
            Some((fraction, false)) => {
                progress.set(Some(fraction));
                run_slices(job, next, progress, outcomes);
            }
            Some((_, true)) => {
                let finished = job.borrow_mut().take().expect("running");
                outcomes.set(finished.outcomes());
                progress.set(None);
            }
        }
    });
    *frame.borrow_mut() = Some(handle);
}

fn report_view(outcome: &Outcome) -> Html {
    html! {
        <figure class="ab-report">
            <figcaption>{ &outcome.label }</figcaption>
            { match &outcome.report {
                Err(why) => html! { <pre class="ab-text error">{ why }</pre> },
                Ok(shown) => html! { <>
                    <pre class="ab-text">{ &shown.text }</pre>
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
