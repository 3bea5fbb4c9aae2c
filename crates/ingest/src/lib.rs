//! Ingest: reads the city's sources into typed, validated values.
//!
//! Every value is checked on the way in. A bad row is recorded in the
//! [`DataQuality`] report, naming file, row, column and what to do, and is
//! skipped; the schools it belongs to are held back from the mirrors. Pupil
//! numbers are held here only as [`PupilNumber`], which anonymise replaces
//! before anything else sees the data.

mod codes;
mod enrolments;
mod government;
mod guidance;
mod problems;
mod registrations;
mod registry;
mod table;
mod totals;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use mirror_model::{
    Absence, AttendanceTotals, Calendar, Config, Enrolment, GovernmentFigures, GuidanceFile,
    PupilRef, SchoolRef,
};

pub use codes::AbsenceCodes;
pub use problems::{DataQuality, Problem, ProblemKind, Severity, SourceCount};
pub use registry::RegistryEntry;

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

/// Everything read from the city's sources that passed the checks.
#[derive(Debug)]
pub struct RawCity {
    /// Index `i` is `SchoolRef(i)`, in the registry's order.
    pub registry: Vec<RegistryEntry>,
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
    pub calendar: Calendar,
    /// Schools with errors in their data: no mirror, and no peer of another
    /// school, until the data is fixed. Sorted.
    pub held_back: Vec<SchoolRef>,
}

impl RawCity {
    pub fn pupil_number(&self, pupil: PupilRef) -> &PupilNumber {
        &self.pupil_numbers[pupil.0 as usize]
    }
}

/// The city as read, and every problem found on the way.
#[derive(Debug)]
pub struct Ingested {
    pub city: RawCity,
    pub quality: DataQuality,
}

impl Ingested {
    /// Whether mirrors may be made: every file could be read and, when the
    /// configuration says to stop on errors, no row had one.
    pub fn may_render(&self, config: &Config) -> bool {
        self.quality.unreadable_files().next().is_none()
            && !(config.ingest.stop_on_error && self.quality.errors().next().is_some())
    }
}

/// Reads every source under `config.data_dir`, with the school calendar and
/// the absence code list. Errors only when the setup is wrong (no data
/// folder, no registry, a broken code list); problems in the data are in
/// [`Ingested::quality`].
pub fn run(config: &Config, calendar: Calendar) -> Result<Ingested, IngestError> {
    let codes = AbsenceCodes::load(&config.absence_codes, &config.absence_code_list)?;
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
    let registry = registry::read(&registry_file(dir)?, &mut quality).unwrap_or_default();
    let refused: HashSet<String> = quality
        .problems()
        .iter()
        .filter_map(|p| p.school.clone())
        .collect();
    let schools = enrolments::Schools::new(&registry, refused);
    let mut pupils = enrolments::PupilIndex::default();
    let enrolments = enrolments::read(
        &folder_files(dir, "enrolments")?,
        &schools,
        &calendar,
        &mut pupils,
        &mut quality,
    );
    let absences = registrations::read(
        &folder_files(dir, "registrations")?,
        &schools,
        &calendar,
        &codes,
        &pupils,
        &enrolments,
        &mut quality,
    );
    let guidance = guidance::read(
        &folder_files(dir, "guidance")?,
        &schools,
        &calendar,
        &pupils,
        &enrolments,
        &mut quality,
    );
    let attendance_totals = totals::read(
        &folder_files(dir, "attendance-totals")?,
        &schools,
        &calendar,
        &enrolments,
        &mut quality,
    );
    let government = government::read(&folder_files(dir, "government")?, &schools, &mut quality);
    government.cross_check(
        &schools,
        &enrolments,
        &absences,
        &calendar,
        config.ingest.cross_check_tolerance,
        &mut quality,
    );
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
            pupil_numbers: pupils.into_numbers(),
            enrolments,
            absences,
            guidance,
            attendance_totals,
            government: government.figures,
            calendar,
            held_back,
        },
        quality,
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
mod tests {
    use std::path::Path;

    use mirror_model::AbsenceCategory;

    use super::*;

    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city")
    }

    fn ingest(dir: &Path) -> Ingested {
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let calendar = Calendar::load(&config.calendar).unwrap();
        run(&config, calendar).unwrap()
    }

    /// The tiny city copied to a temporary folder, with `file` edited.
    fn edited(file: &str, edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("city");
        for f in [
            "registry.csv",
            "enrolments/2024-2025.csv",
            "registrations/2024-2025.csv",
            "calendar.toml",
            "pseudonym.key",
        ] {
            let to = dir.join(f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(fixture().join(f), to).unwrap();
        }
        let config = std::fs::read_to_string(fixture().join("mirror.toml"))
            .unwrap()
            .replace(
                "../../../config",
                &fixture().join("../../../config").display().to_string(),
            );
        std::fs::write(dir.join("mirror.toml"), config).unwrap();
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        std::fs::write(dir.join(file), edit(text)).unwrap();
        (tmp, dir)
    }

    #[test]
    fn reads_the_tiny_city() {
        let Ingested { city, quality } = ingest(&fixture());
        assert_eq!(quality.problems(), []);
        assert!(city.held_back.is_empty());
        assert_eq!(city.registry.len(), 7);
        assert_eq!(city.registry[0].aliases, ["Aster"]);
        assert_eq!(city.enrolments.len(), 15);
        assert_eq!(city.pupil_numbers.len(), 14);
        // 22 rows, one of them a present mark.
        assert_eq!(city.absences.len(), 21);
        let problematic = city
            .absences
            .iter()
            .filter(|a| a.category == AbsenceCategory::Problematic)
            .count();
        assert_eq!(problematic, 18);
    }

    /// The first problem after editing `file`, as the report prints it.
    fn error_of(file: &str, edit: impl FnOnce(String) -> String) -> String {
        let (_tmp, dir) = edited(file, edit);
        let quality = ingest(&dir).quality;
        quality.problems().first().expect("a problem").to_string()
    }

    #[test]
    fn unknown_code_names_file_row_and_column() {
        let e = error_of("registrations/2024-2025.csv", |t| {
            t.replace("2024-09-13,am,R", "2024-09-13,am,Q")
        });
        assert!(
            e.contains("registrations/2024-2025.csv: row 17, column `code`"),
            "{e}"
        );
        assert!(
            e.contains("`Q` is not in the absence code list `flemish`"),
            "{e}"
        );
    }

    #[test]
    fn registration_without_lessons_is_refused() {
        // Wednesday afternoon has no lessons.
        let e = error_of("registrations/2024-2025.csv", |t| {
            t.replace(
                "30000001,100003,2024-09-04,am",
                "30000001,100003,2024-09-04,pm",
            )
        });
        assert!(e.contains("row 10, column `date`"), "{e}");
        assert!(e.contains("has no lessons"), "{e}");
    }

    #[test]
    fn registration_outside_enrolment_is_refused() {
        // 10000002 left Lyceum Beuk on 6 September.
        let e = error_of("registrations/2024-2025.csv", |t| {
            t + "10000002,100002,2024-09-10,am,B\n"
        });
        assert!(e.contains("row 24, column `pupil_number`"), "{e}");
        assert!(
            e.contains("not enrolled at school 100002 on 2024-09-10"),
            "{e}"
        );
        assert!(
            !e.contains("10000002"),
            "errors do not repeat pupil numbers: {e}"
        );
    }

    #[test]
    fn duplicate_half_day_is_refused() {
        let e = error_of("registrations/2024-2025.csv", |t| {
            t + "10000001,100001,2024-09-02,am,Z\n"
        });
        assert!(e.contains("row 24, column `code`"), "{e}");
        assert!(
            e.contains("the same pupil has another code for 2024-09-02 am in an earlier row"),
            "{e}"
        );
    }

    #[test]
    fn overlapping_enrolments_are_refused() {
        let e = error_of("enrolments/2024-2025.csv", |t| {
            t.replace("10000002,100001,2024-09-09", "10000002,100001,2024-09-06")
        });
        assert!(
            e.contains("enrolments/2024-2025.csv: row 4, column `from`"),
            "{e}"
        );
    }

    #[test]
    fn missing_column_lists_the_columns_found() {
        let e = error_of("registry.csv", |t| t.replacen(",language\n", ",lang\n", 1));
        assert!(e.contains("no column `language`"), "{e}");
        assert!(e.contains("school_allowance, lang"), "{e}");
    }

    #[test]
    fn bad_share_and_unknown_school_name_their_cell() {
        let e = error_of("registry.csv", |t| t.replace("0.200,0.100", "1.200,0.100"));
        assert!(e.contains("row 2, column `home_language_not_dutch`"), "{e}");
        let e = error_of("enrolments/2024-2025.csv", |t| {
            t.replace("70000001,100007", "70000001,100008")
        });
        assert!(
            e.contains("row 16, column `school_id`: school 100008 is not in the registry"),
            "{e}"
        );
    }
}
