//! The share-link payload, both ways: a scenario and a playback position as compact, versioned
//! text for a URL fragment. `v1.` + base64url (no padding) of raw-deflated JSON.
//! Links made by any released version must keep opening: see the golden tests.

use crate::scenario::{Scenario, ValidScenario, Variant};
use crate::time::SimTime;
use crate::validate::ValidationError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version this code writes. Older versions it can still read are listed in `decode`.
pub const CURRENT_VERSION: u32 = 1;
/// A payload that inflates past this is refused (a real scenario is well under 2 KB).
const MAX_INFLATED_BYTES: usize = 64 * 1024;
/// The furthest playback position a link may hold: one simulated day.
pub const MAX_POSITION: SimTime = SimTime::from_secs(86_400);
/// Compression level 9: links are written rarely and should be short.
const DEFLATE_LEVEL: u8 = 9;

/// What a link holds: the scenario (with its seed), where playback stood [µs], and how fast it
/// played (the page's speed; a link without one plays at the page's default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkPayload {
    scenario: Scenario,
    at_us: u64,
    /// the split view's second run: the same scenario with this difference
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compare_with: Option<Variant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speed: Option<f64>,
    /// the lesson beside the run (its key); links from before lessons were kept have none
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lesson: Option<String>,
    /// the lesson's step (from 0); links from before steps were kept have none
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<u32>,
}

/// What a link keeps besides the scenario and the position.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkOptions {
    /// the split view's second run: the same scenario with this difference
    pub compare_with: Option<Variant>,
    /// the speed it was playing at
    pub speed: Option<f64>,
    /// the lesson beside it (its key)
    pub lesson: Option<String>,
    /// the lesson's step it is (from 0)
    pub step: Option<u32>,
}

/// A link that opened: a scenario ready to run and the position to run it to.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedRun {
    pub scenario: ValidScenario,
    pub at: SimTime,
    /// the split view's second run, if the link was shared from the split view
    pub compare_with: Option<Variant>,
    /// the speed it was playing at (the page checks it is one it offers)
    pub speed: Option<f64>,
    /// the lesson it was shared from (the page checks it knows it)
    pub lesson: Option<String>,
    /// the lesson's step (the page checks the lesson has it)
    pub step: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    /// empty, or not of the form `v<N>.<data>`
    NotALink,
    /// from a newer (or unknown) Scalelab version
    UnknownVersion(String),
    /// the data is damaged (cut short, mistyped, or edited by hand)
    Damaged(String),
    /// the data reads, but a knob is out of range
    OutOfRange(Vec<ValidationError>),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NotALink => write!(f, "the link holds no Scalelab scenario (it should end in #v1.…)"),
            LinkError::UnknownVersion(v) => write!(
                f,
                "the link is in format version {v}, which this Scalelab does not know (it reads version {CURRENT_VERSION}); it may come from a newer Scalelab"
            ),
            LinkError::Damaged(why) => {
                write!(f, "the link is damaged ({why}); it may have been cut short when it was copied")
            }
            LinkError::OutOfRange(errors) => {
                write!(f, "the link's scenario has settings out of range: {}", crate::validate::in_words(errors))
            }
        }
    }
}

/// The link text for a scenario and a playback position (the part after `#`).
pub fn encode(scenario: &Scenario, at: SimTime) -> String {
    encode_view(scenario, at, &LinkOptions::default())
}

/// The link text for a scenario, a playback position and what else the link keeps.
pub fn encode_view(scenario: &Scenario, at: SimTime, options: &LinkOptions) -> String {
    let LinkOptions { compare_with, speed, lesson, step } = options.clone();
    let payload = LinkPayload { scenario: scenario.clone(), at_us: at.as_micros(), compare_with, speed, lesson, step };
    let json = serde_json::to_vec(&payload).expect("a scenario always serialises");
    let deflated = miniz_oxide::deflate::compress_to_vec(&json, DEFLATE_LEVEL);
    format!("v{CURRENT_VERSION}.{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// Reads link text: a bare fragment (`v1.…`), `#v1.…`, or a whole URL that ends in one.
pub fn decode(text: &str) -> Result<SharedRun, LinkError> {
    let fragment = text.trim().rsplit_once('#').map_or(text.trim(), |(_, f)| f);
    let (version, data) = fragment.split_once('.').ok_or(LinkError::NotALink)?;
    let version = version.strip_prefix('v').ok_or(LinkError::NotALink)?;
    if version != "1" {
        return Err(LinkError::UnknownVersion(version.chars().take(12).collect()));
    }
    let deflated =
        URL_SAFE_NO_PAD.decode(data).map_err(|_| LinkError::Damaged("its text is not valid base64url".into()))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_INFLATED_BYTES)
        .map_err(|_| LinkError::Damaged("its data does not decompress".into()))?;
    let payload: LinkPayload =
        serde_json::from_slice(&json).map_err(|e| LinkError::Damaged(format!("its scenario does not read: {e}")))?;
    let at = SimTime::from_micros(payload.at_us);
    let mut scenario = payload.scenario.validate();
    if at > MAX_POSITION {
        let problem = ValidationError {
            field: "position",
            value: format!("{} s", crate::validate::fmt_number(at.whole_secs() as f64)),
            allowed: format!(
                "at most {} s (one simulated day)",
                crate::validate::fmt_number(MAX_POSITION.whole_secs() as f64)
            ),
        };
        scenario = match scenario {
            Ok(_) => Err(vec![problem]),
            Err(mut problems) => {
                problems.push(problem);
                Err(problems)
            }
        };
    }
    let scenario = scenario.map_err(LinkError::OutOfRange)?;
    let LinkPayload { compare_with, speed, lesson, step, .. } = payload;
    Ok(SharedRun { scenario, at, compare_with, speed, lesson, step })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lesson_round_trips_and_old_links_have_none() {
        let s = Scenario::default();
        let options = LinkOptions { lesson: Some("caching".into()), step: Some(3), ..LinkOptions::default() };
        let run = decode(&encode_view(&s, SimTime::ZERO, &options)).unwrap();
        assert_eq!((run.lesson.as_deref(), run.step), (Some("caching"), Some(3)));
        let old = decode(&encode(&s, SimTime::ZERO)).unwrap();
        assert_eq!((old.lesson, old.step), (None, None));
    }

    #[test]
    fn round_trip_of_the_default() {
        let s = Scenario::default();
        let text = encode(&s, SimTime::from_millis(12_500));
        let run = decode(&format!("http://127.0.0.1:8080/?x=1#{text}")).unwrap();
        assert_eq!((run.scenario.get(), run.at), (&s, SimTime::from_millis(12_500)));
        assert!(text.len() < 260, "{} chars: {text}", text.len());
    }

    #[test]
    fn the_speed_travels_in_the_link_and_a_link_without_one_has_none() {
        let s = Scenario::default();
        assert_eq!(
            decode(&encode_view(&s, SimTime::ZERO, &LinkOptions { speed: Some(5.0), ..LinkOptions::default() }))
                .unwrap()
                .speed,
            Some(5.0)
        );
        assert_eq!(decode(&encode(&s, SimTime::ZERO)).unwrap().speed, None);
    }

    #[test]
    fn the_split_view_travels_in_the_link() {
        use crate::scenario::{Algorithm, SessionMode};
        let s = Scenario::default();
        let by_algorithm = Variant::Algorithm(Algorithm::LeastConnections);
        let run = decode(&encode_view(
            &s,
            SimTime::ZERO,
            &LinkOptions { compare_with: Some(by_algorithm), ..LinkOptions::default() },
        ))
        .unwrap();
        assert_eq!(run.compare_with, Some(by_algorithm));
        assert_eq!(decode(&encode(&s, SimTime::ZERO)).unwrap().compare_with, None);
        let by_sessions = Variant::Sessions { sessions: SessionMode::Database };
        assert_eq!(
            decode(&encode_view(
                &s,
                SimTime::ZERO,
                &LinkOptions { compare_with: Some(by_sessions), ..LinkOptions::default() }
            ))
            .unwrap()
            .compare_with,
            Some(by_sessions)
        );
        // An algorithm is written as plain text, as links from before session comparisons have it.
        assert_eq!(serde_json::to_string(&by_algorithm).unwrap(), r#""least_connections""#);
        assert_eq!(serde_json::to_string(&by_sessions).unwrap(), r#"{"sessions":"database"}"#);
        for v in Variant::all_but(&s) {
            assert_eq!(Variant::from_key(&v.key()), Some(v));
        }
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        assert_eq!(decode(""), Err(LinkError::NotALink));
        assert_eq!(decode("#hello"), Err(LinkError::NotALink));
        assert_eq!(decode("#v9.abc"), Err(LinkError::UnknownVersion("9".into())));
        assert!(matches!(decode("#v1.!!!"), Err(LinkError::Damaged(_))));
        assert!(matches!(decode("#v1.AAAA"), Err(LinkError::Damaged(_))));
        let mut cut = encode(&Scenario::default(), SimTime::ZERO);
        cut.truncate(cut.len() - 10);
        assert!(matches!(decode(&cut), Err(LinkError::Damaged(_))));
        match decode(&encode(&Scenario::default(), SimTime::from_secs(100_000))) {
            Err(LinkError::OutOfRange(e)) => {
                assert_eq!(
                    e[0].to_string(),
                    "position is 100,000 s, but it must be at most 86,400 s (one simulated day)"
                )
            }
            other => panic!("{other:?}"),
        }
        let mut wild = Scenario::default();
        wild.servers.count = 5_000;
        match decode(&encode(&wild, SimTime::ZERO)) {
            Err(LinkError::OutOfRange(e)) => assert_eq!(e[0].field, "servers.count"),
            other => panic!("{other:?}"),
        }
    }
}
