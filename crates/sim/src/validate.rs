//! Validation at the bottom: every limit a run has, the `Checker` that every part's config
//! reports its problems to, and numbers written as a person writes them. It depends on nothing
//! else in `sim`, so each part's config can check itself beside the part that owns it without
//! an import circle.

use std::fmt;

/// The limits that keep a run within a browser's means, each stated once.
pub mod limits {
    pub const MAX_SERVERS: u32 = 1_000;
    pub const MAX_ARRIVAL_RATE: f64 = 1_000_000.0;
    pub const MAX_CONCURRENCY: u32 = 1_024;
    pub const MAX_MAX_CONN: u32 = 100_000;
    pub const MIN_SPEED: f64 = 0.1;
    pub const MAX_SPEED: f64 = 100.0;
    pub const MAX_QUEUE_LIMIT: u32 = 100_000;
    pub const MIN_SERVICE_MS: f64 = 0.001;
    pub const MAX_SERVICE_MS: f64 = 60_000.0;
    pub const MIN_SIGMA: f64 = 0.01;
    pub const MAX_SIGMA: f64 = 3.0;
    pub const MAX_LINK_LATENCY_MS: f64 = 10_000.0;
    pub const MAX_USERS: u32 = 1_000_000;
    pub const MIN_TIMEOUT_MS: f64 = 1.0;
    pub const MAX_TIMEOUT_MS: f64 = 600_000.0;
    pub const MAX_WEIGHT: u32 = 256;
    pub const MAX_PRICE_PER_SLOT_HOUR: f64 = 1_000.0;
    pub const MIN_CHECK_INTERVAL_MS: f64 = 100.0;
    pub const MAX_CHECK_INTERVAL_MS: f64 = 60_000.0;
    pub const MAX_RISE_FALL: u32 = 100;
    pub const MIN_BOUNDED_LOAD_PERCENT: u32 = 101;
    pub const MAX_BOUNDED_LOAD_PERCENT: u32 = 1_000;
    pub const MAX_TIMELINE: usize = 1_000;
    pub const MIN_STICK_EXPIRE_MS: f64 = 1_000.0;
    pub const MAX_STICK_EXPIRE_MS: f64 = 86_400_000.0;
    pub const MAX_STORE_LATENCY_MS: f64 = 1_000.0;
    pub const MIN_STORE_OP_MS: f64 = 0.001;
    pub const MAX_STORE_OP_MS: f64 = 10_000.0;
    pub const MAX_BOOT_MS: f64 = 3_600_000.0;
    pub const MIN_DRAIN_TIMEOUT_MS: f64 = 1.0;
    pub const MAX_DRAIN_TIMEOUT_MS: f64 = 3_600_000.0;

    /// Largest slow-down a `Slow` command may apply.
    pub const MAX_SLOW_FACTOR: f64 = 100.0;
    /// Browsers keep cookies up to 4096 bytes (name, value and attributes); an edited cookie
    /// longer than that would never be sent.
    pub const MAX_COOKIE_LENGTH: usize = 4_096;

    /// How far in a traffic profile's times may reach [s].
    pub const MAX_PROFILE_SECONDS: f64 = 86_400.0;
    /// Points a pasted traffic profile may hold.
    pub const MAX_CSV_POINTS: usize = 500;

    /// The autoscaler's periods (sync, scale-up, scale-down, evaluation) and stabilization
    /// windows [s].
    pub const MAX_SCALING_PERIOD_S: u32 = 3_600;
    /// Step scaling's cooldown [s].
    pub const MAX_COOLDOWN_S: u32 = 86_400;
    /// Actions a scaling schedule may hold.
    pub const MAX_SCHEDULED_ACTIONS: usize = 100;

    /// The caching lab's knobs.
    pub mod caching {
        pub const MAX_USERS: u32 = 500;
        pub const MAX_REQUESTS_PER_USER_S: f64 = 20.0;
        pub const MAX_ROUTES: usize = 8;
        pub const MAX_LINK_MS: f64 = 1_000.0;
        pub const MAX_WORK_MS: f64 = 1_000.0;
        pub const MAX_CAPACITY: u32 = 1_000_000;
        pub const MAX_TTL_S: f64 = 86_400.0;
        pub const MIN_FLUSH_MS: f64 = 1.0;
        pub const MAX_FLUSH_MS: f64 = 60_000.0;
        pub const MAX_DB_CONNECTIONS: u32 = 1_000;
        pub const MIN_DB_MS: f64 = 0.01;
        pub const MAX_DB_MS: f64 = 10_000.0;
        pub const MAX_KEYS: u32 = 1_000_000;
        pub const MAX_SKEW: f64 = 3.0;
        pub const MAX_BODY_BYTES: u32 = 100_000_000;
        pub const MIN_CHANGE_S: f64 = 0.1;
        pub const MAX_CHANGE_S: f64 = 1_000_000.0;
        pub const MAX_TIMELINE: usize = 200;
    }

    /// The data tier's knobs.
    pub mod data {
        pub const MIN_ROWS: u32 = 200;
        pub const MAX_ROWS: u32 = 2_000_000;
        pub const MAX_ZIPF: f64 = 3.0;
        pub const MAX_SHARDS: u32 = 64;
        pub const MAX_VNODES: u32 = 1_000;
        pub const MAX_DDL_CHARS: usize = 20_000;
        pub const MAX_QUERIES: usize = 100;
        pub const MAX_QUERY_CHARS: usize = 4_000;
        pub const MAX_COST_US: f64 = 1_000_000.0;
        /// the web tier's database servers: slots, queue, latency, and its query mix
        pub const MAX_DB_CONNECTIONS: u32 = 256;
        pub const MAX_DB_QUEUE: u32 = 100_000;
        pub const MAX_LATENCY_MS: f64 = 1_000.0;
        pub const MAX_MIX: usize = 16;
        pub const MAX_WEIGHT: u32 = 1_000_000;
        /// single-primary replication
        pub const MAX_REPLICAS: u32 = 8;
        pub const MAX_APPLY_PER_S: f64 = 1_000_000.0;
        pub const MAX_STALE_BOUND_MS: f64 = 3_600_000.0;
        /// multi-primary replication
        pub const MAX_PRIMARIES: u32 = 5;
        pub const MAX_SKEW_MS: f64 = 600_000.0;
    }
}

/// One problem with a scenario: which field, what it holds, and what it may hold.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationError {
    /// dotted path of the field, as in the JSON (`servers.count`)
    pub field: &'static str,
    pub value: String,
    /// the allowed range or values, in words
    pub allowed: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            // A rule between several values (a profile, the autoscaler): the rule says it all.
            write!(f, "{}: {}", self.field, self.allowed)
        } else {
            write!(f, "{} is {}, but it must be {}", self.field, self.value, self.allowed)
        }
    }
}

/// Every problem, in words, on one line ("servers.count is 0, but …; clients.users is …").
pub fn in_words(problems: &[ValidationError]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Collects every problem of a config, so that validation reports all of them, not just the
/// first. Each part's config has a `check(&self, &mut Checker)`.
#[derive(Default)]
pub struct Checker(Vec<ValidationError>);

impl Checker {
    /// A rule that involves several values, or a value described in words: its text says it all.
    pub fn rule(&mut self, field: &'static str, allowed: String) {
        self.0.push(ValidationError { field, value: String::new(), allowed });
    }

    /// A field that holds something it may not, with the field's own value shown.
    pub fn refuse(&mut self, field: &'static str, value: String, allowed: String) {
        self.0.push(ValidationError { field, value, allowed });
    }

    pub fn float(&mut self, field: &'static str, value: f64, min: f64, max: f64, min_exclusive: bool) {
        if !within(value, min, max, min_exclusive) {
            self.refuse(field, fmt_number(value), allowed_range(min, max, min_exclusive));
        }
    }

    pub fn int(&mut self, field: &'static str, value: u32, min: u32, max: u32) {
        if value < min || value > max {
            self.refuse(
                field,
                value.to_string(),
                format!("between {} and {}", fmt_number(min.into()), fmt_number(max.into())),
            );
        }
    }

    /// A value inside a field, named in words (`the ramp's start rate`), from `min` to `max`
    /// inclusive, with its unit (`""` or `" s"`).
    pub fn between(&mut self, field: &'static str, what: &str, value: f64, min: f64, max: f64, unit: &str) {
        if !within(value, min, max, false) {
            let (value, min, max) = (fmt_number(value), fmt_number(min), fmt_number(max));
            self.rule(field, format!("{what} is {value}, but it must be between {min} and {max}{unit}"));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_problems(self) -> Vec<ValidationError> {
        self.0
    }
}

/// Whether `value` is a number from `min` (or above it, when `min_exclusive`) up to `max`.
pub fn within(value: f64, min: f64, max: f64, min_exclusive: bool) -> bool {
    let above_min = if min_exclusive { value > min } else { value >= min };
    value.is_finite() && above_min && value <= max
}

/// A range in words: "at least 0.1 and at most 100", "more than 0 and at most 1,000,000".
pub fn allowed_range(min: f64, max: f64, min_exclusive: bool) -> String {
    let lower = if min_exclusive { "more than" } else { "at least" };
    format!("{lower} {} and at most {}", fmt_number(min), fmt_number(max))
}

/// A number as a person writes it: 1000000 → "1,000,000", 0.5 → "0.5".
pub fn fmt_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() { "not a number".into() } else { "infinite".into() };
    }
    if x.fract() != 0.0 || x.abs() >= 1e15 {
        return format!("{x}");
    }
    let digits = format!("{}", x.abs() as u64);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if x < 0.0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_person_writes_them() {
        assert_eq!(fmt_number(1_000_000.0), "1,000,000");
        assert_eq!(fmt_number(-1_234.0), "-1,234");
        assert_eq!(fmt_number(0.5), "0.5");
        assert_eq!(fmt_number(f64::NAN), "not a number");
        assert_eq!(fmt_number(f64::INFINITY), "infinite");
    }

    #[test]
    fn the_checker_collects_every_problem_in_words() {
        let mut c = Checker::default();
        c.float("a.rate", 0.0, 0.0, 10.0, true);
        c.float("a.ok", 5.0, 0.0, 10.0, true);
        c.int("a.count", 0, 1, 1_000);
        c.between("a.profile", "the ramp's length", -1.0, 0.0, 86_400.0, " s");
        c.float("a.nan", f64::NAN, 0.0, 1.0, false);
        let problems: Vec<String> = c.into_problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "a.rate is 0, but it must be more than 0 and at most 10",
                "a.count is 0, but it must be between 1 and 1,000",
                "a.profile: the ramp's length is -1, but it must be between 0 and 86,400 s",
                "a.nan is not a number, but it must be at least 0 and at most 1",
            ]
        );
    }
}
