//! A fixed-capacity map that evicts the least recently used key: a hash map into a doubly
//! linked list kept in a vector (indices, not pointers), so every operation is O(1).

use std::collections::HashMap;

const NONE: usize = usize::MAX;

#[derive(Clone)]
struct Node<V> {
    key: u32,
    value: V,
    newer: usize,
    older: usize,
}

#[derive(Clone)]
pub struct Lru<V> {
    capacity: usize,
    index: HashMap<u32, usize>,
    nodes: Vec<Node<V>>,
    free: Vec<usize>,
    newest: usize,
    oldest: usize,
}

impl<V: Default> Lru<V> {
    pub fn new(capacity: usize) -> Self {
        Lru { capacity, index: HashMap::new(), nodes: Vec::new(), free: Vec::new(), newest: NONE, oldest: NONE }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The value for `key`, marking it most recently used.
    pub fn get(&mut self, key: u32) -> Option<&mut V> {
        let at = *self.index.get(&key)?;
        self.unlink(at);
        self.push_newest(at);
        Some(&mut self.nodes[at].value)
    }

    /// The value for `key`, leaving the order alone.
    pub fn peek(&self, key: u32) -> Option<&V> {
        self.index.get(&key).map(|&at| &self.nodes[at].value)
    }

    /// The value for `key` to change, leaving the order alone.
    pub fn peek_mut(&mut self, key: u32) -> Option<&mut V> {
        self.index.get(&key).map(|&at| &mut self.nodes[at].value)
    }

    /// Stores `value` as the most recently used; returns the entry evicted to make room.
    pub fn put(&mut self, key: u32, value: V) -> Option<(u32, V)> {
        if let Some(&at) = self.index.get(&key) {
            self.nodes[at].value = value;
            self.unlink(at);
            self.push_newest(at);
            return None;
        }
        if self.capacity == 0 {
            return Some((key, value));
        }
        let evicted = if self.index.len() >= self.capacity { self.pop_oldest() } else { None };
        let node = Node { key, value, newer: NONE, older: NONE };
        let at = match self.free.pop() {
            Some(at) => {
                self.nodes[at] = node;
                at
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        };
        self.index.insert(key, at);
        self.push_newest(at);
        evicted
    }

    pub fn remove(&mut self, key: u32) -> Option<V> {
        let at = self.index.remove(&key)?;
        self.unlink(at);
        self.free.push(at);
        Some(std::mem::take(&mut self.nodes[at].value))
    }

    /// Empties the cache (a crash), returning what it held in key order (a hash map's own order
    /// differs from run to run, and runs must repeat).
    pub fn drain(&mut self) -> Vec<(u32, V)> {
        let mut slots: Vec<(u32, usize)> = self.index.drain().collect();
        slots.sort_unstable_by_key(|&(key, _)| key);
        let held = slots.into_iter().map(|(key, at)| (key, std::mem::take(&mut self.nodes[at].value))).collect();
        self.nodes.clear();
        self.free.clear();
        self.newest = NONE;
        self.oldest = NONE;
        held
    }

    fn pop_oldest(&mut self) -> Option<(u32, V)> {
        let at = self.oldest;
        if at == NONE {
            return None;
        }
        self.unlink(at);
        let key = self.nodes[at].key;
        self.index.remove(&key);
        self.free.push(at);
        Some((key, std::mem::take(&mut self.nodes[at].value)))
    }

    fn unlink(&mut self, at: usize) {
        let (newer, older) = (self.nodes[at].newer, self.nodes[at].older);
        if newer != NONE {
            self.nodes[newer].older = older;
        } else {
            self.newest = older;
        }
        if older != NONE {
            self.nodes[older].newer = newer;
        } else {
            self.oldest = newer;
        }
    }

    fn push_newest(&mut self, at: usize) {
        self.nodes[at].older = self.newest;
        self.nodes[at].newer = NONE;
        if self.newest != NONE {
            self.nodes[self.newest].newer = at;
        }
        self.newest = at;
        if self.oldest == NONE {
            self.oldest = at;
        }
    }
}
