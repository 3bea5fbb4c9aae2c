//! Anonymise: the privacy boundary.
//!
//! It takes what ingest read and hands out an [`AnonymisedCity`]: pupils are
//! keyed-hash pseudonyms, schools carry only what a report may show of them,
//! free text is [`RedactedText`], and a questionnaire group too small to show
//! carries no answers. `AnonymisedCity` can be built only here, so benchmark
//! and render, which depend on this crate and not on ingest, never see a
//! pupil number, a roster, an address or an alias.
//!
//! Two more guards live here because they need what must not cross the
//! boundary: [`disclosure`] decides which counts may be printed (small cells,
//! what could be worked out from the others, what earlier reports released),
//! and the [`LeakGuard`] reads every finished report for names and numbers.

pub mod disclosure;
mod guard;
mod names;
mod patterns;
mod pseudonym;
mod pupils;
mod redact;
pub mod store;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use mirror_ingest::RawCity;
use mirror_model::config::PrivacySettings;
use mirror_model::{
    Absence, AttendanceTotals, Calendar, ChecklistAnswer, ChecklistItem, EducationForm, Enrolment,
    GoodPractice, GovernmentFigures, Grade, GuidanceFile, Instrument, Level, Measure, Note,
    PlanScope, PracticeText, PupilRef, ReportLanguage, RespondentGroup, Run, SchoolId, SchoolRef,
    SchoolYear, SocioEconomicProfile, SupportOffer, SupportRule, Texts, Themes,
};
use rayon::prelude::*;
use serde::Serialize;

pub use guard::{Collision, Leak, LeakError, LeakGuard};
pub use pseudonym::{Pseudonym, PseudonymKey};
pub use pupils::{PupilNumbers, PupilRecords};
pub use redact::{Places, RedactedText, RedactionCounts, Redactor};

#[derive(Debug, thiserror::Error)]
pub enum AnonymiseError {
    #[error(
        "no pseudonym key: set the environment variable {env} or pseudonyms.key_file in {config}; keep a real key outside the repository"
    )]
    NoKey { env: &'static str, config: String },
    #[error("{source_name}: cannot read the pseudonym key: {source}")]
    KeyUnreadable {
        source_name: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{source_name}: the pseudonym key must be at least 64 hexadecimal characters (32 bytes)"
    )]
    KeyMalformed { source_name: String },
    #[error("{path}: {message} (see config/places.toml for the layout)")]
    Places { path: String, message: String },
    #[error("{path}: the record of released figures cannot be used: {message}")]
    History { path: String, message: String },
}

/// What a redaction or the leak guard found: each rule has a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    School,
    Person,
    Street,
    Address,
    Email,
    Phone,
    NationalNumber,
    PupilNumber,
    WebAddress,
}

impl Rule {
    pub fn placeholder(self) -> &'static str {
        match self {
            Self::School => "[school]",
            Self::Person => "[person]",
            Self::Street => "[street]",
            Self::Address => "[address]",
            Self::Email => "[e-mail]",
            Self::Phone => "[phone]",
            Self::NationalNumber => "[national number]",
            Self::PupilNumber => "[pupil number]",
            Self::WebAddress => "[web address]",
        }
    }

    /// What was found, for messages that must not repeat the value.
    pub fn describe(self) -> &'static str {
        match self {
            Self::School => "the name of another school",
            Self::Person => "a name from a pupil or staff roster",
            Self::Street => "a street of the city",
            Self::Address => "a postal address",
            Self::Email => "an e-mail address",
            Self::Phone => "a phone number",
            Self::NationalNumber => "a national register number",
            Self::PupilNumber => "a pupil number",
            Self::WebAddress => "a web address",
        }
    }
}

/// What a report may show of a school: no address, no aliases, no neighbourhood.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolProfile {
    pub id: SchoolId,
    /// Printed only in the school's own report.
    pub name: String,
    pub level: Level,
    pub forms: Vec<EducationForm>,
    pub profile: SocioEconomicProfile,
    pub language: ReportLanguage,
    /// The local network of schools it belongs to, if any.
    pub network: Option<String>,
    /// Its data had errors: no mirror, and no peer of another school.
    pub held_back: bool,
}

/// One respondent group's answers to one instrument at one school in one
/// school year. A group smaller than `privacy.min_respondents` for it carries
/// its size, first day and invited count, and nothing else.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyGroup {
    /// Index into [`AnonymisedCity::instruments`].
    pub instrument: usize,
    pub school: SchoolRef,
    pub year: SchoolYear,
    pub group: RespondentGroup,
    pub respondents: u32,
    /// The first day a respondent of the group answered: the day whose
    /// enrolment the pupils' response rate is measured against.
    pub wave: NaiveDate,
    /// How many the school invited, from `questionnaires/invited.csv`.
    pub invited: Option<u32>,
    /// One row per respondent, in the instrument's item order; `None` when
    /// the group is too small to show.
    pub answers: Option<Vec<Vec<Option<u8>>>>,
    /// Respondents per grade, counting those whose grade the export gives;
    /// empty when it gives none or the group is too small to show.
    pub respondents_by_grade: BTreeMap<Grade, u32>,
    /// Redacted comments; empty when the group is too small to show.
    pub comments: Vec<RedactedText>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistAnswerShown {
    pub school: SchoolRef,
    pub item: String,
    pub answer: ChecklistAnswer,
    pub remark: Option<RedactedText>,
}

/// A good practice with every field of free text redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedPractice {
    #[serde(skip)]
    pub school: SchoolRef,
    pub themes: Vec<String>,
    pub year: Option<SchoolYear>,
    /// The note in each language it was written in, every one redacted.
    pub texts: Texts<PracticeText<RedactedText, Note<RedactedText>>>,
}

impl SharedPractice {
    /// Every field of text in every language, a line per paragraph or list
    /// item.
    fn text(&self) -> String {
        self.texts
            .versions()
            .flat_map(|(_, t)| {
                [
                    t.title.as_str().to_owned(),
                    t.what_was_done.plain_text(),
                    t.for_whom.plain_text(),
                    t.what_changed.plain_text(),
                ]
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A good practice kept out of every report and of the inspiration guide:
/// after redaction its text still holds what the leak guard refuses (a
/// school's name in lower case, say), so the note must be rewritten.
#[derive(Debug, Clone, PartialEq)]
pub struct WithheldPractice {
    /// The note's file.
    pub source: std::path::PathBuf,
    pub found: Vec<guard::Leak>,
}

/// A goal of a local action plan, its free text redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanGoal {
    pub scope: PlanScope,
    /// In each language the plan gives, every one redacted.
    pub goal: Texts<RedactedText>,
    pub indicator: Measure,
    pub target: f64,
    pub baseline: Option<f64>,
    pub deadline: chrono::NaiveDate,
    pub partner: RedactedText,
    pub evaluation: Option<Texts<RedactedText>>,
}

/// The city with pupils pseudonymised and free text redacted; the only input
/// benchmark accepts.
#[derive(Debug)]
pub struct AnonymisedCity {
    schools: Vec<SchoolProfile>,
    pseudonyms: Vec<Pseudonym>,
    enrolments: Vec<Enrolment>,
    absences: Vec<Absence>,
    guidance: Vec<GuidanceFile>,
    attendance_totals: Vec<AttendanceTotals>,
    government: Vec<GovernmentFigures>,
    instruments: Vec<Instrument>,
    surveys: Vec<SurveyGroup>,
    themes: Themes,
    checklist: Vec<ChecklistItem>,
    checklist_answers: Vec<ChecklistAnswerShown>,
    practices: Vec<SharedPractice>,
    support_offers: Vec<SupportOffer>,
    support_rules: Vec<SupportRule>,
    plans: Vec<PlanGoal>,
    calendar: Calendar,
    /// No personal data: which half days a school gave no lessons.
    days_off: mirror_model::SchoolDaysOff,
    /// The city's key, for identifiers of peer sets.
    key: PseudonymKey,
    /// See [`Self::last_absence_day`].
    last_absence_day: OnceLock<Option<NaiveDate>>,
}

impl AnonymisedCity {
    /// Index `i` is `SchoolRef(i)`.
    pub fn schools(&self) -> &[SchoolProfile] {
        &self.schools
    }

    pub fn school(&self, school: SchoolRef) -> &SchoolProfile {
        &self.schools[school.index()]
    }

    pub fn pseudonym(&self, pupil: PupilRef) -> Pseudonym {
        self.pseudonyms[pupil.0 as usize]
    }

    /// An identifier of a set of schools (a peer group), printed in reports
    /// so that any figure can be traced: keyed with the city's secret, so the
    /// city can match it to its list of peer sets while a reader of the
    /// report cannot test a guess of which schools are in it.
    pub fn school_set_id(&self, schools: &[SchoolRef]) -> String {
        let mut ids: Vec<&str> = schools
            .iter()
            .map(|s| self.schools[s.index()].id.as_str())
            .collect();
        ids.sort_unstable();
        let mut id = self
            .key
            .pseudonym(&format!("school set\n{}", ids.join("\n")))
            .to_string();
        id.truncate(16);
        id
    }

    /// Sorted by school, pupil and start date.
    pub fn enrolments(&self) -> &[Enrolment] {
        &self.enrolments
    }

    /// The enrolments at `school`, sorted by pupil and start date: a slice,
    /// found by binary search, so that work per school does not walk the
    /// whole city's.
    pub fn enrolments_of(&self, school: SchoolRef) -> &[Enrolment] {
        let e = &self.enrolments;
        &e[e.partition_point(|e| e.school < school)..e.partition_point(|e| e.school <= school)]
    }

    /// Sorted by school, pupil and half day.
    pub fn absences(&self) -> &[Absence] {
        &self.absences
    }

    /// The last day an absence was registered on: looked for once, on
    /// every core, as each check of an as-of day asks for it (a walk over
    /// millions of absences on one core was a twentieth of a follow-up).
    pub fn last_absence_day(&self) -> Option<NaiveDate> {
        *self
            .last_absence_day
            .get_or_init(|| self.absences.par_iter().map(|a| a.slot.date).max())
    }

    /// Sorted by school, opening date and pupil.
    pub fn guidance(&self) -> &[GuidanceFile] {
        &self.guidance
    }

    pub fn attendance_totals(&self) -> &[AttendanceTotals] {
        &self.attendance_totals
    }

    pub fn government(&self) -> &[GovernmentFigures] {
        &self.government
    }

    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }

    /// Sorted by instrument, school, year and group.
    pub fn surveys(&self) -> &[SurveyGroup] {
        &self.surveys
    }

    pub fn themes(&self) -> &Themes {
        &self.themes
    }

    pub fn checklist(&self) -> &[ChecklistItem] {
        &self.checklist
    }

    pub fn checklist_answers(&self) -> &[ChecklistAnswerShown] {
        &self.checklist_answers
    }

    pub fn practices(&self) -> &[SharedPractice] {
        &self.practices
    }

    /// The city's own catalogue: public by intent, so not redacted.
    pub fn support_offers(&self) -> &[SupportOffer] {
        &self.support_offers
    }

    /// Which findings bring which themes' offers (configuration, no data).
    pub fn support_rules(&self) -> &[SupportRule] {
        &self.support_rules
    }

    pub fn plans(&self) -> &[PlanGoal] {
        &self.plans
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Each school's own half days without lessons.
    pub fn days_off(&self) -> &mirror_model::SchoolDaysOff {
        &self.days_off
    }
}

/// What anonymise hands on: the city for benchmark, the leak guard for the
/// command that writes reports, and what redaction replaced per school (or
/// network), for the run's audit.
#[derive(Debug)]
pub struct Anonymised {
    pub city: AnonymisedCity,
    pub guard: LeakGuard,
    pub redactions: BTreeMap<String, RedactionCounts>,
    /// Good practices no report may show, in file order.
    pub withheld_practices: Vec<WithheldPractice>,
    /// School names in the support catalogue and the action plans, which
    /// the guard would refuse in reports (allowed phrases excepted).
    pub collisions: Vec<Collision>,
}

/// The city's redactor: registry names and aliases, roster names, streets
/// and addresses, contact data and pupil numbers, the allowed phrases read
/// whole. Also for the problems of the pupil sources, which the city store
/// keeps.
pub fn redactor(
    raw: &RawCity,
    pupils: &PupilRecords,
    key: &PseudonymKey,
    places: &Places,
    privacy: &PrivacySettings,
) -> Redactor {
    Redactor::new(
        &raw.registry,
        &raw.rosters,
        places,
        &pupils.numbers(key),
        &privacy.public_web_hosts,
    )
    .allowing(&privacy.allowed_phrases)
}

/// Redacts free text, withholds questionnaire groups below their minimum,
/// and keeps of each school only what a report may show; the pupil records
/// come pseudonymised (see [`PupilRecords::pseudonymise`]), read this run
/// or kept in the city store.
pub fn run(
    raw: RawCity,
    pupils: PupilRecords,
    key: &PseudonymKey,
    places: &Places,
    privacy: &PrivacySettings,
) -> Anonymised {
    let redactor = redactor(&raw, &pupils, key, places, privacy);
    let guard = LeakGuard::new(&raw, &pupils.numbers(key)).allowing(&privacy.allowed_phrases);
    let collisions = guard.collisions(guard::city_texts(&raw));
    let mut redactions: BTreeMap<String, RedactionCounts> = BTreeMap::new();
    let id_of = |school: SchoolRef| raw.registry[school.index()].id.to_string();
    let mut redact =
        |owner: String, text: &str| redactor.redact(text, redactions.entry(owner).or_default());

    let (practices, withheld_practices) = share_practices(
        &raw.good_practices,
        |school, text| redact(id_of(school), text),
        &redactor,
        &guard,
    );
    let checklist_answers = raw
        .checklist_answers
        .iter()
        .map(|a| ChecklistAnswerShown {
            school: a.school,
            item: a.item.clone(),
            answer: a.answer,
            remark: a.remark.as_deref().map(|r| redact(id_of(a.school), r)),
        })
        .collect();
    let plans = raw
        .action_plans
        .iter()
        .map(|g| {
            let owner = match &g.scope {
                PlanScope::School(s) => id_of(*s),
                PlanScope::Network(n) => format!("network {n}"),
            };
            PlanGoal {
                scope: g.scope.clone(),
                goal: g.goal.map(|t| redact(owner.clone(), t)),
                indicator: g.indicator.clone(),
                target: g.target,
                baseline: g.baseline,
                deadline: g.deadline,
                partner: redact(owner.clone(), &g.partner),
                evaluation: g
                    .evaluation
                    .as_ref()
                    .map(|e| e.map(|t| redact(owner.clone(), t))),
            }
        })
        .collect();
    let mut surveys = Vec::new();
    let mut instruments = Vec::new();
    for (index, questionnaire) in raw.questionnaires.iter().enumerate() {
        let mut groups: BTreeMap<(SchoolRef, SchoolYear, RespondentGroup), Vec<_>> =
            BTreeMap::new();
        for r in &questionnaire.responses {
            groups
                .entry((r.school, SchoolYear::containing(r.wave), r.group))
                .or_default()
                .push(r);
        }
        for ((school, year, group), responses) in groups {
            let respondents = responses.len() as u32;
            let shown = respondents >= privacy.min_respondents(group);
            let mut respondents_by_grade = BTreeMap::new();
            if shown {
                for grade in responses.iter().filter_map(|r| r.grade) {
                    *respondents_by_grade.entry(grade).or_default() += 1;
                }
            }
            surveys.push(SurveyGroup {
                instrument: index,
                school,
                year,
                group,
                respondents,
                // Responses are sorted by school and wave within the group.
                wave: responses[0].wave,
                invited: questionnaire.invited.get(&(school, year, group)).copied(),
                answers: shown.then(|| responses.iter().map(|r| r.answers.clone()).collect()),
                respondents_by_grade,
                comments: if shown {
                    responses
                        .iter()
                        .filter_map(|r| r.comment.as_deref())
                        .map(|c| redact(id_of(school), c))
                        .collect()
                } else {
                    Vec::new()
                },
            });
        }
        instruments.push(questionnaire.instrument.clone());
    }

    let schools = raw
        .registry
        .into_iter()
        .enumerate()
        .map(|(i, s)| SchoolProfile {
            id: s.id,
            name: s.name,
            level: s.level,
            forms: s.forms,
            profile: s.profile,
            language: s.language,
            network: s.network,
            held_back: raw.held_back.contains(&SchoolRef(i as u32)),
        })
        .collect();
    Anonymised {
        city: AnonymisedCity {
            schools,
            pseudonyms: pupils.pseudonyms,
            enrolments: pupils.enrolments,
            absences: pupils.absences,
            guidance: pupils.guidance,
            attendance_totals: pupils.attendance_totals,
            government: pupils.government,
            instruments,
            surveys,
            themes: raw.themes,
            checklist: raw.checklist,
            checklist_answers,
            practices,
            support_offers: raw.support_offers,
            support_rules: raw.support_rules,
            plans,
            calendar: raw.calendar,
            days_off: pupils.days_off,
            key: key.clone(),
            last_absence_day: OnceLock::new(),
        },
        guard,
        redactions,
        withheld_practices,
        collisions,
    }
}

/// The notes, redacted; a note whose redacted text the leak guard still
/// refuses (checked as a report of no school, as every other school may
/// read it) is withheld rather than shared. `redact` counts what it
/// replaces; `runs` redacts a single run, uncounted (see [`redact_note`]).
fn share_practices(
    notes: &[GoodPractice],
    mut redact: impl FnMut(SchoolRef, &str) -> RedactedText,
    runs: &Redactor,
    guard: &LeakGuard,
) -> (Vec<SharedPractice>, Vec<WithheldPractice>) {
    let mut shared = Vec::new();
    let mut withheld = Vec::new();
    for p in notes {
        let practice = SharedPractice {
            school: p.school,
            themes: p.themes.clone(),
            year: p.year,
            texts: p.texts.map(|t| {
                let mut line = |text: &str| redact(p.school, text);
                let title = line(&t.title);
                let mut note =
                    |markdown: &str| redact_note(&Note::from_markdown(markdown), &mut line, runs);
                PracticeText {
                    title,
                    what_was_done: note(&t.what_was_done),
                    for_whom: note(&t.for_whom),
                    what_changed: note(&t.what_changed),
                }
            }),
        };
        let found = guard.check_text(None, &practice.text());
        if found.is_empty() {
            shared.push(practice);
        } else {
            withheld.push(WithheldPractice {
                source: p.source.clone(),
                found,
            });
        }
    }
    (shared, withheld)
}

/// A note's text redacted line by line (a paragraph or a list item), so a
/// name split over two styles (`**Ly**ceum Beuk`) is still found: each
/// line's text is always exactly `redact` of the whole line. The line keeps
/// its styled runs only when redacting each run alone gives that same text;
/// otherwise it becomes one plain run of the whole line redacted.
fn redact_note(
    note: &Note<String>,
    mut redact: impl FnMut(&str) -> RedactedText,
    runs: &Redactor,
) -> Note<RedactedText> {
    note.map_lines(|line| {
        let whole: String = line.iter().map(|r| r.text.as_str()).collect();
        let redacted = redact(&whole);
        let styled: Vec<Run<RedactedText>> = line
            .iter()
            .map(|r| Run {
                text: runs.redact(&r.text, &mut RedactionCounts::new()),
                emph: r.emph,
                strong: r.strong,
            })
            .collect();
        let joined: String = styled.iter().map(|r| r.text.as_str()).collect();
        if joined == redacted.as_str() {
            styled
        } else {
            vec![Run {
                text: redacted,
                emph: false,
                strong: false,
            }]
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use mirror_model::{Calendar, Config};

    use super::*;

    /// The tiny city (tests/fixtures/tiny-city) as ingest gives it, and its
    /// configuration; its registry order is 100001 Aster, 100002 Beuk,
    /// 100003 Ceder, ...
    fn tiny_city_raw() -> (mirror_ingest::RawCity, Config) {
        let (ingested, config) = tiny_city_read();
        (ingested.city, config)
    }

    fn tiny_city_read() -> (mirror_ingest::Ingested, Config) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let calendar = Calendar::load(&config.calendar).unwrap();
        let ingested =
            mirror_ingest::run(&config, calendar, mirror_ingest::PupilSources::Read).unwrap();
        (ingested, config)
    }

    /// The tiny city anonymised with `key`.
    fn tiny_city(key: &PseudonymKey) -> AnonymisedCity {
        let (ingested, config) = tiny_city_read();
        let pupils = PupilRecords::pseudonymise(ingested.pupils.unwrap(), key);
        run(
            ingested.city,
            pupils,
            key,
            &Places::default(),
            &config.privacy,
        )
        .city
    }

    /// The leak guard is the last line behind redaction: a note whose
    /// redacted text still names another school is withheld, the others
    /// shared. (The city's redactor would have caught this name; one that
    /// knows no names stands in for a redaction that missed it.)
    #[test]
    fn a_practice_the_guard_refuses_after_redaction_is_withheld() {
        let (raw, _) = tiny_city_raw();
        let guard = LeakGuard::new(&raw, &PupilNumbers::default());
        let note = |file: &str, text: &str| GoodPractice {
            source: file.into(),
            school: SchoolRef(0),
            themes: vec!["truancy".to_owned()],
            year: None,
            texts: Texts::new(
                ReportLanguage::new("en").unwrap(),
                PracticeText {
                    title: "Welcome back".to_owned(),
                    what_was_done: text.to_owned(),
                    for_whom: "All pupils.".to_owned(),
                    what_changed: "Fewer absences.".to_owned(),
                },
            ),
        };
        let notes = [
            note("a.md", "A talk after every absence."),
            note("b.md", "A talk after every absence, as at Lyceum Beuk."),
        ];
        let blind = Redactor::new(&[], &[], &Places::default(), &PupilNumbers::default(), &[]);
        let (shared, withheld) = share_practices(
            &notes,
            |_, text| blind.redact(text, &mut RedactionCounts::new()),
            &blind,
            &guard,
        );
        assert_eq!(shared.len(), 1);
        assert_eq!(
            shared[0].texts.original().what_was_done.plain_text(),
            "A talk after every absence."
        );
        assert_eq!(
            withheld,
            [WithheldPractice {
                source: "b.md".into(),
                found: vec![Leak {
                    rule: Rule::School,
                    count: 1
                }],
            }]
        );
    }

    /// Every language of a note is redacted, and checked by the guard: a
    /// translation naming Lyceum Beuk (100002) is redacted by the city's
    /// redactor, and withheld when a redaction missed it.
    #[test]
    fn every_language_of_a_note_is_redacted_and_guarded() {
        let (raw, _) = tiny_city_raw();
        let guard = LeakGuard::new(&raw, &PupilNumbers::default());
        let text = |title: &str, done: &str| PracticeText {
            title: title.to_owned(),
            what_was_done: done.to_owned(),
            for_whom: "Alle leerlingen.".to_owned(),
            what_changed: "Minder afwezigheid.".to_owned(),
        };
        let mut texts = Texts::new(
            ReportLanguage::new("nl").unwrap(),
            text("Welkom terug", "Een gesprek na elke afwezigheid."),
        );
        texts.add(
            ReportLanguage::new("en").unwrap(),
            text(
                "Welcome back",
                "A talk after every absence, as at Lyceum Beuk.",
            ),
        );
        let notes = [GoodPractice {
            source: "a.md".into(),
            school: SchoolRef(0),
            themes: vec!["truancy".to_owned()],
            year: None,
            texts,
        }];
        let city = Redactor::new(
            &raw.registry,
            &[],
            &Places::default(),
            &PupilNumbers::default(),
            &[],
        );
        let (shared, _) = share_practices(
            &notes,
            |_, text| city.redact(text, &mut RedactionCounts::new()),
            &city,
            &guard,
        );
        let english = shared[0]
            .texts
            .pick(&ReportLanguage::new("en").unwrap())
            .text
            .what_was_done
            .plain_text();
        assert_eq!(english, "A talk after every absence, as at [school].");
        let blind = Redactor::new(&[], &[], &Places::default(), &PupilNumbers::default(), &[]);
        let (shared, withheld) = share_practices(
            &notes,
            |_, text| blind.redact(text, &mut RedactionCounts::new()),
            &blind,
            &guard,
        );
        assert!(shared.is_empty());
        assert_eq!(withheld.len(), 1);
    }

    /// A note's lists and emphasis stay structure after redaction, and a
    /// name split over two styles (`**Ly**ceum Beuk`: no run holds it
    /// whole) is still redacted: that line loses its styles, the others keep
    /// them. The registry's 100002 is Lyceum Beuk.
    #[test]
    fn a_note_is_redacted_line_by_line_and_keeps_its_structure() {
        let (raw, _) = tiny_city_raw();
        let redactor = Redactor::new(
            &raw.registry,
            &[],
            &Places::default(),
            &PupilNumbers::default(),
            &[],
        );
        let note = Note::from_markdown(
            "We *call* home.\n\n- a **talk**\n- as at **Ly**ceum Beuk\n\n#set page(width: 1cm)",
        );
        let mut counts = RedactionCounts::new();
        let shared = redact_note(&note, |t| redactor.redact(t, &mut counts), &redactor);
        let json = serde_json::to_value(&shared).unwrap();
        let run = |text: &str, emph: bool, strong: bool| serde_json::json!({"text": text, "emph": emph, "strong": strong});
        let split = redactor
            .redact("as at Lyceum Beuk", &mut RedactionCounts::new())
            .to_string();
        assert!(!split.contains("Beuk"), "{split}");
        assert_eq!(
            json,
            serde_json::json!([
                {"kind": "paragraph", "runs": [run("We ", false, false), run("call", true, false), run(" home.", false, false)]},
                {"kind": "list", "ordered": false, "items": [
                    [run("a ", false, false), run("talk", false, true)],
                    [run(&split, false, false)],
                ]},
                {"kind": "paragraph", "runs": [run("#set page(width: 1cm)", false, false)]},
            ])
        );
        // Counted once, for the whole line.
        assert_eq!(counts.get(&Rule::School), Some(&1));
    }

    fn key(byte: &str) -> PseudonymKey {
        PseudonymKey::from_hex(&byte.repeat(32), "test").unwrap()
    }

    /// The id is the first 16 hex digits of HMAC-SHA-256 over "school set",
    /// then the sorted school ids, one per line. Computed independently with
    /// Python's standard library:
    /// hmac.new(bytes(32), b"school set\n100001\n100002", "sha256").hexdigest()[:16]
    /// = f2494a90f2ec8f06; with b"...\n100001\n100003": 8d2991e54ca529e1;
    /// with the key bytes([0x11]) * 32 and 100001, 100002: 3c205c1ee694b937.
    #[test]
    fn a_school_set_id_is_the_keyed_hash_of_the_sorted_ids() {
        let city = tiny_city(&key("00"));
        let (aster, beuk, ceder) = (SchoolRef(0), SchoolRef(1), SchoolRef(2));
        assert_eq!(city.schools()[0].id.as_str(), "100001");
        assert_eq!(city.schools()[1].id.as_str(), "100002");
        assert_eq!(city.schools()[2].id.as_str(), "100003");

        let id = city.school_set_id(&[aster, beuk]);
        assert_eq!(id, "f2494a90f2ec8f06");
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        // The same set in another order: the same id.
        assert_eq!(city.school_set_id(&[beuk, aster]), id);
        // Another set: another id.
        assert_eq!(city.school_set_id(&[aster, ceder]), "8d2991e54ca529e1");
        // Another key: another id for the same set.
        let other = tiny_city(&key("11"));
        assert_eq!(other.school_set_id(&[beuk, aster]), "3c205c1ee694b937");
    }
}
