//! "Rising" and "falling" only when a change between two periods is unlikely
//! to be chance (two-sided, at 5%); otherwise "steady".
//!
//! Two tests, for the two kinds of figure:
//! - [`two_proportions`]: a share of pupils (e.g. from 15 problematic half
//!   days) in two years, from the government's yearly figures. Pupils are
//!   independent, so the pooled two-proportion z-test applies, with Yates's
//!   continuity correction (as R's `prop.test`): without it, 0 of 2 pupils
//!   against 2 of 2 would count as significant (z = 2).
//! - [`rate_change`]: problematic half days over expected half days, built
//!   from pupils. One pupil's half days go together, so a binomial test
//!   would be far too confident; the rate is a ratio estimator over pupils
//!   with the linearised (cluster-robust) variance
//!   var(R) = N / (N - 1) sum_i (y_i - R n_i)^2 / (sum_i n_i)^2.
//!   The difference over sqrt(v1 + v2) is compared with Student's t with
//!   Welch-Satterthwaite degrees of freedom: with a school's hundreds of
//!   pupils that is the normal distribution, and with a handful it stops a
//!   variance guessed from two pupils from looking certain.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::funnel::Unit;

/// Two-sided level below which a change is called rising or falling.
const SIGNIFICANCE: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Rising,
    Falling,
    Steady,
}

/// The outcome of a test, with what the methodology page shows of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChangeTest {
    pub change: Change,
    /// After minus before, on the rate scale.
    pub difference: f64,
    /// The test statistic (continuity-corrected for proportions).
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
}

impl ChangeTest {
    /// A test's result, called rising or falling only below the 5% level.
    pub fn new(difference: f64, z: f64, p_value: f64) -> Self {
        let change = if p_value >= SIGNIFICANCE {
            Change::Steady
        } else if difference > 0.0 {
            Change::Rising
        } else {
            Change::Falling
        };
        ChangeTest {
            change,
            difference,
            z,
            p_value,
        }
    }

    /// No difference, and none possible by chance either.
    fn none() -> Self {
        ChangeTest::new(0.0, 0.0, 1.0)
    }
}

/// Pooled two-proportion z-test with continuity correction. `None` when a
/// side has no trials or more events than trials.
pub fn two_proportions(before: Unit, after: Unit) -> Option<ChangeTest> {
    let (Some(p1), Some(p2)) = (before.rate(), after.rate()) else {
        return None;
    };
    if p1 > 1.0 || p2 > 1.0 {
        return None;
    }
    let (n1, n2) = (before.trials as f64, after.trials as f64);
    let pooled = (before.events + after.events) as f64 / (n1 + n2);
    let spread = 1.0 / n1 + 1.0 / n2;
    let se = (pooled * (1.0 - pooled) * spread).sqrt();
    if se == 0.0 {
        // Nobody, or everybody, in both years.
        return Some(ChangeTest::none());
    }
    let difference = p2 - p1;
    // Half a count per side, but never past no difference at all.
    let corrected = difference.abs() - (0.5 * spread).min(difference.abs());
    let z = corrected.copysign(difference) / se;
    let p_value = 2.0 * Normal::standard().sf(z.abs());
    Some(ChangeTest::new(difference, z, p_value))
}

/// Problematic half days over expected half days, from pupils.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RatioEstimate {
    pub rate: f64,
    /// Linearised variance of the rate (module doc).
    pub variance: f64,
    /// Pupils with expected half days.
    pub pupils: u64,
}

impl RatioEstimate {
    /// From each pupil's (problematic, expected) half days.
    pub fn from_pupils(pupils: impl IntoIterator<Item = (u64, u64)>) -> Option<Self> {
        let mut sums = RatioAccumulator::default();
        for (events, trials) in pupils {
            sums.add(events, trials);
        }
        Self::from_accumulator(&sums)
    }

    /// `None` with fewer than two pupils (a variance needs two) or sums too
    /// large for exact arithmetic (far beyond any city's half days).
    pub fn from_accumulator(sums: &RatioAccumulator) -> Option<Self> {
        let s = sums;
        if s.pupils < 2
            || [s.events, s.trials, s.events_sq, s.trials_sq, s.cross].contains(&u128::MAX)
        {
            return None;
        }
        // Sn^2 sum (y - R n)^2 = Syy Sn^2 - 2 Sy Syn Sn + Sy^2 Snn, in whole
        // numbers: no cancellation, and never negative.
        let positive = s
            .events_sq
            .checked_mul(s.trials)?
            .checked_mul(s.trials)?
            .checked_add(s.events.checked_mul(s.events)?.checked_mul(s.trials_sq)?)?;
        let negative = s
            .events
            .checked_mul(s.cross)?
            .checked_mul(s.trials)?
            .checked_mul(2)?;
        let residuals = positive.checked_sub(negative)?;
        let n = s.pupils as f64;
        let trials = s.trials as f64;
        Some(RatioEstimate {
            rate: s.events as f64 / trials,
            variance: n / (n - 1.0) * residuals as f64 / trials.powi(4),
            pupils: s.pupils,
        })
    }
}

/// Running sums from which a [`RatioEstimate`] follows, so that counting
/// need not keep each pupil's half days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatioAccumulator {
    pupils: u64,
    events: u128,
    trials: u128,
    events_sq: u128,
    trials_sq: u128,
    /// Sum of events x trials.
    cross: u128,
}

impl RatioAccumulator {
    /// Adds one pupil's problematic and expected half days. A pupil without
    /// expected half days is not in the sample. Sums saturate instead of
    /// overflowing, and a saturated sum yields no estimate.
    pub fn add(&mut self, events: u64, trials: u64) {
        if trials == 0 {
            return;
        }
        let (y, n) = (u128::from(events), u128::from(trials));
        self.pupils = self.pupils.saturating_add(1);
        self.events = self.events.saturating_add(y);
        self.trials = self.trials.saturating_add(n);
        self.events_sq = self.events_sq.saturating_add(y * y);
        self.trials_sq = self.trials_sq.saturating_add(n * n);
        self.cross = self.cross.saturating_add(y * n);
    }
}

/// Whether the rate changed from `before` to `after` (module doc). Steady
/// when the rates are equal and neither varies between pupils (zero events
/// in both, say); `None` when they differ but neither varies, which leaves
/// nothing to measure chance by.
pub fn rate_change(before: &RatioEstimate, after: &RatioEstimate) -> Option<ChangeTest> {
    let difference = after.rate - before.rate;
    let variance = before.variance + after.variance;
    if variance == 0.0 {
        return (difference == 0.0).then(ChangeTest::none);
    }
    let z = difference / variance.sqrt();
    let share = |e: &RatioEstimate| e.variance.powi(2) / e.pupils.saturating_sub(1) as f64;
    let freedom = variance.powi(2) / (share(before) + share(after));
    let p_value = 2.0 * StudentsT::new(0.0, 1.0, freedom).ok()?.sf(z.abs());
    Some(ChangeTest::new(difference, z, p_value))
}

/// One school year's rate and the variance of it, for [`trend`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearRate {
    pub rate: f64,
    pub variance: f64,
}

/// A straight-line trend of the rate over consecutive school years.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendTest {
    /// `rising` or `falling` only below the 5% level.
    pub change: Change,
    /// The slope: the rate's change per school year.
    pub per_year: f64,
    /// The years tested, the reported one last.
    pub years: usize,
    /// How much more the years scatter around the line than their
    /// variances allow (at least 1).
    pub phi: f64,
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
}

/// The least-squares line through the yearly rates, each weighted by the
/// inverse of its variance; `None` with fewer than three years (two are the
/// year-on-year change) or a year without variance. The slope's variance,
/// 1 / Sxx on the weights, is multiplied by phi = max(1, Q / (k - 2)), Q
/// the weighted squared residuals: years that scatter around the line more
/// than their own variances allow (a city-wide event, a change of intake,
/// the same pupils absent two years running) widen it, as the funnel's
/// overdispersion does. The years' covariance through pupils who stay is
/// left out: docs/methodology.md says why that is conservative.
pub fn trend(years: &[YearRate]) -> Option<TrendTest> {
    let k = years.len();
    if k < 3
        || years
            .iter()
            .any(|y| y.variance.is_nan() || y.variance <= 0.0)
    {
        return None;
    }
    let points: Vec<(f64, f64, f64)> = years
        .iter()
        .enumerate()
        .map(|(x, y)| (x as f64, y.rate, 1.0 / y.variance))
        .collect();
    let weight: f64 = points.iter().map(|p| p.2).sum();
    let mean_x = points.iter().map(|p| p.2 * p.0).sum::<f64>() / weight;
    let mean_y = points.iter().map(|p| p.2 * p.1).sum::<f64>() / weight;
    let sxx: f64 = points.iter().map(|p| p.2 * (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points
        .iter()
        .map(|p| p.2 * (p.0 - mean_x) * (p.1 - mean_y))
        .sum();
    let per_year = sxy / sxx;
    let residuals: f64 = points
        .iter()
        .map(|p| p.2 * (p.1 - mean_y - per_year * (p.0 - mean_x)).powi(2))
        .sum();
    let phi = (residuals / (k - 2) as f64).max(1.0);
    let z = per_year / (phi / sxx).sqrt();
    let p_value = 2.0 * Normal::standard().sf(z.abs());
    let ChangeTest { change, .. } = ChangeTest::new(per_year, z, p_value);
    Some(TrendTest {
        change,
        per_year,
        years: k,
        phi,
        z,
        p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(events: u64, trials: u64) -> Unit {
        Unit { events, trials }
    }

    /// p-values are checked to 1e-9: statrs' erfc differs from scipy's by up
    /// to 3e-11 here.
    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    /// 400 pupils expected 80, 100, 120, 100 half days in turn.
    fn school(problematic: [u64; 4], repeat: usize) -> RatioEstimate {
        let pupils = (0..repeat).flat_map(|_| problematic.into_iter().zip([80, 100, 120, 100]));
        RatioEstimate::from_pupils(pupils).expect("many pupils")
    }

    /// 30/1000 to 60/1000: pooled 0.045, se = sqrt(0.045 0.955 (2/1000)) =
    /// 0.0092709, z = (0.03 - 0.001) / se = 3.1281. scipy 1.17.1,
    /// chi2_contingency([[30, 970], [60, 940]], correction=True):
    /// sqrt(chi2) = 3.128059874837772, p = 0.001759643310875951.
    #[test]
    fn a_doubled_share_is_rising_and_its_mirror_falling() {
        let t = two_proportions(unit(30, 1000), unit(60, 1000)).expect("trials");
        assert_eq!(t.change, Change::Rising);
        assert!(close(t.difference, 0.03, 1e-15));
        assert!(close(t.z, 3.128059874837772, 1e-12));
        assert!(close(t.p_value, 0.001759643310875951, 1e-9));
        let t = two_proportions(unit(60, 1000), unit(30, 1000)).expect("trials");
        assert_eq!(t.change, Change::Falling);
        assert!(close(t.z, -3.128059874837772, 1e-12));
    }

    /// scipy 1.17.1, chi2_contingency([[30, 970], [40, 960]]): sqrt(chi2) =
    /// 1.095039619858549, p = 0.2734992793248273.
    #[test]
    fn a_small_rise_in_share_is_steady() {
        let t = two_proportions(unit(30, 1000), unit(40, 1000)).expect("trials");
        assert_eq!(t.change, Change::Steady);
        assert!(close(t.z, 1.095039619858549, 1e-12));
        assert!(close(t.p_value, 0.2734992793248273, 1e-9));
    }

    /// 0 of 2 to 2 of 2: pooled 0.5, se = sqrt(0.25 (1/2 + 1/2)) = 0.5,
    /// z = (1 - 0.5) / 0.5 = 1 (uncorrected 2, p 0.046); scipy 1.17.1
    /// chi2_contingency([[0, 2], [2, 0]]): p = 0.31731050786291115.
    #[test]
    fn two_pupils_each_are_too_few_to_call_a_share_rising() {
        let t = two_proportions(unit(0, 2), unit(2, 2)).expect("trials");
        assert_eq!(t.change, Change::Steady);
        assert!(close(t.z, 1.0, 1e-15));
        assert!(close(t.p_value, 0.31731050786291115, 1e-9));
    }

    #[test]
    fn equal_shares_and_zero_events_are_steady() {
        for (before, after) in [
            (unit(0, 500), unit(0, 600)),
            (unit(50, 1000), unit(100, 2000)),
        ] {
            let t = two_proportions(before, after).expect("trials");
            assert_eq!((t.change, t.z, t.p_value), (Change::Steady, 0.0, 1.0));
        }
        assert_eq!(two_proportions(unit(0, 0), unit(1, 10)), None);
        assert_eq!(two_proportions(unit(3, 2), unit(1, 10)), None);
    }

    /// The pupils' sums give what the per-pupil formula gives; NumPy 2.4.6
    /// on these six pupils: R = 25 / 615 = 0.04065040650406504, var =
    /// 0.00021255825061454762.
    #[test]
    fn running_sums_agree_with_the_per_pupil_formula() {
        let pupils = [
            (0, 80),
            (3, 100),
            (1, 120),
            (7, 95),
            (0, 0),
            (12, 160),
            (2, 60),
        ];
        let e = RatioEstimate::from_pupils(pupils).expect("six pupils");
        // The pupil without expected half days is not in the sample.
        assert_eq!(e.pupils, 6);
        let counted: Vec<(f64, f64)> = pupils
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|&(y, n)| (y as f64, n as f64))
            .collect();
        let trials: f64 = counted.iter().map(|(_, n)| n).sum();
        let rate = counted.iter().map(|(y, _)| y).sum::<f64>() / trials;
        let residuals: f64 = counted.iter().map(|(y, n)| (y - rate * n).powi(2)).sum();
        let direct = 6.0 / 5.0 * residuals / trials.powi(2);
        assert!(close(e.rate, rate, 1e-15));
        assert!(close(e.variance, direct, 1e-15 * direct));
        assert!(close(e.variance, 0.00021255825061454762, 1e-15));
    }

    /// NumPy 2.4.6 and scipy 1.17.1 (t.sf) on the same pupils: before R =
    /// 0.01, var 3.558897243107769e-07; after R = 0.02, var
    /// 7.969924812030075e-07; z = 9.313384477985574, df = 696.1, p = 1.59e-19.
    #[test]
    fn a_doubled_rate_over_400_pupils_is_rising() {
        let (before, after) = (school([0, 0, 1, 3], 100), school([0, 1, 2, 5], 100));
        assert!(close(before.variance, 3.558897243107769e-07, 1e-20));
        assert!(close(after.variance, 7.969924812030075e-07, 1e-20));
        let t = rate_change(&before, &after).expect("variance");
        assert_eq!(t.change, Change::Rising);
        assert!(close(t.z, 9.313384477985574, 1e-11));
        assert!(close(t.p_value, 1.593902034990671e-19, 1e-22));
    }

    /// The same kind of school with 40 pupils and a quarter more half days:
    /// NumPy/scipy as above: z = 0.9185807350767683, df = 77.98,
    /// p = 0.36114758401509295.
    #[test]
    fn a_small_rise_in_rate_is_steady() {
        let t =
            rate_change(&school([0, 0, 1, 3], 10), &school([0, 0, 2, 3], 10)).expect("variance");
        assert_eq!(t.change, Change::Steady);
        assert!(close(t.z, 0.9185807350767683, 1e-12));
        assert!(close(t.p_value, 0.36114758401509295, 1e-10));
    }

    /// Before: 0 and 2 of 100, R = 0.01, var = 2 (1 + 1) / 200^2 = 1e-4.
    /// After: 5 and 7 of 100, R = 0.06, var = 1e-4. z = 0.05 / sqrt(2e-4) =
    /// 3.5355, df = (2e-4)^2 / (1e-8 + 1e-8) = 2; scipy 1.17.1:
    /// 2 t.sf(3.5355, 2) = 0.07152330911474067 (the normal: 0.0004).
    #[test]
    fn two_pupils_each_are_too_few_to_call_a_rate_rising() {
        let before = RatioEstimate::from_pupils([(0, 100), (2, 100)]).expect("two pupils");
        let after = RatioEstimate::from_pupils([(5, 100), (7, 100)]).expect("two pupils");
        assert!(close(before.variance, 1e-4, 1e-18));
        let t = rate_change(&before, &after).expect("variance");
        assert!(close(t.z, 0.05 / 2e-4_f64.sqrt(), 1e-12));
        assert!(close(t.p_value, 0.07152330911474067, 1e-10));
        assert_eq!(t.change, Change::Steady);
        assert_eq!(RatioEstimate::from_pupils([(5, 100), (0, 0)]), None);
    }

    #[test]
    fn zero_events_and_identical_rates_are_steady() {
        let none = RatioEstimate::from_pupils([(0, 100), (0, 80), (0, 120)]).expect("pupils");
        assert_eq!((none.rate, none.variance), (0.0, 0.0));
        let t = rate_change(&none, &none).expect("equal");
        assert_eq!((t.change, t.z, t.p_value), (Change::Steady, 0.0, 1.0));
        let same = school([0, 0, 1, 3], 100);
        let t = rate_change(&same, &same).expect("variance");
        assert_eq!((t.change, t.z, t.p_value), (Change::Steady, 0.0, 1.0));
        // Every pupil alike in each year, but the years differ: no test.
        let even = RatioEstimate::from_pupils([(1, 100), (1, 100)]).expect("pupils");
        assert_eq!(rate_change(&none, &even), None);
    }

    fn years(rates: [f64; 3], variance: f64) -> Vec<YearRate> {
        rates.map(|rate| YearRate { rate, variance }).to_vec()
    }

    /// 5%, 6%, 8% with variance 0.0001 each (weights 10 000): Sxx = 10 000
    /// (1 + 0 + 1) = 20 000, slope = 10 000 (0.08 - 0.05) / 20 000 = 0.015;
    /// residuals around 0.0633 + 0.015 (x - 1): 1/600, -1/300, 1/600, Q =
    /// 10 000 x 1/60 000 = 1/6 < 1 so phi = 1; z = 0.015 / sqrt(1/20 000) =
    /// 2.1213, p = 2 (1 - Phi(2.1213)) = 0.033895.
    #[test]
    fn three_rising_years_are_a_rising_trend() {
        let t = trend(&years([0.05, 0.06, 0.08], 0.0001)).expect("three years");
        assert_eq!((t.change, t.years, t.phi), (Change::Rising, 3, 1.0));
        assert!(close(t.per_year, 0.015, 1e-12));
        assert!(close(t.z, 2.121320343559643, 1e-9));
        assert!(close(t.p_value, 0.033894853524689, 1e-9));
    }

    /// 5%, 8%, 7% with variance 0.00001 (weights 100 000): slope 0.01;
    /// residuals -1/150, 2/150, -1/150 around 0.0667 + 0.01 (x - 1), Q =
    /// 100 000 x 6/22 500 = 26.667 = phi (k - 2 = 1). z = 0.01 /
    /// sqrt(26.667 / 200 000) = 0.8660, p = 0.3865: steady. Without phi, z
    /// would be 4.47: the years' own scatter says the line is not sure.
    #[test]
    fn years_scattered_around_the_line_are_no_trend() {
        let t = trend(&years([0.05, 0.08, 0.07], 0.00001)).expect("three years");
        assert_eq!(t.change, Change::Steady);
        assert!(close(t.phi, 80.0 / 3.0, 1e-9));
        assert!(close(t.z, 0.8660254037844386, 1e-9));
        assert!(close(t.p_value, 0.38647623077123266, 1e-9));
    }

    /// Two years are a change, not a trend; a year without variance cannot
    /// be weighed.
    #[test]
    fn a_trend_needs_three_years_with_a_variance() {
        assert_eq!(trend(&years([0.05, 0.06, 0.08], 0.0001)[..2]), None);
        assert_eq!(trend(&years([0.05, 0.06, 0.08], 0.0)), None);
    }
}
