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

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;

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

/// Applies `method` to a table in memory: Arrow record batches of `schema` in, record batches
/// out (one per block the method writes; none when it writes no row), with what it did.
///
/// The columns are found by name as in a file; text columns holding numbers are read as a
/// CSV's would be. Errors name the table `"<memory>"`, with the row and column.
///
/// # Errors
/// A column missing or holding something else than expected, or a method's refusal.
pub fn apply(
    method: &CalcMethod,
    schema: &Schema,
    batches: Vec<RecordBatch>,
    progress: &dyn Progress,
) -> Result<(Vec<RecordBatch>, RunSummary)> {
    let table = InputTable::from_batches("<memory>", schema, batches);
    let mut writer = TableWriter::memory("<memory>");
    let mut summary = apply_to(method, table, &mut writer, progress)?;
    summary.rows_written = writer.rows();
    Ok((writer.into_batches(), summary))
}

/// Reads `input`, computes `method`, and writes `output` (atomically for files): [`apply_to`]
/// from a file to a file.
///
/// # Errors
/// Any input, method or output error, each naming where it was.
pub fn run(method: &CalcMethod, input: &str, output: &str, progress: &dyn Progress) -> Result<RunSummary> {
    let table = InputTable::open(input)?;
    let mut writer = TableWriter::create(output)?;
    let mut summary = apply_to(method, table, &mut writer, progress)?;
    summary.rows_written = writer.rows();
    writer.finish()?;
    Ok(summary)
}

/// The streaming form of [`apply`] and [`run`]: `method` over `table`, chunk by chunk, into
/// `writer` (a file, a stream or memory), which the caller finishes.
///
/// # Errors
/// As [`apply`].
pub fn apply_to(
    method: &CalcMethod,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    match method {
        CalcMethod::Proportion(o) => proportion::run(o, table, writer, progress),
        CalcMethod::Rate(o) => rate::run(o, table, writer, progress),
        CalcMethod::Mean(o) => mean::run(o, table, writer, progress),
        CalcMethod::Dsr(o) => dsr::run(o, table, writer, progress),
        CalcMethod::Isr(o) => isr::run(o, table, writer, progress),
        CalcMethod::LifeExpectancy(o) => life_expectancy::run(o, table, writer, progress),
        CalcMethod::Sii(o) => sii::run(o, table, writer, progress),
        CalcMethod::Quantile(o) => quantile::run(o, table, writer, progress),
        CalcMethod::Funnel(o) => funnel::run(o, table, writer, progress),
        CalcMethod::SummaryMeasures(o) => summary_measures::run(o, table, writer, progress),
        CalcMethod::Arriaga(o) => arriaga::run(o, table, writer, progress),
        CalcMethod::ExcessDeaths(o) => excess_deaths::run(o, table, writer, progress),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, Float64Array, StringArray};
    use arrow::datatypes::{DataType, Field};

    use super::*;
    use crate::output::OutputTable;

    /// Batches in, batches out: the DSR of the example file's first area, read from memory,
    /// is the one `run` writes for it.
    #[test]
    fn apply_gives_the_numbers_run_gives() {
        let labels = [
            "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
            "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
        ];
        let deaths: Vec<f64> = (0..19).map(|b| f64::from(b * 3 + 1)).collect();
        let pops: Vec<f64> = (0..19).map(|b| f64::from(1000 + 50 * b)).collect();
        let schema = Schema::new(vec![
            Field::new("area", DataType::Utf8, false),
            Field::new("band", DataType::Utf8, false),
            Field::new("deaths", DataType::Float64, false),
            Field::new("pop", DataType::Float64, false),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema.clone()),
            vec![
                Arc::new(StringArray::from(vec!["A"; 19])),
                Arc::new(StringArray::from(labels.to_vec())),
                Arc::new(Float64Array::from(deaths.clone())),
                Arc::new(Float64Array::from(pops.clone())),
            ],
        )
        .unwrap();
        let method = CalcMethod::Dsr(dsr::DsrOptions {
            count: "deaths".into(),
            denominator: "pop".into(),
            stdpop: None,
            age_band: Some("band".into()),
            event_frequency: None,
            multiplier: 100_000.0,
            common: CommonOptions { group_by: vec!["area".into()], ..CommonOptions::default() },
        });
        let (out, summary) = apply(&method, &schema, vec![batch], &crate::progress::NoProgress).unwrap();
        assert_eq!((summary.rows_read, summary.rows_written), (19, 1));
        let table = OutputTable::from_batch(&out[0], &out[0].schema()).unwrap();
        let value = out[0].column(out[0].schema().index_of("value").unwrap());
        let value = value.as_any().downcast_ref::<Float64Array>().unwrap().value(0);

        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        let mut csv = String::from("area,band,deaths,pop\n");
        for b in 0..19 {
            csv.push_str(&format!("A,{},{},{}\n", labels[b], deaths[b], pops[b]));
        }
        std::fs::write(&input, csv).unwrap();
        let output = dir.path().join("out.csv");
        run(&method, input.to_str().unwrap(), output.to_str().unwrap(), &crate::progress::NoProgress).unwrap();
        let written = std::fs::read_to_string(&output).unwrap();
        let header: Vec<&str> = written.lines().next().unwrap().split(',').collect();
        assert_eq!(header, table.names.iter().map(String::as_str).collect::<Vec<_>>());
        let row: Vec<&str> = written.lines().nth(1).unwrap().split(',').collect();
        let at = header.iter().position(|&h| h == "value").unwrap();
        assert_eq!(row[at].parse::<f64>().unwrap(), value);
        assert!(!out[0].column(0).is_null(0));
    }
}
