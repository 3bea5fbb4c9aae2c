//! Snapshots of every school's metrics per period, kept as Parquet under the
//! history folder so that a follow-up can say what changed since the last
//! mirror. A snapshot holds exactly what the mirrors printed: a withheld
//! figure is null, never its value.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use mirror_model::{SchoolId, SchoolYear};

use crate::{BenchmarkError, CityBenchmark, Comparison, Period, SchoolMirror};

/// One printed figure of one school.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub school: String,
    /// Such as `problematic_rate`, `from_15`, `rate_sick`, `month_9`, `grade_2A`.
    pub metric: String,
    pub value: Option<f64>,
    pub peer_median: Option<f64>,
    /// The funnel position against peers or city, such as `within`.
    pub position: Option<String>,
}

/// Every figure the mirrors of `benchmark` print for their period, in
/// registry order then the order of the report.
pub fn metric_rows(benchmark: &CityBenchmark) -> Vec<MetricRow> {
    benchmark.mirrors.iter().flat_map(metric_rows_of).collect()
}

/// Every figure one mirror prints for its period, in the order of the report.
pub fn metric_rows_of(m: &SchoolMirror) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    let mut push = |metric: String, c: &Comparison| {
        rows.push(MetricRow {
            school: m.school.to_string(),
            metric,
            value: c.school.value(),
            peer_median: c.peers.map(|p| p.median),
            position: c.judged.map(|j| {
                serde_json::to_value(j.position)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
        });
    };
    if let Some(now) = m.history.last() {
        push("problematic_rate".into(), &now.problematic_rate);
        for (t, c) in m.thresholds.iter().zip(&now.pupils_from_threshold) {
            push(format!("from_{t}"), c);
        }
    }
    for c in &m.categories {
        push(format!("rate_{}", c.category.as_str()), &c.rate);
    }
    let p = &m.patterns;
    for (prefix, parts) in [
        ("month", &p.months),
        ("weekday", &p.weekdays),
        ("grade", &p.grades),
        ("form", &p.forms),
        ("holiday", &p.near_holidays),
    ] {
        for part in parts {
            push(format!("{prefix}_{}", part.part), &part.rate);
        }
    }
    push("guidance_with_file".into(), &m.guidance.with_file);
    rows
}

/// The file a period's snapshot goes to: one per whole year, one per
/// year-to-date day.
pub fn snapshot_path(dir: &Path, period: &Period) -> PathBuf {
    let name = if period.year_to_date {
        format!("{}-to-{}.parquet", period.year, period.to)
    } else {
        format!("{}.parquet", period.year)
    };
    dir.join("metrics").join(name)
}

/// A period's snapshot as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub period: Period,
    pub rows: Vec<MetricRow>,
}

/// Writes the figures of the mirrors of `written` (the schools whose reports
/// this run wrote) to the snapshot of `benchmark`'s period under `dir`. Rows
/// of other schools already there stay: they are what those schools last
/// received for the period.
pub fn write_snapshot(
    dir: &Path,
    benchmark: &CityBenchmark,
    written: &BTreeSet<&SchoolId>,
) -> Result<PathBuf, BenchmarkError> {
    let path = snapshot_path(dir, &benchmark.period);
    write_snapshot_to(dir, &path, benchmark, written)?;
    Ok(path)
}

/// As [`write_snapshot`], but the file goes to `to` (a staging folder's,
/// say, published later in the place of the snapshot under `dir`).
pub fn write_snapshot_to(
    dir: &Path,
    to: &Path,
    benchmark: &CityBenchmark,
    written: &BTreeSet<&SchoolId>,
) -> Result<(), BenchmarkError> {
    let earlier = snapshot_path(dir, &benchmark.period);
    let path = to.to_owned();
    let fail = |message: String| BenchmarkError::Snapshot {
        path: path.clone(),
        message,
    };
    let mut rows: Vec<MetricRow> = if earlier.exists() {
        read_snapshot(&earlier)?
            .rows
            .into_iter()
            .filter(|r| !written.iter().any(|w| w.as_str() == r.school))
            .collect()
    } else {
        Vec::new()
    };
    rows.extend(
        metric_rows(benchmark)
            .into_iter()
            .filter(|r| written.iter().any(|w| w.as_str() == r.school)),
    );
    // Stable: each school's rows stay in the order of the report.
    rows.sort_by(|a, b| a.school.cmp(&b.school));
    if rows.is_empty() {
        // Nothing written and nothing kept: no file rather than one
        // without a period.
        return Ok(());
    }
    let days = |d: NaiveDate| (d - epoch()).num_days() as i32;
    let n = rows.len();
    let date_column =
        |name: &str, d: NaiveDate| Column::new(name.into(), vec![days(d); n]).cast(&DataType::Date);
    let period = &benchmark.period;
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new(
                "school_id".into(),
                rows.iter().map(|r| r.school.as_str()).collect::<Vec<_>>(),
            ),
            Column::new("school_year".into(), vec![period.year.to_string(); n]),
            date_column("period_from", period.from).map_err(|e| fail(e.to_string()))?,
            date_column("period_to", period.to).map_err(|e| fail(e.to_string()))?,
            Column::new(
                "metric".into(),
                rows.iter().map(|r| r.metric.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "value".into(),
                rows.iter().map(|r| r.value).collect::<Vec<_>>(),
            ),
            Column::new(
                "peer_median".into(),
                rows.iter().map(|r| r.peer_median).collect::<Vec<_>>(),
            ),
            Column::new(
                "position".into(),
                rows.iter()
                    .map(|r| r.position.as_deref())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
    .map_err(|e| fail(e.to_string()))?;
    let parent = path.parent().expect("a snapshot path names its folder");
    std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
    // Written beside and renamed, so a crash never leaves half a snapshot.
    let partial = path.with_extension("parquet.partial");
    let file = std::fs::File::create(&partial).map_err(|e| fail(e.to_string()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&partial, &path).map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// A snapshot written by [`write_snapshot`].
pub fn read_snapshot(path: &Path) -> Result<Snapshot, BenchmarkError> {
    let fail = |message: String| BenchmarkError::Snapshot {
        path: path.to_owned(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| fail(e.to_string()))?;
    let text = |name: &str| -> Result<Vec<Option<String>>, BenchmarkError> {
        let c = df.column(name).map_err(|e| fail(e.to_string()))?;
        let s = c.str().map_err(|e| fail(e.to_string()))?;
        Ok((0..s.len()).map(|i| s.get(i).map(str::to_owned)).collect())
    };
    let number = |name: &str| -> Result<Vec<Option<f64>>, BenchmarkError> {
        let c = df.column(name).map_err(|e| fail(e.to_string()))?;
        let f = c.f64().map_err(|e| fail(e.to_string()))?;
        Ok((0..f.len()).map(|i| f.get(i)).collect())
    };
    let (schools, metrics, positions) = (text("school_id")?, text("metric")?, text("position")?);
    let (values, medians) = (number("value")?, number("peer_median")?);
    let rows = (0..df.height())
        .map(|i| MetricRow {
            school: schools[i].clone().unwrap_or_default(),
            metric: metrics[i].clone().unwrap_or_default(),
            value: values[i],
            peer_median: medians[i],
            position: positions[i].clone(),
        })
        .collect();
    let day = |name: &str| -> Result<NaiveDate, BenchmarkError> {
        let c = df.column(name).map_err(|e| fail(e.to_string()))?;
        let d = c.date().map_err(|e| fail(e.to_string()))?;
        d.phys
            .get(0)
            .and_then(|days| epoch().checked_add_signed(chrono::Duration::days(days.into())))
            .ok_or_else(|| fail(format!("no {name}")))
    };
    let (from, to) = (day("period_from")?, day("period_to")?);
    let year = SchoolYear::containing(from);
    Ok(Snapshot {
        period: Period {
            year,
            from,
            to,
            year_to_date: to < year.last_day(),
        },
        rows,
    })
}

/// Every snapshot under `dir`, oldest period first; none when the history
/// folder has none yet.
pub fn read_snapshots(dir: &Path) -> Result<Vec<Snapshot>, BenchmarkError> {
    let metrics = dir.join("metrics");
    let Ok(entries) = std::fs::read_dir(&metrics) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    paths.sort();
    let mut snapshots = paths
        .iter()
        .map(|p| read_snapshot(p))
        .collect::<Result<Vec<_>, _>>()?;
    snapshots.sort_by_key(|s| (s.period.to, s.period.from));
    Ok(snapshots)
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("1 January 1970 exists")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Figure;
    use crate::tests::{close, tiny_city};

    fn rate_of(rows: &[MetricRow], school: &str) -> Vec<Option<f64>> {
        rows.iter()
            .filter(|r| r.school == school && r.metric == "problematic_rate")
            .map(|r| r.value)
            .collect()
    }

    /// A first run of 2024-2025 writes Aster's report alone, with a rate set
    /// to 0.5 so that its rows can be told from the tiny city's (6/45); a
    /// second run of the same period writes Beuk's alone (0 of 45 half
    /// days). Aster's rows stay as the first run printed them.
    #[test]
    fn writing_one_school_keeps_the_other_schools_earlier_rows() {
        let b = tiny_city();
        let dir = tempfile::tempdir().unwrap();
        let (aster, beuk) = (&b.mirrors[0].school, &b.mirrors[1].school);
        assert_eq!((aster.as_str(), beuk.as_str()), ("100001", "100002"));
        let mut first = b.clone();
        first.mirrors[0]
            .history
            .last_mut()
            .unwrap()
            .problematic_rate
            .school = Figure::Value(0.5);
        write_snapshot(dir.path(), &first, &BTreeSet::from([aster])).unwrap();
        let path = write_snapshot(dir.path(), &b, &BTreeSet::from([beuk])).unwrap();
        let rows = read_snapshot(&path).unwrap().rows;
        assert_eq!(rate_of(&rows, "100001"), [Some(0.5)]);
        assert_eq!(rate_of(&rows, "100002"), [Some(0.0)]);
        // Every row of both, Aster's first (sorted by school), each
        // school's in the order of its report; no other school.
        let expected: Vec<MetricRow> = metric_rows_of(&first.mirrors[0])
            .into_iter()
            .chain(metric_rows_of(&b.mirrors[1]))
            .collect();
        assert_eq!(rows, expected);

        // Writing Aster again replaces its rows, once each, and keeps Beuk's.
        write_snapshot(dir.path(), &b, &BTreeSet::from([aster])).unwrap();
        let rows = read_snapshot(&path).unwrap().rows;
        let aster_rate = rate_of(&rows, "100001");
        assert_eq!(aster_rate.len(), 1);
        assert!(close(aster_rate[0].unwrap(), 6.0 / 45.0));
        assert_eq!(rate_of(&rows, "100002"), [Some(0.0)]);
        assert_eq!(
            rows.len(),
            metric_rows_of(&b.mirrors[0]).len() + metric_rows_of(&b.mirrors[1]).len()
        );
    }

    /// No school written and no snapshot yet: no file, rather than one
    /// without rows.
    #[test]
    fn writing_no_school_to_no_snapshot_writes_no_file() {
        let b = tiny_city();
        let dir = tempfile::tempdir().unwrap();
        let path = write_snapshot(dir.path(), &b, &BTreeSet::new()).unwrap();
        assert!(path.ends_with("metrics/2024-2025.parquet"));
        assert!(!path.exists());
        assert!(read_snapshots(dir.path()).unwrap().is_empty());
    }

    /// A year-to-date period is named after its last day, and reads back as
    /// year to date: 2024-2025 up to Friday 6 September 2024.
    #[test]
    fn a_year_to_date_snapshot_is_named_by_its_day_and_reads_back() {
        let mut b = tiny_city();
        b.period = Period::up_to(NaiveDate::from_ymd_opt(2024, 9, 6).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let all = b.mirrors.iter().map(|m| &m.school).collect();
        let path = write_snapshot(dir.path(), &b, &all).unwrap();
        assert!(path.ends_with("metrics/2024-2025-to-2024-09-06.parquet"));
        let read = read_snapshot(&path).unwrap();
        assert_eq!(
            read.period.from,
            NaiveDate::from_ymd_opt(2024, 9, 1).unwrap()
        );
        assert!(read.period.year_to_date);
        assert_eq!(read.period, b.period);
    }
}
