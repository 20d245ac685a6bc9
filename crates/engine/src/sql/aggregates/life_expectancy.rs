//! `life_expectancy`: life expectancy from a group's abridged life table (Chiang II, Silcocks
//! et al. limits) at birth or another start age ([`stats::life_expectancy`]).

use stats::life_expectancy::LIFE_TABLE_START_AGES;

use super::{refused, wording, AggregateSpec, Body, FieldType, Out};
use crate::calc::accumulator::{Accumulator, LifeExpectancy, LifeExpectancyRow};
use crate::calc::life_expectancy::METHOD;
use crate::sql::args::{self, age_band, number, Check, OptionalArg, CONFIDENCE};

/// `life_expectancy(start_age, deaths, population [, age [, confidence]])` → STRUCT {value,
/// lowercl, uppercl, standard_error, pops_used, dths_used, confidence, statistic, method,
/// note}: life expectancy at `age` (0, at birth, by default) from the group's 20 bands.
///
/// The group's rows are the 20 bands with start ages 0, 1, 5, 10, …, 85, 90 (under 1, 1–4,
/// 5–9, …, 90+), given as numbers or labels (`1-4`, `90+`). Formula (Chiang II): Mₓ = Dₓ/Pₓ,
/// qₓ = Mₓnₓ/(1 + Mₓnₓ(1 − aₓ)) (a₀ = 0.1, else 0.5), lₓ₊ = lₓ(1 − qₓ), Lₓ = nₓ(lₓ₊ + aₓdₓ)
/// (L₉₀ = l₉₀/M₉₀), eₓ = Σ_{y≥x} L_y / lₓ; SE by Chiang with Silcocks et al.'s final band;
/// limits eₓ ∓ z·SE. `age` is one of the 20 start ages (default 0); confidence 0.95 by default.
/// `pops_used` / `dths_used` are the population and deaths at ages ≥ `age`. `statistic` reads
/// "life expectancy at 0"; `method` "Chiang, using Silcocks et al for confidence limits".
/// Reference: Chiang (1968); Silcocks, Jenner & Reza (2001), JECH 55: 38-43; PHE Life
/// Expectancy Calculator; PHEindicatormethods `phe_life_expectancy`.
///
/// Edge cases (as the reference, with the reason in `note`): no value and no limits for a group
/// with negative deaths, a population ≤ 0, not exactly the 20 bands, deaths above population,
/// a total population ≤ 5,000 or no deaths at 90+; no value (limits kept) when the 95% interval
/// is wider than 20 years. A null start age, deaths or population, a start age that is not one
/// of the 20, or an `age` that is not a start age, is an error.
pub static LIFE_EXPECTANCY: AggregateSpec = AggregateSpec {
    name: "life_expectancy",
    aliases: &[],
    required: &[age_band("start_age"), number("deaths"), number("population")],
    optional: &[OptionalArg { name: "age", default: 0.0, check: Check::Whole(0, 90) }, CONFIDENCE],
    fields: &[
        ("value", FieldType::Number),
        ("lowercl", FieldType::Number),
        ("uppercl", FieldType::Number),
        ("standard_error", FieldType::Number),
        ("pops_used", FieldType::Number),
        ("dths_used", FieldType::Number),
        ("confidence", FieldType::Text),
        ("statistic", FieldType::Text),
        ("method", FieldType::Text),
        ("note", FieldType::Text),
    ],
    summary: "life expectancy (abridged life table, Chiang II / Silcocks limits)",
    body: Body::Rows(|group| {
        let (age, level) = (group.options[0], args::confidence(group.options[1]));
        if !LIFE_TABLE_START_AGES.contains(&age) {
            return Err(format!("life_expectancy: age must be one of the start ages 0, 1, 5, 10, …, 90, got {age}"));
        }
        let levels = [level];
        let [ages, deaths, population] = group.columns else {
            return Err("life_expectancy: expected 3 argument columns".into());
        };
        let mut bands = LifeExpectancy::new(&levels);
        for i in 0..ages.len() {
            let row = LifeExpectancyRow { start_age: ages[i], deaths: deaths[i], population: population[i] };
            bands.update(row).map_err(|r| refused("life_expectancy", &r))?;
        }
        let table = bands.evaluate().map_err(|r| refused("life_expectancy", &r))?;
        let statistic = format!("life expectancy at {age}");
        let mut out = match table.iter().find(|r| r.start_age == age) {
            Some(r) => {
                let l = r.estimate.limits.first();
                vec![
                    Out::Number(r.estimate.value),
                    Out::Number(l.and_then(|l| l.lower)),
                    Out::Number(l.and_then(|l| l.upper)),
                    Out::Number(r.standard_error),
                    Out::Number(Some(r.population_used)),
                    Out::Number(Some(r.deaths_used)),
                ]
            }
            None => vec![Out::Number(None); 6],
        };
        out.extend(wording(level, &statistic, Some(METHOD)));
        let note = table.iter().find(|r| r.start_age == age).or(table.first()).and_then(|r| r.note);
        out.push(Out::Text(note.map(|n| n.to_string())));
        Ok(out)
    }),
};

#[cfg(test)]
mod tests {
    use super::super::tests::{col, number, run_split, text};
    use super::*;
    use datafusion::arrow::array::{ArrayRef, StringArray};
    use stats::life_expectancy::life_expectancy;
    use std::sync::Arc;

    // The reference's worked example (life_expectancy_worked_example.csv).
    const POPS: [f64; 20] = [
        7060.0, 35059.0, 46974.0, 48489.0, 43219.0, 38561.0, 46009.0, 57208.0, 61435.0, 55601.0, 50209.0, 56416.0,
        46411.0, 39820.0, 37978.0, 37039.0, 33288.0, 23306.0, 11936.0, 11936.0,
    ];
    const DEATHS: [f64; 20] = [
        17.0, 9.0, 4.0, 8.0, 20.0, 15.0, 24.0, 33.0, 50.0, 71.0, 100.0, 163.0, 263.0, 304.0, 536.0, 872.0, 1390.0,
        1605.0, 1936.0, 1937.0,
    ];

    fn bands() -> ArrayRef {
        let labels: Vec<String> = LIFE_TABLE_START_AGES
            .iter()
            .map(|&a| {
                if a == 0.0 {
                    "0".into()
                } else if a == 90.0 {
                    "90+".into()
                } else if a == 1.0 {
                    "1-4".into()
                } else {
                    format!("{a}-{}", a + 4.0)
                }
            })
            .collect();
        Arc::new(StringArray::from(labels))
    }

    fn some(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().map(|&x| Some(x)).collect()
    }

    #[test]
    fn at_birth_and_at_65_match_the_stats_method() {
        let r = run_split(&LIFE_EXPECTANCY, vec![bands(), col(&some(&DEATHS)), col(&some(&POPS))], vec![0.0, 0.95])
            .unwrap();
        assert!((number(&r, "value").unwrap() - 80.16960813).abs() < 1e-8);
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &DEATHS, &POPS, &[stats::ConfidenceLevel::C95]).unwrap();
        assert_eq!(number(&r, "value"), rows[0].estimate.value);
        assert_eq!(number(&r, "lowercl"), rows[0].estimate.limits[0].lower);
        assert_eq!(text(&r, "statistic").as_deref(), Some("life expectancy at 0"));
        assert_eq!(text(&r, "note"), None);
        let r = run_split(&LIFE_EXPECTANCY, vec![bands(), col(&some(&DEATHS)), col(&some(&POPS))], vec![65.0, 0.95])
            .unwrap();
        assert_eq!(number(&r, "value"), rows[14].estimate.value);
        assert_eq!(number(&r, "pops_used"), Some(rows[14].population_used));
    }

    #[test]
    fn unusable_groups_say_why_and_bad_ages_are_errors() {
        let mut small = POPS;
        small.iter_mut().for_each(|p| *p = 200.0);
        let mut deaths = DEATHS;
        deaths.iter_mut().for_each(|d| *d = 2.0);
        let r = run_split(&LIFE_EXPECTANCY, vec![bands(), col(&some(&deaths)), col(&some(&small))], vec![0.0, 0.95])
            .unwrap();
        assert_eq!(number(&r, "value"), None);
        assert!(text(&r, "note").unwrap().contains("total population of less than 5,000"));
        let e = run_split(&LIFE_EXPECTANCY, vec![bands(), col(&some(&DEATHS)), col(&some(&POPS))], vec![3.0, 0.95])
            .unwrap_err()
            .to_string();
        assert!(e.contains("life_expectancy: age must be one of the start ages"), "{e}");
    }
}
