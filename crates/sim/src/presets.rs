//! Named starting points: the scenarios the lessons, the CLI (`scalelab show NAME`) and the tests
//! share. Each says in one line what it shows.

use crate::caching::{CachingConfig, Content, Invalidation, LabAction, LabEvent, Strategy as CacheStrategy};
use crate::command::Command;
use crate::components::autoscaler::{ScalingPolicy, StepScaling, TargetTracking};
use crate::data::failover::FailoverConfig;
use crate::data::layout::{default_placement, ShardingConfig};
use crate::data::multi_primary::{MultiPrimaryConfig, Resolution};
use crate::data::replication::{CommitMode, ReadFix, ReadRouting, ReplicationConfig, SyncLevel, SyncMethod, WaitPoint};
use crate::data::shard::Strategy;
use crate::data::traffic::{MixQuery, WebQueries};
use crate::data::{DataConfig, LayoutConfig};
use crate::profile::TrafficProfile;
use crate::scenario::{Algorithm, Scenario, SessionMode, TimelineEntry};
use crate::service::ServiceTime;
use crate::time::SimTime;

pub struct Preset {
    pub name: &'static str,
    pub summary: &'static str,
    pub build: fn() -> Scenario,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "default",
        summary: "Four servers behind a round-robin balancer at 75% load",
        build: Scenario::default,
    },
    Preset {
        name: "overload",
        summary: "More traffic than four servers can take: queues fill and 503s appear",
        build: || {
            let mut s = Scenario::default();
            s.clients.arrival_rate = 480.0;
            s.servers.queue_limit = 20;
            s
        },
    },
    Preset {
        name: "uneven-requests",
        summary: "Log-normal request sizes under least connections: compare with round robin",
        build: || {
            let mut s = Scenario::default();
            s.balancer.algorithm = Algorithm::LeastConnections;
            s.servers.service = ServiceTime::LogNormal { mean_ms: 20.0, sigma: 1.2 };
            s
        },
    },
    Preset {
        name: "mm1",
        summary: "Queueing theory's M/M/1: one server, one slot, Poisson arrivals at 80% load, no network",
        build: || queueing_model(1, 40.0),
    },
    Preset {
        name: "mmc",
        summary: "M/M/4: one queue in front of four slots at 75% load (Erlang C), no network",
        build: || queueing_model(4, 150.0),
    },
    Preset {
        name: "round-robin-uneven",
        summary: "Log-normal request sizes under round robin: long requests pile up behind each other",
        build: || {
            let mut s = (find("uneven-requests").expect("listed above").build)();
            s.balancer.algorithm = Algorithm::RoundRobin;
            s
        },
    },
    Preset {
        name: "hung-server",
        summary: "Server 2 hangs at 5 s; round robin keeps feeding it until three heartbeats fail",
        build: || {
            let mut s = Scenario::default();
            s.timeline = vec![TimelineEntry { recorded: false, at_us: SimTime::from_secs(5).0, command: Command::Hang { server: 1 } }];
            s
        },
    },
    Preset {
        name: "hashing-sticky",
        summary: "Six users under nginx ip_hash: each user stays on one server, and the load is uneven",
        build: || {
            let mut s = Scenario::default();
            s.balancer.algorithm = Algorithm::SourceIpHash;
            s.clients.users = 6;
            s.clients.arrival_rate = 200.0;
            s
        },
    },
    Preset {
        name: "first-available",
        summary: "HAProxy first with maxconn at the 2 slots: the 40 ms round trip holds the connections, so \
                  servers idle while requests wait at the balancer and time out",
        build: || {
            let mut s = Scenario::default();
            s.balancer.algorithm = Algorithm::FirstAvailable;
            s
        },
    },
    Preset {
        name: "one-big-server",
        summary: "Vertical scaling: one server with 8 slots, at 75% load",
        build: || {
            let mut s = Scenario::default();
            s.servers.count = 1;
            s.servers.concurrency = 8;
            s.servers.queue_limit = 200;
            s
        },
    },
    Preset {
        name: "sessions-on-server",
        summary: "Sessions in each server's memory, no affinity: most requests land where the session is not",
        build: || sessions_scenario(SessionMode::OnServer),
    },
    Preset {
        name: "sessions-sticky",
        summary: "Sticky sessions (HAProxy cookie insert); server 2 crashes at 20 s and its users lose their carts",
        build: || sessions_scenario(SessionMode::StickyCookie),
    },
    Preset {
        name: "sessions-database",
        summary: "Sessions in a shared store (Flask-Session on Redis); server 2 crashes at 20 s and nobody notices",
        build: || sessions_scenario(SessionMode::Database),
    },
    Preset {
        name: "sessions-signed-cookie",
        summary: "Sessions in a signed Flask cookie; server 2 crashes at 20 s and nobody notices",
        build: || sessions_scenario(SessionMode::SignedCookie),
    },
    Preset {
        name: "autoscale-ramp",
        summary: "Kubernetes HPA at 60% CPU follows traffic ramping from 100 to 600 requests/s, with servers that take 30 s to boot",
        build: || autoscaling_scenario(|s| {
            s.clients.profile = TrafficProfile::Ramp { from: 100.0, to: 600.0, seconds: 300.0 };
        }),
    },
    Preset {
        name: "autoscale-underprovisioned",
        summary: "The same ramp with the HPA capped at 4 servers: latency and errors climb past the SLO",
        build: || autoscaling_scenario(|s| {
            s.clients.profile = TrafficProfile::Ramp { from: 100.0, to: 600.0, seconds: 300.0 };
            s.autoscaler.max_servers = 4;
        }),
    },
    Preset {
        name: "autoscale-spike",
        summary: "Traffic triples at 60 s for two minutes; servers take 90 s to boot, so the spike outruns them",
        build: || autoscaling_scenario(|s| {
            s.servers.boot_ms = 90_000.0;
            s.clients.profile = TrafficProfile::Spike { base: 150.0, peak: 450.0, at_s: 60.0, seconds: 120.0 };
        }),
    },
    Preset {
        name: "autoscale-flapping",
        summary: "A daily wave with the scale-down stabilization window at 0: the pool flaps up and down",
        build: || autoscaling_scenario(|s| {
            s.servers.boot_ms = 5_000.0;
            s.clients.profile = TrafficProfile::DailyWave { mean: 270.0, amplitude: 60.0, period_s: 240.0 };
            if let ScalingPolicy::TargetTracking(t) = &mut s.autoscaler.policy {
                t.scale_down_stabilization_s = 0;
            }
        }),
    },
    Preset {
        name: "autoscale-step",
        summary: "AWS step scaling with a 300 s cooldown on the same ramp: slower, in steps",
        build: || autoscaling_scenario(|s| {
            s.clients.profile = TrafficProfile::Ramp { from: 100.0, to: 600.0, seconds: 300.0 };
            s.autoscaler.policy = ScalingPolicy::StepScaling(StepScaling::default());
        }),
    },
    Preset {
        name: "caching-none",
        summary: "Caching, step 1: no cache anywhere; every request travels to the origin and the database",
        build: || caching_scenario(|c| {
            c.browser_cache = false;
            c.server_cache.enabled = false;
        }),
    },
    Preset {
        name: "caching-max-age",
        summary: "Caching, step 2: browsers keep responses for their max-age: fewer requests, some stale pages",
        build: || caching_scenario(|c| {
            for r in &mut c.routes {
                if r.content != Content::Account {
                    r.cache_control = "max-age=60".into();
                }
            }
            c.server_cache.enabled = false;
        }),
    },
    Preset {
        name: "caching-etag",
        summary: "Caching, step 3: no-cache with ETags: browsers revalidate every time and get 304s without a body",
        build: || caching_scenario(|c| {
            c.server_cache.enabled = false;
        }),
    },
    Preset {
        name: "caching-shared",
        summary: "Caching, step 4: a shared cache (CDN) in front; account pages are private, so it never stores them",
        build: || caching_scenario(|c| {
            c.shared_cache = true;
            c.server_cache.enabled = false;
            for r in &mut c.routes {
                if r.content == Content::Page {
                    r.cache_control = "public, max-age=10, s-maxage=60".into();
                }
            }
        }),
    },
    Preset {
        name: "caching-shared-leak",
        summary: "Caching, step 4b: the account page marked public: the shared cache hands one user's page to others",
        build: || caching_scenario(|c| {
            c.shared_cache = true;
            c.server_cache.enabled = false;
            for r in &mut c.routes {
                if r.content == Content::Account {
                    r.cache_control = "public, max-age=30".into();
                }
            }
        }),
    },
    Preset {
        name: "caching-server",
        summary: "Caching, step 5: a cache node in front of the database, cache-aside with delete on write",
        build: || caching_scenario(|c| {
            c.write_share = 0.1;
        }),
    },
    Preset {
        name: "caching-ttl-only",
        summary: "Caching, step 5b: invalidation by TTL only: writes leave stale copies for up to the TTL",
        build: || caching_scenario(|c| {
            c.write_share = 0.1;
            c.server_cache.invalidation = Invalidation::TtlOnly;
        }),
    },
    Preset {
        name: "caching-stampede",
        summary: "Caching, step 6: the cache node is flushed every 10 s and the hot keys stampede the database",
        build: || caching_scenario(|c| {
            c.users = 200;
            c.zipf_skew = 1.3;
            c.db_read_ms = 40.0;
            c.db_connections = 4;
            c.timeline = (1..=20).map(|i| LabEvent { at_ms: f64::from(i) * 10_000.0, action: LabAction::FlushCacheNode }).collect();
        }),
    },
    Preset {
        name: "caching-write-behind",
        summary: "Caching, step 7: write-behind, and the cache node crashes at 22.5 s with writes not yet flushed",
        build: || caching_scenario(|c| {
            c.write_share = 0.2;
            c.server_cache.strategy = CacheStrategy::WriteBehind;
            c.server_cache.flush_every_ms = 5_000.0;
            c.timeline = vec![
                LabEvent { at_ms: 22_500.0, action: LabAction::CrashCacheNode },
                LabEvent { at_ms: 24_000.0, action: LabAction::RecoverCacheNode },
            ];
        }),
    },
    Preset {
        name: "many-small-servers",
        summary: "Horizontal scaling: eight servers with 1 slot each, the same capacity and price",
        build: || {
            let mut s = Scenario::default();
            s.servers.count = 8;
            s.servers.concurrency = 1;
            s
        },
    },
    Preset {
        name: "data-database-bottleneck",
        summary: "The web tier scales, the database does not: eight fast web servers query one database server, which is the limit (add web servers: nothing changes)",
        build: || bottleneck_scenario(LayoutConfig::Single),
    },
    Preset {
        name: "data-sharded-web-tier",
        summary: "The same traffic on four shards by user id: a feed's user_id is now the shard key, each shard takes its share, and throughput follows the offered load",
        build: || bottleneck_scenario(sharded(Strategy::KeyRange, 4, &[])),
    },
    Preset {
        name: "data-replication-lag",
        summary: "Single-primary replication: writes on the primary, reads on two replicas that apply the log barely faster than it grows, so users reload and miss their own comment",
        build: || replication_scenario(ReadFix::None),
    },
    Preset {
        name: "data-replication-primary-after-write",
        summary: "The same replicas, with each user's reads sent to the primary for 2 s after their write (Rails' default): no read misses its own write, and the primary takes those reads",
        build: || replication_scenario(ReadFix::PrimaryAfterWrite { seconds: 2.0 }),
    },
    Preset {
        name: "data-replication-wait",
        summary: "The same replicas, each read waiting on its replica until the user's last write is applied (a GTID or LSN wait, 500 ms at most): no read misses its own write, and reads wait instead",
        build: || replication_scenario(ReadFix::WaitForPosition { timeout_ms: 500.0 }),
    },
    Preset {
        name: "data-replication-sticky",
        summary: "The same replicas, each user reading from a replica of their own: reads never go back in time, but a user can still miss their own write",
        build: || replication_scenario(ReadFix::StickyReplica),
    },
    Preset {
        name: "data-replication-remote-apply",
        summary: "The same replicas under PostgreSQL's synchronous_commit = remote_apply with ANY 2: a commit returns once both replicas have replayed it, so no read misses its writer's write, and commits wait for the replay",
        build: || {
            let mut s = replication_scenario(ReadFix::None);
            with_replication(&mut s, |r| r.commit = CommitMode::Synchronous { level: SyncLevel::RemoteApply, method: SyncMethod::Any, count: 2 });
            s
        },
    },
    Preset {
        name: "data-replication-semi-sync-timeout",
        summary: "MySQL semi-sync (AFTER_SYNC, one replica's acknowledgement, 10 s timeout) on fast replicas: commits wait about 3 ms; both replicas crash at 10 s, commits wait the whole timeout, the source falls back to asynchronous, and comes back to semi-sync when the replicas return at 30 s",
        build: || {
            let mut s = replication_scenario(ReadFix::None);
            with_replication(&mut s, |r| {
                r.commit = CommitMode::SemiSync { wait_point: WaitPoint::AfterSync, wait_for_replica_count: 1, timeout_ms: 10_000.0 };
                (r.apply_per_s, r.last_replica_speed) = (1_000.0, 1.0);
            });
            let at = |secs: u64, command| TimelineEntry { recorded: false, at_us: SimTime::from_secs(secs).0, command };
            s.timeline = vec![
                at(10, Command::CrashDatabase { server: 1 }),
                at(10, Command::CrashDatabase { server: 2 }),
                at(30, Command::RecoverDatabase { server: 1 }),
                at(30, Command::RecoverDatabase { server: 2 }),
            ];
            s
        },
    },
    Preset {
        name: "data-replication-failover-async",
        summary: "The lagging replicas, in another region (the log takes 100 ms to get there), asynchronous: the primary crashes at 20 s, heartbeats (every 3 s, 3 missed) declare it down at 27 s, and the most up-to-date replica is promoted; the writes only the old primary had are lost, some of them already acknowledged to their users",
        build: || failover_scenario(CommitMode::Async),
    },
    Preset {
        name: "data-replication-failover-semi-sync",
        summary: "The same crash under MySQL semi-sync AFTER_SYNC (one replica's acknowledgement): every commit waits the round trip to a replica, and the promoted replica has every write a client was told had committed, so no acknowledged write is lost",
        build: || {
            failover_scenario(CommitMode::SemiSync {
                wait_point: WaitPoint::AfterSync,
                wait_for_replica_count: 1,
                timeout_ms: 10_000.0,
            })
        },
    },
    Preset {
        name: "data-replication-split-brain",
        summary: "The asynchronous failover without fencing: the old primary comes back at 35 s still a primary, and the web servers that still reach it at its old address (every second user's) write to it; those writes reach neither the new primary nor its replicas, so their users never see them",
        build: || {
            let mut s = failover_scenario(CommitMode::Async);
            with_replication(&mut s, |r| r.failover = Some(FailoverConfig { fencing: false, ..FailoverConfig::default() }));
            s.timeline.push(TimelineEntry { recorded: false, at_us: SimTime::from_secs(35).0, command: Command::RecoverDatabase { server: 0 } });
            s
        },
    },
    Preset {
        name: "data-replication-sharded",
        summary: "The same blog on two shards by user id (Vitess key ranges -80 and 80-), each shard a primary with two replicas and a log of its own: each shard's replicas lag on their own, and a user's reload misses their comment on their shard; the primary of shard -80 crashes at 20 s and only that shard fails over",
        build: sharded_replication_scenario,
    },
    Preset {
        name: "data-replication-write-heavy",
        summary: "A shop whose traffic is 60% writes, ramping from 500 to 5,000 requests/s over 60 s against a primary and two replicas of two connections each (1 ms a query): the primary saturates near 3,300 requests/s while the replicas stay far from busy; more replicas would raise only the read capacity",
        build: write_heavy_scenario,
    },
    Preset {
        name: "data-multi-primary-skew",
        summary: "Two primaries, one per region (40 ms apart), each taking its users' profile edits, settled by last writer wins as Cassandra does; primary 1's clock runs 500 ms ahead, so its writes beat edits made up to half a second later in real time, and those are lost",
        build: || multi_primary_scenario(Resolution::LastWriterWins, vec![500.0]),
    },
    Preset {
        name: "data-multi-primary-version-vectors",
        summary: "The same two primaries and edits under version vectors (Dynamo, Riak): no edit is thrown away; concurrent ones stay side by side as siblings until a later write from the application merges them",
        build: || multi_primary_scenario(Resolution::VersionVectors, vec![500.0]),
    },
    Preset {
        name: "data-multi-primary-certification",
        summary: "The same edits under Galera's certification: each write is ordered and certified by both primaries before it commits (a 40 ms trip), and of two conflicting edits the later aborts with ERROR 1213; its primary retries it once (wsrep_retry_autocommit), then the user gets the error",
        build: || multi_primary_scenario(Resolution::Certification, vec![500.0]),
    },
    Preset {
        name: "data-multi-primary-crdt",
        summary: "Both regions add to the same order totals (likes work the same way) as a CRDT PN-counter: every primary counts every addition once, so no update is lost and the totals agree once the writes stop",
        build: crdt_scenario,
    },
    Preset {
        name: "data-multi-primary-partition",
        summary: "Two primaries under last writer wins with exact clocks; primary 2's region is cut off from 10 s to 20 s: both keep taking edits, and when the link heals, the edits of the same profiles made on each side conflict",
        build: || {
            let mut s = multi_primary_scenario(Resolution::LastWriterWins, Vec::new());
            let at = |secs: u64, command| TimelineEntry { recorded: false, at_us: SimTime::from_secs(secs).0, command };
            s.timeline = vec![at(10, Command::CutRegion { server: 1 }), at(20, Command::HealRegion { server: 1 })];
            s
        },
    },
    Preset {
        name: "data-wide-table",
        summary: "One database server with a wide users table: every read of a name drags the bio and avatar along",
        build: || data_scenario(LayoutConfig::Single, &["SELECT name, email FROM users WHERE id = 42", "EXPLAIN SELECT name, country FROM users WHERE country = 'DE'"]),
    },
    Preset {
        name: "data-vertical-split",
        summary: "Vertical partitioning: users split into a hot table (name, email, country) and a cold one (bio, avatar)",
        build: || {
            let hot = ["name", "email", "country", "created_at"].map(String::from).to_vec();
            data_scenario(LayoutConfig::Vertical { hot }, &["EXPLAIN SELECT name, country FROM users WHERE country = 'DE'", "SELECT name, bio FROM users WHERE id = 42"])
        },
    },
    Preset {
        name: "data-orders-by-month",
        summary: "Horizontal partitioning on one server: a year of orders range-partitioned by month, as PostgreSQL does it; WHERE on created_at prunes",
        build: || {
            let ddl = orders_by_month_ddl();
            data_scenario(LayoutConfig::Partitioned { ddl }, &["EXPLAIN SELECT COUNT(*), SUM(total_cents) FROM orders WHERE created_at >= '2025-03-01' AND created_at < '2025-05-01'", "EXPLAIN SELECT * FROM orders WHERE user_id = 7"])
        },
    },
    Preset {
        name: "data-sharded-by-user",
        summary: "Sharding: four shards by user id (Vitess keyranges), posts, comments and orders co-located with their user",
        build: || data_scenario(sharded(Strategy::KeyRange, 4, &[]), &["SELECT * FROM orders WHERE user_id = 7", "SELECT u.name, o.total_cents FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = 7", "SELECT COUNT(*), AVG(total_cents) FROM orders"]),
    },
    Preset {
        name: "data-cross-shard-join",
        summary: "The join problem: comments joined to their posts by post id, not the shard key, so rows travel to the router",
        build: || data_scenario(sharded(Strategy::KeyRange, 4, &[]), &["EXPLAIN SELECT p.title, c.body FROM posts p JOIN comments c ON c.post_id = p.id WHERE p.id = 12"]),
    },
    Preset {
        name: "data-reference-tables",
        summary: "Reference tables: countries is copied to every shard, so joins against it stay on the shard",
        build: || data_scenario(sharded(Strategy::KeyRange, 4, &[]), &["EXPLAIN SELECT c.name, COUNT(*) FROM users u JOIN countries c ON c.code = u.country GROUP BY c.name ORDER BY 2 DESC LIMIT 5", "EXPLAIN INSERT INTO countries VALUES ('PT', 'Portugal')"]),
    },
    Preset {
        name: "data-hot-shard",
        summary: "A poor shard key: users sharded by country under Zipf-popular countries, so one shard holds far more than its share and does most of the work",
        build: || {
            let mut s = busy_web_tier(sharded(Strategy::HashMod, 4, &[("users", "country")]), &["EXPLAIN SELECT COUNT(*) FROM users WHERE country = 'US'", "\\traffic 1000"]);
            s.clients.arrival_rate = 4_000.0;
            if let Some(data) = s.data.as_mut() {
                data.rows = 100_000;
            }
            if let Some(web) = s.data.as_mut().and_then(|d| d.web.as_mut()) {
                // Most pages list a country's users: the shard that holds the most popular
                // countries takes most of the work, and the diagram shows it hot.
                web.mix = vec![
                    MixQuery { weight: 80, label: "a country's users".into(), sql: "SELECT id, name FROM users WHERE country = :country ORDER BY id LIMIT 20".into() },
                    MixQuery { weight: 20, label: "a user's orders".into(), sql: "SELECT id, total_cents FROM orders WHERE user_id = :user_id".into() },
                ];
            }
            s
        },
    },
    Preset {
        name: "data-reshard-mod-n",
        summary: "Resharding 4 → 5 under hash mod N: about four keys in five move (compare consistent and jump hashing)",
        build: || data_scenario(sharded(Strategy::HashMod, 4, &[]), &["SELECT COUNT(*) FROM users"]),
    },
    Preset {
        name: "data-reshard-consistent",
        summary: "Resharding 4 → 5 under consistent hashing with 100 virtual nodes: about one key in five moves",
        build: || data_scenario(sharded(Strategy::Consistent, 4, &[]), &["SELECT COUNT(*) FROM users"]),
    },
    Preset {
        name: "data-reshard-jump",
        summary: "Resharding 4 → 5 under jump consistent hash (Lamping & Veach): exactly the expected one key in five moves",
        build: || data_scenario(sharded(Strategy::Jump, 4, &[]), &["SELECT COUNT(*) FROM users"]),
    },
];

/// The default scenario with a data tier of 20,000 rows laid out as `layout`, the console's
/// first queries, and every request running one query of the blog's mix.
fn data_scenario(layout: LayoutConfig, queries: &[&str]) -> Scenario {
    let data = DataConfig {
        rows: 20_000,
        layout,
        queries: queries.iter().map(|q| q.to_string()).collect(),
        web: Some(WebQueries::default()),
        ..DataConfig::default()
    };
    Scenario { data: Some(data), ..Scenario::default() }
}

/// The blog's mix on a busy web tier, against a database laid out as `layout`. On one server
/// a feed scans every post (posts has no index on user_id), so the database tops out first;
/// sharded by user_id, a feed is an index lookup on one shard.
fn bottleneck_scenario(layout: LayoutConfig) -> Scenario {
    busy_web_tier(
        layout,
        &["EXPLAIN SELECT id, title, created_at FROM posts WHERE user_id = 7 ORDER BY created_at DESC LIMIT 10"],
    )
}

/// 3,000 requests/s on eight web servers of four 5 ms slots (6,400/s between them), and
/// database servers of two connections: a web tier that the database, not itself, limits.
fn busy_web_tier(layout: LayoutConfig, queries: &[&str]) -> Scenario {
    let mut s = data_scenario(layout, queries);
    s.clients.arrival_rate = 3_000.0;
    s.servers.count = 8;
    s.servers.concurrency = 4;
    s.servers.service = ServiceTime::Exponential { mean_ms: 5.0 };
    s.network.link_latency_ms = 5.0;
    if let Some(web) = s.data.as_mut().and_then(|d| d.web.as_mut()) {
        web.connections = 2;
    }
    s
}

/// 50 users each posting a comment now and then and reloading their comments, on one database
/// server with two asynchronous replicas that apply 90 and 81 log entries a second while about
/// 75 writes a second arrive: the replicas fall behind (the second further), a reload often
/// misses the comment, and a reload on the other replica can show an older page than the last.
fn replication_scenario(fix: ReadFix) -> Scenario {
    let mut s = data_scenario(LayoutConfig::Single, &[]);
    s.clients.users = 50;
    if let Some(data) = s.data.as_mut() {
        data.replication = Some(ReplicationConfig {
            replicas: 2,
            apply_per_s: 90.0,
            last_replica_speed: 0.9,
            ship_ms: 1.0,
            routing: ReadRouting::RoundRobin,
            fix,
            stale_bound_ms: 1_000.0,
            failover: Some(FailoverConfig::default()),
            ..ReplicationConfig::default()
        });
        if let Some(web) = data.web.as_mut() {
            web.mix = vec![
                MixQuery {
                    weight: 25,
                    label: "my comment, posted".into(),
                    sql: "INSERT INTO comments (id, post_id, user_id, body, created_at) VALUES (:new_id, :post_id, :me, 'my comment', '2026-06-01 12:00:00')".into(),
                },
                MixQuery {
                    weight: 75,
                    label: "my comments, reloaded".into(),
                    sql: "SELECT id, body FROM comments WHERE user_id = :me ORDER BY id DESC LIMIT 5".into(),
                },
            ];
        }
    }
    s
}

/// The lagging blog on two shards by user id, each shard replicated on its own (its replicas
/// 50 ms away), with shard -80's primary crashing at 20 s (heartbeats promote one of its
/// replicas; 80- goes on).
fn sharded_replication_scenario() -> Scenario {
    let mut s = replication_scenario(ReadFix::None);
    if let Some(data) = s.data.as_mut() {
        data.layout = sharded(Strategy::KeyRange, 2, &[]);
    }
    // replicas in another zone: the log's 50 ms trip shows as entries on their way
    with_replication(&mut s, |r| r.ship_ms = 50.0);
    s.timeline = vec![TimelineEntry {
        recorded: false,
        at_us: SimTime::from_secs(20).0,
        command: Command::CrashDatabase { server: 0 },
    }];
    s
}

/// Writes on the primary as the limit: 60% of a ramp from 500 to 5,000 requests/s are orders
/// written, 1 ms each on a primary of two connections (2,000 writes/s at most); the reads share
/// two replicas of the same size (4,000 reads/s between them).
fn write_heavy_scenario() -> Scenario {
    let mut s = busy_web_tier(LayoutConfig::Single, &[]);
    s.clients.profile = TrafficProfile::Ramp { from: 500.0, to: 5_000.0, seconds: 60.0 };
    if let Some(data) = s.data.as_mut() {
        data.cost.query_overhead_us = 1_000.0;
        data.replication =
            Some(ReplicationConfig { replicas: 2, apply_per_s: 10_000.0, ..ReplicationConfig::default() });
        if let Some(web) = data.web.as_mut() {
            web.mix = vec![
                MixQuery {
                    weight: 60,
                    label: "an order placed".into(),
                    sql: "INSERT INTO orders (id, user_id, total_cents, created_at) VALUES (:new_id, :user_id, 1999, '2026-06-01 12:00:00')".into(),
                },
                MixQuery {
                    weight: 40,
                    label: "a user's page".into(),
                    sql: "SELECT id, name FROM users WHERE id = :user_id".into(),
                },
            ];
        }
    }
    s
}

/// The lagging replicas in another region (the log takes 100 ms to reach them) under
/// `commit`, and the primary crashing at 20 s.
fn failover_scenario(commit: CommitMode) -> Scenario {
    let mut s = replication_scenario(ReadFix::None);
    with_replication(&mut s, |r| (r.commit, r.ship_ms) = (commit, 100.0));
    s.timeline = vec![TimelineEntry {
        recorded: false,
        at_us: SimTime::from_secs(20).0,
        command: Command::CrashDatabase { server: 0 },
    }];
    s
}

/// Two primaries 40 ms apart, each taking its region's users (50 of them) editing profiles,
/// hot ones most (Zipf), and reading them back, on eight web servers, settled by `rule`;
/// `skew_ms` sets the clocks.
fn multi_primary_scenario(rule: Resolution, skew_ms: Vec<f64>) -> Scenario {
    let mut s = data_scenario(LayoutConfig::Single, &[]);
    s.clients.users = 50;
    // Room in the web tier for certification's trip per write (a slot held 40 ms longer), so that
    // the rules differ in what they keep and in the commit's wait, not in an overloaded pool.
    s.servers.count = 8;
    if let Some(data) = s.data.as_mut() {
        data.multi_primary =
            Some(MultiPrimaryConfig { primaries: 2, resolution: rule, skew_ms, ..MultiPrimaryConfig::default() });
        if let Some(web) = data.web.as_mut() {
            web.mix = vec![
                MixQuery {
                    weight: 30,
                    label: "a profile edited".into(),
                    sql: "UPDATE users SET bio = 'edit :new_id by user :me' WHERE id = :user_id".into(),
                },
                MixQuery {
                    weight: 70,
                    label: "a profile read".into(),
                    sql: "SELECT name, bio FROM users WHERE id = :user_id".into(),
                },
            ];
        }
    }
    s
}

/// The two primaries adding to order totals under the CRDT rule.
fn crdt_scenario() -> Scenario {
    let mut s = multi_primary_scenario(Resolution::Crdt, Vec::new());
    if let Some(web) = s.data.as_mut().and_then(|d| d.web.as_mut()) {
        web.mix[0] = MixQuery {
            weight: 30,
            label: "an order's total, added to".into(),
            sql: "UPDATE orders SET total_cents = total_cents + 100 WHERE id = :user_id".into(),
        };
        web.mix[1].sql = "SELECT id, total_cents FROM orders WHERE id = :user_id".into();
        web.mix[1].label = "an order's total, read".into();
    }
    s
}

/// Changes the scenario's replication settings (it has them: built by `replication_scenario`).
fn with_replication(s: &mut Scenario, change: impl FnOnce(&mut ReplicationConfig)) {
    if let Some(r) = s.data.as_mut().and_then(|d| d.replication.as_mut()) {
        change(r);
    }
}

/// `shards` shards by `strategy`, the default placement changed by `changes` (table, key).
fn sharded(strategy: Strategy, shards: u32, changes: &[(&str, &str)]) -> LayoutConfig {
    let mut tables = default_placement();
    for (table, key) in changes {
        tables.insert(table.to_string(), key.to_string());
    }
    LayoutConfig::Sharded(ShardingConfig { shards, strategy, vnodes: 100, tables })
}

/// Twelve monthly partitions of 2025's orders.
fn orders_by_month_ddl() -> String {
    let mut ddl = String::from("CREATE TABLE orders (id bigint, user_id bigint, total_cents bigint, created_at timestamp) PARTITION BY RANGE (created_at);\n");
    for month in 1..=12 {
        let to = if month == 12 { "2026-01-01".to_string() } else { format!("2025-{:02}-01", month + 1) };
        ddl += &format!("CREATE TABLE orders_2025_{month:02} PARTITION OF orders FOR VALUES FROM ('2025-{month:02}-01') TO ('{to}');\n");
    }
    ddl
}

/// 200 users browsing and shopping; server 2 crashes at 20 s (except without affinity, where
/// sessions are lost all the time anyway).
fn sessions_scenario(mode: SessionMode) -> Scenario {
    let mut s = Scenario::default();
    s.clients.users = 200;
    s.clients.arrival_rate = 200.0;
    s.sessions.mode = mode;
    if mode != SessionMode::OnServer {
        s.timeline = vec![TimelineEntry {
            recorded: false,
            at_us: SimTime::from_secs(20).0,
            command: Command::Crash { server: 1 },
        }];
    }
    s
}

/// Servers of 2 slots × 20 ms (100 requests/s each), 30 s to boot, a Kubernetes HPA on CPU at
/// 60% between 2 and 20 servers, and `shape` for the rest.
fn autoscaling_scenario(shape: fn(&mut Scenario)) -> Scenario {
    let mut s = Scenario::default();
    s.clients.arrival_rate = 100.0;
    s.servers.count = 2;
    s.servers.boot_ms = 30_000.0;
    s.autoscaler.policy = ScalingPolicy::TargetTracking(TargetTracking::default());
    s.autoscaler.min_servers = 2;
    shape(&mut s);
    s
}

/// The default scenario with the Caching lesson's lab, shaped by `shape`.
fn caching_scenario(shape: fn(&mut CachingConfig)) -> Scenario {
    let mut c = CachingConfig::default();
    shape(&mut c);
    Scenario { caching: Some(c), ..Scenario::default() }
}

/// One server with `slots` slots, exponential 20 ms service, unbounded-enough queue, no latency.
fn queueing_model(slots: u32, arrival_rate: f64) -> Scenario {
    let mut s = Scenario::default();
    s.clients.arrival_rate = arrival_rate;
    s.servers.count = 1;
    s.servers.concurrency = slots;
    s.servers.queue_limit = crate::validate::limits::MAX_QUEUE_LIMIT;
    s.servers.service = ServiceTime::Exponential { mean_ms: 20.0 };
    s.network.link_latency_ms = 0.0;
    s
}

/// The benchmarks' scenarios (criterion's and the native/wasm `throughput` binary's), here so
/// that both time the same thing.
pub mod bench {
    use super::*;

    /// A bench scenario's name and how to build it.
    pub type Named = (&'static str, fn() -> Scenario);

    /// The data tier's bench scenarios by the names the benches print; `scalelab show` prints
    /// them too, so that the page bench can open one as a link.
    pub const DATA_TIER: [Named; 3] = [
        ("replication-3-replicas", replicated_writes),
        ("multi-primary-3-primaries", three_primaries),
        ("sharded-8x3-replicas", sharded_replicated_writes),
    ];

    pub fn named(name: &str) -> Option<Scenario> {
        DATA_TIER.iter().find(|(n, _)| *n == name).map(|(_, build)| build())
    }

    /// M/M/1 at 80% load, with 1 ms mean service so that a run sees many events.
    pub fn busy_mm1() -> Scenario {
        let mut s = (find("mm1").expect("listed above").build)();
        s.clients.arrival_rate = 800.0;
        s.servers.service = ServiceTime::Exponential { mean_ms: 1.0 };
        s
    }

    /// `servers` servers with 2 slots each and 20 ms exponential service, offered 90% of capacity.
    pub fn pool_at_90_percent(servers: u32, algorithm: Algorithm) -> Scenario {
        let mut s = Scenario::default();
        s.servers.count = servers;
        s.balancer.algorithm = algorithm;
        s.clients.arrival_rate = 0.9 * f64::from(servers) * 2.0 * 50.0;
        // HAProxy `first` holds a connection for the work and the 40 ms round trip: keeping 2
        // slots busy takes 2 × 60 ms / 20 ms = 6, and 8 leaves room for bursts, so `first` runs
        // at 90% too rather than at its queue timeout.
        s.balancer.max_conn = Some(8);
        s.servers.queue_limit = 1_000;
        s
    }

    /// Replication at a high write rate: the write-heavy shop at 3,000 requests/s (60% writes),
    /// three replicas acknowledging every write (PostgreSQL remote_apply, ANY 3).
    pub fn replicated_writes() -> Scenario {
        let mut s = write_heavy_scenario();
        s.clients.profile = TrafficProfile::Constant;
        s.clients.arrival_rate = 3_000.0;
        with_replication(&mut s, |r| {
            r.replicas = 3;
            r.commit = CommitMode::Synchronous { level: SyncLevel::RemoteApply, method: SyncMethod::Any, count: 3 };
        });
        s
    }

    /// Replicated shards at 10,000 writes/s: orders written across 8 shards by user id, each
    /// shard a primary with three asynchronous replicas (32 database servers), on 40 web servers.
    pub fn sharded_replicated_writes() -> Scenario {
        let mut s = write_heavy_scenario();
        s.clients.profile = TrafficProfile::Constant;
        s.clients.arrival_rate = 10_000.0;
        s.servers.count = 40;
        s.servers.concurrency = 8;
        s.servers.service = ServiceTime::Exponential { mean_ms: 2.0 };
        if let Some(data) = s.data.as_mut() {
            data.layout = sharded(Strategy::HashMod, 8, &[]);
            // 1,250 writes/s a shard against 2 connections of 0.2 ms each: the shards keep up.
            data.cost.query_overhead_us = 200.0;
            if let Some(web) = data.web.as_mut() {
                web.mix.retain(|q| q.sql.starts_with("INSERT"));
            }
        }
        with_replication(&mut s, |r| r.replicas = 3);
        s
    }

    /// Three primaries under last writer wins, 1,000 requests/s of which 30% are profile edits.
    pub fn three_primaries() -> Scenario {
        let mut s = multi_primary_scenario(Resolution::LastWriterWins, vec![500.0]);
        s.clients.arrival_rate = 1_000.0;
        if let Some(m) = s.data.as_mut().and_then(|d| d.multi_primary.as_mut()) {
            m.primaries = 3;
        }
        s
    }
}

pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_named_once() {
        for (i, p) in PRESETS.iter().enumerate() {
            assert!((p.build)().validate().is_ok(), "{}", p.name);
            assert!(PRESETS[..i].iter().all(|q| q.name != p.name));
            assert!(find(p.name).is_some());
        }
    }
}
