//! The output folder of one period, and writes that never leave a truncated
//! file behind: each goes to a temporary name and is renamed into place.
//!
//! ```text
//! <out_dir>/<period>/schools/<id>.pdf     one per school (<id>-follow-up.pdf on request)
//! <out_dir>/<period>/advisor/             the advisor's list and peer sets: city staff only
//! <out_dir>/<period>/quality/             the data-quality report
//! <out_dir>/<period>/manifest.json        inputs, tool and method versions, report hashes
//! ```

use std::path::{Path, PathBuf};

use mirror_benchmark::Period;

use crate::CliError;

/// The suffix of a file being written; never a finished output.
const PARTIAL: &str = ".partial";

#[derive(Debug, Clone)]
pub struct PeriodDir {
    pub root: PathBuf,
}

impl PeriodDir {
    /// `<out_dir>/<school year>`, or `<out_dir>/<school year>-to-<date>` for a
    /// year to date, so that it never overwrites the whole year's.
    pub fn new(out_dir: &Path, period: &Period) -> Self {
        let name = if period.year_to_date {
            format!("{}-to-{}", period.year, period.to)
        } else {
            period.year.to_string()
        };
        Self {
            root: out_dir.join(name),
        }
    }

    pub fn schools(&self) -> PathBuf {
        self.root.join("schools")
    }

    pub fn advisor(&self) -> PathBuf {
        self.root.join("advisor")
    }

    /// Every shared good practice, for schools and local partners.
    pub fn guide(&self) -> PathBuf {
        self.root.join("inspiration-guide.pdf")
    }

    pub fn quality(&self) -> PathBuf {
        self.root.join("quality")
    }

    pub fn manifest(&self) -> PathBuf {
        self.root.join("manifest.json")
    }

    /// The folder reports are written to while a batch runs; renamed into
    /// `schools/` only once the batch may be published.
    pub fn staging(&self) -> PathBuf {
        self.root.join(".staging")
    }
}

pub fn create_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
        path: dir.to_owned(),
        source,
    })
}

/// Writes to a temporary file beside `path`, then renames it: an interrupted
/// run never leaves a truncated file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(PARTIAL);
    let tmp = PathBuf::from(tmp);
    let err = |source| CliError::Write {
        path: path.to_owned(),
        source,
    };
    std::fs::write(&tmp, bytes).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

pub fn rename(from: &Path, to: &Path) -> Result<(), CliError> {
    std::fs::rename(from, to).map_err(|source| CliError::Write {
        path: to.to_owned(),
        source,
    })
}

pub fn remove_file_if_present(path: &Path) -> Result<(), CliError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(CliError::Write {
            path: path.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Empties the staging folder an interrupted run may have left.
pub fn clear_dir(dir: &Path) -> Result<(), CliError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(CliError::Write {
            path: dir.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pdf");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.pdf")]);
    }

    #[test]
    fn a_year_to_date_has_its_own_folder() {
        let year: mirror_model::SchoolYear = "2025-2026".parse().unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        let out = Path::new("out");
        assert_eq!(
            PeriodDir::new(out, &Period::whole(year)).root,
            Path::new("out/2025-2026")
        );
        assert_eq!(
            PeriodDir::new(out, &Period::up_to(day)).root,
            Path::new("out/2025-2026-to-2026-03-15")
        );
    }
}
