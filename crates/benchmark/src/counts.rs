//! Whole-number counts per school and period, from which every truancy
//! figure is a ratio: sums of integers do not depend on the order they are
//! added in, so the figures are the same however the work is split.
//!
//! Each school is counted on its own (in parallel): its enrolments and the
//! absences it registered, over its own lesson half days (the city calendar
//! without the school's days off). A pupil who changes school mid-year
//! counts for each school only over the enrolment there.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use mirror_anonymise::AnonymisedCity;
use mirror_model::{
    Absence, AbsenceCategory, EducationForm, Enrolment, Grade, GuidanceReason, HalfDay, PupilRef,
    SchoolRef, SchoolYearCalendar,
};
use rayon::prelude::*;

use crate::Period;
use crate::significance::RatioAccumulator;

/// Which pupils a school's figures are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cohort {
    /// Every pupil enrolled at some time in the period, over that enrolment.
    Enrolled,
    /// Only pupils enrolled on this day of the school year (the government
    /// counts those enrolled on 1 February), over their enrolment at the
    /// school. A period ending before the day uses its last day instead.
    EnrolledOn { month: u32, day: u32 },
}

/// Half days pupils were expected at school and how many of them were
/// problematic absence, for one part of a period (a month, a weekday, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HalfDays {
    pub expected: u64,
    pub problematic: u64,
}

impl HalfDays {
    fn add(&mut self, other: HalfDays) {
        self.expected += other.expected;
        self.problematic += other.problematic;
    }

    /// Problematic half days over expected ones; 0 when none were expected.
    pub fn rate(self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            self.problematic as f64 / self.expected as f64
        }
    }
}

/// A part of a school's pupils (a grade, an education form) and their half days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Part {
    pub pupils: u32,
    pub half_days: HalfDays,
}

/// School months with lessons, September (0) to June (9).
pub const MONTHS: usize = 10;
/// Monday (0) to Sunday (6); a calendar may have lessons on a Saturday.
const WEEKDAYS: usize = 7;

/// Lesson days next to a holiday: the last before it, the first after it,
/// and every other day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NearHoliday {
    LastDayBefore = 0,
    FirstDayAfter = 1,
    OtherDays = 2,
}

/// What the pupil guidance centre did for the pupils who reached the first
/// threshold (5 problematic half days: a guidance file is compulsory).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuidanceCounts {
    /// Pupils who reached the first threshold in the period.
    pub reached: u32,
    /// Of them, pupils with a truancy guidance file opened at the school in
    /// the school year (up to the end of the period).
    pub with_file: u32,
    /// Per pupil with a file: school days from the day of the threshold half
    /// day to the opening (0 when the file was opened earlier), sorted.
    pub days_to_file: Vec<u32>,
    /// Problematic absence of those pupils in the 20 school days before the
    /// opening and in the 20 school days from the opening on.
    pub before_file: HalfDays,
    pub after_file: HalfDays,
}

/// A school's truancy counts over one period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeriodCounts {
    /// Pupils expected at school on at least one half day.
    pub pupils: u32,
    /// Half days pupils were expected at school (enrolment x calendar) and
    /// problematic ones.
    pub half_days: HalfDays,
    /// Absent half days per category, in the order of [`AbsenceCategory::ALL`]
    /// (`Present` stays 0: only absences are registered).
    pub absent: [u64; 6],
    /// Pupils with at least each threshold of problematic half days.
    pub pupils_from_threshold: Vec<u32>,
    /// Pupils per band: 0, 1 to the first threshold - 1, ..., from the last threshold.
    pub pupils_per_band: Vec<u32>,
    /// Each pupil's problematic and expected half days, for the variance of
    /// the rate (half days of one pupil are not independent).
    pub per_pupil: RatioAccumulator,
    pub by_month: [HalfDays; MONTHS],
    /// Per weekday, morning and afternoon.
    pub by_weekday: [[HalfDays; 2]; WEEKDAYS],
    pub by_grade: BTreeMap<Grade, Part>,
    pub by_form: BTreeMap<EducationForm, Part>,
    /// In the order of [`NearHoliday`].
    pub near_holidays: [HalfDays; 3],
    /// Pupils whose problematic half day number `thresholds[0]` fell in each month.
    pub first_threshold_reached_by_month: [u32; MONTHS],
    pub guidance: GuidanceCounts,
}

/// Month index of a school-year date: September 0 ... June 9 (July and
/// August, without lessons, fold into June).
pub fn school_month(date: NaiveDate) -> usize {
    ((date.month() as usize + 3) % 12).min(MONTHS - 1)
}

/// The buckets a lesson half day counts in, as column numbers.
const BUCKETS: usize = MONTHS + WEEKDAYS * 2 + 3;

fn buckets_of(slot_date: NaiveDate, half: HalfDay, near: NearHoliday) -> [usize; 3] {
    let weekday = slot_date.weekday().num_days_from_monday() as usize;
    let half = usize::from(half == HalfDay::Afternoon);
    [
        school_month(slot_date),
        MONTHS + weekday * 2 + half,
        MONTHS + WEEKDAYS * 2 + near as usize,
    ]
}

/// One school year's lesson half days with running totals per bucket, so the
/// expected half days of an enrolment in each bucket are two lookups.
struct YearIndex<'a> {
    calendar: &'a SchoolYearCalendar,
    /// Bucket columns of each lesson half day.
    buckets: Vec<[usize; 3]>,
    /// `running[i][b]`: lesson half days before index i in bucket b.
    running: Vec<[u32; BUCKETS]>,
    /// Distinct lesson dates, for counting school days.
    days: Vec<NaiveDate>,
    /// Index of each half day's lesson from the first lesson day on, by
    /// days since it x 2 + afternoon; `NO_LESSON` on a half day without:
    /// one look-up per absence instead of a binary search.
    slots: Vec<u32>,
}

const NO_LESSON: u32 = u32::MAX;

impl<'a> YearIndex<'a> {
    fn new(calendar: &'a SchoolYearCalendar) -> Self {
        let lessons = calendar.lesson_half_days();
        let mut days: Vec<NaiveDate> = lessons.iter().map(|s| s.date).collect();
        days.dedup();
        let mut near = vec![NearHoliday::OtherDays; days.len()];
        for h in calendar.holidays() {
            let before = days.partition_point(|d| *d < h.from);
            let after = days.partition_point(|d| *d <= h.to);
            // Only a holiday inside the lesson year has both sides.
            if before > 0 && after < days.len() {
                near[before - 1] = NearHoliday::LastDayBefore;
                near[after] = NearHoliday::FirstDayAfter;
            }
        }
        let buckets: Vec<[usize; 3]> = lessons
            .iter()
            .map(|s| {
                let day = days.partition_point(|d| *d < s.date);
                buckets_of(s.date, s.half, near[day])
            })
            .collect();
        let mut running = Vec::with_capacity(lessons.len() + 1);
        let mut sum = [0u32; BUCKETS];
        running.push(sum);
        for b in &buckets {
            for col in b {
                sum[*col] += 1;
            }
            running.push(sum);
        }
        let mut slots = Vec::new();
        if let (Some(first), Some(last)) = (days.first(), days.last()) {
            slots = vec![NO_LESSON; ((*last - *first).num_days() as usize + 1) * 2];
            for (i, s) in lessons.iter().enumerate() {
                slots[Self::slot_key(*first, s.date, s.half)] = i as u32;
            }
        }
        Self {
            calendar,
            buckets,
            running,
            days,
            slots,
        }
    }

    /// By day numbers: chrono's date difference works through years and
    /// ordinals, and this runs once per absence.
    fn slot_key(first: NaiveDate, date: NaiveDate, half: HalfDay) -> usize {
        (date.num_days_from_ce() - first.num_days_from_ce()) as usize * 2
            + usize::from(half == HalfDay::Afternoon)
    }

    /// Index range of the lesson half days from `from` to `to`, both included.
    fn range(&self, from: NaiveDate, to: NaiveDate) -> std::ops::Range<usize> {
        let lessons = self.calendar.lesson_half_days();
        let start = lessons.partition_point(|s| s.date < from);
        let end = lessons.partition_point(|s| s.date <= to);
        start..end.max(start)
    }

    fn position(&self, date: NaiveDate, half: HalfDay) -> Option<usize> {
        let first = *self.days.first()?;
        if date < first {
            return None;
        }
        let i = *self.slots.get(Self::slot_key(first, date, half))?;
        (i != NO_LESSON).then_some(i as usize)
    }

    /// Lesson half days of the [`FOLLOW_UP_SCHOOL_DAYS`] school days before
    /// `opened` and of as many from it on.
    fn follow_up_windows(&self, opened: NaiveDate) -> [std::ops::Range<usize>; 2] {
        let lessons = self.calendar.lesson_half_days();
        let first_of_day = |day: usize| match self.days.get(day) {
            Some(d) => lessons.partition_point(|s| s.date < *d),
            None => lessons.len(),
        };
        let day = self.days.partition_point(|d| *d < opened);
        let at = first_of_day(day);
        [
            first_of_day(day.saturating_sub(FOLLOW_UP_SCHOOL_DAYS))..at,
            at..first_of_day(day + FOLLOW_UP_SCHOOL_DAYS),
        ]
    }

    /// School days from `from` (excluded) to `to` (included).
    fn school_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let a = self.days.partition_point(|d| *d <= from);
        let b = self.days.partition_point(|d| *d <= to);
        b.saturating_sub(a) as u32
    }
}

/// How long before and after a guidance file's opening absence is compared:
/// 20 school days, about four weeks.
const FOLLOW_UP_SCHOOL_DAYS: usize = 20;

/// Counts of every school over each of `periods`, in their order; in each,
/// schools without a pupil expected are left out. A school's periods are
/// counted together, pupil by pupil: each pupil's absences are read from
/// memory once for all of them, not once a period (waiting for them was a
/// third of counting).
pub(crate) fn count(
    city: &AnonymisedCity,
    by_school: &Tables,
    periods: &[Period],
    thresholds: &[u32],
    cohort: Cohort,
) -> Vec<BTreeMap<SchoolRef, PeriodCounts>> {
    // The periods the calendar has lessons for, with the city's index.
    let calendars: Vec<(usize, &SchoolYearCalendar, YearIndex)> = periods
        .iter()
        .enumerate()
        .filter_map(|(k, p)| {
            let calendar = city.calendar().year(p.year)?;
            Some((k, calendar, YearIndex::new(calendar)))
        })
        .collect();
    let schools: Vec<Vec<PeriodCounts>> = (0..city.schools().len())
        .into_par_iter()
        .map(|i| {
            let school = SchoolRef(i as u32);
            // A school with days off has its own lesson half days: they are
            // no expected half days, no weekday half and no school day next
            // to a holiday (but not a holiday either).
            let own: Vec<Cow<SchoolYearCalendar>> = calendars
                .iter()
                .map(|(_, calendar, _)| city.days_off().school_year(school, calendar))
                .collect();
            let own_indexes: Vec<Option<YearIndex>> = own
                .iter()
                .map(|year| match year {
                    Cow::Borrowed(_) => None,
                    Cow::Owned(year) => Some(YearIndex::new(year)),
                })
                .collect();
            let counted: Vec<(&Period, &YearIndex)> = calendars
                .iter()
                .zip(&own_indexes)
                .map(|((k, _, city_index), own)| (&periods[*k], own.as_ref().unwrap_or(city_index)))
                .collect();
            count_school(by_school, school, &counted, thresholds, cohort)
        })
        .collect();
    let mut counts = vec![BTreeMap::new(); periods.len()];
    for (i, counted) in schools.into_iter().enumerate() {
        for ((k, _, _), c) in calendars.iter().zip(counted) {
            if c.pupils > 0 {
                counts[*k].insert(SchoolRef(i as u32), c);
            }
        }
    }
    counts
}

/// The city's enrolments, absences and guidance files by school and pupil,
/// sorted once for every period of a run.
pub(crate) struct Tables<'a> {
    enrolments: Vec<&'a Enrolment>,
    /// Sorted by school, pupil and half day.
    absences: Cow<'a, [Absence]>,
    /// Where each school's pupil's absences are, sorted by school and pupil:
    /// every period finds a pupil's absences without walking those of the
    /// other school years.
    runs: Vec<AbsenceRun>,
    /// Opening dates of truancy guidance files per school and pupil.
    files: HashMap<(SchoolRef, PupilRef), Vec<NaiveDate>>,
}

impl<'a> Tables<'a> {
    pub(crate) fn new(city: &'a AnonymisedCity) -> Self {
        let mut enrolments: Vec<&Enrolment> = city.enrolments().iter().collect();
        enrolments.sort_by_key(|e| (e.school, e.pupil, e.from));
        // Ingest sorts absences by school, pupil and half day; counting
        // relies on it, so a city built otherwise is sorted here.
        let absences = city.absences();
        let absences = if in_counting_order(absences) {
            Cow::Borrowed(absences)
        } else {
            let mut sorted = absences.to_vec();
            sorted.sort_unstable_by_key(|a| (a.school, a.pupil, a.slot));
            Cow::Owned(sorted)
        };
        let mut runs = Vec::new();
        let mut start = 0;
        for run in absences.chunk_by(|a, b| (a.school, a.pupil) == (b.school, b.pupil)) {
            runs.push(AbsenceRun {
                school: run[0].school,
                pupil: run[0].pupil,
                absences: start..start + run.len(),
            });
            start += run.len();
        }
        let mut files: HashMap<(SchoolRef, PupilRef), Vec<NaiveDate>> = HashMap::new();
        for f in city.guidance() {
            if f.reason == GuidanceReason::Truancy {
                files.entry((f.school, f.pupil)).or_default().push(f.opened);
            }
        }
        for v in files.values_mut() {
            v.sort();
        }
        Self {
            enrolments,
            absences,
            runs,
            files,
        }
    }

    fn of_school<T>(items: &[T], school: SchoolRef, key: impl Fn(&T) -> SchoolRef) -> &[T] {
        let start = items.partition_point(|x| key(x) < school);
        let end = items.partition_point(|x| key(x) <= school);
        &items[start..end]
    }
}

/// Whether `absences` are sorted by school, pupil and half day: checked in
/// pieces on every core, as a report on request checks millions (two thirds
/// of building [`Tables`] on one core).
fn in_counting_order(absences: &[Absence]) -> bool {
    const PIECE: usize = 1 << 16;
    let key = |a: &Absence| (a.school, a.pupil, a.slot);
    absences.par_chunks(PIECE).all(|c| c.is_sorted_by_key(key))
        && (PIECE..absences.len())
            .step_by(PIECE)
            .all(|i| key(&absences[i - 1]) <= key(&absences[i]))
}

/// One pupil's absences at one school, as indices into [`Tables`]' absences.
struct AbsenceRun {
    school: SchoolRef,
    pupil: PupilRef,
    absences: std::ops::Range<usize>,
}

/// One pupil's tally at one school in the period.
#[derive(Default)]
struct PupilTally {
    expected: u64,
    problematic: u32,
    reached_on: Option<NaiveDate>,
    /// Lesson-index ranges the pupil was expected in.
    enrolled: Vec<std::ops::Range<usize>>,
    /// Lesson indices of the problematic half days.
    problematic_at: Vec<usize>,
    grades: Vec<Grade>,
    forms: Vec<EducationForm>,
}

/// One school's counts over each of `periods`, with the lesson index of
/// its calendar in that period's school year.
fn count_school(
    tables: &Tables,
    school: SchoolRef,
    periods: &[(&Period, &YearIndex)],
    thresholds: &[u32],
    cohort: Cohort,
) -> Vec<PeriodCounts> {
    let mut counts: Vec<PeriodCounts> = periods
        .iter()
        .map(|_| PeriodCounts {
            pupils_from_threshold: vec![0; thresholds.len()],
            pupils_per_band: vec![0; thresholds.len() + 2],
            ..Default::default()
        })
        .collect();
    let cohort_days: Vec<Option<NaiveDate>> = periods
        .iter()
        .map(|(period, _)| match cohort {
            Cohort::Enrolled => None,
            Cohort::EnrolledOn { month, day } => {
                let y = if month >= 9 {
                    period.year.start_year()
                } else {
                    period.year.start_year() + 1
                };
                NaiveDate::from_ymd_opt(y, month, day).map(|d| d.min(period.to))
            }
        })
        .collect();
    let enrolments = Tables::of_school(&tables.enrolments, school, |e| e.school);
    let runs = Tables::of_school(&tables.runs, school, |r| r.school);
    let mut runs = runs.iter().peekable();
    for pupil_enrolments in enrolments.chunk_by(|a, b| a.pupil == b.pupil) {
        let pupil = pupil_enrolments[0].pupil;
        // This pupil's absences at the school: runs and enrolments are
        // both in pupil order, so a walk forward finds them.
        while runs.next_if(|r| r.pupil < pupil).is_some() {}
        let own = match runs.next_if(|r| r.pupil == pupil) {
            Some(run) => &tables.absences[run.absences.clone()],
            None => &[],
        };
        for (((period, index), c), cohort_day) in periods.iter().zip(&mut counts).zip(&cohort_days)
        {
            if let Some(day) = cohort_day
                && !pupil_enrolments
                    .iter()
                    .any(|e| e.from <= *day && *day <= e.to)
            {
                continue;
            }
            count_pupil(
                c,
                pupil_enrolments,
                own,
                index,
                period,
                thresholds,
                tables,
                school,
            );
        }
    }
    for c in &mut counts {
        c.guidance.days_to_file.sort_unstable();
    }
    counts
}

/// Adds one pupil's enrolments at a school, and `own` absences there, to
/// the school's counts `c` over `period`.
#[allow(clippy::too_many_arguments)]
fn count_pupil(
    c: &mut PeriodCounts,
    pupil_enrolments: &[&Enrolment],
    own: &[Absence],
    index: &YearIndex,
    period: &Period,
    thresholds: &[u32],
    tables: &Tables,
    school: SchoolRef,
) {
    let mut t = PupilTally::default();
    for e in pupil_enrolments {
        let (from, to) = (e.from.max(period.from), e.to.min(period.to));
        if from > to {
            continue;
        }
        let range = index.range(from, to);
        if range.is_empty() {
            continue;
        }
        let (lo, hi) = (&index.running[range.start], &index.running[range.end]);
        let expected = u64::from(range.len() as u32);
        t.expected += expected;
        for (k, month) in c.by_month.iter_mut().enumerate() {
            month.expected += u64::from(hi[k] - lo[k]);
        }
        for (d, halves) in c.by_weekday.iter_mut().enumerate() {
            for (h, half) in halves.iter_mut().enumerate() {
                let k = MONTHS + d * 2 + h;
                half.expected += u64::from(hi[k] - lo[k]);
            }
        }
        for (n, near) in c.near_holidays.iter_mut().enumerate() {
            let k = MONTHS + WEEKDAYS * 2 + n;
            near.expected += u64::from(hi[k] - lo[k]);
        }
        let mut problematic = 0;
        // The pupil's absences are in half-day order: only those of
        // the enrolment's days in the period are visited, not every
        // year's.
        let first = own.partition_point(|a| a.slot.date < from);
        let last = own.partition_point(|a| a.slot.date <= to);
        for a in &own[first..last.max(first)] {
            let Some(i) = index.position(a.slot.date, a.slot.half) else {
                continue; // ingest refuses absences on days without lessons
            };
            c.absent[category_index(a.category)] += 1;
            if a.category != AbsenceCategory::Problematic {
                continue;
            }
            problematic += 1;
            t.problematic += 1;
            t.problematic_at.push(i);
            let [month, weekday, near] = index.buckets[i];
            c.by_month[month].problematic += 1;
            c.by_weekday[(weekday - MONTHS) / 2][(weekday - MONTHS) % 2].problematic += 1;
            c.near_holidays[near - MONTHS - WEEKDAYS * 2].problematic += 1;
        }
        let slice = HalfDays {
            expected,
            problematic,
        };
        // A pupil counts once in a grade or form, however many enrolments.
        let first_in_grade = !t.grades.contains(&e.grade);
        let first_in_form = !t.forms.contains(&e.form);
        let grade = c.by_grade.entry(e.grade).or_default();
        grade.half_days.add(slice);
        grade.pupils += u32::from(first_in_grade);
        let form = c.by_form.entry(e.form).or_default();
        form.half_days.add(slice);
        form.pupils += u32::from(first_in_form);
        t.grades.push(e.grade);
        t.forms.push(e.form);
        t.enrolled.push(range);
    }
    if t.expected == 0 {
        return;
    }
    t.problematic_at.sort_unstable();
    if let Some(first) = thresholds.first()
        && let Some(i) = t.problematic_at.get(*first as usize - 1)
    {
        t.reached_on = Some(index.calendar.lesson_half_days()[*i].date);
    }
    let pupil = pupil_enrolments[0].pupil;
    add_pupil(
        c,
        &t,
        thresholds,
        index,
        tables.files.get(&(school, pupil)),
        period,
    );
}

fn add_pupil(
    c: &mut PeriodCounts,
    t: &PupilTally,
    thresholds: &[u32],
    index: &YearIndex,
    files: Option<&Vec<NaiveDate>>,
    period: &Period,
) {
    c.pupils += 1;
    c.half_days.add(HalfDays {
        expected: t.expected,
        problematic: u64::from(t.problematic),
    });
    c.per_pupil.add(u64::from(t.problematic), t.expected);
    for (n, th) in c.pupils_from_threshold.iter_mut().zip(thresholds) {
        *n += u32::from(t.problematic >= *th);
    }
    c.pupils_per_band[band_of(t.problematic, thresholds)] += 1;
    let Some(reached) = t.reached_on else {
        return;
    };
    c.guidance.reached += 1;
    c.first_threshold_reached_by_month[school_month(reached)] += 1;
    // The school year's first truancy file, opened by the end of the period.
    let year_start = period.year.first_day();
    let Some(opened) = files
        .into_iter()
        .flatten()
        .find(|d| **d >= year_start && **d <= period.to)
    else {
        return;
    };
    c.guidance.with_file += 1;
    c.guidance
        .days_to_file
        .push(index.school_days_between(reached, *opened));
    let [before, after] = index.follow_up_windows(*opened);
    for (window, tally) in [
        (before, &mut c.guidance.before_file),
        (after, &mut c.guidance.after_file),
    ] {
        for r in &t.enrolled {
            let (lo, hi) = (r.start.max(window.start), r.end.min(window.end));
            tally.expected += hi.saturating_sub(lo) as u64;
        }
        tally.problematic += t
            .problematic_at
            .iter()
            .filter(|i| window.contains(i))
            .count() as u64;
    }
}

fn category_index(category: AbsenceCategory) -> usize {
    AbsenceCategory::ALL
        .iter()
        .position(|c| *c == category)
        .expect("ALL lists every category")
}

/// Band 0 is no problematic half day, band 1 is 1 to the first threshold - 1,
/// band i + 2 starts at threshold i.
fn band_of(problematic: u32, thresholds: &[u32]) -> usize {
    if problematic == 0 {
        0
    } else {
        1 + thresholds.iter().filter(|t| problematic >= **t).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Campus Eik (tiny city, school 5) has 2 pupils enrolled over both
    /// weeks: 2 x 18 = 36 expected half days, Thursday mornings and
    /// afternoons 2 x 2 = 4 each. A pedagogical study day on Thursday 12
    /// September takes out the pupils enrolled that day times two half
    /// days: 36 - 2 x 2 = 32, and 2 on each Thursday half. Instituut Den
    /// (school 4, also 2 pupils all along) keeps its 36.
    #[test]
    fn a_study_day_lowers_the_school_s_expected_half_days_by_pupils_times_two() {
        use mirror_model::{HalfDaySlot, SchoolDaysOff, SchoolYear};
        let thursday = NaiveDate::from_ymd_opt(2024, 9, 12).unwrap();
        let eik = SchoolRef(4);
        let (city, settings) = crate::tests::tiny_city_anonymised_with(|_, pupils| {
            pupils.days_off =
                SchoolDaysOff::new([HalfDay::Morning, HalfDay::Afternoon].map(|half| {
                    (
                        eik,
                        HalfDaySlot {
                            date: thursday,
                            half,
                        },
                    )
                }));
        });
        let period = Period::whole(SchoolYear::starting(2024));
        let counts = count(
            &city,
            &Tables::new(&city),
            &[period],
            &settings.thresholds.problematic_half_days,
            Cohort::Enrolled,
        )
        .remove(0);
        assert_eq!(counts[&SchoolRef(3)].half_days.expected, 36);
        let c = &counts[&eik];
        assert_eq!(c.pupils, 2);
        assert_eq!(c.half_days.expected, 32);
        assert_eq!(c.by_weekday[3][0].expected, 2);
        assert_eq!(c.by_weekday[3][1].expected, 2);
        assert_eq!(c.by_month[0].expected, 32);
        // No holiday in these two weeks: every half day is an ordinary one.
        assert_eq!(
            c.near_holidays[NearHoliday::OtherDays as usize].expected,
            32
        );
        // The absences (Tue 3, Wed 4, Fri 13) all count still.
        assert_eq!(c.half_days.problematic, 3);
    }

    #[test]
    fn the_order_is_checked_within_and_across_pieces() {
        let day = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        // 70,000 absences: two pieces of the check, the second partly filled.
        let mut absences: Vec<Absence> = (0..70_000u32)
            .map(|i| Absence {
                pupil: PupilRef(i / 10),
                school: SchoolRef(i / 35_000),
                slot: mirror_model::HalfDaySlot {
                    date: day + chrono::Days::new(u64::from(i % 10)),
                    half: HalfDay::Morning,
                },
                category: AbsenceCategory::Problematic,
            })
            .collect();
        assert!(in_counting_order(&absences));
        // Out of order only where one piece meets the next.
        absences.swap(65_535, 65_536);
        assert!(!in_counting_order(&absences));
        absences.swap(65_535, 65_536);
        // Out of order inside the second piece.
        absences.swap(69_000, 69_001);
        assert!(!in_counting_order(&absences));
        assert!(in_counting_order(&[]));
    }

    #[test]
    fn bands_follow_the_thresholds() {
        let t = [5, 10, 15, 30];
        let bands: Vec<usize> = [0, 1, 4, 5, 9, 10, 14, 15, 29, 30, 200]
            .iter()
            .map(|p| band_of(*p, &t))
            .collect();
        assert_eq!(bands, [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    }

    #[test]
    fn school_months_run_from_september() {
        let d = |m| NaiveDate::from_ymd_opt(2024, m, 10).unwrap();
        assert_eq!(school_month(d(9)), 0);
        assert_eq!(school_month(d(12)), 3);
        assert_eq!(school_month(d(1)), 4);
        assert_eq!(school_month(d(6)), 9);
        assert_eq!(school_month(d(7)), 9);
    }

    /// Two weeks, 2-13 September 2024, Wednesday afternoons free, and a
    /// break from Thursday 5 to Monday 9 September: lesson days Mon 2, Tue 3,
    /// Wed 4, then Tue 10 to Fri 13. Wed 4 is the last day before the break,
    /// Tue 10 the first after it.
    #[test]
    fn days_next_to_a_holiday_and_school_days_by_hand() {
        let calendar = mirror_model::Calendar::parse(
            r#"
weekly_free_half_days = ["wednesday-pm"]
[[school_year]]
year = "2024-2025"
first_day = "2024-09-02"
last_day = "2024-09-13"
holidays = [{ name = "break", from = "2024-09-05", to = "2024-09-09" }]
"#,
            std::path::Path::new("calendar.toml"),
        )
        .unwrap();
        let year = calendar
            .year(mirror_model::SchoolYear::starting(2024))
            .unwrap();
        let index = YearIndex::new(year);
        let d = |day| NaiveDate::from_ymd_opt(2024, 9, day).unwrap();
        // Half days: Mon 2, Tue 2, Wed 1 (am), then Tue 10 2, Wed 11 1,
        // Thu 12 2, Fri 13 2: 12 in all.
        assert_eq!(index.range(d(1), d(30)), 0..12);
        let near = |i: usize| index.buckets[i][2] - MONTHS - WEEKDAYS * 2;
        let classes: Vec<usize> = (0..12).map(near).collect();
        let (before, after, other) = (
            NearHoliday::LastDayBefore as usize,
            NearHoliday::FirstDayAfter as usize,
            NearHoliday::OtherDays as usize,
        );
        assert_eq!(
            classes,
            [
                other, other, other, other, before, after, after, other, other, other, other, other
            ]
        );
        // School days after Wed 4 up to Thu 12: Tue 10, Wed 11, Thu 12.
        assert_eq!(index.school_days_between(d(4), d(12)), 3);
        // A file opened on Tue 10: the school days before it are Mon 2 to
        // Wed 4 (5 half days; fewer than 20 days), from it on Tue 10 to Fri 13.
        assert_eq!(index.follow_up_windows(d(10)), [0..5, 5..12]);
        // A file opened before the threshold day counts 0 days.
        assert_eq!(index.school_days_between(d(12), d(4)), 0);
        // Lesson positions: Wed 4 am is the 5th half day, Wed 4 pm free,
        // Thu 5 in the break, Tue 10 pm the 7th, nothing before or after.
        let (am, pm) = (HalfDay::Morning, HalfDay::Afternoon);
        assert_eq!(index.position(d(4), am), Some(4));
        assert_eq!(index.position(d(4), pm), None);
        assert_eq!(index.position(d(5), am), None);
        assert_eq!(index.position(d(10), pm), Some(6));
        assert_eq!(index.position(d(13), pm), Some(11));
        assert_eq!(index.position(d(1), am), None);
        assert_eq!(index.position(d(14), am), None);
        // Running sums: Tuesday mornings (weekday 1, half 0) in the whole range.
        let tuesday_am = MONTHS + 2;
        assert_eq!(
            index.running[12][tuesday_am] - index.running[0][tuesday_am],
            2
        );
    }
}
