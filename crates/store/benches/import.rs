//! Issue 12's speed targets: 5 million result rows imported into SQLite and into PostgreSQL,
//! each under 30 s; with them loaded, an area's latest value of every indicator and a place's
//! whole monitoring view, each under 5 ms.
//!
//! `cargo bench -p fairer-store --bench import` (on an idle machine: the coordinator runs it).
//! Rows: `FAIRER_BENCH_ROWS` (default 5,000,000). Backends: `FAIRER_BENCH_BACKENDS` (`sqlite`,
//! `postgres`; both by default). PostgreSQL: the URL in
//! `FAIRER_BENCH_POSTGRES_URL`, else a throwaway server from Debian's binaries, as the tests
//! start (note that it runs with fsync off).

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use store::{Actor, Goal, MeasureOn, PlaceFields, ReleaseInfo, Store, TargetFields};

const INDICATORS: usize = 40;
const PERIODS: usize = 10;
/// Persons, Male, Female for the whole area, and two decile rows.
const BREAKDOWNS: [(&str, Option<&str>); 5] =
    [("Persons", None), ("Male", None), ("Female", None), ("Persons", Some("1")), ("Persons", Some("10"))];
const BATCH: usize = 8192;

/// A row's indicator, area, period and breakdown, by number.
type Key = (usize, usize, usize, usize);

/// The synthetic results, `rows` of them, in batches: indicator-major, as compute writes.
fn batches(rows: usize) -> Vec<RecordBatch> {
    let areas = rows.div_ceil(INDICATORS * PERIODS * BREAKDOWNS.len());
    let mut keys = Vec::with_capacity(rows);
    'all: for i in 0..INDICATORS {
        for a in 0..areas {
            for (p, _) in (0..PERIODS).enumerate() {
                for b in 0..BREAKDOWNS.len() {
                    if keys.len() == rows {
                        break 'all;
                    }
                    keys.push((i, a, p, b));
                }
            }
        }
    }
    keys.chunks(BATCH)
        .map(|chunk| {
            let text = |f: &dyn Fn(&Key) -> Option<String>| -> ArrayRef {
                Arc::new(StringArray::from(chunk.iter().map(f).collect::<Vec<_>>()))
            };
            let number = |f: &dyn Fn(&Key) -> Option<f64>| -> ArrayRef {
                Arc::new(Float64Array::from(chunk.iter().map(f).collect::<Vec<_>>()))
            };
            let value = |k: &Key| 50.0 + (k.0 * 7 + k.1 * 13 + k.2 * 3 + k.3) as f64 % 40.0;
            RecordBatch::try_from_iter([
                ("indicator_id", text(&|k| Some(format!("ind_{:02}", k.0)))),
                ("indicator_name", text(&|k| Some(format!("Indicator {}", k.0)))),
                ("polarity", text(&|_| Some("Higher is better".into()))),
                ("area_code", text(&|k| Some(format!("E06{:06}", 900_000 + k.1)))),
                ("area_name", text(&|k| Some(format!("Area {}", k.1)))),
                ("area_type", text(&|_| Some("Upper tier local authority".into()))),
                ("sex", text(&|k| Some(BREAKDOWNS[k.3].0.into()))),
                ("age", text(&|_| Some("All ages".into()))),
                ("category_type", text(&|k| BREAKDOWNS[k.3].1.map(|_| "LSOA deprivation deciles (national)".into()))),
                ("category", text(&|k| BREAKDOWNS[k.3].1.map(String::from))),
                ("time_period", text(&|k| Some(format!("{}", 2014 + k.2)))),
                ("time_period_sortable", number(&|k| Some((2014 + k.2) as f64))),
                ("value", number(&|k| Some(value(k)))),
                ("lower_95", number(&|k| Some(value(k) - 1.5))),
                ("upper_95", number(&|k| Some(value(k) + 1.5))),
                ("count", number(&|k| Some(value(k) * 10.0))),
                ("denominator", number(&|_| Some(1000.0))),
                ("compared_to_benchmark_95", text(&|_| Some("Similar".into()))),
                ("statistic", text(&|_| Some("Proportion".into()))),
                ("method", text(&|_| Some("Wilson".into()))),
                ("benchmark", text(&|_| Some("England".into()))),
                ("benchmark_value", number(&|_| Some(70.0))),
                ("recent_trend", text(&|_| Some("No significant change".into()))),
                ("sii", number(&|k| (k.3 == 0).then_some(-5.0))),
                ("sii_lower_95", number(&|k| (k.3 == 0).then_some(-6.0))),
                ("sii_upper_95", number(&|k| (k.3 == 0).then_some(-4.0))),
            ])
            .expect("a batch")
        })
        .collect()
}

/// This process's CPU time (user + system), from `/proc/self/stat` (zero elsewhere): on a
/// loaded machine it says what the work cost when the wall time is stretched by others. The
/// PostgreSQL server's own CPU time is not in it.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    Duration::from_secs_f64((ticks(11) + ticks(12)) as f64 / 100.0)
}

/// The load average over the last minute, from `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The median of `runs` timings of `f`, and the mean CPU time of this process per run (on
/// SQLite the whole query's; on PostgreSQL only the client's).
async fn median<F: AsyncFnMut()>(runs: usize, mut f: F) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(runs);
    let cpu = cpu_time();
    for _ in 0..runs {
        let start = Instant::now();
        f().await;
        times.push(start.elapsed());
    }
    let cpu = cpu_time().saturating_sub(cpu) / runs as u32;
    times.sort();
    (times[runs / 2], cpu)
}

async fn measure(name: &str, store: &Store, batches: &[RecordBatch], rows: usize) {
    let info = ReleaseInfo { name: "bench".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    println!("{name}: load average before the import: {}", load_average());
    let start = Instant::now();
    let cpu = cpu_time();
    let outcome = store.import_release(info, &Actor::Cli, batches).await.expect("the import");
    let took = start.elapsed();
    let cpu = cpu_time().saturating_sub(cpu);
    assert_eq!(outcome.release().row_count as usize, rows);
    println!(
        "{name}: imported {rows} rows in {:.2} s wall, {:.2} s CPU of this process ({:.0} rows/s; target under 30 s); \
         load average after: {}",
        took.as_secs_f64(),
        cpu.as_secs_f64(),
        rows as f64 / took.as_secs_f64(),
        load_average()
    );
    let area = "E06900007";
    let latest = store.area_latest_values(area).await.expect("latest values");
    let (t, cpu) = median(201, async || {
        store.area_latest_values(area).await.expect("latest values");
    })
    .await;
    println!(
        "{name}: an area's latest value of every indicator ({} rows): median {:.3} ms, CPU {:.3} ms (target under 5 ms)",
        latest.len(),
        t.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3
    );

    let place = PlaceFields {
        slug: "bench".into(),
        name: "Bench (synthetic)".into(),
        kind: "county".into(),
        area_code: area.into(),
        covers: vec![],
        benchmark_code: "E92000001".into(),
        stage: "implementing".into(),
        commissioned_on: None,
        report_published_on: None,
        implementing_from: None,
        evaluated_on: None,
        synthetic: true,
        description: None,
    };
    let place = store.create_place(&Actor::Cli, &place).await.expect("a place");
    for i in 0..12 {
        let target = TargetFields {
            code: format!("T{i}"),
            indicator: format!("ind_{i:02}"),
            measure_on: if i % 3 == 0 { MeasureOn::Sii } else { MeasureOn::Value },
            sex: "Persons".into(),
            baseline_period: "2015".into(),
            baseline_value: None,
            goal: if i % 3 == 0 { Goal::NarrowerGap(0.2) } else { Goal::Change(5.0) },
            target_period: "2030".into(),
            note: None,
        };
        store.create_target(&Actor::Cli, place.id, &target).await.expect("a target");
    }
    let (t, cpu) = median(101, async || {
        store.place_view("bench").await.expect("the view");
    })
    .await;
    println!(
        "{name}: a place's whole monitoring view (12 targets): median {:.3} ms, CPU {:.3} ms (target under 5 ms)",
        t.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3
    );
}

fn main() {
    let rows: usize = std::env::var("FAIRER_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000_000);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let start = Instant::now();
    let batches = batches(rows);
    println!("generated {rows} synthetic result rows in {:.1} s", start.elapsed().as_secs_f64());
    // FAIRER_BENCH_BACKENDS: "sqlite", "postgres", or both (the default).
    let backends = std::env::var("FAIRER_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    runtime.block_on(async {
        if backends.contains("sqlite") {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let sqlite = Store::open(&dir.path().join("bench.db").display().to_string()).await.expect("SQLite");
            measure("SQLite", &sqlite, &batches, rows).await;
            sqlite.close().await;
            // FAIRER_BENCH_KEEP: keep the SQLite file, to look at its query plans.
            if std::env::var("FAIRER_BENCH_KEEP").is_ok() {
                println!("SQLite: kept {}", dir.keep().join("bench.db").display());
            }
        }
        if backends.contains("postgres") {
            let url = match std::env::var("FAIRER_BENCH_POSTGRES_URL") {
                Ok(url) => url,
                Err(_) => store::testing::postgres_database().await,
            };
            let postgres = Store::open(&url).await.expect("PostgreSQL");
            measure("PostgreSQL", &postgres, &batches, rows).await;
        }
    });
}
