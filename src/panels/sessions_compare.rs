//! The Sessions lesson's table: the current scenario's traffic run once per place a session can
//! live (`sim::compare`), with an optional failure halfway, and the figures that tell them apart.
//! The player runs the comparison beside the live run; the panel asks for it and shows it.

use crate::player::ComparisonView;
use sim::compare::{HalfwayFailure, ModeReport};
use sim::Scenario;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Requests each mode's run may hold, so a click never freezes the page on a busy scenario.
const MAX_REQUESTS_PER_RUN: f64 = 20_000.0;
const MAX_SECONDS: f64 = 60.0;

/// How long each run lasts for this scenario [whole s, at least 2].
pub fn comparison_seconds(scenario: &Scenario) -> u64 {
    (MAX_REQUESTS_PER_RUN / scenario.clients.arrival_rate).clamp(2.0, MAX_SECONDS) as u64
}

/// A row of the table: its heading, what it means, and how to read it off a mode's run.
type Figure = (&'static str, &'static str, fn(&ModeReport) -> String);

#[derive(Properties, PartialEq)]
pub struct SessionsCompareProps {
    pub scenario: Scenario,
    pub view: Option<ComparisonView>,
    /// what fails halfway, and how long each mode runs [s]
    pub on_compare: Callback<(HalfwayFailure, u64)>,
}

#[function_component(SessionsCompare)]
pub fn sessions_compare(props: &SessionsCompareProps) -> Html {
    let failure = use_state(|| HalfwayFailure::CrashServer);
    let on_failure = {
        let failure = failure.clone();
        Callback::from(move |e: Event| {
            failure.set(match e.target_unchecked_into::<HtmlSelectElement>().value().as_str() {
                "server" => HalfwayFailure::CrashServer,
                "store" => HalfwayFailure::CrashStore,
                _ => HalfwayFailure::Nothing,
            })
        })
    };
    let on_run = {
        let (failure, seconds, on_compare) =
            (failure.clone(), comparison_seconds(&props.scenario), props.on_compare.clone());
        Callback::from(move |_: MouseEvent| on_compare.emit((*failure, seconds)))
    };
    let running = props.view.as_ref().and_then(|v| v.progress);
    // One column per mode, one row per figure: narrow enough for the lesson's column.
    let table = |seconds: u64, reports: &[ModeReport]| {
        let figures: [Figure; 8] = [
            ("lost ‰", "Sessions lost per 1,000 answered requests", |r| {
                format!("{:.0}", r.summary.requests.sessions_lost_per_thousand())
            }),
            ("checkouts", "Journeys that reached the checkout", |r| r.summary.requests.checkouts.to_string()),
            ("errors", "Requests refused, failed or timed out", |r| r.summary.requests.errors().to_string()),
            ("p95 ms", "95th percentile latency", |r| format!("{:.0}", r.summary.latency_ms.p95)),
            ("store ms/req", "Time per answered request spent on trips to the session store", |r| {
                format!("{:.2}", r.summary.requests.store_ms_per_answered())
            }),
            ("store ops/s", "Session store reads and writes per second", |r| {
                format!("{:.0}", r.store_ops_per_second())
            }),
            ("cookie B/req", "Session cookie bytes per request", |r| {
                format!("{:.0}", r.summary.requests.cookie_bytes_per_request())
            }),
            ("busiest", "The busiest server's requests over the mean (1 is even)", |r| {
                format!("{:.2}×", r.busiest_over_mean)
            }),
        ];
        html! {
            <div class="table-scroll">
                <table class="compare-table">
                    <caption>{ format!("{seconds} simulated seconds each") }</caption>
                    <thead><tr>
                        <th></th>
                        { for reports.iter().map(|r| html! { <th scope="col" title={r.mode.label()}>{ r.mode.short_label() }</th> }) }
                    </tr></thead>
                    <tbody>
                        { for figures.iter().map(|(name, meaning, value)| html! {
                            <tr>
                                <th scope="row" title={*meaning}>{ *name }</th>
                                { for reports.iter().map(|r| html! { <td>{ value(r) }</td> }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        }
    };
    html! {
        <section class="sessions-compare" aria-label="Compare where sessions live">
            <h2>{ "Where should the session live? Compare on this traffic" }</h2>
            <p class="note">{ "Runs the scenario you have open once per mode, with the same seed, so every mode gets the very same requests from the very same users." }</p>
            <div class="row">
                <label>{ "Halfway through " }
                    <select onchange={on_failure} aria-label="What fails halfway">
                        <option value="nothing" selected={*failure == HalfwayFailure::Nothing}>{ "nothing fails" }</option>
                        <option value="server" selected={*failure == HalfwayFailure::CrashServer}>{ "server 1 crashes" }</option>
                        <option value="store" selected={*failure == HalfwayFailure::CrashStore}>{ "the session store crashes for a tenth of the run" }</option>
                    </select>
                </label>
                <button onclick={on_run} disabled={running.is_some()}>{ "Compare" }</button>
            </div>
            if let Some(fraction) = running {
                <progress max="1" value={fraction.to_string()} aria-label="Comparison progress"></progress>
            }
            { match props.view.as_ref().and_then(|v| v.result.as_ref().map(|r| (v.seconds, r))) {
                None => html! {},
                Some((_, Err(why))) => html! { <p class="error" role="alert">{ format!("This scenario cannot be compared: {why}.") }</p> },
                Some((seconds, Ok(reports))) => table(seconds, reports),
            } }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_scenarios_get_shorter_comparisons() {
        let mut s = Scenario::default();
        s.clients.arrival_rate = 200.0;
        assert_eq!(comparison_seconds(&s), 60);
        s.clients.arrival_rate = 2_000.0;
        assert_eq!(comparison_seconds(&s), 10);
        s.clients.arrival_rate = 1_000_000.0;
        assert_eq!(comparison_seconds(&s), 2);
    }
}
