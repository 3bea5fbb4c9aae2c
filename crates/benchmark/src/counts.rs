//! Whole-number counts per school and school year, from which every figure is
//! a ratio: sums of integers do not depend on the order they are added in.

use std::collections::BTreeMap;

use mirror_anonymise::AnonymisedCity;
use mirror_model::{SchoolRef, SchoolYear, pupil_years};

/// A school's truancy counts in one school year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchoolYearCounts {
    /// Pupils expected at school on at least one half day.
    pub pupils: u32,
    /// Half days pupils were expected at school (enrolment x calendar).
    pub expected_half_days: u64,
    pub problematic_half_days: u64,
    /// Pupils with at least each threshold of problematic half days.
    pub pupils_from_threshold: Vec<u32>,
    /// Pupils per band: 0, 1 to the first threshold - 1, ..., from the last threshold.
    pub pupils_per_band: Vec<u32>,
}

/// Counts for every school and school year with enrolments.
pub(crate) fn count(
    city: &AnonymisedCity,
    thresholds: &[u32],
) -> BTreeMap<(SchoolRef, SchoolYear), SchoolYearCounts> {
    let pupil_years = pupil_years(city.enrolments(), city.absences(), city.calendar());
    let mut counts: BTreeMap<(SchoolRef, SchoolYear), SchoolYearCounts> = BTreeMap::new();
    for ((school, year, _), p) in pupil_years {
        if p.expected == 0 {
            continue;
        }
        let c = counts
            .entry((school, year))
            .or_insert_with(|| SchoolYearCounts {
                pupils_from_threshold: vec![0; thresholds.len()],
                pupils_per_band: vec![0; thresholds.len() + 2],
                ..Default::default()
            });
        c.pupils += 1;
        c.expected_half_days += u64::from(p.expected);
        c.problematic_half_days += u64::from(p.problematic);
        for (n, t) in c.pupils_from_threshold.iter_mut().zip(thresholds) {
            *n += u32::from(p.problematic >= *t);
        }
        c.pupils_per_band[band_of(p.problematic, thresholds)] += 1;
    }
    counts
}

/// Band 0 is no problematic half day, band 1 is 1 to the first threshold - 1,
/// band i + 2 starts at threshold i.
fn band_of(problematic: u32, thresholds: &[u32]) -> usize {
    if problematic == 0 {
        0
    } else {
        1 + thresholds.iter().filter(|t| problematic >= **t).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_thresholds() {
        let t = [5, 10, 15, 30];
        let bands: Vec<usize> = [0, 1, 4, 5, 9, 10, 14, 15, 29, 30, 200]
            .iter()
            .map(|p| band_of(*p, &t))
            .collect();
        assert_eq!(bands, [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }
}
