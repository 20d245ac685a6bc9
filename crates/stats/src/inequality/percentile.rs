//! Percentile difference and ratio for non-ordered dimensions of many subgroups: D8020, R8020,
//! D9010 and R9010. **These are Fairer's own measures, not HEAT's**: HEAT (and its R code,
//! WHOequity/HEAT-Measures) has no percentile variant of the difference and the ratio.
//!
//! HEAT's difference and ratio of a non-ordered dimension compare the highest and the lowest
//! subgroup estimates ([`super::difference`]), so with many subgroups (regions, local
//! authorities, ethnic groups) they follow the two most extreme, often the smallest and least
//! precise. The percentile variants compare the 80th and 20th (or 90th and 10th) percentiles
//! of the subgroup estimates instead, as the interquintile (P80/P20) and interdecile
//! (P90/P10) ratios of income-distribution statistics do:
//!
//! - D8020 = P80 − P20 and R8020 = P80 / P20;
//! - D9010 = P90 − P10 and R9010 = P90 / P10;
//!
//! where P_q is the unweighted sample quantile of the n subgroup estimates y₁ … yₙ by R's
//! `quantile(y, q, type = 7)` (Hyndman and Fan 1996, definition 7): with the sorted estimates
//! y₍₁₎ ≤ … ≤ y₍ₙ₎ and h = 1 + (n − 1)q, P_q = y₍⌊h⌋₎ + (h − ⌊h⌋)(y₍⌊h⌋₊₁₎ − y₍⌊h⌋₎). The
//! quantile is the one the simulation intervals already use ([`super::simulation`]: by
//! selection for the estimates, and read off each simulated draw sorted once and shared by
//! the four measures, with the same interpolation). Subgroup populations are not used
//! (every subgroup counts once, as in HEAT's D and R), nor is the reference subgroup, and the
//! measures do not depend on whether the indicator is favourable: D is never negative and R
//! never below one.
//!
//! Reference: R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", *The
//! American Statistician* 50(4), 361–365 (1996); R's `stats::quantile`.
//!
//! ## Availability
//!
//! - Only for non-ordered dimensions (an ordered dimension has the SII, RII and concentration
//!   indices, and a binary one has two subgroups).
//! - At least [`PERCENTILE_MIN_SUBGROUPS`] subgroups with an estimate: with fewer, P20 and P80
//!   (and P10, P90) are interpolations between the two or three most extreme estimates and
//!   add nothing to D and R.
//! - At least 85% of subgroups with an estimate, as HEAT requires for its non-ordered measures.
//! - R8020 and R9010 need a positive P20 (P10): a ratio to a percentile of zero is infinite
//!   or undefined, and to a negative one meaningless.
//!
//! ## Interval
//!
//! By HEAT's simulation ([`super::simulation`]), as for its other measures without an analytic
//! variance: the subgroup estimates are drawn 100 times from normal distributions with their
//! SEs (truncated at 0, and at 100 for percentages; `set.seed(123456)`), the measure is
//! computed on each draw, and the limits are the 2.5th and 97.5th percentiles of the 100
//! values (type 7). There is no interval unless every subgroup has an SE, and none for a ratio
//! when a simulated P20 (P10) of zero makes a simulated ratio infinite at a limit.

use super::simulation::{quantile_type7_sorted, quantiles_type7_in_place, Draws};
use super::{summary_measure, Computed, DimensionInput, MeasureCode, Prepared, SummaryMeasure, SummaryOptions};
use crate::StatsError;

/// The fewest subgroups with an estimate for which the percentile measures (D8020, R8020,
/// D9010, R9010) are computed: 5.
pub const PERCENTILE_MIN_SUBGROUPS: usize = 5;

/// Difference between the 80th and 20th percentiles of the subgroup estimates,
/// D8020 = P80 − P20 (R's `quantile`, type 7), for a non-ordered dimension of at least
/// [`PERCENTILE_MIN_SUBGROUPS`] subgroups; simulation interval. Fairer's measure, not HEAT's;
/// see the [module documentation](self) for the definition, the rules that make it
/// unavailable and the interval.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn percentile_difference_80_20(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::D8020)
}

/// Ratio of the 80th to the 20th percentile of the subgroup estimates, R8020 = P80 / P20
/// (R's `quantile`, type 7), for a non-ordered dimension of at least
/// [`PERCENTILE_MIN_SUBGROUPS`] subgroups; unavailable when P20 is not positive; simulation
/// interval. Fairer's measure, not HEAT's; see the [module documentation](self).
///
/// # Errors
/// As [`super::summary_measures`].
pub fn percentile_ratio_80_20(input: &DimensionInput, options: &SummaryOptions) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::R8020)
}

/// Difference between the 90th and 10th percentiles of the subgroup estimates,
/// D9010 = P90 − P10 (R's `quantile`, type 7), for a non-ordered dimension of at least
/// [`PERCENTILE_MIN_SUBGROUPS`] subgroups; simulation interval. Fairer's measure, not HEAT's;
/// see the [module documentation](self).
///
/// # Errors
/// As [`super::summary_measures`].
pub fn percentile_difference_90_10(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::D9010)
}

/// Ratio of the 90th to the 10th percentile of the subgroup estimates, R9010 = P90 / P10
/// (R's `quantile`, type 7), for a non-ordered dimension of at least
/// [`PERCENTILE_MIN_SUBGROUPS`] subgroups; unavailable when P10 is not positive; simulation
/// interval. Fairer's measure, not HEAT's; see the [module documentation](self).
///
/// # Errors
/// As [`super::summary_measures`].
pub fn percentile_ratio_90_10(input: &DimensionInput, options: &SummaryOptions) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::R9010)
}

/// The lower and upper percentiles of a percentile measure, and whether it is a ratio.
pub(crate) fn percentiles_of(m: MeasureCode) -> Option<(f64, f64, bool)> {
    match m {
        MeasureCode::D8020 => Some((0.2, 0.8, false)),
        MeasureCode::R8020 => Some((0.2, 0.8, true)),
        MeasureCode::D9010 => Some((0.1, 0.9, false)),
        MeasureCode::R9010 => Some((0.1, 0.9, true)),
        _ => None,
    }
}

/// (P_lo, P_hi) of `values`, reordering them; `None` when there are none.
fn percentile_pair(values: &mut Vec<f64>, lo: f64, hi: f64) -> Option<(f64, f64)> {
    match quantiles_type7_in_place(values, [lo, hi]) {
        [Some(a), Some(b)] => Some((a, b)),
        _ => None,
    }
}

/// (P_lo, P_hi) of values sorted in ascending order; `None` when there are none.
fn sorted_percentile_pair(sorted: &[f64], lo: f64, hi: f64) -> Option<(f64, f64)> {
    Some((quantile_type7_sorted(sorted, lo)?, quantile_type7_sorted(sorted, hi)?))
}

/// The measure from a pair of percentiles: P_hi − P_lo, or P_hi / P_lo (NaN when P_lo ≤ 0, so
/// a simulated value is dropped from the interval's quantiles).
fn combine(p_lo: f64, p_hi: f64, ratio: bool) -> f64 {
    if !ratio {
        p_hi - p_lo
    } else if p_lo > 0.0 {
        p_hi / p_lo
    } else {
        f64::NAN
    }
}

/// The measure `m` and its interval from `sorted_draws`, HEAT's simulated draws with each
/// draw's values sorted ([`Draws::sorted`], shared by the four percentile measures).
pub(crate) fn compute_percentile(pr: &Prepared, m: MeasureCode, sorted_draws: Option<&Draws>) -> Computed {
    let Some((lo, hi, ratio)) = percentiles_of(m) else {
        return Err("not a percentile measure".into());
    };
    let mut values = pr.est.clone();
    let (p_lo, p_hi) = percentile_pair(&mut values, lo, hi).ok_or_else(|| "no subgroup has an estimate".to_string())?;
    if ratio && p_lo <= 0.0 {
        let which = if lo < 0.15 { "P10" } else { "P20" };
        return Err(format!("the ratio needs a positive {which}; {which} of the subgroup estimates is {p_lo}"));
    }
    let value = combine(p_lo, p_hi, ratio);
    Ok(pr.simulated(value, sorted_draws, |draw| match sorted_percentile_pair(draw, lo, hi) {
        Some((a, b)) => combine(a, b, ratio),
        None => f64::NAN,
    }))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    //! Values by hand from the type 7 definition (and R's `quantile`, which gives the same);
    //! intervals against HEAT's simulation loop run in R 4.2.2 (see
    //! `seven_regions_limits_match_heat_simulation_in_r`).
    use super::super::tests::close;
    use super::super::*;

    fn get(all: &[SummaryMeasure], m: MeasureCode) -> SummaryMeasure {
        all.iter().find(|x| x.measure == m).cloned().unwrap()
    }

    fn dimension(estimates: &[f64], se: Option<f64>) -> DimensionInput {
        let subgroups = estimates
            .iter()
            .enumerate()
            .map(|(i, &e)| {
                let g = Subgroup::new(format!("S{i}"), e).with_population(100.0);
                match se {
                    Some(s) => g.with_se(s),
                    None => g,
                }
            })
            .collect();
        DimensionInput::new(subgroups, DimensionKind::NonOrdered, true, 100.0)
    }

    #[test]
    fn five_subgroups_by_hand() {
        // Sorted 10, 20, 30, 40, 50 (given out of order). n = 5:
        // P20: h = 1 + 4·0.2 = 1.8 → 10 + 0.8·10 = 18;  P80: h = 4.2 → 40 + 0.2·10 = 42;
        // P10: h = 1.4 → 14;  P90: h = 4.6 → 46.   R: quantile(c(10,20,30,40,50), c(.2,.8,.1,.9))
        // gives 18 42 14 46.
        let input = dimension(&[30.0, 50.0, 10.0, 40.0, 20.0], None);
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        close(get(&all, MeasureCode::D8020).value(), 24.0, 1e-12);
        close(get(&all, MeasureCode::R8020).value(), 42.0 / 18.0, 1e-12);
        close(get(&all, MeasureCode::D9010).value(), 32.0, 1e-12);
        close(get(&all, MeasureCode::R9010).value(), 46.0 / 14.0, 1e-12);
        // No SEs: value without interval.
        let d = get(&all, MeasureCode::D8020);
        assert!(d.lower().is_none() && d.upper().is_none() && d.se.is_none());
        assert_eq!(d.method(), "simulation");
        assert_eq!(d.code, "d8020");
    }

    #[test]
    fn ten_subgroups_by_hand_with_ties() {
        // Sorted: 2, 3, 3, 5, 8, 8, 8, 13, 21, 34 (n = 10).
        // P20: h = 1 + 9·0.2 = 2.8 → y(2) + 0.8(y(3) − y(2)) = 3 + 0 = 3
        // P80: h = 8.2 → 13 + 0.2·(21 − 13) = 14.6
        // P10: h = 1.9 → 2 + 0.9·(3 − 2) = 2.9
        // P90: h = 9.1 → 21 + 0.1·(34 − 21) = 22.3
        let input = dimension(&[8.0, 3.0, 34.0, 2.0, 8.0, 21.0, 5.0, 13.0, 3.0, 8.0], None);
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        close(get(&all, MeasureCode::D8020).value(), 11.6, 1e-12);
        close(get(&all, MeasureCode::R8020).value(), 14.6 / 3.0, 1e-12);
        close(get(&all, MeasureCode::D9010).value(), 22.3 - 2.9, 1e-12);
        close(get(&all, MeasureCode::R9010).value(), 22.3 / 2.9, 1e-12);
        // The reference subgroup and the direction of the indicator change nothing.
        let mut other = input.clone();
        other.favourable = false;
        other.subgroups[3].reference = true;
        let again = summary_measures(&other, &SummaryOptions::default()).unwrap();
        for m in [MeasureCode::D8020, MeasureCode::R9010] {
            assert_eq!(get(&again, m).value(), get(&all, m).value());
        }
    }

    #[test]
    fn fewer_than_five_subgroups_is_unavailable() {
        let input = dimension(&[10.0, 20.0, 30.0, 40.0], Some(1.0));
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        for m in [MeasureCode::D8020, MeasureCode::R8020, MeasureCode::D9010, MeasureCode::R9010] {
            let got = get(&all, m);
            assert!(got.value().is_none());
            assert_eq!(got.unavailable.as_deref(), Some("needs at least 5 subgroups with an estimate, has 4"), "{m:?}");
        }
        // Five subgroups, one without an estimate: four estimates, still unavailable (and
        // 80% < 85% of subgroups with an estimate).
        let mut input = dimension(&[10.0, 20.0, 30.0, 40.0, 50.0], Some(1.0));
        input.subgroups[4].estimate = None;
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        assert!(get(&all, MeasureCode::D8020).value().is_none());
        // Seven with one missing: six estimates (86%), available: sorted 10..60,
        // P20: h = 2 → 20; P80: h = 5 → 50.
        let mut input = dimension(&[10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0], Some(1.0));
        input.subgroups[6].estimate = None;
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        close(get(&all, MeasureCode::D8020).value(), 30.0, 1e-12);
    }

    #[test]
    fn only_for_non_ordered_dimensions() {
        let mut input = dimension(&[10.0, 20.0, 30.0, 40.0, 50.0], Some(1.0));
        input.kind = DimensionKind::Ordered;
        for (i, g) in input.subgroups.iter_mut().enumerate() {
            g.order = Some(i as f64 + 1.0);
        }
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        assert_eq!(
            get(&all, MeasureCode::R8020).unavailable.as_deref(),
            Some("applies only to non-ordered dimensions")
        );
    }

    #[test]
    fn ratio_needs_a_positive_lower_percentile() {
        // Sorted 0, 0, 1, 5, 9, 12: P20 (h = 2) = 0, P10 (h = 1.5) = 0; the differences
        // are still available: P80 (h = 5) = 9, P90 (h = 5.5) = 10.5.
        let input = dimension(&[5.0, 0.0, 9.0, 0.0, 1.0, 12.0], Some(0.5));
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        assert_eq!(
            get(&all, MeasureCode::R8020).unavailable.as_deref(),
            Some("the ratio needs a positive P20; P20 of the subgroup estimates is 0")
        );
        assert!(get(&all, MeasureCode::R9010).unavailable.unwrap().contains("positive P10"));
        close(get(&all, MeasureCode::D8020).value(), 9.0, 1e-12);
        close(get(&all, MeasureCode::D9010).value(), 10.5, 1e-12);
    }

    /// Seven regions (%, favourable, scale 100): estimates 12, 35, 18, 27, 41, 22, 30 with SEs
    /// 1.5, 2, 1, 2.5, 3, 1.2, 2.
    fn seven_regions() -> DimensionInput {
        let est = [12.0, 35.0, 18.0, 27.0, 41.0, 22.0, 30.0];
        let se = [1.5, 2.0, 1.0, 2.5, 3.0, 1.2, 2.0];
        let subgroups = est
            .iter()
            .zip(se)
            .enumerate()
            .map(|(i, (&e, s))| Subgroup::new(format!("R{i}"), e).with_se(s).with_population(1000.0 + 100.0 * i as f64))
            .collect();
        DimensionInput::new(subgroups, DimensionKind::NonOrdered, true, 100.0)
    }

    #[test]
    fn seven_regions_values_by_hand() {
        // Sorted: 12, 18, 22, 27, 30, 35, 41 (n = 7).
        // P20: h = 2.2 → 18 + 0.2·4 = 18.8;  P80: h = 5.8 → 30 + 0.8·5 = 34
        // P10: h = 1.6 → 12 + 0.6·6 = 15.6;  P90: h = 6.4 → 35 + 0.4·6 = 37.4
        let all = summary_measures(&seven_regions(), &SummaryOptions::default()).unwrap();
        close(get(&all, MeasureCode::D8020).value(), 15.2, 1e-12);
        close(get(&all, MeasureCode::R8020).value(), 34.0 / 18.8, 1e-12);
        close(get(&all, MeasureCode::D9010).value(), 21.8, 1e-12);
        close(get(&all, MeasureCode::R9010).value(), 37.4 / 15.6, 1e-12);
    }

    #[test]
    fn seven_regions_limits_match_heat_simulation_in_r() {
        // R 4.2.2, HEAT's do_simulation loop (utils.R) written out, then the measure on each
        // draw and quantile(…, c(0.025, 0.975)):
        //   est <- c(12, 35, 18, 27, 41, 22, 30); se <- c(1.5, 2, 1, 2.5, 3, 1.2, 2)
        //   set.seed(123456)
        //   sims <- lapply(1:100, function(j) sapply(seq_along(est), function(i) {
        //     repeat { r <- rnorm(1, est[i], se[i]); if (r >= 0 & r <= 100) break }; r }))
        //   m <- function(q, ratio) sapply(sims, function(s) { p <- quantile(s, q, names = FALSE)
        //     if (ratio) p[2] / p[1] else p[2] - p[1] })
        //   print(quantile(m(c(.2, .8), FALSE), c(.025, .975)), digits = 17)  # and so on
        let all = summary_measures(&seven_regions(), &SummaryOptions::default()).unwrap();
        for (m, lower, upper) in R_LIMITS {
            let got = get(&all, m);
            close(got.lower(), lower, 1e-12);
            close(got.upper(), upper, 1e-12);
            assert!(got.lower() < got.value() && got.value() < got.upper(), "{m:?}");
        }
    }

    const R_LIMITS: [(MeasureCode, f64, f64); 4] = [
        (MeasureCode::D8020, 11.947546294619043, 18.047476914693135),
        (MeasureCode::R8020, 1.6090004203384594, 2.0358411147065922),
        (MeasureCode::D9010, 18.816361930824364, 24.765572786936772),
        (MeasureCode::R9010, 2.1892772914542018, 2.7562146082820771),
    ];

    #[test]
    fn limits_are_the_simulated_percentiles_of_the_measure() {
        // Independently of R: the limits are the type 7 quantiles of the measure over HEAT's
        // 100 draws (simulation::simulate, in subgroup order, seed 123456).
        let input = seven_regions();
        let est: Vec<f64> = input.subgroups.iter().filter_map(|g| g.estimate).collect();
        let se: Vec<f64> = input.subgroups.iter().filter_map(|g| g.se).collect();
        let sims = simulation::simulate(&est, &se, 100.0, 100, 123_456).unwrap();
        let sorted_quantile = |v: &[f64], p: f64| {
            let mut s = v.to_vec();
            s.sort_by(f64::total_cmp);
            let h = 1.0 + (s.len() as f64 - 1.0) * p;
            let (a, b) = (h.floor() as usize - 1, h.ceil() as usize - 1);
            s[a] + (h - h.floor()) * (s[b] - s[a])
        };
        let d9010: Vec<f64> = sims.iter().map(|d| sorted_quantile(d, 0.9) - sorted_quantile(d, 0.1)).collect();
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        let got = get(&all, MeasureCode::D9010);
        close(got.lower(), sorted_quantile(&d9010, 0.025), 1e-12);
        close(got.upper(), sorted_quantile(&d9010, 0.975), 1e-12);
    }
}
