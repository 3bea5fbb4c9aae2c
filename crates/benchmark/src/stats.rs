/// The quartiles of `values` by linear interpolation between order statistics
/// (Hyndman and Fan type 7, the default of R and NumPy): the p-quantile sits at
/// position (n - 1) p of the sorted values. `None` for an empty slice.
pub(crate) fn quartiles(values: &[f64]) -> Option<[f64; 3]> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| -> Option<f64> {
        let h = (sorted.len().checked_sub(1)? as f64) * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
    };
    Some([q(0.25)?, q(0.5)?, q(0.75)?])
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
