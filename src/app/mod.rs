//! The top level: the state (`state`), the hooks that drive the live run and listen to the page
//! (`hooks`), and one module per layout (`full`, `embedded`). This file builds what both layouts
//! show (`Parts`) from the state and the frame, and picks the layout.

mod embedded;
mod full;
pub mod hooks;
mod host_link;
pub mod state;

pub use state::{Action, AppState, POOL_FIELD};

use crate::diagram::{Diagram, Legend, Selection};
use crate::layout::Orientation;
use crate::panels::cache_lab::CacheLab;
use crate::panels::charts::{Charts, ProfileChart};
use crate::panels::controls::Controls;
use crate::panels::scaling_log::ScalingLog;
use crate::panels::server_panel::ServerPanel;
use crate::panels::stats::Stats;
use crate::panels::store_panel::StorePanel;
use crate::panels::user_panel::UserPanel;
use crate::player::FrameView;
use crate::share;
use hooks::Callbacks;
use sim::snapshot::{Gauges, NodeKind, Snapshot};
use sim::Command;
use yew::prelude::*;

/// The window's width [CSS px], which picks the diagram's orientation.
fn window_width() -> f64 {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(1024.0)
}

fn window_height() -> f64 {
    web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|v| v.as_f64()).unwrap_or(768.0)
}

/// What both layouts show, built once per render.
pub struct Parts {
    pub controls: Html,
    /// the diagram (or the split view's two, or the caching lab in its place)
    pub diagram: Html,
    pub charts: Html,
    /// the inspector of what is selected (a server, the store, a user)
    pub inspector: Html,
    pub scaling_log: Option<Html>,
    /// servers drawn, and servers in the pool (not draining)
    pub servers_shown: usize,
    pub pool_size: u32,
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| AppState::from_boot(share::boot()));
    let (player, frame) = hooks::use_live_run(&state);
    let callbacks = hooks::use_callbacks(&state, &player, &frame);
    hooks::use_keyboard(state.dispatcher(), callbacks.playback.on_step.clone());
    hooks::use_redraw_on_resize();
    hooks::use_inspector_in_view(state.selected);
    host_link::use_host_api(&state, &player, &frame);
    let parts = parts(&state, &frame, &callbacks);
    if state.embed {
        embedded::page(&state, &frame, parts)
    } else {
        full::page(&state, &frame, parts, &callbacks)
    }
}

fn is_server(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::Server { .. })
}

fn parts(state: &AppState, view: &FrameView, cb: &Callbacks) -> Parts {
    let controls = html! {
        <Controls playing={state.playing} speed={state.speed} seed={state.scenario.seed}
            now_s={view.snapshot.now.as_secs_f64()} reached_s={view.reached_s} last_seek={view.last_seek.clone()} lagging={view.lagging} compact={state.embed}
            playback={cb.playback.clone()}
            on_add_server={view.caching.is_none().then(|| cb.on_command.reform(|()| Command::AddServer))} />
    };
    let nodes = &view.snapshot.nodes;
    let servers_shown = nodes.iter().filter(|n| is_server(n.kind)).count();
    let pool_size = nodes.iter().filter(|n| n.gauges.server().is_some_and(|g| g.accepting)).count() as u32;
    let autoscaling = view.autoscaling.as_ref().map(|a| (a.recent.clone(), a.slo_p95_ms));
    let profile = &state.scenario.clients.profile;
    let charts = html! {
        <>
            <Charts series={view.series.clone()} so_far={view.so_far} twin={view.twin.as_ref().map(|t| t.series.clone())}
                twin_so_far={view.twin.as_ref().and_then(|t| t.so_far)} autoscaling={autoscaling}
                changes={view.changes.clone()} seconds_per_point={view.seconds_per_point} zoom={state.chart_zoom}
                on_zoom={(!state.embed).then(|| cb.on_zoom.clone())} />
            if profile.varies() {
                <ProfileChart profile={profile.clone()} constant={state.scenario.clients.arrival_rate}
                    now_s={view.snapshot.now.as_secs_f64()} />
            }
        </>
    };
    Parts {
        controls,
        diagram: diagram(state, view, cb, servers_shown),
        charts,
        inspector: inspector(state, view, cb),
        scaling_log: view.autoscaling.as_ref().map(|a| {
            html! { <ScalingLog view={a.clone()} config={state.scenario.autoscaler.clone()} /> }
        }),
        servers_shown,
        pool_size,
    }
}

fn inspector(state: &AppState, view: &FrameView, cb: &Callbacks) -> Html {
    let gauges_of = |kind: NodeKind| view.snapshot.nodes.iter().find(|n| n.kind == kind).map(|n| n.gauges);
    let server_gauges = |kind| gauges_of(kind).as_ref().and_then(Gauges::server).copied();
    let store_gauges = |kind| gauges_of(kind).as_ref().and_then(Gauges::machine).copied();
    let (on_command, on_close) = (cb.on_command.clone(), cb.on_deselect.clone());
    match state.selected {
        None => html! {},
        Some(Selection::Server(server)) => html! {
            <ServerPanel server={server} gauges={server_gauges(NodeKind::Server { id: server })} {on_command} {on_close} />
        },
        Some(Selection::SessionStore) => html! {
            <StorePanel heading="Session store" done="reads and writes"
                note="Every request reads its session here first and writes it back at the end, holding its server slot meanwhile. Here the store keeps its sessions through a crash (a database, or Redis with persistence on), but nothing can be read or written until it recovers."
                crash={Command::CrashStore} recover={Command::RecoverStore}
                gauges={store_gauges(NodeKind::SessionStore)} {on_command} {on_close} />
        },
        Some(Selection::Database(index)) => {
            let name = database_name(view, index);
            // A replica can be promoted by hand (the run refuses while the primary is up).
            // ("Replica 2", or a shard's: "-80 replica 2")
            let replica = name.to_ascii_lowercase().contains("replica");
            let promote = replica.then_some(Command::PromoteDatabase { server: index });
            let multi_primary = view.data.as_ref().is_some_and(|d| d.multi_primary.is_some());
            let link = if multi_primary {
                Some((Command::CutRegion { server: index }, Command::HealRegion { server: index }))
            } else {
                replica
                    .then_some((Command::CutReplicaLink { server: index }, Command::HealReplicaLink { server: index }))
            };
            html! {
                <StorePanel heading={name} done="query shares"
                    note="Every request runs one query here (or on each shard its query needs) before its server does its own work, holding its server slot meanwhile. A crashed database server keeps its rows, but every query that needs it fails until it recovers: on a sharded layout, only the queries that reach this shard. A crashed primary is replaced by its most up-to-date replica once heartbeats declare it down; an old primary comes back fenced, rebuilt as a replica."
                    crash={Command::CrashDatabase { server: index }} recover={Command::RecoverDatabase { server: index }}
                    {promote} {link} gauges={store_gauges(NodeKind::Database { index })} {on_command} {on_close} />
            }
        }
        Some(Selection::User(user)) => html! {
            <UserPanel user={user} view={view.user.clone()} mode={state.scenario.sessions.mode}
                now_s={view.snapshot.now.whole_secs()} {on_command} {on_close} />
        },
    }
}

/// A database server's name as the diagram shows it ("Database", "Shard -40").
fn database_name(view: &FrameView, index: u32) -> AttrValue {
    let node = view.snapshot.nodes.iter().find(|n| n.kind == NodeKind::Database { index });
    node.map_or_else(|| AttrValue::from("Database server"), |n| AttrValue::from(n.label.clone()))
}

/// The diagram: one run's, the split view's two side by side (stacked on phones), or the caching
/// lab, which draws its own path, figures, charts and inspector.
fn diagram(state: &AppState, view: &FrameView, cb: &Callbacks, servers_shown: usize) -> Html {
    // An embed's frame is chosen by its shape: a wide frame (640×400) gets the wide drawing of
    // what draws in a fixed space (the caching lab), as a phone's narrow screen gets the tall.
    let orientation = match (state.embed, window_width()) {
        (true, width) if width >= 640.0 && width >= window_height() => Orientation::Wide,
        (_, width) => Orientation::for_width(width),
    };
    let colour_by_user = state.scenario.sessions.mode != sim::scenario::SessionMode::None;
    // One run's diagram (and, in the split view, its caption and totals).
    let run_view = |snapshot: &Snapshot, caption: Option<(&str, &str)>| {
        let diagram = html! {
            <Diagram snapshot={snapshot.clone()} orientation={orientation} selected={state.selected}
                on_select={cb.on_select.clone()} colour_by_user={colour_by_user} counts_only={state.reduced_motion}
                fit={state.embed} />
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
    // One legend under the diagram, or under both of the split view's.
    let legend = html! {
        <Legend heartbeats={state.scenario.health_check.enabled} colour_by_user={colour_by_user}
            replication={!view.snapshot.log.links.is_empty()}
            hidden={state.embed || orientation == Orientation::Tall} />
    };
    match (&view.caching, &view.twin) {
        (Some(lab), _) => {
            html! { <CacheLab view={lab.clone()} orientation={orientation} on_action={cb.on_lab_action.clone()} /> }
        }
        (None, None) => html! { <>{ run_view(&view.snapshot, None) }{ legend }</> },
        (None, Some(twin)) => html! {
            <>
                <div class={classes!("split", (orientation == Orientation::Tall).then_some("stacked"))}>
                    { run_view(&view.snapshot, Some(("A", twin.variant.label_of_base(&state.scenario)))) }
                    { run_view(&twin.snapshot, Some(("B", twin.variant.label()))) }
                </div>
                { legend }
            </>
        },
    }
}
