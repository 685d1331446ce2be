//! The app's hooks: the live run and its animation loop (`use_live_run`), the keyboard, redraws on
//! resize, and the memoised callbacks the panels get. Everything that touches the `Player` or
//! the browser's timers lives here; the layouts only draw.

use super::state::{Action, AppState, Change, LiveChange};
use crate::diagram::Selection;
use crate::export::Export;
use crate::panels::controls::Playback;
use crate::panels::dialog::DialogContent;
use crate::panels::knob_table::KnobError;
use crate::panels::lesson::key_of;
use crate::player::{BenchmarkRequest, FrameView, Player};
use crate::share;
use gloo_render::{request_animation_frame, AnimationFrame};
use sim::caching::LabAction;
use sim::compare::HalfwayFailure;
use sim::scenario::Variant;
use sim::{Command, Scenario, ValidScenario};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

pub type PlayerRef = Rc<RefCell<Player>>;

/// Every scenario in the state passed validation on its way in; this only re-checks the type.
fn valid(scenario: &Scenario) -> ValidScenario {
    scenario.clone().validate().unwrap_or_else(|_| Scenario::default().validate().expect("default is valid"))
}

type FrameHandle = Rc<RefCell<Option<AnimationFrame>>>;

/// Under reduced motion the page is redrawn once a second of wall time, not every frame.
const STEPPED_REDRAW_MS: f64 = 1_000.0;

/// How often the animation loop redraws: every frame, or in steps (`STEPPED_REDRAW_MS`) with
/// the wall time of the last redraw.
#[derive(Clone, Copy)]
enum Redraw {
    EveryFrame,
    Stepped { last_ms: Option<f64> },
}

/// Requests the next animation frame; each frame advances the player (the live run while
/// playing, the side runs always), redraws when due, and schedules the next while there is work.
fn schedule_frame(
    handle: FrameHandle,
    player: PlayerRef,
    frame: UseStateHandle<FrameView>,
    speed: Option<f64>,
    redraw: Redraw,
) {
    let next = handle.clone();
    let request = request_animation_frame(move |timestamp_ms| {
        if let Some(speed) = speed {
            player.borrow_mut().advance(timestamp_ms, speed);
        }
        player.borrow_mut().advance_side_runs();
        let more = speed.is_some() || player.borrow().has_side_work();
        let redraw = match redraw {
            Redraw::Stepped { last_ms: Some(last) } if more && timestamp_ms - last < STEPPED_REDRAW_MS => redraw,
            Redraw::Stepped { .. } => {
                frame.set(player.borrow().view());
                Redraw::Stepped { last_ms: Some(timestamp_ms) }
            }
            Redraw::EveryFrame => {
                frame.set(player.borrow().view());
                redraw
            }
        };
        if more {
            schedule_frame(next, player, frame, speed, redraw);
        }
    });
    *handle.borrow_mut() = Some(request);
}

/// The live run: the player, the frame it last drew, and the effects that keep them in step
/// with the state (a new run when `run_id` moves on, the followed user, the link, the animation
/// loop, the live changes the reducer queued).
#[hook]
pub fn use_live_run(state: &UseReducerHandle<AppState>) -> (PlayerRef, UseStateHandle<FrameView>) {
    let player = use_mut_ref(|| Player::new(valid(&state.scenario), state.start_at, state.run_id, state.compare_with));
    let frame = use_state(|| player.borrow().view());

    // A new run whenever run_id moves on.
    {
        let (player, frame, state) = (player.clone(), frame.clone(), state.clone());
        use_effect_with(state.run_id, move |&run_id| {
            if player.borrow().run_id != run_id {
                // The same run again (a seek, Back to another moment of it) starts from a copy
                // it kept; anything else is a new run.
                let (scenario, compare_with, at) = (&state.scenario, state.compare_with, state.start_at);
                if !player.borrow_mut().seek(scenario, compare_with, at, run_id) {
                    *player.borrow_mut() = Player::new(valid(scenario), at, run_id, compare_with);
                }
                frame.set(player.borrow().view());
            }
        });
    }

    // The live changes the reducer queued, carried out in order; each answer goes back through
    // the reducer (the scenario with the change recorded, or why it was refused).
    {
        let (player, frame, dispatcher) = (player.clone(), frame.clone(), state.dispatcher());
        use_effect_with(state.live_changes.clone(), move |changes: &Vec<LiveChange>| {
            let Some(last) = changes.last() else { return };
            for change in changes {
                let result = match &change.change {
                    Change::Command(command) => {
                        player.borrow_mut().apply_change(command.clone()).map_err(|e| e.to_string())
                    }
                    Change::Query(sql) => {
                        player.borrow_mut().query(sql).map(|scenario| sim::run::Changed { scenario, fork: None })
                    }
                };
                match (result, change.from_knob) {
                    (Ok(changed), _) => dispatcher.dispatch(Action::Recorded(Box::new(changed))),
                    (Err(message), Some(field)) => {
                        dispatcher.dispatch(Action::KnobRejected(KnobError { field, message }))
                    }
                    (Err(e), None) => dispatcher.dispatch(Action::Notice(format!("Not done: {e}."))),
                }
            }
            dispatcher.dispatch(Action::ChangesTaken(last.id));
            frame.set(player.borrow().view());
        });
    }

    // The charts show as much of the run as asked (in every new run too).
    {
        let (player, frame) = (player.clone(), frame.clone());
        use_effect_with((state.chart_zoom, state.run_id), move |&(zoom, _)| {
            player.borrow_mut().chart_zoom = zoom;
            frame.set(player.borrow().view());
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

    // Remember the scenario and put its link in the address bar whenever it changes: in a new
    // history entry after a step or a lesson, else in the current one.
    {
        let (player, state) = (player.clone(), state.clone());
        let written_entry = use_mut_ref(|| state.history_entry);
        use_effect_with((state.run_id, state.scenario.clone()), move |(_, scenario)| {
            share::remember(scenario);
            // After a bad link, leave the address alone until the user acts, so it can be read.
            if state.banner.is_none() {
                // An embed never adds entries: they would be the host page's Back steps too.
                let entry = if *written_entry.borrow() == state.history_entry || state.embed {
                    share::Entry::Current
                } else {
                    share::Entry::New
                };
                *written_entry.borrow_mut() = state.history_entry;
                share::write_link(state.view(player.borrow().now()), entry);
            }
        });
    }

    // Keep the guesses in this browser whenever they change.
    use_effect_with(state.answers.clone(), |answers| share::remember_answers(answers));

    // Back and Forward open the link of the entry they reach.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|window| {
                gloo_events::EventListener::new(&window, "popstate", move |_| {
                    dispatcher.dispatch(Action::Reopen(Box::new(share::boot_from_address())));
                })
            });
            move || drop(listener)
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

    // The gallery's thumbnails run while it is shown (before the loop below, which they keep
    // going).
    {
        let (player, frame, moving) = (player.clone(), frame.clone(), !state.reduced_motion);
        use_effect_with(state.gallery, move |&shown| {
            player.borrow_mut().show_gallery(shown, moving);
            frame.set(player.borrow().view());
        });
    }

    // The animation loop runs while playing or while a side run is under way; pausing records
    // the position in the link.
    {
        let (player, frame, state) = (player.clone(), frame.clone(), state.clone());
        let deps = (state.playing, state.speed, state.run_id, state.side_runs_started, state.gallery);
        use_effect_with(deps, move |&(playing, speed, _, _, _)| {
            let handle: FrameHandle = Rc::new(RefCell::new(None));
            if !playing {
                player.borrow_mut().pause();
                if state.banner.is_none() {
                    share::write_link(state.view(player.borrow().now()), share::Entry::Current);
                }
            }
            if playing || player.borrow().has_side_work() {
                let redraw = if state.reduced_motion { Redraw::Stepped { last_ms: None } } else { Redraw::EveryFrame };
                schedule_frame(handle.clone(), player.clone(), frame, playing.then_some(speed), redraw);
            }
            move || {
                handle.borrow_mut().take();
                player.borrow_mut().pause();
            }
        });
    }
    (player, frame)
}

/// Keyboard: space plays or pauses, the right arrow steps, `?` lists the shortcuts (not while
/// typing in a field, nor on a control that takes the key itself); Escape closes a dialog, or
/// else the inspector. The
/// listener is not passive, so that space does not also scroll the page.
#[hook]
pub fn use_keyboard(dispatcher: UseReducerDispatcher<AppState>, on_step: Callback<()>) {
    use_effect_with((), move |()| {
        let listener = web_sys::window().map(|window| {
            let options = gloo_events::EventListenerOptions::enable_prevent_default();
            gloo_events::EventListener::new_with_options(&window, "keydown", options, move |event| {
                let Some(key_event) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(event) else {
                    return;
                };
                // Escape closes the share or embed dialog (or else the inspector), wherever the
                // focus is.
                if key_event.key() == "Escape" {
                    dispatcher.dispatch(Action::Escape);
                    return;
                }
                let target =
                    key_event.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok());
                let tag = target.as_ref().map(|e| e.tag_name()).unwrap_or_default();
                // A focused button, or a control drawn in SVG (a space-time mark), already turns
                // space into its own click.
                let takes_space =
                    tag == "BUTTON" || target.and_then(|e| e.get_attribute("role")).as_deref() == Some("button");
                if matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA") {
                    return;
                }
                match key_event.key().as_str() {
                    "?" => {
                        key_event.prevent_default();
                        dispatcher.dispatch(Action::ShowDialog(DialogContent::shortcuts()));
                    }
                    " " if !takes_space => {
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

/// The inspector opens in view (on a phone it opens below the diagram, out of sight); when it
/// closes and the focus was in it (now gone with it), the focus goes back to the diagram node
/// it was opened from, so that a keyboard user carries on where they were.
#[hook]
pub fn use_inspector_in_view(selected: Option<Selection>) {
    let previous = use_mut_ref(|| None::<Selection>);
    use_effect_with(selected, move |selected| {
        let closed = previous.replace(*selected);
        if selected.is_some() && closed != *selected {
            let panel = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(".server-panel").ok().flatten());
            if let Some(panel) = panel {
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                panel.scroll_into_view_with_scroll_into_view_options(&options);
            }
        }
        if let (Some(closed), None) = (closed, selected) {
            let document = web_sys::window().and_then(|w| w.document());
            let lost = document.as_ref().and_then(|d| d.active_element()).is_none_or(|e| e.tag_name() == "BODY");
            // (a node's control is inside it, or is it: a compact server's square)
            let node = match closed {
                Selection::Server(id) => Some(format!("[data-server='{id}']")),
                Selection::SessionStore => Some("[data-node='session-store']".to_string()),
                Selection::Database(index) => Some(format!("[data-node='database-{index}']")),
                Selection::User(_) => None,
            }
            .map(|node| format!(".diagram {node} [role=button], .diagram [role=button]{node}"));
            let element = node.filter(|_| lost).and_then(|n| document?.query_selector(&n).ok().flatten());
            if let Some(element) = element.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::SvgElement>(e).ok()) {
                let _ = element.focus();
            }
        }
    });
}

/// Redraw on resize, so a paused diagram still turns when a phone does.
#[hook]
pub fn use_redraw_on_resize() {
    let redraw = use_force_update();
    use_effect_with((), move |()| {
        let listener = web_sys::window()
            .map(|window| gloo_events::EventListener::new(&window, "resize", move |_| redraw.force_update()));
        move || drop(listener)
    });
}

/// A side run's callback: the player starts it beside the live run, the frame shows it at once,
/// and the page keeps drawing frames for it even while paused.
#[hook]
fn use_side_run<IN: 'static>(
    dispatcher: &UseReducerDispatcher<AppState>,
    player: &PlayerRef,
    frame: &UseStateHandle<FrameView>,
    start: fn(&mut Player, IN),
) -> Callback<IN> {
    let (d, player, frame) = (dispatcher.clone(), player.clone(), frame.clone());
    use_callback((), move |input: IN, _| {
        start(&mut player.borrow_mut(), input);
        frame.set(player.borrow().view());
        d.dispatch(Action::SideRunStarted);
    })
}

/// A memoised callback that turns its input into one `Action` (the same callback every render,
/// so panels that get it can skip the per-frame redraw).
#[hook]
fn use_action<IN: 'static>(dispatcher: UseReducerDispatcher<AppState>, make: fn(IN) -> Action) -> Callback<IN> {
    use_callback((), move |input, _| dispatcher.dispatch(make(input)))
}

/// What Share and Embed put in a link (besides the moment), owned, so that their callbacks are
/// made again only when it changes: the scenario, the split view's second run, the speed and the
/// lesson's key.
type LinkState = (Scenario, Option<Variant>, f64, &'static str, Option<usize>);

fn link_view((scenario, compare_with, speed, lesson, step): &LinkState, at: sim::SimTime) -> share::View<'_> {
    share::View { scenario, at, compare_with: *compare_with, speed: *speed, lesson, step: *step }
}

/// Every callback a panel gets, memoised so that panels whose inputs did not change skip the
/// per-frame redraw (a redraw would also reset a field the user is typing in).
#[derive(Clone)]
pub struct Callbacks {
    pub playback: Playback,
    pub on_dismiss: Callback<()>,
    pub on_close: Callback<()>,
    pub on_backdrop: Callback<MouseEvent>,
    /// a lesson's step (the lesson and the step, by index)
    pub on_step: Callback<(usize, usize)>,
    /// another lesson picked
    pub on_choose_lesson: Callback<usize>,
    /// a guess to a step's question: (lesson, step, guess)
    pub on_guess: Callback<(usize, usize, crate::panels::questions::Guess)>,
    /// a teacher's reset of every guess
    pub on_forget_answers: Callback<()>,
    pub on_select: Callback<Selection>,
    pub on_deselect: Callback<()>,
    /// a change while the run goes on: no restart; the scenario records it for the link
    pub on_command: Callback<Command>,
    /// a failure injected into the caching lab: a change like any other
    pub on_lab_action: Callback<LabAction>,
    pub on_edit: Callback<(&'static str, String)>,
    pub on_compare: Callback<Option<Variant>>,
    pub on_benchmark: Callback<BenchmarkRequest>,
    pub on_compare_sessions: Callback<(HalfwayFailure, u64)>,
    /// the latency-against-load sweep, this many simulated seconds per load
    pub on_sweep: Callback<u64>,
    /// a query typed in the data tier's console
    pub on_query: Callback<String>,
    pub on_zoom: Callback<crate::panels::charts::ChartZoom>,
    /// the gallery of lessons shown or hidden
    pub on_gallery: Callback<bool>,
    pub on_sandbox: Callback<()>,
}

#[hook]
pub fn use_callbacks(
    state: &UseReducerHandle<AppState>,
    player: &PlayerRef,
    frame: &UseStateHandle<FrameView>,
) -> Callbacks {
    let dispatcher = state.dispatcher();
    let on_step = use_callback((), {
        let (player, frame, dispatcher) = (player.clone(), frame.clone(), dispatcher.clone());
        move |(), _| {
            dispatcher.dispatch(Action::Pause);
            player.borrow_mut().step();
            frame.set(player.borrow().view());
        }
    });
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
    // The side runs: the player runs them beside the live run; the panels ask and show.
    let on_benchmark = use_side_run(&dispatcher, player, frame, Player::benchmark);
    let on_compare_sessions =
        use_side_run(&dispatcher, player, frame, |p, (failure, seconds): (HalfwayFailure, u64)| {
            p.compare_session_modes(failure, seconds)
        });
    let on_sweep = use_side_run(&dispatcher, player, frame, Player::sweep_load);
    let link_state: LinkState =
        (state.scenario.clone(), state.compare_with, state.speed, key_of(state.lesson), state.step);
    let on_share = use_callback(link_state.clone(), {
        let (d, player) = (dispatcher.clone(), player.clone());
        move |(), link_state: &LinkState| {
            let at = player.borrow().now();
            let view = link_view(link_state, at);
            let url = share::url_for(&share::origin_and_path(), view, false);
            share::copy_to_clipboard(&url);
            share::write_link(view, share::Entry::Current);
            d.dispatch(Action::ShowDialog(DialogContent {
                title: "Share this run".into(),
                explanation: format!(
                    "This link opens the same scenario and seed, paused at t = {:.3} s, and replays exactly what you see. It has been copied to your clipboard.",
                    at.as_secs_f64()
                ),
                text: Some(url),
                list: Vec::new(),
            }));
        }
    });
    let on_embed = use_callback(link_state, {
        let (d, player) = (dispatcher.clone(), player.clone());
        move |(), link_state: &LinkState| {
            let view = link_view(link_state, player.borrow().now());
            let snippet = share::embed_snippet(&share::origin_and_path(), view);
            d.dispatch(Action::ShowDialog(DialogContent {
                title: "Embed in your notes".into(),
                explanation: "Paste this HTML into a course page. The embedded view shows the diagram, the play controls and the charts, and fits any frame size.".into(),
                text: Some(snippet),
                list: Vec::new(),
            }));
        }
    });
    let on_export = use_callback((), {
        let player = player.clone();
        move |export: Export, _| {
            let player = player.borrow();
            let name = export.file_name(player.now().as_secs_f64());
            let text = match export {
                Export::DiagramSvg => crate::export::diagram_svg(),
                Export::DiagramPng => return crate::export::download_diagram_png(name),
                Export::SecondsCsv => Some(player.seconds_csv()),
                Export::FiguresJson => Some(player.figures_json()),
            };
            if let Some(text) = text {
                crate::export::download(&name, export.mime(), &text);
            }
        }
    });
    Callbacks {
        playback: Playback {
            on_toggle: use_action(dispatcher.clone(), |()| Action::TogglePlay),
            on_step,
            on_restart: use_action(dispatcher.clone(), |()| Action::Restart),
            on_speed: use_action(dispatcher.clone(), Action::SetSpeed),
            on_seed: use_action(dispatcher.clone(), Action::SetSeed),
            on_seek: use_action(dispatcher.clone(), |seconds| Action::Seek(sim::SimTime::from_secs_f64(seconds))),
            on_share,
            on_embed,
            on_export,
        },
        on_dismiss: use_action(dispatcher.clone(), |()| Action::DismissBanner),
        on_close,
        on_backdrop,
        on_step: use_action(dispatcher.clone(), |(lesson, step)| Action::GoToStep(lesson, step)),
        on_choose_lesson: use_action(dispatcher.clone(), Action::ChooseLesson),
        on_guess: use_action(dispatcher.clone(), |(lesson, step, guess)| Action::Guess(lesson, step, guess)),
        on_forget_answers: use_action(dispatcher.clone(), |()| Action::ForgetAnswers),
        on_select: use_action(dispatcher.clone(), |picked| Action::Select(Some(picked))),
        on_deselect: use_action(dispatcher.clone(), |()| Action::Select(None)),
        on_command: use_action(dispatcher.clone(), Action::Change),
        on_lab_action: use_action(dispatcher.clone(), |action| Action::Change(Command::Lab { action })),
        on_edit: use_action(dispatcher.clone(), |(field, raw)| Action::EditKnob(field, raw)),
        on_compare: use_action(dispatcher.clone(), Action::Compare),
        on_benchmark,
        on_compare_sessions,
        on_sweep,
        on_query: use_action(dispatcher.clone(), Action::Query),
        on_zoom: use_action(dispatcher.clone(), Action::Zoom),
        on_gallery: use_action(dispatcher.clone(), Action::ShowGallery),
        on_sandbox: use_action(dispatcher.clone(), |()| Action::OpenSandbox),
    }
}
