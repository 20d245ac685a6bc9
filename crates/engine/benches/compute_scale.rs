//! The scale benchmark of `fairer compute` (issue 3, acceptance point 3): 100 million
//! microdata rows (one row per death, with small-area code, age, sex, year and cause) plus
//! small-area populations by age and sex for 10 years, aggregated to every level of the
//! hierarchy and every deprivation decile, and the whole starter catalogue computed with
//! comparisons, trends and inequality summaries. It prints the time of each step (reading,
//! aggregating, statistics, writing), the process's peak memory, and, in the same run, what
//! Apache DataFusion alone takes for the aggregation step (deaths counted by local authority,
//! decile, year, sex, age band and cause, from the same Parquet file). Counts are kept by
//! units (small areas grouped by everything the aggregation tells apart); the run prints how
//! many.
//!
//! Run with (the data are generated once, by `synth`, into `target/bench-data`):
//!
//! ```text
//! cargo bench -p fairer-engine --bench compute_scale
//! cargo bench -p fairer-engine --features sql --bench compute_scale --profile dev
//! FAIRER_BENCH_EVENTS=10000000 cargo bench -p fairer-engine --bench compute_scale
//! ```
//!
//! Without the `sql` feature the DataFusion step is skipped, so the release build needs no
//! DataFusion (a release DataFusion takes over 30 minutes to build on 2 cores); `--profile dev`
//! (dependencies at opt-level 1, the engine at 2) reuses the test build's DataFusion.
//! BENCHMARKS.md says which profile each figure is from.

use std::path::PathBuf;
use std::time::Instant;

use engine::compute::catalogue::{Catalogue, STARTER_CATALOGUE};
use engine::compute::{compute, ComputeOptions, DataDirectory, NoProgress, ResultFile};

mod common;

fn status_kib(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let events: u64 = std::env::var("FAIRER_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000_000);
    let root = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let data = root.join(format!("bench-data/microdata-{events}"));
    if !data.join("manifest.json").is_file() {
        let started = Instant::now();
        let mut config = synth::Config::new(&data);
        config.scale = synth::Scale::Full;
        config.microdata = true;
        config.events = Some(events);
        synth::generate(&config, &NoSynthProgress).expect("generate the benchmark's data");
        println!("generated {events} death rows in {} in {:.1} s", data.display(), started.elapsed().as_secs_f64());
    }
    // The starter catalogue, reading the microdata (one row per death, single ages) instead
    // of aggregate counts.
    let text = STARTER_CATALOGUE
        .replace("table = \"deaths\", value = \"deaths\"", "table = \"death_events\"")
        .replace("start_age = [0]", "age = [0]");
    let catalogue = Catalogue::parse(&text, "marmot.toml (microdata)").expect("catalogue");
    let mut sink = ResultFile::create_by_extension(&data.join("results.parquet")).expect("results file");
    let started = Instant::now();
    let summary = compute(&catalogue, &DataDirectory::new(&data), &mut sink, &ComputeOptions::default(), &NoProgress)
        .expect("compute");
    let wall = started.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM:").unwrap_or(0);
    let total = (summary.reading + summary.aggregating + summary.statistics + summary.writing).as_secs_f64();
    let share = |d: std::time::Duration| 100.0 * d.as_secs_f64() / total;
    println!(
        "fairer compute, starter catalogue ({} indicators) on {} data rows ({events} deaths):",
        summary.indicators, summary.rows_read
    );
    println!(
        "  wall {wall:.1} s; peak memory {:.2} GiB; counts kept by {} units (small areas grouped: engine::compute::units)",
        peak as f64 / 1024.0 / 1024.0,
        summary.units
    );
    println!(
        "  reading {:.1} s ({:.0}%), aggregating {:.1} s ({:.0}%), statistics {:.1} s ({:.0}%), writing {:.1} s ({:.0}%); {} result rows",
        summary.reading.as_secs_f64(),
        share(summary.reading),
        summary.aggregating.as_secs_f64(),
        share(summary.aggregating),
        summary.statistics.as_secs_f64(),
        share(summary.statistics),
        summary.writing.as_secs_f64(),
        share(summary.writing),
        summary.rows_written
    );

    datafusion_aggregation(&data);
}

/// DataFusion alone, the aggregation step (with the `sql` feature).
#[cfg(feature = "sql")]
fn datafusion_aggregation(data: &std::path::Path) {
    // DataFusion alone, the aggregation step: every death counted by local authority, decile,
    // year, sex, life-table band and cause, from the same files.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let mut session = engine::sql::Session::new();
    let events = data.join("death_events.parquet").display().to_string();
    runtime.block_on(session.register("death_events", &events)).expect("register");
    let areas = data.join("areas.parquet").display().to_string();
    runtime.block_on(session.register("areas", &areas)).expect("register");
    let sql = "SELECT a.ltla_code, a.imd_decile, e.year, e.sex, \
        CASE WHEN e.age = 0 THEN 0 WHEN e.age < 5 THEN 1 WHEN e.age >= 90 THEN 90 ELSE e.age - e.age % 5 END AS start_age, e.cause, count(*) AS deaths \
        FROM death_events e JOIN areas a ON e.lsoa_code = a.lsoa_code GROUP BY 1, 2, 3, 4, 5, 6";
    let started = Instant::now();
    let batches = runtime.block_on(session.query(sql)).expect("DataFusion aggregation");
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    println!(
        "DataFusion alone, aggregation step (deaths by local authority × decile × year × sex × band × cause): {:.1} s, {rows} groups; peak memory now {:.2} GiB",
        started.elapsed().as_secs_f64(),
        status_kib("VmHWM:").unwrap_or(0) as f64 / 1024.0 / 1024.0
    );
}

#[cfg(not(feature = "sql"))]
fn datafusion_aggregation(_: &std::path::Path) {
    println!("DataFusion alone: not measured (run with --features sql)");
}

struct NoSynthProgress;
impl synth::Progress for NoSynthProgress {}
