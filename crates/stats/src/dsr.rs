//! Directly standardised rates (DSR) with Dobson confidence limits.
//!
//! `calculate_dsr` in the reference. For age bands i with events xᵢ, population nᵢ and standard
//! population weight wᵢ (the European Standard Population 2013 unless another is given):
//!
//! ```text
//! DSR       = Σ(xᵢ·wᵢ/nᵢ) / Σwᵢ × multiplier
//! var(DSR)  = Σ xᵢ·(wᵢ/nᵢ)² / (Σwᵢ)²
//! O         = Σxᵢ
//! limits    = DSR + √(var/O) · (B(O) − O) × multiplier,   B = Byar's lower / upper limit of O
//! ```
//!
//! With a total count below 10 there is no value and no limits, and the statistic reads
//! "dsr NA for total count < 10". A missing count is taken as zero; populations must be
//! positive.
//!
//! Non-independent events (a person may have several events, e.g. admissions): counts come by
//! event frequency f (people with exactly f events). The variance is Σ_f var_f·f², where var_f
//! is the variance above computed from the people with frequency f, and the events are Σ_f f·x_f
//! in each age band.
//!
//! References: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted
//! sums of Poisson parameters. Stat Med 1991; 10: 457-462. Eurostat. Revision of the European
//! Standard Population, 2013 edition. OHID, Fingertips technical guidance: "Directly
//! standardised rates" and "DSRs for non-independent events".

use crate::error::{non_negative, positive};
use crate::poisson::{byars_lower, byars_upper};
use crate::{format_multiplier, limits_for, ConfidenceLevel, Estimate, StatsError};

/// The European Standard Population 2013 in 19 five-year bands, 0-4, 5-9, …, 85-89, 90+.
///
/// Source: Eurostat (2013), "Revision of the European Standard Population: report of Eurostat's
/// task force", Table 3; the same weights as the reference's `esp2013`. They sum to 100,000.
pub const ESP2013: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0, 6000.0, 5500.0,
    5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];

/// The start age of a five-year band label or start age: "0-4", "00-04", "5 – 9", "90+",
/// "90 +", "85", "85.0" → 0, 0, 5, 90, 90, 85, 85.
///
/// Only the start age is read (the band is identified by it), so a label whose end is
/// mistyped still finds its band. `None` when no leading number is found.
pub fn band_start_age(label: &str) -> Option<u32> {
    let t = label.trim();
    let n = t.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let (digits, rest) = t.split_at(n);
    // Allow "85.0" from a numeric column but not "8.5".
    if let Some(frac) = rest.strip_prefix('.') {
        if !frac.bytes().take_while(u8::is_ascii_digit).all(|c| c == b'0') {
            return None;
        }
    }
    digits.parse().ok()
}

/// The ESP 2013 weight of the band starting at `start_age` (0, 5, …, 90); `None` for any other.
pub fn esp2013_weight(start_age: u32) -> Option<f64> {
    if !start_age.is_multiple_of(5) || start_age > 90 {
        return None;
    }
    ESP2013.get((start_age / 5) as usize).copied()
}

/// A DSR with the reference's extra columns.
#[derive(Clone, Debug, PartialEq)]
pub struct DsrEstimate {
    /// Σx (`total_count`): events (for non-independent events, Σ f·x_f).
    pub total_count: f64,
    /// Σn (`total_pop`).
    pub total_pop: f64,
    /// Value and Dobson limits, `statistic` "dsr per {multiplier}", `method` "Dobson".
    pub estimate: Estimate,
}

/// Sums one group's age bands for a DSR, row by row, so input can stream.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DsrAccumulator {
    total_count: f64,
    total_pop: f64,
    weighted_rate: f64,
    stdpop: f64,
    variance_sum: f64,
}

impl DsrAccumulator {
    /// Adds one age band: count `x` (`None` when missing, taken as 0), population `n` > 0 and
    /// standard population weight `stdpop` ≥ 0.
    ///
    /// # Errors
    /// A negative count, a population ≤ 0 or a negative or non-finite weight.
    pub fn add(&mut self, x: Option<f64>, n: f64, stdpop: f64) -> Result<(), StatsError> {
        let x = match x {
            Some(x) => non_negative("count", x)?,
            None => 0.0,
        };
        positive("population", n)?;
        non_negative("standard population", stdpop)?;
        let w_over_n = stdpop / n;
        self.total_count += x;
        self.total_pop += n;
        self.weighted_rate += x * w_over_n;
        self.stdpop += stdpop;
        self.variance_sum += x * w_over_n * w_over_n;
        Ok(())
    }

    /// Adds the bands summed in `other` (another part of the same group), as if they had been
    /// added here.
    pub fn merge(&mut self, other: &DsrAccumulator) {
        self.total_count += other.total_count;
        self.total_pop += other.total_pop;
        self.weighted_rate += other.weighted_rate;
        self.stdpop += other.stdpop;
        self.variance_sum += other.variance_sum;
    }

    /// var(DSR) = Σxᵢ(wᵢ/nᵢ)² / (Σwᵢ)², before the multiplier.
    pub fn variance(&self) -> f64 {
        self.variance_sum / (self.stdpop * self.stdpop)
    }

    /// The DSR and its Dobson limits (see the module documentation).
    pub fn estimate(&self, multiplier: f64, confidence: &[ConfidenceLevel]) -> DsrEstimate {
        dobson(
            self.total_count,
            self.total_pop,
            self.weighted_rate / self.stdpop,
            self.variance(),
            multiplier,
            confidence,
            "Dobson",
        )
    }
}

/// The value, limits and wording of a DSR from its totals.
fn dobson(
    total_count: f64,
    total_pop: f64,
    rate: f64,
    variance: f64,
    multiplier: f64,
    confidence: &[ConfidenceLevel],
    method: &'static str,
) -> DsrEstimate {
    let suppressed = total_count < 10.0;
    let value = rate * multiplier;
    let scale = (variance / total_count).sqrt() * multiplier;
    let estimate = Estimate {
        value: (!suppressed).then_some(value),
        limits: limits_for(confidence, |c| {
            if suppressed {
                return (None, None);
            }
            (
                byars_lower(total_count, c).map(|b| value + scale * (b - total_count)),
                Some(value + scale * (byars_upper(total_count, c) - total_count)),
            )
        }),
        statistic: if suppressed {
            "dsr NA for total count < 10".into()
        } else {
            format!("dsr per {}", format_multiplier(multiplier)).into()
        },
        method,
    };
    DsrEstimate { total_count, total_pop, estimate }
}

/// The directly standardised rate of one group from its age bands (see the module
/// documentation for the formula).
///
/// `x[i]` is `None` where the count is missing (taken as zero, as the reference does).
///
/// # Errors
/// Slices of different lengths, no bands, a negative count, a population ≤ 0, a negative
/// weight, a multiplier ≤ 0, or all weights zero.
pub fn directly_standardised_rate(
    x: &[Option<f64>],
    n: &[f64],
    stdpop: &[f64],
    multiplier: f64,
    confidence: &[ConfidenceLevel],
) -> Result<DsrEstimate, StatsError> {
    if x.len() != n.len() || x.len() != stdpop.len() {
        return Err(StatsError::Shape(format!(
            "counts ({}), populations ({}) and standard populations ({}) must have the same length",
            x.len(),
            n.len(),
            stdpop.len()
        )));
    }
    positive("multiplier", multiplier)?;
    let mut acc = DsrAccumulator::default();
    for ((&x, &n), &w) in x.iter().zip(n).zip(stdpop) {
        acc.add(x, n, w)?;
    }
    positive("total standard population", acc.stdpop)?;
    Ok(acc.estimate(multiplier, confidence))
}

/// One row of non-independent event counts: `persons` people in age band `band` had exactly
/// `frequency` events.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrequencyCount {
    /// An identifier of the age band (any number unique to the band within the group).
    pub band: u32,
    /// The number of events each of these people had (1, 2, 3, …).
    pub frequency: f64,
    /// The number of people with that many events; `None` when missing (taken as 0).
    pub persons: Option<f64>,
    /// The band's population.
    pub n: f64,
    /// The band's standard population weight.
    pub stdpop: f64,
}

/// A DSR for non-independent events, with Dobson limits whose variance is adjusted for people
/// having several events: var = Σ_f var_f·f², events per band = Σ_f f·x_f.
///
/// The method is worded "Dobson, with confidence adjusted for non-independent events".
///
/// # Errors
/// As [`directly_standardised_rate`]; also a band given with different populations or weights
/// on different rows, or a frequency that is not positive.
pub fn directly_standardised_rate_non_independent(
    rows: &[FrequencyCount],
    multiplier: f64,
    confidence: &[ConfidenceLevel],
) -> Result<DsrEstimate, StatsError> {
    positive("multiplier", multiplier)?;
    // Per frequency: Σ x(w/n)² and Σ w over its rows.
    let mut by_frequency: Vec<(f64, f64, f64)> = Vec::new();
    // Per band: (band, n, w, events).
    let mut bands: Vec<(u32, f64, f64, f64)> = Vec::new();
    for r in rows {
        positive("event frequency", r.frequency)?;
        let persons = match r.persons {
            Some(p) => non_negative("count", p)?,
            None => 0.0,
        };
        positive("population", r.n)?;
        non_negative("standard population", r.stdpop)?;
        let w_over_n = r.stdpop / r.n;
        match by_frequency.iter_mut().find(|(f, _, _)| *f == r.frequency) {
            Some(entry) => {
                entry.1 += persons * w_over_n * w_over_n;
                entry.2 += r.stdpop;
            }
            None => by_frequency.push((r.frequency, persons * w_over_n * w_over_n, r.stdpop)),
        }
        match bands.iter_mut().find(|b| b.0 == r.band) {
            Some(b) => {
                if b.1 != r.n || b.2 != r.stdpop {
                    return Err(StatsError::Invalid(
                        "There are rows with the same grouping variables and ageband but with different populations (n) or standard populations (stdpop)".into(),
                    ));
                }
                b.3 += r.frequency * persons;
            }
            None => bands.push((r.band, r.n, r.stdpop, r.frequency * persons)),
        }
    }
    let variance: f64 = by_frequency.iter().map(|&(f, sq, w)| sq / (w * w) * f * f).sum();
    let mut acc = DsrAccumulator::default();
    for &(_, n, w, events) in &bands {
        acc.add(Some(events), n, w)?;
    }
    positive("total standard population", acc.stdpop)?;
    Ok(dobson(
        acc.total_count,
        acc.total_pop,
        acc.weighted_rate / acc.stdpop,
        variance,
        multiplier,
        confidence,
        "Dobson, with confidence adjusted for non-independent events",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BOTH: [ConfidenceLevel; 2] = [ConfidenceLevel::C95, ConfidenceLevel::C998];

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs {b}");
    }

    /// testdata_DSR_ISR__testdata_multiarea.csv, area testdata_big (19 bands).
    const BIG_COUNT: [f64; 19] =
        [127., 25., 18., 21., 12., 27., 48., 27., 29., 32., 32., 34., 45., 65., 38., 68., 74., 82., 91.];
    const BIG_POP: [f64; 19] = [
        636., 558., 609., 543., 384., 594., 669., 843., 660., 576., 606., 522., 426., 273., 300., 288., 153., 123.,
        207.,
    ];

    /// testdata_DSR_ISR__testresults_DSR.csv, testdata_big per 100,000 and per 10,000.
    #[test]
    fn matches_reference_testdata_big() {
        let x: Vec<Option<f64>> = BIG_COUNT.iter().map(|&c| Some(c)).collect();
        let e = directly_standardised_rate(&x, &BIG_POP, &ESP2013, 100000.0, &BOTH).unwrap();
        assert_eq!(e.total_count, 895.0);
        assert_eq!(e.total_pop, 8970.0);
        close(e.estimate.value.unwrap(), 10430.247991469423);
        close(e.estimate.limits[0].lower.unwrap(), 9717.709067985681);
        close(e.estimate.limits[0].upper.unwrap(), 11178.94091547925);
        close(e.estimate.limits[1].lower.unwrap(), 9323.2878802199029);
        close(e.estimate.limits[1].upper.unwrap(), 11620.595999522058);
        assert_eq!(e.estimate.statistic, "dsr per 100000");
        assert_eq!(e.estimate.method, "Dobson");
        let e = directly_standardised_rate(&x, &BIG_POP, &ESP2013, 10000.0, &BOTH).unwrap();
        close(e.estimate.value.unwrap(), 1043.0247991469423);
        close(e.estimate.limits[0].lower.unwrap(), 971.77090679856803);
        close(e.estimate.limits[1].upper.unwrap(), 1162.0595999522059);
        assert_eq!(e.estimate.statistic, "dsr per 10000");
    }

    #[test]
    fn fewer_than_10_events_is_suppressed() {
        let mut x = vec![Some(0.0); 19];
        x[18] = Some(9.0);
        let e = directly_standardised_rate(&x, &BIG_POP, &ESP2013, 100000.0, &BOTH).unwrap();
        assert_eq!(e.estimate.value, None);
        assert_eq!(e.estimate.limits[0].lower, None);
        assert_eq!(e.estimate.statistic, "dsr NA for total count < 10");
        x[18] = Some(10.0);
        let e = directly_standardised_rate(&x, &BIG_POP, &ESP2013, 100000.0, &BOTH).unwrap();
        assert!(e.estimate.value.is_some());
        // Missing counts are zero.
        x[0] = None;
        assert!(directly_standardised_rate(&x, &BIG_POP, &ESP2013, 100000.0, &BOTH).is_ok());
    }

    /// testdata_DSR_ISR__testdata_err*.csv: a zero or negative population and a negative count
    /// must be refused; mismatched lengths too.
    #[test]
    fn bad_input_is_refused() {
        let x: Vec<Option<f64>> = BIG_COUNT.iter().map(|&c| Some(c)).collect();
        let mut pop = BIG_POP;
        pop[1] = 0.0;
        assert!(directly_standardised_rate(&x, &pop, &ESP2013, 1e5, &BOTH).is_err());
        pop[1] = -558.0;
        assert!(directly_standardised_rate(&x, &pop, &ESP2013, 1e5, &BOTH).is_err());
        let mut neg = x.clone();
        neg[2] = Some(-1.0);
        assert!(directly_standardised_rate(&neg, &BIG_POP, &ESP2013, 1e5, &BOTH).is_err());
        assert!(directly_standardised_rate(&x[..18], &BIG_POP, &ESP2013, 1e5, &BOTH).is_err());
    }

    #[test]
    fn band_labels() {
        assert_eq!(band_start_age("0-4"), Some(0));
        assert_eq!(band_start_age("00-04"), Some(0));
        assert_eq!(band_start_age("90+"), Some(90));
        assert_eq!(band_start_age("10 – 14"), Some(10));
        assert_eq!(band_start_age("85.0"), Some(85));
        assert_eq!(band_start_age("8.5"), None);
        assert_eq!(band_start_age("x"), None);
        assert_eq!(esp2013_weight(90), Some(1000.0));
        assert_eq!(esp2013_weight(3), None);
        assert_eq!(ESP2013.iter().sum::<f64>(), 100000.0);
    }

    /// testdata_DSR_ISR__testdata_nonindepe.csv, area testdata_nonind_big, frequencies f1-f4,
    /// expected in testdata_DSR_ISR__testresults_DSR.csv (printed there to 14 significant
    /// digits, so compared to 1e-11 relative).
    #[test]
    fn matches_reference_non_independent_big() {
        let f: [[f64; 4]; 19] = [
            [75., 16., 4., 2.],
            [16., 3., 1., 0.],
            [11., 2., 1., 0.],
            [12., 3., 1., 0.],
            [8., 0., 0., 1.],
            [18., 3., 1., 0.],
            [26., 6., 2., 1.],
            [18., 3., 1., 0.],
            [18., 4., 1., 0.],
            [21., 4., 1., 0.],
            [21., 4., 1., 0.],
            [23., 4., 1., 0.],
            [23., 6., 2., 1.],
            [39., 8., 2., 1.],
            [25., 5., 1., 0.],
            [40., 9., 2., 1.],
            [46., 9., 2., 1.],
            [49., 10., 3., 1.],
            [56., 11., 3., 1.],
        ];
        let mut rows = Vec::new();
        for (band, counts) in f.iter().enumerate() {
            for (k, &persons) in counts.iter().enumerate() {
                rows.push(FrequencyCount {
                    band: band as u32,
                    frequency: (k + 1) as f64,
                    persons: Some(persons),
                    n: BIG_POP[band],
                    stdpop: ESP2013[band],
                });
            }
        }
        let e = directly_standardised_rate_non_independent(&rows, 100000.0, &BOTH).unwrap();
        assert_eq!(e.total_count, 895.0);
        let rel = |a: f64, b: f64| assert!((a - b).abs() <= 1e-11 * b.abs(), "{a} vs {b}");
        rel(e.estimate.value.unwrap(), 10430.24799147);
        rel(e.estimate.limits[0].lower.unwrap(), 9532.9497786200009);
        rel(e.estimate.limits[0].upper.unwrap(), 11373.074832980001);
        rel(e.estimate.limits[1].lower.unwrap(), 9036.2563135700002);
        rel(e.estimate.limits[1].upper.unwrap(), 11929.24980749);
        assert_eq!(e.estimate.method, "Dobson, with confidence adjusted for non-independent events");
    }

    proptest! {
        #[test]
        fn limits_bracket_value_and_nest(counts in proptest::collection::vec(0u32..200, 19), pops in proptest::collection::vec(1u32..100_000, 19)) {
            let x: Vec<Option<f64>> = counts.iter().map(|&c| Some(f64::from(c))).collect();
            let n: Vec<f64> = pops.iter().map(|&p| f64::from(p)).collect();
            let e = directly_standardised_rate(&x, &n, &ESP2013, 1e5, &BOTH).unwrap();
            if let Some(v) = e.estimate.value {
                let l = &e.estimate.limits;
                prop_assert!(l[0].lower.unwrap() <= v && v <= l[0].upper.unwrap());
                prop_assert!(l[1].lower.unwrap() <= l[0].lower.unwrap() && l[0].upper.unwrap() <= l[1].upper.unwrap());
            }
        }
    }
}
