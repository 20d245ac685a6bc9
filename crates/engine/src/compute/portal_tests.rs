//! End-to-end tests of published values: small portal-layout tables whose comparisons, trends
//! and inequality summaries are worked out by hand, Fairer's own results read back, bad input,
//! and the real extract of the indicator portal when `../shared/data` is present.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::compute::catalogue::Catalogue;
use crate::compute::cells::LEVELS;
use crate::compute::tests::{close, compute_to_file, run, write, GEOGRAPHY, PROPORTION};
use crate::compute::ComputeSummary;
use crate::error::Result;

use super::{category, clean, Category};

/// Five local authorities of one small area each, in England.
const AREAS: &str = "lsoa,lsoa_name,la,la_name,eng,eng_name,decile\nA1,a1,L1,One,E,England,1\nA2,a2,L2,Two,E,England,3\nA3,a3,L3,Three,E,England,5\nA4,a4,L4,Four,E,England,7\nA5,a5,L5,Five,E,England,9\n";

const HEADER: &str = "[catalogue]
name = \"published\"

[geography]
table = \"areas\"
small_area = { type = \"LSOA\", code = \"lsoa\", name = \"lsoa_name\" }
deprivation_decile = \"decile\"
level = [
  { type = \"Local authority\", code = \"la\", name = \"la_name\" },
  { type = \"England\", code = \"eng\", name = \"eng_name\" },
]

[tables.portal]
path = \"portal.csv\"
layout = \"portal\"
";

const INDICATOR: &str = "
[[indicator]]
id = \"93701\"
name = \"Children in absolute low income families (under 16s)\"
measure = \"published\"
value_type = \"proportion\"
polarity = \"higher_is_worse\"
published = { table = \"portal\", where = { IndicatorId = [93701] } }
";

const DOWNLOAD: &str = "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,Compared to percentiles,Time period Sortable,New data,Compared to goal";

const DECILE_TYPE: &str = "District & UA deprivation deciles in England (IMD2019, 4/23 geography)";

const DECILES: [&str; 10] = [
    "Most deprived decile (IMD2019)",
    "Second most deprived decile (IMD2019)",
    "Third more deprived decile (IMD2019)",
    "Fourth more deprived decile (IMD2019)",
    "Fifth more deprived decile (IMD2019)",
    "Fifth less deprived decile (IMD2019)",
    "Fourth less deprived decile (IMD2019)",
    "Third less deprived decile (IMD2019)",
    "Second least deprived decile (IMD2019)",
    "Least deprived decile (IMD2019)",
];

/// One published row: area, category type and category, year, value, 95% and 99.8% limits
/// (`None` for empty cells), count and denominator.
struct Row {
    area: &'static str,
    category: Option<(&'static str, &'static str)>,
    year: i32,
    value: f64,
    l95: Option<(f64, f64)>,
    l998: Option<(f64, f64)>,
    counts: (f64, f64),
}

/// The values, set by hand:
/// - England 20% (19.8 to 20.2; 99.8%: 19.7 to 20.3) every year 2016 to 2020, 20,000 of 100,000;
/// - L1 rising 10, 15, 20, 25, 30% (100 … 300 of 1,000), limits ±2 and ±3 points;
/// - L2 flat at 20% (200 of 1,000) to 2019, then 21% (19 to 23; 18 to 24) in 2020;
/// - in 2020, L3 23.5% (20.5 to 26.5; 19.5 to 27.5), L4 15% (13 to 17; 12 to 18), L5 18% without
///   limits;
/// - England's deciles in 2020: 30% in the most deprived, two points less in each less
///   deprived one, down to 12%, each of 1,000 (count 300, 280, …, 120), limits ±1 and ±1.5.
fn rows() -> Vec<Row> {
    let mut rows = Vec::new();
    let plain = |area, year, value: f64, w95: f64, w998: f64, counts| Row {
        area,
        category: None,
        year,
        value,
        l95: Some((value - w95, value + w95)),
        l998: Some((value - w998, value + w998)),
        counts,
    };
    for (t, year) in (2016..=2020).enumerate() {
        rows.push(Row {
            area: "E",
            category: None,
            year,
            value: 20.0,
            l95: Some((19.8, 20.2)),
            l998: Some((19.7, 20.3)),
            counts: (20_000.0, 100_000.0),
        });
        let x = 100.0 + 50.0 * t as f64;
        rows.push(plain("L1", year, x / 10.0, 2.0, 3.0, (x, 1000.0)));
        if year < 2020 {
            rows.push(plain("L2", year, 20.0, 2.0, 3.0, (200.0, 1000.0)));
        }
    }
    rows.push(plain("L2", 2020, 21.0, 2.0, 3.0, (210.0, 1000.0)));
    rows.push(plain("L3", 2020, 23.5, 3.0, 4.0, (235.0, 1000.0)));
    rows.push(plain("L4", 2020, 15.0, 2.0, 3.0, (150.0, 1000.0)));
    rows.push(Row {
        area: "L5",
        category: None,
        year: 2020,
        value: 18.0,
        l95: None,
        l998: None,
        counts: (180.0, 1000.0),
    });
    for (d, label) in DECILES.iter().enumerate() {
        let value = 30.0 - 2.0 * d as f64;
        rows.push(Row {
            area: "E",
            category: Some((DECILE_TYPE, label)),
            year: 2020,
            value,
            l95: Some((value - 1.0, value + 1.0)),
            l998: Some((value - 1.5, value + 1.5)),
            counts: (value * 10.0, 1000.0),
        });
    }
    rows
}

fn cell(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// The rows in the portal's "download data" layout, with a row of another breakdown and rows
/// of another indicator (which the filter leaves out, bad value and all).
fn download_csv() -> String {
    let mut csv = format!("{DOWNLOAD}\n");
    for r in rows() {
        let (ct, c) = r.category.map_or((String::new(), ""), |(t, c)| (format!("\"{t}\""), c));
        writeln!(
            csv,
            "93701,Children in low income families,,,{},Name,Type,Persons,<16 yrs,{ct},{c},{},{},{},{},{},{},{},{},,,,,{}0000,,",
            r.area,
            r.year,
            r.value,
            cell(r.l95.map(|l| l.0)),
            cell(r.l95.map(|l| l.1)),
            cell(r.l998.map(|l| l.0)),
            cell(r.l998.map(|l| l.1)),
            r.counts.0,
            r.counts.1,
            r.year
        )
        .unwrap();
    }
    csv.push_str("93701,Children in low income families,,,L1,One,Type,Persons,<16 yrs,Ethnic groups,White,2020,25,,,,,,,,,,,20200000,,\n");
    csv.push_str("12345,Something else,,,L1,One,Type,Persons,All ages,,,2020,not a number,,,,,,,,,,,20200000,,\n");
    csv
}

/// The same rows as the FingertipsNext API extract has them: `Year`, `LowerCI`/`UpperCI` (95%
/// only), `SexID`, and the category label under `CategoryType`, its type (quoted) under
/// `Category`.
fn api_csv() -> String {
    let mut csv = String::from("IndicatorId,Year,AgeID,SexID,AreaCode,Count,Value,LowerCI,UpperCI,Denominator,Trend,Sex,Age,CategoryType,Category\n");
    for r in rows() {
        let (label, kind) = match r.category {
            Some((t, c)) => (c.to_string(), format!("\"\"\"{t}\"\"\"")),
            None => (String::new(), String::new()),
        };
        writeln!(
            csv,
            "93701,{},169,4,{},{},{},{},{},{},\"\",Persons,<16 yrs,{label},{kind}",
            r.year,
            r.area,
            r.counts.0,
            r.value,
            cell(r.l95.map(|l| l.0)),
            cell(r.l95.map(|l| l.1)),
            r.counts.1
        )
        .unwrap();
    }
    csv
}

/// A results CSV as rows of column → cell.
fn results(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    reader.records().map(|r| headers.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect()
}

fn find<'a>(
    rows: &'a [HashMap<String, String>],
    area: &str,
    period: &str,
    category: &str,
) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["Area Code"] == area && r["Time period"] == period && r["Category"] == category)
        .unwrap_or_else(|| panic!("no row {area} {period} {category:?}"))
}

fn number(row: &HashMap<String, String>, column: &str) -> Option<f64> {
    let cell = &row[column];
    (!cell.is_empty()).then(|| cell.parse().unwrap_or_else(|_| panic!("{column}: {cell}")))
}

fn setup(portal: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "areas.csv", AREAS);
    write(dir.path(), "portal.csv", portal);
    dir
}

/// The checks every layout passes: values and 95% limits as published, comparisons, quintiles,
/// trends and the inequality summaries across England's deciles, as worked out by hand.
fn check_common(rows: &[HashMap<String, String>]) {
    // Values and limits pass through; the benchmark is England's value of the year.
    let l1 = find(rows, "L1", "2020", "");
    assert_eq!(
        (number(l1, "Value"), number(l1, "Lower CI 95.0 limit"), number(l1, "Upper CI 95.0 limit")),
        (Some(30.0), Some(28.0), Some(32.0))
    );
    assert_eq!((number(l1, "Count"), number(l1, "Denominator")), (Some(300.0), Some(1000.0)));
    assert_eq!((l1["Benchmark"].as_str(), number(l1, "Benchmark value")), ("England", Some(20.0)));
    assert_eq!((l1["Age"].as_str(), l1["Sex"].as_str(), l1["Measure"].as_str()), ("<16 yrs", "Persons", "published"));
    assert_eq!(l1["Parent Code"], "E");
    // 20 lies below L1's interval (28 to 32): L1 is higher, and higher is worse.
    assert_eq!(l1["Compared to benchmark (95%)"], "Worse");
    // L2's 19 to 23 holds 20: similar. L4's 13 to 17 lies below: better. L5 has no limits.
    assert_eq!(find(rows, "L2", "2020", "")["Compared to benchmark (95%)"], "Similar");
    assert_eq!(find(rows, "L4", "2020", "")["Compared to benchmark (95%)"], "Better");
    assert_eq!(find(rows, "L5", "2020", "")["Compared to benchmark (95%)"], "Not compared");
    // Quintiles of 30, 21, 23.5, 15, 18 (sorted 15, 18, 21, 23.5, 30): the bounds at 20%, 40%,
    // 60% and 80% interpolate to 17.4, 19.8, 22 and 24.8, so each value is in its own fifth;
    // with higher worse, the lowest is the best.
    let quintile = |area: &str| find(rows, area, "2020", "")["Quintile among areas of the same type"].clone();
    assert_eq!(
        [quintile("L4"), quintile("L5"), quintile("L2"), quintile("L3"), quintile("L1")],
        ["Best", "Better", "Middle", "Worse", "Worst"]
    );
    assert_eq!(find(rows, "E", "2020", "")["Quintile among areas of the same type"], "");
    // Trends from the counts: L1 doubles and more in five years; L2 stays at 20 - 21%.
    assert_eq!(l1["Recent Trend"], "Increasing and getting worse");
    assert_eq!(find(rows, "L2", "2020", "")["Recent Trend"], "No significant change");
    assert_eq!(find(rows, "L1", "2019", "")["Recent Trend"], "Cannot be calculated");
    // England's deciles: each compared with England itself; 30 (29 to 31) is worse than 20.
    let most = find(rows, "E", "2020", "Most deprived decile (IMD)");
    assert_eq!((number(most, "Value"), most["Compared to benchmark (95%)"].as_str()), (Some(30.0), "Worse"));
    assert_eq!(most["Category Type"], DECILE_TYPE);
    assert_eq!(find(rows, "E", "2020", "Fifth least deprived decile (IMD)")["Compared to benchmark (95%)"], "Similar");
    // Across them: gap 30 - 12 = 18 points, ratio 30 / 12 = 2.5; at the least deprived decile's
    // 12%, each decile of 1,000 would have 120: observed 300 + 280 + … + 120 = 2,100, expected
    // 1,200, excess 900.
    let e = find(rows, "E", "2020", "");
    assert!(close(number(e, "Gap (most minus least deprived decile)").unwrap(), 18.0));
    assert!(close(number(e, "Ratio (most to least deprived decile)").unwrap(), 2.5));
    assert!(close(number(e, "Excess count (at least deprived decile's rates)").unwrap(), 900.0));
    // Equal populations and value 30 - 2(d - 1) at the midpoint rank x = (d - 0.5) / 10, that is
    // 31 - 20x: the SII is -20 points.
    let sii = number(e, "SII").unwrap();
    assert!(close(sii, -20.0), "SII {sii}");
    assert!(
        number(e, "SII lower CI 95.0 limit").unwrap() < -20.0 && number(e, "SII upper CI 95.0 limit").unwrap() > -20.0
    );
    // Earlier years have no deciles: no gap.
    assert_eq!(find(rows, "E", "2019", "")["Gap (most minus least deprived decile)"], "");
}

#[test]
fn published_values_get_the_hand_worked_comparisons_quintiles_trends_and_inequality() {
    let dir = setup(&download_csv());
    let summary = run(dir.path(), &format!("{HEADER}{INDICATOR}"), "out.csv").unwrap();
    assert_eq!(summary.rows_read, rows().len() as u64 + 2);
    let out = results(&dir.path().join("out.csv"));
    check_common(&out);
    // At 99.8%: L1 (27 to 33) is still worse; L3 is worse at 95% (20.5 to 26.5 lies above 20)
    // but similar at 99.8% (19.5 to 27.5 holds it).
    let l1 = find(&out, "L1", "2020", "");
    assert_eq!((number(l1, "Lower CI 99.8 limit"), number(l1, "Upper CI 99.8 limit")), (Some(27.0), Some(33.0)));
    assert_eq!(l1["Compared to benchmark (99.8%)"], "Worse");
    let l3 = find(&out, "L3", "2020", "");
    assert_eq!(
        (l3["Compared to benchmark (95%)"].as_str(), l3["Compared to benchmark (99.8%)"].as_str()),
        ("Worse", "Similar")
    );
    // The ethnic-group row is kept with its type and label as published, compared with L1's
    // whole value (30; the row has no limits: not compared), trended as the portal does (one
    // point: cannot be); the other indicator's rows are not read.
    assert!(out.iter().all(|r| r["Indicator ID"] == "93701"));
    assert_eq!(out.len(), rows().len() + 1, "one result row per published row kept");
    let white = find(&out, "L1", "2020", "White");
    assert_eq!(
        (white["Category Type"].as_str(), number(white, "Value"), number(white, "Benchmark value")),
        ("Ethnic groups", Some(25.0), Some(30.0))
    );
    assert_eq!(
        (white["Benchmark"].as_str(), white["Compared to benchmark (95%)"].as_str(), white["Recent Trend"].as_str()),
        ("One", "Not compared", "Cannot be calculated")
    );
    assert!(!summary.notes.iter().any(|n| n.contains("skipped")), "{:?}", summary.notes);
}

#[test]
fn the_api_extract_layout_gives_the_same_results() {
    let dir = setup(&api_csv());
    run(dir.path(), &format!("{HEADER}{INDICATOR}"), "out.csv").unwrap();
    let out = results(&dir.path().join("out.csv"));
    check_common(&out);
    // No 99.8% limits in this layout: not compared at 99.8%.
    let l1 = find(&out, "L1", "2020", "");
    assert_eq!(
        (number(l1, "Lower CI 99.8 limit"), l1["Compared to benchmark (99.8%)"].as_str()),
        (None, "Not compared")
    );
}

#[test]
fn an_excel_workbook_of_the_download_reads_as_its_csv() {
    let dir = setup(&download_csv());
    run(dir.path(), &format!("{HEADER}{INDICATOR}"), "from_csv.csv").unwrap();
    // The same cells in a workbook, numbers as numbers.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let text = download_csv();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(x) if r > 0 => sheet.write_number(r as u32, c as u16, x).map(|_| ()),
                _ if cell.is_empty() => Ok(()),
                _ => sheet.write_string(r as u32, c as u16, cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    workbook.save(dir.path().join("portal.xlsx")).unwrap();
    let catalogue = format!("{HEADER}{INDICATOR}").replace("path = \"portal.csv\"", "path = \"portal.xlsx\"");
    run(dir.path(), &catalogue, "from_xlsx.csv").unwrap();
    let (a, b) = (
        std::fs::read_to_string(dir.path().join("from_csv.csv")).unwrap(),
        std::fs::read_to_string(dir.path().join("from_xlsx.csv")).unwrap(),
    );
    assert!(a.lines().count() > 20);
    assert_eq!(a, b);
}

#[test]
fn our_own_results_read_back_as_published_values_give_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    // Ten small areas, one in each decile, in L1; two in L2; five years of a proportion.
    let mut areas = String::from("lsoa,lsoa_name,la,la_name,eng,eng_name,decile\n");
    let mut outcomes = String::from("lsoa,year,sex,what,x,n\n");
    for d in 1..=10 {
        writeln!(areas, "S{d},s{d},L1,Ten,E,England,{d}").unwrap();
        for (t, year) in (2016..=2020).enumerate() {
            writeln!(outcomes, "S{d},{year},Persons,p,{},10000", 1000 + 100 * d + 37 * t * d).unwrap();
        }
    }
    for (code, d) in [("T1", 1), ("T2", 10)] {
        writeln!(areas, "{code},t,L2,Two,E,England,{d}").unwrap();
        for year in 2016..=2020 {
            writeln!(outcomes, "{code},{year},Persons,p,{},5000", 400 + 10 * d).unwrap();
        }
    }
    write(dir.path(), "areas.csv", &areas);
    write(dir.path(), "outcomes.csv", &outcomes);
    let computed = format!("{GEOGRAPHY}{PROPORTION}");
    run(dir.path(), &computed, "computed.csv").unwrap();
    let back = format!(
        "{}{}",
        GEOGRAPHY.replace(
            "[tables.outcomes]",
            "[tables.back]\npath = \"computed.csv\"\nlayout = \"portal\"\n\n[tables.outcomes]"
        ),
        r#"
[[indicator]]
id = "p"
name = "A proportion"
framework = "marmot"
domain = "work"
measure = "published"
value_type = "proportion"
polarity = "lower is better"
published = { table = "back", where = { indicator_id = ["p"] } }
"#
    );
    run(dir.path(), &back, "back.csv").unwrap();
    let (first, second) = (results(&dir.path().join("computed.csv")), results(&dir.path().join("back.csv")));
    assert_eq!(first.len(), second.len());
    let key = |r: &HashMap<String, String>| {
        (r["Area Code"].clone(), r["Time period"].clone(), r["Category"].clone(), r["Sex"].clone())
    };
    let by_key: HashMap<_, _> = second.iter().map(|r| (key(r), r)).collect();
    for a in &first {
        let b = by_key[&key(a)];
        for (column, value) in a {
            if ["Measure", "Statistic", "Method"].contains(&column.as_str()) {
                continue;
            }
            assert_eq!(&b[column], value, "{column} of {:?}", key(a));
        }
    }
    assert!(first.iter().any(|r| !r["SII"].is_empty()), "the SII is compared too");
}

#[test]
fn bad_portal_tables_are_errors_naming_file_row_and_column() {
    let catalogue = format!("{HEADER}{INDICATOR}");
    let good = download_csv();
    // A missing required column names the file and the column expected.
    let dir = setup(&good.replace("Area Code,", "Code,"));
    let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
    assert!(e.contains("portal.csv") && e.contains("no column \"Area Code\"") && e.contains("AreaCode"), "{e}");
    let dir = setup(&good.replace(",Value,", ",Published value,"));
    let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
    assert!(e.contains("portal.csv") && e.contains("no column \"Value\""), "{e}");
    // A filter on a column that is not there.
    let dir = setup(&good);
    let e = run(dir.path(), &catalogue.replace("IndicatorId = [93701]", "Profile = [\"x\"]"), "out.csv")
        .unwrap_err()
        .to_string();
    assert!(e.contains("portal.csv") && e.contains("no column \"Profile\"") && e.contains("where.Profile"), "{e}");
    // Bad cells of rows kept, each with file, row and column.
    let line = |n: usize| good.lines().nth(n).unwrap().to_string();
    let cases = [
        (
            line(17),
            line(17).replace(",15,13,17,", ",fifteen,13,17,"),
            "row 17",
            "column \"Value\"",
            "expected a number, found \"fifteen\"",
        ),
        (
            line(3),
            line(3).replace(",L2,", ",L9,"),
            "row 3",
            "column \"Area Code\"",
            "the code of an area of the geography's levels (Local authority, England)",
        ),
        (line(1), line(1).replace(",Persons,", ",Both,"), "row 1", "column \"Sex\"", "a sex"),
        (
            line(1),
            line(1).replace(",2016,", ",Spring,").replace("20160000", ""),
            "row 1",
            "column \"Time period\"",
            "a period such as 2024",
        ),
        (
            line(21),
            line(21).replace("Third more deprived", "Third-ish deprived"),
            "row 21",
            "column \"Category\"",
            "a deprivation decile's label",
        ),
        (line(1), line(1).replace(",20000,", ",-,"), "row 1", "column \"Count\"", "a number"),
        (
            line(21),
            line(21).replace("Third more deprived decile (IMD2019)", ""),
            "row 21",
            "column \"Category\"",
            "a category label for the category type \"District & UA deprivation deciles",
        ),
        (
            line(21),
            line(21).replace(&format!("\"{DECILE_TYPE}\""), ""),
            "row 21",
            "column \"Category Type\"",
            "a category type for the category \"Third more deprived decile (IMD2019)\"",
        ),
        (
            line(21),
            line(21)
                .replace(&format!("\"{DECILE_TYPE}\""), "Ethnic groups")
                .replace("Third more deprived decile (IMD2019)", ""),
            "row 21",
            "column \"Category\"",
            "a category label for the category type \"Ethnic groups\"",
        ),
        (
            line(21),
            line(21).replace(&format!("\"{DECILE_TYPE}\""), "LSOA11 deprivation quintiles in England (IMD2019)"),
            "row 21",
            "column \"Category\"",
            "a deprivation quintile's label",
        ),
        (
            line(1),
            line(1).replace(",2016,", ",2016 Q5,").replace("20160000", ""),
            "row 1",
            "column \"Time period\"",
            "a period such as 2024, 2024/25, 2022 - 24, 2023/24 Q2 or Jan 2024",
        ),
    ];
    for (from, to, row, column, expected) in cases {
        assert_ne!(from, to);
        let dir = setup(&good.replace(&from, &to));
        let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
        assert!(e.contains("portal.csv") && e.contains(row) && e.contains(column) && e.contains(expected), "{e}");
        assert!(!dir.path().join("out.csv").exists(), "no partial output");
    }
    // A small area's code is not a level's: said so.
    let dir = setup(&good.replace(",L2,Name", ",A2,Name"));
    let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
    assert!(e.contains("\"A2\" is a small area"), "{e}");
    // Unknown areas may be skipped instead, and are counted.
    let skip = catalogue
        .replace("where = { IndicatorId = [93701] }", "where = { IndicatorId = [93701] }, unknown_areas = \"skip\"");
    let dir = setup(&good.replace(",L2,Name", ",L9,Name"));
    let summary = run(dir.path(), &skip, "out.csv").unwrap();
    assert!(
        summary.notes.iter().any(|n| n.contains("5 rows of areas not in the geography skipped (\"L9\")")),
        "{:?}",
        summary.notes
    );
    // Two rows for the same cell name both rows.
    let dir = setup(&format!("{good}{}\n", line(2).replace(",10,8,12,", ",11,9,13,")));
    let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
    assert!(e.contains("row 31") && e.contains("row 2 has the same (L1, Persons, 2016)"), "{e}");
    // A row repeated cell for cell is kept once, and counted; the results are those without it.
    let dir = setup(&format!("{good}{}\n{}\n", line(2), line(2)));
    let summary = run(dir.path(), &catalogue, "out.csv").unwrap();
    assert!(
        summary.notes.iter().any(|n| n.contains("indicator \"93701\": 2 rows repeating an earlier row cell for cell")),
        "{:?}",
        summary.notes
    );
    let with_duplicates = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    let dir = setup(&good);
    run(dir.path(), &catalogue, "out.csv").unwrap();
    assert_eq!(with_duplicates, std::fs::read_to_string(dir.path().join("out.csv")).unwrap());
    // The same row to more decimals (10 written 10.0004, 8 as 8.0001) is the same value:
    // kept once, as first found, and said so; one digit off is a conflict.
    let dir = setup(&format!("{good}{}\n", line(2).replace(",10,8,12,", ",10.0004,8.0001,12,")));
    let summary = run(dir.path(), &catalogue, "out.csv").unwrap();
    assert!(
        summary.notes.iter().any(|n| n.contains("1 rows repeating an earlier row to another precision")),
        "{:?}",
        summary.notes
    );
    assert!(super::same_at_precision(&cell_value(20.0558045901172, 423.517527583), &cell_value(20.0558, 423.5175276)));
    assert!(!super::same_at_precision(&cell_value(20.0558045901172, 423.5), &cell_value(20.0559, 423.5)));
    // The same cell with another value note is a conflict, naming both rows.
    let dir = setup(&format!("{good}{}\n", line(2).replace(",1000,,,", ",1000,x,,")));
    let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
    assert!(e.contains("row 31") && e.contains("row 2 has the same (L1, Persons, 2016)"), "{e}");
    // Two ages.
    let dir = setup(&good.replace(&line(4), &line(4).replace("<16 yrs", "All ages")));
    let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
    assert!(
        e.contains("row 4") && e.contains("column \"Age\"") && e.contains("one age for indicator \"93701\""),
        "{e}"
    );
}

/// A published value without limits: value and count, denominator 1,000.
fn cell_value(value: f64, count: f64) -> crate::compute::cells::CellValue {
    crate::compute::cells::CellValue {
        estimate: stats::Estimate::new(Some(value), Vec::new(), "", "Published"),
        count: Some(count),
        denominator: Some(1000.0),
        note: None,
    }
}

/// A row of the download layout for L1 (One) in `year`: category type and label, value with
/// 95% limits ± 1, count and denominator.
fn l1_row(category: (&str, &str), year: i32, value: f64, count: f64, denominator: f64) -> String {
    format!(
        "93701,x,,,L1,One,Type,Persons,<16 yrs,{},{},{year},{value},{},{},,,{count},{denominator},,,,,{year}0000,,\n",
        category.0,
        category.1,
        value - 1.0,
        value + 1.0
    )
}

#[test]
fn every_published_breakdown_is_kept_quintiles_give_the_inequality_summary_and_classifications_map() {
    let quintiles = "LSOA11 deprivation quintiles within area (IMD  trend)";
    let mut csv = format!("{DOWNLOAD}\n");
    // L1's whole: 10 … 30% rising (100 … 300 of 1,000), as in `rows`.
    for (t, year) in (2016..=2020).enumerate() {
        let x = 100.0 + 50.0 * t as f64;
        csv.push_str(&l1_row(("", ""), year, x / 10.0, x, 1000.0));
        // Ethnic groups, White: the same rise (trended from its counts as L1's whole is).
        csv.push_str(&l1_row(("Ethnic groups", "White"), year, x / 10.0, x, 1000.0));
    }
    // 2020's quintiles within L1: 30, 26, 22, 18, 14% of 1,000 each.
    let labels = [
        "Most deprived quintile",
        "Second most deprived quintile",
        "Average deprived quintile",
        "Second least deprived quintile",
        "Least deprived quintile",
    ];
    for (q, label) in labels.iter().enumerate() {
        let v = 30.0 - 4.0 * q as f64;
        csv.push_str(&l1_row((quintiles, label), 2020, v, v * 10.0, 1000.0));
    }
    // Two labels of a type mapped into a classification.
    let mapped = "Ethnic groups (w unknown)";
    csv.push_str(&l1_row((mapped, "Asian / Asian British inc Chinese"), 2020, 35.0, 35.0, 100.0));
    csv.push_str(&l1_row((mapped, "Not known/Not stated"), 2020, 5.0, 5.0, 100.0));
    let classification = r#"
[[category_type]]
id = "ethnicity"
name = "Ethnic group (Census 2021 high-level)"
published_types = ["Ethnic groups (w unknown)"]
category = [
  { label = "Asian, Asian British or Asian Welsh", codes = ["H"], aliases = ["Asian / Asian British inc Chinese", "Asian"] },
  { label = "White", codes = ["A"] },
  { label = "Not known", codes = ["99"], stated = false, aliases = ["Not known/Not stated"] },
]
"#;
    let catalogue = format!("{HEADER}{classification}{INDICATOR}");
    let dir = setup(&csv);
    run(dir.path(), &catalogue, "out.csv").unwrap();
    let out = results(&dir.path().join("out.csv"));
    // Every row kept: five whole, five White, five quintiles, two mapped.
    assert_eq!(out.len(), 17);
    // White: its type and label as published, compared with L1's whole value of the year (the
    // same 30: similar), and trended as L1's whole is.
    let white = find(&out, "L1", "2020", "White");
    assert_eq!(
        (
            white["Category Type"].as_str(),
            number(white, "Benchmark value"),
            white["Compared to benchmark (95%)"].as_str()
        ),
        ("Ethnic groups", Some(30.0), "Similar")
    );
    assert_eq!(white["Recent Trend"], "Increasing and getting worse");
    // The quintiles as deprivation slots in Fairer's words, the published type kept; the most
    // deprived (29 to 31) is similar to L1's 30, the least (13 to 15) better (lower, higher worse).
    let most = find(&out, "L1", "2020", "Most deprived quintile (IMD, within area)");
    assert_eq!((most["Category Type"].as_str(), most["Compared to benchmark (95%)"].as_str()), (quintiles, "Similar"));
    assert_eq!(find(&out, "L1", "2020", "Middle quintile (IMD, within area)")["Value"], "22");
    assert_eq!(
        find(&out, "L1", "2020", "Least deprived quintile (IMD, within area)")["Compared to benchmark (95%)"],
        "Better"
    );
    // The inequality summary from the quintiles: gap 30 - 14 = 16, ratio 30 / 14; equal
    // populations, value 34 - 4q at the midpoint rank x = (q - 0.5) / 5, that is 32 - 20x: SII
    // -20; at the least deprived 14%, 140 expected in each: 1,100 observed, 700 expected,
    // excess 400.
    let whole = find(&out, "L1", "2020", "");
    assert!(close(number(whole, "Gap (most minus least deprived decile)").unwrap(), 16.0));
    assert!(close(number(whole, "Ratio (most to least deprived decile)").unwrap(), 30.0 / 14.0));
    let sii = number(whole, "SII").unwrap();
    assert!(close(sii, -20.0), "SII {sii}");
    assert!(close(number(whole, "Excess count (at least deprived decile's rates)").unwrap(), 400.0));
    // The mapped type: the classification's name and labels.
    let asian = find(&out, "L1", "2020", "Asian, Asian British or Asian Welsh");
    assert_eq!(
        (asian["Category Type"].as_str(), number(asian, "Value")),
        ("Ethnic group (Census 2021 high-level)", Some(35.0))
    );
    assert_eq!(find(&out, "L1", "2020", "Not known")["Count"], "5");
    // Two published labels on one category of the classification: an error naming both rows.
    let dir = setup(&format!("{csv}{}", l1_row((mapped, "Asian"), 2019, 30.0, 30.0, 100.0)));
    let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
    assert!(
        e.contains("portal.csv, row 18")
            && e.contains("column \"Category\"")
            && e.contains("row 16 has \"Asian / Asian British inc Chinese\"")
            && e.contains("the same category \"Asian, Asian British or Asian Welsh\""),
        "{e}"
    );
    // A label of a mapped type that the classification lacks: named, with the categories.
    let dir = setup(&format!("{csv}{}", l1_row((mapped, "Martian"), 2019, 30.0, 30.0, 100.0)));
    let e = run(dir.path(), &catalogue, "out.csv").unwrap_err().to_string();
    assert!(
        e.contains("portal.csv, row 18")
            && e.contains("a category of classification \"ethnicity\"")
            && e.contains("Martian"),
        "{e}"
    );
}

#[test]
fn areas_known_only_from_the_published_rows_are_levels_of_their_own() {
    let header = HEADER.replace(
        "\n[tables.portal]",
        "published_level = [\n  { type = \"Primary care network\", codes = [\"U#####\"] },\n  { type = \"GP practice\", codes = [\"@#####\"] },\n]\n\n[tables.portal]",
    );
    let row = |parent: &str, code: &str, name: &str, value: f64| {
        format!(
            "93701,x,{parent},Parent,{code},{name},Type,Persons,<16 yrs,,,2020,{value},{},{},,,{},1000,,,,,20200000,,\n",
            value - 1.0,
            value + 1.0,
            value * 10.0
        )
    };
    let mut csv = download_csv();
    csv.push_str(&row("L1", "A81001", "A practice", 25.0));
    csv.push_str(&row("", "U12345", "A network", 15.0));
    let dir = setup(&csv);
    run(dir.path(), &format!("{header}{INDICATOR}"), "out.csv").unwrap();
    let out = results(&dir.path().join("out.csv"));
    // The practice: its own level, its parent from the row, compared with England's 20 (24 to
    // 26 lies above it, and higher is worse); the network has no parent, and 14 to 16 is better.
    let gp = find(&out, "A81001", "2020", "");
    assert_eq!(
        (gp["Area Type"].as_str(), gp["Area Name"].as_str(), gp["Parent Code"].as_str(), gp["Benchmark"].as_str()),
        ("GP practice", "A practice", "L1", "England")
    );
    assert_eq!((number(gp, "Benchmark value"), gp["Compared to benchmark (95%)"].as_str()), (Some(20.0), "Worse"));
    let pcn = find(&out, "U12345", "2020", "");
    assert_eq!((pcn["Area Type"].as_str(), pcn["Parent Code"].as_str()), ("Primary care network", ""));
    assert_eq!(pcn["Compared to benchmark (95%)"], "Better");
    // With benchmark = "parent", the practice is compared with L1's 30 (lower: better); the
    // network, without a parent, with England still.
    let parent = INDICATOR.replace("published = ", "benchmark = \"parent\"\npublished = ");
    run(dir.path(), &format!("{header}{parent}"), "parent.csv").unwrap();
    let out = results(&dir.path().join("parent.csv"));
    let gp = find(&out, "A81001", "2020", "");
    assert_eq!((number(gp, "Benchmark value"), gp["Compared to benchmark (95%)"].as_str()), (Some(30.0), "Better"));
    assert_eq!(number(find(&out, "U12345", "2020", ""), "Benchmark value"), Some(20.0));
    // An area whose level cannot be told: the file, row and column, and the shapes known.
    let dir = setup(&format!("{csv}{}", row("", "Q1234", "Odd", 15.0)));
    let e = run(dir.path(), &format!("{header}{INDICATOR}"), "out.csv").unwrap_err().to_string();
    assert!(
        e.contains("portal.csv, row 33")
            && e.contains("column \"Area Code\"")
            && e.contains("or a code of a published level (Primary care network: U#####; GP practice: @#####)")
            && e.contains("Q1234"),
        "{e}"
    );
    assert!(super::code_has_shape("E38000068", "E38######") && !super::code_has_shape("E3800006", "E38######"));
    assert!(super::code_has_shape("N81001", "@#####") && !super::code_has_shape("n81001", "@#####"));
}

#[test]
fn sub_icb_locations_get_their_icb_from_a_lookup_and_are_compared_with_it() {
    // ICBs and sub-ICB locations known only from the rows; the sub-ICB locations' ICBs from a
    // lookup of small areas (one row each, so a sub-ICB location on several rows), at the path
    // its [tables.sicbl_icb] gives.
    let header = HEADER.replace(
        "\n[tables.portal]",
        "published_level = [\n  { type = \"ICB\", codes = [\"E54######\"] },\n  { type = \"Sub-ICB location\", codes = [\"E38######\"], parents = { table = \"sicbl_icb\", code = \"sicbl\", parent = \"icb\", parent_name = \"icb_name\" } },\n]\n\n[tables.sicbl_icb]\npath = \"lookups/sicbl.csv\"\n\n[tables.portal]",
    );
    let row = |parent: &str, code: &str, name: &str, value: f64| {
        format!(
            "93701,x,{parent},Parent,{code},{name},Type,Persons,<16 yrs,,,2020,{value},{},{},,,{},1000,,,,,20200000,,\n",
            value - 1.0,
            value + 1.0,
            value * 10.0
        )
    };
    let mut csv = download_csv();
    csv.push_str(&row("", "E54000001", "North ICB", 25.0));
    csv.push_str(&row("", "E54000002", "South ICB", 12.0));
    // No parent in the row: the lookup's E54000001. A row's parent the lookup contradicts: the
    // lookup's E54000002. A code the lookup has not: the row's L1.
    csv.push_str(&row("", "E38000001", "North 01", 22.0));
    csv.push_str(&row("E54000001", "E38000002", "South 02", 15.0));
    csv.push_str(&row("L1", "E38000003", "Elsewhere 03", 18.0));
    let dir = setup(&csv);
    std::fs::create_dir(dir.path().join("lookups")).unwrap();
    let lookup = "lsoa,sicbl,icb,icb_name\nX1,E38000001,E54000001,NHS North ICB\nX2,E38000001,E54000001,NHS North ICB\nX3,E38000002,E54000002,NHS South ICB\n";
    write(dir.path(), "lookups/sicbl.csv", lookup);
    run(dir.path(), &format!("{header}{INDICATOR}"), "out.csv").unwrap();
    let out = results(&dir.path().join("out.csv"));
    let parent_of = |out: &[HashMap<String, String>], code: &str| {
        let r = find(out, code, "2020", "");
        (r["Area Type"].clone(), r["Parent Code"].clone(), r["Parent Name"].clone())
    };
    assert_eq!(parent_of(&out, "E38000001"), ("Sub-ICB location".into(), "E54000001".into(), "NHS North ICB".into()));
    assert_eq!(parent_of(&out, "E38000002"), ("Sub-ICB location".into(), "E54000002".into(), "NHS South ICB".into()));
    assert_eq!(parent_of(&out, "E38000003"), ("Sub-ICB location".into(), "L1".into(), "Parent".into()));
    // With England (20) as benchmark, as the portal compares sub-ICB locations: 21 to 23 lies
    // above 20 (higher is worse: worse), 14 to 16 below (better), 17 to 19 below (better).
    let compared = |out: &[HashMap<String, String>], code: &str| {
        let r = find(out, code, "2020", "");
        (r["Benchmark"].clone(), number(r, "Benchmark value"), r["Compared to benchmark (95%)"].clone())
    };
    assert_eq!(compared(&out, "E38000001"), ("England".into(), Some(20.0), "Worse".into()));
    assert_eq!(compared(&out, "E38000002"), ("England".into(), Some(20.0), "Better".into()));
    assert_eq!(compared(&out, "E38000003"), ("England".into(), Some(20.0), "Better".into()));
    // With benchmark = "parent", each with its ICB: 21 to 23 below North's 25 (better), 14 to
    // 16 above South's 12 (worse; England would say better); the third with L1's 30 (better).
    let parent = INDICATOR.replace("published = ", "benchmark = \"parent\"\npublished = ");
    run(dir.path(), &format!("{header}{parent}"), "parent.csv").unwrap();
    let out = results(&dir.path().join("parent.csv"));
    assert_eq!(compared(&out, "E38000001"), ("North ICB".into(), Some(25.0), "Better".into()));
    assert_eq!(compared(&out, "E38000002"), ("South ICB".into(), Some(12.0), "Worse".into()));
    assert_eq!(compared(&out, "E38000003"), ("One".into(), Some(30.0), "Better".into()));
    // The ICBs themselves, without a parent, with England.
    assert_eq!(compared(&out, "E54000002"), ("England".into(), Some(20.0), "Better".into()));

    // A sub-ICB location with two ICBs in the lookup: the file, both rows and the column.
    write(dir.path(), "lookups/sicbl.csv", &format!("{lookup}X4,E38000002,E54000001,NHS North ICB\n"));
    let e = run(dir.path(), &format!("{header}{INDICATOR}"), "bad.csv").unwrap_err().to_string();
    assert!(
        e.contains("sicbl.csv, row 4")
            && e.contains("column \"icb\"")
            && e.contains("one parent for Sub-ICB location \"E38000002\" (row 3 gives \"E54000002\")")
            && e.contains("E54000001"),
        "{e}"
    );
    // A lookup without the named column: the file and the column.
    write(dir.path(), "lookups/sicbl.csv", "lsoa,sicbl,icb24_code\nX1,E38000001,E54000001\n");
    let e = run(dir.path(), &format!("{header}{INDICATOR}"), "bad.csv").unwrap_err().to_string();
    assert!(e.contains("sicbl.csv") && e.contains("\"icb\""), "{e}");
    // An empty parent: the row and column.
    write(dir.path(), "lookups/sicbl.csv", "lsoa,sicbl,icb,icb_name\nX1,E38000001,,\n");
    let e = run(dir.path(), &format!("{header}{INDICATOR}"), "bad.csv").unwrap_err().to_string();
    assert!(e.contains("sicbl.csv, row 1") && e.contains("column \"icb\""), "{e}");
    assert!(!dir.path().join("bad.csv").exists());
}

#[test]
fn two_publications_of_a_sub_icb_location_keep_the_later_where_the_level_says_so() {
    // E38000068 in 2020 twice: 12 (11 to 13, 120 of 1,000) as the GP practices' parent, then
    // 18 (17 to 19, 180 of 1,000) as a sub-ICB location of its own; and 2021 once, 16.
    let row = |year: u32, value: f64| {
        format!(
            "93701,x,,,E38000068,Sub-ICB,Type,Persons,<16 yrs,,,{year},{value},{},{},,,{},1000,,,,,{year}0000,,\n",
            value - 1.0,
            value + 1.0,
            value * 10.0
        )
    };
    let mut csv = download_csv();
    csv.push_str(&row(2020, 12.0));
    csv.push_str(&row(2021, 16.0));
    csv.push_str(&row(2020, 18.0));
    let dir = setup(&csv);
    let level = |keep_later: &str| {
        HEADER.replace(
            "\n[tables.portal]",
            &format!(
                "published_level = [\n  {{ type = \"Sub-ICB location\", codes = [\"E38######\"]{keep_later} }},\n]\n\n[tables.portal]"
            ),
        )
    };
    // Undeclared: two rows for one area and year are an error naming both.
    let e = run(dir.path(), &format!("{}{INDICATOR}", level("")), "out.csv").unwrap_err().to_string();
    assert!(e.contains("row 33") && e.contains("row 31 has the same (E38000068, Persons, 2020)"), "{e}");
    // keep_later: the later publication's numbers, with a note.
    let summary = run(dir.path(), &format!("{}{INDICATOR}", level(", keep_later = true")), "out.csv").unwrap();
    let out = results(&dir.path().join("out.csv"));
    let r = find(&out, "E38000068", "2020", "");
    assert_eq!(r["Area Type"], "Sub-ICB location");
    assert_eq!(
        (number(r, "Value"), number(r, "Lower CI 95.0 limit"), number(r, "Count")),
        (Some(18.0), Some(17.0), Some(180.0))
    );
    assert_eq!(number(find(&out, "E38000068", "2021", ""), "Value"), Some(16.0));
    assert!(
        summary.notes.iter().any(|n| n.contains("1 rows giving an area of a published level")),
        "{:?}",
        summary.notes
    );
}

#[test]
fn published_indicators_are_checked_in_the_catalogue() {
    let parse =
        |extra: &str| Catalogue::parse(&format!("{HEADER}{extra}"), "c.toml").map(|_| ()).map_err(|e| e.to_string());
    parse(INDICATOR).unwrap();
    let cases = [
        (
            INDICATOR.replace("published = { table = \"portal\", where = { IndicatorId = [93701] } }\n", ""),
            "line 20, indicator \"93701\".published: measure = \"published\" needs published",
        ),
        (INDICATOR.replace("value_type = \"proportion\"\n", ""), "indicator \"93701\".value_type"),
        (
            INDICATOR.replace("value_type = \"proportion\"", "value_type = \"percentage\""),
            "unknown variant `percentage`",
        ),
        (INDICATOR.replace("table = \"portal\"", "table = \"portals\""), "expected one of the tables (portal)"),
        (INDICATOR.replace("measure = \"published\"", "measure = \"mean\""), "unknown variant `mean`"),
        (
            format!("{INDICATOR}numerator = {{ table = \"portal\" }}\n"),
            "numerator does not apply to measure = \"published\"",
        ),
        (format!("{INDICATOR}period = \"financial\"\n"), "period does not apply"),
        (format!("{INDICATOR}levels = [\"Place\"]\n"), "not for places"),
        (
            INDICATOR.replace("IndicatorId = [93701] }", "IndicatorId = [93701] }, unknown_areas = \"ignore\""),
            "expected \"error\" or \"skip\"",
        ),
        (
            INDICATOR.replace("measure = \"published\"\nvalue_type = \"proportion\"", "measure = \"proportion\""),
            "published is for measure = \"published\"",
        ),
        (
            INDICATOR
                .replace("measure = \"published\"\nvalue_type = \"proportion\"", "measure = \"proportion\"")
                .replace("published = ", "numerator = ")
                .replace("} }\n", "} }\ndenominator = { table = \"portal\" }\n"),
            "table \"portal\" has layout = \"portal\"",
        ),
    ];
    for (text, wanted) in cases {
        let e = parse(&text).unwrap_err();
        assert!(e.starts_with("c.toml, line ") && e.contains(wanted), "{wanted}: {e}");
    }
    let e = Catalogue::parse(&HEADER.replace("layout = \"portal\"", "layout = \"portal\"\narea = \"code\""), "c.toml")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("tables.portal") && e.contains("area do not apply"), "{e}");
    // A computed measure needs its numerator.
    let e =
        parse("\n[[indicator]]\nid = \"x\"\nname = \"X\"\nmeasure = \"proportion\"\npolarity = \"lower is better\"\n")
            .unwrap_err();
    assert!(e.contains("indicator \"x\".numerator: a proportion needs a numerator"), "{e}");
}

/// `../shared/data`, or `None` (and a note) when it is absent.
fn shared_data() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if p.join("indicators/fingertips_extract_2025-02.csv").is_file()
        && p.join("geography/lookup_ltla24_region24.csv").is_file()
    {
        Some(p)
    } else {
        eprintln!("skipping: {} not found (../shared is not present)", p.display());
        None
    }
}

/// The decimals a published number is written with.
fn decimals(cell: &str) -> i32 {
    cell.split_once('.').map_or(0, |(_, d)| d.len() as i32)
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// The real extract with a geography of the 2024 local authorities (as small areas of
/// themselves) in their regions and England.
fn real(data: &Path, indicators: &str) -> (tempfile::TempDir, Result<ComputeSummary>) {
    let dir = tempfile::tempdir().unwrap();
    let lookup = std::fs::read_to_string(data.join("geography/lookup_ltla24_region24.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(lookup.as_bytes());
    let mut areas = String::from("unit,unit_name,la,la_name,region,region_name,country,country_name\n");
    for r in reader.records() {
        let r = r.unwrap();
        // ltla24_name, ltla24_code, region24_name, region24_code
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        writeln!(areas, "{}_unit,{},{},{},{},{},E92000001,England", &r[1], q(&r[0]), &r[1], q(&r[0]), &r[3], q(&r[2]))
            .unwrap();
    }
    write(dir.path(), "areas.csv", &areas);
    let extract = data.join("indicators/fingertips_extract_2025-02.csv");
    let catalogue = format!(
        "[catalogue]\nname = \"real\"\n\n[geography]\ntable = \"areas\"\nsmall_area = {{ type = \"Unit\", code = \"unit\", name = \"unit_name\" }}\nlevel = [\n  {{ type = \"Local authority\", code = \"la\", name = \"la_name\" }},\n  {{ type = \"Region\", code = \"region\", name = \"region_name\" }},\n  {{ type = \"England\", code = \"country\", name = \"country_name\" }},\n]\n\n[tables.fingertips]\npath = \"{}\"\nlayout = \"portal\"\n{indicators}",
        extract.display()
    );
    let catalogue = Catalogue::parse(&catalogue, "real.toml").unwrap();
    let summary = compute_to_file(&catalogue, dir.path(), &dir.path().join("out.csv"));
    (dir, summary)
}

#[test]
fn the_real_extract_passes_through_with_england_as_benchmark_and_the_published_deciles_gap() {
    let Some(data) = shared_data() else { return };
    let (dir, summary) = real(
        &data,
        r#"
[[indicator]]
id = "93701"
name = "Children in absolute low income families (under 16s)"
measure = "published"
value_type = "proportion"
polarity = "higher is worse"
published = { table = "fingertips", where = { IndicatorId = [93701] }, unknown_areas = "skip" }

[[indicator]]
id = "93474"
name = "A proportion with Wilson limits"
measure = "published"
value_type = "proportion"
polarity = "lower is better"
published = { table = "fingertips", where = { IndicatorId = [93474], Age = ["All ages"], Category = ["", "District & UA deprivation deciles in England (IMD2019, 4/21 geography)"] }, unknown_areas = "skip" }
"#,
    );
    let summary = summary.unwrap();
    let out = results(&dir.path().join("out.csv"));
    let extract = results(&data.join("indicators/fingertips_extract_2025-02.csv"));
    let published: Vec<&HashMap<String, String>> = extract.iter().filter(|r| r["IndicatorId"] == "93701").collect();
    let la = |code: &str| ["E06", "E07", "E08"].iter().any(|p| code.starts_with(p));
    // Counties and ICBs are not in this geography: skipped and counted.
    let others = published.iter().filter(|r| !la(&r["AreaCode"]) && r["AreaCode"] != "E92000001").count();
    assert!(
        others > 0
            && summary
                .notes
                .iter()
                .any(|n| n
                    .contains(&format!("indicator \"93701\": {others} rows of areas not in the geography skipped"))),
        "{:?}",
        summary.notes
    );
    let find_out = |id: &str, area: &str, year: &str, category: &str| {
        out.iter()
            .find(|r| {
                r["Indicator ID"] == id
                    && r["Area Code"] == area
                    && r["Time period"] == year
                    && r["Category"] == category
            })
            .unwrap_or_else(|| panic!("no result {id} {area} {year} {category}"))
    };
    let mut checked = 0;
    for p in published.iter().filter(|r| la(&r["AreaCode"]) && r["CategoryType"].is_empty()) {
        let r = find_out("93701", &p["AreaCode"], &p["Year"], "");
        // Each value, limit, count and denominator exactly as published.
        for (ours, theirs) in [
            ("Value", "Value"),
            ("Lower CI 95.0 limit", "LowerCI"),
            ("Upper CI 95.0 limit", "UpperCI"),
            ("Count", "Count"),
            ("Denominator", "Denominator"),
        ] {
            assert_eq!(number(r, ours), number(p, theirs), "{ours} of {} {}", p["AreaCode"], p["Year"]);
        }
        assert_eq!(r["Lower CI 99.8 limit"], "");
        assert_eq!((r["Area Type"].as_str(), r["Age"].as_str()), ("Local authority", "<16 yrs"));
        // England is the benchmark, with its published value of the same year.
        let england = published
            .iter()
            .find(|e| e["AreaCode"] == "E92000001" && e["Year"] == p["Year"] && e["CategoryType"].is_empty())
            .unwrap();
        assert_eq!((r["Benchmark"].as_str(), number(r, "Benchmark value")), ("England", number(england, "Value")));
        // The comparison, by hand: England outside the 95% interval, and higher is worse.
        let (value, lower, upper, bench) = (
            number(p, "Value").unwrap(),
            number(p, "LowerCI").unwrap(),
            number(p, "UpperCI").unwrap(),
            number(england, "Value").unwrap(),
        );
        let expected = if bench < lower {
            "Worse"
        } else if bench > upper {
            "Better"
        } else {
            "Similar"
        };
        assert_eq!(r["Compared to benchmark (95%)"], expected, "{} {} {value}", p["AreaCode"], p["Year"]);
        // A proportion: Count / Denominator gives the value to the published rounding.
        let (x, n) = (number(p, "Count").unwrap(), number(p, "Denominator").unwrap());
        assert_eq!(round(100.0 * x / n, decimals(&p["Value"])), value, "{} {}", p["AreaCode"], p["Year"]);
        checked += 1;
    }
    assert_eq!(checked, 35 * 5, "35 local authorities, five years");
    // England's deciles: the gap is the most minus the least deprived decile's published value.
    for year in ["2018", "2019", "2020", "2021", "2022"] {
        let decile = |label: &str| {
            let p = published
                .iter()
                .find(|r| r["AreaCode"] == "E92000001" && r["Year"] == year && r["CategoryType"] == label)
                .unwrap();
            number(p, "Value").unwrap()
        };
        let gap = decile("Most deprived decile (IMD2019)") - decile("Least deprived decile (IMD2019)");
        let e = find_out("93701", "E92000001", year, "");
        assert!(close(number(e, "Gap (most minus least deprived decile)").unwrap(), gap), "{year}: {gap}");
        assert_eq!(find_out("93701", "E92000001", year, "Most deprived decile (IMD)")["Category Type"], DECILE_TYPE);
    }
    assert!(number(find_out("93701", "E92000001", "2022", ""), "SII").is_some());
    // 93474: Count / Denominator give the published value and Wilson 95% limits to the
    // published rounding, for every local authority's row.
    let mut wilson = 0;
    for p in extract.iter().filter(|r| {
        r["IndicatorId"] == "93474" && r["Age"] == "All ages" && la(&r["AreaCode"]) && r["CategoryType"].is_empty()
    }) {
        let r = find_out("93474", &p["AreaCode"], &p["Year"], "");
        let (x, n) = (number(r, "Count").unwrap(), number(r, "Denominator").unwrap());
        let w = stats::proportion::proportion(x, n, 100.0, &LEVELS).unwrap();
        assert_eq!(round(w.value.unwrap(), decimals(&p["Value"])), number(r, "Value").unwrap());
        assert_eq!(
            round(w.limits[0].lower.unwrap(), decimals(&p["LowerCI"])),
            number(r, "Lower CI 95.0 limit").unwrap()
        );
        assert_eq!(
            round(w.limits[0].upper.unwrap(), decimals(&p["UpperCI"])),
            number(r, "Upper CI 95.0 limit").unwrap()
        );
        wilson += 1;
    }
    assert!(wilson >= 35 * 6, "{wilson} rows");
}

#[test]
fn the_real_extract_without_a_category_filter_keeps_both_kinds_of_deciles() {
    let Some(data) = shared_data() else { return };
    // 93474's England deciles come twice (county and district deciles): the first kind found
    // gives the inequality summary, the other is kept as published, each value as published.
    let (dir, summary) = real(
        &data,
        r#"
[[indicator]]
id = "93474"
name = "A proportion"
measure = "published"
value_type = "proportion"
polarity = "lower is better"
published = { table = "fingertips", where = { IndicatorId = [93474], Age = ["All ages"] }, unknown_areas = "skip" }
"#,
    );
    summary.unwrap();
    let out = results(&dir.path().join("out.csv"));
    let extract = results(&data.join("indicators/fingertips_extract_2025-02.csv"));
    let mut types = std::collections::BTreeSet::new();
    let mut checked = 0;
    for p in extract.iter().filter(|r| {
        r["IndicatorId"] == "93474"
            && r["Age"] == "All ages"
            && r["AreaCode"] == "E92000001"
            && !r["Category"].is_empty()
    }) {
        let Ok(Category::Of(c)) = category(clean(&p["CategoryType"]), clean(&p["Category"]), true) else {
            panic!("{p:?}")
        };
        let (b, q) = c.quantile.unwrap();
        let r = out
            .iter()
            .find(|r| {
                r["Area Code"] == "E92000001"
                    && r["Time period"] == p["Year"]
                    && r["Category Type"] == c.category_type
                    && (r["Category"] == c.label || r["Category"] == b.category(q))
            })
            .unwrap_or_else(|| panic!("no row for {p:?}"));
        assert_eq!(number(r, "Value"), number(p, "Value"));
        assert_eq!(r["Benchmark"], "England");
        types.insert(c.category_type.clone());
        checked += 1;
    }
    assert!(types.len() >= 2 && checked >= 20, "{types:?} {checked}");
    assert!(
        number(out.iter().find(|r| r["Area Code"] == "E92000001" && r["Category"].is_empty()).unwrap(), "SII")
            .is_some()
            || out.iter().any(|r| r["Area Code"] == "E92000001" && !r["SII"].is_empty())
    );
}

/// The real geography as small areas (LSOAs 2021) in their local authorities, upper-tier local
/// authorities (counties and unitary authorities), ICBs (not nested), regions and England,
/// from the ONS lookups of `data`: a CSV of one row per LSOA.
fn real_lsoa_geography(data: &Path) -> String {
    let read = |name: &str| -> Vec<HashMap<String, String>> { results(&data.join("geography").join(name)) };
    let icb: HashMap<String, HashMap<String, String>> =
        read("lookup_lsoa21_icb24.csv").into_iter().map(|r| (r["lsoa21_code"].clone(), r)).collect();
    let utla: HashMap<String, HashMap<String, String>> =
        read("lookup_ltla23_utla23.csv").into_iter().map(|r| (r["ltla23_code"].clone(), r)).collect();
    let region: HashMap<String, HashMap<String, String>> =
        read("lookup_ltla24_region24.csv").into_iter().map(|r| (r["ltla24_code"].clone(), r)).collect();
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from(
        "lsoa,lsoa_name,ltla,ltla_name,utla,utla_name,icb,icb_name,region,region_name,country,country_name\n",
    );
    for r in read("lookup_lsoa21_ward24_ltla24.csv") {
        let (Some(i), Some(u), Some(g)) =
            (icb.get(&r["lsoa21_code"]), utla.get(&r["ltla24_code"]), region.get(&r["ltla24_code"]))
        else {
            continue;
        };
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},E92000001,England",
            r["lsoa21_code"],
            q(&r["lsoa21_name"]),
            r["ltla24_code"],
            q(&r["ltla24_name"]),
            u["utla23_code"],
            q(&u["utla23_name"]),
            i["icb24_code"],
            q(&i["icb24_name"]),
            g["region24_code"],
            q(&g["region24_name"])
        )
        .unwrap();
    }
    out
}

/// The shipped catalogue of the real extract (`catalogues/england_portal.toml`), its
/// indicators on the LSOA geography of [`real_lsoa_geography`], the sub-ICB locations' ICBs
/// from the shipped lookup (`catalogues/england_portal_sicbl_icb.csv`); with `guidance`, every
/// indicator's trend rule replaced by the guidance's (the rule before the portal's).
fn shipped_catalogue(data: &Path, guidance: bool) -> String {
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogues/england_portal.toml"))
            .unwrap();
    let at = shipped.find("[[indicator]]").unwrap();
    let mut indicators = shipped[at..].to_string();
    if guidance {
        indicators = indicators.lines().filter(|l| !l.starts_with("trend = ")).collect::<Vec<_>>().join("\n");
    }
    let extract = data.join("indicators/fingertips_extract_2025-02.csv");
    let sicbl_icb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogues/england_portal_sicbl_icb.csv");
    format!(
        "[catalogue]\nname = \"real\"\n\n[geography]\ntable = \"areas\"\nsmall_area = {{ type = \"LSOA\", code = \"lsoa\", name = \"lsoa_name\" }}\nlevel = [\n  {{ type = \"Local authority\", code = \"ltla\", name = \"ltla_name\" }},\n  {{ type = \"Upper-tier local authority\", code = \"utla\", name = \"utla_name\", shares_codes = true }},\n  {{ type = \"ICB\", code = \"icb\", name = \"icb_name\", nested = false }},\n  {{ type = \"Region\", code = \"region\", name = \"region_name\" }},\n  {{ type = \"England\", code = \"country\", name = \"country_name\" }},\n]\npublished_level = [\n  {{ type = \"Sub-ICB location\", codes = [\"E38######\"], keep_later = true, parents = {{ table = \"sicbl_icb\", code = \"sicbl24_code\", parent = \"icb24_code\", parent_name = \"icb24_name\" }} }},\n  {{ type = \"Primary care network\", codes = [\"U#####\"] }},\n  {{ type = \"GP practice\", codes = [\"@#####\"] }},\n]\n\n[tables.sicbl_icb]\npath = \"{}\"\n\n[tables.fingertips]\npath = \"{}\"\nlayout = \"portal\"\n\n{indicators}\n",
        sicbl_icb.display(),
        extract.display()
    )
}

/// What the real-data comparison counted.
#[derive(Default, Debug)]
struct MarkerCounts {
    /// Published markers on rows Fairer reads (and so compares).
    compared: usize,
    /// Of those, the same marker as published.
    same: usize,
    /// Of those compared, the ones the portal's own rule gives back from the extract's rows.
    reproducible: usize,
    /// Of the reproducible, the ones Fairer gives back.
    reproduced: usize,
    /// Markers not compared or not reproducible, by why.
    why_not: std::collections::BTreeMap<String, usize>,
    /// Values, limits, counts and denominators compared.
    numbers: usize,
    /// The first few series of each reason.
    examples: std::collections::BTreeMap<String, Vec<String>>,
    /// The sub-ICB locations of the results and their parents (code, name).
    sub_icb_parents: std::collections::BTreeMap<String, (String, String)>,
    /// Published markers of sub-ICB locations compared, and reproduced.
    sub_icb_markers: (usize, usize),
}

/// Runs the shipped catalogue on the real extract and compares every published number and
/// trend marker with Fairer's results.
fn compare_with_the_extract(data: &Path, guidance: bool) -> (MarkerCounts, Vec<String>) {
    use crate::compute::catalogue::TrendRule;
    use stats::trend::{portal_recent_trend, PortalTrendFrom, TrendPoint};
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "areas.csv", &real_lsoa_geography(data));
    let catalogue = Catalogue::parse(&shipped_catalogue(data, guidance), "england_portal.toml").unwrap();
    compute_to_file(&catalogue, dir.path(), &dir.path().join("out.csv")).unwrap();
    let out = results(&dir.path().join("out.csv"));
    let extract = results(&data.join("indicators/fingertips_extract_2025-02.csv"));
    let geography_codes: std::collections::HashSet<String> = out.iter().map(|r| r["Area Code"].clone()).collect();
    type Key = (String, String, String, String, (String, String), String);
    let ours: HashMap<Key, &HashMap<String, String>> = out
        .iter()
        .map(|r| {
            let key = (
                r["Indicator ID"].clone(),
                r["Area Code"].clone(),
                r["Sex"].clone(),
                r["Age"].clone(),
                (r["Category Type"].clone(), r["Category"].clone()),
                r["Time period"].clone(),
            );
            (key, r)
        })
        .collect();
    // The extract's series: byte-identical rows once (quarters excepted), in year order, rows
    // of one year in file order (the quarters of 91040 numbered so).
    let quarterly = |id: &str| catalogue.indicators.iter().any(|i| i.id == id && i.period.sub_periods().is_some());
    type Series<'r> = HashMap<Vec<String>, Vec<(String, &'r HashMap<String, String>)>>;
    let mut series: Series<'_> = HashMap::new();
    let mut seen_rows = std::collections::HashSet::new();
    for r in &extract {
        let mut cells: Vec<(&String, &String)> = r.iter().collect();
        cells.sort();
        let whole = format!("{cells:?}");
        if !quarterly(&r["IndicatorId"]) && !seen_rows.insert(whole) {
            continue;
        }
        let key: Vec<String> = ["IndicatorId", "AreaCode", "Sex", "Age", "CategoryType", "Category"]
            .iter()
            .map(|c| r[*c].clone())
            .collect();
        series.entry(key).or_default().push((r["Year"].clone(), r));
    }
    let mut counts = MarkerCounts {
        sub_icb_parents: out
            .iter()
            .filter(|r| r["Area Type"] == "Sub-ICB location")
            .map(|r| (r["Area Code"].clone(), (r["Parent Code"].clone(), r["Parent Name"].clone())))
            .collect(),
        ..MarkerCounts::default()
    };
    let mut failures = Vec::new();
    let why = |counts: &mut MarkerCounts, w: String, example: String| {
        let e = counts.examples.entry(w.clone()).or_default();
        if e.len() < 3 {
            e.push(example);
        }
        *counts.why_not.entry(w).or_default() += 1;
    };
    for (key, points) in &mut series {
        points.sort_by_key(|(year, _)| year.parse::<i32>().unwrap_or(0));
        let id = &key[0];
        let indicator = catalogue.indicators.iter().find(|i| &i.id == id).unwrap();
        // Two rows of one year of a sub-ICB location's whole area (two publications, or one
        // number to two precisions): the one whose numbers are Fairer's stays in the series
        // (the later publication, or the first of two precisions), the other is not compared.
        if key[1].starts_with("E38") && key[4].is_empty() && !quarterly(id) {
            let ours_cols = ["Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator"];
            let extract_cols = ["Value", "LowerCI", "UpperCI", "Count", "Denominator"];
            let mut keep = vec![true; points.len()];
            for i in 0..points.len() {
                for j in i + 1..points.len() {
                    if points[i].0 != points[j].0 {
                        continue;
                    }
                    let whole = (String::new(), String::new());
                    let our = ours.get(&(
                        id.clone(),
                        key[1].clone(),
                        key[2].clone(),
                        key[3].clone(),
                        whole,
                        points[i].0.clone(),
                    ));
                    let Some(our) = our.map(|r| ours_cols.map(|c| number(r, c))) else { continue };
                    for k in [i, j] {
                        keep[k] &= extract_cols.map(|c| number(points[k].1, c)) == our;
                    }
                }
            }
            for (k, (year, p)) in points.iter().enumerate() {
                if !keep[k] && !p["Trend"].is_empty() {
                    why(
                        &mut counts,
                        "not compared: the other of two rows of a sub-ICB location in one year (an earlier publication, or another precision)".to_string(),
                        format!("{key:?} {year}"),
                    );
                }
            }
            let mut k = 0;
            points.retain(|_| {
                k += 1;
                keep[k - 1]
            });
        }
        let mut n_in_year = HashMap::new();
        for (i, (year, p)) in points.iter().enumerate() {
            let n = n_in_year.entry(year.clone()).or_insert(0);
            *n += 1;
            let period = if quarterly(id) { format!("{year} Q{n}") } else { year.clone() };
            // Fairer's category label: its own words for a national decile.
            let (label, kind) = (clean(&p["CategoryType"]).to_string(), clean(&p["Category"]).to_string());
            // Fairer's rows of a category: as published, or a deprivation quantile in Fairer's
            // words.
            let category: Vec<(String, String)> = match category(&label, &kind, true) {
                Ok(Category::Whole) => vec![(String::new(), String::new())],
                Ok(Category::Of(c)) => {
                    let mut keys = vec![(c.category_type.clone(), c.label.clone())];
                    if let Some((b, q)) = c.quantile {
                        keys.push((c.category_type.clone(), b.category(q)));
                    }
                    keys
                }
                Err(_) => Vec::new(),
            };
            let found = category.iter().find_map(|c| {
                ours.get(&(
                    id.clone(),
                    p["AreaCode"].clone(),
                    p["Sex"].clone(),
                    p["Age"].clone(),
                    c.clone(),
                    period.clone(),
                ))
            });
            if let Some(r) = found {
                for (a, b) in [
                    ("Value", "Value"),
                    ("Lower CI 95.0 limit", "LowerCI"),
                    ("Upper CI 95.0 limit", "UpperCI"),
                    ("Count", "Count"),
                    ("Denominator", "Denominator"),
                ] {
                    if number(r, a) != number(p, b) {
                        failures.push(format!("{id} {} {period}: {a} {:?}, published {:?}", p["AreaCode"], r[a], p[b]));
                    }
                    counts.numbers += 1;
                }
            }
            let published = p["Trend"].as_str();
            if published.is_empty() {
                continue;
            }
            let Some(r) = found else {
                let reason = if !geography_codes.contains(&p["AreaCode"]) {
                    "not compared: an area the geography does not have (a sub-ICB location, an old code)"
                } else if category.is_empty() {
                    "not compared: a category that cannot be read"
                } else {
                    "not compared: an age or decile type the catalogue's where leaves out"
                };
                why(&mut counts, reason.to_string(), format!("{key:?} {period}"));
                continue;
            };
            counts.compared += 1;
            let ours = r["Recent Trend"].as_str();
            counts.same += usize::from(ours == published);
            if r["Area Type"] == "Sub-ICB location" {
                counts.sub_icb_markers.0 += 1;
                counts.sub_icb_markers.1 += usize::from(ours == published);
            }
            // The portal's own rule on the extract's rows up to this one.
            let pts: Vec<TrendPoint> = points[..=i]
                .iter()
                .map(|(year, x)| TrendPoint {
                    year: year.parse().unwrap_or(0),
                    value: number(x, "Value"),
                    lower: number(x, "LowerCI"),
                    upper: number(x, "UpperCI"),
                    numerator: number(x, "Count"),
                    denominator: number(x, "Denominator"),
                })
                .collect();
            let portal = match indicator.trend {
                TrendRule::None => "Cannot be calculated".to_string(),
                TrendRule::Portal | TrendRule::Guidance
                    if indicator.value_type == crate::compute::catalogue::ValueType::Other =>
                {
                    "Cannot be calculated".to_string()
                }
                rule => {
                    let from = if rule != TrendRule::PortalLimits
                        && indicator.value_type == crate::compute::catalogue::ValueType::Proportion
                    {
                        PortalTrendFrom::Counts
                    } else {
                        PortalTrendFrom::Limits
                    };
                    portal_recent_trend(&pts, from, indicator.polarity).label().to_string()
                }
            };
            if portal == published {
                counts.reproducible += 1;
                if ours == published {
                    counts.reproduced += 1;
                } else if !guidance {
                    failures.push(format!(
                        "{id} {} {} {period} {:?}: ours \"{ours}\" ({}), published \"{published}\"",
                        p["AreaCode"], p["Sex"], r["Category"], r["Trend reason"]
                    ));
                }
            } else {
                let valid = pts
                    .iter()
                    .filter(|t| t.value.is_some() && t.numerator.is_some() && t.denominator.is_some_and(|d| d > 0.0))
                    .count();
                let reason = if quarterly(id) {
                    format!("not reproducible: quarters of a year unordered in the extract (the portal's rule gives \"{portal}\")")
                } else if valid < 5 && published != "Cannot be calculated" {
                    "not reproducible: fewer than five valid points in the extract (the portal used earlier years)"
                        .to_string()
                } else {
                    format!("not reproducible: the portal's rule gives \"{portal}\" from the extract's rows, published \"{published}\"")
                };
                why(&mut counts, reason, format!("{key:?} {period}"));
            }
        }
    }
    (counts, failures)
}

#[test]
fn the_real_extract_with_the_shipped_catalogue_gives_back_every_number_and_the_portals_markers() {
    let Some(data) = shared_data() else { return };
    let (before, _) = compare_with_the_extract(&data, true);
    let (after, failures) = compare_with_the_extract(&data, false);
    for (name, c) in [("guidance's rule (before)", &before), ("catalogue's rules (after)", &after)] {
        eprintln!(
            "{name}: {} numbers compared; {} published trend markers compared, {} the same; {} reproducible by the portal's own rule from the extract's rows, {} of them reproduced",
            c.numbers, c.compared, c.same, c.reproducible, c.reproduced
        );
        for (why, n) in &c.why_not {
            eprintln!("  {n:5}  {why}");
            for e in c.examples.get(why).into_iter().flatten() {
                eprintln!("           e.g. {e}");
            }
        }
    }
    eprintln!(
        "sub-ICB locations: {} with {} published trend markers compared, {} the same; their ICBs (the shipped lookup):",
        after.sub_icb_parents.len(),
        after.sub_icb_markers.0,
        after.sub_icb_markers.1
    );
    for (code, (parent, name)) in &after.sub_icb_parents {
        eprintln!("  {code} in {parent} {name}");
    }
    assert!(
        failures.is_empty(),
        "{} differences, the first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(20)]
    );
    assert_eq!(after.reproduced, after.reproducible);
    // Every sub-ICB location of the extract (17, all in the ONS lookup) has its ICB as parent:
    // E38000068 (Halton, 01F) in Cheshire and Merseyside.
    assert_eq!(after.sub_icb_parents.len(), 17, "{:?}", after.sub_icb_parents);
    assert!(after.sub_icb_parents.values().all(|(p, _)| p.starts_with("E54")), "{:?}", after.sub_icb_parents);
    assert_eq!(
        after.sub_icb_parents.get("E38000068").map(|p| p.0.as_str()),
        Some("E54000008"),
        "{:?}",
        after.sub_icb_parents
    );
    // On the LSOA geography's levels, the published levels (sub-ICB locations, PCNs, GP
    // practices) and every breakdown of the catalogue's rows: 4,626 markers compared, 4,442
    // reproducible by the portal's rule and all reproduced (4,226 by the guidance's rule);
    // 91,270 numbers compared, all unchanged; 17 markers of the earlier of a sub-ICB location's
    // two rows of a year not compared. (Without the sub-ICB locations: 4,372 compared, 4,190
    // reproduced, 84,485 numbers; before every breakdown and the published levels were read:
    // 1,579 compared, 1,468 reproduced; 40,860 numbers.)
    assert!(after.compared >= 4600 && after.reproduced >= 4400, "{after:?}");
    assert!(after.reproduced > before.reproduced, "{before:?} {after:?}");
    assert!(after.numbers >= 90_000, "{after:?}");
}

#[test]
fn a_quarterly_indicator_numbers_the_rows_of_a_year_and_is_trended_by_quarter() {
    // L1: eight quarters of two years, the API extract's layout (Year only); 2023's second and
    // third quarters are the same numbers (kept as two quarters, not one duplicate). Values
    // 10 … 17 with limits ± 1: from the value and limits, the last five quarters rise by 1 a
    // quarter, X² = 38.416 (as the hand-worked case of stats::trend): increasing.
    let mut csv = String::from(
        "IndicatorId,Year,SexID,AreaCode,Count,Value,LowerCI,UpperCI,Denominator,Sex,Age,CategoryType,Category\n",
    );
    let values = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 15.0, 17.0];
    for (q, v) in values.iter().enumerate() {
        let year = 2022 + q / 4;
        writeln!(csv, "91040,{year},4,L1,{},{v},{},{},1000,Persons,40-74 yrs,,", v * 10.0, v - 1.0, v + 1.0).unwrap();
    }
    let indicator = |period: &str| {
        format!(
            "\n[[indicator]]\nid = \"91040\"\nname = \"Health checks offered in the quarter\"\nmeasure = \"published\"\nvalue_type = \"proportion\"\npolarity = \"higher is better\"\n{period}trend = \"portal_limits\"\nlevels = [\"Local authority\"]\npublished = {{ table = \"portal\", where = {{ IndicatorId = [91040] }} }}\n"
        )
    };
    let dir = setup(&csv);
    run(dir.path(), &format!("{HEADER}{}", indicator("period = \"quarterly\"\n")), "out.csv").unwrap();
    let out = results(&dir.path().join("out.csv"));
    let labels: Vec<&str> = out.iter().map(|r| r["Time period"].as_str()).collect();
    assert_eq!(labels, ["2022 Q1", "2022 Q2", "2022 Q3", "2022 Q4", "2023 Q1", "2023 Q2", "2023 Q3", "2023 Q4"]);
    assert_eq!(number(&out[6], "Value"), Some(15.0));
    // 2023 Q4: the five quarters 2022 Q4 … 2023 Q4 are 13, 14, 15, 15, 17: slope 0.9,
    // X² = 0.81 × 3.8416 × 10 = 31.1; no slope leaving one out turns: increasing.
    assert_eq!(out[7]["Recent Trend"], "Increasing and getting better");
    assert_eq!(out[3]["Recent Trend"], "Cannot be calculated", "four quarters only");
    // Undeclared, the four rows of a year are four values for one period: an error naming two.
    let e = run(dir.path(), &format!("{HEADER}{}", indicator("")), "out2.csv").unwrap_err().to_string();
    assert!(e.contains("row 1 has the same (L1, Persons, 2022)"), "{e}");
    // A fifth row in a year is an error naming the file, row and column and the first row.
    let dir = setup(&format!("{csv}91040,2023,4,L1,1,0.1,0,1,1000,Persons,40-74 yrs,,\n"));
    let e = run(dir.path(), &format!("{HEADER}{}", indicator("period = \"quarterly\"\n")), "out.csv")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("portal.csv, row 9")
            && e.contains("column \"Time period\"")
            && e.contains("at most 4 rows a year")
            && e.contains("the first on row 5"),
        "{e}"
    );
    // Quarters are for published values only.
    let e = Catalogue::parse(
        &format!(
            "{}{}",
            crate::compute::tests::GEOGRAPHY,
            crate::compute::tests::PROPORTION.replace("measure = ", "period = \"quarterly\"\nmeasure = ")
        ),
        "c.toml",
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(e.contains("period = \"quarterly\" is for published values"), "{e}");
}

#[test]
fn the_trend_rule_is_a_choice_of_each_indicator() {
    let dir = setup(&download_csv());
    let with = |rule: &str| INDICATOR.replace("published = ", &format!("trend = \"{rule}\"\npublished = "));
    // Never trended: every marker "Cannot be calculated", and why.
    run(dir.path(), &format!("{HEADER}{}", with("none")), "none.csv").unwrap();
    let out = results(&dir.path().join("none.csv"));
    assert!(out.iter().all(|r| r["Recent Trend"] == "Cannot be calculated"));
    assert!(find(&out, "L1", "2020", "")["Trend reason"].contains("trend = \"none\""));
    // The portal's rule on L1 (10 … 30% of 1,000, from the counts): increasing, higher worse.
    run(dir.path(), &format!("{HEADER}{}", with("portal")), "portal.csv").unwrap();
    let out = results(&dir.path().join("portal.csv"));
    assert_eq!(find(&out, "L1", "2020", "")["Recent Trend"], "Increasing and getting worse");
    assert_eq!(find(&out, "L2", "2020", "")["Recent Trend"], "No significant change");
    // A value type the portal does not trend.
    let other = with("portal").replace("value_type = \"proportion\"", "value_type = \"other\"");
    run(dir.path(), &format!("{HEADER}{other}"), "other.csv").unwrap();
    let out = results(&dir.path().join("other.csv"));
    assert_eq!(find(&out, "L1", "2020", "")["Recent Trend"], "Cannot be calculated");
    // An unknown rule names the line and the choices.
    let e = Catalogue::parse(&format!("{HEADER}{}", with("sometimes")), "c.toml").map(|_| ()).unwrap_err().to_string();
    assert!(
        e.contains("c.toml, line") && e.contains("unknown variant `sometimes`") && e.contains("portal_limits"),
        "{e}"
    );
}

#[test]
fn unitary_authorities_are_districts_and_counties_both() {
    // Two districts in a county, and a unitary authority that is its own county.
    let areas = "lsoa,lsoa_name,la,la_name,utla,utla_name,eng,eng_name\nA1,a1,E07000001,D1,E10000001,County,E,England\nA2,a2,E07000002,D2,E10000001,County,E,England\nA3,a3,E06000001,Unitary,E06000001,Unitary,E,England\n";
    let header = HEADER.replace(
        "  { type = \"England\"",
        "  { type = \"Upper-tier local authority\", code = \"utla\", name = \"utla_name\", shares_codes = true },\n  { type = \"England\"",
    )
    .replace("deprivation_decile = \"decile\"\n", "");
    let mut csv = format!("{DOWNLOAD}\n");
    for (code, value) in
        [("E07000001", 10.0), ("E07000002", 20.0), ("E10000001", 15.0), ("E06000001", 30.0), ("E", 20.0)]
    {
        writeln!(
            csv,
            "93701,x,,,{code},Name,Type,Persons,<16 yrs,,,2020,{value},{},{},,,{},1000,,,,,20200000,,",
            value - 1.0,
            value + 1.0,
            value * 10.0
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "areas.csv", areas);
    write(dir.path(), "portal.csv", &csv);
    run(dir.path(), &format!("{header}{INDICATOR}"), "out.csv").unwrap();
    let out = results(&dir.path().join("out.csv"));
    let rows_of = |code: &str| {
        out.iter()
            .filter(|r| r["Area Code"] == code)
            .map(|r| (r["Area Type"].clone(), r["Parent Code"].clone(), number(r, "Value")))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rows_of("E06000001"),
        [
            ("Local authority".to_string(), "E06000001".to_string(), Some(30.0)),
            ("Upper-tier local authority".to_string(), "E".to_string(), Some(30.0))
        ]
    );
    assert_eq!(rows_of("E10000001"), [("Upper-tier local authority".to_string(), "E".to_string(), Some(15.0))]);
    assert_eq!(rows_of("E07000001"), [("Local authority".to_string(), "E10000001".to_string(), Some(10.0))]);
    // Undeclared, a code on two levels is a cycle.
    let e = run(dir.path(), &format!("{}{INDICATOR}", header.replace(", shares_codes = true", "")), "out.csv")
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 3") && e.contains("cycle"), "{e}");
    // A code on two levels of different rows is still a cycle.
    let bad = format!("{areas}A4,a4,E10000001,Odd,E10000002,Other,E,England\n");
    write(dir.path(), "areas.csv", &bad);
    let e = run(dir.path(), &format!("{header}{INDICATOR}"), "out.csv").unwrap_err().to_string();
    assert!(e.contains("row 4") && e.contains("cycle"), "{e}");
}
