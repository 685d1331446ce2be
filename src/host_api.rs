//! The embed's `postMessage` API, as words and rules (no DOM here; `app::hooks::use_host_api`
//! listens and posts). A page that embeds Scalelab (`?embed=1`) can load a link or a lesson's
//! step, play, pause, seek and set the speed; the embed tells it when it is ready, when its state
//! changes, and what happens in the run (the live region's messages).
//!
//! Origins are checked as browsers recommend: the embed takes messages only from its parent
//! window at the host's origin, and posts only to that origin. The host's origin is the one
//! named by `&host=` (e.g. `&host=https://notes.example.edu`), else the origin of
//! `document.referrer`; with neither, the API stays off.

use serde_json::Value;

/// The API's version, in every message the embed posts.
pub const VERSION: u32 = 1;

/// What a host asks of the embed.
#[derive(Clone, Debug, PartialEq)]
pub enum HostMessage {
    /// an address to open as the page opens its own: a share link (whole, or its `#v1.…` part),
    /// or a lesson's step as `?lesson=KEY&step=N`
    Load(String),
    Play,
    Pause,
    /// to this many simulated seconds from the run's start (the run replays to there)
    Seek(f64),
    /// one of the speeds the page offers
    Speed(f64),
}

/// A message the embed does not take, in words for the host (posted back as `error`).
pub type Refusal = String;

/// A host's message, from its JSON. `Ok(None)`: not meant for us (no string `type`), ignored.
pub fn parse(json: &str, speeds: &[f64]) -> Result<Option<HostMessage>, Refusal> {
    // from_slice, as the rest of the app reads JSON: one copy of the parser in the bundle.
    let Ok(value) = serde_json::from_slice::<Value>(json.as_bytes()) else { return Ok(None) };
    let Some(kind) = value.get("type").and_then(Value::as_str) else { return Ok(None) };
    let number = |name: &str| value.get(name).and_then(Value::as_f64);
    let message = match kind {
        "play" => HostMessage::Play,
        "pause" => HostMessage::Pause,
        "seek" => match number("seconds") {
            Some(s) if s.is_finite() && s >= 0.0 => HostMessage::Seek(s),
            _ => return Err("seek needs seconds, a number from 0 up: {type: 'seek', seconds: 12.5}".into()),
        },
        "speed" => match number("value") {
            Some(v) if speeds.contains(&v) => HostMessage::Speed(v),
            _ => {
                let offered = speeds.iter().map(f64::to_string).collect::<Vec<_>>().join(", ");
                return Err(format!("speed needs value, one of the page's speeds: {offered}"));
            }
        },
        "load" => match (value.get("link").and_then(Value::as_str), value.get("lesson").and_then(Value::as_str)) {
            (Some(link), _) => HostMessage::Load(link.to_string()),
            (None, Some(lesson)) => {
                let step = match value.get("step") {
                    None => 1,
                    Some(n) => n.as_u64().filter(|&n| n >= 1).ok_or("step counts from 1: {type: 'load', lesson: 'autoscaling', step: 2}")?,
                };
                HostMessage::Load(format!("?lesson={}&step={step}", lesson.replace(['&', '#'], "")))
            }
            (None, None) => {
                return Err("load needs a link ({type: 'load', link: '…#v1.…'}) or a lesson and step ({type: 'load', lesson: 'autoscaling', step: 2})".into())
            }
        },
        other => return Err(format!("unknown type “{other}”: send load, play, pause, seek or speed")),
    };
    Ok(Some(message))
}

/// The query and fragment of an address given to `load`: a whole address, its `?…` or `#…`
/// part, or that fragment without its `#`.
pub fn link_parts(link: &str) -> (&str, &str) {
    let link = link.trim();
    match link.split_once('#') {
        Some((before, fragment)) => (before.split_once('?').map_or("", |(_, q)| q), fragment),
        None if link.contains("://") || link.contains('?') => (link.split_once('?').map_or("", |(_, q)| q), ""),
        None => ("", link),
    }
}

/// The host's origin: `&host=` if the query names a valid one, else the referrer's origin.
pub fn host_origin(search: &str, referrer: &str) -> Option<String> {
    match crate::share::query_value(search, "host").map(percent_decode) {
        // an origin, nothing more: a named address with a path is refused rather than cut down
        Some(named) => origin_of(&named).filter(|origin| origin.len() == named.trim_end_matches('/').len()),
        None => origin_of(referrer),
    }
}

/// `scheme://host[:port]` of an http(s) address, lowercased as `MessageEvent.origin` gives it.
fn origin_of(address: &str) -> Option<String> {
    let (scheme, rest) = address.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// `%XX` decoded (what a query value holds); anything malformed is kept as it is.
fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where the embed stands, for `ready` and `state` messages.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedState {
    pub playing: bool,
    pub speed: f64,
    /// simulated seconds
    pub t: f64,
    pub lesson: &'static str,
    /// from 1, as `?step=` counts
    pub step: Option<usize>,
    /// the run's share link
    pub link: String,
}

/// A message from the embed: `source`, `version` and `type`, then `fields` (already JSON). Written
/// by hand rather than through `json!`, which would add serde_json's map code to the bundle.
fn message(kind: &str, fields: &str) -> String {
    format!(r#"{{"source":"scalelab","version":{VERSION},"type":"{kind}",{fields}}}"#)
}

/// A string as JSON.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// A number as JSON (JSON has no NaN or infinity).
fn number(value: f64) -> String {
    if value.is_finite() {
        value.to_string()
    } else {
        "null".into()
    }
}

/// What the embed posts: `ready` once, then `state` on each change.
pub fn state_message(ready: bool, state: &EmbedState) -> String {
    let step = state.step.map_or("null".to_string(), |s| s.to_string());
    let fields = format!(
        r#""playing":{},"speed":{},"t":{},"lesson":{},"step":{step},"link":{}"#,
        state.playing,
        number(state.speed),
        number(state.t),
        quoted(state.lesson),
        quoted(&state.link)
    );
    message(if ready { "ready" } else { "state" }, &fields)
}

/// What happened in the run, as the live region says it, at simulated second `t`.
pub fn event_message(t: f64, text: &str) -> String {
    message("event", &format!(r#""t":{},"text":{}"#, number(t), quoted(text)))
}

/// A host message the embed did not take, and why.
pub fn error_message(refusal: &str) -> String {
    message("error", &format!(r#""message":{}"#, quoted(refusal)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEEDS: [f64; 3] = [1.0, 10.0, 100.0];

    #[test]
    fn host_messages_are_read_and_bad_ones_say_what_to_send() {
        assert_eq!(parse(r#"{"type":"play"}"#, &SPEEDS), Ok(Some(HostMessage::Play)));
        assert_eq!(parse(r#"{"type":"pause"}"#, &SPEEDS), Ok(Some(HostMessage::Pause)));
        assert_eq!(parse(r#"{"type":"seek","seconds":12.5}"#, &SPEEDS), Ok(Some(HostMessage::Seek(12.5))));
        assert_eq!(parse(r#"{"type":"speed","value":10}"#, &SPEEDS), Ok(Some(HostMessage::Speed(10.0))));
        assert_eq!(
            parse(r#"{"type":"load","lesson":"autoscaling","step":2}"#, &SPEEDS),
            Ok(Some(HostMessage::Load("?lesson=autoscaling&step=2".into())))
        );
        assert_eq!(
            parse(r#"{"type":"load","lesson":"caching"}"#, &SPEEDS),
            Ok(Some(HostMessage::Load("?lesson=caching&step=1".into())))
        );
        assert_eq!(
            parse(r##"{"type":"load","link":"#v1.abc"}"##, &SPEEDS),
            Ok(Some(HostMessage::Load("#v1.abc".into())))
        );
        // Not ours: ignored without a word (other scripts post messages too).
        assert_eq!(parse("\"hello\"", &SPEEDS), Ok(None));
        assert_eq!(parse(r#"{"kind":"play"}"#, &SPEEDS), Ok(None));
        assert_eq!(parse("not json", &SPEEDS), Ok(None));
        // Ours, but wrong: the reply says what to send.
        assert!(parse(r#"{"type":"seek","seconds":-1}"#, &SPEEDS).unwrap_err().contains("from 0 up"));
        assert!(parse(r#"{"type":"seek"}"#, &SPEEDS).is_err());
        assert_eq!(
            parse(r#"{"type":"speed","value":3}"#, &SPEEDS).unwrap_err(),
            "speed needs value, one of the page's speeds: 1, 10, 100"
        );
        assert!(parse(r#"{"type":"load","lesson":"caching","step":0}"#, &SPEEDS).unwrap_err().contains("from 1"));
        assert!(parse(r#"{"type":"load"}"#, &SPEEDS).unwrap_err().contains("a link"));
        assert!(parse(r#"{"type":"jump"}"#, &SPEEDS).unwrap_err().contains("unknown type “jump”"));
    }

    #[test]
    fn the_host_origin_is_the_one_named_else_the_referrers_and_nothing_else() {
        let named = "?embed=1&host=https%3A%2F%2Fnotes.example.edu&lesson=caching";
        assert_eq!(host_origin(named, "https://evil.example/").as_deref(), Some("https://notes.example.edu"));
        assert_eq!(
            host_origin("?embed=1&host=https://notes.example.edu/", "").as_deref(),
            Some("https://notes.example.edu")
        );
        assert_eq!(
            host_origin("?embed=1", "http://127.0.0.1:8080/course-notes.html?x#y").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            host_origin("?embed=1", "HTTPS://Notes.Example.EDU/a").as_deref(),
            Some("https://notes.example.edu")
        );
        // A named origin with a path, or not http(s), is refused rather than cut down.
        assert_eq!(host_origin("?host=https://notes.example.edu/page", "https://a.example/"), None);
        assert_eq!(host_origin("?host=javascript:alert(1)", "https://a.example/"), None);
        assert_eq!(host_origin("?embed=1", ""), None, "no referrer, no name: the API stays off");
        assert_eq!(host_origin("?embed=1", "https://user@a.example/"), None);
    }

    #[test]
    fn a_link_given_to_load_is_split_into_its_query_and_fragment() {
        assert_eq!(link_parts("http://x/?lesson=caching&step=2#v1.abc"), ("lesson=caching&step=2", "v1.abc"));
        assert_eq!(link_parts("#v1.abc"), ("", "v1.abc"));
        assert_eq!(link_parts("v1.abc"), ("", "v1.abc"));
        assert_eq!(link_parts("http://x/?lesson=caching"), ("lesson=caching", ""));
        assert_eq!(link_parts("?lesson=caching&step=2"), ("lesson=caching&step=2", ""));
    }

    #[test]
    fn messages_posted_say_who_sent_them_and_hold_the_state() {
        let state =
            EmbedState { playing: true, speed: 10.0, t: 4.5, lesson: "autoscaling", step: Some(2), link: "l".into() };
        let ready: Value = serde_json::from_str(&state_message(true, &state)).unwrap();
        assert_eq!(ready["source"], "scalelab");
        assert_eq!(ready["type"], "ready");
        assert_eq!(
            (ready["playing"].as_bool(), ready["t"].as_f64(), ready["step"].as_u64()),
            (Some(true), Some(4.5), Some(2))
        );
        let event: Value = serde_json::from_str(&event_message(3.0, "Server 2 crashed")).unwrap();
        assert_eq!((event["type"].as_str(), event["text"].as_str()), (Some("event"), Some("Server 2 crashed")));
        let error: Value = serde_json::from_str(&error_message("say \"no\"\n")).unwrap();
        assert_eq!((error["type"].as_str(), error["message"].as_str()), (Some("error"), Some("say \"no\"\n")));
        let odd = EmbedState { t: f64::NAN, step: None, ..state };
        let odd: Value = serde_json::from_str(&state_message(false, &odd)).unwrap();
        assert!(odd["t"].is_null() && odd["step"].is_null() && odd["type"] == "state");
    }
}
