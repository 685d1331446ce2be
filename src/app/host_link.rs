//! The embed's link to the page that holds it: the `postMessage` API of `crate::host_api`,
//! wired to the reducer. Only a page inside a frame whose host origin is known listens or posts
//! (an embed, or the full page framed as it is).

use super::hooks::PlayerRef;
use super::state::{Action, AppState};
use crate::host_api::{self, EmbedState, HostMessage};
use crate::panels::controls::SPEEDS;
use crate::panels::lesson::key_of;
use crate::player::FrameView;
use crate::share;
use sim::SimTime;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The parent window and the origin it must have, when this page is an embed inside one.
#[derive(Clone)]
struct Host {
    parent: web_sys::Window,
    origin: String,
}

impl Host {
    fn find() -> Option<Host> {
        let window = web_sys::window()?;
        let parent = window.parent().ok().flatten()?;
        // A page opened on its own is its own parent: there is no host to talk to.
        if js_sys::Object::is(&parent, &window) {
            return None;
        }
        let (search, _) = share::address();
        let referrer = window.document().map(|d| d.referrer()).unwrap_or_default();
        Some(Host { parent, origin: host_api::host_origin(&search, &referrer)? })
    }

    fn post(&self, json: &str) {
        if let Ok(message) = js_sys::JSON::parse(json) {
            // Only to the host's origin: a page that navigated the frame elsewhere hears nothing.
            self.parent.post_message(&message, &self.origin).ok();
        }
    }

    /// Only the parent window, at the host's origin, is listened to.
    fn sent(&self, event: &web_sys::MessageEvent) -> bool {
        event.origin() == self.origin && event.source().is_some_and(|s| js_sys::Object::is(&s, &self.parent))
    }
}

/// What a host message does; `Err` is posted back to the host.
fn action_for(message: HostMessage) -> Result<Action, String> {
    Ok(match message {
        HostMessage::Play => Action::Play,
        HostMessage::Pause => Action::Pause,
        HostMessage::Seek(seconds) => Action::Seek(SimTime::from_secs_f64(seconds)),
        HostMessage::Speed(speed) => Action::SetSpeed(speed),
        // as the page opens its own address: the same checks, the same words when it cannot
        HostMessage::Load(address) => {
            let (search, fragment) = host_api::link_parts(&address);
            let boot = share::boot_from(search, fragment, None);
            match boot.banner {
                Some(problem) => return Err(problem),
                None => Action::Reopen(Box::new(boot)),
            }
        }
    })
}

/// Listens to the host and tells it what happens: `ready` once, `state` on each change of play,
/// speed, run, lesson or step, and `event` for each of the live region's announcements.
#[hook]
pub fn use_host_api(state: &UseReducerHandle<AppState>, player: &PlayerRef, frame: &FrameView) {
    let host = use_memo((), |()| if cfg!(target_arch = "wasm32") { Host::find() } else { None });

    {
        let (host, dispatcher) = (host.clone(), state.dispatcher());
        use_effect_with((), move |()| {
            let listener = (*host).clone().zip(web_sys::window()).map(|(host, window)| {
                gloo_events::EventListener::new(&window, "message", move |event| {
                    let Some(event) = event.dyn_ref::<web_sys::MessageEvent>() else { return };
                    if !host.sent(event) {
                        return;
                    }
                    let json =
                        js_sys::JSON::stringify(&event.data()).ok().and_then(|s| s.as_string()).unwrap_or_default();
                    match host_api::parse(&json, &SPEEDS).and_then(|m| m.map(action_for).transpose()) {
                        Ok(Some(action)) => dispatcher.dispatch(action),
                        Ok(None) => {}
                        Err(refusal) => host.post(&host_api::error_message(&refusal)),
                    }
                })
            });
            move || drop(listener)
        });
    }

    let ready_posted = use_mut_ref(|| false);
    {
        let (host, player, state) = (host.clone(), player.clone(), state.clone());
        let deps = (state.playing, state.speed, state.run_id, state.lesson, state.step);
        use_effect_with(deps, move |_| {
            if let Some(host) = host.as_ref() {
                let t = player.borrow().now();
                let link = share::url_for(&share::origin_and_path(), state.view(t), false);
                let embed = EmbedState {
                    playing: state.playing,
                    speed: state.speed,
                    t: t.as_secs_f64(),
                    lesson: key_of(state.lesson),
                    step: state.step.map(|s| s + 1),
                    link,
                };
                let ready = !std::mem::replace(&mut *ready_posted.borrow_mut(), true);
                host.post(&host_api::state_message(ready, &embed));
            }
        });
    }

    {
        let host = host.clone();
        let (t, text) = (frame.snapshot.now.as_secs_f64(), frame.announcement.clone());
        use_effect_with(frame.announced, move |&announced| {
            if let (Some(host), true) = (host.as_ref(), announced > 0 && !text.is_empty()) {
                host.post(&host_api::event_message(t, &text));
            }
        });
    }
}
