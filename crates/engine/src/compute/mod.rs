//! `fairer compute`: every indicator of a catalogue, for every area of every level, every
//! period, sex and deprivation decile, with comparisons, trends and inequality summaries.
//!
//! The steps, each timed ([`ComputeSummary`]):
//!
//! 1. **Read.** The geography ([`geography`]) and every data table the catalogue uses, each
//!    once ([`source`]; Parquet, CSV or Excel, one file or a glob of them), into counts by small
//!    area, year, sex and life-table band; tables of published values in the indicator portal's
//!    layout ([`portal`]) into values by area, period, sex and decile, for `published`
//!    indicators, which then take the same step 3 as computed values.
//! 2. **Aggregate.** Counts are summed up the hierarchy and by national deprivation decile
//!    within each area ([`cells::LevelCounts`]) before any statistic is computed.
//! 3. **Statistics.** Per indicator, area, breakdown, sex and period: the value and its 95% and
//!    99.8% limits by the indicator's method ([`cells::cell_statistic`]); then
//!    - the comparison with the benchmark (the area of the catalogue's benchmark level that holds
//!      it: England by default, or its region; for a decile, the area itself) at 95% and
//!      99.8%, by whether the benchmark lies outside the interval, worded by polarity;
//!    - the quintile among the areas of the same type;
//!    - the recent trend of the five most recent annual points ending at the period;
//!    - across the deciles of an area: SII and RII (PHE's method, simulated limits), the gap
//!      and ratio between the most and least deprived deciles present in the area, and the
//!      excess events: observed minus the count had every decile the least deprived decile's
//!      rates (by age band where the measure is by age).
//! 4. **Write.** One long table ([`results`]), atomically (temporary file, then rename), as
//!    Parquet, CSV in the indicator portal's layout, or Excel.
//!
//! The plan is expressed over dense arrays, not DataFusion, because the hierarchy and decile
//! aggregation of a whole country fits in memory as counts; [`crate::sql`] (DataFusion) runs the
//! same aggregation for comparison in the benchmark.

pub mod catalogue;
pub mod cells;
pub mod geography;
pub mod portal;
pub mod results;
pub mod source;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use stats::comparison::{compare_with_benchmark, quintiles};
use stats::sii::{slope_index_of_inequality, SiiOptions, SiiStandardError, SiiValueType};
use stats::trend::{recent_trend, TrendPoint, TrendValueType};

use catalogue::{Catalogue, Indicator, IndicatorSource, PublishedSpec, SourceSpec, ValueType, SEXES};
use cells::{cell_statistic, CellValue, LevelCounts, BREAKDOWNS, LEVELS};
use geography::{Geography, Level};
use results::{ResultRow, ResultWriter};
use source::{read_table, table_paths, Counts};

use crate::error::{EngineError, Result};

/// What to compute and where to write it.
#[derive(Clone, Debug)]
pub struct ComputeOptions {
    /// The checked catalogue.
    pub catalogue: Catalogue,
    /// The directory holding the catalogue's tables.
    pub data_dir: PathBuf,
    /// The output file: `.parquet`, `.csv` (portal layout) or `.xlsx`.
    pub output: String,
    /// Only these indicator ids (all when empty).
    pub indicators: Vec<String>,
}

/// Progress reports from [`compute`]; every method has a default that does nothing.
pub trait Progress: Sync {
    /// A stage begins (`"reading"`, `"computing"`), with its total units (rows, indicators).
    fn stage(&self, _name: &str, _total: u64) {}
    /// The units done so far in the current stage.
    fn position(&self, _done: u64) {}
}

/// Progress that reports nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What a computation did and how long each step took.
#[derive(Clone, Debug, Default)]
pub struct ComputeSummary {
    /// Data rows read (all tables, geography excluded).
    pub rows_read: u64,
    /// Result rows written.
    pub rows_written: u64,
    /// Indicators computed.
    pub indicators: usize,
    /// Reading the geography and tables.
    pub reading: Duration,
    /// Summing counts up the levels and deciles.
    pub aggregating: Duration,
    /// Statistics, comparisons, trends and inequality summaries.
    pub statistics: Duration,
    /// Writing the results.
    pub writing: Duration,
    /// What to know about the run: rows of published tables skipped (categories other than
    /// deprivation deciles, areas not in the geography), one line each.
    pub notes: Vec<String>,
}

/// Computes the catalogue on the data and writes the results.
///
/// # Errors
/// Anything wrong in the data or geography (with file, row and column), a table that cannot be
/// found, an output that cannot be written. Nothing is left at the output path on error.
pub fn compute(options: &ComputeOptions, progress: &dyn Progress) -> Result<ComputeSummary> {
    let cat = &options.catalogue;
    let indicators: Vec<&Indicator> = cat.indicators.iter().filter(|i| options.indicators.is_empty() || options.indicators.contains(&i.id)).collect();
    if indicators.is_empty() {
        return Err(EngineError::Usage(format!(
            "no indicator of the catalogue is called {}; the ids are: {}",
            options.indicators.join(", "),
            cat.indicators.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut summary = ComputeSummary { indicators: indicators.len(), ..ComputeSummary::default() };
    let mut writer = ResultWriter::create(&options.output)?;

    // 1. Read.
    let started = Instant::now();
    let geo_path = match table_paths(&options.data_dir, &cat.geography.table, None) {
        Ok(mut p) => p.remove(0),
        Err(e) => {
            let p = PathBuf::from(&cat.geography.table);
            if !p.is_file() {
                return Err(e);
            }
            p
        }
    };
    let geography = Geography::read(&geo_path.display().to_string(), &cat.geography, &cat.places, "catalogue")?;
    let area_index: FxHashMap<String, u32> = geography.index.iter().map(|(k, &v)| (k.clone(), v)).collect();

    // Distinct consumers per table, and each indicator's (numerator, denominator) consumer ids.
    let mut consumers: Vec<(String, Vec<SourceSpec>)> = Vec::new();
    let mut id_of = |s: &SourceSpec| -> (usize, usize) {
        let t = match consumers.iter().position(|(t, _)| t == &s.table) {
            Some(t) => t,
            None => {
                consumers.push((s.table.clone(), Vec::new()));
                consumers.len() - 1
            }
        };
        let list = &mut consumers[t].1;
        let c = match list.iter().position(|x| x == s) {
            Some(c) => c,
            None => {
                list.push(s.clone());
                list.len() - 1
            }
        };
        (t, c)
    };
    // Published values: the distinct sources per portal table, and each indicator's.
    let mut published: Vec<(String, Vec<PublishedSpec>)> = Vec::new();
    let mut published_id = |p: &PublishedSpec| -> (usize, usize) {
        let t = published.iter().position(|(t, _)| t == &p.table).unwrap_or_else(|| {
            published.push((p.table.clone(), Vec::new()));
            published.len() - 1
        });
        let list = &mut published[t].1;
        let c = list.iter().position(|x| x == p).unwrap_or_else(|| {
            list.push(p.clone());
            list.len() - 1
        });
        (t, c)
    };
    let sources: Vec<ValuesFrom> = indicators
        .iter()
        .map(|i| match &i.source {
            IndicatorSource::Counts { numerator, denominator } => ValuesFrom::Counts(id_of(numerator), id_of(denominator)),
            IndicatorSource::Published(p) => ValuesFrom::Published(published_id(p)),
        })
        .collect();
    let mut paths = Vec::new();
    for (table, _) in &consumers {
        let spec = &cat.tables[table];
        paths.push(table_paths(&options.data_dir, table, spec.path.as_deref())?);
    }
    let mut published_paths = Vec::new();
    for (table, _) in &published {
        published_paths.push(table_paths(&options.data_dir, table, cat.tables[table].path.as_deref())?);
    }
    let total_bytes: u64 = paths.iter().chain(&published_paths).flatten().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    progress.stage("reading", total_bytes.max(1));
    let rows = AtomicU64::new(0);
    let mut counts: Vec<Vec<Counts>> = Vec::new();
    let mut bytes_done = 0;
    for ((table, list), files) in consumers.iter().zip(&paths) {
        let mut merged: Option<Vec<Counts>> = None;
        for path in files {
            let part = read_table(path, &cat.tables[table], list, &area_index, &rows)?;
            merged = Some(match merged {
                None => part,
                Some(mut m) => {
                    m.iter_mut().zip(part).for_each(|(a, b)| a.merge(b));
                    m
                }
            });
            bytes_done += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            progress.position(bytes_done);
        }
        counts.push(merged.unwrap_or_default());
    }
    let area_map = portal::AreaMap::new(&geography, &cat.geography.small_area.area_type);
    let mut published_rows: Vec<Vec<portal::PublishedRows>> = Vec::new();
    for ((_, list), files) in published.iter().zip(&published_paths) {
        let mut out = vec![portal::PublishedRows::default(); list.len()];
        for path in files {
            portal::read_portal(path, list, &area_map, &rows, &mut out)?;
            bytes_done += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            progress.position(bytes_done);
        }
        published_rows.push(out);
    }
    summary.rows_read = rows.load(Ordering::Relaxed);
    summary.reading = started.elapsed();

    // 2 and 3, indicator by indicator; level counts are cached across indicators.
    progress.stage("computing", indicators.len() as u64);
    let mut cache: HashMap<((usize, usize), usize), LevelCounts> = HashMap::new();
    let level_list: Vec<&Level> = geography.levels.iter().chain(geography.places.iter()).collect();
    for (done, (indicator, &source)) in indicators.iter().zip(&sources).enumerate() {
        let started = Instant::now();
        let (num_id, den_id) = match source {
            ValuesFrom::Counts(num_id, den_id) => (num_id, den_id),
            ValuesFrom::Published((t, c)) => {
                let rows_out = portal::summarise_published(cat, &geography, indicator, &published_rows[t][c], &mut summary.notes)?;
                summary.statistics += started.elapsed();
                let started = Instant::now();
                writer.write(&rows_out)?;
                summary.writing += started.elapsed();
                progress.position(done as u64 + 1);
                continue;
            }
        };
        let mut wanted: Vec<usize> = indicator.levels.clone();
        if indicator.with_places && geography.places.is_some() {
            wanted.push(geography.levels.len());
        }
        for &l in &wanted {
            for id in [num_id, den_id] {
                cache.entry((id, l)).or_insert_with(|| LevelCounts::aggregate(&counts[id.0][id.1], level_list[l], &geography.deciles));
            }
        }
        summary.aggregating += started.elapsed();
        let started = Instant::now();
        let has_deciles = indicator.by_deprivation && geography.deciles.iter().any(|&d| d > 0);
        let den_years: Vec<i32> = cache[&(den_id, geography.benchmark_level)].years.keys().copied().collect();
        let periods = periods(indicator, &den_years);
        let benchmark = compute_level(indicator, &cache[&(num_id, geography.benchmark_level)], &cache[&(den_id, geography.benchmark_level)], has_deciles, &periods);
        let mut rows_out = Vec::new();
        for &l in &wanted {
            let level = level_list[l];
            let values = if l == geography.benchmark_level {
                benchmark.clone()
            } else {
                compute_level(indicator, &cache[&(num_id, l)], &cache[&(den_id, l)], has_deciles, &periods)
            };
            let context = LevelContext {
                catalogue: cat,
                indicator,
                level,
                is_benchmark: l == geography.benchmark_level,
                benchmark_level: &geography.levels[geography.benchmark_level],
                benchmark_of: benchmark_areas(level, &geography.levels[geography.benchmark_level], geography.codes.len()),
                benchmark: &benchmark,
                periods: &periods,
                counts: Some((&cache[&(num_id, l)], &cache[&(den_id, l)])),
                settings: (cat.settings.sii_repetitions, cat.settings.seed),
                sii_all_periods: cat.settings.sii_all_periods,
                independent_periods: indicator.period.independent(),
                category_type: None,
            };
            rows_out.extend(summarise_level(&context, &values));
        }
        summary.statistics += started.elapsed();
        let started = Instant::now();
        writer.write(&rows_out)?;
        summary.writing += started.elapsed();
        progress.position(done as u64 + 1);
    }
    let started = Instant::now();
    summary.rows_written = writer.finish()?;
    summary.writing += started.elapsed();
    Ok(summary)
}

/// Where an indicator's values come from in a run: its numerator's and denominator's counts
/// (each a table and consumer), or its published source's rows (a portal table and source).
#[derive(Clone, Copy, Debug)]
enum ValuesFrom {
    Counts((usize, usize), (usize, usize)),
    Published((usize, usize)),
}

/// A period: its label, the years pooled, and the year it is sorted and trended by.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    /// The portal's label ("2024", "2024/25", "2022 - 24").
    pub label: String,
    /// First and last year pooled.
    pub years: (i32, i32),
}

/// The periods of an indicator: every span of its period kind whose years all have data.
fn periods(indicator: &Indicator, years: &[i32]) -> Vec<Period> {
    let span = indicator.period.span();
    years
        .iter()
        .filter(|&&y| (y - span + 1..=y).all(|x| years.contains(&x)))
        .map(|&y| Period { label: indicator.period.label(if span == 1 { y } else { y }), years: (y - span + 1, y) })
        .collect()
}

/// Values of one level: indexed `((area * 11 + breakdown) * sexes + sex) * periods + period`;
/// `None` where the cell has no denominator.
type LevelValues = Vec<Option<CellValue>>;

fn compute_level(indicator: &Indicator, num: &LevelCounts, den: &LevelCounts, has_deciles: bool, periods: &[Period]) -> LevelValues {
    let breakdowns = if has_deciles { BREAKDOWNS } else { 1 };
    let sexes = indicator.sexes.len();
    let per_area = BREAKDOWNS * sexes * periods.len();
    (0..den.areas)
        .into_par_iter()
        .flat_map_iter(|area| {
            let mut out = vec![None; per_area];
            let mut x = vec![0.0; num.bands];
            let mut n = vec![0.0; den.bands];
            for b in 0..breakdowns {
                for (si, &sex) in indicator.sexes.iter().enumerate() {
                    for (pi, p) in periods.iter().enumerate() {
                        if den.cell(area, b, sex, p.years.0..=p.years.1, &mut n).is_none() {
                            continue;
                        }
                        if num.cell(area, b, sex, p.years.0..=p.years.1, &mut x).is_none() {
                            x.iter_mut().for_each(|v| *v = 0.0);
                        }
                        let total: f64 = if n.len() > 1 { n[indicator.bands.clone()].iter().sum() } else { n.iter().sum() };
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

struct LevelContext<'a> {
    catalogue: &'a Catalogue,
    indicator: &'a Indicator,
    level: &'a Level,
    is_benchmark: bool,
    benchmark_level: &'a Level,
    /// Each area's benchmark: the area of the benchmark level that holds it.
    benchmark_of: Vec<Option<usize>>,
    benchmark: &'a LevelValues,
    periods: &'a [Period],
    /// The numerator's and denominator's counts, for computed values (`None` for published
    /// ones, whose excess comes from the deciles' counts and denominators as published).
    counts: Option<(&'a LevelCounts, &'a LevelCounts)>,
    settings: (usize, u64),
    sii_all_periods: bool,
    /// Whether consecutive periods are independent, as a recent trend needs.
    independent_periods: bool,
    /// The category type of decile rows, when not Fairer's national deciles of small areas.
    category_type: Option<&'a str>,
}

/// The inequality summaries of one area, sex and period across its deciles.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InequalitySummary {
    /// SII and its 95% and 99.8% limits.
    pub sii: Option<(f64, [Option<f64>; 4])>,
    /// RII and its 95% and 99.8% limits.
    pub rii: Option<(f64, [Option<f64>; 4])>,
    /// The value of the most deprived decile present in the area minus that of the least
    /// deprived present (an area need not have small areas in every national decile).
    pub gap: Option<f64>,
    /// The same two deciles' ratio, most over least deprived.
    pub ratio: Option<f64>,
    /// Observed events minus those expected had every decile the rates of the least deprived
    /// decile present (by age band where the measure is by age).
    pub excess: Option<f64>,
    /// Why a summary is missing.
    pub note: Option<String>,
}

fn summarise_level(c: &LevelContext<'_>, values: &LevelValues) -> Vec<ResultRow> {
    let ind = c.indicator;
    let sexes = ind.sexes.len();
    let np = c.periods.len();
    let at = |area: usize, b: usize, si: usize, pi: usize| ((area * BREAKDOWNS + b) * sexes + si) * np + pi;
    let bench_at = |area: usize, si: usize, pi: usize| ((area * BREAKDOWNS) * sexes + si) * np + pi;
    // Quintiles among the areas of this level, per sex and period (not for the benchmark).
    let mut quintile_of: HashMap<usize, &'static str> = HashMap::new();
    if !c.is_benchmark && c.level.members.len() >= 5 {
        for si in 0..sexes {
            for pi in 0..np {
                let vals: Vec<Option<f64>> = (0..c.level.members.len()).map(|a| values[at(a, 0, si, pi)].as_ref().and_then(|v| v.value)).collect();
                for (a, q) in quintiles(&vals, ind.polarity).into_iter().enumerate() {
                    if let Some(q) = q {
                        quintile_of.insert(at(a, 0, si, pi), q.label());
                    }
                }
            }
        }
    }
    let has_deciles = values.iter().enumerate().any(|(i, v)| v.is_some() && (i / (sexes * np)) % BREAKDOWNS > 0);
    (0..c.level.members.len())
        .into_par_iter()
        .flat_map_iter(|area| {
            let mut rows = Vec::new();
            for b in 0..BREAKDOWNS {
                for si in 0..sexes {
                    for pi in 0..np {
                        let Some(v) = values[at(area, b, si, pi)].clone() else { continue };
                        let (bench_name, bench_value) = if b == 0 {
                            match c.benchmark_of[area] {
                                Some(ba) => (c.benchmark_level.names[ba].clone(), c.benchmark[bench_at(ba, si, pi)].as_ref().and_then(|x| x.value)),
                                None => (String::new(), None),
                            }
                        } else {
                            (c.level.names[area].clone(), values[at(area, 0, si, pi)].as_ref().and_then(|x| x.value))
                        };
                        let trend = if c.independent_periods {
                            let points: Vec<TrendPoint> = (0..=pi)
                                .filter_map(|p| {
                                    let x = values[at(area, b, si, p)].as_ref()?;
                                    let year = c.periods[p].years.1;
                                    Some(match ind.value_type {
                                        ValueType::Proportion => TrendPoint { year, value: None, lower: None, upper: None, numerator: x.count, denominator: x.denominator },
                                        _ => TrendPoint { year, value: x.value, lower: x.limits95.0, upper: x.limits95.1, numerator: None, denominator: None },
                                    })
                                })
                                .collect();
                            let kind = if ind.value_type == ValueType::Proportion { TrendValueType::Proportion } else { TrendValueType::Other };
                            let m = recent_trend(&points, kind, ind.polarity);
                            (m.label().to_string(), m.reason.as_str().to_string())
                        } else {
                            ("Cannot be calculated".to_string(), "Periods overlap (pooled years are not independent points)".to_string())
                        };
                        let inequality = if b == 0 && has_deciles { Some(inequality_summary(c, values, area, si, pi)) } else { None };
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
                            category: (b > 0).then(|| decile_label(b)),
                            category_type: c.category_type.filter(|_| b > 0).map(str::to_string),
                            period: c.periods[pi].clone(),
                            compared_95: compare_with_benchmark(v.value, v.limits95.0, v.limits95.1, bench_value, ind.polarity).label(),
                            compared_998: compare_with_benchmark(v.value, v.limits998.0, v.limits998.1, bench_value, ind.polarity).label(),
                            benchmark: bench_name,
                            benchmark_value: bench_value,
                            quintile: quintile_of.get(&at(area, b, si, pi)).copied(),
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

/// For each area of `level`, the area of the benchmark level holding its first small area (for
/// England, England; for a benchmark level of regions, the area's region).
fn benchmark_areas(level: &Level, benchmark: &Level, small_areas: usize) -> Vec<Option<usize>> {
    let mut of_small = vec![None; small_areas];
    for (b, members) in benchmark.members.iter().enumerate() {
        for &m in members {
            of_small[m as usize] = Some(b);
        }
    }
    level.members.iter().map(|m| m.first().and_then(|&s| of_small[s as usize])).collect()
}

/// The portal-style label of decile `d` (1 most deprived).
pub fn decile_label(d: usize) -> String {
    const ORDINALS: [&str; 10] = ["Most", "Second most", "Third most", "Fourth most", "Fifth most", "Fifth least", "Fourth least", "Third least", "Second least", "Least"];
    format!("{} deprived decile (IMD)", ORDINALS[(d.clamp(1, 10)) - 1])
}

fn inequality_summary(c: &LevelContext<'_>, values: &LevelValues, area: usize, si: usize, pi: usize) -> InequalitySummary {
    let ind = c.indicator;
    let sexes = ind.sexes.len();
    let np = c.periods.len();
    let at = |b: usize| ((area * BREAKDOWNS + b) * sexes + si) * np + pi;
    let decile = |d: usize| values[at(d)].as_ref();
    let mut out = InequalitySummary::default();
    // The most and least deprived deciles present: an area need not have small areas in every
    // national decile.
    let with_value: Vec<(usize, f64)> = (1..=10).filter_map(|d| decile(d).and_then(|v| v.value).map(|x| (d, x))).collect();
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
            if let (Some(x), (Some(l), Some(u)), Some(n)) = (v.value, v.limits95, v.denominator) {
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
        match slope_index_of_inequality(&q, &pop, &val, SiiStandardError::FromLimits { lower: &lo, upper: &hi }, &options) {
            Ok(r) => {
                let lims = |l: &[stats::Limits]| {
                    [l.first().and_then(|x| x.lower), l.first().and_then(|x| x.upper), l.get(1).and_then(|x| x.lower), l.get(1).and_then(|x| x.upper)]
                };
                out.sii = Some((r.sii, lims(&r.sii_limits)));
                out.rii = r.rii.map(|x| (x, lims(&r.rii_limits)));
            }
            Err(e) => out.note = Some(format!("no SII: {e}")),
        }
    } else {
        out.note = Some(format!("no SII: {} deciles with a value, limits and denominator (5 needed)", q.len()));
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
        if den.cell(area, d, sex, p.years.0..=p.years.1, &mut n).is_none() {
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
fn published_excess<'v>(value_type: ValueType, decile: &dyn Fn(usize) -> Option<&'v CellValue>, reference: usize) -> Option<f64> {
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

#[cfg(test)]
mod tests;
