//! Play, pause, single step, speed, restart and the seed; the sim clock; share and embed.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Speeds offered, from slow motion (watch single requests) to fast forward (watch the charts).
pub const SPEEDS: [f64; 12] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0, 100.0];
pub const DEFAULT_SPEED: f64 = 0.2;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub playing: bool,
    pub speed: f64,
    pub seed: u64,
    /// simulated time now [s]
    pub now_s: f64,
    /// the furthest simulated second the run has reached [s]: the timeline's end
    #[prop_or_default]
    pub reached_s: f64,
    /// how the last seek went, in words (the timeline's tooltip)
    #[prop_or_default]
    pub last_seek: Option<String>,
    pub lagging: bool,
    /// embed mode shows play controls only
    pub compact: bool,
    pub playback: Playback,
    /// horizontal scaling while the run goes on (None where there is no pool: the caching lab)
    #[prop_or_default]
    pub on_add_server: Option<Callback<()>>,
}

/// What the playback controls ask of the app: the app's callbacks and these buttons share it.
#[derive(Clone, PartialEq)]
pub struct Playback {
    pub on_toggle: Callback<()>,
    pub on_step: Callback<()>,
    pub on_restart: Callback<()>,
    pub on_speed: Callback<f64>,
    pub on_seed: Callback<u64>,
    /// back (or on) to this simulated second: the run replays to it
    pub on_seek: Callback<f64>,
    pub on_share: Callback<()>,
    pub on_embed: Callback<()>,
    /// a file to take away (the Download menu)
    pub on_export: Callback<crate::export::Export>,
}

/// The simulated clock: milliseconds while playing; microseconds while paused, the engine's own
/// resolution, so that every single step shows time moving on.
pub fn clock_label(now_s: f64, playing: bool) -> String {
    if playing {
        format!("t = {now_s:.3} s")
    } else {
        format!("t = {now_s:.6} s")
    }
}

pub fn speed_label(speed: f64) -> String {
    if speed < 1.0 {
        format!("{speed}× slow motion")
    } else if speed == 1.0 {
        "1× real time".to_string()
    } else {
        format!("{speed}× fast")
    }
}

#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    let toggle = props.playback.on_toggle.reform(|_: MouseEvent| ());
    let step = props.playback.on_step.reform(|_: MouseEvent| ());
    let restart = props.playback.on_restart.reform(|_: MouseEvent| ());
    let on_speed = {
        let cb = props.playback.on_speed.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = select.value().parse::<usize>() {
                if let Some(&s) = SPEEDS.get(i) {
                    cb.emit(s);
                }
            }
        })
    };
    let current = SPEEDS.iter().position(|&s| s == props.speed).unwrap_or(4);
    let speed_options = SPEEDS.iter().enumerate().map(|(i, &s)| {
        html! { <option value={i.to_string()} selected={i == current}>{ speed_label(s) }</option> }
    });
    let new_seed = {
        let cb = props.playback.on_seed.clone();
        let seed = props.seed;
        // The next seed from a fixed mixing step, so "new seed" is itself repeatable.
        Callback::from(move |_: MouseEvent| {
            cb.emit(seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407) >> 16)
        })
    };
    html! {
        <div class="controls" role="toolbar" aria-label="Playback">
            <button class="primary" onclick={toggle} title="Play or pause (space)" aria-keyshortcuts="Space">
                { if props.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button onclick={step} title="Run one event (→)" aria-keyshortcuts="ArrowRight">{ "Step ›" }</button>
            <button onclick={restart} title="Start this scenario again from time zero">{ "↺ Restart" }</button>
            <label class="speed"><span class="speed-word">{ "Speed " }</span>
                <select onchange={on_speed} aria-label="Speed">{ for speed_options }</select>
            </label>
            <span class="clock" title="Simulated time">{ clock_label(props.now_s, props.playing) }</span>
            if props.lagging {
                <span class="lag" title="The browser cannot simulate this much traffic this fast; time runs slower than the speed asked for">{ "engine at its limit" }</span>
            }
            if !props.compact {
                <Timeline now_s={props.now_s} reached_s={props.reached_s} last_seek={props.last_seek.clone()} on_seek={props.playback.on_seek.clone()} />
                <SeedField seed={props.seed} on_seed={props.playback.on_seed.clone()} />
                <button onclick={new_seed} title="Same scenario, other random traffic">{ "New seed" }</button>
                if let Some(add) = &props.on_add_server {
                    <button onclick={add.reform(|_: MouseEvent| ())} title="Add a server while the run goes on (it must pass two heartbeats first)">{ "+ Server" }</button>
                }
                <span class="spacer" />
                <button onclick={props.playback.on_share.reform(|_: MouseEvent| ())} title="Copy a link that replays exactly this run">{ "Share" }</button>
                <button onclick={props.playback.on_embed.reform(|_: MouseEvent| ())} title="Get HTML to put this simulation in course notes">{ "Embed" }</button>
                <details class="downloads">
                    <summary title="Save the diagram, the charts' data or the run's figures as a file">{ "Download" }</summary>
                    <div class="menu">
                        { for crate::export::Export::ALL.iter().map(|&export| html! {
                            <button type="button" onclick={pick_export(&props.playback.on_export, export)}>
                                { export.label() }
                            </button>
                        }) }
                    </div>
                </details>
            }
        </div>
    }
}

/// A Download menu item: asks for the file, and closes the menu.
fn pick_export(on_export: &Callback<crate::export::Export>, export: crate::export::Export) -> Callback<MouseEvent> {
    let on_export = on_export.clone();
    Callback::from(move |e: MouseEvent| {
        let menu = e.target_dyn_into::<web_sys::Element>().and_then(|el| el.closest("details").ok().flatten());
        if let Some(menu) = menu {
            let _ = menu.remove_attribute("open");
        }
        on_export.emit(export);
    })
}

#[derive(Properties, PartialEq)]
pub struct SeedFieldProps {
    pub seed: u64,
    pub on_seed: Callback<u64>,
}

/// The seed, in a component of its own so that the per-frame redraw of the controls leaves what
/// the user is typing alone. A value that is not a seed is named, and the run keeps its seed.
#[function_component(SeedField)]
pub fn seed_field(props: &SeedFieldProps) -> Html {
    let problem = use_state(|| None::<String>);
    let onchange = {
        let (cb, problem) = (props.on_seed.clone(), problem.clone());
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let text = input.value();
            match text.trim().parse::<u64>() {
                Ok(seed) => {
                    problem.set(None);
                    cb.emit(seed);
                }
                Err(_) => {
                    problem.set(Some(format!("“{text}” is not a seed: enter a whole number from 0 to {}", u64::MAX)))
                }
            }
        })
    };
    html! {
        <label class={classes!("seed", problem.is_some().then_some("invalid"))}>{ "Seed " }
            <input type="text" inputmode="numeric" value={props.seed.to_string()} {onchange} aria-label="Seed" />
            if let Some(message) = &*problem { <span class="error" role="alert">{ message }</span> }
        </label>
    }
}

#[derive(Properties, PartialEq)]
struct TimelineProps {
    now_s: f64,
    reached_s: f64,
    last_seek: Option<String>,
    on_seek: Callback<f64>,
}

/// The run's timeline, from 0 s to the furthest moment reached: dragging it (or its arrow keys)
/// rebuilds the run at that moment, which the same scenario and seed always give back. It asks
/// when let go, not while dragged: each seek replays the run from the copy kept before it.
#[function_component(Timeline)]
fn timeline(props: &TimelineProps) -> Html {
    // tenths of a second, so that the slider's value rounds as the clock does; its last tenth
    // is the moment reached itself, so that dragging to the end returns to exactly where the
    // run had got
    let end = (props.reached_s * 10.0).ceil() / 10.0;
    let (on_seek, reached_s) = (props.on_seek.clone(), props.reached_s);
    let onchange = Callback::from(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        if let Ok(seconds) = input.value().parse::<f64>() {
            on_seek.emit(if seconds >= end { reached_s } else { seconds });
        }
    });
    html! {
        <label class="timeline-scrub" title={format!("Drag back to any moment the run has reached; it is rebuilt exactly. Changing something there forks the run. {}", props.last_seek.as_deref().unwrap_or(""))}>
            { "Timeline " }
            <input type="range" min="0" max={end.to_string()} step="0.1" value={props.now_s.min(end).to_string()}
                {onchange} aria-label="Timeline: the moment shown, in simulated seconds"
                aria-valuetext={format!("{:.1} s of {:.1} s", props.now_s, end)} />
        </label>
    }
}
