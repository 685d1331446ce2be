//! What a run is made of: the topology and its knobs, as plain serde data, and `validate`,
//! which is the only way to get a `ValidScenario` (and so the only way to start a `Sim`).

pub use crate::components::algorithm::Algorithm;
use crate::data::multi_primary::Resolution;
use crate::data::replication::CommitChoice;
use crate::data::shard::{Strategy, STRATEGIES};
use crate::data::LayoutConfig;
use crate::service::ServiceTime;
use crate::validate::Checker;
use crate::validate::{limits, ValidationError};
use serde::{Deserialize, Serialize};

/// For `skip_serializing_if`: fields at their default stay out of links, so links written before
/// a field existed encode the same today.
pub(crate) fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Open-loop clients: requests arrive as a Poisson process, whatever the servers are doing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientsConfig {
    /// offered load [requests·s⁻¹]
    pub arrival_rate: f64,
    /// how many distinct users (each with its own IPv4 address) send the requests
    #[serde(default = "default_users", skip_serializing_if = "is_default_users")]
    pub users: u32,
    /// a client gives up on a request after this long [ms]
    #[serde(default = "default_timeout_ms", skip_serializing_if = "is_default_timeout")]
    pub timeout_ms: f64,
    /// how the arrival rate changes over time (constant: `arrival_rate` throughout)
    #[serde(default, skip_serializing_if = "is_default")]
    pub profile: crate::profile::TrafficProfile,
}

fn default_users() -> u32 {
    1_000
}
fn is_default_users(users: &u32) -> bool {
    *users == default_users()
}
fn default_timeout_ms() -> f64 {
    10_000.0
}
fn is_default_timeout(timeout_ms: &f64) -> bool {
    *timeout_ms == default_timeout_ms()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalancerConfig {
    pub algorithm: Algorithm,
    /// HAProxy `option redispatch` with `retries 3`: a request whose connection is refused is
    /// retried on another server (and, under `first`, requests waiting for a server that left
    /// the rotation join the backend queue).
    #[serde(default, skip_serializing_if = "is_default")]
    pub redispatch: bool,
    /// bounded-load consistent hashing: no server takes more than this percentage of the average
    /// load (HAProxy `hash-balance-factor`, 125 to 200 is typical); absent = unbounded
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounded_load_percent: Option<u32>,
    /// HAProxy `maxconn` on every server: `first` fills a server up to it, and when every server
    /// is at it requests wait in the backend queue. It counts a request until its answer is back
    /// at the balancer, so the network's round trip holds a connection too. Absent = the
    /// server's slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_conn: Option<u32>,
    /// HAProxy `timeout queue`: how long a request may wait in the backend queue (with `first`,
    /// when every server is at its `maxconn`) before the balancer answers 503 [ms]. Unset,
    /// HAProxy uses `timeout connect`, which the examples in its configuration manual set to 5 s.
    #[serde(default = "default_queue_timeout_ms", skip_serializing_if = "is_default_queue_timeout")]
    pub queue_timeout_ms: f64,
}

impl Default for BalancerConfig {
    fn default() -> Self {
        BalancerConfig {
            algorithm: Algorithm::default(),
            redispatch: false,
            bounded_load_percent: None,
            max_conn: None,
            queue_timeout_ms: default_queue_timeout_ms(),
        }
    }
}

fn default_queue_timeout_ms() -> f64 {
    5_000.0
}
fn is_default_queue_timeout(ms: &f64) -> bool {
    *ms == default_queue_timeout_ms()
}

/// Active health checks: HAProxy's `check inter 2s fall 3 rise 2` by default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckConfig {
    pub enabled: bool,
    /// time between heartbeats to each server [ms] (HAProxy `inter`, default 2000)
    pub interval_ms: f64,
    /// consecutive failures that mark a server down (HAProxy `fall`, default 3)
    pub fall: u32,
    /// consecutive successes that mark it up again (HAProxy `rise`, default 2)
    pub rise: u32,
}

impl Default for HealthCheckConfig {
    fn default() -> Self {
        HealthCheckConfig { enabled: true, interval_ms: 2_000.0, fall: 3, rise: 2 }
    }
}

/// Where users' sessions live (the Sessions lesson).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// sessions are not modelled
    #[default]
    None,
    /// in the memory of the server that made it, with no affinity: the next request may land elsewhere
    OnServer,
    /// on the server, and the balancer pins the user there with a cookie
    /// (HAProxy `cookie SERVERID insert indirect nocache`)
    StickyCookie,
    /// on the server, and the balancer pins the client's address there in a stick table with an
    /// expiry (HAProxy `stick on src`, `stick-table ... expire 30m`)
    SourceAddress,
    /// in a cookie the client carries, signed with the app's secret key (Flask's default)
    SignedCookie,
    /// in a shared session store that every server reads at the start of a request and writes at
    /// its end (Flask-Session with Redis or a database table)
    Database,
}

impl SessionMode {
    pub const ALL: [SessionMode; 6] = [
        SessionMode::None,
        SessionMode::OnServer,
        SessionMode::StickyCookie,
        SessionMode::SourceAddress,
        SessionMode::Database,
        SessionMode::SignedCookie,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SessionMode::None => "Not modelled",
            SessionMode::OnServer => "On the server, no affinity",
            SessionMode::StickyCookie => "Sticky: balancer cookie",
            SessionMode::SourceAddress => "Sticky: source address",
            SessionMode::SignedCookie => "Signed cookie (Flask)",
            SessionMode::Database => "Session store (database)",
        }
    }

    /// A word or two, for table headings.
    pub fn short_label(self) -> &'static str {
        match self {
            SessionMode::None => "none",
            SessionMode::OnServer => "server memory",
            SessionMode::StickyCookie => "sticky cookie",
            SessionMode::SourceAddress => "sticky IP",
            SessionMode::SignedCookie => "signed cookie",
            SessionMode::Database => "session store",
        }
    }

    /// Whether the session lives in the memory (or on the disk) of the server that made it.
    pub fn on_server(self) -> bool {
        matches!(self, SessionMode::OnServer | SessionMode::StickyCookie | SessionMode::SourceAddress)
    }
}

/// What the split view's second run changes: the same scenario and seed (so the same requests)
/// under another balancing algorithm, or with sessions kept somewhere else. In a link, an
/// algorithm is written as its name (as links written before session comparisons did) and a
/// session mode as `{"sessions": mode}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Variant {
    Algorithm(Algorithm),
    Sessions {
        sessions: SessionMode,
    },
    /// a sharded database's strategy (`{"strategy": "jump"}`): a reshard moves what each moves
    Sharding {
        strategy: Strategy,
    },
    /// a replicated database's commit mode (`{"commit": "remote_apply"}`): what each waits for
    Commit {
        commit: CommitChoice,
    },
    /// the rule that settles multi-primary conflicts (`{"resolution": "crdt"}`)
    Resolution {
        resolution: Resolution,
    },
}

impl Variant {
    /// The second run's scenario.
    pub fn applied_to(self, scenario: &Scenario) -> Scenario {
        let mut s = scenario.clone();
        match self {
            Variant::Algorithm(algorithm) => s.balancer.algorithm = algorithm,
            Variant::Sessions { sessions } => s.sessions.mode = sessions,
            Variant::Sharding { strategy } => {
                if let Some(LayoutConfig::Sharded(sharding)) = s.data.as_mut().map(|d| &mut d.layout) {
                    sharding.strategy = strategy;
                }
            }
            Variant::Commit { commit } => {
                if let Some(r) = s.data.as_mut().and_then(|d| d.replication.as_mut()) {
                    r.commit = r.commit.switched_to(commit);
                }
            }
            Variant::Resolution { resolution } => {
                if let Some(m) = s.data.as_mut().and_then(|d| d.multi_primary.as_mut()) {
                    m.resolution = resolution;
                }
            }
        }
        s
    }

    /// Which knob the variant turns, as the comparison's menu groups them.
    pub fn group(self) -> &'static str {
        match self {
            Variant::Algorithm(_) => "Balancing algorithm",
            Variant::Sessions { .. } => "Where sessions live",
            Variant::Sharding { .. } => "Sharding strategy",
            Variant::Commit { .. } => "Commit mode",
            Variant::Resolution { .. } => "Conflict rule",
        }
    }

    /// What the second run is called ("Least connections", "Signed cookie (Flask)").
    pub fn label(self) -> &'static str {
        match self {
            Variant::Algorithm(a) => a.label(),
            Variant::Sessions { sessions } => sessions.label(),
            Variant::Sharding { strategy } => strategy.label(),
            Variant::Commit { commit } => commit.label(),
            Variant::Resolution { resolution } => resolution.label(),
        }
    }

    /// What the first run is called, in the same terms.
    pub fn label_of_base(self, scenario: &Scenario) -> &'static str {
        match self {
            Variant::Algorithm(_) => scenario.balancer.algorithm.label(),
            Variant::Sessions { .. } => scenario.sessions.mode.label(),
            Variant::Sharding { .. } => sharding_of(scenario).map_or("one server", Strategy::label),
            Variant::Commit { .. } => commit_of(scenario).map_or("no replicas", CommitChoice::label),
            Variant::Resolution { .. } => resolution_of(scenario).map_or("one primary", Resolution::label),
        }
    }

    /// Every variant that differs from `scenario`, algorithms first (sharding strategies when
    /// its database is sharded).
    pub fn all_but(scenario: &Scenario) -> Vec<Variant> {
        let algorithms =
            Algorithm::ALL.iter().filter(|&&a| a != scenario.balancer.algorithm).map(|&a| Variant::Algorithm(a));
        let sessions = SessionMode::ALL
            .iter()
            .filter(|&&m| m != scenario.sessions.mode && m != SessionMode::None)
            .map(|&sessions| Variant::Sessions { sessions });
        let current = sharding_of(scenario);
        let strategies = STRATEGIES
            .iter()
            .filter(|&&s| current.is_some_and(|c| c != s))
            .map(|&strategy| Variant::Sharding { strategy });
        let commit = commit_of(scenario);
        let commits = CommitChoice::ALL
            .iter()
            .filter(|&&c| commit.is_some_and(|m| m != c))
            .map(|&commit| Variant::Commit { commit });
        let rule = resolution_of(scenario);
        let rules = Resolution::ALL
            .iter()
            .filter(|&&r| rule.is_some_and(|m| m != r))
            .map(|&resolution| Variant::Resolution { resolution });
        algorithms.chain(sessions).chain(strategies).chain(commits).chain(rules).collect()
    }

    /// A short text key for forms: `algorithm:<name>` or `sessions:<mode>` (serde names).
    pub fn key(self) -> String {
        match self {
            Variant::Algorithm(a) => format!("algorithm:{}", a.key()),
            Variant::Sessions { sessions } => format!("sessions:{}", serde_name(sessions)),
            Variant::Sharding { strategy } => format!("sharding:{}", serde_name(strategy)),
            Variant::Commit { commit } => format!("commit:{}", serde_name(commit)),
            Variant::Resolution { resolution } => format!("resolution:{}", serde_name(resolution)),
        }
    }

    pub fn from_key(key: &str) -> Option<Variant> {
        let (kind, name) = key.split_once(':')?;
        match kind {
            "algorithm" => Algorithm::from_key(name).map(Variant::Algorithm),
            "sessions" => from_serde_name(name).map(|sessions| Variant::Sessions { sessions }),
            "sharding" => from_serde_name(name).map(|strategy| Variant::Sharding { strategy }),
            "commit" => from_serde_name(name).map(|commit| Variant::Commit { commit }),
            "resolution" => from_serde_name(name).map(|resolution| Variant::Resolution { resolution }),
            _ => None,
        }
    }
}

/// The strategy of the scenario's sharded database, if it has one.
fn sharding_of(scenario: &Scenario) -> Option<Strategy> {
    match scenario.data.as_ref().map(|d| &d.layout) {
        Some(LayoutConfig::Sharded(s)) => Some(s.strategy),
        _ => None,
    }
}

/// The rule of the scenario's multi-primary database, if it has several primaries.
fn resolution_of(scenario: &Scenario) -> Option<Resolution> {
    scenario.data.as_ref()?.multi_primary.as_ref().map(|m| m.resolution)
}

/// The commit mode of the scenario's replicated database, if it has replicas.
fn commit_of(scenario: &Scenario) -> Option<CommitChoice> {
    scenario.data.as_ref()?.replication.as_ref().map(|r| r.commit.choice())
}

/// A unit variant's name as serde writes it ("database", "hash_mod").
fn serde_name(value: impl Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn from_serde_name<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.into())).ok()
}

/// The shared session store of `SessionMode::Database`: one node, like a Redis instance, that
/// works on `concurrency` operations at a time (Redis runs commands on one thread) and queues
/// the rest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionStoreConfig {
    /// one way between a server and the store [ms] (same data centre: about 0.25 ms)
    pub latency_ms: f64,
    /// the store's time for one read or write [ms]
    pub op_ms: f64,
    pub concurrency: u32,
    /// operations that may wait; past it the store refuses and the request fails
    pub queue_limit: u32,
}

impl Default for SessionStoreConfig {
    fn default() -> Self {
        SessionStoreConfig { latency_ms: 0.25, op_ms: 0.1, concurrency: 1, queue_limit: 10_000 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsConfig {
    pub mode: SessionMode,
    /// how long a stick-table entry outlives its last use [ms] (the HAProxy docs' example: 30 min)
    pub stick_table_expire_ms: f64,
    /// the session store, used in `SessionMode::Database`
    #[serde(default, skip_serializing_if = "is_default")]
    pub store: SessionStoreConfig,
}

impl Default for SessionsConfig {
    fn default() -> Self {
        SessionsConfig {
            mode: SessionMode::None,
            stick_table_expire_ms: 1_800_000.0,
            store: SessionStoreConfig::default(),
        }
    }
}

/// One server that differs from the pool's template (vertical scaling, weights).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerOverride {
    /// the server's index, from 0
    pub server: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
}

/// The pool of servers: a template every server follows, and the few that differ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServersConfig {
    pub count: u32,
    /// requests a server works on at once (worker processes / threads)
    pub concurrency: u32,
    /// speed factor: service time is divided by it (2 = twice as fast)
    pub speed: f64,
    /// requests a server may hold waiting for a slot; beyond it, 503
    pub queue_limit: u32,
    pub service: ServiceTime,
    /// balancing weight (nginx `weight=`, default 1)
    #[serde(default = "default_weight", skip_serializing_if = "is_default_weight")]
    pub weight: u32,
    /// price of one slot at speed 1 for an hour [$]; a server costs slots × speed × this.
    /// Default: AWS m5.large on demand in us-east-1, $0.096/h for 2 vCPUs.
    #[serde(default = "default_price", skip_serializing_if = "is_default_price")]
    pub price_per_slot_hour: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom: Vec<ServerOverride>,
    /// a server added while the run goes on boots for this long before it can answer [ms]
    #[serde(default, skip_serializing_if = "is_default")]
    pub boot_ms: f64,
    /// a removed server that still holds requests after this long is stopped, failing them [ms]
    /// (Kubernetes' `terminationGracePeriodSeconds`, 30 s)
    #[serde(default = "default_drain_timeout_ms", skip_serializing_if = "is_default_drain_timeout")]
    pub drain_timeout_ms: f64,
}

fn default_drain_timeout_ms() -> f64 {
    30_000.0
}
fn is_default_drain_timeout(ms: &f64) -> bool {
    *ms == default_drain_timeout_ms()
}

fn default_weight() -> u32 {
    1
}
fn is_default_weight(weight: &u32) -> bool {
    *weight == 1
}
fn default_price() -> f64 {
    0.048
}
fn is_default_price(price: &f64) -> bool {
    *price == default_price()
}

/// One server's size as it starts: the template with its override applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ServerSize {
    pub concurrency: u32,
    pub speed: f64,
    pub weight: u32,
}

impl ServersConfig {
    pub fn size_of(&self, server: u32) -> ServerSize {
        let mut size = ServerSize { concurrency: self.concurrency, speed: self.speed, weight: self.weight };
        if let Some(o) = self.custom.iter().find(|o| o.server == server) {
            size.concurrency = o.concurrency.unwrap_or(size.concurrency);
            size.speed = o.speed.unwrap_or(size.speed);
            size.weight = o.weight.unwrap_or(size.weight);
        }
        size
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// one-way latency of each link [ms]
    pub link_latency_ms: f64,
}

/// Something that happens at a set moment of the run: a failure injected by the scenario, or a
/// change the user made while it ran (recorded so that a link replays it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    /// when [µs since the start]
    pub at_us: u64,
    pub command: crate::command::Command,
    /// made by the user while the run went on, rather than set by the scenario: a change made
    /// after going back in time drops the user's later ones (a fork), never the scenario's own
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recorded: bool,
}

/// A whole run's description. `seed` makes it repeatable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub seed: u64,
    pub clients: ClientsConfig,
    pub balancer: BalancerConfig,
    pub servers: ServersConfig,
    pub network: NetworkConfig,
    #[serde(default, skip_serializing_if = "is_default")]
    pub health_check: HealthCheckConfig,
    #[serde(default, skip_serializing_if = "is_default")]
    pub sessions: SessionsConfig,
    #[serde(default, skip_serializing_if = "is_default")]
    pub autoscaler: crate::components::autoscaler::AutoscalerConfig,
    /// in time order
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
    /// the Caching lesson's lab (`caching::CacheLab`), when this scenario has one
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caching: Option<crate::caching::CachingConfig>,
    /// the data tier's database (`data::Database`), when this scenario has one
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<crate::data::DataConfig>,
}

impl Default for Scenario {
    /// The first scenario a user sees: four servers at about 75% load.
    fn default() -> Self {
        Scenario {
            seed: 42,
            clients: ClientsConfig {
                arrival_rate: 300.0,
                users: default_users(),
                timeout_ms: default_timeout_ms(),
                profile: crate::profile::TrafficProfile::Constant,
            },
            balancer: BalancerConfig::default(),
            servers: ServersConfig {
                count: 4,
                concurrency: 2,
                speed: 1.0,
                queue_limit: 50,
                service: ServiceTime::Exponential { mean_ms: 20.0 },
                weight: default_weight(),
                price_per_slot_hour: default_price(),
                custom: Vec::new(),
                boot_ms: 0.0,
                drain_timeout_ms: default_drain_timeout_ms(),
            },
            network: NetworkConfig { link_latency_ms: 20.0 },
            health_check: HealthCheckConfig::default(),
            sessions: SessionsConfig::default(),
            autoscaler: Default::default(),
            timeline: Vec::new(),
            caching: None,
            data: None,
        }
    }
}

/// A scenario that passed `validate`. The only way to build a `Sim`.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidScenario(Scenario);

impl ValidScenario {
    pub fn get(&self) -> &Scenario {
        &self.0
    }
    pub fn into_inner(self) -> Scenario {
        self.0
    }
}

impl Scenario {
    /// Checks every knob against its range; returns all the problems at once.
    pub fn validate(self) -> Result<ValidScenario, Vec<ValidationError>> {
        use limits::*;
        let mut c = Checker::default();
        c.float("clients.arrival_rate", self.clients.arrival_rate, 0.0, MAX_ARRIVAL_RATE, true);
        c.int("servers.count", self.servers.count, 1, MAX_SERVERS);
        c.int("servers.concurrency", self.servers.concurrency, 1, MAX_CONCURRENCY);
        c.float("servers.speed", self.servers.speed, MIN_SPEED, MAX_SPEED, false);
        c.int("servers.queue_limit", self.servers.queue_limit, 0, MAX_QUEUE_LIMIT);
        let mean = self.servers.service.mean_ms();
        c.float("servers.service.mean_ms", mean, MIN_SERVICE_MS, MAX_SERVICE_MS, false);
        if let ServiceTime::LogNormal { sigma, .. } = self.servers.service {
            c.float("servers.service.sigma", sigma, MIN_SIGMA, MAX_SIGMA, false);
        }
        c.float("network.link_latency_ms", self.network.link_latency_ms, 0.0, MAX_LINK_LATENCY_MS, false);
        c.int("clients.users", self.clients.users, 1, MAX_USERS);
        c.float("clients.timeout_ms", self.clients.timeout_ms, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, false);
        c.int("servers.weight", self.servers.weight, 1, MAX_WEIGHT);
        c.float("servers.price_per_slot_hour", self.servers.price_per_slot_hour, 0.0, MAX_PRICE_PER_SLOT_HOUR, false);
        for o in &self.servers.custom {
            c.int("servers.custom.server", o.server, 0, self.servers.count.saturating_sub(1));
            if let Some(v) = o.concurrency {
                c.int("servers.custom.concurrency", v, 1, MAX_CONCURRENCY);
            }
            if let Some(v) = o.speed {
                c.float("servers.custom.speed", v, MIN_SPEED, MAX_SPEED, false);
            }
            if let Some(v) = o.weight {
                c.int("servers.custom.weight", v, 1, MAX_WEIGHT);
            }
        }
        if let Some(n) = self.balancer.max_conn {
            c.int("balancer.max_conn", n, 1, MAX_MAX_CONN);
        }
        c.float("balancer.queue_timeout_ms", self.balancer.queue_timeout_ms, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS, false);
        if let Some(p) = self.balancer.bounded_load_percent {
            c.int("balancer.bounded_load_percent", p, MIN_BOUNDED_LOAD_PERCENT, MAX_BOUNDED_LOAD_PERCENT);
        }
        let h = &self.health_check;
        c.float("health_check.interval_ms", h.interval_ms, MIN_CHECK_INTERVAL_MS, MAX_CHECK_INTERVAL_MS, false);
        c.int("health_check.fall", h.fall, 1, MAX_RISE_FALL);
        c.int("health_check.rise", h.rise, 1, MAX_RISE_FALL);
        c.float(
            "sessions.stick_table_expire_ms",
            self.sessions.stick_table_expire_ms,
            MIN_STICK_EXPIRE_MS,
            MAX_STICK_EXPIRE_MS,
            false,
        );
        let store = &self.sessions.store;
        c.float("sessions.store.latency_ms", store.latency_ms, 0.0, MAX_STORE_LATENCY_MS, false);
        c.float("sessions.store.op_ms", store.op_ms, MIN_STORE_OP_MS, MAX_STORE_OP_MS, false);
        c.int("sessions.store.concurrency", store.concurrency, 1, MAX_CONCURRENCY);
        c.int("sessions.store.queue_limit", store.queue_limit, 0, MAX_QUEUE_LIMIT);
        c.float("servers.boot_ms", self.servers.boot_ms, 0.0, MAX_BOOT_MS, false);
        c.float(
            "servers.drain_timeout_ms",
            self.servers.drain_timeout_ms,
            MIN_DRAIN_TIMEOUT_MS,
            MAX_DRAIN_TIMEOUT_MS,
            false,
        );
        self.clients.profile.check(&mut c);
        if let Some(data) = &self.data {
            data.check(&mut c);
        }
        if let Some(caching) = &self.caching {
            caching.check(&mut c);
        }
        self.autoscaler.check(&mut c);
        if self.timeline.len() > MAX_TIMELINE {
            c.refuse("timeline", format!("{} entries", self.timeline.len()), format!("at most {MAX_TIMELINE} entries"));
        }
        if self.timeline.windows(2).any(|w| w[0].at_us > w[1].at_us) {
            c.refuse("timeline", "out of order".into(), "in time order".into());
        }
        for entry in &self.timeline {
            if let Err(problem) = entry.command.check_arguments() {
                c.rule("timeline.command", format!("“{}”: {problem}", entry.command.describe()));
            }
        }
        if c.is_empty() {
            Ok(ValidScenario(self))
        } else {
            Err(c.into_problems())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_is_valid() {
        assert!(Scenario::default().validate().is_ok());
    }

    #[test]
    fn every_problem_is_reported_with_its_field_and_range() {
        let mut s = Scenario::default();
        s.servers.count = 0;
        s.clients.arrival_rate = 2_000_000.0;
        s.servers.speed = f64::NAN;
        s.servers.service = ServiceTime::LogNormal { mean_ms: 10.0, sigma: 9.0 };
        let errors = s.validate().unwrap_err();
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "clients.arrival_rate is 2,000,000, but it must be more than 0 and at most 1,000,000",
                "servers.count is 0, but it must be between 1 and 1,000",
                "servers.speed is not a number, but it must be at least 0.1 and at most 100",
                "servers.service.sigma is 9, but it must be at least 0.01 and at most 3",
            ]
        );
    }
}
