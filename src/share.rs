//! The page's address and memory, both ways: what the URL and localStorage say at start-up
//! (`boot_from`, pure and tested natively), and writing the link back as the user works. The link
//! format itself belongs to `sim::link`, shared with the CLI.

use sim::scenario::Variant;
use sim::{link, Scenario, SimTime};

/// Where the last scenario that ran is kept, so a bad link never costs the user their work.
const LAST_SCENARIO_KEY: &str = "scalelab.last-scenario";

/// What the page opens with.
#[derive(Clone, Debug, PartialEq)]
pub struct Boot {
    /// `?embed=1`: only the diagram, the play controls and the charts
    pub embed: bool,
    /// `?home`: the gallery of lessons first
    pub home: bool,
    pub scenario: Scenario,
    /// playback position to open at (a shared link's)
    pub at: SimTime,
    /// true when a valid link was opened (the page then starts paused at its position)
    pub from_link: bool,
    /// the split view's second run
    pub compare_with: Option<Variant>,
    /// what went wrong with the link, in words for the banner
    pub banner: Option<String>,
    /// the system asks for less motion (`prefers-reduced-motion: reduce`): nothing plays until
    /// asked to
    pub reduced_motion: bool,
    /// an embed's options: `autoplay=0` opens paused, `controls=0` hides the play controls
    /// (a page that drives the embed itself, or a still figure)
    pub autoplay: bool,
    pub controls: bool,
    /// the link's speed, when it had one the page offers
    pub speed: Option<f64>,
    /// the lesson the link was shared from (its key; the app checks it knows it)
    pub lesson: Option<String>,
    /// the lesson's step (the app checks the lesson has it)
    pub step: Option<usize>,
    /// the guesses this browser has kept for the lessons' questions
    pub answers: crate::panels::questions::Answers,
}

/// The value of `name=` in a query string (`?a=1&b=2`), as it stands (not percent-decoded).
pub fn query_value<'a>(search: &'a str, name: &str) -> Option<&'a str> {
    search.trim_start_matches('?').split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// Decides what to open from the query string, the fragment and the stored last scenario.
pub fn boot_from(search: &str, fragment: &str, stored: Option<&str>) -> Boot {
    let pairs = || search.trim_start_matches('?').split('&');
    let embed = pairs().any(|pair| pair == "embed=1" || pair == "embed");
    let home = pairs().any(|pair| pair == "home=1" || pair == "home");
    let (autoplay, controls) = (!pairs().any(|p| p == "autoplay=0"), !pairs().any(|p| p == "controls=0"));
    let fragment = fragment.trim_start_matches('#');
    // from_slice, as the link decoder reads: one copy of the scenario parser in the bundle, not two.
    let last_good = stored
        .and_then(|json| serde_json::from_slice::<Scenario>(json.as_bytes()).ok())
        .filter(|s| s.clone().validate().is_ok());
    // What the page opens without a link: the scenario last had open (or the default), at 0 s.
    let without_link = |scenario: Scenario, banner: Option<String>| Boot {
        embed,
        home,
        scenario,
        at: SimTime::ZERO,
        from_link: false,
        compare_with: None,
        banner,
        reduced_motion: false,
        autoplay,
        controls,
        speed: None,
        lesson: None,
        step: None,
        answers: Default::default(),
    };
    let fallback = |why: String| {
        let (scenario, which) = match &last_good {
            Some(s) => (s.clone(), "the scenario you last had open"),
            None => (Scenario::default(), "the default scenario"),
        };
        without_link(
            scenario,
            Some(format!("This link could not be opened: {why}. Showing {which} instead; ask whoever shared it for a fresh link.")),
        )
    };
    if fragment.is_empty() {
        let value = |name: &str| query_value(search, name).map(str::to_string);
        return match value("lesson") {
            // `?lesson=autoscaling&step=2`: a lesson's step, for course notes to point at.
            Some(key) => match lesson_step(&key, value("step").as_deref()) {
                Ok((scenario, step)) => Boot {
                    speed: Some(step.speed),
                    lesson: Some(key),
                    step: Some(step.index),
                    ..without_link(scenario, None)
                },
                Err(why) => fallback(why),
            },
            None => without_link(last_good.clone().unwrap_or_default(), None),
        };
    }
    match link::decode(fragment) {
        Ok(run) => {
            // A speed the controls do not offer (a link edited by hand) plays at the default.
            let offered = run.speed.filter(|s| crate::panels::controls::SPEEDS.contains(s));
            let banner = match run.speed {
                Some(speed) if offered.is_none() => Some(format!(
                    "This link asks for a speed of {speed}×, which is not one of the speeds offered: it plays at the usual speed. Pick one in Speed."
                )),
                _ => None,
            };
            Boot {
                at: run.at,
                from_link: true,
                compare_with: run.compare_with,
                speed: offered,
                lesson: run.lesson,
                step: run.step.map(|s| s as usize),
                ..without_link(run.scenario.into_inner(), banner)
            }
        }
        Err(e) => fallback(e.to_string()),
    }
}

/// A step an address names, as `lesson=KEY` and `step=N` (counted from 1, as the page counts
/// them; the first step when there is none).
struct NamedStep {
    index: usize,
    speed: f64,
}

fn lesson_step(key: &str, step: Option<&str>) -> Result<(Scenario, NamedStep), String> {
    use crate::panels::lesson::{index_of, step_scenario, LESSONS};
    let keys = || LESSONS.iter().map(|l| l.key).collect::<Vec<_>>().join(", ");
    let Some(lesson) = index_of(key) else {
        return Err(format!("it asks for the lesson \"{key}\", which is not one of {}", keys()));
    };
    let steps = LESSONS[lesson].steps.len();
    let index = match step {
        None => 0,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=steps).contains(&n) => n - 1,
            _ => return Err(format!("it asks for step \"{n}\" of {key}, which has steps 1 to {steps}")),
        },
    };
    let scenario = step_scenario(lesson, index).ok_or_else(|| format!("step {} of {key} has no preset", index + 1))?;
    Ok((scenario, NamedStep { index, speed: LESSONS[lesson].steps[index].speed }))
}

/// What a link reopens: the scenario, the moment, the split view's second run, the speed and
/// the lesson.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub scenario: &'a Scenario,
    pub at: SimTime,
    pub compare_with: Option<Variant>,
    pub speed: f64,
    /// the lesson beside the run (its key)
    pub lesson: &'a str,
    /// the lesson's step, when the run is one
    pub step: Option<usize>,
}

/// The full address that reopens `view`; `embed` adds `?embed=1`.
pub fn url_for(origin_and_path: &str, view: View<'_>, embed: bool) -> String {
    url_with_query(origin_and_path, if embed { "?embed=1" } else { "" }, view)
}

fn url_with_query(origin_and_path: &str, query: &str, view: View<'_>) -> String {
    let options = link::LinkOptions {
        compare_with: view.compare_with,
        speed: Some(view.speed),
        lesson: Some(view.lesson.to_string()),
        step: view.step.map(|s| s as u32),
    };
    let text = link::encode_view(view.scenario, view.at, &options);
    format!("{origin_and_path}{query}#{text}")
}

/// The HTML to paste into course notes.
pub fn embed_snippet(origin_and_path: &str, view: View<'_>) -> String {
    format!(
        "<iframe src=\"{}\" width=\"800\" height=\"520\" style=\"border:0;max-width:100%\" title=\"Scalelab simulation\" loading=\"lazy\"></iframe>",
        url_for(origin_and_path, view, true)
    )
}

/// What the browser says, read once at start-up.
pub fn boot() -> Boot {
    let (search, hash) = address();
    let stored = storage().and_then(|s| s.get_item(LAST_SCENARIO_KEY).ok().flatten());
    let reduced_motion = web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|query| query.matches());
    let answers = storage().and_then(|s| s.get_item(ANSWERS_KEY).ok().flatten());
    let answers = crate::panels::questions::read_answers(&answers.unwrap_or_default());
    Boot { reduced_motion, answers, ..boot_from(&search, &hash, stored.as_deref()) }
}

/// Where this browser keeps a student's guesses (never sent anywhere).
const ANSWERS_KEY: &str = "scalelab.answers";

/// Keeps the guesses (quietly does nothing where storage is refused); none left removes the key.
pub fn remember_answers(answers: &crate::panels::questions::Answers) {
    if let Some(storage) = storage() {
        let _ = if answers.is_empty() {
            storage.remove_item(ANSWERS_KEY)
        } else {
            storage.set_item(ANSWERS_KEY, &crate::panels::questions::write_answers(answers))
        };
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Remembers the scenario that is running now (quietly does nothing where storage is refused).
pub fn remember(scenario: &Scenario) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(scenario)) {
        let _ = storage.set_item(LAST_SCENARIO_KEY, &json);
    }
}

/// The page's address without query or fragment.
pub fn origin_and_path() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

/// Which history entry a link is written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// the current one (a knob, a pause: Back should not walk through every edit)
    Current,
    /// a new one (a preset, a lesson: Back returns to what ran before)
    New,
}

/// Puts the link for `view` in the address bar.
pub fn write_link(view: View<'_>, entry: Entry) {
    let Some(window) = web_sys::window() else { return };
    // The page's own query stays (an embed's `?embed=1&autoplay=0&controls=0`).
    let search = window.location().search().unwrap_or_default();
    let url = url_with_query(&origin_and_path(), &search, view);
    if let Ok(history) = window.history() {
        let _ = match entry {
            Entry::Current => history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)),
            Entry::New => history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)),
        };
    }
}

/// What the address bar's link opens (after Back or Forward), without the stored scenario: a
/// link that does not open says so and the page keeps what it has.
pub fn boot_from_address() -> Boot {
    let (search, hash) = address();
    boot_from(&search, &hash, None)
}

/// The address bar's query and fragment.
pub fn address() -> (String, String) {
    let location = web_sys::window().map(|w| w.location());
    let search = location.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    let hash = location.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    (search, hash)
}

/// Copies to the clipboard where the browser allows it; the dialog shows the text either way.
pub fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_fragment_opens_the_last_scenario_or_the_default() {
        let b = boot_from("", "", None);
        assert_eq!((b.scenario, b.banner, b.embed), (Scenario::default(), None, false));
        let mut mine = Scenario::default();
        mine.servers.count = 9;
        let b = boot_from("?embed=1", "", Some(&serde_json::to_string(&mine).unwrap()));
        assert_eq!((b.scenario, b.embed), (mine, true));
    }

    #[test]
    fn a_good_link_opens_at_its_position() {
        let mut s = Scenario::default();
        s.seed = 77;
        let text = link::encode(&s, SimTime::from_secs(3));
        let b = boot_from("", &format!("#{text}"), None);
        assert_eq!((b.scenario, b.at, b.from_link, b.banner), (s, SimTime::from_secs(3), true, None));
    }

    #[test]
    fn a_mangled_link_keeps_what_the_user_had_and_says_why() {
        let mut mine = Scenario::default();
        mine.clients.arrival_rate = 123.0;
        let stored = serde_json::to_string(&mine).unwrap();
        let b = boot_from("", "#v1.garbage!", Some(&stored));
        assert_eq!(b.scenario, mine);
        let banner = b.banner.unwrap();
        assert!(banner.contains("damaged") && banner.contains("the scenario you last had open"), "{banner}");
        let b = boot_from("", "#v3.abc", Some("{not json"));
        assert_eq!(b.scenario, Scenario::default());
        assert!(b.banner.unwrap().contains("format version 3"));
    }

    #[test]
    fn an_address_can_name_a_lessons_step_and_a_wrong_one_says_what_there_is() {
        let b = boot_from("?embed=1&lesson=autoscaling&step=3", "", None);
        let autoscaling = crate::panels::lesson::index_of("autoscaling").unwrap();
        assert_eq!((b.lesson.as_deref(), b.step, b.embed, b.banner), (Some("autoscaling"), Some(2), true, None));
        assert_eq!(Some(b.scenario), crate::panels::lesson::step_scenario(autoscaling, 2));
        assert_eq!(b.speed, Some(crate::panels::lesson::step(autoscaling, 2).unwrap().speed));
        assert_eq!(boot_from("?lesson=caching", "", None).step, Some(0), "the first step");
        let wrong = boot_from("?lesson=caching&step=99", "", None);
        assert!(wrong.banner.unwrap().contains("which has steps 1 to"), "a step past the end");
        let unknown = boot_from("?lesson=nope", "", None);
        assert!(unknown.banner.unwrap().contains("first-look, scaling"), "the lessons there are");
        // A link in the fragment wins over the query (the page keeps its query when it writes one).
        let url = url_for(
            "http://h/",
            View {
                scenario: &Scenario::default(),
                at: SimTime::ZERO,
                compare_with: None,
                speed: 1.0,
                lesson: "first-look",
                step: Some(0),
            },
            false,
        );
        let b = boot_from("?lesson=caching", &url[url.find('#').unwrap()..], None);
        assert_eq!(b.lesson.as_deref(), Some("first-look"));
    }

    #[test]
    fn urls_and_snippets_reopen_the_same_run() {
        let s = Scenario::default();
        let random = Variant::Algorithm(sim::Algorithm::Random);
        let at = SimTime::from_secs(2);
        let view = View { scenario: &s, at, compare_with: Some(random), speed: 5.0, lesson: "caching", step: Some(2) };
        let url = url_for("http://127.0.0.1:8080/", view, false);
        let run = link::decode(&url).unwrap();
        assert_eq!((run.scenario.get(), run.at, run.compare_with), (&s, SimTime::from_secs(2), Some(random)));
        let b = boot_from("", &url, None);
        assert_eq!((b.compare_with, b.speed, b.banner), (Some(random), Some(5.0), None), "the speed comes back too");
        assert_eq!((b.lesson.as_deref(), b.step), (Some("caching"), Some(2)), "and the lesson and its step");
        // A speed the controls do not offer plays at the usual one, and the banner says why.
        let odd = url_for("http://127.0.0.1:8080/", View { speed: 7.0, ..view }, false);
        let b = boot_from("", &odd, None);
        assert_eq!((b.speed, b.from_link), (None, true));
        assert!(b.banner.unwrap().contains("speed of 7×"));
        let snippet = embed_snippet("http://127.0.0.1:8080/", View { at: SimTime::ZERO, ..view });
        assert!(snippet.starts_with("<iframe src=\"http://127.0.0.1:8080/?embed=1#v1."), "{snippet}");
    }
}
