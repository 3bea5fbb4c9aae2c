//! `mirror`: the command the city's school support team runs. It only wires
//! the stages together: ingest -> anonymise -> benchmark -> render.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use mirror_benchmark::{Reported, SchoolMirror};
use mirror_model::{Calendar, Config, SchoolId, SchoolYear};

mod batch;
mod inputs;
mod manifest;
mod output;
mod pipeline;
mod progress;
mod suggest;

use output::{ADVISOR, GUIDE, Publication, Root};
use pipeline::{Prepared, Selection};

// See the workspace manifest for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_CODES: &str = "Exit status:
  0  every mirror asked for was written; a school without data for the
     period gets none and is listed with its reason in the summary,
     manifest.json and quality/schools-without-mirror.csv (a warning)
  1  an error stopped the run before anything was published (command line,
     configuration, unreadable folder or file, unknown school, date outside
     the data, a file that cannot be written, another run holding the lock);
     nothing written but the data-quality report the message names
  2  schools whose data has errors got no mirror (see quality/)
  3  the leak guard refused a report or the guide (see manifest.json)
  4  a report could not be rendered (a template error)
  5  publishing began but a file could not be moved into place; the next
     run finishes it before anything else
Without --keep-going, 2-4 stop the run and only the data-quality report is
written; with it, the other mirrors are written and the highest code is
returned. A run publishes all it makes at once, after making it: one that
stops or is killed before leaves the earlier files as they were.";

#[derive(Parser)]
#[command(
    name = "mirror",
    version,
    about = "School mirrors: truancy figures and the view of safety and wellbeing beside similar schools, one PDF per school",
    after_help = "Start with `mirror run` (the sample city), then see `mirror <command> --help`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The configuration file, shared by every command that reads data.
#[derive(Args)]
struct ConfigArg {
    /// The configuration file (`mirror config` prints an annotated one).
    #[arg(long, default_value = "config/mirror.toml")]
    config: PathBuf,
}

/// Which period to report.
#[derive(Args)]
struct PeriodArgs {
    /// The school year to report (default: the latest with data), e.g. 2024-2025.
    #[arg(long, conflicts_with = "as_of")]
    year: Option<SchoolYear>,
    /// Report the school year up to this day (year to date), compared with
    /// the same dates a year earlier and with peers over the same dates,
    /// e.g. 2026-03-15.
    #[arg(long)]
    as_of: Option<chrono::NaiveDate>,
    /// The date printed on the reports, e.g. 2026-03-16. Without it a
    /// year-to-date report (--as-of) carries the day it is made, so the
    /// same command on another day gives another PDF; a whole school year
    /// carries `[report] issue_date`, else the day after the year.
    #[arg(long)]
    issued_on: Option<chrono::NaiveDate>,
}

impl PeriodArgs {
    fn reported(&self) -> Reported {
        match (self.year, self.as_of) {
            (_, Some(day)) => Reported::UpTo(day),
            (Some(y), None) => Reported::Year(y),
            (None, None) => Reported::Latest,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// The yearly batch: every school's mirror (or those of --schools), then
    /// the advisor's list.
    #[command(after_help = format!(
        "Examples:\n  mirror run\n  mirror run --year 2024-2025 --config /secure/city/mirror.toml\n  mirror run --schools 100173,100799 --keep-going\n\nWrites <out_dir>/<period>/schools/<id>.pdf, advisor/, quality/ and manifest.json.\n\n{EXIT_CODES}"
    ))]
    Run {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        period: PeriodArgs,
        /// Only these schools, by school number, separated by commas.
        #[arg(long, value_delimiter = ',')]
        schools: Option<Vec<SchoolId>>,
        /// Report a school's failure and make the other mirrors, instead of
        /// stopping at the first.
        #[arg(long)]
        keep_going: bool,
    },
    /// One school's mirror on request: year to date with --as-of, and with
    /// what changed since its last mirror with --follow-up.
    #[command(after_help = format!(
        "Examples:\n  mirror report --school 100173\n  mirror report --school 100173 --as-of 2026-03-15 --follow-up\n\nWrites <out_dir>/<period>/schools/<id>.pdf (<id>-follow-up.pdf with --follow-up, when the school has an earlier mirror to follow up).\n\n{EXIT_CODES}"
    ))]
    Report {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        period: PeriodArgs,
        /// The school number, as in the registry.
        #[arg(long)]
        school: SchoolId,
        /// Add "since your last mirror" (from the history folder) and the
        /// goals of the school's action plans.
        #[arg(long)]
        follow_up: bool,
    },
    /// The truancy advisor's list only (CSV and PDF, city staff only).
    #[command(
        after_help = "Examples:\n  mirror advisor-list\n  mirror advisor-list --as-of 2026-03-15\n\nWrites <out_dir>/<period>/advisor/."
    )]
    AdvisorList {
        #[command(flatten)]
        config: ConfigArg,
        #[command(flatten)]
        period: PeriodArgs,
    },
    /// Read and check every source, without making reports: writes a
    /// data-quality report to the terminal and to <out_dir>/quality/.
    #[command(
        after_help = "Examples:\n  mirror check --config /secure/city/mirror.toml\n  mirror check --data-dir /secure/exports/2026-03 --out-dir /tmp/check\n\nExit status: 0 no errors (warnings allowed); 1 errors found or a source unreadable."
    )]
    Check {
        #[command(flatten)]
        config: ConfigArg,
        /// Check this data folder instead of the configuration's `data_dir`.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Write the report here instead of the configuration's `out_dir`.
        #[arg(long)]
        out_dir: Option<PathBuf>,
    },
    /// Write a synthetic city in the documented input formats.
    #[command(
        after_help = "Examples:\n  mirror sample-data --schools 40 --years 3 --seed 2026 --out sample-data   (the shipped sample)\n  mirror sample-data --schools 300 --years 3 --seed 5 --out /tmp/city"
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
    /// Print the default configuration with every key explained.
    #[command(
        after_help = "Example:\n  mirror config > /secure/city/mirror.toml   (then set data_dir, out_dir and the key)"
    )]
    Config,
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
        "{}: the data folder cannot be read ({source}); set data_dir in {} to the folder with the city's files",
        path.display(),
        config.display()
    )]
    DataDir {
        path: PathBuf,
        config: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot read the folder: {message}; check that it exists and that you may read it", path.display())]
    Folder { path: PathBuf, message: String },
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "there is no school {id} in {}{}",
        registry.display(),
        closest.as_ref().map_or(String::from("; check the school number"), |c| format!("; did you mean {c}?"))
    )]
    UnknownSchool {
        id: SchoolId,
        closest: Option<String>,
        registry: PathBuf,
    },
    #[error(
        "school {id} has no pupils enrolled in {period}: there is nothing to report; choose another --year or --as-of"
    )]
    NoMirror { id: SchoolId, period: String },
    #[error(
        "the data has problems that stop the run ({count}); nothing was rendered. The list is in {report}"
    )]
    Data { count: usize, report: String },
    #[error(
        "{count} row(s) with errors name a school that is not in the registry, and no enrolment tells which school they belong to, so no mirror can be trusted; nothing was rendered. The first: {first}. Correct the school numbers (the list is in {report})"
    )]
    Unplaced {
        count: usize,
        first: String,
        report: String,
    },
    #[error(
        "the data of school(s) {schools} has errors; nothing was rendered. Fix them (see {report}), or run with --keep-going to make the other mirrors"
    )]
    HeldBack { schools: String, report: String },
    #[error(
        "school {school}: {reason}. No report was written{}",
        if *others { "; fix it, or run with --keep-going to make the other mirrors" } else { "" }
    )]
    SchoolFailed {
        school: SchoolId,
        reason: String,
        code: u8,
        /// Whether the batch had other schools' mirrors to make.
        others: bool,
    },
    #[error("the inspiration guide: {reason}. It was not written")]
    GuideRefused { reason: String },
    #[error(
        "the city's own texts hold school names, which the leak guard would refuse in every report printing them ({count}); nothing was rendered:\n{list}\nWhere a phrase names no school (an organisation sharing a school's name, say), allow it as a whole in {}:\n  [privacy]\n  allowed_phrases = [{allowed}]\nOtherwise rewrite the text without the school's name.",
        config.display()
    )]
    CityTexts {
        count: usize,
        list: String,
        config: PathBuf,
        allowed: String,
    },
    #[error(
        "{}: another mirror is writing to this output: {holder}. Wait until it ends, then run again; nothing was written",
        path.display()
    )]
    Locked { path: PathBuf, holder: String },
    #[error(
        "{}: cannot move into place: {source}. Publishing had begun: the files {} names are staged, and the next run finishes publishing them before anything else",
        path.display(),
        journal.display()
    )]
    Unfinished {
        path: PathBuf,
        journal: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "--issued-on {issued_on}: the report's data runs to {period_end}; give that day or a later one"
    )]
    IssuedBeforePeriodEnd {
        issued_on: chrono::NaiveDate,
        period_end: chrono::NaiveDate,
    },
    #[error("cannot start a worker thread: {source}")]
    Thread { source: std::io::Error },
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Exit statuses (see [`EXIT_CODES`]).
const HELD_BACK: u8 = 2;
const REFUSED: u8 = 3;
const RENDER_FAILED: u8 = 4;
const PUBLISHING_UNFINISHED: u8 = 5;

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            Self::HeldBack { .. } => HELD_BACK,
            Self::GuideRefused { .. } => REFUSED,
            Self::SchoolFailed { code, .. } => *code,
            Self::Unfinished { .. } => PUBLISHING_UNFINISHED,
            _ => 1,
        }
    }

    /// The reason and exit status of a report the leak guard refused.
    fn refused(e: &mirror_anonymise::LeakError) -> (String, u8) {
        (
            format!(
                "the leak guard refused the report ({e}); look for it in the report templates and in the free text of the sources"
            ),
            REFUSED,
        )
    }

    fn failed(e: &mirror_render::RenderError) -> (String, u8) {
        (
            format!("the report could not be rendered: {e}"),
            RENDER_FAILED,
        )
    }
}

fn main() -> ExitCode {
    // A mistake on the command line is status 1 like any error that stops
    // a run before a report (clap's own would be 2, a school held back).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::from(e.use_stderr()));
        }
    };
    // Fails only if a pool was built already, which nothing here does.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(batch::RENDER_STACK_BYTES)
        .build_global();
    let result = match cli.command {
        Command::Run {
            config,
            period,
            schools,
            keep_going,
        } => run(
            &config.config,
            period.reported(),
            period.issued_on,
            schools.map_or(Selection::All, Selection::Schools),
            keep_going,
        ),
        Command::Report {
            config,
            period,
            school,
            follow_up,
        } => report(
            &config.config,
            period.reported(),
            period.issued_on,
            school,
            follow_up,
        ),
        Command::AdvisorList { config, period } => {
            advisor_only(&config.config, period.reported(), period.issued_on)
        }
        Command::Check {
            config,
            data_dir,
            out_dir,
        } => check(&config.config, data_dir, out_dir).map(|()| 0),
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
        )
        .map(|()| 0),
        Command::Config => {
            let _ = std::io::stdout()
                .lock()
                .write_all(include_str!("../../../config/mirror.toml").as_bytes());
            Ok(0)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let mut message = format!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message.push_str(&format!("\n  caused by: {s}"));
                source = s.source();
            }
            eprintln!("{message}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// The yearly batch: the selected schools' mirrors, the advisor's list and
/// the guide, published at once when all are made.
fn run(
    config_path: &Path,
    reported: Reported,
    issued_on: Option<chrono::NaiveDate>,
    selection: Selection,
    keep_going: bool,
) -> Result<u8, CliError> {
    let (prepared, mut released, mut publication) =
        pipeline::prepare(config_path, reported, issued_on, &selection, keep_going)?;
    let renderer = mirror_render::Renderer::new(&prepared.config.templates_dir)?
        .with_city_name(prepared.config.city_name.as_deref());
    pipeline::warn_unshown_characters(&prepared.config, &renderer, &mut std::io::stderr())?;
    let (manifest, took) = make_reports(
        &prepared,
        &mut released,
        &renderer,
        &selection,
        keep_going,
        &mut publication,
    )?;
    let meta = report_meta(&prepared);
    stage_advisor(&prepared, &renderer, &meta, &mut publication)?;
    let mut code = exit_code(&manifest);
    match stage_guide(&prepared, &renderer, &meta, &mut publication) {
        // Like a school's refused report: the rest goes out, the earlier
        // guide does not stay beside it.
        Err(e @ CliError::GuideRefused { .. }) if keep_going => {
            eprintln!("error: {e}");
            publication.remove(Root::Period, GUIDE);
            code = code.max(REFUSED);
        }
        staged => staged?,
    }
    publication.publish()?;
    summarise(&prepared, &manifest, took);
    Ok(code)
}

/// The inspiration guide of every shared practice, at the period's top:
/// for schools and local partners alike, so read by the leak guard as a
/// report of no school.
fn stage_guide(
    prepared: &Prepared,
    renderer: &mirror_render::Renderer,
    meta: &mirror_render::ReportMeta,
    publication: &mut Publication,
) -> Result<(), CliError> {
    let city = &prepared.anonymised.city;
    let guide = mirror_benchmark::practices::inspiration_guide(city, &prepared.benchmark);
    let guide = renderer.render_guide(
        &guide,
        &prepared.config.practices.guide_language,
        meta.issue_date,
    )?;
    if let Err(e) = prepared.anonymised.guard.check_report(None, &guide.text) {
        return Err(CliError::GuideRefused {
            reason: CliError::refused(&e).0,
        });
    }
    publication.stage(Root::Period, GUIDE, &guide.pdf)
}

/// The mirrors of the selected schools, staged in `publication`; returns
/// the manifest staged and the time the batch took.
fn make_reports(
    prepared: &Prepared,
    released: &mut mirror_anonymise::disclosure::ReleaseHistory,
    renderer: &mirror_render::Renderer,
    selection: &Selection,
    keep_going: bool,
    publication: &mut Publication,
) -> Result<(manifest::Manifest, Duration), CliError> {
    let mirrors: Vec<&SchoolMirror> = prepared
        .benchmark
        .mirrors
        .iter()
        .filter(|m| selection.contains(&m.school))
        .collect();
    let meta = report_meta(prepared);
    batch::make_reports(
        prepared,
        released,
        &mirrors,
        renderer,
        &meta,
        keep_going,
        publication,
    )
}

/// One school's mirror on request.
fn report(
    config_path: &Path,
    reported: Reported,
    issued_on: Option<chrono::NaiveDate>,
    school: SchoolId,
    follow_up: bool,
) -> Result<u8, CliError> {
    let selection = Selection::Schools(vec![school.clone()]);
    let (mut prepared, mut released, mut publication) =
        pipeline::prepare(config_path, reported, issued_on, &selection, false)?;
    if follow_up {
        let history = prepared.config.privacy.history_dir.clone();
        for m in prepared
            .benchmark
            .mirrors
            .iter_mut()
            .filter(|m| m.school == school)
        {
            m.since_last_mirror = mirror_benchmark::follow_up::since_last_mirror(&history, m)?;
            if m.since_last_mirror.is_none() {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "note: school {school} has no earlier mirror in {}: the report has no \"since your last mirror\" section",
                    history.display()
                );
            }
        }
    }
    let renderer = mirror_render::Renderer::new(&prepared.config.templates_dir)?
        .with_city_name(prepared.config.city_name.as_deref());
    pipeline::warn_unshown_characters(&prepared.config, &renderer, &mut std::io::stderr())?;
    let (manifest, took) = make_reports(
        &prepared,
        &mut released,
        &renderer,
        &selection,
        false,
        &mut publication,
    )?;
    publication.publish()?;
    summarise(&prepared, &manifest, took);
    Ok(exit_code(&manifest))
}

/// The advisor's list alone.
fn advisor_only(
    config_path: &Path,
    reported: Reported,
    issued_on: Option<chrono::NaiveDate>,
) -> Result<u8, CliError> {
    let (prepared, _, mut publication) =
        pipeline::prepare(config_path, reported, issued_on, &Selection::All, true)?;
    let renderer = mirror_render::Renderer::new(&prepared.config.templates_dir)?
        .with_city_name(prepared.config.city_name.as_deref());
    stage_advisor(
        &prepared,
        &renderer,
        &report_meta(&prepared),
        &mut publication,
    )?;
    publication.publish()?;
    let _ = writeln!(
        std::io::stdout().lock(),
        "advisor's list for {} written to {} (city staff only: it names schools)",
        pipeline::describe_period(&prepared.benchmark.period),
        prepared.dir.advisor().display()
    );
    Ok(0)
}

fn report_meta(prepared: &Prepared) -> mirror_render::ReportMeta {
    let config = &prepared.config;
    mirror_render::ReportMeta {
        issue_date: prepared.issue_date,
        min_pupils: config.privacy.min_pupils,
        min_peers: config.privacy.min_peer_schools,
        data_sha256: prepared.inputs.data_sha256.clone(),
    }
}

/// The advisor's list (CSV and PDF) and the peer sets, for the period's
/// `advisor/` folder: for the city's staff, never beside a school's report.
/// The leak guard does not read them: they name schools by design.
fn stage_advisor(
    prepared: &Prepared,
    renderer: &mirror_render::Renderer,
    meta: &mirror_render::ReportMeta,
    publication: &mut Publication,
) -> Result<(), CliError> {
    let list = mirror_benchmark::advisor::advisor_list(&prepared.benchmark);
    let pdf = renderer
        .render_advisor(&list, &prepared.config.city_language, meta.issue_date)?
        .pdf;
    for (name, bytes) in [
        ("advisor-list.csv", list.to_csv().as_bytes()),
        ("advisor-list.pdf", pdf.as_slice()),
        (
            "peer-sets.csv",
            prepared.benchmark.peer_sets_csv().as_bytes(),
        ),
    ] {
        publication.stage(Root::Period, &format!("{ADVISOR}/{name}"), bytes)?;
    }
    Ok(())
}

fn exit_code(manifest: &manifest::Manifest) -> u8 {
    let c = manifest.counts();
    if c.failed > 0 {
        RENDER_FAILED
    } else if c.refused_by_leak_guard > 0 {
        REFUSED
    } else if c.held_back > 0 {
        HELD_BACK
    } else {
        0
    }
}

/// The summary at the end of a batch.
fn summarise(prepared: &Prepared, manifest: &manifest::Manifest, took: Duration) {
    let c = manifest.counts();
    let t = prepared.timings;
    let total = t.ingest + t.anonymise + t.benchmark + took;
    let mut out = std::io::stdout().lock();
    // A closed stdout is no reason to fail a run whose reports are written.
    let _ = writeln!(
        out,
        "{} mirror(s) for {} written to {}\n\
         refused by the leak guard: {}; failed: {}; held back for data errors: {}\n\
         suppressed counts: {}; redactions: {}; data-quality errors: {}, warnings: {} (see {})\n\
         time: {:.1} s (ingest {:.2} s, anonymise {:.2} s, benchmark {:.2} s, render and check {:.2} s)",
        c.written,
        pipeline::describe_period(&prepared.benchmark.period),
        prepared.dir.schools().display(),
        c.refused_by_leak_guard,
        c.failed,
        c.held_back,
        c.suppressions,
        c.redactions,
        prepared.errors,
        c.warnings,
        prepared.dir.quality().display(),
        total.as_secs_f64(),
        t.ingest.as_secs_f64(),
        t.anonymise.as_secs_f64(),
        t.benchmark.as_secs_f64(),
        took.as_secs_f64(),
    );
    let _ = writeln!(
        out,
        "pupil records: {} ({})",
        if prepared.from_store {
            "from the city store, the sources being unchanged"
        } else {
            "read from the sources and kept in the city store"
        },
        prepared.store.dir().display()
    );
    // Every registry school gets a mirror or is named here, by reason.
    let mut by_reason: std::collections::BTreeMap<manifest::NoMirrorReason, Vec<&str>> =
        std::collections::BTreeMap::new();
    for n in manifest.without_mirror() {
        by_reason.entry(n.reason).or_default().push(&n.school);
    }
    for (reason, schools) in by_reason {
        // The person asked for the others by leaving them out: a count does,
        // the manifest names them.
        let _ = if reason == manifest::NoMirrorReason::NotSelected {
            writeln!(
                out,
                "no mirror, {}: {} school(s), named in the manifest",
                reason.describe(),
                schools.len(),
            )
        } else {
            writeln!(
                out,
                "no mirror, {} ({}): {}",
                reason.describe(),
                schools.len(),
                schools.join(", ")
            )
        };
    }
    // Left out without holding back a school: nobody would hear of them.
    const SHOWN: usize = 5;
    for problem in prepared.errors_of_no_school.iter().take(SHOWN) {
        let _ = writeln!(out, "left out: {problem}");
    }
    if prepared.errors_of_no_school.len() > SHOWN {
        let _ = writeln!(
            out,
            "left out: ... and {} more (see {})",
            prepared.errors_of_no_school.len() - SHOWN,
            prepared.dir.quality().display()
        );
    }
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
    if let Err(source) = std::fs::read_dir(&config.data_dir) {
        return Err(CliError::DataDir {
            path: config.data_dir.clone(),
            config: config_path.to_owned(),
            source,
        });
    }
    let calendar = Calendar::load(&config.calendar)?;
    let ingested = mirror_ingest::run(&config, calendar, mirror_ingest::PupilSources::Read)?;
    let report =
        pipeline::write_quality_report(&config.out_dir.join("quality"), &ingested.quality)?;
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", ingested.quality.summary());
    let _ = writeln!(
        out,
        "\nWritten to {} (and .csv beside it).",
        report.display()
    );
    // With the renderer's fonts: what they cannot show prints as a placeholder.
    let renderer = mirror_render::Renderer::new(&config.templates_dir)?;
    pipeline::warn_unshown_characters(&config, &renderer, &mut out)?;
    let errors = ingested.quality.errors().count();
    if errors > 0 {
        return Err(CliError::Data {
            count: errors,
            report: report.display().to_string(),
        });
    }
    Ok(())
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
