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

use catalogue::{
    Benchmark, Catalogue, DeprivationBreakdown, Indicator, IndicatorSource, PublishedSpec, SourceSpec, ValueType, SEXES,
};
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
    let indicators: Vec<&Indicator> =
        cat.indicators.iter().filter(|i| options.indicators.is_empty() || options.indicators.contains(&i.id)).collect();
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
    let geo_path = table_or_file(&options.data_dir, &cat.geography.table)?;
    let geography =
        Geography::read(&geo_path.display().to_string(), &cat.geography, &cat.places, &cat.peer_groups, "catalogue")?;
    let mut area_index: FxHashMap<String, u32> = geography.index.iter().map(|(k, &v)| (k.clone(), v)).collect();
    if let Some(changes) = &cat.geography.code_changes {
        let path = table_or_file(&options.data_dir, &changes.table)?;
        geography::add_code_changes(&mut area_index, &path.display().to_string(), changes)?;
    }

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
            IndicatorSource::Counts { numerator, denominator } => {
                ValuesFrom::Counts(id_of(numerator), id_of(denominator))
            }
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
    let total_bytes: u64 =
        paths.iter().chain(&published_paths).flatten().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
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
    let mut cache: HashMap<((usize, usize), usize, DeprivationBreakdown), LevelCounts> = HashMap::new();
    let mut quantile_cache: HashMap<(usize, DeprivationBreakdown), Vec<Vec<u8>>> = HashMap::new();
    // Geography levels, then places, then peer groups.
    let level_list: Vec<&Level> =
        geography.levels.iter().chain(geography.places.iter()).chain(geography.peer_groups.iter()).collect();
    let places_index = geography.places.as_ref().map(|_| geography.levels.len());
    let peers_index =
        geography.peer_groups.as_ref().map(|_| geography.levels.len() + usize::from(geography.places.is_some()));
    let peer_group_of = peer_group_membership(cat, &geography);
    for (done, (indicator, &source)) in indicators.iter().zip(&sources).enumerate() {
        let started = Instant::now();
        let (num_id, den_id) = match source {
            ValuesFrom::Counts(num_id, den_id) => (num_id, den_id),
            ValuesFrom::Published((t, c)) => {
                let rows_out =
                    portal::summarise_published(cat, &geography, indicator, &published_rows[t][c], &mut summary.notes)?;
                summary.statistics += started.elapsed();
                let started = Instant::now();
                writer.write(&rows_out)?;
                summary.writing += started.elapsed();
                progress.position(done as u64 + 1);
                continue;
            }
        };
        let mut wanted: Vec<usize> = indicator.levels.clone();
        if indicator.with_places {
            wanted.extend(places_index);
        }
        if indicator.benchmark == Benchmark::PeerGroup {
            wanted.extend(peers_index);
        }
        if indicator.benchmark == Benchmark::Parent {
            for l in indicator.levels.iter().filter_map(|&l| geography.parent_level[l]) {
                if !wanted.contains(&l) {
                    wanted.push(l);
                }
            }
        }
        // Without a breakdown, the national deciles are aggregated all the same (only the
        // whole-area cells are used), so indicators share their level counts.
        let breakdown = indicator.deprivation;
        let aggregation = breakdown.unwrap_or(DeprivationBreakdown { quantiles: 10, within_area: false });
        for &l in &wanted {
            let quantiles = quantile_cache
                .entry((l, aggregation))
                .or_insert_with(|| geography.quantiles(aggregation, level_list[l]));
            for id in [num_id, den_id] {
                cache
                    .entry((id, l, aggregation))
                    .or_insert_with(|| LevelCounts::aggregate(&counts[id.0][id.1], level_list[l], quantiles));
            }
        }
        summary.aggregating += started.elapsed();
        let started = Instant::now();
        let has_deciles = breakdown.is_some()
            && wanted.iter().any(|&l| quantile_cache[&(l, aggregation)].iter().flatten().any(|&d| d > 0));
        let counts_of = |id: (usize, usize), l: usize| &cache[&(id, l, aggregation)];
        let den_years: Vec<i32> = counts_of(den_id, geography.benchmark_level).years.keys().copied().collect();
        let periods = periods(indicator, &den_years);
        let values: HashMap<usize, LevelValues> = wanted
            .iter()
            .map(|&l| (l, compute_level(indicator, counts_of(num_id, l), counts_of(den_id, l), has_deciles, &periods)))
            .collect();
        let mut rows_out = Vec::new();
        for &l in &wanted {
            let level = level_list[l];
            let benchmark_of = benchmarks(indicator, l, &level_list, &geography, peers_index, &peer_group_of);
            // Quintiles among peers: an area in a peer group is ranked among its group's members.
            let rank_group: Vec<Option<usize>> = benchmark_of
                .iter()
                .map(|b| b.filter(|&(bl, _)| Some(bl) == peers_index && l != bl).map(|(_, g)| g))
                .collect();
            let context = LevelContext {
                catalogue: cat,
                indicator,
                level,
                is_benchmark: l == geography.benchmark_level,
                level_list: &level_list,
                benchmark_of,
                rank_group,
                values: &values,
                periods: &periods,
                counts: Some((counts_of(num_id, l), counts_of(den_id, l))),
                breakdown: aggregation,
                settings: (cat.settings.sii_repetitions, cat.settings.seed),
                sii_all_periods: cat.settings.sii_all_periods,
                independent_periods: indicator.period.independent(),
                category_type: None,
            };
            rows_out.extend(summarise_level(&context, &values[&l]));
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

fn compute_level(
    indicator: &Indicator,
    num: &LevelCounts,
    den: &LevelCounts,
    has_deciles: bool,
    periods: &[Period],
) -> LevelValues {
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

struct LevelContext<'a> {
    catalogue: &'a Catalogue,
    indicator: &'a Indicator,
    level: &'a Level,
    is_benchmark: bool,
    /// Every level, place and peer-group list, as indexed in `values`.
    level_list: &'a [&'a Level],
    /// Each area's benchmark: (index in `level_list`, area).
    benchmark_of: Vec<Option<(usize, usize)>>,
    /// Each area's peer group, when it is ranked among its group rather than the whole level.
    rank_group: Vec<Option<usize>>,
    /// The values of every level computed for the indicator.
    values: &'a HashMap<usize, LevelValues>,
    periods: &'a [Period],
    /// The numerator's and denominator's counts, for computed values (`None` for published
    /// ones, whose excess comes from the deciles' counts and denominators as published).
    counts: Option<(&'a LevelCounts, &'a LevelCounts)>,
    /// The deprivation quantiles of the breakdown rows.
    breakdown: DeprivationBreakdown,
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
    // Quintiles among the areas of this level, per sex and period (not for the benchmark); an
    // area ranked among its peer group takes its rank there.
    let mut quintile_of: HashMap<usize, &'static str> = HashMap::new();
    let mut groups: Vec<(Option<usize>, Vec<usize>)> = vec![(None, (0..c.level.members.len()).collect())];
    for (a, g) in c.rank_group.iter().enumerate() {
        if let Some(g) = *g {
            match groups.iter_mut().find(|(x, _)| *x == Some(g)) {
                Some((_, members)) => members.push(a),
                None => groups.push((Some(g), vec![a])),
            }
        }
    }
    if !c.is_benchmark {
        for (group, members) in &groups {
            if members.len() < 5 {
                continue;
            }
            for si in 0..sexes {
                for pi in 0..np {
                    let vals: Vec<Option<f64>> =
                        members.iter().map(|&a| values[at(a, 0, si, pi)].as_ref().and_then(|v| v.value)).collect();
                    for (&a, q) in members.iter().zip(quintiles(&vals, ind.polarity)) {
                        if group.is_none() && c.rank_group[a].is_some() {
                            continue;
                        }
                        if let Some(q) = q {
                            quintile_of.insert(at(a, 0, si, pi), q.label());
                        }
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
                                Some((bl, ba)) => (
                                    c.level_list[bl].names[ba].clone(),
                                    c.values
                                        .get(&bl)
                                        .and_then(|v| v[bench_at(ba, si, pi)].as_ref())
                                        .and_then(|x| x.value),
                                ),
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
                                            value: x.value,
                                            lower: x.limits95.0,
                                            upper: x.limits95.1,
                                            numerator: None,
                                            denominator: None,
                                        },
                                    })
                                })
                                .collect();
                            let kind = if ind.value_type == ValueType::Proportion {
                                TrendValueType::Proportion
                            } else {
                                TrendValueType::Other
                            };
                            let m = recent_trend(&points, kind, ind.polarity);
                            (m.label().to_string(), m.reason.as_str().to_string())
                        } else {
                            (
                                "Cannot be calculated".to_string(),
                                "Periods overlap (pooled years are not independent points)".to_string(),
                            )
                        };
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
                            category: (b > 0).then(|| c.breakdown.category(b)),
                            category_type: (b > 0).then(|| {
                                c.category_type.map_or_else(|| c.breakdown.category_type().to_string(), str::to_string)
                            }),
                            period: c.periods[pi].clone(),
                            compared_95: compare_with_benchmark(
                                v.value,
                                v.limits95.0,
                                v.limits95.1,
                                bench_value,
                                ind.polarity,
                            )
                            .label(),
                            compared_998: compare_with_benchmark(
                                v.value,
                                v.limits998.0,
                                v.limits998.1,
                                bench_value,
                                ind.polarity,
                            )
                            .label(),
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

/// The portal-style label of national decile `d` (1 most deprived).
pub fn decile_label(d: usize) -> String {
    DeprivationBreakdown { quantiles: 10, within_area: false }.category(d)
}

/// The file of a table the catalogue names: `NAME.parquet` (or `.csv`, …) in the data
/// directory, or else the name itself as a path.
fn table_or_file(data_dir: &std::path::Path, name: &str) -> Result<PathBuf> {
    match table_paths(data_dir, name, None) {
        Ok(mut p) => Ok(p.remove(0)),
        Err(e) => {
            let p = PathBuf::from(name);
            if p.is_file() {
                Ok(p)
            } else {
                Err(e)
            }
        }
    }
}

/// Each peer group's member area codes → the group's index (from the catalogue's
/// `[[peer_group]]` lists, in order).
fn peer_group_membership(cat: &Catalogue, geography: &Geography) -> HashMap<String, usize> {
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
fn benchmarks(
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
    let at = |b: usize| ((area * BREAKDOWNS + b) * sexes + si) * np + pi;
    let decile = |d: usize| values[at(d)].as_ref();
    let mut out = InequalitySummary::default();
    // The most and least deprived deciles present: an area need not have small areas in every
    // national decile.
    let with_value: Vec<(usize, f64)> =
        (1..=10).filter_map(|d| decile(d).and_then(|v| v.value).map(|x| (d, x))).collect();
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
        match slope_index_of_inequality(
            &q,
            &pop,
            &val,
            SiiStandardError::FromLimits { lower: &lo, upper: &hi },
            &options,
        ) {
            Ok(r) => {
                let lims = |l: &[stats::Limits]| {
                    [
                        l.first().and_then(|x| x.lower),
                        l.first().and_then(|x| x.upper),
                        l.get(1).and_then(|x| x.lower),
                        l.get(1).and_then(|x| x.upper),
                    ]
                };
                out.sii = Some((r.sii, lims(&r.sii_limits)));
                out.rii = r.rii.map(|x| (x, lims(&r.rii_limits)));
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

#[cfg(test)]
mod tests;
