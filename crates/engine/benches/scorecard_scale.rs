//! The scorecards' scale benchmark (issue 14, acceptance point 4; `docs/scorecard.md` §7 A4):
//! every ICB's scorecard with every breakdown from 100 million hospital events, on 2 threads.
//!
//! The synthetic England is generated once (`--scale full --activity --microdata --events
//! 100000000`) into `target/bench-data/scorecard-{scale}-{events}`. The Marmot and ICB scorecard
//! catalogues are computed together, with the scorecard's event indicators (A&E attendances,
//! emergency and elective admissions, and the five diagnoses' emergency admissions) edited to
//! count `hospital_events` (one row per event) instead of `nhs_activity`'s columns, as
//! `compute_scale` edits the Marmot catalogue to count deaths; then every scorecard is assembled
//! with the children and young people's tool. It prints wall and CPU time of compute and of
//! assembly, the process's peak memory (`VmHWM`) and the rows read. Targets: under 60 s and
//! 4 GiB. Each indicator's rows are turned into the rows assembly reads as they are computed
//! ([`compute_each`]). With `FAIRER_BENCH_RESULTS=FILE.csv` (or `.parquet`) it also keeps the
//! engine's rows and writes them there after timing, to compare the results of two versions.
//!
//! ```text
//! cargo bench -p fairer-engine --bench scorecard_scale
//! FAIRER_BENCH_SCALE=small FAIRER_BENCH_EVENTS=500000 cargo bench -p fairer-engine --bench scorecard_scale --profile dev
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use engine::compute::catalogue::{Catalogue, STARTER_CATALOGUE};
use engine::compute::results::to_batch;
use engine::compute::results::ResultRow;
use engine::compute::{compute_each, ComputeOptions, DataDirectory, NoProgress, ResultFile, ResultSink};
use engine::scorecard::model::ScoreRow;
use engine::scorecard::{assemble, ScorecardSpec, ICB_SCORECARD_CATALOGUE};

mod common;

fn status_kib(key: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The process's user + system CPU time in seconds ([`common::cpu_time`]).
fn cpu_seconds() -> f64 {
    common::cpu_time().as_secs_f64()
}

/// The scorecard catalogue counting hospital events (one row each) for its event indicators.
fn events_catalogue() -> String {
    let mut text = ICB_SCORECARD_CATALOGUE.replace(
        "[[category_type]]\nid = \"ethnicity\"",
        "[tables.hospital_events]\nsex = \"sex\"\nage = \"age\"\nsex_unknown = \"allowed\"\ncategories = { ethnicity = \"ethnic_group\" }\n\n[[category_type]]\nid = \"ethnicity\"",
    );
    for (column, filter) in [
        ("ae_attendances", "activity = [\"ae\"]"),
        ("emergency_admissions", "activity = [\"emergency\"]"),
        ("elective_admissions", "activity = [\"elective\"]"),
        ("emergency_mi", "activity = [\"emergency\"], diagnosis = [\"mi\"]"),
        ("emergency_stroke", "activity = [\"emergency\"], diagnosis = [\"stroke\"]"),
        ("emergency_asthma", "activity = [\"emergency\"], diagnosis = [\"asthma\"]"),
        ("emergency_epilepsy", "activity = [\"emergency\"], diagnosis = [\"epilepsy\"]"),
        ("emergency_self_harm", "activity = [\"emergency\"], diagnosis = [\"self_harm\"]"),
    ] {
        text = text.replace(
            &format!("numerator = {{ table = \"nhs_activity\", value = \"{column}\" }}"),
            &format!("numerator = {{ table = \"hospital_events\", where = {{ {filter} }} }}"),
        );
    }
    text
}

fn main() {
    let events: u64 = std::env::var("FAIRER_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000_000);
    let small = std::env::var("FAIRER_BENCH_SCALE").is_ok_and(|s| s == "small");
    let root = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let data = root.join(format!("bench-data/scorecard-{}-{events}", if small { "small" } else { "full" }));
    if !data.join("manifest.json").is_file() {
        let started = Instant::now();
        let mut config = synth::Config::new(&data);
        config.scale = if small { synth::Scale::Small } else { synth::Scale::Full };
        config.microdata = true;
        config.activity = true;
        config.events = Some(events);
        synth::generate(&config, &NoSynthProgress).expect("generate the benchmark's data");
        println!(
            "generated {events} hospital events in {} in {:.1} s",
            data.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let marmot = Catalogue::parse(STARTER_CATALOGUE, "catalogues/marmot.toml").expect("marmot catalogue");
    let scorecard =
        Catalogue::parse(&events_catalogue(), "icb_scorecard.toml (hospital events)").expect("scorecard catalogue");
    let catalogue = Catalogue::merge(&[marmot, scorecard]).expect("merge");
    let spec = ScorecardSpec::from_catalogue(&catalogue).expect("spec");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    let options = ComputeOptions { indicators: Vec::new(), pool: Some(Arc::new(pool)) };

    // Each indicator's rows of the scorecard's level and benchmark (what assembly reads, as the
    // web reads them from the store) are kept as ScoreRows as they come; the engine's rows are
    // kept only to write them with FAIRER_BENCH_RESULTS (peak memory then counts them too).
    let write_to = std::env::var("FAIRER_BENCH_RESULTS").ok();
    let mut kept: Vec<ResultRow> = Vec::new();
    let mut score_rows: Vec<ScoreRow> = Vec::new();
    let (wall0, cpu0) = (Instant::now(), cpu_seconds());
    let summary = compute_each(&catalogue, &DataDirectory::new(&data), &options, &NoProgress, &mut |rows| {
        score_rows.extend(
            rows.iter().filter(|r| r.area_type == spec.level || r.area_type == spec.benchmark).map(ScoreRow::from),
        );
        if write_to.is_some() {
            kept.extend(rows);
        }
        Ok(())
    })
    .expect("compute");
    let (compute_wall, compute_cpu) = (wall0.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    let (wall1, cpu1) = (Instant::now(), cpu_seconds());
    let cards = assemble(&score_rows, &spec).expect("assemble");
    let (assemble_wall, assemble_cpu) = (wall1.elapsed().as_secs_f64(), cpu_seconds() - cpu1);
    let peak = status_kib("VmHWM:").unwrap_or(0) as f64 / 1024.0 / 1024.0;
    let scored =
        cards.iter().filter(|c| c.cyp.as_ref().is_some_and(|y| y.overall.iter().any(|s| s.score.is_some()))).count();
    println!(
        "scorecards: {} indicators on {} data rows read ({events} hospital events), {} result rows",
        summary.indicators, summary.rows_read, summary.rows_written
    );
    println!("  compute: wall {compute_wall:.1} s, CPU {compute_cpu:.1} s");
    println!(
        "    reading {:.1} s, aggregating {:.1} s, statistics {:.1} s, writing {:.1} s (wall)",
        summary.reading.as_secs_f64(),
        summary.aggregating.as_secs_f64(),
        summary.statistics.as_secs_f64(),
        summary.writing.as_secs_f64()
    );
    println!(
        "  assemble {} scorecards with the CYP tool ({} draws): wall {assemble_wall:.2} s, CPU {assemble_cpu:.2} s",
        cards.len(),
        spec.composite.as_ref().map(|c| c.draws).unwrap_or(0)
    );
    println!(
        "  total wall {:.1} s; peak memory {peak:.2} GiB; CYP overall scores for {scored} of {} ICBs",
        compute_wall + assemble_wall,
        cards.len()
    );
    if let Some(path) = write_to {
        let mut sink = ResultFile::create_by_extension(std::path::Path::new(&path)).expect("results file");
        for chunk in kept.chunks(100_000) {
            sink.write(to_batch(chunk).expect("batch")).expect("write results");
        }
        sink.finish().expect("finish results");
        println!("  results written to {path}");
    }
}

struct NoSynthProgress;
impl synth::Progress for NoSynthProgress {}
