//! The methods of [`stats`] applied to tables: `fairer calc METHOD INPUT --output OUTPUT`.
//!
//! Each method lives in its own module with its options, the columns it reads and the columns
//! it writes; [`CalcMethod`] registers them by the names the command line uses, and [`run`]
//! dispatches. Output columns follow the reference R package PHEindicatormethods: group
//! columns first, then the method's own (e.g. `total_count`, `total_pop`), then `value`, the
//! limits (`lowercl`, `uppercl` for one confidence level; `lower95_0cl`, `upper95_0cl`,
//! `lower99_8cl`, `upper99_8cl` for two), `confidence`, `statistic` and `method`.

pub mod arriaga;
pub mod dsr;
pub mod excess_deaths;
pub mod funnel;
pub mod groups;
pub mod isr;
pub mod life_expectancy;
pub mod mean;
pub mod numerator_denominator;
pub mod proportion;
pub mod quantile;
pub mod rate;
pub mod sii;
pub mod summary_measures;

use stats::confidence::confidence_label;
use stats::{ConfidenceLevel, Estimate};

use crate::error::Result;
use crate::input::InputTable;
use crate::output::{LabelColumn, OutputColumn, OutputTable, TableWriter};

/// Options every method shares.
#[derive(Clone, Debug)]
pub struct CommonOptions {
    /// Confidence levels: one, or 0.95 and 0.998 (see [`stats::confidence::confidence_levels`]).
    pub confidence: Vec<ConfidenceLevel>,
    /// Columns whose distinct values form the groups, in output order.
    pub group_by: Vec<String>,
}

impl Default for CommonOptions {
    fn default() -> Self {
        CommonOptions { confidence: vec![ConfidenceLevel::C95], group_by: Vec::new() }
    }
}

/// A method and its options, as the command line names them.
#[derive(Clone, Debug)]
pub enum CalcMethod {
    /// `proportion`: Wilson score limits.
    Proportion(proportion::ProportionOptions),
    /// `rate`: crude rate, exact / Byar's limits.
    Rate(rate::RateOptions),
    /// `mean`: Student's t limits.
    Mean(mean::MeanOptions),
    /// `dsr`: directly standardised rate, Dobson limits.
    Dsr(dsr::DsrOptions),
    /// `isratio` and `israte`: indirectly standardised ratio or rate.
    Isr(isr::IsrOptions),
    /// `life-expectancy`: abridged life table.
    LifeExpectancy(life_expectancy::LifeExpectancyOptions),
    /// `sii`: slope and relative index of inequality.
    Sii(sii::SiiCalcOptions),
    /// `quantile`: population quantiles within groups.
    Quantile(quantile::QuantileOptions),
    /// `funnel`: funnel plot control limits and significance.
    Funnel(funnel::FunnelOptions),
    /// `summary-measures`: the WHO HEAT summary measures of inequality.
    SummaryMeasures(summary_measures::SummaryMeasuresOptions),
    /// `arriaga`: life expectancy gap decomposition by age (and cause).
    Arriaga(arriaga::ArriagaOptions),
    /// `excess-deaths`: deaths attributable to the deprivation gradient, years of life lost,
    /// monetised.
    ExcessDeaths(excess_deaths::ExcessDeathsOptions),
}

/// What a run did, for the command line to report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    /// Input rows read.
    pub rows_read: u64,
    /// Output rows written.
    pub rows_written: u64,
    /// Warnings worth showing (e.g. groups with no value and why), at most a few.
    pub warnings: Vec<String>,
}

pub use crate::progress::{NoProgress, Progress};

/// Reads `input`, computes `method`, and writes `output` (atomically for files).
///
/// # Errors
/// Any input, method or output error, each naming where it was.
pub fn run(method: &CalcMethod, input: &str, output: &str, progress: &dyn Progress) -> Result<RunSummary> {
    let table = InputTable::open(input)?;
    let mut writer = TableWriter::create(output)?;
    let mut summary = match method {
        CalcMethod::Proportion(o) => proportion::run(o, table, &mut writer, progress)?,
        CalcMethod::Rate(o) => rate::run(o, table, &mut writer, progress)?,
        CalcMethod::Mean(o) => mean::run(o, table, &mut writer, progress)?,
        CalcMethod::Dsr(o) => dsr::run(o, table, &mut writer, progress)?,
        CalcMethod::Isr(o) => isr::run(o, table, &mut writer, progress)?,
        CalcMethod::LifeExpectancy(o) => life_expectancy::run(o, table, &mut writer, progress)?,
        CalcMethod::Sii(o) => sii::run(o, table, &mut writer, progress)?,
        CalcMethod::Quantile(o) => quantile::run(o, table, &mut writer, progress)?,
        CalcMethod::Funnel(o) => funnel::run(o, table, &mut writer, progress)?,
        CalcMethod::SummaryMeasures(o) => summary_measures::run(o, table, &mut writer, progress)?,
        CalcMethod::Arriaga(o) => arriaga::run(o, table, &mut writer, progress)?,
        CalcMethod::ExcessDeaths(o) => excess_deaths::run(o, table, &mut writer, progress)?,
    };
    summary.rows_written = writer.rows();
    writer.finish()?;
    Ok(summary)
}

/// The limit column names for a set of levels: `lowercl`/`uppercl` for one level,
/// `lower95_0cl`/`upper95_0cl`, … for two (prefixed, e.g. `sii_`, when `prefix` is given).
pub fn limit_column_names(levels: &[ConfidenceLevel], prefix: &str) -> Vec<(String, String)> {
    if levels.len() == 1 {
        vec![(format!("{prefix}lowercl"), format!("{prefix}uppercl"))]
    } else {
        levels
            .iter()
            .map(|l| (format!("{prefix}lower{}cl", l.column_infix()), format!("{prefix}upper{}cl", l.column_infix())))
            .collect()
    }
}

/// Collects [`Estimate`]s into the `value`, limit, `confidence`, `statistic` and `method`
/// columns.
#[derive(Debug)]
pub struct EstimateColumns {
    levels: Vec<ConfidenceLevel>,
    value: Vec<Option<f64>>,
    lower: Vec<Vec<Option<f64>>>,
    upper: Vec<Vec<Option<f64>>>,
    confidence: LabelColumn,
    confidence_label: u32,
    statistic: LabelColumn,
    method: LabelColumn,
}

impl EstimateColumns {
    /// Empty columns for `levels`.
    pub fn new(levels: &[ConfidenceLevel]) -> Self {
        let mut confidence = LabelColumn::new();
        let confidence_label = confidence.add_label(&confidence_label(levels));
        EstimateColumns {
            levels: levels.to_vec(),
            value: Vec::new(),
            lower: vec![Vec::new(); levels.len()],
            upper: vec![Vec::new(); levels.len()],
            confidence,
            confidence_label,
            statistic: LabelColumn::new(),
            method: LabelColumn::new(),
        }
    }

    /// Adds one row from an estimate.
    pub fn push(&mut self, e: &Estimate) {
        self.push_values(e.value, &e.limits);
        self.statistic.push(Some(&e.statistic));
        self.method.push(Some(e.method));
    }

    /// Registers a `statistic` wording for [`EstimateColumns::push_labelled`], for methods
    /// whose rows cycle through a few wordings.
    pub fn statistic_label(&mut self, statistic: &str) -> u32 {
        self.statistic.add_label(statistic)
    }

    /// Adds one row from its value and limits, with a statistic registered by
    /// [`EstimateColumns::statistic_label`].
    pub fn push_labelled(&mut self, value: Option<f64>, limits: &[stats::Limits], statistic: u32, method: &str) {
        self.push_values(value, limits);
        self.statistic.push_index(Some(statistic));
        self.method.push(Some(method));
    }

    fn push_values(&mut self, value: Option<f64>, limits: &[stats::Limits]) {
        self.value.push(value);
        for (i, l) in limits.iter().enumerate().take(self.levels.len()) {
            self.lower[i].push(l.lower);
            self.upper[i].push(l.upper);
        }
        self.confidence.push_index(Some(self.confidence_label));
    }

    /// Adds a row with no value (missing input): only the statistic is said.
    pub fn push_missing(&mut self, statistic: &str, method: Option<&str>) {
        self.value.push(None);
        for i in 0..self.levels.len() {
            self.lower[i].push(None);
            self.upper[i].push(None);
        }
        self.confidence.push_index(Some(self.confidence_label));
        self.statistic.push(Some(statistic));
        self.method.push(method);
    }

    /// Appends the columns to `table`.
    pub fn append_to(self, table: &mut OutputTable) {
        table.push("value", OutputColumn::Number(self.value));
        let names = limit_column_names(&self.levels, "");
        for ((lower, upper), (ln, un)) in self.lower.into_iter().zip(self.upper).zip(names) {
            table.push(ln, OutputColumn::Number(lower));
            table.push(un, OutputColumn::Number(upper));
        }
        table.push("confidence", OutputColumn::Labels(self.confidence));
        table.push("statistic", OutputColumn::Labels(self.statistic));
        table.push("method", OutputColumn::Labels(self.method));
    }
}
