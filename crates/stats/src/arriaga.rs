//! # What drives a gap: Arriaga decomposition, excess deaths, years of life lost
//!
//! - [`arriaga_decomposition`]: the gap in life expectancy at birth between two populations
//!   split into the contributions of 20 age bands (Arriaga 1984), and
//!   [`arriaga_decomposition_by_cause`], each band's contribution split further between causes
//!   of death in proportion to the causes' differences in death rates, as the OHID Segment Tool
//!   does (Arriaga 1984; Preston, Heuveline and Guillot 2001, *Demography*, §4.3).
//! - [`excess_deaths`]: the deaths that would not have happened if every deprivation decile had
//!   the death rate of the reference (least deprived) decile.
//! - [`years_of_life_lost`]: years of life lost from deaths by age, with a monetised estimate
//!   from values the user states.
//!
//! ## The life table
//!
//! The decomposition needs the life-table columns l_x, L_x, T_x and e_x of both populations.
//! They come from a private abridged life table with the same formulas as
//! [`crate::life_expectancy`] (the PHE/OHID abridged Chiang II table), so that the contributions
//! add up to the difference between the life expectancies that module publishes. Bands
//! 0, 1–4, 5–9, …, 85–89, 90+ (widths n = 1, 4, 5, …, 5), M_x = deaths/population,
//! a_x = 0.1 at age 0 and 0.5 otherwise, q_x = M_x·n/(1 + M_x·n·(1 − a_x)) (q = 1 in 90+),
//! l₀ = 100,000, l_{x+n} = l_x·(1 − q_x), d_x = l_x − l_{x+n}, L_x = n·(l_{x+n} + a_x·d_x),
//! L_90+ = l_90/M_90, T_x = Σ_{y ≥ x} L_y and e_x = T_x/l_x — the same operations in the same
//! order, so e₀ agrees with [`crate::life_expectancy::LifeTable`] to the last bit (a test
//! checks it). Where that table sets q_x = 1 (M_x·n·a_x > 1) and so has no survivors past the
//! band, the decomposition is undefined and is an error here; that module's other checks
//! (deaths above population, total population ≤ 5,000) are left to it.

use crate::StatsError;

/// Number of age bands: 0, 1–4, 5–9, …, 85–89, 90+.
pub const AGE_BANDS: usize = 20;

/// Labels of the 20 age bands.
pub const AGE_BAND_LABELS: [&str; AGE_BANDS] = [
    "0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
    "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];

/// Start age of each band.
pub const AGE_BAND_STARTS: [u32; AGE_BANDS] =
    [0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90];

const RADIX: f64 = 100_000.0;

/// Deaths and population of one population by the 20 age bands.
#[derive(Clone, Debug, PartialEq)]
pub struct MortalityByAge {
    /// Deaths in each band (20 values).
    pub deaths: Vec<f64>,
    /// Population (person-years at risk) in each band (20 values).
    pub population: Vec<f64>,
}

/// The life-table columns the decomposition uses.
#[derive(Clone, Debug, PartialEq)]
struct LifeTable {
    m: Vec<f64>,
    l: Vec<f64>,
    big_l: Vec<f64>,
    t: Vec<f64>,
}

impl LifeTable {
    fn e0(&self) -> f64 {
        self.t[0] / self.l[0]
    }
}

fn check_bands(what: &str, values: &[f64]) -> Result<(), StatsError> {
    if values.len() != AGE_BANDS {
        return Err(StatsError::Shape(format!(
            "{what}: expected {AGE_BANDS} age bands (0, 1-4, 5-9, ..., 90+), got {}",
            values.len()
        )));
    }
    Ok(())
}

/// The abridged life table (module doc) from deaths and populations.
fn life_table(group: &str, deaths: &[f64], population: &[f64]) -> Result<LifeTable, StatsError> {
    check_bands(&format!("{group} deaths"), deaths)?;
    check_bands(&format!("{group} population"), population)?;
    let mut m = Vec::with_capacity(AGE_BANDS);
    for i in 0..AGE_BANDS {
        let (d, p) = (deaths[i], population[i]);
        if !d.is_finite() || d < 0.0 {
            return Err(StatsError::Invalid(format!(
                "{group}, age band {}: deaths must be a finite number ≥ 0, got {d}",
                AGE_BAND_LABELS[i]
            )));
        }
        if !p.is_finite() || p <= 0.0 {
            return Err(StatsError::Invalid(format!(
                "{group}, age band {}: population must be a finite number > 0, got {p}",
                AGE_BAND_LABELS[i]
            )));
        }
        m.push(d / p);
    }
    if m[AGE_BANDS - 1] <= 0.0 {
        return Err(StatsError::Invalid(format!(
            "{group}, age band 90+: at least one death is needed to close the life table"
        )));
    }
    let mut l = vec![0.0; AGE_BANDS];
    let mut big_l = vec![0.0; AGE_BANDS];
    l[0] = RADIX;
    for i in 0..AGE_BANDS - 1 {
        let n = f64::from(AGE_BAND_STARTS[i + 1] - AGE_BAND_STARTS[i]);
        let a = if i == 0 { 0.1 } else { 0.5 };
        let q = m[i] * n / (1.0 + m[i] * n * (1.0 - a));
        if q >= 1.0 {
            return Err(StatsError::Invalid(format!(
                "{group}, age band {}: the death rate {} gives a probability of dying of {q} (≥ 1), too high for the abridged life table",
                AGE_BAND_LABELS[i], m[i]
            )));
        }
        // Same order of operations as crate::life_expectancy: l_{x+n} = l_x·(1 − q_x),
        // d_x = l_x − l_{x+n}.
        l[i + 1] = l[i] * (1.0 - q);
        let d = l[i] - l[i + 1];
        big_l[i] = n * (l[i + 1] + a * d);
    }
    big_l[AGE_BANDS - 1] = l[AGE_BANDS - 1] / m[AGE_BANDS - 1];
    let mut t = vec![0.0; AGE_BANDS];
    let mut acc = 0.0;
    for i in (0..AGE_BANDS).rev() {
        acc += big_l[i];
        t[i] = acc;
    }
    Ok(LifeTable { m, l, big_l, t })
}

/// One age band's contribution to the gap.
#[derive(Clone, Debug, PartialEq)]
pub struct AgeContribution {
    /// Band label ("0", "1-4", …, "90+").
    pub age_band: &'static str,
    /// Start age of the band.
    pub start_age: u32,
    /// Direct effect: the change in years lived within the band.
    pub direct: f64,
    /// Indirect and interaction effect: the years lived after the band by the extra survivors.
    pub indirect_and_interaction: f64,
    /// The band's contribution, direct + indirect and interaction, in years.
    pub total: f64,
}

/// The gap in life expectancy at birth split by age band.
#[derive(Clone, Debug, PartialEq)]
pub struct ArriagaDecomposition {
    /// Life expectancy at birth of group 1.
    pub e0_group1: f64,
    /// Life expectancy at birth of group 2.
    pub e0_group2: f64,
    /// The gap e0(group 2) − e0(group 1).
    pub gap: f64,
    /// The 20 bands' contributions; they sum to `gap`.
    pub by_age: Vec<AgeContribution>,
}

fn decompose(t1: &LifeTable, t2: &LifeTable) -> ArriagaDecomposition {
    let l10 = t1.l[0];
    let mut by_age = Vec::with_capacity(AGE_BANDS);
    for x in 0..AGE_BANDS {
        let (direct, indirect) = if x < AGE_BANDS - 1 {
            let direct = t1.l[x] / l10 * (t2.big_l[x] / t2.l[x] - t1.big_l[x] / t1.l[x]);
            let indirect = t2.t[x + 1] / l10 * (t1.l[x] / t2.l[x] - t1.l[x + 1] / t2.l[x + 1]);
            (direct, indirect)
        } else {
            (t1.l[x] / l10 * (t2.t[x] / t2.l[x] - t1.t[x] / t1.l[x]), 0.0)
        };
        by_age.push(AgeContribution {
            age_band: AGE_BAND_LABELS[x],
            start_age: AGE_BAND_STARTS[x],
            direct,
            indirect_and_interaction: indirect,
            total: direct + indirect,
        });
    }
    ArriagaDecomposition { e0_group1: t1.e0(), e0_group2: t2.e0(), gap: t2.e0() - t1.e0(), by_age }
}

/// Arriaga's decomposition of the gap in life expectancy at birth, e0(group 2) − e0(group 1),
/// into the contributions of the 20 age bands.
///
/// With the life tables of both groups (module doc), for a band x to x + n before the last
/// (Arriaga 1984, eqs. 3–5; Preston et al. 2001, eq. 3.11):
///
/// ₙΔₓ = (l¹ₓ/l¹₀)·(ₙL²ₓ/l²ₓ − ₙL¹ₓ/l¹ₓ) + (T²ₓ₊ₙ/l¹₀)·(l¹ₓ/l²ₓ − l¹ₓ₊ₙ/l²ₓ₊ₙ),
///
/// the first term the direct effect and the second the indirect and interaction effect; for
/// the open band 90+, Δ = (l¹₉₀/l¹₀)·(T²₉₀/l²₉₀ − T¹₉₀/l¹₉₀). The contributions sum exactly
/// (the sum telescopes) to e²₀ − e¹₀. A positive contribution is a band where group 2's lower
/// mortality adds to its longer life. For the Segment Tool's gap between the most and least
/// deprived (or an area and England), put the most deprived (the area) as group 1.
///
/// Reference: E. E. Arriaga (1984), "Measuring and explaining the change in life
/// expectancies", *Demography* 21(1):83–96; S. H. Preston, P. Heuveline, M. Guillot (2001),
/// *Demography: measuring and modeling population processes*, Blackwell, §3.7; OHID Segment
/// Tool technical document.
///
/// # Errors
/// [`StatsError::Shape`] unless each vector has 20 bands; [`StatsError::Invalid`] for negative
/// or non-finite deaths, a population that is not positive, no deaths at 90+, or a death rate so
/// high that the probability of dying reaches 1 before 90.
pub fn arriaga_decomposition(
    group1: &MortalityByAge,
    group2: &MortalityByAge,
) -> Result<ArriagaDecomposition, StatsError> {
    let t1 = life_table("group 1", &group1.deaths, &group1.population)?;
    let t2 = life_table("group 2", &group2.deaths, &group2.population)?;
    Ok(decompose(&t1, &t2))
}

/// Deaths from one cause by the 20 age bands.
#[derive(Clone, Debug, PartialEq)]
pub struct CauseDeaths {
    /// Cause of death (for example "Circulatory", "Cancer", "Other").
    pub cause: String,
    /// Deaths from the cause in each band (20 values).
    pub deaths: Vec<f64>,
}

/// The gap split by age band and cause of death.
#[derive(Clone, Debug, PartialEq)]
pub struct ArriagaByCause {
    /// The decomposition by age, from all-cause deaths (the sum over causes).
    pub by_age: ArriagaDecomposition,
    /// The causes, in the order given.
    pub causes: Vec<String>,
    /// Contribution of each band (outer, 20) and cause (inner); each band's row sums to its
    /// age contribution.
    pub by_age_and_cause: Vec<Vec<f64>>,
    /// Contribution of each cause over all ages; they sum to the gap.
    pub by_cause: Vec<f64>,
}

/// Arriaga's decomposition by age band and cause of death: each band's contribution ₙΔₓ (from
/// [`arriaga_decomposition`] on all-cause deaths, the sum over causes) is shared between causes
/// in proportion to the causes' differences in death rates,
///
/// ₙΔₓ,ᵢ = ₙΔₓ·(m¹ₓ,ᵢ − m²ₓ,ᵢ)/(m¹ₓ − m²ₓ), with mʲₓ,ᵢ = deathsʲₓ,ᵢ/populationʲₓ,
///
/// as in Arriaga (1984) and the Segment Tool (Preston et al. 2001, eq. 4.12). Where the two
/// groups' all-cause rates in a band are equal (the denominator is zero, and so is ₙΔₓ up to
/// rounding), the band's contribution is shared by each cause's share of the deaths of both
/// groups (equally if there are none), so that causes always sum to the band. A cause can
/// contribute against the gap (its sign differs from the band's) when its rate moves the other
/// way.
///
/// Both groups must list the same causes in the same order.
///
/// # Errors
/// As [`arriaga_decomposition`], and [`StatsError::Invalid`] when no cause is given or the
/// groups' causes differ.
pub fn arriaga_decomposition_by_cause(
    population1: &[f64],
    causes1: &[CauseDeaths],
    population2: &[f64],
    causes2: &[CauseDeaths],
) -> Result<ArriagaByCause, StatsError> {
    if causes1.is_empty() {
        return Err(StatsError::Invalid("at least one cause of death is needed".into()));
    }
    if causes1.len() != causes2.len() || causes1.iter().zip(causes2).any(|(a, b)| a.cause != b.cause) {
        return Err(StatsError::Invalid("both groups must list the same causes of death in the same order".into()));
    }
    let total = |group: &str, causes: &[CauseDeaths]| -> Result<Vec<f64>, StatsError> {
        let mut sum = vec![0.0; AGE_BANDS];
        for c in causes {
            check_bands(&format!("{group} deaths from {}", c.cause), &c.deaths)?;
            for (i, &d) in c.deaths.iter().enumerate() {
                if !d.is_finite() || d < 0.0 {
                    return Err(StatsError::Invalid(format!(
                        "{group}, {}, age band {}: deaths must be a finite number ≥ 0, got {d}",
                        c.cause, AGE_BAND_LABELS[i]
                    )));
                }
                sum[i] += d;
            }
        }
        Ok(sum)
    };
    let d1 = total("group 1", causes1)?;
    let d2 = total("group 2", causes2)?;
    let t1 = life_table("group 1", &d1, population1)?;
    let t2 = life_table("group 2", &d2, population2)?;
    let by_age = decompose(&t1, &t2);
    let k = causes1.len();
    let mut by_age_and_cause = Vec::with_capacity(AGE_BANDS);
    let mut by_cause = vec![0.0; k];
    for x in 0..AGE_BANDS {
        let delta = by_age.by_age[x].total;
        let dm = t1.m[x] - t2.m[x];
        let mut row = Vec::with_capacity(k);
        if dm != 0.0 {
            for i in 0..k {
                let dmi = causes1[i].deaths[x] / population1[x] - causes2[i].deaths[x] / population2[x];
                row.push(delta * dmi / dm);
            }
        } else {
            let all = d1[x] + d2[x];
            for i in 0..k {
                let share =
                    if all > 0.0 { (causes1[i].deaths[x] + causes2[i].deaths[x]) / all } else { 1.0 / k as f64 };
                row.push(delta * share);
            }
        }
        for (acc, v) in by_cause.iter_mut().zip(&row) {
            *acc += v;
        }
        by_age_and_cause.push(row);
    }
    Ok(ArriagaByCause { by_age, causes: causes1.iter().map(|c| c.cause.clone()).collect(), by_age_and_cause, by_cause })
}

/// Excess deaths by decile against the reference decile's death rate.
#[derive(Clone, Debug, PartialEq)]
pub struct ExcessDeaths {
    /// The reference decile's death rate, deaths/population.
    pub reference_rate: f64,
    /// Expected deaths in each decile at the reference rate: population × reference rate.
    pub expected: Vec<f64>,
    /// Excess deaths in each decile: observed − expected (negative where a decile's rate is
    /// below the reference's).
    pub excess: Vec<f64>,
    /// Total observed deaths.
    pub total_observed: f64,
    /// Total expected deaths.
    pub total_expected: f64,
    /// Total excess deaths, Σ (observed − expected).
    pub total_excess: f64,
}

/// Excess deaths attributable to the deprivation gradient: the deaths that would not have
/// happened if every decile had the death rate of the reference decile (normally the least
/// deprived):
///
/// rate_ref = observed_ref/population_ref, expected_i = population_i·rate_ref,
/// excess_i = observed_i − expected_i, total = Σ excess_i.
///
/// `reference` is the index of the reference decile in the slices (with IMD deciles ordered 1,
/// most deprived, to 10, least deprived, pass 9). The same applies to any grouping (quintiles,
/// areas). Use age-standardised expected deaths (apply the reference decile's age-specific
/// rates band by band and add) to remove differences in age structure; this function is the
/// crude form, applied per age band by the caller when needed.
///
/// Reference: OHID, *Segment Tool* and *Excess deaths by deprivation* technical notes; Public
/// Health England (2018), *Health profile for England*, chapter 5.
///
/// # Errors
/// [`StatsError::Shape`] for slices of different lengths or none; [`StatsError::Invalid`] for a
/// reference index outside the slices, a negative or non-finite value, or a reference decile
/// without population.
pub fn excess_deaths(observed: &[f64], population: &[f64], reference: usize) -> Result<ExcessDeaths, StatsError> {
    if observed.is_empty() || observed.len() != population.len() {
        return Err(StatsError::Shape(format!(
            "observed deaths and population need the same, non-zero number of groups, got {} and {}",
            observed.len(),
            population.len()
        )));
    }
    if reference >= observed.len() {
        return Err(StatsError::Invalid(format!(
            "reference group {reference} is outside the {} groups (counted from 0)",
            observed.len()
        )));
    }
    for (i, (&o, &p)) in observed.iter().zip(population).enumerate() {
        if !o.is_finite() || o < 0.0 {
            return Err(StatsError::Invalid(format!(
                "group {i}: observed deaths must be a finite number ≥ 0, got {o}"
            )));
        }
        if !p.is_finite() || p < 0.0 {
            return Err(StatsError::Invalid(format!("group {i}: population must be a finite number ≥ 0, got {p}")));
        }
    }
    if population[reference] <= 0.0 {
        return Err(StatsError::Invalid(format!("reference group {reference} has no population")));
    }
    let rate = observed[reference] / population[reference];
    let expected: Vec<f64> = population.iter().map(|p| p * rate).collect();
    let excess: Vec<f64> = observed.iter().zip(&expected).map(|(o, e)| o - e).collect();
    Ok(ExcessDeaths {
        reference_rate: rate,
        total_observed: observed.iter().sum(),
        total_expected: expected.iter().sum(),
        total_excess: excess.iter().sum(),
        expected,
        excess,
    })
}

/// Values the user states to monetise deaths and years of life lost.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Valuation {
    /// Value of one year of life (for example a QALY value), in the user's currency.
    pub value_per_life_year: Option<f64>,
    /// Value of preventing one death (a value of a statistical life), in the user's currency.
    pub value_per_death: Option<f64>,
}

/// Years of life lost, with their monetised values.
#[derive(Clone, Debug, PartialEq)]
pub struct YearsOfLifeLost {
    /// Total deaths, Σ deaths_x.
    pub deaths: f64,
    /// Years of life lost in each band, deaths_x·years_x.
    pub by_band: Vec<f64>,
    /// Total years of life lost, Σ deaths_x·years_x.
    pub years_of_life_lost: f64,
    /// Years of life lost × value per life-year, when that value is given.
    pub value_of_life_years: Option<f64>,
    /// Deaths × value per death, when that value is given.
    pub value_of_deaths: Option<f64>,
}

/// Years of life lost YLL = Σ deaths_x·years_x, where years_x is the years lost by one death in
/// band x (the remaining life expectancy at that age, or a fixed upper age less the band's
/// mid-age; see [`potential_years_per_death`]), with a monetised estimate from stated values:
/// value of life years = YLL × value per life-year and value of deaths = deaths × value per
/// death. The two are alternative valuations of the same loss and are not to be added.
///
/// Deaths may be excess deaths (from [`excess_deaths`]) and so may be negative in a band.
///
/// Reference: Gardner and Sanborn (1990), "Years of potential life lost (YPLL) — what does it
/// measure?", *Epidemiology* 1(4):322–329; WHO, *Global Burden of Disease* YLL definition.
///
/// # Errors
/// [`StatsError::Shape`] for slices of different lengths; [`StatsError::Invalid`] for
/// non-finite deaths, years per death that are negative or non-finite, or a negative or
/// non-finite value.
pub fn years_of_life_lost(
    deaths: &[f64],
    years_per_death: &[f64],
    valuation: &Valuation,
) -> Result<YearsOfLifeLost, StatsError> {
    if deaths.len() != years_per_death.len() {
        return Err(StatsError::Shape(format!(
            "deaths and years lost per death need the same number of bands, got {} and {}",
            deaths.len(),
            years_per_death.len()
        )));
    }
    for (i, (&d, &y)) in deaths.iter().zip(years_per_death).enumerate() {
        if !d.is_finite() {
            return Err(StatsError::Invalid(format!("band {i}: deaths must be a finite number, got {d}")));
        }
        if !y.is_finite() || y < 0.0 {
            return Err(StatsError::Invalid(format!(
                "band {i}: years lost per death must be a finite number ≥ 0, got {y}"
            )));
        }
    }
    for (name, v) in
        [("value per life-year", valuation.value_per_life_year), ("value per death", valuation.value_per_death)]
    {
        if let Some(v) = v {
            if !v.is_finite() || v < 0.0 {
                return Err(StatsError::Invalid(format!("{name} must be a finite number ≥ 0, got {v}")));
            }
        }
    }
    let by_band: Vec<f64> = deaths.iter().zip(years_per_death).map(|(d, y)| d * y).collect();
    let yll: f64 = by_band.iter().sum();
    let total_deaths: f64 = deaths.iter().sum();
    Ok(YearsOfLifeLost {
        deaths: total_deaths,
        years_of_life_lost: yll,
        value_of_life_years: valuation.value_per_life_year.map(|v| v * yll),
        value_of_deaths: valuation.value_per_death.map(|v| v * total_deaths),
        by_band,
    })
}

/// Years lost per death for potential years of life lost (PYLL): max(upper_age − mid_age, 0)
/// for each band's mid-age (for example upper age 75).
///
/// # Errors
/// [`StatsError::Invalid`] for a non-finite age or upper age.
pub fn potential_years_per_death(mid_ages: &[f64], upper_age: f64) -> Result<Vec<f64>, StatsError> {
    if !upper_age.is_finite() {
        return Err(StatsError::Invalid(format!("upper age must be a finite number, got {upper_age}")));
    }
    mid_ages
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            if a.is_finite() {
                Ok((upper_age - a).max(0.0))
            } else {
                Err(StatsError::Invalid(format!("band {i}: mid-age must be a finite number, got {a}")))
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    //! The worked example was derived independently in Python (numpy): the same life-table
    //! formulas and Arriaga's equations typed from Preston et al. (2001, eq. 3.11), applied to
    //! the two synthetic populations below; its life expectancies and band contributions,
    //! printed with 17 significant digits, are the expected values. The cause split and excess
    //! deaths were worked by hand.
    use super::*;
    use proptest::prelude::*;

    fn close(got: f64, expected: f64, tol: f64) {
        assert!((got - expected).abs() <= tol * expected.abs().max(1.0), "got {got}, expected {expected}");
    }

    /// Synthetic populations: rates m_x = a·exp(b·age) (Gompertz) plus an infant rate.
    /// Group 1: infant rate 0.006, m = 0.0002·e^(0.085·mid-age); group 2: 0.003 and 0.0001;
    /// deaths = m × 1000 rounded to 4 decimals, population 1000 in every band.
    fn example() -> (MortalityByAge, MortalityByAge) {
        let mk = |infant: f64, a: f64, b: f64| -> MortalityByAge {
            let deaths = AGE_BAND_STARTS
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    let m = if i == 0 { infant } else { a * (b * (f64::from(x) + 2.5)).exp() };
                    (m * 1000.0 * 1e4).round() / 1e4
                })
                .collect();
            MortalityByAge { deaths, population: vec![1000.0; AGE_BANDS] }
        };
        (mk(0.006, 0.0002, 0.085), mk(0.003, 0.0001, 0.085))
    }

    #[test]
    fn worked_example_matches_independent_computation() {
        let (g1, g2) = example();
        let d = arriaga_decomposition(&g1, &g2).unwrap();
        close(d.e0_group1, EXPECTED_E0.0, 1e-12);
        close(d.e0_group2, EXPECTED_E0.1, 1e-12);
        for (got, want) in d.by_age.iter().zip(EXPECTED_BY_AGE) {
            close(got.total, want, 1e-10);
        }
        let sum: f64 = d.by_age.iter().map(|c| c.total).sum();
        assert!((sum - d.gap).abs() < 1e-9);
    }

    #[test]
    fn life_expectancy_agrees_with_the_life_expectancy_module() {
        // The gap the contributions add up to is the gap between crate::life_expectancy's e0s.
        let (g1, g2) = example();
        let d = arriaga_decomposition(&g1, &g2).unwrap();
        let arr = |v: &[f64]| -> [f64; AGE_BANDS] { std::array::from_fn(|i| v[i]) };
        let e1 = crate::life_expectancy::LifeTable::from_bands(&arr(&g1.deaths), &arr(&g1.population)).unwrap();
        let e2 = crate::life_expectancy::LifeTable::from_bands(&arr(&g2.deaths), &arr(&g2.population)).unwrap();
        close(d.e0_group1, e1.life_expectancy[0], 1e-14);
        close(d.e0_group2, e2.life_expectancy[0], 1e-14);
        let sum: f64 = d.by_age.iter().map(|c| c.total).sum();
        assert!((sum - (e2.life_expectancy[0] - e1.life_expectancy[0])).abs() < 1e-9);
    }

    #[test]
    fn identical_populations_have_no_gap() {
        let (g1, _) = example();
        let d = arriaga_decomposition(&g1, &g1).unwrap();
        assert_eq!(d.gap, 0.0);
        assert!(d.by_age.iter().all(|c| c.total.abs() < 1e-12));
    }

    #[test]
    fn cause_split_sums_to_age_contributions() {
        // Group 1 deaths split 60/40 between two causes; group 2 has all its excess reduction
        // in cause A: group 2's cause B deaths equal group 1's.
        let (g1, g2) = example();
        let b1: Vec<f64> = g1.deaths.iter().map(|d| d * 0.4).collect();
        let a1: Vec<f64> = g1.deaths.iter().zip(&b1).map(|(d, b)| d - b).collect();
        let b2: Vec<f64> = b1.iter().zip(&g2.deaths).map(|(b, d)| b.min(*d)).collect();
        let a2: Vec<f64> = g2.deaths.iter().zip(&b2).map(|(d, b)| d - b).collect();
        let c1 = vec![CauseDeaths { cause: "A".into(), deaths: a1 }, CauseDeaths { cause: "B".into(), deaths: b1 }];
        let c2 = vec![CauseDeaths { cause: "A".into(), deaths: a2 }, CauseDeaths { cause: "B".into(), deaths: b2 }];
        let r = arriaga_decomposition_by_cause(&g1.population, &c1, &g2.population, &c2).unwrap();
        let by_age = arriaga_decomposition(&g1, &g2).unwrap();
        for x in 0..AGE_BANDS {
            let row: f64 = r.by_age_and_cause[x].iter().sum();
            assert!((row - r.by_age.by_age[x].total).abs() < 1e-12);
            close(r.by_age.by_age[x].total, by_age.by_age[x].total, 1e-9);
        }
        let total: f64 = r.by_cause.iter().sum();
        assert!((total - r.by_age.gap).abs() < 1e-9);
        // Where B's rates are equal in both groups, the whole band goes to A.
        for x in 0..AGE_BANDS {
            if c1[1].deaths[x] == c2[1].deaths[x] {
                assert!(r.by_age_and_cause[x][1].abs() < 1e-15);
            }
        }
        // Mismatched causes are an error.
        let c3 = vec![CauseDeaths { cause: "X".into(), deaths: vec![1.0; 20] }];
        assert!(arriaga_decomposition_by_cause(&g1.population, &c1, &g2.population, &c3).is_err());
    }

    #[test]
    fn bad_life_table_input_is_an_error() {
        let (g1, g2) = example();
        let mut short = g1.clone();
        short.deaths.pop();
        assert!(matches!(arriaga_decomposition(&short, &g2), Err(StatsError::Shape(_))));
        let mut zero_pop = g1.clone();
        zero_pop.population[3] = 0.0;
        assert!(arriaga_decomposition(&zero_pop, &g2).unwrap_err().to_string().contains("10-14"));
        let mut no_old_deaths = g1.clone();
        no_old_deaths.deaths[19] = 0.0;
        assert!(arriaga_decomposition(&no_old_deaths, &g2).unwrap_err().to_string().contains("90+"));
        let mut nan = g1.clone();
        nan.deaths[5] = f64::NAN;
        assert!(arriaga_decomposition(&nan, &g2).is_err());
        let mut huge = g1;
        huge.deaths[5] = 1e6;
        assert!(arriaga_decomposition(&huge, &g2).unwrap_err().to_string().contains("probability"));
    }

    #[test]
    fn excess_deaths_by_hand() {
        // Three deciles: rates 0.02, 0.015, 0.01 (reference, index 2).
        // Expected = pop·0.01 = 20, 30, 50; excess = 20, 15, 0; total 35.
        let e = excess_deaths(&[40.0, 45.0, 50.0], &[2000.0, 3000.0, 5000.0], 2).unwrap();
        close(e.reference_rate, 0.01, 1e-15);
        assert_eq!(e.expected, vec![20.0, 30.0, 50.0]);
        assert_eq!(e.excess, vec![20.0, 15.0, 0.0]);
        close(e.total_excess, 35.0, 1e-15);
        close(e.total_observed - e.total_expected, e.total_excess, 1e-12);
        assert!(excess_deaths(&[1.0], &[1.0, 2.0], 0).is_err());
        assert!(excess_deaths(&[1.0, 2.0], &[1.0, 2.0], 2).is_err());
        assert!(excess_deaths(&[1.0, 2.0], &[1.0, 0.0], 1).is_err());
        assert!(excess_deaths(&[-1.0, 2.0], &[1.0, 2.0], 1).is_err());
        assert!(excess_deaths(&[], &[], 0).is_err());
    }

    #[test]
    fn years_of_life_lost_by_hand() {
        // PYLL to 75: mid-ages 2.5, 40, 80 → 72.5, 35, 0 years per death.
        let years = potential_years_per_death(&[2.5, 40.0, 80.0], 75.0).unwrap();
        assert_eq!(years, vec![72.5, 35.0, 0.0]);
        // Deaths 2, 10, 30: YLL = 145 + 350 + 0 = 495.
        let v = Valuation { value_per_life_year: Some(60_000.0), value_per_death: Some(2_000_000.0) };
        let y = years_of_life_lost(&[2.0, 10.0, 30.0], &years, &v).unwrap();
        close(y.years_of_life_lost, 495.0, 1e-15);
        close(y.deaths, 42.0, 1e-15);
        close(y.value_of_life_years.unwrap(), 495.0 * 60_000.0, 1e-15);
        close(y.value_of_deaths.unwrap(), 42.0 * 2_000_000.0, 1e-15);
        let none = years_of_life_lost(&[1.0], &[10.0], &Valuation::default()).unwrap();
        assert!(none.value_of_deaths.is_none() && none.value_of_life_years.is_none());
        assert!(years_of_life_lost(&[1.0], &[-1.0], &Valuation::default()).is_err());
        assert!(years_of_life_lost(&[1.0, 2.0], &[1.0], &Valuation::default()).is_err());
        let bad = Valuation { value_per_life_year: Some(f64::NAN), value_per_death: None };
        assert!(years_of_life_lost(&[1.0], &[1.0], &bad).is_err());
        assert!(potential_years_per_death(&[f64::NAN], 75.0).is_err());
    }

    fn mortality() -> impl Strategy<Value = MortalityByAge> {
        (
            proptest::collection::vec(0.0..500.0f64, AGE_BANDS),
            proptest::collection::vec(100.0..1e6f64, AGE_BANDS),
            1.0..500.0f64,
        )
            .prop_map(|(mut deaths, population, last)| {
                deaths[AGE_BANDS - 1] = last;
                MortalityByAge { deaths, population }
            })
    }

    proptest! {
        #[test]
        fn contributions_sum_to_gap(g1 in mortality(), g2 in mortality()) {
            if let Ok(d) = arriaga_decomposition(&g1, &g2) {
                let sum: f64 = d.by_age.iter().map(|c| c.total).sum();
                prop_assert!((sum - d.gap).abs() < 1e-9, "sum {} gap {}", sum, d.gap);
                prop_assert!((d.gap - (d.e0_group2 - d.e0_group1)).abs() < 1e-12);
            }
        }

        #[test]
        fn cause_contributions_sum_to_gap(
            g1 in mortality(), g2 in mortality(),
            split1 in proptest::collection::vec(0.0..1.0f64, AGE_BANDS),
            split2 in proptest::collection::vec(0.0..1.0f64, AGE_BANDS),
        ) {
            let part = |d: &[f64], s: &[f64]| -> (Vec<f64>, Vec<f64>) {
                let a: Vec<f64> = d.iter().zip(s).map(|(d, s)| d * s).collect();
                let b = d.iter().zip(&a).map(|(d, a)| d - a).collect();
                (a, b)
            };
            let (a1, b1) = part(&g1.deaths, &split1);
            let (a2, b2) = part(&g2.deaths, &split2);
            let c1 = vec![CauseDeaths { cause: "A".into(), deaths: a1 }, CauseDeaths { cause: "B".into(), deaths: b1 }];
            let c2 = vec![CauseDeaths { cause: "A".into(), deaths: a2 }, CauseDeaths { cause: "B".into(), deaths: b2 }];
            if let Ok(r) = arriaga_decomposition_by_cause(&g1.population, &c1, &g2.population, &c2) {
                let total: f64 = r.by_cause.iter().sum();
                prop_assert!((total - r.by_age.gap).abs() < 1e-9);
                for x in 0..AGE_BANDS {
                    let row: f64 = r.by_age_and_cause[x].iter().sum();
                    prop_assert!((row - r.by_age.by_age[x].total).abs() < 1e-9);
                }
            }
        }

        #[test]
        fn arbitrary_input_never_panics(
            d1 in proptest::collection::vec(prop_oneof![-10.0..1e4f64, Just(f64::NAN), Just(0.0)], 0..22),
            p1 in proptest::collection::vec(prop_oneof![-10.0..1e6f64, Just(0.0), Just(f64::INFINITY)], 0..22),
            obs in proptest::collection::vec(-5.0..100.0f64, 0..5),
            pop in proptest::collection::vec(-5.0..1000.0f64, 0..5),
            r in 0usize..6,
        ) {
            let g = MortalityByAge { deaths: d1.clone(), population: p1.clone() };
            let _ = arriaga_decomposition(&g, &g);
            let c = vec![CauseDeaths { cause: "A".into(), deaths: d1.clone() }];
            let _ = arriaga_decomposition_by_cause(&p1, &c, &p1, &c);
            let _ = excess_deaths(&obs, &pop, r);
            let _ = years_of_life_lost(&obs, &pop, &Valuation { value_per_life_year: Some(1.0), value_per_death: None });
        }
    }

    // From the Python computation (see the module doc of these tests).
    const EXPECTED_E0: (f64, f64) = (64.18467327527578, 72.44544611780358);
    const EXPECTED_BY_AGE: [f64; AGE_BANDS] = [
        0.21593541753933462,
        0.03730014188153692,
        0.06118389590327366,
        0.0863292518853051,
        0.1209112707276416,
        0.1678056785463019,
        0.2303611840127899,
        0.3119069612416983,
        0.4150285072752909,
        0.5399243444078653,
        0.6818190227582673,
        0.8271636599548295,
        0.9500076783614496,
        1.0112084266925088,
        0.9671121060104355,
        0.7940019214212972,
        0.5223985515797448,
        0.24679136692388104,
        0.06834448769014945,
        0.005238967714198626,
    ];
}
