//! Key popularity: Zipf's law, P(rank i) ∝ 1 / i^s over n keys (s = 0 is uniform), and the hit
//! ratio theory gives an LRU cache under it (Che's approximation), which the lab shows beside
//! the measured one.

use crate::rng::Rng;

#[derive(Clone)]
pub struct Zipf {
    /// cumulative probabilities, rank 1 first; the last is 1
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(keys: u32, skew: f64) -> Zipf {
        let weights: Vec<f64> = (1..=keys.max(1)).map(|i| libm::pow(f64::from(i), -skew)).collect();
        let total: f64 = weights.iter().sum();
        let mut sum = 0.0;
        let mut cumulative: Vec<f64> = weights
            .iter()
            .map(|w| {
                sum += w / total;
                sum
            })
            .collect();
        *cumulative.last_mut().expect("at least one key") = 1.0;
        Zipf { cumulative }
    }

    /// A key (0 is the most popular).
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        let u = rng.uniform();
        self.cumulative.partition_point(|&c| c <= u).min(self.cumulative.len() - 1) as u32
    }

    /// Each key's probability, most popular first.
    pub fn probabilities(&self) -> Vec<f64> {
        let mut previous = 0.0;
        self.cumulative
            .iter()
            .map(|&c| {
                let p = c - previous;
                previous = c;
                p
            })
            .collect()
    }
}

/// The hit ratio of an LRU cache of `capacity` keys under independent requests with these
/// probabilities, by Che's approximation (Che, Tung and Wang 2002; Fricker, Robert and Roberts
/// 2012 show it is accurate for Zipf popularity): the characteristic time T solves
/// Σ (1 − e^(−p·T)) = capacity, and the hit ratio is Σ p·(1 − e^(−p·T)).
pub fn lru_hit_ratio_che(probabilities: &[f64], capacity: usize) -> f64 {
    if capacity >= probabilities.len() {
        return 1.0;
    }
    if capacity == 0 {
        return 0.0;
    }
    let filled = |t: f64| probabilities.iter().map(|&p| 1.0 - libm::exp(-p * t)).sum::<f64>();
    let (mut low, mut high) = (0.0, 1.0);
    while filled(high) < capacity as f64 {
        high *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (low + high);
        if filled(mid) < capacity as f64 {
            low = mid;
        } else {
            high = mid;
        }
    }
    let t = 0.5 * (low + high);
    probabilities.iter().map(|&p| p * (1.0 - libm::exp(-p * t))).sum()
}
