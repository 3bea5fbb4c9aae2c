//! The safety and wellbeing mirror: how the school's pupils, teachers and
//! staff answered the questionnaires, beside the peers' spread, the previous
//! wave and each other; the checklist beside the peers' answers; and whether
//! the pupils who answered resemble the school.
//!
//! Scores are on 0-100: each answer is rescaled so that the lowest value of
//! the answer scale is 0 and the highest 100, with reverse items flipped, so
//! 100 is always the safe or favourable end. A respondent's score on a scale
//! is the mean of their answered items on it; a group's score is the mean
//! over the respondents with at least one answered item on the scale.
//!
//! Privacy: a group below `privacy.min_respondents` shows its size only.
//! The same minimum applies to the respondents behind each figure: a scale
//! score, an item's answers or an item mean resting on fewer respondents is
//! not shown, even in a group large enough to show. And between reports: a
//! group whose respondents differ by 1 to the minimum - 1 from those an
//! earlier report of the same school year showed shows its size only, or
//! its scores over 12 and then 13 respondents would give the 13th's answers.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use mirror_anonymise::disclosure::Release;
use mirror_anonymise::{AnonymisedCity, SurveyGroup};
use mirror_model::config::PrivacySettings;
use mirror_model::{
    AnswerScale, ChecklistAnswer, Grade, Instrument, Item, RespondentGroup, SchoolRef, SchoolYear,
    Wording,
};
use serde::Serialize;

use crate::peers::{PeerGroup, Shared};
use crate::{Figure, MIN_SCHOOLS_FOR_SPREAD, PeerSpread};

/// Respondents are flagged as unlike the school when the dissimilarity
/// index of their grades against the enrolment is above this: more than a
/// fifth of the respondents would have to be in another grade to match.
const DISSIMILARITY_FLAG: f64 = 0.2;

/// A group's response rate below this gets a caution beside every figure
/// built on its answers: when fewer than a quarter answered, who chose to
/// answer can move a figure further than its standard error says (the
/// city's rule for the questionnaires, docs/methodology.md).
const LOW_RESPONSE_RATE: f64 = 0.25;

/// The two-sided 95% point of the standard normal distribution: a scale
/// score is called lower or higher than most similar schools only beyond
/// this many standard errors, as truancy figures need the 95% limits.
const Z_95: f64 = 1.959_963_984_540_054;

/// Answering peers needed for "half or more answered yes": with 3, "under
/// half" is 0 or 1 of them and "half or more" 2 or 3; with 2, "under half"
/// would be none.
const MIN_PEERS_HALF_OR_MORE: usize = 3;

/// How many items with the largest gap between two groups are shown.
const DISAGREEMENTS: usize = 3;

/// The pairs of groups whose views are compared, the classic one first.
const PAIRS: [[RespondentGroup; 2]; 3] = [
    [RespondentGroup::Pupils, RespondentGroup::Teachers],
    [RespondentGroup::Pupils, RespondentGroup::Staff],
    [RespondentGroup::Teachers, RespondentGroup::Staff],
];

/// The questionnaires and the checklist of one school in one school year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyMirror {
    /// The instruments the school's groups answered that year, in the
    /// configuration's order.
    pub instruments: Vec<InstrumentMirror>,
    /// Every item of the checklist; empty when the school answered none.
    pub checklist: Vec<ChecklistComparison>,
    /// The name of every scale of every instrument by id, for a goal on a
    /// scale the school's groups did not answer this year.
    pub scale_names: BTreeMap<String, Wording>,
}

impl SurveyMirror {
    /// Adds the respondents of every group this mirror shows to the release
    /// of `period` in `releases` (made if there is none), for the release
    /// history that later reports of the same school year are checked
    /// against.
    pub(crate) fn release_into(&self, releases: &mut Vec<Release>, period: crate::Period) {
        let counts = self.instruments.iter().flat_map(|i| {
            i.groups
                .iter()
                .filter(|g| g.shown)
                .map(|g| (respondents_key(&i.id, g.group), g.respondents))
        });
        let year = period.year.to_string();
        match releases
            .iter_mut()
            .find(|r| r.year == year && r.period_end == period.to)
        {
            Some(release) => release.counts.extend(counts),
            None => releases.push(Release {
                year,
                period_end: period.to,
                counts: counts.collect(),
            }),
        }
    }
}

/// The name under which a group's respondents are kept in the release
/// history.
fn respondents_key(instrument: &str, group: RespondentGroup) -> String {
    format!("respondents {instrument} {}", group.as_str())
}

/// The group as this report may show it: with its size only when its
/// respondents differ from those `earlier` reports of the same school year
/// showed by 1 to `min_respondents - 1`.
fn against_earlier<'a>(
    group: &'a SurveyGroup,
    instrument: &Instrument,
    earlier: &[&BTreeMap<String, u32>],
    privacy: &PrivacySettings,
) -> Cow<'a, SurveyGroup> {
    let key = respondents_key(&instrument.id, group.group);
    let minimum = privacy.min_respondents(group.group);
    let close = earlier
        .iter()
        .filter_map(|e| e.get(&key))
        .any(|n| (1..minimum).contains(&n.abs_diff(group.respondents)));
    if group.answers.is_some() && close {
        Cow::Owned(SurveyGroup {
            answers: None,
            respondents_by_grade: BTreeMap::new(),
            comments: Vec::new(),
            ..group.clone()
        })
    } else {
        Cow::Borrowed(group)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentMirror {
    pub id: String,
    pub title: Wording,
    /// The answer scale, lowest value first.
    pub answers: Vec<AnswerLabel>,
    /// Every group that answered, in the order pupils, teachers, staff.
    pub groups: Vec<GroupResponse>,
    pub scales: Vec<ScaleMirror>,
    /// Items asked of a group that is large enough to show.
    pub items: Vec<ItemMirror>,
    /// Pairs of groups that are both large enough to show.
    pub gaps: Vec<GroupGap>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerLabel {
    pub value: u8,
    pub label: Wording,
}

/// Who answered in one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResponse {
    pub group: RespondentGroup,
    pub respondents: u32,
    /// `false` when fewer than `privacy.min_respondents` answered: then the
    /// mirror shows how many answered and nothing of what they answered.
    pub shown: bool,
    /// From `questionnaires/invited.csv`; for pupils without a row there, the
    /// pupils enrolled on the wave's first day outside nursery grades (unless
    /// fewer than answered). `None` for teachers and staff without a row.
    pub invited: Option<u32>,
    /// `respondents / invited`.
    pub response_rate: Option<f64>,
    /// `response_rate` is below a quarter: every figure of the group is
    /// printed with a caution.
    pub low_response: bool,
    /// Pupils only, when the export gives their grades and the group is shown.
    pub representativeness: Option<Representativeness>,
}

/// Whether the pupils who answered are spread over the grades as the
/// pupils invited are, by the dissimilarity index: half the sum over the
/// invited grades of |share of respondents - share of pupils enrolled|, 0
/// when alike and 1 when no grade has both. Enrolment is counted on the
/// wave's first day, outside nursery grades (K1-K3 do not answer
/// questionnaires).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Representativeness {
    /// The grades the respondents are compared with, lowest first: every
    /// enrolled grade, or, when `invited.csv` gives fewer pupils than are
    /// enrolled, the run of consecutive grades holding every respondent's
    /// grade whose enrolment comes nearest the invited count.
    pub invited_grades: Vec<Grade>,
    /// `invited_grades` are not all the school's grades.
    pub some_grades_invited: bool,
    /// Invited grades no respondent is in, lowest first.
    pub grades_without_respondents: Vec<Grade>,
    pub dissimilarity: f64,
    /// `dissimilarity` is above 0.2.
    pub unlike_the_school: bool,
    /// The grade whose share of the respondents is furthest below its share
    /// of the pupils, and the one furthest above; `None` when none is.
    pub most_under_represented: Option<Grade>,
    pub most_over_represented: Option<Grade>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleMirror {
    pub id: String,
    /// A theme of `config/themes.toml`, to find support offers.
    pub theme: String,
    pub name: Wording,
    /// The groups that answered and were asked an item of the scale.
    pub groups: Vec<ScaleScore>,
}

/// One group's score on one scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleScore {
    pub group: RespondentGroup,
    /// Respondents with at least one answered item on the scale; for a group
    /// too small to show, its size.
    pub respondents: u32,
    /// Mean score on 0-100; suppressed when fewer than
    /// `privacy.min_respondents` answered the scale.
    pub mean: Figure,
    /// The standard error of `mean`: the standard deviation of the
    /// respondents' own scores (over n - 1) divided by the square root of
    /// n. `None` when `mean` is not shown or rests on one respondent.
    pub standard_error: Option<f64>,
    /// Quartiles of the peers' means, over the peers whose mean is shown,
    /// from [`MIN_SCHOOLS_FOR_SPREAD`] of them; with fewer, the pooled mean
    /// of every shown respondent of those peers and the school (no middle
    /// half); `None` when fewer than `privacy.min_peer_schools` have one.
    pub peers: Option<PeerSpread>,
    /// Share of the respondents whose own score on the scale is above 50:
    /// on average on the favourable side of the middle of the answer scale.
    pub favourable: Figure,
    /// The latest earlier school year in which the group's mean on the
    /// scale was shown; only when `mean` is shown too.
    pub previous: Option<PreviousWave>,
}

impl ScaleScore {
    /// Which side of its peers' middle half the group's mean lies on, and
    /// how many points beyond the quartile, when it lies there by more than
    /// chance: beyond 1.96 standard errors of the mean from the quartile
    /// (the 95% interval of the school's score lies wholly outside the
    /// middle half). `None` otherwise ("no clear difference"), without a
    /// standard error, and without a middle half (fewer than
    /// [`MIN_SCHOOLS_FOR_SPREAD`] peers): being below a pooled mean says
    /// nothing about most schools.
    pub fn outside_peers(&self) -> Option<(crate::Side, f64)> {
        let (Figure::Value(mean), Some(se), Some([lower, upper])) = (
            self.mean,
            self.standard_error,
            self.peers.and_then(|p| p.middle_half()),
        ) else {
            return None;
        };
        let margin = Z_95 * se;
        if lower - mean > margin {
            Some((crate::Side::Lower, lower - mean))
        } else if mean - upper > margin {
            Some((crate::Side::Higher, mean - upper))
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PreviousWave {
    pub year: SchoolYear,
    pub mean: f64,
    /// This year's mean minus `mean`.
    pub difference: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemMirror {
    pub id: String,
    pub scale: String,
    /// Agreeing is the unsafe answer: the distribution is as answered, the
    /// means elsewhere are flipped.
    pub reverse: bool,
    pub wording: Wording,
    /// The groups large enough to show that were asked the item.
    pub groups: Vec<ItemAnswers>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemAnswers {
    pub group: RespondentGroup,
    /// Respondents who answered the item.
    pub answered: u32,
    /// Per value of the answer scale, lowest first; `None` when fewer than
    /// `privacy.min_respondents` answered the item.
    pub distribution: Option<Vec<AnswerCount>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AnswerCount {
    pub value: u8,
    pub count: u32,
    /// `count` over the respondents who answered the item.
    pub share: f64,
}

/// How two groups see the school differently: the first group's figures
/// minus the second's, on 0-100.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupGap {
    pub groups: [RespondentGroup; 2],
    /// Scales where both groups' means are shown.
    pub scales: Vec<ScaleGap>,
    /// The items asked of both where the item means differ most (at most 3,
    /// largest absolute difference first, ties in the instrument's order),
    /// among items both groups answered with at least
    /// `privacy.min_respondents` respondents.
    pub disagreements: Vec<ItemGap>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleGap {
    pub scale: String,
    pub difference: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemGap {
    pub item: String,
    /// Each group's item mean on 0-100, in the order of `GroupGap::groups`.
    pub means: [f64; 2],
    pub difference: f64,
}

/// A checklist item: the school's answer beside its peers' answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistComparison {
    pub item: String,
    pub theme: String,
    pub wording: Wording,
    /// `yes`, `partly`, `no`, or `null` when the school left it out.
    #[serde(serialize_with = "answer_code")]
    pub answer: Option<ChecklistAnswer>,
    /// Share of the peers that answered the item who answered yes, from
    /// [`MIN_SCHOOLS_FOR_SPREAD`] answering peers: of fewer, a share of
    /// 0 or 100% would give every one of their answers.
    pub peers_yes: Option<f64>,
    /// Of fewer answering peers (at least `privacy.min_peer_schools` and
    /// [`MIN_PEERS_HALF_OR_MORE`]): whether half of them or more answered
    /// yes. Each side then holds at least two possible counts, so neither
    /// says what every peer answered.
    pub peers_half_or_more: Option<bool>,
}

fn answer_code<S: serde::Serializer>(
    answer: &Option<ChecklistAnswer>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let code = answer.map(|a| match a {
        ChecklistAnswer::Yes => "yes",
        ChecklistAnswer::Partly => "partly",
        ChecklistAnswer::No => "no",
    });
    code.serialize(s)
}

/// The school's questionnaires in `year` beside its `peers` (itself not
/// among them; none without a peer group), and its checklist; `earlier`
/// holds what earlier reports of the school released for `year`.
pub(crate) fn survey_mirror(
    results: &CityResults,
    school: SchoolRef,
    year: SchoolYear,
    peers: Option<&PeerGroup>,
    privacy: &PrivacySettings,
    earlier: &[&BTreeMap<String, u32>],
) -> SurveyMirror {
    let city = results.city;
    let instruments = city
        .instruments()
        .iter()
        .enumerate()
        .filter_map(|(index, instrument)| {
            let groups: Vec<Cow<SurveyGroup>> = RespondentGroup::ALL
                .iter()
                .filter_map(|g| find_group(city, index, school, year, *g))
                .map(|g| against_earlier(g, instrument, earlier, privacy))
                .collect();
            let groups: Vec<&SurveyGroup> = groups.iter().map(AsRef::as_ref).collect();
            (!groups.is_empty()).then(|| {
                let context = Context {
                    results,
                    index,
                    instrument,
                    school,
                    year,
                    peers,
                    privacy,
                };
                context.mirror(&groups)
            })
        })
        .collect();
    SurveyMirror {
        instruments,
        checklist: checklist(results, school, peers, privacy),
        scale_names: city
            .instruments()
            .iter()
            .flat_map(|i| &i.scales)
            .map(|s| {
                let name = Wording {
                    nl: s.nl.clone(),
                    en: s.en.clone(),
                };
                (s.id.clone(), name)
            })
            .collect(),
    }
}

/// A group's mean on a scale in every school year up to `until` in which
/// the group answered an instrument with the scale, oldest first:
/// suppressed below the group's respondent minimum. The year `until` is as
/// `now`, the mirror of that year, printed it (which the release history
/// may have withheld).
pub fn scale_series(
    city: &AnonymisedCity,
    school: SchoolRef,
    scale: &str,
    group: RespondentGroup,
    until: SchoolYear,
    now: &SurveyMirror,
    privacy: &PrivacySettings,
) -> Vec<(SchoolYear, Figure)> {
    let Some((index, instrument)) = city
        .instruments()
        .iter()
        .enumerate()
        .find(|(_, i)| i.scales.iter().any(|s| s.id == scale))
    else {
        return Vec::new();
    };
    city.surveys()[waves(city, index, school)]
        .iter()
        .filter(|g| g.group == group && g.year <= until)
        .map(|g| {
            if g.year == until {
                // As the mirror printed it, after the release history.
                let printed = now
                    .instruments
                    .iter()
                    .filter(|i| i.id == instrument.id)
                    .flat_map(|i| &i.scales)
                    .filter(|s| s.id == scale)
                    .flat_map(|s| &s.groups)
                    .find(|s| s.group == group)
                    .map_or(Figure::Suppressed, |s| s.mean);
                return (g.year, printed);
            }
            let shown = shown_scale(instrument, g, scale, privacy);
            (
                g.year,
                shown.map_or(Figure::Suppressed, |r| Figure::Value(r.mean)),
            )
        })
        .collect()
}

/// The group's result on the scale, when enough respondents answered it.
fn shown_scale(
    instrument: &Instrument,
    group: &SurveyGroup,
    scale: &str,
    privacy: &PrivacySettings,
) -> Option<ScaleResult> {
    scale_result(instrument, group.answers.as_ref()?, scale)
        .filter(|r| r.scored >= privacy.min_respondents(group.group))
}

/// What every figure of one instrument's mirror needs.
struct Context<'a> {
    results: &'a CityResults<'a>,
    index: usize,
    instrument: &'a Instrument,
    school: SchoolRef,
    year: SchoolYear,
    peers: Option<&'a PeerGroup>,
    privacy: &'a PrivacySettings,
}

impl Context<'_> {
    fn mirror(&self, groups: &[&SurveyGroup]) -> InstrumentMirror {
        let i = self.instrument;
        let a = &i.answers;
        let shown: Vec<&SurveyGroup> = groups
            .iter()
            .copied()
            .filter(|g| g.answers.is_some())
            .collect();
        InstrumentMirror {
            id: i.id.clone(),
            title: i.title.clone(),
            answers: a
                .values
                .iter()
                .zip(a.nl.iter().zip(&a.en))
                .map(|(value, (nl, en))| AnswerLabel {
                    value: *value,
                    label: Wording {
                        nl: nl.clone(),
                        en: en.clone(),
                    },
                })
                .collect(),
            groups: groups.iter().map(|g| self.response(g)).collect(),
            scales: i
                .scales
                .iter()
                .map(|scale| ScaleMirror {
                    id: scale.id.clone(),
                    theme: scale.theme.clone(),
                    name: Wording {
                        nl: scale.nl.clone(),
                        en: scale.en.clone(),
                    },
                    groups: groups
                        .iter()
                        .filter(|g| {
                            i.items
                                .iter()
                                .any(|it| it.scale == scale.id && it.groups.contains(&g.group))
                        })
                        .map(|g| self.scale_score(g, &scale.id))
                        .collect(),
                })
                .collect(),
            items: i
                .items
                .iter()
                .enumerate()
                .filter_map(|(k, item)| {
                    let answers: Vec<ItemAnswers> = shown
                        .iter()
                        .filter(|g| item.groups.contains(&g.group))
                        .map(|g| self.item_answers(g, k))
                        .collect();
                    (!answers.is_empty()).then(|| ItemMirror {
                        id: item.id.clone(),
                        scale: item.scale.clone(),
                        reverse: item.reverse,
                        wording: Wording {
                            nl: item.nl.clone(),
                            en: item.en.clone(),
                        },
                        groups: answers,
                    })
                })
                .collect(),
            gaps: PAIRS
                .iter()
                .filter_map(|[first, second]| {
                    let find = |group| shown.iter().find(|g| g.group == group).copied();
                    Some(self.gap(find(*first)?, find(*second)?))
                })
                .collect(),
        }
    }

    fn response(&self, group: &SurveyGroup) -> GroupResponse {
        let pupils = group.group == RespondentGroup::Pupils;
        let enrolled = if pupils {
            enrolled_by_grade(self.results.city, self.school, group)
        } else {
            BTreeMap::new()
        };
        let invited = group.invited.or_else(|| {
            Some(enrolled.values().sum::<u32>()).filter(|n| pupils && *n >= group.respondents)
        });
        // A group has at least one respondent, so `invited` is not 0.
        let response_rate = invited.map(|n| f64::from(group.respondents) / f64::from(n));
        let base = invited_grades(&enrolled, &group.respondents_by_grade, group.invited);
        GroupResponse {
            group: group.group,
            respondents: group.respondents,
            shown: group.answers.is_some(),
            invited,
            response_rate,
            low_response: response_rate.is_some_and(|r| r < LOW_RESPONSE_RATE),
            representativeness: representativeness(&group.respondents_by_grade, &base).map(|r| {
                Representativeness {
                    some_grades_invited: base.len() < enrolled.len(),
                    ..r
                }
            }),
        }
    }

    fn scale_score(&self, group: &SurveyGroup, scale: &str) -> ScaleScore {
        let result = self.shown_scale(group, scale);
        let previous = result.as_ref().and_then(|now| {
            waves(self.results.city, self.index, self.school)
                .rev()
                .filter(|at| {
                    let g = &self.results.city.surveys()[*at];
                    g.group == group.group && g.year < self.year
                })
                .find_map(|at| {
                    let r = self.results.shown_scale(at, scale)?;
                    Some((self.results.city.surveys()[at].year, r.mean))
                })
                .map(|(year, mean)| PreviousWave {
                    year,
                    mean,
                    difference: now.mean - mean,
                })
        });
        // The peers' shown results: their group's list's (none without a
        // group), less the school's own when the list holds it.
        let k = self.instrument.scales.iter().position(|s| s.id == scale);
        let (list, without) = match (self.peers.map(PeerGroup::shared), k) {
            (Some(shared), Some(k)) => {
                let list = self
                    .results
                    .list_scales(shared, self.index, self.year, group.group, k);
                let without = shared.left_out().and_then(|own| {
                    let at = list.results.binary_search_by_key(&own, |(s, _)| *s).ok()?;
                    Some((at, list.results[at].1.mean))
                });
                (list, without)
            }
            _ => (Arc::default(), None),
        };
        ScaleScore {
            group: group.group,
            respondents: match &group.answers {
                Some(answers) => {
                    scale_result(self.instrument, answers, scale).map_or(0, |r| r.scored)
                }
                None => group.respondents,
            },
            mean: result
                .as_ref()
                .map_or(Figure::Suppressed, |r| Figure::Value(r.mean)),
            standard_error: result.as_ref().and_then(ScaleResult::standard_error),
            peers: list_spread(
                &list,
                without,
                result.as_ref(),
                self.privacy.min_peer_schools,
            ),
            favourable: result
                .as_ref()
                .map_or(Figure::Suppressed, |r| Figure::Value(r.favourable)),
            previous,
        }
    }

    /// The group's result on the scale, when enough respondents answered it.
    fn shown_scale(&self, group: &SurveyGroup, scale: &str) -> Option<ScaleResult> {
        shown_scale(self.instrument, group, scale, self.privacy)
    }

    fn item_answers(&self, group: &SurveyGroup, item: usize) -> ItemAnswers {
        let counts = answer_counts(&self.instrument.answers, group, item);
        let answered: u32 = counts.iter().sum();
        ItemAnswers {
            group: group.group,
            answered,
            distribution: (answered >= self.privacy.min_respondents(group.group)).then(|| {
                self.instrument
                    .answers
                    .values
                    .iter()
                    .zip(&counts)
                    .map(|(value, count)| AnswerCount {
                        value: *value,
                        count: *count,
                        share: f64::from(*count) / f64::from(answered),
                    })
                    .collect()
            }),
        }
    }

    /// The item's mean on 0-100, when enough of the group answered it.
    fn item_mean(&self, group: &SurveyGroup, k: usize) -> Option<f64> {
        let answers = &self.instrument.answers;
        let counts = answer_counts(answers, group, k);
        let answered: u32 = counts.iter().sum();
        // The configuration keeps every minimum at 1 or more.
        if answered < self.privacy.min_respondents(group.group) {
            return None;
        }
        let item = &self.instrument.items[k];
        let total: u32 = answers
            .values
            .iter()
            .zip(&counts)
            .map(|(v, n)| points(answers, item, *v) * n)
            .sum();
        Some(score(total, answered, span(answers)))
    }

    fn gap(&self, first: &SurveyGroup, second: &SurveyGroup) -> GroupGap {
        let scales = self
            .instrument
            .scales
            .iter()
            .filter_map(|scale| {
                let a = self.shown_scale(first, &scale.id)?;
                let b = self.shown_scale(second, &scale.id)?;
                Some(ScaleGap {
                    scale: scale.id.clone(),
                    difference: a.mean - b.mean,
                })
            })
            .collect();
        let mut items: Vec<ItemGap> = self
            .instrument
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                item.groups.contains(&first.group) && item.groups.contains(&second.group)
            })
            .filter_map(|(k, item)| {
                let means = [self.item_mean(first, k)?, self.item_mean(second, k)?];
                Some(ItemGap {
                    item: item.id.clone(),
                    means,
                    difference: means[0] - means[1],
                })
            })
            .collect();
        // A stable sort keeps the instrument's order among equal gaps.
        items.sort_by(|a, b| b.difference.abs().total_cmp(&a.difference.abs()));
        items.truncate(DISAGREEMENTS);
        GroupGap {
            groups: [first.group, second.group],
            scales,
            disagreements: items,
        }
    }
}

/// The group of `school` in `year` that answered the instrument at `index`.
fn find_group(
    city: &AnonymisedCity,
    index: usize,
    school: SchoolRef,
    year: SchoolYear,
    group: RespondentGroup,
) -> Option<&SurveyGroup> {
    group_at(city, index, school, year, group).map(|at| &city.surveys()[at])
}

/// Where in `city.surveys()` the group of [`find_group`] is.
fn group_at(
    city: &AnonymisedCity,
    index: usize,
    school: SchoolRef,
    year: SchoolYear,
    group: RespondentGroup,
) -> Option<usize> {
    city.surveys()
        .binary_search_by_key(&(index, school, year, group), |g| {
            (g.instrument, g.school, g.year, g.group)
        })
        .ok()
}

/// Where in `city.surveys()` (sorted by instrument, school, year and group)
/// the groups of `school` that answered the instrument at `index` are, oldest
/// year first.
fn waves(city: &AnonymisedCity, index: usize, school: SchoolRef) -> Range<usize> {
    let surveys = city.surveys();
    let key = (index, school);
    surveys.partition_point(|g| (g.instrument, g.school) < key)
        ..surveys.partition_point(|g| (g.instrument, g.school) <= key)
}

/// What every school's survey mirror reads of other schools, worked out once
/// for the city: each group's shown result on each scale of its instrument
/// and each school's checklist answers. Recomputed per school over its peers
/// (as many as a fifth of a level), they made the benchmark grow with the
/// square of the number of schools.
pub(crate) struct CityResults<'a> {
    city: &'a AnonymisedCity,
    /// Per group of `city.surveys()`, per scale of its instrument, in the
    /// instrument's order: its result when enough respondents answered it.
    scales: Vec<Vec<Option<ScaleResult>>>,
    /// Each school's answer to each checklist item, the first one given.
    checklist: HashMap<(SchoolRef, &'a str), ChecklistAnswer>,
    /// Whether a school answered any checklist item, by school index.
    answered_checklist: Vec<bool>,
    /// The shown results of a peer-group list's schools on a scale, by
    /// list id, instrument, year, group and scale, worked out on first use:
    /// each school of the list takes its peers' from them with its own left
    /// out, rather than looking up every member again.
    list_scales: Mutex<HashMap<ListScale, Arc<ListScales>>>,
    /// Per peer-group list, per checklist item (in the city's order): how
    /// many of its schools answered the item and how many said yes.
    list_checklist: Mutex<HashMap<usize, Arc<ListChecklist>>>,
}

/// Per checklist item: how many of a list's schools answered, how many yes.
type ListChecklist = Vec<(usize, usize)>;

/// A list's id, the instrument's index, the year, the group and the
/// scale's place in the instrument.
type ListScale = (usize, usize, SchoolYear, RespondentGroup, usize);

/// The shown results on one scale of a peer-group list's schools.
#[derive(Default)]
struct ListScales {
    /// In the list's order, with the school each is of.
    results: Vec<(SchoolRef, ScaleResult)>,
    /// Their means, sorted by `f64::total_cmp`.
    means: Vec<f64>,
}

impl<'a> CityResults<'a> {
    pub(crate) fn of(city: &'a AnonymisedCity, privacy: &PrivacySettings) -> Self {
        let scales = city
            .surveys()
            .iter()
            .map(|g| {
                let instrument = &city.instruments()[g.instrument];
                instrument
                    .scales
                    .iter()
                    .map(|scale| shown_scale(instrument, g, &scale.id, privacy))
                    .collect()
            })
            .collect();
        let mut checklist = HashMap::new();
        let mut answered_checklist = vec![false; city.schools().len()];
        for a in city.checklist_answers() {
            checklist
                .entry((a.school, a.item.as_str()))
                .or_insert(a.answer);
            answered_checklist[a.school.index()] = true;
        }
        Self {
            city,
            scales,
            checklist,
            answered_checklist,
            list_scales: Mutex::default(),
            list_checklist: Mutex::default(),
        }
    }

    /// The shown results on the `k`th scale of the instrument at `index` of
    /// the `group`s of `shared`'s schools in `year`, worked out once per list.
    fn list_scales(
        &self,
        shared: Shared,
        index: usize,
        year: SchoolYear,
        group: RespondentGroup,
        k: usize,
    ) -> Arc<ListScales> {
        let mut lists = self.list_scales.lock().expect("no survey panics");
        let list = lists
            .entry((shared.id, index, year, group, k))
            .or_insert_with(|| {
                let results: Vec<(SchoolRef, ScaleResult)> = shared
                    .schools
                    .iter()
                    .filter_map(|s| Some((*s, group_at(self.city, index, *s, year, group)?)))
                    .filter_map(|(s, at)| Some((s, self.scales[at][k]?)))
                    .collect();
                let mut means: Vec<f64> = results.iter().map(|(_, r)| r.mean).collect();
                means.sort_by(f64::total_cmp);
                Arc::new(ListScales { results, means })
            });
        Arc::clone(list)
    }

    /// Per checklist item, how many of `shared`'s schools answered it and
    /// how many said yes, worked out once per list.
    fn list_checklist(&self, shared: Shared) -> Arc<ListChecklist> {
        let mut lists = self.list_checklist.lock().expect("no checklist panics");
        let list = lists.entry(shared.id).or_insert_with(|| {
            let counts = self
                .city
                .checklist()
                .iter()
                .map(|item| {
                    let answers = shared
                        .schools
                        .iter()
                        .filter_map(|s| self.checklist_answer(*s, &item.id));
                    answers.fold((0, 0), |(answered, yes), a| {
                        (answered + 1, yes + usize::from(a == ChecklistAnswer::Yes))
                    })
                })
                .collect();
            Arc::new(counts)
        });
        Arc::clone(list)
    }

    /// The result of the group at `at` in `city.surveys()` on `scale`, when
    /// enough respondents answered it.
    fn shown_scale(&self, at: usize, scale: &str) -> Option<ScaleResult> {
        let instrument = &self.city.instruments()[self.city.surveys()[at].instrument];
        let k = instrument.scales.iter().position(|s| s.id == scale)?;
        self.scales[at][k]
    }

    fn checklist_answer(&self, school: SchoolRef, item: &str) -> Option<ChecklistAnswer> {
        self.checklist.get(&(school, item)).copied()
    }
}

/// One group's result on one scale, before the privacy minimum.
#[derive(Clone, Copy)]
struct ScaleResult {
    /// Respondents with at least one answered item on the scale.
    scored: u32,
    /// The sum of the respondents' scores, to pool groups by.
    sum: f64,
    /// The sum of their squares, for the standard error.
    sum_of_squares: f64,
    mean: f64,
    favourable: f64,
}

impl ScaleResult {
    /// s / sqrt(n), with s the standard deviation of the respondents'
    /// scores over n - 1; `None` for one respondent.
    fn standard_error(&self) -> Option<f64> {
        let n = f64::from(self.scored);
        // Deviations from the mean summed as sum of squares less n * mean²,
        // clamped at 0 against rounding when every score is equal.
        let squares = (self.sum_of_squares - self.sum * self.mean).max(0.0);
        (self.scored > 1).then(|| (squares / (n - 1.0) / n).sqrt())
    }
}

/// `None` when no respondent answered an item of the scale.
fn scale_result(
    instrument: &Instrument,
    answers: &[Vec<Option<u8>>],
    scale: &str,
) -> Option<ScaleResult> {
    let scale_span = span(&instrument.answers);
    let (mut scored, mut sum, mut sum_of_squares, mut favourable) = (0u32, 0.0, 0.0, 0u32);
    for respondent in answers {
        let (mut total, mut answered) = (0u32, 0u32);
        for (item, answer) in instrument.items.iter().zip(respondent) {
            if let (true, Some(value)) = (item.scale == scale, answer) {
                total += points(&instrument.answers, item, *value);
                answered += 1;
            }
        }
        if answered > 0 {
            scored += 1;
            let own = score(total, answered, scale_span);
            sum += own;
            sum_of_squares += own * own;
            // Above 50 in whole numbers: total / (span * answered) > 1/2.
            favourable += u32::from(2 * total > scale_span * answered);
        }
    }
    (scored > 0).then(|| ScaleResult {
        scored,
        sum,
        sum_of_squares,
        mean: sum / f64::from(scored),
        favourable: f64::from(favourable) / f64::from(scored),
    })
}

/// Steps from the unfavourable end of the answer scale to `value`.
fn points(answers: &AnswerScale, item: &Item, value: u8) -> u32 {
    let (lowest, highest) = ends(answers);
    u32::from(if item.reverse {
        highest - value
    } else {
        value - lowest
    })
}

/// Steps from the lowest answer to the highest.
fn span(answers: &AnswerScale) -> u32 {
    let (lowest, highest) = ends(answers);
    u32::from(highest - lowest)
}

/// The lowest and highest value: an instrument lists at least two values,
/// in increasing order (checked when it is loaded).
fn ends(answers: &AnswerScale) -> (u8, u8) {
    (answers.values[0], answers.values[answers.values.len() - 1])
}

/// `total` points over `answered` answers on 0-100, summed in whole
/// numbers before the one division.
fn score(total: u32, answered: u32, span: u32) -> f64 {
    100.0 * f64::from(total) / f64::from(span * answered)
}

/// How many of a shown group gave each value of the answer scale to item `k`.
fn answer_counts(answers: &AnswerScale, group: &SurveyGroup, k: usize) -> Vec<u32> {
    let mut counts = vec![0; answers.values.len()];
    for respondent in group.answers.iter().flatten() {
        if let Some(at) = respondent[k].and_then(|v| answers.values.iter().position(|x| *x == v)) {
            counts[at] += 1;
        }
    }
    counts
}

/// [`spread`] over a list's results (see [`CityResults::list_scales`])
/// without the one at `without` (with its mean), if any: the quartiles
/// from the list's sorted means with the school's left out; the pooled mean
/// over the few peers in the list's order, as `spread` sums them.
fn list_spread(
    list: &ListScales,
    without: Option<(usize, f64)>,
    own: Option<&ScaleResult>,
    min_peers: usize,
) -> Option<PeerSpread> {
    let peers = list.results.len() - usize::from(without.is_some());
    if peers < min_peers {
        return None;
    }
    if peers >= MIN_SCHOOLS_FOR_SPREAD {
        let at = without.map(|(_, mean)| crate::stats::position_of(&list.means, mean));
        return PeerSpread::quartiles_without(&list.means, at);
    }
    let results: Vec<ScaleResult> = list
        .results
        .iter()
        .enumerate()
        .filter(|(k, _)| without.is_none_or(|(at, _)| *k != at))
        .map(|(_, (_, r))| *r)
        .collect();
    spread(&results, own, min_peers)
}

/// The peers' figure on a scale (see [`ScaleScore::peers`]): quartiles of
/// their means from [`MIN_SCHOOLS_FOR_SPREAD`] peers, below that the mean of
/// the peers' and the school's respondents together.
fn spread(
    peers: &[ScaleResult],
    own: Option<&ScaleResult>,
    min_peers: usize,
) -> Option<PeerSpread> {
    if peers.len() < min_peers {
        return None;
    }
    if peers.len() >= MIN_SCHOOLS_FOR_SPREAD {
        let means: Vec<f64> = peers.iter().map(|r| r.mean).collect();
        return PeerSpread::quartiles(&means);
    }
    let group = || peers.iter().chain(own);
    let scored: u32 = group().map(|r| r.scored).sum();
    let sum: f64 = group().map(|r| r.sum).sum();
    Some(PeerSpread::pooled(sum / f64::from(scored), peers.len()))
}

/// The school's pupils on the group's first day, per grade, nursery grades
/// left out.
fn enrolled_by_grade(
    city: &AnonymisedCity,
    school: SchoolRef,
    group: &SurveyGroup,
) -> BTreeMap<Grade, u32> {
    // Grades sort by stage, K before P and S, then number: the nursery
    // grades are those up to K3.
    let last_nursery = Grade::new('K', 3).expect("K3 is a grade");
    let mut enrolled = BTreeMap::new();
    for e in city.enrolments_of(school) {
        if e.from <= group.wave && group.wave <= e.to && e.grade > last_nursery {
            *enrolled.entry(e.grade).or_default() += 1;
        }
    }
    enrolled
}

/// The pupils the respondents are compared with, per grade (see
/// [`Representativeness::invited_grades`]): every enrolled grade, unless
/// `invited` is below the pupils enrolled. Then the school invited some
/// grades only, and `invited.csv` gives their number, not which: schools
/// invite whole grades, consecutive ones ("from P4", "the upper grades"),
/// so the base is the run of consecutive enrolled grades that holds every
/// respondent's grade and whose enrolment is nearest `invited` (the count
/// of a date other than the wave's first day may differ by a few), the
/// shortest and then the lowest on a tie.
fn invited_grades(
    enrolled: &BTreeMap<Grade, u32>,
    respondents: &BTreeMap<Grade, u32>,
    invited: Option<u32>,
) -> BTreeMap<Grade, u32> {
    let total: u32 = enrolled.values().sum();
    let Some(invited) = invited.filter(|n| *n < total) else {
        return enrolled.clone();
    };
    let grades: Vec<(Grade, u32)> = enrolled.iter().map(|(g, n)| (*g, *n)).collect();
    let holds_respondents = |run: &[(Grade, u32)]| {
        respondents
            .keys()
            .filter(|g| enrolled.contains_key(g))
            .all(|g| run.iter().any(|(r, _)| r == g))
    };
    let best = (0..grades.len())
        .flat_map(|from| (from + 1..=grades.len()).map(move |to| (from, to)))
        .filter(|(from, to)| holds_respondents(&grades[*from..*to]))
        .min_by_key(|(from, to)| {
            let pupils: u32 = grades[*from..*to].iter().map(|(_, n)| n).sum();
            (pupils.abs_diff(invited), to - from, *from)
        });
    match best {
        Some((from, to)) => grades[from..to].iter().copied().collect(),
        None => enrolled.clone(),
    }
}

/// The respondents by grade against `enrolled`, the pupils of the invited
/// grades; `some_grades_invited` is left `false` for the caller to set.
fn representativeness(
    respondents: &BTreeMap<Grade, u32>,
    enrolled: &BTreeMap<Grade, u32>,
) -> Option<Representativeness> {
    let r = i64::from(respondents.values().sum::<u32>());
    let e = i64::from(enrolled.values().sum::<u32>());
    if r == 0 || e == 0 {
        return None;
    }
    // Share differences times r * e, in whole numbers: exact, and summed
    // before the one division.
    let mut grades: Vec<Grade> = respondents.keys().chain(enrolled.keys()).copied().collect();
    grades.sort();
    grades.dedup();
    let count = |m: &BTreeMap<Grade, u32>, g| i64::from(m.get(g).copied().unwrap_or(0));
    let differences: Vec<(Grade, i64)> = grades
        .iter()
        .map(|g| (*g, count(respondents, g) * e - count(enrolled, g) * r))
        .collect();
    let total: i64 = differences.iter().map(|(_, d)| d.abs()).sum();
    let dissimilarity = total as f64 / (2 * r * e) as f64;
    // Ties go to the lowest grade: `min_by_key` keeps the first.
    let under = differences
        .iter()
        .filter(|(_, d)| *d < 0)
        .min_by_key(|(_, d)| *d);
    let over = differences
        .iter()
        .filter(|(_, d)| *d > 0)
        .min_by_key(|(_, d)| -*d);
    Some(Representativeness {
        invited_grades: enrolled.keys().copied().collect(),
        some_grades_invited: false,
        grades_without_respondents: enrolled
            .keys()
            .filter(|g| !respondents.contains_key(g))
            .copied()
            .collect(),
        dissimilarity,
        unlike_the_school: dissimilarity > DISSIMILARITY_FLAG,
        most_under_represented: under.map(|(g, _)| *g),
        most_over_represented: over.map(|(g, _)| *g),
    })
}

fn checklist(
    results: &CityResults,
    school: SchoolRef,
    peers: Option<&PeerGroup>,
    privacy: &PrivacySettings,
) -> Vec<ChecklistComparison> {
    let answer = |s: SchoolRef, item: &str| results.checklist_answer(s, item);
    if !results.answered_checklist[school.index()] {
        return Vec::new();
    }
    // The peers' answers: their list's counts, less the school's own when
    // the list holds it.
    let counts = peers.map(|g| (results.list_checklist(g.shared()), g.shared().left_out()));
    results
        .city
        .checklist()
        .iter()
        .enumerate()
        .map(|(k, item)| {
            let (answered, yes) = counts.as_ref().map_or((0, 0), |(counts, left_out)| {
                let (answered, yes) = counts[k];
                match left_out.and_then(|s| answer(s, &item.id)) {
                    Some(own) => (answered - 1, yes - usize::from(own == ChecklistAnswer::Yes)),
                    None => (answered, yes),
                }
            });
            // The configuration keeps `min_peer_schools` at 1 or more.
            let enough = answered >= privacy.min_peer_schools;
            let exact = answered >= MIN_SCHOOLS_FOR_SPREAD;
            ChecklistComparison {
                item: item.id.clone(),
                theme: item.theme.clone(),
                wording: Wording {
                    nl: item.nl.clone(),
                    en: item.en.clone(),
                },
                answer: answer(school, &item.id),
                peers_yes: (enough && exact).then(|| yes as f64 / answered as f64),
                peers_half_or_more: (enough && !exact && answered >= MIN_PEERS_HALF_OR_MORE)
                    .then_some(2 * yes >= answered),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use mirror_anonymise::{Places, PseudonymKey};
    use mirror_model::{Calendar, ChecklistResponse, Config, Questionnaire, Response};

    use super::*;

    /// Two scales on a 1-4 answer scale: `safe` (a, and b reverse-coded)
    /// and `rules` (c, d, e), every item asked of every group. An answer v
    /// scores (v - 1) * 100 / 3: 1 -> 0, 2 -> 33.3, 3 -> 66.7, 4 -> 100; on
    /// b, (4 - v) * 100 / 3.
    const INSTRUMENT: &str = r#"
title = { nl = "Proef", en = "Trial" }
[answers]
values = [1, 2, 3, 4]
nl = ["helemaal niet akkoord", "niet akkoord", "akkoord", "helemaal akkoord"]
en = ["strongly disagree", "disagree", "agree", "strongly agree"]
[[scales]]
id = "safe"
theme = "safety"
nl = "Veilig"
en = "Safe"
[[scales]]
id = "rules"
theme = "rules"
nl = "Regels"
en = "Rules"
[[items]]
id = "a"
scale = "safe"
groups = ["pupils", "teachers", "staff"]
nl = "a"
en = "a"
[[items]]
id = "b"
scale = "safe"
groups = ["pupils", "teachers", "staff"]
reverse = true
nl = "b"
en = "b"
[[items]]
id = "c"
scale = "rules"
groups = ["pupils", "teachers", "staff"]
nl = "c"
en = "c"
[[items]]
id = "d"
scale = "rules"
groups = ["pupils", "teachers", "staff"]
nl = "d"
en = "d"
[[items]]
id = "e"
scale = "rules"
groups = ["pupils", "teachers", "staff"]
nl = "e"
en = "e"
"#;

    const ASTER: SchoolRef = SchoolRef(0);
    const PUPILS: RespondentGroup = RespondentGroup::Pupils;
    const TEACHERS: RespondentGroup = RespondentGroup::Teachers;
    const STAFF: RespondentGroup = RespondentGroup::Staff;

    /// A respondent of school `school` (0: Aster, ... 6: Gagel of the tiny
    /// city): `answers` holds items a-e, a digit or `-` for not answered.
    fn respondent(
        school: u32,
        group: RespondentGroup,
        wave: &str,
        grade: Option<&str>,
        answers: &str,
    ) -> Response {
        Response {
            school: SchoolRef(school),
            group,
            wave: wave.parse().unwrap(),
            answers: answers
                .chars()
                .map(|c| c.to_digit(10).map(|d| d as u8))
                .collect(),
            grade: grade.map(|g| g.parse().unwrap()),
            comment: None,
        }
    }

    /// The tiny city (seven secondary schools; Aster has S2 x 1 and S3 x 2
    /// enrolled from 9 to 13 September 2024) with these responses to the
    /// trial instrument and these checklist answers; every group needs 3
    /// respondents and peer figures 3 peers.
    fn trial_city(
        responses: Vec<Response>,
        invited: &[(RespondentGroup, u32)],
        checklist: &[(u32, &str, ChecklistAnswer)],
    ) -> (AnonymisedCity, PrivacySettings) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tiny-city");
        let config = Config::load(&dir.join("mirror.toml")).unwrap();
        let calendar = Calendar::load(&config.calendar).unwrap();
        let read =
            mirror_ingest::run(&config, calendar, mirror_ingest::PupilSources::Read).unwrap();
        let mut raw = read.city;
        let year = SchoolYear::starting(2024);
        raw.questionnaires = vec![Questionnaire {
            instrument: Instrument::parse(INSTRUMENT, "trial", Path::new("trial.toml")).unwrap(),
            responses,
            invited: invited
                .iter()
                .map(|(group, n)| ((ASTER, year, *group), *n))
                .collect(),
        }];
        raw.checklist_answers = checklist
            .iter()
            .map(|(school, item, answer)| ChecklistResponse {
                school: SchoolRef(*school),
                item: (*item).to_owned(),
                answer: *answer,
                remark: None,
            })
            .collect();
        let mut privacy = config.privacy;
        privacy.min_respondents = RespondentGroup::ALL.iter().map(|g| (*g, 3)).collect();
        privacy.min_peer_schools = 3;
        let key = PseudonymKey::from_hex(&"00".repeat(32), "k").unwrap();
        let pupils = mirror_anonymise::PupilRecords::pseudonymise(read.pupils.unwrap(), &key);
        let city = mirror_anonymise::run(raw, pupils, &key, &Places::default(), &privacy).city;
        (city, privacy)
    }

    /// Aster's pupils on 10 September 2024. Items a b c d e:
    /// 1: 4 1 1 2 3, 2: 2 3 1 2 3, 3: 3 - 2 2 4.
    fn aster_pupils(grades: [&str; 3]) -> Vec<Response> {
        ["41123", "23123", "3-224"]
            .iter()
            .zip(grades)
            .map(|(a, g)| respondent(0, PUPILS, "2024-09-10", Some(g), a))
            .collect()
    }

    /// Aster's teachers: 1: 4 1 4 3 3, 2: 4 2 4 2 3, 3: 3 1 3 2 4.
    fn aster_teachers() -> Vec<Response> {
        ["41433", "42423", "31324"]
            .iter()
            .map(|a| respondent(0, TEACHERS, "2024-09-11", None, a))
            .collect()
    }

    fn mirror_of(city: &AnonymisedCity, privacy: &PrivacySettings) -> SurveyMirror {
        let peers = PeerGroup::pinned_for_test((1..7).map(SchoolRef).collect());
        survey_mirror(
            &CityResults::of(city, privacy),
            ASTER,
            SchoolYear::starting(2024),
            Some(&peers),
            privacy,
            &[],
        )
    }

    fn scale<'a>(m: &'a InstrumentMirror, id: &str, group: RespondentGroup) -> &'a ScaleScore {
        let s = m.scales.iter().find(|s| s.id == id).unwrap();
        s.groups.iter().find(|g| g.group == group).unwrap()
    }

    fn group(m: &InstrumentMirror, group: RespondentGroup) -> &GroupResponse {
        m.groups.iter().find(|g| g.group == group).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn scale_scores_favourable_shares_and_answers_by_hand() {
        let (city, privacy) = trial_city(aster_pupils(["S2", "S3", "S3"]), &[], &[]);
        let m = &mirror_of(&city, &privacy).instruments[0];
        assert_eq!(m.id, "trial");
        // safe: respondent 1 a 100, b (reverse 1) 100 -> 100; respondent 2
        // a 33.3, b (reverse 3) 33.3 -> 33.3; respondent 3 a 66.7 and b not
        // answered -> 66.7. Mean 200/3; above 50: respondents 1 and 3.
        let safe = scale(m, "safe", PUPILS);
        assert_eq!(safe.respondents, 3);
        assert!(close(safe.mean.value().unwrap(), 200.0 / 3.0));
        assert!(close(safe.favourable.value().unwrap(), 2.0 / 3.0));
        // rules: (0 + 33.3 + 66.7) / 3 = 33.3 twice, (33.3 + 33.3 + 100) / 3
        // = 55.6 once; mean 1100/27 = 40.7; only respondent 3 above 50.
        let rules = scale(m, "rules", PUPILS);
        assert!(close(rules.mean.value().unwrap(), 1100.0 / 27.0));
        assert!(close(rules.favourable.value().unwrap(), 1.0 / 3.0));
        // Item a: one each of 2, 3 and 4. Item b: 2 answers, fewer than the
        // minimum of 3, so no distribution.
        let a = &m.items[0].groups[0];
        let counts: Vec<(u8, u32)> = a
            .distribution
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| (c.value, c.count))
            .collect();
        assert_eq!(counts, [(1, 0), (2, 1), (3, 1), (4, 1)]);
        assert!(close(a.distribution.as_ref().unwrap()[1].share, 1.0 / 3.0));
        let b = &m.items[1].groups[0];
        assert_eq!((b.answered, b.distribution.as_ref()), (2, None));
        // No invited row: the 3 pupils enrolled on 10 September; they are
        // S2 1, S3 2 as the respondents are.
        let pupils = group(m, PUPILS);
        assert_eq!((pupils.invited, pupils.response_rate), (Some(3), Some(1.0)));
        let r = pupils.representativeness.as_ref().unwrap();
        assert_eq!(r.dissimilarity, 0.0);
        assert!(!r.unlike_the_school);
        assert_eq!(
            (r.most_under_represented, r.most_over_represented),
            (None, None)
        );
        // No peer has answered.
        assert_eq!(safe.peers, None);
    }

    #[test]
    fn a_group_below_min_respondents_shows_its_size_only() {
        let mut responses = aster_pupils(["S2", "S3", "S3"]);
        responses.extend(
            ["44444", "11111"]
                .iter()
                .map(|a| respondent(0, STAFF, "2024-09-10", None, a)),
        );
        responses.extend(aster_teachers());
        let (city, privacy) = trial_city(responses, &[(TEACHERS, 4)], &[]);
        let m = &mirror_of(&city, &privacy).instruments[0];
        let staff = group(m, STAFF);
        assert_eq!((staff.respondents, staff.shown), (2, false));
        // Staff have no invited row and no enrolment: no rate.
        assert_eq!((staff.invited, staff.response_rate), (None, None));
        for id in ["safe", "rules"] {
            let s = scale(m, id, STAFF);
            assert_eq!(s.respondents, 2);
            assert_eq!(s.mean, Figure::Suppressed);
            assert_eq!(s.favourable, Figure::Suppressed);
            assert_eq!(s.previous, None);
        }
        assert!(
            m.items
                .iter()
                .all(|i| i.groups.iter().all(|g| g.group != STAFF))
        );
        let pairs: Vec<[RespondentGroup; 2]> = m.gaps.iter().map(|g| g.groups).collect();
        assert_eq!(pairs, [[PUPILS, TEACHERS]]);
        // 3 teachers answered of the 4 invited.
        let teachers = group(m, TEACHERS);
        assert_eq!(
            (teachers.invited, teachers.response_rate),
            (Some(4), Some(0.75))
        );
    }

    #[test]
    fn the_three_items_pupils_and_teachers_disagree_on_most() {
        let mut responses = aster_pupils(["S2", "S3", "S3"]);
        responses.extend(aster_teachers());
        let (city, privacy) = trial_city(responses, &[], &[]);
        let m = &mirror_of(&city, &privacy).instruments[0];
        // Item means, points over 3 respondents x 3 points x 100:
        // pupils a 6 -> 66.7, c 1 -> 11.1, d 3 -> 33.3, e 7 -> 77.8 (b has
        // 2 answers: left out); teachers a 8 -> 88.9, c 8 -> 88.9,
        // d 4 -> 44.4, e 7 -> 77.8. Gaps c -77.8, a -22.2, d -11.1, e 0.
        let gap = &m.gaps[0];
        assert_eq!(gap.groups, [PUPILS, TEACHERS]);
        let items: Vec<&str> = gap.disagreements.iter().map(|d| d.item.as_str()).collect();
        assert_eq!(items, ["c", "a", "d"]);
        let c = &gap.disagreements[0];
        assert!(close(c.means[0], 100.0 / 9.0) && close(c.means[1], 800.0 / 9.0));
        assert!(close(c.difference, -700.0 / 9.0));
        // Teachers' safe: 100, 83.3, 83.3 -> 88.9; rules: 77.8, 66.7, 66.7
        // -> 70.4. Pupils 66.7 and 40.7.
        let scales: Vec<(&str, f64)> = gap
            .scales
            .iter()
            .map(|s| (s.scale.as_str(), s.difference))
            .collect();
        assert_eq!(scales.len(), 2);
        assert!(scales[0].0 == "safe" && close(scales[0].1, 200.0 / 3.0 - 800.0 / 9.0));
        assert!(scales[1].0 == "rules" && close(scales[1].1, -800.0 / 27.0));
    }

    #[test]
    fn change_since_the_latest_earlier_wave_with_a_shown_mean() {
        let mut responses = aster_pupils(["S2", "S3", "S3"]);
        // 2022-2023: safe 0 (a 1, b 4 reversed), rules 100.
        responses.extend((0..3).map(|_| respondent(0, PUPILS, "2023-03-14", None, "14444")));
        // 2023-2024: safe 50 (a 2 -> 33.3, b 2 reversed -> 66.7); nobody
        // answered the rules items.
        responses.extend((0..3).map(|_| respondent(0, PUPILS, "2024-03-12", None, "22---")));
        let (city, privacy) = trial_city(responses, &[], &[]);
        let m = &mirror_of(&city, &privacy).instruments[0];
        let safe = scale(m, "safe", PUPILS).previous.unwrap();
        assert_eq!(safe.year, SchoolYear::starting(2023));
        assert!(close(safe.mean, 50.0) && close(safe.difference, 200.0 / 3.0 - 50.0));
        // The rules mean of 2023-2024 rests on nobody: 2022-2023 is the
        // latest earlier wave with one.
        let rules = scale(m, "rules", PUPILS).previous.unwrap();
        assert_eq!(rules.year, SchoolYear::starting(2022));
        assert!(close(rules.difference, 1100.0 / 27.0 - 100.0));
    }

    #[test]
    fn peer_spread_over_peers_whose_mean_is_shown() {
        let mut responses = aster_pupils(["S2", "S3", "S3"]);
        // Safe means: Beuk 0, Ceder 50, Den 100; Eik's 2 pupils are too few.
        for (school, answers, n) in [
            (1, "14---", 3),
            (2, "22---", 3),
            (3, "41---", 3),
            (4, "41---", 2),
        ] {
            responses
                .extend((0..n).map(|_| respondent(school, PUPILS, "2024-09-10", None, answers)));
        }
        let (city, mut privacy) = trial_city(responses, &[], &[]);
        let m = mirror_of(&city, &privacy);
        let safe = scale(&m.instruments[0], "safe", PUPILS);
        let spread = safe.peers.unwrap();
        assert_eq!(spread.schools, 3);
        // Three peers are fewer than 10: no quartiles (they would be 0, 50
        // and 100, the three peers' own means), but every respondent of the
        // peers and Aster together: (3 x 0 + 3 x 50 + 3 x 100 + Aster's 200)
        // / 12 = 650 / 12.
        assert_eq!(spread.figure, crate::PeerFigure::Pooled);
        assert!(close(spread.median, 650.0 / 12.0));
        assert_eq!(spread.middle_half(), None);
        assert_eq!(
            (spread.lower_quartile, spread.upper_quartile),
            (spread.median, spread.median)
        );
        // Aster's 66.7 is above the pooled 54.2, but that says nothing about
        // most peers: no position outside their middle half.
        assert_eq!(safe.outside_peers(), None);
        // The peers answered no rules item.
        assert_eq!(scale(&m.instruments[0], "rules", PUPILS).peers, None);
        privacy.min_peer_schools = 4;
        let m = mirror_of(&city, &privacy);
        assert_eq!(scale(&m.instruments[0], "safe", PUPILS).peers, None);
        // Ceder's pupils all score exactly 50: not above it, so none favourable.
        let ceder = survey_mirror(
            &CityResults::of(&city, &privacy),
            SchoolRef(2),
            SchoolYear::starting(2024),
            None,
            &privacy,
            &[],
        );
        let safe = scale(&ceder.instruments[0], "safe", PUPILS);
        assert_eq!(safe.mean, Figure::Value(50.0));
        assert_eq!(safe.favourable, Figure::Value(0.0));
    }

    /// An earlier report of 2024-2025 showed Aster's pupils over 3
    /// respondents; a fourth has answered since. Scores over 3 and then 4
    /// respondents would give the fourth's answers: 4 - 3 = 1 is below the
    /// minimum of 3, so this report shows the group's size only. From an
    /// earlier 1 (a difference of 3) or the same 4 it shows the group.
    #[test]
    fn one_more_respondent_than_an_earlier_report_shows_the_size_only() {
        let mut responses = aster_pupils(["S2", "S3", "S3"]);
        responses.push(respondent(0, PUPILS, "2024-09-12", Some("S3"), "44444"));
        let (city, privacy) = trial_city(responses, &[], &[]);
        let peers = PeerGroup::pinned_for_test((1..7).map(SchoolRef).collect());
        let year = SchoolYear::starting(2024);
        let with_earlier = |n: u32| {
            let earlier: BTreeMap<String, u32> =
                [("respondents trial pupils".to_owned(), n)].into();
            let results = CityResults::of(&city, &privacy);
            survey_mirror(&results, ASTER, year, Some(&peers), &privacy, &[&earlier])
        };
        let m = with_earlier(3);
        let i = &m.instruments[0];
        assert_eq!(
            (group(i, PUPILS).respondents, group(i, PUPILS).shown),
            (4, false)
        );
        assert_eq!(scale(i, "safe", PUPILS).mean, Figure::Suppressed);
        assert!(i.items.is_empty() && i.gaps.is_empty());
        // Nothing of the group is released, so the next report is checked
        // against the 3 still.
        let mut releases = Vec::new();
        m.release_into(&mut releases, crate::Period::whole(year));
        assert!(releases[0].counts.is_empty());
        for n in [1, 4] {
            let m = with_earlier(n);
            assert!(group(&m.instruments[0], PUPILS).shown, "{n}");
            let mut releases = Vec::new();
            m.release_into(&mut releases, crate::Period::whole(year));
            assert_eq!(releases[0].counts["respondents trial pupils"], 4);
        }
    }

    #[test]
    fn checklist_share_of_peers_answering_yes_needs_enough_peers() {
        use ChecklistAnswer::{No, Partly, Yes};
        let answers = [
            (0, "truancy-protocol", Yes),
            (0, "safe-routes", No),
            (1, "truancy-protocol", Yes),
            (2, "truancy-protocol", Partly),
            (3, "truancy-protocol", Yes),
            (1, "safe-routes", Yes),
            (2, "safe-routes", Yes),
        ];
        let (city, privacy) = trial_city(Vec::new(), &[], &answers);
        let m = mirror_of(&city, &privacy);
        // No questionnaire answered, the checklist all the same.
        assert!(m.instruments.is_empty());
        assert_eq!(m.checklist.len(), city.checklist().len());
        let item = |id: &str| m.checklist.iter().find(|c| c.item == id).unwrap();
        // 2 of the 3 peers that answered said yes ("partly" is not yes):
        // fewer than 10 answers give no share (2/3 moves in steps of a
        // third, so 100% would give every answer), only "half or more".
        let protocol = item("truancy-protocol");
        assert_eq!(protocol.answer, Some(Yes));
        assert_eq!(
            (protocol.peers_yes, protocol.peers_half_or_more),
            (None, Some(true))
        );
        // 2 peers answered: fewer than 3, nothing.
        let routes = item("safe-routes");
        assert_eq!(
            (routes.answer, routes.peers_yes, routes.peers_half_or_more),
            (Some(No), None, None)
        );
        assert_eq!(item("pupil-voice").answer, None);
        // A school that answered no item gets no checklist.
        let peers = PeerGroup::pinned_for_test(vec![ASTER]);
        let eik = survey_mirror(
            &CityResults::of(&city, &privacy),
            SchoolRef(4),
            SchoolYear::starting(2024),
            Some(&peers),
            &privacy,
            &[],
        );
        assert!(eik.checklist.is_empty());
    }

    /// The seven schools' groups read from one list shared with each school
    /// (as the rules method builds them) give the mirrors that a list of
    /// the six others gives: scales pooled over the few peers that answered
    /// (Aster, Berk and Ceder's pupils, in the list's order) and the
    /// checklist counts less the school's own answer. Berk's peers on
    /// "safe": Aster and Ceder, 3 each, fewer than the 3 peers needed; with
    /// 2 needed, their 6 pupils pooled with Berk's 3.
    #[test]
    fn a_shared_list_gives_each_school_the_mirror_of_its_others() {
        use ChecklistAnswer::{No, Yes};
        let mut responses = aster_pupils(["S2", "S3", "S3"]);
        for (school, answers) in [
            (1, ["44444", "33333", "2-222"]),
            (2, ["33333", "33333", "33333"]),
        ] {
            responses.extend(
                answers
                    .iter()
                    .map(|a| respondent(school, PUPILS, "2024-09-10", Some("S3"), a)),
            );
        }
        let answers = [
            (0, "truancy-protocol", Yes),
            (1, "truancy-protocol", Yes),
            (2, "truancy-protocol", No),
            (3, "truancy-protocol", Yes),
            (4, "truancy-protocol", Yes),
            (5, "safe-routes", Yes),
        ];
        let (city, mut privacy) = trial_city(responses, &[], &answers);
        let year = SchoolYear::starting(2024);
        let shared = PeerGroup::shared_for_test((0..7).map(SchoolRef).collect());
        for min_peer_schools in [2, 3] {
            privacy.min_peer_schools = min_peer_schools;
            let results = CityResults::of(&city, &privacy);
            for (me, group) in (0..7).zip(&shared) {
                let others = PeerGroup::pinned_for_test(
                    (0..7).filter(|s| *s != me).map(SchoolRef).collect(),
                );
                let school = SchoolRef(me);
                assert_eq!(
                    survey_mirror(&results, school, year, Some(group), &privacy, &[]),
                    survey_mirror(&results, school, year, Some(&others), &privacy, &[]),
                    "school {me}, {min_peer_schools} peers needed"
                );
            }
        }
        // Berk (1) with 2 peers needed: the pooled mean of 9 pupils.
        privacy.min_peer_schools = 2;
        let berk = survey_mirror(
            &CityResults::of(&city, &privacy),
            SchoolRef(1),
            year,
            Some(&shared[1]),
            &privacy,
            &[],
        );
        let safe = scale(&berk.instruments[0], "safe", PUPILS);
        assert_eq!(
            safe.peers.map(|p| (p.figure, p.schools)),
            Some((crate::PeerFigure::Pooled, 2))
        );
        // Truancy protocol: of the six others of Aster, 4 answered, 3 yes:
        // half or more (fewer than 10 answered, no share).
        let item = |m: &SurveyMirror| {
            let c = m
                .checklist
                .iter()
                .find(|c| c.item == "truancy-protocol")
                .unwrap();
            (c.answer, c.peers_half_or_more)
        };
        let aster = survey_mirror(
            &CityResults::of(&city, &privacy),
            ASTER,
            year,
            Some(&shared[0]),
            &privacy,
            &[],
        );
        assert_eq!(item(&aster), (Some(Yes), Some(true)));
    }

    /// A pupils' score with `n` respondents whose scores have standard
    /// deviation `sd`, beside peers with a middle half of 67.41 to 80.
    fn among_peers(mean: f64, n: u32, sd: f64) -> ScaleScore {
        ScaleScore {
            group: PUPILS,
            respondents: n,
            mean: Figure::Value(mean),
            standard_error: Some(sd / f64::from(n).sqrt()),
            peers: Some(PeerSpread {
                lower_quartile: 67.41,
                median: 72.0,
                upper_quartile: 80.0,
                schools: 12,
                figure: crate::PeerFigure::Median,
            }),
            favourable: Figure::Value(0.5),
            previous: None,
        }
    }

    /// Worked by hand: 25 respondents with a standard deviation of 15 give
    /// a standard error of 15 / 5 = 3, so a score is lower than most
    /// similar schools only below 67.41 - 1.96 x 3 = 61.53. 67.17 (the
    /// seed-5 case, 0.24 below the quartile) and 62.0 are "no clear
    /// difference"; 60.0 is lower, by 7.41 points. 400 respondents give a
    /// standard error of 0.75 and a margin of 1.47: 65.0, 2.41 below, is
    /// lower. Above: 80 + 5.88 = 85.88, so 86.0 is higher by 6.
    #[test]
    fn a_score_outside_the_middle_half_is_flagged_only_beyond_its_standard_error() {
        assert_eq!(among_peers(67.17, 25, 15.0).outside_peers(), None);
        assert_eq!(among_peers(62.0, 25, 15.0).outside_peers(), None);
        let (side, by) = among_peers(60.0, 25, 15.0).outside_peers().unwrap();
        assert!(side == crate::Side::Lower && close(by, 7.41));
        assert_eq!(
            among_peers(65.0, 400, 15.0).outside_peers().unwrap().0,
            crate::Side::Lower
        );
        assert_eq!(among_peers(65.0, 25, 15.0).outside_peers(), None);
        let (side, by) = among_peers(86.0, 25, 15.0).outside_peers().unwrap();
        assert!(side == crate::Side::Higher && close(by, 6.0));
        assert_eq!(among_peers(85.0, 25, 15.0).outside_peers(), None);
        // Without a standard error (one respondent) nothing is called.
        let one = ScaleScore {
            standard_error: None,
            ..among_peers(10.0, 1, 15.0)
        };
        assert_eq!(one.outside_peers(), None);
    }

    #[test]
    fn standard_error_of_a_group_mean_from_its_respondents_scores() {
        let (city, privacy) = trial_city(aster_pupils(["S2", "S3", "S3"]), &[], &[]);
        let m = &mirror_of(&city, &privacy).instruments[0];
        // safe: 100, 33.3, 66.7 (mean 66.7): deviations 33.3, -33.3, 0;
        // variance (1111.1 + 1111.1) / 2 = 1111.1, sd 33.3, standard
        // error 33.3 / sqrt(3) = 100 / (3 sqrt(3)) = 19.245.
        let safe = scale(m, "safe", PUPILS);
        assert!(close(
            safe.standard_error.unwrap(),
            100.0 / (3.0 * 3f64.sqrt())
        ));
        // 3 respondents of the 3 enrolled: not a low response.
        assert!(!group(m, PUPILS).low_response);
        // Every scale of the instrument is named, answered or not.
        let names = &mirror_of(&city, &privacy).scale_names;
        assert_eq!(names["rules"].nl, "Regels");
    }

    /// Seed-5 school 100180 invited 233 pupils; on the wave's first day
    /// S1-S6 had 98, 88, 54, 68, 87 and 79 pupils (474), and 40, 48 and 32
    /// answered in S4, S5 and S6. The runs of grades holding S4-S6: S4-S6
    /// (234, 1 from 233), S3-S6 (288), S2-S6, S1-S6: the base is S4-S6.
    /// Differences times r x e (r = 120, e = 234): S4 40 x 234 - 68 x 120
    /// = 1200, S5 11232 - 10440 = 792, S6 7488 - 9480 = -1992; index
    /// 3984 / (2 x 120 x 234) = 83 / 1170 = 0.071, not flagged. Against
    /// the whole school it would be about 0.51.
    #[test]
    fn respondents_are_compared_with_the_grades_invited() {
        let g = |s: &str| s.parse::<Grade>().unwrap();
        let enrolled: BTreeMap<Grade, u32> = [
            ("S1", 98),
            ("S2", 88),
            ("S3", 54),
            ("S4", 68),
            ("S5", 87),
            ("S6", 79),
        ]
        .into_iter()
        .map(|(k, n)| (g(k), n))
        .collect();
        let respondents: BTreeMap<Grade, u32> = [("S4", 40), ("S5", 48), ("S6", 32)]
            .into_iter()
            .map(|(k, n)| (g(k), n))
            .collect();
        let base = invited_grades(&enrolled, &respondents, Some(233));
        assert_eq!(
            base.keys().copied().collect::<Vec<_>>(),
            [g("S4"), g("S5"), g("S6")]
        );
        let r = representativeness(&respondents, &base).unwrap();
        assert!(close(r.dissimilarity, 83.0 / 1170.0) && !r.unlike_the_school);
        assert!(r.grades_without_respondents.is_empty());
        let whole = representativeness(&respondents, &enrolled).unwrap();
        assert!(whole.unlike_the_school);
        assert_eq!(
            whole.grades_without_respondents,
            [g("S1"), g("S2"), g("S3")]
        );
        // 288 invited: S3-S6 exactly, and S3 had no respondent.
        let base = invited_grades(&enrolled, &respondents, Some(288));
        let r = representativeness(&respondents, &base).unwrap();
        assert_eq!(r.invited_grades, [g("S3"), g("S4"), g("S5"), g("S6")]);
        assert_eq!(r.grades_without_respondents, [g("S3")]);
        // No count, or as many as enrolled: the whole school.
        assert_eq!(invited_grades(&enrolled, &respondents, None), enrolled);
        assert_eq!(invited_grades(&enrolled, &respondents, Some(474)), enrolled);
    }

    #[test]
    fn respondents_unlike_the_enrolment_are_flagged() {
        // Enrolled on 10 September: S2 1/3, S3 2/3. All respondents in S3:
        // (|0 - 1/3| + |1 - 2/3|) / 2 = 1/3, above 0.2.
        let (city, privacy) = trial_city(aster_pupils(["S3", "S3", "S3"]), &[], &[]);
        let m = &mirror_of(&city, &privacy).instruments[0];
        let r = group(m, PUPILS).representativeness.clone().unwrap();
        assert!(close(r.dissimilarity, 1.0 / 3.0) && r.unlike_the_school);
        assert_eq!(r.most_under_represented, Some("S2".parse().unwrap()));
        assert_eq!(r.most_over_represented, Some("S3".parse().unwrap()));
        // Five respondents, S2 2 and S3 3: (|2/5 - 1/3| + |3/5 - 2/3|) / 2 =
        // 1/15, not flagged. More answered than the 3 enrolled: no invited
        // count, so no rate.
        let mut responses = aster_pupils(["S2", "S2", "S3"]);
        responses.extend(aster_pupils(["S3", "S3", "S3"]).into_iter().take(2));
        let (city, privacy) = trial_city(responses, &[], &[]);
        let m = &mirror_of(&city, &privacy).instruments[0];
        let pupils = group(m, PUPILS);
        let r = pupils.representativeness.clone().unwrap();
        assert!(close(r.dissimilarity, 1.0 / 15.0) && !r.unlike_the_school);
        assert_eq!(r.most_over_represented, Some("S2".parse().unwrap()));
        assert_eq!((pupils.invited, pupils.response_rate), (None, None));
    }
}
