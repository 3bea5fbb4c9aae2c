use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use mirror_model::{
    Calendar, EducationForm, Enrolment, Grade, Level, PupilRef, SchoolId, SchoolRef, SchoolYear,
};

use crate::layouts::ExportLayouts;
use crate::problems::{DataQuality, Problem, ProblemKind};
use crate::table::{FilePlace, Origin, RowRef, Table, columns};
use crate::{PupilNumber, RegistryEntry};

pub(crate) const COLUMNS: &[&str] = &[
    "pupil_number",
    "school_id",
    "from",
    "to",
    "grade",
    "education_form",
    "birth_year",
];

/// A map consulted on every row: foldhash is several times faster than the
/// default hash, and the keys come from the city's own files.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Gives each pupil number one `PupilRef`, in order of first appearance.
#[derive(Default)]
pub(crate) struct PupilIndex {
    refs: FastMap<String, PupilRef>,
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

    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    pub fn into_numbers(self) -> Vec<PupilNumber> {
        self.numbers
    }
}

/// The registry's schools by number, to resolve the `school_id` of a row.
pub(crate) struct Schools<'a> {
    pub registry: &'a [RegistryEntry],
    index: FastMap<&'a str, SchoolRef>,
    /// The numbers without their leading zeros, which a spreadsheet drops
    /// (or a package adds) when it reads a number column.
    without_zeros: FastMap<&'a str, SchoolRef>,
    /// Numbers whose registry row was refused: their rows are skipped
    /// without a problem of their own, since the registry's says it all.
    refused: HashSet<String>,
}

impl<'a> Schools<'a> {
    pub fn new(registry: &'a [RegistryEntry], refused: HashSet<String>) -> Self {
        let index = registry
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), SchoolRef(i as u32)))
            .collect();
        let without_zeros = registry
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str().trim_start_matches('0'), SchoolRef(i as u32)))
            .collect();
        Self {
            registry,
            index,
            without_zeros,
            refused,
        }
    }

    /// The school in column `position`; `None` for a school whose registry
    /// row was refused. A number that differs from a registry number only
    /// in its leading zeros is refused with a hint, and the row is placed
    /// at that school, so that school is held back until it is corrected.
    pub fn lookup(
        &self,
        row: &RowRef,
        values: &[&str],
        position: usize,
    ) -> Result<Option<SchoolRef>, Problem> {
        if let Some(school) = self.index.get(values[position]) {
            return Ok(Some(*school));
        }
        let id: SchoolId = row.parse(values, position)?;
        if self.refused.contains(id.as_str()) {
            return Ok(None);
        }
        if let Some(&school) = self.without_zeros.get(id.as_str().trim_start_matches('0')) {
            let known = &self.entry(school).id;
            return Err(row
                .problem(
                    position,
                    ProblemKind::UnknownSchool,
                    format!(
                        "school {id} is not in the registry; did you mean {known}? leading zeros differ (a spreadsheet drops or adds them): write the number as the registry does, e.g. format the column as text"
                    ),
                )
                .at_school(known.as_str()));
        }
        Err(row.problem(
            position,
            ProblemKind::UnknownSchool,
            format!("school {id} is not in the registry; add it there or correct the number"),
        ))
    }

    /// A row whose school number is unknown most likely belongs to the
    /// school the pupil is enrolled at that day (`enrolled`): the problem is
    /// placed there, so that school is held back rather than reported
    /// without the row. Without an enrolment the problem stays unplaced,
    /// and an unplaced error stops the run (see `Ingested::unplaced`).
    pub fn place(&self, problem: Problem, enrolled: Option<SchoolRef>) -> Problem {
        match enrolled {
            Some(school)
                if problem.kind == ProblemKind::UnknownSchool && problem.school.is_none() =>
            {
                let id = &self.entry(school).id;
                let message = format!(
                    "{}; this pupil is enrolled at school {id} that day, so school {id} is held back until the row is corrected",
                    problem.message
                );
                Problem { message, ..problem }.at_school(id.as_str())
            }
            _ => problem,
        }
    }

    /// The school with number `id`, for a value outside a table.
    pub fn find(&self, id: &str) -> Option<SchoolRef> {
        self.index.get(id).copied()
    }

    pub fn is_refused(&self, id: &str) -> bool {
        self.refused.contains(id)
    }

    pub fn entry(&self, school: SchoolRef) -> &RegistryEntry {
        &self.registry[school.index()]
    }
}

/// An enrolment's first and last day and school.
pub(crate) type EnrolmentSpan = (NaiveDate, NaiveDate, SchoolRef);

/// Each pupil's enrolments, to find where a pupil is on a day: held by
/// pupil reference, which is dense, so that finding them is an index and
/// not a hash (a twentieth of checking registrations that do not list a
/// pupil's half days together).
#[derive(Default)]
pub(crate) struct EnrolledOn {
    /// Every enrolment, those of a pupil together in their order.
    spans: Vec<EnrolmentSpan>,
    /// Pupil `p`'s enrolments are `spans[starts[p]..starts[p + 1]]`.
    starts: Vec<usize>,
}

impl EnrolledOn {
    pub fn new(enrolments: &[Enrolment]) -> Self {
        let pupils = enrolments.iter().map(|e| e.pupil.0 as usize + 1).max();
        let mut starts = vec![0; pupils.unwrap_or(0) + 1];
        for e in enrolments {
            starts[e.pupil.0 as usize + 1] += 1;
        }
        for p in 1..starts.len() {
            starts[p] += starts[p - 1];
        }
        let mut placed = starts.clone();
        let mut spans = vec![(NaiveDate::MIN, NaiveDate::MIN, SchoolRef(0)); enrolments.len()];
        for e in enrolments {
            let at = &mut placed[e.pupil.0 as usize];
            spans[*at] = (e.from, e.to, e.school);
            *at += 1;
        }
        Self { spans, starts }
    }

    /// The school `pupil` is enrolled at on `date`, if any (enrolments of a
    /// pupil do not overlap).
    pub fn school(&self, pupil: PupilRef, date: NaiveDate) -> Option<SchoolRef> {
        enrolled_on_date(self.of(pupil), date)
    }

    /// `pupil`'s enrolments: from, to and school.
    pub fn of(&self, pupil: PupilRef) -> &[EnrolmentSpan] {
        let p = pupil.0 as usize;
        match (self.starts.get(p), self.starts.get(p + 1)) {
            (Some(&from), Some(&to)) => &self.spans[from..to],
            _ => &[],
        }
    }
}

/// The school of the one of `enrolments` (from, to, school) covering `date`.
pub(crate) fn enrolled_on_date(enrolments: &[EnrolmentSpan], date: NaiveDate) -> Option<SchoolRef> {
    enrolments
        .iter()
        .find(|(from, to, _)| *from <= date && date <= *to)
        .map(|(_, _, school)| *school)
}

pub(crate) fn read(
    files: &[PathBuf],
    schools: &Schools,
    calendar: &Calendar,
    pupils: &mut PupilIndex,
    layouts: &ExportLayouts,
    quality: &mut DataQuality,
) -> Vec<Enrolment> {
    let mut records: Vec<(Enrolment, Origin)> = Vec::new();
    let mut places: Vec<FilePlace> = Vec::new();
    for path in files {
        let Some(table) = Table::open_in_layouts(
            path,
            "enrolments",
            &columns(COLUMNS, &[]),
            layouts.of("enrolments"),
            quality,
        ) else {
            continue;
        };
        let file = places.len() as u32;
        places.push(table.place());
        table.for_each_row(quality, |row, v| {
            let number = row.non_empty(v, 0)?;
            let Some(school) = schools.lookup(&row, v, 1)? else {
                return Ok(());
            };
            let entry = schools.entry(school);
            let id = &entry.id;
            let from = row.date(v, 2)?;
            let year = SchoolYear::containing(from);
            if calendar.year(year).is_none() {
                return Err(row.problem(
                    2,
                    ProblemKind::OutsideSchoolYear,
                    format!("{from} lies in school year {year}, which the school calendar does not list; add it to the calendar file"),
                ));
            }
            let to = if v[3].is_empty() { year.last_day() } else { row.date(v, 3)? };
            if to < from || to > year.last_day() {
                return Err(row.problem(
                    3,
                    ProblemKind::OutsideSchoolYear,
                    format!("{to} must lie between `from` ({from}) and the end of school year {year} ({}); split enrolments at the school year", year.last_day()),
                ));
            }
            let grade: Grade = row.parse(v, 4)?;
            if grade.level() != entry.level {
                return Err(row.problem(
                    4,
                    ProblemKind::BadValue,
                    format!("grade {grade} is not given at a {} school", entry.level.as_str()),
                ));
            }
            let form: EducationForm = row.parse(v, 5)?;
            if !entry.forms.contains(&form) {
                return Err(row.problem(
                    5,
                    ProblemKind::BadValue,
                    format!("school {id} does not offer `{}` according to the registry; correct the form or the registry", form.code()),
                ));
            }
            let nursery_grade = grade.to_string().starts_with('K');
            if entry.level == Level::Primary && nursery_grade != (form == EducationForm::Nursery) {
                return Err(row.problem(
                    5,
                    ProblemKind::BadValue,
                    format!("form `{}` does not go with grade {grade}", form.code()),
                ));
            }
            let birth_year: i32 = row.parse(v, 6)?;
            let age = from.year() - birth_year;
            if !(2..=26).contains(&age) {
                return Err(row.problem(
                    6,
                    ProblemKind::BadValue,
                    format!("{birth_year} makes the pupil {age} years old on {from}; correct the year of birth"),
                ));
            }
            records.push((
                Enrolment {
                    pupil: pupils.get_or_insert(number),
                    school,
                    from,
                    to,
                    grade,
                    form,
                    birth_year,
                },
                Origin { file, index: row.index as u32 },
            ));
            Ok(())
        });
    }
    // A pupil is at one school at a time: a later enrolment that starts before
    // the previous one ends is refused.
    records.sort_by_key(|(e, _)| (e.pupil, e.from));
    let mut keep = vec![true; records.len()];
    let mut last: Option<usize> = None;
    for i in 0..records.len() {
        let (b, origin) = &records[i];
        if let Some(j) = last
            && records[j].0.pupil == b.pupil
            && b.from <= records[j].0.to
        {
            let a = &records[j].0;
            quality.push(
                places[origin.file as usize]
                    .problem_at(
                        origin.index as usize,
                        2,
                        ProblemKind::OverlappingEnrolments,
                        format!(
                            "this enrolment starts on {} while the same pupil is enrolled until {} (school {}); enrolments of a pupil must not overlap",
                            b.from,
                            a.to,
                            schools.entry(a.school).id
                        ),
                    )
                    .at_school(schools.entry(b.school).id.as_str()),
            );
            keep[i] = false;
            continue;
        }
        last = Some(i);
    }
    let mut enrolments: Vec<Enrolment> = records
        .into_iter()
        .zip(keep)
        .filter_map(|((e, _), k)| k.then_some(e))
        .collect();
    enrolments.sort_by_key(|e| (e.school, e.pupil, e.from));
    enrolments
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A day of school year 2025-2026.
    fn day((m, d): (u32, u32)) -> NaiveDate {
        NaiveDate::from_ymd_opt(if m >= 9 { 2025 } else { 2026 }, m, d).unwrap()
    }

    fn enrolment(pupil: u32, school: u32, from: (u32, u32), to: (u32, u32)) -> Enrolment {
        Enrolment {
            pupil: PupilRef(pupil),
            school: SchoolRef(school),
            from: day(from),
            to: day(to),
            grade: Grade::new('P', 3).unwrap(),
            form: EducationForm::Primary,
            birth_year: 2017,
        }
    }

    /// Pupil 2 changes school in January, listed before and after pupil 0;
    /// pupil 1 has no enrolment and pupil 3 is past the last one.
    #[test]
    fn each_pupil_finds_its_own_enrolments_in_their_order() {
        let enrolled = EnrolledOn::new(&[
            enrolment(2, 7, (9, 1), (12, 31)),
            enrolment(0, 5, (9, 1), (6, 30)),
            enrolment(2, 8, (1, 5), (6, 30)),
        ]);
        let schools = |p: u32| -> Vec<u32> {
            enrolled
                .of(PupilRef(p))
                .iter()
                .map(|(_, _, s)| s.0)
                .collect()
        };
        assert_eq!(schools(0), [5]);
        assert!(schools(1).is_empty());
        assert_eq!(schools(2), [7, 8]);
        assert!(schools(3).is_empty());
        let on = |p: u32, m: u32, d: u32| enrolled.school(PupilRef(p), day((m, d))).map(|s| s.0);
        assert_eq!(on(2, 12, 31), Some(7));
        assert_eq!(on(2, 1, 2), None, "between the two enrolments");
        assert_eq!(on(2, 1, 5), Some(8));
        assert_eq!(on(0, 3, 3), Some(5));
    }
}
