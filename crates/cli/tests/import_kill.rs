//! Nothing lost (issue 12, acceptance 4), with a real process: `fairer import results` killed
//! (SIGKILL) part way through a large import leaves the previous release whole and still the
//! newest, on SQLite and PostgreSQL; while the import runs, other commands read the previous
//! release and are not held up; and the same import run again afterwards completes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/place-fairshire.toml");

/// The indicators the example place names.
const INDICATORS: [&str; 6] =
    ["le_birth", "u75_all_causes", "school_readiness", "child_poverty", "unemployment", "fuel_poverty"];

fn command(database: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fairer"));
    c.args(args).args(["--database", database]).env_remove("FAIRER_DATABASE_URL");
    c
}

fn run(database: &str, args: &[&str]) -> Output {
    command(database, args).output().expect("run fairer")
}

fn fairer(database: &str, args: &[&str]) -> String {
    let out = run(database, args);
    assert!(out.status.success(), "fairer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// A row of the results file: indicator, area, sex, period, its last year.
type Row = (String, String, &'static str, &'static str, f64);

/// A results file of the example place's indicators for `areas` areas (the first is the
/// example's E06900001, then England, then made-up ones), two periods, three sexes: `value`
/// everywhere.
fn write_results(path: &Path, areas: usize, value: f64) {
    let mut rows: Vec<Row> = Vec::new();
    for indicator in INDICATORS {
        for a in 0..areas {
            let area = match a {
                0 => "E06900001".to_string(),
                1 => "E92000001".to_string(),
                a => format!("E08{a:06}"),
            };
            for sex in ["Persons", "Female", "Male"] {
                for (period, year) in [("2019", 2019.0), ("2023", 2023.0)] {
                    rows.push((indicator.to_string(), area.clone(), sex, period, year));
                }
            }
        }
    }
    let mut writer = None;
    for chunk in rows.chunks(65536) {
        let text = |f: &dyn Fn(&Row) -> String| -> ArrayRef {
            Arc::new(StringArray::from(chunk.iter().map(f).collect::<Vec<_>>()))
        };
        let number = |f: &dyn Fn(&Row) -> f64| -> ArrayRef {
            Arc::new(Float64Array::from(chunk.iter().map(f).collect::<Vec<_>>()))
        };
        let batch = RecordBatch::try_from_iter([
            ("indicator_id", text(&|r| r.0.clone())),
            ("indicator_name", text(&|r| format!("Indicator {}", r.0))),
            ("polarity", text(&|_| "higher is better".to_string())),
            ("area_code", text(&|r| r.1.clone())),
            ("area_name", text(&|r| format!("Area {}", r.1))),
            ("area_type", text(&|_| "Upper tier local authority".to_string())),
            ("sex", text(&|r| r.2.to_string())),
            ("age", text(&|_| "All ages".to_string())),
            ("time_period", text(&|r| r.3.to_string())),
            ("time_period_sortable", number(&|r| r.4)),
            ("value", number(&|_| value)),
            ("lower_95", number(&|_| value - 0.4)),
            ("upper_95", number(&|_| value + 0.4)),
            ("benchmark_value", number(&|_| 83.0)),
        ])
        .unwrap();
        writer
            .get_or_insert_with(|| {
                ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap()
            })
            .write(&batch)
            .unwrap();
    }
    writer.unwrap().close().unwrap();
}

/// Starts `fairer import results FILE` and waits until it says its transaction has begun.
fn start_import(database: &str, file: &str) -> Child {
    let mut child = command(database, &["import", "results", file, "--release", "big", "--no-progress"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fairer import");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "fairer import ended before it began its transaction");
        if line.contains("in one transaction") {
            break;
        }
        assert!(Instant::now() < deadline, "fairer import did not begin");
    }
    // Keep draining its standard error so that it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    child
}

/// The name and row count of the newest release, and the number of value rows stored.
fn newest(database: &str) -> (String, i64, i64) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = store::Store::open(database).await.unwrap();
        let release = store.latest_release().await.unwrap().expect("a release");
        let rows = store::testing::count_rows(&store, "value").await;
        // The index the import drops while it loads (on SQLite) is there.
        let index = match store.backend() {
            store::Backend::Sqlite => "sqlite_master WHERE type = 'index' AND name = 'value_by_indicator'",
            store::Backend::Postgres => "pg_indexes WHERE indexname = 'value_by_indicator'",
        };
        assert_eq!(store::testing::count_rows(&store, index).await, 1);
        store.close().await;
        (release.name, release.row_count, rows)
    })
}

fn killed_import_keeps_previous_release(database: &str, dir: &Path, wal: Option<&Path>) {
    let small = dir.join("small.parquet");
    write_results(&small, 2, 80.0);
    let small = small.to_str().unwrap();
    fairer(database, &["import", "results", small, "--release", "r1", "--date", "2026-12-01"]);
    fairer(database, &["place", "import", EXAMPLE]);
    let before = newest(database);
    assert_eq!(before, ("r1".to_string(), 72, 72));

    // 6 indicators × 20,000 areas × 3 sexes × 2 periods = 720,000 rows: seconds of work.
    let big = dir.join("big.parquet");
    write_results(&big, 20_000, 81.0);
    let big = big.to_str().unwrap();
    let mut child = start_import(database, big);

    // Readers see the previous release while the import runs, and are not held up by it.
    let started = Instant::now();
    let shown = fairer(database, &["place", "show", "fairshire"]);
    assert!(shown.contains("Values from the release \"r1\""), "{shown}");
    assert!(shown.contains("latest 2023: 80 (95% 79.6 to 80.4)"), "{shown}");
    assert!(started.elapsed() < Duration::from_secs(8), "a reader waited {:?} for the import", started.elapsed());
    assert_eq!(newest(database), before);

    // Let it write rows for a while (on SQLite, until its uncommitted pages reach the WAL or
    // two seconds have passed), then kill it.
    let deadline = Instant::now() + Duration::from_secs(2);
    let wal_size = || wal.and_then(|w| std::fs::metadata(w).ok()).map_or(0, |m| m.len());
    let wal_at_start = wal_size();
    while Instant::now() < deadline && wal_size() <= wal_at_start + (1 << 20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import finished before it could be killed: make the results file larger"
    );
    eprintln!(
        "killing the import {:?} after it began; WAL {} bytes (from {wal_at_start})",
        started.elapsed(),
        wal_size()
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "{status:?}");

    // The previous release, whole and still the newest; nothing of the killed one.
    assert_eq!(newest(database), before);
    let shown = fairer(database, &["place", "show", "fairshire"]);
    assert!(shown.contains("Values from the release \"r1\""), "{shown}");

    // The same import run to the end works, and becomes the newest.
    let imported = fairer(database, &["import", "results", big, "--release", "big", "--no-progress"]);
    assert!(imported.contains("(720000 rows"), "{imported}");
    assert_eq!(newest(database), ("big".to_string(), 720_000, 720_072));
}

#[test]
fn killed_import_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("fairer.db");
    let wal = dir.path().join("fairer.db-wal");
    killed_import_keeps_previous_release(database.to_str().unwrap(), dir.path(), Some(&wal));
}

#[test]
fn killed_import_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = runtime.block_on(store::testing::postgres_database());
    killed_import_keeps_previous_release(&url, dir.path(), None);
}
