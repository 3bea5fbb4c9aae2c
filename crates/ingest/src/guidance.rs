//! Pupil guidance centre records: one row per guidance file.

use std::path::PathBuf;

use mirror_model::{
    Calendar, Enrolment, GuidanceFile, GuidanceOutcome, GuidanceReason, SchoolYear,
};

use crate::enrolments::{EnrolledOn, PupilIndex, Schools};
use crate::layouts::ExportLayouts;
use crate::problems::{DataQuality, ProblemKind};
use crate::table::{Table, columns};

pub(crate) const COLUMNS: &[&str] = &[
    "pupil_number",
    "school_id",
    "opened",
    "reason",
    "closed",
    "outcome",
];

/// Reads the guidance files; a file must belong to a pupil enrolled at the
/// school in the school year it was opened.
pub(crate) fn read(
    files: &[PathBuf],
    schools: &Schools,
    calendar: &Calendar,
    pupils: &PupilIndex,
    enrolments: &[Enrolment],
    layouts: &ExportLayouts,
    quality: &mut DataQuality,
) -> Vec<GuidanceFile> {
    let mut guidance = Vec::new();
    // Only a row with an unknown school needs it.
    let enrolled_on = std::cell::OnceCell::new();
    for path in files {
        let Some(table) = Table::open_in_layouts(
            path,
            "guidance",
            &columns(COLUMNS, &[]),
            layouts.of("guidance"),
            quality,
        ) else {
            continue;
        };
        table.for_each_row(quality, |row, v| {
            let number = row.non_empty(v, 0)?;
            let school = match schools.lookup(&row, v, 1) {
                Ok(Some(school)) => school,
                Ok(None) => return Ok(()),
                Err(problem) => {
                    let enrolled = pupils.get(number).zip(row.date(v, 2).ok()).and_then(
                        |(pupil, opened)| {
                            enrolled_on
                                .get_or_init(|| EnrolledOn::new(enrolments))
                                .school(pupil, opened)
                        },
                    );
                    return Err(schools.place(problem, enrolled));
                }
            };
            let opened = row.date(v, 2)?;
            let year = SchoolYear::containing(opened);
            if calendar.year(year).is_none() {
                return Err(row.problem(
                    2,
                    ProblemKind::OutsideSchoolYear,
                    format!("{opened} lies in school year {year}, which the school calendar does not list; correct the date or add the year to the calendar file"),
                ));
            }
            let reason: GuidanceReason = row.parse(v, 3)?;
            let closed = if v[4].is_empty() { None } else { Some(row.date(v, 4)?) };
            if let Some(closed) = closed
                && closed < opened
            {
                return Err(row.problem(
                    4,
                    ProblemKind::BadDate,
                    format!("the file is closed on {closed}, before it was opened ({opened}); correct one of the dates"),
                ));
            }
            let outcome: GuidanceOutcome = row.parse(v, 5)?;
            if closed.is_none() != (outcome == GuidanceOutcome::Ongoing) {
                return Err(row.problem(
                    5,
                    ProblemKind::BadValue,
                    "a file without a closing date is `ongoing`, and a closed file has another outcome; correct the outcome or the closing date",
                ));
            }
            // Enrolments are sorted by school and pupil.
            let pupil = pupils.get(number).filter(|&pupil| {
                let start = enrolments.partition_point(|e| (e.school, e.pupil) < (school, pupil));
                enrolments[start..]
                    .iter()
                    .take_while(|e| e.school == school && e.pupil == pupil)
                    .any(|e| SchoolYear::containing(e.from) == year)
            });
            let Some(pupil) = pupil else {
                return Err(row.problem(
                    0,
                    ProblemKind::NotEnrolled,
                    format!("this pupil is not enrolled at school {} in school year {year}; correct the pupil number or the school", schools.entry(school).id),
                ));
            };
            guidance.push(GuidanceFile {
                pupil,
                school,
                opened,
                reason,
                closed,
                outcome,
            });
            Ok(())
        });
    }
    guidance.sort_by_key(|g| (g.school, g.opened, g.pupil));
    guidance
}
