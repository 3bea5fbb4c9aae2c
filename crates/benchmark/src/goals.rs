//! Local action plans followed up: each goal's indicator in every school
//! year the mirror covers, against its target and deadline, and whether it
//! is on track, from the recent trend and the time left.

use chrono::NaiveDate;
use mirror_anonymise::{AnonymisedCity, PlanGoal, RedactedText};
use mirror_model::config::PrivacySettings;
use mirror_model::{Measure, PlanScope, RespondentGroup, SchoolRef, SchoolYear};
use serde::Serialize;

use crate::{Figure, SchoolMirror, survey};

/// How many of the latest points the trend is drawn through: the pace of
/// the last years, not of a decade.
pub const TREND_POINTS: usize = 3;

const DAYS_PER_YEAR: f64 = 365.25;

/// A goal of the school's or its network's action plan, followed up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalProgress {
    pub goal: RedactedText,
    /// Whether the goal is the local network's rather than the school's own.
    pub network: bool,
    pub indicator: Measure,
    pub target: f64,
    pub baseline: Option<f64>,
    pub deadline: NaiveDate,
    /// The partner responsible, and how often progress is evaluated.
    pub partner: RedactedText,
    pub evaluation: Option<RedactedText>,
    /// The school's figure in each period it has one, oldest first.
    pub series: Vec<GoalPoint>,
    pub judgement: GoalJudgement,
}

/// The indicator in one period: a school year, or the reported part of one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoalPoint {
    pub year: SchoolYear,
    /// The period's last day: where the point lies on the time axis.
    pub to: NaiveDate,
    pub part_of_year: bool,
    /// `None` where the figure is withheld.
    pub value: Option<f64>,
}

/// Whether the goal is met or on its way, with the numbers behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GoalJudgement {
    pub status: GoalStatus,
    /// The latest point judged on (shares of pupils: the latest whole
    /// school year, as they grow while a year goes on).
    pub latest: Option<GoalPoint>,
    /// From the latest point to the deadline; 0 once it has passed.
    pub years_left: f64,
    /// Change per year of the least-squares line through the latest
    /// [`TREND_POINTS`] points judged on.
    pub trend_per_year: Option<f64>,
    /// Change per year that would reach the target by the deadline.
    pub needed_per_year: Option<f64>,
    /// The latest figure carried on by the trend to the deadline.
    pub projected: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GoalStatus {
    /// The latest figure meets the target.
    Reached,
    /// Not yet, but the trend carries the figure to the target by the deadline.
    OnTrack,
    /// The trend does not reach the target by the deadline.
    OffTrack,
    /// The deadline has passed without the target met.
    Missed,
    /// One point only: no trend to judge by yet.
    NoTrend,
    /// The figure is withheld (too few pupils or respondents) or not there.
    NotShown,
}

/// Every goal of the school's plan and of its network's, in the plans'
/// order (by scope, then deadline).
pub fn progress(
    city: &AnonymisedCity,
    me: SchoolRef,
    m: &SchoolMirror,
    privacy: &PrivacySettings,
) -> Vec<GoalProgress> {
    let network = city.school(me).network.as_ref();
    city.plans()
        .iter()
        .filter(|g| match &g.scope {
            PlanScope::School(s) => *s == me,
            PlanScope::Network(n) => Some(n) == network,
        })
        .map(|g| {
            let series = series(city, me, m, &g.indicator, privacy);
            GoalProgress {
                judgement: judge_goal(g, &series),
                goal: g.goal.clone(),
                network: matches!(g.scope, PlanScope::Network(_)),
                indicator: g.indicator.clone(),
                target: g.target,
                baseline: g.baseline,
                deadline: g.deadline,
                partner: g.partner.clone(),
                evaluation: g.evaluation.clone(),
                series,
            }
        })
        .collect()
}

/// The indicator in each period of the mirror's history as the mirror
/// prints it; years without the figure at all (known only from the
/// government's totals, say) are left out, withheld ones kept as `None`.
fn series(
    city: &AnonymisedCity,
    me: SchoolRef,
    m: &SchoolMirror,
    indicator: &Measure,
    privacy: &PrivacySettings,
) -> Vec<GoalPoint> {
    let point = |year: SchoolYear, figure: Figure| {
        let (to, part_of_year) = if year == m.period.year {
            (m.period.to, m.period.year_to_date)
        } else {
            (year.last_day(), false)
        };
        (figure != Figure::Missing).then_some(GoalPoint {
            year,
            to,
            part_of_year,
            value: figure.value(),
        })
    };
    if let Measure::Scale { scale, group } = indicator {
        let group = group.unwrap_or(RespondentGroup::Pupils);
        return survey::scale_series(city, me, scale, group, m.year, privacy)
            .into_iter()
            .filter_map(|(year, figure)| point(year, figure))
            .collect();
    }
    m.history
        .iter()
        .filter_map(|y| {
            let figure = match indicator {
                Measure::ProblematicRate => y.problematic_rate.school,
                Measure::PupilsFrom { threshold } => m
                    .thresholds
                    .iter()
                    .position(|t| t == threshold)
                    .and_then(|k| y.pupils_from_threshold.get(k))
                    .map_or(Figure::Missing, |c| c.school),
                Measure::GuidanceFilesOpened => y.with_file.school,
                Measure::Scale { .. } => unreachable!("scores are read above"),
            };
            point(y.year, figure)
        })
        .collect()
}

fn judge_goal(g: &PlanGoal, series: &[GoalPoint]) -> GoalJudgement {
    // A share of pupils grows as a school year goes on: a part of a year
    // is shown, but not set against a target for whole years.
    let grows = matches!(
        g.indicator,
        Measure::PupilsFrom { .. } | Measure::GuidanceFilesOpened
    );
    let points: Vec<GoalPoint> = series
        .iter()
        .filter(|p| !(grows && p.part_of_year))
        .copied()
        .collect();
    judge(
        &points,
        g.target,
        g.deadline,
        g.indicator.lower_is_better(),
        g.indicator.is_share(),
    )
}

/// The judgement of a goal from its points (oldest first). The latest
/// shown point meets the target: reached. Else the deadline has passed:
/// missed. Else with a trend (two points or more among the latest
/// [`TREND_POINTS`] shown), the latest figure plus the trend times the years
/// left either meets the target (on track) or not (off track).
///
/// "Meets" compares the figures as printed (shares to a tenth of a
/// percentage point, scores to a whole point), so a figure printed as the
/// target is never called short of it.
pub fn judge(
    points: &[GoalPoint],
    target: f64,
    deadline: NaiveDate,
    lower_is_better: bool,
    share: bool,
) -> GoalJudgement {
    let shown: Vec<(NaiveDate, f64)> = points
        .iter()
        .filter_map(|p| Some((p.to, p.value?)))
        .collect();
    let latest = points.iter().rev().find(|p| p.value.is_some()).copied();
    let Some(&(last_day, now)) = shown.last() else {
        return GoalJudgement {
            status: GoalStatus::NotShown,
            latest: None,
            years_left: 0.0,
            trend_per_year: None,
            needed_per_year: None,
            projected: None,
        };
    };
    let printed = |v: f64| if share { (v * 1000.0).round() } else { v.round() };
    let meets = |v: f64| {
        if lower_is_better {
            printed(v) <= printed(target)
        } else {
            printed(v) >= printed(target)
        }
    };
    let years_left = ((deadline - last_day).num_days() as f64 / DAYS_PER_YEAR).max(0.0);
    let recent = &shown[shown.len().saturating_sub(TREND_POINTS)..];
    let trend_per_year = slope_per_year(recent);
    let needed_per_year = (years_left > 0.0).then(|| (target - now) / years_left);
    let projected = trend_per_year.map(|b| now + b * years_left);
    let status = if meets(now) {
        GoalStatus::Reached
    } else if years_left == 0.0 {
        GoalStatus::Missed
    } else {
        match projected {
            None => GoalStatus::NoTrend,
            Some(p) if meets(p) => GoalStatus::OnTrack,
            Some(_) => GoalStatus::OffTrack,
        }
    };
    GoalJudgement {
        status,
        latest,
        years_left,
        trend_per_year,
        needed_per_year,
        projected,
    }
}

/// The slope of the least-squares line through the points, per year;
/// `None` for fewer than two points or points all on one day.
fn slope_per_year(points: &[(NaiveDate, f64)]) -> Option<f64> {
    let (first, _) = *points.first()?;
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|(d, v)| ((*d - first).num_days() as f64 / DAYS_PER_YEAR, *v))
        .collect();
    let n = xy.len() as f64;
    let mean_x = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    (xy.len() >= 2 && sxx > 0.0).then(|| sxy / sxx)
}
