//! `scalelab`: runs Scalelab's simulation natively. Arguments are read in two stages, ripgrep's
//! way: `args` turns the command line into a raw request, then `input` resolves and validates what
//! it names (a preset, a scenario file, or a share link) before anything runs.

mod args;
mod cookie;
mod input;
mod report;

use std::process::ExitCode;

/// Bad input (unknown flag, missing file, damaged link, scenario out of range).
const EXIT_BAD_INPUT: u8 = 2;
/// `cookie verify` on a cookie that does not verify (ran fine; the answer is no).
const EXIT_REFUSED: u8 = 1;

/// How a command ended, beyond success.
pub enum Failure {
    BadInput(String),
    Refused(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::BadInput(message)
    }
}
impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::BadInput(message.to_string())
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match run(&argv) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(Failure::BadInput(message)) => {
            eprintln!("scalelab: {message}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
        Err(Failure::Refused(message)) => {
            eprintln!("scalelab: {message}");
            ExitCode::from(EXIT_REFUSED)
        }
    }
}

/// Everything but the printing, so that the tests see exactly what a user sees.
fn run(argv: &[String]) -> Result<String, Failure> {
    match args::parse(argv)? {
        args::Request::Cookie(request) => cookie::run(request),
        args::Request::Help => Ok(args::USAGE.to_string()),
        args::Request::Presets => Ok(report::presets()),
        args::Request::Show { preset } => {
            let p = sim::presets::find(&preset).ok_or_else(|| Failure::BadInput(input::unknown_preset(&preset)))?;
            Ok(serde_json::to_string_pretty(&(p.build)()).expect("scenarios serialise") + "\n")
        }
        args::Request::Run(run) => {
            let resolved = input::resolve(run.source.as_deref(), run.seed)?;
            let duration = run.duration.unwrap_or(resolved.default_duration);
            let mut sim = sim::Sim::new(resolved.scenario);
            sim.run_until(duration);
            let summary = sim.summary();
            Ok(if run.json {
                report::json(&summary)
            } else {
                report::text(&resolved.name, &summary) + &report::autoscaling(sim.autoscaler())
            })
        }
    }
}
