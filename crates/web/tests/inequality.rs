//! The inequalities tab of life expectancy: the gap between the most and least deprived
//! deciles by age and cause (computed by `fairer compute` on a small world worked by hand,
//! imported, and read off the page).

use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::compute::catalogue::{Catalogue, BAND_START_AGES};
use engine::compute::{compute, ComputeOptions, DataDirectory, MemorySink, NoProgress};
use http_body_util::BodyExt;
use store::{Actor, ReleaseInfo, Store};
use tower::ServiceExt;
use web::{app, AppState};

const CATALOGUE: &str = r#"
[catalogue]
name = "test"

[[framework]]
id = "marmot"
name = "Marmot principles"
domain = [{ id = "ill_health_prevention", name = "Strengthen the role and impact of ill health prevention" }]

[geography]
table = "areas"
small_area = { type = "LSOA", code = "lsoa", name = "lsoa_name" }
deprivation_decile = "decile"
level = [
  { type = "Local authority", code = "la", name = "la_name" },
  { type = "England", code = "eng", name = "eng_name" },
]

[tables.population]
area = "lsoa"
sex = "sex"
start_age = "start_age"

[tables.deaths]
area = "lsoa"
sex = "sex"
start_age = "start_age"

[[indicator]]
id = "le_birth"
name = "Life expectancy at birth"
framework = "marmot"
domain = "ill_health_prevention"
measure = "life_expectancy"
polarity = "higher is better"
period = "rolling_3_year"
sexes = ["Male"]
breakdowns = ["deprivation_decile"]
numerator = { table = "deaths", value = "deaths" }
denominator = { table = "population", value = "population" }
gap_causes = { column = "cause", causes = ["cardiovascular", "cancer"] }
"#;

/// One authority (E06000001) of two small areas in deciles 1 and 10 of England (E92000001):
/// 1,000 men a year in every band of each; deaths of other causes 2 a year in each band (200 at
/// 90+); at 70-74 the most deprived has 50 cardiovascular and 30 cancer deaths a year, the
/// least deprived 20 and 20. Over 2018-20: deaths of the band 3·82 and 3·42.
fn world(dir: &std::path::Path) {
    std::fs::write(
        dir.join("areas.csv"),
        "lsoa,lsoa_name,la,la_name,eng,eng_name,decile\nA,a,E06000001,Hartlepool,E92000001,England,1\nB,b,E06000001,Hartlepool,E92000001,England,10\n",
    )
    .unwrap();
    let mut pop = String::from("lsoa,year,sex,start_age,population\n");
    let mut deaths = String::from("lsoa,year,sex,start_age,cause,deaths\n");
    for year in 2018..=2020 {
        for (area, (cvd, cancer)) in [("A", (50, 30)), ("B", (20, 20))] {
            for (b, &start) in BAND_START_AGES.iter().enumerate() {
                writeln!(pop, "{area},{year},Male,{start},1000").unwrap();
                writeln!(deaths, "{area},{year},Male,{start},other,{}", if b == 19 { 200 } else { 2 }).unwrap();
                if start == 70 {
                    writeln!(deaths, "{area},{year},Male,{start},cardiovascular,{cvd}").unwrap();
                    writeln!(deaths, "{area},{year},Male,{start},cancer,{cancer}").unwrap();
                }
            }
        }
    }
    std::fs::write(dir.join("population.csv"), pop).unwrap();
    std::fs::write(dir.join("deaths.csv"), deaths).unwrap();
}

/// Life expectancy at birth of 3,000 person-years in each band with deaths 6 a band, 600 at
/// 90+ and `at_70` at 70-74, by the published method (PHE's abridged life table).
fn life_expectancy(at_70: f64) -> f64 {
    let start: Vec<f64> = BAND_START_AGES.iter().map(|&a| f64::from(a)).collect();
    let deaths: Vec<f64> = BAND_START_AGES
        .iter()
        .map(|&a| {
            if a == 90 {
                600.0
            } else if a == 70 {
                at_70
            } else {
                6.0
            }
        })
        .collect();
    let population = vec![3000.0; 20];
    let le =
        stats::life_expectancy::life_expectancy(&start, &deaths, &population, &[stats::ConfidenceLevel::C95]).unwrap();
    le[0].estimate.value.unwrap()
}

async fn get(store: &Store, path: &str) -> (StatusCode, String) {
    let response =
        app(AppState::new(store.clone())).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The cells of the row of the table whose header is `header`.
fn row_cells(section: &str, header: &str) -> Vec<String> {
    let at = section.find(&format!(">{header}</th>")).unwrap_or_else(|| panic!("no row {header}"));
    let end = section[at..].find("</tr>").unwrap() + at;
    section[at..end]
        .split("<td")
        .skip(1)
        .map(|c| {
            let text = &c[c.find('>').unwrap() + 1..];
            text[..text.find("</td>").unwrap()].trim().to_string()
        })
        .collect()
}

#[tokio::test]
async fn the_life_expectancy_gap_by_age_and_cause_is_the_hand_worked_one() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    let catalogue = Catalogue::parse(CATALOGUE, "test.toml").unwrap();
    let mut sink = MemorySink::new();
    compute(&catalogue, &DataDirectory::new(dir.path()), &mut sink, &ComputeOptions::default(), &NoProgress).unwrap();
    let db = store::testing::sqlite().await;
    let info = ReleaseInfo { name: "gap".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &sink.batches).await.unwrap();

    let (status, page) = get(&db.store, "/indicators/le_birth/inequalities?area=E06000001&sex=Male").await;
    assert_eq!(status, StatusCode::OK);
    let at = page.find("id=\"decomposition\"").expect("a decomposition section");
    let section = &page[at..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];
    // Only 70-74 differs: the whole gap is there (Arriaga: bands of equal rates add nothing),
    // shared by the causes' differences in rates, 30 : 10 : 0.
    let gap = life_expectancy(3.0 * 42.0) - life_expectancy(3.0 * 82.0);
    assert!(gap > 1.0, "{gap}");
    let years = |v: f64| format!("{v:.2}");
    assert_eq!(
        row_cells(section, "70-74"),
        [years(0.75 * gap), years(0.25 * gap), "0.00".to_string(), years(gap)],
        "cardiovascular, cancer, other causes, all causes"
    );
    assert_eq!(row_cells(section, "50-54"), ["0.00", "0.00", "0.00", "0.00"]);
    // One mark per age band, as many as the table's rows.
    let svg = &section[section.find("<svg").unwrap()..section.find("</svg>").unwrap()];
    assert_eq!(svg.matches("data-mark=").count(), 20);
    let body = &section[section.find("<tbody>").unwrap()..section.find("</tbody>").unwrap()];
    assert_eq!(body.matches("<tr>").count(), 20);
    assert!(section.contains(&format!("{} years in all", years(gap))), "the total is said");
    // The chart downloads as a standalone SVG, and the rows as CSV.
    let (status, svg) = get(&db.store, "/charts/decomposition.svg?indicator=le_birth&area=E06000001&sex=Male").await;
    assert_eq!(status, StatusCode::OK);
    assert!(svg.starts_with("<svg xmlns") && svg.matches("data-mark=").count() == 20);
    let (status, csv) =
        get(&db.store, "/api/v1/values.csv?indicator=le_birth&area=E06000001&sex=Male&breakdown=categories").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("70-74 | cardiovascular"), "{}", &csv[..csv.len().min(400)]);
    // Without a decomposition (England has no deciles here: its deciles are the same two
    // small areas, so it has one too; an indicator without gap_causes has none).
    let (_, england) = get(&db.store, "/indicators/le_birth/inequalities?sex=Male").await;
    assert!(england.contains("id=\"decomposition\""));
}

/// Three authorities whose SII goes −10, −8.5 and then −7, −13 or −9 in 2017, 2020 and 2023,
/// each with 95% limits ±1.96 (σ = 1): the weighted slope of the gap on time is 0.5, −0.5 and
/// 1/6 a year, its standard error √(3/54) = 0.236, its 95% interval 0.04 to 0.96 (towards zero:
/// narrowing), −0.96 to −0.04 (away: widening) and −0.30 to 0.63 (no significant change).
fn gaps() -> engine::arrow::array::RecordBatch {
    use engine::arrow::array::{ArrayRef, Float64Array, StringArray};
    let areas = [("E06000001", -7.0), ("E06000002", -13.0), ("E06000003", -9.0)];
    let mut rows = Vec::new();
    for (code, last) in areas {
        for (period, year, sii) in
            [("2015 - 17", 2017.0, -10.0), ("2018 - 20", 2020.0, -8.5), ("2021 - 23", 2023.0, last)]
        {
            rows.push((code, period, year, sii));
        }
    }
    let text = |f: &dyn Fn(usize) -> String| -> ArrayRef {
        std::sync::Arc::new(StringArray::from((0..rows.len()).map(|i| Some(f(i))).collect::<Vec<_>>()))
    };
    let number = |f: &dyn Fn(usize) -> f64| -> ArrayRef {
        std::sync::Arc::new(Float64Array::from((0..rows.len()).map(|i| Some(f(i))).collect::<Vec<_>>()))
    };
    engine::arrow::array::RecordBatch::try_from_iter([
        ("indicator_id", text(&|_| "le_birth".into())),
        ("indicator_name", text(&|_| "Life expectancy at birth".into())),
        ("area_code", text(&|i| rows[i].0.into())),
        ("area_name", text(&|i| rows[i].0.into())),
        ("area_type", text(&|_| "Local authority".into())),
        ("sex", text(&|_| "Male".into())),
        ("age", text(&|_| "All ages".into())),
        ("time_period", text(&|i| rows[i].1.into())),
        ("time_period_sortable", number(&|i| rows[i].2)),
        ("value", number(&|_| 79.0)),
        ("sii", number(&|i| rows[i].3)),
        ("sii_lower_95", number(&|i| rows[i].3 - 1.959963984540054)),
        ("sii_upper_95", number(&|i| rows[i].3 + 1.959963984540054)),
    ])
    .unwrap()
}

#[tokio::test]
async fn the_tab_says_whether_the_gap_narrows() {
    let db = store::testing::sqlite().await;
    let info = ReleaseInfo { name: "gaps".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[gaps()]).await.unwrap();
    for (area, says) in [("E06000001", "narrowing"), ("E06000002", "widening"), ("E06000003", "no significant change")]
    {
        let (status, page) = get(&db.store, &format!("/indicators/le_birth/inequalities?area={area}&sex=Male")).await;
        assert_eq!(status, StatusCode::OK);
        let expected = format!("Whether the gap narrows over the 3 periods from 2015 - 17 to 2021 - 23: {says} (");
        assert!(page.contains(&expected), "{area}: {}", &page[page.find("gap over time").unwrap_or(0)..][..600]);
    }
}
