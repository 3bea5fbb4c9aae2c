//! Writes the generated city in the documented formats: CSV for the files
//! people open in a spreadsheet, Parquet for the large registrations.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use mirror_model::SchoolYear;
use polars::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::city::{DayOff, Neighbourhood, School};
use crate::simulate::AbsenceRow;
use crate::{SampleError, SampleSpec, YearRows};

/// How many notes, offers and goals were written, for the README.
pub(crate) struct Contents {
    pub notes: usize,
    pub offers: usize,
    pub goals: usize,
}

pub(crate) struct Writer {
    dir: PathBuf,
}

/// A CSV field, quoted when it holds a comma or a quote.
pub(crate) fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl Writer {
    pub fn new(dir: &Path) -> Result<Self, SampleError> {
        for sub in ["", "enrolments", "registrations", "guidance"] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path).map_err(|source| SampleError::Io { path, source })?;
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// Writes `text` to `name` under the output folder, making its folder.
    pub fn text(&self, name: &str, text: &str) -> Result<PathBuf, SampleError> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SampleError::Io {
                path: parent.to_owned(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| SampleError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    pub fn registry(
        &self,
        schools: &[School],
        hoods: &[Neighbourhood],
        sizes: &[usize],
    ) -> Result<PathBuf, SampleError> {
        let mut out = String::from(
            "school_id,name,aliases,level,education_forms,address,neighbourhood,pupils,home_language_not_dutch,mother_without_diploma,school_allowance,language,network\n",
        );
        for (s, size) in schools.iter().zip(sizes) {
            let forms: Vec<&str> = s.forms.iter().map(|f| f.code()).collect();
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{:.3},{:.3},{:.3},{},{}",
                s.id,
                field(&s.name),
                field(&s.aliases.join(";")),
                s.level.as_str(),
                forms.join(";"),
                field(&s.address),
                field(&hoods[s.neighbourhood].name),
                size,
                s.home_language_not_dutch,
                s.mother_without_diploma,
                s.school_allowance,
                s.language,
                crate::practices::network(s.neighbourhood)
            );
        }
        self.text("registry.csv", &out)
    }

    /// Each school's days without lessons; `days_off[i]` is school i's.
    pub fn days_off(
        &self,
        year: SchoolYear,
        schools: &[School],
        days_off: &[Vec<DayOff>],
    ) -> Result<PathBuf, SampleError> {
        let mut out = String::from("school_id,date,half_day,reason\n");
        for (school, off) in schools.iter().zip(days_off) {
            for d in off {
                let half = if d.afternoon_only { "pm" } else { "" };
                let _ = writeln!(out, "{},{},{half},{}", school.id, d.date, d.reason);
            }
        }
        self.text(&format!("school-days-off/{year}.csv"), &out)
    }

    /// Opens one school year's pupil-level files, to be written school by
    /// school; `registrations` is how many absence registrations the year
    /// has (the Parquet file's row groups are cut from it).
    pub fn year<'a>(
        &self,
        year: SchoolYear,
        schools: &'a [School],
        registrations: usize,
        csv: bool,
    ) -> Result<YearFiles<'a>, SampleError> {
        let extension = if csv { "csv" } else { "parquet" };
        let path = self.dir.join(format!("registrations/{year}.{extension}"));
        let file = create(&path)?;
        let polars_err = |source| SampleError::Polars {
            path: path.clone(),
            source,
        };
        let schema = registrations_frame(schools, &[])
            .map_err(polars_err)?
            .schema()
            .as_ref()
            .clone();
        let sink = if csv {
            RegistrationSink::Csv(CsvWriter::new(file).batched(&schema).map_err(polars_err)?)
        } else {
            RegistrationSink::Parquet(Box::new(
                ParquetWriter::new(file)
                    .with_compression(ParquetCompression::Zstd(None))
                    .batched(&schema)
                    .map_err(polars_err)?,
            ))
        };
        Ok(YearFiles {
            schools,
            enrolments: CsvText::new(
                self.dir.join(format!("enrolments/{year}.csv")),
                "pupil_number,school_id,from,to,grade,education_form,birth_year\n",
            )?,
            guidance: CsvText::new(
                self.dir.join(format!("guidance/{year}.csv")),
                "pupil_number,school_id,opened,reason,closed,outcome\n",
            )?,
            registrations: Registrations {
                path,
                sink,
                row_groups: row_groups(registrations).into_iter(),
                pending: Vec::new(),
            },
        })
    }

    /// The pseudonymisation key for this synthetic city only.
    pub fn key(&self, seed: u64) -> Result<PathBuf, SampleError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6b65_795f_6b65_7921);
        let mut hex = String::new();
        for _ in 0..32 {
            let _ = write!(hex, "{:02x}", rng.random::<u8>());
        }
        hex.push('\n');
        self.text("pseudonym.key", &hex)
    }

    pub fn readme(&self, spec: &SampleSpec, contents: &Contents) -> Result<PathBuf, SampleError> {
        self.text(
            "README.md",
            &format!(
                "# A generated sample city\n\n\
                 Generated, fictitious data: no real school, pupil or place. See docs/data-formats.md.\n\
                 Regenerate with `mirror sample-data --schools {} --years {} --seed {} --last-year {} --out DIR`\n\
                 (the same command gives the same bytes).\n\n\
                 - `registry.csv`: {} primary and secondary schools in neighbourhoods of four local networks (LOP).\n\
                 - `enrolments/`, `registrations/`, `guidance/`: pupil-level data, one file per school year;\n  \
                 some schools improve over the years, some get worse.\n\
                 - `school-days-off/`: 3 to 6 days without lessons per school and year (study days, a few\n  \
                 study afternoons), each school its own; nobody is registered absent on them.\n\
                 - `attendance-totals/`, `government/figures.csv`: monthly totals and the government's yearly\n  \
                 figures, also for the years before the pupil-level data.\n\
                 - `questionnaires/`: one wave of the safety and wellbeing questionnaire in spring of the last\n  \
                 year, in two export layouts, and how many were invited.\n\
                 - `checklists/`: the schools' answers to the checklist on their approach.\n\
                 - `rosters/staff.csv`: staff names, for redaction only.\n\
                 - `good-practices/`: {} notes by different schools over every theme; notes on truancy or\n  \
                 guidance come from schools whose low or falling truancy backs them up. Some name their\n  \
                 school, a teacher, a street, an e-mail address or a phone number, for anonymise to redact.\n\
                 - `support/offers.csv`: {} offers of the city's support network, every theme covered, some for\n  \
                 one level only, some with a contact.\n\
                 - Notes, offers and network goals are in Dutch, with English where a school reads English;\n  \
                 a school's own goals are in its report language.\n\
                 - `action-plans/plans.csv`: {} goals of schools and of every local network. Shares are fractions\n  \
                 (0.06 is 6%), questionnaire scores 0-100 (100 the most favourable). A baseline is the\n  \
                 figure of the year the plan was made; deadlines are the end of the last school year or of\n  \
                 the next one. Improving schools' goals are within reach, worsening schools' are not.\n\
                 - `pseudonym.key`: the pseudonymisation key of this synthetic city only.\n",
                spec.schools,
                spec.years,
                spec.seed,
                spec.last_year,
                spec.schools,
                contents.notes,
                contents.offers,
                contents.goals
            ),
        )
    }
}

fn create(path: &Path) -> Result<File, SampleError> {
    File::create(path).map_err(|source| SampleError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Rows per Parquet row group when polars writes a whole frame at once.
const ROW_GROUP: usize = 512 * 512;

/// The sizes of the row groups polars' `ParquetWriter::finish` cuts a
/// single-chunk frame of `rows` rows into (`chunk_df_for_writing` in
/// polars-core 0.55): under two groups' worth one group, otherwise
/// `rows / ROW_GROUP` groups of equal size with the remainder in the last.
/// Writing the same groups one by one gives the same bytes as writing the
/// year whole, without holding it.
fn row_groups(rows: usize) -> Vec<usize> {
    let groups = rows / ROW_GROUP;
    if groups <= 1 {
        return if rows == 0 { Vec::new() } else { vec![rows] };
    }
    let size = rows / groups;
    let mut sizes = vec![size; groups - 1];
    sizes.push(rows - size * (groups - 1));
    sizes
}

/// The registrations of `rows` as the documented columns.
fn registrations_frame(schools: &[School], rows: &[AbsenceRow]) -> PolarsResult<DataFrame> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    let pupils: Vec<String> = rows.iter().map(|r| r.pupil.to_string()).collect();
    let ids: Vec<&str> = rows.iter().map(|r| schools[r.school].id.as_str()).collect();
    let dates: Vec<i32> = rows
        .iter()
        .map(|r| (r.slot.date - epoch).num_days() as i32)
        .collect();
    let halves: Vec<&str> = rows.iter().map(|r| r.slot.half.as_str()).collect();
    let codes: Vec<&str> = rows.iter().map(|r| r.code).collect();
    let date = Column::new("date".into(), dates).cast(&DataType::Date)?;
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("pupil_number".into(), pupils),
            Column::new("school_id".into(), ids),
            date,
            Column::new("half_day".into(), halves),
            Column::new("code".into(), codes),
        ],
    )
}

/// A CSV file written line by line.
struct CsvText {
    path: PathBuf,
    out: BufWriter<File>,
}

impl CsvText {
    fn new(path: PathBuf, header: &str) -> Result<Self, SampleError> {
        let mut text = Self {
            out: BufWriter::new(create(&path)?),
            path,
        };
        text.write(format_args!("{header}"))?;
        Ok(text)
    }

    fn write(&mut self, line: std::fmt::Arguments<'_>) -> Result<(), SampleError> {
        self.out.write_fmt(line).map_err(|source| SampleError::Io {
            path: self.path.clone(),
            source,
        })
    }

    fn finish(mut self) -> Result<PathBuf, SampleError> {
        self.out.flush().map_err(|source| SampleError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.path)
    }
}

enum RegistrationSink {
    // Boxed: the Parquet writer is much larger than the CSV one.
    Parquet(Box<polars::io::parquet::write::BatchedWriter<File>>),
    Csv(polars::io::csv::write::BatchedWriter<File>),
}

/// The year's registrations, written a row group at a time.
struct Registrations {
    path: PathBuf,
    sink: RegistrationSink,
    /// The sizes of the row groups still to write.
    row_groups: std::vec::IntoIter<usize>,
    /// Rows of the next row group.
    pending: Vec<AbsenceRow>,
}

/// One school year's enrolments, registrations and guidance files, written
/// school by school: memory holds a school's rows and one row group, not
/// the year.
pub(crate) struct YearFiles<'a> {
    schools: &'a [School],
    enrolments: CsvText,
    guidance: CsvText,
    registrations: Registrations,
}

impl YearFiles<'_> {
    /// Appends one school's rows, sorted by pupil.
    pub fn school(&mut self, rows: YearRows) -> Result<(), SampleError> {
        let schools = self.schools;
        for e in &rows.enrolments {
            self.enrolments.write(format_args!(
                "{},{},{},{},{},{},{}\n",
                e.pupil,
                schools[e.school].id,
                e.from,
                e.to.map(|d| d.to_string()).unwrap_or_default(),
                e.grade,
                e.form.code(),
                e.birth_year
            ))?;
        }
        for g in &rows.guidance {
            self.guidance.write(format_args!(
                "{},{},{},{},{},{}\n",
                g.pupil,
                schools[g.school].id,
                g.opened,
                g.reason,
                g.closed.map(|d| d.to_string()).unwrap_or_default(),
                g.outcome
            ))?;
        }
        let r = &mut self.registrations;
        for row in rows.absences {
            r.pending.push(row);
            if Some(r.pending.len()) == r.row_groups.as_slice().first().copied() {
                r.row_groups.next();
                r.write_pending(schools)?;
            }
        }
        Ok(())
    }

    /// Closes the files: enrolments, registrations, guidance.
    pub fn finish(self) -> Result<[PathBuf; 3], SampleError> {
        let r = self.registrations;
        assert!(
            r.pending.is_empty() && r.row_groups.len() == 0,
            "the year has as many registrations as counted beforehand"
        );
        let polars_err = |source| SampleError::Polars {
            path: r.path.clone(),
            source,
        };
        match r.sink {
            RegistrationSink::Parquet(w) => w.finish().map(drop),
            RegistrationSink::Csv(mut w) => w.finish(),
        }
        .map_err(polars_err)?;
        Ok([self.enrolments.finish()?, r.path, self.guidance.finish()?])
    }
}

impl Registrations {
    fn write_pending(&mut self, schools: &[School]) -> Result<(), SampleError> {
        let polars_err = |source| SampleError::Polars {
            path: self.path.clone(),
            source,
        };
        let frame = registrations_frame(schools, &self.pending).map_err(polars_err)?;
        match &mut self.sink {
            RegistrationSink::Parquet(w) => w.write_batch(&frame),
            RegistrationSink::Csv(w) => w.write_batch(&frame),
        }
        .map_err(polars_err)?;
        self.pending.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_groups_are_cut_as_polars_cuts_a_whole_frame() {
        // 262,144 rows a group: under two groups' worth stays one group;
        // 1,000,000 rows are 3 groups of 333,333 and the remainder 333,334.
        assert_eq!(row_groups(0), Vec::<usize>::new());
        assert_eq!(row_groups(10), [10]);
        assert_eq!(row_groups(524_287), [524_287]);
        assert_eq!(row_groups(524_288), [262_144, 262_144]);
        assert_eq!(row_groups(1_000_000), [333_333, 333_333, 333_334]);
    }
}
