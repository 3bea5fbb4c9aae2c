//! Anonymise: the privacy boundary.
//!
//! It takes what ingest read and hands out an [`AnonymisedCity`]: pupils are
//! keyed-hash pseudonyms, schools carry only what a report may show of them.
//! `AnonymisedCity` can be built only here, so benchmark and render, which
//! depend on this crate and not on ingest, never see a pupil number, an
//! address or an alias.

mod pseudonym;

use mirror_ingest::RawCity;
use mirror_model::{
    Absence, Calendar, EducationForm, Enrolment, Level, PupilRef, ReportLanguage, SchoolId,
    SchoolRef, SocioEconomicProfile,
};

pub use pseudonym::{Pseudonym, PseudonymKey};

#[derive(Debug, thiserror::Error)]
pub enum AnonymiseError {
    #[error(
        "no pseudonym key: set the environment variable {env} or pseudonyms.key_file in {config}; keep a real key outside the repository"
    )]
    NoKey { env: &'static str, config: String },
    #[error("{source_name}: cannot read the pseudonym key: {source}")]
    KeyUnreadable {
        source_name: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{source_name}: the pseudonym key must be at least 64 hexadecimal characters (32 bytes)"
    )]
    KeyMalformed { source_name: String },
}

/// What a report may show of a school: no address, no aliases, no neighbourhood.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolProfile {
    pub id: SchoolId,
    /// Printed only in the school's own report.
    pub name: String,
    pub level: Level,
    pub forms: Vec<EducationForm>,
    pub profile: SocioEconomicProfile,
    pub language: ReportLanguage,
    /// Its data had errors: no mirror, and no peer of another school.
    pub held_back: bool,
}

/// The city with pupils pseudonymised; the only input benchmark accepts.
#[derive(Debug)]
pub struct AnonymisedCity {
    schools: Vec<SchoolProfile>,
    pseudonyms: Vec<Pseudonym>,
    enrolments: Vec<Enrolment>,
    absences: Vec<Absence>,
    calendar: Calendar,
}

impl AnonymisedCity {
    /// Index `i` is `SchoolRef(i)`.
    pub fn schools(&self) -> &[SchoolProfile] {
        &self.schools
    }

    pub fn school(&self, school: SchoolRef) -> &SchoolProfile {
        &self.schools[school.index()]
    }

    pub fn pseudonym(&self, pupil: PupilRef) -> Pseudonym {
        self.pseudonyms[pupil.0 as usize]
    }

    /// Sorted by school, pupil and start date.
    pub fn enrolments(&self) -> &[Enrolment] {
        &self.enrolments
    }

    /// Sorted by school, pupil and half day.
    pub fn absences(&self) -> &[Absence] {
        &self.absences
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }
}

/// Replaces every pupil number by its pseudonym and keeps of each school only
/// what a report may show.
pub fn run(raw: RawCity, key: &PseudonymKey) -> AnonymisedCity {
    let pseudonyms = raw
        .pupil_numbers
        .iter()
        .map(|n| key.pseudonym(n.as_str()))
        .collect();
    let schools = raw
        .registry
        .into_iter()
        .enumerate()
        .map(|(i, s)| SchoolProfile {
            id: s.id,
            name: s.name,
            level: s.level,
            forms: s.forms,
            profile: s.profile,
            language: s.language,
            held_back: raw.held_back.contains(&SchoolRef(i as u32)),
        })
        .collect();
    AnonymisedCity {
        schools,
        pseudonyms,
        enrolments: raw.enrolments,
        absences: raw.absences,
        calendar: raw.calendar,
    }
}
