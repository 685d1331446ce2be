//! The parts of the modelled system. Each has the same shape: a struct that owns its state, built
//! from its slice of the scenario, with methods the engine (`crate::engine`) calls as events happen.
//! A component decides; the engine moves requests between components and schedules events.

pub mod algorithm;
pub mod autoscaler;
pub mod balancer;
pub mod clients;
pub mod data_tier;
pub mod hashing;
pub mod health;
pub mod server;
pub mod session_store;
pub mod sessions;
