//! Traffic that changes: the arrival rate as a function of time. The clients follow it second by
//! second (a Poisson process whose rate is constant within each second and is read from the
//! profile at the start of it), so a profile is exact for step changes and close for smooth ones.

use crate::validate::limits::{MAX_ARRIVAL_RATE as MAX_RATE, MAX_CSV_POINTS, MAX_PROFILE_SECONDS};
use crate::validate::Checker;
use serde::{Deserialize, Serialize};

/// The field every problem of a profile is reported under.
const FIELD: &str = "clients.profile";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum TrafficProfile {
    /// the scenario's `arrival_rate`, all the time
    #[default]
    Constant,
    /// from `from` to `to` requests/s in a straight line over `seconds`, then stays at `to`
    Ramp { from: f64, to: f64, seconds: f64 },
    /// `base` requests/s, jumping to `peak` at `at_s` for `seconds`
    Spike { base: f64, peak: f64, at_s: f64, seconds: f64 },
    /// a day compressed into `period_s`: `mean` ± `amplitude`, lowest at the start (night)
    DailyWave { mean: f64, amplitude: f64, period_s: f64 },
    /// (time [s], rate) points, straight lines between them, the last rate held after the end
    Points { points: Vec<(f64, f64)> },
}

impl TrafficProfile {
    /// The arrival rate at `t_s` seconds [requests/s]; `constant` is the scenario's arrival rate.
    pub fn rate_at(&self, t_s: f64, constant: f64) -> f64 {
        match self {
            TrafficProfile::Constant => constant,
            TrafficProfile::Ramp { from, to, seconds } => {
                let along = if *seconds <= 0.0 { 1.0 } else { (t_s / seconds).clamp(0.0, 1.0) };
                from + (to - from) * along
            }
            TrafficProfile::Spike { base, peak, at_s, seconds } => {
                if t_s >= *at_s && t_s < at_s + seconds {
                    *peak
                } else {
                    *base
                }
            }
            TrafficProfile::DailyWave { mean, amplitude, period_s } => {
                let phase = 2.0 * std::f64::consts::PI * t_s / period_s;
                mean - amplitude * libm::cos(phase)
            }
            TrafficProfile::Points { points } => {
                let Some(&(first_t, first_rate)) = points.first() else { return constant };
                if t_s <= first_t {
                    return first_rate;
                }
                for w in points.windows(2) {
                    let ((t0, r0), (t1, r1)) = (w[0], w[1]);
                    if t_s <= t1 {
                        return if t1 > t0 { r0 + (r1 - r0) * (t_s - t0) / (t1 - t0) } else { r1 };
                    }
                }
                points.last().map_or(constant, |&(_, r)| r)
            }
        }
    }

    /// Whether the rate ever changes (a constant profile needs no per-second updates).
    pub fn varies(&self) -> bool {
        !matches!(self, TrafficProfile::Constant)
    }

    /// The time after which nothing changes any more [s] (for drawing the whole profile).
    pub fn length_s(&self) -> f64 {
        match self {
            TrafficProfile::Constant => 0.0,
            TrafficProfile::Ramp { seconds, .. } => *seconds,
            TrafficProfile::Spike { at_s, seconds, .. } => at_s + seconds,
            TrafficProfile::DailyWave { period_s, .. } => *period_s,
            TrafficProfile::Points { points } => points.last().map_or(0.0, |p| p.0),
        }
    }

    /// Every problem with the profile, in words.
    pub fn check(&self, c: &mut Checker) {
        match self {
            TrafficProfile::Constant => {}
            TrafficProfile::Ramp { from, to, seconds } => {
                check_rate(c, "the ramp's start rate", *from);
                check_rate(c, "the ramp's end rate", *to);
                check_time(c, "the ramp's length", *seconds, 0.0);
            }
            TrafficProfile::Spike { base, peak, at_s, seconds } => {
                check_rate(c, "the spike's base rate", *base);
                check_rate(c, "the spike's peak rate", *peak);
                check_time(c, "the spike's start", *at_s, 0.0);
                check_time(c, "the spike's length", *seconds, 0.0);
            }
            TrafficProfile::DailyWave { mean, amplitude, period_s } => {
                check_rate(c, "the wave's mean rate", *mean);
                check_rate(c, "the wave's amplitude", *amplitude);
                if amplitude > mean {
                    c.rule(FIELD, "the wave's amplitude is larger than its mean; the rate cannot go below 0".into());
                }
                check_time(c, "the wave's period", *period_s, 1.0);
            }
            TrafficProfile::Points { points } => {
                if points.is_empty() || points.len() > MAX_CSV_POINTS {
                    c.rule(
                        FIELD,
                        format!("a profile needs between 1 and {MAX_CSV_POINTS} points, not {}", points.len()),
                    );
                }
                for &(t, r) in points {
                    check_time(c, "a point's time", t, 0.0);
                    check_rate(c, "a point's rate", r);
                }
                if points.windows(2).any(|w| w[1].0 < w[0].0) {
                    c.rule(FIELD, "the points' times must not go backwards".into());
                }
            }
        }
    }

    /// Reads a profile pasted as CSV: one `time_s,rate` pair per line; a header line, blank
    /// lines and `#` comments are skipped. Names the first bad line.
    pub fn from_csv(text: &str) -> Result<TrafficProfile, String> {
        let mut points = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cells = line.split([',', ';', '\t']).map(str::trim);
            let (t, r) = (cells.next().unwrap_or(""), cells.next().unwrap_or(""));
            match (t.parse::<f64>(), r.parse::<f64>()) {
                (Ok(t), Ok(r)) => points.push((t, r)),
                // A first line of words is a header.
                _ if points.is_empty() && t.parse::<f64>().is_err() && i == 0 => continue,
                _ => return Err(format!("line {} (“{line}”) is not “seconds,requests per second”", i + 1)),
            }
        }
        let profile = TrafficProfile::Points { points };
        let mut c = Checker::default();
        profile.check(&mut c);
        match c.into_problems().into_iter().next() {
            Some(problem) => Err(problem.allowed),
            None => Ok(profile),
        }
    }
}

fn check_rate(c: &mut Checker, what: &str, v: f64) {
    c.between(FIELD, what, v, 0.0, MAX_RATE, "");
}

fn check_time(c: &mut Checker, what: &str, v: f64, min: f64) {
    c.between(FIELD, what, v, min, MAX_PROFILE_SECONDS, " s");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_profile_gives_its_rate() {
        let ramp = TrafficProfile::Ramp { from: 100.0, to: 300.0, seconds: 100.0 };
        assert_eq!([ramp.rate_at(0.0, 1.0), ramp.rate_at(50.0, 1.0), ramp.rate_at(500.0, 1.0)], [100.0, 200.0, 300.0]);
        let spike = TrafficProfile::Spike { base: 100.0, peak: 900.0, at_s: 60.0, seconds: 30.0 };
        assert_eq!(
            [spike.rate_at(59.9, 1.0), spike.rate_at(60.0, 1.0), spike.rate_at(90.0, 1.0)],
            [100.0, 900.0, 100.0]
        );
        let wave = TrafficProfile::DailyWave { mean: 200.0, amplitude: 100.0, period_s: 240.0 };
        assert!((wave.rate_at(0.0, 1.0) - 100.0).abs() < 1e-9 && (wave.rate_at(120.0, 1.0) - 300.0).abs() < 1e-9);
        assert_eq!(TrafficProfile::Constant.rate_at(5.0, 42.0), 42.0);
    }

    #[test]
    fn csv_reads_points_and_names_the_bad_line() {
        let p = TrafficProfile::from_csv("time,rate\n0,100\n60, 400\n\n# peak over\n120,100\n").unwrap();
        assert_eq!(p, TrafficProfile::Points { points: vec![(0.0, 100.0), (60.0, 400.0), (120.0, 100.0)] });
        assert_eq!(p.rate_at(30.0, 0.0), 250.0);
        assert_eq!(p.rate_at(1_000.0, 0.0), 100.0);
        assert_eq!(
            TrafficProfile::from_csv("0,100\n60,lots\n").unwrap_err(),
            "line 2 (“60,lots”) is not “seconds,requests per second”"
        );
        assert!(TrafficProfile::from_csv("0,100\n60,-5\n").unwrap_err().contains("between 0 and"));
        assert!(TrafficProfile::from_csv("60,100\n0,5\n").unwrap_err().contains("backwards"));
        assert!(TrafficProfile::from_csv("").is_err());
    }
}
