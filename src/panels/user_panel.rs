//! The user inspector: one user's journey, where their session lives, the `Cookie` header their
//! next request carries and, for a signed cookie, what it says and whether the servers' key
//! verifies it. A student can edit the session (with or without the key) and put the cookie back
//! in the user's browser, then watch the next request.

use crate::diagram::user_colour;
use crate::panels::cookie_lab;
use sim::components::sessions::{UserView, DEMO_SECRET, EPOCH_UNIX_S};
use sim::scenario::SessionMode;
use sim::session_cookie::{self, FLASK_SALT};
use sim::Command;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct UserPanelProps {
    pub user: u32,
    /// None when the run models no sessions
    pub view: Option<UserView>,
    pub mode: SessionMode,
    /// simulated time now [whole s], for the cookie's age
    pub now_s: u64,
    pub on_command: Callback<Command>,
    pub on_close: Callback<()>,
}

/// Where the session is kept, in words.
fn home(view: &UserView, mode: SessionMode) -> String {
    match mode {
        SessionMode::SignedCookie => "in the cookie itself: any server with the key reads it".into(),
        SessionMode::Database => "in the session store: any server reads it there".into(),
        SessionMode::None => "not modelled".into(),
        SessionMode::OnServer | SessionMode::StickyCookie | SessionMode::SourceAddress => match view.home_server {
            Some(s) => format!("in the memory of server {}", s + 1),
            None => "nowhere yet (not logged in)".into(),
        },
    }
}

#[function_component(UserPanel)]
pub fn user_panel(props: &UserPanelProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    let title = format!("User {}", props.user + 1);
    let Some(v) = &props.view else {
        return html! {
            <section class="server-panel user-panel" aria-label={title.clone()}>
                <div class="panel-head"><h2>{ title }</h2>
                    <button class="close" onclick={close} aria-label="Close">{ "×" }</button></div>
                <p>{ "This run does not model sessions: choose where sessions live under Sessions." }</p>
            </section>
        };
    };
    let reading = v.session_cookie.as_ref().map(|c| (c.clone(), cookie_lab::read(c, DEMO_SECRET)));
    let now_unix = EPOCH_UNIX_S + props.now_s;
    html! {
        <section class="server-panel user-panel" aria-label={title.clone()}>
            <div class="panel-head">
                <h2><span class="swatch" style={format!("background:{}", user_colour(props.user))}></span>{ title }</h2>
                <button class="close" onclick={close} aria-label="Close">{ "×" }</button>
            </div>
            <dl class="facts">
                <dt>{ "Next step" }</dt><dd>{ v.next_step.label() }</dd>
                <dt>{ "Cart" }</dt><dd>{ format!("{} items", v.cart_items) }</dd>
                <dt>{ "Session" }</dt><dd>{ home(v, props.mode) }</dd>
                <dt>{ "Cookie header" }</dt>
                <dd><code class="cookie">{ if v.cookie_header.is_empty() { "(none)".to_string() } else { format!("Cookie: {}", v.cookie_header) } }</code></dd>
                if let Some((_, r)) = &reading {
                    <dt>{ "Payload" }</dt><dd><code>{ if r.payload.is_empty() { "—".to_string() } else { r.payload.clone() } }</code></dd>
                    <dt>{ "Signed" }</dt>
                    <dd>{ r.signed_at_unix.map_or("—".to_string(), |t| format!("Unix time {t}, {} s ago", now_unix.saturating_sub(t))) }</dd>
                    <dt>{ "Servers' key" }</dt>
                    <dd class={if r.verdict.is_ok() { "valid" } else { "invalid" }}>
                        { match &r.verdict { Ok(()) => "signature valid".to_string(), Err(why) => why.clone() } }
                    </dd>
                }
            </dl>
            if v.edited {
                <p class="note">{ "Edited: the user's next request carries this cookie." }</p>
            }
            if let Some((cookie, r)) = reading {
                <CookieEditor key={props.user} user={props.user} cookie={cookie} payload={r.payload}
                    on_command={props.on_command.clone()} />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct CookieEditorProps {
    pub user: u32,
    pub cookie: String,
    pub payload: String,
    pub on_command: Callback<Command>,
}

/// The new cookie from an edited payload: re-signed when a key is given, otherwise with the old
/// signature kept (which no longer matches).
pub fn edited_cookie(old_cookie: &str, payload_json: &str, key: &str, now_unix: u64) -> Result<String, String> {
    // From bytes, as the cookie reader parses payloads: one copy of the JSON reader in the bundle.
    let payload: serde_json::Value = serde_json::from_slice(payload_json.as_bytes())
        .map_err(|e| format!("the payload is not JSON ({e}); write it like {{\"user_id\": 7, \"cart\": []}}"))?;
    let cookie = if key.is_empty() {
        session_cookie::replace_payload(old_cookie, &payload)
    } else {
        session_cookie::sign(key.as_bytes(), FLASK_SALT, &payload, now_unix)
    };
    cookie.map_err(|e| e.to_string())
}

/// Its own component, keyed by user, so the per-frame redraw leaves what is being typed alone.
#[function_component(CookieEditor)]
pub fn cookie_editor(props: &CookieEditorProps) -> Html {
    let payload = use_state(|| props.payload.clone());
    let key = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let on_payload = {
        let payload = payload.clone();
        Callback::from(move |e: InputEvent| payload.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let on_key = {
        let key = key.clone();
        Callback::from(move |e: InputEvent| key.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let onsubmit = {
        let (payload, key, problem) = (payload.clone(), key.clone(), problem.clone());
        let (cookie, user, on_command) = (props.cookie.clone(), props.user, props.on_command.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // The signing time does not change what the servers decide (sessions do not expire).
            match edited_cookie(&cookie, &payload, &key, EPOCH_UNIX_S) {
                Ok(cookie) => {
                    problem.set(None);
                    on_command.emit(Command::SetSessionCookie { user, cookie });
                }
                Err(why) => problem.set(Some(why)),
            }
        })
    };
    html! {
        <form class="cookie-editor" {onsubmit} aria-label="Edit this user's session cookie">
            <label>{ "Session payload" }
                <textarea rows="2" value={(*payload).clone()} oninput={on_payload} aria-label="Session payload" />
            </label>
            <label>{ "Sign with key" }
                <input type="text" value={(*key).clone()} oninput={on_key} placeholder="empty: keep the old signature"
                       aria-label="Secret key to sign with" />
            </label>
            <p class="note">{ format!("The servers' key is “{DEMO_SECRET}”. Without it, an edited payload keeps a signature that no longer matches.") }</p>
            <button type="submit">{ "Put it in the user's browser" }</button>
            if let Some(p) = &*problem { <span class="error" role="alert">{ p }</span> }
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::components::sessions::session_payload;

    #[test]
    fn an_edit_without_the_key_fails_verification_and_with_it_passes() {
        let old =
            session_cookie::sign(DEMO_SECRET.as_bytes(), FLASK_SALT, &session_payload(3, 1), EPOCH_UNIX_S).unwrap();
        let forged = edited_cookie(&old, r#"{"user_id":1,"cart":[]}"#, "", EPOCH_UNIX_S).unwrap();
        assert!(cookie_lab::read(&forged, DEMO_SECRET).verdict.unwrap_err().starts_with("bad signature"));
        let signed = edited_cookie(&old, r#"{"user_id":1,"cart":[]}"#, DEMO_SECRET, EPOCH_UNIX_S).unwrap();
        assert_eq!(cookie_lab::read(&signed, DEMO_SECRET).verdict, Ok(()));
        let e = edited_cookie(&old, "{user_id: 1}", "", 0).unwrap_err();
        assert!(e.starts_with("the payload is not JSON"), "{e}");
    }
}
