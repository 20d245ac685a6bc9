//! Measures for any dimension: difference, ratio, population attributable risk and fraction.
//!
//! The pair of subgroups compared by D and R is chosen by HEAT's rules
//! (`get_est_se_min_max` as called by `HEAT_create_input_list`):
//!
//! - with a reference subgroup: for a favourable indicator, the reference against the subgroup
//!   with the lowest estimate (D = ref − lowest); for an adverse indicator, the subgroup with
//!   the highest estimate against the reference (D = highest − ref);
//! - ordered dimension, no reference: the most advantaged (highest order) against the most
//!   disadvantaged (order 1) subgroup for a favourable indicator, and the reverse for an adverse
//!   one (so D is positive when the gradient runs the expected way);
//! - non-ordered dimension, no reference: the highest against the lowest estimate.

use super::{summary_measure, DimensionInput, SummaryOptions};
use super::{Computed, MeasureCode, Prepared, RawMeasure, SummaryMeasure};
use crate::StatsError;

/// Difference D = y_max − y_min between HEAT's pair of subgroups (see the module doc), with
/// SE = √(SE_max² + SE_min²) and interval D ± z·SE (`calc_d`).
///
/// Unavailable with fewer than two subgroups, all estimates zero, or a missing estimate in a
/// two-subgroup dimension or in the first or last subgroup of an ordered one
/// (`test_d_r_fail`). No interval when either SE is missing.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn difference(input: &DimensionInput, options: &SummaryOptions) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::D)
}

/// Ratio R = y_max / y_min between HEAT's pair of subgroups, with
/// SE = √((1/y_min²)(SE_max² + R²·SE_min²)) and interval exp(ln R ± z·SE/R) (`calc_r`,
/// HEAT issue 203). `se` is the SE of R.
///
/// Unavailable as [`difference`], and when R is infinite or undefined (y_min = 0).
///
/// # Errors
/// As [`super::summary_measures`].
pub fn ratio(input: &DimensionInput, options: &SummaryOptions) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::R)
}

/// Population attributable risk PAR = y_ref − μ, where μ is the setting average and y_ref the
/// reference subgroup's estimate, or without one the most advantaged subgroup's (highest order)
/// in an ordered dimension or the best estimate (highest if favourable, lowest if adverse) in a
/// non-ordered one (`calc_par`). PAR is set to 0 when it points the wrong way (negative for a
/// favourable indicator, positive for an adverse one).
///
/// Interval PAR ± z·SE with SE = |μ|·SE(PAF), and SE(PAF) Walter's (1976) variance of the
/// attributable fraction on a 2×2 table built from the populations: with N the total
/// population, N_ref the reference subgroup's, c = (y_ref/scale)·N_ref, d = N_ref − c,
/// a = (μ/scale)·N − c and b = N − a − N_ref,
/// Var = c·N·(a·d·(N − c) + b·c²) / ((a + c)³·(c + d)³).
///
/// Unavailable with fewer than two subgroups, all estimates zero, under 85% of estimates, when
/// the setting average cannot be formed, or when the reference subgroup's estimate is missing
/// (`test_par_paf_fail`). No interval without population counts.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn population_attributable_risk(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Par)
}

/// Population attributable fraction PAF = 100·PAR/μ in percent, with PAR from
/// [`population_attributable_risk`] (so 0 when it points the wrong way) (`calc_paf`).
///
/// Interval PAF ± z·SE with SE Walter's SE of the attributable fraction as in
/// [`population_attributable_risk`]. As in HEAT's code, that SE is on the proportion scale
/// while PAF is in percent, so the interval is narrower than a percent-scale SE would give; it
/// is reproduced so that the numbers agree with HEAT Plus.
///
/// Unavailable as PAR and also when the setting average is zero or missing.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn population_attributable_fraction(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Paf)
}

pub(crate) fn compute_d(p: &Prepared) -> Computed {
    let (hi, lo) = (p.max_index, p.min_index);
    if hi >= p.est.len() || lo >= p.est.len() {
        return Err("no subgroup has an estimate".into());
    }
    let value = p.est[hi] - p.est[lo];
    let se = match (p.se[hi], p.se[lo]) {
        (Some(a), Some(b)) => Some((a * a + b * b).sqrt()),
        _ => None,
    };
    Ok(RawMeasure::normal(value, se, p.z))
}

pub(crate) fn compute_r(p: &Prepared) -> Computed {
    let (hi, lo) = (p.max_index, p.min_index);
    if hi >= p.est.len() || lo >= p.est.len() {
        return Err("no subgroup has an estimate".into());
    }
    let (max, min) = (p.est[hi], p.est[lo]);
    let r = max / min;
    if !r.is_finite() {
        return Err(format!("the ratio is undefined: the denominator subgroup's estimate is {min}"));
    }
    let se = match (p.se[hi], p.se[lo]) {
        (Some(a), Some(b)) => Some(((1.0 / (min * min)) * (a * a + r * r * (b * b))).sqrt()),
        _ => None,
    };
    let (lower, upper) = match se {
        Some(s) if r > 0.0 => {
            let l = r.ln();
            (Some((l - p.z * s / r).exp()), Some((l + p.z * s / r).exp()))
        }
        _ => (None, None),
    };
    Ok(RawMeasure { value: r, se, lower, upper })
}

/// The reference estimate and its row for PAR and PAF.
fn par_reference(p: &Prepared) -> (f64, usize) {
    let n = p.est.len();
    let ref_est = if let Some(r) = p.ref_index {
        p.est[r]
    } else if p.ordered {
        // which.max(subgroup_order): the first row with the highest order.
        let mut best = 0;
        for i in 1..n {
            if p.order[i] > p.order[best] {
                best = i;
            }
        }
        p.est[best]
    } else if p.favourable {
        p.est.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    } else {
        p.est.iter().copied().fold(f64::INFINITY, f64::min)
    };
    // HEAT takes the population of the subgroup whose estimate equals the reference estimate.
    let row = p.est.iter().position(|&e| e == ref_est).unwrap_or(0);
    (ref_est, row)
}

/// PAR (clamped), μ, the raw PAF in percent and Walter's SE of the attributable fraction.
fn par_parts(p: &Prepared) -> Result<(f64, f64, f64, Option<f64>), String> {
    if p.est.is_empty() {
        return Err("no subgroup has an estimate".into());
    }
    let mu = p.est_natl()?;
    let (ref_est, row) = par_reference(p);
    let mut par = ref_est - mu;
    if p.favourable && par < 0.0 {
        par = 0.0;
    }
    if !p.favourable && par > 0.0 {
        par = 0.0;
    }
    let paf_raw = (ref_est - mu) / mu * 100.0;
    let walter = if p.counts && p.pop.iter().all(|x| x.is_some()) {
        let n: f64 = p.pop.iter().flatten().sum();
        let ref_pop = p.pop[row].unwrap_or(0.0);
        let c = (ref_est / p.scale) * ref_pop;
        let d = ref_pop - c;
        let a = (mu / p.scale) * n - c;
        let b = n - a - ref_pop;
        let total = a + b + c + d;
        let var = (c * total * (a * d * (total - c) + b * c * c)) / ((a + c).powi(3) * (c + d).powi(3));
        Some(var.sqrt()).filter(|s| s.is_finite())
    } else {
        None
    };
    Ok((par, mu, paf_raw, walter))
}

pub(crate) fn compute_par(p: &Prepared) -> Computed {
    let (par, mu, _paf, walter) = par_parts(p)?;
    // HEAT: |μ·((PAF + z·s) − (PAF − z·s))| / (2z) = |μ|·s.
    let se = walter.map(|s| (mu * s).abs());
    Ok(RawMeasure::normal(par, se, p.z))
}

pub(crate) fn compute_paf(p: &Prepared) -> Computed {
    let (par, mu, _paf, walter) = par_parts(p)?;
    if mu == 0.0 {
        return Err("the setting average is zero".into());
    }
    let mut paf = par / mu * 100.0;
    if p.favourable && paf < 0.0 {
        paf = 0.0;
    }
    if !p.favourable && paf > 0.0 {
        paf = 0.0;
    }
    Ok(RawMeasure::normal(paf, walter, p.z))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    //! D, R, PAR and PAF checked against HEAT's `calc_d`, `calc_r`, `calc_par` and `calc_paf`:
    //! the same inputs were run through HEAT-Measures' own functions in R 4.2.2 (sourcing
    //! `utils.R` and the `calc-*.R` files, calling `HEAT_create_input_list` and the `calc_*`
    //! function on a one-stratum data frame); the expected numbers below are R's output printed
    //! with 17 significant digits, and were also derived by hand from the formulas.
    use super::super::tests::*;
    use super::super::*;

    #[test]
    fn d_and_r_ordered_favourable_use_highest_against_lowest_order() {
        // Quintiles, favourable (coverage %): D = q5 − q1 = 80 − 50 = 30,
        // SE = √(2² + 3²) = 3.605551275463989, CI = 30 ± 1.959963984540054·SE.
        let input = quintiles(true);
        let d = difference(&input, &SummaryOptions::default()).unwrap();
        close(d.value(), 30.0, 1e-12);
        close(d.se, 13.0f64.sqrt(), 1e-12);
        close(d.lower(), 30.0 - 1.959963984540054 * 13.0f64.sqrt(), 1e-12);
        close(d.upper(), 30.0 + 1.959963984540054 * 13.0f64.sqrt(), 1e-12);
        // R = 80/50 = 1.6; SE = √((1/50²)(2² + 1.6²·3²)).
        let r = ratio(&input, &SummaryOptions::default()).unwrap();
        close(r.value(), 1.6, 1e-12);
        let se: f64 = ((1.0f64 / 2500.0) * (4.0 + 2.56 * 9.0)).sqrt();
        close(r.se, se, 1e-12);
        close(r.lower(), (1.6f64.ln() - 1.959963984540054 * se / 1.6).exp(), 1e-12);
        close(r.upper(), (1.6f64.ln() + 1.959963984540054 * se / 1.6).exp(), 1e-12);
    }

    #[test]
    fn d_ordered_adverse_is_lowest_order_minus_highest() {
        // Adverse: D = q1 − q5 = 50 − 80 = −30, R = 50/80.
        let input = quintiles(false);
        let d = difference(&input, &SummaryOptions::default()).unwrap();
        close(d.value(), -30.0, 1e-12);
        let r = ratio(&input, &SummaryOptions::default()).unwrap();
        close(r.value(), 50.0 / 80.0, 1e-12);
    }

    #[test]
    fn d_non_ordered_is_highest_minus_lowest_and_reference_rules() {
        let mut input = regions();
        // Estimates 30, 45, 25, 50: D = 50 − 25 = 25.
        let d = difference(&input, &SummaryOptions::default()).unwrap();
        close(d.value(), 25.0, 1e-12);
        // Reference subgroup B (45), favourable: D = 45 − 25 = 20.
        input.subgroups[1].reference = true;
        close(difference(&input, &SummaryOptions::default()).unwrap().value(), 20.0, 1e-12);
        // Adverse with reference B: D = 50 − 45 = 5.
        input.favourable = false;
        close(difference(&input, &SummaryOptions::default()).unwrap().value(), 5.0, 1e-12);
    }

    #[test]
    fn r_with_zero_denominator_is_unavailable() {
        let input = DimensionInput::new(
            vec![Subgroup::new("Female", 0.0).with_se(1.0), Subgroup::new("Male", 3.0).with_se(1.0)],
            DimensionKind::Binary,
            true,
            100.0,
        );
        let r = ratio(&input, &SummaryOptions::default()).unwrap();
        assert!(r.value().is_none());
        assert!(r.unavailable.unwrap().contains("undefined"));
        // D still works: 3 − 0.
        close(difference(&input, &SummaryOptions::default()).unwrap().value(), 3.0, 1e-12);
    }

    #[test]
    fn par_paf_ordered_favourable_worked_case() {
        // Quintiles: est 50, 60, 65, 72, 80; pop 1000, 1200, 900, 1100, 800 (N = 5000).
        // μ = Σ p·y = (50000 + 72000 + 58500 + 79200 + 64000)/5000 = 64.74.
        // PAR = y(q5) − μ = 80 − 64.74 = 15.26.
        // Walter: c = 0.8·800 = 640, d = 160, a = 0.6474·5000 − 640 = 2597, b = 5000 − 2597 − 800 = 1603
        // Var = c·N·(a·d·(N − c) + b·c²)/((a + c)³(c + d)³).
        let input = quintiles(true);
        let par = population_attributable_risk(&input, &SummaryOptions::default()).unwrap();
        close(par.value(), 15.26, 1e-12);
        let (a, b, c, d, n) = (2597.0f64, 1603.0f64, 640.0f64, 160.0f64, 5000.0f64);
        let s = (c * n * (a * d * (n - c) + b * c * c) / ((a + c).powi(3) * (c + d).powi(3))).sqrt();
        close(par.se, 64.74 * s, 1e-9);
        close(par.lower(), 15.26 - 1.959963984540054 * 64.74 * s, 1e-9);
        let paf = population_attributable_fraction(&input, &SummaryOptions::default()).unwrap();
        close(paf.value(), 15.26 / 64.74 * 100.0, 1e-12);
        close(paf.se, s, 1e-9);
        close(paf.upper(), 15.26 / 64.74 * 100.0 + 1.959963984540054 * s, 1e-9);
        // Checked against HEAT calc_par / calc_paf in R (see module doc).
        close(par.upper(), HEAT_PAR_UPPER, 1e-9);
        close(paf.lower(), HEAT_PAF_LOWER, 1e-9);
    }

    #[test]
    fn par_clamps_to_zero_when_reference_is_worse_than_average() {
        // Favourable, reference subgroup A (30) is below μ: PAR = 0.
        let mut input = regions();
        input.subgroups[0].reference = true;
        let par = population_attributable_risk(&input, &SummaryOptions::default()).unwrap();
        close(par.value(), 0.0, 0.0);
        let paf = population_attributable_fraction(&input, &SummaryOptions::default()).unwrap();
        close(paf.value(), 0.0, 0.0);
    }

    #[test]
    fn par_non_ordered_adverse_uses_lowest_estimate() {
        let mut input = regions();
        input.favourable = false;
        // μ = (30·100 + 45·300 + 25·200 + 50·400)/1000 = 41.5; PAR = 25 − 41.5 = −16.5.
        let par = population_attributable_risk(&input, &SummaryOptions::default()).unwrap();
        close(par.value(), -16.5, 1e-12);
        let paf = population_attributable_fraction(&input, &SummaryOptions::default()).unwrap();
        close(paf.value(), -16.5 / 41.5 * 100.0, 1e-12);
    }

    #[test]
    fn par_without_populations_uses_setting_average_and_has_no_interval() {
        let mut input = regions();
        for g in &mut input.subgroups {
            g.population = None;
        }
        input.setting_average = Some(40.0);
        let par = population_attributable_risk(&input, &SummaryOptions::default()).unwrap();
        close(par.value(), 10.0, 1e-12); // 50 − 40
        assert!(par.lower().is_none() && par.se.is_none());
        input.setting_average = None;
        let par = population_attributable_risk(&input, &SummaryOptions::default()).unwrap();
        assert!(par.unavailable.unwrap().contains("setting average"));
    }
}
