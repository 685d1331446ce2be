//! Active health checks, as HAProxy does them: a heartbeat every `interval`; `fall` consecutive
//! failures mark a server down, `rise` consecutive successes mark it up again.

use serde::{Deserialize, Serialize};

/// What the balancer believes about a server, as a student sees it on the diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HealthState {
    /// in rotation, last check passed
    Up,
    /// in rotation, but the last checks failed (HAProxy: "going down")
    Suspected,
    /// out of rotation
    Down,
    /// out of rotation, but the last checks passed (HAProxy: "going up")
    Recovering,
}

#[derive(Clone, Debug)]
pub struct HealthCheck {
    down: bool,
    /// consecutive failed checks while up
    failures: u32,
    /// consecutive passed checks while down
    successes: u32,
}

impl HealthCheck {
    pub fn up() -> Self {
        HealthCheck { down: false, failures: 0, successes: 0 }
    }

    /// A server that has just joined: it must pass `rise` checks before it takes traffic.
    pub fn joining() -> Self {
        HealthCheck { down: true, failures: 0, successes: 0 }
    }

    pub fn is_up(&self) -> bool {
        !self.down
    }

    /// Records one check; returns `Some(is_up)` when the server changes state.
    pub fn record(&mut self, passed: bool, rise: u32, fall: u32) -> Option<bool> {
        if passed {
            self.failures = 0;
            if self.down {
                self.successes += 1;
                if self.successes >= rise {
                    self.down = false;
                    self.successes = 0;
                    return Some(true);
                }
            }
        } else {
            self.successes = 0;
            if !self.down {
                self.failures += 1;
                if self.failures >= fall {
                    self.down = true;
                    self.failures = 0;
                    return Some(false);
                }
            }
        }
        None
    }

    pub fn state(&self) -> HealthState {
        match (self.down, self.failures, self.successes) {
            (false, 0, _) => HealthState::Up,
            (false, _, _) => HealthState::Suspected,
            (true, _, 0) => HealthState::Down,
            (true, _, _) => HealthState::Recovering,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fall_then_rise_with_haproxy_defaults() {
        let mut h = HealthCheck::up();
        assert_eq!(h.record(false, 2, 3), None);
        assert_eq!(h.state(), HealthState::Suspected);
        assert_eq!(h.record(true, 2, 3), None, "a pass resets the failures");
        assert_eq!(h.state(), HealthState::Up);
        assert_eq!((h.record(false, 2, 3), h.record(false, 2, 3), h.record(false, 2, 3)), (None, None, Some(false)));
        assert_eq!(h.state(), HealthState::Down);
        assert_eq!(h.record(true, 2, 3), None);
        assert_eq!(h.state(), HealthState::Recovering);
        assert_eq!(h.record(true, 2, 3), Some(true));
        assert_eq!(h.state(), HealthState::Up);
    }
}
