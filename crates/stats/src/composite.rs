//! Composite scores: several indicators of each unit (for example the drivers of children's
//! health in each integrated care system) brought to one scale and averaged with stated
//! weights, with intervals for every score and rank carried from each indicator's interval by
//! simulation, and the sensitivity of the ranks to the weights.
//!
//! # Method
//!
//! For unit i and indicator j with value xᵢⱼ, England's value at the base period Eⱼ and the
//! standard deviation of the units' values at the base period Sⱼ (both given, from the
//! catalogue's base period), the standardised value is
//!
//! ```text
//! zᵢⱼ = dⱼ (xᵢⱼ − Eⱼ) / Sⱼ,   dⱼ = +1 if higher is better, −1 if lower is better
//! ```
//!
//! so that above zero is better than England was, in standard deviations of the units. The
//! score is the weighted mean Σⱼ wⱼ zᵢⱼ with the stated weights, which must sum to 1 (within
//! 1e-9). Ranks are 1 for the best (highest) score; ties share the lower rank.
//!
//! # Uncertainty
//!
//! Each indicator's value is taken as normal with standard error σᵢⱼ = (Uᵢⱼ − Lᵢⱼ)/(2·Φ⁻¹(0.975))
//! from its 95% limits. Each of `draws` simulations draws every value, scores and ranks every
//! unit; a unit's score and rank intervals are the 2.5% and 97.5% quantiles of its simulated
//! scores and ranks (R's type 7 quantile). Because the score is linear in the values, its
//! simulated interval converges to the normal interval score ± 1.959964·√(Σⱼ (wⱼ σᵢⱼ / Sⱼ)²) as
//! the draws grow (checked in the tests); the ranks have no such closed form, which is why they
//! are simulated. The draws are the ziggurat normal draws of the SII simulations, seeded, so a
//! seed gives the same intervals on every machine.
//!
//! # Sensitivity to the weights
//!
//! [`rank_sensitivity`] ranks the units again under each alternative set of weights (for
//! example equal weights, or each weight halved and doubled in turn) and reports, for each
//! unit, its rank under each set and the largest move from its rank under the stated weights.
//!
//! Reference: OECD and JRC (2008), *Handbook on Constructing Composite Indicators: Methodology
//! and User Guide*, sections 5 (normalisation: standardisation against a reference), 6
//! (weighting) and 7 (uncertainty and sensitivity analysis).

use crate::comparison::Polarity;
use crate::distributions::normal_quantile;
use crate::error::StatsError;
use crate::gap::Bounded;
use crate::normal_draws::NormalDraws;

/// One indicator of a composite score: its weight, polarity and the base period's reference.
#[derive(Clone, Debug, PartialEq)]
pub struct CompositeIndicator {
    /// The weight (the weights of a score sum to 1).
    pub weight: f64,
    /// Which way is better: `NoJudgement` is refused (a score needs a direction).
    pub polarity: Polarity,
    /// England's value at the base period, Eⱼ.
    pub england_base: f64,
    /// The standard deviation of the units' values at the base period, Sⱼ (> 0).
    pub base_spread: f64,
}

/// A unit's composite score and rank, each with its simulated 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompositeScore {
    /// The score with its 2.5% and 97.5% simulated quantiles.
    pub score: Bounded,
    /// The rank (1 = best) with its simulated interval (as reals: quantiles of ranks).
    pub rank: Bounded,
}

/// Checks the indicators and weights: weights finite, not negative and summing to 1 within
/// 1e-9; a direction for each; a positive spread.
///
/// # Errors
/// Naming the indicator (by position, from 1) and what was expected.
pub fn check_indicators(indicators: &[CompositeIndicator]) -> Result<(), StatsError> {
    if indicators.is_empty() {
        return Err(StatsError::Invalid("a composite score needs at least one indicator".into()));
    }
    for (j, ind) in indicators.iter().enumerate() {
        let n = j + 1;
        if !ind.weight.is_finite() || ind.weight < 0.0 {
            return Err(StatsError::Invalid(format!(
                "indicator {n}: the weight {} is not a number of zero or more",
                ind.weight
            )));
        }
        if ind.polarity == Polarity::NoJudgement {
            return Err(StatsError::Invalid(format!(
                "indicator {n}: a composite score needs a polarity (higher or lower is better), not \"no judgement\""
            )));
        }
        if !ind.england_base.is_finite() {
            return Err(StatsError::NotFinite { field: "England's value at the base period", value: ind.england_base });
        }
        if !(ind.base_spread.is_finite() && ind.base_spread > 0.0) {
            return Err(StatsError::Invalid(format!(
                "indicator {n}: the spread at the base period is {}: expected a standard deviation above zero",
                ind.base_spread
            )));
        }
    }
    let sum: f64 = indicators.iter().map(|i| i.weight).sum();
    if (sum - 1.0).abs() > 1e-9 {
        return Err(StatsError::Invalid(format!("the weights sum to {sum}: expected them to sum to 1")));
    }
    Ok(())
}

fn direction(p: Polarity) -> f64 {
    if p == Polarity::LowerIsBetter {
        -1.0
    } else {
        1.0
    }
}

/// The standardised value dⱼ (x − Eⱼ)/Sⱼ of one indicator.
pub fn standardise(indicator: &CompositeIndicator, value: f64) -> f64 {
    direction(indicator.polarity) * (value - indicator.england_base) / indicator.base_spread
}

/// The point scores of units whose values are `values[unit][indicator]`, by the stated weights.
///
/// # Errors
/// As [`check_indicators`], or a unit whose number of values is not the number of indicators,
/// or a value that is not finite.
pub fn composite_scores(indicators: &[CompositeIndicator], values: &[Vec<f64>]) -> Result<Vec<f64>, StatsError> {
    check_indicators(indicators)?;
    values
        .iter()
        .enumerate()
        .map(|(i, unit)| {
            check_unit(indicators.len(), i, unit.iter().copied())?;
            Ok(indicators.iter().zip(unit).map(|(ind, &x)| ind.weight * standardise(ind, x)).sum())
        })
        .collect()
}

fn check_unit(expected: usize, unit: usize, values: impl ExactSizeIterator<Item = f64>) -> Result<(), StatsError> {
    if values.len() != expected {
        return Err(StatsError::Shape(format!("unit {}: {} values for {expected} indicators", unit + 1, values.len())));
    }
    for v in values {
        if !v.is_finite() {
            return Err(StatsError::NotFinite { field: "an indicator's value", value: v });
        }
    }
    Ok(())
}

/// Ranks (1 = highest score; ties share the lower rank) of `scores`.
pub fn ranks(scores: &[f64]) -> Vec<f64> {
    scores.iter().map(|s| 1.0 + scores.iter().filter(|o| *o > s).count() as f64).collect()
}

/// The composite scores and ranks of every unit with simulated intervals: `values[unit][j]`
/// is indicator j's value with its 95% limits; `draws` simulations seeded by `seed`.
///
/// # Errors
/// As [`composite_scores`]; limits that do not bracket a value; fewer than 100 draws.
pub fn composite_with_intervals(
    indicators: &[CompositeIndicator],
    values: &[Vec<Bounded>],
    draws: usize,
    seed: u64,
) -> Result<Vec<CompositeScore>, StatsError> {
    check_indicators(indicators)?;
    if draws < 100 {
        return Err(StatsError::Invalid(format!("{draws} draws: expected at least 100")));
    }
    let z = normal_quantile(0.975);
    let mut sigma = Vec::with_capacity(values.len() * indicators.len());
    for (i, unit) in values.iter().enumerate() {
        check_unit(indicators.len(), i, unit.iter().map(|b| b.value))?;
        for b in unit {
            let b = Bounded::new(b.value, b.lower, b.upper, "an indicator's value")?;
            sigma.push((b.upper - b.lower) / (2.0 * z));
        }
    }
    let points: Vec<Vec<f64>> = values.iter().map(|u| u.iter().map(|b| b.value).collect()).collect();
    let point = composite_scores(indicators, &points)?;
    let point_ranks = ranks(&point);
    let (units, k) = (values.len(), indicators.len());
    let mut simulated_scores = vec![Vec::with_capacity(draws); units];
    let mut simulated_ranks = vec![Vec::with_capacity(draws); units];
    let mut normal = NormalDraws::new(seed);
    let mut e = vec![0.0; units * k];
    let mut scores = vec![0.0; units];
    for _ in 0..draws {
        normal.fill(&mut e);
        for i in 0..units {
            scores[i] = (0..k)
                .map(|j| {
                    let ind = &indicators[j];
                    ind.weight * standardise(ind, points[i][j] + sigma[i * k + j] * e[i * k + j])
                })
                .sum();
        }
        for (i, r) in ranks(&scores).into_iter().enumerate() {
            simulated_scores[i].push(scores[i]);
            simulated_ranks[i].push(r);
        }
    }
    Ok((0..units)
        .map(|i| CompositeScore {
            score: interval(point[i], &mut simulated_scores[i]),
            rank: interval(point_ranks[i], &mut simulated_ranks[i]),
        })
        .collect())
}

/// The value with the 2.5% and 97.5% type-7 quantiles of `draws` (sorted here).
fn interval(value: f64, draws: &mut [f64]) -> Bounded {
    draws.sort_by(f64::total_cmp);
    Bounded { value, lower: quantile7(draws, 0.025), upper: quantile7(draws, 0.975) }
}

/// R's type 7 quantile of sorted `x`: x[h] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]), h = (n − 1)p.
fn quantile7(x: &[f64], p: f64) -> f64 {
    let h = (x.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(x.len() - 1);
    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
}

/// A unit's ranks under alternative weights.
#[derive(Clone, Debug, PartialEq)]
pub struct RankSensitivity {
    /// The rank under the stated weights.
    pub rank: f64,
    /// The rank under each alternative set of weights, in the order given.
    pub alternative_ranks: Vec<f64>,
    /// The largest |alternative rank − rank|.
    pub largest_move: f64,
}

/// Ranks every unit under the stated weights and under each of `alternatives` (each a full set
/// of weights, in the indicators' order, summing to 1).
///
/// # Errors
/// As [`composite_scores`] for the stated weights and for each alternative (a set of the wrong
/// length is named by its position from 1).
pub fn rank_sensitivity(
    indicators: &[CompositeIndicator],
    values: &[Vec<f64>],
    alternatives: &[Vec<f64>],
) -> Result<Vec<RankSensitivity>, StatsError> {
    let stated = ranks(&composite_scores(indicators, values)?);
    let mut alternative_ranks = Vec::with_capacity(alternatives.len());
    for (a, weights) in alternatives.iter().enumerate() {
        if weights.len() != indicators.len() {
            return Err(StatsError::Shape(format!(
                "alternative weights {}: {} weights for {} indicators",
                a + 1,
                weights.len(),
                indicators.len()
            )));
        }
        let reweighted: Vec<CompositeIndicator> =
            indicators.iter().zip(weights).map(|(ind, &weight)| CompositeIndicator { weight, ..ind.clone() }).collect();
        alternative_ranks.push(ranks(&composite_scores(&reweighted, values)?));
    }
    Ok(stated
        .iter()
        .enumerate()
        .map(|(i, &rank)| {
            let alt: Vec<f64> = alternative_ranks.iter().map(|r| r[i]).collect();
            let largest_move = alt.iter().map(|r| (r - rank).abs()).fold(0.0, f64::max);
            RankSensitivity { rank, alternative_ranks: alt, largest_move }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(weight: f64, polarity: Polarity, england_base: f64, base_spread: f64) -> CompositeIndicator {
        CompositeIndicator { weight, polarity, england_base, base_spread }
    }

    /// Two indicators, three units, worked by hand.
    /// A: school readiness %, higher is better, E = 65, S = 5, weight 0.6.
    /// B: tooth decay at 5 %, lower is better, E = 25, S = 4, weight 0.4.
    /// Unit 1 (70, 21): zA = (70 − 65)/5 = 1, zB = −(21 − 25)/4 = 1 → 0.6 + 0.4 = 1.0
    /// Unit 2 (60, 25): zA = −1, zB = 0 → −0.6
    /// Unit 3 (65, 33): zA = 0, zB = −2 → −0.8
    /// Ranks 1, 2, 3.
    #[test]
    fn scores_and_ranks_worked_by_hand() {
        let inds = [ind(0.6, Polarity::HigherIsBetter, 65.0, 5.0), ind(0.4, Polarity::LowerIsBetter, 25.0, 4.0)];
        let values = vec![vec![70.0, 21.0], vec![60.0, 25.0], vec![65.0, 33.0]];
        let s = composite_scores(&inds, &values).unwrap();
        for (got, want) in s.iter().zip([1.0, -0.6, -0.8]) {
            assert!((got - want).abs() < 1e-12, "{got} {want}");
        }
        assert_eq!(ranks(&s), vec![1.0, 2.0, 3.0]);
        assert_eq!(ranks(&[2.0, 5.0, 2.0]), vec![2.0, 1.0, 2.0]);
        // Equal weights: unit 2 → −0.5, unit 3 → −1.0; weight all on B: 1, 0, −2.
        let sens = rank_sensitivity(&inds, &values, &[vec![0.5, 0.5], vec![0.0, 1.0], vec![1.0, 0.0]]).unwrap();
        assert_eq!(sens[2].alternative_ranks, vec![3.0, 3.0, 2.0]);
        assert_eq!(sens[2].largest_move, 1.0);
        assert_eq!(sens[1].alternative_ranks, vec![2.0, 2.0, 3.0]);
    }

    /// The simulated interval of a score converges to score ± 1.959964·√(Σ (wⱼσⱼ/Sⱼ)²) as the
    /// draws grow. Unit 1 above: σA = 1 (limits 70 ± 1.959964), σB = 2: √((0.6·1/5)² +
    /// (0.4·2/4)²) = √(0.0144 + 0.04) = 0.233238; interval 1 ± 0.457137.
    #[test]
    fn simulated_intervals_converge_to_the_normal_interval() {
        let z = normal_quantile(0.975);
        let inds = [ind(0.6, Polarity::HigherIsBetter, 65.0, 5.0), ind(0.4, Polarity::LowerIsBetter, 25.0, 4.0)];
        let b = |v: f64, s: f64| Bounded { value: v, lower: v - z * s, upper: v + z * s };
        let values =
            vec![vec![b(70.0, 1.0), b(21.0, 2.0)], vec![b(60.0, 1.0), b(25.0, 1.0)], vec![b(65.0, 1.0), b(33.0, 1.0)]];
        let half = z * (0.0144f64 + 0.04).sqrt();
        let error = |draws: usize| {
            let r = composite_with_intervals(&inds, &values, draws, 7).unwrap();
            assert_eq!(r[0].score.value, 1.0);
            ((r[0].score.lower - (1.0 - half)).abs()).max((r[0].score.upper - (1.0 + half)).abs())
        };
        let (small, large) = (error(200), error(200_000));
        assert!(large < 0.01, "error with 200,000 draws: {large}");
        assert!(large < small, "200 draws {small}, 200,000 draws {large}");
        let r = composite_with_intervals(&inds, &values, 20_000, 7).unwrap();
        // Unit 1 is far ahead: always first.
        assert_eq!((r[0].rank.lower, r[0].rank.value, r[0].rank.upper), (1.0, 1.0, 1.0));
        // Units 2 and 3 (−0.6 and −0.8, close): the ranks cross in some draws.
        assert!(r[1].rank.lower == 2.0 && r[1].rank.upper == 3.0);
    }

    #[test]
    fn weights_that_do_not_sum_to_one_and_bad_indicators_are_refused() {
        let e = check_indicators(&[
            ind(0.6, Polarity::HigherIsBetter, 1.0, 1.0),
            ind(0.5, Polarity::LowerIsBetter, 1.0, 1.0),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("sum to 1.1"), "{e}");
        assert!(check_indicators(&[ind(1.0, Polarity::NoJudgement, 1.0, 1.0)]).is_err());
        assert!(check_indicators(&[ind(1.0, Polarity::HigherIsBetter, 1.0, 0.0)]).is_err());
        assert!(check_indicators(&[ind(-1.0, Polarity::HigherIsBetter, 1.0, 1.0)]).is_err());
        let inds = [ind(1.0, Polarity::HigherIsBetter, 1.0, 1.0)];
        assert!(composite_scores(&inds, &[vec![1.0, 2.0]]).is_err());
        assert!(composite_scores(&inds, &[vec![f64::NAN]]).is_err());
        assert!(
            composite_with_intervals(&inds, &[vec![Bounded { value: 1.0, lower: 0.0, upper: 2.0 }]], 10, 1).is_err()
        );
    }
}
