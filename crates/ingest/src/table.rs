//! Reads one CSV or Parquet file into text columns, so every value is parsed
//! and checked in one place with its file, row and column.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::IngestError;

/// The required columns of one input file, as text.
pub(crate) struct Table {
    pub path: PathBuf,
    kind: FileKind,
    columns: Vec<StringChunked>,
    names: &'static [&'static str],
}

#[derive(Debug, Clone, Copy)]
enum FileKind {
    Csv,
    Parquet,
}

impl Table {
    pub fn read(path: &Path, names: &'static [&'static str]) -> Result<Self, IngestError> {
        let read_err = |source: PolarsError| IngestError::Read {
            path: path.to_owned(),
            source: Box::new(source),
        };
        let (kind, df) = match extension(path).as_deref() {
            Some("csv") => {
                // Every column as text: values are parsed below, with row numbers.
                let df = CsvReadOptions::default()
                    .with_has_header(true)
                    .with_infer_schema_length(Some(0))
                    .with_raise_if_empty(false)
                    .try_into_reader_with_file_path(Some(path.to_owned()))
                    .and_then(|r| r.finish())
                    .map_err(read_err)?;
                (FileKind::Csv, df)
            }
            Some("parquet") => {
                let file = std::fs::File::open(path).map_err(|e| IngestError::Io {
                    path: path.to_owned(),
                    source: e,
                })?;
                let df = ParquetReader::new(file).finish().map_err(read_err)?;
                (FileKind::Parquet, df)
            }
            _ => {
                return Err(IngestError::UnsupportedFile {
                    path: path.to_owned(),
                });
            }
        };
        let mut columns = Vec::with_capacity(names.len());
        for name in names {
            let column = df.column(name).map_err(|_| IngestError::MissingColumn {
                path: path.to_owned(),
                column: name,
                found: df
                    .get_column_names()
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
            let text = column
                .cast(&DataType::String)
                .and_then(|c| c.str().cloned())
                .map_err(read_err)?;
            columns.push(text.rechunk().into_owned());
        }
        Ok(Self {
            path: path.to_owned(),
            kind,
            columns,
            names,
        })
    }

    pub fn height(&self) -> usize {
        self.columns.first().map_or(0, |c| c.len())
    }

    /// Calls `f` with each row's values, in the order of `names`; empty cells are "".
    pub fn for_each_row(
        &self,
        mut f: impl FnMut(RowRef, &[&str]) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        let mut iters: Vec<_> = self.columns.iter().map(|c| c.iter()).collect();
        let mut values = vec![""; iters.len()];
        for index in 0..self.height() {
            for (v, it) in values.iter_mut().zip(iters.iter_mut()) {
                *v = it.next().flatten().unwrap_or("").trim();
            }
            f(RowRef { table: self, index }, &values)?;
        }
        Ok(())
    }

    /// The row number a person sees: in a CSV file opened in a spreadsheet the
    /// header is row 1; in Parquet the first record is row 1.
    pub fn row_number(&self, index: usize) -> usize {
        match self.kind {
            FileKind::Csv => index + 2,
            FileKind::Parquet => index + 1,
        }
    }
}

/// A row of a table, to name in errors.
#[derive(Clone, Copy)]
pub(crate) struct RowRef<'a> {
    table: &'a Table,
    pub index: usize,
}

impl RowRef<'_> {
    /// An error at this row in the column at `position` of the table's names.
    pub fn error(&self, position: usize, message: impl Into<String>) -> IngestError {
        IngestError::Value {
            path: self.table.path.clone(),
            row: self.table.row_number(self.index),
            column: self.table.names[position],
            message: message.into(),
        }
    }

    /// Parses the value at `position` with `FromStr`, naming row and column on failure.
    pub fn parse<T>(&self, values: &[&str], position: usize) -> Result<T, IngestError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let v = values[position];
        if v.is_empty() {
            return Err(self.error(position, "is empty; a value is required"));
        }
        v.parse()
            .map_err(|e: T::Err| self.error(position, e.to_string()))
    }

    pub fn date(&self, values: &[&str], position: usize) -> Result<chrono::NaiveDate, IngestError> {
        let v = values[position];
        chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| self.error(position, format!("`{v}` is not a date (YYYY-MM-DD)")))
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// Input files under `dir`, in path order so runs are reproducible.
pub(crate) fn data_files(dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| IngestError::Io {
            path: e.path().unwrap_or(dir).to_owned(),
            source: e.into(),
        })?;
        let is_data = matches!(extension(entry.path()).as_deref(), Some("csv" | "parquet"));
        if entry.file_type().is_file() && is_data {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}
