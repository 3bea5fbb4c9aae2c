use std::collections::BTreeMap;
use std::path::Path;

use mirror_model::AbsenceCategory;
use serde::Deserialize;

use crate::IngestError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodes {
    lists: BTreeMap<String, BTreeMap<String, String>>,
}

/// One administration package's absence codes and their categories.
#[derive(Debug, Clone)]
pub struct AbsenceCodes {
    name: String,
    /// Each code with a number of its own, to compare codes cheaply.
    codes: crate::enrolments::FastMap<String, (u16, AbsenceCategory)>,
}

impl AbsenceCodes {
    pub fn load(path: &Path, list: &str) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path, list)
    }

    pub fn parse(text: &str, path: &Path, list: &str) -> Result<Self, IngestError> {
        let err = |message: String| IngestError::AbsenceCodes {
            path: path.to_owned(),
            message,
        };
        let raw: RawCodes = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let known = raw.lists.keys().cloned().collect::<Vec<_>>().join(", ");
        let entries = raw.lists.get(list).ok_or_else(|| {
            err(format!(
                "no list `{list}` (absence_code_list in the configuration); the lists are: {known}"
            ))
        })?;
        let mut codes = crate::enrolments::FastMap::default();
        for (number, (code, category)) in entries.iter().enumerate() {
            let category: AbsenceCategory = category
                .parse()
                .map_err(|e| err(format!("lists.{list}.{code}: {e}")))?;
            let number = u16::try_from(number)
                .map_err(|_| err(format!("lists.{list} has more than 65535 codes")))?;
            codes.insert(code.clone(), (number, category));
        }
        Ok(Self {
            name: list.to_owned(),
            codes,
        })
    }

    pub fn category(&self, code: &str) -> Option<AbsenceCategory> {
        self.lookup(code).map(|(_, c)| c)
    }

    /// The code's number in this list and its category.
    pub fn lookup(&self, code: &str) -> Option<(u16, AbsenceCategory)> {
        self.codes.get(code).copied()
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_codes_of_the_chosen_list() {
        let text =
            "[lists.flemish]\nB = \"problematic\"\nZ = \"sick\"\n[lists.other]\nX = \"other\"\n";
        let codes = AbsenceCodes::parse(text, Path::new("codes.toml"), "flemish").unwrap();
        assert_eq!(codes.category("B"), Some(AbsenceCategory::Problematic));
        assert_eq!(codes.category("X"), None);
        let e = AbsenceCodes::parse(text, Path::new("codes.toml"), "smartschool").unwrap_err();
        assert!(e.to_string().contains("flemish, other"), "{e}");
        let e = AbsenceCodes::parse("[lists.a]\nB = \"truant\"\n", Path::new("c.toml"), "a")
            .unwrap_err();
        assert!(e.to_string().contains("lists.a.B"), "{e}");
    }

    #[test]
    fn the_shipped_flemish_list_maps_b_to_problematic() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/absence-codes.toml");
        let codes = AbsenceCodes::load(&path, "flemish").unwrap();
        assert_eq!(codes.category("B"), Some(AbsenceCategory::Problematic));
        assert_eq!(codes.category("D"), Some(AbsenceCategory::Sick));
        assert_eq!(codes.category("|"), Some(AbsenceCategory::Present));
    }
}
