//! Checklists, good-practice notes, support offers and action plans.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use mirror_model::{
    ActionGoal, ChecklistAnswer, ChecklistItem, ChecklistResponse, GoodPractice, Level, Measure,
    Note, PlanScope, PracticeText, ReportLanguage, RespondentGroup, SchoolYear, SupportOffer,
    Texts, Themes,
};
use serde::Deserialize;

use crate::enrolments::Schools;
use crate::problems::{DataQuality, Problem, ProblemKind};
use crate::table::{RowRef, Table, Wanted, columns, parse_decimal};

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

/// The languages of the city's own texts (support offers, action plans,
/// good practices).
#[derive(Debug, Clone)]
pub(crate) struct CityLanguages {
    /// The language of a text that does not name one: the schools' report
    /// language when they all share one, else the city's
    /// (`report.city_language`).
    pub written: ReportLanguage,
    /// Every report language of the registry, in registry order, and the
    /// city's: the translations a file may give.
    pub read: Vec<ReportLanguage>,
}

impl CityLanguages {
    pub fn of(schools: &Schools, city: &ReportLanguage) -> Self {
        let mut read: Vec<ReportLanguage> = Vec::new();
        for language in schools.registry.iter().map(|s| &s.language).chain([city]) {
            if !read.contains(language) {
                read.push(language.clone());
            }
        }
        let reports = schools.registry.iter().map(|s| &s.language);
        let written = match reports.clone().next() {
            Some(first) if reports.clone().all(|l| l == first) => first.clone(),
            _ => city.clone(),
        };
        Self { written, read }
    }
}

/// A table's text columns in the city's languages: a text column holds the
/// text in the row's `language` (the city's when the row leaves it empty),
/// `<column>_<code>` its translation into that report language.
struct Translated<'a> {
    languages: &'a CityLanguages,
    /// Where the `language` column is.
    language: usize,
    columns: Vec<TextColumn<'a>>,
}

/// A text column: where it is, its name and where its translations are.
struct TextColumn<'a> {
    position: usize,
    name: String,
    translations: Vec<(&'a ReportLanguage, usize)>,
}

impl<'a> Translated<'a> {
    /// Adds to `wanted` the `language` column and a translation of each
    /// text column at `texts` per language of the city.
    fn new(wanted: &mut Vec<Wanted>, texts: &[usize], languages: &'a CityLanguages) -> Self {
        let language = wanted.len();
        wanted.push(Wanted::optional("language"));
        let columns = texts
            .iter()
            .map(|&position| {
                let name = wanted[position].name.clone();
                let translations = languages
                    .read
                    .iter()
                    .map(|l| {
                        wanted.push(Wanted::optional(&format!("{name}_{}", l.as_str())));
                        (l, wanted.len() - 1)
                    })
                    .collect();
                TextColumn {
                    position,
                    name,
                    translations,
                }
            })
            .collect();
        Self {
            languages,
            language,
            columns,
        }
    }

    /// The language the row's text columns are written in.
    fn row_language(&self, row: &RowRef, v: &[&str]) -> Result<ReportLanguage, Problem> {
        if v[self.language].is_empty() {
            return Ok(self.languages.written.clone());
        }
        ReportLanguage::new(v[self.language])
            .map_err(|e| row.problem(self.language, ProblemKind::BadValue, e.to_string()))
    }

    /// The text column at `position` in `own` language with its
    /// translations; `None` when the row leaves it empty.
    fn texts(
        &self,
        row: &RowRef,
        v: &[&str],
        own: &ReportLanguage,
        position: usize,
    ) -> Result<Option<Texts<String>>, Problem> {
        let TextColumn {
            name, translations, ..
        } = self
            .columns
            .iter()
            .find(|c| c.position == position)
            .expect("a text column of the table");
        let mut translated = translations.iter().filter(|(_, p)| !v[*p].is_empty());
        if v[position].is_empty() {
            return match translated.next() {
                Some(&(_, p)) => Err(row.problem(
                    p,
                    ProblemKind::BadValue,
                    format!(
                        "translates an empty text: write the text in {} (the row's language) in the column `{name}` too",
                        own.as_str()
                    ),
                )),
                None => Ok(None),
            };
        }
        let mut texts = Texts::new(own.clone(), v[position].to_owned());
        for &(language, p) in translated {
            if !texts.add(language.clone(), v[p].to_owned()) {
                return Err(row.problem(
                    p,
                    ProblemKind::BadValue,
                    format!(
                        "the row's text in {} is in the column `{name}`: leave this column empty, or name the row's own language in `language`",
                        language.as_str()
                    ),
                ));
            }
        }
        Ok(Some(texts))
    }

    /// [`Translated::texts`] of a column that must hold a text.
    fn required(
        &self,
        row: &RowRef,
        v: &[&str],
        own: &ReportLanguage,
        position: usize,
    ) -> Result<Texts<String>, Problem> {
        row.non_empty(v, position)?;
        Ok(self
            .texts(row, v, own, position)?
            .expect("a text that is not empty"))
    }
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
        table.for_each_row(quality, |row, v| {
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
    /// The language the note is written in; the city's when left out.
    language: Option<String>,
}

/// A piece of a note's text and where in the note it starts.
type Piece<'t> = (usize, &'t str);

/// The front matter of a translation further down the note.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TranslationFront {
    language: String,
    title: String,
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
    languages: &CityLanguages,
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
        match parse_practice(&path, &text, themes, schools, languages) {
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

/// A note: TOML front matter between `+++` lines, then Markdown sections;
/// each translation the same again, its front matter only `language` and
/// `title`. Errors carry the line they are on.
fn parse_practice(
    path: &Path,
    text: &str,
    themes: &Themes,
    schools: &Schools,
    languages: &CityLanguages,
) -> Result<Option<GoodPractice>, (Option<usize>, String)> {
    let text = text.trim_start_matches('\u{feff}');
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    // Where each `+++` line starts and where the line after it does.
    let mut fences: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            fences.push((at, at + line.len()));
        }
        at += line.len();
    }
    if fences.first().is_none_or(|f| f.0 != 0) || fences.len() < 2 {
        return Err((Some(1), "no front matter: start the note with a `+++` line, the school, themes and title, and another `+++` line".to_owned()));
    }
    if fences.len() % 2 == 1 {
        let last = fences[fences.len() - 1].0;
        return Err((
            Some(line_of(last)),
            "a `+++` line opens a translation's front matter that no `+++` line closes; close it, or remove the line".to_owned(),
        ));
    }
    // Each part: its front matter and its body, as text and where they start.
    let parts: Vec<(Piece, Piece)> = fences
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            let body_end = fences.get(2 * i + 2).map_or(text.len(), |f| f.0);
            (
                (pair[0].1, &text[pair[0].1..pair[1].0]),
                (pair[1].1, &text[pair[1].1..body_end]),
            )
        })
        .collect();
    let toml_error = |(start, _): Piece, e: toml::de::Error| {
        let line = e.span().map(|s| line_of(start + s.start));
        (line, format!("front matter: {}", e.message()))
    };
    let front: FrontMatter = toml::from_str(parts[0].0.1).map_err(|e| toml_error(parts[0].0, e))?;
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
    let language = |code: Option<&str>, start: usize| match code {
        None => Ok(languages.written.clone()),
        Some(code) => ReportLanguage::new(code)
            .map_err(|e| (Some(line_of(start)), format!("front matter: language: {e}"))),
    };
    let own = language(front.language.as_deref(), parts[0].0.0)?;
    let mut texts = Texts::new(own, practice_text(front.title, parts[0].1, &line_of)?);
    for &(front, body) in &parts[1..] {
        let translation: TranslationFront =
            toml::from_str(front.1).map_err(|e| toml_error(front, e))?;
        let language = language(Some(&translation.language), front.0)?;
        if !texts.add(
            language.clone(),
            practice_text(translation.title, body, &line_of)?,
        ) {
            return Err((
                Some(line_of(front.0)),
                format!(
                    "the note is in {} twice; give each language once",
                    language.as_str()
                ),
            ));
        }
    }
    Ok(Some(GoodPractice {
        source: path.to_owned(),
        school,
        themes: front.themes,
        year,
        texts,
    }))
}

/// A part of a note: its title and the three sections of its body, which
/// starts at `start` in the note (`line_of` gives a line from an offset).
fn practice_text(
    title: String,
    (start, body): Piece,
    line_of: &dyn Fn(usize) -> usize,
) -> Result<PracticeText<String, String>, (Option<usize>, String)> {
    let mut sections: [Option<String>; 3] = Default::default();
    let headings = headings(body);
    for (i, (range, heading)) in headings.iter().enumerate() {
        let Some(section) = SECTIONS
            .iter()
            .position(|&(en, nl)| heading == en || heading == nl)
        else {
            return Err((
                Some(line_of(start + range.start)),
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
    Ok(PracticeText {
        title,
        what_was_done,
        for_whom,
        what_changed,
    })
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
    languages: &CityLanguages,
    quality: &mut DataQuality,
) -> Vec<SupportOffer> {
    let mut offers = Vec::new();
    let mut wanted = columns(
        &["organisation", "offer", "themes", "levels", "how_to_ask"],
        &["contact"],
    );
    let translated = Translated::new(&mut wanted, &[1, 4], languages);
    for path in files {
        let Some(table) = Table::open(path, "support", &wanted, quality) else {
            continue;
        };
        table.for_each_row(quality, |row, v| {
            let organisation = row.non_empty(v, 0)?.to_owned();
            let language = translated.row_language(&row, v)?;
            let offer = translated.required(&row, v, &language, 1)?;
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
                how_to_ask: translated.required(&row, v, &language, 4)?,
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
    languages: &CityLanguages,
    quality: &mut DataQuality,
) -> Vec<ActionGoal> {
    let mut goals = Vec::new();
    let mut wanted = columns(
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
    let translated = Translated::new(&mut wanted, &[2, 8], languages);
    let networks: HashSet<&str> = schools
        .registry
        .iter()
        .filter_map(|s| s.network.as_deref())
        .collect();
    for path in files {
        let Some(table) = Table::open(path, "action-plans", &wanted, quality) else {
            continue;
        };
        table.for_each_row(quality, |row, v| {
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
            let language = translated.row_language(&row, v)?;
            goals.push(ActionGoal {
                scope,
                goal: translated.required(&row, v, &language, 2)?,
                indicator,
                target,
                baseline,
                deadline: row.date(v, 5)?,
                partner: row.non_empty(v, 6)?.to_owned(),
                evaluation: translated.texts(&row, v, &language, 8)?,
            });
            Ok(())
        });
    }
    goals.sort_by(|a, b| (&a.scope, a.deadline).cmp(&(&b.scope, b.deadline)));
    goals
}
