//! The truancy advisor's yearly list: the schools that did very well and
//! those whose truancy rises, each with the figures behind the choice.
//!
//! It names schools, so it is for the city's staff only: it is built from
//! the mirrors but never goes into one.

use mirror_model::{Level, SchoolId};
use serde::Serialize;

use crate::funnel::Position;
use crate::significance::{Change, ChangeTest};
use crate::support::SupportSuggestion;
use crate::{CityBenchmark, Figure, Judgement, Period, SchoolMirror};

/// How many schools each half of the list holds before ties at the cut-off.
pub const LIST_LENGTH: usize = 10;

/// With hundreds of schools each tested at 5%, a dozen would be called rising
/// by chance alone: a change makes the list only under the Benjamini-Hochberg
/// rule, which keeps the expected share of chance calls among those listed
/// at 5%. A mirror, about one school, keeps the plain 5% test.
pub const FALSE_DISCOVERY_RATE: f64 = 0.05;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisorList {
    pub period: Period,
    /// Problematic absence below the 99.8% control limit of similar schools
    /// (the outer limit: the list looks at every school at once), or a fall
    /// significant across all schools' tests; strongest evidence first.
    pub did_well: Vec<Choice>,
    /// A rise significant across all schools' tests; largest z-score first.
    pub rising: Vec<Choice>,
    /// Schools whose rate is suppressed (too few pupils): never judged, and
    /// said so rather than silently left out.
    pub too_small_to_judge: Vec<SchoolNamed>,
    /// Changes with a p-value up to this are significant across all schools
    /// (Benjamini-Hochberg); 0 when none is.
    pub p_threshold: f64,
    /// Schools whose change was tested.
    pub tested: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoolNamed {
    pub school: SchoolId,
    pub name: String,
    pub level: Level,
}

/// One school on the list and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    /// 1 for the first; schools tied share a rank.
    pub rank: usize,
    #[serde(flatten)]
    pub school: SchoolNamed,
    pub rate: f64,
    /// The rate a year earlier (the same dates for a year-to-date list).
    pub previous_rate: Option<f64>,
    pub change: Option<ChangeTest>,
    pub against_peers: Option<Judgement>,
    /// The evidence the ranking uses: the size of the z-score that put the
    /// school on the list.
    pub strength: f64,
    /// The support offers the school's mirror suggests, for the advisor's
    /// call.
    pub support: Vec<SupportSuggestion>,
}

/// Ranks every mirror. Within a half, schools with the same strength (to
/// nine decimals) share a rank, and all schools tied at the tenth place are listed,
/// so a half may hold more than ten; order among ties is by school id.
pub fn advisor_list(benchmark: &CityBenchmark) -> AdvisorList {
    let p_values: Vec<f64> = benchmark
        .mirrors
        .iter()
        .filter_map(|m| m.history.last()?.change.map(|c| c.p_value))
        .collect();
    let p_threshold = benjamini_hochberg(&p_values, FALSE_DISCOVERY_RATE);
    let significant = |c: &ChangeTest| c.p_value <= p_threshold;
    let mut did_well = Vec::new();
    let mut rising = Vec::new();
    let mut too_small_to_judge = Vec::new();
    for m in &benchmark.mirrors {
        let Some(now) = m.history.last() else {
            continue;
        };
        let named = SchoolNamed {
            school: m.school.clone(),
            name: m.name.clone(),
            level: m.level,
        };
        let Figure::Value(rate) = now.problematic_rate.school else {
            too_small_to_judge.push(named);
            continue;
        };
        let previous_rate = previous(m);
        let judged = now.problematic_rate.judged;
        let change = now.change;
        let choice = |strength: f64| Choice {
            rank: 0,
            school: named.clone(),
            rate,
            previous_rate,
            change,
            against_peers: judged,
            strength,
            support: m.support.clone(),
        };
        let below = judged
            .filter(|j| j.position == Position::Low998)
            .map(|j| -j.z);
        let fell = change
            .filter(|c| c.change == Change::Falling && significant(c))
            .map(|c| -c.z);
        if let Some(strength) = below.into_iter().chain(fell).reduce(f64::max) {
            did_well.push(choice(strength));
        }
        if let Some(c) = change.filter(|c| c.change == Change::Rising && significant(c)) {
            rising.push(choice(c.z));
        }
    }
    AdvisorList {
        period: benchmark.period,
        did_well: top(did_well),
        rising: top(rising),
        too_small_to_judge,
        p_threshold,
        tested: p_values.len(),
    }
}

/// The largest p-value p(k) with p(k) <= k / m * rate among the sorted
/// `p_values` (Benjamini and Hochberg, 1995); 0 when there is none.
fn benjamini_hochberg(p_values: &[f64], rate: f64) -> f64 {
    let mut sorted = p_values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .rev()
        .find(|(k, p)| **p <= (*k as f64 + 1.0) / m * rate)
        .map(|(_, p)| *p)
        .unwrap_or(0.0)
}

impl AdvisorList {
    /// The list as CSV for a spreadsheet: one row per school, the figures
    /// behind each choice in their own columns (rates as fractions).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "list,rank,school_id,school_name,level,rate,previous_rate,change,change_z,change_p,position_against_peers,peer_average,lower_95,upper_95,funnel_z,strength,support\n",
        );
        let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
        for (list, choices) in [("did-well", &self.did_well), ("rising", &self.rising)] {
            for c in choices {
                let j = c.against_peers;
                let fields = [
                    list.to_owned(),
                    c.rank.to_string(),
                    c.school.school.to_string(),
                    quoted(&c.school.name),
                    c.school.level.as_str().to_owned(),
                    number(Some(c.rate)),
                    number(c.previous_rate),
                    c.change
                        .map_or(String::new(), |t| format!("{:?}", t.change).to_lowercase()),
                    number(c.change.map(|t| t.z)),
                    number(c.change.map(|t| t.p_value)),
                    j.map_or(String::new(), |j| {
                        format!("{:?}", j.position).to_lowercase()
                    }),
                    number(j.map(|j| j.target)),
                    number(j.map(|j| j.limits.lower95)),
                    number(j.map(|j| j.limits.upper95)),
                    number(j.map(|j| j.z)),
                    number(Some(c.strength)),
                    // "organisation: offer" per suggestion, separated by " | ".
                    quoted(
                        &c.support
                            .iter()
                            .map(|s| format!("{}: {}", s.offer.organisation, s.offer.offer))
                            .collect::<Vec<_>>()
                            .join(" | "),
                    ),
                ];
                out.push_str(&fields.join(","));
                out.push('\n');
            }
        }
        for s in &self.too_small_to_judge {
            out.push_str(&format!(
                "too-small-to-judge,,{},{},{},,,,,,,,,,,,\n",
                s.school,
                quoted(&s.name),
                s.level.as_str()
            ));
        }
        out
    }
}

/// A CSV field in quotes, inner quotes doubled, so commas in a name are safe.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn previous(m: &SchoolMirror) -> Option<f64> {
    match &m.same_dates_last_year {
        Some(last) => last.problematic_rate.school.value(),
        None => m
            .history
            .len()
            .checked_sub(2)
            .and_then(|i| m.history[i].problematic_rate.school.value()),
    }
}

/// Strongest first, ranks shared by ties, cut after the tenth rank's ties.
fn top(mut choices: Vec<Choice>) -> Vec<Choice> {
    // Strengths within 1e-9 are ties: ordered by school id, not by noise.
    let key = |c: &Choice| -(c.strength * 1e9).round() as i64;
    choices.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.school.school.cmp(&b.school.school))
    });
    let tied = |a: &Choice, b: &Choice| key(a) == key(b);
    let mut out: Vec<Choice> = Vec::new();
    for (i, mut c) in choices.into_iter().enumerate() {
        c.rank = match out.last() {
            Some(last) if tied(last, &c) => last.rank,
            _ => i + 1,
        };
        if c.rank > LIST_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(id: &str, strength: f64) -> Choice {
        Choice {
            rank: 0,
            school: SchoolNamed {
                school: id.parse().unwrap(),
                name: format!("School {id}"),
                level: Level::Secondary,
            },
            rate: 0.05,
            previous_rate: None,
            change: None,
            against_peers: None,
            strength,
            support: Vec::new(),
        }
    }

    /// Strengths 12, 11, ..., 1 for schools 100001-100012, but schools
    /// 100010 and 100011 both at 3: ranks 1-9 as given, the two tied at 10,
    /// and 100012 (strength 1, rank 12) falls off: 11 schools listed.
    #[test]
    fn ties_at_the_cut_off_are_all_listed_with_one_rank() {
        let mut choices: Vec<Choice> = (1..=12)
            .map(|i| choice(&format!("1000{i:02}"), f64::from(13 - i)))
            .collect();
        choices[10].strength = 3.0;
        choices.reverse();
        let listed = top(choices);
        let ranks: Vec<(String, usize)> = listed
            .iter()
            .map(|c| (c.school.school.to_string(), c.rank))
            .collect();
        assert_eq!(ranks.len(), 11);
        assert_eq!(ranks[0], ("100001".to_owned(), 1));
        assert_eq!(ranks[8], ("100009".to_owned(), 9));
        assert_eq!(ranks[9], ("100010".to_owned(), 10));
        assert_eq!(ranks[10], ("100011".to_owned(), 10));
    }

    /// m = 10, rate 0.05: the bounds k/10 x 0.05 are 0.005, 0.010, 0.015,
    /// ...; p(1) = 0.001 and p(2) = 0.008 are under theirs, p(3) = 0.039 and
    /// every later one over: 0.008 is the threshold, and 0.039, significant
    /// on its own, is not across the ten.
    #[test]
    fn benjamini_hochberg_by_hand() {
        let p = [
            0.216, 0.001, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.008,
        ];
        assert_eq!(benjamini_hochberg(&p, 0.05), 0.008);
        assert_eq!(benjamini_hochberg(&[0.2, 0.5], 0.05), 0.0);
        assert_eq!(benjamini_hochberg(&[], 0.05), 0.0);
        // A later p under its bound carries the smaller ones with it.
        assert_eq!(benjamini_hochberg(&[0.03, 0.04], 0.05), 0.04);
    }

    #[test]
    fn fewer_candidates_than_places_lists_them_all() {
        let listed = top(vec![choice("100002", 2.5), choice("100001", 4.0)]);
        let ids: Vec<String> = listed.iter().map(|c| c.school.school.to_string()).collect();
        assert_eq!(ids, ["100001", "100002"]);
        assert_eq!(listed[1].rank, 2);
    }
}
