//! Problems found in the sources, and the data-quality report made of them.
//!
//! A bad row is recorded and skipped, so one run shows the support team every
//! problem at once. A file that cannot be read at all is recorded too; the run
//! then stops before anything is rendered.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What kind of problem, for counting and for the data-quality report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProblemKind {
    // A file that cannot be read at all.
    UnreadableFile,
    WrongEncoding,
    EmptyFile,
    MissingColumn,
    /// A source that most schools lack: read as zero it would give wrong mirrors.
    MissingSource,
    // A row that cannot be used.
    BadValue,
    BadDate,
    OutsideSchoolYear,
    NoLessons,
    UnknownCode,
    UnknownSchool,
    NotEnrolled,
    OverlappingEnrolments,
    ConflictingCodes,
    TwoSchools,
    ImpossibleCount,
    AnswerOutOfScale,
    Duplicate,
    // Worth a look; the data is used.
    RepeatedRow,
    NoRows,
    SuspectText,
    Mismatch,
    Superseded,
    NoRegistrations,
}

/// Errors keep a row (or a file) out of the mirrors; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl ProblemKind {
    pub fn severity(self) -> Severity {
        match self {
            Self::RepeatedRow
            | Self::NoRows
            | Self::SuspectText
            | Self::Mismatch
            | Self::Superseded
            | Self::NoRegistrations => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// A problem with a whole file: nothing in it could be read.
    pub fn is_file_level(self) -> bool {
        matches!(
            self,
            Self::UnreadableFile
                | Self::WrongEncoding
                | Self::EmptyFile
                | Self::MissingColumn
                | Self::MissingSource
        )
    }

    /// A short name for the report's tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::UnreadableFile => "file cannot be read",
            Self::WrongEncoding => "wrong text encoding",
            Self::EmptyFile => "empty file",
            Self::MissingColumn => "missing or misspelt column",
            Self::MissingSource => "data missing for most schools",
            Self::BadValue => "value not allowed",
            Self::BadDate => "unreadable date",
            Self::OutsideSchoolYear => "date outside the school year or calendar",
            Self::NoLessons => "date without lessons (weekend, holiday, free half day)",
            Self::UnknownCode => "code missing from the code list",
            Self::UnknownSchool => "school not in the registry",
            Self::NotEnrolled => "registration outside the pupil's enrolment",
            Self::OverlappingEnrolments => "overlapping enrolments",
            Self::ConflictingCodes => "same pupil and half day with different codes",
            Self::TwoSchools => "pupil registered at two schools on one half day",
            Self::ImpossibleCount => "impossible count",
            Self::AnswerOutOfScale => "answer outside the answer scale",
            Self::Duplicate => "listed twice",
            Self::RepeatedRow => "row repeated (same code)",
            Self::NoRows => "file without rows",
            Self::SuspectText => "text that looks garbled",
            Self::Mismatch => "government figures disagree",
            Self::Superseded => "totals not used: pupil-level data exists",
            Self::NoRegistrations => "school without any registration in a school year",
        }
    }
}

/// One problem, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub file: PathBuf,
    /// The row as a spreadsheet shows it; `None` for the whole file.
    pub row: Option<usize>,
    pub column: Option<String>,
    /// The school number of the row, when it has one.
    pub school: Option<String>,
    /// What is wrong and what to do. Never a pupil number.
    pub message: String,
}

impl Problem {
    pub fn file(kind: ProblemKind, file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            kind,
            file: file.into(),
            row: None,
            column: None,
            school: None,
            message: message.into(),
        }
    }

    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    pub(crate) fn at_school(mut self, school: impl Into<String>) -> Self {
        self.school = Some(school.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(row) = self.row {
            write!(f, ": row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// How much was read from one source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCount {
    pub files: usize,
    pub rows: usize,
}

/// Every problem found while reading, in the order found, and what was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DataQuality {
    problems: Vec<Problem>,
    sources: BTreeMap<String, SourceCount>,
}

/// How many examples of each kind of problem the report prints.
const EXAMPLES: usize = 5;

impl DataQuality {
    pub(crate) fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    pub(crate) fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        self.problems.extend(problems);
    }

    /// Adds what `other` found after what this one found.
    pub(crate) fn merge(&mut self, other: &DataQuality) {
        self.problems.extend(other.problems.iter().cloned());
        for (source, count) in &other.sources {
            let sum = self.sources.entry(source.clone()).or_default();
            sum.files += count.files;
            sum.rows += count.rows;
        }
    }

    /// Rewrites the messages of the problems at `range`.
    pub(crate) fn rewrite_messages(
        &mut self,
        range: impl std::ops::RangeBounds<usize>,
        rewrite: &mut impl FnMut(&str) -> String,
    ) {
        let range = (range.start_bound().cloned(), range.end_bound().cloned());
        for p in &mut self.problems[range] {
            p.message = rewrite(&p.message);
        }
    }

    pub(crate) fn count_file(&mut self, source: &'static str, rows: usize) {
        let count = self.sources.entry(source.to_owned()).or_default();
        count.files += 1;
        count.rows += rows;
    }

    /// Rows of a file of `source` counted as it was read, after
    /// [`Self::count_file`] counted the file.
    pub(crate) fn count_rows(&mut self, source: &'static str, rows: usize) {
        self.sources.entry(source.to_owned()).or_default().rows += rows;
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity() == Severity::Error)
    }

    /// Files that could not be read at all: the run must stop.
    pub fn unreadable_files(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.kind.is_file_level())
    }

    /// Schools with at least one error in their rows: their mirror would be
    /// built on incomplete data, so none is made until the data is fixed.
    pub fn schools_with_errors(&self) -> BTreeSet<&str> {
        self.errors().filter_map(|p| p.school.as_deref()).collect()
    }

    /// The report for the terminal and `out/data-quality.txt`: what was read,
    /// then per kind of problem its count and first examples, then per school.
    pub fn summary(&self) -> String {
        let mut out = String::from("Data quality\n============\n\nRead:\n");
        for (source, count) in &self.sources {
            let _ = writeln!(
                out,
                "  {source:<18} {:>4} file(s) {:>10} row(s)",
                count.files, count.rows
            );
        }
        let errors = self.errors().count();
        let warnings = self.problems.len() - errors;
        let _ = writeln!(out, "\n{errors} error(s), {warnings} warning(s).");
        let mut by_kind: BTreeMap<ProblemKind, Vec<&Problem>> = BTreeMap::new();
        for p in &self.problems {
            by_kind.entry(p.kind).or_default().push(p);
        }
        for (kind, problems) in &by_kind {
            let severity = match kind.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let _ = writeln!(out, "\n{} ({severity}): {}", kind.label(), problems.len());
            for p in problems.iter().take(EXAMPLES) {
                let _ = writeln!(out, "  - {p}");
            }
            if problems.len() > EXAMPLES {
                let _ = writeln!(out, "  ... and {} more", problems.len() - EXAMPLES);
            }
        }
        let mut by_school: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for p in &self.problems {
            if let Some(school) = &p.school {
                let counts = by_school.entry(school).or_default();
                match p.severity() {
                    Severity::Error => counts.0 += 1,
                    Severity::Warning => counts.1 += 1,
                }
            }
        }
        if !by_school.is_empty() {
            out.push_str("\nPer school (errors / warnings):\n");
            for (school, (e, w)) in &by_school {
                let _ = writeln!(out, "  {school:<12} {e:>6} {w:>6}");
            }
        }
        out
    }

    /// Every problem as CSV, for a spreadsheet or a filter.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("severity,kind,school_id,file,row,column,message\n");
        for p in &self.problems {
            let severity = match p.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let fields = [
                severity.to_owned(),
                p.kind.label().to_owned(),
                p.school.clone().unwrap_or_default(),
                p.file.display().to_string(),
                p.row.map(|r| r.to_string()).unwrap_or_default(),
                p.column.clone().unwrap_or_default(),
                p.message.clone(),
            ];
            let quoted: Vec<String> = fields
                .iter()
                .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
                .collect();
            out.push_str(&quoted.join(","));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(kind: ProblemKind, school: &str, row: usize) -> Problem {
        Problem {
            kind,
            file: "registrations/a.csv".into(),
            row: Some(row),
            column: Some("code".into()),
            school: Some(school.into()),
            message: "`Q` is not in the code list".into(),
        }
    }

    #[test]
    fn the_summary_counts_per_kind_and_per_school_and_the_csv_quotes() {
        let mut q = DataQuality::default();
        q.count_file("registrations", 20);
        for row in 2..9 {
            q.push(problem(ProblemKind::UnknownCode, "100001", row));
        }
        q.push(problem(ProblemKind::RepeatedRow, "100002", 12));
        let s = q.summary();
        assert!(s.contains("7 error(s), 1 warning(s)."), "{s}");
        assert!(
            s.contains("code missing from the code list (error): 7"),
            "{s}"
        );
        assert!(
            s.contains(
                "  - registrations/a.csv: row 2, column `code`: `Q` is not in the code list"
            ),
            "{s}"
        );
        assert!(s.contains("... and 2 more"), "{s}");
        assert!(s.contains("  100001            7      0"), "{s}");
        assert_eq!(
            q.schools_with_errors().into_iter().collect::<Vec<_>>(),
            ["100001"]
        );
        let csv = q.to_csv();
        assert_eq!(csv.lines().count(), 9);
        assert!(csv.contains("\"warning\",\"row repeated (same code)\",\"100002\""));
    }
}
