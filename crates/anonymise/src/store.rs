//! The city store: the pseudonymised pupil records and the problems found
//! in the pupil sources, kept on disk under the SHA-256 of everything they
//! were read and checked from, so that a run over unchanged sources (a
//! school's report on request, a follow-up) does not read and check every
//! export again.
//!
//! Nothing is kept that anonymise would not hand on: pupils are
//! pseudonyms, and there are no names and no free text (the problems never
//! quote a pupil number; see `mirror_ingest::Problem`). The large tables
//! are Parquet, the rest JSON; `store.json` names each file with its
//! SHA-256. A store whose key differs, whose format is older, or whose
//! files do not match their hashes is never read: the caller reads the
//! sources and saves it again.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use mirror_ingest::DataQuality;
use mirror_model::{
    Absence, AbsenceCategory, AttendanceTotals, EducationForm, Enrolment, GovernmentFigures, Grade,
    GuidanceFile, HalfDay, HalfDaySlot, PupilRef, SchoolDaysOff, SchoolRef,
};
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Pseudonym, PseudonymKey, PupilRecords};

/// Bumped whenever what is kept, or how ingest checks what it keeps,
/// changes: a store of another format is rebuilt.
const FORMAT: u32 = 1;
const INDEX: &str = "store.json";
const ABSENCES: &str = "absences.parquet";
const ENROLMENTS: &str = "enrolments.parquet";
const PSEUDONYMS: &str = "pseudonyms.parquet";
const OTHER: &str = "records.json";

/// Why a store was not used. None of these stops a run: the sources are
/// read instead and the store saved anew.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("there is no city store yet in {0}")]
    Absent(PathBuf),
    #[error("{0}: the sources, the configuration or the key changed since the store was saved")]
    Stale(PathBuf),
    #[error("{path}: {message}; the store is damaged")]
    Damaged { path: PathBuf, message: String },
    #[error("{path}: cannot write the city store: {message}")]
    Write { path: PathBuf, message: String },
}

/// What a store keeps: the records and what reading their sources found.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub pupils: PupilRecords,
    pub quality: DataQuality,
}

#[derive(Serialize, Deserialize)]
struct Index {
    format: u32,
    /// The SHA-256 the caller keys the store with.
    key: String,
    files: Vec<StoredFile>,
}

#[derive(Serialize, Deserialize)]
struct StoredFile {
    name: String,
    sha256: String,
}

/// The small tables, as JSON.
#[derive(Serialize, Deserialize)]
struct Other {
    guidance: Vec<GuidanceFile>,
    attendance_totals: Vec<AttendanceTotals>,
    government: Vec<GovernmentFigures>,
    days_off: SchoolDaysOff,
    number_lengths: Vec<usize>,
    quality: DataQuality,
}

/// A city store in a folder of its own.
#[derive(Debug, Clone)]
pub struct CityStore {
    dir: PathBuf,
}

impl CityStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key to keep the records of the sources hashed to `sources_sha256`
    /// under: with the `program` that read them (its version and build, as
    /// ingest's checks may change between builds) and the city's key, which
    /// makes other pseudonyms.
    pub fn key_for(sources_sha256: &str, program: &str, key: &PseudonymKey) -> String {
        let text = format!(
            "{FORMAT}\n{}\n{program}\n{sources_sha256}\n{}",
            env!("CARGO_PKG_VERSION"),
            key.pseudonym("city store")
        );
        sha256(text.as_bytes())
    }

    /// The store saved under `key`, each file checked against its hash.
    pub fn load(&self, key: &str) -> Result<Kept, StoreError> {
        let index_path = self.dir.join(INDEX);
        let text = match std::fs::read_to_string(&index_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Absent(self.dir.clone()));
            }
            Err(e) => return Err(damaged(&index_path, e)),
        };
        let index: Index = serde_json::from_str(&text).map_err(|e| damaged(&index_path, e))?;
        if index.format != FORMAT || index.key != key {
            return Err(StoreError::Stale(self.dir.clone()));
        }
        let read = |name: &str| -> Result<Vec<u8>, StoreError> {
            let path = self.dir.join(name);
            let expected = index
                .files
                .iter()
                .find(|f| f.name == name)
                .ok_or_else(|| damaged(&index_path, format!("{name} is not listed")))?;
            let bytes = std::fs::read(&path).map_err(|e| damaged(&path, e))?;
            if sha256(&bytes) != expected.sha256 {
                return Err(damaged(&path, "the file does not match its SHA-256"));
            }
            Ok(bytes)
        };
        let frame = |name: &str| -> Result<DataFrame, StoreError> {
            ParquetReader::new(Cursor::new(read(name)?))
                .finish()
                .map_err(|e| damaged(&self.dir.join(name), e))
        };
        let table_error = |name: &str| {
            let path = self.dir.join(name);
            move |e: PolarsError| damaged(&path, e)
        };
        // The absences, most of the work, beside everything else.
        let (absences, rest) = rayon::join(
            || absences_from(frame(ABSENCES)?).map_err(table_error(ABSENCES)),
            || -> Result<_, StoreError> {
                let enrolments =
                    enrolments_from(frame(ENROLMENTS)?).map_err(table_error(ENROLMENTS))?;
                let pseudonyms =
                    pseudonyms_from(frame(PSEUDONYMS)?).map_err(table_error(PSEUDONYMS))?;
                let other: Other = serde_json::from_slice(&read(OTHER)?)
                    .map_err(|e| damaged(&self.dir.join(OTHER), e))?;
                Ok((enrolments, pseudonyms, other))
            },
        );
        let (absences, (enrolments, pseudonyms, other)) = (absences?, rest?);
        Ok(Kept {
            pupils: PupilRecords {
                pseudonyms,
                enrolments,
                absences,
                guidance: other.guidance,
                attendance_totals: other.attendance_totals,
                government: other.government,
                days_off: other.days_off,
                number_lengths: other.number_lengths.into_iter().collect(),
            },
            quality: other.quality,
        })
    }

    /// Saves `kept` under `key`, replacing what the folder held: written
    /// beside it first, so a run stopped half way leaves no store rather
    /// than a damaged one.
    pub fn save(&self, key: &str, kept: &Kept) -> Result<(), StoreError> {
        let partial = self.dir.with_extension("partial");
        let write_error = |path: &Path, e: &dyn std::fmt::Display| StoreError::Write {
            path: path.to_owned(),
            message: e.to_string(),
        };
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| write_error(&partial, &e))?;
        }
        std::fs::create_dir_all(&partial).map_err(|e| write_error(&partial, &e))?;
        let p = &kept.pupils;
        let other = Other {
            guidance: p.guidance.clone(),
            attendance_totals: p.attendance_totals.clone(),
            government: p.government.clone(),
            days_off: p.days_off.clone(),
            number_lengths: p.number_lengths.iter().copied().collect(),
            quality: kept.quality.clone(),
        };
        let files: Vec<(&str, Vec<u8>)> = vec![
            (
                ABSENCES,
                parquet(&p.absences, ROWS_PER_GROUP, absences_frame)
                    .map_err(|e| write_error(&partial, &e))?,
            ),
            (
                ENROLMENTS,
                parquet(&p.enrolments, ROWS_PER_GROUP, enrolments_frame)
                    .map_err(|e| write_error(&partial, &e))?,
            ),
            (
                PSEUDONYMS,
                parquet(&p.pseudonyms, ROWS_PER_GROUP, pseudonyms_frame)
                    .map_err(|e| write_error(&partial, &e))?,
            ),
            (
                OTHER,
                serde_json::to_vec(&other).map_err(|e| write_error(&partial, &e))?,
            ),
        ];
        let mut index = Index {
            format: FORMAT,
            key: key.to_owned(),
            files: Vec::new(),
        };
        for (name, bytes) in &files {
            let path = partial.join(name);
            std::fs::write(&path, bytes).map_err(|e| write_error(&path, &e))?;
            index.files.push(StoredFile {
                name: (*name).to_owned(),
                sha256: sha256(bytes),
            });
        }
        let index_text =
            serde_json::to_vec_pretty(&index).map_err(|e| write_error(&partial, &e))?;
        let index_path = partial.join(INDEX);
        std::fs::write(&index_path, index_text).map_err(|e| write_error(&index_path, &e))?;
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).map_err(|e| write_error(&self.dir, &e))?;
        }
        std::fs::rename(&partial, &self.dir).map_err(|e| write_error(&self.dir, &e))
    }
}

fn damaged(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Damaged {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn sha256(bytes: &[u8]) -> String {
    mirror_model::hex(&Sha256::digest(bytes))
}

/// Rows of a table per Parquet row group. A table is turned into columns
/// and written a group at a time, so saving a region's store holds one
/// group's columns beside the records, not all of them (20 bytes a
/// registered absence: the whole table's were the peak of a region's run).
const ROWS_PER_GROUP: usize = 1 << 22;

/// `rows` as Parquet, `frame` making the columns of each row group of
/// `rows_per_group` rows.
fn parquet<T>(
    rows: &[T],
    rows_per_group: usize,
    frame: impl Fn(&[T]) -> PolarsResult<DataFrame>,
) -> PolarsResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut groups = rows.chunks(rows_per_group);
    // The first group (or the empty table) gives the schema.
    let first = frame(groups.next().unwrap_or_default())?;
    let mut writer = ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Zstd(None))
        .batched(first.schema())?;
    writer.write_batch(&first)?;
    drop(first);
    for group in groups {
        writer.write_batch(&frame(group)?)?;
    }
    writer.finish()?;
    drop(writer);
    Ok(bytes)
}

fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn date_of(days: i32) -> PolarsResult<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days)
        .ok_or_else(|| polars_err!(ComputeError: "day {days} is not a date"))
}

/// The index of `value` in `all`, as stored.
fn position<T: PartialEq>(all: &[T], value: &T) -> u32 {
    all.iter().position(|v| v == value).unwrap_or(0) as u32
}

fn nth<T: Copy>(all: &[T], i: u32) -> PolarsResult<T> {
    all.get(i as usize)
        .copied()
        .ok_or_else(|| polars_err!(ComputeError: "code {i} is out of range"))
}

fn absences_frame(absences: &[Absence]) -> PolarsResult<DataFrame> {
    let column = |name: &str, values: Vec<u32>| Column::new(name.into(), values);
    DataFrame::new(
        absences.len(),
        vec![
            column("pupil", absences.iter().map(|a| a.pupil.0).collect()),
            column("school", absences.iter().map(|a| a.school.0).collect()),
            Column::new(
                "date".into(),
                absences
                    .iter()
                    .map(|a| day_number(a.slot.date))
                    .collect::<Vec<i32>>(),
            ),
            Column::new(
                "half_day".into(),
                absences
                    .iter()
                    .map(|a| u32::from(a.slot.half == HalfDay::Afternoon))
                    .collect::<Vec<u32>>(),
            ),
            Column::new(
                "category".into(),
                absences
                    .iter()
                    .map(|a| position(&AbsenceCategory::ALL, &a.category))
                    .collect::<Vec<u32>>(),
            ),
        ],
    )
}

/// The absences of `frame`, a row group at a time on every core: a store
/// has a group every 4 million absences, and gluing each column's groups
/// together first would copy all of them.
fn absences_from(mut frame: DataFrame) -> PolarsResult<Vec<Absence>> {
    // One writer wrote every column's groups, so their chunks align; a
    // frame made otherwise is aligned first.
    frame.align_chunks_par();
    let u32s = |name: &str| -> PolarsResult<Vec<&[u32]>> { chunks(frame.column(name)?.u32()?) };
    let (pupil, school, half, category) = (
        u32s("pupil")?,
        u32s("school")?,
        u32s("half_day")?,
        u32s("category")?,
    );
    let date = chunks(frame.column("date")?.i32()?)?;
    // The first bad value of a column, with its row.
    let first_bad = |column: &[&[u32]], bad: &dyn Fn(u32) -> bool| {
        column
            .iter()
            .flat_map(|c| c.iter().copied())
            .enumerate()
            .find(|(_, v)| bad(*v))
    };
    // Codes checked first, so that the millions of rows are built without
    // a `Result` each: collecting results in parallel gathers them in
    // pieces and copies them, five times the work of the rows themselves.
    let categories = AbsenceCategory::ALL.len() as u32;
    // The largest code first, a pass the compiler vectorises: looking for
    // the first bad row in every row took a tenth of loading them.
    let largest = |column: &[&[u32]]| {
        column
            .iter()
            .map(|c| c.iter().copied().fold(0, u32::max))
            .fold(0, u32::max)
    };
    if largest(&category) >= categories
        && let Some((row, code)) = first_bad(&category, &|c| c >= categories)
    {
        polars_bail!(ComputeError: "row {row}: category code {code} is out of range");
    }
    if largest(&half) > 1
        && let Some((row, code)) = first_bad(&half, &|h| h > 1)
    {
        polars_bail!(ComputeError: "row {row}: half_day code {code} is out of range");
    }
    let dates = Dates::of(&date)?;
    // Each group's rows on every core, written in place after the last.
    let mut absences = Vec::with_capacity(frame.height());
    for k in 0..date.len() {
        let (pupil, school, date, half, category) =
            (pupil[k], school[k], date[k], half[k], category[k]);
        absences.par_extend((0..date.len()).into_par_iter().map(|i| Absence {
            pupil: PupilRef(pupil[i]),
            school: SchoolRef(school[i]),
            slot: HalfDaySlot {
                date: dates.get(date[i]),
                half: if half[i] == 1 {
                    HalfDay::Afternoon
                } else {
                    HalfDay::Morning
                },
            },
            category: AbsenceCategory::ALL[category[i] as usize],
        }));
    }
    Ok(absences)
}

/// A column's values, a slice per chunk; a stored column has no nulls.
fn chunks<T: PolarsNumericType>(column: &ChunkedArray<T>) -> PolarsResult<Vec<&[T::Native]>> {
    if column.null_count() > 0 {
        polars_bail!(ComputeError: "column `{}` has an empty value", column.name());
    }
    Ok(column
        .downcast_iter()
        .map(|chunk| chunk.values().as_slice())
        .collect())
}

/// Every date from the first to the last day number of a column, so that
/// millions of rows over a few school years convert by a lookup.
struct Dates {
    first: i32,
    dates: Vec<NaiveDate>,
}

impl Dates {
    fn of(days: &[&[i32]]) -> PolarsResult<Self> {
        if days.iter().all(|d| d.is_empty()) {
            return Ok(Self {
                first: 0,
                dates: Vec::new(),
            });
        }
        // Folds over values, which vectorise, not `min()` over references.
        let values = || days.iter().flat_map(|d| d.iter().copied());
        let first = values().fold(i32::MAX, i32::min);
        let last = values().fold(i32::MIN, i32::max);
        let dates = (first..=last).map(date_of).collect::<PolarsResult<_>>()?;
        Ok(Self { first, dates })
    }

    fn get(&self, day: i32) -> NaiveDate {
        self.dates[(day - self.first) as usize]
    }
}

fn enrolments_frame(enrolments: &[Enrolment]) -> PolarsResult<DataFrame> {
    let days = |f: fn(&Enrolment) -> NaiveDate| -> Vec<i32> {
        enrolments.iter().map(|e| day_number(f(e))).collect()
    };
    DataFrame::new(
        enrolments.len(),
        vec![
            Column::new(
                "pupil".into(),
                enrolments.iter().map(|e| e.pupil.0).collect::<Vec<u32>>(),
            ),
            Column::new(
                "school".into(),
                enrolments.iter().map(|e| e.school.0).collect::<Vec<u32>>(),
            ),
            Column::new("from".into(), days(|e| e.from)),
            Column::new("to".into(), days(|e| e.to)),
            Column::new(
                "grade".into(),
                enrolments
                    .iter()
                    .map(|e| String::from(e.grade))
                    .collect::<Vec<String>>(),
            ),
            Column::new(
                "form".into(),
                enrolments
                    .iter()
                    .map(|e| position(&EducationForm::ALL, &e.form))
                    .collect::<Vec<u32>>(),
            ),
            Column::new(
                "birth_year".into(),
                enrolments
                    .iter()
                    .map(|e| e.birth_year)
                    .collect::<Vec<i32>>(),
            ),
        ],
    )
}

fn enrolments_from(mut frame: DataFrame) -> PolarsResult<Vec<Enrolment>> {
    frame.rechunk_mut_par();
    let pupil = frame.column("pupil")?.u32()?.cont_slice()?;
    let school = frame.column("school")?.u32()?.cont_slice()?;
    let from = frame.column("from")?.i32()?.cont_slice()?;
    let to = frame.column("to")?.i32()?.cont_slice()?;
    let grade = frame.column("grade")?.str()?;
    let form = frame.column("form")?.u32()?.cont_slice()?;
    let birth_year = frame.column("birth_year")?.i32()?.cont_slice()?;
    let mut out = Vec::with_capacity(frame.height());
    let mut grades: Vec<(&str, Grade)> = Vec::new();
    for (i, grade_text) in grade.iter().enumerate() {
        let grade_text =
            grade_text.ok_or_else(|| polars_err!(ComputeError: "row {i} has no grade"))?;
        // A city has a few dozen grades: each is parsed once.
        let grade = match grades.iter().find(|(text, _)| *text == grade_text) {
            Some((_, grade)) => *grade,
            None => {
                let parsed = Grade::try_from(grade_text.to_owned())
                    .map_err(|_| polars_err!(ComputeError: "`{grade_text}` is not a grade"))?;
                grades.push((grade_text, parsed));
                parsed
            }
        };
        out.push(Enrolment {
            pupil: PupilRef(pupil[i]),
            school: SchoolRef(school[i]),
            from: date_of(from[i])?,
            to: date_of(to[i])?,
            grade,
            form: nth(&EducationForm::ALL, form[i])?,
            birth_year: birth_year[i],
        });
    }
    Ok(out)
}

/// A pseudonym's 32 bytes as four numbers.
fn pseudonyms_frame(pseudonyms: &[Pseudonym]) -> PolarsResult<DataFrame> {
    let part = |k: usize| -> Column {
        let values: Vec<u64> = pseudonyms.iter().map(|p| p.part(k)).collect();
        Column::new(format!("part{k}").into(), values)
    };
    DataFrame::new(pseudonyms.len(), (0..4).map(part).collect())
}

fn pseudonyms_from(mut frame: DataFrame) -> PolarsResult<Vec<Pseudonym>> {
    frame.rechunk_mut_par();
    let parts = (0..4)
        .map(|k| frame.column(&format!("part{k}"))?.u64()?.cont_slice())
        .collect::<PolarsResult<Vec<_>>>()?;
    Ok((0..frame.height())
        .map(|i| Pseudonym::from_parts([parts[0][i], parts[1][i], parts[2][i], parts[3][i]]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tiny city's records and problems, as the store keeps them.
    fn kept() -> Kept {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        let config = mirror_model::Config::load(&dir.join("mirror.toml")).unwrap();
        let calendar = mirror_model::Calendar::load(&config.calendar).unwrap();
        let read =
            mirror_ingest::run(&config, calendar, mirror_ingest::PupilSources::Read).unwrap();
        let key = crate::PseudonymKey::from_hex(&"ab".repeat(32), "test").unwrap();
        Kept {
            pupils: PupilRecords::pseudonymise(read.pupils.unwrap(), &key),
            quality: read.quality,
        }
    }

    #[test]
    fn what_is_saved_is_loaded_unchanged_under_its_key_only() {
        let tmp = tempfile::tempdir().unwrap();
        let store = CityStore::new(tmp.path().join("city-store"));
        assert!(matches!(store.load("k1"), Err(StoreError::Absent(_))));
        let kept = kept();
        // The tiny city: 21 absences of 14 pupils over 15 enrolments.
        assert_eq!(kept.pupils.absences.len(), 21);
        assert_eq!(kept.pupils.pseudonyms.len(), 14);
        assert_eq!(kept.pupils.enrolments.len(), 15);
        store.save("k1", &kept).unwrap();
        assert_eq!(store.load("k1").unwrap(), kept);
        assert!(matches!(store.load("k2"), Err(StoreError::Stale(_))));
        // Saving again replaces the store.
        store.save("k2", &kept).unwrap();
        assert_eq!(store.load("k2").unwrap(), kept);
        assert!(matches!(store.load("k1"), Err(StoreError::Stale(_))));
    }

    #[test]
    fn a_truncated_or_altered_file_is_found_damaged() {
        let tmp = tempfile::tempdir().unwrap();
        let store = CityStore::new(tmp.path().join("city-store"));
        store.save("k", &kept()).unwrap();
        let absences = store.dir().join(ABSENCES);
        let bytes = std::fs::read(&absences).unwrap();
        std::fs::write(&absences, &bytes[..bytes.len() / 2]).unwrap();
        assert!(
            matches!(store.load("k"), Err(StoreError::Damaged { path, .. }) if path == absences)
        );
        store.save("k", &kept()).unwrap();
        let other = store.dir().join(OTHER);
        // Still valid JSON with the same records: only the hash tells.
        let text = std::fs::read_to_string(&other).unwrap();
        std::fs::write(&other, format!("{text} ")).unwrap();
        assert!(matches!(store.load("k"), Err(StoreError::Damaged { path, .. }) if path == other));
    }

    #[test]
    fn absences_are_read_back_from_one_chunk_or_many_and_bad_codes_are_refused() {
        let absences = kept().pupils.absences;
        let frame = absences_frame(&absences).unwrap();
        assert_eq!(absences_from(frame.clone()).unwrap(), absences);
        // A store written by an earlier build has a chunk per row group.
        let mut chunked = frame.slice(0, 10);
        chunked
            .vstack_mut(&frame.slice(10, absences.len()))
            .unwrap();
        assert!(chunked.column("pupil").unwrap().n_chunks() > 1);
        assert_eq!(absences_from(chunked).unwrap(), absences);
        // Saved in row groups of 3 rows: a chunk for each when read back.
        let bytes = parquet(&absences, 3, absences_frame).unwrap();
        let grouped = ParquetReader::new(Cursor::new(bytes)).finish().unwrap();
        assert_eq!(
            grouped.column("date").unwrap().n_chunks(),
            absences.len().div_ceil(3)
        );
        assert_eq!(absences_from(grouped).unwrap(), absences);
        // Category codes are 0 to 5 (`AbsenceCategory::ALL`), half days 0 or 1.
        let mut bad = frame.clone();
        let mut codes = vec![3u32; absences.len()];
        codes[4] = 6;
        bad.with_column(Column::new("category".into(), codes))
            .unwrap();
        let error = absences_from(bad).unwrap_err().to_string();
        assert!(error.contains("row 4: category code 6"), "{error}");
        let mut bad = frame;
        let mut halves = vec![0u32; absences.len()];
        halves[7] = 2;
        bad.with_column(Column::new("half_day".into(), halves))
            .unwrap();
        let error = absences_from(bad).unwrap_err().to_string();
        assert!(error.contains("row 7: half_day code 2"), "{error}");
    }
}
