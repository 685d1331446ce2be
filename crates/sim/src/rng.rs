//! The run's one source of randomness: xoshiro256** (Blackman & Vigna, 2018), seeded through
//! SplitMix64 from the scenario's seed. Same seed, same stream, on every platform.

use libm::log;

/// SplitMix64: expands one 64-bit seed into well-mixed state words (Vigna's recommended seeder).
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256**: fast, 256-bit state, passes BigCrush. Not cryptographic, and need not be.
#[derive(Clone, Debug)]
pub struct Rng {
    state: [u64; 4],
}

impl Rng {
    pub const ALGORITHM: &'static str = "xoshiro256** seeded by SplitMix64";

    pub fn from_seed(seed: u64) -> Self {
        let mut sm = seed;
        let state = [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)];
        Rng { state }
    }

    /// An independent stream for one part of the model, derived from the run's seed. Traffic
    /// (arrivals, users, request sizes) has its own stream, so two runs that differ only in how
    /// they balance see exactly the same requests.
    pub fn stream(seed: u64, stream: u64) -> Self {
        // Mix the stream number in through SplitMix64 so neighbouring streams are unrelated.
        let mut sm = stream;
        Self::from_seed(seed ^ splitmix64(&mut sm))
    }

    /// A generator with the raw state given, for checking against the reference vectors.
    #[cfg(test)]
    fn from_state(state: [u64; 4]) -> Self {
        Rng { state }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n); `n` must be > 0. Lemire's multiply-shift (bias < n/2^64).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u64() as u32) * u64::from(n)) >> 32) as u32
    }

    /// Exponential with the given mean (inverse transform).
    #[inline]
    pub fn exponential(&mut self, mean: f64) -> f64 {
        // 1 - u lies in (0, 1], so the log is finite.
        -log(1.0 - self.uniform()) * mean
    }

    /// Standard normal by Marsaglia's polar method (needs only log and sqrt, both exact in libm).
    pub fn standard_normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * log(s) / s).sqrt();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_matches_the_reference_first_output() {
        // From the reference C code: state {1,2,3,4} gives rotl(2*5, 7)*9 = 11520 first.
        let mut rng = Rng::from_state([1, 2, 3, 4]);
        assert_eq!(rng.next_u64(), 11_520);
        assert_eq!(rng.next_u64(), 0);
        assert_eq!(rng.next_u64(), 1_509_978_240);
    }

    #[test]
    fn splitmix_matches_the_reference_vector() {
        // SplitMix64 with seed 1234567 (Vigna's test vector).
        let mut s = 1_234_567u64;
        assert_eq!(splitmix64(&mut s), 6_457_827_717_110_365_317);
        assert_eq!(splitmix64(&mut s), 3_203_168_211_198_807_973);
    }

    #[test]
    fn uniform_and_exponential_have_the_right_means() {
        let mut rng = Rng::from_seed(7);
        let n = 200_000;
        let mean_u: f64 = (0..n).map(|_| rng.uniform()).sum::<f64>() / n as f64;
        assert!((mean_u - 0.5).abs() < 0.005, "{mean_u}");
        let mean_e: f64 = (0..n).map(|_| rng.exponential(3.0)).sum::<f64>() / n as f64;
        assert!((mean_e - 3.0).abs() < 0.05, "{mean_e}");
        let below: Vec<u32> = (0..1000).map(|_| rng.below(10)).collect();
        assert!(below.iter().all(|&b| b < 10));
        assert!((0..10).all(|k| below.contains(&k)));
    }

    #[test]
    fn normal_has_unit_variance() {
        let mut rng = Rng::from_seed(9);
        let n = 100_000;
        let xs: Vec<f64> = (0..n).map(|_| rng.standard_normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.02 && (var - 1.0).abs() < 0.02, "{mean} {var}");
    }
}
