//! The government's yearly figures per school: the years before pupil-level
//! data, and a cross-check of the years with it.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;
use mirror_model::{Absence, AbsenceCategory, Enrolment, GovernmentFigures, SchoolRef, SchoolYear};
use rayon::iter::ParallelIterator;
use rayon::slice::ParallelSlice;

use crate::enrolments::Schools;
use crate::problems::{DataQuality, ProblemKind};
use crate::table::{FilePlace, Origin, Table, columns};

const REQUIRED: &[&str] = &[
    "school_id",
    "school_year",
    "enrolled",
    "problematic_15_plus",
    "problematic_30_plus",
];
const OPTIONAL: &[&str] = &["grade_retention", "school_delay", "early_leavers"];

/// The figures read, each with where it came from, to name it in a warning.
pub(crate) struct GovernmentRead {
    pub figures: Vec<GovernmentFigures>,
    origins: Vec<(FilePlace, Origin)>,
}

pub(crate) fn read(
    files: &[PathBuf],
    schools: &Schools,
    quality: &mut DataQuality,
) -> GovernmentRead {
    let mut records: Vec<(GovernmentFigures, Origin)> = Vec::new();
    let mut places: Vec<FilePlace> = Vec::new();
    for path in files {
        let Some(table) = Table::open(path, "government", &columns(REQUIRED, OPTIONAL), quality)
        else {
            continue;
        };
        let file = places.len() as u32;
        places.push(table.place());
        table.for_each_row(quality, |row, v| {
            let Some(school) = schools.lookup(&row, v, 0)? else {
                return Ok(());
            };
            let year: SchoolYear = row.parse(v, 1)?;
            let enrolled = row.count(v, 2)?;
            let from_15 = row.count(v, 3)?;
            let from_30 = row.count(v, 4)?;
            let at_most = |position: usize, n: u32, limit: u32, of: &str| {
                if n > limit {
                    Err(row.problem(
                        position,
                        ProblemKind::ImpossibleCount,
                        format!("{n} pupils is more than {of} ({limit}); check the figures"),
                    ))
                } else {
                    Ok(())
                }
            };
            at_most(3, from_15, enrolled, "the enrolled pupils")?;
            at_most(4, from_30, from_15, "the pupils with 15 or more")?;
            let mut optional = [None; 3];
            for (i, slot) in optional.iter_mut().enumerate() {
                if !v[5 + i].is_empty() {
                    let n = row.count(v, 5 + i)?;
                    at_most(5 + i, n, enrolled, "the enrolled pupils")?;
                    *slot = Some(n);
                }
            }
            records.push((
                GovernmentFigures {
                    school,
                    year,
                    enrolled,
                    problematic_15_plus: from_15,
                    problematic_30_plus: from_30,
                    grade_retention: optional[0],
                    school_delay: optional[1],
                    early_leavers: optional[2],
                },
                Origin {
                    file,
                    index: row.index as u32,
                },
            ));
            Ok(())
        });
    }
    records.sort_by_key(|(g, o)| (g.school, g.year, o.file, o.index));
    let mut figures: Vec<GovernmentFigures> = Vec::with_capacity(records.len());
    let mut origins = Vec::with_capacity(records.len());
    for (g, origin) in records {
        if let Some(before) = figures.last()
            && (before.school, before.year) == (g.school, g.year)
        {
            quality.push(
                places[origin.file as usize]
                    .problem_at(
                        origin.index as usize,
                        1,
                        ProblemKind::Duplicate,
                        format!("school {} already has figures for {}; keep one row per school and year", schools.entry(g.school).id, g.year),
                    )
                    .at_school(schools.entry(g.school).id.as_str()),
            );
            continue;
        }
        figures.push(g);
        origins.push((places[origin.file as usize].clone(), origin));
    }
    GovernmentRead { figures, origins }
}

impl GovernmentRead {
    /// Warns where the government's figures and the registrations of the same
    /// school and year differ by more than `tolerance` of the enrolled pupils.
    pub(crate) fn cross_check(
        &self,
        schools: &Schools,
        enrolments: &[Enrolment],
        absences: &[Absence],
        tolerance: f64,
        quality: &mut DataQuality,
    ) {
        // Every school and year with enrolments is compared.
        let mut counted: HashMap<(SchoolRef, SchoolYear), [u32; 3]> = HashMap::new();
        for e in enrolments {
            let year = SchoolYear::containing(e.from);
            let c = counted.entry((e.school, year)).or_default();
            // The government counts the pupils enrolled on 1 February.
            if let Some(day) = NaiveDate::from_ymd_opt(year.start_year() + 1, 2, 1)
                && e.from <= day
                && day <= e.to
            {
                c[0] += 1;
            }
        }
        for (school_year, [from_15, from_30]) in problematic_pupils(absences) {
            if let Some(c) = counted.get_mut(&school_year) {
                c[1] += from_15;
                c[2] += from_30;
            }
        }
        for (g, (place, origin)) in self.figures.iter().zip(&self.origins) {
            let Some(ours) = counted.get(&(g.school, g.year)) else {
                continue;
            };
            let theirs = [g.enrolled, g.problematic_15_plus, g.problematic_30_plus];
            let what = [
                "pupils enrolled on 1 February",
                "pupils with 15 or more problematic half days",
                "pupils with 30 or more problematic half days",
            ];
            for k in 0..3 {
                let difference = theirs[k].abs_diff(ours[k]);
                let allowed = tolerance * f64::from(g.enrolled.max(1));
                if f64::from(difference) > allowed {
                    let id = schools.entry(g.school).id.as_str();
                    quality.push(
                    place
                        .problem_at(
                            origin.index as usize,
                            2 + k,
                            ProblemKind::Mismatch,
                            format!(
                                "the government counts {} {} in {} at school {id}; the enrolments and registrations give {}. The difference ({difference}) is more than {:.1}% of the {} enrolled pupils (ingest.cross_check_tolerance): check that every registration was exported",
                                theirs[k], what[k], g.year, ours[k], tolerance * 100.0, g.enrolled
                            ),
                        )
                        .at_school(id),
                );
                }
            }
        }
    }
}

/// Per school and year, the pupils with 15 and with 30 or more problematic
/// half days. `absences` as ingest keeps them: sorted by school, pupil and
/// half day, each within an enrolment at its school (so within one school
/// year). A pupil's year is then one run of them, and each school's runs
/// are counted on a core of their own.
fn problematic_pupils(absences: &[Absence]) -> Vec<((SchoolRef, SchoolYear), [u32; 2])> {
    debug_assert!(absences.is_sorted_by_key(|a| (a.school, a.pupil, a.slot)));
    absences
        .par_chunk_by(|a, b| a.school == b.school)
        .flat_map_iter(|school| {
            let mut counted: BTreeMap<SchoolYear, [u32; 2]> = BTreeMap::new();
            for pupil in school.chunk_by(|a, b| a.pupil == b.pupil) {
                let mut rest = pupil;
                while let Some(first) = rest.first() {
                    let year = SchoolYear::containing(first.slot.date);
                    let next = year.next().first_day();
                    let (this_year, later) =
                        rest.split_at(rest.partition_point(|a| a.slot.date < next));
                    let problematic = this_year
                        .iter()
                        .filter(|a| a.category == AbsenceCategory::Problematic)
                        .count();
                    let c = counted.entry(year).or_default();
                    c[0] += u32::from(problematic >= 15);
                    c[1] += u32::from(problematic >= 30);
                    rest = later;
                }
            }
            let school = school[0].school;
            counted
                .into_iter()
                .map(move |(year, c)| ((school, year), c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use mirror_model::{HalfDay, HalfDaySlot, PupilRef};

    use super::*;

    /// Worked out by hand. At school 0, pupil 1 has 15 problematic half days
    /// in 2024-2025 (and 3 sick ones) and 14 in 2025-2026; pupil 2 has 30
    /// in 2024-2025. At school 1, pupil 1 has 29 in 2025-2026.
    #[test]
    fn pupils_from_15_and_30_problematic_half_days_per_school_and_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let absences_of = |school, pupil, from: NaiveDate, half_days: usize, category| {
            (0..half_days).map(move |i| Absence {
                pupil: PupilRef(pupil),
                school: SchoolRef(school),
                slot: HalfDaySlot {
                    date: from + chrono::Days::new(i as u64 / 2),
                    half: if i % 2 == 0 {
                        HalfDay::Morning
                    } else {
                        HalfDay::Afternoon
                    },
                },
                category,
            })
        };
        use AbsenceCategory::{Problematic, Sick};
        let mut absences: Vec<Absence> = absences_of(0, 1, day(2024, 10, 1), 15, Problematic)
            .chain(absences_of(0, 1, day(2024, 11, 4), 3, Sick))
            .chain(absences_of(0, 1, day(2025, 9, 15), 14, Problematic))
            .chain(absences_of(0, 2, day(2025, 1, 6), 30, Problematic))
            .chain(absences_of(1, 1, day(2025, 10, 6), 29, Problematic))
            .collect();
        absences.sort_by_key(|a| (a.school, a.pupil, a.slot));
        let mut counted = problematic_pupils(&absences);
        counted.sort();
        let year = SchoolYear::starting;
        assert_eq!(
            counted,
            [
                ((SchoolRef(0), year(2024)), [2, 1]),
                ((SchoolRef(0), year(2025)), [0, 0]),
                ((SchoolRef(1), year(2025)), [1, 0]),
            ]
        );
    }
}
