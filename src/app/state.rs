//! The app's state and the one way it changes: `AppState`, changed only through `Action` by the
//! reducer (`use_reducer`). Changes for the live run go through it too: the reducer queues them
//! (`live_changes`) and the player carries them out (`hooks::use_live_run`).

use crate::diagram::Selection;
use crate::panels::charts::ChartZoom;
use crate::panels::controls::DEFAULT_SPEED;
use crate::panels::dialog::DialogContent;
use crate::panels::knob_table::KnobError;
use crate::panels::knobs::apply_knob;
use crate::panels::lesson;
use crate::panels::questions::{self, Answers, Guess};
use crate::share::{self, Boot};
use sim::run::{Changed, Fork};
use sim::scenario::Variant;
use sim::{Command, Scenario, SimTime};
use std::rc::Rc;
use yew::prelude::*;

/// The knob that scales the running pool instead of restarting.
pub const POOL_FIELD: &str = "servers.count";

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
    /// the system asks for less motion: nothing autoplays, the diagram shows counts rather than
    /// moving dots, and the page redraws in steps
    pub reduced_motion: bool,
    /// the play controls are shown (an embed's `controls=0` hides them)
    pub controls: bool,
    /// what the open inspector shows (a server, the session store, a user)
    pub selected: Option<Selection>,
    /// a short message about the last action (a refused command), cleared by the next one
    pub notice: Option<String>,
    /// the split view: the same scenario under this algorithm, side by side
    pub compare_with: Option<Variant>,
    /// how much of the run the charts show (kept across runs)
    pub chart_zoom: ChartZoom,
    /// the gallery of lessons is shown in place of the run (which waits, paused)
    pub gallery: bool,
    /// the lesson beside the run (an index into `LESSONS`): the one whose preset is loaded
    pub lesson: usize,
    /// the lesson's step that was loaded (the knobs may have been changed since); none for a
    /// scenario that is none of its steps
    pub step: Option<usize>,
    /// the student's guesses to the steps' questions (kept in this browser)
    pub answers: Rc<Answers>,
    /// bumped when a side run (a benchmark, the session comparison) starts, so that frames are
    /// drawn for it even while the live run is paused
    pub side_runs_started: u64,
    /// changes for the live run (no restart), numbered, waiting for the player to carry them
    /// out; the player's answer comes back as `Recorded` or a refusal
    pub live_changes: Vec<LiveChange>,
    /// the number the next live change gets
    pub next_live_change: u64,
    /// bumped by going to a step or a lesson: the link then goes in a new history entry, so
    /// that the browser's Back returns to what ran before (any other change rewrites the
    /// current entry's link)
    pub history_entry: u64,
}

/// A change for the live run: a command, and the knob it came from (whose field names a refusal).
#[derive(Clone, Debug, PartialEq)]
pub struct LiveChange {
    pub id: u64,
    pub change: Change,
    pub from_knob: Option<&'static str>,
}

/// What a live change does: a command to the engine, or a query to the data tier's console.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Command(Command),
    Query(String),
}

pub enum Action {
    TogglePlay,
    Play,
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
    /// the Escape key: closes the dialog when one is open, else the gallery, else the inspector
    Escape,
    /// a lesson's step: (lesson, step); its preset at its speed, that lesson beside it
    GoToStep(usize, usize),
    /// another lesson: its text, and its first step, so that the two agree
    ChooseLesson(usize),
    /// the browser's Back or Forward reached one of the page's entries, or the embed's host page
    /// loaded a link: open it
    Reopen(Box<Boot>),
    /// the embed's host page asked for this moment: the run replays to it
    Seek(SimTime),
    /// a guess to the question of (lesson, step): kept, and the step's run starts
    Guess(usize, usize, Guess),
    /// a teacher's reset: every guess forgotten
    ForgetAnswers,
    /// a change was made while running; the scenario now records it (no restart). Made after
    /// going back in time, it forked the run: the fork gets a history entry of its own, so that
    /// Back returns to the run before it
    Recorded(Box<Changed>),
    Select(Option<Selection>),
    Notice(String),
    /// a knob's value was refused before it reached the scenario
    KnobRejected(KnobError),
    /// turn the split view on (with this algorithm) or off; restarts both runs
    Compare(Option<Variant>),
    /// a benchmark or the session comparison started beside the live run
    SideRunStarted,
    /// a change while the run goes on (a crash, a lab failure, the Servers knob): no restart
    Change(Command),
    /// the player has carried out the live changes up to this number
    ChangesTaken(u64),
    /// a query typed in the data tier's console: it runs at once, no restart
    Query(String),
    /// the charts show this much of the run
    Zoom(ChartZoom),
    /// the gallery of lessons shown (the run pauses) or hidden
    ShowGallery(bool),
    /// the gallery's sandbox: the default run, every knob to change, no lesson step
    OpenSandbox,
}

impl AppState {
    pub fn from_boot(boot: Boot) -> Self {
        let (lesson, step) = place_of(&boot);
        AppState {
            lesson,
            step,
            answers: Rc::new(boot.answers),
            scenario: boot.scenario,
            run_id: 0,
            start_at: boot.at,
            // A shared run opens paused where it was shared, and nothing moves on its own for
            // someone who asked for less motion, or in an embed told `autoplay=0`; anything else
            // starts playing.
            playing: !boot.from_link && !boot.reduced_motion && boot.autoplay && !boot.home,
            speed: boot.speed.unwrap_or(DEFAULT_SPEED),
            banner: boot.banner,
            knob_error: None,
            dialog: None,
            embed: boot.embed,
            reduced_motion: boot.reduced_motion,
            controls: boot.controls,
            selected: None,
            notice: None,
            compare_with: boot.compare_with,
            chart_zoom: ChartZoom::default(),
            gallery: boot.home && !boot.embed,
            side_runs_started: 0,
            live_changes: Vec::new(),
            next_live_change: 0,
            history_entry: 0,
        }
    }

    /// What the link should reopen, at `at`.
    pub fn view(&self, at: SimTime) -> share::View<'_> {
        let lesson = lesson::key_of(self.lesson);
        let (compare_with, speed, step) = (self.compare_with, self.speed, self.step);
        share::View { scenario: &self.scenario, at, compare_with, speed, lesson, step }
    }

    fn with_live_change(mut self, change: Change, from_knob: Option<&'static str>) -> Self {
        self.live_changes.push(LiveChange { id: self.next_live_change, change, from_knob });
        self.next_live_change += 1;
        self
    }

    /// A step (or a lesson, at its first step) was chosen: its preset at its speed. It is there
    /// to be watched, so it plays even if the run before it was paused (unless its question
    /// waits for a guess), and it gets a history entry of its own.
    fn went_to_step(self, lesson: usize, index: usize) -> Self {
        let (Some(step), Some(scenario)) = (lesson::step(lesson, index), lesson::step_scenario(lesson, index)) else {
            return self;
        };
        let history_entry = self.history_entry + 1;
        let speed = step.speed;
        // Predict, then run: a step whose question is not answered yet waits for the guess.
        let key = lesson::key_of(lesson);
        let asks =
            questions::question(key, index).is_some() && !self.answers.contains_key(&questions::answer_key(key, index));
        let restarted = self.restarted(scenario);
        AppState {
            selected: None,
            playing: !asks,
            lesson,
            step: Some(index),
            speed,
            history_entry,
            gallery: false,
            ..restarted
        }
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

/// The link's lesson and step; else (an older link, the last scenario kept) the lesson and step
/// its scenario is.
fn place_of(boot: &Boot) -> (usize, Option<usize>) {
    let named = boot.lesson.as_deref().and_then(lesson::index_of);
    let (lesson, found) = match named {
        Some(lesson) => (lesson, None),
        None => lesson::place_for(&boot.scenario),
    };
    let step = match boot.step {
        Some(step) => lesson::step(lesson, step).map(|_| step),
        None if named.is_some() => lesson::step_for(lesson, &boot.scenario),
        None => found,
    };
    (lesson, step)
}

/// What a fork did, in words.
fn fork_notice(fork: Fork) -> String {
    let at = format!("Forked at {:.1} s: the run goes on from your change", fork.at.as_secs_f64());
    match fork.dropped {
        0 => format!("{at}. Back returns to the run before it."),
        1 => format!("{at}, and your 1 later change no longer happens. Back returns to it."),
        n => format!("{at}, and your {n} later changes no longer happen. Back returns to them."),
    }
}

/// Another knob restarts the run from 0 s: the pool the Servers knob set while it ran becomes
/// the new run's server count, so that the value on screen is the one in force from the start
/// (rather than the old count until the timeline set it again).
fn with_pool_in_force(mut scenario: Scenario) -> Scenario {
    let set = |e: &sim::scenario::TimelineEntry| match e.command {
        Command::SetPoolSize { servers } => Some(servers),
        _ => None,
    };
    if let Some(servers) = scenario.timeline.iter().rev().find_map(set) {
        scenario.servers.count = servers;
        scenario.timeline.retain(|e| set(e).is_none());
    }
    scenario
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        s = match action {
            Action::TogglePlay => AppState { playing: !s.playing, ..s },
            Action::Play => AppState { playing: true, ..s },
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
            // The Servers knob scales the running pool out or in, without a restart; its value is
            // checked as any scenario's server count is (same range, same words).
            Action::EditKnob(field, raw) => match apply_knob(&s.scenario, field, &raw) {
                Ok(scenario) if field == POOL_FIELD => {
                    let command = Command::SetPoolSize { servers: scenario.servers.count };
                    s.with_live_change(Change::Command(command), Some(field))
                }
                Ok(scenario) => s.restarted(with_pool_in_force(scenario)),
                Err(error) => AppState { knob_error: Some(error), ..s },
            },
            Action::ShowBanner(message) => AppState { banner: Some(message), ..s },
            Action::DismissBanner => AppState { banner: None, ..s },
            // A share link (or snippet) holds the moment it was made: the run waits there, as the
            // link says. A list to read lets it go on.
            Action::ShowDialog(content) => {
                let playing = s.playing && content.text.is_none();
                AppState { dialog: Some(content), playing, ..s }
            }
            Action::CloseDialog => AppState { dialog: None, ..s },
            Action::Escape if s.dialog.is_some() => AppState { dialog: None, ..s },
            Action::Escape if s.gallery => AppState { gallery: false, ..s },
            Action::Escape => AppState { selected: None, ..s },
            Action::GoToStep(lesson, step) => s.went_to_step(lesson, step),
            Action::ChooseLesson(lesson) => s.went_to_step(lesson, 0),
            Action::Guess(lesson, step, guess) => {
                let mut answers = (*s.answers).clone();
                answers.insert(questions::answer_key(lesson::key_of(lesson), step), guess);
                let playing = s.playing || (s.lesson, s.step) == (lesson, Some(step));
                AppState { answers: Rc::new(answers), playing, ..s }
            }
            Action::ForgetAnswers => AppState { answers: Rc::default(), ..s },
            // Back and Forward change what runs, not whether it plays; a link that no longer
            // opens says why and leaves the run as it is.
            Action::Reopen(boot) => match boot.banner {
                Some(message) => AppState { banner: Some(message), ..s },
                None => {
                    let (lesson, step) = place_of(&boot);
                    let speed = boot.speed.unwrap_or(s.speed);
                    let (compare_with, start_at) = (boot.compare_with, boot.at);
                    let restarted = s.restarted(boot.scenario);
                    AppState {
                        lesson,
                        step,
                        speed,
                        compare_with,
                        start_at,
                        selected: None,
                        gallery: false,
                        ..restarted
                    }
                }
            },
            Action::Seek(at) => {
                let scenario = s.scenario.clone();
                AppState { start_at: at, ..s.restarted(scenario) }
            }
            Action::Recorded(changed) => {
                let Changed { scenario, fork } = *changed;
                let history_entry = s.history_entry + u64::from(fork.is_some());
                let notice = fork.map(fork_notice);
                AppState { scenario, notice, banner: None, history_entry, ..s }
            }
            Action::Select(selected) => AppState { selected, ..s },
            Action::Notice(message) => AppState { notice: Some(message), ..s },
            Action::KnobRejected(error) => AppState { knob_error: Some(error), ..s },
            Action::Compare(compare_with) => {
                let scenario = s.scenario.clone();
                AppState { compare_with, ..s.restarted(scenario) }
            }
            Action::SideRunStarted => AppState { side_runs_started: s.side_runs_started + 1, ..s },
            Action::Change(command) => s.with_live_change(Change::Command(command), None),
            Action::Query(sql) => s.with_live_change(Change::Query(sql), None),
            Action::Zoom(chart_zoom) => AppState { chart_zoom, ..s },
            Action::ShowGallery(gallery) => AppState { gallery, playing: s.playing && !gallery, ..s },
            Action::OpenSandbox => {
                let restarted = s.restarted(Scenario::default());
                let history_entry = restarted.history_entry + 1;
                AppState {
                    gallery: false,
                    playing: true,
                    lesson: 0,
                    step: None,
                    selected: None,
                    history_entry,
                    ..restarted
                }
            }
            Action::ChangesTaken(up_to) => {
                s.live_changes.retain(|c| c.id > up_to);
                s
            }
        };
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Rc<AppState> {
        Rc::new(AppState::from_boot(share::boot_from("", "", None)))
    }

    #[test]
    fn the_gallery_opens_from_home_pauses_the_run_and_a_lesson_or_the_sandbox_closes_it() {
        let home = Rc::new(AppState::from_boot(share::boot_from("?home", "", None)));
        assert!(home.gallery && !home.playing, "?home shows the gallery, nothing running behind it");
        let embed = AppState::from_boot(share::boot_from("?home&embed=1", "", None));
        assert!(!embed.gallery, "an embed has no gallery");
        let caching = lesson::index_of("caching").expect("a lesson");
        let chosen = home.clone().reduce(Action::ChooseLesson(caching));
        assert!(!chosen.gallery && chosen.playing && chosen.lesson == caching);
        let again = chosen.reduce(Action::ShowGallery(true));
        assert!(again.gallery && !again.playing, "the run waits while the gallery is shown");
        let sandbox = again.clone().reduce(Action::OpenSandbox);
        assert_eq!(sandbox.scenario, Scenario::default());
        assert!(!sandbox.gallery && sandbox.playing && sandbox.step.is_none());
        assert_eq!(sandbox.history_entry, again.history_entry + 1, "Back returns to the lesson");
    }

    #[test]
    fn a_fork_gets_its_own_history_entry_and_says_what_it_dropped() {
        let state = fresh();
        let scenario = state.scenario.clone();
        let recorded = state.reduce(Action::Recorded(Box::new(Changed { scenario: scenario.clone(), fork: None })));
        assert_eq!((recorded.history_entry, recorded.notice.clone()), (0, None), "a change at the end: same entry");
        let fork = Fork { at: SimTime::from_secs(12), dropped: 2 };
        let forked = recorded.reduce(Action::Recorded(Box::new(Changed { scenario, fork: Some(fork) })));
        assert_eq!(forked.history_entry, 1, "Back returns to the run before the fork");
        assert_eq!(
            forked.notice.as_deref(),
            Some("Forked at 12.0 s: the run goes on from your change, and your 2 later changes no longer happen. Back returns to them.")
        );
    }

    #[test]
    fn the_servers_knob_goes_through_the_reducer_as_a_live_change_without_a_restart() {
        let state = fresh();
        let run_id = state.run_id;
        let state = state.reduce(Action::EditKnob(POOL_FIELD, "12".into()));
        assert_eq!(state.run_id, run_id, "no restart");
        assert_eq!(state.live_changes.len(), 1);
        assert_eq!(state.live_changes[0].change, Change::Command(Command::SetPoolSize { servers: 12 }));
        assert_eq!(state.live_changes[0].from_knob, Some(POOL_FIELD));
        let state = state.reduce(Action::Change(Command::Crash { server: 0 }));
        assert_eq!(state.live_changes.iter().map(|c| c.id).collect::<Vec<_>>(), [0, 1], "in order");
        let state = state.reduce(Action::ChangesTaken(1));
        assert!(state.live_changes.is_empty());
        let state = state.reduce(Action::EditKnob(POOL_FIELD, "twelve".into()));
        assert!(state.live_changes.is_empty() && state.knob_error.is_some(), "a bad value is named, nothing queued");
    }

    #[test]
    fn another_knob_restarts_with_the_servers_the_servers_knob_set() {
        let mut state = (*fresh()).clone();
        let at = |secs: u64| SimTime::from_secs(secs).0;
        state.scenario.timeline = vec![
            sim::scenario::TimelineEntry {
                recorded: false,
                at_us: at(6),
                command: Command::SetPoolSize { servers: 12 },
            },
            sim::scenario::TimelineEntry { recorded: false, at_us: at(8), command: Command::Crash { server: 7 } },
        ];
        let state = Rc::new(state).reduce(Action::EditKnob("servers.concurrency", "8".into()));
        assert_eq!(state.scenario.servers.count, 12, "the pool in force, from the start");
        assert_eq!(state.scenario.timeline.len(), 1, "the crash stays; the resize is folded in");
        assert_eq!(state.scenario.servers.concurrency, 8);
    }

    #[test]
    fn escape_closes_the_dialog_first_then_the_inspector() {
        let state = fresh().reduce(Action::Select(Some(crate::diagram::Selection::Server(2))));
        let content = DialogContent {
            title: "Share".into(),
            explanation: String::new(),
            text: Some("link".into()),
            list: Vec::new(),
        };
        let state = state.reduce(Action::ShowDialog(content));
        assert!(!state.playing, "the run waits at the moment the link holds");
        let state = state.reduce(Action::Escape);
        assert!(state.dialog.is_none() && state.selected.is_some(), "the dialog goes first");
        let state = state.reduce(Action::Escape);
        assert!(state.selected.is_none(), "then the inspector");
        let state = fresh().reduce(Action::ShowDialog(DialogContent::shortcuts()));
        assert!(state.playing && state.dialog.is_some(), "the shortcuts are read while the run goes on");
    }

    #[test]
    fn less_motion_asked_for_starts_paused() {
        let boot = share::Boot { reduced_motion: true, ..share::boot_from("", "", None) };
        assert!(!AppState::from_boot(boot).playing);
        assert!(fresh().playing);
    }

    #[test]
    fn an_embed_told_so_opens_paused_without_its_controls() {
        let state = AppState::from_boot(share::boot_from("?embed=1&autoplay=0&controls=0", "", None));
        assert!(state.embed && !state.playing && !state.controls);
        let state = AppState::from_boot(share::boot_from("?embed=1&controls=0", "", None));
        assert!(state.playing && !state.controls);
        assert!(fresh().controls);
    }

    #[test]
    fn a_preset_plays_even_after_a_pause() {
        let state = fresh().reduce(Action::Pause);
        assert!(!state.playing);
        let state = state.reduce(Action::GoToStep(0, 0));
        assert!(state.playing);
    }

    #[test]
    fn a_step_that_asks_waits_for_the_guess_then_runs_and_the_guess_is_kept() {
        let first_look = lesson::index_of("first-look").unwrap();
        let asking = fresh().reduce(Action::GoToStep(first_look, 1));
        assert!(!asking.playing, "predict, then run: the step waits for the guess");
        let guessed = asking.reduce(Action::Guess(first_look, 1, Guess::Choice(2)));
        assert!(guessed.playing, "the guess starts the run");
        assert_eq!(guessed.answers.get("first-look/1"), Some(&Guess::Choice(2)));
        // Answered once, the step plays at once the next time; a step without a question always does.
        let again = guessed.clone().reduce(Action::Pause).reduce(Action::GoToStep(first_look, 1));
        assert!(again.playing);
        assert!(fresh().reduce(Action::Pause).reduce(Action::GoToStep(first_look, 0)).playing);
        let forgotten = again.reduce(Action::ForgetAnswers);
        assert!(forgotten.answers.is_empty());
        assert!(!forgotten.reduce(Action::GoToStep(first_look, 1)).playing);
    }

    #[test]
    fn a_step_loads_its_preset_at_its_speed_and_a_link_reopens_at_that_step() {
        let autoscaling = lesson::index_of("autoscaling").unwrap();
        let state = fresh().reduce(Action::GoToStep(autoscaling, 2));
        let step = lesson::step(autoscaling, 2).unwrap();
        assert_eq!((state.lesson, state.step, state.speed), (autoscaling, Some(2), step.speed));
        assert_eq!(Some(state.scenario.clone()), lesson::step_scenario(autoscaling, 2));
        // A knob edit keeps the step the student is on.
        let edited = state.clone().reduce(Action::EditKnob("servers.concurrency", "8".into()));
        assert_eq!(edited.step, Some(2));
        let url = share::url_for("http://127.0.0.1:8080/", edited.view(SimTime::from_secs(9)), false);
        let reopened = AppState::from_boot(share::boot_from("", &url[url.find('#').unwrap()..], None));
        assert_eq!((reopened.lesson, reopened.step, reopened.speed), (autoscaling, Some(2), step.speed));
        assert_eq!((&reopened.scenario, reopened.start_at), (&edited.scenario, SimTime::from_secs(9)));
        // A step past the lesson's end does nothing.
        let past = state.clone().reduce(Action::GoToStep(autoscaling, 99));
        assert_eq!((past.run_id, past.step), (state.run_id, Some(2)));
    }

    #[test]
    fn a_lesson_and_what_runs_agree() {
        let caching = lesson::index_of("caching").unwrap();
        // Picking a lesson loads its first preset with it.
        let state = fresh().reduce(Action::ChooseLesson(caching));
        assert_eq!(state.lesson, caching);
        assert_eq!(Some(state.scenario.clone()), lesson::step_scenario(caching, 0));
        assert_eq!(state.step, Some(0));
        assert!(state.scenario.caching.is_some());
        // The link keeps the lesson, and opens beside it.
        let url = share::url_for("http://127.0.0.1:8080/", state.view(SimTime::ZERO), false);
        let reopened = AppState::from_boot(share::boot_from("", &url[url.find('#').unwrap()..], None));
        assert_eq!(reopened.lesson, caching);
        // A link from before links kept the lesson opens beside the lesson its scenario is from.
        let old = format!("#{}", sim::link::encode(&state.scenario, SimTime::ZERO));
        assert_eq!(AppState::from_boot(share::boot_from("", &old, None)).lesson, caching);
        let replication = lesson::index_of("replication").unwrap();
        let scenario = lesson::step_scenario(replication, 0).unwrap();
        let old = format!("#{}", sim::link::encode(&Scenario { seed: 7, ..scenario }, SimTime::ZERO));
        assert_eq!(AppState::from_boot(share::boot_from("", &old, None)).lesson, replication, "another seed");
        assert_eq!(fresh().lesson, 0, "the default scenario is First look's");
    }

    #[test]
    fn a_preset_or_a_lesson_makes_a_history_entry_and_back_reopens_the_one_before() {
        let state = fresh();
        let edited = state.clone().reduce(Action::EditKnob("servers.concurrency", "8".into()));
        assert_eq!(edited.history_entry, state.history_entry, "a knob rewrites the current entry");
        let caching = lesson::index_of("caching").unwrap();
        let went = edited.clone().reduce(Action::Pause).reduce(Action::ChooseLesson(caching));
        assert_eq!(went.history_entry, state.history_entry + 1);
        // Back: the entry before holds the edited run's link, paused at 4 s, at 2x.
        let view = share::View { speed: 2.0, ..edited.view(SimTime::from_secs(4)) };
        let url = share::url_for("http://127.0.0.1:8080/", view, false);
        let back = share::boot_from("", &url[url.find('#').unwrap()..], None);
        let reopened = went.clone().reduce(Action::Pause).reduce(Action::Reopen(Box::new(back)));
        assert_eq!(reopened.scenario, edited.scenario);
        assert_eq!((reopened.lesson, reopened.speed, reopened.start_at), (0, 2.0, SimTime::from_secs(4)));
        assert_eq!(reopened.history_entry, went.history_entry, "Back adds no entry");
        assert!(!reopened.playing, "Back leaves a paused page paused");
        assert!(reopened.run_id > went.run_id);
        // An entry whose link no longer opens says so and keeps the run.
        let bad = share::boot_from("", "#v1.garbage", None);
        let kept = went.clone().reduce(Action::Reopen(Box::new(bad)));
        assert_eq!((&kept.scenario, kept.run_id), (&went.scenario, went.run_id));
        assert!(kept.banner.is_some());
    }

    #[test]
    fn a_seek_replays_the_same_run_to_its_moment_and_keeps_it_playing_or_paused() {
        let state = fresh().reduce(Action::Change(Command::Crash { server: 1 }));
        let sought = state.clone().reduce(Action::Seek(SimTime::from_secs(12)));
        assert_eq!((sought.start_at, sought.run_id), (SimTime::from_secs(12), state.run_id + 1));
        assert_eq!((&sought.scenario, sought.playing), (&state.scenario, state.playing));
        let paused = sought.reduce(Action::Pause).reduce(Action::Seek(SimTime::from_secs(3)));
        assert!(!paused.playing);
        assert_eq!(paused.start_at, SimTime::from_secs(3));
    }

    #[test]
    fn any_other_knob_restarts_the_run_with_the_new_scenario() {
        let state = fresh();
        let state2 = state.clone().reduce(Action::EditKnob("servers.concurrency", "8".into()));
        assert_eq!(state2.run_id, state.run_id + 1);
        assert_eq!(state2.scenario.servers.concurrency, 8);
        assert!(state2.live_changes.is_empty());
    }
}
