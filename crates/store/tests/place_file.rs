//! Place files on SQLite and PostgreSQL: the example imports, exports and imports again the
//! same; a file with mistakes is refused whole, each mistake named by file, line and field.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use store::{Actor, PlaceFile, ReleaseInfo, Status, Store, StoreError};

const EXAMPLE: &str = include_str!("../../../examples/place-fairshire.toml");
const NAME: &str = "examples/place-fairshire.toml";

/// Indicator, area, sex, period.
type Key<'a> = (&'a str, &'a str, &'a str, &'a str);

/// A release holding the example's areas and indicators.
async fn release(store: &Store) {
    let indicators =
        ["le_birth", "u75_all_causes", "school_readiness", "child_poverty", "unemployment", "fuel_poverty"];
    let mut rows = Vec::new();
    for indicator in indicators {
        for area in ["E06900001", "E92000001"] {
            for (sex, year) in [("Persons", "2019"), ("Female", "2019"), ("Male", "2019"), ("Persons", "2023")] {
                rows.push((indicator, area, sex, year));
            }
        }
    }
    let text = |f: &dyn Fn(&Key<'_>) -> String| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let batch = RecordBatch::try_from_iter([
        ("indicator_id", text(&|r| r.0.to_string())),
        ("area_code", text(&|r| r.1.to_string())),
        ("sex", text(&|r| r.2.to_string())),
        ("age", text(&|_| "All ages".to_string())),
        ("time_period", text(&|r| r.3.to_string())),
        ("value", Arc::new(Float64Array::from(vec![1.0; rows.len()])) as ArrayRef),
    ])
    .unwrap();
    let info = ReleaseInfo { name: "r".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    store.import_release(info, &Actor::Cli, &[batch]).await.unwrap();
}

async fn example_imports_and_round_trips(store: &Store) {
    release(store).await;
    let file = PlaceFile::parse(NAME, EXAMPLE).unwrap();
    let slug = store.import_place_file(NAME, EXAMPLE, &file, &Actor::Cli, false).await.unwrap();
    assert_eq!(slug, "fairshire");
    let view = store.place_view("fairshire").await.unwrap().unwrap();
    assert!(view.place.fields.synthetic);
    assert_eq!(view.partners.len(), 3);
    assert_eq!(view.strategies[0].fields.themes.len(), 4);
    let statuses: Vec<_> =
        view.recommendations.iter().map(|r| (r.fields.code.as_str(), r.status, r.history.len())).collect();
    assert_eq!(statuses, [("R1", Status::InProgress, 3), ("R2", Status::Agreed, 2), ("R3", Status::Dropped, 2)]);
    assert_eq!(view.targets.len(), 3);
    assert_eq!(view.progress[0].fields.recommendations, ["R1", "R2"]);
    assert_eq!(view.evaluations.len(), 1);

    // Importing it again is refused, unless it replaces the stored place.
    let again = store.import_place_file(NAME, EXAMPLE, &file, &Actor::Cli, false).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)), "{again}");

    // Exported, read back and imported in its place, it exports the same.
    let exported = store.export_place("fairshire").await.unwrap().to_toml().unwrap();
    let reread = PlaceFile::parse("exported.toml", &exported).unwrap();
    store.import_place_file("exported.toml", &exported, &reread, &Actor::Cli, true).await.unwrap();
    assert_eq!(store.export_place("fairshire").await.unwrap().to_toml().unwrap(), exported);
    let view_again = store.place_view("fairshire").await.unwrap().unwrap();
    assert_eq!(
        view_again.recommendations.iter().map(|r| &r.history).collect::<Vec<_>>(),
        view.recommendations.iter().map(|r| &r.history).collect::<Vec<_>>()
    );
    assert_eq!(store.places().await.unwrap().len(), 1);
}

/// The line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

async fn mistakes_refuse_the_whole_file(store: &Store) {
    release(store).await;
    let bad = EXAMPLE
        .replace("indicators = [\"unemployment\"]", "indicators = [\"unemployment_rate\"]")
        .replace("area = \"E06900001\"", "area = \"E06999999\"")
        .replace("owner = \"Fairshire Community Action (synthetic)\"", "owner = \"Fairshire Action\"")
        .replace("code = \"R3\"", "code = \"R2\"")
        .replace("target_period = \"2029\"\ngoal = { change", "target_period = \"2018\"\ngoal = { change");
    let file = PlaceFile::parse("bad.toml", &bad).unwrap();
    let error = store.import_place_file("bad.toml", &bad, &file, &Actor::Cli, false).await.unwrap_err().to_string();
    let expect = [
        format!("bad.toml:{}: place.area: unknown area \"E06999999\"", line_of(&bad, "E06999999")),
        format!("bad.toml:{}: recommendation.indicators: unknown indicator \"unemployment_rate\"", line_of(&bad, "\"unemployment_rate\"")),
        format!("bad.toml:{}: recommendation.code: \"R2\" is used twice", line_of(&bad, "Warm homes") - 1),
        format!("bad.toml:{}: recommendation.owner: unknown organisation \"Fairshire Action\"", line_of(&bad, "\"Fairshire Action\"")),
        format!("bad.toml:{}: target.target_period: the target \"T3\": the field target_period \"2018\" is not after the baseline period \"2019\"", line_of(&bad, "\"2018\"")),
    ];
    for e in &expect {
        assert!(error.contains(e.as_str()), "missing {e} in\n{error}");
    }
    assert!(error.starts_with("bad.toml: the place file is refused, nothing was stored"), "{error}");
    assert_eq!(store.places().await.unwrap(), []);
    assert_eq!(store.organisations().await.unwrap(), []);

    // A field the format does not have, or a value of the wrong kind, is named with its line.
    let typo = EXAMPLE.replace("horizon = \"one-year\"", "horizn = \"one-year\"");
    let error = PlaceFile::parse("typo.toml", &typo).unwrap_err().to_string();
    assert!(error.contains(&format!("typo.toml:{}: unknown field `horizn`", line_of(&typo, "horizn"))), "{error}");
    let status = EXAMPLE.replace("status = \"dropped\"", "status = \"abandoned\"");
    let error = PlaceFile::parse("status.toml", &status).unwrap_err().to_string();
    assert!(
        error.contains(&format!("status.toml:{}: unknown variant `abandoned`", line_of(&status, "abandoned"))),
        "{error}"
    );
    let date = EXAMPLE.replace("commissioned = 2023-01-16", "commissioned = 2023-01-16T10:00:00");
    let file = PlaceFile::parse("date.toml", &date).unwrap();
    let error = store.import_place_file("date.toml", &date, &file, &Actor::Cli, false).await.unwrap_err().to_string();
    let expect =
        format!("date.toml:{}: place.commissioned: 2023-01-16T10:00:00: expected a date", line_of(&date, "T10:00"));
    assert!(error.contains(&expect), "{error}");
}

/// The economic case's figures: stored from the file, read back, exported; refused when not a
/// value.
async fn economics_are_stored_and_exported(store: &Store) {
    release(store).await;
    let file = PlaceFile::parse(NAME, EXAMPLE).unwrap();
    store.import_place_file(NAME, EXAMPLE, &file, &Actor::Cli, false).await.unwrap();
    let id = store.place_view("fairshire").await.unwrap().unwrap().place.id;
    let stored = store.place_economics(id).await.unwrap().expect("the figures");
    assert_eq!((stored.value_per_life_year, stored.currency.as_str(), stored.price_year), (70000.0, "GBP", Some(2021)));
    assert!(stored.source.starts_with("HM Treasury, The Green Book (2022)"));
    assert_eq!(store.export_place("fairshire").await.unwrap().economics, Some(stored));
    let bad = EXAMPLE.replace("value_per_life_year = 70000", "value_per_life_year = 0");
    let file = PlaceFile::parse(NAME, &bad).unwrap();
    let e = store.import_place_file(NAME, &bad, &file, &Actor::Cli, true).await.unwrap_err().to_string();
    assert!(e.contains("economics") && e.contains("value_per_life_year"), "{e}");
    // Without [economics], none.
    let none = &EXAMPLE[..EXAMPLE.find("\n# The figure the economic case").unwrap()];
    let file = PlaceFile::parse(NAME, none).unwrap();
    store.import_place_file(NAME, none, &file, &Actor::Cli, true).await.unwrap();
    let id = store.place_view("fairshire").await.unwrap().unwrap().place.id;
    assert_eq!(store.place_economics(id).await.unwrap(), None);
}

store::on_both_backends!(
    example_imports_and_round_trips,
    mistakes_refuse_the_whole_file,
    economics_are_stored_and_exported
);
