//! The space-time view of the data tier's last second: one line per database machine, time
//! running left to right; writes and reads are dots on their machine's line, a log entry or a
//! write sent to another primary is a line from when it left to when it arrived, and each
//! anomaly or conflict is a mark that explains itself when clicked (or focused and Enter).

use std::rc::Rc;

use sim::data::space_time::{Item, Kind};
use yew::prelude::*;

/// What the view draws: the machines' names, the window [s], and what happened in it.
#[derive(Clone, PartialEq)]
pub struct SpaceTimeView {
    pub machines: Vec<String>,
    pub from_s: f64,
    pub to_s: f64,
    pub items: Vec<Item>,
}

#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    pub view: SpaceTimeView,
}

const WIDTH: f64 = 640.0;
const LEFT: f64 = 86.0;
const ROW: f64 = 24.0;
const TOP: f64 = 14.0;

#[function_component(SpaceTime)]
pub fn space_time(props: &SpaceTimeProps) -> Html {
    let chosen = use_state(|| None::<Rc<str>>);
    let v = &props.view;
    let height = TOP + ROW * v.machines.len() as f64 + 6.0;
    let span = (v.to_s - v.from_s).max(1e-9);
    let x = |t: f64| LEFT + ((t - v.from_s) / span).clamp(0.0, 1.0) * (WIDTH - LEFT - 8.0);
    let y = |machine: u16| TOP + ROW * (f64::from(machine) + 0.5);
    let secs = |t: sim::SimTime| t.as_secs_f64();
    let item = |i: &Item| -> Html {
        let (x0, x1, y0, y1) = (x(secs(i.sent)), x(secs(i.at)), y(i.from), y(i.to));
        match i.kind {
            Kind::Write => html! { <circle class="st-write" cx={fmt(x1)} cy={fmt(y1)} r="3" /> },
            Kind::Read => html! { <circle class="st-read" cx={fmt(x1)} cy={fmt(y1)} r="2.5" /> },
            Kind::Log | Kind::WriteSet => {
                let class = if i.kind == Kind::Log { "st-log" } else { "st-writeset" };
                html! { <line class={class} x1={fmt(x0)} y1={fmt(y0)} x2={fmt(x1)} y2={fmt(y1)} /> }
            }
            Kind::Anomaly | Kind::Conflict => {
                let explain = i.explain.clone().unwrap_or_default();
                let choose = {
                    let chosen = chosen.clone();
                    Callback::from(move |explain: Rc<str>| chosen.set(Some(explain)))
                };
                let pick = choose.reform({
                    let explain = explain.clone();
                    move |_: MouseEvent| explain.clone()
                });
                let key = crate::keys::on_activate(choose, explain.clone());
                let class = if i.kind == Kind::Anomaly { "st-mark anomaly" } else { "st-mark conflict" };
                let points = format!(
                    "{},{} {},{} {},{} {},{}",
                    fmt(x1),
                    fmt(y1 - 6.0),
                    fmt(x1 + 5.0),
                    fmt(y1),
                    fmt(x1),
                    fmt(y1 + 6.0),
                    fmt(x1 - 5.0),
                    fmt(y1)
                );
                html! {
                    <polygon class={class} points={points} role="button" tabindex="0"
                        aria-label={explain.to_string()} onclick={pick} onkeydown={key}>
                        <title>{ explain.to_string() }</title>
                    </polygon>
                }
            }
        }
    };
    html! {
        <figure class="space-time">
            <figcaption>{ "The last second, machine by machine: ● write, ○ read, lines are log entries \
                (or writes between primaries) from sent to arrived; ◆ marks an anomaly or a conflict: click one." }</figcaption>
            // Scrolls sideways on a phone rather than shrinking its marks below a finger's reach.
            <div class="st-scroll">
            <svg viewBox={format!("0 0 {WIDTH} {}", fmt(height))} role="group" aria-label="Space-time view of the database machines">
                { for v.machines.iter().enumerate().map(|(m, name)| html! {
                    <g class="st-machine">
                        <text x="2" y={fmt(y(m as u16) + 4.0)}>{ name }</text>
                        <line x1={fmt(LEFT)} y1={fmt(y(m as u16))} x2={fmt(WIDTH - 8.0)} y2={fmt(y(m as u16))} />
                    </g>
                }) }
                <text class="st-time" x={fmt(LEFT)} y="10">{ format!("{:.2} s", v.from_s.max(0.0)) }</text>
                <text class="st-time" x={fmt(WIDTH - 8.0)} y="10" text-anchor="end">{ format!("{:.2} s", v.to_s) }</text>
                { for v.items.iter().filter(|i| !matches!(i.kind, Kind::Anomaly | Kind::Conflict)).map(item) }
                { for v.items.iter().filter(|i| matches!(i.kind, Kind::Anomaly | Kind::Conflict)).map(item) }
            </svg>
            </div>
            <p class="st-explain" aria-live="polite">{ chosen.as_deref().unwrap_or("") }</p>
        </figure>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}
