//! The inspector of a machine the web servers use (the session store, a database server): how
//! busy it is, and crash / recover while the run goes on.

use crate::diagram::busy_phrase;
use sim::snapshot::{Fault, MachineGauges};
use sim::Command;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StorePanelProps {
    pub heading: AttrValue,
    /// what the machine does for a request, and what its crash means
    pub note: AttrValue,
    /// what it has done, in words ("reads and writes", "query shares")
    pub done: AttrValue,
    pub crash: Command,
    pub recover: Command,
    /// a replica's manual failover, and its link to the primary cut and healed, when the
    /// machine is a replica (under multi-primary: the primary's region cut off and reconnected)
    #[prop_or_default]
    pub promote: Option<Command>,
    #[prop_or_default]
    pub link: Option<(Command, Command)>,
    /// None when the run has no such machine
    pub gauges: Option<MachineGauges>,
    pub on_command: Callback<Command>,
    pub on_close: Callback<()>,
}

#[function_component(StorePanel)]
pub fn store_panel(props: &StorePanelProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    let send = |command: &Command| {
        let command = command.clone();
        props.on_command.reform(move |_: MouseEvent| command.clone())
    };
    html! {
        <section class="server-panel" aria-label={props.heading.clone()}>
            <div class="panel-head">
                <h2>{ props.heading.clone() }</h2>
                <button class="close" onclick={close} aria-label="Close">{ "×" }</button>
            </div>
            if let Some(g) = props.gauges {
                <dl class="facts">
                    <dt>{ "State" }</dt><dd>{ if g.fault == Fault::Crashed { "down: every request that needs it fails with 500" } else { "up" } }</dd>
                    <dt>{ "Busy" }</dt><dd>{ format!("{}/{} threads, {}/{} queued, {}", g.busy_slots, g.slots, g.queue_len, g.queue_limit, busy_phrase(&g)) }</dd>
                    <dt>{ "Done" }</dt><dd>{ format!("{} {}", g.served, props.done) }</dd>
                </dl>
                <p class="note">{ props.note.clone() }</p>
                <div class="actions" role="group" aria-label="Inject a failure">
                    <button onclick={send(&props.crash)} disabled={g.fault == Fault::Crashed}>{ "Crash" }</button>
                    <button onclick={send(&props.recover)} disabled={g.fault != Fault::Crashed}>{ "Recover" }</button>
                    if let Some(promote) = &props.promote {
                        <button onclick={send(promote)} disabled={g.fault == Fault::Crashed}
                            title="Once the primary is down: this replica applies what it has received, then takes the writes">
                            { "Promote to primary" }</button>
                    }
                    if let Some((cut, heal)) = &props.link {
                        if matches!(cut, Command::CutRegion { .. }) {
                            <button onclick={send(cut)} title="A network partition: this primary's writes stop reaching the others and theirs stop reaching it; its users still write to it">
                                { "Cut its region off" }</button>
                            <button onclick={send(heal)}>{ "Reconnect its region" }</button>
                        } else {
                            <button onclick={send(cut)} title="A network partition: the log stops reaching this replica, which still serves reads">
                                { "Cut its link" }</button>
                            <button onclick={send(heal)}>{ "Heal its link" }</button>
                        }
                    }
                </div>
            } else {
                <p>{ format!("This run has no {}.", props.heading.to_ascii_lowercase()) }</p>
            }
        </section>
    }
}
