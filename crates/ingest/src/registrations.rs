//! Half-day registrations: the usual absences-only export or a full register
//! (a row for every half day, present marks included).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
use crate::table::{FilePlace, Origin, RowRef, Table, columns};

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
        match self.slot_position(slot) {
            Some(i) => self.lessons[i],
            None => Self::in_calendar(self.calendar, slot),
        }
    }

    /// The position of a half day within the index.
    fn slot_position(&self, slot: HalfDaySlot) -> Option<usize> {
        let day = usize::try_from(slot.date.num_days_from_ce() - self.first_day).ok()?;
        let at = 2 * day + usize::from(slot.half == HalfDay::Afternoon);
        (at < self.lessons.len()).then_some(at)
    }

    /// The position of `date`'s morning; the index's nearer end for a date
    /// outside it.
    fn first_position(&self, date: NaiveDate) -> usize {
        let day = i64::from(date.num_days_from_ce()) - i64::from(self.first_day);
        usize::try_from(2 * day)
            .unwrap_or(0)
            .min(self.lessons.len())
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

/// Each school's own half days without lessons, one bit per school and
/// [`LessonDays`] position: a binary search among a school's days off for
/// each of millions of rows took 4 % of `mirror check`'s time.
struct HalfDaysOff {
    positions: usize,
    bits: Vec<u64>,
}

impl HalfDaysOff {
    fn new(days_off: &SchoolDaysOff, schools: usize, lesson_days: &LessonDays) -> Self {
        let positions = lesson_days.lessons.len();
        let mut bits = vec![0; (schools * positions).div_ceil(64)];
        for school in 0..schools {
            let off = days_off.between(SchoolRef(school as u32), NaiveDate::MIN, NaiveDate::MAX);
            for position in off.iter().filter_map(|s| lesson_days.slot_position(*s)) {
                let at = school * positions + position;
                bits[at / 64] |= 1 << (at % 64);
            }
        }
        Self { positions, bits }
    }

    /// Whether the half day at `position` is one of `school`'s days off.
    fn contains(&self, school: SchoolRef, position: usize) -> bool {
        let at = school.index() * self.positions + position;
        self.bits[at / 64] & (1 << (at % 64)) != 0
    }
}

/// One bit per pupil and half day of the [`LessonDays`] from the first to
/// the last day of any enrolment: finds repeated registrations as the rows
/// are read, on every core, so that no row is kept for it. A row outside
/// these days has no enrolment, so no bit.
struct PupilHalfDays {
    /// The position of the first half day, and how many follow.
    first: usize,
    half_days: usize,
    bits: Vec<AtomicU64>,
}

impl PupilHalfDays {
    fn new(lesson_days: &LessonDays, pupils: usize, enrolments: &[Enrolment]) -> Self {
        let from = enrolments.iter().map(|e| e.from).min();
        let to = enrolments.iter().map(|e| e.to).max();
        let (first, half_days) = match from.zip(to) {
            Some((from, to)) => {
                let first = lesson_days.first_position(from);
                let end = lesson_days.first_position(to.succ_opt().unwrap_or(to));
                (first, end.saturating_sub(first))
            }
            None => (0, 0),
        };
        Self {
            first,
            half_days,
            bits: (0..(pupils * half_days).div_ceil(64))
                .into_par_iter()
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// Marks `r`'s pupil and half day: whether it was marked already, by
    /// this or another core; `None` outside every enrolment's days.
    fn insert(&self, r: &Registration, lesson_days: &LessonDays) -> Option<bool> {
        let half_day = lesson_days.position(r).checked_sub(self.first)?;
        if half_day >= self.half_days {
            return None;
        }
        let at = r.pupil().0 as usize * self.half_days + half_day;
        let mask = 1 << (at % 64);
        // One atomic read-and-set: of two rows of one half day, exactly one
        // finds the bit set, whatever the order; nothing else is ordered by it.
        Some(self.bits[at / 64].fetch_or(mask, Ordering::Relaxed) & mask != 0)
    }
}

/// What every row is checked against.
struct RowChecks<'a> {
    schools: &'a Schools<'a>,
    days_off: &'a SchoolDaysOff,
    codes: &'a AbsenceCodes,
    pupils: &'a PupilIndex,
    enrolled_on: &'a EnrolledOn,
    lesson_days: &'a LessonDays<'a>,
    half_days_off: HalfDaysOff,
}

/// What a piece of rows looked up for its last row, and the schools and
/// years that register. Exports list a school's rows together, and a
/// pupil's: what was looked up is kept while they do not change.
struct Lookups<'a> {
    registered: HashSet<(SchoolRef, SchoolYear)>,
    last_school: Option<(String, SchoolRef)>,
    last_registered: Option<(SchoolRef, SchoolYear)>,
    last_number: String,
    last_pupil: Option<(PupilRef, &'a [EnrolmentSpan])>,
}

impl Lookups<'_> {
    fn new() -> Self {
        Self {
            registered: HashSet::new(),
            last_school: None,
            last_registered: None,
            last_number: String::new(),
            last_pupil: None,
        }
    }
}

impl<'a> RowChecks<'a> {
    /// Row `v` of file `file` as a registration, or the problem that refuses
    /// it; `None` for a row of a school refused whole. A school and year
    /// count as registering from a row with a date.
    fn registration(
        &self,
        lookups: &mut Lookups<'a>,
        row: RowRef,
        v: &[&str],
        file: u32,
    ) -> Result<Option<Registration>, Problem> {
        let Self {
            schools,
            days_off,
            codes,
            pupils,
            enrolled_on,
            lesson_days,
            half_days_off,
        } = self;
        let number = row.non_empty(v, 0)?;
        let school = match &lookups.last_school {
            Some((id, school)) if id == v[1] => *school,
            _ => match schools.lookup(&row, v, 1) {
                Ok(Some(school)) => {
                    lookups.last_school = Some((v[1].to_owned(), school));
                    school
                }
                // A school refused whole: its rows are skipped quietly.
                Ok(None) => return Ok(None),
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
        if lookups.last_registered != Some((school, year)) {
            lookups.registered.insert((school, year));
            lookups.last_registered = Some((school, year));
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
        if lesson_days
            .slot_position(slot)
            .is_some_and(|position| half_days_off.contains(school, position))
        {
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
        let (pupil, enrolments_of_pupil) = match lookups.last_pupil {
            Some(last) if lookups.last_number == number => last,
            _ => {
                let Some(pupil) = pupils.get(number) else {
                    return Err(row.problem(
                        0,
                        ProblemKind::NotEnrolled,
                        "this pupil number has no enrolment at all; add the enrolment or correct the number",
                    ));
                };
                lookups.last_number.clear();
                lookups.last_number.push_str(number);
                let last = (pupil, enrolled_on.of(pupil));
                lookups.last_pupil = Some(last);
                last
            }
        };
        Ok(Some(Registration {
            key: pupil_half_day(pupil, slot),
            school,
            origin: Origin {
                file,
                index: row.index as u32,
            },
            code,
            category,
            enrolled: enrolled_on_date(enrolments_of_pupil, date) == Some(school),
        }))
    }
}

/// What one piece of a file's rows keeps on the first reading. Only
/// absences are kept: a full register's present marks leave a bit each.
#[derive(Default)]
struct Kept {
    /// Enrolled absences whose pupil and half day were not marked before.
    absences: Vec<Absence>,
    /// The pupil and half day of each row that found them marked.
    repeated: Vec<u64>,
    /// Rows outside the pupil's enrolment at the school, kept until it is
    /// known whether they repeat another.
    unenrolled: Vec<Registration>,
}

/// Reads `files` and checks each row on its own, with one state `S` per
/// piece of rows (made by `init` with the piece's rows): `keep` takes each
/// registration that passes. `merge` adds each piece's state and lookups
/// to `into`, pieces in file and row order; `opened` the place of each file
/// read. `quality` gets what the checks refuse.
#[allow(clippy::too_many_arguments)]
fn each_registration<'a, T, S: Send>(
    files: &[PathBuf],
    layouts: &ExportLayouts,
    checks: &RowChecks<'a>,
    quality: &mut DataQuality,
    into: &mut T,
    opened: impl Fn(&mut T, FilePlace),
    init: impl Fn(usize) -> S + Sync,
    keep: impl Fn(&mut S, Registration) + Sync,
    merge: impl Fn(&mut T, Lookups<'a>, S),
) {
    let mut file = 0;
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
        opened(into, table.place());
        table.for_each_row_on_every_core(
            quality,
            |rows| (Lookups::new(), init(rows)),
            |(lookups, state), row, v| {
                if let Some(r) = checks.registration(lookups, row, v, file)? {
                    keep(state, r);
                }
                Ok(())
            },
            |(lookups, state)| merge(into, lookups, state),
        );
        file += 1;
    }
}

/// What the first reading of the files gives.
#[derive(Default)]
struct FirstReading {
    places: Vec<FilePlace>,
    registered: HashSet<(SchoolRef, SchoolYear)>,
    kept: KeptRows,
}

/// The rows the first reading keeps: each piece's absences, in file and
/// row order (not copied into one list), and what the pieces found to check
/// across rows.
#[derive(Default)]
struct KeptRows {
    absences: Vec<Vec<Absence>>,
    repeated: Vec<u64>,
    unenrolled: Vec<Registration>,
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
    let checks = RowChecks {
        schools,
        days_off,
        codes,
        pupils,
        enrolled_on: &enrolled_on,
        lesson_days: &lesson_days,
        half_days_off: HalfDaysOff::new(days_off, schools.registry.len(), &lesson_days),
    };
    let seen = PupilHalfDays::new(&lesson_days, pupils.len(), enrolments);
    let mut first = FirstReading::default();
    each_registration(
        files,
        layouts,
        &checks,
        quality,
        &mut first,
        |first, place| first.places.push(place),
        |rows| Kept {
            absences: Vec::with_capacity(rows),
            ..Kept::default()
        },
        |piece, r| match seen.insert(&r, &lesson_days) {
            Some(true) => piece.repeated.push(r.key),
            Some(false) if r.enrolled => {
                if r.category != AbsenceCategory::Present {
                    piece.absences.push(lesson_days.absence(&r));
                }
            }
            _ => piece.unenrolled.push(r),
        },
        |first, lookups, mut piece| {
            // Room for every row is more than a register's absences need.
            if piece.absences.len() < piece.absences.capacity() / 2 {
                piece.absences.shrink_to_fit();
            }
            first.kept.absences.push(piece.absences);
            first.kept.repeated.append(&mut piece.repeated);
            first.kept.unenrolled.append(&mut piece.unenrolled);
            first.registered.extend(lookups.registered);
        },
    );
    drop(seen); // Every row of the pupils and half days registered more than once, read
    // again with its file and row: only faulty exports have any.
    let read_again = |wanted: &HashSet<u64>| {
        let mut rows = Vec::new();
        each_registration(
            files,
            layouts,
            &checks,
            &mut DataQuality::default(),
            &mut rows,
            |_, _| {},
            |_| Vec::new(),
            |piece, r| {
                if wanted.contains(&r.key) {
                    piece.push(r);
                }
            },
            |rows, _, mut piece| rows.append(&mut piece),
        );
        rows
    };
    let absences = check_across_rows(
        first.kept,
        read_again,
        &lesson_days,
        schools,
        &first.places,
        quality,
    );
    check_every_school_registers(folder, enrolments, &first.registered, schools, quality);
    in_school_order(absences, schools.registry.len())
}

/// The absences of every piece sorted by school, pupil and half day. Each
/// core places the absences of its run of pieces (the runs in order) in its
/// own stretch of each school's, then each school's are sorted on their
/// own: an export lists a pupil's half days in order, so a school's
/// absences are a few sorted runs (a file each), which a stable sort merges
/// in a pass or two.
fn in_school_order(pieces: Vec<Vec<Absence>>, schools: usize) -> Vec<Absence> {
    let Some(&first) = pieces.iter().find_map(|p| p.first()) else {
        return Vec::new();
    };
    let total: usize = pieces.iter().map(Vec::len).sum();
    // Runs of pieces with about as many absences each, one a core.
    let per_part = total.div_ceil(rayon::current_num_threads());
    let mut parts: Vec<Vec<&[Absence]>> = vec![Vec::new()];
    let mut in_part = 0;
    for piece in &pieces {
        if in_part >= per_part {
            parts.push(Vec::new());
            in_part = 0;
        }
        parts.last_mut().expect("one part at least").push(piece);
        in_part += piece.len();
    }
    // Each part's absences per school.
    let counts: Vec<Vec<usize>> = parts
        .par_iter()
        .map(|part| {
            let mut absences = vec![0; schools];
            for a in part.iter().copied().flatten() {
                absences[a.school.index()] += 1;
            }
            absences
        })
        .collect();
    let per_school: Vec<usize> = (0..schools)
        .map(|s| counts.iter().map(|part| part[s]).sum())
        .collect();
    let mut absences = vec![first; total];
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
            for a in part.into_iter().flatten() {
                let s = a.school.index();
                stretch[s][placed[s]] = *a;
                placed[s] += 1;
            }
        });
    drop(pieces);
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
/// order, and dropped; `read_again` gives every row of the pupils and half
/// days wanted, in file and row order.
fn check_across_rows(
    kept: KeptRows,
    read_again: impl FnOnce(&HashSet<u64>) -> Vec<Registration>,
    lesson_days: &LessonDays,
    schools: &Schools,
    places: &[FilePlace],
    quality: &mut DataQuality,
) -> Vec<Vec<Absence>> {
    let KeptRows {
        mut absences,
        repeated,
        unenrolled,
    } = kept;
    let mut repeated: HashSet<u64> = repeated.into_iter().collect();
    // Rows outside every enrolment's days have no bit: their repeats are
    // found among them.
    let mut outside: Vec<u64> = unenrolled.iter().map(|r| r.key).collect();
    outside.sort_unstable();
    repeated.extend(outside.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]));
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
                lesson_days.slot(r).date
            ),
        )
    };
    // Each problem with its pupil and half day and its order among theirs.
    let mut found: Vec<(u64, usize, Problem)> = unenrolled
        .iter()
        .filter(|r| !repeated.contains(&r.key))
        .map(|r| (r.key, 0, not_enrolled(r)))
        .collect();
    if !repeated.is_empty() {
        for piece in &mut absences {
            piece.retain(|a| !repeated.contains(&pupil_half_day(a.pupil, a.slot)));
        }
        let mut kept_first = Vec::new();
        let mut rows = read_again(&repeated);
        // Stable: a pupil's rows of one half day stay in file and row order.
        rows.sort_by_key(|r| r.key);
        for group in rows.chunk_by(|a, b| a.key == b.key) {
            let first = group[0];
            let slot = lesson_days.slot(&first);
            let when = format!("{} {}", slot.date, slot.half.as_str());
            let mut report = |problem: Problem| found.push((first.key, found.len(), problem));
            if let Some(other) = group.iter().find(|r| r.school != first.school) {
                // Every row of the group is suspect: each school hears of it.
                for r in group {
                    let elsewhere = if r.school == first.school {
                        other
                    } else {
                        &first
                    };
                    report(problem(
                        r,
                        0,
                        ProblemKind::TwoSchools,
                        format!(
                            "this pupil is also registered at school {} on {when}; a pupil is at one school at a time: correct the pupil number or the enrolments",
                            schools.entry(elsewhere.school).id
                        ),
                    ));
                }
                continue;
            }
            for r in &group[1..] {
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
                report(problem(r, 4, kind, message));
            }
            if !first.enrolled {
                report(not_enrolled(&first));
            } else if first.category != AbsenceCategory::Present {
                kept_first.push(lesson_days.absence(&first));
            }
        }
        absences.push(kept_first);
    }
    found.sort_by_key(|(key, order, _)| (*key, *order));
    quality.extend(found.into_iter().map(|(_, _, p)| p));
    absences
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
