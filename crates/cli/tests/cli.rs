//! The CLI as a user meets it: real process, real arguments, real exit codes.

use std::process::{Command, Output};

fn scalelab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalelab")).args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_json_reports_the_pinned_figures_of_the_default_scenario() {
    let out = scalelab(&["run", "--duration", "10", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let pinned: serde_json::Value =
        serde_json::from_str(include_str!("../../sim/tests/fixtures/default_seed42_10s.json")).unwrap();
    assert_eq!(got, pinned);
    for key in ["events_processed", "requests", "latency_ms"] {
        assert!(got.get(key).is_some(), "{key}");
    }
}

#[test]
fn run_json_reports_every_part_the_scenario_has() {
    let out = scalelab(&["run", "caching-stampede", "--duration", "30", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let pinned: serde_json::Value =
        serde_json::from_str(include_str!("../../sim/tests/fixtures/caching_stampede_30s.json")).unwrap();
    assert_eq!(got["caching"]["counters"], pinned, "the lab's pinned figures");
    assert_eq!(got["requests"]["arrived"], 0, "no request path runs under the lab");
    assert!(got.get("autoscaler").is_none());

    let out = scalelab(&["run", "autoscale-spike", "--duration", "200", "--json"]);
    let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let decisions = got["autoscaler"]["decisions"].as_array().expect("the autoscaler's decisions");
    assert!(decisions.len() >= 2, "{decisions:?}");
    assert!(got.get("caching").is_none());
}

#[test]
fn run_prints_a_readable_report_and_seed_changes_the_run() {
    let a = stdout(&scalelab(&["run", "overload", "--duration", "5"]));
    assert!(a.contains("Scenario:             overload"), "{a}");
    assert!(a.contains("Rejected (503, queue full):"), "{a}");
    let b = stdout(&scalelab(&["run", "overload", "--duration", "5", "--seed", "8"]));
    assert_ne!(a, b);
}

#[test]
fn presets_and_show_give_a_starting_point_that_runs() {
    let list = stdout(&scalelab(&["presets"]));
    assert!(list.contains("mm1") && list.contains("default"), "{list}");
    let shown = scalelab(&["show", "mmc"]);
    assert!(shown.status.success());
    let dir = std::env::temp_dir().join(format!("scalelab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mmc.json");
    std::fs::write(&file, &shown.stdout).unwrap();
    let out = scalelab(&["run", file.to_str().unwrap(), "--duration", "2", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_share_link_runs_to_its_position() {
    let scenario = sim::Scenario::default();
    let text = sim::link::encode(&scenario, sim::SimTime::from_secs(10));
    let url = format!("http://127.0.0.1:8080/#{text}");
    let out = scalelab(&["run", &url, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(got["simulated_seconds"], 10.0);
}

#[test]
fn bad_input_names_the_problem_and_exits_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "no-such-thing"], "is not a preset, a file or a share link"),
        (&["run", "missing.json"], "cannot read `missing.json`"),
        (&["run", "#v1.AAAA"], "the link is damaged"),
        (&["ab", "-n", "10", "https://example.org/?lesson=benchmarking"], "a web address with no scenario in it"),
        (&["run", "#v7.AAAA"], "format version 7"),
        (&["run", "--duration", "-1"], "--duration must be more than 0"),
        (&["run", "--seed", "x"], "--seed must be a whole number"),
        (&["run", "--bogus"], "unknown option `--bogus`"),
        (&["show", "nope"], "there is no preset named `nope`"),
        (&["fly"], "unknown command `fly`"),
    ];
    for (args, expected) in cases {
        let out = scalelab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_file_out_of_range_lists_every_problem() {
    let dir = std::env::temp_dir().join(format!("scalelab-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.json");
    let mut s = sim::Scenario::default();
    s.servers.count = 0;
    s.clients.arrival_rate = 5e6;
    std::fs::write(&file, serde_json::to_string(&s).unwrap()).unwrap();
    let out = scalelab(&["run", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("clients.arrival_rate is 5,000,000") && err.contains("servers.count is 0"), "{err}");
}

#[test]
fn cookie_sign_and_verify_match_flask() {
    let out = scalelab(&["cookie", "sign", "--secret", "dev-secret", "--timestamp", "1700000000", r#"{"user_id":42}"#]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM\n");
    let cookie = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM";
    let ok = scalelab(&["cookie", "verify", "--secret", "dev-secret", "--now", "1700000100", cookie]);
    assert_eq!((ok.status.code(), stdout(&ok)), (Some(0), "{\"user_id\":42}\n".to_string()));
    let cases: &[(&[&str], &str)] = &[
        (&["--secret", "wrong", "--now", "1700000100"], "bad signature"),
        (&["--secret", "dev-secret", "--max-age", "60", "--now", "1700000100"], "expired"),
    ];
    for (flags, reason) in cases {
        let mut args = vec!["cookie", "verify"];
        args.extend_from_slice(flags);
        args.push(cookie);
        let out = scalelab(&args);
        assert_eq!(out.status.code(), Some(1), "{flags:?}");
        assert!(stderr(&out).contains(reason), "{flags:?}: {}", stderr(&out));
    }
    let malformed = scalelab(&["cookie", "verify", "--secret", "k", "not-a-cookie"]);
    assert_eq!(malformed.status.code(), Some(1));
    assert!(stderr(&malformed).contains("malformed"));
    let bad_json = scalelab(&["cookie", "sign", "--secret", "k", "{user_id:42}"]);
    assert_eq!(bad_json.status.code(), Some(2));
    assert!(stderr(&bad_json).contains("not valid JSON"));
}

#[test]
fn ab_prints_abs_report_with_progress_on_stderr() {
    let out = scalelab(&["ab", "-n", "1000", "-c", "10", "default"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let golden = include_str!("../../sim/tests/fixtures/ab/default-n1000-c10.txt");
    assert_eq!(report, golden, "the CLI prints the same report as the engine's golden one");
    let progress = stderr(&out);
    assert!(progress.contains("Benchmarking app.scalelab.test (be patient)\nCompleted 100 requests\n"), "{progress}");
    assert!(progress.ends_with("Completed 1000 requests\nFinished 1000 requests\n"), "{progress}");
}

#[test]
fn ab_h_prints_the_flags_it_takes() {
    let out = scalelab(&["ab", "-h"]);
    assert_eq!(out.status.code(), Some(0));
    let usage = stdout(&out);
    for flag in ["-n requests", "-c concurrency", "-t timelimit", "-s timeout", "-C attribute", "-H attribute", "-k "] {
        assert!(usage.contains(flag), "{flag}: {usage}");
    }
    assert_eq!(stdout(&scalelab(&["ab", "-n", "10", "--help"])), usage);
}

#[test]
fn ab_refuses_what_ab_refuses() {
    for (args, message) in [
        (&["ab", "-n", "10", "-c", "100"][..], "Cannot use concurrency level greater than total number of requests"),
        (&["ab", "-n", "0"][..], "Invalid number of requests"),
        (&["ab", "-n", "-3"][..], "Invalid number of requests"),
        (&["ab", "-n", "10", "-c", "-2"][..], "Invalid negative concurrency"),
        (&["ab", "-n", "10", "no-such-preset"][..], "no-such-preset"),
    ] {
        let out = scalelab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}
