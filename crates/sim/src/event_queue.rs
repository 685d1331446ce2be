//! The future-event list: a binary heap ordered by (time, insertion sequence), so events at
//! equal times run in the order they were scheduled (turmoil's and nexosim's rule).

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

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

pub struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    next_sequence: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_sequence: 0 }
    }
}

impl<E> EventQueue<E> {
    pub fn push(&mut self, at: SimTime, event: E) {
        let key = (u128::from(at.0) << 64) | u128::from(self.next_sequence);
        self.next_sequence += 1;
        self.heap.push(Scheduled { key, event });
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|s| SimTime((s.key >> 64) as u64))
    }

    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|s| (SimTime((s.key >> 64) as u64), s.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
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
}
