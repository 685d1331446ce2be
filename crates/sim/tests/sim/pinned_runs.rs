//! Runs pinned across restructurings: for every preset without a caching lab, every algorithm at
//! scale, every command, a benchmark and the session-mode comparison, the trace hash and the
//! whole summary are held to `tests/fixtures/pinned_runs.jsonl`. A change that moves code
//! around must leave every line as it is. After an intended change in behaviour, regenerate
//! with `UPDATE_PINNED=1 cargo test -p scalelab-sim pinned_runs` and say why in the commit.

use sim::compare::{session_modes, HalfwayFailure};
use sim::presets::{self, bench};
use sim::scenario::{SessionMode, TimelineEntry};
use sim::{Algorithm, Command, Scenario, Sim, SimTime};

/// One pinned run: its name and everything it gave out, as one JSON value.
fn pinned(name: &str, figures: serde_json::Value) -> String {
    serde_json::json!({ "name": name, "figures": figures }).to_string()
}

fn run(scenario: Scenario, seconds: u64) -> serde_json::Value {
    let mut sim = Sim::new(scenario.validate().expect("valid"));
    sim.run_until(SimTime::from_secs(seconds));
    serde_json::to_value(sim.summary()).expect("summaries serialise")
}

fn at(seconds: f64, command: Command) -> TimelineEntry {
    TimelineEntry { recorded: false, at_us: SimTime::from_secs_f64(seconds).0, command }
}

fn every_pinned_run() -> Vec<String> {
    let mut lines = Vec::new();
    for preset in presets::PRESETS {
        let scenario = (preset.build)();
        if scenario.caching.is_none() && scenario.data.is_none() {
            lines.push(pinned(preset.name, run(scenario, 20)));
        }
    }
    for algorithm in Algorithm::ALL {
        lines.push(pinned(
            &format!("100 servers at 90%, {}", algorithm.key()),
            run(bench::pool_at_90_percent(100, algorithm), 2),
        ));
    }

    let mut changes = Scenario::default();
    changes.timeline = vec![
        at(1.0, Command::AddServer),
        at(1.5, Command::Slow { server: 0, factor: 3.0 }),
        at(2.0, Command::Hang { server: 1 }),
        at(3.0, Command::Crash { server: 2 }),
        at(4.0, Command::Resize { server: 3, concurrency: 8, speed: 2.0, weight: 3 }),
        at(5.0, Command::SetAlgorithm { algorithm: Algorithm::LeastConnections }),
        at(6.0, Command::Recover { server: 1 }),
        at(6.5, Command::Recover { server: 2 }),
        at(7.0, Command::SetArrivalRate { per_second: 420.0 }),
        at(8.0, Command::RemoveServer { server: 0 }),
        at(9.0, Command::SetPoolSize { servers: 7 }),
        at(12.0, Command::SetPoolSize { servers: 2 }),
    ];
    lines.push(pinned("every server command", run(changes, 16)));

    let mut store = (presets::find("sessions-database").expect("a preset").build)();
    store.timeline = vec![at(3.0, Command::CrashStore), at(5.0, Command::RecoverStore)];
    lines.push(pinned("session store crash", run(store, 10)));

    let mut edited = (presets::find("sessions-signed-cookie").expect("a preset").build)();
    edited.timeline = vec![at(2.0, Command::SetSessionCookie { user: 0, cookie: "eyJ1c2VyIjowfQ.Zm9v.YmFy".into() })];
    lines.push(pinned("edited cookie", run(edited, 5)));

    for flags in ["-n 3000 -c 20", "-n 2000 -c 50 -k", "-t 2 -c 8 -C session=abc"] {
        let args: Vec<String> = flags.split(' ').map(str::to_owned).collect();
        let (options, _) = sim::ab::parse(&args).expect("flags parse");
        let mut sim = Sim::benchmark(Scenario::default().validate().expect("valid"), options);
        while !sim.run_benchmark_within(100_000) {}
        let report = sim.load_tester().expect("a benchmark").report().text();
        let figures = serde_json::json!({ "summary": sim.summary(), "report": report });
        lines.push(pinned(&format!("ab {flags}"), figures));
    }

    let mut shop = Scenario::default();
    shop.clients.users = 200;
    shop.clients.arrival_rate = 200.0;
    shop.sessions.mode = SessionMode::OnServer;
    let reports = session_modes(&shop, SimTime::from_secs(10), HalfwayFailure::CrashServer).expect("valid");
    let figures: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| serde_json::json!({ "summary": r.summary, "busiest_over_mean": r.busiest_over_mean }))
        .collect();
    lines.push(pinned("session modes, server crash halfway", figures.into()));
    lines
}

#[test]
fn pinned_runs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pinned_runs.jsonl");
    let lines = every_pinned_run();
    if std::env::var_os("UPDATE_PINNED").is_some() {
        std::fs::write(path, lines.join("\n") + "\n").expect("fixture written");
    }
    let pinned = std::fs::read_to_string(path).expect("fixture read");
    let pinned: Vec<&str> = pinned.lines().collect();
    assert_eq!(pinned.len(), lines.len(), "a run was added or removed: see this file's comment");
    for (now, then) in lines.iter().zip(pinned) {
        assert_eq!(now, then, "behaviour changed: see this file's comment");
    }
}
