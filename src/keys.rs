//! Keyboard access to controls drawn in SVG: Enter or Space works a `role="button"` as a click
//! does, and the arrow keys (with Home and End) move between a drawing's controls, so that a
//! drawing is one tab stop however many controls it holds.

use wasm_bindgen::JsCast;
use yew::prelude::*;

/// A key handler that emits `value` on Enter or Space (a `role="button"` gets neither from the
/// browser), and keeps Space from scrolling the page.
pub fn on_activate<T: Clone + 'static>(callback: Callback<T>, value: T) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            e.stop_propagation();
            callback.emit(value.clone());
        }
    })
}

/// On a drawing (the element the handler is on), the arrow keys, Home and End move the focus to
/// the next, previous, first or last of its `role="button"` controls, in drawing order (from the
/// drawing itself, to the first or the last).
pub fn move_between_controls(e: KeyboardEvent) {
    let step: i64 = match e.key().as_str() {
        "ArrowDown" | "ArrowRight" => 1,
        "ArrowUp" | "ArrowLeft" => -1,
        "Home" => i64::MIN,
        "End" => i64::MAX,
        _ => return,
    };
    let Some(drawing) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
    let Ok(controls) = drawing.query_selector_all("[role=button]") else { return };
    let count = i64::from(controls.length());
    if count == 0 {
        return;
    }
    // Handled here: the page's own keys (→ steps the run) must not see it.
    e.prevent_default();
    e.stop_propagation();
    let focused = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    let at = (0..count).find(|&i| {
        let control = controls.item(i as u32);
        focused.as_ref().is_some_and(|f| f.is_same_node(control.as_ref()))
    });
    let next = match (step, at) {
        (i64::MIN, _) => 0,
        (i64::MAX, _) => count - 1,
        (step, Some(i)) => (i + step).rem_euclid(count),
        (step, None) if step > 0 => 0,
        (_, None) => count - 1,
    };
    if let Some(control) = controls.item(next as u32).and_then(|c| c.dyn_into::<web_sys::SvgElement>().ok()) {
        let _ = control.focus();
    }
}
