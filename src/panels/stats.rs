//! The run's totals in one line: what arrived, what was answered, what failed.

use sim::Counters;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatsProps {
    pub counters: Counters,
    pub utilisation_offered: f64,
}

#[function_component(Stats)]
pub fn stats(props: &StatsProps) -> Html {
    let c = &props.counters;
    html! {
        <div class="stats" aria-label="Totals">
            <span>{ format!("{} sent", c.arrived) }</span>
            <span class="ok">{ format!("{} answered", c.completed) }</span>
            <span class="bad" title="Refused by a server whose queue was full">{ format!("{} refused (503)", c.rejected) }</span>
            <span class="bad" title="No server was taking traffic">{ format!("{} failed (no server)", c.failed) }</span>
            <span>{ format!("{} in flight", c.in_flight()) }</span>
            <span title="Arrival rate × mean service time ÷ (servers × slots × speed)">
                { format!("offered load {:.0}%", props.utilisation_offered * 100.0) }
            </span>
        </div>
    }
}
