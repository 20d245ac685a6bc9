//! The gap in life expectancy at birth between the most and least deprived deciles of an area,
//! split by age band and cause of death (Arriaga 1984, as the OHID Segment Tool does it:
//! [`stats::arriaga::arriaga_decomposition_by_cause`]), as rows of the results table.
//!
//! For an indicator with `gap_causes` (life expectancy at birth with a deprivation breakdown),
//! each area, sex and period that has an SII (the latest period, or every period with
//! `settings.sii_periods = "all"`) gets one row per life-table band (0, 1-4, …, 90+) and cause:
//! the listed causes, then "Other causes" (the numerator's deaths of no listed cause) when there
//! are any. The two populations are the most and least deprived deciles present in the area
//! with a value, the same two as the gap (`gap_most_minus_least_deprived`); the most deprived is
//! the base (group 1), so the decomposed gap is e0(least) − e0(most), the gap's negative, and a
//! positive contribution is a band and cause where the most deprived decile's higher death rate
//! shortens its life. The contributions of an area, sex and period sum to that gap.
//!
//! A row: `category_type` [`CATEGORY_TYPE`], `category` "{band} | {cause}" ([`category`]),
//! `value` the contribution in years (no limits), `statistic` "years of the gap", `method`
//! "Arriaga", `count` the deaths of the cause in the band in both deciles, `value_note` the two
//! deciles and their life expectancies. A pair whose life table cannot be closed (no deaths
//! at 90+) gets no rows.
//!
//! The same areas, sexes and periods get the years of life lost to the deprivation gradient,
//! one row per band ([`YLL_CATEGORY_TYPE`], `category` the band): `count` the band's excess
//! deaths, Σ over deciles of observed − population × the least deprived decile's death rate in
//! the band (the reference is the least deprived decile with a population, as for
//! `excess_count`, whose total over bands they are), and `value` the years they lost, excess
//! deaths × the reference decile's remaining life expectancy at the band's start age (its
//! abridged life table, [`stats::life_expectancy`]): YLL = Σₓ excessₓ·e_x (Gardner and Sanborn
//! 1990; [`stats::arriaga::years_of_life_lost`]). A reference decile whose life expectancy is
//! not published (a population of 5,000 or fewer) gives no rows.

use stats::arriaga::{
    arriaga_decomposition_by_cause, excess_deaths, years_of_life_lost, CauseDeaths, Valuation, AGE_BANDS,
    AGE_BAND_LABELS, AGE_BAND_STARTS,
};
use stats::life_expectancy::life_expectancy;
use stats::{ConfidenceLevel, Estimate};

use super::catalogue::{Catalogue, DeprivationBreakdown, GapCauses, Indicator, SEXES};
use super::cells::{CellValue, LevelCounts};
use super::geography::Level;
use super::period::Period;
use super::results::ResultRow;

/// The category type of the decomposition's rows.
pub const CATEGORY_TYPE: &str = "Life expectancy gap by age band and cause (Arriaga)";

/// The category type of the years of life lost to the deprivation gradient, one row per band.
pub const YLL_CATEGORY_TYPE: &str = "Years of life lost to the deprivation gradient";

/// The cause of the deaths of no listed cause.
pub const OTHER_CAUSES: &str = "Other causes";

/// The category of a band and cause: "75-79 | cardiovascular".
pub fn category(band: &str, cause: &str) -> String {
    format!("{band} | {cause}")
}

/// What the decomposition of one level needs.
pub(super) struct DecompositionInput<'a> {
    pub(super) catalogue: &'a Catalogue,
    pub(super) indicator: &'a Indicator,
    pub(super) causes: &'a GapCauses,
    pub(super) level: &'a Level,
    /// The level's values (`((area * slots + slot) * sexes + sex) * periods + period`).
    pub(super) values: &'a [Option<CellValue>],
    /// The slots per area of `values` (and of the counts); slot q is deprivation quantile q.
    pub(super) slots: usize,
    pub(super) periods: &'a [Period],
    /// Deaths of every cause, population, and deaths of each listed cause, in order.
    pub(super) deaths: &'a LevelCounts,
    pub(super) population: &'a LevelCounts,
    pub(super) by_cause: Vec<&'a LevelCounts>,
    pub(super) all_periods: bool,
    /// The deprivation quantiles of the breakdown rows (their labels).
    pub(super) breakdown: DeprivationBreakdown,
}

/// The decomposition rows of every area of a level.
pub(super) fn level_rows(input: &DecompositionInput<'_>) -> Vec<ResultRow> {
    let ind = input.indicator;
    let sexes = ind.sexes.len();
    let np = input.periods.len();
    let mut rows = Vec::new();
    if input.deaths.bands != AGE_BANDS || input.population.bands != AGE_BANDS {
        return rows;
    }
    for area in 0..input.level.members.len() {
        for si in 0..sexes {
            for pi in 0..np {
                if !input.all_periods && pi + 1 != np {
                    continue;
                }
                let at = |b: usize| ((area * input.slots + b) * sexes + si) * np + pi;
                let with_value: Vec<usize> = (1..=usize::from(input.breakdown.quantiles))
                    .filter(|&d| input.values.get(at(d)).and_then(|v| v.as_ref()).and_then(CellValue::value).is_some())
                    .collect();
                let (Some(&most), Some(&least)) = (with_value.first(), with_value.last()) else { continue };
                if most == least {
                    continue;
                }
                rows.extend(pair_rows(input, area, si, pi, most, least));
                rows.extend(years_of_life_lost_rows(input, area, si, pi));
            }
        }
    }
    rows
}

/// Population and deaths by cause (the listed ones, then other causes) of one decile.
fn decile_counts(
    input: &DecompositionInput<'_>,
    area: usize,
    decile: usize,
    sex: usize,
    period: &Period,
) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    let years = period.years.0..=period.years.1;
    let mut population = vec![0.0; AGE_BANDS];
    input.population.cell(area, decile, sex, years.clone(), &mut population)?;
    let mut all = vec![0.0; AGE_BANDS];
    if input.deaths.cell(area, decile, sex, years.clone(), &mut all).is_none() {
        all.iter_mut().for_each(|x| *x = 0.0);
    }
    let mut causes = Vec::with_capacity(input.by_cause.len() + 1);
    let mut other = all.clone();
    for counts in &input.by_cause {
        let mut d = vec![0.0; AGE_BANDS];
        if counts.cell(area, decile, sex, years.clone(), &mut d).is_none() {
            d.iter_mut().for_each(|x| *x = 0.0);
        }
        other.iter_mut().zip(&d).for_each(|(o, x)| *o -= x);
        causes.push(d);
    }
    // What the listed causes leave: rounding below a millionth of a death is none.
    other.iter_mut().for_each(|o| {
        if *o < 1e-6 {
            *o = 0.0
        }
    });
    causes.push(other);
    Some((population, causes))
}

/// The rows of one area, sex and period: most deprived decile `most` (base) against `least`.
fn pair_rows(
    input: &DecompositionInput<'_>,
    area: usize,
    si: usize,
    pi: usize,
    most: usize,
    least: usize,
) -> Vec<ResultRow> {
    let ind = input.indicator;
    let sex = ind.sexes[si];
    let period = &input.periods[pi];
    let (Some((pop1, d1)), Some((pop2, d2))) =
        (decile_counts(input, area, most, sex, period), decile_counts(input, area, least, sex, period))
    else {
        return Vec::new();
    };
    let mut names: Vec<String> = input.causes.causes.clone();
    names.push(OTHER_CAUSES.to_string());
    // "Other causes" only when some death is of no listed cause.
    let keep = if d1[names.len() - 1].iter().chain(&d2[names.len() - 1]).any(|&x| x > 0.0) {
        names.len()
    } else {
        names.len() - 1
    };
    let as_causes = |d: &[Vec<f64>]| -> Vec<CauseDeaths> {
        names.iter().zip(d).take(keep).map(|(n, x)| CauseDeaths { cause: n.clone(), deaths: x.clone() }).collect()
    };
    let Ok(result) = arriaga_decomposition_by_cause(&pop1, &as_causes(&d1), &pop2, &as_causes(&d2)) else {
        return Vec::new();
    };
    let note = format!(
        "{} (life expectancy {:.2}) against {} ({:.2}): gap {:.2} years",
        input.breakdown.category(most),
        result.by_age.e0_group1,
        input.breakdown.category(least),
        result.by_age.e0_group2,
        result.by_age.gap
    );
    let mut rows = Vec::with_capacity(AGE_BANDS * keep);
    for (band, per_cause) in result.by_age_and_cause.iter().enumerate() {
        for (c, &contribution) in per_cause.iter().enumerate() {
            let value = CellValue {
                estimate: Estimate {
                    value: Some(contribution),
                    limits: Vec::new(),
                    statistic: "years of the gap".into(),
                    method: "Arriaga",
                },
                count: Some(d1[c][band] + d2[c][band]),
                denominator: None,
                note: Some(note.clone()),
            };
            let category = category(AGE_BAND_LABELS[band], &result.causes[c]);
            rows.push(uncompared_row(
                input,
                area,
                sex,
                period,
                (category, CATEGORY_TYPE),
                value,
                "A contribution to a gap has no trend",
            ));
        }
    }
    rows
}

/// The years of life lost to the gradient in one area, sex and period, by band.
fn years_of_life_lost_rows(input: &DecompositionInput<'_>, area: usize, si: usize, pi: usize) -> Vec<ResultRow> {
    let ind = input.indicator;
    let sex = ind.sexes[si];
    let period = &input.periods[pi];
    let years = period.years.0..=period.years.1;
    let mut observed = vec![[0.0; 10]; AGE_BANDS];
    let mut population = vec![[0.0; 10]; AGE_BANDS];
    let (mut d, mut n) = (vec![0.0; AGE_BANDS], vec![0.0; AGE_BANDS]);
    for decile in 1..=usize::from(input.breakdown.quantiles).min(10) {
        if input.population.cell(area, decile, sex, years.clone(), &mut n).is_none() {
            continue;
        }
        if input.deaths.cell(area, decile, sex, years.clone(), &mut d).is_none() {
            d.iter_mut().for_each(|x| *x = 0.0);
        }
        for band in 0..AGE_BANDS {
            observed[band][decile - 1] = d[band];
            population[band][decile - 1] = n[band];
        }
    }
    let has_people = |i: usize| population.iter().map(|p| p[i]).sum::<f64>() > 0.0;
    let Some(reference) = (0..10).rev().find(|&i| has_people(i)) else { return Vec::new() };
    // The reference decile's remaining life expectancy at each band's start age.
    let starts: Vec<f64> = AGE_BAND_STARTS.iter().map(|&a| f64::from(a)).collect();
    let ref_deaths: Vec<f64> = observed.iter().map(|o| o[reference]).collect();
    let ref_population: Vec<f64> = population.iter().map(|p| p[reference]).collect();
    let Ok(table) = life_expectancy(&starts, &ref_deaths, &ref_population, &[ConfidenceLevel::C95]) else {
        return Vec::new();
    };
    let remaining: Option<Vec<f64>> = table.iter().map(|r| r.estimate.value).collect();
    let Some(remaining) = remaining else { return Vec::new() };
    let mut excess = Vec::with_capacity(AGE_BANDS);
    for band in 0..AGE_BANDS {
        if population[band][reference] <= 0.0 {
            return Vec::new();
        }
        match excess_deaths(&observed[band], &population[band], reference) {
            Ok(e) => excess.push(e.total_excess),
            Err(_) => return Vec::new(),
        }
    }
    let Ok(yll) = years_of_life_lost(&excess, &remaining, &Valuation::default()) else { return Vec::new() };
    let note = format!(
        "Excess deaths at the death rates of the {} by age band, each losing that decile's remaining life expectancy at the band's start age: {:.1} deaths, {:.0} years of life in all",
        input.breakdown.category(reference + 1).to_lowercase(),
        yll.deaths,
        yll.years_of_life_lost
    );
    (0..AGE_BANDS)
        .map(|band| {
            let value = CellValue {
                estimate: Estimate {
                    value: Some(yll.by_band[band]),
                    limits: Vec::new(),
                    statistic: "years of life lost".into(),
                    method: "Excess deaths × remaining life expectancy",
                },
                count: Some(excess[band]),
                denominator: None,
                note: Some(note.clone()),
            };
            let category = (AGE_BAND_LABELS[band].to_string(), YLL_CATEGORY_TYPE);
            uncompared_row(input, area, sex, period, category, value, "Years of life lost to a gradient have no trend")
        })
        .collect()
}

/// A row of the indicator's area, sex and period for one (category, category type), with no
/// benchmark, comparison, quintile, trend (`trend_reason` says why) or inequality summary.
fn uncompared_row(
    input: &DecompositionInput<'_>,
    area: usize,
    sex: usize,
    period: &Period,
    (category, category_type): (String, &str),
    value: CellValue,
    trend_reason: &str,
) -> ResultRow {
    let ind = input.indicator;
    let level = input.level;
    ResultRow {
        indicator: ind.id.clone(),
        indicator_name: ind.name.clone(),
        framework: ind.framework.clone(),
        domain: input.catalogue.domain_name(ind).map(str::to_string),
        measure: ind.measure.as_str(),
        polarity: ind.polarity.as_str(),
        parent: level.parents[area].clone(),
        area_code: level.codes[area].clone(),
        area_name: level.names[area].clone(),
        area_type: level.area_type.clone(),
        sex: SEXES[sex],
        age: ind.age_label.clone(),
        category: Some(category),
        category_type: Some(category_type.to_string()),
        period: period.clone(),
        value,
        benchmark: String::new(),
        benchmark_value: None,
        compared_95: "Not compared",
        compared_998: "Not compared",
        quintile: None,
        trend: "Cannot be calculated".to_string(),
        trend_reason: trend_reason.to_string(),
        inequality: None,
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::super::tests::{close, read_results, run, write, GEOGRAPHY};
    use super::*;

    const LIFE_EXPECTANCY: &str = r#"
[tables.deaths]
area = "lsoa"
sex = "sex"
start_age = "start_age"

[[indicator]]
id = "le"
name = "Life expectancy at birth"
framework = "marmot"
domain = "work"
measure = "life_expectancy"
polarity = "higher is better"
period = "rolling_3_year"
sexes = ["Male"]
breakdowns = ["deprivation_decile"]
numerator = { table = "deaths", value = "deaths" }
denominator = { table = "population", value = "population" }
gap_causes = { column = "cause", causes = ["cardiovascular", "cancer"] }
"#;

    /// One authority of two small areas, in deciles 1 and 10, with the same population (1,000
    /// men in each band) and the same deaths (other causes: 2 a year in each band, 200 at 90+)
    /// except at 70-74, where the most deprived has 30 more cardiovascular and 10 more cancer
    /// deaths a year than the least deprived's 20 and 20.
    fn two_deciles(dir: &std::path::Path) {
        write(
            dir,
            "areas.csv",
            "lsoa,lsoa_name,la,la_name,eng,eng_name,decile\nA,a,L1,Town,E,England,1\nB,b,L1,Town,E,England,10\n",
        );
        let mut pop = String::from("lsoa,year,sex,start_age,population\n");
        let mut deaths = String::from("lsoa,year,sex,start_age,cause,deaths\n");
        for year in 2018..=2020 {
            for (area, extra) in [("A", (30, 10)), ("B", (0, 0))] {
                for (b, &start) in super::super::catalogue::BAND_START_AGES.iter().enumerate() {
                    writeln!(pop, "{area},{year},Male,{start},1000").unwrap();
                    writeln!(deaths, "{area},{year},Male,{start},other,{}", if b == 19 { 200 } else { 2 }).unwrap();
                    if start == 70 {
                        writeln!(deaths, "{area},{year},Male,{start},cardiovascular,{}", 20 + extra.0).unwrap();
                        writeln!(deaths, "{area},{year},Male,{start},cancer,{}", 20 + extra.1).unwrap();
                    }
                }
            }
        }
        write(dir, "population.csv", &pop);
        write(dir, "deaths.csv", &deaths);
    }

    /// Arriaga's contributions of bands whose death rates are equal in both deciles are nil
    /// (direct: nLx/lx is a function of the band's rate alone; indirect: l¹/l² does not change
    /// across the band), so the whole gap, e0(least) − e0(most), is the band 70-74's; and that
    /// band's contribution is shared between causes by their differences in rates, 30:10:0
    /// (cardiovascular 3/4, cancer 1/4, other causes none).
    #[test]
    fn the_gap_is_the_band_and_causes_whose_rates_differ() {
        let dir = tempfile::tempdir().unwrap();
        two_deciles(dir.path());
        run(dir.path(), &format!("{GEOGRAPHY}{LIFE_EXPECTANCY}"), "out.parquet").unwrap();
        let rows = read_results(
            &dir.path().join("out.parquet"),
            &["area_code", "category_type", "category", "time_period", "method"],
            &["value", "gap_most_minus_least_deprived", "count"],
        );
        let whole = rows.iter().find(|r| r.0[0] == "L1" && r.0[2].is_empty() && r.0[3] == "2018 - 20").unwrap();
        let decile = |d: usize| {
            let label = DeprivationBreakdown { quantiles: 10, within_area: false }.category(d);
            rows.iter().find(|r| r.0[0] == "L1" && r.0[2] == label).unwrap().1[0].unwrap()
        };
        // The gap between the deciles' life expectancies (stats::life_expectancy, the published
        // method), least minus most deprived.
        let gap = decile(10) - decile(1);
        assert!(gap > 1.0, "{gap}");
        assert!(close(gap, -whole.1[1].unwrap()));
        let parts: Vec<_> = rows.iter().filter(|r| r.0[0] == "L1" && r.0[1] == CATEGORY_TYPE).collect();
        // 20 bands × (2 causes + other causes).
        assert_eq!(parts.len(), 60);
        assert!(parts.iter().all(|r| r.0[3] == "2018 - 20" && r.0[4] == "Arriaga"));
        let part = |band: &str, cause: &str| {
            parts.iter().find(|r| r.0[2] == category(band, cause)).unwrap_or_else(|| panic!("{band} {cause}")).1[0]
                .unwrap()
        };
        let total: f64 = parts.iter().map(|r| r.1[0].unwrap()).sum();
        assert!((total - gap).abs() < 1e-9, "{total} against {gap}");
        assert!((part("70-74", "cardiovascular") - 0.75 * gap).abs() < 1e-9);
        assert!((part("70-74", "cancer") - 0.25 * gap).abs() < 1e-9);
        assert!(part("70-74", OTHER_CAUSES).abs() < 1e-9);
        for band in AGE_BAND_LABELS.iter().filter(|b| **b != "70-74") {
            for cause in ["cardiovascular", "cancer", OTHER_CAUSES] {
                assert!(part(band, cause).abs() < 1e-9, "{band} {cause}: {}", part(band, cause));
            }
        }
        // Counts: both deciles' deaths of the cause in the band over the three years.
        let count = parts.iter().find(|r| r.0[2] == category("70-74", "cardiovascular")).unwrap().1[2];
        assert_eq!(count, Some(3.0 * (50.0 + 20.0)));
        // The decile charts' rows are untouched: the decomposition's category type is not one
        // of deciles.
        assert!(!CATEGORY_TYPE.to_ascii_lowercase().contains("decile"));
    }

    /// Excess deaths: at 70-74 the most deprived decile has 3·82 = 246 deaths where the least
    /// deprived decile's rate (3·42 in 3,000 person-years) gives 126: 120 excess; no other band
    /// differs. They lose the least deprived decile's remaining life expectancy at 70 (by the
    /// published method on its counts): 120·e₇₀ years.
    #[test]
    fn years_of_life_lost_are_the_excess_deaths_times_the_remaining_life_expectancy() {
        let dir = tempfile::tempdir().unwrap();
        two_deciles(dir.path());
        run(dir.path(), &format!("{GEOGRAPHY}{LIFE_EXPECTANCY}"), "out.parquet").unwrap();
        let rows = read_results(
            &dir.path().join("out.parquet"),
            &["area_code", "category_type", "category"],
            &["value", "count", "excess_count"],
        );
        let yll: Vec<_> = rows.iter().filter(|r| r.0[0] == "L1" && r.0[1] == YLL_CATEGORY_TYPE).collect();
        assert_eq!(yll.len(), 20);
        let starts: Vec<f64> = AGE_BAND_STARTS.iter().map(|&a| f64::from(a)).collect();
        let deaths: Vec<f64> = AGE_BAND_STARTS
            .iter()
            .map(|&a| {
                if a == 90 {
                    600.0
                } else if a == 70 {
                    6.0 + 120.0
                } else {
                    6.0
                }
            })
            .collect();
        let le = life_expectancy(&starts, &deaths, &[3000.0; 20], &[ConfidenceLevel::C95]).unwrap();
        let e70 = le[15].estimate.value.unwrap();
        let band = |label: &str| yll.iter().find(|r| r.0[2] == label).unwrap().1.clone();
        assert!(close(band("70-74")[1].unwrap(), 120.0));
        assert!(close(band("70-74")[0].unwrap(), 120.0 * e70), "{:?} against {}", band("70-74"), 120.0 * e70);
        assert!(band("50-54")[0].unwrap().abs() < 1e-9 && band("50-54")[1].unwrap().abs() < 1e-9);
        // The excess deaths of the bands add up to the whole area's excess count.
        let whole = rows.iter().find(|r| r.0[0] == "L1" && r.0[1].is_empty() && r.1[2].is_some()).unwrap();
        assert!(close(whole.1[2].unwrap(), 120.0));
    }

    #[test]
    fn gap_causes_are_for_life_expectancy_at_birth_with_deciles() {
        let bad = LIFE_EXPECTANCY.replace("breakdowns = [\"deprivation_decile\"]\n", "");
        let e = Catalogue::parse(&format!("{GEOGRAPHY}{bad}"), "test.toml").unwrap_err().to_string();
        assert!(e.contains("gap_causes") && e.contains("deprivation breakdown"), "{e}");
        let bad = LIFE_EXPECTANCY.replace("sexes = [\"Male\"]", "sexes = [\"Male\"]\nat_age = 65");
        let e = Catalogue::parse(&format!("{GEOGRAPHY}{bad}"), "test.toml").unwrap_err().to_string();
        assert!(e.contains("life expectancy at birth"), "{e}");
    }
}
