//! Reads one CSV, Excel or Parquet file into text columns, so every value is
//! parsed and checked in one place with its file, row and column.
//!
//! CSV comes as people export it: `,` `;` or tab, UTF-8 with or without BOM
//! or Windows-1252. Excel: the sheet named after the source, else the first.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use chrono::NaiveDate;
use polars::prelude::*;

use crate::problems::{DataQuality, Problem, ProblemKind};

/// A column a reader wants, with the other headers it is known by.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub name: String,
    pub headers: Vec<String>,
    pub required: bool,
}

impl Wanted {
    pub fn required(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            headers: Vec::new(),
            required: true,
        }
    }

    pub fn optional(name: &str) -> Self {
        Self {
            required: false,
            ..Self::required(name)
        }
    }

    /// Also accept `header` for this column (a survey tool's export name).
    pub fn or_header(mut self, header: &str) -> Self {
        self.headers.push(header.to_owned());
        self
    }

    fn matches(&self, header: &str) -> bool {
        let h = normalise(header);
        h == normalise(&self.name) || self.headers.iter().any(|a| normalise(a) == h)
    }
}

/// Required columns, in order, then optional ones.
pub(crate) fn columns(required: &[&str], optional: &[&str]) -> Vec<Wanted> {
    let mut wanted: Vec<Wanted> = required.iter().map(|c| Wanted::required(c)).collect();
    wanted.extend(optional.iter().map(|c| Wanted::optional(c)));
    wanted
}

fn normalise(header: &str) -> String {
    header.trim().to_lowercase()
}

/// A column's values: text, or the dates a Parquet file stores as dates,
/// kept as days (formatting 10 million dates as text costs a second).
#[derive(Debug, Clone)]
enum Cells {
    Text(StringChunked),
    Dates(Int32Chunked),
}

/// Stands in the row's values for a date kept as days; [`RowRef::date`]
/// reads the date itself.
const DATE_CELL: &str = "(date)";

/// Days from 1 January of year 1 to the Unix epoch, Parquet's day 0.
const EPOCH_FROM_CE: i32 = 719_163;

/// The wanted columns of one input file, as text.
#[derive(Debug)]
pub(crate) struct Table {
    pub path: PathBuf,
    /// The row number a person sees for the first record.
    first_row: usize,
    height: usize,
    /// `None` for an optional column the file does not have.
    columns: Vec<Option<Cells>>,
    names: Vec<String>,
    school_column: Option<usize>,
    /// A problem with the file's text that does not stop it being read.
    warning: Option<Problem>,
}

impl Table {
    /// Reads `path` as a file of `source` (which names the Excel sheet to
    /// prefer), recording in `quality` what was read and any problem. `None`
    /// when the file cannot be read at all.
    pub fn open(
        path: &Path,
        source: &'static str,
        wanted: &[Wanted],
        quality: &mut DataQuality,
    ) -> Option<Self> {
        match Self::read(path, source, wanted) {
            Err(problem) => {
                quality.push(problem);
                None
            }
            Ok(mut table) => {
                quality.count_file(source, table.height);
                quality.extend(table.warning.take());
                if table.height == 0 {
                    quality.push(Problem::file(
                        ProblemKind::NoRows,
                        path,
                        "the file has a header but no rows; check the export, or remove the file",
                    ));
                }
                Some(table)
            }
        }
    }

    fn read(path: &Path, source: &str, wanted: &[Wanted]) -> Result<Self, Problem> {
        let problem = |kind, message: String| Problem::file(kind, path, message);
        let (headers, raw, first_row, warning) = match extension(path).as_deref() {
            Some("csv" | "txt" | "tsv") => {
                let bytes = std::fs::read(path)
                    .map_err(|e| problem(ProblemKind::UnreadableFile, e.to_string()))?;
                let (text, warning) = decode(bytes, path)?;
                let separator = sniff_separator(&text);
                let df = CsvReadOptions::default()
                    .with_has_header(true)
                    // Every column as text: values are parsed below, with row numbers.
                    .with_infer_schema_length(Some(0))
                    .with_raise_if_empty(false)
                    .map_parse_options(|p| p.with_separator(separator))
                    .into_reader_with_file_handle(Cursor::new(text))
                    .finish()
                    .map_err(|e| {
                        problem(
                            ProblemKind::UnreadableFile,
                            format!("cannot read it as CSV: {e}; check that every row has as many fields as the header and that quotes are closed"),
                        )
                    })?;
                let (headers, columns) = text_columns(&df, path)?;
                (headers, columns, 2, warning)
            }
            Some("parquet") => {
                let file = std::fs::File::open(path)
                    .map_err(|e| problem(ProblemKind::UnreadableFile, e.to_string()))?;
                let df = ParquetReader::new(file).finish().map_err(|e| {
                    problem(
                        ProblemKind::UnreadableFile,
                        format!("cannot read it as Parquet: {e}"),
                    )
                })?;
                let (headers, columns) = text_columns(&df, path)?;
                (headers, columns, 1, None)
            }
            Some("xlsx" | "xlsm" | "xls" | "ods") => {
                let (headers, columns, first_row) = read_workbook(path, source)?;
                let columns = columns.into_iter().map(Cells::Text).collect();
                (headers, columns, first_row, None)
            }
            _ => {
                return Err(problem(
                    ProblemKind::UnreadableFile,
                    "only .csv, .xlsx and .parquet files are read; save it in one of these formats"
                        .to_owned(),
                ));
            }
        };
        if headers.is_empty() {
            return Err(problem(
                ProblemKind::EmptyFile,
                "the file is empty; export it again with a header row and the data, or remove it"
                    .to_owned(),
            ));
        }
        let mut columns = Vec::with_capacity(wanted.len());
        for w in wanted {
            let found = headers.iter().position(|h| w.matches(h));
            match found {
                Some(i) => columns.push(Some(raw[i].clone())),
                None if !w.required => columns.push(None),
                None => return Err(missing_column(path, w, &headers, wanted)),
            }
        }
        let height = raw.first().map_or(0, |c| match c {
            Cells::Text(t) => t.len(),
            Cells::Dates(d) => d.len(),
        });
        let names: Vec<String> = wanted.iter().map(|w| w.name.clone()).collect();
        let school_column = names.iter().position(|n| n == "school_id");
        Ok(Self {
            path: path.to_owned(),
            first_row,
            height,
            columns,
            names,
            school_column,
            warning,
        })
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Whether the file has the wanted column at `position`.
    pub fn has(&self, position: usize) -> bool {
        self.columns[position].is_some()
    }

    /// Calls `f` with each row's values, in the order of the wanted columns;
    /// empty cells and absent optional columns are "". A row `f` refuses is
    /// recorded and skipped, with the row's school attached.
    pub fn for_each_row(
        &self,
        quality: &mut DataQuality,
        mut f: impl FnMut(RowRef, &[&str], &mut DataQuality) -> Result<(), Problem>,
    ) {
        let mut iters: Vec<_> = self
            .columns
            .iter()
            .map(|c| match c {
                Some(Cells::Text(t)) => Some(t.iter()),
                _ => None,
            })
            .collect();
        let mut values = vec![""; iters.len()];
        for index in 0..self.height {
            for ((v, it), cells) in values.iter_mut().zip(iters.iter_mut()).zip(&self.columns) {
                *v = match (it, cells) {
                    (Some(it), _) => it.next().flatten().unwrap_or("").trim(),
                    (None, Some(Cells::Dates(d))) if d.get(index).is_some() => DATE_CELL,
                    _ => "",
                };
            }
            if values.iter().all(|v| v.is_empty()) {
                continue; // Spreadsheets leave blank rows; they hold nothing.
            }
            if let Err(mut p) = f(RowRef { table: self, index }, &values, quality) {
                if p.school.is_none()
                    && let Some(s) = self.school_column.map(|c| values[c])
                    && !s.is_empty()
                {
                    p.school = Some(s.to_owned());
                }
                quality.push(p);
            }
        }
    }

    /// A problem at record `index` (0-based) in the column at `position`.
    pub fn problem_at(
        &self,
        index: usize,
        position: usize,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Problem {
        self.place().problem_at(index, position, kind, message)
    }

    /// What names a record of this table once its columns are dropped.
    pub fn place(&self) -> FilePlace {
        FilePlace {
            path: self.path.clone(),
            first_row: self.first_row,
            names: self.names.clone(),
        }
    }
}

/// A file's path, first row number and column names: enough to name a record
/// found faulty after the file's values are gone.
#[derive(Debug, Clone)]
pub(crate) struct FilePlace {
    path: PathBuf,
    first_row: usize,
    names: Vec<String>,
}

impl FilePlace {
    pub fn problem_at(
        &self,
        index: usize,
        position: usize,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            kind,
            file: self.path.clone(),
            row: Some(self.first_row + index),
            column: Some(self.names[position].clone()),
            school: None,
            message: message.into(),
        }
    }
}

/// Where a record came from: the index of its file's [`FilePlace`] and its
/// record index in that file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    pub file: u32,
    pub index: u32,
}

fn missing_column(path: &Path, w: &Wanted, headers: &[String], wanted: &[Wanted]) -> Problem {
    let unused: Vec<&String> = headers
        .iter()
        .filter(|h| !wanted.iter().any(|w| w.matches(h)))
        .collect();
    let closest = unused
        .iter()
        .map(|h| (strsim::jaro_winkler(&normalise(h), &w.name), h))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match closest {
        Some((_, h)) => format!(
            "; the column `{h}` looks like it: rename it to `{}`",
            w.name
        ),
        None => String::new(),
    };
    let found: Vec<&str> = headers.iter().map(String::as_str).collect();
    Problem::file(
        ProblemKind::MissingColumn,
        path,
        format!(
            "no column `{}`{hint} (the file has: {}); see docs/data-formats.md for the columns",
            w.name,
            found.join(", ")
        ),
    )
}

fn text_columns(df: &DataFrame, path: &Path) -> Result<(Vec<String>, Vec<Cells>), Problem> {
    let mut headers = Vec::with_capacity(df.width());
    let mut columns = Vec::with_capacity(df.width());
    for column in df.columns() {
        if let Ok(dates) = column.date() {
            headers.push(column.name().to_string());
            columns.push(Cells::Dates(dates.physical().rechunk().into_owned()));
            continue;
        }
        let text = column
            .cast(&DataType::String)
            .and_then(|c| c.str().cloned())
            .map_err(|e| {
                Problem::file(
                    ProblemKind::UnreadableFile,
                    path,
                    format!("column `{}` cannot be read as text: {e}", column.name()),
                )
            })?;
        headers.push(column.name().to_string());
        columns.push(Cells::Text(text.rechunk().into_owned()));
    }
    Ok((headers, columns))
}

/// The sheet named `source`, else the first; the header is its first used row.
fn read_workbook(
    path: &Path,
    source: &str,
) -> Result<(Vec<String>, Vec<StringChunked>, usize), Problem> {
    let unreadable = |e: String| {
        Problem::file(
            ProblemKind::UnreadableFile,
            path,
            format!("cannot read it as a workbook: {e}; save it again as .xlsx"),
        )
    };
    let mut book = calamine::open_workbook_auto(path).map_err(|e| unreadable(e.to_string()))?;
    let names = book.sheet_names();
    let sheet = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(source))
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| unreadable("it has no sheets".to_owned()))?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| unreadable(e.to_string()))?;
    let Some((start_row, _)) = range.start() else {
        return Ok((Vec::new(), Vec::new(), 2));
    };
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(cell_text).collect())
        .unwrap_or_default();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for row in rows {
        for (column, cell) in cells.iter_mut().zip(row) {
            column.push(cell_text(cell));
        }
    }
    let columns = headers
        .iter()
        .zip(cells)
        .map(|(h, c)| StringChunked::from_iter_values(h.as_str().into(), c.into_iter()))
        .collect();
    Ok((headers, columns, start_row as usize + 2))
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Whole numbers typed in a cell come as floats; print them as typed.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.to_string(),
            None => d.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The file's text as UTF-8: UTF-8 (a BOM is dropped) or Windows-1252.
/// UTF-16 and binary files are refused with what to do instead.
fn decode(mut bytes: Vec<u8>, path: &Path) -> Result<(Vec<u8>, Option<Problem>), Problem> {
    let encoding = |message: &str| Problem::file(ProblemKind::WrongEncoding, path, message);
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(encoding(
            "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" instead",
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(encoding(
            "the file is a workbook with a .csv name; rename it to .xlsx or save it as \"CSV UTF-8\"",
        ));
    }
    if bytes.contains(&0) {
        return Err(encoding(
            "the file is not text (it holds NUL bytes); save it as \"CSV UTF-8\"",
        ));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::file(
            ProblemKind::EmptyFile,
            path,
            "the file is empty; export it again with a header row and the data, or remove it",
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(e.as_bytes());
            // Bytes Windows-1252 leaves undefined come out as C1 controls.
            if text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
                return Err(encoding(
                    "the file is neither UTF-8 nor Windows-1252 text; save it as \"CSV UTF-8\"",
                ));
            }
            text.into_owned()
        }
    };
    let warning = garbled_line(&text).map(|line| Problem {
        row: Some(line),
        ..Problem::file(
            ProblemKind::SuspectText,
            path,
            "text such as `Ã©` looks like UTF-8 read as another encoding and saved again; check accents in this file",
        )
    });
    Ok((text.into_bytes(), warning))
}

/// The line of the first `Ã` or `â€` followed by a continuation-like
/// character: the mark of UTF-8 decoded twice.
fn garbled_line(text: &str) -> Option<usize> {
    // The second byte of a two-byte UTF-8 letter (0x80-0xBF) as Windows-1252 shows it.
    let continuation = |next: char| {
        ('\u{a0}'..='\u{bf}').contains(&next) || "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ".contains(next)
    };
    // `find` on a string is a fast byte search; this runs over every CSV.
    let at = text
        .match_indices('Ã')
        .find(|(i, m)| text[i + m.len()..].chars().next().is_some_and(continuation))
        .map(|(i, _)| i)
        .into_iter()
        .chain(text.find("â€"))
        .min()?;
    Some(text[..at].matches('\n').count() + 1)
}

/// The header line's most frequent of `,` `;` and tab, outside quotes.
fn sniff_separator(text: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in text.iter().take_while(|&&b| b != b'\n') {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let separators = [b',', b';', b'\t'];
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    separators[best]
}

/// A row of a table, to name in problems.
#[derive(Clone, Copy)]
pub(crate) struct RowRef<'a> {
    table: &'a Table,
    pub index: usize,
}

impl RowRef<'_> {
    /// A problem at this row in the column at `position` of the wanted columns.
    pub fn problem(
        &self,
        position: usize,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Problem {
        self.table.problem_at(self.index, position, kind, message)
    }

    /// Parses the value at `position` with `FromStr`, naming row and column on failure.
    pub fn parse<T>(&self, values: &[&str], position: usize) -> Result<T, Problem>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let v = self.non_empty(values, position)?;
        v.parse()
            .map_err(|e: T::Err| self.problem(position, ProblemKind::BadValue, e.to_string()))
    }

    pub fn non_empty<'v>(&self, values: &[&'v str], position: usize) -> Result<&'v str, Problem> {
        match values[position] {
            "" => Err(self.problem(
                position,
                ProblemKind::BadValue,
                "is empty; a value is required",
            )),
            v => Ok(v),
        }
    }

    pub fn date(&self, values: &[&str], position: usize) -> Result<NaiveDate, Problem> {
        let v = self.non_empty(values, position)?;
        if let Some(Cells::Dates(days)) = &self.table.columns[position] {
            return days
                .get(self.index)
                .and_then(|d| NaiveDate::from_num_days_from_ce_opt(d.checked_add(EPOCH_FROM_CE)?))
                .ok_or_else(|| {
                    self.problem(
                        position,
                        ProblemKind::BadDate,
                        "is outside the calendar's range",
                    )
                });
        }
        parse_date(v).ok_or_else(|| {
            self.problem(
                position,
                ProblemKind::BadDate,
                format!("`{v}` is not a date; write it as 2025-09-01 or 01/09/2025"),
            )
        })
    }

    /// A whole number of 0 or more.
    pub fn count(&self, values: &[&str], position: usize) -> Result<u32, Problem> {
        let v = self.non_empty(values, position)?;
        match v.parse::<i64>() {
            Ok(n) if n < 0 => Err(self.problem(
                position,
                ProblemKind::ImpossibleCount,
                format!("{n} is negative; a count is 0 or more"),
            )),
            Ok(n) => u32::try_from(n).map_err(|_| {
                self.problem(
                    position,
                    ProblemKind::ImpossibleCount,
                    format!("{n} is too large"),
                )
            }),
            Err(_) => Err(self.problem(
                position,
                ProblemKind::BadValue,
                format!("`{v}` is not a whole number"),
            )),
        }
    }

    /// A share between 0 and 1: `0.42`, `0,42` or `42%`.
    pub fn share(&self, values: &[&str], position: usize) -> Result<f64, Problem> {
        let v = self.non_empty(values, position)?;
        let bad = || {
            self.problem(
                position,
                ProblemKind::BadValue,
                format!("`{v}` is not a share between 0 and 1 (such as 0.42, 0,42 or 42%)"),
            )
        };
        let (number, scale) = match v.strip_suffix('%') {
            Some(n) => (n.trim(), 100.0),
            None => (v, 1.0),
        };
        let s = parse_decimal(number).ok_or_else(bad)? / scale;
        if (0.0..=1.0).contains(&s) {
            Ok(s)
        } else {
            Err(bad())
        }
    }
}

/// `YYYY-MM-DD` (a time of midnight after it is allowed), or `DD/MM/YYYY`
/// with `/`, `-` or `.` between the parts.
pub(crate) fn parse_date(v: &str) -> Option<NaiveDate> {
    let b = v.as_bytes();
    let digits = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        s.iter().try_fold(0u32, |n, d| {
            n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    };
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let rest = &v[10..];
        let midnight = rest.is_empty()
            || rest
                .trim_start_matches([' ', 'T'])
                .trim_end_matches(['0', ':', '.', 'Z'])
                .is_empty();
        if !midnight {
            return None;
        }
        let year = i32::try_from(digits(&b[0..4])?).ok()?;
        return NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?);
    }
    let mut parts = v.split(['/', '-', '.']);
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || d.len() > 2 || m.len() > 2 || y.len() != 4 {
        return None;
    }
    let year = i32::try_from(digits(y.as_bytes())?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(m.as_bytes())?, digits(d.as_bytes())?)
}

/// A decimal with `.` or `,` as the decimal mark.
pub(crate) fn parse_decimal(v: &str) -> Option<f64> {
    let v = v.trim();
    if v.contains(',') && v.contains('.') {
        return None; // thousands separators are ambiguous: refuse rather than guess
    }
    v.replace(',', ".")
        .parse()
        .ok()
        .filter(|f: &f64| f.is_finite())
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// Input files under `dir`, in path order so runs are reproducible. Files a
/// spreadsheet program leaves open (`~$name.xlsx`) and hidden files are not data.
pub(crate) fn data_files(dir: &Path) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy();
        let hidden = name.starts_with('.') || name.starts_with("~$");
        let is_data = matches!(
            extension(entry.path()).as_deref(),
            Some("csv" | "tsv" | "txt" | "parquet" | "xlsx" | "xlsm" | "xls" | "ods")
        );
        if entry.file_type().is_file() && is_data && !hidden {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_formats_people_type() {
        let d = NaiveDate::from_ymd_opt(2025, 9, 1);
        assert_eq!(parse_date("2025-09-01"), d);
        assert_eq!(parse_date("2025-09-01 00:00:00"), d);
        assert_eq!(parse_date("01/09/2025"), d);
        assert_eq!(parse_date("1/9/2025"), d);
        assert_eq!(parse_date("01-09-2025"), d);
        assert_eq!(parse_date("01.09.2025"), d);
        assert_eq!(parse_date("31/02/2025"), None);
        assert_eq!(parse_date("2025-09-01 10:30:00"), None);
        assert_eq!(parse_date("09/01/25"), None);
        assert_eq!(parse_date("next monday"), None);
    }

    #[test]
    fn decimals_with_a_comma_or_a_point() {
        assert_eq!(parse_decimal("0,42"), Some(0.42));
        assert_eq!(parse_decimal("0.42"), Some(0.42));
        assert_eq!(parse_decimal("1.234,5"), None);
        assert_eq!(parse_decimal("NaN"), None);
    }

    #[test]
    fn the_separator_is_the_commonest_outside_quotes() {
        assert_eq!(sniff_separator(b"a;b;c\n1,2;3"), b';');
        assert_eq!(sniff_separator(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_separator(b"\"a;b\",c\n"), b',');
        assert_eq!(sniff_separator(b"single\n"), b',');
    }

    #[test]
    fn windows_1252_is_decoded_and_utf16_refused() {
        let path = Path::new("x.csv");
        // "é" in Windows-1252 is 0xE9, not valid UTF-8.
        let (text, warning) = decode(b"name\nCaf\xe9\n".to_vec(), path).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "name\nCafé\n");
        assert!(warning.is_none());
        let (text, _) = decode(b"\xEF\xBB\xBFname\n".to_vec(), path).unwrap();
        assert_eq!(text, b"name\n");
        let e = decode(b"\xFF\xFEn\0a\0".to_vec(), path).unwrap_err();
        assert_eq!(e.kind, ProblemKind::WrongEncoding);
        assert!(e.message.contains("UTF-16"), "{}", e.message);
        let e = decode(b" \n".to_vec(), path).unwrap_err();
        assert_eq!(e.kind, ProblemKind::EmptyFile);
        let (_, warning) = decode("name\nok\nCafÃ©\n".as_bytes().to_vec(), path).unwrap();
        assert_eq!(warning.unwrap().row, Some(3));
    }
}
