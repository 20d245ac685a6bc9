//! `fairer calc summary-measures` and `fairer calc arriaga` run as a user runs them: the built
//! binary on small CSV files in a temporary directory.
//!
//! The expected numbers are those of the `stats` tests: HEAT's own R code (WHOequity/
//! HEAT-Measures) run on the same five quintiles and four regions (see
//! `crates/stats/src/inequality/tests.rs`), and for Arriaga the independently computed worked
//! example of `crates/stats/src/arriaga.rs`. Bad input must fail with a message naming the
//! file, row and column and a non-zero exit, never a panic.

#![allow(clippy::excessive_precision)]

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_fairer");

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn fairer(args: &[&str]) -> Run {
    let out = Command::new(BIN).args(args).output().expect("run fairer");
    let run = Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "fairer panicked: {}", run.stderr);
    run
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write input");
    path
}

/// A CSV table: the header and rows of fields (quoted fields unquoted).
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

impl Table {
    fn parse(text: &str) -> Table {
        let mut lines = text.lines();
        let header = split(lines.next().expect("a header"));
        Table { header, rows: lines.map(split).collect() }
    }
    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }
    fn rows_where(&self, column: &str, value: &str) -> Vec<&Vec<String>> {
        let c = self.col(column);
        self.rows.iter().filter(|r| r[c] == value).collect()
    }
    fn num(&self, row: &[String], column: &str) -> Option<f64> {
        let cell = &row[self.col(column)];
        (!cell.is_empty()).then(|| cell.parse().unwrap_or_else(|_| panic!("{column}: not a number: {cell}")))
    }
    fn text<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        &row[self.col(column)]
    }
}

fn close(got: Option<f64>, expected: f64, tol: f64, what: &str) {
    let g = got.unwrap_or_else(|| panic!("{what}: expected {expected}, got nothing"));
    assert!((g - expected).abs() <= tol * expected.abs().max(1.0), "{what}: got {g}, expected {expected}");
}

/// Checks value, lowercl and uppercl of each (measure, value, lower, upper).
fn check_measures(t: &Table, rows: &[&Vec<String>], expected: &[(&str, f64, f64, f64)], tol: f64) {
    for &(m, v, l, u) in expected {
        let row = rows.iter().find(|r| t.text(r, "measure") == m).unwrap_or_else(|| panic!("no row for {m}"));
        close(t.num(row, "value"), v, tol, m);
        close(t.num(row, "lowercl"), l, tol, m);
        close(t.num(row, "uppercl"), u, tol, m);
        assert_eq!(t.text(row, "unavailable"), "", "{m}");
    }
}

// ---------------------------------------------------------------- summary measures

/// Five quintiles of a coverage indicator (%), out of order (stats: `quintiles()`).
const QUINTILES: &str = "area,quintile,order,value,se,pop
X,Q3,3,65,2,900
X,Q1,1,50,3,1000
X,Q5,5,80,2,800
X,Q2,2,60,2.5,1200
X,Q4,4,72,2.2,1100
";

/// HEAT's values for the quintiles, favourable (stats `quintiles_all_measures_match_heat`,
/// `HEAT_ACI`, `HEAT_RCI`, `HEAT_SII`, `HEAT_RII`).
const HEAT_QUINTILES_FAVOURABLE: [(&str, f64, f64, f64); 8] = [
    ("D", 30.0, 22.933249355678129, 37.066750644321871),
    ("R", 1.6000000000000001, 1.4086136168913841, 1.8173897861711485),
    ("PAR", 15.260000000000005, 12.553912430408086, 17.966087569591924),
    ("PAF", 23.571207908557316, 23.529408594847215, 23.613007222267417),
    ("ACI", 5.5563999999999982, 4.9200732901832831, 6.1927267098167134),
    ("RCI", 0.085826382452888497, 0.075997424933322344, 0.09565533997245465),
    ("SII", 33.851177258893919, 29.924104997213817, 37.778249520574022),
    ("RII", 1.7273761684657261, 1.614881656202815, 1.8477071777503613),
];

const QUINTILE_ARGS: [&str; 14] = [
    "--subgroup",
    "quintile",
    "--order",
    "order",
    "--estimate",
    "value",
    "--se",
    "se",
    "--population",
    "pop",
    "--dimension-kind",
    "ordered",
    "--scale",
    "100",
];

#[test]
fn ordered_quintiles_match_heat() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "q.csv", QUINTILES);
    let mut args = vec!["calc", "summary-measures", input.to_str().unwrap(), "--group-by", "area", "--favourable"];
    args.extend(QUINTILE_ARGS);
    let run = fairer(&args);
    assert!(run.ok, "{}", run.stderr);
    let t = Table::parse(&run.stdout);
    assert_eq!(
        t.header,
        ["area", "measure", "measure_name", "value", "se", "lowercl", "uppercl", "confidence", "method", "unavailable"]
    );
    // Only the measures that apply to an ordered dimension, in HEAT's order.
    let measures: Vec<&str> = t.rows.iter().map(|r| t.text(r, "measure")).collect();
    assert_eq!(measures, ["D", "R", "PAR", "PAF", "ACI", "RCI", "SII", "RII"]);
    let rows = t.rows_where("area", "X");
    // SII and RII by HEAT's logistic model (glm + HC1 + delta method).
    check_measures(&t, &rows, &HEAT_QUINTILES_FAVOURABLE, 1e-9);
    let d = &rows[0];
    assert_eq!(t.text(d, "method"), "analytic");
    assert_eq!(t.text(d, "confidence"), "95%");
    assert_eq!(t.text(d, "measure_name"), "Difference");
}

#[test]
fn adverse_indicator_and_two_confidence_levels() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "q.csv", QUINTILES);
    let mut args = vec![
        "calc",
        "summary-measures",
        input.to_str().unwrap(),
        "--adverse",
        "--measures",
        "d,r,par,paf,bgv",
        "--confidence",
        "0.95,0.998",
    ];
    args.extend(QUINTILE_ARGS);
    let run = fairer(&args);
    assert!(run.ok, "{}", run.stderr);
    let t = Table::parse(&run.stdout);
    for c in ["lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"] {
        t.col(c);
    }
    // HEAT on quintiles(false).
    let expected = [
        ("D", -30.0, -37.066750644321871, -22.933249355678129),
        ("R", 0.625, 0.55023969409819684, 0.70991788522310473),
        ("PAR", 0.0, -2.7060875695919195, 2.7060875695919195),
        ("PAF", 0.0, -0.041799313710099997, 0.041799313710099997),
    ];
    for (m, v, l, u) in expected {
        let row = t.rows.iter().find(|r| t.text(r, "measure") == m).unwrap();
        close(t.num(row, "value"), v, 1e-9, m);
        close(t.num(row, "lower95_0cl"), l, 1e-9, m);
        close(t.num(row, "upper95_0cl"), u, 1e-9, m);
        // The 99.8% interval is wider, around the same value.
        let (l998, u998) = (t.num(row, "lower99_8cl").unwrap(), t.num(row, "upper99_8cl").unwrap());
        assert!(l998 < l + 1e-12 && u998 > u - 1e-12, "{m}: {l998} {u998}");
    }
    // A measure asked for by name is written even where it does not apply, with why.
    let bgv = t.rows.iter().find(|r| t.text(r, "measure") == "BGV").unwrap();
    assert_eq!(t.num(bgv, "value"), None);
    assert_eq!(t.text(bgv, "unavailable"), "applies only to non-ordered dimensions");
    assert_eq!(t.text(bgv, "confidence"), "95%, 99.8%");
}

/// A HEAT Plus upload template: the quintiles (ordered, favourable) and four regions
/// (non-ordered, B the reference subgroup) of one indicator in one setting, column for column
/// as HEAT Plus takes them. Q4 has only its 95% limits (ci_lb, ci_ub), from which the SE
/// 2.2 is derived: 72 ∓ 1.959964 × 2.2.
const TEMPLATE: &str = "setting,date,source,indicator_abbr,indicator_name,dimension,subgroup,estimate,se,ci_lb,ci_ub,population,flag,setting_average,iso3,favourable_indicator,indicator_scale,ordered_dimension,subgroup_order,reference_subgroup
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q3,65,2,,,900,,,GBR,1,100,1,3,0
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q1,50,3,,,1000,,,GBR,1,100,1,1,0
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q5,80,2,,,800,,,GBR,1,100,1,5,0
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q2,60,2.5,,,1200,,,GBR,1,100,1,2,0
Fairshire,2023,Survey,cov,Coverage (%),Deprivation quintile,Q4,72,,67.6879208,76.3120792,1100,,,GBR,1,100,1,4,0
Fairshire,2023,Survey,cov,Coverage (%),Region,A,30,2,,,100,,41.5,GBR,1,100,0,,0
Fairshire,2023,Survey,cov,Coverage (%),Region,B,45,3,,,300,,41.5,GBR,1,100,0,,1
Fairshire,2023,Survey,cov,Coverage (%),Region,C,25,2.5,,,200,,41.5,GBR,1,100,0,,0
Fairshire,2023,Survey,cov,Coverage (%),Region,D,50,4,,,400,,41.5,GBR,1,100,0,,
";

#[test]
fn heat_plus_template_is_read_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "heat.csv", TEMPLATE);
    let output = dir.path().join("out.csv");
    let run = fairer(&["calc", "summary-measures", input.to_str().unwrap(), "--output", output.to_str().unwrap()]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stderr.contains("9 rows read"), "{}", run.stderr);
    let t = Table::parse(&std::fs::read_to_string(&output).unwrap());
    assert_eq!(&t.header[..6], ["setting", "date", "source", "indicator_abbr", "dimension", "measure"]);
    let quintiles = t.rows_where("dimension", "Deprivation quintile");
    assert_eq!(quintiles.len(), 8);
    check_measures(&t, &quintiles, &HEAT_QUINTILES_FAVOURABLE, 1e-6);
    // HEAT's values for the regions with B as reference (stats `heat_regions_expected`),
    // including the simulated intervals (100 draws, seed 123456).
    let regions = t.rows_where("dimension", "Region");
    let expected = [
        ("D", 20.0, 12.346095962478666, 27.653904037521336),
        ("R", 1.8, 1.4222331968452411, 2.2781074209116197),
        ("PAR", 3.5, -1.1945323925677709, 8.1945323925677709),
        ("PAF", 8.4337349397590362, 8.3206136772875237, 8.5468562022305488),
        ("BGV", 100.25, 34.537747591944665, 165.96225240805535),
        ("BGSD", 10.012492197250394, 8.1041305369779302, 13.788214896544218),
        ("COV", 24.126487222290105, 19.528025390308265, 33.224614208540281),
        ("MLD", 34.990574994442525, 34.969791338161706, 35.011358650723345),
        ("TI", 31.616813481171722, 31.599091966101486, 31.634534996241957),
        ("IDISU", 24.096385542168676, 19.591302484424176, 31.729416681013006),
        ("IDISW", 21.445783132530121, 17.433645976056383, 27.391109653449199),
        ("MDBU", 12.5, 8.4491042571370336, 17.838576128413976),
        ("MDBW", 8.5, 5.4934503478545471, 13.001600402504586),
        ("MDMU", 10.0, 7.6357523613298763, 13.167707922620398),
        ("MDMW", 8.9000000000000004, 6.867672037565594, 11.815318456365228),
        ("MDRU", 10.0, 8.4491042571370336, 17.838576128413976),
        ("MDRW", 7.5000000000000009, 5.4934503478545471, 13.001600402504586),
    ];
    assert_eq!(regions.len(), expected.len());
    check_measures(&t, &regions, &expected, 1e-9);
    for r in &regions {
        assert_eq!(t.text(r, "setting"), "Fairshire");
        assert_eq!(t.text(r, "date"), "2023");
        assert_eq!(t.text(r, "indicator_abbr"), "cov");
    }
}

#[test]
fn one_subgroup_is_a_stated_unavailability() {
    let dir = tempfile::tempdir().unwrap();
    let input =
        write(dir.path(), "one.csv", "area,sex,value,se,pop\nX,Female,50,2,100\nY,Female,40,2,100\nY,Male,30,2,100\n");
    let run = fairer(&[
        "calc",
        "summary-measures",
        input.to_str().unwrap(),
        "--group-by",
        "area",
        "--subgroup",
        "sex",
        "--estimate",
        "value",
        "--se",
        "se",
        "--population",
        "pop",
        "--dimension-kind",
        "binary",
        "--adverse",
        "--scale",
        "100",
    ]);
    assert!(run.ok, "{}", run.stderr);
    let t = Table::parse(&run.stdout);
    let x = t.rows_where("area", "X");
    assert_eq!(x.len(), 4, "D, R, PAR, PAF");
    for r in &x {
        assert_eq!(t.num(r, "value"), None);
        assert_eq!(t.text(r, "unavailable"), "fewer than two subgroups");
    }
    assert!(
        run.stderr.contains("area = X: no summary measure is available (fewer than two subgroups)"),
        "{}",
        run.stderr
    );
    // The other area is computed: D = 40 − 30 for an adverse indicator (most − least
    // favourable), SE √(2² + 2²).
    let y = t.rows_where("area", "Y");
    let d = y.iter().find(|r| t.text(r, "measure") == "D").unwrap();
    close(t.num(d, "value"), 10.0, 1e-12, "D");
    close(t.num(d, "se"), 8f64.sqrt(), 1e-12, "SE of D");
}

/// Seven regions (%, favourable) in area X and four in area Y (stats
/// `inequality::percentile` tests: `seven_regions`).
const SEVEN_REGIONS: &str = "area,region,value,se,pop
X,R0,12,1.5,1000
X,R1,35,2,1100
X,R2,18,1,1200
X,R3,27,2.5,1300
X,R4,41,3,1400
X,R5,22,1.2,1500
X,R6,30,2,1600
Y,A,30,2,100
Y,B,45,3,300
Y,C,25,2.5,200
Y,D,50,4,400
";

#[test]
fn percentile_measures_for_many_non_ordered_subgroups() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "regions.csv", SEVEN_REGIONS);
    let base = [
        "calc",
        "summary-measures",
        input.to_str().unwrap(),
        "--group-by",
        "area",
        "--subgroup",
        "region",
        "--estimate",
        "value",
        "--se",
        "se",
        "--population",
        "pop",
        "--dimension-kind",
        "non-ordered",
        "--favourable",
        "--scale",
        "100",
    ];
    let run = fairer(&base);
    assert!(run.ok, "{}", run.stderr);
    let t = Table::parse(&run.stdout);
    // Seven subgroups: the percentile measures are written after D and R; values by hand from
    // R's quantile type 7 (sorted 12, 18, 22, 27, 30, 35, 41: P20 18.8, P80 34, P10 15.6,
    // P90 37.4), limits from HEAT's simulation loop run in R (seed 123456, 100 draws).
    let x = t.rows_where("area", "X");
    let measures: Vec<&str> = x.iter().map(|r| t.text(r, "measure")).collect();
    assert_eq!(&measures[..6], ["D", "R", "D8020", "R8020", "D9010", "R9010"]);
    let expected = [
        ("D8020", 15.2, 11.947546294619043, 18.047476914693135),
        ("R8020", 34.0 / 18.8, 1.6090004203384594, 2.0358411147065922),
        ("D9010", 21.8, 18.816361930824364, 24.765572786936772),
        ("R9010", 37.4 / 15.6, 2.1892772914542018, 2.7562146082820771),
    ];
    check_measures(&t, &x, &expected, 1e-9);
    let r = x.iter().find(|r| t.text(r, "measure") == "R8020").unwrap();
    assert_eq!(t.text(r, "measure_name"), "Ratio of 80th to 20th percentile");
    assert_eq!(t.text(r, "method"), "simulation");
    // Four subgroups: not written, as a measure that does not apply.
    let y = t.rows_where("area", "Y");
    assert!(y.iter().all(|r| !t.text(r, "measure").starts_with("D8") && !t.text(r, "measure").contains("9010")));
    assert_eq!(y.len(), 17);
    // Asked for by name, it is written with why it is unavailable.
    let mut args = base.to_vec();
    args.extend(["--measures", "D8020,r9010"]);
    let run = fairer(&args);
    assert!(run.ok, "{}", run.stderr);
    let t = Table::parse(&run.stdout);
    let y = t.rows_where("area", "Y");
    assert_eq!(y.len(), 2);
    for r in &y {
        assert_eq!(t.num(r, "value"), None);
        assert_eq!(t.text(r, "unavailable"), "needs at least 5 subgroups with an estimate, has 4");
    }
    assert_eq!(t.rows_where("area", "X").len(), 2);
}

fn summary_args(input: &str) -> Vec<&str> {
    vec![
        "calc",
        "summary-measures",
        input,
        "--subgroup",
        "quintile",
        "--order",
        "order",
        "--estimate",
        "value",
        "--se",
        "se",
        "--population",
        "pop",
        "--dimension-kind",
        "ordered",
        "--favourable",
        "--scale",
        "100",
    ]
}

fn assert_error(run: &Run, parts: &[&str]) {
    assert!(!run.ok, "expected a failure, got: {}", run.stdout);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    for p in parts {
        assert!(run.stderr.contains(p), "expected {p:?} in: {}", run.stderr);
    }
}

#[test]
fn negative_se_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "neg.csv", &QUINTILES.replace("X,Q1,1,50,3,1000", "X,Q1,1,50,-3,1000"));
    let path = input.to_str().unwrap();
    let run = fairer(&summary_args(path));
    assert_error(&run, &[path, "row 2 (line 3)", "column \"se\"", "a standard error ≥ 0", "\"-3\""]);
}

#[test]
fn missing_column_lists_the_columns_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "q.csv", QUINTILES);
    let path = input.to_str().unwrap();
    let mut args = summary_args(path);
    args[10] = "sd";
    let run = fairer(&args);
    assert_error(
        &run,
        &[
            path,
            "no column \"sd\" (needed for the standard error column (--se))",
            "area, quintile, order, value, se, pop",
        ],
    );
}

#[test]
fn other_bad_rows_are_errors_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    // Not a number.
    let input = write(dir.path(), "nan.csv", &QUINTILES.replace("X,Q5,5,80,2,800", "X,Q5,5,eighty,2,800"));
    assert_error(&fairer(&summary_args(input.to_str().unwrap())), &["row 3", "column \"value\""]);
    // A subgroup twice in a group (a grouping column forgotten).
    let twice = format!("{QUINTILES}Y,Q1,1,40,3,1000\n");
    let input = write(dir.path(), "twice.csv", &twice);
    assert_error(
        &fairer(&summary_args(input.to_str().unwrap())),
        &["row 6 (line 7)", "column \"quintile\"", "each subgroup once", "--group-by"],
    );
    // A per-dimension flag that differs within a group.
    let template = TEMPLATE.replace("Q2,60,2.5,,,1200,,,GBR,1,", "Q2,60,2.5,,,1200,,,GBR,0,");
    let input = write(dir.path(), "flags.csv", &template);
    assert_error(
        &fairer(&["calc", "summary-measures", input.to_str().unwrap()]),
        &["row 4", "column \"favourable_indicator\"", "the same favourable flag"],
    );
    // A reference flag that is not 0 or 1.
    let template = TEMPLATE.replace("41.5,GBR,1,100,0,,1", "41.5,GBR,1,100,0,,2");
    let input = write(dir.path(), "ref.csv", &template);
    assert_error(
        &fairer(&["calc", "summary-measures", input.to_str().unwrap()]),
        &["row 7", "column \"reference_subgroup\""],
    );
    // Two reference subgroups in one dimension: the group is named.
    let template = TEMPLATE.replace(
        "41.5,GBR,1,100,0,,0\nFairshire,2023,Survey,cov,Coverage (%),Region,B",
        "41.5,GBR,1,100,0,,1\nFairshire,2023,Survey,cov,Coverage (%),Region,B",
    );
    let input = write(dir.path(), "tworef.csv", &template);
    assert_error(
        &fairer(&["calc", "summary-measures", input.to_str().unwrap()]),
        &["dimension = Region", "reference subgroup"],
    );
    // Missing options say what to give.
    let input = write(dir.path(), "q.csv", QUINTILES);
    let mut args = summary_args(input.to_str().unwrap());
    args.truncate(args.len() - 2);
    assert_error(&fairer(&args), &["--scale"]);
}

// ---------------------------------------------------------------- Arriaga

const STARTS: [u32; 20] = [0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90];
const LABELS: [&str; 20] = [
    "0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
    "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];

/// The stats worked example: Gompertz rates, population 1000 in every band; deaths rounded to
/// 4 decimals. Group 1 (most deprived): infant 0.006, 0.0002·e^(0.085·mid-age); group 2: 0.003,
/// 0.0001·e^(0.085·mid-age).
fn example_deaths(infant: f64, a: f64) -> Vec<f64> {
    STARTS
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let m = if i == 0 { infant } else { a * (0.085 * (f64::from(x) + 2.5)).exp() };
            (m * 1000.0 * 1e4).round() / 1e4
        })
        .collect()
}

const EXPECTED_E0: (f64, f64) = (64.18467327527578, 72.44544611780358);
const EXPECTED_BY_AGE: [f64; 20] = [
    0.21593541753933462,
    0.03730014188153692,
    0.06118389590327366,
    0.0863292518853051,
    0.1209112707276416,
    0.1678056785463019,
    0.2303611840127899,
    0.3119069612416983,
    0.4150285072752909,
    0.5399243444078653,
    0.6818190227582673,
    0.8271636599548295,
    0.9500076783614496,
    1.0112084266925088,
    0.9671121060104355,
    0.7940019214212972,
    0.5223985515797448,
    0.24679136692388104,
    0.06834448769014945,
    0.005238967714198626,
];

/// Rows `area,decile,age,deaths,pop` for both deciles (labels as ages, the comparator first).
fn arriaga_csv() -> String {
    let mut s = String::from("area,decile,age,deaths,pop\n");
    for (decile, deaths) in
        [("least deprived", example_deaths(0.003, 0.0001)), ("most deprived", example_deaths(0.006, 0.0002))]
    {
        for (i, d) in deaths.iter().enumerate() {
            s.push_str(&format!("E06000001,{decile},{},{d},1000\n", LABELS[i]));
        }
    }
    s
}

#[test]
fn arriaga_matches_the_worked_example_and_sums_to_the_life_expectancy_gap() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "le.csv", &arriaga_csv());
    let path = input.to_str().unwrap();
    let run = fairer(&[
        "calc",
        "arriaga",
        path,
        "--group-by",
        "area",
        "--group",
        "decile",
        "--base",
        "most deprived",
        "--start-age",
        "age",
        "--deaths",
        "deaths",
        "--population",
        "pop",
    ]);
    assert!(run.ok, "{}", run.stderr);
    let t = Table::parse(&run.stdout);
    assert_eq!(
        t.header,
        [
            "area",
            "base",
            "comparator",
            "start_age",
            "age_band",
            "direct",
            "indirect_and_interaction",
            "contribution",
            "percent_of_gap",
            "e0_base",
            "e0_comparator",
            "gap"
        ]
    );
    assert_eq!(t.rows.len(), 20);
    let mut sum = 0.0;
    let mut percent = 0.0;
    for (i, r) in t.rows.iter().enumerate() {
        assert_eq!(t.text(r, "base"), "most deprived");
        assert_eq!(t.text(r, "comparator"), "least deprived");
        assert_eq!(t.text(r, "age_band"), LABELS[i]);
        assert_eq!(t.num(r, "start_age"), Some(f64::from(STARTS[i])));
        close(t.num(r, "contribution"), EXPECTED_BY_AGE[i], 1e-10, LABELS[i]);
        close(
            Some(t.num(r, "direct").unwrap() + t.num(r, "indirect_and_interaction").unwrap()),
            EXPECTED_BY_AGE[i],
            1e-10,
            "direct + indirect",
        );
        close(t.num(r, "e0_base"), EXPECTED_E0.0, 1e-12, "e0 base");
        close(t.num(r, "e0_comparator"), EXPECTED_E0.1, 1e-12, "e0 comparator");
        sum += t.num(r, "contribution").unwrap();
        percent += t.num(r, "percent_of_gap").unwrap();
    }
    let gap = t.num(&t.rows[0], "gap").unwrap();
    assert!((sum - gap).abs() < 1e-9, "contributions {sum} vs gap {gap}");
    assert!((percent - 100.0).abs() < 1e-9);
    // The gap is the one between the life expectancies `calc life-expectancy` gives.
    let le = fairer(&[
        "calc",
        "life-expectancy",
        path,
        "--group-by",
        "decile",
        "--start-age",
        "age",
        "--deaths",
        "deaths",
        "--population",
        "pop",
    ]);
    assert!(le.ok, "{}", le.stderr);
    let l = Table::parse(&le.stdout);
    let e0 = |decile: &str| {
        let row = l.rows.iter().find(|r| l.text(r, "decile") == decile && l.text(r, "age") == "0").expect("e0 row");
        l.num(row, "value").unwrap()
    };
    assert!((e0("least deprived") - e0("most deprived") - sum).abs() < 1e-9);
    close(Some(e0("most deprived")), t.num(&t.rows[0], "e0_base").unwrap(), 1e-14, "e0 agrees with life-expectancy");
}

#[test]
fn arriaga_by_cause_sums_to_each_band_and_to_the_gap() {
    // Deaths split 60/40 between two causes in both deciles: each cause then takes 60% and 40%
    // of every band's contribution.
    let mut s = String::from("decile,age,cause,deaths,pop\n");
    for (decile, deaths) in [("1", example_deaths(0.006, 0.0002)), ("10", example_deaths(0.003, 0.0001))] {
        for (i, d) in deaths.iter().enumerate() {
            s.push_str(&format!("{decile},{},circulatory,{},1000\n", STARTS[i], d * 0.6));
            s.push_str(&format!("{decile},{},other,{},1000\n", STARTS[i], d * 0.4));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "cause.csv", &s);
    // Without --base, decile 1 (first in natural order, before 10) is the base.
    let run = fairer(&[
        "calc",
        "arriaga",
        input.to_str().unwrap(),
        "--group",
        "decile",
        "--start-age",
        "age",
        "--deaths",
        "deaths",
        "--population",
        "pop",
        "--cause",
        "cause",
    ]);
    assert!(run.ok, "{}", run.stderr);
    let t = Table::parse(&run.stdout);
    assert_eq!(t.rows.len(), 40);
    assert!(!t.header.contains(&"direct".to_string()));
    let mut total = 0.0;
    for (i, pair) in t.rows.chunks(2).enumerate() {
        assert_eq!(t.text(&pair[0], "cause"), "circulatory");
        assert_eq!(t.text(&pair[1], "cause"), "other");
        assert_eq!(t.text(&pair[0], "base"), "1");
        let (a, b) = (t.num(&pair[0], "contribution").unwrap(), t.num(&pair[1], "contribution").unwrap());
        close(Some(a + b), EXPECTED_BY_AGE[i], 1e-9, LABELS[i]);
        close(Some(a), 0.6 * EXPECTED_BY_AGE[i], 1e-6, "circulatory share");
        total += a + b;
    }
    close(Some(total), EXPECTED_E0.1 - EXPECTED_E0.0, 1e-9, "sum over bands and causes");
}

#[test]
fn arriaga_bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let args = |p: &'static str| -> Vec<String> {
        [
            "calc",
            "arriaga",
            p,
            "--group",
            "decile",
            "--start-age",
            "age",
            "--deaths",
            "deaths",
            "--population",
            "pop",
            "--group-by",
            "area",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run_on = |name: &str, text: &str| -> (String, Run) {
        let path = write(dir.path(), name, text);
        let p = path.to_str().unwrap().to_string();
        let mut a = args("IN");
        a[2] = p.clone();
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        (p, fairer(&refs))
    };
    let good = arriaga_csv();
    // A missing band.
    let (_, run) =
        run_on("missing.csv", &good.replace("E06000001,most deprived,40-44,", "E06000001,most deprived,forty,"));
    assert_error(&run, &["row 30", "column \"age\"", "a life-table band"]);
    let dropped: String =
        good.lines().filter(|l| !l.starts_with("E06000001,most deprived,40-44,")).map(|l| format!("{l}\n")).collect();
    let (_, run) = run_on("dropped.csv", &dropped);
    assert_error(&run, &["area = E06000001", "most deprived has no row for age band(s) 40-44"]);
    // Negative deaths.
    let (p, run) = run_on(
        "negative.csv",
        &good.replacen("E06000001,least deprived,0,3,1000", "E06000001,least deprived,0,-3,1000", 1),
    );
    assert_error(&run, &[&p, "row 1 (line 2)", "column \"deaths\"", "≥ 0"]);
    // A third population in a group.
    let third = format!("{good}E06000001,middle,0,3,1000\n");
    let (_, run) = run_on("third.csv", &third);
    assert_error(&run, &["row 41", "column \"decile\"", "one of the two populations"]);
    // A band given twice.
    let twice = format!("{good}E06000001,most deprived,90+,100,1000\n");
    let (_, run) = run_on("twice.csv", &twice);
    assert_error(&run, &["row 41", "each age band once"]);
    // Only one population.
    let one: String = good.lines().filter(|l| !l.contains("least deprived")).map(|l| format!("{l}\n")).collect();
    let (_, run) = run_on("one.csv", &one);
    assert_error(&run, &["two populations", "only most deprived"]);
    // A base that is not there.
    let path = write(dir.path(), "good.csv", &good);
    let run = fairer(&[
        "calc",
        "arriaga",
        path.to_str().unwrap(),
        "--group",
        "decile",
        "--base",
        "Q1",
        "--start-age",
        "age",
        "--deaths",
        "deaths",
        "--population",
        "pop",
    ]);
    assert_error(&run, &["the base population (--base), Q1, is not in this group"]);
    // No deaths at 90+: the life table cannot be closed; a warning and no rows, not a failure.
    let open: String = good
        .lines()
        .map(|l| {
            if l.starts_with("E06000001,most deprived,90+,") {
                "E06000001,most deprived,90+,0,1000\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let (_, run) = run_on("open.csv", &open);
    assert!(run.ok, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "only the header: {}", run.stdout);
    assert!(
        run.stderr.contains(
            "warning: area = E06000001: no decomposition: most deprived (comparator), age band 90+: at least one death"
        ),
        "{}",
        run.stderr
    );
}
