//! Pupil guidance centre (CLB) records.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{ParseValueError, PupilRef, SchoolRef};

/// Why a guidance file was opened: attendance, or one of the four domains of
/// a school's pupil guidance policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GuidanceReason {
    /// Problematic absence: compulsory from 5 half days.
    Truancy,
    Learning,
    Career,
    Health,
    Wellbeing,
}

/// How a guidance file ended, or `Ongoing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GuidanceOutcome {
    Ongoing,
    Resolved,
    Referred,
    LeftSchool,
}

impl GuidanceReason {
    pub const ALL: [Self; 5] = [
        Self::Truancy,
        Self::Learning,
        Self::Career,
        Self::Health,
        Self::Wellbeing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Truancy => "truancy",
            Self::Learning => "learning",
            Self::Career => "career",
            Self::Health => "health",
            Self::Wellbeing => "wellbeing",
        }
    }

    /// The word a Dutch-speaking centre's export uses.
    fn dutch(self) -> &'static str {
        match self {
            Self::Truancy => "spijbelen",
            Self::Learning => "leren",
            Self::Career => "loopbaan",
            Self::Health => "gezondheid",
            Self::Wellbeing => "welbevinden",
        }
    }
}

impl std::str::FromStr for GuidanceReason {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.dutch() == s)
            .ok_or_else(|| {
                ParseValueError::new(
                    &s,
                    "a guidance reason (truancy, learning, career, health, wellbeing)",
                )
            })
    }
}

impl GuidanceOutcome {
    pub const ALL: [Self; 4] = [
        Self::Ongoing,
        Self::Resolved,
        Self::Referred,
        Self::LeftSchool,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ongoing => "ongoing",
            Self::Resolved => "resolved",
            Self::Referred => "referred",
            Self::LeftSchool => "left-school",
        }
    }

    fn dutch(self) -> &'static str {
        match self {
            Self::Ongoing => "lopend",
            Self::Resolved => "opgelost",
            Self::Referred => "doorverwezen",
            Self::LeftSchool => "school-verlaten",
        }
    }
}

impl std::str::FromStr for GuidanceOutcome {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s || o.dutch() == s)
            .ok_or_else(|| {
                ParseValueError::new(
                    &s,
                    "a guidance outcome (ongoing, resolved, referred, left-school)",
                )
            })
    }
}

/// A guidance file a pupil guidance centre opened for a pupil of a school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuidanceFile {
    pub pupil: PupilRef,
    pub school: SchoolRef,
    pub opened: NaiveDate,
    pub reason: GuidanceReason,
    /// `None` while the file is open.
    pub closed: Option<NaiveDate>,
    pub outcome: GuidanceOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_outcomes_in_english_or_dutch() {
        assert_eq!("Spijbelen".parse(), Ok(GuidanceReason::Truancy));
        assert_eq!("career".parse(), Ok(GuidanceReason::Career));
        assert_eq!("doorverwezen".parse(), Ok(GuidanceOutcome::Referred));
        let e = "gone".parse::<GuidanceOutcome>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`gone` is not a guidance outcome (ongoing, resolved, referred, left-school)"
        );
    }
}
