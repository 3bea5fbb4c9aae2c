//! How a report rounds the numbers it prints: one rule, in one function.
//!
//! Percentages, questionnaire scores, points, chart labels and the tables
//! beside them all go through [`rounded`], so a share of exactly 62.5 % and
//! a score of 62.5 both print as 63, as a reader rounding by hand expects
//! (half away from zero, the rule taught at school and the one Typst's
//! `calc.round` and Rust's `f64::round` follow). Rust's `format!("{:.0}")`
//! rounds a half to even instead (62.5 to 62), so no printed number is
//! formatted with it. p-values are the one exception, and on purpose: they
//! are cut, not rounded ([`p_value_text`]).

/// `x` rounded half away from zero to `decimals` decimals, as digits with a
/// full stop and a leading `-` when it does not round to zero ("-0.4",
/// "63"). The template swaps the full stop for the language's decimal sign
/// and the hyphen for a minus sign.
pub(crate) fn rounded(x: f64, decimals: usize) -> String {
    let scale = 10_f64.powi(decimals as i32);
    // A share 0.145 times 100 is 14.499999999999998 in binary: the noise
    // below a millionth of the last digit is dropped first, so a figure
    // rounds as it reads in decimals (14.5, not 14.4).
    let scaled = ((x.abs() * scale) * 1e6).round() / 1e6;
    // Finite figures of a report fit in u64 many times over; NaN gives 0.
    let n = scaled.round() as u64;
    let unit = 10_u64.pow(decimals as u32);
    let digits = if decimals == 0 {
        n.to_string()
    } else {
        format!("{}.{:0width$}", n / unit, n % unit, width = decimals)
    };
    if x < 0.0 && n != 0 {
        format!("-{digits}")
    } else {
        digits
    }
}

/// A p-value as printed after "p": "= 0.163", or "< 0.001" below a
/// thousandth. Cut after three decimals, not rounded, so 0.0496 never reads
/// as 0.050 beside the rule p < 0.05 that called it a change.
pub(crate) fn p_value_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_owned()
    } else {
        format!("= {}", cut(p, 3))
    }
}

/// A p-value or threshold (0 to 1) cut, not rounded, after `decimals`
/// decimals: a school's p at a threshold never reads as above it. The 1e-9
/// keeps 0.0123 (stored as 0.01229999...) at 0.0123.
pub(crate) fn cut(p: f64, decimals: usize) -> String {
    let unit = 10_u64.pow(decimals as u32);
    let n = (p.max(0.0) * unit as f64 + 1e-9).floor() as u64;
    format!("{}.{:0width$}", n / unit, n % unit, width = decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact halves, worked out by hand: 5/8 of pupils is 62.5 %, which a
    /// person rounds to 63; a score of 62.5 likewise; -2.5 points to -3.
    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(rounded(0.625 * 100.0, 0), "63");
        assert_eq!(rounded(62.5, 0), "63");
        assert_eq!(rounded(63.5, 0), "64");
        assert_eq!(rounded(-2.5, 0), "-3");
        assert_eq!(rounded(0.5, 0), "1");
        // 1/16 is 6.25 %: 6.3 with one decimal.
        assert_eq!(rounded(0.0625 * 100.0, 1), "6.3");
    }

    /// 0.145 is stored as 0.14499999999999999; 14.5 % is what the reader
    /// computes from 29 of 200 pupils.
    #[test]
    fn binary_noise_does_not_move_a_half() {
        assert_eq!(rounded(29.0 / 200.0 * 100.0, 1), "14.5");
        assert_eq!(rounded(29.0 / 200.0 * 100.0, 0), "15");
        assert_eq!(rounded(1.005 * 100.0, 0), "101");
    }

    #[test]
    fn decimals_are_padded_and_zero_has_no_sign() {
        assert_eq!(rounded(3.0, 1), "3.0");
        assert_eq!(rounded(0.04, 2), "0.04");
        assert_eq!(rounded(-0.04, 1), "0.0");
        assert_eq!(rounded(-0.05, 1), "-0.1");
        assert_eq!(rounded(1234.49, 0), "1234");
        assert_eq!(rounded(f64::NAN, 1), "0.0");
    }

    /// p is cut: 0.0496 stays below 0.05 as printed, 0.1639 is 0.163.
    #[test]
    fn p_values_are_cut_not_rounded() {
        assert_eq!(p_value_text(0.0496), "= 0.049");
        assert_eq!(p_value_text(0.1639), "= 0.163");
        assert_eq!(p_value_text(0.123), "= 0.123");
        assert_eq!(p_value_text(0.0009), "< 0.001");
        assert_eq!(p_value_text(1.0), "= 1.000");
        // The Benjamini-Hochberg threshold 0.0123 with four decimals.
        assert_eq!(cut(0.0123, 4), "0.0123");
        assert_eq!(cut(0.012_39, 4), "0.0123");
    }
}
