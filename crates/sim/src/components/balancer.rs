//! The load balancer: which servers are in rotation (configured and healthy), what each has
//! outstanding, and `pick`, the one place where every algorithm lives. Each algorithm follows a
//! named real balancer; see `Algorithm::follows`.

pub use super::algorithm::Algorithm;
use super::hashing::{crc32, ip_hash_step, IP_HASH_START};
use crate::rng::Rng;
use crate::time::SimTime;
use libm::exp;

/// What the balancer knows about the request it is placing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestKey {
    pub user: u32,
    pub address: [u8; 4],
}

/// Why `pick` placed no request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unplaced {
    /// no server is in rotation (or every one has refused this request already): 503 now
    NoServer,
    /// HAProxy `first`: every server is at its `maxconn`, so the request waits in the backend
    /// queue until one frees a slot
    AllFull,
}

/// Points on the consistent-hash ring per unit of weight (nginx ketama: 160).
const POINTS_PER_WEIGHT: u32 = 160;
/// Peak EWMA's decay time [s] (Linkerd's default).
const EWMA_DECAY_S: f64 = 10.0;
/// nginx `ip_hash` rehashes at most this many times before falling back to round robin.
const IP_HASH_TRIES: u32 = 20;

#[derive(Clone, Debug)]
struct Backend {
    weight: u32,
    /// HAProxy `maxconn` (the server's slots unless the scenario sets it): `first` fills a
    /// server up to this
    max_conn: u32,
    outstanding: u32,
    /// in the pool (not removed)
    configured: bool,
    /// configured and healthy: takes new requests
    in_rotation: bool,
    /// smooth weighted round robin's running weight
    current_weight: i64,
    /// peak EWMA of response time [ms], and when it was last updated
    ewma_ms: f64,
    ewma_at: SimTime,
}

impl Backend {
    /// Below its `maxconn`.
    fn has_free_conn(&self) -> bool {
        self.outstanding < self.max_conn
    }
}

#[derive(Clone)]
pub struct Balancer {
    algorithm: Algorithm,
    bounded_load_percent: Option<u32>,
    backends: Vec<Backend>,
    /// ids in rotation, ascending
    rotation: Vec<u32>,
    /// next position in `rotation` for round robin; where scans start so that ties go in turn
    cursor: usize,
    /// consistent-hash ring over configured servers: (point, server), sorted; rebuilt on change
    ring: Vec<(u32, u32)>,
    ring_stale: bool,
    /// `ip_hash`'s weight line over configured servers in id order: (where each server's share
    /// ends, server), so a hash finds its server by binary search; rebuilt on change
    ip_hash_line: Vec<(u32, u32)>,
    ip_hash_line_stale: bool,
    /// the rotation's total weight, and whether all its weights are equal (kept up to date so that
    /// a pick never sums the weights of every server)
    rotation_weights: Weights,
    /// by server id, what least connections or peak EWMA would pay to send there (`cost`), kept up
    /// to date while one of them (or bounded-load hashing's fallback) is in use; infinite for a
    /// server out of rotation. A pick scans this plain array rather than gathering each server's
    /// figures, so the scan vectorises.
    costs: Vec<f64>,
}

/// The total weight of a set of servers, and whether they all weigh the same.
#[derive(Clone, Copy, Debug, Default)]
struct Weights {
    total: u32,
    uniform: bool,
}

impl Balancer {
    pub fn new(algorithm: Algorithm, bounded_load_percent: Option<u32>) -> Self {
        Balancer {
            algorithm,
            bounded_load_percent,
            backends: Vec::new(),
            rotation: Vec::new(),
            cursor: 0,
            ring: Vec::new(),
            ring_stale: true,
            ip_hash_line: Vec::new(),
            ip_hash_line_stale: true,
            rotation_weights: Weights::default(),
            costs: Vec::new(),
        }
    }

    fn weights_of(&self, servers: &[u32]) -> Weights {
        let first = servers.first().map_or(1, |&s| self.backends[s as usize].weight);
        Weights {
            total: servers.iter().map(|&s| self.backends[s as usize].weight).sum(),
            uniform: servers.iter().all(|&s| self.backends[s as usize].weight == first),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn set_algorithm(&mut self, algorithm: Algorithm) {
        self.algorithm = algorithm;
        self.refresh_costs();
    }

    /// Whether picks scan `costs`: least connections, peak EWMA, and consistent hashing with
    /// bounded loads (which falls back to least connections when every server is at its bound).
    fn scans_costs(&self) -> bool {
        match self.algorithm {
            Algorithm::LeastConnections | Algorithm::PeakEwma => true,
            Algorithm::ConsistentHash => self.bounded_load_percent.is_some(),
            _ => false,
        }
    }

    /// What the scanning algorithms compare: peak EWMA's expected wait (the EWMA of response
    /// time times the requests outstanding plus this one), or outstanding requests; either per
    /// unit of weight. With equal weights the division is left out: it changes no order, and
    /// leaving it out keeps ties exactly ties.
    fn cost(&self, server: u32, uniform_weights: bool) -> f64 {
        let b = &self.backends[server as usize];
        match (self.algorithm, uniform_weights) {
            (Algorithm::PeakEwma, true) => b.ewma_ms * f64::from(b.outstanding + 1),
            (Algorithm::PeakEwma, false) => b.ewma_ms * f64::from(b.outstanding + 1) / f64::from(b.weight),
            (_, true) => f64::from(b.outstanding),
            (_, false) => load(b),
        }
    }

    /// One server's outstanding count, EWMA or rotation changed: its entry in `costs`.
    fn refresh_cost(&mut self, server: u32) {
        if !self.scans_costs() {
            return;
        }
        let in_rotation = self.backends[server as usize].in_rotation;
        let cost = if in_rotation { self.cost(server, self.rotation_weights.uniform) } else { f64::INFINITY };
        self.costs[server as usize] = cost;
    }

    /// The algorithm, the rotation or a weight changed: every entry in `costs`.
    fn refresh_costs(&mut self) {
        for server in 0..self.backends.len() as u32 {
            self.refresh_cost(server);
        }
    }

    /// A server joins the pool (ids are given in order: 0, 1, 2...).
    pub fn add_server(&mut self, weight: u32, max_conn: u32, in_rotation: bool) {
        self.backends.push(Backend {
            weight,
            max_conn,
            outstanding: 0,
            configured: true,
            in_rotation: false,
            current_weight: 0,
            ewma_ms: 0.0,
            ewma_at: SimTime::ZERO,
        });
        self.costs.push(f64::INFINITY);
        self.configured_pool_changed();
        if in_rotation {
            self.set_in_rotation(self.backends.len() as u32 - 1, true);
        }
    }

    /// The server leaves the pool: no new requests; what it has outstanding still comes back.
    pub fn remove_server(&mut self, server: u32) {
        self.set_in_rotation(server, false);
        self.backends[server as usize].configured = false;
        self.configured_pool_changed();
    }

    /// The hashing algorithms' tables cover every configured server by weight: rebuild them
    /// when next used.
    fn configured_pool_changed(&mut self) {
        self.ring_stale = true;
        self.ip_hash_line_stale = true;
    }

    /// Health checks put a server into rotation or take it out.
    pub fn set_in_rotation(&mut self, server: u32, in_rotation: bool) {
        let b = &mut self.backends[server as usize];
        if b.in_rotation == in_rotation || (in_rotation && !b.configured) {
            return;
        }
        b.in_rotation = in_rotation;
        b.current_weight = 0;
        match self.rotation.binary_search(&server) {
            Ok(pos) if !in_rotation => {
                self.rotation.remove(pos);
                // Keep the turn order: the server after the removed one is still next.
                if pos < self.cursor {
                    self.cursor -= 1;
                }
            }
            Err(pos) if in_rotation => {
                self.rotation.insert(pos, server);
                if pos < self.cursor {
                    self.cursor += 1;
                }
            }
            _ => {}
        }
        if self.cursor >= self.rotation.len() {
            self.cursor = 0;
        }
        self.rotation_weights = self.weights_of(&self.rotation);
        self.refresh_costs();
    }

    pub fn set_size(&mut self, server: u32, weight: u32, max_conn: u32) {
        let b = &mut self.backends[server as usize];
        b.weight = weight;
        b.max_conn = max_conn;
        self.configured_pool_changed();
        self.rotation_weights = self.weights_of(&self.rotation);
        self.refresh_costs();
    }

    pub fn outstanding(&self, server: u32) -> u32 {
        self.backends[server as usize].outstanding
    }
    pub fn is_configured(&self, server: u32) -> bool {
        self.backends.get(server as usize).is_some_and(|b| b.configured)
    }
    pub fn in_rotation(&self, server: u32) -> bool {
        self.backends.get(server as usize).is_some_and(|b| b.in_rotation)
    }
    /// Servers in rotation, by id.
    pub fn rotation(&self) -> &[u32] {
        &self.rotation
    }
    pub fn weight(&self, server: u32) -> u32 {
        self.backends[server as usize].weight
    }
    pub fn ewma_ms(&self, server: u32) -> f64 {
        self.backends[server as usize].ewma_ms
    }

    /// Chooses the server for one request, never one in `tried` (servers that already refused
    /// it); or says why there is none.
    pub fn pick(&mut self, key: RequestKey, rng: &mut Rng, tried: &[u32]) -> Result<u32, Unplaced> {
        let rotation = std::mem::take(&mut self.rotation);
        let filtered: Vec<u32>;
        let whole_rotation = tried.is_empty();
        let (eligible, weights): (&[u32], Weights) = if whole_rotation {
            (&rotation, self.rotation_weights)
        } else {
            filtered = rotation.iter().copied().filter(|s| !tried.contains(s)).collect();
            (&filtered, self.weights_of(&filtered))
        };
        let choice = if eligible.is_empty() {
            Err(Unplaced::NoServer)
        } else {
            match self.algorithm {
                Algorithm::RoundRobin => Ok(self.round_robin(eligible, weights)),
                Algorithm::Random => Ok(self.weighted_random(eligible, weights, None, rng)),
                Algorithm::LeastConnections | Algorithm::PeakEwma => {
                    Ok(self.cheapest(eligible, weights, whole_rotation))
                }
                Algorithm::PowerOfTwoChoices => Ok(self.two_choices(eligible, weights, rng)),
                Algorithm::SourceIpHash => Ok(self.ip_hash(key, eligible, weights, tried)),
                Algorithm::ConsistentHash => Ok(self.consistent_hash(key, eligible, weights, tried, whole_rotation)),
                Algorithm::FirstAvailable => self.first_available(eligible).ok_or(Unplaced::AllFull),
            }
        };
        self.rotation = rotation;
        if let Ok(server) = choice {
            self.assign(server);
        }
        choice
    }

    /// nginx's smooth weighted round robin. With equal weights it is plain rotation in id order,
    /// which is computed directly (same sequence, O(1)).
    #[inline]
    fn round_robin(&mut self, eligible: &[u32], weights: Weights) -> u32 {
        if weights.uniform {
            let position = self.cursor % eligible.len();
            self.cursor = (position + 1) % eligible.len();
            return eligible[position];
        }
        let mut total = 0i64;
        let mut best = eligible[0];
        for &s in eligible {
            let b = &mut self.backends[s as usize];
            b.current_weight += i64::from(b.weight);
            total += i64::from(b.weight);
            if b.current_weight > self.backends[best as usize].current_weight {
                best = s;
            }
        }
        self.backends[best as usize].current_weight -= total;
        best
    }

    /// A server drawn in proportion to weight, never `except` (which must be in `eligible`).
    fn weighted_random(&self, eligible: &[u32], weights: Weights, except: Option<u32>, rng: &mut Rng) -> u32 {
        if weights.uniform {
            let n = eligible.len() as u32 - u32::from(except.is_some());
            let mut i = rng.below(n) as usize;
            if let Some(skip) = except.and_then(|e| eligible.iter().position(|&s| s == e)) {
                if i >= skip {
                    i += 1;
                }
            }
            return eligible[i];
        }
        let skipped = except.map_or(0, |e| self.backends[e as usize].weight);
        let mut point = rng.below(weights.total - skipped);
        for &s in eligible.iter().filter(|&&s| Some(s) != except) {
            let w = self.backends[s as usize].weight;
            if point < w {
                return s;
            }
            point -= w;
        }
        eligible[eligible.len() - 1]
    }

    /// The eligible server with the lowest `cost`, the first one from the cursor on, so that ties
    /// go to servers in turn (nginx and HAProxy break least-connection ties by round robin).
    /// `whole_rotation`: `eligible` is the rotation, whose costs are kept in `costs`; a retry's
    /// shorter list has its costs worked out here.
    fn cheapest(&mut self, eligible: &[u32], weights: Weights, whole_rotation: bool) -> u32 {
        let n = eligible.len();
        let start = self.cursor % n;
        let position = if whole_rotation {
            // `costs` is by id, and the rotation is in id order with the rest at infinity: the
            // same circle, starting from the cursor's server.
            // Only servers in rotation have a finite cost, so the search finds it (were that ever
            // broken, the cursor's server is a pick that does not stop the page).
            let server = first_minimum_from(&self.costs, eligible[start] as usize) as u32;
            let found = eligible.binary_search(&server);
            debug_assert!(found.is_ok(), "server {server} has a cost but is not in rotation");
            found.unwrap_or(start)
        } else {
            let costs: Vec<f64> = eligible.iter().map(|&s| self.cost(s, weights.uniform)).collect();
            first_minimum_from(&costs, start)
        };
        self.cursor = (position + 1) % n;
        eligible[position]
    }

    /// Two different servers drawn at random (by weight); the one with less load per weight wins,
    /// the first drawn on a tie.
    fn two_choices(&self, eligible: &[u32], weights: Weights, rng: &mut Rng) -> u32 {
        if eligible.len() == 1 {
            return eligible[0];
        }
        let first = self.weighted_random(eligible, weights, None, rng);
        let second = self.weighted_random(eligible, weights, Some(first), rng);
        if load(&self.backends[second as usize]) < load(&self.backends[first as usize]) {
            second
        } else {
            first
        }
    }

    /// nginx `ip_hash`: hash the /24 over all configured servers by weight; if that server cannot
    /// take the request, hash again (up to 20 times), then fall back to round robin.
    fn ip_hash(&mut self, key: RequestKey, eligible: &[u32], weights: Weights, tried: &[u32]) -> u32 {
        if self.ip_hash_line_stale {
            self.rebuild_ip_hash_line();
        }
        let total_weight = self.ip_hash_line.last().map_or(0, |&(end, _)| end);
        let mut hash = IP_HASH_START;
        for _ in 0..IP_HASH_TRIES {
            hash = ip_hash_step(hash, key.address);
            // nginx walks the servers subtracting weights until the remainder falls inside one;
            // the first share ending after the point is the same server.
            let point = hash % total_weight.max(1);
            let at = self.ip_hash_line.partition_point(|&(end, _)| end <= point);
            if let Some(&(_, s)) = self.ip_hash_line.get(at) {
                if self.backends[s as usize].in_rotation && !tried.contains(&s) {
                    return s;
                }
            }
        }
        self.round_robin(eligible, weights)
    }

    fn rebuild_ip_hash_line(&mut self) {
        self.ip_hash_line.clear();
        let mut end = 0;
        for (s, b) in self.backends.iter().enumerate().filter(|(_, b)| b.configured) {
            end += b.weight;
            self.ip_hash_line.push((end, s as u32));
        }
        self.ip_hash_line_stale = false;
    }

    /// Ketama: the first point on the ring at or after the user's hash whose server is eligible
    /// (and, with bounded loads, below its share).
    fn consistent_hash(
        &mut self,
        key: RequestKey,
        eligible: &[u32],
        weights: Weights,
        tried: &[u32],
        whole_rotation: bool,
    ) -> u32 {
        if self.ring_stale {
            self.rebuild_ring();
        }
        let limit = self.bounded_load_percent.map(|percent| {
            let total: u64 = eligible.iter().map(|&s| u64::from(self.backends[s as usize].outstanding)).sum();
            // ceil(percent/100 × (load + 1) / servers), the bounded-load capacity per server
            (u64::from(percent) * (total + 1)).div_ceil(100 * eligible.len() as u64)
        });
        let hash = crc32(&key.user.to_le_bytes());
        let start = self.ring.partition_point(|&(point, _)| point < hash);
        let n = self.ring.len();
        for i in 0..n {
            let (_, s) = self.ring[(start + i) % n];
            let b = &self.backends[s as usize];
            if !b.in_rotation || tried.contains(&s) {
                continue;
            }
            if limit.is_some_and(|l| u64::from(b.outstanding) >= l) {
                continue;
            }
            return s;
        }
        // Every eligible server is at its bound: take the least loaded rather than refuse.
        self.cheapest(eligible, weights, whole_rotation)
    }

    fn rebuild_ring(&mut self) {
        self.ring.clear();
        for (s, b) in self.backends.iter().enumerate() {
            if !b.configured {
                continue;
            }
            for j in 0..POINTS_PER_WEIGHT * b.weight {
                let mut bytes = [0u8; 8];
                bytes[..4].copy_from_slice(&(s as u32).to_le_bytes());
                bytes[4..].copy_from_slice(&j.to_le_bytes());
                self.ring.push((crc32(&bytes), s as u32));
            }
        }
        self.ring.sort_unstable();
        self.ring_stale = false;
    }

    /// HAProxy `first`: the lowest id with a free slot; none when every server is full.
    fn first_available(&self, eligible: &[u32]) -> Option<u32> {
        eligible.iter().copied().find(|&s| self.backends[s as usize].has_free_conn())
    }

    /// Whether the server can take one more request now: under `first`, below its `maxconn`
    /// (the other algorithms follow balancers that set no `maxconn`, so always).
    pub fn below_max_conn(&self, server: u32) -> bool {
        self.algorithm != Algorithm::FirstAvailable || self.backends[server as usize].has_free_conn()
    }

    /// Persistence chose `server` (a sticky cookie or stick table): count it as sent there.
    #[inline]
    pub fn assign(&mut self, server: u32) {
        self.backends[server as usize].outstanding += 1;
        self.refresh_cost(server);
    }

    /// A response from `server` passed back through the balancer; `response_time` is given for
    /// answers (errors teach nothing about speed, and a fast refusal must not attract traffic).
    #[inline]
    pub fn on_response(&mut self, server: u32, response_time: Option<SimTime>, now: SimTime) {
        let b = &mut self.backends[server as usize];
        b.outstanding = b.outstanding.saturating_sub(1);
        // Only peak EWMA reads the average; after a switch to it, the first sample replaces a
        // stale one (its weight has decayed to nothing).
        if let Some(response_time) = response_time.filter(|_| self.algorithm == Algorithm::PeakEwma) {
            // Peak EWMA: jump up to a slower sample at once, decay towards faster ones.
            let sample = response_time.as_millis_f64();
            if sample > b.ewma_ms {
                b.ewma_ms = sample;
            } else {
                let w = exp(-(now - b.ewma_at).as_secs_f64() / EWMA_DECAY_S);
                b.ewma_ms = b.ewma_ms * w + sample * (1.0 - w);
            }
            b.ewma_at = now;
        }
        self.refresh_cost(server);
    }
}

/// Where the smallest of `costs` is: the first one at or after `start`, going round. In two
/// passes, the minimum and then where it first is, each over fixed-width chunks of a plain slice,
/// which vectorise (one pass keeping a running best does not). No cost is NaN.
fn first_minimum_from(costs: &[f64], start: usize) -> usize {
    let mut lanes = [f64::INFINITY; LANES];
    let chunks = costs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lowest, &c) in lanes.iter_mut().zip(chunk) {
            *lowest = if c < *lowest { c } else { *lowest };
        }
    }
    let min = lanes.iter().chain(rest).fold(f64::INFINITY, |m, &c| if c < m { c } else { m });
    position_of(&costs[start..], min).map(|i| start + i).or_else(|| position_of(&costs[..start], min)).unwrap_or(start)
}

/// Chunk width for `first_minimum_from`: four SIMD registers of two lanes each.
const LANES: usize = 8;

/// Where `value` first is in `part`, testing a whole chunk at a time.
fn position_of(part: &[f64], value: f64) -> Option<usize> {
    let chunks = part.chunks_exact(LANES);
    let tail = part.len() - chunks.remainder().len();
    let from = chunks
        .enumerate()
        .find(|(_, chunk)| chunk.iter().fold(false, |any, &c| any | (c == value)))
        .map_or(tail, |(i, _)| i * LANES);
    part[from..].iter().position(|&c| c == value).map(|i| from + i)
}

/// Outstanding requests per unit of weight (nginx compares by cross-multiplying; same order, and
/// equal loads stay equal: division is correctly rounded).
fn load(b: &Backend) -> f64 {
    f64::from(b.outstanding) / f64::from(b.weight)
}

#[cfg(test)]
#[path = "balancer_tests.rs"]
mod tests;
