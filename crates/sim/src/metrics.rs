//! What a run measured: counters, a latency histogram with percentiles, and per-second series.
//! Finished requests leave only these numbers behind, so memory stays bounded on long runs.

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::rc::Rc;

/// Sub-buckets per power of two: 64 keeps every bucket within 1/64 (1.6%) of its values.
const SUB_BUCKET_BITS: u32 = 6;
const SUB_BUCKETS: u64 = 1 << SUB_BUCKET_BITS;
/// Values are clamped here [µs] (about 12.7 days), which bounds the bucket count.
const MAX_VALUE: u64 = (1 << 40) - 1;
const BUCKETS: usize = ((40 - SUB_BUCKET_BITS as usize) * SUB_BUCKETS as usize) + SUB_BUCKETS as usize;

/// A log-linear histogram of durations [µs], in the manner of HdrHistogram: exact below 128 µs,
/// then 64 buckets per doubling. Fixed size, whatever it records.
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: Box::new([0; BUCKETS]), count: 0, sum: 0, min: u64::MAX, max: 0 }
    }
}

// Always inlined: run per event, and the page builds the engine at opt-level z (ARCHITECTURE.md).
#[inline(always)]
fn bucket_of(value: u64) -> usize {
    let v = value.min(MAX_VALUE);
    if v < 2 * SUB_BUCKETS {
        return v as usize;
    }
    let shift = (63 - v.leading_zeros()) - SUB_BUCKET_BITS;
    (u64::from(shift) * SUB_BUCKETS + (v >> shift)) as usize
}

/// The middle of the values a bucket holds [µs].
fn bucket_midpoint(index: usize) -> f64 {
    let i = index as u64;
    if i < 2 * SUB_BUCKETS {
        return i as f64;
    }
    let shift = i / SUB_BUCKETS - 1;
    let sub = i - shift * SUB_BUCKETS;
    let low = sub << shift;
    let width = 1u64 << shift;
    low as f64 + (width - 1) as f64 / 2.0
}

impl Histogram {
    #[inline(always)]
    pub fn record(&mut self, value: SimTime) {
        let v = value.0;
        self.counts[bucket_of(v)] += 1;
        self.count += 1;
        self.sum += u128::from(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean [ms] (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64 / 1_000.0
        }
    }

    pub fn max_ms(&self) -> f64 {
        self.max as f64 / 1_000.0
    }

    pub fn min_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.min as f64 / 1_000.0
        }
    }

    /// The value [ms] at or below which `p`% of recorded values lie (nearest rank), within 1.6%.
    /// The extremes are exact: p = 100 gives the maximum.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        self.percentiles_ms([p])[0]
    }

    /// Several percentiles (ascending) in one pass over the buckets.
    pub fn percentiles_ms<const N: usize>(&self, ps: [f64; N]) -> [f64; N] {
        if self.count == 0 {
            return [0.0; N];
        }
        // p = 100 (and above) is the exact maximum; below, the nearest rank's bucket. Ranks are
        // at most the count, so the walk ends by the maximum's bucket.
        let mut values = [self.max_ms(); N];
        let occupied = self.occupied();
        let (mut index, mut seen) = (occupied.start, 0u64);
        for (value, p) in values.iter_mut().zip(ps).take_while(|(_, p)| *p < 100.0) {
            let rank = ((p / 100.0 * self.count as f64).ceil() as u64).max(1);
            while seen < rank && index < occupied.end {
                seen += self.counts[index];
                index += 1;
            }
            *value = bucket_midpoint(index - 1).clamp(self.min as f64, self.max as f64) / 1_000.0;
        }
        values
    }

    /// The buckets that can hold a value: from the minimum's to the maximum's. Percentiles and
    /// `clear` look only there, where all 2,240 buckets had been read and zeroed every simulated
    /// second (4% of a queueing model's time).
    fn occupied(&self) -> std::ops::Range<usize> {
        if self.count == 0 {
            0..0
        } else {
            bucket_of(self.min)..bucket_of(self.max) + 1
        }
    }

    pub fn clear(&mut self) {
        let occupied = self.occupied();
        self.counts[occupied].fill(0);
        self.count = 0;
        self.sum = 0;
        self.min = u64::MAX;
        self.max = 0;
    }
}

/// Totals since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// requests the clients sent
    pub arrived: u64,
    /// answered by a server (2xx)
    pub completed: u64,
    /// refused by a server whose queue was full (503)
    pub rejected: u64,
    /// failed otherwise: no server took traffic (503 from the balancer), the connection was
    /// refused by a server that was down, or reset when it crashed
    pub failed: u64,
    /// the client gave up waiting (its timeout passed)
    pub timed_out: u64,
    /// completed requests that waited in a queue (a server's, or the balancer's backend queue)
    /// before service
    pub waited: u64,
    /// times the balancer tried a request again on another server (redispatch)
    pub retried: u64,
    /// answered requests that found no session where they landed (user back at the login page)
    #[serde(default)]
    pub sessions_lost: u64,
    /// journeys that reached the checkout
    #[serde(default)]
    pub checkouts: u64,
    /// session cookie bytes the requests carried
    #[serde(default)]
    pub cookie_bytes: u64,
    /// edited session cookies the servers refused (each also a lost session)
    #[serde(default)]
    pub cookies_rejected: u64,
    /// reads and writes the session store finished
    #[serde(default)]
    pub store_ops: u64,
    /// requests that failed because the session store was down or full
    #[serde(default)]
    pub store_errors: u64,
    /// time requests spent on trips to the session store, added up [µs]
    #[serde(default)]
    pub store_time_us: u64,
}

impl Counters {
    /// Sent and not yet settled for the client (each arrival is completed, rejected, failed,
    /// timed out, or still in flight).
    pub fn in_flight(&self) -> u64 {
        self.arrived - self.completed - self.rejected - self.failed - self.timed_out
    }
    pub fn errors(&self) -> u64 {
        self.rejected + self.failed + self.timed_out
    }
    /// Time each answered request spent on trips to the session store [ms].
    pub fn store_ms_per_answered(&self) -> f64 {
        ratio(self.store_time_us as f64 / 1_000.0, self.completed)
    }
    /// Session cookie bytes each request carried.
    pub fn cookie_bytes_per_request(&self) -> f64 {
        ratio(self.cookie_bytes as f64, self.arrived)
    }
    /// Sessions lost per 1,000 answered requests.
    pub fn sessions_lost_per_thousand(&self) -> f64 {
        ratio(self.sessions_lost as f64 * 1_000.0, self.completed)
    }
}

/// `amount / count`, or 0 when nothing was counted.
fn ratio(amount: f64, count: u64) -> f64 {
    if count == 0 {
        0.0
    } else {
        amount / count as f64
    }
}

/// One simulated second of the run, for the charts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecondSample {
    /// the second this sample closes [s since start]
    pub second: u64,
    pub arrived: u64,
    /// completed in this second [requests·s⁻¹]
    pub throughput: u64,
    /// rejected + failed in this second
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// average utilisation of the servers in the pool [0, 1]
    pub utilisation: f64,
    /// servers in the pool at the end of the second
    pub servers: u32,
    /// of which taking traffic (booted, passed their health checks, not draining)
    #[serde(default)]
    pub ready_servers: u32,
    /// what the servers have cost since the start [$]
    pub cost_dollars: f64,
}

/// Seconds taken `per_point` at a time, for a chart of a long stretch: each point is its
/// seconds' mean rates (sent, answered, errors per second) and mean utilisation, their worst
/// (highest) latency percentiles, so that a spike still shows, and the pool and cost as they
/// stood at its last second, which is the second it is drawn at. A last, shorter group is a
/// point of its own.
pub fn summarised<'a>(seconds: impl IntoIterator<Item = &'a SecondSample>, per_point: usize) -> Vec<SecondSample> {
    let seconds: Vec<&SecondSample> = seconds.into_iter().collect();
    seconds
        .chunks(per_point.max(1))
        .map(|group| {
            let n = group.len() as f64;
            let mean = |value: fn(&SecondSample) -> f64| group.iter().map(|s| value(s)).sum::<f64>() / n;
            let worst = |value: fn(&SecondSample) -> f64| group.iter().map(|s| value(s)).fold(0.0, f64::max);
            let last = group[group.len() - 1];
            SecondSample {
                arrived: mean(|s| s.arrived as f64).round() as u64,
                throughput: mean(|s| s.throughput as f64).round() as u64,
                errors: mean(|s| s.errors as f64).round() as u64,
                p50_ms: worst(|s| s.p50_ms),
                p95_ms: worst(|s| s.p95_ms),
                p99_ms: worst(|s| s.p99_ms),
                utilisation: mean(|s| s.utilisation),
                ..*last
            }
        })
        .collect()
}

/// The run's seconds as CSV with a header, oldest first: the data behind the charts, for a
/// spreadsheet. Latencies are in milliseconds to the microsecond, utilisation a fraction.
pub fn series_csv<'a>(series: impl IntoIterator<Item = &'a SecondSample>) -> String {
    let mut out = String::from(
        "second,arrived,throughput,errors,p50_ms,p95_ms,p99_ms,utilisation,servers,ready_servers,cost_dollars\n",
    );
    for s in series {
        out.push_str(&format!(
            "{},{},{},{},{:.3},{:.3},{:.3},{:.4},{},{},{:.6}\n",
            s.second,
            s.arrived,
            s.throughput,
            s.errors,
            s.p50_ms,
            s.p95_ms,
            s.p99_ms,
            s.utilisation,
            s.servers,
            s.ready_servers,
            s.cost_dollars
        ));
    }
    out
}

/// The pool as it stands when a second closes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PoolSample {
    /// average utilisation of the servers in the pool [0, 1]
    pub utilisation: f64,
    pub servers: u32,
    pub ready_servers: u32,
    pub cost_dollars: f64,
}

/// At most this many seconds are kept for the charts (one hour of simulated time).
pub const SERIES_CAPACITY: usize = 3_600;

/// The closed seconds, oldest first, the last `SERIES_CAPACITY` of them. Every full minute is
/// frozen and shared: a copy of a run (the timeline's checkpoints) shares its past seconds with
/// the run instead of copying up to an hour of them.
#[derive(Clone, Debug, Default)]
pub struct Series {
    minutes: VecDeque<Rc<[SecondSample]>>,
    /// seconds of the oldest minute already dropped (past the capacity)
    dropped: usize,
    this_minute: Vec<SecondSample>,
}

const MINUTE: usize = 60;

impl Series {
    fn push(&mut self, sample: SecondSample) {
        self.this_minute.push(sample);
        if self.this_minute.len() == MINUTE {
            self.minutes.push_back(Rc::from(std::mem::take(&mut self.this_minute)));
        }
        if self.len() > SERIES_CAPACITY {
            self.dropped += 1;
            if self.dropped == MINUTE {
                self.minutes.pop_front();
                self.dropped = 0;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.minutes.len() * MINUTE - self.dropped + self.this_minute.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &SecondSample> + '_ {
        let past = self.minutes.iter().enumerate().flat_map(|(i, m)| &m[if i == 0 { self.dropped } else { 0 }..]);
        past.chain(&self.this_minute)
    }

    pub fn back(&self) -> Option<&SecondSample> {
        self.this_minute.last().or_else(|| self.minutes.back().and_then(|m| m.last()))
    }

    pub fn front(&self) -> Option<&SecondSample> {
        self.iter().next()
    }
}

#[derive(Clone, Default)]
pub struct Metrics {
    pub counters: Counters,
    /// end-to-end latency of completed requests, from the client's send to its receipt
    pub latency: Histogram,
    /// total time completed requests spent queued at a server [µs]
    pub total_queue_wait: u128,
    /// total time completed requests spent at a server, queue plus service [µs]
    pub total_server_time: u128,
    series: Series,
    this_second: Histogram,
    this_second_counters: Counters,
}

impl Metrics {
    pub fn series(&self) -> &Series {
        &self.series
    }

    pub fn on_arrival(&mut self) {
        self.counters.arrived += 1;
        self.this_second_counters.arrived += 1;
    }

    #[inline]
    pub fn on_completed(&mut self, latency: SimTime, queue_wait: SimTime, server_time: SimTime) {
        self.counters.completed += 1;
        self.this_second_counters.completed += 1;
        if queue_wait > SimTime::ZERO {
            self.counters.waited += 1;
        }
        self.total_queue_wait += u128::from(queue_wait.0);
        self.total_server_time += u128::from(server_time.0);
        self.latency.record(latency);
        self.this_second.record(latency);
    }

    pub fn on_rejected(&mut self) {
        self.counters.rejected += 1;
        self.this_second_counters.rejected += 1;
    }

    pub fn on_failed(&mut self) {
        self.counters.failed += 1;
        self.this_second_counters.failed += 1;
    }

    pub fn on_timed_out(&mut self) {
        self.counters.timed_out += 1;
        self.this_second_counters.timed_out += 1;
    }

    /// Closes the second that ends at `now` and starts the next.
    pub fn close_second(&mut self, now: SimTime, pool: PoolSample) {
        let sample = self.sample(now.whole_secs(), 1.0, pool);
        self.series.push(sample);
        self.this_second.clear();
        self.this_second_counters = Counters::default();
    }

    /// The second in progress as far as it has run (`fraction` of it, above 0): its counts
    /// scaled to a whole second's rate (30 answers in a tenth of a second is 300/s), its
    /// percentiles over the answers so far. The charts draw it as their last point, marked.
    pub fn second_so_far(&self, now: SimTime, pool: PoolSample) -> Option<SecondSample> {
        let fraction = (now - SimTime::from_secs(now.whole_secs())).as_secs_f64();
        (fraction > 0.0).then(|| self.sample(now.whole_secs() + 1, fraction, pool))
    }

    /// The present second's sample, its counts divided by the `fraction` of it that has run.
    fn sample(&self, second: u64, fraction: f64, pool: PoolSample) -> SecondSample {
        let c = self.this_second_counters;
        let rate = |count: u64| if fraction >= 1.0 { count } else { (count as f64 / fraction).round() as u64 };
        let [p50_ms, p95_ms, p99_ms] = self.this_second.percentiles_ms([50.0, 95.0, 99.0]);
        SecondSample {
            second,
            arrived: rate(c.arrived),
            throughput: rate(c.completed),
            errors: rate(c.errors()),
            p50_ms,
            p95_ms,
            p99_ms,
            utilisation: pool.utilisation,
            servers: pool.servers,
            ready_servers: pool.ready_servers,
            cost_dollars: pool.cost_dollars,
        }
    }

    /// Mean time completed requests spent queued [ms] (Wq).
    pub fn mean_queue_wait_ms(&self) -> f64 {
        per_completed_ms(self.total_queue_wait, self.counters.completed)
    }

    /// Mean time completed requests spent at a server [ms] (W, without the network).
    pub fn mean_server_time_ms(&self) -> f64 {
        per_completed_ms(self.total_server_time, self.counters.completed)
    }

    /// Fraction of completed requests that had to wait (P(wait), Erlang C's C).
    pub fn probability_of_waiting(&self) -> f64 {
        if self.counters.completed == 0 {
            0.0
        } else {
            self.counters.waited as f64 / self.counters.completed as f64
        }
    }
}

fn per_completed_ms(total_us: u128, completed: u64) -> f64 {
    if completed == 0 {
        0.0
    } else {
        total_us as f64 / completed as f64 / 1_000.0
    }
}

/// The figures a run reports (CLI `--json`, the browser's parity test, the pinned values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub simulated_seconds: f64,
    pub events_processed: u64,
    pub trace_hash: String,
    pub requests: Counters,
    pub in_flight: u64,
    pub latency_ms: LatencySummary,
    pub throughput_per_s: f64,
    /// what the servers cost over the run [$]
    pub cost_dollars: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl LatencySummary {
    pub fn of(h: &Histogram) -> Self {
        let [p50, p95, p99] = h.percentiles_ms([50.0, 95.0, 99.0]);
        LatencySummary { mean: h.mean_ms(), p50, p95, p99, max: h.max_ms() }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_series_as_csv_has_a_header_and_a_line_a_second() {
        let sample = |second| SecondSample {
            second,
            arrived: 10,
            throughput: 9,
            errors: 1,
            p50_ms: 1.25,
            p95_ms: 4.0,
            p99_ms: 12.3456,
            utilisation: 0.5,
            servers: 4,
            ready_servers: 3,
            cost_dollars: 0.001,
        };
        let csv = series_csv(&[sample(1), sample(2)]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].split(',').count(), lines[1].split(',').count());
        assert_eq!(lines[2], "2,10,9,1,1.250,4.000,12.346,0.5000,4,3,0.001000");
    }
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut previous = 0;
        for v in (0..5_000_000u64).step_by(997) {
            let b = bucket_of(v);
            assert!(b >= previous && b < BUCKETS);
            previous = b;
            let mid = bucket_midpoint(b);
            assert!((mid - v as f64).abs() <= v as f64 / 64.0 + 0.5, "{v} -> {mid}");
        }
        assert!(bucket_of(u64::MAX) < BUCKETS);
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut h = Histogram::default();
        for ms in 1..=100u64 {
            h.record(SimTime::from_millis(ms));
        }
        assert!((h.percentile_ms(50.0) - 50.0).abs() <= 50.0 / 64.0);
        assert!((h.percentile_ms(99.0) - 99.0).abs() <= 99.0 / 64.0);
        assert_eq!(h.percentile_ms(100.0), 100.0);
        let each = [1.0, 50.0, 50.5, 95.0, 99.0, 100.0].map(|p| h.percentile_ms(p));
        assert_eq!(h.percentiles_ms([1.0, 50.0, 50.5, 95.0, 99.0, 100.0]), each, "one pass, the same values");
        assert_eq!(h.mean_ms(), 50.5);
        h.clear();
        assert_eq!((h.count(), h.percentile_ms(50.0)), (0, 0.0));
        // Nothing of the cleared values is left in the buckets between the new extremes.
        h.record(SimTime::from_millis(1));
        h.record(SimTime::from_millis(100));
        assert!((h.percentile_ms(50.0) - 1.0).abs() <= 1.0 / 64.0);
        assert!((h.percentile_ms(99.0) - 100.0).abs() <= 100.0 / 64.0);
    }

    #[test]
    fn the_second_so_far_is_a_rate_and_changes_nothing() {
        let mut m = Metrics::default();
        m.close_second(SimTime::from_secs(1), PoolSample::default());
        for _ in 0..30 {
            m.on_arrival();
            m.on_completed(SimTime::from_millis(4), SimTime::ZERO, SimTime::from_millis(4));
        }
        m.on_rejected();
        let pool = PoolSample { utilisation: 0.25, servers: 4, ready_servers: 4, cost_dollars: 0.5 };
        // A tenth of second 2: 30 answers are 300 a second, one refusal 10 a second.
        let so_far = m.second_so_far(SimTime::from_millis(1_100), pool).expect("a tenth has run");
        assert_eq!((so_far.second, so_far.throughput, so_far.arrived, so_far.errors), (2, 300, 300, 10));
        assert!((so_far.p50_ms - 4.0).abs() <= 4.0 / 64.0 && so_far.utilisation == 0.25);
        assert_eq!(m.second_so_far(SimTime::from_secs(2), pool), None, "nothing of second 3 has run");
        assert_eq!(m.series().len(), 1, "reading it closes nothing");
        // The second, closed, counts what it saw, unscaled.
        m.close_second(SimTime::from_secs(2), pool);
        assert_eq!(m.series().back().map(|s| (s.throughput, s.errors)), Some((30, 1)));
    }

    #[test]
    fn a_long_stretch_is_summarised_by_mean_rates_and_worst_latency() {
        let second = |n: u64, throughput: u64, p99_ms: f64| SecondSample {
            second: n,
            arrived: throughput + 1,
            throughput,
            errors: n % 2,
            p50_ms: 1.0,
            p95_ms: 2.0,
            p99_ms,
            utilisation: 0.5,
            servers: n as u32,
            ready_servers: n as u32,
            cost_dollars: n as f64 / 100.0,
        };
        let seconds: Vec<_> = (1..=7).map(|n| second(n, n * 10, if n == 2 { 900.0 } else { 5.0 })).collect();
        let points = summarised(&seconds, 3);
        assert_eq!(points.len(), 3, "3 + 3 + a last point of 1");
        assert_eq!(
            (points[0].second, points[0].throughput, points[0].arrived, points[0].p99_ms, points[0].servers),
            (3, 20, 21, 900.0, 3),
            "drawn at its last second, mean rates, the spike kept, the pool at its end"
        );
        assert_eq!((points[0].errors, points[1].errors), (1, 0), "errors per second: 2 in 3 s and 1 in 3 s, rounded");
        assert_eq!((points[2].second, points[2].throughput, points[2].cost_dollars), (7, 70, 0.07));
        assert_eq!(summarised(&seconds, 1), seconds, "one second a point is the seconds");
    }

    #[test]
    fn the_series_is_capped() {
        let mut m = Metrics::default();
        for s in 1..=(SERIES_CAPACITY as u64 + 10) {
            m.close_second(SimTime::from_secs(s), PoolSample { servers: 1, ..PoolSample::default() });
        }
        assert_eq!(m.series().len(), SERIES_CAPACITY);
        assert_eq!(m.series().front().unwrap().second, 11);
    }
}
