//! ab's closed loop: c connections, each sending its next request when the last is answered,
//! until n are done, the time limit passes or a request times out.

use super::*;
use crate::time::SimTime;

/// ab's side of a simulated benchmark: `concurrency` connections, each starting its next
/// request as soon as the last is answered, until `requests` are sent or the time limit passes.
/// The engine moves the requests; this decides what each connection does and counts.
#[derive(Clone)]
pub struct LoadTester {
    pub(super) options: AbOptions,
    pub(super) to_send: u64,
    pub(super) outstanding: u64,
    pub(super) connection_started: Vec<SimTime>,
    /// kept alive after its last answer (`-k` and a 2xx)
    pub(super) connection_open: Vec<bool>,
    pub(super) deadline: Option<SimTime>,
    pub(super) tally: AbTally,
    /// when a response took longer than `-s`: ab stops there
    pub(super) timed_out_at: Option<SimTime>,
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
