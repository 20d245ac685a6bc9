//! `fairer calc funnel` end to end against the reference's published funnel values
//! (PHEindicatormethods 2.1.0, tests/testthat/testFunnels.R and its `testdata_funnel_*`
//! workbooks, committed in testdata/PHEindicatormethods-2.1.0), compared at the precision they are printed
//! with; and its handling of bad input.

mod common;

use std::collections::HashMap;

use common::{fairer, fairer_err, fairer_ok, reference};

type Table = Vec<HashMap<String, String>>;

/// A CSV text as rows of column name → cell; header names trimmed (the ratio outputs' first
/// header holds a quoted line break) and stripped of a byte-order mark.
fn table(text: &str) -> Table {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> =
        r.headers().expect("header").iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_string()).collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers.iter().cloned().zip(rec.iter().map(str::to_string)).collect()
        })
        .collect()
}

/// The reference file `name` as a table with its path.
fn reference_table(name: &str) -> (String, Table) {
    let path = reference(name);
    let text = std::fs::read_to_string(&path).expect("read reference");
    (path.to_string_lossy().into_owned(), table(&text))
}

fn number(text: &str, what: &str) -> f64 {
    text.trim().parse().unwrap_or_else(|_| panic!("{what}: not a number: {text:?}"))
}

/// Half a unit in the last place of a value printed with at most 10 significant digits and at
/// most 9 decimals (the layout of most funnel CSVs), with a hair of slack.
fn ten_significant(expected: f64) -> f64 {
    if expected == 0.0 {
        return 5e-10;
    }
    let exponent = expected.abs().log10().floor();
    0.5 * 10f64.powf(exponent - 9.0).max(1e-9) * (1.0 + 1e-6) + 1e-12
}

/// Half a unit in the sixth decimal (testdata_funnel_prop_outputs.csv).
fn six_decimals(_: f64) -> f64 {
    0.5e-6 * (1.0 + 1e-6) + 1e-12
}

fn assert_printed(got: &str, expected: &str, tolerance: fn(f64) -> f64, what: &str) {
    if expected.is_empty() || expected == "NA" {
        assert!(got.is_empty(), "{what}: expected no value, got {got}");
        return;
    }
    let e = number(expected, what);
    let g = number(got, what);
    assert!((g - e).abs() <= tolerance(e), "{what}: got {g}, reference {e}");
}

/// Writes `text` to `dir/name` and returns its path.
fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().into_owned()
}

/// Writes rows (cells in the order of `columns`) as CSV, quoting cells where needed.
fn write_rows(dir: &tempfile::TempDir, name: &str, columns: &[&str], rows: &[Vec<String>]) -> String {
    let mut text = columns.join(",");
    text.push('\n');
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| if c.contains([',', '"', '\n']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c.clone() })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    write(dir, name, &text)
}

// --- proportions -----------------------------------------------------------------------------

/// testFunnels.R "Significance for proportions": the 303 areas of
/// testdata_funnel_prop_inputs.csv, whose own `significance` column holds the expected level;
/// every input column comes back, the `significance` column replaced by Fairer's.
#[test]
fn proportion_significance_matches_reference() {
    let (path, expected) = reference_table("testdata_funnel_prop_inputs.csv");
    let out = fairer_ok(&[
        "calc",
        "funnel",
        &path,
        "--statistic",
        "proportion",
        "--count",
        "numerator",
        "--denominator",
        "denominator",
    ]);
    assert_eq!(out.lines().next(), Some("Area,numerator,denominator,significance"));
    let got = table(&out);
    assert_eq!(got.len(), expected.len());
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g["Area"], e["Area"], "row {}", i + 1);
        assert_eq!(g["numerator"], e["numerator"], "row {}", i + 1);
        assert_eq!(g["significance"], e["significance"], "row {} ({})", i + 1, e["Area"]);
    }
}

/// Maps the proportion outputs' column names (those of the reference's 1.x `phe_funnels`,
/// which made the workbook) to 2.1.0's `calculate_funnel_limits` names, which Fairer writes.
const PROPORTION_COLUMNS: [(&str, &str); 5] = [
    ("Lower2s0025limit", "lower_2s_limit"),
    ("Upper2s0025limit", "upper_2s_limit"),
    ("Lower3s0001limit", "lower_3s_limit"),
    ("Upper3s0001limit", "upper_3s_limit"),
    ("Baseline", "baseline"),
];

fn check_proportion_limits(got: &Table, expected_file: &str, tolerance: fn(f64) -> f64) {
    let (_, expected) = reference_table(expected_file);
    assert_eq!(got.len(), expected.len(), "{expected_file}: rows");
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(
            number(&g["Population"], "Population"),
            number(&e["Population"], "Population"),
            "{expected_file} row {} Population",
            i + 1
        );
        for (theirs, ours) in PROPORTION_COLUMNS {
            assert_printed(&g[ours], &e[theirs], tolerance, &format!("{expected_file} row {} {ours}", i + 1));
        }
        assert_eq!(g["statistic"], "proportion");
        assert_eq!(g["method"], "Wilson");
    }
}

/// testFunnels.R "confidence limits calculate correctly for proportions": all 303 records,
/// multiplier 100 (the default) → testdata_funnel_prop_outputs.csv, printed to 6 decimals.
#[test]
fn proportion_limits_match_reference() {
    let path = reference("testdata_funnel_prop_inputs.csv");
    let path = path.to_string_lossy().into_owned();
    let out = fairer_ok(&[
        "calc",
        "funnel",
        &path,
        "--statistic",
        "proportion",
        "--count",
        "numerator",
        "--denominator",
        "denominator",
        "--limits",
    ]);
    assert_eq!(
        out.lines().next(),
        Some("Population,lower_2s_limit,upper_2s_limit,lower_3s_limit,upper_3s_limit,baseline,statistic,method")
    );
    check_proportion_limits(&table(&out), "testdata_funnel_prop_outputs.csv", six_decimals);
}

/// testFunnels.R "... with axis variation": only the areas with a denominator below 31,000, so
/// that the axis starts at a rounded minimum (10,000) → 10 significant digits.
#[test]
fn proportion_limits_with_axis_variation_match_reference() {
    let (_, input) = reference_table("testdata_funnel_prop_inputs.csv");
    let rows: Vec<Vec<String>> = input
        .iter()
        .filter(|r| number(&r["denominator"], "denominator") < 31000.0)
        .map(|r| vec![r["Area"].clone(), r["numerator"].clone(), r["denominator"].clone()])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = write_rows(&dir, "small.csv", &["Area", "numerator", "denominator"], &rows);
    let out = fairer_ok(&[
        "calc",
        "funnel",
        &path,
        "--statistic",
        "proportion",
        "--count",
        "numerator",
        "--denominator",
        "denominator",
        "--limits",
        "--multiplier",
        "100",
    ]);
    let got = table(&out);
    assert_eq!(got[0]["Population"], "10000");
    check_proportion_limits(&got, "testdata_funnel_prop_outputs_with_axis_variation.csv", ten_significant);
}

/// With --group-by each group is its own funnel: the same as running each group alone, rows
/// in input order for significance, groups in order (100 limit rows each) for the limits.
#[test]
fn groups_are_separate_funnels() {
    let (_, input) = reference_table("testdata_funnel_prop_inputs.csv");
    let dir = tempfile::tempdir().unwrap();
    // Group A: all areas; group B: the areas with a denominator below 31,000. Interleaved,
    // B written first so that the output order of the limits is not the input order.
    let mut both = Vec::new();
    let mut small = Vec::new();
    for r in &input {
        let cells = |g: &str| vec![g.to_string(), r["Area"].clone(), r["numerator"].clone(), r["denominator"].clone()];
        if number(&r["denominator"], "denominator") < 31000.0 {
            both.push(cells("B"));
            small.push(cells("B"));
        }
        both.push(cells("A"));
    }
    let columns = ["g", "Area", "numerator", "denominator"];
    let grouped = write_rows(&dir, "grouped.csv", &columns, &both);
    let alone = write_rows(&dir, "alone.csv", &columns, &small);
    let run = |file: &str, extra: &[&str]| {
        let mut args = vec![
            "calc",
            "funnel",
            file,
            "--statistic",
            "proportion",
            "--count",
            "numerator",
            "--denominator",
            "denominator",
        ];
        args.extend_from_slice(extra);
        table(&fairer_ok(&args))
    };

    let got = run(&grouped, &["--group-by", "g"]);
    assert_eq!(got.len(), both.len());
    for (g, cells) in got.iter().zip(&both) {
        assert_eq!((&g["g"], &g["Area"]), (&cells[0], &cells[1]), "rows keep their input order");
    }
    let a: Vec<&String> = got.iter().filter(|r| r["g"] == "A").map(|r| &r["significance"]).collect();
    let expected: Vec<&String> = input.iter().map(|r| &r["significance"]).collect();
    assert_eq!(a, expected);
    let b: Vec<&String> = got.iter().filter(|r| r["g"] == "B").map(|r| &r["significance"]).collect();
    let alone_got = run(&alone, &[]);
    let alone_sig: Vec<&String> = alone_got.iter().map(|r| &r["significance"]).collect();
    assert!(!b.is_empty());
    assert_eq!(b, alone_sig);

    let limits = run(&grouped, &["--group-by", "g", "--limits"]);
    assert_eq!(limits.len(), 200);
    assert!(limits[..100].iter().all(|r| r["g"] == "A") && limits[100..].iter().all(|r| r["g"] == "B"));
    let limits_alone = run(&alone, &["--limits"]);
    for (g, e) in limits[100..].iter().zip(&limits_alone) {
        for c in ["Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit", "baseline"] {
            assert_eq!(g[c], e[c], "group B {c}");
        }
    }
    let (_, all) = reference_table("testdata_funnel_prop_outputs.csv");
    for (g, e) in limits[..100].iter().zip(&all) {
        assert_printed(&g["lower_2s_limit"], &e["Lower2s0025limit"], six_decimals, "group A lower_2s_limit");
    }
}

// --- ratios ----------------------------------------------------------------------------------

/// testFunnels.R "Significance for ratios": the 300 records of testdata_funnel_ratio_inputs.csv
/// (significance does not depend on the ratio type, which may be left out).
#[test]
fn ratio_significance_matches_reference() {
    let (path, expected) = reference_table("testdata_funnel_ratio_inputs.csv");
    for extra in [&["--ratio-type", "count"][..], &["--ratio-type", "isr"], &[]] {
        let mut args =
            vec!["calc", "funnel", &path, "--statistic", "ratio", "--count", "obs", "--denominator", "expected"];
        args.extend_from_slice(extra);
        let got = table(&fairer_ok(&args));
        assert_eq!(got.len(), expected.len());
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g["significance"], e["significance"], "ratio_inputs row {} {extra:?}", i + 1);
        }
    }
}

/// testFunnels.R "ratios (count)" and "ratios (isr)": testdata_funnel_ratio_outputs.csv holds
/// both (`*_count`, `*_isr`, and the shared `*_exp_events`), 10 significant digits.
#[test]
fn ratio_limits_match_reference() {
    let input = reference("testdata_funnel_ratio_inputs.csv");
    let (_, expected) = reference_table("testdata_funnel_ratio_outputs.csv");
    let input = input.to_string_lossy().into_owned();
    for ratio_type in ["count", "isr"] {
        let out = fairer_ok(&[
            "calc",
            "funnel",
            &input,
            "--statistic",
            "ratio",
            "--count",
            "obs",
            "--denominator",
            "expected",
            "--ratio-type",
            ratio_type,
            "--limits",
        ]);
        assert_eq!(
            out.lines().next(),
            Some("Observed_events,lower_2s_exp_events,lower_2s_limit,upper_2s_exp_events,upper_2s_limit,lower_3s_exp_events,lower_3s_limit,upper_3s_exp_events,upper_3s_limit,statistic,method")
        );
        let got = table(&out);
        assert_eq!(got.len(), expected.len());
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            let what = |c: &str| format!("ratio_outputs ({ratio_type}) row {} {c}", i + 1);
            assert_eq!(
                number(&g["Observed_events"], "axis"),
                number(&e["Observed_events"], "axis"),
                "{}",
                what("Observed_events")
            );
            for side in ["lower_2s", "upper_2s", "lower_3s", "upper_3s"] {
                let c = format!("{side}_exp_events");
                assert_printed(&g[&c], &e[&c], ten_significant, &what(&c));
                assert_printed(
                    &g[&format!("{side}_limit")],
                    &e[&format!("{side}_{ratio_type}")],
                    ten_significant,
                    &what(&format!("{side}_limit")),
                );
            }
            assert_eq!(g["statistic"], format!("ratio ({ratio_type})"));
            assert_eq!(g["method"], "Poisson");
        }
    }
}

// --- rates -----------------------------------------------------------------------------------

/// testdata_funnel_rate_input_funnels.csv as (ev, rate, pop) cells.
fn rate_funnel_input() -> Vec<(String, String, String)> {
    let (_, rows) = reference_table("testdata_funnel_rate_input_funnels.csv");
    rows.iter().map(|r| (r["ev"].clone(), r["rate"].clone(), r["pop"].clone())).collect()
}

/// The largest count of the rate funnel inputs (the reference's tests alter that record).
fn max_events(input: &[(String, String, String)]) -> f64 {
    input.iter().map(|r| number(&r.0, "ev")).fold(f64::MIN, f64::max)
}

/// Compares limits with a reference CSV laid out as the rate outputs (`Events`,
/// `lower_2s_population_1_year`, `lower_2s_limit`, …, `baseline`, `statistic`, `method`):
/// the same column names, 10 significant digits.
fn check_rate_limits(out: &str, file: &str) {
    let path = reference(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(out.lines().next().map(str::trim), text.lines().next().map(str::trim), "{file}: header");
    let (got, expected) = (table(out), table(&text));
    assert_eq!(got.len(), expected.len(), "{file}: rows");
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(number(&g["Events"], "Events"), number(&e["Events"], "Events"), "{file} row {} Events", i + 1);
        for side in ["lower_2s", "upper_2s", "lower_3s", "upper_3s"] {
            for c in [format!("{side}_population_1_year"), format!("{side}_limit")] {
                assert_printed(&g[&c], &e[&c], ten_significant, &format!("{file} row {} {c}", i + 1));
            }
        }
        assert_printed(&g["baseline"], &e["baseline"], ten_significant, &format!("{file} row {} baseline", i + 1));
        assert_eq!(g["statistic"], e["statistic"], "{file} statistic");
        assert_eq!(g["method"], e["method"], "{file} method");
    }
}

/// testFunnels.R "rates (dsr)": ev and rate, per 100,000 (the default), 3 years, no
/// denominators → testdata_funnel_rate_outputs.csv.
#[test]
fn dsr_rate_limits_match_reference() {
    let path = reference("testdata_funnel_rate_input_funnels.csv");
    let path = path.to_string_lossy().into_owned();
    let out = fairer_ok(&[
        "calc",
        "funnel",
        &path,
        "--statistic",
        "rate",
        "--rate-type",
        "dsr",
        "--count",
        "ev",
        "--rate",
        "rate",
        "--years-of-data",
        "3",
        "--limits",
    ]);
    check_rate_limits(&out, "testdata_funnel_rate_outputs.csv");
}

/// testFunnels.R "rates (crude); with less than 10 events": the largest count set to 5, crude
/// → testdata_funnel_rate_outputs_2.csv.
#[test]
fn crude_rate_limits_with_few_events_match_reference() {
    let input = rate_funnel_input();
    let max = max_events(&input);
    let rows: Vec<Vec<String>> = input
        .iter()
        .map(|(ev, rate, _)| vec![if number(ev, "ev") == max { "5".into() } else { ev.clone() }, rate.clone()])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = write_rows(&dir, "few.csv", &["ev", "rate"], &rows);
    let out = fairer_ok(&[
        "calc",
        "funnel",
        &path,
        "--statistic",
        "rate",
        "--rate-type",
        "crude",
        "--count",
        "ev",
        "--rate",
        "rate",
        "--multiplier",
        "100000",
        "--years-of-data",
        "3",
        "--limits",
    ]);
    check_rate_limits(&out, "testdata_funnel_rate_outputs_2.csv");
}

/// testFunnels.R "rates (crude); with 0 events and denominator supplied": pop = 1e5·ev/rate,
/// the record with the most events gets 0 events and rate 0, and only records with
/// pop > max(pop)/2 are kept → testdata_funnel_rate_outputs_3.csv.
#[test]
fn crude_rate_limits_with_zero_events_match_reference() {
    let input = rate_funnel_input();
    let max = max_events(&input);
    let with_pop: Vec<(f64, f64, f64)> = input
        .iter()
        .map(|(ev, rate, _)| {
            let (ev, rate) = (number(ev, "ev"), number(rate, "rate"));
            let pop = 1e5 * ev / rate;
            if ev == max {
                (0.0, 0.0, pop)
            } else {
                (ev, rate, pop)
            }
        })
        .collect();
    let max_pop = with_pop.iter().map(|r| r.2).fold(f64::MIN, f64::max);
    let rows: Vec<Vec<String>> = with_pop
        .iter()
        .filter(|r| r.2 > max_pop / 2.0)
        .map(|&(ev, rate, pop)| vec![ev.to_string(), rate.to_string(), pop.to_string()])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = write_rows(&dir, "zero.csv", &["ev", "rate", "pop"], &rows);
    let out = fairer_ok(&[
        "calc",
        "funnel",
        &path,
        "--statistic",
        "rate",
        "--rate-type",
        "crude",
        "--count",
        "ev",
        "--rate",
        "rate",
        "--denominator",
        "pop",
        "--years-of-data",
        "3",
        "--limits",
    ]);
    check_rate_limits(&out, "testdata_funnel_rate_outputs_3.csv");
}

/// The rate significance tests of testFunnels.R on testdata_funnel_rate_dsr_inputs.csv
/// (count, rate, pop; with and without the record of 0 events), plus the CSV's
/// `dsr_per_100_with_0` column, which testFunnels.R does not test.
#[test]
fn rate_significance_matches_reference() {
    let (path, rows) = reference_table("testdata_funnel_rate_dsr_inputs.csv");
    let cases = [
        ("rate_dsr", "dsr", "100000", true, "dsr_per_100000_with_0"),
        ("rate_dsr", "dsr", "100000", false, "dsr_per_100000_without_0"),
        ("rate_dsr", "dsr", "100", true, "dsr_per_100_with_0"),
        ("rate_dsr", "dsr", "100", false, "dsr_per_100_without_0"),
        ("rate_crude_per_100000", "crude", "100000", true, "crude_per_100000_with_0"),
        ("rate_crude_per_100000", "crude", "100000", false, "crude_per_100000_without_0"),
        ("rate_crude_per_100", "crude", "100", true, "crude_per_100_with_0"),
        ("rate_crude_per_100", "crude", "100", false, "crude_per_100_without_0"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let columns = ["count", "rate_dsr", "pop", "rate_crude_per_100000", "rate_crude_per_100"];
    let without_zero: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| number(&r["count"], "count") != 0.0)
        .map(|r| columns.iter().map(|c| r[*c].clone()).collect())
        .collect();
    assert!(without_zero.len() < rows.len(), "the reference input has a row of 0 events");
    let without_zero_path = write_rows(&dir, "without_0.csv", &columns, &without_zero);
    for (rate, rate_type, multiplier, with_zero, expected_column) in cases {
        let file = if with_zero { path.as_str() } else { without_zero_path.as_str() };
        let got = table(&fairer_ok(&[
            "calc",
            "funnel",
            file,
            "--statistic",
            "rate",
            "--rate-type",
            rate_type,
            "--count",
            "count",
            "--rate",
            rate,
            "--denominator",
            "pop",
            "--multiplier",
            multiplier,
        ]));
        let expected: Vec<&HashMap<String, String>> =
            rows.iter().filter(|r| with_zero || number(&r["count"], "count") != 0.0).collect();
        assert_eq!(got.len(), expected.len(), "{expected_column}");
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(g["significance"], e[expected_column], "{expected_column} row {}", i + 1);
            assert_eq!(g["count"], e["count"]);
        }
    }
}

/// Compares `--points` output with columns of testdata_funnel_rate_input_funnels.csv.
fn check_points(out: &str, chart_column: &str, denominator_column: &str) {
    let (_, expected) = reference_table("testdata_funnel_rate_input_funnels.csv");
    let got = table(out);
    assert_eq!(got.len(), expected.len());
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        let what = format!("{denominator_column} row {}", i + 1);
        assert_printed(&g["rate_chart"], &e[chart_column], ten_significant, &what);
        assert_printed(&g["denominator_derived"], &e[denominator_column], ten_significant, &what);
    }
}

/// testFunnels.R "calculate_funnel_points works for dsrs with events less than 5" (the
/// largest count set to 5; dsr, 3 years, per 100,000), "… for crude", and "… with 0 event
/// record and denominators supplied" (the largest count set to 0, pop as denominator, crude,
/// 5 years).
#[test]
fn rate_points_match_reference() {
    let input = rate_funnel_input();
    let max = max_events(&input);
    let dir = tempfile::tempdir().unwrap();
    let replaced = |by: &str| -> Vec<Vec<String>> {
        input
            .iter()
            .map(|(ev, rate, pop)| {
                vec![if number(ev, "ev") == max { by.to_string() } else { ev.clone() }, rate.clone(), pop.clone()]
            })
            .collect()
    };
    let columns = ["ev", "rate", "pop"];
    let five = write_rows(&dir, "five.csv", &columns, &replaced("5"));
    let zero = write_rows(&dir, "zero.csv", &columns, &replaced("0"));
    let original = write_rows(
        &dir,
        "original.csv",
        &columns,
        &input.iter().map(|(a, b, c)| vec![a.clone(), b.clone(), c.clone()]).collect::<Vec<_>>(),
    );
    let run = |file: &str, extra: &[&str]| {
        let mut args =
            vec!["calc", "funnel", file, "--statistic", "rate", "--count", "ev", "--rate", "rate", "--points"];
        args.extend_from_slice(extra);
        fairer_ok(&args)
    };
    let out = run(&five, &["--rate-type", "dsr", "--years-of-data", "3"]);
    assert_eq!(out.lines().next(), Some("ev,rate,pop,significance,rate_chart,denominator_derived"));
    check_points(&out, "rate_chart", "denominator_derived");
    // A DSR with fewer than 10 events is not significance-tested.
    let got = table(&out);
    assert!(got
        .iter()
        .any(|r| r["significance"] == "Not applicable for events less than 10 for dsrs" && r["ev"] == "5"));
    check_points(
        &run(&original, &["--rate-type", "crude", "--years-of-data", "3"]),
        "rate_chart_crude",
        "denominator_derived_crude",
    );
    check_points(
        &run(&zero, &["--rate-type", "crude", "--years-of-data", "5", "--denominator", "pop"]),
        "rate_chart_crude_with_denom",
        "denominator_derived_crude_with_denom",
    );
}

// --- formats -----------------------------------------------------------------------------------

/// Limits to a Parquet file and significance through standard input both work.
#[test]
fn parquet_output_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "in.csv", "area,x,n\nA,30,100\nB,80,100\nC,50,100\nD,52,110\n");
    let out = dir.path().join("limits.parquet").to_string_lossy().into_owned();
    let result = fairer(&[
        "calc",
        "funnel",
        &input,
        "--statistic",
        "proportion",
        "--count",
        "x",
        "--denominator",
        "n",
        "--limits",
        "--output",
        &out,
    ]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    assert!(std::fs::metadata(&out).map(|m| m.len() > 0).unwrap_or(false));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["calc", "funnel", "-", "--statistic", "proportion", "--count", "x", "--denominator", "n"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run fairer");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"area,x,n\nA,30,100\nB,80,100\nC,50,100\n").expect("write stdin");
    }
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success());
    let got = table(&String::from_utf8(output.stdout).unwrap());
    let levels: Vec<&str> = got.iter().map(|r| r["significance"].as_str()).collect();
    // The average is 160/300: 30% and 80% lie far outside its limits at n = 100.
    assert_eq!(levels, ["Low (0.001)", "High (0.001)", "Not significant"]);
}

// --- help and bad input ------------------------------------------------------------------------

#[test]
fn help_teaches_each_statistic_its_defaults_and_reference() {
    let help = fairer_ok(&["calc", "funnel", "--help"]);
    for needle in [
        "proportion",
        "ratio",
        "rate",
        "Wilson",
        "Poisson",
        "--multiplier 100 (default",
        "100000",
        "calculate_funnel_limits",
        "assign_funnel_significance",
        "calculate_funnel_points",
        "PHEindicatormethods 2.1.0",
        "--years-of-data",
        "Not applicable for events less than 10 for dsrs",
        "lower_2s_limit",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn bad_input_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let prop = ["--statistic", "proportion", "--count", "x", "--denominator", "n"];
    let run = |file: &str, args: &[&str]| {
        let mut a = vec!["calc", "funnel", file];
        a.extend_from_slice(args);
        fairer_err(&a)
    };

    let input = write(&dir, "ok.csv", "area,x,n\nA,1,10\nB,2,10\n");
    let err = run(&input, &["--statistic", "proportion", "--count", "events", "--denominator", "n"]);
    assert!(
        err.contains("ok.csv")
            && err.contains("no column \"events\"")
            && err.contains("--count")
            && err.contains("area, x, n"),
        "{err}"
    );
    let err = run(&input, &["--statistic", "rate", "--rate-type", "dsr", "--count", "x", "--rate", "dsr"]);
    assert!(err.contains("no column \"dsr\"") && err.contains("--rate"), "{err}");
    let err = run(&input, &["--statistic", "proportion", "--count", "x", "--denominator", "n", "--group-by", "region"]);
    assert!(err.contains("no column \"region\""), "{err}");

    let input = write(&dir, "word.csv", "area,x,n\nA,1,10\nB,two,10\n");
    let err = run(&input, &prop);
    assert!(err.contains("word.csv, row 2 (line 3), column \"x\": expected a number, found \"two\""), "{err}");

    let input = write(&dir, "neg.csv", "area,x,n\nA,1,10\nB,-1,10\n");
    let ratio = ["--statistic", "ratio", "--count", "x", "--denominator", "n"];
    let rate = ["--statistic", "rate", "--rate-type", "crude", "--count", "x", "--rate", "n"];
    for statistic in [&prop[..], &ratio, &rate] {
        let err = run(&input, statistic);
        assert!(
            err.contains("neg.csv, row 2 (line 3), column \"x\"")
                && err.contains("greater than or equal to zero, got -1"),
            "{err}"
        );
    }

    let input = write(&dir, "above.csv", "area,x,n\nA,1,10\nB,11,10\n");
    let err = run(&input, &prop);
    assert!(
        err.contains("above.csv, row 2")
            && err.contains("column \"x\"")
            && err.contains("less than or equal to denominator"),
        "{err}"
    );

    let input = write(&dir, "zero_n.csv", "area,x,n\nA,1,10\nB,0,0\n");
    let err = run(&input, &prop);
    assert!(
        err.contains("zero_n.csv, row 2") && err.contains("column \"n\"") && err.contains("greater than zero"),
        "{err}"
    );
    let err = run(&input, &ratio);
    assert!(
        err.contains("row 2")
            && err.contains("column \"n\"")
            && err.contains("expected events must be greater than zero"),
        "{err}"
    );

    let input = write(&dir, "missing.csv", "area,x,n\nA,,10\nB,2,10\n");
    let err = run(&input, &prop);
    assert!(err.contains("missing.csv, row 1 (line 2), column \"x\"") && err.contains("cannot be missing"), "{err}");

    // Rates: events without a rate; no events and no denominator.
    let input = write(&dir, "rates.csv", "area,x,r,n\nA,12,50,\nB,20,,\nC,0,,1000\n");
    let err = run(
        &input,
        &["--statistic", "rate", "--rate-type", "dsr", "--count", "x", "--rate", "r", "--denominator", "n"],
    );
    assert!(err.contains("rates.csv, row 2") && err.contains("column \"r\"") && err.contains("a rate"), "{err}");
    let input = write(&dir, "rates0.csv", "area,x,r\nA,12,50\nB,0,0\n");
    let err = run(&input, &["--statistic", "rate", "--rate-type", "crude", "--count", "x", "--rate", "r"]);
    assert!(
        err.contains("rates0.csv, row 2") && err.contains("column \"x\"") && err.contains("--denominator"),
        "{err}"
    );

    // A rate funnel with no events at all has no average.
    let input = write(&dir, "none.csv", "area,x,r,n\nA,0,0,100\nB,0,0,200\n");
    let err = run(
        &input,
        &[
            "--statistic",
            "rate",
            "--rate-type",
            "crude",
            "--count",
            "x",
            "--rate",
            "r",
            "--denominator",
            "n",
            "--years-of-data",
            "1",
            "--limits",
        ],
    );
    assert!(err.contains("none.csv") && err.contains("event"), "{err}");
}

#[test]
fn options_that_do_not_fit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "in.csv", "area,x,n,r\nA,12,100,12000\nB,20,100,20000\n");
    let cases: [(&[&str], &str); 9] = [
        (&["--statistic", "proportion", "--count", "x"], "--denominator"),
        (&["--statistic", "proportion", "--count", "x", "--denominator", "n", "--points"], "--points"),
        (&["--statistic", "proportion", "--count", "x", "--denominator", "n", "--rate-type", "dsr"], "--rate-type"),
        (&["--statistic", "proportion", "--count", "x", "--denominator", "n", "--multiplier", "0"], "multiplier"),
        (&["--statistic", "ratio", "--count", "x", "--denominator", "n", "--limits"], "--ratio-type"),
        (&["--statistic", "rate", "--count", "x", "--rate", "r"], "--rate-type"),
        (&["--statistic", "rate", "--rate-type", "crude", "--count", "x"], "--rate"),
        (
            &["--statistic", "rate", "--rate-type", "crude", "--count", "x", "--rate", "r", "--limits"],
            "--years-of-data",
        ),
        (
            &[
                "--statistic",
                "rate",
                "--rate-type",
                "crude",
                "--count",
                "x",
                "--rate",
                "r",
                "--points",
                "--years-of-data=-1",
            ],
            "years-of-data",
        ),
    ];
    for (args, needle) in cases {
        let mut a = vec!["calc", "funnel", input.as_str()];
        a.extend_from_slice(args);
        let err = fairer_err(&a);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // An unknown statistic is refused by the parser, listing the ones there are.
    let err = fairer_err(&["calc", "funnel", &input, "--statistic", "mean", "--count", "x"]);
    assert!(err.contains("proportion") && err.contains("ratio") && err.contains("rate"), "{err}");
}
