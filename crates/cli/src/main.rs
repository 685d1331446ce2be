//! `scalelab`: runs Scalelab's simulation natively. Arguments are read in two stages, ripgrep's
//! way: `args` turns the command line into a raw request, then `input` resolves and validates what
//! it names (a preset, a scenario file, or a share link) before anything runs.

mod args;
mod input;
mod report;

use std::process::ExitCode;

/// Bad input (unknown flag, missing file, damaged link, scenario out of range).
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match run(&argv) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("scalelab: {message}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Everything but the printing, so that the tests see exactly what a user sees.
fn run(argv: &[String]) -> Result<String, String> {
    match args::parse(argv)? {
        args::Request::Help => Ok(args::USAGE.to_string()),
        args::Request::Presets => Ok(report::presets()),
        args::Request::Show { preset } => {
            let p = sim::presets::find(&preset).ok_or_else(|| input::unknown_preset(&preset))?;
            Ok(serde_json::to_string_pretty(&(p.build)()).expect("scenarios serialise") + "\n")
        }
        args::Request::Run(run) => {
            let resolved = input::resolve(run.source.as_deref(), run.seed)?;
            let duration = run.duration.unwrap_or(resolved.default_duration);
            let summary = sim::run_for(resolved.scenario, duration);
            Ok(if run.json { report::json(&summary) } else { report::text(&resolved.name, &summary) })
        }
    }
}
