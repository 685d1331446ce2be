//! The grid of compact servers: at scale, each server is a small box coloured by its state, the
//! whole grid one component drawn again only when a box's look changes, and the new looks of
//! last second's load paced over a few frames (`use_paced_looks`).

use super::{Selection, ServerLook};
use crate::layout::NodeBox;
use crate::svg;
use std::rc::Rc;
use yew::prelude::*;

/// A compact box as drawn: its server's id, its look and its box.
pub(super) type Compact = (u32, ServerLook, NodeBox);

/// At most this many boxes take a new look of load in one frame. At 1,000 servers nearly every
/// look changes as each simulated second closes (a box shows last second's load); drawn in one
/// frame, under 4× CPU throttling that frame took 95–123 ms, a stall the eye sees once a second.
/// A change of state (health, a fault, booting, draining), a new server or a new box is drawn at
/// once; only the colour and percentage of load wait, a thousand of them for 4 frames. (Each
/// frame that changes a look repaints the whole layer of servers: 60 a frame, over 17 frames,
/// kept the median frame at 33 ms where 250 gave 16.7 ms.)
const LOAD_LOOKS_PER_FRAME: usize = 250;

/// The boxes to draw this frame, given those drawn last frame and the snapshot's (`next`), and
/// whether any new look of load still waits for a later frame.
fn paced(shown: &[Compact], next: Vec<Compact>) -> (Vec<Compact>, bool) {
    let same_boxes = shown.len() == next.len() && shown.iter().zip(&next).all(|(a, b)| a.0 == b.0 && a.2 == b.2);
    if !same_boxes {
        return (next, false);
    }
    let mut budget = LOAD_LOOKS_PER_FRAME;
    let mut waiting = false;
    let drawn = shown
        .iter()
        .zip(next)
        .map(|(old, new)| {
            let only_load = old.1 != new.1 && ServerLook { utilisation: new.1.utilisation, ..old.1.clone() } == new.1;
            if !only_load || budget > 0 {
                budget -= usize::from(only_load);
                new
            } else {
                waiting = true;
                old.clone()
            }
        })
        .collect();
    (drawn, waiting)
}

/// The compact boxes to draw (`None`: servers are drawn in full), paced by `paced`. While looks
/// wait, the diagram is drawn again next frame even if nothing else draws it (a paused run).
#[hook]
pub(super) fn use_paced_looks(next: Option<Vec<Compact>>) -> Option<Rc<Vec<Compact>>> {
    let shown = use_mut_ref(|| Rc::new(Vec::<Compact>::new()));
    let renders = use_mut_ref(|| 0u64);
    let redraw = use_force_update();
    *renders.borrow_mut() += 1;
    let (drawn, waiting) = match next {
        Some(next) => {
            let (drawn, waiting) = paced(&shown.borrow(), next);
            // Unchanged boxes keep the same Rc, so the grid's props compare equal at once.
            if **shown.borrow() != drawn {
                *shown.borrow_mut() = Rc::new(drawn);
            }
            (Some(shown.borrow().clone()), waiting)
        }
        None => (None, false),
    };
    use_effect(move || {
        // A frame that draws the diagram anyway (a playing run) makes this redraw needless.
        let frame = waiting.then(|| {
            let drawn_at = *renders.borrow();
            gloo_render::request_animation_frame(move |_| {
                if *renders.borrow() == drawn_at {
                    redraw.force_update();
                }
            })
        });
        move || drop(frame)
    });
    drawn
}

#[derive(Properties, PartialEq)]
pub(super) struct CompactServersProps {
    /// each server's id, look and box
    pub servers: Rc<Vec<Compact>>,
    pub selected: Option<u32>,
    pub on_select: Callback<Selection>,
}

/// The grid of compact servers (`CompactServer` each).
#[function_component(CompactServers)]
pub(super) fn compact_servers(props: &CompactServersProps) -> Html {
    props
        .servers
        .iter()
        .map(|&(id, ref look, b)| {
            let selected = props.selected == Some(id);
            html! { <CompactServer {id} look={look.clone()} {b} {selected} on_select={props.on_select.clone()} /> }
        })
        .collect()
}

#[derive(Properties, PartialEq)]
struct CompactServerProps {
    id: u32,
    look: ServerLook,
    b: NodeBox,
    selected: bool,
    on_select: Callback<Selection>,
}

/// One of many servers, as a box coloured by its state, with its name and how busy it is when
/// they fit (the slots and the queue are in its inspector). A component of its own so that a
/// frame redraws only the boxes whose state changed, not all of a thousand.
#[function_component(CompactServer)]
fn compact_server(props: &CompactServerProps) -> Html {
    let (id, b) = (props.id, props.b);
    let onclick = props.on_select.reform(move |_: MouseEvent| Selection::Server(id));
    let onkeydown = crate::keys::on_activate(props.on_select.clone(), Selection::Server(id));
    let (name, status) = compact_texts(id, &b, &props.look);
    let cx = svg::number(b.x + b.w / 2.0);
    html! {
        <g class={props.look.class(props.selected)} {onclick} {onkeydown} data-server={id.to_string()} role="button" tabindex="-1" aria-label={props.look.title(id)}>
            <title>{ props.look.title(id) }</title>
            <rect class="frame" x={svg::number(b.x)} y={svg::number(b.y)} width={svg::number(b.w)} height={svg::number(b.h)} rx="2" />
            if let Some(name) = name {
                <text aria-hidden="true" class="compact-name" x={cx.clone()} y={svg::number(b.y + b.h / 2.0 - if status.is_some() { 3.0 } else { -4.0 })}>{ name }</text>
            }
            if let Some(status) = status {
                <text aria-hidden="true" class="compact-status" x={cx} y={svg::number(b.y + b.h / 2.0 + 13.0)}>{ status }</text>
            }
        </g>
    }
}

/// About how wide a character of a compact box's text is, in the diagram's units.
const COMPACT_CHAR_W: f64 = 7.5;

/// The texts a compact box has room for: its name ("Server 12", or "12" when narrow), and under
/// it, in a box tall enough, how busy it is or its state.
fn compact_texts(id: u32, b: &NodeBox, look: &ServerLook) -> (Option<String>, Option<String>) {
    let fits = |text: &str| text.chars().count() as f64 * COMPACT_CHAR_W <= b.w - 6.0;
    let (long, short) = (format!("Server {}", id + 1), (id + 1).to_string());
    let name = if b.h < 16.0 {
        None
    } else if fits(&long) {
        Some(long)
    } else {
        fits(&short).then_some(short)
    };
    let status = look.status(None);
    let status = (name.is_some() && b.h >= 36.0 && fits(&status)).then_some(status);
    (name, status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::snapshot::{Fault, HealthState};

    fn look(utilisation: f64, health: HealthState) -> ServerLook {
        ServerLook {
            utilisation: Some(utilisation),
            health,
            fault: Fault::None,
            accepting: true,
            booting: false,
            weight: 1,
            price_per_hour: 0.1,
        }
    }

    fn grid(looks: impl Iterator<Item = ServerLook>) -> Vec<Compact> {
        let b = NodeBox { x: 0.0, y: 0.0, w: 10.0, h: 10.0 };
        looks.enumerate().map(|(id, look)| (id as u32, look, b)).collect()
    }

    #[test]
    fn new_looks_of_load_are_drawn_a_frame_s_share_at_a_time_and_states_at_once() {
        let n = LOAD_LOOKS_PER_FRAME * 2 + 10;
        let before = grid((0..n).map(|_| look(0.5, HealthState::Up)));
        // Every server's load changed; the last one also went down.
        let mut after = grid((0..n).map(|_| look(0.9, HealthState::Up)));
        after[n - 1].1.health = HealthState::Down;
        let (first, waiting) = paced(&before, after.clone());
        let drawn_new = |frame: &[Compact]| frame.iter().zip(&after).filter(|(a, b)| a.1 == b.1).count();
        assert!(waiting);
        assert_eq!(drawn_new(&first), LOAD_LOOKS_PER_FRAME + 1, "a frame's share, and the state change");
        assert_eq!(first[n - 1].1, after[n - 1].1);
        let (second, waiting) = paced(&first, after.clone());
        assert!(waiting);
        assert_eq!(drawn_new(&second), 2 * LOAD_LOOKS_PER_FRAME + 1);
        let (third, waiting) = paced(&second, after.clone());
        assert!(!waiting);
        assert_eq!(third, after, "all drawn by the third frame");
    }

    #[test]
    fn a_new_set_of_servers_is_drawn_whole_at_once() {
        let before = grid((0..LOAD_LOOKS_PER_FRAME * 3).map(|_| look(0.5, HealthState::Up)));
        let after = grid((0..LOAD_LOOKS_PER_FRAME * 3 + 1).map(|_| look(0.9, HealthState::Up)));
        assert_eq!(paced(&before, after.clone()), (after, false));
    }
}
