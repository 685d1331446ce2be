//! Browser tests: wasm-bindgen-test in headless Chromium. The sim gives the same figures in wasm as
//! natively (compared with the pinned native run), and the Yew components render and respond.
#![cfg(target_arch = "wasm32")]

use scalelab::diagram::{Diagram, DiagramProps, Selection};
use scalelab::layout::Orientation;
use scalelab::panels::controls::{Controls, ControlsProps, Playback};
use scalelab::panels::knob_table::KnobError;
use scalelab::panels::knobs::{Knobs, KnobsProps};
use sim::{Scenario, Sim, SimTime, Summary};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element to mount one component in.
fn mount_point() -> web_sys::Element {
    let document = gloo_document();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

fn gloo_document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn count(root: &web_sys::Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

/// Request dots drawn as vertices of the status polylines.
fn dot_vertices(root: &web_sys::Element) -> u32 {
    let runs = root.query_selector_all("polyline.dot-run").unwrap();
    (0..runs.length())
        .map(|i| {
            let run: web_sys::Element = runs.item(i).unwrap().unchecked_into();
            run.get_attribute("points").unwrap().split(' ').count() as u32
        })
        .sum()
}

#[wasm_bindgen_test]
fn the_sim_gives_the_pinned_native_figures_in_wasm() {
    let pinned: Summary =
        serde_json::from_str(include_str!("../crates/sim/tests/fixtures/default_seed42_10s.json")).unwrap();
    let summary = sim::run_for(Scenario::default().validate().unwrap(), SimTime::from_secs(10));
    assert_eq!(summary, pinned);
}

#[wasm_bindgen_test]
fn the_caching_lab_gives_the_pinned_native_figures_in_wasm() {
    let pinned: sim::caching::LabCounters =
        serde_json::from_str(include_str!("../crates/sim/tests/fixtures/caching_stampede_30s.json")).unwrap();
    let scenario = (sim::presets::find("caching-stampede").unwrap().build)();
    let mut run = sim::Sim::new(scenario.validate().unwrap());
    run.run_until(SimTime::from_secs(30));
    assert_eq!(run.lab().unwrap().counters(), &pinned);
}

/// Draws `snapshot` in a fresh element; returns the element and what the last click picked.
async fn mount_diagram(
    snapshot: sim::Snapshot,
    selected: Option<Selection>,
    colour_by_user: bool,
) -> (web_sys::Element, Rc<Cell<Option<Selection>>>) {
    let root = mount_point();
    let picked = Rc::new(Cell::new(None));
    let props = DiagramProps {
        snapshot,
        orientation: Orientation::Wide,
        selected,
        on_select: {
            let p = picked.clone();
            Callback::from(move |choice| p.set(Some(choice)))
        },
        colour_by_user,
        counts_only: false,
        fit: false,
    };
    yew::Renderer::<Diagram>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    (root, picked)
}

fn click(root: &web_sys::Element, selector: &str) -> web_sys::HtmlElement {
    let element: web_sys::HtmlElement = root.query_selector(selector).unwrap().unwrap().unchecked_into();
    element.dispatch_event(&web_sys::MouseEvent::new("click").unwrap()).unwrap();
    element
}

#[wasm_bindgen_test]
async fn the_diagram_draws_every_node_and_the_requests_on_links() {
    let mut sim = Sim::new(Scenario::default().validate().unwrap());
    sim.run_until(SimTime::from_millis(700));
    let snapshot = sim.snapshot(400);
    let dots = snapshot.requests.len() as u32;
    assert!(dots > 0);
    let (root, picked) = mount_diagram(snapshot, Some(Selection::Server(2)), false).await;
    assert_eq!(count(&root, ".node.server"), 4);
    assert_eq!(count(&root, ".node.balancer"), 1);
    // Coloured by status, the dots of a status are the vertices of one polyline, a marker each.
    assert_eq!(dot_vertices(&root), dots);
    assert_eq!(count(&root, "circle.dot:not(marker circle)"), 0);
    assert!(root.text_content().unwrap().contains("Round robin"));
    assert_eq!(count(&root, ".node.server.selected"), 1);
    click(&root, ".node.server[data-server='3']");
    assert_eq!(picked.get(), Some(Selection::Server(3)));
}

#[wasm_bindgen_test]
async fn with_sessions_each_user_has_a_colour_and_a_dot_picks_its_user() {
    let mut scenario = Scenario::default();
    scenario.sessions.mode = sim::scenario::SessionMode::Database;
    let mut sim = Sim::new(scenario.validate().unwrap());
    sim.run_until(SimTime::from_millis(700));
    let snapshot = sim.snapshot(400);
    let first_user =
        snapshot.requests.iter().find(|r| r.status == sim::snapshot::RequestStatus::Outbound).unwrap().user;
    let (root, picked) = mount_diagram(snapshot, None, true).await;
    assert_eq!(count(&root, "[data-node='session-store']"), 1);
    let dot = click(&root, &format!(".dot.by-user.outbound[data-user='{first_user}']"));
    assert!(dot.get_attribute("style").unwrap().starts_with("fill:hsl("));
    assert_eq!(picked.get(), Some(Selection::User(first_user)));
}

#[wasm_bindgen_test]
async fn the_controls_emit_play_and_step() {
    let toggles = Rc::new(Cell::new(0));
    let steps = Rc::new(Cell::new(0));
    let props = ControlsProps {
        playing: false,
        speed: 1.0,
        seed: 42,
        now_s: 1.5,
        reached_s: 1.5,
        last_seek: None,
        lagging: false,
        compact: false,
        playback: Playback {
            on_toggle: {
                let t = toggles.clone();
                Callback::from(move |()| t.set(t.get() + 1))
            },
            on_step: {
                let s = steps.clone();
                Callback::from(move |()| s.set(s.get() + 1))
            },
            on_restart: Callback::noop(),
            on_speed: Callback::noop(),
            on_seek: Callback::noop(),
            on_seed: Callback::noop(),
            on_share: Callback::noop(),
            on_embed: Callback::noop(),
            on_export: Callback::noop(),
        },
        on_add_server: Some(Callback::noop()),
    };
    let root = mount_point();
    yew::Renderer::<Controls>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    let buttons = root.query_selector_all("button").unwrap();
    let button = |i: u32| buttons.item(i).unwrap().dyn_into::<web_sys::HtmlElement>().unwrap();
    assert_eq!(button(0).text_content().unwrap(), "▶ Play");
    button(0).click();
    button(1).click();
    button(1).click();
    assert_eq!((toggles.get(), steps.get()), (1, 2));
    assert!(root.text_content().unwrap().contains("t = 1.500000 s"), "paused: microseconds");
}

#[wasm_bindgen_test]
async fn a_knob_edit_reaches_the_app_and_errors_show_beside_their_field() {
    let edits = Rc::new(std::cell::RefCell::new(Vec::new()));
    let props = KnobsProps {
        scenario: Scenario::default(),
        error: Some(KnobError { field: "servers.count", message: "must be between 1 and 1,000".into() }),
        on_edit: {
            let e = edits.clone();
            Callback::from(move |edit| e.borrow_mut().push(edit))
        },
        compare_with: None,
        on_compare: Callback::noop(),
        pool_size: None,
    };
    let root = mount_point();
    yew::Renderer::<Knobs>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    let invalid = root.query_selector(".knob.invalid").unwrap().unwrap();
    assert!(invalid.text_content().unwrap().contains("must be between 1 and 1,000"));
    let input: web_sys::HtmlInputElement =
        root.query_selector("input[data-field='servers.count']").unwrap().unwrap().dyn_into().unwrap();
    input.set_value("6");
    input.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    assert_eq!(edits.borrow().as_slice(), &[("servers.count", "6".to_string())]);
}

#[wasm_bindgen_test]
async fn the_whole_app_mounts_and_runs() {
    let root = mount_point();
    yew::Renderer::<scalelab::app::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    assert!(root.text_content().unwrap().contains("Scalelab"));
    assert_eq!(count(&root, "svg.diagram"), 1);
    assert_eq!(count(&root, ".chart"), 4);
    assert!(count(&root, ".knobs input[data-field='servers.count']") == 1);
    assert_eq!(count(&root, ".lesson .presets button"), 2);
}
