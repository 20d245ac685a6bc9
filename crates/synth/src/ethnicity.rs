//! Ethnic groups of the synthetic population (`fairer generate --activity`).
//!
//! Per small area, the log-odds of the non-White share is
//!
//! logit p = c_r + 0.6 · x + a_l + e
//!
//! with c_r the region's level, x the area's centred deprivation, a_l its local authority's
//! effect (sd 0.8: a few Leicesters and Newhams) and e the area's own noise (sd 0.5), see
//! [`crate::nhs_model`]. c_r is *solved* (bisection) so that the region's expected non-White share,
//! over its drawn areas and their populations, equals its Census 2021 share exactly. The
//! non-White share is split among Asian, Black, Mixed and Other by the region's mix with Dirichlet
//! noise. Non-White groups are younger: in band b the odds of a non-White group are multiplied by
//! [`crate::nhs_model::non_white_age_factor`] and the shares renormalised.
//!
//! Each population cell (area, year, sex, band) is split into the five groups inside the block
//! functions ([`split_area`]), never stored for the whole world: the first year's cell by a
//! multinomial draw, later years by apportioning the year's count in the first year's
//! proportions (largest remainder), so that people keep their group across years.
//!
//! Streams: [`Stream::Ethnicity`] item = the small area (noise and mix), `AUTHORITY_ITEM +`
//! authority (effects), `SPLIT_ITEM +` area (the multinomial split).

use rand_distr::{Distribution, Gamma};

use crate::geography::World;
use crate::model::BANDS;
use crate::nhs_model::{
    non_white_age_factor, region_shares, ETHNIC_AREA_SD, ETHNIC_AUTHORITY_SD, ETHNIC_DEPRIVATION,
    ETHNIC_MIX_CONCENTRATION, G,
};
use crate::people::People;
use crate::rng::{binomial, normal, stream_rng, Stream, SynthRng};

const AUTHORITY_ITEM: u64 = 1 << 40;
const SPLIT_ITEM: u64 = 2 << 40;

/// The drawn ethnic make-up of every small area.
#[derive(Clone, Debug)]
pub struct Ethnicity {
    /// Per area: the non-White odds before the age factor (p / (1 − p)) and the split of the
    /// non-White share among Asian, Black, Mixed and Other (summing to 1).
    areas: Vec<(f64, [f64; G - 1])>,
    /// The solved level c_r of each region (log-odds).
    pub region_levels: Vec<f64>,
}

/// A Dirichlet draw with concentrations `alpha` (by normalised gamma draws).
fn dirichlet(rng: &mut SynthRng, alpha: [f64; G - 1]) -> [f64; G - 1] {
    let mut out = [0.0; G - 1];
    for (o, a) in out.iter_mut().zip(alpha) {
        *o = Gamma::new(a.max(1e-3), 1.0).map_or(a, |d| d.sample(rng));
    }
    let total: f64 = out.iter().sum();
    if total > 0.0 {
        out.map(|v| v / total)
    } else {
        alpha.map(|a| a / alpha.iter().sum::<f64>())
    }
}

impl Ethnicity {
    /// Draws every area's make-up and solves each region's level against the populations of
    /// year index `t` of `people`.
    pub fn draw(world: &World, people: &People, seed: u64, t: usize) -> Ethnicity {
        let authority: Vec<f64> = (0..world.authorities.len())
            .map(|a| ETHNIC_AUTHORITY_SD * normal(&mut stream_rng(seed, Stream::Ethnicity, AUTHORITY_ITEM + a as u64)))
            .collect();
        let targets: Vec<[f64; G]> = world.regions.iter().map(|r| region_shares(&r.name)).collect();
        // Each area's log-odds without the region level, and its mix.
        let mut offsets = Vec::with_capacity(world.small_areas.len());
        let mut mixes = Vec::with_capacity(world.small_areas.len());
        for (i, area) in world.small_areas.iter().enumerate() {
            let mut rng = stream_rng(seed, Stream::Ethnicity, i as u64);
            let noise = ETHNIC_AREA_SD * normal(&mut rng);
            offsets.push(ETHNIC_DEPRIVATION * people.x[i] + authority[area.authority] + noise);
            let target = targets[area.region];
            let non_white = (1.0 - target[0]).max(1e-9);
            let alpha = std::array::from_fn(|k| ETHNIC_MIX_CONCENTRATION * target[k + 1] / non_white);
            mixes.push(dirichlet(&mut rng, alpha));
        }
        // Solve each region's level so that its expected non-White population is its share.
        let mut region_levels = vec![0.0; world.regions.len()];
        for (r, level) in region_levels.iter_mut().enumerate() {
            let members: Vec<usize> =
                (0..world.small_areas.len()).filter(|&i| world.small_areas[i].region == r).collect();
            let total: f64 =
                members.iter().map(|&i| (0..BANDS).map(|b| cell_total(people, i, t, b)).sum::<f64>()).sum();
            let wanted = (1.0 - targets[r][0]) * total;
            let expected = |c: f64| -> f64 {
                members
                    .iter()
                    .map(|&i| {
                        let odds = (c + offsets[i]).exp();
                        (0..BANDS).map(|b| cell_total(people, i, t, b) * non_white_share(odds, b)).sum::<f64>()
                    })
                    .sum()
            };
            let (mut lo, mut hi) = (-20.0, 20.0);
            for _ in 0..80 {
                let mid = 0.5 * (lo + hi);
                if expected(mid) < wanted {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            *level = 0.5 * (lo + hi);
        }
        let areas = world
            .small_areas
            .iter()
            .enumerate()
            .map(|(i, a)| ((region_levels[a.region] + offsets[i]).exp(), mixes[i]))
            .collect();
        Ethnicity { areas, region_levels }
    }

    /// The expected shares of the five groups (White, Asian, Black, Mixed, Other) in band `band`
    /// of area `area`.
    pub fn band_shares(&self, area: usize, band: usize) -> [f64; G] {
        let Some(&(odds, mix)) = self.areas.get(area) else { return [1.0, 0.0, 0.0, 0.0, 0.0] };
        let q = non_white_share(odds, band);
        [1.0 - q, q * mix[0], q * mix[1], q * mix[2], q * mix[3]]
    }

    /// The non-White share of area `area` before the age factor.
    pub fn non_white(&self, area: usize) -> f64 {
        self.areas.get(area).map_or(0.0, |&(odds, _)| odds / (1.0 + odds))
    }
}

/// People of both sexes in (area, year index t, band), as a float.
fn cell_total(people: &People, area: usize, t: usize, band: usize) -> f64 {
    (people.population(area, t, 0, band) + people.population(area, t, 1, band)) as f64
}

/// Non-White share in band `band` for non-White odds `odds` before the age factor.
fn non_white_share(odds: f64, band: usize) -> f64 {
    let o = odds * non_white_age_factor(band);
    if o.is_finite() {
        o / (1.0 + o)
    } else {
        1.0
    }
}

/// Splits `n` into groups with probabilities `p` (summing to 1) by sequential binomials.
fn multinomial(rng: &mut SynthRng, n: u64, p: &[f64; G]) -> [u64; G] {
    let mut out = [0u64; G];
    let mut left = n;
    let mut rest = 1.0;
    for g in 0..G - 1 {
        if left == 0 {
            break;
        }
        let k = if rest > 0.0 { binomial(rng, left, (p[g] / rest).clamp(0.0, 1.0)) } else { 0 };
        out[g] = k;
        left -= k;
        rest -= p[g];
    }
    out[G - 1] += left;
    out
}

/// Apportions `n` in the proportions of `weights` (largest remainder, ties to the first group).
fn apportion(n: u64, weights: &[u64; G]) -> [u64; G] {
    let total: u64 = weights.iter().sum();
    if total == 0 {
        let mut out = [0; G];
        out[0] = n;
        return out;
    }
    let mut out = [0u64; G];
    let mut remainders = [0u128; G];
    for g in 0..G {
        let exact = n as u128 * weights[g] as u128;
        out[g] = (exact / total as u128) as u64;
        remainders[g] = exact % total as u128;
    }
    let mut left = n - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..G).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    for &g in order.iter().cycle() {
        if left == 0 {
            break;
        }
        out[g] += 1;
        left -= 1;
    }
    out
}

/// The population of area `area` split into the five groups, indexed by cell
/// `(t · 2 + sex) · BANDS + band` over every year of `people`: the first year drawn, later years
/// apportioned in the first year's proportions (a cell empty in the first year is drawn anew).
pub fn split_area(ethnicity: &Ethnicity, people: &People, seed: u64, area: usize) -> Vec<[u64; G]> {
    let mut rng = stream_rng(seed, Stream::Ethnicity, SPLIT_ITEM + area as u64);
    let years = people.years.count;
    let mut out = vec![[0u64; G]; years * 2 * BANDS];
    for s in 0..2 {
        for b in 0..BANDS {
            let shares = ethnicity.band_shares(area, b);
            let first = multinomial(&mut rng, people.population(area, 0, s, b) as u64, &shares);
            out[s * BANDS + b] = first;
            for t in 1..years {
                let n = people.population(area, t, s, b) as u64;
                out[(t * 2 + s) * BANDS + b] = if first.iter().sum::<u64>() > 0 {
                    apportion(n, &first)
                } else {
                    multinomial(&mut rng, n, &shares)
                };
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportioning_keeps_totals_and_proportions() {
        assert_eq!(apportion(10, &[5, 5, 0, 0, 0]), [5, 5, 0, 0, 0]);
        assert_eq!(apportion(11, &[5, 5, 0, 0, 0]), [6, 5, 0, 0, 0]);
        assert_eq!(apportion(7, &[1, 2, 3, 4, 0]), [1, 1, 2, 3, 0]);
        assert_eq!(apportion(4, &[0; 5]), [4, 0, 0, 0, 0]);
        let mut rng = stream_rng(1, Stream::Ethnicity, 0);
        let p = [0.5, 0.2, 0.1, 0.1, 0.1];
        let mut sum = [0u64; G];
        for _ in 0..2000 {
            let d = multinomial(&mut rng, 100, &p);
            assert_eq!(d.iter().sum::<u64>(), 100);
            for g in 0..G {
                sum[g] += d[g];
            }
        }
        for g in 0..G {
            assert!((sum[g] as f64 / 200_000.0 - p[g]).abs() < 0.005, "{g}: {sum:?}");
        }
    }
}
