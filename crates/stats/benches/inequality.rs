//! Criterion benchmarks of the inequality toolkit: every HEAT summary measure for 300 areas ×
//! 40 indicators × 10 deprivation deciles (12,000 dimensions), and the Arriaga decomposition.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p fairer-stats --bench inequality
//! ```
//!
//! The target is every measure for the 12,000 dimensions in under a second (BENCHMARKS.md).
//! Deciles are an ordered dimension, so HEAT computes D, R, PAR, PAF, ACI, RCI, SII and RII on
//! them; to time the other 17 measures (BGV, BGSD, COV, MLD, TI, IDISU/W, MDBU/W, MDMU/W,
//! MDRU/W and Fairer's percentile D8020, R8020, D9010, R9010, with the 100-draw simulation)
//! too, the same 12,000 dimensions are also run as non-ordered ones with a reference
//! subgroup. "all 25 measures" is both, one after the other:
//! the figure the acceptance is about. Each is timed single-threaded and split over 2 threads
//! (`std::thread::scope`), as the engine parallelises across dimensions.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use stats::arriaga::{arriaga_decomposition, MortalityByAge, AGE_BANDS, AGE_BAND_STARTS};
use stats::inequality::{summary_measures, DimensionInput, DimensionKind, Subgroup, SummaryOptions};

const AREAS: usize = 300;
const INDICATORS: usize = 40;
const DECILES: usize = 10;

/// xorshift64*: repeatable inputs without another dependency.
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

/// 12,000 dimensions of 10 deciles: a percentage with a deprivation gradient, SEs of 0.5 to 3,
/// populations of 5,000 to 20,000; decile 10 (least deprived) is the reference subgroup in the
/// non-ordered version. Half the indicators are favourable.
fn dimensions(kind: DimensionKind) -> Vec<DimensionInput> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut all = Vec::with_capacity(AREAS * INDICATORS);
    for _area in 0..AREAS {
        for indicator in 0..INDICATORS {
            let base = 20.0 + 50.0 * rng.unit();
            let slope = 0.5 + 2.5 * rng.unit();
            let subgroups = (1..=DECILES)
                .map(|d| {
                    let estimate = (base + slope * d as f64 + 4.0 * (rng.unit() - 0.5)).clamp(1.0, 99.0);
                    let mut s = Subgroup::new(format!("decile {d}"), estimate)
                        .with_se(0.5 + 2.5 * rng.unit())
                        .with_population((5_000.0 + 15_000.0 * rng.unit()).round())
                        .with_order(d as f64);
                    if d == DECILES && kind == DimensionKind::NonOrdered {
                        s = s.as_reference();
                    }
                    s
                })
                .collect();
            all.push(DimensionInput::new(subgroups, kind, indicator % 2 == 0, 100.0));
        }
    }
    all
}

/// Every measure of every dimension; returns the number of values, so nothing is optimised
/// away.
fn run_all(dims: &[DimensionInput], options: &SummaryOptions) -> usize {
    dims.iter()
        .map(|d| summary_measures(d, options).map(|ms| ms.iter().filter(|m| m.value().is_some()).count()).unwrap_or(0))
        .sum()
}

/// As [`run_all`], the dimensions split between `threads` scoped threads.
fn run_threads(dims: &[DimensionInput], options: &SummaryOptions, threads: usize) -> usize {
    let chunk = dims.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = dims.chunks(chunk).map(|part| s.spawn(move || run_all(part, options))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    })
}

fn summary(c: &mut Criterion) {
    let ordered = dimensions(DimensionKind::Ordered);
    let non_ordered = dimensions(DimensionKind::NonOrdered);
    let options = SummaryOptions::default();
    // Every measure that applies is computed: 8 on each ordered dimension, 21 on each
    // non-ordered one (D, R, PAR, PAF, the 13 non-ordered measures and the 4 percentile ones).
    assert_eq!(run_all(&ordered[..100], &options), 800);
    assert_eq!(run_all(&non_ordered[..100], &options), 2100);
    let mut g = c.benchmark_group("summary measures, 300 areas x 40 indicators x 10 deciles");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    g.bench_function("ordered (D R PAR PAF ACI RCI SII RII), 1 thread", |b| {
        b.iter(|| run_all(black_box(&ordered), &options))
    });
    g.bench_function("non-ordered (D R PAR PAF + 17 with simulation), 1 thread", |b| {
        b.iter(|| run_all(black_box(&non_ordered), &options))
    });
    g.bench_function("all 25 measures (both), 1 thread", |b| {
        b.iter(|| run_all(black_box(&ordered), &options) + run_all(black_box(&non_ordered), &options))
    });
    g.bench_function("all 25 measures (both), 2 threads", |b| {
        b.iter(|| run_threads(black_box(&ordered), &options, 2) + run_threads(black_box(&non_ordered), &options, 2))
    });
    g.finish();
}

fn arriaga(c: &mut Criterion) {
    let mut rng = Rng(42);
    let mut pair = || -> (MortalityByAge, MortalityByAge) {
        let mut mk = |a: f64| MortalityByAge {
            deaths: AGE_BAND_STARTS
                .iter()
                .map(|&x| (a * (0.085 * (f64::from(x) + 2.5)).exp() * 1000.0 * (0.9 + 0.2 * rng.unit())).max(0.1))
                .collect(),
            population: vec![1000.0; AGE_BANDS],
        };
        (mk(0.0002), mk(0.0001))
    };
    let pairs: Vec<_> = (0..AREAS).map(|_| pair()).collect();
    let mut g = c.benchmark_group("arriaga");
    g.bench_function("300 decompositions by 20 age bands", |b| {
        b.iter(|| {
            pairs
                .iter()
                .filter_map(|(a, b)| arriaga_decomposition(black_box(a), black_box(b)).ok())
                .map(|d| d.gap)
                .sum::<f64>()
        })
    });
    g.finish();
}

criterion_group!(benches, summary, arriaga);
criterion_main!(benches);
