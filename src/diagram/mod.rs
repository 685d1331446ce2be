//! The live diagram: stateless SVG drawn from a snapshot and its layout. Nodes, links, a dot for
//! each request on a link (blue going out, green answered, amber refused with 503, red failed,
//! grey abandoned by its client) and a ring for each heartbeat. When sessions are modelled, the
//! dots of a request on its way or answered take their user's colour instead, so a student can
//! follow one user. Servers, the session store and request dots can be clicked.

mod compact;
mod legend;
pub mod zoom;

pub use legend::Legend;

use compact::{use_paced_looks, CompactServers};

use crate::layout::{self, Detail, Labels, Layout, NodeBox, Orientation};
use crate::svg;
use sim::snapshot::{
    Fault, Gauges, HealthState, MachineGauges, NodeKind, NodeView, RequestStatus, RequestView, ServerGauges, Snapshot,
    Tier,
};
use std::sync::atomic::{AtomicU32, Ordering};
use yew::prelude::*;
use zoom::{ScreenRect, ViewBox};

/// What can be picked on the diagram, for its inspector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Server(u32),
    SessionStore,
    /// a database server the web tier queries, by its index
    Database(u32),
    /// a user, picked by clicking one of their requests
    User(u32),
}

/// A user's own colour: hues spread by the golden angle, so neighbouring ids differ clearly.
pub fn user_colour(user: u32) -> String {
    format!("hsl({:.0}, 70%, 42%)", (f64::from(user) * 137.508) % 360.0)
}

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub snapshot: Snapshot,
    pub orientation: Orientation,
    /// what the student picked, drawn highlighted
    #[prop_or_default]
    pub selected: Option<Selection>,
    #[prop_or_default]
    pub on_select: Callback<Selection>,
    /// colour requests by user (sessions are modelled)
    #[prop_or_default]
    pub colour_by_user: bool,
    /// less motion asked for: a count on each link instead of moving dots
    #[prop_or_default]
    pub counts_only: bool,
    /// drawn at the size of its box (an embed), so that its text keeps its own size; else drawn
    /// in `orientation`'s fixed space and scaled to the box
    #[prop_or_default]
    pub fit: bool,
}

static NEXT_DIAGRAM: AtomicU32 = AtomicU32::new(0);

#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    // Marker ids are page-wide; the split view draws two diagrams.
    let marker_prefix = use_state(|| NEXT_DIAGRAM.fetch_add(1, Ordering::Relaxed));
    let snap = &props.snapshot;
    let box_size = use_box_size(props.fit);
    let lay = match *box_size {
        Some(size) if props.fit => layout::fitted(snap, size),
        _ => layout::layout(snap, props.orientation),
    };
    let link_paths: Vec<_> = snap.links.iter().map(|&link| layout::link_path(&lay, link)).collect();
    // Many servers, each a compact box, are one component that is drawn again only when a box's
    // look changes (about once a second): a frame builds no element per server.
    let compact = use_paced_looks((lay.server_detail == Detail::Compact).then(|| {
        let servers = snap.nodes.iter().zip(&lay.boxes).filter_map(|(node, b)| match (node.kind, &node.gauges) {
            (NodeKind::Server { id }, Gauges::Server(g)) => Some((id, ServerLook::of(g), *b)),
            _ => None,
        });
        servers.collect()
    }));
    let selected_server = match props.selected {
        Some(Selection::Server(id)) => Some(id),
        _ => None,
    };
    let mut grid_drawn = false;
    let nodes: Vec<Html> = snap
        .nodes
        .iter()
        .zip(&lay.boxes)
        .filter_map(|(node, b)| match (&compact, node.kind) {
            // (the grid goes where its first server is, keeping the nodes' order for the keyboard)
            (Some(servers), NodeKind::Server { .. }) => (!std::mem::replace(&mut grid_drawn, true)).then(|| {
                html! { <CompactServers servers={servers.clone()} selected={selected_server} on_select={props.on_select.clone()} /> }
            }),
            _ => Some(node_view(node, b, &lay, props)),
        })
        .collect();
    let live_counts = (lay.labels != Labels::NamesOnly)
        .then(|| snap.nodes.iter().zip(&lay.boxes).filter_map(|(node, b)| live_count(node, b)))
        .into_iter()
        .flatten();
    let heartbeats = snap.heartbeats.iter().map(|h| {
        let (x, y) = link_paths[h.link].point_at(h.position);
        let class = classes!("heartbeat", if h.passed { "passed" } else { "missed" });
        html! { <circle class={class} cx={svg::number(x)} cy={svg::number(y)} r="7" /> }
    });
    let followed = match props.selected {
        Some(Selection::User(user)) => Some(user),
        _ => None,
    };
    let placed = snap.requests.iter().map(|r| (r, link_paths[r.link].point_at(r.position)));
    // Under reduced motion: the counts to label, and those too many to label (the servers' own
    // links, once there are more busy links than labels fit).
    let (counts, unlabelled) = if props.counts_only {
        let touches_web = |i: usize| {
            let link = snap.links[i];
            [link.from, link.to].iter().any(|&n| snap.nodes.get(n).is_some_and(|n| n.tier == Tier::Web))
        };
        labelled_counts(requests_per_link(&snap.requests, link_paths.len()), touches_web)
    } else {
        (Vec::new(), 0)
    };
    // What the counts leave out: the servers' links when too many to label, and (at scale, where
    // the snapshot carries a sample of the requests) those not in the sample.
    let hidden = snap.requests_on_links - snap.requests.len();
    let left_out = match (unlabelled, hidden) {
        (0, 0) => String::new(),
        (0, hidden) => format!("{hidden} more not counted"),
        (unlabelled, 0) => format!("{unlabelled} on the servers' links"),
        (unlabelled, hidden) => format!("{unlabelled} on the servers' links; {hidden} more not counted"),
    };
    let dots = if props.counts_only {
        link_counts(&counts, &link_paths)
    } else if props.colour_by_user {
        placed.map(|(r, (x, y))| user_dot(r, x, y, followed, &props.on_select)).collect::<Html>()
    } else {
        status_dots(placed.map(|(r, point)| (r.status, point)), *marker_prefix)
    };
    let log_curves = layout::log_curves(&lay, &snap.log.links);
    let log_entries: Html = snap
        .log
        .entries
        .iter()
        .filter_map(|&(link, along)| {
            let (x, y) = layout::point_on_curve(*log_curves.get(link)?, along);
            Some(html! { <rect class="log-entry" x={svg::number(x - 3.5)} y={svg::number(y - 3.5)} width="7" height="7" /> })
        })
        .collect();
    let lag_bars = snap.log.lag.iter().filter_map(|&(node, lag)| lag_bar(lay.boxes.get(node)?, lag));
    let whole = ViewBox::whole(lay.width, lay.height);
    let zooming = use_zoom(whole, box_size.node.clone());
    let view_box = zooming.shown.attribute();
    // Two layers of one size and viewBox: the nodes and links, which change a few times a second,
    // and above them what changes every frame (dots, heartbeats, live counts). The moving layer
    // is composited on its own (CSS will-change), so a frame repaints it, not the thousand
    // servers and links beneath it (at 1,000 servers that repaint was most of a frame's work).
    html! {
        <>
        <div class={classes!("diagram-box", zooming.zoomed.then_some("zoomed"))} ref={box_size.node.clone()}
            onpointerdown={zooming.onpointerdown} onpointermove={zooming.onpointermove}
            onpointerup={zooming.onpointerup.clone()} onpointercancel={zooming.onpointerup}>
            { zooming.buttons }
            <svg class={classes!("diagram", (lay.orientation == Orientation::Tall).then_some("tall"), (lay.labels == Labels::NamesOnly).then_some("names-only"))}
                 viewBox={view_box.clone()} preserveAspectRatio="xMidYMid meet" role="group" tabindex="0"
                 aria-label="The diagram: clients send requests through a load balancer to the servers. The arrow keys move between the servers and machines; Enter opens one."
                 onkeydown={Callback::from(crate::keys::move_between_controls)}>
                <Links paths={link_paths.clone()} />
                <LogLinks curves={log_curves} />
                <g class="nodes">{ for nodes }</g>
            </svg>
            // Hidden from screen readers but for the balancer's load, which they read as before
            // the live counts moved here.
            <svg class="diagram-motion" viewBox={view_box} preserveAspectRatio="xMidYMid meet">
                <g class="live-counts">{ for live_counts }</g>
                <g aria-hidden="true">
                    <g class="heartbeats">{ for heartbeats }</g>
                    <g class="lag-bars">{ for lag_bars }</g>
                    <g class="log-entries">{ log_entries }</g>
                    <g class="dots">{ dots }</g>
                </g>
            </svg>
        </div>
        // Under the drawing, not in it: a grid of servers can reach its bottom edge.
        if props.counts_only {
            <p class="diagram-note">
                { "Motion reduced: the numbers on the links count the requests on their way" }
                if !left_out.is_empty() { { format!(" ({left_out})") } }
            </p>
        } else if hidden > 0 {
            <p class="diagram-note">{ format!("{hidden} more requests on the links are not drawn") }</p>
        }
        </>
    }
}

/// The zoom's state and handlers for one diagram (see `zoom.rs`).
struct Zooming {
    shown: ViewBox,
    zoomed: bool,
    onpointerdown: Callback<PointerEvent>,
    onpointermove: Callback<PointerEvent>,
    onpointerup: Callback<PointerEvent>,
    buttons: Html,
}

/// The fingers (or the mouse button) down on the diagram, and whether they have moved enough to
/// be a drag (whose release must not click the node under it).
#[derive(Default)]
struct Pointers {
    down: Vec<(i32, f64, f64)>,
    dragged: bool,
}

/// Moves under this many CSS px are a tap, not a drag.
const DRAG_PX: f64 = 6.0;

/// The diagram's box and, when the drawing fits it, its size [CSS px], measured as it is drawn
/// and again whenever the box changes size: the frame's, or the charts below it filling in.
struct BoxSize {
    node: NodeRef,
    size: Option<(f64, f64)>,
}

impl std::ops::Deref for BoxSize {
    type Target = Option<(f64, f64)>;

    fn deref(&self) -> &Self::Target {
        &self.size
    }
}

#[hook]
fn use_box_size(fit: bool) -> BoxSize {
    let node = use_node_ref();
    let size = use_state(|| None::<(f64, f64)>);
    {
        let (node, size) = (node.clone(), size.clone());
        use_effect_with(fit, move |&fit| {
            let element = node.cast::<web_sys::Element>();
            let measure = move || {
                if let Some(element) = node.cast::<web_sys::Element>() {
                    let r = element.get_bounding_client_rect();
                    let measured = Some((r.width().round(), r.height().round()));
                    if *size != measured && r.width() > 0.0 {
                        size.set(measured);
                    }
                }
            };
            // A ResizeObserver calls back once as it starts observing, then on each change.
            let observer = element.filter(|_| fit).and_then(|element| {
                let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(measure);
                let observer =
                    web_sys::ResizeObserver::new(wasm_bindgen::JsCast::unchecked_ref(callback.as_ref())).ok()?;
                observer.observe(&element);
                Some((observer, callback))
            });
            move || {
                if let Some((observer, _callback)) = observer {
                    observer.disconnect();
                }
            }
        });
    }
    BoxSize { node, size: *size }
}

#[hook]
fn use_zoom(whole: ViewBox, node: NodeRef) -> Zooming {
    // The box shown, for the drawing it was zoomed in (a new layout size starts whole again).
    let state = use_state(|| None::<(ViewBox, ViewBox)>);
    let shown = (*state).filter(|(of, _)| *of == whole).map_or(whole, |(_, shown)| shown);
    let pointers = use_mut_ref(Pointers::default);
    let rect = {
        let node = node.clone();
        move || {
            let r = node.cast::<web_sys::Element>()?.get_bounding_client_rect();
            Some(ScreenRect { left: r.left(), top: r.top(), width: r.width(), height: r.height() })
        }
    };
    let set = {
        let state = state.clone();
        move |next: ViewBox| state.set((next != whole).then_some((whole, next)))
    };
    // The wheel with Ctrl (a trackpad's pinch) zooms about the pointer; without Ctrl it
    // scrolls the page as ever. Not passive, so that the page itself does not zoom too.
    {
        let (node, set, rect) = (node.clone(), set.clone(), rect.clone());
        use_effect_with((shown, whole), move |&(shown, whole)| {
            let listener = node.cast::<web_sys::Element>().map(|element| {
                let options = gloo_events::EventListenerOptions::enable_prevent_default();
                gloo_events::EventListener::new_with_options(&element, "wheel", options, move |event| {
                    let Some(wheel) =
                        wasm_bindgen::JsCast::dyn_ref::<web_sys::WheelEvent>(event).filter(|w| w.ctrl_key())
                    else {
                        return;
                    };
                    let Some(rect) = rect() else { return };
                    event.prevent_default();
                    let about = shown.at(&rect, (f64::from(wheel.client_x()), f64::from(wheel.client_y())));
                    set(shown.zoomed((-wheel.delta_y() * 0.01).exp(), about, &whole));
                })
            });
            move || drop(listener)
        });
    }
    // A click that ends a drag does not reach the node under it. Caught on the window, as it
    // starts down the page: Yew's own listeners sit above the diagram, so one on the diagram
    // would hear it too late.
    {
        let (node, pointers) = (node.clone(), pointers.clone());
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|window| {
                let options = gloo_events::EventListenerOptions::run_in_capture_phase();
                gloo_events::EventListener::new_with_options(&window, "click", options, move |event| {
                    let target = event.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok());
                    let inside = node.cast::<web_sys::Element>().is_some_and(|box_| box_.contains(target.as_ref()));
                    if inside && std::mem::take(&mut pointers.borrow_mut().dragged) {
                        event.stop_immediate_propagation();
                    }
                })
            });
            move || drop(listener)
        });
    }
    let onpointerdown = {
        let pointers = pointers.clone();
        Callback::from(move |e: PointerEvent| {
            let mut p = pointers.borrow_mut();
            p.down.retain(|(id, ..)| *id != e.pointer_id());
            p.down.push((e.pointer_id(), f64::from(e.client_x()), f64::from(e.client_y())));
            p.dragged = false;
        })
    };
    let onpointermove = {
        let (pointers, set, rect) = (pointers.clone(), set.clone(), rect.clone());
        Callback::from(move |e: PointerEvent| {
            let mut p = pointers.borrow_mut();
            let (id, x, y) = (e.pointer_id(), f64::from(e.client_x()), f64::from(e.client_y()));
            let Some(i) = p.down.iter().position(|d| d.0 == id) else { return };
            let Some(rect) = rect() else { return };
            let before = p.down.clone();
            p.down[i] = (id, x, y);
            match (before.as_slice(), p.down.as_slice()) {
                // Two fingers: pinch about their midpoint.
                ([a0, b0], [a1, b1]) => {
                    let distance = |a: &(i32, f64, f64), b: &(i32, f64, f64)| (a.1 - b.1).hypot(a.2 - b.2);
                    let (was, is) = (distance(a0, b0), distance(a1, b1));
                    if was > 0.0 {
                        let about = shown.at(&rect, ((a1.1 + b1.1) / 2.0, (a1.2 + b1.2) / 2.0));
                        p.dragged = true;
                        set(shown.zoomed(is / was, about, &whole));
                    }
                }
                // One finger or the mouse, zoomed in: drag the drawing along.
                ([(_, x0, y0)], _) if shown != whole && (e.buttons() != 0 || e.pointer_type() == "touch") => {
                    let (from, to) = (shown.at(&rect, (*x0, *y0)), shown.at(&rect, (x, y)));
                    if (x - x0).hypot(y - y0) >= DRAG_PX || p.dragged {
                        p.dragged = true;
                        set(shown.moved(from.0 - to.0, from.1 - to.1, &whole));
                    } else {
                        p.down[i] = before[i];
                    }
                }
                _ => {}
            }
        })
    };
    let onpointerup = {
        let pointers = pointers.clone();
        Callback::from(move |e: PointerEvent| pointers.borrow_mut().down.retain(|(id, ..)| *id != e.pointer_id()))
    };
    let zoom_by = |factor: f64| {
        let set = set.clone();
        Callback::from(move |_: MouseEvent| {
            set(shown.zoomed(factor, (shown.x + shown.w / 2.0, shown.y + shown.h / 2.0), &whole))
        })
    };
    let zoomed = shown != whole;
    let buttons = html! {
        <div class="zoom-buttons">
            <button onclick={zoom_by(1.0 / 1.5)} disabled={!zoomed} aria-label="Zoom out of the diagram" title="Zoom out (or pinch, or Ctrl + wheel)">{ "−" }</button>
            <button onclick={zoom_by(1.5)} disabled={shown.zoom(&whole) >= 8.0} aria-label="Zoom into the diagram" title="Zoom in (or pinch, or Ctrl + wheel); drag to move about">{ "+" }</button>
            if zoomed {
                <button onclick={let set = set.clone(); Callback::from(move |_: MouseEvent| set(whole))}>{ "Whole" }</button>
            }
        </div>
    };
    Zooming { shown, zoomed, onpointerdown, onpointermove, onpointerup, buttons }
}

/// How many requests are on each link (those the snapshot carries).
fn requests_per_link(requests: &[RequestView], links: usize) -> Vec<u32> {
    let mut counts = vec![0; links];
    for r in requests {
        if let Some(count) = counts.get_mut(r.link) {
            *count += 1;
        }
    }
    counts
}

/// Busy links past this many are too many to label one by one.
const MAX_LINK_LABELS: usize = 16;

/// The counts to label, and the requests left unlabelled: past `MAX_LINK_LABELS` busy links, the
/// links for which `crowded` holds (the servers' own) are summed rather than labelled.
fn labelled_counts(mut counts: Vec<u32>, crowded: impl Fn(usize) -> bool) -> (Vec<u32>, u32) {
    let mut unlabelled = 0;
    if counts.iter().filter(|&&n| n > 0).count() > MAX_LINK_LABELS {
        for (i, count) in counts.iter_mut().enumerate() {
            if crowded(i) {
                unlabelled += std::mem::take(count);
            }
        }
    }
    (counts, unlabelled)
}

/// Each busy link's count, on a label halfway along it.
fn link_counts(counts: &[u32], paths: &[layout::LinkPath]) -> Html {
    let labels = counts.iter().zip(paths).filter(|(&n, _)| n > 0).map(|(n, path)| {
        let (x, y) = path.point_at(0.5);
        let text = n.to_string();
        let w = 8.0 + 8.0 * text.len() as f64;
        html! {
            <g class="link-count">
                <rect x={svg::number(x - w / 2.0)} y={svg::number(y - 9.0)} width={svg::number(w)} height="18" rx="4" />
                <text x={svg::number(x)} y={svg::number(y + 4.5)}>{ text }</text>
            </g>
        }
    });
    labels.collect::<Html>()
}

/// The statuses a request dot shows, in the order their layers are drawn.
const DOT_STATUSES: [RequestStatus; 5] = [
    RequestStatus::Outbound,
    RequestStatus::Answered,
    RequestStatus::Refused,
    RequestStatus::Failed,
    RequestStatus::Abandoned,
];

fn dot_class(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Outbound => "outbound",
        RequestStatus::Answered => "answered",
        RequestStatus::Refused => "refused",
        RequestStatus::Failed => "failed",
        RequestStatus::Abandoned => "abandoned",
    }
}

/// The dots coloured by status: the dots of one status are the vertices of one polyline that
/// draws a dot marker on each vertex. Five elements and five attribute writes a frame, where a
/// circle per request took two writes per dot (hundreds a frame at scale).
fn status_dots(dots: impl Iterator<Item = (RequestStatus, (f64, f64))>, marker_prefix: u32) -> Html {
    let mut points: [Vec<(f64, f64)>; DOT_STATUSES.len()] = Default::default();
    for (status, point) in dots {
        points[DOT_STATUSES.iter().position(|&s| s == status).unwrap_or(0)].push(point);
    }
    let id = |status: RequestStatus| format!("dot-{marker_prefix}-{}", dot_class(status));
    let markers = DOT_STATUSES.iter().map(|&status| {
        html! {
            <marker id={id(status)} markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" refX="6" refY="6">
                <circle class={classes!("dot", dot_class(status))} cx="6" cy="6" r="5" />
            </marker>
        }
    });
    let runs = DOT_STATUSES.iter().zip(points).filter(|(_, p)| !p.is_empty()).map(|(&status, p)| {
        // The three marker attributes rather than CSS's `marker` shorthand, which not every
        // browser takes; they only change when the diagram is new.
        let marker = format!("url(#{})", id(status));
        html! {
            <polyline class={classes!("dot-run", dot_class(status))} points={svg::points(p)}
                      marker-start={marker.clone()} marker-mid={marker.clone()} marker-end={marker} />
        }
    });
    html! { <><defs>{ for markers }</defs>{ for runs }</> }
}

/// A request dot in its user's colour (errors keep theirs), which picks the user when clicked.
fn user_dot(r: &RequestView, x: f64, y: f64, followed: Option<u32>, on_select: &Callback<Selection>) -> Html {
    let style = matches!(r.status, RequestStatus::Outbound | RequestStatus::Answered)
        .then(|| format!("fill:{}", user_colour(r.user)));
    let class = classes!(
        "dot",
        "by-user",
        dot_class(r.status),
        (followed == Some(r.user)).then_some("followed"),
        followed.is_some_and(|u| u != r.user).then_some("faded"),
    );
    let user = r.user;
    let onclick = on_select.reform(move |_: MouseEvent| Selection::User(user));
    html! {
        <circle {class} {style} {onclick} data-user={user.to_string()}
                cx={svg::number(x)} cy={svg::number(y)} r={if followed == Some(user) { "8" } else { "6" }}>
            <title>{ format!("User {}'s request: click to see their session and cookies", user + 1) }</title>
        </circle>
    }
}

/// Green below 70% busy, amber below 90%, red above: how hot a server runs.
fn heat_class(utilisation: Option<f64>) -> &'static str {
    let utilisation = utilisation.unwrap_or(0.0);
    if utilisation < 0.7 {
        "cool"
    } else if utilisation < 0.9 {
        "warm"
    } else {
        "hot"
    }
}

/// Busy over the last simulated second, as a percentage; while the first second runs, how
/// busy so far, marked "≈"; a dash before anything has run (0% would claim the servers had been
/// idle).
pub fn busy_percent(utilisation: Option<f64>, so_far: Option<f64>) -> String {
    match (utilisation, so_far) {
        (Some(u), _) => format!("{:.0}%", u * 100.0),
        (None, Some(u)) => format!("≈{:.0}%", u * 100.0),
        (None, None) => "–%".to_string(),
    }
}

/// How busy a machine is, in words for its inspector.
pub fn busy_phrase(g: &MachineGauges) -> String {
    match (g.utilisation, g.busy_so_far) {
        (Some(_), _) => format!("{} over the last second", busy_percent(g.utilisation, None)),
        (None, Some(_)) => format!("{} so far in its first second", busy_percent(None, g.busy_so_far)),
        (None, None) => "not measured yet".to_string(),
    }
}

/// What the balancer believes (from heartbeats), in words.
pub fn health_label(health: HealthState) -> &'static str {
    match health {
        HealthState::Up => "up",
        HealthState::Suspected => "suspected",
        HealthState::Down => "down",
        HealthState::Recovering => "recovering",
    }
}

/// What is really wrong with the server, in words ("" when nothing).
pub fn fault_label(fault: Fault) -> String {
    match fault {
        Fault::None => String::new(),
        Fault::Crashed => "crashed".into(),
        Fault::Hung => "hung".into(),
        Fault::Slow(factor) => format!("slow ×{factor}"),
    }
}

/// A node's name alone, centred in its box, when it fits (a small drawing's `Labels::NamesOnly`).
fn name_only(node: &NodeView, b: &NodeBox, class: &'static str, tooltip: String) -> Html {
    // About 6.8 px a character at the small drawing's 12 px bold ("Clients" is 46 px).
    let fits = node.label.chars().count() as f64 * 6.8 <= b.w - 6.0;
    html! {
        <g class={classes!("node", class)}>
            <title>{ tooltip }</title>
            <rect x={svg::number(b.x)} y={svg::number(b.y)} width={svg::number(b.w)} height={svg::number(b.h)} rx="8" />
            if fits {
                <text aria-hidden="true" class="title" x={svg::number(b.x + b.w / 2.0)} y={svg::number(b.y + b.h / 2.0 + 4.0)}>{ node.label.clone() }</text>
            }
        </g>
    }
}

fn node_view(node: &NodeView, b: &NodeBox, lay: &Layout, props: &DiagramProps) -> Html {
    let names_only = lay.labels == Labels::NamesOnly;
    match (node.kind, &node.gauges) {
        (NodeKind::Clients, &Gauges::Clients { answered }) if names_only => {
            name_only(node, b, "clients", format!("{}: {answered} answered", node.label))
        }
        (NodeKind::Balancer, &Gauges::Balancer { in_flight, queued }) if names_only => {
            let tooltip = format!("{}: {}, {}", node.label, node.caption, balancer_load(in_flight, queued));
            name_only(node, b, "balancer", tooltip)
        }
        (NodeKind::Clients, _) => html! {
            <g class="node clients">
                <rect x={svg::number(b.x)} y={svg::number(b.y)} width={svg::number(b.w)} height={svg::number(b.h)} rx="10" />
                <text aria-hidden="true" class="title" x={svg::number(b.x + b.w / 2.0)} y={svg::number(b.y + 32.0)}>{ node.label.clone() }</text>
            </g>
        },
        (NodeKind::Balancer, _) => html! {
            <g class="node balancer">
                <rect x={svg::number(b.x)} y={svg::number(b.y)} width={svg::number(b.w)} height={svg::number(b.h)} rx="10" />
                <text aria-hidden="true" class="title" x={svg::number(b.x + b.w / 2.0)} y={svg::number(b.y + 30.0)}>{ node.label.clone() }</text>
                <text aria-hidden="true" class="sub" x={svg::number(b.x + b.w / 2.0)} y={svg::number(b.y + 52.0)}>{ node.caption.clone() }</text>
            </g>
        },
        (NodeKind::Server { id }, Gauges::Server(g)) => {
            // (compact servers are drawn together: `CompactServers`)
            server_view(id, g, b, props.selected == Some(Selection::Server(id)), &props.on_select)
        }
        (NodeKind::SessionStore, Gauges::Store(g)) => {
            let selected = props.selected == Some(Selection::SessionStore);
            let title =
                format!("Session store: {}, {} operations. Click to crash or recover it.", machine_state(g), g.served);
            machine_node(
                node,
                g,
                b,
                "store",
                "session-store",
                title,
                selected,
                (Selection::SessionStore, &props.on_select),
                names_only,
            )
        }
        (NodeKind::Database { index }, Gauges::Store(g)) => {
            let selected = props.selected == Some(Selection::Database(index));
            let lag = if node.caption.is_empty() { String::new() } else { format!(", {}", node.caption) };
            let title = format!(
                "{}: {}{lag}, {} query shares done. Click to crash or recover it.",
                node.label,
                machine_state(g),
                g.served
            );
            let pick = (Selection::Database(index), &props.on_select);
            machine_node(node, g, b, "database", &format!("database-{index}"), title, selected, pick, names_only)
        }
        (NodeKind::Router, &Gauges::Router { in_flight }) => html! {
            <g class="node balancer router" data-node="router">
                <title>{ format!("Router: sends each query to the shards that hold its rows ({}), {in_flight} queries gathering", node.caption) }</title>
                <rect x={svg::number(b.x)} y={svg::number(b.y)} width={svg::number(b.w)} height={svg::number(b.h)} rx="10" />
                <text aria-hidden="true" class="title" x={svg::number(b.x + b.w / 2.0)} y={svg::number(b.y + b.h / 2.0 + if names_only { 4.0 } else { -4.0 })}>{ node.label.clone() }</text>
            </g>
        },
        // A node and gauges of different kinds: the engine never makes one.
        _ => html! {},
    }
}

/// A node's count that changes every frame (the clients' answers, the balancer's load, the
/// router's queries), drawn in the moving layer: any change in the nodes' layer repaints all of
/// it, at scale a thousand servers and links, and these changed in every frame.
fn live_count(node: &NodeView, b: &NodeBox) -> Option<Html> {
    let (kind, y, text, queued) = match (node.kind, &node.gauges) {
        (NodeKind::Clients, &Gauges::Clients { answered }) => {
            ("clients", b.y + 56.0, format!("{answered} answered"), false)
        }
        (NodeKind::Balancer, &Gauges::Balancer { in_flight, queued }) => {
            ("balancer", b.y + 74.0, balancer_load(in_flight, queued), queued > 0)
        }
        (NodeKind::Router, &Gauges::Router { in_flight }) => {
            ("router", b.y + b.h / 2.0 + 16.0, format!("{in_flight} in flight"), false)
        }
        _ => return None,
    };
    let class = classes!("live-count", kind, queued.then_some("queued"));
    // (the stats line says the totals; only the balancer's load was read out in the diagram)
    let hidden = (kind != "balancer").then_some("true");
    Some(
        html! { <text {class} aria-hidden={hidden} x={svg::number(b.x + b.w / 2.0)} y={svg::number(y)}>{ text }</text> },
    )
}

/// A machine's state in words: down, or how busy, with its threads and queue.
fn machine_state(g: &MachineGauges) -> String {
    let state = if g.fault == Fault::Crashed {
        "down".to_string()
    } else {
        format!("{} busy", busy_percent(g.utilisation, g.busy_so_far))
    };
    format!("{state}, {}/{} threads busy, {}/{} queued", g.busy_slots, g.slots, g.queue_len, g.queue_limit)
}

/// A machine the web servers use (the session store, a database server): its name, how busy,
/// and its queue, coloured by how hot it runs; a click, or Enter on it, picks it (`pick`).
#[allow(clippy::too_many_arguments)]
fn machine_node(
    node: &NodeView,
    g: &MachineGauges,
    b: &NodeBox,
    kind: &'static str,
    data_node: &str,
    title: String,
    selected: bool,
    (picked, on_select): (Selection, &Callback<Selection>),
    names_only: bool,
) -> Html {
    let onclick = on_select.reform(move |_: MouseEvent| picked);
    let onkeydown = crate::keys::on_activate(on_select.clone(), picked);
    let class = classes!(
        "node",
        "machine",
        kind,
        heat_class(g.utilisation),
        (g.fault != Fault::None).then_some("faulty"),
        selected.then_some("selected"),
    );
    let state = if g.fault == Fault::Crashed {
        "down".to_string()
    } else {
        format!("{} busy", busy_percent(g.utilisation, g.busy_so_far))
    };
    let cx = b.x + b.w / 2.0;
    // Short boxes (a grid of shards) keep the name and how busy; the queue needs room below.
    let step = (b.h / 4.0).min(22.0);
    // A box narrower than its name (a grid of many shards and replicas) shows its colour only:
    // its title names it (about 7.5 px a character at the title's size).
    let named = node.label.chars().count() as f64 * 7.5 <= b.w - 4.0;
    // A small drawing's boxes say their names only (`Labels::NamesOnly`).
    let subs = named && !names_only;
    html! {
        <g class={class} {onclick} data-node={data_node.to_string()}>
            // The control holds no text: its name is its state in words (the text drawn is for the eye).
            <g class="control" role="button" tabindex="-1" aria-label={title.clone()} {onkeydown}>
                <title>{ title }</title>
                <rect class="frame" x={svg::number(b.x)} y={svg::number(b.y)} width={svg::number(b.w)} height={svg::number(b.h)} rx="10" />
            </g>
            if named {
                // (alone, in a small drawing or a box too short for a second line, the name sits
                // in its middle)
                <text aria-hidden="true" class="title" x={svg::number(cx)} y={svg::number(if subs && step >= 12.0 { b.y + step + 2.0 } else { b.y + b.h / 2.0 + 4.5 })}>{ node.label.clone() }</text>
            }
            if subs && step >= 12.0 {
                // (a box too short for two lines keeps its name; its title says the rest)
                <text aria-hidden="true" class="sub" x={svg::number(cx)} y={svg::number(b.y + 2.0 * step + 2.0)}>{ state }</text>
            }
            if subs && b.h >= 60.0 {
                // A replica's lag (or the primary's log position, and the reads that missed their
                // user's own write) says more than its queue.
                <text aria-hidden="true" class="sub" x={svg::number(cx)} y={svg::number(b.y + 3.0 * step + 2.0)}>
                    { if node.caption.is_empty() { format!("q {}/{}", g.queue_len, g.queue_limit) } else { node.caption.clone() } }
                </text>
            }
        </g>
    }
}

fn server_view(id: u32, g: &ServerGauges, b: &NodeBox, selected: bool, on_select: &Callback<Selection>) -> Html {
    let look = ServerLook::of(g);
    let onclick = on_select.reform(move |_: MouseEvent| Selection::Server(id));
    let onkeydown = crate::keys::on_activate(on_select.clone(), Selection::Server(id));
    let m = &g.machine;
    let fault = fault_label(m.fault);
    let inner_w = b.w - 16.0;
    let slot_w = inner_w / f64::from(m.slots.clamp(1, 64));
    let slots = (0..m.slots.min(64)).map(|i| {
        let busy = i < m.busy_slots;
        html! {
            <rect class={if busy { "slot busy" } else { "slot" }}
                  x={svg::number(b.x + 8.0 + f64::from(i) * slot_w)} y={svg::number(b.y + 26.0)}
                  width={svg::number((slot_w - 2.0).max(1.0))} height="8" />
        }
    });
    let queue_fill = if m.queue_limit == 0 { 0.0 } else { f64::from(m.queue_len) / f64::from(m.queue_limit) };
    let status = look.status(g.machine.busy_so_far);
    // The name gives way to its number when the state beside it would overprint it
    // ("Server 10" and "recovering" in a narrow box); the title still says "Server 10".
    let name = format!("Server {}", id + 1);
    let crowded = name.chars().count() as f64 * 8.0 + status.chars().count() as f64 * 6.6 > b.w - 20.0;
    let name = if crowded { (id + 1).to_string() } else { name };
    html! {
        <g class={look.class(selected)} {onclick} data-server={id.to_string()}>
            // The control holds no text: its name is its state in words (the text drawn is for the eye).
            <g class="control" role="button" tabindex="-1" aria-label={look.title(id)} {onkeydown}>
                <title>{ look.title(id) }</title>
                <rect class="frame" x={svg::number(b.x)} y={svg::number(b.y)} width={svg::number(b.w)} height={svg::number(b.h)} rx="8" />
            </g>
            <text aria-hidden="true" class="label" x={svg::number(b.x + 8.0)} y={svg::number(b.y + 17.0)}>{ name }</text>
            <text aria-hidden="true" class="util" x={svg::number(b.x + b.w - 8.0)} y={svg::number(b.y + 17.0)}>{ status }</text>
            { for slots }
            <rect class="queue-track" x={svg::number(b.x + 8.0)} y={svg::number(b.y + 38.0)} width={svg::number(inner_w * 0.45)} height="6" />
            <rect class="queue-fill" x={svg::number(b.x + 8.0)} y={svg::number(b.y + 38.0)} width={svg::number(inner_w * 0.45 * queue_fill)} height="6" />
            <text aria-hidden="true" class="queue-text" x={svg::number(b.x + b.w - 8.0)} y={svg::number(b.y + 45.0)}>{ format!("q {}/{}", m.queue_len, m.queue_limit) }</text>
            if b.h >= 64.0 {
                <text aria-hidden="true" class="served" x={svg::number(b.x + 8.0)} y={svg::number(b.y + 62.0)}>
                    { format!("{} served{}", m.served, if fault.is_empty() { String::new() } else { format!(" · {fault}") }) }
                </text>
            }
        </g>
    }
}

/// A replica's lag, as a bar along its box's foot: full at the stale bound, red past it.
fn lag_bar(b: &layout::NodeBox, lag: f64) -> Option<Html> {
    if b.h < 40.0 {
        return None; // a grid of small boxes: the caption and title say it
    }
    let (x, y, w) = (b.x + 8.0, b.y + b.h - 7.0, b.w - 16.0);
    let class = classes!("lag-fill", (lag >= 1.0).then_some("stale"));
    Some(html! {
        <g class="lag-bar">
            <rect class="lag-track" x={svg::number(x)} y={svg::number(y)} width={svg::number(w)} height="3" />
            <rect class={class} x={svg::number(x)} y={svg::number(y)} width={svg::number(w * lag.clamp(0.0, 1.0))} height="3" />
        </g>
    })
}

#[derive(Properties, PartialEq)]
struct LogLinksProps {
    curves: Vec<[(f64, f64); 3]>,
}

/// Each primary's log to each of its replicas, drawn again only when the layout moves them.
#[function_component(LogLinks)]
fn log_links(props: &LogLinksProps) -> Html {
    let paths = props.curves.iter().map(|&[(x0, y0), (cx, cy), (x1, y1)]| {
        let d = format!(
            "M{} {} Q{} {} {} {}",
            svg::number(x0),
            svg::number(y0),
            svg::number(cx),
            svg::number(cy),
            svg::number(x1),
            svg::number(y1)
        );
        html! { <path class="log-link" {d} /> }
    });
    html! { <g class="log-links">{ for paths }</g> }
}

#[derive(Properties, PartialEq)]
struct LinksProps {
    paths: Vec<layout::LinkPath>,
}

/// The links, drawn again only when the layout moves them (a thousand lines otherwise cost
/// their attribute strings every frame).
#[function_component(Links)]
fn links(props: &LinksProps) -> Html {
    let lines = props.paths.iter().map(|path| {
        html! { <polyline class="link" points={svg::points(path.points().iter().copied())} /> }
    });
    html! { <g class="links">{ for lines }</g> }
}

/// The part of a server's gauges that changes slowly (health, faults, last second's
/// utilisation, size and price): all a compact square shows, and its tooltip.
#[derive(Clone, PartialEq)]
#[cfg_attr(test, derive(Debug))]
struct ServerLook {
    utilisation: Option<f64>,
    health: HealthState,
    fault: Fault,
    accepting: bool,
    booting: bool,
    weight: u32,
    price_per_hour: f64,
}

impl ServerLook {
    fn of(g: &ServerGauges) -> Self {
        ServerLook {
            utilisation: g.machine.utilisation,
            health: g.health,
            fault: g.machine.fault,
            accepting: g.accepting,
            booting: g.booting,
            weight: g.weight,
            price_per_hour: g.price_per_hour,
        }
    }

    fn class(&self, selected: bool) -> Classes {
        classes!(
            "node",
            "server",
            heat_class(self.utilisation),
            health_label(self.health),
            (!self.accepting).then_some("draining"),
            self.booting.then_some("booting"),
            (self.fault != Fault::None).then_some("faulty"),
            selected.then_some("selected"),
        )
    }

    /// What matters most, in a word: booting, draining, how busy (`so_far` in the first second,
    /// which a full box shows; a compact one, redrawn only when its look changes, waits for the
    /// second to close), or what heartbeats say.
    fn status(&self, so_far: Option<f64>) -> String {
        if self.booting {
            "booting".to_string()
        } else if !self.accepting {
            "draining".to_string()
        } else if self.health == HealthState::Up && self.fault == Fault::None {
            busy_percent(self.utilisation, so_far)
        } else {
            health_label(self.health).to_string()
        }
    }

    /// The tooltip. The live slot and queue counts are drawn, and in the inspector a click opens;
    /// a tooltip does not follow them, and text that changed every frame would cost a DOM write
    /// per server per frame.
    fn title(&self, id: u32) -> String {
        let fault = fault_label(self.fault);
        format!(
            "Server {}: {}{} by heartbeats{}{}; {} busy over the last second, weight {}, ${:.3}/h. Click for its live numbers and actions.",
            id + 1,
            if self.booting { "booting, " } else { "" },
            health_label(self.health),
            if fault.is_empty() { String::new() } else { format!(", really {fault}") },
            if self.accepting { "" } else { ", draining" },
            busy_percent(self.utilisation, None),
            self.weight,
            self.price_per_hour,
        )
    }
}

/// The balancer's last line: requests in flight, or while any wait in its queues (HAProxy `first`
/// with every server full, or persistence naming a full server) how many (the stats line under
/// the diagram keeps the total).
fn balancer_load(in_flight: u32, queued: u32) -> String {
    if queued == 0 {
        format!("{in_flight} in flight")
    } else {
        format!("{queued} queued for a slot")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_link_counts_the_requests_on_it() {
        let on = |link| RequestView { user: 0, link, position: 0.5, status: RequestStatus::Outbound };
        assert_eq!(requests_per_link(&[on(0), on(2), on(2), on(2)], 3), [1, 0, 3]);
        // A request on a link the snapshot does not have (none should be) is not counted.
        assert_eq!(requests_per_link(&[on(5)], 2), [0, 0]);
    }

    #[test]
    fn past_sixteen_busy_links_the_servers_links_are_summed_not_labelled() {
        let few = vec![3, 0, 2, 1];
        assert_eq!(labelled_counts(few.clone(), |i| i > 0), (few, 0), "few links: all labelled");
        // Link 0 is the clients', links 1 to 20 the servers'.
        let many: Vec<u32> = (0..21).map(|i| if i == 0 { 9 } else { 2 }).collect();
        let (counts, unlabelled) = labelled_counts(many, |i| i > 0);
        assert_eq!((counts[0], counts[1..].iter().sum::<u32>(), unlabelled), (9, 0, 40));
    }
}
