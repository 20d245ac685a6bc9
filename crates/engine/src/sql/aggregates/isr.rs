//! `isratio` and `israte`: indirectly standardised ratios and rates of a group's age bands
//! ([`stats::isr`]).
//!
//! The reference population's counts and populations are columns of the same rows: join the
//! reference table on the age band first, e.g.
//! `SELECT t.area, isratio(t.count, t.pop, r.refcount, r.refpop).value FROM t JOIN ref r ON t.ageband = r.ageband GROUP BY t.area`.

use stats::isr::IsrEstimate;
use stats::ConfidenceLevel;

use crate::calc::accumulator::{Accumulator, Isr, IsrKind, IsrRow};

use super::{refused, value_and_limits, wording, AggregateSpec, Body, FieldType, GroupRows, Out};
use crate::sql::args::{self, number, Check, OptionalArg, CONFIDENCE};

const ARGS: &[crate::sql::args::Arg] =
    &[number("count"), number("population"), number("ref_count"), number("ref_population")];

fn result(e: &IsrEstimate, level: ConfidenceLevel, with_ref_rate: bool) -> Vec<Out> {
    let mut out: Vec<Out> = value_and_limits(&e.estimate).into();
    out.extend([Out::Number(Some(e.observed)), Out::Number(Some(e.expected))]);
    if with_ref_rate {
        out.push(Out::Number(e.ref_rate));
    }
    out.extend(wording(level, &e.estimate.statistic, Some(e.estimate.method)));
    out
}

/// The group's age bands through the accumulator `calc isratio|israte` uses.
fn evaluate(function: &str, kind: IsrKind, group: &GroupRows<'_>) -> Result<IsrEstimate, String> {
    let levels = [args::confidence(group.options[1])];
    let [count, population, ref_count, ref_population] = group.columns else {
        return Err(format!("{function}: expected 4 argument columns"));
    };
    let mut isr = Isr::new(kind.checked().map_err(|e| format!("{function}: {e}"))?, &levels);
    for i in 0..count.len() {
        let row = IsrRow {
            count: count[i],
            population: population[i],
            ref_count: ref_count[i],
            ref_population: ref_population[i],
        };
        isr.update(row).map_err(|r| refused(function, &r))?;
    }
    isr.evaluate().map_err(|r| refused(function, &r))
}

/// `isratio(count, population, ref_count, ref_population [, refvalue [, confidence]])` →
/// STRUCT {value, lowercl, uppercl, observed, expected, confidence, statistic, method}: the
/// indirectly standardised ratio (e.g. an SMR) of the group's age bands.
///
/// Formula: E = Σ ref_countᵢ/ref_populationᵢ · populationᵢ, O = Σ countᵢ,
/// ratio = O/E × refvalue; limits: exact Poisson limits of O below 10 observed, Byar's from
/// 10, divided by E and × refvalue. Defaults: refvalue 1 (100 for an SMR as a percentage),
/// confidence 0.95. `statistic` "indirectly standardised ratio x 1"; `method` "Exact" or
/// "Byars". Reference: Breslow & Day (1987); PHEindicatormethods `calculate_ISRatio`.
/// Edge cases: null counts and populations are taken as 0 (as the reference); E = 0 gives no
/// value; a null or non-positive ref_population, or a negative count, is an error.
pub static ISRATIO: AggregateSpec = AggregateSpec {
    name: "isratio",
    aliases: &[],
    required: ARGS,
    optional: &[OptionalArg { name: "refvalue", default: 1.0, check: Check::Positive }, CONFIDENCE],
    fields: &[
        ("value", FieldType::Number),
        ("lowercl", FieldType::Number),
        ("uppercl", FieldType::Number),
        ("observed", FieldType::Number),
        ("expected", FieldType::Number),
        ("confidence", FieldType::Text),
        ("statistic", FieldType::Text),
        ("method", FieldType::Text),
    ],
    summary: "indirectly standardised ratio O/E with exact / Byar's limits",
    body: Body::Rows(|group| {
        let e = evaluate("isratio", IsrKind::Ratio { refvalue: group.options[0] }, group)?;
        Ok(result(&e, args::confidence(group.options[1]), false))
    }),
};

/// `israte(count, population, ref_count, ref_population [, multiplier [, confidence]])` →
/// STRUCT {value, lowercl, uppercl, observed, expected, ref_rate, confidence, statistic,
/// method}: the indirectly standardised rate of the group's age bands.
///
/// Formula: rate = O/E × Σref_count/Σref_population × multiplier, with O, E and the limits as
/// in `isratio` scaled the same way; `ref_rate` = Σref_count/Σref_population × multiplier.
/// Defaults: multiplier 100,000, confidence 0.95. Reference: PHEindicatormethods
/// `calculate_ISRate`. Edge cases as `isratio`.
pub static ISRATE: AggregateSpec = AggregateSpec {
    name: "israte",
    aliases: &[],
    required: ARGS,
    optional: &[args::multiplier(100_000.0), CONFIDENCE],
    fields: &[
        ("value", FieldType::Number),
        ("lowercl", FieldType::Number),
        ("uppercl", FieldType::Number),
        ("observed", FieldType::Number),
        ("expected", FieldType::Number),
        ("ref_rate", FieldType::Number),
        ("confidence", FieldType::Text),
        ("statistic", FieldType::Text),
        ("method", FieldType::Text),
    ],
    summary: "indirectly standardised rate with exact / Byar's limits",
    body: Body::Rows(|group| {
        let e = evaluate("israte", IsrKind::Rate { multiplier: group.options[0] }, group)?;
        Ok(result(&e, args::confidence(group.options[1]), true))
    }),
};

#[cfg(test)]
mod tests {
    use super::super::tests::{col, number, run_split, text};
    use super::*;
    use stats::isr::{indirectly_standardised_rate, indirectly_standardised_ratio};

    #[test]
    fn ratio_and_rate_equal_the_stats_methods() {
        let x = [Some(5.0), Some(8.0), None, Some(20.0)];
        let n = [Some(1000.0), Some(900.0), Some(800.0), Some(700.0)];
        let xr = [Some(500.0), Some(700.0), Some(900.0), Some(1500.0)];
        let nr = [100_000.0, 90_000.0, 80_000.0, 70_000.0];
        let nr_opt: Vec<Option<f64>> = nr.iter().map(|&v| Some(v)).collect();
        let r = run_split(&ISRATIO, vec![col(&x), col(&n), col(&xr), col(&nr_opt)], vec![100.0, 0.95]).unwrap();
        let e = indirectly_standardised_ratio(&x, &n, &xr, &nr, 100.0, &[ConfidenceLevel::C95]).unwrap();
        assert_eq!(number(&r, "value"), e.estimate.value);
        assert_eq!(number(&r, "uppercl"), e.estimate.limits[0].upper);
        assert_eq!(number(&r, "observed"), Some(33.0));
        assert_eq!(text(&r, "method").as_deref(), Some("Byars"));
        let r = run_split(&ISRATE, vec![col(&x), col(&n), col(&xr), col(&nr_opt)], vec![100_000.0, 0.95]).unwrap();
        let e = indirectly_standardised_rate(&x, &n, &xr, &nr, 100_000.0, &[ConfidenceLevel::C95]).unwrap();
        let close = |a: f64, b: f64| assert!((a / b - 1.0).abs() < 1e-12, "{a} vs {b}");
        close(number(&r, "value").unwrap(), e.estimate.value.unwrap());
        close(number(&r, "ref_rate").unwrap(), e.ref_rate.unwrap());
    }

    #[test]
    fn a_null_reference_population_is_an_error() {
        let e = run_split(
            &ISRATIO,
            vec![col(&[Some(1.0)]), col(&[Some(1.0)]), col(&[Some(1.0)]), col(&[None])],
            vec![1.0, 0.95],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("isratio: reference population: expected a reference population (it cannot be missing)"),
            "{e}"
        );
    }
}
