//! The reads the web's API filters by (age, category type and category, area type, paging) and
//! the indicators' metadata kept from the catalogue at import, on SQLite and PostgreSQL.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use store::{Actor, IndicatorMetadata, ReleaseInfo, Store, ValueQuery};

/// Rows: indicator, area, area type, age, category, period, value.
type Row = (&'static str, &'static str, &'static str, &'static str, Option<&'static str>, &'static str, f64);

fn batch(rows: &[Row]) -> RecordBatch {
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_from_iter([
        ("indicator_id", text(&|r| Some(r.0.to_string()))),
        ("indicator_name", text(&|r| Some(format!("Indicator {}", r.0)))),
        ("framework", text(&|_| Some("marmot".into()))),
        ("domain", text(&|_| Some("early_years".into()))),
        ("area_code", text(&|r| Some(r.1.to_string()))),
        ("area_name", text(&|r| Some(format!("Area {}", r.1)))),
        ("area_type", text(&|r| Some(r.2.to_string()))),
        ("sex", text(&|_| Some("Persons".into()))),
        ("age", text(&|r| Some(r.3.to_string()))),
        ("category_type", text(&|r| r.4.map(|_| "LSOA deprivation deciles (national)".to_string()))),
        ("category", text(&|r| r.4.map(str::to_string))),
        ("time_period", text(&|r| Some(r.5.to_string()))),
        ("value", Arc::new(Float64Array::from(rows.iter().map(|r| Some(r.6)).collect::<Vec<_>>())) as ArrayRef),
    ])
    .unwrap()
}

fn info(name: &str) -> ReleaseInfo {
    ReleaseInfo {
        name: name.to_string(),
        released_on: "2026-12-01".into(),
        catalogue_id: None,
        catalogue_version: None,
        manifest: serde_json::json!({}),
        definitions: BTreeMap::new(),
    }
}

const ROWS: [Row; 7] = [
    ("A", "E06000001", "Local authority", "All ages", None, "2022", 1.0),
    ("A", "E06000001", "Local authority", "All ages", Some("1"), "2022", 2.0),
    ("A", "E06000001", "Local authority", "All ages", Some("10"), "2022", 3.0),
    ("A", "E06000001", "Local authority", "<75 yrs", None, "2022", 4.0),
    ("A", "E12000001", "Region", "All ages", None, "2022", 5.0),
    ("A", "E12000001", "Region", "All ages", None, "2023", 6.0),
    ("B", "E12000001", "Region", "All ages", None, "2023", 7.0),
];

async fn filters_by_age_category_and_area_type(store: &Store) {
    store.import_release(info("r1"), &Actor::Cli, &[batch(&ROWS)]).await.unwrap();
    let values = |q: ValueQuery| async move {
        store.values(&q).await.unwrap().into_iter().filter_map(|v| v.value).collect::<Vec<f64>>()
    };
    assert_eq!(values(ValueQuery { age: Some("<75 yrs".into()), ..Default::default() }).await, [4.0]);
    assert_eq!(values(ValueQuery { category: Some("10".into()), ..Default::default() }).await, [3.0]);
    assert_eq!(
        values(ValueQuery { category_type: Some("LSOA deprivation deciles (national)".into()), ..Default::default() })
            .await,
        [2.0, 3.0]
    );
    assert_eq!(values(ValueQuery { area_type: Some("Region".into()), ..Default::default() }).await, [5.0, 6.0, 7.0]);
    assert_eq!(
        values(ValueQuery {
            indicator: Some("A".into()),
            area_type: Some("Region".into()),
            time_period: Some("2023".into()),
            ..Default::default()
        })
        .await,
        [6.0]
    );
    // Pages in the order of indicator, area, sex, age, category type, category, period.
    assert_eq!(values(ValueQuery { limit: Some(3), offset: 0, ..Default::default() }).await, [4.0, 1.0, 2.0]);
    assert_eq!(values(ValueQuery { limit: Some(3), offset: 3, ..Default::default() }).await, [3.0, 5.0, 6.0]);
    assert_eq!(values(ValueQuery { limit: Some(3), offset: 6, ..Default::default() }).await, [7.0]);
    assert!(values(ValueQuery { area_type: Some("Nowhere".into()), ..Default::default() }).await.is_empty());
}
store::on_both_backends!(filters_by_age_category_and_area_type);

async fn metadata_is_kept_from_the_import(store: &Store) {
    let described = IndicatorMetadata {
        framework_name: Some("Marmot principles".into()),
        domain_name: Some("Give every child the best start in life".into()),
        numerator: Some("deaths: sum of deaths".into()),
        denominator: Some("population: sum of population".into()),
        source: Some("Synthetic \"England\"\nfor tests".into()),
        method: Some("Wilson score limits".into()),
        multiplier: Some(100.0),
        value_type: Some("proportion".into()),
        domain_position: Some(0),
    };
    let mut import = store.begin_import(info("r1"), &Actor::Cli).await.unwrap();
    import.describe_indicators(&[("A".to_string(), described.clone())].into()).unwrap();
    import.push(&batch(&ROWS)).await.unwrap();
    import.finish().await.unwrap();
    let a = store.indicator("A").await.unwrap().unwrap();
    assert_eq!(a.metadata, described);
    assert_eq!((a.framework.as_deref(), a.domain.as_deref()), (Some("marmot"), Some("early_years")));
    // An indicator the import did not describe has none.
    assert_eq!(store.indicator("B").await.unwrap().unwrap().metadata, IndicatorMetadata::default());
    // A later import without metadata keeps what was stored.
    store.import_release(info("r2"), &Actor::Cli, &[batch(&ROWS[..6])]).await.unwrap();
    assert_eq!(store.indicators().await.unwrap()[0].metadata, described);
    // The metadata reads back as the API shows it: flattened into the indicator.
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["framework_name"], "Marmot principles");
    assert_eq!(json["multiplier"], 100.0);
}
store::on_both_backends!(metadata_is_kept_from_the_import);
