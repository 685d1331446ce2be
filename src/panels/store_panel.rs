//! The session store's inspector: how busy it is, and crash / recover while the run goes on.

use crate::diagram::busy_percent;
use sim::snapshot::{Fault, MachineGauges};
use sim::Command;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StorePanelProps {
    /// None when the run has no session store
    pub gauges: Option<MachineGauges>,
    pub on_command: Callback<Command>,
    pub on_close: Callback<()>,
}

#[function_component(StorePanel)]
pub fn store_panel(props: &StorePanelProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    let send = |command: Command| props.on_command.reform(move |_: MouseEvent| command.clone());
    html! {
        <section class="server-panel" aria-label="Session store">
            <div class="panel-head">
                <h2>{ "Session store" }</h2>
                <button class="close" onclick={close} aria-label="Close">{ "×" }</button>
            </div>
            if let Some(g) = props.gauges {
                <dl class="facts">
                    <dt>{ "State" }</dt><dd>{ if g.fault == Fault::Crashed { "down: every request fails with 500" } else { "up" } }</dd>
                    <dt>{ "Busy" }</dt><dd>{ format!("{}/{} threads, {}/{} queued, {} last second", g.busy_slots, g.slots, g.queue_len, g.queue_limit, busy_percent(g.utilisation)) }</dd>
                    <dt>{ "Operations" }</dt><dd>{ format!("{} reads and writes", g.served) }</dd>
                </dl>
                <p class="note">{ "Every request reads its session here first and writes it back at the end, holding its server slot meanwhile. Here the store keeps its sessions through a crash (a database, or Redis with persistence on), but nothing can be read or written until it recovers." }</p>
                <div class="actions" role="group" aria-label="Inject a failure">
                    <button onclick={send(Command::CrashStore)} disabled={g.fault == Fault::Crashed}>{ "Crash" }</button>
                    <button onclick={send(Command::RecoverStore)} disabled={g.fault != Fault::Crashed}>{ "Recover" }</button>
                </div>
            } else {
                <p>{ "This run has no session store." }</p>
            }
        </section>
    }
}
