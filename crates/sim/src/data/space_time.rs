//! The data tier's recent history as a space-time diagram draws it: each database machine is a
//! line, each write and read a dot on its line, each message between machines (a log entry to
//! a replica, a write to another primary) a line from when it left to when it arrived, and each
//! anomaly or conflict a mark where it happened, with the words that explain it. It keeps the
//! last `WINDOW` of simulated time (at most `KEPT` items): what the diagram shows.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::time::SimTime;

/// How much of the recent past is kept.
pub const WINDOW: SimTime = SimTime::from_millis(1_000);
/// At most this many items (a busy second keeps its newest).
const KEPT: usize = 600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// a write committed on this machine
    Write,
    /// a read ran here
    Read,
    /// a log entry from the primary reached a replica
    Log,
    /// a write from one primary reached another
    WriteSet,
    /// a read that missed its user's own write, or went back in time, or was stale
    Anomaly,
    /// two writes that did not see each other, settled by the rule
    Conflict,
}

/// One thing that happened: on one machine (`from == to`) at `at`, or a message from `from`
/// (sent at `sent`) to `to` (arrived at `at`). Marks carry their explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: Kind,
    pub from: u16,
    pub to: u16,
    pub sent: SimTime,
    pub at: SimTime,
    pub explain: Option<Rc<str>>,
}

#[derive(Clone, Debug, Default)]
pub struct SpaceTime {
    items: VecDeque<Item>,
}

impl SpaceTime {
    /// Something happened on a machine now.
    pub fn dot(&mut self, kind: Kind, machine: usize, now: SimTime) {
        self.push(Item { kind, from: machine as u16, to: machine as u16, sent: now, at: now, explain: None });
    }

    /// A message sent at `sent` from one machine arrived at another now.
    pub fn message(&mut self, kind: Kind, from: usize, to: usize, sent: SimTime, now: SimTime) {
        self.push(Item { kind, from: from as u16, to: to as u16, sent, at: now, explain: None });
    }

    /// An anomaly or a conflict on a machine now, and what it was.
    pub fn mark(&mut self, kind: Kind, machine: usize, now: SimTime, explain: String) {
        let m = machine as u16;
        self.push(Item { kind, from: m, to: m, sent: now, at: now, explain: Some(explain.into()) });
    }

    fn push(&mut self, item: Item) {
        let since = item.at.saturating_sub(WINDOW);
        while self.items.front().is_some_and(|i| i.at < since) || self.items.len() >= KEPT {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    /// What happened from `since` on, oldest first.
    pub fn since(&self, since: SimTime) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |i| i.at >= since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_keeps_the_last_second_only() {
        let mut h = SpaceTime::default();
        h.dot(Kind::Write, 0, SimTime::from_millis(100));
        h.message(Kind::Log, 0, 1, SimTime::from_millis(100), SimTime::from_millis(250));
        h.mark(Kind::Anomaly, 1, SimTime::from_millis(1_200), "missed".into());
        let kept: Vec<Kind> = h.since(SimTime::ZERO).map(|i| i.kind).collect();
        assert_eq!(kept, vec![Kind::Log, Kind::Anomaly], "the write at 0.1 s is more than a second old");
        assert_eq!(h.since(SimTime::from_millis(1_150)).count(), 1);
    }
}
