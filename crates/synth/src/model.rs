//! The demographic and outcome model: age structure, mortality by age, sex and deprivation,
//! causes of death, fertility, and the children-and-young-people and wider-determinant outcomes,
//! with the calibration that gives the published size of the English deprivation gap.
//!
//! # Mortality
//!
//! The death rate of sex s in life-table band b of a small area in year t is
//!
//! m = λₛ · μₛ(b) · exp(kₛ · g(b) · x + e(t))
//!
//! where μₛ is a Gompertz-Makeham curve with an infant term and a young-adult accident hump
//! (Gompertz 1825; Makeham 1860; Heligman and Pollard 1980), evaluated at the band's middle age;
//! x is the area's centred deprivation position (see [`deprivation_x`]); g(b) is the age
//! profile of the deprivation gradient on the log scale, largest in early middle age and
//! smallest at the oldest ages, as in the English decile-specific rates (ONS, "Health state life
//! expectancies by national deprivation deciles, England: 2018 to 2020"); e(t) holds the area,
//! authority and year effects. λₛ (level) and kₛ (gradient) are *calibrated* on the generated
//! populations so that life expectancy at birth is about 79.2 (males) and 83.0 (females) in the
//! whole world and differs between the most and the least deprived deciles by
//! [`TARGET_GAP_MALE`] and [`TARGET_GAP_FEMALE`] years (ONS 2018-2020: 9.7 and 7.9 years).
//!
//! # Causes
//!
//! Each death has one underlying cause: cardiovascular (ICD-10 I00-I99), cancer (C00-C97) or
//! other, with age- and sex-specific shares (roughly those of ONS death registrations, cancer
//! 40% of deaths at 55-74, cardiovascular about a quarter at 75+) tilted by deprivation so that
//! cardiovascular mortality has a steeper gradient than cancer, as published.

use crate::error::{Result, SynthError};

/// The number of life-table bands.
pub const BANDS: usize = 20;
/// Start age of each band: 0, 1, 5, 10, …, 85, 90.
pub const START_AGES: [u32; BANDS] = [0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90];
/// Label of each band: "0", "1-4", "5-9", …, "85-89", "90+".
pub const BAND_LABELS: [&str; BANDS] = [
    "0", "1-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
    "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];
/// The two sexes, in the indicator portal's words; index 0 is male.
pub const SEXES: [&str; 2] = ["Male", "Female"];
/// Sex of a row not broken down by sex, in the indicator portal's words.
pub const PERSONS: &str = "Persons";

/// Target gap in male life expectancy at birth between deciles 1 and 10, years.
pub const TARGET_GAP_MALE: f64 = 9.5;
/// Target gap in female life expectancy at birth between deciles 1 and 10, years.
pub const TARGET_GAP_FEMALE: f64 = 7.5;
/// Target life expectancy at birth in the whole world, males and females (England 2015-2024
/// pooled, including the COVID-19 years, is about 79 and 83).
pub const TARGET_LEVEL: [f64; 2] = [79.2, 83.0];

/// Underlying cause of death.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Diseases of the circulatory system, ICD-10 I00-I99.
    Cardiovascular = 0,
    /// Malignant neoplasms, ICD-10 C00-C97.
    Cancer = 1,
    /// Every other cause.
    Other = 2,
}

/// The causes' names as written in the tables.
pub const CAUSES: [&str; 3] = ["cardiovascular", "cancer", "other"];

/// Centred deprivation position: f(d) − mean f with f(d) = d^1.4 and d in (0, 1) the area's
/// position (1 most deprived). The power makes the gradient steeper at the deprived end, as the
/// published decile gradients are; the centring (mean of d^1.4 over the uniform d is 1/2.4)
/// keeps the national level where the level parameters put it. Range about −0.42 to 0.58.
pub fn deprivation_x(position: f64) -> f64 {
    position.clamp(0.0, 1.0).powf(1.4) - 1.0 / 2.4
}

/// Age profile of the mortality gradient, g(b), on the log scale per unit of x.
const GRADIENT_SHAPE: [f64; BANDS] =
    [0.75, 0.6, 0.45, 0.5, 0.8, 1.1, 1.3, 1.4, 1.4, 1.35, 1.25, 1.15, 1.05, 0.95, 0.85, 0.72, 0.58, 0.45, 0.32, 0.2];

/// The middle age of each band used for the age curve (94 for 90+, the mean age at death there).
fn middle_age(band: usize) -> f64 {
    match band {
        0 => 0.5,
        1 => 3.0,
        19 => 94.0,
        b => START_AGES[b] as f64 + 2.5,
    }
}

/// Parameters of the age curve of one sex: infant rate, Makeham constant, accident hump
/// (height, centre, width) and Gompertz level and slope.
struct AgeCurve {
    infant: f64,
    makeham: f64,
    hump: f64,
    hump_centre: f64,
    hump_width: f64,
    gompertz: f64,
    slope: f64,
}

/// Males, then females: shapes close to the England life tables 2017-2019 (ONS).
const AGE_CURVES: [AgeCurve; 2] = [
    AgeCurve {
        infant: 0.0041,
        makeham: 0.00007,
        hump: 0.00050,
        hump_centre: 22.0,
        hump_width: 7.0,
        gompertz: 2.4e-5,
        slope: 0.0975,
    },
    AgeCurve {
        infant: 0.0034,
        makeham: 0.00005,
        hump: 0.00013,
        hump_centre: 22.0,
        hump_width: 7.0,
        gompertz: 1.2e-5,
        slope: 0.1015,
    },
];

/// The base death rate μₛ(b) per person-year, before level, deprivation and area effects.
pub fn base_rate(sex: usize, band: usize) -> f64 {
    let c = &AGE_CURVES[sex.min(1)];
    if band == 0 {
        return c.infant;
    }
    let x = middle_age(band);
    let z = (x - c.hump_centre) / c.hump_width;
    c.makeham + c.hump * (-z * z).exp() + c.gompertz * (c.slope * x).exp()
}

/// Shares of deaths that are cardiovascular and cancer, by sex, band and deprivation x.
pub fn cause_shares(sex: usize, band: usize, x: f64) -> (f64, f64) {
    let age = START_AGES[band];
    let (cvd, cancer): (f64, f64) = match age {
        0 => (0.01, 0.02),
        1..=14 => (0.03, 0.12),
        15..=24 => (0.04, 0.10),
        25..=34 => (0.07, 0.15),
        35..=44 => (0.12, 0.25),
        45..=54 => (0.17, 0.36),
        55..=64 => (0.19, 0.42),
        65..=74 => (0.21, 0.40),
        75..=84 => (0.25, 0.28),
        _ => (0.28, 0.14),
    };
    let (cvd, cancer) = if sex == 0 && age < 75 {
        (cvd * 1.15, cancer * 0.95)
    } else if age < 75 {
        (cvd * 0.85, cancer * 1.08)
    } else {
        (cvd, cancer)
    };
    let cvd = cvd * (0.35 * x).exp();
    let cancer = cancer * (-0.25 * x).exp();
    let total = cvd + cancer;
    if total > 0.95 {
        (cvd * 0.95 / total, cancer * 0.95 / total)
    } else {
        (cvd, cancer)
    }
}

/// Share of the population in each band (England, 2021 Census, persons, rounded).
const AGE_SHARES: [f64; BANDS] =
    [1.1, 4.6, 6.0, 6.0, 5.6, 6.0, 6.6, 6.9, 6.7, 6.3, 6.4, 6.9, 6.7, 5.8, 5.0, 5.2, 3.8, 2.6, 1.6, 0.9];
/// Share of each band that is male.
const MALE_SHARES: [f64; BANDS] = [
    0.512, 0.512, 0.512, 0.512, 0.515, 0.505, 0.495, 0.49, 0.49, 0.495, 0.495, 0.495, 0.49, 0.49, 0.485, 0.475, 0.465,
    0.44, 0.40, 0.32,
];
/// Tilt of the age structure with deprivation, log scale per unit of x: deprived areas younger.
const AGE_TILT: [f64; BANDS] = [
    0.30, 0.30, 0.22, 0.2, 0.15, 0.25, 0.3, 0.2, 0.1, 0.05, 0.0, -0.05, -0.12, -0.2, -0.3, -0.35, -0.4, -0.45, -0.45,
    -0.45,
];

/// Expected share of an area's population in sex s and band b at deprivation x, before the
/// area's own noise (shares over all sexes and bands sum to 1).
pub fn population_shares(x: f64) -> [[f64; BANDS]; 2] {
    let mut s = [[0.0; BANDS]; 2];
    let mut total = 0.0;
    for b in 0..BANDS {
        let w = AGE_SHARES[b] * (AGE_TILT[b] * x).exp();
        s[0][b] = w * MALE_SHARES[b];
        s[1][b] = w * (1.0 - MALE_SHARES[b]);
        total += w;
    }
    for row in &mut s {
        for v in row.iter_mut() {
            *v /= total;
        }
    }
    s
}

/// The national mortality effect of a calendar year on the log scale, relative to 2019: a slow
/// improvement (0.5% a year) and the COVID-19 excess of 2020-2022 (ONS excess-mortality
/// estimates: about 14%, 9% and 5% above expected).
pub fn national_year_effect(year: i32) -> f64 {
    let trend = -0.005 * (year - 2019) as f64;
    trend
        + match year {
            2020 => 0.13,
            2021 => 0.085,
            2022 => 0.045,
            _ => 0.0,
        }
}

/// General fertility rate (live births per woman aged 15-44 a year) at deprivation x in `year`:
/// England about 55 per 1,000 and falling 1.5% a year; higher in deprived areas.
pub fn fertility(x: f64, year: i32) -> f64 {
    0.056 * (0.30 * x).exp() * (-0.015 * (year - 2015) as f64).exp()
}

/// Share of live births that are boys (England: about 105 boys to 100 girls).
pub const BOY_SHARE: f64 = 0.512;

/// The calibrated mortality model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mortality {
    /// λₛ: multiplier of the base curve, males and females.
    pub level: [f64; 2],
    /// kₛ: strength of the deprivation gradient, males and females.
    pub gradient: [f64; 2],
}

impl Mortality {
    /// The death rate per person-year of `sex` in `band` at deprivation `x` with log effect `effect`.
    pub fn rate(&self, sex: usize, band: usize, x: f64, effect: f64) -> f64 {
        self.level[sex] * base_rate(sex, band) * (self.gradient[sex] * GRADIENT_SHAPE[band] * x + effect).exp()
    }
}

/// Life expectancy at birth from deaths and populations in the 20 bands (Chiang II abridged
/// life table, a₀ = 0.1, aₓ = 0.5 elsewhere, 90+ person-years l₉₀/M₉₀; the method of
/// `stats::life_expectancy` and the OHID calculator). `None` if a population is not positive
/// or there are no deaths at 90+.
pub fn life_expectancy_at_birth(deaths: &[f64; BANDS], population: &[f64; BANDS]) -> Option<f64> {
    let mut l = 100_000.0;
    let mut total = 0.0;
    for b in 0..BANDS {
        if population[b].is_nan() || population[b] <= 0.0 {
            return None;
        }
        let m = deaths[b] / population[b];
        if b == BANDS - 1 {
            if m.is_nan() || m <= 0.0 {
                return None;
            }
            total += l / m;
            break;
        }
        let n = (START_AGES[b + 1] - START_AGES[b]) as f64;
        let a = if b == 0 { 0.1 } else { 0.5 };
        let q = (m * n / (1.0 + m * n * (1.0 - a))).min(1.0);
        let d = l * q;
        total += n * (l - d + a * d);
        l -= d;
    }
    Some(total / 100_000.0)
}

/// Exposure of one group of areas to the model, for calibration: mean deprivation x, decile,
/// population-years by sex and band, and the same weighted by exp(e) of the area-year effects.
#[derive(Clone, Debug)]
pub struct ExposureBin {
    /// Mean x of the areas in the bin.
    pub x: f64,
    /// Their deprivation decile.
    pub decile: u8,
    /// Σ population over areas and years.
    pub population: [[f64; BANDS]; 2],
    /// Σ population × exp(effect) over areas and years.
    pub weighted: [[f64; BANDS]; 2],
}

/// Expected life expectancy at birth of `sex` over the bins selected by `keep`.
fn expected_le(
    bins: &[ExposureBin],
    sex: usize,
    level: f64,
    gradient: f64,
    keep: impl Fn(&ExposureBin) -> bool,
) -> Option<f64> {
    let mut deaths = [0.0; BANDS];
    let mut population = [0.0; BANDS];
    for bin in bins.iter().filter(|b| keep(b)) {
        for b in 0..BANDS {
            deaths[b] +=
                level * base_rate(sex, b) * (gradient * GRADIENT_SHAPE[b] * bin.x).exp() * bin.weighted[sex][b];
            population[b] += bin.population[sex][b];
        }
    }
    life_expectancy_at_birth(&deaths, &population)
}

/// Expected life expectancies under a calibrated model, recorded in the manifest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    /// The calibrated model.
    pub mortality: Mortality,
    /// Expected life expectancy at birth, whole world, males and females.
    pub national: [f64; 2],
    /// Expected life expectancy at birth in decile 1 (most deprived), males and females.
    pub most_deprived: [f64; 2],
    /// Expected life expectancy at birth in decile 10 (least deprived), males and females.
    pub least_deprived: [f64; 2],
}

/// Bisection for the root of an increasing function on [lo, hi].
fn bisect(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> Option<f64>, what: &str) -> Result<f64> {
    let fail = |message: String| SynthError::Calibration { what: what.to_string(), message };
    let (flo, fhi) = (
        f(lo).ok_or_else(|| fail("no life table at the lower end".into()))?,
        f(hi).ok_or_else(|| fail("no life table at the upper end".into()))?,
    );
    if flo > 0.0 || fhi < 0.0 {
        return Err(fail(format!("target outside the range searched ({flo:.3} .. {fhi:.3})")));
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        match f(mid) {
            Some(v) if v < 0.0 => lo = mid,
            Some(_) => hi = mid,
            None => return Err(fail("no life table during the search".into())),
        }
    }
    Ok(0.5 * (lo + hi))
}

/// Calibrates level and gradient of each sex so that the expected life expectancy at birth is
/// [`TARGET_LEVEL`] over all bins and the decile 1 to decile 10 gap is the target gap.
///
/// The two conditions are solved alternately by bisection (the gap hardly depends on the level
/// and the level hardly on the gradient, so a few rounds converge).
///
/// # Errors
/// A target cannot be reached (an empty decile, or no population).
pub fn calibrate(bins: &[ExposureBin]) -> Result<Calibration> {
    let targets = [TARGET_GAP_MALE, TARGET_GAP_FEMALE];
    let mut mortality = Mortality { level: [1.0; 2], gradient: [1.0; 2] };
    for sex in 0..2 {
        for _round in 0..6 {
            let level = mortality.level[sex];
            let gap = |k: f64| -> Option<f64> {
                let d10 = expected_le(bins, sex, level, k, |b| b.decile == 10)?;
                let d1 = expected_le(bins, sex, level, k, |b| b.decile == 1)?;
                Some(d10 - d1 - targets[sex])
            };
            mortality.gradient[sex] =
                bisect(0.0, 6.0, gap, &format!("the {} deprivation gap", SEXES[sex].to_lowercase()))?;
            let k = mortality.gradient[sex];
            // Life expectancy falls as the level rises: the target minus it rises.
            let national = |log_level: f64| -> Option<f64> {
                Some(TARGET_LEVEL[sex] - expected_le(bins, sex, log_level.exp(), k, |_| true)?)
            };
            mortality.level[sex] =
                bisect(-3.0, 3.0, national, &format!("the {} life expectancy", SEXES[sex].to_lowercase()))?.exp();
        }
    }
    let mut c = Calibration { mortality, national: [0.0; 2], most_deprived: [0.0; 2], least_deprived: [0.0; 2] };
    for sex in 0..2 {
        let (l, k) = (mortality.level[sex], mortality.gradient[sex]);
        c.national[sex] = expected_le(bins, sex, l, k, |_| true).unwrap_or(f64::NAN);
        c.most_deprived[sex] = expected_le(bins, sex, l, k, |b| b.decile == 1).unwrap_or(f64::NAN);
        c.least_deprived[sex] = expected_le(bins, sex, l, k, |b| b.decile == 10).unwrap_or(f64::NAN);
    }
    Ok(c)
}

/// One outcome of the starter catalogue, as a count over a denominator.
#[derive(Clone, Copy, Debug)]
pub struct OutcomeSpec {
    /// Identifier written in the `indicator` column.
    pub id: &'static str,
    /// What the numerator counts.
    pub numerator: &'static str,
    /// What the denominator counts.
    pub denominator: &'static str,
    /// Whether rows are by sex (Male, Female) rather than Persons.
    pub by_sex: bool,
    /// Proportion at x = 0 (about the national level): males, females (or persons twice).
    pub level: [f64; 2],
    /// Difference in log-odds between the most and least deprived ends (x from −0.42 to 0.58);
    /// positive: more common where more deprived.
    pub gradient: f64,
    /// National trend in log-odds a year.
    pub trend: f64,
    /// Where the national level and gradient are taken from.
    pub source: &'static str,
}

/// The outcomes generated, in the order written.
pub const OUTCOMES: [OutcomeSpec; 7] = [
    OutcomeSpec {
        id: "school_readiness",
        numerator: "children achieving a good level of development at the end of Reception",
        denominator: "children assessed at the end of Reception",
        by_sex: true,
        level: [0.60, 0.73],
        gradient: -1.1,
        trend: 0.02,
        source: "DfE Early years foundation stage profile results (England 2019: 72% girls, 65% boys overall; about 57% to 78% by IMD decile)",
    },
    OutcomeSpec {
        id: "gcse_english_and_maths_grade_4",
        numerator: "pupils achieving grade 4 or above in English and maths GCSEs",
        denominator: "pupils at the end of key stage 4",
        by_sex: true,
        level: [0.62, 0.68],
        gradient: -1.5,
        trend: 0.01,
        source: "DfE Key stage 4 performance (England 2019: 64.6%; about 48% to 80% by IMD decile)",
    },
    OutcomeSpec {
        id: "neet_16_17",
        numerator: "16-17 year olds not in education, employment or training or whose activity is not known",
        denominator: "16-17 year olds known to the local authority",
        by_sex: true,
        level: [0.058, 0.046],
        gradient: 1.3,
        trend: -0.01,
        source: "DfE NEET and participation local authority figures (England 2019: 5.5%)",
    },
    OutcomeSpec {
        id: "unemployment",
        numerator: "people aged 16-64 who are unemployed",
        denominator: "economically active people aged 16-64",
        by_sex: false,
        level: [0.040, 0.040],
        gradient: 1.3,
        trend: -0.01,
        source: "ONS model-based unemployment (England 2019: about 4%)",
    },
    OutcomeSpec {
        id: "children_in_low_income_families",
        numerator: "children under 16 in absolute low income families",
        denominator: "children under 16",
        by_sex: false,
        level: [0.14, 0.14],
        gradient: 2.7,
        trend: 0.01,
        source: "DWP/HMRC Children in low income families (England 2022/23: 15.6% absolute low income; Fingertips 93701 by IMD decile about 4% to 38%)",
    },
    OutcomeSpec {
        id: "fuel_poverty",
        numerator: "households in fuel poverty (low income, low energy efficiency)",
        denominator: "households",
        by_sex: false,
        level: [0.125, 0.125],
        gradient: 1.1,
        trend: 0.0,
        source: "DESNZ Sub-regional fuel poverty (England 2022: 13.4%)",
    },
    OutcomeSpec {
        id: "low_birth_weight_of_term_babies",
        numerator: "live births at term (37+ weeks) weighing under 2,500 g",
        denominator: "live births at term (37+ weeks)",
        by_sex: false,
        level: [0.028, 0.028],
        gradient: 0.6,
        trend: 0.0,
        source: "ONS birth characteristics, OHID Fingertips 20101 (England 2019: 2.9%)",
    },
];

/// The logistic function.
pub fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The log-odds of p.
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_curve_gives_a_plausible_life_expectancy() {
        for (sex, range) in [(0, 75.0..84.0), (1, 79.0..87.0)] {
            let pop = [1000.0; BANDS];
            let deaths: [f64; BANDS] = std::array::from_fn(|b| base_rate(sex, b) * 1000.0);
            let le = life_expectancy_at_birth(&deaths, &pop).unwrap();
            assert!(range.contains(&le), "sex {sex}: {le}");
        }
    }

    #[test]
    fn life_table_matches_stats() {
        let pop: [f64; BANDS] = std::array::from_fn(|b| 5000.0 + 100.0 * b as f64);
        let deaths: [f64; BANDS] = std::array::from_fn(|b| (base_rate(0, b) * pop[b] * 3.0).round() + 1.0);
        let ours = life_expectancy_at_birth(&deaths, &pop).unwrap();
        let start: Vec<f64> = START_AGES.iter().map(|&a| a as f64).collect();
        let rows = stats::life_expectancy::life_expectancy(
            &start,
            &deaths,
            &pop,
            &[stats::ConfidenceLevel::new(0.95).unwrap()],
        )
        .unwrap();
        let theirs = rows[0].estimate.value.unwrap();
        assert!((ours - theirs).abs() < 1e-9, "{ours} vs {theirs}");
    }

    #[test]
    fn calibration_reaches_its_targets() {
        let bins: Vec<ExposureBin> = (0..100)
            .map(|i| {
                let d = 1.0 - (i as f64 + 0.5) / 100.0;
                let x = deprivation_x(d);
                let shares = population_shares(x);
                let population = shares.map(|row| row.map(|s| s * 1e6));
                ExposureBin { x, decile: (i / 10) as u8 + 1, population, weighted: population }
            })
            .collect();
        let c = calibrate(&bins).unwrap();
        assert!((c.least_deprived[0] - c.most_deprived[0] - TARGET_GAP_MALE).abs() < 1e-6);
        assert!((c.least_deprived[1] - c.most_deprived[1] - TARGET_GAP_FEMALE).abs() < 1e-6);
        assert!((c.national[0] - TARGET_LEVEL[0]).abs() < 1e-6);
        assert!(c.mortality.gradient[0] > c.mortality.gradient[1]);
    }

    #[test]
    fn cause_shares_are_proportions_with_a_steeper_cardiovascular_gradient() {
        for sex in 0..2 {
            for b in 0..BANDS {
                let (c, k) = cause_shares(sex, b, 0.58);
                assert!(c > 0.0 && k > 0.0 && c + k <= 0.95 + 1e-12);
                let (c0, k0) = cause_shares(sex, b, -0.42);
                assert!(c > c0 && k < k0);
            }
        }
    }
}
