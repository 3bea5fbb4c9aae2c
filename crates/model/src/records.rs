use chrono::NaiveDate;

use crate::{AbsenceCategory, EducationForm, Grade, HalfDaySlot, PupilRef, SchoolRef};

/// A pupil enrolled at a school from `from` to `to` (both included), within
/// one school year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub pupil: PupilRef,
    pub school: SchoolRef,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grade: Grade,
    pub form: EducationForm,
    pub birth_year: i32,
}

/// A half day a pupil missed, as registered by the school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Absence {
    pub pupil: PupilRef,
    pub school: SchoolRef,
    pub slot: HalfDaySlot,
    /// Never `Present`: ingest keeps only absences.
    pub category: AbsenceCategory,
}
