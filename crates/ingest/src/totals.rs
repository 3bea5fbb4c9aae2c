//! Attendance totals, for schools whose package exports no pupil-level data:
//! half days per category for a school and a day, a month or a whole school
//! year (as statistics offices publish them).

use std::path::PathBuf;

use chrono::NaiveDate;
use mirror_model::{AttendanceTotals, Calendar, Enrolment, SchoolDaysOff, SchoolYear};

use crate::enrolments::Schools;
use crate::layouts::ExportLayouts;
use crate::problems::{DataQuality, Problem, ProblemKind};
use crate::table::{FilePlace, Origin, Table, columns, parse_date};

pub(crate) const COLUMNS: &[&str] = &[
    "school_id",
    "period",
    "enrolled",
    "present",
    "sick",
    "authorised_by_law",
    "authorised_by_head",
    "problematic",
    "other",
];

/// Reads the totals. Totals for a school year in which the school also has
/// enrolments are not used: pupil-level data says more.
pub(crate) fn read(
    files: &[PathBuf],
    schools: &Schools,
    calendar: &Calendar,
    days_off: &SchoolDaysOff,
    enrolments: &[Enrolment],
    layouts: &ExportLayouts,
    quality: &mut DataQuality,
) -> Vec<AttendanceTotals> {
    let mut records: Vec<(AttendanceTotals, Origin)> = Vec::new();
    let mut places: Vec<FilePlace> = Vec::new();
    for path in files {
        let Some(table) = Table::open_in_layouts(
            path,
            "attendance-totals",
            &columns(COLUMNS, &[]),
            layouts.of("attendance-totals"),
            quality,
        ) else {
            continue;
        };
        let file = places.len() as u32;
        places.push(table.place());
        table.for_each_row(quality, |row, v| {
            let Some(school) = schools.lookup(&row, v, 0)? else {
                return Ok(());
            };
            let period = row.non_empty(v, 1)?;
            let (from, to) = parse_period(period).ok_or_else(|| {
                row.problem(
                    1,
                    ProblemKind::BadDate,
                    format!("`{period}` is neither a day (2025-10-06 or 06/10/2025), a month (2025-10) nor a school year (2025-2026)"),
                )
            })?;
            let year = SchoolYear::containing(from);
            let Some(days) = calendar.year(year) else {
                return Err(row.problem(
                    1,
                    ProblemKind::OutsideSchoolYear,
                    format!("{period} lies in school year {year}, which the school calendar does not list; correct the period or add the year to the calendar file"),
                ));
            };
            // The school's own lesson half days: its days off are none.
            let last = to.min(year.last_day());
            let lessons = days.lesson_half_days_between(from, last)
                - days_off.between(school, from, last).len();
            if lessons == 0 {
                return Err(row.problem(
                    1,
                    ProblemKind::NoLessons,
                    format!("{period} has no lessons according to the school calendar (a weekend, holiday or summer); correct the period or the calendar"),
                ));
            }
            let enrolled = row.count(v, 2)?;
            let mut half_days = [0; 6];
            for (i, n) in half_days.iter_mut().enumerate() {
                *n = row.count(v, 3 + i)?;
            }
            let registered: u64 = half_days.iter().map(|n| u64::from(*n)).sum();
            let possible = u64::from(enrolled) * lessons as u64;
            if registered > possible {
                return Err(row.problem(
                    2,
                    ProblemKind::ImpossibleCount,
                    format!("the half days add up to {registered}, more than {enrolled} enrolled pupils x {lessons} lesson half days = {possible}; check the counts and the period"),
                ));
            }
            records.push((
                AttendanceTotals {
                    school,
                    from,
                    to,
                    enrolled,
                    half_days,
                },
                Origin {
                    file,
                    index: row.index as u32,
                },
            ));
            Ok(())
        });
    }
    records.sort_by_key(|(t, o)| (t.school, t.from, o.file, o.index));
    let mut kept: Vec<AttendanceTotals> = Vec::with_capacity(records.len());
    let mut superseded: Vec<(mirror_model::SchoolRef, SchoolYear)> = Vec::new();
    for (t, origin) in records {
        let place = &places[origin.file as usize];
        let id = schools.entry(t.school).id.as_str();
        let problem = |kind, message: String| -> Problem {
            place
                .problem_at(origin.index as usize, 1, kind, message)
                .at_school(id)
        };
        if let Some(before) = kept.last()
            && before.school == t.school
            && t.from <= before.to
        {
            quality.push(problem(
                ProblemKind::Duplicate,
                format!(
                    "this period overlaps an earlier row for {} to {}; give each day or month once",
                    before.from, before.to
                ),
            ));
            continue;
        }
        let year = SchoolYear::containing(t.from);
        if has_enrolments(enrolments, t.school, year) {
            if !superseded.contains(&(t.school, year)) {
                superseded.push((t.school, year));
                quality.push(problem(
                    ProblemKind::Superseded,
                    format!("school {id} has pupil-level data for {year}; its attendance totals for that year are not used"),
                ));
            }
            continue;
        }
        kept.push(t);
    }
    kept
}

fn has_enrolments(
    enrolments: &[Enrolment],
    school: mirror_model::SchoolRef,
    year: SchoolYear,
) -> bool {
    // Enrolments are sorted by school first.
    let start = enrolments.partition_point(|e| e.school < school);
    enrolments[start..]
        .iter()
        .take_while(|e| e.school == school)
        .any(|e| SchoolYear::containing(e.from) == year)
}

/// A day, a month written `YYYY-MM` (or `MM/YYYY`), or a school year
/// written `YYYY-YYYY`, as first and last day.
fn parse_period(v: &str) -> Option<(NaiveDate, NaiveDate)> {
    if let Some(day) = parse_date(v) {
        return Some((day, day));
    }
    if let Ok(year) = v.trim().parse::<SchoolYear>() {
        return Some((year.first_day(), year.last_day()));
    }
    let (year, month) = match v.split_once(['-', '/']) {
        Some((y, m)) if y.len() == 4 => (y.parse().ok()?, m.parse().ok()?),
        Some((m, y)) if y.len() == 4 => (y.parse().ok()?, m.parse().ok()?),
        _ => return None,
    };
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_days_months_or_school_years() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            parse_period("2025-10-06"),
            Some((d(2025, 10, 6), d(2025, 10, 6)))
        );
        assert_eq!(
            parse_period("2025-10"),
            Some((d(2025, 10, 1), d(2025, 10, 31)))
        );
        assert_eq!(
            parse_period("02/2024"),
            Some((d(2024, 2, 1), d(2024, 2, 29)))
        );
        assert_eq!(
            parse_period("2025-12"),
            Some((d(2025, 12, 1), d(2025, 12, 31)))
        );
        assert_eq!(
            parse_period("2025-2026"),
            Some((d(2025, 9, 1), d(2026, 6, 30)))
        );
        assert_eq!(parse_period("2025-13"), None);
        assert_eq!(parse_period("2025-2027"), None);
        assert_eq!(parse_period("October"), None);
    }
}
