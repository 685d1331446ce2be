//! Open-loop clients: requests arrive as a Poisson process at `arrival_rate`, whether or not the
//! servers keep up (as real users do, and unlike a closed-loop load tester).

use crate::rng::Rng;
use crate::scenario::ClientsConfig;
use crate::time::SimTime;

pub struct Clients {
    /// offered load [requests·s⁻¹]
    arrival_rate: f64,
    /// bumped when the rate changes, so the arrival already scheduled at the old rate is ignored
    generation: u32,
}

impl Clients {
    pub fn new(config: &ClientsConfig) -> Self {
        Clients { arrival_rate: config.arrival_rate, generation: 0 }
    }

    pub fn arrival_rate(&self) -> f64 {
        self.arrival_rate
    }

    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Changes the rate; returns the new generation for the next scheduled arrival.
    pub fn set_arrival_rate(&mut self, per_second: f64) -> u32 {
        self.arrival_rate = per_second;
        self.generation = self.generation.wrapping_add(1);
        self.generation
    }

    /// Time to the next arrival: exponential with mean 1/rate (memoryless, so resampling after a
    /// rate change is exact). Never zero, so time always moves on.
    pub fn next_gap(&self, rng: &mut Rng) -> SimTime {
        let gap_s = rng.exponential(1.0 / self.arrival_rate);
        SimTime::from_secs_f64(gap_s).max(SimTime(1))
    }
}
