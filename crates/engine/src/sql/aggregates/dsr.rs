//! `dsr`: the directly standardised rate of a group's age bands with Dobson limits
//! ([`stats::dsr`]).

use stats::dsr::directly_standardised_rate;

use super::{required, value_and_limits, wording, AggregateSpec, Body, FieldType, Out};
use crate::sql::args::{self, number, CONFIDENCE};

/// `dsr(count, population, stdpop [, multiplier [, confidence]])` → STRUCT {value, lowercl,
/// uppercl, total_count, total_pop, confidence, statistic, method}: the directly standardised
/// rate of the group's rows (one row per age band), with Dobson limits.
///
/// Use `esp2013(age_band)` as `stdpop` for the European Standard Population 2013.
///
/// Formula, for bands i with events xᵢ, population nᵢ and standard population wᵢ:
/// DSR = Σ(xᵢwᵢ/nᵢ)/Σwᵢ × multiplier; var = Σxᵢ(wᵢ/nᵢ)²/(Σwᵢ)²; O = Σxᵢ;
/// limits = DSR + √(var/O)·(B(O) − O) × multiplier, B = Byar's lower / upper limit of O.
/// Defaults: multiplier 100,000, confidence 0.95. `statistic` "dsr per 100000"; `method`
/// "Dobson". Reference: Dobson et al. (1991), Stat Med 10: 457-462; Eurostat (2013);
/// PHEindicatormethods `calculate_dsr`.
///
/// Edge cases: a null count is taken as 0 (as the reference); with a total count below 10
/// there is no value nor limits and `statistic` reads "dsr NA for total count < 10"; a null
/// population or stdpop, a negative count, a population ≤ 0 or all weights 0 are errors.
/// Unlike `fairer calc dsr --age-band`, the 19 bands are not checked: give each band once per
/// group. Non-independent events (`--event-frequency`) are not available in SQL.
pub static DSR: AggregateSpec = AggregateSpec {
    name: "dsr",
    aliases: &[],
    required: &[number("count"), number("population"), number("stdpop")],
    optional: &[args::multiplier(100_000.0), CONFIDENCE],
    fields: &[
        ("value", FieldType::Number),
        ("lowercl", FieldType::Number),
        ("uppercl", FieldType::Number),
        ("total_count", FieldType::Number),
        ("total_pop", FieldType::Number),
        ("confidence", FieldType::Text),
        ("statistic", FieldType::Text),
        ("method", FieldType::Text),
    ],
    summary: "directly standardised rate with Dobson limits",
    body: Body::Rows(|rows, options| {
        let (multiplier, level) = (options[0], args::confidence(options[1]));
        let n = rows[1].iter().map(|&v| required("dsr", "population", v)).collect::<Result<Vec<f64>, String>>()?;
        let w = rows[2]
            .iter()
            .map(|&v| required("dsr", "stdpop (the standard population)", v))
            .collect::<Result<Vec<f64>, String>>()?;
        let e = directly_standardised_rate(&rows[0], &n, &w, multiplier, &[level]).map_err(|e| format!("dsr: {e}"))?;
        let mut out: Vec<Out> = value_and_limits(&e.estimate).into();
        out.extend([Out::Number(Some(e.total_count)), Out::Number(Some(e.total_pop))]);
        out.extend(wording(level, &e.estimate.statistic, Some(e.estimate.method)));
        Ok(out)
    }),
};

#[cfg(test)]
mod tests {
    use super::super::tests::{col, number, run_split, text};
    use super::*;
    use stats::dsr::ESP2013;

    #[test]
    fn equals_the_stats_method_and_suppresses_small_counts() {
        let x: Vec<Option<f64>> = (0..19).map(|i| Some(f64::from(i % 7 + 3))).collect();
        let n: Vec<Option<f64>> = (0..19).map(|i| Some(1000.0 + 37.0 * f64::from(i))).collect();
        let w: Vec<Option<f64>> = ESP2013.iter().map(|&w| Some(w)).collect();
        let r = run_split(&DSR, vec![col(&x), col(&n), col(&w)], vec![100_000.0, 0.95]).unwrap();
        let nn: Vec<f64> = n.iter().flatten().copied().collect();
        let e = directly_standardised_rate(&x, &nn, &ESP2013, 100_000.0, &[stats::ConfidenceLevel::C95]).unwrap();
        let close = |a: f64, b: f64| assert!((a / b - 1.0).abs() < 1e-12, "{a} vs {b}");
        close(number(&r, "value").unwrap(), e.estimate.value.unwrap());
        close(number(&r, "lowercl").unwrap(), e.estimate.limits[0].lower.unwrap());
        close(number(&r, "uppercl").unwrap(), e.estimate.limits[0].upper.unwrap());
        assert_eq!(number(&r, "total_count"), Some(e.total_count));
        assert_eq!(text(&r, "method").as_deref(), Some("Dobson"));

        let r = run_split(
            &DSR,
            vec![col(&[Some(3.0), None]), col(&[Some(10.0), Some(10.0)]), col(&[Some(1.0), Some(1.0)])],
            vec![100_000.0, 0.95],
        )
        .unwrap();
        assert_eq!(number(&r, "value"), None);
        assert_eq!(text(&r, "statistic").as_deref(), Some("dsr NA for total count < 10"));
    }

    #[test]
    fn a_null_population_is_an_error() {
        let e = run_split(
            &DSR,
            vec![col(&[Some(3.0), Some(4.0)]), col(&[Some(10.0), None]), col(&[Some(1.0), Some(1.0)])],
            vec![100_000.0, 0.95],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("dsr: population cannot be null"), "{e}");
        let e = run_split(&DSR, vec![col(&[Some(3.0)]), col(&[Some(0.0)]), col(&[Some(1.0)])], vec![100_000.0, 0.95])
            .unwrap_err()
            .to_string();
        assert!(e.contains("dsr: population must be greater than zero"), "{e}");
    }
}
