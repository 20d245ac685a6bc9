//! `inequality`: one summary measure of health inequality of WHO's HEAT (and Fairer's
//! percentile measures) over the subgroups of a dimension, one row per subgroup
//! ([`stats::inequality`]), as `fairer calc summary-measures` computes them.

use stats::inequality::{summary_measure, MeasureCode, PopulationUnit, SummaryOptions};

use super::{AggregateSpec, Body, FieldType, Out};
use crate::calc::accumulator::{Accumulator, KindInput, Refusal, SubgroupOrder, SummaryMeasures, SummaryMeasuresRow};
use crate::sql::args::{self, measure, number, optional_number, CONFIDENCE};

/// `inequality(measure, estimate, se, population, subgroup_order, ordered, favourable, scale
/// [, reference [, setting_average [, confidence]]])` → STRUCT {value, se, lowercl, uppercl,
/// confidence, statistic, method, unavailable}: the summary measure `measure` of the group's
/// subgroups, one row per subgroup, as HEAT (WHO Health Equity Assessment Toolkit) computes it.
///
/// The arguments are the columns of HEAT Plus's upload template, so on a table in that
/// template the call reads
/// `inequality('sii', estimate, se, population, subgroup_order, ordered_dimension,
/// favourable_indicator, indicator_scale, reference_subgroup, setting_average)`:
///
/// - `measure`: the measure's abbreviation as text, in any case: `'d'`, `'r'`, `'par'`,
///   `'paf'`, `'aci'`, `'rci'`, `'sii'`, `'rii'`, `'bgv'`, `'bgsd'`, `'cov'`, `'mld'`, `'ti'`,
///   `'idisu'`, `'idisw'`, `'mdbu'`, `'mdbw'`, `'mdmu'`, `'mdmw'`, `'mdru'`, `'mdrw'`, and
///   Fairer's percentile measures `'d8020'`, `'r8020'`, `'d9010'`, `'r9010'`
///   ([`stats::inequality::percentile`]). It may be a column (for example from a table of
///   measures joined in) but must be the same on every row of a group.
/// - `estimate`, `se`, `population` (a count), `subgroup_order` (1 the most disadvantaged; in
///   a non-ordered dimension the display order, or null): per subgroup, null where missing.
/// - `ordered` (1 ordered, 0 non-ordered; a binary dimension is a non-ordered one of two
///   subgroups), `favourable` (1 higher is better, 0 adverse), `scale` (100 for
///   percentages, 1000 for rates per 1,000, 1 for proportions): per dimension, a constant or a
///   column with the same value on every row of the group.
/// - `reference` (optional): 1 on the reference subgroup, 0 or null elsewhere.
/// - `setting_average` (optional): the setting average, used when populations are missing.
/// - `confidence` (optional constant): 0.95 by default, as HEAT.
///
/// Formula: each measure's, as documented in [`stats::inequality`] (for example D =
/// y_max − y_min between HEAT's pair of subgroups with interval D ± z·√(SE_max² + SE_min²);
/// BGV = Σ p_j (y_j − μ)²; SII and RII from HEAT's logistic model), with HEAT's availability
/// rules. The simulated intervals use HEAT's 100 draws from R's generator after
/// `set.seed(123456)`, as `fairer calc summary-measures` does by default. Reference: WHO,
/// *Health Equity Assessment Toolkit (HEAT and HEAT Plus): Technical notes* (2024);
/// WHOequity/HEAT-Measures.
///
/// `statistic` is the measure's name, `method` how its interval is computed (analytic, delta,
/// regression, simulation). A measure that is not available (the wrong kind of dimension, too
/// few subgroups, missing populations, a zero denominator, …) has a null `value` and the
/// reason in `unavailable`, never an error.
///
/// Edge cases: SQL gives a group's rows in no fixed order, so the subgroups are put in a fixed
/// one before computing: by `subgroup_order`, then estimate, SE, population (nulls last).
/// `fairer calc summary-measures` keeps the file's order among subgroups of equal (or no)
/// order, so for a non-ordered dimension without `subgroup_order` the simulated limits (which
/// draw the subgroups in turn) agree with it only when the file lists the subgroups by
/// estimate; values, and every other interval, agree whatever the order. Populations are
/// counts (not shares). Errors: a null measure, `ordered`, `favourable` or `scale`; any of
/// them (or `setting_average`) differing within the group; a flag other than 0 or 1; a scale
/// ≤ 0 (the checks of [`SummaryMeasures`], which `fairer calc summary-measures` makes too, row
/// by row); and the input errors of [`stats::inequality::summary_measures`] (a negative SE or
/// population, a non-finite number, two reference subgroups, an ordered dimension with a
/// subgroup without order, orders for only some subgroups).
pub static INEQUALITY: AggregateSpec = AggregateSpec {
    name: "inequality",
    aliases: &[],
    required: &[
        measure("measure"),
        number("estimate"),
        number("se"),
        number("population"),
        number("subgroup_order"),
        number("ordered"),
        number("favourable"),
        number("scale"),
        optional_number("reference"),
        optional_number("setting_average"),
    ],
    optional: &[CONFIDENCE],
    fields: &[
        ("value", FieldType::Number),
        ("se", FieldType::Number),
        ("lowercl", FieldType::Number),
        ("uppercl", FieldType::Number),
        ("confidence", FieldType::Text),
        ("statistic", FieldType::Text),
        ("method", FieldType::Text),
        ("unavailable", FieldType::Text),
    ],
    summary: "a HEAT summary measure of inequality (d, r, par, paf, aci, rci, sii, rii, bgv, …, d8020) over a dimension's subgroups",
    body: Body::Rows(|group| evaluate(group.columns, group.options)),
};

const NAME: &str = "inequality";

/// The columns, in the order of [`INEQUALITY`]'s arguments.
const MEASURE: usize = 0;
const ESTIMATE: usize = 1;
const SE: usize = 2;
const POPULATION: usize = 3;
const ORDER: usize = 4;
const ORDERED: usize = 5;
const FAVOURABLE: usize = 6;
const SCALE: usize = 7;
const REFERENCE: usize = 8;
const SETTING_AVERAGE: usize = 9;

/// An argument's name for an input the accumulator names.
fn argument(input: &'static str) -> &'static str {
    match input {
        "kind of dimension" => "ordered",
        "favourable flag" => "favourable",
        "indicator scale" => "scale",
        "reference flag" => "reference",
        "setting average" => "setting_average",
        other => other,
    }
}

/// The accumulator's refusal as this function's error, naming the argument: `… cannot be
/// null`, `… must be …, got …`, `… must be the same on every row of a group, got … and …`.
fn refused(refusal: Refusal) -> String {
    match refusal {
        Refusal::Value { input, found, .. } if found.is_empty() => {
            format!("{NAME}: {} cannot be null", argument(input))
        }
        Refusal::Value { input, expected, found } => {
            format!("{NAME}: {} must be {expected}, got {found}", argument(input))
        }
        Refusal::Differs { input, first, found } => {
            format!("{NAME}: {} must be the same on every row of a group, got {first} and {found}", argument(input))
        }
        Refusal::Row { .. } | Refusal::Group(_) => format!("{NAME}: {refusal}"),
    }
}

fn evaluate(columns: &[Vec<Option<f64>>], options: &[f64]) -> Result<Vec<Out>, String> {
    let column = |i: usize| -> Result<&[Option<f64>], String> {
        columns
            .get(i)
            .map(Vec::as_slice)
            .ok_or_else(|| format!("{NAME}: internal error: argument column {} missing", i + 1))
    };
    let level = args::confidence(options.first().copied().unwrap_or(0.95));
    let (measure, estimate, se, population, order) =
        (column(MEASURE)?, column(ESTIMATE)?, column(SE)?, column(POPULATION)?, column(ORDER)?);
    let (ordered, favourable, scale, reference, setting_average) =
        (column(ORDERED)?, column(FAVOURABLE)?, column(SCALE)?, column(REFERENCE)?, column(SETTING_AVERAGE)?);
    let at = |c: &[Option<f64>], i: usize| c.get(i).copied().flatten();
    let mut dimension = SummaryMeasures::new(SubgroupOrder::Sorted, PopulationUnit::Count).with_measure();
    dimension.reserve(estimate.len());
    for i in 0..estimate.len() {
        let row = SummaryMeasuresRow {
            subgroup: None,
            estimate: at(estimate, i),
            se: at(se, i),
            lower_95: None,
            upper_95: None,
            population: at(population, i),
            order: at(order, i),
            reference: at(reference, i),
            setting_average: at(setting_average, i),
            kind: KindInput::Flag(at(ordered, i)),
            favourable: at(favourable, i),
            scale: at(scale, i),
            measure: at(measure, i).and_then(|c| MeasureCode::ALL.get(c as usize).copied()),
        };
        dimension.update(row).map_err(refused)?;
    }
    let code = dimension.measure();
    let options = SummaryOptions { confidence: level, ..SummaryOptions::default() };
    let m = dimension
        .with_input(|input| code.map(|code| summary_measure(input, &options, code)))
        .map_err(refused)?
        .ok_or_else(|| format!("{NAME}: measure cannot be null"))?
        .map_err(|e| format!("{NAME}: {e}"))?;
    Ok(vec![
        Out::Number(m.value()),
        Out::Number(m.se),
        Out::Number(m.lower()),
        Out::Number(m.upper()),
        Out::Text(Some(level.label())),
        Out::Text(Some(m.name.to_string())),
        Out::Text(Some(m.method().to_string())),
        Out::Text(m.unavailable),
    ])
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    //! The numbers are those of the `stats` tests: HEAT's own R code on five quintiles (see
    //! `stats::inequality::tests`), and the percentile measures by hand.
    use datafusion::arrow::array::{ArrayRef, StringArray};
    use std::sync::Arc;

    use super::super::tests::{col, number, run_split, text};
    use super::*;

    fn codes(code: &str, n: usize) -> ArrayRef {
        Arc::new(StringArray::from(vec![Some(code); n]))
    }

    /// The quintiles of `stats::inequality::tests::quintiles`, rows out of order: order 3, 1,
    /// 5, 2, 4; estimates 65, 50, 80, 60, 72; SEs 2, 3, 2, 2.5, 2.2; populations 900, 1000,
    /// 800, 1200, 1100.
    fn quintile_columns(code: &str, favourable: f64) -> Vec<ArrayRef> {
        vec![
            codes(code, 5),
            col(&[Some(65.0), Some(50.0), Some(80.0), Some(60.0), Some(72.0)]),
            col(&[Some(2.0), Some(3.0), Some(2.0), Some(2.5), Some(2.2)]),
            col(&[Some(900.0), Some(1000.0), Some(800.0), Some(1200.0), Some(1100.0)]),
            col(&[Some(3.0), Some(1.0), Some(5.0), Some(2.0), Some(4.0)]),
            col(&[Some(1.0); 5]),
            col(&[Some(favourable); 5]),
            col(&[Some(100.0); 5]),
        ]
    }

    fn close(got: Option<f64>, expected: f64) {
        let g = got.unwrap_or_else(|| panic!("expected {expected}, got null"));
        assert!((g - expected).abs() <= 1e-9 * expected.abs().max(1.0), "got {g}, expected {expected}");
    }

    #[test]
    fn quintiles_match_heat() {
        // HEAT's values (stats: quintiles_all_measures_match_heat).
        for (code, value, lower, upper) in [
            ("d", 30.0, 22.933249355678129, 37.066750644321871),
            ("SII", 33.851177258893919, 29.924104997213817, 37.778249520574022),
            ("rii", 1.7273761684657261, 1.614881656202815, 1.8477071777503613),
            ("aci", 5.5563999999999982, 4.9200732901832831, 6.1927267098167134),
        ] {
            let r = run_split(&INEQUALITY, quintile_columns(code, 1.0), vec![0.95]).unwrap();
            close(number(&r, "value"), value);
            close(number(&r, "lowercl"), lower);
            close(number(&r, "uppercl"), upper);
            assert_eq!(text(&r, "unavailable"), None);
            assert_eq!(text(&r, "confidence").as_deref(), Some("95%"));
        }
        let r = run_split(&INEQUALITY, quintile_columns("d", 1.0), vec![0.95]).unwrap();
        close(number(&r, "se"), 13.0f64.sqrt());
        assert_eq!(text(&r, "statistic").as_deref(), Some("Difference"));
        assert_eq!(text(&r, "method").as_deref(), Some("analytic"));
        // Adverse: D = q1 − q5.
        let r = run_split(&INEQUALITY, quintile_columns("d", 0.0), vec![0.95]).unwrap();
        close(number(&r, "value"), -30.0);
    }

    #[test]
    fn unavailable_measure_is_a_null_value_with_the_reason() {
        let r = run_split(&INEQUALITY, quintile_columns("bgv", 1.0), vec![0.95]).unwrap();
        assert_eq!(number(&r, "value"), None);
        assert_eq!(text(&r, "unavailable").as_deref(), Some("applies only to non-ordered dimensions"));
        // Non-ordered with reference and setting average columns; percentile measure by hand:
        // 10, 20, 30, 40, 50 → P80 − P20 = 42 − 18.
        let mut c = vec![
            codes("D8020", 5),
            col(&[Some(30.0), Some(50.0), Some(10.0), Some(40.0), Some(20.0)]),
            col(&[Some(1.0); 5]),
            col(&[Some(100.0); 5]),
            col(&[None; 5]),
            col(&[Some(0.0); 5]),
            col(&[Some(1.0); 5]),
            col(&[Some(100.0); 5]),
        ];
        let r = run_split(&INEQUALITY, c.clone(), vec![0.95]).unwrap();
        close(number(&r, "value"), 24.0);
        assert!(number(&r, "lowercl").unwrap() < 24.0 && number(&r, "uppercl").unwrap() > 24.0);
        c.push(col(&[Some(0.0), None, Some(1.0), Some(0.0), Some(0.0)]));
        c.push(col(&[None, None, None, None, Some(30.0)]));
        c[0] = codes("mdru", 5);
        // Reference 10: MDRU = (20 + 40 + 0 + 30 + 10)/5 = 20.
        let r = run_split(&INEQUALITY, c, vec![0.95]).unwrap();
        close(number(&r, "value"), 20.0);
    }

    #[test]
    fn bad_groups_are_errors_naming_the_argument() {
        let mut c = quintile_columns("d", 1.0);
        c[6] = col(&[Some(1.0), Some(1.0), Some(0.0), Some(1.0), Some(1.0)]);
        let e = run_split(&INEQUALITY, c, vec![0.95]).unwrap_err().to_string();
        assert!(e.contains("inequality: favourable must be the same on every row of a group, got 1 and 0"), "{e}");
        let mut c = quintile_columns("d", 1.0);
        c[2] = col(&[Some(2.0), Some(-3.0), Some(2.0), Some(2.5), Some(2.2)]);
        let e = run_split(&INEQUALITY, c, vec![0.95]).unwrap_err().to_string();
        assert!(
            e.contains(
                "inequality: subgroup 'subgroup_order 1': standard error must be greater than or equal to zero, got -3"
            ),
            "{e}"
        );
        let mut c = quintile_columns("d", 1.0);
        c[7] = col(&[Some(0.0); 5]);
        let e = run_split(&INEQUALITY, c, vec![0.95]).unwrap_err().to_string();
        assert!(e.contains("inequality: scale must be a number > 0"), "{e}");
        let mut c = quintile_columns("d", 1.0);
        c[5] = col(&[Some(2.0); 5]);
        let e = run_split(&INEQUALITY, c, vec![0.95]).unwrap_err().to_string();
        assert!(e.contains("inequality: ordered must be 1 or 0"), "{e}");
        let mut c = quintile_columns("d", 1.0);
        c[0] = Arc::new(StringArray::from(vec![Some("d"), Some("r"), Some("d"), Some("d"), Some("d")]));
        let e = run_split(&INEQUALITY, c, vec![0.95]).unwrap_err().to_string();
        assert!(e.contains("inequality: measure must be the same on every row of a group"), "{e}");
        let mut c = quintile_columns("d", 1.0);
        c[0] = codes("gini", 5);
        let e = run_split(&INEQUALITY, c, vec![0.95]).unwrap_err().to_string();
        assert!(
            e.contains("inequality: measure \"gini\" is not a summary measure; expected one of d, r, d8020"),
            "{e}"
        );
    }

    #[test]
    fn row_order_does_not_change_the_simulated_limits() {
        // Seven regions of stats' percentile tests, in two orders: the same limits.
        let est = [12.0, 35.0, 18.0, 27.0, 41.0, 22.0, 30.0];
        let se = [1.5, 2.0, 1.0, 2.5, 3.0, 1.2, 2.0];
        let run = |perm: &[usize]| {
            let c = vec![
                codes("bgsd", 7),
                col(&perm.iter().map(|&i| Some(est[i])).collect::<Vec<_>>()),
                col(&perm.iter().map(|&i| Some(se[i])).collect::<Vec<_>>()),
                col(&perm.iter().map(|&i| Some(1000.0 + 100.0 * i as f64)).collect::<Vec<_>>()),
                col(&[None; 7]),
                col(&[Some(0.0); 7]),
                col(&[Some(1.0); 7]),
                col(&[Some(100.0); 7]),
            ];
            let r = run_split(&INEQUALITY, c, vec![0.95]).unwrap();
            (number(&r, "value"), number(&r, "lowercl"), number(&r, "uppercl"))
        };
        let a = run(&[0, 1, 2, 3, 4, 5, 6]);
        let b = run(&[6, 4, 2, 0, 1, 3, 5]);
        assert_eq!(a, b);
        assert!(a.1.is_some());
    }
}
