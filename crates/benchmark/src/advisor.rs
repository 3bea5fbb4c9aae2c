//! The truancy advisor's yearly list: the schools that did well and those
//! whose truancy is rising, ten of each (more on ties) every year, ranked by
//! the strength of the evidence and each labelled in words: clear, likely
//! or weak. Method in docs/methodology.md ("The advisor's list").
//!
//! It names schools, so it is for the city's staff only: it is built from
//! the mirrors but never goes into one.

use mirror_model::{Level, SchoolId, SchoolYear};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::funnel::Position;
use crate::significance::{Change, ChangeTest};
use crate::support::SupportSuggestion;
use crate::{Against, CityBenchmark, Figure, Judgement, Period, SchoolMirror};

/// How many schools each half of the list holds before ties at the cut-off.
pub const LIST_LENGTH: usize = 10;

/// With hundreds of schools each tested at 5%, a dozen would look rising by
/// chance alone: "clear" needs the Benjamini-Hochberg rule across all
/// schools tested, which keeps the expected share of chance calls among
/// them at 5%. A mirror, about one school, keeps the plain 5% test.
pub const FALSE_DISCOVERY_RATE: f64 = 0.05;

/// The two-sided level of one school's own test ("likely").
const ALONE: f64 = 0.05;

/// A sustained change is looked at over this many years of changes.
const TREND_YEARS: [usize; 2] = [2, 3];

/// How strong one school's evidence is, in words beside its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Beyond chance across all schools tested (Benjamini-Hochberg, 5%).
    Clear,
    /// Beyond chance for this school alone: outside the 95% limit, or a
    /// test with p < 0.05.
    Likely,
    /// The strongest of the rest: worth a conversation, not a conclusion.
    Weak,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "clear",
            Self::Likely => "likely",
            Self::Weak => "weak",
        }
    }
}

/// What a piece of evidence compares. Values, not words: the list's
/// template says them in the city's language (lang/*.toml, `[advisor]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Test {
    /// The rate on the funnel plot of the school's peers (or of the city's
    /// schools of its level): where it lies, and against whom.
    AgainstPeers {
        position: Position,
        against: Against,
    },
    /// The rate against the year before, `since` (or the same dates of
    /// that year, for a year-to-date list).
    Change { since: SchoolYear },
    /// The rate against `years` years earlier, `since` that school year.
    Trend { years: usize, since: SchoolYear },
}

/// One test's result that speaks for the school's place on the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub test: Test,
    /// The change of the rate the test is about (a fraction; negative: a
    /// fall); `None` against peers.
    pub difference: Option<f64>,
    /// Negative: lower than the peers, or a fall.
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
    /// Beyond chance for this school alone.
    pub alone: bool,
}

impl Evidence {
    /// The evidence in the CSV's `evidence` column: machine-readable and
    /// the same in every language, e.g. `change since=2024-2025
    /// difference=-0.006000 z=-1.500000 p=0.133600`.
    pub fn code(&self) -> String {
        let test = match self.test {
            Test::AgainstPeers { position, against } => {
                // The JSON's names, as the template reads them.
                let against = match against {
                    Against::Peers => "peers",
                    Against::City => "city",
                };
                let position = match position {
                    Position::Low998 => "low998",
                    Position::Low95 => "low95",
                    Position::Within => "within",
                    Position::High95 => "high95",
                    Position::High998 => "high998",
                };
                format!("against-peers against={against} position={position}")
            }
            Test::Change { since } => format!("change since={since}"),
            Test::Trend { years, since } => format!("trend years={years} since={since}"),
        };
        let difference = self
            .difference
            .map_or(String::new(), |d| format!(" difference={d:.6}"));
        format!("{test}{difference} z={:.6} p={:.6}", self.z, self.p_value)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisorList {
    pub period: Period,
    /// Lower than similar schools, or a fall over one, two or three years;
    /// strongest evidence first.
    pub did_well: Vec<Choice>,
    /// A rise over one, two or three years; strongest evidence first.
    pub rising: Vec<Choice>,
    /// Schools whose rate is suppressed (too few pupils): never judged, and
    /// said so rather than silently left out.
    pub too_small_to_judge: Vec<SchoolNamed>,
    /// Schools with at least one test for each half.
    pub did_well_tested: usize,
    pub rising_tested: usize,
    /// A school's p-value up to this is "clear" (Benjamini-Hochberg); 0
    /// when none is.
    pub did_well_p_threshold: f64,
    pub rising_p_threshold: f64,
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
    pub label: Label,
    #[serde(flatten)]
    pub school: SchoolNamed,
    pub rate: f64,
    /// The rate a year earlier (the same dates for a year-to-date list).
    pub previous_rate: Option<f64>,
    pub change: Option<ChangeTest>,
    pub against_peers: Option<Judgement>,
    /// The tests that speak for the school in this half, strongest first.
    pub evidence: Vec<Evidence>,
    /// The largest z-score among them, in the half's direction.
    pub strength: f64,
    /// The school's p-value for the half: the smallest of its tests' times
    /// the number of its tests (Bonferroni), as Benjamini-Hochberg takes it.
    pub p_value: f64,
    /// The support offers the school's mirror suggests, for the advisor's
    /// call.
    pub support: Vec<SupportSuggestion>,
}

/// What the list reads of one school's mirror.
#[derive(Debug, Clone)]
struct Record {
    school: SchoolNamed,
    /// `None`: suppressed, too few pupils.
    rate: Option<f64>,
    previous_rate: Option<f64>,
    against_peers: Option<Judgement>,
    /// Each school year with data, oldest first, with its change against
    /// the year before.
    years: Vec<(SchoolYear, Option<ChangeTest>)>,
    support: Vec<SupportSuggestion>,
}

/// Ranks every mirror (see the module doc).
pub fn advisor_list(benchmark: &CityBenchmark) -> AdvisorList {
    let records = benchmark.mirrors.iter().filter_map(record).collect();
    rank(benchmark.period, records)
}

fn record(m: &SchoolMirror) -> Option<Record> {
    let now = m.history.last()?;
    Some(Record {
        school: SchoolNamed {
            school: m.school.clone(),
            name: m.name.clone(),
            level: m.level,
        },
        rate: match now.problematic_rate.school {
            Figure::Value(rate) => Some(rate),
            Figure::Suppressed | Figure::Missing => None,
        },
        previous_rate: previous(m),
        against_peers: now.problematic_rate.judged,
        years: m.history.iter().map(|y| (y.year, y.change)).collect(),
        support: m.support.clone(),
    })
}

/// Which way a half of the list looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    DidWell,
    Rising,
}

impl Half {
    /// +1 when a larger z speaks for the half.
    fn sign(self) -> f64 {
        match self {
            Self::DidWell => -1.0,
            Self::Rising => 1.0,
        }
    }
}

/// Every test of a school that a half may use, in either direction.
fn tests(r: &Record, period: &Period, half: Half) -> Vec<Evidence> {
    let mut out = Vec::new();
    if half == Half::DidWell
        && let Some(j) = r.against_peers
    {
        out.push(Evidence {
            test: Test::AgainstPeers {
                position: j.position,
                against: j.against,
            },
            difference: None,
            z: j.z,
            p_value: normal_p(j.z),
            alone: matches!(j.position, Position::Low95 | Position::Low998),
        });
    }
    let Some(&(now, Some(change))) = r.years.last() else {
        return out;
    };
    out.push(Evidence {
        test: Test::Change {
            since: now.previous(),
        },
        difference: Some(change.difference),
        z: change.z,
        p_value: change.p_value,
        alone: change.change
            == match half {
                Half::DidWell => Change::Falling,
                Half::Rising => Change::Rising,
            },
    });
    // A year-to-date change is against the same dates, the earlier ones
    // against whole years: they do not add up.
    if period.year_to_date {
        return out;
    }
    for years in TREND_YEARS {
        if let Some(e) = trend(&r.years, years) {
            out.push(e);
        }
    }
    out
}

/// The change over the last `years` changes, all between consecutive years:
/// the rate against `years` years earlier. The differences add up exactly;
/// the variance of the first and last years' rates is taken as the mean of
/// the first and last changes' variances (each (difference / z)^2 is the sum
/// of its two years'), exact when the variance changes evenly over the
/// years, as it does for a school of steady size. Normal p-value.
fn trend(history: &[(SchoolYear, Option<ChangeTest>)], years: usize) -> Option<Evidence> {
    let start = history.len().checked_sub(years + 1)?;
    let changes: Vec<ChangeTest> = history[start + 1..]
        .iter()
        .map(|(_, c)| *c)
        .collect::<Option<_>>()?;
    let variance = |c: &ChangeTest| (c.z != 0.0).then(|| (c.difference / c.z).powi(2));
    let (first, last) = (variance(changes.first()?)?, variance(changes.last()?)?);
    let difference: f64 = changes.iter().map(|c| c.difference).sum();
    let z = difference / ((first + last) / 2.0).sqrt();
    let p_value = normal_p(z);
    let since = history[start].0;
    Some(Evidence {
        test: Test::Trend { years, since },
        difference: Some(difference),
        z,
        p_value,
        alone: p_value < ALONE,
    })
}

/// Two-sided p-value of a z-score on the normal distribution.
fn normal_p(z: f64) -> f64 {
    2.0 * Normal::standard().sf(z.abs())
}

/// Both halves of the list from the schools' records.
fn rank(period: Period, records: Vec<Record>) -> AdvisorList {
    let too_small_to_judge = records
        .iter()
        .filter(|r| r.rate.is_none())
        .map(|r| r.school.clone())
        .collect();
    let judged: Vec<&Record> = records.iter().filter(|r| r.rate.is_some()).collect();
    let (did_well, did_well_tested, did_well_p_threshold) = half(&period, &judged, Half::DidWell);
    let (rising, rising_tested, rising_p_threshold) = half(&period, &judged, Half::Rising);
    AdvisorList {
        period,
        did_well,
        rising,
        too_small_to_judge,
        did_well_tested,
        rising_tested,
        did_well_p_threshold,
        rising_p_threshold,
    }
}

/// One half: every school with a test is tested; those with evidence in the
/// half's direction are candidates, labelled and ranked. Returns the list,
/// how many schools were tested and the Benjamini-Hochberg threshold.
fn half(period: &Period, records: &[&Record], half: Half) -> (Vec<Choice>, usize, f64) {
    let mut tested = 0;
    let mut p_values = Vec::new();
    let mut candidates = Vec::new();
    for r in records {
        let all = tests(r, period, half);
        if all.is_empty() {
            continue;
        }
        tested += 1;
        let count = all.len() as f64;
        let mut evidence: Vec<Evidence> = all
            .into_iter()
            .filter(|e| half.sign() * e.z > 0.0)
            .collect();
        evidence.sort_by(|a, b| (half.sign() * b.z).total_cmp(&(half.sign() * a.z)));
        let smallest = evidence.iter().map(|e| e.p_value).reduce(f64::min);
        // No evidence this way: tested, and as far from a call as can be.
        let p_value = smallest.map_or(1.0, |p| (p * count).min(1.0));
        p_values.push(p_value);
        let Some(strongest) = evidence.first() else {
            continue;
        };
        candidates.push(Choice {
            rank: 0,
            label: if evidence.iter().any(|e| e.alone) {
                Label::Likely
            } else {
                Label::Weak
            },
            school: r.school.clone(),
            rate: r.rate.unwrap_or_default(),
            previous_rate: r.previous_rate,
            change: r.years.last().and_then(|(_, c)| *c),
            against_peers: r.against_peers,
            strength: half.sign() * strongest.z,
            evidence,
            p_value,
            support: r.support.clone(),
        });
    }
    let threshold = benjamini_hochberg(&p_values, FALSE_DISCOVERY_RATE);
    for c in &mut candidates {
        if c.p_value <= threshold {
            c.label = Label::Clear;
        }
    }
    (top(candidates), tested, threshold)
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

const CSV_HEADER: &str = "list,rank,label,school_id,school_name,level,rate,previous_rate,change,change_z,change_p,position_against_peers,peer_average,lower_95,upper_95,funnel_z,strength,p_value,evidence,support";

impl AdvisorList {
    /// The list as CSV for a spreadsheet: one row per school, its label,
    /// its evidence in words and the figures behind it in their own columns
    /// (rates as fractions).
    pub fn to_csv(&self) -> String {
        let mut out = format!("{CSV_HEADER}\n");
        let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
        for (list, choices) in [("did-well", &self.did_well), ("rising", &self.rising)] {
            for c in choices {
                let j = c.against_peers;
                let fields = [
                    list.to_owned(),
                    c.rank.to_string(),
                    c.label.as_str().to_owned(),
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
                    number(Some(c.p_value)),
                    quoted(
                        &c.evidence
                            .iter()
                            .map(Evidence::code)
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
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
        // The columns after the school's name and level stay empty.
        let empty = ",".repeat(CSV_HEADER.matches(',').count() - 5);
        for s in &self.too_small_to_judge {
            out.push_str(&format!(
                "too-small-to-judge,,,{},{},{}{empty}\n",
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

/// Clear before likely before weak, each strongest first; ranks shared by
/// ties (same label, same strength); cut after the tenth rank's ties.
fn top(mut choices: Vec<Choice>) -> Vec<Choice> {
    // Strengths within 1e-9 are ties: ordered by school id, not by noise.
    let key = |c: &Choice| (c.label, -(c.strength * 1e9).round() as i64);
    choices.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then_with(|| a.school.school.cmp(&b.school.school))
    });
    let mut out: Vec<Choice> = Vec::new();
    for (i, mut c) in choices.into_iter().enumerate() {
        c.rank = match out.last() {
            Some(last) if key(last) == key(&c) => last.rank,
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
    use crate::funnel::Limits;
    use crate::significance::RatioEstimate;

    fn named(id: &str) -> SchoolNamed {
        SchoolNamed {
            school: id.parse().unwrap(),
            name: format!("School {id}"),
            level: Level::Secondary,
        }
    }

    fn choice(id: &str, label: Label, strength: f64) -> Choice {
        Choice {
            rank: 0,
            label,
            school: named(id),
            rate: 0.05,
            previous_rate: None,
            change: None,
            against_peers: None,
            evidence: Vec::new(),
            strength,
            p_value: 0.5,
            support: Vec::new(),
        }
    }

    /// Strengths 12, 11, ..., 1 for schools 100001-100012, all weak, but
    /// schools 100010 and 100011 both at 3: ranks 1-9 as given, the two tied
    /// at 10, and 100012 (strength 1, rank 12) falls off: 11 schools listed.
    #[test]
    fn ties_at_the_cut_off_are_all_listed_with_one_rank() {
        let mut choices: Vec<Choice> = (1..=12)
            .map(|i| choice(&format!("1000{i:02}"), Label::Weak, f64::from(13 - i)))
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

    fn judged(position: Position, z: f64) -> Option<Judgement> {
        Some(Judgement {
            position,
            against: crate::Against::Peers,
            target: 0.03,
            limits: Limits {
                lower95: 0.02,
                upper95: 0.04,
                lower998: 0.015,
                upper998: 0.045,
            },
            z,
            overdispersed: false,
        })
    }

    fn year(start: i32) -> SchoolYear {
        SchoolYear::starting(start)
    }

    /// A school of the hand-made city: its funnel judgement and its changes
    /// (difference, z, p) in 2024-2025 and 2025-2026, or none.
    fn school(id: &str, against_peers: Option<Judgement>, changes: &[(f64, f64, f64)]) -> Record {
        let mut years = vec![(year(2023), None), (year(2024), None), (year(2025), None)];
        for (slot, (d, z, p)) in years[3 - changes.len()..].iter_mut().zip(changes) {
            slot.1 = Some(ChangeTest::new(*d, *z, *p));
        }
        Record {
            school: named(id),
            rate: Some(0.03),
            previous_rate: None,
            against_peers,
            years,
            support: Vec::new(),
        }
    }

    /// A hand-made city of eight schools, p-values worked out by hand
    /// (normal two-sided p of z: 3.2905 -> 0.0010, 2.0 -> 0.0455, 1.0364 ->
    /// 0.30, 0.6745 -> 0.50, 0.5 -> 0.617, 3.0 -> 0.0027).
    /// Did well (a school's p = its smallest favourable p x its number of tests):
    ///   A below the 99.8% limit, z -3.2905, 1 test: p 0.0010.
    ///   G a fall of 0.6 points twice, each z -1.5 (p 0.1336): each change's
    ///     variance (0.006 / 1.5)^2 = 1.6e-5, so over 2 years -0.012 /
    ///     sqrt(1.6e-5) = z -3.0, p 0.0027; 2 tests (change, trend): 0.0054.
    ///   B within (z -1.0364) and a fall z -2.5758, p 0.01; 2 tests: 0.02.
    ///   C below the 95% limit (z -2.0) and a steady rise; 2 tests: 0.091.
    ///   D within (z -0.6745), a steady fall z -1.6449, p 0.10; 2 tests: 0.20.
    ///   F within (z -0.5), no change: 0.617.
    ///   E above its peers and rising: tested, nothing for this half, p 1.
    ///   H too small to judge.
    /// Benjamini-Hochberg over m = 7: bounds k/7 x 0.05 = 0.0071, 0.0143,
    /// 0.0214, 0.0286, ...; sorted p 0.0010, 0.0054, 0.02 under theirs,
    /// 0.091 over: threshold 0.02, so A, G and B are clear; C (below the
    /// 95% limit) and B's fall alone would be likely; D and F weak.
    /// Order: clear by strength A 3.29, G 3.0, B 2.58; likely C 2.0; weak
    /// D 1.64, F 0.5.
    /// Rising: E rose z 2.65, p 0.008, 1 test (no trend, one change): 0.008;
    /// C rose z 0.5, p 0.617; B, D, G only fell: p 1; m = 5, bounds 0.01,
    /// 0.02, ...: 0.008 under, 0.617 over: E clear, C weak.
    #[test]
    fn a_hand_made_city_is_ranked_and_labelled_as_worked_out_by_hand() {
        let mut too_small = school("100008", None, &[]);
        too_small.rate = None;
        let records = vec![
            school("100001", judged(Position::Low998, -3.2905), &[]),
            school(
                "100002",
                judged(Position::Within, -1.0364),
                &[(-0.01, -2.5758, 0.01)],
            ),
            school(
                "100003",
                judged(Position::Low95, -2.0),
                &[(0.001, 0.5, 0.617)],
            ),
            school(
                "100004",
                judged(Position::Within, -0.6745),
                &[(-0.004, -1.6449, 0.10)],
            ),
            school(
                "100005",
                judged(Position::High95, 1.5),
                &[(0.012, 2.65, 0.008)],
            ),
            school("100006", judged(Position::Within, -0.5), &[]),
            school(
                "100007",
                None,
                &[(-0.006, -1.5, 0.1336), (-0.006, -1.5, 0.1336)],
            ),
            too_small,
        ];
        let list = rank(Period::whole(year(2025)), records);
        let listed = |choices: &[Choice]| -> Vec<(String, usize, Label)> {
            choices
                .iter()
                .map(|c| (c.school.school.to_string(), c.rank, c.label))
                .collect()
        };
        let row = |id: &str, rank: usize, label: Label| (id.to_owned(), rank, label);
        assert_eq!(
            listed(&list.did_well),
            [
                row("100001", 1, Label::Clear),
                row("100007", 2, Label::Clear),
                row("100002", 3, Label::Clear),
                row("100003", 4, Label::Likely),
                row("100004", 5, Label::Weak),
                row("100006", 6, Label::Weak),
            ]
        );
        assert_eq!(list.did_well_tested, 7);
        assert!((list.did_well_p_threshold - 0.02).abs() < 1e-12);
        assert_eq!(
            listed(&list.rising),
            [
                row("100005", 1, Label::Clear),
                row("100003", 2, Label::Weak)
            ]
        );
        assert_eq!(list.rising_tested, 5);
        assert_eq!(list.too_small_to_judge, [named("100008")]);

        let g = &list.did_well[1];
        assert!((g.strength - 3.0).abs() < 1e-9, "{}", g.strength);
        // 2 x 0.0026998.
        assert!((g.p_value - 0.005_399_6).abs() < 1e-6, "{}", g.p_value);
        // The trend: -0.012 over 2 years since 2023-2024, z -3.0 (above);
        // the change: -0.006 since 2024-2025, z -1.5, p 0.1336.
        let tests: Vec<(Test, Option<f64>)> =
            g.evidence.iter().map(|e| (e.test, e.difference)).collect();
        assert_eq!(tests.len(), 2);
        assert_eq!(
            tests[0].0,
            Test::Trend {
                years: 2,
                since: year(2023)
            }
        );
        assert!((tests[0].1.unwrap() + 0.012).abs() < 1e-12);
        assert_eq!(tests[1].0, Test::Change { since: year(2024) });
        assert_eq!(
            g.evidence[1].code(),
            "change since=2024-2025 difference=-0.006000 z=-1.500000 p=0.133600"
        );
        assert_eq!(
            list.did_well[0].evidence[0].code(),
            "against-peers against=peers position=low998 z=-3.290500 p=0.001000"
        );
        let csv = list.to_csv();
        assert!(csv.starts_with("list,rank,label,school_id,"), "{csv}");
        assert!(
            csv.contains("\ndid-well,2,clear,100007,\"School 100007\","),
            "{csv}"
        );
        assert!(csv.contains("\nrising,2,weak,100003,"), "{csv}");
        // Every row has the header's number of fields.
        let fields = CSV_HEADER.matches(',').count();
        assert!(
            csv.lines()
                .filter(|l| l.starts_with("too-small"))
                .all(|l| l.matches(',').count() == fields),
            "{csv}"
        );
    }

    /// SplitMix64 (Steele, Lea and Flood, 2014): a fixed stream of numbers
    /// for the power table, the same on every machine.
    struct Stream(u64);

    impl Stream {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform on (0, 1).
        fn uniform(&mut self) -> f64 {
            ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        }

        /// Gamma with scale 1 (Marsaglia and Tsang, 2000; for a shape
        /// below 1, Gamma(shape + 1) x U^(1 / shape)).
        fn gamma(&mut self, shape: f64) -> f64 {
            if shape < 1.0 {
                return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
            }
            let d = shape - 1.0 / 3.0;
            let c = 1.0 / (9.0 * d).sqrt();
            loop {
                let x = self.normal();
                let v = (1.0 + c * x).powi(3);
                if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                    return d * v;
                }
            }
        }

        /// Poisson by multiplying uniforms, in parts of at most 30 (a sum
        /// of Poisson counts is one), so exp(-lambda) never underflows.
        fn poisson(&mut self, lambda: f64) -> u64 {
            let mut count = 0;
            let mut rest = lambda;
            while rest > 0.0 {
                let part = rest.min(30.0);
                rest -= part;
                let limit = (-part).exp();
                let mut product = self.uniform();
                while product > limit {
                    count += 1;
                    product *= self.uniform();
                }
            }
            count
        }
    }

    /// Half days a pupil enrolled all year is expected at school.
    const HALF_DAYS: u64 = 350;
    /// How unequal pupils are: each pupil's propensity to truant is
    /// Gamma(0.3) with mean 1, as in the sample city's generator.
    const SHAPE: f64 = 0.3;

    /// One school year of `pupils` pupils at `rate`, through the project's
    /// own estimator.
    fn school_year(stream: &mut Stream, pupils: usize, rate: f64) -> RatioEstimate {
        let counts: Vec<(u64, u64)> = (0..pupils)
            .map(|_| {
                let propensity = stream.gamma(SHAPE) / SHAPE;
                let lambda = HALF_DAYS as f64 * rate * propensity;
                (stream.poisson(lambda), HALF_DAYS)
            })
            .collect();
        RatioEstimate::from_pupils(counts).unwrap()
    }

    /// The share of `runs` pairs of years the project's test calls rising
    /// when the rate truly rises from `rate` by `rise`.
    fn power(pupils: usize, rate: f64, rise: f64, runs: usize) -> f64 {
        let mut stream = Stream(2026);
        let rising = (0..runs)
            .filter(|_| {
                let before = school_year(&mut stream, pupils, rate);
                let after = school_year(&mut stream, pupils, rate + rise);
                crate::significance::rate_change(&before, &after)
                    .is_some_and(|t| t.change == Change::Rising)
            })
            .count();
        rising as f64 / runs as f64
    }

    /// The true rise the test calls rising in `share` of the runs, by
    /// bisection between no rise and 5 points.
    fn rise_seen(pupils: usize, rate: f64, share: f64) -> f64 {
        let (mut low, mut high) = (0.0, 0.05);
        for _ in 0..10 {
            let middle = (low + high) / 2.0;
            if power(pupils, rate, middle, 200) < share {
                low = middle;
            } else {
                high = middle;
            }
        }
        (low + high) / 2.0
    }

    /// The power table of docs/methodology.md, printed with
    /// `cargo test --release -p mirror-benchmark --lib power_table -- --nocapture`.
    /// By hand: a pupil's count is Poisson(n r G) with G ~ Gamma(0.3, mean
    /// 1), so var(y) = n r + (n r)^2 / 0.3, and the rate's variance over N
    /// pupils with n = 350 each is V(r) / N = (r / n + r^2 / 0.3) / N. A
    /// rise d is called half the time when d = 1.96 x sqrt((V(r) + V(r +
    /// d)) / N), solved by iterating d: at r = 2%, 1.447, 0.525 and 0.286
    /// points for N = 100, 500 and 1,500; at r = 0.5%, 0.384, 0.139 and
    /// 0.076 points. The simulated test must agree within 15% (its
    /// variance is estimated, with Student's t), and a rise seen four times
    /// out of five must be larger.
    #[test]
    fn power_table() {
        for (rate, by_hand) in [
            (0.02, [1.447, 0.525, 0.286]),
            (0.005, [0.384, 0.139, 0.076]),
        ] {
            for (pupils, expected) in [100, 500, 1500].into_iter().zip(by_hand) {
                let half = rise_seen(pupils, rate, 0.5) * 100.0;
                let most = rise_seen(pupils, rate, 0.8) * 100.0;
                eprintln!(
                    "rate {:.1}%, {pupils} pupils: rising half the time from a rise of {half:.2} points, four times out of five from {most:.2}",
                    rate * 100.0
                );
                assert!(
                    (half / expected - 1.0).abs() < 0.15,
                    "{pupils} pupils at {rate}: {half} against {expected} by hand"
                );
                assert!(most > half * 1.2, "{most} against {half}");
            }
        }
    }
}
