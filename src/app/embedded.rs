//! The embedded layout (`?embed=1`, for course notes): the play controls, the diagram and the
//! charts, the live region, and a link to open the run in full. `&autoplay=0` opens it paused,
//! `&controls=0` leaves the controls out. The host page can drive it (`host_link`).

use super::{AppState, Parts};
use crate::panels::event_log::LiveRegion;
use crate::player::FrameView;
use crate::share;
use yew::prelude::*;

pub fn page(state: &AppState, view: &FrameView, parts: Parts) -> Html {
    let full = share::url_for(&share::origin_and_path(), state.view(view.snapshot.now), false);
    html! {
        <main class="app embed">
            <h1 class="visually-hidden">{ "Scalelab" }</h1>
            if state.controls {
                { parts.controls }
            }
            if view.caching.is_some() {
                { parts.diagram }
            } else {
                <div class="stage">{ parts.diagram }</div>
                { parts.charts }
            }
            <LiveRegion announcement={view.announcement.clone()} />
            <a class="open-full" href={full} target="_blank" rel="noopener">{ "Open in Scalelab ↗" }</a>
        </main>
    }
}
