//! Speed of every summary measure of inequality for 300 areas × 40 indicators × 10 deprivation
//! deciles (12,000 dimensions): issue 5, acceptance point 4 ("every measure … in under a
//! second, in the benchmark").
//!
//! Run with:
//!
//! ```text
//! cargo bench -p fairer-engine --bench summary_measures
//! ```
//!
//! A plain `main` (`harness = false`) that prints its figures. The input is generated here,
//! deterministically (a seeded xorshift64*), as one CSV file: for each area and indicator, the
//! ten deciles (a percentage with a deprivation gradient, SEs 0.5–3, populations
//! 5,000–20,000; half the indicators favourable) twice, once as an **ordered** dimension (D, R,
//! PAR, PAF, ACI, RCI, SII, RII: 8 measures) and once as a **non-ordered** one with decile 10 the
//! reference subgroup (D, R, the 4 percentile measures, PAR, PAF and the 13 non-ordered
//! measures with HEAT's 100-draw simulation: 21 measures), so that every one of the 25
//! measures is computed for the 12,000 sets of deciles: 24,000 dimensions, 240,000 input rows,
//! 348,000 output rows.
//!
//! Each case is timed through [`engine::calc::run`] exactly as `fairer calc summary-measures`
//! calls it (read the CSV, group, compute the groups in parallel with rayon, write the output
//! CSV to a temporary file, synced and renamed), with rayon's default pool (one thread per core) and with a
//! pool of one thread. "compute only" times [`stats::inequality::summary_measures`] on the same
//! 24,000 dimensions already in memory. Best of 5 runs and the median; CPU time is that of
//! all the process's threads (`getrusage`, ended threads included), which does not grow when other
//! processes take the cores.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use engine::calc::summary_measures::{Setting, SummaryMeasuresOptions};
use engine::calc::{run, CalcMethod, CommonOptions, NoProgress};
use rayon::prelude::*;
use stats::inequality::{summary_measures, DimensionInput, DimensionKind, Subgroup, SummaryOptions};
use stats::ConfidenceLevel;

mod common;
use common::{cpu_time, fmt, Rng};

const AREAS: usize = 300;
const INDICATORS: usize = 40;
const DECILES: usize = 10;
const RUNS: usize = 5;

/// One decile of one area and indicator.
struct Decile {
    estimate: f64,
    se: f64,
    population: f64,
}

/// The 12,000 sets of deciles: (area, indicator, favourable, deciles).
fn deciles() -> Vec<(usize, usize, bool, Vec<Decile>)> {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let mut all = Vec::with_capacity(AREAS * INDICATORS);
    for area in 0..AREAS {
        for indicator in 0..INDICATORS {
            let base = 20.0 + 50.0 * rng.unit();
            let slope = 0.5 + 2.5 * rng.unit();
            let d = (1..=DECILES)
                .map(|d| Decile {
                    estimate: ((base + slope * d as f64 + 4.0 * (rng.unit() - 0.5)).clamp(1.0, 99.0) * 1e4).round()
                        / 1e4,
                    se: ((0.5 + 2.5 * rng.unit()) * 1e4).round() / 1e4,
                    population: (5_000.0 + 15_000.0 * rng.unit()).round(),
                })
                .collect();
            all.push((area, indicator, indicator % 2 == 0, d));
        }
    }
    all
}

const KINDS: [(&str, DimensionKind); 2] =
    [("ordered", DimensionKind::Ordered), ("non-ordered", DimensionKind::NonOrdered)];

/// The CSV input: `area,indicator,kind,decile,value,se,pop,reference,favourable`, the
/// dimensions of `kinds`. Returns the rows written.
fn write_input(path: &Path, data: &[(usize, usize, bool, Vec<Decile>)], kinds: &[(&str, DimensionKind)]) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).expect("create input"));
    writeln!(w, "area,indicator,kind,decile,value,se,pop,reference,favourable").expect("write");
    let mut rows = 0;
    for (name, kind) in kinds {
        for (area, indicator, favourable, deciles) in data {
            for (d, x) in deciles.iter().enumerate() {
                let reference = u8::from(*kind == DimensionKind::NonOrdered && d + 1 == DECILES);
                writeln!(
                    w,
                    "E02{area:06},IND{indicator:02},{name},{},{},{},{},{reference},{}",
                    d + 1,
                    x.estimate,
                    x.se,
                    x.population,
                    u8::from(*favourable)
                )
                .expect("write");
                rows += 1;
            }
        }
    }
    w.flush().expect("flush");
    rows
}

/// The same dimensions in memory, as `calc summary-measures` builds them.
fn inputs(data: &[(usize, usize, bool, Vec<Decile>)], kinds: &[(&str, DimensionKind)]) -> Vec<DimensionInput> {
    let mut out = Vec::new();
    for (_, kind) in kinds {
        for (_, _, favourable, deciles) in data {
            let subgroups = deciles
                .iter()
                .enumerate()
                .map(|(d, x)| {
                    let mut s = Subgroup::new(format!("{}", d + 1), x.estimate)
                        .with_se(x.se)
                        .with_population(x.population)
                        .with_order((d + 1) as f64);
                    s.reference = *kind == DimensionKind::NonOrdered && d + 1 == DECILES;
                    s
                })
                .collect();
            out.push(DimensionInput::new(subgroups, *kind, *favourable, 100.0));
        }
    }
    out
}

fn options() -> SummaryMeasuresOptions {
    SummaryMeasuresOptions {
        subgroup: Some("decile".into()),
        estimate: Some("value".into()),
        se: Some("se".into()),
        population: Some("pop".into()),
        order: Some("decile".into()),
        reference_subgroup: Some("reference".into()),
        kind: Some(Setting::Column("kind".into())),
        favourable: Some(Setting::Column("favourable".into())),
        scale: Some(Setting::Value(100.0)),
        common: CommonOptions {
            confidence: vec![ConfidenceLevel::C95],
            group_by: vec!["area".into(), "indicator".into(), "kind".into()],
        },
        ..SummaryMeasuresOptions::default()
    }
}
/// Runs `f` [`RUNS`] times; prints and returns (best, median, CPU time of the best-CPU run).
/// With `FAIRER_BENCH_ONLY=text` set, only the cases whose label contains the text run (for
/// profiling one case).
fn time(label: &str, mut f: impl FnMut() -> u64) -> (Duration, Duration, Duration) {
    if let Ok(only) = std::env::var("FAIRER_BENCH_ONLY") {
        if !label.contains(&only) {
            return (Duration::MAX, Duration::MAX, Duration::MAX);
        }
    }
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut out = 0;
    for _ in 0..RUNS {
        let c = cpu_time();
        let t = Instant::now();
        out = f();
        walls.push(t.elapsed());
        cpus.push(cpu_time().saturating_sub(c));
    }
    let best = *walls.iter().min().expect("runs");
    let mut sorted = walls.clone();
    sorted.sort();
    let median = sorted[RUNS / 2];
    let cpu = *cpus.iter().min().expect("runs");
    println!(
        "| {label} | {} | {} | {} | {} | {out} |",
        fmt(best),
        fmt(median),
        fmt(cpu),
        walls.iter().map(|w| fmt(*w)).collect::<Vec<_>>().join(", ")
    );
    (best, median, cpu)
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let threads = rayon::current_num_threads();
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool");
    let data = deciles();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let both = path("both.csv");
    let ordered = path("ordered.csv");
    let non_ordered = path("non_ordered.csv");
    let rows_both = write_input(Path::new(&both), &data, &KINDS);
    let rows_ordered = write_input(Path::new(&ordered), &data, &KINDS[..1]);
    let rows_non = write_input(Path::new(&non_ordered), &data, &KINDS[1..]);
    let o = CalcMethod::SummaryMeasures(options());
    let out = path("out.csv");
    let load = || {
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("Summary measures of inequality: {AREAS} areas x {INDICATORS} indicators x {DECILES} deciles; rayon threads: {threads}; best of {RUNS} runs");
    println!("load average before: {}", load());
    println!();
    println!("| case | best | median | CPU time (all threads) | runs | output rows / measures |");
    println!("| --- | ---: | ---: | ---: | --- | ---: |");
    let end_to_end = |input: &str| {
        let s = run(&o, input, &out, &NoProgress).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.warnings.is_empty(), "{:?}", s.warnings.first());
        s.rows_written
    };
    let (best, _, _) = time(&format!("**all 25 measures, end to end** (ordered + non-ordered, 24,000 dimensions, {rows_both} rows), {threads} threads"), || end_to_end(&both));
    time("all 25 measures, end to end, 1 thread", || one.install(|| end_to_end(&both)));
    time(&format!("ordered only (8 measures), end to end ({rows_ordered} rows), {threads} threads"), || {
        end_to_end(&ordered)
    });
    time(&format!("non-ordered only (21 measures), end to end ({rows_non} rows), {threads} threads"), || {
        end_to_end(&non_ordered)
    });
    // Reading, grouping and writing with next to no computing: D only (24,000 output rows).
    let d_only = CalcMethod::SummaryMeasures(SummaryMeasuresOptions {
        measures: vec![stats::inequality::MeasureCode::D],
        ..options()
    });
    time(&format!("read and group only: D alone, end to end ({rows_both} rows), {threads} threads"), || {
        run(&d_only, &both, &out, &NoProgress).unwrap_or_else(|e| panic!("{e}")).rows_written
    });
    let dims = inputs(&data, &KINDS);
    let so = SummaryOptions::default();
    let compute = |d: &DimensionInput| {
        summary_measures(d, &so).map(|ms| ms.iter().filter(|m| m.value().is_some()).count() as u64).unwrap_or(0)
    };
    time(&format!("all 25 measures, compute only (24,000 dimensions in memory), {threads} threads"), || {
        dims.par_iter().map(compute).sum()
    });
    time("all 25 measures, compute only, 1 thread", || dims.iter().map(compute).sum());
    println!();
    println!("load average after: {}", load());
    println!(
        "acceptance (every measure for {AREAS} x {DECILES} x {INDICATORS} in under a second, end to end): best {} -> {}",
        fmt(best),
        if best < Duration::from_secs(1) { "met" } else { "NOT met" }
    );
}
