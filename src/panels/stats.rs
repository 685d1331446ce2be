//! The run's totals in one line: what arrived, what was answered, what failed.

use sim::scenario::SessionMode;
use sim::Counters;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatsProps {
    pub counters: Counters,
    /// the load offered to the pool now; None when no server can serve
    pub offered_load: Option<f64>,
    pub cost_dollars: f64,
    pub server_hours: f64,
    pub servers: usize,
    /// the busiest server's requests over the mean
    pub busiest_over_mean: f64,
    /// which session totals to show: a run's figures stay in place from its start (a total that
    /// appeared only once it was above zero would move the page under the reader's pointer)
    pub session_mode: SessionMode,
}

#[function_component(Stats)]
pub fn stats(props: &StatsProps) -> Html {
    let c = &props.counters;
    html! {
        <div class="stats" aria-label="Totals">
            <span>{ format!("{} sent", c.arrived) }</span>
            <span class="ok">{ format!("{} answered", c.completed) }</span>
            <span class="bad" title="Refused by a server whose queue was full">{ format!("{} refused (503)", c.rejected) }</span>
            <span class="bad" title="No server took traffic, or the connection was refused or reset">{ format!("{} failed", c.failed) }</span>
            <span class="bad" title="The client gave up waiting">{ format!("{} timed out", c.timed_out) }</span>
            if props.session_mode != SessionMode::None {
                <span class="bad" title="Requests that found no session where they landed: the user is back at the login page">
                    { format!("{} sessions lost", c.sessions_lost) }
                </span>
                <span class="ok" title="Journeys that reached the checkout">{ format!("{} checkouts", c.checkouts) }</span>
                <span title="Session cookie bytes per request">
                    { format!("{:.0} cookie bytes/request", c.cookie_bytes_per_request()) }
                </span>
                <span title="The busiest server's requests served over the mean of all servers: 1 is perfect balance">
                    { format!("busiest server {:.2}× the mean", props.busiest_over_mean) }
                </span>
            }
            if c.cookies_rejected > 0 {
                <span class="bad" title="Edited session cookies whose signature the servers refused">{ format!("{} cookies rejected", c.cookies_rejected) }</span>
            }
            if props.session_mode == SessionMode::Database {
                <span title="Reads and writes the session store finished, and the time each answered request spent on trips to it">
                    { format!("session store: {} operations, {:.2} ms/request", c.store_ops, c.store_ms_per_answered()) }
                </span>
                <span class="bad" title="Requests that failed (500) because the session store was down or full">{ format!("{} failed on the store", c.store_errors) }</span>
            }
            if c.retried > 0 {
                <span title="Refused requests the balancer tried again on another server">{ format!("{} retried", c.retried) }</span>
            }
            <span>{ format!("{} in flight", c.in_flight()) }</span>
            <span title="Arrival rate now × mean service time ÷ the slots (× speed) of the servers in the pool that have booted">
                { match props.offered_load {
                    Some(load) => format!("offered load {:.0}%", load * 100.0),
                    None => "offered load: no server ready".to_string(),
                } }
            </span>
            <span title="Every server's time in the pool so far, and what it cost">
                { format!("{} server{}, {:.3} server-hours, ${:.4} so far", props.servers, if props.servers == 1 { "" } else { "s" },
                    props.server_hours, props.cost_dollars) }
            </span>
        </div>
    }
}
