//! The key messages on a mirror's first pages, written from benchmark's
//! flags: a figure is called higher, lower, rising or falling only where
//! benchmark's funnel or significance test said so. Each message is a key
//! into the strings file (`[messages]`) and the values it fills in, so the
//! wording stays with the translations.

use mirror_benchmark::funnel::Position;
use mirror_benchmark::significance::Change;
use mirror_benchmark::{Against, Comparison, Figure, PeerFigure, SchoolMirror, Side};
use mirror_model::Wording;
use serde::Serialize;

/// One key message: `key` names a string of `[messages]`; the figures are
/// percentage digits as the report prints them, or points on 0-100.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct KeyMessage {
    pub key: String,
    /// The school's figure and its peers' as the key-figures table prints
    /// them: one decimal, or more where the message says higher or lower
    /// and one decimal would print the two equal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school_pct: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_pct: Option<String>,
    /// Which figure `peer_pct` is, named as the table names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_figure: Option<PeerQuote>,
    /// The school's figure less the peers', as printed: its digits without
    /// sign and the side the school lies on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference_pct: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<Printed>,
    /// What the figure was judged against: `peers` or `city`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against: Option<Against>,
    /// For questionnaire messages: the scale's name and the groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<Wording>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<[String; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
    /// School years in a row the change has gone the same way (2 and more
    /// are said).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<usize>,
    /// For a trend over the years: each year's rate as printed, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rates_pct: Option<Vec<String>>,
}

impl KeyMessage {
    fn new(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            school_pct: None,
            peer_pct: None,
            peer_figure: None,
            difference_pct: None,
            side: None,
            against: None,
            scale: None,
            groups: None,
            points: None,
            years: None,
            rates_pct: None,
        }
    }
}

/// The peers' figure a message quotes: the one the key-figures table
/// prints beside the school's, named the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PeerQuote {
    /// The peers' median.
    Median,
    /// The pooled figure of the peers and the school, marked as in the table.
    Pooled,
    /// Without a peer group: the pooled figure of the city's schools of the
    /// level, the funnel's average.
    City,
}

/// Which side of the peers' figure the school's lies on, as printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Printed {
    Lower,
    Same,
    Higher,
}

/// Decimals tried before two figures that print equal are said to be equal:
/// a thousandth of a percentage point is below anything a school acts on.
const MAX_DECIMALS: usize = 3;

/// The school's figure beside the one its peers are quoted by, as printed
/// with `decimals`.
struct Quoted {
    school: String,
    peer: String,
    peer_figure: PeerQuote,
    difference: String,
    side: Printed,
}

impl Quoted {
    /// `None` without the school's figure or a peer figure to quote.
    fn of(c: &Comparison, decimals: usize) -> Option<Self> {
        let school = c.school.value()?;
        let (peer, figure) = c.quoted_peers()?;
        let peer_figure = match figure {
            Some(PeerFigure::Median) => PeerQuote::Median,
            Some(PeerFigure::Pooled) => PeerQuote::Pooled,
            None => PeerQuote::City,
        };
        // Both figures and their difference with as many decimals, never
        // fewer than the tables print either figure with (0.36 % against
        // 2.10 %, 1.74 points).
        let decimals = decimals
            .max(crate::charts::percent_decimals(school))
            .max(crate::charts::percent_decimals(peer));
        let (difference, sign) = crate::change_points(peer, school, decimals);
        Some(Self {
            school: crate::charts::percent_digits(school, decimals),
            peer: crate::charts::percent_digits(peer, decimals),
            peer_figure,
            difference,
            side: match sign {
                s if s < 0 => Printed::Lower,
                0 => Printed::Same,
                _ => Printed::Higher,
            },
        })
    }

    /// With the fewest decimals (from those the tables print them with, to
    /// [`MAX_DECIMALS`]) at which the two figures print apart; as the tables
    /// print them when they never do.
    fn apart(c: &Comparison) -> Option<Self> {
        let one = Self::of(c, 1)?;
        if one.side != Printed::Same {
            return Some(one);
        }
        (2..=MAX_DECIMALS)
            .filter_map(|d| Self::of(c, d))
            .find(|q| q.side != Printed::Same)
            .or(Some(one))
    }

    /// A message of `key` quoting these figures.
    fn message(self, key: &str, against: Option<Against>) -> KeyMessage {
        KeyMessage {
            school_pct: Some(self.school),
            peer_pct: Some(self.peer),
            peer_figure: Some(self.peer_figure),
            difference_pct: Some(self.difference),
            side: Some(self.side),
            against,
            ..KeyMessage::new(key)
        }
    }
}

/// A flagged figure's message: `{prefix}_{lower|higher}` (with `clearly_`
/// beyond the 99.8% limit when `clearly`) when the printed figures lie the
/// way the funnel says, with enough decimals to see it; otherwise, as when
/// the funnel's average and the peers' median printed beside it lie on
/// either side of the school, `{prefix}_apart`, which says the distance
/// only. Within the limits: `{prefix}_within`, the distance and that it is
/// within what chance and the usual differences between schools allow.
fn judged_message(c: &Comparison, prefix: &str, clearly: bool) -> Option<KeyMessage> {
    let j = c.judged?;
    let against = Some(j.against);
    let Some(flag) = c.flagged() else {
        let quoted = Quoted::of(c, 1)?;
        // Figures that print equal have no difference to call chance.
        let within = if quoted.side == Printed::Same {
            "within_same"
        } else {
            "within"
        };
        return Some(quoted.message(&format!("{prefix}_{within}"), against));
    };
    let quoted = Quoted::apart(c)?;
    let agrees = matches!(
        (flag, quoted.side),
        (Side::Lower, Printed::Lower) | (Side::Higher, Printed::Higher)
    );
    if !agrees {
        return Some(Quoted::of(c, 1)?.message(&format!("{prefix}_apart"), against));
    }
    let strength = match j.position {
        Position::Low998 | Position::High998 if clearly => "clearly_",
        _ => "",
    };
    let way = match flag {
        Side::Lower => "lower",
        Side::Higher => "higher",
    };
    Some(quoted.message(&format!("{prefix}_{strength}{way}"), against))
}

/// A difference between two groups' scores worth saying: 15 points on 0-100,
/// about one step of a four-point answer scale for half the respondents.
const GAP_POINTS: f64 = 15.0;

/// The key messages of a mirror, most important first: problematic absence
/// against similar schools and over time, pupils reaching the thresholds,
/// the guidance follow-up, then the questionnaires.
pub(crate) fn key_messages(m: &SchoolMirror) -> Vec<KeyMessage> {
    let mut out = Vec::new();
    let Some(now) = m.history.last() else {
        return out;
    };
    let rate = &now.problematic_rate;
    match rate.school {
        Figure::Value(_) => out.extend(judged_message(rate, "rate", true)),
        Figure::Suppressed => out.push(KeyMessage::new("rate_not_shown")),
        Figure::Missing => {}
    }
    // A trend over three or more years first: the last year's change
    // alone may be chance where the years together are not.
    if let Some(message) = trend_message(m) {
        out.push(message);
    }
    if let Some(change) = now.change {
        let key = match change.change {
            Change::Rising => "rising",
            Change::Falling => "falling",
            Change::Steady => "steady",
        };
        // "Two years in a row" is said of rises and falls, not of no change.
        let years = (change.change != Change::Steady).then(|| running(m, change.change));
        let before = if m.same_dates_last_year.is_some() {
            "same_dates"
        } else {
            "last_year"
        };
        out.push(KeyMessage {
            years,
            ..KeyMessage::new(&format!("{key}_{before}"))
        });
    }
    // Threshold and guidance figures are said only when flagged.
    if let Some((t, c)) = m.thresholds.first().zip(now.pupils_from_threshold.first())
        && c.flagged().is_some()
        && let Some(message) = judged_message(c, "from_threshold", false)
    {
        out.push(KeyMessage {
            points: Some(f64::from(*t)),
            ..message
        });
    }
    let with_file = &m.guidance.with_file;
    if with_file.flagged().is_some() {
        out.extend(judged_message(with_file, "with_file", false));
    }
    out.extend(survey_messages(m));
    out
}

/// The trend over the years, when its test found one: each year's rate
/// with the fewest decimals (from as many as the chart prints any of them
/// with, to [`MAX_DECIMALS`]) at which the first and the last print the way
/// the trend goes; not said where they never do
/// (0.1% every year, but rising by hundredths of a point).
fn trend_message(m: &SchoolMirror) -> Option<KeyMessage> {
    let t = m.trend.filter(|t| t.change != Change::Steady)?;
    let rates: Vec<f64> = m.history[m.history.len().saturating_sub(t.years)..]
        .iter()
        .filter_map(|y| y.problematic_rate.school.value())
        .collect();
    let (first, last) = (*rates.first()?, *rates.last()?);
    let (key, way) = match t.change {
        Change::Rising => ("trend_rising", 1),
        _ => ("trend_falling", -1),
    };
    // From the most decimals the chart's labels print these rates with.
    let fewest = rates
        .iter()
        .map(|r| crate::charts::percent_decimals(*r))
        .max()?;
    let decimals =
        (fewest..=MAX_DECIMALS).find(|d| crate::change_points(first, last, *d).1 == way)?;
    Some(KeyMessage {
        points: Some(t.years as f64),
        rates_pct: Some(
            rates
                .iter()
                .map(|r| crate::charts::percent_digits(*r, decimals))
                .collect(),
        ),
        ..KeyMessage::new(key)
    })
}

/// School years in a row, up to the reported one, whose change went `way`.
fn running(m: &SchoolMirror, way: Change) -> usize {
    m.history
        .iter()
        .rev()
        .take_while(|y| y.change.is_some_and(|c| c.change == way))
        .count()
}

/// At most this many questionnaire messages of each kind, the strongest
/// first: the first page stays a page.
const SURVEY_MESSAGES: usize = 2;

/// Per questionnaire scale: a group's score outside its peers' middle half
/// by more than its standard error allows (benchmark's test; a position
/// among similar schools, so none without a middle half), and a gap between
/// two groups of at least [`GAP_POINTS`]; the furthest out first. A message
/// resting on a group with a low response rate says so (`_low_response`).
fn survey_messages(m: &SchoolMirror) -> Vec<KeyMessage> {
    let mut outside: Vec<(f64, KeyMessage)> = Vec::new();
    let mut gaps: Vec<(f64, KeyMessage)> = Vec::new();
    for instrument in &m.survey.instruments {
        let low = |groups: &[mirror_model::RespondentGroup]| {
            instrument
                .groups
                .iter()
                .any(|g| g.low_response && groups.contains(&g.group))
        };
        let caution = |key: &str, groups: &[mirror_model::RespondentGroup]| {
            if low(groups) {
                format!("{key}_low_response")
            } else {
                key.to_owned()
            }
        };
        for scale in &instrument.scales {
            for score in &scale.groups {
                let (Figure::Value(mean), Some((side, by))) = (score.mean, score.outside_peers())
                else {
                    continue;
                };
                let key = match side {
                    Side::Lower => "scale_below_most",
                    Side::Higher => "scale_above_most",
                };
                outside.push((
                    by,
                    KeyMessage {
                        scale: Some(scale.name.clone()),
                        groups: Some([score.group.as_str().to_owned(), String::new()]),
                        points: Some(mean.round()),
                        ..KeyMessage::new(&caution(key, &[score.group]))
                    },
                ));
            }
        }
        for gap in &instrument.gaps {
            for s in &gap.scales {
                let Some(scale) = instrument.scales.iter().find(|x| x.id == s.scale) else {
                    continue;
                };
                if s.difference.abs() >= GAP_POINTS {
                    let [a, b] = gap.groups.map(|g| g.as_str().to_owned());
                    // Said with the lower group first: "pupils rate ... lower than teachers".
                    let groups = if s.difference < 0.0 { [a, b] } else { [b, a] };
                    gaps.push((
                        s.difference.abs(),
                        KeyMessage {
                            scale: Some(scale.name.clone()),
                            groups: Some(groups),
                            points: Some(s.difference.abs().round()),
                            ..KeyMessage::new(&caution("scale_gap", &gap.groups))
                        },
                    ));
                }
            }
        }
    }
    let strongest = |mut v: Vec<(f64, KeyMessage)>| {
        // A stable sort keeps the questionnaire's order among equals.
        v.sort_by(|a, b| b.0.total_cmp(&a.0));
        v.into_iter().take(SURVEY_MESSAGES).map(|(_, k)| k)
    };
    strongest(outside).chain(strongest(gaps)).collect()
}

#[cfg(test)]
mod truancy_tests {
    use mirror_benchmark::funnel::Limits;
    use mirror_benchmark::significance::TrendTest;
    use mirror_benchmark::{Judgement, PeerSpread};

    use super::*;
    use crate::tests::mirror;

    /// A comparison judged `position` around `target`, with the peer figure
    /// `peers` of kind `figure` beside it (`None`: no peer group).
    fn judged(
        school: f64,
        position: Position,
        target: f64,
        peers: Option<(f64, PeerFigure)>,
    ) -> Comparison {
        Comparison {
            school: Figure::Value(school),
            peers: peers.map(|(median, figure)| PeerSpread {
                lower_quartile: median,
                median,
                upper_quartile: median,
                schools: 10,
                figure,
            }),
            city: None,
            judged: Some(Judgement {
                position,
                against: if peers.is_some() {
                    Against::Peers
                } else {
                    Against::City
                },
                target,
                limits: Limits {
                    lower95: 0.0,
                    upper95: 1.0,
                    lower998: 0.0,
                    upper998: 1.0,
                },
                z: 0.0,
                overdispersed: true,
            }),
        }
    }

    /// A message's key, the school's and the peers' digits, the peers'
    /// kind, the difference's digits and the school's side.
    type Quote<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<PeerQuote>,
        Option<&'a str>,
        Option<Printed>,
    );

    fn quoted(m: &KeyMessage) -> Quote<'_> {
        (
            m.key.as_str(),
            m.school_pct.as_deref(),
            m.peer_pct.as_deref(),
            m.peer_figure,
            m.difference_pct.as_deref(),
            m.side,
        )
    }

    /// 100094's case: 0.4% within its funnel, a median of 1.8% beside it.
    /// Not "in line": 1.80 - 0.40 = 1.40 points below the median the table
    /// prints (not the funnel's average of 2.1%), within chance. Under 1 %
    /// the school's figure prints with two decimals, as in the tables, and
    /// the median beside it with as many.
    #[test]
    fn a_school_within_its_limits_is_told_how_far_it_is() {
        let c = judged(
            0.004,
            Position::Within,
            0.021,
            Some((0.018, PeerFigure::Median)),
        );
        let m = judged_message(&c, "rate", true).expect("judged");
        assert_eq!(
            quoted(&m),
            (
                "rate_within",
                Some("0.40"),
                Some("1.80"),
                Some(PeerQuote::Median),
                Some("1.40"),
                Some(Printed::Lower)
            )
        );
    }

    /// 0.17% flagged lower than a pooled 0.24%: both print as 0.2 with one
    /// decimal, so two are printed, 0.17 against 0.24, 0.07 points apart.
    #[test]
    fn lower_between_figures_that_print_equal_gets_another_decimal() {
        let c = judged(
            0.0017,
            Position::Low95,
            0.0024,
            Some((0.0024, PeerFigure::Pooled)),
        );
        let m = judged_message(&c, "rate", true).expect("judged");
        assert_eq!(
            quoted(&m),
            (
                "rate_lower",
                Some("0.17"),
                Some("0.24"),
                Some(PeerQuote::Pooled),
                Some("0.07"),
                Some(Printed::Lower)
            )
        );
        // Beyond the 99.8% limit the rate is "clearly" lower; a threshold
        // message has no "clearly".
        let c = judged(
            0.0017,
            Position::Low998,
            0.0024,
            Some((0.0024, PeerFigure::Pooled)),
        );
        assert_eq!(
            judged_message(&c, "rate", true).unwrap().key,
            "rate_clearly_lower"
        );
        assert_eq!(
            judged_message(&c, "from_threshold", false).unwrap().key,
            "from_threshold_lower"
        );
    }

    /// 101015's kind of case: flagged higher against the funnel's average
    /// of 2.5%, but 3.0% lies below the median of 3.4% the table prints:
    /// no "higher", the distance only (0.4 points below).
    #[test]
    fn a_flag_against_the_median_beside_it_gives_the_distance_only() {
        let c = judged(
            0.030,
            Position::High95,
            0.025,
            Some((0.034, PeerFigure::Median)),
        );
        let m = judged_message(&c, "rate", true).expect("judged");
        assert_eq!(
            quoted(&m),
            (
                "rate_apart",
                Some("3.0"),
                Some("3.4"),
                Some(PeerQuote::Median),
                Some("0.4"),
                Some(Printed::Lower)
            )
        );
    }

    /// 2.11% within its funnel beside a pooled 2.14%; both print 2.1, so
    /// the school is said to be as high, with no "difference within chance"
    /// after it (and no difference in points).
    #[test]
    fn a_school_within_its_limits_that_prints_equal_is_said_to_be_as_high() {
        let c = judged(
            0.0211,
            Position::Within,
            0.0214,
            Some((0.0214, PeerFigure::Pooled)),
        );
        let m = judged_message(&c, "rate", true).expect("judged");
        assert_eq!(m.key, "rate_within_same");
        assert_eq!(m.side, Some(Printed::Same));
    }

    /// 100010's case: 0.21% within its funnel beside a pooled 0.24%. Both
    /// printed 0.2 when every figure had one decimal; under 1 % they print
    /// with two, as in the tables: 0.21 against 0.24, 0.03 points lower.
    #[test]
    fn figures_under_one_percent_are_quoted_with_two_decimals() {
        let c = judged(
            0.0021,
            Position::Within,
            0.0024,
            Some((0.0024, PeerFigure::Pooled)),
        );
        let m = judged_message(&c, "rate", true).expect("judged");
        assert_eq!(
            quoted(&m),
            (
                "rate_within",
                Some("0.21"),
                Some("0.24"),
                Some(PeerQuote::Pooled),
                Some("0.03"),
                Some(Printed::Lower)
            )
        );
    }

    /// Without a peer group the funnel's city average is quoted, as such.
    #[test]
    fn without_peers_the_city_average_is_quoted() {
        let c = judged(0.052, Position::High998, 0.031, None);
        let m = judged_message(&c, "rate", true).expect("judged");
        assert_eq!(
            quoted(&m),
            (
                "rate_clearly_higher",
                Some("5.2"),
                Some("3.1"),
                Some(PeerQuote::City),
                Some("2.1"),
                Some(Printed::Higher)
            )
        );
        assert_eq!(m.against, Some(Against::City));
    }

    /// A significant rise over three years (the test's outcome set by hand
    /// here), 3.1%, 3.4%, 3.72%: said with each year's rate as printed,
    /// 3.1, 3.4, 3.7.
    #[test]
    fn a_trend_is_said_with_every_year_s_rate() {
        let mut m = mirror("en");
        let rates = |m: &mut SchoolMirror, r: [f64; 3]| {
            for (y, r) in m.history.iter_mut().zip(r) {
                y.problematic_rate.school = Figure::Value(r);
            }
        };
        rates(&mut m, [0.031, 0.034, 0.0372]);
        m.trend = Some(TrendTest {
            change: Change::Rising,
            per_year: 0.0031,
            years: 3,
            phi: 1.0,
            z: 2.5,
            p_value: 0.012,
        });
        let said = |m: &SchoolMirror| {
            key_messages(m)
                .into_iter()
                .find(|k| k.key == "trend_rising")
                .map(|k| (k.points, k.rates_pct))
        };
        let digits = |d: [&str; 3]| Some(d.map(str::to_owned).to_vec());
        assert_eq!(said(&m), Some((Some(3.0), digits(["3.1", "3.4", "3.7"]))));
        // From 2.72% to 2.74%: with one decimal both print 2.7, so two
        // decimals are printed.
        rates(&mut m, [0.0272, 0.034, 0.0274]);
        assert_eq!(
            said(&m),
            Some((Some(3.0), digits(["2.72", "3.40", "2.74"])))
        );
        // Equal to a thousandth of a point: not said.
        rates(&mut m, [0.0272, 0.034, 0.0272]);
        assert_eq!(said(&m), None);
        m.trend = m.trend.map(|t| TrendTest {
            change: Change::Steady,
            ..t
        });
        assert!(key_messages(&m).iter().all(|k| !k.key.starts_with("trend")));
    }
}
