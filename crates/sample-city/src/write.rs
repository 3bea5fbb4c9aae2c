//! Writes the generated city in the documented formats: CSV for the files
//! people open in a spreadsheet, Parquet for the large registrations.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mirror_model::SchoolYear;
use polars::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::city::{DayOff, Neighbourhood, School};
use crate::simulate::{AbsenceRow, EnrolmentRow, GuidanceRow};
use crate::{SampleError, SampleSpec};

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

    pub fn enrolments(
        &self,
        year: SchoolYear,
        schools: &[School],
        rows: &[EnrolmentRow],
    ) -> Result<PathBuf, SampleError> {
        let mut out =
            String::from("pupil_number,school_id,from,to,grade,education_form,birth_year\n");
        for e in rows {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{}",
                e.pupil,
                schools[e.school].id,
                e.from,
                e.to.map(|d| d.to_string()).unwrap_or_default(),
                e.grade,
                e.form.code(),
                e.birth_year
            );
        }
        self.text(&format!("enrolments/{year}.csv"), &out)
    }

    pub fn guidance(
        &self,
        year: SchoolYear,
        schools: &[School],
        rows: &[GuidanceRow],
    ) -> Result<PathBuf, SampleError> {
        let mut out = String::from("pupil_number,school_id,opened,reason,closed,outcome\n");
        for g in rows {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                g.pupil,
                schools[g.school].id,
                g.opened,
                g.reason,
                g.closed.map(|d| d.to_string()).unwrap_or_default(),
                g.outcome
            );
        }
        self.text(&format!("guidance/{year}.csv"), &out)
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

    pub fn registrations(
        &self,
        year: SchoolYear,
        schools: &[School],
        rows: &[AbsenceRow],
        csv: bool,
    ) -> Result<PathBuf, SampleError> {
        let extension = if csv { "csv" } else { "parquet" };
        let path = self.dir.join(format!("registrations/{year}.{extension}"));
        let polars_err = |source| SampleError::Polars {
            path: path.clone(),
            source,
        };
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
        let pupils: Vec<String> = rows.iter().map(|r| r.pupil.to_string()).collect();
        let ids: Vec<&str> = rows.iter().map(|r| schools[r.school].id.as_str()).collect();
        let dates: Vec<i32> = rows
            .iter()
            .map(|r| (r.slot.date - epoch).num_days() as i32)
            .collect();
        let halves: Vec<&str> = rows.iter().map(|r| r.slot.half.as_str()).collect();
        let codes: Vec<&str> = rows.iter().map(|r| r.code).collect();
        let date = Column::new("date".into(), dates)
            .cast(&DataType::Date)
            .map_err(polars_err)?;
        let mut df = DataFrame::new(
            rows.len(),
            vec![
                Column::new("pupil_number".into(), pupils),
                Column::new("school_id".into(), ids),
                date,
                Column::new("half_day".into(), halves),
                Column::new("code".into(), codes),
            ],
        )
        .map_err(polars_err)?;
        let file = std::fs::File::create(&path).map_err(|source| SampleError::Io {
            path: path.clone(),
            source,
        })?;
        if csv {
            CsvWriter::new(file).finish(&mut df).map_err(polars_err)?;
        } else {
            ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .finish(&mut df)
                .map_err(polars_err)?;
        }
        Ok(path)
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
