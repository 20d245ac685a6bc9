//! Indirectly standardised ratios and rates (ISR), e.g. standardised mortality ratios.
//!
//! `calculate_ISRatio` and `calculate_ISRate` in the reference. For age bands i with observed
//! events xᵢ and population nᵢ in the area, and events x_ref,i and population n_ref,i in the
//! reference population:
//!
//! ```text
//! E     = Σ x_ref,i / n_ref,i · nᵢ           (expected events)
//! O     = Σ xᵢ                              (observed events)
//! ratio = O/E × refvalue                    (refvalue 1 by default, or 100)
//! rate  = O/E × Σx_ref/Σn_ref × multiplier  (multiplier 100,000 by default)
//! limits: exact Poisson limits of O below 10 observed, Byar's from 10, divided by E and
//!         scaled as the value
//! ```
//!
//! Missing counts are taken as zero (in the expected events too, as the reference does).
//!
//! References: Breslow NE, Day NE. Statistical methods in cancer research, volume II. Lyon:
//! IARC; 1987. Armitage P, Berry G. Statistical methods in medical research (4th edn). OHID,
//! Fingertips technical guidance: "Indirectly standardised ratios".

use crate::error::{non_negative, positive};
use crate::rate::{count_limits, count_method};
use crate::{format_multiplier, limits_for, ConfidenceLevel, Estimate, StatsError};

/// Sums one group's age bands for an ISR, row by row, so input can stream.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct IsrAccumulator {
    observed: f64,
    expected: f64,
    ref_count: f64,
    ref_pop: f64,
}

impl IsrAccumulator {
    /// Adds one age band: observed count `x` and population `n` of the area (each `None` when
    /// missing, taken as zero), and the reference count and population of the band.
    ///
    /// # Errors
    /// A negative count or population, a reference population ≤ 0, or a non-finite input.
    pub fn add(&mut self, x: Option<f64>, n: Option<f64>, x_ref: Option<f64>, n_ref: f64) -> Result<(), StatsError> {
        let x = x.map(|x| non_negative("count", x)).transpose()?.unwrap_or(0.0);
        let n = n.map(|n| non_negative("population", n)).transpose()?.unwrap_or(0.0);
        let x_ref = x_ref.map(|x| non_negative("reference count", x)).transpose()?.unwrap_or(0.0);
        positive("reference population", n_ref)?;
        self.observed += x;
        self.expected += x_ref / n_ref * n;
        self.ref_count += x_ref;
        self.ref_pop += n_ref;
        Ok(())
    }

    /// Adds the bands summed in `other` (another part of the same group), as if they had been
    /// added here.
    pub fn merge(&mut self, other: &IsrAccumulator) {
        self.observed += other.observed;
        self.expected += other.expected;
        self.ref_count += other.ref_count;
        self.ref_pop += other.ref_pop;
    }

    /// O, the observed events.
    pub fn observed(&self) -> f64 {
        self.observed
    }

    /// E, the expected events.
    pub fn expected(&self) -> f64 {
        self.expected
    }

    /// The ratio O/E × `refvalue` with its limits.
    pub fn ratio(&self, refvalue: f64, confidence: &[ConfidenceLevel]) -> IsrEstimate {
        self.scaled(
            refvalue,
            None,
            format!("indirectly standardised ratio x {}", format_multiplier(refvalue)),
            confidence,
        )
    }

    /// The rate O/E × Σx_ref/Σn_ref × `multiplier` with its limits.
    pub fn rate(&self, multiplier: f64, confidence: &[ConfidenceLevel]) -> IsrEstimate {
        let ref_rate = self.ref_count / self.ref_pop * multiplier;
        self.scaled(
            ref_rate,
            Some(ref_rate),
            format!("indirectly standardised rate per {}", format_multiplier(multiplier)),
            confidence,
        )
    }

    fn scaled(
        &self,
        scale: f64,
        ref_rate: Option<f64>,
        statistic: String,
        confidence: &[ConfidenceLevel],
    ) -> IsrEstimate {
        let (o, e) = (self.observed, self.expected);
        let usable = e > 0.0;
        IsrEstimate {
            observed: o,
            expected: e,
            ref_rate,
            estimate: Estimate {
                value: usable.then(|| o / e * scale),
                limits: limits_for(confidence, |c| {
                    if !usable {
                        return (None, None);
                    }
                    let (l, u) = count_limits(o, c);
                    (l.map(|l| l / e * scale), u.map(|u| u / e * scale))
                }),
                statistic: statistic.into(),
                method: count_method(o),
            },
        }
    }
}

/// An ISR with the reference's extra columns.
#[derive(Clone, Debug, PartialEq)]
pub struct IsrEstimate {
    /// O (`observed`).
    pub observed: f64,
    /// E (`expected`).
    pub expected: f64,
    /// Σx_ref/Σn_ref × multiplier (`ref_rate`), for rates only.
    pub ref_rate: Option<f64>,
    /// Value and limits; no value when E is 0.
    pub estimate: Estimate,
}

fn accumulate(
    x: &[Option<f64>],
    n: &[Option<f64>],
    x_ref: &[Option<f64>],
    n_ref: &[f64],
) -> Result<IsrAccumulator, StatsError> {
    if x.len() != n.len() || x.len() != x_ref.len() || x.len() != n_ref.len() {
        return Err(StatsError::Shape(
            "counts, populations, reference counts and reference populations must have the same length".into(),
        ));
    }
    let mut acc = IsrAccumulator::default();
    for i in 0..x.len() {
        acc.add(x[i], n[i], x_ref[i], n_ref[i])?;
    }
    Ok(acc)
}

/// The indirectly standardised ratio O/E × `refvalue` of one group (see the module docs).
///
/// # Errors
/// Slices of different lengths or bad values (see [`IsrAccumulator::add`]).
pub fn indirectly_standardised_ratio(
    x: &[Option<f64>],
    n: &[Option<f64>],
    x_ref: &[Option<f64>],
    n_ref: &[f64],
    refvalue: f64,
    confidence: &[ConfidenceLevel],
) -> Result<IsrEstimate, StatsError> {
    Ok(accumulate(x, n, x_ref, n_ref)?.ratio(refvalue, confidence))
}

/// The indirectly standardised rate O/E × Σx_ref/Σn_ref × `multiplier` of one group.
///
/// # Errors
/// Slices of different lengths or bad values (see [`IsrAccumulator::add`]).
pub fn indirectly_standardised_rate(
    x: &[Option<f64>],
    n: &[Option<f64>],
    x_ref: &[Option<f64>],
    n_ref: &[f64],
    multiplier: f64,
    confidence: &[ConfidenceLevel],
) -> Result<IsrEstimate, StatsError> {
    positive("multiplier", multiplier)?;
    Ok(accumulate(x, n, x_ref, n_ref)?.rate(multiplier, confidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: [ConfidenceLevel; 2] = [ConfidenceLevel::C95, ConfidenceLevel::C998];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs {b}");
    }

    /// testdata_DSR_ISR__testdata_multiarea_isr.csv: testdata_big counts and populations, with
    /// the reference counts and populations of testdata_DSR_ISR__refdata.csv.
    const COUNT: [f64; 19] =
        [127., 25., 18., 21., 12., 27., 48., 27., 29., 32., 32., 34., 45., 65., 38., 68., 74., 82., 91.];
    const POP: [f64; 19] = [
        636., 558., 609., 543., 384., 594., 669., 843., 660., 576., 606., 522., 426., 273., 300., 288., 153., 123.,
        207.,
    ];

    fn reference() -> (Vec<f64>, Vec<f64>) {
        let text = crate::testdata::reference_text("testdata_DSR_ISR__refdata.csv");
        let mut xr = Vec::new();
        let mut nr = Vec::new();
        for line in text.lines().skip(1) {
            let c: Vec<&str> = line.split(',').map(|c| c.trim_matches('"')).collect();
            xr.push(c[1].parse().expect("a reference count"));
            nr.push(c[2].parse().expect("a reference population"));
        }
        (xr, nr)
    }

    /// testdata_DSR_ISR__testresults_ISR.csv, testdata_big: rate per 100,000 and ratio x 1.
    #[test]
    fn matches_reference_testdata_big() {
        let (xr, nr) = reference();
        let x: Vec<Option<f64>> = COUNT.iter().map(|&c| Some(c)).collect();
        let n: Vec<Option<f64>> = POP.iter().map(|&c| Some(c)).collect();
        let xr: Vec<Option<f64>> = xr.into_iter().map(Some).collect();
        let r = indirectly_standardised_rate(&x, &n, &xr, &nr, 100000.0, &BOTH).unwrap();
        assert_eq!(r.observed, 895.0);
        close(r.expected, 835.88356123117433);
        close(r.ref_rate.unwrap(), 9349.8830922110192);
        close(r.estimate.value.unwrap(), 10011.137622091057);
        close(r.estimate.limits[0].lower.unwrap(), 9365.91600297888);
        close(r.estimate.limits[0].upper.unwrap(), 10689.097582910616);
        close(r.estimate.limits[1].lower.unwrap(), 9008.7578618655007);
        close(r.estimate.limits[1].upper.unwrap(), 11089.02718538338);
        assert_eq!(r.estimate.statistic, "indirectly standardised rate per 100000");
        assert_eq!(r.estimate.method, "Byars");
        let q = indirectly_standardised_ratio(&x, &n, &xr, &nr, 1.0, &BOTH).unwrap();
        close(q.estimate.value.unwrap(), 1.0707232939020275);
        close(q.estimate.limits[0].lower.unwrap(), 1.0017147712553987);
        close(q.estimate.limits[1].upper.unwrap(), 1.1860070415876287);
        assert_eq!(q.estimate.statistic, "indirectly standardised ratio x 1");
    }

    /// testdata_tiny (9 observed, exact limits), ratio x 100, from the same results sheet; the
    /// counts are testdata_tiny's rows of the multiarea sheet: 9 events, all in 90+.
    #[test]
    fn exact_limits_below_10_observed() {
        let (xr, nr) = reference();
        let text = crate::testdata::reference_text("testdata_DSR_ISR__testdata_multiarea_isr.csv");
        let mut x = Vec::new();
        let mut n = Vec::new();
        for line in text.lines().skip(1) {
            let c: Vec<&str> = line.split(',').map(|c| c.trim_matches('"')).collect();
            if c[0] == "testdata_tiny" {
                x.push(c[2].parse().ok());
                n.push(c[3].parse().ok());
            }
        }
        let xr: Vec<Option<f64>> = xr.into_iter().map(Some).collect();
        let q = indirectly_standardised_ratio(&x, &n, &xr, &nr, 100.0, &BOTH).unwrap();
        assert_eq!(q.observed, 9.0);
        close(q.estimate.value.unwrap(), 1.0767049882813684);
        close(q.estimate.limits[0].lower.unwrap(), 0.49233808250957761);
        close(q.estimate.limits[0].upper.unwrap(), 2.043921455549973);
        close(q.estimate.limits[1].lower.unwrap(), 0.2933930655068262);
        close(q.estimate.limits[1].upper.unwrap(), 2.7105896514690211);
        assert_eq!(q.estimate.method, "Exact");
        assert_eq!(q.estimate.statistic, "indirectly standardised ratio x 100");
    }

    proptest::proptest! {
        #[test]
        fn limits_bracket_value_nest_and_grow(observed in 0u32..3000, n in 1u32..100_000, rate in 1e-5f64..0.1) {
            let x = [Some(f64::from(observed))];
            let pop = [Some(f64::from(n))];
            let x_ref = [Some(rate * 1e6)];
            let n_ref = [1e6];
            let e = indirectly_standardised_ratio(&x, &pop, &x_ref, &n_ref, 1.0, &BOTH).unwrap().estimate;
            if let Some(v) = e.value {
                let l = &e.limits;
                proptest::prop_assert!(l[0].lower.unwrap() <= v * (1.0 + 1e-12) && v <= l[0].upper.unwrap() * (1.0 + 1e-12));
                proptest::prop_assert!(l[1].lower.unwrap_or(0.0) <= l[0].lower.unwrap() && l[0].upper.unwrap() <= l[1].upper.unwrap());
                let more = indirectly_standardised_ratio(&[Some(f64::from(observed) + 1.0)], &pop, &x_ref, &n_ref, 1.0, &BOTH).unwrap().estimate;
                proptest::prop_assert!(more.limits[0].upper.unwrap() >= l[0].upper.unwrap());
            }
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let one = [Some(1.0)];
        assert!(indirectly_standardised_ratio(&[Some(-1.0)], &one, &one, &[10.0], 1.0, &BOTH).is_err());
        assert!(indirectly_standardised_ratio(&one, &[Some(-1.0)], &one, &[10.0], 1.0, &BOTH).is_err());
        assert!(indirectly_standardised_ratio(&one, &one, &one, &[0.0], 1.0, &BOTH).is_err());
        assert!(indirectly_standardised_ratio(&one, &one, &one, &[], 1.0, &BOTH).is_err());
        // No expected events: no value, no panic.
        let r = indirectly_standardised_ratio(&one, &[Some(0.0)], &one, &[10.0], 1.0, &BOTH).unwrap();
        assert_eq!(r.estimate.value, None);
    }
}
