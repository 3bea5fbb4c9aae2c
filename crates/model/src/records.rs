use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    AbsenceCategory, Calendar, EducationForm, Grade, HalfDaySlot, PupilRef, SchoolRef, SchoolYear,
};

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

/// One pupil's school year at one school, over all its enrolments there.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PupilYear {
    /// Half days the pupil was expected at school (enrolment x calendar).
    pub expected: u32,
    pub problematic: u32,
}

/// Every pupil's year per school: the base of every pupil-level figure and of
/// the cross-check against the government's figures. Absences outside an
/// enrolment are not counted (ingest refuses them).
pub fn pupil_years(
    enrolments: &[Enrolment],
    absences: &[Absence],
    calendar: &Calendar,
) -> HashMap<(SchoolRef, SchoolYear, PupilRef), PupilYear> {
    let mut years: HashMap<(SchoolRef, SchoolYear, PupilRef), PupilYear> = HashMap::new();
    for e in enrolments {
        let year = SchoolYear::containing(e.from);
        let Some(days) = calendar.year(year) else {
            continue; // ingest refuses enrolments outside the calendar
        };
        years.entry((e.school, year, e.pupil)).or_default().expected +=
            days.lesson_half_days_between(e.from, e.to) as u32;
    }
    // Ingest lists a pupil's absences at a school together: one lookup per
    // pupil and year instead of one per absence.
    let pupil_year = |a: &Absence| (a.school, SchoolYear::containing(a.slot.date), a.pupil);
    for run in absences.chunk_by(|a, b| pupil_year(a) == pupil_year(b)) {
        let problematic = run
            .iter()
            .filter(|a| a.category == AbsenceCategory::Problematic)
            .count();
        if problematic > 0
            && let Some(p) = years.get_mut(&pupil_year(&run[0]))
        {
            p.problematic += problematic as u32;
        }
    }
    years
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::HalfDay;

    /// Problematic half days are counted per pupil and year whether or not
    /// a pupil's absences come together; other absences, and absences
    /// outside every enrolment, are not counted.
    #[test]
    fn problematic_half_days_are_counted_per_pupil_and_year() {
        let calendar = Calendar::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/calendar.toml"),
        )
        .unwrap();
        let school = SchoolRef(0);
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let enrolled = |pupil| Enrolment {
            pupil: PupilRef(pupil),
            school,
            from: date(2025, 9, 1),
            to: date(2026, 6, 30),
            grade: Grade::new('P', 3).unwrap(),
            form: EducationForm::Primary,
            birth_year: 2017,
        };
        let absent = |pupil, date, category| Absence {
            pupil: PupilRef(pupil),
            school,
            slot: HalfDaySlot {
                date,
                half: HalfDay::Morning,
            },
            category,
        };
        use AbsenceCategory::{Problematic, Sick};
        let absences = [
            absent(1, date(2025, 10, 6), Problematic),
            absent(1, date(2025, 10, 7), Problematic),
            absent(2, date(2025, 10, 7), Problematic),
            absent(2, date(2025, 10, 8), Sick),
            absent(1, date(2025, 10, 9), Problematic),
            // The next school year: pupil 1 has no enrolment there.
            absent(1, date(2026, 10, 5), Problematic),
        ];
        let years = pupil_years(&[enrolled(1), enrolled(2)], &absences, &calendar);
        let year = SchoolYear::starting(2025);
        let problematic = |pupil| years[&(school, year, PupilRef(pupil))].problematic;
        assert_eq!((problematic(1), problematic(2)), (3, 1));
        assert_eq!(years.len(), 2);
    }
}
