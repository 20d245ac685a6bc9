//! People and events in every small area, year, sex and life-table band: populations, births,
//! deaths (counts or one row per event) and the outcomes of the starter catalogue.
//!
//! Each small area's quantities are drawn from its own seeded stream (see [`crate::rng`]), so
//! the areas can be generated in parallel in any order and the result is the same. Counts are
//! Poisson (deaths, births, base populations) or binomial (outcome numerators and most
//! denominators) around the expectations of [`crate::model`].
//!
//! Effects that make places differ beyond their deprivation, on the log (mortality) or
//! log-odds (outcomes) scale: an authority effect, an authority trend (so trends differ between
//! places), authority-by-year noise, a small-area effect and trend, and a widening of the
//! mortality gradient over time (deprived areas improving more slowly, as in England in the
//! 2010s).

use rayon::prelude::*;

use crate::geography::World;
use crate::model::{
    self, cause_shares, deprivation_x, logistic, logit, population_shares, ExposureBin, Mortality, BANDS, OUTCOMES,
};
use crate::rng::{binomial, normal, poisson, stream_rng, uniform, Stream};
use crate::table::{Block, Values};

/// The years generated: `count` calendar years ending with `last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Years {
    /// The first year.
    pub first: i32,
    /// How many years.
    pub count: usize,
}

impl Years {
    /// The calendar year of index `t`.
    pub fn year(&self, t: usize) -> i32 {
        self.first + t as i32
    }

    /// Index `t` relative to the middle of the period.
    fn centred(&self, t: usize) -> f64 {
        t as f64 - (self.count as f64 - 1.0) / 2.0
    }
}

const K: usize = OUTCOMES.len();

/// Effects shared by the small areas of one local authority.
#[derive(Clone, Debug)]
pub struct AuthorityEffects {
    mortality: f64,
    mortality_trend: f64,
    mortality_noise: Vec<f64>,
    outcome: [f64; K],
    outcome_trend: [f64; K],
    outcome_noise: Vec<[f64; K]>,
}

/// Draws the effects of every authority (stream [`Stream::Authority`], one item per authority).
pub fn authority_effects(world: &World, seed: u64, years: Years) -> Vec<AuthorityEffects> {
    (0..world.authorities.len())
        .map(|a| {
            let mut rng = stream_rng(seed, Stream::Authority, a as u64);
            let mortality = 0.04 * normal(&mut rng);
            let mortality_trend = 0.006 * normal(&mut rng);
            let mortality_noise = (0..years.count).map(|_| 0.02 * normal(&mut rng)).collect();
            let outcome = std::array::from_fn(|_| 0.12 * normal(&mut rng));
            let outcome_trend = std::array::from_fn(|_| 0.02 * normal(&mut rng));
            let outcome_noise = (0..years.count).map(|_| std::array::from_fn(|_| 0.04 * normal(&mut rng))).collect();
            AuthorityEffects { mortality, mortality_trend, mortality_noise, outcome, outcome_trend, outcome_noise }
        })
        .collect()
}

/// The population of the world and what the events are drawn from.
#[derive(Clone, Debug)]
pub struct People {
    /// The years.
    pub years: Years,
    /// Population by area, year, sex and band (mid-year estimates), flattened in that order.
    pub counts: Vec<u32>,
    /// Log mortality effect by area and year (everything but deprivation and age).
    pub effects: Vec<f64>,
    /// Centred deprivation x of each area.
    pub x: Vec<f64>,
    /// Live births by area, year and sex; filled by [`People::draw_births`].
    pub births: Vec<u32>,
}

impl People {
    /// Index of (area, year, sex, band) in [`People::counts`].
    pub fn index(&self, area: usize, t: usize, sex: usize, band: usize) -> usize {
        ((area * self.years.count + t) * 2 + sex) * BANDS + band
    }

    /// Population of (area, year, sex, band).
    pub fn population(&self, area: usize, t: usize, sex: usize, band: usize) -> u32 {
        self.counts.get(self.index(area, t, sex, band)).copied().unwrap_or(0)
    }

    /// Draws populations and small-area effects for every area in parallel.
    pub fn draw(world: &World, seed: u64, years: Years, authorities: &[AuthorityEffects]) -> People {
        let n = world.small_areas.len();
        let per_area: Vec<(Vec<u32>, Vec<f64>, f64)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let area = &world.small_areas[i];
                let la = &authorities[area.authority];
                let mut rng = stream_rng(seed, Stream::Population, i as u64);
                let x = deprivation_x(area.deprivation_position(world.ranked_out_of));
                let total = (1680.0 + 230.0 * normal(&mut rng)).clamp(900.0, 3200.0);
                let growth = 0.006 + 0.006 * normal(&mut rng);
                let shares = population_shares(x);
                let mut base = [[0u64; BANDS]; 2];
                for (sex, row) in base.iter_mut().enumerate() {
                    for (b, v) in row.iter_mut().enumerate() {
                        let noise = (0.10 * normal(&mut rng)).exp();
                        *v = poisson(&mut rng, total * shares[sex][b] * noise);
                    }
                }
                let mut counts = Vec::with_capacity(years.count * 2 * BANDS);
                for t in 0..years.count {
                    for row in &base {
                        for &v in row {
                            let factor = (growth * t as f64 + 0.012 * normal(&mut rng)).exp();
                            counts.push((v as f64 * factor).round() as u32);
                        }
                    }
                }
                let own = 0.06 * normal(&mut rng);
                let own_trend = 0.003 * normal(&mut rng);
                let effects = (0..years.count)
                    .map(|t| {
                        let c = years.centred(t);
                        model::national_year_effect(years.year(t))
                            + la.mortality
                            + la.mortality_noise[t]
                            + own
                            + (la.mortality_trend + own_trend + 0.006 * x) * c
                    })
                    .collect();
                (counts, effects, x)
            })
            .collect();
        let mut people = People {
            years,
            counts: Vec::with_capacity(n * years.count * 2 * BANDS),
            effects: Vec::with_capacity(n * years.count),
            x: Vec::with_capacity(n),
            births: vec![],
        };
        for (c, e, x) in per_area {
            people.counts.extend(c);
            people.effects.extend(e);
            people.x.push(x);
        }
        people
    }

    /// Pools populations (and populations weighted by the areas' mortality effects) over years
    /// into 1,000 bins of deprivation rank, for calibration.
    pub fn exposure_bins(&self, world: &World) -> Vec<ExposureBin> {
        let n = world.small_areas.len();
        let bins = 1000.min(n.max(1));
        let mut out: Vec<ExposureBin> = (0..bins)
            .map(|b| ExposureBin {
                x: 0.0,
                decile: (b * 10 / bins) as u8 + 1,
                population: [[0.0; BANDS]; 2],
                weighted: [[0.0; BANDS]; 2],
            })
            .collect();
        let mut members = vec![0usize; bins];
        for (i, area) in world.small_areas.iter().enumerate() {
            // Bins of the national rank when the ranks are national (a real IMD file).
            let bin = (area.rank as usize).saturating_sub(1) * bins / world.ranked_out_of.max(n);
            let Some(target) = out.get_mut(bin) else { continue };
            members[bin] += 1;
            target.x += self.x[i];
            // The decile of the areas themselves (identical to the bin's by construction).
            target.decile = area.decile;
            for t in 0..self.years.count {
                let w = self.effects[i * self.years.count + t].exp();
                for sex in 0..2 {
                    for b in 0..BANDS {
                        let p = self.population(i, t, sex, b) as f64;
                        target.population[sex][b] += p;
                        target.weighted[sex][b] += p * w;
                    }
                }
            }
        }
        for (bin, m) in out.iter_mut().zip(members) {
            bin.x /= m.max(1) as f64;
        }
        out
    }

    /// The expected number of deaths over all areas, years, sexes and bands.
    pub fn expected_deaths(&self, mortality: &Mortality) -> f64 {
        let n = self.x.len();
        (0..n)
            .into_par_iter()
            .map(|i| {
                let mut sum = 0.0;
                for t in 0..self.years.count {
                    let e = self.effects[i * self.years.count + t];
                    for sex in 0..2 {
                        for b in 0..BANDS {
                            sum += self.population(i, t, sex, b) as f64 * mortality.rate(sex, b, self.x[i], e);
                        }
                    }
                }
                sum
            })
            .sum()
    }

    /// Multiplies every population by `factor` (rounding), for a target number of events.
    pub fn scale(&mut self, factor: f64) {
        for c in &mut self.counts {
            *c = (*c as f64 * factor).round().min(u32::MAX as f64) as u32;
        }
    }

    /// Draws live births by area, year and sex from the women aged 15-44 and the fertility
    /// rate (stream [`Stream::Births`]).
    pub fn draw_births(&mut self, seed: u64) {
        let n = self.x.len();
        let years = self.years;
        let births: Vec<Vec<u32>> = (0..n)
            .into_par_iter()
            .map(|i| {
                let mut rng = stream_rng(seed, Stream::Births, i as u64);
                let mut out = Vec::with_capacity(years.count * 2);
                for t in 0..years.count {
                    let women: u64 = (4..=9).map(|b| self.population(i, t, 1, b) as u64).sum();
                    let all = poisson(&mut rng, women as f64 * model::fertility(self.x[i], years.year(t)));
                    let boys = binomial(&mut rng, all, model::BOY_SHARE);
                    out.push(boys as u32);
                    out.push((all - boys) as u32);
                }
                out
            })
            .collect();
        self.births = births.into_iter().flatten().collect();
    }

    /// Live births of (area, year, sex).
    pub fn births(&self, area: usize, t: usize, sex: usize) -> u32 {
        self.births.get((area * self.years.count + t) * 2 + sex).copied().unwrap_or(0)
    }
}

/// Codes used in the [`crate::table::Kind::Coded`] sex column: Male, Female, Persons.
pub const SEX_CODES: [u32; 3] = [0, 1, 2];

/// Rows of the population table for one area: (area, year, sex, band label, start age,
/// population), every cell including zeros.
pub fn population_block(people: &People, area: usize, block: &mut Block) {
    let [Values::Coded(code), Values::Int32(year), Values::Coded(sex), Values::Coded(band), Values::Int32(start), Values::Int64(pop)] =
        block.columns.as_mut_slice()
    else {
        return;
    };
    for t in 0..people.years.count {
        for (s, &sex_code) in SEX_CODES[..2].iter().enumerate() {
            for b in 0..BANDS {
                code.push(area as u32);
                year.push(people.years.year(t));
                sex.push(sex_code);
                band.push(b as u32);
                start.push(model::START_AGES[b] as i32);
                pop.push(people.population(area, t, s, b) as i64);
            }
        }
    }
}

/// Rows of the births table for one area: (area, year, sex, live births).
pub fn births_block(people: &People, area: usize, block: &mut Block) {
    let [Values::Coded(code), Values::Int32(year), Values::Coded(sex), Values::Int64(births)] =
        block.columns.as_mut_slice()
    else {
        return;
    };
    for t in 0..people.years.count {
        for (s, &sex_code) in SEX_CODES[..2].iter().enumerate() {
            code.push(area as u32);
            year.push(people.years.year(t));
            sex.push(sex_code);
            births.push(people.births(area, t, s) as i64);
        }
    }
}

/// Age in whole years of a death in `band`, from a uniform deviate: uniform within the band,
/// and for 90+ geometric above 90 (mean about 94) up to 110.
fn age_in_band(band: usize, u: f64) -> i32 {
    let start = model::START_AGES[band] as i32;
    match band {
        0 => 0,
        1 => 1 + (u * 4.0) as i32,
        19 => 90 + ((-(1.0 - u).ln() / 0.22) as i32).min(20),
        _ => start + (u * 5.0) as i32,
    }
}

/// Draws one area's deaths (stream [`Stream::Deaths`]): a Poisson count per year, sex and
/// band, and for each death its cause and age in years. `each` receives (year index, sex, band,
/// cause, age) for every death, in a fixed order; the draws are the same whatever `each` does,
/// so the microdata aggregate to exactly the aggregate table of the same seed and scale.
pub fn draw_deaths(
    people: &People,
    mortality: &Mortality,
    seed: u64,
    area: usize,
    mut each: impl FnMut(usize, usize, usize, usize, i32),
) {
    let mut rng = stream_rng(seed, Stream::Deaths, area as u64);
    let x = people.x[area];
    for t in 0..people.years.count {
        let e = people.effects[area * people.years.count + t];
        for s in 0..2 {
            for b in 0..BANDS {
                let pop = people.population(area, t, s, b) as f64;
                let deaths = poisson(&mut rng, pop * mortality.rate(s, b, x, e));
                if deaths == 0 {
                    continue;
                }
                let (cvd, cancer) = cause_shares(s, b, x);
                for _ in 0..deaths {
                    let u = uniform(&mut rng);
                    let cause = if u < cvd {
                        0
                    } else if u < cvd + cancer {
                        1
                    } else {
                        2
                    };
                    let age = age_in_band(b, uniform(&mut rng));
                    each(t, s, b, cause, age);
                }
            }
        }
    }
}

/// Rows of the aggregate deaths table for one area: (area, year, sex, band label, start age,
/// cause, deaths), only where deaths > 0.
pub fn deaths_block(people: &People, mortality: &Mortality, seed: u64, area: usize, block: &mut Block) {
    let mut counts = vec![[0u32; 3]; people.years.count * 2 * BANDS];
    draw_deaths(people, mortality, seed, area, |t, s, b, cause, _| counts[(t * 2 + s) * BANDS + b][cause] += 1);
    push_death_counts(people, area, &counts, block);
}

/// The rows of both death tables for one area from one draw: the aggregate counts of
/// [`deaths_block`] into `deaths` (the same rows) and one row per death into `events`: (area,
/// year, sex, single year of age, cause).
pub fn deaths_and_events_block(
    people: &People,
    mortality: &Mortality,
    seed: u64,
    area: usize,
    deaths: &mut Block,
    events: &mut Block,
) {
    let mut counts = vec![[0u32; 3]; people.years.count * 2 * BANDS];
    let [Values::Coded(code), Values::Int32(year), Values::Coded(sex), Values::Int32(age), Values::Coded(cause)] =
        events.columns.as_mut_slice()
    else {
        return;
    };
    let first = people.years.first;
    draw_deaths(people, mortality, seed, area, |t, s, b, c, a| {
        counts[(t * 2 + s) * BANDS + b][c] += 1;
        code.push(area as u32);
        year.push(first + t as i32);
        sex.push(SEX_CODES[s]);
        age.push(a);
        cause.push(c as u32);
    });
    push_death_counts(people, area, &counts, deaths);
}

/// Appends the aggregate deaths rows of one area from its counts by (year, sex, band) cell and
/// cause, only where deaths > 0.
fn push_death_counts(people: &People, area: usize, counts: &[[u32; 3]], block: &mut Block) {
    let [Values::Coded(code), Values::Int32(year), Values::Coded(sex), Values::Coded(band), Values::Int32(start), Values::Coded(cause), Values::Int64(deaths)] =
        block.columns.as_mut_slice()
    else {
        return;
    };
    for (cell, by_cause) in counts.iter().enumerate() {
        let (t, s, b) = (cell / (2 * BANDS), (cell / BANDS) % 2, cell % BANDS);
        for (c, &d) in by_cause.iter().enumerate() {
            if d > 0 {
                code.push(area as u32);
                year.push(people.years.year(t));
                sex.push(SEX_CODES[s]);
                band.push(b as u32);
                start.push(model::START_AGES[b] as i32);
                cause.push(c as u32);
                deaths.push(d as i64);
            }
        }
    }
}

/// Rows of the outcomes table for one area (stream [`Stream::Outcomes`]): (indicator, area,
/// year, sex, numerator, denominator) for each outcome of [`OUTCOMES`], by sex where the
/// outcome is, else for persons.
pub fn outcomes_block(
    world: &World,
    people: &People,
    authorities: &[AuthorityEffects],
    seed: u64,
    area: usize,
    block: &mut Block,
) {
    let [Values::Coded(indicator), Values::Coded(code), Values::Int32(year), Values::Coded(sex), Values::Int64(numerator), Values::Int64(denominator)] =
        block.columns.as_mut_slice()
    else {
        return;
    };
    let mut rng = stream_rng(seed, Stream::Outcomes, area as u64);
    let la = &authorities[world.small_areas[area].authority];
    let x = people.x[area];
    let pop = |t: usize, s: usize, b: usize| people.population(area, t, s, b) as u64;
    for t in 0..people.years.count {
        let c = people.years.centred(t);
        let both = |b: usize| pop(t, 0, b) + pop(t, 1, b);
        for (k, spec) in OUTCOMES.iter().enumerate() {
            let own = 0.12 * normal(&mut rng);
            let sexes: &[usize] = if spec.by_sex { &[0, 1] } else { &[2] };
            for &s in sexes {
                let den = match spec.id {
                    "school_readiness" => binomial(&mut rng, pop(t, s, 1), 0.24),
                    "gcse_english_and_maths_grade_4" => binomial(&mut rng, pop(t, s, 4), 0.19),
                    "neet_16_17" => binomial(&mut rng, pop(t, s, 4), 0.38),
                    "unemployment" => {
                        let working_age = (0.8 * both(4) as f64).round() as u64 + (5..=13).map(both).sum::<u64>();
                        binomial(&mut rng, working_age, 0.78 * (-0.12 * x).exp())
                    }
                    "children_in_low_income_families" => {
                        (0..=3).map(both).sum::<u64>() + (0.2 * both(4) as f64).round() as u64
                    }
                    "fuel_poverty" => ((0..BANDS).map(both).sum::<u64>() as f64 / 2.36).round() as u64,
                    _ => {
                        let births = people.births(area, t, 0) as u64 + people.births(area, t, 1) as u64;
                        binomial(&mut rng, births, 0.93)
                    }
                };
                let level = spec.level[s.min(1)];
                let z = logit(level)
                    + spec.gradient * x
                    + la.outcome[k]
                    + (spec.trend + la.outcome_trend[k]) * c
                    + la.outcome_noise[t][k]
                    + own;
                let num = binomial(&mut rng, den, logistic(z));
                indicator.push(k as u32);
                code.push(area as u32);
                year.push(people.years.year(t));
                sex.push(SEX_CODES[s]);
                numerator.push(num as i64);
                denominator.push(den as i64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_fall_in_their_band() {
        for b in 0..BANDS {
            for u in [0.0, 0.3, 0.999_999] {
                let a = age_in_band(b, u) as u32;
                assert!(a >= model::START_AGES[b]);
                if b < BANDS - 1 {
                    assert!(a < model::START_AGES[b + 1], "band {b} age {a}");
                } else {
                    assert!(a <= 110);
                }
            }
        }
    }
}
