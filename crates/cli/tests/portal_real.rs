//! A real England observatory from the shared data, end to end, as a user runs it: `fairer
//! compute` of the shipped catalogue of the portal's extract (`catalogues/england_portal.toml`)
//! on the real geography, `fairer import` into a store, `fairer serve`. Every area the extract
//! publishes is stored on each level it is on (a unitary authority, E06, and a metropolitan
//! district, E08, are both a local authority and an upper-tier one: two areas of one code),
//! with the extract's values, comparisons, trends and breakdowns, and both levels are shown.
//! Runs when `../shared/data` is present beside the repository (and says so when not).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{fairer_ok, get, read_table, Server};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data` beside the repository, or `None` (and a note) when it is absent.
fn shared_data() -> Option<PathBuf> {
    let p = root().join("../shared/data");
    if p.join("indicators/fingertips_extract_2025-02.csv").is_file() {
        Some(p)
    } else {
        eprintln!("note: {} is absent: the real observatory's test is skipped", p.display());
        None
    }
}

/// The level of an area the extract names, told from its code's shape as the portal's area
/// types are (E06 unitary authorities, E08 metropolitan districts and E09 London boroughs are
/// on both tiers; E07 districts are lower-tier only, E10 counties upper-tier only).
fn levels_of(code: &str) -> Vec<&'static str> {
    match &code[..3.min(code.len())] {
        "E06" | "E08" | "E09" => vec!["Local authority", "Upper-tier local authority"],
        "E07" => vec!["Local authority"],
        "E10" => vec!["Upper-tier local authority"],
        "E12" => vec!["Region"],
        "E92" => vec!["England"],
        "E54" => vec!["ICB"],
        "E38" => vec!["Sub-ICB location"],
        _ if code.starts_with('U') => vec!["Primary care network"],
        _ => vec!["GP practice"],
    }
}

#[test]
fn the_real_extract_is_an_observatory_of_every_level_with_both_tiers_of_a_unitary_authority() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.parquet");
    let catalogue = root().join("catalogues/england_portal.toml");
    fairer_ok(&[
        "compute",
        "--catalogue",
        catalogue.to_str().unwrap(),
        "--data",
        root().join("catalogues").to_str().unwrap(),
        "--output",
        results.to_str().unwrap(),
    ]);
    let database = dir.path().join("fairer.db");
    let database = database.to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["import", "results", results.to_str().unwrap(), "--release", "real", "--date", "2026-12-07"])
        .args(["--database", database])
        .env_remove("FAIRER_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "fairer import: {}", String::from_utf8_lossy(&out.stderr));

    // What the extract publishes: each area's levels (by its code's shape), and each whole-area
    // value of a year by indicator, area, sex, age and year (keys with two different values,
    // the sub-ICB locations' two publications, left out: `portal_tests.rs` checks which is
    // kept).
    let extract = read_table(&data.join("indicators/fingertips_extract_2025-02.csv"));
    let mut expected_areas: BTreeMap<&str, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut published: HashMap<(String, String, String, String, String), Option<String>> = HashMap::new();
    for r in &extract {
        for level in levels_of(&r["AreaCode"]) {
            expected_areas.entry(level).or_default().insert(r["AreaCode"].clone());
        }
        if r["CategoryType"].is_empty() {
            let key = (
                r["IndicatorId"].clone(),
                r["AreaCode"].clone(),
                r["Sex"].clone(),
                r["Age"].clone(),
                r["Year"].clone(),
            );
            let value = Some(r["Value"].clone());
            published
                .entry(key)
                .and_modify(|v| {
                    if *v != value {
                        *v = None
                    }
                })
                .or_insert(value);
        }
    }

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = store::Store::open(database).await.unwrap();
        // Every area the extract names, on each of its levels.
        for (level, codes) in &expected_areas {
            let stored: std::collections::BTreeSet<String> =
                store.areas(Some(level)).await.unwrap().into_iter().map(|a| a.code).collect();
            assert_eq!(&stored, codes, "{level}");
            eprintln!("{level}: {} areas", stored.len());
        }
        // A unitary authority on both levels: its district's parent is its own code (the
        // upper-tier area), whose parent is its region.
        let both = store.areas_of_code("E06000006").await.unwrap();
        let got: Vec<_> = both.iter().map(|a| (a.area_type.as_str(), a.parent_code.as_deref(), a.name.as_str())).collect();
        assert_eq!(
            got,
            [
                ("Local authority", Some("E06000006"), "Halton"),
                ("Upper-tier local authority", Some("E12000002"), "Halton")
            ]
        );
        // A sub-ICB location (known only from the extract) in its ICB, from the shipped lookup
        // (`catalogues/england_portal_sicbl_icb.csv`): Halton's 01F in Cheshire and Merseyside.
        let sub_icb = store.areas_of_code("E38000068").await.unwrap();
        let got: Vec<_> = sub_icb.iter().map(|a| (a.area_type.as_str(), a.parent_code.as_deref())).collect();
        assert_eq!(got, [("Sub-ICB location", Some("E54000008"))]);
        for a in store.areas(Some("Sub-ICB location")).await.unwrap() {
            assert!(a.parent_code.as_deref().is_some_and(|p| p.starts_with("E54")), "{a:?}");
        }
        // Every whole-area value of a year, on every level, is the extract's, and both levels
        // of a code have the same rows.
        let rows = store.values(&store::ValueQuery { whole_area: Some(true), ..Default::default() }).await.unwrap();
        let (mut checked, mut trended) = (0, 0);
        let mut by_level: HashMap<(String, String), Vec<String>> = HashMap::new();
        for r in &rows {
            let key = (r.indicator_id.clone(), r.area_code.clone(), r.sex.clone(), r.age.clone(), r.time_period.clone());
            by_level.entry((r.area_code.clone(), r.area_type.clone())).or_default().push(format!(
                "{} {} {} {} {:?} {:?}",
                r.indicator_id, r.sex, r.age, r.time_period, r.value, r.recent_trend
            ));
            if let Some(Some(v)) = published.get(&key) {
                let expected: Option<f64> = v.parse().ok();
                assert_eq!(r.value, expected, "{key:?}");
                checked += 1;
            }
            trended += usize::from(r.recent_trend.as_deref().is_some_and(|t| !t.is_empty() && !t.starts_with("Cannot")));
        }
        for a in &both {
            assert!(!by_level[&(a.code.clone(), a.area_type.clone())].is_empty());
        }
        assert_eq!(
            by_level[&("E06000006".to_string(), "Local authority".to_string())],
            by_level[&("E06000006".to_string(), "Upper-tier local authority".to_string())]
        );
        let breakdowns = store.values(&store::ValueQuery { whole_area: Some(false), ..Default::default() }).await.unwrap();
        eprintln!(
            "{} whole-area rows ({checked} checked against the extract, {trended} with a recent trend other than \"Cannot be calculated\"), {} breakdown rows",
            rows.len(),
            breakdowns.len()
        );
        assert!(checked > 5_000 && trended > 1_000 && !breakdowns.is_empty(), "{checked} {trended}");
        assert!(rows.iter().any(|r| r.area_type == "Upper-tier local authority" && r.compared_to_benchmark_95.is_some()));
        store.close().await;
    });

    // Served: both levels of the unitary authority, each with its own page.
    let child = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
        .env_remove("FAIRER_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start fairer serve");
    let mut server = Server(child);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.split("http://").nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_string();
    let lower = get(&address, "/areas/E06000006");
    assert!(lower.starts_with("HTTP/1.1 200") && lower.contains("Halton (Local authority)"), "{lower}");
    assert!(lower.contains("also an area of type Upper-tier local authority"), "{lower}");
    let upper = get(&address, "/areas/E06000006?type=Upper-tier%20local%20authority");
    assert!(upper.starts_with("HTTP/1.1 200") && upper.contains("Halton (Upper-tier local authority)"), "{upper}");
    let county = get(&address, "/areas/E10000017?benchmark=england");
    assert!(county.starts_with("HTTP/1.1 200") && county.contains("(Upper-tier local authority)"), "{county}");
    let icb = get(&address, "/areas/E54000008");
    assert!(icb.starts_with("HTTP/1.1 200") && icb.contains("(ICB)"), "{icb}");
}
