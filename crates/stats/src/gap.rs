//! The gap between two groups (for example the most deprived 20% of a system's population,
//! "Core20", against the rest) with its confidence interval, and whether a gap narrows over
//! time.
//!
//! # The gap and its interval
//!
//! The gap is D = θ₁ − θ₂, the first group's estimate less the second's. Its limits come from
//! each estimate's own limits by the method of variance estimates recovery (MOVER) of Zou &
//! Donner (2008), which for two proportions with Wilson score limits is Newcombe's (1998)
//! hybrid score interval (his method 10):
//!
//! ```text
//! L = D − √((θ₁ − l₁)² + (u₂ − θ₂)²)
//! U = D + √((u₁ − θ₁)² + (θ₂ − l₂)²)
//! ```
//!
//! It keeps each estimate's asymmetry (a rate's Byar limits, a proportion's Wilson limits), so
//! it suits any statistic the engine gives with limits, and needs no counts. The two groups
//! must be independent (they are: Core20 and the rest share no one).
//!
//! # Whether the gap narrows
//!
//! Given the gap at three or more periods tᵢ (years, not necessarily consecutive) with its 95%
//! limits, the weighted least-squares slope of the gap on time, weights wᵢ = 1/σᵢ² with
//! σᵢ = (Uᵢ − Lᵢ)/(2·Φ⁻¹(0.975)) (the same regression as the portal's recent trend for values
//! with limits):
//!
//! ```text
//! β̂ = (S_w S_wtD − S_wt S_wD) / (S_w S_wt² − S_wt²),   SE(β̂) = √(S_w / (S_w S_wt² − S_wt²))
//! ```
//!
//! and its interval β̂ ± z·SE(β̂) at the level asked for. The gap **narrows** when the whole
//! interval of the slope points towards zero from the side the latest gap is on (β̂'s limits
//! both negative for a positive gap, both positive for a negative one), **widens** when it
//! points away, and shows **no significant change** otherwise (or when the latest gap is
//! exactly zero). Fewer than three periods, or periods all at one time, give **not enough
//! periods**. The test is on the gap's size, so it needs no polarity: a narrowing gap is good
//! whichever group is ahead.
//!
//! References: G. Y. Zou and A. Donner (2008), "Construction of confidence limits about
//! effect measures: a general approach", Statistics in Medicine 27(10); R. G. Newcombe (1998),
//! "Interval estimation for the difference between independent proportions: comparison of
//! eleven methods", Statistics in Medicine 17(8).

use crate::confidence::ConfidenceLevel;
use crate::distributions::normal_quantile;
use crate::error::StatsError;

/// An estimate with its lower and upper limits at one confidence level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounded {
    /// The estimate.
    pub value: f64,
    /// The lower limit.
    pub lower: f64,
    /// The upper limit.
    pub upper: f64,
}

impl Bounded {
    /// Checks that the three numbers are finite and that lower ≤ value ≤ upper.
    ///
    /// # Errors
    /// A number that is not finite, or limits that do not bracket the value (`what` names the
    /// estimate in the message).
    pub fn new(value: f64, lower: f64, upper: f64, what: &'static str) -> Result<Bounded, StatsError> {
        for v in [value, lower, upper] {
            if !v.is_finite() {
                return Err(StatsError::NotFinite { field: what, value: v });
            }
        }
        if lower > value || value > upper {
            return Err(StatsError::Invalid(format!(
                "{what}: the limits {lower} to {upper} do not bracket the value {value}"
            )));
        }
        Ok(Bounded { value, lower, upper })
    }
}

/// The gap between two independent estimates, `first − second`, with its MOVER limits
/// (Zou & Donner 2008) at the level both sets of limits are at.
pub fn gap(first: Bounded, second: Bounded) -> Bounded {
    let d = first.value - second.value;
    let lower = d - ((first.value - first.lower).powi(2) + (second.upper - second.value).powi(2)).sqrt();
    let upper = d + ((first.upper - first.value).powi(2) + (second.value - second.lower).powi(2)).sqrt();
    Bounded { value: d, lower, upper }
}

/// Whether a gap narrows over the periods available.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapChange {
    /// The slope's interval lies wholly on the side of moving the gap towards zero.
    Narrowing,
    /// The slope's interval lies wholly on the side of moving the gap away from zero.
    Widening,
    /// The slope's interval includes zero (or the latest gap is zero).
    NoSignificantChange,
    /// Fewer than three periods, or no spread in time.
    NotEnoughPeriods,
}

impl GapChange {
    /// The words shown on a scorecard: "narrowing", "widening", "no significant change", "not
    /// enough periods".
    pub fn as_str(self) -> &'static str {
        match self {
            GapChange::Narrowing => "narrowing",
            GapChange::Widening => "widening",
            GapChange::NoSignificantChange => "no significant change",
            GapChange::NotEnoughPeriods => "not enough periods",
        }
    }
}

/// The test of a gap's trend: the slope per unit of time with its interval, and the verdict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GapTrend {
    /// The weighted least-squares slope of the gap per unit of time, with its limits (`None`
    /// when there are not enough periods).
    pub slope: Option<Bounded>,
    /// The periods the test used.
    pub periods: usize,
    /// The verdict.
    pub change: GapChange,
}

/// Tests whether a gap narrows: `points` are (time, gap with its **95%** limits), in any
/// order; `level` is the confidence level of the slope's interval (the verdict's test).
///
/// # Errors
/// A time that is not finite, a gap whose limits do not bracket it, or a gap with zero width
/// (it would carry infinite weight).
pub fn gap_trend(points: &[(f64, Bounded)], level: ConfidenceLevel) -> Result<GapTrend, StatsError> {
    let z95 = normal_quantile(0.975);
    let (mut sw, mut swt, mut swt2, mut swd, mut swtd) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut latest: Option<(f64, f64)> = None;
    for &(t, g) in points {
        if !t.is_finite() {
            return Err(StatsError::NotFinite { field: "the period", value: t });
        }
        let g = Bounded::new(g.value, g.lower, g.upper, "the gap")?;
        let sigma = (g.upper - g.lower) / (2.0 * z95);
        if sigma <= 0.0 {
            return Err(StatsError::Invalid(format!(
                "the gap at period {t} has limits of no width ({} to {}): it cannot be weighted",
                g.lower, g.upper
            )));
        }
        let w = 1.0 / (sigma * sigma);
        sw += w;
        swt += w * t;
        swt2 += w * t * t;
        swd += w * g.value;
        swtd += w * t * g.value;
        if latest.is_none_or(|(lt, _)| t > lt) {
            latest = Some((t, g.value));
        }
    }
    let denominator = sw * swt2 - swt * swt;
    let too_few = GapTrend { slope: None, periods: points.len(), change: GapChange::NotEnoughPeriods };
    if points.len() < 3 || denominator <= 0.0 || !denominator.is_finite() {
        return Ok(too_few);
    }
    let beta = (sw * swtd - swt * swd) / denominator;
    let se = (sw / denominator).sqrt();
    let z = level.z();
    let slope = Bounded { value: beta, lower: beta - z * se, upper: beta + z * se };
    // The slope of the gap's size: the slope itself for a positive gap, reversed for a negative.
    let side = match latest {
        Some((_, d)) if d > 0.0 => 1.0,
        Some((_, d)) if d < 0.0 => -1.0,
        _ => 0.0,
    };
    let (low, high) = if side > 0.0 { (slope.lower, slope.upper) } else { (-slope.upper, -slope.lower) };
    let change = if side == 0.0 {
        GapChange::NoSignificantChange
    } else if high < 0.0 {
        GapChange::Narrowing
    } else if low > 0.0 {
        GapChange::Widening
    } else {
        GapChange::NoSignificantChange
    };
    Ok(GapTrend { slope: Some(slope), periods: points.len(), change })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proportion::{wilson_lower, wilson_upper};

    fn level(p: f64) -> ConfidenceLevel {
        ConfidenceLevel::new(p).unwrap()
    }

    fn wilson(x: f64, n: f64) -> Bounded {
        let c = level(0.95);
        Bounded { value: x / n, lower: wilson_lower(x, n, c), upper: wilson_upper(x, n, c) }
    }

    /// Newcombe (1998), Table II, example (a): 56/70 − 48/80, method 10 (score interval for
    /// each proportion, combined): 0.0524 to 0.3339.
    #[test]
    fn the_gap_of_two_proportions_is_newcombes_hybrid_score_interval() {
        let g = gap(wilson(56.0, 70.0), wilson(48.0, 80.0));
        assert!((g.value - 0.2).abs() < 1e-15);
        assert_eq!((g.lower * 1e4).round() / 1e4, 0.0524);
        assert_eq!((g.upper * 1e4).round() / 1e4, 0.3339);
    }

    /// Worked by hand: 10 (8 to 13) less 6 (5 to 8): D = 4, L = 4 − √(2² + 2²) = 1.1716,
    /// U = 4 + √(3² + 1²) = 7.1623.
    #[test]
    fn the_gap_keeps_each_estimates_asymmetry() {
        let g = gap(Bounded { value: 10.0, lower: 8.0, upper: 13.0 }, Bounded { value: 6.0, lower: 5.0, upper: 8.0 });
        assert_eq!(g.value, 4.0);
        assert!((g.lower - (4.0 - 8f64.sqrt())).abs() < 1e-12);
        assert!((g.upper - (4.0 + 10f64.sqrt())).abs() < 1e-12);
    }

    /// σ = 1 at every period (limits ± 1.959964): gaps 10, 8, 6 at t = 1, 2, 3. S_w = 3,
    /// S_wt = 6, S_wt² = 14, S_wD = 24, S_wtD = 44: β̂ = (3·44 − 6·24)/(3·14 − 36) = −12/6 = −2,
    /// SE = √(3/6) = 0.70711; 95% interval −2 ± 1.385904 = (−3.385904, −0.614096): narrowing.
    #[test]
    fn a_gap_falling_significantly_narrows() {
        let z = normal_quantile(0.975);
        let at = |t: f64, d: f64| (t, Bounded { value: d, lower: d - z, upper: d + z });
        let r = gap_trend(&[at(1.0, 10.0), at(2.0, 8.0), at(3.0, 6.0)], level(0.95)).unwrap();
        let s = r.slope.unwrap();
        assert!((s.value + 2.0).abs() < 1e-12);
        assert!((s.lower - (-2.0 - z * 0.5f64.sqrt())).abs() < 1e-12);
        assert!((s.upper - (-2.0 + z * 0.5f64.sqrt())).abs() < 1e-12);
        assert_eq!(r.change, GapChange::Narrowing);
        // The same fall of a negative gap (−10, −8, −6 is rising towards zero: narrowing;
        // −6, −8, −10 moves away: widening).
        let up = gap_trend(&[at(1.0, -10.0), at(2.0, -8.0), at(3.0, -6.0)], level(0.95)).unwrap();
        assert_eq!(up.change, GapChange::Narrowing);
        let away = gap_trend(&[at(2020.0, -6.0), at(2021.0, -8.0), at(2022.0, -10.0)], level(0.95)).unwrap();
        assert_eq!(away.change, GapChange::Widening);
        // A rising positive gap widens.
        let wider = gap_trend(&[at(3.0, 10.0), at(1.0, 6.0), at(2.0, 8.0)], level(0.95)).unwrap();
        assert_eq!(wider.change, GapChange::Widening);
    }

    /// Gaps 10, 9.5, 10.2 with σ = 1: β̂ = 0.1, SE 0.7071, the interval spans zero.
    #[test]
    fn a_flat_gap_shows_no_significant_change_and_two_periods_are_not_enough() {
        let z = normal_quantile(0.975);
        let at = |t: f64, d: f64| (t, Bounded { value: d, lower: d - z, upper: d + z });
        let r = gap_trend(&[at(1.0, 10.0), at(2.0, 9.5), at(3.0, 10.2)], level(0.95)).unwrap();
        assert!((r.slope.unwrap().value - 0.1).abs() < 1e-12);
        assert_eq!(r.change, GapChange::NoSignificantChange);
        let two = gap_trend(&[at(1.0, 10.0), at(2.0, 6.0)], level(0.95)).unwrap();
        assert_eq!(two.change, GapChange::NotEnoughPeriods);
        assert_eq!(two.slope, None);
        let same_time = gap_trend(&[at(1.0, 10.0), at(1.0, 6.0), at(1.0, 8.0)], level(0.95)).unwrap();
        assert_eq!(same_time.change, GapChange::NotEnoughPeriods);
        // Gaps 6, 4, 2 are narrowing at 95% (β̂ = −2, limits −3.39 to −0.61) but not at 99.8%
        // (−2 ± 3.090232 × 0.70711 = −4.185 to 0.185).
        let strict = gap_trend(&[at(1.0, 6.0), at(2.0, 4.0), at(3.0, 2.0)], level(0.998)).unwrap();
        assert_eq!(strict.change, GapChange::NoSignificantChange);
    }

    #[test]
    fn bad_gaps_are_refused() {
        let bad = Bounded { value: 5.0, lower: 6.0, upper: 7.0 };
        assert!(gap_trend(&[(1.0, bad)], level(0.95)).is_err());
        let flat = Bounded { value: 5.0, lower: 5.0, upper: 5.0 };
        assert!(gap_trend(&[(1.0, flat), (2.0, flat), (3.0, flat)], level(0.95)).is_err());
        assert!(Bounded::new(f64::NAN, 0.0, 1.0, "the gap").is_err());
    }
}
