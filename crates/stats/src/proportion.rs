//! Proportions with Wilson score confidence limits.
//!
//! The indicator portal's method for any "x out of n" indicator (school readiness, GCSE
//! attainment, child poverty, …), as `phe_proportion` in the reference.
//!
//! Wilson score interval (Wilson 1927; Newcombe 1998), with z = Φ⁻¹(c + (1 − c)/2):
//!
//! ```text
//! lower, upper = (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²))
//! ```
//!
//! References: Wilson EB. Probable inference, the law of succession, and statistical inference.
//! J Am Stat Assoc 1927; 22: 209-212. Newcombe RG, Altman DG. Proportions and their
//! differences. In: Statistics with confidence (2nd edn). BMJ Books; 2000.

use crate::error::non_negative;
use crate::{format_multiplier, limits_for, ConfidenceLevel, Estimate, StatsError};

/// Checks a numerator and denominator as the reference does: x ≥ 0, n > 0, x ≤ n.
fn check(x: f64, n: f64) -> Result<(), StatsError> {
    non_negative("numerator", x)?;
    if !n.is_finite() {
        return Err(StatsError::NotFinite { field: "denominator", value: n });
    }
    if n <= 0.0 {
        return Err(StatsError::NotPositive { field: "denominator", value: n });
    }
    if x > n {
        return Err(StatsError::NumeratorAboveDenominator { numerator: x, denominator: n });
    }
    Ok(())
}

/// Lower Wilson score limit of the proportion x/n (on the 0-1 scale).
///
/// `(2x + z² − z·√(z² + 4x(1 − x/n))) / (2(n + z²))`; 0 when x = 0 and at confidence 1.
/// Inputs are not checked here: use [`proportion`] for validated input.
pub fn wilson_lower(x: f64, n: f64, confidence: ConfidenceLevel) -> f64 {
    if confidence.value() == 1.0 {
        return 0.0;
    }
    let z = confidence.z();
    (2.0 * x + z * z - z * (z * z + 4.0 * x * (1.0 - x / n)).sqrt()) / 2.0 / (n + z * z)
}

/// Upper Wilson score limit of the proportion x/n (on the 0-1 scale).
///
/// `(2x + z² + z·√(z² + 4x(1 − x/n))) / (2(n + z²))`; 1 when x = n and at confidence 1.
pub fn wilson_upper(x: f64, n: f64, confidence: ConfidenceLevel) -> f64 {
    if confidence.value() == 1.0 {
        return 1.0;
    }
    let z = confidence.z();
    (2.0 * x + z * z + z * (z * z + 4.0 * x * (1.0 - x / n)).sqrt()) / 2.0 / (n + z * z)
}

/// The reference's `statistic` wording: "percentage" for a multiplier of 100, otherwise
/// "proportion of {multiplier}".
pub fn proportion_statistic(multiplier: f64) -> String {
    if multiplier == 100.0 {
        "percentage".to_string()
    } else {
        format!("proportion of {}", format_multiplier(multiplier))
    }
}

/// A proportion `x / n × multiplier` with Wilson score limits at each level.
///
/// Grouped input is summed first (Σx / Σn), as the reference does.
///
/// # Errors
/// x < 0, n ≤ 0, x > n, or a non-finite input.
pub fn proportion(x: f64, n: f64, multiplier: f64, confidence: &[ConfidenceLevel]) -> Result<Estimate, StatsError> {
    check(x, n)?;
    Ok(Estimate {
        value: Some(x / n * multiplier),
        limits: limits_for(confidence, |c| {
            (Some(wilson_lower(x, n, c) * multiplier), Some(wilson_upper(x, n, c) * multiplier))
        }),
        statistic: proportion_statistic(multiplier).into(),
        method: "Wilson",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BOTH: [ConfidenceLevel; 2] = [ConfidenceLevel::C95, ConfidenceLevel::C998];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1e-300), "{a} vs {b}");
    }

    /// testdata_Proportion__testdata_Prop.csv: (x, n, value, lower95, upper95, lower998, upper998),
    /// multiplier 1.
    #[test]
    fn matches_reference_prop_sheet() {
        let rows = [
            (1.0, 100.0, 0.01, 0.0017674320641406511, 0.054486196178705294, 0.000873065697299977, 0.10455445283705821),
            (5.0, 100.0, 0.05, 0.02154367915436798, 0.11175046923191911, 0.013865320725997183, 0.16458852282596442),
        ];
        for (x, n, v, l95, u95, l998, u998) in rows {
            let e = proportion(x, n, 1.0, &BOTH).unwrap();
            close(e.value.unwrap(), v);
            close(e.limits[0].lower.unwrap(), l95);
            close(e.limits[0].upper.unwrap(), u95);
            close(e.limits[1].lower.unwrap(), l998);
            close(e.limits[1].upper.unwrap(), u998);
            assert_eq!(e.statistic, "proportion of 1");
            assert_eq!(e.method, "Wilson");
        }
    }

    /// testdata_Proportion__testdata_Prop_g.csv: grouped, 95%: Area1 x=2, n=200.
    #[test]
    fn matches_reference_grouped_sheet() {
        let e = proportion(2.0, 200.0, 1.0, &[ConfidenceLevel::C95]).unwrap();
        close(e.limits[0].lower.unwrap(), 0.002746658133544438);
        close(e.limits[0].upper.unwrap(), 0.035721761716176796);
        let e = proportion(10.0, 200.0, 1.0, &[ConfidenceLevel::C95]).unwrap();
        close(e.limits[0].lower.unwrap(), 0.027382645600763925);
        close(e.limits[0].upper.unwrap(), 0.089578148138775973);
    }

    #[test]
    fn edge_cases() {
        let e = proportion(0.0, 10.0, 100.0, &[ConfidenceLevel::C95]).unwrap();
        assert_eq!(e.value, Some(0.0));
        assert_eq!(e.limits[0].lower, Some(0.0));
        assert_eq!(e.statistic, "percentage");
        let e = proportion(10.0, 10.0, 1.0, &[ConfidenceLevel::C95]).unwrap();
        close(e.limits[0].upper.unwrap(), 1.0);
        assert!(proportion(-1.0, 10.0, 1.0, &BOTH).is_err());
        assert!(proportion(1.0, 0.0, 1.0, &BOTH).is_err());
        assert!(proportion(11.0, 10.0, 1.0, &BOTH).is_err());
        assert!(proportion(f64::NAN, 10.0, 1.0, &BOTH).is_err());
    }

    proptest! {
        #[test]
        fn limits_bracket_value_and_nest(n in 1u32..100_000, frac in 0.0f64..=1.0) {
            let n = f64::from(n);
            let x = (frac * n).floor();
            let e = proportion(x, n, 1.0, &BOTH).unwrap();
            let v = e.value.unwrap();
            let (l95, u95) = (e.limits[0].lower.unwrap(), e.limits[0].upper.unwrap());
            let (l998, u998) = (e.limits[1].lower.unwrap(), e.limits[1].upper.unwrap());
            prop_assert!(l95 <= v + 1e-12 && v <= u95 + 1e-12);
            prop_assert!(l998 <= l95 + 1e-12 && u95 <= u998 + 1e-12);
            prop_assert!((0.0..=1.0 + 1e-12).contains(&u998) && l998 >= -1e-12);
            if x < n {
                let e2 = proportion(x + 1.0, n, 1.0, &BOTH).unwrap();
                prop_assert!(e2.limits[0].lower.unwrap() >= l95);
                prop_assert!(e2.limits[0].upper.unwrap() >= u95);
            }
        }
    }
}
