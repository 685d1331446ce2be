//! Numbers written into SVG attributes, in one place: rounded to a tenth of a unit (enough for
//! the eye) and as short as possible ("12", not "12.0"). Integer arithmetic rather than
//! `format!("{:.1}")`, whose exact decimal rounding is slow, and a frame writes hundreds of them.

use std::fmt::Write;

/// `v` to a tenth: "-3.5", "0", "12", "120.4". NaN draws at 0; infinities saturate.
pub fn number(v: f64) -> String {
    let mut out = String::with_capacity(8);
    push_number(&mut out, v);
    out
}

/// A `points` list: "x,y x,y ...".
pub fn points(points: impl IntoIterator<Item = (f64, f64)>) -> String {
    let mut out = String::new();
    for (x, y) in points {
        if !out.is_empty() {
            out.push(' ');
        }
        push_number(&mut out, x);
        out.push(',');
        push_number(&mut out, y);
    }
    out
}

fn push_number(out: &mut String, v: f64) {
    let tenths = (v * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let t = tenths.unsigned_abs();
    let _ = write!(out, "{}", t / 10);
    if t % 10 != 0 {
        out.push('.');
        out.push(char::from(b'0' + (t % 10) as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_without_a_trailing_zero() {
        assert_eq!(number(12.0), "12");
        assert_eq!(number(12.04), "12");
        assert_eq!(number(12.06), "12.1");
        assert_eq!(number(0.95), "1");
        assert_eq!(number(-3.46), "-3.5");
        assert_eq!(number(-0.04), "0");
        assert_eq!(number(f64::NAN), "0");
        assert_eq!(points([(1.25, 640.0), (0.0, -2.0)]), "1.3,640 0,-2");
        assert_eq!(points([]), "");
    }

    #[test]
    fn agrees_with_float_formatting_to_the_tenth() {
        // Whatever the rounding of a tie, the value drawn is within half a tenth of the true one.
        for i in -20_000..20_000 {
            let v = f64::from(i) * 0.0137;
            let drawn: f64 = number(v).parse().unwrap();
            assert!((drawn - v).abs() <= 0.05 + 1e-9, "{v} drawn as {drawn}");
        }
    }
}
