//! Reads one CSV, Excel or Parquet file into text columns, so every value is
//! parsed and checked in one place with its file, row and column.
//!
//! CSV comes as people export it: `,` `;` or tab (or the separator an Excel
//! `sep=` first line names), UTF-8 with or without BOM or Windows-1252, with
//! Windows, Unix or old Mac line ends. Excel: the sheet named after the
//! source, else the first. A title above the column names is skipped with a
//! warning. A file in a package's [`Layout`] is read into our own columns.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use rayon::iter::{IntoParallelIterator, ParallelIterator};

use crate::enrolments::FastMap;
use crate::problems::{DataQuality, Problem, ProblemKind};

/// A column a reader wants, by our name.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub name: String,
    pub required: bool,
}

impl Wanted {
    pub fn required(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            required: true,
        }
    }

    pub fn optional(name: &str) -> Self {
        Self {
            required: false,
            ..Self::required(name)
        }
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

/// How a package or survey tool exports a source: the header it gives each
/// of our columns, how it writes dates and which values it writes for ours.
/// A file is read with the first layout whose headers it has (our own
/// names first), and its values are translated into ours as it is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    pub name: String,
    /// Our column -> the export's header; a column not listed keeps our name.
    pub headers: BTreeMap<String, String>,
    /// A chrono format such as `%d/%m/%Y`, for the columns in `dates`.
    pub date_format: Option<String>,
    /// Our columns that hold dates.
    pub dates: Vec<String>,
    /// Our column -> the export's value in lower case -> our value.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// The header `w` has in a file of `layout` (`None`: our own names).
fn expected_header<'a>(w: &'a Wanted, layout: Option<&'a Layout>) -> &'a str {
    layout
        .and_then(|l| l.headers.get(&w.name))
        .unwrap_or(&w.name)
}

/// Each wanted column's position among `headers`, read with `layout`.
fn find_columns(
    headers: &[String],
    wanted: &[Wanted],
    layout: Option<&Layout>,
) -> Vec<Option<usize>> {
    let headers: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
    wanted
        .iter()
        .map(|w| {
            let expected = normalise(expected_header(w, layout));
            headers.iter().position(|h| *h == expected)
        })
        .collect()
}

/// Whether `cell` is the header of a wanted column, in our names or a layout's.
fn is_known_header(cell: &str, wanted: &[Wanted], layouts: &[Layout]) -> bool {
    let cell = normalise(cell);
    !cell.is_empty()
        && std::iter::once(None)
            .chain(layouts.iter().map(Some))
            .any(|l| {
                wanted
                    .iter()
                    .any(|w| normalise(expected_header(w, l)) == cell)
            })
}

/// A way to read a file (a layout, or `None` for our own names) and where
/// it finds each wanted column.
type Candidate<'a> = (Option<&'a Layout>, Vec<Option<usize>>);

/// A column's values: text, or the dates a Parquet file stores as dates,
/// kept as days (formatting 10 million dates as text costs a second).
#[derive(Debug, Clone)]
enum Cells {
    Text(StringChunked),
    Dates(Int32Chunked),
}

impl Cells {
    fn len(&self) -> usize {
        match self {
            Cells::Text(t) => t.len(),
            Cells::Dates(d) => d.len(),
        }
    }

    /// `length` cells from `start`, sharing this column's memory.
    fn slice(&self, start: usize, length: usize) -> Self {
        match self {
            Cells::Text(t) => Cells::Text(t.slice(start as i64, length)),
            Cells::Dates(d) => Cells::Dates(d.slice(start as i64, length)),
        }
    }
}

/// The rows of a batch of wanted columns.
fn height_of(columns: &[Option<Cells>]) -> usize {
    columns.iter().flatten().next().map_or(0, Cells::len)
}

/// Stands in the row's values for a date kept as days; [`RowRef::date`]
/// reads the date itself.
const DATE_CELL: &str = "(date)";

/// Days from 1 January of year 1 to the Unix epoch, Parquet's day 0.
const EPOCH_FROM_CE: i32 = 719_163;

/// How many rows from the top may hold a title before the column names.
const HEADER_SEARCH: usize = 10;

/// A value quoted in a message is cut to this many characters, so a huge
/// cell or a file read as one line never floods a terminal.
const QUOTE_LIMIT: usize = 60;

/// At most this many of a file's headers are listed in a message.
const HEADERS_LISTED: usize = 20;

/// Rows of a Parquet file are read this many at a time (whole row groups
/// when they are smaller), so memory does not grow with a file's rows.
const PARQUET_BATCH_ROWS: usize = 1 << 19;

/// A CSV file is read this many bytes at a time when it is larger than
/// one and a half of them; a smaller one is read whole.
const CSV_BATCH_BYTES: usize = 16 << 20;

/// A large CSV file's header is looked for in this many bytes at its start.
const CSV_HEAD_BYTES: usize = 1 << 20;

/// The wanted columns of one input file, as text.
#[derive(Debug)]
pub(crate) struct Table {
    pub path: PathBuf,
    source: &'static str,
    /// The row number a person sees for the first record.
    first_row: usize,
    height: usize,
    rows: Rows,
    /// Each wanted column's header as the file has it (our name when absent).
    names: Vec<String>,
    school_column: Option<usize>,
    /// The date format of the file's layout, for messages.
    date_format: Option<String>,
    /// Problems with the file's text that do not stop it being read.
    warnings: Vec<Problem>,
}

/// Where a table's values come from.
#[derive(Debug)]
enum Rows {
    /// Read whole (small CSV files and workbooks): each wanted column,
    /// `None` for an optional column the file does not have.
    Whole(Vec<Option<Cells>>),
    /// A Parquet or large CSV file, read a batch of rows at a time as the
    /// rows are checked, so memory does not grow with the file's rows.
    Batched(Box<Batched>),
}

/// What reads a file's wanted columns one batch at a time.
#[derive(Debug)]
struct Batched {
    source: BatchSource,
    /// Each wanted column's position and name in the file (`None`: absent).
    found: Vec<Option<(usize, String)>>,
    layout: Option<Layout>,
    wanted: Vec<Wanted>,
}

#[derive(Debug)]
enum BatchSource {
    Parquet {
        metadata: FileMetadataRef,
        /// The first record and number of records of each batch.
        batches: Vec<(usize, usize)>,
    },
    Csv {
        /// The first batch, read with the header to learn the columns.
        first: DataFrame,
        /// Where the text is, and the byte ranges in it of the other
        /// batches, each a run of whole records.
        text: CsvText,
        rest: Vec<std::ops::Range<usize>>,
        separator: u8,
    },
}

/// Where the text of a CSV file read in batches is.
#[derive(Debug)]
enum CsvText {
    /// Decoded and held whole: a file in Windows-1252, or with old Mac
    /// line ends, whose text differs from its bytes.
    Held(Vec<u8>),
    /// Left on disk: UTF-8 with `\n` line ends is its own text, from
    /// `offset` bytes in (after a byte-order mark). Each batch is read
    /// from the disk when its turn comes, so memory does not grow with
    /// the file.
    OnDisk { offset: u64 },
}

impl Batched {
    fn len(&self) -> usize {
        match &self.source {
            BatchSource::Parquet { batches, .. } => batches.len(),
            BatchSource::Csv { rest, .. } => 1 + rest.len(),
        }
    }

    /// Batch `i` of `path` with (at least) the wanted columns.
    fn frame(&self, path: &Path, i: usize) -> Result<DataFrame, Problem> {
        match &self.source {
            BatchSource::Parquet { metadata, batches } => {
                let file = std::fs::File::open(path)
                    .map_err(|e| Problem::file(ProblemKind::UnreadableFile, path, e.to_string()))?;
                let mut projection: Vec<usize> =
                    self.found.iter().flatten().map(|(i, _)| *i).collect();
                projection.sort_unstable();
                projection.dedup();
                let mut reader = ParquetReader::new(file)
                    .with_projection(Some(projection))
                    .with_slice(Some(batches[i]));
                reader.set_metadata(metadata.clone());
                reader.finish().map_err(|e| unreadable_parquet(path, &e))
            }
            BatchSource::Csv { first, .. } if i == 0 => Ok(first.clone()),
            BatchSource::Csv {
                first,
                text,
                rest,
                separator,
            } => {
                let range = rest[i - 1].clone();
                let bytes = match text {
                    CsvText::Held(text) => Cow::Borrowed(&text[range]),
                    CsvText::OnDisk { offset } => {
                        let bytes = read_span(path, offset + range.start as u64, range.len())?;
                        // Checked whole when the file was opened: other
                        // bytes now mean it was written to since.
                        if !plain_text(&bytes) {
                            return Err(Problem::file(
                                ProblemKind::UnreadableFile,
                                path,
                                "the file changed while it was being read; run again once it is written",
                            ));
                        }
                        Cow::Owned(bytes)
                    }
                };
                CsvReadOptions::default()
                    .with_has_header(false)
                    .with_schema(Some(first.schema().clone()))
                    .map_parse_options(|p| p.with_separator(*separator))
                    .into_reader_with_file_handle(Cursor::new(bytes.as_ref()))
                    .finish()
                    .map_err(|e| unreadable_csv(path, &e))
            }
        }
    }

    /// The wanted columns of `df`, in our values.
    fn cells(&self, df: &DataFrame, path: &Path) -> Result<Vec<Option<Cells>>, Problem> {
        self.found
            .iter()
            .zip(&self.wanted)
            .map(|(found, w)| {
                let Some((_, name)) = found else {
                    return Ok(None);
                };
                let column = df
                    .column(name)
                    .map_err(|e| Problem::file(ProblemKind::UnreadableFile, path, e.to_string()))?;
                Ok(Some(match (column_cells(column, path)?, &self.layout) {
                    (Cells::Text(text), Some(layout)) => Cells::Text(translate(&text, w, layout)),
                    (cells, _) => cells,
                }))
            })
            .collect()
    }
}

fn unreadable_parquet(path: &Path, e: &PolarsError) -> Problem {
    Problem::file(
        ProblemKind::UnreadableFile,
        path,
        format!("cannot read it as Parquet: {}", cut(&e.to_string(), 300)),
    )
}

fn unreadable_csv(path: &Path, e: &PolarsError) -> Problem {
    Problem::file(
        ProblemKind::UnreadableFile,
        path,
        format!(
            "cannot read it as CSV: {}; check that every row has as many fields as the header and that quotes are closed",
            cut(&e.to_string(), 300)
        ),
    )
}

/// Batches (first record, records) of about `size` records over row
/// groups of `groups` records that end where a row group ends (a large row
/// group is cut), so no row group is decoded twice.
fn parquet_batches(groups: impl Iterator<Item = usize>, size: usize) -> Vec<(usize, usize)> {
    let mut batches = Vec::new();
    let (mut start, mut end) = (0, 0);
    for rows in groups {
        end += rows;
        while end - start > 2 * size {
            batches.push((start, size));
            start += size;
        }
        if end - start >= size {
            batches.push((start, end - start));
            start = end;
        }
    }
    if end > start {
        batches.push((start, end - start));
    }
    batches
}

/// Where `text` (from `start`) is cut into runs of whole records of about
/// `size` bytes: at a line end outside quotes.
fn csv_batches(text: &[u8], start: usize, size: usize) -> Vec<std::ops::Range<usize>> {
    let mut batches = Vec::new();
    let mut from = start;
    let mut quoted = false;
    while text.len() - from > size + size / 2 {
        let mut at = from + size;
        // Counting quotes is a fast loop; whether `at` is inside a quoted
        // value follows from their number.
        quoted ^= text[from..at].iter().filter(|&&b| b == b'"').count() % 2 == 1;
        while at < text.len() && (quoted || text[at] != b'\n') {
            quoted ^= text[at] == b'"';
            at += 1;
        }
        at = (at + 1).min(text.len());
        batches.push(from..at);
        from = at;
    }
    batches.push(from..text.len());
    batches
}

/// A file's header row, its values, and the row number a person sees for
/// its first record.
struct RawTable {
    headers: Vec<String>,
    rows: RawRows,
    first_row: usize,
    warnings: Vec<Problem>,
}

enum RawRows {
    /// Every column of the file.
    Read(Vec<Cells>),
    /// Read in batches once the columns are known.
    Batched(BatchSource),
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
        Self::open_in_layouts(path, source, wanted, &[], quality)
    }

    /// [`Table::open`] for a source that may come in one of `layouts`.
    pub fn open_in_layouts(
        path: &Path,
        source: &'static str,
        wanted: &[Wanted],
        layouts: &[Layout],
        quality: &mut DataQuality,
    ) -> Option<Self> {
        match Self::read(path, source, wanted, layouts) {
            Err(mut problem) => {
                cut_quoted(&mut problem.message);
                quality.push(problem);
                None
            }
            Ok(mut table) => {
                // A CSV file read in batches is counted as it is read.
                let counted = !matches!(
                    &table.rows,
                    Rows::Batched(b) if matches!(b.source, BatchSource::Csv { .. })
                );
                quality.count_file(source, if counted { table.height } else { 0 });
                quality.extend(
                    std::mem::take(&mut table.warnings)
                        .into_iter()
                        .map(|mut w| {
                            cut_quoted(&mut w.message);
                            w
                        }),
                );
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

    fn read(
        path: &Path,
        source: &'static str,
        wanted: &[Wanted],
        layouts: &[Layout],
    ) -> Result<Self, Problem> {
        let problem = |kind, message: String| Problem::file(kind, path, message);
        let known = |cell: &str| is_known_header(cell, wanted, layouts);
        let raw = match extension(path).as_deref() {
            Some("csv" | "txt" | "tsv") => read_csv(path, &known)?,
            Some("parquet") => {
                let file = std::fs::File::open(path)
                    .map_err(|e| problem(ProblemKind::UnreadableFile, e.to_string()))?;
                let mut reader = ParquetReader::new(file);
                let schema = reader.schema().map_err(|e| unreadable_parquet(path, &e))?;
                let metadata = reader
                    .get_metadata()
                    .map_err(|e| unreadable_parquet(path, &e))?
                    .clone();
                RawTable {
                    headers: schema.iter_names().map(|n| n.to_string()).collect(),
                    rows: RawRows::Batched(BatchSource::Parquet {
                        batches: parquet_batches(
                            metadata.row_groups.iter().map(|g| g.num_rows()),
                            PARQUET_BATCH_ROWS,
                        ),
                        metadata,
                    }),
                    first_row: 1,
                    warnings: Vec::new(),
                }
            }
            Some("xlsx" | "xlsm" | "xls" | "ods") => read_workbook(path, source, &known)?,
            _ => {
                return Err(problem(
                    ProblemKind::UnreadableFile,
                    "only .csv, .xlsx and .parquet files are read; save it in one of these formats"
                        .to_owned(),
                ));
            }
        };
        let RawTable {
            headers,
            rows: raw,
            first_row,
            warnings,
        } = raw;
        if headers.is_empty() {
            return Err(problem(
                ProblemKind::EmptyFile,
                "the file is empty; export it again with a header row and the data, or remove it"
                    .to_owned(),
            ));
        }
        // Our own names first, then each layout: the first that finds every
        // required column reads the file. Otherwise the one that came
        // closest says what is missing.
        let mut closest: Option<(usize, Candidate)> = None;
        let mut chosen = None;
        for layout in std::iter::once(None).chain(layouts.iter().map(Some)) {
            let found = find_columns(&headers, wanted, layout);
            let missing = wanted
                .iter()
                .zip(&found)
                .filter(|(w, f)| w.required && f.is_none())
                .count();
            if missing == 0 {
                chosen = Some((layout, found));
                break;
            }
            if closest.as_ref().is_none_or(|(m, _)| missing < *m) {
                closest = Some((missing, (layout, found)));
            }
        }
        let Some((layout, found)) = chosen else {
            let (_, (layout, found)) = closest.expect("our own names are always tried");
            return Err(missing_column(path, layout, &headers, wanted, &found));
        };
        let (rows, height) = match raw {
            RawRows::Read(raw) => {
                let columns = wanted
                    .iter()
                    .zip(&found)
                    .map(|(w, f)| {
                        f.map(|i| match (&raw[i], layout) {
                            (Cells::Text(text), Some(layout)) => {
                                Cells::Text(translate(text, w, layout))
                            }
                            (cells, _) => cells.clone(),
                        })
                    })
                    .collect();
                let height = raw.first().map_or(0, |c| match c {
                    Cells::Text(t) => t.len(),
                    Cells::Dates(d) => d.len(),
                });
                (Rows::Whole(columns), height)
            }
            RawRows::Batched(source) => {
                let height = match &source {
                    BatchSource::Parquet { metadata, .. } => metadata.num_rows,
                    // Counted as the batches are read; here only a guess
                    // for the room a reader reserves.
                    BatchSource::Csv { first, rest, .. } => first.height() * (1 + rest.len()),
                };
                let batched = Batched {
                    source,
                    found: found
                        .iter()
                        .map(|f| f.map(|i| (i, headers[i].clone())))
                        .collect(),
                    layout: layout.cloned(),
                    wanted: wanted.to_vec(),
                };
                (Rows::Batched(Box::new(batched)), height)
            }
        };
        let names = wanted
            .iter()
            .zip(&found)
            .map(|(w, f)| match f {
                Some(i) if layout.is_some() => headers[*i].trim().to_owned(),
                _ => w.name.clone(),
            })
            .collect();
        let school_column = wanted.iter().position(|w| w.name == "school_id");
        Ok(Self {
            path: path.to_owned(),
            source,
            first_row,
            height,
            rows,
            names,
            school_column,
            date_format: layout.and_then(|l| l.date_format.clone()),
            warnings,
        })
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Whether the file has the wanted column at `position`.
    pub fn has(&self, position: usize) -> bool {
        match &self.rows {
            Rows::Whole(columns) => columns[position].is_some(),
            Rows::Batched(batched) => batched.found[position].is_some(),
        }
    }

    /// Calls `f` with each row's values, in the order of the wanted columns;
    /// empty cells and absent optional columns are "". A row `f` refuses is
    /// recorded and skipped, with the row's school attached. A Parquet
    /// file's next batch is read on another thread while `f` checks this one.
    pub fn for_each_row(
        &self,
        quality: &mut DataQuality,
        mut f: impl FnMut(RowRef, &[&str]) -> Result<(), Problem>,
    ) {
        self.each_batch(quality, |columns, offset, quality| {
            let mut refused = Vec::new();
            let height = self.rows_of(columns, offset, &mut f, &mut refused);
            quality.extend(refused);
            height
        });
    }

    /// [`Self::for_each_row`] for files of millions of rows: each batch is
    /// cut into pieces checked at once on every core, each piece with its
    /// own state, which `init` makes for its number of rows. `merge` gets
    /// the pieces' states in row order, and refused rows are recorded in
    /// row order, so the outcome is that of checking row by row, whatever
    /// the number of cores.
    pub fn for_each_row_on_every_core<S: Send>(
        &self,
        quality: &mut DataQuality,
        init: impl Fn(usize) -> S + Sync,
        f: impl Fn(&mut S, RowRef, &[&str]) -> Result<(), Problem> + Sync,
        mut merge: impl FnMut(S),
    ) {
        self.each_batch(quality, |columns, offset, quality| {
            let height = height_of(columns);
            // Two pieces a core: a core whose piece was quick takes another.
            let pieces = 2 * rayon::current_num_threads();
            let size = height.div_ceil(pieces).max(1);
            let checked: Vec<(S, Vec<Problem>)> = (0..height.div_ceil(size))
                .into_par_iter()
                .map(|piece| {
                    let start = piece * size;
                    let length = size.min(height - start);
                    let columns: Vec<Option<Cells>> = columns
                        .iter()
                        .map(|c| c.as_ref().map(|c| c.slice(start, length)))
                        .collect();
                    let mut state = init(length);
                    let mut refused = Vec::new();
                    self.rows_of(
                        &columns,
                        offset + start,
                        &mut |row, v| f(&mut state, row, v),
                        &mut refused,
                    );
                    (state, refused)
                })
                .collect();
            for (state, refused) in checked {
                quality.extend(refused);
                merge(state);
            }
            height
        });
    }

    /// Calls `check` with each batch of the wanted columns and its first
    /// record's index; `check` says how many records the batch has.
    fn each_batch(
        &self,
        quality: &mut DataQuality,
        mut check: impl FnMut(&[Option<Cells>], usize, &mut DataQuality) -> usize,
    ) {
        let batched = match &self.rows {
            Rows::Whole(columns) => {
                check(columns, 0, quality);
                return;
            }
            Rows::Batched(batched) => batched,
        };
        let mut rows = 0;
        std::thread::scope(|scope| {
            let (sender, batches) = std::sync::mpsc::sync_channel(1);
            scope.spawn(move || {
                let mut offset = 0;
                for i in 0..batched.len() {
                    let batch = batched.frame(&self.path, i).and_then(|df| {
                        let cells = batched.cells(&df, &self.path)?;
                        offset += df.height();
                        Ok((offset - df.height(), cells))
                    });
                    let failed = batch.is_err();
                    if sender.send(batch).is_err() || failed {
                        break;
                    }
                }
            });
            for batch in batches {
                match batch {
                    Ok((offset, columns)) => {
                        rows = offset + check(&columns, offset, quality);
                    }
                    Err(mut problem) => {
                        cut_quoted(&mut problem.message);
                        quality.push(problem);
                    }
                }
            }
        });
        if let BatchSource::Csv { .. } = batched.source {
            quality.count_rows(self.source, rows);
        }
    }

    /// Checks each row of `columns`, whose first row is record `offset`,
    /// with `f`; what `f` refuses goes to `refused`. Returns the rows.
    fn rows_of(
        &self,
        columns: &[Option<Cells>],
        offset: usize,
        f: &mut impl FnMut(RowRef, &[&str]) -> Result<(), Problem>,
        refused: &mut Vec<Problem>,
    ) -> usize {
        let mut iters: Vec<_> = columns
            .iter()
            .map(|c| match c {
                Some(Cells::Text(t)) => Some(t.iter()),
                _ => None,
            })
            .collect();
        let height = height_of(columns);
        let mut values = vec![""; iters.len()];
        for local in 0..height {
            for ((v, it), cells) in values.iter_mut().zip(iters.iter_mut()).zip(columns) {
                *v = match (it, cells) {
                    (Some(it), _) => trimmed(it.next().flatten().unwrap_or("")),
                    (None, Some(Cells::Dates(d))) if d.get(local).is_some() => DATE_CELL,
                    _ => "",
                };
            }
            if values.iter().all(|v| v.is_empty()) {
                continue; // Spreadsheets leave blank rows; they hold nothing.
            }
            let row = RowRef {
                table: self,
                columns,
                local,
                index: offset + local,
            };
            if let Err(mut p) = f(row, &values) {
                if p.school.is_none()
                    && let Some(s) = self.school_column.map(|c| values[c])
                    && !s.is_empty()
                {
                    p.school = Some(s.to_owned());
                }
                cut_quoted(&mut p.message);
                refused.push(p);
            }
        }
        height
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

/// A text column of a file in `layout`, in our values: dates in the
/// layout's format become `YYYY-MM-DD`, coded values become ours. Values
/// the layout does not describe are kept, so the reader's own check names
/// them.
fn translate(text: &StringChunked, w: &Wanted, layout: &Layout) -> StringChunked {
    let format = layout
        .date_format
        .as_deref()
        .filter(|_| layout.dates.contains(&w.name));
    let values = layout.values.get(&w.name);
    if format.is_none() && values.is_none() {
        return text.clone();
    }
    // Exports repeat the same dates and codes on many rows: each distinct
    // value is translated once.
    let mut seen: FastMap<&str, Option<String>> = FastMap::default();
    text.iter()
        .map(|cell| {
            let cell = cell?;
            let ours = seen.entry(cell).or_insert_with(|| {
                let v = cell.trim();
                if let Some(ours) = values.and_then(|m| m.get(&v.to_lowercase())) {
                    return Some(ours.clone());
                }
                format
                    .and_then(|f| NaiveDate::parse_from_str(v, f).ok())
                    .map(|d| d.format("%Y-%m-%d").to_string())
            });
            Some(ours.clone().unwrap_or_else(|| cell.to_owned()))
        })
        .collect()
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

/// `cell` without the white space around it. Most cells have none: one
/// look at the first and last byte spares them `str::trim`'s scan, which
/// took 3 % of `mirror check`'s time.
fn trimmed(cell: &str) -> &str {
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// The first required column missing from a file read with `layout` (`None`:
/// our own names), with the unused header that looks most like it.
fn missing_column(
    path: &Path,
    layout: Option<&Layout>,
    headers: &[String],
    wanted: &[Wanted],
    found: &[Option<usize>],
) -> Problem {
    let w = wanted
        .iter()
        .zip(found)
        .find(|(w, f)| w.required && f.is_none())
        .map(|(w, _)| w)
        .expect("a required column is missing");
    let expected = expected_header(w, layout);
    let closest = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| !found.contains(&Some(*i)))
        .map(|(_, h)| (strsim::jaro_winkler(&normalise(h), expected), h))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match closest {
        Some((_, h)) => format!("; the column `{h}` looks like it: rename it to `{expected}`"),
        None => String::new(),
    };
    let which = match layout {
        Some(l) => format!(" (our `{}` in layout `{}`)", w.name, l.name),
        None => String::new(),
    };
    let mut listed: Vec<String> = headers
        .iter()
        .take(HEADERS_LISTED)
        .map(|h| cut(h, QUOTE_LIMIT).into_owned())
        .collect();
    if headers.len() > HEADERS_LISTED {
        listed.push(format!("and {} more", headers.len() - HEADERS_LISTED));
    }
    Problem::file(
        ProblemKind::MissingColumn,
        path,
        format!(
            "no column `{expected}`{which}{hint} (the file has: {}); see docs/data-formats.md for the columns",
            listed.join(", ")
        ),
    )
}

/// `text` cut to `limit` characters, with an ellipsis when it was longer.
fn cut(text: &str, limit: usize) -> Cow<'_, str> {
    match text.char_indices().nth(limit) {
        Some((at, _)) => Cow::Owned(format!("{}…", &text[..at])),
        None => Cow::Borrowed(text),
    }
}

/// Cuts every `quoted` value in `message` to [`QUOTE_LIMIT`] characters.
fn cut_quoted(message: &mut String) {
    let too_long = message
        .split('`')
        .skip(1)
        .step_by(2)
        .any(|q| q.chars().nth(QUOTE_LIMIT).is_some());
    if !too_long {
        return;
    }
    let mut out = String::new();
    // Between an odd and an even backtick is a quoted value.
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(&cut(part, QUOTE_LIMIT));
        } else {
            out.push_str(part);
        }
    }
    *message = out;
}

fn text_columns(df: &DataFrame, path: &Path) -> Result<Vec<Cells>, Problem> {
    df.columns().iter().map(|c| column_cells(c, path)).collect()
}

/// A column's values: dates as days, anything else as text. Text keeps its
/// chunks (joining them copies every value for nothing).
fn column_cells(column: &Column, path: &Path) -> Result<Cells, Problem> {
    if let Ok(dates) = column.date() {
        return Ok(Cells::Dates(dates.physical().rechunk().into_owned()));
    }
    column
        .cast(&DataType::String)
        .and_then(|c| c.str().cloned())
        .map(Cells::Text)
        .map_err(|e| {
            Problem::file(
                ProblemKind::UnreadableFile,
                path,
                format!("column `{}` cannot be read as text: {e}", column.name()),
            )
        })
}

/// A CSV file: an Excel `sep=` first line names the separator and is
/// skipped (Excel hides it, so row numbers are counted without it); else
/// the header line's commonest separator is used. A file over one and a
/// half batches in UTF-8 with `\n` line ends is read from the disk a batch
/// at a time ([`read_csv_from_disk`]); any other is read whole.
fn read_csv(path: &Path, known: &dyn Fn(&str) -> bool) -> Result<RawTable, Problem> {
    let size = std::fs::metadata(path)
        .map_err(|e| Problem::file(ProblemKind::UnreadableFile, path, e.to_string()))?
        .len();
    if size > (CSV_BATCH_BYTES + CSV_BATCH_BYTES / 2) as u64
        && let Some(table) = read_csv_from_disk(path, known, size, CSV_BATCH_BYTES)?
    {
        return Ok(table);
    }
    read_csv_whole(path, known, CSV_BATCH_BYTES)
}

/// A CSV file decoded and held whole, its records in batches of
/// `batch_bytes` ([`csv_batches`]).
fn read_csv_whole(
    path: &Path,
    known: &dyn Fn(&str) -> bool,
    batch_bytes: usize,
) -> Result<RawTable, Problem> {
    let bytes = std::fs::read(path)
        .map_err(|e| Problem::file(ProblemKind::UnreadableFile, path, e.to_string()))?;
    let (text, encoding_warning) = decode(bytes, path)?;
    let header = csv_header(&text, known, path)?;
    let mut batches = csv_batches(&text, header.start, batch_bytes);
    let first = batches.remove(0);
    let df = first_csv_batch(&text[first], header.separator, path)?;
    csv_table(
        df,
        header,
        CsvText::Held(text),
        batches,
        encoding_warning,
        path,
    )
}

/// The table of a CSV file whose first batch of records is `df`, with the
/// other batches (`rest`, ranges of `text`) left to read as rows are checked.
fn csv_table(
    df: DataFrame,
    header: CsvHeader,
    text: CsvText,
    rest: Vec<std::ops::Range<usize>>,
    encoding_warning: Option<Problem>,
    path: &Path,
) -> Result<RawTable, Problem> {
    let headers = df.columns().iter().map(|c| c.name().to_string()).collect();
    let rows = if rest.is_empty() {
        RawRows::Read(text_columns(&df, path)?)
    } else {
        RawRows::Batched(BatchSource::Csv {
            first: df,
            text,
            rest,
            separator: header.separator,
        })
    };
    Ok(RawTable {
        headers,
        rows,
        first_row: header.row + 2,
        warnings: header.warning.into_iter().chain(encoding_warning).collect(),
    })
}

/// Where a CSV file's header is: the row (counted from 0, after an Excel
/// `sep=` line), the byte where it starts, the separator, and a warning
/// for title rows above it.
struct CsvHeader {
    row: usize,
    start: usize,
    separator: u8,
    warning: Option<Problem>,
}

/// The header of the CSV `text` (at least its first [`HEADER_SEARCH`] lines).
fn csv_header(
    text: &[u8],
    known: &dyn Fn(&str) -> bool,
    path: &Path,
) -> Result<CsvHeader, Problem> {
    let (named, body) = match excel_separator(text) {
        Some((separator, rest)) => (Some(separator), &text[rest..]),
        None => (None, text),
    };
    // The first lines as cells, each with the separator it would be read with.
    let mut lines = Vec::new();
    let mut offsets = Vec::new();
    let mut offset = 0;
    for line in body.split(|&b| b == b'\n').take(HEADER_SEARCH) {
        let separator = named.unwrap_or_else(|| sniff_separator(line));
        offsets.push((offset, separator));
        lines.push(split_line(line, separator));
        offset += line.len() + 1;
    }
    let (row, warning) = locate_header(&lines, 1, known, path)?;
    let (start, separator) = offsets[row];
    Ok(CsvHeader {
        row,
        start: (text.len() - body.len()) + start.min(body.len()),
        separator,
        warning,
    })
}

/// The header and first batch of records of a CSV file, every column as text.
fn first_csv_batch(text: &[u8], separator: u8, path: &Path) -> Result<DataFrame, Problem> {
    CsvReadOptions::default()
        .with_has_header(true)
        // Every column as text: values are parsed below, with row numbers.
        .with_infer_schema_length(Some(0))
        .with_raise_if_empty(false)
        .map_parse_options(|p| p.with_separator(separator))
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()
        .map_err(|e| unreadable_csv(path, &e))
}

/// `len` bytes of `path` from byte `at`.
fn read_span(path: &Path, at: u64, len: usize) -> Result<Vec<u8>, Problem> {
    let unreadable =
        |e: std::io::Error| Problem::file(ProblemKind::UnreadableFile, path, e.to_string());
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    file.seek(SeekFrom::Start(at)).map_err(unreadable)?;
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes).map_err(unreadable)?;
    Ok(bytes)
}

/// A large CSV file (`size` bytes) read from the disk: one pass finds the
/// batches of `batch_bytes` exactly as [`csv_batches`] would in its text
/// (the first batch's bytes hold its header) and checks each
/// (UTF-8, no NUL byte, text decoded twice), holding one batch at a time;
/// the batches are read again when their rows are checked. `None` when
/// the file is not plain UTF-8 with `\n` line ends, or is blank at its
/// start: reading it whole decodes it, or says what is wrong, as for
/// any file.
fn read_csv_from_disk(
    path: &Path,
    known: &dyn Fn(&str) -> bool,
    size: u64,
    batch_bytes: usize,
) -> Result<Option<RawTable>, Problem> {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let head = read_span(path, 0, CSV_HEAD_BYTES.min(size))?;
    let offset = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let head = &head[offset..];
    // Up to the head's last line end, so no letter is cut in two.
    let Some(end) = head.iter().rposition(|&b| b == b'\n') else {
        return Ok(None);
    };
    let head = &head[..=end];
    let lines = head.iter().filter(|&&b| b == b'\n').count();
    if lines < HEADER_SEARCH || !plain_text(head) || head.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let header = csv_header(head, known, path)?;
    let text_len = size - offset;
    let mut garbled = garbled_line(std::str::from_utf8(&head[..header.start]).unwrap_or(""));
    let mut lines_before = head[..header.start].iter().filter(|&&b| b == b'\n').count();
    let unreadable =
        |e: std::io::Error| Problem::file(ProblemKind::UnreadableFile, path, e.to_string());
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    file.seek(SeekFrom::Start((offset + header.start) as u64))
        .map_err(unreadable)?;
    // One buffer for every batch, read in order: fresh memory for each
    // took as long as the reading.
    let mut batch: Vec<u8> = Vec::new();
    let mut more = vec![0; 1 << 16];
    let mut batches = Vec::new();
    let (mut from, mut quoted) = (header.start, false);
    while from < text_len {
        // The next batch: as `csv_batches` cuts it, read as it is cut.
        let last = text_len - from <= batch_bytes + batch_bytes / 2;
        let wanted = if last { text_len - from } else { batch_bytes };
        batch.resize(wanted, 0);
        file.read_exact(&mut batch).map_err(unreadable)?;
        if !last {
            quoted ^= batch.iter().filter(|&&b| b == b'"').count() % 2 == 1;
            // On to the end of the record, a little at a time.
            let mut at = from + batch.len();
            loop {
                let more = &mut more[..(1 << 16).min(text_len - at)];
                file.read_exact(more).map_err(unreadable)?;
                let cut = more.iter().position(|&b| {
                    let end = !quoted && b == b'\n';
                    quoted ^= b == b'"';
                    end
                });
                let took = cut.map_or(more.len(), |i| i + 1);
                batch.extend_from_slice(&more[..took]);
                at += took;
                if let Some(i) = cut {
                    // The file is read on from the next batch's start.
                    file.seek(SeekFrom::Current(-((more.len() - i - 1) as i64)))
                        .map_err(unreadable)?;
                    break;
                }
                if at == text_len {
                    break;
                }
            }
        }
        // A record's letters are never cut: a batch ends at a line end.
        if !plain_text(&batch) {
            return Ok(None);
        }
        if garbled.is_none() {
            let text = std::str::from_utf8(&batch).unwrap_or("");
            garbled = garbled_line(text).map(|line| lines_before + line);
        }
        lines_before += batch.iter().filter(|&&b| b == b'\n').count();
        batches.push(from..from + batch.len());
        from += batch.len();
    }
    let first = batches.remove(0);
    let df = first_csv_batch(
        &read_span(path, (offset + first.start) as u64, first.len())?,
        header.separator,
        path,
    )?;
    let text = CsvText::OnDisk {
        offset: offset as u64,
    };
    let encoding_warning = garbled.map(|line| garbled_text(path, line));
    csv_table(df, header, text, batches, encoding_warning, path).map(Some)
}

/// UTF-8 without NUL bytes: with `\n` line ends, text that reads the same
/// from the disk as decoded.
fn plain_text(bytes: &[u8]) -> bool {
    !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok()
}

/// Excel's `sep=;` first line: the separator it names and where the rest
/// of the text starts.
fn excel_separator(text: &[u8]) -> Option<(u8, usize)> {
    let end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let line = std::str::from_utf8(&text[..end])
        .ok()?
        .trim_end_matches('\r');
    let line = line.trim_matches('"');
    let separator = line
        .strip_prefix("sep=")
        .or_else(|| line.strip_prefix("SEP="))?;
    match separator.as_bytes() {
        [b] => Some((*b, (end + 1).min(text.len()))),
        _ => None,
    }
}

/// A line's cells, split on `separator` outside quotes, quotes and spaces removed.
fn split_line(line: &[u8], separator: u8) -> Vec<String> {
    let line = String::from_utf8_lossy(line);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    for c in line.trim_end_matches('\r').chars() {
        match c {
            '"' => quoted = !quoted,
            c if c == char::from(separator) && !quoted => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    cells.push(cell);
    cells.iter().map(|c| c.trim().to_owned()).collect()
}

/// Which of the first `rows` holds the column names: the first with a name
/// a reader knows. Rows above it are a title, skipped with a warning. When
/// no row has a known name, the first row is the header (and the missing
/// column is named with the closest header), unless it is a lone cell: a
/// title over a file with no recognisable column names at all.
/// `first_number` is the row number a person sees for `rows[0]`.
fn locate_header(
    rows: &[Vec<String>],
    first_number: usize,
    known: &dyn Fn(&str) -> bool,
    path: &Path,
) -> Result<(usize, Option<Problem>), Problem> {
    let filled = |row: &Vec<String>| -> Vec<String> {
        row.iter().filter(|c| !c.is_empty()).cloned().collect()
    };
    match rows.iter().position(|row| row.iter().any(|c| known(c))) {
        Some(0) => Ok((0, None)),
        Some(header) => {
            let title: Vec<String> = rows[..header].iter().flat_map(filled).collect();
            let rows_above = if header == 1 {
                format!("row {first_number} (`{}`) is", title.join(" "))
            } else {
                format!(
                    "rows {first_number}-{} (`{}`) are",
                    first_number + header - 1,
                    title.join(" ")
                )
            };
            Ok((
                header,
                Some(Problem {
                    row: Some(first_number + header),
                    ..Problem::file(
                        ProblemKind::SuspectText,
                        path,
                        format!(
                            "the column names are in row {}; {rows_above} read as a title and skipped: remove the title rows if this is wrong",
                            first_number + header,
                        ),
                    )
                }),
            ))
        }
        None => match rows.first().map(filled) {
            Some(cells) if cells.len() == 1 => Err(Problem {
                row: Some(first_number),
                ..Problem::file(
                    ProblemKind::MissingColumn,
                    path,
                    format!(
                        "row {first_number} holds only `{}`, and none of the first {HEADER_SEARCH} rows holds the column names; put the column names in the first row (see docs/data-formats.md)",
                        cells[0],
                    ),
                )
            }),
            _ => Ok((0, None)),
        },
    }
}

/// The sheet named `source`, else the first; the header is its first used
/// row, or the first of the next rows with known column names below a title.
fn read_workbook(
    path: &Path,
    source: &str,
    known: &dyn Fn(&str) -> bool,
) -> Result<RawTable, Problem> {
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
        return Ok(RawTable {
            headers: Vec::new(),
            rows: RawRows::Read(Vec::new()),
            first_row: 2,
            warnings: Vec::new(),
        });
    };
    let top: Vec<Vec<String>> = range
        .rows()
        .take(HEADER_SEARCH)
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    let first_number = start_row as usize + 1;
    let (header, warning) = locate_header(&top, first_number, known, path)?;
    let headers = top[header].clone();
    let first_row = first_number + header + 1;
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    // A workbook's text is Unicode, but a cell can hold text pasted from a
    // file that was decoded twice.
    let mut garbled = None;
    for (i, row) in range.rows().skip(header + 1).enumerate() {
        for (column, cell) in cells.iter_mut().zip(row) {
            let text = cell_text(cell);
            if garbled.is_none() && garbled_line(&text).is_some() {
                garbled = Some(garbled_text(path, first_row + i));
            }
            column.push(text);
        }
    }
    let columns = headers
        .iter()
        .zip(cells)
        .map(|(h, c)| {
            Cells::Text(StringChunked::from_iter_values(
                h.as_str().into(),
                c.into_iter(),
            ))
        })
        .collect();
    Ok(RawTable {
        headers,
        rows: RawRows::Read(columns),
        first_row,
        warnings: warning.into_iter().chain(garbled).collect(),
    })
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
    // Old Mac files end lines with a lone carriage return: read them as lines.
    let text = if text.contains('\r') && !text.contains('\n') {
        text.replace('\r', "\n")
    } else {
        text
    };
    let warning = garbled_line(&text).map(|line| garbled_text(path, line));
    Ok((text.into_bytes(), warning))
}

/// The warning for text that was decoded twice, at the first such row.
fn garbled_text(path: &Path, row: usize) -> Problem {
    Problem {
        row: Some(row),
        ..Problem::file(
            ProblemKind::SuspectText,
            path,
            "text such as `Ã©` looks like UTF-8 read as another encoding and saved again; check accents in this file",
        )
    }
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
    /// The batch of columns the row is in, and its position there.
    columns: &'a [Option<Cells>],
    local: usize,
    /// The record's index in its file.
    pub index: usize,
}

impl RowRef<'_> {
    /// The row number a person sees for this row.
    pub fn number(&self) -> usize {
        self.table.first_row + self.index
    }

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

    /// The day a date cell names, counted as chrono's `num_days_from_ce`.
    /// A date column gives it without building the date: a reader of
    /// millions of rows looks the date up in a table of its own instead
    /// (chrono's conversion was a twentieth of checking registrations).
    /// Any other cell, or a day no date has, is read by [`Self::date`].
    pub fn day_number(&self, values: &[&str], position: usize) -> Result<i32, Problem> {
        if let Some(Cells::Dates(days)) = &self.columns[position]
            && let Some(day) = days
                .get(self.local)
                .and_then(|d| d.checked_add(EPOCH_FROM_CE))
        {
            return Ok(day);
        }
        self.date(values, position).map(|d| d.num_days_from_ce())
    }

    pub fn date(&self, values: &[&str], position: usize) -> Result<NaiveDate, Problem> {
        let v = self.non_empty(values, position)?;
        if let Some(Cells::Dates(days)) = &self.columns[position] {
            return days
                .get(self.local)
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
            let layout = match &self.table.date_format {
                Some(f) => format!(" (or as the layout says: `{f}`)"),
                None => String::new(),
            };
            self.problem(
                position,
                ProblemKind::BadDate,
                format!("`{v}` is not a date; write it as 2025-09-01 or 01/09/2025{layout}"),
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

    /// Cells trimmed as `str::trim` does, whichever way they are checked:
    /// a no-break space and a tab are white space, an accented letter is not.
    #[test]
    fn a_cell_is_trimmed_of_any_white_space() {
        for (cell, want) in [
            ("100001", "100001"),
            (" 100001 ", "100001"),
            ("B\t", "B"),
            ("\u{a0}2024-09-02\u{a0}", "2024-09-02"),
            ("\r\nam", "am"),
            ("é", "é"),
            ("Zoë ", "Zoë"),
            ("x", "x"),
            ("   ", ""),
            ("", ""),
        ] {
            assert_eq!(trimmed(cell), want, "{cell:?}");
        }
    }

    /// Reads `bytes` as `name` with the columns `school_id` and `name`
    /// (`note` optional): each row's values, and every problem as printed.
    fn read_file(name: &str, bytes: &[u8], layouts: &[Layout]) -> (Vec<Vec<String>>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        read_path(&path, layouts)
    }

    fn read_path(path: &Path, layouts: &[Layout]) -> (Vec<Vec<String>>, Vec<String>) {
        let mut quality = DataQuality::default();
        let wanted = columns(&["school_id", "name"], &["note"]);
        let mut rows = Vec::new();
        if let Some(table) =
            Table::open_in_layouts(path, "registry", &wanted, layouts, &mut quality)
        {
            table.for_each_row(&mut quality, |row, v| {
                let mut values: Vec<String> = v.iter().map(|s| (*s).to_owned()).collect();
                values.push(format!("row {}", row.number()));
                rows.push(values);
                Ok(())
            });
        }
        let prefix = format!("{}/", path.parent().unwrap().display());
        let problems = quality
            .problems()
            .iter()
            .map(|p| p.to_string().replace(&prefix, ""))
            .collect();
        (rows, problems)
    }

    fn row(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A workbook cell holding text decoded twice is named by its row, as
    /// in a CSV file; the row is still read.
    #[test]
    fn garbled_text_in_a_workbook_is_named_by_its_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, (id, name)) in [
            ("school_id", "name"),
            ("1", "Sint-Jan"),
            ("2", "CafÃ© De Brug"),
        ]
        .into_iter()
        .enumerate()
        {
            sheet.write_string(r as u32, 0, id).unwrap();
            sheet.write_string(r as u32, 1, name).unwrap();
        }
        book.save(&path).unwrap();
        let (rows, problems) = read_path(&path, &[]);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            problems,
            [
                "registry.xlsx: row 3: text such as `Ã©` looks like UTF-8 read as another encoding and saved again; check accents in this file"
            ]
        );
    }

    /// Rows checked in pieces on several cores come out as if checked one
    /// by one: states merged in row order, refused rows recorded in row
    /// order with their own row numbers.
    #[test]
    fn rows_checked_on_every_core_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.csv");
        let mut text = String::from("school_id,name\n");
        for school in 1..=9 {
            let name = if school % 4 == 3 { "" } else { "a school" };
            text.push_str(&format!("{school},{name}\n"));
        }
        std::fs::write(&path, text).unwrap();
        let mut quality = DataQuality::default();
        let table = Table::open(
            &path,
            "registry",
            &columns(&["school_id", "name"], &[]),
            &mut quality,
        )
        .unwrap();
        let mut schools: Vec<String> = Vec::new();
        // 4 threads ask for 8 pieces: 9 rows make 5 pieces of at most 2.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        pool.install(|| {
            table.for_each_row_on_every_core(
                &mut quality,
                Vec::with_capacity,
                |piece: &mut Vec<String>, row, v| {
                    row.non_empty(v, 1)?;
                    piece.push(v[0].to_owned());
                    Ok(())
                },
                |piece| schools.extend(piece),
            );
        });
        assert_eq!(schools, ["1", "2", "4", "5", "6", "8", "9"]);
        let rows: Vec<String> = quality
            .problems()
            .iter()
            .map(|p| format!("{} {:?}", p.school.as_deref().unwrap_or("-"), p.row))
            .collect();
        // School 3 is on row 4 (the header is row 1), school 7 on row 8.
        assert_eq!(rows, ["3 Some(4)", "7 Some(8)"]);
    }

    /// Excel writes `sep=;` as the first line of a CSV it saves for another
    /// locale, and hides it when opening the file: the separator it names is
    /// used, and rows are numbered as Excel shows them.
    #[test]
    fn an_excel_sep_line_names_the_separator_and_is_skipped() {
        let (rows, problems) = read_file(
            "registry.csv",
            b"sep=;\r\nschool_id;name;note\r\n100001;Atheneum, Aster;x\r\n",
            &[],
        );
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(rows, [row(&["100001", "Atheneum, Aster", "x", "row 2"])]);
        // The separator named wins over the commonest one.
        let (rows, _) = read_file(
            "r.csv",
            b"\"sep=,\"\nschool_id,name,note;a;b;c\n1,A,x\n",
            &[],
        );
        assert_eq!(rows, [row(&["1", "A", "", "row 2"])]);
    }

    /// A title above the column names (one cell, or no known column name)
    /// is skipped with a warning naming the header row; the rows keep the
    /// numbers a spreadsheet shows.
    #[test]
    fn a_title_row_above_the_header_is_skipped_with_a_warning() {
        let (rows, problems) = read_file(
            "registry.csv",
            b"Scholen van de stad - schooljaar 2024-2025\n\nschool_id,name\n100001,Aster\n",
            &[],
        );
        assert_eq!(rows, [row(&["100001", "Aster", "", "row 4"])]);
        assert_eq!(
            problems,
            [
                "registry.csv: row 3: the column names are in row 3; rows 1-2 (`Scholen van de stad - schooljaar 2024-2025`) are read as a title and skipped: remove the title rows if this is wrong"
            ]
        );
        // The same in a workbook, whose title is a single cell.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "Registry").unwrap();
        for (c, v) in ["school_id", "name"].iter().enumerate() {
            sheet.write_string(1, c as u16, *v).unwrap();
        }
        sheet.write_number(2, 0, 100001.0).unwrap();
        sheet.write_string(2, 1, "Aster").unwrap();
        book.save(&path).unwrap();
        let (rows, problems) = read_path(&path, &[]);
        assert_eq!(rows, [row(&["100001", "Aster", "", "row 3"])]);
        assert_eq!(
            problems,
            [
                "registry.xlsx: row 2: the column names are in row 2; row 1 (`Registry`) is read as a title and skipped: remove the title rows if this is wrong"
            ]
        );
    }

    /// A title over rows with no known column name at all: an error naming
    /// the row, not a missing column `Registry`.
    #[test]
    fn a_title_without_column_names_below_is_an_error_naming_the_row() {
        let (_, problems) = read_file("registry.csv", b"Registry\nnummer,naam\n1,A\n", &[]);
        assert_eq!(
            problems,
            [
                "registry.csv: row 1: row 1 holds only `Registry`, and none of the first 10 rows holds the column names; put the column names in the first row (see docs/data-formats.md)"
            ]
        );
        // Several unknown headers in row 1 are column names, misspelt: the
        // closest one is suggested as before.
        let (_, problems) = read_file("registry.csv", b"school_id,nmae\n1,A\n", &[]);
        assert_eq!(
            problems,
            [
                "registry.csv: no column `name`; the column `nmae` looks like it: rename it to `name` (the file has: school_id, nmae); see docs/data-formats.md for the columns"
            ]
        );
    }

    /// Old Mac files end lines with a lone carriage return: read as lines,
    /// not as one line of headers such as `name\r100001`.
    #[test]
    fn carriage_return_line_ends_are_lines() {
        let (rows, problems) = read_file(
            "registry.csv",
            b"school_id,name\r100001,Aster\r100002,Beuk\r",
            &[],
        );
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(
            rows,
            [
                row(&["100001", "Aster", "", "row 2"]),
                row(&["100002", "Beuk", "", "row 3"])
            ]
        );
    }

    /// A huge line is never printed whole: each quoted value is cut to 60
    /// characters and at most 20 headers are listed.
    #[test]
    fn messages_cut_huge_values() {
        let header = (0..100_000)
            .map(|i| format!("code{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let (_, problems) = read_file("registry.csv", header.as_bytes(), &[]);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].len() < 1_000,
            "{} characters",
            problems[0].len()
        );
        assert!(
            problems[0].contains("code19, and 99980 more)"),
            "{}",
            problems[0]
        );
        let mut message = format!("`{}` is not a date", "9".repeat(10_000));
        cut_quoted(&mut message);
        assert_eq!(message, format!("`{}…` is not a date", "9".repeat(60)));
        // A single line of 20 MB read as one title cell names it cut.
        let (_, problems) = read_file("registry.csv", "x".repeat(1 << 20).as_bytes(), &[]);
        assert_eq!(
            problems,
            [format!(
                "registry.csv: row 1: row 1 holds only `{}…`, and none of the first 10 rows holds the column names; put the column names in the first row (see docs/data-formats.md)",
                "x".repeat(60)
            )]
        );
    }

    fn package_layout() -> Layout {
        Layout {
            name: "pakket".to_owned(),
            headers: [("school_id", "instellingsnummer"), ("name", "naam")]
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            date_format: Some("%d %b %Y".to_owned()),
            dates: vec!["note".to_owned()],
            values: [(
                "name".to_owned(),
                [("ath".to_owned(), "Atheneum".to_owned())].into(),
            )]
            .into(),
        }
    }

    /// A file in a layout is read into our columns and values: headers,
    /// coded values (any case) and dates in the layout's format; values the
    /// layout does not list are kept as written. Problems name the
    /// export's own header.
    #[test]
    fn a_file_in_a_layout_reads_as_our_columns() {
        let layouts = [package_layout()];
        let (rows, problems) = read_file(
            "registry.csv",
            b"Instellingsnummer;Naam;note\n100001;ATH;23 Sep 2025\n100002;Beuk;23/09/2025\n",
            &layouts,
        );
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(
            rows,
            [
                row(&["100001", "Atheneum", "2025-09-23", "row 2"]),
                row(&["100002", "Beuk", "23/09/2025", "row 3"])
            ]
        );
        // Our own names still read without the layout's translations.
        let (rows, _) = read_file(
            "registry.csv",
            b"school_id,name,note\n1,ath,23 Sep 2025\n",
            &layouts,
        );
        assert_eq!(rows, [row(&["1", "ath", "23 Sep 2025", "row 2"])]);
    }

    /// A file that matches no layout is told what is missing in the terms
    /// of the candidate that came closest, with the closest header.
    #[test]
    fn a_file_matching_no_layout_gets_the_closest_header() {
        let (_, problems) = read_file(
            "registry.csv",
            b"instellingsnummer,naamm\n1,A\n",
            &[package_layout()],
        );
        assert_eq!(
            problems,
            [
                "registry.csv: no column `naam` (our `name` in layout `pakket`); the column `naamm` looks like it: rename it to `naam` (the file has: instellingsnummer, naamm); see docs/data-formats.md for the columns"
            ]
        );
    }

    /// Batches end with a row group, two small groups make one batch, and
    /// a group of more than twice the size is cut: groups of 3, 3, 3 and 9
    /// rows in batches of 4 are rows 0-5 (two groups), then 6-8 is one
    /// group short of 4, joined by the large group's first 3 records that
    /// leave no more than 8 (6-9 takes 4), then 10-17.
    #[test]
    fn parquet_batches_follow_row_groups() {
        assert_eq!(
            parquet_batches([3, 3, 3, 9].into_iter(), 4),
            [(0, 6), (6, 4), (10, 8)]
        );
        assert_eq!(parquet_batches([2].into_iter(), 4), [(0, 2)]);
        assert_eq!(parquet_batches(std::iter::empty(), 4), []);
    }

    /// CSV batches are runs of whole records: a cut falls at the first line
    /// end outside quotes after the batch size, so a quoted value holding a
    /// line end stays whole. Here the header ends at byte 2, the first
    /// record is `1,"a` line end `b"` (bytes 2-9, its line end at 9; a cut
    /// after 3 bytes falls at byte 5, inside the quotes) and the next ones
    /// are `2,c` and `3,d` (bytes 10-13 and 14-17).
    /// A CSV file read from the disk in batches gives what the same file
    /// read whole gives: header, title warning, the text decoded twice (in
    /// a later batch, at its line), and the same batches, cut between
    /// records (a quoted value holds a line end and a quote).
    #[test]
    fn a_csv_file_read_from_the_disk_equals_it_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schools.csv");
        let mut text = "\u{feff}Export of 2025\nschool_id,name\n".to_owned();
        for i in 0..40 {
            match i {
                7 => text.push_str("100007,\"De \"\"Linde\"\"\nCampus 2\"\n"),
                29 => text.push_str("100029,CafÃ© De Brug\n"),
                _ => text.push_str(&format!("1000{i:02},School {i}\n")),
            }
        }
        std::fs::write(&path, &text).unwrap();
        let known = |h: &str| h == "school_id";
        let size = text.len() as u64;
        let disk = read_csv_from_disk(&path, &known, size, 48)
            .unwrap()
            .unwrap();
        let whole = read_csv_whole(&path, &known, 48).unwrap();
        let printed = |t: &RawTable| t.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(printed(&disk), printed(&whole));
        assert_eq!(printed(&disk).len(), 2, "{:?}", printed(&disk));
        assert!(printed(&disk)[1].contains("row 33"), "{:?}", printed(&disk));
        assert_eq!(
            (&disk.headers, disk.first_row),
            (&whole.headers, whole.first_row)
        );
        let batches = |t: &RawTable| match &t.rows {
            RawRows::Batched(BatchSource::Csv {
                first, text, rest, ..
            }) => {
                let bytes: Vec<Vec<u8>> = rest
                    .iter()
                    .map(|r| match text {
                        CsvText::Held(text) => text[r.clone()].to_vec(),
                        CsvText::OnDisk { offset } => {
                            read_span(&path, offset + r.start as u64, r.len()).unwrap()
                        }
                    })
                    .collect();
                (first.clone(), rest.clone(), bytes)
            }
            _ => panic!("not read in batches"),
        };
        let (disk_first, disk_rest, disk_bytes) = batches(&disk);
        let (whole_first, whole_rest, whole_bytes) = batches(&whole);
        assert!(disk_first.equals(&whole_first));
        assert_eq!(disk_rest, whole_rest);
        assert_eq!(disk_bytes, whole_bytes);
        assert!(disk_rest.len() > 5, "{disk_rest:?}");
        assert!(matches!(
            &disk.rows,
            RawRows::Batched(BatchSource::Csv {
                text: CsvText::OnDisk { offset: 3 },
                ..
            })
        ));
        // "Café" in Windows-1252 past the first megabyte, in a later batch:
        // left to be read whole, which decodes it.
        let mut latin = text.replace("CafÃ©", "Cafe");
        for i in 0..60_000 {
            latin.push_str(&format!("2{i:05},School {i}\n"));
        }
        latin.push_str("300000,Cafe\n");
        let mut latin = latin.into_bytes();
        let last = latin.len() - 2;
        latin[last] = 0xE9;
        std::fs::write(&path, &latin).unwrap();
        let size = latin.len() as u64;
        assert!(size > CSV_HEAD_BYTES as u64);
        assert!(
            read_csv_from_disk(&path, &known, size, 1 << 16)
                .unwrap()
                .is_none()
        );
        let whole = read_csv_whole(&path, &known, 1 << 16).unwrap();
        assert!(matches!(
            &whole.rows,
            RawRows::Batched(BatchSource::Csv {
                text: CsvText::Held(_),
                ..
            })
        ));
    }

    #[test]
    fn csv_batches_cut_between_records() {
        let text = b"h\n1,\"a\nb\"\n2,c\n3,d\n";
        assert_eq!(csv_batches(text, 2, 3), [2..10, 10..14, 14..18]);
        // A file shorter than one and a half batches is one batch.
        let whole = csv_batches(text, 2, 16);
        assert_eq!((whole.len(), &whole[0]), (1, &(2..18)));
    }

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
