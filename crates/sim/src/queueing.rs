//! Queueing theory's closed forms, for what a run is checked against and drawn beside: Erlang C
//! and the M/M/c mean time in system (Kleinrock, Queueing Systems vol. 1, §3.5).

/// Erlang C: the probability that an arrival waits in M/M/c, with offered load `a` = λ/μ
/// (in erlangs); 1 when the system is full (a ≥ c).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / f64::from(c);
    if rho >= 1.0 {
        return 1.0;
    }
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let top = term * a / f64::from(c) / (1.0 - rho);
    top / (sum + top)
}

/// M/M/c's mean time in system W = C/(cμ − λ) + 1/μ [ms], for `c` servers of mean service time
/// `service_ms` fed at `lambda_per_s`; none at or past saturation, where queues grow without
/// end.
pub fn mmc_mean_time_ms(c: u32, service_ms: f64, lambda_per_s: f64) -> Option<f64> {
    let mu = 1_000.0 / service_ms;
    let a = lambda_per_s / mu;
    if c == 0 || service_ms <= 0.0 || a >= f64::from(c) {
        return None;
    }
    let wait_s = erlang_c(c, a) / (f64::from(c) * mu - lambda_per_s);
    Some(wait_s * 1_000.0 + service_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_the_reference_table() {
        // semantics.md §9: c=4, a=3 gives 27/53; c=1 gives ρ.
        assert!((erlang_c(4, 3.0) - 27.0 / 53.0).abs() < 1e-12);
        assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
        assert_eq!(erlang_c(2, 2.0), 1.0);
    }

    #[test]
    fn mm1_and_mmc_times_in_system() {
        // M/M/1 at ρ = 0.8 with 1/μ = 20 ms: W = 1/(μ − λ) = 100 ms.
        assert!((mmc_mean_time_ms(1, 20.0, 40.0).unwrap() - 100.0).abs() < 1e-9);
        // M/M/4, a = 3: Wq = (27/53)/(200 − 150) s = 10.19 ms, W = 30.19 ms.
        let w = mmc_mean_time_ms(4, 20.0, 150.0).unwrap();
        assert!((w - (27.0 / 53.0 / 50.0 * 1_000.0 + 20.0)).abs() < 1e-9, "{w}");
        assert_eq!(mmc_mean_time_ms(4, 20.0, 200.0), None, "saturated");
    }
}
