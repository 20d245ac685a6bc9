//! The store commands end to end, on SQLite and PostgreSQL: `fairer db migrate`, `fairer
//! import results`, and `fairer place import | show | update | export | list` on the synthetic
//! example place.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/place-fairshire.toml");

fn run(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(args)
        .args(["--database", database])
        .env_remove("FAIRER_DATABASE_URL")
        .output()
        .expect("run fairer")
}

fn fairer(database: &str, args: &[&str]) -> String {
    let out = run(database, args);
    assert!(out.status.success(), "fairer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A results file holding the example place's area, England, and the indicators it names:
/// life expectancy rising from 80.0 (2019) to 81.0 (2023) within (80.6, 81.4); England 83.0.
fn write_results(path: &Path) {
    /// indicator, area, sex, period, year, value.
    type Row<'a> = (&'a str, &'a str, &'a str, &'a str, f64, f64);
    let mut rows: Vec<Row> = Vec::new();
    for indicator in ["le_birth", "u75_all_causes", "school_readiness", "child_poverty", "unemployment", "fuel_poverty"]
    {
        for area in ["E06900001", "E92000001"] {
            for sex in ["Persons", "Female", "Male"] {
                for (period, year, value) in [("2019", 2019.0, 80.0), ("2023", 2023.0, 81.0)] {
                    rows.push((indicator, area, sex, period, year, value));
                }
            }
        }
    }
    let text = |f: &dyn Fn(&Row) -> String| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let number =
        |f: &dyn Fn(&Row) -> f64| -> ArrayRef { Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>())) };
    let batch = RecordBatch::try_from_iter([
        ("indicator_id", text(&|r| r.0.to_string())),
        ("indicator_name", text(&|r| format!("Indicator {}", r.0))),
        ("polarity", text(&|_| "higher is better".to_string())),
        ("area_code", text(&|r| r.1.to_string())),
        ("area_name", text(&|r| if r.1 == "E92000001" { "England".into() } else { "Fairshire (synthetic)".into() })),
        ("area_type", text(&|_| "Upper tier local authority".to_string())),
        ("sex", text(&|r| r.2.to_string())),
        ("age", text(&|_| "All ages".to_string())),
        ("time_period", text(&|r| r.3.to_string())),
        ("time_period_sortable", number(&|r| r.4)),
        ("value", number(&|r| r.5)),
        ("lower_95", number(&|r| r.5 - 0.4)),
        ("upper_95", number(&|r| r.5 + 0.4)),
        ("benchmark_value", number(&|_| 83.0)),
    ])
    .unwrap();
    let mut writer = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn store_commands(database: &str, dir: &Path) {
    assert!(fairer(database, &["db", "migrate"])
        .contains("schema up to date (migrations 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)"));
    let results = dir.join("results.parquet");
    write_results(&results);
    let results = results.to_str().unwrap();
    let catalogue = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogues/marmot.toml");
    let first = fairer(
        database,
        &["import", "results", results, "--release", "r1", "--date", "2026-12-01", "--catalogue-file", catalogue],
    );
    assert!(first.contains("as the release \"r1\" (72 rows, dated 2026-12-01): now the newest"), "{first}");
    // What the catalogue file says of an indicator is stored with it, for the web's pages.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = store::Store::open(database).await.unwrap();
        let le = store.indicator("le_birth").await.unwrap().expect("le_birth imported");
        assert_eq!(le.metadata.framework_name.as_deref(), Some("Marmot principles"));
        assert!(le.metadata.numerator.is_some() && le.metadata.method.is_some(), "{:?}", le.metadata);
        let release = store.latest_release().await.unwrap().unwrap();
        assert_eq!(release.catalogue_id.as_deref(), Some("Core Marmot indicators (Fairer starter catalogue)"));
        store.close().await;
    });
    let again = fairer(database, &["import", "results", results]);
    assert!(again.contains("holds the same rows as the release \"r1\""), "{again}");

    assert!(fairer(database, &["place", "list"]).contains("No places yet"));
    let imported = fairer(database, &["place", "import", EXAMPLE]);
    assert!(imported.contains("Imported the place \"fairshire\""), "{imported}");

    // A file with a mistake is refused whole, naming file, line and field.
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(EXAMPLE)
        .unwrap()
        .replace("indicator = \"u75_all_causes\"", "indicator = \"u75_everything\"");
    std::fs::write(&bad, &text).unwrap();
    let out = run(database, &["place", "import", bad.to_str().unwrap(), "--replace"]);
    // A store error exits with its kind's code: 65 for bad input.
    assert_eq!(out.status.code(), Some(65));
    let line = text[..text.find("u75_everything").unwrap()].matches('\n').count() + 1;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("bad.toml:{line}: target.indicator: unknown indicator \"u75_everything\"")),
        "{stderr}"
    );

    // T1: female life expectancy to match England's 83.0 by 2029 from 80.0 in 2019: the
    // trajectory is 80.0 + 3.0 × 4/10 = 81.2 in 2023; 81.0 is worse but 81.2 lies within
    // (80.6, 81.4): on track.
    let shown = fairer(database, &["place", "show", "fairshire"]);
    assert!(shown.contains("[SYNTHETIC"), "{shown}");
    assert!(shown.contains("latest 2023: 81 (95% 80.6 to 81.4), trajectory 81.2"), "{shown}");
    assert!(shown.contains("How targets are assessed: A target is on track"), "{shown}");
    let json: serde_json::Value =
        serde_json::from_str(&fairer(database, &["place", "show", "fairshire", "--format", "json"])).unwrap();
    assert_eq!(json["targets"][0]["assessment_text"], "on track");
    assert_eq!(json["targets"][0]["target_value"], 83.0);
    // T2 is on the SII, which these results do not carry.
    assert_eq!(
        json["targets"][1]["assessment_text"],
        "not assessable: no data for this breakdown in the latest release"
    );

    fairer(
        database,
        &[
            "place",
            "update",
            "fairshire",
            "--recommendation",
            "R2",
            "--status",
            "in progress",
            "--on",
            "2025-01-15",
            "--note",
            "Two employers signed",
        ],
    );
    fairer(
        database,
        &[
            "place",
            "update",
            "fairshire",
            "--progress",
            "Board met",
            "--status",
            "on track",
            "--author",
            "Lead",
            "--about",
            "R1,R2",
            "--on",
            "2025-02-01",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&fairer(database, &["place", "show", "fairshire", "--format", "json"])).unwrap();
    assert_eq!(json["recommendations"][1]["status"], "in progress");
    assert_eq!(json["recommendations"][1]["history"][2]["note"], "Two employers signed");
    assert_eq!(json["progress"][0]["note"], "Board met");
    let out = run(database, &["place", "show", "nowhere"]);
    assert_eq!(out.status.code(), Some(64), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(database, &["place", "import", EXAMPLE]);
    assert_eq!(out.status.code(), Some(64), "a place already stored: {}", String::from_utf8_lossy(&out.stderr));
    let out = run(database, &["place", "update", "fairshire", "--recommendation", "R2", "--status", "finished"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--status: the status \"finished\": expected one of proposed")
    );

    // A target's fields change in place, audited with the before and after.
    fairer(database, &["place", "update", "fairshire", "--target", "T1", "--goal", "value=82.5", "--note", "Revised"]);
    let json: serde_json::Value =
        serde_json::from_str(&fairer(database, &["place", "show", "fairshire", "--format", "json"])).unwrap();
    assert_eq!(json["targets"][0]["target_value"], 82.5);
    assert_eq!(json["targets"][0]["target"]["note"], "Revised");
    let audit = audit_of(database, "target");
    assert_eq!(audit.action, "update");
    assert_eq!(audit.before.as_ref().unwrap()["goal"], "match_benchmark");
    assert_eq!(audit.after.as_ref().unwrap()["goal"]["value"], 82.5);
    let out = run(database, &["place", "update", "fairshire", "--target", "T1", "--goal", "higher"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--goal: \"higher\": expected value=N"));
    let out = run(database, &["place", "update", "fairshire", "--target", "T9", "--goal", "value=1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no target \"T9\""));

    let exported = dir.join("fairshire.toml");
    fairer(database, &["place", "export", "fairshire", "--output", exported.to_str().unwrap()]);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains("status = \"in progress\"") && text.contains("note = \"Two employers signed\""), "{text}");
    let list = fairer(database, &["place", "list"]);
    assert!(list.contains("fairshire") && list.contains("(synthetic)"), "{list}");
}

/// The newest audit entry about `entity`.
fn audit_of(database: &str, entity: &str) -> store::AuditEntry {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = store::Store::open(database).await.unwrap();
        let mut entries = store.audit_log(Some(entity), None, 1).await.unwrap();
        store.close().await;
        entries.pop().expect("an audit entry")
    })
}

#[test]
fn store_commands_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("data/fairer.db");
    store_commands(database.to_str().unwrap(), dir.path());
}

#[test]
fn store_commands_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = runtime.block_on(store::testing::postgres_database());
    store_commands(&url, dir.path());
}
