//! The simulated ApacheBench: its report against golden reports, its closed loop, and its
//! percentile table against queueing theory.

use sim::ab::{self, AbOptions};
use sim::scenario::SessionMode;
use sim::{presets, Algorithm, Scenario, Sim, SimTime};

/// ab's options from flags typed as in the page (split as a shell splits them).
fn options(flags: &str) -> AbOptions {
    ab::parse(&ab::split_flags(flags).unwrap()).unwrap().0
}

fn report(preset: &str, flags: &str) -> String {
    let mut sim = Sim::benchmark((presets::find(preset).unwrap().build)().validate().unwrap(), options(flags));
    assert!(sim.run_benchmark_within(u64::MAX));
    sim.load_tester().unwrap().report().text()
}

/// Reports as ab prints them, pinned. If the model changes on purpose, regenerate with
/// `UPDATE_GOLDEN_AB=1 cargo test -p scalelab-sim golden_ab` and read the diff.
#[test]
fn golden_ab_reports() {
    for (name, preset, flags) in [
        ("default-n1000-c10", "default", "-n 1000 -c 10"),
        ("default-n1000-c10-k", "default", "-n 1000 -c 10 -k"),
        ("default-n5000-c500-failures", "default", "-n 5000 -c 500"),
    ] {
        let got = report(preset, flags);
        let path = format!("{}/tests/fixtures/ab/{name}.txt", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("UPDATE_GOLDEN_AB").is_some() {
            std::fs::write(&path, &got).unwrap();
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(got, golden, "{name}: the report changed (see this test's comment)");
    }
}

#[test]
fn the_report_has_abs_lines_in_abs_order() {
    let text = report("default", "-n 5000 -c 500 -k");
    let order = [
        "Server Software:",
        "Server Hostname:",
        "Server Port:",
        "Document Path:",
        "Document Length:",
        "Concurrency Level:      500",
        "Time taken for tests:",
        "Complete requests:      5000",
        "Failed requests:",
        "   (Connect: 0, Receive: 0, Length: ",
        "Non-2xx responses:",
        "Keep-Alive requests:",
        "Total transferred:",
        "HTML transferred:",
        "Requests per second:",
        "Time per request:",
        "Time per request:",
        "Transfer rate:",
        "Connection Times (ms)",
        "              min  mean[+/-sd] median   max",
        "Connect:",
        "Processing:",
        "Waiting:",
        "Total:",
        "Percentage of the requests served within a certain time (ms)",
        "  50%",
        "  66%",
        "  75%",
        "  80%",
        "  90%",
        "  95%",
        "  98%",
        "  99%",
        " 100%",
    ];
    let mut lines = text.lines();
    for want in order {
        assert!(lines.any(|l| l.starts_with(want)), "missing or out of order: {want:?}\n{text}");
    }
}

#[test]
fn the_closed_loop_keeps_c_requests_in_flight_and_keep_alive_skips_the_handshake() {
    let run = |flags: &str| {
        let mut sim = Sim::benchmark(Scenario::default().validate().unwrap(), options(flags));
        sim.run_benchmark_within(u64::MAX);
        sim.load_tester().unwrap().report()
    };
    let close = run("-n 2000 -c 8");
    let keep = run("-n 2000 -c 8 -k");
    assert_eq!((close.complete, keep.complete), (2_000, 2_000));
    // Connect is one round trip (2 × 20 ms) per request without -k; with -k only the first
    // request of each of the 8 connections pays it.
    assert_eq!(close.rows.unwrap()[0].mean, 40);
    assert_eq!(keep.rows.unwrap()[0].max, 40);
    assert_eq!(keep.rows.unwrap()[0].median, 0);
    assert_eq!(keep.keepalive_responses, 2_000);
    // Little's law for the closed loop: c = throughput × time per request.
    let little = close.requests_per_second() * close.rows.unwrap()[3].mean as f64 / 1_000.0;
    assert!((little - 8.0).abs() < 0.1, "{little}");
    // ab's own identity between its two "Time per request" lines.
    assert!((close.time_per_request_ms() - 8.0 * close.time_per_request_across_ms()).abs() < 1e-9);
    // Same scenario, seed and flags: the same report.
    assert_eq!(run("-n 2000 -c 8").text(), close.text());
}

/// ab keeps no cookies and runs on one machine, whatever the scenario's users do: under
/// HAProxy's cookie insert every request is balanced afresh (it never sends the cookie back)
/// unless -C names a server; a source-address stick table and `hash $user consistent` (no user
/// cookie) send all of it to one server. Four servers, six users, round robin.
#[test]
fn ab_is_one_client_with_no_cookie_jar() {
    let spread = |mode: SessionMode, algorithm: Algorithm, flags: &str| {
        let mut s = Scenario::default();
        (s.sessions.mode, s.balancer.algorithm, s.clients.users) = (mode, algorithm, 6);
        let mut sim = Sim::benchmark(s.validate().unwrap(), options(flags));
        assert!(sim.run_benchmark_within(u64::MAX));
        sim.busiest_over_mean()
    };
    let rr = Algorithm::RoundRobin;
    // Pinning each of 40 connections as if it were one of six users would load the servers
    // 2:2:1:1 (busiest 1.33 × the mean).
    assert!(spread(SessionMode::StickyCookie, rr, "-n 4000 -c 40") < 1.05);
    assert_eq!(spread(SessionMode::StickyCookie, rr, "-n 4000 -c 40 -C 'SERVERID=s2'"), 4.0);
    assert_eq!(spread(SessionMode::StickyCookie, rr, "-n 4000 -c 40 -H 'Cookie: SERVERID=s2'"), 4.0);
    assert_eq!(spread(SessionMode::SourceAddress, rr, "-n 4000 -c 40"), 4.0);
    assert_eq!(spread(SessionMode::None, Algorithm::ConsistentHash, "-n 4000 -c 40"), 4.0);
    assert!(spread(SessionMode::OnServer, rr, "-n 4000 -c 40") < 1.05);
    // With no session id, Flask-Session neither reads nor saves: the store is never asked, so
    // the run takes exactly as long as with no sessions at all.
    let timings = |mode: SessionMode| {
        let mut s = Scenario::default();
        (s.sessions.mode, s.sessions.store.op_ms) = (mode, 5.0);
        let mut sim = Sim::benchmark(s.validate().unwrap(), options("-n 2000 -c 20"));
        assert!(sim.run_benchmark_within(u64::MAX));
        let r = sim.load_tester().unwrap().report();
        (r.time_taken_s, r.percentiles)
    };
    assert_eq!(timings(SessionMode::Database), timings(SessionMode::None));
}

/// A Flask-Session id in ab's `-C` cookie is a logged-in page view: every request reads the
/// session from the store and saves it back. The store's one thread at 5 ms an operation does
/// 200 operations a second, so ab gets at most 100 requests a second, whatever the servers can do.
#[test]
fn ab_with_a_session_id_reads_and_saves_the_session_in_the_store() {
    let run = |flags: &str| {
        let mut s = Scenario::default();
        (s.sessions.mode, s.sessions.store.op_ms, s.sessions.store.concurrency) = (SessionMode::Database, 5.0, 1);
        let mut sim = Sim::benchmark(s.validate().unwrap(), options(flags));
        assert!(sim.run_benchmark_within(u64::MAX));
        let r = sim.load_tester().unwrap().report();
        (sim.summary().requests.store_ops, r.complete, r.requests_per_second())
    };
    let (anonymous_ops, _, anonymous_rps) = run("-n 2000 -c 20");
    assert_eq!(anonymous_ops, 0);
    assert!(anonymous_rps > 130.0, "{anonymous_rps}");
    let sid = "k3Jd0xQ_TvUu1r8pZs2bW9aYc4Ee5Ff6Gg7Hh8Ii9Jj";
    let (ops, complete, rps) = run(&format!("-n 2000 -c 20 -C 'session={sid}'"));
    assert_eq!(ops, 2 * complete, "a read and a write per request");
    assert!(rps > 95.0 && rps <= 100.0, "{rps} requests/s");
    assert_eq!(run("-n 100 -c 2 -C 'lang=en; session='").0, 0, "an empty session id is no session");
}

/// ab counts every byte it reads: under HAProxy's cookie insert each response to it carries
/// `set-cookie: SERVERID=s<n>; path=/` and `cache-control: private` (57 bytes for servers 1 to 9)
/// unless its -C cookie names that server, and the app adds `Vary: Cookie` (14) once it keeps
/// sessions.
#[test]
fn total_transferred_counts_the_headers_persistence_adds() {
    let per_response = |mode: SessionMode, flags: &str| {
        let mut s = Scenario::default();
        s.sessions.mode = mode;
        let mut sim = Sim::benchmark(s.validate().unwrap(), options(flags));
        assert!(sim.run_benchmark_within(u64::MAX));
        let r = sim.load_tester().unwrap().report();
        assert_eq!(r.non_2xx, 0);
        (r.total_read - r.html_read) / r.complete
    };
    let plain = per_response(SessionMode::None, "-n 1000 -c 10");
    assert_eq!(plain, ab::Response::Ok.head(false).len() as u64);
    assert_eq!(per_response(SessionMode::Database, "-n 1000 -c 10"), plain + 14);
    assert_eq!(per_response(SessionMode::StickyCookie, "-n 1000 -c 10"), plain + 14 + 57);
    assert_eq!(per_response(SessionMode::StickyCookie, "-n 1000 -c 10 -C SERVERID=s3"), plain + 14);
    // Flask-Session refreshes a permanent session's cookie on every response:
    // `Set-Cookie: session=<43 characters>; Expires=<29>; HttpOnly; Path=/` and CRLF: 122 bytes.
    let sid = "k3Jd0xQ_TvUu1r8pZs2bW9aYc4Ee5Ff6Gg7Hh8Ii9Jj";
    assert_eq!(per_response(SessionMode::Database, &format!("-n 1000 -c 10 -C session={sid}")), plain + 14 + 122);
    assert_eq!(per_response(SessionMode::OnServer, &format!("-n 1000 -c 10 -C session={sid}")), plain + 14);
}

#[test]
fn a_time_limit_stops_the_run_and_implies_50000_requests() {
    let options = options("-t 5 -c 4");
    assert_eq!(options.requests, ab::TIMED_REQUESTS);
    let mut sim = Sim::benchmark(Scenario::default().validate().unwrap(), options);
    sim.run_benchmark_within(u64::MAX);
    let r = sim.load_tester().unwrap().report();
    assert!(r.time_taken_s <= 5.0 && r.time_taken_s > 4.8, "{}", r.time_taken_s);
    assert!(r.complete > 100 && r.complete < 1_000, "{}", r.complete);
}

#[test]
fn a_response_slower_than_the_timeout_stops_ab() {
    let options = AbOptions { requests: 200, concurrency: 2, timeout_s: 1, ..AbOptions::default() };
    let mut sim = Sim::benchmark((presets::find("hung-server").unwrap().build)().validate().unwrap(), options);
    sim.run_benchmark_within(u64::MAX);
    let tester = sim.load_tester().unwrap();
    let at = tester.timed_out_at().expect("timed out");
    // The server hangs at 5 s; a request stuck there is given up 1 s after it was sent.
    assert!(at > SimTime::from_secs(5) && at < SimTime::from_secs(7), "{at:?}");
}

/// One M/M/1 server at 80% load (λ = 40/s, μ = 50/s, no network): response times are
/// exponential with mean 1/(μ − λ) = 100 ms, so the p-th percentile is −ln(1 − p) × 100 ms.
/// ab's table over 8 seeds × 2,000 s: each percentile's mean within 5% of theory.
#[test]
fn the_percentile_table_of_mm1_agrees_with_the_exponential_quantiles() {
    let seeds = 8;
    let mut sums = [0.0; 8];
    for seed in 0..seeds {
        let mut s = (presets::find("mm1").unwrap().build)();
        s.seed = seed;
        let mut sim = Sim::new(s.validate().unwrap());
        sim.run_until(SimTime::from_secs(100));
        sim.observe_as_ab();
        sim.run_until(SimTime::from_secs(2_100));
        let r = sim.observed_report().unwrap();
        for (i, &(_, ms)) in r.percentiles.iter().take(8).enumerate() {
            sums[i] += ms as f64;
        }
    }
    for (i, p) in [50.0, 66.0, 75.0, 80.0, 90.0, 95.0, 98.0, 99.0].iter().enumerate() {
        let theory = -libm::log(1.0 - p / 100.0) * 100.0;
        let got = sums[i] / seeds as f64;
        println!("p{p}: {got:.1} ms (theory {theory:.1})");
        assert!((got / theory - 1.0).abs() < 0.05, "p{p}: {got:.1} ms, theory {theory:.1}");
    }
}
