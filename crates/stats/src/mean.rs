//! Means with Student's t confidence limits.
//!
//! `phe_mean` in the reference: value = Σx/n; limits value ∓ |t(p; n − 1)|·s/√n with
//! p = (1 − c)/2 and s the sample standard deviation (denominator n − 1). A group of one value
//! has no standard deviation and so no limits.
//!
//! Reference: OHID, Fingertips technical guidance: "Confidence intervals for means"; any
//! statistics text, e.g. Altman DG, Practical statistics for medical research, 1991.

use crate::distributions::student_t_quantile;
use crate::{limits_for, ConfidenceLevel, Estimate, StatsError};

/// A running mean and variance (Welford's algorithm), so a mean can stream over input larger
/// than memory and still agree with R's two-pass `sd` to about 1e-15 relative.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanAccumulator {
    count: u64,
    sum: f64,
    mean: f64,
    m2: f64,
}

impl MeanAccumulator {
    /// Adds one value.
    ///
    /// # Errors
    /// A value that is NaN or infinite.
    pub fn add(&mut self, value: f64) -> Result<(), StatsError> {
        if !value.is_finite() {
            return Err(StatsError::NotFinite { field: "value", value });
        }
        self.count += 1;
        self.sum += value;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (value - self.mean);
        Ok(())
    }

    /// Adds the values summarised in `other` (another part of the same group), combining the
    /// sums of squared deviations as Chan, Golub and LeVeque (1979) do:
    /// M2 = M2ₐ + M2_b + δ²·nₐn_b/n, δ = x̄_b − x̄ₐ.
    pub fn merge(&mut self, other: &MeanAccumulator) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.mean += delta * nb / n;
        self.count += other.count;
        self.sum += other.sum;
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Σx, the reference's `value_sum`.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The sample standard deviation √(Σ(x − x̄)²/(n − 1)); `None` for fewer than two values.
    pub fn standard_deviation(&self) -> Option<f64> {
        (self.count >= 2).then(|| (self.m2 / (self.count - 1) as f64).sqrt())
    }

    /// The mean with Student's t limits at each level (see [`mean`]).
    pub fn estimate(&self, confidence: &[ConfidenceLevel]) -> MeanEstimate {
        let n = self.count as f64;
        let value = (self.count > 0).then(|| self.sum / n);
        let sd = self.standard_deviation();
        let limits = limits_for(confidence, |c| match (value, sd) {
            (Some(v), Some(s)) => {
                let t = student_t_quantile(c.lower_probability(), n - 1.0).abs();
                let half = t * s / n.sqrt();
                (Some(v - half), Some(v + half))
            }
            _ => (None, None),
        });
        MeanEstimate {
            value_sum: self.sum,
            value_count: self.count,
            stdev: sd,
            estimate: Estimate { value, limits, statistic: "mean".into(), method: "Student's t-distribution" },
        }
    }
}

/// A mean with the reference's extra columns.
#[derive(Clone, Debug, PartialEq)]
pub struct MeanEstimate {
    /// Σx (`value_sum`).
    pub value_sum: f64,
    /// Number of values (`value_count`).
    pub value_count: u64,
    /// Sample standard deviation (`stdev`); `None` for one value.
    pub stdev: Option<f64>,
    /// Value, limits, `statistic` "mean", `method` "Student's t-distribution".
    pub estimate: Estimate,
}

/// The mean of `values` with Student's t limits: x̄ ∓ |t((1 − c)/2; n − 1)|·s/√n.
///
/// # Errors
/// No values, or a value that is NaN or infinite (the reference gives NA for a group with a
/// missing value; the caller decides whether to report or skip such a group).
pub fn mean(values: &[f64], confidence: &[ConfidenceLevel]) -> Result<MeanEstimate, StatsError> {
    if values.is_empty() {
        return Err(StatsError::Invalid("a mean needs at least one value".into()));
    }
    let mut acc = MeanAccumulator::default();
    for &v in values {
        acc.add(v)?;
    }
    Ok(acc.estimate(confidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BOTH: [ConfidenceLevel; 2] = [ConfidenceLevel::C95, ConfidenceLevel::C998];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs {b}");
    }

    /// testdata_Mean__testdata_Mean.csv (Area1's 8 values) and
    /// testdata_Mean__testdata_Mean_results.csv (its expected row).
    #[test]
    fn matches_reference_area1() {
        let text = crate::testdata::reference_text("testdata_Mean__testdata_Mean.csv");
        let mut area1 = Vec::new();
        let mut area2 = Vec::new();
        for line in text.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').map(|c| c.trim_matches('"')).collect();
            let v: f64 = cells[1].parse().unwrap();
            match cells[0] {
                "Area1" => area1.push(v),
                "Area2" => area2.push(v),
                _ => {}
            }
        }
        let m = mean(&area1, &BOTH).unwrap();
        close(m.value_sum, 429.63476000000009);
        assert_eq!(m.value_count, 8);
        close(m.stdev.unwrap(), 20.975575257709309);
        close(m.estimate.value.unwrap(), 53.704345000000011);
        close(m.estimate.limits[0].lower.unwrap(), 36.168325241336504);
        close(m.estimate.limits[0].upper.unwrap(), 71.240364758663517);
        close(m.estimate.limits[1].lower.unwrap(), 18.216705294788838);
        close(m.estimate.limits[1].upper.unwrap(), 89.191984705211183);
        let m = mean(&area2, &BOTH).unwrap();
        close(m.value_sum, 102221.33323999999);
        assert_eq!(m.value_count, 18);
        close(m.stdev.unwrap(), 2117.8317161590671);
        close(m.estimate.limits[0].lower.unwrap(), 4625.7900224529722);
        close(m.estimate.limits[0].upper.unwrap(), 6732.1358931025834);
        close(m.estimate.limits[1].lower.unwrap(), 3859.0770997295967);
        close(m.estimate.limits[1].upper.unwrap(), 7498.8488158259588);
    }

    #[test]
    fn one_value_has_no_limits_and_bad_input_is_refused() {
        let m = mean(&[5.0], &BOTH).unwrap();
        assert_eq!(m.estimate.value, Some(5.0));
        assert_eq!(m.estimate.limits[0].lower, None);
        assert_eq!(m.stdev, None);
        assert!(mean(&[], &BOTH).is_err());
        assert!(mean(&[1.0, f64::NAN], &BOTH).is_err());
    }

    proptest! {
        #[test]
        fn limits_bracket_and_nest(values in proptest::collection::vec(-1e6f64..1e6, 2..50)) {
            let m = mean(&values, &BOTH).unwrap();
            let v = m.estimate.value.unwrap();
            let l = &m.estimate.limits;
            prop_assert!(l[0].lower.unwrap() <= v + 1e-9 && v <= l[0].upper.unwrap() + 1e-9);
            prop_assert!(l[1].lower.unwrap() <= l[0].lower.unwrap() + 1e-9);
            prop_assert!(l[0].upper.unwrap() <= l[1].upper.unwrap() + 1e-9);
        }
    }
}
