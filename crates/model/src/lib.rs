//! Domain types every stage shares: schools, school years, half days, absence
//! categories, the school calendar and the run configuration.
//!
//! Nothing here names a pupil: pupil numbers are ingest's raw type and never
//! leave the anonymise stage. Stages refer to pupils by [`PupilRef`] only.

mod absence;
mod calendar;
pub mod config;
mod school;
mod time;

pub use absence::AbsenceCategory;
pub use calendar::{Calendar, CalendarError, SchoolDaysOff, SchoolYearCalendar};
pub use config::{Config, ConfigError, IngestSettings};
pub use school::{
    EducationForm, Grade, Level, ReportLanguage, SchoolId, SchoolRef, SocioEconomicProfile,
};
pub use time::{HalfDay, HalfDaySlot, PupilRef, SchoolYear};

/// An error for a value read from a file that is not one of the allowed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not {expected}")]
pub struct ParseValueError {
    pub value: String,
    pub expected: &'static str,
}

impl ParseValueError {
    pub(crate) fn new(value: &str, expected: &'static str) -> Self {
        Self {
            value: value.to_owned(),
            expected,
        }
    }
}

/// How every hash the tool writes (a manifest's, an input's, the city
/// store's) is spelled: lowercase hexadecimal, two digits a byte.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

mod guidance;
mod practice;
mod questionnaire;
mod records;
pub use guidance::{GuidanceFile, GuidanceOutcome, GuidanceReason};
pub use practice::{
    ActionGoal, ChecklistAnswer, ChecklistItem, ChecklistResponse, GoodPractice, Measure, Note,
    NoteBlock, Picked, PlanScope, PracticeConfigError, PracticeText, RuleContext, Run,
    SupportOffer, SupportRule, Texts, Themes, Trigger, load_checklist, load_support_rules,
    scales_asked,
};
pub use questionnaire::{
    AnswerScale, Instrument, Item, Layout, Questionnaire, QuestionnaireError, RespondentGroup,
    Response, Scale, Wording,
};
pub use records::{Absence, AttendanceTotals, Enrolment, GovernmentFigures};
