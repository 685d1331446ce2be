//! The Caching lesson's lab: users' browsers (private caches), an optional shared cache, the
//! origin, and behind it a cache node in front of the database. It is a part of the run, not an
//! engine: it keeps its own state and says what should happen when (its `agenda`), and the
//! engine puts that on the run's one event queue and hands each event back at its moment
//! (`handle`). Every HTTP decision is `http::decide` and its friends; this file only moves
//! requests along the path and counts what happens.

mod browsers;
mod cache_node;
mod figures;
mod origin;
mod shared;
mod slots;

use super::http::{CacheControl, CacheKind, Request, Response, Stored};
use super::lru::Lru;
use super::zipf::{self, Zipf};
use super::{CachingConfig, LabAction, Strategy};
use crate::rng::Rng;
use crate::time::SimTime;
pub use figures::*;
use shared::*;
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
#[derive(Clone)]
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
#[derive(Clone)]
struct DbJob {
    key: u32,
    /// Some(version) for a write
    write: Option<u64>,
    /// the flights waiting for it (several when reads are coalesced; none for a flush)
    waiters: Vec<usize>,
    fills_cache: bool,
    started: SimTime,
}

/// A flight's current network leg.
#[derive(Clone, Copy, Debug)]
struct Leg {
    from: Place,
    to: Place,
    start: SimTime,
    end: SimTime,
    kind: DotKind,
}

#[derive(Clone)]
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
    flights: slots::Slots<Flight>,
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
    db_jobs: slots::Slots<DbJob>,
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
            flights: slots::Slots::default(),
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
            db_jobs: slots::Slots::default(),
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
            flights: self.flights.live(),
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

    /// Sends flight `f` over a network leg taking `ms`; `event` happens when it arrives.
    fn travel(&mut self, f: usize, from: Place, to: Place, ms: f64, event: Event) {
        let end = self.after_ms(ms);
        let flight = self.flights.get_mut(f);
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
        self.flights.get_mut(f).steps.push(line.to_string());
    }
}
