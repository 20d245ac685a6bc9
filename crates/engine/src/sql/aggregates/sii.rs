//! `sii`: the slope and relative index of inequality across a group's quantiles (usually
//! deprivation deciles), limits by simulation ([`stats::sii`]).

use stats::sii::{SiiOptions, SiiValueType, DEFAULT_REPETITIONS, MAX_REPETITIONS, MIN_REPETITIONS};

use super::{refused, AggregateSpec, Body, FieldType, Out};
use crate::calc::accumulator::{Accumulator, Sii, SiiInput, SiiRow};
use crate::sql::args::{self, number, Check, OptionalArg, CONFIDENCE};

/// The seed of every group's simulation, so that a query gives the same limits every time.
pub const SEED: u64 = 1;

/// `sii(quantile, population, value, lower, upper [, value_type [, confidence [, reps]]])` →
/// STRUCT {value, lowercl, uppercl, rii, rii_lowercl, rii_uppercl, intercept, confidence,
/// indicator_type, method, warning}: the slope index of inequality (`value`) and relative
/// index of inequality of the group's quantiles, one row per quantile.
///
/// Formula: with population shares aᵢ = pᵢ/Σp and relative ranks bᵢ = aᵢ/2 + Σ_{j<i} aⱼ (the
/// quantiles ordered 1 = most deprived), fit yᵢ = α + β·bᵢ by least squares weighted by aᵢ;
/// SII = β, RII = (α + β)/α, intercept = α. Limits by simulation: each repetition draws every
/// quantile's value from N(value, se), se = (upper − lower)/(2·Φ⁻¹(0.975)) from its **95%**
/// limits (on the log scale for rates, logit for proportions), refits, and takes order
/// statistics. `value_type`: 0 plain values such as life expectancy (default), 1 rates, 2
/// proportions (0–1). Defaults: confidence 0.95, reps 100,000 (the reference's; from 1,000),
/// seed 1 for every group ([`SEED`]), multiplier 1, no transform. `method` reads
/// "simulation 100000 reps". Reference: Low & Low (2004), J Public Health 26: 388-395;
/// PHEindicatormethods `phe_sii`.
///
/// Edge cases: limits agree with the reference within Monte Carlo error only (R's random
/// numbers cannot be reproduced) and differ from `fairer calc sii`, which seeds each group by
/// its position; the value, RII and intercept are exact. `warning` gives the reference's
/// warning for more than 10 quantiles. Fewer than 5 or more than 100 quantiles, a quantile
/// given twice, a null in any argument, a population ≤ 0 or a lower limit above its upper is
/// an error.
pub static SII: AggregateSpec = AggregateSpec {
    name: "sii",
    aliases: &[],
    required: &[number("quantile"), number("population"), number("value"), number("lower"), number("upper")],
    optional: &[
        OptionalArg { name: "value_type", default: 0.0, check: Check::Whole(0, 2) },
        CONFIDENCE,
        OptionalArg {
            name: "reps",
            default: DEFAULT_REPETITIONS as f64,
            check: Check::Whole(MIN_REPETITIONS as i64, MAX_REPETITIONS as i64),
        },
    ],
    fields: &[
        ("value", FieldType::Number),
        ("lowercl", FieldType::Number),
        ("uppercl", FieldType::Number),
        ("rii", FieldType::Number),
        ("rii_lowercl", FieldType::Number),
        ("rii_uppercl", FieldType::Number),
        ("intercept", FieldType::Number),
        ("confidence", FieldType::Text),
        ("indicator_type", FieldType::Text),
        ("method", FieldType::Text),
        ("warning", FieldType::Text),
    ],
    summary: "slope and relative index of inequality, limits by simulation",
    body: Body::Rows(|group| {
        let options = group.options;
        let value_type = SiiValueType::from_code(options[0] as i64).map_err(|e| format!("sii: {e}"))?;
        let level = args::confidence(options[1]);
        let o = SiiOptions {
            value_type,
            confidence: vec![level],
            reps: options[2] as usize,
            rii: true,
            seed: SEED,
            ..SiiOptions::default()
        };
        let [quantile, population, value, lower, upper] = group.columns else {
            return Err("sii: expected 5 argument columns".into());
        };
        let mut quantiles = Sii::new(SiiInput::Limits, &o);
        for i in 0..quantile.len() {
            let row = SiiRow {
                quantile: quantile[i],
                population: population[i],
                value: value[i],
                lower: lower[i],
                upper: upper[i],
                se: None,
            };
            quantiles.update(row).map_err(|r| refused("sii", &r))?;
        }
        let r = quantiles.evaluate().map_err(|r| refused("sii", &r))?;
        let s = r.sii.limits.first();
        let ri = r.rii_limits().first();
        let warning = (!r.warnings.is_empty()).then(|| r.warnings.join("; "));
        Ok(vec![
            Out::Number(r.sii.value),
            Out::Number(s.and_then(|l| l.lower)),
            Out::Number(s.and_then(|l| l.upper)),
            Out::Number(r.rii_value()),
            Out::Number(ri.and_then(|l| l.lower)),
            Out::Number(ri.and_then(|l| l.upper)),
            Out::Number(Some(r.intercept)),
            Out::Text(Some(level.label())),
            Out::Text(Some(value_type.label().to_string())),
            Out::Text(Some(o.ci_method())),
            Out::Text(warning),
        ])
    }),
};

#[cfg(test)]
mod tests {
    use super::super::tests::{col, number, run_split, text};
    use super::*;

    #[test]
    fn value_is_the_weighted_slope_and_limits_surround_it() {
        let q: Vec<Option<f64>> = (1..=5).map(|i| Some(f64::from(i))).collect();
        let p = vec![Some(1000.0); 5];
        let v: Vec<Option<f64>> = (1..=5).map(|i| Some(70.0 + 2.0 * f64::from(i))).collect();
        let lo: Vec<Option<f64>> = v.iter().map(|x| x.map(|x| x - 1.0)).collect();
        let hi: Vec<Option<f64>> = v.iter().map(|x| x.map(|x| x + 1.0)).collect();
        let r = run_split(&SII, vec![col(&q), col(&p), col(&v), col(&lo), col(&hi)], vec![0.0, 0.95, 1000.0]).unwrap();
        // Equal populations: ranks 0.1, 0.3, …, 0.9, slope 2 per 0.2 = 10.
        assert!((number(&r, "value").unwrap() - 10.0).abs() < 1e-9);
        assert!(number(&r, "lowercl").unwrap() < 10.0 && number(&r, "uppercl").unwrap() > 10.0);
        assert!((number(&r, "intercept").unwrap() - 71.0).abs() < 1e-9);
        assert_eq!(text(&r, "method").as_deref(), Some("simulation 1000 reps"));
        assert_eq!(text(&r, "indicator_type").as_deref(), Some("normal"));
    }

    #[test]
    fn too_few_quantiles_is_an_error() {
        let c = col(&[Some(1.0), Some(2.0)]);
        let e = run_split(&SII, vec![c.clone(), c.clone(), c.clone(), c.clone(), c], vec![0.0, 0.95, 1000.0])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("Execution error: sii: "), "{e}");
    }
}
