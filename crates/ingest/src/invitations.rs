//! How many pupils, teachers and staff each school invited to answer its
//! questionnaires (`questionnaires/invited.csv`): the base of the response
//! rates. Optional: without a row, pupils count as the pupils enrolled and
//! teachers and staff get no response rate.

use std::collections::BTreeMap;
use std::path::Path;

use mirror_model::{Instrument, RespondentGroup, Response, SchoolRef, SchoolYear};

use crate::enrolments::Schools;
use crate::problems::{DataQuality, ProblemKind};
use crate::table::{FilePlace, Origin, Table, columns, data_files};

const COLUMNS: &[&str] = &["school_id", "school_year", "group", "invited"];
const GROUP: usize = 2;
const INVITED: usize = 3;

/// A school's group in a school year.
type Key = (SchoolRef, SchoolYear, RespondentGroup);

/// The counts read, each with where it came from, to name it when the
/// responses contradict it.
pub(crate) struct Invitations {
    pub invited: BTreeMap<Key, u32>,
    origins: BTreeMap<Key, Origin>,
    places: Vec<FilePlace>,
}

/// Reads the files named `invited` directly in the questionnaires folder
/// (`invited.csv`, `.xlsx` or `.parquet`); none when there is no such file.
pub(crate) fn read(
    dir: &Path,
    schools: &Schools,
    quality: &mut DataQuality,
) -> Result<Invitations, std::io::Error> {
    let mut read = Invitations {
        invited: BTreeMap::new(),
        origins: BTreeMap::new(),
        places: Vec::new(),
    };
    if !dir.is_dir() {
        return Ok(read);
    }
    let files = data_files(dir)?
        .into_iter()
        .filter(|p| p.parent() == Some(dir) && p.file_stem().is_some_and(|s| s == "invited"));
    for path in files {
        let Some(table) = Table::open(&path, "invited", &columns(COLUMNS, &[]), quality) else {
            continue;
        };
        let file = read.places.len() as u32;
        read.places.push(table.place());
        table.for_each_row(quality, |row, v| {
            let Some(school) = schools.lookup(&row, v, 0)? else {
                return Ok(());
            };
            let year: SchoolYear = row.parse(v, 1)?;
            let group: RespondentGroup = row.parse(v, GROUP)?;
            let invited = row.count(v, INVITED)?;
            let key = (school, year, group);
            if read.invited.contains_key(&key) {
                return Err(row.problem(
                    GROUP,
                    ProblemKind::Duplicate,
                    format!(
                        "school {} already has a count of {} invited in {year}; keep one row per school, school year and group",
                        schools.entry(school).id,
                        group.as_str()
                    ),
                ));
            }
            read.invited.insert(key, invited);
            read.origins.insert(
                key,
                Origin {
                    file,
                    index: row.index as u32,
                },
            );
            Ok(())
        });
    }
    Ok(read)
}

impl Invitations {
    /// Refuses a count below the respondents of a group to `instrument`:
    /// the rate would be above 100%.
    pub(crate) fn check(
        &self,
        instrument: &Instrument,
        responses: &[Response],
        schools: &Schools,
        quality: &mut DataQuality,
    ) {
        let mut respondents: BTreeMap<Key, u32> = BTreeMap::new();
        for r in responses {
            *respondents
                .entry((r.school, SchoolYear::containing(r.wave), r.group))
                .or_default() += 1;
        }
        for (key, answered) in respondents {
            let Some(&invited) = self.invited.get(&key) else {
                continue;
            };
            if invited >= answered {
                continue;
            }
            let (school, year, group) = key;
            let origin = self.origins[&key];
            let id = schools.entry(school).id.as_str();
            quality.push(
                self.places[origin.file as usize]
                    .problem_at(
                        origin.index as usize,
                        INVITED,
                        ProblemKind::ImpossibleCount,
                        format!(
                            "the {} invited ({invited}) are fewer than the {answered} who answered `{}` at school {id} in {year}; correct the count",
                            group.as_str(),
                            instrument.id
                        ),
                    )
                    .at_school(id),
            );
        }
    }
}
