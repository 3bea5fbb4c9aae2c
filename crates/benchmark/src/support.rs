//! "Support you can ask for": the city's support rules
//! (`config/support-rules.toml`) turn what a mirror found into themes, and
//! the catalogue's offers on those themes, for the school's level, become
//! the report's suggestions, each with the findings behind it. Nothing is
//! found, nothing is suggested: a mirror without findings has no section.

use mirror_anonymise::AnonymisedCity;
use mirror_model::{ChecklistAnswer, Measure, RespondentGroup, SupportOffer, Trigger};
use serde::Serialize;

use crate::significance::Change;
use crate::{Comparison, SchoolMirror, Side};

/// Something a mirror shows that a support rule watches for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    #[serde(flatten)]
    pub trigger: Trigger,
    /// For a questionnaire score: the group whose score lies below its peers.
    pub group: Option<RespondentGroup>,
    /// The school's figure, and what it was found against: the average
    /// of the funnel (truancy figures) or the peers' lower quartile (a score).
    pub value: Option<f64>,
    pub compared_with: Option<f64>,
    /// The themes the rules that found it link it to.
    pub themes: Vec<String>,
}

/// A support offer of the catalogue and the findings that call for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupportSuggestion {
    #[serde(flatten)]
    pub offer: SupportOffer,
    /// In the order of the rules that found them.
    pub findings: Vec<Finding>,
}

/// What the rules find in a mirror, in the rules' order; one finding per
/// figure (and group), with the themes of every rule that found it.
pub fn findings(city: &AnonymisedCity, m: &SchoolMirror) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for rule in city.support_rules() {
        for mut found in triggered(&rule.trigger, m) {
            match out
                .iter_mut()
                .find(|f| (&f.trigger, f.group) == (&found.trigger, found.group))
            {
                Some(same) => {
                    for t in &rule.themes {
                        if !same.themes.contains(t) {
                            same.themes.push(t.clone());
                        }
                    }
                }
                None => {
                    found.themes = rule.themes.clone();
                    out.push(found);
                }
            }
        }
    }
    out
}

/// The offers for the school's level on a theme of a finding, ordered by
/// their first finding, then as in the catalogue.
pub fn suggestions(city: &AnonymisedCity, m: &SchoolMirror) -> Vec<SupportSuggestion> {
    let found = findings(city, m);
    let mut out: Vec<(usize, SupportSuggestion)> = city
        .support_offers()
        .iter()
        .filter(|o| o.levels.contains(&m.level))
        .filter_map(|offer| {
            let behind: Vec<(usize, &Finding)> = found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.themes.iter().any(|t| offer.themes.contains(t)))
                .collect();
            let first = behind.first()?.0;
            Some((
                first,
                SupportSuggestion {
                    offer: offer.clone(),
                    findings: behind.into_iter().map(|(_, f)| f.clone()).collect(),
                },
            ))
        })
        .collect();
    // A stable sort keeps the catalogue's order among offers of one finding.
    out.sort_by_key(|(first, _)| *first);
    out.into_iter().map(|(_, s)| s).collect()
}

fn finding(trigger: &Trigger, value: Option<f64>, compared_with: Option<f64>) -> Finding {
    Finding {
        trigger: trigger.clone(),
        group: None,
        value,
        compared_with,
        themes: Vec::new(),
    }
}

/// A truancy figure on its unfavourable side of the funnel.
fn worse(trigger: &Trigger, c: &Comparison, worse_side: Side) -> Option<Finding> {
    (c.flagged() == Some(worse_side))
        .then(|| finding(trigger, c.school.value(), c.judged.map(|j| j.target)))
}

/// What `trigger` finds in the mirror: none, one, or for a questionnaire
/// rule without a group one per group below its peers.
fn triggered(trigger: &Trigger, m: &SchoolMirror) -> Vec<Finding> {
    let Some(now) = m.history.last() else {
        return Vec::new();
    };
    match trigger {
        Trigger::WorseThanPeers { figure } => match figure {
            Measure::ProblematicRate => worse(trigger, &now.problematic_rate, Side::Higher)
                .into_iter()
                .collect(),
            Measure::PupilsFrom { threshold } => m
                .thresholds
                .iter()
                .zip(&now.pupils_from_threshold)
                .find(|(t, _)| *t == threshold)
                .and_then(|(_, c)| worse(trigger, c, Side::Higher))
                .into_iter()
                .collect(),
            Measure::GuidanceFilesOpened => worse(trigger, &m.guidance.with_file, Side::Lower)
                .into_iter()
                .collect(),
            Measure::Scale { scale, group } => m
                .survey
                .instruments
                .iter()
                .flat_map(|i| &i.scales)
                .filter(|s| &s.id == scale)
                .flat_map(|s| &s.groups)
                .filter(|score| group.is_none_or(|g| g == score.group))
                .filter_map(|score| {
                    let (Side::Lower, _) = score.outside_peers()? else {
                        return None;
                    };
                    Some(Finding {
                        group: Some(score.group),
                        ..finding(
                            trigger,
                            score.mean.value(),
                            score.peers.map(|p| p.lower_quartile),
                        )
                    })
                })
                .collect(),
        },
        Trigger::Rising => now
            .change
            .filter(|c| c.change == Change::Rising)
            .map(|_| finding(trigger, now.problematic_rate.school.value(), None))
            .into_iter()
            .collect(),
        Trigger::NotInPlace { item } => m
            .survey
            .checklist
            .iter()
            .find(|c| &c.item == item)
            .filter(|c| matches!(c.answer, Some(ChecklistAnswer::No | ChecklistAnswer::Partly)))
            .map(|_| finding(trigger, None, None))
            .into_iter()
            .collect(),
    }
}
