//! Criterion benchmarks of the method kernels in `stats`: one call each, on realistic inputs.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p fairer-stats --bench methods -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! The end-to-end figures (from a CSV file to an output file) are in
//! `crates/engine/benches/calc_end_to_end.rs`; see BENCHMARKS.md.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use stats::dsr::{directly_standardised_rate, esp2013_weight};
use stats::life_expectancy::{life_expectancy, LIFE_TABLE_START_AGES};
use stats::poisson::{byars_lower, byars_upper, exact_lower, exact_upper};
use stats::proportion::{proportion, wilson_lower, wilson_upper};
use stats::quantile::assign_quantiles;
use stats::sii::{slope_index_of_inequality, SiiOptions, SiiStandardError, SiiValueType};
use stats::ConfidenceLevel;

const C95: ConfidenceLevel = ConfidenceLevel::C95;
const BOTH: [ConfidenceLevel; 2] = [ConfidenceLevel::C95, ConfidenceLevel::C998];

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

fn limits(c: &mut Criterion) {
    let mut g = c.benchmark_group("limits");
    g.bench_function("wilson lower+upper 95%", |b| {
        b.iter(|| {
            (
                wilson_lower(black_box(37.0), black_box(1234.0), C95),
                wilson_upper(black_box(37.0), black_box(1234.0), C95),
            )
        })
    });
    g.bench_function("proportion (Wilson) 95% + 99.8%, full estimate", |b| {
        b.iter(|| proportion(black_box(37.0), black_box(1234.0), 1.0, &BOTH))
    });
    g.bench_function("byars lower+upper 95% (x=120)", |b| {
        b.iter(|| (byars_lower(black_box(120.0), C95), byars_upper(black_box(120.0), C95)))
    });
    g.bench_function("exact lower+upper 95% (x=7)", |b| {
        b.iter(|| (exact_lower(black_box(7.0), C95), exact_upper(black_box(7.0), C95)))
    });
    g.finish();
}

fn standardised(c: &mut Criterion) {
    let stdpop: Vec<f64> = (0..19).map(|b| esp2013_weight(5 * b).expect("ESP band")).collect();
    let n: Vec<f64> = (0..19).map(|b| 4000.0 + 97.0 * b as f64).collect();
    let x: Vec<Option<f64>> =
        (0..19).map(|b| Some((0.4 * (0.078 * (5.0 * b as f64 - 10.0).max(0.0)).exp() * 4.0).round())).collect();
    c.bench_function("dsr one group, 19 ESP bands, 95%", |b| {
        b.iter(|| directly_standardised_rate(black_box(&x), black_box(&n), &stdpop, 100_000.0, &[C95]).expect("dsr"))
    });

    // The reference's worked example (testLifeExpectancy.R, df1).
    let population = [
        7060.0, 35059.0, 46974.0, 48489.0, 43219.0, 38561.0, 46009.0, 57208.0, 61435.0, 55601.0, 50209.0, 56416.0,
        46411.0, 39820.0, 37978.0, 37039.0, 33288.0, 23306.0, 11936.0, 11936.0,
    ];
    let deaths = [
        17.0, 9.0, 4.0, 8.0, 20.0, 15.0, 24.0, 33.0, 50.0, 71.0, 100.0, 163.0, 263.0, 304.0, 536.0, 872.0, 1390.0,
        1605.0, 1936.0, 1937.0,
    ];
    c.bench_function("life table one group, 20 bands, 95%", |b| {
        b.iter(|| {
            life_expectancy(&LIFE_TABLE_START_AGES, black_box(&deaths), black_box(&population), &[C95])
                .expect("life table")
        })
    });
}

fn sii(c: &mut Criterion) {
    let quantile: Vec<f64> = (1..=10).map(f64::from).collect();
    let population: Vec<f64> = (0..10).map(|q| 12_000.0 + 700.0 * q as f64).collect();
    // Life expectancy-like values with standard errors.
    let le: Vec<f64> = (0..10).map(|q| 76.0 + 0.9 * q as f64).collect();
    let se: Vec<f64> = (0..10).map(|q| 0.3 + 0.02 * q as f64).collect();
    // Rates per 100,000 with the limits a rate has (symmetric on the log scale).
    let rate: Vec<f64> = (0..10).map(|q| 800.0 - 45.0 * q as f64).collect();
    let z = 1.959_963_984_540_054;
    let se_log: Vec<f64> = rate.iter().zip(&population).map(|(r, p)| 1.0 / (r * p / 100_000.0).sqrt()).collect();
    let lower: Vec<f64> = rate.iter().zip(&se_log).map(|(r, s)| r * (-z * s).exp()).collect();
    let upper: Vec<f64> = rate.iter().zip(&se_log).map(|(r, s)| r * (z * s).exp()).collect();

    let mut g = c.benchmark_group("sii one group, 10 quantiles, 100,000 reps");
    g.sample_size(10);
    let plain = SiiOptions { value_type: SiiValueType::Plain, reps: 100_000, ..SiiOptions::default() };
    g.bench_function("value_type 0, se given", |b| {
        b.iter(|| {
            slope_index_of_inequality(&quantile, &population, black_box(&le), SiiStandardError::Given(&se), &plain)
                .expect("sii")
        })
    });
    let rate_options = SiiOptions { value_type: SiiValueType::Rate, reps: 100_000, ..SiiOptions::default() };
    g.bench_function("value_type 1 rate, from limits", |b| {
        b.iter(|| {
            slope_index_of_inequality(
                &quantile,
                &population,
                black_box(&rate),
                SiiStandardError::FromLimits { lower: &lower, upper: &upper },
                &rate_options,
            )
            .expect("sii")
        })
    });
    g.finish();
}

fn quantiles(c: &mut Criterion) {
    // 33,755: the number of LSOAs in England (2011), the reference's usual case.
    let mut rng = Rng(0x0A17_5EED);
    let values: Vec<Option<f64>> = (0..33_755).map(|_| Some((rng.unit() * 1000.0).round() / 10.0)).collect();
    c.bench_function("quantile assignment, 33,755 values, 10 quantiles", |b| {
        b.iter(|| assign_quantiles(black_box(&values), 10, true).expect("quantiles"))
    });
}

criterion_group!(benches, limits, standardised, sii, quantiles);
criterion_main!(benches);
