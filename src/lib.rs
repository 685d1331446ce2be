//! Scalelab's web app: the only code that knows the DOM, SVG, URLs and timers. The model is the
//! `sim` crate; this crate advances it each animation frame and draws its snapshot.

pub mod app;
pub mod diagram;
pub mod events;
pub mod export;
pub mod frame_budget;
pub mod host_api;
pub mod keys;
pub mod layout;
pub mod panels;
pub mod player;
pub mod share;
pub mod svg;
pub mod thumbnails;

/// Mounts the app on the page's body, in place of the first paint drawn at build time
/// (scripts/prerender.mjs), if the page has one.
pub fn start() {
    yew::set_custom_panic_hook(Box::new(report_panic));
    if let Some(first_paint) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("first-paint"))
    {
        first_paint.remove();
    }
    yew::Renderer::<app::App>::new().render();
}

/// A panic stops the WebAssembly module, so the page can no longer respond. Rather than leave a
/// frozen page, say so plainly: the scenario is already saved (localStorage), so a reload is safe.
fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    web_sys::console::error_1(&format!("Scalelab stopped: {info}").into());
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(body) = document.body() else { return };
    if let Ok(notice) = document.create_element("div") {
        notice.set_class_name("fatal");
        notice.set_attribute("role", "alert").ok();
        notice.set_text_content(Some(
            "Scalelab hit an internal error and stopped. Your scenario is saved: reload the page to carry on. \
             If it happens again, please report it with the page's link.",
        ));
        body.prepend_with_node_1(&notice).ok();
    }
}
