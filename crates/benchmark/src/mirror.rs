//! What benchmark hands to render: one school's figures beside its peer group.
//! Peers appear only as spreads (quartiles), never one by one or by name.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use mirror_anonymise::SharedPractice;
use mirror_anonymise::disclosure::{Release, Suppression};
use mirror_model::{AbsenceCategory, EducationForm, Level, ReportLanguage, SchoolId, SchoolYear};
use serde::Serialize;

use crate::funnel::{Limits, Position};
use crate::significance::ChangeTest;
use crate::survey::SurveyMirror;

/// A school's own figure, or the fact that it may not be printed: it is about
/// fewer than `privacy.min_pupils` pupils, or would let such a figure be
/// worked out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", content = "value", rename_all = "lowercase")]
pub enum Figure {
    Value(f64),
    /// Printed as suppressed, never as 0.
    Suppressed,
    /// The data for it does not exist (a year known only from the
    /// government's figures has no rate of half days, for example).
    Missing,
}

impl Figure {
    pub fn value(self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(v),
            Self::Suppressed | Self::Missing => None,
        }
    }
}

/// Which side of what it is set against a figure lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Lower,
    Higher,
}

impl Comparison {
    /// The side of its funnel's 95% limits the school's figure lies on;
    /// `None` within them or unjudged. Nothing is called higher or lower
    /// without this.
    pub fn flagged(&self) -> Option<Side> {
        match self.judged?.position {
            Position::Low95 | Position::Low998 => Some(Side::Lower),
            Position::High95 | Position::High998 => Some(Side::Higher),
            Position::Within => None,
        }
    }

    /// The figure the report quotes for the peers beside the school's,
    /// everywhere: the one the key-figures table prints (the median, or the
    /// pooled figure under [`MIN_SCHOOLS_FOR_SPREAD`] shown peers), and
    /// without a peer group the funnel's average of the city's schools of
    /// the level (`None` as its kind).
    pub fn quoted_peers(&self) -> Option<(f64, Option<PeerFigure>)> {
        match (self.peers, self.judged) {
            (Some(p), _) => Some((p.median, Some(p.figure))),
            (None, Some(j)) => Some((j.target, None)),
            (None, None) => None,
        }
    }
}

/// The peer group's figure. From [`MIN_SCHOOLS_FOR_SPREAD`] peers whose
/// figure is shown: their quartiles (the school itself excluded). With
/// fewer, a quartile would be one peer's own figure, which that peer prints
/// in its own mirror: then `median` holds the pooled figure (the funnel's
/// target: every peer and the school itself together) and both quartiles
/// equal it, so that no middle half is drawn or printed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeerSpread {
    pub lower_quartile: f64,
    pub median: f64,
    pub upper_quartile: f64,
    /// How many peers the figure is computed over.
    pub schools: usize,
    /// Which figure `median` is.
    pub figure: PeerFigure,
}

/// What a [`PeerSpread`]'s `median` is, for the report to say in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeerFigure {
    /// The peers' median, with their middle half around it.
    Median,
    /// The group's pooled figure; there is no middle half.
    Pooled,
}

impl PeerSpread {
    /// The quartiles of `values` (one per peer); the caller keeps them to
    /// [`MIN_SCHOOLS_FOR_SPREAD`] or more.
    pub(crate) fn quartiles(values: &[f64]) -> Option<Self> {
        let [lower_quartile, median, upper_quartile] = crate::stats::quartiles(values)?;
        Some(Self {
            lower_quartile,
            median,
            upper_quartile,
            schools: values.len(),
            figure: PeerFigure::Median,
        })
    }

    /// The same, of `sorted` (ascending by `f64::total_cmp`) without the
    /// value at `without`: the peers' figures taken from their list's, the
    /// school's own left out.
    pub(crate) fn quartiles_without(sorted: &[f64], without: Option<usize>) -> Option<Self> {
        let [lower_quartile, median, upper_quartile] =
            crate::stats::quartiles_without(sorted, without)?;
        Some(Self {
            lower_quartile,
            median,
            upper_quartile,
            schools: sorted.len() - usize::from(without.is_some()),
            figure: PeerFigure::Median,
        })
    }

    /// The group's pooled figure over `schools` peers, with no middle half.
    pub(crate) fn pooled(pooled: f64, schools: usize) -> Self {
        Self {
            lower_quartile: pooled,
            median: pooled,
            upper_quartile: pooled,
            schools,
            figure: PeerFigure::Pooled,
        }
    }

    /// The lower and upper quartile, when there is a middle half.
    pub fn middle_half(&self) -> Option<[f64; 2]> {
        (self.figure == PeerFigure::Median).then_some([self.lower_quartile, self.upper_quartile])
    }
}

/// Peers whose figure is shown needed for a median and a middle half. Below
/// this the quartiles of a few schools are their own figures (with 5 peers
/// the 2nd, 3rd and 4th), which each of them prints in its own mirror, and
/// neighbours know each other: docs/privacy.md.
pub const MIN_SCHOOLS_FOR_SPREAD: usize = 10;

/// One figure for the school and its peers. `peers` is `None` when fewer than
/// `privacy.min_peer_schools` peers have the figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    pub school: Figure,
    pub peers: Option<PeerSpread>,
    /// The city's schools of the same level together (pooled).
    pub city: Option<f64>,
    /// Whether the school's figure lies outside what chance allows around the
    /// peers' average: only with the school's figure shown and a funnel.
    pub judged: Option<Judgement>,
}

/// The school's figure placed on the funnel plot of its peers (or of the
/// city's schools of its level when it has no peer group), with the numbers
/// the methodology page prints.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Judgement {
    /// `within` unless outside the 95% control limit.
    pub position: Position,
    pub against: Against,
    /// The average the limits are drawn around, and the limits at the
    /// school's size.
    pub target: f64,
    pub limits: Limits,
    /// Overdispersion-adjusted z-score.
    pub z: f64,
    /// Whether the schools varied more than chance and the limits were widened.
    pub overdispersed: bool,
}

/// The funnel plot of a rate: the limits around the average at sizes near
/// the school's, and the school's own point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelPlot {
    pub target: f64,
    pub against: Against,
    /// The school's size (half days expected) and rate.
    pub school_trials: u64,
    pub school_rate: f64,
    /// Increasing in `trials`.
    pub curve: Vec<FunnelPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FunnelPoint {
    pub trials: u64,
    pub limits: Limits,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Against {
    Peers,
    City,
}

/// The period a mirror covers: a whole school year, or the school year up
/// to an as-of date (then compared with the same dates a year earlier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub year: SchoolYear,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub year_to_date: bool,
}

impl Period {
    pub fn whole(year: SchoolYear) -> Self {
        Self {
            year,
            from: year.first_day(),
            to: year.last_day(),
            year_to_date: false,
        }
    }

    /// The school year of `as_of` up to that day.
    pub fn up_to(as_of: NaiveDate) -> Self {
        let year = SchoolYear::containing(as_of);
        Self {
            year,
            from: year.first_day(),
            to: as_of.min(year.last_day()),
            year_to_date: as_of < year.last_day(),
        }
    }

    /// The same dates a year earlier (29 February becomes 28 February).
    pub fn a_year_earlier(self) -> Self {
        let back = |d: NaiveDate| {
            d.with_year(d.year() - 1)
                .or_else(|| (d - chrono::Days::new(1)).with_year(d.year() - 1))
                .expect("28 February exists every year")
        };
        Self {
            year: self.year.previous(),
            from: back(self.from),
            to: back(self.to),
            year_to_date: self.year_to_date,
        }
    }
}

/// Who the peer group is, in terms a report can put into words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerGroupDescription {
    pub level: Level,
    /// Number of peer schools (the school itself not included).
    pub schools: usize,
    /// Education forms offered by most schools in the group, most common first.
    pub common_forms: Vec<EducationForm>,
    /// The group's socio-economic band compared with the city's schools of the
    /// same level: `lower`, `middle` or `higher` disadvantage.
    pub disadvantage_band: DisadvantageBand,
    /// How the group was chosen: `rules` or `nearest` (`peers.method`).
    pub method: mirror_model::config::PeerMethod,
    /// The city listed this school's peers (`peers.pinned`): `method` did not
    /// choose them.
    pub pinned: bool,
    /// How far the rules were widened to reach `privacy.min_peer_schools`;
    /// `None` when the schools matching them sufficed, and for groups chosen
    /// as nearest neighbours or pinned.
    pub widening: Option<Widening>,
    /// The keyed identifier of the set of peers
    /// ([`mirror_anonymise::AnonymisedCity::school_set_id`]), printed so that
    /// the city can trace a figure to the schools it was compared with.
    pub set_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DisadvantageBand {
    Lower,
    Middle,
    Higher,
}

/// What the rules method let in beyond the schools of the same form group
/// and socio-economic band, in the order it widens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Widening {
    /// Same form group, own and neighbouring bands.
    NeighbouringBands,
    /// Same form group, every band.
    AllBands,
    /// Every form group, own band.
    OtherForms,
    /// Every form group, own and neighbouring bands.
    OtherFormsNeighbouringBands,
    /// Every school of the level.
    WholeLevel,
}

/// Where a school year's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum YearSource {
    /// Pupil-level registrations: every figure.
    Registrations,
    /// Attendance totals (half days per category for a day, a month or the
    /// year: the rates, no counts of pupils by absence), with the
    /// government's yearly figures where it gives them.
    Totals,
    /// Only the government's yearly figures (pupils from 15 and 30
    /// problematic half days): no rate.
    Official,
}

/// Problematic absence in one school year (or the part of it up to the
/// as-of date, for the reported year of a year-to-date mirror).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearFigures {
    pub year: SchoolYear,
    pub source: YearSource,
    /// Pupils enrolled at the school at some time in the year; `None` when
    /// fewer than `privacy.min_pupils`.
    pub pupils: Option<u32>,
    /// Problematic half days / half days pupils were expected at school.
    pub problematic_rate: Comparison,
    /// Share of pupils with at least each threshold of problematic half days,
    /// in the order of `SchoolMirror::thresholds`.
    pub pupils_from_threshold: Vec<Comparison>,
    /// The rate against the year before in this history: called rising or
    /// falling only when the change is statistically significant.
    pub change: Option<ChangeTest>,
    /// Shares of pupils the government's figures give, where they give them.
    pub outcomes: Vec<OutcomeShare>,
    /// Share of the pupils who reached the first threshold with a truancy
    /// guidance file opened (missing for years known only from the
    /// government's figures).
    pub with_file: Comparison,
}

/// A share from the government's yearly figures that truancy predicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutcomeShare {
    pub outcome: Outcome,
    pub share: Comparison,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    GradeRetention,
    SchoolDelay,
    EarlyLeaving,
}

/// The rate of one absence category in the period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CategoryRate {
    pub category: AbsenceCategory,
    pub rate: Comparison,
}

/// Problematic absence in one part of the period: a month, a weekday's
/// morning, a grade, ...
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternRate {
    /// `9` for September, `mon-am`, `2A`, `TSO`, `last-day-before`, ...
    pub part: String,
    pub rate: Comparison,
}

/// When and where problematic absence happens at the school.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Patterns {
    pub months: Vec<PatternRate>,
    pub weekdays: Vec<PatternRate>,
    pub grades: Vec<PatternRate>,
    pub forms: Vec<PatternRate>,
    pub near_holidays: Vec<PatternRate>,
}

/// What followed for the pupils who reached the first threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuidanceFollowUp {
    /// Pupils who reached the threshold; `None` below `privacy.min_pupils`.
    pub reached: Option<u32>,
    /// Share of them with a truancy guidance file opened.
    pub with_file: Comparison,
    /// Median school days from the threshold half day to the opening.
    pub median_school_days: Option<f64>,
    /// Problematic absence of those pupils in the 20 school days before the
    /// opening and in the 20 from it on.
    pub rate_before_file: Figure,
    pub rate_after_file: Figure,
    /// Pupils who had reached the threshold by the end of each month
    /// (September first): counts, never a list; `None` where withheld.
    pub reached_by_month_end: Vec<Option<u32>>,
}

impl GuidanceFollowUp {
    /// For a school known from attendance totals: nothing about pupils
    /// reaching the threshold exists.
    pub(crate) fn not_counted(with_file: Comparison) -> Self {
        Self {
            reached: None,
            with_file,
            median_school_days: None,
            rate_before_file: Figure::Missing,
            rate_after_file: Figure::Missing,
            reached_by_month_end: Vec::new(),
        }
    }
}

/// A band of problematic half days, such as 5-9 or 30 and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Band {
    pub from: u32,
    /// Inclusive upper end; `None` for the open top band.
    pub to: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandFigures {
    pub band: Band,
    /// Share of the school's pupils in this band, and the peers' spread.
    pub share: Comparison,
}

/// Everything one school's mirror shows, for the reported school year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoolMirror {
    pub school: SchoolId,
    /// The school's own name; no other school's name is ever in a mirror.
    pub name: String,
    pub level: Level,
    pub language: ReportLanguage,
    pub year: SchoolYear,
    pub period: Period,
    pub thresholds: Vec<u32>,
    /// `None` when the level has fewer than `privacy.min_peer_schools` other schools.
    pub peer_group: Option<PeerGroupDescription>,
    /// Every school year with data, oldest first; the last is `year`.
    pub history: Vec<YearFigures>,
    /// The funnel plot of the problematic-absence rate in `period`; `None`
    /// when the rate is withheld or there are too few schools to draw it.
    pub funnel: Option<FunnelPlot>,
    /// For a year-to-date mirror: the same dates a year earlier.
    pub same_dates_last_year: Option<YearFigures>,
    /// The rate's straight-line trend over the last three or more whole
    /// school years in a row with a printed rate (the reported one last);
    /// `None` for a year-to-date mirror or with fewer years.
    pub trend: Option<crate::significance::TrendTest>,
    /// Only in a follow-up report: the school's last mirror beside this one,
    /// and its action-plan goals ([`crate::follow_up::since_last_mirror`]).
    pub since_last_mirror: Option<crate::follow_up::SinceLastMirror>,
    /// Pupils spread over the bands 0, 1-4, 5-9, ... in `period`.
    pub bands: Vec<BandFigures>,
    /// The rate of every kind of absence in `period`, problematic included.
    pub categories: Vec<CategoryRate>,
    pub patterns: Patterns,
    pub guidance: GuidanceFollowUp,
    /// The questionnaires and the checklist.
    pub survey: SurveyMirror,
    /// The goals of the local action plans of the school and its network,
    /// each followed over time against its target.
    pub goals: Vec<crate::goals::GoalProgress>,
    /// The support offers the mirror's findings call for, each with the
    /// findings that did; empty when nothing was found.
    pub support: Vec<crate::support::SupportSuggestion>,
    /// Good practices of other schools for the appendix, on the themes
    /// where the school is weakest; empty when there are none to share.
    pub practices: Vec<PracticeShown>,
    /// Every count of pupils this mirror prints, per school year: kept in the
    /// release history once the report is written, so that a later report
    /// cannot be subtracted from it.
    #[serde(skip)]
    pub releases: Vec<Release>,
    /// How many counts each rule withheld, for the run's audit.
    #[serde(skip)]
    pub suppressed: BTreeMap<Suppression, u32>,
}

/// A good practice of another school as a mirror's appendix or the
/// inspiration guide shows it: redacted by anonymise, and said to come from
/// "a secondary school with a similar pupil population where ...", never
/// from a named one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PracticeShown {
    pub from_level: Level,
    /// The source school is in the same socio-economic band of its level as
    /// the school the mirror is for (never set in the guide).
    pub similar_population: bool,
    /// The theme it was chosen for (its name): one where the reader's
    /// school is weak. Not set in the guide.
    pub chosen_for: Option<mirror_model::Wording>,
    /// What the source school's figures show on that theme.
    pub evidence: Option<crate::practices::Evidence>,
    #[serde(flatten)]
    pub practice: SharedPractice,
}
