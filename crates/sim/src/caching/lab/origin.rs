//! The origin: it builds each response (content that changes over time, its headers and
//! validators) from what the cache node or the database gives it, and answers conditionals.

use super::*;
use crate::caching::http::{self, CacheControl, Response};
use crate::caching::{Content, ETagKind, Strategy};

impl CacheLab {
    pub(super) fn at_origin(&mut self, f: usize) {
        if !self.origin_up {
            let flight = self.flights.get_mut(f);
            flight.steps.push("origin: unreachable".into());
            flight.response = None;
            self.reply_to_sender(f);
            return;
        }
        self.counters.origin_requests += 1;
        let flight = self.flights.get(f);
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
            self.flights.get_mut(f).product = Some((version, modified_s));
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

    pub(super) fn origin_replies(&mut self, f: usize) {
        let response = self.origin_response(f);
        let flight = self.flights.get(f);
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
        let current = self.current_content(self.flights.get(f).url).0;
        let flight = self.flights.get_mut(f);
        flight.steps.push(line);
        flight.origin_bytes = response.body_bytes;
        flight.current_when_served = current;
        flight.response = Some(response);
        self.reply_to_sender(f);
    }

    /// Sends the origin's answer (or its silence, when it is down) back the way it came.
    pub(super) fn reply_to_sender(&mut self, f: usize) {
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
    pub(super) fn current_content(&self, url: Url) -> (u64, u64) {
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
    pub(super) fn origin_response(&self, f: usize) -> Response {
        let flight = self.flights.get(f);
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

    pub(super) fn error_response(&self) -> Response {
        self.bare_response(504, CacheControl::default(), 0, 0)
    }

    /// A response dated now with no validators: a write's acknowledgement, or an error.
    pub(super) fn bare_response(
        &self,
        status: u16,
        cache_control: CacheControl,
        body_bytes: u32,
        version: u64,
    ) -> Response {
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
}
