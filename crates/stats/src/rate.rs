//! Crude rates with Poisson confidence limits.
//!
//! `phe_rate` in the reference: value = x/n × multiplier (100,000 by default). Limits are exact
//! Poisson limits (from the chi-squared distribution) below 10 events and Byar's approximation
//! from 10, both divided by n:
//!
//! ```text
//! exact:  lower = χ²((1−c)/2; 2x)/2,     upper = χ²(c + (1−c)/2; 2x + 2)/2
//! Byar's: lower = x(1 − 1/(9x) − z/(3√x))³, upper = (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³
//! ```
//!
//! References: Armitage P, Berry G. Statistical methods in medical research (4th edn). Oxford:
//! Blackwell; 2002. Breslow NE, Day NE. Statistical methods in cancer research, volume II.
//! Lyon: IARC; 1987. OHID, Fingertips technical guidance: "Confidence intervals for rates".

use crate::error::non_negative;
use crate::poisson::{byars_lower, byars_upper, exact_lower, exact_upper};
use crate::{format_multiplier, limits_for, ConfidenceLevel, Estimate, StatsError};

/// The event count from which Byar's approximation replaces exact Poisson limits.
pub const BYARS_FROM: f64 = 10.0;

/// Poisson limits for an observed count x: exact below 10 events, Byar's from 10, with the
/// reference's `method` word ("Exact" or "Byars").
///
/// The lower Byar's limit is `None` where the approximation goes negative (it cannot for
/// x ≥ 10 at levels up to 99.9%).
pub fn count_limits(x: f64, confidence: ConfidenceLevel) -> (Option<f64>, Option<f64>) {
    if x < BYARS_FROM {
        (Some(exact_lower(x, confidence)), Some(exact_upper(x, confidence)))
    } else {
        (byars_lower(x, confidence), Some(byars_upper(x, confidence)))
    }
}

/// The reference's `method` word for a count: "Exact" below 10, "Byars" from 10.
pub fn count_method(x: f64) -> &'static str {
    if x < BYARS_FROM {
        "Exact"
    } else {
        "Byars"
    }
}

/// A crude rate `x / n × multiplier` with Poisson limits at each level.
///
/// Grouped input is summed first (Σx / Σn), as the reference does. The `statistic` is
/// "rate per {multiplier}" and the `method` "Exact" below 10 events, "Byars" from 10.
///
/// # Errors
/// x < 0, n ≤ 0, a multiplier ≤ 0, or a non-finite input.
pub fn crude_rate(x: f64, n: f64, multiplier: f64, confidence: &[ConfidenceLevel]) -> Result<Estimate, StatsError> {
    non_negative("numerator", x)?;
    crate::error::positive("denominator", n)?;
    crate::error::positive("multiplier", multiplier)?;
    Ok(Estimate {
        value: Some(x / n * multiplier),
        limits: limits_for(confidence, |c| {
            let (l, u) = count_limits(x, c);
            (l.map(|l| l / n * multiplier), u.map(|u| u / n * multiplier))
        }),
        statistic: format!("rate per {}", format_multiplier(multiplier)).into(),
        method: count_method(x),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BOTH: [ConfidenceLevel; 2] = [ConfidenceLevel::C95, ConfidenceLevel::C998];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs {b}");
    }

    /// testdata_Rate__testdata_Rate.csv, multiplier 100: (x, n, value, l95, u95, l998, u998, method).
    #[test]
    fn matches_reference_rate_sheet() {
        let rows = [
            (
                1.0,
                100.0,
                1.0,
                0.025317807984289897,
                5.571643390938898,
                0.0010005003335835344,
                9.2334134764515845,
                "Exact",
            ),
            (5.0, 100.0, 5.0, 1.62348639011842, 11.668332079322669, 0.739371731917839, 16.454745203680105, "Exact"),
            (20.0, 100.0, 20.0, 12.211428834875937, 30.889880369197066, 8.922802365144193, 38.085035625041911, "Byars"),
            (
                65.0,
                100.0,
                65.0,
                50.163187710459454,
                82.849138545939837,
                42.880261471480203,
                94.000290844318016,
                "Byars",
            ),
            (
                9856.0,
                12345.0,
                79.837991089509913,
                78.269490589767571,
                81.430016542721404,
                77.375905432710525,
                82.354472770954303,
                "Byars",
            ),
            (
                7776456.0,
                7564336677.0,
                0.10280420256339154,
                0.10273196005302074,
                0.10287648334092832,
                0.102690317308454,
                0.10291817639509068,
                "Byars",
            ),
            (
                222.0,
                3215.0,
                6.9051321928460334,
                6.0265748776526751,
                7.8757293708718503,
                5.5607376952598537,
                8.4610466817334107,
                "Byars",
            ),
            (
                999.0,
                3456.0,
                28.90625,
                27.141304936090521,
                30.755833237378415,
                26.162147596445767,
                31.845604819822654,
                "Byars",
            ),
        ];
        for (x, n, v, l95, u95, l998, u998, method) in rows {
            let e = crude_rate(x, n, 100.0, &BOTH).unwrap();
            close(e.value.unwrap(), v);
            close(e.limits[0].lower.unwrap(), l95);
            close(e.limits[0].upper.unwrap(), u95);
            close(e.limits[1].lower.unwrap(), l998);
            close(e.limits[1].upper.unwrap(), u998);
            assert_eq!(e.method, method);
            assert_eq!(e.statistic, "rate per 100");
        }
    }

    /// testdata_Rate__testdata_Rate_g.csv: grouped, 95%, per 100,000.
    #[test]
    fn matches_reference_grouped_sheet() {
        let e = crude_rate(2.0, 200.0, 100000.0, &[ConfidenceLevel::C95]).unwrap();
        close(e.limits[0].lower.unwrap(), 121.10463927198258);
        close(e.limits[0].upper.unwrap(), 3612.3438338619794);
        let e = crude_rate(10.0, 200.0, 100000.0, &[ConfidenceLevel::C95]).unwrap();
        close(e.limits[0].lower.unwrap(), 2393.7249569837822);
        close(e.limits[0].upper.unwrap(), 9195.7293028782369);
        assert_eq!(e.method, "Byars");
        assert_eq!(e.statistic, "rate per 100000");
    }

    #[test]
    fn boundaries_at_9_10_11_and_zero() {
        assert_eq!(crude_rate(9.0, 1000.0, 1.0, &BOTH).unwrap().method, "Exact");
        assert_eq!(crude_rate(10.0, 1000.0, 1.0, &BOTH).unwrap().method, "Byars");
        assert_eq!(crude_rate(11.0, 1000.0, 1.0, &BOTH).unwrap().method, "Byars");
        let zero = crude_rate(0.0, 1000.0, 1.0, &BOTH).unwrap();
        assert_eq!(zero.value, Some(0.0));
        assert_eq!(zero.limits[0].lower, Some(0.0));
        assert!(zero.limits[0].upper.unwrap() > 0.0);
        assert!(crude_rate(-1.0, 10.0, 1.0, &BOTH).is_err());
        assert!(crude_rate(1.0, 0.0, 1.0, &BOTH).is_err());
        // A rate may exceed 1 per person: x > n is allowed (Area12 of the reference sheet).
        assert!(crude_rate(250.0, 220.0, 1.0, &BOTH).is_ok());
    }

    proptest! {
        #[test]
        fn limits_bracket_value_nest_and_grow(x in 0u32..5000, n in 1u32..1_000_000) {
            let (x, n) = (f64::from(x), f64::from(n));
            let e = crude_rate(x, n, 100000.0, &BOTH).unwrap();
            let v = e.value.unwrap();
            let (l95, u95) = (e.limits[0].lower.unwrap(), e.limits[0].upper.unwrap());
            let (l998, u998) = (e.limits[1].lower.unwrap(), e.limits[1].upper.unwrap());
            prop_assert!(l95 <= v * (1.0 + 1e-12) && v <= u95 * (1.0 + 1e-12));
            prop_assert!(l998 <= l95 * (1.0 + 1e-12) && u95 <= u998 * (1.0 + 1e-12));
            let e2 = crude_rate(x + 1.0, n, 100000.0, &BOTH).unwrap();
            prop_assert!(e2.limits[0].upper.unwrap() >= u95 * (1.0 - 1e-12));
        }
    }
}
