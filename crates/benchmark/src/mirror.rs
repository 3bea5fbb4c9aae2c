//! What benchmark hands to render: one school's figures beside its peer group.
//! Peers appear only as spreads (quartiles), never one by one or by name.

use std::collections::BTreeMap;

use mirror_anonymise::SharedPractice;
use mirror_anonymise::disclosure::{Release, Suppression};
use mirror_model::{EducationForm, Level, ReportLanguage, SchoolId, SchoolYear};
use serde::Serialize;

/// A school's own figure, or the fact that it may not be printed: it is about
/// fewer than `privacy.min_pupils` pupils, or would let such a figure be
/// worked out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", content = "value", rename_all = "lowercase")]
pub enum Figure {
    Value(f64),
    /// Printed as suppressed, never as 0.
    Suppressed,
}

impl Figure {
    pub fn value(self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(v),
            Self::Suppressed => None,
        }
    }
}

/// The peer group's distribution of a figure: quartiles over the peers that
/// have the figure (the school itself excluded).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeerSpread {
    pub lower_quartile: f64,
    pub median: f64,
    pub upper_quartile: f64,
    /// How many peers the quartiles are computed over.
    pub schools: usize,
}

/// One figure for the school and its peers. `peers` is `None` when fewer than
/// `privacy.min_peer_schools` peers have the figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    pub school: Figure,
    pub peers: Option<PeerSpread>,
}

/// Who the peer group is, in terms a report can put into words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerGroupDescription {
    pub level: Level,
    /// Number of peer schools (the school itself not included).
    pub schools: usize,
    /// Education forms offered by most schools in the group, most common first.
    pub common_forms: Vec<EducationForm>,
    /// The group's socio-economic band compared with the city's schools of the
    /// same level: `lower`, `middle` or `higher` disadvantage.
    pub disadvantage_band: DisadvantageBand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DisadvantageBand {
    Lower,
    Middle,
    Higher,
}

/// Problematic absence in one school year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearFigures {
    pub year: SchoolYear,
    /// Pupils enrolled at the school at some time in the year; `None` when
    /// fewer than `privacy.min_pupils`.
    pub pupils: Option<u32>,
    /// Problematic half days / half days pupils were expected at school.
    pub problematic_rate: Comparison,
    /// Share of pupils with at least each threshold of problematic half days,
    /// in the order of `SchoolMirror::thresholds`.
    pub pupils_from_threshold: Vec<Comparison>,
}

/// A band of problematic half days, such as 5-9 or 30 and more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Band {
    pub from: u32,
    /// Inclusive upper end; `None` for the open top band.
    pub to: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandFigures {
    pub band: Band,
    /// Share of the school's pupils in this band, and the peers' spread.
    pub share: Comparison,
}

/// Everything one school's mirror shows, for the reported school year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoolMirror {
    pub school: SchoolId,
    /// The school's own name; no other school's name is ever in a mirror.
    pub name: String,
    pub level: Level,
    pub language: ReportLanguage,
    pub year: SchoolYear,
    pub thresholds: Vec<u32>,
    /// `None` when the level has fewer than `privacy.min_peer_schools` other schools.
    pub peer_group: Option<PeerGroupDescription>,
    /// Every school year with data, oldest first; the last is `year`.
    pub history: Vec<YearFigures>,
    /// Pupils spread over the bands 0, 1-4, 5-9, ... in `year`.
    pub bands: Vec<BandFigures>,
    /// Good practices of other schools for the appendix; empty when there
    /// are none to share.
    pub practices: Vec<PracticeShown>,
    /// Every count of pupils this mirror prints, per school year: kept in the
    /// release history once the report is written, so that a later report
    /// cannot be subtracted from it.
    #[serde(skip)]
    pub releases: Vec<Release>,
    /// How many counts each rule withheld, for the run's audit.
    #[serde(skip)]
    pub suppressed: BTreeMap<Suppression, u32>,
}

/// A good practice of another school as a mirror's appendix shows it:
/// redacted by anonymise, and said to come from "a secondary school", never
/// from a named one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PracticeShown {
    pub from_level: Level,
    #[serde(flatten)]
    pub practice: SharedPractice,
}
