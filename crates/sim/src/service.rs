//! Service-time distributions: how long a server works on one request at speed 1.

use crate::rng::Rng;
use libm::{exp, log};
use serde::{Deserialize, Serialize};

/// The shape of service times. `mean_ms` is the mean at speed 1 in every case.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceTime {
    /// Every request takes exactly `mean_ms` [ms].
    Fixed { mean_ms: f64 },
    /// Memoryless, as in M/M/c queueing theory; mean `mean_ms` [ms].
    Exponential { mean_ms: f64 },
    /// Log-normal with mean `mean_ms` [ms] and shape `sigma` (std-dev of the underlying normal):
    /// the long right tail that real request sizes have.
    LogNormal { mean_ms: f64, sigma: f64 },
}

impl Default for ServiceTime {
    fn default() -> Self {
        ServiceTime::Exponential { mean_ms: 20.0 }
    }
}

impl ServiceTime {
    pub fn mean_ms(&self) -> f64 {
        match *self {
            ServiceTime::Fixed { mean_ms }
            | ServiceTime::Exponential { mean_ms }
            | ServiceTime::LogNormal { mean_ms, .. } => mean_ms,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            ServiceTime::Fixed { .. } => "fixed",
            ServiceTime::Exponential { .. } => "exponential",
            ServiceTime::LogNormal { .. } => "log-normal",
        }
    }

    /// The same kind of distribution with another mean.
    pub fn with_mean_ms(self, mean_ms: f64) -> Self {
        match self {
            ServiceTime::Fixed { .. } => ServiceTime::Fixed { mean_ms },
            ServiceTime::Exponential { .. } => ServiceTime::Exponential { mean_ms },
            ServiceTime::LogNormal { sigma, .. } => ServiceTime::LogNormal { mean_ms, sigma },
        }
    }

    /// One draw [ms] at speed 1.
    pub fn sample_ms(&self, rng: &mut Rng) -> f64 {
        match *self {
            ServiceTime::Fixed { mean_ms } => mean_ms,
            ServiceTime::Exponential { mean_ms } => rng.exponential(mean_ms),
            ServiceTime::LogNormal { mean_ms, sigma } => {
                // E[e^(mu + sigma Z)] = e^(mu + sigma²/2), so mu = ln(mean) - sigma²/2.
                let mu = log(mean_ms) - sigma * sigma / 2.0;
                exp(mu + sigma * rng.standard_normal())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_the_stated_mean() {
        let mut rng = Rng::from_seed(3);
        for dist in [
            ServiceTime::Fixed { mean_ms: 10.0 },
            ServiceTime::Exponential { mean_ms: 10.0 },
            ServiceTime::LogNormal { mean_ms: 10.0, sigma: 0.8 },
        ] {
            let n = 200_000;
            let mean = (0..n).map(|_| dist.sample_ms(&mut rng)).sum::<f64>() / n as f64;
            assert!((mean - 10.0).abs() < 0.15, "{}: {mean}", dist.name());
        }
    }
}
