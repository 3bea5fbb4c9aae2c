//! Export layouts (`export_layouts` in the configuration): how a school
//! administration package writes the registry, enrolments, registrations,
//! guidance files and attendance totals: the header of each of our columns,
//! its date format, and the values it writes for our codes. Checked once at
//! start; each file is then read with the layout whose headers it has
//! (see [`crate::table::Layout`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use mirror_model::{EducationForm, Grade, GuidanceOutcome, GuidanceReason, HalfDay, Level};
use serde::Deserialize;

use crate::table::Layout;
use crate::{AbsenceCodes, IngestError, enrolments, guidance, registrations, registry, totals};

/// A source a layout may describe: its key in the file, our columns and
/// those of them that hold dates.
struct Source {
    key: &'static str,
    columns: &'static [&'static str],
    optional: &'static [&'static str],
    dates: &'static [&'static str],
}

const SOURCES: [Source; 5] = [
    Source {
        key: "registry",
        columns: registry::REQUIRED,
        optional: registry::OPTIONAL,
        dates: &[],
    },
    Source {
        key: "enrolments",
        columns: enrolments::COLUMNS,
        optional: &[],
        dates: &["from", "to"],
    },
    Source {
        key: "registrations",
        columns: registrations::COLUMNS,
        optional: &[],
        dates: &["date"],
    },
    Source {
        key: "guidance",
        columns: guidance::COLUMNS,
        optional: &[],
        dates: &["opened", "closed"],
    },
    Source {
        key: "attendance-totals",
        columns: totals::COLUMNS,
        optional: &[],
        dates: &["period"],
    },
];

impl Source {
    fn has(&self, column: &str) -> bool {
        self.columns
            .iter()
            .chain(self.optional)
            .any(|c| *c == column)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    layouts: Vec<RawLayout>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    name: String,
    date_format: Option<String>,
    #[serde(default)]
    registry: BTreeMap<String, String>,
    #[serde(default)]
    enrolments: BTreeMap<String, String>,
    #[serde(default)]
    registrations: BTreeMap<String, String>,
    #[serde(default)]
    guidance: BTreeMap<String, String>,
    #[serde(default, rename = "attendance-totals")]
    attendance_totals: BTreeMap<String, String>,
    /// Our column -> the export's value -> ours.
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
}

impl RawLayout {
    /// The headers given for `source`, our column -> the export's header.
    fn headers(&self, source: &str) -> &BTreeMap<String, String> {
        match source {
            "registry" => &self.registry,
            "enrolments" => &self.enrolments,
            "registrations" => &self.registrations,
            "guidance" => &self.guidance,
            _ => &self.attendance_totals,
        }
    }
}

/// Every configured layout, per source.
#[derive(Debug, Default)]
pub(crate) struct ExportLayouts {
    by_source: BTreeMap<&'static str, Vec<Layout>>,
}

impl ExportLayouts {
    pub fn load(path: &Path, codes: &AbsenceCodes) -> Result<Self, IngestError> {
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path, codes)
    }

    /// `codes` is the absence code list the `code` values must map onto.
    pub fn parse(text: &str, path: &Path, codes: &AbsenceCodes) -> Result<Self, IngestError> {
        let err = |message: String| IngestError::Layouts {
            path: path.to_owned(),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut by_source: BTreeMap<&'static str, Vec<Layout>> = BTreeMap::new();
        let mut names: Vec<&str> = Vec::new();
        for layout in &raw.layouts {
            let name = layout.name.trim();
            if name.is_empty() {
                return Err(err(
                    "[[layouts]]: a layout has an empty name; write name = \"the package's export\""
                        .to_owned(),
                ));
            }
            if names.contains(&name) {
                return Err(err(format!(
                    "layout `{name}`: the name is used twice; give each [[layouts]] its own name"
                )));
            }
            names.push(name);
            let err = |message: String| err(format!("layout `{name}`: {message}"));
            if let Some(format) = &layout.date_format {
                check_date_format(format).map_err(err)?;
            }
            if SOURCES.iter().all(|s| layout.headers(s.key).is_empty()) {
                return Err(err(
                    "gives no headers; add a table such as [layouts.registrations] with lines like date = \"datum\" (our column = the export's header)".to_owned(),
                ));
            }
            let mut values = BTreeMap::new();
            for (column, map) in &layout.values {
                if !SOURCES.iter().any(|s| s.has(column)) {
                    return Err(err(format!(
                        "values.{column}: `{column}` is none of our columns; write values.<column> with a column of docs/data-formats.md, such as values.half_day"
                    )));
                }
                let mut ours = BTreeMap::new();
                for (theirs, our) in map {
                    check_value(column, our, codes).map_err(|why| {
                        err(format!("values.{column}.\"{theirs}\" = \"{our}\": {why}"))
                    })?;
                    ours.insert(theirs.trim().to_lowercase(), our.clone());
                }
                values.insert(column.clone(), ours);
            }
            for source in &SOURCES {
                let headers = layout.headers(source.key);
                if headers.is_empty() {
                    continue;
                }
                let mut seen: BTreeMap<String, &str> = BTreeMap::new();
                for (column, header) in headers {
                    if !source.has(column) {
                        let all: Vec<&str> = source
                            .columns
                            .iter()
                            .chain(source.optional)
                            .copied()
                            .collect();
                        return Err(err(format!(
                            "{}.{column}: `{column}` is not a column of {}; write our column = \"the export's header\", with one of: {}",
                            source.key,
                            source.key,
                            all.join(", ")
                        )));
                    }
                    let key = header.trim().to_lowercase();
                    if key.is_empty() {
                        return Err(err(format!(
                            "{}.{column} is empty; write the export's header, such as {column} = \"...\"",
                            source.key
                        )));
                    }
                    if let Some(other) = seen.insert(key, column) {
                        return Err(err(format!(
                            "{}.{other} and {}.{column} both have the header `{header}`; give each column its own header",
                            source.key, source.key
                        )));
                    }
                }
                by_source.entry(source.key).or_default().push(Layout {
                    name: name.to_owned(),
                    headers: headers.clone(),
                    date_format: layout.date_format.clone(),
                    dates: source.dates.iter().map(|d| (*d).to_owned()).collect(),
                    values: values
                        .iter()
                        .filter(|(c, _)| source.has(c))
                        .map(|(c, m)| (c.clone(), m.clone()))
                        .collect(),
                });
            }
        }
        Ok(Self { by_source })
    }

    /// The layouts a file of `source` may come in.
    pub fn of(&self, source: &str) -> &[Layout] {
        self.by_source.get(source).map_or(&[], Vec::as_slice)
    }
}

/// A date format must give day, month and year: a day written with it must
/// read back as the same day.
fn check_date_format(format: &str) -> Result<(), String> {
    let day = NaiveDate::from_ymd_opt(2025, 9, 23).expect("a real day");
    let mut written = String::new();
    let reads_back = write!(written, "{}", day.format(format)).is_ok()
        && NaiveDate::parse_from_str(&written, format) == Ok(day);
    if reads_back {
        Ok(())
    } else {
        Err(format!(
            "date_format = \"{format}\" does not give a day, month and year; write it as chrono does, such as \"%d/%m/%Y\" for 23/09/2025 or \"%d-%m-%Y\""
        ))
    }
}

/// Our value for `column` must be one the reader accepts.
fn check_value(column: &str, ours: &str, codes: &AbsenceCodes) -> Result<(), String> {
    fn parses<T: std::str::FromStr>(v: &str) -> Result<(), String>
    where
        T::Err: std::fmt::Display,
    {
        v.parse::<T>().map(|_| ()).map_err(|e| e.to_string())
    }
    match column {
        "half_day" => parses::<HalfDay>(ours),
        "grade" => parses::<Grade>(ours),
        "level" => parses::<Level>(ours),
        "education_form" => parses::<EducationForm>(ours),
        "reason" => parses::<GuidanceReason>(ours),
        "outcome" => parses::<GuidanceOutcome>(ours),
        "code" => match codes.lookup(ours) {
            Some(_) => Ok(()),
            None => Err(format!(
                "`{ours}` is not in the absence code list `{}`; map the package's code onto one of that list's codes",
                codes.name()
            )),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> AbsenceCodes {
        AbsenceCodes::parse(
            "[lists.flemish]\nB = \"problematic\"\nZ = \"sick\"\n",
            Path::new("codes.toml"),
            "flemish",
        )
        .unwrap()
    }

    fn parse(text: &str) -> Result<ExportLayouts, String> {
        ExportLayouts::parse(text, Path::new("export-layouts.toml"), &codes())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_layout_serves_the_sources_it_gives_headers_for() {
        let layouts = parse(
            "[[layouts]]\nname = \"pakket\"\ndate_format = \"%d/%m/%Y\"\n\
             [layouts.registrations]\ndate = \"datum\"\nhalf_day = \"halve dag\"\n\
             [layouts.values.half_day]\nVM = \"am\"\nNM = \"pm\"\n\
             [layouts.values.code]\nGO = \"B\"\n",
        )
        .unwrap();
        assert!(layouts.of("enrolments").is_empty());
        let l = &layouts.of("registrations")[0];
        assert_eq!(l.headers["half_day"], "halve dag");
        assert_eq!(l.dates, ["date"]);
        // Keys are kept in lower case: the export's value is matched so.
        assert_eq!(l.values["half_day"]["vm"], "am");
        assert_eq!(l.values["code"]["go"], "B");
    }

    /// Each mistake names the layout and the key, and says what to write.
    #[test]
    fn configuration_errors_name_the_key_and_what_to_write() {
        let head = "[[layouts]]\nname = \"pakket\"\n";
        let cases = [
            (
                format!("{head}[layouts.registrations]\nhalve_dag = \"halve dag\"\n"),
                "layout `pakket`: registrations.halve_dag: `halve_dag` is not a column of registrations; write our column = \"the export's header\", with one of: pupil_number, school_id, date, half_day, code",
            ),
            (
                format!(
                    "{head}date_format = \"%d/%m\"\n[layouts.registrations]\ndate = \"datum\"\n"
                ),
                "layout `pakket`: date_format = \"%d/%m\" does not give a day, month and year; write it as chrono does, such as \"%d/%m/%Y\" for 23/09/2025 or \"%d-%m-%Y\"",
            ),
            (
                format!(
                    "{head}[layouts.registrations]\ndate = \"datum\"\n[layouts.values.code]\nGO = \"X\"\n"
                ),
                "layout `pakket`: values.code.\"GO\" = \"X\": `X` is not in the absence code list `flemish`; map the package's code onto one of that list's codes",
            ),
            (
                format!(
                    "{head}[layouts.registrations]\ndate = \"datum\"\n[layouts.values.halfday]\nVM = \"am\"\n"
                ),
                "layout `pakket`: values.halfday: `halfday` is none of our columns; write values.<column> with a column of docs/data-formats.md, such as values.half_day",
            ),
            (
                format!("{head}[layouts.registrations]\ndate = \"datum\"\ncode = \"Datum\"\n"),
                "layout `pakket`: registrations.code and registrations.date both have the header `datum`; give each column its own header",
            ),
            (
                head.to_owned(),
                "layout `pakket`: gives no headers; add a table such as [layouts.registrations] with lines like date = \"datum\" (our column = the export's header)",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                parse(&text).unwrap_err(),
                format!("export-layouts.toml: {expected}")
            );
        }
        let e = parse(&format!("{head}[layouts.registrations]\ndate = \"datum\"\n[layouts.values.half_day]\nVM = \"morgen\"\n")).unwrap_err();
        assert!(
            e.starts_with(
                "export-layouts.toml: layout `pakket`: values.half_day.\"VM\" = \"morgen\": "
            ),
            "{e}"
        );
    }

    #[test]
    fn the_shipped_example_loads() {
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        let codes = AbsenceCodes::load(&config.join("absence-codes.toml"), "flemish").unwrap();
        let layouts = ExportLayouts::load(&config.join("export-layouts.toml"), &codes).unwrap();
        for source in SOURCES {
            assert_eq!(layouts.of(source.key).len(), 1, "{}", source.key);
        }
    }
}
