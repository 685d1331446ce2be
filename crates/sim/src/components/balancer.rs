//! The load balancer: knows which servers take traffic, counts what each has outstanding, and picks
//! one per request. `pick` is the one place where algorithms live.

use crate::rng::Rng;
use crate::scenario::Algorithm;

pub struct Balancer {
    algorithm: Algorithm,
    /// servers that take new requests, in the order they were added (ids into the server list)
    candidates: Vec<u32>,
    /// requests sent to each server and not yet answered, indexed by server id
    outstanding: Vec<u32>,
    /// next position in `candidates` for round robin, and where least-connections starts its scan
    cursor: usize,
}

impl Balancer {
    pub fn new(algorithm: Algorithm, server_count: u32) -> Self {
        Balancer {
            algorithm,
            candidates: (0..server_count).collect(),
            outstanding: vec![0; server_count as usize],
            cursor: 0,
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn set_algorithm(&mut self, algorithm: Algorithm) {
        self.algorithm = algorithm;
    }

    pub fn outstanding(&self, server: u32) -> u32 {
        self.outstanding[server as usize]
    }

    pub fn candidates(&self) -> &[u32] {
        &self.candidates
    }

    pub fn add_server(&mut self, server: u32) {
        if self.outstanding.len() <= server as usize {
            self.outstanding.resize(server as usize + 1, 0);
        }
        self.candidates.push(server);
    }

    /// Stops sending new requests to `server`; what it has outstanding still comes back.
    pub fn remove_server(&mut self, server: u32) {
        if let Some(pos) = self.candidates.iter().position(|&s| s == server) {
            self.candidates.remove(pos);
            // Keep the turn order: the server after the removed one is still next.
            if pos < self.cursor {
                self.cursor -= 1;
            }
            if self.cursor >= self.candidates.len() {
                self.cursor = 0;
            }
        }
    }

    /// Chooses the server for one request, or `None` when no server takes traffic.
    pub fn pick(&mut self, rng: &mut Rng) -> Option<u32> {
        let n = self.candidates.len();
        if n == 0 {
            return None;
        }
        let position = match self.algorithm {
            Algorithm::RoundRobin => self.cursor % n,
            Algorithm::Random => rng.below(n as u32) as usize,
            Algorithm::LeastConnections => self.least_outstanding_from_cursor(),
        };
        if self.algorithm != Algorithm::Random {
            self.cursor = (position + 1) % n;
        }
        let server = self.candidates[position];
        self.outstanding[server as usize] += 1;
        Some(server)
    }

    /// Scans every candidate once, starting at the cursor, and keeps the first with the fewest
    /// outstanding: ties therefore go to servers in turn, as nginx and HAProxy do.
    fn least_outstanding_from_cursor(&self) -> usize {
        let n = self.candidates.len();
        let mut best = self.cursor % n;
        let mut best_load = self.outstanding[self.candidates[best] as usize];
        for step in 1..n {
            let position = (self.cursor + step) % n;
            let load = self.outstanding[self.candidates[position] as usize];
            if load < best_load {
                best = position;
                best_load = load;
            }
        }
        best
    }

    /// A response from `server` passed back through the balancer.
    pub fn on_response(&mut self, server: u32) {
        let count = &mut self.outstanding[server as usize];
        *count = count.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks(b: &mut Balancer, n: usize) -> Vec<u32> {
        let mut rng = Rng::from_seed(1);
        (0..n).map(|_| b.pick(&mut rng).unwrap()).collect()
    }

    #[test]
    fn round_robin_takes_turns_and_survives_removal() {
        let mut b = Balancer::new(Algorithm::RoundRobin, 3);
        assert_eq!(picks(&mut b, 4), [0, 1, 2, 0]);
        b.remove_server(1);
        assert_eq!(picks(&mut b, 3), [2, 0, 2]);
        b.add_server(3);
        assert_eq!(picks(&mut b, 3), [0, 2, 3]);
    }

    #[test]
    fn least_connections_prefers_the_idle_and_breaks_ties_in_turn() {
        let mut b = Balancer::new(Algorithm::LeastConnections, 3);
        assert_eq!(picks(&mut b, 3), [0, 1, 2]);
        b.on_response(1);
        assert_eq!(picks(&mut b, 1), [1]);
        b.on_response(2);
        b.on_response(0);
        assert_eq!(picks(&mut b, 2), [2, 0]);
    }

    #[test]
    fn no_candidates_means_no_pick() {
        let mut b = Balancer::new(Algorithm::Random, 1);
        b.remove_server(0);
        assert_eq!(b.pick(&mut Rng::from_seed(0)), None);
    }
}
