//! Stage two: what the user named (preset, file or link) into a validated scenario.

use sim::{link, presets, Scenario, SimTime, ValidScenario};
use std::path::Path;

pub struct Resolved {
    /// what to call the scenario in the report
    pub name: String,
    pub scenario: ValidScenario,
    pub default_duration: SimTime,
}

const DEFAULT_DURATION: SimTime = SimTime::from_secs(60);

pub fn unknown_preset(name: &str) -> String {
    let names: Vec<&str> = presets::PRESETS.iter().map(|p| p.name).collect();
    format!("there is no preset named `{name}`; the presets are: {}", names.join(", "))
}

fn invalid(what: &str, errors: Vec<sim::ValidationError>) -> String {
    let list: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
    format!("{what} has settings out of range:\n{}", list.join("\n"))
}

pub fn resolve(source: Option<&str>, seed: Option<u64>) -> Result<Resolved, String> {
    let (name, mut scenario, default_duration) = match source {
        None => ("default".to_string(), Scenario::default(), DEFAULT_DURATION),
        Some(text) => {
            if let Some(preset) = presets::find(text) {
                (preset.name.to_string(), (preset.build)(), DEFAULT_DURATION)
            } else if Path::new(text).exists() || text.ends_with(".json") {
                (text.to_string(), read_file(text)?, DEFAULT_DURATION)
            } else if text.contains("v1.") || text.contains('#') {
                let run = link::decode(text).map_err(|e| format!("cannot open that link: {e}"))?;
                let duration = if run.at > SimTime::ZERO { run.at } else { DEFAULT_DURATION };
                ("shared link".to_string(), run.scenario.into_inner(), duration)
            } else if text.starts_with("http://") || text.starts_with("https://") {
                // A page address copied from the bar before Share wrote the run into it.
                return Err(format!(
                    "`{text}` is a web address with no scenario in it: a share link ends in `#v1.` and a \
                     long code. In the page, press Share and paste the whole link it copies."
                ));
            } else {
                return Err(format!(
                    "`{text}` is not a preset, a file or a share link. {}",
                    unknown_preset(text).replace("there is no preset named", "For presets: no preset is named")
                ));
            }
        }
    };
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let scenario = scenario.validate().map_err(|e| invalid(&format!("scenario `{name}`"), e))?;
    Ok(Resolved { name, scenario, default_duration })
}

fn read_file(path: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    serde_json::from_str(&text).map_err(|e| {
        format!("`{path}` is not a valid scenario: {e}. Start from `scalelab show default` for the format.")
    })
}
