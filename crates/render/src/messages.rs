//! The key messages on a mirror's first pages, written from benchmark's
//! flags: a figure is called higher, lower, rising or falling only where
//! benchmark's funnel or significance test said so. Each message is a key
//! into the strings file (`[messages]`) and the values it fills in, so the
//! wording stays with the translations.

use mirror_benchmark::funnel::Position;
use mirror_benchmark::significance::Change;
use mirror_benchmark::{Against, Comparison, Figure, SchoolMirror, Side};
use mirror_model::Wording;
use serde::Serialize;

/// One key message: `key` names a string of `[messages]`; the numbers are
/// fractions (render adds their percentage digits) or points on 0-100.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct KeyMessage {
    pub key: String,
    /// The school's figure and the average or group it is set against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
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
}

impl KeyMessage {
    fn new(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            value: None,
            target: None,
            against: None,
            scale: None,
            groups: None,
            points: None,
            years: None,
        }
    }
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
    match (rate.school, rate.judged) {
        (Figure::Value(v), Some(j)) => out.push(KeyMessage {
            value: Some(v),
            target: Some(j.target),
            against: Some(j.against),
            ..KeyMessage::new(&format!("rate_{}", position_key(j.position)))
        }),
        (Figure::Suppressed, _) => out.push(KeyMessage::new("rate_not_shown")),
        _ => {}
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
    if let Some((t, c)) = m.thresholds.first().zip(now.pupils_from_threshold.first())
        && let Some(key) = flagged(c)
    {
        out.push(KeyMessage {
            value: c.school.value(),
            target: c.judged.map(|j| j.target),
            against: c.judged.map(|j| j.against),
            points: Some(f64::from(*t)),
            ..KeyMessage::new(&format!("from_threshold_{key}"))
        });
    }
    if let Some(key) = flagged(&m.guidance.with_file) {
        out.push(KeyMessage {
            value: m.guidance.with_file.school.value(),
            target: m.guidance.with_file.judged.map(|j| j.target),
            against: m.guidance.with_file.judged.map(|j| j.against),
            ..KeyMessage::new(&format!("with_file_{key}"))
        });
    }
    out.extend(survey_messages(m));
    out
}

/// `lower` or `higher` when the figure lies outside its funnel's 95% limit.
fn flagged(c: &Comparison) -> Option<&'static str> {
    match c.judged?.position {
        Position::Low95 | Position::Low998 => Some("lower"),
        Position::High95 | Position::High998 => Some("higher"),
        Position::Within => None,
    }
}

fn position_key(p: Position) -> &'static str {
    match p {
        Position::Low998 => "clearly_lower",
        Position::Low95 => "lower",
        Position::Within => "in_line",
        Position::High95 => "higher",
        Position::High998 => "clearly_higher",
    }
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
/// (said as a position among similar schools, not as a significant
/// difference: the questionnaires have no funnel), and a gap between two
/// groups of at least [`GAP_POINTS`]; the furthest out first.
fn survey_messages(m: &SchoolMirror) -> Vec<KeyMessage> {
    let mut outside: Vec<(f64, KeyMessage)> = Vec::new();
    let mut gaps: Vec<(f64, KeyMessage)> = Vec::new();
    for instrument in &m.survey.instruments {
        for scale in &instrument.scales {
            for score in &scale.groups {
                // Benchmark's own test: none without a middle half.
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
                        ..KeyMessage::new(key)
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
                            ..KeyMessage::new("scale_gap")
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
