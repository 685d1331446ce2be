//! How a run's figures are printed: for people, or as one JSON object.

use sim::run::{AutoscalerReport, LabReport, RunReport};
use sim::Summary;
use std::fmt::Write as _;

pub fn presets() -> String {
    let width = sim::presets::PRESETS.iter().map(|p| p.name.len()).max().unwrap_or(0);
    sim::presets::PRESETS.iter().fold(String::new(), |mut out, p| {
        let _ = writeln!(out, "{:width$}  {}", p.name, p.summary);
        out
    })
}

/// The autoscaler's decisions and SLO count, when the scenario has one ("" otherwise).
pub fn autoscaling(autoscaler: Option<&AutoscalerReport>) -> String {
    let Some(a) = autoscaler else { return String::new() };
    let mut out = format!(
        "SLO (p95 ≤ {} ms) broken: {} s\nAutoscaler decisions: {}\n",
        a.slo_p95_ms,
        a.slo_violation_seconds,
        a.decisions.len()
    );
    for d in &a.decisions {
        let _ = writeln!(out, "  {:>7.0} s  {}", d.at.as_secs_f64(), d.reason);
    }
    out
}

/// The Caching lesson's lab, when the scenario has one ("" otherwise).
pub fn caching(lab: Option<&LabReport>) -> String {
    let Some(lab) = lab else { return String::new() };
    let mut out = format!("Caching lab ({:.0} s):\n", lab.simulated_seconds);
    for (label, value) in &lab.figures {
        let _ = writeln!(out, "  {:<38}{value}", format!("{label}:"));
    }
    let _ = writeln!(out, "  {:<38}{:.1}%", "Cache node hit ratio by Che (LRU):", lab.theory_hit_ratio * 100.0);
    out
}

/// The web tier's queries to the database, when its requests query one ("" otherwise).
pub fn database(data: Option<&sim::data::console::DataReport>) -> String {
    let Some((data, web)) = data.and_then(|d| d.web.as_ref().map(|w| (d, w))) else { return String::new() };
    let mut out = format!(
        "Database ({}):
  Queries from the web tier: {}, failed {}
",
        data.layout, web.queries, web.failed
    );
    for s in &web.servers {
        let busy = s.utilisation.map_or("–".to_string(), |u| format!("{:.0}%", u * 100.0));
        let _ = writeln!(
            out,
            "  {:<16}{} query shares, {busy} busy in the last second",
            format!("{}:", s.server),
            s.served
        );
    }
    if let Some(m) = &web.multi_primary {
        out += &multi_primary(m);
    }
    if let Some(r) = &web.replication {
        out += &replication(r);
    }
    for r in &web.replicated_shards {
        let _ = writeln!(
            out,
            "  Shard {} (a primary and its replicas, replicating on their own):",
            r.shard.as_deref().unwrap_or("?")
        );
        out += &replication(r).lines().map(|line| format!("  {line}\n")).collect::<String>();
    }
    out
}

/// One replicated group: its log, its replicas' lag, its reads' anomalies and its failovers.
fn replication(r: &sim::data::console::ReplicationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "  Primary's log: {} writes committed; commits: {}", r.position, r.commit);
    if r.commit_waits > 0 || r.unacknowledged_commits > 0 {
        let _ = writeln!(
            out,
            "  Commits that waited for replicas: {}, {:.2} ms each on average, {:.2} ms at most; fell back to asynchronous {} time(s), {} commit(s) returned unacknowledged",
            r.commit_waits, r.mean_commit_wait_ms, r.longest_commit_wait_ms, r.semi_sync_fallbacks, r.unacknowledged_commits
        );
    }
    for (i, (applied, behind, age_s)) in r.replicas.iter().enumerate() {
        let lag = &r.replica_lag_ms[i];
        let _ = writeln!(
            out,
            "  replica {}: applied {applied}, {behind} behind ({age_s:.3} s); lag per entry applied p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            i + 1,
            lag.p50,
            lag.p99,
            lag.max
        );
    }
    let _ = writeln!(
        out,
        "  Reads: {}, {} on the primary ({} showed a write no replica had yet); missed their user's own last write: {}; older than the user saw before: {}; stale: {}",
        r.reads, r.reads_on_primary, r.reads_ahead_of_replicas, r.read_your_writes_violations, r.monotonic_violations, r.stale_reads
    );
    if r.waits > 0 {
        let _ = writeln!(
            out,
            "  Reads that waited for their user's write: {}, {:.1} ms each on average, {} gave up at the timeout",
            r.waits, r.mean_wait_ms, r.wait_timeouts
        );
    }
    if r.split_brain_writes > 0 {
        let _ = writeln!(
            out,
            "  Split brain: the old primary came back unfenced and took {} write(s) that no other copy has",
            r.split_brain_writes
        );
    }
    for f in &r.failovers {
        let _ = writeln!(
            out,
            "  Failover at {:.3} s: replica {} promoted, the log ends at {}; {} write(s) lost, {} of them acknowledged to their client; {} user(s) lost their last write, {} had read a lost write",
            f.at_s, f.promoted, f.position, f.lost.len(), f.acknowledged_lost(), f.users_lost_a_write, f.users_saw_lost_writes
        );
        for w in f.lost.iter().take(5) {
            let told = if w.acknowledged { "acknowledged" } else { "not acknowledged" };
            let _ =
                writeln!(out, "    lost #{} ({told}, committed at {:.3} s): {}", w.position, w.committed_at_s, w.sql);
        }
        if f.lost.len() > 5 {
            let _ = writeln!(out, "    … and {} more (run --json lists them all)", f.lost.len() - 5);
        }
    }
    out
}

/// The primaries' rule, what it did, and the newest conflicts.
fn multi_primary(m: &sim::data::console::MultiPrimaryReport) -> String {
    let c = &m.counts;
    let skew: Vec<String> = m.skew_ms.iter().map(|s| format!("{s:+.0} ms")).collect();
    let mut out =
        format!("  {} primaries, {}; clocks {}; {} writes\n", m.primaries, m.rule.label(), skew.join(", "), c.writes);
    let _ = writeln!(
        out,
        "  Conflicts: {} write(s) discarded ({} of them the later in real time, lost to a clock ahead); {} pair(s) of siblings, {} merged by a later write; certification failures {}, brute-force aborts {}, retried {}, deadlock errors to clients {}; refused outside the majority {}",
        c.discarded, c.lost_to_skew, c.siblings, c.merged, c.cert_failures, c.bf_aborts, c.retries, c.deadlock_errors, c.non_primary_refusals
    );
    let _ = writeln!(out, "  Every write has reached every primary: {}", if m.quiet { "yes" } else { "not yet" });
    for conflict in m.conflicts.iter().rev().take(3) {
        let _ = writeln!(out, "    at {:.3} s: {}", conflict.at_ms / 1_000.0, conflict.explain());
    }
    out
}

/// Every part's figures as one JSON object: the engine's summary at the top level (as before
/// the parts had their own keys), `autoscaler` and `caching` when the scenario has them.
pub fn json(report: &RunReport) -> String {
    serde_json::to_string(report).expect("reports serialise") + "\n"
}

pub fn text(name: &str, s: &Summary) -> String {
    let r = &s.requests;
    let l = &s.latency_ms;
    format!(
        "Scenario:             {name}\n\
         Simulated time:       {:.3} s\n\
         Events processed:     {}\n\
         Requests arrived:     {}\n\
         Completed (2xx):      {}\n\
         Rejected (503, queue full):  {}\n\
         Failed (no server, refused, reset):  {}\n\
         Timed out (client gave up):  {}\n\
         Retried on another server:   {}\n\
         Still in flight:      {}\n\
         Throughput:           {:.2} requests/s\n\
         Latency (ms):         mean {:.2}  p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}\n\
         Server cost:          ${:.4}\n\
         Trace hash:           {}\n",
        s.simulated_seconds,
        s.events_processed,
        r.arrived,
        r.completed,
        r.rejected,
        r.failed,
        r.timed_out,
        r.retried,
        s.in_flight,
        s.throughput_per_s,
        l.mean,
        l.p50,
        l.p95,
        l.p99,
        l.max,
        s.cost_dollars,
        s.trace_hash,
    )
}
