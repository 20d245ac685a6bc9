//! Confidence limits for a Poisson count.
//!
//! An observed number of events x is treated as a Poisson variable; these are its limits, in
//! events (divide by the denominator, or by the expected count, to get a rate or a ratio). They
//! are used by crude rates, directly standardised rates (Dobson's method scales Byar's limits of
//! the total count), indirectly standardised ratios and rates, and Poisson funnel plots.
//!
//! Two methods, as in the reference (PHEindicatormethods 2.1.0, `utils.R` `byars_lower` /
//! `byars_upper`, and the inline `qchisq` limits of `Rates.R`, `ISRatio.R`, `ISRate.R`):
//!
//! - **Exact** (Garwood 1936), from the chi-squared distribution:
//!   lower = χ²((1 − c)/2; 2x)/2, upper = χ²(c + (1 − c)/2; 2x + 2)/2.
//! - **Byar's approximation** (Breslow and Day 1987, p. 69):
//!   lower = x(1 − 1/(9x) − z/(3√x))³, upper = (x + 1)(1 − 1/(9(x + 1)) + z/(3√(x + 1)))³,
//!   z = Φ⁻¹(c + (1 − c)/2).
//!
//! The reference uses exact limits below 10 events and Byar's from 10 (rates and ISRs); DSRs
//! use Byar's at every count. References: F. Garwood (1936), "Fiducial limits for the Poisson
//! distribution", Biometrika 28, 437-442; N. E. Breslow and N. E. Day (1987), Statistical Methods
//! in Cancer Research, vol. II, IARC; Public Health England, "Technical guide: confidence
//! intervals" (2018).
//!
//! The functions take x as given and do not validate it (callers check their own inputs and
//! report where a bad value came from); for x < 0 or NaN they return NaN (or `None`) rather than
//! panic.

use crate::distributions::chi_squared_quantile;
use crate::ConfidenceLevel;

/// Byar's lower limit of a Poisson count: x(1 − 1/(9x) − z/(3√x))³, z = Φ⁻¹(c + (1 − c)/2).
///
/// `None` where the reference gives NA: where the result is negative (small counts at high
/// confidence, for example x = 1 at 99.8%), at x = 0 (R evaluates 0·(−∞)³ = NaN) and for
/// x < 0 or NaN (NaN arithmetic). Reference: `byars_lower` in PHEindicatormethods `utils.R`;
/// Breslow and Day (1987).
pub fn byars_lower(x: f64, confidence: ConfidenceLevel) -> Option<f64> {
    let z = confidence.z();
    let v = x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * x.sqrt())).powi(3);
    if v.is_nan() || v < 0.0 {
        None
    } else {
        Some(v)
    }
}

/// Byar's upper limit of a Poisson count: (x + 1)(1 − 1/(9(x + 1)) + z/(3√(x + 1)))³,
/// z = Φ⁻¹(c + (1 − c)/2).
///
/// Defined at x = 0 (3.689… at 95%). NaN for NaN x or x < −1; values for −1 ≤ x < 0 are
/// arithmetic only (the reference refuses negative counts). Reference: `byars_upper` in
/// PHEindicatormethods `utils.R`; Breslow and Day (1987).
pub fn byars_upper(x: f64, confidence: ConfidenceLevel) -> f64 {
    let z = confidence.z();
    let x1 = x + 1.0;
    x1 * (1.0 - 1.0 / (9.0 * x1) + z / (3.0 * x1.sqrt())).powi(3)
}

/// Exact (Garwood) lower limit of a Poisson count: χ²((1 − c)/2; 2x)/2, with 0 at x = 0.
///
/// The chi-squared quantile takes real degrees of freedom, so non-integer x (for example
/// weighted counts) are accepted as in R's `qchisq`. NaN for x < 0 or NaN. Reference:
/// PHEindicatormethods `Rates.R`, `ISRatio.R` (`qchisq((1-conf)/2, 2*x)/2`); Garwood (1936).
pub fn exact_lower(x: f64, confidence: ConfidenceLevel) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        // R: qchisq(p, 0) is 0, the point mass of a chi-squared with no degrees of freedom.
        return 0.0;
    }
    chi_squared_quantile(confidence.lower_probability(), 2.0 * x) / 2.0
}

/// Exact (Garwood) upper limit of a Poisson count: χ²(c + (1 − c)/2; 2x + 2)/2.
///
/// At x = 0 this is −ln((1 − c)/2) (3.689… at 95%). NaN for x < 0 or NaN. Reference:
/// PHEindicatormethods `Rates.R`, `ISRatio.R` (`qchisq(conf + (1-conf)/2, 2*x + 2)/2`);
/// Garwood (1936).
pub fn exact_upper(x: f64, confidence: ConfidenceLevel) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    chi_squared_quantile(confidence.upper_probability(), 2.0 * x + 2.0) / 2.0
}

/// Confidence limits of a Poisson count by the reference's rule for crude rates and
/// indirectly standardised ratios and rates: exact limits for x < 10, Byar's from 10.
///
/// Returns (lower, upper) in events. For x ≥ 10 Byar's lower limit is always positive (at any
/// level up to 99.99…%), so no limit is missing; if it ever were, the lower limit would be NaN.
/// NaN limits for x < 0 or NaN. Reference: PHEindicatormethods `Rates.R`
/// (`if_else(x < 10, qchisq(...), byars_...(...))`), `ISRatio.R`, `ISRate.R`.
pub fn poisson_limits(x: f64, confidence: ConfidenceLevel) -> (f64, f64) {
    if x.is_nan() || x < 0.0 {
        return (f64::NAN, f64::NAN);
    }
    if x < 10.0 {
        (exact_lower(x, confidence), exact_upper(x, confidence))
    } else {
        (byars_lower(x, confidence).unwrap_or(f64::NAN), byars_upper(x, confidence))
    }
}

#[cfg(test)]
// Reference values are quoted exactly as published.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    fn close(got: f64, expected: f64, tol: f64) -> bool {
        (got - expected).abs() <= tol * expected.abs()
    }

    /// testdata_Byars_Wilson__testdata_B_W.csv, the Byars rows: (x, confidence, lower, upper).
    #[test]
    fn byars_matches_reference() {
        let c95 = ConfidenceLevel::C95;
        let c998 = ConfidenceLevel::C998;
        let rows: [(f64, ConfidenceLevel, Option<f64>, f64); 7] = [
            (65.0, c95, Some(50.163187710459454), 82.849138545939837),
            (1045.0, c95, Some(982.59320180733255), 1110.3312129856499),
            (1.0, c95, Some(0.013072132901504351), 5.5637555824752605),
            (65.0, c998, Some(42.880261471480203), 94.000290844318016),
            (1045.0, c998, Some(947.94070356103737), 1148.8061609880331),
            (10.0, c998, Some(2.916318374695686), 24.193724927880535),
            (1.0, c998, None, 9.362180217908362),
        ];
        for (x, c, lower, upper) in rows {
            let lo = byars_lower(x, c);
            match (lo, lower) {
                (Some(g), Some(e)) => assert!(close(g, e, 1e-12), "lower x={x} {c}: {g} vs {e}"),
                (None, None) => {}
                _ => panic!("lower x={x} {c}: {lo:?} vs {lower:?}"),
            }
            let up = byars_upper(x, c);
            assert!(close(up, upper, 1e-12), "upper x={x} {c}: {up} vs {upper}");
        }
    }

    #[test]
    fn byars_lower_is_missing_at_zero_and_for_bad_input() {
        assert_eq!(byars_lower(0.0, ConfidenceLevel::C95), None);
        assert_eq!(byars_lower(-1.0, ConfidenceLevel::C95), None);
        assert_eq!(byars_lower(f64::NAN, ConfidenceLevel::C95), None);
        // x = 0 upper: (1 − 1/9 + z/3)³ = 3.6878... (finite, as in R).
        let u = byars_upper(0.0, ConfidenceLevel::C95);
        let z = ConfidenceLevel::C95.z();
        assert!(close(u, (1.0 - 1.0 / 9.0 + z / 3.0).powi(3), 1e-15));
        assert!(byars_upper(f64::NAN, ConfidenceLevel::C95).is_nan());
    }

    /// testdata_Rate__testdata_Rate.csv, rows with Numerator < 10 (method "Exact"): the limits
    /// there are rate × multiplier, i.e. limit(x)/n × multiplier.
    #[test]
    fn exact_limits_match_reference_rates() {
        let c95 = ConfidenceLevel::C95;
        let c998 = ConfidenceLevel::C998;
        // (x, n, multiplier, lower95, upper95, lower99.8, upper99.8)
        let rows = [
            (1.0, 100.0, 100.0, 0.025317807984289897, 5.571643390938898, 0.0010005003335835344, 9.2334134764515845),
            (5.0, 100.0, 100.0, 1.62348639011842, 11.668332079322669, 0.739371731917839, 16.454745203680105),
            (1.0, 100.0, 100000.0, 25.317807984289896, 5571.6433909388979, 1.0005003335835343, 9233.4134764515857),
            (5.0, 100.0, 100000.0, 1623.4863901184199, 11668.332079322669, 739.37173191783893, 16454.745203680104),
        ];
        for (x, n, m, l95, u95, l998, u998) in rows {
            let got = [
                exact_lower(x, c95) / n * m,
                exact_upper(x, c95) / n * m,
                exact_lower(x, c998) / n * m,
                exact_upper(x, c998) / n * m,
            ];
            for (g, e) in got.into_iter().zip([l95, u95, l998, u998]) {
                assert!(close(g, e, 1e-12), "x={x} m={m}: {g} vs {e}");
            }
            let (lo, up) = poisson_limits(x, c95);
            assert!(close(lo / n * m, l95, 1e-12) && close(up / n * m, u95, 1e-12));
        }
    }

    /// testdata_Rate__testdata_Rate.csv, Byars rows (Numerator ≥ 10) through poisson_limits.
    #[test]
    fn poisson_limits_switches_to_byars_at_ten() {
        let c95 = ConfidenceLevel::C95;
        let c998 = ConfidenceLevel::C998;
        // Area3: x = 20, n = 100, per 100.
        let (l, u) = poisson_limits(20.0, c95);
        assert!(close(l, 12.211428834875937, 1e-12), "{l}");
        assert!(close(u, 30.889880369197066, 1e-12), "{u}");
        let (l, u) = poisson_limits(20.0, c998);
        assert!(close(l, 8.922802365144193, 1e-12), "{l}");
        assert!(close(u, 38.085035625041911, 1e-12), "{u}");
        // Area5: x = 9856, n = 12345, per 100.
        let (l, u) = poisson_limits(9856.0, c95);
        assert!(close(l / 12345.0 * 100.0, 78.269490589767571, 1e-12));
        assert!(close(u / 12345.0 * 100.0, 81.430016542721404, 1e-12));
        // Exact just below ten, Byar's at ten.
        let (l9, _) = poisson_limits(9.0, c95);
        assert!(close(l9, exact_lower(9.0, c95), 0.0));
        let (l10, _) = poisson_limits(10.0, c95);
        assert_eq!(Some(l10), byars_lower(10.0, c95));
    }

    /// testdata_DSR_ISR__testresults_ISR.csv: indirectly standardised rates, limits =
    /// poisson_limits(observed)/expected × ref_rate; "testdata_tiny" (9 observed) is exact,
    /// the others Byar's.
    #[test]
    fn poisson_limits_match_reference_isrs() {
        let expected = 835.88356123117433;
        let ref_rate = 9349.8830922110192;
        // (observed, lower95, upper95, lower99.8, upper99.8)
        let rows = [
            (9.0, 46.033035133078933, 191.10426659054028, 27.431908625542341, 253.43696352192359),
            (91.0, 819.52100250646299, 1249.7592601383201, 719.51329035282447, 1392.9381508991678),
            (895.0, 9365.91600297888, 10689.097582910616, 9008.7578618655007, 11089.02718538338),
        ];
        for (o, l95, u95, l998, u998) in rows {
            let (a, b) = poisson_limits(o, ConfidenceLevel::C95);
            let (c, d) = poisson_limits(o, ConfidenceLevel::C998);
            let got = [a, b, c, d].map(|v| v / expected * ref_rate);
            for (g, e) in got.into_iter().zip([l95, u95, l998, u998]) {
                assert!(close(g, e, 1e-12), "observed {o}: {g} vs {e}");
            }
        }
    }

    #[test]
    fn exact_limits_at_zero_and_bad_input() {
        let c95 = ConfidenceLevel::C95;
        assert_eq!(exact_lower(0.0, c95), 0.0);
        // Upper at 0: −ln(0.025) = 3.6888794541139363 (mpmath 1.3.0, mp.dps = 40).
        assert!(close(exact_upper(0.0, c95), 3.6888794541139363, 1e-14));
        assert!(exact_lower(-1.0, c95).is_nan());
        assert!(exact_upper(f64::NAN, c95).is_nan());
        let (l, u) = poisson_limits(-3.0, c95);
        assert!(l.is_nan() && u.is_nan());
    }
}
