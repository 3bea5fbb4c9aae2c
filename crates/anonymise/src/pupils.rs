//! The pupil records once every pupil number is replaced by its pseudonym:
//! what the city store keeps, so a run over unchanged sources need not read
//! them again.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use mirror_ingest::PupilData;
use mirror_model::{
    Absence, AttendanceTotals, Enrolment, GovernmentFigures, GuidanceFile, GuidanceOutcome,
    SchoolDaysOff,
};

use crate::{Pseudonym, PseudonymKey};

/// The pupil sources as [`mirror_ingest::PupilData`] read them, each pupil a
/// pseudonym: nothing here is a pupil number, a name or free text.
#[derive(Debug, Clone, PartialEq)]
pub struct PupilRecords {
    /// Index `i` is `PupilRef(i)`.
    pub(crate) pseudonyms: Vec<Pseudonym>,
    /// Sorted by school, pupil and start date.
    pub(crate) enrolments: Vec<Enrolment>,
    pub(crate) absences: Vec<Absence>,
    pub(crate) guidance: Vec<GuidanceFile>,
    pub(crate) attendance_totals: Vec<AttendanceTotals>,
    pub(crate) government: Vec<GovernmentFigures>,
    pub(crate) days_off: SchoolDaysOff,
    /// How long the pupil numbers are, so that only words of those lengths
    /// are hashed when free text is searched for them.
    pub(crate) number_lengths: BTreeSet<usize>,
}

impl PupilRecords {
    pub fn pseudonymise(data: PupilData, key: &PseudonymKey) -> Self {
        Self {
            pseudonyms: data
                .pupil_numbers
                .iter()
                .map(|n| key.pseudonym(n.as_str()))
                .collect(),
            number_lengths: data
                .pupil_numbers
                .iter()
                .map(|n| n.as_str().len())
                .collect(),
            enrolments: sorted_enrolments(data.enrolments),
            absences: data.absences,
            guidance: data.guidance,
            attendance_totals: data.attendance_totals,
            government: data.government,
            days_off: data.days_off,
        }
    }

    /// The records as they were known on `day`, for a year-to-date report:
    /// guidance files opened later are left out, and one closed later is
    /// still open. Registrations, enrolments and attendance totals are cut
    /// by the period itself in benchmark.
    pub fn as_known_on(&mut self, day: NaiveDate) {
        self.guidance.retain(|f| f.opened <= day);
        for file in &mut self.guidance {
            if file.closed.is_some_and(|closed| closed > day) {
                file.closed = None;
                file.outcome = GuidanceOutcome::Ongoing;
            }
        }
    }

    /// What tells the redactor and the leak guard a pupil number in free
    /// text.
    pub(crate) fn numbers(&self, key: &PseudonymKey) -> PupilNumbers {
        PupilNumbers {
            pseudonyms: self.pseudonyms.iter().copied().collect(),
            lengths: self.number_lengths.clone(),
            key: Some(key.clone()),
        }
    }
}

/// The enrolments sorted by school, pupil and start date, as
/// [`crate::AnonymisedCity::enrolments`] promises: ingest sorts them so, a
/// city built otherwise (a test's) is sorted here.
fn sorted_enrolments(mut enrolments: Vec<Enrolment>) -> Vec<Enrolment> {
    if !enrolments.is_sorted_by_key(|e| (e.school, e.pupil, e.from)) {
        enrolments.sort_by_key(|e| (e.school, e.pupil, e.from));
    }
    enrolments
}

/// Tells whether a word is one of the city's pupil numbers without holding
/// any: the word is hashed with the city's key and looked up among the
/// pseudonyms. `Default` knows no pupil number.
#[derive(Clone, Default)]
pub struct PupilNumbers {
    pseudonyms: HashSet<Pseudonym>,
    lengths: BTreeSet<usize>,
    key: Option<PseudonymKey>,
}

// Debug shows a count, never a pseudonym.
impl std::fmt::Debug for PupilNumbers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PupilNumbers({} pupils)", self.pseudonyms.len())
    }
}

impl PupilNumbers {
    pub fn contains(&self, word: &str) -> bool {
        self.lengths.contains(&word.len())
            && self
                .key
                .as_ref()
                .is_some_and(|key| self.pseudonyms.contains(&key.pseudonym(word)))
    }

    pub fn len(&self) -> usize {
        self.pseudonyms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pseudonyms.is_empty()
    }
}

#[cfg(test)]
impl PupilNumbers {
    /// `numbers` under a test key.
    pub(crate) fn of(numbers: &[&str]) -> Self {
        let key = PseudonymKey::from_hex(&"ab".repeat(32), "test").expect("a valid key");
        Self {
            pseudonyms: numbers.iter().map(|n| key.pseudonym(n)).collect(),
            lengths: numbers.iter().map(|n| n.len()).collect(),
            key: Some(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use mirror_model::{GuidanceReason, PupilRef, SchoolRef};

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 9, d).unwrap()
    }

    fn no_records() -> PupilRecords {
        PupilRecords {
            pseudonyms: Vec::new(),
            enrolments: Vec::new(),
            absences: Vec::new(),
            guidance: Vec::new(),
            attendance_totals: Vec::new(),
            government: Vec::new(),
            days_off: SchoolDaysOff::default(),
            number_lengths: BTreeSet::new(),
        }
    }

    /// Up to Friday 6 September: the file opened on the 11th is gone; the
    /// one closed on the 5th stays closed, the one closed on the 9th is
    /// still open on the 6th.
    #[test]
    fn records_as_known_on_a_day_hold_no_guidance_dated_after_it() {
        let file = |opened, closed: Option<u32>| GuidanceFile {
            pupil: PupilRef(0),
            school: SchoolRef(0),
            opened: day(opened),
            reason: GuidanceReason::Truancy,
            closed: closed.map(day),
            outcome: if closed.is_some() {
                GuidanceOutcome::Resolved
            } else {
                GuidanceOutcome::Ongoing
            },
        };
        let mut records = PupilRecords {
            guidance: vec![file(2, Some(5)), file(2, Some(9)), file(11, None)],
            ..no_records()
        };
        records.as_known_on(day(6));
        assert_eq!(records.guidance, [file(2, Some(5)), file(2, None)]);
    }

    #[test]
    fn a_pupil_number_is_found_by_its_pseudonym_alone() {
        let key = PseudonymKey::from_hex(&"ab".repeat(32), "test").unwrap();
        let records = PupilRecords {
            pseudonyms: vec![key.pseudonym("10000003")],
            number_lengths: [8].into(),
            ..no_records()
        };
        let numbers = records.numbers(&key);
        assert!(numbers.contains("10000003"));
        assert!(!numbers.contains("10000004"));
        assert!(!numbers.contains("100000031"));
        let other = PseudonymKey::from_hex(&"cd".repeat(32), "test").unwrap();
        assert!(!records.numbers(&other).contains("10000003"));
        assert!(!PupilNumbers::default().contains("10000003"));
    }
}
