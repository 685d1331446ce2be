//! ab's closed loop in the engine: each connection sends its next request when the last is
//! answered, and ab's view of the open-loop clients' answers when asked for.

use super::request::{Outcome, Request, LOAD_TESTER_USER};
use super::{Event, Sim};
use crate::ab::{AbOptions, AbReport, AbTally, LoadTester, Response};
use crate::time::SimTime;

impl Sim {
    /// An ab connection is free to send its next request (after a TCP handshake without `-k`).
    pub(super) fn on_connect(&mut self, client: u32) {
        let Some(tester) = self.tester.as_mut() else { return };
        match tester.start_next(client, self.now) {
            None => {}
            Some(false) => self.send_request(LOAD_TESTER_USER, client),
            // TCP's handshake: one round trip to the balancer before the request goes.
            Some(true) => self.queue.push(self.now + self.link_latency + self.link_latency, Event::Send { client }),
        }
    }

    /// The load tester's request came back: what ab makes of it, and the connection's next one.
    pub(super) fn load_tester_answered(&mut self, req: Request) {
        let late = self.now > req.origin.sent_at + self.timeout;
        let Some(tester) = self.tester.as_mut() else { return };
        if late || req.abandoned {
            tester.timed_out(self.now);
            return;
        }
        // What the balancer sends back: its own 503 when no server took the request (HAProxy
        // after its retries), 502 when the server died holding it; the app's 500 when its
        // session store or its database failed.
        let response = match req.outcome {
            Outcome::Answered => Response::Ok,
            Outcome::QueueFull
            | Outcome::QueueTimeout
            | Outcome::ConnectionRefused
            | Outcome::NoServer
            | Outcome::Pending => Response::ServiceUnavailable,
            Outcome::ConnectionReset => Response::BadGateway,
            Outcome::StoreUnavailable | Outcome::DatabaseFailed => Response::InternalServerError,
        };
        // Only a response that came from a server passed through persistence and the app.
        let added = match response {
            Response::Ok | Response::InternalServerError => self.sessions.load_tester_response_header_bytes(req.server),
            Response::ServiceUnavailable | Response::BadGateway => 0,
        };
        tester.answered(req.origin.client, response, added, req.origin.sent_at, self.now);
        self.queue.push(self.now, Event::Connect { client: req.origin.client });
    }

    /// From now on, answers to the scenario's own clients are also tallied as ab would (no
    /// connect time): ab's percentile table over an open-loop run, for checking it against
    /// queueing theory.
    pub fn observe_as_ab(&mut self) {
        self.observer = Some(AbTally::default());
    }

    pub fn observed_report(&self) -> Option<AbReport> {
        self.observer.as_ref().map(|t| AbReport::from_tally(t, &AbOptions::default(), SimTime::ZERO))
    }

    /// The load tester (`Sim::benchmark`), if this run has one.
    pub fn load_tester(&self) -> Option<&LoadTester> {
        self.tester.as_ref()
    }

    /// Runs a benchmark on until it finishes, at most `max_events` events at a time (so that a
    /// browser frame stays short). Returns true once it has finished.
    pub fn run_benchmark_within(&mut self, max_events: u64) -> bool {
        let mut budget = max_events;
        loop {
            let Some(tester) = &self.tester else { return true };
            // Done, or the next thing to happen is past the time limit.
            if tester.finished(self.now) || self.next_up().is_none_or(|(next, _)| tester.finished(next)) {
                return true;
            }
            if budget == 0 {
                return false;
            }
            budget -= 1;
            self.step();
        }
    }
}
