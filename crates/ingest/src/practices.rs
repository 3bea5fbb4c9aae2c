//! Checklists, good-practice notes, support offers and action plans.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use mirror_model::{
    ActionGoal, ChecklistAnswer, ChecklistItem, ChecklistResponse, GoodPractice, Level, Measure,
    Note, PlanScope, RespondentGroup, SchoolYear, SupportOffer, Themes,
};
use serde::Deserialize;

use crate::enrolments::Schools;
use crate::problems::{DataQuality, Problem, ProblemKind};
use crate::table::{RowRef, Table, columns, parse_decimal};

/// ", did you mean `x`?" for the known value closest to `value`, if any is close.
fn closest<'a>(value: &str, known: impl Iterator<Item = &'a str>) -> String {
    known
        .map(|k| (strsim::jaro_winkler(value, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(", did you mean `{k}`?"))
        .unwrap_or_default()
}

fn unknown_theme(theme: &str, themes: &Themes) -> String {
    format!(
        "`{theme}` is not a theme of the themes file{} (the themes: {})",
        closest(theme, themes.ids()),
        themes.ids().collect::<Vec<_>>().join(", ")
    )
}

/// Themes separated by `;`, each one of `themes`.
fn theme_list(
    row: &RowRef,
    values: &[&str],
    position: usize,
    themes: &Themes,
) -> Result<Vec<String>, Problem> {
    let list: Vec<String> = values[position]
        .split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if list.is_empty() {
        return Err(row.problem(
            position,
            ProblemKind::BadValue,
            "is empty; name at least one theme, separated by `;`",
        ));
    }
    if let Some(t) = list.iter().find(|t| !themes.contains(t)) {
        return Err(row.problem(position, ProblemKind::BadValue, unknown_theme(t, themes)));
    }
    Ok(list)
}

pub(crate) fn read_checklists(
    files: &[PathBuf],
    items: &[ChecklistItem],
    schools: &Schools,
    quality: &mut DataQuality,
) -> Vec<ChecklistResponse> {
    let mut answers: Vec<ChecklistResponse> = Vec::new();
    for path in files {
        let Some(table) = Table::open(
            path,
            "checklists",
            &columns(&["school_id", "item", "answer"], &["remark"]),
            quality,
        ) else {
            continue;
        };
        table.for_each_row(quality, |row, v, _| {
            let Some(school) = schools.lookup(&row, v, 0)? else {
                return Ok(());
            };
            let item = row.non_empty(v, 1)?;
            if !items.iter().any(|i| i.id == item) {
                return Err(row.problem(
                    1,
                    ProblemKind::BadValue,
                    format!(
                        "`{item}` is not an item of the checklist{}; use the ids of the checklist file",
                        closest(item, items.iter().map(|i| i.id.as_str()))
                    ),
                ));
            }
            let answer: ChecklistAnswer = row.parse(v, 2)?;
            if answers.iter().any(|a| a.school == school && a.item == item) {
                return Err(row.problem(
                    1,
                    ProblemKind::Duplicate,
                    format!("school {} already answered `{item}`; keep one answer per item", schools.entry(school).id),
                ));
            }
            answers.push(ChecklistResponse {
                school,
                item: item.to_owned(),
                answer,
                remark: Some(v[3]).filter(|r| !r.is_empty()).map(str::to_owned),
            });
            Ok(())
        });
    }
    answers.sort_by(|a, b| (a.school, &a.item).cmp(&(b.school, &b.item)));
    answers
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    school: String,
    themes: Vec<String>,
    title: String,
    year: Option<String>,
}

/// The body's sections, by their English or Dutch heading.
const SECTIONS: [(&str, &str); 3] = [
    ("what was done", "wat"),
    ("for whom", "voor wie"),
    ("what changed", "wat veranderde"),
];

pub(crate) fn read_good_practices(
    dir: &Path,
    themes: &Themes,
    schools: &Schools,
    quality: &mut DataQuality,
) -> Result<Vec<GoodPractice>, std::io::Error> {
    let mut practices = Vec::new();
    if !dir.is_dir() {
        return Ok(practices);
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    for path in files {
        // Notepad and Word end lines with CR LF.
        let text = std::fs::read_to_string(&path)?.replace("\r\n", "\n");
        quality.count_file("good-practices", 1);
        match parse_practice(&path, &text, themes, schools) {
            Ok(Some(p)) => practices.push(p),
            Ok(None) => {}
            Err((line, message)) => {
                let mut problem = Problem::file(ProblemKind::BadValue, &path, message);
                problem.row = line;
                quality.push(problem);
            }
        }
    }
    Ok(practices)
}

/// A note: TOML front matter between `+++` lines, then Markdown sections.
/// Errors carry the line they are on.
fn parse_practice(
    path: &Path,
    text: &str,
    themes: &Themes,
    schools: &Schools,
) -> Result<Option<GoodPractice>, (Option<usize>, String)> {
    let text = text.trim_start_matches('\u{feff}');
    let no_front = || {
        (Some(1), "no front matter: start the note with a `+++` line, the school, themes and title, and another `+++` line".to_owned())
    };
    let rest = text.strip_prefix("+++").ok_or_else(no_front)?;
    let end = rest.find("\n+++").ok_or_else(no_front)?;
    let (front, body) = (&rest[..end], &rest[end + 4..]);
    // Body line 0 is the rest of the closing `+++` line.
    let body_line = front.lines().count() + 1;
    let front: FrontMatter = toml::from_str(front).map_err(|e| {
        let line = e.span().map(|s| front[..s.start].matches('\n').count() + 1);
        (line, format!("front matter: {}", e.message()))
    })?;
    let Some(school) = schools.find(&front.school) else {
        if schools.is_refused(&front.school) {
            return Ok(None);
        }
        return Err((
            None,
            format!(
                "school {} is not in the registry; correct the school number",
                front.school
            ),
        ));
    };
    if let Some(t) = front.themes.iter().find(|t| !themes.contains(t)) {
        return Err((None, unknown_theme(t, themes)));
    }
    let year = front
        .year
        .map(|y| {
            y.parse::<SchoolYear>()
                .map_err(|e| (None, format!("year: {e}")))
        })
        .transpose()?;
    let mut sections: [Option<String>; 3] = Default::default();
    let headings = headings(body);
    for (i, (range, heading)) in headings.iter().enumerate() {
        let Some(section) = SECTIONS
            .iter()
            .position(|&(en, nl)| heading == en || heading == nl)
        else {
            return Err((
                Some(body_line + body[..range.start].matches('\n').count()),
                format!(
                    "unknown section `{}`; the sections are What was done, For whom, What changed",
                    body[range.clone()].trim()
                ),
            ));
        };
        let end = headings
            .get(i + 1)
            .map_or(body.len(), |(next, _)| next.start);
        sections[section] = Some(body[range.end..end].trim().to_owned());
    }
    let mut filled = Vec::new();
    for (section, (en, _)) in sections.into_iter().zip(SECTIONS) {
        match section.filter(|s| !Note::from_markdown(s).blocks.is_empty()) {
            Some(s) => filled.push(s),
            None => {
                return Err((
                    None,
                    format!("the section `## {}` is missing or empty", capitalised(en)),
                ));
            }
        }
    }
    let [what_was_done, for_whom, what_changed]: [String; 3] =
        filled.try_into().expect("three sections");
    Ok(Some(GoodPractice {
        source: path.to_owned(),
        school,
        themes: front.themes,
        title: front.title,
        year,
        what_was_done,
        for_whom,
        what_changed,
    }))
}

/// The body's headings (CommonMark: `#` then a space, or a line underlined
/// with `=` or `-`): where each is, and its text in lower case.
fn headings(body: &str) -> Vec<(std::ops::Range<usize>, String)> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut found = Vec::new();
    let mut current: Option<(std::ops::Range<usize>, String)> = None;
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => current = Some((range, String::new())),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((range, text)) = current.take() {
                    found.push((range, text.trim().to_lowercase()));
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = current.as_mut() {
                    text.push_str(&t);
                }
            }
            _ => {}
        }
    }
    found
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub(crate) fn read_support_offers(
    files: &[PathBuf],
    themes: &Themes,
    quality: &mut DataQuality,
) -> Vec<SupportOffer> {
    let mut offers = Vec::new();
    let wanted = columns(
        &["organisation", "offer", "themes", "levels", "how_to_ask"],
        &["contact"],
    );
    for path in files {
        let Some(table) = Table::open(path, "support", &wanted, quality) else {
            continue;
        };
        table.for_each_row(quality, |row, v, _| {
            let organisation = row.non_empty(v, 0)?.to_owned();
            let offer = row.non_empty(v, 1)?.to_owned();
            let themes = theme_list(&row, v, 2, themes)?;
            let mut levels = Vec::new();
            for level in v[3].split(';').map(str::trim).filter(|l| !l.is_empty()) {
                levels.push(
                    level
                        .parse::<Level>()
                        .map_err(|e| row.problem(3, ProblemKind::BadValue, e.to_string()))?,
                );
            }
            if levels.is_empty() {
                levels = vec![Level::Primary, Level::Secondary];
            }
            offers.push(SupportOffer {
                organisation,
                offer,
                themes,
                levels,
                how_to_ask: row.non_empty(v, 4)?.to_owned(),
                contact: Some(v[5]).filter(|c| !c.is_empty()).map(str::to_owned),
            });
            Ok(())
        });
    }
    offers
}

pub(crate) fn read_action_plans(
    files: &[PathBuf],
    schools: &Schools,
    scales: &BTreeMap<String, Vec<RespondentGroup>>,
    thresholds: &[u32],
    quality: &mut DataQuality,
) -> Vec<ActionGoal> {
    let mut goals = Vec::new();
    let wanted = columns(
        &[
            "school_id",
            "network",
            "goal",
            "indicator",
            "target",
            "deadline",
            "partner",
        ],
        &["baseline", "evaluation"],
    );
    let networks: HashSet<&str> = schools
        .registry
        .iter()
        .filter_map(|s| s.network.as_deref())
        .collect();
    for path in files {
        let Some(table) = Table::open(path, "action-plans", &wanted, quality) else {
            continue;
        };
        table.for_each_row(quality, |row, v, _| {
            let scope = match (v[0].is_empty(), v[1].is_empty()) {
                (false, true) => match schools.lookup(&row, v, 0)? {
                    Some(school) => PlanScope::School(school),
                    None => return Ok(()),
                },
                (true, false) if networks.contains(v[1]) => PlanScope::Network(v[1].to_owned()),
                (true, false) => {
                    return Err(row.problem(
                        1,
                        ProblemKind::UnknownSchool,
                        format!(
                            "`{}` is no school's network in the registry{}; correct the name or the registry's network column",
                            v[1],
                            closest(v[1], networks.iter().copied())
                        ),
                    ));
                }
                _ => {
                    return Err(row.problem(
                        0,
                        ProblemKind::BadValue,
                        "give either a school_id or a network, not both and not neither",
                    ));
                }
            };
            // A goal the tool cannot follow would leave a blank in every
            // follow-up: it is refused here, with the forms it can follow.
            let indicator = match Measure::parse(row.non_empty(v, 3)?, thresholds, scales) {
                // A goal is about one group: the pupils unless it says.
                Ok(Measure::Scale { scale, group }) => Measure::Scale {
                    scale,
                    group: Some(group.unwrap_or(RespondentGroup::Pupils)),
                },
                Ok(m) => m,
                Err(message) => return Err(row.problem(3, ProblemKind::BadValue, message)),
            };
            let number = |position: usize| -> Result<Option<f64>, Problem> {
                if v[position].is_empty() {
                    return Ok(None);
                }
                let value = parse_decimal(v[position]).ok_or_else(|| {
                    row.problem(position, ProblemKind::BadValue, format!("`{}` is not a number", v[position]))
                })?;
                let (top, unit) = if indicator.is_share() {
                    (1.0, "a share: write it as a fraction between 0 and 1 (0.06 for 6%)")
                } else {
                    (100.0, "a questionnaire score: on 0 (least favourable) to 100 (most favourable)")
                };
                if !(0.0..=top).contains(&value) {
                    return Err(row.problem(
                        position,
                        ProblemKind::BadValue,
                        format!("`{}` is out of range; {indicator} is {unit}", v[position]),
                    ));
                }
                Ok(Some(value))
            };
            let target = number(4)?.ok_or_else(|| row.problem(4, ProblemKind::BadValue, "is empty; a goal needs a target"))?;
            let baseline = number(7)?;
            goals.push(ActionGoal {
                scope,
                goal: row.non_empty(v, 2)?.to_owned(),
                indicator,
                target,
                baseline,
                deadline: row.date(v, 5)?,
                partner: row.non_empty(v, 6)?.to_owned(),
                evaluation: Some(v[8]).filter(|e| !e.is_empty()).map(str::to_owned),
            });
            Ok(())
        });
    }
    goals.sort_by(|a, b| (&a.scope, a.deadline).cmp(&(&b.scope, b.deadline)));
    goals
}
