//! Issue 13, acceptance 2: the numbers the API serves are the store's, and the store's are the
//! results it imported. Results computed by the engine on a small synthetic England are
//! imported and every value of `/api/v1/values` is compared with the results batch bit for
//! bit; values published by the indicator portal and imported through `measure = "published"`
//! come out of the API as the portal's CSV has them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::arrow::array::{Array, Float64Array, RecordBatch, StringArray};
use engine::compute::catalogue::{Catalogue, STARTER_CATALOGUE};
use engine::compute::{compute, ComputeOptions, DataDirectory, MemorySink, NoProgress};
use http_body_util::BodyExt;
use serde_json::value::RawValue;
use store::{testing, Actor, ReleaseInfo, Store};
use tower::ServiceExt;
use web::{app, AppState};

/// The key of a value row: indicator, area (code and type: a unitary authority is a local and
/// an upper-tier authority under one code), sex, age, category type, category, period.
type Key = [String; 8];
const KEY: [&str; 8] =
    ["indicator_id", "area_code", "area_type", "sex", "age", "category_type", "category", "time_period"];

/// An API item: each field's JSON text as written (numbers are parsed here with Rust's exact
/// parser, not serde_json's, whose default float parsing may be a unit in the last place off).
type Item = HashMap<String, Box<RawValue>>;

fn text(item: &Item, name: &str) -> Option<String> {
    serde_json::from_str::<Option<String>>(item[name].get()).unwrap()
}

fn number(item: &Item, name: &str) -> Option<f64> {
    let raw = item.get(name).unwrap_or_else(|| panic!("no field {name}")).get();
    (raw != "null").then(|| raw.parse::<f64>().unwrap_or_else(|e| panic!("{name} = {raw}: {e}")))
}

/// Every value of the newest release through the API, a page of 10,000 at a time.
async fn api_values(store: &Store, query: &str) -> HashMap<Key, Item> {
    let mut url = Some(format!("/api/v1/values?limit=10000{query}"));
    let mut out = HashMap::new();
    while let Some(u) = url.take() {
        let response =
            app(AppState::new(store.clone())).oneshot(Request::get(&u).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{u}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        #[derive(serde::Deserialize)]
        struct Page {
            items: Vec<Item>,
            next: Option<String>,
        }
        let page: Page = serde_json::from_slice(&body).unwrap();
        for item in page.items {
            let key = KEY.map(|k| text(&item, k).unwrap_or_default());
            assert!(out.insert(key.clone(), item).is_none(), "{key:?} twice");
        }
        url = page.next;
    }
    out
}

/// Text column `name` of `batch` at `row`.
fn batch_text(batch: &RecordBatch, name: &str, row: usize) -> Option<String> {
    let column = batch.column_by_name(name)?.as_any().downcast_ref::<StringArray>().unwrap();
    column.is_valid(row).then(|| column.value(row).to_string())
}

/// Number column `name` of `batch` at `row`.
fn batch_number(batch: &RecordBatch, name: &str, row: usize) -> Option<f64> {
    let column = batch.column_by_name(name)?.as_any().downcast_ref::<Float64Array>().unwrap();
    column.is_valid(row).then(|| column.value(row))
}

/// Computes `catalogue` on the tables of `data` and imports the results, described.
async fn compute_and_import(catalogue: &Catalogue, data: &Path, store: &Store) -> Vec<RecordBatch> {
    let mut sink = MemorySink::new();
    compute(catalogue, &DataDirectory::new(data), &mut sink, &ComputeOptions::default(), &NoProgress).unwrap();
    let info = ReleaseInfo { name: "computed".into(), released_on: "2026-12-06".into(), ..Default::default() };
    let mut import = store.begin_import(info, &Actor::Cli).await.unwrap();
    import.describe_indicators(&web::catalogue::indicator_metadata(catalogue)).unwrap();
    for batch in &sink.batches {
        import.push(batch).await.unwrap();
    }
    import.finish().await.unwrap();
    sink.batches
}

#[tokio::test(flavor = "multi_thread")]
async fn every_value_of_the_api_is_the_computed_results_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = synth::Config::new(dir.path());
    config.years = 4;
    synth::generate(&config, &synth::Silent).unwrap();
    let mut catalogue = Catalogue::parse(STARTER_CATALOGUE, "marmot.toml").unwrap();
    // Three measures: life expectancy (with deprivation deciles), a directly standardised rate
    // and a proportion.
    catalogue.indicators.retain(|i| ["le_birth", "u75_cvd", "school_readiness"].contains(&i.id.as_str()));
    assert_eq!(catalogue.indicators.len(), 3);
    let db = testing::sqlite().await;
    let batches = compute_and_import(&catalogue, dir.path(), &db.store).await;
    let api = api_values(&db.store, "").await;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(api.len(), rows, "every row once");
    let mut compared = 0;
    let mut inequality = 0;
    for batch in &batches {
        for row in 0..batch.num_rows() {
            let key = KEY.map(|k| batch_text(batch, k, row).unwrap_or_default());
            let item = api.get(&key).unwrap_or_else(|| panic!("{key:?} is not served"));
            for (name, is_number) in store::VALUE_COLUMNS {
                if is_number {
                    let (want, got) = (batch_number(batch, name, row), number(item, name));
                    assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{name} of {key:?}: {got:?} {want:?}");
                    compared += usize::from(want.is_some());
                    inequality += usize::from(name == "sii" && want.is_some());
                } else {
                    assert_eq!(text(item, name), batch_text(batch, name, row), "{name} of {key:?}");
                }
            }
            for name in ["indicator_name", "area_name", "area_type"] {
                assert_eq!(text(item, name), batch_text(batch, name, row), "{name} of {key:?}");
            }
            assert_eq!(
                number(item, "time_period_sortable"),
                batch_number(batch, "time_period_sortable", row),
                "time_period_sortable of {key:?}"
            );
        }
    }
    assert!(compared > 5 * rows, "{compared} numbers over {rows} rows");
    assert!(inequality > 0, "some SII compared");
    // The indicators' metadata came with them.
    let indicator = db.store.indicator("u75_cvd").await.unwrap().unwrap();
    assert!(indicator.metadata.method.unwrap().contains("Directly standardised"));
    assert!(indicator.metadata.numerator.unwrap().contains("cardiovascular"));
}

/// `../shared/data` beside the clone, or `None` (and a note) when it is absent.
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

/// A CSV file as rows of column name → cell.
fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    reader.records().map(|r| headers.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn published_values_pass_through_to_the_api_unchanged() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    // The 2024 local authorities as small areas of themselves, in their regions and England.
    let mut areas = String::from("unit,unit_name,la,la_name,region,region_name,country,country_name\n");
    for r in read_csv(&data.join("geography/lookup_ltla24_region24.csv")) {
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let (code, name) = (&r["ltla24_code"], &r["ltla24_name"]);
        let (region, region_name) = (&r["region24_code"], &r["region24_name"]);
        areas.push_str(&format!(
            "{code}_unit,{},{code},{},{region},{},E92000001,England\n",
            q(name),
            q(name),
            q(region_name)
        ));
    }
    std::fs::write(dir.path().join("areas.csv"), areas).unwrap();
    let extract = data.join("indicators/fingertips_extract_2025-02.csv");
    let catalogue = format!(
        r#"[catalogue]
name = "published"

[geography]
table = "areas"
small_area = {{ type = "Unit", code = "unit", name = "unit_name" }}
level = [
  {{ type = "Local authority", code = "la", name = "la_name" }},
  {{ type = "Region", code = "region", name = "region_name" }},
  {{ type = "England", code = "country", name = "country_name" }},
]

[tables.fingertips]
path = "{}"
layout = "portal"

[[indicator]]
id = "93701"
name = "Children in absolute low income families (under 16s)"
measure = "published"
value_type = "proportion"
polarity = "higher is worse"
published = {{ table = "fingertips", where = {{ IndicatorId = [93701] }}, unknown_areas = "skip" }}
"#,
        extract.display()
    );
    let catalogue = Catalogue::parse(&catalogue, "published.toml").unwrap();
    let db = testing::sqlite().await;
    compute_and_import(&catalogue, dir.path(), &db.store).await;
    let api = api_values(&db.store, "&indicator=93701&breakdown=whole").await;
    let mut checked = 0;
    for p in read_csv(&extract).iter().filter(|r| r["IndicatorId"] == "93701" && r["CategoryType"].is_empty()) {
        let kind = match p["AreaCode"].get(..3) {
            Some("E12") => "Region",
            Some("E92") => "England",
            _ => "Local authority",
        };
        let key: Key = ["93701", &p["AreaCode"], kind, &p["Sex"], "<16 yrs", "", "", &p["Year"]].map(str::to_string);
        let Some(item) = api.get(&key) else { continue };
        for (ours, theirs) in [
            ("value", "Value"),
            ("lower_95", "LowerCI"),
            ("upper_95", "UpperCI"),
            ("count", "Count"),
            ("denominator", "Denominator"),
        ] {
            let published = (!p[theirs].is_empty()).then(|| p[theirs].parse::<f64>().unwrap());
            assert_eq!(
                number(item, ours).map(f64::to_bits),
                published.map(f64::to_bits),
                "{ours} of {} {}: the API {:?}, the portal {}",
                p["AreaCode"],
                p["Year"],
                number(item, ours),
                p[theirs]
            );
        }
        checked += 1;
    }
    // 35 local authorities of the extract and England, five years each.
    assert!(checked >= 36 * 5, "{checked} rows compared");
}
