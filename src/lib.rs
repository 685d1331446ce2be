//! Scalelab's web app: the only code that knows the DOM, SVG, URLs and timers. The model is the
//! `sim` crate; this crate advances it each animation frame and draws its snapshot.

pub mod app;
pub mod diagram;
pub mod layout;
pub mod panels;
pub mod player;
pub mod share;

/// Mounts the app on the page's body.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
