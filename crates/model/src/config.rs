//! The run configuration (`config/mirror.toml`): read as raw serde structs that
//! refuse unknown keys, then validated into [`Config`] with resolved paths.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{EducationForm, ReportLanguage, RespondentGroup, SchoolId};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the configuration: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    data_dir: String,
    out_dir: String,
    templates_dir: String,
    calendar: String,
    absence_codes: String,
    #[serde(default = "default_code_list")]
    absence_code_list: String,
    #[serde(default = "default_questionnaires")]
    questionnaires: String,
    #[serde(default = "default_checklist")]
    checklist: String,
    #[serde(default = "default_themes")]
    themes: String,
    #[serde(default = "default_places")]
    places: String,
    support_rules: Option<String>,
    export_layouts: Option<String>,
    pseudonyms: RawPseudonyms,
    #[serde(default)]
    thresholds: Thresholds,
    #[serde(default)]
    peers: PeerSettings,
    #[serde(default)]
    privacy: RawPrivacy,
    #[serde(default)]
    report: RawReport,
    #[serde(default)]
    ingest: IngestSettings,
    #[serde(default)]
    cohort: RawCohort,
    #[serde(default)]
    practices: PracticeSettings,
}

/// How good practices are shared: in each mirror's appendix, and all of
/// them in the inspiration guide.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PracticeSettings {
    /// At most this many practices of other schools in a mirror's appendix.
    pub per_report: usize,
    /// The language of the inspiration guide.
    pub guide_language: ReportLanguage,
}

impl Default for PracticeSettings {
    fn default() -> Self {
        Self {
            per_report: 3,
            guide_language: ReportLanguage::new("nl").expect("nl is a language code"),
        }
    }
}

/// Which pupils a school's truancy figures count.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCohort {
    /// "MM-DD": only pupils enrolled on that day, as the government counts.
    enrolled_on: Option<String>,
}

fn default_code_list() -> String {
    "flemish".to_owned()
}

fn default_questionnaires() -> String {
    "questionnaires".to_owned()
}

fn default_checklist() -> String {
    "checklist.toml".to_owned()
}

fn default_themes() -> String {
    "themes.toml".to_owned()
}

fn default_places() -> String {
    "places.toml".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPseudonyms {
    key_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    issue_date: Option<NaiveDate>,
    /// Printed in every report's header.
    city_name: Option<String>,
    /// The language of the city's own documents (the advisor's list).
    city_language: Option<ReportLanguage>,
}

/// Problematic half days from which a pupil is counted, in increasing order.
/// Flanders: guidance file from 5, truant from 15, heavy truancy from 30;
/// Antwerp also reports from 10.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub problematic_half_days: Vec<u32>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            problematic_half_days: vec![5, 10, 15, 30],
        }
    }
}

/// How peer groups are formed (`[peers]`); docs/methodology.md explains
/// both methods in words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PeerSettings {
    pub method: PeerMethod,
    /// For `nearest`: how many of the most similar schools of the same level
    /// form the group.
    pub size: usize,
    /// For `rules`: a school belongs to the first group holding one of its
    /// forms; schools with none of the listed forms are one group.
    pub form_groups: Vec<Vec<EducationForm>>,
    /// For `rules`: how many equal socio-economic bands the schools of a
    /// level are split into on their disadvantage (3: terciles).
    pub bands: usize,
    /// Schools compared with exactly the listed schools, whatever the method.
    pub pinned: BTreeMap<SchoolId, Vec<SchoolId>>,
}

impl Default for PeerSettings {
    fn default() -> Self {
        use EducationForm::*;
        Self {
            method: PeerMethod::Rules,
            size: 8,
            form_groups: vec![
                vec![SpecialNeeds],
                vec![Vocational, PartTime],
                vec![Technical, Arts],
                vec![General],
                vec![Reception],
            ],
            bands: 3,
            pinned: BTreeMap::new(),
        }
    }
}

/// How a school's peers are chosen among the schools of its level. Reports
/// say which, so it is serialised too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeerMethod {
    /// Same form group and socio-economic band, widened step by step while
    /// fewer than `privacy.min_peer_schools` schools match.
    Rules,
    /// The `size` schools nearest on standardised attributes.
    Nearest,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrivacy {
    #[serde(default = "default_min_pupils")]
    min_pupils: u32,
    #[serde(default = "default_min_respondents")]
    min_respondents: u32,
    #[serde(default)]
    min_respondents_by_group: BTreeMap<String, u32>,
    #[serde(default = "default_min_peer_schools")]
    min_peer_schools: usize,
    history_dir: Option<String>,
    #[serde(default)]
    public_web_hosts: Vec<String>,
    #[serde(default)]
    allowed_phrases: Vec<String>,
}

impl Default for RawPrivacy {
    fn default() -> Self {
        Self {
            min_pupils: default_min_pupils(),
            min_respondents: default_min_respondents(),
            min_respondents_by_group: BTreeMap::new(),
            min_peer_schools: default_min_peer_schools(),
            history_dir: None,
            public_web_hosts: Vec::new(),
            allowed_phrases: Vec::new(),
        }
    }
}

fn default_min_pupils() -> u32 {
    5
}

fn default_min_respondents() -> u32 {
    10
}

fn default_min_peer_schools() -> usize {
    5
}

/// The thresholds below which nothing is shown, and where the record of what
/// was released is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacySettings {
    /// A figure about fewer pupils is suppressed.
    pub min_pupils: u32,
    /// A questionnaire result from fewer respondents in a group is suppressed.
    pub min_respondents: BTreeMap<RespondentGroup, u32>,
    /// Peer figures appear only with at least this many peers (the school
    /// itself not counted).
    pub min_peer_schools: usize,
    /// What each school was shown before, so that a later report cannot be
    /// subtracted from an earlier one to reveal a suppressed count.
    pub history_dir: PathBuf,
    /// Web addresses on these hosts (and their subdomains) stay in free text
    /// unless they carry a name; every other web address is redacted.
    pub public_web_hosts: Vec<String>,
    /// Whole phrases of the city's own texts that hold a school's name or
    /// alias but name no school ("Buurtwerk De Brug"): redaction and the
    /// leak guard read each as one phrase, never as the name inside it.
    pub allowed_phrases: Vec<String>,
}

impl PrivacySettings {
    pub fn min_respondents(&self, group: RespondentGroup) -> u32 {
        self.min_respondents[&group]
    }
}

/// How ingest treats bad input.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSettings {
    /// Stop the whole run at the first bad row instead of holding back only
    /// the schools whose data has errors.
    pub stop_on_error: bool,
    /// Government yearly figures and the registrations may differ by this
    /// share of the enrolled pupils before a warning (0.01 = 1 point).
    pub cross_check_tolerance: f64,
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self {
            stop_on_error: false,
            cross_check_tolerance: 0.01,
        }
    }
}

/// The validated configuration; every path is absolute or relative to the
/// working directory, resolved against the configuration file's folder.
#[derive(Debug, Clone)]
pub struct Config {
    pub source: PathBuf,
    pub data_dir: PathBuf,
    pub out_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub calendar: PathBuf,
    pub absence_codes: PathBuf,
    pub absence_code_list: String,
    /// Folder of questionnaire instruments (`*.toml`).
    pub questionnaires: PathBuf,
    /// The checklist items schools answer.
    pub checklist: PathBuf,
    /// The themes practices, support offers and questionnaire scales refer to.
    pub themes: PathBuf,
    /// The city's streets and municipalities, redacted from free text.
    pub places: PathBuf,
    /// Which findings bring which themes' support offers to a report; `None`:
    /// reports suggest no support.
    pub support_rules: Option<PathBuf>,
    /// How school administration packages export the registry, enrolments,
    /// registrations, guidance and totals; `None`: only our own columns.
    pub export_layouts: Option<PathBuf>,
    pub pseudonym_key_file: Option<PathBuf>,
    pub thresholds: Thresholds,
    pub peers: PeerSettings,
    pub privacy: PrivacySettings,
    /// The date printed on the reports of a whole school year; `None` means
    /// the day after it. A year-to-date report (a follow-up) carries the day
    /// it is made, or `--issued-on`, never this batch date.
    pub issue_date: Option<NaiveDate>,
    /// The city's name, printed in every report's header; `None`: the
    /// header names the report only.
    pub city_name: Option<String>,
    /// The language the city works in: its advisor's list is written in it.
    pub city_language: ReportLanguage,
    pub ingest: IngestSettings,
    /// Month and day: count only the pupils enrolled on that day of each
    /// school year; `None` counts every pupil over their enrolment.
    pub cohort_enrolled_on: Option<(u32, u32)>,
    pub practices: PracticeSettings,
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// `path` names the file in errors and anchors its relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        let resolve = |key: &str, value: &str| -> Result<PathBuf, ConfigError> {
            // School data never leaves the machine: only local paths are accepted.
            if value.contains("://") {
                return Err(invalid(format!(
                    "{key} = \"{value}\": only local paths are accepted, not web addresses"
                )));
            }
            Ok(lexically_normal(&base.join(value)))
        };
        let t = &raw.thresholds.problematic_half_days;
        if t.is_empty() || t.windows(2).any(|w| w[0] >= w[1]) || t[0] == 0 {
            return Err(invalid(format!(
                "thresholds.problematic_half_days = {t:?}: give increasing numbers above 0, such as [5, 10, 15, 30]"
            )));
        }
        let p = &raw.privacy;
        let peers = &raw.peers;
        if p.min_peer_schools == 0
            || (peers.method == PeerMethod::Nearest && peers.size < p.min_peer_schools)
        {
            return Err(invalid(format!(
                "peers.size ({}) must be at least privacy.min_peer_schools ({}), which must be at least 1",
                peers.size, p.min_peer_schools
            )));
        }
        if peers.bands == 0 {
            return Err(invalid(
                "peers.bands = 0: give at least 1 socio-economic band (3 makes terciles)"
                    .to_owned(),
            ));
        }
        if peers.form_groups.iter().any(Vec::is_empty) {
            return Err(invalid(
                "peers.form_groups: a group is empty; give each group at least one form".to_owned(),
            ));
        }
        let listed = peers.form_groups.concat();
        // A form listed twice would count only in its first group.
        if let Some(twice) = (1..listed.len()).find(|&i| listed[..i].contains(&listed[i])) {
            return Err(invalid(format!(
                "peers.form_groups: `{}` is in more than one group; give each form once",
                listed[twice].code()
            )));
        }
        if p.min_pupils == 0 {
            return Err(invalid(
                "privacy.min_pupils must be at least 1 (the default is 5)".to_owned(),
            ));
        }
        let mut min_respondents: BTreeMap<RespondentGroup, u32> = RespondentGroup::ALL
            .iter()
            .map(|g| (*g, p.min_respondents))
            .collect();
        for (group, n) in &p.min_respondents_by_group {
            let group: RespondentGroup = group.parse().map_err(|e: crate::ParseValueError| {
                invalid(format!("privacy.min_respondents_by_group: {e}"))
            })?;
            min_respondents.insert(group, *n);
        }
        if min_respondents.values().any(|n| *n == 0) {
            return Err(invalid(
                "privacy.min_respondents must be at least 1 for every group (the default is 10)"
                    .to_owned(),
            ));
        }
        let out_dir = resolve("out_dir", &raw.out_dir)?;
        let history_dir = match &p.history_dir {
            Some(h) => resolve("privacy.history_dir", h)?,
            None => out_dir.join("history"),
        };
        let tolerance = raw.ingest.cross_check_tolerance;
        if !(0.0..1.0).contains(&tolerance) {
            return Err(invalid(format!(
                "ingest.cross_check_tolerance = {tolerance}: give a share between 0 and 1, such as 0.01"
            )));
        }
        let cohort_enrolled_on = match raw.cohort.enrolled_on.as_deref() {
            None => None,
            Some(day) => Some(month_and_day(day).ok_or_else(|| {
                invalid(format!(
                    "cohort.enrolled_on = \"{day}\": give a month and day that every year has, such as \"02-01\" (1 February, the government's counting day)"
                ))
            })?),
        };
        Ok(Self {
            source: path.to_owned(),
            data_dir: resolve("data_dir", &raw.data_dir)?,
            out_dir,
            templates_dir: resolve("templates_dir", &raw.templates_dir)?,
            calendar: resolve("calendar", &raw.calendar)?,
            absence_codes: resolve("absence_codes", &raw.absence_codes)?,
            absence_code_list: raw.absence_code_list,
            questionnaires: resolve("questionnaires", &raw.questionnaires)?,
            checklist: resolve("checklist", &raw.checklist)?,
            themes: resolve("themes", &raw.themes)?,
            places: resolve("places", &raw.places)?,
            support_rules: raw
                .support_rules
                .as_deref()
                .map(|r| resolve("support_rules", r))
                .transpose()?,
            export_layouts: raw
                .export_layouts
                .as_deref()
                .map(|l| resolve("export_layouts", l))
                .transpose()?,
            pseudonym_key_file: raw
                .pseudonyms
                .key_file
                .as_deref()
                .map(|k| resolve("pseudonyms.key_file", k))
                .transpose()?,
            thresholds: raw.thresholds,
            peers: raw.peers,
            privacy: PrivacySettings {
                min_pupils: raw.privacy.min_pupils,
                min_respondents,
                min_peer_schools: raw.privacy.min_peer_schools,
                history_dir,
                public_web_hosts: raw.privacy.public_web_hosts.clone(),
                allowed_phrases: raw.privacy.allowed_phrases.clone(),
            },
            issue_date: raw.report.issue_date,
            city_name: match raw.report.city_name.as_deref().map(str::trim) {
                Some("") => {
                    return Err(invalid(
                        "report.city_name is empty: give the city's name, or leave the key out"
                            .to_owned(),
                    ));
                }
                name => name.map(str::to_owned),
            },
            city_language: raw
                .report
                .city_language
                .clone()
                .unwrap_or_else(|| ReportLanguage::new("nl").expect("nl is a language code")),
            ingest: raw.ingest,
            cohort_enrolled_on,
            practices: raw.practices,
        })
    }
}

/// "MM-DD" as a day that every year has (2023 is not a leap year).
fn month_and_day(text: &str) -> Option<(u32, u32)> {
    let (m, d) = text.split_once('-')?;
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2023, m, d).map(|_| (m, d))
}

/// `config/../out` as `out`, so messages show the paths people expect. By
/// name only: configure real paths rather than `..` after a symbolic link.
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
data_dir = "../data"
out_dir = "../out"
templates_dir = "../report-templates"
calendar = "calendar.toml"
absence_codes = "absence-codes.toml"
[pseudonyms]
key_file = "/secure/key"
"#;

    #[test]
    fn resolves_paths_against_the_config_folder() {
        let c = Config::parse(MINIMAL, Path::new("config/mirror.toml")).unwrap();
        assert_eq!(c.data_dir, Path::new("data"));
        assert_eq!(
            lexically_normal(Path::new("../a/./b/../c")),
            Path::new("../a/c")
        );
        assert_eq!(
            c.pseudonym_key_file.as_deref(),
            Some(Path::new("/secure/key"))
        );
        assert_eq!(c.thresholds.problematic_half_days, [5, 10, 15, 30]);
        assert_eq!(c.privacy.min_peer_schools, 5);
        assert_eq!(c.privacy.history_dir, Path::new("out/history"));
        assert_eq!(c.privacy.min_respondents(RespondentGroup::Staff), 10);
    }

    /// The city's name reaches every header; an empty one is a mistake
    /// the configuration names, and without the key headers name the
    /// report only. The city's language defaults to Dutch.
    #[test]
    fn the_city_name_and_language_come_from_report() {
        let c = Config::parse(MINIMAL, Path::new("m.toml")).unwrap();
        assert_eq!((c.city_name, c.city_language.as_str()), (None, "nl"));
        let c = Config::parse(
            &format!("{MINIMAL}\n[report]\ncity_name = \"Voorbeeldstad\"\ncity_language = \"en\""),
            Path::new("m.toml"),
        )
        .unwrap();
        assert_eq!(c.city_name.as_deref(), Some("Voorbeeldstad"));
        assert_eq!(c.city_language.as_str(), "en");
        let e = Config::parse(
            &format!("{MINIMAL}\n[report]\ncity_name = \" \""),
            Path::new("m.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("report.city_name is empty"), "{e}");
    }

    #[test]
    fn refuses_unknown_keys_and_web_addresses() {
        let e = Config::parse(&format!("{MINIMAL}\ncolour = 1"), Path::new("m.toml")).unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let e = Config::parse(
            &MINIMAL.replace("../data", "https://example.org/data"),
            Path::new("m.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("only local paths"), "{e}");
    }

    #[test]
    fn respondent_minimum_per_group_overrides_the_default() {
        let c = Config::parse(
            &format!("{MINIMAL}\n[privacy]\nmin_respondents = 8\nmin_respondents_by_group = {{ leerkrachten = 5 }}"),
            Path::new("m.toml"),
        )
        .unwrap();
        assert_eq!(c.privacy.min_respondents(RespondentGroup::Pupils), 8);
        assert_eq!(c.privacy.min_respondents(RespondentGroup::Teachers), 5);
        let e = Config::parse(
            &format!("{MINIMAL}\n[privacy]\nmin_respondents_by_group = {{ parents = 5 }}"),
            Path::new("m.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("respondent group"), "{e}");
    }

    #[test]
    fn peer_settings_read_every_key() {
        let c = Config::parse(
            &format!(
                "{MINIMAL}\n[peers]\nmethod = \"nearest\"\nsize = 6\nbands = 4\nform_groups = [[\"aso\"], [\"tso\", \"bso\"]]\n[peers.pinned]\n100001 = [\"100002\", \"100003\"]"
            ),
            Path::new("m.toml"),
        )
        .unwrap();
        let id = |s: &str| SchoolId::new(s).unwrap();
        assert_eq!(
            c.peers,
            PeerSettings {
                method: PeerMethod::Nearest,
                size: 6,
                form_groups: vec![
                    vec![EducationForm::General],
                    vec![EducationForm::Technical, EducationForm::Vocational]
                ],
                bands: 4,
                pinned: [(id("100001"), vec![id("100002"), id("100003")])].into(),
            }
        );
    }

    /// The shipped file documents the defaults: without `[peers]` a city gets
    /// what config/mirror.toml says.
    #[test]
    fn the_shipped_peer_settings_are_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/mirror.toml");
        assert_eq!(Config::load(&path).unwrap().peers, PeerSettings::default());
        let c = Config::parse(MINIMAL, Path::new("m.toml")).unwrap();
        assert_eq!(c.peers.method, PeerMethod::Rules);
    }

    /// toml names the line, so the key, and the accepted values.
    #[test]
    fn refuses_an_unknown_peer_method_naming_the_key() {
        let e = Config::parse(
            &format!("{MINIMAL}\n[peers]\nmethod = \"closest\""),
            Path::new("m.toml"),
        )
        .unwrap_err();
        let e = e.to_string();
        assert!(e.contains("method = \"closest\""), "{e}");
        assert!(e.contains("expected `rules` or `nearest`"), "{e}");
    }

    #[test]
    fn refuses_a_form_in_two_groups_and_zero_bands() {
        let e = Config::parse(
            &format!("{MINIMAL}\n[peers]\nform_groups = [[\"tso\"], [\"bso\", \"tso\"]]"),
            Path::new("m.toml"),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("`tso` is in more than one group"),
            "{e}"
        );
        let e = Config::parse(
            &format!("{MINIMAL}\n[peers]\nbands = 0"),
            Path::new("m.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("peers.bands = 0"), "{e}");
    }

    /// `size` matters only for nearest neighbours, so only then must it reach
    /// the privacy minimum.
    #[test]
    fn peer_size_is_checked_only_for_nearest_neighbours() {
        let small = format!("{MINIMAL}\n[peers]\nsize = 3");
        assert!(Config::parse(&small, Path::new("m.toml")).is_ok());
        let e = Config::parse(
            &format!("{small}\nmethod = \"nearest\""),
            Path::new("m.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("peers.size (3)"), "{e}");
    }

    #[test]
    fn refuses_thresholds_out_of_order() {
        let e = Config::parse(
            &format!("{MINIMAL}\n[thresholds]\nproblematic_half_days = [10, 5]"),
            Path::new("m.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("increasing"), "{e}");
    }

    #[test]
    fn a_cohort_day_is_a_month_and_day() {
        let parse =
            |extra: &str| Config::parse(&format!("{MINIMAL}\n{extra}"), Path::new("m.toml"));
        assert_eq!(parse("").unwrap().cohort_enrolled_on, None);
        let c = parse("[cohort]\nenrolled_on = \"02-01\"\n").unwrap();
        assert_eq!(c.cohort_enrolled_on, Some((2, 1)));
        // The day must exist every year: not 29 February.
        for bad in ["02-29", "02-30", "1 February"] {
            let e = parse(&format!("[cohort]\nenrolled_on = \"{bad}\"\n")).unwrap_err();
            assert!(
                e.to_string().contains(&format!(
                    "cohort.enrolled_on = \"{bad}\": give a month and day that every year has, such as \"02-01\""
                )),
                "{e}"
            );
        }
    }
}
