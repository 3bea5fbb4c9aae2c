/// The p-quantile of `sorted` (ascending, not empty) by linear interpolation
/// between order statistics (Hyndman and Fan type 7, the default of R and
/// NumPy): it sits at position (n - 1) p.
pub(crate) fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The quartiles of `values` by [`quantile`]; `None` for an empty slice.
pub(crate) fn quartiles(values: &[f64]) -> Option<[f64; 3]> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some([0.25, 0.5, 0.75].map(|p| quantile(&sorted, p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_by_hand() {
        // Sorted 1 2 3 4 5: positions 1, 2, 3.
        assert_eq!(quartiles(&[5.0, 1.0, 3.0, 2.0, 4.0]), Some([2.0, 3.0, 4.0]));
        // 1 2 3 4: positions 0.75, 1.5, 2.25 -> 1.75, 2.5, 3.25.
        assert_eq!(quartiles(&[4.0, 3.0, 2.0, 1.0]), Some([1.75, 2.5, 3.25]));
        assert_eq!(quartiles(&[7.0]), Some([7.0, 7.0, 7.0]));
        assert_eq!(quartiles(&[]), None);
    }
}
