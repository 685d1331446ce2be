//! One animation frame's budget for engine work, and the clock it is measured on. The model
//! (`sim::budget`) reads no clock: the page hands it this one. The player spends the budget on
//! the live run and on the side runs beside it (a benchmark, the session-mode comparison).

use sim::budget::Budget;

/// Events the live run may run in one frame. About 5 ms of work natively; a few times that in wasm.
pub const LIVE_EVENTS_PER_FRAME: u64 = 150_000;
/// Wall time the live run's work may take in one frame [ms]. Only heavy runs reach it (1,000
/// servers under an algorithm that scans them all, a high speed, a slow phone); with the drawing
/// (about 10 ms at 1,000 servers) the frame stays under 50 ms, where a stutter shows.
pub const LIVE_WORK_MS: f64 = 30.0;
/// Wall time the side runs (a benchmark, the comparison) may take in one frame [ms]: the rest of
/// the 16.7 ms frame is the page's. With the live run paused or light the page keeps 60 frames a
/// second; `ab -n 1000000 -c 100` on ten servers takes about 55 frames (80 at 10 ms).
pub const SIDE_WORK_MS: f64 = 14.0;

/// The live run's share of a frame.
pub fn live_budget() -> Budget {
    Budget::within(LIVE_EVENTS_PER_FRAME, LIVE_WORK_MS, wall_ms)
}

/// The side runs' share of a frame: a time, not an event count.
pub fn side_budget() -> Budget {
    Budget::within(u64::MAX, SIDE_WORK_MS, wall_ms)
}

/// Milliseconds on a monotonic wall clock: the page's clock in the browser, the process's in
/// native tests (the browser's would panic there).
pub fn wall_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1_000.0
    }
}
