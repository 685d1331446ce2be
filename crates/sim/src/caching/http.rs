//! HTTP caching decisions, as RFC 9111 (with RFC 9110's conditional requests and RFC 5861's
//! stale-while-revalidate) says a browser (private) or a CDN/proxy (shared) cache makes them.
//! Pure: a request, what the cache holds and the time go in; a decision and its reason come out.
//! Times are seconds since the run began; header dates have HTTP's one-second resolution.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Whose cache decides: one user's browser, or one shared by many users (RFC 9111 §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CacheKind {
    Private,
    Shared,
}

/// A response's `Cache-Control` directives (RFC 9111 §5.2.2, RFC 5861 §3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheControl {
    pub max_age: Option<u64>,
    pub s_maxage: Option<u64>,
    pub public: bool,
    pub private: bool,
    pub no_cache: bool,
    pub no_store: bool,
    pub must_revalidate: bool,
    pub proxy_revalidate: bool,
    pub stale_while_revalidate: Option<u64>,
}

impl CacheControl {
    /// Reads a `Cache-Control` header. Stricter than a cache (which ignores what it does not
    /// know) because a student typed it: an unknown directive or a bad number is named.
    pub fn parse(header: &str) -> Result<CacheControl, String> {
        let mut cc = CacheControl::default();
        for part in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = match part.split_once('=') {
                Some((n, v)) => (n.trim().to_ascii_lowercase(), Some(v.trim().trim_matches('"'))),
                None => (part.to_ascii_lowercase(), None),
            };
            let seconds = |v: Option<&str>| -> Result<u64, String> {
                let v = v.ok_or_else(|| format!("{name} needs a number of seconds, as in {name}=60"))?;
                v.parse::<u64>().map_err(|_| format!("{name}={v}: the value must be whole seconds, as in {name}=60"))
            };
            let flag = |v: Option<&str>| match v {
                None => Ok(true),
                Some(_) => Err(format!("{name} takes no value: write just {name}")),
            };
            match name.as_str() {
                "max-age" => cc.max_age = Some(seconds(value)?),
                "s-maxage" => cc.s_maxage = Some(seconds(value)?),
                "stale-while-revalidate" => cc.stale_while_revalidate = Some(seconds(value)?),
                "public" => cc.public = flag(value)?,
                "private" => cc.private = flag(value)?,
                "no-cache" => cc.no_cache = flag(value)?,
                "no-store" => cc.no_store = flag(value)?,
                "must-revalidate" => cc.must_revalidate = flag(value)?,
                "proxy-revalidate" => cc.proxy_revalidate = flag(value)?,
                other => {
                    return Err(format!(
                        "unknown directive `{other}`: use max-age=N, s-maxage=N, public, private, no-cache, \
                         no-store, must-revalidate, proxy-revalidate or stale-while-revalidate=N"
                    ))
                }
            }
        }
        Ok(cc)
    }
}

impl fmt::Display for CacheControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let flags = [
            (self.public, "public"),
            (self.private, "private"),
            (self.no_cache, "no-cache"),
            (self.no_store, "no-store"),
            (self.must_revalidate, "must-revalidate"),
            (self.proxy_revalidate, "proxy-revalidate"),
        ];
        parts.extend(flags.iter().filter(|(on, _)| *on).map(|(_, name)| name.to_string()));
        let numbers = [
            ("max-age", self.max_age),
            ("s-maxage", self.s_maxage),
            ("stale-while-revalidate", self.stale_while_revalidate),
        ];
        parts.extend(numbers.iter().filter_map(|(name, v)| v.map(|v| format!("{name}={v}"))));
        f.write_str(&parts.join(", "))
    }
}

/// An entity tag: strong `"v3"` or weak `W/"v3"` (RFC 9110 §8.8.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ETag {
    pub weak: bool,
    pub opaque: String,
}

impl ETag {
    /// Weak comparison (§8.8.3.2): the opaque tags match, `W/` or not. `If-None-Match` uses it.
    pub fn weak_eq(&self, other: &ETag) -> bool {
        self.opaque == other.opaque
    }
    /// Strong comparison: both strong and the same. `If-Match` uses it.
    pub fn strong_eq(&self, other: &ETag) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\"{}\"", if self.weak { "W/" } else { "" }, self.opaque)
    }
}

/// `Expires`: a date, or a value that does not parse as one (such as `0`), which means
/// "already expired" (RFC 9111 §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expires {
    At(u64),
    Invalid,
}

/// The headers of a response that matter to a cache. Dates are whole seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    pub cache_control: CacheControl,
    pub etag: Option<ETag>,
    pub last_modified: Option<u64>,
    pub date: u64,
    pub expires: Option<Expires>,
    /// the `Age` header a cache on the way added [s]
    pub age: Option<u64>,
    /// the body's length [bytes]; a 304 has none
    pub body_bytes: u32,
    /// what the body holds: the content's version (for counting stale responses)
    pub version: u64,
    /// whose page it is, for a page behind `Authorization` (a shared cache that hands it to
    /// someone else has leaked it)
    pub for_user: Option<u32>,
}

/// The parts of a GET request that matter to a cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub authorization: bool,
    pub if_none_match: Option<ETag>,
    pub if_modified_since: Option<u64>,
}

/// A response as a cache holds it, with when it asked for it and when it arrived (§4.2.3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    pub response: Response,
    pub request_time: f64,
    pub response_time: f64,
}

/// Status codes a cache may give heuristic freshness (RFC 9110 §15.1).
const HEURISTICALLY_CACHEABLE: [u16; 12] = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501];
/// The share of (Date − Last-Modified) a cache takes as a heuristic lifetime (RFC 9111 §4.2.2).
const HEURISTIC_FRACTION: f64 = 0.1;

/// Whether a cache may store `response` to `request`; Err gives the reason it may not (§3, §3.5).
pub fn may_store(kind: CacheKind, request: &Request, response: &Response) -> Result<(), String> {
    let cc = &response.cache_control;
    if cc.no_store {
        return Err("not stored: no-store".into());
    }
    if kind == CacheKind::Shared && cc.private {
        return Err("not stored: private response in a shared cache".into());
    }
    if kind == CacheKind::Shared && request.authorization && !(cc.public || cc.s_maxage.is_some() || cc.must_revalidate)
    {
        return Err("not stored: request had Authorization and the response is not public, s-maxage or \
                    must-revalidate"
            .into());
    }
    let explicit = cc.public
        || cc.max_age.is_some()
        || response.expires.is_some()
        || (kind == CacheKind::Shared && cc.s_maxage.is_some())
        || (kind == CacheKind::Private && cc.private);
    if !(explicit || HEURISTICALLY_CACHEABLE.contains(&response.status)) {
        return Err(format!("not stored: status {} without explicit freshness", response.status));
    }
    Ok(())
}

/// Where a freshness lifetime came from, for the reason text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifetimeSource {
    SMaxage,
    MaxAge,
    Expires,
    Heuristic,
    None,
}

impl LifetimeSource {
    fn name(self) -> &'static str {
        match self {
            LifetimeSource::SMaxage => "s-maxage",
            LifetimeSource::MaxAge => "max-age",
            LifetimeSource::Expires => "Expires − Date",
            LifetimeSource::Heuristic => "heuristic lifetime (10% of Date − Last-Modified)",
            LifetimeSource::None => "freshness lifetime",
        }
    }
}

/// The freshness lifetime [s] in RFC 9111 §4.2.1's order: s-maxage (shared caches only),
/// max-age, Expires − Date, then a heuristic only when nothing explicit is given.
pub fn freshness_lifetime(kind: CacheKind, response: &Response) -> (f64, LifetimeSource) {
    let cc = &response.cache_control;
    if let (CacheKind::Shared, Some(s)) = (kind, cc.s_maxage) {
        return (s as f64, LifetimeSource::SMaxage);
    }
    if let Some(m) = cc.max_age {
        return (m as f64, LifetimeSource::MaxAge);
    }
    match response.expires {
        Some(Expires::At(at)) => return (at.saturating_sub(response.date) as f64, LifetimeSource::Expires),
        Some(Expires::Invalid) => return (0.0, LifetimeSource::Expires),
        None => {}
    }
    let heuristic_allowed = HEURISTICALLY_CACHEABLE.contains(&response.status) || cc.public;
    match response.last_modified {
        Some(modified) if heuristic_allowed => {
            (response.date.saturating_sub(modified) as f64 * HEURISTIC_FRACTION, LifetimeSource::Heuristic)
        }
        _ => (0.0, LifetimeSource::None),
    }
}

/// The stored response's current age [s] (RFC 9111 §4.2.3).
pub fn current_age(stored: &Stored, now: f64) -> f64 {
    let apparent_age = (stored.response_time - stored.response.date as f64).max(0.0);
    let response_delay = stored.response_time - stored.request_time;
    let corrected_age_value = stored.response.age.unwrap_or(0) as f64 + response_delay;
    let corrected_initial_age = apparent_age.max(corrected_age_value);
    let resident_time = now - stored.response_time;
    corrected_initial_age + resident_time
}

/// What a cache does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// nothing usable stored: forward the request as it is
    Miss,
    /// serve the stored response without contacting the origin
    Hit,
    /// serve the stored (stale) response now and revalidate it in the background (RFC 5861)
    HitStaleRevalidate,
    /// ask the origin with the stored validators before reusing it
    Revalidate,
}

/// A decision and the reason a student reads in the header inspector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub action: Action,
    pub reason: String,
}

fn decision(action: Action, reason: String) -> Decision {
    Decision { action, reason }
}

/// Whether a stale response must be validated before any reuse: must-revalidate, and for shared
/// caches proxy-revalidate or s-maxage (which implies it, §5.2.2.10).
fn must_validate_when_stale(kind: CacheKind, cc: &CacheControl) -> bool {
    cc.must_revalidate || (kind == CacheKind::Shared && (cc.proxy_revalidate || cc.s_maxage.is_some()))
}

/// How a cache answers a GET for a URL for which it holds `stored` (if anything) at `now`.
pub fn decide(kind: CacheKind, stored: Option<&Stored>, now: f64) -> Decision {
    let Some(stored) = stored else { return decision(Action::Miss, "miss: nothing stored".into()) };
    let cc = &stored.response.cache_control;
    let age = current_age(stored, now);
    // Ages read as the Age header does: whole seconds, rounded down.
    let shown_age = age.max(0.0).floor();
    let (lifetime, source) = freshness_lifetime(kind, &stored.response);
    if cc.no_cache {
        return decision(Action::Revalidate, "no-cache: must revalidate before every reuse".into());
    }
    if lifetime > age {
        return decision(Action::Hit, format!("fresh: age {shown_age} s < {} {lifetime} s", source.name()));
    }
    let stale_by = (age - lifetime).floor();
    if let Some(window) = cc.stale_while_revalidate {
        if !must_validate_when_stale(kind, cc) && stale_by < window as f64 {
            return decision(
                Action::HitStaleRevalidate,
                format!(
                    "stale by {stale_by:.0} s, within stale-while-revalidate={window}: served stale, revalidating \
                     in the background"
                ),
            );
        }
    }
    let why = if must_validate_when_stale(kind, cc) { ", must revalidate" } else { "" };
    decision(Action::Revalidate, format!("stale: age {shown_age} s ≥ {} {lifetime} s{why}", source.name()))
}

/// What a cache does when it must contact the origin and cannot: serve the stale copy when the
/// response allows it (a disconnected cache may, §4.2.4), else answer 504.
pub fn when_origin_unreachable(kind: CacheKind, stored: Option<&Stored>) -> Decision {
    match stored {
        Some(s)
            if !(s.response.cache_control.no_cache || must_validate_when_stale(kind, &s.response.cache_control)) =>
        {
            decision(Action::Hit, "origin unreachable: served stale (allowed without must-revalidate)".into())
        }
        Some(_) => decision(Action::Miss, "origin unreachable and must-revalidate: 504 Gateway Timeout".into()),
        None => decision(Action::Miss, "origin unreachable, nothing stored: 504 Gateway Timeout".into()),
    }
}

/// The conditional request a cache sends to revalidate `stored` (§4.3.1): If-None-Match with
/// its ETag, and If-Modified-Since with its Last-Modified.
pub fn conditional(request: &Request, stored: &Stored) -> Request {
    Request {
        authorization: request.authorization,
        if_none_match: stored.response.etag.clone(),
        if_modified_since: stored.response.last_modified,
    }
}

/// Whether a conditional GET matches the current representation, so the answer is 304
/// (RFC 9110 §13.1): If-None-Match by weak comparison; If-Modified-Since only without it.
pub fn not_modified(request: &Request, etag: Option<&ETag>, last_modified: Option<u64>) -> bool {
    match (&request.if_none_match, etag) {
        (Some(asked), Some(current)) => asked.weak_eq(current),
        (Some(_), None) => false,
        (None, _) => match (request.if_modified_since, last_modified) {
            (Some(since), Some(modified)) => modified <= since,
            _ => false,
        },
    }
}

/// Updates a stored response with a 304's headers (§4.3.4): its age starts again and it takes
/// the new Cache-Control, Date, Expires and validators; the body stays.
pub fn freshen(stored: &mut Stored, not_modified: &Response, request_time: f64, response_time: f64) {
    let (status, body_bytes, version, for_user) =
        (stored.response.status, stored.response.body_bytes, stored.response.version, stored.response.for_user);
    stored.response = Response { status, body_bytes, version, for_user, ..not_modified.clone() };
    stored.request_time = request_time;
    stored.response_time = response_time;
}

/// The `Age` a cache puts on a response it serves from storage [whole seconds].
pub fn age_header(stored: &Stored, now: f64) -> u64 {
    current_age(stored, now).max(0.0) as u64
}
