use serde::{Deserialize, Serialize};

use crate::ParseValueError;

/// What a registered half day means, whatever code the school's package used.
/// The mapping from codes to categories is configuration (`config/absence-codes.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AbsenceCategory {
    Present,
    Sick,
    AuthorisedByLaw,
    AuthorisedByHead,
    /// Unauthorised absence (Flemish code `B`): what truancy figures count.
    Problematic,
    Other,
}

impl AbsenceCategory {
    pub const ALL: [AbsenceCategory; 6] = [
        Self::Present,
        Self::Sick,
        Self::AuthorisedByLaw,
        Self::AuthorisedByHead,
        Self::Problematic,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Sick => "sick",
            Self::AuthorisedByLaw => "authorised-by-law",
            Self::AuthorisedByHead => "authorised-by-head",
            Self::Problematic => "problematic",
            Self::Other => "other",
        }
    }
}

impl std::str::FromStr for AbsenceCategory {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                ParseValueError::new(
                    s,
                    "an absence category (present, sick, authorised-by-law, authorised-by-head, problematic, other)",
                )
            })
    }
}
