//! The government's yearly figures and attendance totals: counted from the
//! generated pupil-level years, and scaled back for the years before them,
//! when only totals existed.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use mirror_model::{Calendar, Level, SchoolYear};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::city::School;
use crate::simulate::{AbsenceRow, EnrolmentRow, GuidanceRow};

/// One school's year as the government publishes it.
pub(crate) struct GovernmentRow {
    school: usize,
    year: SchoolYear,
    enrolled: u32,
    from_15: u32,
    from_30: u32,
    retention: u32,
    delay: u32,
    /// Secondary schools only.
    early_leavers: Option<u32>,
}

/// A school's first pupil-level year, from which earlier years are scaled.
#[derive(Clone, Copy, Default)]
pub(crate) struct Baseline {
    enrolled: u32,
    expected: u64,
    /// Half days per category: sick, by law, by the head, problematic, other.
    absent: [u64; 5],
    from_15: u32,
    from_30: u32,
}

/// Counts one school's year from its generated rows, as the government
/// would: pupils enrolled on 1 February, pupils from 15 and 30 problematic
/// half days.
pub(crate) fn count_school(
    year: SchoolYear,
    calendar: &Calendar,
    enrolments: &[EnrolmentRow],
    absences: &[AbsenceRow],
) -> Baseline {
    let mut out = Baseline::default();
    let days = calendar
        .year(year)
        .expect("generated years are in the calendar");
    let counting_day = NaiveDate::from_ymd_opt(year.start_year() + 1, 2, 1).expect("a date");
    for e in enrolments {
        let to = e.to.unwrap_or(year.last_day());
        out.expected += days.lesson_half_days_between(e.from, to) as u64;
        if e.from <= counting_day && counting_day <= to {
            out.enrolled += 1;
        }
    }
    for a in absences {
        let category = match a.code {
            "Z" => 0,
            "R" => 1,
            "P" => 2,
            "B" => 3,
            _ => 4,
        };
        out.absent[category] += 1;
    }
    for (_, n) in problematic_per_pupil(absences) {
        out.from_15 += u32::from(n >= 15);
        out.from_30 += u32::from(n >= 30);
    }
    out
}

/// Each pupil's problematic half days in one school's registrations, sorted
/// by pupil (pupils without any left out).
fn problematic_per_pupil(absences: &[AbsenceRow]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for a in absences.iter().filter(|a| a.code == "B") {
        match out.last_mut() {
            Some((pupil, n)) if *pupil == a.pupil => *n += 1,
            _ => out.push((a.pupil, 1)),
        }
    }
    out
}

/// A multiplier around 1 for year-to-year noise.
fn noise(rng: &mut ChaCha8Rng, spread: f64) -> f64 {
    1.0 + rng.random_range(-spread..spread)
}

/// Grade retention, school delay and early leavers: not simulated pupil by
/// pupil, but drawn in proportion to the school's truancy.
fn government_row(
    rng: &mut ChaCha8Rng,
    school: &School,
    index: usize,
    year: SchoolYear,
    enrolled: u32,
    from_15: u32,
    from_30: u32,
) -> GovernmentRow {
    let truancy = f64::from(from_15) / f64::from(enrolled.max(1));
    let secondary = school.level == Level::Secondary;
    let share = |rng: &mut ChaCha8Rng, base: f64| {
        ((f64::from(enrolled) * (base + truancy) * noise(rng, 0.2)).round() as u32).min(enrolled)
    };
    let (retention, delay) = if secondary {
        (share(rng, 0.05), share(rng, 0.2))
    } else {
        (share(rng, 0.02), share(rng, 0.08))
    };
    GovernmentRow {
        school: index,
        year,
        enrolled,
        from_15,
        from_30,
        retention,
        delay,
        early_leavers: secondary.then(|| share(rng, 0.01) / 3),
    }
}

/// The government's figures for a generated year.
pub(crate) fn government_year(
    rng: &mut ChaCha8Rng,
    year: SchoolYear,
    schools: &[School],
    counts: &[Baseline],
) -> Vec<GovernmentRow> {
    schools
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, (s, c))| government_row(rng, s, i, year, c.enrolled, c.from_15, c.from_30))
        .collect()
}

/// Monthly attendance totals and government figures for `year`, `back`
/// years before the first pupil-level year whose counts are `first`.
pub(crate) fn earlier_year(
    rng: &mut ChaCha8Rng,
    year: SchoolYear,
    back: i32,
    calendar: &Calendar,
    schools: &[School],
    first: &[Baseline],
) -> (String, Vec<GovernmentRow>) {
    let days = calendar.year(year).expect("checked by the caller");
    // Belgian spreadsheet exports: `;` between fields.
    let mut totals = String::from(
        "school_id;period;enrolled;present;sick;authorised_by_law;authorised_by_head;problematic;other\n",
    );
    let mut government = Vec::new();
    for (i, (school, base)) in schools.iter().zip(first).enumerate() {
        let trend = school.trend.yearly_factor().powi(-back);
        let enrolled = (f64::from(base.enrolled) * noise(rng, 0.05)).round() as u32;
        let expected = base.expected.max(1) as f64;
        for month in [9, 10, 11, 12, 1, 2, 3, 4, 5, 6] {
            let y = if month >= 9 {
                year.start_year()
            } else {
                year.start_year() + 1
            };
            let from = NaiveDate::from_ymd_opt(y, month, 1).expect("a date");
            let to = last_of_month(from);
            let lessons = days.lesson_half_days_between(from, to) as u64;
            let possible = u64::from(enrolled) * lessons;
            let mut absent = [0u64; 5];
            for (k, n) in absent.iter_mut().enumerate() {
                let rate = base.absent[k] as f64 / expected * if k == 3 { trend } else { 1.0 };
                *n = (possible as f64 * rate * noise(rng, 0.15)).round() as u64;
            }
            let present = possible.saturating_sub(absent.iter().sum());
            let _ = writeln!(
                totals,
                "{};{}-{:02};{enrolled};{present};{};{};{};{};{}",
                school.id,
                from.year(),
                month,
                absent[0],
                absent[1],
                absent[2],
                absent[3],
                absent[4]
            );
        }
        let mut scale =
            |n: u32| ((f64::from(n) * trend * noise(rng, 0.1)).round() as u32).min(enrolled);
        let from_15 = scale(base.from_15);
        let from_30 = scale(base.from_30).min(from_15);
        government.push(government_row(
            rng, school, i, year, enrolled, from_15, from_30,
        ));
    }
    (totals, government)
}

fn last_of_month(first: NaiveDate) -> NaiveDate {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).expect("a date")
}

/// The government's figures as CSV, oldest year first.
pub(crate) fn government_csv(schools: &[School], rows: &mut [GovernmentRow]) -> String {
    rows.sort_by_key(|r| (r.year, r.school));
    let mut out = String::from(
        "school_id,school_year,enrolled,problematic_15_plus,problematic_30_plus,grade_retention,school_delay,early_leavers\n",
    );
    for r in rows.iter() {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            schools[r.school].id,
            r.year,
            r.enrolled,
            r.from_15,
            r.from_30,
            r.retention,
            r.delay,
            r.early_leavers.map(|n| n.to_string()).unwrap_or_default()
        );
    }
    out
}

/// A school's figures of one school year as a follow-up reads them, for
/// the baselines of the action plans: every pupil enrolled at some time in
/// the year, over their enrolment.
#[derive(Clone, Copy, Default)]
pub(crate) struct SchoolFigures {
    pub pupils: u32,
    pub expected: u64,
    pub problematic: u64,
    /// Pupils from 5, 10, 15 and 30 problematic half days.
    pub from: [u32; 4],
    /// Of the pupils from 5 problematic half days, those with a truancy
    /// guidance file opened that year.
    pub with_file: u32,
}

/// The thresholds of [`SchoolFigures::from`].
pub(crate) const THRESHOLDS: [u32; 4] = [5, 10, 15, 30];

impl SchoolFigures {
    /// Adds `other`'s pupils and half days (for a network's figures).
    pub fn add(&mut self, other: &Self) {
        self.pupils += other.pupils;
        self.expected += other.expected;
        self.problematic += other.problematic;
        for (a, b) in self.from.iter_mut().zip(other.from) {
            *a += b;
        }
        self.with_file += other.with_file;
    }
}

/// One school's [`SchoolFigures`] of one generated year, from its rows
/// sorted by pupil and its `count`.
pub(crate) fn school_figures(
    count: &Baseline,
    enrolments: &[EnrolmentRow],
    absences: &[AbsenceRow],
    guidance: &[GuidanceRow],
) -> SchoolFigures {
    let mut out = SchoolFigures {
        expected: count.expected,
        problematic: count.absent[3],
        ..SchoolFigures::default()
    };
    let mut pupils: Vec<u32> = enrolments.iter().map(|e| e.pupil).collect();
    pupils.dedup();
    out.pupils = pupils.len() as u32;
    let filed: Vec<u32> = guidance
        .iter()
        .filter(|g| g.reason == "truancy")
        .map(|g| g.pupil)
        .collect();
    for (pupil, n) in problematic_per_pupil(absences) {
        for (count, threshold) in out.from.iter_mut().zip(THRESHOLDS) {
            *count += u32::from(n >= threshold);
        }
        out.with_file += u32::from(n >= THRESHOLDS[0] && filed.binary_search(&pupil).is_ok());
    }
    out
}
