//! Peer groups: each school beside similar schools of its level, chosen by
//! rules (same form group and socio-economic band, widened while too few
//! match) or as nearest neighbours, unless the configuration pins its peers.
//! docs/methodology.md says the same in words.
//!
//! With the rules method every school of a class (level, form group, band)
//! has the same schools beside it, so a class's group is kept once, with the
//! class's own schools in it ([`List`]), and each member's group is that
//! list without the school itself: the groups hold as many entries as the
//! classes do, not schools x group size, and what is worked out over a group
//! (sorted figures, pooled totals) is worked out once per list and taken
//! from for each member with its own figure left out.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mirror_anonymise::SchoolProfile;
use mirror_model::config::{PeerMethod, PeerSettings};
use mirror_model::{EducationForm, Level, SchoolId, SchoolRef};

use crate::{BenchmarkError, DisadvantageBand, PeerGroupDescription, Widening};

/// A list of schools one or more peer groups are read from.
#[derive(Debug)]
struct List {
    /// Unique in the process, so figures worked out once per list can be
    /// kept under it.
    id: usize,
    schools: Vec<SchoolRef>,
}

static NEXT_LIST: AtomicUsize = AtomicUsize::new(0);

impl List {
    fn new(schools: Vec<SchoolRef>) -> Arc<Self> {
        Arc::new(Self {
            id: NEXT_LIST.fetch_add(1, Ordering::Relaxed),
            schools,
        })
    }
}

/// A peer group as the list it is read from: `schools` less the school at
/// `without`, if any. A list shared with the school itself is in registry
/// order (so the school is found in it by binary search).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shared<'a> {
    /// The list's id: the same for every group read from the list.
    pub id: usize,
    pub schools: &'a [SchoolRef],
    pub without: Option<usize>,
}

impl Shared<'_> {
    /// The school left out of the list (the school whose group it is).
    pub fn left_out(&self) -> Option<SchoolRef> {
        self.without.map(|at| self.schools[at])
    }
}

/// The schools a school is compared with (itself excluded) and how they were
/// chosen. It exists only with at least `min_peers` members, so a peer figure
/// can never rest on fewer schools than the anonymity minimum.
#[derive(Debug, Clone)]
pub struct PeerGroup {
    /// The members, with the school itself at `without` when the list is
    /// shared by its class (rules); the members alone otherwise.
    list: Arc<List>,
    without: Option<usize>,
    method: PeerMethod,
    pinned: bool,
    widening: Option<Widening>,
}

impl PartialEq for PeerGroup {
    fn eq(&self, other: &Self) -> bool {
        self.members().eq(other.members())
            && (self.method, self.pinned, self.widening)
                == (other.method, other.pinned, other.widening)
    }
}

impl Eq for PeerGroup {}

/// The members of a [`PeerGroup`], in the group's order.
#[derive(Debug, Clone)]
pub struct Members<'a> {
    before: std::slice::Iter<'a, SchoolRef>,
    after: std::slice::Iter<'a, SchoolRef>,
}

impl Iterator for Members<'_> {
    type Item = SchoolRef;

    fn next(&mut self) -> Option<SchoolRef> {
        self.before.next().or_else(|| self.after.next()).copied()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.before.len() + self.after.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for Members<'_> {}

impl PeerGroup {
    fn new(
        members: Vec<SchoolRef>,
        min_peers: usize,
        method: PeerMethod,
        pinned: bool,
        widening: Option<Widening>,
    ) -> Option<Self> {
        (members.len() >= min_peers).then(|| Self {
            list: List::new(members),
            without: None,
            method,
            pinned,
            widening,
        })
    }

    /// `me`'s group read from `list`, its class's schools in registry order
    /// (`me` among them).
    fn sharing(list: &Arc<List>, me: SchoolRef, widening: Option<Widening>) -> Self {
        let at = list
            .schools
            .binary_search(&me)
            .expect("a class's list holds its schools");
        Self {
            list: Arc::clone(list),
            without: Some(at),
            method: PeerMethod::Rules,
            pinned: false,
            widening,
        }
    }

    /// The members, in registry order (nearest first for nearest
    /// neighbours).
    pub fn members(&self) -> Members<'_> {
        let s = &self.list.schools;
        let (before, after) = match self.without {
            Some(at) => (&s[..at], &s[at + 1..]),
            None => (&s[..], &s[s.len()..]),
        };
        Members {
            before: before.iter(),
            after: after.iter(),
        }
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.list.schools.len() - usize::from(self.without.is_some())
    }

    /// Never true for a group [`build`] makes (it has `min_peers` members).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The list the group is read from, for figures worked out once per list.
    pub(crate) fn shared(&self) -> Shared<'_> {
        Shared {
            id: self.list.id,
            schools: &self.list.schools,
            without: self.without,
        }
    }

    /// A group of exactly `members`, for tests of what is computed over it.
    #[cfg(test)]
    pub(crate) fn pinned_for_test(members: Vec<SchoolRef>) -> Self {
        Self {
            list: List::new(members),
            without: None,
            method: PeerMethod::Rules,
            pinned: true,
            widening: None,
        }
    }

    /// `me`'s group read from `schools` (registry order, `me` among them),
    /// as the rules method shares one list within a class, for tests.
    #[cfg(test)]
    pub(crate) fn shared_for_test(schools: Vec<SchoolRef>) -> Vec<Self> {
        let list = List::new(schools);
        list.schools
            .iter()
            .map(|me| Self::sharing(&list, *me, None))
            .collect()
    }
}
/// Every school's peer group, in registry order: by `settings.method`, or
/// the schools `settings.pinned` lists for it. `None` for a held-back school
/// and where fewer than `min_peers` schools are left. Fails on a pin naming
/// a school the registry does not have, or a peer of another level.
pub(crate) fn build(
    schools: &[SchoolProfile],
    settings: &PeerSettings,
    min_peers: usize,
) -> Result<Vec<Option<PeerGroup>>, BenchmarkError> {
    let mut groups = match settings.method {
        PeerMethod::Rules => by_rules(schools, settings, min_peers),
        PeerMethod::Nearest => nearest_neighbours(schools, settings.size, min_peers),
    };
    let registry: BTreeMap<&SchoolId, usize> = schools
        .iter()
        .enumerate()
        .map(|(i, s)| (&s.id, i))
        .collect();
    for (school, peers) in &settings.pinned {
        let find = |id: &SchoolId| {
            registry
                .get(id)
                .copied()
                .ok_or_else(|| BenchmarkError::UnknownPinnedSchool {
                    school: school.clone(),
                    unknown: id.clone(),
                })
        };
        let me = find(school)?;
        let mut members = Vec::new();
        for peer in peers {
            let i = find(peer)?;
            if schools[i].level != schools[me].level {
                return Err(BenchmarkError::PinnedAcrossLevels {
                    school: school.clone(),
                    level: schools[me].level,
                    peer: peer.clone(),
                    peer_level: schools[i].level,
                });
            }
            if i != me && !schools[i].held_back {
                members.push(SchoolRef(i as u32));
            }
        }
        // Registry order, whatever the order in the configuration.
        members.sort();
        members.dedup();
        groups[me] = if schools[me].held_back {
            None
        } else {
            PeerGroup::new(members, min_peers, settings.method, true, None)
        };
    }
    Ok(groups)
}

/// The schools of `level` that can be peers, in registry order.
fn comparable(schools: &[SchoolProfile], level: Level) -> impl Iterator<Item = usize> + '_ {
    (0..schools.len()).filter(move |&i| schools[i].level == level && !schools[i].held_back)
}

/// One step of the rules method: which other schools of the level it admits.
struct Step {
    widening: Option<Widening>,
    any_form_group: bool,
    /// How many bands away from the school's own a peer's band may be.
    band_distance: usize,
}

/// The rules method's steps, narrowest first; the next is taken only while
/// fewer than the minimum match. The form group is kept longer than the band
/// because truancy differs most by education form.
const STEPS: [Step; 6] = [
    Step {
        widening: None,
        any_form_group: false,
        band_distance: 0,
    },
    Step {
        widening: Some(Widening::NeighbouringBands),
        any_form_group: false,
        band_distance: 1,
    },
    Step {
        widening: Some(Widening::AllBands),
        any_form_group: false,
        band_distance: usize::MAX,
    },
    Step {
        widening: Some(Widening::OtherForms),
        any_form_group: true,
        band_distance: 0,
    },
    Step {
        widening: Some(Widening::OtherFormsNeighbouringBands),
        any_form_group: true,
        band_distance: 1,
    },
    Step {
        widening: Some(Widening::WholeLevel),
        any_form_group: true,
        band_distance: usize::MAX,
    },
];

/// For every school, the schools of its level in the same form group and
/// socio-economic band, widened along [`STEPS`] until at least `min_peers`
/// match; members in registry order. Every school of a class (level, form
/// group, band) has the same schools beside it, so each class's list (with
/// its own schools) is found once and shared by its members' groups.
fn by_rules(
    schools: &[SchoolProfile],
    settings: &PeerSettings,
    min_peers: usize,
) -> Vec<Option<PeerGroup>> {
    let form_groups: Vec<Option<usize>> = schools
        .iter()
        .map(|s| form_group(s, &settings.form_groups))
        .collect();
    let bands = socio_economic_bands(schools, settings.bands);
    let mut levels: BTreeMap<Level, Vec<usize>> = BTreeMap::new();
    for i in (0..schools.len()).filter(|&i| !schools[i].held_back) {
        levels.entry(schools[i].level).or_default().push(i);
    }
    // Per class (level, form group, band): its list and how it was widened,
    // `None` when no step gives enough schools.
    type Class = (Level, Option<usize>, usize);
    type ClassList = Option<(Arc<List>, Option<Widening>)>;
    let mut classes: HashMap<Class, ClassList> = HashMap::new();
    (0..schools.len())
        .map(|me| {
            if schools[me].held_back {
                return None;
            }
            let (level, form, band) = (schools[me].level, form_groups[me], bands[me]);
            let class = classes.entry((level, form, band)).or_insert_with(|| {
                // The class's own schools are in every step's list, so its
                // members have `min_peers` others when it has one more.
                STEPS.iter().find_map(|step| {
                    let with_class: Vec<SchoolRef> = levels[&level]
                        .iter()
                        .filter(|&&i| {
                            (step.any_form_group || form_groups[i] == form)
                                && bands[i].abs_diff(band) <= step.band_distance
                        })
                        .map(|&i| SchoolRef(i as u32))
                        .collect();
                    (with_class.len() > min_peers).then(|| (List::new(with_class), step.widening))
                })
            });
            class
                .as_ref()
                .map(|(list, widening)| PeerGroup::sharing(list, SchoolRef(me as u32), *widening))
        })
        .collect()
}

/// The first of `form_groups` that holds one of the school's forms, so a
/// school offering general and vocational courses counts where the
/// configuration lists vocational first. `None`, one group of its own, for
/// schools with none of the listed forms, such as primary schools.
fn form_group(school: &SchoolProfile, form_groups: &[Vec<EducationForm>]) -> Option<usize> {
    form_groups
        .iter()
        .position(|g| g.iter().any(|f| school.forms.contains(f)))
}

/// Each school's socio-economic band among the schools of its level that can
/// be peers: of `bands` equal bands, band k holds the schools that have
/// between k/bands and (k+1)/bands of those schools less disadvantaged than
/// them, so equal indices share a band.
pub(crate) fn socio_economic_bands(schools: &[SchoolProfile], bands: usize) -> Vec<usize> {
    // Each level's comparable schools' disadvantages, sorted once.
    let mut levels: BTreeMap<Level, Vec<u32>> = BTreeMap::new();
    for s in schools.iter().filter(|s| !s.held_back) {
        levels.entry(s.level).or_default().push(disadvantage(s));
    }
    for level in levels.values_mut() {
        level.sort_unstable();
    }
    schools
        .iter()
        .map(|s| {
            let level = levels.get(&s.level).map_or(&[][..], Vec::as_slice);
            let own = disadvantage(s);
            let below = level.partition_point(|d| *d < own);
            below * bands / level.len().max(1)
        })
        .collect()
}

/// The attributes similarity is measured on, before standardising.
fn attributes(s: &SchoolProfile) -> Vec<f64> {
    let mut a: Vec<f64> = EducationForm::ALL
        .iter()
        .map(|f| f64::from(u8::from(s.forms.contains(f))))
        .collect();
    // In whole thousandths, as the bands compare them: standardising makes
    // the scale irrelevant, and equal registry shares give equal inputs.
    a.extend(
        [
            s.profile.home_language_not_dutch,
            s.profile.mother_without_diploma,
            s.profile.school_allowance,
        ]
        .map(|share| f64::from(thousandths(share))),
    );
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
/// groups are the same for the same data), nearest first. `None` where the
/// level has fewer than `min_peers` other schools.
fn nearest_neighbours(
    schools: &[SchoolProfile],
    size: usize,
    min_peers: usize,
) -> Vec<Option<PeerGroup>> {
    let mut groups = vec![None; schools.len()];
    let mut levels: Vec<_> = schools.iter().map(|s| s.level).collect();
    levels.sort();
    levels.dedup();
    for level in levels {
        let members: Vec<usize> = comparable(schools, level).collect();
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
            groups[school] = PeerGroup::new(peers, min_peers, PeerMethod::Nearest, false, None);
        }
    }
    groups
}

/// A school's disadvantage: the mean of its three socio-economic shares,
/// as their sum in whole thousandths (three times the mean). Registries give
/// the shares with three decimals, so equal means are common; a mean in
/// floating point would split them (0.349, 0.170 and 0.240 sum to 0.759 as
/// 0.355, 0.201 and 0.203 do, but their float means differ in the last bit)
/// and put two equally disadvantaged schools in different bands.
fn disadvantage(s: &SchoolProfile) -> u32 {
    let p = &s.profile;
    [
        p.home_language_not_dutch,
        p.mother_without_diploma,
        p.school_allowance,
    ]
    .iter()
    .map(|share| thousandths(*share))
    .sum()
}

/// A share between 0 and 1 in whole thousandths, the registry's precision:
/// the one place a share becomes a number that rules compare.
fn thousandths(share: f64) -> u32 {
    (share * 1000.0).round() as u32
}

/// Who the group is: its level, size, the forms most of its schools offer,
/// where its median disadvantage falls among the city's schools of that
/// level, and how it was chosen.
#[cfg(test)]
pub(crate) fn describe(
    schools: &[SchoolProfile],
    group: &PeerGroup,
    set_id: String,
) -> PeerGroupDescription {
    Descriptions::new(schools).describe(group, set_id)
}

/// Describes peer groups (see [`Descriptions::describe`]) from what is
/// worked out once: the city's disadvantages per level, and per list the
/// forms its schools offer and their disadvantages.
pub(crate) struct Descriptions<'a> {
    schools: &'a [SchoolProfile],
    /// The disadvantages of each level's schools (held back ones too), sorted.
    city: BTreeMap<Level, Vec<u32>>,
    lists: std::sync::Mutex<HashMap<usize, Arc<ListProfile>>>,
}

/// A list's schools: how many offer each form (in [`EducationForm::ALL`]'s
/// order) and their disadvantages, sorted.
struct ListProfile {
    forms: Vec<usize>,
    disadvantages: Vec<u32>,
}

impl<'a> Descriptions<'a> {
    pub(crate) fn new(schools: &'a [SchoolProfile]) -> Self {
        let mut city: BTreeMap<Level, Vec<u32>> = BTreeMap::new();
        for s in schools {
            city.entry(s.level).or_default().push(disadvantage(s));
        }
        for level in city.values_mut() {
            level.sort_unstable();
        }
        Self {
            schools,
            city,
            lists: std::sync::Mutex::default(),
        }
    }

    fn list(&self, shared: Shared) -> Arc<ListProfile> {
        let mut lists = self.lists.lock().expect("no description panics");
        let list = lists.entry(shared.id).or_insert_with(|| {
            let forms = EducationForm::ALL
                .iter()
                .map(|f| {
                    shared
                        .schools
                        .iter()
                        .filter(|m| self.schools[m.index()].forms.contains(f))
                        .count()
                })
                .collect();
            let mut disadvantages: Vec<u32> = shared
                .schools
                .iter()
                .map(|m| disadvantage(&self.schools[m.index()]))
                .collect();
            disadvantages.sort_unstable();
            Arc::new(ListProfile {
                forms,
                disadvantages,
            })
        });
        Arc::clone(list)
    }

    /// Who the group is: its level, size, the forms most of its schools
    /// offer, where its median disadvantage falls among the city's schools
    /// of that level, and how it was chosen. Taken from its list's profile
    /// with the school itself left out, in whole numbers.
    pub(crate) fn describe(&self, group: &PeerGroup, set_id: String) -> PeerGroupDescription {
        let schools = self.schools;
        let shared = group.shared();
        let list = self.list(shared);
        let left_out = shared.left_out().map(|s| &schools[s.index()]);
        let n = group.len();
        let level = schools[group.members().next().expect("a group has members").index()].level;
        let mut common_forms: Vec<(usize, EducationForm)> = EducationForm::ALL
            .iter()
            .zip(&list.forms)
            .map(|(f, all)| {
                let own = left_out.is_some_and(|s| s.forms.contains(f));
                (all - usize::from(own), *f)
            })
            .filter(|(count, _)| 2 * count > n)
            .collect();
        common_forms.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let city = self.city.get(&level).map_or(&[][..], Vec::as_slice);
        // The members' disadvantages, sorted: the list's without one of the
        // school's own.
        let own = &list.disadvantages;
        let skip = left_out.map_or(own.len(), |s| {
            let d = disadvantage(s);
            own.partition_point(|x| *x < d)
        });
        let at = |k: usize| if k < skip { own[k] } else { own[k + 1] };
        // Where the group's median falls among the city's schools of its level,
        // in whole numbers: twice the median is the sum of the middle two (or
        // twice the middle one), and "below a third" is 3 below < all.
        let twice_median = at((n - 1) / 2) + at(n / 2);
        let below = city.partition_point(|d| 2 * *d < twice_median);
        let all = city.len();
        let band = if 3 * below < all {
            DisadvantageBand::Lower
        } else if 3 * below > 2 * all {
            DisadvantageBand::Higher
        } else {
            DisadvantageBand::Middle
        };
        PeerGroupDescription {
            level,
            schools: n,
            common_forms: common_forms.into_iter().map(|(_, f)| f).collect(),
            disadvantage_band: band,
            method: group.method,
            pinned: group.pinned,
            widening: group.widening,
            set_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use mirror_model::{ReportLanguage, SocioEconomicProfile};

    use super::*;
    use EducationForm::{General, Nursery, PartTime, Primary, Technical, Vocational};

    /// A school whose three socio-economic shares all equal `disadvantage`.
    fn school(id: &str, forms: &[EducationForm], disadvantage: f64) -> SchoolProfile {
        SchoolProfile {
            id: SchoolId::new(id).unwrap(),
            name: format!("School {id}"),
            level: forms[0].level(),
            forms: forms.to_vec(),
            profile: SocioEconomicProfile {
                home_language_not_dutch: disadvantage,
                mother_without_diploma: disadvantage,
                school_allowance: disadvantage,
            },
            language: ReportLanguage::new("nl").unwrap(),
            network: None,
            held_back: false,
        }
    }

    /// Nine secondary and three primary schools, in this registry order.
    /// Secondary by disadvantage, with how many of the other eight are less
    /// disadvantaged and the band that gives (below * 3 / 9):
    /// s0 .10 (0: 0), s1 .12 (1: 0), s2 .14 (2: 0), s3 .16 (3: 1),
    /// s7 .40 (4: 1), s8 .45 (5: 1), s4 .50 (6: 2), s5 .55 (7: 2), s6 .60 (8: 2).
    /// Form groups (the default list): general s0 s1 s3 s7; technical and
    /// arts s2 (aso with tso); vocational s4 s5 s6 (with tso) and s8 (bso
    /// with dbso). Primary p0 .10, p1 .20, p2 .30: bands 0, 1, 2.
    fn city() -> Vec<SchoolProfile> {
        let primary = [Nursery, Primary];
        vec![
            school("s0", &[General], 0.10),
            school("s1", &[General], 0.12),
            school("s2", &[General, Technical], 0.14),
            school("s3", &[General], 0.16),
            school("s4", &[Technical, Vocational], 0.50),
            school("s5", &[Vocational], 0.55),
            school("s6", &[Technical, Vocational], 0.60),
            school("s7", &[General], 0.40),
            school("s8", &[Vocational, PartTime], 0.45),
            school("p0", &primary, 0.10),
            school("p1", &primary, 0.20),
            school("p2", &primary, 0.30),
        ]
    }

    fn at(schools: &[SchoolProfile], id: &str) -> usize {
        schools.iter().position(|s| s.id.as_str() == id).unwrap()
    }

    /// The ids of `id`'s peers, in the group's order.
    fn peers_of<'a>(
        schools: &'a [SchoolProfile],
        groups: &[Option<PeerGroup>],
        id: &str,
    ) -> Option<Vec<&'a str>> {
        groups[at(schools, id)].as_ref().map(|g| {
            g.members()
                .map(|m| schools[m.index()].id.as_str())
                .collect()
        })
    }

    fn widening(
        schools: &[SchoolProfile],
        groups: &[Option<PeerGroup>],
        id: &str,
    ) -> Option<Widening> {
        groups[at(schools, id)].as_ref().unwrap().widening
    }

    fn pin(school: &str, peers: &[&str]) -> PeerSettings {
        let id = |s: &str| SchoolId::new(s).unwrap();
        PeerSettings {
            pinned: [(id(school), peers.iter().map(|p| id(p)).collect())].into(),
            ..PeerSettings::default()
        }
    }

    #[test]
    fn form_group_is_the_first_group_holding_one_of_the_forms() {
        let groups = PeerSettings::default().form_groups;
        let of = |forms: &[EducationForm]| form_group(&school("x", forms, 0.0), &groups);
        // buso, bso/dbso, tso/kso, aso, okan.
        assert_eq!(of(&[General]), Some(3));
        assert_eq!(of(&[General, Technical]), Some(2));
        assert_eq!(
            of(&[Technical, Vocational, EducationForm::Reception]),
            Some(1)
        );
        assert_eq!(of(&[EducationForm::Reception]), Some(4));
        assert_eq!(of(&[Nursery, Primary]), None);
    }

    #[test]
    fn bands_split_a_level_in_equal_parts_and_keep_ties_together() {
        // Registry order s0..s8, p0..p2; see `city`.
        assert_eq!(
            socio_economic_bands(&city(), 3),
            [0, 0, 0, 1, 2, 2, 2, 1, 1, 0, 1, 2]
        );
        // Below: 0, 0, 2, 2 of four; times 2 bands over 4: 0, 0, 1, 1.
        let tied: Vec<_> = [0.2, 0.2, 0.3, 0.3]
            .iter()
            .enumerate()
            .map(|(i, d)| school(&format!("t{i}"), &[General], *d))
            .collect();
        assert_eq!(socio_economic_bands(&tied, 2), [0, 0, 1, 1]);
    }

    /// Secondary schools 100631 and 100798 of the seed-3 sample city: shares
    /// 0.349 + 0.170 + 0.240 and 0.355 + 0.201 + 0.203, both 759 thousandths
    /// (a mean of 0.253), though the float means differ in the last bit
    /// (0.253 and 0.25300000000000006). Beside them 600 and 900 thousandths.
    /// Two bands over four schools: below 0, 1, 1, 3 gives 0, 0, 0, 1; the
    /// float means would have put one of the pair 2 below, in band 1.
    #[test]
    fn schools_with_equal_shares_in_thousandths_share_a_band() {
        let tied = |id: &str, shares: [f64; 3]| {
            let mut s = school(id, &[General], 0.0);
            [
                s.profile.home_language_not_dutch,
                s.profile.mother_without_diploma,
                s.profile.school_allowance,
            ] = shares;
            s
        };
        let schools = vec![
            school("a", &[General], 0.2),
            tied("100631", [0.349, 0.170, 0.240]),
            tied("100798", [0.355, 0.201, 0.203]),
            school("b", &[General], 0.3),
        ];
        assert_eq!(disadvantage(&schools[1]), 759);
        assert_eq!(disadvantage(&schools[2]), 759);
        assert_eq!(socio_economic_bands(&schools, 2), [0, 0, 0, 1]);
        // Each of the pair has the other and `a` in its band, never `b`.
        let groups = build(
            &schools,
            &PeerSettings {
                bands: 2,
                ..PeerSettings::default()
            },
            2,
        )
        .unwrap();
        assert_eq!(
            peers_of(&schools, &groups, "100631"),
            Some(vec!["a", "100798"])
        );
        assert_eq!(
            peers_of(&schools, &groups, "100798"),
            Some(vec!["a", "100631"])
        );
    }

    #[test]
    fn rules_take_the_same_level_form_group_and_band() {
        let schools = city();
        let groups = build(&schools, &PeerSettings::default(), 2).unwrap();
        // Vocational in band 2: s4, s5, s6.
        assert_eq!(peers_of(&schools, &groups, "s4"), Some(vec!["s5", "s6"]));
        assert_eq!(peers_of(&schools, &groups, "s5"), Some(vec!["s4", "s6"]));
        assert_eq!(peers_of(&schools, &groups, "s6"), Some(vec!["s4", "s5"]));
        let g = groups[at(&schools, "s4")].as_ref().unwrap();
        assert_eq!(
            (g.method, g.pinned, g.widening),
            (PeerMethod::Rules, false, None)
        );
        // The same data gives the same groups.
        assert_eq!(
            groups,
            build(&schools, &PeerSettings::default(), 2).unwrap()
        );
    }

    #[test]
    fn rules_widen_to_neighbouring_bands_first_and_record_it() {
        let schools = city();
        let groups = build(&schools, &PeerSettings::default(), 2).unwrap();
        // General in band 0 besides s0: only s1. Bands 0 and 1 add s3 and s7.
        assert_eq!(
            peers_of(&schools, &groups, "s0"),
            Some(vec!["s1", "s3", "s7"])
        );
        assert_eq!(
            widening(&schools, &groups, "s0"),
            Some(Widening::NeighbouringBands)
        );
        // No other vocational school in band 1; bands 0 to 2 hold s4, s5, s6.
        assert_eq!(
            peers_of(&schools, &groups, "s8"),
            Some(vec!["s4", "s5", "s6"])
        );
        assert_eq!(
            widening(&schools, &groups, "s8"),
            Some(Widening::NeighbouringBands)
        );
    }

    #[test]
    fn rules_widen_to_other_form_groups_only_after_every_band() {
        let schools = city();
        // s2 is the only technical school: no band helps; band 0 of every
        // form group holds s0 and s1.
        let groups = build(&schools, &PeerSettings::default(), 2).unwrap();
        assert_eq!(peers_of(&schools, &groups, "s2"), Some(vec!["s0", "s1"]));
        assert_eq!(
            widening(&schools, &groups, "s2"),
            Some(Widening::OtherForms)
        );
        // Needing 5: bands 0 and 1 of every form group add s3, s7, s8.
        let groups = build(&schools, &PeerSettings::default(), 5).unwrap();
        assert_eq!(
            peers_of(&schools, &groups, "s2"),
            Some(vec!["s0", "s1", "s3", "s7", "s8"])
        );
        assert_eq!(
            widening(&schools, &groups, "s2"),
            Some(Widening::OtherFormsNeighbouringBands)
        );
        // Needing 7: the whole level, the eight other secondary schools.
        let groups = build(&schools, &PeerSettings::default(), 7).unwrap();
        assert_eq!(
            peers_of(&schools, &groups, "s2"),
            Some(vec!["s0", "s1", "s3", "s4", "s5", "s6", "s7", "s8"])
        );
        assert_eq!(
            widening(&schools, &groups, "s2"),
            Some(Widening::WholeLevel)
        );
    }

    #[test]
    fn rules_never_cross_levels() {
        let schools = city();
        // p0 (band 0) has s0's disadvantage, but only primary schools join:
        // band 1 adds p1, every band p2.
        let groups = build(&schools, &PeerSettings::default(), 2).unwrap();
        assert_eq!(peers_of(&schools, &groups, "p0"), Some(vec!["p1", "p2"]));
        assert_eq!(widening(&schools, &groups, "p0"), Some(Widening::AllBands));
        // Needing 3, the primary level (two others each) has no groups; the
        // secondary level still has.
        let groups = build(&schools, &PeerSettings::default(), 3).unwrap();
        assert_eq!(peers_of(&schools, &groups, "p0"), None);
        assert_eq!(peers_of(&schools, &groups, "p2"), None);
        assert_eq!(
            peers_of(&schools, &groups, "s0"),
            Some(vec!["s1", "s3", "s7"])
        );
    }

    #[test]
    fn a_held_back_school_is_no_peer_and_not_counted_in_the_bands() {
        let mut schools = city();
        let s5 = at(&schools, "s5");
        schools[s5].held_back = true;
        // Eight secondary schools left; bands below * 3 / 8: s7 (4) and s8
        // (5) band 1, s4 (6) and s6 (7) band 2. Vocational band 2 besides s4:
        // s6 only, so bands 1 and 2 add s8.
        let groups = build(&schools, &PeerSettings::default(), 2).unwrap();
        assert_eq!(peers_of(&schools, &groups, "s4"), Some(vec!["s6", "s8"]));
        assert_eq!(
            widening(&schools, &groups, "s4"),
            Some(Widening::NeighbouringBands)
        );
        assert_eq!(peers_of(&schools, &groups, "s5"), None);
    }

    #[test]
    fn a_pinned_school_is_compared_with_exactly_its_configured_schools() {
        let schools = city();
        // Listed out of order, with s0 itself: kept in registry order without it.
        let settings = pin("s0", &["s5", "s0", "s2", "s4"]);
        let groups = build(&schools, &settings, 2).unwrap();
        assert_eq!(
            peers_of(&schools, &groups, "s0"),
            Some(vec!["s2", "s4", "s5"])
        );
        let g = groups[at(&schools, "s0")].as_ref().unwrap();
        assert_eq!(
            (g.method, g.pinned, g.widening),
            (PeerMethod::Rules, true, None)
        );
        // The pin changes s0's group only.
        assert_eq!(peers_of(&schools, &groups, "s4"), Some(vec!["s5", "s6"]));
        // Pins apply whatever the method.
        let nearest = PeerSettings {
            method: PeerMethod::Nearest,
            ..settings
        };
        let groups = build(&schools, &nearest, 2).unwrap();
        assert_eq!(
            peers_of(&schools, &groups, "s0"),
            Some(vec!["s2", "s4", "s5"])
        );
    }

    #[test]
    fn a_held_back_pinned_peer_is_dropped() {
        let mut schools = city();
        let s5 = at(&schools, "s5");
        schools[s5].held_back = true;
        let settings = pin("s0", &["s2", "s4", "s5"]);
        let groups = build(&schools, &settings, 2).unwrap();
        assert_eq!(peers_of(&schools, &groups, "s0"), Some(vec!["s2", "s4"]));
        // Two left is below a minimum of 3: no group, no falling back.
        let groups = build(&schools, &settings, 3).unwrap();
        assert_eq!(peers_of(&schools, &groups, "s0"), None);
    }

    #[test]
    fn a_pin_naming_an_unknown_school_or_another_level_is_refused() {
        let schools = city();
        let e = build(&schools, &pin("s0", &["s1", "s9"]), 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "peers.pinned.s0: there is no school s9 in the registry; correct the school number in the configuration"
        );
        let e = build(&schools, &pin("x1", &["s1"]), 2).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("peers.pinned.x1: there is no school x1"),
            "{e}"
        );
        let e = build(&schools, &pin("s0", &["p1"]), 2).unwrap_err();
        assert_eq!(
            e.to_string(),
            "peers.pinned.s0: p1 is a primary school and s0 a secondary one; give peers of the same level"
        );
    }

    /// Four schools differing only in the share of pupils with another home
    /// language: 0.100, 0.400, 0.500, 0.800 (100 to 800 thousandths). Mean
    /// 450, deviations -350, -50, 50, 350 = 50 x (-7, -1, 1, 7), variance
    /// 2500 x (49 + 1 + 1 + 49) / 4 = 62500, so the standard deviation is
    /// 250 and the standardised values -1.4, -0.2, 0.2, 1.4. Every other
    /// attribute is constant and left out.
    fn one_attribute_city() -> Vec<SchoolProfile> {
        [0.1, 0.4, 0.5, 0.8]
            .iter()
            .enumerate()
            .map(|(i, share)| {
                let mut s = school(&format!("n{i}"), &[General], 0.25);
                s.profile.home_language_not_dutch = *share;
                s
            })
            .collect()
    }

    #[test]
    fn nearest_neighbours_use_standardised_distances() {
        let schools = one_attribute_city();
        let z = standardised(&schools, &[0, 1, 2, 3]);
        for (got, want) in z.iter().zip([-1.4, -0.2, 0.2, 1.4]) {
            assert_eq!(got.len(), 1);
            assert!((got[0] - want).abs() < 1e-12, "{got:?} {want}");
        }
        // Distances: n0-n1 1.2, n0-n2 1.6, n0-n3 2.8, n1-n2 0.4, n1-n3 1.6,
        // n2-n3 1.2. The two nearest, nearest first:
        let settings = PeerSettings {
            method: PeerMethod::Nearest,
            size: 2,
            ..PeerSettings::default()
        };
        let groups = build(&schools, &settings, 2).unwrap();
        assert_eq!(peers_of(&schools, &groups, "n0"), Some(vec!["n1", "n2"]));
        assert_eq!(peers_of(&schools, &groups, "n1"), Some(vec!["n2", "n0"]));
        assert_eq!(peers_of(&schools, &groups, "n2"), Some(vec!["n1", "n3"]));
        assert_eq!(peers_of(&schools, &groups, "n3"), Some(vec!["n2", "n1"]));
        let g = groups[0].as_ref().unwrap();
        assert_eq!(
            (g.method, g.pinned, g.widening),
            (PeerMethod::Nearest, false, None)
        );
    }

    #[test]
    fn nearest_neighbour_ties_go_to_the_earlier_school_in_the_registry() {
        // 1/4, 1/2, 3/4: the middle school is exactly as far from both.
        let mut schools: Vec<_> = [0.25, 0.5, 0.75]
            .iter()
            .enumerate()
            .map(|(i, share)| {
                let mut s = school(&format!("e{i}"), &[General], 0.25);
                s.profile.school_allowance = *share;
                s
            })
            .collect();
        let settings = PeerSettings {
            method: PeerMethod::Nearest,
            size: 1,
            ..PeerSettings::default()
        };
        let groups = build(&schools, &settings, 1).unwrap();
        assert_eq!(peers_of(&schools, &groups, "e1"), Some(vec!["e0"]));
        assert_eq!(groups, build(&schools, &settings, 1).unwrap());
        schools.reverse();
        let groups = build(&schools, &settings, 1).unwrap();
        assert_eq!(peers_of(&schools, &groups, "e1"), Some(vec!["e2"]));
    }

    #[test]
    fn a_description_says_how_the_group_was_chosen() {
        let schools = city();
        let groups = build(&schools, &pin("s0", &["s4", "s5", "s6"]), 2).unwrap();
        // bso in 3 of 3, tso in 2 of 3; the median .55 has 7 of the 9
        // secondary schools below it, more than two thirds.
        assert_eq!(
            describe(&schools, groups[0].as_ref().unwrap(), String::new()),
            PeerGroupDescription {
                level: Level::Secondary,
                schools: 3,
                common_forms: vec![Vocational, Technical],
                disadvantage_band: DisadvantageBand::Higher,
                method: PeerMethod::Rules,
                pinned: true,
                widening: None,
                set_id: String::new(),
            }
        );
        let s8 = describe(
            &schools,
            groups[at(&schools, "s8")].as_ref().unwrap(),
            String::new(),
        );
        assert_eq!(
            (s8.pinned, s8.widening),
            (false, Some(Widening::NeighbouringBands))
        );
    }
}
