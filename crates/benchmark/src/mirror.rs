//! What benchmark hands to render: one school's figures beside its peer group.
//! Peers appear only as spreads (quartiles), never one by one or by name.

use mirror_model::{EducationForm, Level, ReportLanguage, SchoolId, SchoolYear};
use serde::Serialize;

/// A school's own figure, or the fact that it rests on too few pupils to print.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", content = "value", rename_all = "lowercase")]
pub enum Figure {
    Value(f64),
    /// Built on fewer pupils than `privacy.min_pupils`: printed as suppressed, never as 0.
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
/// `peers.min_peers` peers have the figure.
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
    /// Pupils enrolled at the school at some time in the year.
    pub pupils: u32,
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
    /// `None` when the level has fewer than `min_peers` other schools.
    pub peer_group: Option<PeerGroupDescription>,
    /// Every school year with data, oldest first; the last is `year`.
    pub history: Vec<YearFigures>,
    /// Pupils spread over the bands 0, 1-4, 5-9, ... in `year`.
    pub bands: Vec<BandFigures>,
}
