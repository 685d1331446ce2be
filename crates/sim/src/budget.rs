//! How much work one call may do: an event count and a deadline on a clock the caller hands in.
//! `sim` reads no clock of its own; the page passes the browser's, native code the process's.
//! A run is advanced in slices of at most `EVENTS_PER_CHECK` events with a look at the clock
//! between them: the same number of events costs several times more on a slow phone, at a
//! heavier balancing algorithm, or before the browser has optimised the wasm.

/// Events between looks at the clock: well under a millisecond of work.
pub const EVENTS_PER_CHECK: u64 = 4_000;

/// What one call may spend: events, and wall time on the caller's clock.
#[derive(Clone, Copy)]
pub struct Budget {
    pub events: u64,
    /// milliseconds of work, and the clock they are measured on
    pub work: Option<(f64, fn() -> f64)>,
}

impl Budget {
    /// Only an event count.
    pub fn events(events: u64) -> Budget {
        Budget { events, work: None }
    }

    /// An event count and `work_ms` on `clock`, whichever runs out first.
    pub fn within(events: u64, work_ms: f64, clock: fn() -> f64) -> Budget {
        Budget { events, work: Some((work_ms, clock)) }
    }

    /// The deadline for `fraction` of the work time, from now.
    pub fn deadline(&self, fraction: f64) -> Deadline {
        self.work.map_or(Deadline::none(), |(ms, clock)| Deadline::after(ms * fraction, clock))
    }
}

/// When the work must stop, on a given clock [ms].
#[derive(Clone, Copy)]
pub struct Deadline {
    clock: fn() -> f64,
    at_ms: f64,
}

impl Deadline {
    /// `budget_ms` from now, on `clock`.
    pub fn after(budget_ms: f64, clock: fn() -> f64) -> Deadline {
        Deadline { clock, at_ms: clock() + budget_ms }
    }

    /// No time limit (only an event count bounds the work).
    pub fn none() -> Deadline {
        Deadline { clock: || 0.0, at_ms: f64::INFINITY }
    }

    pub fn passed(&self) -> bool {
        (self.clock)() >= self.at_ms
    }
}

/// Calls `slice` with at most `EVENTS_PER_CHECK` events at a time (it runs at most that many and
/// says whether its work is done) until the work is done, `events` have been spent or the
/// deadline has passed. Returns whether the work is done.
pub fn run_in_slices(events: u64, deadline: &Deadline, slice: impl FnMut(u64) -> bool) -> bool {
    let mut left = events;
    run_in_slices_from(&mut left, deadline, slice)
}

/// `run_in_slices` drawing on an event count that several runs share, one after the other:
/// what this one spends (in whole slices) is gone for the next.
pub fn run_in_slices_from(left: &mut u64, deadline: &Deadline, mut slice: impl FnMut(u64) -> bool) -> bool {
    while *left > 0 {
        let this_slice = (*left).min(EVENTS_PER_CHECK);
        // A slice counts whole even when the run finishes inside it: the next run never gets
        // more than the budget had left.
        *left -= this_slice;
        if slice(this_slice) {
            return true;
        }
        if deadline.passed() {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// A clock that moves 1 ms each time it is read.
        static FAKE_NOW: Cell<f64> = const { Cell::new(0.0) };
    }
    fn ticking_clock() -> f64 {
        FAKE_NOW.with(|now| {
            now.set(now.get() + 1.0);
            now.get()
        })
    }

    #[test]
    fn slices_stop_at_the_deadline_at_the_event_count_or_when_done() {
        let mut slices = 0;
        let deadline = Deadline::after(5.0, ticking_clock);
        assert!(!run_in_slices(u64::MAX, &deadline, |_| {
            slices += 1;
            false
        }));
        assert_eq!(slices, 5, "one look at the clock per slice");

        let mut events = 0;
        assert!(!run_in_slices(10_000, &Deadline::none(), |n| {
            events += n;
            false
        }));
        assert_eq!(events, 10_000, "the last slice is cut to the count");

        let mut calls = 0;
        assert!(run_in_slices(u64::MAX, &Deadline::none(), |_| {
            calls += 1;
            calls == 3
        }));
        assert_eq!(calls, 3);
    }
}
