//! A school's attendance totals over a period, for schools whose package
//! exports no pupil-level data: half days per category for a day, a month or
//! a whole school year. They give rates of half days, and months or weekdays
//! as far as the rows are that fine; never anything about pupils one by one.

use std::collections::BTreeMap;

use chrono::Datelike;
use mirror_anonymise::AnonymisedCity;
use mirror_model::{AbsenceCategory, AttendanceTotals, SchoolRef};

use crate::Period;
use crate::counts::{HalfDays, MONTHS, school_month};

/// One school's totals over a period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PeriodTotals {
    /// The most pupils enrolled in any of its rows.
    pub pupils: u32,
    /// Half days registered per category, in the order of
    /// [`AbsenceCategory::ALL`] (present first): together, the half days
    /// pupils were expected at school.
    pub registered: [u64; 6],
    /// Per school month; `None` when a row spans more than one month (a
    /// whole school year).
    pub by_month: Option<[HalfDays; MONTHS]>,
    /// Per weekday, Monday first, whole days (totals do not split mornings
    /// from afternoons); `None` unless every row is one day.
    pub by_weekday: Option<[HalfDays; 7]>,
}

impl PeriodTotals {
    fn add(&mut self, t: &AttendanceTotals) {
        self.pupils = self.pupils.max(t.enrolled);
        for (sum, n) in self.registered.iter_mut().zip(t.half_days) {
            *sum += u64::from(n);
        }
        let row = HalfDays {
            expected: t.half_days.iter().map(|n| u64::from(*n)).sum(),
            problematic: u64::from(t.half_days(AbsenceCategory::Problematic)),
        };
        let add = |into: &mut HalfDays| {
            into.expected += row.expected;
            into.problematic += row.problematic;
        };
        let one_month = (t.from.year(), t.from.month()) == (t.to.year(), t.to.month());
        match &mut self.by_month {
            Some(months) if one_month => add(&mut months[school_month(t.from)]),
            _ => self.by_month = None,
        }
        match &mut self.by_weekday {
            Some(days) if t.from == t.to => {
                add(&mut days[t.from.weekday().num_days_from_monday() as usize]);
            }
            _ => self.by_weekday = None,
        }
    }

    /// Half days expected (every category registered) and problematic ones.
    pub fn half_days(&self) -> HalfDays {
        HalfDays {
            expected: self.registered.iter().sum(),
            problematic: self.registered[category_index(AbsenceCategory::Problematic)],
        }
    }
}

fn category_index(category: AbsenceCategory) -> usize {
    AbsenceCategory::ALL
        .iter()
        .position(|c| *c == category)
        .expect("ALL lists every category")
}

/// Every school's totals over `period`: the rows that lie wholly inside it
/// (a month or a school year that runs past an as-of date is left out, not
/// cut: totals cannot be split by day).
pub(crate) fn period_totals(
    city: &AnonymisedCity,
    period: &Period,
) -> BTreeMap<SchoolRef, PeriodTotals> {
    let mut totals: BTreeMap<SchoolRef, PeriodTotals> = BTreeMap::new();
    for t in city.attendance_totals() {
        if t.from < period.from || t.to > period.to {
            continue;
        }
        totals
            .entry(t.school)
            .or_insert_with(|| PeriodTotals {
                by_month: Some(Default::default()),
                by_weekday: Some(Default::default()),
                ..Default::default()
            })
            .add(t);
    }
    totals
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn row(from: NaiveDate, to: NaiveDate, half_days: [u32; 6]) -> AttendanceTotals {
        AttendanceTotals {
            school: SchoolRef(0),
            from,
            to,
            enrolled: 10,
            half_days,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Two days (Monday 6 and Tuesday 7 October 2025): 20 half days each,
    /// 1 and 3 problematic; both in October (school month 1).
    #[test]
    fn days_give_months_and_weekdays() {
        let mut t = PeriodTotals {
            by_month: Some(Default::default()),
            by_weekday: Some(Default::default()),
            ..Default::default()
        };
        t.add(&row(
            day(2025, 10, 6),
            day(2025, 10, 6),
            [17, 2, 0, 0, 1, 0],
        ));
        t.add(&row(
            day(2025, 10, 7),
            day(2025, 10, 7),
            [15, 1, 1, 0, 3, 0],
        ));
        let h = |expected, problematic| HalfDays {
            expected,
            problematic,
        };
        assert_eq!(t.half_days(), h(40, 4));
        assert_eq!(t.registered, [32, 3, 1, 0, 4, 0]);
        assert_eq!(t.by_month.unwrap()[1], h(40, 4));
        let days = t.by_weekday.unwrap();
        assert_eq!((days[0], days[1], days[2]), (h(20, 1), h(20, 3), h(0, 0)));
        // A month row: months still, weekdays no longer.
        t.add(&row(
            day(2025, 11, 1),
            day(2025, 11, 30),
            [90, 5, 0, 0, 5, 0],
        ));
        assert!(t.by_weekday.is_none());
        assert_eq!(t.by_month.unwrap()[2], h(100, 5));
        // A school year: neither.
        t.add(&row(day(2025, 9, 1), day(2026, 6, 30), [1, 0, 0, 0, 0, 0]));
        assert!(t.by_month.is_none());
        assert_eq!(t.half_days(), h(141, 9));
    }
}
