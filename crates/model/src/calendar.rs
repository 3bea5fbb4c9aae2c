//! The school calendar: which half days have lessons. It decides how many half
//! days a pupil was expected at school, since the usual export lists absences only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::{HalfDay, HalfDaySlot, SchoolYear};

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

    #[test]
    fn rejects_unknown_weekday_with_the_key() {
        let bad = WEEK.replace("wednesday-pm", "wodnesday-pm");
        let e = Calendar::parse(&bad, Path::new("cal.toml")).unwrap_err();
        assert!(e.to_string().contains("weekly_free_half_days"), "{e}");
        assert!(e.to_string().starts_with("cal.toml"), "{e}");
    }
}
