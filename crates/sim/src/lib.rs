//! Scalelab's model: a deterministic discrete-event simulation of web systems.
//!
//! A validated [`Scenario`] goes in ([`Scenario::validate`]), a [`Sim`] runs it by [`Sim::step`]
//! and [`Sim::run_until`], takes [`Command`]s while it runs, and gives out a plain-data
//! [`Snapshot`] and [`Metrics`]. No I/O, no clock, no OS randomness: the same scenario and seed
//! give the same run on every platform, natively and in WebAssembly.

pub mod ab;
pub mod budget;
pub mod caching;
pub mod calendar;
mod command;
pub mod compare;
pub mod components;
pub mod data;
mod engine;
mod event_queue;
pub mod link;
pub mod metrics;
pub mod presets;
pub mod profile;
pub mod queueing;
pub mod rng;
pub mod run;
pub mod run_set;
pub mod scenario;
pub mod service;
pub mod session_cookie;
pub mod snapshot;
pub mod sweep;
pub mod time;
pub mod trace;
pub mod validate;
pub mod zlib;

pub use command::{Command, CommandError};
pub use engine::Sim;
pub use metrics::{Counters, Metrics, SecondSample, Summary};
pub use scenario::{Algorithm, Scenario, ValidScenario};
pub use service::ServiceTime;
pub use snapshot::Snapshot;
pub use time::SimTime;
pub use validate::ValidationError;

/// Runs a scenario from the start for `duration` and returns its figures.
pub fn run_for(scenario: ValidScenario, duration: SimTime) -> Summary {
    let mut sim = Sim::new(scenario);
    sim.run_until(duration);
    sim.summary()
}
