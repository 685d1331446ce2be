//! The cache node in front of the database (cache-aside, read-through, write-through,
//! write-behind; TTL, invalidation on write, coalescing) and the database's connection pool.

use super::*;
use crate::caching::{Invalidation, Strategy};
use crate::time::SimTime;

impl CacheLab {
    pub(super) fn cache_node_reply(&mut self, f: usize) {
        let key = self.flights.get(f).url.key;
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
    pub(super) fn read_from_db(&mut self, f: usize, key: u32, fills_cache: bool) {
        let coalesce = fills_cache && self.config.server_cache.coalescing;
        if coalesce {
            if let Some(&job) = self.reading.get(&key) {
                if let Some(j) = self.db_jobs.live_mut(job) {
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
    pub(super) fn write_to_db(&mut self, key: u32, version: u64, waiter: Option<usize>) {
        let waiters = waiter.into_iter().collect();
        self.queue_db(DbJob { key, write: Some(version), waiters, fills_cache: false, started: self.now });
    }

    pub(super) fn queue_db(&mut self, job: DbJob) -> usize {
        if job.write.is_some() {
            self.counters.db_writes += 1;
        } else {
            self.counters.db_reads += 1;
        }
        let id = self.db_jobs.insert(job);
        self.db_queue.push_back(id);
        self.start_db_work();
        id
    }

    pub(super) fn start_db_work(&mut self) {
        while self.db_busy < self.config.db_connections {
            let Some(id) = self.db_queue.pop_front() else { return };
            self.db_busy += 1;
            let job = self.db_jobs.get(id);
            let mean = if job.write.is_some() { self.config.db_write_ms } else { self.config.db_read_ms };
            let took = self.db_times.exponential(mean);
            self.schedule(self.after_ms(took), Event::DbDone(id as u32));
        }
    }

    pub(super) fn db_done(&mut self, id: usize) {
        self.db_busy -= 1;
        let job = self.db_jobs.remove(id);
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

    pub(super) fn db_row(&self, key: u32) -> (u64, u64) {
        self.db_rows.get(&key).copied().unwrap_or((1, 0))
    }

    /// The origin has a product's row: was it older than the last acknowledged write?
    pub(super) fn got_product(&mut self, f: usize, version: u64, modified_s: u64) {
        let key = self.flights.get(f).url.key;
        if let Some(acks) = self.acks.get(&key) {
            // The first acknowledged write newer than what was read.
            if let Some(&(_, acked)) = acks.iter().find(|&&(v, _)| v > version) {
                self.counters.stale_server_reads += 1;
                let after_ack_s = (self.now - acked).as_secs_f64();
                self.counters.longest_stale_s = self.counters.longest_stale_s.max(after_ack_s);
            }
        }
        self.flights.get_mut(f).product = Some((version, modified_s));
    }

    pub(super) fn put_in_node(&mut self, key: u32, version: u64, modified_s: u64, dirty: bool) {
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

    pub(super) fn flush(&mut self) {
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
    pub(super) fn lose_cache_node_contents(&mut self) {
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
}
