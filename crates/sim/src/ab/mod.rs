//! ApacheBench, simulated: ab's flags, its closed-loop load (c connections, each sending its next
//! request when the last is answered), and its report with ab 2.3's exact layout and formulas
//! (`support/ab.c`, `output_results`; semantics.md §8). Times are simulated time, so the same
//! scenario and seed give the same report.

mod load_tester;
mod report;
mod response;

pub use load_tester::*;
pub use report::*;
pub use response::*;

/// ab's `MAX_CONCURRENCY`.
pub const MAX_CONCURRENCY: u32 = 20_000;

/// ab's `MAX_REQUESTS`: `-t` sets the number of requests to this (a later `-n` overrides it,
/// as ab reads its flags in order).
pub const TIMED_REQUESTS: u32 = 50_000;

/// The most requests one simulated benchmark may send (a browser's memory: 12 bytes each).
pub const MAX_REQUESTS: u32 = 10_000_000;

/// The flags this ab takes, in the layout of ab's own `-h` (the CLI and the page each say
/// where the scenario comes from).
pub const USAGE: &str = "\
Options are:
    -n requests     Number of requests to perform (default 1)
    -c concurrency  Number of multiple requests to make at a time (default 1)
    -t timelimit    Seconds to max. to spend on benchmarking (simulated)
                    This implies -n 50000
    -s timeout      Seconds to max. wait for each response
                    Default is 30 seconds
    -C attribute    Add cookie, eg. 'Apache=1234' (the last -C counts)
    -H attribute    Add Arbitrary header line, eg. 'Accept-Encoding: gzip'
                    Inserted after all normal header lines. (repeatable)
    -k              Use HTTP KeepAlive feature
    -h              Display usage information (this message)
";

/// What ab was asked to do.
#[derive(Clone, Debug, PartialEq)]
pub struct AbOptions {
    /// `-n`
    pub requests: u32,
    /// `-c`
    pub concurrency: u32,
    /// `-t` [s]
    pub time_limit_s: Option<u32>,
    /// `-k`
    pub keepalive: bool,
    /// `-H`, each as given
    pub headers: Vec<String>,
    /// `-C name=value`
    pub cookie: Option<String>,
    /// `-s` [s], ab's default 30
    pub timeout_s: u32,
}

impl Default for AbOptions {
    fn default() -> Self {
        AbOptions {
            requests: 1,
            concurrency: 1,
            time_limit_s: None,
            keepalive: false,
            headers: Vec::new(),
            cookie: None,
            timeout_s: 30,
        }
    }
}

impl AbOptions {
    /// Every cookie ab's requests carry: `-C`'s, and those of any `-H 'Cookie: …'` (ab sends
    /// both headers; a balancer reads them all). None when there are none.
    pub fn cookies(&self) -> Option<String> {
        let from_headers = self.headers.iter().filter_map(|h| {
            let (name, value) = h.split_once(':')?;
            name.trim().eq_ignore_ascii_case("cookie").then(|| value.trim().to_string())
        });
        let all: Vec<String> = self.cookie.clone().into_iter().chain(from_headers).collect();
        (!all.is_empty()).then(|| all.join("; "))
    }
}

/// A command line ab refuses, with ab's own words.
#[derive(Clone, Debug, PartialEq)]
pub struct AbUsageError(pub String);

impl std::fmt::Display for AbUsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// ab's `atoi`: leading digits (with a sign); anything else reads as 0.
fn atoi(text: &str) -> i64 {
    let t = text.trim_start();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    sign * digits[..end].parse::<i64>().unwrap_or(0).min(i64::from(i32::MAX))
}

/// Splits a line of flags into words as a POSIX shell does: spaces separate them, '…' and "…"
/// group (so `-H "Accept-Encoding: gzip"` is one header, as in a terminal), and a backslash
/// escapes the next character outside single quotes. The page's flags field needs it; the CLI's
/// words come already split by the shell.
pub fn split_flags(line: &str) -> Result<Vec<String>, AbUsageError> {
    let unclosed = |quote: char| {
        AbUsageError(format!(
            "A quote is not closed: end it with {quote}, as in -H {quote}Accept-Encoding: gzip{quote}"
        ))
    };
    let mut words = Vec::new();
    let mut word: Option<String> = None; // None between words, so "" still makes a word
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next().ok_or_else(|| unclosed('\''))? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next().ok_or_else(|| unclosed('"'))? {
                        '"' => break,
                        // Inside double quotes a backslash escapes only these, as in sh.
                        '\\' => match chars.next().ok_or_else(|| unclosed('"'))? {
                            c @ ('"' | '\\' | '$' | '`') => w.push(c),
                            c => w.extend(['\\', c]),
                        },
                        c => w.push(c),
                    }
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// Whether the arguments ask for `USAGE` (ab's `-h`, or `--help`) instead of a run.
pub fn asks_for_usage(args: &[String]) -> bool {
    args.iter().any(|a| a == "-h" || a == "--help")
}

/// Reads ab's flags (`-n -c -t -k -H -C -s`); returns the options and the other arguments (what
/// to benchmark). Refusals use ab's messages.
pub fn parse(args: &[String]) -> Result<(AbOptions, Vec<String>), AbUsageError> {
    let mut o = AbOptions::default();
    let mut rest = Vec::new();
    let mut i = 0;
    let fail = |m: &str| Err(AbUsageError(m.to_string()));
    while i < args.len() {
        let arg = &args[i];
        let flag = arg.strip_prefix('-').filter(|f| !f.is_empty() && arg != "-");
        let Some(flag) = flag else {
            rest.push(arg.clone());
            i += 1;
            continue;
        };
        let (letter, attached) = flag.split_at(1);
        let takes_value = matches!(letter, "n" | "c" | "t" | "H" | "C" | "s");
        let value = if !takes_value {
            if !attached.is_empty() {
                return fail(&format!("ab: invalid option -- '{}'", &attached[..1]));
            }
            String::new()
        } else if !attached.is_empty() {
            attached.to_string()
        } else {
            i += 1;
            match args.get(i) {
                Some(v) => v.clone(),
                None => return fail(&format!("ab: option requires an argument -- '{letter}'")),
            }
        };
        match letter {
            "n" => {
                let n = atoi(&value);
                if n <= 0 {
                    return fail("Invalid number of requests");
                }
                if n > i64::from(MAX_REQUESTS) {
                    return fail(&format!(
                        "Invalid number of requests (a simulated benchmark sends at most {MAX_REQUESTS})"
                    ));
                }
                o.requests = n as u32;
            }
            "c" => {
                let c = atoi(&value);
                if c < 0 {
                    return fail("Invalid negative concurrency");
                }
                if c == 0 || c > i64::from(MAX_CONCURRENCY) {
                    return fail(&format!("ab: Invalid Concurrency [Range 1..{MAX_CONCURRENCY}]"));
                }
                o.concurrency = c as u32;
            }
            "t" => {
                let t = atoi(&value);
                if t < 0 {
                    return fail("Invalid negative timelimit");
                }
                // `-t 0` is no limit at all, but still 50,000 requests, as in ab.
                o.time_limit_s = (t > 0).then_some(t.min(86_400) as u32);
                o.requests = TIMED_REQUESTS;
            }
            "s" => {
                let s = atoi(&value);
                if s <= 0 {
                    // ab reads the number with atoi, so "0.5" is 0 seconds: say so, or the
                    // refusal of a positive-looking value reads as a bug.
                    return fail(&format!(
                        "Invalid timeout \"{value}\": -s takes whole seconds, as ab's does; give 1 or more"
                    ));
                }
                o.timeout_s = s.min(86_400) as u32;
            }
            "k" => o.keepalive = true,
            "H" => o.headers.push(value),
            "C" => o.cookie = Some(value),
            other => return fail(&format!("ab: invalid option -- '{other}' (this ab takes -n -c -t -k -H -C -s)")),
        }
        i += 1;
    }
    if o.concurrency > o.requests {
        return fail("Cannot use concurrency level greater than total number of requests");
    }
    Ok((o, rest))
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn flags_read_as_ab_reads_them_and_bad_ones_get_abs_words() {
        let (o, rest) = parse(&args("-n 1000 -c10 -k -H Accept:text/html -C session=abc -s 5 default")).unwrap();
        assert_eq!((o.requests, o.concurrency, o.keepalive, o.timeout_s), (1_000, 10, true, 5));
        assert_eq!(
            (o.headers, o.cookie, rest),
            (vec!["Accept:text/html".to_string()], Some("session=abc".into()), args("default"))
        );
        assert_eq!(parse(&args("-t 30")).unwrap().0.requests, TIMED_REQUESTS);
        // ab reads its flags in order: -t after -n sets 50,000 again, -n after -t wins; -t 0 is
        // no time limit with 50,000 requests.
        assert_eq!(parse(&args("-n 100 -t 30")).unwrap().0.requests, TIMED_REQUESTS);
        assert_eq!(parse(&args("-t 30 -n 100")).unwrap().0.requests, 100);
        let (no_limit, _) = parse(&args("-t 0")).unwrap();
        assert_eq!((no_limit.requests, no_limit.time_limit_s), (TIMED_REQUESTS, None));
        let refused = |line: &str| parse(&args(line)).unwrap_err().0;
        assert_eq!(refused("-n 10 -c 100"), "Cannot use concurrency level greater than total number of requests");
        assert_eq!(refused("-n 0"), "Invalid number of requests");
        assert_eq!(refused("-n -5"), "Invalid number of requests");
        assert_eq!(refused("-n lots"), "Invalid number of requests");
        assert_eq!(refused("-n 10 -c -1"), "Invalid negative concurrency");
        assert_eq!(refused("-n 10 -c 0"), "ab: Invalid Concurrency [Range 1..20000]");
        assert_eq!(refused("-t -1"), "Invalid negative timelimit");
        assert_eq!(refused("-s 0.5"), r#"Invalid timeout "0.5": -s takes whole seconds, as ab's does; give 1 or more"#);
        assert_eq!(parse(&args("-s 2")).unwrap().0.timeout_s, 2);
        assert_eq!(refused("-n"), "ab: option requires an argument -- 'n'");
    }

    #[test]
    fn flags_typed_in_the_page_split_as_a_shell_splits_them() {
        let line = r#"-n 10  -H "Accept-Encoding: gzip" -C 'a=b c' -H X-Q:\ 1 -H "say \"hi\" \n" """#;
        let words = split_flags(line).unwrap();
        let expected =
            ["-n", "10", "-H", "Accept-Encoding: gzip", "-C", "a=b c", "-H", "X-Q: 1", "-H", r#"say "hi" \n"#, ""];
        assert_eq!(words, expected);
        let (o, rest) = parse(&words[..6]).unwrap();
        assert_eq!(
            (o.headers, o.cookie, rest.len()),
            (vec!["Accept-Encoding: gzip".to_string()], Some("a=b c".into()), 0)
        );
        assert_eq!(split_flags("  ").unwrap(), Vec::<String>::new());
        let open = split_flags(r#"-H "Accept: text/html"#).unwrap_err().0;
        assert!(open.starts_with("A quote is not closed: end it with \""), "{open}");
        assert!(split_flags("-C 'a=b").unwrap_err().0.contains("end it with '"));
    }

    #[test]
    fn cookies_come_from_c_and_from_cookie_headers() {
        let cookies = |flags: &str| parse(&split_flags(flags).unwrap()).unwrap().0.cookies();
        assert_eq!(cookies("-n 1"), None);
        assert_eq!(cookies("-C SERVERID=s2"), Some("SERVERID=s2".into()));
        assert_eq!(cookies("-H 'cookie: SERVERID=s3' -H 'Accept: */*'"), Some("SERVERID=s3".into()));
        assert_eq!(cookies("-C a=1 -H 'Cookie: b=2'"), Some("a=1; b=2".into()));
    }

    #[test]
    fn progress_follows_the_count_or_the_time_limit_whichever_is_further() {
        let secs = SimTime::from_secs;
        let mut counted = LoadTester::new(AbOptions { requests: 4, concurrency: 1, ..AbOptions::default() });
        counted.start_next(0, SimTime::ZERO);
        counted.answered(0, Response::Ok, 0, SimTime::ZERO, secs(1));
        assert_eq!(counted.progress(secs(1)), 0.25);
        // -t 10: 50,000 requests, but at 4 s of 10 the run is 40% done.
        let (timed, _) = parse(&args("-t 10")).unwrap();
        let mut timed = LoadTester::new(timed);
        timed.start_next(0, SimTime::ZERO);
        timed.answered(0, Response::Ok, 0, SimTime::ZERO, secs(1));
        assert_eq!(timed.progress(secs(4)), 0.4);
        assert_eq!(timed.progress(secs(10)), 1.0);
    }

    /// A hand-computed run: c = 2, four responses, T = 0.5 s.
    #[test]
    fn the_formulas_on_a_small_hand_computed_run() {
        let o = AbOptions { requests: 4, concurrency: 2, ..AbOptions::default() };
        let mut t = AbTally::default();
        let ms = SimTime::from_millis;
        // (connection start, written, answered) [ms]: totals 100, 200, 150, 300; connect 40 each.
        for (start, end) in [(0, 100), (0, 200), (100, 250), (200, 500)] {
            t.record(Response::Ok, 0, false, ms(start), ms(start + 40), ms(end));
        }
        let r = AbReport::from_tally(&t, &o, SimTime::ZERO);
        assert_eq!(r.time_taken_s, 0.5);
        assert_eq!(r.requests_per_second(), 8.0, "4 / 0.5");
        assert_eq!(r.time_per_request_ms(), 250.0, "2 × 0.5 × 1000 / 4");
        assert_eq!(r.time_per_request_across_ms(), 125.0, "0.5 × 1000 / 4");
        let total = r.rows.unwrap()[3];
        // mean 187.5 ms → integer µs mean 187500 → 188; sd = sqrt((87.5² + 12.5² + 37.5² + 112.5²)/3)
        assert_eq!((total.min, total.mean, total.max), (100, 188, 300));
        assert!((total.sd - 85.391).abs() < 0.001, "{}", total.sd);
        // Even count: ab takes the element at count/2 of the sorted totals (200).
        assert_eq!(total.median, 200);
        assert_eq!(r.percentiles[0], (50, 200));
        assert_eq!(r.percentiles[8], (100, 300));
        let text = r.text();
        assert!(text.contains("Time per request:       250.000 [ms] (mean)\n"), "{text}");
        assert!(text.contains("Total:        100  188  85.4    200     300\n"), "{text}");
        assert!(text.contains("Requests per second:    8.00 [#/sec] (mean)\n"), "{text}");
    }

    #[test]
    fn an_odd_count_takes_abs_median_of_the_middle_two_after_it() {
        // ab.c: for an odd count it averages stats[n/2] and stats[n/2 + 1].
        let mut values = vec![1_000u32, 2_000, 9_000];
        assert_eq!(row(&mut values).median, 6);
    }

    #[test]
    fn the_radix_sort_sorts() {
        let mut state = 7u64;
        let mut values: Vec<u32> = (0..10_000).map(|_| crate::rng::splitmix64(&mut state) as u32).collect();
        let mut expected = values.clone();
        expected.sort_unstable();
        radix_sort(&mut values);
        assert_eq!(values, expected);
    }

    #[test]
    fn heartbeats_as_ab_prints_them() {
        assert_eq!(heartbeat_every(100), 100);
        assert_eq!(heartbeat_every(1_000), 100);
        assert_eq!(heartbeat_every(1_000_000), 100_000);
    }
}
