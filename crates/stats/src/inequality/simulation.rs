//! HEAT's simulation intervals: truncated normal draws from R's random-number stream.
//!
//! HEAT (`do_simulation` in HEAT-Measures `utils.R`) computes the interval of the measures
//! without an analytic variance (BGSD, COV, IDISU, IDISW, MDBU, MDBW, MDMU, MDMW, MDRU, MDRW)
//! by simulation: after `set.seed(123456)` it draws, 100 times, a value for every subgroup (in
//! subgroup order) from a normal distribution with the subgroup's estimate as mean and its SE as
//! standard deviation, redrawing until the value is not negative (and, when the indicator scale
//! is 100, not above 100). The measure is computed on each draw and the interval is given by the
//! 2.5th and 97.5th percentiles of the 100 results (R's `quantile`, type 7).
//!
//! To give the same limits as HEAT, this module reproduces R's default generators bit for bit:
//! the Mersenne-Twister (Matsumoto and Nishimura 1998) with R's seeding (`set.seed` scrambles the
//! seed by 50 steps of the linear congruential generator 69069·s + 1 and fills the 625-word state
//! with further steps), and R's default normal generator, inversion: with two uniforms u₁, u₂,
//! u = (⌊2²⁷·u₁⌋ + u₂)/2²⁷ and x = Φ⁻¹(u) by AS 241 ([`normal_quantile`]). `rnorm(1, m, 0)`
//! returns m without drawing, as R does. The draws were checked against R 4.2.2
//! (`set.seed(123456); rnorm(3)`) in the tests below.
//!
//! Where R would loop for ever (an estimate outside the allowed range with an SE of zero, or so
//! far outside that no draw lands inside), the draw gives up after [`MAX_ATTEMPTS`] tries and
//! the simulation reports failure, so the interval is stated as unavailable.

use crate::distributions::normal_quantile;

/// The largest number of draws tried for one truncated value before the simulation gives up.
pub const MAX_ATTEMPTS: usize = 10_000;

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;
const I2_32M1: f64 = 2.328_306_437_080_797e-10; // 1/(2^32 - 1)

/// R's Mersenne-Twister uniform generator, seeded as `set.seed(seed)` seeds it.
#[derive(Clone)]
pub(crate) struct RMersenneTwister {
    mt: [u32; N],
    mti: usize,
}

impl RMersenneTwister {
    /// The state R has after `set.seed(seed)` with the default kinds.
    pub(crate) fn new(seed: u32) -> Self {
        let mut s = seed;
        for _ in 0..50 {
            s = s.wrapping_mul(69069).wrapping_add(1);
        }
        // The first of R's 625 seed words is the position (mti); FixupSeeds sets it to 624.
        s = s.wrapping_mul(69069).wrapping_add(1);
        let mut mt = [0u32; N];
        for word in mt.iter_mut() {
            s = s.wrapping_mul(69069).wrapping_add(1);
            *word = s;
        }
        RMersenneTwister { mt, mti: N }
    }

    fn next_u32(&mut self) -> u32 {
        let mag01 = [0u32, MATRIX_A];
        if self.mti >= N {
            for kk in 0..N - M {
                let y = (self.mt[kk] & UPPER_MASK) | (self.mt[kk + 1] & LOWER_MASK);
                self.mt[kk] = self.mt[kk + M] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            }
            for kk in N - M..N - 1 {
                let y = (self.mt[kk] & UPPER_MASK) | (self.mt[kk + 1] & LOWER_MASK);
                self.mt[kk] = self.mt[kk + M - N] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            }
            let y = (self.mt[N - 1] & UPPER_MASK) | (self.mt[0] & LOWER_MASK);
            self.mt[N - 1] = self.mt[M - 1] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            self.mti = 0;
        }
        let mut y = self.mt[self.mti];
        self.mti += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// R's `unif_rand()`: a uniform on (0, 1), never exactly 0 or 1.
    pub(crate) fn unif_rand(&mut self) -> f64 {
        let value = f64::from(self.next_u32()) * 2.328_306_436_538_696_3e-10;
        if value <= 0.0 {
            0.5 * I2_32M1
        } else if 1.0 - value <= 0.0 {
            1.0 - 0.5 * I2_32M1
        } else {
            value
        }
    }

    /// R's `norm_rand()` by inversion.
    pub(crate) fn norm_rand(&mut self) -> f64 {
        const BIG: f64 = 134_217_728.0; // 2^27
        let u1 = self.unif_rand();
        // (int)(BIG·u₁) as R writes it: 0 < BIG·u₁ < 2²⁷, so the conversion to an integer is
        // exactly the truncation (and avoids a call to `trunc` on baseline x86-64).
        let u = ((BIG * u1) as u32) as f64 + self.unif_rand();
        normal_quantile(u / BIG)
    }

    /// R's `rnorm(1, mean, sd)`: `mean` itself when `sd` is zero (no draw), NaN for a negative
    /// or non-finite `sd`. ([`simulate`] reads the same stream through its cache.)
    #[cfg(test)]
    pub(crate) fn rnorm(&mut self, mean: f64, sd: f64) -> f64 {
        if mean.is_nan() || !sd.is_finite() || sd < 0.0 {
            return f64::NAN;
        }
        if sd == 0.0 || !mean.is_finite() {
            return mean;
        }
        mean + sd * self.norm_rand()
    }
}

/// HEAT's simulated estimates: `draws` draws of one value per subgroup, held in one
/// allocation (draw d's value of subgroup i at `d·n + i`), with the per-draw values that
/// several measures share, each computed once ([`Draws::shared`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Draws {
    /// Values per draw (the number of subgroups), at least one.
    n: usize,
    values: Vec<f64>,
    /// Per-draw values by [`Shared`], once computed.
    shared: [std::cell::OnceCell<Vec<f64>>; SHARED],
}

/// Per-draw values used by more than one simulated measure. Each is computed by the same
/// expression as the measures computed it on their own, so sharing it changes no interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shared {
    /// √(Σ p_j (ỹ_j − μ)²): BGSD's draws, and COV's as 100·it/μ.
    BetweenGroupSd,
    /// m̃ = Σ p_j ỹ_j: the draw's own weighted mean (MDMU, MDMW, IDISW).
    WeightedMean,
    /// Σ p_j |ỹ_j − m̃|: MDMW's draws, and IDISW's as 100·it/m̃.
    WeightedMeanDeviation,
    /// Σ |ỹ_best − ỹ_j| / n: MDBU's draws, and MDRU's (HEAT simulates MDRU from the best
    /// subgroup).
    MeanDifferenceFromBest,
    /// Σ p_j |ỹ_best − ỹ_j|: MDBW's draws, and MDRW's.
    WeightedMeanDifferenceFromBest,
}

const SHARED: usize = 5;

impl Draws {
    fn new(n: usize, values: Vec<f64>) -> Self {
        Draws { n, values, shared: Default::default() }
    }

    /// The draws in turn, each one value per subgroup.
    pub(crate) fn iter(&self) -> std::slice::ChunksExact<'_, f64> {
        self.values.chunks_exact(self.n)
    }

    /// The per-draw values `which`, computed by `stat` (given each draw's index and values)
    /// the first time they are asked for; later calls return them without calling `stat`.
    pub(crate) fn shared(&self, which: Shared, mut stat: impl FnMut(usize, &[f64]) -> f64) -> &[f64] {
        self.shared[which as usize].get_or_init(|| self.iter().enumerate().map(|(d, x)| stat(d, x)).collect())
    }

    /// The same draws with each draw's values sorted in ascending order (for quantiles of a
    /// draw by [`quantile_type7_sorted`]).
    pub(crate) fn sorted(&self) -> Draws {
        let mut values = self.values.clone();
        let mut keys = Vec::with_capacity(self.n);
        for draw in values.chunks_exact_mut(self.n) {
            // Sorted as `f64::total_cmp` sorts, through integer keys (faster to compare).
            keys.clear();
            keys.extend(draw.iter().map(|&v| total_order_key(v)));
            keys.sort_unstable();
            draw.iter_mut().zip(&keys).for_each(|(v, &k)| *v = from_total_order_key(k));
        }
        Draws::new(self.n, values)
    }
}

/// The standard normals R's `norm_rand()` gives after `set.seed(seed)`, in order: the first
/// [`CACHED_NORMALS`] of HEAT's seed are computed once per process and shared (every dimension
/// restarts the generator at the same seed, so every simulation reads the same stream), and the
/// rest, for long simulations or other seeds, come from the generator itself.
struct NormalStream {
    /// Normals already known for this seed (empty for a seed other than [`HEAT_SEED`]).
    known: &'static [f64],
    /// The next normal's position in the stream.
    next: usize,
    /// The generator's state after `known`, to continue from (cloned on first use).
    after_known: &'static RMersenneTwister,
    /// The generator past `known`, once the stream has gone beyond it.
    tail: Option<RMersenneTwister>,
    /// A generator of another seed.
    own: Option<RMersenneTwister>,
}

/// HEAT's seed (`set.seed(123456)` in `do_simulation`).
pub(crate) const HEAT_SEED: u32 = 123_456;

/// How many of HEAT's seed's normals are kept: 100 draws of up to 81 subgroups without any
/// redraw (more subgroups or redraws continue from the generator).
pub(crate) const CACHED_NORMALS: usize = 8_192;

/// HEAT's seed's first [`CACHED_NORMALS`] normals and the generator's state after them.
fn heat_seed_normals() -> &'static (Vec<f64>, RMersenneTwister) {
    static NORMALS: std::sync::OnceLock<(Vec<f64>, RMersenneTwister)> = std::sync::OnceLock::new();
    NORMALS.get_or_init(|| {
        let mut rng = RMersenneTwister::new(HEAT_SEED);
        let normals = (0..CACHED_NORMALS).map(|_| rng.norm_rand()).collect();
        (normals, rng)
    })
}

impl NormalStream {
    fn new(seed: u32) -> Self {
        let (known, after_known) = heat_seed_normals();
        if seed == HEAT_SEED {
            NormalStream { known, next: 0, after_known, tail: None, own: None }
        } else {
            NormalStream { known: &[], next: 0, after_known, tail: None, own: Some(RMersenneTwister::new(seed)) }
        }
    }

    /// The next standard normal of the stream.
    fn norm_rand(&mut self) -> f64 {
        if let Some(own) = self.own.as_mut() {
            return own.norm_rand();
        }
        if let Some(&z) = self.known.get(self.next) {
            self.next += 1;
            return z;
        }
        self.tail.get_or_insert_with(|| self.after_known.clone()).norm_rand()
    }
}

/// HEAT's simulated estimates: `draws` draws of one value per subgroup in the given order.
///
/// Each value is a normal draw with mean `estimates[i]` and standard deviation `ses[i]`,
/// redrawn until it is ≥ 0 and, when `scale == 100`, ≤ 100. Returns `None` when a value cannot
/// be drawn within [`MAX_ATTEMPTS`] tries (R would never stop), an input is not finite, or
/// there are no subgroups. The values are R's `rnorm(1, mean, sd)` from the stream of
/// `set.seed(seed)`: `mean` itself without a draw when `sd` is zero, else `mean + sd·z` with z
/// the stream's next standard normal.
pub(crate) fn simulate(estimates: &[f64], ses: &[f64], scale: f64, draws: usize, seed: u32) -> Option<Draws> {
    if estimates.len() != ses.len() || estimates.is_empty() {
        return None;
    }
    if estimates.iter().chain(ses).any(|v| !v.is_finite()) || ses.iter().any(|&s| s < 0.0) {
        return None;
    }
    let percentage = scale == 100.0;
    let inside = |x: f64| x >= 0.0 && (!percentage || x <= 100.0);
    if estimates.iter().zip(ses).any(|(&mean, &sd)| sd == 0.0 && !inside(mean)) {
        return None;
    }
    let mut normals = NormalStream::new(seed);
    let mut out = Vec::with_capacity(draws * estimates.len());
    for _ in 0..draws {
        for (&mean, &sd) in estimates.iter().zip(ses) {
            if sd == 0.0 {
                out.push(mean);
                continue;
            }
            let mut accepted = None;
            for _ in 0..MAX_ATTEMPTS {
                let x = mean + sd * normals.norm_rand();
                if inside(x) {
                    accepted = Some(x);
                    break;
                }
            }
            out.push(accepted?);
        }
    }
    Some(Draws::new(estimates.len(), out))
}

/// R's `quantile(x, p, type = 7, na.rm = TRUE)`: with the sorted values x₍₁₎ ≤ … ≤ x₍ₙ₎,
/// h = 1 + (n − 1)p, the quantile is x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌈h⌉₎ − x₍⌊h⌋₎). NaN values are
/// dropped; `None` when none is left or `p` is outside [0, 1]. (The measures use
/// [`quantiles_type7_in_place`] and [`quantile_type7_sorted`]; this form is kept for the tests
/// against R.)
#[cfg(test)]
pub(crate) fn quantile_type7(values: &[f64], p: f64) -> Option<f64> {
    quantiles_type7(values, [p])[0]
}

/// [`quantile_type7`] at several probabilities. Only the order statistics x₍⌊h⌋₎ and x₍⌈h⌉₎
/// are needed, so they are found by selection (linear time) instead of a full sort; ties and
/// signed zeros are ordered by `f64::total_cmp`, as a sort by it would order them.
#[cfg(test)]
pub(crate) fn quantiles_type7<const N: usize>(values: &[f64], ps: [f64; N]) -> [Option<f64>; N] {
    let mut x: Vec<f64> = values.to_vec();
    quantiles_type7_in_place(&mut x, ps)
}

/// [`quantiles_type7`] on values the caller no longer needs: NaN values are dropped and the
/// rest reordered in place, without copying.
///
/// Simulation intervals ask for the 2.5th and 97.5th percentiles of 100 values, i.e. order
/// statistics within a few places of either end: when every position asked for is that close
/// to an end, they are all found in one pass ([`near_end_order_statistics`]); otherwise each by
/// selection.
pub(crate) fn quantiles_type7_in_place<const N: usize>(x: &mut Vec<f64>, ps: [f64; N]) -> [Option<f64>; N] {
    x.retain(|v| !v.is_nan());
    let n = x.len();
    let positions = ps.map(|p| type7_position(n, p));
    // Order statistics needed from the low end (x₍ᵢ₎ and x₍ᵢ₊₁₎ for i < NEAR_END) and from the
    // high end (for n − 1 − i < NEAR_END).
    let (mut low, mut high, mut middle) = (0, 0, false);
    for &(i, _) in positions.iter().flatten() {
        if i < NEAR_END {
            low = low.max(i + 2);
        } else if n - 1 - i < NEAR_END {
            high = high.max(n - i);
        } else {
            middle = true;
        }
    }
    if middle {
        return ps.map(|p| quantile_by_selection(x, p));
    }
    let ends = near_end_order_statistics(x, low.min(n), high.min(n));
    positions.map(|pos| {
        let (i, h) = pos?;
        let qs = ends.get(i)?;
        let next = if h > 0.0 { ends.get(i + 1) } else { None };
        Some(type7_interpolate(qs, next, h))
    })
}

/// Order statistics near both ends of some values, found in one pass: the `low` smallest and
/// the `high` largest (each at most [`NEAR_END`] + 1), ordered as `f64::total_cmp` orders them.
struct NearEnds {
    n: usize,
    low: [i64; NEAR_END + 1],
    low_len: usize,
    high: [i64; NEAR_END + 1],
    high_len: usize,
}

impl NearEnds {
    /// x₍ᵢ₊₁₎ (0-based `i`), when it is among those kept.
    fn get(&self, i: usize) -> Option<f64> {
        if i < self.low_len {
            return Some(from_total_order_key(self.low[i]));
        }
        let from_top = self.n.checked_sub(i + 1)?;
        (from_top < self.high_len).then(|| from_total_order_key(self.high[from_top]))
    }
}

/// The key whose integer order is `f64::total_cmp`'s order of the values (the sign bit kept,
/// the other bits flipped for negative values).
fn total_order_key(v: f64) -> i64 {
    let bits = v.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// The value of a [`total_order_key`] (the transformation is its own inverse).
fn from_total_order_key(key: i64) -> f64 {
    f64::from_bits((key ^ (((key >> 63) as u64) >> 1) as i64) as u64)
}

/// The `low` smallest and `high` largest of `x` in one pass, each kept in order in a small
/// buffer by insertion (most values are rejected by one comparison with the buffer's last).
fn near_end_order_statistics(x: &[f64], low: usize, high: usize) -> NearEnds {
    let mut out = NearEnds { n: x.len(), low: [0; NEAR_END + 1], low_len: 0, high: [0; NEAR_END + 1], high_len: 0 };
    let low = low.min(NEAR_END + 1);
    let high = high.min(NEAR_END + 1);
    for &v in x.iter() {
        let k = total_order_key(v);
        if low > 0 && (out.low_len < low || k < out.low[low - 1]) {
            let mut i = out.low_len.min(low - 1);
            while i > 0 && k < out.low[i - 1] {
                out.low[i] = out.low[i - 1];
                i -= 1;
            }
            out.low[i] = k;
            out.low_len = (out.low_len + 1).min(low);
        }
        if high > 0 && (out.high_len < high || k > out.high[high - 1]) {
            let mut i = out.high_len.min(high - 1);
            while i > 0 && k > out.high[i - 1] {
                out.high[i] = out.high[i - 1];
                i -= 1;
            }
            out.high[i] = k;
            out.high_len = (out.high_len + 1).min(high);
        }
    }
    out
}

/// The position of the type 7 quantile at `p` among `n` sorted values: the 0-based index of
/// x₍⌊h⌋₎ and the weight h − ⌊h⌋ of the next value (0 when h is whole). `None` for `p`
/// outside [0, 1] or no values.
fn type7_position(n: usize, p: f64) -> Option<(usize, f64)> {
    if !(0.0..=1.0).contains(&p) || n == 0 {
        return None;
    }
    let index = 1.0 + (n as f64 - 1.0) * p;
    // ⌊index⌋: index ≥ 1, so the conversion to an integer is the floor.
    let lo_whole = index as usize;
    Some((lo_whole.clamp(1, n) - 1, index - lo_whole as f64))
}

/// R's interpolation between x₍⌊h⌋₎ = `qs` and x₍⌊h⌋₊₁₎ = `next` with weight `h`, written as
/// `quantile.default` writes it, (1 − h)·qs + h·next, and only where h > 0 and next ≠ qs.
fn type7_interpolate(qs: f64, next: Option<f64>, h: f64) -> f64 {
    match next {
        Some(next) if h > 0.0 && next != qs => (1.0 - h) * qs + h * next,
        _ => qs,
    }
}

/// The type 7 quantile of `x` (no NaN), reordering `x`.
fn quantile_by_selection(x: &mut [f64], p: f64) -> Option<f64> {
    let (lo_i, h) = type7_position(x.len(), p)?;
    let (_, qs, right) = x.select_nth_unstable_by(lo_i, f64::total_cmp);
    let qs = *qs;
    // x₍⌊h⌋₊₁₎: the smallest value after the selected position (only needed when h > 0).
    let next = if h > 0.0 { right.iter().copied().min_by(f64::total_cmp) } else { None };
    Some(type7_interpolate(qs, next, h))
}

/// Order statistics within this many places of either end are found in one pass by
/// [`near_end_order_statistics`].
const NEAR_END: usize = 8;

/// [`quantile_type7`] of values already sorted in ascending order (no NaN), without
/// reordering or copying: for many small sets of values, such as the subgroups of each
/// simulated draw ([`Draws::sorted`]).
pub(crate) fn quantile_type7_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let (lo_i, h) = type7_position(sorted.len(), p)?;
    let qs = *sorted.get(lo_i)?;
    Some(type7_interpolate(qs, sorted.get(lo_i + 1).copied(), h))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    //! The generator is checked against R 4.2.2: `set.seed(123456); print(rnorm(3), digits = 17)`
    //! and `set.seed(123456); runif(2)`, and the truncated draws against HEAT's `do_simulation`
    //! loop run in R on the same inputs.
    use super::*;

    #[test]
    fn rnorm_matches_r_after_set_seed_123456() {
        let mut rng = RMersenneTwister::new(123_456);
        let expected = [0.83373317075513842, -0.27604777321486657, -0.35500183803340557];
        for e in expected {
            let got = rng.rnorm(0.0, 1.0);
            assert!((got - e).abs() < 1e-15, "{got} vs {e}");
        }
    }

    #[test]
    fn truncated_draws_match_heat_loop_in_r() {
        // R: set.seed(123456); sapply(1:5, function(i) { repeat { r <- rnorm(1, 2, 3);
        //   if (r >= 0 & r <= 100) break }; r })  -- HEAT's do_simulation loop, scale 100.
        let sims = simulate(&[2.0], &[3.0], 100.0, 5, 123_456).unwrap();
        assert_eq!(sims.iter().len(), 5);
        let expected =
            [4.50119951226541559, 1.17185668035540025, 0.93499448589978318, 2.26246227141260992, 8.75676719162967210];
        for (got, e) in sims.iter().map(|d| d[0]).zip(expected) {
            assert!((got - e).abs() < 1e-14, "{got} vs {e}");
        }
        // R: set.seed(123456); runif(3)
        let mut rng = RMersenneTwister::new(123_456);
        for e in [0.79778432077728212, 0.75356509489938617, 0.39125568419694901] {
            assert!((rng.unif_rand() - e).abs() < 1e-16);
        }
    }

    /// HEAT's loop written directly on the generator, as R runs it.
    fn simulate_directly(estimates: &[f64], ses: &[f64], scale: f64, draws: usize, seed: u32) -> Vec<f64> {
        let mut rng = RMersenneTwister::new(seed);
        let mut out = Vec::new();
        for _ in 0..draws {
            for (&m, &s) in estimates.iter().zip(ses) {
                loop {
                    let x = rng.rnorm(m, s);
                    if x >= 0.0 && (scale != 100.0 || x <= 100.0) {
                        out.push(x);
                        break;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn cached_stream_continues_exactly_as_the_generator() {
        // 100 draws of 120 subgroups (12,000 normals, beyond the 8,192 cached), with redraws
        // (estimates near 0 and 100), zero SEs (no draw) and another seed (no cache).
        let estimates: Vec<f64> = (0..120).map(|i| [0.5, 99.0, 40.0, 3.0][i % 4] + i as f64 * 0.01).collect();
        let ses: Vec<f64> = (0..120).map(|i| if i % 17 == 0 { 0.0 } else { 0.5 + (i % 7) as f64 }).collect();
        for seed in [HEAT_SEED, 42] {
            let got = simulate(&estimates, &ses, 100.0, 100, seed).unwrap();
            let expected = simulate_directly(&estimates, &ses, 100.0, 100, seed);
            let got: Vec<f64> = got.iter().flatten().copied().collect();
            assert_eq!(got, expected, "seed {seed}");
        }
        const { assert!(120 * 100 > CACHED_NORMALS) };
    }

    #[test]
    fn quantile_type7_matches_r() {
        // R: quantile(1:100, c(0.025, 0.975)) = 3.475, 97.525
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert!((quantile_type7(&v, 0.025).unwrap() - 3.475).abs() < 1e-12);
        assert!((quantile_type7(&v, 0.975).unwrap() - 97.525).abs() < 1e-12);
        assert_eq!(quantile_type7(&[], 0.5), None);
        assert_eq!(quantile_type7(&[f64::NAN], 0.5), None);
        assert_eq!(quantile_type7(&[2.0], 0.975), Some(2.0));
    }

    #[test]
    fn selection_quantiles_equal_sorted_quantiles() {
        // Against the definition on sorted values, for many sizes, ties and probabilities.
        let mut rng = RMersenneTwister::new(7);
        for n in 1..130 {
            let v: Vec<f64> = (0..n)
                .map(|i| {
                    if i % 11 == 5 {
                        -0.0
                    } else {
                        (rng.unif_rand() * 8.0).floor() - 3.0 + if i % 3 == 0 { 0.5 } else { 0.0 }
                    }
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            for p in [0.0, 0.001, 0.025, 0.1, 0.5, 0.9, 0.975, 0.999, 1.0] {
                let h = 1.0 + (n as f64 - 1.0) * p;
                let (lo, hi) = (h.floor() as usize - 1, h.ceil() as usize - 1);
                let expected = sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo]);
                let got = quantiles_type7(&v, [p, 1.0 - p]);
                assert!((got[0].unwrap() - expected).abs() < 1e-12, "n {n} p {p}");
                // The sorted form gives the same bits as selection.
                assert_eq!(quantile_type7_sorted(&sorted, p), got[0], "n {n} p {p}");
                assert_eq!(quantile_type7_sorted(&sorted, 1.0 - p), got[1], "n {n} p {p}");
            }
        }
    }

    #[test]
    fn impossible_truncation_gives_up_instead_of_looping() {
        assert!(simulate(&[-50.0], &[1.0], 1.0, 2, 1).is_none());
        assert!(simulate(&[-1.0], &[0.0], 1.0, 2, 1).is_none());
        assert!(simulate(&[150.0], &[0.0], 100.0, 2, 1).is_none());
        assert!(simulate(&[], &[], 1.0, 2, 1).is_none());
        let ok = simulate(&[5.0, 10.0], &[0.0, 1.0], 100.0, 3, 1).unwrap();
        assert_eq!(ok.iter().len(), 3);
        assert!(ok.iter().all(|d| d[0] == 5.0 && d[1] >= 0.0));
        let sorted = simulate(&[10.0, 5.0, 7.0], &[1.0, 1.0, 1.0], 100.0, 4, 1).unwrap().sorted();
        assert!(sorted.iter().all(|d| d[0] <= d[1] && d[1] <= d[2]));
    }
}
