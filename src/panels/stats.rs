//! The run's totals in one line: what arrived, what was answered, what failed.

use sim::Counters;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatsProps {
    pub counters: Counters,
    pub utilisation_offered: f64,
    pub cost_dollars: f64,
    pub server_hours: f64,
    pub servers: usize,
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
            if c.sessions_lost > 0 || c.checkouts > 0 || c.cookie_bytes > 0 {
                <span class="bad" title="Requests that found no session where they landed: the user is back at the login page">
                    { format!("{} sessions lost", c.sessions_lost) }
                </span>
                <span class="ok" title="Journeys that reached the checkout">{ format!("{} checkouts", c.checkouts) }</span>
                <span title="Session cookie bytes per request">
                    { format!("{:.0} cookie bytes/request", c.cookie_bytes as f64 / c.arrived.max(1) as f64) }
                </span>
            }
            if c.retried > 0 {
                <span title="Refused requests the balancer tried again on another server">{ format!("{} retried", c.retried) }</span>
            }
            <span>{ format!("{} in flight", c.in_flight()) }</span>
            <span title="Arrival rate × mean service time ÷ (servers × slots × speed), at the start">
                { format!("offered load {:.0}%", props.utilisation_offered * 100.0) }
            </span>
            <span title="Every server's time in the pool so far, and what it cost">
                { format!("{} servers, {:.3} server-hours, ${:.4} so far", props.servers, props.server_hours, props.cost_dollars) }
            </span>
        </div>
    }
}
