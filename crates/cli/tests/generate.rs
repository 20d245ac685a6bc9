//! `fairer generate` end to end: the files of the small world, determinism (same seed, same
//! bytes), and the deprivation gradient in life expectancy measured with `fairer calc
//! life-expectancy` on the generated deaths and populations.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const TABLES: [&str; 6] = ["areas.csv", "population.csv", "births.csv", "deaths.csv", "outcomes.csv", "manifest.json"];

fn fairer(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fairer")).args(args).output().expect("run fairer");
    assert!(out.status.success(), "fairer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn generate_small(dir: &Path, seed: &str) -> String {
    fairer(&[
        "generate",
        "--out",
        dir.to_str().expect("utf-8 path"),
        "--scale",
        "small",
        "--format",
        "csv",
        "--seed",
        seed,
        "--no-progress",
    ])
}

/// Reads a CSV into a header and rows.
fn read(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().expect("header").iter().map(String::from).collect();
    let rows = r.records().map(|x| x.expect("row")).collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

#[test]
fn generates_the_small_world_deterministically_with_the_english_gradient() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let summary = generate_small(a.path(), "11");
    assert!(summary.contains("SYNTHETIC") && summary.contains("3,359 small areas"), "{summary}");
    generate_small(b.path(), "11");

    // The files, identical byte for byte.
    for name in TABLES {
        let x = std::fs::read(a.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let y = std::fs::read(b.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(x.len() > 100, "{name} is nearly empty");
        assert!(x == y, "{name} differs between two runs with the same seed");
    }
    assert_eq!(std::fs::read_dir(a.path()).expect("dir").count(), TABLES.len(), "no temporary files left");
    let manifest = std::fs::read_to_string(a.path().join("manifest.json")).expect("manifest");
    assert!(manifest.contains("\"synthetic\": true") && manifest.contains("\"seed\": 11"), "{manifest}");

    // Areas: reserved codes, deciles 1-10.
    let (h, areas) = read(&a.path().join("areas.csv"));
    let (code, decile, synthetic) = (column(&h, "lsoa_code"), column(&h, "imd_decile"), column(&h, "synthetic"));
    let mut decile_of: HashMap<String, String> = HashMap::new();
    for r in &areas {
        assert!(r[code].starts_with("E019") && r[code].len() == 9, "{}", &r[code]);
        assert_eq!(&r[synthetic], "true");
        decile_of.insert(r[code].to_string(), r[decile].to_string());
    }
    assert_eq!(areas.len(), 3359);

    // Pool deaths and populations over years and areas by decile × sex × band.
    let mut pooled: HashMap<(String, String, u32), (u64, u64)> = HashMap::new();
    let (h, pop) = read(&a.path().join("population.csv"));
    let (c, s, age, p) =
        (column(&h, "lsoa_code"), column(&h, "sex"), column(&h, "start_age"), column(&h, "population"));
    for r in &pop {
        let key = (r[s].to_string(), decile_of[&r[c]].clone(), r[age].parse().expect("age"));
        pooled.entry(key).or_default().1 += r[p].parse::<u64>().expect("population");
    }
    let (h, deaths) = read(&a.path().join("deaths.csv"));
    let (c, s, age, d) = (column(&h, "lsoa_code"), column(&h, "sex"), column(&h, "start_age"), column(&h, "deaths"));
    for r in &deaths {
        let key = (r[s].to_string(), decile_of[&r[c]].clone(), r[age].parse().expect("age"));
        pooled.get_mut(&key).unwrap_or_else(|| panic!("deaths without population: {key:?}")).0 +=
            r[d].parse::<u64>().expect("deaths");
    }
    let mut keys: Vec<_> = pooled.keys().cloned().collect();
    keys.sort();
    let mut table = String::from("sex,decile,start_age,deaths,population\n");
    for k in &keys {
        let (dd, pp) = pooled[k];
        writeln!(table, "{},{},{},{dd},{pp}", k.0, k.1, k.2).expect("write");
    }
    assert_eq!(keys.len(), 2 * 10 * 20);
    let input = a.path().join("by_decile.csv");
    std::fs::write(&input, table).expect("write pooled table");

    let out = fairer(&[
        "calc",
        "life-expectancy",
        input.to_str().expect("utf-8"),
        "--deaths",
        "deaths",
        "--population",
        "population",
        "--start-age",
        "start_age",
        "--group-by",
        "sex,decile",
    ]);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let h: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    let (s, dec, age, value) = (column(&h, "sex"), column(&h, "decile"), column(&h, "start_age"), column(&h, "value"));
    let mut at_birth: HashMap<(String, String), f64> = HashMap::new();
    for row in r.records() {
        let row = row.expect("row");
        if row[age].parse::<f64>().expect("start age") == 0.0 {
            at_birth.insert((row[s].to_string(), row[dec].to_string()), row[value].parse().expect("life expectancy"));
        }
    }
    let gap =
        |sex: &str| at_birth[&(sex.to_string(), "10".to_string())] - at_birth[&(sex.to_string(), "1".to_string())];
    let (male, female) = (gap("Male"), gap("Female"));
    eprintln!("life expectancy at birth by decile: {at_birth:?}; gaps: male {male:.2}, female {female:.2}");
    // The published English gaps (ONS 2018-2020: 9.7 and 7.9 years); the generator calibrates to
    // 9.5 and 7.5 in expectation, so the drawn small world lands within these ranges.
    assert!((9.0..=10.0).contains(&male), "male gap {male}");
    assert!((7.0..=8.0).contains(&female), "female gap {female}");
    // And life expectancy rises decile by decile (allowing small reversals between neighbours).
    for sex in ["Male", "Female"] {
        let le: Vec<f64> = (1..=10).map(|d| at_birth[&(sex.to_string(), d.to_string())]).collect();
        for w in le.windows(2) {
            assert!(w[1] > w[0] - 0.3, "{sex}: {le:?}");
        }
        assert!((70.0..90.0).contains(&le[4]), "{sex}: {le:?}");
    }
}

#[test]
fn microdata_csv_has_one_row_per_death_and_help_teaches() {
    let dir = tempfile::tempdir().expect("tempdir");
    fairer(&[
        "generate",
        "--out",
        dir.path().to_str().expect("utf-8"),
        "--format",
        "csv",
        "--microdata",
        "--events",
        "200000",
        "--years",
        "2",
        "--no-progress",
    ]);
    let (h, rows) = read(&dir.path().join("death_events.csv"));
    assert_eq!(h, ["lsoa_code", "year", "sex", "age", "cause"]);
    assert!((rows.len() as f64 - 200_000.0).abs() < 3_000.0, "{} rows", rows.len());
    let help = fairer(&["generate", "--help"]);
    for word in ["--scale", "--microdata", "--events", "--seed", "--format", "synthetic", "Examples"] {
        assert!(help.to_lowercase().contains(&word.to_lowercase()), "help lacks {word}");
    }
}

/// Runs `fairer compute` with the catalogue `catalogue` (the starter one when `None`) on
/// `data` and returns the results as CSV text.
fn compute(data: &Path, catalogue: Option<&Path>, out: &Path) -> String {
    let mut args = vec!["compute", "--data", text(data), "--output", text(out), "--no-progress"];
    if let Some(c) = catalogue {
        args.extend(["--catalogue", text(c)]);
    }
    fairer(&args);
    std::fs::read_to_string(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()))
}

/// `generate --microdata` writes the aggregate death counts too, so the starter catalogue
/// computes on its files as they are, with the values it gives on the aggregate files of the
/// same seed; and the microdata themselves, counted by a catalogue whose deaths numerators name
/// `death_events`, give those values as well.
#[test]
fn the_starter_catalogue_computes_on_either_form_with_the_same_values() {
    let (aggregate, microdata, out) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let small = ["--scale", "small", "--format", "csv", "--years", "3", "--seed", "5", "--no-progress"];
    fairer(&[&["generate", "--out", text(aggregate.path())][..], &small].concat());
    fairer(&[&["generate", "--out", text(microdata.path()), "--microdata"][..], &small].concat());
    assert!(microdata.path().join("death_events.csv").is_file());

    let from_aggregate = compute(aggregate.path(), None, &out.path().join("aggregate.csv"));
    let from_microdata = compute(microdata.path(), None, &out.path().join("microdata.csv"));
    assert!(from_aggregate.lines().count() > 1000, "{} result rows", from_aggregate.lines().count());
    assert!(from_aggregate == from_microdata, "the starter catalogue differs between the two forms");

    county_rows_add_up(aggregate.path(), &from_aggregate);

    let starter = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogues/marmot.toml"))
        .expect("the starter catalogue");
    let from_events = "table = \"deaths\", value = \"deaths\"";
    assert!(starter.contains(from_events));
    let catalogue = out.path().join("events.toml");
    // Deaths counted from the events; infant deaths are those at age 0.
    let events = starter.replace(from_events, "table = \"death_events\"").replace("start_age = [0]", "age = [0]");
    std::fs::write(&catalogue, events).unwrap();
    let counted = compute(microdata.path(), Some(&catalogue), &out.path().join("events.csv"));
    assert!(counted == from_aggregate, "the death events do not add up to the aggregate deaths");
}

/// The small world's two tiers (one county, E10900001, over the region's last four
/// authorities, districts E07; the other eleven unitary, each its own upper tier) as the areas
/// table writes them, and the starter catalogue's results on them: a county's count and
/// denominator are the sums of its districts' (school readiness, every year and sex), and a
/// unitary authority's upper-tier row is its local-authority row.
fn county_rows_add_up(data: &Path, results: &str) {
    let (h, rows) = read(&data.join("areas.csv"));
    let (ltla, utla, utla_name) = (column(&h, "ltla_code"), column(&h, "utla_code"), column(&h, "utla_name"));
    let mut tiers: Vec<(String, String)> = rows.iter().map(|r| (r[ltla].to_string(), r[utla].to_string())).collect();
    tiers.sort();
    tiers.dedup();
    let districts: Vec<&str> = tiers.iter().filter(|(_, u)| u == "E10900001").map(|(l, _)| l.as_str()).collect();
    assert_eq!(districts, ["E07900003", "E07900004", "E07900005", "E07900006"], "{tiers:?}");
    assert!(tiers.iter().all(|(l, u)| u == "E10900001" || u == l), "{tiers:?}");
    assert_eq!(tiers.len(), 15);
    let county_name = rows.iter().find(|r| &r[utla] == "E10900001").map(|r| r[utla_name].to_string());
    assert!(county_name.is_some_and(|n| n.ends_with("shire")));

    let mut r = csv::Reader::from_reader(results.as_bytes());
    let header: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    let [id, code, kind, sex, category, period, count, denominator, value, parent] = [
        "Indicator ID",
        "Area Code",
        "Area Type",
        "Sex",
        "Category Type",
        "Time period",
        "Count",
        "Denominator",
        "Value",
        "Parent Code",
    ]
    .map(|name| column(&header, name));
    // (area type, area code, sex, period) → (count, denominator, value, parent) of the
    // whole-area school-readiness rows.
    type Key = (String, String, String, String);
    let mut rows: HashMap<Key, (f64, f64, String, String)> = HashMap::new();
    for row in r.records().map(|x| x.expect("row")) {
        if &row[id] == "school_readiness" && row[category].is_empty() {
            let number = |i: usize| row[i].parse::<f64>().unwrap_or_else(|e| panic!("{}: {e}", &row[i]));
            let key = (row[kind].to_string(), row[code].to_string(), row[sex].to_string(), row[period].to_string());
            rows.insert(key, (number(count), number(denominator), row[value].to_string(), row[parent].to_string()));
        }
    }
    let mut checked = 0;
    for ((kind, code, sex, period), (n, d, _, parent)) in &rows {
        if kind != "Upper-tier local authority" {
            continue;
        }
        assert_eq!(parent, "E12900003", "{code}'s parent is its region");
        let of = |la: &str| rows.get(&("Local authority".to_string(), la.to_string(), sex.clone(), period.clone()));
        if code == "E10900001" {
            let (sum_n, sum_d) = districts
                .iter()
                .map(|la| of(la).expect("district row"))
                .fold((0.0, 0.0), |s, x| (s.0 + x.0, s.1 + x.1));
            assert_eq!((*n, *d), (sum_n, sum_d), "{code} {sex} {period}: the sum of its districts");
            checked += 1;
        } else {
            let la = of(code).expect("a unitary authority's local-authority row");
            assert_eq!(
                (n, d, &rows[&(kind.clone(), code.clone(), sex.clone(), period.clone())].2),
                (&la.0, &la.1, &la.2)
            );
            assert_eq!(la.3, "E12900003", "a local authority's parent is its region");
        }
    }
    // Three years, three sexes.
    assert_eq!(checked, 9);
    assert_eq!(rows.keys().filter(|k| k.0 == "Upper-tier local authority").count(), 12 * 9);
}

#[test]
fn bad_arguments_are_refused_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["generate", "--out", "/nonexistent-dir-for-fairer/x", "--years", "0"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--years"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A file of the real public data in `../shared/data`, or `None` (and a note) when it is absent.
fn shared(name: &str) -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found (../shared is not present)", p.display());
        None
    }
}

fn text(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn real_lookups_and_imd_give_the_real_areas_of_yorkshire() {
    let (Some(wards), Some(icbs), Some(regions), Some(imd)) = (
        shared("geography/lookup_lsoa21_ward24_ltla24.csv"),
        shared("geography/lookup_lsoa21_icb24.csv"),
        shared("geography/lookup_ltla24_region24.csv"),
        shared("deprivation/imd2025_england_lsoa21.csv"),
    ) else {
        return;
    };
    let run = |dir: &Path| {
        fairer(&[
            "generate",
            "--out",
            text(dir),
            "--scale",
            "small",
            "--format",
            "csv",
            "--years",
            "3",
            "--seed",
            "5",
            "--no-progress",
            "--lookup",
            text(&wards),
            "--lookup",
            text(&icbs),
            "--lookup",
            text(&regions),
            "--imd",
            text(&imd),
        ])
    };
    let (a, b) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let summary = run(a.path());
    assert!(
        summary.contains("REAL areas")
            && summary.contains("real IMD from imd2025_england_lsoa21.csv")
            && summary.contains("3,355 small areas"),
        "{summary}"
    );
    run(b.path());
    for name in TABLES {
        let x = std::fs::read(a.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            x == std::fs::read(b.path().join(name)).expect("second run"),
            "{name} differs between two runs with the same seed and inputs"
        );
    }

    // What the published files say, read here independently of the generator.
    let (h, rows) = read(&regions);
    let (la, region) = (column(&h, "ltla24_code"), column(&h, "region24_name"));
    let yorkshire: std::collections::HashSet<String> =
        rows.iter().filter(|r| &r[region] == "Yorkshire and The Humber").map(|r| r[la].to_string()).collect();
    let (h, rows) = read(&wards);
    let (code, la) = (column(&h, "lsoa21_code"), column(&h, "ltla24_code"));
    let expected: HashMap<String, String> =
        rows.iter().filter(|r| yorkshire.contains(&r[la])).map(|r| (r[code].to_string(), r[la].to_string())).collect();
    let (h, rows) = read(&icbs);
    let (code, icb) = (column(&h, "lsoa21_code"), column(&h, "icb24_code"));
    let icb_of: HashMap<String, String> = rows.iter().map(|r| (r[code].to_string(), r[icb].to_string())).collect();
    let (h, rows) = read(&imd);
    let (code, decile, rank) = (column(&h, "lsoa21_code"), column(&h, "IMD_decile"), column(&h, "IMD_rank"));
    let imd_of: HashMap<String, (String, String)> =
        rows.iter().map(|r| (r[code].to_string(), (r[decile].to_string(), r[rank].to_string()))).collect();

    let (h, areas) = read(&a.path().join("areas.csv"));
    let col = |name: &str| column(&h, name);
    let (lsoa, lsoa_name, msoa, msoa_name, ltla, ltla_name, icb, region_code, region_name) = (
        col("lsoa_code"),
        col("lsoa_name"),
        col("msoa_code"),
        col("msoa_name"),
        col("ltla_code"),
        col("ltla_name"),
        col("icb_code"),
        col("region_code"),
        col("region_name"),
    );
    let (decile, rank, synthetic, invented) =
        (col("imd_decile"), col("imd_rank"), col("synthetic"), col("synthetic_columns"));
    assert_eq!(areas.len(), expected.len(), "every LSOA of the region, once");
    let mut msoa_authority: HashMap<String, String> = HashMap::new();
    let mut authority_region: HashMap<String, String> = HashMap::new();
    let mut barnsley = 0;
    for r in &areas {
        assert_eq!(expected.get(&r[lsoa]), Some(&r[ltla].to_string()), "{} in its real authority", &r[lsoa]);
        assert_eq!(icb_of[&r[lsoa]], &r[icb], "{} in its real ICB", &r[lsoa]);
        let (real_decile, real_rank) = &imd_of[&r[lsoa]];
        assert_eq!((&r[decile], &r[rank]), (real_decile.as_str(), real_rank.as_str()), "{} has its real IMD", &r[lsoa]);
        assert_eq!((&r[region_code], &r[region_name]), ("E12000003", "Yorkshire and The Humber"));
        // MSOAs: the LSOA name's stem, a derived code from the reserved range, in one authority.
        assert_eq!(&r[msoa_name], &r[lsoa_name][..r[lsoa_name].len() - 1]);
        assert!(r[msoa].starts_with("E029"), "{}", &r[msoa]);
        assert_eq!(msoa_authority.entry(r[msoa].to_string()).or_insert_with(|| r[ltla].to_string()), &r[ltla]);
        assert_eq!(
            authority_region.entry(r[ltla].to_string()).or_insert_with(|| r[region_code].to_string()),
            &r[region_code]
        );
        assert_eq!((&r[synthetic], &r[invented]), ("true", "msoa_code"));
        if &r[ltla] == "E08000016" {
            assert_eq!(&r[ltla_name], "Barnsley");
            barnsley += 1;
        }
    }
    assert_eq!(barnsley, expected.values().filter(|l| *l == "E08000016").count());
    assert_eq!(authority_region.len(), 15);
    // People and events are drawn for every real area.
    let (h, pop) = read(&a.path().join("population.csv"));
    let c = column(&h, "lsoa_code");
    assert!(pop.iter().all(|r| expected.contains_key(&r[c])));
    let manifest = std::fs::read_to_string(a.path().join("manifest.json")).expect("manifest");
    // The starter catalogue computes on the real areas (an authority straddles two ICBs, which
    // the catalogue declares not nested): authorities have their real region as parent.
    let results = a.path().join("results.csv");
    fairer(&[
        "compute",
        "--data",
        text(a.path()),
        "--output",
        text(&results),
        "--indicator",
        "le_birth",
        "--no-progress",
    ]);
    let (h, rows) = read(&results);
    let (area, parent, category) = (column(&h, "Area Code"), column(&h, "Parent Code"), column(&h, "Category"));
    let leeds: Vec<_> = rows.iter().filter(|r| &r[area] == "E08000035" && r[category].is_empty()).collect();
    assert!(!leeds.is_empty() && leeds.iter().all(|r| &r[parent] == "E12000003"), "Leeds in Yorkshire and The Humber");
    for needle in [
        "\"real_inputs\"",
        "\"file\": \"lookup_lsoa21_ward24_ltla24.csv\"",
        "ONS LSOA (2021) to ward (2024) to local authority (2024) lookup, with names",
        "ONS LSOA (2021) to sub-ICB location (2024) to ICB (2024) lookup, with names",
        "English Indices of Deprivation (MHCLG)",
        "SYNTHETIC except the geography",
        "\"synthetic_columns\": [\n      \"msoa_code\"\n    ]",
    ] {
        assert!(manifest.contains(needle), "manifest lacks {needle}: {manifest}");
    }
}

#[test]
fn bad_lookups_are_refused_with_the_file_and_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lookup = dir.path().join("lookup.csv");
    std::fs::write(&lookup, "LSOA21CD,LSOA21NM,LAD24CD,LAD24NM\nE01000001,City of London 001A,E09000001,City of London\nE01000001,City of London 001A,E09000033,Westminster\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["generate", "--out", text(&dir.path().join("out")), "--lookup", text(&lookup), "--no-progress"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && !err.contains("panicked"), "{err}");
    assert!(err.contains("lookup.csv, row 2 (line 3), column \"LAD24CD\": LSOA E01000001 is in local authority E09000033 here but in E09000001"), "{err}");
    // --imd needs --lookup.
    let out = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["generate", "--out", text(dir.path()), "--imd", text(&lookup)])
        .output()
        .expect("run");
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--lookup"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = fairer(&["generate", "--help"]);
    for word in ["--lookup", "--imd", "lsoa21_code", "LAD24CD", "Halton 001A", "--lookup lookup_lsoa21_icb24.csv"] {
        assert!(help.contains(word), "help lacks {word}");
    }
}

/// `generate --activity` writes the NHS tables beside the default ones (which it leaves as they
/// are), `--events` counts hospital events with it, and the help says what it writes.
#[test]
fn activity_writes_the_nhs_tables_and_help_teaches_them() {
    let (plain, with) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let small = ["--scale", "small", "--format", "csv", "--years", "2", "--seed", "3", "--no-progress"];
    fairer(&[&["generate", "--out", text(plain.path())][..], &small].concat());
    let summary = fairer(
        &[&["generate", "--out", text(with.path()), "--activity", "--microdata", "--events", "100000"][..], &small]
            .concat(),
    );
    assert!(summary.contains("hospital events"), "{summary}");
    let (h, rows) = read(&with.path().join("hospital_events.csv"));
    assert_eq!(h, ["lsoa_code", "year", "sex", "age", "ethnic_group", "activity", "diagnosis"]);
    assert!((rows.len() as f64 - 100_000.0).abs() < 3_000.0, "{} hospital events", rows.len());
    let (h, rows) = read(&with.path().join("nhs_activity.csv"));
    assert_eq!(&h[..7], ["lsoa_code", "year", "sex", "age_band", "start_age", "ethnic_group", "registered_population"]);
    assert_eq!(h.len(), 35);
    let groups: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.get(5).expect("ethnic_group")).collect();
    assert!(groups.contains("Not stated") && groups.contains("Not known") && groups.contains("White"), "{groups:?}");
    let manifest = std::fs::read_to_string(with.path().join("manifest.json")).expect("manifest");
    assert!(manifest.contains("\"activity\"") && manifest.contains("hospital events"), "{manifest}");
    // Without --activity there is no NHS table.
    assert!(!plain.path().join("nhs_activity.csv").exists());

    let help = fairer(&["generate", "--help"]);
    for word in ["--activity", "nhs_activity", "hospital_events", "registered_population", "Not stated", "TS021"] {
        assert!(help.contains(word), "help lacks {word}");
    }
    // --events needs something to count.
    let out = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["generate", "--out", text(&plain.path().join("x")), "--events", "1000"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("--events") && message.contains("--activity"), "{message}");
}
