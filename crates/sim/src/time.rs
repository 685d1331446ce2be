//! Simulated time: an integer count of microseconds since the run began. Never the wall clock.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant or a span of simulated time [µs]. Integer so that runs are exact and repeatable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);
    pub const MICROS_PER_SECOND: u64 = 1_000_000;

    pub const fn from_micros(us: u64) -> Self {
        SimTime(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms * 1_000)
    }
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * Self::MICROS_PER_SECOND)
    }
    /// Rounds to the nearest microsecond; negative and NaN inputs become zero.
    pub fn from_secs_f64(s: f64) -> Self {
        Self::from_millis_f64(s * 1_000.0)
    }
    /// Rounds to the nearest microsecond (halves up); negative and NaN inputs become zero and
    /// too large ones `MAX`, as Rust's saturating cast does. Adding a half and truncating is one
    /// instruction natively and in wasm, where `f64::round` is a library call on the hot path.
    pub fn from_millis_f64(ms: f64) -> Self {
        SimTime((ms * 1_000.0 + 0.5) as u64)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / Self::MICROS_PER_SECOND as f64
    }
    /// Whole simulated seconds elapsed.
    pub const fn whole_secs(self) -> u64 {
        self.0 / Self::MICROS_PER_SECOND
    }
    pub fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}
impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        *self = *self + rhs;
    }
}
impl Sub for SimTime {
    type Output = SimTime;
    /// Saturates at zero: a span is never negative.
    fn sub(self, rhs: SimTime) -> SimTime {
        self.saturating_sub(rhs)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} s", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_to_the_microsecond() {
        assert_eq!(SimTime::from_millis_f64(1.0004), SimTime(1_000));
        assert_eq!(SimTime::from_millis_f64(1.0006), SimTime(1_001));
        assert_eq!(SimTime::from_secs_f64(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs(2).as_millis_f64(), 2_000.0);
        assert_eq!(SimTime::from_secs(3) - SimTime::from_secs(5), SimTime::ZERO);
    }
}
