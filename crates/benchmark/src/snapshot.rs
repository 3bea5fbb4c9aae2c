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
    let fail = |message: String| BenchmarkError::Snapshot {
        path: path.clone(),
        message,
    };
    let mut rows: Vec<MetricRow> = if path.exists() {
        read_snapshot(&path)?
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
        return Ok(path);
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
    let parent = path.parent().expect("the path has a metrics folder");
    std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
    // Written beside and renamed, so a crash never leaves half a snapshot.
    let partial = path.with_extension("parquet.partial");
    let file = std::fs::File::create(&partial).map_err(|e| fail(e.to_string()))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&partial, &path).map_err(|e| fail(e.to_string()))?;
    Ok(path)
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
