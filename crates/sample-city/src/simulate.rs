//! Pupils through the school years: enrolments, the half days they miss and
//! the guidance files opened for them.

use chrono::{Datelike, NaiveDate, Weekday};
use mirror_model::{EducationForm, HalfDay, HalfDaySlot, Level, SchoolYearCalendar};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, LogNormal, Poisson};

use crate::city::{Neighbourhood, School};

/// A pupil as the generator follows them over the years.
#[derive(Clone)]
pub(crate) struct Pupil {
    pub number: u32,
    pub birth_year: i32,
    /// Grade within the level: 0-2 nursery K1-K3, 3-8 primary P1-P6; 0-6 secondary S1-S7.
    pub grade: u8,
    pub form: EducationForm,
    /// Heavy-tailed: most pupils near 0, a few far above 1.
    pub truancy: f64,
    pub sickliness: f64,
}

impl Pupil {
    pub fn grade_code(&self, level: Level) -> String {
        match level {
            Level::Primary if self.grade < 3 => format!("K{}", self.grade + 1),
            Level::Primary => format!("P{}", self.grade - 2),
            Level::Secondary => format!("S{}", self.grade + 1),
        }
    }
}

pub(crate) struct EnrolmentRow {
    pub pupil: u32,
    pub school: usize,
    pub from: NaiveDate,
    /// `None`: until the end of the school year.
    pub to: Option<NaiveDate>,
    pub grade: String,
    pub form: EducationForm,
    pub birth_year: i32,
}

pub(crate) struct AbsenceRow {
    pub pupil: u32,
    pub school: usize,
    pub slot: HalfDaySlot,
    pub code: &'static str,
}

pub(crate) struct GuidanceRow {
    pub pupil: u32,
    pub school: usize,
    pub opened: NaiveDate,
    pub reason: &'static str,
    pub closed: Option<NaiveDate>,
    pub outcome: &'static str,
}

pub(crate) fn gamma(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    Gamma::new(shape, 1.0 / shape)
        .expect("valid gamma")
        .sample(rng)
}

pub(crate) fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> usize {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).expect("positive lambda").sample(rng) as usize
}

/// The grades a form is taught in (grade indices as in `Pupil::grade`).
pub(crate) fn grades_of(form: EducationForm) -> std::ops::RangeInclusive<u8> {
    match form {
        EducationForm::Nursery => 0..=2,
        EducationForm::Primary => 3..=8,
        EducationForm::General | EducationForm::Arts => 0..=5,
        EducationForm::Technical | EducationForm::Vocational => 0..=6,
        EducationForm::PartTime => 2..=6,
        EducationForm::Reception | EducationForm::SpecialNeeds => 0..=6,
    }
}

/// The age a pupil of this grade has on 1 September without delay.
fn age_of(level: Level, grade: u8) -> i32 {
    match level {
        Level::Primary => 3 + i32::from(grade),
        Level::Secondary => 12 + i32::from(grade),
    }
}

pub(crate) fn new_pupil(
    rng: &mut ChaCha8Rng,
    number: u32,
    school: &School,
    start_year: i32,
    grade: Option<u8>,
) -> Pupil {
    let total: f64 = school.form_weights.iter().sum();
    let mut pick = rng.random::<f64>() * total;
    let mut form = school.forms[0];
    for (f, w) in school.forms.iter().zip(&school.form_weights) {
        pick -= w;
        if pick <= 0.0 {
            form = *f;
            break;
        }
    }
    let grades = grades_of(form);
    let grade = grade
        .filter(|g| grades.contains(g))
        .unwrap_or_else(|| rng.random_range(grades));
    // Grade retention: some pupils are a year or two older than their grade.
    let delay = match rng.random::<f64>() {
        x if x < 0.03 => 2,
        x if x < 0.15 => 1,
        _ => 0,
    };
    Pupil {
        number,
        birth_year: start_year - age_of(school.level, grade) - delay,
        grade,
        form,
        truancy: gamma(rng, 0.3),
        sickliness: gamma(rng, 2.0),
    }
}

/// The share of half days a typical pupil of this form misses without a valid reason.
fn base_rate(form: EducationForm) -> f64 {
    match form {
        EducationForm::Nursery => 0.003,
        EducationForm::Primary => 0.003,
        EducationForm::General => 0.007,
        EducationForm::Arts => 0.012,
        EducationForm::Technical => 0.016,
        EducationForm::Vocational => 0.045,
        EducationForm::PartTime => 0.13,
        EducationForm::Reception => 0.03,
        EducationForm::SpecialNeeds => 0.025,
    }
}

/// How likely a pupil is to skip this half day, relative to an ordinary one.
fn truancy_weight(slot: HalfDaySlot, before_holiday: bool) -> f64 {
    let day = match (slot.date.weekday(), slot.half) {
        (Weekday::Mon, HalfDay::Morning) => 1.9,
        (Weekday::Fri, HalfDay::Afternoon) => 1.8,
        (_, HalfDay::Afternoon) => 1.15,
        _ => 1.0,
    };
    let month =
        [1.3, 1.3, 1.1, 1.0, 1.1, 1.5, 1.0, 1.0, 0.6, 0.9, 1.1, 1.2][slot.date.month0() as usize];
    day * month * if before_holiday { 1.5 } else { 1.0 }
}

/// One school year's lesson half days with their truancy weights, shared by all pupils.
pub(crate) struct YearPattern<'a> {
    pub calendar: &'a SchoolYearCalendar,
    cumulative: Vec<f64>,
}

impl<'a> YearPattern<'a> {
    pub fn new(calendar: &'a SchoolYearCalendar) -> Self {
        let lessons = calendar.lesson_half_days();
        let mut total = 0.0;
        let cumulative = lessons
            .iter()
            .map(|s| {
                // The last week of lessons before a holiday.
                let before = calendar.holidays().iter().any(|h| {
                    let days = (h.from - s.date).num_days();
                    (1..=7).contains(&days)
                });
                total += truancy_weight(*s, before);
                total
            })
            .collect();
        Self {
            calendar,
            cumulative,
        }
    }

    fn lessons(&self) -> &[HalfDaySlot] {
        self.calendar.lesson_half_days()
    }

    /// A lesson half day drawn by weight, as an index.
    fn weighted(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = *self.cumulative.last().unwrap_or(&0.0);
        let x = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|c| *c < x)
            .min(self.cumulative.len() - 1)
    }
}

/// Everything one pupil misses over one enrolment at one school.
#[allow(clippy::too_many_arguments)]
pub(crate) fn absences(
    rng: &mut ChaCha8Rng,
    pattern: &YearPattern<'_>,
    pupil: &Pupil,
    school: &School,
    hood: &Neighbourhood,
    school_factor: f64,
    from: NaiveDate,
    to: NaiveDate,
    school_index: usize,
    out: &mut Vec<AbsenceRow>,
) {
    let lessons = pattern.lessons();
    let first = lessons.partition_point(|s| s.date < from);
    let end = lessons.partition_point(|s| s.date <= to);
    if first >= end {
        return;
    }
    let span = end - first;
    // Which lesson half days (by index) are taken, and by which code.
    let mut codes: Vec<Option<&'static str>> = vec![None; span];
    let whole_day = |codes: &mut Vec<Option<&'static str>>, i: usize, code| {
        // Sickness and most other reasons take whole days.
        let date = lessons[first + i].date;
        for (k, c) in codes.iter_mut().enumerate() {
            if lessons[first + k].date == date && c.is_none() {
                *c = Some(code);
            }
        }
    };
    let year_share = span as f64 / lessons.len() as f64;
    // Sickness: episodes of one to five days, more in winter.
    for _ in 0..poisson(rng, 5.0 * pupil.sickliness * year_share) {
        let start = rng.random_range(0..span);
        let days = 1 + poisson(rng, 1.0).min(4);
        let mut i = start;
        let mut date = lessons[first + start].date;
        let mut counted = 0;
        while i < span && counted < days {
            whole_day(&mut codes, i, "Z");
            while i < span && lessons[first + i].date == date {
                i += 1;
            }
            if i < span {
                date = lessons[first + i].date;
            }
            counted += 1;
        }
    }
    // `mean` occasions a year, each a half day or a whole day.
    let mut single = |codes: &mut Vec<Option<&'static str>>, mean: f64, code, whole| {
        for _ in 0..poisson(rng, mean * year_share) {
            let i = rng.random_range(0..span);
            if whole {
                whole_day(codes, i, code);
            } else if codes[i].is_none() {
                codes[i] = Some(code);
            }
        }
    };
    single(&mut codes, 0.5, "R", true);
    single(&mut codes, 0.9, "P", false);
    match pupil.form {
        EducationForm::PartTime => single(&mut codes, 5.0, "M", false),
        EducationForm::Nursery if pupil.grade < 2 => single(&mut codes, 12.0, "A", false),
        EducationForm::SpecialNeeds if pupil.number.is_multiple_of(4) => {
            // Weekly therapy on a fixed half day.
            let weekday = lessons[first].date.weekday();
            for (k, c) in codes.iter_mut().enumerate() {
                let s = lessons[first + k];
                if s.date.weekday() == weekday && s.half == HalfDay::Afternoon && c.is_none() {
                    *c = Some("H");
                }
            }
        }
        _ => {}
    }
    // Problematic absence, from compulsory school age (5) only.
    let age = from.year() - pupil.birth_year;
    if age >= 5 {
        let age_factor = match school.level {
            Level::Primary => 1.0,
            Level::Secondary => 0.6 + 0.2 * f64::from(pupil.grade),
        };
        let rate = 0.8
            * base_rate(pupil.form)
            * age_factor
            * (0.55 + 1.1 * hood.deprivation)
            * school_factor
            * pupil.truancy;
        let wanted = poisson(rng, rate * span as f64).min(span * 4 / 5);
        // Heavy truants skip in runs of consecutive half days.
        let run = if pupil.truancy > 3.0 { 4 } else { 1 };
        let mut placed = 0;
        let mut attempts = 0;
        while placed < wanted && attempts < wanted * 20 {
            attempts += 1;
            let start = pattern.weighted(rng);
            if start < first || start >= end {
                continue;
            }
            let stop = (start - first + run).min(span);
            for code in &mut codes[start - first..stop] {
                if placed < wanted && code.is_none() {
                    *code = Some("B");
                    placed += 1;
                }
            }
        }
    }
    for (k, code) in codes.into_iter().enumerate() {
        if let Some(code) = code {
            out.push(AbsenceRow {
                pupil: pupil.number,
                school: school_index,
                slot: lessons[first + k],
                code,
            });
        }
    }
}

/// Guidance files: opened for most pupils some school days after their 5th
/// problematic half day, plus a few for other reasons.
pub(crate) fn guidance(
    rng: &mut ChaCha8Rng,
    pattern: &YearPattern<'_>,
    pupil: u32,
    school: usize,
    problematic: &[HalfDaySlot],
    out: &mut Vec<GuidanceRow>,
) {
    let days: Vec<NaiveDate> = {
        let mut d: Vec<NaiveDate> = pattern.lessons().iter().map(|s| s.date).collect();
        d.dedup();
        d
    };
    let day_index = |date: NaiveDate| days.partition_point(|d| *d < date);
    let mut open = |rng: &mut ChaCha8Rng, at: usize, reason| {
        let Some(&opened) = days.get(at) else { return };
        let (closed, outcome) = match rng.random::<f64>() {
            x if x < 0.45 => (
                days.get(at + 20 + rng.random_range(0..60)).copied(),
                "resolved",
            ),
            x if x < 0.65 => (
                days.get(at + 10 + rng.random_range(0..40)).copied(),
                "referred",
            ),
            x if x < 0.7 => (
                days.get(at + 5 + rng.random_range(0..30)).copied(),
                "left-school",
            ),
            _ => (None, "ongoing"),
        };
        out.push(GuidanceRow {
            pupil,
            school,
            opened,
            reason,
            closed,
            outcome: if closed.is_none() { "ongoing" } else { outcome },
        });
    };
    if problematic.len() >= 5 && rng.random_bool(0.88) {
        let fifth = day_index(problematic[4].date);
        let delay = LogNormal::new(10f64.ln(), 0.6)
            .expect("valid")
            .sample(rng)
            .clamp(1.0, 80.0);
        open(rng, fifth + delay as usize, "truancy");
    } else if rng.random_bool(0.02) {
        let reason = ["wellbeing", "learning", "health"][rng.random_range(0..3)];
        let at = rng.random_range(0..days.len());
        open(rng, at, reason);
    }
}
