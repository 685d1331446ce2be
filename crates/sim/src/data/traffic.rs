//! What the web tier asks of the database: each request runs one query of a mix (a user's
//! profile, their feed, a comment written, a report), with keys drawn by Zipf's law, and holds its
//! web server's slot until the answer is back. This file owns the mix and its keys, and turns a
//! query's plan (what the executor did, server by server) into the jobs the engine queues on
//! each database server (`engine/database.rs`).

use std::collections::HashMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::generate::{table_sizes, COUNTRIES};
use super::layout::Plan;
use super::sql::ast::Statement;
use super::Database;
use crate::caching::zipf::Zipf;
use crate::rng::Rng;

/// The web tier's queries and the database servers that answer them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebQueries {
    /// each request runs one of these, picked by weight
    #[serde(default = "default_mix")]
    pub mix: Vec<MixQuery>,
    /// queries one database server works on at once (its cores); more wait in its queue
    #[serde(default = "default_connections")]
    pub connections: u32,
    /// queries that may wait on one database server; beyond, the query fails (the page a 500)
    #[serde(default = "default_queue_limit")]
    pub queue_limit: u32,
    /// one way between a web server and the database (or its router), and router to shard
    #[serde(default = "default_latency_ms")]
    pub latency_ms: f64,
}

/// One query of the mix. `:user_id`, `:post_id` and `:country` take Zipf-popular keys (the
/// scenario's exponent); `:new_id` a fresh id for a row written; `:me` the id of the user who
/// sent the request (so that a user reads back what they wrote).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MixQuery {
    pub weight: u32,
    /// what the page does, in a few words ("a user's feed")
    pub label: String,
    pub sql: String,
}

impl Default for WebQueries {
    fn default() -> Self {
        WebQueries {
            mix: default_mix(),
            connections: default_connections(),
            queue_limit: default_queue_limit(),
            latency_ms: default_latency_ms(),
        }
    }
}

/// A read-heavy blog and shop, as the lecture's story has it: mostly profiles and feeds, some
/// comments written, now and then a report across every user.
pub fn default_mix() -> Vec<MixQuery> {
    let q = |weight, label: &str, sql: &str| MixQuery { weight, label: label.into(), sql: sql.into() };
    vec![
        q(55, "a user's profile", "SELECT id, name, email, country FROM users WHERE id = :user_id"),
        q(
            30,
            "a user's feed",
            "SELECT id, title, created_at FROM posts WHERE user_id = :user_id ORDER BY created_at DESC LIMIT 10",
        ),
        q(
            10,
            "a comment written",
            "INSERT INTO comments (id, post_id, user_id, body, created_at) \
             VALUES (:new_id, :post_id, :user_id, 'nice post', '2026-06-01 12:00:00')",
        ),
        q(5, "a report across every user", "SELECT country, COUNT(*) FROM users GROUP BY country"),
    ]
}

fn default_connections() -> u32 {
    4
}

fn default_queue_limit() -> u32 {
    256
}

fn default_latency_ms() -> f64 {
    0.25
}

/// Ids of rows the web tier writes start here, far above any generated row's.
const FIRST_NEW_ID: u64 = 1_000_000_000;

impl WebQueries {
    /// Every number in range and every query of the mix valid SQL once its keys are filled in.
    pub fn check(&self, c: &mut crate::validate::Checker) {
        use crate::validate::limits::data::{MAX_DB_CONNECTIONS, MAX_DB_QUEUE, MAX_LATENCY_MS, MAX_MIX, MAX_WEIGHT};
        c.int("data.web.connections", self.connections, 1, MAX_DB_CONNECTIONS);
        c.int("data.web.queue_limit", self.queue_limit, 0, MAX_DB_QUEUE);
        c.float("data.web.latency_ms", self.latency_ms, 0.0, MAX_LATENCY_MS, false);
        if self.mix.is_empty() || self.mix.len() > MAX_MIX || self.mix.iter().all(|q| q.weight == 0) {
            c.rule("data.web.mix", format!("give the mix 1 to {MAX_MIX} queries, at least one with a weight above 0"));
            return;
        }
        for (i, q) in self.mix.iter().enumerate() {
            let filled = Keys::example().fill(&q.sql);
            if let Err(e) = super::sql::parse(&filled) {
                c.rule("data.web.mix", format!("query {} (\"{}\") is not SQL the console takes: {e}", i + 1, q.sql));
            }
            if q.weight > MAX_WEIGHT {
                c.rule("data.web.mix", format!("query {} weighs {}: weights go up to {MAX_WEIGHT}", i + 1, q.weight));
            }
        }
    }

    /// Which query of the mix a request runs.
    pub fn pick(&self, rng: &mut Rng) -> usize {
        // Checked: at most MAX_MIX queries of at most MAX_WEIGHT each, so the sum fits.
        let total: u32 = self.mix.iter().map(|q| q.weight).sum();
        let mut at = rng.below(total);
        for (i, q) in self.mix.iter().enumerate() {
            if at < q.weight {
                return i;
            }
            at -= q.weight;
        }
        self.mix.len() - 1
    }
}

/// The keys a query of the mix is filled with.
#[derive(Clone)]
pub struct Keys {
    /// users in the generated rows (a request's user is one of them, for `:me`)
    pub user_count: u64,
    users: Zipf,
    posts: Zipf,
    countries: Zipf,
    next_new_id: u64,
}

impl Keys {
    /// Popularity over the generated rows: Zipf rank 1 is user 1, post 1, the first country.
    pub fn new(total_rows: u64, skew: f64) -> Keys {
        let sizes = table_sizes(total_rows);
        let count = |i: usize| sizes[i].1.min(u64::from(u32::MAX)) as u32;
        Keys {
            user_count: u64::from(count(0)),
            users: Zipf::new(count(0), skew),
            posts: Zipf::new(count(1), skew),
            countries: Zipf::new(COUNTRIES.len() as u32, skew),
            next_new_id: FIRST_NEW_ID,
        }
    }

    /// Keys for checking a mix's SQL.
    fn example() -> Keys {
        Keys::new(1_000, 1.0)
    }

    /// The SQL with its placeholders filled in; a `:new_id` is used once.
    pub fn fill(&mut self, sql: &str) -> String {
        self.fill_with(sql, 1, &mut Rng::stream(0, 0))
    }

    /// `me` is the request's user's id (`:me`).
    pub fn fill_with(&mut self, sql: &str, me: u64, rng: &mut Rng) -> String {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut rest = sql;
        while let Some(at) = rest.find(':') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            match &after[..name_len] {
                "user_id" => out.push_str(&(1 + self.users.sample(rng)).to_string()),
                "post_id" => out.push_str(&(1 + self.posts.sample(rng)).to_string()),
                "country" => {
                    out.push('\'');
                    out.push_str(COUNTRIES[self.countries.sample(rng) as usize].0);
                    out.push('\'');
                }
                "me" => out.push_str(&me.to_string()),
                "new_id" => {
                    out.push_str(&self.next_new_id.to_string());
                    self.next_new_id += 1;
                }
                _ => {
                    out.push(':');
                    out.push_str(&after[..name_len]);
                }
            }
            rest = &after[name_len..];
        }
        out.push_str(rest);
        out
    }
}

/// What one query asks of the database servers: a job on each server it touches (that
/// server's share of the plan), and the router's own time once every job is back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Jobs {
    /// at most one per server
    pub on: Vec<Job>,
    /// the router's merging, joining and directory lookups [µs]
    pub router_us: f64,
}

/// One server's share of a query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Job {
    /// its index in the database's servers
    pub server: usize,
    pub time_us: f64,
    pub rows_examined: u64,
}

impl Jobs {
    /// A plan's parts, by server (`servers` is the database's server names, in order). Parts on
    /// one server run one after the other (a vertical split's two queries); the router's share
    /// is whatever the plan's time holds beyond its slowest server.
    pub fn of(plan: &Plan, servers: &[String]) -> Jobs {
        let mut on: Vec<Job> = Vec::with_capacity(plan.parts.len());
        for part in &plan.parts {
            let Some(server) = servers.iter().position(|s| *s == part.server) else { continue };
            match on.iter_mut().find(|j| j.server == server) {
                Some(job) => {
                    job.time_us += part.time_us;
                    job.rows_examined += part.work.rows_examined;
                }
                None => on.push(Job { server, time_us: part.time_us, rows_examined: part.work.rows_examined }),
            }
        }
        let slowest = on.iter().map(|j| j.time_us).fold(0.0, f64::max);
        Jobs { on, router_us: (plan.time_us - slowest).max(0.0) }
    }
}

/// Reads already planned, by their SQL: the same read over the same tables does the same work,
/// so it is worked out once and reused until a write changes a table it reads. (A report over
/// every user runs once per change, not once per page.) The console keeps one for the run: the
/// web tier's queries and `\traffic` go through it.
#[derive(Clone, Default)]
pub struct Memo {
    reads: HashMap<String, PlannedRead>,
    /// writes so far, by table
    versions: HashMap<String, u64>,
}

/// A read's jobs, and the version of each table it read when it was planned.
#[derive(Clone)]
struct PlannedRead {
    jobs: Rc<Jobs>,
    tables: Vec<(String, u64)>,
}

/// Entries a memo holds at most; then it starts afresh.
const MEMO_ENTRIES: usize = 4_096;

impl Memo {
    /// What `sql` asks of each server (`servers`: the database's server names, in order): run
    /// on `db` unless the same read was run on the same tables. An error is the database's.
    pub fn plan(&mut self, db: &mut Database, servers: &[String], sql: &str) -> Result<Rc<Jobs>, String> {
        if let Some(jobs) = self.get(sql) {
            return Ok(jobs);
        }
        let statement = super::sql::parse(sql).map_err(|e| e.to_string())?;
        let outcome = db.run(&statement, false).map_err(|e| e.to_string())?;
        let jobs = Rc::new(Jobs::of(&outcome.plan, servers));
        self.record(sql, &statement, &jobs);
        Ok(jobs)
    }

    pub fn get(&self, sql: &str) -> Option<Rc<Jobs>> {
        let read = self.reads.get(sql)?;
        read.tables.iter().all(|(t, v)| self.version(t) == *v).then(|| read.jobs.clone())
    }

    fn version(&self, table: &str) -> u64 {
        self.versions.get(table).copied().unwrap_or(0)
    }

    /// Keeps a read's jobs, or counts a write against its table.
    pub fn record(&mut self, sql: &str, statement: &Statement, jobs: &Rc<Jobs>) {
        match statement {
            Statement::Select(q) => {
                if self.reads.len() >= MEMO_ENTRIES {
                    self.reads.clear();
                }
                let tables = std::iter::once(&q.from).chain(q.joins.iter().map(|j| &j.table));
                let tables = tables.map(|t| (t.name.clone(), self.version(&t.name))).collect();
                self.reads.insert(sql.to_string(), PlannedRead { jobs: jobs.clone(), tables });
            }
            Statement::Insert(i) => *self.versions.entry(i.table.clone()).or_default() += 1,
            Statement::Update(u) => *self.versions.entry(u.table.clone()).or_default() += 1,
            Statement::Delete(d) => *self.versions.entry(d.table.clone()).or_default() += 1,
            Statement::Explain(_) => {}
        }
    }

    /// The layout changed (a reshard) or the console wrote: nothing planned before holds.
    pub fn forget(&mut self) {
        self.reads.clear();
        self.versions.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_take_keys_in_range_and_new_ids_are_fresh() {
        let mut keys = Keys::new(10_000, 1.0);
        let mut rng = Rng::stream(1, 2);
        let a = keys.fill_with("VALUES (:new_id, :user_id, :country, ':x')", 1, &mut rng);
        let b = keys.fill_with("VALUES (:new_id, :me)", 7, &mut rng);
        assert!(a.starts_with("VALUES (1000000000, "), "{a}");
        assert_eq!(b, "VALUES (1000000001, 7)");
        let user: u64 = a.split(", ").nth(1).unwrap().parse().unwrap();
        assert!((1..=999).contains(&user), "users are 10% of 9,980 rows: {user}");
        assert!(a.contains("':x'"), "an unknown name is left as it was: {a}");
    }

    #[test]
    fn the_default_mix_is_valid_and_picked_by_weight() {
        let mut c = crate::validate::Checker::default();
        WebQueries::default().check(&mut c);
        assert!(c.is_empty(), "{:?}", c.into_problems());
        let web = WebQueries::default();
        let mut rng = Rng::stream(3, 4);
        let mut counts = [0u32; 4];
        for _ in 0..10_000 {
            counts[web.pick(&mut rng)] += 1;
        }
        assert!((5_200..5_800).contains(&counts[0]) && (300..700).contains(&counts[3]), "{counts:?}");
    }

    #[test]
    fn jobs_sum_parts_on_one_server_and_leave_the_router_the_rest() {
        use super::super::exec::Work;
        let part = |server: &'static str, time_us| super::super::layout::Part {
            server: server.into(),
            sql: "".into(),
            work: Work::default(),
            time_us,
            written: None,
        };
        let plan = Plan {
            parts: vec![part("a", 100.0), part("b", 300.0), part("a", 50.0)],
            time_us: 420.0,
            ..Plan::default()
        };
        let jobs = Jobs::of(&plan, &["a".into(), "b".into()]);
        let on: Vec<(usize, f64)> = jobs.on.iter().map(|j| (j.server, j.time_us)).collect();
        assert_eq!(on, vec![(0, 150.0), (1, 300.0)]);
        assert_eq!(jobs.router_us, 120.0);
    }
}
