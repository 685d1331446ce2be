//! The lab's requests under way (`Flight`) and database jobs (`DbJob`), each in a slot. An item
//! is shared between the run and the timeline's copies of it until one of them changes it, so a
//! copy of the run copies a pointer per item, not the item: in a stampede the database's queue
//! holds hundreds of thousands of requests (250,000 after 120 s of 500 users at 20 requests/s),
//! and copying them at each moment the timeline keeps froze the page for up to a second (a copy
//! of that run took 170 ms natively; 21 ms with the items shared).

use std::rc::Rc;

#[derive(Clone)]
pub(super) struct Slots<T> {
    slots: Vec<Option<Rc<T>>>,
    /// slots whose item has ended, for the next one
    free: Vec<usize>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots { slots: Vec::new(), free: Vec::new() }
    }
}

impl<T: Clone> Slots<T> {
    /// The item in slot `k`, which must be live.
    pub fn get(&self, k: usize) -> &T {
        self.slots[k].as_deref().expect("a live slot")
    }

    /// The item in slot `k`, which must be live, to change: copied first if a copy of the run
    /// still shares it.
    pub fn get_mut(&mut self, k: usize) -> &mut T {
        self.live_mut(k).expect("a live slot")
    }

    /// `get_mut` for a slot whose item may have ended.
    pub fn live_mut(&mut self, k: usize) -> Option<&mut T> {
        self.slots[k].as_mut().map(Rc::make_mut)
    }

    pub fn insert(&mut self, item: T) -> usize {
        let item = Some(Rc::new(item));
        match self.free.pop() {
            Some(k) => {
                self.slots[k] = item;
                k
            }
            None => {
                self.slots.push(item);
                self.slots.len() - 1
            }
        }
    }

    /// Ends the item in slot `k`, which must be live, returning it.
    pub fn remove(&mut self, k: usize) -> T {
        self.free.push(k);
        let item = self.slots[k].take().expect("a live slot");
        Rc::try_unwrap(item).unwrap_or_else(|shared| (*shared).clone())
    }

    /// How many items are live.
    pub fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten().map(|item| &**item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_shares_its_items_until_one_side_changes_one_and_slots_are_reused() {
        let mut run: Slots<Vec<u32>> = Slots::default();
        let (a, b) = (run.insert(vec![1]), run.insert(vec![2]));
        let kept = run.clone();
        assert!(Rc::ptr_eq(run.slots[a].as_ref().unwrap(), kept.slots[a].as_ref().unwrap()), "shared, not copied");
        run.get_mut(a).push(10);
        assert_eq!((run.get(a), kept.get(a)), (&vec![1, 10], &vec![1]), "the copy keeps what it had");
        assert!(Rc::ptr_eq(run.slots[b].as_ref().unwrap(), kept.slots[b].as_ref().unwrap()), "b still shared");
        assert_eq!(run.remove(b), vec![2], "a shared item is handed out as a copy");
        assert_eq!((run.live(), kept.live()), (1, 2));
        assert!(run.live_mut(b).is_none());
        assert_eq!(run.insert(vec![3]), b, "the freed slot is taken again");
        assert_eq!(run.iter().cloned().collect::<Vec<_>>(), [vec![1, 10], vec![3]]);
    }
}
