//! The school calendar: which half days have lessons. It decides how many half
//! days a pupil was expected at school, since the usual export lists absences only.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::{HalfDay, HalfDaySlot, SchoolRef, SchoolYear};

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CalendarError {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(default)]
    weekly_free_half_days: Vec<String>,
    school_year: Vec<RawSchoolYear>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchoolYear {
    year: SchoolYear,
    first_day: NaiveDate,
    last_day: NaiveDate,
    #[serde(default)]
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    free_days: Vec<NaiveDate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

/// A holiday period (autumn break, Christmas, ...), both ends included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One school year's lesson half days.
#[derive(Debug, Clone)]
pub struct SchoolYearCalendar {
    year: SchoolYear,
    holidays: Vec<Holiday>,
    /// Sorted, so counts over a date range are two binary searches.
    lessons: Vec<HalfDaySlot>,
}

impl SchoolYearCalendar {
    pub fn year(&self) -> SchoolYear {
        self.year
    }

    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    /// Every half day with lessons, in order.
    pub fn lesson_half_days(&self) -> &[HalfDaySlot] {
        &self.lessons
    }

    pub fn is_lesson(&self, slot: HalfDaySlot) -> bool {
        self.lessons.binary_search(&slot).is_ok()
    }

    /// Half days with lessons from `from` to `to`, both dates included.
    pub fn lesson_half_days_between(&self, from: NaiveDate, to: NaiveDate) -> usize {
        let start = self.lessons.partition_point(|s| s.date < from);
        let end = self.lessons.partition_point(|s| s.date <= to);
        end.saturating_sub(start)
    }

    /// This year for a school with its own half days without lessons
    /// (`off`, sorted): they are no lesson half days. The holidays stay the
    /// city's, so a study day is not a holiday.
    pub fn without(&self, off: &[HalfDaySlot]) -> Self {
        Self {
            year: self.year,
            holidays: self.holidays.clone(),
            lessons: self
                .lessons
                .iter()
                .filter(|s| off.binary_search(s).is_err())
                .copied()
                .collect(),
        }
    }
}

/// Each school's own half days without lessons (pedagogical study days,
/// facultative days off, local holidays: a few a year, each school its
/// own), on top of the city calendar. Read from `school-days-off/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct SchoolDaysOff {
    /// Per school, sorted and without repeats.
    slots: BTreeMap<SchoolRef, Vec<HalfDaySlot>>,
}

impl SchoolDaysOff {
    pub fn new(days: impl IntoIterator<Item = (SchoolRef, HalfDaySlot)>) -> Self {
        let mut slots: BTreeMap<SchoolRef, Vec<HalfDaySlot>> = BTreeMap::new();
        for (school, slot) in days {
            slots.entry(school).or_default().push(slot);
        }
        for v in slots.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        Self { slots }
    }

    /// Half days off of every school.
    pub fn len(&self) -> usize {
        self.slots.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The school's half days off from `from` to `to`, both dates included.
    pub fn between(&self, school: SchoolRef, from: NaiveDate, to: NaiveDate) -> &[HalfDaySlot] {
        let Some(off) = self.slots.get(&school) else {
            return &[];
        };
        let start = off.partition_point(|s| s.date < from);
        let end = off.partition_point(|s| s.date <= to);
        &off[start..end.max(start)]
    }

    pub fn is_off(&self, school: SchoolRef, slot: HalfDaySlot) -> bool {
        self.slots
            .get(&school)
            .is_some_and(|off| off.binary_search(&slot).is_ok())
    }

    /// The school's own lesson half days of `year`: the city's without the
    /// school's days off (the city's, borrowed, when it has none that year).
    pub fn school_year<'a>(
        &self,
        school: SchoolRef,
        year: &'a SchoolYearCalendar,
    ) -> Cow<'a, SchoolYearCalendar> {
        let off = self.between(school, year.year.first_day(), year.year.last_day());
        if off.is_empty() {
            Cow::Borrowed(year)
        } else {
            Cow::Owned(year.without(off))
        }
    }
}

/// The calendars of every configured school year.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<SchoolYear, SchoolYearCalendar>,
}

impl Calendar {
    pub fn load(path: &Path) -> Result<Self, CalendarError> {
        let text = std::fs::read_to_string(path).map_err(|e| CalendarError {
            path: path.to_owned(),
            message: format!("cannot read the school calendar: {e}"),
        })?;
        Self::parse(&text, path)
    }

    /// `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, CalendarError> {
        let err = |message: String| CalendarError {
            path: path.to_owned(),
            message,
        };
        let raw: RawCalendar = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut weekly_free = BTreeSet::new();
        for entry in &raw.weekly_free_half_days {
            weekly_free.insert(parse_weekly_half_day(entry).ok_or_else(|| {
                err(format!(
                    "weekly_free_half_days: `{entry}` is not a weekday and half day such as `wednesday-pm`"
                ))
            })?);
        }
        let mut years = BTreeMap::new();
        for y in raw.school_year {
            let name = y.year;
            if y.first_day < name.first_day()
                || y.last_day > name.last_day()
                || y.first_day > y.last_day
            {
                return Err(err(format!(
                    "school year {name}: first_day {} and last_day {} must lie between {} and {}",
                    y.first_day,
                    y.last_day,
                    name.first_day(),
                    name.last_day()
                )));
            }
            let mut holidays = Vec::new();
            for h in y.holidays {
                if h.from > h.to {
                    return Err(err(format!(
                        "school year {name}: holiday `{}` ends ({}) before it starts ({})",
                        h.name, h.to, h.from
                    )));
                }
                holidays.push(Holiday {
                    name: h.name,
                    from: h.from,
                    to: h.to,
                });
            }
            let free_days: BTreeSet<NaiveDate> = y.free_days.into_iter().collect();
            let lessons = y
                .first_day
                .iter_days()
                .take_while(|d| *d <= y.last_day)
                .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
                .filter(|d| !free_days.contains(d))
                .filter(|d| !holidays.iter().any(|h| h.from <= *d && *d <= h.to))
                .flat_map(|date| {
                    [HalfDay::Morning, HalfDay::Afternoon].map(|half| HalfDaySlot { date, half })
                })
                .filter(|s| {
                    !weekly_free.contains(&(s.date.weekday().num_days_from_monday(), s.half))
                })
                .collect();
            if years
                .insert(
                    name,
                    SchoolYearCalendar {
                        year: name,
                        holidays,
                        lessons,
                    },
                )
                .is_some()
            {
                return Err(err(format!("school year {name} is listed twice")));
            }
        }
        Ok(Self { years })
    }

    pub fn year(&self, year: SchoolYear) -> Option<&SchoolYearCalendar> {
        self.years.get(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = SchoolYear> + '_ {
        self.years.keys().copied()
    }
}

fn parse_weekly_half_day(s: &str) -> Option<(u32, HalfDay)> {
    let (day, half) = s.trim().rsplit_once('-')?;
    let day: Weekday = day.parse().ok()?;
    Some((day.num_days_from_monday(), half.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: &str = r#"
weekly_free_half_days = ["wednesday-pm"]
[[school_year]]
year = "2024-2025"
first_day = "2024-09-02"
last_day = "2024-09-13"
free_days = ["2024-09-13"]
holidays = [{ name = "test break", from = "2024-09-09", to = "2024-09-10" }]
"#;

    #[test]
    fn counts_lesson_half_days_by_hand() {
        let cal = Calendar::parse(WEEK, Path::new("calendar.toml")).unwrap();
        let y = cal.year(SchoolYear::starting(2024)).unwrap();
        // Week 1 (2-6 Sept): 5 days x 2 half days, minus Wednesday afternoon = 9.
        // Week 2 (9-13 Sept): Mon-Tue holiday, Fri free, Wed morning and Thu = 3.
        assert_eq!(y.lesson_half_days().len(), 12);
        let d = |day| NaiveDate::from_ymd_opt(2024, 9, day).unwrap();
        assert_eq!(y.lesson_half_days_between(d(4), d(5)), 3);
        assert!(!y.is_lesson(HalfDaySlot {
            date: d(4),
            half: HalfDay::Afternoon
        }));
        assert!(y.is_lesson(HalfDaySlot {
            date: d(11),
            half: HalfDay::Morning
        }));
    }

    /// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    fn easter(year: i32) -> NaiveDate {
        let (a, b, c) = (year % 19, year / 100, year % 100);
        let (d, e) = (b / 4, b % 4);
        let f = (b + 8) / 25;
        let g = (b - f + 1) / 3;
        let h = (19 * a + b - d - g + 15) % 30;
        let (i, k) = (c / 4, c % 4);
        let l = (32 + 2 * e + 2 * i - h - k) % 7;
        let m = (a + 11 * h + 22 * l) / 451;
        let month = (h + l - 7 * m + 114) / 31;
        let day = (h + l - 7 * m + 114) % 31 + 1;
        NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap()
    }

    fn monday_of(d: NaiveDate) -> NaiveDate {
        d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()))
    }

    fn is_weekend(d: NaiveDate) -> bool {
        matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The Flemish rules of config/calendar.toml's header, for the school
    /// year starting in `y`: the first day, the four breaks and the free days.
    fn flemish_rule(y: i32) -> (NaiveDate, Vec<Holiday>, Vec<NaiveDate>) {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let days = |n: u64| chrono::Days::new(n);
        let mut first = date(y, 9, 1);
        while is_weekend(first) {
            first = first + days(1);
        }
        let nov1 = date(y, 11, 1);
        let autumn = if nov1.weekday() == Weekday::Sun {
            nov1 + days(1)
        } else {
            monday_of(nov1)
        };
        let dec25 = date(y, 12, 25);
        let christmas = if is_weekend(dec25) {
            monday_of(dec25) + days(7)
        } else {
            monday_of(dec25)
        };
        let e = easter(y + 1);
        let spring = monday_of(e - days(46));
        let easter_from = if e.month() == 3 {
            e + days(1)
        } else if e > date(y + 1, 4, 15) {
            monday_of(e) - days(7)
        } else {
            let mut d = date(y + 1, 4, 1);
            while d.weekday() != Weekday::Mon {
                d = d + days(1);
            }
            d
        };
        // Easter Monday is free: after a late Easter the break runs to it.
        let easter_to = (easter_from + days(13)).max(e + days(1));
        let holiday = |name: &str, from: NaiveDate, to: NaiveDate| Holiday {
            name: name.to_owned(),
            from,
            to,
        };
        let holidays = vec![
            holiday("autumn", autumn, autumn + days(6)),
            holiday("christmas", christmas, christmas + days(13)),
            holiday("spring", spring, spring + days(6)),
            holiday("easter", easter_from, easter_to),
        ];
        let free = [
            date(y, 11, 11),
            date(y + 1, 5, 1),
            e + days(39),
            e + days(40),
            e + days(50),
        ]
        .into_iter()
        .filter(|d| !is_weekend(*d) && !holidays.iter().any(|h| h.from <= *d && *d <= h.to))
        .collect();
        (first, holidays, free)
    }

    fn shipped() -> Calendar {
        Calendar::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/calendar.toml"))
            .unwrap()
    }

    /// Every shipped school year against the rule: the breaks exactly, and
    /// the lesson days (which also shows the first day and the free days).
    #[test]
    fn the_shipped_calendar_follows_the_flemish_rule() {
        let calendar = shipped();
        let years: Vec<i32> = calendar.years().map(SchoolYear::start_year).collect();
        assert_eq!(years, (2021..=2026).collect::<Vec<_>>());
        for y in years {
            let cal = calendar.year(SchoolYear::starting(y)).unwrap();
            let (first, holidays, free) = flemish_rule(y);
            assert_eq!(cal.holidays(), holidays.as_slice(), "{y}");
            let rule_days: Vec<NaiveDate> = first
                .iter_days()
                .take_while(|d| *d <= SchoolYear::starting(y).last_day())
                .filter(|d| !is_weekend(*d) && !free.contains(d))
                .filter(|d| !holidays.iter().any(|h| h.from <= *d && *d <= h.to))
                .collect();
            let mut file_days: Vec<NaiveDate> =
                cal.lesson_half_days().iter().map(|s| s.date).collect();
            file_days.dedup();
            assert_eq!(file_days, rule_days, "{y}");
        }
        // The rule's special cases do occur: a late Easter (17 April 2022)
        // and an Easter in March (28 March 2027).
        assert_eq!(easter(2022), NaiveDate::from_ymd_opt(2022, 4, 17).unwrap());
        assert_eq!(easter(2027), NaiveDate::from_ymd_opt(2027, 3, 28).unwrap());
    }

    /// The official Flemish breaks of 2025-2026 as issue 17 lists them.
    #[test]
    fn the_breaks_of_2025_2026_are_the_official_ones() {
        let calendar = shipped();
        let year = calendar.year(SchoolYear::starting(2025)).unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let breaks: Vec<(&str, NaiveDate, NaiveDate)> = year
            .holidays()
            .iter()
            .map(|h| (h.name.as_str(), h.from, h.to))
            .collect();
        assert_eq!(
            breaks,
            [
                ("autumn", d(2025, 10, 27), d(2025, 11, 2)),
                ("christmas", d(2025, 12, 22), d(2026, 1, 4)),
                ("spring", d(2026, 2, 16), d(2026, 2, 22)),
                ("easter", d(2026, 4, 6), d(2026, 4, 19)),
            ]
        );
        // 11 November, 1 May, Ascension, the Friday after, Whit Monday.
        for free in [
            d(2025, 11, 11),
            d(2026, 5, 1),
            d(2026, 5, 14),
            d(2026, 5, 15),
            d(2026, 5, 25),
        ] {
            assert_eq!(year.lesson_half_days_between(free, free), 0, "{free}");
        }
        assert_eq!(
            year.lesson_half_days_between(d(2025, 9, 1), d(2025, 9, 1)),
            2
        );
    }

    /// A study day on Thursday 5 September and a free Friday 6 afternoon
    /// at school 1 of the WEEK calendar; school 0 has none.
    #[test]
    fn a_school_day_off_is_no_lesson_half_day_of_that_school() {
        let cal = Calendar::parse(WEEK, Path::new("calendar.toml")).unwrap();
        let y = cal.year(SchoolYear::starting(2024)).unwrap();
        let d = |day| NaiveDate::from_ymd_opt(2024, 9, day).unwrap();
        let slot = |day, half| HalfDaySlot { date: d(day), half };
        let off = SchoolDaysOff::new([
            (SchoolRef(1), slot(6, HalfDay::Afternoon)),
            (SchoolRef(1), slot(5, HalfDay::Morning)),
            (SchoolRef(1), slot(5, HalfDay::Afternoon)),
            (SchoolRef(1), slot(5, HalfDay::Morning)),
        ]);
        assert_eq!(off.len(), 3);
        assert!(off.is_off(SchoolRef(1), slot(5, HalfDay::Afternoon)));
        assert!(!off.is_off(SchoolRef(0), slot(5, HalfDay::Afternoon)));
        assert_eq!(off.between(SchoolRef(1), d(6), d(13)).len(), 1);
        assert!(matches!(off.school_year(SchoolRef(0), y), Cow::Borrowed(_)));
        let own = off.school_year(SchoolRef(1), y);
        // The city's 12 lesson half days (see above) less 3.
        assert_eq!(own.lesson_half_days().len(), 9);
        assert_eq!(own.lesson_half_days_between(d(2), d(6)), 6);
        assert_eq!(own.holidays(), y.holidays());
    }

    #[test]
    fn rejects_unknown_weekday_with_the_key() {
        let bad = WEEK.replace("wednesday-pm", "wodnesday-pm");
        let e = Calendar::parse(&bad, Path::new("cal.toml")).unwrap_err();
        assert!(e.to_string().contains("weekly_free_half_days"), "{e}");
        assert!(e.to_string().starts_with("cal.toml"), "{e}");
    }
}
