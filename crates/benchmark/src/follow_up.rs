//! "Since your last mirror": a follow-up report sets the figures of the
//! school's last mirror (the history snapshot of an earlier period) beside
//! this one's. Both sides are figures as printed: a withheld one stays
//! withheld. (The action-plan goals are in every mirror: [`crate::goals`].)

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::snapshot::{MetricRow, metric_rows_of, read_snapshots};
use crate::{BenchmarkError, Period, SchoolMirror};

/// The figures a follow-up compares: the headline rate, the shares from each
/// threshold, the rate of each kind of absence and the share with a truancy
/// file, as the snapshot names them.
fn followed(metric: &str) -> bool {
    metric == "problematic_rate"
        || metric == "guidance_with_file"
        || metric.starts_with("from_")
        || metric.starts_with("rate_")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SinceLastMirror {
    /// The period of the school's last mirror.
    pub last: Period,
    pub figures: Vec<FigureSince>,
}

/// One figure in the last mirror and now; `None` where it was or is
/// withheld (or did not exist).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureSince {
    /// As in the snapshot: `problematic_rate`, `from_5`, `rate_sick`, ...
    pub metric: String,
    pub then: Option<f64>,
    pub now: Option<f64>,
    pub peer_median_then: Option<f64>,
    pub peer_median_now: Option<f64>,
    /// Whether then and now may be set against each other: rates always;
    /// shares of pupils (which grow as a school year goes on) only between
    /// periods covering the same dates of their school years.
    pub comparable: bool,
}

/// A rate of half days, comparable between periods of different length
/// (unlike a share of pupils reaching a number of half days).
fn is_rate(metric: &str) -> bool {
    metric == "problematic_rate" || metric.starts_with("rate_")
}

/// Whether two periods cover the same dates of their school years.
fn same_part_of_year(a: &Period, b: &Period) -> bool {
    use chrono::Datelike;
    let day = |d: NaiveDate| (d.month(), d.day());
    day(a.from) == day(b.from) && day(a.to) == day(b.to)
}

/// What changed since the school's last mirror: the latest snapshot under
/// `history_dir` of a period that ended before `mirror`'s and holds the
/// school. `None` when the school has had no earlier mirror.
pub fn since_last_mirror(
    history_dir: &Path,
    mirror: &SchoolMirror,
) -> Result<Option<SinceLastMirror>, BenchmarkError> {
    let school = mirror.school.as_str();
    let Some((last, then)) = read_snapshots(history_dir)?
        .into_iter()
        .filter(|s| s.period.to < mirror.period.to)
        .filter_map(|s| {
            let rows: Vec<MetricRow> = s.rows.into_iter().filter(|r| r.school == school).collect();
            (!rows.is_empty()).then_some((s.period, rows))
        })
        .next_back()
    else {
        return Ok(None);
    };
    let now = metric_rows_of(mirror);
    let same_dates = same_part_of_year(&last, &mirror.period);
    let find = |rows: &[MetricRow], metric: &str| rows.iter().find(|r| r.metric == metric).cloned();
    let figures = now
        .iter()
        .filter(|r| followed(&r.metric))
        .map(|r| {
            let before = find(&then, &r.metric);
            FigureSince {
                metric: r.metric.clone(),
                then: before.as_ref().and_then(|b| b.value),
                now: r.value,
                peer_median_then: before.and_then(|b| b.peer_median),
                peer_median_now: r.peer_median,
                comparable: same_dates || is_rate(&r.metric),
            }
        })
        .collect();
    Ok(Some(SinceLastMirror { last, figures }))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use mirror_anonymise::AnonymisedCity;
    use mirror_anonymise::disclosure::ReleaseHistory;
    use mirror_model::SchoolYear;

    use super::*;
    use crate::snapshot::write_snapshot;
    use crate::tests::{close, tiny_city_anonymised};
    use crate::{BenchmarkSettings, CityBenchmark, Reported, run};

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn benchmark(
        city: &AnonymisedCity,
        settings: &BenchmarkSettings,
        reported: Reported,
    ) -> CityBenchmark {
        run(city, settings, reported, &ReleaseHistory::default()).unwrap()
    }

    /// The whole school year 2024-2025 (to 30 June 2025) and the same year up
    /// to Friday 6 September 2024, of the tiny city as read.
    fn whole_and_first_week() -> (CityBenchmark, CityBenchmark) {
        let (city, settings) = tiny_city_anonymised();
        let whole = benchmark(&city, &settings, Reported::Latest);
        let first_week = benchmark(&city, &settings, Reported::UpTo(day(2024, 9, 6)));
        (whole, first_week)
    }

    /// `b`'s figures as though they had been printed for another school year.
    fn as_of_year(b: &CityBenchmark, start_year: i32) -> CityBenchmark {
        let mut other = b.clone();
        other.period = Period::whole(SchoolYear::starting(start_year));
        other
    }

    fn every_school(b: &CityBenchmark) -> BTreeSet<&mirror_model::SchoolId> {
        b.mirrors.iter().map(|m| &m.school).collect()
    }

    fn figure<'a>(s: &'a SinceLastMirror, metric: &str) -> &'a FigureSince {
        s.figures.iter().find(|f| f.metric == metric).unwrap()
    }

    #[test]
    fn no_snapshot_no_follow_up() {
        let (whole, _) = whole_and_first_week();
        let dir = tempfile::tempdir().unwrap();
        // No metrics folder at all.
        assert_eq!(
            since_last_mirror(dir.path(), &whole.mirrors[0]).unwrap(),
            None
        );
    }

    /// Aster up to Fri 6 Sept (README): pupils 1 and 3, 9 half days each, 5
    /// problematic (Mon 2 am and pm, Tue 3 am, Thu 5 am, Fri 6 pm): 5/18;
    /// none sick yet (pupil 1's sick half days are Tue 10 Sept): 0/18. The
    /// whole year: 6/45, sick 2/45.
    /// Its six peers up to 6 Sept: Beuk 0/27, Ceder 1/18 (4 Sept), Den 0/18
    /// (its absences are on 12 Sept), Eik 3/18 (3 Sept am and pm, 4 Sept
    /// am), Fijnspar 4/18, Gagel 0/9 (withheld, 1 pupil, but counted): six
    /// peers are fewer than 10, so the peer figure is the group's pooled
    /// rate with Aster, (5 + 0 + 1 + 0 + 3 + 4 + 0) / (18 + 27 + 4 x 18 + 9)
    /// = 13/126; over the whole year 18/252 (lib.rs). Sick: no peer has a
    /// sick half day; pooled with Aster's, 0 then and 2/252 now.
    /// From 5: 1 pupil both times, withheld; from 10: none, printed 0.
    /// Truancy file: 1 pupil reached 5, withheld both times.
    #[test]
    fn an_earlier_snapshot_gives_then_and_the_mirror_gives_now() {
        let (whole, first_week) = whole_and_first_week();
        let dir = tempfile::tempdir().unwrap();
        write_snapshot(dir.path(), &first_week, &every_school(&first_week)).unwrap();
        let aster = &whole.mirrors[0];
        assert_eq!(aster.school.as_str(), "100001");
        let s = since_last_mirror(dir.path(), aster).unwrap().unwrap();
        assert_eq!(s.last, first_week.period);
        assert_eq!(s.last.to, day(2024, 9, 6));
        assert!(s.last.year_to_date);
        // Followed: the rate, the four thresholds, the five kinds of absence
        // (not `present`) and the truancy file; not months, weekdays, ...
        let metrics: Vec<&str> = s.figures.iter().map(|f| f.metric.as_str()).collect();
        assert_eq!(
            metrics,
            [
                "problematic_rate",
                "from_5",
                "from_10",
                "from_15",
                "from_30",
                "rate_sick",
                "rate_authorised-by-law",
                "rate_authorised-by-head",
                "rate_problematic",
                "rate_other",
                "guidance_with_file",
            ]
        );
        let rate = figure(&s, "problematic_rate");
        assert!(close(rate.then.unwrap(), 5.0 / 18.0));
        assert!(close(rate.now.unwrap(), 6.0 / 45.0));
        assert!(close(rate.peer_median_then.unwrap(), 13.0 / 126.0));
        assert!(close(rate.peer_median_now.unwrap(), 18.0 / 252.0));
        // Problematic absences are the same half days as the headline rate.
        let problematic = figure(&s, "rate_problematic");
        assert!(close(problematic.then.unwrap(), 5.0 / 18.0));
        assert!(close(problematic.now.unwrap(), 6.0 / 45.0));
        let sick = figure(&s, "rate_sick");
        assert_eq!((sick.then, sick.now), (Some(0.0), Some(2.0 / 45.0)));
        assert_eq!(
            (sick.peer_median_then, sick.peer_median_now),
            (Some(0.0), Some(2.0 / 252.0))
        );
        let from_5 = figure(&s, "from_5");
        assert_eq!((from_5.then, from_5.now), (None, None));
        let from_10 = figure(&s, "from_10");
        assert_eq!((from_10.then, from_10.now), (Some(0.0), Some(0.0)));
        let file = figure(&s, "guidance_with_file");
        assert_eq!((file.then, file.now), (None, None));
        // 1-6 September against 1 September-30 June: rates may be set side
        // by side, shares of pupils (which grow over a year) may not.
        let comparable: Vec<(&str, bool)> = s
            .figures
            .iter()
            .map(|f| (f.metric.as_str(), f.comparable))
            .collect();
        assert_eq!(
            comparable,
            [
                ("problematic_rate", true),
                ("from_5", false),
                ("from_10", false),
                ("from_15", false),
                ("from_30", false),
                ("rate_sick", true),
                ("rate_authorised-by-law", true),
                ("rate_authorised-by-head", true),
                ("rate_problematic", true),
                ("rate_other", true),
                ("guidance_with_file", false),
            ]
        );
    }

    /// A snapshot of the mirror's own period (the run that made it, or a
    /// rerun) or of a later one is no "last mirror".
    #[test]
    fn a_snapshot_of_the_same_or_a_later_period_is_not_a_last_mirror() {
        let (whole, first_week) = whole_and_first_week();
        let dir = tempfile::tempdir().unwrap();
        write_snapshot(dir.path(), &whole, &every_school(&whole)).unwrap();
        let later = as_of_year(&whole, 2025);
        write_snapshot(dir.path(), &later, &every_school(&later)).unwrap();
        assert_eq!(
            since_last_mirror(dir.path(), &whole.mirrors[0]).unwrap(),
            None
        );
        // With an earlier one beside them, that one is taken, though the
        // other two end later.
        write_snapshot(dir.path(), &first_week, &every_school(&first_week)).unwrap();
        let s = since_last_mirror(dir.path(), &whole.mirrors[0])
            .unwrap()
            .unwrap();
        assert_eq!(s.last, first_week.period);
        assert!(close(
            figure(&s, "problematic_rate").then.unwrap(),
            5.0 / 18.0
        ));
    }

    /// 2023-2024 ends 30 June 2024, the first week of 2024-2025 on 6
    /// September 2024: the later one is the last mirror.
    #[test]
    fn of_two_earlier_snapshots_the_later_one_is_taken() {
        let (whole, first_week) = whole_and_first_week();
        let dir = tempfile::tempdir().unwrap();
        // The whole year's figures (Aster 6/45) as printed for 2023-2024.
        let year_before = as_of_year(&whole, 2023);
        write_snapshot(dir.path(), &year_before, &every_school(&year_before)).unwrap();
        let s = since_last_mirror(dir.path(), &whole.mirrors[0])
            .unwrap()
            .unwrap();
        assert_eq!(s.last, Period::whole(SchoolYear::starting(2023)));
        assert!(close(
            figure(&s, "problematic_rate").then.unwrap(),
            6.0 / 45.0
        ));
        // Two whole years, 1 September-30 June each: every figure compares.
        assert!(s.figures.iter().all(|f| f.comparable));
        write_snapshot(dir.path(), &first_week, &every_school(&first_week)).unwrap();
        let s = since_last_mirror(dir.path(), &whole.mirrors[0])
            .unwrap()
            .unwrap();
        assert_eq!(s.last, first_week.period);
        assert!(close(
            figure(&s, "problematic_rate").then.unwrap(),
            5.0 / 18.0
        ));
    }

    /// The first week's snapshot holds only Beuk (Aster's report was not
    /// written then): for Aster the last mirror is 2023-2024's; for Beuk the
    /// first week's, where its 3 pupils (20000001, 20000002 and 10000002
    /// until 6 Sept) had 27 half days and none problematic: 0.
    #[test]
    fn a_snapshot_without_the_school_is_skipped() {
        let (whole, first_week) = whole_and_first_week();
        let dir = tempfile::tempdir().unwrap();
        let year_before = as_of_year(&whole, 2023);
        write_snapshot(dir.path(), &year_before, &every_school(&year_before)).unwrap();
        let beuk = &first_week.mirrors[1].school;
        assert_eq!(beuk.as_str(), "100002");
        write_snapshot(dir.path(), &first_week, &BTreeSet::from([beuk])).unwrap();
        let aster = since_last_mirror(dir.path(), &whole.mirrors[0])
            .unwrap()
            .unwrap();
        assert_eq!(aster.last, Period::whole(SchoolYear::starting(2023)));
        assert!(close(
            figure(&aster, "problematic_rate").then.unwrap(),
            6.0 / 45.0
        ));
        let beuk = since_last_mirror(dir.path(), &whole.mirrors[1])
            .unwrap()
            .unwrap();
        assert_eq!(beuk.last, first_week.period);
        assert_eq!(figure(&beuk, "problematic_rate").then, Some(0.0));
    }
}
