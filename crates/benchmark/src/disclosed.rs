//! Which of a school's pupil counts a report may print. Every table of counts
//! (the bands with the thresholds and the total; the guidance follow-up; the
//! pupils reaching the first threshold by month; the government's counts) is
//! protected as a whole by anonymise's disclosure rules, so that no
//! suppressed count can be worked out from the others or from what earlier
//! reports printed.

use std::collections::BTreeMap;

use mirror_anonymise::disclosure::{Quantity, Release, Suppression, protect};
use mirror_model::GovernmentFigures;

use crate::{Band, PeriodCounts};

/// One table of counts, protected together.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Protected {
    quantities: Vec<Quantity>,
    values: Vec<u32>,
    status: Vec<Option<Suppression>>,
}

impl Protected {
    /// `cells` partition the pupils of the table; each quantity is a sum of
    /// cells. A count the report prints must be a quantity, and so must every
    /// cell (otherwise a cell could be worked out by subtraction unchecked).
    fn new(
        cells: &[u32],
        quantities: Vec<Quantity>,
        min_pupils: u32,
        earlier: &[&BTreeMap<String, u32>],
    ) -> Self {
        let status = protect(cells, &quantities, min_pupils, earlier);
        let values = quantities
            .iter()
            .map(|q| q.cells.iter().map(|c| cells[*c]).sum())
            .collect();
        Self {
            quantities,
            values,
            status,
        }
    }

    /// The table withheld as a whole: it rests on a count withheld elsewhere.
    fn withheld(mut self) -> Self {
        for s in &mut self.status {
            s.get_or_insert(Suppression::Recoverable);
        }
        self
    }

    pub fn shown(&self, i: usize) -> bool {
        self.status.get(i).is_some_and(Option::is_none)
    }

    /// Adds the printed counts among `which` to `counts` and the withheld
    /// ones to `suppressed`, by reason.
    fn account(
        &self,
        which: impl Iterator<Item = usize>,
        counts: &mut BTreeMap<String, u32>,
        suppressed: &mut BTreeMap<Suppression, u32>,
    ) {
        for q in which {
            match self.status[q] {
                Some(why) => *suppressed.entry(why).or_insert(0) += 1,
                None => {
                    counts.insert(self.quantities[q].name.clone(), self.values[q]);
                }
            }
        }
    }
}

fn quantity(name: impl Into<String>, cells: impl IntoIterator<Item = usize>) -> Quantity {
    Quantity {
        name: name.into(),
        cells: cells.into_iter().collect(),
    }
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

/// Every pupil count of one school in one period (a year counted from
/// registrations, or one known from the government), protected. Computed for
/// every school, printed or not, so that peers' withheld counts stay out of
/// the spreads too.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SchoolShown {
    /// Bands, then thresholds, then the total (counted years).
    table: Option<Protected>,
    bands: usize,
    /// Reached the first threshold, with a file, without a file.
    guidance: Option<Protected>,
    /// Reached in each month, then reached by the end of each month.
    by_month: Option<Protected>,
    /// The government's pupils, from 15, from 30, under 15, 15 to 29.
    official: Option<Protected>,
    /// Per outcome (retention, delay, early leaving): the count, the rest.
    outcomes: [Option<Protected>; 3],
}

impl SchoolShown {
    /// The counts of a period counted from registrations, with the
    /// government's outcomes of the year where it gives them.
    pub fn counted(
        c: &PeriodCounts,
        thresholds: &[u32],
        bands: &[Band],
        government: Option<&GovernmentFigures>,
        min_pupils: u32,
        earlier: &[&BTreeMap<String, u32>],
    ) -> Self {
        let n = bands.len();
        let mut quantities: Vec<Quantity> = bands
            .iter()
            .enumerate()
            .map(|(k, b)| quantity(band_name(b), [k]))
            .collect();
        // Threshold k counts the pupils of band k + 2 and above.
        quantities.extend(
            thresholds
                .iter()
                .enumerate()
                .map(|(k, t)| quantity(format!("from {t}"), k + 2..n)),
        );
        quantities.push(quantity("pupils", 0..n));
        let table = Protected::new(&c.pupils_per_band, quantities, min_pupils, earlier);
        let g = &c.guidance;
        let mut guidance = Protected::new(
            &[g.reached - g.with_file, g.with_file],
            vec![
                quantity("reached", [0, 1]),
                quantity("with file", [1]),
                quantity("without file", [0]),
            ],
            min_pupils,
            earlier,
        );
        let months = &c.first_threshold_reached_by_month;
        let mut by_month = Protected::new(
            months,
            (0..months.len())
                .map(|k| quantity(format!("reached in month {k}"), [k]))
                .chain((0..months.len()).map(|k| quantity(format!("reached by month {k}"), 0..=k)))
                .collect(),
            min_pupils,
            earlier,
        );
        // "Reached" is the same count as "from" the first threshold: when the
        // main table withholds that, nothing about those pupils is printed.
        if !table.shown(n) {
            guidance = guidance.withheld();
            by_month = by_month.withheld();
        }
        Self {
            table: Some(table),
            bands: n,
            guidance: Some(guidance),
            by_month: Some(by_month),
            official: None,
            outcomes: outcomes(government, min_pupils, earlier),
        }
    }

    /// The counts of a year known only from the government's figures.
    pub fn official(
        g: &GovernmentFigures,
        min_pupils: u32,
        earlier: &[&BTreeMap<String, u32>],
    ) -> Self {
        // Ingest refuses a count above the count it is part of.
        let cells = [
            g.enrolled - g.problematic_15_plus,
            g.problematic_15_plus - g.problematic_30_plus,
            g.problematic_30_plus,
        ];
        let official = Protected::new(
            &cells,
            vec![
                quantity("pupils", [0, 1, 2]),
                quantity("from 15", [1, 2]),
                quantity("from 30", [2]),
                quantity("under 15", [0]),
                quantity("from 15 to 29", [1]),
            ],
            min_pupils,
            earlier,
        );
        Self {
            table: None,
            bands: 0,
            guidance: None,
            by_month: None,
            official: Some(official),
            outcomes: outcomes(Some(g), min_pupils, earlier),
        }
    }

    pub fn pupils(&self) -> bool {
        match (&self.table, &self.official) {
            (Some(t), _) => t.shown(self.bands + self.thresholds()),
            (None, Some(o)) => o.shown(0),
            (None, None) => false,
        }
    }

    fn thresholds(&self) -> usize {
        self.table
            .as_ref()
            .map_or(0, |t| t.quantities.len() - self.bands - 1)
    }

    pub fn band(&self, k: usize) -> bool {
        self.table.as_ref().is_some_and(|t| t.shown(k))
    }

    /// Pupils from threshold number `k` (of value `t`).
    pub fn threshold(&self, k: usize, t: u32) -> bool {
        match (&self.table, &self.official) {
            (Some(table), _) => table.shown(self.bands + k),
            (None, Some(o)) => match t {
                15 => o.shown(1),
                30 => o.shown(2),
                _ => false,
            },
            (None, None) => false,
        }
    }

    pub fn reached(&self) -> bool {
        self.guidance.as_ref().is_some_and(|g| g.shown(0))
    }

    pub fn with_file(&self) -> bool {
        self.guidance.as_ref().is_some_and(|g| g.shown(1))
    }

    /// Reached by the end of school month `k`.
    pub fn reached_by_month(&self, k: usize) -> bool {
        self.by_month
            .as_ref()
            .is_some_and(|m| m.shown(m.quantities.len() / 2 + k))
    }

    pub fn outcome(&self, i: usize) -> bool {
        self.outcomes[i].as_ref().is_some_and(|o| o.shown(0))
    }

    /// What a report printing these counts releases (the bands and the
    /// guidance only when `in_full`: the reported period; the trend prints
    /// thresholds, total and outcomes), for the history; adds each withheld
    /// count to `suppressed` by reason.
    pub fn release(
        &self,
        year: mirror_model::SchoolYear,
        period_end: chrono::NaiveDate,
        in_full: bool,
        suppressed: &mut BTreeMap<Suppression, u32>,
    ) -> Release {
        let mut counts = BTreeMap::new();
        if let Some(t) = &self.table {
            let first = if in_full { 0 } else { self.bands };
            t.account(first..t.quantities.len(), &mut counts, suppressed);
        }
        if in_full {
            for table in [&self.guidance, &self.by_month].into_iter().flatten() {
                table.account(0..table.quantities.len(), &mut counts, suppressed);
            }
        }
        for table in [&self.official].into_iter().chain(&self.outcomes).flatten() {
            table.account(0..table.quantities.len(), &mut counts, suppressed);
        }
        Release {
            year: year.to_string(),
            period_end,
            counts,
        }
    }
}

/// Each outcome the government gives, with its complement: of 20 pupils, 19
/// staying down a grade would tell that 1 did not.
fn outcomes(
    g: Option<&GovernmentFigures>,
    min_pupils: u32,
    earlier: &[&BTreeMap<String, u32>],
) -> [Option<Protected>; 3] {
    let Some(g) = g else {
        return [None, None, None];
    };
    [
        ("grade retention", g.grade_retention),
        ("school delay", g.school_delay),
        ("early leaving", g.early_leavers),
    ]
    .map(|(name, n)| {
        let n = n?;
        Some(Protected::new(
            &[g.enrolled.saturating_sub(n), n],
            // The total is printed beside the share: count it as known.
            vec![
                quantity(name, [1]),
                quantity(format!("no {name}"), [0]),
                quantity("government enrolled", [0, 1]),
            ],
            min_pupils,
            earlier,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirror_model::{SchoolRef, SchoolYear};

    fn bands() -> Vec<Band> {
        crate::band_ranges(&[5, 10, 15, 30])
    }

    fn counts(per_band: [u32; 6]) -> PeriodCounts {
        let from = |b: usize| per_band[b..].iter().sum::<u32>();
        let mut c = PeriodCounts {
            pupils: per_band.iter().sum(),
            pupils_from_threshold: vec![from(2), from(3), from(4), from(5)],
            pupils_per_band: per_band.to_vec(),
            ..Default::default()
        };
        c.guidance.reached = from(2);
        c
    }

    /// 40 pupils: 25, 8, 5, 0, 0, 2 over the bands. Worked out in
    /// anonymise's disclosure tests: band 30+ (2) is small, from 10, 15 and
    /// 30 (2 each) too, and band 5-9 goes with them because from 5 minus band
    /// 5-9 would give the 2 back.
    #[test]
    fn small_counts_and_what_gives_them_back_are_withheld() {
        let shown = SchoolShown::counted(
            &counts([25, 8, 5, 0, 0, 2]),
            &[5, 10, 15, 30],
            &bands(),
            None,
            5,
            &[],
        );
        assert!(shown.pupils());
        let bands: Vec<bool> = (0..6).map(|k| shown.band(k)).collect();
        assert_eq!(bands, [true, true, false, true, true, false]);
        let from: Vec<bool> = [5, 10, 15, 30]
            .iter()
            .enumerate()
            .map(|(k, t)| shown.threshold(k, *t))
            .collect();
        assert_eq!(from, [true, false, false, false]);
        let mut suppressed = BTreeMap::new();
        let release = shown.release(
            SchoolYear::starting(2025),
            SchoolYear::starting(2025).last_day(),
            false,
            &mut suppressed,
        );
        assert_eq!(suppressed[&Suppression::SmallCount], 3);
        assert!(!suppressed.contains_key(&Suppression::Recoverable));
        let names: Vec<(&str, u32)> = release
            .counts
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(names, [("from 5", 7), ("pupils", 40)]);
    }

    /// 7 pupils reached 5 half days, 6 with a guidance file: the one without
    /// is a cell of 1 pupil, so "with file" (6) and "without file" (1) are
    /// withheld, and "reached" (7) stays.
    #[test]
    fn a_single_pupil_without_a_guidance_file_is_not_given_away() {
        let mut c = counts([25, 8, 5, 0, 0, 2]);
        c.guidance.with_file = 6;
        let shown = SchoolShown::counted(&c, &[5, 10, 15, 30], &bands(), None, 5, &[]);
        assert!(shown.reached());
        assert!(!shown.with_file());
    }

    /// Bands 285, 11, 3, 12, 12, 3: "from 5" (30) is withheld because with
    /// "from 10" (27) it would give the 3 of 5-9 back, so "reached", the same
    /// 30 pupils, is withheld too, and the months with it.
    #[test]
    fn reached_follows_the_main_table() {
        let mut c = counts([285, 11, 3, 12, 12, 3]);
        c.first_threshold_reached_by_month = [30, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let shown = SchoolShown::counted(&c, &[5, 10, 15, 30], &bands(), None, 5, &[]);
        assert!(!shown.threshold(0, 5));
        assert!(!shown.reached());
        assert!(!shown.reached_by_month(0));
    }

    /// 20 enrolled, 18 from 15: the 2 under 15 are a small cell, so "from
    /// 15" is withheld; 19 of 20 staying down a grade would tell that 1 did
    /// not, so that outcome is withheld; 6 behind is printed.
    #[test]
    fn government_counts_and_outcomes_keep_their_complements() {
        let g = GovernmentFigures {
            school: SchoolRef(0),
            year: SchoolYear::starting(2023),
            enrolled: 20,
            problematic_15_plus: 18,
            problematic_30_plus: 10,
            grade_retention: Some(19),
            school_delay: Some(6),
            early_leavers: None,
        };
        let shown = SchoolShown::official(&g, 5, &[]);
        assert!(shown.pupils());
        assert!(!shown.threshold(2, 15));
        assert!(!shown.outcome(0));
        assert!(shown.outcome(1));
        assert!(!shown.outcome(2));
    }
}
