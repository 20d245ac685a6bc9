//! Funnel plots: control limits around an average, and which areas lie outside them.
//!
//! A funnel plot shows each area's value against its size (population, expected events or
//! events) with the average across all areas as a horizontal line and two pairs of control
//! limits that narrow as the size grows: the 95% limits ("2 sigma", a one-sided tail of 0.025)
//! and the 99.8% limits ("3 sigma", a one-sided tail of 0.001). An area outside them differs from
//! the average by more than chance alone would explain. This module ports the funnel functions
//! of the reference (PHEindicatormethods 2.1.0, `Funnels.R` and the helpers `poisson_cis`,
//! `poisson_funnel`, `funnel_ratio_significance` and `sigma_adjustment` of `utils.R`):
//!
//! | reference | here |
//! | --- | --- |
//! | `calculate_funnel_limits` | [`funnel_limits`] |
//! | `assign_funnel_significance` | [`funnel_significance`] |
//! | `calculate_funnel_points` | [`funnel_points`] |
//!
//! # Method
//!
//! Average: p̄ = Σ numerator / Σ d, where d is the denominator (proportion), the expected
//! events (ratio), or for rates the denominator derived from the rate,
//! d = multiplier × events / rate (a directly standardised rate with no events has no d; a
//! crude rate with no events uses its given denominator).
//!
//! *Proportions* (Wilson): for each population n on the axis, the limit is the observed
//! proportion whose Wilson score limit at level p equals p̄, with s = Φ⁻¹(p)² and p = 0.975
//! (2 sigma) or 0.999 (3 sigma):
//!
//! ```text
//! limit = (p̄(n/s + 1) ∓ √D / 8) / (1/s + 1/n) / n × multiplier
//! D     = (8p̄(n/s + 1))² − 64(1/s + 1/n)·p̄·(n(p̄(n/s + 2) − 1) + s(p̄ − 1))
//! ```
//!
//! kept within 0 and 100 (the reference's bounds, whatever the multiplier).
//!
//! *Ratios and rates* (Poisson): for each count O on the axis, the expected count E at which O
//! lies on the limit is found by bisection on v ∈ (0, 1) with E = (1 + O)·v/(1 − v): the lower
//! limit is where P(X ≤ O | E) = 0.025 (or 0.001), the upper where P(X ≥ O | E) = 0.025 (or 0.001),
//! X ~ Poisson(E). Ratios plot O/E (− 1 for a count ratio, × 100 for an indirectly standardised
//! ratio); rates plot O/(E/p̄) × multiplier, with the population E/p̄ reported per year of data.
//!
//! *Significance*: a proportion is "Low" below its lower Wilson funnel limit and "High" above
//! the upper one; a ratio (rate) is "High" when the lower Poisson limit of the area's count,
//! divided by its expected count (derived denominator), lies above 1 (the average), "Low" when
//! the upper limit lies below; exact (χ²) limits below 10 events, Byar's from 10. Directly
//! standardised rates with fewer than 10 events are "Not applicable".
//!
//! # Axis
//!
//! The 100 axis points run from a rounded minimum to a rounded maximum of the denominators,
//! spaced geometrically so that they crowd where the funnel is widest; the rounding and the
//! spacing are the reference's, step by step (see [`funnel_limits`]).
//!
//! # References
//!
//! Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
//! Medicine 2005; 24: 1185-1202. OHID, Fingertips technical guidance, "Funnel plots"
//! (<https://fingertips.phe.org.uk/profile/guidance/supporting-information/PH-methods>);
//! the APHO funnel plot tool (Excel macro) whose Poisson search the reference reproduces.
//! Wilson EB. J Am Stat Assoc 1927; 22: 209-212. Breslow NE, Day NE. Statistical methods in
//! cancer research, volume II. Lyon: IARC; 1987.
//!
//! # Where this differs from the reference
//!
//! - A record with events (numerator above zero) must have a rate above zero for a rate
//!   funnel; the reference silently drops such a record from the average's denominator (a
//!   missing rate) or divides by zero (a zero rate).
//! - Proportion records are checked (0 ≤ numerator ≤ denominator, denominator > 0) for the
//!   limits as well as for significance; the reference checks them only for significance.
//! - The discriminant D of the Wilson inversion is never negative in exact arithmetic; where
//!   rounding makes it negative (an average of exactly 0 or 1) it is taken as 0, where the
//!   reference would give NaN.
//! - Axis maxima above [`MAX_POISSON_AXIS`] events are refused (the reference's series would
//!   not finish in useful time); above a Poisson mean of [`EXACT_SERIES_UP_TO`] the probability
//!   is summed from the mode instead of from zero, with the reference's stopping rule, which
//!   agrees with the reference's series to rounding (checked to 1e-12 below that mean).

use std::fmt;

use crate::distributions::{chi_squared_quantile, normal_quantile};
use crate::error::{non_negative, positive};
use crate::StatsError;

/// Which kind of ratio a ratio funnel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RatioType {
    /// Observed/expected − 1, centred on 0 (the reference's `ratio_type = "count"`).
    Count,
    /// An indirectly standardised ratio, observed/expected × 100, centred on 100
    /// (`ratio_type = "isr"`).
    Isr,
}

/// Which kind of rate a rate funnel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateType {
    /// A directly standardised rate (`rate_type = "dsr"`): a record with no events has no
    /// derived denominator, and fewer than 10 events give no significance and no chart point.
    Dsr,
    /// A crude rate (`rate_type = "crude"`): a record with no events uses its given
    /// denominator.
    Crude,
}

/// The statistic a funnel plot is drawn for (the reference's `statistic` with its
/// `ratio_type` or `rate_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunnelStatistic {
    /// A proportion x/n: Wilson score limits on the axis of populations.
    Proportion,
    /// A ratio of observed to expected events: Poisson limits on the axis of events.
    Ratio {
        /// Count (O/E − 1) or indirectly standardised ratio (O/E × 100).
        ratio_type: RatioType,
    },
    /// A crude or directly standardised rate: Poisson limits on the axis of events.
    Rate {
        /// Crude or directly standardised.
        rate_type: RateType,
    },
}

impl FunnelStatistic {
    /// The reference's `statistic` column: "proportion", "ratio (count)", "ratio (isr)",
    /// "rate (dsr per 100,000)", "rate (crude per 100)" (the multiplier as R's
    /// `format(multiplier, big.mark = ",", scientific = FALSE)` prints it).
    pub fn label(self, multiplier: f64) -> String {
        match self {
            FunnelStatistic::Proportion => "proportion".to_string(),
            FunnelStatistic::Ratio { ratio_type: RatioType::Count } => "ratio (count)".to_string(),
            FunnelStatistic::Ratio { ratio_type: RatioType::Isr } => "ratio (isr)".to_string(),
            FunnelStatistic::Rate { rate_type } => {
                let kind = match rate_type {
                    RateType::Dsr => "dsr",
                    RateType::Crude => "crude",
                };
                format!("rate ({kind} per {})", format_with_big_mark(multiplier))
            }
        }
    }

    /// The reference's `method` column: "Wilson" for proportions, "Poisson" otherwise.
    pub fn method(self) -> &'static str {
        match self {
            FunnelStatistic::Proportion => "Wilson",
            _ => "Poisson",
        }
    }

    /// The reference's name for the axis column: "Population" (proportion),
    /// "Observed_events" (ratio), "Events" (rate).
    pub fn axis_label(self) -> &'static str {
        match self {
            FunnelStatistic::Proportion => "Population",
            FunnelStatistic::Ratio { .. } => "Observed_events",
            FunnelStatistic::Rate { .. } => "Events",
        }
    }
}

/// One area's figures for a funnel plot.
///
/// Which fields are used depends on the statistic: a proportion uses `numerator` (cases) and
/// `denominator` (population); a ratio uses `numerator` (observed events) and `denominator`
/// (expected events); a rate uses `numerator` (events) and `rate` (the rate per multiplier),
/// and `denominator` (population) only where there are no events.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FunnelRecord {
    /// Cases (proportion), observed events (ratio) or events (rate); never missing.
    pub numerator: f64,
    /// Population (proportion, rate) or expected events (ratio).
    pub denominator: Option<f64>,
    /// The area's rate per multiplier (rate funnels only).
    pub rate: Option<f64>,
}

impl FunnelRecord {
    /// A proportion record: `numerator` cases out of `denominator`.
    pub fn proportion(numerator: f64, denominator: f64) -> Self {
        FunnelRecord { numerator, denominator: Some(denominator), rate: None }
    }

    /// A ratio record: `observed` events against `expected` events.
    pub fn ratio(observed: f64, expected: f64) -> Self {
        FunnelRecord { numerator: observed, denominator: Some(expected), rate: None }
    }

    /// A rate record: `events` and the area's `rate` per multiplier, without a denominator
    /// (enough when every area has events).
    pub fn rate(events: f64, rate: f64) -> Self {
        FunnelRecord { numerator: events, denominator: None, rate: Some(rate) }
    }

    /// A rate record with its denominator, needed where `events` is 0; `rate` may be missing
    /// only where `events` is 0.
    pub fn rate_with_denominator(events: f64, rate: Option<f64>, denominator: f64) -> Self {
        FunnelRecord { numerator: events, denominator: Some(denominator), rate }
    }
}

/// One control limit at one axis point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FunnelLimit {
    /// The limit on the scale of the statistic (× multiplier for proportions and rates; − 1 or
    /// × 100 for ratios).
    pub limit: f64,
    /// Where an area with the axis point's count lies on this limit: the expected events
    /// (ratio; the reference's `*_exp_events`) or the population per year of data (rate;
    /// `*_population_1_year`). `None` for proportions, whose axis is the population itself.
    pub denominator: Option<f64>,
}

/// One of the 100 rows of funnel limits (one axis point).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FunnelLimitRow {
    /// The axis point: population (proportion), events (rate), or for ratios the count the
    /// reference calls `Observed_events` (its range is that of the expected events).
    pub axis: f64,
    /// Lower 95% limit (`lower_2s_limit`, one-sided tail 0.025).
    pub lower_2s: FunnelLimit,
    /// Upper 95% limit (`upper_2s_limit`).
    pub upper_2s: FunnelLimit,
    /// Lower 99.8% limit (`lower_3s_limit`, one-sided tail 0.001).
    pub lower_3s: FunnelLimit,
    /// Upper 99.8% limit (`upper_3s_limit`).
    pub upper_3s: FunnelLimit,
    /// The average × multiplier (`baseline`); `None` for ratios, which the reference gives no
    /// baseline (it is 0 for a count ratio and 100 for an indirectly standardised ratio).
    pub baseline: Option<f64>,
}

/// Funnel plot limits: what `calculate_funnel_limits` returns, with its metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct FunnelLimits {
    /// The statistic the limits are for.
    pub statistic: FunnelStatistic,
    /// The multiplier the limits are expressed with (unused for ratios).
    pub multiplier: f64,
    /// The average: Σ numerator / Σ (derived) denominator, before the multiplier.
    pub average: f64,
    /// The 100 rows, in increasing order of the axis.
    pub rows: Vec<FunnelLimitRow>,
}

impl FunnelLimits {
    /// The reference's `statistic` column, e.g. "rate (dsr per 100,000)".
    pub fn statistic_label(&self) -> String {
        self.statistic.label(self.multiplier)
    }

    /// The reference's `method` column: "Wilson" or "Poisson".
    pub fn method(&self) -> &'static str {
        self.statistic.method()
    }

    /// The reference's axis column name: "Population", "Observed_events" or "Events".
    pub fn axis_label(&self) -> &'static str {
        self.statistic.axis_label()
    }
}

/// Where an area lies against the funnel limits, worded as the reference's factor levels.
///
/// Ordered as the reference orders its levels: "High (0.001)", "High (0.025)",
/// "Low (0.001)", "Low (0.025)", "Not significant",
/// "Not applicable for events less than 10 for dsrs".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FunnelSignificance {
    /// "High (0.001)": above the upper 99.8% (3 sigma) limit.
    HighThreeSigma,
    /// "High (0.025)": above the upper 95% (2 sigma) limit only.
    HighTwoSigma,
    /// "Low (0.001)": below the lower 99.8% (3 sigma) limit.
    LowThreeSigma,
    /// "Low (0.025)": below the lower 95% (2 sigma) limit only.
    LowTwoSigma,
    /// "Not significant": within the 95% limits.
    NotSignificant,
    /// "Not applicable for events less than 10 for dsrs": a directly standardised rate with
    /// fewer than 10 events.
    NotApplicableDsrUnder10,
}

impl FunnelSignificance {
    /// Every level in the reference's order.
    pub const LEVELS: [FunnelSignificance; 6] = [
        FunnelSignificance::HighThreeSigma,
        FunnelSignificance::HighTwoSigma,
        FunnelSignificance::LowThreeSigma,
        FunnelSignificance::LowTwoSigma,
        FunnelSignificance::NotSignificant,
        FunnelSignificance::NotApplicableDsrUnder10,
    ];

    /// The reference's wording, e.g. "High (0.001)".
    pub fn label(self) -> &'static str {
        match self {
            FunnelSignificance::HighThreeSigma => "High (0.001)",
            FunnelSignificance::HighTwoSigma => "High (0.025)",
            FunnelSignificance::LowThreeSigma => "Low (0.001)",
            FunnelSignificance::LowTwoSigma => "Low (0.025)",
            FunnelSignificance::NotSignificant => "Not significant",
            FunnelSignificance::NotApplicableDsrUnder10 => "Not applicable for events less than 10 for dsrs",
        }
    }

    /// The level whose [`label`](Self::label) is `text`, if any.
    pub fn from_label(text: &str) -> Option<Self> {
        Self::LEVELS.into_iter().find(|level| level.label() == text)
    }
}

impl fmt::Display for FunnelSignificance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A rate record prepared for charting (`calculate_funnel_points`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FunnelPoint {
    /// The rate to plot (`<rate>_chart`): the rate, or `None` for a directly standardised rate
    /// with fewer than 10 events.
    pub rate_chart: Option<f64>,
    /// The population per year to plot it against (`denominator_derived`):
    /// multiplier × events / rate / years of data; for a crude rate with no events, the
    /// denominator / years of data; `None` for a directly standardised rate with fewer than
    /// 10 events.
    pub denominator_derived: Option<f64>,
}

/// The largest axis maximum (events, or expected events for ratios) a Poisson funnel accepts.
///
/// The reference's search sums Poisson probabilities term by term; above about a billion
/// events no real indicator goes and the sums would not finish in useful time.
pub const MAX_POISSON_AXIS: f64 = 1e9;

/// Up to this Poisson mean the probability is summed exactly as the reference sums it (from
/// zero upward); above it, from the mode (the same value to rounding, in O(√mean) steps).
pub const EXACT_SERIES_UP_TO: f64 = 1e5;

/// Tail probabilities of the funnel limits: 0.025 (95%, 2 sigma) and 0.001 (99.8%, 3 sigma).
const TWO_SIGMA_TAIL: f64 = 0.025;
const THREE_SIGMA_TAIL: f64 = 0.001;

/// Funnel plot control limits (`calculate_funnel_limits` of the reference): 100 axis points
/// with the 95% (2 sigma) and 99.8% (3 sigma) limits around the average of `records`.
///
/// `multiplier` scales proportions (100 = percentage) and rates (100,000 = per 100,000); the
/// reference requires it for ratios too but does not use it. `years_of_data` is the number of
/// years the data cover: for rates the axis is rounded on one-year populations and the
/// populations at the limits are reported per year; it is not used for proportions and ratios
/// (the reference takes it only for rates).
///
/// # Axis points (as the reference chooses them)
///
/// With d the (derived) denominators, the axis minimum is 0 when max d > 2 min d, otherwise
/// `floor_neat(min d)` (for rates `floor_neat(min d / years) × years`); the axis maximum is
/// `ceiling_neat(max d)` (for rates `ceiling_neat(max d / years) × years`), where
///
/// ```text
/// floor_neat(x)   = floor(0.95x / 10^k) × 10^k,   k = nchar(floor(0.95x)) − 1
/// ceiling_neat(x) = ceiling(1.05x / 10^k) × 10^k, k = nchar(ceiling(1.05x)) − 2
/// ```
///
/// and `nchar` counts the characters R prints for the number (so 100000, printed "1e+05",
/// counts 5). For rates both ends are then turned into events: floor(min × p̄) and
/// ceiling(max × p̄). The points are a₁ = max(1, minimum) and, for j = 2…100,
///
/// ```text
/// aⱼ = max(round((maximum / aⱼ₋₁)^(1/(101 − j)) × aⱼ₋₁), aⱼ₋₁ + 1)
/// ```
///
/// with 101 − (j − 1) in place of 101 − j for ratios (so their last point stops short of the
/// maximum) and R's rounding (half to even).
///
/// # Limits
///
/// See the module documentation: Wilson inversion for proportions (bounded by 0 and 100),
/// the reference's Poisson bisection for ratios and rates.
///
/// # Errors
///
/// No records; a numerator that is negative or not finite; for proportions a denominator
/// missing, not above zero or below the numerator; for ratios expected events missing or not
/// above zero; for rates a record with events and no rate above zero, a record without events
/// and no denominator above zero, no derived denominator at all, or no events at all; a
/// multiplier (proportions, rates) or `years_of_data` (rates) not above zero; an axis maximum
/// above [`MAX_POISSON_AXIS`] for ratios and rates. Errors name the record (counted from 1).
pub fn funnel_limits(
    records: &[FunnelRecord],
    statistic: FunnelStatistic,
    multiplier: f64,
    years_of_data: f64,
) -> Result<FunnelLimits, StatsError> {
    if records.is_empty() {
        return Err(StatsError::Invalid("a funnel plot needs at least one record".to_string()));
    }
    if !matches!(statistic, FunnelStatistic::Ratio { .. }) {
        positive("multiplier", multiplier)?;
    }
    if let FunnelStatistic::Rate { .. } = statistic {
        positive("years_of_data", years_of_data)?;
    }
    let derived = derived_denominators(records, statistic, multiplier, Formula::Limits)?;

    // Baseline average and the range of the denominators.
    let numerator_sum: f64 = records.iter().map(|r| r.numerator).sum();
    let present: Vec<f64> = derived.iter().flatten().copied().collect();
    if present.is_empty() {
        return Err(StatsError::Invalid(
            "a funnel plot needs at least one record with a denominator (a directly \
             standardised rate with events)"
                .to_string(),
        ));
    }
    let denominator_sum: f64 = present.iter().sum();
    let average = numerator_sum / denominator_sum;
    let min_denominator = present.iter().copied().fold(f64::INFINITY, f64::min);
    let max_denominator = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !average.is_finite() {
        return Err(StatsError::Invalid(format!(
            "the funnel average (Σ numerator / Σ denominator) is not a finite number: {average}"
        )));
    }

    // Axis ends.
    let is_rate = matches!(statistic, FunnelStatistic::Rate { .. });
    let mut axis_minimum = if max_denominator > 2.0 * min_denominator {
        0.0
    } else if is_rate {
        signif_floor(min_denominator / years_of_data) * years_of_data
    } else {
        signif_floor(min_denominator)
    };
    let mut axis_maximum = if is_rate {
        signif_ceiling(max_denominator / years_of_data) * years_of_data
    } else {
        signif_ceiling(max_denominator)
    };
    if is_rate {
        if average <= 0.0 {
            return Err(StatsError::Invalid(
                "a rate funnel needs at least one event in total (the average rate is zero)".to_string(),
            ));
        }
        axis_minimum = (axis_minimum * average).floor();
        axis_maximum = (axis_maximum * average).ceil();
    }
    let beyond_poisson_reach = axis_maximum.is_nan() || axis_maximum > MAX_POISSON_AXIS;
    if !matches!(statistic, FunnelStatistic::Proportion) && beyond_poisson_reach {
        return Err(StatsError::OutOfRange {
            field: "funnel axis maximum (events)",
            expected: "at most 1e9",
            value: axis_maximum,
        });
    }
    if !axis_maximum.is_finite() {
        return Err(StatsError::NotFinite { field: "funnel axis maximum", value: axis_maximum });
    }

    let axis = axis_points(axis_minimum, axis_maximum, statistic);

    let rows = match statistic {
        FunnelStatistic::Proportion => axis
            .iter()
            .map(|&population| {
                let limit = |p: f64, side: Side| FunnelLimit {
                    limit: {
                        let value = sigma_adjustment(p, population, average, side, multiplier);
                        match side {
                            Side::Low => r_max(0.0, value),
                            Side::High => r_min(100.0, value),
                        }
                    },
                    denominator: None,
                };
                FunnelLimitRow {
                    axis: population,
                    lower_2s: limit(1.0 - TWO_SIGMA_TAIL, Side::Low),
                    upper_2s: limit(1.0 - TWO_SIGMA_TAIL, Side::High),
                    lower_3s: limit(1.0 - THREE_SIGMA_TAIL, Side::Low),
                    upper_3s: limit(1.0 - THREE_SIGMA_TAIL, Side::High),
                    baseline: Some(average * multiplier),
                }
            })
            .collect(),
        FunnelStatistic::Ratio { ratio_type } => axis
            .iter()
            .map(|&observed| {
                let limit = |tail: f64, side: Side| {
                    let expected = poisson_funnel(observed, tail, side);
                    let ratio = observed / expected;
                    FunnelLimit {
                        limit: match ratio_type {
                            RatioType::Count => ratio - 1.0,
                            RatioType::Isr => ratio * 100.0,
                        },
                        denominator: Some(expected),
                    }
                };
                FunnelLimitRow {
                    axis: observed,
                    lower_2s: limit(TWO_SIGMA_TAIL, Side::High),
                    upper_2s: limit(TWO_SIGMA_TAIL, Side::Low),
                    lower_3s: limit(THREE_SIGMA_TAIL, Side::High),
                    upper_3s: limit(THREE_SIGMA_TAIL, Side::Low),
                    baseline: None,
                }
            })
            .collect(),
        FunnelStatistic::Rate { .. } => axis
            .iter()
            .map(|&events| {
                let limit = |tail: f64, side: Side| {
                    let population = poisson_funnel(events, tail, side) / average;
                    FunnelLimit {
                        limit: events / population * multiplier,
                        denominator: Some(population / years_of_data),
                    }
                };
                FunnelLimitRow {
                    axis: events,
                    lower_2s: limit(TWO_SIGMA_TAIL, Side::High),
                    upper_2s: limit(TWO_SIGMA_TAIL, Side::Low),
                    lower_3s: limit(THREE_SIGMA_TAIL, Side::High),
                    upper_3s: limit(THREE_SIGMA_TAIL, Side::Low),
                    baseline: Some(average * multiplier),
                }
            })
            .collect(),
    };

    Ok(FunnelLimits { statistic, multiplier, average, rows })
}

/// Where each record lies against the funnel limits (`assign_funnel_significance` of the
/// reference), in the order of `records`.
///
/// - Proportion: with p̄ = Σx / Σn, x/n below the lower Wilson funnel limit at 0.999 is
///   "Low (0.001)", else below the one at 0.975 "Low (0.025)", else above the upper at 0.999
///   "High (0.001)", else above the upper at 0.975 "High (0.025)", else "Not significant"
///   (limits on the 0-1 scale; `multiplier` not used).
/// - Ratio: with O observed and E expected, "High (0.001)" when L₉₉.₈(O)/E > 1, else
///   "High (0.025)" when L₉₅(O)/E > 1, else "Low (0.001)" when U₉₉.₈(O)/E < 1, else
///   "Low (0.025)" when U₉₅(O)/E < 1, else "Not significant" (`multiplier` not used).
/// - Rate: as for ratios with E the derived denominator d = multiplier × events / rate (for a
///   crude rate with no events, the denominator) and the weighted average
///   p̄ = Σ events / Σ d in place of 1; a record without d (a directly standardised rate with
///   no events) is "Not significant", and a directly standardised rate with fewer than 10
///   events is "Not applicable for events less than 10 for dsrs".
///
/// L and U are the Poisson limits of a count O at level c, with c′ = 0.5 + c/2: exact below
/// 10 events, L = χ²(1 − c′; 2O)/2 (0 for O = 0) and U = χ²(c′; 2O + 2)/2; Byar's from 10,
/// L = O(1 − 1/(9O) − z/(3√O))³ and U = (O + 1)(1 − 1/(9(O + 1)) + z/(3√(O + 1)))³, z = Φ⁻¹(c′).
///
/// # Errors
///
/// No records; a numerator negative or not finite; a given denominator not above zero; for
/// proportions a missing denominator or a numerator above its denominator; for ratios missing
/// expected events; for rates a multiplier not above zero, a record with events and no rate
/// above zero, or a record without events and no denominator. Errors name the record (counted
/// from 1).
pub fn funnel_significance(
    records: &[FunnelRecord],
    statistic: FunnelStatistic,
    multiplier: f64,
) -> Result<Vec<FunnelSignificance>, StatsError> {
    if records.is_empty() {
        return Err(StatsError::Invalid("a funnel plot needs at least one record".to_string()));
    }
    match statistic {
        FunnelStatistic::Proportion => {
            let derived = derived_denominators(records, statistic, 1.0, Formula::Significance)?;
            let numerator_sum: f64 = records.iter().map(|r| r.numerator).sum();
            let denominator_sum: f64 = derived.iter().flatten().sum();
            let average = numerator_sum / denominator_sum;
            Ok(records
                .iter()
                .zip(&derived)
                .map(|(record, n)| {
                    let n = n.unwrap_or(f64::NAN);
                    let value = record.numerator / n;
                    let limit = |p: f64, side: Side| sigma_adjustment(p, n, average, side, 1.0);
                    if value < limit(1.0 - THREE_SIGMA_TAIL, Side::Low) {
                        FunnelSignificance::LowThreeSigma
                    } else if value < limit(1.0 - TWO_SIGMA_TAIL, Side::Low) {
                        FunnelSignificance::LowTwoSigma
                    } else if value > limit(1.0 - THREE_SIGMA_TAIL, Side::High) {
                        FunnelSignificance::HighThreeSigma
                    } else if value > limit(1.0 - TWO_SIGMA_TAIL, Side::High) {
                        FunnelSignificance::HighTwoSigma
                    } else {
                        FunnelSignificance::NotSignificant
                    }
                })
                .collect())
        }
        FunnelStatistic::Ratio { .. } => {
            let derived = derived_denominators(records, statistic, 1.0, Formula::Significance)?;
            Ok(records
                .iter()
                .zip(&derived)
                .map(|(record, expected)| poisson_significance(record.numerator, expected.unwrap_or(f64::NAN), 1.0))
                .collect())
        }
        FunnelStatistic::Rate { rate_type } => {
            positive("multiplier", multiplier)?;
            let derived = derived_denominators(records, statistic, multiplier, Formula::Significance)?;
            let numerator_sum: f64 = records.iter().map(|r| r.numerator).sum();
            let denominator_sum: f64 = derived.iter().flatten().sum();
            let weighted_average = numerator_sum / denominator_sum;
            Ok(records
                .iter()
                .zip(&derived)
                .map(|(record, d)| {
                    if rate_type == RateType::Dsr && record.numerator < 10.0 {
                        return FunnelSignificance::NotApplicableDsrUnder10;
                    }
                    match d {
                        Some(d) => poisson_significance(record.numerator, *d, weighted_average),
                        None => FunnelSignificance::NotSignificant,
                    }
                })
                .collect())
        }
    }
}

/// Rates prepared for plotting on a rate funnel (`calculate_funnel_points` of the reference),
/// in the order of `records`.
///
/// Directly standardised: fewer than 10 events give no point; otherwise the rate and
/// (multiplier × events / rate) / years of data. Crude: the rate and
/// (multiplier × events / rate) / years of data, or denominator / years of data where there are
/// no events.
///
/// # Errors
///
/// `years_of_data` or `multiplier` not above zero; a numerator negative or not finite; a
/// record with events and no rate above zero; a record without events and no denominator
/// above zero. Errors name the record (counted from 1).
pub fn funnel_points(
    records: &[FunnelRecord],
    rate_type: RateType,
    years_of_data: f64,
    multiplier: f64,
) -> Result<Vec<FunnelPoint>, StatsError> {
    positive("years_of_data", years_of_data)?;
    positive("multiplier", multiplier)?;
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let (events, rate, denominator) = check_rate_record(i, record)?;
            Ok(match rate_type {
                RateType::Dsr => {
                    if events < 10.0 {
                        FunnelPoint { rate_chart: None, denominator_derived: None }
                    } else {
                        let rate = rate.unwrap_or(f64::NAN);
                        FunnelPoint {
                            rate_chart: Some(rate),
                            denominator_derived: Some((multiplier * events / rate) / years_of_data),
                        }
                    }
                }
                RateType::Crude => {
                    if events == 0.0 {
                        FunnelPoint { rate_chart: rate, denominator_derived: denominator.map(|n| n / years_of_data) }
                    } else {
                        let rate = rate.unwrap_or(f64::NAN);
                        FunnelPoint {
                            rate_chart: Some(rate),
                            denominator_derived: Some((multiplier * events / rate) / years_of_data),
                        }
                    }
                }
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Input checks and derived denominators.

/// Where a derived denominator is computed: the reference writes the rate formula in a
/// different order in its limits and its significance functions (the same value up to
/// rounding); both are kept so that ties break as they do there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Formula {
    Limits,
    Significance,
}

/// Prefixes an input error with the record it came from (counted from 1).
fn at_record(index: usize, error: StatsError) -> StatsError {
    StatsError::Invalid(format!("funnel record {}: {error}", index + 1))
}

/// Checks a rate record: events ≥ 0; a rate > 0 where there are events; a denominator > 0
/// where there are none; any given denominator > 0. Returns (events, rate, denominator).
fn check_rate_record(index: usize, record: &FunnelRecord) -> Result<(f64, Option<f64>, Option<f64>), StatsError> {
    let events = non_negative("numerator", record.numerator).map_err(|e| at_record(index, e))?;
    if let Some(n) = record.denominator {
        positive("denominator", n).map_err(|e| at_record(index, e))?;
    }
    if let Some(rate) = record.rate {
        non_negative("rate", rate).map_err(|e| at_record(index, e))?;
    }
    if events > 0.0 {
        match record.rate {
            Some(rate) if rate > 0.0 => {}
            Some(rate) => {
                return Err(at_record(
                    index,
                    StatsError::NotPositive { field: "rate (where there are events)", value: rate },
                ))
            }
            None => {
                return Err(at_record(
                    index,
                    StatsError::Invalid("for rates, a rate must be provided where there are events".to_string()),
                ))
            }
        }
    } else if record.denominator.is_none() {
        return Err(at_record(
            index,
            StatsError::Invalid(
                "for rates, where there are 0 events for a record, the denominator must be \
                 provided"
                    .to_string(),
            ),
        ));
    }
    Ok((events, record.rate, record.denominator))
}

/// Checks every record for `statistic` and returns its (derived) denominator: the
/// denominator (proportion), the expected events (ratio), or for rates
/// multiplier × events / rate, the denominator for a crude rate without events, and `None` for
/// a directly standardised rate without events.
fn derived_denominators(
    records: &[FunnelRecord],
    statistic: FunnelStatistic,
    multiplier: f64,
    formula: Formula,
) -> Result<Vec<Option<f64>>, StatsError> {
    records
        .iter()
        .enumerate()
        .map(|(i, record)| match statistic {
            FunnelStatistic::Proportion => {
                let x = non_negative("numerator", record.numerator).map_err(|e| at_record(i, e))?;
                let n = record.denominator.ok_or_else(|| {
                    at_record(
                        i,
                        StatsError::Invalid(
                            "for proportions, numerators and denominators must be provided \
                             for all records, even when their values are zero"
                                .to_string(),
                        ),
                    )
                })?;
                positive("denominator", n).map_err(|e| at_record(i, e))?;
                if x > n {
                    return Err(at_record(i, StatsError::NumeratorAboveDenominator { numerator: x, denominator: n }));
                }
                Ok(Some(n))
            }
            FunnelStatistic::Ratio { .. } => {
                non_negative("observed events", record.numerator).map_err(|e| at_record(i, e))?;
                let expected = record.denominator.ok_or_else(|| {
                    at_record(
                        i,
                        StatsError::Invalid("for ratios, expected events must be provided for all records".to_string()),
                    )
                })?;
                positive("expected events", expected).map_err(|e| at_record(i, e))?;
                Ok(Some(expected))
            }
            FunnelStatistic::Rate { rate_type } => {
                let (events, rate, denominator) = check_rate_record(i, record)?;
                if events == 0.0 {
                    return Ok(match rate_type {
                        RateType::Dsr => None,
                        RateType::Crude => denominator,
                    });
                }
                let rate = rate.unwrap_or(f64::NAN);
                Ok(Some(match (rate_type, formula) {
                    (RateType::Dsr, Formula::Significance) => events / rate * multiplier,
                    _ => multiplier * events / rate,
                }))
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Axis.

/// The number of characters R's `as.character` prints for a whole number `x` (R's `nchar` of
/// a double): fixed notation unless scientific notation is strictly shorter, so 100000 prints
/// "1e+05" (5) while 110000 prints "110000" (6). At most 15 significant digits are printed.
fn r_nchar_whole(x: f64) -> usize {
    if x == 0.0 || !x.is_finite() {
        // "0"; "Inf", "NaN" (not reached: inputs are finite).
        return if x == 0.0 { 1 } else { 3 };
    }
    let sign = usize::from(x < 0.0);
    // 15 significant digits, as R prints doubles.
    let sci = format!("{:.14e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let significant = mantissa.replace('.', "").trim_end_matches('0').len().max(1);
    let exponent_width = if exponent.abs() >= 100 { 3 } else { 2 };
    let sci_width = sign + significant + usize::from(significant > 1) + 2 + exponent_width;
    let fixed_width = if exponent >= 0 {
        sign + exponent as usize + 1
    } else {
        // Not reached for whole numbers; "0.000…ddd".
        sign + 2 + (-exponent) as usize - 1 + significant
    };
    if fixed_width <= sci_width {
        fixed_width
    } else {
        sci_width
    }
}

/// The reference's `signif.floor`: rounds 0.95x down to its leading digit,
/// floor(0.95x / 10^k) × 10^k with k = nchar(floor(0.95x)) − 1; 0 for x = 0.
fn signif_floor(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let scaled = x * 0.95;
    let n = r_nchar_whole(scaled.floor()) as f64 - 1.0;
    let power = 10f64.powf(n);
    (scaled / power).floor() * power
}

/// The reference's `signif.ceiling`: rounds 1.05x up to its two leading digits,
/// ceiling(1.05x / 10^k) × 10^k with k = nchar(ceiling(1.05x)) − 2; 0 for x = 0.
fn signif_ceiling(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let scaled = x * 1.05;
    let n = r_nchar_whole(scaled.ceil()) as f64 - 2.0;
    let power = 10f64.powf(n);
    (scaled / power).ceil() * power
}

/// R's `^` for the axis spacing: `x^2` is `x*x`, `1^y` and `x^0` are 1, otherwise C's `pow`.
fn r_pow(x: f64, y: f64) -> f64 {
    if y == 2.0 {
        x * x
    } else if x == 1.0 || y == 0.0 {
        1.0
    } else {
        x.powf(y)
    }
}

/// The 100 axis points from `minimum` to `maximum`, spaced as the reference spaces them.
fn axis_points(minimum: f64, maximum: f64, statistic: FunnelStatistic) -> Vec<f64> {
    let mut points = Vec::with_capacity(100);
    let mut previous = r_max(1.0, minimum);
    points.push(previous);
    for j in 2..=100u32 {
        let offset = match statistic {
            FunnelStatistic::Ratio { .. } => j - 1,
            _ => j,
        };
        let exponent = 1.0 / f64::from(101 - offset);
        let next = (r_pow(maximum / previous, exponent) * previous).round_ties_even();
        previous = r_max(next, previous + 1.0);
        points.push(previous);
    }
    points
}

/// R's `max(a, b)` for two numbers: NaN if either is NaN.
fn r_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// R's `min(a, b)` for two numbers: NaN if either is NaN.
fn r_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

// ---------------------------------------------------------------------------------------------
// Limits.

/// Which end of an interval.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Low,
    High,
}

/// The reference's `sigma_adjustment`: the proportion (× multiplier) on the lower or upper
/// funnel limit at probability `p` for a population, given the average proportion. It inverts
/// the Wilson score interval (see the module documentation); a discriminant made negative by
/// rounding counts as 0.
fn sigma_adjustment(p: f64, population: f64, average: f64, side: Side, multiplier: f64) -> f64 {
    let q = normal_quantile(p);
    let q2 = q * q;
    let first_part = average * (population / q2 + 1.0);
    let a = -8.0 * average * (population / q2 + 1.0);
    let discriminant = a * a
        - 64.0
            * (1.0 / q2 + 1.0 / population)
            * average
            * (population * (average * (population / q2 + 2.0) - 1.0) + q2 * (average - 1.0));
    let adj = if discriminant < 0.0 { 0.0 } else { discriminant.sqrt() };
    let last_part = 1.0 / q2 + 1.0 / population;
    let value = match side {
        Side::Low => (first_part - adj / 8.0) / last_part,
        Side::High => (first_part + adj / 8.0) / last_part,
    };
    (value / population) * multiplier
}

/// The reference's `poisson_cis`: P(x_a ≤ X ≤ x_b) for X ~ Poisson(z).
///
/// Up to [`EXACT_SERIES_UP_TO`] it is the reference's series exactly: terms zᵏ/k! from k = 0,
/// rescaled by 1e30 when the total passes 1e30, until k > z and the term falls below 1e-10 of
/// the total. Above, the same sum is taken from the mode ([`poisson_between_from_mode`]),
/// which takes O(√z) steps instead of O(z).
fn poisson_cis(z: f64, x_a: f64, x_b: f64) -> f64 {
    if !z.is_finite() {
        return f64::NAN;
    }
    if z > EXACT_SERIES_UP_TO {
        return poisson_between_from_mode(z, x_a, x_b);
    }
    let mut q = 1.0;
    let mut tot = 0.0;
    let mut s = 0.0;
    let mut k = 0.0;
    while k <= z || q > tot * 1e-10 {
        tot += q;
        if k >= x_a && k <= x_b {
            s += q;
        }
        if tot > 1e30 {
            s /= 1e30;
            tot /= 1e30;
            q /= 1e30;
        }
        k += 1.0;
        q = q * z / k;
    }
    s / tot
}

/// P(x_a ≤ X ≤ x_b) for X ~ Poisson(z) in O(√z) steps, with the reference's truncation.
///
/// Terms are taken relative to the mode's, t(⌊z⌋) = 1: downward t(k−1) = t(k)·k/z until a
/// term falls below 1e-20 (the reference adds those too, but they cannot change the total),
/// then upward t(k+1) = t(k)·z/(k+1) with the reference's own stopping rule (stop once k > z
/// and the next term is at most 1e-10 of the running total). The reference's series leaves
/// out the tail beyond that point (about 1e-9 of the total at z = 1000); stopping where it
/// stops keeps the same truncation, so the two agree to rounding.
fn poisson_between_from_mode(z: f64, x_a: f64, x_b: f64) -> f64 {
    const NEGLIGIBLE: f64 = 1e-20;
    let mode = z.floor();
    let in_range = |k: f64| k >= x_a && k <= x_b;
    // Below the mode.
    let mut total = 0.0;
    let mut inside = 0.0;
    let mut term = 1.0;
    let mut k = mode;
    while k > 0.0 {
        term *= k / z;
        k -= 1.0;
        if term < NEGLIGIBLE {
            break;
        }
        total += term;
        if in_range(k) {
            inside += term;
        }
    }
    // From the mode upward, as the reference's loop runs.
    let mut q = 1.0;
    let mut k = mode;
    while k <= z || q > total * 1e-10 {
        total += q;
        if in_range(k) {
            inside += q;
        }
        k += 1.0;
        q = q * z / k;
    }
    inside / total
}

/// The reference's `poisson_funnel`: the expected count E at which `observed` lies on a funnel
/// limit with one-sided tail probability `p`, by 23 halvings of v ∈ (0, 1), E = (1 + O)v/(1 − v).
///
/// `Side::Low` finds E with P(X ≥ O | E) = p (the upper ratio limit O/E); `Side::High` finds E
/// with P(X ≤ O | E) = p (the lower ratio limit).
fn poisson_funnel(observed: f64, p: f64, side: Side) -> f64 {
    let mut v = 0.5;
    let mut dv = 0.5;
    while dv > 1e-7 {
        dv /= 2.0;
        let mean = (1.0 + observed) * v / (1.0 - v);
        let move_down = match side {
            Side::Low => poisson_cis(mean, observed, 10_000_000_000.0) > p,
            Side::High => poisson_cis(mean, 0.0, observed) < p,
        };
        if move_down {
            v -= dv;
        } else {
            v += dv;
        }
    }
    (1.0 + observed) * v / (1.0 - v)
}

/// The reference's `funnel_ratio_significance`: the lower (`Side::Low`) or upper Poisson
/// limit of the count `observed` at confidence `confidence`, divided by `expected`.
///
/// Exact below 10 events, χ²(1 − c′; 2O)/2 and χ²(c′; 2O + 2)/2 with c′ = 0.5 + c/2 (the
/// reference asks `qchisq` for the upper tail at c′ for the lower limit; the lower tail at
/// 1 − c′ is the same quantile); Byar's from 10; 0 for the lower limit of 0 events.
fn funnel_ratio_significance(observed: f64, expected: f64, confidence: f64, side: Side) -> f64 {
    let tail = 0.5 + confidence / 2.0;
    let statistic = if observed == 0.0 && side == Side::Low {
        0.0
    } else if observed < 10.0 {
        match side {
            Side::Low => chi_squared_quantile(1.0 - tail, 2.0 * observed) / 2.0,
            Side::High => chi_squared_quantile(tail, 2.0 * observed + 2.0) / 2.0,
        }
    } else {
        let z = normal_quantile(tail);
        match side {
            Side::Low => {
                let o = observed;
                o * (1.0 - 1.0 / (9.0 * o) - z / 3.0 / o.sqrt()).powf(3.0)
            }
            Side::High => {
                let o = observed + 1.0;
                o * (1.0 - 1.0 / (9.0 * o) + z / 3.0 / o.sqrt()).powf(3.0)
            }
        }
    };
    statistic / expected
}

/// Significance of a count `observed` with expected count (derived denominator) `expected`
/// against the average `average` (1 for ratios), in the reference's order of tests.
fn poisson_significance(observed: f64, expected: f64, average: f64) -> FunnelSignificance {
    let limit = |confidence: f64, side: Side| funnel_ratio_significance(observed, expected, confidence, side);
    if average < limit(0.998, Side::Low) {
        FunnelSignificance::HighThreeSigma
    } else if average < limit(0.95, Side::Low) {
        FunnelSignificance::HighTwoSigma
    } else if average > limit(0.998, Side::High) {
        FunnelSignificance::LowThreeSigma
    } else if average > limit(0.95, Side::High) {
        FunnelSignificance::LowTwoSigma
    } else {
        FunnelSignificance::NotSignificant
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting.

/// R's `format(x, big.mark = ",", scientific = FALSE)` for a multiplier: whole numbers with
/// thousands separators ("100,000"), others to 7 significant digits ("1,234.568", "0.5").
fn format_with_big_mark(x: f64) -> String {
    let plain = if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.is_finite() && x != 0.0 {
        let magnitude = x.abs().log10().floor() as i32 + 1;
        let decimals = (7 - magnitude).max(0) as usize;
        let text = format!("{x:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    } else {
        format!("{x}")
    };
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    if !whole.bytes().all(|b| b.is_ascii_digit()) {
        return plain;
    }
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reference CSV as a header and rows of fields.
    /// Handles the BOM, quoted fields, and quoted line breaks.
    fn read_reference(file: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let text = crate::testdata::reference_text(file);
        let text = text.trim_start_matches('\u{feff}');
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => record.push(std::mem::take(&mut field)),
                ('\r', false) => {}
                ('\n', false) => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                _ => field.push(c),
            }
        }
        if !field.is_empty() || !record.is_empty() {
            record.push(field);
            records.push(record);
        }
        let mut records = records.into_iter();
        let header = records.next().expect("a header").into_iter().map(|h| h.trim().to_string()).collect();
        (header, records.filter(|r| r.iter().any(|f| !f.is_empty())).collect())
    }

    fn column(header: &[String], name: &str) -> usize {
        header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    }

    fn number(text: &str) -> Option<f64> {
        if text.is_empty() || text == "NA" {
            None
        } else {
            Some(text.parse().unwrap_or_else(|_| panic!("not a number: {text}")))
        }
    }

    /// Half a unit in the last printed place of a value printed with at most 10 significant
    /// digits and at most 9 decimals (the layout of most funnel CSVs), with a hair of slack.
    fn tolerance_10_significant(expected: f64) -> f64 {
        if expected == 0.0 {
            return 5e-10;
        }
        let exponent = expected.abs().log10().floor();
        0.5 * 10f64.powf(exponent - 9.0).max(1e-9) * (1.0 + 1e-6) + 1e-12
    }

    fn assert_printed(got: f64, expected: f64, tolerance: f64, context: &str) {
        assert!(
            (got - expected).abs() <= tolerance,
            "{context}: got {got}, reference {expected} (tolerance {tolerance})"
        );
    }

    /// The records of `testdata_funnel_rate_input_funnels.csv` (ev, rate, pop).
    fn rate_funnel_input() -> Vec<(f64, f64, f64)> {
        let (header, rows) = read_reference("testdata_funnel_rate_input_funnels.csv");
        let (ev, rate, pop) = (column(&header, "ev"), column(&header, "rate"), column(&header, "pop"));
        rows.iter().map(|r| (number(&r[ev]).unwrap(), number(&r[rate]).unwrap(), number(&r[pop]).unwrap())).collect()
    }

    /// Compares limits with a reference CSV laid out as the rate outputs (`Events`,
    /// `lower_2s_population_1_year`, `lower_2s_limit`, …, `baseline`, `statistic`, `method`).
    fn check_rate_outputs(limits: &FunnelLimits, file: &str) {
        let (header, rows) = read_reference(file);
        assert_eq!(limits.rows.len(), rows.len(), "{file}: number of rows");
        let col = |name: &str| column(&header, name);
        for (i, (row, expected)) in limits.rows.iter().zip(&rows).enumerate() {
            let value = |name: &str| number(&expected[col(name)]).unwrap();
            let check = |got: f64, name: &str| {
                let e = value(name);
                assert_printed(got, e, tolerance_10_significant(e), &format!("{file} row {} {name}", i + 1));
            };
            assert_eq!(row.axis, value("Events"), "{file} row {} Events", i + 1);
            check(row.lower_2s.denominator.unwrap(), "lower_2s_population_1_year");
            check(row.lower_2s.limit, "lower_2s_limit");
            check(row.upper_2s.denominator.unwrap(), "upper_2s_population_1_year");
            check(row.upper_2s.limit, "upper_2s_limit");
            check(row.lower_3s.denominator.unwrap(), "lower_3s_population_1_year");
            check(row.lower_3s.limit, "lower_3s_limit");
            check(row.upper_3s.denominator.unwrap(), "upper_3s_population_1_year");
            check(row.upper_3s.limit, "upper_3s_limit");
            check(row.baseline.unwrap(), "baseline");
            assert_eq!(limits.statistic_label(), expected[col("statistic")], "{file} statistic");
            assert_eq!(limits.method(), expected[col("method")], "{file} method");
        }
    }

    // --- calculate_funnel_limits -------------------------------------------------------------

    /// The proportion test records (`testdata_funnel_prop_inputs.csv`), optionally filtered.
    fn proportion_inputs(keep: impl Fn(f64) -> bool) -> Vec<(FunnelRecord, String)> {
        let (header, rows) = read_reference("testdata_funnel_prop_inputs.csv");
        let (x, n, s) = (column(&header, "numerator"), column(&header, "denominator"), column(&header, "significance"));
        rows.iter()
            .map(|r| (FunnelRecord::proportion(number(&r[x]).unwrap(), number(&r[n]).unwrap()), r[s].clone()))
            .filter(|(record, _)| keep(record.denominator.unwrap()))
            .collect()
    }

    /// testFunnels.R "confidence limits calculate correctly for proportions": all 303 records,
    /// multiplier 100. `testdata_funnel_prop_outputs.csv` is printed to 6 decimals, so values
    /// are compared to ±0.5e-6 (axis points exactly).
    #[test]
    fn proportion_limits_match_reference() {
        let inputs = proportion_inputs(|_| true);
        let records: Vec<_> = inputs.iter().map(|(r, _)| *r).collect();
        let limits = funnel_limits(&records, FunnelStatistic::Proportion, 100.0, 1.0).unwrap();
        let (header, rows) = read_reference("testdata_funnel_prop_outputs.csv");
        assert_eq!(header[0], "Population");
        assert_eq!(limits.rows.len(), rows.len());
        let tolerance = 0.5e-6 * (1.0 + 1e-6) + 1e-12;
        for (i, (row, expected)) in limits.rows.iter().zip(&rows).enumerate() {
            let e: Vec<f64> = expected.iter().map(|t| number(t).unwrap()).collect();
            let context = format!("prop_outputs row {}", i + 1);
            assert_eq!(row.axis, e[0], "{context} Population");
            assert_printed(row.lower_2s.limit, e[1], tolerance, &context);
            assert_printed(row.upper_2s.limit, e[2], tolerance, &context);
            assert_printed(row.lower_3s.limit, e[3], tolerance, &context);
            assert_printed(row.upper_3s.limit, e[4], tolerance, &context);
            assert_printed(row.baseline.unwrap(), e[5], tolerance, &context);
            assert_eq!(row.lower_2s.denominator, None);
        }
        assert_eq!(limits.statistic_label(), "proportion");
        assert_eq!(limits.method(), "Wilson");
        assert_eq!(limits.axis_label(), "Population");
    }

    /// testFunnels.R "with axis variation": records with denominator < 31000, so that the axis
    /// starts at a rounded minimum (10000). The CSV is printed to 10 significant digits.
    #[test]
    fn proportion_limits_with_axis_variation_match_reference() {
        let inputs = proportion_inputs(|n| n < 31000.0);
        let records: Vec<_> = inputs.iter().map(|(r, _)| *r).collect();
        let limits = funnel_limits(&records, FunnelStatistic::Proportion, 100.0, 1.0).unwrap();
        let (_, rows) = read_reference("testdata_funnel_prop_outputs_with_axis_variation.csv");
        assert_eq!(limits.rows.len(), rows.len());
        assert_eq!(limits.rows[0].axis, 10000.0);
        for (i, (row, expected)) in limits.rows.iter().zip(&rows).enumerate() {
            let e: Vec<f64> = expected.iter().map(|t| number(t).unwrap()).collect();
            let context = format!("axis_variation row {}", i + 1);
            assert_eq!(row.axis, e[0], "{context} Population");
            let got =
                [row.lower_2s.limit, row.upper_2s.limit, row.lower_3s.limit, row.upper_3s.limit, row.baseline.unwrap()];
            for (g, e) in got.iter().zip(&e[1..]) {
                assert_printed(*g, *e, tolerance_10_significant(*e), &context);
            }
        }
        assert_eq!(limits.statistic_label(), "proportion");
        assert_eq!(limits.method(), "Wilson");
    }

    fn ratio_inputs() -> Vec<(FunnelRecord, String)> {
        let (header, rows) = read_reference("testdata_funnel_ratio_inputs.csv");
        let (o, e, s) = (column(&header, "obs"), column(&header, "expected"), column(&header, "significance"));
        rows.iter()
            .map(|r| (FunnelRecord::ratio(number(&r[o]).unwrap(), number(&r[e]).unwrap()), r[s].clone()))
            .collect()
    }

    /// testFunnels.R "ratios (count)" and "ratios (isr)": the 300 ratio records, multiplier
    /// 100; one CSV holds both (`*_count`, `*_isr` and the shared `*_exp_events`), printed to
    /// 10 significant digits.
    #[test]
    fn ratio_limits_match_reference() {
        let inputs = ratio_inputs();
        let records: Vec<_> = inputs.iter().map(|(r, _)| *r).collect();
        let (header, rows) = read_reference("testdata_funnel_ratio_outputs.csv");
        for ratio_type in [RatioType::Count, RatioType::Isr] {
            let statistic = FunnelStatistic::Ratio { ratio_type };
            let limits = funnel_limits(&records, statistic, 100.0, 1.0).unwrap();
            assert_eq!(limits.rows.len(), rows.len());
            let suffix = match ratio_type {
                RatioType::Count => "count",
                RatioType::Isr => "isr",
            };
            for (i, (row, expected)) in limits.rows.iter().zip(&rows).enumerate() {
                let value = |name: &str| number(&expected[column(&header, name)]).unwrap();
                let context = format!("ratio_outputs ({suffix}) row {}", i + 1);
                assert_eq!(row.axis, value("Observed_events"), "{context}");
                for (limit, name) in [
                    (row.lower_2s, "lower_2s"),
                    (row.upper_2s, "upper_2s"),
                    (row.lower_3s, "lower_3s"),
                    (row.upper_3s, "upper_3s"),
                ] {
                    let e = value(&format!("{name}_exp_events"));
                    assert_printed(
                        limit.denominator.unwrap(),
                        e,
                        tolerance_10_significant(e),
                        &format!("{context} {name}_exp_events"),
                    );
                    let e = value(&format!("{name}_{suffix}"));
                    assert_printed(limit.limit, e, tolerance_10_significant(e), &format!("{context} {name}_{suffix}"));
                }
                assert_eq!(row.baseline, None);
            }
            assert_eq!(limits.method(), "Poisson");
            assert_eq!(limits.axis_label(), "Observed_events");
        }
        let count = FunnelStatistic::Ratio { ratio_type: RatioType::Count };
        assert_eq!(count.label(100.0), "ratio (count)");
        assert_eq!(FunnelStatistic::Ratio { ratio_type: RatioType::Isr }.label(100.0), "ratio (isr)");
    }

    /// testFunnels.R "rates (dsr)": ev and rate of `testdata_funnel_rate_input_funnels.csv`,
    /// multiplier 1e5, 3 years, no denominators → `testdata_funnel_rate_outputs.csv`
    /// (10 significant digits).
    #[test]
    fn dsr_rate_limits_match_reference() {
        let input = rate_funnel_input();
        let records: Vec<_> = input.iter().map(|&(ev, rate, _)| FunnelRecord::rate(ev, rate)).collect();
        let statistic = FunnelStatistic::Rate { rate_type: RateType::Dsr };
        let limits = funnel_limits(&records, statistic, 1e5, 3.0).unwrap();
        check_rate_outputs(&limits, "testdata_funnel_rate_outputs.csv");
        assert_eq!(limits.axis_label(), "Events");
    }

    /// testFunnels.R "rates (crude); with less than 10 events": as above with the largest
    /// count set to 5, crude → `testdata_funnel_rate_outputs_2.csv`.
    #[test]
    fn crude_rate_limits_with_few_events_match_reference() {
        let input = rate_funnel_input();
        let max_ev = input.iter().map(|r| r.0).fold(f64::MIN, f64::max);
        let records: Vec<_> =
            input.iter().map(|&(ev, rate, _)| FunnelRecord::rate(if ev == max_ev { 5.0 } else { ev }, rate)).collect();
        let statistic = FunnelStatistic::Rate { rate_type: RateType::Crude };
        let limits = funnel_limits(&records, statistic, 1e5, 3.0).unwrap();
        check_rate_outputs(&limits, "testdata_funnel_rate_outputs_2.csv");
    }

    /// testFunnels.R "rates (crude); with 0 events and denominator supplied": pop = 1e5·ev/rate,
    /// then the record with the most events gets 0 events and rate 0, and only records with
    /// pop > max(pop)/2 are kept → `testdata_funnel_rate_outputs_3.csv`.
    #[test]
    fn crude_rate_limits_with_zero_events_match_reference() {
        let input = rate_funnel_input();
        let max_ev = input.iter().map(|r| r.0).fold(f64::MIN, f64::max);
        let with_pop: Vec<(f64, f64, f64)> = input
            .iter()
            .map(|&(ev, rate, _)| {
                let pop = 1e5 * ev / rate;
                if ev == max_ev {
                    (0.0, 0.0, pop)
                } else {
                    (ev, rate, pop)
                }
            })
            .collect();
        let max_pop = with_pop.iter().map(|r| r.2).fold(f64::MIN, f64::max);
        let records: Vec<_> = with_pop
            .iter()
            .filter(|r| r.2 > max_pop / 2.0)
            .map(|&(ev, rate, pop)| FunnelRecord::rate_with_denominator(ev, Some(rate), pop))
            .collect();
        let statistic = FunnelStatistic::Rate { rate_type: RateType::Crude };
        let limits = funnel_limits(&records, statistic, 1e5, 3.0).unwrap();
        check_rate_outputs(&limits, "testdata_funnel_rate_outputs_3.csv");
    }

    // --- assign_funnel_significance ----------------------------------------------------------

    /// testFunnels.R "Significance for proportions": all 303 records.
    #[test]
    fn proportion_significance_matches_reference() {
        let inputs = proportion_inputs(|_| true);
        let records: Vec<_> = inputs.iter().map(|(r, _)| *r).collect();
        let got = funnel_significance(&records, FunnelStatistic::Proportion, 100.0).unwrap();
        for (i, (g, (_, expected))) in got.iter().zip(&inputs).enumerate() {
            assert_eq!(g.to_string(), *expected, "prop_inputs row {}", i + 1);
        }
    }

    /// testFunnels.R "Significance for ratios": all 300 records.
    #[test]
    fn ratio_significance_matches_reference() {
        let inputs = ratio_inputs();
        let records: Vec<_> = inputs.iter().map(|(r, _)| *r).collect();
        for ratio_type in [RatioType::Count, RatioType::Isr] {
            let got = funnel_significance(&records, FunnelStatistic::Ratio { ratio_type }, 100.0).unwrap();
            for (i, (g, (_, expected))) in got.iter().zip(&inputs).enumerate() {
                assert_eq!(g.to_string(), *expected, "ratio_inputs row {}", i + 1);
            }
        }
    }

    /// The eight rate significance tests of testFunnels.R on
    /// `testdata_funnel_rate_dsr_inputs.csv` (count, rate, pop; with and without the record of
    /// 0 events).
    #[test]
    fn rate_significance_matches_reference() {
        let (header, rows) = read_reference("testdata_funnel_rate_dsr_inputs.csv");
        let col = |name: &str| column(&header, name);
        let cases = [
            ("rate_dsr", RateType::Dsr, 1e5, true, "dsr_per_100000_with_0"),
            ("rate_dsr", RateType::Dsr, 1e5, false, "dsr_per_100000_without_0"),
            ("rate_dsr", RateType::Dsr, 100.0, false, "dsr_per_100_without_0"),
            ("rate_crude_per_100000", RateType::Crude, 1e5, true, "crude_per_100000_with_0"),
            ("rate_crude_per_100000", RateType::Crude, 1e5, false, "crude_per_100000_without_0"),
            ("rate_crude_per_100", RateType::Crude, 100.0, true, "crude_per_100_with_0"),
            ("rate_crude_per_100", RateType::Crude, 100.0, false, "crude_per_100_without_0"),
        ];
        for (rate_column, rate_type, multiplier, with_zero, expected_column) in cases {
            let selected: Vec<&Vec<String>> =
                rows.iter().filter(|r| with_zero || number(&r[col("count")]) != Some(0.0)).collect();
            let records: Vec<_> = selected
                .iter()
                .map(|r| {
                    FunnelRecord::rate_with_denominator(
                        number(&r[col("count")]).unwrap(),
                        number(&r[col(rate_column)]),
                        number(&r[col("pop")]).unwrap(),
                    )
                })
                .collect();
            let got = funnel_significance(&records, FunnelStatistic::Rate { rate_type }, multiplier).unwrap();
            assert_eq!(got.len(), selected.len());
            for (i, (g, r)) in got.iter().zip(&selected).enumerate() {
                assert_eq!(g.label(), r[col(expected_column)], "{expected_column} row {}", i + 1);
            }
        }
        // The CSV's column `dsr_per_100_with_0` has no test in testFunnels.R; check it too
        // (dsr per 100, all records).
        let records: Vec<_> = rows
            .iter()
            .map(|r| {
                FunnelRecord::rate_with_denominator(
                    number(&r[col("count")]).unwrap(),
                    number(&r[col("rate_dsr")]),
                    number(&r[col("pop")]).unwrap(),
                )
            })
            .collect();
        let got = funnel_significance(&records, FunnelStatistic::Rate { rate_type: RateType::Dsr }, 100.0).unwrap();
        for (i, (g, r)) in got.iter().zip(&rows).enumerate() {
            assert_eq!(g.label(), r[col("dsr_per_100_with_0")], "dsr_per_100_with_0 row {}", i + 1);
        }
    }

    // --- calculate_funnel_points -------------------------------------------------------------

    fn check_points(got: &[FunnelPoint], rate_column: &str, denominator_column: &str) {
        let (header, rows) = read_reference("testdata_funnel_rate_input_funnels.csv");
        assert_eq!(got.len(), rows.len());
        for (i, (point, row)) in got.iter().zip(&rows).enumerate() {
            let context = format!("{denominator_column} row {}", i + 1);
            assert_eq!(point.rate_chart, number(&row[column(&header, rate_column)]), "{context}");
            match (point.denominator_derived, number(&row[column(&header, denominator_column)])) {
                (Some(g), Some(e)) => assert_printed(g, e, tolerance_10_significant(e), &context),
                (g, e) => assert_eq!(g, e, "{context}"),
            }
        }
    }

    /// testFunnels.R "calculate_funnel_points works for dsrs with events less than 5": the
    /// largest count set to 5, dsr, 3 years, per 100,000.
    #[test]
    fn dsr_points_match_reference() {
        let input = rate_funnel_input();
        let max_ev = input.iter().map(|r| r.0).fold(f64::MIN, f64::max);
        let records: Vec<_> =
            input.iter().map(|&(ev, rate, _)| FunnelRecord::rate(if ev == max_ev { 5.0 } else { ev }, rate)).collect();
        let got = funnel_points(&records, RateType::Dsr, 3.0, 1e5).unwrap();
        check_points(&got, "rate_chart", "denominator_derived");
    }

    /// testFunnels.R "calculate_funnel_points works for crude …": crude, 3 years.
    #[test]
    fn crude_points_match_reference() {
        let input = rate_funnel_input();
        let records: Vec<_> = input.iter().map(|&(ev, rate, _)| FunnelRecord::rate(ev, rate)).collect();
        let got = funnel_points(&records, RateType::Crude, 3.0, 1e5).unwrap();
        check_points(&got, "rate_chart_crude", "denominator_derived_crude");
    }

    /// testFunnels.R "… with 0 event record and denominators supplied": the largest count set
    /// to 0 (rate kept), pop as denominator, crude, 5 years.
    #[test]
    fn crude_points_with_zero_events_match_reference() {
        let input = rate_funnel_input();
        let max_ev = input.iter().map(|r| r.0).fold(f64::MIN, f64::max);
        let records: Vec<_> = input
            .iter()
            .map(|&(ev, rate, pop)| {
                FunnelRecord::rate_with_denominator(if ev == max_ev { 0.0 } else { ev }, Some(rate), pop)
            })
            .collect();
        let got = funnel_points(&records, RateType::Crude, 5.0, 1e5).unwrap();
        check_points(&got, "rate_chart_crude_with_denom", "denominator_derived_crude_with_denom");
    }

    // --- errors, as testFunnels.R checks them ------------------------------------------------

    fn message(result: Result<impl std::fmt::Debug, StatsError>) -> String {
        result.expect_err("expected an error").to_string()
    }

    #[test]
    fn refuses_what_the_reference_refuses() {
        let proportion = FunnelStatistic::Proportion;
        // "denominators must be greater than zero"
        let records = [
            FunnelRecord::proportion(65.0, 100.0),
            FunnelRecord::proportion(80.0, 100.0),
            FunnelRecord::proportion(30.0, 0.0),
        ];
        let text = message(funnel_significance(&records, proportion, 100.0));
        assert!(text.contains("record 3") && text.contains("denominator must be greater than zero"), "{text}");
        // "numerators must be greater than or equal to zero"
        let records = [FunnelRecord::proportion(-80.0, 100.0)];
        let text = message(funnel_significance(&records, proportion, 100.0));
        assert!(text.contains("numerator must be greater than or equal to zero"), "{text}");
        // "numerators must be less than or equal to denominator for a proportion statistic"
        let records = [FunnelRecord::proportion(30.0, 20.0)];
        let text = message(funnel_significance(&records, proportion, 100.0));
        assert!(text.contains("numerator (30) must be less than or equal to denominator (20)"), "{text}");
        // a proportion record without its denominator
        let records = [FunnelRecord { numerator: 3.0, denominator: None, rate: None }];
        assert!(message(funnel_limits(&records, proportion, 100.0, 1.0)).contains("must be provided"));
        // rates: 0 events need a denominator
        let dsr = FunnelStatistic::Rate { rate_type: RateType::Dsr };
        let records = [FunnelRecord::rate(100.0, 50.0), FunnelRecord::rate(100.0, 25.0), FunnelRecord::rate(0.0, 0.0)];
        let text = message(funnel_limits(&records, dsr, 100.0, 1.0));
        assert!(text.contains("where there are 0 events for a record, the denominator must be provided"), "{text}");
        assert!(message(funnel_significance(&records, dsr, 100.0)).contains("record 3"));
        assert!(message(funnel_points(&records, RateType::Dsr, 3.0, 1e5)).contains("record 3"));
        // a zero denominator where there are no events
        let records = [FunnelRecord::rate_with_denominator(0.0, None, 0.0)];
        assert!(message(funnel_points(&records, RateType::Crude, 3.0, 1e5)).contains("denominator"));
        // events without a rate
        let records = [FunnelRecord::rate_with_denominator(12.0, None, 1000.0)];
        assert!(message(funnel_limits(&records, dsr, 1e5, 1.0)).contains("a rate must be provided"));
        // years of data and multiplier
        let records = [FunnelRecord::rate(100.0, 50.0)];
        assert!(message(funnel_limits(&records, dsr, 100.0, 0.0)).contains("years_of_data"));
        assert!(message(funnel_significance(&records, dsr, f64::NAN)).contains("multiplier"));
        assert!(message(funnel_points(&records, RateType::Dsr, -1.0, 100.0)).contains("years_of_data"));
        // no records at all
        assert!(funnel_limits(&[], proportion, 100.0, 1.0).is_err());
        assert!(funnel_significance(&[], proportion, 100.0).is_err());
        // a directly standardised funnel with no events anywhere has no denominator
        let records = [FunnelRecord::rate_with_denominator(0.0, Some(0.0), 1000.0)];
        assert!(funnel_limits(&records, dsr, 1e5, 1.0).is_err());
        // ratios: expected events must be above zero
        let ratio = FunnelStatistic::Ratio { ratio_type: RatioType::Isr };
        let records = [FunnelRecord::ratio(3.0, 0.0)];
        assert!(message(funnel_significance(&records, ratio, 100.0)).contains("expected events"));
        // an axis beyond the Poisson search's reach
        let records = [FunnelRecord::ratio(3e9, 3e9)];
        assert!(message(funnel_limits(&records, ratio, 100.0, 1.0)).contains("axis maximum"));
    }

    // --- pieces ------------------------------------------------------------------------------

    #[test]
    fn significance_labels_are_the_references() {
        let labels: Vec<String> = FunnelSignificance::LEVELS.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            labels,
            [
                "High (0.001)",
                "High (0.025)",
                "Low (0.001)",
                "Low (0.025)",
                "Not significant",
                "Not applicable for events less than 10 for dsrs"
            ]
        );
        for level in FunnelSignificance::LEVELS {
            assert_eq!(FunnelSignificance::from_label(level.label()), Some(level));
        }
        assert_eq!(FunnelSignificance::from_label("High"), None);
        assert!(FunnelSignificance::HighThreeSigma < FunnelSignificance::NotSignificant);
    }

    #[test]
    fn statistic_labels_format_the_multiplier_as_r() {
        let dsr = FunnelStatistic::Rate { rate_type: RateType::Dsr };
        let crude = FunnelStatistic::Rate { rate_type: RateType::Crude };
        assert_eq!(dsr.label(1e5), "rate (dsr per 100,000)");
        assert_eq!(crude.label(100.0), "rate (crude per 100)");
        assert_eq!(crude.label(1e6), "rate (crude per 1,000,000)");
        assert_eq!(crude.label(1000.0), "rate (crude per 1,000)");
        assert_eq!(format_with_big_mark(1234.5), "1,234.5");
        assert_eq!(format_with_big_mark(0.5), "0.5");
        assert_eq!(format_with_big_mark(1234.56789), "1,234.568");
    }

    /// R: nchar(100000) is 5 ("1e+05"), nchar(110000) 6, nchar(1200000) 7, nchar(12000000) 7
    /// ("1.2e+07"), nchar(10000) 5, nchar(0) 1.
    #[test]
    fn nchar_counts_as_r_prints() {
        for (x, width) in [
            (0.0, 1),
            (7.0, 1),
            (10.0, 2),
            (10000.0, 5),
            (100000.0, 5),
            (110000.0, 6),
            (1200000.0, 7),
            (12000000.0, 7),
            (123456789.0, 9),
            (1e15, 5),
            (1e100, 6),
        ] {
            assert_eq!(r_nchar_whole(x), width, "nchar({x})");
        }
    }

    #[test]
    fn neat_axis_rounding() {
        // The proportion test's ends: 16386 → 10000 and 102950 → 110000.
        assert_eq!(signif_floor(16386.0), 10000.0);
        assert_eq!(signif_ceiling(102950.0), 110000.0);
        // The ratio test's maximum: 706.77 × 1.05 → 750.
        assert_eq!(signif_ceiling(706.7669173), 750.0);
        // Small values: ceiling of 1.05 × 4 = 4.2 to one decimal.
        assert!((signif_ceiling(4.0) - 4.2).abs() < 1e-12);
        assert_eq!(signif_floor(0.0), 0.0);
        assert_eq!(signif_ceiling(0.0), 0.0);
        // R's quirk: floor(0.95x) = 12,000,000 prints "1.2e+07" (7 characters), so the floor
        // keeps two digits where the plain width would keep one.
        assert_eq!(signif_floor(12_000_000.0 / 0.95 + 0.5), 12_000_000.0);
    }

    #[test]
    fn axis_points_rise_to_the_maximum() {
        let points = axis_points(0.0, 110000.0, FunnelStatistic::Proportion);
        assert_eq!(points.len(), 100);
        assert_eq!(points[0], 1.0);
        assert_eq!(points[99], 110000.0);
        assert!(points.windows(2).all(|w| w[1] >= w[0] + 1.0));
        let ratio = axis_points(0.0, 750.0, FunnelStatistic::Ratio { ratio_type: RatioType::Count });
        assert!(ratio[99] < 750.0);
    }

    /// The outward-from-the-mode sum agrees with the reference's series where both apply.
    #[test]
    fn poisson_sums_agree() {
        for &z in &[1.0e3f64, 2.5e4, 9.9e4] {
            for &(a, b) in &[(0.0, z * 0.99), (z * 1.01, 1e10), (z.floor(), 1e10), (0.0, z.floor())] {
                let a: f64 = f64::floor(a);
                let b: f64 = f64::floor(b);
                let series = poisson_cis(z, a, b);
                let from_mode = poisson_between_from_mode(z, a, b);
                assert!(
                    (series - from_mode).abs() <= 1e-12 * series.max(1e-300) + 1e-15,
                    "z={z} [{a}, {b}]: {series} vs {from_mode}"
                );
            }
        }
    }

    /// Funnel Poisson limits against exact limits: P(X ≤ O | E_lower) = 0.025 etc.
    #[test]
    fn poisson_funnel_solves_its_equation() {
        for observed in [1.0, 5.0, 40.0, 700.0] {
            let e = poisson_funnel(observed, 0.025, Side::High);
            assert!((poisson_cis(e, 0.0, observed) - 0.025).abs() < 1e-6, "O={observed}");
            let e = poisson_funnel(observed, 0.001, Side::Low);
            assert!((poisson_cis(e, observed, 1e10) - 0.001).abs() < 1e-7, "O={observed}");
        }
    }

    /// A large count ratio funnel (axis near a million expected events) runs via the
    /// outward-from-the-mode sums and keeps its shape.
    #[test]
    fn large_ratio_funnel_runs() {
        let records = [FunnelRecord::ratio(900_000.0, 1_000_000.0), FunnelRecord::ratio(5.0, 4.0)];
        let limits =
            funnel_limits(&records, FunnelStatistic::Ratio { ratio_type: RatioType::Isr }, 100.0, 1.0).unwrap();
        let last = limits.rows[99];
        assert!(last.axis > 5e5);
        assert!(last.lower_3s.limit < last.lower_2s.limit && last.lower_2s.limit < 100.0);
        assert!(last.upper_3s.limit > last.upper_2s.limit && last.upper_2s.limit > 100.0);
        assert!((last.upper_2s.limit - 100.0) < 0.5);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]

            /// Never panics; proportion limits stay ordered and within [0, 100].
            #[test]
            fn proportion_limits_are_ordered(
                pairs in prop::collection::vec((0.0f64..1.0, 1.0f64..1e6), 1..20)
            ) {
                let records: Vec<_> = pairs.iter().map(|&(share, n)| FunnelRecord::proportion((share * n).floor(), n)).collect();
                let limits = funnel_limits(&records, FunnelStatistic::Proportion, 100.0, 1.0).unwrap();
                for row in &limits.rows {
                    prop_assert!(row.lower_3s.limit <= row.lower_2s.limit + 1e-9);
                    prop_assert!(row.upper_2s.limit <= row.upper_3s.limit + 1e-9);
                    prop_assert!(row.lower_3s.limit >= 0.0 && row.upper_3s.limit <= 100.0);
                }
                let significance = funnel_significance(&records, FunnelStatistic::Proportion, 100.0).unwrap();
                prop_assert_eq!(significance.len(), records.len());
            }

            /// Arbitrary numbers never panic (errors are fine).
            #[test]
            fn arbitrary_input_never_panics(
                values in prop::collection::vec((-10.0f64..5000.0, prop::option::of(-1.0f64..1e4), prop::option::of(-1.0f64..500.0)), 0..6),
                multiplier in -1.0f64..1e5,
                years in -1.0f64..5.0,
            ) {
                let records: Vec<_> = values.iter().map(|&(numerator, denominator, rate)| FunnelRecord { numerator, denominator, rate }).collect();
                for statistic in [
                    FunnelStatistic::Proportion,
                    FunnelStatistic::Ratio { ratio_type: RatioType::Count },
                    FunnelStatistic::Rate { rate_type: RateType::Dsr },
                    FunnelStatistic::Rate { rate_type: RateType::Crude },
                ] {
                    let _ = funnel_limits(&records, statistic, multiplier, years);
                    let _ = funnel_significance(&records, statistic, multiplier);
                }
                let _ = funnel_points(&records, RateType::Dsr, years, multiplier);
                let _ = funnel_points(&records, RateType::Crude, years, multiplier);
            }
        }
    }
}
