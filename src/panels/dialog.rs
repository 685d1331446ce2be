//! A small dialog that shows text to copy (a share link or an iframe snippet), or a list to read
//! (the keyboard's shortcuts). It is modal: the
//! focus moves into it when it opens, Tab and Shift+Tab stay inside it, and when it closes the
//! focus goes back to what had it (the button that opened it).

use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct DialogContent {
    pub title: String,
    pub explanation: String,
    /// what to copy (shown with a Copy button)
    pub text: Option<String>,
    /// or lines to read: a term and what it does
    pub list: Vec<(&'static str, &'static str)>,
}

impl DialogContent {
    /// The keyboard's shortcuts, as the `?` key shows them.
    pub fn shortcuts() -> DialogContent {
        DialogContent {
            title: "Keyboard shortcuts".into(),
            explanation: "Off while you type in a field.".into(),
            text: None,
            list: vec![
                ("Space", "play or pause"),
                ("→", "step: run one event"),
                ("Tab", "move between controls; the diagram is one stop"),
                ("↑ ↓ ← →, Home, End", "in the diagram: move between servers and database machines"),
                ("Enter", "open the focused server's or machine's inspector"),
                ("Escape", "close this, a dialog, or the inspector"),
                ("?", "show this list"),
            ],
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct DialogProps {
    pub content: DialogContent,
    pub on_close: Callback<()>,
}

fn focused() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

fn focus(element: Option<web_sys::Element>) {
    if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// The dialog's controls that take the focus, in order.
fn controls(dialog: &web_sys::Element) -> Vec<web_sys::Element> {
    let Ok(list) = dialog.query_selector_all("textarea, button") else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok()).collect()
}

#[function_component(CopyDialog)]
pub fn copy_dialog(props: &DialogProps) -> Html {
    let c = &props.content;
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with((), move |()| {
            let opener = focused();
            // the Copy button, or else Close
            let first = dialog.cast::<web_sys::Element>().and_then(|d| d.query_selector("button").ok().flatten());
            focus(first);
            move || focus(opener)
        });
    }
    // Tab past the last control comes back to the first, and Shift+Tab the other way round.
    let keep_focus_inside = {
        let dialog = dialog.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(d) = dialog.cast::<web_sys::Element>() else { return };
            let all = controls(&d);
            let (Some(first), Some(last), Some(now)) = (all.first(), all.last(), focused()) else { return };
            let wrap_to = match (e.key().as_str(), e.shift_key()) {
                ("Tab", false) if now.is_same_node(Some(last)) => first,
                ("Tab", true) if now.is_same_node(Some(first)) => last,
                _ => return,
            };
            e.prevent_default();
            focus(Some(wrap_to.clone()));
        })
    };
    let copy = c.text.clone().map(|text| Callback::from(move |_: MouseEvent| crate::share::copy_to_clipboard(&text)));
    let list = c.list.iter().map(|(key, what)| html! { <><dt><kbd>{ *key }</kbd></dt><dd>{ *what }</dd></> });
    html! {
        <div class="dialog" role="dialog" aria-modal="true" aria-label={c.title.clone()} ref={dialog} onkeydown={keep_focus_inside}>
            <h2>{ &c.title }</h2>
            <p>{ &c.explanation }</p>
            if let Some(text) = &c.text {
                <textarea readonly=true rows="4" value={text.clone()} aria-label={c.title.clone()} />
            }
            if !c.list.is_empty() {
                <dl class="shortcuts">{ for list }</dl>
            }
            <div class="dialog-buttons">
                if let Some(copy) = copy {
                    <button class="primary" onclick={copy}>{ "Copy" }</button>
                }
                <button onclick={props.on_close.reform(|_: MouseEvent| ())}>{ "Close" }</button>
            </div>
        </div>
    }
}
