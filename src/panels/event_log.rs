//! The event log: what happened in the run, in words, newest first, shown on demand; and the
//! polite live region that reads out what is new (see `crate::events`).

use std::rc::Rc;
use yew::prelude::*;

/// Lines the open log lists (the newest).
const LISTED: usize = 50;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub events: Rc<Vec<(f64, String)>>,
    pub announcement: String,
}

#[function_component(EventLog)]
pub fn event_log(props: &EventLogProps) -> Html {
    let lines = props.events.iter().rev().take(LISTED).map(|(at, line)| {
        html! { <li><span class="at">{ format!("{at:.1} s") }</span>{ line.clone() }</li> }
    });
    html! {
        <>
            <LiveRegion announcement={props.announcement.clone()} />
            <details class="event-log">
                <summary>{ format!("Event log ({})", props.events.len()) }</summary>
                if props.events.is_empty() {
                    <p class="empty">{ "Nothing has happened yet: crash a server, or wait for the autoscaler." }</p>
                } else {
                    <ol>{ for lines }</ol>
                }
            </details>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct LiveRegionProps {
    pub announcement: String,
}

/// The polite live region alone (the embed has no room for the log itself).
#[function_component(LiveRegion)]
pub fn live_region(props: &LiveRegionProps) -> Html {
    html! { <p class="visually-hidden" aria-live="polite">{ props.announcement.clone() }</p> }
}
