//! The area profile's benchmark: England, region, parent and peer group (areas of the same type
//! in the same decile of deprivation), on a small release worked by hand; an unknown benchmark
//! is a 400.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use http_body_util::BodyExt;
use store::{Actor, ReleaseInfo, Store};
use tower::ServiceExt;
use web::{app, AppState};

/// One row: indicator, area, sex, age, decile label, value, limits, count, denominator.
#[derive(Clone, Default)]
struct Row {
    indicator: &'static str,
    area: String,
    age: &'static str,
    decile: Option<&'static str>,
    value: Option<f64>,
    limits: Option<(f64, f64)>,
    count: Option<f64>,
    denominator: Option<f64>,
}

/// The indicators: id, name, measure, polarity.
const INDICATORS: [(&str, &str, &str, &str); 3] = [
    ("pop", "Population", "count", "no judgement"),
    ("smoking", "Smoking prevalence", "proportion", "lower is better"),
    ("le", "Life expectancy at birth", "life_expectancy", "higher is better"),
];

/// An area's type, name and parent.
fn area(code: &str) -> (&'static str, String, Option<&'static str>) {
    match code {
        "E92000001" => ("England", "England".into(), None),
        "R1" => ("Region", "Region One".into(), Some("E92000001")),
        "R2" => ("Region", "Region Two".into(), Some("E92000001")),
        "C1" => ("County", "County One".into(), Some("R1")),
        "C2" => ("County", "County Two".into(), Some("R2")),
        "PG1" => ("Peer group", "Nearest neighbours".into(), None),
        l => {
            let k: u32 = l[1..].parse().unwrap();
            ("Local authority", format!("District {k}"), Some(if k <= 10 { "C1" } else { "C2" }))
        }
    }
}

/// Twenty local authorities L01…L20 in two counties (C1: L01–L10, C2: L11–L20), each county in
/// a region, and England.
///
/// Deprivation (the basis, `pop`: Persons, All ages, by national decile): local authority k
/// has 10·(21 − k) people in the most deprived decile and 10·k in the least, so a score of
/// 1 + 9k/21, rising with k: the deciles among the twenty go two by two, L05 and L06 in
/// decile 3, and they are L05's peer group.
///
/// Smoking (a percentage, lower is better): L05 30 of 200 = 15.0% (14.0 to 15.5), L06 50 of
/// 300; the peer group pooled: 80 / 500 = 16.0%, Wilson's 95% limits 13.0476… to 19.4708…
/// (p = 0.16, n = 500, z = 1.95996: (p + z²/2n ∓ z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)). L05's
/// interval lies below 16.0: better than its peers. Every other authority 20.0%.
/// Life expectancy (not poolable from counts): L05 80.0, L06 82.0: the peers' median 81.0,
/// their range 80.0 to 82.0. L05 (79.5 to 80.5) is worse than 81.0.
/// England: smoking 14.0, LE 79.0; R1 17.0, 81.5; C1 15.2, 80.2.
fn rows() -> Vec<Row> {
    let mut out = Vec::new();
    for k in 1..=20u32 {
        let code = format!("L{k:02}");
        for (label, n) in [
            ("Most deprived decile (IMD)", 10.0 * f64::from(21 - k)),
            ("Least deprived decile (IMD)", 10.0 * f64::from(k)),
        ] {
            out.push(Row {
                indicator: "pop",
                area: code.clone(),
                age: "All ages",
                decile: Some(label),
                value: Some(n),
                denominator: Some(n),
                ..Row::default()
            });
        }
        let (smoking, count, denominator, limits) = match k {
            5 => (15.0, 30.0, 200.0, (14.0, 15.5)),
            6 => (50.0 / 3.0, 50.0, 300.0, (13.0, 20.5)),
            _ => (20.0, 40.0, 200.0, (15.0, 25.0)),
        };
        out.push(Row {
            indicator: "smoking",
            area: code.clone(),
            value: Some(smoking),
            limits: Some(limits),
            count: Some(count),
            denominator: Some(denominator),
            ..Row::default()
        });
        let le = match k {
            5 => 80.0,
            6 => 82.0,
            _ => 81.0 + f64::from(k) / 100.0,
        };
        out.push(Row {
            indicator: "le",
            area: code,
            value: Some(le),
            limits: Some((le - 0.5, le + 0.5)),
            ..Row::default()
        });
    }
    for (code, smoking, le) in
        [("E92000001", 14.0, 79.0), ("R1", 17.0, 81.5), ("R2", 18.0, 81.0), ("C1", 15.2, 80.2), ("PG1", 19.0, 80.6)]
    {
        out.push(Row {
            indicator: "smoking",
            area: code.into(),
            value: Some(smoking),
            limits: Some((smoking - 0.1, smoking + 0.1)),
            count: Some(smoking * 100.0),
            denominator: Some(10_000.0),
            ..Row::default()
        });
        // The named group PG1 has no life expectancy of its own (as `compute` gives a group's
        // rows only for indicators benchmarked against peer groups).
        if code != "PG1" {
            out.push(Row {
                indicator: "le",
                area: code.into(),
                value: Some(le),
                limits: Some((le - 0.1, le + 0.1)),
                ..Row::default()
            });
        }
    }
    out
}

fn batch(rows: &[Row]) -> RecordBatch {
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let number = |f: &dyn Fn(&Row) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let ind = |r: &Row| INDICATORS.iter().find(|i| i.0 == r.indicator).copied().unwrap();
    RecordBatch::try_from_iter([
        ("indicator_id", text(&|r| Some(r.indicator.into()))),
        ("indicator_name", text(&|r| Some(ind(r).1.into()))),
        ("measure", text(&|r| Some(ind(r).2.into()))),
        ("polarity", text(&|r| Some(ind(r).3.into()))),
        ("area_code", text(&|r| Some(r.area.clone()))),
        ("area_name", text(&|r| Some(area(&r.area).1))),
        ("area_type", text(&|r| Some(area(&r.area).0.into()))),
        ("parent_code", text(&|r| area(&r.area).2.map(str::to_string))),
        ("parent_name", text(&|r| area(&r.area).2.map(|p| area(p).1))),
        ("sex", text(&|_| Some("Persons".into()))),
        ("age", text(&|r| Some(if r.age.is_empty() { "All ages" } else { r.age }.into()))),
        ("category_type", text(&|r| r.decile.map(|_| "LSOA deprivation deciles (national)".into()))),
        ("category", text(&|r| r.decile.map(str::to_string))),
        ("time_period", text(&|_| Some("2023".into()))),
        ("time_period_sortable", number(&|_| Some(2023.0))),
        ("value", number(&|r| r.value)),
        ("lower_95", number(&|r| r.limits.map(|l| l.0))),
        ("upper_95", number(&|r| r.limits.map(|l| l.1))),
        ("count", number(&|r| r.count)),
        ("denominator", number(&|r| r.denominator)),
    ])
    .unwrap()
}

async fn seeded() -> store::testing::TestDatabase {
    let db = store::testing::sqlite().await;
    let info = ReleaseInfo { name: "peers".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    let mut import = db.store.begin_import(info, &Actor::Cli).await.unwrap();
    // A catalogue's named peer group (as CIPFA's nearest neighbours): L11 and L12, whose
    // pooled values are the group's own rows (PG1).
    import.describe_peer_groups([("PG1".to_string(), vec!["L11".to_string(), "L12".to_string()])]);
    import.push(&batch(&rows())).await.unwrap();
    import.finish().await.unwrap();
    db
}

async fn get(store: &Store, path: &str) -> (StatusCode, String) {
    let response =
        app(AppState::new(store.clone())).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The table row of the page (from its `<tr>` to `</tr>`) whose header names `indicator`.
fn table_row<'a>(page: &'a str, indicator: &str) -> &'a str {
    let at = page.find(&format!(">{indicator}</a>")).unwrap_or_else(|| panic!("no row {indicator}"));
    let start = page[..at].rfind("<tr>").unwrap();
    let end = page[at..].find("</tr>").unwrap() + at;
    &page[start..end]
}

/// The `data-value`s of a piece of a page, in order.
fn data_values(piece: &str) -> Vec<f64> {
    piece.split("data-value=\"").skip(1).map(|v| v[..v.find('"').unwrap()].parse().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_peer_group_benchmark_is_worked_by_hand() {
    let db = seeded().await;
    let (status, body) = get(&db.store, "/areas/L05?benchmark=peers").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Peer group: local authorities in deprivation decile 3 (2 areas)"), "{body}");
    assert!(body.contains("District 5, District 6"), "the members are named");
    assert!(body.contains(r#"<option value="peers" selected>"#), "the choice is shown selected");
    assert!(body.contains("Compared with Peer group (95%)"));
    // Smoking: count, value, limits, then the peers' pooled 80 / 500 = 16.0%: better.
    let smoking = table_row(&body, "Smoking prevalence");
    assert_eq!(data_values(smoking)[..5], [30.0, 15.0, 14.0, 15.5, 16.0]);
    assert!(smoking.contains("Better"), "{smoking}");
    // Life expectancy: the peers' median 81.0; 79.5 to 80.5 lies below it: worse.
    let le = table_row(&body, "Life expectancy at birth");
    assert_eq!(data_values(le)[..4], [80.0, 79.5, 80.5, 81.0]);
    assert!(le.contains("Worse"), "{le}");

    // The download names the benchmark, its value, limits and rule on every row.
    let (status, csv) = get(&db.store, "/areas/L05/profile.csv?benchmark=peers").await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<Vec<String>> = csv.lines().map(split_csv).collect();
    assert_eq!(
        lines[0][12..16],
        ["Benchmark", "Benchmark value", "Benchmark lower CI limit", "Benchmark upper CI limit"]
    );
    let smoking = lines.iter().find(|l| l[2] == "smoking").unwrap();
    assert_eq!(smoking[12], "Peer group: local authorities in deprivation decile 3 (2 areas)");
    let n = |i: usize| smoking[i].parse::<f64>().unwrap();
    assert!((n(13) - 16.0).abs() < 1e-12);
    assert!((n(14) - 13.047637235016406).abs() < 1e-9, "{}", n(14));
    assert!((n(15) - 19.470817916369146).abs() < 1e-9, "{}", n(15));
    assert!(smoking[16].contains("pooled") && smoking[16].contains("Wilson") && smoking[16].contains("2 members"));
    assert_eq!(smoking[17], "Better");
    let le = lines.iter().find(|l| l[2] == "le").unwrap();
    assert_eq!(le[13..16], ["81", "80", "82"]);
    assert!(le[16].contains("median"), "{le:?}");
    assert_eq!(le[17], "Worse");
    // At 99.8%: Wilson's 99.8% limits of 80 / 500.
    let (_, csv) = get(&db.store, "/areas/L05/profile.csv?benchmark=peers&level=99.8").await;
    let smoking = csv.lines().map(split_csv).find(|l| l[2] == "smoking").unwrap();
    assert!((smoking[14].parse::<f64>().unwrap() - 11.578136861252682).abs() < 1e-9);
    assert!((smoking[15].parse::<f64>().unwrap() - 21.696260194401255).abs() < 1e-9);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_benchmark_and_an_unknown_one() {
    let db = seeded().await;
    // England (the default and by name): the results' own comparison, England's value 14.0.
    for path in ["/areas/L05", "/areas/L05?benchmark=england", "/areas/L05?benchmark="] {
        let (status, body) = get(&db.store, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains("Compared with England (95%)"), "{path}");
        assert_eq!(data_values(table_row(&body, "Smoking prevalence"))[4], 14.0, "{path}");
    }
    // The region is the parent's parent; the parent is the county.
    let (status, body) = get(&db.store, "/areas/L05?benchmark=region").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Compared with Region One (95%)") && body.contains(r#"<option value="region" selected>"#));
    let smoking = table_row(&body, "Smoking prevalence");
    assert_eq!(data_values(smoking)[4], 17.0);
    assert!(smoking.contains("Better"));
    let (status, body) = get(&db.store, "/areas/L05?benchmark=parent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Compared with County One (95%)"));
    let smoking = table_row(&body, "Smoking prevalence");
    // 14.0 to 15.5 holds 15.2: similar.
    assert_eq!(data_values(smoking)[4], 15.2);
    assert!(smoking.contains("Similar"));
    // Each choice in the page's form (a GET form with a submit button: no script needed).
    for choice in ["england", "region", "parent", "peers"] {
        assert!(body.contains(&format!(r#"<option value="{choice}""#)), "{choice}");
    }
    // An area without the one asked for is compared with England, and the page says why.
    let (status, body) = get(&db.store, "/areas/E92000001?benchmark=peers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("England has no peer group in this release"), "{body}");
    let (status, body) = get(&db.store, "/areas/R1?benchmark=region").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Region One is in no region: compared with England."));
    // An unknown benchmark: 400, saying what is expected.
    for path in [
        "/areas/L05?benchmark=cipfa",
        "/areas/L05/profile.csv?benchmark=Peers",
        "/charts/spine.svg?area=L05&benchmark=x",
    ] {
        let (status, body) = get(&db.store, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert!(body.contains("expected england, region, parent or peers"), "{path}: {body}");
    }
    // The spine chart of the peer view as a standalone SVG.
    let (status, svg) = get(&db.store, "/charts/spine.svg?area=L05&benchmark=peers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(svg.contains("against Peer group: local authorities in deprivation decile 3"), "{svg}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_peer_group_is_the_benchmark_of_its_members() {
    let db = seeded().await;
    let (status, body) = get(&db.store, "/areas/L11?benchmark=peers").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#"<option value="peers" selected>Peer group: Nearest neighbours</option>"#), "{body}");
    assert!(body.contains("Compared with Peer group: Nearest neighbours (95%)"));
    assert!(body.contains("(District 11, District 12)"), "the members are named");
    // The group's own row: smoking 19.0 (L11's 15 to 25 holds it: similar).
    let smoking = table_row(&body, "Smoking prevalence");
    assert_eq!(data_values(smoking)[4], 19.0);
    assert!(smoking.contains("Similar"), "{smoking}");
    // No row of its own for life expectancy: its members' median, (81.11 + 81.12) / 2 = 81.115,
    // within L11's 80.61 to 81.61: similar.
    let le = table_row(&body, "Life expectancy at birth");
    assert!((data_values(le)[3] - 81.115).abs() < 1e-9, "{le}");
    assert!(le.contains("Similar"), "{le}");
    // An area in no named group keeps its group by deprivation.
    let (_, body) = get(&db.store, "/areas/L13?benchmark=peers").await;
    assert!(body.contains("Peer group: local authorities in deprivation decile 7 (2 areas)"), "{body}");
}

/// The fields of a CSV line (quoted fields unquoted).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}
