//! Each school's own days without lessons: pedagogical study days,
//! facultative days off, local holidays. They are not expected half days
//! for that school, and a registration on one is refused.

use std::collections::HashMap;
use std::path::PathBuf;

use mirror_model::{Calendar, HalfDay, HalfDaySlot, SchoolDaysOff, SchoolRef, SchoolYear};

use crate::enrolments::Schools;
use crate::problems::{DataQuality, Problem, ProblemKind};
use crate::table::{RowRef, Table, columns};

/// `reason` is read for the person who fills the file in; it is never
/// kept, so it can never be printed.
const COLUMNS: &[&str] = &["school_id", "date", "half_day"];
const OPTIONAL: &[&str] = &["reason"];

/// Reads `school-days-off/`. A day off must be a lesson half day of the
/// city calendar (a whole day: a day with lessons), listed once.
pub(crate) fn read(
    files: &[PathBuf],
    schools: &Schools,
    calendar: &Calendar,
    quality: &mut DataQuality,
) -> SchoolDaysOff {
    // Where each half day off was first listed, to name it in a repeat.
    let mut listed: HashMap<(SchoolRef, HalfDaySlot), (usize, usize)> = HashMap::new();
    for (file, path) in files.iter().enumerate() {
        let Some(table) = Table::open(
            path,
            "school-days-off",
            &columns(COLUMNS, OPTIONAL),
            quality,
        ) else {
            continue;
        };
        table.for_each_row(quality, |row, v| {
            let Some(school) = schools.lookup(&row, v, 0)? else {
                return Ok(());
            };
            let date = row.date(v, 1)?;
            let halves: &[HalfDay] = match v[2].to_ascii_lowercase().as_str() {
                "" | "day" | "dag" => &[HalfDay::Morning, HalfDay::Afternoon],
                half => match half.parse::<HalfDay>() {
                    Ok(HalfDay::Morning) => &[HalfDay::Morning],
                    Ok(HalfDay::Afternoon) => &[HalfDay::Afternoon],
                    Err(_) => {
                        return Err(row.problem(
                            2,
                            ProblemKind::BadValue,
                            format!("`{}` is not a half day: write am (or vm) for the morning, pm (or nm) for the afternoon, and day or nothing for the whole day", v[2]),
                        ));
                    }
                },
            };
            let year = SchoolYear::containing(date);
            let Some(days) = calendar.year(year) else {
                return Err(row.problem(
                    1,
                    ProblemKind::OutsideSchoolYear,
                    format!("{date} lies in school year {year}, which the school calendar does not list; correct the date or add the year to the calendar file"),
                ));
            };
            let slots: Vec<HalfDaySlot> = halves
                .iter()
                .map(|half| HalfDaySlot { date, half: *half })
                .filter(|s| days.is_lesson(*s))
                .collect();
            // A whole day off on a Wednesday is its morning only.
            if slots.is_empty() {
                let when = match halves {
                    [half] => format!("{date} {}", half.as_str()),
                    _ => date.to_string(),
                };
                return Err(row.problem(
                    1,
                    ProblemKind::NoLessons,
                    format!("{when} has no lessons in the city calendar (a weekend, holiday or free half day), so it cannot be a day off; correct the date or the half day, or leave the row out"),
                ));
            }
            for slot in &slots {
                if let Some((f, r)) = listed.get(&(school, *slot)) {
                    let place = if *f == file {
                        format!("row {r}")
                    } else {
                        format!("{}, row {r}", files[*f].display())
                    };
                    return Err(row.problem(
                        1,
                        ProblemKind::Duplicate,
                        format!(
                            "{} {} is already a day off of this school ({place}); list each day off once",
                            slot.date,
                            slot.half.as_str()
                        ),
                    ));
                }
            }
            for slot in slots {
                listed.insert((school, slot), (file, row.number()));
            }
            Ok(())
        });
    }
    SchoolDaysOff::new(listed.into_keys())
}

/// Refuses a record of `school` on `slot` (the date in column `position`
/// of `row`) when the school gave no lessons then: it listed the half day
/// in `school-days-off/`.
pub(crate) fn refuse_on_day_off(
    days_off: &SchoolDaysOff,
    schools: &Schools,
    school: SchoolRef,
    slot: HalfDaySlot,
    row: &RowRef,
    position: usize,
) -> Result<(), Problem> {
    if !days_off.is_off(school, slot) {
        return Ok(());
    }
    Err(row.problem(
        position,
        ProblemKind::NoLessons,
        format!(
            "{} {} is a day without lessons at school {} (listed in school-days-off/); correct the date, or remove the day off if the school did give lessons",
            slot.date,
            slot.half.as_str(),
            schools.entry(school).id
        ),
    ))
}
