use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseValueError;

/// The school number the city and the government use for a school.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SchoolId(String);

impl SchoolId {
    /// School numbers are short and made of letters, digits and dashes, so
    /// they are safe in file names (`out/<year>/schools/<id>.pdf`).
    pub fn new(id: &str) -> Result<Self, ParseValueError> {
        let id = id.trim();
        let ok = !id.is_empty()
            && id.len() <= 32
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(Self(id.to_owned()))
        } else {
            Err(ParseValueError::new(
                id,
                "a school number (letters, digits, - or _, at most 32)",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for SchoolId {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for SchoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A school, by position in the run's school registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SchoolRef(pub u32);

impl SchoolRef {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Primary school, usually with a nursery section.
    Primary,
    Secondary,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Secondary => "secondary",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "primary" => Ok(Self::Primary),
            "secondary" => Ok(Self::Secondary),
            _ => Err(ParseValueError::new(s, "a level (primary or secondary)")),
        }
    }
}

/// Education forms: nursery and primary, and the Flemish secondary forms.
/// Serialised as their input-file codes (`aso`, `tso`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EducationForm {
    Nursery,
    Primary,
    /// ASO, general secondary.
    #[serde(rename = "aso")]
    General,
    /// TSO, technical secondary.
    #[serde(rename = "tso")]
    Technical,
    /// KSO, arts secondary.
    #[serde(rename = "kso")]
    Arts,
    /// BSO, vocational secondary.
    #[serde(rename = "bso")]
    Vocational,
    /// DBSO, part-time vocational with work-based learning.
    #[serde(rename = "dbso")]
    PartTime,
    /// OKAN, reception classes for newcomers who do not speak Dutch yet.
    #[serde(rename = "okan")]
    Reception,
    /// BuSO, special needs secondary.
    #[serde(rename = "buso")]
    SpecialNeeds,
}

impl EducationForm {
    pub const ALL: [EducationForm; 9] = [
        Self::Nursery,
        Self::Primary,
        Self::General,
        Self::Technical,
        Self::Arts,
        Self::Vocational,
        Self::PartTime,
        Self::Reception,
        Self::SpecialNeeds,
    ];

    /// The code used in input files.
    pub fn code(self) -> &'static str {
        match self {
            Self::Nursery => "nursery",
            Self::Primary => "primary",
            Self::General => "aso",
            Self::Technical => "tso",
            Self::Arts => "kso",
            Self::Vocational => "bso",
            Self::PartTime => "dbso",
            Self::Reception => "okan",
            Self::SpecialNeeds => "buso",
        }
    }

    pub fn level(self) -> Level {
        match self {
            Self::Nursery | Self::Primary => Level::Primary,
            _ => Level::Secondary,
        }
    }
}

impl std::str::FromStr for EducationForm {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|f| f.code() == s)
            .ok_or_else(|| {
                ParseValueError::new(
                    &s,
                    "an education form (nursery, primary, aso, tso, kso, bso, dbso, okan, buso)",
                )
            })
    }
}

/// A grade: `K1`-`K3` nursery, `P1`-`P6` primary, `S1`-`S7` secondary
/// (OKAN classes are registered as `S1`-`S7` by the pupil's age group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Grade {
    stage: char,
    number: u8,
}

impl Grade {
    pub fn new(stage: char, number: u8) -> Option<Self> {
        let max = match stage {
            'K' => 3,
            'P' => 6,
            'S' => 7,
            _ => return None,
        };
        (1..=max)
            .contains(&number)
            .then_some(Self { stage, number })
    }

    pub fn level(self) -> Level {
        if self.stage == 'S' {
            Level::Secondary
        } else {
            Level::Primary
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.stage, self.number)
    }
}

impl std::str::FromStr for Grade {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_uppercase();
        let mut chars = t.chars();
        let stage = chars.next();
        let number = chars.as_str().parse::<u8>().ok();
        stage
            .zip(number)
            .and_then(|(st, n)| Grade::new(st, n))
            .ok_or_else(|| ParseValueError::new(s, "a grade (K1-K3, P1-P6 or S1-S7)"))
    }
}

impl TryFrom<String> for Grade {
    type Error = ParseValueError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Grade> for String {
    fn from(g: Grade) -> String {
        g.to_string()
    }
}

/// The pupil population's socio-economic profile, as shares between 0 and 1
/// (the Flemish pupil characteristics).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SocioEconomicProfile {
    /// Share of pupils whose home language is not Dutch.
    pub home_language_not_dutch: f64,
    /// Share of pupils whose mother has no secondary-school diploma.
    pub mother_without_diploma: f64,
    /// Share of pupils who receive a school allowance (a means-tested grant).
    pub school_allowance: f64,
}

/// The language a school's report is written in: a code such as `nl` or `en`
/// for which `report-templates/lang/<code>.toml` exists. A string, not an enum,
/// so a new language needs a strings file and no code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportLanguage(String);

impl ReportLanguage {
    pub fn new(code: &str) -> Result<Self, ParseValueError> {
        let code = code.trim().to_ascii_lowercase();
        if (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase()) {
            Ok(Self(code))
        } else {
            Err(ParseValueError::new(
                &code,
                "a language code such as nl or en",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_parse_within_their_stage() {
        assert_eq!("s7".parse::<Grade>().unwrap().to_string(), "S7");
        assert_eq!("P6".parse::<Grade>().unwrap().level(), Level::Primary);
        assert!("P7".parse::<Grade>().is_err());
        assert!("K0".parse::<Grade>().is_err());
        assert!("X1".parse::<Grade>().is_err());
    }

    #[test]
    fn school_ids_are_safe_file_names() {
        assert!(SchoolId::new("012345").is_ok());
        assert!(SchoolId::new("../etc").is_err());
        assert!(SchoolId::new("").is_err());
    }

    #[test]
    fn forms_parse_from_their_codes() {
        assert_eq!(
            "BSO".parse::<EducationForm>().unwrap(),
            EducationForm::Vocational
        );
        assert!("hbo".parse::<EducationForm>().is_err());
    }
}
