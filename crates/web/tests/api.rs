//! The JSON API against its OpenAPI document and the store: every route answers its example
//! with the documented keys, filters and paging select what the store holds, errors name the
//! parameter, release tags give 304, and downloads hold the imported rows cell by cell.

mod fixtures;
/// The ICB scorecards' fixture (scorecard-web): the scorecard routes' examples answer from it.
mod scorecard_support;

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::arrow::array::{Array, Float64Array, StringArray};
use http_body_util::BodyExt;
use serde_json::Value;
use store::testing;
use tower::ServiceExt;
use web::{app, AppState};

/// A response: status, headers, body.
struct Got {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

async fn get_with(state: &AppState, path: &str, headers: &[(&str, &str)]) -> Got {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app(state.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Got { status, headers, body }
}

async fn get(state: &AppState, path: &str) -> Got {
    get_with(state, path, &[]).await
}

async fn seeded() -> (testing::TestDatabase, AppState, Vec<fixtures::Row>) {
    let db = testing::sqlite().await;
    let rows = fixtures::seed(&db.store).await;
    let state = AppState::new(db.store.clone());
    scorecard_support::install_with_funding(&state).await;
    (db, state, rows)
}

/// The property names of a schema of the document (following a `$ref`).
fn properties(document: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &document["components"]["schemas"][name]
        }
        None => schema,
    };
    schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap_or_else(|| panic!("not an object: {value}")).keys().cloned().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_its_example_with_the_documented_keys() {
    let (_db, state, _) = seeded().await;
    let document = get(&state, "/api/v1/openapi.json").await.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 13, "{}", paths.len());
    for (path, item) in paths {
        let operation = &item["get"];
        let example = operation["x-example"].as_str().unwrap();
        let got = get(&state, example).await;
        assert_eq!(got.status, StatusCode::OK, "{path}: {example}: {}", String::from_utf8_lossy(&got.body));
        let content = operation["responses"]["200"]["content"].as_object().unwrap();
        let (media, schema) = content.iter().next().unwrap();
        let content_type = got.headers["content-type"].to_str().unwrap();
        assert!(content_type.starts_with(media.as_str()), "{path}: {content_type} is not {media}");
        if media != "application/json" {
            assert!(got.body.len() > 100, "{path}: {} bytes", got.body.len());
            continue;
        }
        assert_eq!(got.headers["cache-control"], "no-cache", "{path}");
        let body = got.json();
        let schema = &schema["schema"];
        if path.ends_with("openapi.json") {
            assert_eq!(body, document);
            continue;
        }
        assert_eq!(keys(&body), properties(&document, schema), "{path}: top-level keys");
        if let Some(items) = body.get("items").and_then(Value::as_array) {
            assert!(!items.is_empty(), "{path}: the example finds nothing");
            let item_schema = &schema["properties"]["items"]["items"];
            let documented = properties(&document, item_schema);
            for item in items {
                assert_eq!(keys(item), documented, "{path}: an item's keys");
            }
        }
        // Every parameter of the path is documented, and path parameters are required.
        for parameter in operation["parameters"].as_array().unwrap() {
            let name = parameter["name"].as_str().unwrap();
            if parameter["in"] == "path" {
                assert!(path.contains(&format!("{{{name}}}")), "{path}: {name}");
                assert_eq!(parameter["required"], true);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_json_and_name_the_parameter() {
    let (_db, state, _) = seeded().await;
    let cases: [(&str, StatusCode, &str); 13] = [
        ("/api/v1/areas/E09999999", StatusCode::NOT_FOUND, "the area \"E09999999\" not found"),
        ("/api/v1/indicators/nope", StatusCode::NOT_FOUND, "the indicator \"nope\" not found"),
        ("/api/v1/places/nowhere", StatusCode::NOT_FOUND, "the place \"nowhere\" not found"),
        ("/api/v1/places/nowhere/targets", StatusCode::NOT_FOUND, "the place \"nowhere\" not found"),
        ("/api/v1/no/such/thing", StatusCode::NOT_FOUND, "the API path /api/v1/no/such/thing not found"),
        ("/api/v1/values?colour=red", StatusCode::BAD_REQUEST, "the parameter \"colour\": unknown here"),
        ("/api/v1/values?sex=Both", StatusCode::BAD_REQUEST, "the sex \"Both\": expected one of Male, Female, Persons"),
        ("/api/v1/values?period=2030", StatusCode::BAD_REQUEST, "the period \"2030\": no value of the release"),
        ("/api/v1/values?area=E09999999&indicator=le_birth", StatusCode::BAD_REQUEST, "the area \"E09999999\""),
        (
            "/api/v1/values?limit=10001",
            StatusCode::BAD_REQUEST,
            "the limit \"10001\": expected a whole number from 1 to 10000",
        ),
        ("/api/v1/values?breakdown=whole&category=1", StatusCode::BAD_REQUEST, "the breakdown \"whole\""),
        ("/api/v1/areas?type=County", StatusCode::BAD_REQUEST, "the type \"County\": no area is of that type"),
        ("/api/v1/indicators?domain=work", StatusCode::BAD_REQUEST, "the domain \"work\": no indicator has it"),
    ];
    for (path, status, message) in cases {
        let got = get(&state, path).await;
        assert_eq!(got.status, status, "{path}");
        assert!(got.headers["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
        let body = got.json();
        assert_eq!(body["error"]["status"], status.as_u16(), "{path}");
        let text = body["error"]["message"].as_str().unwrap();
        assert!(text.contains(message), "{path}: {text}");
    }
    // A filter that exists alone but not with the others is an empty answer, not an error.
    let got = get(&state, "/api/v1/values?indicator=school_readiness&sex=Female").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["items"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn values_filter_and_page_through_what_the_store_holds() {
    let (_db, state, rows) = seeded().await;
    // Every row, a page of 7 at a time by following `next`.
    let mut url = Some("/api/v1/values?limit=7".to_string());
    let mut all = Vec::new();
    while let Some(u) = url {
        let page = get(&state, &u).await.json();
        assert_eq!(page["release"]["name"], "fixture");
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        url = page["next"].as_str().map(str::to_string);
    }
    assert_eq!(all.len(), rows.len());
    let key = |v: &Value| {
        ["indicator_id", "area_code", "sex", "age", "category_type", "category", "time_period"]
            .map(|k| v[k].as_str().unwrap_or("").to_string())
    };
    let distinct: BTreeSet<_> = all.iter().map(key).collect();
    assert_eq!(distinct.len(), rows.len(), "no row twice");
    // The default page is 1000 rows: all of them here, no next page.
    let whole = get(&state, "/api/v1/values").await.json();
    assert_eq!((whole["items"].as_array().unwrap().len(), whole["limit"].as_i64()), (rows.len(), Some(1000)));
    assert_eq!(whole["next"], Value::Null);

    let count = |f: &dyn Fn(&fixtures::Row) -> bool| rows.iter().filter(|r| f(r)).count();
    let text = |r: &fixtures::Row, k: &str| r.text[k].clone().unwrap_or_default();
    let cases: [(&str, usize); 7] = [
        (
            "indicator=le_birth&area=E06000001",
            count(&|r| text(r, "indicator_id") == "le_birth" && text(r, "area_code") == "E06000001"),
        ),
        (
            "area_type=Local%20authority&breakdown=whole",
            count(&|r| text(r, "area_type") == "Local authority" && text(r, "category").is_empty()),
        ),
        ("breakdown=categories", count(&|r| !text(r, "category").is_empty())),
        ("category=Most%20deprived%20decile", count(&|r| text(r, "category") == "Most deprived decile")),
        (
            "category_type=LSOA%20deprivation%20deciles%20(national)&sex=Female",
            count(&|r| !text(r, "category").is_empty() && text(r, "sex") == "Female"),
        ),
        ("period=2019%20-%2021&age=All%20ages", count(&|r| text(r, "time_period") == "2019 - 21")),
        ("release=fixture&sex=Persons", count(&|r| text(r, "sex") == "Persons")),
    ];
    for (query, expected) in cases {
        assert!(expected > 0, "{query}");
        let got = get(&state, &format!("/api/v1/values?{query}")).await;
        assert_eq!(got.status, StatusCode::OK, "{query}: {}", String::from_utf8_lossy(&got.body));
        assert_eq!(got.json()["items"].as_array().unwrap().len(), expected, "{query}");
    }
    // Areas and indicators by their filters.
    let names = |v: Value, k: &str| {
        v["items"].as_array().unwrap().iter().map(|i| i[k].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(names(get(&state, "/api/v1/areas?parent=E12000001").await.json(), "code"), ["E06000001", "E06000002"]);
    assert_eq!(names(get(&state, "/api/v1/areas?q=middles").await.json(), "code"), ["E06000002"]);
    assert_eq!(names(get(&state, "/api/v1/areas?q=e12").await.json(), "code"), ["E12000001"]);
    assert_eq!(names(get(&state, "/api/v1/indicators?domain=early_years").await.json(), "id"), ["school_readiness"]);
    let le = get(&state, "/api/v1/indicators/le_birth").await.json();
    assert_eq!(
        (le["framework_name"].as_str(), le["numerator"].as_str(), le["definition"].as_str()),
        (Some("Marmot principles"), Some("The numerator of le_birth"), Some("Years a newborn would live."))
    );
    let targets = get(&state, "/api/v1/places/halham/targets").await.json();
    assert_eq!(targets["items"].as_array().unwrap().len(), 2);
    assert!(targets["items"][0]["assessment_text"].as_str().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn release_tags_answer_304_until_a_new_release() {
    let (db, state, rows) = seeded().await;
    let first = get(&state, "/api/v1/values?indicator=le_birth").await;
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("\"r1-"), "{etag}");
    let again = get_with(&state, "/api/v1/values?indicator=le_birth", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // Another URL has another tag.
    let other = get(&state, "/api/v1/values?indicator=school_readiness").await;
    assert_ne!(other.headers["etag"], etag.as_str());
    // A new release changes every tag.
    let mut second = fixtures::batch(&rows[..3]);
    second = second.slice(0, 3);
    let info = store::ReleaseInfo { name: "second".into(), released_on: "2026-12-02".into(), ..Default::default() };
    db.store.import_release(info, &store::Actor::Cli, &[second]).await.unwrap();
    let after = get_with(&state, "/api/v1/values?indicator=le_birth", &[("if-none-match", &etag)]).await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(after.headers["etag"].to_str().unwrap().starts_with("\"r2-"));
}

/// The fixture's row key: indicator, area, sex, category, period.
fn row_key(text: &dyn Fn(&str) -> Option<String>) -> [String; 5] {
    ["indicator_id", "area_code", "sex", "category", "time_period"].map(|k| text(k).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_download_equals_the_imported_rows_cell_by_cell() {
    let (_db, state, rows) = seeded().await;
    let got = get(&state, "/api/v1/values.parquet").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["content-disposition"], "attachment; filename=\"fairer-values-all.parquet\"");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(got.body))
        .unwrap()
        .build()
        .unwrap();
    let expected: BTreeMap<[String; 5], &fixtures::Row> =
        rows.iter().map(|r| (row_key(&|k| r.text[k].clone()), r)).collect();
    let mut seen = 0;
    for batch in reader {
        let batch = batch.unwrap();
        assert_eq!(batch.schema().fields(), engine::compute::results::schema().fields());
        for i in 0..batch.num_rows() {
            let text = |name: &str| {
                let column = batch.column_by_name(name).unwrap().as_any().downcast_ref::<StringArray>().unwrap();
                column.is_valid(i).then(|| column.value(i).to_string())
            };
            let row = expected[&row_key(&text)];
            for (name, want) in &row.text {
                assert_eq!(&text(name), want, "{name} of {:?}", row_key(&text));
            }
            for (name, want) in &row.number {
                let column = batch.column_by_name(name).unwrap().as_any().downcast_ref::<Float64Array>().unwrap();
                let got = column.is_valid(i).then(|| column.value(i));
                assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{name} of {:?}", row_key(&text));
            }
            seen += 1;
        }
    }
    assert_eq!(seen, rows.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_and_excel_downloads_in_the_portal_layout() {
    let (_db, state, rows) = seeded().await;
    let got = get(&state, "/api/v1/values.csv?indicator=le_birth&area=E06000001&breakdown=whole").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(got.headers["content-disposition"], "attachment; filename=\"fairer-le_birth-E06000001.csv\"");
    let text = String::from_utf8(got.body).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let portal: Vec<&str> = engine::compute::results::COLUMNS.iter().map(|c| c.portal_name).collect();
    assert_eq!(headers, portal);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected: Vec<&fixtures::Row> = rows
        .iter()
        .filter(|r| {
            r.text["indicator_id"].as_deref() == Some("le_birth")
                && r.text["area_code"].as_deref() == Some("E06000001")
                && r.text["category"].is_none()
        })
        .collect();
    assert_eq!(records.len(), expected.len());
    let value_at = headers.iter().position(|h| h == "Value").unwrap();
    let period_at = headers.iter().position(|h| h == "Time period").unwrap();
    let sex_at = headers.iter().position(|h| h == "Sex").unwrap();
    for record in &records {
        let row = expected
            .iter()
            .find(|r| {
                r.text["time_period"].as_deref() == Some(&record[period_at])
                    && r.text["sex"].as_deref() == Some(&record[sex_at])
            })
            .unwrap();
        assert_eq!(record[value_at].parse::<f64>().unwrap().to_bits(), row.number["value"].unwrap().to_bits());
    }
    // Nothing selected still gives the header.
    let empty = get(&state, "/api/v1/values.csv?indicator=school_readiness&sex=Female").await;
    assert_eq!(String::from_utf8(empty.body).unwrap().lines().count(), 1);
    let xlsx = get(&state, "/api/v1/values.xlsx?indicator=le_birth").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"), "a zip container");
    // Downloads take the same filters: an unknown one is refused by name.
    let bad = get(&state, "/api/v1/values.xlsx?indicatr=le_birth").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"]["message"].as_str().unwrap().contains("\"indicatr\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_store_answers_empty_lists() {
    let db = testing::sqlite().await;
    let state = AppState::new(db.store.clone());
    for path in ["/api/v1/releases", "/api/v1/areas", "/api/v1/indicators", "/api/v1/places"] {
        let got = get(&state, path).await;
        assert_eq!(got.status, StatusCode::OK, "{path}");
        assert_eq!(got.json(), serde_json::json!({ "items": [] }), "{path}");
    }
    let values = get(&state, "/api/v1/values").await.json();
    assert_eq!(values["release"], Value::Null);
    assert_eq!(values["items"], serde_json::json!([]));
}
