//! ApacheBench, simulated: ab's flags, its closed-loop load (c connections, each sending its next
//! request when the last is answered), and its report with ab 2.3's exact layout and formulas
//! (`support/ab.c`, `output_results`; semantics.md §8). Times are simulated time, so the same
//! scenario and seed give the same report.

use crate::time::SimTime;
use std::fmt::Write as _;

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

/// How a response ended, as ab sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    /// 200 from the application
    Ok,
    /// 503 from the balancer: no server could take it (HAProxy's errorfile)
    ServiceUnavailable,
    /// 502 from the balancer: the server died holding it
    BadGateway,
    /// 500 from the application (its session store was down)
    InternalServerError,
}

/// The simulated site's document.
pub const DOCUMENT_PATH: &str = "/";
pub const HOSTNAME: &str = "app.scalelab.test";
pub const PORT: u16 = 80;
pub const SERVER_SOFTWARE: &str = "gunicorn";
/// Bytes of the page every 200 carries.
pub const DOCUMENT_BYTES: u64 = 2_048;

/// HAProxy 2.x/3.x built-in error pages (`http_err_msgs`), and Flask's default 500 page.
const BODY_503: &str =
    "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";
const BODY_502: &str =
    "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n";
const BODY_500: &str = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n";

impl Response {
    /// How many kinds there are (the last variant's index + 1).
    const KINDS: usize = Response::InternalServerError as usize + 1;

    pub fn is_2xx(self) -> bool {
        self == Response::Ok
    }

    /// Body bytes.
    pub fn body_bytes(self) -> u64 {
        match self {
            Response::Ok => DOCUMENT_BYTES,
            Response::ServiceUnavailable => BODY_503.len() as u64,
            Response::BadGateway => BODY_502.len() as u64,
            Response::InternalServerError => BODY_500.len() as u64,
        }
    }

    /// The status line and headers, as the bytes ab reads.
    pub fn head(self, keepalive: bool) -> String {
        let connection = if keepalive && self.is_2xx() { "keep-alive" } else { "close" };
        match self {
            Response::Ok => format!(
                "HTTP/1.1 200 OK\r\nServer: {SERVER_SOFTWARE}\r\nDate: Sat, 28 Nov 2026 00:00:00 GMT\r\nConnection: {connection}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {DOCUMENT_BYTES}\r\n\r\n"
            ),
            Response::ServiceUnavailable | Response::BadGateway => format!(
                "HTTP/1.1 {}\r\ncontent-length: {}\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n",
                if self == Response::BadGateway { "502 Bad Gateway" } else { "503 Service Unavailable" },
                self.body_bytes()
            ),
            Response::InternalServerError => format!(
                "HTTP/1.1 500 INTERNAL SERVER ERROR\r\nServer: {SERVER_SOFTWARE}\r\nDate: Sat, 28 Nov 2026 00:00:00 GMT\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
                self.body_bytes()
            ),
        }
    }
}

/// One answered request's times [µs], as ab's `struct data`: connect (`ctime`), total (`time`),
/// and waiting for the first byte after the request was written.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timing {
    pub connect_us: u32,
    pub total_us: u32,
    pub wait_us: u32,
}

/// What ab counts as the run goes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AbTally {
    pub timings: Vec<Timing>,
    pub document_bytes: Option<u64>,
    pub failed_length: u64,
    pub non_2xx: u64,
    pub keepalive_responses: u64,
    pub total_read: u64,
    pub html_read: u64,
    /// time of the last response [simulated]
    pub last: SimTime,
    /// Each kind of response's head length [bytes], without and with keep-alive, worked out the
    /// first time it comes: formatting a head for every response took a tenth of a benchmark.
    head_bytes: [[Option<u64>; 2]; Response::KINDS],
}

impl AbTally {
    /// A response arrived; `connection_start`, `written` and `now` are its moments, and
    /// `added_head_bytes` the headers the balancer or the app's session layer added to its kind's
    /// usual head (ab counts every byte it reads in Total transferred).
    pub fn record(
        &mut self,
        response: Response,
        added_head_bytes: u64,
        keepalive: bool,
        connection_start: SimTime,
        written: SimTime,
        now: SimTime,
    ) {
        let us = |d: SimTime| d.0.min(u64::from(u32::MAX)) as u32;
        self.timings.push(Timing {
            connect_us: us(written - connection_start),
            total_us: us(now - connection_start),
            wait_us: us(now - written),
        });
        let body = response.body_bytes();
        let doc = *self.document_bytes.get_or_insert(body);
        if body != doc {
            self.failed_length += 1;
        }
        if !response.is_2xx() {
            self.non_2xx += 1;
        } else if keepalive {
            self.keepalive_responses += 1;
        }
        let head = self.head_bytes[response as usize][usize::from(keepalive)]
            .get_or_insert_with(|| response.head(keepalive).len() as u64);
        self.total_read += *head + added_head_bytes + body;
        self.html_read += body;
        self.last = now;
    }

    pub fn done(&self) -> u64 {
        self.timings.len() as u64
    }
}

/// Rounds µs to whole ms as ab's `ap_round_ms`.
fn round_ms(us: i64) -> i64 {
    (us + 500) / 1_000
}

/// Sorts in three passes of 11 bits: a million response times in a few milliseconds, where a
/// comparison sort would hold up a browser frame.
fn radix_sort(values: &mut Vec<u32>) {
    const BITS: u32 = 11;
    const BUCKETS: usize = 1 << BITS;
    // Passes above the largest value's top digit would move nothing: skip them.
    let largest = values.iter().copied().max().unwrap_or(0);
    let passes = (32 - largest.leading_zeros()).div_ceil(BITS);
    let mut scratch = vec![0u32; values.len()];
    for pass in 0..passes {
        let shift = pass * BITS;
        let digit = |v: u32| ((v >> shift) as usize) & (BUCKETS - 1);
        let mut starts = [0usize; BUCKETS];
        for &v in values.iter() {
            starts[digit(v)] += 1;
        }
        let mut sum = 0;
        for s in starts.iter_mut() {
            let n = *s;
            *s = sum;
            sum += n;
        }
        for &v in values.iter() {
            let d = digit(v);
            scratch[starts[d]] = v;
            starts[d] += 1;
        }
        std::mem::swap(values, &mut scratch);
    }
}

/// One row of the Connection Times table [ms, sd as a float].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeRow {
    pub min: i64,
    pub mean: i64,
    pub sd: f64,
    pub median: i64,
    pub max: i64,
}

/// ab's row: min, integer mean, sample sd (n − 1), ab's median (which, for an odd count, averages
/// the middle value with the one after it, as ab.c does), max.
fn row(values: &mut [u32]) -> TimeRow {
    // ab sorts; selecting the middle (and the one after it) gives the same values in linear time,
    // which keeps a million-request report inside one browser frame.
    let (count, half) = (values.len(), values.len() / 2);
    let median = match count {
        0 => 0,
        _ => {
            let (_, &mut middle, after) = values.select_nth_unstable(half);
            odd_count_median(count, middle, || after.iter().copied().min().unwrap_or(middle))
        }
    };
    // One pass for both (the page's size-optimised build makes every pass count).
    let (min, max) = match values {
        [] => (0, 0),
        _ => values.iter().fold((u32::MAX, 0), |(min, max), &v| (min.min(v), max.max(v))),
    };
    spread_row(values, min, median, max)
}

/// The row of values already in order (the Total column, which the percentile table sorts).
fn row_of_sorted(sorted: &[u32]) -> TimeRow {
    let Some((&min, &max)) = sorted.first().zip(sorted.last()) else { return spread_row(sorted, 0, 0, 0) };
    let half = sorted.len() / 2;
    let median = odd_count_median(sorted.len(), sorted[half], || sorted.get(half + 1).copied().unwrap_or(sorted[half]));
    spread_row(sorted, min, median, max)
}

/// ab's median quirk: for an odd count it averages the middle value with the one after it.
fn odd_count_median(count: usize, middle: u32, after: impl FnOnce() -> u32) -> i64 {
    if count > 1 && count % 2 == 1 {
        (i64::from(middle) + i64::from(after())) / 2
    } else {
        i64::from(middle)
    }
}

/// Completes a row with ab's mean (integer division) and its sample standard deviation about
/// that mean, as ab computes them.
fn spread_row(values: &[u32], min: u32, median: i64, max: u32) -> TimeRow {
    let count = values.len() as u64;
    let mean = values.iter().map(|&v| u64::from(v)).sum::<u64>() / count.max(1);
    let sd = if count > 1 {
        let squares: f64 = values.iter().map(|&v| (f64::from(v) - mean as f64).powi(2)).sum();
        libm::sqrt(squares / (count - 1) as f64)
    } else {
        0.0
    };
    TimeRow {
        min: round_ms(i64::from(min)),
        mean: round_ms(mean as i64),
        sd: sd / 1_000.0,
        median: round_ms(median),
        max: round_ms(i64::from(max)),
    }
}

/// The report's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct AbReport {
    pub concurrency: u32,
    pub keepalive: bool,
    pub time_taken_s: f64,
    pub complete: u64,
    pub failed_length: u64,
    pub non_2xx: u64,
    pub keepalive_responses: u64,
    pub document_bytes: u64,
    pub total_read: u64,
    pub html_read: u64,
    /// Connect, Processing, Waiting, Total
    pub rows: Option<[TimeRow; 4]>,
    /// (percent, ms) for 50 66 75 80 90 95 98 99 100
    pub percentiles: Vec<(u32, i64)>,
    /// total times [µs], sorted: for the histogram and the percentile chart
    pub totals_us: Vec<u32>,
}

const PERCENTS: [u32; 9] = [50, 66, 75, 80, 90, 95, 98, 99, 100];

/// Works out a report a column at a time: a million requests take a browser frame per step
/// (the page runs one step per frame; `AbReport::from_tally` runs them all).
#[derive(Default)]
pub struct ReportBuilder {
    /// total times [µs], sorted (the first step)
    totals: Option<Vec<u32>>,
    /// Connect, Processing, Waiting (one step each), then Total
    rows: Vec<TimeRow>,
}

impl ReportBuilder {
    /// Does the next step; returns true once every step is done.
    pub fn step(&mut self, tally: &AbTally) -> bool {
        if tally.timings.is_empty() {
            return true;
        }
        // Generic rather than a function pointer: each column gets its own loop with the field
        // read inlined, where the page's size-optimised build would call the pointer per request.
        fn column(timings: &[Timing], of: impl Fn(&Timing) -> u32) -> Vec<u32> {
            timings.iter().map(of).collect()
        }
        match (&self.totals, self.rows.len()) {
            (None, _) => {
                let mut totals = column(&tally.timings, |t| t.total_us);
                radix_sort(&mut totals);
                self.totals = Some(totals);
            }
            (Some(_), 0) => self.rows.push(row(&mut column(&tally.timings, |t| t.connect_us))),
            (Some(_), 1) => self.rows.push(row(&mut column(&tally.timings, |t| t.total_us - t.connect_us))),
            (Some(_), 2) => self.rows.push(row(&mut column(&tally.timings, |t| t.wait_us))),
            (Some(totals), 3) => self.rows.push(row_of_sorted(totals)),
            (Some(_), _) => {}
        }
        self.rows.len() == 4
    }

    /// The report, once `step` has returned true.
    pub fn finish(self, tally: &AbTally, options: &AbOptions, started: SimTime) -> AbReport {
        let totals = self.totals.unwrap_or_default();
        let count = totals.len();
        let percentiles = if count > 1 {
            PERCENTS
                .iter()
                .map(|&p| {
                    let at = if p >= 100 { count - 1 } else { count * p as usize / 100 };
                    (p, round_ms(i64::from(totals[at])))
                })
                .collect()
        } else {
            Vec::new()
        };
        let rows = <[TimeRow; 4]>::try_from(self.rows).ok();
        AbReport {
            concurrency: options.concurrency,
            keepalive: options.keepalive,
            time_taken_s: (tally.last - started).as_secs_f64(),
            complete: count as u64,
            failed_length: tally.failed_length,
            non_2xx: tally.non_2xx,
            keepalive_responses: tally.keepalive_responses,
            document_bytes: tally.document_bytes.unwrap_or(0),
            total_read: tally.total_read,
            html_read: tally.html_read,
            rows,
            percentiles,
            totals_us: totals,
        }
    }
}

impl AbReport {
    pub fn from_tally(tally: &AbTally, options: &AbOptions, started: SimTime) -> AbReport {
        let mut builder = ReportBuilder::default();
        while !builder.step(tally) {}
        builder.finish(tally, options, started)
    }

    /// Requests per second: complete / time taken.
    pub fn requests_per_second(&self) -> f64 {
        self.complete as f64 / self.time_taken_s
    }
    /// Time per request (mean): concurrency × time taken × 1000 / complete [ms].
    pub fn time_per_request_ms(&self) -> f64 {
        f64::from(self.concurrency) * self.time_taken_s * 1_000.0 / self.complete as f64
    }
    /// Time per request (mean, across all concurrent requests): time taken × 1000 / complete [ms].
    pub fn time_per_request_across_ms(&self) -> f64 {
        self.time_taken_s * 1_000.0 / self.complete as f64
    }

    /// The report, line for line as ab 2.3 prints it (from "Server Software:" on).
    pub fn text(&self) -> String {
        let mut o = String::new();
        let w = &mut o;
        let _ = writeln!(w, "Server Software:        {SERVER_SOFTWARE}");
        let _ = writeln!(w, "Server Hostname:        {HOSTNAME}");
        let _ = writeln!(w, "Server Port:            {PORT}");
        let _ = writeln!(w);
        let _ = writeln!(w, "Document Path:          {DOCUMENT_PATH}");
        let _ = writeln!(w, "Document Length:        {} bytes", self.document_bytes);
        let _ = writeln!(w);
        let _ = writeln!(w, "Concurrency Level:      {}", self.concurrency);
        let _ = writeln!(w, "Time taken for tests:   {:.3} seconds", self.time_taken_s);
        let _ = writeln!(w, "Complete requests:      {}", self.complete);
        let _ = writeln!(w, "Failed requests:        {}", self.failed_length);
        if self.failed_length > 0 {
            let _ = writeln!(w, "   (Connect: 0, Receive: 0, Length: {}, Exceptions: 0)", self.failed_length);
        }
        if self.non_2xx > 0 {
            let _ = writeln!(w, "Non-2xx responses:      {}", self.non_2xx);
        }
        if self.keepalive {
            let _ = writeln!(w, "Keep-Alive requests:    {}", self.keepalive_responses);
        }
        let _ = writeln!(w, "Total transferred:      {} bytes", self.total_read);
        let _ = writeln!(w, "HTML transferred:       {} bytes", self.html_read);
        if self.time_taken_s > 0.0 && self.complete > 0 {
            let _ = writeln!(w, "Requests per second:    {:.2} [#/sec] (mean)", self.requests_per_second());
            let _ = writeln!(w, "Time per request:       {:.3} [ms] (mean)", self.time_per_request_ms());
            let _ = writeln!(
                w,
                "Time per request:       {:.3} [ms] (mean, across all concurrent requests)",
                self.time_per_request_across_ms()
            );
            let _ = writeln!(
                w,
                "Transfer rate:          {:.2} [Kbytes/sec] received",
                self.total_read as f64 / 1_024.0 / self.time_taken_s
            );
        }
        if let Some(rows) = &self.rows {
            let _ = writeln!(w, "\nConnection Times (ms)");
            let _ = writeln!(w, "              min  mean[+/-sd] median   max");
            for (name, r) in ["Connect:    ", "Processing: ", "Waiting:    ", "Total:      "].iter().zip(rows) {
                let _ = writeln!(w, "{name}{:5} {:4} {:5.1} {:6} {:7}", r.min, r.mean, r.sd, r.median, r.max);
            }
            for (what, r) in
                ["the initial connection time", "the processing time", "the waiting time", "the total time"]
                    .iter()
                    .zip(rows)
            {
                let d = (r.mean - r.median).abs() as f64;
                if d > 2.0 * r.sd {
                    let _ = writeln!(
                        w,
                        "ERROR: The median and mean for {what} are more than twice the standard\n       deviation apart. These results are NOT reliable."
                    );
                } else if d > r.sd {
                    let _ = writeln!(
                        w,
                        "WARNING: The median and mean for {what} are not within a normal deviation\n        These results are probably not that reliable."
                    );
                }
            }
        }
        if !self.percentiles.is_empty() {
            let _ = writeln!(w, "\nPercentage of the requests served within a certain time (ms)");
            for &(p, ms) in &self.percentiles {
                if p >= 100 {
                    let _ = writeln!(w, " 100%  {ms:5} (longest request)");
                } else {
                    let _ = writeln!(w, "  {p}%  {ms:5}");
                }
            }
        }
        o
    }
}

/// ab's side of a simulated benchmark: `concurrency` connections, each starting its next
/// request as soon as the last is answered, until `requests` are sent or the time limit passes.
/// The engine moves the requests; this decides what each connection does and counts.
pub struct LoadTester {
    options: AbOptions,
    to_send: u64,
    outstanding: u64,
    connection_started: Vec<SimTime>,
    /// kept alive after its last answer (`-k` and a 2xx)
    connection_open: Vec<bool>,
    deadline: Option<SimTime>,
    tally: AbTally,
    /// when a response took longer than `-s`: ab stops there
    timed_out_at: Option<SimTime>,
}

impl LoadTester {
    pub fn new(options: AbOptions) -> Self {
        let c = options.concurrency as usize;
        LoadTester {
            to_send: u64::from(options.requests),
            outstanding: 0,
            connection_started: vec![SimTime::ZERO; c],
            connection_open: vec![false; c],
            deadline: options.time_limit_s.map(|t| SimTime::from_secs(u64::from(t))),
            tally: AbTally {
                timings: Vec::with_capacity(options.requests.min(1 << 20) as usize),
                ..AbTally::default()
            },
            timed_out_at: None,
            options,
        }
    }

    pub fn options(&self) -> &AbOptions {
        &self.options
    }

    /// Connection `client` starts its next request at `now`. Returns whether it must open a TCP
    /// connection first (a round trip), or None when there is nothing left to send.
    pub fn start_next(&mut self, client: u32, now: SimTime) -> Option<bool> {
        if self.to_send == 0 || self.finished(now) {
            return None;
        }
        self.to_send -= 1;
        self.outstanding += 1;
        let c = client as usize;
        self.connection_started[c] = now;
        let handshake = !self.connection_open[c];
        self.connection_open[c] = self.options.keepalive;
        Some(handshake)
    }

    /// The answer to connection `client`'s request, written at `written`, arrived at `now`
    /// (`added_head_bytes` as in `AbTally::record`).
    pub fn answered(&mut self, client: u32, response: Response, added_head_bytes: u64, written: SimTime, now: SimTime) {
        self.outstanding -= 1;
        // After a timeout or past the time limit, ab has stopped counting.
        if self.timed_out_at.is_some() || self.deadline.is_some_and(|d| now >= d) {
            return;
        }
        let c = client as usize;
        self.tally.record(response, added_head_bytes, self.options.keepalive, self.connection_started[c], written, now);
        if !response.is_2xx() {
            self.connection_open[c] = false; // error pages close the connection
        }
    }

    /// A response took longer than `-s`: ab gives up on the whole run.
    pub fn timed_out(&mut self, now: SimTime) {
        self.timed_out_at.get_or_insert(now);
    }
    pub fn timed_out_at(&self) -> Option<SimTime> {
        self.timed_out_at
    }

    /// All answered, the time limit passed, or a timeout stopped it.
    pub fn finished(&self, now: SimTime) -> bool {
        self.timed_out_at.is_some()
            || (self.to_send == 0 && self.outstanding == 0)
            || self.deadline.is_some_and(|d| now >= d)
    }

    pub fn done(&self) -> u64 {
        self.tally.done()
    }

    /// How far the run has got at `now`, from 0 to 1: its share of the requests, or with `-t`
    /// of the time limit if that is further on (a timed run usually ends long before its
    /// 50,000 requests).
    pub fn progress(&self, now: SimTime) -> f64 {
        if self.finished(now) {
            return 1.0;
        }
        let by_count = self.done() as f64 / f64::from(self.options.requests.max(1));
        let by_time = self.deadline.map_or(0.0, |d| now.0 as f64 / d.0.max(1) as f64);
        by_count.max(by_time).min(1.0)
    }

    pub fn report(&self) -> AbReport {
        AbReport::from_tally(&self.tally, &self.options, SimTime::ZERO)
    }

    /// The next step of this run's report (see `ReportBuilder`); true once all are done.
    pub fn report_step(&self, builder: &mut ReportBuilder) -> bool {
        builder.step(&self.tally)
    }

    /// The report `builder` has worked out.
    pub fn report_from(&self, builder: ReportBuilder) -> AbReport {
        builder.finish(&self.tally, &self.options, SimTime::ZERO)
    }
}

/// ab's progress lines: every max(n/10, 100) responses when n > 150, else every 100.
pub fn heartbeat_every(requests: u32) -> u64 {
    if requests > 150 {
        u64::from((requests / 10).max(100))
    } else {
        100
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
