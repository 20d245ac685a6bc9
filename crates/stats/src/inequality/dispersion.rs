//! Measures for non-ordered dimensions of more than two subgroups: variance-based measures,
//! mean differences, indices of disparity, Theil index and mean log deviation.
//!
//! Notation: y_j the subgroup estimates, p_j the population shares (pop_j/Σ pop), μ the setting
//! average as HEAT uses it (the population-weighted mean of the estimates when every subgroup
//! has a population, otherwise the supplied setting average), n the number of subgroups with an
//! estimate, s the indicator scale, y_best the highest estimate for a favourable indicator and
//! the lowest for an adverse one, y_ref the reference subgroup's estimate.
//!
//! Simulation intervals ([`super::simulation`]): on each of HEAT's 100 draws ỹ the measure is
//! recomputed as the `calc_*` function recomputes it, and the interval is the 2.5th and 97.5th
//! percentiles. There is no interval unless every subgroup has an SE.
//!
//! Availability (`HEAT_summary_measures_types`): all need more than two subgroups in a
//! non-ordered dimension, not all estimates zero, and at least 85% of subgroups with an
//! estimate; the weighted ones (and BGV, BGSD, COV, TI, MLD, IDISW) a population for every
//! subgroup with an estimate; IDISU and MDMU either populations or a setting average; COV, MLD,
//! IDISU and IDISW a non-zero setting average; MDRU and MDRW one reference subgroup.

use super::simulation::{Draws, Shared};
use super::{
    summary_measure, Computed, DimensionInput, MeasureCode, Prepared, RawMeasure, SummaryMeasure, SummaryOptions,
};
use crate::StatsError;

/// Between-group variance BGV = Σ p_j (y_j − μ)² (`calc_bgv`; Harper and Lynch 2005).
///
/// Analytic SE (HEAT): with m = Σ p_j y_j,
/// SE² = 4 Σ p_j² SE_j² (y_j − m)² + 2[(Σ p_j² SE_j²)² − Σ p_j⁴ SE_j⁴ + Σ p_j² (1 − p_j)² SE_j⁴],
/// interval BGV ± z·SE.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn between_group_variance(input: &DimensionInput, options: &SummaryOptions) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Bgv)
}

/// Between-group standard deviation BGSD = √(Σ p_j (y_j − μ)²) (`calc_bgsd`); simulation
/// interval of √(Σ p_j (ỹ_j − μ)²).
///
/// # Errors
/// As [`super::summary_measures`].
pub fn between_group_standard_deviation(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Bgsd)
}

/// Coefficient of variation COV = 100·BGSD/μ (`calc_cov`); simulation interval of
/// 100·√(Σ p_j (ỹ_j − μ)²)/μ.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn coefficient_of_variation(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Cov)
}

/// Mean log deviation MLD = 1000·Σ p_j·(−ln(y_j/μ)) (`calc_mld`, ×1000 per HEAT issue 374),
/// with estimates of 0 replaced by 10⁻⁶.
///
/// Analytic SE (HEAT): with m = Σ p_j y_j and r_j = y_j/m,
/// SE² = Σ (p_j² SE_j²/m²)(1 − 1/r_j)²; interval MLD ± z·SE. As in HEAT, the SE is not
/// multiplied by 1000.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn mean_log_deviation(input: &DimensionInput, options: &SummaryOptions) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Mld)
}

/// Theil index TI = 1000·Σ p_j r_j ln r_j with r_j = y_j/μ (`calc_ti`, ×1000 per HEAT issue
/// 374), estimates of 0 replaced by 10⁻⁶.
///
/// Analytic SE (HEAT): with m = Σ p_j y_j, r_j = y_j/m and S = Σ p_j r_j (1 + ln r_j),
/// SE² = Σ (1 + ln r_j − S)²·p_j² SE_j²/m²; interval TI ± z·SE, the SE not multiplied by 1000,
/// as in HEAT.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn theil_index(input: &DimensionInput, options: &SummaryOptions) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Ti)
}

/// Unweighted index of disparity IDISU = 100·(Σ |y_j − μ|/n)/μ (`calc_idisu`; Keppel and
/// Pearcy 2002); simulation interval of 100·(Σ |ỹ_j − μ|/n)/μ.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn index_of_disparity_unweighted(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Idisu)
}

/// Weighted index of disparity IDISW = 100·Σ p_j |y_j − m|/μ with m = Σ p_j y_j
/// (`calc_idisw`); simulation interval of 100·Σ p_j |ỹ_j − m̃|/m̃ with m̃ = Σ p_j ỹ_j.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn index_of_disparity_weighted(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Idisw)
}

/// Unweighted mean difference from the best performing subgroup MDBU = Σ |y_best − y_j|/n
/// (`calc_mdbu`); simulation interval recomputing the best subgroup on each draw.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn mean_difference_from_best_unweighted(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Mdbu)
}

/// Weighted mean difference from the best performing subgroup MDBW = Σ p_j |y_best − y_j|
/// (`calc_mdbw`); simulation interval recomputing the best subgroup on each draw.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn mean_difference_from_best_weighted(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Mdbw)
}

/// Unweighted mean difference from the mean MDMU = Σ |y_j − m|/n with m = Σ p_j y_j
/// (`calc_mdmu`); simulation interval of Σ |ỹ_j − m̃|/n. Unavailable without populations
/// (m needs them), even when a setting average is given.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn mean_difference_from_mean_unweighted(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Mdmu)
}

/// Weighted mean difference from the mean MDMW = Σ p_j |y_j − m| with m = Σ p_j y_j
/// (`calc_mdmw`); simulation interval of Σ p_j |ỹ_j − m̃|.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn mean_difference_from_mean_weighted(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Mdmw)
}

/// Unweighted mean difference from the reference subgroup MDRU = Σ |y_ref − y_j|/n
/// (`calc_mdru`). As in HEAT's code, the simulated interval is computed from the best
/// performing subgroup of each draw (so it is MDBU's interval).
///
/// # Errors
/// As [`super::summary_measures`].
pub fn mean_difference_from_reference_unweighted(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Mdru)
}

/// Weighted mean difference from the reference subgroup MDRW = Σ p_j |y_ref − y_j|
/// (`calc_mdrw`). As in HEAT's code, the simulated interval is MDBW's.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn mean_difference_from_reference_weighted(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Mdrw)
}

fn weighted_sum(p: &[f64], y: &[f64]) -> f64 {
    p.iter().zip(y).map(|(p, y)| p * y).sum()
}

fn best(y: &[f64], favourable: bool) -> f64 {
    if favourable {
        y.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    } else {
        y.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

fn bgv_value(p: &[f64], y: &[f64], mu: f64) -> f64 {
    p.iter().zip(y).map(|(p, y)| p * (y - mu).powi(2)).sum()
}

pub(crate) fn compute_bgv(pr: &Prepared) -> Computed {
    let p = pr.popsh()?;
    let mu = pr.est_natl()?;
    let y = &pr.est;
    let value = bgv_value(p, y, mu);
    let se = pr.ses().map(|se| {
        let m = weighted_sum(p, y);
        let mut a = 0.0; // Σ p² se² (y − m)²
        let mut s2 = 0.0; // Σ p² se²
        let mut s4 = 0.0; // Σ p⁴ se⁴
        let mut q = 0.0; // Σ p² (1 − p)² se⁴
        for j in 0..y.len() {
            let (pj, sj) = (p[j], se[j]);
            a += pj * pj * sj * sj * (y[j] - m).powi(2);
            s2 += pj * pj * sj * sj;
            s4 += pj.powi(4) * sj.powi(4);
            q += pj * pj * (1.0 - pj).powi(2) * sj.powi(4);
        }
        (4.0 * a + 2.0 * (s2 * s2 - s4 + q)).sqrt()
    });
    Ok(RawMeasure::normal(value, se, pr.z))
}

pub(crate) fn compute_bgsd(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let p = pr.popsh()?;
    let mu = pr.est_natl()?;
    let value = bgv_value(p, &pr.est, mu).sqrt();
    Ok(pr.simulation_interval(value, sims.map(|d| bgsd_draws(d, p, mu).to_vec())))
}

pub(crate) fn compute_cov(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let p = pr.popsh()?;
    let mu = pr.est_natl()?;
    if mu == 0.0 {
        return Err("the setting average is zero".into());
    }
    let value = 100.0 * bgv_value(p, &pr.est, mu).sqrt() / mu;
    let per_draw = sims.map(|d| bgsd_draws(d, p, mu).iter().map(|bgsd| 100.0 * bgsd / mu).collect());
    Ok(pr.simulation_interval(value, per_draw))
}

fn nonzero(y: &[f64]) -> Vec<f64> {
    y.iter().map(|&v| if v == 0.0 { 0.000001 } else { v }).collect()
}

pub(crate) fn compute_mld(pr: &Prepared) -> Computed {
    let p = pr.popsh()?;
    let mu = pr.est_natl()?;
    let y = nonzero(&pr.est);
    let value = 1000.0 * p.iter().zip(&y).map(|(p, y)| p * -(y / mu).ln()).sum::<f64>();
    let se = pr.ses().map(|se| {
        let sw: f64 = p.iter().sum();
        let m = weighted_sum(p, &y) / sw;
        (0..y.len())
            .map(|j| {
                let el1 = se[j] * se[j] * p[j] * p[j];
                let rj = y[j] / m;
                el1 / (m * m) * (1.0 - 1.0 / rj).powi(2)
            })
            .sum::<f64>()
            .sqrt()
    });
    Ok(RawMeasure::normal(value, se, pr.z))
}

pub(crate) fn compute_ti(pr: &Prepared) -> Computed {
    let p = pr.popsh()?;
    let mu = pr.est_natl()?;
    let y = nonzero(&pr.est);
    let value = 1000.0 * p.iter().zip(&y).map(|(p, y)| p * (y / mu) * (y / mu).ln()).sum::<f64>();
    let se = pr.ses().map(|se| {
        let m = weighted_sum(p, &y);
        let s_u: f64 = p.iter().zip(&y).map(|(p, y)| p * (y / m) * (1.0 + (y / m).ln())).sum();
        (0..y.len())
            .map(|j| (1.0 + (y[j] / m).ln() - s_u).powi(2) * (p[j] * p[j] * se[j] * se[j] / (m * m)))
            .sum::<f64>()
            .sqrt()
    });
    Ok(RawMeasure::normal(value, se, pr.z))
}

pub(crate) fn compute_idisu(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let mu = pr.est_natl()?;
    if mu == 0.0 {
        return Err("the setting average is zero".into());
    }
    let s = pr.scale;
    let n = pr.est.len() as f64;
    let mu1 = mu / s;
    let value = pr.est.iter().map(|y| (y / s - mu1).abs()).sum::<f64>() / n / mu1 * 100.0;
    Ok(pr.simulated(value, sims, |x| x.iter().map(|y| (y - mu).abs()).sum::<f64>() / n / mu * 100.0))
}

pub(crate) fn compute_idisw(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let p = pr.popsh()?;
    let mu = pr.est_natl()?;
    if mu == 0.0 {
        return Err("the setting average is zero".into());
    }
    let s = pr.scale;
    let y1: Vec<f64> = pr.est.iter().map(|y| y / s).collect();
    let m1 = weighted_sum(p, &y1);
    let value = 100.0 * p.iter().zip(&y1).map(|(p, y)| p * (y - m1).abs()).sum::<f64>() / (mu / s);
    let per_draw = sims.map(|d| {
        let m = weighted_mean_draws(d, p);
        let deviation = weighted_mean_deviation_draws(d, p);
        deviation.iter().zip(m).map(|(s, m)| 100.0 * s / m).collect()
    });
    Ok(pr.simulation_interval(value, per_draw))
}

/// Σ |r − y_j|/n and its weighted form Σ p_j |r − y_j| (HEAT divides by the scale and
/// multiplies back; the result is the same up to rounding).
fn md_unweighted(r: f64, y: &[f64], s: f64) -> f64 {
    y.iter().map(|v| (r / s - v / s).abs()).sum::<f64>() / y.len() as f64 * s
}

fn md_weighted(r: f64, y: &[f64], p: &[f64], s: f64) -> f64 {
    p.iter().zip(y).map(|(p, v)| p * (r / s - v / s).abs()).sum::<f64>() * s
}

fn sim_mdbu(x: &[f64], favourable: bool) -> f64 {
    let r = best(x, favourable);
    x.iter().map(|v| (r - v).abs()).sum::<f64>() / x.len() as f64
}

fn sim_mdbw(x: &[f64], p: &[f64], favourable: bool) -> f64 {
    let r = best(x, favourable);
    p.iter().zip(x).map(|(p, v)| p * (r - v).abs()).sum()
}

/// BGSD on each draw, √(Σ p_j (ỹ_j − μ)²) (shared with COV).
fn bgsd_draws<'a>(d: &'a Draws, p: &[f64], mu: f64) -> &'a [f64] {
    d.shared(Shared::BetweenGroupSd, |_, x| bgv_value(p, x, mu).sqrt())
}

/// Each draw's weighted mean m̃ = Σ p_j ỹ_j (shared by MDMU, MDMW and IDISW).
fn weighted_mean_draws<'a>(d: &'a Draws, p: &[f64]) -> &'a [f64] {
    d.shared(Shared::WeightedMean, |_, x| weighted_sum(p, x))
}

/// MDMW on each draw, Σ p_j |ỹ_j − m̃| (shared with IDISW).
fn weighted_mean_deviation_draws<'a>(d: &'a Draws, p: &[f64]) -> &'a [f64] {
    let m = weighted_mean_draws(d, p);
    d.shared(Shared::WeightedMeanDeviation, |i, x| p.iter().zip(x).map(|(p, y)| p * (y - m[i]).abs()).sum())
}

/// MDBU on each draw (shared with MDRU).
fn mdbu_draws(d: &Draws, favourable: bool) -> &[f64] {
    d.shared(Shared::MeanDifferenceFromBest, |_, x| sim_mdbu(x, favourable))
}

/// MDBW on each draw (shared with MDRW).
fn mdbw_draws<'a>(d: &'a Draws, p: &[f64], favourable: bool) -> &'a [f64] {
    d.shared(Shared::WeightedMeanDifferenceFromBest, |_, x| sim_mdbw(x, p, favourable))
}

pub(crate) fn compute_mdbu(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let r = best(&pr.est, pr.favourable);
    let value = md_unweighted(r, &pr.est, pr.scale);
    Ok(pr.simulation_interval(value, sims.map(|d| mdbu_draws(d, pr.favourable).to_vec())))
}

pub(crate) fn compute_mdbw(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let p = pr.popsh()?;
    let r = best(&pr.est, pr.favourable);
    let value = md_weighted(r, &pr.est, p, pr.scale);
    Ok(pr.simulation_interval(value, sims.map(|d| mdbw_draws(d, p, pr.favourable).to_vec())))
}

pub(crate) fn compute_mdmu(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let p = pr.popsh()?;
    let s = pr.scale;
    let y1: Vec<f64> = pr.est.iter().map(|y| y / s).collect();
    let m1 = weighted_sum(p, &y1);
    let n = y1.len() as f64;
    let value = y1.iter().map(|y| (y - m1).abs()).sum::<f64>() / n * s;
    let per_draw = sims.map(|d| {
        let m = weighted_mean_draws(d, p);
        d.iter().zip(m).map(|(x, &m)| x.iter().map(|y| (y - m).abs()).sum::<f64>() / n).collect()
    });
    Ok(pr.simulation_interval(value, per_draw))
}

pub(crate) fn compute_mdmw(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let p = pr.popsh()?;
    let s = pr.scale;
    let y1: Vec<f64> = pr.est.iter().map(|y| y / s).collect();
    let m1 = weighted_sum(p, &y1);
    let value = p.iter().zip(&y1).map(|(p, y)| p * (y - m1).abs()).sum::<f64>() * s;
    Ok(pr.simulation_interval(value, sims.map(|d| weighted_mean_deviation_draws(d, p).to_vec())))
}

fn reference_estimate(pr: &Prepared) -> Result<f64, String> {
    pr.ref_index.map(|r| pr.est[r]).ok_or_else(|| "needs exactly one reference subgroup with an estimate".into())
}

pub(crate) fn compute_mdru(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let r = reference_estimate(pr)?;
    let value = md_unweighted(r, &pr.est, pr.scale);
    Ok(pr.simulation_interval(value, sims.map(|d| mdbu_draws(d, pr.favourable).to_vec())))
}

pub(crate) fn compute_mdrw(pr: &Prepared, sims: Option<&Draws>) -> Computed {
    let p = pr.popsh()?;
    let r = reference_estimate(pr)?;
    let value = md_weighted(r, &pr.est, p, pr.scale);
    Ok(pr.simulation_interval(value, sims.map(|d| mdbw_draws(d, p, pr.favourable).to_vec())))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    //! Every measure here was checked against HEAT's own functions: the four-region case
    //! `regions()` (estimates 30, 45, 25, 50 %, SEs 2, 3, 2.5, 4, populations 100, 300, 200,
    //! 400, favourable, scale 100, reference none or B) was run through HEAT-Measures in
    //! R 4.2.2 — `HEAT_create_input_list` (which calls `do_simulation` with `set.seed(123456)`)
    //! then each `calc_*` function — and the values and limits printed with 17 significant
    //! digits are the constants in `super::super::tests`. Values were also derived by hand from
    //! the formulas (μ = 41.5, BGV = Σ p (y − μ)² = 100.25, …).
    use super::super::tests::*;
    use super::super::*;

    fn get(all: &[SummaryMeasure], m: MeasureCode) -> SummaryMeasure {
        all.iter().find(|x| x.measure == m).cloned().unwrap()
    }

    #[test]
    fn values_by_hand() {
        let all = summary_measures(&regions(), &SummaryOptions::default()).unwrap();
        // μ = 41.5; deviations −11.5, 3.5, −16.5, 8.5; p = 0.1, 0.3, 0.2, 0.4.
        // BGV = 0.1·132.25 + 0.3·12.25 + 0.2·272.25 + 0.4·72.25 = 100.25
        close(get(&all, MeasureCode::Bgv).value(), 100.25, 1e-12);
        close(get(&all, MeasureCode::Bgsd).value(), 100.25f64.sqrt(), 1e-12);
        close(get(&all, MeasureCode::Cov).value(), 100.0 * 100.25f64.sqrt() / 41.5, 1e-12);
        // IDISU = 100·(11.5 + 3.5 + 16.5 + 8.5)/4/41.5 = 100·10/41.5
        close(get(&all, MeasureCode::Idisu).value(), 1000.0 / 41.5, 1e-12);
        // MDMW = Σ p|y − μ| = 1.15 + 1.05 + 3.3 + 3.4 = 8.9; IDISW = 100·8.9/41.5
        close(get(&all, MeasureCode::Mdmw).value(), 8.9, 1e-12);
        close(get(&all, MeasureCode::Idisw).value(), 890.0 / 41.5, 1e-12);
        close(get(&all, MeasureCode::Mdmu).value(), 10.0, 1e-12);
        // Best (favourable) = 50: MDBU = (20 + 5 + 25 + 0)/4 = 12.5; MDBW = 2 + 1.5 + 5 = 8.5
        close(get(&all, MeasureCode::Mdbu).value(), 12.5, 1e-12);
        close(get(&all, MeasureCode::Mdbw).value(), 8.5, 1e-12);
        let mld: f64 = 1000.0
            * [(0.1, 30.0), (0.3, 45.0), (0.2, 25.0), (0.4, 50.0)]
                .iter()
                .map(|(p, y): &(f64, f64)| p * -(y / 41.5).ln())
                .sum::<f64>();
        close(get(&all, MeasureCode::Mld).value(), mld, 1e-12);
        let ti: f64 = 1000.0
            * [(0.1, 30.0), (0.3, 45.0), (0.2, 25.0), (0.4, 50.0)]
                .iter()
                .map(|(p, y): &(f64, f64)| p * (y / 41.5) * (y / 41.5).ln())
                .sum::<f64>();
        close(get(&all, MeasureCode::Ti).value(), ti, 1e-12);
        // No reference subgroup: MDRU, MDRW unavailable.
        assert!(get(&all, MeasureCode::Mdru).unavailable.unwrap().contains("reference"));
    }

    #[test]
    fn values_and_limits_match_heat() {
        let mut input = regions();
        input.subgroups[1].reference = true;
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        for (m, value, lower, upper) in heat_regions_expected() {
            let got = get(&all, m);
            close(got.value(), value, 1e-9);
            close(got.lower(), lower, 1e-9);
            close(got.upper(), upper, 1e-9);
        }
        // MDRU with reference B (45): (15 + 0 + 20 + 5)/4 = 10; MDRW = 1.5 + 0 + 4 + 2 = 7.5.
        close(get(&all, MeasureCode::Mdru).value(), 10.0, 1e-12);
        close(get(&all, MeasureCode::Mdrw).value(), 7.5, 1e-12);
        // HEAT's MDRU interval is MDBU's.
        assert_eq!(get(&all, MeasureCode::Mdru).lower(), get(&all, MeasureCode::Mdbu).lower());
    }

    #[test]
    fn no_se_gives_value_without_interval() {
        let mut input = regions();
        input.subgroups[2].se = None;
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        for m in [MeasureCode::Bgv, MeasureCode::Bgsd, MeasureCode::Mld, MeasureCode::Ti, MeasureCode::Mdbu] {
            let got = get(&all, m);
            assert!(got.value().is_some() && got.lower().is_none() && got.upper().is_none(), "{m:?}");
        }
    }

    #[test]
    fn missing_population_rules() {
        let mut input = regions();
        input.subgroups[0].population = None;
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        assert!(get(&all, MeasureCode::Bgv).unavailable.unwrap().contains("population"));
        // MDBU needs no population.
        assert!(get(&all, MeasureCode::Mdbu).value().is_some());
        // IDISU needs a population or a setting average.
        assert!(get(&all, MeasureCode::Idisu).unavailable.is_some());
        input.setting_average = Some(40.0);
        let all = summary_measures(&input, &SummaryOptions::default()).unwrap();
        // IDISU = 100·(10 + 5 + 15 + 10)/4/40 with μ = 40.
        close(get(&all, MeasureCode::Idisu).value(), 25.0, 1e-12);
    }
}
