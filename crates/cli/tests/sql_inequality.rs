//! `fairer sql`'s `inequality` aggregate gives the same numbers as `fairer calc
//! summary-measures` on the same HEAT Plus template file: every one of the 25 measures of
//! every dimension (ordered, non-ordered with and without a reference subgroup and without
//! subgroup order, binary), value, SE, limits (analytic, delta, regression and simulated),
//! method and the reason a measure is unavailable. Bad calls fail with a clear message.

mod common;

use std::collections::HashMap;

use common::{assert_close, fairer_err, fairer_ok, table};

/// The same method on the same numbers: equal up to the last bits.
const SAME: f64 = 1e-12;

/// A HEAT Plus upload template: the five quintiles (ordered, favourable) of the `stats` tests;
/// seven regions (non-ordered, with subgroup order, R3 the reference; adverse rates per 1,000);
/// five ethnic groups without subgroup order, listed by estimate; sex (two subgroups). Q4 has
/// only its 95% limits.
const HEAT: &str = "setting,date,source,indicator_abbr,indicator_name,dimension,subgroup,estimate,se,ci_lb,ci_ub,population,flag,setting_average,iso3,favourable_indicator,indicator_scale,ordered_dimension,subgroup_order,reference_subgroup
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q3,65,2,,,900,,,GBR,1,100,1,3,0
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q1,50,3,,,1000,,,GBR,1,100,1,1,0
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q5,80,2,,,800,,,GBR,1,100,1,5,0
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q2,60,2.5,,,1200,,,GBR,1,100,1,2,0
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q4,72,,67.6879208,76.3120792,1100,,,GBR,1,100,1,4,0
Fairshire,2023,Survey,cov,Coverage (%),Sex,Female,71,1.5,,,2600,,,GBR,1,100,0,1,0
Fairshire,2023,Survey,cov,Coverage (%),Sex,Male,64,1.7,,,2400,,,GBR,1,100,0,2,0
Fairshire,2023,Survey,cov,Coverage (%),Ethnicity,Black,41,3.1,,,300,,,GBR,1,100,0,,0
Fairshire,2023,Survey,cov,Coverage (%),Ethnicity,Asian,55,2.2,,,700,,,GBR,1,100,0,,0
Fairshire,2023,Survey,cov,Coverage (%),Ethnicity,Mixed,58,4,,,200,,,GBR,1,100,0,,0
Fairshire,2023,Survey,cov,Coverage (%),Ethnicity,Other,63,4.5,,,150,,,GBR,1,100,0,,0
Fairshire,2023,Survey,cov,Coverage (%),Ethnicity,White,68,0.9,,,3650,,,GBR,1,100,0,,0
Fairshire,2023,Register,imr,Infant deaths per 1000,Region,R1,4.1,0.3,,,5000,,4.5,GBR,0,1000,0,1,0
Fairshire,2023,Register,imr,Infant deaths per 1000,Region,R2,5.6,0.4,,,4200,,4.5,GBR,0,1000,0,2,0
Fairshire,2023,Register,imr,Infant deaths per 1000,Region,R3,3.2,0.25,,,6100,,4.5,GBR,0,1000,0,3,1
Fairshire,2023,Register,imr,Infant deaths per 1000,Region,R4,6.3,0.5,,,3900,,4.5,GBR,0,1000,0,4,0
Fairshire,2023,Register,imr,Infant deaths per 1000,Region,R5,4.8,0.35,,,4500,,4.5,GBR,0,1000,0,5,0
Fairshire,2023,Register,imr,Infant deaths per 1000,Region,R6,3.9,0.3,,,5200,,4.5,GBR,0,1000,0,6,0
Fairshire,2023,Register,imr,Infant deaths per 1000,Region,R7,5.1,0.45,,,3100,,4.5,GBR,0,1000,0,7,0
";

const MEASURES: [&str; 25] = [
    "d", "r", "d8020", "r8020", "d9010", "r9010", "par", "paf", "aci", "rci", "sii", "rii", "bgv", "bgsd", "cov",
    "mld", "ti", "idisu", "idisw", "mdbu", "mdbw", "mdmu", "mdmw", "mdru", "mdrw",
];

type Row = HashMap<String, String>;

#[test]
fn every_measure_equals_calc_summary_measures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heat.csv");
    std::fs::write(&path, HEAT).unwrap();
    let file = path.to_str().unwrap();
    let calc = table(&fairer_ok(&["calc", "summary-measures", file, "--all-measures"]));
    let values = MEASURES.iter().map(|m| format!("('{m}')")).collect::<Vec<_>>().join(", ");
    // Every measure of every dimension in one query: the measures joined in as a column. The
    // SE where only the 95% limits are given, as calc derives it.
    let q = format!(
        "SELECT h.setting, h.date, h.source, h.indicator_abbr, h.dimension, upper(m.code) AS measure, \
         inequality(m.code, h.estimate, coalesce(h.se, (h.ci_ub - h.ci_lb) / (2 * 1.959963984540054)), h.population, h.subgroup_order, \
         h.ordered_dimension, h.favourable_indicator, h.indicator_scale, h.reference_subgroup, h.setting_average) AS i \
         FROM heat h CROSS JOIN (VALUES {values}) AS m(code) \
         GROUP BY h.setting, h.date, h.source, h.indicator_abbr, h.dimension, m.code"
    );
    let sql = table(&fairer_ok(&["sql", &q, file]));
    let key = |r: &Row| format!("{}|{}|{}|{}", r["indicator_abbr"], r["source"], r["dimension"], r["measure"]);
    let sql: HashMap<String, Row> = sql.into_iter().map(|r| (key(&r), r)).collect();
    assert_eq!(calc.len(), 4 * 25);
    assert_eq!(sql.len(), calc.len());
    let mut available = 0;
    for c in &calc {
        let k = key(c);
        let r = sql.get(&k).unwrap_or_else(|| panic!("no SQL row for {k}"));
        for (a, b) in [("i_value", "value"), ("i_se", "se"), ("i_lowercl", "lowercl"), ("i_uppercl", "uppercl")] {
            assert_close(&r[a], &c[b], SAME, &format!("{k} {b}"));
        }
        for (a, b) in [
            ("i_unavailable", "unavailable"),
            ("i_method", "method"),
            ("i_statistic", "measure_name"),
            ("i_confidence", "confidence"),
        ] {
            assert_eq!(r[a], c[b], "{k} {b}");
        }
        if !c["value"].is_empty() {
            available += 1;
        }
    }
    // Ordered quintiles 8, sex 4, ethnicity 19 (no reference subgroup: no MDRU, MDRW),
    // regions 21.
    assert_eq!(available, 8 + 4 + 19 + 21);
    // Spot checks against HEAT's numbers (stats `quintiles_all_measures_match_heat`) and the
    // percentile measure by hand (ethnicity 41, 55, 58, 63, 68: P80 − P20 = 64 − 52.2).
    let sii = &sql["cov|Survey|Deprivation quintile|SII"];
    assert_close(&sii["i_value"], "33.851177258893919", 1e-9, "SII");
    assert_close(&sii["i_lowercl"], "29.924104997213817", 1e-6, "SII lower");
    assert_close(&sql["cov|Survey|Ethnicity|D8020"]["i_value"], "11.8", 1e-12, "D8020");
    assert_eq!(sql["cov|Survey|Sex|BGV"]["i_unavailable"], "needs more than two subgroups");
}

#[test]
fn one_column_per_measure_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heat.csv");
    std::fs::write(&path, HEAT).unwrap();
    let file = path.to_str().unwrap();
    // The short form (no reference or setting average) and one field of the struct.
    let q = "SELECT dimension, inequality('D', estimate, se, population, subgroup_order, ordered_dimension, favourable_indicator, indicator_scale).value AS d, \
             inequality('sii', estimate, se, population, subgroup_order, ordered_dimension, favourable_indicator, indicator_scale).unavailable AS why \
             FROM heat WHERE dimension IN ('Deprivation quintile', 'Ethnicity') GROUP BY dimension ORDER BY dimension";
    let rows = table(&fairer_ok(&["sql", q, file]));
    assert_eq!(rows.len(), 2);
    // Q4 has no SE here (null): D is still the value 80 − 50.
    assert_close(&rows[0]["d"], "30", 1e-12, "D quintiles");
    assert_eq!(rows[0]["why"], "");
    assert_close(&rows[1]["d"], "27", 1e-12, "D ethnicity");
    assert_eq!(rows[1]["why"], "applies only to ordered dimensions");
    // A 99.8% interval is wider.
    let q = "SELECT inequality('d', estimate, se, population, subgroup_order, ordered_dimension, favourable_indicator, indicator_scale, NULL, NULL, 0.998) AS d \
             FROM heat WHERE dimension = 'Sex'";
    let r = &table(&fairer_ok(&["sql", q, file]))[0];
    assert_eq!(r["d_confidence"], "99.8%");
    let half: f64 = (r["d_uppercl"].parse::<f64>().unwrap() - r["d_lowercl"].parse::<f64>().unwrap()) / 2.0;
    assert!((half - 3.090232306167813 * (1.5f64.powi(2) + 1.7f64.powi(2)).sqrt()).abs() < 1e-9, "{half}");
    // Errors name the function and what was wrong.
    let err = fairer_err(&["sql", "SELECT inequality('gini', estimate, se, population, subgroup_order, ordered_dimension, favourable_indicator, indicator_scale) FROM heat", file]);
    assert!(err.contains("inequality: measure \"gini\" is not a summary measure"), "{err}");
    let err = fairer_err(&["sql", "SELECT inequality('d', estimate, se, population, subgroup_order, ordered_dimension, favourable_indicator, indicator_scale) FROM heat", file]);
    assert!(err.contains("inequality: ordered must be the same on every row of a group, got 1 and 0"), "{err}");
    let err = fairer_err(&["sql", "SELECT inequality(1, estimate, se, population, subgroup_order, ordered_dimension, favourable_indicator, indicator_scale) FROM heat", file]);
    assert!(err.contains("inequality: argument 1 (measure) must be the abbreviation of a measure as text"), "{err}");
    let err = fairer_err(&["sql", "SELECT inequality('d', estimate, se) FROM heat", file]);
    assert!(err.contains("inequality: expected 8 to 11 arguments"), "{err}");
    let help = fairer_ok(&["sql", "--help"]).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("inequality(measure, estimate, se, population, subgroup_order, ordered, favourable, scale [, reference [, setting_average [, confidence]]])"),
        "{help}"
    );
}
