//! What the diagram's marks mean, in words beside a sample of each: the request dots, the
//! server boxes and their bars, the heartbeats and the replication log. A sample is drawn with
//! the diagram's colours (the stylesheet gives each `legend-` class the rule of the mark it
//! stands for, so the two cannot drift apart), in either theme. Shown by default;
//! a student can hide it.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    /// the balancer sends heartbeats (their rings are drawn)
    pub heartbeats: bool,
    /// requests on their way take their user's colour (sessions are modelled)
    pub colour_by_user: bool,
    /// a primary ships its log to replicas (the curves, entries and lag bars are drawn)
    pub replication: bool,
    /// starts hidden (an embed or a phone, where room is short)
    #[prop_or_default]
    pub hidden: bool,
}

/// One mark: a small SVG sample and what it means.
fn entry(sample: Html, meaning: &str) -> Html {
    html! {
        <li>
            <svg class="sample" width="22" height="16" viewBox="0 0 22 16" aria-hidden="true">{ sample }</svg>
            { meaning.to_string() }
        </li>
    }
}

fn dot(status: &'static str, meaning: &str) -> Html {
    entry(html! { <circle class={classes!("legend-dot", status)} cx="11" cy="8" r="5" /> }, meaning)
}

fn server_box(classes: &'static str, meaning: &str) -> Html {
    let sample = html! { <rect class={classes!("legend-box", classes)} x="2" y="2" width="18" height="12" rx="3" /> };
    entry(sample, meaning)
}

#[function_component(Legend)]
pub fn legend(props: &LegendProps) -> Html {
    let shown = use_state(|| !props.hidden);
    let toggle = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| shown.set(!*shown))
    };
    let requests = html! {
        <>
            if props.colour_by_user {
                { entry(html! { <circle class="legend-dot by-user" cx="11" cy="8" r="5" style="fill:hsl(137, 70%, 42%)" /> },
                    "a request on its way or answered, in its user's colour") }
            } else {
                { dot("outbound", "a request on its way") }
                { dot("answered", "answered (2xx)") }
            }
            { dot("refused", "refused: 503, the queue was full") }
            { dot("failed", "failed: refused, reset or no server") }
            { dot("abandoned", "abandoned: its client gave up") }
        </>
    };
    let servers = html! {
        <>
            { server_box("cool", "under 70% busy") }
            { server_box("warm", "70–90% busy") }
            { server_box("hot", "over 90% busy") }
            { server_box("booting", "booting: not taking requests yet") }
            { server_box("draining", "draining: finishing its requests, then leaving") }
            { server_box("faulty", "crashed, hung or slow (what is really wrong)") }
            if props.heartbeats {
                { server_box("suspected", "missed a heartbeat") }
                { server_box("down", "marked down: the balancer sends it nothing") }
                { server_box("recovering", "passing heartbeats, not yet marked up") }
            }
            { entry(html! {
                <g>
                    <rect class="legend-slot busy" x="2" y="5" width="5" height="6" />
                    <rect class="legend-slot" x="8" y="5" width="5" height="6" />
                    <rect class="legend-queue" x="15" y="5" width="5" height="6" />
                </g>
            }, "a thread at work, an idle one, the queue") }
        </>
    };
    html! {
        <div class="diagram-legend">
            <button type="button" class="legend-toggle" aria-expanded={if *shown { "true" } else { "false" }}
                    onclick={toggle}>
                { if *shown { "Hide the legend" } else { "Legend" } }
            </button>
            if *shown {
                <div class="legend-groups">
                    <ul aria-label="Requests"><li class="group" aria-hidden="true">{ "Requests" }</li>{ requests }</ul>
                    <ul aria-label="Servers"><li class="group" aria-hidden="true">{ "Servers" }</li>{ servers }</ul>
                    if props.heartbeats {
                        <ul aria-label="Heartbeats"><li class="group" aria-hidden="true">{ "Heartbeats" }</li>
                            { entry(html! { <circle class="legend-heartbeat passed" cx="11" cy="8" r="5" /> }, "heartbeat answered") }
                            { entry(html! { <circle class="legend-heartbeat missed" cx="11" cy="8" r="5" /> }, "heartbeat missed") }
                        </ul>
                    }
                    if props.replication {
                        <ul aria-label="Replication"><li class="group" aria-hidden="true">{ "Replication" }</li>
                            { entry(html! { <path class="log-link" d="M2 12 Q11 0 20 12" /> }, "the primary's log to a replica") }
                            { entry(html! { <rect class="log-entry" x="7" y="4" width="7" height="7" /> }, "a log entry on its way") }
                            { entry(html! {
                                <g>
                                    <rect class="lag-track" x="2" y="6" width="18" height="5" />
                                    <rect class="lag-fill" x="2" y="6" width="9" height="5" />
                                </g>
                            }, "a replica's lag (full at the stale bound, red past it)") }
                        </ul>
                    }
                </div>
            }
        </div>
    }
}
