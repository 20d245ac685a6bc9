//! Comparison of an area's value with a benchmark, and quintile ranking among peers, as the
//! indicator portal (OHID Fingertips) does them.
//!
//! Fingertips colours every value on a spine chart, tartan rug or compare-areas chart by how it
//! compares with a benchmark (England by default; the region, the parent area or a peer group)
//! and words the result by the indicator's [`Polarity`]:
//!
//! | polarity | benchmark below the interval | inside | above the interval |
//! | --- | --- | --- | --- |
//! | higher is better | Better | Similar | Worse |
//! | lower is better | Worse | Similar | Better |
//! | no judgement | Higher | Similar | Lower |
//!
//! and "Not compared" when the value, its limits or the benchmark are missing.
//!
//! # Methods
//!
//! * [`compare_with_benchmark`], the "confidence intervals overlapping the reference value"
//!   method at one level (95% or 99.8%): the area is significantly different when the
//!   benchmark value lies strictly outside the area's confidence interval.
//! * [`compare_at_two_levels`], the same at 95% and 99.8% together, the five-way colouring
//!   (Better 99.8% / Better 95% / Similar / Worse 95% / Worse 99.8%).
//! * [`compare_proportion_with_benchmark`], the "SPC for proportions" method some indicators use:
//!   Wilson score control limits around the benchmark proportion for the area's denominator,
//!   and the area significantly different when its proportion lies outside them.
//! * [`quintiles`], the peer ranking used where no benchmark comparison is meaningful: each
//!   value's quintile among the valid values of the group, numbered 1 (best, or lowest) to 5.
//!
//! # References
//!
//! OHID. Fingertips Public Health Technical Guidance, "Comparing indicator values with a
//! benchmark" and "Spine charts"
//! (<https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/>); PHE
//! Technical Guide "RAG rating indicator values" (2017); the Fingertips source as released by
//! UKHSA (`ukhsa-collaboration/fingertips-open`, `PholioVisualisationWS/Analysis`:
//! `SingleOverlappingCIsForOneCILevelComparer`, `SingleOverlappingCIsForTwoCILevelsComparer`,
//! `SpcForProportionsComparer`, `QuintilesComparer`, `ValueCategoriesCalculator`, and
//! `Export/SignificanceFormatter` for the wording).

use std::fmt;
use std::str::FromStr;

use crate::proportion::{wilson_lower, wilson_upper};
use crate::{ConfidenceLevel, StatsError};

/// Which direction of an indicator is good, as declared in its catalogue entry.
///
/// Fingertips calls these "RAG - High is good", "RAG - Low is good" and "BOB - Blue orange
/// blue" (no judgement: higher and lower values are coloured blue, not red and green).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Polarity {
    /// Higher values are better (e.g. life expectancy, school readiness).
    HigherIsBetter,
    /// Lower values are better (e.g. under-75 mortality, child poverty).
    LowerIsBetter,
    /// No judgement: higher and lower are reported without calling either better.
    NoJudgement,
}

impl Polarity {
    /// The catalogue spelling: "higher is better", "lower is better", "no judgement".
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "higher is better",
            Polarity::LowerIsBetter => "lower is better",
            Polarity::NoJudgement => "no judgement",
        }
    }
}

impl fmt::Display for Polarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Polarity {
    type Err = StatsError;

    /// Accepts the catalogue spellings and the indicator portal's: "higher is better",
    /// "high is good", "RAG - High is good, Low is bad", "HighIsGood"; "lower is better",
    /// "low is good", "RAG - Low is good, High is bad", "LowIsGood"; "no judgement",
    /// "no judgment", "BOB - Blue orange blue", "none"; and the other way round, "higher is
    /// worse" (lower is better) and "lower is worse" (higher is better). Case, spaces, hyphens
    /// and underscores are ignored.
    ///
    /// # Errors
    /// [`StatsError::Invalid`] naming the text and the accepted spellings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
        let polarity = match key.as_str() {
            "higherisbetter"
            | "highisgood"
            | "highergood"
            | "raghighisgood"
            | "raghighisgoodlowisbad"
            | "lowerisworse" => Polarity::HigherIsBetter,
            "lowerisbetter"
            | "lowisgood"
            | "lowergood"
            | "raglowisgood"
            | "raglowisgoodhighisbad"
            | "higherisworse" => Polarity::LowerIsBetter,
            "nojudgement" | "nojudgment" | "none" | "bob" | "bobblueorangeblue" | "blueorangeblue" => {
                Polarity::NoJudgement
            }
            _ => {
                return Err(StatsError::Invalid(format!(
                    "polarity must be \"higher is better\", \"lower is better\" or \"no judgement\", got \"{s}\""
                )))
            }
        };
        Ok(polarity)
    }
}

/// Whether an area's value is statistically significantly higher or lower than its
/// benchmark, before any judgement of better or worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Significance {
    /// The benchmark lies above the area's interval (or its control limits lie above the area).
    Lower,
    /// The benchmark lies inside the area's interval, limits included.
    Similar,
    /// The benchmark lies below the area's interval.
    Higher,
}

/// The comparison of one value with its benchmark at one confidence level, worded by polarity
/// as the indicator portal words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BenchmarkComparison {
    /// Significantly better (higher where higher is better, lower where lower is better).
    Better,
    /// Not significantly different.
    Similar,
    /// Significantly worse.
    Worse,
    /// Significantly higher (no judgement).
    Higher,
    /// Significantly lower (no judgement).
    Lower,
    /// Not compared: the value, its limits or the benchmark are missing or unusable.
    NotCompared,
}

impl BenchmarkComparison {
    /// Words a [`Significance`] by polarity: Better / Similar / Worse, or Higher / Similar /
    /// Lower where there is no judgement.
    pub fn from_significance(significance: Significance, polarity: Polarity) -> Self {
        match (significance, polarity) {
            (Significance::Similar, _) => BenchmarkComparison::Similar,
            (Significance::Higher, Polarity::HigherIsBetter) => BenchmarkComparison::Better,
            (Significance::Higher, Polarity::LowerIsBetter) => BenchmarkComparison::Worse,
            (Significance::Higher, Polarity::NoJudgement) => BenchmarkComparison::Higher,
            (Significance::Lower, Polarity::HigherIsBetter) => BenchmarkComparison::Worse,
            (Significance::Lower, Polarity::LowerIsBetter) => BenchmarkComparison::Better,
            (Significance::Lower, Polarity::NoJudgement) => BenchmarkComparison::Lower,
        }
    }

    /// The indicator portal's wording (its data download's comparison column): "Better",
    /// "Similar", "Worse", "Higher", "Lower", "Not compared".
    pub fn label(self) -> &'static str {
        match self {
            BenchmarkComparison::Better => "Better",
            BenchmarkComparison::Similar => "Similar",
            BenchmarkComparison::Worse => "Worse",
            BenchmarkComparison::Higher => "Higher",
            BenchmarkComparison::Lower => "Lower",
            BenchmarkComparison::NotCompared => "Not compared",
        }
    }
}

impl fmt::Display for BenchmarkComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A finite number, or `None` for a missing, NaN or infinite one.
fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// Where the benchmark lies relative to the interval [lower, upper]: `None` when any of them is
/// missing or not finite, or lower > upper.
fn side_of_interval(lower: Option<f64>, upper: Option<f64>, benchmark: f64) -> Option<Significance> {
    let (lower, upper) = (finite(lower)?, finite(upper)?);
    if lower > upper {
        return None;
    }
    Some(if benchmark > upper {
        Significance::Lower
    } else if benchmark < lower {
        Significance::Higher
    } else {
        Significance::Similar
    })
}

/// The polarity-free significance of a value against a benchmark at one level: [`Significance::Lower`]
/// when the benchmark lies above the upper limit, [`Significance::Higher`] when it lies below
/// the lower limit, [`Significance::Similar`] otherwise (a benchmark equal to a limit is
/// inside); `None` when the value, either limit or the benchmark is missing or not finite, or
/// the lower limit is above the upper one.
pub fn benchmark_significance(
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    benchmark: Option<f64>,
) -> Option<Significance> {
    finite(value)?;
    side_of_interval(lower, upper, finite(benchmark)?)
}

/// Compares an area's value with a benchmark by whether the benchmark lies outside the area's
/// confidence interval, at the level of the limits given (95% or 99.8%).
///
/// ```text
/// benchmark > upper  → significantly lower   (Worse if higher is better, Better if lower is better, Lower)
/// benchmark < lower  → significantly higher  (Better if higher is better, Worse if lower is better, Higher)
/// otherwise          → Similar
/// ```
///
/// Reference: OHID Fingertips Public Health Technical Guidance, "Comparing indicator values with
/// a benchmark" (the "confidence intervals overlapping reference value" method, at 95% or
/// 99.8%); Fingertips `SingleOverlappingCIsForOneCILevelComparer`.
///
/// Edge cases: a benchmark equal to a limit is inside the interval (Similar), as in Fingertips.
/// [`BenchmarkComparison::NotCompared`] when the value, either limit or the benchmark is
/// missing, NaN or infinite, or the lower limit is above the upper one. Fingertips decides the
/// direction from value < benchmark once the benchmark is outside the interval; deciding it from
/// the side of the interval gives the same answer whenever the value lies within its interval.
pub fn compare_with_benchmark(
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    benchmark: Option<f64>,
    polarity: Polarity,
) -> BenchmarkComparison {
    match benchmark_significance(value, lower, upper, benchmark) {
        Some(s) => BenchmarkComparison::from_significance(s, polarity),
        None => BenchmarkComparison::NotCompared,
    }
}

/// The comparison with a benchmark at 95% and 99.8% together: the portal's five-way colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TwoLevelComparison {
    /// Better at 99.8% (and so at 95%).
    Best,
    /// Better at 95% but not at 99.8%.
    Better,
    /// Not significantly different at 95%.
    Similar,
    /// Worse at 95% but not at 99.8%.
    Worse,
    /// Worse at 99.8%.
    Worst,
    /// Higher at 99.8% (no judgement).
    Highest,
    /// Higher at 95% but not at 99.8% (no judgement).
    Higher,
    /// Lower at 95% but not at 99.8% (no judgement).
    Lower,
    /// Lower at 99.8% (no judgement).
    Lowest,
    /// Not compared: value, benchmark or either pair of limits missing or unusable.
    NotCompared,
}

impl TwoLevelComparison {
    /// The portal's short wording: "Best", "Better", "Similar", "Worse", "Worst", "Highest",
    /// "Higher", "Lower", "Lowest", "Not compared".
    pub fn label(self) -> &'static str {
        match self {
            TwoLevelComparison::Best => "Best",
            TwoLevelComparison::Better => "Better",
            TwoLevelComparison::Similar => "Similar",
            TwoLevelComparison::Worse => "Worse",
            TwoLevelComparison::Worst => "Worst",
            TwoLevelComparison::Highest => "Highest",
            TwoLevelComparison::Higher => "Higher",
            TwoLevelComparison::Lower => "Lower",
            TwoLevelComparison::Lowest => "Lowest",
            TwoLevelComparison::NotCompared => "Not compared",
        }
    }

    /// The portal's legend wording: "Better 99.8%", "Better 95%", "Similar", "Worse 95%",
    /// "Worse 99.8%"; without judgement "Highest", "Higher", "Similar", "Lower", "Lowest";
    /// "Not compared".
    pub fn legend_label(self) -> &'static str {
        match self {
            TwoLevelComparison::Best => "Better 99.8%",
            TwoLevelComparison::Better => "Better 95%",
            TwoLevelComparison::Worse => "Worse 95%",
            TwoLevelComparison::Worst => "Worse 99.8%",
            other => other.label(),
        }
    }

    /// The comparison at 95% alone that this two-level result implies.
    pub fn at_95(self) -> BenchmarkComparison {
        match self {
            TwoLevelComparison::Best | TwoLevelComparison::Better => BenchmarkComparison::Better,
            TwoLevelComparison::Worse | TwoLevelComparison::Worst => BenchmarkComparison::Worse,
            TwoLevelComparison::Highest | TwoLevelComparison::Higher => BenchmarkComparison::Higher,
            TwoLevelComparison::Lowest | TwoLevelComparison::Lower => BenchmarkComparison::Lower,
            TwoLevelComparison::Similar => BenchmarkComparison::Similar,
            TwoLevelComparison::NotCompared => BenchmarkComparison::NotCompared,
        }
    }
}

impl fmt::Display for TwoLevelComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Compares a value with a benchmark at 95% and 99.8% together.
///
/// ```text
/// benchmark inside [L95, U95]                  → Similar
/// benchmark in [L99.8, L95) or (U95, U99.8]    → significant at 95% only (Better / Worse, Higher / Lower)
/// benchmark outside [L99.8, U99.8]             → significant at 99.8%  (Best / Worst, Highest / Lowest)
/// ```
///
/// Reference: OHID Fingertips Public Health Technical Guidance, "Comparing indicator values with
/// a benchmark"; Fingertips `SingleOverlappingCIsForTwoCILevelsComparer` (limits inclusive, as
/// there).
///
/// Edge cases: [`TwoLevelComparison::NotCompared`] when the value, the benchmark or any of the
/// four limits is missing or not finite, or either interval is reversed. Should the 99.8%
/// interval not contain the 95% one (it always does when computed by one method), the result is
/// still decided by each level on its own, significance at 99.8% requiring significance at 95%.
pub fn compare_at_two_levels(
    value: Option<f64>,
    limits_95: (Option<f64>, Option<f64>),
    limits_998: (Option<f64>, Option<f64>),
    benchmark: Option<f64>,
    polarity: Polarity,
) -> TwoLevelComparison {
    let (Some(at95), Some(at998)) = (
        benchmark_significance(value, limits_95.0, limits_95.1, benchmark),
        benchmark_significance(value, limits_998.0, limits_998.1, benchmark),
    ) else {
        return TwoLevelComparison::NotCompared;
    };
    let strong = at998 == at95;
    match (BenchmarkComparison::from_significance(at95, polarity), strong) {
        (BenchmarkComparison::Similar, _) => TwoLevelComparison::Similar,
        (BenchmarkComparison::Better, true) => TwoLevelComparison::Best,
        (BenchmarkComparison::Better, false) => TwoLevelComparison::Better,
        (BenchmarkComparison::Worse, true) => TwoLevelComparison::Worst,
        (BenchmarkComparison::Worse, false) => TwoLevelComparison::Worse,
        (BenchmarkComparison::Higher, true) => TwoLevelComparison::Highest,
        (BenchmarkComparison::Higher, false) => TwoLevelComparison::Higher,
        (BenchmarkComparison::Lower, true) => TwoLevelComparison::Lowest,
        (BenchmarkComparison::Lower, false) => TwoLevelComparison::Lower,
        (BenchmarkComparison::NotCompared, _) => TwoLevelComparison::NotCompared,
    }
}

/// Control limits around a benchmark proportion p₀ for an area of denominator n, and whether the
/// area's proportion p lies outside them ("SPC for proportions").
///
/// With E = n·p₀ and z = Φ⁻¹(c + (1 − c)/2), the limits are the Wilson score limits of E out of n:
///
/// ```text
/// lower, upper = (2E + z² ∓ z·√(z² + 4E(1 − E/n))) / (2(n + z²))
/// p > upper → significantly higher;  p < lower → significantly lower;  otherwise similar
/// ```
///
/// worded by polarity as in [`compare_with_benchmark`]. Proportions are on the 0-1 scale
/// (divide a percentage by 100 first).
///
/// Reference: OHID Fingertips Public Health Technical Guidance, "Comparing indicator values with
/// a benchmark" (statistical process control method for proportions); PHE Technical Guide
/// "Funnel plots" (2017); Fingertips `SpcForProportionsComparer` (which uses the same limits at
/// the comparator's z). Wilson EB, J Am Stat Assoc 1927; 22: 209-212.
///
/// Edge cases: [`BenchmarkComparison::NotCompared`] when p, n or p₀ is missing or not finite,
/// n ≤ 0, or p₀ outside 0 to 1. A proportion equal to a limit is Similar.
pub fn compare_proportion_with_benchmark(
    proportion: Option<f64>,
    denominator: Option<f64>,
    benchmark_proportion: Option<f64>,
    confidence: ConfidenceLevel,
    polarity: Polarity,
) -> BenchmarkComparison {
    let (Some(p), Some(n), Some(p0)) = (finite(proportion), finite(denominator), finite(benchmark_proportion)) else {
        return BenchmarkComparison::NotCompared;
    };
    if n <= 0.0 || !(0.0..=1.0).contains(&p0) {
        return BenchmarkComparison::NotCompared;
    }
    let expected = n * p0;
    let lower = wilson_lower(expected, n, confidence);
    let upper = wilson_upper(expected, n, confidence);
    if !lower.is_finite() || !upper.is_finite() {
        return BenchmarkComparison::NotCompared;
    }
    let significance = if p > upper {
        Significance::Higher
    } else if p < lower {
        Significance::Lower
    } else {
        Significance::Similar
    };
    BenchmarkComparison::from_significance(significance, polarity)
}

/// A value's quintile among its peers, numbered as the indicator portal numbers it.
///
/// With a judgement, 1 is the best fifth and 5 the worst ("Best" … "Worst"); with no judgement,
/// 1 is the lowest fifth and 5 the highest ("Lowest" … "Highest").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quintile {
    number: u8,
    polarity: Polarity,
}

impl Quintile {
    /// The quintile number, 1 to 5.
    pub fn number(self) -> u8 {
        self.number
    }

    /// The polarity the number was assigned under.
    pub fn polarity(self) -> Polarity {
        self.polarity
    }

    /// The portal's wording: "Best", "Better", "Middle", "Worse", "Worst" with a judgement;
    /// "Lowest", "Low", "Middle", "High", "Highest" without.
    pub fn label(self) -> &'static str {
        const JUDGED: [&str; 5] = ["Best", "Better", "Middle", "Worse", "Worst"];
        const UNJUDGED: [&str; 5] = ["Lowest", "Low", "Middle", "High", "Highest"];
        let i = usize::from(self.number.clamp(1, 5) - 1);
        match self.polarity {
            Polarity::NoJudgement => UNJUDGED[i],
            _ => JUDGED[i],
        }
    }
}

impl fmt::Display for Quintile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Rounds to 10 decimal places, halves away from zero (C#'s
/// `Math.Round(x, 10, MidpointRounding.AwayFromZero)`), leaving values too large to carry 10
/// decimals unchanged.
fn round10(x: f64) -> f64 {
    let scaled = x * 1e10;
    if !scaled.is_finite() || scaled.abs() >= 4_503_599_627_370_496.0 {
        x
    } else {
        scaled.round() / 1e10
    }
}

/// The six quintile bounds of a set of values: minimum, the 20th, 40th, 60th and 80th
/// percentiles, maximum.
///
/// Percentiles by linear interpolation between order statistics (Excel's `PERCENTILE.INC`,
/// R's type 7): for sorted values v₁ ≤ … ≤ v_m and fraction f,
///
/// ```text
/// h = (m − 1)·f + 1,  k = ⌊h⌋,  P(f) = v_k + (h − k)(v_{k+1} − v_k)
/// ```
///
/// rounded to 10 decimal places as Fingertips does to remove floating-point artefacts.
///
/// Reference: Fingertips `ValueCategoriesCalculator.GetCategoryBounds` and
/// `QuintilesCalculator`; OHID Fingertips Public Health Technical Guidance, "Quintiles".
///
/// Edge cases: NaN and infinite values are ignored; `None` when fewer than five values remain
/// (Fingertips does not rank fewer than five).
pub fn quintile_bounds(values: &[f64]) -> Option<[f64; 6]> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 5 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len();
    let percentile = |f: f64| -> f64 {
        let h = (m as f64 - 1.0) * f + 1.0;
        let k = h.floor() as usize; // 1 ≤ k ≤ m
        if k >= m {
            return v[m - 1];
        }
        let d = h - k as f64;
        round10(v[k - 1] + d * (v[k] - v[k - 1]))
    };
    Some([v[0], percentile(0.2), percentile(0.4), percentile(0.6), percentile(0.8), v[m - 1]])
}

/// Each value's quintile among the group's valid values (for example all local authorities of
/// a region, or a named peer group), as the indicator portal's quintile comparison assigns it.
///
/// With the bounds b₀ … b₅ of [`quintile_bounds`], a value x falls in the first quintile i
/// (1 to 5) with x ≤ bᵢ; where higher is better the number is reversed (6 − i) so that 1 is
/// always the best fifth; with lower is better or no judgement, 1 is the lowest fifth.
///
/// Reference: Fingertips `QuintilesComparer.GetCategory`; OHID Fingertips Public Health
/// Technical Guidance, "Quintiles".
///
/// Edge cases: missing, NaN and infinite values get `None` and take no part in the bounds;
/// every value gets `None` ("Not compared") when fewer than five values are valid. Tied values
/// always share a quintile (the lowest whose upper bound they reach), so quintiles need not hold
/// equal numbers of areas. The result has one entry per input, in input order.
pub fn quintiles(values: &[Option<f64>], polarity: Polarity) -> Vec<Option<Quintile>> {
    let valid: Vec<f64> = values.iter().filter_map(|&v| finite(v)).collect();
    let Some(bounds) = quintile_bounds(&valid) else {
        return vec![None; values.len()];
    };
    values
        .iter()
        .map(|&v| {
            let x = finite(v)?;
            let i = (1..=5u8).find(|&i| x <= bounds[usize::from(i)]).unwrap_or(5);
            let number = match polarity {
                Polarity::HigherIsBetter => 6 - i,
                Polarity::LowerIsBetter | Polarity::NoJudgement => i,
            };
            Some(Quintile { number, polarity })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HB: Polarity = Polarity::HigherIsBetter;
    const LB: Polarity = Polarity::LowerIsBetter;
    const NJ: Polarity = Polarity::NoJudgement;

    fn cmp(value: f64, lower: f64, upper: f64, benchmark: f64, polarity: Polarity) -> BenchmarkComparison {
        compare_with_benchmark(Some(value), Some(lower), Some(upper), Some(benchmark), polarity)
    }

    #[test]
    fn benchmark_outside_interval_is_significant_and_worded_by_polarity() {
        // Area 80.0 (78.1 to 81.8); England 75.0 lies below the interval: area higher.
        assert_eq!(cmp(80.0, 78.1, 81.8, 75.0, HB), BenchmarkComparison::Better);
        assert_eq!(cmp(80.0, 78.1, 81.8, 75.0, LB), BenchmarkComparison::Worse);
        assert_eq!(cmp(80.0, 78.1, 81.8, 75.0, NJ), BenchmarkComparison::Higher);
        // England 85.0 lies above the interval: area lower.
        assert_eq!(cmp(80.0, 78.1, 81.8, 85.0, HB), BenchmarkComparison::Worse);
        assert_eq!(cmp(80.0, 78.1, 81.8, 85.0, LB), BenchmarkComparison::Better);
        assert_eq!(cmp(80.0, 78.1, 81.8, 85.0, NJ), BenchmarkComparison::Lower);
        // Inside: similar whatever the polarity.
        for p in [HB, LB, NJ] {
            assert_eq!(cmp(80.0, 78.1, 81.8, 79.0, p), BenchmarkComparison::Similar);
        }
    }

    #[test]
    fn benchmark_on_a_limit_is_similar() {
        assert_eq!(cmp(80.0, 78.1, 81.8, 78.1, HB), BenchmarkComparison::Similar);
        assert_eq!(cmp(80.0, 78.1, 81.8, 81.8, HB), BenchmarkComparison::Similar);
        assert_eq!(cmp(80.0, 78.1, 81.8, 81.800000001, HB), BenchmarkComparison::Worse);
    }

    #[test]
    fn missing_or_unusable_input_is_not_compared() {
        let nc = BenchmarkComparison::NotCompared;
        assert_eq!(compare_with_benchmark(None, Some(1.0), Some(2.0), Some(3.0), HB), nc);
        assert_eq!(compare_with_benchmark(Some(1.5), None, Some(2.0), Some(3.0), HB), nc);
        assert_eq!(compare_with_benchmark(Some(1.5), Some(1.0), None, Some(3.0), HB), nc);
        assert_eq!(compare_with_benchmark(Some(1.5), Some(1.0), Some(2.0), None, HB), nc);
        assert_eq!(compare_with_benchmark(Some(f64::NAN), Some(1.0), Some(2.0), Some(3.0), HB), nc);
        assert_eq!(compare_with_benchmark(Some(1.5), Some(1.0), Some(2.0), Some(f64::INFINITY), HB), nc);
        assert_eq!(compare_with_benchmark(Some(1.5), Some(2.0), Some(1.0), Some(3.0), HB), nc);
        assert_eq!(nc.to_string(), "Not compared");
    }

    #[test]
    fn wording_matches_the_portal() {
        let all = [
            (BenchmarkComparison::Better, "Better"),
            (BenchmarkComparison::Similar, "Similar"),
            (BenchmarkComparison::Worse, "Worse"),
            (BenchmarkComparison::Higher, "Higher"),
            (BenchmarkComparison::Lower, "Lower"),
            (BenchmarkComparison::NotCompared, "Not compared"),
        ];
        for (c, s) in all {
            assert_eq!(c.to_string(), s);
        }
    }

    #[test]
    fn two_levels_give_the_five_way_colouring() {
        // 95%: 78.1 to 81.8; 99.8%: 77.0 to 82.9.
        let l95 = (Some(78.1), Some(81.8));
        let l998 = (Some(77.0), Some(82.9));
        let c = |b: f64, p| compare_at_two_levels(Some(80.0), l95, l998, Some(b), p);
        assert_eq!(c(76.0, HB), TwoLevelComparison::Best);
        assert_eq!(c(77.5, HB), TwoLevelComparison::Better);
        assert_eq!(c(77.0, HB), TwoLevelComparison::Better); // on the 99.8% limit
        assert_eq!(c(78.1, HB), TwoLevelComparison::Similar); // on the 95% limit
        assert_eq!(c(82.0, HB), TwoLevelComparison::Worse);
        assert_eq!(c(83.0, HB), TwoLevelComparison::Worst);
        assert_eq!(c(76.0, LB), TwoLevelComparison::Worst);
        assert_eq!(c(83.0, LB), TwoLevelComparison::Best);
        assert_eq!(c(76.0, NJ), TwoLevelComparison::Highest);
        assert_eq!(c(77.5, NJ), TwoLevelComparison::Higher);
        assert_eq!(c(82.0, NJ), TwoLevelComparison::Lower);
        assert_eq!(c(83.0, NJ), TwoLevelComparison::Lowest);
        assert_eq!(
            compare_at_two_levels(Some(80.0), l95, (None, Some(82.9)), Some(76.0), HB),
            TwoLevelComparison::NotCompared
        );
        assert_eq!(TwoLevelComparison::Best.legend_label(), "Better 99.8%");
        assert_eq!(TwoLevelComparison::Better.legend_label(), "Better 95%");
        assert_eq!(TwoLevelComparison::Worse.legend_label(), "Worse 95%");
        assert_eq!(TwoLevelComparison::Worst.legend_label(), "Worse 99.8%");
        assert_eq!(TwoLevelComparison::Lowest.legend_label(), "Lowest");
        assert_eq!(TwoLevelComparison::Best.to_string(), "Best");
        assert_eq!(TwoLevelComparison::Worst.at_95(), BenchmarkComparison::Worse);
        assert_eq!(TwoLevelComparison::Highest.at_95(), BenchmarkComparison::Higher);
    }

    #[test]
    fn spc_for_proportions_uses_wilson_limits_around_the_benchmark() {
        // n = 1000, p0 = 0.5, 95%: E = 500; limits by the Wilson formula, computed with
        // Python (z = scipy.stats.norm.ppf(0.975)):
        //   (2E + z² ∓ z√(z² + 4E(1 − E/n))) / (2(n + z²)) = 0.4690696004, 0.5309303996
        let c = |p: f64, pol| {
            compare_proportion_with_benchmark(Some(p), Some(1000.0), Some(0.5), ConfidenceLevel::C95, pol)
        };
        assert_eq!(c(0.5309, HB), BenchmarkComparison::Similar);
        assert_eq!(c(0.5309, LB), BenchmarkComparison::Similar);
        assert_eq!(c(0.5310, HB), BenchmarkComparison::Better);
        assert_eq!(c(0.5310, LB), BenchmarkComparison::Worse);
        assert_eq!(c(0.5310, NJ), BenchmarkComparison::Higher);
        assert_eq!(c(0.4690, NJ), BenchmarkComparison::Lower);
        assert_eq!(c(0.4692, NJ), BenchmarkComparison::Similar);
        // At 99.8% the limits widen (same computation, z = norm.ppf(0.999)): 0.4513707786,
        // 0.5486292214, so 0.548 is significant at 95% but not at 99.8%.
        let wide = compare_proportion_with_benchmark(Some(0.548), Some(1000.0), Some(0.5), ConfidenceLevel::C998, HB);
        assert_eq!(wide, BenchmarkComparison::Similar);
        assert_eq!(c(0.548, HB), BenchmarkComparison::Better);
        let nc = BenchmarkComparison::NotCompared;
        assert_eq!(compare_proportion_with_benchmark(Some(0.5), Some(0.0), Some(0.5), ConfidenceLevel::C95, HB), nc);
        assert_eq!(compare_proportion_with_benchmark(Some(0.5), Some(100.0), Some(1.5), ConfidenceLevel::C95, HB), nc);
        assert_eq!(compare_proportion_with_benchmark(None, Some(100.0), Some(0.5), ConfidenceLevel::C95, HB), nc);
    }

    #[test]
    fn quintile_bounds_interpolate_like_percentile_inc() {
        // 1..=10: h = 9f + 1; P20 = 2.8, P40 = 4.6, P60 = 6.4, P80 = 8.2 (Excel PERCENTILE.INC,
        // numpy.percentile with the default "linear" method).
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quintile_bounds(&v), Some([1.0, 2.8, 4.6, 6.4, 8.2, 10.0]));
        assert_eq!(quintile_bounds(&[1.0, 2.0, 3.0, 4.0]), None);
        assert_eq!(quintile_bounds(&[1.0, 2.0, 3.0, 4.0, f64::NAN]), None);
    }

    #[test]
    fn quintiles_follow_the_portal_rule() {
        let v: Vec<Option<f64>> = (1..=10).map(|i| Some(f64::from(i))).collect();
        let n = |p| quintiles(&v, p).iter().map(|q| q.map(|q| q.number())).collect::<Vec<_>>();
        // Bounds 1, 2.8, 4.6, 6.4, 8.2, 10: x ≤ 2.8 → 1, ≤ 4.6 → 2, ≤ 6.4 → 3, ≤ 8.2 → 4, else 5.
        let low_first = vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5].into_iter().map(Some).collect::<Vec<_>>();
        assert_eq!(n(LB), low_first);
        assert_eq!(n(NJ), low_first);
        let high_first = vec![5, 5, 4, 4, 3, 3, 2, 2, 1, 1].into_iter().map(Some).collect::<Vec<_>>();
        assert_eq!(n(HB), high_first);
        let q = quintiles(&v, HB);
        assert_eq!(q[9].map(|q| q.label()), Some("Best"));
        assert_eq!(q[0].map(|q| q.label()), Some("Worst"));
        let q = quintiles(&v, NJ);
        assert_eq!(q[0].map(|q| q.to_string()), Some("Lowest".to_string()));
        assert_eq!(q[3].map(|q| q.label()), Some("Low"));
        assert_eq!(q[5].map(|q| q.label()), Some("Middle"));
        assert_eq!(q[7].map(|q| q.label()), Some("High"));
        assert_eq!(q[9].map(|q| q.label()), Some("Highest"));
        let q = quintiles(&v, LB);
        assert_eq!(q[3].map(|q| q.label()), Some("Better"));
        assert_eq!(q[7].map(|q| q.label()), Some("Worse"));
    }

    #[test]
    fn quintiles_ties_and_missing_values() {
        // Ties share the lowest quintile whose bound they reach.
        let v = [Some(5.0), Some(5.0), Some(5.0), Some(5.0), Some(9.0), None, Some(f64::NAN)];
        let q: Vec<_> = quintiles(&v, NJ).iter().map(|q| q.map(|q| q.number())).collect();
        // Sorted valid values 5,5,5,5,9: bounds 5, 5, 5, 5, 5.8, 9.
        assert_eq!(q, vec![Some(1), Some(1), Some(1), Some(1), Some(5), None, None]);
        // Fewer than five valid values: nothing ranked.
        let few = [Some(1.0), Some(2.0), None, Some(3.0), Some(4.0)];
        assert!(quintiles(&few, HB).iter().all(Option::is_none));
        assert!(quintiles(&[], HB).is_empty());
    }

    #[test]
    fn polarity_parses_catalogue_and_portal_spellings() {
        assert_eq!("higher is better".parse::<Polarity>(), Ok(HB));
        assert_eq!("RAG - High is good, Low is bad".parse::<Polarity>(), Ok(HB));
        assert_eq!("LowIsGood".parse::<Polarity>(), Ok(LB));
        assert_eq!("lower_is_better".parse::<Polarity>(), Ok(LB));
        assert_eq!("higher_is_worse".parse::<Polarity>(), Ok(LB));
        assert_eq!("Lower is worse".parse::<Polarity>(), Ok(HB));
        assert_eq!("BOB - Blue orange blue".parse::<Polarity>(), Ok(NJ));
        assert_eq!("No judgement".parse::<Polarity>(), Ok(NJ));
        assert!("sideways".parse::<Polarity>().is_err());
        for p in [HB, LB, NJ] {
            assert_eq!(p.to_string().parse::<Polarity>(), Ok(p));
        }
    }

    proptest! {
        #[test]
        fn comparison_never_panics(
            value in proptest::option::of(proptest::num::f64::ANY),
            lower in proptest::option::of(proptest::num::f64::ANY),
            upper in proptest::option::of(proptest::num::f64::ANY),
            benchmark in proptest::option::of(proptest::num::f64::ANY),
            n in proptest::option::of(proptest::num::f64::ANY),
        ) {
            for p in [HB, LB, NJ] {
                let one = compare_with_benchmark(value, lower, upper, benchmark, p);
                let two = compare_at_two_levels(value, (lower, upper), (lower, upper), benchmark, p);
                // With the same limits at both levels, any significance is at 99.8%.
                prop_assert_eq!(two.at_95(), one);
                let _ = compare_proportion_with_benchmark(value, n, benchmark, ConfidenceLevel::C95, p);
            }
        }

        #[test]
        fn judgement_flips_with_polarity(
            lower in -1e6f64..1e6, width in 0.0f64..1e3, benchmark in -1e6f64..1e6,
        ) {
            let upper = lower + width;
            let value = lower + width / 2.0;
            let hb = compare_with_benchmark(Some(value), Some(lower), Some(upper), Some(benchmark), HB);
            let lb = compare_with_benchmark(Some(value), Some(lower), Some(upper), Some(benchmark), LB);
            let nj = compare_with_benchmark(Some(value), Some(lower), Some(upper), Some(benchmark), NJ);
            let expected = match (hb, lb, nj) {
                (BenchmarkComparison::Better, BenchmarkComparison::Worse, BenchmarkComparison::Higher) => benchmark < lower,
                (BenchmarkComparison::Worse, BenchmarkComparison::Better, BenchmarkComparison::Lower) => benchmark > upper,
                (BenchmarkComparison::Similar, BenchmarkComparison::Similar, BenchmarkComparison::Similar) => (lower..=upper).contains(&benchmark),
                _ => false,
            };
            prop_assert!(expected);
        }

        #[test]
        fn quintiles_are_monotone_and_complete(
            values in proptest::collection::vec(proptest::option::of(-1e9f64..1e9), 0..60),
        ) {
            let q = quintiles(&values, NJ);
            prop_assert_eq!(q.len(), values.len());
            let valid = values.iter().flatten().count();
            for (v, q) in values.iter().zip(&q) {
                prop_assert_eq!(q.is_some(), v.is_some() && valid >= 5);
            }
            if valid >= 5 {
                let mut pairs: Vec<(f64, u8)> = values.iter().zip(&q)
                    .filter_map(|(v, q)| Some(((*v)?, q.as_ref()?.number()))).collect();
                pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                prop_assert!(pairs.windows(2).all(|w| w[0].1 <= w[1].1));
                prop_assert_eq!(pairs.first().map(|p| p.1), Some(1));
                let hb = quintiles(&values, HB);
                for (a, b) in q.iter().zip(&hb) {
                    prop_assert_eq!(a.map(|a| 6 - a.number()), b.map(|b| b.number()));
                }
            }
        }
    }
}
