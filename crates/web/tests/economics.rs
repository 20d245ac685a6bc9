//! The economic case on the place page and in the place report: the years of life lost to the
//! deprivation gradient valued at the place's stated figure, beside the national cost of health
//! inequalities; worked by hand.

mod fixture;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use engine::compute::decomposition::YLL_CATEGORY_TYPE;
use http_body_util::BodyExt;
use store::{Actor, PlaceFile, ReleaseInfo};
use tower::ServiceExt;
use web::{app, AppState};

/// Years of life lost by band for Halham's men, 2019 - 21: at 70-74 12.5 excess deaths of 15
/// years each (187.5), at 80-84 10 of 8 (80), elsewhere none; and an older period that must
/// not be shown.
fn lost() -> RecordBatch {
    let rows: [(&str, &str, f64, f64, f64); 4] = [
        ("70-74", "2019 - 21", 2021.0, 187.5, 12.5),
        ("80-84", "2019 - 21", 2021.0, 80.0, 10.0),
        ("50-54", "2019 - 21", 2021.0, 0.0, 0.0),
        ("70-74", "2018 - 20", 2020.0, 999.0, 99.0),
    ];
    let text = |f: &dyn Fn(usize) -> String| -> ArrayRef {
        Arc::new(StringArray::from((0..rows.len()).map(|i| Some(f(i))).collect::<Vec<_>>()))
    };
    let number = |f: &dyn Fn(usize) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from((0..rows.len()).map(|i| Some(f(i))).collect::<Vec<_>>()))
    };
    RecordBatch::try_from_iter([
        ("indicator_id", text(&|_| "le_birth".into())),
        ("indicator_name", text(&|_| "Life expectancy at birth".into())),
        ("area_code", text(&|_| fixture::AREA.into())),
        ("area_name", text(&|_| "Halham (synthetic)".into())),
        ("area_type", text(&|_| "Local authority".into())),
        ("sex", text(&|_| "Male".into())),
        ("age", text(&|_| "All ages".into())),
        ("category_type", text(&|_| YLL_CATEGORY_TYPE.into())),
        ("category", text(&|i| rows[i].0.into())),
        ("time_period", text(&|i| rows[i].1.into())),
        ("time_period_sortable", number(&|i| rows[i].2)),
        ("value", number(&|i| rows[i].3)),
        ("count", number(&|i| rows[i].4)),
    ])
    .unwrap()
}

const ECONOMICS: &str = "\n[economics]\nvalue_per_life_year = 70000\nprice_year = 2021\nsource = \"HM Treasury, The Green Book (2022): £70,000 per QALY\"\n";

async fn get(state: &AppState, path: &str) -> String {
    let r = app(state.clone()).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

fn economic_section(page: &str) -> &str {
    let at = page.find("<section aria-labelledby=\"economic-case\">").expect("an economic case");
    &page[at..at + page[at..].find("</section>").unwrap()]
}

#[tokio::test(flavor = "multi_thread")]
async fn years_of_life_lost_are_valued_at_the_places_figure_beside_the_national_cost() {
    let db = store::testing::sqlite().await;
    let info = ReleaseInfo { name: "test release".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[fixture::batch(&fixture::rows()), lost()]).await.unwrap();
    let text = format!("{}{ECONOMICS}", fixture::HALHAM);
    let file = PlaceFile::parse("halham.toml", &text).unwrap();
    db.store.import_place_file("halham.toml", &text, &file, &Actor::Cli, false).await.unwrap();
    let state = AppState::new(db.store.clone());
    for path in ["/places/halham", "/places/halham/report"] {
        let page = get(&state, path).await;
        let case = economic_section(&page);
        // 12.5 + 10 excess deaths; 187.5 + 80 = 267.5 years; at £70,000: £18,725,000.
        let row = "<th scope=\"row\">Life expectancy at birth</th><td>Male</td><td>2019 - 21</td>\
            <td class=\"num\" data-value=\"22.5\">22.5</td><td class=\"num\" data-value=\"267.5\">267.5</td>\
            <td class=\"num\" data-value=\"18725000\">£18,725,000</td>";
        assert!(case.contains(row), "{path}: {case}");
        assert!(!case.contains("2018 - 20"), "{path}: only the newest period");
        assert!(case.contains("Valued at £70,000 per year of life (2021 prices): HM Treasury, The Green Book (2022)"));
        assert!(case.contains("1.3 to 2.5 million years of life") && case.contains("Fair Society, Healthy Lives"));
    }
    // The place file exports its figures again.
    let place = db.store.place_view("halham").await.unwrap().unwrap().place;
    assert_eq!(db.store.place_economics(place.id).await.unwrap().map(|e| e.value_per_life_year), Some(70000.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_stated_figure_the_years_are_not_valued() {
    let db = store::testing::sqlite().await;
    let info = ReleaseInfo { name: "test release".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[fixture::batch(&fixture::rows()), lost()]).await.unwrap();
    let file = PlaceFile::parse("halham.toml", fixture::HALHAM).unwrap();
    db.store.import_place_file("halham.toml", fixture::HALHAM, &file, &Actor::Cli, false).await.unwrap();
    let page = get(&AppState::new(db.store.clone()), "/places/halham").await;
    let case = economic_section(&page);
    assert!(case.contains("data-value=\"267.5\">267.5</td><td class=\"num\" data-value=\"\">–</td>"), "{case}");
    assert!(case.contains("states no value of a year of life"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_figure_that_is_not_a_value_is_refused_with_its_field() {
    let db = fixture::halham().await;
    let text = format!("{}{}", fixture::HALHAM, ECONOMICS.replace("70000", "-5"))
        .replace("slug = \"halham\"", "slug = \"halham-2\"");
    let file = PlaceFile::parse("halham.toml", &text).unwrap();
    let e = db.store.import_place_file("halham.toml", &text, &file, &Actor::Cli, false).await.unwrap_err().to_string();
    assert!(e.contains("economics") && e.contains("value_per_life_year"), "{e}");
}
