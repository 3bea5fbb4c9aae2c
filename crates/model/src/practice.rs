//! What the city shares besides figures: themes, the checklist on a school's
//! approach, good practices, support offers and local action plans.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    Instrument, Level, ParseValueError, ReportLanguage, RespondentGroup, SchoolRef, SchoolYear,
    Wording,
};

#[derive(Debug, thiserror::Error)]
pub enum PracticeConfigError {
    #[error("{path}: cannot read it: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, PracticeConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| PracticeConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| PracticeConfigError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// The themes (`config/themes.toml`), by id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Themes(pub BTreeMap<String, Wording>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThemes {
    themes: BTreeMap<String, Wording>,
}

impl Themes {
    pub fn load(path: &Path) -> Result<Self, PracticeConfigError> {
        Ok(Self(read_toml::<RawThemes>(path)?.themes))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// One question of the checklist (`config/checklist.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub id: String,
    pub theme: String,
    pub nl: String,
    pub en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklist {
    items: Vec<ChecklistItem>,
}

/// Loads the checklist; every item's theme must be a theme.
pub fn load_checklist(
    path: &Path,
    themes: &Themes,
) -> Result<Vec<ChecklistItem>, PracticeConfigError> {
    let items = read_toml::<RawChecklist>(path)?.items;
    for (i, item) in items.iter().enumerate() {
        let invalid = |message: String| PracticeConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        if !themes.contains(&item.theme) {
            return Err(invalid(format!(
                "item `{}`: theme `{}` is not in the themes file",
                item.id, item.theme
            )));
        }
        if items[..i].iter().any(|other| other.id == item.id) {
            return Err(invalid(format!("item `{}` is listed twice", item.id)));
        }
    }
    Ok(items)
}

/// A school's answer to a checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChecklistAnswer {
    Yes,
    Partly,
    No,
}

impl std::str::FromStr for ChecklistAnswer {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "yes" | "ja" => Ok(Self::Yes),
            "partly" | "deels" | "gedeeltelijk" => Ok(Self::Partly),
            "no" | "nee" => Ok(Self::No),
            _ => Err(ParseValueError::new(
                s,
                "an answer (yes, partly, no; or ja, deels, nee)",
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistResponse {
    pub school: SchoolRef,
    /// The id of a [`ChecklistItem`].
    pub item: String,
    pub answer: ChecklistAnswer,
    /// Free text as written: anonymise redacts it before anything shows it.
    pub remark: Option<String>,
}

/// A text of the city's own (a support offer, a goal, a good practice) in
/// each language it was written in: the language of the file's own column
/// (or of the note's first part) first, then its translations, each
/// language once. A report reads it with [`Texts::pick`].
///
/// Serialised as `{"in_languages": [[code, text], ...]}`: render replaces
/// it with the version a report prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Texts<T> {
    #[serde(rename = "in_languages")]
    versions: Vec<(ReportLanguage, T)>,
}

/// A text as one report prints it: in the report's language, or else in
/// the language it was written in, which the report then names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picked<'a, T> {
    pub text: &'a T,
    /// `None` when the text is in the report's language; else the language
    /// it is printed in instead.
    pub only_in: Option<&'a ReportLanguage>,
}

impl<T> Texts<T> {
    /// A text written in one language.
    pub fn new(language: ReportLanguage, text: T) -> Self {
        Self {
            versions: vec![(language, text)],
        }
    }

    /// Adds a translation; `false` (and nothing added) when the text
    /// already has one in that language.
    pub fn add(&mut self, language: ReportLanguage, text: T) -> bool {
        if self.versions.iter().any(|(l, _)| *l == language) {
            return false;
        }
        self.versions.push((language, text));
        true
    }

    /// Every version, the text's own language first.
    pub fn versions(&self) -> impl Iterator<Item = (&ReportLanguage, &T)> {
        self.versions.iter().map(|(l, t)| (l, t))
    }

    /// The text as first written, in the file's own language.
    pub fn original(&self) -> &T {
        &self.versions[0].1
    }

    /// The text in `language`; without a version in it, the text as first
    /// written, with its language, so that a report never mixes languages
    /// without saying so.
    pub fn pick(&self, language: &ReportLanguage) -> Picked<'_, T> {
        match self.versions.iter().find(|(l, _)| l == language) {
            Some((_, text)) => Picked {
                text,
                only_in: None,
            },
            None => Picked {
                text: &self.versions[0].1,
                only_in: Some(&self.versions[0].0),
            },
        }
    }

    /// The same versions with each text replaced by `f`'s.
    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> Texts<U> {
        Texts {
            versions: self
                .versions
                .iter()
                .map(|(l, t)| (l.clone(), f(t)))
                .collect(),
        }
    }
}

/// The text as first written: for the city's own lists (the advisor's),
/// which are in the city's language.
impl<T: std::fmt::Display> std::fmt::Display for Texts<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.original().fmt(f)
    }
}

/// A good practice's text in one language: its title and three sections.
/// `S` is a section: its Markdown as written, or a [`Note`] once read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PracticeText<T, S> {
    pub title: T,
    pub what_was_done: S,
    pub for_whom: S,
    pub what_changed: S,
}

/// A practice a school shares, as the note was written (free text is
/// redacted by anonymise before anything shows it). The three sections are
/// the note's Markdown as written; [`Note::from_markdown`] reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodPractice {
    /// The note's file, to name it in warnings (never printed in a report).
    pub source: PathBuf,
    pub school: SchoolRef,
    pub themes: Vec<String>,
    pub year: Option<SchoolYear>,
    /// The note in each language it was written in.
    pub texts: Texts<PracticeText<String, String>>,
}

/// A piece of a note's text in one style. `T` is the text: `String` as
/// written, a redacted text once anonymise has read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run<T> {
    pub text: T,
    pub emph: bool,
    pub strong: bool,
}

/// A paragraph, or a list whose items are each a line of runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoteBlock<T> {
    Paragraph {
        runs: Vec<Run<T>>,
    },
    List {
        ordered: bool,
        items: Vec<Vec<Run<T>>>,
    },
}

/// The text of a note's section as structure, never as markup: reports
/// draw each run as text, so nothing a school writes is read as Typst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Note<T> {
    pub blocks: Vec<NoteBlock<T>>,
}

/// One plain paragraph.
impl<T> From<T> for Note<T> {
    fn from(text: T) -> Self {
        Self {
            blocks: vec![NoteBlock::Paragraph {
                runs: vec![Run {
                    text,
                    emph: false,
                    strong: false,
                }],
            }],
        }
    }
}

impl<T> Note<T> {
    /// Every line (a paragraph or a list item) in reading order.
    pub fn lines(&self) -> impl Iterator<Item = &[Run<T>]> {
        self.blocks
            .iter()
            .flat_map(|b| match b {
                NoteBlock::Paragraph { runs } => std::slice::from_ref(runs),
                NoteBlock::List { items, .. } => items.as_slice(),
            })
            .map(Vec::as_slice)
    }

    /// The same structure with each line's runs replaced by `f`'s.
    pub fn map_lines<U>(&self, mut f: impl FnMut(&[Run<T>]) -> Vec<Run<U>>) -> Note<U> {
        let blocks = self
            .blocks
            .iter()
            .map(|b| match b {
                NoteBlock::Paragraph { runs } => NoteBlock::Paragraph { runs: f(runs) },
                NoteBlock::List { ordered, items } => NoteBlock::List {
                    ordered: *ordered,
                    items: items.iter().map(|i| f(i)).collect(),
                },
            })
            .collect();
        Note { blocks }
    }
}

impl<T: AsRef<str>> Note<T> {
    /// The text without its styles, a line per paragraph or list item.
    pub fn plain_text(&self) -> String {
        self.lines()
            .map(|line| line.iter().map(|r| r.text.as_ref()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Note<String> {
    /// Reads CommonMark: paragraphs, lists (nested ones flattened into
    /// their list), emphasis and strong emphasis are kept; a heading inside
    /// a section becomes a strong paragraph, a link its text, a code span or
    /// block its text, and any other markup is dropped. A line such as
    /// `#set ...` or `#5 ...` is text: a heading needs a space after `#`.
    pub fn from_markdown(markdown: &str) -> Self {
        use pulldown_cmark::{Event, Parser, Tag, TagEnd};
        let mut blocks = Vec::new();
        let mut line: Vec<Run<String>> = Vec::new();
        // The list being read: ordered, items done, and how deeply nested.
        let mut list: Option<(bool, Vec<Vec<Run<String>>>)> = None;
        let mut depth = 0usize;
        let (mut emph, mut strong) = (0u32, 0u32);
        let mut heading = false;
        // Ends the line in progress: an item of the list, or a paragraph.
        fn finish(
            line: &mut Vec<Run<String>>,
            list: &mut Option<(bool, Vec<Vec<Run<String>>>)>,
            blocks: &mut Vec<NoteBlock<String>>,
        ) {
            let runs = trimmed(std::mem::take(line));
            if runs.is_empty() {
                return;
            }
            match list {
                Some((_, items)) => items.push(runs),
                None => blocks.push(NoteBlock::Paragraph { runs }),
            }
        }
        for event in Parser::new(markdown) {
            match event {
                Event::Start(Tag::List(start)) => {
                    finish(&mut line, &mut list, &mut blocks);
                    if depth == 0 {
                        list = Some((start.is_some(), Vec::new()));
                    }
                    depth += 1;
                }
                Event::End(TagEnd::List(_)) => {
                    finish(&mut line, &mut list, &mut blocks);
                    depth -= 1;
                    if depth == 0
                        && let Some((ordered, items)) = list.take()
                        && !items.is_empty()
                    {
                        blocks.push(NoteBlock::List { ordered, items });
                    }
                }
                Event::Start(Tag::Item) | Event::End(TagEnd::Item) => {
                    finish(&mut line, &mut list, &mut blocks);
                }
                Event::Start(Tag::Heading { .. }) => {
                    finish(&mut line, &mut list, &mut blocks);
                    heading = true;
                }
                Event::End(TagEnd::Heading(_)) => {
                    finish(&mut line, &mut list, &mut blocks);
                    heading = false;
                }
                // Paragraphs in a list item (a loose list) stay one item.
                Event::End(TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::BlockQuote(_))
                    if list.is_none() =>
                {
                    finish(&mut line, &mut list, &mut blocks);
                }
                Event::End(TagEnd::Paragraph) => push(&mut line, " ", false, false),
                Event::Start(Tag::Emphasis) => emph += 1,
                Event::End(TagEnd::Emphasis) => emph = emph.saturating_sub(1),
                Event::Start(Tag::Strong) => strong += 1,
                Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
                Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                    push(
                        &mut line,
                        &t.replace('\n', " "),
                        emph > 0,
                        strong > 0 || heading,
                    );
                }
                Event::SoftBreak | Event::HardBreak => push(&mut line, " ", emph > 0, strong > 0),
                _ => {}
            }
        }
        finish(&mut line, &mut list, &mut blocks);
        Self { blocks }
    }
}

/// Adds `text` to the line, joined to the last run when the style is the same.
fn push(line: &mut Vec<Run<String>>, text: &str, emph: bool, strong: bool) {
    match line.last_mut() {
        Some(last) if last.emph == emph && last.strong == strong => last.text.push_str(text),
        _ => line.push(Run {
            text: text.to_owned(),
            emph,
            strong,
        }),
    }
}

/// The line without white space at its ends, and without runs left empty.
fn trimmed(mut runs: Vec<Run<String>>) -> Vec<Run<String>> {
    if let Some(first) = runs.first_mut() {
        first.text = first.text.trim_start().to_owned();
    }
    if let Some(last) = runs.last_mut() {
        last.text = last.text.trim_end().to_owned();
    }
    runs.retain(|r| !r.text.is_empty());
    runs
}

/// Support the city's network offers a school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportOffer {
    pub organisation: String,
    pub offer: Texts<String>,
    pub themes: Vec<String>,
    /// The levels of school it is for; both when the file leaves it empty.
    pub levels: Vec<Level>,
    pub how_to_ask: Texts<String>,
    pub contact: Option<String>,
}

/// Who agreed a goal: one school or a local network of schools.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlanScope {
    School(SchoolRef),
    Network(String),
}

/// A figure of a mirror that an action-plan goal follows or a support rule
/// watches, written in files as `problematic_rate`, `pupils_from_<threshold>`,
/// `guidance_files_opened` or `questionnaire:<scale>[:<group>]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Measure {
    /// Problematic half days over the half days pupils were expected.
    ProblematicRate,
    /// Share of pupils with at least `threshold` problematic half days.
    PupilsFrom { threshold: u32 },
    /// Share of the pupils who reached the first threshold with a truancy
    /// guidance file opened.
    GuidanceFilesOpened,
    /// A group's mean score on a questionnaire scale (0-100). A goal always
    /// names a group (the pupils when the file leaves it out); a support rule
    /// without one watches every group.
    Scale {
        scale: String,
        group: Option<RespondentGroup>,
    },
}

/// The figures' names as files write them, for error messages.
const MEASURE_FORMS: &str = "problematic_rate, pupils_from_<threshold>, guidance_files_opened, questionnaire:<scale id> or questionnaire:<scale id>:<group>";

impl Measure {
    /// Reads a figure's name. `thresholds` are the configured ones; `scales`
    /// gives, per questionnaire scale, the groups asked one of its items.
    pub fn parse(
        text: &str,
        thresholds: &[u32],
        scales: &BTreeMap<String, Vec<RespondentGroup>>,
    ) -> Result<Self, String> {
        let text = text.trim();
        if text == "problematic_rate" {
            return Ok(Self::ProblematicRate);
        }
        if text == "guidance_files_opened" {
            return Ok(Self::GuidanceFilesOpened);
        }
        if let Some(t) = text.strip_prefix("pupils_from_") {
            return match t.parse::<u32>() {
                Ok(threshold) if thresholds.contains(&threshold) => {
                    Ok(Self::PupilsFrom { threshold })
                }
                _ => Err(format!(
                    "`{text}`: the thresholds are {}; use pupils_from_ and one of them",
                    thresholds
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
        }
        if let Some(rest) = text.strip_prefix("questionnaire:") {
            let (scale, group) = match rest.split_once(':') {
                Some((scale, group)) => (
                    scale,
                    Some(
                        group
                            .parse::<RespondentGroup>()
                            .map_err(|e| format!("`{text}`: {e}"))?,
                    ),
                ),
                None => (rest, None),
            };
            let Some(asked) = scales.get(scale) else {
                return Err(format!(
                    "`{text}`: `{scale}` is not a scale of the questionnaires (the scales: {})",
                    scales.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            };
            if let Some(g) = group.filter(|g| !asked.contains(g)) {
                return Err(format!(
                    "`{text}`: no item of `{scale}` is asked of the {}",
                    g.as_str()
                ));
            }
            return Ok(Self::Scale {
                scale: scale.to_owned(),
                group,
            });
        }
        Err(format!(
            "`{text}` is not a figure the tool computes; use {MEASURE_FORMS}"
        ))
    }

    /// Whether a lower figure is the better one: absence, yes; a guidance
    /// file opened or a questionnaire score, no.
    pub fn lower_is_better(&self) -> bool {
        matches!(self, Self::ProblematicRate | Self::PupilsFrom { .. })
    }

    /// A share between 0 and 1 (every figure but a questionnaire score).
    pub fn is_share(&self) -> bool {
        !matches!(self, Self::Scale { .. })
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ProblematicRate => f.write_str("problematic_rate"),
            Self::PupilsFrom { threshold } => write!(f, "pupils_from_{threshold}"),
            Self::GuidanceFilesOpened => f.write_str("guidance_files_opened"),
            Self::Scale { scale, group: None } => write!(f, "questionnaire:{scale}"),
            Self::Scale {
                scale,
                group: Some(g),
            } => write!(f, "questionnaire:{scale}:{}", g.as_str()),
        }
    }
}

/// Per questionnaire scale of the instruments, the groups asked an item of it.
pub fn scales_asked(instruments: &[Instrument]) -> BTreeMap<String, Vec<RespondentGroup>> {
    let mut scales: BTreeMap<String, Vec<RespondentGroup>> = BTreeMap::new();
    for instrument in instruments {
        for scale in &instrument.scales {
            let asked = scales.entry(scale.id.clone()).or_default();
            for item in instrument.items.iter().filter(|i| i.scale == scale.id) {
                asked.extend(&item.groups);
            }
            asked.sort();
            asked.dedup();
        }
    }
    scales
}

/// What in a mirror makes its report suggest the support offers of a theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "when", rename_all = "kebab-case")]
pub enum Trigger {
    /// The figure lies on the unfavourable side of its funnel's 95% limit
    /// (truancy figures), or below the peers' lower quartile (a
    /// questionnaire score; for a rule without a group, any group's).
    WorseThanPeers { figure: Measure },
    /// Problematic absence rose significantly since the year before.
    Rising,
    /// The school answered a checklist item "no" or "partly".
    NotInPlace { item: String },
}

/// A rule of `config/support-rules.toml`: what triggers it and the themes
/// whose support offers it brings to the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportRule {
    pub trigger: Trigger,
    pub themes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    when: String,
    figure: Option<String>,
    checklist: Option<String>,
    themes: Vec<String>,
}

/// What the support rules may refer to: the configured themes, checklist,
/// questionnaire scales and thresholds.
#[derive(Debug)]
pub struct RuleContext<'a> {
    pub themes: &'a Themes,
    pub checklist: &'a [ChecklistItem],
    pub scales: &'a BTreeMap<String, Vec<RespondentGroup>>,
    pub thresholds: &'a [u32],
}

/// Loads the support rules; errors name the rule by its number and say what
/// to write instead.
pub fn load_support_rules(
    path: &Path,
    context: &RuleContext,
) -> Result<Vec<SupportRule>, PracticeConfigError> {
    let raw = read_toml::<RawRules>(path)?.rules;
    raw.into_iter()
        .enumerate()
        .map(|(i, rule)| {
            support_rule(rule, context).map_err(|message| PracticeConfigError::Invalid {
                path: path.to_owned(),
                message: format!(
                    "rule {} (the {} [[rules]]): {message}",
                    i + 1,
                    ordinal(i + 1)
                ),
            })
        })
        .collect()
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn support_rule(rule: RawRule, c: &RuleContext) -> Result<SupportRule, String> {
    if rule.themes.is_empty() {
        return Err("`themes` is empty; name at least one theme".to_owned());
    }
    if let Some(t) = rule.themes.iter().find(|t| !c.themes.contains(t)) {
        return Err(format!(
            "theme `{t}` is not in the themes file (the themes: {})",
            c.themes.ids().collect::<Vec<_>>().join(", ")
        ));
    }
    let trigger = match (rule.when.as_str(), rule.figure, rule.checklist) {
        ("worse-than-peers", Some(figure), None) => Trigger::WorseThanPeers {
            figure: Measure::parse(&figure, c.thresholds, c.scales)?,
        },
        ("rising", Some(figure), None) if figure.trim() == "problematic_rate" => Trigger::Rising,
        ("rising", _, _) => {
            return Err(
                "`rising` is tested for problematic absence only: write figure = \"problematic_rate\""
                    .to_owned(),
            );
        }
        ("not-in-place", None, Some(item)) => {
            if !c.checklist.iter().any(|i| i.id == item) {
                return Err(format!(
                    "`{item}` is not an item of the checklist (the items: {})",
                    c.checklist
                        .iter()
                        .map(|i| i.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Trigger::NotInPlace { item }
        }
        ("worse-than-peers", _, _) => {
            return Err("`worse-than-peers` needs a `figure` and no `checklist`".to_owned());
        }
        ("not-in-place", _, _) => {
            return Err("`not-in-place` needs a `checklist` item and no `figure`".to_owned());
        }
        (other, _, _) => {
            return Err(format!(
                "when = \"{other}\" is not a trigger; use worse-than-peers, rising or not-in-place"
            ));
        }
    };
    Ok(SupportRule {
        trigger,
        themes: rule.themes,
    })
}

/// A shared goal of a local action plan, with its indicator and deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionGoal {
    pub scope: PlanScope,
    pub goal: Texts<String>,
    /// A figure the tool computes: a goal it cannot follow is an ingest
    /// error. Shares are fractions, questionnaire scores 0-100.
    pub indicator: Measure,
    pub target: f64,
    pub baseline: Option<f64>,
    pub deadline: NaiveDate,
    /// The partner responsible.
    pub partner: String,
    /// How often progress is evaluated (e.g. termly, yearly).
    pub evaluation: Option<Texts<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, emph: bool, strong: bool) -> Run<String> {
        Run {
            text: text.to_owned(),
            emph,
            strong,
        }
    }

    /// What a school writes: a paragraph with emphasis over a soft line
    /// break, a `#set` line (text: a heading needs a space after `#`), a
    /// bulleted list with a nested item (flattened) and a numbered one.
    #[test]
    fn a_note_keeps_paragraphs_lists_and_emphasis_and_no_markup() {
        let note = Note::from_markdown(
            "We call *every* parent\nbefore **ten**.\n#set page(width: 1cm)\n\n- a talk\n  - with the *CLB*\n- a [letter](https://example.org)\n\n1. first\n2. `second`\n",
        );
        assert_eq!(
            note.blocks,
            [
                NoteBlock::Paragraph {
                    runs: vec![
                        run("We call ", false, false),
                        run("every", true, false),
                        run(" parent before ", false, false),
                        run("ten", false, true),
                        run(". #set page(width: 1cm)", false, false),
                    ]
                },
                NoteBlock::List {
                    ordered: false,
                    items: vec![
                        vec![run("a talk", false, false)],
                        vec![run("with the ", false, false), run("CLB", true, false)],
                        vec![run("a letter", false, false)],
                    ]
                },
                NoteBlock::List {
                    ordered: true,
                    items: vec![
                        vec![run("first", false, false)],
                        vec![run("second", false, false)]
                    ]
                },
            ]
        );
        assert_eq!(
            note.plain_text(),
            "We call every parent before ten. #set page(width: 1cm)\na talk\nwith the CLB\na letter\nfirst\nsecond"
        );
    }

    /// A Dutch offer with an English translation: each language reads its
    /// own; French has none and gets the Dutch text, named as Dutch.
    #[test]
    fn a_text_is_picked_in_the_readers_language_or_named_as_another() {
        let [nl, en, fr] = ["nl", "en", "fr"].map(|c| ReportLanguage::new(c).unwrap());
        let mut texts = Texts::new(nl.clone(), "Spijbelcoach");
        assert!(texts.add(en.clone(), "Truancy coach"));
        assert!(
            !texts.add(en.clone(), "Another"),
            "one version per language"
        );
        assert_eq!(texts.pick(&en).text, &"Truancy coach");
        assert_eq!(texts.pick(&en).only_in, None);
        assert_eq!(texts.pick(&nl).text, &"Spijbelcoach");
        assert_eq!(texts.pick(&fr).text, &"Spijbelcoach");
        assert_eq!(texts.pick(&fr).only_in, Some(&nl));
        assert_eq!(texts.map(|t| t.len()).pick(&en).text, &13);
        assert_eq!(texts.to_string(), "Spijbelcoach");
    }

    #[test]
    fn the_shipped_themes_and_checklist_agree() {
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        let themes = Themes::load(&config.join("themes.toml")).unwrap();
        assert!(themes.contains("truancy") && themes.contains("bullying"));
        let items = load_checklist(&config.join("checklist.toml"), &themes).unwrap();
        assert_eq!(items.len(), 11);
        assert_eq!(items[0].id, "truancy-protocol");
        assert_eq!("Deels".parse(), Ok(ChecklistAnswer::Partly));
        assert!("maybe".parse::<ChecklistAnswer>().is_err());
    }

    fn scales() -> BTreeMap<String, Vec<RespondentGroup>> {
        [(
            "bullying".to_owned(),
            vec![RespondentGroup::Pupils, RespondentGroup::Teachers],
        )]
        .into()
    }

    #[test]
    fn a_figure_is_read_with_its_threshold_scale_and_group() {
        let parse = |t: &str| Measure::parse(t, &[5, 10, 15, 30], &scales());
        assert_eq!(parse("problematic_rate"), Ok(Measure::ProblematicRate));
        assert_eq!(
            parse(" pupils_from_15 "),
            Ok(Measure::PupilsFrom { threshold: 15 })
        );
        assert_eq!(
            parse("guidance_files_opened"),
            Ok(Measure::GuidanceFilesOpened)
        );
        assert_eq!(
            parse("questionnaire:bullying:leerkrachten"),
            Ok(Measure::Scale {
                scale: "bullying".to_owned(),
                group: Some(RespondentGroup::Teachers)
            })
        );
        let any = parse("questionnaire:bullying").unwrap();
        assert_eq!(any.to_string(), "questionnaire:bullying");
        assert!(!any.is_share() && !any.lower_is_better());
        assert!(Measure::ProblematicRate.lower_is_better());
        assert!(!Measure::GuidanceFilesOpened.lower_is_better());
        assert_eq!(
            parse("pupils_from_20").unwrap_err(),
            "`pupils_from_20`: the thresholds are 5, 10, 15, 30; use pupils_from_ and one of them"
        );
        assert_eq!(
            parse("questionnaire:bullying:staff").unwrap_err(),
            "`questionnaire:bullying:staff`: no item of `bullying` is asked of the staff"
        );
        assert!(
            parse("manual")
                .unwrap_err()
                .starts_with("`manual` is not a figure the tool computes")
        );
    }

    fn rules_from(text: &str) -> Result<Vec<SupportRule>, String> {
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        let themes = Themes::load(&config.join("themes.toml")).unwrap();
        let checklist = load_checklist(&config.join("checklist.toml"), &themes).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(&path, text).unwrap();
        let context = RuleContext {
            themes: &themes,
            checklist: &checklist,
            scales: &scales(),
            thresholds: &[5, 10, 15, 30],
        };
        load_support_rules(&path, &context).map_err(|e| {
            e.to_string()
                .trim_start_matches(&format!("{}: ", path.display()))
                .to_owned()
        })
    }

    #[test]
    fn support_rules_name_the_rule_that_is_wrong() {
        let rules = rules_from(
            "[[rules]]\nwhen = \"worse-than-peers\"\nfigure = \"questionnaire:bullying:pupils\"\nthemes = [\"bullying\"]\n\
             [[rules]]\nwhen = \"not-in-place\"\nchecklist = \"truancy-protocol\"\nthemes = [\"truancy\"]\n",
        )
        .unwrap();
        assert_eq!(
            rules[1],
            SupportRule {
                trigger: Trigger::NotInPlace {
                    item: "truancy-protocol".to_owned()
                },
                themes: vec!["truancy".to_owned()],
            }
        );
        let ok =
            "[[rules]]\nwhen = \"rising\"\nfigure = \"problematic_rate\"\nthemes = [\"truancy\"]\n";
        assert_eq!(rules_from(ok).unwrap()[0].trigger, Trigger::Rising);
        for (second, message) in [
            (
                "when = \"rising\"\nfigure = \"pupils_from_5\"\nthemes = [\"truancy\"]",
                "rule 2 (the 2nd [[rules]]): `rising` is tested for problematic absence only: write figure = \"problematic_rate\"",
            ),
            (
                "when = \"worse-than-peers\"\nfigure = \"problematic_rate\"\nthemes = [\"truancyy\"]",
                "rule 2 (the 2nd [[rules]]): theme `truancyy` is not in the themes file (the themes: belonging, bullying, guidance, newcomers, parents, rules, safety, support, truancy, wellbeing)",
            ),
            (
                "when = \"not-in-place\"\nchecklist = \"protocol\"\nthemes = [\"truancy\"]",
                "rule 2 (the 2nd [[rules]]): `protocol` is not an item of the checklist",
            ),
            (
                "when = \"sometimes\"\nfigure = \"problematic_rate\"\nthemes = [\"truancy\"]",
                "rule 2 (the 2nd [[rules]]): when = \"sometimes\" is not a trigger; use worse-than-peers, rising or not-in-place",
            ),
        ] {
            let e = rules_from(&format!("{ok}[[rules]]\n{second}\n")).unwrap_err();
            assert!(e.starts_with(message), "{e}");
        }
    }

    /// The shipped rules read against the shipped configuration.
    #[test]
    fn the_shipped_support_rules_load() {
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        let themes = Themes::load(&config.join("themes.toml")).unwrap();
        let checklist = load_checklist(&config.join("checklist.toml"), &themes).unwrap();
        let instruments = Instrument::load_dir(&config.join("questionnaires")).unwrap();
        let rules = load_support_rules(
            &config.join("support-rules.toml"),
            &RuleContext {
                themes: &themes,
                checklist: &checklist,
                scales: &scales_asked(&instruments),
                thresholds: &[5, 10, 15, 30],
            },
        )
        .unwrap();
        assert_eq!(rules.len(), 16);
        assert_eq!(
            rules[0].trigger,
            Trigger::WorseThanPeers {
                figure: Measure::ProblematicRate
            }
        );
    }
}
