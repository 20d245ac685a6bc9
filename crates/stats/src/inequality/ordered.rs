//! Measures for ordered dimensions of more than two subgroups: the concentration indices and
//! HEAT's logistic-model slope and relative indices of inequality.
//!
//! Subgroups are taken in subgroup order, 1 the most disadvantaged. All four need every
//! subgroup's estimate and population (`test_missing_estimates`, `test_missing_population`).

use super::{
    summary_measure, Computed, DimensionInput, MeasureCode, Prepared, RawMeasure, SummaryMeasure, SummaryOptions,
};
use crate::StatsError;

/// Absolute concentration index ACI by HEAT's convenient regression (`calc_aci`, HEAT issue
/// 1004; Kakwani, Wagstaff and van Doorslaer 1997, J Econometrics 77:87-103).
///
/// With populations w_j in subgroup order, W = Σ w_j, the fractional rank of subgroup j is the
/// midpoint of its cumulative population share, R_j = (W_{j−1} + ½w_j)/W (subgroups sharing an
/// order share a rank), σ² = Σ (w_j/W)(R_j − ½)² and μ = Σ w_j·y_j/W. ACI is the coefficient β of
/// the least-squares regression without constant
/// 2σ²·y_j·√w_j = α·√w_j + β·R_j·√w_j,
/// so ACI = Σ_j (w_j/W)(2R_j − 1)·y_j. The interval is ACI ± z·SE(β), the regression SE with
/// residual variance RSS/(n − 2). Positive when the indicator is concentrated among the
/// advantaged. No subgroup SEs are needed.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn absolute_concentration_index(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Aci)
}

/// Relative concentration index RCI by HEAT's convenient regression (`calc_rci`, HEAT issue
/// 1005): as [`absolute_concentration_index`] with left-hand side 2σ²·(y_j/μ)·√w_j, so
/// RCI = ACI/μ (bounded by −1 and 1 for a non-negative indicator). Interval RCI ± z·SE(β).
///
/// # Errors
/// As [`super::summary_measures`].
pub fn relative_concentration_index(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Rci)
}

/// Slope index of inequality by HEAT's logistic model (`calc_sii`); PHEindicatormethods' SII,
/// a weighted least-squares line with simulated limits, is [`crate::sii::slope_index_of_inequality`].
///
/// Populations are rounded up (n_j = ⌈w_j⌉), the estimates turned into counts
/// k_j = round(y_j/scale·n_j) (half to even, as R), and the logit model
/// logit P(y) = β₀ + β₁·R_j fitted to k_j of n_j by R's `glm(cbind(k, n − k) ~ rank,
/// weights = n, family = binomial)` — so each subgroup is weighted by n_j², as in HEAT — with
/// R_j the midpoint cumulative population share. SII = scale·(expit(β₀ + β₁) − expit(β₀)), the
/// difference in predicted value between the most advantaged (rank 1) and most disadvantaged
/// (rank 0) ends (`marginaleffects::avg_comparisons`, "difference"). The SE is by the delta
/// method with the HC1 sandwich covariance of (β₀, β₁) (`vcov = "HC1"`), the interval
/// SII ± z·SE, and `se` is on the indicator's scale.
///
/// Unavailable, besides the rules for ordered measures, when populations are shares or an
/// estimate is outside 0 to the scale (it is not a proportion of the population), or the model
/// cannot be fitted (for example all estimates 0 or all at the scale).
///
/// # Errors
/// As [`super::summary_measures`].
pub fn logistic_slope_index_of_inequality(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Sii)
}

/// Relative index of inequality by HEAT's logistic model (`calc_rii`): with the model of
/// [`logistic_slope_index_of_inequality`], RII = expit(β₀ + β₁)/expit(β₀), the ratio of the predicted
/// values at the advantaged and disadvantaged ends; the SE of ln RII is by the delta method with
/// the HC1 covariance and the interval is exp(ln RII ± z·SE) (`se` is the SE of ln RII). HEAT
/// sets RII outside 0 to 700 to missing; so does this.
///
/// # Errors
/// As [`super::summary_measures`].
pub fn logistic_relative_index_of_inequality(
    input: &DimensionInput,
    options: &SummaryOptions,
) -> Result<SummaryMeasure, StatsError> {
    summary_measure(input, options, MeasureCode::Rii)
}

/// Populations of every prepared row (the rules guarantee them for ordered measures).
fn populations(p: &Prepared) -> Result<Vec<f64>, String> {
    p.pop.iter().map(|x| x.ok_or_else(|| "a subgroup population is missing".to_string())).collect()
}

/// Solves the 2×2 symmetric system; `None` when singular.
fn inverse2(a: [[f64; 2]; 2]) -> Option<[[f64; 2]; 2]> {
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let scale = a[0][0].abs().max(a[1][1].abs());
    if !det.is_finite() || det.abs() <= 1e-14 * scale * scale || scale == 0.0 {
        return None;
    }
    Some([[a[1][1] / det, -a[0][1] / det], [-a[1][0] / det, a[0][0] / det]])
}

/// HEAT's concentration-index regression; `relative` divides by μ.
fn concentration_index(p: &Prepared, relative: bool) -> Computed {
    let pop = populations(p)?;
    let n = pop.len();
    if n < 3 {
        return Err("needs more than two subgroups with an estimate".into());
    }
    let sumw: f64 = pop.iter().sum();
    if sumw <= 0.0 {
        return Err("populations sum to zero".into());
    }
    let mut cum = Vec::with_capacity(n);
    let mut acc = 0.0;
    for &w in &pop {
        acc += w;
        cum.push(acc);
    }
    // Tied orders share a rank: the group's first lagged and last cumulative population.
    let mut rank = vec![0.0; n];
    let mut start = 0;
    while start < n {
        let mut end = start;
        while end + 1 < n && p.order[end + 1] == p.order[start] {
            end += 1;
        }
        let lo = if start == 0 { 0.0 } else { cum[start - 1] };
        let hi = cum[end];
        for r in rank.iter_mut().take(end + 1).skip(start) {
            *r = (lo + 0.5 * (hi - lo)) / sumw;
        }
        start = end + 1;
    }
    let sigma2: f64 = pop.iter().zip(&rank).map(|(w, r)| (w / sumw) * (r - 0.5).powi(2)).sum();
    let mu = pop.iter().zip(&p.est).map(|(w, y)| w * y).sum::<f64>() / sumw;
    if relative && mu == 0.0 {
        return Err("the population-weighted mean is zero".into());
    }
    let mut xtx = [[0.0; 2]; 2];
    let mut xty = [0.0; 2];
    let mut rows = Vec::with_capacity(n);
    for j in 0..n {
        let s = pop[j].sqrt();
        let lhs = sigma2 * 2.0 * (p.est[j] / mu) * s;
        let y = if relative { lhs } else { lhs * mu };
        let x = [rank[j] * s, s];
        for a in 0..2 {
            for b in 0..2 {
                xtx[a][b] += x[a] * x[b];
            }
            xty[a] += x[a] * y;
        }
        rows.push((x, y));
    }
    let inv = inverse2(xtx).ok_or("the concentration-index regression cannot be fitted")?;
    let beta = [inv[0][0] * xty[0] + inv[0][1] * xty[1], inv[1][0] * xty[0] + inv[1][1] * xty[1]];
    let rss: f64 = rows.iter().map(|(x, y)| (y - beta[0] * x[0] - beta[1] * x[1]).powi(2)).sum();
    let s2 = rss / (n as f64 - 2.0);
    let se = (s2 * inv[0][0]).sqrt();
    Ok(RawMeasure::normal(beta[0], Some(se), p.z))
}

pub(crate) fn compute_aci(p: &Prepared) -> Computed {
    concentration_index(p, false)
}

pub(crate) fn compute_rci(p: &Prepared) -> Computed {
    concentration_index(p, true)
}

const DBL_EPSILON: f64 = f64::EPSILON;
const THRESH: f64 = 30.0;

/// R's logit inverse link (C `logit_linkinv`).
fn linkinv(eta: f64) -> f64 {
    let tmp = if eta < -THRESH {
        DBL_EPSILON
    } else if eta > THRESH {
        1.0 / DBL_EPSILON
    } else {
        eta.exp()
    };
    tmp / (1.0 + tmp)
}

/// R's dμ/dη for the logit link (C `logit_mu_eta`).
fn mu_eta(eta: f64) -> f64 {
    let opexp = 1.0 + eta.exp();
    if !(-THRESH..=THRESH).contains(&eta) {
        DBL_EPSILON
    } else {
        eta.exp() / (opexp * opexp)
    }
}

fn y_log_y(y: f64, mu: f64) -> f64 {
    if y != 0.0 {
        y * (y / mu).ln()
    } else {
        0.0
    }
}

fn deviance(y: &[f64], mu: &[f64], wt: &[f64]) -> f64 {
    y.iter().zip(mu).zip(wt).map(|((&y, &m), &w)| 2.0 * w * (y_log_y(y, m) + y_log_y(1.0 - y, 1.0 - m))).sum()
}

/// The fitted logistic model: coefficients and their HC1 covariance.
struct LogitFit {
    beta: [f64; 2],
    vcov: [[f64; 2]; 2],
}

/// HEAT's SII/RII model, fitted as R's `glm.fit` does (IRLS from R's starting values, stopping
/// when |dev − dev_old|/(|dev| + 0.1) < 1e-8, at most 25 iterations), with
/// `sandwich::vcovHC(type = "HC1")`.
fn logistic_fit(p: &Prepared) -> Result<LogitFit, String> {
    if !p.counts {
        return Err("needs population counts, not shares".into());
    }
    let pop: Vec<f64> = populations(p)?.iter().map(|w| w.ceil()).collect();
    let n = pop.len();
    if n < 3 {
        return Err("needs more than two subgroups with an estimate".into());
    }
    let total: f64 = pop.iter().sum();
    if total <= 0.0 {
        return Err("populations sum to zero".into());
    }
    let mut k = Vec::with_capacity(n);
    for (y, &w) in p.est.iter().zip(&pop) {
        let count = (y / p.scale * w).round_ties_even();
        if count < 0.0 || count > w || !count.is_finite() {
            return Err(
                "an estimate is outside 0 to the indicator scale, so it is not a proportion of the population".into()
            );
        }
        k.push(count);
    }
    // midPointProp: cumulative population share at each subgroup's midpoint.
    let mut rank = Vec::with_capacity(n);
    let mut cum = 0.0;
    for &w in &pop {
        let share = w / total;
        rank.push(share / 2.0 + cum);
        cum += share;
    }
    // binomial()$initialize: y = k/n, weights = prior weights (n) × trials (n).
    let y: Vec<f64> = k.iter().zip(&pop).map(|(&k, &w)| if w == 0.0 { 0.0 } else { k / w }).collect();
    let wt: Vec<f64> = pop.iter().map(|w| w * w).collect();
    let mut eta: Vec<f64> = y
        .iter()
        .zip(&wt)
        .map(|(&y, &w)| {
            let m = (w * y + 0.5) / (w + 1.0);
            (m / (1.0 - m)).ln()
        })
        .collect();
    let mut mu: Vec<f64> = eta.iter().map(|&e| linkinv(e)).collect();
    let mut devold = deviance(&y, &mu, &wt);
    let mut beta = [0.0; 2];
    let mut work_w = vec![0.0; n];
    let mut inv = [[0.0; 2]; 2];
    let mut converged = false;
    for _ in 0..25 {
        let mut xtx = [[0.0; 2]; 2];
        let mut xtz = [0.0; 2];
        for j in 0..n {
            let me = mu_eta(eta[j]);
            if wt[j] <= 0.0 || me == 0.0 {
                work_w[j] = 0.0;
                continue;
            }
            let z = eta[j] + (y[j] - mu[j]) / me;
            let w2 = wt[j] * me * me / (mu[j] * (1.0 - mu[j]));
            work_w[j] = w2;
            let x = [1.0, rank[j]];
            for a in 0..2 {
                for b in 0..2 {
                    xtx[a][b] += w2 * x[a] * x[b];
                }
                xtz[a] += w2 * x[a] * z;
            }
        }
        inv = inverse2(xtx).ok_or("the logistic model cannot be fitted")?;
        beta = [inv[0][0] * xtz[0] + inv[0][1] * xtz[1], inv[1][0] * xtz[0] + inv[1][1] * xtz[1]];
        for j in 0..n {
            eta[j] = beta[0] + beta[1] * rank[j];
            mu[j] = linkinv(eta[j]);
        }
        let dev = deviance(&y, &mu, &wt);
        if !dev.is_finite() {
            return Err("the logistic model does not converge".into());
        }
        if (dev - devold).abs() / (dev.abs() + 0.1) < 1e-8 {
            converged = true;
            break;
        }
        devold = dev;
    }
    if !converged || !beta.iter().all(|b| b.is_finite()) {
        return Err("the logistic model does not converge".into());
    }
    // HC1 sandwich: V = (n_ok/n)²·CU·(Σ ω_j x_j x_jᵀ)·CU, ω_j = wres_j²·n/(n − 2),
    // wres_j = working residual × working weight.
    let n_ok = wt.iter().filter(|&&w| w > 0.0).count() as f64;
    let nf = n as f64;
    let mut meat = [[0.0; 2]; 2];
    for j in 0..n {
        let me = mu_eta(eta[j]);
        let wres = if me == 0.0 { 0.0 } else { (y[j] - mu[j]) / me * work_w[j] };
        let omega = wres * wres * nf / (nf - 2.0);
        let x = [1.0, rank[j]];
        for a in 0..2 {
            for b in 0..2 {
                meat[a][b] += omega * x[a] * x[b];
            }
        }
    }
    let mut vcov = [[0.0; 2]; 2];
    let f = (n_ok / nf).powi(2);
    for a in 0..2 {
        for b in 0..2 {
            let mut s = 0.0;
            for c in 0..2 {
                for d in 0..2 {
                    s += inv[a][c] * meat[c][d] * inv[d][b];
                }
            }
            vcov[a][b] = f * s;
        }
    }
    Ok(LogitFit { beta, vcov })
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn delta_se(g: [f64; 2], v: [[f64; 2]; 2]) -> f64 {
    (g[0] * (v[0][0] * g[0] + v[0][1] * g[1]) + g[1] * (v[1][0] * g[0] + v[1][1] * g[1])).sqrt()
}

pub(crate) fn compute_sii(p: &Prepared) -> Computed {
    let fit = logistic_fit(p)?;
    let mu0 = expit(fit.beta[0]);
    let mu1 = expit(fit.beta[0] + fit.beta[1]);
    let sii = mu1 - mu0;
    let g = [mu1 * (1.0 - mu1) - mu0 * (1.0 - mu0), mu1 * (1.0 - mu1)];
    let se = delta_se(g, fit.vcov);
    Ok(RawMeasure::normal(sii * p.scale, Some(se * p.scale), p.z))
}

pub(crate) fn compute_rii(p: &Prepared) -> Computed {
    let fit = logistic_fit(p)?;
    let mu0 = expit(fit.beta[0]);
    let mu1 = expit(fit.beta[0] + fit.beta[1]);
    let rii = mu1 / mu0;
    let g = [mu0 - mu1, 1.0 - mu1];
    let se = delta_se(g, fit.vcov);
    let ln = rii.ln();
    Ok(RawMeasure { value: rii, se: Some(se), lower: Some((ln - p.z * se).exp()), upper: Some((ln + p.z * se).exp()) })
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    //! ACI and RCI checked against HEAT's `calc_aci` / `calc_rci` run in R 4.2.2 on the same
    //! five quintiles (and on a case with tied orders); SII and RII against HEAT's model fitted
    //! in R 4.2.2 exactly as `calc_sii` / `calc_rii` fit it (`glm(cbind(est, cest) ~ rank,
    //! weights = pop, family = binomial("logit"))`), with the HC1 covariance from
    //! `sandwich::vcovHC(type = "HC1")` and the delta method written out (the package
    //! `marginaleffects` that HEAT calls was not available; it computes the same delta-method SE
    //! with a numerical Jacobian). ACI was also checked by hand against its closed form
    //! Σ (w_j/W)(2R_j − 1)·y_j.
    use super::super::tests::*;
    use super::super::*;

    #[test]
    fn aci_equals_closed_form_and_heat() {
        let input = quintiles(true);
        let aci = absolute_concentration_index(&input, &SummaryOptions::default()).unwrap();
        // Closed form with pops 1000, 1200, 900, 1100, 800 (W = 5000):
        // ranks 0.1, 0.32, 0.53, 0.73, 0.92; ACI = Σ (w/W)(2R − 1)·y.
        let w = [1000.0, 1200.0, 900.0, 1100.0, 800.0];
        let r = [0.1, 0.32, 0.53, 0.73, 0.92];
        let y = [50.0, 60.0, 65.0, 72.0, 80.0];
        let closed: f64 = (0..5).map(|j| w[j] / 5000.0 * (2.0 * r[j] - 1.0) * y[j]).sum();
        close(aci.value(), closed, 1e-10);
        close(aci.value(), HEAT_ACI.0, 1e-9);
        close(aci.lower(), HEAT_ACI.1, 1e-9);
        close(aci.upper(), HEAT_ACI.2, 1e-9);
        let rci = relative_concentration_index(&input, &SummaryOptions::default()).unwrap();
        close(rci.value(), closed / 64.74, 1e-10);
        close(rci.lower(), HEAT_RCI.1, 1e-9);
        close(rci.upper(), HEAT_RCI.2, 1e-9);
    }

    #[test]
    fn aci_with_tied_orders_shares_rank() {
        let mut input = quintiles(true);
        input.subgroups[0].order = Some(2.0); // Q3 takes order 2: orders 1, 2, 2, 4, 5
        let aci = absolute_concentration_index(&input, &SummaryOptions::default()).unwrap();
        close(aci.value(), HEAT_ACI_TIES.0, 1e-9);
        close(aci.lower(), HEAT_ACI_TIES.1, 1e-9);
    }

    #[test]
    fn sii_rii_logistic_match_heat_model() {
        let input = quintiles(true);
        let sii = logistic_slope_index_of_inequality(&input, &SummaryOptions::default()).unwrap();
        close(sii.value(), HEAT_SII.0, 1e-12);
        close(sii.lower(), HEAT_SII.1, 1e-9);
        close(sii.upper(), HEAT_SII.2, 1e-9);
        let rii = logistic_relative_index_of_inequality(&input, &SummaryOptions::default()).unwrap();
        close(rii.value(), HEAT_RII.0, 1e-12);
        close(rii.lower(), HEAT_RII.1, 1e-9);
        close(rii.upper(), HEAT_RII.2, 1e-9);
    }

    #[test]
    fn sii_unavailable_for_non_proportions_and_shares() {
        // Life expectancy (scale 1): estimates far above 1 are not proportions.
        let mut input = quintiles(true);
        input.scale = 1.0;
        let sii = logistic_slope_index_of_inequality(&input, &SummaryOptions::default()).unwrap();
        assert!(sii.value().is_none());
        assert!(sii.unavailable.unwrap().contains("not a proportion"));
        let mut input = quintiles(true);
        input.population_unit = PopulationUnit::Share;
        for g in &mut input.subgroups {
            g.population = g.population.map(|p| p / 5000.0);
        }
        let rii = logistic_relative_index_of_inequality(&input, &SummaryOptions::default()).unwrap();
        assert!(rii.unavailable.unwrap().contains("counts"));
        // ACI is scale-free in the populations: shares give the same value.
        let aci = absolute_concentration_index(&input, &SummaryOptions::default()).unwrap();
        close(aci.value(), HEAT_ACI.0, 1e-9);
    }

    #[test]
    fn ordered_measures_unavailable_for_non_ordered_or_two_subgroups() {
        let r = relative_concentration_index(&regions(), &SummaryOptions::default()).unwrap();
        assert_eq!(r.unavailable.as_deref(), Some("applies only to ordered dimensions"));
        let mut two = quintiles(true);
        two.subgroups.truncate(2);
        let s = logistic_slope_index_of_inequality(&two, &SummaryOptions::default()).unwrap();
        assert_eq!(s.unavailable.as_deref(), Some("needs more than two subgroups"));
    }
}
