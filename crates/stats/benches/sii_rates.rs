//! The SII of rates with limits by simulation (`value_type` 1, standard errors from 95% limits,
//! 100,000 repetitions), one thread, over the groups of a `calc sii` input: the kernel of the
//! whole-process workload `fairer calc sii … --lower-cl … --upper-cl … --value-type 1`
//! without reading, grouping, threads or writing, so that the method's own cost can be
//! compared between commits.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p fairer-stats --bench sii_rates
//! FAIRER_BENCH_SII_CSV=path/to/sii_rate.csv FAIRER_BENCH_RUNS=5 cargo bench -p fairer-stats --bench sii_rates
//! ```
//!
//! The input is a CSV file with the columns `area,quantile,pop,value,se,lower,upper` (the
//! `calc sii` speed input; rows of one area together), named by `FAIRER_BENCH_SII_CSV`;
//! without it, 300 areas × 10 quantiles of the same shape are made up (rates of 300 to 1,200
//! per 100,000 with a deprivation gradient, populations of 5,000 to 20,000, limits of ±15 to
//! 30%). Each group gets its own seed, mixed from its position as the engine does. Prints the
//! time of each run (wall time of one thread, which is its CPU time on an idle core), the
//! fastest, and a checksum of the results: the sum of every number with a decimal point in
//! each result's `Debug` text (SII, limits, intercept), which does not depend on how the
//! result type is laid out, so that commits that give the same numbers print the same sum.
//!
//! With `--instructions` (or `FAIRER_BENCH_RUNS=1`) it runs once, for a count of
//! instructions under `valgrind --tool=callgrind` or `perf stat`.

use std::hint::black_box;
use std::time::Instant;

use stats::sii::{slope_index_of_inequality, SiiOptions, SiiStandardError, SiiValueType};

/// One area's quantiles.
struct Group {
    quantile: Vec<f64>,
    population: Vec<f64>,
    value: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

/// xorshift64*: repeatable made-up inputs without another dependency.
struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// 300 areas × 10 quantiles of rates with limits.
fn made_up() -> Vec<Group> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..300)
        .map(|_| {
            let base = 300.0 + 500.0 * rng.unit();
            let gradient = 10.0 + 40.0 * rng.unit();
            let mut g = Group { quantile: vec![], population: vec![], value: vec![], lower: vec![], upper: vec![] };
            for q in 1..=10 {
                let v = base + gradient * (10 - q) as f64 + 20.0 * (rng.unit() - 0.5);
                let width = 0.15 + 0.15 * rng.unit();
                g.quantile.push(q as f64);
                g.population.push(5_000.0 + 15_000.0 * rng.unit());
                g.value.push(v);
                g.lower.push(v * (1.0 - width));
                g.upper.push(v * (1.0 + width));
            }
            g
        })
        .collect()
}

/// The groups of a `calc sii` input file (`area,quantile,pop,value,se,lower,upper`).
fn read(path: &str) -> Vec<Group> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("{path}: no column {name}"));
    let (area, q, p, v, l, u) = (col("area"), col("quantile"), col("pop"), col("value"), col("lower"), col("upper"));
    let mut groups: Vec<(String, Group)> = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let num = |c: usize| -> f64 {
            fields
                .get(c)
                .and_then(|f| f.parse().ok())
                .unwrap_or_else(|| panic!("{path}: row {}, column {}: not a number", i + 2, header[c]))
        };
        if groups.last().is_none_or(|(a, _)| a != fields[area]) {
            let empty = Group { quantile: vec![], population: vec![], value: vec![], lower: vec![], upper: vec![] };
            groups.push((fields[area].to_string(), empty));
        }
        let g = &mut groups.last_mut().expect("pushed above").1;
        g.quantile.push(num(q));
        g.population.push(num(p));
        g.value.push(num(v));
        g.lower.push(num(l));
        g.upper.push(num(u));
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// The engine's seed of group `index` (SplitMix64 of the run's seed and the position).
fn group_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The sum of the numbers with a decimal point or exponent in a `Debug` text.
fn numbers_in(debug: &str) -> f64 {
    debug
        .split(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')))
        .filter(|t| t.contains('.'))
        .filter_map(|t| t.parse::<f64>().ok())
        .sum()
}

/// Every group's SII once; the checksum of the results.
fn run(groups: &[Group]) -> f64 {
    let mut check = 0.0;
    for (i, g) in groups.iter().enumerate() {
        let options = SiiOptions { value_type: SiiValueType::Rate, seed: group_seed(1, i), ..SiiOptions::default() };
        let se = SiiStandardError::FromLimits { lower: &g.lower, upper: &g.upper };
        let r = slope_index_of_inequality(&g.quantile, &g.population, &g.value, se, &options)
            .unwrap_or_else(|e| panic!("group {}: {e}", i + 1));
        check += numbers_in(&format!("{:?}", black_box(&r)));
    }
    check
}

fn main() {
    let groups = match std::env::var("FAIRER_BENCH_SII_CSV") {
        Ok(path) => read(&path),
        Err(_) => made_up(),
    };
    let once = std::env::args().any(|a| a == "--instructions");
    let runs: usize =
        if once { 1 } else { std::env::var("FAIRER_BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3) };
    let quantiles: usize = groups.iter().map(|g| g.quantile.len()).sum();
    println!("sii_rates: {} groups, {quantiles} quantiles, {runs} runs", groups.len());
    let mut best = f64::INFINITY;
    let mut check = 0.0;
    for r in 1..=runs.max(1) {
        let start = Instant::now();
        check = run(&groups);
        let secs = start.elapsed().as_secs_f64();
        best = best.min(secs);
        println!("run {r}: {:.1} ms", secs * 1e3);
    }
    println!("fastest: {:.1} ms", best * 1e3);
    println!("checksum: {check:.12e}");
}
