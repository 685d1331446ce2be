//! What the lab shows: where requests are on the wire (`Dot`), what served each (`ServedBy`),
//! its counters and per-second samples, the exchanges the header inspector lists, and the
//! headers as they go over the wire.

use crate::caching::http::{Request, Response};
use serde::{Deserialize, Serialize};

/// Where a request can be on the wire: the network legs the diagram animates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Place {
    Browsers,
    SharedCache,
    Origin,
}

/// What a dot on the wire carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DotKind {
    Request,
    /// a response with a body
    Response,
    /// a 304, without one
    NotModified,
    /// no answer: the origin could not be reached
    Error,
}

/// A request or response travelling between two places, `progress` of the way (0 to 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Dot {
    pub from: Place,
    pub to: Place,
    pub progress: f64,
    pub kind: DotKind,
}

/// Dots a snapshot carries at most; the rest are counted in `flights`.
pub const MAX_DOTS: usize = 300;

/// Where the body a user got came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ServedBy {
    /// the browser's own copy, fresh: nothing was sent
    BrowserCache,
    /// the browser's own copy, after a 304 said it is still current
    BrowserRevalidated,
    SharedCache,
    SharedRevalidated,
    Origin,
}

impl ServedBy {
    pub fn label(self) -> &'static str {
        match self {
            ServedBy::BrowserCache => "browser cache",
            ServedBy::BrowserRevalidated => "browser cache, revalidated",
            ServedBy::SharedCache => "shared cache",
            ServedBy::SharedRevalidated => "shared cache, revalidated",
            ServedBy::Origin => "origin",
        }
    }
}

/// Running totals since the lab started.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LabCounters {
    pub user_requests: u64,
    pub browser_lookups: u64,
    pub browser_hits: u64,
    pub shared_lookups: u64,
    pub shared_hits: u64,
    /// 304 Not Modified answers (from the origin or the shared cache)
    pub not_modified: u64,
    pub origin_requests: u64,
    /// body bytes the origin sent
    pub origin_body_bytes: u64,
    /// body bytes users received that the origin did not have to send
    pub bytes_saved: u64,
    pub server_cache_lookups: u64,
    pub server_cache_hits: u64,
    pub db_reads: u64,
    pub db_writes: u64,
    /// database reads of a key that another read of the same key was already doing
    pub duplicate_db_reads: u64,
    /// responses users saw that were older than the origin's current content
    pub stale_seen: u64,
    /// product reads the origin got (from the cache node) older than the last acknowledged write
    pub stale_server_reads: u64,
    /// acknowledged writes that never reached the database (write-behind, cache node crash)
    pub lost_writes: u64,
    /// a page behind Authorization handed to another user (a shared cache storing it)
    pub wrong_user_pages: u64,
    /// answers that were errors (origin unreachable)
    pub errors: u64,
    /// the longest time a stale product read came after the newer write's acknowledgement [s]
    pub longest_stale_s: f64,
    /// the longest database read that filled the cache [s]
    pub longest_fill_s: f64,
}

impl LabCounters {
    pub fn browser_hit_ratio(&self) -> f64 {
        ratio(self.browser_hits, self.browser_lookups)
    }
    pub fn shared_hit_ratio(&self) -> f64 {
        ratio(self.shared_hits, self.shared_lookups)
    }
    pub fn server_cache_hit_ratio(&self) -> f64 {
        ratio(self.server_cache_hits, self.server_cache_lookups)
    }

    /// The figures the lab reports, labelled, in the order the CLI and the page show them.
    pub fn figures(&self) -> Vec<(&'static str, String)> {
        let percent = |r: f64| format!("{:.1}%", r * 100.0);
        let megabytes = |b: u64| format!("{:.1} MB", b as f64 / 1e6);
        vec![
            ("Requests by users", self.user_requests.to_string()),
            ("Browser cache hit ratio", percent(self.browser_hit_ratio())),
            ("Shared cache hit ratio", percent(self.shared_hit_ratio())),
            ("304 Not Modified", self.not_modified.to_string()),
            ("Requests reaching the origin", self.origin_requests.to_string()),
            ("Body bytes the origin sent", megabytes(self.origin_body_bytes)),
            ("Bytes saved by caches", megabytes(self.bytes_saved)),
            ("Cache node hit ratio", percent(self.server_cache_hit_ratio())),
            ("Database reads", self.db_reads.to_string()),
            ("Database writes", self.db_writes.to_string()),
            ("Duplicate database reads (stampede)", self.duplicate_db_reads.to_string()),
            ("Stale responses users saw", self.stale_seen.to_string()),
            ("Stale reads from the cache node", self.stale_server_reads.to_string()),
            ("Lost writes", self.lost_writes.to_string()),
            ("Another user's page served", self.wrong_user_pages.to_string()),
            ("Errors (origin unreachable)", self.errors.to_string()),
        ]
    }
}

pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// One simulated second, for the charts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LabSecond {
    pub second: u64,
    pub counters: LabCounters,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// The lab's seconds as CSV, one line each: what happened in that second (counts) and its
/// latency percentiles, as the lab's charts draw them.
pub fn lab_seconds_csv(seconds: &[LabSecond]) -> String {
    let mut out = String::from(
        "second,user_requests,browser_hits,shared_hits,not_modified,origin_requests,server_cache_hits,\
         db_reads,db_writes,stale_seen,errors,p50_ms,p95_ms\n",
    );
    for s in seconds {
        let c = &s.counters;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{:.3},{:.3}\n",
            s.second,
            c.user_requests,
            c.browser_hits,
            c.shared_hits,
            c.not_modified,
            c.origin_requests,
            c.server_cache_hits,
            c.db_reads,
            c.db_writes,
            c.stale_seen,
            c.errors,
            s.p50_ms,
            s.p95_ms
        ));
    }
    out
}

/// One exchange for the header inspector.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Exchange {
    pub at_s: f64,
    pub user: u32,
    pub request_line: String,
    /// the request as the browser sent it (empty when the browser answered it itself)
    pub request_headers: Vec<(String, String)>,
    pub steps: Vec<String>,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    /// where the body came from
    pub served_by: ServedBy,
    pub latency_ms: f64,
    pub stale: bool,
    /// a page behind Authorization that belongs to another user
    pub wrong_user: bool,
    pub outcome: String,
}

/// What the diagram draws.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CacheLabSnapshot {
    pub now_s: f64,
    pub counters: LabCounters,
    pub shared_entries: usize,
    pub cache_node_up: bool,
    pub cache_node_entries: usize,
    pub cache_node_capacity: usize,
    pub cache_node_dirty: usize,
    pub origin_up: bool,
    pub db_busy: u32,
    pub db_queued: usize,
    pub flights: usize,
    /// requests and responses on the wire (at most `MAX_DOTS`)
    pub dots: Vec<Dot>,
    /// the hit ratio Che's approximation predicts for the cache node (LRU under these Zipf keys,
    /// no TTL or writes)
    pub theory_hit_ratio: f64,
}

/// An HTTP date for a second of the run: the run starts at Thu, 01 Jan 2026 00:00:00 GMT.
pub fn http_date(second: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = second / 86_400;
    let (mut year, mut day_of_year) = (2026u64, days);
    while day_of_year >= crate::calendar::days_in_year(year) {
        day_of_year -= crate::calendar::days_in_year(year);
        year += 1;
    }
    let (month, day) = crate::calendar::month_and_day(year, day_of_year);
    let s = second % 86_400;
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[month as usize - 1],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

pub(super) fn request_headers(request: &Request) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    if request.authorization {
        headers.push(("Authorization".into(), "Bearer …".into()));
    }
    if let Some(etag) = &request.if_none_match {
        headers.push(("If-None-Match".into(), etag.to_string()));
    }
    if let Some(since) = request.if_modified_since {
        headers.push(("If-Modified-Since".into(), http_date(since)));
    }
    headers
}

pub(super) fn response_headers(response: &Response, from_a_cache: bool) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    let cc = response.cache_control.to_string();
    if !cc.is_empty() {
        headers.push(("Cache-Control".into(), cc));
    }
    if let Some(etag) = &response.etag {
        headers.push(("ETag".into(), etag.to_string()));
    }
    if let Some(modified) = response.last_modified {
        headers.push(("Last-Modified".into(), http_date(modified)));
    }
    headers.push(("Date".into(), http_date(response.date)));
    if let (true, Some(age)) = (from_a_cache, response.age) {
        headers.push(("Age".into(), age.to_string()));
    }
    headers.push(("Content-Length".into(), response.body_bytes.to_string()));
    headers
}

/// What changed between two running totals (the longest-ever figures are kept as they are).
pub(super) fn difference(now: &LabCounters, before: &LabCounters) -> LabCounters {
    LabCounters {
        user_requests: now.user_requests - before.user_requests,
        browser_lookups: now.browser_lookups - before.browser_lookups,
        browser_hits: now.browser_hits - before.browser_hits,
        shared_lookups: now.shared_lookups - before.shared_lookups,
        shared_hits: now.shared_hits - before.shared_hits,
        not_modified: now.not_modified - before.not_modified,
        origin_requests: now.origin_requests - before.origin_requests,
        origin_body_bytes: now.origin_body_bytes - before.origin_body_bytes,
        bytes_saved: now.bytes_saved - before.bytes_saved,
        server_cache_lookups: now.server_cache_lookups - before.server_cache_lookups,
        server_cache_hits: now.server_cache_hits - before.server_cache_hits,
        db_reads: now.db_reads - before.db_reads,
        db_writes: now.db_writes - before.db_writes,
        duplicate_db_reads: now.duplicate_db_reads - before.duplicate_db_reads,
        stale_seen: now.stale_seen - before.stale_seen,
        stale_server_reads: now.stale_server_reads - before.stale_server_reads,
        lost_writes: now.lost_writes - before.lost_writes,
        wrong_user_pages: now.wrong_user_pages - before.wrong_user_pages,
        errors: now.errors - before.errors,
        longest_stale_s: now.longest_stale_s,
        longest_fill_s: now.longest_fill_s,
    }
}
