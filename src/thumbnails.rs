//! The gallery's live thumbnails: each lesson's first step, run beside the page as one of the
//! player's side runs. They move a quarter of a second of wall time at a time, each at its
//! step's speed and within a small event budget, so that nine of them never cost the live run a
//! frame. Under reduced motion each is drawn once, a few seconds in.

use crate::panels::lesson;
use sim::budget::Budget;
use sim::run::Run;
use sim::SimTime;

/// Wall time between two moves of the thumbnails [ms].
const TICK_MS: f64 = 250.0;
/// Events one thumbnail may run per move: a busy lesson's thumbnail runs slower than its speed
/// rather than taking the page's time.
const EVENTS_PER_TICK: u64 = 20_000;
/// Where a still thumbnail (reduced motion) stands.
const STILL_AT: SimTime = SimTime::from_secs(3);

pub struct Thumbnails {
    /// each lesson's first step (none where its scenario cannot run), and its speed
    runs: Vec<Option<(Run, f64)>>,
    last_move_ms: Option<f64>,
    moving: bool,
}

impl Thumbnails {
    pub fn new(moving: bool) -> Thumbnails {
        let first_step = |lesson: usize| {
            let valid = lesson::step_scenario(lesson, 0)?.validate().ok()?;
            let mut run = Run::new(valid, None);
            if !moving {
                run.advance(STILL_AT, Budget::events(EVENTS_PER_TICK * 10));
            }
            Some((run, lesson::step(lesson, 0)?.speed))
        };
        let runs = (0..lesson::LESSONS.len()).map(first_step).collect();
        Thumbnails { runs, last_move_ms: None, moving }
    }

    /// Called every frame with the wall clock [ms]: moves the thumbnails when a tick is due;
    /// returns whether they moved.
    pub fn advance(&mut self, now_ms: f64) -> bool {
        if !self.moving {
            return false;
        }
        let Some(last) = self.last_move_ms.filter(|last| now_ms >= *last) else {
            self.last_move_ms = Some(now_ms);
            return false;
        };
        if now_ms - last < TICK_MS {
            return false;
        }
        // A background tab's long gap counts as one tick.
        let wall_ms = (now_ms - last).min(4.0 * TICK_MS);
        for (run, speed) in self.runs.iter_mut().flatten() {
            let target = run.now() + SimTime::from_millis_f64(wall_ms * *speed);
            run.advance(target, Budget::events(EVENTS_PER_TICK));
        }
        self.last_move_ms = Some(now_ms);
        true
    }

    /// One per lesson, in the curriculum's order (none where its first step cannot run).
    pub fn runs(&self) -> impl Iterator<Item = Option<&Run>> {
        self.runs.iter().map(|r| r.as_ref().map(|(run, _)| run))
    }
}
