//! Ingest: reads the city's sources into typed, validated values.
//!
//! Every value is checked on the way in; a bad one stops the run with an error
//! naming the file, the row, the column and what to do. Pupil numbers are held
//! here only as [`PupilNumber`], which anonymise replaces before anything else
//! sees the data.

mod codes;
mod enrolments;
mod registrations;
mod registry;
mod table;

use std::path::{Path, PathBuf};

use mirror_model::{Absence, Calendar, Config, Enrolment, PupilRef};

pub use codes::AbsenceCodes;
pub use registry::RegistryEntry;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot read the file: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: Box<polars::prelude::PolarsError>,
    },
    #[error("{path}: only .csv and .parquet files are read")]
    UnsupportedFile { path: PathBuf },
    #[error(
        "{path}: no column `{column}` (the file has: {found}); see docs/data-formats.md for the columns"
    )]
    MissingColumn {
        path: PathBuf,
        column: &'static str,
        found: String,
    },
    #[error("{path}: row {row}, column `{column}`: {message}")]
    Value {
        path: PathBuf,
        row: usize,
        column: &'static str,
        message: String,
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

/// Everything read from the city's sources, as it came, checked.
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
    pub calendar: Calendar,
}

impl RawCity {
    pub fn pupil_number(&self, pupil: PupilRef) -> &PupilNumber {
        &self.pupil_numbers[pupil.0 as usize]
    }
}

/// Reads the registry, enrolments and half-day registrations under
/// `config.data_dir`, with the school calendar and the absence code list.
pub fn run(config: &Config, calendar: Calendar) -> Result<RawCity, IngestError> {
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
    let registry = registry::read(&registry_file(dir)?)?;
    let mut pupils = enrolments::PupilIndex::default();
    let enrolments = enrolments::read(
        &folder_files(dir, "enrolments")?,
        &registry,
        &calendar,
        &mut pupils,
    )?;
    let absences = registrations::read(
        &folder_files(dir, "registrations")?,
        &registry,
        &calendar,
        &codes,
        &mut pupils,
        &enrolments,
    )?;
    Ok(RawCity {
        registry,
        pupil_numbers: pupils.into_numbers(),
        enrolments,
        absences,
        calendar,
    })
}

fn registry_file(dir: &Path) -> Result<PathBuf, IngestError> {
    ["registry.csv", "registry.parquet"]
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
        .ok_or_else(|| IngestError::Missing {
            path: dir.to_owned(),
            message: "no school registry: expected registry.csv or registry.parquet in this folder (see docs/data-formats.md)".to_owned(),
        })
}

fn folder_files(dir: &Path, folder: &str) -> Result<Vec<PathBuf>, IngestError> {
    let path = dir.join(folder);
    let files = if path.is_dir() {
        table::data_files(&path)?
    } else {
        Vec::new()
    };
    if files.is_empty() {
        return Err(IngestError::Missing {
            path,
            message: format!(
                "no {folder} files: put .csv or .parquet files in this folder (see docs/data-formats.md)"
            ),
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use mirror_model::AbsenceCategory;

    use super::*;

    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city")
    }

    fn ingest(dir: &Path) -> Result<RawCity, IngestError> {
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let calendar = Calendar::load(&config.calendar).unwrap();
        run(&config, calendar)
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
        let city = ingest(&fixture()).unwrap();
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

    fn error_of(file: &str, edit: impl FnOnce(String) -> String) -> String {
        let (_tmp, dir) = edited(file, edit);
        ingest(&dir).unwrap_err().to_string()
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
        assert!(e.contains("row 24, column `date`"), "{e}");
        assert!(
            e.contains("already has a registration for 2024-09-02 am"),
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
