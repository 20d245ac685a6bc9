//! Each area's deprivation derived at import (the area profile's peer groups), worked by hand,
//! on SQLite and PostgreSQL.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use store::{Actor, ImportOutcome, ReleaseInfo, Store};

/// indicator, area, area type, sex, age, decile label, period, denominator.
type Row = (&'static str, String, &'static str, &'static str, &'static str, Option<String>, &'static str, f64);

fn batch(rows: &[Row]) -> RecordBatch {
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let number = |f: &dyn Fn(&Row) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_from_iter([
        ("indicator_id", text(&|r| Some(r.0.to_string()))),
        ("area_code", text(&|r| Some(r.1.clone()))),
        ("area_name", text(&|r| Some(format!("Area {}", r.1)))),
        ("area_type", text(&|r| Some(r.2.to_string()))),
        ("sex", text(&|r| Some(r.3.to_string()))),
        ("age", text(&|r| Some(r.4.to_string()))),
        ("category_type", text(&|r| r.5.as_ref().map(|_| "LSOA deprivation deciles (national)".to_string()))),
        ("category", text(&|r| r.5.clone())),
        ("time_period", text(&|r| Some(r.6.to_string()))),
        ("time_period_sortable", number(&|r| r.6.parse().ok())),
        ("value", number(&|_| Some(1.0))),
        ("denominator", number(&|r| Some(r.7))),
    ])
    .unwrap()
}

fn info(name: &str) -> ReleaseInfo {
    ReleaseInfo { name: name.into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() }
}

const MOST: &str = "Most deprived decile (IMD)";
const LEAST: &str = "Least deprived decile (IMD)";

/// Twenty local authorities L01…L20 in two regions, and England. Local authority k has
/// 10·(21 − k) people in the most deprived decile and 10·k in the least of the basis
/// population (`pop`, Persons, All ages, 2021), so its score is
/// (1·10(21 − k) + 10·10k) / 210 = 1 + 9k/21 (L07: 4.0), rising with k: L01 and L02 are the
/// most deprived tenth of the twenty, L19 and L20 the least. England: 2,100 people in each,
/// (2,100 + 21,000) / 4,200 = 5.5. Region R1 (L01…L10): 10·(20 + … + 11) = 1,550 and
/// 10·(1 + … + 10) = 550: (1,550 + 5,500) / 2,100.
fn rows() -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    let mut area = |code: String, kind: &'static str, most: f64, least: f64| {
        // The basis: its latest period (2021), though 2020 counts more people.
        for (label, n) in [(MOST, most), (LEAST, least)] {
            out.push(("pop", code.clone(), kind, "Persons", "All ages", Some(label.into()), "2021", n));
            out.push(("pop", code.clone(), kind, "Persons", "All ages", Some(label.into()), "2020", 3.0 * n));
            // Not the basis: another sex, and an indicator of fewer people.
            out.push(("pop", code.clone(), kind, "Male", "All ages", Some(label.into()), "2021", 1e6));
            out.push(("u75", code.clone(), kind, "Persons", "<75 yrs", Some(label.into()), "2021", n / 2.0));
        }
        out.push(("pop", code.clone(), kind, "Persons", "All ages", None, "2021", most + least));
    };
    for k in 1..=20 {
        area(format!("L{k:02}"), "Local authority", 10.0 * f64::from(21 - k), 10.0 * f64::from(k));
    }
    area("R1".into(), "Region", 1_550.0, 550.0);
    area("E92000001".into(), "England", 2_100.0, 2_100.0);
    out
}

async fn deprivation_is_derived_at_import(store: &Store) {
    let ImportOutcome::Imported(release) =
        store.import_release(info("with deciles"), &Actor::Cli, &[batch(&rows())]).await.unwrap()
    else {
        panic!("a new release")
    };
    let got = store.area_deprivation(release.id).await.unwrap();
    assert_eq!(got.len(), 22);
    let of = |code: &str| got.iter().find(|d| d.code == code).unwrap().clone();
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    close(of("L07").score, 4.0);
    for k in 1..=20 {
        close(of(&format!("L{k:02}")).score, 1.0 + 9.0 * f64::from(k) / 21.0);
        // Two to a decile, the lowest scores (most deprived) first.
        assert_eq!(of(&format!("L{k:02}")).decile, Some(i64::from(k + 1) / 2), "L{k:02}");
    }
    assert_eq!(of("L07").area_type, "Local authority");
    close(of("E92000001").score, 5.5);
    close(of("R1").score, 7_050.0 / 2_100.0);
    // Alone of their type: no decile.
    assert_eq!((of("E92000001").decile, of("R1").decile), (None, None));
    let basis = &of("L07").basis;
    assert!(basis.contains("pop (Persons, All ages, 2021)"), "{basis}");

    // A release without national decile rows has no deprivation; the first keeps its own.
    let plain: Vec<Row> = rows().into_iter().filter(|r| r.5.is_none()).collect();
    let ImportOutcome::Imported(second) =
        store.import_release(info("without deciles"), &Actor::Cli, &[batch(&plain)]).await.unwrap()
    else {
        panic!("a new release")
    };
    assert!(store.area_deprivation(second.id).await.unwrap().is_empty());
    assert_eq!(store.area_deprivation(release.id).await.unwrap(), got);
}

/// A duplicate row is refused, naming what it repeats (on PostgreSQL found when the new
/// partition's key is built, and named by codes), and the previous release stays whole.
async fn a_duplicate_row_is_named(store: &Store) {
    let rows = rows();
    let first = store.import_release(info("first"), &Actor::Cli, &[batch(&rows)]).await.unwrap();
    let mut twice = rows.clone();
    twice.push(rows[0].clone());
    let e = store.import_release(info("twice"), &Actor::Cli, &[batch(&twice)]).await.unwrap_err().to_string();
    assert!(e.contains("two rows for the same indicator, area, sex, age, category and time period"), "{e}");
    if store.backend() == store::Backend::Postgres {
        assert!(e.contains("area L01, indicator pop, Persons All ages") && e.contains("period 2021"), "{e}");
    }
    assert_eq!(store.latest_release().await.unwrap().as_ref(), Some(first.release()));
    assert_eq!(store.area_deprivation(first.release().id).await.unwrap().len(), 22);
    // The next import goes on as usual.
    let mut more = rows.clone();
    more.push(("pop", "L01".into(), "Local authority", "Persons", "All ages", None, "2022", 5.0));
    let ImportOutcome::Imported(second) =
        store.import_release(info("second"), &Actor::Cli, &[batch(&more)]).await.unwrap()
    else {
        panic!("a new release")
    };
    assert_eq!(second.row_count as usize, more.len());
    assert_eq!(store.latest_whole_area_values(second.id).await.unwrap().len(), 22);
}

/// The catalogue's named peer groups are stored with the release they were given with.
async fn named_peer_groups_are_kept_with_their_release(store: &Store) {
    let mut import = store.begin_import(info("with groups"), &Actor::Cli).await.unwrap();
    import.describe_peer_groups([
        ("PG2".to_string(), vec!["L03".to_string(), "L01".to_string()]),
        ("PG1".to_string(), vec!["L02".to_string(), "L02".to_string()]),
    ]);
    import.push(&batch(&rows())).await.unwrap();
    let ImportOutcome::Imported(release) = import.finish().await.unwrap() else { panic!("a new release") };
    let groups = store.peer_groups(release.id).await.unwrap();
    let got: Vec<(&str, Vec<&str>)> =
        groups.iter().map(|(g, m)| (g.as_str(), m.iter().map(String::as_str).collect())).collect();
    assert_eq!(got, [("PG1", vec!["L02"]), ("PG2", vec!["L01", "L03"])]);
    assert!(store.peer_groups(release.id + 1).await.unwrap().is_empty());
}

store::on_both_backends!(
    deprivation_is_derived_at_import,
    a_duplicate_row_is_named,
    named_peer_groups_are_kept_with_their_release
);
