use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{AbsenceCategory, EducationForm, Grade, HalfDaySlot, PupilRef, SchoolRef, SchoolYear};

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

/// Half days registered at a school in a period, where only totals exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceTotals {
    pub school: SchoolRef,
    /// A day, or the first and last day of a month or of a school year.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Pupils enrolled in the period.
    pub enrolled: u32,
    /// Half days per category, in the order of [`AbsenceCategory::ALL`]
    /// (present first).
    pub half_days: [u32; 6],
}

impl AttendanceTotals {
    pub fn half_days(&self, category: AbsenceCategory) -> u32 {
        let i = AbsenceCategory::ALL
            .iter()
            .position(|c| *c == category)
            .expect("ALL lists every category");
        self.half_days[i]
    }
}

/// The Flemish government's yearly figures for one school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernmentFigures {
    pub school: SchoolRef,
    pub year: SchoolYear,
    /// Pupils enrolled on the counting day (1 February).
    pub enrolled: u32,
    /// Pupils with at least 15 and 30 problematic half days.
    pub problematic_15_plus: u32,
    pub problematic_30_plus: u32,
    /// Pupils who stay down a grade, are at least a year behind, or left
    /// without a qualification; `None` where not published (e.g. primary).
    pub grade_retention: Option<u32>,
    pub school_delay: Option<u32>,
    pub early_leavers: Option<u32>,
}
