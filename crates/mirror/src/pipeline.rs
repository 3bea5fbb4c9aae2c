//! The stages up to the reports: configuration and inputs, ingest,
//! anonymise, benchmark. Each command takes what it needs from [`Prepared`].

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use mirror_anonymise::Anonymised;
use mirror_anonymise::disclosure::ReleaseHistory;
use mirror_benchmark::{CityBenchmark, Cohort, Period, Reported};
use mirror_ingest::DataQuality;
use mirror_model::{Calendar, Config, SchoolId};

use crate::inputs::{Inputs, hash_inputs};
use crate::output::{PeriodDir, create_dir, write_atomically};
use crate::{CliError, suggest};

/// Which schools a command makes mirrors for.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    All,
    Schools(Vec<SchoolId>),
}

impl Selection {
    pub fn contains(&self, school: &SchoolId) -> bool {
        match self {
            Self::All => true,
            Self::Schools(ids) => ids.contains(school),
        }
    }
}

/// How long each stage took.
#[derive(Debug, Default, Clone, Copy)]
pub struct Timings {
    pub ingest: Duration,
    pub anonymise: Duration,
    pub benchmark: Duration,
}

#[derive(Debug)]
pub struct Prepared {
    pub config: Config,
    pub inputs: Inputs,
    pub anonymised: Anonymised,
    pub benchmark: CityBenchmark,
    pub dir: PeriodDir,
    /// Schools whose data has errors, by id: no mirror until fixed.
    pub held_back: Vec<SchoolId>,
    pub warnings: usize,
    pub timings: Timings,
}

/// Runs ingest, anonymise and benchmark for `reported`, after checking that
/// every selected school exists. Schools whose data has errors stop the run
/// unless `keep_going`; the data-quality report is written either way.
/// Returns the release history too: the batch records what it publishes.
pub fn prepare(
    config_path: &Path,
    reported: Reported,
    selection: &Selection,
    keep_going: bool,
) -> Result<(Prepared, ReleaseHistory), CliError> {
    let started = Instant::now();
    let config = Config::load(config_path)?;
    if let Err(source) = std::fs::read_dir(&config.data_dir) {
        return Err(CliError::DataDir {
            path: config.data_dir.clone(),
            config: config_path.to_owned(),
            source,
        });
    }
    let inputs = hash_inputs(config_path, &config)?;
    let calendar = Calendar::load(&config.calendar)?;
    let ingested = mirror_ingest::run(&config, calendar)?;
    let may_render = ingested.may_render(&config);
    let quality = ingested.quality;
    if let Selection::Schools(ids) = selection {
        let known: Vec<&str> = ingested
            .city
            .registry
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        if let Some(unknown) = ids.iter().find(|id| !known.contains(&id.as_str())) {
            return Err(CliError::UnknownSchool {
                id: unknown.clone(),
                closest: suggest::closest(unknown.as_str(), &known).map(str::to_owned),
                registry: config.data_dir.join("registry.csv"),
            });
        }
    }
    if !may_render {
        let report = write_quality_report(&config.out_dir.join("quality"), &quality)?;
        let _ = write!(std::io::stderr().lock(), "{}", quality.summary());
        let count = quality
            .unreadable_files()
            .count()
            .max(if config.ingest.stop_on_error {
                quality.errors().count()
            } else {
                0
            });
        return Err(CliError::Data {
            count,
            report: report.display().to_string(),
        });
    }
    let held_back: Vec<SchoolId> = ingested
        .city
        .held_back
        .iter()
        .map(|s| ingested.city.registry[s.index()].id.clone())
        .collect();
    let ingest_done = Instant::now();
    let key =
        mirror_anonymise::PseudonymKey::load(config.pseudonym_key_file.as_deref(), &config.source)?;
    let places = mirror_anonymise::Places::load(&config.places)?;
    let anonymised = mirror_anonymise::run(ingested.city, &key, &places, &config.privacy);
    for w in &anonymised.withheld_practices {
        let found: Vec<String> = w
            .found
            .iter()
            .map(|l| format!("{} ({}x)", l.rule.describe(), l.count))
            .collect();
        eprintln!(
            "warning: {}: after redaction the note still holds {}; it is shared in no report. Rewrite it without names, or add the missing name to the registry's aliases or the rosters.",
            w.source.display(),
            found.join(", ")
        );
    }
    let anonymise_done = Instant::now();
    let period: Period = mirror_benchmark::period_of(&anonymised.city, reported)?;
    let dir = PeriodDir::new(&config.out_dir, &period);
    let report = write_quality_report(&dir.quality(), &quality)?;
    let stopping: Vec<&SchoolId> = held_back.iter().filter(|s| selection.contains(s)).collect();
    if !stopping.is_empty() {
        let list = stopping
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if !keep_going {
            return Err(CliError::HeldBack {
                schools: list,
                report: report.display().to_string(),
            });
        }
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: no mirror for {} school(s) whose data has errors: {list}. Fix the data (see {}) and run again.",
            stopping.len(),
            report.display()
        );
    }
    let released = ReleaseHistory::load(&config.privacy.history_dir)?;
    let settings = mirror_benchmark::BenchmarkSettings {
        thresholds: config.thresholds.clone(),
        peers: config.peers.clone(),
        privacy: config.privacy.clone(),
        cohort: match config.cohort_enrolled_on {
            Some((month, day)) => Cohort::EnrolledOn { month, day },
            None => Cohort::Enrolled,
        },
        practices_per_report: config.practices.per_report,
    };
    let benchmark = mirror_benchmark::run(&anonymised.city, &settings, reported, &released)?;
    if let Selection::Schools(ids) = selection {
        for id in ids {
            let has_mirror = benchmark.mirrors.iter().any(|m| &m.school == id);
            if !has_mirror && !held_back.contains(id) {
                return Err(CliError::NoMirror {
                    id: id.clone(),
                    period: describe_period(&period),
                });
            }
        }
    }
    let benchmark_done = Instant::now();
    let prepared = Prepared {
        warnings: quality.problems().len() - quality.errors().count()
            + anonymised.withheld_practices.len(),
        config,
        inputs,
        anonymised,
        benchmark,
        dir,
        held_back,
        timings: Timings {
            ingest: ingest_done - started,
            anonymise: anonymise_done - ingest_done,
            benchmark: benchmark_done - anonymise_done,
        },
    };
    Ok((prepared, released))
}

pub fn describe_period(period: &Period) -> String {
    if period.year_to_date {
        format!(
            "school year {} up to {} (from {})",
            period.year, period.to, period.from
        )
    } else {
        format!(
            "school year {} ({} to {})",
            period.year, period.from, period.to
        )
    }
}

/// Writes `data-quality.txt` and `data-quality.csv` to `dir` and returns the
/// path of the first.
pub fn write_quality_report(
    dir: &Path,
    quality: &DataQuality,
) -> Result<std::path::PathBuf, CliError> {
    create_dir(dir)?;
    let text = dir.join("data-quality.txt");
    write_atomically(&text, quality.summary().as_bytes())?;
    write_atomically(&dir.join("data-quality.csv"), quality.to_csv().as_bytes())?;
    Ok(text)
}
