//! Half-day registrations: the usual absences-only export or a full register
//! (a row for every half day, present marks included).

use std::path::PathBuf;

use chrono::NaiveDate;
use mirror_model::{
    Absence, AbsenceCategory, Calendar, Enrolment, HalfDay, HalfDaySlot, PupilRef, SchoolRef,
    SchoolYear,
};
use rayon::slice::ParallelSliceMut;

use crate::AbsenceCodes;
use crate::enrolments::{FastMap, PupilIndex, Schools};
use crate::problems::{DataQuality, ProblemKind};
use crate::table::{FilePlace, Origin, Table, columns};

const COLUMNS: &[&str] = &["pupil_number", "school_id", "date", "half_day", "code"];

/// One registered half day, before the checks across rows.
#[derive(Clone, Copy)]
struct Registration {
    pupil: PupilRef,
    school: SchoolRef,
    slot: HalfDaySlot,
    code: u16,
    category: AbsenceCategory,
    enrolled: bool,
    origin: Origin,
}

pub(crate) fn read(
    files: &[PathBuf],
    schools: &Schools,
    calendar: &Calendar,
    codes: &AbsenceCodes,
    pupils: &PupilIndex,
    enrolments: &[Enrolment],
    quality: &mut DataQuality,
) -> Vec<Absence> {
    let mut spans: FastMap<(PupilRef, SchoolRef), Vec<(NaiveDate, NaiveDate)>> = FastMap::default();
    for e in enrolments {
        spans
            .entry((e.pupil, e.school))
            .or_default()
            .push((e.from, e.to));
    }
    let mut registrations = Vec::new();
    let mut places: Vec<FilePlace> = Vec::new();
    for path in files {
        let Some(table) = Table::open(path, "registrations", &columns(COLUMNS, &[]), quality)
        else {
            continue;
        };
        let file = places.len() as u32;
        places.push(table.place());
        registrations.reserve(table.height());
        let mut last_number = String::new();
        let mut last_pupil: Option<PupilRef> = None;
        table.for_each_row(quality, |row, v, _| {
            let number = row.non_empty(v, 0)?;
            let Some(school) = schools.lookup(&row, v, 1)? else {
                return Ok(());
            };
            let date = row.date(v, 2)?;
            let half: HalfDay = row.parse(v, 3)?;
            let slot = HalfDaySlot { date, half };
            let year = SchoolYear::containing(date);
            match calendar.year(year).map(|y| y.is_lesson(slot)) {
                None => {
                    return Err(row.problem(
                        2,
                        ProblemKind::OutsideSchoolYear,
                        format!("{date} lies in school year {year}, which the school calendar does not list; correct the date or add the year to the calendar file"),
                    ));
                }
                Some(false) => {
                    return Err(row.problem(
                        2,
                        ProblemKind::NoLessons,
                        format!(
                            "{date} {} has no lessons according to the school calendar (a weekend, holiday or free half day); correct the date or the calendar",
                            half.as_str()
                        ),
                    ));
                }
                Some(true) => {}
            }
            let (code, category) = codes.lookup(v[4]).ok_or_else(|| {
                row.problem(
                    4,
                    ProblemKind::UnknownCode,
                    format!(
                        "code `{}` is not in the absence code list `{}`; add it to the code list file with its category",
                        v[4],
                        codes.name()
                    ),
                )
            })?;
            // Exports list a pupil's half days together: look up a number once.
            let pupil = match last_pupil {
                Some(pupil) if last_number == number => Some(pupil),
                _ => pupils.get(number),
            };
            let Some(pupil) = pupil else {
                return Err(row.problem(
                    0,
                    ProblemKind::NotEnrolled,
                    "this pupil number has no enrolment at all; add the enrolment or correct the number",
                ));
            };
            if last_pupil != Some(pupil) {
                last_number.clear();
                last_number.push_str(number);
                last_pupil = Some(pupil);
            }
            let enrolled = spans.get(&(pupil, school)).is_some_and(|s| {
                s.iter().any(|(from, to)| *from <= date && date <= *to)
            });
            registrations.push(Registration {
                pupil,
                school,
                slot,
                code,
                category,
                enrolled,
                origin: Origin {
                    file,
                    index: row.index as u32,
                },
            });
            Ok(())
        });
    }
    check_across_rows(&mut registrations, schools, &places, quality);
    let mut absences: Vec<Absence> = registrations
        .into_iter()
        .filter(|r| r.category != AbsenceCategory::Present)
        .map(|r| Absence {
            pupil: r.pupil,
            school: r.school,
            slot: r.slot,
            category: r.category,
        })
        .collect();
    absences.par_sort_unstable_by_key(|a| (a.school, a.pupil, a.slot));
    absences
}

/// One registration per pupil and half day, at one school, within an
/// enrolment. Rows that break this are recorded and dropped.
fn check_across_rows(
    registrations: &mut Vec<Registration>,
    schools: &Schools,
    places: &[FilePlace],
    quality: &mut DataQuality,
) {
    registrations.par_sort_unstable_by_key(|r| (r.pupil, r.slot, r.origin.file, r.origin.index));
    let mut keep = vec![true; registrations.len()];
    let problem = |r: &Registration, position: usize, kind, message: String| {
        places[r.origin.file as usize]
            .problem_at(r.origin.index as usize, position, kind, message)
            .at_school(schools.entry(r.school).id.as_str())
    };
    let mut start = 0;
    while start < registrations.len() {
        let first = registrations[start];
        let end = start
            + registrations[start..]
                .iter()
                .take_while(|r| r.pupil == first.pupil && r.slot == first.slot)
                .count();
        let group = &registrations[start..end];
        let when = format!("{} {}", first.slot.date, first.slot.half.as_str());
        if let Some(other) = group.iter().find(|r| r.school != first.school) {
            // Every row of the group is suspect: each school hears of it.
            for (i, r) in group.iter().enumerate() {
                let elsewhere = if r.school == first.school {
                    other
                } else {
                    &first
                };
                quality.push(problem(
                    r,
                    0,
                    ProblemKind::TwoSchools,
                    format!(
                        "this pupil is also registered at school {} on {when}; a pupil is at one school at a time: correct the pupil number or the enrolments",
                        schools.entry(elsewhere.school).id
                    ),
                ));
                keep[start + i] = false;
            }
        } else {
            for (i, r) in group.iter().enumerate().skip(1) {
                let (kind, message) = if r.code == first.code {
                    (
                        ProblemKind::RepeatedRow,
                        format!(
                            "the same pupil, half day ({when}) and code are registered twice; the repeat is ignored"
                        ),
                    )
                } else {
                    (
                        ProblemKind::ConflictingCodes,
                        format!(
                            "the same pupil has another code for {when} in an earlier row; keep one registration per half day"
                        ),
                    )
                };
                quality.push(problem(r, 4, kind, message));
                keep[start + i] = false;
            }
            if !first.enrolled {
                quality.push(problem(
                    &first,
                    0,
                    ProblemKind::NotEnrolled,
                    format!(
                        "this pupil is not enrolled at school {} on {}; the enrolment files must cover every registration",
                        schools.entry(first.school).id,
                        first.slot.date
                    ),
                ));
                keep[start] = false;
            }
        }
        start = end;
    }
    let mut keep = keep.into_iter();
    registrations.retain(|_| keep.next().unwrap_or(false));
}
