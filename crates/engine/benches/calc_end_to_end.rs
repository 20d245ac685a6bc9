//! End-to-end speed of `fairer calc`, from a CSV file on disk to an output CSV file, for the
//! four cases issue 2 (acceptance point 3) measures against the reference R package
//! PHEindicatormethods 2.1.0 on 2 cores, plus one streaming case.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p fairer-engine --bench calc_end_to_end
//! cargo bench -p fairer-engine --bench calc_end_to_end -- dsr life sii isr   # skip streaming
//! ```
//!
//! Arguments select cases by tag (`streaming`, `dsr`, `life`, `sii0`, `sii1`, `isr`; a prefix
//! such as `sii` selects both SII cases); none runs everything.
//!
//! Inputs are generated here, deterministically (a seeded xorshift64*), as CSV files in a
//! temporary directory. Each case is timed through [`engine::calc::run`] exactly as the
//! command line calls it (read, compute, write the output atomically with its fsync); the
//! table shows the best of 3 runs and the median. The "read" column times reading the same
//! columns of the same file alone (open, parse every chunk, nothing computed), so the rest of
//! the time is grouping, the method and writing.
//!
//! With `FAIRER_BENCH_DIR=DIR` the inputs (and outputs) are written to DIR and kept, to time
//! the same workloads as whole `fairer calc` processes from outside.
//!
//! The streaming case runs a row-wise proportion over 10 million rows (a file of about
//! 200 MB) and reports rows per second and the process's peak resident memory (`VmHWM` in
//! `/proc/self/status`, reset through `/proc/self/clear_refs` before each measured run), once
//! at 1 million and once at 10 million rows, to show that memory stays flat as input grows.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use engine::calc::dsr::DsrOptions;
use engine::calc::isr::{IsrKind, IsrOptions};
use engine::calc::life_expectancy::LifeExpectancyOptions;
use engine::calc::numerator_denominator::NumeratorDenominator;
use engine::calc::proportion::ProportionOptions;
use engine::calc::sii::{SeSource, SiiCalcOptions};
use engine::calc::{run, CalcMethod, CommonOptions, NoProgress, RunSummary};
use engine::input::{ColumnRequest, InputTable};
use stats::sii::{SiiOptions, SiiValueType};
use stats::ConfidenceLevel;

mod common;
use common::{cpu_time, fmt, Rng};

/// Timed runs per case: 3, or `FAIRER_BENCH_RUNS` (more runs make a profile of one case mostly
/// the case, not the generation of its input).
fn runs() -> usize {
    std::env::var("FAIRER_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(3)
}

// ---------------------------------------------------------------------------------------
// Deterministic inputs

fn create(path: &Path) -> BufWriter<File> {
    BufWriter::with_capacity(1 << 20, File::create(path).expect("create input file"))
}

/// Area code as analysts see them, e.g. E01000042.
fn area(i: usize) -> String {
    format!("E01{i:06}")
}

const ESP_LABELS: [&str; 19] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64",
    "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];

/// Death rates by 5-year band rising with age (roughly England's all-cause mortality).
fn band_rate(b: usize) -> f64 {
    0.0004 * (0.078 * (5.0 * b as f64 - 10.0).max(0.0)).exp()
}

/// DSR input: area, ageband (ESP labels), count, pop.
fn write_dsr(path: &Path, areas: usize) -> u64 {
    let mut rng = Rng::new(0xD5A);
    let mut w = create(path);
    writeln!(w, "area,ageband,count,pop").unwrap();
    for a in 0..areas {
        let name = area(a);
        for (b, label) in ESP_LABELS.iter().enumerate() {
            let pop = rng.int(800, 6000) as f64 * if b >= 17 { 0.4 } else { 1.0 };
            let count = (pop * band_rate(b) * rng.uniform(0.6, 1.4)).round();
            writeln!(w, "{name},{label},{count},{pop}").unwrap();
        }
    }
    w.flush().unwrap();
    (areas * 19) as u64
}

/// ISR input: area, ageband, count, pop, ref_count, ref_pop (England-like reference).
fn write_isr(path: &Path, areas: usize) -> u64 {
    let mut rng = Rng::new(0x15A);
    let mut w = create(path);
    writeln!(w, "area,ageband,count,pop,ref_count,ref_pop").unwrap();
    let ref_pop: Vec<f64> = (0..19).map(|b| if b >= 17 { 1_200_000.0 } else { 3_400_000.0 }).collect();
    let ref_count: Vec<f64> = (0..19).map(|b| (ref_pop[b] * band_rate(b)).round()).collect();
    for a in 0..areas {
        let name = area(a);
        for (b, label) in ESP_LABELS.iter().enumerate() {
            let pop = rng.int(800, 6000) as f64 * if b >= 17 { 0.4 } else { 1.0 };
            let count = (pop * band_rate(b) * rng.uniform(0.6, 1.4)).round();
            writeln!(w, "{name},{label},{count},{pop},{},{}", ref_count[b], ref_pop[b]).unwrap();
        }
    }
    w.flush().unwrap();
    (areas * 19) as u64
}

/// Life-table input: area, startage (0, 1, 5, …, 90), deaths, pop. Pops of a few thousand per
/// band, death rates from the reference's worked example (rising with age), at least one
/// death at 90+, so every group is usable.
fn write_life_expectancy(path: &Path, areas: usize) -> u64 {
    // Rates of the reference's worked example (testLifeExpectancy.R, df1): deaths / population.
    const POP: [f64; 20] = [
        7060.0, 35059.0, 46974.0, 48489.0, 43219.0, 38561.0, 46009.0, 57208.0, 61435.0, 55601.0, 50209.0, 56416.0,
        46411.0, 39820.0, 37978.0, 37039.0, 33288.0, 23306.0, 11936.0, 11936.0,
    ];
    const DEATHS: [f64; 20] = [
        17.0, 9.0, 4.0, 8.0, 20.0, 15.0, 24.0, 33.0, 50.0, 71.0, 100.0, 163.0, 263.0, 304.0, 536.0, 872.0, 1390.0,
        1605.0, 1936.0, 1937.0,
    ];
    let mut rng = Rng::new(0x11FE);
    let mut w = create(path);
    writeln!(w, "area,startage,deaths,pop").unwrap();
    for a in 0..areas {
        let name = area(a);
        let scale = rng.uniform(0.8, 1.25); // area-level mortality
        for (b, age) in stats::life_expectancy::LIFE_TABLE_START_AGES.iter().enumerate() {
            let pop = match b {
                0 => rng.int(700, 1200),
                1 => rng.int(2800, 4800),
                18 => rng.int(1200, 2000),
                19 => rng.int(600, 1200),
                _ => rng.int(3000, 7000),
            } as f64;
            let rate = DEATHS[b] / POP[b] * scale * rng.uniform(0.7, 1.3);
            let mut deaths = (pop * rate).round();
            if b == 19 {
                deaths = deaths.max(1.0);
            }
            writeln!(w, "{name},{age},{deaths},{pop}").unwrap();
        }
    }
    w.flush().unwrap();
    (areas * 20) as u64
}

/// SII input: area, quantile 1..=10, pop, value, se, lower, upper. `rate = false`: life
/// expectancy-like values with standard errors; `rate = true`: rates per 100,000 with
/// asymmetric 95% limits as a rate has them (log scale).
fn write_sii(path: &Path, areas: usize, rate: bool) -> u64 {
    let mut rng = Rng::new(if rate { 0x5111 } else { 0x5110 });
    let mut w = create(path);
    writeln!(w, "area,quantile,pop,value,se,lower,upper").unwrap();
    for a in 0..areas {
        let name = area(a);
        let gap = rng.uniform(0.5, 1.5);
        for q in 1..=10u32 {
            let pop = rng.int(8_000, 20_000) as f64;
            let t = (q as f64 - 5.5) / 4.5; // −1 … 1: quantile 1 most deprived
            if rate {
                let value = 600.0 * (1.0 - 0.35 * gap * t) * rng.uniform(0.95, 1.05);
                let events = value * pop / 100_000.0;
                let se_log = 1.0 / events.sqrt();
                let lower = value * (-1.959_963_984_540_054 * se_log).exp();
                let upper = value * (1.959_963_984_540_054 * se_log).exp();
                writeln!(w, "{name},{q},{pop},{value:.6},{se_log:.6},{lower:.6},{upper:.6}").unwrap();
            } else {
                let value = 80.0 + 4.0 * gap * t + rng.uniform(-0.3, 0.3);
                let se = rng.uniform(0.25, 0.6);
                let lower = value - 1.959_963_984_540_054 * se;
                let upper = value + 1.959_963_984_540_054 * se;
                writeln!(w, "{name},{q},{pop},{value:.6},{se:.6},{lower:.6},{upper:.6}").unwrap();
            }
        }
    }
    w.flush().unwrap();
    (areas * 10) as u64
}

/// Row-wise proportion input: area, x, n.
fn write_proportion(path: &Path, rows: u64) -> u64 {
    let mut rng = Rng::new(0x9209);
    let mut w = create(path);
    writeln!(w, "area,x,n").unwrap();
    for r in 0..rows {
        let n = rng.int(1_000, 99_999);
        let x = rng.int(0, n / 50);
        writeln!(w, "E{r:08},{x},{n}").unwrap();
    }
    w.flush().unwrap();
    rows
}

// ---------------------------------------------------------------------------------------
// Measuring

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Reads the given columns of `input` chunk by chunk and does nothing with them.
fn read_only(input: &str, numbers: &[&str], texts: &[&str]) -> Duration {
    let start = Instant::now();
    let table = InputTable::open(input).expect("open");
    let numbers = numbers.iter().map(|c| table.column(c, c).unwrap()).collect();
    let texts = texts.iter().map(|c| table.column(c, c).unwrap()).collect();
    let mut reader = table.chunks(ColumnRequest { numbers, texts }).expect("chunks");
    let mut rows = 0usize;
    while let Some(chunk) = reader.next_chunk().expect("chunk") {
        rows += chunk.len;
    }
    std::hint::black_box(rows);
    start.elapsed()
}

struct Case {
    name: String,
    rows: u64,
    best: Duration,
    median: Duration,
    cpu_best: Duration,
    read_best: Duration,
    reference: Option<Duration>,
    out_rows: u64,
    warnings: usize,
}

fn time_case(
    name: &str,
    rows: u64,
    method: &CalcMethod,
    input: &str,
    output: &str,
    reference_secs: Option<f64>,
    read_columns: (&[&str], &[&str]),
) -> Case {
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut last: Option<RunSummary> = None;
    for _ in 0..runs() {
        let cpu_start = cpu_time();
        let start = Instant::now();
        let summary = run(method, input, output, &NoProgress).unwrap_or_else(|e| panic!("{name}: {e}"));
        times.push(start.elapsed());
        cpu.push(cpu_time().saturating_sub(cpu_start));
        last = Some(summary);
    }
    let reads: Vec<Duration> = (0..runs()).map(|_| read_only(input, read_columns.0, read_columns.1)).collect();
    let summary = last.expect("at least one run");
    let case = Case {
        name: name.to_string(),
        rows,
        best: *times.iter().min().expect("runs"),
        median: median(times.clone()),
        cpu_best: *cpu.iter().min().expect("runs"),
        read_best: *reads.iter().min().expect("runs"),
        reference: reference_secs.map(Duration::from_secs_f64),
        out_rows: summary.rows_written,
        warnings: summary.warnings.len(),
    };
    println!(
        "  {name}: runs {} (CPU time {}; read alone: best {}); {} rows in, {} rows out, {} warnings",
        times.iter().map(|t| fmt(*t)).collect::<Vec<_>>().join(", "),
        cpu.iter().map(|t| fmt(*t)).collect::<Vec<_>>().join(", "),
        fmt(case.read_best),
        rows,
        case.out_rows,
        case.warnings,
    );
    if let Some(w) = summary.warnings.first() {
        println!("    first warning: {w}");
    }
    case
}
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak RSS (VmHWM) to the current RSS; false where the kernel refuses.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn common(group_by: &[&str]) -> CommonOptions {
    CommonOptions { confidence: vec![ConfidenceLevel::C95], group_by: group_by.iter().map(|s| s.to_string()).collect() }
}

fn main() {
    // `cargo bench` passes `--bench`; other arguments select cases by tag: `streaming`, `dsr`,
    // `life`, `sii0`, `sii1`, `isr` (a prefix selects every case it begins, e.g. `sii`).
    // No argument: all.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |tag: &str| filters.is_empty() || filters.iter().any(|f| tag.starts_with(f.as_str()));
    let temporary = tempfile::tempdir().expect("temporary directory");
    let kept = std::env::var_os("FAIRER_BENCH_DIR").map(std::path::PathBuf::from);
    if let Some(k) = &kept {
        std::fs::create_dir_all(k).expect("FAIRER_BENCH_DIR");
    }
    let dir = kept.as_deref().unwrap_or(temporary.path());
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let threads = rayon::current_num_threads();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!("Fairer end-to-end benchmark (engine::calc::run, CSV file in -> CSV file out)");
    println!("threads available: {cores} (rayon uses {threads}); best of {} runs, median shown too", runs());
    println!("inputs in {}", dir.display());
    println!();

    // --- streaming, first, while the process is small ---------------------------------------
    let mut stream_lines = Vec::new();
    let proportion = CalcMethod::Proportion(ProportionOptions {
        columns: NumeratorDenominator { count: "x".into(), denominator: "n".into() },
        common: common(&[]),
        multiplier: 1.0,
    });
    let stream_sizes: &[u64] = if wanted("streaming") { &[1_000_000, 10_000_000] } else { &[] };
    for &rows in stream_sizes {
        let input = path(&format!("proportion_{rows}.csv"));
        let output = path(&format!("proportion_{rows}_out.csv"));
        let t = Instant::now();
        write_proportion(Path::new(&input), rows);
        let size = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
        println!("generated {input}: {rows} rows, {:.0} MB in {}", size as f64 / 1e6, fmt(t.elapsed()));
        let runs = if rows >= 10_000_000 { runs() } else { 1 };
        let mut times = Vec::new();
        let mut peaks = Vec::new();
        let mut cpus = Vec::new();
        let mut out_size = 0;
        for _ in 0..runs {
            let reset = reset_peak_rss();
            let before = status_kib("VmRSS:").unwrap_or(0);
            let cpu_start = cpu_time();
            let start = Instant::now();
            let s = run(&proportion, &input, &output, &NoProgress).expect("proportion");
            times.push(start.elapsed());
            cpus.push(cpu_time().saturating_sub(cpu_start));
            assert_eq!(s.rows_written, rows);
            let peak = status_kib("VmHWM:").unwrap_or(0);
            peaks.push((reset, before, peak));
            out_size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
            let _ = std::fs::remove_file(&output);
        }
        let best = *times.iter().min().expect("runs");
        let (reset, before, peak) = *peaks.iter().max_by_key(|p| p.2).expect("runs");
        let line = format!(
            "proportion (row-wise, streaming), {rows} rows, {:.0} MB in, {:.0} MB out: best {} median {} = {:.2} M rows/s, {:.0} MB/s in (CPU time of the fastest-CPU run {} = {:.2} M rows per CPU-second); RSS before run {:.1} MiB, peak RSS during run {:.1} MiB{}",
            size as f64 / 1e6,
            out_size as f64 / 1e6,
            fmt(best),
            fmt(median(times.clone())),
            rows as f64 / best.as_secs_f64() / 1e6,
            size as f64 / best.as_secs_f64() / 1e6,
            fmt(*cpus.iter().min().expect("runs")),
            rows as f64 / cpus.iter().min().expect("runs").as_secs_f64() / 1e6,
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            if reset { " (VmHWM reset before each run)" } else { " (VmHWM could not be reset: process-wide peak)" },
        );
        println!("  {line}");
        stream_lines.push(line);
        let _ = std::fs::remove_file(&input);
    }
    println!();

    let mut cases = Vec::new();

    // --- DSR: 10,000 areas × 19 ESP bands ---------------------------------------------------
    if wanted("dsr") {
        let input = path("dsr.csv");
        let rows = write_dsr(Path::new(&input), 10_000);
        let dsr = CalcMethod::Dsr(DsrOptions {
            count: "count".into(),
            denominator: "pop".into(),
            stdpop: None,
            age_band: Some("ageband".into()),
            event_frequency: None,
            multiplier: 100_000.0,
            common: common(&["area"]),
        });
        cases.push(time_case(
            "dsr (10,000 areas x 19 bands, --age-band ESP)",
            rows,
            &dsr,
            &input,
            &path("dsr_out.csv"),
            Some(5.5),
            (&["count", "pop"], &["area", "ageband"]),
        ));
    }

    // --- Life expectancy: 7,000 areas × 20 bands ----------------------------------------------
    if wanted("life") {
        let input = path("le.csv");
        let rows = write_life_expectancy(Path::new(&input), 7_000);
        let le = CalcMethod::LifeExpectancy(LifeExpectancyOptions {
            deaths: "deaths".into(),
            population: "pop".into(),
            start_age: "startage".into(),
            common: common(&["area"]),
        });
        cases.push(time_case(
            "life-expectancy (7,000 areas x 20 bands)",
            rows,
            &le,
            &input,
            &path("le_out.csv"),
            Some(40.0),
            (&["deaths", "pop"], &["area", "startage"]),
        ));
    }

    // --- SII: 300 areas × 10 deciles, 100,000 simulations ----------------------------------
    if wanted("sii0") {
        let input = path("sii_plain.csv");
        let rows = write_sii(Path::new(&input), 300, false);
        let sii_plain = CalcMethod::Sii(SiiCalcOptions {
            quantile: "quantile".into(),
            population: "pop".into(),
            value: "value".into(),
            se: SeSource::Column("se".into()),
            sii: SiiOptions { value_type: SiiValueType::Plain, reps: 100_000, seed: 1, ..SiiOptions::default() },
            common: common(&["area"]),
        });
        cases.push(time_case(
            "sii value_type 0, --se (300 areas x 10, 100k reps)",
            rows,
            &sii_plain,
            &input,
            &path("sii_plain_out.csv"),
            Some(147.0),
            (&["quantile", "pop", "value", "se"], &["area"]),
        ));
    }
    if wanted("sii1") {
        let input = path("sii_rate.csv");
        let rows = write_sii(Path::new(&input), 300, true);
        let sii_rate = CalcMethod::Sii(SiiCalcOptions {
            quantile: "quantile".into(),
            population: "pop".into(),
            value: "value".into(),
            se: SeSource::Limits { lower: "lower".into(), upper: "upper".into() },
            sii: SiiOptions {
                value_type: SiiValueType::Rate,
                transform: false,
                reps: 100_000,
                seed: 1,
                ..SiiOptions::default()
            },
            common: common(&["area"]),
        });
        cases.push(time_case(
            "sii value_type 1 rate, limits (300 areas x 10, 100k reps)",
            rows,
            &sii_rate,
            &input,
            &path("sii_rate_out.csv"),
            Some(147.0),
            (&["quantile", "pop", "value", "lower", "upper"], &["area"]),
        ));
    }

    // --- ISR: 10,000 areas × 19 bands -------------------------------------------------------
    if wanted("isr") {
        let input = path("isr.csv");
        let rows = write_isr(Path::new(&input), 10_000);
        let isr = CalcMethod::Isr(IsrOptions {
            count: "count".into(),
            denominator: "pop".into(),
            ref_count: "ref_count".into(),
            ref_denominator: "ref_pop".into(),
            kind: IsrKind::Ratio { refvalue: 1.0 },
            common: common(&["area"]),
        });
        cases.push(time_case(
            "isratio (10,000 areas x 19 bands)",
            rows,
            &isr,
            &input,
            &path("isr_out.csv"),
            Some(11.0),
            (&["count", "pop", "ref_count", "ref_pop"], &["area"]),
        ));
    }

    // --- the table ---------------------------------------------------------------------------
    let mut t = String::new();
    writeln!(t).unwrap();
    writeln!(t, "| case | rows | best | median | CPU time (best run, all threads) | read alone (best) | reference (R, 2 cores) | speed-up (reference / best) | >= 100x target met |").unwrap();
    writeln!(t, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |").unwrap();
    for c in &cases {
        let (reference, speedup, met) = match c.reference {
            Some(r) => {
                let x = r.as_secs_f64() / c.best.as_secs_f64();
                (
                    fmt(r),
                    format!("{x:.0}x"),
                    if x >= 100.0 { "yes".to_string() } else { format!("NO (target <= {})", fmt(r / 100)) },
                )
            }
            None => ("-".into(), "-".into(), "-".into()),
        };
        writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.name,
            c.rows,
            fmt(c.best),
            fmt(c.median),
            fmt(c.cpu_best),
            fmt(c.read_best),
            reference,
            speedup,
            met
        )
        .unwrap();
    }
    writeln!(t).unwrap();
    for l in &stream_lines {
        writeln!(t, "- {l}").unwrap();
    }
    writeln!(t, "- threads available: {cores} (rayon: {threads})").unwrap();
    print!("{t}");
}
