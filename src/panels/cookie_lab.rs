//! The cookie lab: paste a session cookie from a Flask app with its secret key and see it
//! decoded and verified as Flask would; or sign a session to get the cookie Flask would send.
//! Uses the same code as the simulated servers (`sim::session_cookie`).

use sim::session_cookie::{self, CookieError, FLASK_SALT};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// What the lab shows for a cookie and a key, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    pub payload: String,
    pub signed_at_unix: Option<u64>,
    pub compressed: bool,
    /// `Ok` when the signature is valid for the key, or why not
    pub verdict: Result<(), String>,
}

/// Reads a cookie as the inspector shows it: the payload even when the signature is bad, so a
/// student sees what a tampered cookie claims and why the server refuses it.
pub fn read(cookie: &str, secret: &str) -> Reading {
    // A value copied from the browser's tools often brings a newline or spaces with it.
    let cookie = cookie.trim();
    if cookie.is_empty() {
        let verdict = Err("no cookie yet: paste the value of a session cookie above".to_string());
        return Reading { payload: String::new(), signed_at_unix: None, compressed: false, verdict };
    }
    match session_cookie::decode_unverified(cookie) {
        Err(e) => {
            Reading { payload: String::new(), signed_at_unix: None, compressed: false, verdict: Err(e.to_string()) }
        }
        Ok(decoded) => {
            let verdict = match session_cookie::verify(secret.as_bytes(), FLASK_SALT, cookie, None, 0) {
                Ok(_) => Ok(()),
                Err(CookieError::BadSignature) => {
                    Err("bad signature: Flask would ignore this cookie and start an empty session".to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            Reading {
                payload: session_cookie::flask_json(&decoded.payload),
                signed_at_unix: Some(decoded.timestamp),
                compressed: decoded.compressed,
                verdict,
            }
        }
    }
}

const EXAMPLE_COOKIE: &str = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM";
const EXAMPLE_SECRET: &str = "dev-secret";

#[function_component(CookieLab)]
pub fn cookie_lab() -> Html {
    let cookie = use_state(|| EXAMPLE_COOKIE.to_string());
    let secret = use_state(|| EXAMPLE_SECRET.to_string());
    let on_cookie = {
        let cookie = cookie.clone();
        Callback::from(move |e: InputEvent| cookie.set(e.target_unchecked_into::<HtmlTextAreaElement>().value()))
    };
    let on_secret = {
        let secret = secret.clone();
        Callback::from(move |e: InputEvent| secret.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let reading = read(&cookie, &secret);
    html! {
        <div class="cookie-lab">
            <h3>{ "Cookie lab" }</h3>
            <p class="note">{ "Paste the value of a Flask app's session cookie and its SECRET_KEY. Change one character of the payload and watch the signature fail." }</p>
            <label>{ "Cookie" }<textarea rows="3" value={(*cookie).clone()} oninput={on_cookie} aria-label="Session cookie" /></label>
            <label>{ "Secret key" }<input type="text" value={(*secret).clone()} oninput={on_secret} aria-label="Secret key" /></label>
            <dl class="facts">
                <dt>{ "Payload" }</dt><dd><code>{ if reading.payload.is_empty() { "—".to_string() } else { reading.payload.clone() } }</code></dd>
                <dt>{ "Signed at" }</dt><dd>{ reading.signed_at_unix.map_or("—".to_string(), |t| format!("Unix time {t}")) }</dd>
                <dt>{ "Compressed" }</dt><dd>{ if reading.compressed { "yes (zlib, leading “.”)" } else { "no" } }</dd>
                <dt>{ "Signature" }</dt>
                <dd class={if reading.verdict.is_ok() { "valid" } else { "invalid" }}>
                    { match &reading.verdict { Ok(()) => "valid for this key (HMAC-SHA1, salt cookie-session)".to_string(), Err(why) => why.clone() } }
                </dd>
            </dl>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_verifies_and_a_tampered_one_shows_what_it_claims() {
        let r = read(EXAMPLE_COOKIE, EXAMPLE_SECRET);
        assert_eq!(
            (r.payload.as_str(), r.signed_at_unix, r.verdict.clone()),
            (r#"{"user_id":42}"#, Some(1_700_000_000), Ok(()))
        );
        // {"user_id":1} with the old signature
        let forged = "eyJ1c2VyX2lkIjoxfQ.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM";
        let r = read(forged, EXAMPLE_SECRET);
        assert_eq!(r.payload, r#"{"user_id":1}"#);
        assert!(r.verdict.unwrap_err().starts_with("bad signature"));
        assert!(read(EXAMPLE_COOKIE, "other").verdict.is_err());
        assert!(read("garbage", "k").verdict.unwrap_err().starts_with("malformed"));
        // Pasted with the newline a copy brings, it still reads; nothing pasted asks for a cookie.
        assert_eq!(read(&format!(" {EXAMPLE_COOKIE}\n"), EXAMPLE_SECRET).verdict, Ok(()));
        assert!(read(" \n", "k").verdict.unwrap_err().starts_with("no cookie yet"));
    }
}
