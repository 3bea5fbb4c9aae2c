//! "Since your last mirror": a follow-up report sets the figures of the
//! school's last mirror (the history snapshot of an earlier period) beside
//! this one's, with the goals of the action plans the school is part of.
//! Both sides are figures as printed: a withheld one stays withheld.

use std::path::Path;

use chrono::NaiveDate;
use mirror_anonymise::{AnonymisedCity, RedactedText};
use mirror_model::PlanScope;
use serde::Serialize;

use crate::snapshot::{MetricRow, metric_rows_of, read_snapshots};
use crate::{BenchmarkError, Period, SchoolMirror};

/// The figures a follow-up compares: the headline rate, the shares from each
/// threshold, the rate of each kind of absence and the share with a truancy
/// file, as the snapshot names them.
fn followed(metric: &str) -> bool {
    metric == "problematic_rate"
        || metric == "guidance_with_file"
        || metric.starts_with("from_")
        || metric.starts_with("rate_")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SinceLastMirror {
    /// The period of the school's last mirror.
    pub last: Period,
    pub figures: Vec<FigureSince>,
    pub goals: Vec<GoalFollowed>,
}

/// One figure in the last mirror and now; `None` where it was or is
/// withheld (or did not exist).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureSince {
    /// As in the snapshot: `problematic_rate`, `from_5`, `rate_sick`, ...
    pub metric: String,
    pub then: Option<f64>,
    pub now: Option<f64>,
    pub peer_median_then: Option<f64>,
    pub peer_median_now: Option<f64>,
    /// Whether then and now may be set against each other: rates always;
    /// shares of pupils (which grow as a school year goes on) only between
    /// periods covering the same dates of their school years.
    pub comparable: bool,
}

/// An action-plan goal of the school or of its local network, with its
/// indicator in the last mirror and now where the mirror prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalFollowed {
    pub goal: RedactedText,
    /// Whether the goal is the local network's rather than the school's own.
    pub network: bool,
    pub indicator: String,
    pub target: f64,
    pub baseline: Option<f64>,
    pub deadline: NaiveDate,
    pub partner: RedactedText,
    pub evaluation: Option<RedactedText>,
    pub then: Option<f64>,
    pub now: Option<f64>,
}

/// A rate of half days, comparable between periods of different length
/// (unlike a share of pupils reaching a number of half days).
fn is_rate(metric: &str) -> bool {
    metric == "problematic_rate" || metric.starts_with("rate_")
}

/// Whether two periods cover the same dates of their school years.
fn same_part_of_year(a: &Period, b: &Period) -> bool {
    use chrono::Datelike;
    let day = |d: NaiveDate| (d.month(), d.day());
    day(a.from) == day(b.from) && day(a.to) == day(b.to)
}

/// The snapshot metric an action-plan indicator is printed as.
fn metric_of(indicator: &str) -> Option<String> {
    match indicator {
        "problematic_rate" => Some(indicator.to_owned()),
        "guidance_files_opened" => Some("guidance_with_file".to_owned()),
        _ => indicator
            .strip_prefix("pupils_from_")
            .map(|t| format!("from_{t}")),
    }
}

/// What changed since the school's last mirror: the latest snapshot under
/// `history_dir` of a period that ended before `mirror`'s and holds the
/// school. `None` when the school has had no earlier mirror.
pub fn since_last_mirror(
    history_dir: &Path,
    city: &AnonymisedCity,
    mirror: &SchoolMirror,
) -> Result<Option<SinceLastMirror>, BenchmarkError> {
    let school = mirror.school.as_str();
    let Some((last, then)) = read_snapshots(history_dir)?
        .into_iter()
        .filter(|s| s.period.to < mirror.period.to)
        .filter_map(|s| {
            let rows: Vec<MetricRow> = s.rows.into_iter().filter(|r| r.school == school).collect();
            (!rows.is_empty()).then_some((s.period, rows))
        })
        .next_back()
    else {
        return Ok(None);
    };
    let now = metric_rows_of(mirror);
    let same_dates = same_part_of_year(&last, &mirror.period);
    let find = |rows: &[MetricRow], metric: &str| rows.iter().find(|r| r.metric == metric).cloned();
    let figures = now
        .iter()
        .filter(|r| followed(&r.metric))
        .map(|r| {
            let before = find(&then, &r.metric);
            FigureSince {
                metric: r.metric.clone(),
                then: before.as_ref().and_then(|b| b.value),
                now: r.value,
                peer_median_then: before.and_then(|b| b.peer_median),
                peer_median_now: r.peer_median,
                comparable: same_dates || is_rate(&r.metric),
            }
        })
        .collect();
    let me = city.schools().iter().position(|s| s.id == mirror.school);
    let network = me.and_then(|i| city.schools()[i].network.clone());
    let goals = city
        .plans()
        .iter()
        .filter(|g| match &g.scope {
            PlanScope::School(s) => Some(s.index()) == me,
            PlanScope::Network(n) => network.as_ref() == Some(n),
        })
        .map(|g| {
            let metric = metric_of(&g.indicator);
            let value = |rows: &[MetricRow]| {
                metric
                    .as_deref()
                    .and_then(|m| find(rows, m))
                    .and_then(|r| r.value)
            };
            GoalFollowed {
                goal: g.goal.clone(),
                network: matches!(g.scope, PlanScope::Network(_)),
                indicator: g.indicator.clone(),
                target: g.target,
                baseline: g.baseline,
                deadline: g.deadline,
                partner: g.partner.clone(),
                evaluation: g.evaluation.clone(),
                then: value(&then),
                now: value(&now),
            }
        })
        .collect();
    Ok(Some(SinceLastMirror {
        last,
        figures,
        goals,
    }))
}
