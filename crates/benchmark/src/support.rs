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
    /// The school's figure, and what it was found against: for a truancy
    /// figure the peers' figure the key-figures table prints
    /// ([`Comparison::quoted_peers`], of the kind `peer_figure`; `None` is
    /// the city's average), for a score the peers' lower quartile.
    pub value: Option<f64>,
    pub compared_with: Option<f64>,
    pub peer_figure: Option<crate::PeerFigure>,
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

/// The offers for the school's level whose main theme a finding calls
/// for, ordered by their first finding, then as in the catalogue.
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
                // An offer addresses a finding through its main theme, the
                // first it lists; the others say what else it touches ("Safe
                // to school": safety, with parents) and call for nothing.
                .filter(|(_, f)| {
                    offer
                        .themes
                        .first()
                        .is_some_and(|main| f.themes.contains(main))
                })
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
        peer_figure: None,
        themes: Vec::new(),
    }
}

/// A truancy figure on its unfavourable side of the funnel, and of the
/// peers' figure the report quotes beside it (the funnel's average and a
/// median printed beside it can lie on either side of the school: then the
/// words "above the peers" would contradict the figures).
fn worse(trigger: &Trigger, c: &Comparison, worse_side: Side) -> Option<Finding> {
    let value = c.school.value()?;
    let (peers, peer_figure) = c.quoted_peers()?;
    let beyond = match worse_side {
        Side::Higher => value > peers,
        Side::Lower => value < peers,
    };
    (c.flagged() == Some(worse_side) && beyond).then(|| Finding {
        peer_figure,
        ..finding(trigger, Some(value), Some(peers))
    })
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
            .filter(|c| {
                matches!(
                    c.answer,
                    Some(ChecklistAnswer::No | ChecklistAnswer::Partly)
                )
            })
            .map(|_| finding(trigger, None, None))
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use mirror_anonymise::disclosure::ReleaseHistory;
    use mirror_model::{ChecklistResponse, Level, SchoolRef, SupportRule};

    use super::*;
    use crate::funnel::{Limits, Position};
    use crate::tests::tiny_city_anonymised_with;
    use crate::{Against, Judgement, PeerFigure, PeerSpread, Reported, run};

    fn english() -> mirror_model::ReportLanguage {
        mirror_model::ReportLanguage::new("en").unwrap()
    }

    fn offer(name: &str, themes: &[&str], levels: &[Level]) -> SupportOffer {
        SupportOffer {
            organisation: "City".to_owned(),
            offer: mirror_model::Texts::new(english(), name.to_owned()),
            themes: themes.iter().map(|t| (*t).to_owned()).collect(),
            levels: levels.to_vec(),
            how_to_ask: mirror_model::Texts::new(english(), "Call the support team".to_owned()),
            contact: None,
        }
    }

    /// Three offers: truancy coaching (both levels), a truancy offer for
    /// primary schools only, and bullying training. Rules: a rate worse
    /// than peers and the truancy protocol not in place call for truancy;
    /// a bullying score below peers for bullying. Aster is secondary, has
    /// no questionnaire, and answered the truancy protocol as asked.
    fn aster(protocol: Option<ChecklistAnswer>) -> (AnonymisedCity, SchoolMirror) {
        let (city, settings) = tiny_city_anonymised_with(|raw, _| {
            let both = [Level::Primary, Level::Secondary];
            raw.support_offers = vec![
                offer("Truancy coach", &["truancy", "guidance"], &both),
                offer("Truancy for young pupils", &["truancy"], &[Level::Primary]),
                offer("Bullying training", &["bullying"], &both),
                // About safety; it touches truancy, but does not address it.
                offer("Walking bus", &["safety", "truancy"], &both),
            ];
            raw.support_rules = vec![
                SupportRule {
                    trigger: Trigger::WorseThanPeers {
                        figure: Measure::ProblematicRate,
                    },
                    themes: vec!["truancy".to_owned()],
                },
                SupportRule {
                    trigger: Trigger::WorseThanPeers {
                        figure: Measure::Scale {
                            scale: "bullying".to_owned(),
                            group: None,
                        },
                    },
                    themes: vec!["bullying".to_owned()],
                },
                SupportRule {
                    trigger: Trigger::NotInPlace {
                        item: "truancy-protocol".to_owned(),
                    },
                    themes: vec!["truancy".to_owned()],
                },
            ];
            raw.checklist_answers = protocol
                .map(|answer| ChecklistResponse {
                    school: SchoolRef(0),
                    item: "truancy-protocol".to_owned(),
                    answer,
                    remark: None,
                })
                .into_iter()
                .collect();
        });
        let mut b = run(
            &city,
            &settings,
            Reported::Latest,
            &ReleaseHistory::default(),
        )
        .unwrap();
        let mut m = b.mirrors.remove(0);
        m.history.last_mut().unwrap().problematic_rate.judged = None;
        (city, m)
    }

    /// Aster's rate, 6/45, judged within its funnel or not at all: no flag,
    /// no offer, and a protocol in place changes nothing.
    #[test]
    fn no_finding_no_offer() {
        let (city, m) = aster(Some(ChecklistAnswer::Yes));
        assert_eq!(findings(&city, &m), []);
        assert_eq!(suggestions(&city, &m), []);
    }

    /// The rate above the 95% limit around an average of 5%: the truancy
    /// coach, with the finding (6/45 against 0.05); not the primary-only
    /// offer, not the bullying training, and not the walking bus, whose
    /// main theme is safety.
    #[test]
    fn a_flag_brings_the_offer_of_its_theme_for_the_level() {
        let (city, mut m) = aster(None);
        m.history.last_mut().unwrap().problematic_rate.judged = Some(Judgement {
            position: Position::High95,
            against: Against::Peers,
            target: 0.05,
            limits: Limits {
                lower95: 0.01,
                upper95: 0.09,
                lower998: 0.0,
                upper998: 0.12,
            },
            z: 2.4,
            overdispersed: false,
        });
        // The table's peer figure: the pooled one, which is the target.
        m.history.last_mut().unwrap().problematic_rate.peers = Some(PeerSpread::pooled(0.05, 5));
        let s = suggestions(&city, &m);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].offer.offer.original(), "Truancy coach");
        assert_eq!(
            s[0].findings,
            [Finding {
                trigger: Trigger::WorseThanPeers {
                    figure: Measure::ProblematicRate
                },
                group: None,
                value: Some(6.0 / 45.0),
                compared_with: Some(0.05),
                peer_figure: Some(PeerFigure::Pooled),
                themes: vec!["truancy".to_owned()],
            }]
        );
        // A rate flagged lower than its peers is good news: no offer.
        m.history.last_mut().unwrap().problematic_rate.judged = Some(Judgement {
            position: Position::Low95,
            ..m.history.last().unwrap().problematic_rate.judged.unwrap()
        });
        assert_eq!(suggestions(&city, &m), []);
        // Flagged higher by the funnel, but printed below a median of 14%
        // beside it: "above the peers" would contradict the table.
        m.history.last_mut().unwrap().problematic_rate.judged = Some(Judgement {
            position: Position::High95,
            ..m.history.last().unwrap().problematic_rate.judged.unwrap()
        });
        m.history.last_mut().unwrap().problematic_rate.peers = Some(PeerSpread {
            figure: PeerFigure::Median,
            ..PeerSpread::pooled(0.14, 10)
        });
        assert_eq!(suggestions(&city, &m), []);
    }

    /// "Partly" is not in place: the same offer, for the checklist.
    #[test]
    fn a_checklist_item_not_in_place_brings_its_offer() {
        let (city, m) = aster(Some(ChecklistAnswer::Partly));
        let s = suggestions(&city, &m);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].offer.offer.original(), "Truancy coach");
        assert_eq!(
            s[0].findings[0].trigger,
            Trigger::NotInPlace {
                item: "truancy-protocol".to_owned()
            }
        );
    }
}
