//! Areas keyed by code and area type, on SQLite and PostgreSQL: a unitary authority's code is
//! on two levels (a lower-tier and an upper-tier local authority), each with its own rows;
//! reading by code alone gives the finest level (the type with the most areas).

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use store::{Actor, ImportOutcome, ReleaseInfo, Store, ValueQuery};

const LTLA: &str = "Local authority";
const UTLA: &str = "Upper-tier local authority";

/// A row: code, type, parent, value.
type Row<'a> = (&'a str, &'a str, &'a str, f64);

/// Rows of one indicator in 2021.
fn batch(rows: &[Row<'_>]) -> RecordBatch {
    let text = |f: &dyn Fn(&Row<'_>) -> String| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_from_iter([
        ("indicator_id", text(&|_| "93701".into())),
        ("indicator_name", text(&|_| "Smoking".into())),
        ("area_code", text(&|r| r.0.into())),
        ("area_name", text(&|r| format!("Name {}", r.0))),
        ("area_type", text(&|r| r.1.into())),
        ("parent_code", text(&|r| r.2.into())),
        ("sex", text(&|_| "Persons".into())),
        ("age", text(&|_| "18+ yrs".into())),
        ("time_period", text(&|_| "2021".into())),
        ("time_period_sortable", Arc::new(Float64Array::from(vec![2021.0; rows.len()])) as ArrayRef),
        ("value", Arc::new(Float64Array::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())) as ArrayRef),
    ])
    .unwrap()
}

fn info(name: &str) -> ReleaseInfo {
    ReleaseInfo {
        name: name.into(),
        released_on: "2026-12-07".into(),
        catalogue_id: None,
        catalogue_version: None,
        manifest: serde_json::json!({}),
        definitions: Default::default(),
    }
}

/// Two districts in a county, a unitary authority on both levels (its two rows given different
/// values here, to tell them apart), and England.
fn rows(shift: f64) -> Vec<(&'static str, &'static str, &'static str, f64)> {
    vec![
        ("E07000001", LTLA, "E10000001", 10.0 + shift),
        ("E07000002", LTLA, "E10000001", 20.0 + shift),
        ("E06000001", LTLA, "E06000001", 30.0 + shift),
        ("E10000001", UTLA, "E92000001", 15.0 + shift),
        ("E06000001", UTLA, "E92000001", 31.0 + shift),
        ("E92000001", "England", "", 20.0 + shift),
    ]
}

async fn a_code_on_two_levels_is_two_areas(store: &Store) {
    let outcome = store.import_release(info("first"), &Actor::Cli, &[batch(&rows(0.0))]).await.unwrap();
    assert!(matches!(outcome, ImportOutcome::Imported(_)));
    assert_eq!(store::testing::count_rows(store, "area").await, 6);
    assert_eq!(store.areas(None).await.unwrap().len(), 6);
    assert_eq!(store.areas(Some(UTLA)).await.unwrap().len(), 2);

    // By code alone: the finest level (three local authorities, two upper-tier ones).
    let both = store.areas_of_code("E06000001").await.unwrap();
    let types: Vec<_> = both.iter().map(|a| (a.area_type.as_str(), a.parent_code.as_deref())).collect();
    assert_eq!(types, [(LTLA, Some("E06000001")), (UTLA, Some("E92000001"))]);
    assert_eq!(store.area("E06000001").await.unwrap().unwrap().area_type, LTLA);
    let upper = store.area_of_type("E06000001", Some(UTLA)).await.unwrap().unwrap();
    assert_eq!(upper.parent_code.as_deref(), Some("E92000001"));
    assert_eq!(store.area_of_type("E06000001", Some("Region")).await.unwrap(), None);
    assert_eq!(store.area_of_type("E10000001", None).await.unwrap().unwrap().area_type, UTLA);

    // Each level's own values.
    let value = |v: Vec<store::ValueRow>| v.iter().map(|r| (r.area_type.clone(), r.value)).collect::<Vec<_>>();
    assert_eq!(value(store.area_latest_values("E06000001").await.unwrap()), [(LTLA.to_string(), Some(30.0))]);
    assert_eq!(
        value(store.area_latest_values_of_type("E06000001", Some(UTLA)).await.unwrap()),
        [(UTLA.to_string(), Some(31.0))]
    );
    let query = |area_type: Option<&str>| ValueQuery {
        area: Some("E06000001".into()),
        area_type: area_type.map(str::to_string),
        ..Default::default()
    };
    assert_eq!(value(store.values(&query(None)).await.unwrap()), [(LTLA.to_string(), Some(30.0))]);
    assert_eq!(value(store.values(&query(Some(UTLA))).await.unwrap()), [(UTLA.to_string(), Some(31.0))]);
    assert_eq!(store.values(&ValueQuery::default()).await.unwrap().len(), 6);

    // A second release finds the same six areas.
    store.import_release(info("second"), &Actor::Cli, &[batch(&rows(1.0))]).await.unwrap();
    assert_eq!(store::testing::count_rows(store, "area").await, 6);
    assert_eq!(
        value(store.area_latest_values_of_type("E06000001", Some(UTLA)).await.unwrap()),
        [(UTLA.to_string(), Some(32.0))]
    );
    // One code and type twice in a release is still two rows for one key.
    let twice = vec![("E06000001", LTLA, "E06000001", 1.0), ("E06000001", LTLA, "E06000001", 2.0)];
    let e = store.import_release(info("third"), &Actor::Cli, &[batch(&twice)]).await.unwrap_err().to_string();
    assert!(e.contains("two rows"), "{e}");
}

store::on_both_backends!(a_code_on_two_levels_is_two_areas);
