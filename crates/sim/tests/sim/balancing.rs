//! Load balancing and health checks against the real systems' behaviour and against theory:
//! seeded statistical tests, each with its tolerance stated beside it.

use sim::components::balancer::{Balancer, RequestKey};
use sim::components::clients::Clients;
use sim::rng::Rng;
use sim::scenario::{ServerOverride, TimelineEntry};
use sim::snapshot::Gauges;
use sim::{Algorithm, Command, Scenario, ServiceTime, Sim, SimTime};

fn valid(s: Scenario) -> sim::ValidScenario {
    s.validate().expect("test scenario is valid")
}

/// Ten one-slot servers, exponential 20 ms service, no network, offered 90% of capacity.
fn ten_servers_at_90_percent(algorithm: Algorithm, seed: u64) -> Scenario {
    let mut s = Scenario::default();
    s.seed = seed;
    s.balancer.algorithm = algorithm;
    s.servers.count = 10;
    s.servers.concurrency = 1;
    s.servers.queue_limit = 100_000;
    s.servers.service = ServiceTime::Exponential { mean_ms: 20.0 };
    s.network.link_latency_ms = 0.0;
    s.clients.arrival_rate = 450.0;
    s.clients.timeout_ms = 600_000.0;
    s.health_check.enabled = false;
    s
}

#[test]
fn p99_orders_random_round_robin_two_choices_least_connections() {
    // Same seeded traffic for every algorithm (traffic has its own random stream). The p99 is
    // averaged over 6 seeds × 300 s; each step of the order must hold by at least 10%.
    let p99 = |algorithm| {
        (0..6)
            .map(|seed| {
                sim::run_for(valid(ten_servers_at_90_percent(algorithm, seed)), SimTime::from_secs(300)).latency_ms.p99
            })
            .sum::<f64>()
            / 6.0
    };
    let random = p99(Algorithm::Random);
    let round_robin = p99(Algorithm::RoundRobin);
    let two = p99(Algorithm::PowerOfTwoChoices);
    let least = p99(Algorithm::LeastConnections);
    let order = [random, round_robin, two, least];
    eprintln!(
        "p99 [ms] random {random:.1}, round robin {round_robin:.1}, two choices {two:.1}, least connections {least:.1}"
    );
    assert!(order.windows(2).all(|w| w[0] > 1.1 * w[1]), "p99 [ms]: random, RR, P2C, LC = {order:?}");
}

#[test]
fn random_balancing_is_ten_m_m_1_queues() {
    // Random splitting of Poisson traffic gives each server an M/M/1 queue at ρ = 0.9, whose mean
    // response time is 1/(μ − λ) = 20 ms / 0.1 = 200 ms. Tolerance 8%, 6 seeds × 300 s.
    let mean = (0..6)
        .map(|seed| sim::run_for(valid(ten_servers_at_90_percent(Algorithm::Random, seed)), SimTime::from_secs(300)))
        .map(|s| s.latency_ms.mean)
        .sum::<f64>()
        / 6.0;
    assert!((mean - 200.0).abs() / 200.0 < 0.08, "mean = {mean}");
}

#[test]
fn weights_5_1_1_split_traffic_5_1_1() {
    let mut s = Scenario::default();
    s.servers.count = 3;
    s.clients.arrival_rate = 100.0;
    s.servers.custom = vec![ServerOverride { server: 0, concurrency: None, speed: None, weight: Some(5) }];
    // The weight-proportional algorithms (load-aware ones weigh load, not shares).
    for algorithm in [Algorithm::RoundRobin, Algorithm::Random] {
        s.balancer.algorithm = algorithm;
        let mut sim = Sim::new(valid(s.clone()));
        sim.run_until(SimTime::from_secs(70));
        let served: Vec<u64> =
            sim.snapshot(0).nodes[2..].iter().map(|n| n.gauges.machine().map_or(0, |m| m.served)).collect();
        let total: u64 = served.iter().sum();
        let share = served[0] as f64 / total as f64;
        // Tolerance: 0.03 for the random ones; round robin is exact up to the last round.
        assert!((share - 5.0 / 7.0).abs() < 0.03, "{algorithm:?}: {served:?}");
    }
}

fn keys_moved(algorithm: Algorithm, servers: u32, users: u32) -> f64 {
    let place = |count: u32| -> Vec<u32> {
        let mut b = Balancer::new(algorithm, None);
        for _ in 0..count {
            b.add_server(1, 1, true);
        }
        let mut rng = Rng::from_seed(0);
        (0..users)
            .map(|user| {
                let server = b.pick(RequestKey { user, address: Clients::address_of(user) }, &mut rng, &[]).unwrap();
                b.on_response(server, None, SimTime::ZERO);
                server
            })
            .collect()
    };
    let before = place(servers);
    let after = place(servers + 1);
    before.iter().zip(&after).filter(|(a, b)| a != b).count() as f64 / f64::from(users)
}

#[test]
fn adding_a_server_moves_few_keys_under_consistent_hashing_and_most_under_modulo() {
    // N = 10 → 11 servers, 20,000 users. Consistent hashing moves ≈ 1/(N+1) = 0.091 of the keys
    // (tolerance 0.03: 160 points per server leave some unevenness); nginx ip_hash, a modulo
    // hash, moves ≈ N/(N+1) = 0.909 (tolerance 0.05).
    let consistent = keys_moved(Algorithm::ConsistentHash, 10, 20_000);
    let modulo = keys_moved(Algorithm::SourceIpHash, 10, 20_000);
    eprintln!("keys moved going from 10 to 11 servers: consistent {consistent:.4}, ip_hash {modulo:.4}");
    assert!((consistent - 1.0 / 11.0).abs() < 0.03, "consistent hashing moved {consistent}");
    assert!((modulo - 10.0 / 11.0).abs() < 0.05, "ip_hash moved {modulo}");
}

/// Runs until the server leaves rotation; returns how long after `fault_at` that was.
fn time_to_mark_down(fault: Command, fault_at: SimTime, seed: u64) -> SimTime {
    let mut s = Scenario::default();
    s.seed = seed;
    s.timeline = vec![TimelineEntry { recorded: false, at_us: fault_at.0, command: fault }];
    let mut sim = Sim::new(valid(s));
    while sim.active_servers().contains(&1) {
        assert!(sim.step());
        assert!(sim.now() < SimTime::from_secs(60), "never marked down");
    }
    sim.now() - fault_at
}

#[test]
fn a_server_that_stops_answering_is_marked_down_after_fall_to_fall_plus_one_intervals() {
    // HAProxy defaults: inter 2 s, fall 3; a hung server fails each check at its timeout (= inter).
    let interval = SimTime::from_secs(2);
    for (i, at_ms) in [1_000u64, 1_337, 2_500, 3_999, 7_123].iter().enumerate() {
        let at = SimTime::from_millis(*at_ms);
        let hung = time_to_mark_down(Command::Hang { server: 1 }, at, i as u64);
        let crashed_after = time_to_mark_down(Command::Crash { server: 1 }, at, i as u64);
        eprintln!("fault at {at}: hung server down after {hung}, crashed server after {crashed_after}");
        assert!(hung >= SimTime(3 * interval.0) && hung <= SimTime(4 * interval.0), "hang at {at}: down after {hung}");
        // A crashed server refuses the connection at once, so it goes down one interval sooner
        // (each check fails after a round trip of 40 ms).
        let crashed = time_to_mark_down(Command::Crash { server: 1 }, at, i as u64);
        let rtt = SimTime::from_millis(40);
        assert!(
            crashed >= SimTime(2 * interval.0) && crashed <= SimTime(3 * interval.0) + rtt,
            "crash at {at}: {crashed}"
        );
    }
}

#[test]
fn round_robin_feeds_a_hung_server_until_its_heartbeat_fails_then_stops() {
    let mut s = Scenario::default();
    s.timeline =
        vec![TimelineEntry { recorded: false, at_us: SimTime::from_secs(5).0, command: Command::Hang { server: 1 } }];
    let mut sim = Sim::new(valid(s));
    sim.run_until(SimTime::from_secs(30));
    let c = sim.metrics().counters;
    // Until it is marked down (6 to 8 s after the hang) it takes a quarter of the traffic: the
    // 2 + 50 requests it can hold (slots and queue) time out after the 10 s client timeout, and
    // the rest find its queue full (503): about 6 s × 300/s / 4 = 450 errors in all.
    assert_eq!(c.timed_out, 52, "{c:?}");
    assert!(c.timed_out + c.rejected > 400, "{c:?}");
    let hung = sim.snapshot(0).nodes.into_iter().find(|n| n.label == "Server 2").unwrap();
    let hung = *hung.gauges.server().expect("a server");
    assert!(!hung.in_rotation);
    let before = hung.outstanding;
    sim.run_until(SimTime::from_secs(40));
    let later = sim.snapshot(0).nodes.into_iter().find(|n| n.label == "Server 2").unwrap();
    assert_eq!(
        later.gauges.server().expect("a server").outstanding,
        before,
        "it got new requests after it was marked down"
    );
}

#[test]
fn redispatch_saves_requests_that_a_dead_server_refuses() {
    let crashed = |redispatch: bool| {
        let mut s = Scenario::default();
        s.health_check.enabled = false; // never detected: only redispatch can help
        s.balancer.redispatch = redispatch;
        s.timeline = vec![TimelineEntry { recorded: false, at_us: 0, command: Command::Crash { server: 0 } }];
        sim::run_for(valid(s), SimTime::from_secs(20))
    };
    let without = crashed(false);
    let with = crashed(true);
    // Round robin sends a quarter of the requests to the dead server.
    let share = without.requests.failed as f64 / without.requests.arrived as f64;
    assert!((share - 0.25).abs() < 0.01, "{:?}", without.requests);
    assert_eq!(with.requests.failed, 0, "{:?}", with.requests);
    assert!(with.requests.retried > 1_000, "{:?}", with.requests);
}

#[test]
fn a_crash_fails_what_the_server_held_and_recovery_brings_it_back() {
    let mut s = Scenario::default();
    s.timeline = vec![
        TimelineEntry { recorded: false, at_us: SimTime::from_secs(3).0, command: Command::Crash { server: 2 } },
        TimelineEntry { recorded: false, at_us: SimTime::from_secs(20).0, command: Command::Recover { server: 2 } },
    ];
    let mut sim = Sim::new(valid(s));
    sim.run_until(SimTime::from_secs(19));
    assert!(!sim.active_servers().contains(&2));
    assert!(sim.metrics().counters.failed > 0);
    sim.run_until(SimTime::from_secs(26));
    assert!(sim.active_servers().contains(&2), "rise = 2 checks should bring it back within 6 s");
}

#[test]
fn changes_made_while_running_replay_exactly_from_the_link() {
    let mut live = Sim::new(valid(Scenario::default()));
    live.run_until(SimTime::from_millis(2_345));
    live.schedule(Command::Hang { server: 0 }).unwrap();
    live.run_until_within(SimTime::from_secs(4), 777);
    live.schedule(Command::AddServer).unwrap();
    live.schedule(Command::SetAlgorithm { algorithm: Algorithm::LeastConnections }).unwrap();
    live.run_until(SimTime::from_millis(9_001));
    live.schedule(Command::Recover { server: 0 }).unwrap();
    live.schedule(Command::Resize { server: 2, concurrency: 4, speed: 2.0, weight: 3 }).unwrap();
    live.run_until(SimTime::from_millis(12_500));
    live.schedule(Command::SetPoolSize { servers: 9 }).unwrap();
    live.run_until(SimTime::from_secs(15));
    assert_eq!(live.pool().len(), 9);
    assert_eq!(live.scenario().timeline.len(), 6);
    let text = sim::link::encode(live.scenario(), live.now());
    let shared = sim::link::decode(&text).unwrap();
    let mut replay = Sim::new(shared.scenario);
    replay.run_until(shared.at);
    assert_eq!(live.summary(), replay.summary());
    assert!(live.refused_commands().is_empty());
}

#[test]
fn a_change_before_a_scenario_s_own_timeline_entry_keeps_the_timeline_in_order() {
    // The hung-server preset hangs server 1 at 5 s; a student crashes server 2 at 1 s.
    let mut live = Sim::new(valid((sim::presets::find("hung-server").unwrap().build)()));
    live.run_until(SimTime::from_secs(1));
    live.schedule(Command::Crash { server: 1 }).unwrap();
    live.run_until(SimTime::from_secs(8));
    let at: Vec<u64> = live.scenario().timeline.iter().map(|e| e.at_us).collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "{at:?}");
    let shared = sim::link::decode(&sim::link::encode(live.scenario(), live.now())).expect("a valid link");
    let mut replay = Sim::new(shared.scenario);
    replay.run_until(shared.at);
    assert_eq!(live.summary(), replay.summary());
}

#[test]
fn the_pool_size_command_adds_servers_or_drains_the_newest() {
    let mut sim = Sim::new(valid(Scenario::default()));
    sim.run_until(SimTime::from_secs(1));
    sim.schedule(Command::SetPoolSize { servers: 7 }).unwrap();
    sim.run_until(SimTime::from_secs(10));
    assert_eq!(sim.pool(), vec![0, 1, 2, 3, 4, 5, 6]);
    assert!(sim.active_servers().contains(&6), "the new servers passed their health checks");
    // Server 2 crashed: it is out of rotation, so it goes before the newest (as the autoscaler,
    // and a Kubernetes ReplicaSet, pick).
    sim.schedule(Command::Crash { server: 2 }).unwrap();
    sim.run_until(SimTime::from_secs(20));
    sim.schedule(Command::SetPoolSize { servers: 4 }).unwrap();
    sim.run_until(SimTime::from_secs(21));
    assert_eq!(sim.pool(), vec![0, 1, 3, 4]);
    assert_eq!(sim.scenario().timeline.len(), 3, "one entry per change, however many servers");
    assert!(sim.refused_commands().is_empty());
}

#[test]
fn commands_for_servers_that_are_not_there_are_refused() {
    let mut sim = Sim::new(valid(Scenario::default()));
    assert_eq!(sim.schedule(Command::Crash { server: 9 }), Err(sim::CommandError::NoSuchServer(9)));
    assert!(sim.schedule(Command::Slow { server: 0, factor: 0.5 }).is_err());
    assert!(sim.scenario().timeline.is_empty(), "a refused command is not recorded");
}

#[test]
fn cost_is_slots_times_speed_times_price_over_time() {
    // 4 servers × 2 slots × $0.048 per slot-hour = $0.384 per hour.
    let summary = sim::run_for(valid(Scenario::default()), SimTime::from_secs(3_600));
    assert!((summary.cost_dollars - 0.384).abs() < 1e-9, "{}", summary.cost_dollars);
    // Four servers for 1.5 h and a fifth for the last 0.5 h: 6 + 0.5 server-hours.
    let mut sim = Sim::new(valid(Scenario::default()));
    sim.run_until(SimTime::from_secs(3_600));
    sim.apply(Command::AddServer).unwrap();
    sim.run_until(SimTime::from_secs(5_400));
    assert!((sim.server_hours() - 6.5).abs() < 1e-9, "{}", sim.server_hours());
}

/// `n` one-slot servers behind HAProxy `first`, exponential 20 ms service, no network.
fn first_available(servers: u32, arrival_rate: f64, seed: u64) -> Scenario {
    let mut s = ten_servers_at_90_percent(Algorithm::FirstAvailable, seed);
    s.servers.count = servers;
    s.clients.arrival_rate = arrival_rate;
    s
}

/// The balancer's backend queue, from the snapshot's balancer node.
fn backend_queue(sim: &Sim) -> u32 {
    backend_queue_of(&sim.snapshot(0))
}

fn backend_queue_of(snap: &sim::Snapshot) -> u32 {
    match snap.nodes[1].gauges {
        Gauges::Balancer { queued, .. } => queued,
        other => panic!("not the balancer: {other:?}"),
    }
}

/// What waits in server `node`'s own queue, and what it served.
fn server_queue_and_served(snap: &sim::Snapshot, node: usize) -> (u32, u64) {
    let m = snap.nodes[node].gauges.machine().expect("a server");
    (m.queue_len, m.served)
}

#[test]
fn first_available_with_its_backend_queue_is_m_m_c() {
    // Every server at its maxconn: the request waits in one shared queue at the balancer and
    // takes the first slot that frees, so four one-slot servers are one M/M/4 queue. λ = 150/s,
    // 1/μ = 20 ms: a = 3, C = 27/53, Wq = C/(cμ − λ) = 10.19 ms, W = 30.19 ms. Tolerance: 5% on
    // the means, 0.02 absolute on P(wait); 8 seeds × 600 s. (Sending the request to the least
    // loaded server's own queue instead, as this model did before, waits a third longer.)
    let c = super::erlang_c(4, 3.0);
    let expected_wq = c / (4.0 * 50.0 - 150.0) * 1_000.0;
    let (mut wq, mut p_wait, mut w) = (0.0, 0.0, 0.0);
    for seed in 0..8 {
        let mut sim = Sim::new(valid(first_available(4, 150.0, seed)));
        sim.run_until(SimTime::from_secs(600));
        wq += sim.metrics().mean_queue_wait_ms() / 8.0;
        p_wait += sim.metrics().probability_of_waiting() / 8.0;
        w += sim.summary().latency_ms.mean / 8.0;
        assert_eq!(sim.summary().requests.rejected, 0, "nothing waits 5 s at 75% load");
    }
    assert!((wq - expected_wq).abs() / expected_wq < 0.05, "Wq = {wq}, theory {expected_wq}");
    assert!((p_wait - c).abs() < 0.02, "P(wait) = {p_wait}, theory {c}");
    assert!((w - (expected_wq + 20.0)).abs() / (expected_wq + 20.0) < 0.05, "W = {w}");
}

#[test]
fn the_backend_queue_answers_503_at_its_timeout_and_servers_never_queue() {
    // One one-slot server offered twice what it serves, fixed 20 ms requests, `timeout queue`
    // 200 ms: about half the requests get the balancer's 503, and no answer took longer than the
    // queue timeout plus one service.
    let mut s = first_available(1, 100.0, 3);
    s.servers.service = ServiceTime::Fixed { mean_ms: 20.0 };
    s.balancer.queue_timeout_ms = 200.0;
    let mut sim = Sim::new(valid(s));
    let mut deepest = 0;
    for tenth in 1..=600 {
        sim.run_until(SimTime::from_millis(tenth * 100));
        let snap = sim.snapshot(0);
        assert_eq!(server_queue_and_served(&snap, 2).0, 0, "the server's own queue is never used");
        deepest = deepest.max(backend_queue(&sim));
    }
    let summary = sim.summary();
    let answered_share = summary.requests.completed as f64 / summary.requests.arrived as f64;
    assert!((answered_share - 0.5).abs() < 0.03, "{answered_share}");
    assert!(summary.requests.rejected > 2_500, "{:?}", summary.requests);
    assert!(summary.latency_ms.max <= 220.0 + 0.5, "{}", summary.latency_ms.max);
    // At 100/s for 200 ms the queue holds about 20.
    assert!((10..=40).contains(&deepest), "{deepest}");
}

#[test]
fn a_server_added_while_requests_wait_takes_the_oldest_at_once() {
    let mut sim = Sim::new(valid(first_available(1, 200.0, 5)));
    sim.run_until(SimTime::from_secs(2));
    let waiting = backend_queue(&sim);
    assert!(waiting >= 2, "{waiting}");
    sim.apply(Command::AddServer).unwrap();
    assert_eq!(backend_queue(&sim), waiting - 1, "the new server's one slot goes to the queue");
    // Another algorithm does not wait for slots: the queue empties at once.
    sim.apply(Command::SetAlgorithm { algorithm: Algorithm::RoundRobin }).unwrap();
    assert_eq!(backend_queue(&sim), 0);
}

#[test]
fn a_request_that_persistence_sends_to_a_full_server_waits_in_that_servers_queue() {
    // HAProxy `first` with a sticky cookie and one user: the cookie pins every request to server
    // 1, whose one slot (its maxconn) is busy, so requests wait in server 1's queue at the
    // balancer ("server queues are only for requests which target a specific server", Willy
    // Tarreau on the HAProxy list): never in the server's own queue, never on server 2 (the
    // cookie wins), and those that wait longer than `timeout queue` get the balancer's 503.
    let mut s = first_available(2, 100.0, 3);
    s.sessions.mode = sim::scenario::SessionMode::StickyCookie;
    s.clients.users = 1;
    s.balancer.queue_timeout_ms = 200.0;
    let mut sim = Sim::new(valid(s));
    let mut most_waiting = 0;
    for tenth in 1..=100 {
        sim.run_until(SimTime::from_millis(100 * tenth));
        let snap = sim.snapshot(0);
        most_waiting = most_waiting.max(backend_queue_of(&snap));
        assert_eq!(server_queue_and_served(&snap, 2).0, 0, "the server's own queue is never used");
        assert_eq!(server_queue_and_served(&snap, 3).1, 0, "the cookie keeps the user on server 1");
    }
    let c = sim.summary().requests;
    assert!(most_waiting >= 2, "{most_waiting}");
    // 100 requests/s offered, 50/s served (one 20 ms slot): about half time out in the queue.
    assert!(c.completed > 400 && c.rejected > 300, "{c:?}");
    // Another algorithm sets no maxconn: the waiting requests go to their server at once.
    sim.apply(Command::SetAlgorithm { algorithm: Algorithm::RoundRobin }).unwrap();
    assert_eq!(backend_queue(&sim), 0);
}

#[test]
fn requests_waiting_for_a_server_that_leaves_are_redispatched_only_with_redispatch() {
    // As above, and server 1 leaves the pool while requests wait for it. With `option redispatch`
    // they join the backend queue and server 2 takes them; without it they wait for server 1
    // until `timeout queue` (2 s here).
    let run = |redispatch: bool| {
        let mut s = first_available(2, 100.0, 4);
        s.sessions.mode = sim::scenario::SessionMode::StickyCookie;
        s.clients.users = 1;
        s.balancer.queue_timeout_ms = 2_000.0;
        s.balancer.redispatch = redispatch;
        let mut sim = Sim::new(valid(s));
        sim.run_until(SimTime::from_secs(1));
        let waiting = backend_queue(&sim);
        assert!(waiting >= 2, "{waiting}");
        sim.apply(Command::RemoveServer { server: 0 }).unwrap();
        (waiting, backend_queue(&sim))
    };
    let (waiting, left) = run(true);
    assert!(left < waiting, "server 2 took the first at once: {left} of {waiting} left");
    let (waiting, left) = run(false);
    assert_eq!(left, waiting, "still waiting for server 1");
}

#[test]
fn maxconn_has_to_cover_the_round_trip() {
    // The `first-available` preset, the default scenario (4 servers × 2 slots, 20 ms requests,
    // 20 ms links, 300 requests/s) under `first`: a connection is held for the trip to the server, the work and the trip
    // back, 60 ms on average, so maxconn 2 lets through at most 8 / 60 ms = 133 requests/s
    // (Little's law), the rest time out in the backend queue, and the servers are busy only a
    // third of the time. maxconn 6 covers the round trip and serves everything.
    let run = |max_conn: Option<u32>| {
        let mut s = (sim::presets::find("first-available").unwrap().build)();
        s.balancer.max_conn = max_conn;
        sim::run_for(valid(s), SimTime::from_secs(120))
    };
    let slots = run(None);
    let throughput = slots.requests.completed as f64 / 120.0;
    assert!((throughput - 133.3).abs() < 133.3 * 0.05, "{throughput} requests/s");
    assert!(slots.requests.rejected as f64 > 0.4 * slots.requests.arrived as f64, "{:?}", slots.requests);
    let covered = run(Some(6));
    assert_eq!(covered.requests.rejected, 0);
    assert!(covered.latency_ms.p99 < 500.0, "{:?}", covered.latency_ms);
}

#[test]
fn a_client_gives_up_on_time_while_its_request_waits_at_the_balancer() {
    // The only server hangs, so the backend queue never moves; the queue timeout (60 s) is
    // longer than the clients' (1 s): they count their timeouts at 1 s, not when the balancer's
    // 503 comes back. After 10 s that is every request but the last second's.
    let mut s = first_available(1, 100.0, 4);
    s.balancer.queue_timeout_ms = 60_000.0;
    s.clients.timeout_ms = 1_000.0;
    s.timeline = vec![TimelineEntry {
        recorded: false,
        at_us: SimTime::from_millis(100).0,
        command: Command::Hang { server: 0 },
    }];
    let mut sim = Sim::new(valid(s));
    sim.run_until(SimTime::from_secs(10));
    let c = sim.summary().requests;
    assert!(c.timed_out > 800, "{c:?}");
    assert_eq!(c.rejected, 0, "no queue timeout yet");
}
