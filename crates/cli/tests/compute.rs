//! `fairer compute` and `fairer demo` end to end on the small synthetic world: the results
//! recomputed from the generated counts with `fairer sql` (to sum them) and the `fairer calc`
//! commands are the same numbers; the demo prints real computed values for its place.

mod common;

use std::path::Path;

use common::{assert_close, fairer, fairer_err, fairer_ok, table};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The small world, five years, as CSV (so the files are readable in the test too).
fn world(dir: &Path) {
    fairer_ok(&["generate", "--out", s(dir), "--scale", "small", "--format", "csv", "--years", "5", "--no-progress"]);
}

#[test]
fn compute_gives_what_the_calc_commands_give_on_the_summed_counts() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    let results = dir.path().join("results.csv");
    fairer_ok(&[
        "compute",
        "--data",
        s(dir.path()),
        "--output",
        s(&results),
        "--indicator",
        "le_birth",
        "--indicator",
        "u75_cvd",
        "--indicator",
        "school_readiness",
        "--no-progress",
    ]);
    let rows = table(&std::fs::read_to_string(&results).unwrap());
    let find = |id: &str, area: &str, sex: &str, period: &str| {
        rows.iter()
            .find(|r| {
                r["Indicator ID"] == id
                    && r["Area Code"] == area
                    && r["Sex"] == sex
                    && r["Time period"] == period
                    && r["Category"].is_empty()
            })
            .unwrap_or_else(|| panic!("no row {id} {area} {sex} {period}"))
    };
    // The first local authority of the areas table.
    let areas = table(&std::fs::read_to_string(dir.path().join("areas.csv")).unwrap());
    let la = areas[0]["ltla_code"].clone();
    let t = |name: &str| format!("{name}={}", s(&dir.path().join(format!("{name}.csv"))));

    // Under-75 CVD mortality, persons, 2024: counts by ESP band with the ESP weights.
    let q = format!(
        "SELECT p.band, p.population, coalesce(d.deaths, 0) AS deaths, esp2013(p.band) AS stdpop FROM \
         (SELECT CASE WHEN start_age < 5 THEN 0 ELSE start_age END AS band, sum(population) AS population FROM population JOIN areas USING (lsoa_code) \
          WHERE ltla_code = '{la}' AND year = 2024 AND start_age < 75 GROUP BY 1) p LEFT JOIN \
         (SELECT CASE WHEN start_age < 5 THEN 0 ELSE start_age END AS band, sum(deaths) AS deaths FROM deaths JOIN areas USING (lsoa_code) \
          WHERE ltla_code = '{la}' AND year = 2024 AND start_age < 75 AND cause = 'cardiovascular' GROUP BY 1) d USING (band) ORDER BY band"
    );
    let counts = dir.path().join("u75.csv");
    fairer_ok(&[
        "sql",
        &q,
        "--table",
        &t("population"),
        "--table",
        &t("deaths"),
        "--table",
        &t("areas"),
        "-o",
        s(&counts),
    ]);
    let calc = table(&fairer_ok(&[
        "calc",
        "dsr",
        s(&counts),
        "--count",
        "deaths",
        "--denominator",
        "population",
        "--stdpop",
        "stdpop",
        "--confidence",
        "0.95,0.998",
    ]));
    let r = find("u75_cvd", &la, "Persons", "2024");
    assert_close(&r["Value"], &calc[0]["value"], 1e-9, "u75 value");
    assert_close(&r["Lower CI 95.0 limit"], &calc[0]["lower95_0cl"], 1e-9, "u75 lower 95");
    assert_close(&r["Upper CI 99.8 limit"], &calc[0]["upper99_8cl"], 1e-9, "u75 upper 99.8");
    assert_close(&r["Count"], &calc[0]["total_count"], 1e-12, "u75 count");

    // Male life expectancy, 2022 - 24 pooled.
    let q = format!(
        "SELECT p.start_age, p.population, coalesce(d.deaths, 0) AS deaths FROM \
         (SELECT start_age, sum(population) AS population FROM population JOIN areas USING (lsoa_code) WHERE ltla_code = '{la}' AND year BETWEEN 2022 AND 2024 AND sex = 'Male' GROUP BY 1) p LEFT JOIN \
         (SELECT start_age, sum(deaths) AS deaths FROM deaths JOIN areas USING (lsoa_code) WHERE ltla_code = '{la}' AND year BETWEEN 2022 AND 2024 AND sex = 'Male' GROUP BY 1) d \
         USING (start_age) ORDER BY start_age"
    );
    let counts = dir.path().join("le.csv");
    fairer_ok(&[
        "sql",
        &q,
        "--table",
        &t("population"),
        "--table",
        &t("deaths"),
        "--table",
        &t("areas"),
        "-o",
        s(&counts),
    ]);
    let calc = table(&fairer_ok(&[
        "calc",
        "life-expectancy",
        s(&counts),
        "--deaths",
        "deaths",
        "--population",
        "population",
        "--start-age",
        "start_age",
        "--confidence",
        "0.95,0.998",
    ]));
    let r = find("le_birth", &la, "Male", "2022 - 24");
    let at_birth = calc.iter().find(|c| c["start_age"] == "0").unwrap();
    assert_close(&r["Value"], &at_birth["value"], 1e-9, "le value");
    assert_close(&r["Upper CI 95.0 limit"], &at_birth["upper95_0cl"], 1e-9, "le upper 95");
    assert_close(&r["Lower CI 99.8 limit"], &at_birth["lower99_8cl"], 1e-9, "le lower 99.8");

    // School readiness, persons (both sexes), 2023.
    let q = format!(
        "SELECT sum(numerator) AS x, sum(denominator) AS n FROM outcomes JOIN areas USING (lsoa_code) WHERE ltla_code = '{la}' AND year = 2023 AND indicator = 'school_readiness'"
    );
    let counts = dir.path().join("sr.csv");
    fairer_ok(&["sql", &q, "--table", &t("outcomes"), "--table", &t("areas"), "-o", s(&counts)]);
    let calc = table(&fairer_ok(&[
        "calc",
        "proportion",
        s(&counts),
        "--count",
        "x",
        "--denominator",
        "n",
        "--multiplier",
        "100",
        "--confidence",
        "0.95,0.998",
    ]));
    let r = find("school_readiness", &la, "Persons", "2023");
    assert_close(&r["Value"], &calc[0]["value"], 1e-9, "school readiness");
    assert_close(&r["Lower CI 99.8 limit"], &calc[0]["lower99_8cl"], 1e-9, "school readiness lower 99.8");

    // England is the benchmark of every local authority, and deciles have rows.
    let england = find("school_readiness", "E92000001", "Persons", "2023");
    assert_eq!(r["Benchmark value"], england["Value"]);
    assert!(rows.iter().any(|r| r["Category"] == "Most deprived decile (IMD)" && r["Area Code"] == la));
    // Life expectancy by sex has an SII across the deciles of England, in years.
    let e = find("le_birth", "E92000001", "Male", "2022 - 24");
    let sii: f64 = e["SII"].parse().unwrap();
    assert!((7.0..13.0).contains(&sii), "England male SII {sii}");
}

#[test]
fn compute_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    // A table whose file is missing is bad input (65, naming the file), not bad usage (64).
    let out = fairer(&["compute", "--data", s(dir.path()), "--output", s(&dir.path().join("r.parquet"))]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{err}");
    assert!(err.contains(&format!("{}: no areas.parquet, areas.csv or areas.xlsx", dir.path().display())), "{err}");
    let cat = dir.path().join("c.toml");
    std::fs::write(&cat, "[catalogue]\nname = \"x\"\n[geography]\ntable = \"areas\"\nsmall_area = { type = \"LSOA\", code = \"a\", name = \"b\" }\nlevel = [{ type = \"England\", code = \"c\", name = \"d\" }]\n[tables.t]\n[[indicator]]\nid = \"x\"\nname = \"X\"\nmeasure = \"mean\"\npolarity = \"higher is better\"\nnumerator = { table = \"t\" }\ndenominator = { table = \"t\" }\n").unwrap();
    let err = fairer_err(&["compute", "--catalogue", s(&cat), "--data", s(dir.path()), "--output", "r.parquet"]);
    assert!(err.contains("c.toml, line 11") && err.contains("unknown variant `mean`"), "{err}");
    let err = fairer_err(&["compute", "--data", s(dir.path()), "--output", "r.parquet", "--indicator", "nope"]);
    assert!(err.contains("no indicator of the catalogue is called nope"), "{err}");
}

#[test]
fn the_demo_prints_computed_values_for_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = fairer_ok(&["demo", "--data", s(&data), "--no-progress"]);
    assert!(out.contains("SYNTHETIC"), "{out}");
    assert!(out.contains("Full results"), "{out}");
    let results = data.join("results.parquet");
    assert!(results.is_file());
    // The place's male life expectancy as printed is the value in the results.
    let heading = out
        .lines()
        .position(|l| l.starts_with("Life expectancy at birth (years), "))
        .expect("a life expectancy heading");
    let line = out.lines().skip(heading + 1).find(|l| l.trim_start().starts_with("Male")).expect("a male line");
    let first_line = out.lines().find(|l| l.contains("— Local authority (")).expect("a place heading");
    let code =
        first_line.split("— Local authority (").nth(1).and_then(|r| r.split(')').next()).expect("a code").to_string();
    let q = format!(
        "SELECT round(value, 1) AS v FROM results WHERE indicator_id = 'le_birth' AND sex = 'Male' AND area_code = '{code}' AND category IS NULL ORDER BY time_period_sortable DESC LIMIT 1"
    );
    let v = table(&fairer_ok(&["sql", &q, "--table", &format!("results={}", s(&results))]));
    let printed = format!("{:.1}", v[0]["v"].parse::<f64>().unwrap());
    assert!(line.contains(&printed), "printed {line} / computed {printed}");
    for indicator in [
        "Under 75 mortality rate from cardiovascular disease (per 100000), 2024",
        "School readiness",
        "Children in absolute low income",
    ] {
        assert!(out.contains(indicator), "{indicator} missing: {out}");
    }
    // A second run reuses the world and can pick a place by name.
    let name = first_line.split(" — ").next().unwrap().to_string();
    let again = fairer_ok(&["demo", "--data", s(&data), "--no-progress", "--place", &name]);
    assert!(again.contains(&format!("{name} — Local authority")), "{again}");
    let out = common::fairer(&["demo", "--data", s(&data), "--no-progress", "--place", "Nowhere at all"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("error: no area is called \"Nowhere at all\"")
            && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn compute_adds_comparisons_trends_and_the_gap_to_published_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("areas.csv"),
        "lsoa,lsoa_name,la,la_name,eng,eng_name\nA1,a1,L1,One,E92000001,England\nA2,a2,L2,Two,E92000001,England\n",
    )
    .unwrap();
    // The FingertipsNext API extract's layout: England 20% every year; L1 rising 10% to 30%
    // (±2 points), L2 flat at 20%; England's deciles in 2020 from 30% down to 12%; a quintile
    // row that is skipped, and a row of another indicator.
    let mut portal = String::from("IndicatorId,Year,AgeID,SexID,AreaCode,Count,Value,LowerCI,UpperCI,Denominator,Trend,Sex,Age,CategoryType,Category\n");
    for (t, year) in (2016..=2020).enumerate() {
        let x = 100 + 50 * t;
        portal.push_str(&format!("93701,{year},169,4,E92000001,20000,20,19.8,20.2,100000,,Persons,<16 yrs,,\n"));
        portal.push_str(&format!(
            "93701,{year},169,4,L1,{x},{},{},{},1000,,Persons,<16 yrs,,\n",
            x / 10,
            x / 10 - 2,
            x / 10 + 2
        ));
        portal.push_str(&format!("93701,{year},169,4,L2,200,20,18,22,1000,,Persons,<16 yrs,,\n"));
    }
    let labels = [
        "Most",
        "Second most",
        "Third more",
        "Fourth more",
        "Fifth more",
        "Fifth less",
        "Fourth less",
        "Third less",
        "Second least",
        "Least",
    ];
    for (d, label) in labels.iter().enumerate() {
        let v = 30 - 2 * d;
        portal.push_str(&format!(
            "93701,2020,169,4,E92000001,{},{v},{},{},1000,,Persons,<16 yrs,{label} deprived decile (IMD2019),\"\"\"District & UA deprivation deciles in England (IMD2019, 4/23 geography)\"\"\"\n",
            v * 10,
            v - 1,
            v + 1
        ));
    }
    portal.push_str("93701,2020,169,4,L1,40,4,3,5,1000,,Persons,<16 yrs,Most deprived quintile,LSOA11 deprivation quintiles in England (IMD2019)\n");
    portal.push_str("241,2020,169,4,L1,1,x,,,10,,Persons,17+ yrs,,\n");
    std::fs::write(dir.path().join("fingertips_extract.csv"), &portal).unwrap();
    let catalogue = dir.path().join("c.toml");
    std::fs::write(
        &catalogue,
        r#"[catalogue]
name = "published"

[geography]
table = "areas"
small_area = { type = "LSOA", code = "lsoa", name = "lsoa_name" }
level = [
  { type = "Local authority", code = "la", name = "la_name" },
  { type = "England", code = "eng", name = "eng_name" },
]

[tables.fingertips]
path = "fingertips_extract.csv"
layout = "portal"

[[indicator]]
id = "93701"
name = "Children in absolute low income families (under 16s)"
measure = "published"
value_type = "proportion"
polarity = "higher_is_worse"
published = { table = "fingertips", where = { IndicatorId = [93701] } }
"#,
    )
    .unwrap();
    let results = dir.path().join("results.csv");
    let out = common::fairer(&[
        "compute",
        "--catalogue",
        s(&catalogue),
        "--data",
        s(dir.path()),
        "--output",
        s(&results),
        "--no-progress",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let rows = common::read_table(&results);
    let find = |area: &str, period: &str, category: &str| {
        rows.iter()
            .find(|r| r["Area Code"] == area && r["Time period"] == period && r["Category"] == category)
            .unwrap_or_else(|| panic!("no row {area} {period} {category}"))
    };
    let l1 = find("L1", "2020", "");
    // 30 (28 to 32), published as it is; England's 20 lies below: higher, and higher is worse.
    assert_eq!(
        (l1["Value"].as_str(), l1["Lower CI 95.0 limit"].as_str(), l1["Benchmark value"].as_str()),
        ("30", "28", "20")
    );
    assert_eq!(l1["Compared to benchmark (95%)"], "Worse");
    assert_eq!(l1["Recent Trend"], "Increasing and getting worse");
    assert_eq!(find("L2", "2020", "")["Compared to benchmark (95%)"], "Similar");
    // England's deciles: 30% in the most deprived, 12% in the least: a gap of 18 points.
    let england = find("E92000001", "2020", "");
    assert_close(&england["Gap (most minus least deprived decile)"], "18", 1e-12, "gap");
    assert_eq!(find("E92000001", "2020", "Least deprived decile (IMD)")["Value"], "12");
    // L1's national quintile row is kept as published (England's deciles give the inequality
    // summary), compared with L1's whole value: 30 lies above 3 to 5, and higher is worse.
    let q = find("L1", "2020", "Most deprived quintile");
    assert_eq!(
        (q["Category Type"].as_str(), q["Value"].as_str(), q["Benchmark value"].as_str()),
        ("LSOA11 deprivation quintiles in England (IMD2019)", "4", "30")
    );
    assert_eq!(q["Compared to benchmark (95%)"], "Better");
    // A missing column is named, with the file.
    std::fs::write(dir.path().join("fingertips_extract.csv"), portal.replace(",Value,", ",Val,")).unwrap();
    let err = fairer_err(&[
        "compute",
        "--catalogue",
        s(&catalogue),
        "--data",
        s(dir.path()),
        "--output",
        s(&results),
        "--no-progress",
    ]);
    assert!(err.contains("fingertips_extract.csv: no column \"Value\""), "{err}");
    let help = fairer_ok(&["compute", "--help"]);
    assert!(help.contains("published") && help.contains("layout = \"portal\""), "{help}");
}

/// The temporary files beside `dir`'s results (`.NAME.PID.N.tmp`).
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.ends_with(".tmp"))
        .collect()
}

/// Ctrl-C (SIGINT) during a compute stops it cleanly: exit 130, no results file, no temporary
/// file left.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_compute_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    let results = dir.path().join("r.parquet");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["compute", "--data", s(dir.path()), "--output", s(&results), "--no-progress"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The handler is installed before the results file is begun: once its temporary file is
    // there, Ctrl-C is handled.
    let started = std::time::Instant::now();
    while temporaries(dir.path()).is_empty() {
        assert!(started.elapsed().as_secs() < 60, "compute never began its results file");
        assert!(child.try_wait().unwrap().is_none(), "compute ended before it could be interrupted");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let kill = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("cancelled"), "{err}");
    assert!(!results.exists());
    assert!(temporaries(dir.path()).is_empty(), "{:?}", temporaries(dir.path()));
}
