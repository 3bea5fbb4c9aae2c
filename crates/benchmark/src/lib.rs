//! Benchmark: puts every school in a peer group of similar schools and computes
//! its truancy, questionnaire and checklist figures beside the group's spread,
//! the city's figure and the funnel plot's control limits.
//!
//! It takes only an [`AnonymisedCity`] and hands render only [`SchoolMirror`]s,
//! in which peers appear as quartiles, never one by one.

pub mod advisor;
mod compare;
mod counts;
mod disclosed;
pub mod follow_up;
pub mod funnel;
pub mod goals;
mod mirror;
mod peers;
pub mod practices;
pub mod significance;
pub mod snapshot;
mod stats;
pub mod support;
pub mod survey;
mod totals;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use mirror_anonymise::AnonymisedCity;
use mirror_anonymise::disclosure::{Release, ReleaseHistory, Suppression};
use mirror_model::config::{PeerSettings, PrivacySettings, Thresholds};
use mirror_model::{AbsenceCategory, GovernmentFigures, SchoolId, SchoolRef, SchoolYear};
use rayon::prelude::*;

use compare::{Context, Field, SchoolFigure};
pub use counts::{Cohort, HalfDays, Part, PeriodCounts};
use disclosed::SchoolShown;
use funnel::Unit;
pub use mirror::*;
pub use peers::PeerGroup;
use significance::RatioEstimate;
use totals::PeriodTotals;

#[derive(Debug, thiserror::Error)]
pub enum BenchmarkError {
    #[error("no enrolments or attendance totals in any school year: nothing to compare")]
    NoData,
    #[error(
        "school year {asked} has no enrolments or attendance totals; the data covers {available}"
    )]
    YearWithoutData {
        asked: SchoolYear,
        available: String,
    },
    #[error(
        "--as-of {asked}: the data runs from {first} to {}; give a day in that range, or --year for a whole school year",
        .last.map_or("(no registrations)".to_owned(), |d| d.to_string())
    )]
    AsOfOutsideData {
        asked: NaiveDate,
        first: NaiveDate,
        last: Option<NaiveDate>,
    },
    #[error("{}: cannot keep the metrics snapshot: {message}. Check that the history folder (privacy.history_dir) is writable.", path.display())]
    Snapshot {
        path: std::path::PathBuf,
        message: String,
    },
    // Pinned peer groups (peers.rs): checked here, where the registry is known.
    #[error(
        "peers.pinned.{school}: there is no school {unknown} in the registry; correct the school number in the configuration"
    )]
    UnknownPinnedSchool {
        school: mirror_model::SchoolId,
        unknown: mirror_model::SchoolId,
    },
    #[error(
        "peers.pinned.{school}: {peer} is a {} school and {school} a {} one; give peers of the same level",
        .peer_level.as_str(),
        .level.as_str()
    )]
    PinnedAcrossLevels {
        school: mirror_model::SchoolId,
        level: mirror_model::Level,
        peer: mirror_model::SchoolId,
        peer_level: mirror_model::Level,
    },
}

/// The settings benchmark uses, from the configuration.
#[derive(Debug, Clone)]
pub struct BenchmarkSettings {
    pub thresholds: Thresholds,
    pub peers: PeerSettings,
    pub privacy: PrivacySettings,
    pub cohort: Cohort,
    /// At most this many good practices in a mirror's appendix.
    pub practices_per_report: usize,
}

/// Which period the mirrors are of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// The latest school year with enrolments, whole.
    Latest,
    Year(SchoolYear),
    /// The school year of the date, up to that date.
    UpTo(NaiveDate),
}

/// The version of the methods in `docs/methodology.md`, printed in every
/// report: raise it whenever a change would alter a printed figure or
/// judgement for the same data.
pub const METHOD_VERSION: &str = "2026.3";

/// Every school's mirror for one period.
#[derive(Debug, Clone)]
pub struct CityBenchmark {
    pub period: Period,
    /// In registry order; schools without pupils in the period have no mirror.
    pub mirrors: Vec<SchoolMirror>,
    /// Which schools each school was compared with: for the city's staff
    /// only (it names schools), never for a report.
    pub peer_sets: Vec<PeerSet>,
}

/// A school's peer group by name, with the identifier its report prints.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerSet {
    pub school: SchoolId,
    pub set_id: String,
    pub peers: Vec<SchoolId>,
}

impl CityBenchmark {
    /// The peer sets as CSV (`school_id,peer_set,peers` with the peers
    /// separated by spaces), for the city's staff.
    pub fn peer_sets_csv(&self) -> String {
        let mut csv = String::from("school_id,peer_set,peers\n");
        for p in &self.peer_sets {
            let peers: Vec<&str> = p.peers.iter().map(SchoolId::as_str).collect();
            csv.push_str(&format!("{},{},{}\n", p.school, p.set_id, peers.join(" ")));
        }
        csv
    }
}

/// One period's data for every school: counted from registrations, or from
/// attendance totals for the schools without pupil-level data in it (ingest
/// drops a school's totals for a year in which it has enrolments).
struct PeriodData {
    counted: BTreeMap<SchoolRef, PeriodCounts>,
    totals: BTreeMap<SchoolRef, PeriodTotals>,
}

impl PeriodData {
    /// The data of each of `periods`, in their order, counted together.
    fn of(
        city: &AnonymisedCity,
        periods: &[Period],
        thresholds: &[u32],
        cohort: Cohort,
    ) -> Vec<Self> {
        let tables = counts::Tables::new(city);
        counts::count(city, &tables, periods, thresholds, cohort)
            .into_iter()
            .zip(periods)
            .map(|(counted, period)| Self {
                counted,
                totals: totals::period_totals(city, period),
            })
            .collect()
    }

    /// Whether the school has half days in the period, from either source.
    fn has(&self, school: SchoolRef) -> bool {
        self.counted.contains_key(&school) || self.totals.contains_key(&school)
    }
}

/// A history entry: its period and data, with what may be printed and every
/// figure, for all schools.
struct Year<'a> {
    period: Period,
    data: PeriodData,
    /// The government's figures of the school year (whole years only).
    government: BTreeMap<SchoolRef, &'a GovernmentFigures>,
    /// Every school's pupil counts, protected: a peer's withheld count stays
    /// out of the spreads as its own mirror keeps it out of print.
    shown: BTreeMap<SchoolRef, SchoolShown>,
    fields: Fields,
}

/// What a `Year` is protected against besides the release history.
struct Disclosure<'a> {
    released: &'a ReleaseHistory,
    thresholds: &'a [u32],
    bands: &'a [Band],
    min_pupils: u32,
}

impl<'a> Year<'a> {
    /// `also_earlier`: a year of this same run whose counts cover the same
    /// school year (the whole year beside the same dates of it), so that the
    /// two cannot be subtracted either.
    fn new(
        city: &'a AnonymisedCity,
        period: Period,
        data: PeriodData,
        disclosure: &Disclosure,
        also_earlier: Option<&Year>,
    ) -> Self {
        // The government counts whole years: none beside a part of one.
        let government: BTreeMap<SchoolRef, &GovernmentFigures> = city
            .government()
            .iter()
            .filter(|g| g.year == period.year && !period.year_to_date)
            .map(|g| (g.school, g))
            .collect();
        // Each school's protection on its own, on every core.
        let shown: BTreeMap<SchoolRef, SchoolShown> = city
            .schools()
            .par_iter()
            .enumerate()
            .filter_map(|(i, school)| {
                let me = SchoolRef(i as u32);
                // What this run prints of the other year (its trend entry).
                let before = also_earlier.and_then(|y| {
                    let s = y.shown.get(&me)?;
                    Some(
                        s.release(y.period.year, y.period.to, false, &mut BTreeMap::new())
                            .counts,
                    )
                });
                let mut earlier = disclosure.released.earlier(&school.id, period.year);
                earlier.extend(before.as_ref());
                let g = government.get(&me).copied();
                // Totals give no count of pupils by absence: only the
                // government's figures of the year, where it gives them.
                let protected = match data.counted.get(&me) {
                    Some(c) => Some(SchoolShown::counted(
                        c,
                        disclosure.thresholds,
                        disclosure.bands,
                        g,
                        disclosure.min_pupils,
                        &earlier,
                    )),
                    None => g.map(|g| SchoolShown::official(g, disclosure.min_pupils, &earlier)),
                };
                protected.map(|p| (me, p))
            })
            .collect();
        let fields = Fields::of(
            &data,
            &government,
            &shown,
            city.schools().len(),
            disclosure.thresholds,
            disclosure.min_pupils,
        );
        Self {
            period,
            data,
            government,
            shown,
            fields,
        }
    }
}

/// Every figure of one period, for all schools at once.
struct Fields {
    rate: Field,
    from_threshold: Vec<Field>,
    bands: Vec<Field>,
    categories: Vec<(AbsenceCategory, Field)>,
    months: Vec<(String, Field)>,
    weekdays: Vec<(String, Field)>,
    grades: Vec<(String, Field)>,
    forms: Vec<(String, Field)>,
    near_holidays: Vec<(String, Field)>,
    with_file: Field,
    outcomes: Vec<(Outcome, Field)>,
}

/// The school years with half days to count, from enrolments or from
/// attendance totals, oldest first.
fn counted_years(city: &AnonymisedCity) -> Vec<SchoolYear> {
    let mut counted: Vec<SchoolYear> = city
        .enrolments()
        .iter()
        .map(|e| SchoolYear::containing(e.from))
        .chain(
            city.attendance_totals()
                .iter()
                .map(|t| SchoolYear::containing(t.from)),
        )
        .collect();
    counted.sort();
    counted.dedup();
    counted
}

/// The period `reported` names, checked against the data: a school year
/// must have enrolments or attendance totals, and an as-of day must lie
/// between the first day of the data and the last day with a registration
/// or a row of totals.
pub fn period_of(city: &AnonymisedCity, reported: Reported) -> Result<Period, BenchmarkError> {
    let counted = counted_years(city);
    let available = || {
        counted
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let period = match reported {
        Reported::Latest => Period::whole(*counted.last().ok_or(BenchmarkError::NoData)?),
        Reported::Year(y) => Period::whole(y),
        Reported::UpTo(day) => {
            let first = counted.first().ok_or(BenchmarkError::NoData)?.first_day();
            let last = city
                .last_absence_day()
                .into_iter()
                .chain(city.attendance_totals().iter().map(|t| t.to))
                .max();
            match last {
                Some(last) if (first..=last).contains(&day) => Period::up_to(day),
                _ => {
                    return Err(BenchmarkError::AsOfOutsideData {
                        asked: day,
                        first,
                        last,
                    });
                }
            }
        }
    };
    if !counted.contains(&period.year) {
        return Err(BenchmarkError::YearWithoutData {
            asked: period.year,
            available: available(),
        });
    }
    Ok(period)
}

/// Computes every school's mirror for the reported period, with the school
/// years before it as history. Counts of pupils are printed only where
/// [`mirror_anonymise::disclosure::protect`] allows, given what `released`
/// says earlier reports showed.
///
/// Every figure that does not depend on the school (a period's counts, a
/// level's pooled figure, a peer group's funnel, a survey group's scores) is
/// worked out once, so the work grows with the number of schools, not with
/// its square.
pub fn run(
    city: &AnonymisedCity,
    settings: &BenchmarkSettings,
    reported: Reported,
    released: &ReleaseHistory,
) -> Result<CityBenchmark, BenchmarkError> {
    let period = period_of(city, reported)?;
    let thresholds = &settings.thresholds.problematic_half_days;
    let ranges = band_ranges(thresholds);
    let disclosure = Disclosure {
        released,
        thresholds,
        bands: &ranges,
        min_pupils: settings.privacy.min_pupils,
    };
    let history = History::count(city, settings, period, &disclosure);
    let schools = city.schools();
    let groups = peers::build(schools, &settings.peers, settings.privacy.min_peer_schools)?;
    // Each group's set id, once: the mirror's description and the city's
    // list of peer sets both print it.
    let set_ids: Vec<Option<String>> = groups
        .iter()
        .map(|g| {
            g.as_ref()
                .map(|g| city.school_set_id(&g.members().collect::<Vec<_>>()))
        })
        .collect();
    let inputs = MirrorInputs {
        city,
        settings,
        released,
        period,
        bands: &ranges,
        history: &history,
        ctx: Context {
            levels: schools.iter().map(|s| s.level).collect(),
            held_back: schools.iter().map(|s| s.held_back).collect(),
            groups: &groups,
            min_pupils: settings.privacy.min_pupils,
            min_peer_schools: settings.privacy.min_peer_schools,
        },
        surveys: survey::CityResults::of(city, &settings.privacy),
        descriptions: peers::Descriptions::new(schools),
        set_ids: &set_ids,
    };
    let mut mirrors: Vec<SchoolMirror> = schools
        .par_iter()
        .enumerate()
        .map(|(i, school)| (SchoolRef(i as u32), school))
        .filter(|(me, school)| !school.held_back && history.now().data.has(*me))
        .map(|(me, _)| inputs.school_mirror(me))
        .collect();
    choose_practices(city, settings, &mut mirrors);
    Ok(CityBenchmark {
        period,
        mirrors,
        peer_sets: peer_sets(city, &groups, &set_ids),
    })
}

/// Every period a mirror shows, counted once for every school.
struct History<'a> {
    /// The earlier school years with data, oldest first, then the reported
    /// period.
    years: Vec<Year<'a>>,
    /// For a year-to-date run, the same dates a year earlier.
    same_dates: Option<Year<'a>>,
}

impl<'a> History<'a> {
    fn count(
        city: &'a AnonymisedCity,
        settings: &BenchmarkSettings,
        period: Period,
        disclosure: &Disclosure,
    ) -> Self {
        let counted = counted_years(city);
        // Every earlier school year with data: counted, from totals, or known
        // only from the government's figures.
        let mut earlier: Vec<SchoolYear> = city
            .government()
            .iter()
            .map(|g| g.year)
            .chain(counted.iter().copied())
            .filter(|y| *y < period.year)
            .collect();
        earlier.sort();
        earlier.dedup();
        let same_dates = (period.year_to_date && counted.contains(&period.year.previous()))
            .then(|| period.a_year_earlier());
        // The earlier years, the reported period, then the same dates a
        // year earlier: counted together, then each protected on its own.
        let periods: Vec<Period> = earlier
            .iter()
            .map(|y| Period::whole(*y))
            .chain([period])
            .chain(same_dates)
            .collect();
        let mut data = PeriodData::of(city, &periods, disclosure.thresholds, settings.cohort);
        let same_dates_data = same_dates.and_then(|_| data.pop());
        let years: Vec<Year> = periods[..data.len()]
            .par_iter()
            .copied()
            .zip(data)
            .map(|(p, data)| Year::new(city, p, data, disclosure, None))
            .collect();
        // The same dates a year earlier are protected against that whole
        // year, so made into a `Year` once it is.
        let same_dates = same_dates.zip(same_dates_data).map(|(p, data)| {
            let whole = years
                .iter()
                .find(|y| y.period.year == period.year.previous());
            Year::new(city, p, data, disclosure, whole)
        });
        Self { years, same_dates }
    }

    /// The reported period.
    fn now(&self) -> &Year<'a> {
        self.years
            .last()
            .expect("the reported period is in the history")
    }
}

/// What every school's mirror is made from.
struct MirrorInputs<'a> {
    city: &'a AnonymisedCity,
    settings: &'a BenchmarkSettings,
    released: &'a ReleaseHistory,
    period: Period,
    bands: &'a [Band],
    history: &'a History<'a>,
    ctx: Context<'a>,
    surveys: survey::CityResults<'a>,
    descriptions: peers::Descriptions<'a>,
    /// Each school's peer group's set id, in registry order.
    set_ids: &'a [Option<String>],
}

impl MirrorInputs<'_> {
    /// The school's mirror, but for the practices chosen for it (they read
    /// every school's mirror).
    fn school_mirror(&self, me: SchoolRef) -> SchoolMirror {
        let (city, ctx, period) = (self.city, &self.ctx, self.period);
        let school = city.school(me);
        let now = self.history.now();
        let mut releases = Vec::new();
        let mut suppressed = BTreeMap::new();
        let (history, same_dates_last_year) =
            self.figures_by_period(me, &mut releases, &mut suppressed);
        let f = &now.fields;
        let part = |parts: &[(String, Field)]| -> Vec<PatternRate> {
            parts
                .iter()
                .filter(|(_, field)| field.unit(me).is_some_and(|u| u.trials > 0))
                .map(|(part, field)| PatternRate {
                    part: part.clone(),
                    rate: field.compare(me, ctx),
                })
                .collect()
        };
        let group = ctx.groups[me.index()].as_ref();
        let mut m = SchoolMirror {
            school: school.id.clone(),
            name: school.name.clone(),
            level: school.level,
            language: school.language.clone(),
            year: period.year,
            period,
            thresholds: self.settings.thresholds.problematic_half_days.clone(),
            peer_group: group
                .zip(self.set_ids[me.index()].as_ref())
                .map(|(g, set_id)| self.descriptions.describe(g, set_id.clone())),
            funnel: f.rate.funnel_plot(me, ctx),
            trend: rate_trend(me, &self.history.years, &history, period),
            history,
            same_dates_last_year,
            since_last_mirror: None,
            bands: self
                .bands
                .iter()
                .zip(&f.bands)
                .map(|(band, field)| BandFigures {
                    band: *band,
                    share: field.compare(me, ctx),
                })
                .collect(),
            categories: f
                .categories
                .iter()
                .map(|(category, field)| CategoryRate {
                    category: *category,
                    rate: field.compare(me, ctx),
                })
                .collect(),
            patterns: Patterns {
                months: part(&f.months),
                // Mornings and afternoons from registrations, whole days
                // from daily totals: a school gets one or the other.
                weekdays: part(&f.weekdays)
                    .into_iter()
                    .filter(|w| {
                        w.part.ends_with(&format!("-{WHOLE_DAY}"))
                            != now.data.counted.contains_key(&me)
                    })
                    .collect(),
                grades: part(&f.grades),
                forms: part(&f.forms),
                near_holidays: part(&f.near_holidays),
            },
            guidance: match now.data.counted.get(&me) {
                Some(c) => follow_up(me, c, &now.shown[&me], now.period, &f.with_file, ctx),
                None => GuidanceFollowUp::not_counted(f.with_file.compare(me, ctx)),
            },
            survey: survey::survey_mirror(
                &self.surveys,
                me,
                period.year,
                group,
                &self.settings.privacy,
                &self.released.earlier(&school.id, period.year),
            ),
            goals: Vec::new(),
            support: Vec::new(),
            practices: Vec::new(),
            releases,
            suppressed,
        };
        // Goals and support read the finished mirror.
        m.survey.release_into(&mut m.releases, period);
        m.goals = goals::progress(city, me, &m, &self.settings.privacy);
        m.support = support::suggestions(city, &m);
        m
    }

    /// The school's figures of each period of the history it has data in,
    /// and of the same dates a year earlier; what each prints goes into
    /// `releases`, what each withholds into `suppressed`.
    fn figures_by_period(
        &self,
        me: SchoolRef,
        releases: &mut Vec<Release>,
        suppressed: &mut BTreeMap<Suppression, u32>,
    ) -> (Vec<YearFigures>, Option<YearFigures>) {
        let (ctx, period) = (&self.ctx, self.period);
        let mut history: Vec<YearFigures> = Vec::new();
        let mut previous: Option<&Year> = None;
        for y in &self.history.years {
            let is_now = y.period == period;
            let Some(mut figures) = year_figures(me, y, ctx) else {
                continue;
            };
            if let Some(shown) = y.shown.get(&me) {
                releases.push(shown.release(y.period.year, y.period.to, is_now, suppressed));
            }
            // Only consecutive school years are compared, and a year-to-date
            // rate only with the same dates a year earlier.
            if !period.year_to_date || !is_now {
                figures.change = previous
                    .filter(|p| p.period.year == y.period.year.previous())
                    .zip(history.last())
                    .and_then(|before| rate_change(me, before, (y, &figures)));
            }
            previous = Some(y);
            history.push(figures);
        }
        let same_dates_last_year = self.history.same_dates.as_ref().and_then(|last| {
            let figures = year_figures(me, last, ctx)?;
            if let Some(shown) = last.shown.get(&me) {
                releases.push(shown.release(last.period.year, last.period.to, false, suppressed));
            }
            let now = self.history.now();
            let change = rate_change(me, (last, &figures), (now, history.last()?));
            history.last_mut()?.change = change;
            Some(figures)
        });
        (history, same_dates_last_year)
    }
}

/// Chooses the practices of other schools for each mirror's appendix: the
/// choice reads every school's mirror.
fn choose_practices(
    city: &AnonymisedCity,
    settings: &BenchmarkSettings,
    mirrors: &mut [SchoolMirror],
) {
    let chosen: Vec<Vec<PracticeShown>> = {
        let sources = practices::Sources::new(city, mirrors, settings.peers.bands);
        mirrors
            .iter()
            .map(|m| sources.choose(m, settings.practices_per_report))
            .collect()
    };
    for (m, practices) in mirrors.iter_mut().zip(chosen) {
        m.practices = practices;
    }
}

/// Each school's peer set, for the city's list of peer sets.
fn peer_sets(
    city: &AnonymisedCity,
    groups: &[Option<PeerGroup>],
    set_ids: &[Option<String>],
) -> Vec<PeerSet> {
    let schools = city.schools();
    schools
        .iter()
        .zip(groups.iter().zip(set_ids))
        .filter(|(s, _)| !s.held_back)
        .filter_map(|(s, (g, set_id))| {
            let g = g.as_ref()?;
            Some(PeerSet {
                school: s.id.clone(),
                set_id: set_id.clone()?,
                peers: g.members().map(|m| schools[m.index()].id.clone()).collect(),
            })
        })
        .collect()
}

/// One school's figures for one history entry; `None` when the school has no
/// data that year.
fn year_figures(me: SchoolRef, y: &Year, ctx: &Context) -> Option<YearFigures> {
    let f = &y.fields;
    let shown = y.shown.get(&me);
    let g = y.government.get(&me);
    // The pupils printed are those of the disclosure table: counted, or the
    // government's.
    let (source, pupils) = match (y.data.counted.get(&me), y.data.totals.get(&me), g) {
        (Some(c), _, _) => (YearSource::Registrations, c.pupils),
        (None, Some(t), g) => (YearSource::Totals, g.map_or(t.pupils, |g| g.enrolled)),
        (None, None, Some(g)) => (YearSource::Official, g.enrolled),
        (None, None, None) => return None,
    };
    Some(YearFigures {
        year: y.period.year,
        source,
        pupils: shown.filter(|s| s.pupils()).map(|_| pupils),
        problematic_rate: f.rate.compare(me, ctx),
        pupils_from_threshold: f
            .from_threshold
            .iter()
            .map(|field| field.compare(me, ctx))
            .collect(),
        change: None,
        outcomes: f
            .outcomes
            .iter()
            .filter(|(_, field)| field.unit(me).is_some())
            .map(|(outcome, field)| OutcomeShare {
                outcome: *outcome,
                share: field.compare(me, ctx),
            })
            .collect(),
        with_file: f.with_file.compare(me, ctx),
    })
}

/// The rate of `after` against `before`, for a school whose rate may be
/// printed in both; only for periods counted from registrations in both:
/// the test needs each pupil's half days, and a test on totals alone would
/// take a school's half days as independent, which they are not (a pupil's
/// absences cluster), and call chance a change.
///
/// Each period comes with the school's figures of it, as printed: a rate
/// compared once per school and period, not again here.
fn rate_change(
    me: SchoolRef,
    (before, printed_before): (&Year, &YearFigures),
    (after, printed_after): (&Year, &YearFigures),
) -> Option<significance::ChangeTest> {
    printed_before.problematic_rate.school.value()?;
    printed_after.problematic_rate.school.value()?;
    let estimate = |c: &PeriodCounts| RatioEstimate::from_accumulator(&c.per_pupil);
    significance::rate_change(
        &estimate(before.data.counted.get(&me)?)?,
        &estimate(after.data.counted.get(&me)?)?,
    )
}

/// The rate's trend over the whole school years in a row up to the
/// reported one whose rate the mirror prints (`significance::trend`); none
/// for a year-to-date mirror. A year counted from registrations brings its
/// pupil-level variance (pupils' half days cluster); a year from attendance
/// totals has no pupils, so its binomial variance is multiplied by the
/// largest design effect (pupil-level over binomial variance) of the
/// school's counted years, and without one only the counted years are
/// tested. `history` is the school's figures of `years`, as printed.
fn rate_trend(
    me: SchoolRef,
    years: &[Year],
    history: &[YearFigures],
    period: Period,
) -> Option<significance::TrendTest> {
    if period.year_to_date {
        return None;
    }
    let printed = |y: &Year| {
        history
            .iter()
            .find(|f| f.year == y.period.year)
            .and_then(|f| f.problematic_rate.school.value())
    };
    let mut run: Vec<&Year> = Vec::new();
    for y in years.iter().rev() {
        let follows = run
            .last()
            .is_none_or(|later| y.period.year == later.period.year.previous());
        if !follows || printed(y).is_none() {
            break;
        }
        run.push(y);
    }
    run.reverse();
    let binomial = |y: &Year| {
        let unit = y.fields.rate.unit(me)?;
        let rate = unit.rate()?;
        Some((rate, rate * (1.0 - rate) / unit.trials as f64))
    };
    let pupil_level =
        |y: &Year| RatioEstimate::from_accumulator(&y.data.counted.get(&me)?.per_pupil);
    let design_effect = run
        .iter()
        .filter_map(|y| {
            let (_, variance) = binomial(y)?;
            (variance > 0.0).then(|| pupil_level(y).map(|e| e.variance / variance))?
        })
        .reduce(f64::max);
    let rates: Option<Vec<significance::YearRate>> = run
        .iter()
        .skip_while(|y| design_effect.is_none() && pupil_level(y).is_none())
        .map(|y| match pupil_level(y) {
            Some(e) => Some(significance::YearRate {
                rate: e.rate,
                variance: e.variance,
            }),
            None => {
                let (rate, variance) = binomial(y)?;
                Some(significance::YearRate {
                    rate,
                    variance: variance * design_effect?,
                })
            }
        })
        .collect();
    significance::trend(&rates?)
}

/// The guidance follow-up of the pupils who reached the first threshold,
/// as far as their counts may be printed.
fn follow_up(
    me: SchoolRef,
    c: &PeriodCounts,
    shown: &SchoolShown,
    period: Period,
    with_file: &Field,
    ctx: &Context,
) -> GuidanceFollowUp {
    let g = &c.guidance;
    let enough = shown.with_file() && g.with_file >= ctx.min_pupils;
    let median_school_days = enough
        .then(|| {
            let days: Vec<f64> = g.days_to_file.iter().map(|d| f64::from(*d)).collect();
            stats::quartiles(&days).map(|q| q[1])
        })
        .flatten();
    let rate = |h: HalfDays| {
        if h.expected == 0 {
            Figure::Missing
        } else if enough {
            Figure::Value(h.rate())
        } else {
            Figure::Suppressed
        }
    };
    // Months after the end of the period have not happened yet.
    let months_in_period = counts::school_month(period.to) + 1;
    // The running total to the period's last month is the number reached:
    // the text and the table print it both or neither.
    let last_month = months_in_period - 1;
    let reached = shown.reached() && shown.reached_by_month(last_month);
    let mut running = 0;
    GuidanceFollowUp {
        reached: reached.then_some(g.reached),
        with_file: with_file.compare(me, ctx),
        median_school_days,
        rate_before_file: rate(g.before_file),
        rate_after_file: rate(g.after_file),
        reached_by_month_end: c
            .first_threshold_reached_by_month
            .iter()
            .take(months_in_period)
            .enumerate()
            .map(|(k, n)| {
                running += n;
                (shown.reached_by_month(k) && (k != last_month || reached)).then_some(running)
            })
            .collect(),
    }
}

impl Fields {
    fn of(
        data: &PeriodData,
        government: &BTreeMap<SchoolRef, &GovernmentFigures>,
        shown: &BTreeMap<SchoolRef, SchoolShown>,
        schools: usize,
        thresholds: &[u32],
        min_pupils: u32,
    ) -> Self {
        let unit = |events: u64, trials: u64| Unit { events, trials };
        let figure = |events: u64, trials: u64, pupils: u32, shown: bool| SchoolFigure {
            unit: unit(events, trials),
            pupils,
            shown,
        };
        let shown_by =
            |s: SchoolRef, rule: &dyn Fn(&SchoolShown) -> bool| shown.get(&s).is_some_and(rule);
        let outcomes = [
            Outcome::GradeRetention,
            Outcome::SchoolDelay,
            Outcome::EarlyLeaving,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, outcome)| {
            let field = Field::new(schools, |s| {
                let g = government.get(&s)?;
                let n = [g.grade_retention, g.school_delay, g.early_leavers][i]?;
                Some(figure(
                    n.into(),
                    g.enrolled.into(),
                    g.enrolled,
                    shown_by(s, &|x| x.outcome(i)),
                ))
            });
            (outcome, field)
        })
        .collect();
        let counts = &data.counted;
        let totals = &data.totals;
        // A figure of the counted schools only (it needs pupils).
        let counted = |f: &dyn Fn(SchoolRef, &PeriodCounts) -> Option<SchoolFigure>| {
            Field::new(schools, |s| counts.get(&s).and_then(|c| f(s, c)))
        };
        // A rate of half days, from registrations or else from totals.
        // Rates of half days are about all the school's pupils; only counts
        // of pupils go through disclosure control.
        let either =
            |from_counts: &dyn Fn(&PeriodCounts) -> Option<HalfDays>,
             from_totals: &dyn Fn(&PeriodTotals) -> Option<HalfDays>| {
                Field::new(schools, |s| {
                    let (h, pupils) = match (counts.get(&s), totals.get(&s)) {
                        (Some(c), _) => (from_counts(c)?, c.pupils),
                        (None, Some(t)) => (from_totals(t)?, t.pupils),
                        (None, None) => return None,
                    };
                    Some(figure(h.problematic, h.expected, pupils, true))
                })
            };
        let keyed =
            |keys: Vec<String>,
             from_counts: &dyn Fn(&PeriodCounts, usize) -> Option<HalfDays>,
             from_totals: &dyn Fn(&PeriodTotals, usize) -> Option<HalfDays>| {
                keys.into_iter()
                    .enumerate()
                    .map(|(k, key)| (key, either(&|c| from_counts(c, k), &|t| from_totals(t, k))))
                    .collect::<Vec<_>>()
            };
        // Pupils from a threshold: counted, or the government's figures of
        // the year for 15 and 30 where the school was not counted.
        let from_threshold = |k: usize, t: u32| {
            Field::new(schools, |s| {
                let shown = shown_by(s, &|x| x.threshold(k, t));
                if let Some(c) = counts.get(&s) {
                    return Some(figure(
                        c.pupils_from_threshold[k].into(),
                        c.pupils.into(),
                        c.pupils,
                        shown,
                    ));
                }
                let g = government.get(&s)?;
                let n = match t {
                    15 => g.problematic_15_plus,
                    30 => g.problematic_30_plus,
                    _ => return None,
                };
                Some(figure(n.into(), g.enrolled.into(), g.enrolled, shown))
            })
        };
        let grades: Vec<_> = all_keys(counts.values().flat_map(|c| c.by_grade.keys().copied()));
        let forms: Vec<_> = all_keys(counts.values().flat_map(|c| c.by_form.keys().copied()));
        Self {
            rate: either(&|c| Some(c.half_days), &|t| Some(t.half_days())),
            from_threshold: thresholds
                .iter()
                .enumerate()
                .map(|(k, t)| from_threshold(k, *t))
                .collect(),
            bands: (0..thresholds.len() + 2)
                .map(|k| {
                    counted(&|s, c| {
                        let shown = shown_by(s, &|x| x.band(k));
                        Some(figure(
                            c.pupils_per_band[k].into(),
                            c.pupils.into(),
                            c.pupils,
                            shown,
                        ))
                    })
                })
                .collect(),
            // Each kind of absence over the half days expected.
            categories: AbsenceCategory::ALL
                .iter()
                .enumerate()
                .filter(|(_, cat)| **cat != AbsenceCategory::Present)
                .map(|(k, cat)| {
                    let of = |absent: u64, h: HalfDays| HalfDays {
                        expected: h.expected,
                        problematic: absent,
                    };
                    let field = either(&|c| Some(of(c.absent[k], c.half_days)), &|t| {
                        Some(of(t.registered[k], t.half_days()))
                    });
                    (*cat, field)
                })
                .collect(),
            months: keyed(
                (0..counts::MONTHS)
                    .map(|m| ((m + 8) % 12 + 1).to_string())
                    .collect(),
                &|c, k| Some(c.by_month[k]),
                &|t, k| Some(t.by_month?[k]),
            ),
            // Mornings and afternoons from registrations, then whole days
            // (both halves of registrations, or daily totals): peers of a
            // totals school are compared on whole days.
            weekdays: keyed(
                (0..7)
                    .flat_map(|d| ["am", "pm"].map(|h| format!("{}-{h}", WEEKDAYS[d])))
                    .chain((0..7).map(|d| format!("{}-{WHOLE_DAY}", WEEKDAYS[d])))
                    .collect(),
                &|c, k| {
                    Some(match c.by_weekday.get(k / 2) {
                        Some(halves) => halves[k % 2],
                        None => {
                            let [am, pm] = c.by_weekday[k - 14];
                            HalfDays {
                                expected: am.expected + pm.expected,
                                problematic: am.problematic + pm.problematic,
                            }
                        }
                    })
                },
                &|t, k| Some(t.by_weekday?[k.checked_sub(14)?]),
            ),
            grades: parts(
                &grades,
                &|c| &c.by_grade,
                counts,
                schools,
                min_pupils,
                ToString::to_string,
            ),
            forms: parts(&forms, &|c| &c.by_form, counts, schools, min_pupils, |f| {
                f.code().to_owned()
            }),
            near_holidays: keyed(
                ["last-day-before", "first-day-after", "other-days"]
                    .map(String::from)
                    .to_vec(),
                &|c, k| Some(c.near_holidays[k]),
                &|_, _| None,
            ),
            with_file: counted(&|s, c| {
                let g = &c.guidance;
                let shown = shown_by(s, &|x| x.with_file());
                Some(figure(
                    g.with_file.into(),
                    g.reached.into(),
                    g.reached,
                    shown,
                ))
            }),
            outcomes,
        }
    }
}

/// The rate of each part (grade or form) of every school. A part with fewer
/// than `min_pupils` pupils is withheld, and then so is the smallest other
/// part of the school: with the school's totals, the one withheld part could
/// otherwise be worked out from the others. Parts are never placed on a
/// funnel (see [`Field::unjudged`]).
fn parts<K: Ord + Copy>(
    keys: &[K],
    of: &dyn Fn(&PeriodCounts) -> &BTreeMap<K, Part>,
    counts: &BTreeMap<SchoolRef, PeriodCounts>,
    schools: usize,
    min_pupils: u32,
    label: impl Fn(&K) -> String,
) -> Vec<(String, Field)> {
    let hidden: BTreeMap<SchoolRef, Vec<K>> = counts
        .iter()
        .map(|(s, c)| {
            let parts = of(c);
            let small: Vec<K> = parts
                .iter()
                .filter(|(_, p)| p.pupils < min_pupils)
                .map(|(k, _)| *k)
                .collect();
            let mut hidden = small.clone();
            if small.len() == 1
                && let Some((k, _)) = parts
                    .iter()
                    .filter(|(_, p)| p.pupils >= min_pupils)
                    .min_by_key(|(_, p)| p.pupils)
            {
                hidden.push(*k);
            }
            (*s, hidden)
        })
        .collect();
    keys.iter()
        .map(|key| {
            let field = Field::new(schools, |s| {
                let p = of(counts.get(&s)?).get(key)?;
                Some(SchoolFigure {
                    unit: Unit {
                        events: p.half_days.problematic,
                        trials: p.half_days.expected,
                    },
                    pupils: p.pupils,
                    shown: !hidden[&s].contains(key),
                })
            });
            (label(key), field.unjudged())
        })
        .collect()
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// The weekday parts of whole days (`mon-day`), beside `mon-am` and `mon-pm`.
const WHOLE_DAY: &str = "day";

fn all_keys<T: Ord>(keys: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = keys.collect();
    v.sort();
    v.dedup();
    v
}

/// 0, 1 to the first threshold - 1, ..., from the last threshold.
fn band_ranges(thresholds: &[u32]) -> Vec<Band> {
    let mut bands = vec![Band {
        from: 0,
        to: Some(0),
    }];
    let mut from = 1;
    for t in thresholds {
        bands.push(Band {
            from,
            to: Some(t - 1),
        });
        from = *t;
    }
    bands.push(Band { from, to: None });
    bands
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use mirror_anonymise::Places;
    use mirror_anonymise::disclosure::{Release, Suppression};
    use mirror_model::{AttendanceTotals, Calendar, Config};

    use super::*;

    /// The tiny city, anonymised, with its benchmark settings.
    pub(crate) fn tiny_city_anonymised() -> (AnonymisedCity, BenchmarkSettings) {
        tiny_city_anonymised_with(|_, _| {})
    }

    /// The tiny city with `edit` made to it as read (before anonymising),
    /// with its benchmark settings.
    pub(crate) fn tiny_city_anonymised_with(
        edit: impl FnOnce(&mut mirror_ingest::RawCity, &mut mirror_ingest::PupilData),
    ) -> (AnonymisedCity, BenchmarkSettings) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let calendar = Calendar::load(&config.calendar).unwrap();
        let read =
            mirror_ingest::run(&config, calendar, mirror_ingest::PupilSources::Read).unwrap();
        let (mut raw, mut pupils) = (read.city, read.pupils.unwrap());
        edit(&mut raw, &mut pupils);
        let key = mirror_anonymise::PseudonymKey::load(
            config.pseudonym_key_file.as_deref(),
            &config.source,
        )
        .unwrap();
        let pupils = mirror_anonymise::PupilRecords::pseudonymise(pupils, &key);
        let city =
            mirror_anonymise::run(raw, pupils, &key, &Places::default(), &config.privacy).city;
        let settings = BenchmarkSettings {
            thresholds: config.thresholds,
            peers: config.peers,
            privacy: config.privacy,
            cohort: Cohort::Enrolled,
            practices_per_report: config.practices.per_report,
        };
        (city, settings)
    }

    /// The tiny city's mirrors; the figures are worked out in its README.
    pub(crate) fn tiny_city() -> CityBenchmark {
        let (city, settings) = tiny_city_anonymised();
        run(
            &city,
            &settings,
            Reported::Latest,
            &ReleaseHistory::default(),
        )
        .unwrap()
    }

    pub(crate) fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn rate_counts_only_problematic_half_days_over_expected_ones() {
        let b = tiny_city();
        assert_eq!(b.period.year.to_string(), "2024-2025");
        let aster = &b.mirrors[0];
        assert_eq!(aster.name, "Atheneum Aster");
        let y = aster.history.last().unwrap();
        assert_eq!(y.pupils, Some(3));
        assert!(close(
            y.problematic_rate.school.value().unwrap(),
            6.0 / 45.0
        ));
        // Campus Eik: its R absence is not problematic.
        let eik = &b.mirrors[4];
        assert!(close(
            eik.history[0].problematic_rate.school.value().unwrap(),
            3.0 / 36.0
        ));
    }

    #[test]
    fn a_small_peer_group_gets_its_pooled_figure_with_every_peer_counted() {
        let b = tiny_city();
        let spread = b.mirrors[0].history[1].problematic_rate.peers.unwrap();
        // Six peers, fewer than 10: no quartiles (over the five shown rates
        // they would be Ceder's, Den's and Eik's own), but the group's pooled
        // rate with Aster, Gagel's withheld rate counted: (6 + 0 + 1 + 2 + 3
        // + 4 + 2) / (45 + 45 + 4 x 36 + 18) = 18 / 252.
        assert_eq!(spread.schools, 6);
        assert_eq!(spread.figure, PeerFigure::Pooled);
        assert!(close(spread.median, 18.0 / 252.0));
        assert_eq!(spread.middle_half(), None);
        let group = b.mirrors[0].peer_group.as_ref().unwrap();
        assert_eq!(group.schools, 6);
    }

    #[test]
    fn a_school_below_min_pupils_is_suppressed_not_zero() {
        let b = tiny_city();
        let gagel = &b.mirrors[6];
        assert_eq!(gagel.history[0].problematic_rate.school, Figure::Suppressed);
        assert!(
            gagel
                .bands
                .iter()
                .all(|band| band.share.school == Figure::Suppressed)
        );
    }

    #[test]
    fn thresholds_and_bands_by_hand() {
        let (city, settings) = tiny_city_anonymised();
        let counts = counts::count(
            &city,
            &counts::Tables::new(&city),
            &[Period::whole(SchoolYear::starting(2024))],
            &settings.thresholds.problematic_half_days,
            Cohort::Enrolled,
        )
        .remove(0);
        let aster = &counts[&SchoolRef(0)];
        assert_eq!(aster.pupils_from_threshold, [1, 0, 0, 0]);
        assert_eq!(aster.pupils_per_band, [1, 1, 1, 0, 0, 0]);
    }

    /// Aster's 3 pupils are one in each of the bands 0, 1-4 and 5-9: counts
    /// of 1 pupil, below the tiny city's min_pupils of 2, so those bands and
    /// "from 5" (the same one pupil) are withheld; the zeros and the total
    /// are printed, and from them none of the withheld counts follows.
    #[test]
    fn counts_of_one_pupil_are_withheld_and_zeros_printed() {
        let b = tiny_city();
        let aster = &b.mirrors[0];
        let now = &aster.history[1];
        assert_eq!(now.pupils, Some(3));
        let from: Vec<Figure> = now.pupils_from_threshold.iter().map(|c| c.school).collect();
        assert_eq!(
            from,
            [
                Figure::Suppressed,
                Figure::Value(0.0),
                Figure::Value(0.0),
                Figure::Value(0.0)
            ]
        );
        let bands: Vec<(u32, Option<u32>, Figure)> = aster
            .bands
            .iter()
            .map(|b| (b.band.from, b.band.to, b.share.school))
            .collect();
        assert_eq!(
            bands,
            [
                (0, Some(0), Figure::Suppressed),
                (1, Some(4), Figure::Suppressed),
                (5, Some(9), Figure::Suppressed),
                (10, Some(14), Figure::Value(0.0)),
                (15, Some(29), Figure::Value(0.0)),
                (30, None, Figure::Value(0.0)),
            ]
        );
        // 4 of the bands and thresholds; the guidance follow-up of the one
        // pupil who reached 5, a table of 1 pupil: reached, with and without
        // a file, and per month reached in it and by its end (2 x 10); and the
        // one pupil from 30 in the government's figures of 2023-2024.
        assert_eq!(aster.suppressed[&Suppression::SmallCount], 4 + 3 + 20 + 1);
        let released = &aster
            .releases
            .iter()
            .find(|r| r.year == "2024-2025")
            .unwrap()
            .counts;
        assert_eq!(released["pupils"], 3);
        assert_eq!(released["from 10"], 0);
        assert!(!released.contains_key("from 5"));
    }

    /// Aster's first mirror printed 3 pupils. Had an earlier report printed
    /// 4 for the same year, the difference would be one pupil: the total is
    /// withheld now, and so is what would give it back.
    #[test]
    fn a_total_one_pupil_away_from_an_earlier_report_is_withheld() {
        let (city, settings) = tiny_city_anonymised();
        let dir = tempfile::tempdir().unwrap();
        let mut history = ReleaseHistory::load(dir.path()).unwrap();
        let year = SchoolYear::starting(2024);
        history.record(
            &"100001".parse().unwrap(),
            Release {
                year: year.to_string(),
                period_end: year.last_day(),
                counts: [("pupils".to_owned(), 4)].into_iter().collect(),
            },
        );
        let b = run(&city, &settings, Reported::Latest, &history).unwrap();
        assert_eq!(b.mirrors[0].history[1].pupils, None);
        assert_eq!(b.mirrors[0].suppressed[&Suppression::Difference], 1);
        // Other schools are not affected by Aster's history.
        assert_eq!(b.mirrors[1].history[0].pupils, Some(3));
    }

    /// Aster with 10000003 problematic on every half day of the first week
    /// too (9, from 2 September): 2 pupils reach 5 half days, both in
    /// September. An earlier report printed 3 "by the end of June", one away
    /// from today's 2, so that month is withheld; "reached" is the same 2
    /// (the running total to the period's last month), so the text does
    /// not print it either, and text and table agree.
    #[test]
    fn the_number_reached_is_printed_only_with_the_period_s_last_month() {
        let (city, settings) = tiny_city_anonymised_with(|raw, pupils| {
            let pupil = pupils
                .pupil_numbers
                .iter()
                .position(|p| p.as_str() == "10000003")
                .unwrap();
            let lessons: Vec<mirror_model::HalfDaySlot> = raw
                .calendar
                .year(SchoolYear::starting(2024))
                .unwrap()
                .lesson_half_days()
                .iter()
                .filter(|s| s.date <= NaiveDate::from_ymd_opt(2024, 9, 6).unwrap())
                .copied()
                .collect();
            pupils
                .absences
                .extend(lessons.into_iter().map(|slot| mirror_model::Absence {
                    pupil: mirror_model::PupilRef(pupil as u32),
                    school: SchoolRef(0),
                    slot,
                    category: AbsenceCategory::Problematic,
                }));
            pupils
                .absences
                .sort_by_key(|a| (a.school, a.pupil, a.slot.date, a.slot.half));
        });
        let shown = |history: &ReleaseHistory| {
            let b = run(&city, &settings, Reported::Latest, history).unwrap();
            let g = b.mirrors[0].guidance.clone();
            (g.reached, g.reached_by_month_end.last().copied().flatten())
        };
        let dir = tempfile::tempdir().unwrap();
        let mut history = ReleaseHistory::load(dir.path()).unwrap();
        assert_eq!(shown(&history), (Some(2), Some(2)));
        let year = SchoolYear::starting(2024);
        history.record(
            &"100001".parse().unwrap(),
            Release {
                year: year.to_string(),
                period_end: year.last_day(),
                counts: [("reached by month 9".to_owned(), 3)].into_iter().collect(),
            },
        );
        assert_eq!(shown(&history), (None, None));
    }

    #[test]
    fn asking_for_a_year_without_data_names_the_years_there_are() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let calendar = Calendar::load(&config.calendar).unwrap();
        let read =
            mirror_ingest::run(&config, calendar, mirror_ingest::PupilSources::Read).unwrap();
        let key = mirror_anonymise::PseudonymKey::from_hex(&"00".repeat(32), "k").unwrap();
        let pupils = mirror_anonymise::PupilRecords::pseudonymise(read.pupils.unwrap(), &key);
        let city =
            mirror_anonymise::run(read.city, pupils, &key, &Places::default(), &config.privacy)
                .city;
        let settings = BenchmarkSettings {
            thresholds: config.thresholds,
            peers: config.peers,
            privacy: config.privacy,
            cohort: Cohort::Enrolled,
            practices_per_report: config.practices.per_report,
        };
        let e = run(
            &city,
            &settings,
            Reported::Year(SchoolYear::starting(2023)),
            &ReleaseHistory::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "school year 2023-2024 has no enrolments or attendance totals; the data covers 2024-2025"
        );
    }

    fn tiny_counts(period: Period, cohort: Cohort) -> BTreeMap<SchoolRef, PeriodCounts> {
        let (city, settings) = tiny_city_anonymised();
        counts::count(
            &city,
            &counts::Tables::new(&city),
            &[period],
            &settings.thresholds.problematic_half_days,
            cohort,
        )
        .remove(0)
    }

    fn september(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 9, day).unwrap()
    }

    /// Aster (README): pupil 1 (S3) all 18 half days, problematic Mon 2 am
    /// and pm, Tue 3 am, Thu 5 am, Fri 6 pm, sick Tue 10 am and pm; pupil 2
    /// (S2) from Mon 9 Sept, 9 half days, problematic Mon 9 am; pupil 3 (S3)
    /// 18 half days, none. Each weekday half is expected 2 times in week 1
    /// and 3 times in week 2: 5 (no lessons on Wednesday afternoon).
    #[test]
    fn patterns_by_weekday_grade_month_and_category_by_hand() {
        let c = &tiny_counts(Period::whole(SchoolYear::starting(2024)), Cohort::Enrolled)
            [&SchoolRef(0)];
        let h = |expected, problematic| HalfDays {
            expected,
            problematic,
        };
        // Monday morning: 2 Sept pupil 1, 9 Sept pupil 2.
        assert_eq!(c.by_weekday[0], [h(5, 2), h(5, 1)]);
        assert_eq!(c.by_weekday[1], [h(5, 1), h(5, 0)]);
        assert_eq!(c.by_weekday[2], [h(5, 0), h(0, 0)]);
        assert_eq!(c.by_weekday[3], [h(5, 1), h(5, 0)]);
        assert_eq!(c.by_weekday[4], [h(5, 0), h(5, 1)]);
        // All of it in September.
        assert_eq!(c.by_month[0], h(45, 6));
        assert_eq!(c.by_month[1], h(0, 0));
        // S3: pupils 1 and 3, 36 half days, 5 problematic; S2: pupil 2.
        let grades: Vec<(String, u32, HalfDays)> = c
            .by_grade
            .iter()
            .map(|(g, p)| (g.to_string(), p.pupils, p.half_days))
            .collect();
        assert_eq!(
            grades,
            [
                ("S2".to_owned(), 1, h(9, 1)),
                ("S3".to_owned(), 2, h(36, 5))
            ]
        );
        // Sick: pupil 1's two half days on Tuesday 10 Sept.
        assert_eq!(c.absent[1], 2);
        assert_eq!(c.absent[4], 6);
        // No holidays in the two weeks: every day is an ordinary one.
        assert_eq!(c.near_holidays, [h(0, 0), h(0, 0), h(45, 6)]);
    }

    /// Pupil 1 of Aster reached 5 problematic half days on Friday 6 Sept
    /// (pm) and got a truancy file on Wednesday 11 Sept: school days 9, 10
    /// and 11 Sept lie between, so 3. The opening is lesson half day 13 (9
    /// in week 1, then Monday and Tuesday): the 13 before it hold his 5
    /// problematic half days; the 5 from it on (Wed am, Thu, Fri) none.
    #[test]
    fn guidance_follow_up_by_hand() {
        let c = &tiny_counts(Period::whole(SchoolYear::starting(2024)), Cohort::Enrolled)
            [&SchoolRef(0)];
        let g = &c.guidance;
        assert_eq!((g.reached, g.with_file), (1, 1));
        assert_eq!(g.days_to_file, [3]);
        assert_eq!(
            g.before_file,
            HalfDays {
                expected: 13,
                problematic: 5
            }
        );
        assert_eq!(
            g.after_file,
            HalfDays {
                expected: 5,
                problematic: 0
            }
        );
        assert_eq!(c.first_threshold_reached_by_month[0], 1);
        // One pupil is below the tiny city's min_pupils of 2: the mirror
        // prints none of it.
        let b = tiny_city();
        let follow_up = &b.mirrors[0].guidance;
        assert_eq!(follow_up.reached, None);
        assert_eq!(follow_up.with_file.school, Figure::Suppressed);
        assert_eq!(follow_up.median_school_days, None);
        assert_eq!(follow_up.reached_by_month_end[0], None);
    }

    /// Up to Friday 6 Sept, Aster had pupils 1 and 3 (pupil 2 was at Beuk):
    /// 18 half days each, 5 problematic.
    fn assert_aster_up_to_september_6(counts: &BTreeMap<SchoolRef, PeriodCounts>) {
        let aster = &counts[&SchoolRef(0)];
        assert_eq!(aster.pupils, 2);
        assert_eq!(
            aster.half_days,
            HalfDays {
                expected: 18,
                problematic: 5
            }
        );
    }

    #[test]
    fn year_to_date_counts_only_the_days_up_to_the_as_of_date() {
        assert_aster_up_to_september_6(&tiny_counts(Period::up_to(september(6)), Cohort::Enrolled));
        let (city, settings) = tiny_city_anonymised();
        let b = run(
            &city,
            &settings,
            Reported::UpTo(september(6)),
            &ReleaseHistory::default(),
        )
        .unwrap();
        assert!(b.period.year_to_date);
        assert_eq!(b.period.to, september(6));
        let now = b.mirrors[0].history.last().unwrap();
        assert_eq!(now.problematic_rate.school, Figure::Value(5.0 / 18.0));
        // No data a year earlier to compare the same dates with.
        assert_eq!(b.mirrors[0].same_dates_last_year, None);
    }

    /// The whole year and the year up to 6 September counted together, as
    /// a follow-up counts its periods: each is what counting it alone gives
    /// (Aster up to 6 September: 2 pupils, 18 half days, 5 problematic), with
    /// every pupil and with a cohort day (13 September, so 6 September for
    /// the part of the year), which differs per period.
    #[test]
    fn periods_counted_together_are_those_counted_alone() {
        let (city, settings) = tiny_city_anonymised();
        let tables = counts::Tables::new(&city);
        let periods = [
            Period::whole(SchoolYear::starting(2024)),
            Period::up_to(september(6)),
        ];
        let thresholds = &settings.thresholds.problematic_half_days;
        for cohort in [Cohort::Enrolled, Cohort::EnrolledOn { month: 9, day: 13 }] {
            let together = counts::count(&city, &tables, &periods, thresholds, cohort);
            let alone: Vec<_> = periods
                .iter()
                .map(|p| counts::count(&city, &tables, &[*p], thresholds, cohort).remove(0))
                .collect();
            assert_eq!(together, alone, "{cohort:?}");
        }
        assert_aster_up_to_september_6(
            &counts::count(&city, &tables, &periods, thresholds, Cohort::Enrolled).remove(1),
        );
    }

    /// Counting only pupils enrolled on 6 Sept: Aster keeps pupils 1 and 3
    /// (36 half days, 5 problematic); Beuk keeps its two and pupil 2, who
    /// counts over his week there (9 half days).
    #[test]
    fn a_cohort_day_counts_only_pupils_enrolled_that_day() {
        let counts = tiny_counts(
            Period::whole(SchoolYear::starting(2024)),
            Cohort::EnrolledOn { month: 9, day: 6 },
        );
        assert_eq!(counts[&SchoolRef(0)].pupils, 2);
        assert_eq!(counts[&SchoolRef(0)].half_days.expected, 36);
        assert_eq!(counts[&SchoolRef(0)].half_days.problematic, 5);
        assert_eq!(counts[&SchoolRef(1)].pupils, 3);
        assert_eq!(counts[&SchoolRef(1)].half_days.expected, 45);
    }

    /// Aster's rate 6/45 against the pooled rate of the seven schools of its
    /// level, Gagel's (1 pupil, withheld in its own mirror) counted:
    /// problematic 6 + 0 + 1 + 2 + 3 + 4 + 2 = 18 over 45 + 45 + 4 x 36 + 18
    /// = 252 half days.
    #[test]
    fn the_city_figure_pools_the_schools_of_the_level() {
        let b = tiny_city();
        let rate = &b.mirrors[0].history[1].problematic_rate;
        assert!(close(rate.city.unwrap(), 18.0 / 252.0));
        // The funnel is drawn around the group with Aster in it; Aster at
        // 13% against 7.1% is flagged only if outside the limits, and the
        // numbers behind the flag are there. The printed peer figure is
        // this target.
        let judged = rate.judged.unwrap();
        assert!(close(judged.target, 18.0 / 252.0));
        assert_eq!(rate.peers.map(|p| p.median), Some(judged.target));
        assert!(judged.limits.upper95 < judged.limits.upper998);
    }

    #[test]
    fn a_snapshot_keeps_what_the_mirrors_printed() {
        let b = tiny_city();
        let dir = tempfile::tempdir().unwrap();
        let all = b.mirrors.iter().map(|m| &m.school).collect();
        let path = snapshot::write_snapshot(dir.path(), &b, &all).unwrap();
        assert!(path.ends_with("metrics/2024-2025.parquet"));
        let snapshot = snapshot::read_snapshot(&path).unwrap();
        assert_eq!(snapshot.period, b.period);
        let rows = snapshot.rows;
        let find = |school: &str, metric: &str| {
            rows.iter()
                .find(|r| r.school == school && r.metric == metric)
                .unwrap()
                .clone()
        };
        let aster = find("100001", "problematic_rate");
        assert!(close(aster.value.unwrap(), 6.0 / 45.0));
        // The pooled peer figure of Aster's group of six (see above).
        assert!(close(aster.peer_median.unwrap(), 18.0 / 252.0));
        // Aster's share from 5 half days (1 pupil) was withheld: null.
        assert_eq!(find("100001", "from_5").value, None);
        assert_eq!(rows, snapshot::metric_rows(&b));
    }

    /// Aster's 2023-2024 is known only from the government (fixture
    /// government/2023-2024.csv): 20 pupils, 3 from 15 problematic half days,
    /// 1 from 30, 4 staying down a grade, 6 behind. With min_pupils 2: the 1
    /// pupil from 30 is withheld, and 3 from 15 stays (the 2 of 15-29 are
    /// not printed, so the 1 cannot be worked out); 4 and 6 are printed.
    /// The thresholds 5 and 10 are not in the government's figures.
    #[test]
    fn a_year_known_only_from_the_government_opens_the_trend() {
        let b = tiny_city();
        let aster = &b.mirrors[0];
        assert_eq!(aster.history.len(), 2);
        let then = &aster.history[0];
        assert_eq!(then.year, SchoolYear::starting(2023));
        assert_eq!(then.source, YearSource::Official);
        assert_eq!(then.pupils, Some(20));
        let from: Vec<Figure> = then
            .pupils_from_threshold
            .iter()
            .map(|c| c.school)
            .collect();
        assert_eq!(
            from,
            [
                Figure::Missing,
                Figure::Missing,
                Figure::Value(3.0 / 20.0),
                Figure::Suppressed
            ]
        );
        assert_eq!(then.problematic_rate.school, Figure::Missing);
        let outcomes: Vec<(Outcome, Figure)> = then
            .outcomes
            .iter()
            .map(|o| (o.outcome, o.share.school))
            .collect();
        assert_eq!(
            outcomes,
            [
                (Outcome::GradeRetention, Figure::Value(4.0 / 20.0)),
                (Outcome::SchoolDelay, Figure::Value(6.0 / 20.0)),
            ]
        );
        // No change is tested across sources: the official year has no
        // pupil-level half days.
        assert_eq!(aster.history[1].change, None);
        // Schools without government figures start with the counted year.
        assert_eq!(b.mirrors[1].history.len(), 1);
    }

    /// Campus Eik's registrations given as daily totals instead (2-13
    /// September 2024, 2 pupils, 4 half days a day, 2 on Wednesdays: 36):
    /// problematic 2 on Tue 3, 1 on Wed 4, authorised by law 1 on Fri 13,
    /// as its pupil-level data had. Its rate is the same 3/36; weekdays are
    /// whole days (Tuesday 2 of 8); nothing about pupils is made up.
    #[test]
    fn a_school_with_daily_totals_gets_what_totals_allow() {
        let eik = SchoolRef(4);
        let (city, settings) = tiny_city_anonymised_with(|_, pupils| {
            pupils.enrolments.retain(|e| e.school != eik);
            pupils.absences.retain(|a| a.school != eik);
            let weekdays = (2..=13).filter(|d| ![7, 8].contains(d));
            pupils.attendance_totals = weekdays
                .map(|day| {
                    let half_days = match day {
                        3 => [2, 0, 0, 0, 2, 0],
                        4 => [1, 0, 0, 0, 1, 0],
                        11 => [2, 0, 0, 0, 0, 0],
                        13 => [3, 0, 1, 0, 0, 0],
                        _ => [4, 0, 0, 0, 0, 0],
                    };
                    AttendanceTotals {
                        school: eik,
                        from: september(day),
                        to: september(day),
                        enrolled: 2,
                        half_days,
                    }
                })
                .collect();
        });
        let b = run(
            &city,
            &settings,
            Reported::Latest,
            &ReleaseHistory::default(),
        )
        .unwrap();
        let m = &b.mirrors[4];
        assert_eq!(m.school.as_str(), "100005");
        let now = m.history.last().unwrap();
        assert_eq!(now.source, YearSource::Totals);
        assert_eq!(now.problematic_rate.school, Figure::Value(3.0 / 36.0));
        assert!(now.problematic_rate.judged.is_some());
        assert!(m.funnel.is_some());
        assert!(
            now.pupils_from_threshold
                .iter()
                .chain(m.bands.iter().map(|b| &b.share))
                .all(|c| c.school == Figure::Missing)
        );
        assert_eq!(now.change, None);
        assert_eq!(m.guidance.reached, None);
        assert!(m.guidance.reached_by_month_end.is_empty());
        assert!(m.patterns.grades.is_empty() && m.patterns.forms.is_empty());
        let law = m
            .categories
            .iter()
            .find(|c| c.category == AbsenceCategory::AuthorisedByLaw)
            .unwrap();
        assert_eq!(law.rate.school, Figure::Value(1.0 / 36.0));
        assert_eq!(m.patterns.months[0].rate.school, Figure::Value(3.0 / 36.0));
        let days: Vec<(&str, Figure)> = m
            .patterns
            .weekdays
            .iter()
            .map(|w| (w.part.as_str(), w.rate.school))
            .collect();
        assert_eq!(
            days,
            [
                ("mon-day", Figure::Value(0.0)),
                ("tue-day", Figure::Value(2.0 / 8.0)),
                ("wed-day", Figure::Value(1.0 / 4.0)),
                ("thu-day", Figure::Value(0.0)),
                ("fri-day", Figure::Value(0.0)),
            ]
        );
        // Aster keeps its mornings and afternoons, and its peers' figure is
        // as before: Eik's rate from totals is the same 3/36.
        let aster = &b.mirrors[0];
        assert!(
            aster
                .patterns
                .weekdays
                .iter()
                .all(|w| !w.part.ends_with("-day"))
        );
        assert_eq!(
            aster.history[1].problematic_rate,
            tiny_city().mirrors[0].history[1].problematic_rate
        );
    }

    /// Aster's grade S2 has one pupil (below min_pupils 2): withheld, and
    /// with it S3, the smallest other grade, or S3's rate and the school's
    /// would give S2's back. Neither is placed on a funnel.
    #[test]
    fn a_withheld_grade_takes_the_smallest_other_with_it() {
        let b = tiny_city();
        let grades: Vec<(String, Figure, bool)> = b.mirrors[0]
            .patterns
            .grades
            .iter()
            .map(|g| (g.part.clone(), g.rate.school, g.rate.judged.is_some()))
            .collect();
        assert_eq!(
            grades,
            [
                ("S2".to_owned(), Figure::Suppressed, false),
                ("S3".to_owned(), Figure::Suppressed, false)
            ]
        );
        // Ceder's one grade, S4, has its 2 pupils: shown, 1 of 36 half days.
        let ceder = &b.mirrors[2].patterns.grades;
        assert_eq!(ceder.len(), 1);
        assert_eq!(ceder[0].rate.school, Figure::Value(1.0 / 36.0));
        assert_eq!(ceder[0].rate.judged, None);
        // Months are about all of a school's pupils: Aster's September shown.
        let months = &b.mirrors[0].patterns.months;
        assert_eq!(months[0].rate.school, Figure::Value(6.0 / 45.0));
    }
}
