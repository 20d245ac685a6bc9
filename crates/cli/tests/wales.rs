//! A Welsh place (issue 12, acceptance 2): Gwent, five Welsh authorities with W-codes, computed
//! by the engine as a user-defined place of `catalogues/wales.toml` on a small synthetic Wales
//! with WIMD-like deprivation deciles, compared with Wales; the results imported, the place
//! file `examples/place-gwent.toml` imported, and its monitoring shown like an English place's,
//! on SQLite and PostgreSQL.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

const CATALOGUE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogues/wales.toml");
const PLACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/place-gwent.toml");

/// The five authorities of Gwent, then three others of Wales.
const AUTHORITIES: [(&str, &str); 8] = [
    ("W06000019", "Blaenau Gwent"),
    ("W06000018", "Caerphilly"),
    ("W06000021", "Monmouthshire"),
    ("W06000022", "Newport"),
    ("W06000020", "Torfaen"),
    ("W06000015", "Cardiff"),
    ("W06000011", "Swansea"),
    ("W06000023", "Powys"),
];

/// Small areas per authority.
const SMALL_AREAS: usize = 12;

/// Start ages of the life-table bands.
const BANDS: [u32; 20] = [0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90];

fn run(database: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fairer"));
    c.args(args).env_remove("FAIRER_DATABASE_URL");
    if let Some(database) = database {
        c.args(["--database", database]);
    }
    c.output().expect("run fairer")
}

fn fairer(database: Option<&str>, args: &[&str]) -> String {
    let out = run(database, args);
    assert!(out.status.success(), "fairer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A number in [0, 1) from `key`, the same every run (a 64-bit mix).
fn unit(key: u64) -> f64 {
    let mut x = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (x ^ (x >> 31)) as f64 / 2f64.powi(64)
}

/// A small synthetic Wales: 8 authorities of 12 small areas (W01 codes), each with a WIMD-like
/// decile (Blaenau Gwent's mostly deprived, Monmouthshire's mostly not); populations and deaths
/// by year (2015 to 2024), sex and age band, death rates rising with age and deprivation and
/// falling a little each year.
fn write_wales(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut areas = String::from("lsoa_code,lsoa_name,ltla_code,ltla_name,country_code,country_name,wimd_decile\n");
    let mut population = String::from("lsoa_code,year,sex,start_age,population\n");
    let mut deaths = String::from("lsoa_code,year,sex,start_age,deaths\n");
    for (a, (code, name)) in AUTHORITIES.iter().enumerate() {
        for s in 0..SMALL_AREAS {
            let lsoa = format!("W01{:06}", 900_000 + a * SMALL_AREAS + s);
            let decile = match *name {
                "Blaenau Gwent" => 1 + s % 5,
                "Monmouthshire" => 6 + s % 5,
                _ => 1 + (s + 3 * a) % 10,
            };
            writeln!(areas, "{lsoa},{name} {:03},{code},{name},W92000004,Wales,{decile}", s + 1).unwrap();
            for year in 2015..=2024u32 {
                for (x, sex) in ["Male", "Female"].iter().enumerate() {
                    for (b, &age) in BANDS.iter().enumerate() {
                        let people = match age {
                            0..=64 => 60,
                            65..=79 => 45,
                            80..=89 => 22,
                            _ => 9,
                        };
                        let mid = f64::from(age) + if age == 0 { 0.5 } else { 2.5 };
                        let mut rate = if age == 0 { 0.004 } else { 0.000022 * (0.095 * mid).exp() };
                        rate *= 1.0 + 0.08 * (10 - decile) as f64;
                        rate *= if x == 0 { 1.3 } else { 1.0 };
                        rate *= 1.0 - 0.012 * f64::from(year - 2015);
                        let expected = (f64::from(people) * rate).min(f64::from(people));
                        let key = ((a * 100 + s) as u64) << 32 | u64::from(year) << 8 | (x as u64) << 6 | b as u64;
                        let died = (expected + unit(key)).floor() as u32;
                        writeln!(population, "{lsoa},{year},{sex},{age},{people}").unwrap();
                        writeln!(deaths, "{lsoa},{year},{sex},{age},{}", died.min(people)).unwrap();
                    }
                }
            }
        }
    }
    std::fs::write(dir.join("areas.csv"), areas).unwrap();
    std::fs::write(dir.join("population.csv"), population).unwrap();
    std::fs::write(dir.join("deaths.csv"), deaths).unwrap();
}

/// Imports the Welsh results and Gwent, and checks its monitoring.
fn gwent_monitored(database: &str, results: &str) {
    let imported = fairer(Some(database), &["import", "results", results, "--release", "wales", "--no-progress"]);
    assert!(imported.contains("as the release \"wales\""), "{imported}");
    let imported = fairer(Some(database), &["place", "import", PLACE]);
    assert!(imported.contains("Imported the place \"gwent\""), "{imported}");

    let shown = fairer(Some(database), &["place", "show", "gwent"]);
    assert!(shown.contains("Gwent (synthetic programme) (region, implementing)"), "{shown}");
    assert!(
        shown.contains(
            "Area W99000001, compared with W92000004; covers W06000018, W06000019, W06000020, W06000021, W06000022"
        ),
        "{shown}"
    );
    assert!(shown.contains("Values from the release \"wales\""), "{shown}");
    assert!(shown.contains("How targets are assessed:"), "{shown}");

    let json: serde_json::Value =
        serde_json::from_str(&fairer(Some(database), &["place", "show", "gwent", "--format", "json"])).unwrap();
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 4);
    for t in targets {
        // Every target has its baseline from the data and a latest value, and is assessed one
        // way or the other (the synthetic data have intervals on every value and the SII).
        assert!(t["baseline"].as_f64().is_some(), "{t}");
        let label = t["assessment_text"].as_str().unwrap();
        assert!(label == "on track" || label == "off track", "{t}");
        assert!(t["latest"]["value"].as_f64().is_some(), "{t}");
    }
    // On the synthetic Wales: female life expectancy is rising ahead of its trajectory; the
    // ambitious T2 is significantly behind its own.
    assert_eq!(targets[0]["assessment_text"], "on track");
    assert_eq!(targets[1]["assessment_text"], "off track");
    // T1, T2 and T4 are read at the latest period; T3 aims at Wales's latest value.
    assert_eq!(targets[0]["latest"]["period"], "2022 - 24");
    assert_eq!(targets[1]["latest"]["period"], "2024");
    assert_eq!(targets[3]["latest"]["period"], "2022 - 24");

    // The place's values are Gwent's, computed from its five authorities, against Wales.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = store::Store::open(database).await.unwrap();
        let gwent = store.area("W99000001").await.unwrap().expect("Gwent in the release");
        assert_eq!((gwent.name.as_str(), gwent.area_type.as_str()), ("Gwent", "Place"));
        let wales = store.area("W92000004").await.unwrap().expect("Wales in the release");
        assert_eq!(wales.name, "Wales");
        let latest = |rows: Vec<store::ValueRow>| {
            rows.into_iter()
                .find(|r| {
                    r.indicator_id == "u75_all_causes"
                        && r.sex == "Persons"
                        && r.category.as_deref().unwrap_or("").is_empty()
                })
                .and_then(|r| r.value)
                .unwrap()
        };
        let of_gwent = latest(store.area_latest_values("W99000001").await.unwrap());
        let of_wales = latest(store.area_latest_values("W92000004").await.unwrap());
        let of_authorities: Vec<f64> = futures_all(&store, &AUTHORITIES[..5]).await.into_iter().map(latest).collect();
        let (low, high) = of_authorities.iter().fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
        assert!(low <= of_gwent && of_gwent <= high, "{of_gwent} within {of_authorities:?}");
        assert_eq!(targets[2]["target_value"].as_f64(), Some(of_wales));
        store.close().await;
    });
}

/// The latest values of each authority.
async fn futures_all(store: &store::Store, authorities: &[(&str, &str)]) -> Vec<Vec<store::ValueRow>> {
    let mut out = Vec::new();
    for (code, _) in authorities {
        out.push(store.area_latest_values(code).await.unwrap());
    }
    out
}

#[test]
fn gwent_computes_imports_and_shows_its_monitoring() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("wales");
    write_wales(&data);
    let results = dir.path().join("wales.parquet");
    let results = results.to_str().unwrap();
    fairer(
        None,
        &["compute", "--catalogue", CATALOGUE, "--data", data.to_str().unwrap(), "--output", results, "--no-progress"],
    );
    let sqlite = dir.path().join("fairer.db");
    gwent_monitored(sqlite.to_str().unwrap(), results);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = runtime.block_on(store::testing::postgres_database());
    gwent_monitored(&url, results);
}
