//! Seeded random streams and the few distributions the generator draws from.
//!
//! Determinism whatever the number of threads: every random quantity belongs to a *stream*
//! (population, deaths, births, …) and an *item* (a small area, an authority), and its generator
//! is seeded from (seed, stream, item) alone through SplitMix64 (Steele, Lea and Flood, "Fast
//! splittable pseudorandom number generators", OOPSLA 2014). So the same seed gives the same
//! numbers however the work is split between threads, and the files can be written in a fixed
//! order.

use rand::{RngExt, SeedableRng};
use rand_distr::{Binomial, Distribution, Poisson, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator used everywhere (xoshiro256++, Blackman and Vigna 2021).
pub type SynthRng = Xoshiro256PlusPlus;

/// A random stream: one kind of quantity, drawn independently of every other kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// The shape of the world: sizes, names, deprivation.
    World = 1,
    /// Authority-level effects on mortality and outcomes.
    Authority = 2,
    /// Small-area populations and small-area effects.
    Population = 3,
    /// Death counts (aggregate mode).
    Deaths = 4,
    /// Death events (microdata mode).
    DeathEvents = 5,
    /// Births.
    Births = 6,
    /// Children and young people's and wider-determinant outcomes.
    Outcomes = 7,
    /// Ethnic groups of the population (`--activity`).
    Ethnicity = 8,
    /// NHS activity and hospital events (`--activity`).
    Activity = 9,
}

/// SplitMix64's output function: a bijective mix of a 64-bit word.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of `item` in `stream` for `seed`.
pub fn stream_rng(seed: u64, stream: Stream, item: u64) -> SynthRng {
    let key = mix(mix(mix(seed) ^ (stream as u64)) ^ item);
    SynthRng::seed_from_u64(key)
}

/// A standard normal deviate.
pub fn normal(rng: &mut SynthRng) -> f64 {
    StandardNormal.sample(rng)
}

/// A uniform deviate on [0, 1).
pub fn uniform(rng: &mut SynthRng) -> f64 {
    rng.random::<f64>()
}

/// A Poisson count with mean `lambda` (0 when `lambda` is not positive).
///
/// Below a mean of 30 by inversion of the distribution function (sequential search), which
/// is exact and fast for the small means of small-area counts; above it by the rejection
/// method of `rand_distr`.
pub fn poisson(rng: &mut SynthRng, lambda: f64) -> u64 {
    if lambda.is_nan() || lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    if lambda < 30.0 {
        let u = uniform(rng);
        let mut k = 0u64;
        let mut p = (-lambda).exp();
        let mut cumulative = p;
        while u > cumulative && k < 200 {
            k += 1;
            p *= lambda / k as f64;
            cumulative += p;
        }
        return k;
    }
    match Poisson::new(lambda) {
        Ok(d) => {
            let x: f64 = d.sample(rng);
            x.max(0.0) as u64
        }
        Err(_) => lambda.round() as u64,
    }
}

/// A binomial count of `n` trials with probability `p` (clamped to [0, 1]).
pub fn binomial(rng: &mut SynthRng, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    match Binomial::new(n, p) {
        Ok(d) => d.sample(rng),
        Err(_) => (n as f64 * p).round() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..5).map(|_| poisson(&mut stream_rng(7, Stream::Deaths, 3), 4.0)).collect();
        let mut r1 = stream_rng(7, Stream::Deaths, 3);
        let mut r2 = stream_rng(7, Stream::Deaths, 3);
        let mut r3 = stream_rng(7, Stream::Births, 3);
        let x1: Vec<f64> = (0..10).map(|_| uniform(&mut r1)).collect();
        let x2: Vec<f64> = (0..10).map(|_| uniform(&mut r2)).collect();
        let x3: Vec<f64> = (0..10).map(|_| uniform(&mut r3)).collect();
        assert_eq!(x1, x2);
        assert_ne!(x1, x3);
        assert!(a.iter().all(|&v| v == a[0]));
    }

    #[test]
    fn poisson_and_binomial_have_the_right_means() {
        let mut rng = stream_rng(1, Stream::World, 0);
        for lambda in [0.3, 5.0, 80.0] {
            let n = 20_000;
            let mean = (0..n).map(|_| poisson(&mut rng, lambda) as f64).sum::<f64>() / n as f64;
            assert!((mean - lambda).abs() < 4.0 * (lambda / n as f64).sqrt() + 1e-9, "{lambda}: {mean}");
        }
        let mean = (0..20_000).map(|_| binomial(&mut rng, 50, 0.2) as f64).sum::<f64>() / 20_000.0;
        assert!((mean - 10.0).abs() < 0.1, "{mean}");
        assert_eq!(poisson(&mut rng, 0.0), 0);
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
    }
}
