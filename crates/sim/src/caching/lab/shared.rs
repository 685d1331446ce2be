//! The shared cache (a CDN) in front of the origin: it serves what it may store for everyone,
//! revalidates with the origin, and serves stale when the origin is unreachable if allowed.

use super::*;
use crate::caching::http::{self, Action, CacheKind, Response, Stored};

/// A stored response as a cache serves it: with its `Age`.
pub(super) fn with_age(stored: &Stored, now_s: f64) -> Response {
    Response { age: Some(http::age_header(stored, now_s)), ..stored.response.clone() }
}

impl CacheLab {
    pub(super) fn at_shared(&mut self, f: usize) {
        let flight = self.flights.get_mut(f);
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
        let flight = self.flights.get_mut(f);
        flight.steps.push(format!("shared cache: {}", decision.reason));
        match decision.action {
            Action::Hit | Action::HitStaleRevalidate => {
                let stored = self.shared[&url].clone();
                if decision.action == Action::HitStaleRevalidate {
                    let user = self.flights.get(f).user;
                    self.revalidate_in_background(CacheKind::Shared, user, url, &stored);
                }
                self.serve_from_shared(f, with_age(&stored, self.now_s()));
            }
            Action::Revalidate if self.origin_up => {
                let flight = self.flights.get_mut(f);
                flight.from_shared = http::conditional(&flight.from_browser, &self.shared[&url]);
                self.send_to_origin_from_shared(f);
            }
            Action::Miss if self.origin_up => self.send_to_origin_from_shared(f),
            _ => {
                // Origin unreachable and nothing the cache may serve: 504.
                self.flights.get_mut(f).response = None;
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
    pub(super) fn serve_from_shared(&mut self, f: usize, stored: Response) {
        self.counters.shared_hits += 1;
        let served = self.answer_client(f, stored);
        let current = self.current_content(self.flights.get(f).url).0;
        let flight = self.flights.get_mut(f);
        flight.steps.push(format!("shared cache: served from storage ({})", served.status));
        flight.served_by = ServedBy::SharedCache;
        flight.current_when_served = current;
        flight.response = Some(served);
        self.travel(f, Place::SharedCache, Place::Browsers, self.config.edge_ms, Event::BackAtBrowser(f as u32));
    }

    /// What a cache answers its client with a full response in hand: 304 when the client's own
    /// validators match it (RFC 9110 §13.1), else the response.
    pub(super) fn answer_client(&mut self, f: usize, full: Response) -> Response {
        let asked = &self.flights.get(f).from_browser;
        if http::not_modified(asked, full.etag.as_ref(), full.last_modified) {
            self.counters.not_modified += 1;
            Response { status: 304, body_bytes: 0, ..full }
        } else {
            full
        }
    }

    pub(super) fn send_to_origin_from_shared(&mut self, f: usize) {
        self.flights.get_mut(f).shared_sent_s = self.now.as_secs_f64();
        self.travel(f, Place::SharedCache, Place::Origin, self.config.origin_link_ms, Event::AtOrigin(f as u32));
    }

    pub(super) fn back_at_shared(&mut self, f: usize) {
        let flight = self.flights.get(f);
        let (url, write, purpose) = (flight.url, flight.write, flight.purpose);
        let Some(response) = flight.response.clone() else {
            // The origin went down while the request was on its way.
            let decision = http::when_origin_unreachable(CacheKind::Shared, self.shared.get(&url));
            self.note(f, &format!("shared cache: {}", decision.reason));
            match (purpose, decision.action) {
                (Purpose::Background(_), _) => {
                    self.flights.remove(f);
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
            self.flights.remove(f);
            return;
        }
        let answer = self.answer_client(f, full);
        self.flights.get_mut(f).response = Some(answer);
        self.travel(f, Place::SharedCache, Place::Browsers, self.config.edge_ms, Event::BackAtBrowser(f as u32));
    }
}
