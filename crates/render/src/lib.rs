//! Render: one school's mirror, or the truancy advisor's list, as a PDF.
//!
//! The Typst templates in `report-templates/` are read at run time, so the
//! city can change wording and layout without recompiling. Data reaches them
//! only as a JSON file (`/data.json`) and charts as SVG files
//! (`/charts/*.svg`), never spliced into markup. Fonts are embedded, with
//! those of the templates' `fonts/` folder; a character none of them covers
//! prints as a placeholder (`characters.rs`).

mod characters;
mod charts;
mod messages;
mod numbers;
mod survey_charts;
mod text;
mod world;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, NaiveDate};
use mirror_benchmark::SchoolMirror;
use mirror_benchmark::advisor::AdvisorList;
use mirror_benchmark::follow_up::SinceLastMirror;
use mirror_benchmark::practices::InspirationGuide;
use mirror_model::{ReportLanguage, SchoolId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use typst::WorldExt;
use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::FileId;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub use characters::{FontCoverage, Numbering, PLACEHOLDER, Unshown};
use charts::ChartLabels;
use world::{ReportWorld, Shared, file_id};

const MAIN: &str = "/mirror.typ";
/// The inspiration guide: every shared practice, for local partners.
const GUIDE: &str = "/guide.typ";
/// The advisor's list names schools: a template of its own, so nothing of it
/// can slip into a school's mirror.
const ADVISOR: &str = "/advisor.typ";

/// A finished report: its PDF, and every text the PDF carries (what a
/// reader sees, chart labels, alternative texts, link targets, metadata),
/// for the leak guard to check before the PDF is written anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedReport {
    pub pdf: Vec<u8>,
    pub text: String,
}

/// Which report an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    School(SchoolId),
    AdvisorList,
    InspirationGuide,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::School(school) => write!(f, "school {school}"),
            Self::AdvisorList => f.write_str("the advisor list"),
            Self::InspirationGuide => f.write_str("the inspiration guide"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{path}: cannot read the report templates: {source}")]
    Template {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: a report template is missing; restore it from the repository")]
    MissingTemplate { path: PathBuf },
    #[error(
        "school {school}: no strings for language `{language}`: add {path} (copy lang/en.toml and translate it), or correct the school's language in the registry"
    )]
    MissingLanguage {
        school: SchoolId,
        language: String,
        path: PathBuf,
    },
    #[error("{path}: {message}")]
    Strings { path: PathBuf, message: String },
    #[error("school {school}: cannot draw the {chart} chart: {message}")]
    Chart {
        school: SchoolId,
        chart: &'static str,
        message: String,
    },
    #[error("{report}: the report templates do not compile:\n{diagnostics}")]
    Typst {
        report: Report,
        /// One `file:line:column: message` line per diagnostic.
        diagnostics: String,
    },
    #[error("{report}: cannot write the PDF:\n{diagnostics}")]
    Pdf { report: Report, diagnostics: String },
    #[error("{report}: cannot encode the report data: {source}")]
    Data {
        report: Report,
        #[source]
        source: serde_json::Error,
    },
}

/// What a report needs besides the school's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ReportMeta {
    /// The date printed on the report and in its metadata.
    pub issue_date: NaiveDate,
    pub min_pupils: u32,
    pub min_peers: usize,
    /// The SHA-256 over every input file and the config (64 lowercase hex
    /// digits), printed on the methodology page and in the PDF's keywords so
    /// a report can be traced to the data it was made from.
    pub data_sha256: String,
}

#[derive(Deserialize)]
struct Strings {
    chart: ChartLabels,
    texts: OtherLanguage,
}

/// How a report says that a text of the city's (a support offer, a goal, a
/// good practice) is not in its language (`[texts]` of the strings file).
#[derive(Debug, Clone, Deserialize)]
struct OtherLanguage {
    /// "(enkel in het {language})".
    only_in: String,
    /// Each language's name, by its code.
    languages: HashMap<String, String>,
}

impl OtherLanguage {
    /// Replaces each of the city's texts in `json` (a serialised
    /// [`mirror_model::Texts`]: an object whose one key is `in_languages`)
    /// with its version in `language`. A text not written in it is printed
    /// in its own language and says so: a string gets the note after it,
    /// an object (a good practice) gets it as `only_in`.
    fn pick(&self, json: &mut Value, language: &ReportLanguage) {
        match json {
            Value::Object(map) => {
                if let (1, Some(Value::Array(versions))) = (map.len(), map.get("in_languages")) {
                    *json = self.picked(versions, language);
                } else {
                    map.values_mut().for_each(|v| self.pick(v, language));
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.pick(v, language)),
            _ => {}
        }
    }

    fn picked(&self, versions: &[Value], language: &ReportLanguage) -> Value {
        let mut texts: Option<mirror_model::Texts<&Value>> = None;
        for version in versions {
            let (Some(code), Some(text)) = (version.get(0).and_then(Value::as_str), version.get(1))
            else {
                continue;
            };
            let Ok(code) = ReportLanguage::new(code) else {
                continue;
            };
            match &mut texts {
                None => texts = Some(mirror_model::Texts::new(code, text)),
                Some(t) => {
                    t.add(code, text);
                }
            }
        }
        let Some(texts) = texts else {
            return Value::Null;
        };
        let picked = texts.pick(language);
        let mut text = (*picked.text).clone();
        if let Some(other) = picked.only_in {
            let name = self
                .languages
                .get(other.as_str())
                .map_or(other.as_str(), String::as_str);
            let note = self.only_in.replace("{language}", name);
            match &mut text {
                Value::String(s) => *s = format!("{s} {note}"),
                Value::Object(map) => {
                    map.insert("only_in".to_owned(), Value::String(note));
                }
                _ => {}
            }
        }
        text
    }
}

/// Fonts, templates and language strings, loaded once and shared by every
/// report of a batch (also across threads).
pub struct Renderer {
    templates_dir: PathBuf,
    shared: Shared,
    labels: HashMap<String, ChartLabels>,
    /// Per language, how its reports name a text in another.
    other_language: HashMap<String, OtherLanguage>,
    /// `/city.json`, served to every template: `{"name": ...}`, the city's
    /// name for the headers (`null` when not configured).
    city: Vec<u8>,
    rendered: AtomicUsize,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("templates_dir", &self.templates_dir)
            .finish_non_exhaustive()
    }
}

/// The JSON the templates read as `/data.json`.
#[derive(Serialize)]
struct ReportData<'a> {
    mirror: Value,
    /// The key messages, from benchmark's flags.
    messages: Value,
    meta: &'a ReportMeta,
    /// Printed beside the data hash: which version of the method made the figures.
    method_version: &'static str,
    /// "0", "1–4", ..., "30+", in the order of `mirror.bands`.
    band_labels: Vec<String>,
    /// How many of the latest points a goal's trend is drawn through.
    goal_trend_points: usize,
}

/// The keys of the mirror's JSON that hold a fraction to print as a percentage.
const FRACTIONS: [&str; 11] = [
    "value",
    "lower_quartile",
    "median",
    "upper_quartile",
    "city",
    "target",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "school_rate",
];

/// The same for "Since your last mirror": both mirrors' figures and the
/// goals' targets (a goal's indicator may be no fraction; the template
/// chooses).
const SINCE_FRACTIONS: [&str; 6] = [
    "then",
    "now",
    "peer_median_then",
    "peer_median_now",
    "target",
    "baseline",
];

/// The same for the support findings: the school's figure and what it
/// was compared with (for a questionnaire score both are on 0-100 and the
/// template prints them as they are).
const SUPPORT_FRACTIONS: [&str; 2] = ["value", "compared_with"];

/// The same for the goals whose indicator is a share: the figures over
/// time, the target and the projection. Scores on 0-100 get none.
const GOAL_FRACTIONS: [&str; 4] = ["value", "target", "baseline", "projected"];

/// The goals' trend and the pace needed, in percentage points a year.
const GOAL_POINTS: [&str; 2] = ["trend_per_year", "needed_per_year"];

/// The same for the advisor's list.
const ADVISOR_FRACTIONS: [&str; 5] = ["rate", "previous_rate", "target", "lower95", "upper95"];

/// The advisor's list's difference, in percentage points.
const ADVISOR_POINTS: [&str; 1] = ["difference"];

/// Beside every fraction `k` (one of `keys`) in a report's JSON, adds
/// `k_pct`: its percentage digits ("3.4", "0.08"), rounded by the same code as the
/// chart labels. The template only swaps the decimal sign, so a table and a
/// chart never round one figure differently, nor the advisor's list and the
/// school's mirror.
fn add_percent_digits(value: &mut Value, keys: &[&str]) {
    add_printed(value, keys, "_pct", &charts::printed_percent);
}

/// The same for differences and paces in percentage points (`k_pct` too):
/// always one decimal. A level under 1 % gets two ([`charts::percent_decimals`]);
/// "-0.70 points a year" would only look more precise than the pace is.
fn add_point_digits(value: &mut Value, keys: &[&str]) {
    add_printed(value, keys, "_pct", &|f| charts::percent_digits(f, 1));
}

/// Beside every p-value (`p_value`) in a report's JSON, adds `p_value_text`:
/// "= 0.163" or "< 0.001", for the template's "p {p}".
fn add_p_value_texts(value: &mut Value) {
    add_printed(value, &["p_value"], "_text", &numbers::p_value_text);
}

/// Beside every number `k` (one of `keys`) in a report's JSON, at any depth,
/// adds `k{suffix}`: the number as `print` writes it.
fn add_printed(value: &mut Value, keys: &[&str], suffix: &str, print: &dyn Fn(f64) -> String) {
    match value {
        Value::Object(map) => {
            let printed: Vec<(String, Value)> = keys
                .iter()
                .filter_map(|k| {
                    let f = map.get(*k)?.as_f64()?;
                    Some((format!("{k}{suffix}"), print(f).into()))
                })
                .collect();
            map.values_mut()
                .for_each(|v| add_printed(v, keys, suffix, print));
            map.extend(printed);
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| add_printed(v, keys, suffix, print)),
        _ => {}
    }
}

/// The bytes of `/data.json`: the mirror with percentage digits, its key
/// messages, the meta and the band labels.
fn report_json(
    mirror: &SchoolMirror,
    meta: &ReportMeta,
    other_language: &OtherLanguage,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut mirror_json = serde_json::to_value(mirror)?;
    // Questionnaire scores are on 0-100 already: the survey's fractions get
    // their digits by name instead.
    let survey = mirror_json.as_object_mut().and_then(|m| m.remove("survey"));
    add_percent_digits(&mut mirror_json, &FRACTIONS);
    add_p_value_texts(&mut mirror_json);
    if let (Some(m), Some(mut survey)) = (mirror_json.as_object_mut(), survey) {
        survey_charts::add_percent_digits(&mut survey);
        m.insert("survey".to_owned(), survey);
    }
    // Its fractions have names of their own (`then`, `now`, ...): it is
    // replaced whole by one with their digits.
    if let (Some(m), Some(since)) = (mirror_json.as_object_mut(), &mirror.since_last_mirror) {
        m.insert("since_last_mirror".to_owned(), since_json(since)?);
    }
    if let Some(m) = mirror_json.as_object_mut() {
        let mut support = serde_json::to_value(&mirror.support)?;
        add_percent_digits(&mut support, &SUPPORT_FRACTIONS);
        m.insert("support".to_owned(), support);
        let goals = mirror
            .goals
            .iter()
            .map(|g| {
                let mut json = serde_json::to_value(g)?;
                if g.indicator.is_share() {
                    add_percent_digits(&mut json, &GOAL_FRACTIONS);
                    add_point_digits(&mut json, &GOAL_POINTS);
                }
                Ok(json)
            })
            .collect::<Result<Vec<Value>, serde_json::Error>>()?;
        m.insert("goals".to_owned(), Value::Array(goals));
    }
    other_language.pick(&mut mirror_json, &mirror.language);
    let mut messages = serde_json::to_value(messages::key_messages(mirror))?;
    add_percent_digits(&mut messages, &FRACTIONS);
    serde_json::to_vec(&ReportData {
        mirror: mirror_json,
        messages,
        meta,
        method_version: mirror_benchmark::METHOD_VERSION,
        band_labels: mirror
            .bands
            .iter()
            .map(|b| charts::band_label(&b.band))
            .collect(),
        goal_trend_points: mirror_benchmark::goals::TREND_POINTS,
    })
}

/// "Since your last mirror" with percentage digits, and beside each figure
/// shown then and now, where the two are comparable, its change in percentage points (`change_pct`, digits
/// without sign, and `change_sign`: -1, 0 or 1).
fn since_json(since: &SinceLastMirror) -> Result<Value, serde_json::Error> {
    let mut json = serde_json::to_value(since)?;
    add_percent_digits(&mut json, &SINCE_FRACTIONS);
    if let Some(figures) = json.get_mut("figures").and_then(Value::as_array_mut) {
        for (json, figure) in figures.iter_mut().zip(&since.figures) {
            if let (Some(map), Some(then), Some(now), true) = (
                json.as_object_mut(),
                figure.then,
                figure.now,
                figure.comparable,
            ) {
                let decimals = charts::percent_decimals(then).max(charts::percent_decimals(now));
                let (digits, sign) = change_points(then, now, decimals);
                map.insert("change_pct".to_owned(), digits.into());
                map.insert("change_sign".to_owned(), sign.into());
            }
        }
    }
    Ok(json)
}

/// The change from `then` to `now` in percentage points: its digits with
/// `decimals` decimals, and its sign (-1, 0 or 1). Taken between the rounded percentages the report
/// prints, so the reader's own subtraction gives the same: 2.7% to 3.1% is
/// 0.4 points, whatever the figures' further decimals.
pub(crate) fn change_points(then: f64, now: f64, decimals: usize) -> (String, i8) {
    let scale = 10i64.pow(decimals as u32);
    let printed = |f: f64| {
        let digits: f64 = charts::percent_digits(f, decimals)
            .parse()
            .expect("percentage digits are a number");
        (digits * scale as f64).round() as i64
    };
    let change = (printed(now) - printed(then)).abs();
    let sign = (printed(now) - printed(then)).signum() as i8;
    let digits = format!("{}.{:0decimals$}", change / scale, change % scale);
    (digits, sign)
}

/// The bytes of `/data.json` for `advisor.typ`: the list with percentage
/// digits, z-scores with one decimal (`z_digits`), p-values (`p_value_text`)
/// and the Benjamini-Hochberg thresholds cut to four decimals (cut, so a
/// school's p at the threshold never reads as above it), the language of
/// its words and the issue date.
fn advisor_json(
    list: &AdvisorList,
    language: &ReportLanguage,
    other_language: &OtherLanguage,
    issue_date: NaiveDate,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut list_json = serde_json::to_value(list)?;
    other_language.pick(&mut list_json, language);
    add_percent_digits(&mut list_json, &ADVISOR_FRACTIONS);
    add_point_digits(&mut list_json, &ADVISOR_POINTS);
    add_p_value_texts(&mut list_json);
    add_printed(&mut list_json, &["z"], "_digits", &|z| {
        numbers::rounded(z, 1)
    });
    add_printed(
        &mut list_json,
        &["did_well_p_threshold", "rising_p_threshold"],
        "_digits",
        &|p| numbers::cut(p, 4),
    );
    serde_json::to_vec(&serde_json::json!({
        "list": list_json,
        "language": language,
        "issue_date": issue_date,
    }))
}

/// Every key of a strings file, dotted (`report.trend_alt`).
fn string_keys(table: &toml::Table, prefix: &str, out: &mut BTreeSet<String>) {
    for (key, value) in table {
        let path = format!("{prefix}{key}");
        if let toml::Value::Table(inner) = value {
            string_keys(inner, &format!("{path}."), out);
        }
        out.insert(path);
    }
}

impl Renderer {
    /// Loads the templates folder (`mirror.typ`, `advisor.typ`, `style.typ`,
    /// `lang/*.toml`) and the embedded fonts. Every strings file must have the
    /// same keys, so a translation that lacks a string fails here, not in the
    /// middle of a batch; a missing template too.
    pub fn new(templates_dir: &Path) -> Result<Self, RenderError> {
        let shared = Shared::load(templates_dir)?;
        if let Some(missing) = [MAIN, ADVISOR, GUIDE]
            .into_iter()
            .find(|t| !shared.has_file(t))
        {
            return Err(RenderError::MissingTemplate {
                path: templates_dir.join(missing.trim_start_matches('/')),
            });
        }
        let lang_dir = templates_dir.join("lang");
        let entries = std::fs::read_dir(&lang_dir).map_err(|source| RenderError::Template {
            path: lang_dir.clone(),
            source,
        })?;
        // Sorted, so the same folder always gives the same error.
        let mut files: Vec<(String, PathBuf)> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .filter_map(|p| Some((p.file_stem()?.to_str()?.to_owned(), p)))
            .collect();
        files.sort();
        let mut labels = HashMap::new();
        let mut other_language = HashMap::new();
        let mut keys: Vec<(PathBuf, BTreeSet<String>)> = Vec::new();
        for (code, path) in files {
            let strings_error = |message: String| RenderError::Strings {
                path: path.clone(),
                message,
            };
            let text = shared
                .file_text(&format!("/lang/{code}.toml"))
                .ok_or_else(|| strings_error("not read with the templates".to_owned()))?;
            let text = std::str::from_utf8(text)
                .map_err(|_| strings_error("not UTF-8 text".to_owned()))?;
            let table: toml::Table =
                toml::from_str(text).map_err(|e| strings_error(e.to_string()))?;
            let mut found = BTreeSet::new();
            string_keys(&table, "", &mut found);
            let strings: Strings = table
                .try_into()
                .map_err(|e: toml::de::Error| strings_error(e.to_string()))?;
            other_language.insert(code.clone(), strings.texts);
            labels.insert(code, strings.chart);
            keys.push((path, found));
        }
        for (path, found) in &keys {
            for (other, theirs) in &keys {
                if let Some(missing) = theirs.difference(found).next() {
                    return Err(RenderError::Strings {
                        path: path.clone(),
                        message: format!(
                            "the string `{missing}` is missing (it is in {}): add it, translated",
                            other.display()
                        ),
                    });
                }
            }
        }
        Ok(Self {
            templates_dir: templates_dir.to_owned(),
            shared,
            labels,
            other_language,
            city: Self::city_json(None),
            rendered: AtomicUsize::new(0),
        })
    }

    /// The city's name (`[report] city_name`) for every report's header;
    /// without it, headers name the report only.
    pub fn with_city_name(mut self, name: Option<&str>) -> Self {
        self.city = Self::city_json(name);
        self
    }

    fn city_json(name: Option<&str>) -> Vec<u8> {
        serde_json::json!({ "name": name }).to_string().into_bytes()
    }

    /// Refuses a document language without strings, naming the setting
    /// that chose it.
    fn has_language(&self, language: &ReportLanguage, setting: &str) -> Result<(), RenderError> {
        if self.labels.contains_key(language.as_str()) {
            return Ok(());
        }
        Err(RenderError::Strings {
            path: self
                .templates_dir
                .join("lang")
                .join(format!("{}.toml", language.as_str())),
            message: format!(
                "no strings for {setting} `{}`: add the file or choose a language that has one",
                language.as_str()
            ),
        })
    }

    /// What the reports' fonts can show: `mirror check` names the
    /// characters of the sources they cannot, which `compile` replaces.
    pub fn coverage(&self) -> &FontCoverage {
        &self.shared.coverage
    }

    /// One school's mirror, rendered; the same input gives the same bytes.
    pub fn render(
        &self,
        mirror: &SchoolMirror,
        meta: &ReportMeta,
    ) -> Result<RenderedReport, RenderError> {
        let school = &mirror.school;
        let report = Report::School(school.clone());
        let language = mirror.language.as_str();
        let labels = self
            .labels
            .get(language)
            .ok_or_else(|| RenderError::MissingLanguage {
                school: school.clone(),
                language: language.to_owned(),
                path: self
                    .templates_dir
                    .join("lang")
                    .join(format!("{language}.toml")),
            })?;
        let data = report_json(mirror, meta, &self.other_language[language]).map_err(|source| {
            RenderError::Data {
                report: report.clone(),
                source,
            }
        })?;
        let chart_error = |(chart, message)| RenderError::Chart {
            school: school.clone(),
            chart,
            message,
        };
        let files = [
            ("/data.json", data),
            (
                "/charts/trend.svg",
                charts::trend(mirror, labels)
                    .map_err(chart_error)?
                    .into_bytes(),
            ),
            (
                "/charts/bands.svg",
                charts::bands(mirror, labels)
                    .map_err(chart_error)?
                    .into_bytes(),
            ),
        ]
        .into_iter()
        // The template leaves the funnel out when the mirror has none.
        .chain(
            charts::funnel(mirror, labels)
                .map_err(chart_error)?
                .map(|svg| ("/charts/funnel.svg", svg.into_bytes())),
        )
        .chain(
            survey_charts::survey_charts(mirror, labels)
                .map_err(chart_error)?
                .into_iter()
                .map(|(path, svg)| (path, svg.into_bytes())),
        );
        let ident = format!("school-mirror/{school}/{}", mirror.year);
        self.compile(&report, MAIN, files, meta.issue_date, ident)
    }

    /// The truancy advisor's list, rendered, for the city's staff only,
    /// in the city's language (`[report] city_language`); the same input
    /// gives the same bytes.
    pub fn render_advisor(
        &self,
        list: &AdvisorList,
        language: &ReportLanguage,
        issue_date: NaiveDate,
    ) -> Result<RenderedReport, RenderError> {
        let report = Report::AdvisorList;
        self.has_language(language, "report.city_language")?;
        let data = advisor_json(
            list,
            language,
            &self.other_language[language.as_str()],
            issue_date,
        )
        .map_err(|source| RenderError::Data {
            report: report.clone(),
            source,
        })?;
        let period = &list.period;
        let ident = format!("school-mirror/advisor/{}/{}", period.year, period.to);
        self.compile(&report, ADVISOR, [("/data.json", data)], issue_date, ident)
    }

    /// The inspiration guide, rendered in `language`; the same input
    /// gives the same bytes.
    pub fn render_guide(
        &self,
        guide: &InspirationGuide,
        language: &ReportLanguage,
        issue_date: NaiveDate,
    ) -> Result<RenderedReport, RenderError> {
        let report = Report::InspirationGuide;
        self.has_language(language, "practices.guide_language")?;
        let data = serde_json::to_value(guide)
            .and_then(|mut guide| {
                self.other_language[language.as_str()].pick(&mut guide, language);
                serde_json::to_vec(&serde_json::json!({
                    "guide": guide,
                    "language": language,
                    "issue_date": issue_date,
                }))
            })
            .map_err(|source| RenderError::Data {
                report: report.clone(),
                source,
            })?;
        let ident = format!("school-mirror/inspiration-guide/{}", guide.period.year);
        self.compile(&report, GUIDE, [("/data.json", data)], issue_date, ident)
    }

    /// Compiles the template `main` with a report's own files (at fixed
    /// virtual paths) and exports the PDF. `ident` and the issue date fix the
    /// PDF's identifier and timestamp, so the same input gives the same bytes.
    fn compile(
        &self,
        report: &Report,
        main: &str,
        files: impl IntoIterator<Item = (&'static str, Vec<u8>)>,
        issue_date: NaiveDate,
        ident: String,
    ) -> Result<RenderedReport, RenderError> {
        // No text may hold a character no font covers: PDF/UA-1 refuses
        // the empty box it would print.
        let files: HashMap<FileId, Bytes> = files
            .into_iter()
            .chain([("/city.json", self.city.clone())])
            .map(|(path, bytes)| {
                let bytes = self.shared.coverage.replace_in_file(path, bytes);
                (file_id(path), Bytes::new(bytes))
            })
            .collect();
        let d = issue_date;
        // Month and day always fit a u8; the year is checked by Typst.
        let (year, month, day) = (d.year(), d.month() as u8, d.day() as u8);
        let world = ReportWorld {
            shared: &self.shared,
            main: file_id(main),
            files,
            today: Datetime::from_ymd(year, month, day),
        };
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|diags| RenderError::Typst {
                report: report.clone(),
                diagnostics: self.describe(&world, &diags),
            })?;
        let options = PdfOptions {
            ident: Smart::Custom(ident),
            timestamp: Datetime::from_ymd_hms(year, month, day, 0, 0, 0).map(Timestamp::new_utc),
            // Accessible PDF (PDF/UA-1): export fails on a figure without
            // a text alternative or a document without a title.
            standards: PdfStandards::new(&[PdfStandard::Ua_1])
                .expect("PDF/UA-1 alone is a valid choice of standards"),
            ..PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&document, &options).map_err(|diags| RenderError::Pdf {
            report: report.clone(),
            diagnostics: self.describe(&world, &diags),
        })?;
        // Typst's memo cache is global and grows with every report. Every 8
        // reports it keeps what the last 2 rounds of 8 used: the templates
        // and fonts stay cached, earlier reports' layouts go (memory stays
        // flat however many reports; see BENCHMARKS.md).
        if self.rendered.fetch_add(1, Ordering::Relaxed) % 8 == 7 {
            typst::comemo::evict(2);
        }
        Ok(RenderedReport {
            pdf,
            text: text::document_text(&document),
        })
    }

    /// Diagnostics as `file:line:column: message` lines, for the person
    /// editing the templates.
    fn describe(&self, world: &ReportWorld<'_>, diags: &[SourceDiagnostic]) -> String {
        let mut lines = BTreeSet::new();
        for d in diags {
            let place = d.span.id().map(|id| {
                let vpath = id.get().vpath().get_without_slash().to_owned();
                let file = if self.shared.has_file(&format!("/{vpath}")) {
                    self.templates_dir.join(&vpath).display().to_string()
                } else {
                    format!("{vpath} (generated by the renderer)")
                };
                let position = typst::World::source(world, id).ok().and_then(|source| {
                    let start = world.range(d.span)?.start;
                    source.lines().byte_to_line_column(start)
                });
                match position {
                    Some((line, column)) => format!("{file}:{}:{}", line + 1, column + 1),
                    None => file,
                }
            });
            let mut text = format!(
                "  {}: {}",
                place.unwrap_or_else(|| self.templates_dir.display().to_string()),
                d.message
            );
            for hint in &d.hints {
                text.push_str(&format!(" (hint: {})", hint.v));
            }
            lines.insert(text);
        }
        lines.into_iter().collect::<Vec<_>>().join("\n")
    }
}

#[cfg(test)]
mod redaction_tests;
#[cfg(test)]
mod report_tests;
#[cfg(test)]
mod survey_tests;

#[cfg(test)]
mod tests {
    use mirror_benchmark::advisor::{Choice, Evidence, Label, SchoolNamed, Test};
    use mirror_benchmark::funnel::{Limits, Position};
    use mirror_benchmark::significance::ChangeTest;
    use mirror_benchmark::{Against, Judgement};
    use mirror_benchmark::{
        Band, BandFigures, Comparison, DisadvantageBand, Figure, GuidanceFollowUp, Patterns,
        PeerFigure, PeerGroupDescription, PeerSpread, Period, YearFigures, YearSource,
    };
    use mirror_model::{EducationForm, Level, ReportLanguage, SchoolId, SchoolYear};

    use super::*;

    pub(crate) fn templates() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../report-templates")
    }

    /// A text of the city's written in `language` only.
    pub(crate) fn written_in<T>(language: &str, text: T) -> mirror_model::Texts<T> {
        mirror_model::Texts::new(ReportLanguage::new(language).unwrap(), text)
    }

    /// The shipped strings' `[texts]` of `language`.
    pub(crate) fn other_language(language: &str) -> OtherLanguage {
        let text =
            std::fs::read_to_string(templates().join(format!("lang/{language}.toml"))).unwrap();
        toml::from_str::<Strings>(&text).unwrap().texts
    }

    fn spread(median: f64) -> Option<PeerSpread> {
        Some(PeerSpread {
            lower_quartile: median * 0.7,
            median,
            upper_quartile: median * 1.4,
            schools: 12,
            figure: PeerFigure::Median,
        })
    }

    fn compare(school: f64, median: f64) -> Comparison {
        Comparison {
            school: Figure::Value(school),
            peers: spread(median),
            city: Some(median * 1.1),
            judged: None,
        }
    }

    pub(crate) fn mirror(language: &str) -> SchoolMirror {
        let thresholds = vec![5, 10, 15, 30];
        let year = |y, rate: f64| YearFigures {
            year: SchoolYear::starting(y),
            pupils: Some(412),
            problematic_rate: compare(rate, 0.021),
            pupils_from_threshold: vec![
                compare(0.18, 0.15),
                compare(0.09, 0.07),
                compare(0.05, 0.04),
                Comparison {
                    school: Figure::Suppressed,
                    peers: spread(0.012),
                    city: Some(0.013),
                    judged: None,
                },
            ],
            source: YearSource::Registrations,
            change: None,
            outcomes: Vec::new(),
            with_file: compare(0.81, 0.77),
        };
        let bands = [
            (0, Some(0), 0.62),
            (1, Some(4), 0.20),
            (5, Some(9), 0.09),
            (10, Some(14), 0.04),
            (15, Some(29), 0.035),
        ]
        .into_iter()
        .map(|(from, to, share)| BandFigures {
            band: Band { from, to },
            share: compare(share, share * 0.8),
        })
        .chain(std::iter::once(BandFigures {
            band: Band { from: 30, to: None },
            share: Comparison {
                school: Figure::Suppressed,
                peers: spread(0.01),
                city: Some(0.011),
                judged: None,
            },
        }))
        .collect();
        SchoolMirror {
            school: SchoolId::new("104512").unwrap(),
            name: "Technisch Instituut Voorbeeld".to_owned(),
            level: Level::Secondary,
            language: ReportLanguage::new(language).unwrap(),
            year: SchoolYear::starting(2025),
            period: Period::whole(SchoolYear::starting(2025)),
            thresholds,
            peer_group: Some(PeerGroupDescription {
                level: Level::Secondary,
                schools: 8,
                common_forms: vec![EducationForm::Technical, EducationForm::Vocational],
                disadvantage_band: DisadvantageBand::Higher,
                method: mirror_model::config::PeerMethod::Rules,
                pinned: false,
                widening: None,
                set_id: "9c1e0d2b7a4f5e61".to_owned(),
            }),
            history: vec![year(2023, 0.031), year(2024, 0.0345), year(2025, 0.0272)],
            funnel: None,
            same_dates_last_year: None,
            trend: None,
            since_last_mirror: None,
            goals: Vec::new(),
            support: Vec::new(),
            bands,
            categories: Vec::new(),
            patterns: Patterns::default(),
            guidance: GuidanceFollowUp {
                reached: Some(74),
                with_file: compare(0.81, 0.77),
                median_school_days: Some(6.0),
                rate_before_file: Figure::Value(0.09),
                rate_after_file: Figure::Value(0.05),
                reached_by_month_end: vec![Some(0); 10],
            },
            survey: mirror_benchmark::survey::SurveyMirror {
                instruments: Vec::new(),
                checklist: Vec::new(),
                scale_names: Default::default(),
            },
            practices: Vec::new(),
            releases: Vec::new(),
            suppressed: Default::default(),
        }
    }

    /// A school on its own: no peer group, one year, its rate suppressed.
    fn lonely_mirror() -> SchoolMirror {
        let mut m = mirror("nl");
        m.peer_group = None;
        m.history.drain(..2);
        let now = &mut m.history[0];
        now.problematic_rate = Comparison {
            school: Figure::Suppressed,
            peers: None,
            city: None,
            judged: None,
        };
        for c in &mut now.pupils_from_threshold {
            c.peers = None;
        }
        for b in &mut m.bands {
            b.share.peers = None;
        }
        m
    }

    /// A copy of the templates folder, changed by `edit`, in a fresh folder.
    pub(crate) fn templates_copy(name: &str, edit: impl Fn(&Path)) -> PathBuf {
        let to = std::env::temp_dir().join(format!("mirror-render-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&to);
        let from = templates();
        for dir in ["", "lang"] {
            std::fs::create_dir_all(to.join(dir)).unwrap();
            for entry in std::fs::read_dir(from.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    std::fs::copy(&path, to.join(dir).join(path.file_name().unwrap())).unwrap();
                }
            }
        }
        edit(&to);
        to
    }

    pub(crate) fn meta() -> ReportMeta {
        ReportMeta {
            issue_date: NaiveDate::from_ymd_opt(2026, 9, 15).unwrap(),
            min_pupils: 5,
            min_peers: 5,
            data_sha256: "3f2a9b7c1d0e5f4a6b8c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a"
                .to_owned(),
        }
    }

    /// Keeps a test's PDF in `$MIRROR_KEEP_TEST_PDFS`, to look at it.
    pub(crate) fn keep(name: &str, pdf: &[u8]) {
        if let Some(dir) = std::env::var_os("MIRROR_KEEP_TEST_PDFS") {
            std::fs::write(Path::new(&dir).join(name), pdf).unwrap();
        }
    }

    pub(crate) fn text_of(pdf: &[u8]) -> String {
        pdf_extract::extract_text_from_mem(pdf)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn renders_the_same_pdf_twice_with_the_figures_in_each_language() {
        let renderer = Renderer::new(&templates()).unwrap();
        let pdf = renderer.render(&mirror("nl"), &meta()).unwrap().pdf;
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(pdf, renderer.render(&mirror("nl"), &meta()).unwrap().pdf);
        keep("nl.pdf", &pdf);
        let nl = text_of(&pdf);
        assert!(nl.contains("Technisch Instituut Voorbeeld"), "{nl}");
        // 0.0272 in Dutch notation; the peer median 0.021.
        assert!(nl.contains("2,7 %"), "{nl}");
        assert!(nl.contains("2,1 %"), "{nl}");
        assert!(nl.contains("15 september 2026"), "{nl}");
        assert!(
            nl.contains("niet getoond: het cijfer gaat over minder dan 5 leerlingen"),
            "{nl}"
        );
        let en = renderer.render(&mirror("en"), &meta()).unwrap().pdf;
        keep("en.pdf", &en);
        let en = text_of(&en);
        assert!(en.contains("2.7%"), "{en}");
        assert!(
            en.contains("not shown: the figure is about fewer than 5 pupils"),
            "{en}"
        );
    }

    /// A city's text is printed in the report's language where it has one;
    /// a Dutch-only text in an English report is printed in Dutch with the
    /// English strings' note, and a note (an object) gets it as `only_in`.
    #[test]
    fn a_citys_text_is_picked_in_the_reports_language_or_named() {
        let mut offer = written_in("nl", "Spijbelcoach".to_owned());
        offer.add(
            ReportLanguage::new("en").unwrap(),
            "Truancy coach".to_owned(),
        );
        let mut json = serde_json::json!({
            "offer": offer,
            "how_to_ask": written_in("nl", "Bel de spijbellijn".to_owned()),
            "practice": written_in("nl", serde_json::json!({"title": "Welkom terug"})),
        });
        other_language("en").pick(&mut json, &ReportLanguage::new("en").unwrap());
        assert_eq!(
            json,
            serde_json::json!({
                "offer": "Truancy coach",
                "how_to_ask": "Bel de spijbellijn (only available in Dutch)",
                "practice": {"title": "Welkom terug", "only_in": "(only available in Dutch)"},
            })
        );
    }

    #[test]
    fn a_language_without_strings_names_the_file_to_add() {
        let renderer = Renderer::new(&templates()).unwrap();
        let e = renderer.render(&mirror("fr"), &meta()).unwrap_err();
        let e = e.to_string();
        assert!(e.contains("lang/fr.toml"), "{e}");
        assert!(e.contains("copy lang/en.toml"), "{e}");
    }

    #[test]
    fn charts_name_an_embedded_font_and_print_labels_without_quotes() {
        let renderer = Renderer::new(&templates()).unwrap();
        let labels = &renderer.labels["nl"];
        let svg = charts::trend(&mirror("nl"), labels).unwrap();
        assert!(svg.contains("Libertinus Serif"));
        assert!(svg.contains("2025-2026"), "years label the axis");
        assert!(!svg.contains("\"2025-2026\""));
        let svg = charts::bands(&mirror("nl"), labels).unwrap();
        assert!(svg.contains("15\u{2013}29"));
        // The suppressed 30+ band is said, not drawn as 0.
        assert!(svg.contains("niet getoond"));
    }

    #[test]
    fn low_rates_get_axis_labels_fine_enough_to_differ() {
        let (top, decimals) = charts::percent_axis([0.0012, 0.002].into_iter());
        assert!(
            (top - 0.0025).abs() < 1e-12 && decimals == 2,
            "{top} {decimals}"
        );
        let (top, decimals) = charts::percent_axis([0.0345].into_iter());
        assert!(
            (top - 0.04).abs() < 1e-12 && decimals == 0,
            "{top} {decimals}"
        );
        let mut m = mirror("nl");
        for (y, rate) in m.history.iter_mut().zip([0.0012, 0.0013, 0.0007]) {
            y.problematic_rate = compare(rate, 0.0011);
        }
        let renderer = Renderer::new(&templates()).unwrap();
        let svg = charts::trend(&m, &renderer.labels["nl"]).unwrap();
        for label in ["0,05\u{a0}%", "0,10\u{a0}%", "0,15\u{a0}%"] {
            assert!(svg.contains(label), "no axis label {label}: {svg}");
        }
    }

    /// The change is taken between the printed percentages: 2.7% to 3.1%
    /// is 0.4 points even where the unrounded figures differ by 0.302 points.
    #[test]
    fn a_change_is_the_difference_of_the_printed_percentages() {
        assert_eq!(change_points(0.02749, 0.03051, 1), ("0.4".to_owned(), 1));
        assert_eq!(change_points(0.031, 0.0272, 1), ("0.4".to_owned(), -1));
        assert_eq!(change_points(0.21, 0.18, 1), ("3.0".to_owned(), -1));
        assert_eq!(change_points(0.0504, 0.0496, 1), ("0.0".to_owned(), 0));
    }

    #[test]
    fn the_renderer_can_be_shared_by_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Renderer>();
    }

    #[test]
    fn suppressed_figures_reach_the_template_as_suppressed_not_zero() {
        let json: serde_json::Value = serde_json::from_slice(
            &report_json(&mirror("nl"), &meta(), &other_language("nl")).unwrap(),
        )
        .unwrap();
        let top_band = &json["mirror"]["bands"][5]["share"];
        assert_eq!(top_band["school"]["status"], "suppressed");
        assert!(top_band["school"].get("value").is_none());
        // Every printed figure carries its digits, rounded as in the charts.
        let rate = &json["mirror"]["history"][2]["problematic_rate"];
        assert_eq!(rate["school"]["value_pct"], "2.7");
        assert_eq!(rate["peers"]["median_pct"], "2.1");
        assert_eq!(rate["peers"]["upper_quartile_pct"], "2.9");
    }

    #[test]
    fn a_school_without_peers_is_told_so_and_its_suppressed_rate_is_not_zero() {
        let renderer = Renderer::new(&templates()).unwrap();
        let m = lonely_mirror();
        let pdf = renderer.render(&m, &meta()).unwrap().pdf;
        keep("lonely.pdf", &pdf);
        let text = text_of(&pdf);
        assert!(
            text.contains("te weinig gelijkaardige scholen (minder dan 5)"),
            "{text}"
        );
        assert!(text.contains("te weinig vergelijkbare scholen"), "{text}");
        assert!(
            text.contains("Problematische afwezigheid (% van de halve dagen) niet getoond*"),
            "{text}"
        );
        let labels = &renderer.labels["nl"];
        let svg = charts::trend(&m, labels).unwrap();
        assert!(svg.contains("niet getoond"));
        // No peers, so no legend entry for them, of either kind.
        assert!(!svg.contains("Mediaan vergelijkbare scholen"));
        assert!(!svg.contains("Vergelijkbare scholen en uw school samen"));
    }

    #[test]
    fn a_template_error_names_the_school_file_line_and_message() {
        let dir = templates_copy("broken", |to| {
            let main = to.join("mirror.typ");
            let mut text = std::fs::read_to_string(&main).unwrap();
            let line = text.lines().count() + 1;
            text.push_str("#no-such-function()\n");
            std::fs::write(&main, text).unwrap();
            std::fs::write(to.join("line"), line.to_string()).unwrap();
        });
        let line = std::fs::read_to_string(dir.join("line")).unwrap();
        let renderer = Renderer::new(&dir).unwrap();
        let e = renderer
            .render(&mirror("nl"), &meta())
            .unwrap_err()
            .to_string();
        assert!(e.contains("school 104512"), "{e}");
        assert!(
            e.contains(&format!("mirror.typ:{line}:2: unknown variable")),
            "{e}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_translation_that_lacks_a_string_fails_when_loading_and_names_it() {
        let dir = templates_copy("untranslated", |to| {
            let nl = to.join("lang/nl.toml");
            let text = std::fs::read_to_string(&nl).unwrap();
            let text: String = text
                .lines()
                .filter(|l| !l.starts_with("trend_alt"))
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(&nl, text).unwrap();
        });
        let e = Renderer::new(&dir).unwrap_err().to_string();
        assert!(e.contains("nl.toml"), "{e}");
        assert!(e.contains("`report.trend_alt` is missing"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn named(id: &str, name: &str, level: Level) -> SchoolNamed {
        SchoolNamed {
            school: SchoolId::new(id).unwrap(),
            name: name.to_owned(),
            level,
        }
    }

    fn judgement(position: Position, target: f64, z: f64) -> Judgement {
        Judgement {
            position,
            against: Against::Peers,
            target,
            limits: Limits {
                lower95: target * 0.8,
                upper95: target * 1.2,
                lower998: target * 0.7,
                upper998: target * 1.3,
            },
            z,
            overdispersed: false,
        }
    }

    /// Two schools that did well (one below its peers' limit, one with a
    /// significant fall, judged against the city), one rising, one too small.
    fn advisor_list() -> AdvisorList {
        let year = SchoolYear::starting(2025);
        AdvisorList {
            period: Period::whole(year),
            did_well: vec![
                Choice {
                    rank: 1,
                    label: Label::Clear,
                    school: named("104512", "Technisch Instituut Voorbeeld", Level::Secondary),
                    rate: 0.021,
                    previous_rate: Some(0.029),
                    change: Some(ChangeTest::new(-0.008, -3.4, 0.0007)),
                    against_peers: Some(judgement(Position::Low998, 0.034, -3.9)),
                    evidence: vec![
                        evidence(
                            Test::AgainstPeers {
                                position: Position::Low998,
                                against: Against::Peers,
                            },
                            None,
                            -3.9,
                            0.000_1,
                        ),
                        evidence(change_since(year), Some(-0.008), -3.4, 0.000_7),
                    ],
                    strength: 3.9,
                    p_value: 0.0002,
                    support: Vec::new(),
                },
                Choice {
                    rank: 2,
                    label: Label::Likely,
                    school: named("021345", "Basisschool De Linde", Level::Primary),
                    rate: 0.0125,
                    previous_rate: Some(0.0182),
                    change: Some(ChangeTest::new(-0.0057, -2.1, 0.036)),
                    against_peers: Some(Judgement {
                        against: Against::City,
                        ..judgement(Position::Within, 0.014, -0.9)
                    }),
                    evidence: vec![evidence(change_since(year), Some(-0.0057), -2.1, 0.036)],
                    strength: 2.1,
                    p_value: 0.072,
                    support: Vec::new(),
                },
            ],
            rising: vec![Choice {
                rank: 1,
                label: Label::Weak,
                school: named("109876", "Atheneum Zuid", Level::Secondary),
                rate: 0.0512,
                previous_rate: Some(0.0387),
                change: Some(ChangeTest::new(0.0125, 2.8, 0.0049)),
                against_peers: Some(judgement(Position::High95, 0.036, 2.2)),
                evidence: vec![evidence(change_since(year), Some(0.0125), 2.8, 0.004_9)],
                strength: 2.8,
                p_value: 0.0098,
                support: vec![mirror_benchmark::support::SupportSuggestion {
                    offer: mirror_model::SupportOffer {
                        organisation: "City education service".to_owned(),
                        offer: written_in("en", "Truancy coach".to_owned()),
                        themes: vec!["truancy".to_owned()],
                        levels: vec![Level::Secondary],
                        how_to_ask: written_in("en", "Ask the truancy advisor".to_owned()),
                        contact: None,
                    },
                    findings: vec![mirror_benchmark::support::Finding {
                        trigger: mirror_model::Trigger::Rising,
                        group: None,
                        value: Some(0.0512),
                        compared_with: None,
                        peer_figure: None,
                        themes: vec!["truancy".to_owned()],
                    }],
                }],
            }],
            too_small_to_judge: vec![named("030303", "Kleuterschool Het Nest", Level::Primary)],
            did_well_tested: 31,
            rising_tested: 28,
            did_well_p_threshold: 0.0123,
            rising_p_threshold: 0.0,
        }
    }

    fn evidence(test: Test, difference: Option<f64>, z: f64, p_value: f64) -> Evidence {
        Evidence {
            test,
            difference,
            z,
            p_value,
            alone: true,
        }
    }

    /// The change against the school year before `year`.
    fn change_since(year: SchoolYear) -> Test {
        Test::Change {
            since: year.previous(),
        }
    }

    fn english() -> ReportLanguage {
        ReportLanguage::new("en").unwrap()
    }

    fn dutch() -> ReportLanguage {
        ReportLanguage::new("nl").unwrap()
    }

    fn issue_date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 15).unwrap()
    }

    #[test]
    fn the_advisor_list_names_its_schools_and_is_marked_for_city_staff_only() {
        let renderer = Renderer::new(&templates()).unwrap();
        let pdf = renderer
            .render_advisor(&advisor_list(), &english(), issue_date())
            .unwrap()
            .pdf;
        keep("advisor.pdf", &pdf);
        let text = text_of(&pdf);
        for name in [
            "Technisch Instituut Voorbeeld",
            "Basisschool De Linde",
            "Atheneum Zuid",
            "Kleuterschool Het Nest",
        ] {
            assert!(text.contains(name), "{name} missing: {text}");
        }
        assert!(text.contains("FOR CITY STAFF ONLY"), "{text}");
        assert!(text.contains("2025-2026"), "{text}");
        // The first school's rate, 0.021, with one decimal.
        assert!(text.contains("2.1%"), "{text}");
        // The offer the rising school's mirror suggests.
        assert!(
            text.contains("Support: Truancy coach (City education service)"),
            "{text}"
        );
        // Each school's label and evidence in words.
        for words in [
            "clear",
            "likely",
            "weak",
            "below similar schools",
            "rose 1.3 points since 2024-2025",
        ] {
            assert!(text.contains(words), "{words} missing: {text}");
        }
        assert!(!text.contains("best") && !text.contains("worst"), "{text}");
        assert!(!text.contains("No school met the rule"), "{text}");
    }

    #[test]
    fn the_advisor_list_renders_the_same_pdf_twice() {
        let renderer = Renderer::new(&templates()).unwrap();
        let pdf = renderer
            .render_advisor(&advisor_list(), &english(), issue_date())
            .unwrap()
            .pdf;
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(
            pdf,
            renderer
                .render_advisor(&advisor_list(), &english(), issue_date())
                .unwrap()
                .pdf
        );
    }

    #[test]
    fn an_empty_advisor_list_says_no_school_met_the_rule() {
        let renderer = Renderer::new(&templates()).unwrap();
        let list = AdvisorList {
            did_well: Vec::new(),
            rising: Vec::new(),
            too_small_to_judge: Vec::new(),
            did_well_tested: 0,
            rising_tested: 0,
            did_well_p_threshold: 0.0,
            ..advisor_list()
        };
        let pdf = renderer
            .render_advisor(&list, &english(), issue_date())
            .unwrap()
            .pdf;
        keep("advisor-empty.pdf", &pdf);
        let text = text_of(&pdf);
        assert_eq!(
            text.matches("No school met the rule this year.").count(),
            2,
            "{text}"
        );
        // No "across all 0 schools tested": a half that tested none says so.
        assert!(
            text.contains("Did well: no school could be tested."),
            "{text}"
        );
        assert!(
            text.contains("Rising: no school could be tested."),
            "{text}"
        );
        assert!(!text.contains(" 0 schools"), "{text}");
    }

    /// The list of a Dutch-speaking city: every word from nl.toml, figures
    /// with a decimal comma. Worked out from `advisor_list`: 0.021 is
    /// 2,1 %; the fall of 0.008 is 0,8 procentpunt, z -3.4 prints −3,4
    /// and p 0.0007 "< 0,001"; the Benjamini-Hochberg threshold 0.0123.
    #[test]
    fn a_dutch_citys_advisor_list_is_in_dutch() {
        let renderer = Renderer::new(&templates())
            .unwrap()
            .with_city_name(Some("Antwerpen"));
        let pdf = renderer
            .render_advisor(&advisor_list(), &dutch(), issue_date())
            .unwrap()
            .pdf;
        keep("advisor-nl.pdf", &pdf);
        let text = text_of(&pdf);
        for words in [
            "INTERN · Antwerpen",
            "ENKEL VOOR MEDEWERKERS VAN DE STAD",
            "2,1 %",
            "lager dan vergelijkbare scholen (z \u{2212}3,9, onder de grens van 99,8 %)",
            "daalde 0,8 procentpunt sinds 2024-2025 (z \u{2212}3,4, p < 0,001)",
            "steeg 1,3 procentpunt sinds 2024-2025 (z 2,8, p = 0,004)",
            "duidelijk tot p = 0,0123",
            "Stijgend: 28 scholen getoetst, geen enkele duidelijk.",
            "secundaire school",
            "duidelijk",
            "waarschijnlijk",
            "zwak",
        ] {
            assert!(text.contains(words), "{words} missing: {text}");
        }
        for english in [
            "points",
            "since the",
            "below similar",
            "Rank",
            "Rate",
            "tested",
            "clear",
            "likely",
            "weak",
            "Support",
            "issued",
            "secondary",
            "primary",
        ] {
            assert!(!text.contains(english), "English `{english}` in: {text}");
        }
    }

    /// A band chart with nothing to show gives way to one sentence, chart
    /// and table left out. The test mirror has 62% of pupils without
    /// problematic absence; with the 1-4 band withheld and the others 0,
    /// only that share can be said; with every band from 1 on 0, nobody was
    /// absent without reason.
    #[test]
    fn bands_with_nothing_to_show_say_so_in_one_sentence() {
        let renderer = Renderer::new(&templates()).unwrap();
        let mut m = mirror("nl");
        for (k, b) in m.bands.iter_mut().enumerate().skip(1) {
            b.share.school = if k == 1 {
                Figure::Suppressed
            } else {
                Figure::Value(0.0)
            };
        }
        let text = text_of(&renderer.render(&m, &meta()).unwrap().pdf);
        assert!(
            text.contains("62,0 % van uw leerlingen was geen enkele halve dag problematisch afwezig; hoe de anderen"),
            "{text}"
        );
        assert!(!text.contains("streep = hun middelste helft"), "{text}");
        for b in m.bands.iter_mut().skip(1) {
            b.share.school = Figure::Value(0.0);
        }
        let text = text_of(&renderer.render(&m, &meta()).unwrap().pdf);
        assert!(
            text.contains("Geen enkele leerling was in deze periode problematisch afwezig."),
            "{text}"
        );
        // The test mirror itself has bands to show: chart and table.
        let text = text_of(&renderer.render(&mirror("nl"), &meta()).unwrap().pdf);
        assert!(text.contains("streep = hun middelste helft"), "{text}");
    }

    #[test]
    fn a_broken_advisor_template_names_the_list_file_and_line() {
        let dir = templates_copy("broken-advisor", |to| {
            let path = to.join("advisor.typ");
            let mut text = std::fs::read_to_string(&path).unwrap();
            let line = text.lines().count() + 1;
            text.push_str("#no-such-function()\n");
            std::fs::write(&path, text).unwrap();
            std::fs::write(to.join("line"), line.to_string()).unwrap();
        });
        let line = std::fs::read_to_string(dir.join("line")).unwrap();
        let renderer = Renderer::new(&dir).unwrap();
        let e = renderer
            .render_advisor(&advisor_list(), &english(), issue_date())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("the advisor list:"), "{e}");
        assert!(
            e.contains(&format!("advisor.typ:{line}:2: unknown variable")),
            "{e}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_advisor_template_fails_when_loading_and_names_it() {
        let dir = templates_copy("no-advisor", |to| {
            std::fs::remove_file(to.join("advisor.typ")).unwrap();
        });
        let e = Renderer::new(&dir).unwrap_err().to_string();
        assert!(
            e.contains(&dir.join("advisor.typ").display().to_string()),
            "{e}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// `cargo test --release -p mirror-render -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement, not a check"]
    fn render_time_per_report() {
        let renderer = Renderer::new(&templates()).unwrap();
        let mut m = mirror("nl");
        renderer.render(&m, &meta()).unwrap();
        let t = std::time::Instant::now();
        for i in 0..200 {
            // Other figures each time, so Typst's memo cache cannot replay a report.
            m.history[2].problematic_rate.school = Figure::Value(0.01 + f64::from(i) * 1e-4);
            m.name = format!("School {i}");
            renderer.render(&m, &meta()).unwrap();
        }
        eprintln!("render: {:?} per report", t.elapsed() / 200);
        let t = std::time::Instant::now();
        for _ in 0..200 {
            charts::trend(&m, &renderer.labels["nl"]).unwrap();
            charts::bands(&m, &renderer.labels["nl"]).unwrap();
        }
        eprintln!("charts: {:?} per report", t.elapsed() / 200);
    }
}
