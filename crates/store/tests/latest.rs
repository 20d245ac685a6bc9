//! Every area's latest whole-area values in one read, on SQLite and PostgreSQL.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use store::{Actor, ImportOutcome, ReleaseInfo, Store};

/// indicator, area, sex, decile, period, last year, value.
type Row = (&'static str, &'static str, &'static str, Option<&'static str>, &'static str, f64, Option<f64>);

fn batch(rows: &[Row]) -> RecordBatch {
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let number = |f: &dyn Fn(&Row) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_from_iter([
        ("indicator_id", text(&|r| Some(r.0.to_string()))),
        ("indicator_name", text(&|r| Some(format!("Indicator {}", r.0)))),
        ("area_code", text(&|r| Some(r.1.to_string()))),
        ("area_name", text(&|r| Some(format!("Area {}", r.1)))),
        ("area_type", text(&|r| Some(if r.1.starts_with("E92") { "England" } else { "Local authority" }.into()))),
        ("sex", text(&|r| Some(r.2.to_string()))),
        ("age", text(&|_| Some("All ages".into()))),
        ("category_type", text(&|r| r.3.map(|_| "LSOA deprivation deciles (national)".to_string()))),
        ("category", text(&|r| r.3.map(str::to_string))),
        ("time_period", text(&|r| Some(r.4.to_string()))),
        ("time_period_sortable", number(&|r| Some(r.5))),
        ("value", number(&|r| r.6)),
    ])
    .unwrap()
}

fn info(name: &str) -> ReleaseInfo {
    ReleaseInfo { name: name.into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() }
}

async fn latest_of_every_area(store: &Store) {
    let rows: Vec<Row> = vec![
        ("LE", "E06000002", "Persons", None, "2018 - 20", 2020.0, Some(79.0)),
        ("LE", "E06000002", "Persons", None, "2019 - 21", 2021.0, Some(79.5)),
        ("LE", "E06000002", "Persons", Some("1"), "2019 - 21", 2021.0, Some(75.0)),
        ("LE", "E06000001", "Female", None, "2019 - 21", 2021.0, Some(80.2)),
        ("LE", "E06000001", "Persons", None, "2019 - 21", 2021.0, Some(78.4)),
        ("LE", "E06000001", "Persons", None, "2018 - 20", 2020.0, Some(78.1)),
        ("SMOK", "E06000001", "Persons", None, "2022", 2022.0, None),
        ("SMOK", "E06000001", "Persons", None, "2021", 2021.0, Some(17.5)),
        ("LE", "E92000001", "Persons", None, "2019 - 21", 2021.0, Some(80.9)),
    ];
    let ImportOutcome::Imported(first) =
        store.import_release(info("first"), &Actor::Cli, &[batch(&rows)]).await.unwrap()
    else {
        panic!("a new release")
    };
    let latest = store.latest_whole_area_values(first.id).await.unwrap();
    let got: Vec<_> = latest
        .iter()
        .map(|v| (v.area_code.as_str(), v.indicator_id.as_str(), v.sex.as_str(), v.time_period.as_str(), v.value))
        .collect();
    assert_eq!(
        got,
        [
            ("E06000001", "LE", "Female", "2019 - 21", Some(80.2)),
            ("E06000001", "LE", "Persons", "2019 - 21", Some(78.4)),
            ("E06000001", "SMOK", "Persons", "2022", None),
            ("E06000002", "LE", "Persons", "2019 - 21", Some(79.5)),
            ("E92000001", "LE", "Persons", "2019 - 21", Some(80.9)),
        ]
    );
    assert!(latest.iter().all(|v| v.category.is_none()));
    assert_eq!(latest[0], store.area_latest_values("E06000001").await.unwrap()[0]);

    // A newer release with one period more: the older release's rows are unchanged.
    let mut more = rows.clone();
    more.push(("LE", "E06000002", "Persons", None, "2020 - 22", 2022.0, Some(80.0)));
    let ImportOutcome::Imported(second) =
        store.import_release(info("second"), &Actor::Cli, &[batch(&more)]).await.unwrap()
    else {
        panic!("a new release")
    };
    let newer = store.latest_whole_area_values(second.id).await.unwrap();
    assert_eq!(newer[3].time_period, "2020 - 22");
    assert_eq!(store.latest_whole_area_values(first.id).await.unwrap(), latest);
    assert!(store.latest_whole_area_values(second.id + 100).await.unwrap().is_empty());
}

#[tokio::test]
async fn sqlite_latest_of_every_area() {
    let db = store::testing::sqlite().await;
    latest_of_every_area(&db.store).await;
}

#[tokio::test]
async fn postgres_latest_of_every_area() {
    let db = store::testing::postgres().await;
    latest_of_every_area(&db.store).await;
}
