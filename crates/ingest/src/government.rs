//! The government's yearly figures per school: the years before pupil-level
//! data, and a cross-check of the years with it.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use mirror_model::{
    Absence, Calendar, Enrolment, GovernmentFigures, SchoolRef, SchoolYear, pupil_years,
};

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
        calendar: &Calendar,
        tolerance: f64,
        quality: &mut DataQuality,
    ) {
        let mut counted: HashMap<(SchoolRef, SchoolYear), [u32; 3]> = HashMap::new();
        for ((school, year, _), p) in pupil_years(enrolments, absences, calendar) {
            let c = counted.entry((school, year)).or_default();
            c[1] += u32::from(p.problematic >= 15);
            c[2] += u32::from(p.problematic >= 30);
        }
        // The government counts the pupils enrolled on 1 February.
        for e in enrolments {
            let year = SchoolYear::containing(e.from);
            if let Some(day) = NaiveDate::from_ymd_opt(year.start_year() + 1, 2, 1)
                && e.from <= day
                && day <= e.to
                && let Some(c) = counted.get_mut(&(e.school, year))
            {
                c[0] += 1;
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
