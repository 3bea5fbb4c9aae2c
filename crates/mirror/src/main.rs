//! `mirror`: the command the city's school support team runs. It only wires
//! the stages together: ingest -> anonymise -> benchmark -> render.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use mirror_anonymise::disclosure::ReleaseHistory;
use mirror_benchmark::{Cohort, Reported};
use mirror_model::{Calendar, Config, SchoolRef, SchoolYear};
use rayon::prelude::*;

mod manifest;

#[derive(Parser)]
#[command(
    name = "mirror",
    version,
    about = "School mirrors: truancy figures beside similar schools, one PDF per school"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make the mirror of every school for a school year.
    #[command(
        after_help = "Examples:\n  mirror run\n  mirror run --year 2024-2025 --config /secure/city/mirror.toml\n\nExit status: 0 every mirror written; 1 an error stopped the run, nothing written;\n2 schools whose data has errors were held back; 3 the leak guard refused a report\n(the others are written; see manifest.json)."
    )]
    Run {
        /// The configuration file.
        #[arg(long, default_value = "config/mirror.toml")]
        config: PathBuf,
        /// The school year to report (default: the latest with data), e.g. 2024-2025.
        #[arg(long, conflicts_with = "as_of")]
        year: Option<SchoolYear>,
        /// Report the school year up to this day (year to date), compared
        /// with the same dates a year earlier, e.g. 2026-03-15.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Read and check every source, without making reports: writes a
    /// data-quality report to the terminal and to the output folder.
    #[command(
        after_help = "Examples:\n  mirror check --config /secure/city/mirror.toml\n  mirror check --data-dir /secure/exports/2026-03 --out-dir /tmp/check"
    )]
    Check {
        /// The configuration file.
        #[arg(long, default_value = "config/mirror.toml")]
        config: PathBuf,
        /// Check this data folder instead of the configuration's `data_dir`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Write the report here instead of the configuration's `out_dir`.
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
    /// Write a synthetic city in the documented input formats.
    #[command(
        after_help = "Example (the shipped sample):\n  mirror sample-data --schools 40 --years 3 --seed 2026 --out sample-data"
    )]
    SampleData {
        #[arg(long, default_value_t = 40)]
        schools: usize,
        #[arg(long, default_value_t = 3)]
        years: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// The last school year generated.
        #[arg(long, default_value = "2025-2026")]
        last_year: SchoolYear,
        #[arg(long)]
        out: PathBuf,
        /// Write the registrations as CSV instead of Parquet.
        #[arg(long)]
        csv_registrations: bool,
        /// The configuration whose school calendar the data follows.
        #[arg(long, default_value = "config/mirror.toml")]
        config: PathBuf,
    },
}

/// An error for the person running the tool, with what to do about it.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Config(#[from] mirror_model::ConfigError),
    #[error(transparent)]
    Calendar(#[from] mirror_model::CalendarError),
    #[error(transparent)]
    Ingest(#[from] mirror_ingest::IngestError),
    #[error(transparent)]
    Anonymise(#[from] mirror_anonymise::AnonymiseError),
    #[error(transparent)]
    Benchmark(#[from] mirror_benchmark::BenchmarkError),
    #[error(transparent)]
    Render(#[from] mirror_render::RenderError),
    #[error(transparent)]
    Sample(#[from] mirror_sample_city::SampleError),
    #[error(
        "the data has problems that stop the run ({count}); nothing was rendered. The list is in {report}"
    )]
    Data { count: usize, report: String },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The exit status of a run that made every mirror but those of the schools
/// whose data has errors.
const HELD_BACK: u8 = 2;
/// The exit status of a run in which the leak guard refused a report.
const REFUSED: u8 = 3;

/// Typst lays out and usvg parses chart SVGs recursively: the 2 MiB a
/// worker thread gets by default overflowed on a 300-school batch.
const RENDER_STACK_BYTES: usize = 32 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Fails only if a pool was built already, which nothing here does.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(RENDER_STACK_BYTES)
        .build_global();
    let result = match cli.command {
        Command::Run {
            config,
            year,
            as_of,
        } => match run(
            &config,
            match (year, as_of) {
                (_, Some(day)) => Reported::UpTo(day),
                (Some(y), None) => Reported::Year(y),
                (None, None) => Reported::Latest,
            },
        ) {
            Ok(Outcome::HeldBack) => return ExitCode::from(HELD_BACK),
            Ok(Outcome::Refused) => return ExitCode::from(REFUSED),
            other => other.map(|_| ()),
        },
        Command::Check {
            config,
            data_dir,
            out_dir,
        } => check(&config, data_dir, out_dir),
        Command::SampleData {
            schools,
            years,
            seed,
            last_year,
            out,
            csv_registrations,
            config,
        } => sample_data(
            &config,
            mirror_sample_city::SampleSpec {
                schools,
                years,
                seed,
                last_year,
                csv_registrations,
            },
            &out,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut message = format!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message.push_str(&format!("\n  caused by: {s}"));
                source = s.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Whether every school got its mirror.
enum Outcome {
    Complete,
    HeldBack,
    /// The leak guard refused at least one report.
    Refused,
}

fn run(config_path: &Path, reported: Reported) -> Result<Outcome, CliError> {
    let started = Instant::now();
    let config = Config::load(config_path)?;
    let calendar = Calendar::load(&config.calendar)?;
    let ingested = mirror_ingest::run(&config, calendar)?;
    let ingest_done = Instant::now();
    if !ingested.may_render(&config) {
        let report = write_quality_report(&config, &ingested.quality)?;
        let _ = write!(std::io::stderr().lock(), "{}", ingested.quality.summary());
        let count =
            ingested
                .quality
                .unreadable_files()
                .count()
                .max(if config.ingest.stop_on_error {
                    ingested.quality.errors().count()
                } else {
                    0
                });
        return Err(CliError::Data {
            count,
            report: report.display().to_string(),
        });
    }
    let held_back: Vec<String> = ingested
        .city
        .held_back
        .iter()
        .map(|s| ingested.city.registry[s.index()].id.to_string())
        .collect();
    if !held_back.is_empty() {
        let report = write_quality_report(&config, &ingested.quality)?;
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: no mirror for {} school(s) whose data has errors: {}. Fix the data (see {}) and run again.",
            held_back.len(),
            held_back.join(", "),
            report.display()
        );
    }
    let raw = ingested.city;
    let key =
        mirror_anonymise::PseudonymKey::load(config.pseudonym_key_file.as_deref(), &config.source)?;
    let places = mirror_anonymise::Places::load(&config.places)?;
    let anonymise_started = Instant::now();
    let anonymised = mirror_anonymise::run(raw, &key, &places, &config.privacy);
    let anonymise_done = Instant::now();
    let city = &anonymised.city;
    let mut released = ReleaseHistory::load(&config.privacy.history_dir)?;
    let settings = mirror_benchmark::BenchmarkSettings {
        thresholds: config.thresholds.clone(),
        peers: config.peers.clone(),
        privacy: config.privacy.clone(),
        cohort: match config.cohort_enrolled_on {
            Some((month, day)) => Cohort::EnrolledOn { month, day },
            None => Cohort::Enrolled,
        },
    };
    let benchmark = mirror_benchmark::run(city, &settings, reported, &released)?;
    let benchmark_done = Instant::now();
    let period = benchmark.period;
    let renderer = mirror_render::Renderer::new(&config.templates_dir)?;
    let meta = mirror_render::ReportMeta {
        issue_date: config
            .issue_date
            .unwrap_or_else(|| period.to + chrono::Days::new(1)),
        min_pupils: config.privacy.min_pupils,
        min_peers: config.privacy.min_peer_schools,
    };
    // A year-to-date batch never overwrites the whole year's.
    let period_dir = config.out_dir.join(if period.year_to_date {
        format!("{}-to-{}", period.year, period.to)
    } else {
        period.year.to_string()
    });
    let dir = period_dir.join("schools");
    std::fs::create_dir_all(&dir).map_err(|source| CliError::Write {
        path: dir.clone(),
        source,
    })?;
    // Render and check everything before writing anything: a failure leaves
    // no partial batch. The leak guard reads each finished PDF as a reader's
    // tool would.
    let reports = benchmark
        .mirrors
        .par_iter()
        .map(|m| {
            let pdf = renderer.render(m, &meta)?;
            let own = city
                .schools()
                .iter()
                .position(|s| s.id == m.school)
                .map(|i| SchoolRef(i as u32));
            let checked = anonymised.guard.check_pdf(own, &pdf);
            Ok((m, pdf, checked))
        })
        .collect::<Result<Vec<_>, mirror_render::RenderError>>()?;
    let mut audit = manifest::Manifest::new(&benchmark, meta.issue_date, &anonymised.redactions);
    let mut err = std::io::stderr().lock();
    for (m, pdf, checked) in &reports {
        match checked {
            Ok(()) => {
                let file = format!("{}.pdf", m.school);
                write_atomically(&dir.join(&file), pdf)?;
                audit.written(&m.school, &format!("schools/{file}"), pdf);
                for release in &m.releases {
                    released.record(&m.school, release.clone());
                }
            }
            Err(e) => {
                // Names the rule and the school, never the value found.
                let _ = writeln!(
                    err,
                    "error: school {}: report not written: {e}. Look for it in the report templates and in the free text of the sources, then run again.",
                    m.school
                );
                audit.refused(&m.school, e);
                // An earlier run's mirror of this school would no longer
                // match the manifest: out/ holds only what this run wrote.
                let stale = dir.join(format!("{}.pdf", m.school));
                if stale.exists() {
                    std::fs::remove_file(&stale).map_err(|source| CliError::Write {
                        path: stale,
                        source,
                    })?;
                }
            }
        }
    }
    released.save()?;
    let render_done = Instant::now();
    // The metrics as printed, for a later follow-up's "since your last mirror".
    mirror_benchmark::snapshot::write_snapshot(&config.privacy.history_dir, &benchmark)?;
    // The advisor's list names schools: its own folder, never beside a
    // school's report.
    let advisor = mirror_benchmark::advisor::advisor_list(&benchmark);
    let advisor_dir = config.out_dir.join("advisor");
    std::fs::create_dir_all(&advisor_dir).map_err(|source| CliError::Write {
        path: advisor_dir.clone(),
        source,
    })?;
    let advisor_name = period_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    write_atomically(
        &advisor_dir.join(format!("{advisor_name}.csv")),
        advisor.to_csv().as_bytes(),
    )?;
    // Not read by the leak guard: it names schools by design.
    write_atomically(
        &advisor_dir.join(format!("{advisor_name}.pdf")),
        &renderer.render_advisor(&advisor, meta.issue_date)?,
    )?;
    let manifest = period_dir.join("manifest.json");
    let json = audit.to_json().map_err(|e| CliError::Write {
        path: manifest.clone(),
        source: std::io::Error::other(e),
    })?;
    write_atomically(&manifest, &json)?;
    let refused = audit.refused_count();
    let mut out = std::io::stdout().lock();
    // A closed stdout is no reason to fail a run whose reports are written.
    let _ = writeln!(
        out,
        "{} mirrors for school year {} ({} to {}) written to {} in {:.1} s; {} suppressed counts, {} redactions (see manifest.json)",
        reports.len() - refused,
        period.year,
        period.from,
        period.to,
        dir.display(),
        started.elapsed().as_secs_f64(),
        audit.suppression_total(),
        audit.redaction_total(),
    );
    let seconds = |from: Instant, to: Instant| (to - from).as_secs_f64();
    let _ = writeln!(
        out,
        "time: ingest {:.2} s, anonymise {:.2} s, benchmark {:.2} s, render and check {:.2} s",
        seconds(started, ingest_done),
        seconds(anonymise_started, anonymise_done),
        seconds(anonymise_done, benchmark_done),
        seconds(benchmark_done, render_done),
    );
    Ok(if refused > 0 {
        Outcome::Refused
    } else if held_back.is_empty() {
        Outcome::Complete
    } else {
        Outcome::HeldBack
    })
}

/// Runs ingest alone and reports every problem; fails when any is an error.
fn check(
    config_path: &Path,
    data_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
) -> Result<(), CliError> {
    let mut config = Config::load(config_path)?;
    config.data_dir = data_dir.unwrap_or(config.data_dir);
    config.out_dir = out_dir.unwrap_or(config.out_dir);
    let calendar = Calendar::load(&config.calendar)?;
    let ingested = mirror_ingest::run(&config, calendar)?;
    let report = write_quality_report(&config, &ingested.quality)?;
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", ingested.quality.summary());
    let _ = writeln!(
        out,
        "\nWritten to {} (and .csv beside it).",
        report.display()
    );
    let errors = ingested.quality.errors().count();
    if errors > 0 {
        return Err(CliError::Data {
            count: errors,
            report: report.display().to_string(),
        });
    }
    Ok(())
}

/// Writes `data-quality.txt` and `data-quality.csv` to the output folder and
/// returns the path of the first.
fn write_quality_report(
    config: &Config,
    quality: &mirror_ingest::DataQuality,
) -> Result<PathBuf, CliError> {
    let dir = &config.out_dir;
    std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
        path: dir.clone(),
        source,
    })?;
    let text = dir.join("data-quality.txt");
    write_atomically(&text, quality.summary().as_bytes())?;
    write_atomically(&dir.join("data-quality.csv"), quality.to_csv().as_bytes())?;
    Ok(text)
}

/// Writes to a temporary file beside `path`, then renames it: an interrupted
/// run never leaves a truncated report.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let err = |source| CliError::Write {
        path: path.to_owned(),
        source,
    };
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

fn sample_data(
    config_path: &Path,
    spec: mirror_sample_city::SampleSpec,
    out: &Path,
) -> Result<(), CliError> {
    let config = Config::load(config_path)?;
    let calendar = Calendar::load(&config.calendar)?;
    let summary = mirror_sample_city::generate(&spec, &calendar, out)?;
    let _ = writeln!(
        std::io::stdout().lock(),
        "{} schools, {} pupils, {} enrolments, {} absence registrations and {} guidance files written to {}",
        summary.schools,
        summary.pupils,
        summary.enrolments,
        summary.registrations,
        summary.guidance_files,
        out.display()
    );
    Ok(())
}
