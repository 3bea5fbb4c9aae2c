//! The stages up to the reports: configuration and inputs, ingest,
//! anonymise, benchmark. Each command takes what it needs from [`Prepared`].

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use mirror_anonymise::Anonymised;
use mirror_anonymise::disclosure::ReleaseHistory;
use mirror_anonymise::store::{CityStore, Kept, StoreError};
use mirror_anonymise::{PupilRecords, RedactionCounts};
use mirror_benchmark::{CityBenchmark, Cohort, Period, Reported};
use mirror_ingest::{DataQuality, PupilSources, RawCity};
use mirror_model::{Calendar, Config, SchoolId};

use crate::inputs::{Inputs, hash_inputs};
use crate::manifest::{NoMirror, NoMirrorReason};
use crate::output::{PeriodDir, Publication, QUALITY, Root, create_dir, write_atomically};
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

/// The city store's folder in the history folder (see docs/privacy.md).
pub const CITY_STORE: &str = "city-store";

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
    /// The date printed on the reports (see [`issue_date`]).
    pub issue_date: NaiveDate,
    /// Schools whose data has errors, by id: no mirror until fixed.
    pub held_back: Vec<SchoolId>,
    /// Every registry school that gets no mirror, and why, as known before
    /// rendering (the batch adds those refused or failed).
    pub without_mirror: Vec<NoMirror>,
    pub errors: usize,
    pub warnings: usize,
    /// Errors that belong to no school (a good-practice note without front
    /// matter, a support offer): the rows are left out and nothing is held
    /// back, so the summary names them.
    pub errors_of_no_school: Vec<String>,
    pub timings: Timings,
    /// Whether the pupil records came from the city store.
    pub from_store: bool,
    pub store: CityStore,
}

/// Runs ingest, anonymise and benchmark for `reported`, after checking that
/// every selected school exists. Schools whose data has errors stop the run
/// unless `keep_going`; the data-quality report is published either way.
/// Returns the release history too, and the run's publication, with the
/// data-quality report staged and the locks held: the command stages what
/// it makes and publishes it all at once. `issued_on` is the command's
/// `--issued-on`.
pub fn prepare(
    config_path: &Path,
    reported: Reported,
    issued_on: Option<NaiveDate>,
    selection: &Selection,
    keep_going: bool,
) -> Result<(Prepared, ReleaseHistory, Publication), CliError> {
    let started = Instant::now();
    let config = Config::load(config_path)?;
    if let Err(source) = std::fs::read_dir(&config.data_dir) {
        return Err(CliError::DataDir {
            path: config.data_dir.clone(),
            config: config_path.to_owned(),
            source,
        });
    }
    // First, so that a second run stops at once, and before the history is
    // read, so that a publication a stopped run began is finished.
    let history_lock = Publication::lock_history(&config.privacy.history_dir)?;
    let inputs = hash_inputs(config_path, &config)?;
    let calendar = Calendar::load(&config.calendar)?;
    let key =
        mirror_anonymise::PseudonymKey::load(config.pseudonym_key_file.as_deref(), &config.source)?;
    let store = CityStore::new(config.privacy.history_dir.join(CITY_STORE));
    let store_key = CityStore::key_for(&inputs.pupil_sources_sha256, &program_build(), &key);
    let kept = match store.load(&store_key) {
        Ok(kept) => Some(kept),
        Err(damaged @ StoreError::Damaged { .. }) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: {damaged}: it is not used, and made again from the sources"
            );
            None
        }
        Err(_) => None,
    };
    let sources = match &kept {
        Some(kept) => PupilSources::Kept(kept.quality.clone()),
        None => PupilSources::Read,
    };
    let mut ingested = mirror_ingest::run(&config, calendar, sources)?;
    let places = mirror_anonymise::Places::load(&config.places)?;
    let from_store = kept.is_some();
    let mut pupils = match kept {
        Some(kept) => kept.pupils,
        None => {
            let read = ingested.pupils.take().unwrap_or_default();
            let pupils = PupilRecords::pseudonymise(read, &key);
            // A problem may quote a cell (a name in the wrong column): the
            // store keeps them, so they are redacted as free text is, on
            // this path only, as those kept were redacted when saved.
            let redactor =
                mirror_anonymise::redactor(&ingested.city, &pupils, &key, &places, &config.privacy);
            ingested.rewrite_pupil_messages(|message| {
                let redacted = redactor.redact(message, &mut RedactionCounts::new());
                redacted.as_str().to_owned()
            });
            pupils
        }
    };
    let may_render = ingested.may_render(&config);
    let unplaced: Vec<String> = ingested.unplaced().map(ToString::to_string).collect();
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
        if let Some(first) = unplaced.first() {
            return Err(CliError::Unplaced {
                count: unplaced.len(),
                first: first.clone(),
                report: report.display().to_string(),
            });
        }
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
    // Schools whose registry row was refused are held back too, by name.
    let held_back: Vec<SchoolId> = ingested
        .city
        .held_back
        .iter()
        .map(|s| ingested.city.registry[s.index()].id.clone())
        .chain(ingested.refused_schools.iter().cloned())
        .collect();
    if !from_store {
        let kept = Kept {
            pupils,
            quality: ingested.pupil_quality,
        };
        if let Err(e) = store.save(&store_key, &kept) {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: {e}; the next run reads the sources again"
            );
        }
        pupils = kept.pupils;
    }
    if let Reported::UpTo(day) = reported {
        as_known_on(&mut ingested.city, day);
        pupils.as_known_on(day);
    }
    let ingest_done = Instant::now();
    let anonymised = mirror_anonymise::run(ingested.city, pupils, &key, &places, &config.privacy);
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
    check_city_texts(&config, &anonymised)?;
    let anonymise_done = Instant::now();
    let period: Period = mirror_benchmark::period_of(&anonymised.city, reported)?;
    let issue_date = issue_date(&config, &period, issued_on)?;
    let dir = PeriodDir::new(&config.out_dir, &period);
    let mut publication = Publication::begin(history_lock, &config.privacy.history_dir, &dir)?;
    for (name, text) in quality_report(&quality) {
        publication.stage(Root::Period, &format!("{QUALITY}/{name}"), text.as_bytes())?;
    }
    let report = dir.quality().join(QUALITY_SUMMARY);
    let stopping: Vec<&SchoolId> = held_back.iter().filter(|s| selection.contains(s)).collect();
    if !stopping.is_empty() {
        let list = stopping
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if !keep_going {
            publication.publish()?;
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
    let without_mirror = without_mirror(&anonymised, &benchmark, &held_back, selection);
    let prepared = Prepared {
        without_mirror,
        errors: quality.errors().count(),
        errors_of_no_school: quality
            .errors()
            .filter(|p| p.school.is_none())
            .map(ToString::to_string)
            .collect(),
        warnings: quality.problems().len() - quality.errors().count()
            + anonymised.withheld_practices.len(),
        config,
        inputs,
        anonymised,
        benchmark,
        dir,
        issue_date,
        held_back,
        from_store,
        store,
        timings: Timings {
            ingest: ingest_done - started,
            anonymise: anonymise_done - ingest_done,
            benchmark: benchmark_done - anonymise_done,
        },
    };
    Ok((prepared, released, publication))
}

/// The running program, by its executable's size and time of writing: a
/// rebuilt program may check the sources otherwise, so a store is only
/// read by the build that saved it.
fn program_build() -> String {
    std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{} {:?}", m.len(), m.modified().ok()))
        .unwrap_or_default()
}

/// A year-to-date report is a report of its day: nothing dated after it
/// enters it, for the school and its peers alike. Here questionnaire
/// answers given later are cut, and guidance files by
/// [`PupilRecords::as_known_on`]. Registrations, enrolments and attendance
/// totals are cut by the period itself in benchmark (`counts`, `totals`),
/// which also checks the day against the last registration; checklist
/// answers, good practices and action plans carry no date of their own.
fn as_known_on(city: &mut RawCity, day: NaiveDate) {
    for questionnaire in &mut city.questionnaires {
        questionnaire.responses.retain(|r| r.wave <= day);
    }
}

/// The date a report is issued on. A year-to-date report (a follow-up)
/// carries the day it is made, or `--issued-on` for output that can be
/// made again byte for byte; a whole school year the flag, else
/// `[report] issue_date`, else the day after the year. A flag before the
/// period's last day is refused: no report is issued before its data ends.
pub fn issue_date(
    config: &Config,
    period: &Period,
    issued_on: Option<NaiveDate>,
) -> Result<NaiveDate, CliError> {
    match issued_on {
        Some(day) if day < period.to => Err(CliError::IssuedBeforePeriodEnd {
            issued_on: day,
            period_end: period.to,
        }),
        Some(day) => Ok(day),
        None if period.year_to_date => Ok(chrono::Local::now().date_naive()),
        None => Ok(config
            .issue_date
            .unwrap_or_else(|| period.to + chrono::Days::new(1))),
    }
}

/// Stops the run before any report when the city's own texts (the strings
/// files, the support catalogue, the action plans) hold a school's name or
/// alias, which the leak guard would refuse in every report printing it,
/// or when an allowed phrase is itself a school's name. One message lists
/// them all, each with its fix.
fn check_city_texts(config: &Config, anonymised: &Anonymised) -> Result<(), CliError> {
    let strings = strings_texts(&config.templates_dir.join("lang"))?;
    let mut collisions = anonymised.guard.collisions(
        strings
            .iter()
            .map(|(place, text)| (place.clone(), text.as_str())),
    );
    collisions.extend(anonymised.collisions.iter().cloned());
    let refused = anonymised.guard.refused_phrases();
    if collisions.is_empty() && refused.is_empty() {
        return Ok(());
    }
    let mut lines: Vec<String> = collisions
        .iter()
        .map(|c| {
            if c.phrase == c.name {
                format!(
                    "  {}: \"{}\" is a school's name or alias on its own: rewrite the text",
                    c.place, c.name
                )
            } else {
                format!(
                    "  {}: \"{}\" holds the school name \"{}\"",
                    c.place, c.phrase, c.name
                )
            }
        })
        .collect();
    lines.extend(refused.iter().map(|p| {
        format!(
            "  privacy.allowed_phrases: \"{p}\" is a school's name or alias itself and cannot be allowed: list the longer phrase it stands in"
        )
    }));
    let mut phrases: Vec<&str> = config
        .privacy
        .allowed_phrases
        .iter()
        .filter(|p| !refused.contains(p))
        .map(String::as_str)
        .chain(
            collisions
                .iter()
                .filter(|c| c.phrase != c.name)
                .map(|c| c.phrase.as_str()),
        )
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    phrases.retain(|p| seen.insert(*p));
    let quoted: Vec<String> = phrases
        .iter()
        .map(|p| serde_json::to_string(p).unwrap_or_default())
        .collect();
    Err(CliError::CityTexts {
        count: lines.len(),
        list: lines.join("\n"),
        config: config.source.clone(),
        allowed: quoted.join(", "),
    })
}

/// Every string of every `lang/*.toml`, named by file and dotted key.
fn strings_texts(dir: &Path) -> Result<Vec<(String, String)>, CliError> {
    fn walk(value: &toml::Value, file: &str, key: &str, out: &mut Vec<(String, String)>) {
        match value {
            toml::Value::String(text) => out.push((format!("{file} (key `{key}`)"), text.clone())),
            toml::Value::Array(items) => items.iter().for_each(|v| walk(v, file, key, out)),
            toml::Value::Table(table) => {
                for (k, v) in table {
                    let inner = if key.is_empty() {
                        k.clone()
                    } else {
                        format!("{key}.{k}")
                    };
                    walk(v, file, &inner, out);
                }
            }
            _ => {}
        }
    }
    let entries = std::fs::read_dir(dir).map_err(|e| CliError::Folder {
        path: dir.to_owned(),
        message: e.to_string(),
    })?;
    let mut files: Vec<std::path::PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|source| CliError::Read {
            path: path.clone(),
            source,
        })?;
        // A strings file that does not parse is the renderer's error to report.
        if let Ok(table) = toml::from_str::<toml::Table>(&text) {
            walk(
                &toml::Value::Table(table),
                &path.display().to_string(),
                "",
                &mut out,
            );
        }
    }
    Ok(out)
}

/// The registry's schools that get no mirror, and why, in registry order
/// (those whose registry row was refused last): held back for errors
/// first, then not selected, then without data for the period. Whatever
/// the benchmark made no mirror for is listed, so no school is lost.
fn without_mirror(
    anonymised: &Anonymised,
    benchmark: &CityBenchmark,
    held_back: &[SchoolId],
    selection: &Selection,
) -> Vec<NoMirror> {
    let registry = anonymised.city.schools().iter().map(|s| &s.id);
    let refused = held_back
        .iter()
        .filter(|id| !anonymised.city.schools().iter().any(|s| &s.id == *id));
    registry
        .chain(refused)
        .filter_map(|id| {
            let reason = if held_back.contains(id) {
                NoMirrorReason::HeldBack
            } else if !selection.contains(id) {
                NoMirrorReason::NotSelected
            } else if !benchmark.mirrors.iter().any(|m| &m.school == id) {
                NoMirrorReason::NoData
            } else {
                return None;
            };
            Some(NoMirror {
                school: id.to_string(),
                reason,
            })
        })
        .collect()
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
    for (name, text) in quality_report(quality) {
        write_atomically(&dir.join(name), text.as_bytes())?;
    }
    Ok(dir.join(QUALITY_SUMMARY))
}

/// The data-quality report's summary, for people.
const QUALITY_SUMMARY: &str = "data-quality.txt";

/// The data-quality report's files: the summary, and every problem as CSV.
fn quality_report(quality: &DataQuality) -> [(&'static str, String); 2] {
    [
        (QUALITY_SUMMARY, quality.summary()),
        ("data-quality.csv", quality.to_csv()),
    ]
}

/// Names, as warnings, the rows of the text sources holding characters no
/// font of the reports has (each prints as a placeholder); returns how
/// many. Called before any report is made, with the renderer's own fonts.
pub fn warn_unshown_characters(
    config: &Config,
    renderer: &mirror_render::Renderer,
    out: &mut dyn Write,
) -> Result<usize, CliError> {
    let data = &config.data_dir;
    let sources = [
        data.join("registry.csv"),
        data.join("good-practices"),
        data.join("support"),
        data.join("action-plans"),
        data.join("checklists"),
        config.questionnaires.clone(),
        config.themes.clone(),
        config.checklist.clone(),
    ]
    .into_iter()
    .chain(config.support_rules.clone());
    let mut count = 0;
    for path in sources {
        let found = renderer
            .coverage()
            .scan(&path)
            .map_err(|source| CliError::Read {
                path: path.clone(),
                source,
            })?;
        for unshown in &found {
            let _ = writeln!(out, "warning: {unshown}");
        }
        count += found.len();
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mirror_model::{RespondentGroup, Response, SchoolRef};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn tiny_city_config() -> Config {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        Config::load(&dir.join("mirror.toml")).unwrap()
    }

    /// The tiny city as read, with one response a day from 4 to 12
    /// September 2024.
    fn tiny_raw_city(config: &Config) -> RawCity {
        let calendar = Calendar::load(&config.calendar).unwrap();
        let mut city = mirror_ingest::run(config, calendar, PupilSources::Read)
            .unwrap()
            .city;
        let questionnaire = &mut city.questionnaires[0];
        for d in 4..=12 {
            questionnaire.responses.push(Response {
                school: SchoolRef(0),
                group: RespondentGroup::Teachers,
                wave: day(2024, 9, d),
                answers: vec![Some(1)],
                grade: None,
                comment: None,
            });
        }
        city
    }

    /// Up to Friday 6 September: the responses of the 4th, 5th and 6th.
    #[test]
    fn a_year_to_date_city_holds_no_answer_given_after_its_day() {
        let config = tiny_city_config();
        let mut city = tiny_raw_city(&config);
        as_known_on(&mut city, day(2024, 9, 6));
        let waves: Vec<NaiveDate> = city.questionnaires[0]
            .responses
            .iter()
            .map(|r| r.wave)
            .collect();
        assert_eq!(waves, [day(2024, 9, 4), day(2024, 9, 5), day(2024, 9, 6)]);
    }

    /// A whole year: the flag, else the configured date, else the day after
    /// the year. A year to date: the flag, else today, never the batch's
    /// configured date. A flag before the period's end is refused.
    #[test]
    fn the_issue_date_of_a_year_and_of_a_year_to_date() {
        let mut config = tiny_city_config();
        let year = Period::whole(mirror_model::SchoolYear::starting(2024));
        let so_far = Period::up_to(day(2024, 9, 6));
        assert_eq!(issue_date(&config, &year, None).unwrap(), day(2025, 7, 1));
        config.issue_date = Some(day(2025, 9, 15));
        assert_eq!(issue_date(&config, &year, None).unwrap(), day(2025, 9, 15));
        let flag = Some(day(2025, 8, 1));
        assert_eq!(issue_date(&config, &year, flag).unwrap(), day(2025, 8, 1));
        assert_eq!(
            issue_date(&config, &so_far, Some(day(2024, 9, 9))).unwrap(),
            day(2024, 9, 9)
        );
        assert_eq!(
            issue_date(&config, &so_far, None).unwrap(),
            chrono::Local::now().date_naive()
        );
        let early = issue_date(&config, &so_far, Some(day(2024, 9, 5)));
        assert!(matches!(
            early,
            Err(CliError::IssuedBeforePeriodEnd { issued_on, period_end })
                if issued_on == day(2024, 9, 5) && period_end == day(2024, 9, 6)
        ));
    }
}
