//! One figure of every school at once, so that a school's figure can be set
//! beside its peers' spread, the city's and the funnel's limits.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use mirror_model::{Level, SchoolRef};

use crate::funnel::{Funnel, Unit};
use crate::peers::{PeerGroup, Shared};
use crate::{
    Against, Comparison, Figure, FunnelPlot, FunnelPoint, Judgement, MIN_SCHOOLS_FOR_SPREAD,
    PeerSpread,
};

/// One school's figure: events out of trials, the pupils it is about, and
/// whether disclosure control lets it be printed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SchoolFigure {
    pub unit: Unit,
    pub pupils: u32,
    pub shown: bool,
}

/// A figure as events out of trials (problematic half days out of expected
/// ones, pupils from a threshold out of pupils, ...) for every school that
/// has it.
#[derive(Debug)]
pub(crate) struct Field {
    by_school: Vec<Option<SchoolFigure>>,
    /// Whether the school's figure is placed on a funnel. Not for parts of a
    /// school (a grade, a form): the limits and z-score would give the part's
    /// size, and with the school's totals a withheld part's figure.
    judged: bool,
    /// The counted figures of each level pooled, worked out on first use
    /// (every comparison of a run has the same [`Context`]): the same for
    /// every school of the level, so not summed again per school.
    levels: OnceLock<BTreeMap<Level, LevelTotal>>,
    /// The funnels fitted so far, by the schools they were fitted over: the
    /// schools of a peer group share one (with the school itself, a peer
    /// group is the same set for each of its members, and
    /// [`Funnel::fit`] does not depend on the units' order), fitted once
    /// rather than once per school.
    funnels: Mutex<HashMap<FunnelOver, Option<Funnel>>>,
    /// The figures of each peer-group list ([`PeerGroup::shared`]) worked
    /// out on first use, by the list's id: a list is shared by the groups of
    /// its class's schools, each of which takes its peers' figures from it
    /// with its own left out, so the work grows with the schools, not with
    /// schools x group size.
    lists: Mutex<HashMap<usize, Arc<ListFigures>>>,
}

/// A field's figures over one list of schools.
#[derive(Debug, Default)]
struct ListFigures {
    /// The counted units (see [`Field::counted`]): how many, and pooled.
    counted: usize,
    events: u128,
    trials: u128,
    /// The rates of the usable units (see [`Field::usable`]), sorted by
    /// `f64::total_cmp`.
    shown: Vec<f64>,
}

/// A school's peers' figures: its group's list's, with the school itself
/// left out when the list holds it.
#[derive(Debug)]
struct PeerFigures {
    /// How many counted peers, and their units pooled.
    counted: usize,
    events: u128,
    trials: u128,
    list: Arc<ListFigures>,
    /// Where the school's own rate is in `list.shown`, to be left out.
    without: Option<usize>,
}

impl PeerFigures {
    /// The shown peers' rates: `list.shown` without `without`.
    fn shown(&self) -> usize {
        self.list.shown.len() - usize::from(self.without.is_some())
    }
}

/// The counted figures of a level's schools pooled.
#[derive(Debug, Clone, Copy, Default)]
struct LevelTotal {
    events: u128,
    trials: u128,
    schools: usize,
}

/// The schools a funnel is fitted over: a peer group with the school (in
/// registry order), the list of a group shared with the school (the same
/// schools in the same order, by the list's id), or every school of a level.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FunnelOver {
    Peers(Vec<SchoolRef>),
    List(usize),
    Level(Level),
}

/// What every comparison needs to know about the city.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub levels: Vec<Level>,
    /// Schools whose data had errors: in no spread, city figure or funnel.
    pub held_back: Vec<bool>,
    pub groups: &'a [Option<PeerGroup>],
    pub min_pupils: u32,
    pub min_peer_schools: usize,
}

impl Field {
    pub fn new(schools: usize, figure: impl Fn(SchoolRef) -> Option<SchoolFigure>) -> Self {
        Self {
            by_school: (0..schools).map(|i| figure(SchoolRef(i as u32))).collect(),
            judged: true,
            levels: OnceLock::new(),
            funnels: Mutex::default(),
            lists: Mutex::default(),
        }
    }

    /// The same, never placed on a funnel.
    pub fn unjudged(mut self) -> Self {
        self.judged = false;
        self
    }

    /// The school's unit if it counts in what is computed (targets, limits,
    /// overdispersion, pooled figures): with something to divide by, and
    /// from data without errors. Whether it may be printed plays no part:
    /// suppression decides what is printed, not who is compared (leaving out
    /// the withheld counts of 1-4 pupils would keep the schools with none).
    fn counted(&self, school: SchoolRef, ctx: &Context) -> Option<Unit> {
        let f = self.by_school.get(school.index())?.as_ref()?;
        (f.unit.trials > 0 && !ctx.held_back[school.index()]).then_some(f.unit)
    }

    /// The school's unit if it may also be printed: about enough pupils and
    /// shown by disclosure control.
    fn usable(&self, school: SchoolRef, ctx: &Context) -> Option<Unit> {
        let f = self.by_school.get(school.index())?.as_ref()?;
        if f.pupils >= ctx.min_pupils && f.shown {
            self.counted(school, ctx)
        } else {
            None
        }
    }

    pub fn unit(&self, school: SchoolRef) -> Option<Unit> {
        self.by_school.get(school.index())?.map(|f| f.unit)
    }

    /// The funnel of the school's peer group with the school in it; without
    /// a peer group, of the city's schools of its level (with at least
    /// `min_peer_schools` others), every one counted. `None` unless the
    /// school's figure is usable.
    fn funnel(&self, me: SchoolRef, ctx: &Context) -> Option<(Funnel, Unit, Against)> {
        let own = self.usable(me, ctx)?;
        let group = ctx.groups.get(me.index()).and_then(Option::as_ref);
        let peers = self.peer_figures(me, ctx).counted;
        let (over, against) = if peers >= ctx.min_peer_schools {
            let over = match group.map(PeerGroup::shared) {
                // A list shared with the school: its schools are the group
                // with the school, in registry order.
                Some(shared) if shared.without.is_some() => FunnelOver::List(shared.id),
                shared => {
                    // The members are in registry order: the school goes in
                    // its place.
                    let members = shared.map_or(&[][..], |s| s.schools);
                    let mut schools = members.to_vec();
                    schools.insert(members.partition_point(|m| *m < me), me);
                    FunnelOver::Peers(schools)
                }
            };
            (over, Against::Peers)
        } else {
            let level = ctx.levels[me.index()];
            // The school's own figure is usable, so counted among them.
            if self.level_total(level, ctx).schools - 1 < ctx.min_peer_schools {
                return None;
            }
            (FunnelOver::Level(level), Against::City)
        };
        let mut funnels = self.funnels.lock().expect("no fit panics");
        let funnel = funnels
            .entry(over)
            .or_insert_with_key(|over| {
                let units: Vec<Unit> = match over {
                    FunnelOver::Peers(schools) => schools
                        .iter()
                        .filter_map(|s| self.counted(*s, ctx))
                        .collect(),
                    FunnelOver::List(_) => group
                        .expect("a list is a group's")
                        .shared()
                        .schools
                        .iter()
                        .filter_map(|s| self.counted(*s, ctx))
                        .collect(),
                    FunnelOver::Level(level) => (0..self.by_school.len())
                        .map(|i| SchoolRef(i as u32))
                        .filter(|s| ctx.levels[s.index()] == *level)
                        .filter_map(|s| self.counted(s, ctx))
                        .collect(),
                };
                Funnel::fit(&units, None)
            })
            .clone()?;
        Some((funnel, own, against))
    }

    /// The field's figures over a peer-group list, worked out once per list.
    fn list_figures(&self, shared: Shared, ctx: &Context) -> Arc<ListFigures> {
        let mut lists = self.lists.lock().expect("no comparison panics");
        let list = lists.entry(shared.id).or_insert_with(|| {
            let mut list = ListFigures::default();
            for s in shared.schools {
                if let Some(u) = self.counted(*s, ctx) {
                    list.counted += 1;
                    list.events += u128::from(u.events);
                    list.trials += u128::from(u.trials);
                }
                if let Some(u) = self.usable(*s, ctx) {
                    list.shown.push(rate(u));
                }
            }
            list.shown.sort_by(f64::total_cmp);
            Arc::new(list)
        });
        Arc::clone(list)
    }

    /// The figures of the school's peer group (none without one): its
    /// list's, less the school's own when the list holds it. Counts and
    /// pooled units are whole numbers and the rates are sorted, so this is
    /// what going through the members one by one gives.
    fn peer_figures(&self, me: SchoolRef, ctx: &Context) -> PeerFigures {
        let Some(group) = ctx.groups.get(me.index()).and_then(Option::as_ref) else {
            return PeerFigures {
                counted: 0,
                events: 0,
                trials: 0,
                list: Arc::default(),
                without: None,
            };
        };
        let shared = group.shared();
        let list = self.list_figures(shared, ctx);
        let mut peers = PeerFigures {
            counted: list.counted,
            events: list.events,
            trials: list.trials,
            without: None,
            list,
        };
        if let Some(own) = shared.left_out() {
            if let Some(u) = self.counted(own, ctx) {
                peers.counted -= 1;
                peers.events -= u128::from(u.events);
                peers.trials -= u128::from(u.trials);
            }
            if let Some(u) = self.usable(own, ctx) {
                peers.without = Some(crate::stats::position_of(&peers.list.shown, rate(u)));
            }
        }
        peers
    }

    /// The counted figures of the city's schools of `level` pooled.
    fn level_total(&self, level: Level, ctx: &Context) -> LevelTotal {
        let levels = self.levels.get_or_init(|| {
            let mut levels: BTreeMap<Level, LevelTotal> = BTreeMap::new();
            for i in 0..self.by_school.len() {
                let s = SchoolRef(i as u32);
                if let Some(u) = self.counted(s, ctx) {
                    let total = levels.entry(ctx.levels[i]).or_default();
                    total.events += u128::from(u.events);
                    total.trials += u128::from(u.trials);
                    total.schools += 1;
                }
            }
            levels
        });
        levels.get(&level).copied().unwrap_or_default()
    }

    /// The funnel plot of the school (when its figure may be printed): its
    /// own point and the limits at sizes from a tenth to ten times its own. Peers are not drawn: their
    /// points and sizes would show them one by one.
    pub fn funnel_plot(&self, me: SchoolRef, ctx: &Context) -> Option<FunnelPlot> {
        let (funnel, own, against) = self.funnel(me, ctx)?;
        const STEPS: u32 = 40;
        let curve = (0..=STEPS)
            .map(|k| {
                // Evenly spaced on a log scale, as funnel plots are read.
                let factor = 10f64.powf(2.0 * f64::from(k) / f64::from(STEPS) - 1.0);
                let trials = ((own.trials as f64 * factor).round() as u64).max(1);
                FunnelPoint {
                    trials,
                    limits: funnel.limits(trials),
                }
            })
            .collect();
        Some(FunnelPlot {
            target: funnel.target,
            against,
            school_trials: own.trials,
            school_rate: rate(own),
            curve,
        })
    }

    /// The peers' figure (see [`PeerSpread`]): over the counted figures of
    /// the group, when there are at least `min_peer_schools`.
    fn peer_spread(&self, me: SchoolRef, ctx: &Context, peers: &PeerFigures) -> Option<PeerSpread> {
        if peers.counted < ctx.min_peer_schools {
            return None;
        }
        if peers.shown() >= MIN_SCHOOLS_FOR_SPREAD {
            return PeerSpread::quartiles_without(&peers.list.shown, peers.without);
        }
        // The funnel's target: the peers and the school together, pooled
        // (in u128: a city's half days summed never overflow).
        let own = self.counted(me, ctx);
        let trials = peers.trials + own.map_or(0, |u| u128::from(u.trials));
        let events = peers.events + own.map_or(0, |u| u128::from(u.events));
        (trials > 0).then(|| PeerSpread::pooled(events as f64 / trials as f64, peers.counted))
    }

    /// The school's figure beside its peers, the city and the funnel.
    pub fn compare(&self, me: SchoolRef, ctx: &Context) -> Comparison {
        let own = self.by_school.get(me.index()).and_then(Option::as_ref);
        let school = match own {
            None => Figure::Missing,
            Some(f) if f.unit.trials == 0 => Figure::Missing,
            Some(_) => match self.usable(me, ctx) {
                Some(unit) => Figure::Value(rate(unit)),
                None => Figure::Suppressed,
            },
        };
        let peers = self.peer_figures(me, ctx);
        let city = self.level_total(ctx.levels[me.index()], ctx);
        // Pooled over too few schools, the city figure and a school's own
        // would give away the others'.
        let others = city.schools - usize::from(self.counted(me, ctx).is_some());
        let spread = self.peer_spread(me, ctx, &peers);
        let judged = match school {
            Figure::Value(_) if self.judged => {
                self.funnel(me, ctx)
                    .map(|(funnel, own, against)| Judgement {
                        position: funnel.position(own),
                        against,
                        target: funnel.target,
                        limits: funnel.limits(own.trials),
                        z: funnel.z(own),
                        overdispersed: funnel.overdispersion.is_some(),
                    })
            }
            _ => None,
        };
        Comparison {
            school,
            peers: spread,
            city: (others >= ctx.min_peer_schools && city.trials > 0)
                .then(|| city.events as f64 / city.trials as f64),
            judged,
        }
    }
}

/// The figure of a usable unit (which always has trials).
fn rate(unit: Unit) -> f64 {
    unit.rate().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PeerFigure;
    use crate::funnel::Position;

    /// Eleven primary schools, each compared with the ten others. School 0
    /// has 5 pupils from 15 half days out of 1000; schools 1 and 2 have 3
    /// and 4 out of 400, counts their own mirrors withhold (1-4 pupils);
    /// schools 3-10 have none out of 400.
    fn rare_threshold() -> (Field, Vec<Option<PeerGroup>>) {
        let field = Field::new(11, |s| {
            let (events, trials) = match s.index() {
                0 => (5, 1000),
                1 => (3, 400),
                2 => (4, 400),
                _ => (0, 400),
            };
            Some(SchoolFigure {
                unit: Unit { events, trials },
                pupils: trials as u32,
                shown: !(1..5).contains(&events),
            })
        });
        let groups = (0..11u32)
            .map(|me| {
                let others = (0..11).filter(|s| *s != me).map(SchoolRef).collect();
                Some(PeerGroup::pinned_for_test(others))
            })
            .collect();
        (field, groups)
    }

    fn context(groups: &[Option<PeerGroup>]) -> Context<'_> {
        Context {
            levels: vec![Level::Primary; groups.len()],
            held_back: vec![false; groups.len()],
            groups,
            min_pupils: 5,
            min_peer_schools: 5,
        }
    }

    /// Every school of the group counts in the target: (5 + 3 + 4 + 8 x 0)
    /// / (1000 + 10 x 400) = 12 / 5000 = 0.0024. Without the two withheld
    /// peers it would be 5 / 4200 (0.0012), and for any school with none
    /// itself 0, the limits [0, 0]: any pupil at all "higher". At 0.0024
    /// school 0 expects 2.4 pupils; 5 or more has a binomial chance of 9.6%,
    /// within the limits (which the overdispersion found, I phi = 19.2 over
    /// chi-square's 18.3 with 10 degrees of freedom, only widens).
    #[test]
    fn withheld_peers_count_in_the_target_and_the_pooled_figure() {
        let (field, groups) = rare_threshold();
        let ctx = context(&groups);
        let c = field.compare(SchoolRef(0), &ctx);
        assert_eq!(c.school, Figure::Value(0.005));
        let judged = c.judged.expect("a usable figure with ten peers");
        assert_eq!(judged.target, 12.0 / 5000.0);
        assert_eq!(judged.against, Against::Peers);
        assert_eq!(judged.position, Position::Within);
        // Eight of the ten peers are shown, fewer than 10: the printed peer
        // figure is the pooled one, the target, over all ten peers.
        let spread = c.peers.expect("ten peers");
        assert_eq!(
            (spread.figure, spread.median, spread.schools),
            (PeerFigure::Pooled, 12.0 / 5000.0, 10)
        );
        // A school with none is compared against 0.0024 too, never against 0.
        for s in 3..11 {
            let c = field.compare(SchoolRef(s), &ctx);
            let judged = c.judged.expect("shown");
            assert_eq!(judged.target, 12.0 / 5000.0);
            assert_eq!(judged.position, Position::Within);
        }
        // The withheld peers are not printed and get no judgement.
        let withheld = field.compare(SchoolRef(1), &ctx);
        assert_eq!(
            (withheld.school, withheld.judged),
            (Figure::Suppressed, None)
        );
        // The city figure pools all eleven schools the same way.
        assert_eq!(c.city, Some(12.0 / 5000.0));
    }

    /// Ten shown peers with 1 to 10 events out of 100 (and the school with
    /// 50): their median and middle half, type 7 quartiles at positions
    /// 2.25, 4.5 and 6.75 of 0.01..0.10: 0.0325, 0.055, 0.0775.
    #[test]
    fn ten_shown_peers_get_a_median_and_a_middle_half() {
        let field = Field::new(11, |s| {
            let events = if s.index() == 0 { 50 } else { u64::from(s.0) };
            Some(SchoolFigure {
                unit: Unit {
                    events,
                    trials: 100,
                },
                pupils: 100,
                shown: true,
            })
        });
        let (_, groups) = rare_threshold();
        let spread = field
            .compare(SchoolRef(0), &context(&groups))
            .peers
            .expect("ten peers");
        assert_eq!(spread.figure, PeerFigure::Median);
        let [lower, upper] = spread.middle_half().expect("ten shown");
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(lower, 0.0325) && close(spread.median, 0.055) && close(upper, 0.0775));
        assert_eq!(spread.schools, 10);
    }

    /// Every school's group read from one list shared with the school
    /// itself (as the rules method builds them) against a list of the
    /// others per school: the same comparisons and funnels, bit for bit.
    fn shared_and_pinned_agree(field: &Field, schools: u32) {
        let shared: Vec<Option<PeerGroup>> =
            PeerGroup::shared_for_test((0..schools).map(SchoolRef).collect())
                .into_iter()
                .map(Some)
                .collect();
        let pinned: Vec<Option<PeerGroup>> = (0..schools)
            .map(|me| {
                let others = (0..schools).filter(|s| *s != me).map(SchoolRef).collect();
                Some(PeerGroup::pinned_for_test(others))
            })
            .collect();
        let (a, b) = (context(&shared), context(&pinned));
        for s in (0..schools).map(SchoolRef) {
            assert_eq!(field.compare(s, &a), field.compare(s, &b), "{s:?}");
            assert_eq!(field.funnel_plot(s, &a), field.funnel_plot(s, &b), "{s:?}");
        }
    }

    /// Twelve schools with 1 to 12 events out of 100, every one compared
    /// with the eleven others from one shared list. School k's peers, the
    /// others sorted, have type 7 quartiles at positions 2.5, 5 and 7.5
    /// (0-based): the median is the 6th of the others, 7 for k up to 6 (7
    /// is the 6th once k is gone) and 6 above; the lower quartile is halfway
    /// between the 3rd and 4th, 4 and 5 for k up to 3, 3 and 5 for k = 4, 3
    /// and 4 above; the upper halfway between the 8th and 9th, 9 and 10 for
    /// k up to 8, 8 and 10 for k = 9, 8 and 9 above (in hundredths).
    #[test]
    fn each_school_of_a_shared_list_gets_the_quartiles_of_the_others() {
        let field = Field::new(12, |s| {
            Some(SchoolFigure {
                unit: Unit {
                    events: u64::from(s.0) + 1,
                    trials: 100,
                },
                pupils: 100,
                shown: true,
            })
        });
        let groups: Vec<Option<PeerGroup>> =
            PeerGroup::shared_for_test((0..12).map(SchoolRef).collect())
                .into_iter()
                .map(Some)
                .collect();
        let ctx = context(&groups);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        for k in 1..=12u32 {
            let spread = field
                .compare(SchoolRef(k - 1), &ctx)
                .peers
                .expect("eleven peers");
            assert_eq!((spread.figure, spread.schools), (PeerFigure::Median, 11));
            let median = if k <= 6 { 0.07 } else { 0.06 };
            let lower = match k {
                ..=3 => 0.045,
                4 => 0.04,
                _ => 0.035,
            };
            let upper = match k {
                ..=8 => 0.095,
                9 => 0.09,
                _ => 0.085,
            };
            assert_eq!(spread.median, median, "school {k}");
            assert!(
                close(spread.lower_quartile, lower),
                "school {k}: {spread:?}"
            );
            assert!(
                close(spread.upper_quartile, upper),
                "school {k}: {spread:?}"
            );
        }
        shared_and_pinned_agree(&field, 12);
    }

    /// The rare threshold of [`rare_threshold`] from one shared list: each
    /// school's peers pooled are the list's less its own (12 events of 5000
    /// with the school, as before), the withheld schools still counted.
    #[test]
    fn a_shared_list_pools_and_fits_as_a_list_of_the_others() {
        let (field, _) = rare_threshold();
        let groups: Vec<Option<PeerGroup>> =
            PeerGroup::shared_for_test((0..11).map(SchoolRef).collect())
                .into_iter()
                .map(Some)
                .collect();
        let c = field.compare(SchoolRef(0), &context(&groups));
        let spread = c.peers.expect("ten peers");
        assert_eq!(
            (spread.figure, spread.median, spread.schools),
            (PeerFigure::Pooled, 12.0 / 5000.0, 10)
        );
        assert_eq!(c.judged.expect("shown").target, 12.0 / 5000.0);
        shared_and_pinned_agree(&field, 11);
        // Some schools without the figure, one held back: the same again.
        let (mut field, _) = rare_threshold();
        field.by_school[4] = None;
        field.by_school[7] = Some(SchoolFigure {
            unit: Unit {
                events: 0,
                trials: 0,
            },
            pupils: 0,
            shown: true,
        });
        shared_and_pinned_agree(&field, 11);
    }
}
