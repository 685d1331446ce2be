//! The full layout: the header, the run (controls, diagram, totals, inspector, charts, the side
//! runs' panels) in the main column, and the lessons and the knobs beside it.

use super::hooks::Callbacks;
use super::{AppState, Parts};
use crate::panels::benchmark::Benchmark;
use crate::panels::data_console::DataConsole;
use crate::panels::dialog::CopyDialog;
use crate::panels::event_log::EventLog;
use crate::panels::gallery::Gallery;
use crate::panels::knobs::Knobs;
use crate::panels::lesson::Lesson;
use crate::panels::load_curve::LoadCurve;
use crate::panels::questions;
use crate::panels::sessions_compare::SessionsCompare;
use crate::panels::stats::Stats;
use crate::panels::theme::ThemeToggle;
use crate::player::FrameView;
use yew::prelude::*;

pub fn page(state: &AppState, view: &FrameView, parts: Parts, cb: &Callbacks) -> Html {
    let colour_by_user = state.scenario.sessions.mode != sim::scenario::SessionMode::None;
    let snapshot = &view.snapshot;
    // The run's answer to the step's question, once the run has reached its moment.
    let lesson_key = crate::panels::lesson::key_of(state.lesson);
    let measured = state.step.and_then(|step| questions::question(lesson_key, step)).and_then(|q| {
        let now_s = snapshot.now.as_secs_f64();
        q.measured(&questions::RunFigures { now_s, counters: &snapshot.counters, series: &view.series })
            .map(|figure| (figure, now_s))
    });
    html! {
        <div class="app">
            <header class="top">
                <h1>{ "Scalelab" }</h1>
                <p class="tagline">{ "Watch web systems scale: load balancing, sessions, autoscaling, caching and benchmarking, simulated in your browser." }</p>
                <div class="top-actions">
                    <button class="all-lessons" onclick={cb.on_gallery.reform(|_: MouseEvent| true)}>{ "All lessons" }</button>
                    <ThemeToggle />
                </div>
            </header>
            if let Some(message) = &state.banner {
                <div class="banner" role="alert">
                    <span>{ message }</span>
                    <button onclick={cb.on_dismiss.reform(|_: MouseEvent| ())}>{ "Dismiss" }</button>
                </div>
            }
            if state.gallery {
                <main class="layout gallery-page">
                    <Gallery thumbnails={view.thumbnails.clone()} current={state.lesson}
                        on_start={cb.on_choose_lesson.clone()} on_sandbox={cb.on_sandbox.clone()}
                        on_close={cb.on_gallery.reform(|()| false)} />
                </main>
            } else {
            <main class="layout">
                <section class="main-column">
                    { parts.controls }
                    if let Some(data) = &view.data {
                        <DataConsole view={data.clone()} on_query={cb.on_query.clone()} />
                    }
                    if let Some(notice) = &state.notice {
                        <p class="notice" role="status">{ notice }</p>
                    }
                    if view.caching.is_some() {
                        { parts.diagram }
                    } else {
                        <div class="stage">{ parts.diagram }</div>
                    }
                    if view.twin.is_none() && view.caching.is_none() {
                        <Stats counters={snapshot.counters} offered_load={snapshot.offered_load}
                            cost_dollars={snapshot.cost_dollars} server_hours={snapshot.server_hours}
                            servers={parts.servers_shown} busiest_over_mean={snapshot.busiest_over_mean}
                            session_mode={snapshot.session_mode} />
                    }
                    <EventLog events={view.events.clone()} announcement={view.announcement.clone()} />
                    { parts.inspector }
                    if view.caching.is_none() {
                        { parts.charts }
                    }
                    { for parts.scaling_log }
                    if matches!(crate::panels::lesson::key_of(state.lesson), "first-look" | "scaling")
                        && view.caching.is_none() && view.data.is_none() {
                        <LoadCurve scenario={state.scenario.clone()} view={view.sweep.clone()} on_sweep={cb.on_sweep.clone()} />
                    }
                    if colour_by_user {
                        <SessionsCompare scenario={state.scenario.clone()} view={view.comparison.clone()}
                            on_compare={cb.on_compare_sessions.clone()} />
                    }
                    // ab drives the engine's pool; the caching lab is a model of its own, so a
                    // benchmark there would measure something not on screen.
                    if view.caching.is_none() {
                        <Benchmark scenario={state.scenario.clone()} view={view.benchmark.clone()} on_request={cb.on_benchmark.clone()} />
                    }
                </section>
                <aside class="side-column">
                    <Lesson chosen={state.lesson} step={state.step} on_choose={cb.on_choose_lesson.clone()} on_step={cb.on_step.clone()}
                        answers={state.answers.clone()} measured={measured} run_id={state.run_id} now_s={snapshot.now.whole_secs()}
                        on_guess={cb.on_guess.clone()} on_forget={cb.on_forget_answers.clone()} />
                    <Knobs scenario={state.scenario.clone()} error={state.knob_error.clone()} on_edit={cb.on_edit.clone()}
                        compare_with={state.compare_with} on_compare={cb.on_compare.clone()} pool_size={parts.pool_size} />
                </aside>
            </main>
            }
            if let Some(content) = &state.dialog {
                // A click on the dimmed page around the dialog closes it; one inside does not.
                <div class="overlay" onclick={cb.on_backdrop.clone()}>
                    <CopyDialog content={content.clone()} on_close={cb.on_close.clone()} />
                </div>
            }
        </div>
    }
}
