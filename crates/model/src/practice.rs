//! What the city shares besides figures: themes, the checklist on a school's
//! approach, good practices, support offers and local action plans.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::{Level, ParseValueError, SchoolRef, SchoolYear, Wording};

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

/// A practice a school shares, as the note was written (free text is
/// redacted by anonymise before anything shows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodPractice {
    pub school: SchoolRef,
    pub themes: Vec<String>,
    pub title: String,
    pub year: Option<SchoolYear>,
    pub what_was_done: String,
    pub for_whom: String,
    pub what_changed: String,
}

/// Support the city's network offers a school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportOffer {
    pub organisation: String,
    pub offer: String,
    pub themes: Vec<String>,
    /// The levels of school it is for; both when the file leaves it empty.
    pub levels: Vec<Level>,
    pub how_to_ask: String,
    pub contact: Option<String>,
}

/// Who agreed a goal: one school or a local network of schools.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlanScope {
    School(SchoolRef),
    Network(String),
}

/// The indicators a follow-up can compute, and `manual` for those the
/// partners report themselves; `questionnaire:<scale id>` is a scale's score.
pub const INDICATORS: &[&str] = &[
    "problematic_rate",
    "pupils_from_5",
    "pupils_from_10",
    "pupils_from_15",
    "pupils_from_30",
    "guidance_files_opened",
    "manual",
];

/// A shared goal of a local action plan, with its indicator and deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionGoal {
    pub scope: PlanScope,
    pub goal: String,
    pub indicator: String,
    pub target: f64,
    pub baseline: Option<f64>,
    pub deadline: NaiveDate,
    /// The partner responsible.
    pub partner: String,
    /// How often progress is evaluated (e.g. termly, yearly).
    pub evaluation: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
