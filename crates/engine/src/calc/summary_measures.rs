//! `fairer calc summary-measures`: the summary measures of health inequality of WHO's Health
//! Equity Assessment Toolkit ([`stats::inequality`]), one row per dimension × measure.
//!
//! Each group of rows (by `--group-by`) is one dimension of inequality of one indicator in one
//! setting and period, one row per subgroup: its estimate, standard error (or 95% limits),
//! population, order and reference flag. The dimension's kind, whether the indicator is
//! favourable, its scale and the setting average are given once for every dimension or read
//! from columns, per group (they must then be the same on every row of a group).
//!
//! ## The HEAT Plus upload template
//!
//! A file in HEAT Plus's upload template (columns `setting`, `date`, `source`,
//! `indicator_abbr`, `indicator_name`, `dimension`, `subgroup`, `estimate`, `se`, `ci_lb`,
//! `ci_ub`, `population`, `flag`, `setting_average`, `iso3`, `favourable_indicator`,
//! `indicator_scale`, `ordered_dimension`, `subgroup_order`, `reference_subgroup`; see
//! [`template`]) is read as it is: with `--heat-template`, or when the file has the template's
//! `subgroup`, `estimate`, `favourable_indicator`, `indicator_scale` and `ordered_dimension`
//! columns, every column option not given defaults to the template's column, and the groups
//! default to HEAT's strata: setting, date (or year, as HEAT-Measures names it), source,
//! indicator_abbr and dimension. `ordered_dimension` 1 is an ordered dimension, 0 a
//! non-ordered one; `favourable_indicator` 1 favourable, 0 adverse; `reference_subgroup` 1 marks
//! the reference subgroup (missing is 0), as HEAT-Measures' `utils.R` reads them.
//!
//! ## Output
//!
//! Group columns, then `measure` (HEAT's abbreviation: D, R, PAR, …; D8020, R8020, D9010 and
//! R9010 for Fairer's percentile measures of non-ordered dimensions of at least
//! [`PERCENTILE_MIN_SUBGROUPS`] subgroups, which HEAT does not have), `measure_name`, `value`,
//! `se`, the limits (`lowercl`, `uppercl`, or `lower95_0cl`, … for two levels), `confidence`,
//! `method` (how the interval is computed: analytic, delta, regression or simulation) and
//! `unavailable` (why a measure has no value, as HEAT's availability rules say). Measures that do
//! not apply to the kind of dimension (ACI on a non-ordered one, BGV on two subgroups) are left
//! out unless `all_measures` is set.
//!
//! Rows that are wrong (a negative SE or population, a lower limit above the upper, a subgroup
//! twice in a group, a flag that is not 0 or 1, per-dimension values that differ within a
//! group) are errors naming the file, row and column: the checks of
//! [`SummaryMeasures`], which SQL `inequality` makes too. Dimensions that are incomplete (one
//! subgroup, missing populations) are not errors: their measures are unavailable, with the
//! reason, and a warning names the group.

use rayon::prelude::*;
use stats::confidence::confidence_label;
use stats::inequality::{
    summary_measures_of, DimensionKind, MeasureCode, PopulationUnit, SummaryMeasure, SummaryOptions,
    PERCENTILE_MIN_SUBGROUPS,
};

use super::accumulator::{Accumulator, KindInput, Refusal, SubgroupOrder, SummaryMeasures, SummaryMeasuresRow};
use super::groups::{key_label, request, Groups};
use super::table::{limit_column_names, refused, refused_in_row, CommonOptions, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::{Chunk, InputTable};
use crate::output::{LabelColumn, OutputColumn, OutputTable, TableWriter};
use crate::progress::Progress;

/// The column names of HEAT Plus's upload template (HEAT Plus user manual, "Preparing
/// database for upload"; HEAT-Measures `utils.R` and `HEAT_strata_variables`).
pub mod template {
    /// Setting (country, region, local authority).
    pub const SETTING: &str = "setting";
    /// Date (year) of the data, in HEAT Plus's current template.
    pub const DATE: &str = "date";
    /// Year, as earlier templates and HEAT-Measures' strata name the date.
    pub const YEAR: &str = "year";
    /// Data source.
    pub const SOURCE: &str = "source";
    /// Indicator abbreviation.
    pub const INDICATOR: &str = "indicator_abbr";
    /// Dimension of inequality.
    pub const DIMENSION: &str = "dimension";
    /// Subgroup name.
    pub const SUBGROUP: &str = "subgroup";
    /// Subgroup estimate.
    pub const ESTIMATE: &str = "estimate";
    /// Standard error of the estimate.
    pub const SE: &str = "se";
    /// Lower limit of the 95% confidence interval.
    pub const CI_LB: &str = "ci_lb";
    /// Upper limit of the 95% confidence interval.
    pub const CI_UB: &str = "ci_ub";
    /// Subgroup population.
    pub const POPULATION: &str = "population";
    /// Setting average of the indicator.
    pub const SETTING_AVERAGE: &str = "setting_average";
    /// 1 for a favourable indicator, 0 for an adverse one.
    pub const FAVOURABLE: &str = "favourable_indicator";
    /// Indicator scale (100 for percentages, 1000 for rates per 1,000).
    pub const SCALE: &str = "indicator_scale";
    /// 1 for an ordered dimension, 0 for a non-ordered one.
    pub const ORDERED: &str = "ordered_dimension";
    /// Order of the subgroup (1 the most disadvantaged) in an ordered dimension.
    pub const ORDER: &str = "subgroup_order";
    /// 1 for the reference subgroup, 0 (or missing) otherwise.
    pub const REFERENCE: &str = "reference_subgroup";
    /// The columns whose presence marks a file as being in the template.
    pub const MARKERS: [&str; 5] = [SUBGROUP, ESTIMATE, FAVOURABLE, SCALE, ORDERED];
    /// The groups HEAT computes the measures in (its strata), in output order; `date` or
    /// `year`, whichever the file has.
    pub const STRATA: [&str; 5] = [SETTING, DATE, SOURCE, INDICATOR, DIMENSION];
}

/// A per-dimension setting: one value for every dimension, or a column read for each group.
#[derive(Clone, Debug, PartialEq)]
pub enum Setting<T> {
    /// The same for every dimension.
    Value(T),
    /// Read from this column; it must hold the same value on every row of a group.
    Column(String),
}

/// Whether to read the input as a HEAT Plus upload template.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TemplateMode {
    /// When the file has the template's marker columns ([`template::MARKERS`]).
    #[default]
    Auto,
    /// Always: the template's columns must be there for what is not given.
    On,
    /// Never: every column is named by an option.
    Off,
}

/// Options of `calc summary-measures`. Column options left `None` default to the HEAT Plus
/// template's columns when the template is in use.
#[derive(Clone, Debug)]
pub struct SummaryMeasuresOptions {
    /// Subgroup name column (`--subgroup`).
    pub subgroup: Option<String>,
    /// Estimate column (`--estimate`).
    pub estimate: Option<String>,
    /// Standard error column (`--se`).
    pub se: Option<String>,
    /// Lower 95% limit column (`--lower-cl`), for the SE when it is missing.
    pub lower_cl: Option<String>,
    /// Upper 95% limit column (`--upper-cl`).
    pub upper_cl: Option<String>,
    /// Population column (`--population`); without it, measures that need populations are
    /// unavailable.
    pub population: Option<String>,
    /// Subgroup order column (`--order`), 1 the most disadvantaged.
    pub order: Option<String>,
    /// Reference subgroup flag column (`--reference-subgroup`): 1 marks the reference.
    pub reference_subgroup: Option<String>,
    /// Setting average column (`--setting-average`).
    pub setting_average: Option<String>,
    /// Kind of dimension (`--dimension-kind` or `--dimension-kind-column`).
    pub kind: Option<Setting<DimensionKind>>,
    /// Whether the indicator is favourable (`--favourable`/`--adverse` or `--favourable-column`).
    pub favourable: Option<Setting<bool>>,
    /// Indicator scale (`--scale` or `--scale-column`).
    pub scale: Option<Setting<f64>>,
    /// Whether populations are counts or shares (`--population-shares`).
    pub population_unit: PopulationUnit,
    /// Only these measures (`--measures`); all when empty.
    pub measures: Vec<MeasureCode>,
    /// Also write measures that do not apply to the kind of dimension (`--all-measures`);
    /// measures named in `measures` are always written.
    pub all_measures: bool,
    /// Simulated draws for the simulation intervals (`--draws`, HEAT: 100).
    pub draws: usize,
    /// Seed of the simulation (`--seed`, HEAT: 123456).
    pub seed: u32,
    /// Whether the input is a HEAT Plus template.
    pub heat_template: TemplateMode,
    /// Confidence and grouping.
    pub common: CommonOptions,
}

impl Default for SummaryMeasuresOptions {
    fn default() -> Self {
        let heat = SummaryOptions::default();
        SummaryMeasuresOptions {
            subgroup: None,
            estimate: None,
            se: None,
            lower_cl: None,
            upper_cl: None,
            population: None,
            order: None,
            reference_subgroup: None,
            setting_average: None,
            kind: None,
            favourable: None,
            scale: None,
            population_unit: PopulationUnit::Count,
            measures: Vec::new(),
            all_measures: false,
            draws: heat.simulation_draws,
            seed: heat.seed,
            heat_template: TemplateMode::Auto,
            common: CommonOptions::default(),
        }
    }
}

/// Parses a kind of dimension as the command line and a kind column write it: `binary`,
/// `ordered`, `non-ordered` (or `nonordered`, `non_ordered`, `unordered`), or HEAT's
/// `ordered_dimension` values 1 (ordered) and 0 (non-ordered).
pub fn parse_dimension_kind(text: &str) -> Option<DimensionKind> {
    // The values as HEAT's template and the command line write them, without allocating.
    match text {
        "1" | "ordered" => return Some(DimensionKind::Ordered),
        "0" | "non-ordered" => return Some(DimensionKind::NonOrdered),
        "binary" => return Some(DimensionKind::Binary),
        _ => {}
    }
    match text.trim().to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
        "binary" => Some(DimensionKind::Binary),
        "ordered" | "1" | "1.0" => Some(DimensionKind::Ordered),
        "non-ordered" | "nonordered" | "unordered" | "0" | "0.0" => Some(DimensionKind::NonOrdered),
        _ => None,
    }
}

/// Whether a file with these columns is in the HEAT Plus template ([`template::MARKERS`]).
pub fn is_heat_template(headers: &[String]) -> bool {
    template::MARKERS.iter().all(|m| headers.iter().any(|h| h == m))
}

/// The options with every column resolved against the file's header.
#[derive(Debug, PartialEq)]
struct Resolved {
    subgroup: String,
    estimate: String,
    se: Option<String>,
    lower_cl: Option<String>,
    upper_cl: Option<String>,
    population: Option<String>,
    order: Option<String>,
    reference: Option<String>,
    setting_average: Option<String>,
    kind: Setting<DimensionKind>,
    favourable: Setting<bool>,
    scale: Setting<f64>,
    group_by: Vec<String>,
}

fn resolve(o: &SummaryMeasuresOptions, headers: &[String]) -> Result<Resolved> {
    let heat = match o.heat_template {
        TemplateMode::On => true,
        TemplateMode::Off => false,
        TemplateMode::Auto => is_heat_template(headers),
    };
    let has = |c: &str| headers.iter().any(|h| h == c);
    // A template column: required ones must exist under --heat-template (the request then
    // reports them missing); optional ones are used only when the file has them.
    let pick = |given: &Option<String>, column: &str, required: bool| -> Option<String> {
        given.clone().or_else(|| (heat && (required || has(column))).then(|| column.to_string()))
    };
    let needs = |what: &str, option: &str, column: &str| {
        EngineError::Usage(format!(
            "the summary measures need {what}: give {option}, or a HEAT Plus template file whose column \"{column}\" has it"
        ))
    };
    let subgroup = pick(&o.subgroup, template::SUBGROUP, true)
        .ok_or_else(|| needs("the subgroup names", "the subgroup column", template::SUBGROUP))?;
    let estimate = pick(&o.estimate, template::ESTIMATE, true)
        .ok_or_else(|| needs("the estimates", "the estimate column", template::ESTIMATE))?;
    let kind = match &o.kind {
        Some(k) => k.clone(),
        None if heat => Setting::Column(template::ORDERED.to_string()),
        None => {
            return Err(needs(
                "the kind of dimension",
                "the kind of dimension (binary, ordered or non-ordered) or the dimension kind column",
                template::ORDERED,
            ))
        }
    };
    let favourable = match &o.favourable {
        Some(f) => f.clone(),
        None if heat => Setting::Column(template::FAVOURABLE.to_string()),
        None => {
            return Err(needs(
                "whether a higher value is better",
                "whether the indicator is favourable or adverse, or the favourable column",
                template::FAVOURABLE,
            ))
        }
    };
    let scale =
        match &o.scale {
            Some(s) => s.clone(),
            None if heat => Setting::Column(template::SCALE.to_string()),
            None => return Err(needs(
                "the indicator scale",
                "the indicator scale (100 for percentages, 1000 for rates per 1,000, 1 for proportions) or the scale column",
                template::SCALE,
            )),
        };
    let group_by = if o.common.group_by.is_empty() && heat {
        template::STRATA
            .iter()
            .map(|&c| if c == template::DATE && !has(c) && has(template::YEAR) { template::YEAR } else { c })
            .filter(|c| has(c))
            .map(str::to_string)
            .collect()
    } else {
        o.common.group_by.clone()
    };
    let resolved = Resolved {
        subgroup,
        estimate,
        se: pick(&o.se, template::SE, false),
        lower_cl: pick(&o.lower_cl, template::CI_LB, false),
        upper_cl: pick(&o.upper_cl, template::CI_UB, false),
        population: pick(&o.population, template::POPULATION, false),
        order: pick(&o.order, template::ORDER, false),
        reference: pick(&o.reference_subgroup, template::REFERENCE, false),
        setting_average: pick(&o.setting_average, template::SETTING_AVERAGE, false),
        kind,
        favourable,
        scale,
        group_by,
    };
    if resolved.lower_cl.is_some() != resolved.upper_cl.is_some() {
        return Err(EngineError::Usage(
            "the lower limit column and the upper limit column go together: give both or neither".into(),
        ));
    }
    if resolved.kind == Setting::Value(DimensionKind::Ordered) && resolved.order.is_none() {
        return Err(EngineError::Usage(
            "an ordered dimension needs each subgroup's order: give the order column (1 the most disadvantaged)".into(),
        ));
    }
    if resolved.se.is_none() && resolved.lower_cl.is_none() {
        return Err(EngineError::Usage(
            "the summary measures need standard errors for the intervals: give the standard error column, or the lower limit column and the upper limit column (95% limits)".into(),
        ));
    }
    Ok(resolved)
}

/// Where each requested column is in a chunk.
#[derive(Default)]
struct Slots {
    estimate: usize,
    se: Option<usize>,
    lower: Option<usize>,
    upper: Option<usize>,
    population: Option<usize>,
    order: Option<usize>,
    reference: Option<usize>,
    setting_average: Option<usize>,
    favourable: Option<usize>,
    scale: Option<usize>,
    subgroup: usize,
    kind: Option<usize>,
    /// How many subgroups the dimension of the last row read had.
    subgroups_hint: std::cell::Cell<usize>,
}

/// Whether HEAT computes `measure` for a dimension of `n` subgroups of kind `kind`
/// (`HEAT_summary_measures_types`): D, R, PAR and PAF for every dimension; ACI, RCI, SII and
/// RII for ordered dimensions of more than two subgroups; the others for non-ordered ones of
/// more than two (so for a binary dimension, D, R, PAR and PAF only). Fairer's percentile
/// measures (D8020, R8020, D9010, R9010) apply to non-ordered dimensions of at least
/// [`PERCENTILE_MIN_SUBGROUPS`] subgroups.
pub fn applies(measure: MeasureCode, kind: DimensionKind, n: usize) -> bool {
    use MeasureCode::*;
    match measure {
        D | R | Par | Paf => true,
        D8020 | R8020 | D9010 | R9010 => kind == DimensionKind::NonOrdered && n >= PERCENTILE_MIN_SUBGROUPS,
        Aci | Rci | Sii | Rii => kind == DimensionKind::Ordered && n != 2,
        _ => kind == DimensionKind::NonOrdered && n != 2,
    }
}

/// Computes the summary measures of every group.
///
/// # Errors
/// Options that are missing or do not fit the file, a missing column, a cell that is not a
/// number, an invalid row (negative SE or population, lower limit above upper, a flag other
/// than 0 or 1, a subgroup twice in a group, per-dimension values that differ within a group),
/// each with its file, row and column; a dimension the method refuses (two reference
/// subgroups, an ordered dimension without every subgroup's order), with its group.
pub fn run(
    o: &SummaryMeasuresOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    if o.draws < 2 {
        return Err(EngineError::Usage(format!(
            "the number of draws must be at least 2 (HEAT uses 100), got {}",
            o.draws
        )));
    }
    if let Some(Setting::Value(s)) = &o.scale {
        stats::error::positive("the indicator scale", *s).map_err(|e| EngineError::Usage(e.to_string()))?;
    }
    let r = resolve(o, table.headers())?;
    let favourable_column = match &r.favourable {
        Setting::Column(c) => Some(c.as_str()),
        Setting::Value(_) => None,
    };
    let scale_column = match &r.scale {
        Setting::Column(c) => Some(c.as_str()),
        Setting::Value(_) => None,
    };
    let mut numbers: Vec<(&str, &str)> = vec![(r.estimate.as_str(), "the estimate column")];
    fn push<'a>(
        numbers: &mut Vec<(&'a str, &'static str)>,
        column: Option<&'a str>,
        role: &'static str,
    ) -> Option<usize> {
        column.map(|c| {
            numbers.push((c, role));
            numbers.len() - 1
        })
    }
    let mut slots = Slots {
        se: push(&mut numbers, r.se.as_deref(), "the standard error column"),
        lower: push(&mut numbers, r.lower_cl.as_deref(), "the lower limit column"),
        upper: push(&mut numbers, r.upper_cl.as_deref(), "the upper limit column"),
        population: push(&mut numbers, r.population.as_deref(), "the population column"),
        order: push(&mut numbers, r.order.as_deref(), "the order column"),
        reference: push(&mut numbers, r.reference.as_deref(), "the reference subgroup column"),
        setting_average: push(&mut numbers, r.setting_average.as_deref(), "the setting average column"),
        favourable: push(&mut numbers, favourable_column, "the favourable column"),
        scale: push(&mut numbers, scale_column, "the scale column"),
        ..Slots::default()
    };
    let mut texts: Vec<(&str, &str)> = vec![(&r.subgroup, "the subgroup column")];
    slots.subgroup = r.group_by.len();
    if let Setting::Column(c) = &r.kind {
        texts.push((c, "the dimension kind column"));
        slots.kind = Some(r.group_by.len() + 1);
    }
    let cols = request(table, &numbers, &r.group_by, &texts)?;
    let mut reader = cols.reader;
    let mut groups: Groups<SummaryMeasures> = Groups::new(&r.group_by);
    let empty = SummaryMeasures::new(SubgroupOrder::AsAdded, o.population_unit).check_numbers();
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let row_no = chunk.first_row + row as u64;
            let dim = groups.entry(&chunk, &cols.key_slots, row, || {
                // Most dimensions have as many subgroups as the one before (ten deciles, five
                // quintiles): room for as many as the last row's dimension had.
                let mut dim = empty.clone();
                dim.reserve(slots.subgroups_hint.get().max(2));
                dim
            });
            read_row(&r, &slots, &chunk, row, row_no, &file, dim)?;
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let mut sorted = groups.into_sorted();
    let total = sorted.len() as u64;
    progress.stage("groups", total);
    let done = std::sync::atomic::AtomicU64::new(0);
    let levels = o.common.confidence.len();
    // Groups are computed in parallel, a run of them per task, each task laying its rows out
    // as an output block; a batch of tasks at a time, whose blocks are written in group order
    // (their CSV laid out in parallel too) before the next batch is computed.
    if sorted.is_empty() {
        // No group: the header alone.
        writer.write(&MeasureColumns::new(levels).into_table(o, &r.group_by, std::iter::empty()))?;
    }
    for batch in sorted.chunks_mut(GROUPS_PER_TASK * TASKS_PER_BATCH) {
        let blocks: Vec<Result<(OutputTable, Vec<String>)>> = batch
            .par_chunks_mut(GROUPS_PER_TASK)
            .map(|chunk| {
                let mut columns = MeasureColumns::new(levels);
                let mut warnings = Vec::new();
                for (i, (key, dim)) in chunk.iter_mut().enumerate() {
                    let measures = compute(o, dim).map_err(|refusal| {
                        let at = Location { file: file.clone(), row: None, column: None };
                        refused(refusal, at, Some(key_label(&r.group_by, key)))
                    })?;
                    if let Some(first) = measures.first() {
                        if measures.iter().all(|m| m.value().is_none()) {
                            let why = first.unavailable.as_deref().unwrap_or_default();
                            warnings.push(format!(
                                "{}: no summary measure is available ({why})",
                                key_label(&r.group_by, key)
                            ));
                        }
                    }
                    columns.push_group(u32::try_from(i).ok(), measures);
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    if n.is_multiple_of(1024) || n == total {
                        progress.position(n);
                    }
                }
                Ok((columns.into_table(o, &r.group_by, chunk.iter().map(|(key, _)| key)), warnings))
            })
            .collect();
        let mut tables = Vec::with_capacity(blocks.len());
        for block in blocks {
            let (table, warnings) = block?;
            summary.warnings.extend(warnings);
            tables.push(table);
        }
        writer.write_blocks(&tables)?;
    }
    Ok(summary)
}

/// Tasks computed in parallel before their blocks are written.
const TASKS_PER_BATCH: usize = 64;

/// Groups computed by one parallel task.
const GROUPS_PER_TASK: usize = 64;

/// Output rows (one per dimension × measure) as columns.
struct MeasureColumns {
    /// The group of each row (its index among the block's groups).
    group: Vec<Option<u32>>,
    /// The measure, as its index in [`MeasureCode::ALL`].
    measure: Vec<Option<u32>>,
    value: Vec<Option<f64>>,
    se: Vec<Option<f64>>,
    /// Lower and upper limits at each confidence level in turn (2 columns per level).
    limits: Vec<Vec<Option<f64>>>,
    unavailable: Vec<Option<String>>,
}

impl MeasureColumns {
    fn new(levels: usize) -> Self {
        MeasureColumns {
            group: Vec::new(),
            measure: Vec::new(),
            value: Vec::new(),
            se: Vec::new(),
            limits: vec![Vec::new(); 2 * levels],
            unavailable: Vec::new(),
        }
    }

    /// Appends the rows of one group: its measures at each confidence level in turn (the
    /// measures of the first level, then the same measures at the next, …).
    fn push_group(&mut self, group: Option<u32>, measures: Vec<SummaryMeasure>) {
        let levels = self.limits.len() / 2;
        let per_level = measures.len() / levels.max(1);
        for (i, m) in measures.into_iter().enumerate() {
            let level = i / per_level.max(1);
            if let Some([lower, upper]) = self.limits.get_mut(2 * level..2 * level + 2) {
                lower.push(m.lower());
                upper.push(m.upper());
            }
            if level == 0 {
                self.group.push(group);
                self.measure
                    .push(MeasureCode::ALL.iter().position(|&c| c == m.measure).and_then(|i| u32::try_from(i).ok()));
                self.value.push(m.value());
                self.se.push(m.se);
                self.unavailable.push(m.unavailable);
            }
        }
    }

    /// The output block of these rows, the groups' keys being `keys` in the order of the
    /// rows' group indices. Repeated texts (group keys, measure names, methods, reasons) are
    /// dictionary columns: each distinct text held once.
    fn into_table<'a>(
        self,
        o: &SummaryMeasuresOptions,
        group_by: &[String],
        keys: impl Iterator<Item = &'a Vec<String>>,
    ) -> OutputTable {
        let keys: Vec<&Vec<String>> = keys.collect();
        let mut out = OutputTable::default();
        for (j, name) in group_by.iter().enumerate() {
            let values = keys.iter().map(|key| key.get(j).cloned().unwrap_or_default()).collect();
            out.push(name.clone(), OutputColumn::Labels(LabelColumn::from_parts(values, self.group.clone())));
        }
        let measure_labels = |label: fn(MeasureCode) -> String| {
            LabelColumn::from_parts(MeasureCode::ALL.iter().map(|&m| label(m)).collect(), self.measure.clone())
        };
        out.push("measure", OutputColumn::Labels(measure_labels(|m| m.code().to_ascii_uppercase())));
        out.push("measure_name", OutputColumn::Labels(measure_labels(|m| m.name().to_string())));
        // The interval's method is the measure's own.
        let method = measure_labels(|m| m.interval_method().to_string());
        out.push("value", OutputColumn::Number(self.value));
        out.push("se", OutputColumn::Number(self.se));
        let mut limits = self.limits.into_iter();
        for (lower, upper) in limit_column_names(&o.common.confidence, "") {
            out.push(lower, OutputColumn::Number(limits.next().unwrap_or_default()));
            out.push(upper, OutputColumn::Number(limits.next().unwrap_or_default()));
        }
        let label = confidence_label(&o.common.confidence);
        out.push(
            "confidence",
            OutputColumn::Labels(LabelColumn::from_parts(vec![label], vec![Some(0); self.measure.len()])),
        );
        out.push("method", OutputColumn::Labels(method));
        out.push("unavailable", dictionary(self.unavailable.iter().map(Option::as_deref)));
        out
    }
}

/// A dictionary column of texts: each distinct text held once, in order of first appearance.
fn dictionary<'a>(texts: impl Iterator<Item = Option<&'a str>>) -> OutputColumn {
    let mut values: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<&'a str, u32> = std::collections::HashMap::new();
    let codes = texts
        .map(|t| {
            t.and_then(|t| match index.get(t) {
                Some(&c) => Some(c),
                None => {
                    let c = u32::try_from(values.len()).ok()?;
                    values.push(t.to_string());
                    index.insert(t, c);
                    Some(c)
                }
            })
        })
        .collect();
    OutputColumn::Labels(LabelColumn::from_parts(values, codes))
}

/// Reads one input row into its dimension.
fn read_row(
    r: &Resolved,
    s: &Slots,
    chunk: &Chunk,
    row: usize,
    row_no: u64,
    file: &str,
    dim: &mut SummaryMeasures,
) -> Result<()> {
    let number = |slot: Option<usize>| slot.and_then(|i| chunk.numbers[i][row]);
    let setting = |setting: &Setting<f64>, slot: Option<usize>| match setting {
        Setting::Value(v) => Some(*v),
        Setting::Column(_) => number(slot),
    };
    let favourable = match &r.favourable {
        Setting::Value(f) => Some(if *f { 1.0 } else { 0.0 }),
        Setting::Column(_) => number(s.favourable),
    };
    let kind = match &r.kind {
        Setting::Value(k) => KindInput::Given(*k),
        Setting::Column(_) => KindInput::Text(s.kind.and_then(|i| chunk.text(i, row)).unwrap_or_default()),
    };
    let subgroup = SummaryMeasuresRow {
        subgroup: Some(chunk.text(s.subgroup, row).unwrap_or_default()),
        estimate: chunk.numbers[s.estimate][row],
        se: number(s.se),
        lower_95: number(s.lower),
        upper_95: number(s.upper),
        population: number(s.population),
        order: number(s.order),
        reference: number(s.reference),
        setting_average: number(s.setting_average),
        kind,
        favourable,
        scale: setting(&r.scale, s.scale),
        measure: None,
    };
    dim.update(subgroup).map_err(|refusal| {
        refused_in_row(refusal, file, row_no, |input| {
            let column = match input {
                "subgroup" => Some(&r.subgroup),
                "estimate" => Some(&r.estimate),
                "standard error" => r.se.as_ref(),
                "lower 95% limit" => r.lower_cl.as_ref(),
                "upper 95% limit" => r.upper_cl.as_ref(),
                "population" => r.population.as_ref(),
                "subgroup order" => r.order.as_ref(),
                "reference flag" => r.reference.as_ref(),
                "setting average" => r.setting_average.as_ref(),
                "favourable flag" => column_of(&r.favourable),
                "indicator scale" => column_of(&r.scale),
                _ => column_of(&r.kind),
            };
            column.cloned().unwrap_or_default()
        })
    })?;
    s.subgroups_hint.set(dim.len());
    Ok(())
}

/// The column a per-dimension setting is read from.
fn column_of<T>(setting: &Setting<T>) -> Option<&String> {
    match setting {
        Setting::Column(c) => Some(c),
        Setting::Value(_) => None,
    }
}

/// The measures of one dimension at every confidence level in turn: the measures written, at
/// the first level, then the same measures at the next, ….
fn compute(o: &SummaryMeasuresOptions, dim: &mut SummaryMeasures) -> std::result::Result<Vec<SummaryMeasure>, Refusal> {
    // The subgroups are lent, not copied: they stay the dimension's, to be freed by the thread
    // that made them (a block freed by another thread waits on the allocator's lock).
    dim.with_input(|input| -> std::result::Result<Vec<SummaryMeasure>, stats::StatsError> {
        // Only the measures written are computed, in HEAT's order.
        let wanted: Vec<MeasureCode> = MeasureCode::ALL
            .into_iter()
            .filter(|&m| {
                if o.measures.is_empty() {
                    o.all_measures || applies(m, input.kind, input.subgroups.len())
                } else {
                    o.measures.contains(&m)
                }
            })
            .collect();
        let mut all = Vec::with_capacity(wanted.len() * o.common.confidence.len());
        for &level in &o.common.confidence {
            let options = SummaryOptions { confidence: level, simulation_draws: o.draws, seed: o.seed };
            all.extend(summary_measures_of(input, &options, &wanted)?);
        }
        Ok(all)
    })?
    .map_err(Refusal::Group)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    const TEMPLATE: [&str; 20] = [
        "setting",
        "date",
        "source",
        "indicator_abbr",
        "indicator_name",
        "dimension",
        "subgroup",
        "estimate",
        "se",
        "ci_lb",
        "ci_ub",
        "population",
        "flag",
        "setting_average",
        "iso3",
        "favourable_indicator",
        "indicator_scale",
        "ordered_dimension",
        "subgroup_order",
        "reference_subgroup",
    ];

    #[test]
    fn template_is_detected_and_defaults_every_column() {
        let h = headers(&TEMPLATE);
        assert!(is_heat_template(&h));
        let r = resolve(&SummaryMeasuresOptions::default(), &h).unwrap();
        assert_eq!(r.group_by, vec!["setting", "date", "source", "indicator_abbr", "dimension"]);
        assert_eq!(r.estimate, "estimate");
        assert_eq!(r.se.as_deref(), Some("se"));
        assert_eq!(r.lower_cl.as_deref(), Some("ci_lb"));
        assert_eq!(r.reference.as_deref(), Some("reference_subgroup"));
        assert_eq!(r.kind, Setting::Column("ordered_dimension".into()));
        assert_eq!(r.scale, Setting::Column("indicator_scale".into()));
    }

    #[test]
    fn year_stands_for_date_and_options_win() {
        let mut names = TEMPLATE.to_vec();
        names[1] = "year";
        let o = SummaryMeasuresOptions {
            se: Some("my_se".into()),
            scale: Some(Setting::Value(100.0)),
            ..Default::default()
        };
        let r = resolve(&o, &headers(&names)).unwrap();
        assert_eq!(r.group_by[1], "year");
        assert_eq!(r.se.as_deref(), Some("my_se"));
        assert_eq!(r.scale, Setting::Value(100.0));
    }

    #[test]
    fn without_the_template_options_are_required() {
        let h = headers(&["area", "decile", "value", "se"]);
        let e = resolve(&SummaryMeasuresOptions::default(), &h).unwrap_err().to_string();
        assert!(e.contains("the subgroup column"), "{e}");
        let o = SummaryMeasuresOptions {
            subgroup: Some("decile".into()),
            estimate: Some("value".into()),
            se: Some("se".into()),
            kind: Some(Setting::Value(DimensionKind::Ordered)),
            favourable: Some(Setting::Value(false)),
            ..Default::default()
        };
        assert!(resolve(&o, &h).unwrap_err().to_string().contains("the indicator scale"));
    }

    #[test]
    fn kinds_parse_as_written() {
        assert_eq!(parse_dimension_kind("1"), Some(DimensionKind::Ordered));
        assert_eq!(parse_dimension_kind("Non-ordered"), Some(DimensionKind::NonOrdered));
        assert_eq!(parse_dimension_kind("non_ordered"), Some(DimensionKind::NonOrdered));
        assert_eq!(parse_dimension_kind("binary"), Some(DimensionKind::Binary));
        assert_eq!(parse_dimension_kind("2"), None);
    }
}
