//! The animation loop's model side: one `sim::run::Run` and the wall clock that drives it, and
//! the side runs the panels ask for (a benchmark, the session-mode comparison). Each frame
//! advances the live run by (wall time since the last frame × speed) and the side runs by what
//! is left of the frame (`frame_budget`); when the budget runs out, the run lags and says so.
//! Panels get plain data (`FrameView`) and send requests; none of them owns a run.

use crate::frame_budget::{live_budget, side_budget};
use crate::panels::charts::{ChartZoom, MAX_CHART_POINTS};
use crate::thumbnails::Thumbnails;
use sim::ab::AbOptions;
use sim::budget::Budget;
use sim::caching::{CacheLab, CacheLabSnapshot, Exchange, LabSecond};
use sim::compare::{HalfwayFailure, ModeReport, SessionComparison};
use sim::components::autoscaler::ScaleDecision;
use sim::components::sessions::UserView;
use sim::run::{BenchmarkRun, Changed, FinishedBenchmark, Rewindable, Run};
use sim::scenario::Variant;
use sim::sweep::{LoadPoint, LoadSweep, Theory};
use sim::{Command, CommandError, Scenario, SecondSample, Sim, SimTime, Snapshot, ValidScenario};
use std::rc::Rc;

/// Events the page runs to reach a shared link's position before it shows anything: a few
/// seconds in the browser at most. A link further in is opened as far as this gets.
const FAST_FORWARD_EVENTS: u64 = 40_000_000;
/// Longest wall-clock gap one frame counts [ms], so that a background tab does not jump ahead.
const MAX_FRAME_GAP_MS: f64 = 100.0;
/// Request dots drawn at most; the rest are counted.
pub const MAX_DOTS: usize = 400;
/// Seconds of history the charts show.
pub const CHART_WINDOW_S: usize = 60;

/// What one frame draws. Plain data, compared to skip redraws that change nothing.
#[derive(Clone, PartialEq)]
pub struct FrameView {
    pub snapshot: Snapshot,
    pub series: Vec<SecondSample>,
    /// the second in progress, so far (the charts' last point, marked)
    pub so_far: Option<SecondSample>,
    /// seconds each point of `series` stands for (more than 1 when the charts show a long
    /// stretch: `ChartZoom`)
    pub seconds_per_point: usize,
    /// the changes that have run, for the charts' marks: (second, what)
    pub changes: Vec<(f64, String)>,
    /// the split view's second run, in lockstep with the first
    pub twin: Option<TwinView>,
    /// true when the last frame could not keep up with the speed asked for
    pub lagging: bool,
    pub events_processed: u64,
    /// the followed user's session and cookies (sessions modelled and a user picked)
    pub user: Option<UserView>,
    /// with an autoscaler: what it has decided (the latest first) and how it is doing
    pub autoscaling: Option<AutoscalingView>,
    /// the Caching lesson's lab, when the scenario has one
    pub caching: Option<LabView>,
    /// the benchmark panel's run: under way, finished, or refused
    pub benchmark: BenchmarkView,
    /// the session-mode comparison: under way or finished
    pub comparison: Option<ComparisonView>,
    /// the latency-against-load sweep: under way or finished
    pub sweep: Option<SweepView>,
    /// the gallery's thumbnails, one per lesson, while it is shown
    pub thumbnails: Option<Rc<Vec<Option<Thumbnail>>>>,
    /// the data tier's database and its console, when the scenario has one
    pub data: Option<DataView>,
    /// what happened, in words (the event log), oldest first, and what the live region says
    pub events: Rc<Vec<(f64, String)>>,
    pub announcement: String,
    /// the furthest simulated second reached (the timeline's end)
    pub reached_s: f64,
    /// how the last seek went, in words
    pub last_seek: Option<String>,
    /// announcements made so far, over every run (a new one is what `announcement` says)
    pub announced: u64,
}

/// The data tier, as its console shows it.
#[derive(Clone, PartialEq)]
pub struct DataView {
    pub layout: String,
    /// each server's rows per table
    pub servers: Vec<(String, Vec<(String, usize)>)>,
    /// the newest query and its answer
    pub last: Option<Rc<sim::data::console::Entry>>,
    /// queries run so far (a new one resets the console's page)
    pub queries_run: usize,
    /// shards now, when the layout is sharded and can be resharded (the console offers to add
    /// or remove one; not when each shard is replicated: `\reshard` refuses then)
    pub shards: Option<u32>,
    /// queries each server has answered so far
    pub queries: Vec<(String, u64)>,
    /// in the split view, the twin's answer to the same query, with what the twin differs in
    pub twin_last: Option<(&'static str, Rc<sim::data::console::Entry>)>,
    /// under replication: the primary's log and the reads that missed their user's own write
    pub replication: Option<String>,
    /// in the split view, the twin's replication line, with what the twin differs in
    pub twin_replication: Option<(&'static str, String)>,
    /// under replication: each replica's lag [s] per simulated second, the last minute
    pub lag_chart: Option<(Vec<u64>, Vec<crate::panels::charts::Line>)>,
    /// under multi-primary: the rule and what it did, the newest conflicts explained (newest
    /// first), and in the split view the twin's line
    pub multi_primary: Option<String>,
    pub conflicts: Vec<(f64, String)>,
    pub twin_multi_primary: Option<(&'static str, String)>,
    /// under replication or multi-primary: the last second, machine by machine
    pub space_time: Option<crate::panels::space_time::SpaceTimeView>,
}

/// A benchmark, as its panel shows it.
#[derive(Clone, Default, PartialEq)]
pub struct BenchmarkView {
    /// how far the runs have got (0 to 1) while one is under way
    pub progress: Option<f64>,
    pub results: Option<BenchmarkResults>,
    /// why the last one could not start
    pub problem: Option<String>,
}

/// A finished benchmark. Compared by which one it is, not by its (up to a million) response
/// times, since every frame's view is compared with the last.
#[derive(Clone)]
pub struct BenchmarkResults {
    pub id: u64,
    pub runs: Rc<Vec<FinishedBenchmark>>,
}

impl PartialEq for BenchmarkResults {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// What the benchmark panel asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum BenchmarkRequest {
    /// ab with these options against the open scenario, and against it with one difference
    Start(AbOptions, Option<Variant>),
    Cancel,
}

/// The session-mode comparison, as its table shows it.
#[derive(Clone, PartialEq)]
pub struct ComparisonView {
    /// simulated seconds each mode runs
    pub seconds: u64,
    /// how far the runs have got (0 to 1) while under way
    pub progress: Option<f64>,
    /// every mode's figures once all are done, or why the scenario cannot be compared
    pub result: Option<Result<Vec<ModeReport>, String>>,
}

/// The latency-against-load sweep, as its chart shows it.
#[derive(Clone, PartialEq)]
pub struct SweepView {
    /// simulated seconds each load runs
    pub seconds: u64,
    /// how far the runs have got (0 to 1) while under way
    pub progress: Option<f64>,
    /// every load's point once all are done, or why the scenario cannot be swept
    pub result: Option<Result<Rc<Vec<LoadPoint>>, String>>,
    /// the M/M/k model of the scenario swept, if it is one
    pub theory: Option<Theory>,
}

/// The caching lab, as one frame draws it.
#[derive(Clone, PartialEq)]
pub struct LabView {
    pub snapshot: CacheLabSnapshot,
    /// the charts' window
    pub series: Vec<LabSecond>,
    /// the latest exchanges, newest first
    pub exchanges: Vec<Exchange>,
    pub shared_cache: bool,
    pub server_cache: bool,
}

/// Exchanges the inspector lists.
const LISTED_EXCHANGES: usize = 12;

#[derive(Clone, PartialEq)]
pub struct AutoscalingView {
    /// decisions within the charts' window, oldest first
    pub recent: Vec<ScaleDecision>,
    /// every decision so far
    pub decisions: usize,
    /// the last few decisions, newest first, for the list
    pub latest: Vec<ScaleDecision>,
    pub slo_p95_ms: f64,
    pub slo_violation_seconds: u64,
}

#[derive(Clone, PartialEq)]
pub struct TwinView {
    pub variant: Variant,
    pub snapshot: Snapshot,
    pub series: Vec<SecondSample>,
    pub so_far: Option<SecondSample>,
}

pub struct Player {
    /// the live run, with the copies that take it back in time
    run: Rewindable,
    /// which run this is (the app bumps it to restart)
    pub run_id: u64,
    last_frame_ms: Option<f64>,
    lagging: bool,
    /// the position asked for, when fast-forwarding to it would have taken too long
    pub fell_short_of: Option<SimTime>,
    /// the user whose session the inspector shows
    pub following: Option<u32>,
    benchmark: Option<BenchmarkRun>,
    benchmark_view: BenchmarkView,
    /// how many benchmarks have finished (each one's results get the next id)
    benchmarks_finished: u64,
    comparison: Option<SessionComparison>,
    comparison_view: Option<ComparisonView>,
    sweep: Option<LoadSweep>,
    sweep_view: Option<SweepView>,
    /// what happened, in words, as the frames showed it (kept while `view` takes `&self`)
    events: std::cell::RefCell<crate::events::EventLog>,
    /// how the last seek went: the copy it started from and how long it took
    last_seek: Option<String>,
    /// how much of the run the charts show
    pub chart_zoom: ChartZoom,
    /// the gallery's live thumbnails while it is shown, and what they drew last
    thumbnails: Option<(Thumbnails, Rc<Vec<Option<Thumbnail>>>)>,
}

impl Player {
    /// A new run, fast-forwarded to `at` (a shared link's playback position) within a budget;
    /// with `compare_with`, a second run of the same scenario with that difference beside it.
    pub fn new(scenario: ValidScenario, at: SimTime, run_id: u64, compare_with: Option<Variant>) -> Self {
        Self::with_fast_forward_budget(scenario, at, run_id, compare_with, FAST_FORWARD_EVENTS)
    }

    fn with_fast_forward_budget(
        scenario: ValidScenario,
        at: SimTime,
        run_id: u64,
        compare_with: Option<Variant>,
        budget: u64,
    ) -> Self {
        let mut run = Rewindable::new(Run::new(scenario, compare_with));
        let reached = run.advance(at, Budget::events(budget));
        Player {
            run,
            run_id,
            last_frame_ms: None,
            lagging: false,
            fell_short_of: (!reached).then_some(at),
            following: None,
            benchmark: None,
            benchmark_view: BenchmarkView::default(),
            benchmarks_finished: 0,
            comparison: None,
            comparison_view: None,
            sweep: None,
            sweep_view: None,
            events: Default::default(),
            last_seek: None,
            chart_zoom: ChartZoom::default(),
            thumbnails: None,
        }
    }

    pub fn now(&self) -> SimTime {
        self.run.now()
    }

    /// The furthest moment the run has reached (where the timeline ends).
    pub fn reached(&self) -> SimTime {
        self.run.reached()
    }

    /// Starts the run again at `at` as run `run_id`, when it is this run (the same scenario, the
    /// same split view): from the latest copy kept before `at`, within the fast-forward budget,
    /// and the timeline keeps its end. Returns false, changing nothing, for another run.
    pub fn seek(&mut self, scenario: &Scenario, compare_with: Option<Variant>, at: SimTime, run_id: u64) -> bool {
        if self.run.scenario() != scenario || self.run.twin().map(|(variant, _)| variant) != compare_with {
            return false;
        }
        let started_ms = crate::frame_budget::wall_ms();
        let sought = self.run.seek(at, Budget::events(FAST_FORWARD_EVENTS));
        self.fell_short_of = (!sought.got_there).then_some(at);
        self.last_seek = Some(format!(
            "The last seek replayed {:.1} s from the copy kept at {:.1} s, in {:.0} ms.",
            (self.now() - sought.from).as_secs_f64(),
            sought.from.as_secs_f64(),
            crate::frame_budget::wall_ms() - started_ms
        ));
        self.run_id = run_id;
        self.pause();
        *self.events.borrow_mut() = Default::default();
        true
    }

    /// Called on every animation frame while playing, with the frame's timestamp [ms].
    pub fn advance(&mut self, frame_ms: f64, speed: f64) {
        let gap_ms = match self.last_frame_ms {
            Some(last) => (frame_ms - last).clamp(0.0, MAX_FRAME_GAP_MS),
            None => 0.0,
        };
        self.last_frame_ms = Some(frame_ms);
        let target = self.run.now() + SimTime::from_millis_f64(gap_ms * speed);
        self.lagging = !self.run.advance(target, live_budget());
    }

    /// Playback stopped: the next frame must not count the paused time.
    pub fn pause(&mut self) {
        self.last_frame_ms = None;
        self.lagging = false;
    }

    /// A change the reducer queued for the live run (no restart); returns the scenario with it
    /// recorded, for the link, and the fork it made when it was made in the past. Scaling the
    /// pool to the size it has records nothing.
    pub fn apply_change(&mut self, command: Command) -> Result<Changed, CommandError> {
        match command {
            Command::SetPoolSize { servers } if servers == self.pool_size() => {
                Ok(Changed { scenario: self.scenario(), fork: None })
            }
            command => self.run.schedule(command),
        }
    }

    /// The scenario as it runs now, with the changes made while running in its timeline.
    pub fn scenario(&self) -> Scenario {
        self.run.scenario().clone()
    }

    /// Servers in the pool now.
    pub fn pool_size(&self) -> u32 {
        self.run.engine().pool_size()
    }

    /// Runs exactly one event (the single-step control).
    pub fn step(&mut self) {
        self.run.step();
    }

    /// Starts or cancels a benchmark of the scenario as it runs now.
    pub fn benchmark(&mut self, request: BenchmarkRequest) {
        self.benchmark = None;
        self.benchmark_view.progress = None;
        if let BenchmarkRequest::Start(options, compare_with) = request {
            match BenchmarkRun::new(self.run.scenario(), options, compare_with) {
                Ok(run) => {
                    self.benchmark = Some(run);
                    self.benchmark_view = BenchmarkView { progress: Some(0.0), results: None, problem: None };
                }
                Err(problem) => self.benchmark_view.problem = Some(problem),
            }
        }
    }

    /// Starts the session-mode comparison of the scenario as it runs now, `seconds` long each.
    pub fn compare_session_modes(&mut self, failure: HalfwayFailure, seconds: u64) {
        let started = SessionComparison::new(self.run.scenario(), SimTime::from_secs(seconds), failure);
        let (comparison, result) = match started {
            Ok(comparison) => (Some(comparison), None),
            Err(errors) => (None, Some(Err(sim::validate::in_words(&errors)))),
        };
        self.comparison = comparison;
        self.comparison_view = Some(ComparisonView { seconds, progress: result.is_none().then_some(0.0), result });
    }

    /// Starts the latency-against-load sweep of the scenario as it runs now, `seconds` per load.
    pub fn sweep_load(&mut self, seconds: u64) {
        let base = self.run.scenario();
        let theory = Theory::of(base);
        let (sweep, result) = match LoadSweep::new(base, SimTime::from_secs(seconds)) {
            Ok(sweep) => (Some(sweep), None),
            Err(errors) => (None, Some(Err(sim::validate::in_words(&errors)))),
        };
        self.sweep = sweep;
        self.sweep_view = Some(SweepView { seconds, progress: result.is_none().then_some(0.0), result, theory });
    }

    /// Whether a side run is under way (the page keeps drawing frames for it, even paused).
    pub fn has_side_work(&self) -> bool {
        self.benchmark.is_some() || self.comparison.is_some() || self.sweep.is_some() || self.thumbnails.is_some()
    }

    /// The gallery is shown (its thumbnails start, moving unless less motion is asked for) or
    /// hidden (they stop).
    pub fn show_gallery(&mut self, shown: bool, moving: bool) {
        match (shown, &self.thumbnails) {
            (true, None) => {
                let thumbnails = Thumbnails::new(moving);
                let drawn = drawn(&thumbnails);
                self.thumbnails = Some((thumbnails, drawn));
            }
            (false, Some(_)) => self.thumbnails = None,
            _ => {}
        }
    }

    /// Called on every animation frame, playing or not: the side runs get what is left of it.
    pub fn advance_side_runs(&mut self) {
        self.advance_side_runs_within(side_budget());
    }

    fn advance_side_runs_within(&mut self, budget: Budget) {
        if let Some((thumbnails, shown)) = self.thumbnails.as_mut() {
            if thumbnails.advance(crate::frame_budget::wall_ms()) {
                *shown = drawn(thumbnails);
            }
        }
        if let Some(run) = self.benchmark.as_mut() {
            if run.advance(budget) {
                let finished = self.benchmark.take().and_then(BenchmarkRun::finish).unwrap_or_default();
                self.benchmarks_finished += 1;
                let results = BenchmarkResults { id: self.benchmarks_finished, runs: Rc::new(finished) };
                self.benchmark_view = BenchmarkView { progress: None, results: Some(results), problem: None };
            } else {
                self.benchmark_view.progress = Some(run.fraction_done());
            }
            // A benchmark takes the whole of the side budget: the comparison waits its turn.
            return;
        }
        if let (Some(comparison), Some(view)) = (self.comparison.as_mut(), self.comparison_view.as_mut()) {
            if comparison.advance(budget) {
                view.result = Some(Ok(comparison.reports()));
                view.progress = None;
                self.comparison = None;
            } else {
                view.progress = Some(comparison.fraction_done());
            }
            return;
        }
        if let (Some(sweep), Some(view)) = (self.sweep.as_mut(), self.sweep_view.as_mut()) {
            if sweep.runs().advance(budget) {
                view.result = Some(Ok(Rc::new(sweep.points())));
                view.progress = None;
                self.sweep = None;
            } else {
                view.progress = Some(sweep.runs().fraction_done());
            }
        }
    }

    /// The run's figures, as `scalelab run --json` prints them.
    pub fn figures_json(&self) -> String {
        serde_json::to_string_pretty(&self.run.report()).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Every second the run keeps (the charts show the last minute of them), as CSV.
    pub fn seconds_csv(&self) -> String {
        match self.run.engine().lab() {
            Some(lab) => sim::caching::lab_seconds_csv(lab.seconds()),
            None => sim::metrics::series_csv(self.run.engine().metrics().series().iter()),
        }
    }

    pub fn view(&self) -> FrameView {
        let engine = self.run.engine();
        let snapshot = engine.snapshot(MAX_DOTS);
        let mut events = self.events.borrow_mut();
        events.observe(&snapshot, engine.autoscaler().decisions(), self.last_frame_ms);
        let zoom = self.chart_zoom;
        let (series, seconds_per_point) = chart_window(engine, zoom);
        FrameView {
            events: events.entries(),
            announcement: events.live().to_string(),
            announced: events.announced(),
            reached_s: self.reached().as_secs_f64(),
            last_seek: self.last_seek.clone(),
            snapshot,
            series,
            // the second in progress is a point only where each point is a second
            so_far: engine.second_so_far().filter(|_| seconds_per_point == 1),
            seconds_per_point,
            changes: changes_so_far(engine),
            twin: self.run.twin().map(|(variant, twin)| TwinView {
                variant,
                snapshot: twin.snapshot(MAX_DOTS),
                series: chart_window(twin, zoom).0,
                so_far: twin.second_so_far().filter(|_| seconds_per_point == 1),
            }),
            lagging: self.lagging,
            events_processed: self.run.events_processed(),
            user: self.following.and_then(|user| engine.user_view(user)),
            autoscaling: autoscaling_view(engine, zoom),
            caching: engine.lab().map(lab_view),
            benchmark: self.benchmark_view.clone(),
            comparison: self.comparison_view.clone(),
            sweep: self.sweep_view.clone(),
            thumbnails: self.thumbnails.as_ref().map(|(_, drawn)| drawn.clone()),
            data: self.run.console().map(|console| DataView {
                layout: console.db.config.layout.describe(),
                servers: console.db.servers(),
                last: console.entries.last().cloned(),
                queries_run: console.entries.len(),
                shards: console
                    .db
                    .cluster()
                    .filter(|_| console.db.config.replication.is_none())
                    .map(|c| c.shards.len() as u32),
                queries: console.load.iter().map(|(server, load)| (server.clone(), load.queries)).collect(),
                replication: self.run.engine().data().and_then(|d| d.replication()).map(replication_line),
                twin_replication: self
                    .run
                    .twin()
                    .and_then(|(variant, twin)| Some((variant.label(), replication_line(twin.data()?.replication()?)))),
                space_time: self.run.engine().data().and_then(|d| {
                    let now = self.run.engine().now();
                    let since = now.saturating_sub(sim::data::space_time::WINDOW);
                    Some(crate::panels::space_time::SpaceTimeView {
                        machines: d.servers().map(|(name, _)| name.to_string()).collect(),
                        from_s: since.as_secs_f64(),
                        to_s: now.as_secs_f64(),
                        items: d.space_time()?.since(since).cloned().collect(),
                    })
                }),
                lag_chart: self.run.engine().data().and_then(|d| d.replication()).map(|replicated| {
                    // One colour per replica, from the charts' palette; every group's replicas.
                    const COLOURS: [&str; 6] = ["throughput", "p95", "p99", "errors", "servers", "cost"];
                    let first = &replicated.groups[0];
                    let seconds = first.lag_series.iter().map(|(second, _)| *second).collect();
                    let lines = replicated
                        .groups
                        .iter()
                        .flat_map(|r| (0..r.replicas.len()).map(move |i| (r, i)))
                        .enumerate()
                        .map(|(n, (r, i))| crate::panels::charts::Line {
                            label: match &r.shard {
                                Some(shard) => format!("{shard} replica {}", i + 1),
                                None => format!("replica {}", i + 1),
                            },
                            class: COLOURS[n % COLOURS.len()].into(),
                            values: r.lag_series.iter().map(|(_, lags)| lags.get(i).copied().unwrap_or(0.0)).collect(),
                        })
                        .collect();
                    (seconds, lines)
                }),
                multi_primary: self.run.engine().data().and_then(|d| d.multi_primary()).map(multi_primary_line),
                conflicts: self.run.engine().data().and_then(|d| d.multi_primary()).map_or_else(Vec::new, |m| {
                    m.conflicts.iter().rev().take(LISTED_CONFLICTS).map(|c| (c.at_ms / 1_000.0, c.explain())).collect()
                }),
                twin_multi_primary: self.run.twin().and_then(|(variant, twin)| {
                    Some((variant.label(), multi_primary_line(twin.data()?.multi_primary()?)))
                }),
                twin_last: self
                    .run
                    .twin_console()
                    .and_then(|(variant, twin)| twin.entries.last().map(|e| (variant.label(), e.clone()))),
            }),
        }
    }

    /// Runs a query typed in the data tier's console; returns the scenario with it recorded.
    pub fn query(&mut self, sql: &str) -> Result<Scenario, String> {
        self.run.query(sql)
    }
}

fn lab_view(lab: &CacheLab) -> LabView {
    let series = lab.seconds();
    LabView {
        snapshot: lab.snapshot(),
        series: series[series.len().saturating_sub(CHART_WINDOW_S)..].to_vec(),
        exchanges: lab.exchanges().rev().take(LISTED_EXCHANGES).cloned().collect(),
        shared_cache: lab.config().shared_cache,
        server_cache: lab.config().server_cache.enabled,
    }
}

/// Request dots a gallery thumbnail draws at most.
const THUMBNAIL_DOTS: usize = 60;

/// What a gallery thumbnail draws: the request path, or the caching lesson's lab.
#[derive(Clone, PartialEq)]
pub enum Thumbnail {
    Path(Box<Snapshot>),
    Lab(Box<LabView>),
}

/// The thumbnails as they stand, one per lesson.
fn drawn(thumbnails: &Thumbnails) -> Rc<Vec<Option<Thumbnail>>> {
    let draw = |run: &Run| match run.engine().lab() {
        Some(lab) => Thumbnail::Lab(Box::new(lab_view(lab))),
        None => Thumbnail::Path(Box::new(run.engine().snapshot(THUMBNAIL_DOTS))),
    };
    Rc::new(thumbnails.runs().map(|run| run.map(draw)).collect())
}

/// Decisions the list beside the charts shows.
const LATEST_DECISIONS: usize = 8;

fn autoscaling_view(sim: &Sim, zoom: ChartZoom) -> Option<AutoscalingView> {
    let a = sim.autoscaler();
    if !a.config().is_active() {
        return None;
    }
    let shown = zoom.seconds().unwrap_or(usize::MAX);
    let since = sim.metrics().series().iter().rev().take(shown).last().map_or(0, |s| s.second);
    let all = a.decisions();
    Some(AutoscalingView {
        recent: all.iter().filter(|d| d.at.whole_secs() >= since).cloned().collect(),
        decisions: all.len(),
        latest: all.iter().rev().take(LATEST_DECISIONS).cloned().collect(),
        slo_p95_ms: a.config().slo_p95_ms,
        slo_violation_seconds: a.slo_violation_seconds(),
    })
}

/// The seconds of a run's series the charts show at `zoom`, and how many seconds each point is
/// (more than one when there are more than `MAX_CHART_POINTS` of them).
fn chart_window(sim: &Sim, zoom: ChartZoom) -> (Vec<SecondSample>, usize) {
    let series = sim.metrics().series();
    let shown = zoom.seconds().unwrap_or(usize::MAX).min(series.len());
    let seconds = series.iter().skip(series.len() - shown);
    if shown <= MAX_CHART_POINTS {
        return (seconds.copied().collect(), 1);
    }
    let per_point = shown.div_ceil(MAX_CHART_POINTS);
    (sim::metrics::summarised(seconds, per_point), per_point)
}

/// The changes that have run so far (the timeline's entries up to now), for the charts' marks.
fn changes_so_far(sim: &Sim) -> Vec<(f64, String)> {
    let now = sim.now().as_micros();
    let ran = sim.scenario().timeline.iter().take_while(|e| e.at_us <= now);
    ran.map(|e| (SimTime(e.at_us).as_secs_f64(), e.command.describe())).collect()
}

/// Conflicts the database panel lists.
const LISTED_CONFLICTS: usize = 4;

/// The multi-primary line of the database panel: the rule, the clocks, and what the rule did.
fn multi_primary_line(m: &sim::data::multi_primary::MultiPrimary) -> String {
    let c = &m.counts;
    let skews: Vec<String> =
        (0..m.primaries.len()).map(|p| format!("{:+.0} ms", m.config.skew_ms.get(p).copied().unwrap_or(0.0))).collect();
    let done = match m.config.resolution {
        sim::data::multi_primary::Resolution::Certification => format!(
            "{} failed certification and {} were aborted under a write applied first; {} were retried by their primary, {} reached their user as ERROR 1213; {} queries refused outside the majority.",
            c.cert_failures, c.bf_aborts, c.retries, c.deadlock_errors, c.non_primary_refusals
        ),
        sim::data::multi_primary::Resolution::VersionVectors => format!(
            "{} pairs of concurrent versions kept as siblings; {} later writes merged siblings back into one.",
            c.siblings, c.merged
        ),
        _ => format!(
            "{} writes discarded by last writer wins, {} of them made later in real time than the write that beat them (a clock ahead won).",
            c.discarded, c.lost_to_skew
        ),
    };
    format!(
        "{} primaries, {} ms apart, {}; clocks {}. {} writes; {done}",
        m.primaries.len(),
        m.config.link_ms,
        m.config.resolution.label(),
        skews.join(", "),
        c.writes
    )
}

/// The replication line of the database panel: the log, the reads and their anomalies, the
/// commits' waits and each failover; a sharded database's, shard by shard.
fn replication_line(replicated: &sim::data::replication::Replicated) -> String {
    if !replicated.sharded() {
        return group_line(&replicated.groups[0], Some((replicated.reads, replicated.reads_on_primary)));
    }
    let mut line = format!(
        "{} reads, {} of them sent to the primaries. Each shard replicates on its own.",
        replicated.reads, replicated.reads_on_primary
    );
    for group in &replicated.groups {
        line += &format!(" Shard {}: {}", group.shard.as_deref().unwrap_or("?"), group_line(group, None));
    }
    line
}

/// One replicated group's part of the line (with the reads routed, for the one server's).
fn group_line(r: &sim::data::replication::Replication, reads: Option<(u64, u64)>) -> String {
    let reads = reads.map_or_else(String::new, |(reads, on_primary)| {
        format!(
            " Of {reads} reads ({on_primary} sent to the primary, {} of them showing a write no replica had yet)",
            r.reads_ahead_of_replicas
        )
    });
    let mut line = format!(
        "Primary's log: {} writes.{reads}{} {} missed their user's own last write, {} showed an older state than \
         the user saw before, {} were stale, {} waited for their user's write ({:.1} ms in all).",
        r.position(),
        if reads.is_empty() { " Its reads:" } else { ":" },
        r.read_your_writes_violations,
        r.monotonic_violations,
        r.stale_reads,
        r.waits,
        r.waited.as_millis_f64()
    );
    if r.awaited().is_some() {
        line += &format!(
            " Commits ({}): {} waited for replicas, {:.2} ms on average, {:.2} ms at most",
            r.config.commit.label(),
            r.commit_waits,
            r.mean_commit_wait_ms(),
            r.longest_commit_wait.as_millis_f64()
        );
        if r.semi_sync_fallbacks > 0 || r.unacknowledged_commits > 0 {
            line += &format!(
                "; fell back to asynchronous {} time(s), {} returned unacknowledged{}",
                r.semi_sync_fallbacks,
                r.unacknowledged_commits,
                if r.semi_sync_off { " (asynchronous now)" } else { "" }
            );
        }
        line += ".";
    }
    for f in &r.failovers {
        line += &format!(
            " Failover at {:.1} s: replica {} became the primary; {} write(s) lost, {} of them \
             acknowledged to their users.",
            f.at_s,
            f.promoted,
            f.lost.len(),
            f.acknowledged_lost()
        );
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::Scenario;

    #[test]
    fn a_seek_back_rebuilds_the_same_moment_and_the_timeline_keeps_its_end() {
        let scenario = || Scenario::default().validate().unwrap();
        let mut sought = Player::new(scenario(), SimTime::ZERO, 0, None);
        sought.run.advance(SimTime::from_secs(8), Budget::events(u64::MAX));
        let at_3s = Player::new(scenario(), SimTime::from_secs(3), 1, None);
        // Back to 3 s: the same moment as a run that stopped there, the end still at 8 s.
        assert!(sought.seek(scenario().get(), None, SimTime::from_secs(3), 2));
        assert_eq!((sought.now(), sought.reached(), sought.run_id), (SimTime::from_secs(3), SimTime::from_secs(8), 2));
        assert_eq!(sought.view().snapshot, at_3s.view().snapshot);
        // Another scenario, or the split view, is another run: the player is not reused.
        let mut other = Scenario::default();
        other.servers.count = 5;
        assert!(!sought.seek(&other, None, SimTime::ZERO, 3));
        let split = Some(Variant::Algorithm(sim::Algorithm::LeastConnections));
        assert!(!sought.seek(scenario().get(), split, SimTime::ZERO, 3));
        assert_eq!(sought.run_id, 2);
    }

    #[test]
    fn the_charts_zoom_out_to_the_whole_run_in_at_most_300_points() {
        let mut p = Player::new(Scenario::default().validate().unwrap(), SimTime::from_secs(700), 0, None);
        p.apply_change(Command::Crash { server: 1 }).unwrap();
        p.run.advance(SimTime::from_millis(701_500), Budget::events(u64::MAX));
        let shown = |p: &mut Player, zoom| {
            p.chart_zoom = zoom;
            let view = p.view();
            (view.series.len(), view.seconds_per_point, view.so_far.is_some(), view.series.last().map(|s| s.second))
        };
        assert_eq!(shown(&mut p, ChartZoom::LastMinute), (60, 1, true, Some(701)));
        assert_eq!(shown(&mut p, ChartZoom::LastTenMinutes), (300, 2, false, Some(701)));
        assert_eq!(shown(&mut p, ChartZoom::WholeRun), (234, 3, false, Some(701)), "701 seconds, 3 a point");
        assert_eq!(p.view().changes, vec![(700.000001, "crash server 2".to_string())]);
    }

    #[test]
    fn a_change_after_a_seek_back_forks_the_run() {
        let scenario = || Scenario::default().validate().unwrap();
        let mut p = Player::new(scenario(), SimTime::from_secs(4), 0, None);
        let later = p.apply_change(Command::Crash { server: 1 }).unwrap();
        assert_eq!(later.fork, None, "at the end of the timeline: no fork");
        p.run.advance(SimTime::from_secs(9), Budget::events(u64::MAX));
        assert!(p.seek(&later.scenario, None, SimTime::from_secs(2), 1));
        let refused = p.apply_change(Command::Crash { server: 99 });
        assert!(refused.is_err());
        assert_eq!(p.reached(), SimTime::from_secs(9), "a refused change forks nothing");
        let forked = p.apply_change(Command::Crash { server: 2 }).unwrap();
        assert_eq!(forked.fork, Some(sim::run::Fork { at: SimTime::from_secs(2), dropped: 1 }));
        assert_eq!(p.reached(), SimTime::from_secs(2), "the old future is gone");
        let crashed: Vec<_> = forked.scenario.timeline.iter().map(|e| e.command.clone()).collect();
        assert_eq!(crashed, vec![Command::Crash { server: 2 }]);
    }

    #[test]
    fn frames_advance_by_wall_time_times_speed() {
        let mut p = Player::new(Scenario::default().validate().unwrap(), SimTime::ZERO, 0, None);
        p.advance(1_000.0, 0.5);
        assert_eq!(p.now(), SimTime::ZERO, "the first frame only starts the clock");
        p.advance(1_016.0, 0.5);
        assert_eq!(p.now(), SimTime::from_millis(8));
        p.advance(5_000.0, 1.0);
        assert_eq!(p.now(), SimTime::from_millis(108), "long gaps are clamped to 100 ms");
        p.pause();
        p.advance(9_000.0, 1.0);
        assert_eq!(p.now(), SimTime::from_millis(108));
    }

    #[test]
    fn fast_forward_stops_at_its_budget_and_says_so() {
        let valid = || Scenario::default().validate().unwrap();
        let p = Player::with_fast_forward_budget(valid(), SimTime::from_secs(60), 0, None, 1_000);
        assert_eq!(p.fell_short_of, Some(SimTime::from_secs(60)));
        assert!(p.now() < SimTime::from_secs(1));
        let p = Player::with_fast_forward_budget(valid(), SimTime::from_secs(2), 0, None, 1_000_000);
        assert_eq!((p.fell_short_of, p.now()), (None, SimTime::from_secs(2)));
    }

    #[test]
    fn the_pool_grows_and_shrinks_without_a_restart() {
        let mut p = Player::new(Scenario::default().validate().unwrap(), SimTime::from_secs(1), 0, None);
        let scenario = p.apply_change(Command::SetPoolSize { servers: 6 }).unwrap().scenario;
        assert_eq!(scenario.timeline.len(), 1, "one change, however many servers");
        p.advance(0.0, 1.0);
        p.advance(10.0, 1.0);
        assert_eq!(p.pool_size(), 6);
        let scenario = p.apply_change(Command::SetPoolSize { servers: 3 }).unwrap().scenario;
        assert_eq!(scenario.timeline.last().unwrap().command, Command::SetPoolSize { servers: 3 });
        p.advance(20.0, 1.0);
        assert_eq!(p.pool_size(), 3);
        assert_eq!(p.now(), SimTime::from_millis(1_020), "the run went on");
        assert_eq!(
            p.apply_change(Command::SetPoolSize { servers: 3 }).unwrap().scenario.timeline.len(),
            2,
            "no change, nothing recorded"
        );
        assert!(p.apply_change(Command::SetPoolSize { servers: 1_001 }).is_err());
    }

    #[test]
    fn the_twin_runs_in_lockstep_on_the_same_requests() {
        let mut s = Scenario::default();
        s.servers.service = sim::ServiceTime::LogNormal { mean_ms: 20.0, sigma: 1.2 };
        let mut p = Player::new(
            s.validate().unwrap(),
            SimTime::ZERO,
            0,
            Some(Variant::Algorithm(sim::Algorithm::LeastConnections)),
        );
        p.advance(0.0, 1.0);
        for frame in 1..=200 {
            p.advance(f64::from(frame) * 50.0, 1.0);
        }
        let view = p.view();
        let twin = view.twin.expect("split view");
        assert_eq!(twin.snapshot.now, view.snapshot.now);
        // Same traffic: the same requests arrived in both runs...
        assert_eq!(twin.snapshot.counters.arrived, view.snapshot.counters.arrived);
        // ...but they were balanced differently.
        assert_ne!(twin.series, view.series);
    }

    #[test]
    fn a_twin_that_falls_behind_is_waited_for() {
        // Sessions in a database add store round trips: the twin needs more events for the same
        // simulated time, so under overload it cannot keep up on its half of the budget.
        let mut s = Scenario::default();
        s.clients.arrival_rate = 200_000.0;
        s.servers.count = 200;
        let twin = Variant::Sessions { sessions: sim::scenario::SessionMode::Database };
        let mut p = Player::new(s.validate().unwrap(), SimTime::ZERO, 0, Some(twin));
        let (mut waited, mut behind) = (0, 0);
        for frame in 0..12 {
            let first_before = p.view().snapshot.now;
            p.advance(f64::from(frame) * 100.0, 100.0);
            let view = p.view();
            let twin_now = view.twin.expect("a twin").snapshot.now;
            assert!(twin_now <= view.snapshot.now, "the twin never runs ahead");
            behind += usize::from(twin_now < view.snapshot.now);
            if view.snapshot.now > first_before {
                // The first run moved on only once the twin had reached where it was.
                assert!(twin_now >= first_before, "frame {frame}: {twin_now:?} < {first_before:?}");
            } else {
                waited += 1;
            }
        }
        assert!(behind > 0 && waited > 0, "the twin fell behind ({behind}) and was waited for ({waited})");
    }

    #[test]
    fn a_benchmark_runs_beside_the_paused_live_run_until_its_reports_are_ready() {
        let mut p = Player::new(Scenario::default().validate().unwrap(), SimTime::from_secs(1), 0, None);
        let args: Vec<String> = "-n 3000 -c 20".split(' ').map(str::to_owned).collect();
        let (options, _) = sim::ab::parse(&args).unwrap();
        let options_again = || options.clone();
        p.benchmark(BenchmarkRequest::Start(options.clone(), Some(Variant::Algorithm(sim::Algorithm::Random))));
        assert_eq!(p.view().benchmark.progress, Some(0.0));
        let mut frames = 0;
        while p.has_side_work() {
            p.advance_side_runs_within(Budget::events(2_000));
            frames += 1;
            assert!(frames < 10_000, "the benchmark finishes");
        }
        assert!(frames > 5, "spread over frames ({frames})");
        assert_eq!(p.now(), SimTime::from_secs(1), "the paused live run did not move");
        let results = p.view().benchmark.results.expect("finished");
        assert_eq!(results.runs.len(), 2);
        assert!(results
            .runs
            .iter()
            .all(|r| r.report.as_ref().is_ok_and(|r| r.text().contains("Complete requests:      3000"))));
        p.benchmark(BenchmarkRequest::Start(options_again(), None));
        p.advance_side_runs_within(Budget::events(2_000));
        p.benchmark(BenchmarkRequest::Cancel);
        let view = p.view().benchmark;
        assert!(!p.has_side_work() && view.progress.is_none() && view.results.is_none(), "cancel stops it");
    }

    #[test]
    fn the_session_comparison_is_a_side_run_too() {
        let mut s = Scenario::default();
        s.clients.users = 100;
        let mut p = Player::new(s.validate().unwrap(), SimTime::ZERO, 0, None);
        p.compare_session_modes(HalfwayFailure::CrashServer, 4);
        assert!(p.has_side_work());
        while p.has_side_work() {
            p.advance_side_runs_within(Budget::events(5_000));
        }
        let view = p.view().comparison.expect("a comparison");
        let reports = view.result.expect("done").expect("valid");
        assert_eq!(reports.len(), sim::compare::SESSION_MODES.len());
        assert_eq!(view.seconds, 4);
        assert!(reports.iter().all(|r| r.summary.simulated_seconds == 4.0));
    }

    #[test]
    fn an_overloaded_frame_lags_instead_of_freezing() {
        let mut s = Scenario::default();
        s.clients.arrival_rate = 1_000_000.0;
        s.servers.count = 1_000;
        let mut p = Player::new(s.validate().unwrap(), SimTime::ZERO, 0, None);
        p.advance(0.0, 100.0);
        p.advance(100.0, 100.0);
        let view = p.view();
        assert!(view.lagging);
        assert!(view.events_processed <= crate::frame_budget::LIVE_EVENTS_PER_FRAME);
        assert!(view.snapshot.requests.len() <= MAX_DOTS);
    }
}
