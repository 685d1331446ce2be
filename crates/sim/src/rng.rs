//! The run's one source of randomness: xoshiro256** (Blackman & Vigna, 2018), seeded through
//! SplitMix64 from the scenario's seed. Same seed, same stream, on every platform.

use libm::{exp, log};
use std::sync::OnceLock;

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

    /// Exponential with the given mean.
    #[inline]
    pub fn exponential(&mut self, mean: f64) -> f64 {
        self.standard_exponential() * mean
    }

    /// Exponential with mean 1 by Marsaglia & Tsang's ziggurat (2000): 256 layers of equal area
    /// cover e^-x; a draw is one random word, a table look-up and a multiply 98.9% of the time,
    /// where inverting the CDF takes a logarithm every time (the engine's hottest arithmetic).
    fn standard_exponential(&mut self) -> f64 {
        let z = exponential_ziggurat();
        loop {
            let bits = self.next_u64();
            // The low 8 bits pick the layer; the high 53 place the point across it.
            let layer = (bits & 0xff) as usize;
            let x = (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64) * z.x[layer];
            if x < z.x[layer + 1] {
                return x; // inside the layer's rectangle that lies wholly under the curve
            }
            if layer == 0 {
                // The tail beyond R is R plus an exponential (memorylessness); 1 - u is in (0, 1].
                return ZIGGURAT_R - log(1.0 - self.uniform());
            }
            let y = z.f[layer + 1] + (z.f[layer] - z.f[layer + 1]) * self.uniform();
            if y < exp(-x) {
                return x;
            }
        }
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

/// The 256-layer exponential ziggurat's right edge R and each layer's area V (Marsaglia &
/// Tsang 2000, Table 1).
const ZIGGURAT_R: f64 = 7.697_117_470_131_05;
const ZIGGURAT_V: f64 = 3.949_659_822_581_557e-3;

/// The layers' right edges `x` (x[0] is the base layer's virtual width V / f(R); x[256] = 0) and
/// `f` = e^-x at each. Built once from libm, which computes the same bits on every platform, so
/// the draws are the same natively and in the browser.
struct Ziggurat {
    x: [f64; 257],
    f: [f64; 257],
}

fn exponential_ziggurat() -> &'static Ziggurat {
    static TABLES: OnceLock<Ziggurat> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut x = [0.0; 257];
        x[0] = ZIGGURAT_V / exp(-ZIGGURAT_R);
        x[1] = ZIGGURAT_R;
        // Each layer above has area V: x[i] * (f(x[i+1]) - f(x[i])) = V.
        for i in 2..256 {
            x[i] = -log(ZIGGURAT_V / x[i - 1] + exp(-x[i - 1]));
        }
        Ziggurat { x, f: x.map(|edge| exp(-edge)) }
    })
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
    fn ziggurat_layers_have_equal_areas_and_reach_the_top() {
        let z = exponential_ziggurat();
        let area = |i: usize| z.x[i] * (z.f[i + 1] - z.f[i]);
        // The base layer: the rectangle R x f(R) plus the tail beyond R, whose area is f(R).
        assert!((ZIGGURAT_R * z.f[1] + z.f[1] - ZIGGURAT_V).abs() < 1e-12);
        assert!((z.x[0] * z.f[1] - ZIGGURAT_V).abs() < 1e-15);
        for i in 1..255 {
            assert!((area(i) - ZIGGURAT_V).abs() < 1e-12, "layer {i}: {}", area(i));
        }
        // The top layer ends at x = 0, f = 1 with the same area: R and V fit together.
        assert_eq!((z.x[256], z.f[256]), (0.0, 1.0));
        assert!((area(255) - ZIGGURAT_V).abs() < 1e-9, "{}", area(255));
        assert!(z.x.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn ziggurat_draws_follow_the_exponential_cdf_and_its_tail() {
        // Kolmogorov-Smirnov against 1 - e^-x: D < 0.005 over 200,000 draws (the 0.1% critical
        // value is 1.95 / sqrt(n) = 0.0044).
        let mut rng = Rng::from_seed(11);
        let n = 200_000;
        let mut xs: Vec<f64> = (0..n).map(|_| rng.exponential(1.0)).collect();
        xs.sort_by(f64::total_cmp);
        let d = xs
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let cdf = 1.0 - (-x).exp();
                (cdf - i as f64 / n as f64).abs().max(((i + 1) as f64 / n as f64 - cdf).abs())
            })
            .fold(0.0, f64::max);
        assert!(d < 0.005, "KS distance {d}");
        // Mean and variance are both 1; over 4 million draws their standard errors are 0.0005
        // and 0.0011, so these bounds sit at 4 standard errors. (A wedge test that accepts too
        // often moved the mean by 0.0037.)
        let n = 4_000_000;
        let (mut sum, mut sum_sq, mut tail, mut tail_excess) = (0.0, 0.0, 0, 0.0);
        for _ in 0..n {
            let x = rng.exponential(1.0);
            sum += x;
            sum_sq += x * x;
            if x > ZIGGURAT_R {
                tail += 1;
                tail_excess += x - ZIGGURAT_R;
            }
        }
        let mean = sum / n as f64;
        let variance = sum_sq / n as f64 - mean * mean;
        assert!((mean - 1.0).abs() < 0.002, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.005, "variance {variance}");
        // Beyond R: P(X > R) = e^-R (1,816 expected, sd 43), and the excess is again
        // exponential with mean 1 (sd 0.023 over that many).
        let expected = n as f64 * (-ZIGGURAT_R).exp();
        assert!((f64::from(tail) - expected).abs() < 0.1 * expected, "{tail} vs {expected}");
        let excess = tail_excess / f64::from(tail);
        assert!((excess - 1.0).abs() < 0.1, "mean excess beyond R {excess}");
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
