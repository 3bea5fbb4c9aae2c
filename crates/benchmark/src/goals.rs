//! Local action plans followed up: each goal's indicator in every school
//! year the mirror covers, against its target and deadline, and whether it
//! is on track, from the recent trend and the time left.

use chrono::NaiveDate;
use mirror_anonymise::{AnonymisedCity, RedactedText};
use mirror_model::config::PrivacySettings;
use mirror_model::{Measure, PlanScope, RespondentGroup, SchoolRef, SchoolYear, Texts};
use serde::Serialize;

use crate::{Figure, SchoolMirror, survey};

/// How many of the latest points the trend is drawn through: the pace of
/// the last years, not of a decade.
pub const TREND_POINTS: usize = 3;

const DAYS_PER_YEAR: f64 = 365.25;

/// A goal of the school's or its network's action plan, followed up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalProgress {
    /// In each language the plan gives; the report picks its own.
    pub goal: Texts<RedactedText>,
    /// Whether the goal is the local network's rather than the school's own.
    pub network: bool,
    pub indicator: Measure,
    pub target: f64,
    pub baseline: Option<f64>,
    pub deadline: NaiveDate,
    /// The partner responsible, and how often progress is evaluated.
    pub partner: RedactedText,
    pub evaluation: Option<Texts<RedactedText>>,
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
    /// A share of pupils over part of a school year that the table shows
    /// but the verdict leaves out (it grows while the year goes on): the
    /// verdict names it, so that it counts every figure printed above it.
    pub not_judged: Option<GoalPoint>,
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
    /// Every figure to judge on is withheld (too few pupils or respondents).
    NotShown,
    /// No figure to judge on at all yet (the questionnaire of the period
    /// not answered yet, or only a share over part of a year).
    NoFigure,
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
                judgement: judge_goal(&g.indicator, g.target, g.deadline, &series),
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
        return survey::scale_series(city, me, scale, group, m.year, &m.survey, privacy)
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

fn judge_goal(
    indicator: &Measure,
    target: f64,
    deadline: NaiveDate,
    series: &[GoalPoint],
) -> GoalJudgement {
    // A share of pupils grows as a school year goes on: a part of a year
    // is shown, but not set against a target for whole years.
    let grows = matches!(
        indicator,
        Measure::PupilsFrom { .. } | Measure::GuidanceFilesOpened
    );
    let (set_aside, points): (Vec<GoalPoint>, Vec<GoalPoint>) = series
        .iter()
        .copied()
        .partition(|p| grows && p.part_of_year);
    GoalJudgement {
        not_judged: set_aside.into_iter().rev().find(|p| p.value.is_some()),
        ..judge(
            &points,
            target,
            deadline,
            indicator.lower_is_better(),
            indicator.is_share(),
        )
    }
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
            status: if points.is_empty() {
                GoalStatus::NoFigure
            } else {
                GoalStatus::NotShown
            },
            latest: None,
            years_left: 0.0,
            trend_per_year: None,
            needed_per_year: None,
            projected: None,
            not_judged: None,
        };
    };
    let printed = |v: f64| {
        if share {
            (v * 1000.0).round()
        } else {
            v.round()
        }
    };
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
        not_judged: None,
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

#[cfg(test)]
mod tests {
    use mirror_anonymise::disclosure::ReleaseHistory;
    use mirror_model::ActionGoal;

    use super::*;
    use crate::tests::tiny_city_anonymised_with;
    use crate::{Reported, run};

    /// To the nine decimals the hand computations give.
    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Whole school years ending 30 June of the given years.
    fn points(values: &[(i32, Option<f64>)]) -> Vec<GoalPoint> {
        values
            .iter()
            .map(|(end, value)| GoalPoint {
                year: SchoolYear::starting(end - 1),
                to: day(*end, 6, 30),
                part_of_year: false,
                value: *value,
            })
            .collect()
    }

    /// 10%, 9%, 8% of pupils from 15 half days on 30 June 2023, 2024 and
    /// 2025: x = 0, 366/365.25 = 1.002053 and 731/365.25 = 2.001369 years
    /// (2024 is a leap year), so the least-squares slope is -0.0099932 a
    /// year. The deadline 30 June 2027 is 730/365.25 = 1.998631 years after
    /// the latest point: projected 0.08 - 0.0099932 * 1.998631 = 0.060027.
    /// Target 6.5%: on track (6.0% <= 6.5%), needing (0.065 - 0.08) /
    /// 1.998631 = -0.0075051 a year. Target 5%: off track (6.0% > 5.0%),
    /// needing -0.0150103 a year.
    #[test]
    fn a_goal_on_track_and_one_off_track_by_hand() {
        let p = points(&[(2023, Some(0.10)), (2024, Some(0.09)), (2025, Some(0.08))]);
        let on = judge(&p, 0.065, day(2027, 6, 30), true, true);
        assert_eq!(on.status, GoalStatus::OnTrack);
        assert!(near(on.trend_per_year.unwrap(), -0.009_993_153_8));
        assert!(near(on.years_left, 730.0 / 365.25));
        assert!(near(on.projected.unwrap(), 0.060_027_372));
        assert!(near(on.needed_per_year.unwrap(), -0.007_505_137));
        assert_eq!(on.latest, Some(p[2]));

        let off = judge(&p, 0.05, day(2027, 6, 30), true, true);
        assert_eq!(off.status, GoalStatus::OffTrack);
        assert!(near(off.projected.unwrap(), 0.060_027_372));
        assert!(near(off.needed_per_year.unwrap(), -0.015_010_274));
    }

    /// A score (higher is better): 60 on 30 June 2024, 64 a year (365
    /// days) later: +4 * 365.25/365 = 4.00274 a year; 365/365.25 years to
    /// 30 June 2026 carry 64 to 68.0. Target 68: on track; 70: off track;
    /// 64: reached already. A deadline passed short of the target: missed.
    #[test]
    fn a_score_goal_reached_on_track_off_track_or_missed() {
        let p = points(&[(2024, Some(60.0)), (2025, Some(64.0))]);
        let judged = |target, deadline| judge(&p, target, deadline, false, false);
        let by_2026 = day(2026, 6, 30);
        assert!(near(
            judged(68.0, by_2026).trend_per_year.unwrap(),
            4.0 * 365.25 / 365.0
        ));
        assert!(near(judged(68.0, by_2026).projected.unwrap(), 68.0));
        assert_eq!(judged(68.0, by_2026).status, GoalStatus::OnTrack);
        assert_eq!(judged(70.0, by_2026).status, GoalStatus::OffTrack);
        assert_eq!(judged(64.0, by_2026).status, GoalStatus::Reached);
        let passed = judged(70.0, day(2025, 6, 30));
        assert_eq!(
            (passed.status, passed.years_left),
            (GoalStatus::Missed, 0.0)
        );
        assert_eq!(passed.needed_per_year, None);
    }

    /// The trend takes the last three shown points only; a withheld one is
    /// skipped; one point has no trend, none is not shown.
    #[test]
    fn the_trend_uses_the_latest_three_shown_points() {
        let p = points(&[
            (2021, Some(0.50)),
            (2022, Some(0.10)),
            (2023, None),
            (2024, Some(0.09)),
            (2025, Some(0.08)),
        ]);
        // Through 2022, 2024, 2025 only: 0.10, 0.09, 0.08 at 0, 2.001369
        // and 3.000684 years.
        let j = judge(&p, 0.05, day(2027, 6, 30), true, true);
        let x = [0.0, 731.0 / 365.25, 1096.0 / 365.25];
        let mean = x.iter().sum::<f64>() / 3.0;
        let slope = (x[0] - mean) * 0.01 + (x[2] - mean) * -0.01;
        let slope = slope / x.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
        assert!(near(j.trend_per_year.unwrap(), slope));
        let one = judge(&p[4..], 0.05, day(2027, 6, 30), true, true);
        assert_eq!(one.status, GoalStatus::NoTrend);
        let none = judge(&points(&[(2025, None)]), 0.05, day(2027, 6, 30), true, true);
        assert_eq!((none.status, none.latest), (GoalStatus::NotShown, None));
    }

    /// The issue-23 follow-up of 15 March 2026: 11.4% of pupils from 5 half
    /// days in 2024-2025, 8.5% up to 15 March 2026. The share of part of a
    /// year is not judged (it grows while the year goes on), so the verdict
    /// rests on one figure, and names the other: two figures printed, two
    /// accounted for. Target 9.7% by 30 June 2026: 11.4% does not meet it,
    /// no trend from one figure.
    #[test]
    fn a_share_over_part_of_a_year_is_named_beside_the_verdict_not_judged() {
        let mut series = points(&[(2025, Some(0.114))]);
        let so_far = GoalPoint {
            year: SchoolYear::starting(2025),
            to: day(2026, 3, 15),
            part_of_year: true,
            value: Some(0.085),
        };
        series.push(so_far);
        let pupils_from_5 = Measure::PupilsFrom { threshold: 5 };
        let j = judge_goal(&pupils_from_5, 0.097, day(2026, 6, 30), &series);
        assert_eq!(j.status, GoalStatus::NoTrend);
        assert_eq!(j.latest, Some(series[0]));
        assert_eq!(j.not_judged, Some(so_far));
        // A rate of half days is judged over part of a year like any
        // figure: two points, a trend, nothing set aside.
        let rate = judge_goal(&Measure::ProblematicRate, 0.097, day(2026, 6, 30), &series);
        assert_eq!(rate.not_judged, None);
        assert_eq!(rate.latest, Some(so_far));
        assert_eq!(rate.status, GoalStatus::Reached);
        // Only the share so far: nothing to judge on yet, and it is named.
        let first_year = judge_goal(&pupils_from_5, 0.097, day(2026, 6, 30), &[so_far]);
        assert_eq!(
            (first_year.status, first_year.not_judged),
            (GoalStatus::NoFigure, Some(so_far))
        );
        // No figure at all (a questionnaire not answered yet in the period).
        let nothing = judge_goal(&pupils_from_5, 0.097, day(2026, 6, 30), &[]);
        assert_eq!(
            (nothing.status, nothing.not_judged),
            (GoalStatus::NoFigure, None)
        );
    }

    fn goal(scope: PlanScope, goal: &str, indicator: Measure, target: f64) -> ActionGoal {
        ActionGoal {
            scope,
            goal: Texts::new(
                mirror_model::ReportLanguage::new("en").unwrap(),
                goal.to_owned(),
            ),
            indicator,
            target,
            baseline: Some(0.1),
            deadline: day(2026, 6, 30),
            partner: "CLB".to_owned(),
            evaluation: Some(Texts::new(
                mirror_model::ReportLanguage::new("en").unwrap(),
                "termly".to_owned(),
            )),
        }
    }

    /// Aster (and Ceder) in the network "LOP Noord", Beuk in none. Aster
    /// follows its own two goals and its network's, not Beuk's nor "LOP
    /// Zuid"'s; Beuk only its own. The tiny city has one school year,
    /// 2024-2025: Aster's rate 6/45 (README), one point, no trend; from 10
    /// printed 0 (nobody), which meets 5%: reached; the truancy file of its
    /// one pupil from 5 withheld: not shown.
    #[test]
    fn the_goals_of_the_school_and_its_network_over_time() {
        let aster = PlanScope::School(mirror_model::SchoolRef(0));
        let (city, settings) = tiny_city_anonymised_with(|raw, _| {
            raw.registry[0].network = Some("LOP Noord".to_owned());
            raw.registry[2].network = Some("LOP Noord".to_owned());
            raw.action_plans = vec![
                goal(
                    aster.clone(),
                    "Fewer half days lost",
                    Measure::ProblematicRate,
                    0.05,
                ),
                goal(
                    aster,
                    "Nobody from 10",
                    Measure::PupilsFrom { threshold: 10 },
                    0.05,
                ),
                goal(
                    PlanScope::School(mirror_model::SchoolRef(1)),
                    "The second school's goal",
                    Measure::PupilsFrom { threshold: 10 },
                    0.05,
                ),
                goal(
                    PlanScope::Network("LOP Noord".to_owned()),
                    "Every truant followed",
                    Measure::GuidanceFilesOpened,
                    0.9,
                ),
                goal(
                    PlanScope::Network("LOP Zuid".to_owned()),
                    "Another network's goal",
                    Measure::ProblematicRate,
                    0.05,
                ),
            ];
        });
        let b = run(
            &city,
            &settings,
            Reported::Latest,
            &ReleaseHistory::default(),
        )
        .unwrap();
        let goals = &b.mirrors[0].goals;
        let names: Vec<(&str, bool)> = goals
            .iter()
            .map(|g| (g.goal.original().as_str(), g.network))
            .collect();
        assert_eq!(
            names,
            [
                ("Fewer half days lost", false),
                ("Nobody from 10", false),
                ("Every truant followed", true),
            ]
        );
        let year = SchoolYear::starting(2024);
        let rate = &goals[0];
        assert_eq!(rate.series.len(), 1);
        assert_eq!(
            (rate.series[0].year, rate.series[0].to),
            (year, day(2025, 6, 30))
        );
        assert!(near(rate.series[0].value.unwrap(), 6.0 / 45.0));
        assert_eq!(rate.judgement.status, GoalStatus::NoTrend);
        // The goal as agreed travels along.
        assert_eq!(
            (rate.target, rate.baseline, rate.deadline),
            (0.05, Some(0.1), day(2026, 6, 30))
        );
        assert_eq!(rate.partner.as_str(), "CLB");
        assert_eq!(goals[1].series[0].value, Some(0.0));
        assert_eq!(goals[1].judgement.status, GoalStatus::Reached);
        assert_eq!(goals[2].series[0].value, None);
        assert_eq!(goals[2].judgement.status, GoalStatus::NotShown);
        let beuk: Vec<&str> = b.mirrors[1]
            .goals
            .iter()
            .map(|g| g.goal.original().as_str())
            .collect();
        assert_eq!(beuk, ["The second school's goal"]);
    }
}
