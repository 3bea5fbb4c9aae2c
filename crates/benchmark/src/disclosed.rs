//! Which of a school year's pupil counts a report may print: the bands, the
//! thresholds and the total, protected together by anonymise's disclosure
//! rules so that no suppressed count can be worked out from the others or
//! from what earlier reports printed.

use std::collections::BTreeMap;

use mirror_anonymise::disclosure::{Quantity, Release, Suppression, protect};
use mirror_model::SchoolYear;

use crate::{Band, PeriodCounts};

/// For each count of one school year: may it be printed?
#[derive(Debug)]
pub(crate) struct Shown {
    pub pupils: bool,
    pub from_threshold: Vec<bool>,
    pub bands: Vec<bool>,
    quantities: Vec<Quantity>,
    values: Vec<u32>,
    status: Vec<Option<Suppression>>,
}

/// The name a count is remembered by in the release history: stable as long
/// as the thresholds are.
fn band_name(b: &Band) -> String {
    match b.to {
        Some(to) if to == b.from => format!("band {to}"),
        Some(to) => format!("band {}-{to}", b.from),
        None => format!("band {}+", b.from),
    }
}

impl Shown {
    /// Protects every count at once, whether or not the report prints it:
    /// the same counts then always give the same pattern, whichever of them a
    /// template shows.
    pub fn of(
        c: &PeriodCounts,
        thresholds: &[u32],
        bands: &[Band],
        min_pupils: u32,
        earlier: &[&BTreeMap<String, u32>],
    ) -> Self {
        let n = bands.len();
        let mut quantities: Vec<Quantity> = bands
            .iter()
            .enumerate()
            .map(|(k, b)| Quantity {
                name: band_name(b),
                cells: vec![k],
            })
            .collect();
        // Threshold k counts the pupils of band k + 2 and above.
        quantities.extend(thresholds.iter().enumerate().map(|(k, t)| Quantity {
            name: format!("from {t}"),
            cells: (k + 2..n).collect(),
        }));
        quantities.push(Quantity {
            name: "pupils".to_owned(),
            cells: (0..n).collect(),
        });
        let values: Vec<u32> = c
            .pupils_per_band
            .iter()
            .copied()
            .chain(c.pupils_from_threshold.iter().copied())
            .chain(std::iter::once(c.pupils))
            .collect();
        let status = protect(&c.pupils_per_band, &quantities, min_pupils, earlier);
        let shown = |range: std::ops::Range<usize>| -> Vec<bool> {
            status[range].iter().map(Option::is_none).collect()
        };
        Self {
            pupils: status[n + thresholds.len()].is_none(),
            from_threshold: shown(n..n + thresholds.len()),
            bands: shown(0..n),
            quantities,
            values,
            status,
        }
    }

    /// What a report of `year` up to `period_end` printing these counts (the
    /// bands only when `with_bands`) releases, for the history; adds each
    /// withheld count to `suppressed` under its reason.
    pub fn account(
        &self,
        year: SchoolYear,
        period_end: chrono::NaiveDate,
        with_bands: bool,
        suppressed: &mut BTreeMap<Suppression, u32>,
    ) -> Release {
        let mut counts = BTreeMap::new();
        let first = if with_bands { 0 } else { self.bands.len() };
        for q in first..self.quantities.len() {
            match self.status[q] {
                Some(why) => *suppressed.entry(why).or_insert(0) += 1,
                None => {
                    counts.insert(self.quantities[q].name.clone(), self.values[q]);
                }
            }
        }
        Release {
            year: year.to_string(),
            period_end,
            counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bands() -> Vec<Band> {
        crate::band_ranges(&[5, 10, 15, 30])
    }

    fn counts(per_band: [u32; 6]) -> PeriodCounts {
        let from = |b: usize| per_band[b..].iter().sum::<u32>();
        PeriodCounts {
            pupils: per_band.iter().sum(),
            pupils_from_threshold: vec![from(2), from(3), from(4), from(5)],
            pupils_per_band: per_band.to_vec(),
            ..Default::default()
        }
    }

    /// 40 pupils: 25, 8, 5, 0, 0, 2 over the bands. Worked out in
    /// anonymise's disclosure tests: band 30+ (2) is small, from 10, 15 and
    /// 30 (2 each) too, and band 5-9 goes with them because from 5 minus band
    /// 5-9 would give the 2 back.
    #[test]
    fn small_counts_and_what_gives_them_back_are_withheld() {
        let shown = Shown::of(
            &counts([25, 8, 5, 0, 0, 2]),
            &[5, 10, 15, 30],
            &bands(),
            5,
            &[],
        );
        assert!(shown.pupils);
        assert_eq!(shown.bands, [true, true, false, true, true, false]);
        assert_eq!(shown.from_threshold, [true, false, false, false]);
        let mut suppressed = BTreeMap::new();
        let release = shown.account(
            SchoolYear::starting(2025),
            SchoolYear::starting(2025).last_day(),
            true,
            &mut suppressed,
        );
        assert_eq!(suppressed[&Suppression::SmallCount], 4);
        assert_eq!(suppressed[&Suppression::Recoverable], 1);
        let names: Vec<(&str, u32)> = release
            .counts
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(
            names,
            [
                ("band 0", 25),
                ("band 1-4", 8),
                ("band 10-14", 0),
                ("band 15-29", 0),
                ("from 5", 7),
                ("pupils", 40)
            ]
        );
        // Without the bands, only the thresholds and the total count.
        let mut suppressed = BTreeMap::new();
        let release = shown.account(
            SchoolYear::starting(2024),
            SchoolYear::starting(2024).last_day(),
            false,
            &mut suppressed,
        );
        assert_eq!(release.counts.len(), 2);
        assert_eq!(release.year, "2024-2025");
        assert_eq!(suppressed[&Suppression::SmallCount], 3);
        assert!(!suppressed.contains_key(&Suppression::Recoverable));
    }
}
