//! Half-day registrations: the usual absences-only export or a full register
//! (a row for every half day, present marks included).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use mirror_model::{
    Absence, AbsenceCategory, Calendar, Enrolment, HalfDay, HalfDaySlot, PupilRef, SchoolDaysOff,
    SchoolRef, SchoolYear,
};
use rayon::slice::ParallelSliceMut;

use crate::AbsenceCodes;
use crate::enrolments::{EnrolledOn, PupilIndex, Schools};
use crate::layouts::ExportLayouts;
use crate::problems::{DataQuality, Problem, ProblemKind};
use crate::table::{FilePlace, Origin, Table, columns};

pub(crate) const COLUMNS: &[&str] = &["pupil_number", "school_id", "date", "half_day", "code"];

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

/// `folder`: the registrations folder, named when a school has no rows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read(
    folder: &Path,
    files: &[PathBuf],
    schools: &Schools,
    calendar: &Calendar,
    days_off: &SchoolDaysOff,
    codes: &AbsenceCodes,
    pupils: &PupilIndex,
    enrolments: &[Enrolment],
    layouts: &ExportLayouts,
    quality: &mut DataQuality,
) -> Vec<Absence> {
    let enrolled_on = EnrolledOn::new(enrolments);
    let mut registered: HashSet<(SchoolRef, SchoolYear)> = HashSet::new();
    let mut registrations = Vec::new();
    let mut places: Vec<FilePlace> = Vec::new();
    for path in files {
        let Some(table) = Table::open_in_layouts(
            path,
            "registrations",
            &columns(COLUMNS, &[]),
            layouts.of("registrations"),
            quality,
        ) else {
            continue;
        };
        let file = places.len() as u32;
        places.push(table.place());
        registrations.reserve(table.height());
        let mut last_number = String::new();
        let mut last_pupil: Option<PupilRef> = None;
        let mut last_registered: Option<(SchoolRef, SchoolYear)> = None;
        table.for_each_row(quality, |row, v, _| {
            let number = row.non_empty(v, 0)?;
            let school = match schools.lookup(&row, v, 1) {
                Ok(Some(school)) => school,
                Ok(None) => return Ok(()),
                Err(problem) => {
                    let enrolled = pupils
                        .get(number)
                        .zip(row.date(v, 2).ok())
                        .and_then(|(pupil, date)| enrolled_on.school(pupil, date));
                    return Err(schools.place(problem, enrolled));
                }
            };
            let date = row.date(v, 2)?;
            let half: HalfDay = row.parse(v, 3)?;
            let slot = HalfDaySlot { date, half };
            let year = SchoolYear::containing(date);
            // Exports list a school's rows together: a set lookup per change.
            if last_registered != Some((school, year)) {
                registered.insert((school, year));
                last_registered = Some((school, year));
            }
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
            crate::days_off::refuse_on_day_off(days_off, schools, school, slot, &row, 2)?;
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
            let enrolled = enrolled_on.school(pupil, date) == Some(school);
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
    check_every_school_registers(folder, enrolments, &registered, schools, quality);
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

/// A school this size registers some absence in a school year: nearly every
/// pupil is ill for a half day at least once a year, so 20 pupils without a
/// single registered half day means the school's export is missing, not
/// that nobody was absent. Smaller schools may truly have none.
const PUPILS_THAT_REGISTER_ABSENCE: usize = 20;

/// Missing input is not zero absence. A school with enrolments but no
/// registration in a school year gets a warning (from
/// [`PUPILS_THAT_REGISTER_ABSENCE`] pupils); when most schools with
/// enrolments in a year have none, the registrations of that year are
/// missing and the run must stop: an error on the whole folder.
fn check_every_school_registers(
    folder: &Path,
    enrolments: &[Enrolment],
    registered: &HashSet<(SchoolRef, SchoolYear)>,
    schools: &Schools,
    quality: &mut DataQuality,
) {
    let mut pupils: BTreeMap<(SchoolYear, SchoolRef), BTreeSet<PupilRef>> = BTreeMap::new();
    for e in enrolments {
        pupils
            .entry((SchoolYear::containing(e.from), e.school))
            .or_default()
            .insert(e.pupil);
    }
    let mut years: BTreeMap<SchoolYear, (usize, Vec<(SchoolRef, usize)>)> = BTreeMap::new();
    for ((year, school), enrolled) in &pupils {
        let (with_pupils, without) = years.entry(*year).or_default();
        *with_pupils += 1;
        if !registered.contains(&(*school, *year)) {
            without.push((*school, enrolled.len()));
        }
    }
    for (year, (with_pupils, without)) in years {
        if without.len() * 2 > with_pupils {
            quality.push(Problem::file(
                ProblemKind::MissingSource,
                folder,
                format!(
                    "{} of the {with_pupils} schools with pupils enrolled in school year {year} have no registration at all in this folder; the registrations of {year} are missing: add the schools' half-day registrations (see docs/data-formats.md), or remove the enrolments of {year}",
                    without.len()
                ),
            ));
            continue;
        }
        for (school, enrolled) in without {
            if enrolled >= PUPILS_THAT_REGISTER_ABSENCE {
                let id = &schools.entry(school).id;
                quality.push(
                    Problem::file(
                        ProblemKind::NoRegistrations,
                        folder,
                        format!(
                            "school {id} has {enrolled} pupils enrolled in school year {year} but not one registered half day; its mirror would show no absence at all: check that its export is in this folder"
                        ),
                    )
                    .at_school(id.as_str()),
                );
            }
        }
    }
}
