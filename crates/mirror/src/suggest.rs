//! "Did you mean ...?" for a school number typed by hand.

/// The known id closest to `typed` by edit distance, if it is close enough
/// to be a slip (at most a third of its characters, and at least 1, differ).
/// Ties go to the first in registry order.
pub fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (typed.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (strsim::levenshtein(typed, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swapped_or_missing_digit_finds_the_school() {
        let known = ["100173", "100799", "101234"];
        // Two digits swapped: distance 2, within 6 / 3.
        assert_eq!(closest("100137", &known), Some("100173"));
        // One digit missing: distance 1.
        assert_eq!(closest("10079", &known), Some("100799"));
        // Nothing like it.
        assert_eq!(closest("999999", &known), None);
        // Equally close to two: the first in the registry.
        assert_eq!(closest("100000", &["100001", "100002"]), Some("100001"));
    }
}
