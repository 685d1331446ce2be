//! The server inspector: what one server is doing, what the balancer believes about it, and the
//! actions a student can take on it while the run goes on (fail it, resize it, remove it).

use crate::diagram::{busy_phrase, fault_label, health_label};
use sim::snapshot::{Fault, ServerGauges};
use sim::Command;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ServerPanelProps {
    pub server: u32,
    /// `None` once the server has left the pool
    pub gauges: Option<ServerGauges>,
    pub on_command: Callback<Command>,
    pub on_close: Callback<()>,
}

#[function_component(ServerPanel)]
pub fn server_panel(props: &ServerPanelProps) -> Html {
    let id = props.server;
    let Some(g) = props.gauges else {
        return html! {
            <section class="server-panel" aria-label={format!("Server {}", id + 1)}>
                <h2>{ format!("Server {}", id + 1) }</h2>
                <p>{ "This server has left the pool." }</p>
                <button onclick={props.on_close.reform(|_: MouseEvent| ())}>{ "Close" }</button>
            </section>
        };
    };
    let send = |command: Command| props.on_command.reform(move |_: MouseEvent| command.clone());
    let m = g.machine;
    let fault = fault_label(m.fault);
    html! {
        <section class="server-panel" aria-label={format!("Server {}", id + 1)}>
            <div class="panel-head">
                <h2>{ format!("Server {}", id + 1) }</h2>
                <button class="close" onclick={props.on_close.reform(|_: MouseEvent| ())} aria-label="Close">{ "×" }</button>
            </div>
            <dl class="facts">
                <dt>{ "Heartbeats say" }</dt><dd class={health_label(g.health)}>{ health_label(g.health) }
                    { if g.in_rotation { " (in rotation)" } else { " (out of rotation)" } }</dd>
                <dt>{ "Really" }</dt><dd>{ if fault.is_empty() { "working".to_string() } else { fault } }</dd>
                <dt>{ "Busy" }</dt><dd>{ format!("{}/{} slots, {}/{} queued, {}", m.busy_slots, m.slots, m.queue_len, m.queue_limit, busy_phrase(&m)) }</dd>
                <dt>{ "Outstanding" }</dt><dd>{ format!("{} at the balancer, {} served", g.outstanding, m.served) }</dd>
                <dt>{ "Size" }</dt><dd>{ format!("speed {}, weight {}, ${:.3} per hour", g.speed, g.weight, g.price_per_hour) }</dd>
            </dl>
            if g.accepting {
                <div class="actions" role="group" aria-label="Inject a failure">
                    <button onclick={send(Command::Crash { server: id })} title="The process dies: its requests fail, new connections are refused">{ "Crash" }</button>
                    <button onclick={send(Command::Hang { server: id })} title="It accepts requests but never answers: clients time out">{ "Hang" }</button>
                    <button onclick={send(Command::Slow { server: id, factor: 4.0 })} title="Every request takes four times as long">{ "Slow ×4" }</button>
                    <button onclick={send(Command::Recover { server: id })} disabled={m.fault == Fault::None}>{ "Recover" }</button>
                    <button onclick={send(Command::RemoveServer { server: id })} title="Stop sending it traffic; it leaves once it has finished">{ "Remove" }</button>
                </div>
                <ResizeForm server={id} slots={m.slots} speed={g.speed} weight={g.weight} on_command={props.on_command.clone()} />
            } else {
                <p class="note">{ "Draining: it takes no new requests and leaves when its last one is done." }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct ResizeProps {
    pub server: u32,
    pub slots: u32,
    pub speed: f64,
    pub weight: u32,
    pub on_command: Callback<Command>,
}

/// Vertical scaling of one server. A component of its own, so that the per-frame redraw of the
/// inspector leaves the fields being typed in alone.
#[function_component(ResizeForm)]
pub fn resize_form(props: &ResizeProps) -> Html {
    let (slots, speed, weight) = (use_node_ref(), use_node_ref(), use_node_ref());
    let problem = use_state(|| None::<String>);
    let onsubmit = {
        let (slots, speed, weight, problem) = (slots.clone(), speed.clone(), weight.clone(), problem.clone());
        let (on_command, server) = (props.on_command.clone(), props.server);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let read = |r: &NodeRef| r.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let parsed = (
                read(&slots).trim().parse::<u32>(),
                read(&speed).trim().parse::<f64>(),
                read(&weight).trim().parse::<u32>(),
            );
            let (Ok(concurrency), Ok(speed), Ok(weight)) = parsed else {
                problem.set(Some("Enter whole numbers for slots and weight, and a number for speed.".into()));
                return;
            };
            let command = Command::Resize { server, concurrency, speed, weight };
            match command.check_arguments() {
                Ok(()) => {
                    problem.set(None);
                    on_command.emit(command);
                }
                Err(why) => problem.set(Some(why)),
            }
        })
    };
    html! {
        <form class="resize" {onsubmit} aria-label="Resize this server">
            <label>{ "Slots " }<input ref={slots} type="number" min="1" value={props.slots.to_string()} /></label>
            <label>{ "Speed " }<input ref={speed} type="number" step="0.1" min="0.1" value={props.speed.to_string()} /></label>
            <label>{ "Weight " }<input ref={weight} type="number" min="1" value={props.weight.to_string()} /></label>
            <button type="submit">{ "Resize" }</button>
            if let Some(p) = &*problem { <span class="error" role="alert">{ p }</span> }
        </form>
    }
}
