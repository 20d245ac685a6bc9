//! Recent-trend markers: whether an indicator has been significantly increasing or decreasing
//! over its five most recent independent annual points, as the indicator portal (OHID
//! Fingertips) marks it on its spine charts, area profiles and data downloads.
//!
//! # Method
//!
//! The test uses the five most recent points, numbered t = 1 … 5 (one a year, no breaks).
//!
//! *Proportions* (crude or indirectly standardised), from counts cᵢ and denominators dᵢ: the
//! chi-squared test for trend in proportions (Cochran 1954; Armitage 1955),
//!
//! ```text
//! X² = S_d (S_d S_ct − S_c S_dt)² / ( S_c (S_d − S_c) (S_d S_dt² − S_dt²) )
//! S_d = Σdᵢ, S_c = Σcᵢ, S_ct = Σcᵢtᵢ, S_dt = Σdᵢtᵢ, S_dt² = Σdᵢtᵢ²
//! ```
//!
//! and the gradient β̂ is the least-squares slope of the logits ln(pᵢ/(1 − pᵢ)), pᵢ = cᵢ/dᵢ, on t.
//!
//! *Every other value type* (rates, ratios, life expectancy, slope index of inequality, means,
//! gaps …), from values yᵢ and 95% limits: the weighted least-squares regression of y on t with
//! weights wᵢ = 1/σᵢ², σᵢ = (Uᵢ − Lᵢ)/(2·z) and z = Φ⁻¹(0.975),
//!
//! ```text
//! β̂ = (S_w S_wyt − S_wt S_wy) / (S_w S_wt² − S_wt²),   Var(β̂) = S_w / (S_w S_wt² − S_wt²)
//! X² = β̂² / Var(β̂)
//! ```
//!
//! *Significance*: the trend is significant when X² exceeds 9.5495, the 99.8% point of the
//! chi-squared distribution with 1 degree of freedom (= Φ⁻¹(0.999)², a two-sided test at the
//! portal's 99.8% level).
//!
//! *Outliers*: a significant trend is marked only when it does not hang on one point: β̂ is
//! recomputed leaving out each of the five points in turn, and if any of those gradients is zero
//! or of the opposite sign the marker is "No significant change" (reason "Outlier found").
//!
//! *Wording* (by polarity): "Increasing and getting better", "Increasing and getting worse",
//! "Decreasing and getting better", "Decreasing and getting worse"; "Increasing" / "Decreasing"
//! with no judgement; "No significant change"; "Cannot be calculated".
//!
//! # When no trend is tested
//!
//! The guidance applies the tests only to series with at least five points, periods that are
//! independent (no overlapping or rolling periods), annual (not monthly or quarterly), with no
//! breaks, of a tested value type, with numerators and denominators (proportions) or confidence
//! intervals (other types). Here each failing criterion gives "Cannot be calculated" with a
//! [`TrendReason`]; rolling, overlapping and sub-annual periods are for the caller to exclude
//! (a [`TrendPoint`] is one independent calendar or financial year, named by its first year).
//!
//! # References
//!
//! OHID. Fingertips Public Health Technical Guidance, "Fingertips trend markers"
//! (<https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/Trend_markers.html>).
//! The implementation in the R package PHEindicatormethods (`assign_trend_markers`,
//! `calculate_trend_logistic_regression`, `calculate_trend_weighted_regression`; its test data
//! `testdata_trend_markers.xlsx`, whose worked examples are this module's tests) and in
//! Fingertips itself (`TrendMarkerCalculator`, `TrendRequest`, `TrendMarkerLabelProvider` in
//! `ukhsa-collaboration/fingertips-open` and `dhsc-govuk/FingertipsNext`). Armitage P. Tests for
//! linear trends in proportions and frequencies. Biometrics 1955; 11: 375-386. Altman DG.
//! Practical statistics for medical research. London: Chapman & Hall; 1991, §10.7.4.

use std::fmt;

use crate::comparison::Polarity;
use crate::distributions::{normal_quantile, regularized_gamma_q};
use crate::ConfidenceLevel;

/// The number of most recent points the test uses.
pub const POINTS_USED: usize = 5;

/// The critical value of the test: the 99.8% point of the chi-squared distribution with one
/// degree of freedom, Φ⁻¹(0.999)² = 9.549535706083… (PHEindicatormethods compares with 9.5495,
/// Fingertips with 9.54953570608324).
pub fn significance_threshold() -> f64 {
    let z = normal_quantile(0.999);
    z * z
}

/// The upper-tail probability of a chi-squared statistic on one degree of freedom,
/// P(χ²₁ > x) = Q(1/2, x/2); 1 for x ≤ 0, NaN for NaN.
pub fn chi_squared_p_value(chi_squared: f64) -> f64 {
    if chi_squared.is_nan() {
        return f64::NAN;
    }
    if chi_squared <= 0.0 {
        return 1.0;
    }
    regularized_gamma_q(0.5, chi_squared / 2.0)
}

/// How the recent trend of an indicator is tested, by its value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrendValueType {
    /// Proportions, crude or indirectly standardised: tested from numerators and denominators.
    Proportion,
    /// Rates (crude, directly or indirectly standardised), ratios, life expectancy, slope index
    /// of inequality, excess risk, means, medians and gaps: tested from values and their 95%
    /// confidence limits.
    Other,
    /// A value type the guidance does not test (counts, scores, …): always "Cannot be calculated".
    NotTested,
}

/// One point of an annual series: an independent (not rolling, not overlapping) one-year
/// period, named by its first calendar year (2019 for 2019 or 2019/20).
///
/// Proportions need `numerator` and `denominator`; other value types need `value`, `lower` and
/// `upper` (95% limits unless [`recent_trend_at`] is told otherwise). Missing is `None`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrendPoint {
    /// The period's first calendar year.
    pub year: i32,
    /// The indicator value (any multiplier, the same as the limits').
    pub value: Option<f64>,
    /// Lower confidence limit of the value.
    pub lower: Option<f64>,
    /// Upper confidence limit of the value.
    pub upper: Option<f64>,
    /// Numerator (count of events).
    pub numerator: Option<f64>,
    /// Denominator (population at risk).
    pub denominator: Option<f64>,
}

impl TrendPoint {
    /// A point of a proportion: its numerator and denominator.
    pub fn proportion(year: i32, numerator: f64, denominator: f64) -> Self {
        TrendPoint {
            year,
            value: None,
            lower: None,
            upper: None,
            numerator: Some(numerator),
            denominator: Some(denominator),
        }
    }

    /// A point of any other value type: its value and confidence limits.
    pub fn with_limits(year: i32, value: f64, lower: f64, upper: f64) -> Self {
        TrendPoint {
            year,
            value: Some(value),
            lower: Some(lower),
            upper: Some(upper),
            numerator: None,
            denominator: None,
        }
    }
}

/// The direction of a recent trend, before wording by polarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrendDirection {
    /// Significantly increasing.
    Increasing,
    /// Significantly decreasing.
    Decreasing,
    /// Tested, not significant (or hanging on one point).
    NoSignificantChange,
    /// Not tested: see the [`TrendReason`].
    CannotBeCalculated,
}

/// Why a trend marker is what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrendReason {
    /// Significant, and no single point reverses it.
    SignificantTrend,
    /// The test statistic does not reach the 99.8% point.
    NoSignificantTrend,
    /// Significant, but leaving out one point gives a zero or opposite gradient.
    OutlierFound,
    /// The value type is not one the guidance tests.
    ValueTypeNotTested,
    /// Fewer than five points in the series.
    NotEnoughDataPoints,
    /// The same year appears twice.
    DuplicateYears,
    /// The five most recent points are not five consecutive years.
    BreakInSeries,
    /// A value, numerator or denominator is missing (or NaN) among the five most recent points.
    MissingValues,
    /// A confidence limit is missing (or NaN) among the five most recent points.
    MissingConfidenceIntervals,
    /// A proportion of 0 or 1 (numerator zero or equal to its denominator): its logit, and so
    /// the gradient, is undefined.
    ProportionOfZeroOrOne,
    /// A confidence interval of zero width or with its limits reversed: its weight is undefined.
    InvalidConfidenceInterval,
    /// A negative or infinite number, a denominator of zero, or a numerator above its denominator.
    InvalidValues,
    /// The portal's calculator: fewer than five of the points have a value, a count and a
    /// denominator above zero (suppressed or missing ones are passed over).
    NotEnoughValidPoints,
    /// The portal's calculator: a point with a count equal to its denominator.
    CountEqualsDenominator,
}

impl TrendReason {
    /// The reason in words; those the R package PHEindicatormethods gives are worded as there
    /// ("No outliers and significant trend", "No significant trend", "Outlier found",
    /// "Not enough data points", "Duplicate years in group", "Missing values",
    /// "Missing at least one confidence interval value"); the value-type wording is Fingertips'.
    pub fn as_str(self) -> &'static str {
        match self {
            TrendReason::SignificantTrend => "No outliers and significant trend",
            TrendReason::NoSignificantTrend => "No significant trend",
            TrendReason::OutlierFound => "Outlier found",
            TrendReason::ValueTypeNotTested => "The recent trend cannot be calculated for this value type",
            TrendReason::NotEnoughDataPoints => "Not enough data points",
            TrendReason::DuplicateYears => "Duplicate years in group",
            TrendReason::BreakInSeries => "Break in the series: the five most recent points are not consecutive years",
            TrendReason::MissingValues => "Missing values",
            TrendReason::MissingConfidenceIntervals => "Missing at least one confidence interval value",
            TrendReason::ProportionOfZeroOrOne => "A numerator of zero or equal to its denominator",
            TrendReason::InvalidConfidenceInterval => "A confidence interval of zero width or with its limits reversed",
            TrendReason::NotEnoughValidPoints => "Not enough data points with valid values to calculate recent trend",
            TrendReason::CountEqualsDenominator => "A count equal to its denominator",
            TrendReason::InvalidValues => {
                "Invalid values: negative or infinite, a zero denominator, or a numerator above its denominator"
            }
        }
    }
}

impl fmt::Display for TrendReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The recent-trend marker of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrendMarker {
    /// Increasing, decreasing, no significant change, or cannot be calculated.
    pub direction: TrendDirection,
    /// The polarity the marker is worded by.
    pub polarity: Polarity,
    /// Why.
    pub reason: TrendReason,
    /// The test statistic X² (one degree of freedom), where the test was run.
    pub chi_squared: Option<f64>,
    /// P(χ²₁ > X²), where the test was run.
    pub p_value: Option<f64>,
    /// The gradient β̂ per year: of the logit of the proportion for proportions, of the value
    /// otherwise; where the test was run.
    pub gradient: Option<f64>,
    /// The number of points tested (5), or 0 where the test was not run.
    pub points_used: usize,
    /// The year of the most recent point tested.
    pub latest_year: Option<i32>,
}

impl TrendMarker {
    fn cannot(reason: TrendReason, polarity: Polarity) -> Self {
        TrendMarker {
            direction: TrendDirection::CannotBeCalculated,
            polarity,
            reason,
            chi_squared: None,
            p_value: None,
            gradient: None,
            points_used: 0,
            latest_year: None,
        }
    }

    /// Whether the marker shows a significant increase or decrease.
    pub fn is_significant(&self) -> bool {
        matches!(self.direction, TrendDirection::Increasing | TrendDirection::Decreasing)
    }

    /// The indicator portal's wording, by polarity: "Increasing and getting better",
    /// "Increasing and getting worse", "Decreasing and getting better", "Decreasing and getting
    /// worse", "Increasing", "Decreasing" (no judgement), "No significant change",
    /// "Cannot be calculated".
    pub fn label(&self) -> &'static str {
        match (self.direction, self.polarity) {
            (TrendDirection::Increasing, Polarity::HigherIsBetter) => "Increasing and getting better",
            (TrendDirection::Increasing, Polarity::LowerIsBetter) => "Increasing and getting worse",
            (TrendDirection::Increasing, Polarity::NoJudgement) => "Increasing",
            (TrendDirection::Decreasing, Polarity::HigherIsBetter) => "Decreasing and getting worse",
            (TrendDirection::Decreasing, Polarity::LowerIsBetter) => "Decreasing and getting better",
            (TrendDirection::Decreasing, Polarity::NoJudgement) => "Decreasing",
            (TrendDirection::NoSignificantChange, _) => "No significant change",
            (TrendDirection::CannotBeCalculated, _) => "Cannot be calculated",
        }
    }
}

impl fmt::Display for TrendMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A test statistic and gradient from one of the two trend tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrendTest {
    /// X² on one degree of freedom.
    pub chi_squared: f64,
    /// β̂ per unit of t.
    pub gradient: f64,
}

/// The sign as R's `sign()` gives it: −1, 0 or 1.
fn sign(x: f64) -> i8 {
    if x > 0.0 {
        1
    } else if x < 0.0 {
        -1
    } else {
        0
    }
}

/// Some(x) when x is finite.
fn finite_or_none(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The chi-squared test for trend in proportions cᵢ/dᵢ at times tᵢ:
///
/// ```text
/// X² = S_d (S_d S_ct − S_c S_dt)² / ( S_c (S_d − S_c) (S_d S_dt² − S_dt²) )
/// ```
///
/// computed in the equivalent centred form X² = (Σcᵢ(tᵢ − t̄))² / (p̄(1 − p̄) Σdᵢ(tᵢ − t̄)²), with
/// t̄ = S_dt/S_d and p̄ = S_c/S_d, which avoids cancellation when t is a calendar year.
///
/// Reference: OHID Fingertips Public Health Technical Guidance, "Fingertips trend markers"
/// (proportions); PHEindicatormethods `calculate_trend_logistic_regression`
/// (`trend_calculation = "significance"`); Armitage P, Biometrics 1955; 11: 375-386.
///
/// Edge cases: `None` when the slices differ in length or hold fewer than two points, any number
/// is not finite, a denominator is not positive, a numerator is negative or above its
/// denominator, all numerators are zero or all equal their denominators (p̄ = 0 or 1), or all
/// times are equal.
pub fn chi_squared_for_trend(times: &[f64], numerators: &[f64], denominators: &[f64]) -> Option<f64> {
    let n = times.len();
    if n < 2 || numerators.len() != n || denominators.len() != n {
        return None;
    }
    for i in 0..n {
        let (t, c, d) = (times[i], numerators[i], denominators[i]);
        if !t.is_finite() || !c.is_finite() || !d.is_finite() || d <= 0.0 || c < 0.0 || c > d {
            return None;
        }
    }
    let s_d: f64 = denominators.iter().sum();
    let s_c: f64 = numerators.iter().sum();
    let s_dt: f64 = denominators.iter().zip(times).map(|(d, t)| d * t).sum();
    let t_bar = s_dt / s_d;
    let p_bar = s_c / s_d;
    let score: f64 = numerators.iter().zip(times).map(|(c, t)| c * (t - t_bar)).sum();
    let spread: f64 = denominators.iter().zip(times).map(|(d, t)| d * (t - t_bar).powi(2)).sum();
    let variance = p_bar * (1.0 - p_bar) * spread;
    if variance.is_nan() || variance <= 0.0 {
        return None;
    }
    finite_or_none(score * score / variance)
}

/// The gradient of the logits of proportions cᵢ/dᵢ on times tᵢ, by ordinary least squares:
///
/// ```text
/// lᵢ = ln(pᵢ/(1 − pᵢ)),  β̂ = (n Σlᵢtᵢ − Σlᵢ Σtᵢ) / (n Σtᵢ² − (Σtᵢ)²)
/// ```
///
/// (computed centred, β̂ = Σ(tᵢ − t̄)(lᵢ − l̄) / Σ(tᵢ − t̄)²).
///
/// Reference: OHID Fingertips Public Health Technical Guidance, "Fingertips trend markers";
/// PHEindicatormethods `calculate_trend_logistic_regression` (`trend_calculation =
/// "trend_direction"`).
///
/// Edge cases: `None` when the slices differ in length or hold fewer than two points, any
/// proportion is 0 or 1 or not a proportion (logit undefined), any number is not finite, or all
/// times are equal.
pub fn logit_gradient(times: &[f64], numerators: &[f64], denominators: &[f64]) -> Option<f64> {
    let n = times.len();
    if n < 2 || numerators.len() != n || denominators.len() != n {
        return None;
    }
    let mut logits = Vec::with_capacity(n);
    for i in 0..n {
        let (t, c, d) = (times[i], numerators[i], denominators[i]);
        if !t.is_finite() || !c.is_finite() || !d.is_finite() || d <= 0.0 || c <= 0.0 || c >= d {
            return None;
        }
        // ln(p/(1 − p)) = ln(c/(d − c)), exact for p near 1 too.
        logits.push((c / (d - c)).ln());
    }
    least_squares_slope(times, &logits, None)
}

/// Slope of y on t by (weighted) least squares, centred; `None` when undefined or not finite.
fn least_squares_slope(times: &[f64], y: &[f64], weights: Option<&[f64]>) -> Option<f64> {
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let n = times.len();
    let s_w: f64 = (0..n).map(w).sum();
    let t_bar = (0..n).map(|i| w(i) * times[i]).sum::<f64>() / s_w;
    let y_bar = (0..n).map(|i| w(i) * y[i]).sum::<f64>() / s_w;
    let s_tt: f64 = (0..n).map(|i| w(i) * (times[i] - t_bar).powi(2)).sum();
    let s_ty: f64 = (0..n).map(|i| w(i) * (times[i] - t_bar) * (y[i] - y_bar)).sum();
    if s_tt.is_nan() || s_tt <= 0.0 {
        return None;
    }
    finite_or_none(s_ty / s_tt)
}

/// The weighted-regression trend test of values yᵢ with confidence limits (Lᵢ, Uᵢ) at times tᵢ:
///
/// ```text
/// σᵢ = (Uᵢ − Lᵢ) / (2z),  wᵢ = 1/σᵢ²,  z = Φ⁻¹(c + (1 − c)/2)
/// β̂ = (S_w S_wyt − S_wt S_wy) / (S_w S_wt² − S_wt²),  Var(β̂) = S_w / (S_w S_wt² − S_wt²)
/// X² = β̂² / Var(β̂)
/// ```
///
/// computed centred: β̂ = Σwᵢ(tᵢ − t̄)(yᵢ − ȳ) / Σwᵢ(tᵢ − t̄)², Var(β̂) = 1 / Σwᵢ(tᵢ − t̄)².
/// X² is unchanged by any multiplier applied to values and limits alike.
///
/// Reference: OHID Fingertips Public Health Technical Guidance, "Fingertips trend markers"
/// (other value types); PHEindicatormethods `calculate_trend_weighted_regression` (which uses
/// z = Φ⁻¹(0.975) at 95%; Fingertips' own code divides the 95% interval width by 3.92).
///
/// Edge cases: `None` when the slices differ in length or hold fewer than two points, any number
/// is not finite, any interval has zero width or reversed limits (Uᵢ ≤ Lᵢ), all times are equal,
/// or the result overflows.
pub fn weighted_regression_trend(
    times: &[f64],
    values: &[f64],
    lowers: &[f64],
    uppers: &[f64],
    confidence: ConfidenceLevel,
) -> Option<TrendTest> {
    let n = times.len();
    if n < 2 || values.len() != n || lowers.len() != n || uppers.len() != n {
        return None;
    }
    let two_z = 2.0 * confidence.z();
    if !two_z.is_finite() {
        return None;
    }
    let mut weights = Vec::with_capacity(n);
    for i in 0..n {
        let (t, y, l, u) = (times[i], values[i], lowers[i], uppers[i]);
        if !t.is_finite() || !y.is_finite() || !l.is_finite() || !u.is_finite() || u <= l {
            return None;
        }
        let sigma = (u - l) / two_z;
        let w = 1.0 / (sigma * sigma);
        if !w.is_finite() || w <= 0.0 {
            return None;
        }
        weights.push(w);
    }
    let gradient = least_squares_slope(times, values, Some(&weights))?;
    let s_w: f64 = weights.iter().sum();
    let t_bar = weights.iter().zip(times).map(|(w, t)| w * t).sum::<f64>() / s_w;
    let s_tt: f64 = weights.iter().zip(times).map(|(w, t)| w * (t - t_bar).powi(2)).sum();
    let chi_squared = finite_or_none(gradient * gradient * s_tt)?;
    Some(TrendTest { chi_squared, gradient })
}

/// The recent-trend marker of a series, from its 95% limits for value types other than
/// proportions. See [`recent_trend_at`].
pub fn recent_trend(points: &[TrendPoint], value_type: TrendValueType, polarity: Polarity) -> TrendMarker {
    recent_trend_at(points, value_type, polarity, ConfidenceLevel::C95)
}

/// The recent-trend marker of a series over its five most recent annual points, as the
/// indicator portal marks it, with the confidence level of the limits given (for other value
/// types; the portal uses 95%).
///
/// Steps (see the module documentation for the formulas):
///
/// 1. a value type the guidance does not test → Cannot be calculated;
/// 2. the same year twice → Cannot be calculated ("Duplicate years in group");
/// 3. fewer than five points → Cannot be calculated ("Not enough data points");
/// 4. the five most recent points (by year) must be consecutive years, else "Break in the series";
/// 5. those five must have numerator and denominator (proportions), or value and both limits
///    (other types), else "Missing values" / "Missing at least one confidence interval value";
///    proportions of 0 or 1, reversed or zero-width intervals and invalid numbers are also
///    Cannot be calculated; earlier points are not looked at;
/// 6. with t = 1 … 5, X² and β̂ by [`chi_squared_for_trend`] and [`logit_gradient`]
///    (proportions) or [`weighted_regression_trend`] (other types);
/// 7. X² ≤ 9.5495 ([`significance_threshold`]) → No significant change ("No significant trend");
/// 8. otherwise β̂ is recomputed leaving out each point in turn; a zero or opposite-signed
///    gradient → No significant change ("Outlier found"); else Increasing (β̂ > 0) or Decreasing.
///
/// Reference: OHID Fingertips Public Health Technical Guidance, "Fingertips trend markers";
/// PHEindicatormethods `assign_trend_markers`; Fingertips `TrendMarkerCalculator`.
///
/// Edge cases: never panics; every input that cannot be tested gives
/// [`TrendDirection::CannotBeCalculated`] and a [`TrendReason`]. Points may come in any order.
/// Fairer's additions to the reference's checks (it leaves these to give NaN or ±∞): the break
/// check (the guidance's "no breaks in the series", which the R package does not enforce),
/// proportions of 0 or 1, zero-width or reversed intervals, and invalid numbers. A significant
/// statistic whose gradient is exactly zero is an outlier case (as with R's `sign`).
pub fn recent_trend_at(
    points: &[TrendPoint],
    value_type: TrendValueType,
    polarity: Polarity,
    confidence: ConfidenceLevel,
) -> TrendMarker {
    let cannot = |reason| TrendMarker::cannot(reason, polarity);
    if value_type == TrendValueType::NotTested {
        return cannot(TrendReason::ValueTypeNotTested);
    }
    let mut sorted: Vec<TrendPoint> = points.to_vec();
    sorted.sort_by_key(|p| p.year);
    if sorted.windows(2).any(|w| w[0].year == w[1].year) {
        return cannot(TrendReason::DuplicateYears);
    }
    if sorted.len() < POINTS_USED {
        return cannot(TrendReason::NotEnoughDataPoints);
    }
    let recent = &sorted[sorted.len() - POINTS_USED..];
    if recent.windows(2).any(|w| i64::from(w[1].year) - i64::from(w[0].year) != 1) {
        return cannot(TrendReason::BreakInSeries);
    }
    let times: Vec<f64> = (1..=POINTS_USED).map(|t| t as f64).collect();
    let present = |x: Option<f64>| x.filter(|v| !v.is_nan());

    let (test, gradient_without): (TrendTest, Box<dyn Fn(usize) -> Option<f64>>) = match value_type {
        TrendValueType::Proportion => {
            let mut c = Vec::with_capacity(POINTS_USED);
            let mut d = Vec::with_capacity(POINTS_USED);
            // Missing values first, over all five, as the reference checks them.
            if recent.iter().any(|p| present(p.numerator).is_none() || present(p.denominator).is_none()) {
                return cannot(TrendReason::MissingValues);
            }
            for p in recent {
                let (ci, di) = (p.numerator.unwrap_or(f64::NAN), p.denominator.unwrap_or(f64::NAN));
                if !ci.is_finite() || !di.is_finite() || ci < 0.0 || di <= 0.0 || ci > di {
                    return cannot(TrendReason::InvalidValues);
                }
                if ci == 0.0 || ci == di {
                    return cannot(TrendReason::ProportionOfZeroOrOne);
                }
                c.push(ci);
                d.push(di);
            }
            let (Some(chi_squared), Some(gradient)) =
                (chi_squared_for_trend(&times, &c, &d), logit_gradient(&times, &c, &d))
            else {
                return cannot(TrendReason::InvalidValues);
            };
            let times = times.clone();
            let without = move |j: usize| {
                let keep = |v: &[f64]| -> Vec<f64> {
                    v.iter().enumerate().filter(|(i, _)| *i != j).map(|(_, x)| *x).collect()
                };
                logit_gradient(&keep(&times), &keep(&c), &keep(&d))
            };
            (TrendTest { chi_squared, gradient }, Box::new(without))
        }
        TrendValueType::Other | TrendValueType::NotTested => {
            let mut y = Vec::with_capacity(POINTS_USED);
            let mut l = Vec::with_capacity(POINTS_USED);
            let mut u = Vec::with_capacity(POINTS_USED);
            // Missing values first, then missing limits, over all five, as the reference.
            if recent.iter().any(|p| present(p.value).is_none()) {
                return cannot(TrendReason::MissingValues);
            }
            if recent.iter().any(|p| present(p.lower).is_none() || present(p.upper).is_none()) {
                return cannot(TrendReason::MissingConfidenceIntervals);
            }
            for p in recent {
                let (yi, li, ui) =
                    (p.value.unwrap_or(f64::NAN), p.lower.unwrap_or(f64::NAN), p.upper.unwrap_or(f64::NAN));
                if !yi.is_finite() || !li.is_finite() || !ui.is_finite() {
                    return cannot(TrendReason::InvalidValues);
                }
                if ui <= li {
                    return cannot(TrendReason::InvalidConfidenceInterval);
                }
                y.push(yi);
                l.push(li);
                u.push(ui);
            }
            let Some(test) = weighted_regression_trend(&times, &y, &l, &u, confidence) else {
                return cannot(TrendReason::InvalidValues);
            };
            let times = times.clone();
            let without = move |j: usize| {
                let keep = |v: &[f64]| -> Vec<f64> {
                    v.iter().enumerate().filter(|(i, _)| *i != j).map(|(_, x)| *x).collect()
                };
                weighted_regression_trend(&keep(&times), &keep(&y), &keep(&l), &keep(&u), confidence)
                    .map(|t| t.gradient)
            };
            (test, Box::new(without))
        }
    };

    let (direction, reason) = if test.chi_squared > significance_threshold() {
        let overall = sign(test.gradient);
        let outlier = (0..POINTS_USED).any(|j| gradient_without(j).is_none_or(|g| sign(g) != overall));
        if outlier {
            (TrendDirection::NoSignificantChange, TrendReason::OutlierFound)
        } else if test.gradient < 0.0 {
            (TrendDirection::Decreasing, TrendReason::SignificantTrend)
        } else {
            (TrendDirection::Increasing, TrendReason::SignificantTrend)
        }
    } else {
        (TrendDirection::NoSignificantChange, TrendReason::NoSignificantTrend)
    };
    TrendMarker {
        direction,
        polarity,
        reason,
        chi_squared: Some(test.chi_squared),
        p_value: Some(chi_squared_p_value(test.chi_squared)),
        gradient: Some(test.gradient),
        points_used: POINTS_USED,
        latest_year: recent.last().map(|p| p.year),
    }
}

/// What the portal's trend calculator tests a series on (a per-indicator choice of the portal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortalTrendFrom {
    /// Counts and denominators: the chi-squared test for trend in proportions and the slope of
    /// the logits ("SPC for proportions").
    Counts,
    /// Values and their 95% limits: the weighted regression.
    Limits,
}

/// The portal's critical value, as its calculator writes it.
const PORTAL_CHI_SQUARED: f64 = 9.54953570608324;

/// The recent-trend marker of a series as the indicator portal's own trend calculator gives it
/// (Fingertips' `TrendMarkerCalculator` and `TrendRequest`, as carried into FingertipsNext's
/// trend-analysis service), which differs from the guidance ([`recent_trend`]) in these points:
///
/// 1. `points` are the series in time order, oldest first (their `year` is not read: quarters
///    and months of one year are distinct points); at least five must be present, else
///    "Cannot be calculated" ("Not enough data points");
/// 2. the valid points are those with a value, a count and a denominator above zero (the
///    others are suppressed or missing), taken from the most recent back: *years do not need to
///    be consecutive*, so a gap or a suppressed year is passed over and earlier points reached;
///    fewer than five valid points → "Cannot be calculated" ([`TrendReason::NotEnoughValidPoints`]);
///    any valid point whose count equals its denominator → "Cannot be calculated";
/// 3. of the valid points, the five most recent with both 95% limits are numbered t = 1 … 5
///    (oldest first);
/// 4. [`PortalTrendFrom::Counts`]: X² = S_d (S_d S_ct − S_c S_dt)² / (S_c (S_d − S_c)(S_d S_dt² − S_dt²))
///    and the least-squares slope of the logits ln(c/(d − c)) on t;
///    [`PortalTrendFrom::Limits`]: weights w = 1/((U − L)/3.92)², slope
///    β̂ = (S_w S_wyt − S_wt S_wy)/(S_w S_wt² − S_wt²) and X² = β̂² (S_w S_wt² − S_wt²)/S_w;
/// 5. the slope is recomputed leaving out each point t = 1 … 5 in turn; each of the six slopes
///    counts −1 when below zero and +1 otherwise (*a slope of exactly zero counts as
///    increasing*: the tie is broken that way); the trend is significant when all six agree
///    and X² > 9.54953570608324;
/// 6. significant: Increasing (β̂ > 0) or Decreasing (β̂ < 0); otherwise "No significant change".
///
/// Reference: Fingertips `TrendMarkerCalculator` / `TrendRequest` (`ukhsa-collaboration/
/// fingertips-open`; `dhsc-govuk/FingertipsNext`, `trend-analysis/TrendAnalysisApp/Calculator/
/// Legacy`, where "Years don't need to be consecutive"). OHID, "Fingertips trend markers".
///
/// Edge cases: never panics. A proportion of 0 (count 0) gives an infinite logit and so
/// undefined slopes, which count as increasing, as in the portal's arithmetic.
pub fn portal_recent_trend(points: &[TrendPoint], from: PortalTrendFrom, polarity: Polarity) -> TrendMarker {
    let cannot = |reason| TrendMarker::cannot(reason, polarity);
    if points.len() < POINTS_USED {
        return cannot(TrendReason::NotEnoughDataPoints);
    }
    let valid_value = |p: &TrendPoint| p.value.is_some_and(|v| !v.is_nan());
    let valid: Vec<&TrendPoint> = points
        .iter()
        .rev()
        .filter(|p| {
            valid_value(p) && p.numerator.is_some_and(|c| !c.is_nan()) && p.denominator.is_some_and(|d| d > 0.0)
        })
        .collect();
    if valid.len() < POINTS_USED {
        return cannot(TrendReason::NotEnoughValidPoints);
    }
    if valid.iter().any(|p| p.numerator == p.denominator) {
        return cannot(TrendReason::CountEqualsDenominator);
    }
    let mut recent: Vec<&TrendPoint> =
        valid.into_iter().filter(|p| p.lower.is_some() && p.upper.is_some()).take(POINTS_USED).collect();
    recent.reverse();
    let (slopes, chi_squared) = match from {
        PortalTrendFrom::Counts => portal_counts(&recent),
        PortalTrendFrom::Limits => portal_limits(&recent),
    };
    let slope = slopes[0];
    let votes: i32 = slopes.iter().map(|&s| if s < 0.0 { -1 } else { 1 }).sum();
    let no_outliers = votes.unsigned_abs() as usize == POINTS_USED + 1;
    let significant = no_outliers && chi_squared > PORTAL_CHI_SQUARED;
    let (direction, reason) = if significant && slope > 0.0 {
        (TrendDirection::Increasing, TrendReason::SignificantTrend)
    } else if significant && slope < 0.0 {
        (TrendDirection::Decreasing, TrendReason::SignificantTrend)
    } else if chi_squared > PORTAL_CHI_SQUARED {
        (TrendDirection::NoSignificantChange, TrendReason::OutlierFound)
    } else {
        (TrendDirection::NoSignificantChange, TrendReason::NoSignificantTrend)
    };
    TrendMarker {
        direction,
        polarity,
        reason,
        chi_squared: finite_or_none(chi_squared),
        p_value: finite_or_none(chi_squared).map(chi_squared_p_value),
        gradient: finite_or_none(slope),
        points_used: recent.len(),
        latest_year: recent.last().map(|p| p.year),
    }
}

/// The portal's proportions test: the slopes of the logits on t with all points and leaving
/// out t = 1 … 5 (its least-squares sums for five or four points of t = 1 … 5), and X².
fn portal_counts(recent: &[&TrendPoint]) -> ([f64; POINTS_USED + 1], f64) {
    let (mut s_d, mut s_ct, mut s_c, mut s_dt, mut s_dt2) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut logits = Vec::with_capacity(recent.len());
    for (i, p) in recent.iter().enumerate() {
        let t = (i + 1) as f64;
        let c = p.numerator.unwrap_or(f64::NAN);
        let d = p.denominator.unwrap_or(f64::NAN);
        logits.push(((c / (d - c)).ln(), t));
        s_d += d;
        s_ct += c * t;
        s_c += c;
        s_dt += d * t;
        s_dt2 += d * t * t;
    }
    let chi_squared = s_d * (s_d * s_ct - s_c * s_dt).powi(2) / (s_c * (s_d - s_c) * (s_d * s_dt2 - s_dt * s_dt));
    // Σt and nΣt² for t = 1 … 5, and for t = 1 … 5 without 1, 2, … 5.
    const SUMS: [(f64, f64); POINTS_USED + 1] =
        [(15.0, 275.0), (14.0, 216.0), (13.0, 204.0), (12.0, 184.0), (11.0, 156.0), (10.0, 120.0)];
    let mut slopes = [0.0; POINTS_USED + 1];
    for (k, slope) in slopes.iter_mut().enumerate() {
        let kept = logits.iter().filter(|(_, t)| k == 0 || *t != k as f64);
        let (sum_l, sum_lt) = kept.fold((0.0, 0.0), |(a, b), (l, t)| (a + l, b + l * t));
        let n = if k == 0 { POINTS_USED } else { POINTS_USED - 1 } as f64;
        let (sum_t, n_sum_t2) = SUMS[k];
        *slope = (n * sum_lt - sum_l * sum_t) / (n_sum_t2 - sum_t * sum_t);
    }
    (slopes, chi_squared)
}

/// The portal's weighted regression on values and 95% limits (σ = (U − L)/3.92): the slopes
/// with all points and leaving out t = 1 … 5, and X².
fn portal_limits(recent: &[&TrendPoint]) -> ([f64; POINTS_USED + 1], f64) {
    let terms: Vec<[f64; 5]> = recent
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let t = (i + 1) as f64;
            let y = p.value.unwrap_or(f64::NAN);
            let sigma = (p.upper.unwrap_or(f64::NAN) - p.lower.unwrap_or(f64::NAN)) / 3.92;
            let v = sigma.powi(2);
            [1.0 / v, y * t / v, t / v, y / v, t * t / v]
        })
        .collect();
    let mut slopes = [0.0; POINTS_USED + 1];
    let mut chi_squared = f64::NAN;
    for (k, slope) in slopes.iter_mut().enumerate() {
        let mut s = [0.0; 5];
        for (i, term) in terms.iter().enumerate() {
            if k == 0 || i + 1 != k {
                s.iter_mut().zip(term).for_each(|(a, b)| *a += b);
            }
        }
        let det = s[0] * s[4] - s[2] * s[2];
        *slope = (s[0] * s[1] - s[2] * s[3]) / det;
        if k == 0 {
            let beta = (s[0] / det).sqrt();
            chi_squared = (*slope / beta).powi(2);
        }
    }
    (slopes, chi_squared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HB: Polarity = Polarity::HigherIsBetter;
    const LB: Polarity = Polarity::LowerIsBetter;
    const NJ: Polarity = Polarity::NoJudgement;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    fn props(years: &[i32], c: &[f64], d: &[f64]) -> Vec<TrendPoint> {
        years.iter().zip(c).zip(d).map(|((&y, &c), &d)| TrendPoint::proportion(y, c, d)).collect()
    }

    fn others(years: &[i32], v: &[f64], l: &[f64], u: &[f64]) -> Vec<TrendPoint> {
        (0..years.len()).map(|i| TrendPoint::with_limits(years[i], v[i], l[i], u[i])).collect()
    }

    const ONE_TO_FIVE: [f64; 5] = [1.0, 2.0, 3.0, 4.0, 5.0];

    // ---- Worked examples of the reference (PHEindicatormethods, tests/testthat/
    // testdata_trend_markers.xlsx, branch add_trend_markers): expected Significance and
    // Gradient are given there to 4 decimal places.

    #[test]
    fn reference_proportion_example_is_decreasing() {
        // Sheet testdata_prop_trends: 2019-2023; Decreasing, "No outliers and significant
        // trend", Significance 12.5688, Gradient -0.1062.
        let c = [318.0, 314.0, 318.0, 291.0, 292.0];
        let d = [468.3357879234167, 472.8915662650602, 500.78740157480314, 480.1980198019802, 499.14529914529913];
        let m = recent_trend(&props(&[2019, 2020, 2021, 2022, 2023], &c, &d), TrendValueType::Proportion, NJ);
        assert_eq!(m.direction, TrendDirection::Decreasing);
        assert_eq!(m.reason, TrendReason::SignificantTrend);
        assert_eq!(m.reason.to_string(), "No outliers and significant trend");
        assert!((m.chi_squared.unwrap() - 12.5688).abs() < 5e-5);
        assert!((m.gradient.unwrap() - -0.1062).abs() < 5e-5);
        // The reference formula evaluated in numpy (uncentred, as in the R code):
        // 12.56875422261526; the textbook Armitage form gives 12.568754219935506.
        assert!(close(m.chi_squared.unwrap(), 12.56875422261526, 1e-9));
        // scipy.stats.chi2.sf(12.568754219935506, 1) = 0.000392249969135626
        assert!(close(m.p_value.unwrap(), 0.000392249969135626, 1e-8));
        assert_eq!(m.label(), "Decreasing");
        assert_eq!(m.latest_year, Some(2023));
        assert_eq!(m.points_used, 5);
    }

    #[test]
    fn reference_grouped_proportion_examples() {
        // Sheet testdata_prop_grouped, "Asian or Asian British": Decreasing, 144.3957, -0.5245.
        let c = [90.0, 58.0, 29.0, 49.0, 67.0];
        let d = [264.70588235294116, 89.23076923076924, 44.61538461538462, 233.33333333333334, 744.4444444444445];
        let m = recent_trend(&props(&[2019, 2020, 2021, 2022, 2023], &c, &d), TrendValueType::Proportion, LB);
        assert_eq!(m.direction, TrendDirection::Decreasing);
        assert!((m.chi_squared.unwrap() - 144.3957).abs() < 5e-5);
        assert!((m.gradient.unwrap() - -0.5245).abs() < 5e-5);
        assert_eq!(m.label(), "Decreasing and getting better");

        // "Other ethnic group", years 2012, 2013, 2014, 2016, 2017: the reference marks it
        // Increasing, 47.3463, 0.4830 — values that come from t = 1..5 (with t = the calendar
        // years numpy gives 44.7368, 0.3562), i.e. Fingertips' position counter. The guidance
        // allows no breaks, so the full marker is Cannot be calculated here; the statistic on
        // positions matches the reference.
        let c = [10.0, 17.0, 27.0, 49.0, 67.0];
        let d = [125.0, 141.66666666666669, 117.3913043478261, 204.16666666666666, 171.7948717948718];
        let x2 = chi_squared_for_trend(&ONE_TO_FIVE, &c, &d).unwrap();
        let g = logit_gradient(&ONE_TO_FIVE, &c, &d).unwrap();
        assert!((x2 - 47.3463).abs() < 5e-5);
        assert!((g - 0.4830).abs() < 5e-5);
        let m = recent_trend(&props(&[2012, 2013, 2014, 2016, 2017], &c, &d), TrendValueType::Proportion, HB);
        assert_eq!(m.direction, TrendDirection::CannotBeCalculated);
        assert_eq!(m.reason, TrendReason::BreakInSeries);

        // "Black, ...": a missing denominator among the five → "Missing values" (checked
        // before the numerator 122 above its denominator 95.3125 in the same data).
        let mut pts =
            props(&[2019, 2020, 2021, 2022, 2023], &[23.0, 122.0, 94.0, 76.0, 20.0], &[50.0, 95.3125, 94.0, 1.0, 25.0]);
        pts[3].denominator = None;
        let m = recent_trend(&pts, TrendValueType::Proportion, HB);
        assert_eq!((m.direction, m.reason), (TrendDirection::CannotBeCalculated, TrendReason::MissingValues));
        assert_eq!(m.reason.to_string(), "Missing values");
        // "White": 2022 twice → "Duplicate years in group".
        let pts = props(
            &[2019, 2020, 2022, 2022, 2023],
            &[318.0, 314.0, 318.0, 291.0, 292.0],
            &[468.3, 472.9, 500.8, 480.2, 499.1],
        );
        let m = recent_trend(&pts, TrendValueType::Proportion, HB);
        assert_eq!(m.reason, TrendReason::DuplicateYears);
        assert_eq!(m.reason.to_string(), "Duplicate years in group");
    }

    #[test]
    fn reference_other_examples() {
        let years = [1, 2, 3, 4, 5];
        // Sheet testdata_other_trends: Decreasing, 46.7636, -1.7516.
        let v = [30.6, 30.2, 28.0, 24.6, 24.67];
        let l = [28.98, 28.63, 26.44, 23.15, 23.16];
        let u = [32.25, 31.9, 29.64, 26.19, 26.25];
        let m = recent_trend(&others(&years, &v, &l, &u), TrendValueType::Other, LB);
        assert_eq!(m.direction, TrendDirection::Decreasing);
        assert!((m.chi_squared.unwrap() - 46.7636).abs() < 5e-5);
        assert!((m.gradient.unwrap() - -1.7516).abs() < 5e-5);
        // numpy, reference formula, z = norm.ppf(0.975): 46.763597160549466, -1.7515662226629478
        assert!(close(m.chi_squared.unwrap(), 46.763597160549466, 1e-10));
        assert!(close(m.gradient.unwrap(), -1.7515662226629478, 1e-10));
        assert_eq!(m.label(), "Decreasing and getting better");

        // Sheet testdata_other_grouped, "Black, ...": Increasing, 95.2196, 2.7335.
        let v = [20.2, 23.0, 24.6, 28.67, 30.9];
        let l = [18.3, 21.44, 23.15, 26.16, 28.98];
        let u = [21.9, 25.64, 26.19, 29.25, 32.25];
        let m = recent_trend(&others(&years, &v, &l, &u), TrendValueType::Other, HB);
        assert_eq!(m.direction, TrendDirection::Increasing);
        assert!((m.chi_squared.unwrap() - 95.2196).abs() < 5e-5);
        assert!((m.gradient.unwrap() - 2.7335).abs() < 5e-5);
        assert_eq!(m.label(), "Increasing and getting better");
        // "White": four points → "Not enough data points".
        let m = recent_trend(&others(&years[..4], &v[..4], &l[..4], &u[..4]), TrendValueType::Other, HB);
        assert_eq!(m.reason, TrendReason::NotEnoughDataPoints);
        assert_eq!(m.reason.to_string(), "Not enough data points");
        // "Other ethnic group": one lower limit missing.
        let mut pts = others(&years, &v, &l, &u);
        pts[4].lower = None;
        let m = recent_trend(&pts, TrendValueType::Other, HB);
        assert_eq!(m.reason, TrendReason::MissingConfidenceIntervals);
        assert_eq!(m.reason.to_string(), "Missing at least one confidence interval value");
        // "Mixed ...": one value missing.
        let mut pts = others(&years, &v, &l, &u);
        pts[1].value = None;
        assert_eq!(recent_trend(&pts, TrendValueType::Other, HB).reason, TrendReason::MissingValues);
    }

    #[test]
    fn reference_six_point_example_uses_the_five_most_recent() {
        // Sheet testdata_other_6: years 1-6; No significant change, "No significant trend",
        // Significance 0.7433, Gradient -0.2256 (from years 2-6).
        let v = [30.6, 30.2, 28.0, 24.6, 24.67, 30.9];
        let l = [28.98, 28.63, 26.44, 23.15, 23.16, 28.98];
        let u = [32.25, 31.9, 29.64, 26.19, 26.25, 32.25];
        let mut pts = others(&[1, 2, 3, 4, 5, 6], &v, &l, &u);
        pts.reverse(); // order does not matter
        let m = recent_trend(&pts, TrendValueType::Other, HB);
        assert_eq!(m.direction, TrendDirection::NoSignificantChange);
        assert_eq!(m.reason.to_string(), "No significant trend");
        assert!((m.chi_squared.unwrap() - 0.7433).abs() < 5e-5);
        assert!((m.gradient.unwrap() - -0.2256).abs() < 5e-5);
        assert_eq!(m.label(), "No significant change");
        assert_eq!(m.latest_year, Some(6));
        // A missing value before the five most recent is not looked at.
        pts[5].value = None; // year 1
        assert_eq!(recent_trend(&pts, TrendValueType::Other, HB).direction, TrendDirection::NoSignificantChange);
    }

    // ---- Hand-computed cases. Expected numbers from /tmp numpy/scipy scripts that use
    // different algebra from this module: the textbook Armitage form
    // T = Σt(c − d·p̄), V = p̄(1 − p̄)(Σdt² − (Σdt)²/N), X² = T²/V; scipy.stats.linregress for
    // the logit slope; weighted least squares by matrices, (XᵀWX)⁻¹XᵀWy, Var(β̂) = [(XᵀWX)⁻¹]₁₁;
    // p-values by scipy.stats.chi2.sf.

    #[test]
    fn steady_rise_in_a_proportion() {
        // c = 120, 135, 150, 170, 190 of 1000 each: X² = 23.63204234861989,
        // β̂ = 0.1356667443121484, p = 1.1662920251046415e-06.
        let pts = props(&[2015, 2016, 2017, 2018, 2019], &[120.0, 135.0, 150.0, 170.0, 190.0], &[1000.0; 5]);
        for (pol, label) in
            [(HB, "Increasing and getting better"), (LB, "Increasing and getting worse"), (NJ, "Increasing")]
        {
            let m = recent_trend(&pts, TrendValueType::Proportion, pol);
            assert_eq!(m.label(), label);
            assert_eq!(m.to_string(), label);
            assert!(m.is_significant());
            assert!(close(m.chi_squared.unwrap(), 23.63204234861989, 1e-12));
            assert!(close(m.gradient.unwrap(), 0.1356667443121484, 1e-12));
            assert!(close(m.p_value.unwrap(), 1.1662920251046415e-06, 1e-9));
        }
    }

    #[test]
    fn flat_proportion_is_no_significant_change() {
        // c = 100, 104, 98, 103, 101 of 1000, 1010, 990, 1005, 1000: X² = 0.0024902862248946194,
        // β̂ = 0.0016886994480335372, p = 0.9601998717416734.
        let pts = props(
            &[2015, 2016, 2017, 2018, 2019],
            &[100.0, 104.0, 98.0, 103.0, 101.0],
            &[1000.0, 1010.0, 990.0, 1005.0, 1000.0],
        );
        let m = recent_trend(&pts, TrendValueType::Proportion, HB);
        assert_eq!(m.direction, TrendDirection::NoSignificantChange);
        assert_eq!(m.reason, TrendReason::NoSignificantTrend);
        assert!(close(m.chi_squared.unwrap(), 0.0024902862248946194, 1e-9));
        assert!(close(m.gradient.unwrap(), 0.0016886994480335372, 1e-9));
        assert!(close(m.p_value.unwrap(), 0.9601998717416734, 1e-12));
    }

    #[test]
    fn proportion_trend_hanging_on_one_point_is_an_outlier() {
        // c = 102, 101, 100, 99, 300 of 1000: X² = 128.6260488214885 (significant) but without
        // the last point the logit slope is −0.011062651707331695: "Outlier found".
        let pts = props(&[2015, 2016, 2017, 2018, 2019], &[102.0, 101.0, 100.0, 99.0, 300.0], &[1000.0; 5]);
        let m = recent_trend(&pts, TrendValueType::Proportion, HB);
        assert!(close(m.chi_squared.unwrap(), 128.6260488214885, 1e-12));
        assert!(close(m.gradient.unwrap(), 0.2633575899418063, 1e-12));
        assert_eq!(m.direction, TrendDirection::NoSignificantChange);
        assert_eq!(m.reason, TrendReason::OutlierFound);
        assert_eq!(m.reason.to_string(), "Outlier found");
        assert_eq!(m.label(), "No significant change");
    }

    #[test]
    fn other_types_decreasing_flat_and_outlier() {
        let years = [2015, 2016, 2017, 2018, 2019];
        // Rates 500, 480, 455, 430, 410 ± 10: X² = 203.2131716147195, β̂ = −23,
        // leave-one-out gradients all negative.
        let m = recent_trend(
            &others(
                &years,
                &[500.0, 480.0, 455.0, 430.0, 410.0],
                &[490.0, 470.0, 445.0, 420.0, 400.0],
                &[510.0, 490.0, 465.0, 440.0, 420.0],
            ),
            TrendValueType::Other,
            LB,
        );
        assert!(close(m.chi_squared.unwrap(), 203.2131716147195, 1e-12));
        assert!(close(m.gradient.unwrap(), -23.0, 1e-12));
        assert_eq!(m.label(), "Decreasing and getting better");
        let hb = recent_trend(
            &others(
                &years,
                &[500.0, 480.0, 455.0, 430.0, 410.0],
                &[490.0, 470.0, 445.0, 420.0, 400.0],
                &[510.0, 490.0, 465.0, 440.0, 420.0],
            ),
            TrendValueType::Other,
            HB,
        );
        assert_eq!(hb.label(), "Decreasing and getting worse");
        // Life expectancy-like 50, 50.5, 49.5, 50.2, 49.9 ± 2: X² = 0.024009117629341558,
        // β̂ = −0.05, p = 0.8768617144111669.
        let m = recent_trend(
            &others(
                &years,
                &[50.0, 50.5, 49.5, 50.2, 49.9],
                &[48.0, 48.5, 47.5, 48.2, 47.9],
                &[52.0, 52.5, 51.5, 52.2, 51.9],
            ),
            TrendValueType::Other,
            HB,
        );
        assert!(close(m.chi_squared.unwrap(), 0.024009117629341558, 1e-9));
        assert!(close(m.gradient.unwrap(), -0.05, 1e-9));
        assert!(close(m.p_value.unwrap(), 0.8768617144111669, 1e-12));
        assert_eq!(m.direction, TrendDirection::NoSignificantChange);
        // 20, 20.1, 19.9, 20, 40 ± 0.5 (last ± 1): X² = 323.1171393490595, β̂ = 1.8027272727272752,
        // without the last point −0.02: outlier.
        let m = recent_trend(
            &others(
                &years,
                &[20.0, 20.1, 19.9, 20.0, 40.0],
                &[19.5, 19.6, 19.4, 19.5, 39.0],
                &[20.5, 20.6, 20.4, 20.5, 41.0],
            ),
            TrendValueType::Other,
            HB,
        );
        assert!(close(m.chi_squared.unwrap(), 323.1171393490595, 1e-12));
        assert!(close(m.gradient.unwrap(), 1.8027272727272752, 1e-12));
        assert_eq!(m.reason, TrendReason::OutlierFound);
    }

    #[test]
    fn threshold_is_the_998_point_of_chi_squared_on_one_df() {
        // scipy.stats.chi2.ppf(0.998, 1) = 9.549535706083237; Fingertips: 9.54953570608324.
        assert!(close(significance_threshold(), 9.54953570608324, 1e-13));
        assert!(close(chi_squared_p_value(significance_threshold()), 0.002, 1e-12));
        assert_eq!(chi_squared_p_value(0.0), 1.0);
        assert!(chi_squared_p_value(f64::NAN).is_nan());
    }

    // ---- Each "cannot be calculated" rule.

    #[test]
    fn cannot_be_calculated_rules() {
        let years = [2015, 2016, 2017, 2018, 2019];
        let good_props = props(&years, &[120.0, 135.0, 150.0, 170.0, 190.0], &[1000.0; 5]);
        let reason = |pts: &[TrendPoint], vt| {
            let m = recent_trend(pts, vt, HB);
            assert_eq!(m.label(), "Cannot be calculated");
            assert!(m.chi_squared.is_none() && m.gradient.is_none() && m.p_value.is_none());
            assert_eq!(m.points_used, 0);
            m.reason
        };
        assert_eq!(reason(&good_props, TrendValueType::NotTested), TrendReason::ValueTypeNotTested);
        assert_eq!(reason(&[], TrendValueType::Proportion), TrendReason::NotEnoughDataPoints);
        assert_eq!(reason(&good_props[..4], TrendValueType::Proportion), TrendReason::NotEnoughDataPoints);
        let mut dup = good_props.clone();
        dup[0].year = 2016;
        assert_eq!(reason(&dup, TrendValueType::Proportion), TrendReason::DuplicateYears);
        let mut gap = good_props.clone();
        gap[4].year = 2021;
        assert_eq!(reason(&gap, TrendValueType::Proportion), TrendReason::BreakInSeries);
        // A gap before the five most recent does not matter.
        let mut early = good_props.clone();
        early.insert(0, TrendPoint::proportion(2010, 100.0, 1000.0));
        assert!(recent_trend(&early, TrendValueType::Proportion, HB).is_significant());
        for (c, d, why) in [
            (None, Some(1000.0), TrendReason::MissingValues),
            (Some(f64::NAN), Some(1000.0), TrendReason::MissingValues),
            (Some(100.0), None, TrendReason::MissingValues),
            (Some(0.0), Some(1000.0), TrendReason::ProportionOfZeroOrOne),
            (Some(1000.0), Some(1000.0), TrendReason::ProportionOfZeroOrOne),
            (Some(-1.0), Some(1000.0), TrendReason::InvalidValues),
            (Some(1001.0), Some(1000.0), TrendReason::InvalidValues),
            (Some(10.0), Some(0.0), TrendReason::InvalidValues),
            (Some(f64::INFINITY), Some(1000.0), TrendReason::InvalidValues),
        ] {
            let mut pts = good_props.clone();
            pts[2].numerator = c;
            pts[2].denominator = d;
            assert_eq!(reason(&pts, TrendValueType::Proportion), why);
        }
        // A proportion series given only values and limits has no counts.
        let good_other = others(
            &years,
            &[500.0, 480.0, 455.0, 430.0, 410.0],
            &[490.0, 470.0, 445.0, 420.0, 400.0],
            &[510.0, 490.0, 465.0, 440.0, 420.0],
        );
        assert_eq!(reason(&good_other, TrendValueType::Proportion), TrendReason::MissingValues);
        assert_eq!(reason(&good_props, TrendValueType::Other), TrendReason::MissingValues);
        for (l, u, why) in [
            (None, Some(1.0), TrendReason::MissingConfidenceIntervals),
            (Some(0.0), Some(f64::NAN), TrendReason::MissingConfidenceIntervals),
            (Some(455.0), Some(455.0), TrendReason::InvalidConfidenceInterval),
            (Some(465.0), Some(445.0), TrendReason::InvalidConfidenceInterval),
            (Some(f64::NEG_INFINITY), Some(465.0), TrendReason::InvalidValues),
        ] {
            let mut pts = good_other.clone();
            pts[2].lower = l;
            pts[2].upper = u;
            assert_eq!(reason(&pts, TrendValueType::Other), why);
        }
        let mut pts = good_other.clone();
        pts[2].value = Some(f64::INFINITY);
        assert_eq!(reason(&pts, TrendValueType::Other), TrendReason::InvalidValues);
        // Extreme years do not overflow the break check.
        let extreme = props(&[i32::MIN, i32::MIN + 1, i32::MAX - 2, i32::MAX - 1, i32::MAX], &[1.0; 5], &[2.0; 5]);
        assert_eq!(reason(&extreme, TrendValueType::Proportion), TrendReason::BreakInSeries);
    }

    #[test]
    fn every_wording() {
        let mut m = TrendMarker::cannot(TrendReason::NotEnoughDataPoints, HB);
        let cases = [
            (TrendDirection::Increasing, HB, "Increasing and getting better"),
            (TrendDirection::Increasing, LB, "Increasing and getting worse"),
            (TrendDirection::Increasing, NJ, "Increasing"),
            (TrendDirection::Decreasing, HB, "Decreasing and getting worse"),
            (TrendDirection::Decreasing, LB, "Decreasing and getting better"),
            (TrendDirection::Decreasing, NJ, "Decreasing"),
            (TrendDirection::NoSignificantChange, HB, "No significant change"),
            (TrendDirection::NoSignificantChange, NJ, "No significant change"),
            (TrendDirection::CannotBeCalculated, LB, "Cannot be calculated"),
        ];
        for (d, p, s) in cases {
            m.direction = d;
            m.polarity = p;
            assert_eq!(m.label(), s);
            assert_eq!(m.to_string(), s);
        }
        assert_eq!(
            TrendReason::ValueTypeNotTested.to_string(),
            "The recent trend cannot be calculated for this value type"
        );
    }

    #[test]
    fn low_level_functions_reject_bad_shapes() {
        assert_eq!(chi_squared_for_trend(&[1.0], &[1.0], &[2.0]), None);
        assert_eq!(chi_squared_for_trend(&[1.0, 2.0], &[1.0], &[2.0, 2.0]), None);
        assert_eq!(chi_squared_for_trend(&[1.0, 1.0], &[1.0, 1.0], &[2.0, 2.0]), None);
        assert_eq!(chi_squared_for_trend(&[1.0, 2.0], &[0.0, 0.0], &[2.0, 2.0]), None);
        assert_eq!(logit_gradient(&[1.0, 2.0], &[0.0, 1.0], &[2.0, 2.0]), None);
        assert!(
            weighted_regression_trend(&[1.0, 2.0], &[1.0, 2.0], &[0.0, 1.0], &[2.0], ConfidenceLevel::C95).is_none()
        );
        // The chi-squared is unchanged by shifting t (calendar years or 1..5).
        let c = [120.0, 135.0, 150.0, 170.0, 190.0];
        let d = [1000.0; 5];
        let years = [2015.0, 2016.0, 2017.0, 2018.0, 2019.0];
        let a = chi_squared_for_trend(&ONE_TO_FIVE, &c, &d).unwrap();
        let b = chi_squared_for_trend(&years, &c, &d).unwrap();
        assert!(close(a, b, 1e-12));
    }

    #[test]
    fn limits_at_another_level_give_the_same_test() {
        // Limits at 99.8% are wider by z₉₉.₈/z₉₅; told the level, the test is unchanged.
        let years = [1, 2, 3, 4, 5];
        let v = [30.6, 30.2, 28.0, 24.6, 24.67];
        let se = [0.834, 0.83, 0.82, 0.77, 0.79];
        let z95 = ConfidenceLevel::C95.z();
        let z998 = ConfidenceLevel::C998.z();
        let at = |z: f64| -> Vec<TrendPoint> {
            (0..5).map(|i| TrendPoint::with_limits(years[i], v[i], v[i] - z * se[i], v[i] + z * se[i])).collect()
        };
        let a = recent_trend(&at(z95), TrendValueType::Other, HB);
        let b = recent_trend_at(&at(z998), TrendValueType::Other, HB, ConfidenceLevel::C998);
        assert!(close(a.chi_squared.unwrap(), b.chi_squared.unwrap(), 1e-9));
    }

    fn any_point() -> impl Strategy<Value = TrendPoint> {
        let num = || proptest::option::of(proptest::num::f64::ANY);
        (-3i32..12, num(), num(), num(), num(), num()).prop_map(
            |(year, value, lower, upper, numerator, denominator)| TrendPoint {
                year: 2015 + year,
                value,
                lower,
                upper,
                numerator,
                denominator,
            },
        )
    }

    proptest! {
        #[test]
        fn never_panics(points in proptest::collection::vec(any_point(), 0..9)) {
            for vt in [TrendValueType::Proportion, TrendValueType::Other, TrendValueType::NotTested] {
                for p in [HB, LB, NJ] {
                    let m = recent_trend(&points, vt, p);
                    let _ = m.label();
                    if m.direction != TrendDirection::CannotBeCalculated {
                        prop_assert!(m.chi_squared.is_some_and(|x| x >= 0.0 && x.is_finite()));
                        prop_assert!(m.p_value.is_some_and(|x| (0.0..=1.0).contains(&x)));
                    }
                }
            }
        }

        #[test]
        fn steep_monotone_proportion_with_big_counts_is_significant(
            start in 0.05f64..0.6, step in 0.01f64..0.05, n in 10_000f64..1e7,
            up in any::<bool>(), first in 1990i32..2030,
        ) {
            let ps: Vec<f64> = (0..5).map(|i| start + step * f64::from(i)).collect();
            let mut pts: Vec<TrendPoint> = (0..5)
                .map(|i| TrendPoint::proportion(first + i as i32, (ps[i] * n).round(), n))
                .collect();
            if !up {
                for (i, p) in pts.iter_mut().enumerate() {
                    p.numerator = Some((ps[4 - i] * n).round());
                }
            }
            let m = recent_trend(&pts, TrendValueType::Proportion, NJ);
            prop_assert_eq!(m.direction, if up { TrendDirection::Increasing } else { TrendDirection::Decreasing });
        }

        #[test]
        fn steep_monotone_value_with_narrow_intervals_is_significant(
            start in -1e3f64..1e3, step in 1f64..100.0, half_width in 0.01f64..0.3,
            up in any::<bool>(), first in 1990i32..2030,
        ) {
            let sign = if up { 1.0 } else { -1.0 };
            let pts: Vec<TrendPoint> = (0..5)
                .map(|i| {
                    let v = start + sign * step * f64::from(i);
                    TrendPoint::with_limits(first + i, v, v - half_width * step, v + half_width * step)
                })
                .collect();
            let m = recent_trend(&pts, TrendValueType::Other, HB);
            prop_assert_eq!(m.direction, if up { TrendDirection::Increasing } else { TrendDirection::Decreasing });
        }

        #[test]
        fn flat_series_is_never_significant(
            p in 0.01f64..0.99, n in 10f64..1e7, v in -1e6f64..1e6, hw in 1e-3f64..1e3,
            first in 1990i32..2030,
        ) {
            let c = (p * n).round().clamp(1.0, n - 1.0);
            if c >= 1.0 && c < n {
                let pts: Vec<TrendPoint> = (0..5).map(|i| TrendPoint::proportion(first + i, c, n)).collect();
                let m = recent_trend(&pts, TrendValueType::Proportion, HB);
                prop_assert_eq!(m.direction, TrendDirection::NoSignificantChange);
            }
            let pts: Vec<TrendPoint> = (0..5).map(|i| TrendPoint::with_limits(first + i, v, v - hw, v + hw)).collect();
            let m = recent_trend(&pts, TrendValueType::Other, HB);
            prop_assert_eq!(m.direction, TrendDirection::NoSignificantChange);
        }
    }
}

#[cfg(test)]
mod portal_tests {
    use super::*;

    const HB: Polarity = Polarity::HigherIsBetter;

    /// Points of `years` with values `v`, 95% limits ± `half` and counts c of 1,000.
    fn series(years: &[i32], v: &[Option<f64>], half: f64) -> Vec<TrendPoint> {
        years
            .iter()
            .zip(v)
            .map(|(&year, &value)| TrendPoint {
                year,
                value,
                lower: value.map(|x| x - half),
                upper: value.map(|x| x + half),
                numerator: value.map(|x| x * 10.0),
                denominator: Some(1000.0),
            })
            .collect()
    }

    #[test]
    fn a_gap_year_is_passed_over() {
        // 2018 has no row: the five points 2016, 2017, 2019, 2020, 2021 are t = 1 … 5. Values
        // 10 … 14, limits ± 1 (σ = 2/3.92, w = 3.92²/4 = 3.8416): slope 1 exactly,
        // X² = 1² × w × Σ(t − 3)² = 38.416; every slope leaving one out is 1.
        let pts = series(&[2016, 2017, 2019, 2020, 2021], &[10.0, 11.0, 12.0, 13.0, 14.0].map(Some), 1.0);
        let m = portal_recent_trend(&pts, PortalTrendFrom::Limits, HB);
        assert_eq!((m.direction, m.reason), (TrendDirection::Increasing, TrendReason::SignificantTrend));
        assert!((m.gradient.unwrap() - 1.0).abs() < 1e-12);
        assert!((m.chi_squared.unwrap() - 38.416).abs() < 1e-9, "{:?}", m.chi_squared);
        assert_eq!(m.label(), "Increasing and getting better");
        // The guidance's rule sees a break.
        assert_eq!(recent_trend(&pts, TrendValueType::Other, HB).reason, TrendReason::BreakInSeries);
    }

    #[test]
    fn a_suppressed_year_is_passed_over_and_five_valid_points_are_needed() {
        // 2020 is suppressed (no value): the valid points 2016 … 2019 and 2021 are used, as in
        // the gap-year case.
        let v = [Some(10.0), Some(11.0), Some(12.0), Some(13.0), None, Some(14.0)];
        let pts = series(&[2016, 2017, 2018, 2019, 2020, 2021], &v, 1.0);
        let m = portal_recent_trend(&pts, PortalTrendFrom::Limits, HB);
        assert_eq!(m.direction, TrendDirection::Increasing);
        assert!((m.chi_squared.unwrap() - 38.416).abs() < 1e-9);
        assert_eq!(m.latest_year, Some(2021));
        // Without 2016, four valid points of five: cannot be calculated.
        let m = portal_recent_trend(&pts[1..], PortalTrendFrom::Limits, HB);
        assert_eq!((m.direction, m.reason), (TrendDirection::CannotBeCalculated, TrendReason::NotEnoughValidPoints));
        // A missing count makes a point invalid too; four points in all are not enough.
        let mut pts = series(&[2017, 2018, 2019, 2020, 2021], &[10.0, 11.0, 12.0, 13.0, 14.0].map(Some), 1.0);
        assert_eq!(
            portal_recent_trend(&pts[1..], PortalTrendFrom::Limits, HB).reason,
            TrendReason::NotEnoughDataPoints
        );
        pts[2].numerator = None;
        assert_eq!(portal_recent_trend(&pts, PortalTrendFrom::Limits, HB).reason, TrendReason::NotEnoughValidPoints);
        // A count equal to its denominator anywhere among the valid points.
        pts[2].numerator = Some(1000.0);
        assert_eq!(portal_recent_trend(&pts, PortalTrendFrom::Limits, HB).reason, TrendReason::CountEqualsDenominator);
    }

    #[test]
    fn a_zero_slope_leaving_a_point_out_counts_as_increasing() {
        // Values 0, 0, 0, 0, 4 with limits ± 0.196 (σ = 0.1, w = 100): slope
        // Σ(t − 3)(y − 0.8)/10 = 8/10 = 0.8, X² = 0.64 × 100 × 10 = 640. Leaving out t = 5 the
        // slope is exactly 0, which the portal counts with the increases: Increasing.
        let years = [2017, 2018, 2019, 2020, 2021];
        let pts = series(&years, &[0.0, 0.0, 0.0, 0.0, 4.0].map(Some), 0.196);
        let m = portal_recent_trend(&pts, PortalTrendFrom::Limits, HB);
        assert_eq!(m.direction, TrendDirection::Increasing);
        assert!((m.gradient.unwrap() - 0.8).abs() < 1e-12);
        assert!((m.chi_squared.unwrap() - 640.0).abs() < 1e-6);
        // The guidance's rule calls that zero an outlier.
        assert_eq!(recent_trend(&pts, TrendValueType::Other, HB).reason, TrendReason::OutlierFound);
        // Mirrored (0, 0, 0, 0, −4): slope −0.8, and the zero counts against it: no change.
        let pts = series(&years, &[0.0, 0.0, 0.0, 0.0, -4.0].map(Some), 0.196);
        let m = portal_recent_trend(&pts, PortalTrendFrom::Limits, HB);
        assert_eq!((m.direction, m.reason), (TrendDirection::NoSignificantChange, TrendReason::OutlierFound));
    }

    #[test]
    fn counts_and_limits_are_two_tests_of_one_series() {
        // 100, 115, 130, 145, 160 of 1,000 (10% … 16%): from counts, p̄ = 650/5000 = 0.13,
        // Σc(t − 3) = 150, Σd(t − 3)² = 10,000, X² = 150²/(0.13 × 0.87 × 10,000) = 19.8939…;
        // from the published limits ± 5 points (σ = 10/3.92), slope 1.5,
        // X² = 2.25 × 10 × 3.92²/100 = 3.4574: not significant.
        let years = [2017, 2018, 2019, 2020, 2021];
        let pts = series(&years, &[10.0, 11.5, 13.0, 14.5, 16.0].map(Some), 5.0);
        let counts = portal_recent_trend(&pts, PortalTrendFrom::Counts, HB);
        assert_eq!(counts.direction, TrendDirection::Increasing);
        assert!((counts.chi_squared.unwrap() - 22500.0 / 1131.0).abs() < 1e-9, "{:?}", counts.chi_squared);
        let limits = portal_recent_trend(&pts, PortalTrendFrom::Limits, HB);
        assert_eq!(
            (limits.direction, limits.reason),
            (TrendDirection::NoSignificantChange, TrendReason::NoSignificantTrend)
        );
        assert!((limits.chi_squared.unwrap() - 2.25 * 10.0 * 3.92 * 3.92 / 100.0).abs() < 1e-9);
    }

    #[test]
    fn quarters_of_one_year_are_points_in_order() {
        // Five quarters, two years: the year is not read, the order is.
        let pts = series(&[2023, 2023, 2023, 2024, 2024], &[10.0, 11.0, 12.0, 13.0, 14.0].map(Some), 1.0);
        assert_eq!(portal_recent_trend(&pts, PortalTrendFrom::Limits, HB).direction, TrendDirection::Increasing);
    }
}
