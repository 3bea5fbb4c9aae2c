use std::collections::HashMap;
use std::path::PathBuf;

use mirror_model::{
    Absence, AbsenceCategory, Calendar, Enrolment, HalfDay, HalfDaySlot, PupilRef, SchoolId,
    SchoolRef, SchoolYear,
};

use crate::enrolments::{PupilIndex, school_index};
use crate::table::Table;
use crate::{AbsenceCodes, IngestError, RegistryEntry};

const COLUMNS: &[&str] = &["pupil_number", "school_id", "date", "half_day", "code"];

pub(crate) fn read(
    files: &[PathBuf],
    registry: &[RegistryEntry],
    calendar: &Calendar,
    codes: &AbsenceCodes,
    pupils: &mut PupilIndex,
    enrolments: &[Enrolment],
) -> Result<Vec<Absence>, IngestError> {
    let schools = school_index(registry);
    let mut spans: HashMap<(PupilRef, SchoolRef), Vec<(chrono::NaiveDate, chrono::NaiveDate)>> =
        HashMap::new();
    for e in enrolments {
        spans
            .entry((e.pupil, e.school))
            .or_default()
            .push((e.from, e.to));
    }
    let mut absences = Vec::new();
    // (file, row) of each absence, to name a duplicate found after sorting.
    let mut origins = Vec::new();
    let mut tables = Vec::new();
    for (file, path) in files.iter().enumerate() {
        let table = Table::read(path, COLUMNS)?;
        table.for_each_row(|row, v| {
            let id: SchoolId = row.parse(v, 1)?;
            let school = *schools.get(id.as_str()).ok_or_else(|| {
                row.error(1, format!("school {id} is not in the registry; add it there or correct the number"))
            })?;
            let date = row.date(v, 2)?;
            let half: HalfDay = row.parse(v, 3)?;
            let slot = HalfDaySlot { date, half };
            let year = SchoolYear::containing(date);
            let lesson = calendar.year(year).map(|y| y.is_lesson(slot));
            match lesson {
                None => {
                    return Err(row.error(2, format!(
                        "{date} lies in school year {year}, which the school calendar does not list; add it to the calendar file"
                    )));
                }
                Some(false) => {
                    return Err(row.error(2, format!(
                        "{date} {} has no lessons according to the school calendar; correct the date or the calendar",
                        half.as_str()
                    )));
                }
                Some(true) => {}
            }
            let category = codes.category(v[4]).ok_or_else(|| {
                row.error(4, format!(
                    "code `{}` is not in the absence code list `{}`; add it to the code list file with its category",
                    v[4], codes.name()
                ))
            })?;
            let enrolled = pupils.get(v[0]).is_some_and(|pupil| {
                spans.get(&(pupil, school)).is_some_and(|s| {
                    s.iter().any(|(from, to)| *from <= date && date <= *to)
                })
            });
            if !enrolled {
                return Err(row.error(0, format!(
                    "this pupil is not enrolled at school {id} on {date}; the enrolment files must cover every registration"
                )));
            }
            if category != AbsenceCategory::Present {
                absences.push(Absence {
                    pupil: pupils.get_or_insert(v[0]),
                    school,
                    slot,
                    category,
                });
                origins.push((file, row.index));
            }
            Ok(())
        })?;
        tables.push(table);
    }
    let mut order: Vec<usize> = (0..absences.len()).collect();
    order.sort_by_key(|&i| (absences[i].school, absences[i].pupil, absences[i].slot));
    for pair in order.windows(2) {
        let (a, b) = (&absences[pair[0]], &absences[pair[1]]);
        if a.pupil == b.pupil && a.slot == b.slot {
            let (file, row) = origins[pair[1]];
            let table = &tables[file];
            return Err(IngestError::Value {
                path: table.path.clone(),
                row: table.row_number(row),
                column: "date",
                message: format!(
                    "the same pupil already has a registration for {} {}; keep one per half day",
                    b.slot.date,
                    b.slot.half.as_str()
                ),
            });
        }
    }
    Ok(order.into_iter().map(|i| absences[i]).collect())
}
