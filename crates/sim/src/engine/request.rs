//! A request as the engine carries it: its reference in events, where it is on the path, how
//! it ended, and the table of reusable slots that holds every request in flight.

use crate::components::server::RequestSlot;
use crate::time::SimTime;

/// HAProxy's default `retries 3`: a request is tried on at most this many servers.
pub(super) const MAX_TRIES: usize = 3;

/// A request, as events refer to it: its slot and which use of the slot it is, so that an event
/// left over from a request that has finished never touches the next one in the same slot.
/// Aligned to 8 so an event's reference is one 8-byte word: read back whole (for the trace)
/// right after two 4-byte writes, it stalled store-to-load forwarding on every event (3% of
/// an M/M/c run). Events stay 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(8))]
pub(super) struct RequestRef {
    pub(super) slot: RequestSlot,
    pub(super) incarnation: u32,
}

/// Where a request is. The `To*` / `Back*` stages travel a link from `stage_start` to `stage_end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    ToBalancer,
    /// waits in the balancer's backend queue for a server with a free slot (HAProxy `first`)
    BalancerQueue,
    ToServer,
    Queued,
    InService,
    /// holds a slot on a hung server
    Stalled,
    BackToBalancer,
    BackToClient,
    /// holds its server slot while the server reads or writes the session in the store
    ToStore,
    AtStore,
    FromStore,
    /// holds its server slot while its query travels to the database, runs there, and comes back
    ToDatabase,
    AtDatabase,
    FromDatabase,
}

/// What a server asks the session store for: the session at the start of a request, and
/// saving it at the end (Flask-Session's `open_session` and `save_session`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StoreOp {
    Read,
    Write,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Pending,
    Answered,
    /// the server's queue was full (503)
    QueueFull,
    /// the server was down (connection refused)
    ConnectionRefused,
    /// the server crashed while holding the request
    ConnectionReset,
    /// no server took traffic (503 from the balancer)
    NoServer,
    /// no server freed a slot within the balancer's queue timeout (503 from the balancer)
    QueueTimeout,
    /// the session store was down or full, so the server answered 500
    StoreUnavailable,
    /// the query failed (a database server down or full, or the database refused it): a 500
    DatabaseFailed,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Request {
    pub(super) incarnation: u32,
    /// who sent it, when, and how much work it asks for
    pub(super) origin: Origin,
    /// the server it was sent to (or, waiting at the balancer, the one persistence names)
    pub(super) server: u32,
    /// the server's life when the request took a slot there (a crash ends the life)
    pub(super) server_life: u32,
    /// where it is on the path, from `stage_start` to `stage_end`
    pub(super) stage: Stage,
    pub(super) stage_start: SimTime,
    pub(super) stage_end: SimTime,
    /// the moments its latency is made of
    pub(super) times: Timings,
    /// servers that refused it, which a retry skips (HAProxy `retries`, `option redispatch`),
    /// and how many; kept flat, not in a struct of their own, so that the request stays 120
    /// bytes (a struct's padding would add 8 to every request in flight)
    pub(super) tried: [u32; MAX_TRIES],
    pub(super) tries: u8,
    /// its trips to the session store (sessions in a database)
    pub(super) store: StoreTrip,
    pub(super) outcome: Outcome,
    /// the client gave up on it (it still occupies the system until it comes back)
    pub(super) abandoned: bool,
    pub(super) timeout_scheduled: bool,
}

impl Request {
    /// The request enters `stage` at `now`, for as long as it lasts (a trip to its arrival, a
    /// service to its end).
    #[inline(always)]
    pub(super) fn enter(&mut self, stage: Stage, now: SimTime, until: SimTime) {
        self.stage = stage;
        self.stage_start = now;
        self.stage_end = until;
    }
}

/// Who sent a request, when, and how much work it asks for.
#[derive(Clone, Copy, Debug)]
pub(super) struct Origin {
    pub(super) user: u32,
    /// the load tester's connection that sent it (`OPEN_LOOP` for the scenario's own clients)
    pub(super) client: u32,
    pub(super) sent_at: SimTime,
    /// service demand at speed 1 [ms], drawn when the request is made
    pub(super) size_ms: f64,
}

/// When a request reached each point of its path, for its latency and its queue waits.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timings {
    /// when the balancer last sent it to a server (for response-time tracking)
    pub(super) dispatched_at: SimTime,
    /// time spent in the balancer's backend queue
    pub(super) balancer_wait: SimTime,
    pub(super) reached_server_at: SimTime,
    pub(super) service_started_at: SimTime,
    pub(super) left_server_at: SimTime,
    /// when the request last left its server for the session store
    pub(super) store_trip_started: SimTime,
}

impl Timings {
    /// All at `now`: a request just sent.
    pub(super) fn starting(now: SimTime) -> Timings {
        Timings {
            dispatched_at: now,
            balancer_wait: SimTime::ZERO,
            reached_server_at: now,
            service_started_at: now,
            left_server_at: now,
            store_trip_started: now,
        }
    }
}

/// A request's current trip to the session store (when it left is in its `Timings`).
#[derive(Clone, Copy, Debug)]
pub(super) struct StoreTrip {
    pub(super) op: StoreOp,
    /// the store refused the last operation
    pub(super) failed: bool,
}

// Every request in flight holds one: keep it as small as it was before its fields were grouped.
const _: () = assert!(std::mem::size_of::<Request>() == 120);

/// `Request::client` of a request from the scenario's open-loop clients.
pub(super) const OPEN_LOOP: u32 = u32::MAX;

/// ab's requests, as the balancer sees them: every connection comes from one machine (this
/// user's address) and none carries a user cookie, so they share one hash key too.
pub(super) const LOAD_TESTER_USER: u32 = 0;

/// Requests in flight, in reusable slots: a finished request frees its slot, so the table is as
/// large as the most requests ever in flight at once, not the number ever sent.
#[derive(Clone, Default)]
pub(super) struct RequestTable {
    pub(super) slots: Vec<Request>,
    pub(super) live: Vec<bool>,
    pub(super) free: Vec<RequestSlot>,
}

impl RequestTable {
    pub(super) fn insert(&mut self, mut request: Request) -> RequestRef {
        match self.free.pop() {
            Some(slot) => {
                request.incarnation = self.slots[slot as usize].incarnation.wrapping_add(1);
                self.slots[slot as usize] = request;
                self.live[slot as usize] = true;
                RequestRef { slot, incarnation: request.incarnation }
            }
            None => {
                request.incarnation = 0;
                self.slots.push(request);
                self.live.push(true);
                RequestRef { slot: (self.slots.len() - 1) as RequestSlot, incarnation: 0 }
            }
        }
    }
    // `get` and `peek` give the request if `r` is still the one in its slot (not finished, the
    // slot not reused). They, like `travel`, `next_up`, `count_in_trace` and `trace_words`, are
    // always inlined: they run per event, and the page builds the engine at opt-level z, which
    // inlines almost nothing on its own (ARCHITECTURE.md).
    #[inline(always)]
    pub(super) fn get(&mut self, r: RequestRef) -> Option<&mut Request> {
        let i = r.slot as usize;
        let live = self.live[i];
        let request = &mut self.slots[i];
        if live && request.incarnation == r.incarnation {
            Some(request)
        } else {
            None
        }
    }
    #[inline(always)]
    pub(super) fn peek(&self, r: RequestRef) -> Option<&Request> {
        let i = r.slot as usize;
        let request = &self.slots[i];
        if self.live[i] && request.incarnation == r.incarnation {
            Some(request)
        } else {
            None
        }
    }
    pub(super) fn reference(&self, slot: RequestSlot) -> RequestRef {
        RequestRef { slot, incarnation: self.slots[slot as usize].incarnation }
    }
    pub(super) fn remove(&mut self, r: RequestRef) {
        self.live[r.slot as usize] = false;
        self.free.push(r.slot);
    }
    pub(super) fn live(&self) -> impl Iterator<Item = (RequestSlot, &Request)> {
        self.slots
            .iter()
            .zip(&self.live)
            .enumerate()
            .filter(|(_, (_, &live))| live)
            .map(|(i, (r, _))| (i as RequestSlot, r))
    }
}
