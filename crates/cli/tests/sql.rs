//! `fairer sql` end to end: Fairer's SQL functions give the same numbers as the `fairer calc`
//! commands (1e-12 relative) on the reference's test files (PHEindicatormethods 2.1.0, in
//! testdata/PHEindicatormethods-2.1.0), and bad
//! queries fail with a clear message and no panic.

mod common;

use std::collections::HashMap;

use common::{assert_close, fairer, fairer_err, fairer_ok, read_table, reference, table};

/// Same numbers as `fairer calc`: the same method on the same input, up to summation order.
const SAME: f64 = 1e-12;

type Row = HashMap<String, String>;

fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The rows of `rows` by the value of `key`.
fn by(rows: Vec<Row>, key: &str) -> HashMap<String, Row> {
    rows.into_iter().map(|r| (r[key].clone(), r)).collect()
}

/// Asserts that the SQL struct fields `{prefix}_{field}` equal the calc columns `field`.
fn assert_same(sql: &Row, calc: &Row, prefix: &str, numbers: &[&str], texts: &[&str], what: &str) {
    for f in numbers {
        let got = &sql[&format!("{prefix}_{f}")];
        assert_close(got, &calc[*f], SAME, &format!("{what} {f}"));
    }
    for f in texts {
        assert_eq!(sql[&format!("{prefix}_{f}")], calc[*f], "{what} {f}");
    }
}

#[test]
fn dsr_with_esp2013_equals_calc_dsr() {
    let f = reference("testdata_DSR_ISR__testdata_multiarea.csv");
    for (args, confidence) in [("", "0.95"), (", 100000, 0.998", "0.998")] {
        let q = format!("SELECT area, dsr(count, pop, esp2013(ageband){args}) AS d FROM t GROUP BY area ORDER BY area");
        let sql = table(&fairer_ok(&["sql", &q, "--table", &format!("t={}", s(&f))]));
        let calc = by(
            table(&fairer_ok(&[
                "calc",
                "dsr",
                s(&f),
                "--count",
                "count",
                "--denominator",
                "pop",
                "--age-band",
                "ageband",
                "--group-by",
                "area",
                "--confidence",
                confidence,
            ])),
            "area",
        );
        assert_eq!(sql.len(), 3);
        assert_eq!(sql.len(), calc.len());
        for r in &sql {
            let c = &calc[&r["area"]];
            assert_same(
                r,
                c,
                "d",
                &["value", "lowercl", "uppercl", "total_count", "total_pop"],
                &["confidence", "statistic", "method"],
                &r["area"],
            );
        }
    }
    // The field syntax of the brief's example.
    let one = table(&fairer_ok(&[
        "sql",
        "SELECT area, dsr(count, pop, esp2013(ageband)).value AS dsr FROM t GROUP BY area ORDER BY area",
        "--table",
        &format!("t={}", s(&f)),
    ]));
    assert_eq!(one[0]["area"], "testdata_big");
    assert!(one[0]["dsr"].parse::<f64>().is_ok());
}

#[test]
fn proportion_and_wilson_equal_calc_proportion() {
    let f = reference("testdata_Proportion__testdata_Prop.csv");
    // Grouped: Numerator and Denominator summed per Area; a missing value gives no value.
    for multiplier in ["1", "100"] {
        let q = format!("SELECT Area, wilson(Numerator, Denominator, {multiplier}) AS p FROM prop GROUP BY Area");
        let sql = table(&fairer_ok(&["sql", &q, "--table", &format!("prop={}", s(&f))]));
        let calc = by(
            table(&fairer_ok(&[
                "calc",
                "proportion",
                s(&f),
                "--count",
                "Numerator",
                "--denominator",
                "Denominator",
                "--multiplier",
                multiplier,
                "--group-by",
                "Area",
            ])),
            "Area",
        );
        assert_eq!(sql.len(), calc.len());
        for r in &sql {
            let c = &calc[&r["Area"]];
            assert_same(
                r,
                c,
                "p",
                &["value", "lowercl", "uppercl"],
                &["confidence", "statistic", "method"],
                &r["Area"],
            );
            assert_close(&r["p_numerator"], &c["Numerator"], SAME, "numerator");
            assert_close(&r["p_denominator"], &c["Denominator"], SAME, "denominator");
        }
    }
    // Row by row: the scalar limits are calc's row-wise limits (multiplier 1).
    let q = "SELECT Area, wilson_lower(Numerator, Denominator) AS l95, wilson_upper(Numerator, Denominator) AS u95, \
             wilson_lower(Numerator, Denominator, 0.998) AS l998, wilson_upper(Numerator, Denominator, 99.8) AS u998 \
             FROM prop WHERE multiplier = 1";
    let sql = table(&fairer_ok(&["sql", q, "--table", &format!("prop={}", s(&f))]));
    let calc = table(&fairer_ok(&[
        "calc",
        "proportion",
        s(&f),
        "--count",
        "Numerator",
        "--denominator",
        "Denominator",
        "--confidence",
        "0.95,0.998",
    ]));
    let calc = by(calc.into_iter().filter(|r| r["multiplier"] == "1").collect(), "Area");
    assert_eq!(sql.len(), calc.len());
    for r in &sql {
        let c = &calc[&r["Area"]];
        for (a, b) in [("l95", "lower95_0cl"), ("u95", "upper95_0cl"), ("l998", "lower99_8cl"), ("u998", "upper99_8cl")]
        {
            assert_close(&r[a], &c[b], SAME, &format!("{} {a}", r["Area"]));
        }
    }
}

#[test]
fn crude_rate_equals_calc_rate() {
    let f = reference("testdata_Rate__testdata_Rate.csv");
    let sql = table(&fairer_ok(&[
        "sql",
        "SELECT Area, crude_rate(Numerator, Denominator) AS r FROM rate GROUP BY Area",
        "--table",
        &format!("rate={}", s(&f)),
    ]));
    let calc = by(
        table(&fairer_ok(&[
            "calc",
            "rate",
            s(&f),
            "--count",
            "Numerator",
            "--denominator",
            "Denominator",
            "--group-by",
            "Area",
        ])),
        "Area",
    );
    assert_eq!(sql.len(), calc.len());
    for r in &sql {
        assert_same(r, &calc[&r["Area"]], "r", &["value", "lowercl", "uppercl"], &["statistic", "method"], &r["Area"]);
    }
}

#[test]
fn byars_exact_and_wilson_scalars_match_the_reference() {
    let f = reference("testdata_Byars_Wilson__testdata_B_W.csv");
    // The confidence column reads "95%": per-row confidence levels from a column.
    let q = "SELECT method, lowercl, uppercl, \
             CASE method WHEN 'Byars' THEN byars_lower(x, c) ELSE wilson_lower(x, n, c) END AS lo, \
             CASE method WHEN 'Byars' THEN byars_upper(x, c) ELSE wilson_upper(x, n, c) END AS hi \
             FROM (SELECT *, CAST(replace(confidence, '%', '') AS DOUBLE) AS c FROM bw)";
    let rows = table(&fairer_ok(&["sql", q, "--table", &format!("bw={}", s(&f))]));
    let expected = read_table(&f);
    assert_eq!(rows.len(), expected.len());
    for r in &rows {
        // The reference's published values, to the 1e-9 its own tests use.
        assert_close(&r["lo"], &r["lowercl"], 1e-9, "lower");
        assert_close(&r["hi"], &r["uppercl"], 1e-9, "upper");
    }
    // Exact Poisson limits are calc rate's limits below 10 events (per 100 over n = 100).
    let rf = reference("testdata_Rate__testdata_Rate.csv");
    let q = "SELECT Area, exact_poisson_lower(Numerator) AS lo, exact_poisson_upper(Numerator) AS hi, byars_lower(Numerator) AS blo FROM rate WHERE Numerator < 10 AND Denominator = 100 AND multiplier = 100";
    let sql = table(&fairer_ok(&["sql", q, "--table", &format!("rate={}", s(&rf))]));
    let calc = table(&fairer_ok(&[
        "calc",
        "rate",
        s(&rf),
        "--count",
        "Numerator",
        "--denominator",
        "Denominator",
        "--multiplier",
        "100",
    ]));
    assert!(!sql.is_empty());
    for r in &sql {
        let c = calc.iter().find(|c| c["Area"] == r["Area"] && c["multiplier"] == "100").expect("calc row");
        assert_close(&r["lo"], &c["lowercl"], SAME, "exact lower");
        assert_close(&r["hi"], &c["uppercl"], SAME, "exact upper");
    }
}

#[test]
fn life_expectancy_equals_calc_life_expectancy() {
    let f = reference("life_expectancy_worked_example.csv");
    let q = "SELECT life_expectancy(startage, deaths, pops) AS e0, life_expectancy(startage, deaths, pops, 65) AS e65 FROM le";
    let sql = table(&fairer_ok(&["sql", q, "--table", &format!("le={}", s(&f))]));
    assert_eq!(sql.len(), 1);
    let calc = by(
        table(&fairer_ok(&[
            "calc",
            "life-expectancy",
            s(&f),
            "--deaths",
            "deaths",
            "--population",
            "pops",
            "--start-age",
            "startage",
        ])),
        "startage",
    );
    assert_same(
        &sql[0],
        &calc["0"],
        "e0",
        &["value", "lowercl", "uppercl", "pops_used", "dths_used"],
        &["confidence", "statistic", "method"],
        "at birth",
    );
    assert_same(
        &sql[0],
        &calc["65"],
        "e65",
        &["value", "lowercl", "uppercl", "pops_used", "dths_used"],
        &["confidence", "statistic", "method"],
        "at 65",
    );
    // And the reference's published value at birth.
    assert_close(&sql[0]["e0_value"], "80.16960813", 1e-9, "published e0");
}

#[test]
fn isratio_and_israte_equal_calc() {
    let f = reference("testdata_DSR_ISR__testdata_multiarea_isr.csv");
    let cols = [
        "--count",
        "count",
        "--denominator",
        "pop",
        "--ref-count",
        "refcount",
        "--ref-denominator",
        "refpop",
        "--group-by",
        "area",
    ];
    for (function, command, extra) in [
        ("isratio", "isratio", &["value", "lowercl", "uppercl", "observed", "expected"][..]),
        ("israte", "israte", &["value", "lowercl", "uppercl", "observed", "expected", "ref_rate"][..]),
    ] {
        let q = format!("SELECT area, {function}(count, pop, refcount, refpop) AS i FROM t GROUP BY area");
        let sql = table(&fairer_ok(&["sql", &q, "--table", &format!("t={}", s(&f))]));
        let mut args = vec!["calc", command, s(&f)];
        args.extend(cols);
        let calc = by(table(&fairer_ok(&args)), "area");
        assert_eq!(sql.len(), calc.len());
        for r in &sql {
            assert_same(
                r,
                &calc[&r["area"]],
                "i",
                extra,
                &["statistic", "method"],
                &format!("{function} {}", r["area"]),
            );
        }
    }
}

#[test]
fn sii_value_equals_calc_and_limits_agree_within_monte_carlo_error() {
    let f = reference("testdata_SII__testdata_SII.csv");
    let dir = tempfile::tempdir().unwrap();
    for (description, value_type) in [
        ("default (e.g. life expectancy) - default parameters", "0"),
        ("rate (e.g. infant mortality) - default parameters", "1"),
    ] {
        // fairer sql filters the reference file for calc, too.
        let subset = dir.path().join(format!("sii_{value_type}.csv"));
        let filter = format!("SELECT Area, Quantile, Population, Value, LowerCL, UpperCL, sii, rii FROM t WHERE TestDescription = '{description}'");
        fairer_ok(&["sql", &filter, "--table", &format!("t={}", s(&f)), "-o", s(&subset)]);
        let q = format!("SELECT Area, sii(Quantile, Population, Value, LowerCL, UpperCL, {value_type}) AS s FROM sii_{value_type} GROUP BY Area");
        let sql = table(&fairer_ok(&["sql", &q, s(&subset)]));
        let calc = by(
            table(&fairer_ok(&[
                "calc",
                "sii",
                s(&subset),
                "--quantile",
                "Quantile",
                "--population",
                "Population",
                "--value",
                "Value",
                "--lower-cl",
                "LowerCL",
                "--upper-cl",
                "UpperCL",
                "--value-type",
                value_type,
                "--rii",
                "--group-by",
                "Area",
            ])),
            "Area",
        );
        assert_eq!(sql.len(), calc.len());
        for r in &sql {
            let c = &calc[&r["Area"]];
            assert_close(&r["s_value"], &c["sii"], SAME, "sii");
            assert_close(&r["s_rii"], &c["rii"], SAME, "rii");
            for (a, b) in [("s_lowercl", "sii_lower95_0cl"), ("s_uppercl", "sii_upper95_0cl")] {
                let (x, y): (f64, f64) = (r[a].parse().unwrap(), c[b].parse().unwrap());
                let scale: f64 = c["sii"].parse::<f64>().unwrap().abs();
                assert!((x - y).abs() <= 0.05 * scale, "{} {a}: {x} vs calc {y}", r["Area"]);
            }
            assert_eq!(r["s_method"], "simulation 100000 reps");
        }
    }
}

#[test]
fn output_to_files_and_positional_tables() {
    let f = reference("testdata_DSR_ISR__testdata_multiarea.csv");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("out.csv");
    let pq = dir.path().join("out.parquet");
    // A positional file is the table named after its stem.
    let q = "SELECT area, dsr(count, pop, esp2013(ageband)) AS d FROM testdata_DSR_ISR__testdata_multiarea GROUP BY area ORDER BY area";
    let out = fairer(&["sql", q, s(&f), "--output", s(&csv)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 rows written to"));
    let rows = read_table(&csv);
    assert_eq!(rows.len(), 3);
    fairer_ok(&["sql", q, s(&f), "-o", s(&pq)]);
    // The Parquet result keeps the struct, and reads back as a table.
    let back = table(&fairer_ok(&["sql", "SELECT area, d.value AS v FROM out ORDER BY area", s(&pq)]));
    for (a, b) in back.iter().zip(&rows) {
        assert_eq!(a["area"], b["area"]);
        assert_close(&a["v"], &b["d_value"], 0.0, "parquet round trip");
    }
    // A failing query leaves no output file.
    let bad = dir.path().join("bad.csv");
    fairer_err(&["sql", "SELECT wilson_lower(pop, count) FROM t", "--table", &format!("t={}", s(&f)), "-o", s(&bad)]);
    assert!(!bad.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left behind");
}

#[test]
fn bad_queries_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.csv");
    std::fs::write(&f, "area,ageband,count,pop\nA,0-4,3,100\nA,1-4,3,100\n").unwrap();
    let t = format!("t={}", s(&f));
    let err = fairer_err(&["sql", "SELECT * FROM nope", "--table", &t]);
    assert!(err.contains("nope"), "{err}");
    let err = fairer_err(&["sql", "SELECT areas FROM t", "--table", &t]);
    assert!(err.contains("areas") && err.contains("area"), "{err}");
    let err = fairer_err(&["sql", "SELECT dsr(area, pop, 1) FROM t", "--table", &t]);
    assert!(err.contains("dsr: argument 1 (count) must be a number, got Utf8"), "{err}");
    let err = fairer_err(&["sql", "SELECT proportion(count, pop, pop) FROM t", "--table", &t]);
    assert!(err.contains("proportion: multiplier must be a constant"), "{err}");
    let err = fairer_err(&["sql", "SELECT wilson_lower(count) FROM t", "--table", &t]);
    assert!(err.contains("wilson_lower: expected 2 to 3 arguments, wilson_lower(x, n [, confidence]); got 1"), "{err}");
    let err = fairer_err(&["sql", "SELECT esp2013(ageband) FROM t", "--table", &t]);
    assert!(err.contains("esp2013: \"1-4\" is not an ESP 2013 age band"), "{err}");
    let err = fairer_err(&["sql", "SELECT crude_rate(count, pop, 0) FROM t", "--table", &t]);
    assert!(err.contains("crude_rate: multiplier must be a number greater than zero, got 0"), "{err}");
    let err = fairer_err(&["sql", "SELECT 1", "--table", "t"]);
    assert!(err.contains("expected NAME=PATH"), "{err}");
    let err = fairer_err(&["sql", "SELECT 1", "/no/such/file.csv"]);
    assert!(err.contains("/no/such/file.csv: no such file"), "{err}");
    let err = fairer_err(&["sql", "SELECT 1", "-o", "x.xlsx"]);
    assert!(err.contains("must end in .csv or .parquet"), "{err}");
    let err = fairer_err(&["sql", "SELEC 1"]);
    assert!(err.to_lowercase().contains("sql"), "{err}");
}

#[test]
fn help_lists_every_function_with_examples() {
    let help = fairer_ok(&["sql", "--help"]);
    for f in [
        "wilson_lower(x, n [, confidence])",
        "wilson_upper",
        "byars_lower",
        "byars_upper",
        "exact_poisson_lower",
        "exact_poisson_upper",
        "esp2013(age_band)",
        "proportion(x, n [, multiplier [, confidence]]) (also wilson)",
        "crude_rate",
        "dsr(count, population, stdpop",
        "isratio",
        "israte",
        "life_expectancy(start_age, deaths, population",
        "sii(quantile, population, value, lower, upper",
    ] {
        assert!(help.contains(f), "--help lacks {f}");
    }
    assert!(help.contains("Examples:"));
}
