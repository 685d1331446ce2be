//! What happened, in words. Each frame's snapshot is compared with the last one seen: a server or
//! database machine that crashed, hung, recovered, was marked down or up by heartbeats, joined or
//! left the pool, or changed role (a promoted replica), and each autoscaler decision, becomes a
//! line with its moment. The lines form the event log; a polite live region reads out what is
//! new, at most once every `ANNOUNCE_EVERY_MS` of wall time while the run plays, so that a fast
//! run never floods a screen reader (what came meanwhile is counted in the next announcement).

use sim::components::autoscaler::ScaleDecision;
use sim::snapshot::{Fault, HealthState, NodeKind, Snapshot};
use sim::SimTime;
use std::rc::Rc;

/// Lines the log keeps (the oldest go first).
const KEPT: usize = 200;
/// The least wall time between two announcements while the run plays [ms].
pub const ANNOUNCE_EVERY_MS: f64 = 2_000.0;

/// A node as far as events go: what it is called, whether heartbeats count it up, its fault.
#[derive(Clone, PartialEq)]
struct Seen {
    kind: NodeKind,
    label: String,
    health: Option<HealthState>,
    fault: Fault,
}

#[derive(Default)]
pub struct EventLog {
    seen: Vec<Seen>,
    decisions: usize,
    last_now: SimTime,
    /// (simulated seconds, what happened), oldest first
    entries: Rc<Vec<(f64, String)>>,
    /// lines not yet announced, and when the last announcement was made [wall ms]
    unannounced: usize,
    announced_at_ms: Option<f64>,
    live: String,
    /// announcements made so far, over every run (two alike in a row are still two)
    announced: u64,
}

impl EventLog {
    /// Takes in a frame: what changed since the last one becomes lines. `wall_ms` is the frame's
    /// wall time while the run plays (None while paused: a change then is announced at once). A
    /// run that went back in time is a new run: the log starts again.
    pub fn observe(&mut self, snap: &Snapshot, decisions: &[ScaleDecision], wall_ms: Option<f64>) {
        let seen = nodes(snap);
        if snap.now < self.last_now {
            // (the count of announcements goes on: the embed's host hears each once)
            *self = EventLog { announced: self.announced, ..EventLog::default() };
        }
        let mut new = if self.seen.is_empty() { Vec::new() } else { changes(&self.seen, &seen) };
        for d in decisions.iter().skip(self.decisions) {
            new.push(format!("Autoscaler: {} → {} servers ({})", d.from, d.to, d.reason));
        }
        (self.seen, self.decisions, self.last_now) = (seen, decisions.len(), snap.now);
        if !new.is_empty() {
            let entries = Rc::make_mut(&mut self.entries);
            let at = snap.now.as_secs_f64();
            entries.extend(new.iter().map(|line| (at, line.clone())));
            let over = entries.len().saturating_sub(KEPT);
            entries.drain(..over);
            self.unannounced += new.len();
        }
        let due = match (wall_ms, self.announced_at_ms) {
            (Some(now), Some(last)) => now - last >= ANNOUNCE_EVERY_MS,
            _ => true,
        };
        if self.unannounced > 0 && due {
            let newest = self.entries.last().map_or("", |(_, line)| line.as_str());
            self.live = match self.unannounced {
                1 => newest.to_string(),
                n => format!("{newest}, and {} more in the event log", n - 1),
            };
            (self.unannounced, self.announced_at_ms) = (0, wall_ms.or(self.announced_at_ms));
            self.announced += 1;
        }
    }

    /// Every line kept, oldest first.
    pub fn entries(&self) -> Rc<Vec<(f64, String)>> {
        self.entries.clone()
    }

    /// What the live region says now.
    pub fn live(&self) -> &str {
        &self.live
    }

    /// How many announcements the live region has made (the embed posts each to its host).
    pub fn announced(&self) -> u64 {
        self.announced
    }
}

fn nodes(snap: &Snapshot) -> Vec<Seen> {
    let interesting =
        |kind: &NodeKind| matches!(kind, NodeKind::Server { .. } | NodeKind::Database { .. } | NodeKind::SessionStore);
    snap.nodes
        .iter()
        .filter(|n| interesting(&n.kind))
        .map(|n| Seen {
            kind: n.kind,
            label: n.label.clone(),
            health: n.gauges.server().map(|g| g.health),
            fault: n.gauges.machine().map_or(Fault::None, |m| m.fault),
        })
        .collect()
}

/// Finds nodes of one frame among another's, in order: each is looked for first just after the
/// last one found, since nodes keep their order from one frame to the next (a server that joins
/// or leaves shifts the rest by one). Searching every node for each node took a million
/// comparisons a frame at 1,000 servers (5 ms of each frame under 4× CPU throttling).
struct InOrder<'a> {
    nodes: &'a [Seen],
    next: usize,
}

impl<'a> InOrder<'a> {
    fn new(nodes: &'a [Seen]) -> Self {
        InOrder { nodes, next: 0 }
    }

    fn find(&mut self, kind: NodeKind) -> Option<&'a Seen> {
        let at = match self.nodes.get(self.next) {
            Some(seen) if seen.kind == kind => self.next,
            _ => self.nodes.iter().position(|seen| seen.kind == kind)?,
        };
        self.next = at + 1;
        Some(&self.nodes[at])
    }
}

/// What changed between two frames, in words.
fn changes(before: &[Seen], after: &[Seen]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_before = InOrder::new(before);
    for now in after {
        let Some(was) = in_before.find(now.kind) else {
            if matches!(now.kind, NodeKind::Server { .. }) {
                lines.push(format!("{} joined the pool", now.label));
            }
            continue;
        };
        if was.label != now.label {
            lines.push(format!("{} is now {}", was.label, now.label.to_ascii_lowercase()));
        }
        if was.fault != now.fault {
            lines.push(match now.fault {
                Fault::Crashed => format!("{} crashed", now.label),
                Fault::Hung => format!("{} hung: it takes requests and never answers", now.label),
                Fault::Slow(factor) => format!("{} slowed down {factor}×", now.label),
                Fault::None => format!("{} recovered", now.label),
            });
        }
        match (was.health, now.health) {
            (Some(HealthState::Up | HealthState::Suspected), Some(HealthState::Down)) => {
                lines.push(format!("{} marked down by heartbeats: out of rotation", now.label));
            }
            (Some(HealthState::Down | HealthState::Recovering), Some(HealthState::Up)) => {
                lines.push(format!("{} marked up by heartbeats: back in rotation", now.label));
            }
            _ => {}
        }
    }
    let mut in_after = InOrder::new(after);
    for gone in before.iter().filter(|b| matches!(b.kind, NodeKind::Server { .. })) {
        if in_after.find(gone.kind).is_none() {
            lines.push(format!("{} left the pool", gone.label));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::{Command, Scenario, Sim};

    #[test]
    fn a_crash_its_heartbeats_and_the_recovery_are_told_in_order_and_announced_at_most_every_two_seconds() {
        let mut s = Scenario::default();
        s.timeline = vec![
            sim::scenario::TimelineEntry {
                recorded: false,
                at_us: SimTime::from_secs(2).0,
                command: Command::Crash { server: 1 },
            },
            sim::scenario::TimelineEntry {
                recorded: false,
                at_us: SimTime::from_secs(12).0,
                command: Command::Recover { server: 1 },
            },
        ];
        let mut sim = Sim::new(s.validate().unwrap());
        let mut log = EventLog::default();
        let mut wall = 0.0;
        for step in 1..=300 {
            sim.run_until(SimTime::from_millis(step * 100));
            wall += 100.0;
            log.observe(&sim.snapshot(0), &[], Some(wall));
        }
        let lines: Vec<&str> = log.entries.iter().map(|(_, line)| line.as_str()).collect();
        assert_eq!(lines[0], "Server 2 crashed", "{lines:?}");
        assert!(lines[1].starts_with("Server 2 marked down by heartbeats"), "{lines:?}");
        assert!(lines.contains(&"Server 2 recovered"), "{lines:?}");
        assert!(lines.last().unwrap().starts_with("Server 2 marked up by heartbeats"), "{lines:?}");
        assert!(log.entries[0].0 >= 2.0 && log.entries[0].0 < 2.2, "at its moment: {:?}", log.entries[0]);
        assert!(log.live().starts_with("Server 2 marked up"), "{}", log.live());
        // A run that starts again starts its log again.
        log.observe(&Sim::new(Scenario::default().validate().unwrap()).snapshot(0), &[], Some(wall));
        assert!(log.entries.is_empty());
    }

    #[test]
    fn lines_that_come_fast_are_announced_together() {
        let mut log = EventLog::default();
        let decision = |from, to| ScaleDecision { at: SimTime::ZERO, from, to, reason: "CPU 90% > 60%".into() };
        let snap = Sim::new(Scenario::default().validate().unwrap()).snapshot(0);
        log.observe(&snap, &[decision(2, 4)], Some(0.0));
        assert_eq!(log.live(), "Autoscaler: 2 → 4 servers (CPU 90% > 60%)");
        log.observe(&snap, &[decision(2, 4), decision(4, 6), decision(6, 8)], Some(500.0));
        assert_eq!(log.live(), "Autoscaler: 2 → 4 servers (CPU 90% > 60%)", "too soon: not yet");
        log.observe(&snap, &[decision(2, 4), decision(4, 6), decision(6, 8)], Some(2_100.0));
        assert_eq!(log.live(), "Autoscaler: 6 → 8 servers (CPU 90% > 60%), and 1 more in the event log");
        assert_eq!(log.entries().len(), 3);
        assert_eq!(log.announced(), 2, "two announcements, each counted once");
        // A new run (back in time) starts the log again; the count goes on, so that the embed's
        // host hears only announcements it has not heard.
        let mut at_5s = Sim::new(Scenario::default().validate().unwrap());
        at_5s.run_until(SimTime::from_secs(5));
        log.observe(&at_5s.snapshot(0), &[], Some(4_000.0));
        log.observe(&snap, &[], Some(8_000.0));
        assert!(log.entries().is_empty());
        assert_eq!(log.announced(), 2);
    }

    #[test]
    fn servers_that_join_or_leave_anywhere_in_the_pool_are_told_once_and_the_others_not_at_all() {
        let server = |id: u32| Seen {
            kind: NodeKind::Server { id },
            label: format!("Server {}", id + 1),
            health: Some(HealthState::Up),
            fault: Fault::None,
        };
        let before: Vec<Seen> = (0..4).map(server).collect();
        // Server 2 left from the middle (the others moved up a place) and Server 5 joined.
        let after: Vec<Seen> = [0, 2, 3, 4].into_iter().map(server).collect();
        assert_eq!(changes(&before, &after), ["Server 5 joined the pool", "Server 2 left the pool"]);
        let mut crashed = after.clone();
        crashed[2].fault = Fault::Crashed;
        assert_eq!(changes(&after, &crashed), ["Server 4 crashed"]);
        assert!(changes(&after, &after).is_empty());
    }
}
