//! The methods of [`stats`] applied to tables: `fairer calc METHOD INPUT --output OUTPUT`.
//!
//! Each method lives in its own module with its options, the columns it reads and the columns
//! it writes; [`CalcMethod`] registers them by the names the command line uses, and [`run`]
//! dispatches. Output columns follow the reference R package PHEindicatormethods: group
//! columns first, then the method's own (e.g. `total_count`, `total_pop`), then `value`, the
//! limits (`lowercl`, `uppercl` for one confidence level; `lower95_0cl`, `upper95_0cl`,
//! `lower99_8cl`, `upper99_8cl` for two), `confidence`, `statistic` and `method`.

pub mod accumulator;
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
pub mod table;

pub use crate::progress::{NoProgress, Progress};
pub use table::{limit_column_names, CommonOptions, EstimateColumns, RunSummary};

use crate::error::Result;
use crate::input::InputTable;
use crate::output::TableWriter;

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
