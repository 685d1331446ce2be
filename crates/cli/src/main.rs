//! `scalelab`: runs Scalelab's simulation natively. Arguments are read in two stages, ripgrep's
//! way: `args` turns the command line into a raw request, then `input` resolves and validates what
//! it names (a preset, a scenario file, or a share link) before anything runs.

mod args;
mod cookie;
mod input;
mod report;
mod sql;

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

/// `scalelab ab`: ab's closed-loop load on the scenario, progress on stderr as ab prints it,
/// the report on stdout.
fn run_ab(ab_args: &[String]) -> Result<String, Failure> {
    if sim::ab::asks_for_usage(ab_args) {
        return Ok(format!(
            "Usage: scalelab ab [options] [SCENARIO]\n{}SCENARIO is a preset, a scenario file or a share link (without one, the default scenario).\n",
            sim::ab::USAGE
        ));
    }
    let (options, rest) = sim::ab::parse(ab_args).map_err(|e| Failure::BadInput(e.0))?;
    if rest.len() > 1 {
        return Err(Failure::BadInput(format!("ab takes one scenario, not {}: {}", rest.len(), rest.join(" "))));
    }
    let resolved = input::resolve(rest.first().map(String::as_str), None)?;
    let requests = options.requests;
    eprintln!("Scalelab ab: ApacheBench 2.3's load and report, on a simulated run of `{}`", resolved.name);
    eprintln!();
    eprintln!("Benchmarking {} (be patient)", sim::ab::HOSTNAME);
    let mut benchmark = sim::run::BenchmarkRun::new(resolved.scenario.get(), options, None)?;
    let every = sim::ab::heartbeat_every(requests);
    let mut reported = 0;
    loop {
        let finished = benchmark.advance(sim::budget::Budget::events(100_000));
        while reported + every <= benchmark.requests_done() {
            reported += every;
            eprintln!("Completed {reported} requests");
        }
        if finished {
            break;
        }
    }
    let done = benchmark.requests_done();
    let finished = benchmark.finish().and_then(|runs| runs.into_iter().next()).ok_or("the benchmark did not finish")?;
    let report = finished.report.map_err(Failure::Refused)?;
    eprintln!("Finished {done} requests");
    Ok(report.text())
}

/// Everything but the printing, so that the tests see exactly what a user sees.
fn run(argv: &[String]) -> Result<String, Failure> {
    match args::parse(argv)? {
        args::Request::Cookie(request) => cookie::run(request),
        args::Request::Help => Ok(args::USAGE.to_string()),
        args::Request::Presets => Ok(report::presets()),
        args::Request::Show { preset } => {
            // a preset, or one of the benches' scenarios
            let scenario = sim::presets::find(&preset)
                .map(|p| (p.build)())
                .or_else(|| sim::presets::bench::named(&preset))
                .ok_or_else(|| Failure::BadInput(input::unknown_preset(&preset)))?;
            Ok(serde_json::to_string_pretty(&scenario).expect("scenarios serialise") + "\n")
        }
        args::Request::Ab(ab_args) => run_ab(&ab_args),
        args::Request::Sql(request) => sql::sql(request),
        args::Request::Dump(request) => sql::dump(request),
        args::Request::Reshard(request, to) => sql::reshard(request, to),
        args::Request::Run(run) => {
            let resolved = input::resolve(run.source.as_deref(), run.seed)?;
            let duration = run.duration.unwrap_or(resolved.default_duration);
            let mut scenario_run = sim::run::Run::new(resolved.scenario, None);
            scenario_run.run_until(duration);
            let report = scenario_run.report();
            Ok(if run.json {
                report::json(&report)
            } else {
                report::text(&resolved.name, &report.summary)
                    + &report::autoscaling(report.autoscaler.as_ref())
                    + &report::caching(report.caching.as_ref())
                    + &report::database(report.data.as_ref())
            })
        }
    }
}
