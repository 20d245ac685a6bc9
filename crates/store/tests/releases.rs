//! Data releases on SQLite and PostgreSQL: import, no-op re-import, revisions, and nothing lost
//! when an import fails or stops part way.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use store::{Actor, ImportOutcome, ReleaseInfo, Store, StoreError, ValueQuery};

/// One test row: indicator, area, sex, category, period, last year, value, limits, note.
#[derive(Clone)]
struct R {
    indicator: &'static str,
    area: &'static str,
    sex: &'static str,
    category: Option<&'static str>,
    period: &'static str,
    year: f64,
    value: Option<f64>,
    limits: Option<(f64, f64)>,
    note: Option<&'static str>,
}

fn r(indicator: &'static str, area: &'static str, period: &'static str, year: f64, value: f64) -> R {
    R {
        indicator,
        area,
        sex: "Persons",
        category: None,
        period,
        year,
        value: Some(value),
        limits: Some((value - 1.0, value + 1.0)),
        note: None,
    }
}

/// A results batch with the results table's column names (a subset of its columns, in
/// another order than the engine's, to show columns are found by name).
fn batch(rows: &[R]) -> RecordBatch {
    let text = |f: &dyn Fn(&R) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let number = |f: &dyn Fn(&R) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_from_iter([
        ("value", number(&|r| r.value)),
        ("indicator_id", text(&|r| Some(r.indicator.to_string()))),
        ("indicator_name", text(&|r| Some(format!("Indicator {}", r.indicator)))),
        ("polarity", text(&|_| Some("Higher is better".into()))),
        ("area_code", text(&|r| (!r.area.is_empty()).then(|| r.area.to_string()))),
        ("area_name", text(&|r| Some(format!("Area {}", r.area)))),
        (
            "area_type",
            text(&|r| Some(if r.area.starts_with("E92") { "England" } else { "Upper tier local authority" }.into())),
        ),
        ("parent_code", text(&|_| Some("E92000001".into()))),
        ("sex", text(&|r| Some(r.sex.to_string()))),
        ("age", text(&|_| Some("All ages".into()))),
        ("category_type", text(&|r| r.category.map(|_| "LSOA deprivation deciles (national)".to_string()))),
        ("category", text(&|r| r.category.map(str::to_string))),
        ("time_period", text(&|r| Some(r.period.to_string()))),
        ("time_period_sortable", number(&|r| Some(r.year))),
        ("lower_95", number(&|r| r.limits.map(|l| l.0))),
        ("upper_95", number(&|r| r.limits.map(|l| l.1))),
        ("value_note", text(&|r| r.note.map(str::to_string))),
    ])
    .unwrap()
}

fn info(name: &str) -> ReleaseInfo {
    ReleaseInfo {
        name: name.to_string(),
        released_on: "2026-12-01".into(),
        catalogue_id: Some("core".into()),
        catalogue_version: Some("1".into()),
        manifest: serde_json::json!({"inputs": [{"file": "deaths.csv", "bytes": 1234}]}),
        definitions: [("LE".to_string(), "Life expectancy at birth".to_string())].into(),
    }
}

fn first_rows() -> Vec<R> {
    vec![
        r("LE", "E06000001", "2018 - 20", 2020.0, 78.1),
        r("LE", "E06000001", "2019 - 21", 2021.0, 78.4),
        r("LE", "E92000001", "2019 - 21", 2021.0, 80.9),
        R { category: Some("1"), ..r("LE", "E06000001", "2019 - 21", 2021.0, 74.0) },
        R { sex: "Female", ..r("LE", "E06000001", "2019 - 21", 2021.0, 80.2) },
        r("SMOK", "E06000001", "2021", 2021.0, 17.5),
        R {
            value: None,
            limits: None,
            note: Some("suppressed: tabs\tand\nnewlines \\ kept"),
            ..r("SMOK", "E06000001", "2022", 2022.0, 0.0)
        },
    ]
}

async fn import_and_read(store: &Store) {
    assert_eq!(store.latest_release().await.unwrap(), None);
    let outcome = store
        .import_release(info("first"), &Actor::Cli, &[batch(&first_rows()[..3]), batch(&first_rows()[3..])])
        .await
        .unwrap();
    let ImportOutcome::Imported(release) = outcome else { panic!("expected a new release") };
    assert_eq!(release.row_count, 7);
    assert_eq!(release.content_hash.len(), 64);
    assert_eq!(store.latest_release().await.unwrap().as_ref(), Some(&release));
    assert_eq!(store.release("first").await.unwrap().unwrap().manifest["inputs"][0]["bytes"], 1234);

    let area = store.area("E06000001").await.unwrap().unwrap();
    assert_eq!((area.name.as_str(), area.parent_code.as_deref()), ("Area E06000001", Some("E92000001")));
    let le = store.indicator("LE").await.unwrap().unwrap();
    assert_eq!(le.definition.as_deref(), Some("Life expectancy at birth"));
    assert_eq!(le.polarity.as_deref(), Some("Higher is better"));
    assert_eq!(store.indicators().await.unwrap().len(), 2);
    assert_eq!(store.areas(Some("England")).await.unwrap().len(), 1);

    // The area's latest whole-area value of each indicator, by sex: LE Female and Persons
    // (2019 - 21), SMOK Persons 2022 (suppressed, with its note as written).
    let latest = store.area_latest_values("E06000001").await.unwrap();
    let got: Vec<_> =
        latest.iter().map(|v| (v.indicator_id.as_str(), v.sex.as_str(), v.time_period.as_str(), v.value)).collect();
    assert_eq!(
        got,
        [
            ("LE", "Female", "2019 - 21", Some(80.2)),
            ("LE", "Persons", "2019 - 21", Some(78.4)),
            ("SMOK", "Persons", "2022", None)
        ]
    );
    assert_eq!(latest[1].lower_95, Some(77.4));
    assert_eq!(latest[1].category, None);
    assert_eq!(latest[2].value_note.as_deref(), Some("suppressed: tabs\tand\nnewlines \\ kept"));

    let deciles = store
        .values(&ValueQuery { area: Some("E06000001".into()), whole_area: Some(false), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(deciles.len(), 1);
    assert_eq!(deciles[0].category.as_deref(), Some("1"));
    assert_eq!(deciles[0].category_type.as_deref(), Some("LSOA deprivation deciles (national)"));
    let page = store.values(&ValueQuery { limit: Some(2), offset: 1, ..Default::default() }).await.unwrap();
    assert_eq!(page.len(), 2);

    let audit = store.audit_log(Some("release"), Some("first"), 10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].actor.as_str(), audit[0].action.as_str()), ("cli", "import"));
    assert_eq!(audit[0].after.as_ref().unwrap()["row_count"], 7);
}

async fn same_content_twice_is_a_no_op(store: &Store) {
    let first = store.import_release(info("first"), &Actor::Cli, &[batch(&first_rows())]).await.unwrap();
    // Another name, same rows: nothing new.
    let again = store.import_release(info("again"), &Actor::User(3), &[batch(&first_rows())]).await.unwrap();
    assert_eq!(again, ImportOutcome::Unchanged(first.release().clone()));
    assert_eq!(store.releases().await.unwrap().len(), 1);
    assert_eq!(store::testing::count_rows(store, "value").await, 7);
    assert_eq!(store::testing::count_rows(store, "audit").await, 1);
    // Same name, other rows: refused.
    let error = store.import_release(info("first"), &Actor::Cli, &[batch(&first_rows()[1..])]).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
}

async fn newest_release_shown_and_revisions_flagged(store: &Store) {
    let first = store.import_release(info("first"), &Actor::Cli, &[batch(&first_rows())]).await.unwrap();
    let mut rows = first_rows();
    rows[1].value = Some(78.6); // revised
    rows.remove(0); // removed
    rows.push(r("LE", "E06000001", "2020 - 22", 2022.0, 78.9)); // added
    let second = store.import_release(info("second"), &Actor::Cli, &[batch(&rows)]).await.unwrap();
    let (first, second) = (first.release().clone(), second.release().clone());
    assert!(second.id > first.id);
    assert_eq!(store.latest_release().await.unwrap(), Some(second.clone()));
    let names: Vec<_> = store.releases().await.unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["second", "first"]);

    // The newest values are shown; the first release stays whole.
    let latest = store.area_latest_values("E06000001").await.unwrap();
    assert_eq!(latest.iter().find(|v| v.indicator_id == "LE" && v.sex == "Persons").unwrap().value, Some(78.9));
    let old = store.values(&ValueQuery { release: Some(first.id), ..Default::default() }).await.unwrap();
    assert_eq!(old.len(), 7);

    let revisions = store.revisions(first.id, second.id).await.unwrap();
    let got: Vec<_> =
        revisions.iter().map(|r| (r.time_period.as_str(), r.sex.as_str(), r.before, r.after, r.change)).collect();
    assert_eq!(
        got,
        [
            ("2018 - 20", "Persons", Some(78.1), None, "removed"),
            ("2019 - 21", "Persons", Some(78.4), Some(78.6), "revised"),
            ("2020 - 22", "Persons", None, Some(78.9), "added"),
        ]
    );
}

async fn failed_import_keeps_previous_release(store: &Store) {
    let first = store.import_release(info("first"), &Actor::Cli, &[batch(&first_rows())]).await.unwrap();
    // Many good rows, new areas and indicators, then a row without an area code at the end.
    let mut rows: Vec<R> = (0..1200)
        .map(|i| {
            let year = 1000 + i / 6;
            let period: &'static str = Box::leak(year.to_string().into_boxed_str());
            r(["A1", "A2", "A3"][i % 3], ["E06000002", "E06000003"][i % 2], period, f64::from(year as u32), i as f64)
        })
        .collect();
    let mut bad = rows.clone();
    bad.push(r("LE", "", "2023", 2023.0, 1.0));
    let error =
        store.import_release(info("second"), &Actor::Cli, &[batch(&rows), batch(&bad[1200..])]).await.unwrap_err();
    assert!(error.to_string().contains("row 1201: the column \"area_code\" is empty"), "{error}");
    assert_whole(store, first.release()).await;

    // A duplicate row near the end fails in the database itself: the same.
    rows.push(rows[1199].clone());
    let error = store.import_release(info("second"), &Actor::Cli, &[batch(&rows)]).await.unwrap_err();
    assert!(error.to_string().contains("two rows for the same indicator"), "{error}");
    assert_whole(store, first.release()).await;

    // An import stopped part way (dropped, as when the process dies) keeps nothing, and
    // readers see the previous release while it runs.
    let mut import = store.begin_import(info("third"), &Actor::Cli).await.unwrap();
    import.expect_rows(600).await.unwrap();
    import.push(&batch(&rows[..600])).await.unwrap();
    assert_eq!(store.latest_release().await.unwrap().as_ref(), Some(first.release()));
    assert_eq!(store.area_latest_values("E06000001").await.unwrap().len(), 3);
    drop(import);
    assert_whole(store, first.release()).await;

    // And the next import works.
    rows.pop();
    let outcome = store.import_release(info("second"), &Actor::Cli, &[batch(&rows)]).await.unwrap();
    assert_eq!(outcome.release().row_count, 1200);
    assert_eq!(store.latest_release().await.unwrap().unwrap().name, "second");
    assert!(has_index_by_indicator(store).await);
}

/// Whether the index of values by indicator is there (an import may drop it while it loads,
/// and builds it again before committing).
async fn has_index_by_indicator(store: &Store) -> bool {
    let catalog = match store.backend() {
        store::Backend::Sqlite => "sqlite_master WHERE type = 'index' AND name = 'value_by_indicator'",
        store::Backend::Postgres => "pg_indexes WHERE indexname = 'value_by_indicator'",
    };
    store::testing::count_rows(store, catalog).await == 1
}

/// `release` is the newest, with all its rows and nothing else stored.
async fn assert_whole(store: &Store, release: &store::Release) {
    assert!(has_index_by_indicator(store).await);
    assert_eq!(store.latest_release().await.unwrap().as_ref(), Some(release));
    assert_eq!(store::testing::count_rows(store, "value").await, 7);
    assert_eq!(store::testing::count_rows(store, "area").await, 2);
    assert_eq!(store::testing::count_rows(store, "indicator").await, 2);
    assert_eq!(store::testing::count_rows(store, "audit").await, 1);
}

async fn bad_batches_are_named(store: &Store) {
    let good = batch(&first_rows());
    let without_area = good
        .project(&(0..good.num_columns()).filter(|&i| good.schema().field(i).name() != "area_code").collect::<Vec<_>>())
        .unwrap();
    let error = store.import_release(info("x"), &Actor::Cli, &[without_area]).await.unwrap_err();
    assert_eq!(error.to_string(), "the results have no column \"area_code\"");
    let error = store.import_release(info("x"), &Actor::Cli, &[]).await.unwrap_err();
    assert_eq!(error.to_string(), "the release \"x\" has no rows");
    let error = store
        .import_release(ReleaseInfo { released_on: "1 Dec".into(), ..info("x") }, &Actor::Cli, &[good])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("expected a date YYYY-MM-DD"), "{error}");
    let half_year = R { year: 2021.5, ..r("LE", "E06000001", "2021", 2021.0, 1.0) };
    let error = store.import_release(info("x"), &Actor::Cli, &[batch(&[half_year])]).await.unwrap_err();
    assert!(error.to_string().contains("row 1: the column \"time_period_sortable\" is 2021.5"), "{error}");
    assert_eq!(store.latest_release().await.unwrap(), None);
}

store::on_both_backends!(
    import_and_read,
    same_content_twice_is_a_no_op,
    newest_release_shown_and_revisions_flagged,
    failed_import_keeps_previous_release,
    bad_batches_are_named,
);
