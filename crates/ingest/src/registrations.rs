//! Half-day registrations: the usual absences-only export or a full register
//! (a row for every half day, present marks included).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use mirror_model::{
    Absence, AbsenceCategory, Calendar, Enrolment, HalfDay, HalfDaySlot, PupilRef, SchoolDaysOff,
    SchoolRef, SchoolYear,
};
use rayon::iter::{
    IndexedParallelIterator, IntoParallelIterator, IntoParallelRefIterator, ParallelIterator,
};

use crate::AbsenceCodes;
use crate::enrolments::{EnrolledOn, EnrolmentSpan, PupilIndex, Schools, enrolled_on_date};
use crate::layouts::ExportLayouts;
use crate::problems::{DataQuality, Problem, ProblemKind};
use crate::table::{FilePlace, Origin, Table, columns};

pub(crate) const COLUMNS: &[&str] = &["pupil_number", "school_id", "date", "half_day", "code"];

/// One registered half day, before the checks across rows.
#[derive(Clone, Copy)]
struct Registration {
    /// Pupil and half day in one number ([`pupil_half_day`]), so the
    /// millions of records sort on one integer.
    key: u64,
    school: SchoolRef,
    origin: Origin,
    code: u16,
    category: AbsenceCategory,
    enrolled: bool,
}

/// Orders like `(pupil, slot)`: the pupil above the slot's day number and half.
fn pupil_half_day(pupil: PupilRef, slot: HalfDaySlot) -> u64 {
    let day = u64::from(slot.date.num_days_from_ce().unsigned_abs());
    u64::from(pupil.0) << 32 | day << 1 | u64::from(slot.half == HalfDay::Afternoon)
}

impl Registration {
    fn pupil(&self) -> PupilRef {
        PupilRef((self.key >> 32) as u32)
    }
}

/// Whether each half day has lessons in the city calendar, by day number:
/// the calendar's binary search for each of millions of rows was a tenth
/// of ingest. `None` where the calendar does not list the school year.
struct LessonDays<'a> {
    calendar: &'a Calendar,
    first_day: i32,
    /// Two per day from `first_day` (morning, afternoon).
    lessons: Vec<Option<bool>>,
    /// Each day from `first_day`: chrono's conversion from a day number,
    /// done for each of millions of absences, was a tenth of ordering them.
    dates: Vec<NaiveDate>,
}

impl<'a> LessonDays<'a> {
    fn new(calendar: &'a Calendar) -> Self {
        let years: Vec<SchoolYear> = calendar.years().collect();
        let (Some(first), Some(last)) = (years.iter().min(), years.iter().max()) else {
            return Self {
                calendar,
                first_day: 0,
                lessons: Vec::new(),
                dates: Vec::new(),
            };
        };
        let (from, to) = (first.first_day(), last.last_day());
        let dates: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
        let lessons = dates
            .iter()
            .flat_map(|&date| {
                [HalfDay::Morning, HalfDay::Afternoon].map(|half| HalfDaySlot { date, half })
            })
            .map(|slot| Self::in_calendar(calendar, slot))
            .collect();
        Self {
            calendar,
            first_day: from.num_days_from_ce(),
            lessons,
            dates,
        }
    }

    fn in_calendar(calendar: &Calendar, slot: HalfDaySlot) -> Option<bool> {
        calendar
            .year(SchoolYear::containing(slot.date))
            .map(|y| y.is_lesson(slot))
    }

    fn is_lesson(&self, slot: HalfDaySlot) -> Option<bool> {
        let day = slot.date.num_days_from_ce() - self.first_day;
        let at = usize::try_from(day)
            .ok()
            .map(|d| 2 * d + usize::from(slot.half == HalfDay::Afternoon));
        match at.and_then(|i| self.lessons.get(i)) {
            Some(lessons) => *lessons,
            None => Self::in_calendar(self.calendar, slot),
        }
    }

    /// The date of a day number within the index.
    fn date_of(&self, day: i32) -> Option<NaiveDate> {
        let i = usize::try_from(day.checked_sub(self.first_day)?).ok()?;
        self.dates.get(i).copied()
    }

    /// The position of a registration's half day, which has lessons, so
    /// lies within the index.
    fn position(&self, r: &Registration) -> usize {
        let day = (r.key as u32 >> 1) as i32 - self.first_day;
        2 * day as usize + (r.key & 1) as usize
    }

    /// A registration's half day, which has lessons, so lies within the index.
    fn slot(&self, r: &Registration) -> HalfDaySlot {
        let position = self.position(r);
        HalfDaySlot {
            date: self.dates[position / 2],
            half: if position % 2 == 1 {
                HalfDay::Afternoon
            } else {
                HalfDay::Morning
            },
        }
    }

    fn absence(&self, r: &Registration) -> Absence {
        Absence {
            pupil: r.pupil(),
            school: r.school,
            slot: self.slot(r),
            category: r.category,
        }
    }
}

/// One bit per pupil and half day of the [`LessonDays`] between the first
/// and last registered: finds repeated registrations in one pass instead
/// of sorting millions of them.
struct PupilHalfDays<'a> {
    lesson_days: &'a LessonDays<'a>,
    /// The position of the first half day, and how many follow.
    first: usize,
    half_days: usize,
    bits: Vec<u64>,
}

impl<'a> PupilHalfDays<'a> {
    fn new(lesson_days: &'a LessonDays<'a>, pupils: usize, registrations: &[Registration]) -> Self {
        let positions = registrations.iter().map(|r| lesson_days.position(r));
        let first = positions.clone().min().unwrap_or(0);
        let half_days = positions.max().map_or(0, |last| last + 1 - first);
        Self {
            lesson_days,
            first,
            half_days,
            bits: vec![0; (pupils * half_days).div_ceil(64)],
        }
    }

    fn bit(&self, r: &Registration) -> (usize, u64) {
        let at = r.pupil().0 as usize * self.half_days + self.lesson_days.position(r) - self.first;
        (at / 64, 1 << (at % 64))
    }

    fn contains(&self, r: &Registration) -> bool {
        let (word, mask) = self.bit(r);
        self.bits[word] & mask != 0
    }

    /// Marks `r`'s pupil and half day; whether it was marked already.
    fn insert(&mut self, r: &Registration) -> bool {
        let (word, mask) = self.bit(r);
        let had = self.bits[word] & mask != 0;
        self.bits[word] |= mask;
        had
    }
}

/// What one piece of a file's rows gives, checked on its own core: the
/// registrations and the schools and years that register. Exports list a
/// school's rows together, and a pupil's: what was looked up for the last
/// row is kept while they do not change.
struct Piece<'a> {
    registrations: Vec<Registration>,
    registered: HashSet<(SchoolRef, SchoolYear)>,
    last_school: Option<(String, SchoolRef, &'a [HalfDaySlot])>,
    last_registered: Option<(SchoolRef, SchoolYear)>,
    last_number: String,
    last_pupil: Option<(PupilRef, &'a [EnrolmentSpan])>,
}

impl Piece<'_> {
    /// Room for `rows` registrations, so none is copied as the piece grows.
    fn new(rows: usize) -> Self {
        Self {
            registrations: Vec::with_capacity(rows),
            registered: HashSet::new(),
            last_school: None,
            last_registered: None,
            last_number: String::new(),
            last_pupil: None,
        }
    }
}

/// `folder`: the registrations folder, named when a school has no rows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read(
    folder: &Path,
    files: &[PathBuf],
    schools: &Schools,
    calendar: &Calendar,
    days_off: &SchoolDaysOff,
    codes: &AbsenceCodes,
    pupils: &PupilIndex,
    enrolments: &[Enrolment],
    layouts: &ExportLayouts,
    quality: &mut DataQuality,
) -> Vec<Absence> {
    let enrolled_on = EnrolledOn::new(enrolments);
    let lesson_days = LessonDays::new(calendar);
    let mut registered: HashSet<(SchoolRef, SchoolYear)> = HashSet::new();
    let mut registrations = Vec::new();
    let mut places: Vec<FilePlace> = Vec::new();
    for path in files {
        let Some(table) = Table::open_in_layouts(
            path,
            "registrations",
            &columns(COLUMNS, &[]),
            layouts.of("registrations"),
            quality,
        ) else {
            continue;
        };
        let file = places.len() as u32;
        places.push(table.place());
        registrations.reserve(table.height());
        table.for_each_row_on_every_core(
            quality,
            Piece::new,
            |piece, row, v| {
                let number = row.non_empty(v, 0)?;
                let (school, days_off_here) = match &piece.last_school {
                    Some((id, school, off)) if id == v[1] => (*school, *off),
                    _ => match schools.lookup(&row, v, 1) {
                        Ok(Some(school)) => {
                            let off = days_off.between(school, NaiveDate::MIN, NaiveDate::MAX);
                            piece.last_school = Some((v[1].to_owned(), school, off));
                            (school, off)
                        }
                        Ok(None) => return Ok(()),
                        Err(problem) => {
                            let enrolled = pupils
                                .get(number)
                                .zip(row.date(v, 2).ok())
                                .and_then(|(pupil, date)| enrolled_on.school(pupil, date));
                            return Err(schools.place(problem, enrolled));
                        }
                    },
                };
                let date = match lesson_days.date_of(row.day_number(v, 2)?) {
                    Some(date) => date,
                    None => row.date(v, 2)?,
                };
                let half: HalfDay = row.parse(v, 3)?;
                let slot = HalfDaySlot { date, half };
                let year = SchoolYear::containing(date);
                if piece.last_registered != Some((school, year)) {
                    piece.registered.insert((school, year));
                    piece.last_registered = Some((school, year));
                }
                match lesson_days.is_lesson(slot) {
                    None => {
                        return Err(row.problem(
                            2,
                            ProblemKind::OutsideSchoolYear,
                            format!("{date} lies in school year {year}, which the school calendar does not list; correct the date or add the year to the calendar file"),
                        ));
                    }
                    Some(false) => {
                        return Err(row.problem(
                            2,
                            ProblemKind::NoLessons,
                            format!(
                                "{date} {} has no lessons according to the school calendar (a weekend, holiday or free half day); correct the date or the calendar",
                                half.as_str()
                            ),
                        ));
                    }
                    Some(true) => {}
                }
                if days_off_here.binary_search(&slot).is_ok() {
                    crate::days_off::refuse_on_day_off(days_off, schools, school, slot, &row, 2)?;
                }
                let (code, category) = codes.lookup(v[4]).ok_or_else(|| {
                    row.problem(
                        4,
                        ProblemKind::UnknownCode,
                        format!(
                            "code `{}` is not in the absence code list `{}`; add it to the code list file with its category",
                            v[4],
                            codes.name()
                        ),
                    )
                })?;
                let (pupil, enrolments_of_pupil) = match piece.last_pupil {
                    Some(last) if piece.last_number == number => last,
                    _ => {
                        let Some(pupil) = pupils.get(number) else {
                            return Err(row.problem(
                                0,
                                ProblemKind::NotEnrolled,
                                "this pupil number has no enrolment at all; add the enrolment or correct the number",
                            ));
                        };
                        piece.last_number.clear();
                        piece.last_number.push_str(number);
                        let last = (pupil, enrolled_on.of(pupil));
                        piece.last_pupil = Some(last);
                        last
                    }
                };
                let enrolled = enrolled_on_date(enrolments_of_pupil, date) == Some(school);
                piece.registrations.push(Registration {
                    key: pupil_half_day(pupil, slot),
                    school,
                    origin: Origin {
                        file,
                        index: row.index as u32,
                    },
                    code,
                    category,
                    enrolled,
                });
                Ok(())
            },
            |mut piece| {
                registrations.append(&mut piece.registrations);
                registered.extend(piece.registered);
            },
        );
    }
    let seen = PupilHalfDays::new(&lesson_days, pupils.len(), &registrations);
    check_across_rows(&mut registrations, seen, schools, &places, quality);
    check_every_school_registers(folder, enrolments, &registered, schools, quality);
    in_school_order(registrations, &lesson_days, schools.registry.len())
}

/// The absences among `registrations`, sorted by school, pupil and half
/// day. Each core places the absences of its part of the registrations in
/// its own stretch of each school's (the parts in order), then each
/// school's are sorted on their own: an export lists a pupil's half days
/// in order, so a school's absences are a few sorted runs (a file each),
/// which a stable sort merges in a pass or two.
fn in_school_order(
    registrations: Vec<Registration>,
    lesson_days: &LessonDays,
    schools: usize,
) -> Vec<Absence> {
    let absent = |r: &&Registration| r.category != AbsenceCategory::Present;
    let Some(first) = registrations.iter().find(absent) else {
        return Vec::new();
    };
    let parts: Vec<&[Registration]> = registrations
        .chunks(registrations.len().div_ceil(rayon::current_num_threads()))
        .collect();
    // Each part's absences per school.
    let counts: Vec<Vec<usize>> = parts
        .par_iter()
        .map(|part| {
            let mut absences = vec![0; schools];
            for r in part.iter().filter(absent) {
                absences[r.school.index()] += 1;
            }
            absences
        })
        .collect();
    let per_school: Vec<usize> = (0..schools)
        .map(|s| counts.iter().map(|part| part[s]).sum())
        .collect();
    let mut absences = vec![lesson_days.absence(first); per_school.iter().sum()];
    let mut stretches: Vec<Vec<&mut [Absence]>> =
        parts.iter().map(|_| Vec::with_capacity(schools)).collect();
    let mut rest = absences.as_mut_slice();
    for s in 0..schools {
        for (part, stretch) in counts.iter().zip(&mut stretches) {
            let (here, after) = std::mem::take(&mut rest).split_at_mut(part[s]);
            stretch.push(here);
            rest = after;
        }
    }
    parts
        .into_par_iter()
        .zip(stretches)
        .for_each(|(part, mut stretch)| {
            let mut placed = vec![0; schools];
            for r in part.iter().filter(absent) {
                let s = r.school.index();
                stretch[s][placed[s]] = lesson_days.absence(r);
                placed[s] += 1;
            }
        });
    drop(registrations);
    let mut rest = absences.as_mut_slice();
    let mut each_school = Vec::with_capacity(schools);
    for n in per_school {
        let (here, after) = std::mem::take(&mut rest).split_at_mut(n);
        each_school.push(here);
        rest = after;
    }
    each_school
        .into_par_iter()
        .for_each(|a| a.sort_by_key(|a| (a.pupil, a.slot)));
    absences
}

/// One registration per pupil and half day, at one school, within an
/// enrolment. Rows that break this are recorded, in pupil and half-day
/// order, and dropped.
fn check_across_rows(
    registrations: &mut Vec<Registration>,
    mut seen: PupilHalfDays,
    schools: &Schools,
    places: &[FilePlace],
    quality: &mut DataQuality,
) {
    // Pupil and half days registered more than once.
    let repeated: Vec<Registration> = registrations
        .iter()
        .filter(|r| seen.insert(r))
        .copied()
        .collect();
    // Clearing touches every page of the bits: only when there is a repeat.
    if !repeated.is_empty() {
        seen.bits.fill(0);
        for r in &repeated {
            seen.insert(r);
        }
    }
    let repeated = |r: &Registration| !repeated.is_empty() && seen.contains(r);
    let problem = |r: &Registration, position: usize, kind, message: String| {
        places[r.origin.file as usize]
            .problem_at(r.origin.index as usize, position, kind, message)
            .at_school(schools.entry(r.school).id.as_str())
    };
    let not_enrolled = |r: &Registration| {
        problem(
            r,
            0,
            ProblemKind::NotEnrolled,
            format!(
                "this pupil is not enrolled at school {} on {}; the enrolment files must cover every registration",
                schools.entry(r.school).id,
                seen.lesson_days.slot(r).date
            ),
        )
    };
    // Each problem with its pupil and half day and its order among theirs.
    let mut found: Vec<(u64, usize, Problem)> = Vec::new();
    let mut dropped: Vec<usize> = Vec::new();
    let mut groups: Vec<usize> = Vec::new();
    for (i, r) in registrations.iter().enumerate() {
        if repeated(r) {
            groups.push(i);
        } else if !r.enrolled {
            found.push((r.key, 0, not_enrolled(r)));
            dropped.push(i);
        }
    }
    // Stable: a pupil's rows of one half day stay in file and row order.
    groups.sort_by_key(|&i| registrations[i].key);
    for group in groups.chunk_by(|&a, &b| registrations[a].key == registrations[b].key) {
        let first = registrations[group[0]];
        let slot = seen.lesson_days.slot(&first);
        let when = format!("{} {}", slot.date, slot.half.as_str());
        let mut report = |i: usize, problem: Problem| {
            found.push((first.key, found.len(), problem));
            dropped.push(i);
        };
        if let Some(other) = group
            .iter()
            .map(|&i| registrations[i])
            .find(|r| r.school != first.school)
        {
            // Every row of the group is suspect: each school hears of it.
            for &i in group {
                let r = &registrations[i];
                let elsewhere = if r.school == first.school {
                    other
                } else {
                    first
                };
                report(
                    i,
                    problem(
                        r,
                        0,
                        ProblemKind::TwoSchools,
                        format!(
                            "this pupil is also registered at school {} on {when}; a pupil is at one school at a time: correct the pupil number or the enrolments",
                            schools.entry(elsewhere.school).id
                        ),
                    ),
                );
            }
        } else {
            for &i in &group[1..] {
                let r = &registrations[i];
                let (kind, message) = if r.code == first.code {
                    (
                        ProblemKind::RepeatedRow,
                        format!(
                            "the same pupil, half day ({when}) and code are registered twice; the repeat is ignored"
                        ),
                    )
                } else {
                    (
                        ProblemKind::ConflictingCodes,
                        format!(
                            "the same pupil has another code for {when} in an earlier row; keep one registration per half day"
                        ),
                    )
                };
                report(i, problem(r, 4, kind, message));
            }
            if !first.enrolled {
                report(group[0], not_enrolled(&first));
            }
        }
    }
    found.sort_by_key(|(key, order, _)| (*key, *order));
    quality.extend(found.into_iter().map(|(_, _, p)| p));
    dropped.sort_unstable();
    let mut dropped = dropped.into_iter().peekable();
    let mut index = 0;
    registrations.retain(|_| {
        let drop = dropped.next_if_eq(&index).is_some();
        index += 1;
        !drop
    });
}

/// A school this size registers some absence in a school year: nearly every
/// pupil is ill for a half day at least once a year, so 20 pupils without a
/// single registered half day means the school's export is missing, not
/// that nobody was absent. Smaller schools may truly have none.
const PUPILS_THAT_REGISTER_ABSENCE: usize = 20;

/// Missing input is not zero absence. A school with enrolments but no
/// registration in a school year gets a warning (from
/// [`PUPILS_THAT_REGISTER_ABSENCE`] pupils); when most schools with
/// enrolments in a year have none, the registrations of that year are
/// missing and the run must stop: an error on the whole folder.
fn check_every_school_registers(
    folder: &Path,
    enrolments: &[Enrolment],
    registered: &HashSet<(SchoolRef, SchoolYear)>,
    schools: &Schools,
    quality: &mut DataQuality,
) {
    let mut pupils: BTreeMap<(SchoolYear, SchoolRef), BTreeSet<PupilRef>> = BTreeMap::new();
    for e in enrolments {
        pupils
            .entry((SchoolYear::containing(e.from), e.school))
            .or_default()
            .insert(e.pupil);
    }
    let mut years: BTreeMap<SchoolYear, (usize, Vec<(SchoolRef, usize)>)> = BTreeMap::new();
    for ((year, school), enrolled) in &pupils {
        let (with_pupils, without) = years.entry(*year).or_default();
        *with_pupils += 1;
        if !registered.contains(&(*school, *year)) {
            without.push((*school, enrolled.len()));
        }
    }
    for (year, (with_pupils, without)) in years {
        if without.len() * 2 > with_pupils {
            quality.push(Problem::file(
                ProblemKind::MissingSource,
                folder,
                format!(
                    "{} of the {with_pupils} schools with pupils enrolled in school year {year} have no registration at all in this folder; the registrations of {year} are missing: add the schools' half-day registrations (see docs/data-formats.md), or remove the enrolments of {year}",
                    without.len()
                ),
            ));
            continue;
        }
        for (school, enrolled) in without {
            if enrolled >= PUPILS_THAT_REGISTER_ABSENCE {
                let id = &schools.entry(school).id;
                quality.push(
                    Problem::file(
                        ProblemKind::NoRegistrations,
                        folder,
                        format!(
                            "school {id} has {enrolled} pupils enrolled in school year {year} but not one registered half day; its mirror would show no absence at all: check that its export is in this folder"
                        ),
                    )
                    .at_school(id.as_str()),
                );
            }
        }
    }
}
