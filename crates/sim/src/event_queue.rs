//! The future-event list, ordered by (time, insertion sequence), so events at equal times run in
//! the order they were scheduled (turmoil's and nexosim's rule): a binary heap, and beside it a
//! first-in-first-out line for events that come a fixed delay after they are scheduled.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

#[derive(Clone)]
struct Scheduled<E> {
    /// time in the high 64 bits, insertion sequence in the low 64: one integer compare orders both.
    key: u128,
    event: E,
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Scheduled<E> {}
impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Scheduled<E> {
    /// Reversed, because `BinaryHeap` is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

impl<E> EventQueue<E> {
    /// Bytes one pending event takes in the heap (its key and the event; the heap's spare
    /// capacity comes on top).
    pub const BYTES_PER_ENTRY: usize = std::mem::size_of::<Scheduled<E>>();
}

#[derive(Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    /// Events pushed with `push_in_order`, in key order. Trips along a link all take the link's
    /// latency, so they arrive in the order they left: most of a run's events wait here, at no
    /// heap push and pop each (with 100 servers behind 20 ms links, sifting through the heap
    /// was half the engine's time).
    in_order: VecDeque<Scheduled<E>>,
    next_sequence: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), in_order: VecDeque::new(), next_sequence: 0 }
    }
}

impl<E> EventQueue<E> {
    // Always inlined: run per event, and the page builds the engine at opt-level z (ARCHITECTURE.md).
    #[inline(always)]
    fn scheduled(&mut self, at: SimTime, event: E) -> Scheduled<E> {
        let key = (u128::from(at.0) << 64) | u128::from(self.next_sequence);
        self.next_sequence += 1;
        Scheduled { key, event }
    }

    pub fn push(&mut self, at: SimTime, event: E) {
        let scheduled = self.scheduled(at, event);
        self.heap.push(scheduled);
    }

    /// Like `push`, for an event that comes a fixed delay after it is scheduled, so usually no
    /// earlier than the last one pushed this way: then it joins the in-order line, else the heap.
    /// Either way it runs exactly when `push` would run it.
    pub fn push_in_order(&mut self, at: SimTime, event: E) {
        let scheduled = self.scheduled(at, event);
        match self.in_order.back() {
            Some(last) if last.key > scheduled.key => self.heap.push(scheduled),
            _ => self.in_order.push_back(scheduled),
        }
    }

    /// Whether the in-order line's first event comes before the heap's.
    #[inline(always)]
    fn line_first(&self) -> bool {
        match (self.in_order.front(), self.heap.peek()) {
            (Some(line), Some(heap)) => line.key < heap.key,
            (line, _) => line.is_some(),
        }
    }

    #[inline(always)]
    pub fn peek_time(&self) -> Option<SimTime> {
        let first = if self.line_first() { self.in_order.front() } else { self.heap.peek() };
        first.map(|s| SimTime((s.key >> 64) as u64))
    }

    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let first = if self.line_first() { self.in_order.pop_front() } else { self.heap.pop() };
        first.map(|s| (SimTime((s.key >> 64) as u64), s.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.in_order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_insertion_order() {
        let mut q = EventQueue::default();
        q.push(SimTime(5), "b");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "c");
        q.push(SimTime(5), "d");
        assert_eq!(q.peek_time(), Some(SimTime(1)));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }

    #[test]
    fn events_in_order_run_exactly_when_pushed_ones_would() {
        // The same random schedule through `push` alone and through a mix: the same order.
        let mut rng = crate::rng::Rng::from_seed(5);
        let (mut plain, mut mixed) = (EventQueue::default(), EventQueue::default());
        let mut now = 0;
        for i in 0..2_000 {
            if rng.below(3) == 0 {
                now += u64::from(rng.below(5));
            }
            // Mostly a fixed delay (sometimes a shorter one, out of order), or any delay.
            let (at, fixed) = match rng.below(4) {
                0 => (now + u64::from(rng.below(50)), false),
                1 => (now + 3, true),
                _ => (now + 20, true),
            };
            plain.push(SimTime(at), i);
            if fixed {
                mixed.push_in_order(SimTime(at), i);
            } else {
                mixed.push(SimTime(at), i);
            }
            if rng.below(2) == 0 {
                assert_eq!(mixed.peek_time(), plain.peek_time());
                assert_eq!(mixed.pop(), plain.pop());
            }
        }
        assert_eq!(mixed.len(), plain.len());
        let rest = |q: &mut EventQueue<i32>| std::iter::from_fn(|| q.pop()).collect::<Vec<_>>();
        assert_eq!(rest(&mut mixed), rest(&mut plain));
    }
}
