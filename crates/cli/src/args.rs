//! Stage one: the command line into a `Request`, checking only its form.

use sim::SimTime;

pub const USAGE: &str = "\
Scalelab: watch web systems scale (native runner)

USAGE:
    scalelab run [SCENARIO] [--seed N] [--duration SECONDS] [--json]
    scalelab ab [-n REQUESTS] [-c CONCURRENCY] [-t SECONDS] [-k] [-H HEADER] [-C COOKIE] [-s TIMEOUT] [SCENARIO]
    scalelab presets
    scalelab show PRESET
    scalelab cookie sign --secret KEY [--salt SALT] [--timestamp UNIX_SECONDS] JSON
    scalelab cookie verify --secret KEY [--salt SALT] [--max-age SECONDS] [--now UNIX_SECONDS] COOKIE

SCENARIO is a preset name (see `scalelab presets`), a scenario JSON file (start from
`scalelab show default > my.json`), or a share link copied from the web app. Without one,
the default scenario runs. --duration defaults to 60 s, or to a link's playback position.

`ab` drives the scenario with ApacheBench's closed-loop load in place of its own clients and
prints ab 2.3's report (progress on stderr). Times are simulated: same scenario, same report.
";

pub struct RunRequest {
    pub source: Option<String>,
    pub seed: Option<u64>,
    pub duration: Option<SimTime>,
    pub json: bool,
}

/// `cookie sign` and `cookie verify`: Flask-compatible signed session cookies.
pub enum CookieRequest {
    Sign { secret: String, salt: String, timestamp: Option<u64>, json: String },
    Verify { secret: String, salt: String, max_age: u64, now: Option<u64>, cookie: String },
}

pub enum Request {
    Help,
    Presets,
    Show {
        preset: String,
    },
    Run(RunRequest),
    Cookie(CookieRequest),
    /// ab's own arguments, read by `sim::ab::parse`
    Ab(Vec<String>),
}

/// Longest run the CLI accepts [s]: a day of simulated time.
const MAX_DURATION_S: f64 = 86_400.0;

pub fn parse(argv: &[String]) -> Result<Request, String> {
    let Some((command, rest)) = argv.split_first() else {
        return Ok(Request::Help);
    };
    match command.as_str() {
        "-h" | "--help" | "help" => Ok(Request::Help),
        "presets" => no_more(rest).map(|()| Request::Presets),
        "show" => match rest {
            [preset] => Ok(Request::Show { preset: preset.clone() }),
            _ => Err("`show` takes one preset name, for example `scalelab show default`".into()),
        },
        "run" => parse_run(rest).map(Request::Run),
        "cookie" => parse_cookie(rest).map(Request::Cookie),
        "ab" => Ok(Request::Ab(rest.to_vec())),
        other => {
            Err(format!("unknown command `{other}`; the commands are run, ab, presets, show and cookie (see --help)"))
        }
    }
}

fn no_more(rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(extra) => Err(format!("unexpected argument `{extra}`")),
    }
}

fn parse_run(rest: &[String]) -> Result<RunRequest, String> {
    let mut run = RunRequest { source: None, seed: None, duration: None, json: false };
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--json" => run.json = true,
            "--seed" => {
                let value = words.next().ok_or("--seed needs a value, for example --seed 7")?;
                let seed = value
                    .parse()
                    .map_err(|_| format!("--seed must be a whole number from 0 to {}, not `{value}`", u64::MAX))?;
                run.seed = Some(seed);
            }
            "--duration" => {
                let value = words.next().ok_or("--duration needs a value in seconds, for example --duration 30")?;
                let seconds: f64 =
                    value.parse().ok().filter(|s: &f64| *s > 0.0 && *s <= MAX_DURATION_S).ok_or_else(|| {
                        format!("--duration must be more than 0 and at most {MAX_DURATION_S} seconds, not `{value}`")
                    })?;
                run.duration = Some(SimTime::from_secs_f64(seconds));
            }
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}`; run takes --seed, --duration and --json"))
            }
            source if run.source.is_none() => run.source = Some(source.to_string()),
            extra => return Err(format!("unexpected argument `{extra}`: name one scenario at most")),
        }
    }
    Ok(run)
}

fn parse_cookie(rest: &[String]) -> Result<CookieRequest, String> {
    let Some((action, rest)) = rest.split_first() else {
        return Err("`cookie` needs `sign` or `verify` (see --help)".into());
    };
    let mut secret = None;
    let mut salt = sim::session_cookie::FLASK_SALT.to_string();
    let mut timestamp = None;
    let mut max_age = sim::session_cookie::DEFAULT_MAX_AGE_S;
    let mut now = None;
    let mut positional = None;
    let mut words = rest.iter();
    let number = |flag: &str, value: Option<&String>| -> Result<u64, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
        value.parse().map_err(|_| format!("{flag} must be a whole number of seconds, not `{value}`"))
    };
    while let Some(word) = words.next() {
        match word.as_str() {
            "--secret" => secret = Some(words.next().ok_or("--secret needs a value")?.clone()),
            "--salt" => salt = words.next().ok_or("--salt needs a value")?.clone(),
            "--timestamp" => timestamp = Some(number("--timestamp", words.next())?),
            "--max-age" => max_age = number("--max-age", words.next())?,
            "--now" => now = Some(number("--now", words.next())?),
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}` for `cookie {action}`")),
            value if positional.is_none() => positional = Some(value.to_string()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let secret = secret.ok_or("--secret is required: the app's SECRET_KEY")?;
    match action.as_str() {
        "sign" => {
            let json = positional.ok_or("`cookie sign` needs the session as JSON, for example '{\"user_id\":42}'")?;
            if now.is_some() {
                return Err("--now is for `cookie verify`; `cookie sign` takes --timestamp".into());
            }
            Ok(CookieRequest::Sign { secret, salt, timestamp, json })
        }
        "verify" => {
            let cookie = positional.ok_or("`cookie verify` needs the cookie's value")?;
            Ok(CookieRequest::Verify { secret, salt, max_age, now, cookie })
        }
        other => Err(format!("unknown cookie action `{other}`; use `sign` or `verify`")),
    }
}
