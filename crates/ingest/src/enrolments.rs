use std::collections::HashMap;
use std::path::PathBuf;

use chrono::Datelike;
use mirror_model::{
    Calendar, EducationForm, Enrolment, Grade, Level, PupilRef, SchoolId, SchoolRef, SchoolYear,
};

use crate::table::Table;
use crate::{IngestError, PupilNumber, RegistryEntry};

const COLUMNS: &[&str] = &[
    "pupil_number",
    "school_id",
    "from",
    "to",
    "grade",
    "education_form",
    "birth_year",
];

/// Gives each pupil number one `PupilRef`, in order of first appearance.
#[derive(Default)]
pub(crate) struct PupilIndex {
    refs: HashMap<String, PupilRef>,
    numbers: Vec<PupilNumber>,
}

impl PupilIndex {
    pub fn get_or_insert(&mut self, number: &str) -> PupilRef {
        if let Some(r) = self.refs.get(number) {
            return *r;
        }
        let r = PupilRef(u32::try_from(self.numbers.len()).expect("fewer than 4 billion pupils"));
        self.refs.insert(number.to_owned(), r);
        self.numbers.push(PupilNumber(number.to_owned()));
        r
    }

    pub fn get(&self, number: &str) -> Option<PupilRef> {
        self.refs.get(number).copied()
    }

    pub fn into_numbers(self) -> Vec<PupilNumber> {
        self.numbers
    }
}

/// Where a record came from, to name it in an error found after reading.
#[derive(Clone, Copy)]
pub(crate) struct Origin {
    file: usize,
    row: usize,
}

pub(crate) fn school_index(registry: &[RegistryEntry]) -> HashMap<&str, SchoolRef> {
    registry
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), SchoolRef(i as u32)))
        .collect()
}

pub(crate) fn read(
    files: &[PathBuf],
    registry: &[RegistryEntry],
    calendar: &Calendar,
    pupils: &mut PupilIndex,
) -> Result<Vec<Enrolment>, IngestError> {
    let schools = school_index(registry);
    let mut records: Vec<(Enrolment, Origin)> = Vec::new();
    let mut tables = Vec::new();
    for (file, path) in files.iter().enumerate() {
        let table = Table::read(path, COLUMNS)?;
        table.for_each_row(|row, v| {
            if v[0].is_empty() {
                return Err(row.error(0, "is empty; every enrolment needs a pupil number"));
            }
            let id: SchoolId = row.parse(v, 1)?;
            let school = *schools.get(id.as_str()).ok_or_else(|| {
                row.error(1, format!("school {id} is not in the registry; add it there or correct the number"))
            })?;
            let entry = &registry[school.index()];
            let from = row.date(v, 2)?;
            let year = SchoolYear::containing(from);
            if calendar.year(year).is_none() {
                return Err(row.error(
                    2,
                    format!("{from} lies in school year {year}, which the school calendar does not list; add it to the calendar file"),
                ));
            }
            let to = if v[3].is_empty() { year.last_day() } else { row.date(v, 3)? };
            if to < from || to > year.last_day() {
                return Err(row.error(
                    3,
                    format!("{to} must lie between `from` ({from}) and the end of school year {year} ({}); split enrolments at the school year", year.last_day()),
                ));
            }
            let grade: Grade = row.parse(v, 4)?;
            if grade.level() != entry.level {
                return Err(row.error(4, format!("grade {grade} is not given at a {} school", entry.level.as_str())));
            }
            let form: EducationForm = row.parse(v, 5)?;
            if !entry.forms.contains(&form) {
                return Err(row.error(
                    5,
                    format!("school {id} does not offer `{}` according to the registry; correct the form or the registry", form.code()),
                ));
            }
            let nursery_grade = grade.to_string().starts_with('K');
            if entry.level == Level::Primary && nursery_grade != (form == EducationForm::Nursery) {
                return Err(row.error(5, format!("form `{}` does not go with grade {grade}", form.code())));
            }
            let birth_year: i32 = row.parse(v, 6)?;
            let age = from.year() - birth_year;
            if !(2..=26).contains(&age) {
                return Err(row.error(6, format!("{birth_year} makes the pupil {age} years old on {from}")));
            }
            records.push((
                Enrolment {
                    pupil: pupils.get_or_insert(v[0]),
                    school,
                    from,
                    to,
                    grade,
                    form,
                    birth_year,
                },
                Origin { file, row: row.index },
            ));
            Ok(())
        })?;
        tables.push(table);
    }
    // A pupil is at one school at a time.
    records.sort_by_key(|(e, _)| (e.pupil, e.from));
    for pair in records.windows(2) {
        let ((a, _), (b, origin)) = (&pair[0], &pair[1]);
        if a.pupil == b.pupil && b.from <= a.to {
            let table = &tables[origin.file];
            return Err(IngestError::Value {
                path: table.path.clone(),
                row: table.row_number(origin.row),
                column: "from",
                message: format!(
                    "this enrolment starts on {} while the same pupil is enrolled until {} (school {}); enrolments of a pupil must not overlap",
                    b.from,
                    a.to,
                    registry[a.school.index()].id
                ),
            });
        }
    }
    let mut enrolments: Vec<Enrolment> = records.into_iter().map(|(e, _)| e).collect();
    enrolments.sort_by_key(|e| (e.school, e.pupil, e.from));
    Ok(enrolments)
}
