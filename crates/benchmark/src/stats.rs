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

/// The quartiles of `sorted` (ascending by `f64::total_cmp`) with the value
/// at `without` left out, if any: exactly [`quartiles`] of the values
/// without it (the same positions of the same sorted values), read in
/// place rather than copied and sorted again. `None` when nothing is left.
pub(crate) fn quartiles_without(sorted: &[f64], without: Option<usize>) -> Option<[f64; 3]> {
    let skip = without.unwrap_or(sorted.len());
    let n = sorted.len() - usize::from(without.is_some());
    if n == 0 {
        return None;
    }
    let at = |k: usize| if k < skip { sorted[k] } else { sorted[k + 1] };
    Some([0.25, 0.5, 0.75].map(|p| {
        // `quantile`'s arithmetic, on the list without `skip`.
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(n - 1);
        at(lo) + (h - lo as f64) * (at(hi) - at(lo))
    }))
}

/// Where `value` is in `sorted` (ascending by `f64::total_cmp`), which holds
/// it: equal under `total_cmp` is equal bit for bit, so any copy will do.
pub(crate) fn position_of(sorted: &[f64], value: f64) -> usize {
    let at = sorted.partition_point(|x| x.total_cmp(&value).is_lt());
    debug_assert!(sorted.get(at).is_some_and(|x| x.total_cmp(&value).is_eq()));
    at
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

    /// Five schools with 0.30, 0.10, 0.50, 0.20, 0.40: each one's peers are
    /// the four others, whose type 7 quartiles sit at positions 0.75, 1.5
    /// and 2.25 of their sorted values. Leaving out 0.30 (sorted 0.10 0.20
    /// 0.40 0.50): 0.175, 0.30, 0.425; out 0.10 (0.20 0.30 0.40 0.50):
    /// 0.275, 0.35, 0.425; out 0.50 (0.10 0.20 0.30 0.40): 0.175, 0.25,
    /// 0.325. Each equals, bit for bit, the quartiles of the four copied and
    /// sorted again.
    #[test]
    fn quartiles_without_one_school_by_hand() {
        let values = [0.30, 0.10, 0.50, 0.20, 0.40];
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let close = |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-12);
        let without = |v: f64| quartiles_without(&sorted, Some(position_of(&sorted, v))).unwrap();
        assert!(close(without(0.30), [0.175, 0.30, 0.425]));
        assert!(close(without(0.10), [0.275, 0.35, 0.425]));
        assert!(close(without(0.50), [0.175, 0.25, 0.325]));
        for (i, v) in values.iter().enumerate() {
            let others: Vec<f64> = values
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| *o)
                .collect();
            assert_eq!(without(*v), quartiles(&others).unwrap(), "without {v}");
        }
        // Nothing left out: the quartiles of all five, 0.2, 0.3, 0.4.
        assert_eq!(quartiles_without(&sorted, None), quartiles(&values));
        assert_eq!(quartiles_without(&[0.5], Some(0)), None);
        // Ties: leaving out one of two equal values leaves the other.
        let tied = [0.1, 0.2, 0.2, 0.3];
        assert_eq!(position_of(&tied, 0.2), 1);
        assert_eq!(
            quartiles_without(&tied, Some(1)),
            quartiles(&[0.1, 0.2, 0.3])
        );
    }
}
