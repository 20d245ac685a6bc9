//! The statistics of one indicator on one level of the geography: each area's values by
//! breakdown, sex and period, and the rows of the results with comparisons, quintiles, trends
//! and inequality summaries.

use std::collections::HashMap;

use rayon::prelude::*;
use stats::comparison::{compare_with_benchmark, quintiles, Polarity};
use stats::sii::{slope_index_of_inequality, SiiOptions, SiiStandardError, SiiValueType};
use stats::trend::{portal_recent_trend, recent_trend, PortalTrendFrom, TrendPoint, TrendReason, TrendValueType};
use stats::ConfidenceLevel;

use super::breakdowns::{Layout, SlotFrom};
use super::catalogue::{Benchmark, Catalogue, DeprivationBreakdown, Indicator, TrendRule, ValueType, SEXES};
use super::cells::{cell_statistic, CellValue, LevelCounts, LEVELS};
use super::geography::{self, Geography, Level};
use super::period::Period;
use super::results::{InequalitySummary, ResultRow};

/// Values of one level: indexed `((area * slots + slot) * sexes + sex) * periods + period`, the
/// slots those of the indicator's [`Layout`]; `None` where the cell has no denominator.
pub(super) type LevelValues = Vec<Option<CellValue>>;

/// The values of every area, slot, sex and period of a level, from its counts (aggregated for
/// `layout`); deprivation slots only when `has_deciles` (some small area has a quantile).
pub(super) fn compute_level(
    indicator: &Indicator,
    layout: &Layout,
    num: &LevelCounts,
    den: &LevelCounts,
    has_deciles: bool,
    periods: &[Period],
) -> LevelValues {
    let nslots = layout.len();
    let slots: Vec<usize> =
        (0..nslots).filter(|&b| has_deciles || !matches!(layout.slots[b].from, SlotFrom::Deprivation(_))).collect();
    let sexes = indicator.sexes.len();
    let per_area = nslots * sexes * periods.len();
    (0..den.areas)
        .into_par_iter()
        .flat_map_iter(|area| {
            let mut out = vec![None; per_area];
            let mut x = vec![0.0; num.bands];
            let mut n = vec![0.0; den.bands];
            for &b in &slots {
                for (si, &sex) in indicator.sexes.iter().enumerate() {
                    for (pi, p) in periods.iter().enumerate() {
                        if den.cell(area, b, sex, p.years.0..=p.years.1, &mut n).is_none() {
                            continue;
                        }
                        if num.cell(area, b, sex, p.years.0..=p.years.1, &mut x).is_none() {
                            x.iter_mut().for_each(|v| *v = 0.0);
                        }
                        let total: f64 =
                            if n.len() > 1 { n[indicator.bands.clone()].iter().sum() } else { n.iter().sum() };
                        if total <= 0.0 {
                            continue;
                        }
                        out[(b * sexes + si) * periods.len() + pi] = Some(cell_statistic(indicator, &x, &n));
                    }
                }
            }
            out
        })
        .collect()
}

/// What [`summarise_level`] needs to know of one level of one indicator.
pub(super) struct LevelContext<'a> {
    pub(super) catalogue: &'a Catalogue,
    pub(super) indicator: &'a Indicator,
    pub(super) level: &'a Level,
    pub(super) is_benchmark: bool,
    /// Every level, place and peer-group list, as indexed in `values`.
    pub(super) level_list: &'a [&'a Level],
    /// Each area's benchmark: (index in `level_list`, area).
    pub(super) benchmark_of: Vec<Option<(usize, usize)>>,
    /// Each area's peer group, when it is ranked among its group rather than the whole level.
    pub(super) rank_group: Vec<Option<usize>>,
    /// The values of every level computed for the indicator.
    pub(super) values: &'a HashMap<usize, LevelValues>,
    pub(super) periods: &'a [Period],
    /// The numerator's and denominator's counts, for computed values (`None` for published
    /// ones, whose excess comes from the deciles' counts and denominators as published).
    pub(super) counts: Option<(&'a LevelCounts, &'a LevelCounts)>,
    /// The slots of each area's values, with their rows' category types and categories.
    pub(super) layout: &'a Layout,
    pub(super) settings: (usize, u64),
    pub(super) sii_all_periods: bool,
    /// Whether consecutive periods are independent, as a recent trend needs.
    pub(super) independent_periods: bool,
}

/// The index of a cell of a level's values: area, breakdown, sex and period.
#[derive(Clone, Copy)]
struct CellAt {
    area: usize,
    b: usize,
    si: usize,
    pi: usize,
}

impl LevelContext<'_> {
    /// The position of a cell in the level's values.
    fn at(&self, cell: CellAt) -> usize {
        ((cell.area * self.layout.len() + cell.b) * self.indicator.sexes.len() + cell.si) * self.periods.len() + cell.pi
    }

    /// Quintiles among the areas of this level, per sex and period (not for the benchmark),
    /// by position of the whole-area cell; an area ranked among its peer group takes its rank
    /// there.
    fn quintiles(&self, values: &LevelValues) -> HashMap<usize, &'static str> {
        let mut quintile_of: HashMap<usize, &'static str> = HashMap::new();
        if self.is_benchmark {
            return quintile_of;
        }
        let mut groups: Vec<(Option<usize>, Vec<usize>)> = vec![(None, (0..self.level.members.len()).collect())];
        for (a, g) in self.rank_group.iter().enumerate() {
            if let Some(g) = *g {
                match groups.iter_mut().find(|(x, _)| *x == Some(g)) {
                    Some((_, members)) => members.push(a),
                    None => groups.push((Some(g), vec![a])),
                }
            }
        }
        for (group, members) in &groups {
            if members.len() < 5 {
                continue;
            }
            for si in 0..self.indicator.sexes.len() {
                for pi in 0..self.periods.len() {
                    let at = |area: usize| self.at(CellAt { area, b: 0, si, pi });
                    let vals: Vec<Option<f64>> =
                        members.iter().map(|&a| values[at(a)].as_ref().and_then(CellValue::value)).collect();
                    for (&a, q) in members.iter().zip(quintiles(&vals, self.indicator.polarity)) {
                        if group.is_none() && self.rank_group[a].is_some() {
                            continue;
                        }
                        if let Some(q) = q {
                            quintile_of.insert(at(a), q.label());
                        }
                    }
                }
            }
        }
        quintile_of
    }

    /// The benchmark's name and value of a cell: the area's benchmark for a whole area, the
    /// area itself for a breakdown.
    fn benchmark(&self, values: &LevelValues, cell: CellAt) -> (String, Option<f64>) {
        if cell.b > 0 {
            let whole = values[self.at(CellAt { b: 0, ..cell })].as_ref().and_then(CellValue::value);
            return (self.level.names[cell.area].clone(), whole);
        }
        match self.benchmark_of[cell.area] {
            Some((bl, ba)) => (
                self.level_list[bl].names[ba].clone(),
                self.values
                    .get(&bl)
                    .and_then(|v| v[self.at(CellAt { area: ba, b: 0, ..cell })].as_ref())
                    .and_then(CellValue::value),
            ),
            None => (String::new(), None),
        }
    }

    /// The recent trend of a cell up to its period, and why: its label and reason.
    fn trend(&self, values: &LevelValues, cell: CellAt) -> (String, String) {
        let ind = self.indicator;
        let cannot = |why: &str| ("Cannot be calculated".to_string(), why.to_string());
        match ind.trend {
            TrendRule::Guidance => {}
            TrendRule::None => {
                return cannot("Not trended: the indicator's catalogue entry says trend = \"none\"");
            }
            TrendRule::Portal | TrendRule::PortalLimits => {
                let from = match (ind.trend, ind.value_type) {
                    (TrendRule::Portal, ValueType::Proportion) => PortalTrendFrom::Counts,
                    (_, ValueType::Other) if ind.trend == TrendRule::Portal => {
                        return cannot(TrendReason::ValueTypeNotTested.as_str());
                    }
                    _ => PortalTrendFrom::Limits,
                };
                if !self.independent_periods {
                    return cannot("The recent trend cannot be calculated for this year range (pooled periods)");
                }
                let points: Vec<TrendPoint> = (0..=cell.pi)
                    .filter_map(|p| {
                        let x = values[self.at(CellAt { pi: p, ..cell })].as_ref()?;
                        Some(TrendPoint {
                            year: self.periods[p].years.1,
                            value: x.value(),
                            lower: x.estimate.lower(ConfidenceLevel::C95),
                            upper: x.estimate.upper(ConfidenceLevel::C95),
                            numerator: x.count,
                            denominator: x.denominator,
                        })
                    })
                    .collect();
                let m = portal_recent_trend(&points, from, ind.polarity);
                return (m.label().to_string(), m.reason.as_str().to_string());
            }
        }
        if !self.independent_periods {
            return (
                "Cannot be calculated".to_string(),
                "Periods overlap (pooled years are not independent points)".to_string(),
            );
        }
        let points: Vec<TrendPoint> = (0..=cell.pi)
            .filter_map(|p| {
                let x = values[self.at(CellAt { pi: p, ..cell })].as_ref()?;
                let year = self.periods[p].years.1;
                Some(match ind.value_type {
                    ValueType::Proportion => TrendPoint {
                        year,
                        value: None,
                        lower: None,
                        upper: None,
                        numerator: x.count,
                        denominator: x.denominator,
                    },
                    _ => TrendPoint {
                        year,
                        value: x.value(),
                        lower: x.estimate.lower(ConfidenceLevel::C95),
                        upper: x.estimate.upper(ConfidenceLevel::C95),
                        numerator: None,
                        denominator: None,
                    },
                })
            })
            .collect();
        let kind =
            if ind.value_type == ValueType::Proportion { TrendValueType::Proportion } else { TrendValueType::Other };
        let m = recent_trend(&points, kind, ind.polarity);
        (m.label().to_string(), m.reason.as_str().to_string())
    }
}

/// The result rows of one level: each cell's value with its comparison, quintile, trend and,
/// for whole areas with deciles, inequality summaries.
pub(super) fn summarise_level(c: &LevelContext<'_>, values: &LevelValues) -> Vec<ResultRow> {
    let ind = c.indicator;
    let sexes = ind.sexes.len();
    let np = c.periods.len();
    let quintile_of = c.quintiles(values);
    let nslots = c.layout.len();
    let deprivation: Vec<bool> = c.layout.slots.iter().map(|s| matches!(s.from, SlotFrom::Deprivation(_))).collect();
    let has_deciles = values.iter().enumerate().any(|(i, v)| v.is_some() && deprivation[(i / (sexes * np)) % nslots]);
    (0..c.level.members.len())
        .into_par_iter()
        .flat_map_iter(|area| {
            let mut rows = Vec::new();
            for (b, slot) in c.layout.slots.iter().enumerate() {
                for si in 0..sexes {
                    for pi in 0..np {
                        let cell = CellAt { area, b, si, pi };
                        let Some(v) = values[c.at(cell)].clone() else { continue };
                        let (bench_name, bench_value) = c.benchmark(values, cell);
                        let trend = c.trend(values, cell);
                        let inequality = if b == 0 && has_deciles {
                            Some(inequality_summary(c, values, area, si, pi))
                        } else {
                            None
                        };
                        rows.push(ResultRow {
                            indicator: ind.id.clone(),
                            indicator_name: ind.name.clone(),
                            framework: ind.framework.clone(),
                            domain: c.catalogue.domain_name(ind).map(str::to_string),
                            measure: ind.measure.as_str(),
                            polarity: ind.polarity.as_str(),
                            parent: c.level.parents[area].clone(),
                            area_code: c.level.codes[area].clone(),
                            area_name: c.level.names[area].clone(),
                            area_type: c.level.area_type.clone(),
                            sex: SEXES[ind.sexes[si]],
                            age: ind.age_label.clone(),
                            category: (b > 0).then(|| slot.category.to_string()),
                            category_type: (b > 0).then(|| slot.category_type.to_string()),
                            period: c.periods[pi].clone(),
                            compared_95: compare(&v, ConfidenceLevel::C95, bench_value, ind.polarity),
                            compared_998: compare(&v, ConfidenceLevel::C998, bench_value, ind.polarity),
                            benchmark: bench_name,
                            benchmark_value: bench_value,
                            quintile: quintile_of.get(&c.at(cell)).copied(),
                            trend: trend.0,
                            trend_reason: trend.1,
                            inequality,
                            value: v,
                        });
                    }
                }
            }
            rows
        })
        .collect()
}

/// The comparison of a cell's value with its benchmark's at `level`, as its label.
fn compare(v: &CellValue, level: ConfidenceLevel, benchmark: Option<f64>, polarity: Polarity) -> &'static str {
    let (lower, upper) = v.limits(level);
    compare_with_benchmark(v.value(), lower, upper, benchmark, polarity).label()
}

/// The portal-style label of national decile `d` (1 most deprived).
pub fn decile_label(d: usize) -> String {
    DeprivationBreakdown { quantiles: 10, within_area: false }.category(d)
}

/// Each peer group's member area codes → the group's index (from the catalogue's
/// `[[peer_group]]` lists, in order).
pub(super) fn peer_group_membership(cat: &Catalogue, geography: &Geography) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    if geography.peer_groups.is_some() {
        for (g, group) in cat.peer_groups.iter().enumerate() {
            for (code, _) in &group.areas {
                out.entry(code.clone()).or_insert(g);
            }
        }
    }
    out
}

/// The benchmark of each area of `level_list[l]` for `indicator`: (index in `level_list`,
/// area). Areas of levels above a benchmark level have none; a parent or peer-group benchmark
/// that an area lacks falls back to the geography's benchmark level.
pub(super) fn benchmarks(
    indicator: &Indicator,
    l: usize,
    level_list: &[&Level],
    geography: &Geography,
    peers_index: Option<usize>,
    peer_group_of: &HashMap<String, usize>,
) -> Vec<Option<(usize, usize)>> {
    let level = level_list[l];
    let by_level = |t: usize| -> Vec<Option<(usize, usize)>> {
        if l < geography.levels.len() && l > t {
            return vec![None; level.members.len()];
        }
        geography::holding_areas(level, level_list[t], geography.codes.len())
            .into_iter()
            .map(|b| b.map(|a| (t, a as usize)))
            .collect()
    };
    let fallback = || by_level(geography.benchmark_level);
    match indicator.benchmark {
        Benchmark::Level(t) => by_level(t),
        Benchmark::Parent => {
            let Some(up) = geography.parent_level.get(l).copied().flatten() else { return fallback() };
            let index: HashMap<&str, usize> =
                level_list[up].codes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
            level
                .parents
                .iter()
                .zip(fallback())
                .map(|(p, f)| p.as_ref().and_then(|(code, _)| index.get(code.as_str()).map(|&a| (up, a))).or(f))
                .collect()
        }
        Benchmark::PeerGroup => match peers_index {
            Some(peers) if l != peers => level
                .codes
                .iter()
                .zip(fallback())
                .map(|(code, f)| peer_group_of.get(code).map(|&g| (peers, g)).or(f))
                .collect(),
            _ => fallback(),
        },
    }
}

fn inequality_summary(
    c: &LevelContext<'_>,
    values: &LevelValues,
    area: usize,
    si: usize,
    pi: usize,
) -> InequalitySummary {
    let ind = c.indicator;
    let sexes = ind.sexes.len();
    let np = c.periods.len();
    let at = |b: usize| ((area * c.layout.len() + b) * sexes + si) * np + pi;
    // The layout's deprivation slots come first after the whole area: slot q is quantile q.
    let nq = c.layout.deprivation_slots().len();
    let decile = |d: usize| if d <= nq { values[at(d)].as_ref() } else { None };
    let mut out = InequalitySummary::default();
    // The most and least deprived deciles present: an area need not have small areas in every
    // national decile.
    let with_value: Vec<(usize, f64)> =
        (1..=10).filter_map(|d| decile(d).and_then(CellValue::value).map(|x| (d, x))).collect();
    if let (Some(&(dm, m)), Some(&(dl, l))) = (with_value.first(), with_value.last()) {
        if dm != dl {
            out.gap = Some(m - l);
            out.ratio = (l != 0.0).then(|| m / l);
        }
    }
    let reference = (1..=10).rev().find(|&d| decile(d).is_some_and(|v| v.denominator.is_some_and(|n| n > 0.0)));
    // SII and RII over the deciles with a value and limits.
    // Proportions go to the SII as fractions (0 … 1), and its multiplier scales the result back.
    let scale = if ind.value_type == ValueType::Proportion { ind.multiplier } else { 1.0 };
    let (mut q, mut pop, mut val, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for d in 1..=10 {
        if let Some(v) = decile(d) {
            if let (Some(x), (Some(l), Some(u)), Some(n)) = (v.value(), v.limits(ConfidenceLevel::C95), v.denominator) {
                q.push(d as f64);
                pop.push(n);
                val.push(x / scale);
                lo.push(l / scale);
                hi.push(u / scale);
            }
        }
    }
    if !c.sii_all_periods && pi + 1 != np {
        out.note = Some("SII for the latest period only (settings.sii_periods = \"latest\")".into());
    } else if q.len() >= 5 {
        let options = SiiOptions {
            value_type: match ind.value_type {
                ValueType::Proportion => SiiValueType::Proportion,
                ValueType::Rate | ValueType::Dsr => SiiValueType::Rate,
                ValueType::Other => SiiValueType::Plain,
            },
            multiplier: scale,
            confidence: LEVELS.to_vec(),
            reps: c.settings.0,
            rii: true,
            seed: c.settings.1,
            ..SiiOptions::default()
        };
        match slope_index_of_inequality(
            &q,
            &pop,
            &val,
            SiiStandardError::FromLimits { lower: &lo, upper: &hi },
            &options,
        ) {
            Ok(r) => {
                out.sii = Some(r.sii);
                out.rii = r.rii;
            }
            Err(e) => out.note = Some(format!("no SII: {e}")),
        }
    } else {
        out.note =
            Some(format!("no SII: {} deprivation quantiles with a value, limits and denominator (5 needed)", q.len()));
    }
    let Some((num, den)) = c.counts else {
        out.excess = reference.and_then(|r| published_excess(ind.value_type, &decile, r));
        return out;
    };
    // Excess events: by band where the measure is by age.
    let p = &c.periods[pi];
    let sex = ind.sexes[si];
    let by_band = num.bands > 1 && den.bands > 1;
    let bands = if by_band { ind.bands.clone() } else { 0..1 };
    let mut x = vec![0.0; num.bands];
    let mut n = vec![0.0; den.bands];
    let mut observed = vec![vec![0.0; 10]; num.bands];
    let mut population = vec![vec![0.0; 10]; den.bands];
    for d in 1..=10 {
        if d > nq || den.cell(area, d, sex, p.years.0..=p.years.1, &mut n).is_none() {
            continue;
        }
        if num.cell(area, d, sex, p.years.0..=p.years.1, &mut x).is_none() {
            x.iter_mut().for_each(|v| *v = 0.0);
        }
        for band in 0..x.len().min(n.len()) {
            observed[band][d - 1] = x[band];
            population[band][d - 1] = n[band];
        }
        if !by_band {
            observed[0][d - 1] = x.iter().sum();
            population[0][d - 1] = n.iter().sum();
        }
    }
    let Some(reference) = reference.map(|d| d - 1) else { return out };
    let mut excess = 0.0;
    let mut ok = true;
    for band in bands {
        if population[band][reference] <= 0.0 {
            if population[band].iter().any(|&p| p > 0.0) {
                ok = false;
            }
            continue;
        }
        match stats::arriaga::excess_deaths(&observed[band], &population[band], reference) {
            Ok(e) => excess += e.total_excess,
            Err(_) => ok = false,
        }
    }
    out.excess = ok.then_some(excess);
    out
}

/// The excess events of published decile values, at the rate of `reference` (the least
/// deprived decile with a denominator): only for proportions and crude rates, whose Count and
/// Denominator give the value, and only when every decile with a value has both.
fn published_excess<'v>(
    value_type: ValueType,
    decile: &dyn Fn(usize) -> Option<&'v CellValue>,
    reference: usize,
) -> Option<f64> {
    if !matches!(value_type, ValueType::Proportion | ValueType::Rate) {
        return None;
    }
    let mut observed = [0.0; 10];
    let mut population = [0.0; 10];
    for d in 1..=10 {
        if let Some(v) = decile(d) {
            observed[d - 1] = v.count?;
            population[d - 1] = v.denominator?;
        }
    }
    stats::arriaga::excess_deaths(&observed, &population, reference - 1).ok().map(|e| e.total_excess)
}
