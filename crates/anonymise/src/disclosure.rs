//! Which counts of pupils may be printed.
//!
//! A report prints several counts built from the same pupils: how many are in
//! each band of problematic half days, how many reached each threshold, and
//! the total. [`protect`] suppresses every count of 1 to `min_pupils - 1`
//! pupils, then every further count from which a suppressed one could be
//! worked out by adding and subtracting the printed ones (secondary
//! suppression), every count that differs from what an earlier report of
//! the same school and year released by 1 to `min_pupils - 1` pupils, and
//! one of every two counts whose changes since that report combine to such
//! a difference (the change of one minus the other's, for counts of which
//! one holds the other, or their sum, for counts of different pupils).
//! [`ReleaseHistory`] keeps what was released, per school.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use mirror_model::{SchoolId, SchoolYear};
use serde::{Deserialize, Serialize};

use crate::AnonymiseError;

/// A printed count: the sum of some cells of a table whose cells partition
/// the pupils (a pupil is in exactly one cell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    /// Stable across runs: the key under which its release is remembered.
    pub name: String,
    pub cells: Vec<usize>,
}

/// Why a count is not printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Suppression {
    /// 1 to `min_pupils - 1` pupils.
    SmallCount,
    /// A suppressed count could be worked out from it and the printed ones.
    Recoverable,
    /// It differs from an earlier release by 1 to `min_pupils - 1` pupils.
    Difference,
}

/// For each quantity, `None` when it may be printed, else why not.
///
/// The total (a quantity over every cell) is printed whenever it reaches
/// `min_pupils`, and then never suppressed to protect another count; below
/// `min_pupils` every count is suppressed. `earlier` holds what earlier
/// reports of the same school and year released, by quantity name.
pub fn protect(
    cells: &[u32],
    quantities: &[Quantity],
    min_pupils: u32,
    earlier: &[&BTreeMap<String, u32>],
) -> Vec<Option<Suppression>> {
    let value = |q: &Quantity| q.cells.iter().map(|c| cells[*c]).sum::<u32>();
    let total: u32 = cells.iter().sum();
    let is_total = |q: &Quantity| (0..cells.len()).all(|c| q.cells.contains(&c));
    if total < min_pupils {
        return vec![Some(Suppression::SmallCount); quantities.len()];
    }
    let small = |v: u32| v > 0 && v < min_pupils;
    let mut status: Vec<Option<Suppression>> = quantities
        .iter()
        .map(|q| {
            let v = value(q);
            if small(v) {
                Some(Suppression::SmallCount)
            } else if earlier
                .iter()
                .filter_map(|e| e.get(&q.name))
                .any(|e| small(e.abs_diff(v)))
            {
                Some(Suppression::Difference)
            } else {
                None
            }
        })
        .collect();
    for e in earlier {
        suppress_combined_changes(quantities, &value, &is_total, min_pupils, e, &mut status);
    }
    let vector = |q: &Quantity| -> Vec<i64> {
        (0..cells.len())
            .map(|c| i64::from(q.cells.contains(&c)))
            .collect()
    };
    let vectors: Vec<Vec<i64>> = quantities.iter().map(vector).collect();
    let recoverable = |status: &[Option<Suppression>], target: usize| {
        let printed: Vec<Vec<i64>> = (0..quantities.len())
            .filter(|i| status[*i].is_none())
            .map(|i| vectors[i].clone())
            .collect();
        let mut with_target = printed.clone();
        with_target.push(vectors[target].clone());
        rank(printed) == rank(with_target)
    };
    // Each pass suppresses one more count, so this ends.
    while let Some(target) =
        (0..quantities.len()).find(|i| status[*i].is_some() && recoverable(&status, *i))
    {
        // Candidates: printed counts other than the total, smallest non-zero
        // first (a zero hides little), then by position for determinism.
        let mut candidates: Vec<usize> = (0..quantities.len())
            .filter(|i| status[*i].is_none() && !is_total(&quantities[*i]))
            .collect();
        candidates.sort_by_key(|i| (value(&quantities[*i]) == 0, value(&quantities[*i]), *i));
        let Some(first) = candidates.first().copied() else {
            // Only the total is printed and it reveals the target: the target
            // is every pupil, which is not a small count. Cannot happen.
            break;
        };
        let choice = candidates
            .iter()
            .copied()
            .find(|c| {
                let mut trial = status.clone();
                trial[*c] = Some(Suppression::Recoverable);
                !recoverable(&trial, target)
            })
            .unwrap_or(first);
        status[choice] = Some(Suppression::Recoverable);
    }
    status
}

/// Two counts printed now and by the earlier release `earlier` whose changes
/// combine into the change of a third count: "from 5" minus "from 10" is the
/// band 5-9, so "from 5" 20 then 26 and "from 10" 15 then 20 tell that one
/// more pupil is in the band, though each changed by 5 or more. For every
/// such pair whose combined change is 1 to `min_pupils - 1`, the smaller
/// (the total never) is withheld as a difference; then the pairs are checked
/// again with what is left.
fn suppress_combined_changes(
    quantities: &[Quantity],
    value: &dyn Fn(&Quantity) -> u32,
    is_total: &dyn Fn(&Quantity) -> bool,
    min_pupils: u32,
    earlier: &BTreeMap<String, u32>,
    status: &mut [Option<Suppression>],
) {
    let change = |i: usize| -> Option<i64> {
        let before = earlier.get(&quantities[i].name)?;
        Some(i64::from(value(&quantities[i])) - i64::from(*before))
    };
    let within = |a: &Quantity, b: &Quantity| b.cells.iter().all(|c| a.cells.contains(c));
    let apart = |a: &Quantity, b: &Quantity| !b.cells.iter().any(|c| a.cells.contains(c));
    let small = |d: i64| d != 0 && d.unsigned_abs() < u64::from(min_pupils);
    loop {
        let printed: Vec<usize> = (0..quantities.len())
            .filter(|i| status[*i].is_none())
            .collect();
        let pair = printed.iter().enumerate().find_map(|(n, &a)| {
            printed[n + 1..].iter().find_map(|&b| {
                let (qa, qb) = (&quantities[a], &quantities[b]);
                let (da, db) = (change(a)?, change(b)?);
                let combined = if within(qa, qb) || within(qb, qa) {
                    da - db
                } else if apart(qa, qb) {
                    da + db
                } else {
                    return None;
                };
                small(combined).then_some((a, b))
            })
        });
        let Some((a, b)) = pair else { break };
        // The smaller count hides less; the total stays printed.
        let by_size = |i: usize| (is_total(&quantities[i]), value(&quantities[i]), i);
        let withheld = if by_size(a) <= by_size(b) { a } else { b };
        status[withheld] = Some(Suppression::Difference);
    }
}

/// The rank of a small integer matrix, by fraction-free elimination.
fn rank(mut rows: Vec<Vec<i64>>) -> usize {
    let width = rows.first().map_or(0, Vec::len);
    let mut rank = 0;
    for col in 0..width {
        let Some(pivot) = (rank..rows.len()).find(|r| rows[*r][col] != 0) else {
            continue;
        };
        rows.swap(rank, pivot);
        for r in 0..rows.len() {
            if r != rank && rows[r][col] != 0 {
                let (a, b) = (rows[rank][col], rows[r][col]);
                let pivot_row = rows[rank].clone();
                for (x, p) in rows[r].iter_mut().zip(&pivot_row) {
                    *x = *x * a - p * b;
                }
                // Keep the numbers small.
                let g = rows[r].iter().fold(0, |g, x| gcd(g, x.abs()));
                if g > 1 {
                    rows[r].iter_mut().for_each(|x| *x /= g);
                }
            }
        }
        rank += 1;
    }
    rank
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The counts one report released for one school and school year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The school year, such as `2025-2026`.
    pub year: String,
    /// The last day the counts cover.
    pub period_end: NaiveDate,
    /// Every printed count, by quantity name.
    pub counts: BTreeMap<String, u32>,
}

/// What earlier reports released, one JSON file per school in
/// `privacy.history_dir`.
#[derive(Debug, Default)]
pub struct ReleaseHistory {
    by_school: BTreeMap<String, Vec<Release>>,
    changed: Vec<String>,
}

impl ReleaseHistory {
    /// Reads every `<school id>.json` in `dir`; an absent folder is an empty
    /// history (the first run).
    pub fn load(dir: &Path) -> Result<Self, AnonymiseError> {
        let mut history = Self::default();
        let err = |path: &Path, message: String| AnonymiseError::History {
            path: path.display().to_string(),
            message,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(history),
            Err(e) => return Err(err(dir, e.to_string())),
        };
        for entry in entries {
            let path = entry.map_err(|e| err(dir, e.to_string()))?.path();
            let Some(school) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            else {
                continue;
            };
            let text = std::fs::read_to_string(&path).map_err(|e| err(&path, e.to_string()))?;
            let releases: Vec<Release> = serde_json::from_str(&text).map_err(|e| {
                err(
                    &path,
                    format!("{e}; restore it from a backup rather than delete it, or later reports may undo suppression"),
                )
            })?;
            history.by_school.insert(school.to_owned(), releases);
        }
        Ok(history)
    }

    /// What earlier reports of `school` released for `year`.
    pub fn earlier(&self, school: &SchoolId, year: SchoolYear) -> Vec<&BTreeMap<String, u32>> {
        let year = year.to_string();
        self.by_school
            .get(school.as_str())
            .into_iter()
            .flatten()
            .filter(|r| r.year == year)
            .map(|r| &r.counts)
            .collect()
    }

    /// Remembers a release; the same release twice is kept once.
    pub fn record(&mut self, school: &SchoolId, release: Release) {
        let releases = self.by_school.entry(school.to_string()).or_default();
        if !releases.contains(&release) {
            releases.push(release);
            releases.sort_by(|a, b| (&a.year, a.period_end).cmp(&(&b.year, b.period_end)));
            self.changed.push(school.to_string());
        }
    }

    /// Writes the schools whose history changed to `dir`, each through a
    /// temporary file and a rename, and returns the names of the files
    /// written. `dir` is the history folder or, for a run that publishes
    /// everything at once, a staging folder whose files replace its files.
    pub fn save(&mut self, dir: &Path) -> Result<Vec<String>, AnonymiseError> {
        let err = |path: &Path, e: std::io::Error| AnonymiseError::History {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        if self.changed.is_empty() {
            return Ok(Vec::new());
        }
        std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
        self.changed.sort();
        self.changed.dedup();
        let mut written = Vec::new();
        for school in self.changed.drain(..) {
            let name = format!("{school}.json");
            let path = dir.join(&name);
            let tmp = dir.join(format!(".{school}.json.tmp"));
            let json = serde_json::to_string_pretty(&self.by_school[&school])
                .map_err(|e| err(&path, std::io::Error::other(e)))?;
            std::fs::write(&tmp, json).map_err(|e| err(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| err(&path, e))?;
            written.push(name);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bands 0, 1-4, 5-9, 10-14, 15-29, 30+; thresholds 5, 10, 15, 30 as the
    /// sums of the bands from 2, 3, 4, 5; and the total.
    fn quantities() -> Vec<Quantity> {
        let mut q: Vec<Quantity> = (0..6)
            .map(|b| Quantity {
                name: format!("band {b}"),
                cells: vec![b],
            })
            .collect();
        for (k, t) in [5, 10, 15, 30].iter().enumerate() {
            q.push(Quantity {
                name: format!("from {t}"),
                cells: (k + 2..6).collect(),
            });
        }
        q.push(Quantity {
            name: "total".into(),
            cells: (0..6).collect(),
        });
        q
    }

    fn shown(status: &[Option<Suppression>]) -> Vec<bool> {
        status.iter().map(Option::is_none).collect()
    }

    #[test]
    fn nothing_small_nothing_suppressed() {
        let status = protect(&[100, 20, 10, 8, 6, 5], &quantities(), 5, &[]);
        assert!(status.iter().all(Option::is_none));
    }

    /// 40 pupils: 25 with none, 8 with 1-4, 5 with 5-9, 0 with 10-14, 0 with
    /// 15-29 and 2 with 30 or more. Band 30+ and "from 30" (2 each) are small.
    /// "from 15" = 2 and "from 10" = 2 are small too. Printed would be: band
    /// 0-3 (25, 8, 5, 0), band 15-29 (0), from 5 (7), total (40). Then 30+ =
    /// from 5 - band 5-9 - band 10-14 - band 15-29 = 7 - 5 - 0 - 0 = 2:
    /// recovered. One more must go: the smallest non-zero printed count whose
    /// loss protects it is band 5-9 (5). Then 30+ = 40 - 25 - 8 - (5-9) - 0 -
    /// 0 with 5-9 unknown, and from 5 = (5-9) + 2 with both unknown: safe.
    #[test]
    fn a_count_recoverable_by_subtraction_takes_a_second_one_with_it() {
        let status = protect(&[25, 8, 5, 0, 0, 2], &quantities(), 5, &[]);
        assert_eq!(
            shown(&status),
            [
                true, true, false, true, true, false, true, false, false, false, true
            ]
        );
        assert_eq!(status[5], Some(Suppression::SmallCount));
        assert_eq!(status[2], Some(Suppression::Recoverable));
        // From 5 stays printed (7): with band 5-9 unknown it does not give 30+.
        assert_eq!(status[6], None);
    }

    /// 60 pupils: 50 with none, 3 with 1-4, 7 with 5-9, none above. Band
    /// 1-4 (3) is small, and total - band 0 - the other bands gives it back.
    /// Band 5-9 (7) alone does not protect it ("from 5" is the same 7
    /// pupils), nor does "from 5" alone (band 5-9 remains). Band 0 (50) alone
    /// does: then only "band 0 + band 1-4 = 53" is known. So band 0 goes.
    #[test]
    fn the_second_suppression_is_the_first_that_alone_protects() {
        let status = protect(&[50, 3, 7, 0, 0, 0], &quantities(), 5, &[]);
        assert_eq!(status[1], Some(Suppression::SmallCount));
        assert_eq!(status[0], Some(Suppression::Recoverable));
        assert_eq!(
            shown(&status),
            [
                false, false, true, true, true, true, true, true, true, true, true
            ]
        );
    }

    #[test]
    fn fewer_pupils_than_the_minimum_suppresses_everything() {
        let status = protect(&[3, 1, 0, 0, 0, 0], &quantities(), 5, &[]);
        assert!(status.iter().all(|s| *s == Some(Suppression::SmallCount)));
    }

    /// The yearly mirror printed 7 pupils from 5 half days. A year-to-date
    /// report with 8 would tell that one pupil crossed 5 between the two
    /// dates: it is suppressed, and so is what would give it back.
    #[test]
    fn a_later_report_cannot_be_subtracted_from_an_earlier_one() {
        let earlier: BTreeMap<String, u32> = [("from 5".to_owned(), 7)].into_iter().collect();
        let status = protect(&[40, 10, 8, 0, 0, 0], &quantities(), 5, &[&earlier]);
        assert_eq!(status[6], Some(Suppression::Difference));
        // Band 5-9 is the same 8 pupils and would give it back; with band
        // 5-9 gone, total - band 0 - band 1-4 still would (58 - 40 - 10 = 8),
        // and no single printed count blocks both: band 1-4 goes as well.
        assert_eq!(status[2], Some(Suppression::Recoverable));
        assert_eq!(status[1], Some(Suppression::Recoverable));
        assert_eq!(
            shown(&status),
            [
                true, false, false, true, true, true, false, true, true, true, true
            ]
        );
        // A difference of 0 or of 5 or more pupils releases nothing.
        let same = protect(&[40, 10, 7, 0, 0, 0], &quantities(), 5, &[&earlier]);
        assert!(same.iter().all(Option::is_none));
    }

    /// The yearly mirror printed 20 pupils from 5 half days and 15 from 10
    /// of 100 (bands 70, 10, 5, 5, 5, 5). A re-run after a correction has
    /// bands 70, 4, 6, 10, 5, 5: from 5 is 26 (+6), from 10 is 20 (+5), each
    /// a change of 5 or more, but their difference, the band 5-9, went from
    /// 5 to 6: one pupil. The smaller of the two, from 10, is withheld, and
    /// with it what would give it back.
    #[test]
    fn two_changes_that_combine_into_a_small_one_are_not_both_printed() {
        let earlier: BTreeMap<String, u32> = [
            ("from 5".to_owned(), 20),
            ("from 10".to_owned(), 15),
            ("total".to_owned(), 100),
        ]
        .into_iter()
        .collect();
        let status = protect(&[70, 4, 6, 10, 5, 5], &quantities(), 5, &[&earlier]);
        // Band 1-4 (4) is small anyway; from 5 (6 at 6) and from 10 (7 at 7).
        assert_eq!(status[1], Some(Suppression::SmallCount));
        assert_eq!(status[7], Some(Suppression::Difference));
        assert_eq!(status[6], None);
        // Nor can from 10 be worked out from what is printed (band 10-14
        // plus from 15 would give it, for one).
        let table = quantities();
        let printed: Vec<Vec<i64>> = (0..table.len())
            .filter(|i| status[*i].is_none())
            .map(|i| {
                (0..6)
                    .map(|c| i64::from(table[i].cells.contains(&c)))
                    .collect()
            })
            .collect();
        let from_10: Vec<i64> = vec![0, 0, 0, 1, 1, 1];
        assert!(rank([printed.clone(), vec![from_10]].concat()) > rank(printed));
        // The same changes without an earlier release print everything the
        // small count leaves.
        let alone = protect(&[70, 4, 6, 10, 5, 5], &quantities(), 5, &[]);
        assert_eq!(alone[7], None);
    }

    #[test]
    fn rank_of_dependent_rows() {
        assert_eq!(rank(vec![vec![1, 1, 0], vec![0, 1, 1], vec![1, 2, 1]]), 2);
        assert_eq!(rank(vec![vec![1, 0], vec![0, 1]]), 2);
    }

    #[test]
    fn history_round_trips_and_keeps_a_release_once() {
        let dir = tempfile::tempdir().unwrap();
        let school: SchoolId = "100001".parse().unwrap();
        let release = Release {
            year: "2025-2026".into(),
            period_end: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            counts: [("from 5".to_owned(), 7)].into_iter().collect(),
        };
        let mut h = ReleaseHistory::load(&dir.path().join("history")).unwrap();
        h.record(&school, release.clone());
        h.record(&school, release);
        assert_eq!(
            h.save(&dir.path().join("history")).unwrap(),
            ["100001.json"]
        );
        let h = ReleaseHistory::load(&dir.path().join("history")).unwrap();
        let year = SchoolYear::starting(2025);
        assert_eq!(h.earlier(&school, year).len(), 1);
        assert_eq!(h.earlier(&school, year)[0]["from 5"], 7);
        assert!(h.earlier(&school, SchoolYear::starting(2024)).is_empty());
    }
}
