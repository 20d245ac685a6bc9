//! Counts aggregated up the geography, and the statistic of one cell.
//!
//! [`LevelCounts`] holds, for every area of one level, the counts of all its small areas and
//! of those in each slot of a breakdown (deprivation quantile, Core20, category, age band), by
//! year, sex and band: aggregation happens on counts, before any statistic, so every level's
//! values are computed from its own totals (never averaged from the levels below). The counts
//! summed are by unit ([`super::units`]): a small area, or a group of small areas that fall in
//! the same cells of every level and breakdown of the run. [`cell_statistic`] then computes one indicator value
//! with its 95% and 99.8% limits from a cell's counts by band.

use stats::confidence::ConfidenceLevel;
use stats::dsr::esp2013_weight;
use stats::life_expectancy::{LIFE_EXPECTANCY_METHOD, LIFE_EXPECTANCY_STATISTIC, LIFE_TABLE_START_AGES};
use stats::Estimate;

use crate::calc::accumulator::{
    Accumulator, Dsr, DsrInput, DsrRow, DsrStandard, LifeExpectancy, LifeExpectancyRow, NumeratorDenominator,
    NumeratorDenominatorKind, Refusal,
};

use super::breakdowns::{Layout, SlotFrom};
use super::catalogue::{Indicator, Measure, BAND_START_AGES};
use super::geography::Level;
use super::source::Counts;

/// The two confidence levels every result has.
pub const LEVELS: [ConfidenceLevel; 2] = [ConfidenceLevel::C95, ConfidenceLevel::C998];

/// One level's counts: year → sums indexed `((area * slots + slot) * 3 + sex) * bands + band`,
/// the slots those of the indicator's [`Layout`].
#[derive(Clone, Debug)]
pub struct LevelCounts {
    /// Areas of the level.
    pub areas: usize,
    /// Bands per cell.
    pub bands: usize,
    /// Slots per area.
    pub slots: usize,
    /// Year → sums.
    pub years: std::collections::BTreeMap<i32, Vec<f64>>,
}

/// What the slots of a [`Layout`] are summed from, besides the members' counts: each member's
/// (unit's) deprivation quantile and national decile, aligned with `level.members` (0 = none:
/// counted only in the whole area), and the counts of each classification's categories.
pub struct SlotSources<'a> {
    /// The quantile of the layout's deprivation breakdown of each member (1 most deprived).
    pub quantiles: &'a [Vec<u8>],
    /// The national deprivation decile of each member, for Core20 (may be empty without it).
    pub deciles: &'a [Vec<u8>],
    /// The counts of category `c` of classification `k`, for `Category(k, c)` slots, with the
    /// members of each area of the level in those counts' units (their units may be coarser
    /// than the level's members: a category needs no deprivation quantile). `None`: no counts.
    pub categories: &'a dyn Fn(usize, usize) -> Option<CategoryCounts<'a>>,
}

/// A category's counts, and the members (units of those counts) of each area of the level.
pub type CategoryCounts<'a> = (&'a Counts, &'a [Vec<u32>]);

impl LevelCounts {
    /// Sums `counts` (by unit) into the areas of `level` (whose members are those units), for
    /// every slot of `layout`: the whole area, deprivation quantiles and Core20 by each member's
    /// quantile and national decile, classification categories from their own counts and
    /// members, age bands as the whole area's bands in their range (other bands zero). Published
    /// slots have no counts (zero). A member or category member beyond its counts' units adds
    /// nothing.
    pub fn aggregate(counts: &Counts, level: &Level, layout: &Layout, sources: &SlotSources<'_>) -> LevelCounts {
        let bands = counts.bands;
        let cell = 3 * bands;
        let nslots = layout.len();
        let mut dep_slot: Vec<Option<usize>> = Vec::new();
        let mut core_slot: [Option<usize>; 2] = [None, None];
        let mut age_slots = Vec::new();
        let mut category_slots = Vec::new();
        for (s, slot) in layout.slots.iter().enumerate() {
            match &slot.from {
                SlotFrom::Deprivation(q) => {
                    let q = *q as usize;
                    if dep_slot.len() <= q {
                        dep_slot.resize(q + 1, None);
                    }
                    dep_slot[q] = Some(s);
                }
                SlotFrom::Core20(core) => core_slot[usize::from(!core)] = Some(s),
                SlotFrom::AgeBand(range) => age_slots.push((s, range.clone())),
                SlotFrom::Category(k, c) => {
                    if let Some(counts) = (sources.categories)(*k, *c) {
                        category_slots.push((s, counts));
                    }
                }
                SlotFrom::Whole | SlotFrom::Published(_) => {}
            }
        }
        let with_core20 = core_slot.iter().any(Option::is_some);
        let years = counts
            .years
            .iter()
            .map(|(&year, slab)| {
                let mut out = vec![0.0; level.members.len() * nslots * cell];
                let category_slabs: Vec<_> = category_slots
                    .iter()
                    .filter_map(|&(s, (c, members))| c.years.get(&year).map(|slab| (s, slab, members)))
                    .collect();
                let add = |out: &mut [f64], at: usize, src: &[f64]| {
                    out[at..at + cell].iter_mut().zip(src).for_each(|(a, b)| *a += b);
                };
                for (area, members) in level.members.iter().enumerate() {
                    let area_quantiles = sources.quantiles.get(area).map(Vec::as_slice).unwrap_or(&[]);
                    let area_deciles = sources.deciles.get(area).map(Vec::as_slice).unwrap_or(&[]);
                    let base = area * nslots * cell;
                    for (i, &m) in members.iter().enumerate() {
                        let src = unit_cells(slab, m, cell);
                        add(&mut out, base, src);
                        let q = area_quantiles.get(i).copied().unwrap_or(0) as usize;
                        if let Some(s) = dep_slot.get(q).copied().flatten() {
                            add(&mut out, base + s * cell, src);
                        }
                        if with_core20 {
                            let d = area_deciles.get(i).copied().unwrap_or(0);
                            if d > 0 {
                                if let Some(s) = core_slot[usize::from(d > 2)] {
                                    add(&mut out, base + s * cell, src);
                                }
                            }
                        }
                    }
                    for &(s, cslab, cmembers) in &category_slabs {
                        for &m in cmembers.get(area).map(Vec::as_slice).unwrap_or(&[]) {
                            add(&mut out, base + s * cell, unit_cells(cslab, m, cell));
                        }
                    }
                    for (s, range) in &age_slots {
                        for sex in 0..3 {
                            let from = base + sex * bands;
                            let to = base + s * cell + sex * bands;
                            for b in range.clone().filter(|&b| b < bands) {
                                out[to + b] = out[from + b];
                            }
                        }
                    }
                }
                (year, out)
            })
            .collect();
        LevelCounts { areas: level.members.len(), bands, slots: nslots, years }
    }

    /// The counts by band of one cell (`slot` of the layout the counts were aggregated for),
    /// summed over `years` and, for Persons (sex 2), over every sex; `None` when a year is
    /// missing.
    pub fn cell(
        &self,
        area: usize,
        slot: usize,
        sex: usize,
        years: std::ops::RangeInclusive<i32>,
        out: &mut [f64],
    ) -> Option<()> {
        out.iter_mut().for_each(|x| *x = 0.0);
        let sexes = if sex == 2 { 0..3 } else { sex..sex + 1 };
        for year in years {
            let slab = self.years.get(&year)?;
            for s in sexes.clone() {
                let at = ((area * self.slots + slot) * 3 + s) * self.bands;
                out.iter_mut().zip(&slab[at..at + self.bands]).for_each(|(a, b)| *a += b);
            }
        }
        Some(())
    }
}

/// The cells of unit `m` in a year's slab (`cell` values a unit); none when out of range.
fn unit_cells(slab: &[f64], m: u32, cell: usize) -> &[f64] {
    slab.get(m as usize * cell..(m as usize + 1) * cell).unwrap_or(&[])
}

/// One computed value: the statistic with its limits at 95% and 99.8%, its totals and any note.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellValue {
    /// The value (`None` when it cannot be computed or is suppressed: see `note`), its limits
    /// at [`LEVELS`] (none where it has none), the reference's statistic wording ("dsr per
    /// 100000", "percentage", …) and the method ("Wilson", "Dobson", "Byars", "Exact",
    /// "Chiang II", "Published").
    pub estimate: Estimate,
    /// The numerator total (deaths for life expectancy); `None` where a published value came
    /// without one.
    pub count: Option<f64>,
    /// The denominator total (population for life expectancy); `None` where a published value
    /// came without one.
    pub denominator: Option<f64>,
    /// Why there is no value, or what to know about it.
    pub note: Option<String>,
}

impl CellValue {
    /// The value.
    pub fn value(&self) -> Option<f64> {
        self.estimate.value
    }

    /// The limits at `level` as (lower, upper); `(None, None)` without them.
    pub fn limits(&self, level: ConfidenceLevel) -> (Option<f64>, Option<f64>) {
        self.estimate.limits_at(level).map_or((None, None), |l| (l.lower, l.upper))
    }
}

/// The ESP 2013 band (0 … 18) of a life-table band: 0 and 1-4 are both 0-4.
fn esp_band(band: usize) -> usize {
    let start = BAND_START_AGES[band];
    if start < 5 {
        0
    } else {
        (start / 5) as usize
    }
}

/// The statistic of one cell of `indicator` from its numerator and denominator by band
/// (life-table bands, or one band for tables without ages). For DSR and life expectancy the
/// numerator and denominator must both be by band.
pub fn cell_statistic(indicator: &Indicator, numerator: &[f64], denominator: &[f64]) -> CellValue {
    let bands = indicator.bands.clone();
    let by_band = numerator.len() > 1 && denominator.len() > 1;
    let sum = |v: &[f64]| -> f64 {
        if v.len() > 1 {
            v[bands.clone()].iter().sum()
        } else {
            v.iter().sum()
        }
    };
    let (x, n) = (sum(numerator), sum(denominator));
    let out = CellValue { count: Some(x), denominator: Some(n), ..CellValue::default() };
    let estimate = match indicator.measure {
        Measure::Proportion => numerator_denominator(NumeratorDenominatorKind::Proportion, indicator.multiplier, x, n),
        Measure::CrudeRate => numerator_denominator(NumeratorDenominatorKind::CrudeRate, indicator.multiplier, x, n),
        Measure::Dsr => {
            if !by_band {
                return CellValue { note: Some("a DSR needs counts by age band".into()), ..out };
            }
            dsr(indicator, numerator, denominator)
        }
        Measure::Published => {
            return CellValue { note: Some("published values are read, not computed from counts".into()), ..out };
        }
        Measure::LifeExpectancy => {
            if !by_band {
                return CellValue { note: Some("life expectancy needs counts by age band".into()), ..out };
            }
            return life_expectancy_at(indicator.at_band, numerator, denominator, out);
        }
    };
    match estimate {
        Err(e) => CellValue { note: Some(e.to_string()), ..out },
        Ok(estimate) => {
            let note = (estimate.value.is_none()).then(|| estimate.statistic.to_string());
            CellValue { estimate, note, ..out }
        }
    }
}

/// A proportion or crude rate of a cell's totals, through its accumulator.
fn numerator_denominator(
    kind: NumeratorDenominatorKind,
    multiplier: f64,
    x: f64,
    n: f64,
) -> Result<stats::Estimate, Refusal> {
    let mut cell = NumeratorDenominator::new(kind, multiplier, &LEVELS);
    cell.update((Some(x), Some(n)))?;
    // Both totals are present, so there is an estimate.
    cell.evaluate()?.estimate.ok_or_else(|| Refusal::Group(stats::StatsError::Invalid("no totals".into())))
}

/// The DSR of a cell: its life-table bands in the indicator's range pooled into ESP 2013 bands
/// (0 and 1-4 are both 0-4), bands with no people and no events left out, through the DSR
/// accumulator with the ESP weights given.
fn dsr(indicator: &Indicator, numerator: &[f64], denominator: &[f64]) -> Result<stats::Estimate, Refusal> {
    let bands = indicator.bands.clone();
    let mut esp = [(0.0, 0.0); 19];
    for b in bands.clone() {
        let e = esp_band(b);
        esp[e].0 += numerator[b];
        esp[e].1 += denominator[b];
    }
    let input = DsrInput::new(DsrStandard::Given, false, indicator.multiplier, &LEVELS).map_err(Refusal::Group)?;
    let mut cell = Dsr::new(&input);
    for (e, &(x, n)) in esp.iter().enumerate() {
        let first_band = if e == 0 { 0 } else { e * 5 };
        let in_range = bands.clone().any(|b| esp_band(b) == e);
        if !in_range || (n == 0.0 && x == 0.0) {
            continue;
        }
        let weight = esp2013_weight(first_band as u32).unwrap_or(0.0);
        cell.update(DsrRow { count: Some(x), population: Some(n), stdpop: Some(weight), ..DsrRow::default() })?;
    }
    Ok(cell.evaluate()?.estimate)
}

/// Life expectancy at the band `at_band` of a cell's 20 life-table bands.
fn life_expectancy_at(at_band: usize, numerator: &[f64], denominator: &[f64], out: CellValue) -> CellValue {
    let out = CellValue {
        estimate: Estimate::new(None, Vec::new(), LIFE_EXPECTANCY_STATISTIC, LIFE_EXPECTANCY_METHOD),
        ..out
    };
    let mut cell = LifeExpectancy::new(&LEVELS);
    let rows = LIFE_TABLE_START_AGES
        .iter()
        .zip(numerator.iter().zip(denominator))
        .try_for_each(|(&age, (&deaths, &population))| {
            cell.update(LifeExpectancyRow { start_age: Some(age), deaths: Some(deaths), population: Some(population) })
        })
        .and_then(|()| cell.evaluate());
    match rows {
        Err(e) => CellValue { note: Some(e.to_string()), ..out },
        Ok(rows) => match rows.into_iter().nth(at_band) {
            None => CellValue { note: Some("no life-table row at this age".into()), ..out },
            Some(row) => CellValue {
                estimate: row.estimate,
                note: row.note.map(|n| n.reference_warning().map(str::to_string).unwrap_or_else(|| format!("{n:?}"))),
                ..out
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::catalogue::{Catalogue, DeprivationBreakdown};

    fn indicator(id: &str) -> Indicator {
        Catalogue::starter().unwrap().indicators.into_iter().find(|i| i.id == id).unwrap()
    }

    #[test]
    fn levels_sum_small_areas_overall_and_by_decile() {
        let mut counts = Counts::new(3, 1);
        counts.add(2020, 0, 0, 0, 1.0);
        counts.add(2020, 1, 1, 0, 2.0);
        counts.add(2020, 2, 2, 0, 4.0);
        let level = Level {
            area_type: "LA".into(),
            codes: vec!["L".into()],
            names: vec!["L".into()],
            parents: vec![None],
            members: vec![vec![0, 1, 2]],
        };
        let layout = Layout::deprivation(DeprivationBreakdown { quantiles: 10, within_area: false }, None);
        let none = |_: usize, _: usize| None;
        let sources = SlotSources { quantiles: &[vec![1, 1, 0]], deciles: &[], categories: &none };
        let lc = LevelCounts::aggregate(&counts, &level, &layout, &sources);
        let mut out = [0.0];
        lc.cell(0, 0, 2, 2020..=2020, &mut out).unwrap();
        assert_eq!(out[0], 7.0);
        lc.cell(0, 1, 2, 2020..=2020, &mut out).unwrap();
        assert_eq!(out[0], 3.0);
        lc.cell(0, 1, 1, 2020..=2020, &mut out).unwrap();
        assert_eq!(out[0], 2.0);
        assert!(lc.cell(0, 0, 2, 2019..=2020, &mut out).is_none());
    }

    #[test]
    fn proportions_and_dsrs_are_the_stats_methods() {
        let p = cell_statistic(&indicator("school_readiness"), &[65.0], &[100.0]);
        let expected = stats::proportion::proportion(65.0, 100.0, 100.0, &LEVELS).unwrap();
        assert_eq!(p.value(), expected.value);
        assert_eq!(p.limits(ConfidenceLevel::C998), (expected.limits[1].lower, expected.limits[1].upper));
        // Under-75 DSR: bands 0 and 1-4 pool into ESP 0-4; 75+ is left out.
        let u75 = indicator("u75_all_causes");
        let deaths: Vec<f64> = (0..20).map(|b| b as f64 * 3.0).collect();
        let pops = vec![1000.0; 20];
        let d = cell_statistic(&u75, &deaths, &pops);
        let mut acc = stats::dsr::DsrAccumulator::default();
        acc.add(Some(3.0), 2000.0, 5000.0).unwrap();
        for (b, &start) in BAND_START_AGES.iter().enumerate().take(16).skip(2) {
            acc.add(Some(b as f64 * 3.0), 1000.0, esp2013_weight(start).unwrap()).unwrap();
        }
        assert_eq!(d.value(), acc.estimate(100_000.0, &LEVELS).estimate.value);
        assert_eq!(d.count, Some((0..16).map(|b| b as f64 * 3.0).sum::<f64>()));
    }
}
