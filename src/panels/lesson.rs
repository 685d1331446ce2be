//! The lessons beside the simulation: each a short explanation in our own words, steps (a
//! preset each, at the speed that shows its point, with what to watch), and "try this"
//! prompts. A step's button loads its scenario.

use std::rc::Rc;

use sim::{presets, Scenario};

use super::questions::{answer_key, question_count, Answers, Ask, Guess};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

pub struct LessonText {
    pub key: &'static str,
    pub title: &'static str,
    /// what the lesson shows, in one line (the gallery's card)
    pub promise: &'static str,
    pub paragraphs: &'static [&'static str],
    /// the lesson's path: each step a preset to watch at a speed, in order
    pub steps: &'static [Step],
    pub try_this: &'static [&'static str],
}

/// One step of a lesson: a preset, the speed that shows its point, and what to watch.
pub struct Step {
    pub preset: &'static str,
    /// the step's button
    pub label: &'static str,
    /// one of the page's speeds
    pub speed: f64,
    pub watch: &'static str,
}

/// The curriculum, in the order it is taught.
pub const LESSONS: &[LessonText] = &[
    LessonText {
        key: "first-look",
        title: "First look",
        promise: "Requests queue at servers: watch latency climb as the load rises.",
        paragraphs: &[
            "Clients send requests at random moments (a Poisson process, like real users). The load balancer \
             hands each one to a server. A server works on a few requests at once (its slots); the rest wait in \
             its queue, and when the queue is full the server answers 503 at once.",
            "Watch the latency chart as you raise the arrival rate: while the servers are mostly idle, latency \
             barely moves; past about 80% load it climbs steeply, because queues grow faster than they drain. \
             That curve is the reason systems scale out before they are full.",
        ],
        steps: &[
            Step { preset: "default", label: "Start over", speed: 0.2, watch: "Each server works on a few requests at once while the rest wait in its queue; at 75% load, latency stays low and steady." },
            Step { preset: "overload", label: "Overload", speed: 0.5, watch: "More arrives than four servers can finish: queues fill to their limit, and the refused (503) count climbs from then on." },
        ],
        try_this: &[
            "Raise the arrival rate to 400 requests/s: the servers are exactly full. What happens to p99?",
            "Click a server and crash it. How long until the balancer stops sending it requests?",
        ],
    },
    LessonText {
        key: "scaling",
        title: "Scaling",
        promise: "One bigger server or more of them: their capacity, and what each costs.",
        paragraphs: &[
            "There are two ways to serve more traffic. Vertical scaling makes one server bigger (more slots, a \
             faster CPU); horizontal scaling adds more servers behind the balancer. Cloud prices grow about in \
             step with size, so the same capacity costs about the same either way: the cost chart shows it.",
            "What differs is what happens when things go wrong. One big server is a single point of failure: \
             when it crashes, everything fails. Many small ones lose a fraction of their capacity, and a \
             balancer with health checks routes around the dead one within a few heartbeats.",
        ],
        steps: &[
            Step { preset: "one-big-server", label: "One big server", speed: 1.0, watch: "Note p99 and the cost per hour, then crash the one server: every request fails until it is back." },
            Step { preset: "many-small-servers", label: "Eight small servers", speed: 1.0, watch: "The same capacity and price in eight pieces: compare p99 and cost with the big server, then crash one of eight." },
        ],
        try_this: &[
            "Load each preset and compare p99 latency and the cost per hour. Which wins, and by how much?",
            "Crash the one big server, then crash one of the eight small ones. Compare the error charts.",
            "Press “+ Server” while the run goes on: the new server takes traffic only after two heartbeats.",
            "Click a server and resize it (more slots, more speed): its price per hour changes with its size.",
        ],
    },
    LessonText {
        key: "load-balancing",
        title: "Load balancing",
        promise: "Round robin, fewest connections, two random choices and hashing, side by side.",
        paragraphs: &[
            "Round robin sends requests in turn, blind to how busy each server is. When request sizes vary, \
             long requests pile up on one server while another sits idle. Least connections sends each request \
             to the server with the fewest in progress; power of two choices looks at just two random servers \
             and picks the less busy, almost as good at a fraction of the cost on big pools.",
            "Hashing (source IP, consistent hashing) keeps each user on one server, which helps caches and \
             sessions, but with few users the load can be very uneven. Consistent hashing moves only about \
             1/N of the users when a server joins; plain modulo hashing moves almost all of them.",
            "The balancer only learns that a server is dead from its heartbeats: HAProxy checks every 2 s and \
             marks a server down after 3 failures in a row. Until then, requests keep going to it.",
        ],
        steps: &[
            Step { preset: "round-robin-uneven", label: "Round robin, uneven requests", speed: 0.5, watch: "Requests differ in size, and round robin does not look: long ones pile up in one queue while another server idles. Note p99." },
            Step { preset: "uneven-requests", label: "Least connections, same requests", speed: 0.5, watch: "The same requests under least connections: queues stay even and p99 falls." },
            Step { preset: "hung-server", label: "A server hangs at 5 s", speed: 0.5, watch: "At 5 s server 2 hangs: its heartbeats fail (red rings), and it keeps getting requests until the third failure marks it down." },
            Step { preset: "hashing-sticky", label: "Six users, ip_hash", speed: 0.5, watch: "Six users, each kept on one server by ip_hash: some servers carry two users and some none." },
            Step { preset: "first-available", label: "HAProxy first, maxconn 2", speed: 0.5, watch: "HAProxy's first fills server 1 to maxconn before using server 2: the first servers do nearly all the work." },
        ],
        try_this: &[
            "Load the two “uneven requests” presets and compare their p99: same traffic, different balancer.",
            "In “A server hangs”, watch its heartbeats fail (red rings) and count the timeouts before it goes down.",
            "Turn on redispatch, then crash a server: refused connections are retried on another one.",
            "In “Six users”, switch to round robin: the load evens out, but users no longer stay on one server.",
            "In “HAProxy first”, the servers are busy a third of the time, yet requests queue at the \
             balancer and get 503s: maxconn holds a connection until the answer is back, so the 40 ms round \
             trip counts too. Set maxconn to 6 and the queue drains.",
        ],
    },
    LessonText {
        key: "sessions",
        title: "Sessions",
        promise: "Sticky sessions, a session store and signed cookies: what breaks when a server dies.",
        paragraphs: &[
            "A logged-in user carries state from request to request: who they are, what is in their cart. \
             Where that state lives decides what breaks. Kept in one server's memory, it is lost whenever \
             the balancer sends the user's next request to another server: the user is back at the login \
             page with an empty cart.",
            "Sticky sessions make the balancer send each user back to the same server, with a cookie it \
             inserts (HAProxy cookie SERVERID insert) or by the client's address (a stick table). That \
             works until the server dies: its users are sent elsewhere and lose their sessions, and a few \
             heavy users can leave one server much busier than the rest.",
            "A shared session store (Flask-Session on Redis, or a database table) lets any server serve any \
             user: each request reads its session there first and writes it back at the end. A server crash \
             loses nothing, but every request pays two round trips, and the store is one more machine that \
             can be overloaded or go down, taking every request with it.",
            "Flask's default keeps the session in the client: a cookie signed with the app's secret key. Any \
             server with the key can read it, so a crash loses nothing, but every request carries the \
             cookie's bytes, and a user who edits it breaks the signature.",
        ],
        steps: &[
            Step { preset: "sessions-on-server", label: "In server memory, no affinity", speed: 1.0, watch: "Each server keeps its own sessions and the balancer ignores them: most requests land where the user's session is not." },
            Step { preset: "sessions-sticky", label: "Sticky, server 2 crashes", speed: 1.0, watch: "Each user sticks to one server. At 20 s server 2 crashes, and the sessions it held are gone with it." },
            Step { preset: "sessions-database", label: "Session store, server 2 crashes", speed: 1.0, watch: "The same crash at 20 s: sessions live in the shared store, so nobody loses theirs; every request pays a trip to the store." },
            Step { preset: "sessions-signed-cookie", label: "Signed cookie, server 2 crashes", speed: 1.0, watch: "The same crash: the session travels in the signed cookie, so no server holds it and nothing is lost." },
        ],
        try_this: &[
            "Load a preset, then press Compare under the charts: the same traffic with the session in each place.",
            "In the sticky preset, set Users to 6: how even is the load now?",
            "Click a request dot: each user has a colour. See their cookies, then, with signed cookies, change \
             user_id in the payload and put it back without the key. What does the next request find?",
            "In the session store preset, click the store and crash it. What fails, and is anything lost?",
            "In the sticky preset, run ab (under the charts): it keeps no cookies, so nothing sticks. Run it \
             again with -C 'SERVERID=s2'.",
            "In the session store preset, run ab: its requests carry no session, so the store is never asked. \
             Click a request dot, copy the user's session=… cookie and run ab with -C 'session=…': every \
             request now reads and saves a session. Set “Store time per read or write” to 3 ms and run both \
             again: what caps Requests per second?",
            "Raise “Store time per read or write” to 3 ms: the servers look busy, but whose fault is it?",
            "In the cookie lab below, change one character of the cookie's payload. Why does Flask refuse it?",
        ],
    },
    LessonText {
        key: "autoscaling",
        title: "Autoscaling",
        promise: "Servers added and removed as traffic changes, one decision at a time.",
        paragraphs: &[
            "Traffic changes over the day, so a fixed pool is either too small at the peak or paid for and \
             idle at night. An autoscaler measures the servers and changes their number. Kubernetes' \
             Horizontal Pod Autoscaler does it every 15 s: desired = ceil(servers × measured / target), \
             nothing within 10% of the target, at most double (or +4) per 15 s going up.",
            "New servers are not instant: each boots, then must pass its health checks before the balancer \
             sends it anything. A spike that comes faster than servers boot is served by the old pool, and \
             users feel it. Going down, the HPA waits: it keeps the highest recommendation of the last \
             5 minutes, so a brief dip does not remove servers that the next minute needs again.",
            "Removed servers drain: they take no new requests and leave when their last one is done. Their \
             cost runs from the moment they start booting to the moment they leave.",
        ],
        steps: &[
            Step { preset: "autoscale-ramp", label: "Ramp, HPA at 60%", speed: 10.0, watch: "Traffic ramps up over minutes: watch each scaling decision on the charts, and the 30 s before a new server takes traffic." },
            Step { preset: "autoscale-underprovisioned", label: "Ramp, at most 4 servers", speed: 10.0, watch: "The same ramp, capped at 4 servers: it scales exactly as the first step did until the ramp asks for a fifth server (at 105 s with this seed); from then on it stays at 4, and latency and errors climb." },
            Step { preset: "autoscale-spike", label: "Spike, 90 s boot", speed: 5.0, watch: "Traffic triples at 60 s and servers take 90 s to boot: errors last until the new servers are up." },
            Step { preset: "autoscale-flapping", label: "Flapping: window 0", speed: 50.0, watch: "A daily wave with no scale-down window: the server count flaps up and down with every dip." },
            Step { preset: "autoscale-step", label: "AWS step scaling", speed: 10.0, watch: "AWS step scaling with a 300 s cooldown: the pool grows in steps and lags behind the ramp." },
        ],
        try_this: &[
            "Load “Ramp, HPA at 60%” at 50× speed: each mark on the charts is a decision; hover or tap it for its reason. Pick “the whole run” above the charts to keep every decision in view.",
            "In “Spike, 90 s boot”, set the boot time to 10 s. How many seconds over the SLO now?",
            "In “Flapping”, set the scale-down window back to 300 s and count the decisions.",
            "Switch the metric to p95 latency with a 150 ms target: does it scale earlier or later than CPU?",
        ],
    },
    LessonText {
        key: "partitioning",
        title: "Partitioning and sharding",
        promise: "Type SQL against real rows, then split the tables and shard them across servers.",
        paragraphs: &[
            "Every page the web servers render runs a query, and a web server holds its slot until the \
             answer is back. Add web servers and the database takes all their queries: in “The database \
             is the limit” it is 100% busy, requests queue on the web servers and get 503s, and more web \
             servers change nothing. Shard it by the key the queries use and the limit lifts.",
            "One database server eventually becomes the limit. Vertical partitioning splits a table by \
             columns: users' rarely read bio and avatar move to a cold table, so reading a name drags fewer \
             bytes along, but a query that needs both halves must now join them, and the application's \
             queries change (the console shows the rewrite).",
            "Horizontal partitioning splits a table by rows on the same server, as PostgreSQL does: a year of \
             orders in twelve monthly partitions. A query whose WHERE bounds the partition key reads only the \
             partitions that can hold its rows (EXPLAIN says how many); any other condition reads them all.",
            "Sharding puts the rows on different servers behind a router (Vitess's VTGate, a Citus coordinator). \
             A query that fixes the shard key goes to one shard; anything else goes to every shard and is \
             gathered. Joins are the problem: tables sharded by the same key join on each shard, reference \
             tables are copied everywhere, but a join on another key moves rows to the router.",
        ],
        steps: &[
            Step { preset: "data-database-bottleneck", label: "The database is the limit", speed: 1.0, watch: "Eight fast web servers and one database: the database sits at 100% busy and throughput stops at its limit." },
            Step { preset: "data-sharded-web-tier", label: "Sharded: the limit lifts", speed: 1.0, watch: "The same traffic on four shards by user id: each shard takes its share, and throughput follows the offered load." },
            Step { preset: "data-wide-table", label: "One wide table", speed: 1.0, watch: "Run a query for names in the console: each row read drags the bio and avatar along. Note the bytes examined." },
            Step { preset: "data-vertical-split", label: "Split by columns", speed: 1.0, watch: "The same read on the hot table reads far fewer bytes; a query that wants the bio must now join two tables." },
            Step { preset: "data-orders-by-month", label: "Orders by month", speed: 1.0, watch: "EXPLAIN a query with a WHERE on created_at: only the months it names are scanned." },
            Step { preset: "data-sharded-by-user", label: "Sharded by user", speed: 1.0, watch: "A query that names a user_id goes to one shard; one that does not goes to all of them." },
            Step { preset: "data-cross-shard-join", label: "Join across keys", speed: 1.0, watch: "A join on a column that is not the shard key moves rows to the router: note the rows moved." },
            Step { preset: "data-reference-tables", label: "Reference tables", speed: 1.0, watch: "Countries is copied to every shard, so a join with it stays on one shard; a write to it goes to all." },
            Step { preset: "data-hot-shard", label: "A hot shard", speed: 1.0, watch: "Users sharded by country, and a few countries hold most users: one shard does most of the work." },
            Step { preset: "data-reshard-jump", label: "Jump hash, 4 shards", speed: 1.0, watch: "Type \\reshard 5 in the console: jump hash moves one key in five, as few as any balanced scheme can." },
        ],
        try_this: &[
            "In “The database is the limit”, add web servers: throughput stays where the database's two \
             connections hold it. EXPLAIN the feed's query: it scans every post, since posts has no index \
             on user_id. In “Sharded: the limit lifts” the same feed is an index lookup on one shard.",
            "In “Sharded by user”, run SELECT * FROM orders WHERE user_id = 7, then the same without the WHERE: \
             count the shards each reached and the rows each examined.",
            "Run SELECT AVG(total_cents) FROM orders on the shards: each returns a SUM and a COUNT, never an \
             average, because an average of averages is wrong.",
            "In “Orders by month”, EXPLAIN a query on one month, then the same on user_id: pruning needs the \
             partition key.",
            "Try to move an order to another user (UPDATE orders SET user_id = 8 WHERE id = 3): the row would \
             change shards, and the router refuses, as Vitess does.",
            "In “Jump hash, 4 shards”, choose Compare side by side with → hash mod N, then press \
             + Shard: both runs reshard from 4 to 5, and the console shows the two answers one under \
             the other: about one key in five moves under jump hash, four in five under mod N.",
            "In “A hot shard”, watch the shards: most pages list a country's users, and users are \
             sharded by country, so the shard that holds the most popular countries runs hot while \
             another idles. Traffic ×1000 counts each server's share of the work in the console.",
        ],
    },
    LessonText {
        key: "replication",
        title: "Replication",
        promise: "Replicas scale reads and lag behind: stale reads, failover and conflicts.",
        paragraphs: &[
            "Copies of the database let reads scale: writes go to the primary, which keeps them in a log in \
             the order they committed; each replica receives the log and applies it to rows of its own, at its \
             own pace (asynchronous replication, MySQL's and PostgreSQL's default). Reads go to the replicas.",
            "A replica shows the data as of the last log entry it applied. When it applies more slowly than \
             the writes arrive, it falls behind: each replica's lag, in log entries and in seconds, is on its \
             box. A user who posts a comment and reloads may land on a replica that has not applied it yet, \
             and sees the page without their comment: the run counts each such read. Reading one replica and \
             then another that is further behind shows an older page than the last: that is counted too.",
            "Each fix has a cost. Sending a user's reads to the primary for 2 s after they write (Rails' \
             default) ends the missed writes, but the primary takes those reads. Waiting on the replica \
             until it has applied the user's write (a GTID or LSN wait) ends them too, and reads wait instead. \
             A replica of one's own never goes back in time, but still lags one's own write. Each is a \
             preset, and a choice in the Database settings.",
            "Or make the commit wait. MySQL's semi-synchronous replication returns a commit once a replica \
             has the write in its relay log; PostgreSQL's synchronous_commit waits for the standbys to write \
             it (remote_write), flush it (on) or replay it (remote_apply). Only remote_apply on every replica \
             that serves reads ends the missed writes, and each commit then waits for the slowest replay. \
             Semi-sync gives up after its timeout (10 s by default) and carries on asynchronously: the run \
             counts the commits that returned unacknowledged.",
            "Replicas add read capacity, never write capacity: every write runs on the one primary. In \
             “Writes: the primary is the limit” the primary is 100% busy while the replicas idle at a third, \
             and answered requests stop rising with the traffic.",
            "The primary is also the single point of failure. When it crashes, heartbeats (every 3 s, as MHA \
             checks by default) declare it down after three misses, and the replica that has received the \
             most of the log applies the rest and becomes the primary. Writes only the old primary had are \
             lost: under asynchronous replication some were already acknowledged to their users; under \
             semi-sync AFTER_SYNC none were, since a commit only returns once a replica has it. The old \
             primary comes back fenced: rebuilt as a replica, it never takes a write of its own. Without \
             fencing (“Split brain”) it comes back still a primary; the web servers that still reach it \
             write to it, and those writes exist on no other copy: two primaries, diverging.",
            "Sharding and replication go together: each shard is its own primary with its own replicas \
             and its own log (as each shard of a Vitess keyspace is a MySQL primary with replicas). A write \
             enters the log of the shard it changed, so each shard's replicas lag on their own, and a read \
             goes to a replica of each shard it needs. A crashed shard primary fails over alone: the other \
             shards carry on.",
            "Several primaries take writes at once: each region's users write to their own, which sends \
             every write to the others, a trip later. Two users who edit the same profile on different \
             primaries within that trip made writes that did not see each other: a conflict, and a rule \
             must settle it. Last writer wins (Cassandra 4) keeps the higher timestamp and throws the other \
             write away; with a clock 500 ms ahead, a primary beats edits made up to half a second after \
             its own, and the conflict list says which. Version vectors (Riak) keep both as siblings for the \
             application to merge. Certification (Galera) orders every write and aborts the later of two \
             conflicting ones with ERROR 1213 before it commits, each commit waiting a trip for the verdict. \
             A counter kept as a CRDT adds every increment on every primary, so nothing is lost at all.",
        ],
        steps: &[
            Step { preset: "data-replication-lag", label: "Replicas that lag", speed: 1.0, watch: "Watch each replica's lag and the read-your-writes count: users reload and miss their own comment." },
            Step { preset: "data-replication-primary-after-write", label: "Primary after a write", speed: 1.0, watch: "Reads go to the primary for 2 s after a user's write: no one misses their own write, and the primary works harder." },
            Step { preset: "data-replication-wait", label: "Wait for my write", speed: 1.0, watch: "Each read waits until its replica has the user's last write: no misses, paid for in read latency." },
            Step { preset: "data-replication-sticky", label: "A replica per user", speed: 1.0, watch: "A replica per user: reads never go back in time, but a user can still miss their own write." },
            Step { preset: "data-replication-remote-apply", label: "Commits wait: remote_apply", speed: 1.0, watch: "A commit returns once both replicas have replayed it: commit latency rises and no read is stale." },
            Step { preset: "data-replication-semi-sync-timeout", label: "Semi-sync times out", speed: 1.0, watch: "When both replicas crash, commits wait 10 s for an acknowledgement, then carry on asynchronously: the fallback is counted." },
            Step { preset: "data-replication-write-heavy", label: "Writes: the primary is the limit", speed: 1.0, watch: "Writes ramp up: the primary saturates, while the replicas still have read capacity to spare." },
            Step { preset: "data-replication-failover-async", label: "Failover, asynchronous", speed: 1.0, watch: "The primary crashes at 20 s: heartbeats notice, the freshest replica is promoted, and writes that had not reached it are lost." },
            Step { preset: "data-replication-failover-semi-sync", label: "Failover, semi-sync", speed: 1.0, watch: "The same crash under semi-sync: every commit waited for a replica, so the promoted one has them all." },
            Step { preset: "data-replication-split-brain", label: "Split brain: no fencing", speed: 1.0, watch: "The old primary comes back at 35 s still taking writes: two primaries, two histories." },
            Step { preset: "data-replication-sharded", label: "Each shard replicated", speed: 1.0, watch: "Each shard is a primary with its own replicas and its own log: lag is per shard." },
            Step { preset: "data-multi-primary-skew", label: "Two primaries, a clock ahead", speed: 1.0, watch: "Two primaries settle conflicts by last writer wins, and one clock runs ahead: its edits win even when they came first." },
            Step { preset: "data-multi-primary-version-vectors", label: "Siblings: version vectors", speed: 1.0, watch: "Version vectors keep concurrent edits side by side as siblings: nothing is thrown away, and someone must choose." },
            Step { preset: "data-multi-primary-certification", label: "Certification: Galera", speed: 1.0, watch: "Each write is certified by both primaries before it commits: conflicting writes abort, and every commit pays the trip." },
            Step { preset: "data-multi-primary-crdt", label: "A CRDT counter", speed: 1.0, watch: "Both regions add to the same totals as a CRDT counter: every addition counts once, and no update is lost." },
            Step { preset: "data-multi-primary-partition", label: "Regions cut apart", speed: 1.0, watch: "The regions are cut apart from 10 s to 20 s: both keep taking edits, and conflicts are settled when the link returns." },
        ],
        try_this: &[
            "In “Replicas that lag”, watch the replicas' lag and the count of reads that missed their user's \
             own comment (scalelab run data-replication-lag prints it). Raise Replica apply rate in the \
             Database settings: the misses become rare, but never zero, since the log takes a millisecond to \
             arrive.",
            "Crash a replica (click it): reads sent to it fail, its lag grows while it is down, and it catches \
             up after it recovers.",
            "In “Semi-sync times out”, both replicas crash at 10 s: the next commit waits the whole 10 s, then \
             the source falls back to asynchronous and commits return at once, unacknowledged, until the \
             replicas come back at 30 s. Reads sent to the crashed replicas fail meanwhile.",
            "In “Failover, asynchronous”, the primary crashes at 20 s: watch a replica become the primary at \
             27 s, and read the writes lost (scalelab run data-replication-failover-async lists them). Then \
             load “Failover, semi-sync”: writes are still lost, but no user had been told theirs committed. \
             To fail over by hand, crash the primary and click Promote to primary on a replica.",
            "Cut a replica's link (its inspector): the log stops reaching it, it still serves reads and \
             falls behind. Asynchronous commits carry on; PostgreSQL's remote_apply with ANY 2 stops every \
             commit until the link heals; FIRST 1 moves on to the next standby; semi-sync with every link \
             cut waits its timeout, then falls back.",
            "Compare side by side: choose a commit mode under Compare side by side with, and the second run \
             takes the same requests under it; the database panel gives both runs' waits and misses.",
            "In “Two primaries, a clock ahead”, read the latest conflicts: each edit lost to primary 1's \
             clock came later in real time than the edit that beat it. Set Primary 1's clock ahead by to 0: \
             edits are still lost to plain concurrency, never to the clock. Compare it side by side with \
             version vectors: the same edits, nothing thrown away, siblings instead.",
            "In “Each shard replicated”, watch the log entries travel from each shard's primary to its \
             replicas (the purple marks beside the shards) and each replica's lag bar. At 20 s the -80 \
             primary crashes: its entries stop, writes to -80 fail until one of its replicas is promoted (reads go on), and \
             80- never notices.",
            "In “Regions cut apart”, primary 2's region is cut off from 10 s to 20 s: both sides keep taking \
             edits, and the conflicts arrive all at once when the link heals. Cut a region yourself from a \
             primary's inspector; under certification, two primaries cut apart both lose their majority and \
             refuse every query, as Galera does.",
        ],
    },
    LessonText {
        key: "caching",
        title: "Caching",
        promise: "Cache-Control, ETag and 304 in the browser, and a server cache to keep fresh.",
        paragraphs: &[
            "The fastest request is the one never sent. Each user's browser keeps responses for as long as \
             Cache-Control's max-age allows; while a copy is fresh the browser uses it without asking. The \
             price is staleness: when the content changes, a browser holding a fresh copy shows the old one.",
            "An ETag (or Last-Modified) lets a cache ask instead: “I have v3, has it changed?” (If-None-Match). \
             If not, the origin answers 304 Not Modified with no body. no-cache means exactly that: keep it, but \
             ask every time. no-store means never keep it.",
            "A shared cache (a CDN or reverse proxy) serves many users at once, so it must never store a page that \
             belongs to one of them: private says so, and a request with Authorization is not stored unless the \
             response allows it. s-maxage sets its lifetime apart from the browsers'.",
            "Behind the origin, a cache node keeps database rows. Cache-aside reads it and fills it on a miss; \
             writes must then delete or update the cached copy, or it stays stale until its TTL runs out. \
             Write-behind acknowledges writes before the database has them, and loses them if the node dies. \
             When a hot key expires, every request for it misses at once (a stampede) unless reads are coalesced.",
            "Click a request in the header inspector to see every cache's decision and its reason, as RFC 9111 \
             words it.",
        ],
        steps: &[
            Step { preset: "caching-none", label: "1. No caching", speed: 1.0, watch: "No cache anywhere: every request goes to the origin and the database. Note the origin's load." },
            Step { preset: "caching-max-age", label: "2. max-age", speed: 1.0, watch: "Browsers keep responses for their max-age: fewer requests reach the origin, and some pages shown are stale." },
            Step { preset: "caching-etag", label: "3. ETag and 304", speed: 1.0, watch: "Browsers revalidate every time: the origin answers 304 without a body, so bytes fall though requests do not." },
            Step { preset: "caching-shared", label: "4. Shared cache", speed: 1.0, watch: "A shared cache in front answers most requests; account pages are private, so it never stores them." },
            Step { preset: "caching-shared-leak", label: "4b. public account page", speed: 1.0, watch: "The account page marked public: the shared cache hands one user's page to other users." },
            Step { preset: "caching-server", label: "5. Cache node", speed: 1.0, watch: "A cache node in front of the database, deleted on write: hits skip the database and no copy outlives a write." },
            Step { preset: "caching-ttl-only", label: "5b. TTL only", speed: 1.0, watch: "Invalidation by TTL only: after a write, reads see the old value until the TTL runs out." },
            Step { preset: "caching-stampede", label: "6. Stampede", speed: 1.0, watch: "The cache node is flushed every 10 s: each time, the hot keys' misses all reach the database at once." },
            Step { preset: "caching-write-behind", label: "7. Write-behind", speed: 1.0, watch: "Writes are flushed later; the cache node crashes at 22.5 s and the writes it still held are lost." },
        ],
        try_this: &[
            "In step 2, how many stale responses do users see, and from which route? Give /static/app.js a \
             max-age shorter than the time it lives.",
            "In step 3, compare the bytes the origin sends with step 1: the 304s carry no body.",
            "In step 4b, open an /account request in the inspector: whose page did the user get?",
            "In step 5b, switch “On write” to “Delete on write”: what happens to the stale reads?",
            "In step 6, turn on request coalescing and watch the duplicate database reads.",
            "In step 7, switch to write-through and crash the cache node yourself: are writes lost?",
        ],
    },
    LessonText {
        key: "benchmarking",
        title: "Benchmarking",
        promise: "Load-test the system as ApacheBench does, and read ab's own report.",
        paragraphs: &[
            "ApacheBench (ab) measures a site by keeping c requests in flight: each of its c connections \
             sends the next request as soon as the last is answered. That is a closed loop: when the site \
             slows down, ab slows down with it, so it never overloads the site the way real users, who \
             do not wait for each other, can.",
            "Read its report with Little's law: c = requests per second × time per request. Its two \
             “Time per request” lines differ by exactly the factor c. The percentile table is what users \
             feel; the mean hides the tail. Without -k every request pays a TCP handshake (Connect); with \
             keep-alive only the first on each connection does.",
        ],
        steps: &[
            Step { preset: "default", label: "Four servers", speed: 1.0, watch: "Run ab from the panel under the charts: its report measures these four servers." },
            Step { preset: "one-big-server", label: "One big server", speed: 1.0, watch: "The same ab run against one big server: compare the two reports." },
            Step { preset: "hashing-sticky", label: "ip_hash", speed: 1.0, watch: "Under ip_hash every ab connection comes from one address: see “Requests per server” under the report." },
            Step { preset: "round-robin-uneven", label: "Uneven requests", speed: 1.0, watch: "Uneven request sizes: compare ab's percentiles with the four-server default." },
        ],
        try_this: &[
            "Open “Benchmark this scenario with ab” under the charts and run -n 10000 -c 50, then add -k.",
            "Raise -c until Non-2xx responses appear: the servers' queues are full. Why does ab count them as Length failures?",
            "With ip_hash, every ab connection comes from one address: run ab and look at “Requests per server” \
             under its report.",
            "Load “Uneven requests” (log-normal sizes under round robin) and compare with least connections: \
             the same ab load, two reports side by side.",
        ],
    },
];

/// The lesson with this key.
pub fn index_of(key: &str) -> Option<usize> {
    LESSONS.iter().position(|l| l.key == key)
}

/// A lesson's key (First look's for an index past the list, which nothing makes).
pub fn key_of(lesson: usize) -> &'static str {
    LESSONS.get(lesson).map_or(LESSONS[0].key, |l| l.key)
}

/// A lesson's step.
pub fn step(lesson: usize, step: usize) -> Option<&'static Step> {
    LESSONS.get(lesson)?.steps.get(step)
}

/// A step's scenario: its preset, built.
pub fn step_scenario(lesson: usize, index: usize) -> Option<Scenario> {
    presets::find(step(lesson, index)?.preset).map(|p| (p.build)())
}

/// The step of `lesson` whose preset `scenario` is (its seed and timeline aside), for a link
/// made before links kept the step.
pub fn step_for(lesson: usize, scenario: &Scenario) -> Option<usize> {
    let wanted = without_seed_or_timeline(scenario);
    LESSONS
        .get(lesson)?
        .steps
        .iter()
        .position(|step| presets::find(step.preset).is_some_and(|p| without_seed_or_timeline(&(p.build)()) == wanted))
}

fn without_seed_or_timeline(scenario: &Scenario) -> Scenario {
    Scenario { seed: 0, timeline: Vec::new(), ..scenario.clone() }
}

/// The lesson and step a scenario belongs to, for a link made before links kept them (or the
/// last scenario kept in the browser): the step whose preset it is (its seed and timeline aside),
/// found in one pass; else no step, and the lesson of the part it has (a caching lab, replicas, a
/// database, sessions, an autoscaler), else First look.
pub fn place_for(scenario: &Scenario) -> (usize, Option<usize>) {
    let by_preset = (0..LESSONS.len()).find_map(|lesson| step_for(lesson, scenario).map(|step| (lesson, Some(step))));
    let by_part = || {
        let data = scenario.data.as_ref();
        let key = if scenario.caching.is_some() {
            "caching"
        } else if data.is_some_and(|d| d.replication.is_some() || d.multi_primary.is_some()) {
            "replication"
        } else if data.is_some() {
            "partitioning"
        } else if scenario.sessions.mode != sim::scenario::SessionMode::None {
            "sessions"
        } else if scenario.autoscaler.policy != sim::components::autoscaler::ScalingPolicy::None {
            "autoscaling"
        } else {
            "first-look"
        };
        (index_of(key).unwrap_or(0), None)
    };
    by_preset.unwrap_or_else(by_part)
}

#[derive(Properties, PartialEq)]
pub struct LessonProps {
    /// the lesson shown (an index into `LESSONS`)
    pub chosen: usize,
    /// the step loaded, if the run is one of the lesson's steps
    pub step: Option<usize>,
    /// another lesson picked: the app loads its first step with it
    pub on_choose: Callback<usize>,
    /// a step of this lesson: (lesson, step)
    pub on_step: Callback<(usize, usize)>,
    /// the student's guesses, by step
    pub answers: Rc<Answers>,
    /// the run's answer to the current step's question and when it was read [s], once it has one
    pub measured: Option<(f64, f64)>,
    /// bumped by every restart: a new run reads its own answer
    pub run_id: u64,
    /// the run's clock, in whole seconds
    pub now_s: u64,
    pub on_guess: Callback<(usize, usize, Guess)>,
    /// a teacher's reset: forget every guess
    pub on_forget: Callback<()>,
}

#[function_component(Lesson)]
pub fn lesson(props: &LessonProps) -> Html {
    let chosen = props.chosen.min(LESSONS.len() - 1);
    let lesson = &LESSONS[chosen];
    let on_choose = props.on_choose.reform(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        index_of(&select.value()).unwrap_or(0)
    });
    let go = |index: usize| props.on_step.reform(move |_: MouseEvent| (chosen, index));
    let current = props.step.filter(|&i| i < lesson.steps.len());
    let buttons = lesson.steps.iter().enumerate().map(|(i, step)| {
        let summary = presets::find(step.preset).map(|p| p.summary);
        let answered = props.answers.contains_key(&answer_key(lesson.key, i));
        html! {
            <button title={summary} onclick={go(i)} class={classes!((current == Some(i)).then_some("current"))}
                aria-current={(current == Some(i)).then_some("step")}>
                { step.label }
                if answered {
                    <span class="done" title="You answered its question">{ " ✓" }</span>
                }
            </button>
        }
    });
    let last = lesson.steps.len().saturating_sub(1);
    html! {
        <section class="lesson" aria-label="Lesson">
            <label class="lesson-choice">{ "Lesson " }
                <select onchange={on_choose}>
                    { for LESSONS.iter().map(|l| html! { <option value={l.key} selected={l.key == lesson.key}>{ l.title }</option> }) }
                </select>
            </label>
            <h2>{ lesson.title }</h2>
            // The steps come first, beside the diagram, and the lesson's text after them.
            <nav class="presets" aria-label="Steps of this lesson">{ for buttons }</nav>
            if let Some(i) = current {
                <div class="step-now">
                    <p class="step-count">
                        { format!("Step {} of {}: {}", i + 1, lesson.steps.len(), lesson.steps[i].label) }
                        <span class="step-speed">{ format!(" · {}", crate::panels::controls::speed_label(lesson.steps[i].speed)) }</span>
                    </p>
                    <p class="watch"><strong>{ "Watch: " }</strong>{ lesson.steps[i].watch }</p>
                    <Ask key={format!("{}#{}", answer_key(lesson.key, i), props.run_id)} lesson={lesson.key} step={i} guess={props.answers.get(&answer_key(lesson.key, i)).copied()}
                        measured={props.measured} now_s={props.now_s} on_guess={props.on_guess.reform(move |guess| (chosen, i, guess))} />
                    <div class="step-moves">
                        <button onclick={go(i.saturating_sub(1))} disabled={i == 0}>{ "‹ Previous step" }</button>
                        <button onclick={go((i + 1).min(last))} disabled={i == last}>{ "Next step ›" }</button>
                    </div>
                </div>
            }
            { for lesson.paragraphs.iter().map(|p| html! { <p>{ *p }</p> }) }
            <h3>{ "Try this" }</h3>
            <ul>{ for lesson.try_this.iter().map(|t| html! { <li>{ *t }</li> }) }</ul>
            if lesson.key == "sessions" {
                <crate::panels::cookie_lab::CookieLab />
            }
            if !props.answers.is_empty() {
                <p class="progress">
                    { format!("{} of {} questions answered, kept in this browser only. ", props.answers.len(), question_count()) }
                    <button class="small" onclick={props.on_forget.reform(|_: MouseEvent| ())}>{ "Forget my answers" }</button>
                </p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A “quoted” name in a lesson's suggestions is one of its preset buttons (or part of one's
    /// label), or a label the page shows: a renamed preset or knob must not leave a student
    /// looking for a button that is not there.
    #[test]
    fn every_quoted_name_in_try_this_is_on_the_page() {
        let ui = [
            include_str!("knobs.rs"),
            include_str!("knob_table.rs"),
            include_str!("controls.rs"),
            include_str!("charts.rs"),
            include_str!("benchmark.rs"),
            include_str!("../../crates/sim/src/caching/mod.rs"),
        ]
        .concat();
        for lesson in LESSONS {
            for line in lesson.try_this {
                for quoted in line.split('“').skip(1).filter_map(|rest| rest.split('”').next()) {
                    let wanted = quoted.to_ascii_lowercase();
                    let a_preset = lesson.steps.iter().any(|step| step.label.to_ascii_lowercase().contains(&wanted));
                    assert!(a_preset || ui.contains(quoted), "{}: “{quoted}” is not on the page", lesson.key);
                }
            }
        }
    }

    #[test]
    fn every_step_is_a_preset_at_a_speed_the_page_offers() {
        for lesson in LESSONS {
            assert!(!lesson.steps.is_empty(), "{} has no steps", lesson.key);
            for step in lesson.steps {
                assert!(presets::find(step.preset).is_some(), "{}: no preset {}", lesson.key, step.preset);
                assert!(crate::panels::controls::SPEEDS.contains(&step.speed), "{}: speed {}", step.preset, step.speed);
                assert!(!step.watch.is_empty(), "{}: nothing to watch", step.preset);
            }
        }
    }

    #[test]
    fn every_question_belongs_to_a_step_and_its_options_rise() {
        use crate::panels::questions::{all, Kind};
        for (lesson, index, q) in all() {
            let l = index_of(lesson).unwrap_or_else(|| panic!("no lesson {lesson}"));
            assert!(step(l, index).is_some(), "{lesson} has no step {index}");
            if let Kind::Choice(options) = q.kind {
                assert!(options.windows(2).all(|w| w[0].1 < w[1].1), "{}", q.prompt);
                assert_eq!(options.last().unwrap().1, f64::INFINITY, "every figure falls in an option");
            }
        }
    }

    #[test]
    fn a_step_is_found_again_from_its_scenario() {
        for (lesson, text) in LESSONS.iter().enumerate() {
            for (index, step) in text.steps.iter().enumerate() {
                let mut scenario = step_scenario(lesson, index).unwrap();
                scenario.seed += 1;
                // The first step with the same preset (a preset may appear twice in no lesson).
                assert_eq!(step_for(lesson, &scenario), Some(index), "{}", step.preset);
            }
        }
    }
}
