//! The header's theme toggle: light or dark, whatever the system says. The choice is kept in this
//! browser (index.html reads it before the first paint, so a reload does not flash the other
//! theme) and is the `data-theme` attribute of the page, which the stylesheet follows.

use yew::prelude::*;

/// Where the choice is kept (index.html reads the same key).
const THEME_KEY: &str = "scalelab.theme";

fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

fn dark_now() -> bool {
    root().and_then(|r| r.get_attribute("data-theme")).as_deref() == Some("dark")
}

#[function_component(ThemeToggle)]
pub fn theme_toggle() -> Html {
    let dark = use_state(dark_now);
    let onclick = {
        let dark = dark.clone();
        Callback::from(move |_: MouseEvent| {
            let next = if *dark { "light" } else { "dark" };
            if let Some(root) = root() {
                let _ = root.set_attribute("data-theme", next);
            }
            if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                let _ = storage.set_item(THEME_KEY, next);
            }
            dark.set(!*dark);
        })
    };
    html! {
        <button class="theme" aria-pressed={(*dark).to_string()} {onclick} title="Switch between the light and the dark theme (kept in this browser)">
            { "Dark theme" }
        </button>
    }
}
