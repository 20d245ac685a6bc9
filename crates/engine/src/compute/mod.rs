//! `fairer compute`: every indicator of a catalogue, for every area of every level, every
//! period, sex and deprivation decile, with comparisons, trends and inequality summaries.
//!
//! The steps, each timed ([`ComputeSummary`]):
//!
//! 1. **Read.** The geography ([`geography`]) and every data table the catalogue uses, each
//!    once, from a [`TableSource`] ([`source`]: a data directory of Parquet, CSV or Excel files,
//!    one file or a glob of them per table, or record batches in memory), into counts by unit
//!    ([`units`]: the groups of small areas that every level and breakdown the counts serve
//!    treat alike), year, sex and life-table band; tables of published values in the indicator
//!    portal's layout ([`portal`]) into values by area, period, sex and decile, for `published`
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
//!    - for life expectancy at birth with `gap_causes`: the gap between the most and least
//!      deprived deciles split by age band and cause of death ([`decomposition`]), as rows of
//!      their own category type.
//! 4. **Write.** One long table ([`results`]), as Arrow record batches of
//!    [`results::schema`], indicator by indicator, to a [`ResultSink`]: kept in memory
//!    ([`MemorySink`]), or written atomically (temporary file, then rename) as Parquet, CSV in
//!    the indicator portal's layout, or Excel ([`ResultFile`]).
//!
//! The heavy work runs on the caller's rayon pool ([`ComputeOptions::pool`], else the global
//! one), and stops, leaving nothing behind, when the [`Progress`] handle is cancelled.
//!
//! The plan is expressed over dense arrays, not DataFusion, because the hierarchy and decile
//! aggregation of a whole country fits in memory as counts; [`crate::sql`] (DataFusion) runs the
//! same aggregation for comparison in the benchmark.

pub mod breakdowns;
pub mod catalogue;
pub mod cells;
pub mod decomposition;
pub mod geography;
mod levels;
pub mod period;
pub mod portal;
pub mod results;
pub mod source;
pub mod units;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use breakdowns::Layout;
use catalogue::{
    Benchmark, Catalogue, DeprivationBreakdown, Indicator, IndicatorSource, OtherBreakdown, PublishedSpec, SourceSpec,
};
use cells::{LevelCounts, SlotSources};
use geography::{Geography, Level};
use levels::{benchmarks, compute_level, peer_group_membership, summarise_level, LevelContext, LevelValues};
use period::periods;
use results::ResultRow;
use source::{read_table, Counts};
use units::{UnitKey, UnitLevel, Units};

pub use crate::progress::{NoProgress, Progress};
pub use levels::decile_label;
pub use results::{MemorySink, ResultFile, ResultSink};
pub use source::{DataDirectory, MemoryTables, TablePart, TableSource};

use crate::error::{EngineError, Result};
use crate::progress::check_cancelled;

/// How to compute: which indicators, and on which threads.
#[derive(Clone, Debug, Default)]
pub struct ComputeOptions {
    /// Only these indicator ids (all when empty).
    pub indicators: Vec<String>,
    /// The rayon pool the heavy work runs on (reading Parquet row groups, statistics of every
    /// area); `None` for rayon's global pool. A server gives a pool of its own so that
    /// computations do not take the threads its other work needs.
    pub pool: Option<Arc<rayon::ThreadPool>>,
}

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
    /// The units of the finest counts read ([`units`]): what the memory of the counts grows
    /// with (0 without counts).
    pub units: usize,
    /// What to know about the run: rows of published tables skipped (categories other than
    /// deprivation deciles, areas not in the geography), one line each.
    pub notes: Vec<String>,
}

/// Computes `catalogue` on the tables of `source` and sends the results to `sink`, indicator
/// by indicator, then finishes it.
///
/// # Errors
/// An indicator asked for that the catalogue does not have; anything wrong in the data or
/// geography (with file, row and column); a table that cannot be found; a sink that fails;
/// [`EngineError::Cancelled`] when `progress` is cancelled (checked before each file read and
/// each indicator). The sink is finished only on success: a file sink dropped unfinished
/// leaves nothing at its path.
pub fn compute(
    catalogue: &Catalogue,
    source: &dyn TableSource,
    sink: &mut dyn ResultSink,
    options: &ComputeOptions,
    progress: &dyn Progress,
) -> Result<ComputeSummary> {
    let mut out = Output::Sink(sink);
    match &options.pool {
        Some(pool) => pool.install(|| run(catalogue, source, &mut out, &options.indicators, progress, Grain::Units)),
        None => run(catalogue, source, &mut out, &options.indicators, progress, Grain::Units),
    }
}

/// [`compute`], keeping the result rows in memory (as [`results::ResultRow`]s, in the order
/// [`compute`] writes them) for callers that assemble from them (completeness, scorecards).
///
/// # Errors
/// As [`compute`].
pub fn compute_rows(
    catalogue: &Catalogue,
    source: &dyn TableSource,
    options: &ComputeOptions,
    progress: &dyn Progress,
) -> Result<(Vec<ResultRow>, ComputeSummary)> {
    compute_rows_by(catalogue, source, options, progress, Grain::Units)
}

/// [`compute`], handing each indicator's result rows (as [`results::ResultRow`]s, in the order
/// [`compute`] writes them) to `each` as soon as they are computed, so that a caller that keeps
/// only what it reads of them (a scorecard's rows) never holds every row at once.
///
/// # Errors
/// As [`compute`], and the first error `each` returns (the computation stops there).
pub fn compute_each(
    catalogue: &Catalogue,
    source: &dyn TableSource,
    options: &ComputeOptions,
    progress: &dyn Progress,
    each: &mut (dyn FnMut(Vec<ResultRow>) -> Result<()> + Send),
) -> Result<ComputeSummary> {
    let mut out = Output::Each(each);
    match &options.pool {
        Some(pool) => pool.install(|| run(catalogue, source, &mut out, &options.indicators, progress, Grain::Units)),
        None => run(catalogue, source, &mut out, &options.indicators, progress, Grain::Units),
    }
}

/// [`compute_rows`] with counts kept by `grain`.
fn compute_rows_by(
    catalogue: &Catalogue,
    source: &dyn TableSource,
    options: &ComputeOptions,
    progress: &dyn Progress,
    grain: Grain,
) -> Result<(Vec<ResultRow>, ComputeSummary)> {
    let mut rows = Vec::new();
    let mut out = Output::Rows(&mut rows);
    let summary = match &options.pool {
        Some(pool) => pool.install(|| run(catalogue, source, &mut out, &options.indicators, progress, grain)),
        None => run(catalogue, source, &mut out, &options.indicators, progress, grain),
    }?;
    Ok((rows, summary))
}

/// What counts are kept by: units ([`units`]), or every small area (the units' reference, in
/// tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grain {
    Units,
    #[cfg_attr(not(test), allow(dead_code))]
    SmallAreas,
}

/// Where a run's rows go: a sink, as record batches, a list, or a function called with each
/// indicator's rows.
enum Output<'o> {
    Sink(&'o mut dyn ResultSink),
    Rows(&'o mut Vec<ResultRow>),
    Each(&'o mut (dyn FnMut(Vec<ResultRow>) -> Result<()> + Send)),
}

/// [`compute`] on the current thread pool, counts kept by `grain`.
fn run(
    cat: &Catalogue,
    source: &dyn TableSource,
    out: &mut Output<'_>,
    wanted: &[String],
    progress: &dyn Progress,
    grain: Grain,
) -> Result<ComputeSummary> {
    let indicators = select_indicators(cat, wanted)?;
    let mut summary = ComputeSummary { indicators: indicators.len(), ..ComputeSummary::default() };

    // 1. Read, each consumer's counts by its units.
    let started = Instant::now();
    let (geography, area_index) = read_geography(cat, source)?;
    let plan = ReadPlan::new(cat, &indicators);
    let mut levels = Levels::new(cat, &geography);
    levels.choose_units(&indicators, &plan, grain);
    let units: Vec<Vec<&Units>> = plan
        .consumers
        .iter()
        .enumerate()
        .map(|(t, (_, list))| (0..list.len()).map(|c| levels.units_of((t, c))).collect())
        .collect();
    summary.units = units.iter().flatten().map(|u| u.len).max().unwrap_or(0);
    let inputs = read_inputs(cat, source, &plan, &geography, &area_index, &units, progress)?;
    summary.rows_read = inputs.rows;
    summary.reading = started.elapsed();

    // 2 and 3, indicator by indicator; level counts are cached across indicators.
    progress.stage("computing", indicators.len() as u64);
    for (done, (indicator, &from)) in indicators.iter().zip(&plan.sources).enumerate() {
        check_cancelled(progress)?;
        let rows = match from {
            ValuesFrom::Counts(num_id, den_id) => levels.indicator_rows(
                indicator,
                (num_id, den_id),
                &plan.causes[done],
                &plan.categories,
                &inputs.counts,
                &mut summary,
            ),
            ValuesFrom::Published((t, c)) => {
                let started = Instant::now();
                let rows = portal::summarise_published(
                    cat,
                    &geography,
                    indicator,
                    &inputs.published[t][c],
                    &mut summary.notes,
                )?;
                summary.statistics += started.elapsed();
                rows
            }
        };
        let started = Instant::now();
        if !rows.is_empty() {
            summary.rows_written += rows.len() as u64;
            match out {
                Output::Sink(sink) => sink.write(results::to_batch(&rows)?)?,
                Output::Rows(list) => list.extend(rows),
                Output::Each(each) => each(rows)?,
            }
        }
        summary.writing += started.elapsed();
        progress.position(done as u64 + 1);
    }
    let started = Instant::now();
    if let Output::Sink(sink) = out {
        sink.finish()?;
    }
    summary.writing += started.elapsed();
    Ok(summary)
}

/// The indicators of the catalogue to compute: those asked for, or all.
fn select_indicators<'c>(cat: &'c Catalogue, wanted: &[String]) -> Result<Vec<&'c Indicator>> {
    let indicators: Vec<&Indicator> =
        cat.indicators.iter().filter(|i| wanted.is_empty() || wanted.contains(&i.id)).collect();
    if indicators.is_empty() {
        return Err(EngineError::Usage(format!(
            "no indicator of the catalogue is called {}; the ids are: {}",
            wanted.join(", "),
            cat.indicators.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(indicators)
}

/// The first part of the table `name` (the geography, code-change and lookup tables are one
/// file), at the `path` its `[tables.NAME]` gives, if any.
fn first_part(cat: &Catalogue, source: &dyn TableSource, name: &str) -> Result<TablePart> {
    source
        .parts(name, cat.tables.get(name).and_then(|t| t.path.as_deref()))?
        .into_iter()
        .next()
        .ok_or_else(|| EngineError::Usage(format!("table \"{name}\" has no file")))
}

/// The geography (with its published levels' parent lookups), and the index of small-area codes
/// (with old codes mapped to their areas).
fn read_geography(cat: &Catalogue, source: &dyn TableSource) -> Result<(Geography, FxHashMap<String, u32>)> {
    let table = first_part(cat, source, &cat.geography.table)?.open()?;
    let mut geography = Geography::read(table, &cat.geography, &cat.places, &cat.peer_groups, "catalogue")?;
    for (p, level) in cat.geography.published_levels.iter().enumerate() {
        if let Some(parents) = &level.parents {
            let table = first_part(cat, source, &parents.table)?.open()?;
            geography.published_parents[p] = geography::read_published_parents(table, parents, &level.area_type)?;
        }
    }
    let mut area_index: FxHashMap<String, u32> = geography.index.iter().map(|(k, &v)| (k.clone(), v)).collect();
    if let Some(changes) = &cat.geography.code_changes {
        let table = first_part(cat, source, &changes.table)?.open()?;
        geography::add_code_changes(&mut area_index, table, changes)?;
    }
    Ok((geography, area_index))
}

/// Where an indicator's values come from in a run: its numerator's and denominator's counts
/// (each a table and consumer), or its published source's rows (a portal table and source).
#[derive(Clone, Copy, Debug)]
enum ValuesFrom {
    Counts((usize, usize), (usize, usize)),
    Published((usize, usize)),
}

/// What to read: each table once, with the distinct consumers (numerators and denominators)
/// or published sources on it, and where each indicator's values come from.
struct ReadPlan {
    /// Per data table: its name and distinct consumers.
    consumers: Vec<(String, Vec<SourceSpec>)>,
    /// Per portal table: its name and distinct published sources.
    published: Vec<(String, Vec<PublishedSpec>)>,
    /// Per indicator, in order.
    sources: Vec<ValuesFrom>,
    /// Per indicator, in order: the numerator's consumer of each of its `gap_causes` (empty
    /// without them).
    causes: Vec<Vec<(usize, usize)>>,
    /// Per consumer broken down by a classification read from a column: the consumer of each
    /// category (classification, category) — the same rows filtered to its codes and labels.
    categories: CategoryConsumers,
}

/// Consumer → ((classification, category), the consumer of that category's rows).
type CategoryConsumers = HashMap<(usize, usize), Vec<((usize, usize), (usize, usize))>>;

impl ReadPlan {
    fn new(cat: &Catalogue, indicators: &[&Indicator]) -> ReadPlan {
        fn place<T: Clone + PartialEq>(lists: &mut Vec<(String, Vec<T>)>, table: &str, item: &T) -> (usize, usize) {
            let t = lists.iter().position(|(name, _)| name == table).unwrap_or_else(|| {
                lists.push((table.to_string(), Vec::new()));
                lists.len() - 1
            });
            let list = &mut lists[t].1;
            let c = list.iter().position(|x| x == item).unwrap_or_else(|| {
                list.push(item.clone());
                list.len() - 1
            });
            (t, c)
        }
        let mut plan = ReadPlan {
            consumers: Vec::new(),
            published: Vec::new(),
            sources: Vec::new(),
            causes: Vec::new(),
            categories: HashMap::new(),
        };
        for indicator in indicators {
            let mut causes = Vec::new();
            let from = match &indicator.source {
                IndicatorSource::Counts { numerator, denominator } => {
                    let num = place(&mut plan.consumers, &numerator.table, numerator);
                    let den = place(&mut plan.consumers, &denominator.table, denominator);
                    for cause in indicator.gap_causes.iter().flat_map(|g| g.causes.iter().map(move |c| (g, c))) {
                        let mut spec = numerator.clone();
                        spec.filters.insert(cause.0.column.clone(), vec![cause.1.clone()]);
                        causes.push(place(&mut plan.consumers, &numerator.table, &spec));
                    }
                    for (id, spec) in [(num, numerator), (den, denominator)] {
                        for k in indicator.other_breakdowns.iter().filter_map(|o| match o {
                            OtherBreakdown::Classification(k) => Some(*k),
                            OtherBreakdown::Core20 => None,
                        }) {
                            let Some(column) = cat.tables.get(&spec.table).and_then(|t| {
                                t.categories.iter().find(|c| c.category_type == k).map(|c| c.column.clone())
                            }) else {
                                continue;
                            };
                            for (c, def) in cat.category_types[k].categories().iter().enumerate() {
                                if plan.categories.get(&id).is_some_and(|l| l.iter().any(|x| x.0 == (k, c))) {
                                    continue;
                                }
                                let mut filtered = spec.clone();
                                filtered.filters.insert(column.clone(), def.accepted());
                                let cid = place(&mut plan.consumers, &spec.table, &filtered);
                                plan.categories.entry(id).or_default().push(((k, c), cid));
                            }
                        }
                    }
                    ValuesFrom::Counts(num, den)
                }
                IndicatorSource::Published(p) => ValuesFrom::Published(place(&mut plan.published, &p.table, p)),
            };
            plan.sources.push(from);
            plan.causes.push(causes);
        }
        plan
    }
}

/// The tables read: counts per data table and consumer, published rows per portal table and
/// source, and the rows read.
struct Inputs {
    counts: Vec<Vec<Counts>>,
    published: Vec<Vec<portal::PublishedRows>>,
    rows: u64,
}

/// Reads every table of `plan` once, each consumer's counts by its `units` (per table, per
/// consumer), reporting the bytes read to `progress`.
fn read_inputs(
    cat: &Catalogue,
    source: &dyn TableSource,
    plan: &ReadPlan,
    geography: &Geography,
    area_index: &FxHashMap<String, u32>,
    units: &[Vec<&Units>],
    progress: &dyn Progress,
) -> Result<Inputs> {
    let parts_of = |table: &str| source.parts(table, cat.tables[table].path.as_deref());
    let parts: Vec<Vec<TablePart>> = plan.consumers.iter().map(|(t, _)| parts_of(t)).collect::<Result<_>>()?;
    let published_parts: Vec<Vec<TablePart>> =
        plan.published.iter().map(|(t, _)| parts_of(t)).collect::<Result<_>>()?;
    let total_bytes: u64 = parts.iter().chain(&published_parts).flatten().map(TablePart::bytes).sum();
    progress.stage("reading", total_bytes.max(1));
    let rows = AtomicU64::new(0);
    let mut counts: Vec<Vec<Counts>> = Vec::new();
    let mut bytes_done = 0;
    for (((table, list), table_parts), table_units) in plan.consumers.iter().zip(&parts).zip(units) {
        let mut merged: Option<Vec<Counts>> = None;
        for part in table_parts {
            check_cancelled(progress)?;
            let read = read_table(part, &cat.tables[table], list, area_index, table_units, &rows)?;
            merged = Some(match merged {
                None => read,
                Some(mut m) => {
                    m.iter_mut().zip(read).for_each(|(a, b)| a.merge(b));
                    m
                }
            });
            bytes_done += part.bytes();
            progress.position(bytes_done);
        }
        counts.push(merged.unwrap_or_default());
    }
    let area_map = portal::AreaMap::new(geography, &cat.geography.small_area.area_type);
    let mut published = Vec::new();
    for ((_, list), table_parts) in plan.published.iter().zip(&published_parts) {
        let mut out = vec![portal::PublishedRows::default(); list.len()];
        for part in table_parts {
            check_cancelled(progress)?;
            portal::read_portal(part, list, &area_map, &rows, &mut out)?;
            bytes_done += part.bytes();
            progress.position(bytes_done);
        }
        published.push(out);
    }
    Ok(Inputs { counts, published, rows: rows.load(Ordering::Relaxed) })
}

/// The levels of the geography, places and peer groups, with the counts aggregated on them,
/// cached across indicators.
struct Levels<'g> {
    cat: &'g Catalogue,
    geography: &'g Geography,
    /// Geography levels, then places, then peer groups.
    level_list: Vec<&'g Level>,
    places_index: Option<usize>,
    peers_index: Option<usize>,
    peer_group_of: HashMap<String, usize>,
    /// Counts by (table and consumer, level, slot layout).
    cache: HashMap<((usize, usize), usize, Layout), LevelCounts>,
    /// Each level's areas' deprivation quantiles by breakdown.
    quantile_cache: HashMap<(usize, DeprivationBreakdown), Vec<Vec<u8>>>,
    /// The units of the run: the breakdowns each tells apart (sorted), and the units.
    units: Vec<(Vec<DeprivationBreakdown>, Units)>,
    /// Per consumer (table, consumer): its units, an index into `units`.
    consumer_units: HashMap<(usize, usize), usize>,
    /// Levels over units, by (units, level).
    unit_levels: HashMap<(usize, usize), UnitLevel>,
    /// The members' quantiles of a level over units, by (units, level, breakdown).
    unit_quantiles: HashMap<(usize, usize, DeprivationBreakdown), Vec<Vec<u8>>>,
}

impl<'g> Levels<'g> {
    fn new(cat: &'g Catalogue, geography: &'g Geography) -> Levels<'g> {
        let level_list: Vec<&Level> =
            geography.levels.iter().chain(geography.places.iter()).chain(geography.peer_groups.iter()).collect();
        let places_index = geography.places.as_ref().map(|_| geography.levels.len());
        let peers_index =
            geography.peer_groups.as_ref().map(|_| geography.levels.len() + usize::from(geography.places.is_some()));
        Levels {
            cat,
            geography,
            level_list,
            places_index,
            peers_index,
            peer_group_of: peer_group_membership(cat, geography),
            cache: HashMap::new(),
            quantile_cache: HashMap::new(),
            units: Vec::new(),
            consumer_units: HashMap::new(),
            unit_levels: HashMap::new(),
            unit_quantiles: HashMap::new(),
        }
    }

    /// Chooses the units of every consumer of `plan`: small areas told apart by their areas in
    /// every level the indicators computed from counts need, and by the deprivation quantiles
    /// the consumer's indicators break down by (their breakdown's, and national deciles for
    /// Core20); a category's consumer needs no quantile. With [`Grain::SmallAreas`], every
    /// consumer's units are the small areas.
    fn choose_units(&mut self, indicators: &[&Indicator], plan: &ReadPlan, grain: Grain) {
        let national = DeprivationBreakdown { quantiles: 10, within_area: false };
        let mut levels: Vec<usize> = Vec::new();
        let mut needs: HashMap<(usize, usize), Vec<DeprivationBreakdown>> = HashMap::new();
        for ((indicator, from), causes) in indicators.iter().zip(&plan.sources).zip(&plan.causes) {
            let ValuesFrom::Counts(num_id, den_id) = *from else { continue };
            for l in self.wanted(indicator) {
                if !levels.contains(&l) {
                    levels.push(l);
                }
            }
            let mut breakdowns: Vec<DeprivationBreakdown> = indicator.deprivation.into_iter().collect();
            if indicator.other_breakdowns.contains(&OtherBreakdown::Core20) && !breakdowns.contains(&national) {
                breakdowns.push(national);
            }
            for id in [num_id, den_id].into_iter().chain(causes.iter().copied()) {
                let need = needs.entry(id).or_default();
                for b in &breakdowns {
                    if !need.contains(b) {
                        need.push(*b);
                    }
                }
            }
        }
        levels.sort_unstable();
        let small_areas = self.geography.codes.len();
        for (t, (_, list)) in plan.consumers.iter().enumerate() {
            for c in 0..list.len() {
                let mut need = needs.remove(&(t, c)).unwrap_or_default();
                need.sort_by_key(|b| (b.quantiles, b.within_area));
                if grain == Grain::SmallAreas {
                    need.clear();
                }
                let u = match self.units.iter().position(|(n, _)| *n == need) {
                    Some(u) => u,
                    None => {
                        let units = match grain {
                            Grain::SmallAreas => Units::small_areas(small_areas),
                            Grain::Units => {
                                for &l in &levels {
                                    for &b in &need {
                                        let level = self.level_list[l];
                                        self.quantile_cache
                                            .entry((l, b))
                                            .or_insert_with(|| self.geography.quantiles(b, level));
                                    }
                                }
                                let quantiles: Vec<Vec<&[Vec<u8>]>> = levels
                                    .iter()
                                    .map(|&l| need.iter().map(|&b| self.quantile_cache[&(l, b)].as_slice()).collect())
                                    .collect();
                                let keys: Vec<UnitKey<'_>> = levels
                                    .iter()
                                    .zip(&quantiles)
                                    .map(|(&l, q)| UnitKey { level: self.level_list[l], quantiles: q })
                                    .collect();
                                Units::new(small_areas, &keys)
                            }
                        };
                        self.units.push((need, units));
                        self.units.len() - 1
                    }
                };
                self.consumer_units.insert((t, c), u);
            }
        }
    }

    /// The units of a consumer's counts (every small area for a consumer not chosen for).
    fn units_of(&self, id: (usize, usize)) -> &Units {
        static NONE: std::sync::OnceLock<Units> = std::sync::OnceLock::new();
        match self.consumer_units.get(&id).and_then(|&u| self.units.get(u)) {
            Some((_, units)) => units,
            None => NONE.get_or_init(|| Units::small_areas(0)),
        }
    }

    /// The levels an indicator's rows need: its own, with places, peer groups and parents
    /// for its benchmarks.
    fn wanted(&self, indicator: &Indicator) -> Vec<usize> {
        let mut wanted: Vec<usize> = indicator.levels.clone();
        if indicator.with_places {
            wanted.extend(self.places_index);
        }
        if indicator.benchmark == Benchmark::PeerGroup {
            wanted.extend(self.peers_index);
        }
        if indicator.benchmark == Benchmark::Parent {
            for l in indicator.levels.iter().filter_map(|&l| self.geography.parent_level[l]) {
                if !wanted.contains(&l) {
                    wanted.push(l);
                }
            }
        }
        wanted
    }

    /// The result rows of an indicator computed from counts (`ids`: its numerator's and
    /// denominator's table and consumer; `cause_ids`: its numerator's for each of its
    /// `gap_causes`), with the decomposition of its life expectancy gap when it has causes,
    /// adding the time taken to `summary`.
    fn indicator_rows(
        &mut self,
        indicator: &Indicator,
        (num_id, den_id): ((usize, usize), (usize, usize)),
        cause_ids: &[(usize, usize)],
        categories: &CategoryConsumers,
        counts: &[Vec<Counts>],
        summary: &mut ComputeSummary,
    ) -> Vec<ResultRow> {
        let started = Instant::now();
        let wanted = self.wanted(indicator);
        let layout = breakdowns::layout(indicator, self.cat);
        let breakdown = indicator.deprivation;
        let aggregation = breakdown.unwrap_or(DeprivationBreakdown { quantiles: 10, within_area: false });
        let national = DeprivationBreakdown { quantiles: 10, within_area: false };
        for &l in &wanted {
            let level = self.level_list[l];
            for b in [aggregation, national] {
                self.quantile_cache.entry((l, b)).or_insert_with(|| self.geography.quantiles(b, level));
            }
            // The level over each consumer's units (categories' included), with its quantiles.
            let ids = [num_id, den_id].into_iter().chain(cause_ids.iter().copied());
            let with_categories: Vec<(usize, usize)> =
                ids.clone().chain(ids.flat_map(|id| categories.get(&id).into_iter().flatten().map(|x| x.1))).collect();
            for id in with_categories {
                let g = self.consumer_units.get(&id).copied().unwrap_or_default();
                let Some((_, units)) = self.units.get(g) else { continue };
                let unit_level = self.unit_levels.entry((g, l)).or_insert_with(|| units.level(level));
                for b in [aggregation, national] {
                    self.unit_quantiles
                        .entry((g, l, b))
                        .or_insert_with(|| unit_level.per_unit(&self.quantile_cache[&(l, b)]));
                }
            }
            for &id in [num_id, den_id].iter().chain(cause_ids) {
                let g = self.consumer_units.get(&id).copied().unwrap_or_default();
                let Some(unit_level) = self.unit_levels.get(&(g, l)) else { continue };
                let unit_levels = &self.unit_levels;
                let consumer_units = &self.consumer_units;
                let of_id = categories.get(&id);
                let category_counts = |k: usize, c: usize| {
                    let (_, cid) = of_id.and_then(|list| list.iter().find(|x| x.0 == (k, c)))?;
                    let cg = consumer_units.get(cid).copied().unwrap_or_default();
                    let members = unit_levels.get(&(cg, l))?.level.members.as_slice();
                    Some((&counts[cid.0][cid.1], members))
                };
                let sources = SlotSources {
                    quantiles: &self.unit_quantiles[&(g, l, aggregation)],
                    deciles: &self.unit_quantiles[&(g, l, national)],
                    categories: &category_counts,
                };
                self.cache.entry((id, l, layout.clone())).or_insert_with(|| {
                    LevelCounts::aggregate(&counts[id.0][id.1], &unit_level.level, &layout, &sources)
                });
            }
        }
        summary.aggregating += started.elapsed();
        let started = Instant::now();
        let has_deciles = breakdown.is_some()
            && wanted.iter().any(|&l| self.quantile_cache[&(l, aggregation)].iter().flatten().any(|&d| d > 0));
        let cache = &self.cache;
        let counts_of = |id: (usize, usize), l: usize| &cache[&(id, l, layout.clone())];
        let den_years: Vec<i32> = counts_of(den_id, self.geography.benchmark_level).years.keys().copied().collect();
        let periods = periods(indicator, &den_years);
        let mut values: HashMap<usize, LevelValues> = wanted
            .iter()
            .map(|&l| {
                (
                    l,
                    compute_level(
                        indicator,
                        &layout,
                        counts_of(num_id, l),
                        counts_of(den_id, l),
                        has_deciles,
                        &periods,
                    ),
                )
            })
            .collect();
        // Categories that are not stated keep their count and denominator, not a value.
        let unstated = breakdowns::unstated_slots(&layout, self.cat);
        if unstated.iter().any(|&u| u) {
            let per_slot = indicator.sexes.len() * periods.len();
            for level_values in values.values_mut() {
                for (i, v) in level_values.iter_mut().enumerate() {
                    if let Some(v) = v.as_mut().filter(|_| unstated[(i / per_slot) % layout.len()]) {
                        v.estimate =
                            stats::Estimate::new(None, Vec::new(), v.estimate.statistic.clone(), v.estimate.method);
                        v.note = Some(breakdowns::UNSTATED_NOTE.into());
                    }
                }
            }
        }
        let mut rows = Vec::new();
        for &l in &wanted {
            let benchmark_of =
                benchmarks(indicator, l, &self.level_list, self.geography, self.peers_index, &self.peer_group_of);
            // Quintiles among peers: an area in a peer group is ranked among its group's members.
            let rank_group: Vec<Option<usize>> = benchmark_of
                .iter()
                .map(|b| b.filter(|&(bl, _)| Some(bl) == self.peers_index && l != bl).map(|(_, g)| g))
                .collect();
            let context = LevelContext {
                catalogue: self.cat,
                indicator,
                level: self.level_list[l],
                is_benchmark: l == self.geography.benchmark_level,
                level_list: &self.level_list,
                benchmark_of,
                rank_group,
                values: &values,
                periods: &periods,
                counts: Some((counts_of(num_id, l), counts_of(den_id, l))),
                layout: &layout,
                settings: (self.cat.settings.sii_repetitions, self.cat.settings.seed),
                sii_all_periods: self.cat.settings.sii_all_periods,
                independent_periods: indicator.period.independent(),
            };
            rows.extend(summarise_level(&context, &values[&l]));
            if let (Some(causes), true) = (&indicator.gap_causes, has_deciles) {
                rows.extend(decomposition::level_rows(&decomposition::DecompositionInput {
                    catalogue: self.cat,
                    indicator,
                    causes,
                    level: self.level_list[l],
                    values: &values[&l],
                    slots: layout.len(),
                    periods: &periods,
                    deaths: counts_of(num_id, l),
                    population: counts_of(den_id, l),
                    by_cause: cause_ids.iter().map(|&id| counts_of(id, l)).collect(),
                    all_periods: self.cat.settings.sii_all_periods,
                    breakdown: aggregation,
                }));
            }
        }
        summary.statistics += started.elapsed();
        rows
    }
}

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod breakdown_tests;
