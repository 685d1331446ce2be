//! The panels around the diagram: each a function component of the same shape (props in,
//! callbacks out), holding no model state of its own.

pub mod benchmark;
pub mod cache_lab;
pub mod charts;
pub mod controls;
pub mod cookie_lab;
pub mod data_console;
pub mod dialog;
pub mod event_log;
pub mod gallery;
pub mod knob_table;
pub mod knobs;
pub mod lesson;
pub mod load_curve;
pub mod questions;
pub mod scaling_log;
pub mod server_panel;
pub mod sessions_compare;
pub mod space_time;
pub mod stats;
pub mod store_panel;
pub mod theme;
pub mod user_panel;
