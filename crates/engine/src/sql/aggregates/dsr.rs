//! `dsr`: the directly standardised rate of a group's age bands with Dobson limits
//! ([`stats::dsr`]).

use crate::calc::accumulator::{esp2013_band_label, Accumulator, Dsr, DsrInput, DsrRow, DsrStandard};

use super::{refused, value_and_limits, wording, AggregateSpec, Body, FieldType, GroupRows, Out};
use crate::sql::args::{self, number, number_or_age_band, CONFIDENCE};

/// `dsr(count, population, stdpop_or_age_band [, multiplier [, confidence]])` → STRUCT {value,
/// lowercl, uppercl, total_count, total_pop, confidence, statistic, method}: the directly
/// standardised rate of the group's rows (one row per age band), with Dobson limits.
///
/// The third argument is either a standard population (a number: `stdpop`, or
/// `esp2013(age_band)` for the European Standard Population 2013), as `fairer calc dsr
/// --stdpop`; or an age band label (`'0-4'`, …, `'90+'`), which joins ESP 2013 on the band and
/// checks, as `fairer calc dsr --age-band` does, that each group has each of the 19 bands
/// exactly once.
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
/// population or standard population, a negative count, a population ≤ 0, a total standard
/// population of 0, or (by band) a band that is not an ESP 2013 band, given twice or missing,
/// are errors worded as `fairer calc dsr` words them ([`Dsr`]). Non-independent events
/// (`--event-frequency`) are not available in SQL.
pub static DSR: AggregateSpec = AggregateSpec {
    name: "dsr",
    aliases: &[],
    required: &[number("count"), number("population"), number_or_age_band("stdpop_or_age_band")],
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
    body: Body::Rows(evaluate),
};

/// The label of a band given by its start age: the ESP 2013 label of a 5-year band (so that a
/// band given twice reads as `calc` reads it), the start age otherwise.
fn band_label(start_age: f64) -> String {
    if (0.0..=90.0).contains(&start_age) && start_age % 5.0 == 0.0 {
        esp2013_band_label((start_age / 5.0) as u32)
    } else {
        format!("{start_age}")
    }
}

fn evaluate(group: &GroupRows<'_>) -> Result<Vec<Out>, String> {
    let (multiplier, level) = (group.options[0], args::confidence(group.options[1]));
    let by_band = group.text.get(2).copied().unwrap_or(false);
    let standard = if by_band { DsrStandard::Esp2013 } else { DsrStandard::Given };
    let input = DsrInput::new(standard, false, multiplier, &[level]).map_err(|e| format!("dsr: {e}"))?;
    let [count, population, third] = group.columns else {
        return Err("dsr: expected 3 argument columns".into());
    };
    let mut dsr = Dsr::new(&input);
    for i in 0..count.len() {
        let label = if by_band { third[i].map(band_label) } else { None };
        let row = DsrRow {
            count: count[i],
            population: population[i],
            stdpop: if by_band { None } else { third[i] },
            band: label.as_deref(),
            frequency: None,
        };
        dsr.update(row).map_err(|r| refused("dsr", &r))?;
    }
    let e = dsr.evaluate().map_err(|r| refused("dsr", &r))?;
    let mut out: Vec<Out> = value_and_limits(&e.estimate).into();
    out.extend([Out::Number(Some(e.total_count)), Out::Number(Some(e.total_pop))]);
    out.extend(wording(level, &e.estimate.statistic, Some(e.estimate.method)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{col, number, run_split, text};
    use super::*;
    use stats::dsr::{directly_standardised_rate, ESP2013};

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
        assert!(
            e.contains("dsr: population: expected a population (populations cannot be missing), found \"\""),
            "{e}"
        );
        let e = run_split(&DSR, vec![col(&[Some(3.0)]), col(&[Some(0.0)]), col(&[Some(1.0)])], vec![100_000.0, 0.95])
            .unwrap_err()
            .to_string();
        assert!(e.contains("dsr: population must be greater than zero"), "{e}");
    }
}
