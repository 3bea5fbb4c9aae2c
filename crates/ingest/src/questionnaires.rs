//! Questionnaire responses: one row per respondent, under
//! `questionnaires/<instrument id>/`, in the instrument's own column names or
//! in one of the survey-tool layouts the instrument file lists; and how many
//! of each group were invited (`questionnaires/invited.csv`).

use std::collections::BTreeMap;
use std::path::Path;

use mirror_model::{Grade, Instrument, Questionnaire, RespondentGroup, Response, SchoolRef};

use crate::enrolments::Schools;
use crate::invitations;
use crate::problems::{DataQuality, Problem, ProblemKind};
use crate::table::{Layout, RowRef, Table, Wanted, data_files};

/// The first columns; the items follow, then the comment and the grade.
const SCHOOL: usize = 0;
const GROUP: usize = 1;
const WAVE: usize = 2;
const FIRST_ITEM: usize = 3;

pub(crate) fn read(
    dir: &Path,
    instruments: Vec<Instrument>,
    schools: &Schools,
    quality: &mut DataQuality,
) -> Result<Vec<Questionnaire>, std::io::Error> {
    if dir.is_dir() {
        let mut folders: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            let name = folder.file_name().map(|n| n.to_string_lossy().into_owned());
            if !instruments.iter().any(|i| Some(&i.id) == name.as_ref()) {
                let known: Vec<&str> = instruments.iter().map(|i| i.id.as_str()).collect();
                quality.push(Problem::file(
                    ProblemKind::UnreadableFile,
                    &folder,
                    format!(
                        "no questionnaire instrument of this name in the configuration (known: {}); name the folder after an instrument file",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    let invitations = invitations::read(dir, schools, quality)?;
    let mut questionnaires = Vec::new();
    for instrument in instruments {
        let folder = dir.join(&instrument.id);
        let files = if folder.is_dir() {
            data_files(&folder)?
        } else {
            Vec::new()
        };
        let wanted = wanted_columns(&instrument);
        let layouts = layouts(&instrument);
        let mut responses = Vec::new();
        for path in files {
            let Some(table) =
                Table::open_in_layouts(&path, "responses", &wanted, &layouts, quality)
            else {
                continue;
            };
            let items = instrument.items.len();
            if !(0..items).any(|i| table.has(FIRST_ITEM + i)) {
                quality.push(Problem::file(
                    ProblemKind::MissingColumn,
                    &path,
                    format!(
                        "no column of any item of `{}`; name the columns after the item ids (safe_1, ...) or add the survey tool's layout to the instrument file",
                        instrument.id
                    ),
                ));
                continue;
            }
            table.for_each_row(quality, |row, v| {
                let Some(school) = schools.lookup(&row, v, SCHOOL)? else {
                    return Ok(());
                };
                let group: RespondentGroup = row.parse(v, GROUP)?;
                let wave = row.date(v, WAVE)?;
                let mut answers = Vec::with_capacity(items);
                for (i, item) in instrument.items.iter().enumerate() {
                    let answer = v[FIRST_ITEM + i];
                    if answer.is_empty() {
                        answers.push(None);
                        continue;
                    }
                    let value = instrument.answers.value_of(answer).ok_or_else(|| {
                        row.problem(
                            FIRST_ITEM + i,
                            ProblemKind::AnswerOutOfScale,
                            format!(
                                "`{answer}` is not an answer of the scale ({}); correct the answer or the instrument's [answers]",
                                instrument.answers.describe()
                            ),
                        )
                    })?;
                    if !item.groups.contains(&group) {
                        return Err(row.problem(
                            FIRST_ITEM + i,
                            ProblemKind::BadValue,
                            format!(
                                "item `{}` is not asked of {}; check the respondent's group",
                                item.id,
                                group.as_str()
                            ),
                        ));
                    }
                    answers.push(Some(value));
                }
                if answers.iter().all(Option::is_none) {
                    return Ok(()); // opened and left without answering
                }
                let comment = v[FIRST_ITEM + items];
                let grade = match v[FIRST_ITEM + items + 1] {
                    "" => None,
                    _ => Some(pupil_grade(&row, v, FIRST_ITEM + items + 1, group, school, schools)?),
                };
                responses.push(Response {
                    school,
                    group,
                    wave,
                    answers,
                    grade,
                    comment: (!comment.is_empty()).then(|| comment.to_owned()),
                });
                Ok(())
            });
        }
        responses.sort_by_key(|r| (r.school, r.wave, r.group));
        invitations.check(&instrument, &responses, schools, quality);
        questionnaires.push(Questionnaire {
            instrument,
            responses,
            invited: invitations.invited.clone(),
        });
    }
    Ok(questionnaires)
}

/// The grade in column `position`: a pupil's, of the school's level.
fn pupil_grade(
    row: &RowRef,
    values: &[&str],
    position: usize,
    group: RespondentGroup,
    school: SchoolRef,
    schools: &Schools,
) -> Result<Grade, Problem> {
    let grade: Grade = row.parse(values, position)?;
    if group != RespondentGroup::Pupils {
        return Err(row.problem(
            position,
            ProblemKind::BadValue,
            format!(
                "a grade is given for pupils only; leave it empty for {} or check the respondent's group",
                group.as_str()
            ),
        ));
    }
    let entry = schools.entry(school);
    if grade.level() != entry.level {
        return Err(row.problem(
            position,
            ProblemKind::BadValue,
            format!(
                "{grade} is not a grade of school {}, a {} school; correct the grade or the school",
                entry.id,
                entry.level.as_str()
            ),
        ));
    }
    Ok(grade)
}

/// School, group, wave, every item (any may be missing), comment and grade,
/// by the instrument's own names.
fn wanted_columns(instrument: &Instrument) -> Vec<Wanted> {
    let mut wanted = vec![
        Wanted::required("school_id"),
        Wanted::required("group"),
        Wanted::required("wave"),
    ];
    wanted.extend(instrument.items.iter().map(|i| Wanted::optional(&i.id)));
    wanted.push(Wanted::optional("comment"));
    wanted.push(Wanted::optional("grade"));
    wanted
}

/// The instrument's survey-tool layouts: headers only, since answers may be
/// values or labels and dates are read in any accepted form.
fn layouts(instrument: &Instrument) -> Vec<Layout> {
    instrument
        .layouts
        .iter()
        .map(|l| {
            let mut headers: BTreeMap<String, String> = l.items.clone();
            headers.insert("school_id".to_owned(), l.school.clone());
            headers.insert("group".to_owned(), l.group.clone());
            headers.insert("wave".to_owned(), l.wave.clone());
            headers.extend(l.comment.clone().map(|h| ("comment".to_owned(), h)));
            headers.extend(l.grade.clone().map(|h| ("grade".to_owned(), h)));
            Layout {
                name: l.name.clone(),
                headers,
                ..Layout::default()
            }
        })
        .collect()
}
