//! The knob panel: the scenario's settings as form fields. An edit is parsed and validated by
//! `apply_knob` (pure, tested natively); a bad value is named beside its field and changes nothing.

use super::knob_table::*;
use sim::caching::http::CacheControl;
use sim::caching::{CachingConfig, Content, ETagKind, Strategy};
use sim::components::autoscaler::{ScalingPolicy, ScheduledCount};
use sim::profile::TrafficProfile;
use sim::scenario::{SessionMode, Variant};
use sim::validate::limits;
use sim::{Algorithm, Scenario, ServiceTime};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

fn number<T: std::str::FromStr>(raw: &str, field: &'static str, what: &str) -> Result<T, KnobError> {
    raw.trim().parse().map_err(|_| refused(raw, field, what))
}

/// The scenario with one field changed, if the new value is valid.
pub fn apply_knob(scenario: &Scenario, field: &'static str, raw: &str) -> Result<Scenario, KnobError> {
    let mut s = scenario.clone();
    if let Some(knob) = SCENARIO_KNOBS.iter().find(|k| k.field == field) {
        knob.apply(&mut s, raw)?;
    } else if let Some(knob) = SCENARIO_CHOICES.iter().find(|k| k.field == field) {
        knob.apply(&mut s, raw)?;
    } else if let Some(knob) = SCENARIO_CHECKS.iter().find(|k| k.field == field) {
        knob.apply(&mut s, raw);
    } else if let Some(knob) = SCENARIO_OPTIONALS.iter().find(|k| k.field == field) {
        knob.apply(&mut s, raw)?;
    } else if let Some(knob) = profile_knobs(&s.clients.profile).iter().find(|k| k.field == field) {
        knob.apply(&mut s.clients.profile, raw)?;
    } else if let Some(knob) = TARGET_TRACKING_KNOBS.iter().find(|k| k.field == field) {
        let ScalingPolicy::TargetTracking(t) = &mut s.autoscaler.policy else {
            return Err(policy_first(field, "target tracking"));
        };
        knob.apply(t, raw)?;
    } else if let Some(knob) = STEP_SCALING_KNOBS.iter().find(|k| k.field == field) {
        let ScalingPolicy::StepScaling(st) = &mut s.autoscaler.policy else {
            return Err(policy_first(field, "step scaling"));
        };
        knob.apply(st, raw)?;
    } else {
        edit_setting(&mut s, field, raw)?;
    }
    checked(s, field, raw)
}

/// A policy's setting edited while another policy (or none) is chosen.
fn policy_first(field: &'static str, policy: &str) -> KnobError {
    KnobError { field, message: format!("choose an autoscaling policy first: this setting belongs to {policy}") }
}

/// A setting typed as text or a list (a pasted profile, a schedule, the timeline, the lab's).
fn edit_setting(s: &mut Scenario, field: &'static str, raw: &str) -> Result<(), KnobError> {
    match field {
        "timeline.clear" => s.timeline.clear(),
        "timeline.remove" => {
            let index: usize = number(raw, field, "a whole number")?;
            if index < s.timeline.len() {
                s.timeline.remove(index);
            }
        }
        "clients.profile.csv" => {
            s.clients.profile = TrafficProfile::from_csv(raw).map_err(|message| KnobError { field, message })?;
        }
        "autoscaler.schedule" => s.autoscaler.policy = ScalingPolicy::Schedule(parse_schedule(raw, field)?),
        f if f.starts_with("caching.") => {
            let lab = s.caching.as_mut().ok_or_else(|| KnobError {
                field,
                message: "this scenario has no caching lab: load a preset of the Caching lesson".into(),
            })?;
            edit_caching(lab, field, raw)?;
        }
        _ => return Err(KnobError { field, message: "this setting cannot be changed here".into() }),
    }
    Ok(())
}

/// The edited scenario if it is valid; otherwise the problem, named beside the field.
fn checked(s: Scenario, field: &'static str, raw: &str) -> Result<Scenario, KnobError> {
    match s.clone().validate() {
        Ok(_) => Ok(s),
        Err(errors) => {
            let e = errors.iter().find(|e| e.field == field).unwrap_or(&errors[0]);
            let message = if e.value.is_empty() {
                // A rule between several settings: say which.
                format!("{} does not work here: {}", raw.trim(), e.allowed)
            } else {
                format!("{} is out of range: it must be {}", raw.trim(), e.allowed)
            };
            Err(KnobError { field, message })
        }
    }
}

/// The CSV a profile of points reads back as.
pub fn profile_csv(profile: &TrafficProfile) -> String {
    match profile {
        TrafficProfile::Points { points } => {
            points.iter().map(|(t, r)| format!("{t},{r}")).collect::<Vec<_>>().join("\n")
        }
        _ => String::new(),
    }
}

/// `60:8, 180:4` → scale to 8 servers at 60 s, then 4 at 180 s.
fn parse_schedule(raw: &str, field: &'static str) -> Result<Vec<ScheduledCount>, KnobError> {
    let bad = |item: &str| KnobError {
        field,
        message: format!("“{item}” is not “seconds:servers”; write the actions like 60:8, 180:4"),
    };
    raw.split([',', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (at, count) = item.split_once(':').ok_or_else(|| bad(item))?;
            Ok(ScheduledCount {
                at_s: at.trim().parse().map_err(|_| bad(item))?,
                count: count.trim().parse().map_err(|_| bad(item))?,
            })
        })
        .collect()
}

pub fn schedule_text(entries: &[ScheduledCount]) -> String {
    entries.iter().map(|e| format!("{}:{}", e.at_s, e.count)).collect::<Vec<_>>().join(", ")
}

/// Each route's fields (cache_control, etag, last_modified, changes_every_s,
/// needs_authorization), by route index:
/// names the form and its error messages share.
pub const ROUTE_FIELDS: [[&str; 5]; sim::validate::limits::caching::MAX_ROUTES] = [
    [
        "caching.routes.0.cache_control",
        "caching.routes.0.etag",
        "caching.routes.0.last_modified",
        "caching.routes.0.changes_every_s",
        "caching.routes.0.needs_authorization",
    ],
    [
        "caching.routes.1.cache_control",
        "caching.routes.1.etag",
        "caching.routes.1.last_modified",
        "caching.routes.1.changes_every_s",
        "caching.routes.1.needs_authorization",
    ],
    [
        "caching.routes.2.cache_control",
        "caching.routes.2.etag",
        "caching.routes.2.last_modified",
        "caching.routes.2.changes_every_s",
        "caching.routes.2.needs_authorization",
    ],
    [
        "caching.routes.3.cache_control",
        "caching.routes.3.etag",
        "caching.routes.3.last_modified",
        "caching.routes.3.changes_every_s",
        "caching.routes.3.needs_authorization",
    ],
    [
        "caching.routes.4.cache_control",
        "caching.routes.4.etag",
        "caching.routes.4.last_modified",
        "caching.routes.4.changes_every_s",
        "caching.routes.4.needs_authorization",
    ],
    [
        "caching.routes.5.cache_control",
        "caching.routes.5.etag",
        "caching.routes.5.last_modified",
        "caching.routes.5.changes_every_s",
        "caching.routes.5.needs_authorization",
    ],
    [
        "caching.routes.6.cache_control",
        "caching.routes.6.etag",
        "caching.routes.6.last_modified",
        "caching.routes.6.changes_every_s",
        "caching.routes.6.needs_authorization",
    ],
    [
        "caching.routes.7.cache_control",
        "caching.routes.7.etag",
        "caching.routes.7.last_modified",
        "caching.routes.7.changes_every_s",
        "caching.routes.7.needs_authorization",
    ],
];

/// One caching-lab setting changed (the scenario's validation then checks the ranges).
fn edit_caching(lab: &mut CachingConfig, field: &'static str, raw: &str) -> Result<(), KnobError> {
    if let Some(knob) = LAB_KNOBS.iter().find(|k| k.field == field) {
        return knob.apply(lab, raw);
    }
    if let Some(knob) = LAB_CHOICES.iter().find(|k| k.field == field) {
        return knob.apply(lab, raw);
    }
    if let Some(knob) = LAB_CHECKS.iter().find(|k| k.field == field) {
        knob.apply(lab, raw);
        return Ok(());
    }
    let (whole, decimal) = ("a whole number", "a number");
    let pick = |options: &[&'static str]| -> Result<usize, KnobError> {
        options
            .iter()
            .position(|o| *o == raw)
            .ok_or_else(|| KnobError { field, message: format!("unknown choice “{raw}”") })
    };
    if let Some((route, which)) =
        ROUTE_FIELDS.iter().enumerate().find_map(|(i, names)| names.iter().position(|n| *n == field).map(|w| (i, w)))
    {
        let r = lab.routes.get_mut(route).ok_or_else(|| KnobError { field, message: "no such route".into() })?;
        match which {
            0 => {
                CacheControl::parse(raw)
                    .map_err(|why| KnobError { field, message: format!("{why}. For example: public, max-age=60") })?;
                r.cache_control = raw.trim().to_string();
            }
            1 => r.etag = [ETagKind::None, ETagKind::Strong, ETagKind::Weak][pick(&["none", "strong", "weak"])?],
            2 => r.last_modified = raw == "true",
            3 => r.changes_every_s = number(raw, field, decimal)?,
            _ => r.needs_authorization = raw == "true",
        }
        return Ok(());
    }
    match field {
        "caching.timeline.clear" => lab.timeline.clear(),
        "caching.timeline.remove" => {
            let index: usize = number(raw, field, whole)?;
            if index < lab.timeline.len() {
                lab.timeline.remove(index);
            }
        }
        _ => return Err(KnobError { field, message: "this setting cannot be changed here".into() }),
    }
    Ok(())
}

#[derive(Properties, PartialEq)]
pub struct KnobsProps {
    pub scenario: Scenario,
    pub error: Option<KnobError>,
    /// (field, raw text): the app applies it with `apply_knob`
    pub on_edit: Callback<(&'static str, String)>,
    /// the split view's second run
    #[prop_or_default]
    pub compare_with: Option<Variant>,
    #[prop_or_default]
    pub on_compare: Callback<Option<Variant>>,
    /// servers in the running pool (the Servers knob scales it without a restart)
    #[prop_or_default]
    pub pool_size: Option<u32>,
}

#[function_component(Knobs)]
pub fn knobs(props: &KnobsProps) -> Html {
    let s = &props.scenario;
    let field = |field: &'static str, label: &str, value: String, step: &str, hint: String| -> Html {
        let cb = props.on_edit.clone();
        let onchange = Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            cb.emit((field, input.value()));
        });
        let error = props.error.as_ref().filter(|e| e.field == field);
        html! {
            <label class={classes!("knob", error.is_some().then_some("invalid"))}>
                <span class="name">{ label }</span>
                <input type="number" step={step.to_string()} value={value} {onchange} data-field={field} />
                <span class="hint">{ hint }</span>
                if let Some(e) = error { <span class="error" role="alert">{ &e.message }</span> }
            </label>
        }
    };
    let select = |field: &'static str,
                  label: &str,
                  options: Vec<(&'static str, &'static str)>,
                  current: &'static str|
     -> Html {
        let cb = props.on_edit.clone();
        let onchange = Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            cb.emit((field, select.value()));
        });
        html! {
            <label class="knob">
                <span class="name">{ label }</span>
                <select {onchange} data-field={field}>
                    { for options.into_iter().map(|(key, text)| html! { <option value={key} selected={key == current}>{ text }</option> }) }
                </select>
            </label>
        }
    };
    let checkbox = |field: &'static str, label: &str, checked: bool, hint: &str| -> Html {
        let cb = props.on_edit.clone();
        let onchange = Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            cb.emit((field, input.checked().to_string()));
        });
        html! {
            <label class="knob check">
                <input type="checkbox" {checked} {onchange} data-field={field} />
                <span class="name">{ label }</span>
                <span class="hint">{ hint.to_string() }</span>
            </label>
        }
    };
    // Free text, applied when the field loses focus (or on Enter in a one-line field): a pasted
    // CSV or a schedule in `rows` lines, or with rows 0 one line (a Cache-Control header).
    let text = |field: &'static str, label: &str, value: String, hint: &str, rows: u32| -> Html {
        let cb = props.on_edit.clone();
        let onchange = Callback::from(move |e: Event| {
            let value = match e.target_dyn_into::<HtmlTextAreaElement>() {
                Some(area) => area.value(),
                None => e.target_unchecked_into::<HtmlInputElement>().value(),
            };
            cb.emit((field, value));
        });
        let error = props.error.as_ref().filter(|e| e.field == field);
        html! {
            <label class={classes!("knob", "text", error.is_some().then_some("invalid"))}>
                <span class="name">{ label }</span>
                if rows == 0 {
                    <input type="text" spellcheck="false" value={value} {onchange} data-field={field} />
                } else {
                    <textarea rows={rows.to_string()} value={value} {onchange} data-field={field} />
                }
                <span class="hint">{ hint.to_string() }</span>
                if let Some(e) = error { <span class="error" role="alert">{ &e.message }</span> }
            </label>
        }
    };
    let edit = |field: &'static str, raw: String| props.on_edit.reform(move |_: MouseEvent| (field, raw.clone()));
    let number =
        |knob: &NumberKnob<Scenario>, hint: String| field(knob.field, knob.label, knob.shown(s), knob.step, hint);
    let optional =
        |knob: &OptionalKnob<Scenario>, hint: String| field(knob.field, knob.label, knob.shown(s), knob.step, hint);
    // a number of one part of the scenario (its traffic profile, its autoscaling policy)
    let in_part = |(name, label, value, step): (&'static str, &str, String, &str), hint: String| {
        field(name, label, value, step, hint)
    };
    let profile_number =
        |knob: &NumberKnob<TrafficProfile>, hint: &str| in_part(knob.drawn(&s.clients.profile), hint.to_string());
    let choice = |knob: &ChoiceKnob<Scenario>| select(knob.field, knob.label, (knob.options)(), (knob.read)(s));
    let check = |knob: &CheckKnob<Scenario>| checkbox(knob.field, knob.label, (knob.read)(s), knob.hint);
    let caching = s.caching.as_ref().map(|lab| {
        let lab_number =
            |knob: &NumberKnob<CachingConfig>, hint: String| field(knob.field, knob.label, knob.shown(lab), knob.step, hint);
        let lab_choice = |knob: &ChoiceKnob<CachingConfig>| select(knob.field, knob.label, (knob.options)(), (knob.read)(lab));
        let lab_check = |knob: &CheckKnob<CachingConfig>| checkbox(knob.field, knob.label, (knob.read)(lab), knob.hint);
        let routes = lab.routes.iter().zip(ROUTE_FIELDS).map(|(r, [cc, etag, modified, changes, auth])| {
            let etag_key = match r.etag {
                ETagKind::None => "none",
                ETagKind::Strong => "strong",
                ETagKind::Weak => "weak",
            };
            html! {
                <fieldset class="route">
                    <legend>{ &r.path }<span class="hint">{ match r.content {
                        Content::Page => format!(" changes every {} s", r.changes_every_s),
                        Content::Account => " each user's own page".to_string(),
                        Content::Product => " from the database; writes change it".to_string(),
                    } }</span></legend>
                    { text(cc, "Cache-Control", r.cache_control.clone(),
                        "max-age=N, s-maxage=N, public, private, no-cache, no-store, must-revalidate, stale-while-revalidate=N", 0) }
                    { select(etag, "ETag", vec![("none", "none"), ("strong", "strong \"v3\""), ("weak", "weak W/\"v3\"")], etag_key) }
                    { checkbox(modified, "Last-Modified", r.last_modified, "lets caches revalidate with If-Modified-Since") }
                    { checkbox(auth, "Needs Authorization", r.needs_authorization, "shared caches store it only if public, s-maxage or must-revalidate") }
                    if r.content != Content::Product {
                        { field(changes, "Changes every (s)", r.changes_every_s.to_string(), "1", String::new()) }
                    }
                </fieldset>
            }
        });
        let sc = &lab.server_cache;
        let lab_timeline = lab.timeline.iter().enumerate().map(|(i, e)| {
            html! {
                <li>
                    <span>{ format!("{:.3} s: {}", e.at_ms / 1e3, e.action.label()) }</span>
                    <button type="button" class="small" onclick={edit("caching.timeline.remove", i.to_string())} aria-label="Remove this failure">{ "×" }</button>
                </li>
            }
        });
        html! { <>
            <h3>{ "Caching lab" }</h3>
            <p class="follows">{ "HTTP caches follow RFC 9111 (with RFC 9110's conditional requests and RFC 5861's stale-while-revalidate); the cache node evicts by exact LRU (Redis 7's allkeys-lru approximates it by sampling 5 keys); coalescing is nginx's proxy_cache_lock." }</p>
            { lab_number(&LAB_USERS, "each with a browser cache of their own".into()) }
            { lab_number(&LAB_RATE, String::new()) }
            { lab_check(&LAB_BROWSER_CACHE) }
            { lab_check(&LAB_SHARED_CACHE) }
            { for routes }
            <h3>{ "Cache node" }</h3>
            { lab_check(&LAB_CACHE_NODE) }
            if sc.enabled {
                { lab_choice(&LAB_STRATEGY) }
                if sc.strategy.writes_into_cache() {
                    <p class="note">{ "Every write goes into the cache, so it is its own invalidation." }</p>
                } else {
                    { lab_choice(&LAB_INVALIDATION) }
                }
                { lab_number(&LAB_CAPACITY, "then LRU eviction".into()) }
                { lab_number(&LAB_TTL, String::new()) }
                { lab_check(&LAB_COALESCING) }
                if sc.strategy == Strategy::WriteBehind {
                    { lab_number(&LAB_FLUSH, "unflushed writes die with the node".into()) }
                }
            }
            { lab_number(&LAB_KEYS, String::new()) }
            { lab_number(&LAB_SKEW, "0 is uniform; 1 and above, a few hot products".into()) }
            { lab_number(&LAB_WRITES, "of product requests".into()) }
            { lab_number(&LAB_DB_CONNECTIONS, String::new()) }
            { lab_number(&LAB_DB_READ, "mean, exponential".into()) }
            { lab_number(&LAB_EDGE, "one way".into()) }
            { lab_number(&LAB_ORIGIN_LINK, "one way".into()) }
            if !lab.timeline.is_empty() {
                // failures kept by links written before they joined the one timeline
                <ul class="timeline">{ for lab_timeline }</ul>
                <button type="button" class="small" onclick={edit("caching.timeline.clear", String::new())}>{ "Clear the lab's failures" }</button>
            }
        </> }
    });
    // What changed while the run went on (a crashed server, a lab failure): one timeline for both.
    let timeline = s.timeline.iter().enumerate().map(|(i, entry)| {
        html! {
            <li>
                <span>{ format!("{:.3} s: {}", entry.at_us as f64 / 1e6, entry.command.describe()) }</span>
                <button type="button" class="small" onclick={edit("timeline.remove", i.to_string())} aria-label="Remove this change">{ "×" }</button>
            </li>
        }
    });
    let timeline_section = html! { <>
        <h3>{ "Timeline" }</h3>
        if s.timeline.is_empty() {
            <p class="note">{ "Changes you make while the run goes on (click a server, inject a failure) are listed here and kept in the link." }</p>
        } else {
            <ul class="timeline">{ for timeline }</ul>
            <button type="button" class="small" onclick={edit("timeline.clear", String::new())}>{ "Clear the timeline" }</button>
        }
    </> };
    let algorithm = s.balancer.algorithm;
    let compare = {
        let cb = props.on_compare.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            cb.emit(Variant::from_key(&select.value()));
        })
    };
    // Every button in these forms says type="button": Enter in a field submits the form, which
    // clicks the form's first submit button, and a bare <button> is one (a timeline entry's ×).
    // The caching lab takes the diagram's place, so its settings are the only ones that show.
    if let Some(caching) = caching {
        return html! {
            <form class="knobs" aria-label="Caching lab settings" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <h2>{ "Scenario" }</h2>
                <p class="note">{ "Changing a setting restarts the run from it." }</p>
                { caching }
                { timeline_section }
            </form>
        };
    }
    html! {
        <form class="knobs" aria-label="Scenario settings" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <h2>{ "Scenario" }</h2>
            <p class="note">{ "Changing a setting restarts the run from it (except Servers, which scales the running pool)." }</p>
            { number(&ARRIVAL_RATE,
                    if s.clients.profile.varies() { "the traffic profile below sets the rate instead".to_string() }
                    else { format!("Poisson arrivals, up to {}", sim::validate::fmt_number(limits::MAX_ARRIVAL_RATE)) }) }
            { choice(&ALGORITHM) }
            <p class="follows">{ format!("Follows {}", algorithm.follows()) }</p>
            <label class="knob">
                <span class="name">{ "Compare side by side with" }</span>
                <select onchange={compare} data-field="compare_with">
                    <option value="" selected={props.compare_with.is_none()}>{ "nothing (one run)" }</option>
                    { for variant_groups(s).into_iter().map(|(group, variants)| html! {
                        <optgroup label={group}>
                            { for variants.into_iter()
                                .map(|v| html! { <option value={v.key()} selected={props.compare_with == Some(v)}>{ v.label() }</option> }) }
                        </optgroup>
                    }) }
                </select>
                <span class="hint">{ "the same requests, two ways, in lockstep" }</span>
            </label>
            { field(SERVERS.field, SERVERS.label, props.pool_size.unwrap_or(s.servers.count).to_string(), SERVERS.step,
                    format!("1 to {}; changes the running pool, no restart", limits::MAX_SERVERS)) }
            { number(&SLOTS,
                    "requests a server works on at once".into()) }
            { number(&SPEED, "2 = twice as fast".into()) }
            { number(&QUEUE_LIMIT,
                    "beyond it: 503".into()) }
            { choice(&SERVICE_KIND) }
            { number(&MEAN_SERVICE,
                    "at speed 1".into()) }
            if let ServiceTime::LogNormal { .. } = s.servers.service {
                { number(&SIGMA, "bigger = longer tail".into()) }
            }
            { number(&LINK_LATENCY,
                    "each hop, one way".into()) }
            { number(&CLIENT_TIMEOUT,
                    "clients give up after this".into()) }
            { number(&USERS, "each has its own IP address".into()) }
            { number(&WEIGHT,
                    "click a server to weigh it alone".into()) }
            { number(&PRICE,
                    "default: AWS m5.large, $0.096/h for 2 vCPUs".into()) }
            <h3>{ "Balancer" }</h3>
            { check(&REDISPATCH) }
            if algorithm == Algorithm::FirstAvailable {
                { optional(&MAX_CONN,
                        format!("HAProxy maxconn, held until the answer is back; empty = each server's slots ({})",
                                s.servers.concurrency)) }
                { number(&QUEUE_TIMEOUT,
                        "HAProxy timeout queue: then a 503".into()) }
            }
            if algorithm == Algorithm::ConsistentHash {
                { optional(&BOUNDED_LOAD,
                        "HAProxy hash-balance-factor; empty = off, 125 to 200 typical".into()) }
            }
            <h3>{ "Sessions" }</h3>
            { choice(&SESSION_MODE) }
            if s.sessions.mode == SessionMode::Database {
                <p class="follows">{ "Follows Flask-Session 0.8 on Redis 7: read at the start of each request, written at its end" }</p>
                { number(&STORE_LATENCY,
                        "server to store, one way".into()) }
                { number(&STORE_OP,
                        "raise it to overload the store".into()) }
                { number(&STORE_THREADS,
                        "Redis runs commands on one".into()) }
            }
            if let Some(data) = &s.data {
                <h3>{ "Database" }</h3>
                <p class="follows">{ data.layout.describe() }</p>
                { number(&DATA_ROWS, "in users, posts, comments, orders and countries; 200 to 2,000,000".into()) }
                { number(&DATA_ZIPF, "0 = every key alike; 1 = a few users own most rows".into()) }
                { number(&DATA_PER_ROW, format!("each query costs {} µs, plus this per row it examines", data.cost.query_overhead_us)) }
                if data.web.is_some() {
                    { number(&DATA_CONNECTIONS, "queries one database server works on at once".into()) }
                    { number(&DATA_LATENCY, "web server to database (and router to shard), one way".into()) }
                }
                if let Some(r) = &data.replication {
                    <p class="follows">{ format!("Single-primary replication; commits: {}", r.commit.label()) }</p>
                    { number(&DATA_REPLICAS, "reads go to them in turn; writes to the primary".into()) }
                    { number(&DATA_APPLY, "log entries each replica applies a second".into()) }
                    { choice(&COMMIT_MODE) }
                    { check(&FAILOVER) }
                    if r.failover.is_some() {
                        { check(&FENCING) }
                    }
                    if let sim::data::replication::CommitMode::SemiSync { .. } = r.commit {
                        { number(&DATA_COMMIT_COUNT, "rpl_semi_sync_source_wait_for_replica_count: 1 by default".into()) }
                        { number(&DATA_COMMIT_TIMEOUT, "then the source falls back to asynchronous: 10,000 by default".into()) }
                    }
                    if let sim::data::replication::CommitMode::Synchronous { .. } = r.commit {
                        { choice(&SYNC_METHOD) }
                        { number(&DATA_COMMIT_COUNT, "k in synchronous_standby_names; no timeout: commits wait".into()) }
                    }
                    { choice(&READ_ROUTING) }
                    { choice(&READ_FIX) }
                    if let sim::data::replication::ReadFix::PrimaryAfterWrite { .. } = r.fix {
                        { number(&DATA_FIX_SECONDS, "Rails' automatic role switching: 2 s".into()) }
                    }
                    if let sim::data::replication::ReadFix::WaitForPosition { .. } = r.fix {
                        { number(&DATA_FIX_TIMEOUT, "then the read takes what the replica has".into()) }
                    }
                    { number(&DATA_STALE_BOUND, "a read from a replica further behind is counted stale".into()) }
                }
                if data.multi_primary.is_some() {
                    <p class="follows">{ "Multi-primary: each region's users write to their own primary, which sends each write to the others" }</p>
                    { number(&DATA_PRIMARIES, "one per region, 2 to 5; a user's region is their number modulo this".into()) }
                    { number(&DATA_LINK, "one way, primary to primary".into()) }
                    { choice(&RESOLUTION) }
                    { number(&DATA_SKEW, "a clock ahead stamps its writes later than they are".into()) }
                }
            }
            <h3>{ "Traffic" }</h3>
            { choice(&PROFILE_KIND) }
            { match &s.clients.profile {
                TrafficProfile::Constant => html! {},
                TrafficProfile::Ramp { .. } => html! { <>
                    { profile_number(&RAMP_FROM, "") }
                    { profile_number(&RAMP_TO, "") }
                    { profile_number(&RAMP_SECONDS, "then it stays there") }
                </> },
                TrafficProfile::Spike { .. } => html! { <>
                    { profile_number(&SPIKE_BASE, "") }
                    { profile_number(&SPIKE_PEAK, "") }
                    { profile_number(&SPIKE_AT, "") }
                    { profile_number(&SPIKE_SECONDS, "") }
                </> },
                TrafficProfile::DailyWave { .. } => html! { <>
                    { profile_number(&WAVE_MEAN, "") }
                    { profile_number(&WAVE_AMPLITUDE, "lowest at the start: night") }
                    { profile_number(&WAVE_PERIOD, "a day, compressed") }
                </> },
                TrafficProfile::Points { .. } => text("clients.profile.csv", "Profile (CSV)", profile_csv(&s.clients.profile),
                    "seconds,requests per second; one point a line, straight lines between", 5),
            } }
            <h3>{ "Autoscaling" }</h3>
            { choice(&POLICY) }
            { match &s.autoscaler.policy {
                ScalingPolicy::None => html! {},
                ScalingPolicy::TargetTracking(t) => html! { <>
                    { choice(&METRIC) }
                    { in_part(TRACKING_TARGET.drawn(t), format!("desired = ceil(servers × value / target){}", t.metric.unit())) }
                    { in_part(TRACKING_TOLERANCE.drawn(t), "no change while the ratio is within ±this".into()) }
                    { in_part(TRACKING_SYNC.drawn(t), "how often it decides".into()) }
                    { in_part(TRACKING_WINDOW.drawn(t), "keeps the highest recommendation of this window; 0 lets it flap".into()) }
                </> },
                ScalingPolicy::StepScaling(st) => html! { <>
                    { choice(&METRIC) }
                    { in_part(STEP_OUT.drawn(st),
                            format!("adds {}", st.scale_out_steps.iter().map(|(from, n)| format!("{n} from +{from}")).collect::<Vec<_>>().join(", "))) }
                    { in_part(STEP_IN.drawn(st), format!("removes {}", st.scale_in_by)) }
                    { in_part(STEP_PERIOD.drawn(st), "CloudWatch: 60".into()) }
                    { in_part(STEP_COOLDOWN.drawn(st), "DefaultCooldown: 300".into()) }
                </> },
                ScalingPolicy::Schedule(entries) => text("autoscaler.schedule", "Schedule", schedule_text(entries),
                    "seconds:servers, e.g. 60:8, 180:4", 2),
            } }
            if s.autoscaler.is_active() {
                { number(&MIN_SERVERS, String::new()) }
                { number(&MAX_SERVERS, String::new()) }
                { number(&SLO, "each second above it counts".into()) }
            }
            { number(&BOOT,
                    "a new server boots, then must pass its health checks".into()) }
            { number(&DRAIN_TIMEOUT,
                    "a removed server is stopped after this (Kubernetes: 30)".into()) }
            <h3>{ "Health checks" }</h3>
            { check(&HEARTBEATS) }
            if s.health_check.enabled {
                { number(&CHECK_INTERVAL, "also the check's timeout".into()) }
                { number(&FALL, "failures in a row to mark down".into()) }
                { number(&RISE, "passes in a row to mark up".into()) }
            }
            { timeline_section }
        </form>
    }
}

/// The variants a scenario can be compared with, by the knob each turns, in menu order.
fn variant_groups(s: &Scenario) -> Vec<(&'static str, Vec<Variant>)> {
    let mut groups: Vec<(&'static str, Vec<Variant>)> = Vec::new();
    for v in Variant::all_but(s) {
        match groups.iter_mut().find(|(g, _)| *g == v.group()) {
            Some((_, vs)) => vs.push(v),
            None => groups.push((v.group(), vec![v])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::components::autoscaler::ScalingMetric;

    #[test]
    fn a_good_edit_changes_one_field() {
        let s = Scenario::default();
        let edited = apply_knob(&s, "servers.count", "7").unwrap();
        assert_eq!(edited.servers.count, 7);
        assert_eq!(edited.clients, s.clients);
        let edited = apply_knob(&s, "servers.service.kind", "log_normal").unwrap();
        assert_eq!(edited.servers.service, ServiceTime::LogNormal { mean_ms: 20.0, sigma: 1.0 });
        let edited = apply_knob(&s, "balancer.algorithm", "least_connections").unwrap();
        assert_eq!(edited.balancer.algorithm, Algorithm::LeastConnections);
        assert_eq!(apply_knob(&s, "balancer.queue_timeout_ms", "250").unwrap().balancer.queue_timeout_ms, 250.0);
        assert!(apply_knob(&s, "balancer.queue_timeout_ms", "0").is_err());
        assert_eq!(apply_knob(&s, "balancer.max_conn", "6").unwrap().balancer.max_conn, Some(6));
        assert_eq!(apply_knob(&s, "balancer.max_conn", " ").unwrap().balancer.max_conn, None);
        assert!(apply_knob(&s, "balancer.max_conn", "0").is_err());
        let edited = apply_knob(&s, "balancer.redispatch", "true").unwrap();
        assert!(edited.balancer.redispatch);
        assert_eq!(
            apply_knob(&s, "balancer.bounded_load_percent", "150").unwrap().balancer.bounded_load_percent,
            Some(150)
        );
        assert_eq!(apply_knob(&s, "balancer.bounded_load_percent", "").unwrap().balancer.bounded_load_percent, None);
        assert!(apply_knob(&s, "balancer.bounded_load_percent", "90").is_err());
        assert_eq!(apply_knob(&s, "sessions.mode", "sticky_cookie").unwrap().sessions.mode, SessionMode::StickyCookie);
        // The form's keys are the scenario's own (serde) names.
        for mode in SessionMode::ALL {
            assert_eq!(serde_json::to_string(&mode).unwrap(), format!("\"{}\"", session_mode_key(mode)));
        }
        let hung = (sim::presets::find("hung-server").unwrap().build)();
        assert!(apply_knob(&hung, "timeline.remove", "0").unwrap().timeline.is_empty());
    }

    #[test]
    fn traffic_profiles_and_autoscaling_are_set_from_the_form() {
        let s = Scenario::default();
        let ramp = apply_knob(&s, "clients.profile.kind", "ramp").unwrap();
        assert_eq!(ramp.clients.profile, TrafficProfile::Ramp { from: 300.0, to: 600.0, seconds: 300.0 });
        let ramp = apply_knob(&ramp, "clients.profile.to", "900").unwrap();
        assert_eq!(ramp.clients.profile.rate_at(1_000.0, 0.0), 900.0);
        let csv = apply_knob(&s, "clients.profile.csv", "0,100\n60,400").unwrap();
        assert_eq!(profile_kind(&csv.clients.profile), "points");
        assert_eq!(profile_csv(&csv.clients.profile), "0,100\n60,400");
        let e = apply_knob(&s, "clients.profile.csv", "0,100\nsoon,400").unwrap_err();
        assert_eq!(e.message, "line 2 (“soon,400”) is not “seconds,requests per second”");
        let hpa = apply_knob(&s, "autoscaler.policy", "target_tracking").unwrap();
        assert_eq!(policy_kind(&hpa.autoscaler.policy), "target_tracking");
        let latency = apply_knob(&hpa, "autoscaler.metric", "p95_latency").unwrap();
        match &latency.autoscaler.policy {
            ScalingPolicy::TargetTracking(t) => assert_eq!((t.metric, t.target), (ScalingMetric::P95Latency, 150.0)),
            other => panic!("{other:?}"),
        }
        let e = apply_knob(&hpa, "autoscaler.min_servers", "30").unwrap_err();
        assert!(e.message.starts_with("30 does not work here: the autoscaler's minimum (30)"), "{}", e.message);
        assert!(apply_knob(&s, "autoscaler.target", "50")
            .unwrap_err()
            .message
            .contains("choose an autoscaling policy"));
        let plan = apply_knob(&s, "autoscaler.schedule", "60:8, 180:4").unwrap();
        assert_eq!(
            plan.autoscaler.policy,
            ScalingPolicy::Schedule(vec![
                ScheduledCount { at_s: 60, count: 8 },
                ScheduledCount { at_s: 180, count: 4 }
            ])
        );
        assert!(apply_knob(&s, "autoscaler.schedule", "60-8").unwrap_err().message.contains("60:8, 180:4"));
        assert_eq!(apply_knob(&s, "servers.boot_s", "45").unwrap().servers.boot_ms, 45_000.0);
    }

    #[test]
    fn the_database_is_edited_from_the_form() {
        let s = (sim::presets::find("data-database-bottleneck").unwrap().build)();
        let more = apply_knob(&s, "data.web.connections", "8").unwrap();
        assert_eq!(more.data.as_ref().unwrap().web.as_ref().unwrap().connections, 8);
        assert_eq!(apply_knob(&s, "data.rows", "50000").unwrap().data.unwrap().rows, 50_000);
        let e = apply_knob(&s, "data.web.connections", "0").unwrap_err();
        assert_eq!(e.field, "data.web.connections");
        assert!(e.message.contains("between 1 and 256"), "{}", e.message);
        let e = apply_knob(&s, "data.rows", "10").unwrap_err();
        assert!(e.message.contains("between 200 and 2,000,000"), "{}", e.message);
        // Replication's fix, its number, and a number out of range.
        let r = (sim::presets::find("data-replication-lag").unwrap().build)();
        let wait = apply_knob(&r, "data.replication.fix", "wait_for_position").unwrap();
        let fix = |s: &Scenario| s.data.as_ref().unwrap().replication.as_ref().unwrap().fix;
        assert_eq!(fix(&wait), sim::data::replication::ReadFix::WaitForPosition { timeout_ms: 500.0 });
        let longer = apply_knob(&wait, "data.replication.fix.timeout_ms", "900").unwrap();
        assert_eq!(fix(&longer), sim::data::replication::ReadFix::WaitForPosition { timeout_ms: 900.0 });
        let e = apply_knob(&wait, "data.replication.fix.timeout_ms", "-1").unwrap_err();
        assert_eq!(e.field, "data.replication.fix.timeout_ms");
        // A scenario without a database keeps none.
        assert!(apply_knob(&Scenario::default(), "data.rows", "5000").unwrap().data.is_none());
    }

    #[test]
    fn the_caching_lab_is_edited_from_the_form() {
        let lab = (sim::presets::find("caching-etag").unwrap().build)();
        let [cc, etag, modified, _, auth] = ROUTE_FIELDS[0];
        let edited = apply_knob(&lab, cc, "public, max-age=60").unwrap();
        assert_eq!(edited.caching.as_ref().unwrap().routes[0].cache_control, "public, max-age=60");
        assert_eq!(apply_knob(&lab, etag, "weak").unwrap().caching.unwrap().routes[0].etag, ETagKind::Weak);
        assert!(!apply_knob(&lab, modified, "false").unwrap().caching.unwrap().routes[0].last_modified);
        assert!(apply_knob(&lab, auth, "true").unwrap().caching.unwrap().routes[0].needs_authorization);
        let e = apply_knob(&lab, cc, "max-age=ten").unwrap_err();
        assert_eq!(e.field, cc);
        assert!(e.message.contains("whole seconds") && e.message.contains("For example"), "{}", e.message);
        let e = apply_knob(&lab, "caching.server_cache.ttl_s", "0").unwrap_err();
        assert!(e.message.contains("more than 0"), "{}", e.message);
        let strategy = apply_knob(&lab, "caching.server_cache.strategy", "write_behind").unwrap();
        assert_eq!(strategy.caching.unwrap().server_cache.strategy, Strategy::WriteBehind);
        let e = apply_knob(&Scenario::default(), "caching.users", "10").unwrap_err();
        assert!(e.message.contains("load a preset of the Caching lesson"), "{}", e.message);
    }

    #[test]
    fn bad_edits_say_what_to_enter() {
        let s = Scenario::default();
        let e = apply_knob(&s, "servers.count", "5000").unwrap_err();
        assert_eq!(
            (e.field, e.message.as_str()),
            ("servers.count", "5000 is out of range: it must be between 1 and 1,000")
        );
        let e = apply_knob(&s, "clients.arrival_rate", "lots").unwrap_err();
        assert_eq!(e.message, "“lots” is not a number; enter a number");
        let e = apply_knob(&s, "servers.concurrency", "2.5").unwrap_err();
        assert!(e.message.contains("a whole number"));
        assert!(apply_knob(&s, "clients.arrival_rate", "0").is_err());
    }
}
