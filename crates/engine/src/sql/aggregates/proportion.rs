//! `proportion` (alias `wilson`) and `crude_rate`: a numerator over a denominator summed over
//! the group, with Wilson score or Poisson limits ([`stats::proportion`], [`stats::rate`]).
//!
//! As the reference (and `fairer calc proportion|rate --group-by`) does, x and n are summed
//! over the group first (Σx / Σn); a group with a null x or n has no value (R's `sum` gives NA),
//! so filter nulls out with `WHERE` to ignore them.

use crate::calc::accumulator::{Accumulator, NumeratorDenominator, NumeratorDenominatorKind};

use super::{refused, value_and_limits, wording, AggregateSpec, Body, FieldType, Out};
use crate::sql::args::{self, number, CONFIDENCE};

const FIELDS: &[(&str, FieldType)] = &[
    ("value", FieldType::Number),
    ("lowercl", FieldType::Number),
    ("uppercl", FieldType::Number),
    ("numerator", FieldType::Number),
    ("denominator", FieldType::Number),
    ("confidence", FieldType::Text),
    ("statistic", FieldType::Text),
    ("method", FieldType::Text),
];

/// `proportion(x, n [, multiplier [, confidence]])` (alias `wilson`) → STRUCT {value, lowercl,
/// uppercl, numerator, denominator, confidence, statistic, method}: the proportion Σx/Σn ×
/// multiplier of the group with Wilson score limits.
///
/// Formula: value = Σx/Σn × multiplier; limits
/// `(2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)) × multiplier` with x = Σx, n = Σn,
/// z = Φ⁻¹(c + (1 − c)/2). Defaults: multiplier 1 (100 for a percentage), confidence 0.95.
/// `statistic` is "proportion of 1" or "percentage"; `method` "Wilson". Reference: Wilson EB
/// (1927); Newcombe & Altman (2000); PHEindicatormethods `phe_proportion`. Edge cases: a null
/// x or n in the group gives no value or limits (numerator / denominator null where they had a
/// null); an error for Σx < 0, Σn ≤ 0 or Σx > Σn.
pub static PROPORTION: AggregateSpec = AggregateSpec {
    name: "proportion",
    aliases: &["wilson"],
    required: &[number("x"), number("n")],
    optional: &[args::multiplier(1.0), CONFIDENCE],
    fields: FIELDS,
    summary: "proportion Σx/Σn with Wilson score limits",
    body: Body::Sums(|sums, options| evaluate("proportion", NumeratorDenominatorKind::Proportion, sums, options)),
};

/// `crude_rate(x, n [, multiplier [, confidence]])` → STRUCT {value, lowercl, uppercl,
/// numerator, denominator, confidence, statistic, method}: the crude rate Σx/Σn × multiplier
/// of the group with Poisson limits.
///
/// Formula: value = x/n × multiplier (x = Σx, n = Σn); limits: exact (Garwood) below 10 events,
/// `χ²((1−c)/2; 2x)/2` and `χ²(c+(1−c)/2; 2x+2)/2`, Byar's from 10,
/// `x(1 − 1/(9x) − z/(3√x))³` and `(x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³`, each / n ×
/// multiplier. Defaults: multiplier 100,000, confidence 0.95. `statistic` "rate per 100000";
/// `method` "Exact" or "Byars". Reference: Breslow & Day (1987); Garwood (1936);
/// PHEindicatormethods `phe_rate`. Edge cases: a null x or n in the group gives no value
/// (`method` still says Exact / Byars when x is known); an error for Σx < 0 or Σn ≤ 0.
pub static CRUDE_RATE: AggregateSpec = AggregateSpec {
    name: "crude_rate",
    aliases: &[],
    required: &[number("x"), number("n")],
    optional: &[args::multiplier(100_000.0), CONFIDENCE],
    fields: FIELDS,
    summary: "crude rate Σx/Σn with exact / Byar's Poisson limits",
    body: Body::Sums(|sums, options| evaluate("crude_rate", NumeratorDenominatorKind::CrudeRate, sums, options)),
};

/// The group's sums Σx and Σn (each `None` when a row had a null) through the accumulator
/// `calc proportion|rate` uses.
fn evaluate(
    function: &str,
    kind: NumeratorDenominatorKind,
    sums: &[Option<f64>],
    options: &[f64],
) -> Result<Vec<Out>, String> {
    let (multiplier, level) = (options[0], args::confidence(options[1]));
    let levels = [level];
    let mut group = NumeratorDenominator::new(kind, multiplier, &levels);
    let (x, n) = (sums[0], sums[1]);
    let r = group.update((x, n)).and_then(|()| group.evaluate()).map_err(|r| {
        let (x, n) = (x.unwrap_or_default(), n.unwrap_or_default());
        format!("{} (x = {x}, n = {n} summed over the group)", refused(function, &r))
    })?;
    let mut out: Vec<Out> = match &r.estimate {
        Some(e) => value_and_limits(e).into(),
        None => vec![Out::Number(None); 3],
    };
    out.extend([Out::Number(r.numerator), Out::Number(r.denominator)]);
    let statistic = NumeratorDenominator::statistic(kind, multiplier);
    match &r.estimate {
        Some(e) => out.extend(wording(level, &e.statistic, Some(e.method))),
        None => out.extend(wording(level, &statistic, r.method_if_missing)),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{col, number as num, run_split, text};
    use super::*;

    #[test]
    fn proportion_sums_then_matches_the_reference() {
        // testdata_Prop: Area4 65/100 → 0.65 (0.55254443296887967, 0.73635751756902468), split.
        let r = run_split(
            &PROPORTION,
            vec![col(&[Some(60.0), Some(5.0)]), col(&[Some(90.0), Some(10.0)])],
            vec![1.0, 0.95],
        )
        .unwrap();
        assert!((num(&r, "value").unwrap() - 0.65).abs() < 1e-15);
        assert!((num(&r, "lowercl").unwrap() - 0.55254443296887967).abs() < 1e-15);
        assert!((num(&r, "uppercl").unwrap() - 0.73635751756902468).abs() < 1e-15);
        assert_eq!(num(&r, "numerator"), Some(65.0));
        assert_eq!(text(&r, "statistic").as_deref(), Some("proportion of 1"));
        assert_eq!(text(&r, "method").as_deref(), Some("Wilson"));
        assert_eq!(text(&r, "confidence").as_deref(), Some("95%"));
    }

    #[test]
    fn a_null_gives_no_value() {
        let r =
            run_split(&PROPORTION, vec![col(&[Some(1.0), None]), col(&[Some(10.0), Some(10.0)])], vec![100.0, 0.95])
                .unwrap();
        assert_eq!(num(&r, "value"), None);
        assert_eq!(num(&r, "numerator"), None);
        assert_eq!(num(&r, "denominator"), Some(20.0));
        assert_eq!(text(&r, "statistic").as_deref(), Some("percentage"));
    }

    #[test]
    fn x_above_n_is_an_error() {
        let e = run_split(&PROPORTION, vec![col(&[Some(11.0)]), col(&[Some(10.0)])], vec![1.0, 0.95])
            .unwrap_err()
            .to_string();
        assert!(e.contains("proportion: numerator (11) must be less than or equal to denominator (10)"), "{e}");
    }

    #[test]
    fn crude_rate_matches_the_reference() {
        // testdata_Rate: Area7 222/3215 per 100 at 99.8%: 6.9051321928460334 (5.5607376952598537, 8.4610466817334107).
        let r = run_split(
            &CRUDE_RATE,
            vec![col(&[Some(200.0), Some(22.0)]), col(&[Some(3000.0), Some(215.0)])],
            vec![100.0, 0.998],
        )
        .unwrap();
        let close = |a: f64, b: f64| assert!((a / b - 1.0).abs() < 1e-12, "{a} vs {b}");
        close(num(&r, "value").unwrap(), 6.9051321928460334);
        close(num(&r, "lowercl").unwrap(), 5.5607376952598537);
        close(num(&r, "uppercl").unwrap(), 8.4610466817334107);
        assert_eq!(text(&r, "method").as_deref(), Some("Byars"));
        assert_eq!(text(&r, "statistic").as_deref(), Some("rate per 100"));
        assert_eq!(text(&r, "confidence").as_deref(), Some("99.8%"));
    }
}
