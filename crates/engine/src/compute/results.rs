//! The results of `fairer compute`: one long table, one row per indicator × area × period ×
//! sex × breakdown, as Arrow record batches of [`schema`] sent to a [`ResultSink`]: kept in
//! memory ([`MemorySink`]) or written atomically as Parquet, CSV or Excel ([`ResultFile`]).
//!
//! The columns are listed once, in [`COLUMNS`], each with its Parquet name (snake case, easy in
//! SQL) and its name in the indicator portal's data download ("Area Code", "Lower CI 95.0
//! limit", …) used for CSV and Excel, so a file opens where portal downloads open. Columns the
//! portal does not have (framework, benchmark, quintile, SII, excess, …) follow its own.

use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow::array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use stats::{ConfidenceLevel, Estimate};

use super::cells::CellValue;

const C95: ConfidenceLevel = ConfidenceLevel::C95;
const C998: ConfidenceLevel = ConfidenceLevel::C998;
use super::period::Period;
use crate::error::{EngineError, Result};
use crate::input::TableFormat;
use crate::output::{AtomicFile, OutputTable, TableWriter};

/// One result row.
#[derive(Clone, Debug)]
pub struct ResultRow {
    /// Indicator id.
    pub indicator: String,
    /// Indicator name.
    pub indicator_name: String,
    /// Framework id.
    pub framework: Option<String>,
    /// Domain name.
    pub domain: Option<String>,
    /// Measure ("dsr", …).
    pub measure: &'static str,
    /// Polarity ("higher is better", …).
    pub polarity: &'static str,
    /// Parent area (code, name).
    pub parent: Option<(String, String)>,
    /// Area code.
    pub area_code: String,
    /// Area name.
    pub area_name: String,
    /// Area type.
    pub area_type: String,
    /// Male, Female or Persons.
    pub sex: &'static str,
    /// The portal's age label.
    pub age: String,
    /// The deprivation quantile's label, or `None` for the whole area.
    pub category: Option<String>,
    /// The category type of a decile row when it is not Fairer's own national deciles of small
    /// areas (published deciles keep the portal's, such as "District & UA deprivation deciles
    /// in England (IMD2019, 4/23 geography)").
    pub category_type: Option<String>,
    /// The period.
    pub period: Period,
    /// Value, limits, totals, note.
    pub value: CellValue,
    /// The benchmark's name.
    pub benchmark: String,
    /// The benchmark's value.
    pub benchmark_value: Option<f64>,
    /// Comparison with the benchmark at 95%.
    pub compared_95: &'static str,
    /// Comparison with the benchmark at 99.8%.
    pub compared_998: &'static str,
    /// Quintile among areas of the same type.
    pub quintile: Option<&'static str>,
    /// Recent trend label.
    pub trend: String,
    /// Why the trend is what it is.
    pub trend_reason: String,
    /// Inequality summaries across deciles (whole-area rows with deciles).
    pub inequality: Option<InequalitySummary>,
}

/// The inequality summaries of one area, sex and period across its deciles.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InequalitySummary {
    /// SII and its 95% and 99.8% limits.
    pub sii: Option<Estimate>,
    /// RII and its 95% and 99.8% limits.
    pub rii: Option<Estimate>,
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

enum Kind {
    Text(fn(&ResultRow) -> Option<String>),
    Number(fn(&ResultRow) -> Option<f64>),
}

/// A result column: its Parquet name, its portal-layout name, and how it is read off a row.
pub struct Column {
    /// The name in Parquet output.
    pub name: &'static str,
    /// The name in CSV and Excel output (the portal's where it has one).
    pub portal_name: &'static str,
    kind: Kind,
}

const fn text(name: &'static str, portal_name: &'static str, f: fn(&ResultRow) -> Option<String>) -> Column {
    Column { name, portal_name, kind: Kind::Text(f) }
}

const fn number(name: &'static str, portal_name: &'static str, f: fn(&ResultRow) -> Option<f64>) -> Column {
    Column { name, portal_name, kind: Kind::Number(f) }
}

fn ineq<T>(r: &ResultRow, f: impl Fn(&InequalitySummary) -> Option<T>) -> Option<T> {
    r.inequality.as_ref().and_then(f)
}

/// The value of an inequality summary's estimate.
fn summary_value(e: Option<&Estimate>) -> Option<f64> {
    e.and_then(|e| e.value)
}

/// A limit of an inequality summary's estimate at `level`: lower or upper.
fn summary_limit(e: Option<&Estimate>, level: ConfidenceLevel, upper: bool) -> Option<f64> {
    e.and_then(|e| if upper { e.upper(level) } else { e.lower(level) })
}

/// Every result column, in order.
pub static COLUMNS: [Column; 46] = [
    text("indicator_id", "Indicator ID", |r| Some(r.indicator.clone())),
    text("indicator_name", "Indicator Name", |r| Some(r.indicator_name.clone())),
    text("parent_code", "Parent Code", |r| r.parent.as_ref().map(|p| p.0.clone())),
    text("parent_name", "Parent Name", |r| r.parent.as_ref().map(|p| p.1.clone())),
    text("area_code", "Area Code", |r| Some(r.area_code.clone())),
    text("area_name", "Area Name", |r| Some(r.area_name.clone())),
    text("area_type", "Area Type", |r| Some(r.area_type.clone())),
    text("sex", "Sex", |r| Some(r.sex.to_string())),
    text("age", "Age", |r| Some(r.age.clone())),
    text("category_type", "Category Type", |r| {
        r.category
            .as_ref()
            .map(|_| r.category_type.clone().unwrap_or_else(|| "LSOA deprivation deciles (national)".to_string()))
    }),
    text("category", "Category", |r| r.category.clone()),
    text("time_period", "Time period", |r| Some(r.period.label.clone())),
    number("value", "Value", |r| r.value.estimate.value),
    number("lower_95", "Lower CI 95.0 limit", |r| r.value.estimate.lower(C95)),
    number("upper_95", "Upper CI 95.0 limit", |r| r.value.estimate.upper(C95)),
    number("lower_99_8", "Lower CI 99.8 limit", |r| r.value.estimate.lower(C998)),
    number("upper_99_8", "Upper CI 99.8 limit", |r| r.value.estimate.upper(C998)),
    number("count", "Count", |r| r.value.count),
    number("denominator", "Denominator", |r| r.value.denominator),
    text("value_note", "Value note", |r| r.value.note.clone()),
    text("recent_trend", "Recent Trend", |r| Some(r.trend.clone())),
    text("compared_to_benchmark_95", "Compared to benchmark (95%)", |r| Some(r.compared_95.to_string())),
    text("compared_to_benchmark_99_8", "Compared to benchmark (99.8%)", |r| Some(r.compared_998.to_string())),
    number("time_period_sortable", "Time period Sortable", |r| Some(f64::from(r.period.years.1))),
    text("framework", "Framework", |r| r.framework.clone()),
    text("domain", "Domain", |r| r.domain.clone()),
    text("measure", "Measure", |r| Some(r.measure.to_string())),
    text("polarity", "Polarity", |r| Some(r.polarity.to_string())),
    text("statistic", "Statistic", |r| Some(r.value.estimate.statistic.to_string())),
    text("method", "Method", |r| Some(r.value.estimate.method.to_string())),
    text("benchmark", "Benchmark", |r| Some(r.benchmark.clone())),
    number("benchmark_value", "Benchmark value", |r| r.benchmark_value),
    text("quintile", "Quintile among areas of the same type", |r| r.quintile.map(str::to_string)),
    text("trend_reason", "Trend reason", |r| Some(r.trend_reason.clone())),
    number("sii", "SII", |r| ineq(r, |i| summary_value(i.sii.as_ref()))),
    number("sii_lower_95", "SII lower CI 95.0 limit", |r| ineq(r, |i| summary_limit(i.sii.as_ref(), C95, false))),
    number("sii_upper_95", "SII upper CI 95.0 limit", |r| ineq(r, |i| summary_limit(i.sii.as_ref(), C95, true))),
    number("sii_lower_99_8", "SII lower CI 99.8 limit", |r| ineq(r, |i| summary_limit(i.sii.as_ref(), C998, false))),
    number("sii_upper_99_8", "SII upper CI 99.8 limit", |r| ineq(r, |i| summary_limit(i.sii.as_ref(), C998, true))),
    number("rii", "RII", |r| ineq(r, |i| summary_value(i.rii.as_ref()))),
    number("rii_lower_95", "RII lower CI 95.0 limit", |r| ineq(r, |i| summary_limit(i.rii.as_ref(), C95, false))),
    number("rii_upper_95", "RII upper CI 95.0 limit", |r| ineq(r, |i| summary_limit(i.rii.as_ref(), C95, true))),
    number("gap_most_minus_least_deprived", "Gap (most minus least deprived decile)", |r| ineq(r, |i| i.gap)),
    number("ratio_most_to_least_deprived", "Ratio (most to least deprived decile)", |r| ineq(r, |i| i.ratio)),
    number("excess_count", "Excess count (at least deprived decile's rates)", |r| ineq(r, |i| i.excess)),
    text("inequality_note", "Inequality note", |r| ineq(r, |i| i.note.clone())),
];

/// The Arrow schema of the long results table: the columns of [`COLUMNS`] by their Parquet
/// names, text as `Utf8` and numbers as `Float64`, every column nullable. Results travel as
/// record batches of this schema ([`ResultSink`]).
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(|| schema_named(|c| c.name)).clone()
}

/// The schema of [`schema`] with the portal's names (CSV and Excel).
fn portal_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(|| schema_named(|c| c.portal_name)).clone()
}

fn schema_named(name: fn(&Column) -> &'static str) -> SchemaRef {
    Arc::new(Schema::new(
        COLUMNS
            .iter()
            .map(|c| {
                let data_type = match c.kind {
                    Kind::Text(_) => DataType::Utf8,
                    Kind::Number(_) => DataType::Float64,
                };
                Field::new(name(c), data_type, true)
            })
            .collect::<Vec<_>>(),
    ))
}

/// Result rows as one record batch of [`schema`].
///
/// # Errors
/// [`EngineError::Internal`] if the columns do not make a batch (they always do).
pub fn to_batch(rows: &[ResultRow]) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = COLUMNS
        .iter()
        .map(|c| match &c.kind {
            Kind::Text(f) => Arc::new(rows.iter().map(f).collect::<StringArray>()) as ArrayRef,
            Kind::Number(f) => Arc::new(rows.iter().map(f).collect::<Float64Array>()) as ArrayRef,
        })
        .collect();
    RecordBatch::try_new(schema(), columns).map_err(|e| EngineError::Internal(format!("a results batch: {e}")))
}

/// Where [`super::compute`] sends its results: record batches of [`schema`], one or more per
/// indicator, then [`ResultSink::finish`] once every indicator is done. A sink whose
/// `finish` is never called (an error, a cancelled run) leaves nothing behind.
pub trait ResultSink: Send {
    /// Takes a batch of result rows (of [`schema`]).
    ///
    /// # Errors
    /// The sink cannot take it (a write fails).
    fn write(&mut self, batch: RecordBatch) -> Result<()>;

    /// Every batch has been written: completes the output (a file is renamed into place).
    ///
    /// # Errors
    /// The output cannot be completed.
    fn finish(&mut self) -> Result<()>;
}

/// Results kept in memory as record batches of [`schema`].
#[derive(Clone, Debug, Default)]
pub struct MemorySink {
    /// The batches received, in order.
    pub batches: Vec<RecordBatch>,
    /// Whether [`ResultSink::finish`] was called.
    pub finished: bool,
}

impl MemorySink {
    /// No batches yet.
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// The rows received.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

impl ResultSink for MemorySink {
    fn write(&mut self, batch: RecordBatch) -> Result<()> {
        self.batches.push(batch);
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.finished = true;
        Ok(())
    }
}

/// The results written as a file (Parquet with [`schema`]'s names; CSV or Excel in the
/// indicator portal's layout) or as CSV to a stream. A file is written under a temporary
/// name and renamed into place by [`ResultSink::finish`]; dropped before, it leaves nothing.
pub struct ResultFile {
    name: String,
    output: ResultOutput,
}

enum ResultOutput {
    /// CSV or Parquet: the table writer, and whether columns take the portal's names.
    Table { writer: Option<TableWriter>, portal_names: bool },
    /// Excel: the workbook in memory, its file, and the next row.
    Workbook { workbook: Box<rust_xlsxwriter::Workbook>, file: Option<AtomicFile>, next: u32 },
}

impl ResultFile {
    /// Results written to `path` in `format`: Parquet, CSV or Excel.
    ///
    /// # Errors
    /// Another format; the temporary file cannot be created.
    pub fn create(path: &Path, format: TableFormat) -> Result<ResultFile> {
        let name = path.display().to_string();
        let output = match format {
            TableFormat::Parquet | TableFormat::Csv => ResultOutput::Table {
                writer: Some(TableWriter::create_file(path, format)?),
                portal_names: format == TableFormat::Csv,
            },
            TableFormat::Xlsx => workbook(&name, Some(AtomicFile::create(path)?))?,
            TableFormat::Tsv => {
                return Err(EngineError::Usage(format!("{name}: expected results ending in .parquet, .csv or .xlsx")))
            }
        };
        Ok(ResultFile { name, output })
    }

    /// Results written to `path` in the format its extension names (`.parquet`, `.csv`,
    /// `.xlsx`).
    ///
    /// # Errors
    /// Another extension; the temporary file cannot be created.
    pub fn create_by_extension(path: &Path) -> Result<ResultFile> {
        let name = path.display().to_string();
        match TableFormat::from_extension(&name) {
            Some(format @ (TableFormat::Parquet | TableFormat::Csv | TableFormat::Xlsx)) => {
                ResultFile::create(path, format)
            }
            _ => Err(EngineError::Usage(format!("{name}: expected results ending in .parquet, .csv or .xlsx"))),
        }
    }

    /// Results written as CSV in the portal's layout to `out` (standard output, a socket),
    /// named `name` in errors.
    pub fn csv_stream(name: &str, out: Box<dyn std::io::Write + Send>) -> ResultFile {
        ResultFile {
            name: name.to_string(),
            output: ResultOutput::Table { writer: Some(TableWriter::csv_stream(name, out)), portal_names: true },
        }
    }
}

impl ResultSink for ResultFile {
    fn write(&mut self, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match &mut self.output {
            ResultOutput::Table { writer, portal_names } => {
                let Some(writer) = writer.as_mut() else {
                    return Err(EngineError::Internal(format!("{}: the results are already finished", self.name)));
                };
                let names = if *portal_names { portal_schema() } else { schema() };
                writer.write(&OutputTable::from_batch(&batch, &names)?)
            }
            ResultOutput::Workbook { workbook, next, .. } => {
                let name = &self.name;
                let sheet = workbook.worksheet_from_index(0).map_err(|e| xlsx_error(name, e))?;
                for (c, column) in batch.columns().iter().enumerate() {
                    if let Some(texts) = column.as_any().downcast_ref::<StringArray>() {
                        for (r, text) in texts.iter().enumerate() {
                            if let Some(t) = text {
                                sheet.write_string(*next + r as u32, c as u16, t).map_err(|e| xlsx_error(name, e))?;
                            }
                        }
                    } else if let Some(numbers) = column.as_any().downcast_ref::<Float64Array>() {
                        for (r, x) in numbers.iter().enumerate() {
                            if let Some(x) = x.filter(|x| x.is_finite()) {
                                sheet.write_number(*next + r as u32, c as u16, x).map_err(|e| xlsx_error(name, e))?;
                            }
                        }
                    }
                }
                *next += batch.num_rows() as u32;
                Ok(())
            }
        }
    }

    fn finish(&mut self) -> Result<()> {
        match &mut self.output {
            ResultOutput::Table { writer, .. } => match writer.take() {
                Some(w) => w.finish(),
                None => Ok(()),
            },
            ResultOutput::Workbook { workbook, file, .. } => {
                let Some(mut file) = file.take() else { return Ok(()) };
                let bytes = workbook.save_to_buffer().map_err(|e| xlsx_error(&self.name, e))?;
                file.write_all(&bytes).map_err(|e| EngineError::io(&self.name, e))?;
                file.commit()
            }
        }
    }
}

/// An Excel workbook of one sheet "Results" with the portal's column names in its first row,
/// to be saved to `file` (or to a buffer when `None`).
fn workbook(name: &str, file: Option<AtomicFile>) -> Result<ResultOutput> {
    let mut workbook = Box::new(rust_xlsxwriter::Workbook::new());
    let sheet = workbook.add_worksheet();
    sheet.set_name("Results").map_err(|e| xlsx_error(name, e))?;
    for (c, col) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, col.portal_name).map_err(|e| xlsx_error(name, e))?;
    }
    Ok(ResultOutput::Workbook { workbook, file, next: 1 })
}

fn xlsx_error(name: &str, e: rust_xlsxwriter::XlsxError) -> EngineError {
    EngineError::Format {
        at: crate::error::Location { file: name.to_string(), row: None, column: None },
        message: e.to_string(),
    }
}

/// A `Write` into a buffer that stays readable after the writer that owns a clone of it is
/// dropped (what [`TableWriter::csv_stream`] needs to hand the text back).
#[derive(Clone, Default)]
struct SharedBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("the buffer's lock is poisoned"))?.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Results (record batches of [`schema`]) as the bytes of a file in `format`, laid out as
/// [`ResultFile`] writes files: Parquet with [`schema`]'s names (Snappy, as `fairer compute`
/// writes it), CSV and Excel with the portal's names ([`Column::portal_name`]). For downloads
/// served from memory. No rows still give the header (CSV, Excel) or the schema (Parquet).
///
/// # Errors
/// A batch that is not of [`schema`]; a format other than Parquet, CSV and Excel.
pub fn encode(batches: &[RecordBatch], format: TableFormat) -> Result<Vec<u8>> {
    let name = format!("results.{}", format.name());
    for batch in batches {
        if batch.schema().fields() != schema().fields() {
            return Err(EngineError::Internal(format!("{name}: a batch whose columns are not the results table's")));
        }
    }
    let format_error = |e: &dyn std::fmt::Display| EngineError::Format {
        at: crate::error::Location { file: name.clone(), row: None, column: None },
        message: e.to_string(),
    };
    match format {
        TableFormat::Parquet => {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::SNAPPY)
                .build();
            let mut writer = parquet::arrow::ArrowWriter::try_new(Vec::new(), schema(), Some(props))
                .map_err(|e| format_error(&e))?;
            for batch in batches {
                writer.write(batch).map_err(|e| format_error(&e))?;
            }
            writer.into_inner().map_err(|e| format_error(&e))
        }
        TableFormat::Csv => {
            let buffer = SharedBuffer::default();
            let mut writer = TableWriter::csv_stream(&name, Box::new(buffer.clone()));
            let names = portal_schema();
            let empty = RecordBatch::new_empty(schema());
            let nonempty: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
            for batch in if nonempty.is_empty() { vec![&empty] } else { nonempty } {
                writer.write(&OutputTable::from_batch(batch, &names)?)?;
            }
            writer.finish()?;
            let bytes = std::mem::take(&mut *buffer.0.lock().map_err(|_| format_error(&"the buffer's lock"))?);
            Ok(bytes)
        }
        TableFormat::Xlsx => {
            let mut file = ResultFile { name: name.clone(), output: workbook(&name, None)? };
            for batch in batches {
                file.write(batch.clone())?;
            }
            let ResultOutput::Workbook { workbook, .. } = &mut file.output else {
                return Err(EngineError::Internal(format!("{name}: not a workbook")));
            };
            workbook.save_to_buffer().map_err(|e| xlsx_error(&name, e))
        }
        TableFormat::Tsv => {
            Err(EngineError::Usage(format!("{name}: results are encoded as Parquet, CSV or Excel, not TSV")))
        }
    }
}

#[cfg(test)]
mod encode_tests {
    use super::*;

    /// A batch of `rows` rows of [`schema`]: text columns "t{row}", numbers row + 0.1.
    fn batch(rows: usize) -> RecordBatch {
        let columns: Vec<ArrayRef> = COLUMNS
            .iter()
            .map(|c| match c.kind {
                Kind::Text(_) => {
                    Arc::new((0..rows).map(|r| Some(format!("t{r}"))).collect::<StringArray>()) as ArrayRef
                }
                Kind::Number(_) => Arc::new((0..rows).map(|r| Some(r as f64 + 0.1)).collect::<Float64Array>()),
            })
            .collect();
        RecordBatch::try_new(schema(), columns).unwrap()
    }

    #[test]
    fn csv_in_the_portal_layout_even_without_rows() {
        let text = String::from_utf8(encode(&[batch(2)], TableFormat::Csv).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("Indicator ID,Indicator Name,Parent Code,"), "{}", lines[0]);
        assert!(lines[2].starts_with("t1,t1,"), "{}", lines[2]);
        let empty = String::from_utf8(encode(&[], TableFormat::Csv).unwrap()).unwrap();
        assert_eq!(empty.lines().collect::<Vec<_>>(), [lines[0]]);
    }

    #[test]
    fn parquet_and_excel_read_back() {
        let bytes = encode(&[batch(3), batch(2)], TableFormat::Parquet).unwrap();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        let reader =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 5);
        assert_eq!(batches[0].schema().fields(), schema().fields());
        let xlsx = encode(&[batch(1)], TableFormat::Xlsx).unwrap();
        assert!(xlsx.starts_with(b"PK"));
        assert!(encode(&[batch(1)], TableFormat::Tsv).is_err());
    }
}
