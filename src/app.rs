//! The top level: app state (`AppState`, changed only through `Action`), the animation loop that
//! drives the `Player`, the keyboard, and the page layout (full or embedded).

use crate::diagram::{Diagram, Selection};
use crate::layout::Orientation;
use crate::panels::benchmark::Benchmark;
use crate::panels::cache_lab::CacheLab;
use crate::panels::charts::{Charts, ProfileChart};
use crate::panels::controls::{Controls, DEFAULT_SPEED};
use crate::panels::dialog::{CopyDialog, DialogContent};
use crate::panels::knobs::{apply_knob, KnobError, Knobs};
use crate::panels::lesson::Lesson;
use crate::panels::scaling_log::ScalingLog;
use crate::panels::server_panel::ServerPanel;
use crate::panels::sessions_compare::SessionsCompare;
use crate::panels::stats::Stats;
use crate::panels::store_panel::StorePanel;
use crate::panels::user_panel::UserPanel;
use crate::player::{BenchmarkRequest, FrameView, Player};
use crate::share::{self, Boot};
use gloo_render::{request_animation_frame, AnimationFrame};
use sim::caching::LabAction;
use sim::compare::HalfwayFailure;
use sim::scenario::Variant;
use sim::snapshot::NodeKind;
use sim::{Algorithm, Command, Scenario, SimTime, ValidScenario};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// the scenario running now (always valid)
    pub scenario: Scenario,
    /// bumped to start the run again from `start_at`
    pub run_id: u64,
    pub start_at: SimTime,
    pub playing: bool,
    pub speed: f64,
    /// a problem to tell the user about (a link that did not open)
    pub banner: Option<String>,
    pub knob_error: Option<KnobError>,
    pub dialog: Option<DialogContent>,
    pub embed: bool,
    /// what the open inspector shows (a server, the session store, a user)
    pub selected: Option<Selection>,
    /// a short message about the last action (a refused command), cleared by the next one
    pub notice: Option<String>,
    /// the split view: the same scenario under this algorithm, side by side
    pub compare_with: Option<Variant>,
    /// bumped when a side run (a benchmark, the session comparison) starts, so that frames are
    /// drawn for it even while the live run is paused
    pub side_runs_started: u64,
}

pub enum Action {
    TogglePlay,
    Pause,
    SetSpeed(f64),
    Restart,
    SetSeed(u64),
    /// a knob's field and the text the user entered
    EditKnob(&'static str, String),
    ShowBanner(String),
    DismissBanner,
    ShowDialog(DialogContent),
    CloseDialog,
    /// a lesson's preset: a whole new scenario
    Load(Scenario),
    /// a change was made while running; the scenario now records it (no restart)
    Recorded(Scenario),
    Select(Option<Selection>),
    Notice(String),
    /// a knob's value was refused before it reached the scenario
    KnobRejected(KnobError),
    /// turn the split view on (with this algorithm) or off; restarts both runs
    Compare(Option<Variant>),
    /// a benchmark or the session comparison started beside the live run
    SideRunStarted,
}

impl AppState {
    pub fn from_boot(boot: Boot) -> Self {
        AppState {
            scenario: boot.scenario,
            run_id: 0,
            start_at: boot.at,
            // A shared run opens paused where it was shared; anything else starts playing.
            playing: !boot.from_link,
            speed: DEFAULT_SPEED,
            banner: boot.banner,
            knob_error: None,
            dialog: None,
            embed: boot.embed,
            selected: None,
            notice: None,
            compare_with: boot.compare_with,
            side_runs_started: 0,
        }
    }

    /// What the link should reopen, at `at`.
    pub fn view(&self, at: SimTime) -> share::View<'_> {
        share::View { scenario: &self.scenario, at, compare_with: self.compare_with }
    }

    fn restarted(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self.run_id += 1;
        self.start_at = SimTime::ZERO;
        self.knob_error = None;
        self.banner = None;
        self.notice = None;
        self
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        s = match action {
            Action::TogglePlay => AppState { playing: !s.playing, ..s },
            Action::Pause => AppState { playing: false, ..s },
            Action::SetSpeed(speed) => AppState { speed, ..s },
            Action::Restart => {
                let scenario = s.scenario.clone();
                s.restarted(scenario)
            }
            Action::SetSeed(seed) => {
                let scenario = Scenario { seed, ..s.scenario.clone() };
                s.restarted(scenario)
            }
            Action::EditKnob(field, raw) => match apply_knob(&s.scenario, field, &raw) {
                Ok(scenario) => s.restarted(scenario),
                Err(error) => AppState { knob_error: Some(error), ..s },
            },
            Action::ShowBanner(message) => AppState { banner: Some(message), ..s },
            Action::DismissBanner => AppState { banner: None, ..s },
            Action::ShowDialog(content) => AppState { dialog: Some(content), ..s },
            Action::CloseDialog => AppState { dialog: None, ..s },
            Action::Load(scenario) => AppState { selected: None, ..s.restarted(scenario) },
            Action::Recorded(scenario) => AppState { scenario, notice: None, banner: None, ..s },
            Action::Select(selected) => AppState { selected, ..s },
            Action::Notice(message) => AppState { notice: Some(message), ..s },
            Action::KnobRejected(error) => AppState { knob_error: Some(error), ..s },
            Action::Compare(compare_with) => {
                let scenario = s.scenario.clone();
                AppState { compare_with, ..s.restarted(scenario) }
            }
            Action::SideRunStarted => AppState { side_runs_started: s.side_runs_started + 1, ..s },
        };
        Rc::new(s)
    }
}

/// The knob that scales the running pool instead of restarting.
const POOL_FIELD: &str = "servers.count";

/// Every scenario in the state passed validation on its way in; this only re-checks the type.
fn valid(scenario: &Scenario) -> ValidScenario {
    scenario.clone().validate().unwrap_or_else(|_| Scenario::default().validate().expect("default is valid"))
}

/// The window's width [CSS px], which picks the diagram's orientation.
fn window_width() -> f64 {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(1024.0)
}

/// A memoised callback that turns its input into one `Action` (the same callback every render,
/// so panels that get it can skip the per-frame redraw).
#[hook]
fn use_action<IN: 'static>(dispatcher: UseReducerDispatcher<AppState>, make: fn(IN) -> Action) -> Callback<IN> {
    use_callback((), move |input, _| dispatcher.dispatch(make(input)))
}

type FrameHandle = Rc<RefCell<Option<AnimationFrame>>>;

/// Requests the next animation frame; each frame advances the player (the live run while
/// playing, the side runs always) and schedules the next while there is work.
fn schedule_frame(
    handle: FrameHandle,
    player: Rc<RefCell<Player>>,
    frame: UseStateHandle<FrameView>,
    speed: Option<f64>,
) {
    let next = handle.clone();
    let request = request_animation_frame(move |timestamp_ms| {
        if let Some(speed) = speed {
            player.borrow_mut().advance(timestamp_ms, speed);
        }
        player.borrow_mut().advance_side_runs();
        frame.set(player.borrow().view());
        if speed.is_some() || player.borrow().has_side_work() {
            schedule_frame(next, player, frame, speed);
        }
    });
    *handle.borrow_mut() = Some(request);
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| AppState::from_boot(share::boot()));
    let player = use_mut_ref(|| Player::new(valid(&state.scenario), state.start_at, state.run_id, state.compare_with));
    let frame = use_state(|| player.borrow().view());

    // A new run whenever run_id moves on.
    {
        let (player, frame, state) = (player.clone(), frame.clone(), state.clone());
        use_effect_with(state.run_id, move |&run_id| {
            if player.borrow().run_id != run_id {
                *player.borrow_mut() = Player::new(valid(&state.scenario), state.start_at, run_id, state.compare_with);
                frame.set(player.borrow().view());
            }
        });
    }

    // The inspector follows the picked user (in every new run too).
    {
        let (player, frame) = (player.clone(), frame.clone());
        use_effect_with((state.selected, state.run_id), move |&(selected, _)| {
            let user = match selected {
                Some(Selection::User(user)) => Some(user),
                _ => None,
            };
            player.borrow_mut().following = user;
            frame.set(player.borrow().view());
        });
    }

    // Remember the scenario and put its link in the address bar whenever it changes.
    {
        let (player, state) = (player.clone(), state.clone());
        use_effect_with((state.run_id, state.scenario.clone()), move |(_, scenario)| {
            share::remember(scenario);
            // After a bad link, leave the address alone until the user acts, so it can be read.
            if state.banner.is_none() {
                share::write_link(state.view(player.borrow().now()), state.embed);
            }
        });
    }

    // A link too far into its run to replay quickly opens as far as the page got, and says so.
    {
        let (player, dispatcher) = (player.clone(), state.dispatcher());
        use_effect_with(state.run_id, move |_| {
            let player = player.borrow();
            if let Some(asked) = player.fell_short_of {
                dispatcher.dispatch(Action::ShowBanner(format!(
                    "This link's moment (t = {:.1} s) is too far into a busy run to replay in the browser; it opened at t = {:.1} s. The CLI (scalelab run LINK) replays it in full.",
                    asked.as_secs_f64(),
                    player.now().as_secs_f64()
                )));
            }
        });
    }

    // The animation loop runs while playing or while a side run is under way; pausing records
    // the position in the link.
    {
        let (player, frame, state) = (player.clone(), frame.clone(), state.clone());
        let deps = (state.playing, state.speed, state.run_id, state.side_runs_started);
        use_effect_with(deps, move |&(playing, speed, _, _)| {
            let handle: FrameHandle = Rc::new(RefCell::new(None));
            if !playing {
                player.borrow_mut().pause();
                if state.banner.is_none() {
                    share::write_link(state.view(player.borrow().now()), state.embed);
                }
            }
            if playing || player.borrow().has_side_work() {
                schedule_frame(handle.clone(), player.clone(), frame, playing.then_some(speed));
            }
            move || {
                handle.borrow_mut().take();
                player.borrow_mut().pause();
            }
        });
    }

    let on_step = use_callback((), {
        let (player, frame, dispatcher) = (player.clone(), frame.clone(), state.dispatcher());
        move |(), _| {
            dispatcher.dispatch(Action::Pause);
            player.borrow_mut().step();
            frame.set(player.borrow().view());
        }
    });

    // Keyboard: space plays or pauses, the right arrow steps (not while typing in a field);
    // Escape closes a dialog.
    {
        let (dispatcher, on_step) = (state.dispatcher(), on_step.clone());
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|window| {
                gloo_events::EventListener::new(&window, "keydown", move |event| {
                    let Some(key_event) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(event) else {
                        return;
                    };
                    // Escape closes the share or embed dialog, wherever the focus is.
                    if key_event.key() == "Escape" {
                        dispatcher.dispatch(Action::CloseDialog);
                        return;
                    }
                    let tag = key_event
                        .target()
                        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                        .map(|e| e.tag_name())
                        .unwrap_or_default();
                    if matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA") {
                        return;
                    }
                    match key_event.key().as_str() {
                        // A focused button already turns space into a click.
                        " " if tag != "BUTTON" => {
                            key_event.prevent_default();
                            dispatcher.dispatch(Action::TogglePlay);
                        }
                        "ArrowRight" => {
                            key_event.prevent_default();
                            on_step.emit(());
                        }
                        _ => {}
                    }
                })
            });
            move || drop(listener)
        });
    }

    // Redraw on resize, so a paused diagram still turns when a phone does.
    {
        let redraw = use_force_update();
        use_effect_with((), move |()| {
            let listener = web_sys::window()
                .map(|window| gloo_events::EventListener::new(&window, "resize", move |_| redraw.force_update()));
            move || drop(listener)
        });
    }

    // Callbacks are memoised so that panels whose inputs did not change skip the per-frame redraw
    // (a redraw would also reset a field the user is typing in).
    let dispatcher = state.dispatcher();
    let on_toggle = use_action(dispatcher.clone(), |()| Action::TogglePlay);
    let on_restart = use_action(dispatcher.clone(), |()| Action::Restart);
    let on_speed = use_action(dispatcher.clone(), Action::SetSpeed);
    let on_seed = use_action(dispatcher.clone(), Action::SetSeed);
    let on_dismiss = use_action(dispatcher.clone(), |()| Action::DismissBanner);
    let on_close = use_action(dispatcher.clone(), |()| Action::CloseDialog);
    let on_backdrop = {
        let on_close = on_close.clone();
        Callback::from(move |e: MouseEvent| {
            // Yew delegates events to the page's root, so `current_target` is not the overlay:
            // look at what was clicked.
            if e.target_dyn_into::<web_sys::Element>().is_some_and(|el| el.class_name() == "overlay") {
                on_close.emit(());
            }
        })
    };
    let on_load = use_action(dispatcher.clone(), Action::Load);
    let on_select = use_action(dispatcher.clone(), |picked| Action::Select(Some(picked)));
    let on_deselect = use_action(dispatcher.clone(), |()| Action::Select(None));
    // A change while the run goes on: no restart; the scenario records it for the link.
    let on_command = use_callback((), {
        let (d, player, frame) = (dispatcher.clone(), player.clone(), frame.clone());
        move |command: Command, _| {
            let result = player.borrow_mut().schedule(command);
            match result {
                Ok(scenario) => d.dispatch(Action::Recorded(scenario)),
                Err(e) => d.dispatch(Action::Notice(format!("Not done: {e}."))),
            }
            frame.set(player.borrow().view());
        }
    });
    let on_add_server = on_command.reform(|()| Command::AddServer);
    // A failure injected into the caching lab: a change like any other, in the run's timeline.
    let on_lab_action = on_command.reform(|action: LabAction| Command::Lab { action });
    // The side runs: the player runs them beside the live run; the panels ask and show.
    let on_benchmark = use_callback((), {
        let (d, player, frame) = (dispatcher.clone(), player.clone(), frame.clone());
        move |request: BenchmarkRequest, _| {
            player.borrow_mut().benchmark(request);
            frame.set(player.borrow().view());
            d.dispatch(Action::SideRunStarted);
        }
    });
    let on_compare_sessions = use_callback((), {
        let (d, player, frame) = (dispatcher.clone(), player.clone(), frame.clone());
        move |(failure, seconds): (HalfwayFailure, u64), _| {
            player.borrow_mut().compare_session_modes(failure, seconds);
            frame.set(player.borrow().view());
            d.dispatch(Action::SideRunStarted);
        }
    });
    let on_compare = use_action(dispatcher.clone(), Action::Compare);
    let on_edit = use_callback((), {
        let (d, player, frame) = (dispatcher.clone(), player.clone(), frame.clone());
        move |(field, raw): (&'static str, String), _| {
            if field != POOL_FIELD {
                d.dispatch(Action::EditKnob(field, raw));
                return;
            }
            // The Servers knob scales the running pool out or in, without a restart.
            // The knob's value is checked as any scenario's server count is (same range, same words).
            let checked = apply_knob(&player.borrow().scenario(), field, &raw);
            let result = checked.and_then(|s| {
                player
                    .borrow_mut()
                    .resize_pool(s.servers.count)
                    .map_err(|e| KnobError { field, message: e.to_string() })
            });
            match result {
                Ok(scenario) => d.dispatch(Action::Recorded(scenario)),
                Err(error) => d.dispatch(Action::KnobRejected(error)),
            }
            frame.set(player.borrow().view());
        }
    });
    let on_share = use_callback((state.scenario.clone(), state.compare_with), {
        let (d, player) = (dispatcher.clone(), player.clone());
        move |(), (scenario, compare_with): &(Scenario, Option<Variant>)| {
            let at = player.borrow().now();
            let view = share::View { scenario, at, compare_with: *compare_with };
            let url = share::url_for(&share::origin_and_path(), view, false);
            share::copy_to_clipboard(&url);
            share::write_link(view, false);
            d.dispatch(Action::ShowDialog(DialogContent {
                title: "Share this run".into(),
                explanation: format!(
                    "This link opens the same scenario and seed, paused at t = {:.3} s, and replays exactly what you see. It has been copied to your clipboard.",
                    at.as_secs_f64()
                ),
                text: url,
            }));
        }
    });
    let on_embed = use_callback((state.scenario.clone(), state.compare_with), {
        let (d, player) = (dispatcher.clone(), player.clone());
        move |(), (scenario, compare_with): &(Scenario, Option<Variant>)| {
            let view = share::View { scenario, at: player.borrow().now(), compare_with: *compare_with };
            let snippet = share::embed_snippet(&share::origin_and_path(), view);
            d.dispatch(Action::ShowDialog(DialogContent {
                title: "Embed in your notes".into(),
                explanation: "Paste this HTML into a course page. The embedded view shows the diagram, the play controls and the charts, and fits any frame size.".into(),
                text: snippet,
            }));
        }
    });

    let view = &*frame;
    let controls = html! {
        <Controls playing={state.playing} speed={state.speed} seed={state.scenario.seed}
            now_s={view.snapshot.now.as_secs_f64()} lagging={view.lagging} compact={state.embed}
            on_toggle={on_toggle} on_step={on_step} on_restart={on_restart}
            on_speed={on_speed} on_seed={on_seed} on_share={on_share} on_embed={on_embed} on_add_server={on_add_server} />
    };
    let algorithm = state.scenario.balancer.algorithm;
    let servers_shown = view.snapshot.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Server { .. })).count();
    let pool_size =
        view.snapshot.nodes.iter().filter(|n| matches!(n.kind, NodeKind::Server { .. }) && n.gauges.accepting).count()
            as u32;
    let gauges_of = |kind: NodeKind| view.snapshot.nodes.iter().find(|n| n.kind == kind).map(|n| n.gauges);
    let inspector = match state.selected {
        None => html! {},
        Some(Selection::Server(server)) => html! {
            <ServerPanel server={server} gauges={gauges_of(NodeKind::Server { id: server })}
                on_command={on_command.clone()} on_close={on_deselect.clone()} />
        },
        Some(Selection::SessionStore) => html! {
            <StorePanel gauges={gauges_of(NodeKind::SessionStore)} on_command={on_command.clone()} on_close={on_deselect.clone()} />
        },
        Some(Selection::User(user)) => html! {
            <UserPanel user={user} view={view.user.clone()} mode={state.scenario.sessions.mode}
                now_s={view.snapshot.now.whole_secs()} on_command={on_command.clone()} on_close={on_deselect.clone()} />
        },
    };
    let colour_by_user = state.scenario.sessions.mode != sim::scenario::SessionMode::None;
    let orientation = Orientation::for_width(window_width());
    // One run's diagram (and, in the split view, its caption and totals).
    let run_view = |snapshot: &sim::Snapshot, run_algorithm: Algorithm, caption: Option<(&str, &str)>| {
        let diagram = html! {
            <Diagram snapshot={snapshot.clone()} balancer_caption={AttrValue::from(run_algorithm.label())}
                orientation={orientation} selected={state.selected} on_select={on_select.clone()} colour_by_user={colour_by_user} />
        };
        match caption {
            None => diagram,
            Some((run, what)) => html! {
                <figure class={classes!("run", (run == "B").then_some("twin"))}>
                    <figcaption>{ format!("{run}: {what}") }</figcaption>
                    { diagram }
                    <Stats counters={snapshot.counters} offered_load={snapshot.offered_load}
                        cost_dollars={snapshot.cost_dollars} server_hours={snapshot.server_hours} servers={servers_shown}
                        busiest_over_mean={snapshot.busiest_over_mean} session_mode={snapshot.session_mode} />
                </figure>
            },
        }
    };
    let diagram = match (&view.caching, &view.twin) {
        // The Caching lesson draws its own path, figures, charts and inspector.
        (Some(lab), _) => {
            html! { <CacheLab view={lab.clone()} orientation={orientation} on_action={on_lab_action.clone()} /> }
        }
        (None, None) => run_view(&view.snapshot, algorithm, None),
        // The split view: the same requests, balanced two ways, side by side (stacked on phones).
        (None, Some(twin)) => html! {
            <div class={classes!("split", (orientation == Orientation::Tall).then_some("stacked"))}>
                { run_view(&view.snapshot, algorithm, Some(("A", twin.variant.label_of_base(&state.scenario)))) }
                { run_view(&twin.snapshot, twin.variant.applied_to(&state.scenario).balancer.algorithm,
                           Some(("B", twin.variant.label()))) }
            </div>
        },
    };
    let autoscaling = view.autoscaling.as_ref().map(|a| (a.recent.clone(), a.slo_p95_ms));
    let profile = &state.scenario.clients.profile;
    let charts = html! {
        <>
            <Charts series={view.series.clone()} twin={view.twin.as_ref().map(|t| t.series.clone())} autoscaling={autoscaling} />
            if profile.varies() {
                <ProfileChart profile={profile.clone()} constant={state.scenario.clients.arrival_rate}
                    now_s={view.snapshot.now.as_secs_f64()} />
            }
        </>
    };
    let scaling_log = view.autoscaling.as_ref().map(|a| {
        html! {
            <ScalingLog view={a.clone()} config={state.scenario.autoscaler.clone()} />
        }
    });

    if state.embed {
        let full = share::url_for(&share::origin_and_path(), state.view(view.snapshot.now), false);
        return html! {
            <div class="app embed">
                { controls }
                if view.caching.is_some() {
                    { diagram }
                } else {
                    <div class="stage">{ diagram }</div>
                    { charts }
                }
                <a class="open-full" href={full} target="_blank" rel="noopener">{ "Open in Scalelab ↗" }</a>
            </div>
        };
    }

    html! {
        <div class="app">
            <header class="top">
                <h1>{ "Scalelab" }</h1>
                <p class="tagline">{ "Watch web systems scale: load balancing, sessions, autoscaling, caching and benchmarking, simulated in your browser." }</p>
            </header>
            if let Some(message) = &state.banner {
                <div class="banner" role="alert">
                    <span>{ message }</span>
                    <button onclick={on_dismiss.reform(|_: MouseEvent| ())}>{ "Dismiss" }</button>
                </div>
            }
            <main class="layout">
                <section class="main-column">
                    { controls }
                    if let Some(notice) = &state.notice {
                        <p class="notice" role="status">{ notice }</p>
                    }
                    if view.caching.is_some() {
                        { diagram }
                    } else {
                        <div class="stage">{ diagram }</div>
                    }
                    if view.twin.is_none() && view.caching.is_none() {
                        <Stats counters={view.snapshot.counters} offered_load={view.snapshot.offered_load}
                            cost_dollars={view.snapshot.cost_dollars} server_hours={view.snapshot.server_hours}
                            servers={servers_shown} busiest_over_mean={view.snapshot.busiest_over_mean}
                            session_mode={view.snapshot.session_mode} />
                    }
                    { inspector }
                    if view.caching.is_none() {
                        { charts }
                    }
                    { for scaling_log }
                    if colour_by_user {
                        <SessionsCompare scenario={state.scenario.clone()} view={view.comparison.clone()} on_compare={on_compare_sessions} />
                    }
                    // ab drives the engine's pool; the caching lab is a model of its own, so a
                    // benchmark there would measure something not on screen.
                    if view.caching.is_none() {
                        <Benchmark scenario={state.scenario.clone()} view={view.benchmark.clone()} on_request={on_benchmark} />
                    }
                </section>
                <aside class="side-column">
                    <Lesson on_load={on_load} />
                    <Knobs scenario={state.scenario.clone()} error={state.knob_error.clone()} on_edit={on_edit}
                        compare_with={state.compare_with} on_compare={on_compare} pool_size={pool_size} />
                </aside>
            </main>
            if let Some(content) = &state.dialog {
                // A click on the dimmed page around the dialog closes it; one inside does not.
                <div class="overlay" onclick={on_backdrop}>
                    <CopyDialog content={content.clone()} on_close={on_close} />
                </div>
            }
        </div>
    }
}
