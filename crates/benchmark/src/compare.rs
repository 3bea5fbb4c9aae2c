//! One figure of every school at once, so that a school's figure can be set
//! beside its peers' spread, the city's and the funnel's limits.

use mirror_model::{Level, SchoolRef};

use crate::funnel::{Funnel, Unit};
use crate::peers::PeerGroup;
use crate::{Against, Comparison, Figure, FunnelPlot, FunnelPoint, Judgement, PeerSpread, stats};

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
#[derive(Debug, Clone)]
pub(crate) struct Field {
    by_school: Vec<Option<SchoolFigure>>,
    /// Whether the school's figure is placed on a funnel. Not for parts of a
    /// school (a grade, a form): the limits and z-score would give the part's
    /// size, and with the school's totals a withheld part's figure.
    judged: bool,
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
        }
    }

    /// The same, never placed on a funnel.
    pub fn unjudged(mut self) -> Self {
        self.judged = false;
        self
    }

    /// The school's unit if it may be printed and compared: about enough
    /// pupils, shown by disclosure control, with something to divide by, and
    /// from data without errors.
    fn usable(&self, school: SchoolRef, ctx: &Context) -> Option<Unit> {
        let f = self.by_school.get(school.index())?.as_ref()?;
        (f.pupils >= ctx.min_pupils
            && f.shown
            && f.unit.trials > 0
            && !ctx.held_back[school.index()])
        .then_some(f.unit)
    }

    pub fn unit(&self, school: SchoolRef) -> Option<Unit> {
        self.by_school.get(school.index())?.map(|f| f.unit)
    }

    /// The funnel of the school's peer group with the school in it; without
    /// a peer group, of the city's schools of its level (with at least
    /// `min_peer_schools` others). `None` unless the school's figure is usable.
    fn funnel(&self, me: SchoolRef, ctx: &Context) -> Option<(Funnel, Unit, Against)> {
        let own = self.usable(me, ctx)?;
        let peers = self.peer_units(me, ctx);
        let (mut units, against) = if peers.len() >= ctx.min_peer_schools {
            (peers, Against::Peers)
        } else {
            let others = self.level_units(me, ctx, false);
            if others.len() < ctx.min_peer_schools {
                return None;
            }
            (others, Against::City)
        };
        units.push(own);
        Some((Funnel::fit(&units, None)?, own, against))
    }

    /// The usable figures of the school's peer group (empty without one).
    fn peer_units(&self, me: SchoolRef, ctx: &Context) -> Vec<Unit> {
        ctx.groups
            .get(me.index())
            .and_then(Option::as_ref)
            .map(|g| {
                g.members()
                    .iter()
                    .filter_map(|m| self.usable(*m, ctx))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The usable figures of the city's schools of the school's level, with
    /// or without the school itself.
    fn level_units(&self, me: SchoolRef, ctx: &Context, with_me: bool) -> Vec<Unit> {
        let level = ctx.levels[me.index()];
        (0..self.by_school.len())
            .map(|i| SchoolRef(i as u32))
            .filter(|s| (with_me || *s != me) && ctx.levels[s.index()] == level)
            .filter_map(|s| self.usable(s, ctx))
            .collect()
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
        let peers = self.peer_units(me, ctx);
        let city = self.level_units(me, ctx, true);
        // Pooled over too few schools, the city figure and a school's own
        // would give away the others'.
        let others = city.len() - usize::from(self.usable(me, ctx).is_some());
        let spread = (peers.len() >= ctx.min_peer_schools).then(|| {
            let values: Vec<f64> = peers.iter().map(|u| rate(*u)).collect();
            let [lower_quartile, median, upper_quartile] =
                stats::quartiles(&values).expect("at least min_peer_schools values");
            PeerSpread {
                lower_quartile,
                median,
                upper_quartile,
                schools: values.len(),
            }
        });
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
            city: (others >= ctx.min_peer_schools)
                .then(|| pooled(&city))
                .flatten(),
            judged,
        }
    }
}

/// The figure of a usable unit (which always has trials).
fn rate(unit: Unit) -> f64 {
    unit.rate().unwrap_or(0.0)
}

/// Events over trials of all units together (in u128: a city's half days
/// summed never overflow).
fn pooled(units: &[Unit]) -> Option<f64> {
    let trials: u128 = units.iter().map(|u| u128::from(u.trials)).sum();
    let events: u128 = units.iter().map(|u| u128::from(u.events)).sum();
    (trials > 0).then(|| events as f64 / trials as f64)
}
