//! One figure of every school at once, so that a school's figure can be set
//! beside its peers' spread, the city's and the funnel's limits.

use mirror_model::{Level, SchoolRef};

use crate::funnel::{Funnel, Unit};
use crate::peers::PeerGroup;
use crate::{Against, Comparison, Figure, FunnelPlot, FunnelPoint, Judgement, PeerSpread, stats};

/// A figure as events out of trials (problematic half days out of expected
/// ones, pupils from a threshold out of pupils, ...) for every school that
/// has it, with the pupils it is about.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    by_school: Vec<Option<(Unit, u32)>>,
}

/// What every comparison needs to know about the city.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub levels: Vec<Level>,
    pub groups: &'a [Option<PeerGroup>],
    pub min_pupils: u32,
    pub min_peer_schools: usize,
}

impl Field {
    pub fn new(schools: usize, figure: impl Fn(SchoolRef) -> Option<(Unit, u32)>) -> Self {
        Self {
            by_school: (0..schools).map(|i| figure(SchoolRef(i as u32))).collect(),
        }
    }

    /// The school's unit if the figure may be used at all: about enough
    /// pupils, with something to divide by.
    pub fn usable(&self, school: SchoolRef, ctx: &Context) -> Option<Unit> {
        let (unit, pupils) = self.by_school.get(school.index())?.as_ref()?;
        (*pupils >= ctx.min_pupils && unit.trials > 0).then_some(*unit)
    }

    pub fn unit(&self, school: SchoolRef) -> Option<Unit> {
        self.by_school.get(school.index())?.map(|(u, _)| u)
    }

    /// The funnel of the school's peer group with the school in it; without
    /// a peer group, of the city's schools of its level (with more than
    /// `min_peer_schools` others). `None` unless the school's figure is usable.
    pub fn funnel(&self, me: SchoolRef, ctx: &Context) -> Option<(Funnel, Unit, Against)> {
        let own = self.usable(me, ctx)?;
        let group = ctx.groups.get(me.index()).and_then(Option::as_ref);
        let peers: Vec<Unit> = group
            .map(|g| {
                g.members()
                    .iter()
                    .filter_map(|m| self.usable(*m, ctx))
                    .collect()
            })
            .unwrap_or_default();
        let level = ctx.levels[me.index()];
        let (mut units, against) = if peers.len() >= ctx.min_peer_schools {
            (peers, Against::Peers)
        } else {
            let others: Vec<Unit> = (0..self.by_school.len())
                .map(|i| SchoolRef(i as u32))
                .filter(|s| *s != me && ctx.levels[s.index()] == level)
                .filter_map(|s| self.usable(s, ctx))
                .collect();
            if others.len() <= ctx.min_peer_schools {
                return None;
            }
            (others, Against::City)
        };
        units.push(own);
        Some((Funnel::fit(&units, None)?, own, against))
    }

    /// The funnel plot of the school: its own point and the limits at sizes
    /// from a tenth to ten times its own. Peers are not drawn: their
    /// points and sizes would show them one by one.
    pub fn funnel_plot(&self, me: SchoolRef, shown: bool, ctx: &Context) -> Option<FunnelPlot> {
        if !shown {
            return None;
        }
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
    /// `shown` is what disclosure control allows for the school's own figure.
    pub fn compare(&self, me: SchoolRef, shown: bool, ctx: &Context) -> Comparison {
        let own = self.by_school.get(me.index()).and_then(Option::as_ref);
        let school = match own {
            None => Figure::Missing,
            Some((unit, _)) if unit.trials == 0 => Figure::Missing,
            Some(_) => match self.usable(me, ctx) {
                Some(unit) if shown => Figure::Value(rate(unit)),
                _ => Figure::Suppressed,
            },
        };
        let group = ctx.groups.get(me.index()).and_then(Option::as_ref);
        let peers: Vec<Unit> = group
            .map(|g| {
                g.members()
                    .iter()
                    .filter_map(|m| self.usable(*m, ctx))
                    .collect()
            })
            .unwrap_or_default();
        let level = ctx.levels[me.index()];
        let city: Vec<Unit> = (0..self.by_school.len())
            .map(|i| SchoolRef(i as u32))
            .filter(|s| ctx.levels[s.index()] == level)
            .filter_map(|s| self.usable(s, ctx))
            .collect();
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
            Figure::Value(_) => self
                .funnel(me, ctx)
                .map(|(funnel, own, against)| Judgement {
                    position: funnel.position(own),
                    against,
                    target: funnel.target,
                    limits: funnel.limits(own.trials),
                    z: funnel.z(own),
                    overdispersed: funnel.overdispersion.is_some(),
                }),
            _ => None,
        };
        Comparison {
            school,
            peers: spread,
            city: pooled(&city),
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
