//! Open-loop clients: requests arrive as a Poisson process at `arrival_rate`, whether or not the
//! servers keep up (as real users do, and unlike a closed-loop load tester). Each request comes
//! from one of `users` users, each with its own IPv4 address.

use crate::rng::Rng;
use crate::scenario::ClientsConfig;
use crate::time::SimTime;

#[derive(Clone)]
pub struct Clients {
    /// offered load [requests·s⁻¹]
    arrival_rate: f64,
    users: u32,
    /// bumped when the rate changes, so the arrival already scheduled at the old rate is ignored
    generation: u32,
}

impl Clients {
    pub fn new(config: &ClientsConfig) -> Self {
        Clients { arrival_rate: config.arrival_rate, users: config.users, generation: 0 }
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

    /// The user who sends the next request, uniformly among all users.
    pub fn next_user(&self, rng: &mut Rng) -> u32 {
        rng.below(self.users)
    }

    /// A user's IPv4 address: fixed per user, spread over the whole address space so that users
    /// rarely share a /24 (what nginx `ip_hash` keys on).
    pub fn address_of(user: u32) -> [u8; 4] {
        let mut z = u64::from(user).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) as u32).to_be_bytes()
    }
}
