//! Users and their browsers: a user wants a page, the browser's private cache decides (RFC 9111),
//! and what comes back is stored, freshened or delivered.

use super::*;
use crate::caching::http::{self, Action, CacheKind, Request, Response, Stored};
use crate::caching::Content;
use crate::time::SimTime;

impl CacheLab {
    pub(super) fn user_wants(&mut self, user: u32) {
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
        let f = self.flights.insert(Flight::new(user, url, write, Purpose::User, self.now, request));
        if write || !self.config.browser_cache {
            self.send_from_browser(f);
            return;
        }
        self.counters.browser_lookups += 1;
        let stored = self.browsers[user as usize].get(&url);
        let decision = http::decide(CacheKind::Private, stored, self.now_s());
        let flight = self.flights.get_mut(f);
        flight.steps.push(format!("browser cache: {}", decision.reason));
        match decision.action {
            Action::Hit | Action::HitStaleRevalidate => {
                self.counters.browser_hits += 1;
                let stored = self.browsers[user as usize][&url].clone();
                if decision.action == Action::HitStaleRevalidate {
                    self.revalidate_in_background(CacheKind::Private, user, url, &stored);
                }
                let current = self.current_content(url).0;
                let flight = self.flights.get_mut(f);
                flight.served_by = ServedBy::BrowserCache;
                flight.current_when_served = current;
                let served = with_age(&stored, self.now_s());
                self.deliver(f, served);
            }
            Action::Revalidate => {
                let stored = &self.browsers[user as usize][&url];
                let conditional = http::conditional(&self.flights.get(f).from_browser, stored);
                let flight = self.flights.get_mut(f);
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
    pub(super) fn revalidate_in_background(&mut self, kind: CacheKind, user: u32, url: Url, stored: &Stored) {
        let base = Request { authorization: self.config.routes[url.route].needs_authorization, ..Request::default() };
        let request = http::conditional(&base, stored);
        let f = self.flights.insert(Flight::new(user, url, false, Purpose::Background(kind), self.now, request));
        match kind {
            CacheKind::Private => self.send_from_browser(f),
            CacheKind::Shared => self.send_to_origin_from_shared(f),
        }
    }

    pub(super) fn send_from_browser(&mut self, f: usize) {
        self.flights.get_mut(f).browser_sent_s = self.now_s();
        if self.config.shared_cache {
            self.travel(f, Place::Browsers, Place::SharedCache, self.config.edge_ms, Event::AtShared(f as u32));
        } else {
            let ms = self.config.edge_ms + self.config.origin_link_ms;
            self.travel(f, Place::Browsers, Place::Origin, ms, Event::AtOrigin(f as u32));
        }
    }

    pub(super) fn back_at_browser(&mut self, f: usize) {
        let flight = self.flights.get(f);
        let (user, url, purpose, write) = (flight.user, flight.url, flight.purpose, flight.write);
        let Some(response) = flight.response.clone() else {
            // The origin could not be reached and no cache could answer for it.
            if purpose == Purpose::User {
                self.counters.errors += 1;
                let gateway_timeout = self.error_response();
                self.deliver(f, gateway_timeout);
            } else {
                self.flights.remove(f);
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
                self.flights.remove(f);
            }
        }
    }

    /// Applies an answer to a cache (the browser's, or the shared one): a 304 freshens the stored
    /// copy, a storable 200 replaces it. Returns the full response to pass on.
    pub(super) fn update_cache(&mut self, kind: CacheKind, f: usize, response: &Response) -> Response {
        let flight = self.flights.get(f);
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
                    self.flights.get_mut(f).served_by = match kind {
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
        self.flights.get_mut(f).steps.push(format!("{who}: {line}"));
        full
    }

    /// The user sees `response`: count it, check it against the origin's current content, and
    /// keep it for the inspector.
    pub(super) fn deliver(&mut self, f: usize, response: Response) {
        let flight = self.flights.remove(f);
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
}
