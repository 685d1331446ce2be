//! Stage one: the command line into a `Request`, checking only its form.

use sim::SimTime;

pub const USAGE: &str = "\
Scalelab: watch web systems scale (native runner)

USAGE:
    scalelab run [SCENARIO] [--seed N] [--duration SECONDS] [--json]
    scalelab ab [-n REQUESTS] [-c CONCURRENCY] [-t SECONDS] [-k] [-H HEADER] [-C COOKIE] [-s TIMEOUT] [SCENARIO]
    scalelab sql [SCENARIO] QUERY [--explain] [--json] [--seed N]
    scalelab dump [SCENARIO] TABLE [--seed N]
    scalelab reshard SCENARIO --to SHARDS [--seed N]
    scalelab presets
    scalelab show PRESET
    scalelab cookie sign --secret KEY [--salt SALT] [--timestamp UNIX_SECONDS] JSON
    scalelab cookie verify --secret KEY [--salt SALT] [--max-age SECONDS] [--now UNIX_SECONDS] COOKIE

SCENARIO is a preset name (see `scalelab presets`), a scenario JSON file (start from
`scalelab show default > my.json`), or a share link copied from the web app. Without one,
the default scenario runs. --duration defaults to 60 s, or to a link's playback position.

`sql` runs one query against the scenario's database (a data preset such as
data-sharded-by-user; without one, a single-server database of 10,000 rows) and prints its
result and plan: the shards and partitions touched, the SQL each received, the rows examined.
`dump` prints a table as CSV with a header, to load the same rows into PostgreSQL.

`ab` drives the scenario with ApacheBench's closed-loop load in place of its own clients and
prints ab 2.3's report (progress on stderr). Times are simulated: same scenario, same report.
";

pub struct RunRequest {
    pub source: Option<String>,
    pub seed: Option<u64>,
    pub duration: Option<SimTime>,
    pub json: bool,
}

/// `sql`, `dump` and `reshard`: a scenario (optional but for reshard) and one argument.
pub struct DataRequest {
    pub source: Option<String>,
    /// the query, or the table to dump
    pub argument: String,
    pub seed: Option<u64>,
    pub explain: bool,
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
    Sql(DataRequest),
    Dump(DataRequest),
    Reshard(DataRequest, u32),
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
        "sql" => parse_data("sql", "a query, for example scalelab sql \"SELECT * FROM users WHERE id = 7\"", rest).map(|(r, _)| Request::Sql(r)),
        "dump" => parse_data("dump", "a table name, for example scalelab dump users", rest).map(|(r, _)| Request::Dump(r)),
        "reshard" => match parse_data("reshard", "a sharded scenario, for example scalelab reshard data-reshard-jump --to 5", rest)? {
            (r, Some(to)) if r.source.is_none() && !r.argument.is_empty() => Ok(Request::Reshard(DataRequest { source: Some(r.argument.clone()), ..r }, to)),
            (_, Some(_)) => Err("`reshard` takes one scenario, for example scalelab reshard data-reshard-jump --to 5".into()),
            (_, None) => Err("`reshard` needs --to and a shard count, for example --to 5".into()),
        },
        other => {
            Err(format!("unknown command `{other}`; the commands are run, ab, sql, dump, reshard, presets, show and cookie (see --help)"))
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

/// `[SCENARIO] ARGUMENT` and the data commands' flags; also returns `--to`, which only
/// `reshard` takes.
fn parse_data(command: &str, needs: &str, rest: &[String]) -> Result<(DataRequest, Option<u32>), String> {
    let mut positional = Vec::new();
    let (mut seed, mut explain, mut json, mut to) = (None, false, false, None);
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--json" if command == "sql" => json = true,
            "--explain" if command == "sql" => explain = true,
            "--seed" => {
                let value = words.next().ok_or("--seed needs a value, for example --seed 7")?;
                seed = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--seed must be a whole number from 0 to {}, not `{value}`", u64::MAX))?,
                );
            }
            "--to" if command == "reshard" => {
                let value = words.next().ok_or("--to needs a shard count, for example --to 5")?;
                let max = sim::validate::limits::data::MAX_SHARDS;
                to = Some(
                    value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or_else(|| format!("--to must be a shard count from 1 to {max}, not `{value}`"))?,
                );
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}` for `{command}`")),
            value => positional.push(value.to_string()),
        }
    }
    let (source, argument) = match positional.len() {
        1 => (None, positional.remove(0)),
        2 => {
            let argument = positional.remove(1);
            (Some(positional.remove(0)), argument)
        }
        0 => return Err(format!("`{command}` needs {needs}")),
        _ => return Err(format!("`{command}` takes a scenario and one more argument; put a query in quotes")),
    };
    Ok((DataRequest { source, argument, seed, explain, json }, to))
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
