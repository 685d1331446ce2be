//! Caching: RFC 9111's rules one by one (`sim::caching::http`), properties of the decisions and
//! of the lab, LRU under Zipf keys against Che's approximation, and the server-side
//! strategies' promises (delete on write, TTL bounds, write-behind losses, coalescing).

use proptest::prelude::*;
use sim::caching::http::{self, Action, CacheControl, CacheKind, ETag, Expires, Request, Response, Stored};
use sim::caching::lru::Lru;
use sim::caching::zipf::{lru_hit_ratio_che, Zipf};
use sim::caching::{CacheLab, CachingConfig, Invalidation, LabAction, LabEvent, ServedBy, Strategy};
use sim::rng::Rng;
use sim::{Command, Sim, SimTime};

fn cc(header: &str) -> CacheControl {
    CacheControl::parse(header).expect("valid Cache-Control")
}

/// A 200 with these directives, sent at `date` [s].
fn response(header: &str, date: u64) -> Response {
    Response {
        status: 200,
        cache_control: cc(header),
        etag: Some(ETag { weak: false, opaque: "v1".into() }),
        last_modified: None,
        date,
        expires: None,
        age: None,
        body_bytes: 1_000,
        version: 1,
        for_user: None,
    }
}

/// Stored as it arrived at `at`, asked for at the same moment.
fn stored(response: Response, at: f64) -> Stored {
    Stored { response, request_time: at, response_time: at }
}

// ---- freshness lifetime, in its order of precedence (RFC 9111 §4.2.1) ----

#[test]
fn shared_cache_takes_s_maxage_over_max_age() {
    let r = response("max-age=60, s-maxage=300", 0);
    assert_eq!(http::freshness_lifetime(CacheKind::Shared, &r).0, 300.0);
}

#[test]
fn private_cache_ignores_s_maxage() {
    let r = response("max-age=60, s-maxage=300", 0);
    assert_eq!(http::freshness_lifetime(CacheKind::Private, &r).0, 60.0);
    let only_s = response("s-maxage=300", 0);
    assert_eq!(
        http::freshness_lifetime(CacheKind::Private, &only_s).0,
        0.0,
        "no max-age, no Expires, no Last-Modified"
    );
}

#[test]
fn max_age_wins_over_expires() {
    let r = Response { expires: Some(Expires::At(1_000)), ..response("max-age=60", 0) };
    assert_eq!(http::freshness_lifetime(CacheKind::Private, &r).0, 60.0);
}

#[test]
fn expires_minus_date_without_max_age() {
    let r = Response { expires: Some(Expires::At(130)), ..response("", 100) };
    assert_eq!(http::freshness_lifetime(CacheKind::Private, &r).0, 30.0);
}

#[test]
fn invalid_expires_means_already_expired() {
    let r = Response { expires: Some(Expires::Invalid), last_modified: Some(0), ..response("", 1_000) };
    assert_eq!(http::freshness_lifetime(CacheKind::Private, &r).0, 0.0, "no heuristic when Expires is present");
    assert_eq!(http::decide(CacheKind::Private, Some(&stored(r, 1_000.0)), 1_000.0).action, Action::Revalidate);
}

#[test]
fn heuristic_is_a_tenth_of_date_minus_last_modified() {
    let r = Response { last_modified: Some(0), ..response("", 1_000) };
    assert_eq!(http::freshness_lifetime(CacheKind::Private, &r).0, 100.0);
    let d = http::decide(CacheKind::Private, Some(&stored(r, 1_000.0)), 1_050.0);
    assert_eq!(d.action, Action::Hit);
    assert_eq!(d.reason, "fresh: age 50 s < heuristic lifetime (10% of Date − Last-Modified) 100 s");
}

#[test]
fn no_heuristic_for_a_status_that_is_not_heuristically_cacheable_unless_public() {
    let r = Response { status: 302, last_modified: Some(0), ..response("", 1_000) };
    assert_eq!(http::freshness_lifetime(CacheKind::Private, &r).0, 0.0);
    let public = Response { status: 302, last_modified: Some(0), ..response("public", 1_000) };
    assert_eq!(http::freshness_lifetime(CacheKind::Private, &public).0, 100.0);
}

// ---- age (§4.2.3) ----

#[test]
fn current_age_follows_the_rfc_formula() {
    // Date 100, Age 5 from an upstream cache, asked at 99.5, arrived at 101, now 111:
    // apparent 1, delay 1.5, corrected age value 6.5, initial 6.5, resident 10 → 16.5.
    let r = Response { age: Some(5), ..response("max-age=60", 100) };
    let s = Stored { response: r, request_time: 99.5, response_time: 101.0 };
    assert_eq!(http::current_age(&s, 111.0), 16.5);
    // A Date in the past with no Age header: the apparent age counts.
    let late = Stored { response: response("max-age=60", 90), request_time: 100.0, response_time: 100.0 };
    assert_eq!(http::current_age(&late, 100.0), 10.0);
}

// ---- decisions ----

#[test]
fn fresh_response_is_served_with_its_reason() {
    let s = stored(response("max-age=60", 0), 0.0);
    let d = http::decide(CacheKind::Private, Some(&s), 12.0);
    assert_eq!(d.action, Action::Hit);
    assert_eq!(d.reason, "fresh: age 12 s < max-age 60 s");
}

#[test]
fn stale_response_is_revalidated() {
    let s = stored(response("max-age=60", 0), 0.0);
    let d = http::decide(CacheKind::Private, Some(&s), 61.0);
    assert_eq!(d.action, Action::Revalidate);
    assert_eq!(d.reason, "stale: age 61 s ≥ max-age 60 s");
}

#[test]
fn nothing_stored_is_a_miss() {
    assert_eq!(http::decide(CacheKind::Shared, None, 0.0).action, Action::Miss);
}

#[test]
fn no_cache_revalidates_before_every_reuse_even_when_fresh() {
    let s = stored(response("no-cache, max-age=600", 0), 0.0);
    let d = http::decide(CacheKind::Private, Some(&s), 1.0);
    assert_eq!(d.action, Action::Revalidate);
    assert!(d.reason.starts_with("no-cache"), "{}", d.reason);
    assert!(http::may_store(CacheKind::Shared, &Request::default(), &s.response).is_ok(), "no-cache may be stored");
}

#[test]
fn no_store_is_never_stored() {
    let r = response("no-store, max-age=600", 0);
    for kind in [CacheKind::Private, CacheKind::Shared] {
        assert_eq!(http::may_store(kind, &Request::default(), &r), Err("not stored: no-store".into()));
    }
}

#[test]
fn shared_cache_never_stores_private_but_a_browser_does() {
    let r = response("private, max-age=60", 0);
    assert_eq!(
        http::may_store(CacheKind::Shared, &Request::default(), &r),
        Err("not stored: private response in a shared cache".into())
    );
    assert!(http::may_store(CacheKind::Private, &Request::default(), &r).is_ok());
}

#[test]
fn shared_cache_stores_an_authorized_response_only_if_public_s_maxage_or_must_revalidate() {
    let with_auth = Request { authorization: true, ..Request::default() };
    assert!(http::may_store(CacheKind::Shared, &with_auth, &response("max-age=60", 0)).is_err());
    for allowed in ["public, max-age=60", "s-maxage=60", "must-revalidate, max-age=60"] {
        assert!(http::may_store(CacheKind::Shared, &with_auth, &response(allowed, 0)).is_ok(), "{allowed}");
    }
    assert!(http::may_store(CacheKind::Private, &with_auth, &response("max-age=60", 0)).is_ok(), "a browser may");
}

#[test]
fn stale_while_revalidate_serves_stale_inside_its_window_only() {
    let s = stored(response("max-age=10, stale-while-revalidate=30", 0), 0.0);
    let inside = http::decide(CacheKind::Private, Some(&s), 25.0);
    assert_eq!(inside.action, Action::HitStaleRevalidate);
    assert!(inside.reason.contains("stale-while-revalidate=30"), "{}", inside.reason);
    assert_eq!(http::decide(CacheKind::Private, Some(&s), 41.0).action, Action::Revalidate);
}

#[test]
fn must_revalidate_forbids_serving_stale() {
    let s = stored(response("max-age=10, must-revalidate, stale-while-revalidate=30", 0), 0.0);
    let d = http::decide(CacheKind::Private, Some(&s), 15.0);
    assert_eq!(d.action, Action::Revalidate);
    assert!(d.reason.ends_with("must revalidate"), "{}", d.reason);
    assert_eq!(http::when_origin_unreachable(CacheKind::Private, Some(&s)).action, Action::Miss, "504, not stale");
    let relaxed = stored(response("max-age=10", 0), 0.0);
    assert_eq!(http::when_origin_unreachable(CacheKind::Private, Some(&relaxed)).action, Action::Hit);
}

#[test]
fn s_maxage_implies_proxy_revalidate_in_a_shared_cache() {
    let s = stored(response("s-maxage=10, stale-while-revalidate=30", 0), 0.0);
    assert_eq!(http::decide(CacheKind::Shared, Some(&s), 15.0).action, Action::Revalidate);
    let p = stored(response("max-age=10, proxy-revalidate, stale-while-revalidate=30", 0), 0.0);
    assert_eq!(http::decide(CacheKind::Shared, Some(&p), 15.0).action, Action::Revalidate);
    assert_eq!(
        http::decide(CacheKind::Private, Some(&p), 15.0).action,
        Action::HitStaleRevalidate,
        "browsers ignore it"
    );
}

// ---- revalidation (RFC 9110 §13) ----

#[test]
fn etag_comparisons_follow_the_rfc_table() {
    let (w1, w2, s1) = (
        ETag { weak: true, opaque: "1".into() },
        ETag { weak: true, opaque: "2".into() },
        ETag { weak: false, opaque: "1".into() },
    );
    assert!(!w1.strong_eq(&w1) && w1.weak_eq(&w1));
    assert!(!w1.strong_eq(&w2) && !w1.weak_eq(&w2));
    assert!(!w1.strong_eq(&s1) && w1.weak_eq(&s1));
    assert!(s1.strong_eq(&s1) && s1.weak_eq(&s1));
    assert_eq!(w1.to_string(), "W/\"1\"");
}

#[test]
fn if_none_match_uses_weak_comparison_and_beats_if_modified_since() {
    let current = ETag { weak: false, opaque: "v2".into() };
    let weak_same = Request { if_none_match: Some(ETag { weak: true, opaque: "v2".into() }), ..Request::default() };
    assert!(http::not_modified(&weak_same, Some(&current), Some(100)));
    // The tag differs; If-Modified-Since alone would match, but it is ignored.
    let both = Request {
        if_none_match: Some(ETag { weak: false, opaque: "v1".into() }),
        if_modified_since: Some(200),
        ..Request::default()
    };
    assert!(!http::not_modified(&both, Some(&current), Some(100)));
    let since = Request { if_modified_since: Some(100), ..Request::default() };
    assert!(http::not_modified(&since, None, Some(100)));
    assert!(!http::not_modified(&since, None, Some(101)), "modified a second later");
}

#[test]
fn a_conditional_request_carries_the_stored_validators() {
    let r = Response { last_modified: Some(50), ..response("max-age=60", 100) };
    let c = http::conditional(&Request::default(), &stored(r, 100.0));
    assert_eq!(c.if_none_match, Some(ETag { weak: false, opaque: "v1".into() }));
    assert_eq!(c.if_modified_since, Some(50));
}

#[test]
fn a_304_freshens_the_stored_copy_and_restarts_its_age() {
    let mut s = stored(response("max-age=60", 0), 0.0);
    assert_eq!(http::decide(CacheKind::Private, Some(&s), 70.0).action, Action::Revalidate);
    let not_modified = Response { status: 304, body_bytes: 0, ..response("max-age=120", 70) };
    http::freshen(&mut s, &not_modified, 70.0, 70.1);
    assert_eq!(s.response.body_bytes, 1_000, "the body stays");
    assert_eq!(s.response.status, 200);
    assert_eq!(s.response.cache_control.max_age, Some(120), "the 304's headers replace the old ones");
    let d = http::decide(CacheKind::Private, Some(&s), 80.0);
    assert_eq!(d.action, Action::Hit);
    assert_eq!(d.reason, "fresh: age 10 s < max-age 120 s");
}

#[test]
fn cache_control_is_read_strictly_and_written_back() {
    let parsed = cc("Public, max-age=60, stale-while-revalidate=\"30\"");
    assert!(parsed.public);
    assert_eq!(parsed.to_string(), "public, max-age=60, stale-while-revalidate=30");
    let unknown = CacheControl::parse("maxage=60").unwrap_err();
    assert!(unknown.contains("unknown directive `maxage`"), "{unknown}");
    let bad = CacheControl::parse("max-age=soon").unwrap_err();
    assert!(bad.contains("whole seconds"), "{bad}");
    assert!(CacheControl::parse("no-store=1").is_err());
}

// ---- properties ----

prop_compose! {
    fn directives()(
        max_age in proptest::option::of(0u64..1_000),
        s_maxage in proptest::option::of(0u64..1_000),
        swr in proptest::option::of(0u64..100),
        flags in proptest::collection::vec(any::<bool>(), 6),
    ) -> CacheControl {
        CacheControl {
            max_age,
            s_maxage,
            stale_while_revalidate: swr,
            public: flags[0],
            private: flags[1],
            no_cache: flags[2],
            no_store: flags[3],
            must_revalidate: flags[4],
            proxy_revalidate: flags[5],
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn storing_obeys_no_store_and_private(cc in directives(), shared in any::<bool>(), auth in any::<bool>()) {
        let kind = if shared { CacheKind::Shared } else { CacheKind::Private };
        let r = Response { cache_control: cc.clone(), ..response("", 0) };
        let request = Request { authorization: auth, ..Request::default() };
        let stored = http::may_store(kind, &request, &r).is_ok();
        prop_assert!(!(cc.no_store && stored), "no-store stored");
        prop_assert!(!(shared && cc.private && stored), "shared cache stored a private response");
    }

    #[test]
    fn a_hit_is_fresh_or_explicitly_allowed_stale(cc in directives(), shared in any::<bool>(), now in 0.0f64..2_000.0) {
        let kind = if shared { CacheKind::Shared } else { CacheKind::Private };
        let s = stored(Response { cache_control: cc.clone(), ..response("", 0) }, 0.0);
        let d = http::decide(kind, Some(&s), now);
        let (lifetime, _) = http::freshness_lifetime(kind, &s.response);
        match d.action {
            Action::Hit => prop_assert!(!cc.no_cache && lifetime > now),
            Action::HitStaleRevalidate => prop_assert!(!cc.no_cache && !cc.must_revalidate && cc.stale_while_revalidate.is_some()),
            Action::Revalidate => prop_assert!(cc.no_cache || lifetime <= now),
            Action::Miss => prop_assert!(false, "something was stored"),
        }
    }

    /// In the lab, whatever the headers: a response a cache served fresh never reached the
    /// origin; shared caches never hand out private pages; nothing no-store is reused.
    #[test]
    fn lab_caches_keep_the_rules(
        seed in any::<u64>(),
        headers in proptest::collection::vec(directives(), 4),
        shared in any::<bool>(),
    ) {
        let mut config = CachingConfig::default();
        config.shared_cache = shared;
        config.users = 10;
        for (route, cc) in config.routes.iter_mut().zip(&headers) {
            route.cache_control = cc.to_string();
        }
        let mut scenario = sim::Scenario::default();
        scenario.caching = Some(config.clone());
        prop_assume!(scenario.validate().is_ok());
        let mut run = LabRun::new(&config, seed);
        for second in 1..=20 {
            run.0.run_until(SimTime::from_secs(second));
            let lab = &run;
            for e in lab.exchanges() {
                // A cache's fresh copy (not one it had the origin revalidate) never saw the origin.
                if matches!(e.served_by, ServedBy::BrowserCache | ServedBy::SharedCache) {
                    prop_assert!(!e.steps.iter().any(|s| s.starts_with("origin")), "{:?}", e.steps);
                }
                if e.steps.iter().any(|s| s.starts_with("shared cache: stored")) {
                    prop_assert!(!e.response_headers.iter().any(|(k, v)| k == "Cache-Control" && (v.contains("private") || v.contains("no-store"))), "{:?}", e);
                }
            }
        }
        let directives_of_account = &headers[3];
        if directives_of_account.private || directives_of_account.no_store {
            prop_assert_eq!(run.counters().wrong_user_pages, 0);
        }
    }
}

// ---- LRU under Zipf keys against Che's approximation ----

/// The measured hit ratio of an LRU cache over independent Zipf requests, after a warm-up.
fn lru_hit_ratio(keys: u32, skew: f64, capacity: usize, seed: u64) -> f64 {
    let zipf = Zipf::new(keys, skew);
    let mut rng = Rng::from_seed(seed);
    let mut lru: Lru<u8> = Lru::new(capacity);
    let (warm_up, measured) = (50_000, 200_000);
    let mut hits = 0;
    for i in 0..warm_up + measured {
        let key = zipf.sample(&mut rng);
        let hit = lru.get(key).is_some();
        if !hit {
            lru.put(key, 0);
        }
        if i >= warm_up && hit {
            hits += 1;
        }
    }
    f64::from(hits) / f64::from(measured)
}

#[test]
fn lru_hit_ratio_under_zipf_agrees_with_che_within_two_points() {
    // Tolerance: ±0.02 absolute. Che's approximation is within about 1% for these sizes
    // (Fricker et al. 2012); 200,000 requests give a standard error near 0.001.
    for (skew, capacity) in [(0.6, 100), (0.9, 100), (1.2, 50), (0.9, 400)] {
        let theory = lru_hit_ratio_che(&Zipf::new(1_000, skew).probabilities(), capacity);
        for seed in 1..=3 {
            let measured = lru_hit_ratio(1_000, skew, capacity, seed);
            assert!(
                (measured - theory).abs() < 0.02,
                "skew {skew}, capacity {capacity}, seed {seed}: measured {measured:.4}, Che {theory:.4}"
            );
        }
    }
}

#[test]
fn zipf_sampler_follows_its_probabilities() {
    let zipf = Zipf::new(100, 1.0);
    let p = zipf.probabilities();
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!((p[0] / p[1] - 2.0).abs() < 1e-9, "rank 1 is twice as likely as rank 2");
    let mut rng = Rng::from_seed(7);
    let n = 200_000;
    let top = (0..n).filter(|_| zipf.sample(&mut rng) == 0).count() as f64 / n as f64;
    assert!((top - p[0]).abs() < 0.005, "key 0 drawn {top:.4}, expected {:.4}", p[0]);
}

#[test]
fn lru_evicts_the_least_recently_used() {
    let mut lru: Lru<u32> = Lru::new(2);
    lru.put(1, 10);
    lru.put(2, 20);
    lru.get(1);
    assert_eq!(lru.put(3, 30), Some((2, 20)), "2 was used least recently");
    assert_eq!(lru.peek(1), Some(&10));
    assert_eq!(lru.remove(1), Some(10));
    assert_eq!(lru.len(), 1);
}

// ---- the lab: the server-side strategies ----

/// Only product traffic, to the origin (no HTTP caches), busy with writes.
fn products_only(strategy: Strategy, invalidation: Invalidation) -> CachingConfig {
    let mut c = CachingConfig::default();
    c.browser_cache = false;
    c.shared_cache = false;
    for r in &mut c.routes {
        r.share = if r.path.starts_with("/products") { 1.0 } else { 0.0 };
    }
    c.keys = 200;
    c.zipf_skew = 1.1;
    c.write_share = 0.2;
    c.server_cache.strategy = strategy;
    c.server_cache.invalidation = invalidation;
    c.server_cache.ttl_s = 5.0;
    c
}

/// A run whose scenario is a caching lab, read as its lab.
struct LabRun(Sim);

impl LabRun {
    fn new(config: &CachingConfig, seed: u64) -> LabRun {
        let mut scenario = sim::Scenario::default();
        scenario.caching = Some(config.clone());
        scenario.seed = seed;
        LabRun(Sim::new(scenario.validate().expect("valid lab")))
    }
}

impl std::ops::Deref for LabRun {
    type Target = CacheLab;
    fn deref(&self) -> &CacheLab {
        self.0.lab().expect("a scenario with a lab")
    }
}

fn run(config: &CachingConfig, seed: u64, seconds: u64) -> LabRun {
    let mut lab = LabRun::new(config, seed);
    lab.0.run_until(SimTime::from_secs(seconds));
    lab
}

#[test]
fn delete_on_write_gives_no_stale_reads_after_the_write_is_acknowledged() {
    for seed in 1..=4 {
        let lab = run(&products_only(Strategy::CacheAside, Invalidation::DeleteOnWrite), seed, 60);
        let c = lab.counters();
        assert!(c.db_writes > 500 && c.server_cache_hits > 1_000, "{c:?}");
        assert_eq!(c.stale_server_reads, 0, "seed {seed}: {c:?}");
    }
}

#[test]
fn ttl_only_gives_stale_reads_bounded_by_the_ttl() {
    for seed in 1..=4 {
        let config = products_only(Strategy::CacheAside, Invalidation::TtlOnly);
        let lab = run(&config, seed, 60);
        let c = lab.counters();
        assert!(c.stale_server_reads > 50, "seed {seed}: TTL-only serves stale reads: {c:?}");
        // A cached value was read from the database before the write, so it can outlive the
        // write's acknowledgement by the TTL plus that read's own duration.
        let bound = config.server_cache.ttl_s + c.longest_fill_s;
        assert!(
            c.longest_stale_s <= bound,
            "seed {seed}: stale {:.3} s after the ack > bound {bound:.3} s",
            c.longest_stale_s
        );
        assert!(c.longest_stale_s > 0.5 * config.server_cache.ttl_s, "the bound is approached: {}", c.longest_stale_s);
    }
}

#[test]
fn write_behind_loses_unflushed_writes_when_the_cache_node_crashes_and_write_through_does_not() {
    let crash = vec![
        LabEvent { at_ms: 20_500.0, action: LabAction::CrashCacheNode },
        LabEvent { at_ms: 21_000.0, action: LabAction::RecoverCacheNode },
    ];
    let mut behind = products_only(Strategy::WriteBehind, Invalidation::DeleteOnWrite);
    behind.server_cache.flush_every_ms = 2_000.0;
    behind.timeline = crash.clone();
    let lab = run(&behind, 3, 40);
    assert!(lab.counters().lost_writes > 0, "{:?}", lab.counters());
    let mut through = products_only(Strategy::WriteThrough, Invalidation::DeleteOnWrite);
    through.timeline = crash;
    let lab = run(&through, 3, 40);
    assert_eq!(lab.counters().lost_writes, 0);
    assert!(lab.counters().db_writes > 100);
}

#[test]
fn coalescing_turns_a_stampede_into_one_read_per_key() {
    let stampede = |coalescing: bool| {
        let mut c = products_only(Strategy::CacheAside, Invalidation::DeleteOnWrite);
        c.write_share = 0.0;
        c.zipf_skew = 1.5;
        c.users = 200;
        c.requests_per_user_s = 5.0;
        c.db_read_ms = 50.0;
        c.server_cache.coalescing = coalescing;
        c.timeline =
            (1..=5).map(|i| LabEvent { at_ms: i as f64 * 4_000.0, action: LabAction::FlushCacheNode }).collect();
        run(&c, 11, 22).counters().clone()
    };
    let (herd, coalesced) = (stampede(false), stampede(true));
    assert!(herd.duplicate_db_reads > 100, "without coalescing the hot keys are read many times at once: {herd:?}");
    assert_eq!(coalesced.duplicate_db_reads, 0);
    assert!(coalesced.db_reads < herd.db_reads);
}

#[test]
fn the_cache_nodes_hit_ratio_agrees_with_che_without_writes_or_expiry() {
    let mut c = products_only(Strategy::CacheAside, Invalidation::DeleteOnWrite);
    c.write_share = 0.0;
    c.keys = 1_000;
    c.zipf_skew = 0.9;
    c.server_cache.capacity = 100;
    c.server_cache.ttl_s = 86_400.0;
    let lab = run(&c, 5, 300);
    let theory = lab.snapshot().theory_hit_ratio;
    // Skip the first minute (the cache warming up).
    let later: Vec<_> = lab.seconds()[60..].iter().map(|s| &s.counters).collect();
    let hits: u64 = later.iter().map(|c| c.server_cache_hits).sum();
    let lookups: u64 = later.iter().map(|c| c.server_cache_lookups).sum();
    let measured = hits as f64 / lookups as f64;
    assert!((measured - theory).abs() < 0.03, "measured {measured:.4}, Che {theory:.4} over {lookups} lookups");
}

// ---- the lab: HTTP caches end to end ----

#[test]
fn a_shared_cache_leaks_account_pages_unless_they_are_private() {
    let mut c = CachingConfig::default();
    c.shared_cache = true;
    let account = c.routes.iter().position(|r| r.path == "/account").expect("an account route");
    let lab = run(&c, 1, 60);
    assert_eq!(lab.counters().wrong_user_pages, 0, "private, max-age=30 is not stored by the shared cache");
    c.routes[account].cache_control = "public, max-age=30".into();
    let lab = run(&c, 1, 60);
    assert!(lab.counters().wrong_user_pages > 10, "{:?}", lab.counters());
    // Without private, Authorization alone keeps it out of the shared cache (RFC 9111 §3.5)...
    c.routes[account].cache_control = "max-age=30".into();
    assert_eq!(run(&c, 1, 60).counters().wrong_user_pages, 0);
    // ...unless s-maxage says a shared cache may store it.
    c.routes[account].cache_control = "max-age=30, s-maxage=30".into();
    assert!(run(&c, 1, 60).counters().wrong_user_pages > 10);
    // A route without Authorization is stored: its max-age alone lets the leak happen.
    c.routes[account].cache_control = "max-age=30".into();
    c.routes[account].needs_authorization = false;
    assert!(run(&c, 1, 60).counters().wrong_user_pages > 10);
}

#[test]
fn etag_revalidation_answers_304_and_saves_bytes() {
    let lab = run(&CachingConfig::default(), 2, 60);
    let c = lab.counters();
    assert!(c.not_modified > 100, "the no-cache page is revalidated: {c:?}");
    assert!(c.bytes_saved > 1_000_000, "{c:?}");
    assert!(c.browser_hits > 100 && c.browser_hits < c.browser_lookups);
    let revalidated = lab.exchanges().find(|e| e.steps.iter().any(|s| s.starts_with("origin: 304"))).expect("a 304");
    assert!(revalidated.request_headers.iter().any(|(k, _)| k == "If-None-Match"), "{revalidated:?}");
    assert_eq!(revalidated.served_by, ServedBy::BrowserRevalidated, "the body is the browser's own copy");
}

#[test]
fn max_age_longer_than_the_content_lives_shows_stale_pages() {
    let mut c = CachingConfig::default();
    let script = c.routes.iter().position(|r| r.path == "/static/app.js").expect("a script route");
    c.routes[script].changes_every_s = 10.0;
    c.routes[script].cache_control = "max-age=600".into();
    let long = run(&c, 4, 60).counters().stale_seen;
    c.routes[script].cache_control = "no-cache".into();
    let revalidated = run(&c, 4, 60).counters().stale_seen;
    assert!(long > 100 && revalidated * 10 < long, "max-age=600: {long} stale, no-cache: {revalidated}");
}

#[test]
fn the_shared_cache_serves_stale_when_the_origin_is_down_unless_must_revalidate() {
    let mut c = CachingConfig::default();
    c.shared_cache = true;
    c.timeline = vec![LabEvent { at_ms: 20_000.0, action: LabAction::OriginDown }];
    let relaxed = run(&c, 6, 40).counters().clone();
    for r in &mut c.routes {
        r.cache_control = format!("{}, must-revalidate", r.cache_control);
    }
    let strict = run(&c, 6, 40).counters().clone();
    assert!(
        strict.errors > relaxed.errors,
        "must-revalidate turns stale answers into 504s: {} vs {}",
        strict.errors,
        relaxed.errors
    );
}

#[test]
fn the_labs_seconds_as_csv_add_up_to_its_counters() {
    let mut c = CachingConfig::default();
    c.shared_cache = true;
    let lab = run(&c, 9, 12);
    let csv = sim::caching::lab_seconds_csv(lab.seconds());
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    assert_eq!(header[..3], ["second", "user_requests", "browser_hits"]);
    let rows: Vec<Vec<f64>> = lines.map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect()).collect();
    assert_eq!(rows.len(), 12, "one line per whole second");
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let column = |name: &str| header.iter().position(|h| *h == name).expect("a column");
    let sum = |name: &str| rows.iter().map(|r| r[column(name)]).sum::<f64>() as u64;
    // Each line counts its own second, so the lines add up to the counters of the first 12 s.
    let whole: u64 = lab.seconds().iter().map(|s| s.counters.user_requests).sum();
    assert_eq!(sum("user_requests"), whole);
    assert!(sum("user_requests") > 0 && sum("user_requests") <= lab.counters().user_requests);
    assert_eq!(sum("shared_hits"), lab.seconds().iter().map(|s| s.counters.shared_hits).sum::<u64>());
}

#[test]
fn same_seed_same_lab() {
    let mut c = CachingConfig::default();
    c.shared_cache = true;
    let a = run(&c, 9, 30);
    let b = run(&c, 9, 30);
    assert_eq!(a.counters(), b.counters());
    assert_eq!(a.exchanges().collect::<Vec<_>>(), b.exchanges().collect::<Vec<_>>());
    assert_ne!(run(&c, 10, 30).counters(), a.counters());
}

#[test]
fn a_failure_injected_live_replays_exactly_from_the_recorded_scenario() {
    let mut c = products_only(Strategy::WriteBehind, Invalidation::DeleteOnWrite);
    c.server_cache.flush_every_ms = 3_000.0;
    let mut live = LabRun::new(&c, 8);
    live.0.run_until(SimTime::from_millis(12_345));
    live.0.schedule(Command::Lab { action: LabAction::CrashCacheNode }).expect("a lab");
    live.0.run_until(SimTime::from_secs(13));
    live.0.schedule(Command::Lab { action: LabAction::RecoverCacheNode }).expect("a lab");
    live.0.run_until(SimTime::from_secs(30));
    let recorded = live.0.scenario().clone();
    assert_eq!(recorded.timeline.len(), 2);
    assert!(live.counters().lost_writes > 0);
    let mut replay = Sim::new(recorded.validate().expect("valid"));
    replay.run_until(SimTime::from_secs(30));
    assert_eq!(replay.lab().expect("a lab").counters(), live.counters());
    assert_eq!(replay.trace_hash().value(), live.0.trace_hash().value());
}

/// Links written before lab failures were commands keep them in the lab's own timeline, in
/// milliseconds: they open to the same run as the same failures given as commands.
#[test]
fn a_failure_in_the_labs_own_timeline_is_the_same_as_the_command() {
    let mut c = products_only(Strategy::WriteBehind, Invalidation::DeleteOnWrite);
    c.timeline = vec![LabEvent { at_ms: 7_500.25, action: LabAction::CrashCacheNode }];
    let old_style = run(&c, 4, 20);
    c.timeline.clear();
    let mut scenario = sim::Scenario::default();
    scenario.caching = Some(c);
    scenario.seed = 4;
    scenario.timeline = vec![sim::scenario::TimelineEntry {
        recorded: false,
        at_us: 7_500_250,
        command: Command::Lab { action: LabAction::CrashCacheNode },
    }];
    let mut as_command = Sim::new(scenario.validate().expect("valid"));
    as_command.run_until(SimTime::from_secs(20));
    assert_eq!(as_command.lab().expect("a lab").counters(), old_style.counters());
    assert_eq!(as_command.trace_hash().value(), old_style.0.trace_hash().value());
    assert!(old_style.counters().lost_writes > 0, "the crash happened");
}

/// The lab is the whole run: its events are the run's events (counted and in the trace hash),
/// and no request path runs unseen under it.
#[test]
fn the_lab_runs_on_the_runs_one_queue_and_nothing_runs_under_it() {
    let lab = run(&CachingConfig::default(), 2, 10);
    let summary = lab.0.summary();
    assert_eq!(summary.requests.arrived, 0, "no open-loop clients under the lab");
    assert!(lab.0.metrics().series().is_empty(), "no seconds of an idle pool");
    assert!(summary.events_processed > 10 * 50, "every lab event counts: {}", summary.events_processed);
    let mut other = CachingConfig::default();
    other.routes[0].cache_control = "max-age=60".into();
    assert_ne!(
        run(&other, 2, 10).0.trace_hash().value(),
        lab.0.trace_hash().value(),
        "the lab's events feed the trace hash"
    );
    let mut no_lab = Sim::new(sim::Scenario::default().validate().expect("valid"));
    let refused = no_lab.schedule(Command::Lab { action: LabAction::FlushCacheNode });
    assert!(matches!(refused, Err(sim::CommandError::NotInThisScenario(_))), "{refused:?}");
    assert!(no_lab.scenario().timeline.is_empty(), "a refused change is not recorded");
}

/// The stampede preset's lab figures after 30 s, pinned. The browser test compares against this
/// same file, so the lab gives identical numbers natively and in wasm. After an intended change
/// in behaviour, regenerate with `UPDATE_PINNED=1 cargo test -p scalelab-sim pinned`.
#[test]
fn pinned_run_of_the_stampede_lab() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/caching_stampede_30s.json");
    let scenario = (sim::presets::find("caching-stampede").unwrap().build)();
    let mut run = Sim::new(scenario.validate().unwrap());
    run.run_until(SimTime::from_secs(30));
    let lab = run.lab().unwrap();
    if std::env::var_os("UPDATE_PINNED").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(lab.counters()).unwrap() + "\n").unwrap();
    }
    let pinned: sim::caching::LabCounters = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(lab.counters(), &pinned, "behaviour changed: see the comment on this test");
}

#[test]
fn the_snapshot_shows_requests_and_responses_on_the_wire() {
    use sim::caching::{DotKind, Place, MAX_DOTS};
    let mut c = CachingConfig::default();
    c.shared_cache = true;
    c.users = 500;
    c.requests_per_user_s = 10.0;
    let lab = run(&c, 3, 5);
    let s = lab.snapshot();
    assert!(s.dots.len() <= MAX_DOTS && s.dots.len() <= s.flights, "{} dots, {} flights", s.dots.len(), s.flights);
    assert!(s.dots.iter().all(|d| (0.0..=1.0).contains(&d.progress) && d.from != d.to));
    let towards_origin = |d: &&sim::caching::Dot| d.from == Place::Browsers || d.to == Place::Origin;
    assert!(s.dots.iter().filter(towards_origin).all(|d| d.kind == DotKind::Request));
    assert!(s.dots.iter().any(|d| d.kind == DotKind::Request) && s.dots.iter().any(|d| d.kind != DotKind::Request));
    assert!(s.dots.iter().any(|d| d.kind == DotKind::NotModified), "the no-cache page's 304s travel too");
}
