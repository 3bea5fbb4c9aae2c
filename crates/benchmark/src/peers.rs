//! Peer groups: each school beside the most similar schools of its level, on
//! the education forms offered and the pupil population.

use mirror_anonymise::SchoolProfile;
use mirror_model::{EducationForm, SchoolRef};

use crate::{DisadvantageBand, PeerGroupDescription};

/// The schools a school is compared with (itself excluded). It exists only
/// with at least `min_peers` members, so a peer figure can never rest on
/// fewer schools than the anonymity minimum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerGroup {
    members: Vec<SchoolRef>,
}

impl PeerGroup {
    pub fn new(members: Vec<SchoolRef>, min_peers: usize) -> Option<Self> {
        (members.len() >= min_peers).then_some(Self { members })
    }

    pub fn members(&self) -> &[SchoolRef] {
        &self.members
    }
}

/// The attributes similarity is measured on, before standardising.
fn attributes(s: &SchoolProfile) -> Vec<f64> {
    let mut a: Vec<f64> = EducationForm::ALL
        .iter()
        .map(|f| f64::from(u8::from(s.forms.contains(f))))
        .collect();
    a.extend([
        s.profile.home_language_not_dutch,
        s.profile.mother_without_diploma,
        s.profile.school_allowance,
    ]);
    a
}

/// Attributes standardised over `members` (zero mean, unit variance); an
/// attribute that does not vary among them is left out.
fn standardised(schools: &[SchoolProfile], members: &[usize]) -> Vec<Vec<f64>> {
    let raw: Vec<Vec<f64>> = members.iter().map(|&i| attributes(&schools[i])).collect();
    let n = raw.len() as f64;
    let width = raw.first().map_or(0, Vec::len);
    let mut out = vec![Vec::new(); raw.len()];
    for k in 0..width {
        let mean = raw.iter().map(|r| r[k]).sum::<f64>() / n;
        let var = raw.iter().map(|r| (r[k] - mean).powi(2)).sum::<f64>() / n;
        if var > 1e-12 {
            let sd = var.sqrt();
            for (o, r) in out.iter_mut().zip(&raw) {
                o.push((r[k] - mean) / sd);
            }
        }
    }
    out
}

/// For every school, the `size` nearest schools of the same level (Euclidean
/// distance on standardised attributes; ties broken by registry order, so the
/// groups are the same for the same data). `None` where the level has fewer
/// than `min_peers` other schools.
pub(crate) fn nearest_neighbours(
    schools: &[SchoolProfile],
    size: usize,
    min_peers: usize,
) -> Vec<Option<PeerGroup>> {
    let mut groups = vec![None; schools.len()];
    let mut levels: Vec<_> = schools.iter().map(|s| s.level).collect();
    levels.sort();
    levels.dedup();
    for level in levels {
        let members: Vec<usize> = (0..schools.len())
            .filter(|&i| schools[i].level == level && !schools[i].held_back)
            .collect();
        let z = standardised(schools, &members);
        for (a, &school) in members.iter().enumerate() {
            let mut others: Vec<(f64, usize)> = members
                .iter()
                .enumerate()
                .filter(|(b, _)| *b != a)
                .map(|(b, &other)| {
                    let d = z[a]
                        .iter()
                        .zip(&z[b])
                        .map(|(x, y)| (x - y).powi(2))
                        .sum::<f64>();
                    (d, other)
                })
                .collect();
            others.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            let peers = others
                .into_iter()
                .take(size)
                .map(|(_, i)| SchoolRef(i as u32))
                .collect();
            groups[school] = PeerGroup::new(peers, min_peers);
        }
    }
    groups
}

/// A school's disadvantage: the mean of its three socio-economic shares.
fn disadvantage(s: &SchoolProfile) -> f64 {
    (s.profile.home_language_not_dutch
        + s.profile.mother_without_diploma
        + s.profile.school_allowance)
        / 3.0
}

/// Who the group is: its level, size, the forms most of its schools offer and
/// where its median disadvantage falls among the city's schools of that level.
pub(crate) fn describe(schools: &[SchoolProfile], group: &PeerGroup) -> PeerGroupDescription {
    let level = schools[group.members()[0].index()].level;
    let mut common_forms: Vec<(usize, EducationForm)> = EducationForm::ALL
        .iter()
        .map(|f| {
            let n = group
                .members()
                .iter()
                .filter(|m| schools[m.index()].forms.contains(f))
                .count();
            (n, *f)
        })
        .filter(|(n, _)| 2 * n > group.members().len())
        .collect();
    common_forms.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let city: Vec<f64> = schools
        .iter()
        .filter(|s| s.level == level)
        .map(disadvantage)
        .collect();
    let own: Vec<f64> = group
        .members()
        .iter()
        .map(|m| disadvantage(&schools[m.index()]))
        .collect();
    // Where the group's median falls among the city's schools of its level.
    let median = crate::stats::quartiles(&own).map_or(0.0, |q| q[1]);
    let below = city.iter().filter(|d| **d < median).count() as f64 / city.len().max(1) as f64;
    let band = if below < 1.0 / 3.0 {
        DisadvantageBand::Lower
    } else if below > 2.0 / 3.0 {
        DisadvantageBand::Higher
    } else {
        DisadvantageBand::Middle
    };
    PeerGroupDescription {
        level,
        schools: group.members().len(),
        common_forms: common_forms.into_iter().map(|(_, f)| f).collect(),
        disadvantage_band: band,
    }
}
