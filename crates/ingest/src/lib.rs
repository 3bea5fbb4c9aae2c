//! Ingest: reads the city's sources into typed, validated values.
//!
//! Every value is checked on the way in. A bad row is recorded in the
//! [`DataQuality`] report, naming file, row, column and what to do, and is
//! skipped; the schools it belongs to are held back from the mirrors. Pupil
//! numbers are held here only as [`PupilNumber`], which anonymise replaces
//! before anything else sees the data.

mod codes;
mod days_off;
mod enrolments;
mod government;
mod guidance;
mod invitations;
mod layouts;
mod practices;
mod problems;
mod questionnaires;
mod registrations;
mod registry;
mod rosters;
mod table;
mod totals;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use mirror_model::{
    Absence, ActionGoal, AttendanceTotals, Calendar, ChecklistItem, ChecklistResponse, Config,
    Enrolment, GoodPractice, GovernmentFigures, GuidanceFile, Instrument, PracticeConfigError,
    PupilRef, Questionnaire, QuestionnaireError, SchoolId, SchoolRef, SupportOffer, SupportRule,
    Themes,
};

pub use codes::AbsenceCodes;
pub use problems::{DataQuality, Problem, ProblemKind, Severity, SourceCount};
pub use registry::RegistryEntry;
pub use rosters::RosterName;

/// What stops ingest before any file is read: the setup, not the data.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Missing { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    AbsenceCodes { path: PathBuf, message: String },
    /// `export_layouts`: the key and what to write.
    #[error("{path}: {message}")]
    Layouts { path: PathBuf, message: String },
    #[error(transparent)]
    Questionnaire(#[from] QuestionnaireError),
    #[error(transparent)]
    PracticeConfig(#[from] PracticeConfigError),
}

/// A pupil number as the schools' packages export it. It never leaves ingest
/// and anonymise: its `Debug` prints no digits, so it cannot slip into a log.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PupilNumber(String);

impl PupilNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PupilNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PupilNumber(..)")
    }
}

/// The folders of the data folder that hold pupil records: by far the
/// largest sources. What is read from them, checked against the registry,
/// the calendar and the absence codes, is [`PupilData`]; a run may take it
/// from the city store instead (see [`PupilSources`]).
pub const PUPIL_SOURCES: &[&str] = &[
    "school-days-off",
    "enrolments",
    "registrations",
    "guidance",
    "attendance-totals",
    "government",
];

/// Everything read from the city's sources that passed the checks, but
/// the pupil records (see [`PupilData`]).
#[derive(Debug)]
pub struct RawCity {
    /// Index `i` is `SchoolRef(i)`, in the registry's order.
    pub registry: Vec<RegistryEntry>,
    /// Every configured instrument with its responses, sorted by school and wave.
    pub questionnaires: Vec<Questionnaire>,
    pub themes: Themes,
    /// The checklist's items and the schools' answers, sorted by school and item.
    pub checklist: Vec<ChecklistItem>,
    pub checklist_answers: Vec<ChecklistResponse>,
    /// In file name order.
    pub good_practices: Vec<GoodPractice>,
    /// In file and row order.
    pub support_offers: Vec<SupportOffer>,
    /// From `support_rules` in the configuration, in the file's order.
    pub support_rules: Vec<SupportRule>,
    /// Names from the pupil and staff rosters, for redaction only.
    pub rosters: Vec<RosterName>,
    /// Sorted by school or network, then deadline.
    pub action_plans: Vec<ActionGoal>,
    pub calendar: Calendar,
    /// Schools with errors in their data: no mirror, and no peer of another
    /// school, until the data is fixed. Sorted.
    pub held_back: Vec<SchoolRef>,
}

/// What the [`PUPIL_SOURCES`] hold that passed the checks.
#[derive(Debug, Default)]
pub struct PupilData {
    /// Index `i` is `PupilRef(i)`.
    pub pupil_numbers: Vec<PupilNumber>,
    /// Sorted by school, pupil and start date.
    pub enrolments: Vec<Enrolment>,
    /// Absences only (present half days of a full register are dropped),
    /// sorted by school, pupil and half day.
    pub absences: Vec<Absence>,
    /// Sorted by school, opening date and pupil.
    pub guidance: Vec<GuidanceFile>,
    /// Only for school years without pupil-level data; sorted by school and period.
    pub attendance_totals: Vec<AttendanceTotals>,
    /// Sorted by school and year.
    pub government: Vec<GovernmentFigures>,
    /// Each school's own half days without lessons (study days, ...).
    pub days_off: mirror_model::SchoolDaysOff,
}

impl PupilData {
    pub fn pupil_number(&self, pupil: PupilRef) -> &PupilNumber {
        &self.pupil_numbers[pupil.0 as usize]
    }
}

/// Where a run takes the pupil records from.
#[derive(Debug)]
pub enum PupilSources {
    /// Read and check every file of the [`PUPIL_SOURCES`].
    Read,
    /// Kept from an earlier run over the very same files, registry,
    /// calendar, codes and configuration: the problems that run found in
    /// them, which this run reports again without reading them.
    Kept(DataQuality),
}

/// The city as read, and every problem found on the way.
#[derive(Debug)]
pub struct Ingested {
    pub city: RawCity,
    /// `None` when the run was given [`PupilSources::Kept`].
    pub pupils: Option<PupilData>,
    /// Every problem, those of the pupil sources included.
    pub quality: DataQuality,
    /// The problems found in the pupil sources alone, for the city store.
    pub pupil_quality: DataQuality,
    /// Schools whose registry row was refused: no mirror, and named as held
    /// back like the schools of `RawCity::held_back`. Sorted.
    pub refused_schools: Vec<SchoolId>,
    /// Where `pupil_quality`'s problems are in `quality`.
    pupil_problems: std::ops::Range<usize>,
}

impl Ingested {
    /// Rewrites the message of every problem found in the pupil sources,
    /// in `quality` and `pupil_quality` alike: the city store keeps them,
    /// so a value they quote from a cell is redacted first.
    pub fn rewrite_pupil_messages(&mut self, mut rewrite: impl FnMut(&str) -> String) {
        self.pupil_quality.rewrite_messages(0.., &mut rewrite);
        self.quality
            .rewrite_messages(self.pupil_problems.clone(), &mut rewrite);
    }

    /// Whether mirrors may be made: every file could be read, every error
    /// belongs to a known school (see [`Self::unplaced`]) and, when the
    /// configuration says to stop on errors, no row had one.
    pub fn may_render(&self, config: &Config) -> bool {
        self.quality.unreadable_files().next().is_none()
            && self.unplaced().next().is_none()
            && !(config.ingest.stop_on_error && self.quality.errors().next().is_some())
    }

    /// Errors in rows of a school that is not in the registry and that no
    /// enrolment places at a known school: the school whose mirror lacks
    /// them cannot be told, so no mirror may be trusted and the run stops.
    pub fn unplaced(&self) -> impl Iterator<Item = &Problem> {
        self.quality.errors().filter(|p| {
            p.school.as_deref().is_some_and(|id| {
                !self.city.registry.iter().any(|s| s.id.as_str() == id)
                    && !self.refused_schools.iter().any(|s| s.as_str() == id)
            })
        })
    }
}

/// Reads every source under `config.data_dir`, with the school calendar and
/// the absence code list; the pupil sources only when `pupils` says so.
/// Errors only when the setup is wrong (no data folder, no registry, a
/// broken code list); problems in the data are in [`Ingested::quality`].
pub fn run(
    config: &Config,
    calendar: Calendar,
    pupils: PupilSources,
) -> Result<Ingested, IngestError> {
    let codes = AbsenceCodes::load(&config.absence_codes, &config.absence_code_list)?;
    let layouts = match &config.export_layouts {
        Some(path) => layouts::ExportLayouts::load(path, &codes)?,
        None => layouts::ExportLayouts::default(),
    };
    let instruments = Instrument::load_dir(&config.questionnaires)?;
    let themes = Themes::load(&config.themes)?;
    let checklist = mirror_model::load_checklist(&config.checklist, &themes)?;
    let scales = mirror_model::scales_asked(&instruments);
    let support_rules = match &config.support_rules {
        Some(path) => mirror_model::load_support_rules(
            path,
            &mirror_model::RuleContext {
                themes: &themes,
                checklist: &checklist,
                scales: &scales,
                thresholds: &config.thresholds.problematic_half_days,
            },
        )?,
        None => Vec::new(),
    };
    let dir = &config.data_dir;
    if !dir.is_dir() {
        return Err(IngestError::Missing {
            path: dir.clone(),
            message: format!(
                "the data folder does not exist; set data_dir in {} or run `mirror sample-data`",
                config.source.display()
            ),
        });
    }
    let mut quality = DataQuality::default();
    let Some(registry) = registry::read(&registry_file(dir)?, &layouts, &mut quality) else {
        // Without the registry no school number can be checked: the other
        // sources would only repeat that.
        return Ok(Ingested {
            city: RawCity {
                registry: Vec::new(),
                questionnaires: Vec::new(),
                themes,
                checklist,
                checklist_answers: Vec::new(),
                good_practices: Vec::new(),
                support_offers: Vec::new(),
                support_rules,
                rosters: Vec::new(),
                action_plans: Vec::new(),
                calendar,
                held_back: Vec::new(),
            },
            pupils: Some(PupilData::default()),
            quality,
            pupil_quality: DataQuality::default(),
            refused_schools: Vec::new(),
            pupil_problems: 0..0,
        });
    };
    let refused: HashSet<String> = quality
        .problems()
        .iter()
        .filter_map(|p| p.school.clone())
        .collect();
    let mut refused_schools: Vec<SchoolId> = refused
        .iter()
        .filter(|id| !registry.iter().any(|s| s.id.as_str() == id.as_str()))
        .filter_map(|id| id.parse().ok())
        .collect();
    refused_schools.sort();
    let schools = enrolments::Schools::new(&registry, refused);
    let (pupils, pupil_quality) = match pupils {
        PupilSources::Read => {
            let mut found = DataQuality::default();
            let data =
                read_pupil_sources(config, &schools, &calendar, &codes, &layouts, &mut found)?;
            (Some(data), found)
        }
        PupilSources::Kept(found) => (None, found),
    };
    let first = quality.problems().len();
    quality.merge(&pupil_quality);
    let pupil_problems = first..quality.problems().len();
    let checklist_answers = practices::read_checklists(
        &folder_files(dir, "checklists")?,
        &checklist,
        &schools,
        &mut quality,
    );
    let practices_dir = dir.join("good-practices");
    let languages = practices::CityLanguages::of(&schools, &config.city_language);
    let good_practices =
        practices::read_good_practices(&practices_dir, &themes, &schools, &languages, &mut quality)
            .map_err(|source| IngestError::Io {
                path: practices_dir,
                source,
            })?;
    let support_offers = practices::read_support_offers(
        &folder_files(dir, "support")?,
        &themes,
        &languages,
        &mut quality,
    );
    let action_plans = practices::read_action_plans(
        &folder_files(dir, "action-plans")?,
        &schools,
        &scales,
        &config.thresholds.problematic_half_days,
        &languages,
        &mut quality,
    );
    let rosters = rosters::read(&folder_files(dir, "rosters")?, &mut quality);
    let questions = dir.join("questionnaires");
    let questionnaires = questionnaires::read(&questions, instruments, &schools, &mut quality)
        .map_err(|source| IngestError::Io {
            path: questions,
            source,
        })?;
    let with_errors = quality.schools_with_errors();
    let held_back = registry
        .iter()
        .enumerate()
        .filter(|(_, s)| with_errors.contains(s.id.as_str()))
        .map(|(i, _)| SchoolRef(i as u32))
        .collect();
    Ok(Ingested {
        city: RawCity {
            registry,
            questionnaires,
            themes,
            checklist,
            checklist_answers,
            good_practices,
            support_offers,
            support_rules,
            rosters,
            action_plans,
            calendar,
            held_back,
        },
        pupils,
        quality,
        pupil_quality,
        refused_schools,
        pupil_problems,
    })
}

/// Reads and checks the [`PUPIL_SOURCES`], recording their problems in
/// `quality`.
fn read_pupil_sources(
    config: &Config,
    schools: &enrolments::Schools,
    calendar: &Calendar,
    codes: &AbsenceCodes,
    layouts: &layouts::ExportLayouts,
    quality: &mut DataQuality,
) -> Result<PupilData, IngestError> {
    let dir = &config.data_dir;
    let days_off = days_off::read(
        &folder_files(dir, "school-days-off")?,
        schools,
        calendar,
        quality,
    );
    let mut pupils = enrolments::PupilIndex::default();
    let enrolments = enrolments::read(
        &folder_files(dir, "enrolments")?,
        schools,
        calendar,
        &mut pupils,
        layouts,
        quality,
    );
    let absences = registrations::read(
        &dir.join("registrations"),
        &folder_files(dir, "registrations")?,
        schools,
        calendar,
        &days_off,
        codes,
        &pupils,
        &enrolments,
        layouts,
        quality,
    );
    let guidance = guidance::read(
        &folder_files(dir, "guidance")?,
        schools,
        calendar,
        &pupils,
        &enrolments,
        layouts,
        quality,
    );
    let attendance_totals = totals::read(
        &folder_files(dir, "attendance-totals")?,
        schools,
        calendar,
        &days_off,
        &enrolments,
        layouts,
        quality,
    );
    let government = government::read(&folder_files(dir, "government")?, schools, quality);
    government.cross_check(
        schools,
        &enrolments,
        &absences,
        config.ingest.cross_check_tolerance,
        quality,
    );
    Ok(PupilData {
        pupil_numbers: pupils.into_numbers(),
        enrolments,
        absences,
        guidance,
        attendance_totals,
        government: government.figures,
        days_off,
    })
}

fn registry_file(dir: &Path) -> Result<PathBuf, IngestError> {
    ["registry.csv", "registry.xlsx", "registry.parquet"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| IngestError::Missing {
            path: dir.to_owned(),
            message: "no school registry: expected registry.csv, registry.xlsx or registry.parquet in this folder (see docs/data-formats.md)".to_owned(),
        })
}

/// The data files in `folder` under `dir`; none when the folder is absent.
fn folder_files(dir: &Path, folder: &str) -> Result<Vec<PathBuf>, IngestError> {
    let path = dir.join(folder);
    if !path.is_dir() {
        return Ok(Vec::new());
    }
    table::data_files(&path).map_err(|source| IngestError::Io { path, source })
}

#[cfg(test)]
mod tests;
