//! Questionnaire instruments (`config/questionnaires/*.toml`) and responses.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Grade, ParseValueError, SchoolRef, SchoolYear};

/// Who answered: the groups whose views a safety mirror compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RespondentGroup {
    Pupils,
    Teachers,
    /// Other staff: support staff, administration, maintenance.
    Staff,
}

impl RespondentGroup {
    pub const ALL: [Self; 3] = [Self::Pupils, Self::Teachers, Self::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pupils => "pupils",
            Self::Teachers => "teachers",
            Self::Staff => "staff",
        }
    }
}

impl std::str::FromStr for RespondentGroup {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Survey exports in Dutch say what the respondent ticked.
        match s.trim().to_lowercase().as_str() {
            "pupils" | "pupil" | "leerling" | "leerlingen" => Ok(Self::Pupils),
            "teachers" | "teacher" | "leerkracht" | "leerkrachten" | "leraar" => Ok(Self::Teachers),
            "staff" | "other staff" | "personeel" | "ander personeel" | "medewerker" => {
                Ok(Self::Staff)
            }
            _ => Err(ParseValueError::new(
                s,
                "a respondent group (pupils, teachers, staff; or leerling, leerkracht, personeel)",
            )),
        }
    }
}

/// Text in Dutch and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    pub nl: String,
    pub en: String,
}

/// What a group of items measures.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub id: String,
    /// A theme of `config/themes.toml`, to find support offers and practices.
    pub theme: String,
    pub nl: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub scale: String,
    pub groups: Vec<RespondentGroup>,
    /// Agreeing is the unsafe answer ("I am bullied at school").
    #[serde(default)]
    pub reverse: bool,
    pub nl: String,
    pub en: String,
}

/// The answer scale: values in increasing agreement, a label for each.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerScale {
    pub values: Vec<u8>,
    pub nl: Vec<String>,
    pub en: Vec<String>,
}

impl AnswerScale {
    /// The value of an answer written as a value or as a label in any
    /// language, ignoring case.
    pub fn value_of(&self, answer: &str) -> Option<u8> {
        if let Ok(v) = answer.parse::<u8>() {
            return self.values.contains(&v).then_some(v);
        }
        let answer = answer.trim().to_lowercase();
        [&self.nl, &self.en].into_iter().find_map(|labels| {
            labels
                .iter()
                .position(|l| l.to_lowercase() == answer)
                .map(|i| self.values[i])
        })
    }

    /// The allowed answers, for a message.
    pub fn describe(&self) -> String {
        let values: Vec<String> = self.values.iter().map(u8::to_string).collect();
        format!("{} or {}", values.join(", "), self.nl.join(" / "))
    }
}

/// A survey tool's export: the header of each column.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub name: String,
    pub school: String,
    pub group: String,
    pub wave: String,
    pub comment: Option<String>,
    /// The pupil's grade (`S3`, `P5`); teachers and staff leave it empty.
    pub grade: Option<String>,
    /// Item id -> header.
    pub items: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstrument {
    title: Wording,
    answers: AnswerScale,
    scales: Vec<Scale>,
    items: Vec<Item>,
    #[serde(default)]
    layouts: Vec<Layout>,
}

/// A questionnaire: its items, scales, answer scale and known export layouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    /// The file name without `.toml`; responses are in `questionnaires/<id>/`.
    pub id: String,
    pub title: Wording,
    pub answers: AnswerScale,
    pub scales: Vec<Scale>,
    pub items: Vec<Item>,
    pub layouts: Vec<Layout>,
}

#[derive(Debug, thiserror::Error)]
pub enum QuestionnaireError {
    #[error("{path}: cannot read the questionnaire: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Instrument {
    /// Every `*.toml` in `dir`, in name order; none when the folder is absent.
    pub fn load_dir(dir: &Path) -> Result<Vec<Self>, QuestionnaireError> {
        let read = |source| QuestionnaireError::Read {
            path: dir.to_owned(),
            source,
        };
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read)? {
            let path = entry.map_err(read)?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                paths.push(path);
            }
        }
        paths.sort();
        paths.iter().map(|p| Self::load(p)).collect()
    }

    pub fn load(path: &Path) -> Result<Self, QuestionnaireError> {
        let text = std::fs::read_to_string(path).map_err(|source| QuestionnaireError::Read {
            path: path.to_owned(),
            source,
        })?;
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::parse(&text, &id, path)
    }

    pub fn parse(text: &str, id: &str, path: &Path) -> Result<Self, QuestionnaireError> {
        let invalid = |message: String| QuestionnaireError::Invalid {
            path: path.to_owned(),
            message,
        };
        let raw: RawInstrument = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let a = &raw.answers;
        if a.values.len() < 2 || a.nl.len() != a.values.len() || a.en.len() != a.values.len() {
            return Err(invalid(
                "answers: give at least two values and one nl and one en label per value".into(),
            ));
        }
        // Scores put the lowest value at 0 and the highest at 100.
        if a.values.windows(2).any(|w| w[0] >= w[1]) {
            return Err(invalid(
                "answers: list the values in increasing agreement, each once (such as [1, 2, 3, 4])"
                    .into(),
            ));
        }
        let mut scales = HashSet::new();
        for s in &raw.scales {
            if !scales.insert(s.id.as_str()) {
                return Err(invalid(format!("scale `{}` is listed twice", s.id)));
            }
        }
        let mut items = HashSet::new();
        for item in &raw.items {
            if !items.insert(item.id.as_str()) {
                return Err(invalid(format!("item `{}` is listed twice", item.id)));
            }
            if !scales.contains(item.scale.as_str()) {
                return Err(invalid(format!(
                    "item `{}`: scale `{}` is not among the [[scales]]",
                    item.id, item.scale
                )));
            }
            if item.groups.is_empty() || item.nl.trim().is_empty() || item.en.trim().is_empty() {
                return Err(invalid(format!(
                    "item `{}`: give the groups asked and its wording in nl and en",
                    item.id
                )));
            }
        }
        for layout in &raw.layouts {
            if let Some(unknown) = layout.items.keys().find(|k| !items.contains(k.as_str())) {
                return Err(invalid(format!(
                    "layout `{}`: item `{unknown}` is not among the [[items]]",
                    layout.name
                )));
            }
        }
        Ok(Self {
            id: id.to_owned(),
            title: raw.title,
            answers: raw.answers,
            scales: raw.scales,
            items: raw.items,
            layouts: raw.layouts,
        })
    }
}

/// One respondent's answers, in the instrument's item order (`None`: not
/// answered or not asked of the group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub school: SchoolRef,
    pub group: RespondentGroup,
    /// The day the questionnaire was answered.
    pub wave: NaiveDate,
    pub answers: Vec<Option<u8>>,
    /// A pupil's grade, when the export has it; never for teachers or staff.
    pub grade: Option<Grade>,
    /// Free text as written: anonymise redacts it before anything shows it.
    pub comment: Option<String>,
}

/// An instrument and the responses read for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Questionnaire {
    pub instrument: Instrument,
    pub responses: Vec<Response>,
    /// How many of a group each school invited to answer in a school year
    /// (`questionnaires/invited.csv`), the base of the response rate. One
    /// count applies to every instrument the group answered that year.
    pub invited: BTreeMap<(SchoolRef, SchoolYear, RespondentGroup), u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Instrument {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/questionnaires/safety-wellbeing.toml");
        Instrument::load(&path).unwrap()
    }

    #[test]
    fn the_shipped_instrument_has_six_scales_for_three_groups() {
        let i = shipped();
        assert_eq!(i.id, "safety-wellbeing");
        assert_eq!(i.scales.len(), 6);
        assert_eq!(i.items.len(), 19);
        for scale in &i.scales {
            for group in RespondentGroup::ALL {
                assert!(
                    i.items
                        .iter()
                        .any(|it| it.scale == scale.id && it.groups.contains(&group)),
                    "{} asks {} nothing",
                    scale.id,
                    group.as_str()
                );
            }
        }
        assert_eq!(i.answers.value_of("Akkoord"), Some(3));
        assert_eq!(i.answers.value_of("strongly disagree"), Some(1));
        assert_eq!(i.answers.value_of("4"), Some(4));
        assert_eq!(i.answers.value_of("5"), None);
        assert_eq!(i.layouts.len(), 2);
    }

    #[test]
    fn groups_in_english_or_dutch() {
        assert_eq!("Leerling".parse(), Ok(RespondentGroup::Pupils));
        assert_eq!("ander personeel".parse(), Ok(RespondentGroup::Staff));
        assert!("parents".parse::<RespondentGroup>().is_err());
    }

    #[test]
    fn answer_values_must_increase() {
        let text = r#"
title = { nl = "t", en = "t" }
scales = []
items = []
[answers]
values = [1, 3, 2]
nl = ["nee", "soms", "ja"]
en = ["no", "sometimes", "yes"]
"#;
        let e = Instrument::parse(text, "t", Path::new("q/t.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "q/t.toml: answers: list the values in increasing agreement, each once (such as [1, 2, 3, 4])"
        );
    }

    #[test]
    fn an_item_of_an_unknown_scale_is_named() {
        let text = r#"
title = { nl = "t", en = "t" }
[answers]
values = [1, 2]
nl = ["nee", "ja"]
en = ["no", "yes"]
[[scales]]
id = "a"
theme = "safety"
nl = "a"
en = "a"
[[items]]
id = "x"
scale = "b"
groups = ["pupils"]
nl = "x"
en = "x"
"#;
        let e = Instrument::parse(text, "t", Path::new("q/t.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "q/t.toml: item `x`: scale `b` is not among the [[scales]]"
        );
    }
}
