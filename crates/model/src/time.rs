use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ParseValueError;

/// A school year, 1 September to 30 June, named by the calendar year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchoolYear {
    start_year: i32,
}

impl SchoolYear {
    pub fn starting(start_year: i32) -> Self {
        Self { start_year }
    }

    /// The school year a date belongs to; July and August belong to the year
    /// that just ended (no lessons are given then).
    pub fn containing(date: NaiveDate) -> Self {
        let start_year = if date.month() >= 9 {
            date.year()
        } else {
            date.year() - 1
        };
        Self { start_year }
    }

    pub fn start_year(self) -> i32 {
        self.start_year
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.start_year, 9, 1).expect("1 September exists")
    }

    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.start_year + 1, 6, 30).expect("30 June exists")
    }

    pub fn next(self) -> Self {
        Self::starting(self.start_year + 1)
    }

    pub fn previous(self) -> Self {
        Self::starting(self.start_year - 1)
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start_year, self.start_year + 1)
    }
}

impl std::str::FromStr for SchoolYear {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseValueError::new(s, "a school year such as 2024-2025");
        let (a, b) = s.split_once('-').ok_or_else(err)?;
        let (a, b): (i32, i32) = (a.parse().map_err(|_| err())?, b.parse().map_err(|_| err())?);
        if b != a + 1 || !(1900..=2999).contains(&a) {
            return Err(err());
        }
        Ok(Self::starting(a))
    }
}

impl Serialize for SchoolYear {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SchoolYear {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Attendance is registered per half day: morning or afternoon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HalfDay {
    Morning,
    Afternoon,
}

impl HalfDay {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Morning => "am",
            Self::Afternoon => "pm",
        }
    }
}

impl std::str::FromStr for HalfDay {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // The exact spellings first: this runs for every registration.
        match s {
            "am" => return Ok(Self::Morning),
            "pm" => return Ok(Self::Afternoon),
            _ => {}
        }
        match s.trim().to_ascii_lowercase().as_str() {
            "am" | "morning" | "vm" => Ok(Self::Morning),
            "pm" | "afternoon" | "nm" => Ok(Self::Afternoon),
            _ => Err(ParseValueError::new(s, "a half day (am or pm)")),
        }
    }
}

/// One half day on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HalfDaySlot {
    pub date: NaiveDate,
    pub half: HalfDay,
}

/// A pupil, by position in the run's pupil table. It carries no pupil number:
/// ingest holds the numbers and anonymise replaces them by pseudonyms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PupilRef(pub u32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn school_year_of_a_date() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            SchoolYear::containing(d(2024, 9, 1)).to_string(),
            "2024-2025"
        );
        assert_eq!(
            SchoolYear::containing(d(2025, 6, 30)).to_string(),
            "2024-2025"
        );
        assert_eq!(
            SchoolYear::containing(d(2025, 8, 31)).to_string(),
            "2024-2025"
        );
    }

    #[test]
    fn school_year_parses_only_consecutive_years() {
        assert_eq!(
            "2024-2025".parse::<SchoolYear>().unwrap().start_year(),
            2024
        );
        assert!("2024-2026".parse::<SchoolYear>().is_err());
        assert!("2024".parse::<SchoolYear>().is_err());
    }
}
