//! Funnel plots: each school's figure against control limits that narrow as
//! the school grows, so that chance in a small school is not read as a signal
//! (Spiegelhalter 2005, "Funnel plots for comparing institutional
//! performance", Stat Med 24:1185-1202).
//!
//! A [`Unit`] is one school's figure as events out of trials: problematic half
//! days out of the half days pupils were expected, or pupils from a threshold
//! out of pupils. The target is the pooled rate of the units unless given.
//!
//! Method:
//! - Below [`EXACT_BELOW_TRIALS`] trials, exact binomial limits interpolated
//!   as in Spiegelhalter's appendix: for a tail probability p, r is the
//!   smallest count with F(r) >= p (F the Binomial(n, target) CDF),
//!   alpha = (F(r) - p) / (F(r) - F(r - 1)), and the limit is (r - alpha) / n.
//!   Lower limits apply this to the events; upper limits apply it to the
//!   non-events (one minus their lower limit at 1 - target). Applied to the
//!   events at 1 - p instead, it flags the upper quantile's count itself
//!   however likely that count is (3 out of 3 at target 0.9, probability 0.73,
//!   would lie above the 99.8% limit). This way a unit lies below the lower
//!   limit exactly when P(X <= events) < p and above the upper one exactly
//!   when P(X >= events) < p.
//! - From [`EXACT_BELOW_TRIALS`] on (half days run to 10^5-10^7 per school),
//!   the normal approximation target ± z sqrt(target (1 - target) / n), which
//!   agrees with the exact limits to 1e-4 there for targets 0.001-0.999.
//! - Overdispersion (sections 3.2-3.3), from [`MIN_UNITS_FOR_OVERDISPERSION`]
//!   units with trials on: z_i = (y_i - target) / s_i with
//!   s_i^2 = target (1 - target) / n_i, winsorised at their 10th and 90th
//!   percentiles (linear interpolation between order statistics) so that a few
//!   outliers do not widen everybody's limits; phi = mean of z_i^2. When
//!   I phi exceeds the 95% quantile of chi-square with I - 1 degrees of
//!   freedom, the additive random-effects variance
//!   tau2 = (I phi - (I - 1)) / (sum w_i - sum w_i^2 / sum w_i), w_i = 1 / s_i^2,
//!   widens the limits to target ± z sqrt(s^2 + tau2); otherwise the limits
//!   stay binomial.
//! - A target of 0 or 1 leaves no room for chance: the limits are the target.

use serde::Serialize;

use crate::stats::quantile;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF, Normal};

/// From this many trials on, limits use the normal approximation: the exact
/// ones cost a binomial CDF per bisection step and differ by under 1e-4.
pub const EXACT_BELOW_TRIALS: u64 = 20_000;

/// With fewer units, phi rests on a handful of z-scores, one of which can
/// make it, and the chi-square test has almost no power: overdispersion is
/// not estimated.
pub const MIN_UNITS_FOR_OVERDISPERSION: usize = 5;

/// Tail probability on each side of the 95% and 99.8% limits.
const TAIL_95: f64 = 0.025;
const TAIL_998: f64 = 0.001;
/// Share of z-scores winsorised at each end (Spiegelhalter's 10%).
const WINSORISED: f64 = 0.1;
/// Level of the chi-square test that decides whether units are overdispersed.
const OVERDISPERSION_LEVEL: f64 = 0.95;

/// One school's figure as events out of trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub events: u64,
    pub trials: u64,
}

impl Unit {
    /// Events per trial; `None` without trials, which carry no evidence.
    pub(crate) fn rate(self) -> Option<f64> {
        (self.trials > 0).then(|| self.events as f64 / self.trials as f64)
    }
}

/// Where a unit lies in the funnel; "within" unless beyond a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    Low998,
    Low95,
    Within,
    High95,
    High998,
}

/// How much more the units vary than chance alone would make them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Overdispersion {
    /// Mean squared winsorised z-score: about 1 when only chance is at work.
    pub phi: f64,
    /// Variance between schools added to each limit (> 0).
    pub tau2: f64,
}

/// Lower and upper control limits on the rate scale, within [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Limits {
    pub lower95: f64,
    pub upper95: f64,
    pub lower998: f64,
    pub upper998: f64,
}

/// A fitted funnel: the target and, when estimable, the overdispersion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funnel {
    pub target: f64,
    /// `Some` only when the units are overdispersed. Never with fewer than
    /// [`MIN_UNITS_FOR_OVERDISPERSION`] units with trials, nor at a target
    /// of 0 or 1 (no binomial spread to compare with).
    pub overdispersion: Option<Overdispersion>,
}

#[derive(Clone, Copy)]
enum Side {
    Lower,
    Upper,
}

impl Funnel {
    /// Fits the funnel to `units`; the target is their pooled rate unless
    /// given. Units without trials are left out. `None` when there is no
    /// target: no trials and none given, or a target outside [0, 1] (which
    /// pooled units have only with more events than trials).
    pub fn fit(units: &[Unit], target: Option<f64>) -> Option<Funnel> {
        let units: Vec<Unit> = units.iter().copied().filter(|u| u.trials > 0).collect();
        let target = match target {
            Some(t) => t,
            None => {
                // Integer sums: the target does not depend on the units' order.
                let events: u128 = units.iter().map(|u| u128::from(u.events)).sum();
                let trials: u128 = units.iter().map(|u| u128::from(u.trials)).sum();
                if trials == 0 {
                    return None;
                }
                events as f64 / trials as f64
            }
        };
        if !(0.0..=1.0).contains(&target) {
            return None;
        }
        Some(Funnel {
            target,
            overdispersion: overdispersion(&units, target),
        })
    }

    /// The control limits for a unit with `trials` trials; without trials
    /// the funnel is open: 0 to 1.
    pub fn limits(&self, trials: u64) -> Limits {
        let limit = |tail, side| self.limit(trials, tail, side);
        Limits {
            lower95: limit(TAIL_95, Side::Lower),
            upper95: limit(TAIL_95, Side::Upper),
            lower998: limit(TAIL_998, Side::Lower),
            upper998: limit(TAIL_998, Side::Upper),
        }
    }

    /// Where `unit` lies: beyond a limit only when strictly beyond it. A unit
    /// without trials is within.
    pub fn position(&self, unit: Unit) -> Position {
        let Some(rate) = unit.rate() else {
            return Position::Within;
        };
        let l = self.limits(unit.trials);
        if rate < l.lower998 {
            Position::Low998
        } else if rate < l.lower95 {
            Position::Low95
        } else if rate > l.upper998 {
            Position::High998
        } else if rate > l.upper95 {
            Position::High95
        } else {
            Position::Within
        }
    }

    /// The unit's z-score, (rate - target) / sqrt(s^2 + tau2), for the
    /// methodology page. 0 without trials (no evidence); infinite when the
    /// target is 0 or 1 and the rate differs from it.
    pub fn z(&self, unit: Unit) -> f64 {
        let Some(rate) = unit.rate() else {
            return 0.0;
        };
        if rate == self.target {
            return 0.0;
        }
        (rate - self.target) / self.variance(unit.trials).sqrt()
    }

    /// s^2 + tau2 for a unit with `trials` (> 0) trials.
    fn variance(&self, trials: u64) -> f64 {
        let tau2 = self.overdispersion.map_or(0.0, |o| o.tau2);
        binomial_variance(self.target, trials) + tau2
    }

    fn limit(&self, trials: u64, tail: f64, side: Side) -> f64 {
        let t = self.target;
        if trials == 0 {
            return match side {
                Side::Lower => 0.0,
                Side::Upper => 1.0,
            };
        }
        if t == 0.0 || t == 1.0 {
            return t;
        }
        let limit = if self.overdispersion.is_some() || trials >= EXACT_BELOW_TRIALS {
            normal_limit(t, self.variance(trials), tail, side)
        } else {
            exact_limit(trials, t, tail, side)
        };
        limit.clamp(0.0, 1.0)
    }
}

/// target (1 - target) / n: the binomial variance of a rate over n trials.
fn binomial_variance(target: f64, trials: u64) -> f64 {
    target * (1.0 - target) / trials as f64
}

fn normal_limit(target: f64, variance: f64, tail: f64, side: Side) -> f64 {
    // z for the upper tail, e.g. 1.96 for 0.025.
    let z = -Normal::standard().inverse_cdf(tail);
    match side {
        Side::Lower => target - z * variance.sqrt(),
        Side::Upper => target + z * variance.sqrt(),
    }
}

/// The interpolated exact limit (module doc), not yet clamped to [0, 1].
fn exact_limit(trials: u64, target: f64, tail: f64, side: Side) -> f64 {
    match side {
        Side::Lower => interpolated_quantile(trials, target, tail),
        Side::Upper => 1.0 - interpolated_quantile(trials, 1.0 - target, tail),
    }
}

/// Spiegelhalter's interpolated p-quantile of Binomial(n, target), as a rate.
fn interpolated_quantile(trials: u64, target: f64, p: f64) -> f64 {
    let Ok(binomial) = Binomial::new(target, trials) else {
        // Only a target outside [0, 1], which `Funnel::fit` refuses.
        return target;
    };
    // Bisection for the smallest r with F(r) >= p; F(n) = 1 >= p.
    let (mut low, mut high) = (0, trials);
    while low < high {
        let mid = low + (high - low) / 2;
        if binomial.cdf(mid) >= p {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    let at = binomial.cdf(high);
    let below = if high == 0 {
        0.0
    } else {
        binomial.cdf(high - 1)
    };
    // F(r - 1) < p <= F(r), so the denominator is positive.
    let alpha = (at - p) / (at - below);
    (high as f64 - alpha) / trials as f64
}

/// phi and tau2 of the units with trials, when they are overdispersed
/// (module doc).
fn overdispersion(units: &[Unit], target: f64) -> Option<Overdispersion> {
    let phi = phi(units, target)?;
    let count = units.len() as f64;
    let critical = ChiSquared::new(count - 1.0)
        .ok()?
        .inverse_cdf(OVERDISPERSION_LEVEL);
    if count * phi <= critical {
        return None;
    }
    // w_i = n_i / (target (1 - target)): sum w - sum w^2 / sum w from integer
    // sums of the trials, exact and order-free.
    let trials: u128 = units.iter().map(|u| u128::from(u.trials)).sum();
    let squares: u128 = units.iter().map(|u| u128::from(u.trials).pow(2)).sum();
    let spread = (trials as f64 - squares as f64 / trials as f64) / (target * (1.0 - target));
    let tau2 = (count * phi - (count - 1.0)) / spread;
    Some(Overdispersion { phi, tau2 })
}

/// The mean squared winsorised z-score of the units (all with trials);
/// `None` when they are too few or the target is 0 or 1.
fn phi(units: &[Unit], target: f64) -> Option<f64> {
    if units.len() < MIN_UNITS_FOR_OVERDISPERSION || target <= 0.0 || target >= 1.0 {
        return None;
    }
    let mut z: Vec<f64> = units
        .iter()
        .filter_map(|u| Some((u.rate()? - target) / binomial_variance(target, u.trials).sqrt()))
        .collect();
    // Sorted, so phi does not depend on the units' order either.
    z.sort_by(f64::total_cmp);
    let (low, high) = (quantile(&z, WINSORISED), quantile(&z, 1.0 - WINSORISED));
    Some(z.iter().map(|z| z.clamp(low, high).powi(2)).sum::<f64>() / z.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(events: u64, trials: u64) -> Unit {
        Unit { events, trials }
    }

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    fn units(events: [u64; 10], trials: [u64; 10]) -> Vec<Unit> {
        events
            .into_iter()
            .zip(trials)
            .map(|(e, n)| unit(e, n))
            .collect()
    }

    /// Trials of the ten units of the overdispersion tests.
    const TEN: [u64; 10] = [120, 250, 400, 600, 800, 1000, 1500, 2000, 3000, 5000];

    fn plain(target: f64) -> Funnel {
        Funnel {
            target,
            overdispersion: None,
        }
    }

    /// n = 10, target 0.2. Lower: F(0) = 0.8^10 = 0.107374 >= 0.025, so
    /// r = 0, alpha = (0.107374 - 0.025) / 0.107374 = 0.767, limit -0.077:
    /// clamped to 0 (likewise at 0.001). Upper, on the non-events
    /// M ~ Bin(10, 0.8): F_M(3) = 0.000864, F_M(4) = 0.006369,
    /// F_M(5) = 0.032793. At 0.025: m = 5, alpha = (0.032793 - 0.025) /
    /// (0.032793 - 0.006369) = 0.29494, upper95 = 1 - (5 - 0.29494) / 10 =
    /// 0.529494. At 0.001: m = 4, alpha = (0.006369 - 0.001) /
    /// (0.006369 - 0.000864) = 0.97536, upper998 = 1 - (4 - 0.97536) / 10 =
    /// 0.697536. scipy 1.17.1 (binom.ppf/cdf, same formula):
    /// 0.5294938829210069 and 0.6975360398065475.
    #[test]
    fn exact_limits_interpolate_ten_trials_at_one_fifth() {
        let l = plain(0.2).limits(10);
        assert_eq!((l.lower95, l.lower998), (0.0, 0.0));
        assert!(close(l.upper95, 0.5294938829210069, 1e-12));
        assert!(close(l.upper998, 0.6975360398065475, 1e-12));
        // Exact tests: P(X >= 6) = 1 - F(5) = 0.0064 < 0.025 but >= 0.001;
        // P(X >= 7) = 0.00086 < 0.001.
        let f = plain(0.2);
        assert_eq!(f.position(unit(5, 10)), Position::Within);
        assert_eq!(f.position(unit(6, 10)), Position::High95);
        assert_eq!(f.position(unit(7, 10)), Position::High998);
        assert_eq!(f.position(unit(0, 10)), Position::Within);
    }

    /// scipy 1.17.1, the formula of the module doc with binom.ppf/binom.cdf,
    /// limits [lower998, lower95, upper95, upper998].
    #[test]
    fn exact_limits_match_scipy() {
        #[rustfmt::skip]
        let cases = [
            (100, 0.3, [0.16026074689111872, 0.20690238579107306, 0.3969120141637881, 0.45156262386084933]),
            (1000, 0.05, [0.029503347373078578, 0.03640434768212438, 0.06444649322307627, 0.0730166796237357]),
            (19_999, 0.02, [0.01698458136598207, 0.01805752296168432, 0.021988133014120947, 0.02315145692803322]),
        ];
        for (trials, target, expected) in cases {
            let l = plain(target).limits(trials);
            let got = [l.lower998, l.lower95, l.upper95, l.upper998];
            for (g, e) in got.into_iter().zip(expected) {
                assert!(close(g, e, 1e-9), "{trials} {target}: {g} vs {e}");
            }
        }
    }

    /// At the crossover the exact and normal limits agree to 1e-4 for
    /// targets 0.001-0.999 (a scipy scan gave at most 9.5e-5, at target
    /// 0.004); at half the crossover they do not, so it cannot be much lower.
    #[test]
    fn normal_approximation_agrees_with_exact_at_the_crossover() {
        let gap = |trials: u64, target: f64, tail: f64, side: Side| {
            let variance = binomial_variance(target, trials);
            let exact = exact_limit(trials, target, tail, side).clamp(0.0, 1.0);
            (exact - normal_limit(target, variance, tail, side).clamp(0.0, 1.0)).abs()
        };
        for target in [0.001, 0.004, 0.02, 0.2, 0.5, 0.8, 0.98, 0.999] {
            for tail in [TAIL_95, TAIL_998] {
                for side in [Side::Lower, Side::Upper] {
                    assert!(
                        gap(EXACT_BELOW_TRIALS, target, tail, side) < 1e-4,
                        "{target}"
                    );
                }
            }
        }
        assert!(gap(EXACT_BELOW_TRIALS / 2, 0.004, TAIL_998, Side::Upper) > 1e-4);
        // No visible step in the funnel where the method changes.
        let (before, after) = (
            plain(0.004).limits(EXACT_BELOW_TRIALS - 1),
            plain(0.004).limits(EXACT_BELOW_TRIALS),
        );
        assert!(close(before.upper998, after.upper998, 1e-4));
    }

    /// NumPy 2.4.6 / scipy 1.17.1 on these 10 units: target = 1070 / 14670 =
    /// 0.07293796864349011, z from -4.906 to 4.507, winsorised to
    /// np.percentile(z, [10, 90]) = [-4.838955, 3.865562], phi =
    /// 10.750256382096339; I phi = 107.5 > chi2.ppf(0.95, 9) = 16.919, so
    /// tau2 = (107.5 - 9) / (sum w - sum w^2 / sum w) = 0.0005657081668424672.
    #[test]
    fn overdispersed_units_widen_the_limits() {
        let units = units([6, 20, 14, 60, 40, 110, 60, 190, 150, 420], TEN);
        let f = Funnel::fit(&units, None).expect("units have trials");
        assert!(close(f.target, 0.07293796864349011, 1e-15));
        let o = f.overdispersion.expect("10 units");
        assert!(close(o.phi, 10.750256382096339, 1e-10));
        assert!(close(o.tau2, 0.0005657081668424672, 1e-13));
        // norm.ppf: target ± z sqrt(target (1 - target) / 1000 + tau2).
        let l = f.limits(1000);
        assert_eq!(l.lower998, 0.0); // -0.0048, clamped
        assert!(close(l.lower95, 0.02361356827106393, 1e-10));
        assert!(close(l.upper95, 0.1222623690159163, 1e-10));
        assert!(close(l.upper998, 0.1507066708826777, 1e-10));
        // Adjusted z-scores (NumPy): all within ±1.96, so nobody is flagged,
        // though 1500 and 3000 trials lie far below a binomial funnel.
        assert!(close(f.z(units[6]), -1.33276007, 1e-7));
        assert!(close(f.z(units[5]), 1.4727041, 1e-7));
        assert!(units.iter().all(|u| f.position(*u) == Position::Within));
        assert_eq!(plain(f.target).position(units[6]), Position::Low998);
    }

    /// NumPy as above: z = [..., 3.969] for 480 / 5000, winsorised to
    /// 0.7778546; phi = 1.1237840266135073 and I phi = 11.24 < 16.919: the
    /// one outlier stands out against binomial limits instead of widening
    /// everybody's.
    #[test]
    fn one_outlier_is_winsorised_not_overdispersion() {
        let units = units([8, 22, 26, 42, 62, 70, 118, 140, 216, 480], TEN);
        let f = Funnel::fit(&units, None).expect("units have trials");
        let phi = phi(&units, f.target).expect("10 units");
        assert!(close(phi, 1.1237840266135073, 1e-10));
        assert_eq!(f.overdispersion, None);
        assert_eq!(f.position(units[9]), Position::High998);
        assert!(
            units[..9]
                .iter()
                .all(|u| f.position(*u) == Position::Within)
        );
    }

    #[test]
    fn zero_events_everywhere_flags_nobody() {
        let units = [unit(0, 5), unit(0, 300), unit(0, 50_000)];
        let f = Funnel::fit(&units, None).expect("units have trials");
        assert_eq!(f.target, 0.0);
        assert_eq!(f.overdispersion, None);
        let l = f.limits(300);
        assert_eq!([l.lower998, l.lower95, l.upper95, l.upper998], [0.0; 4]);
        assert!(units.iter().all(|u| f.position(*u) == Position::Within));
        assert_eq!(f.z(units[1]), 0.0);
        // Any event is impossible at a target of 0.
        assert_eq!(f.position(unit(1, 300)), Position::High998);
    }

    #[test]
    fn all_events_everywhere_flags_nobody() {
        let units = [
            unit(3, 3),
            unit(40, 40),
            unit(25_000, 25_000),
            unit(7, 7),
            unit(9, 9),
        ];
        let f = Funnel::fit(&units, None).expect("units have trials");
        assert_eq!(f.target, 1.0);
        assert_eq!(f.overdispersion, None);
        assert_eq!(f.limits(3).lower998, 1.0);
        assert!(units.iter().all(|u| f.position(*u) == Position::Within));
        assert_eq!(f.position(unit(2, 3)), Position::Low998);
    }

    #[test]
    fn a_unit_without_trials_is_left_out_and_never_flagged() {
        let with = [unit(10, 100), unit(30, 100), unit(0, 0)];
        let f = Funnel::fit(&with, None).expect("units have trials");
        assert_eq!(f, Funnel::fit(&with[..2], None).expect("units have trials"));
        assert_eq!(f.target, 0.2);
        assert_eq!(f.position(unit(0, 0)), Position::Within);
        assert_eq!(f.z(unit(0, 0)), 0.0);
        let l = f.limits(0);
        assert_eq!((l.lower998, l.upper998), (0.0, 1.0));
    }

    /// n = 3, target 0.1: F = 0.729, 0.972, 0.999, 1. Upper95 on the
    /// non-events M ~ Bin(3, 0.9): F_M(0) = 0.001, F_M(1) = 0.028, m = 1,
    /// alpha = (0.028 - 0.025) / 0.027 = 1/9, upper95 = 1 - (1 - 1/9) / 3 =
    /// 0.703704 (scipy 1.17.1: 0.7037037037037035); upper998 = 1.
    #[test]
    fn a_tiny_school_is_not_flagged_for_one_pupil() {
        let f = plain(0.1);
        let l = f.limits(3);
        assert_eq!((l.lower998, l.lower95), (0.0, 0.0));
        assert!(close(l.upper95, 0.7037037037037035, 1e-12));
        assert!(close(l.upper998, 1.0, 1e-12));
        assert_eq!(f.position(unit(1, 3)), Position::Within);
        // P(X >= 2) = 0.028: not below 0.025 either.
        assert_eq!(f.position(unit(2, 3)), Position::Within);
    }

    #[test]
    fn identical_rates_are_not_overdispersed() {
        let units: Vec<Unit> = (1..=8).map(|k| unit(10 * k, 100 * k)).collect();
        let f = Funnel::fit(&units, None).expect("units have trials");
        assert_eq!(f.target, 0.1);
        assert_eq!(phi(&units, f.target), Some(0.0));
        assert_eq!(f.overdispersion, None);
        assert!(units.iter().all(|u| f.position(*u) == Position::Within));
    }

    #[test]
    fn four_units_are_too_few_for_overdispersion() {
        let units = [
            unit(1, 1000),
            unit(900, 1000),
            unit(1, 1000),
            unit(900, 1000),
        ];
        let f = Funnel::fit(&units, None).expect("units have trials");
        assert_eq!(f.overdispersion, None);
        assert_eq!(f.position(units[0]), Position::Low998);
        let five = [units.as_slice(), &[unit(450, 1000)]].concat();
        let tau2 = Funnel::fit(&five, None)
            .and_then(|f| f.overdispersion)
            .map(|o| o.tau2);
        assert!(tau2.is_some_and(|t| t > 0.1));
    }

    #[test]
    fn the_units_order_does_not_change_the_funnel() {
        let units: Vec<Unit> = (1..=12)
            .map(|k| unit(k * k % 17 + 3, 40 + 13 * k))
            .collect();
        let reversed: Vec<Unit> = units.iter().rev().copied().collect();
        let (a, b) = (Funnel::fit(&units, None), Funnel::fit(&reversed, None));
        let bits = |f: Option<Funnel>| {
            let f = f.expect("units have trials");
            let o = f.overdispersion.expect("12 units");
            [f.target, o.phi, o.tau2].map(f64::to_bits)
        };
        assert_eq!(bits(a), bits(b));
    }

    #[test]
    fn no_target_without_trials_unless_given() {
        assert_eq!(Funnel::fit(&[unit(0, 0)], None), None);
        assert_eq!(Funnel::fit(&[], Some(1.5)), None);
        assert_eq!(Funnel::fit(&[unit(3, 2)], None), None);
        let given = Funnel::fit(&[], Some(0.2)).expect("target given");
        assert_eq!(given.limits(10), plain(0.2).limits(10));
    }
}
