//! Life expectancy from an abridged life table (Chiang II), with Silcocks et al. limits.
//!
//! This is the method of the OHID/PHE Life Expectancy Calculator as implemented by
//! `phe_life_expectancy` in the R package PHEindicatormethods 2.1.0 (the "reference"), with its
//! default `age_contents` and `le_age = "all"`: life expectancy and its confidence limits at the
//! start age of every band.
//!
//! # The table
//!
//! Twenty bands with start ages x = 0, 1, 5, 10, …, 85, 90 ([`LIFE_TABLE_START_AGES`]): under 1,
//! 1–4, 5–9, …, 85–89 and 90+. For band x with deaths Dₓ and population (person-years) Pₓ:
//!
//! | symbol | column | formula |
//! | --- | --- | --- |
//! | nₓ | [`LifeTable::interval_width`] | next start age − x; for 90+, 2/M₉₀ |
//! | aₓ | [`LifeTable::fraction_lived`] | 0.1 at age 0, 0.5 elsewhere |
//! | Mₓ | [`LifeTable::mortality_rate`] | Dₓ / Pₓ |
//! | qₓ | [`LifeTable::probability_of_dying`] | Mₓnₓ / (1 + Mₓnₓ(1 − aₓ)) if Dₓ ≤ Pₓ/nₓ/aₓ, else 1 |
//! | lₓ | [`LifeTable::survivors`] | l₀ = 100,000; lₓ₊ = lₓ(1 − qₓ) |
//! | dₓ | [`LifeTable::table_deaths`] | lₓ − lₓ₊ (l after 90+ is 0) |
//! | Lₓ | [`LifeTable::person_years_lived`] | nₓ(lₓ₊ + aₓdₓ); for 90+, l₉₀ / M₉₀ |
//! | Tₓ | [`LifeTable::person_years_remaining`] | Σ_{y ≥ x} L_y |
//! | eₓ | [`LifeTable::life_expectancy`] | Tₓ / lₓ (0 where lₓ = 0) |
//!
//! (x₊ is the next band's start age; for 90+ the interval width 2/M only enters qₓ, which is
//! then 1 up to rounding and is not used, and the band's person-years are l/M, the mean survival 1/M of those alive at 90.)
//!
//! # The variance (Chiang, with Silcocks et al.'s final band)
//!
//! S²(qₓ) = qₓ²(1 − qₓ)/Dₓ (0 where dₓ = 0) for the first 19 bands; for 90+ the variance of the
//! mean survival 1/M, S² = 4/(D₉₀M₉₀²). The weighted terms are
//! Wₓ = S²(qₓ) lₓ² ((1 − aₓ)nₓ + eₓ₊)² for the first 19 bands and W₉₀ = (l₉₀/2)² S²₉₀, and
//!
//! SE(eₓ) = √(Σ_{y ≥ x} W_y / lₓ²),  limits eₓ ∓ z·SE(eₓ), z = Φ⁻¹(c + (1 − c)/2).
//!
//! # Groups the reference will not compute, and suppressed values
//!
//! The reference checks each group (area) in this order and gives no value (and no limits) for
//! the whole group at the first failure, with a warning; here that is a row per input row with
//! `value: None`, limits `None` and the [`LifeTableNote`] whose text is the reference's warning:
//!
//! 1. a negative death count in any band ([`LifeTableNote::NegativeDeaths`]);
//! 2. a population ≤ 0 in any band ([`LifeTableNote::PopulationNotPositive`]);
//! 3. not exactly the 20 bands ([`LifeTableNote::NotTwentyBands`]);
//! 4. more deaths than population in any band ([`LifeTableNote::DeathsAbovePopulation`]);
//! 5. a total population ≤ 5,000 ([`LifeTableNote::SmallPopulation`]).
//!
//! Then, on a computed table:
//!
//! * at every start age whose 95% interval is wider than 20 years (z₀.₉₇₅·SE > 10), the value is
//!   removed and the limits kept, at every confidence level asked for
//!   ([`LifeTableNote::WideInterval`]). The test is on the 95% interval whatever levels are
//!   asked for, and applies at every start age, not just at birth.
//! * no deaths at 90+: M₉₀ = 0, so L₉₀ and every eₓ are infinite. The reference returns value
//!   `NA`, lower limit `NaN` and upper limit `Inf` at every age (and, by way of the infinite
//!   standard error, only its "> 20 years" warning); here every row has no value and no limits,
//!   with [`LifeTableNote::NoDeathsInFinalBand`].
//! * no survivors: where an earlier band has qₓ = 1 (Mₓnₓaₓ > 1, possible from age 1 when
//!   deaths are at least 40–50% of the population), lₓ = 0 from there on; the reference gives
//!   eₓ = 0 and limits `NaN`. Here the value is `Some(0.0)` and the limits `None`, with
//!   [`LifeTableNote::NoSurvivors`].
//!
//! Limits that are not finite numbers (for example at a 100% confidence level) are `None`.
//!
//! # Where this differs from the reference, on purpose
//!
//! * Start ages are numbers and must be the 20 standard start ages; any other start age is an
//!   error, as the reference stops when the start ages do not match its `age_contents`. A group
//!   with a band missing or given twice is [`LifeTableNote::NotTwentyBands`] (the reference only
//!   counts rows, so it would compute a meaningless table from 20 rows with one band twice).
//! * Output rows are always in order of start age (the reference also sorts computed groups).
//!
//! # Agreement with the published values
//!
//! Values agree with the reference's expected values (`answer1` and `answer_widecis` in its
//! tests/testthat/testLifeExpectancy.R; `life_expectancy_worked_example.csv`) to their 10
//! significant digits, and so do the standard errors. The published limits, though, were not
//! made with the z of the reference's code, qnorm(0.975) = 1.959963984540054, which is what is
//! used here: `answer1` (= the worked example) used z = 1.96 (the Excel calculator) and
//! `answer_widecis` z = 1.959964, so our 95% limits differ from those numbers by up to 5.3e-6
//! years, as the reference's own output does (its test compares to 4 decimals). Recomputed
//! with their z, our limits match them to 5e-9, the published rounding.
//!
//! # References
//!
//! * Chiang CL. The Life Table and its Construction. In: Introduction to Stochastic Processes in
//!   Biostatistics. New York: John Wiley & Sons, 1968: 189–214.
//! * Silcocks PBS, Jenner DA, Reza R. Life expectancy as a summary of mortality in a population:
//!   statistical considerations and suitability for use by health authorities. J Epidemiol
//!   Community Health 2001; 55: 38–43.
//! * Eayres DP, Williams ES. Evaluation of methodologies for small area life expectancy
//!   estimation. J Epidemiol Community Health 2004; 58: 243–249.
//! * Toson B, Baker A. Life expectancy at birth: methodological options for small populations.
//!   National Statistics Methodological Series No 33. HMSO, 2003 (the 5,000 minimum).
//! * PHEindicatormethods 2.1.0, `phe_life_expectancy` (R/LifeExpectancy.R).

use crate::{ConfidenceLevel, Estimate, Limits, StatsError};

/// Number of bands in the abridged life table.
pub const LIFE_TABLE_BANDS: usize = 20;

/// The start ages of the 20 bands: 0, 1, 5, 10, …, 85, 90 (under 1, 1–4, 5–9, …, 85–89, 90+),
/// the reference's default `age_contents`.
pub const LIFE_TABLE_START_AGES: [f64; LIFE_TABLE_BANDS] = [
    0.0, 1.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0, 80.0, 85.0, 90.0,
];

/// The radix l₀ of the life table: 100,000 born alive.
pub const LIFE_TABLE_RADIX: f64 = 100_000.0;

/// A group's total population must be above this (person-years) for a life expectancy
/// (Toson and Baker 2003); at or below it the reference gives none.
pub const MINIMUM_TOTAL_POPULATION: f64 = 5_000.0;

/// The largest 95% half-width, in years, at which a life expectancy is still shown; above it
/// (a 95% interval wider than 20 years) the value is removed and the limits kept.
pub const MAXIMUM_HALF_WIDTH_95: f64 = 10.0;

/// Why a row of a life table has no value (or no limits), in the reference's words where it has
/// words for it.
///
/// `Display` gives the reference's warning text exactly for the five unusable-group cases and
/// for [`LifeTableNote::WideInterval`]; see [`LifeTableNote::reference_warning`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum LifeTableNote {
    /// A negative death count in some band of the group: no values for the group.
    #[error("some age bands have negative deaths; outputs have been suppressed to NAs")]
    NegativeDeaths,
    /// A population of zero or less in some band of the group: no values for the group.
    #[error("some age bands have a zero or less population; outputs have been suppressed to NAs")]
    PopulationNotPositive,
    /// The group does not have each of the 20 bands exactly once: no values for the group.
    #[error(
        "some groups contain a different number of age bands than 20; life expectancy cannot be \
         calculated for these. These groups will contain NAs."
    )]
    NotTwentyBands,
    /// More deaths than population in some band of the group: no values for the group.
    #[error("some age bands have more deaths than population; outputs have been suppressed to NAs")]
    DeathsAbovePopulation,
    /// The group's total population is 5,000 or less: no values for the group.
    #[error(
        "some groups have a total population of less than 5,000; outputs have been suppressed to \
         NAs"
    )]
    SmallPopulation,
    /// No deaths in the 90+ band: the mean survival at 90+ (1/M) is infinite, so no life
    /// expectancy or limits can be given at any age.
    #[error(
        "no deaths in the 90+ age band; life expectancy cannot be calculated (at least one death \
         at 90+ is needed)"
    )]
    NoDeathsInFinalBand,
    /// No one in the table survives to this age (an earlier band has probability of dying 1):
    /// the life expectancy is 0 and has no confidence interval.
    #[error(
        "no survivors to this age in the life table (an earlier band has probability of dying 1); \
         life expectancy is 0 and has no confidence interval"
    )]
    NoSurvivors,
    /// The 95% interval is wider than 20 years: the value is removed, the limits kept.
    #[error(
        "some life expectancy values have a 95% confidence interval > 20 years; these values \
         have been suppressed to NAs"
    )]
    WideInterval,
    /// The table gives no finite life expectancy at this age (extreme inputs, for example
    /// mortality rates so small that 1/M overflows).
    #[error("the life table gives no finite life expectancy at this age")]
    NotFinite,
}

impl LifeTableNote {
    /// The warning the reference gives for this case, if it gives one (for no deaths at 90+ it
    /// gives only the "> 20 years" warning; for no survivors none).
    pub fn reference_warning(self) -> Option<&'static str> {
        match self {
            LifeTableNote::NegativeDeaths => {
                Some("some age bands have negative deaths; outputs have been suppressed to NAs")
            }
            LifeTableNote::PopulationNotPositive => {
                Some("some age bands have a zero or less population; outputs have been suppressed to NAs")
            }
            LifeTableNote::NotTwentyBands => Some(
                "some groups contain a different number of age bands than 20; life expectancy \
                 cannot be calculated for these. These groups will contain NAs.",
            ),
            LifeTableNote::DeathsAbovePopulation => {
                Some("some age bands have more deaths than population; outputs have been suppressed to NAs")
            }
            LifeTableNote::SmallPopulation => Some(
                "some groups have a total population of less than 5,000; outputs have been \
                 suppressed to NAs",
            ),
            LifeTableNote::NoDeathsInFinalBand | LifeTableNote::WideInterval => Some(
                "some life expectancy values have a 95% confidence interval > 20 years; these \
                 values have been suppressed to NAs",
            ),
            LifeTableNote::NoSurvivors | LifeTableNote::NotFinite => None,
        }
    }

    /// Whether the note applies to the whole group (every row has no value) rather than to
    /// single start ages.
    pub fn is_group_level(self) -> bool {
        matches!(
            self,
            LifeTableNote::NegativeDeaths
                | LifeTableNote::PopulationNotPositive
                | LifeTableNote::NotTwentyBands
                | LifeTableNote::DeathsAbovePopulation
                | LifeTableNote::SmallPopulation
                | LifeTableNote::NoDeathsInFinalBand
        )
    }
}

/// The `statistic` of a life expectancy's [`Estimate`].
pub const LIFE_EXPECTANCY_STATISTIC: &str = "life expectancy (years)";
/// The `method` of a life expectancy's [`Estimate`].
pub const LIFE_EXPECTANCY_METHOD: &str = "Chiang II";

/// One row of the result: life expectancy at one band's start age, as the reference's output
/// row (`value`, `lowercl`/`uppercl` per level, `pops_used`, `dths_used`).
#[derive(Clone, Debug, PartialEq)]
pub struct LifeTableRow {
    /// The band's start age x (0, 1, 5, …, 90).
    pub start_age: f64,
    /// eₓ, the life expectancy at age x in years (`None` with a [`LifeTableRow::note`] saying
    /// why), with its limits eₓ ∓ z·SE(eₓ), one entry per confidence level asked for, in the
    /// order asked; a limit is `None` where the group is unusable or the limit is not a finite
    /// number. Limits are kept when the value is removed for a wide interval. `statistic`
    /// [`LIFE_EXPECTANCY_STATISTIC`], `method` [`LIFE_EXPECTANCY_METHOD`].
    pub estimate: Estimate,
    /// SE(eₓ) = √(Σ_{y ≥ x} W_y) / lₓ; `None` where the table gives none.
    pub standard_error: Option<f64>,
    /// Population (person-years) at ages x and over: the reference's `pops_used`.
    pub population_used: f64,
    /// Deaths at ages x and over: the reference's `dths_used`.
    pub deaths_used: f64,
    /// Why there is no value or no limits; `None` for an ordinary row.
    pub note: Option<LifeTableNote>,
}

/// A complete abridged life table (Chiang II) for one group, bands in order of start age
/// ([`LIFE_TABLE_START_AGES`]). See the [module documentation](self) for the formulas.
#[derive(Clone, Debug, PartialEq)]
pub struct LifeTable {
    /// nₓ, the band's width in years: next start age − x; for 90+, 2/M₉₀.
    pub interval_width: [f64; LIFE_TABLE_BANDS],
    /// aₓ, the fraction of the band lived by those who die in it: 0.1 at age 0, else 0.5.
    pub fraction_lived: [f64; LIFE_TABLE_BANDS],
    /// Mₓ = Dₓ / Pₓ, the age-specific mortality rate.
    pub mortality_rate: [f64; LIFE_TABLE_BANDS],
    /// qₓ = Mₓnₓ / (1 + Mₓnₓ(1 − aₓ)), or 1 when Dₓ > Pₓ/nₓ/aₓ: the probability of dying
    /// in the band.
    pub probability_of_dying: [f64; LIFE_TABLE_BANDS],
    /// lₓ, survivors to age x out of 100,000 born.
    pub survivors: [f64; LIFE_TABLE_BANDS],
    /// dₓ = lₓ − lₓ₊, the table's deaths in the band.
    pub table_deaths: [f64; LIFE_TABLE_BANDS],
    /// Lₓ = nₓ(lₓ₊ + aₓdₓ), person-years lived in the band; for 90+, l₉₀ / M₉₀.
    pub person_years_lived: [f64; LIFE_TABLE_BANDS],
    /// Tₓ = Σ_{y ≥ x} L_y, person-years lived from age x on.
    pub person_years_remaining: [f64; LIFE_TABLE_BANDS],
    /// eₓ = Tₓ / lₓ (0 where lₓ = 0), life expectancy at age x.
    pub life_expectancy: [f64; LIFE_TABLE_BANDS],
    /// SE(eₓ) = √(Σ_{y ≥ x} W_y / lₓ²) (Chiang, with Silcocks et al.'s term for 90+); NaN where
    /// lₓ = 0.
    pub standard_error: [f64; LIFE_TABLE_BANDS],
}

impl LifeTable {
    /// Builds the life table from deaths and population in the 20 bands, in order of start age
    /// ([`LIFE_TABLE_START_AGES`]).
    ///
    /// # Errors
    /// * [`StatsError::NotFinite`] for a NaN or infinite death count or population.
    /// * [`StatsError::Invalid`], with the reference's warning text, for the reference's unusable
    ///   groups: negative deaths, a population ≤ 0, deaths above population, total population
    ///   ≤ 5,000.
    ///
    /// With no deaths at 90+ the table is still returned, as the reference computes it: every
    /// eₓ is then infinite (or NaN past an age with no survivors).
    pub fn from_bands(
        deaths: &[f64; LIFE_TABLE_BANDS],
        population: &[f64; LIFE_TABLE_BANDS],
    ) -> Result<LifeTable, StatsError> {
        for band in 0..LIFE_TABLE_BANDS {
            if !deaths[band].is_finite() {
                return Err(StatsError::NotFinite { field: "deaths", value: deaths[band] });
            }
            if !population[band].is_finite() {
                return Err(StatsError::NotFinite { field: "population", value: population[band] });
            }
        }
        let counts = [1usize; LIFE_TABLE_BANDS];
        if let Some(note) = unusable_group(deaths, population, &counts, population) {
            return Err(StatsError::Invalid(note.to_string()));
        }
        Ok(compute_table(deaths, population))
    }
}

/// The first of the reference's five group checks that fails, in the reference's order.
///
/// `deaths` and `population` run over the group's rows; `counts` is how many rows each band has;
/// `band_population` the population summed per band (for the total).
fn unusable_group(
    deaths: &[f64],
    population: &[f64],
    counts: &[usize; LIFE_TABLE_BANDS],
    band_population: &[f64; LIFE_TABLE_BANDS],
) -> Option<LifeTableNote> {
    if deaths.iter().any(|&d| d < 0.0) {
        return Some(LifeTableNote::NegativeDeaths);
    }
    if population.iter().any(|&p| p <= 0.0) {
        return Some(LifeTableNote::PopulationNotPositive);
    }
    if counts.iter().any(|&c| c != 1) {
        return Some(LifeTableNote::NotTwentyBands);
    }
    for (d, p) in deaths.iter().zip(population) {
        if d > p {
            return Some(LifeTableNote::DeathsAbovePopulation);
        }
    }
    let mut total = 0.0;
    for p in band_population {
        total += p;
    }
    if total <= MINIMUM_TOTAL_POPULATION {
        return Some(LifeTableNote::SmallPopulation);
    }
    None
}

/// The table itself, in the reference's order of operations. Never panics; with no deaths at
/// 90+ the results are infinite or NaN, as in the reference.
fn compute_table(deaths: &[f64; LIFE_TABLE_BANDS], population: &[f64; LIFE_TABLE_BANDS]) -> LifeTable {
    const LAST: usize = LIFE_TABLE_BANDS - 1;
    let zero = [0.0; LIFE_TABLE_BANDS];
    let mut t = LifeTable {
        interval_width: zero,
        fraction_lived: zero,
        mortality_rate: zero,
        probability_of_dying: zero,
        survivors: zero,
        table_deaths: zero,
        person_years_lived: zero,
        person_years_remaining: zero,
        life_expectancy: zero,
        standard_error: zero,
    };

    for i in 0..LIFE_TABLE_BANDS {
        let a = if i == 0 { 0.1 } else { 0.5 };
        let m = deaths[i] / population[i];
        let n = if i < LAST { LIFE_TABLE_START_AGES[i + 1] - LIFE_TABLE_START_AGES[i] } else { 2.0 / m };
        let q = if deaths[i] <= population[i] / n / a { m * n / (1.0 + m * n * (1.0 - a)) } else { 1.0 };
        t.fraction_lived[i] = a;
        t.mortality_rate[i] = m;
        t.interval_width[i] = n;
        t.probability_of_dying[i] = q;
    }

    t.survivors[0] = LIFE_TABLE_RADIX;
    for i in 1..LIFE_TABLE_BANDS {
        t.survivors[i] = t.survivors[i - 1] * (1.0 - t.probability_of_dying[i - 1]);
    }
    for i in 0..LIFE_TABLE_BANDS {
        let next = if i < LAST { t.survivors[i + 1] } else { 0.0 };
        t.table_deaths[i] = t.survivors[i] - next;
        t.person_years_lived[i] = if i < LAST {
            t.interval_width[i] * (next + t.fraction_lived[i] * t.table_deaths[i])
        } else {
            t.survivors[i] / t.mortality_rate[i]
        };
    }
    let mut remaining = 0.0;
    for i in (0..LIFE_TABLE_BANDS).rev() {
        remaining += t.person_years_lived[i];
        t.person_years_remaining[i] = remaining;
        t.life_expectancy[i] = if t.survivors[i] == 0.0 { 0.0 } else { remaining / t.survivors[i] };
    }

    // Chiang's variance, with Silcocks et al.'s term for the final band, summed from the top.
    let mut weighted_sum = 0.0;
    for i in (0..LIFE_TABLE_BANDS).rev() {
        let l = t.survivors[i];
        let q = t.probability_of_dying[i];
        let m = t.mortality_rate[i];
        let weighted = if i < LAST {
            let variance_q = if t.table_deaths[i] == 0.0 { 0.0 } else { q * q * (1.0 - q) / deaths[i] };
            let years = (1.0 - t.fraction_lived[i]) * t.interval_width[i] + t.life_expectancy[i + 1];
            variance_q * (l * l) * (years * years)
        } else {
            let variance_final = 4.0 / (deaths[i] * (m * m));
            let half = l / 2.0;
            half * half * variance_final
        };
        weighted_sum += weighted;
        t.standard_error[i] = (weighted_sum / (l * l)).sqrt();
    }
    t
}

/// The band (0 to 19) of a start age, or why it is not one.
fn band_of(start_age: f64) -> Result<usize, StatsError> {
    if !start_age.is_finite() {
        return Err(StatsError::NotFinite { field: "start age", value: start_age });
    }
    // 0 → 0, 1 → 1, 5k → k + 1 for k = 1..=18; anything else is not a start age.
    let band = if start_age == 0.0 {
        Some(0)
    } else if start_age == 1.0 {
        Some(1)
    } else if (5.0..=90.0).contains(&start_age) && (start_age / 5.0).fract() == 0.0 {
        Some((start_age / 5.0) as usize + 1)
    } else {
        None
    }
    .filter(|&band| LIFE_TABLE_START_AGES[band] == start_age);
    band.ok_or(StatsError::OutOfRange {
        field: "start age",
        expected: "one of the life table's start ages 0, 1, 5, 10, 15, …, 85, 90",
        value: start_age,
    })
}

/// Life expectancy and its confidence limits at every band's start age for one group (area),
/// from deaths and population by age band: `phe_life_expectancy(..., le_age = "all")`.
///
/// `start_ages`, `deaths` and `population` are parallel slices, one entry per age band, in any
/// order; the start ages must be among [`LIFE_TABLE_START_AGES`]. `confidence` holds the levels
/// to give limits at (usually `[ConfidenceLevel::C95]`, or C95 and C998); an empty slice gives
/// values with no limits.
///
/// Method (see the [module documentation](self)): abridged life table, Chiang II, l₀ = 100,000,
/// aₓ = 0.1 at age 0 and 0.5 elsewhere, qₓ = Mₓnₓ / (1 + Mₓnₓ(1 − aₓ)), L₉₀ = l₉₀/M₉₀,
/// eₓ = Tₓ/lₓ; SE(eₓ) by Chiang's method with Silcocks et al.'s term 4/(D₉₀M₉₀²) for 90+;
/// limits eₓ ∓ z·SE(eₓ).
///
/// Returns one row per input row, in order of start age. For a computed group that is 20 rows,
/// one per start age. For a group the reference will not compute (negative deaths, a population
/// ≤ 0, not each of the 20 bands exactly once, deaths above population, total population
/// ≤ 5,000, checked in that order) or with no deaths at 90+, every row has no value, no limits
/// and the [`LifeTableNote`] saying why; a batch over many areas carries on. A start age whose
/// 95% interval is wider than 20 years has its value removed and its limits kept.
///
/// Allocation: the result vector and one small vector of limits per row; no other allocation.
///
/// # Errors
/// Only for input that cannot be read at all:
/// * [`StatsError::Shape`] when the three slices differ in length or are empty;
/// * [`StatsError::NotFinite`] for a NaN or infinite start age, death count or population;
/// * [`StatsError::OutOfRange`] for a start age that is not one of the 20 (the reference stops
///   when start ages do not match its `age_contents`).
///
/// # Example
/// ```
/// use stats::life_expectancy::{life_expectancy, LIFE_TABLE_START_AGES};
/// use stats::ConfidenceLevel;
/// // The reference's worked example (tests/testthat/testLifeExpectancy.R, df1).
/// let population = [7060.0, 35059.0, 46974.0, 48489.0, 43219.0, 38561.0, 46009.0, 57208.0,
///     61435.0, 55601.0, 50209.0, 56416.0, 46411.0, 39820.0, 37978.0, 37039.0, 33288.0,
///     23306.0, 11936.0, 11936.0];
/// let deaths = [17.0, 9.0, 4.0, 8.0, 20.0, 15.0, 24.0, 33.0, 50.0, 71.0, 100.0, 163.0,
///     263.0, 304.0, 536.0, 872.0, 1390.0, 1605.0, 1936.0, 1937.0];
/// let rows = life_expectancy(&LIFE_TABLE_START_AGES, &deaths, &population,
///     &[ConfidenceLevel::C95]).unwrap();
/// let at_birth = rows[0].estimate.value.unwrap();
/// assert!((at_birth - 80.16960813).abs() < 1e-8);
/// ```
pub fn life_expectancy(
    start_ages: &[f64],
    deaths: &[f64],
    population: &[f64],
    confidence: &[ConfidenceLevel],
) -> Result<Vec<LifeTableRow>, StatsError> {
    let rows = start_ages.len();
    if deaths.len() != rows || population.len() != rows {
        return Err(StatsError::Shape(format!(
            "start ages, deaths and population must have the same length, got {} start ages, {} \
             death counts and {} populations",
            rows,
            deaths.len(),
            population.len()
        )));
    }
    if rows == 0 {
        return Err(StatsError::Shape(
            "no age bands: a life table needs the 20 bands 0, 1-4, 5-9, …, 85-89, 90+".to_string(),
        ));
    }

    let mut counts = [0usize; LIFE_TABLE_BANDS];
    let mut band_deaths = [0.0; LIFE_TABLE_BANDS];
    let mut band_population = [0.0; LIFE_TABLE_BANDS];
    for row in 0..rows {
        let band = band_of(start_ages[row])?;
        if !deaths[row].is_finite() {
            return Err(StatsError::NotFinite { field: "deaths", value: deaths[row] });
        }
        if !population[row].is_finite() {
            return Err(StatsError::NotFinite { field: "population", value: population[row] });
        }
        counts[band] += 1;
        band_deaths[band] += deaths[row];
        band_population[band] += population[row];
    }

    // Cumulative population and deaths from each start age up (the reference's pops_used and
    // dths_used).
    let mut population_used = [0.0; LIFE_TABLE_BANDS];
    let mut deaths_used = [0.0; LIFE_TABLE_BANDS];
    let (mut pop_sum, mut death_sum) = (0.0, 0.0);
    for band in (0..LIFE_TABLE_BANDS).rev() {
        pop_sum += band_population[band];
        death_sum += band_deaths[band];
        population_used[band] = pop_sum;
        deaths_used[band] = death_sum;
    }

    let no_limits =
        || -> Vec<Limits> { confidence.iter().map(|&c| Limits { confidence: c, lower: None, upper: None }).collect() };

    let group_note = unusable_group(deaths, population, &counts, &band_population)
        .or(if band_deaths[LIFE_TABLE_BANDS - 1] == 0.0 { Some(LifeTableNote::NoDeathsInFinalBand) } else { None });

    let mut out = Vec::with_capacity(rows);
    if let Some(note) = group_note {
        // One row per input row, in order of start age (stable within a repeated band).
        for band in 0..LIFE_TABLE_BANDS {
            if counts[band] == 0 {
                continue;
            }
            for &age in start_ages.iter() {
                if age == LIFE_TABLE_START_AGES[band] {
                    out.push(LifeTableRow {
                        start_age: age,
                        estimate: Estimate::new(None, no_limits(), LIFE_EXPECTANCY_STATISTIC, LIFE_EXPECTANCY_METHOD),
                        standard_error: None,
                        population_used: population_used[band],
                        deaths_used: deaths_used[band],
                        note: Some(note),
                    });
                }
            }
        }
        return Ok(out);
    }

    let table = compute_table(&band_deaths, &band_population);
    let z95 = ConfidenceLevel::C95.z();
    // z for the first few levels, worked out once per group rather than once per row.
    const CACHED: usize = 4;
    let mut z_cache = [0.0; CACHED];
    for (slot, level) in z_cache.iter_mut().zip(confidence) {
        *slot = level.z();
    }
    let z_of = |k: usize, level: ConfidenceLevel| if k < CACHED { z_cache[k] } else { level.z() };
    let finite = |x: f64| if x.is_finite() { Some(x) } else { None };
    for band in 0..LIFE_TABLE_BANDS {
        let e = table.life_expectancy[band];
        let se = table.standard_error[band];
        let mut limits = Vec::with_capacity(confidence.len());
        for (k, &level) in confidence.iter().enumerate() {
            let z = z_of(k, level);
            limits.push(Limits { confidence: level, lower: finite(e - z * se), upper: finite(e + z * se) });
        }
        let (value, note) = if !e.is_finite() {
            (None, Some(LifeTableNote::NotFinite))
        } else if table.survivors[band] == 0.0 {
            (Some(e), Some(LifeTableNote::NoSurvivors))
        } else if z95 * se > MAXIMUM_HALF_WIDTH_95 {
            (None, Some(LifeTableNote::WideInterval))
        } else {
            (Some(e), None)
        };
        out.push(LifeTableRow {
            start_age: LIFE_TABLE_START_AGES[band],
            estimate: Estimate::new(value, limits, LIFE_EXPECTANCY_STATISTIC, LIFE_EXPECTANCY_METHOD),
            standard_error: finite(se),
            population_used: population_used[band],
            deaths_used: deaths_used[band],
            note,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const C95: ConfidenceLevel = ConfidenceLevel::C95;
    const C998: ConfidenceLevel = ConfidenceLevel::C998;

    // The reference's worked example: df1 in tests/testthat/testLifeExpectancy.R
    // (PHEindicatormethods 2.1.0), also life_expectancy_worked_example.csv.
    const DF1_POPS: [f64; 20] = [
        7060.0, 35059.0, 46974.0, 48489.0, 43219.0, 38561.0, 46009.0, 57208.0, 61435.0, 55601.0, 50209.0, 56416.0,
        46411.0, 39820.0, 37978.0, 37039.0, 33288.0, 23306.0, 11936.0, 11936.0,
    ];
    const DF1_DEATHS: [f64; 20] = [
        17.0, 9.0, 4.0, 8.0, 20.0, 15.0, 24.0, 33.0, 50.0, 71.0, 100.0, 163.0, 263.0, 304.0, 536.0, 872.0, 1390.0,
        1605.0, 1936.0, 1937.0,
    ];
    // answer1 in testLifeExpectancy.R (value, lowercl, uppercl at 95%), 10 significant digits.
    const ANSWER1_VALUE: [f64; 20] = [
        80.16960813,
        79.36245674,
        75.44193645,
        70.47299936,
        65.52909542,
        60.67510088,
        55.78835987,
        50.92752727,
        46.06740425,
        41.24505636,
        36.49322717,
        31.83343842,
        27.26027992,
        22.9719144,
        18.76856852,
        14.95858336,
        11.51684445,
        8.618849241,
        6.163942934,
        6.16210635,
    ];
    const ANSWER1_LOWER: [f64; 20] = [
        79.88268548,
        79.0898816,
        75.17407307,
        70.20675732,
        65.26548673,
        60.41876577,
        55.53801579,
        50.68279939,
        45.82666794,
        41.00842831,
        36.26223216,
        31.60996318,
        27.04337271,
        22.76653134,
        18.57570352,
        14.77985004,
        11.34831778,
        8.451134045,
        5.978358351,
        5.887683386,
    ];
    const ANSWER1_UPPER: [f64; 20] = [
        80.45653078,
        79.63503188,
        75.70979983,
        70.7392414,
        65.79270412,
        60.931436,
        56.03870395,
        51.17225516,
        46.30814055,
        41.48168441,
        36.72422219,
        32.05691365,
        27.47718713,
        23.17729746,
        18.96143352,
        15.13731667,
        11.68537112,
        8.786564437,
        6.349527517,
        6.436529314,
    ];
    // df1_cum in testLifeExpectancy.R: pops_used and dths_used.
    const DF1_POPS_USED: [f64; 20] = [
        787954.0, 780894.0, 745835.0, 698861.0, 650372.0, 607153.0, 568592.0, 522583.0, 465375.0, 403940.0, 348339.0,
        298130.0, 241714.0, 195303.0, 155483.0, 117505.0, 80466.0, 47178.0, 23872.0, 11936.0,
    ];
    const DF1_DTHS_USED: [f64; 20] = [
        9357.0, 9340.0, 9331.0, 9327.0, 9319.0, 9299.0, 9284.0, 9260.0, 9227.0, 9177.0, 9106.0, 9006.0, 8843.0, 8580.0,
        8276.0, 7740.0, 6868.0, 5478.0, 3873.0, 1937.0,
    ];

    fn rel_err(got: f64, want: f64) -> f64 {
        (got - want).abs() / want.abs().max(1e-300)
    }

    fn df1(confidence: &[ConfidenceLevel]) -> Vec<LifeTableRow> {
        life_expectancy(&LIFE_TABLE_START_AGES, &DF1_DEATHS, &DF1_POPS, confidence).unwrap()
    }

    /// The largest errors seen against a set of published values.
    #[derive(Debug, Default)]
    struct Errors {
        /// Largest relative error of the value.
        value_rel: f64,
        /// Largest absolute error of e ∓ z_published·SE against the published limits.
        limits_at_published_z_abs: f64,
        /// Largest absolute error of our limits (z = qnorm, as the reference's code) against the
        /// published limits.
        limits_abs: f64,
    }

    /// Compares rows with published values and 95% limits.
    ///
    /// The published limits were not made with the z of the reference's code (qnorm(0.975) =
    /// 1.959963984540054): answer1 / life_expectancy_worked_example.csv used 1.96 (the Excel
    /// calculator) and answer_widecis used 1.959964. Their half-widths are uniformly 1.84e-5
    /// and 7.9e-9 relative wider than ours; the reference's own test compares at 4 decimals.
    /// So: the value to `value_rel` relative; the standard error exactly, through
    /// e ∓ z_published·SE, to `limit_abs` absolute (the published rounding); and the limits as
    /// the reference's code makes them to 1e-5 absolute (the reference's test: 4 decimals).
    fn compare(
        rows: &[LifeTableRow],
        expected: &[(Option<f64>, f64, f64)],
        z_published: f64,
        value_rel: f64,
        limit_abs: f64,
    ) -> Errors {
        assert_eq!(rows.len(), expected.len());
        let mut worst = Errors::default();
        for (row, &(value, lower, upper)) in rows.iter().zip(expected) {
            let age = row.start_age;
            if let Some(v) = value {
                let got = row.estimate.value.unwrap();
                let e = rel_err(got, v);
                assert!(e < value_rel, "age {age}: value {got} vs {v} (rel {e:e})");
                worst.value_rel = worst.value_rel.max(e);
            } else {
                assert_eq!(row.estimate.value, None, "age {age}");
            }
            let e = row.estimate.value.unwrap_or_else(|| {
                // A removed value is the midpoint of its limits.
                (row.estimate.limits[0].lower.unwrap() + row.estimate.limits[0].upper.unwrap()) / 2.0
            });
            let se = row.standard_error.unwrap();
            for (got, want) in [(e - z_published * se, lower), (e + z_published * se, upper)] {
                let d = (got - want).abs();
                assert!(d < limit_abs, "age {age}: limit at published z {got} vs {want}");
                worst.limits_at_published_z_abs = worst.limits_at_published_z_abs.max(d);
            }
            let ours = [row.estimate.limits[0].lower.unwrap(), row.estimate.limits[0].upper.unwrap()];
            for (got, want) in ours.into_iter().zip([lower, upper]) {
                let d = (got - want).abs();
                assert!(d < 1e-5, "age {age}: limit {got} vs {want}");
                worst.limits_abs = worst.limits_abs.max(d);
            }
        }
        worst
    }

    fn answer1() -> Vec<(Option<f64>, f64, f64)> {
        (0..20).map(|i| (Some(ANSWER1_VALUE[i]), ANSWER1_LOWER[i], ANSWER1_UPPER[i])).collect()
    }

    /// Checks rows against answer1 of testLifeExpectancy.R: values to 1e-9 relative (they have
    /// 10 significant digits), SE through 1.96 to 1e-8 absolute.
    fn check_answer1(rows: &[LifeTableRow]) -> Errors {
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.start_age, LIFE_TABLE_START_AGES[i]);
            assert_eq!(row.note, None);
        }
        compare(rows, &answer1(), 1.96, 1e-9, 1e-8)
    }

    #[test]
    fn worked_example_matches_the_reference() {
        let rows = df1(&[C95]);
        let worst = check_answer1(&rows);
        eprintln!("answer1 (testLifeExpectancy.R): {worst:?}");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.population_used, DF1_POPS_USED[i]);
            assert_eq!(row.deaths_used, DF1_DTHS_USED[i]);
            assert_eq!(row.estimate.limits[0].confidence, C95);
        }
        // At 90+, e = 1/M = P/D.
        assert!(rel_err(rows[19].estimate.value.unwrap(), 11936.0 / 1937.0) < 1e-15);
    }

    #[test]
    fn worked_example_csv_matches() {
        let text = crate::testdata::reference_text("life_expectancy_worked_example.csv");
        let mut ages = Vec::new();
        let mut pops = Vec::new();
        let mut deaths = Vec::new();
        let mut expected = Vec::new();
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<f64> = line.split(',').map(|s| s.trim().parse().unwrap()).collect();
            ages.push(f[0]);
            pops.push(f[1]);
            deaths.push(f[2]);
            expected.push((f[0], (Some(f[3]), f[4], f[5])));
        }
        assert_eq!(ages.len(), 20);
        let rows = life_expectancy(&ages, &deaths, &pops, &[C95]).unwrap();
        // Rows come back in order of start age; line the expected values up with them.
        expected.sort_by(|a, b| a.0.total_cmp(&b.0));
        let expected: Vec<_> = expected.into_iter().map(|(_, e)| e).collect();
        // 10 significant digits (8 decimals above 10 years): values to 1e-9 relative.
        let worst = compare(&rows, &expected, 1.96, 1e-9, 1e-8);
        eprintln!("life_expectancy_worked_example.csv: {worst:?}");
    }

    #[test]
    fn unordered_start_ages_give_the_same_answer() {
        // df2 in testLifeExpectancy.R: the 65 band moved to the end.
        let mut ages = LIFE_TABLE_START_AGES.to_vec();
        let mut deaths = DF1_DEATHS.to_vec();
        let mut pops = DF1_POPS.to_vec();
        for v in [&mut ages, &mut deaths, &mut pops] {
            let x = v.remove(14);
            v.push(x);
        }
        let rows = life_expectancy(&ages, &deaths, &pops, &[C95]).unwrap();
        check_answer1(&rows);
        // df3: the 70 band moved to the end.
        let mut ages = LIFE_TABLE_START_AGES.to_vec();
        let mut deaths = DF1_DEATHS.to_vec();
        let mut pops = DF1_POPS.to_vec();
        for v in [&mut ages, &mut deaths, &mut pops] {
            let x = v.remove(15);
            v.push(x);
        }
        let rows = life_expectancy(&ages, &deaths, &pops, &[C95]).unwrap();
        check_answer1(&rows);
        // Fully reversed.
        let rev = |a: &[f64]| a.iter().rev().copied().collect::<Vec<_>>();
        let rows = life_expectancy(&rev(&LIFE_TABLE_START_AGES), &rev(&DF1_DEATHS), &rev(&DF1_POPS), &[C95]).unwrap();
        check_answer1(&rows);
    }

    #[test]
    fn confidence_given_as_95_or_0_95_is_the_same() {
        // test1.1 in testLifeExpectancy.R: confidence = 95.
        let a = df1(&[ConfidenceLevel::new(95.0).unwrap()]);
        let b = df1(&[ConfidenceLevel::new(0.95).unwrap()]);
        assert_eq!(a, b);
    }

    #[test]
    fn two_levels_match_single_levels() {
        // test7 / test8 in testLifeExpectancy.R: the 99.8% limits of a two-level call equal
        // those of a 99.8%-only call.
        let single = df1(&[C998]);
        let both = df1(&[C95, C998]);
        check_answer1(&both);
        for (s, b) in single.iter().zip(&both) {
            assert_eq!(s.estimate.limits[0], b.estimate.limits[1]);
            assert_eq!(b.estimate.limits[1].confidence, C998);
            let (l95, u95) = (b.estimate.limits[0].lower.unwrap(), b.estimate.limits[0].upper.unwrap());
            let (l998, u998) = (b.estimate.limits[1].lower.unwrap(), b.estimate.limits[1].upper.unwrap());
            assert!(l998 < l95 && u95 < u998);
            // e ∓ z·SE with z = qnorm(0.999) = 3.090232306167813 (R).
            let se = b.standard_error.unwrap();
            let v = b.estimate.value.unwrap();
            assert!(rel_err(u998, v + 3.090232306167813 * se) < 1e-14);
        }
        // confidence = 90:99 gives ten pairs of limits.
        let levels: Vec<_> = (90..=99).map(|c| ConfidenceLevel::new(c as f64).unwrap()).collect();
        let rows = df1(&levels);
        assert!(rows.iter().all(|r| r.estimate.limits.len() == 10));
    }

    fn all_suppressed(rows: &[LifeTableRow], note: LifeTableNote) {
        for r in rows {
            assert_eq!(r.estimate.value, None);
            assert_eq!(r.standard_error, None);
            assert!(r.estimate.limits.iter().all(|l| l.lower.is_none() && l.upper.is_none()));
            assert_eq!(r.note, Some(note));
        }
    }

    #[test]
    fn negative_deaths_give_no_values() {
        // df_neg_deaths in testLifeExpectancy.R: -5 deaths at 10-14.
        let mut deaths = DF1_DEATHS;
        deaths[3] = -5.0;
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &deaths, &DF1_POPS, &[C95]).unwrap();
        assert_eq!(rows.len(), 20);
        all_suppressed(&rows, LifeTableNote::NegativeDeaths);
        assert_eq!(
            LifeTableNote::NegativeDeaths.to_string(),
            "some age bands have negative deaths; outputs have been suppressed to NAs"
        );
    }

    #[test]
    fn zero_population_gives_no_values() {
        // df_zero_pop in testLifeExpectancy.R: population 0 at 20-24.
        let mut pops = DF1_POPS;
        pops[5] = 0.0;
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &DF1_DEATHS, &pops, &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::PopulationNotPositive);
        assert_eq!(
            LifeTableNote::PopulationNotPositive.to_string(),
            "some age bands have a zero or less population; outputs have been suppressed to NAs"
        );
    }

    #[test]
    fn deaths_above_population_give_no_values() {
        // df_deaths_greater_pops in testLifeExpectancy.R: population 119 at 85-89.
        let mut pops = DF1_POPS;
        pops[18] = 119.0;
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &DF1_DEATHS, &pops, &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::DeathsAbovePopulation);
        assert_eq!(
            LifeTableNote::DeathsAbovePopulation.to_string(),
            "some age bands have more deaths than population; outputs have been suppressed to NAs"
        );
    }

    #[test]
    fn missing_age_band_gives_no_values() {
        // df_missing_age in testLifeExpectancy.R: no 90+ band; one row back per row given.
        let rows = life_expectancy(&LIFE_TABLE_START_AGES[..19], &DF1_DEATHS[..19], &DF1_POPS[..19], &[C95]).unwrap();
        assert_eq!(rows.len(), 19);
        all_suppressed(&rows, LifeTableNote::NotTwentyBands);
        assert_eq!(
            LifeTableNote::NotTwentyBands.to_string(),
            "some groups contain a different number of age bands than 20; life expectancy cannot \
             be calculated for these. These groups will contain NAs."
        );
        // A band given twice (21 rows) is not 20 bands either; rows come back sorted.
        let mut ages = LIFE_TABLE_START_AGES.to_vec();
        ages.push(5.0);
        let mut deaths = DF1_DEATHS.to_vec();
        deaths.push(1.0);
        let mut pops = DF1_POPS.to_vec();
        pops.push(100.0);
        let rows = life_expectancy(&ages, &deaths, &pops, &[C95]).unwrap();
        assert_eq!(rows.len(), 21);
        all_suppressed(&rows, LifeTableNote::NotTwentyBands);
        assert!(rows.windows(2).all(|w| w[0].start_age <= w[1].start_age));
        // 20 rows with 5 twice and 10 missing.
        let mut ages = LIFE_TABLE_START_AGES;
        ages[3] = 5.0;
        let rows = life_expectancy(&ages, &DF1_DEATHS, &DF1_POPS, &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::NotTwentyBands);
    }

    #[test]
    fn small_population_gives_no_values() {
        // df_low_pops in testLifeExpectancy.R: total population 2,793.
        let pops = [
            128.0, 152.0, 120.0, 176.0, 194.0, 180.0, 145.0, 149.0, 107.0, 185.0, 165.0, 109.0, 100.0, 122.0, 133.0,
            189.0, 123.0, 121.0, 147.0, 138.0,
        ];
        let deaths = [
            58.0, 93.0, 78.0, 94.0, 59.0, 71.0, 80.0, 73.0, 69.0, 72.0, 91.0, 69.0, 78.0, 71.0, 54.0, 91.0, 82.0, 53.0,
            50.0, 84.0,
        ];
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &deaths, &pops, &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::SmallPopulation);
        assert_eq!(
            LifeTableNote::SmallPopulation.to_string(),
            "some groups have a total population of less than 5,000; outputs have been suppressed \
             to NAs"
        );
        // Exactly 5,000 is still too small; just above is computed.
        let mut pops = [250.0; 20];
        let deaths = [1.0; 20];
        assert_eq!(
            life_expectancy(&LIFE_TABLE_START_AGES, &deaths, &pops, &[C95]).unwrap()[0].note,
            Some(LifeTableNote::SmallPopulation)
        );
        pops[0] = 250.5;
        assert_ne!(
            life_expectancy(&LIFE_TABLE_START_AGES, &deaths, &pops, &[C95]).unwrap()[0].note,
            Some(LifeTableNote::SmallPopulation)
        );
    }

    #[test]
    fn wide_intervals_lose_the_value_and_keep_the_limits() {
        // df_widecis_plus, answer_widecis in testLifeExpectancy.R (confidence 0.95 and 0.998;
        // expected values to 8 decimals, compared to 1e-8 absolute).
        let pops = [
            270.0, 235.0, 246.0, 248.0, 243.0, 238.0, 246.0, 257.0, 261.0, 355.0, 350.0, 356.0, 346.0, 339.0, 337.0,
            337.0, 333.0, 323.0, 311.0, 311.0,
        ];
        let mut deaths = [
            17.0, 9.0, 4.0, 8.0, 20.0, 15.0, 24.0, 33.0, 50.0, 51.0, 10.0, 16.0, 26.0, 30.0, 36.0, 22.0, 13.0, 5.0,
            6.0, 1.0,
        ];
        let value: [Option<f64>; 20] = [
            Some(19.22914685),
            Some(19.44120610),
            Some(18.33467808),
            Some(14.67659995),
            Some(11.81284556),
            Some(11.63815414),
            Some(10.05641628),
            Some(9.93152356),
            Some(11.95846561),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ];
        let lower = [
            16.43900644,
            16.53437505,
            15.62922550,
            12.08108630,
            9.21823373,
            8.68414661,
            6.54020385,
            4.71570153,
            2.37762283,
            -1.60695210,
            -10.33328815,
            -17.16409724,
            -26.91715103,
            -45.04820928,
            -76.27067271,
            -137.12203187,
            -195.39453664,
            -242.37480291,
            -266.74198466,
            -298.54880400,
        ];
        let upper = [
            22.01928726,
            22.34803716,
            21.04013066,
            17.27211361,
            14.40745738,
            14.59216167,
            13.57262872,
            15.14734559,
            21.53930839,
            50.29765396,
            97.99598549,
            107.54413263,
            128.91238524,
            181.91668353,
            278.06441642,
            472.32822039,
            649.40455756,
            783.50845564,
            841.04259816,
            920.54880400,
        ];
        // Area 2.
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &deaths, &pops, &[C95, C998]).unwrap();
        for row in &rows {
            match row.estimate.value {
                Some(_) => assert_eq!(row.note, None),
                None => assert_eq!(row.note, Some(LifeTableNote::WideInterval)),
            }
            assert!(row.estimate.limits[1].lower.is_some() && row.estimate.limits[1].upper.is_some());
        }
        let expected: Vec<_> = (0..20).map(|i| (value[i], lower[i], upper[i])).collect();
        // Published to 8 decimals, limits made with z = 1.959964: values to 1e-8 absolute
        // (5e-10 relative at these sizes, so 1e-9 relative), limits through 1.959964 to 1e-8.
        let worst = compare(&rows, &expected, 1.959964, 1e-9, 1e-8);
        eprintln!("answer_widecis (testLifeExpectancy.R): {worst:?}");
        assert_eq!(
            LifeTableNote::WideInterval.to_string(),
            "some life expectancy values have a 95% confidence interval > 20 years; these values \
             have been suppressed to NAs"
        );
        // Area 1: 312 deaths at 90+ against 311 people.
        deaths[19] = 312.0;
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &deaths, &pops, &[C95, C998]).unwrap();
        all_suppressed(&rows, LifeTableNote::DeathsAbovePopulation);
    }

    #[test]
    fn grouped_areas_with_warnings() {
        // df_grouped_with_warnings in testLifeExpectancy.R: one call per area here; the
        // reference returns as many rows as it was given (119).
        let good_pops: [f64; 20] = [
            7060.0, 35059.0, 46974.0, 48489.0, 43219.0, 43219.0, 46009.0, 57208.0, 61435.0, 55601.0, 50209.0, 56416.0,
            46411.0, 39820.0, 37978.0, 37039.0, 33288.0, 23306.0, 11936.0, 11936.0,
        ];
        let ages = &LIFE_TABLE_START_AGES;
        let mut total_rows = 0;

        let rows = life_expectancy(ages, &DF1_DEATHS, &good_pops, &[C95]).unwrap();
        assert!(rows.iter().all(|r| r.estimate.value.is_some() && r.note.is_none()));
        total_rows += rows.len();

        let mut d = DF1_DEATHS;
        d[2] = -2.0;
        let rows = life_expectancy(ages, &d, &good_pops, &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::NegativeDeaths);
        total_rows += rows.len();

        let mut p = good_pops;
        p[3] = -10.0;
        let rows = life_expectancy(ages, &DF1_DEATHS, &p, &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::PopulationNotPositive);
        total_rows += rows.len();

        let mut d = DF1_DEATHS;
        d[5] = 50000.0;
        let rows = life_expectancy(ages, &d, &good_pops, &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::DeathsAbovePopulation);
        total_rows += rows.len();

        let mut d = DF1_DEATHS;
        d[10..].fill(80.0);
        let rows = life_expectancy(ages, &d, &[100.0; 20], &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::SmallPopulation);
        total_rows += rows.len();

        let rows = life_expectancy(&ages[..19], &DF1_DEATHS[..19], &good_pops[..19], &[C95]).unwrap();
        all_suppressed(&rows, LifeTableNote::NotTwentyBands);
        total_rows += rows.len();

        assert_eq!(total_rows, 119);
    }

    #[test]
    fn checks_run_in_the_reference_order() {
        // Negative deaths win over every later check.
        let mut d = DF1_DEATHS;
        let mut p = DF1_POPS;
        d[0] = -1.0;
        p[1] = 0.0;
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &d, &p, &[C95]).unwrap();
        assert_eq!(rows[0].note, Some(LifeTableNote::NegativeDeaths));
        // A zero population wins over a missing band.
        let rows = life_expectancy(&LIFE_TABLE_START_AGES[..19], &DF1_DEATHS[..19], &p[..19], &[C95]).unwrap();
        assert_eq!(rows[0].note, Some(LifeTableNote::PopulationNotPositive));
        // A missing band wins over deaths above population.
        let mut d = DF1_DEATHS;
        d[1] = 1e6;
        let rows = life_expectancy(&LIFE_TABLE_START_AGES[..19], &d[..19], &DF1_POPS[..19], &[C95]).unwrap();
        assert_eq!(rows[0].note, Some(LifeTableNote::NotTwentyBands));
    }

    #[test]
    fn no_deaths_at_90_plus() {
        // The reference gives value NA, lower NaN, upper Inf at every age; here no value and no
        // limits, with a note.
        let mut d = DF1_DEATHS;
        d[19] = 0.0;
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &d, &DF1_POPS, &[C95, C998]).unwrap();
        assert_eq!(rows.len(), 20);
        all_suppressed(&rows, LifeTableNote::NoDeathsInFinalBand);
        assert_eq!(rows[0].deaths_used, 9357.0 - 1937.0);
        // The table itself is as the reference computes it: e infinite everywhere.
        let table = LifeTable::from_bands(&d, &DF1_POPS).unwrap();
        assert!(table.life_expectancy.iter().all(|e| e.is_infinite()));
    }

    #[test]
    fn no_survivors_past_a_band_with_certain_death() {
        // 50% of 5-9 year olds die: M·n·a = 1.25 > 1, so q = 1 and l = 0 from age 10 on.
        let mut d = DF1_DEATHS;
        d[2] = DF1_POPS[2] / 2.0;
        let rows = life_expectancy(&LIFE_TABLE_START_AGES, &d, &DF1_POPS, &[C95]).unwrap();
        let table = LifeTable::from_bands(&d, &DF1_POPS).unwrap();
        assert_eq!(table.probability_of_dying[2], 1.0);
        assert_eq!(table.survivors[3], 0.0);
        // In the band itself e = n·a = 2.5, with SE 0.
        assert_eq!(rows[2].estimate.value, Some(2.5));
        assert_eq!(rows[2].standard_error, Some(0.0));
        assert_eq!(rows[2].note, None);
        for row in &rows[3..] {
            assert_eq!(row.estimate.value, Some(0.0));
            assert_eq!(row.standard_error, None);
            assert_eq!(row.estimate.limits[0].lower, None);
            assert_eq!(row.note, Some(LifeTableNote::NoSurvivors));
        }
    }

    #[test]
    fn unreadable_input_is_an_error() {
        let a = &LIFE_TABLE_START_AGES;
        assert!(matches!(life_expectancy(a, &DF1_DEATHS[..19], &DF1_POPS, &[C95]), Err(StatsError::Shape(_))));
        assert!(matches!(life_expectancy(&[], &[], &[], &[C95]), Err(StatsError::Shape(_))));
        let mut d = DF1_DEATHS;
        d[4] = f64::NAN;
        assert!(matches!(
            life_expectancy(a, &d, &DF1_POPS, &[C95]),
            Err(StatsError::NotFinite { field: "deaths", .. })
        ));
        let mut p = DF1_POPS;
        p[4] = f64::INFINITY;
        assert!(matches!(
            life_expectancy(a, &DF1_DEATHS, &p, &[C95]),
            Err(StatsError::NotFinite { field: "population", .. })
        ));
        let mut ages = LIFE_TABLE_START_AGES;
        ages[4] = 16.0;
        assert!(matches!(
            life_expectancy(&ages, &DF1_DEATHS, &DF1_POPS, &[C95]),
            Err(StatsError::OutOfRange { field: "start age", .. })
        ));
        ages[4] = f64::NAN;
        assert!(matches!(
            life_expectancy(&ages, &DF1_DEATHS, &DF1_POPS, &[C95]),
            Err(StatsError::NotFinite { field: "start age", .. })
        ));
        // The table constructor refuses the reference's unusable groups.
        let mut d = DF1_DEATHS;
        d[0] = -1.0;
        assert!(matches!(LifeTable::from_bands(&d, &DF1_POPS), Err(StatsError::Invalid(_))));
    }

    #[test]
    fn notes_carry_the_reference_warnings() {
        use LifeTableNote::*;
        for note in [
            NegativeDeaths,
            PopulationNotPositive,
            NotTwentyBands,
            DeathsAbovePopulation,
            SmallPopulation,
            WideInterval,
        ] {
            assert_eq!(note.reference_warning(), Some(note.to_string().as_str()));
        }
        assert_eq!(NoDeathsInFinalBand.reference_warning(), WideInterval.reference_warning());
        assert_eq!(NoSurvivors.reference_warning(), None);
        assert!(SmallPopulation.is_group_level() && NoDeathsInFinalBand.is_group_level());
        assert!(!WideInterval.is_group_level() && !NoSurvivors.is_group_level());
    }

    #[test]
    fn no_levels_gives_values_without_limits() {
        let rows = df1(&[]);
        assert!(rows.iter().all(|r| r.estimate.limits.is_empty() && r.estimate.value.is_some()));
    }

    #[test]
    fn life_table_columns() {
        let t = LifeTable::from_bands(&DF1_DEATHS, &DF1_POPS).unwrap();
        assert_eq!(t.survivors[0], 100_000.0);
        assert_eq!(t.interval_width[0], 1.0);
        assert_eq!(t.interval_width[1], 4.0);
        assert_eq!(t.interval_width[2], 5.0);
        assert_eq!(t.fraction_lived[0], 0.1);
        assert_eq!(t.fraction_lived[1], 0.5);
        assert!(rel_err(t.interval_width[19], 2.0 * 11936.0 / 1937.0) < 1e-15);
        // q at age 0: M/(1 + 0.9·M).
        let m0 = 17.0 / 7060.0;
        assert!(rel_err(t.probability_of_dying[0], m0 / (1.0 + 0.9 * m0)) < 1e-15);
        assert!(rel_err(t.life_expectancy[0], ANSWER1_VALUE[0]) < 1e-9);
        let total_deaths: f64 = t.table_deaths.iter().sum();
        assert!(rel_err(total_deaths, 100_000.0) < 1e-12);
    }

    /// A plausible area: populations 100 to 100,000 a band, deaths up to 30% of the population,
    /// at least one death at 90+.
    fn plausible_area() -> impl Strategy<Value = ([f64; 20], [f64; 20])> {
        (proptest::collection::vec(100.0f64..100_000.0, 20), proptest::collection::vec(0.0f64..0.3, 20)).prop_map(
            |(pops, fracs)| {
                let mut p = [0.0; 20];
                let mut d = [0.0; 20];
                for i in 0..20 {
                    p[i] = pops[i].round();
                    d[i] = (pops[i] * fracs[i]).round();
                }
                d[19] = d[19].max(1.0);
                (d, p)
            },
        )
    }

    proptest! {
        #[test]
        fn limits_bracket_the_value((d, p) in plausible_area()) {
            let rows = life_expectancy(&LIFE_TABLE_START_AGES, &d, &p, &[C95, C998]).unwrap();
            prop_assert_eq!(rows.len(), 20);
            for row in &rows {
                let (Some(l95), Some(u95)) = (row.estimate.limits[0].lower, row.estimate.limits[0].upper) else {
                    continue;
                };
                let (l998, u998) = (row.estimate.limits[1].lower.unwrap(), row.estimate.limits[1].upper.unwrap());
                prop_assert!(l998 <= l95 && u95 <= u998);
                if let Some(v) = row.estimate.value {
                    prop_assert!(v >= 0.0);
                    prop_assert!(l95 <= v && v <= u95);
                    prop_assert!((u95 - l95) / 2.0 <= MAXIMUM_HALF_WIDTH_95 + 1e-9);
                } else {
                    prop_assert_eq!(row.note, Some(LifeTableNote::WideInterval));
                }
            }
        }

        #[test]
        fn order_of_rows_does_not_matter(
            (d, p) in plausible_area(),
            order in Just((0..20usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let sorted = life_expectancy(&LIFE_TABLE_START_AGES, &d, &p, &[C95]).unwrap();
            let ages: Vec<f64> = order.iter().map(|&i| LIFE_TABLE_START_AGES[i]).collect();
            let dd: Vec<f64> = order.iter().map(|&i| d[i]).collect();
            let pp: Vec<f64> = order.iter().map(|&i| p[i]).collect();
            let shuffled = life_expectancy(&ages, &dd, &pp, &[C95]).unwrap();
            prop_assert_eq!(sorted, shuffled);
        }

        #[test]
        fn never_panics(
            rows in proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(LIFE_TABLE_START_AGES.to_vec()),
                        any::<f64>(),
                    ],
                    prop_oneof![any::<f64>(), -10.0f64..1e6, Just(0.0)],
                    prop_oneof![any::<f64>(), -10.0f64..1e6, Just(0.0)],
                ),
                0..45,
            ),
            cut in 0usize..3,
        ) {
            let ages: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let d: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let p: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let d = &d[..d.len().saturating_sub(cut % 2)];
            if let Ok(out) = life_expectancy(&ages, d, &p, &[C95, C998]) {
                prop_assert_eq!(out.len(), ages.len());
                for row in out {
                    if let Some(v) = row.estimate.value {
                        prop_assert!(v.is_finite());
                    }
                }
            }
        }

        #[test]
        fn never_panics_on_tables_of_twenty(
            d in proptest::collection::vec(prop_oneof![0.0f64..1e9, Just(0.0), 1e-300f64..1e-290], 20),
            p in proptest::collection::vec(prop_oneof![1e-300f64..1e300, 1.0f64..1e6], 20),
        ) {
            if let Ok(rows) = life_expectancy(&LIFE_TABLE_START_AGES, &d, &p, &[C95, C998]) {
                prop_assert_eq!(rows.len(), 20);
                for row in rows {
                    if let Some(v) = row.estimate.value { prop_assert!(v.is_finite() && v >= 0.0); }
                    for l in &row.estimate.limits {
                        if let (Some(lo), Some(hi)) = (l.lower, l.upper) { prop_assert!(lo <= hi); }
                    }
                }
            }
        }
    }
}
