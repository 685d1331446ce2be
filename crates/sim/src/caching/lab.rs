//! The Caching lesson's lab: users' browsers (private caches), an optional shared cache, the
//! origin, and behind it a cache node in front of the database. It is a part of the run, not an
//! engine: it keeps its own state and says what should happen when (its `agenda`), and the
//! engine puts that on the run's one event queue and hands each event back at its moment
//! (`handle`). Every HTTP decision is `http::decide` and its friends; this file only moves
//! requests along the path and counts what happens.

use super::http::{self, Action, CacheControl, CacheKind, Request, Response, Stored};
use super::lru::Lru;
use super::zipf::{self, Zipf};
use super::{CachingConfig, Content, ETagKind, Invalidation, LabAction, Strategy};
use crate::rng::Rng;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How many exchanges the header inspector keeps.
const KEPT_EXCHANGES: usize = 60;
/// Acknowledged writes kept per key, to date stale reads.
const KEPT_ACKS: usize = 64;

/// A URL: a route, and for products the product's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Url {
    route: usize,
    key: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    /// a user's request: what comes back is what the user sees
    User,
    /// a cache revalidating in the background (stale-while-revalidate): it only updates that cache
    Background(CacheKind),
}

/// One HTTP exchange on its way through the caches to the origin and back.
struct Flight {
    user: u32,
    url: Url,
    write: bool,
    purpose: Purpose,
    started: SimTime,
    /// what the browser sent on (after its own decision), and when [s]
    from_browser: Request,
    browser_sent_s: f64,
    /// what the shared cache sent to the origin, and when [s]
    from_shared: Request,
    shared_sent_s: f64,
    /// the product row the origin read (version, last modified [s]), or the version it wrote
    product: Option<(u64, u64)>,
    response: Option<Response>,
    /// body bytes the origin sent for it
    origin_bytes: u32,
    /// which cache answered, if one did
    served_by: ServedBy,
    /// the origin's version of the content when the response was served (by a cache or the
    /// origin): older than that is stale. (A write that lands while the page travels does not
    /// make it stale: it was current when served.)
    current_when_served: u64,
    /// the inspector's lines, in the order things happened
    steps: Vec<String>,
    /// the network leg it is on, for the diagram
    leg: Option<Leg>,
}

impl Flight {
    /// A request leaving a browser at `now_s` (or a shared cache, for its own revalidation).
    fn new(user: u32, url: Url, write: bool, purpose: Purpose, started: SimTime, request: Request) -> Flight {
        let now_s = started.as_secs_f64();
        Flight {
            user,
            url,
            write,
            purpose,
            started,
            from_browser: request.clone(),
            browser_sent_s: now_s,
            from_shared: request,
            shared_sent_s: now_s,
            product: None,
            response: None,
            origin_bytes: 0,
            served_by: ServedBy::Origin,
            current_when_served: 0,
            steps: Vec::new(),
            leg: None,
        }
    }
}

/// What happens in the lab, on the run's event queue. Flights and database jobs by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    UserWants(u32),
    AtShared(u32),
    AtOrigin(u32),
    /// the cache node's answer to the origin's get
    CacheNodeReply(u32),
    DbDone(u32),
    /// the origin sends its response
    OriginReplies(u32),
    BackAtShared(u32),
    BackAtBrowser(u32),
    Flush,
}

impl Event {
    /// (kind code, subject) for the run's trace hash; codes follow the engine's own.
    pub(crate) fn trace_words(self) -> (u64, u64) {
        match self {
            Event::UserWants(x) => (32, u64::from(x)),
            Event::AtShared(x) => (33, u64::from(x)),
            Event::AtOrigin(x) => (34, u64::from(x)),
            Event::CacheNodeReply(x) => (35, u64::from(x)),
            Event::DbDone(x) => (36, u64::from(x)),
            Event::OriginReplies(x) => (37, u64::from(x)),
            Event::BackAtShared(x) => (38, u64::from(x)),
            Event::BackAtBrowser(x) => (39, u64::from(x)),
            Event::Flush => (40, 0),
        }
    }
}

/// A cached product row in the cache node.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    version: u64,
    modified_s: u64,
    expires: SimTime,
    /// written (write-behind) and not yet in the database
    dirty: bool,
}

/// Work queued for the database.
struct DbJob {
    key: u32,
    /// Some(version) for a write
    write: Option<u64>,
    /// the flights waiting for it (several when reads are coalesced; none for a flush)
    waiters: Vec<usize>,
    fills_cache: bool,
    started: SimTime,
}

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

/// A flight's current network leg.
#[derive(Clone, Copy, Debug)]
struct Leg {
    from: Place,
    to: Place,
    start: SimTime,
    end: SimTime,
    kind: DotKind,
}

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

fn ratio(part: u64, whole: u64) -> f64 {
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

pub struct CacheLab {
    config: CachingConfig,
    cache_control: Vec<CacheControl>,
    now: SimTime,
    /// what the lab asked to happen, and when, since the engine last took it onto the queue
    agenda: Vec<(SimTime, Event)>,
    arrivals: Rng,
    choices: Rng,
    db_times: Rng,
    zipf: Zipf,
    route_cumulative: Vec<f64>,
    flights: Vec<Option<Flight>>,
    free_flights: Vec<usize>,
    browsers: Vec<BTreeMap<Url, Stored>>,
    shared: BTreeMap<Url, Stored>,
    origin_up: bool,
    cache_node_up: bool,
    node: Lru<Entry>,
    /// the cache node's keys written and not yet flushed (write-behind), in key order
    dirty_keys: BTreeSet<u32>,
    /// coalesced reads under way: key → the database job doing it
    reading: BTreeMap<u32, usize>,
    /// how many database reads of each key are under way (for duplicate counting)
    reads_under_way: BTreeMap<u32, u32>,
    db_rows: BTreeMap<u32, (u64, u64)>,
    next_version: BTreeMap<u32, u64>,
    /// acknowledged writes per key: (version, when), in version order
    acks: BTreeMap<u32, Vec<(u64, SimTime)>>,
    db_jobs: Vec<Option<DbJob>>,
    free_db_jobs: Vec<usize>,
    db_queue: VecDeque<usize>,
    db_busy: u32,
    counters: LabCounters,
    seconds: Vec<LabSecond>,
    second_latencies: Vec<f64>,
    last_second_counters: LabCounters,
    exchanges: VecDeque<Exchange>,
    theory_hit_ratio: f64,
}

impl CacheLab {
    /// A lab for a validated config (`Scenario::validate` checks it).
    pub fn new(config: &CachingConfig, seed: u64) -> CacheLab {
        let config = config.clone();
        let total_share: f64 = config.routes.iter().map(|r| r.share).sum();
        let mut sum = 0.0;
        let route_cumulative = config
            .routes
            .iter()
            .map(|r| {
                sum += r.share / total_share;
                sum
            })
            .collect();
        let zipf = Zipf::new(config.keys, config.zipf_skew);
        let theory_hit_ratio = zipf::lru_hit_ratio_che(&zipf.probabilities(), config.server_cache.capacity as usize);
        let mut lab = CacheLab {
            cache_control: config.parsed_cache_control(),
            now: SimTime::ZERO,
            agenda: Vec::new(),
            arrivals: Rng::stream(seed, 101),
            choices: Rng::stream(seed, 102),
            db_times: Rng::stream(seed, 103),
            zipf,
            route_cumulative,
            flights: Vec::new(),
            free_flights: Vec::new(),
            browsers: vec![BTreeMap::new(); config.users as usize],
            shared: BTreeMap::new(),
            origin_up: true,
            cache_node_up: true,
            node: Lru::new(config.server_cache.capacity as usize),
            dirty_keys: BTreeSet::new(),
            reading: BTreeMap::new(),
            reads_under_way: BTreeMap::new(),
            db_rows: BTreeMap::new(),
            next_version: BTreeMap::new(),
            acks: BTreeMap::new(),
            db_jobs: Vec::new(),
            free_db_jobs: Vec::new(),
            db_queue: VecDeque::new(),
            db_busy: 0,
            counters: LabCounters::default(),
            seconds: Vec::new(),
            second_latencies: Vec::new(),
            last_second_counters: LabCounters::default(),
            exchanges: VecDeque::new(),
            theory_hit_ratio,
            config,
        };
        for user in 0..lab.config.users {
            let first = lab.arrivals.exponential(1.0 / lab.config.requests_per_user_s);
            lab.schedule(SimTime::from_secs_f64(first), Event::UserWants(user));
        }
        if lab.config.server_cache.strategy == Strategy::WriteBehind {
            lab.schedule(SimTime::from_millis_f64(lab.config.server_cache.flush_every_ms), Event::Flush);
        }
        lab
    }

    pub fn config(&self) -> &CachingConfig {
        &self.config
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn counters(&self) -> &LabCounters {
        &self.counters
    }
    pub fn seconds(&self) -> &[LabSecond] {
        &self.seconds
    }
    /// The latest exchanges, newest last.
    pub fn exchanges(&self) -> impl DoubleEndedIterator<Item = &Exchange> {
        self.exchanges.iter()
    }

    pub fn snapshot(&self) -> CacheLabSnapshot {
        CacheLabSnapshot {
            now_s: self.now.as_secs_f64(),
            counters: self.counters.clone(),
            shared_entries: self.shared.len(),
            cache_node_up: self.cache_node_up,
            cache_node_entries: self.node.len(),
            cache_node_capacity: self.node.capacity(),
            cache_node_dirty: self.dirty_keys.len(),
            origin_up: self.origin_up,
            db_busy: self.db_busy,
            db_queued: self.db_queue.len(),
            flights: self.flights.len() - self.free_flights.len(),
            dots: self.dots(),
            theory_hit_ratio: self.theory_hit_ratio,
        }
    }

    /// The events the lab has asked for since the engine last looked, in the order asked.
    pub(crate) fn drain_agenda(&mut self) -> std::vec::Drain<'_, (SimTime, Event)> {
        self.agenda.drain(..)
    }

    fn schedule(&mut self, at: SimTime, event: Event) {
        self.agenda.push((at, event));
    }

    /// The run's clock has reached `t`: the seconds before it are closed.
    pub(crate) fn advance_to(&mut self, t: SimTime) {
        self.close_seconds(t);
        self.now = self.now.max(t);
    }

    /// Runs one of the lab's events at its moment `at`.
    pub(crate) fn handle(&mut self, at: SimTime, event: Event) {
        self.advance_to(at);
        let index = |i: u32| i as usize;
        match event {
            Event::UserWants(user) => self.user_wants(user),
            Event::AtShared(f) => self.at_shared(index(f)),
            Event::AtOrigin(f) => self.at_origin(index(f)),
            Event::CacheNodeReply(f) => self.cache_node_reply(index(f)),
            Event::DbDone(job) => self.db_done(index(job)),
            Event::OriginReplies(f) => self.origin_replies(index(f)),
            Event::BackAtShared(f) => self.back_at_shared(index(f)),
            Event::BackAtBrowser(f) => self.back_at_browser(index(f)),
            Event::Flush => self.flush(),
        }
    }

    /// Injects a failure now (the engine carries it out as a timeline entry: `Command::Lab`).
    pub(crate) fn apply(&mut self, action: LabAction) {
        match action {
            LabAction::CrashCacheNode => {
                if self.cache_node_up {
                    self.cache_node_up = false;
                    self.lose_cache_node_contents();
                }
            }
            LabAction::RecoverCacheNode => self.cache_node_up = true,
            LabAction::OriginDown => self.origin_up = false,
            LabAction::OriginUp => self.origin_up = true,
            LabAction::FlushCacheNode => {
                // Every clean key goes; unflushed writes stay (a write-back cache keeps them).
                for (key, entry) in self.node.drain() {
                    if entry.dirty {
                        self.node.put(key, entry);
                    }
                }
            }
        }
    }

    fn now_s(&self) -> f64 {
        self.now.as_secs_f64()
    }

    fn after_ms(&self, ms: f64) -> SimTime {
        self.now + SimTime::from_millis_f64(ms)
    }

    /// Closes the per-second samples for every whole second before `t`.
    fn close_seconds(&mut self, t: SimTime) {
        while (self.seconds.len() as u64 + 1) * SimTime::MICROS_PER_SECOND <= t.as_micros() {
            let mut latencies = std::mem::take(&mut self.second_latencies);
            latencies.sort_unstable_by(f64::total_cmp);
            let at = |q: f64| {
                if latencies.is_empty() {
                    0.0
                } else {
                    latencies[((latencies.len() - 1) as f64 * q) as usize]
                }
            };
            let counters = difference(&self.counters, &self.last_second_counters);
            self.seconds.push(LabSecond {
                second: self.seconds.len() as u64,
                counters,
                p50_ms: at(0.5),
                p95_ms: at(0.95),
            });
            self.last_second_counters = self.counters.clone();
        }
    }

    // ---- users and their browsers ----

    fn user_wants(&mut self, user: u32) {
        let next = self.arrivals.exponential(1.0 / self.config.requests_per_user_s);
        self.schedule(self.now + SimTime::from_secs_f64(next), Event::UserWants(user));
        let u = self.choices.uniform();
        let route = self.route_cumulative.partition_point(|&c| c <= u).min(self.config.routes.len() - 1);
        let is_product = self.config.routes[route].content == Content::Product;
        let key = if is_product { self.zipf.sample(&mut self.choices) } else { 0 };
        let write = is_product && self.choices.uniform() < self.config.write_share;
        self.counters.user_requests += 1;
        let url = Url { route, key };
        let request = Request { authorization: self.config.routes[route].needs_authorization, ..Request::default() };
        let f = self.new_flight(Flight::new(user, url, write, Purpose::User, self.now, request));
        if write || !self.config.browser_cache {
            self.send_from_browser(f);
            return;
        }
        self.counters.browser_lookups += 1;
        let stored = self.browsers[user as usize].get(&url);
        let decision = http::decide(CacheKind::Private, stored, self.now_s());
        let flight = self.flights[f].as_mut().expect("live");
        flight.steps.push(format!("browser cache: {}", decision.reason));
        match decision.action {
            Action::Hit | Action::HitStaleRevalidate => {
                self.counters.browser_hits += 1;
                let stored = self.browsers[user as usize][&url].clone();
                if decision.action == Action::HitStaleRevalidate {
                    self.revalidate_in_background(CacheKind::Private, user, url, &stored);
                }
                let current = self.current_content(url).0;
                let flight = self.flights[f].as_mut().expect("live");
                flight.served_by = ServedBy::BrowserCache;
                flight.current_when_served = current;
                let served = with_age(&stored, self.now_s());
                self.deliver(f, served);
            }
            Action::Revalidate => {
                let stored = &self.browsers[user as usize][&url];
                let conditional = http::conditional(&self.flights[f].as_ref().expect("live").from_browser, stored);
                let flight = self.flights[f].as_mut().expect("live");
                flight.from_browser = conditional;
                self.send_from_browser(f);
            }
            Action::Miss => {
                self.send_from_browser(f);
            }
        }
    }

    /// A stale-while-revalidate hit: the cache asks the next hop with its validators, and the
    /// answer only refreshes that cache.
    fn revalidate_in_background(&mut self, kind: CacheKind, user: u32, url: Url, stored: &Stored) {
        let base = Request { authorization: self.config.routes[url.route].needs_authorization, ..Request::default() };
        let request = http::conditional(&base, stored);
        let f = self.new_flight(Flight::new(user, url, false, Purpose::Background(kind), self.now, request));
        match kind {
            CacheKind::Private => self.send_from_browser(f),
            CacheKind::Shared => self.send_to_origin_from_shared(f),
        }
    }

    fn send_from_browser(&mut self, f: usize) {
        self.flights[f].as_mut().expect("live").browser_sent_s = self.now_s();
        if self.config.shared_cache {
            self.travel(f, Place::Browsers, Place::SharedCache, self.config.edge_ms, Event::AtShared(f as u32));
        } else {
            let ms = self.config.edge_ms + self.config.origin_link_ms;
            self.travel(f, Place::Browsers, Place::Origin, ms, Event::AtOrigin(f as u32));
        }
    }

    fn back_at_browser(&mut self, f: usize) {
        let flight = self.flights[f].as_ref().expect("live");
        let (user, url, purpose, write) = (flight.user, flight.url, flight.purpose, flight.write);
        let Some(response) = flight.response.clone() else {
            // The origin could not be reached and no cache could answer for it.
            if purpose == Purpose::User {
                self.counters.errors += 1;
                let gateway_timeout = self.error_response();
                self.deliver(f, gateway_timeout);
            } else {
                self.free_flight(f);
            }
            return;
        };
        if write {
            // A successful unsafe request invalidates the URL in the caches it passed (RFC 9111 §4.4).
            self.browsers[user as usize].remove(&url);
            self.deliver(f, response);
            return;
        }
        let full =
            if self.config.browser_cache { self.update_cache(CacheKind::Private, f, &response) } else { response };
        match purpose {
            Purpose::User => self.deliver(f, full),
            Purpose::Background(_) => {
                self.free_flight(f);
            }
        }
    }

    /// Applies an answer to a cache (the browser's, or the shared one): a 304 freshens the stored
    /// copy, a storable 200 replaces it. Returns the full response to pass on.
    fn update_cache(&mut self, kind: CacheKind, f: usize, response: &Response) -> Response {
        let flight = self.flights[f].as_ref().expect("live");
        let (user, url) = (flight.user, flight.url);
        let (request, sent_s) = match kind {
            CacheKind::Private => (flight.from_browser.clone(), flight.browser_sent_s),
            CacheKind::Shared => (flight.from_shared.clone(), flight.shared_sent_s),
        };
        let now_s = self.now_s();
        let who = match kind {
            CacheKind::Private => "browser cache",
            CacheKind::Shared => "shared cache",
        };
        let store = match kind {
            CacheKind::Private => &mut self.browsers[user as usize],
            CacheKind::Shared => &mut self.shared,
        };
        let (line, full) = if response.status == 304 {
            match store.get_mut(&url) {
                Some(stored) => {
                    http::freshen(stored, response, sent_s, now_s);
                    let full = stored.response.clone();
                    self.flights[f].as_mut().expect("live").served_by = match kind {
                        CacheKind::Private => ServedBy::BrowserRevalidated,
                        CacheKind::Shared => ServedBy::SharedRevalidated,
                    };
                    ("304: freshened the stored copy, its age starts again".to_string(), full)
                }
                None => ("304 for a copy it no longer holds".to_string(), response.clone()),
            }
        } else {
            match http::may_store(kind, &request, response) {
                Ok(()) => {
                    let (lifetime, _) = http::freshness_lifetime(kind, response);
                    store
                        .insert(url, Stored { response: response.clone(), request_time: sent_s, response_time: now_s });
                    (format!("stored (fresh for {lifetime:.0} s)"), response.clone())
                }
                Err(why) => (why, response.clone()),
            }
        };
        self.flights[f].as_mut().expect("live").steps.push(format!("{who}: {line}"));
        full
    }

    /// The user sees `response`: count it, check it against the origin's current content, and
    /// keep it for the inspector.
    fn deliver(&mut self, f: usize, response: Response) {
        let flight = self.free_flight(f);
        let url = flight.url;
        let latency_ms = (self.now - flight.started).as_millis_f64();
        self.second_latencies.push(latency_ms);
        // The body the user got that the origin did not have to send: a cache had it.
        self.counters.bytes_saved += u64::from(response.body_bytes.saturating_sub(flight.origin_bytes));
        let route = &self.config.routes[url.route];
        let current = flight.current_when_served;
        let ok = response.status < 400;
        let wrong_user = ok && response.for_user.is_some_and(|owner| owner != flight.user);
        if wrong_user {
            self.counters.wrong_user_pages += 1;
        }
        let stale = ok && !flight.write && response.version < current;
        if stale {
            self.counters.stale_seen += 1;
        }
        let outcome = if !ok {
            "error: the origin could not be reached (504)".to_string()
        } else if flight.write {
            format!("saved: version {}", response.version)
        } else if wrong_user {
            format!(
                "ANOTHER USER'S PAGE: user {}'s account, shown to user {}",
                response.for_user.unwrap_or(0),
                flight.user
            )
        } else if stale {
            format!("STALE: version {}, the origin has {current}", response.version)
        } else {
            format!("current: version {}", response.version)
        };
        let path = route.path.replace("{id}", &url.key.to_string());
        let request_line = format!("{} {path}", if flight.write { "POST" } else { "GET" });
        let from_browser = flight.served_by == ServedBy::BrowserCache;
        let exchange = Exchange {
            at_s: self.now_s(),
            user: flight.user,
            request_line,
            request_headers: if from_browser { Vec::new() } else { request_headers(&flight.from_browser) },
            steps: flight.steps,
            status: response.status,
            response_headers: response_headers(&response, flight.served_by != ServedBy::Origin),
            served_by: flight.served_by,
            latency_ms,
            stale,
            wrong_user,
            outcome,
        };
        if self.exchanges.len() == KEPT_EXCHANGES {
            self.exchanges.pop_front();
        }
        self.exchanges.push_back(exchange);
    }

    // ---- the shared cache ----

    fn at_shared(&mut self, f: usize) {
        let flight = self.flights[f].as_mut().expect("live");
        let url = flight.url;
        flight.from_shared = flight.from_browser.clone();
        if flight.write {
            self.send_to_origin_from_shared(f);
            return;
        }
        self.counters.shared_lookups += 1;
        let mut decision = http::decide(CacheKind::Shared, self.shared.get(&url), self.now_s());
        if !self.origin_up && matches!(decision.action, Action::Revalidate | Action::Miss) {
            decision = http::when_origin_unreachable(CacheKind::Shared, self.shared.get(&url));
        }
        let flight = self.flights[f].as_mut().expect("live");
        flight.steps.push(format!("shared cache: {}", decision.reason));
        match decision.action {
            Action::Hit | Action::HitStaleRevalidate => {
                let stored = self.shared[&url].clone();
                if decision.action == Action::HitStaleRevalidate {
                    let user = self.flights[f].as_ref().expect("live").user;
                    self.revalidate_in_background(CacheKind::Shared, user, url, &stored);
                }
                self.serve_from_shared(f, with_age(&stored, self.now_s()));
            }
            Action::Revalidate if self.origin_up => {
                let flight = self.flights[f].as_mut().expect("live");
                flight.from_shared = http::conditional(&flight.from_browser, &self.shared[&url]);
                self.send_to_origin_from_shared(f);
            }
            Action::Miss if self.origin_up => self.send_to_origin_from_shared(f),
            _ => {
                // Origin unreachable and nothing the cache may serve: 504.
                self.flights[f].as_mut().expect("live").response = None;
                self.travel(
                    f,
                    Place::SharedCache,
                    Place::Browsers,
                    self.config.edge_ms,
                    Event::BackAtBrowser(f as u32),
                );
            }
        }
    }

    /// The shared cache answers the browser itself with what it holds.
    fn serve_from_shared(&mut self, f: usize, stored: Response) {
        self.counters.shared_hits += 1;
        let served = self.answer_client(f, stored);
        let current = self.current_content(self.flights[f].as_ref().expect("live").url).0;
        let flight = self.flights[f].as_mut().expect("live");
        flight.steps.push(format!("shared cache: served from storage ({})", served.status));
        flight.served_by = ServedBy::SharedCache;
        flight.current_when_served = current;
        flight.response = Some(served);
        self.travel(f, Place::SharedCache, Place::Browsers, self.config.edge_ms, Event::BackAtBrowser(f as u32));
    }

    /// What a cache answers its client with a full response in hand: 304 when the client's own
    /// validators match it (RFC 9110 §13.1), else the response.
    fn answer_client(&mut self, f: usize, full: Response) -> Response {
        let asked = &self.flights[f].as_ref().expect("live").from_browser;
        if http::not_modified(asked, full.etag.as_ref(), full.last_modified) {
            self.counters.not_modified += 1;
            Response { status: 304, body_bytes: 0, ..full }
        } else {
            full
        }
    }

    fn send_to_origin_from_shared(&mut self, f: usize) {
        self.flights[f].as_mut().expect("live").shared_sent_s = self.now.as_secs_f64();
        self.travel(f, Place::SharedCache, Place::Origin, self.config.origin_link_ms, Event::AtOrigin(f as u32));
    }

    fn back_at_shared(&mut self, f: usize) {
        let flight = self.flights[f].as_ref().expect("live");
        let (url, write, purpose) = (flight.url, flight.write, flight.purpose);
        let Some(response) = flight.response.clone() else {
            // The origin went down while the request was on its way.
            let decision = http::when_origin_unreachable(CacheKind::Shared, self.shared.get(&url));
            self.note(f, &format!("shared cache: {}", decision.reason));
            match (purpose, decision.action) {
                (Purpose::Background(_), _) => {
                    self.free_flight(f);
                }
                (_, Action::Hit) => {
                    let stored = with_age(&self.shared[&url], self.now_s());
                    self.serve_from_shared(f, stored);
                }
                _ => self.travel(
                    f,
                    Place::SharedCache,
                    Place::Browsers,
                    self.config.edge_ms,
                    Event::BackAtBrowser(f as u32),
                ),
            }
            return;
        };
        if write {
            self.shared.remove(&url);
            self.travel(f, Place::SharedCache, Place::Browsers, self.config.edge_ms, Event::BackAtBrowser(f as u32));
            return;
        }
        let full = self.update_cache(CacheKind::Shared, f, &response);
        if purpose == Purpose::Background(CacheKind::Shared) {
            self.free_flight(f);
            return;
        }
        let answer = self.answer_client(f, full);
        self.flights[f].as_mut().expect("live").response = Some(answer);
        self.travel(f, Place::SharedCache, Place::Browsers, self.config.edge_ms, Event::BackAtBrowser(f as u32));
    }

    // ---- the origin, the cache node and the database ----

    fn at_origin(&mut self, f: usize) {
        if !self.origin_up {
            let flight = self.flights[f].as_mut().expect("live");
            flight.steps.push("origin: unreachable".into());
            flight.response = None;
            self.reply_to_sender(f);
            return;
        }
        self.counters.origin_requests += 1;
        let flight = self.flights[f].as_ref().expect("live");
        let (url, write) = (flight.url, flight.write);
        let work = self.config.origin_work_ms;
        if self.config.routes[url.route].content != Content::Product {
            self.schedule(self.after_ms(work), Event::OriginReplies(f as u32));
            return;
        }
        let sc = &self.config.server_cache;
        let node_usable = sc.enabled && self.cache_node_up;
        if write {
            let version = {
                let v = self.next_version.entry(url.key).or_insert(1);
                *v += 1;
                *v
            };
            let modified_s = self.now.whole_secs();
            self.flights[f].as_mut().expect("live").product = Some((version, modified_s));
            if node_usable && sc.strategy == Strategy::WriteBehind {
                self.put_in_node(url.key, version, modified_s, true);
                self.note(f, "origin: write-behind: written to the cache node, acknowledged; the database gets it at the next flush");
                self.schedule(self.after_ms(work + 2.0 * self.config.cache_node_ms), Event::OriginReplies(f as u32));
            } else {
                self.write_to_db(url.key, version, Some(f));
            }
            return;
        }
        if node_usable {
            self.counters.server_cache_lookups += 1;
            self.schedule(self.after_ms(work + 2.0 * self.config.cache_node_ms), Event::CacheNodeReply(f as u32));
        } else {
            let why = if sc.enabled {
                "the cache node is down: read from the database"
            } else {
                "no cache node: read from the database"
            };
            self.note(f, &format!("origin: {why}"));
            self.read_from_db(f, url.key, false);
        }
    }

    fn cache_node_reply(&mut self, f: usize) {
        let key = self.flights[f].as_ref().expect("live").url.key;
        if !self.cache_node_up {
            self.note(f, "origin: the cache node went down: read from the database");
            self.read_from_db(f, key, false);
            return;
        }
        let now = self.now;
        match self.node.get(key).copied() {
            Some(e) if e.dirty || e.expires > now => {
                self.counters.server_cache_hits += 1;
                self.note(f, &format!("origin: cache node hit (product {key}, version {})", e.version));
                self.got_product(f, e.version, e.modified_s);
                self.schedule(self.now, Event::OriginReplies(f as u32));
            }
            found => {
                let why = if found.is_some() { "expired" } else { "miss" };
                self.note(f, &format!("origin: cache node {why} (product {key}): read from the database"));
                self.read_from_db(f, key, true);
            }
        }
    }

    /// A product read from the database, joining one under way when reads are coalesced.
    fn read_from_db(&mut self, f: usize, key: u32, fills_cache: bool) {
        let coalesce = fills_cache && self.config.server_cache.coalescing;
        if coalesce {
            if let Some(&job) = self.reading.get(&key) {
                if let Some(j) = self.db_jobs[job].as_mut() {
                    j.waiters.push(f);
                    self.note(f, "origin: waits for the read of this key already under way (coalescing)");
                    return;
                }
            }
        }
        let under_way = self.reads_under_way.entry(key).or_insert(0);
        if fills_cache && *under_way > 0 {
            // A cache miss for a key another miss is already reading: the stampede.
            self.counters.duplicate_db_reads += 1;
        }
        *under_way += 1;
        let job = self.queue_db(DbJob { key, write: None, waiters: vec![f], fills_cache, started: self.now });
        if coalesce {
            self.reading.insert(key, job);
        }
    }

    /// Queues a write of `version` of a product: for the request `waiter`, or for the cache
    /// node itself (a write-behind flush or eviction).
    fn write_to_db(&mut self, key: u32, version: u64, waiter: Option<usize>) {
        let waiters = waiter.into_iter().collect();
        self.queue_db(DbJob { key, write: Some(version), waiters, fills_cache: false, started: self.now });
    }

    fn queue_db(&mut self, job: DbJob) -> usize {
        if job.write.is_some() {
            self.counters.db_writes += 1;
        } else {
            self.counters.db_reads += 1;
        }
        let id = match self.free_db_jobs.pop() {
            Some(free) => {
                self.db_jobs[free] = Some(job);
                free
            }
            None => {
                self.db_jobs.push(Some(job));
                self.db_jobs.len() - 1
            }
        };
        self.db_queue.push_back(id);
        self.start_db_work();
        id
    }

    fn start_db_work(&mut self) {
        while self.db_busy < self.config.db_connections {
            let Some(id) = self.db_queue.pop_front() else { return };
            self.db_busy += 1;
            let job = self.db_jobs[id].as_ref().expect("queued");
            let mean = if job.write.is_some() { self.config.db_write_ms } else { self.config.db_read_ms };
            let took = self.db_times.exponential(mean);
            self.schedule(self.after_ms(took), Event::DbDone(id as u32));
        }
    }

    fn db_done(&mut self, id: usize) {
        self.db_busy -= 1;
        let job = self.db_jobs[id].take().expect("running");
        self.free_db_jobs.push(id);
        self.start_db_work();
        let (strategy, invalidation) = (self.config.server_cache.strategy, self.config.server_cache.invalidation);
        let node_usable = self.config.server_cache.enabled && self.cache_node_up;
        let cache_op_ms = 2.0 * self.config.cache_node_ms;
        match job.write {
            Some(version) => {
                let row = self.db_rows.entry(job.key).or_insert((1, 0));
                if version > row.0 {
                    *row = (version, self.now.whole_secs());
                }
                let Some(&f) = job.waiters.first() else { return }; // a write-behind flush
                let modified_s = self.now.whole_secs();
                let mut reply_after = 0.0;
                if node_usable {
                    let invalidation =
                        if strategy.writes_into_cache() { Invalidation::UpdateOnWrite } else { invalidation };
                    match invalidation {
                        Invalidation::TtlOnly => {
                            self.note(f, "origin: database committed; the cached copy is left to its TTL")
                        }
                        Invalidation::DeleteOnWrite => {
                            self.node.remove(job.key);
                            self.dirty_keys.remove(&job.key);
                            self.note(f, "origin: database committed, then the key deleted from the cache node");
                            reply_after = cache_op_ms;
                        }
                        Invalidation::UpdateOnWrite => {
                            self.put_in_node(job.key, version, modified_s, false);
                            self.note(f, "origin: database committed, then the new value written to the cache node");
                            reply_after = cache_op_ms;
                        }
                    }
                } else {
                    self.note(f, "origin: database committed");
                }
                self.schedule(self.after_ms(reply_after), Event::OriginReplies(f as u32));
            }
            None => {
                if let Some(n) = self.reads_under_way.get_mut(&job.key) {
                    *n = n.saturating_sub(1);
                }
                if self.reading.get(&job.key) == Some(&id) {
                    self.reading.remove(&job.key);
                }
                let (version, modified_s) = self.db_row(job.key);
                let mut reply_after = 0.0;
                if job.fills_cache && node_usable {
                    self.counters.longest_fill_s =
                        self.counters.longest_fill_s.max((self.now - job.started).as_secs_f64());
                    // Filled the moment the read returns: a write's delete comes after its own
                    // commit, so an older fill cannot overtake it here (in real systems a pause
                    // between the read and the set can, which memcache's leases guard against).
                    self.put_in_node(job.key, version, modified_s, false);
                    reply_after = match strategy {
                        Strategy::ReadThrough => self.config.cache_node_ms,
                        _ => cache_op_ms,
                    };
                }
                for &f in &job.waiters {
                    self.got_product(f, version, modified_s);
                    self.schedule(self.after_ms(reply_after), Event::OriginReplies(f as u32));
                }
            }
        }
    }

    fn db_row(&self, key: u32) -> (u64, u64) {
        self.db_rows.get(&key).copied().unwrap_or((1, 0))
    }

    /// The origin has a product's row: was it older than the last acknowledged write?
    fn got_product(&mut self, f: usize, version: u64, modified_s: u64) {
        let key = self.flights[f].as_ref().expect("live").url.key;
        if let Some(acks) = self.acks.get(&key) {
            // The first acknowledged write newer than what was read.
            if let Some(&(_, acked)) = acks.iter().find(|&&(v, _)| v > version) {
                self.counters.stale_server_reads += 1;
                let after_ack_s = (self.now - acked).as_secs_f64();
                self.counters.longest_stale_s = self.counters.longest_stale_s.max(after_ack_s);
            }
        }
        self.flights[f].as_mut().expect("live").product = Some((version, modified_s));
    }

    fn put_in_node(&mut self, key: u32, version: u64, modified_s: u64, dirty: bool) {
        let expires = self.now + SimTime::from_secs_f64(self.config.server_cache.ttl_s);
        if dirty {
            self.dirty_keys.insert(key);
        } else {
            self.dirty_keys.remove(&key);
        }
        if let Some((evicted, e)) = self.node.put(key, Entry { version, modified_s, expires, dirty }) {
            if e.dirty {
                self.dirty_keys.remove(&evicted);
                // A write-back cache writes a dirty key out before it lets it go.
                self.write_to_db(evicted, e.version, None);
            }
        }
    }

    fn flush(&mut self) {
        self.schedule(self.after_ms(self.config.server_cache.flush_every_ms), Event::Flush);
        if !self.cache_node_up {
            return;
        }
        for key in std::mem::take(&mut self.dirty_keys) {
            // Marked clean without touching its recency: a flush is not a use.
            let Some(e) = self.node.peek_mut(key) else { continue };
            e.dirty = false;
            let version = e.version;
            self.write_to_db(key, version, None);
        }
    }

    /// The cache node's memory is gone: with write-behind, so are its unflushed writes.
    fn lose_cache_node_contents(&mut self) {
        self.dirty_keys.clear();
        for (key, entry) in self.node.drain() {
            let db_version = self.db_row(key).0;
            if entry.dirty && entry.version > db_version {
                // Every acknowledged write of this key newer than the database is lost.
                if let Some(acks) = self.acks.get_mut(&key) {
                    let before = acks.len();
                    acks.retain(|&(v, _)| v <= db_version);
                    self.counters.lost_writes += (before - acks.len()) as u64;
                }
                // The key's next write starts from what the database holds.
                self.next_version.insert(key, db_version.max(self.next_version.get(&key).copied().unwrap_or(1)));
            }
        }
    }

    fn origin_replies(&mut self, f: usize) {
        let response = self.origin_response(f);
        let flight = self.flights[f].as_ref().expect("live");
        if flight.write {
            if let Some((version, _)) = flight.product {
                let acks = self.acks.entry(flight.url.key).or_default();
                let at = acks.partition_point(|&(v, _)| v < version);
                acks.insert(at, (version, self.now));
                // The last writes are enough to date a stale read; older ones go, so a long run
                // stays small (a read older than all of them is still counted, its age understated).
                if acks.len() > KEPT_ACKS {
                    acks.remove(0);
                }
            }
        }
        if response.status == 304 {
            self.counters.not_modified += 1;
        }
        self.counters.origin_body_bytes += u64::from(response.body_bytes);
        let line = if response.status == 304 {
            "origin: 304 Not Modified (the validators match), no body".to_string()
        } else {
            format!("origin: {} with version {}", response.status, response.version)
        };
        let current = self.current_content(self.flights[f].as_ref().expect("live").url).0;
        let flight = self.flights[f].as_mut().expect("live");
        flight.steps.push(line);
        flight.origin_bytes = response.body_bytes;
        flight.current_when_served = current;
        flight.response = Some(response);
        self.reply_to_sender(f);
    }

    /// Sends the origin's answer (or its silence, when it is down) back the way it came.
    fn reply_to_sender(&mut self, f: usize) {
        if self.config.shared_cache {
            self.travel(
                f,
                Place::Origin,
                Place::SharedCache,
                self.config.origin_link_ms,
                Event::BackAtShared(f as u32),
            );
        } else {
            let ms = self.config.edge_ms + self.config.origin_link_ms;
            self.travel(f, Place::Origin, Place::Browsers, ms, Event::BackAtBrowser(f as u32));
        }
    }

    /// The origin's current content for a URL: (version, last modified [s]).
    fn current_content(&self, url: Url) -> (u64, u64) {
        let route = &self.config.routes[url.route];
        match route.content {
            Content::Product => {
                let acked = self.acks.get(&url.key).and_then(|a| a.last()).map(|&(v, _)| v);
                let row = self.db_row(url.key);
                (acked.unwrap_or(1).max(row.0), row.1)
            }
            Content::Page | Content::Account => {
                let version = (self.now_s() / route.changes_every_s) as u64 + 1;
                (version, ((version - 1) as f64 * route.changes_every_s) as u64)
            }
        }
    }

    /// The origin's response to the flight's request, with the route's headers; 304 when the
    /// request's validators match.
    fn origin_response(&self, f: usize) -> Response {
        let flight = self.flights[f].as_ref().expect("live");
        let route = &self.config.routes[flight.url.route];
        let (version, modified_s) = match route.content {
            Content::Product => flight.product.unwrap_or_else(|| self.db_row(flight.url.key)),
            _ => self.current_content(flight.url),
        };
        if flight.write {
            let no_store = CacheControl { no_store: true, ..CacheControl::default() };
            return self.bare_response(200, no_store, 200, version);
        }
        let opaque = match route.content {
            Content::Product => format!("p{}-v{version}", flight.url.key),
            Content::Account => format!("u{}-v{version}", flight.user),
            Content::Page => format!("v{version}"),
        };
        let etag = match route.etag {
            ETagKind::None => None,
            ETagKind::Strong => Some(http::ETag { weak: false, opaque }),
            ETagKind::Weak => Some(http::ETag { weak: true, opaque }),
        };
        let last_modified = route.last_modified.then_some(modified_s);
        let request = if self.config.shared_cache { &flight.from_shared } else { &flight.from_browser };
        let not_modified = http::not_modified(request, etag.as_ref(), last_modified);
        Response {
            status: if not_modified { 304 } else { 200 },
            cache_control: self.cache_control[flight.url.route].clone(),
            etag,
            last_modified,
            date: self.now.whole_secs(),
            expires: None,
            age: None,
            body_bytes: if not_modified { 0 } else { route.body_bytes },
            version,
            for_user: (route.content == Content::Account).then_some(flight.user),
        }
    }

    fn error_response(&self) -> Response {
        self.bare_response(504, CacheControl::default(), 0, 0)
    }

    /// A response dated now with no validators: a write's acknowledgement, or an error.
    fn bare_response(&self, status: u16, cache_control: CacheControl, body_bytes: u32, version: u64) -> Response {
        Response {
            status,
            cache_control,
            etag: None,
            last_modified: None,
            date: self.now.whole_secs(),
            expires: None,
            age: None,
            body_bytes,
            version,
            for_user: None,
        }
    }

    /// Sends flight `f` over a network leg taking `ms`; `event` happens when it arrives.
    fn travel(&mut self, f: usize, from: Place, to: Place, ms: f64, event: Event) {
        let end = self.after_ms(ms);
        let flight = self.flights[f].as_mut().expect("live");
        let towards_origin = from == Place::Browsers || to == Place::Origin;
        let kind = match &flight.response {
            _ if towards_origin => DotKind::Request,
            None => DotKind::Error,
            Some(r) if r.status == 304 => DotKind::NotModified,
            Some(r) if r.status >= 500 => DotKind::Error,
            Some(_) => DotKind::Response,
        };
        flight.leg = Some(Leg { from, to, start: self.now, end, kind });
        self.schedule(end, event);
    }

    fn dots(&self) -> Vec<Dot> {
        let now = self.now;
        self.flights
            .iter()
            .flatten()
            .filter_map(|f| f.leg)
            .filter(|leg| leg.start <= now && now <= leg.end)
            .take(MAX_DOTS)
            .map(|leg| {
                let span = (leg.end - leg.start).as_micros().max(1) as f64;
                let progress = ((now - leg.start).as_micros() as f64 / span).clamp(0.0, 1.0);
                Dot { from: leg.from, to: leg.to, progress, kind: leg.kind }
            })
            .collect()
    }

    fn note(&mut self, f: usize, line: &str) {
        self.flights[f].as_mut().expect("live").steps.push(line.to_string());
    }

    fn new_flight(&mut self, flight: Flight) -> usize {
        match self.free_flights.pop() {
            Some(f) => {
                self.flights[f] = Some(flight);
                f
            }
            None => {
                self.flights.push(Some(flight));
                self.flights.len() - 1
            }
        }
    }

    fn free_flight(&mut self, f: usize) -> Flight {
        self.free_flights.push(f);
        self.flights[f].take().expect("live")
    }
}

/// A stored response as a cache serves it: with its `Age`.
fn with_age(stored: &Stored, now_s: f64) -> Response {
    Response { age: Some(http::age_header(stored, now_s)), ..stored.response.clone() }
}

/// An HTTP date for a second of the run: the run starts at Thu, 01 Jan 2026 00:00:00 GMT.
pub fn http_date(second: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = second / 86_400;
    let (mut year, mut day_of_year) = (2026u64, days);
    loop {
        let length = if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) { 366 } else { 365 };
        if day_of_year < length {
            break;
        }
        day_of_year -= length;
        year += 1;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let lengths = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while day_of_year >= lengths[month] {
        day_of_year -= lengths[month];
        month += 1;
    }
    let s = second % 86_400;
    format!(
        "{}, {:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        day_of_year + 1,
        MONTHS[month],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn request_headers(request: &Request) -> Vec<(String, String)> {
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

fn response_headers(response: &Response, from_a_cache: bool) -> Vec<(String, String)> {
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
fn difference(now: &LabCounters, before: &LabCounters) -> LabCounters {
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
