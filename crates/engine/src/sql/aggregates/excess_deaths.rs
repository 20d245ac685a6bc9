//! `excess_deaths`: deaths attributable to the deprivation gradient in a group, and their years
//! of life lost ([`stats::arriaga::excess_deaths`], as `fairer calc excess-deaths` computes it).

use stats::arriaga::{potential_years_per_death, AGE_BAND_STARTS};

use super::{refused, required, AggregateSpec, Body, FieldType, Out};
use crate::calc::accumulator::{Accumulator, ExcessDeaths, ExcessDeathsRow};
use crate::calc::excess_deaths::{quantile_text, BAND_MID_AGES};
use crate::sql::args::{age_band, number, Check, OptionalArg};

/// `excess_deaths(quantile, start_age, deaths, population [, reference [, upper_age]])` →
/// STRUCT {observed, population, expected, excess, excess_percent, years_of_life_lost,
/// reference}: the group's deaths there would not have been had every deprivation quantile the
/// death rates of the reference quantile, band by band.
///
/// The group's rows are one per quantile (1 the most deprived) and life-table band (start age
/// 0, 1, 5, …, 90 or a label); for the crude form give one band (`0`) per quantile. Formula, per
/// band b: rate_b = deaths(ref, b) / population(ref, b); expected = Σ_q,b population(q, b) ×
/// rate_b; excess = observed − expected; years of life lost = Σ_q,b excess(q, b) ×
/// max(upper_age − mid-age_b, 0), mid-ages 0.5, 3, 7.5, …, 87.5, 92.5. `reference` is the
/// reference quantile (default 0: the highest-numbered present, the least deprived);
/// `upper_age` 75 by default. Monetise in SQL: `excess_deaths(…).years_of_life_lost * 70000`.
/// Reference: OHID Segment Tool and excess deaths technical notes; Gardner & Sanborn (1990).
///
/// Edge cases: a null argument, negative deaths or population, or a quantile and band given
/// twice is an error worded as `fairer calc excess-deaths` words it ([`ExcessDeaths`]); so is a
/// reference quantile with no rows, or with no population in a band where other quantiles have
/// some.
pub static EXCESS_DEATHS: AggregateSpec = AggregateSpec {
    name: "excess_deaths",
    aliases: &[],
    required: &[number("quantile"), age_band("start_age"), number("deaths"), number("population")],
    optional: &[
        OptionalArg { name: "reference", default: 0.0, check: Check::Finite },
        OptionalArg { name: "upper_age", default: 75.0, check: Check::Finite },
    ],
    fields: &[
        ("observed", FieldType::Number),
        ("population", FieldType::Number),
        ("expected", FieldType::Number),
        ("excess", FieldType::Number),
        ("excess_percent", FieldType::Number),
        ("years_of_life_lost", FieldType::Number),
        ("reference", FieldType::Text),
    ],
    summary: "deaths attributable to the deprivation gradient, and their years of life lost",
    body: Body::Rows(|group| {
        let (rows, options) = (group.columns, group.options);
        let f = "excess_deaths";
        let years = potential_years_per_death(&BAND_MID_AGES, options[1]).map_err(|e| format!("{f}: {e}"))?;
        let reference = (options[0] != 0.0).then_some(options[0]);
        let mut quantiles = ExcessDeaths::new(true, reference, Some(&years));
        for (((&q, &start), &deaths), &pop) in rows[0].iter().zip(&rows[1]).zip(&rows[2]).zip(&rows[3]) {
            let q = required(f, "quantile", q)?;
            let start = required(f, "start_age", start)?;
            let deaths = required(f, "deaths", deaths)?;
            let pop = required(f, "population", pop)?;
            let band = AGE_BAND_STARTS
                .iter()
                .position(|&s| f64::from(s) == start)
                .ok_or_else(|| format!("{f}: start_age must be one of 0, 1, 5, …, 90, got {start}"))?;
            let row =
                ExcessDeathsRow { quantile: Some(q), band: Some(band), deaths: Some(deaths), population: Some(pop) };
            quantiles.update(row).map_err(|r| refused(f, &r))?;
        }
        let result = quantiles.evaluate().map_err(|r| refused(f, &r))?;
        let all = result.all;
        Ok(vec![
            Out::Number(Some(all.observed)),
            Out::Number(Some(all.population)),
            Out::Number(Some(all.expected)),
            Out::Number(Some(all.excess)),
            Out::Number((all.observed > 0.0).then(|| 100.0 * all.excess / all.observed)),
            Out::Number(all.yll),
            Out::Text(Some(quantile_text(result.reference))),
        ])
    }),
};

#[cfg(test)]
mod tests {
    use super::super::tests::{col, number, run_split, text};
    use super::*;
    use datafusion::arrow::array::{ArrayRef, StringArray};
    use std::sync::Arc;

    /// Age bands as SQL gives them: text labels.
    fn labels(v: &[&str]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    #[test]
    fn by_band_as_the_calc_command_worked_example() {
        // As `fairer calc excess-deaths`' worked example: band 0, reference rate 1/500, q1
        // expected 2 (excess 2, 74.5 years each); 90+, rate 100/400, q1 expected 25 (excess 25,
        // no years before 75). Totals: observed 155, expected 128, excess 27, YLL 149.
        let q = col(&[Some(1.0), Some(2.0), Some(1.0), Some(2.0)]);
        let age = labels(&["0", "0", "90+", "90+"]);
        let d = col(&[Some(4.0), Some(1.0), Some(50.0), Some(100.0)]);
        let p = col(&[Some(1000.0), Some(500.0), Some(100.0), Some(400.0)]);
        let r = run_split(&EXCESS_DEATHS, vec![q, age, d, p], vec![0.0, 75.0]).unwrap();
        assert_eq!(number(&r, "observed"), Some(155.0));
        assert_eq!(number(&r, "expected"), Some(128.0));
        assert_eq!(number(&r, "excess"), Some(27.0));
        assert_eq!(number(&r, "years_of_life_lost"), Some(149.0));
        assert_eq!(text(&r, "reference").as_deref(), Some("2"));
    }

    #[test]
    fn a_missing_reference_and_a_repeated_band_are_errors() {
        let q = col(&[Some(1.0), Some(2.0)]);
        let z = labels(&["0", "0"]);
        let e = run_split(
            &EXCESS_DEATHS,
            vec![q.clone(), z.clone(), col(&[Some(3.0), Some(1.0)]), col(&[Some(10.0), Some(10.0)])],
            vec![7.0, 75.0],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("excess_deaths: the reference quantile 7"), "{e}");
        let e = run_split(
            &EXCESS_DEATHS,
            vec![col(&[Some(1.0), Some(1.0)]), z, col(&[Some(3.0), Some(1.0)]), col(&[Some(10.0), Some(10.0)])],
            vec![0.0, 75.0],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("excess_deaths: start age: expected each age band once for quantile 1"), "{e}");
    }
}
