//! The Caching lesson's model: users with browser caches, an optional shared cache (a CDN) in
//! front of the origin, and behind the origin a cache node (Redis-like, LRU) in front of the
//! database. `http` decides as RFC 9111 says; `lab` runs the whole path as a seeded
//! discrete-event simulation; `lru` and `zipf` are its parts.

pub mod http;
mod lab;
pub mod lru;
pub mod zipf;

pub(crate) use lab::Event;
pub use lab::{
    lab_seconds_csv, CacheLab, CacheLabSnapshot, Dot, DotKind, Exchange, LabCounters, LabSecond, Place, ServedBy,
    MAX_DOTS,
};

use crate::validate::limits::caching as limits;
use crate::validate::Checker;
use serde::{Deserialize, Serialize};

/// How the origin fills and writes the cache node (AWS ElastiCache's "caching strategies").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// the application reads the cache, and on a miss reads the database and fills the cache
    #[default]
    CacheAside,
    /// the cache loads from the database itself on a miss
    ReadThrough,
    /// every write goes to the cache and the database before it is acknowledged
    WriteThrough,
    /// writes go to the cache and are acknowledged; the cache writes them to the database later
    WriteBehind,
}

impl Strategy {
    pub const ALL: [Strategy; 4] =
        [Strategy::CacheAside, Strategy::ReadThrough, Strategy::WriteThrough, Strategy::WriteBehind];
    pub fn label(self) -> &'static str {
        match self {
            Strategy::CacheAside => "Cache-aside",
            Strategy::ReadThrough => "Read-through",
            Strategy::WriteThrough => "Write-through",
            Strategy::WriteBehind => "Write-behind",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Strategy::CacheAside => "cache_aside",
            Strategy::ReadThrough => "read_through",
            Strategy::WriteThrough => "write_through",
            Strategy::WriteBehind => "write_behind",
        }
    }
    /// Write-through and write-behind put every write in the cache: their own invalidation.
    pub fn writes_into_cache(self) -> bool {
        matches!(self, Strategy::WriteThrough | Strategy::WriteBehind)
    }
}

/// What a write does to the cached copy (cache-aside and read-through).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invalidation {
    /// nothing: the old value stays until its TTL runs out
    TtlOnly,
    /// delete the key after the database commits
    #[default]
    DeleteOnWrite,
    /// write the new value into the cache after the database commits
    UpdateOnWrite,
}

impl Invalidation {
    pub const ALL: [Invalidation; 3] =
        [Invalidation::TtlOnly, Invalidation::DeleteOnWrite, Invalidation::UpdateOnWrite];
    pub fn label(self) -> &'static str {
        match self {
            Invalidation::TtlOnly => "TTL only",
            Invalidation::DeleteOnWrite => "Delete on write",
            Invalidation::UpdateOnWrite => "Update on write",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Invalidation::TtlOnly => "ttl_only",
            Invalidation::DeleteOnWrite => "delete_on_write",
            Invalidation::UpdateOnWrite => "update_on_write",
        }
    }
}

/// Whether a route's responses carry an ETag, and which kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ETagKind {
    None,
    #[default]
    Strong,
    Weak,
}

/// Where a route's content comes from, which decides when it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// rendered by the origin; a new version every `changes_every_s` (a deploy, an edit)
    Page,
    /// one user's own page: a shared cache must not hand it to others
    Account,
    /// a product row, read through the cache node from the database; writes change it
    Product,
}

/// One route of the origin and the response headers it sends (a student edits these).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouteConfig {
    pub path: String,
    pub content: Content,
    /// the `Cache-Control` header, as typed
    pub cache_control: String,
    pub etag: ETagKind,
    pub last_modified: bool,
    /// requests carry an `Authorization` header (a shared cache then stores the response only
    /// when it says public, s-maxage or must-revalidate)
    #[serde(default)]
    pub needs_authorization: bool,
    /// share of the users' requests for this route
    pub share: f64,
    pub body_bytes: u32,
    /// how often a Page or Account changes [s]
    pub changes_every_s: f64,
}

/// The cache node between the origin and the database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerCacheConfig {
    pub enabled: bool,
    /// keys it holds before it evicts the least recently used
    pub capacity: u32,
    pub ttl_s: f64,
    pub strategy: Strategy,
    pub invalidation: Invalidation,
    /// one database read per missing key at a time, the others wait for it (singleflight,
    /// nginx proxy_cache_lock)
    pub coalescing: bool,
    /// how often write-behind writes its dirty keys to the database [ms]
    pub flush_every_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CachingConfig {
    pub users: u32,
    /// requests each user makes per second (a Poisson process)
    pub requests_per_user_s: f64,
    pub routes: Vec<RouteConfig>,
    /// a CDN / reverse proxy between the users and the origin
    pub shared_cache: bool,
    /// users' browsers keep a private cache
    pub browser_cache: bool,
    /// browser ↔ shared cache (or ↔ origin when there is none), one way [ms]
    pub edge_ms: f64,
    /// shared cache ↔ origin, one way [ms]
    pub origin_link_ms: f64,
    /// the origin's own work per request [ms]
    pub origin_work_ms: f64,
    pub server_cache: ServerCacheConfig,
    /// origin ↔ cache node, one way, operation included [ms]
    pub cache_node_ms: f64,
    pub db_connections: u32,
    /// mean database read and write times (exponential) [ms]
    pub db_read_ms: f64,
    pub db_write_ms: f64,
    /// products, and how skewed their popularity is (Zipf exponent; 0 is uniform)
    pub keys: u32,
    pub zipf_skew: f64,
    /// share of product requests that are writes (POST)
    pub write_share: f64,
    /// failures injected while it runs, in time order
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<LabEvent>,
}

/// A failure injected into the lab, at a moment of its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabEvent {
    pub at_ms: f64,
    pub action: LabAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabAction {
    /// the cache node dies: it loses every key (and write-behind's unflushed writes)
    CrashCacheNode,
    RecoverCacheNode,
    /// the origin stops answering the shared cache
    OriginDown,
    OriginUp,
    /// every key expires at once (a restart, a flush): the stampede's trigger
    FlushCacheNode,
}

impl LabAction {
    pub fn label(self) -> &'static str {
        match self {
            LabAction::CrashCacheNode => "cache node crashed",
            LabAction::RecoverCacheNode => "cache node recovered",
            LabAction::OriginDown => "origin down",
            LabAction::OriginUp => "origin up",
            LabAction::FlushCacheNode => "cache node flushed",
        }
    }
}

impl Default for CachingConfig {
    /// Four routes with the headers a first version of a site tends to send, no shared cache, and
    /// a cache-aside node with delete on write.
    fn default() -> Self {
        let route = |path: &str, content, cache_control: &str, etag, share, body_bytes, changes_every_s| RouteConfig {
            path: path.into(),
            content,
            cache_control: cache_control.into(),
            etag,
            last_modified: true,
            needs_authorization: content == Content::Account,
            share,
            body_bytes,
            changes_every_s,
        };
        CachingConfig {
            users: 50,
            requests_per_user_s: 2.0,
            routes: vec![
                route("/", Content::Page, "no-cache", ETagKind::Strong, 0.25, 12_000, 30.0),
                route("/static/app.js", Content::Page, "max-age=60", ETagKind::Strong, 0.25, 80_000, 300.0),
                route("/products/{id}", Content::Product, "max-age=5", ETagKind::Weak, 0.4, 4_000, 0.0),
                route("/account", Content::Account, "private, max-age=30", ETagKind::None, 0.1, 2_000, 60.0),
            ],
            shared_cache: false,
            browser_cache: true,
            edge_ms: 10.0,
            origin_link_ms: 40.0,
            origin_work_ms: 2.0,
            server_cache: ServerCacheConfig {
                enabled: true,
                capacity: 100,
                ttl_s: 30.0,
                strategy: Strategy::CacheAside,
                invalidation: Invalidation::DeleteOnWrite,
                coalescing: false,
                flush_every_ms: 1_000.0,
            },
            cache_node_ms: 0.25,
            db_connections: 8,
            db_read_ms: 5.0,
            db_write_ms: 8.0,
            keys: 1_000,
            zipf_skew: 0.9,
            write_share: 0.05,
            timeline: Vec::new(),
        }
    }
}

impl CachingConfig {
    /// Checks every knob (through the one checker, so the messages read alike).
    pub fn check(&self, c: &mut Checker) {
        use limits::*;
        c.int("caching.users", self.users, 1, MAX_USERS);
        c.float("caching.requests_per_user_s", self.requests_per_user_s, 0.0, MAX_REQUESTS_PER_USER_S, true);
        c.float("caching.edge_ms", self.edge_ms, 0.0, MAX_LINK_MS, false);
        c.float("caching.origin_link_ms", self.origin_link_ms, 0.0, MAX_LINK_MS, false);
        c.float("caching.origin_work_ms", self.origin_work_ms, 0.0, MAX_WORK_MS, false);
        c.float("caching.cache_node_ms", self.cache_node_ms, 0.0, MAX_LINK_MS, false);
        let s = &self.server_cache;
        c.int("caching.server_cache.capacity", s.capacity, 0, MAX_CAPACITY);
        c.float("caching.server_cache.ttl_s", s.ttl_s, 0.0, MAX_TTL_S, true);
        c.float("caching.server_cache.flush_every_ms", s.flush_every_ms, MIN_FLUSH_MS, MAX_FLUSH_MS, false);
        c.int("caching.db_connections", self.db_connections, 1, MAX_DB_CONNECTIONS);
        c.float("caching.db_read_ms", self.db_read_ms, MIN_DB_MS, MAX_DB_MS, false);
        c.float("caching.db_write_ms", self.db_write_ms, MIN_DB_MS, MAX_DB_MS, false);
        c.int("caching.keys", self.keys, 1, MAX_KEYS);
        c.float("caching.zipf_skew", self.zipf_skew, 0.0, MAX_SKEW, false);
        c.float("caching.write_share", self.write_share, 0.0, 1.0, false);
        if self.routes.is_empty() || self.routes.len() > MAX_ROUTES {
            c.rule("caching.routes", format!("between 1 and {MAX_ROUTES} routes"));
        }
        for r in &self.routes {
            if let Err(why) = http::CacheControl::parse(&r.cache_control) {
                c.rule("caching.routes.cache_control", format!("route {}: {why}", r.path));
            }
            c.float("caching.routes.share", r.share, 0.0, 1.0, false);
            c.int("caching.routes.body_bytes", r.body_bytes, 0, MAX_BODY_BYTES);
            if r.content != Content::Product {
                c.float("caching.routes.changes_every_s", r.changes_every_s, MIN_CHANGE_S, MAX_CHANGE_S, false);
            }
        }
        if self.routes.iter().map(|r| r.share).sum::<f64>() <= 0.0 {
            c.rule("caching.routes.share", "at least one route needs a share above 0".into());
        }
        if self.timeline.len() > MAX_TIMELINE {
            c.rule("caching.timeline", format!("at most {MAX_TIMELINE} entries"));
        }
        if self.timeline.windows(2).any(|w| w[0].at_ms > w[1].at_ms)
            || self.timeline.iter().any(|e| !e.at_ms.is_finite() || e.at_ms < 0.0)
        {
            c.rule("caching.timeline", "entries at 0 ms or later, in time order".into());
        }
    }

    /// The parsed `Cache-Control` of each route (the config has been validated).
    pub fn parsed_cache_control(&self) -> Vec<http::CacheControl> {
        self.routes.iter().map(|r| http::CacheControl::parse(&r.cache_control).unwrap_or_default()).collect()
    }
}
