//! End-to-end tests of [`compute`] on small worlds whose true values are set by hand.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use super::catalogue::Catalogue;
use super::cells::LEVELS;
use super::*;
use crate::input::{ColumnRequest, InputTable};

pub(super) const GEOGRAPHY: &str = r#"
[catalogue]
name = "test"

[[framework]]
id = "marmot"
name = "Marmot principles"
domain = [{ id = "work", name = "Fair work" }]

[geography]
table = "areas"
small_area = { type = "LSOA", code = "lsoa", name = "lsoa_name" }
deprivation_decile = "decile"
level = [
  { type = "Local authority", code = "la", name = "la_name" },
  { type = "England", code = "eng", name = "eng_name" },
]

[tables.outcomes]
area = "lsoa"
sex = "sex"

[tables.events]
area = "lsoa"
sex = "sex"
age = "age"

[tables.population]
area = "lsoa"
sex = "sex"
start_age = "start_age"
"#;

pub(super) const PROPORTION: &str = r#"
[[indicator]]
id = "p"
name = "A proportion"
framework = "marmot"
domain = "work"
measure = "proportion"
polarity = "lower is better"
breakdowns = ["deprivation_decile"]
numerator = { table = "outcomes", value = "x", where = { what = ["p"] } }
denominator = { table = "outcomes", value = "n", where = { what = ["p"] } }
"#;

pub(super) fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Reads a Parquet results file into rows of (column → text or number) for the columns asked.
pub(super) fn read_results(path: &Path, texts: &[&str], numbers: &[&str]) -> Vec<(Vec<String>, Vec<Option<f64>>)> {
    let table = InputTable::open(path.to_str().unwrap()).unwrap();
    let request = ColumnRequest {
        texts: texts.iter().map(|c| table.column(c, "test").unwrap()).collect(),
        numbers: numbers.iter().map(|c| table.column(c, "test").unwrap()).collect(),
    };
    let mut reader = table.chunks(request).unwrap();
    let mut out = Vec::new();
    while let Some(chunk) = reader.next_chunk().unwrap() {
        for r in 0..chunk.len {
            out.push((
                chunk.texts.iter().map(|c| c.get(r).unwrap_or_default().to_string()).collect(),
                chunk.numbers.iter().map(|c| c[r]).collect(),
            ));
        }
    }
    out
}

/// Computes `catalogue` on the tables of `dir` into the file `output`.
pub(super) fn compute_to_file(catalogue: &Catalogue, dir: &Path, output: &Path) -> Result<ComputeSummary> {
    let mut sink = ResultFile::create_by_extension(output)?;
    compute(catalogue, &DataDirectory::new(dir), &mut sink, &ComputeOptions::default(), &NoProgress)
}

pub(super) fn run(dir: &Path, catalogue: &str, output: &str) -> Result<ComputeSummary> {
    let catalogue = Catalogue::parse(catalogue, "test.toml")?;
    compute_to_file(&catalogue, dir, &dir.join(output))
}

pub(super) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// Two authorities of two small areas each (deciles 1 and 10), five years of a proportion:
/// rising steeply in the first authority, flat in the second.
fn two_authorities(dir: &Path) {
    write(dir, "areas.csv", "lsoa,lsoa_name,la,la_name,eng,eng_name,decile\nA,a,L1,Rising,E,England,1\nB,b,L1,Rising,E,England,10\nC,c,L2,Flat,E,England,1\nD,d,L2,Flat,E,England,10\n");
    let mut csv = String::from("lsoa,year,sex,what,x,n\n");
    for (t, year) in (2016..=2020).enumerate() {
        let t = t as i64;
        writeln!(csv, "A,{year},Persons,p,{},1000", 150 + 40 * t).unwrap();
        writeln!(csv, "B,{year},Persons,p,{},1000", 50 + 40 * t).unwrap();
        writeln!(csv, "C,{year},Persons,p,100,1000").unwrap();
        writeln!(csv, "D,{year},Persons,p,100,1000").unwrap();
        // Rows of another indicator, which the filter must leave out.
        writeln!(csv, "A,{year},Persons,q,999,1000").unwrap();
    }
    write(dir, "outcomes.csv", &csv);
}

#[test]
fn values_limits_comparisons_and_trends_have_the_set_answers() {
    let dir = tempfile::tempdir().unwrap();
    two_authorities(dir.path());
    let summary = run(dir.path(), &format!("{GEOGRAPHY}{PROPORTION}"), "out.parquet").unwrap();
    assert_eq!(summary.rows_read, 25);
    let rows = read_results(
        &dir.path().join("out.parquet"),
        &[
            "area_code",
            "time_period",
            "category",
            "compared_to_benchmark_95",
            "compared_to_benchmark_99_8",
            "recent_trend",
            "domain",
            "parent_code",
        ],
        &[
            "value",
            "lower_95",
            "upper_95",
            "lower_99_8",
            "upper_99_8",
            "count",
            "denominator",
            "benchmark_value",
            "gap_most_minus_least_deprived",
            "excess_count",
        ],
    );
    let find = |area: &str, period: &str, category: &str| {
        rows.iter().find(|r| r.0[0] == area && r.0[1] == period && r.0[2] == category).unwrap()
    };
    // L1 in 2020: (310 + 210) / 2000 = 26%; England (520 + 200) / 4000 = 18%.
    let l1 = find("L1", "2020", "");
    assert!(close(l1.1[0].unwrap(), 26.0));
    assert_eq!((l1.1[5], l1.1[6]), (Some(520.0), Some(2000.0)));
    let wilson = stats::proportion::proportion(520.0, 2000.0, 100.0, &LEVELS).unwrap();
    for (i, limit) in [wilson.limits[0].lower, wilson.limits[0].upper, wilson.limits[1].lower, wilson.limits[1].upper]
        .into_iter()
        .enumerate()
    {
        assert!(close(l1.1[1 + i].unwrap(), limit.unwrap()));
    }
    assert!(close(l1.1[7].unwrap(), 18.0));
    // 18% is below L1's interval: L1 is higher, and lower is better: worse.
    assert_eq!((l1.0[3].as_str(), l1.0[4].as_str()), ("Worse", "Worse"));
    assert_eq!(l1.0[5], "Increasing and getting worse");
    assert_eq!(l1.0[6], "Fair work");
    assert_eq!(l1.0[7], "E");
    // Deciles within L1: A is 31%, B 21%; gap 10 points; excess at B's rate: 310 - 210 = 100.
    assert!(close(l1.1[8].unwrap(), 10.0));
    assert!(close(l1.1[9].unwrap(), 100.0));
    let a = find("L1", "2020", "Most deprived decile (IMD)");
    assert!(close(a.1[0].unwrap(), 31.0));
    assert!(close(a.1[7].unwrap(), 26.0), "a decile is compared with its own area");
    // L2: 10% throughout: better than England, no significant change.
    let l2 = find("L2", "2020", "");
    assert!(close(l2.1[0].unwrap(), 10.0));
    assert_eq!(l2.0[3], "Better");
    assert_eq!(l2.0[5], "No significant change");
    // Four years are too few for a trend.
    assert_eq!(find("L1", "2019", "").0[5], "Cannot be calculated");
    // England's own row compares with itself: similar.
    assert_eq!(find("E", "2020", "").0[3], "Similar");
}

#[test]
fn sii_gap_and_excess_across_ten_deciles_are_the_hand_computed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut areas = String::from("lsoa,lsoa_name,la,la_name,eng,eng_name,decile\n");
    let mut outcomes = String::from("lsoa,year,sex,what,x,n\n");
    for d in 1..=10 {
        writeln!(areas, "S{d},s{d},L1,Town,E,England,{d}").unwrap();
        // 10% in the most deprived decile, one point more in each less deprived one.
        writeln!(outcomes, "S{d},2020,Persons,p,{},10000", 1000 + 100 * (d - 1)).unwrap();
    }
    write(dir.path(), "areas.csv", &areas);
    write(dir.path(), "outcomes.csv", &outcomes);
    run(dir.path(), &format!("{GEOGRAPHY}{PROPORTION}"), "out.parquet").unwrap();
    let rows = read_results(
        &dir.path().join("out.parquet"),
        &["area_code", "category", "inequality_note"],
        &[
            "sii",
            "sii_lower_95",
            "sii_upper_95",
            "rii",
            "gap_most_minus_least_deprived",
            "ratio_most_to_least_deprived",
            "excess_count",
        ],
    );
    let town = rows.iter().find(|r| r.0[0] == "L1" && r.0[1].is_empty()).unwrap();
    // Equal populations, value = 10 + (d - 1) with the midpoint rank (d - 0.5)/10: slope 10.
    assert!(town.1[0].is_some_and(|v| close(v, 10.0)), "{:?}", town);
    assert!(town.1[1].unwrap() < 10.0 && town.1[2].unwrap() > 10.0);
    assert!(close(town.1[4].unwrap(), -9.0));
    assert!(close(town.1[5].unwrap(), 10.0 / 19.0));
    // Expected at 19%: 1,900 per decile; observed 14,500 in all: excess -4,500.
    assert!(close(town.1[6].unwrap(), -4500.0));
}

#[test]
fn microdata_life_expectancy_and_dsr_equal_the_methods_on_the_summed_counts() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "areas.csv",
        "lsoa,lsoa_name,la,la_name,eng,eng_name,decile\nA,a,L1,One,E,England,3\nB,b,L1,One,E,England,4\n",
    );
    // One row per death: in band b, b + 1 deaths a year in each area (ages b's start age + 1),
    // plus 40 at 95 (the 90+ band).
    let ages = super::catalogue::BAND_START_AGES;
    let mut events = String::from("lsoa,year,sex,age\n");
    let mut pop = String::from("lsoa,year,sex,start_age,population\n");
    for year in 2020..=2022 {
        for area in ["A", "B"] {
            for (b, &start) in ages.iter().enumerate() {
                let age = if b == 19 { 95 } else { start + u32::from(b > 0) };
                for _ in 0..(if b == 19 { 40 } else { b + 1 }) {
                    writeln!(events, "{area},{year},Female,{age}").unwrap();
                }
                writeln!(pop, "{area},{year},Female,{start},{}", 2000 + 10 * b).unwrap();
            }
        }
    }
    write(
        dir.path(),
        "areas.csv",
        "lsoa,lsoa_name,la,la_name,eng,eng_name,decile\nA,a,L1,One,E,England,3\nB,b,L1,One,E,England,4\n",
    );
    write(dir.path(), "events.csv", &events);
    write(dir.path(), "population.csv", &pop);
    let catalogue = format!(
        "{GEOGRAPHY}{}",
        r#"
[[indicator]]
id = "le"
name = "Life expectancy"
measure = "life_expectancy"
polarity = "higher is better"
period = "rolling_3_year"
sexes = ["Female"]
numerator = { table = "events" }
denominator = { table = "population", value = "population" }

[[indicator]]
id = "u75"
name = "Under 75 mortality"
measure = "dsr"
polarity = "lower is better"
ages = { to = 74 }
numerator = { table = "events" }
denominator = { table = "population", value = "population" }
"#
    );
    run(dir.path(), &catalogue, "out.csv").unwrap();
    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let row = |id: &str, area: &str, period: &str| {
        rows.iter()
            .find(|r| &r[col("Indicator ID")] == id && &r[col("Area Code")] == area && &r[col("Time period")] == period)
            .unwrap()
    };
    // Life expectancy for L1, 2020 - 22: both areas, three years.
    let deaths: Vec<f64> = (0..20).map(|b| 6.0 * if b == 19 { 40.0 } else { (b + 1) as f64 }).collect();
    let population: Vec<f64> = (0..20).map(|b| 6.0 * (2000.0 + 10.0 * b as f64)).collect();
    let start: Vec<f64> = ages.iter().map(|&a| f64::from(a)).collect();
    let le = stats::life_expectancy::life_expectancy(&start, &deaths, &population, &LEVELS).unwrap();
    let r = row("le", "L1", "2020 - 22");
    let value: f64 = r[col("Value")].parse().unwrap();
    assert!(close(value, le[0].estimate.value.unwrap()));
    let lower: f64 = r[col("Lower CI 99.8 limit")].parse().unwrap();
    assert!(close(lower, le[0].estimate.limits[1].lower.unwrap()));
    // The DSR for 2021, persons (all rows are female): under 75 is bands 0 … 70-74.
    let mut acc = stats::dsr::DsrAccumulator::default();
    acc.add(Some(2.0 * 3.0), 2.0 * (2000.0 + 2010.0), 5000.0).unwrap();
    for (b, &age) in ages.iter().enumerate().take(16).skip(2) {
        acc.add(Some(2.0 * (b + 1) as f64), 2.0 * (2000.0 + 10.0 * b as f64), stats::dsr::esp2013_weight(age).unwrap())
            .unwrap();
    }
    let dsr = acc.estimate(100_000.0, &LEVELS).estimate;
    let r = row("u75", "L1", "2021");
    assert!(close(r[col("Value")].parse().unwrap(), dsr.value.unwrap()));
    assert!(close(r[col("Upper CI 95.0 limit")].parse().unwrap(), dsr.limits[0].upper.unwrap()));
    assert_eq!(&r[col("Age")], "<75 yrs");
    assert_eq!(&r[col("Sex")], "Persons");
}

#[test]
fn bad_data_is_an_error_naming_file_row_and_column_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = format!("{GEOGRAPHY}{PROPORTION}");
    let cases = [
        ("A,2020,Persons,p,5,100\nZ,2020,Persons,p,5,100\n", "row 2", "column \"lsoa\"", "the code of a small area"),
        ("A,2020,Persons,p,5,100\nA,20x0,Persons,p,5,100\n", "row 2", "column \"year\"", "a year such as 2024"),
        ("A,2020,Both,p,5,100\n", "row 1", "column \"sex\"", "Male, Female or Persons"),
        ("A,2020,Persons,p,five,100\n", "row 1", "column \"x\"", "a number"),
        ("A,2020,Persons,p,-5,100\n", "row 1", "column \"x\"", "0 or more"),
    ];
    for (body, row, column, expected) in cases {
        two_authorities(dir.path());
        write(dir.path(), "outcomes.csv", &format!("lsoa,year,sex,what,x,n\n{body}"));
        let e = run(dir.path(), &catalogue, "out.parquet").unwrap_err().to_string();
        assert!(e.contains("outcomes.csv") && e.contains(row) && e.contains(column) && e.contains(expected), "{e}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains("out"))
            .collect();
        assert_eq!(left, vec!["outcomes.csv".to_string()], "no partial output");
    }
    // A missing column.
    write(dir.path(), "outcomes.csv", "lsoa,year,sex,what,x\nA,2020,Persons,p,5\n");
    let e = run(dir.path(), &catalogue, "out.parquet").unwrap_err().to_string();
    assert!(e.contains("outcomes.csv") && e.contains("no column \"n\""), "{e}");
    // A period in a financial-year layout reads by its first year; a wrong one is an error.
    two_authorities(dir.path());
    write(dir.path(), "outcomes.csv", "lsoa,year,sex,what,x,n\nA,2020/21,Persons,p,5,100\nA,2020/22,Persons,p,5,100\n");
    let e = run(dir.path(), &catalogue, "out.parquet").unwrap_err().to_string();
    assert!(e.contains("row 2") && e.contains("a financial year such as 2024/25"), "{e}");
}

#[test]
fn outputs_are_parquet_portal_csv_or_excel() {
    let dir = tempfile::tempdir().unwrap();
    two_authorities(dir.path());
    let catalogue = format!("{GEOGRAPHY}{PROPORTION}");
    let s = run(dir.path(), &catalogue, "out.csv").unwrap();
    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(text.starts_with("Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit"));
    assert_eq!(text.lines().count() as u64, s.rows_written + 1);
    run(dir.path(), &catalogue, "out.xlsx").unwrap();
    let bytes = std::fs::read(dir.path().join("out.xlsx")).unwrap();
    assert_eq!(&bytes[..2], b"PK");
    let e = run(dir.path(), &catalogue, "out.json").unwrap_err().to_string();
    assert!(e.contains(".parquet, .csv or .xlsx"), "{e}");
}

#[test]
fn tables_may_be_globs_of_files_or_excel_workbooks() {
    let dir = tempfile::tempdir().unwrap();
    two_authorities(dir.path());
    let whole = run(dir.path(), &format!("{GEOGRAPHY}{PROPORTION}"), "whole.csv").unwrap();
    // The same rows split over two files, named by a glob.
    let text = std::fs::read_to_string(dir.path().join("outcomes.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows: Vec<&str> = lines.collect();
    std::fs::create_dir(dir.path().join("split")).unwrap();
    write(&dir.path().join("split"), "part_1.csv", &format!("{header}\n{}\n", rows[..10].join("\n")));
    write(&dir.path().join("split"), "part_2.csv", &format!("{header}\n{}\n", rows[10..].join("\n")));
    std::fs::remove_file(dir.path().join("outcomes.csv")).unwrap();
    let globbed = GEOGRAPHY.replace("[tables.outcomes]\n", "[tables.outcomes]\npath = \"split/part_*.csv\"\n");
    let split = run(dir.path(), &format!("{globbed}{PROPORTION}"), "split.csv").unwrap();
    assert_eq!(split.rows_read, whole.rows_read);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("split.csv")).unwrap(),
        std::fs::read_to_string(dir.path().join("whole.csv")).unwrap()
    );
    // And as an Excel workbook (numbers as numbers, codes as text).
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in header.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.split(',').enumerate() {
            match cell.parse::<f64>() {
                Ok(x) => sheet.write_number(r as u32 + 1, c as u16, x).unwrap(),
                Err(_) => sheet.write_string(r as u32 + 1, c as u16, cell).unwrap(),
            };
        }
    }
    workbook.save(dir.path().join("outcomes.xlsx")).unwrap();
    let excel = run(dir.path(), &format!("{GEOGRAPHY}{PROPORTION}"), "excel.csv").unwrap();
    assert_eq!(excel.rows_read, whole.rows_read);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("excel.csv")).unwrap(),
        std::fs::read_to_string(dir.path().join("whole.csv")).unwrap()
    );
    let nothing = GEOGRAPHY.replace("[tables.outcomes]\n", "[tables.outcomes]\npath = \"none_*.csv\"\n");
    let e = run(dir.path(), &format!("{nothing}{PROPORTION}"), "x.csv").unwrap_err().to_string();
    assert!(e.contains("no file matches"), "{e}");
}

#[test]
fn a_regional_benchmark_is_each_areas_own_region() {
    let dir = tempfile::tempdir().unwrap();
    two_authorities(dir.path());
    write(
        dir.path(),
        "areas.csv",
        "lsoa,lsoa_name,la,la_name,reg,reg_name,eng,eng_name,decile\nA,a,L1,Rising,R1,North,E,England,1\nB,b,L1,Rising,R1,North,E,England,10\nC,c,L2,Flat,R2,South,E,England,1\nD,d,L2,Flat,R2,South,E,England,10\n",
    );
    let geography = GEOGRAPHY.replace(
        "  { type = \"England\", code = \"eng\", name = \"eng_name\" },\n]",
        "  { type = \"Region\", code = \"reg\", name = \"reg_name\" },\n  { type = \"England\", code = \"eng\", name = \"eng_name\" },\n]\nbenchmark = \"Region\"",
    );
    let geography = geography
        .replace("deprivation_decile = \"decile\"\n", "deprivation_decile = \"decile\"\nbenchmark = \"Region\"\n")
        .replace("]\nbenchmark = \"Region\"", "]");
    run(dir.path(), &format!("{geography}{PROPORTION}"), "out.parquet").unwrap();
    let rows = read_results(
        &dir.path().join("out.parquet"),
        &["area_code", "time_period", "category", "benchmark", "compared_to_benchmark_95"],
        &["benchmark_value"],
    );
    let find = |area: &str| rows.iter().find(|r| r.0[0] == area && r.0[1] == "2020" && r.0[2].is_empty()).unwrap();
    assert_eq!(find("L1").0[3], "North");
    assert!(close(find("L1").1[0].unwrap(), 26.0));
    assert_eq!(find("L2").0[3], "South");
    assert_eq!(find("L2").0[4], "Similar");
    assert!(close(find("L2").1[0].unwrap(), 10.0));
}

/// Two regions of three authorities of ten small areas each; ICB "I1" takes L1 and half of
/// L2, "I2" the rest of L2 and L3 (so L2 straddles two ICBs, as real authorities can), "I3"
/// region R2. Within each authority, small area j (1 … 10) has the j-th highest deprivation
/// score, while the national decile column puts every small area in decile 5. Authority k's
/// small area j has x = 100 + 10·(10 − j) + 5·k events in 1,000 (2020).
fn regions_with_a_straddling_authority(dir: &Path) {
    let mut areas = String::from("lsoa,lsoa_name,la,la_name,icb,icb_name,rgn,rgn_name,eng,eng_name,score,decile\n");
    let mut outcomes = String::from("lsoa,year,sex,what,x,n\n");
    for k in 1..=6 {
        for j in 1..=10 {
            let icb = match (k, j) {
                (1, _) | (2, 1..=5) => "I1",
                (2, _) | (3, _) => "I2",
                _ => "I3",
            };
            let region = if k <= 3 { "R1" } else { "R2" };
            let score = (11 - j) as f64 + 0.1 * k as f64;
            writeln!(
                areas,
                "S{k}_{j},s,L{k},Authority {k},{icb},ICB {icb},{region},Region {region},E,England,{score},5"
            )
            .unwrap();
            writeln!(outcomes, "S{k}_{j},2020,Persons,p,{},1000", 100 + 10 * (10 - j) + 5 * k).unwrap();
        }
    }
    write(dir, "areas.csv", &areas);
    write(dir, "outcomes.csv", &outcomes);
}

fn five_level_catalogue(icb_nested: bool, extra: &str, indicator_keys: &str) -> String {
    format!(
        r#"
[catalogue]
name = "test"

[geography]
table = "areas"
small_area = {{ type = "LSOA", code = "lsoa", name = "lsoa_name" }}
deprivation_decile = "decile"
deprivation_score = "score"
level = [
  {{ type = "Local authority", code = "la", name = "la_name" }},
  {{ type = "ICB", code = "icb", name = "icb_name", nested = {icb_nested} }},
  {{ type = "Region", code = "rgn", name = "rgn_name" }},
  {{ type = "England", code = "eng", name = "eng_name" }},
]

[tables.outcomes]
area = "lsoa"
sex = "sex"
{extra}
[[indicator]]
id = "p"
name = "A proportion"
measure = "proportion"
polarity = "lower is better"
{indicator_keys}
numerator = {{ table = "outcomes", value = "x", where = {{ what = ["p"] }} }}
denominator = {{ table = "outcomes", value = "n", where = {{ what = ["p"] }} }}
"#
    )
}

const RESULT_TEXTS: [&str; 8] = [
    "area_code",
    "area_type",
    "category_type",
    "category",
    "parent_code",
    "benchmark",
    "quintile",
    "compared_to_benchmark_95",
];

#[test]
fn a_level_that_does_not_nest_is_declared_and_parents_skip_it() {
    let dir = tempfile::tempdir().unwrap();
    regions_with_a_straddling_authority(dir.path());
    // Checked as nested, the straddling authority is an error naming both ICBs.
    let e = run(dir.path(), &five_level_catalogue(true, "", ""), "out.parquet").unwrap_err().to_string();
    assert!(
        e.contains("areas.csv")
            && e.contains("an area in two parents")
            && e.contains("\"L2\"")
            && e.contains("I1")
            && e.contains("I2"),
        "{e}"
    );
    assert!(!dir.path().join("out.parquet").exists());
    // Declared not nested: authorities' parent is their region; ICBs are aggregated from
    // their small areas and their parent is the region holding them.
    run(dir.path(), &five_level_catalogue(false, "", ""), "out.parquet").unwrap();
    let rows = read_results(&dir.path().join("out.parquet"), &RESULT_TEXTS, &["value", "count", "denominator"]);
    let find = |area: &str| rows.iter().find(|r| r.0[0] == area && r.0[3].is_empty()).unwrap();
    assert_eq!(find("L2").0[4], "R1");
    assert_eq!(find("I1").0[4], "R1");
    assert_eq!(find("I3").0[4], "R2");
    // I1: all of L1 (x = 195 … 105, sum 1,500) and L2's j = 1 … 5 (200 … 160, sum 900).
    let i1 = find("I1");
    assert_eq!((i1.1[1], i1.1[2]), (Some(2_400.0), Some(15_000.0)));
    assert!(close(i1.1[0].unwrap(), 16.0));
}

#[test]
fn deprivation_quantiles_national_or_within_each_area() {
    let dir = tempfile::tempdir().unwrap();
    regions_with_a_straddling_authority(dir.path());
    let value = |breakdown: &str, area: &str, category: &str| -> Option<(f64, String)> {
        let out = format!("{}.parquet", breakdown);
        run(dir.path(), &five_level_catalogue(false, "", &format!("breakdowns = [\"{breakdown}\"]")), &out).unwrap();
        let rows = read_results(&dir.path().join(&out), &RESULT_TEXTS, &["value"]);
        rows.iter().find(|r| r.0[0] == area && r.0[3] == category).map(|r| (r.1[0].unwrap(), r.0[2].clone()))
    };
    // Within L3 the small area with the highest score (j = 1, x = 205) is the most deprived decile.
    let (v, kind) = value("deprivation_decile_within_area", "L3", "Most deprived decile (IMD, within area)").unwrap();
    assert!(close(v, 20.5));
    assert_eq!(kind, "LSOA deprivation deciles within area");
    let (v, _) = value("deprivation_decile_within_area", "L3", "Least deprived decile (IMD, within area)").unwrap();
    assert!(close(v, 11.5));
    // Quintiles within L3: j = 1, 2 pooled: (205 + 195) / 2,000; the middle quintile j = 5, 6.
    let (v, kind) =
        value("deprivation_quintile_within_area", "L3", "Most deprived quintile (IMD, within area)").unwrap();
    assert!(close(v, 20.0));
    assert_eq!(kind, "LSOA deprivation quintiles within area");
    let (v, _) = value("deprivation_quintile_within_area", "L3", "Middle quintile (IMD, within area)").unwrap();
    assert!(close(v, 16.0));
    // Nationally every small area is in decile 5 (the third quintile): one category only.
    let (v, kind) = value("deprivation_quintile", "L3", "Middle quintile (IMD)").unwrap();
    assert!(close(v, 16.0), "the whole of L3 (1,600 / 10,000)");
    assert_eq!(kind, "LSOA deprivation quintiles (national)");
    assert!(value("deprivation_quintile", "L3", "Most deprived quintile (IMD)").is_none());
    // Within-area quantiles need the scores.
    let no_scores = five_level_catalogue(false, "", "breakdowns = [\"deprivation_decile_within_area\"]")
        .replace("deprivation_score = \"score\"\n", "");
    let e = Catalogue::parse(&no_scores, "test.toml").unwrap_err().to_string();
    assert!(e.contains("test.toml") && e.contains("breakdowns") && e.contains("deprivation_score"), "{e}");
}

#[test]
fn benchmarks_by_parent_or_named_peer_group() {
    let dir = tempfile::tempdir().unwrap();
    regions_with_a_straddling_authority(dir.path());
    // Authority k's total: Σ_j (100 + 10(10 − j) + 5k) = 1,450 + 50k over 10,000.
    let la = |k: f64| (1_450.0 + 50.0 * k) / 100.0;
    run(dir.path(), &five_level_catalogue(false, "", "benchmark = \"parent\""), "parent.parquet").unwrap();
    let rows = read_results(&dir.path().join("parent.parquet"), &RESULT_TEXTS, &["value", "benchmark_value"]);
    let find = |rows: &[(Vec<String>, Vec<Option<f64>>)], area: &str| {
        rows.iter().find(|r| r.0[0] == area && r.0[3].is_empty()).cloned().unwrap()
    };
    // L2's parent is R1 (ICBs do not nest): (1,500 + 1,550 + 1,600) / 30,000 = 15.5%.
    let l2 = find(&rows, "L2");
    assert_eq!(l2.0[5], "Region R1");
    assert!(close(l2.1[1].unwrap(), 15.5));
    assert!(close(l2.1[0].unwrap(), la(2.0)));
    // R2 is compared with its parent, England: (6 × 1,450 + 50 × 21) / 60,000.
    let r2 = find(&rows, "R2");
    assert_eq!(r2.0[5], "England");
    assert!(close(r2.1[1].unwrap(), (8_700.0 + 1_050.0) / 600.0));

    let peers = "\n[[peer_group]]\ncode = \"PG\"\nname = \"Peers\"\nareas = [\"L1\", \"L2\", \"L4\", \"L5\", \"L6\"]\n";
    run(dir.path(), &five_level_catalogue(false, peers, "benchmark = \"peer group\""), "peers.parquet").unwrap();
    let rows = read_results(&dir.path().join("peers.parquet"), &RESULT_TEXTS, &["value", "benchmark_value"]);
    let pooled = (1..=6).filter(|&k| k != 3).map(|k| 1_450.0 + 50.0 * k as f64).sum::<f64>() / 500.0;
    let l1 = find(&rows, "L1");
    assert_eq!(l1.0[5], "Peers");
    assert!(close(l1.1[1].unwrap(), pooled));
    assert!(close(l1.1[0].unwrap(), la(1.0)));
    // The group's own row, compared with England.
    let group = find(&rows, "PG");
    assert_eq!((group.0[1].as_str(), group.0[5].as_str()), ("Peer group", "England"));
    assert!(close(group.1[0].unwrap(), pooled));
    // L3 is in no group: England, as the geography says.
    assert_eq!(find(&rows, "L3").0[5], "England");
    // Quintiles among the five peers (lower is better, values rising with k).
    assert_eq!(find(&rows, "L1").0[6], "Best");
    assert_eq!(find(&rows, "L4").0[6], "Middle");
    assert_eq!(find(&rows, "L6").0[6], "Worst");
    // An unknown member of a peer group is a catalogue error naming it.
    let bad = five_level_catalogue(false, &peers.replace("\"L6\"", "\"L9\""), "benchmark = \"peer group\"");
    let e = run(dir.path(), &bad, "bad.parquet").unwrap_err().to_string();
    assert!(e.contains("peer_group \"PG\".areas") && e.contains("L9"), "{e}");
}

#[test]
fn data_with_codes_of_another_vintage_are_counted_through_a_code_change_lookup() {
    let dir = tempfile::tempdir().unwrap();
    two_authorities(dir.path());
    // The outcomes use 2011-style codes: A11 and A11b merged into A, B11 became B; C and D kept.
    let outcomes = std::fs::read_to_string(dir.path().join("outcomes.csv")).unwrap();
    let mut old = String::new();
    for line in outcomes.lines() {
        let line = if let Some(rest) = line.strip_prefix("A,") {
            // Split A's rows in two old areas: x and n halve (whole numbers here).
            let f: Vec<&str> = rest.split(',').collect();
            let (x, n): (i64, i64) = (f[3].parse().unwrap(), f[4].parse().unwrap());
            format!(
                "A11,{},{},{},{},{}\nA11b,{},{},{},{},{}",
                f[0],
                f[1],
                f[2],
                x / 2,
                n / 2,
                f[0],
                f[1],
                f[2],
                x - x / 2,
                n - n / 2
            )
        } else if let Some(rest) = line.strip_prefix("B,") {
            format!("B11,{rest}")
        } else {
            line.to_string()
        };
        writeln!(old, "{line}").unwrap();
    }
    write(dir.path(), "outcomes.csv", &old);
    write(dir.path(), "lsoa11_lsoa21.csv", "LSOA11CD,LSOA21CD\nA11,A\nA11b,A\nB11,B\nC,C\n");
    let catalogue = format!("{GEOGRAPHY}{PROPORTION}").replace(
        "deprivation_decile = \"decile\"\n",
        "deprivation_decile = \"decile\"\ncode_changes = { table = \"lsoa11_lsoa21\", from = \"LSOA11CD\", to = \"LSOA21CD\" }\n",
    );
    run(dir.path(), &catalogue, "out.parquet").unwrap();
    let rows =
        read_results(&dir.path().join("out.parquet"), &["area_code", "time_period", "category"], &["value", "count"]);
    // The same answers as with the current codes: L1 in 2020 is (310 + 210) / 2,000.
    let l1 = rows.iter().find(|r| r.0[0] == "L1" && r.0[1] == "2020" && r.0[2].is_empty()).unwrap();
    assert_eq!(l1.1[1], Some(520.0));
    assert!(close(l1.1[0].unwrap(), 26.0));
    // A split (one old code to two areas) and an unknown new code are errors naming the row.
    write(dir.path(), "lsoa11_lsoa21.csv", "LSOA11CD,LSOA21CD\nA11,A\nA11,B\n");
    let e = run(dir.path(), &catalogue, "bad.parquet").unwrap_err().to_string();
    assert!(e.contains("lsoa11_lsoa21.csv") && e.contains("LSOA21CD") && e.contains("a split"), "{e}");
    write(dir.path(), "lsoa11_lsoa21.csv", "LSOA11CD,LSOA21CD\nA11,Z\n");
    let e = run(dir.path(), &catalogue, "bad.parquet").unwrap_err().to_string();
    assert!(
        e.contains("lsoa11_lsoa21.csv") && e.contains("\"Z\"") && e.contains("a small-area code of the geography"),
        "{e}"
    );
    assert!(!dir.path().join("bad.parquet").exists());
}

#[test]
fn the_geography_and_code_change_tables_are_read_from_their_tables_path() {
    let dir = tempfile::tempdir().unwrap();
    two_authorities(dir.path());
    // The areas at geo/lookup.csv (not areas.csv), the code changes at geo/changes.csv.
    std::fs::create_dir(dir.path().join("geo")).unwrap();
    std::fs::rename(dir.path().join("areas.csv"), dir.path().join("geo/lookup.csv")).unwrap();
    let outcomes = std::fs::read_to_string(dir.path().join("outcomes.csv")).unwrap();
    write(dir.path(), "outcomes.csv", &outcomes.replace("\nB,", "\nB11,"));
    write(dir.path(), "geo/changes.csv", "old,new\nB11,B\n");
    let catalogue = format!("{GEOGRAPHY}{PROPORTION}").replace(
        "deprivation_decile = \"decile\"\n",
        "deprivation_decile = \"decile\"\ncode_changes = { table = \"changes\", from = \"old\", to = \"new\" }\n",
    ) + "\n[tables.areas]\npath = \"geo/lookup.csv\"\n\n[tables.changes]\npath = \"geo/changes.csv\"\n";
    run(dir.path(), &catalogue, "out.parquet").unwrap();
    let rows =
        read_results(&dir.path().join("out.parquet"), &["area_code", "time_period", "category"], &["value", "count"]);
    // L1 in 2020: (310 + 210) / 2,000 = 26%, B's rows counted through the code change.
    let l1 = rows.iter().find(|r| r.0[0] == "L1" && r.0[1] == "2020" && r.0[2].is_empty()).unwrap();
    assert_eq!(l1.1[1], Some(520.0));
    assert!(close(l1.1[0].unwrap(), 26.0));
    // A path to no file is an error naming it.
    let e = run(dir.path(), &catalogue.replace("geo/lookup.csv", "geo/none.csv"), "bad.parquet").unwrap_err();
    assert!(e.to_string().contains("geo/none.csv"), "{e}");
}

/// A small synthetic England of five years, written as CSV into `dir`.
pub(crate) fn small_england(dir: &Path) {
    let mut config = synth::Config::new(dir);
    config.years = 5;
    config.format = synth::Format::Csv;
    synth::generate(&config, &synth::Silent).unwrap();
}

/// The text and number cells of results, by column name, row by row.
fn by_name(batches: &[arrow::array::RecordBatch]) -> Vec<HashMap<String, Option<String>>> {
    use arrow::array::{Array, Float64Array, StringArray};
    let mut rows = Vec::new();
    for batch in batches {
        let schema = batch.schema();
        for r in 0..batch.num_rows() {
            let mut row = HashMap::new();
            for (field, column) in schema.fields().iter().zip(batch.columns()) {
                let cell = if let Some(t) = column.as_any().downcast_ref::<StringArray>() {
                    t.is_valid(r).then(|| t.value(r).to_string())
                } else {
                    let x = column.as_any().downcast_ref::<Float64Array>().unwrap();
                    x.is_valid(r).then(|| format!("{:?}", x.value(r)))
                };
                row.insert(field.name().clone(), cell);
            }
            rows.push(row);
        }
    }
    rows
}

/// The starter catalogue computed into memory gives, column by column (by name), the rows the
/// same computation writes to Parquet; the rows hold what their columns say.
#[test]
fn the_starter_catalogue_computes_into_memory_as_into_a_file() {
    let dir = tempfile::tempdir().unwrap();
    small_england(dir.path());
    let catalogue = Catalogue::starter().unwrap();
    let source = DataDirectory::new(dir.path());
    let mut memory = MemorySink::new();
    let summary = compute(&catalogue, &source, &mut memory, &ComputeOptions::default(), &NoProgress).unwrap();
    assert!(memory.finished);
    assert_eq!(memory.rows() as u64, summary.rows_written);
    assert!(memory.batches.iter().all(|b| b.schema() == results::schema()));
    let rows = by_name(&memory.batches);

    // The same computation to a file: the same rows, cell for cell.
    let path = dir.path().join("results.parquet");
    compute_to_file(&catalogue, dir.path(), &path).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>().unwrap();
    assert_eq!(batches[0].num_columns(), results::COLUMNS.len());
    assert!(rows == by_name(&batches), "memory and Parquet results differ");

    // Every indicator has a whole-England row for its latest period, with its value inside
    // its limits, compared with itself as "Not compared" or similar.
    let text = |row: &HashMap<String, Option<String>>, column: &str| row[column].clone().unwrap_or_default();
    let number =
        |row: &HashMap<String, Option<String>>, column: &str| row[column].as_ref().map(|x| x.parse::<f64>().unwrap());
    for indicator in &catalogue.indicators {
        let england: Vec<_> = rows
            .iter()
            .filter(|r| {
                text(r, "indicator_id") == indicator.id && text(r, "area_type") == "England" && r["category"].is_none()
            })
            .collect();
        assert!(!england.is_empty(), "no England row for {}", indicator.id);
        for r in england {
            assert_eq!(text(r, "indicator_name"), indicator.name);
            if let (Some(v), Some(l), Some(u)) = (number(r, "value"), number(r, "lower_95"), number(r, "upper_95")) {
                assert!(l <= v && v <= u, "{}: {l} ≤ {v} ≤ {u}", indicator.id);
            }
        }
    }
    // Decile rows name their category, and whole-area rows with deciles have a gap.
    assert!(rows.iter().any(|r| r["category"].is_some() && text(r, "category_type").contains("deprivation")));
    assert!(rows.iter().any(|r| r["gap_most_minus_least_deprived"].is_some()));
}

/// [`compute_each`] hands over, indicator by indicator, the rows [`compute_rows`] returns, in the
/// same order; an error of the callback stops the computation with that error.
#[test]
fn rows_handed_over_per_indicator_are_the_rows_computed() {
    let dir = tempfile::tempdir().unwrap();
    small_england(dir.path());
    let catalogue = Catalogue::starter().unwrap();
    let source = DataDirectory::new(dir.path());
    let options = ComputeOptions::default();
    let (all, summary) = compute_rows(&catalogue, &source, &options, &NoProgress).unwrap();
    let mut handed: Vec<Vec<ResultRow>> = Vec::new();
    let each_summary = compute_each(&catalogue, &source, &options, &NoProgress, &mut |rows| {
        handed.push(rows);
        Ok(())
    })
    .unwrap();
    assert_eq!(each_summary.rows_written, summary.rows_written);
    assert!(handed.iter().all(|rows| rows.iter().all(|r| r.indicator == rows[0].indicator)));
    let flat: Vec<String> = handed.iter().flatten().map(|r| format!("{r:?}")).collect();
    assert_eq!(flat, all.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>());
    let mut calls = 0;
    let err = compute_each(&catalogue, &source, &options, &NoProgress, &mut |_| {
        calls += 1;
        Err(EngineError::Usage("stop here".into()))
    })
    .unwrap_err();
    assert_eq!((calls, err.to_string().contains("stop here")), (1, true));
}

/// Progress that cancels once `after` indicators are done.
struct CancelAfter {
    after: u64,
    flag: crate::progress::CancelFlag,
    computing: std::sync::atomic::AtomicBool,
}

impl Progress for CancelAfter {
    fn stage(&self, name: &str, _total: u64) {
        self.computing.store(name == "computing", std::sync::atomic::Ordering::Relaxed);
    }

    fn position(&self, done: u64) {
        if self.computing.load(std::sync::atomic::Ordering::Relaxed) && done >= self.after {
            self.flag.cancel();
        }
    }

    fn is_cancelled(&self) -> bool {
        self.flag.is_cancelled()
    }
}

/// A computation cancelled part way (after its first indicator) stops with
/// [`EngineError::Cancelled`] and leaves no file, not even a temporary one; one cancelled
/// before it starts reads nothing.
#[test]
fn a_cancelled_computation_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    small_england(dir.path());
    let out = tempfile::tempdir().unwrap();
    let catalogue = Catalogue::starter().unwrap();
    assert!(catalogue.indicators.len() > 2);
    for format in ["parquet", "csv", "xlsx"] {
        let progress = CancelAfter {
            after: 1,
            flag: crate::progress::CancelFlag::new(),
            computing: std::sync::atomic::AtomicBool::new(false),
        };
        let path = out.path().join(format!("results.{format}"));
        let mut sink = ResultFile::create_by_extension(&path).unwrap();
        let source = DataDirectory::new(dir.path());
        let e = compute(&catalogue, &source, &mut sink, &ComputeOptions::default(), &progress).unwrap_err();
        assert!(matches!(e, EngineError::Cancelled), "{e}");
        assert_eq!(e.kind(), crate::ErrorKind::Cancelled);
        drop(sink);
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "{format}: nothing left behind");
    }
    let flag = crate::progress::CancelFlag::new();
    flag.cancel();
    let mut memory = MemorySink::new();
    let e = compute(&catalogue, &DataDirectory::new(dir.path()), &mut memory, &ComputeOptions::default(), &flag)
        .unwrap_err();
    assert!(matches!(e, EngineError::Cancelled) && memory.batches.is_empty() && !memory.finished);
}

/// Tables in memory compute as the same tables in files.
#[test]
fn tables_in_memory_compute_as_files() {
    let dir = tempfile::tempdir().unwrap();
    two_authorities(dir.path());
    let catalogue = Catalogue::parse(&format!("{GEOGRAPHY}{PROPORTION}"), "test.toml").unwrap();
    let mut from_files = MemorySink::new();
    compute(&catalogue, &DataDirectory::new(dir.path()), &mut from_files, &ComputeOptions::default(), &NoProgress)
        .unwrap();
    let mut tables = MemoryTables::new();
    for name in ["areas", "outcomes"] {
        let path = dir.path().join(format!("{name}.csv"));
        let file = std::fs::File::open(&path).unwrap();
        let (schema, _) = arrow_csv::reader::Format::default()
            .with_header(true)
            .infer_schema(std::fs::File::open(&path).unwrap(), None)
            .unwrap();
        let schema = std::sync::Arc::new(schema);
        let reader = arrow_csv::ReaderBuilder::new(schema.clone()).with_header(true).build(file).unwrap();
        tables.insert(name, schema, reader.collect::<std::result::Result<Vec<_>, _>>().unwrap());
    }
    let mut from_memory = MemorySink::new();
    let pool = std::sync::Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let options = ComputeOptions { indicators: Vec::new(), pool: Some(pool) };
    compute(&catalogue, &tables, &mut from_memory, &options, &NoProgress).unwrap();
    assert!(by_name(&from_files.batches) == by_name(&from_memory.batches));
    assert!(from_memory.rows() > 0);
}
