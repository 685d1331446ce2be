//! ab's report: the tally of every request's times, and the report worked out from it with
//! ab 2.3's layout and formulas, a column at a time (`ReportBuilder`) so the page can spread a
//! million-request report over frames.

use super::*;
use crate::time::SimTime;
use std::fmt::Write as _;

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
    pub(super) head_bytes: [[Option<u64>; 2]; Response::KINDS],
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
pub(super) fn round_ms(us: i64) -> i64 {
    (us + 500) / 1_000
}

/// Sorts in three passes of 11 bits: a million response times in a few milliseconds, where a
/// comparison sort would hold up a browser frame.
pub(super) fn radix_sort(values: &mut Vec<u32>) {
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
pub(super) fn row(values: &mut [u32]) -> TimeRow {
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
pub(super) fn row_of_sorted(sorted: &[u32]) -> TimeRow {
    let Some((&min, &max)) = sorted.first().zip(sorted.last()) else { return spread_row(sorted, 0, 0, 0) };
    let half = sorted.len() / 2;
    let median = odd_count_median(sorted.len(), sorted[half], || sorted.get(half + 1).copied().unwrap_or(sorted[half]));
    spread_row(sorted, min, median, max)
}

/// ab's median quirk: for an odd count it averages the middle value with the one after it.
pub(super) fn odd_count_median(count: usize, middle: u32, after: impl FnOnce() -> u32) -> i64 {
    if count > 1 && count % 2 == 1 {
        (i64::from(middle) + i64::from(after())) / 2
    } else {
        i64::from(middle)
    }
}

/// Completes a row with ab's mean (integer division) and its sample standard deviation about
/// that mean, as ab computes them.
pub(super) fn spread_row(values: &[u32], min: u32, median: i64, max: u32) -> TimeRow {
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

pub(super) const PERCENTS: [u32; 9] = [50, 66, 75, 80, 90, 95, 98, 99, 100];

/// Works out a report a column at a time: a million requests take a browser frame per step
/// (the page runs one step per frame; `AbReport::from_tally` runs them all).
#[derive(Default)]
pub struct ReportBuilder {
    /// total times [µs], sorted (the first step)
    pub(super) totals: Option<Vec<u32>>,
    /// Connect, Processing, Waiting (one step each), then Total
    pub(super) rows: Vec<TimeRow>,
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
