//! The Gregorian calendar's one rule, for the places that write or read dates: the caching
//! lab's HTTP dates, the data tier's generated timestamps and the timestamps a student types.

/// A leap year: every fourth, except centuries not divisible by 400.
pub fn is_leap_year(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// The days of a month (1 to 12) of a year.
pub fn days_in_month(year: u64, month: u32) -> u32 {
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    match month {
        2 if is_leap_year(year) => 29,
        m => DAYS[(m.clamp(1, 12) - 1) as usize],
    }
}

/// The days of a year.
pub fn days_in_year(year: u64) -> u64 {
    if is_leap_year(year) {
        366
    } else {
        365
    }
}

/// A day of a year (0-based) as its month (1 to 12) and day of the month (1-based).
pub fn month_and_day(year: u64, mut day_of_year: u64) -> (u32, u64) {
    let mut month = 1;
    while month < 12 && day_of_year >= u64::from(days_in_month(year, month)) {
        day_of_year -= u64::from(days_in_month(year, month));
        month += 1;
    }
    (month, day_of_year + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert_eq!([1900, 2000, 2024, 2025, 2100].map(is_leap_year), [false, true, true, false, false]);
        assert_eq!((days_in_month(2024, 2), days_in_month(2025, 2), days_in_month(2025, 12)), (29, 28, 31));
        assert_eq!((days_in_year(2024), days_in_year(2026)), (366, 365));
        assert_eq!([0, 31, 59, 364].map(|d| month_and_day(2025, d)), [(1, 1), (2, 1), (3, 1), (12, 31)]);
        assert_eq!(month_and_day(2024, 59), (2, 29));
    }
}
