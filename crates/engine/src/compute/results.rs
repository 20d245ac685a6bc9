//! The results of `fairer compute`: one long table, one row per indicator × area × period ×
//! sex × breakdown, written atomically as Parquet, CSV or Excel.
//!
//! The columns are listed once, in [`COLUMNS`], each with its Parquet name (snake case, easy in
//! SQL) and its name in the indicator portal's data download ("Area Code", "Lower CI 95.0
//! limit", …) used for CSV and Excel, so a file opens where portal downloads open. Columns the
//! portal does not have (framework, benchmark, quintile, SII, excess, …) follow its own.

use std::path::{Path, PathBuf};

use super::cells::CellValue;
use super::{InequalitySummary, Period};
use crate::error::{EngineError, Result};
use crate::output::{OutputColumn, OutputTable, TableWriter};

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
    number("value", "Value", |r| r.value.value),
    number("lower_95", "Lower CI 95.0 limit", |r| r.value.limits95.0),
    number("upper_95", "Upper CI 95.0 limit", |r| r.value.limits95.1),
    number("lower_99_8", "Lower CI 99.8 limit", |r| r.value.limits998.0),
    number("upper_99_8", "Upper CI 99.8 limit", |r| r.value.limits998.1),
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
    text("statistic", "Statistic", |r| Some(r.value.statistic.clone())),
    text("method", "Method", |r| Some(r.value.method.to_string())),
    text("benchmark", "Benchmark", |r| Some(r.benchmark.clone())),
    number("benchmark_value", "Benchmark value", |r| r.benchmark_value),
    text("quintile", "Quintile among areas of the same type", |r| r.quintile.map(str::to_string)),
    text("trend_reason", "Trend reason", |r| Some(r.trend_reason.clone())),
    number("sii", "SII", |r| ineq(r, |i| i.sii.map(|s| s.0))),
    number("sii_lower_95", "SII lower CI 95.0 limit", |r| ineq(r, |i| i.sii.and_then(|s| s.1[0]))),
    number("sii_upper_95", "SII upper CI 95.0 limit", |r| ineq(r, |i| i.sii.and_then(|s| s.1[1]))),
    number("sii_lower_99_8", "SII lower CI 99.8 limit", |r| ineq(r, |i| i.sii.and_then(|s| s.1[2]))),
    number("sii_upper_99_8", "SII upper CI 99.8 limit", |r| ineq(r, |i| i.sii.and_then(|s| s.1[3]))),
    number("rii", "RII", |r| ineq(r, |i| i.rii.map(|s| s.0))),
    number("rii_lower_95", "RII lower CI 95.0 limit", |r| ineq(r, |i| i.rii.and_then(|s| s.1[0]))),
    number("rii_upper_95", "RII upper CI 95.0 limit", |r| ineq(r, |i| i.rii.and_then(|s| s.1[1]))),
    number("gap_most_minus_least_deprived", "Gap (most minus least deprived decile)", |r| ineq(r, |i| i.gap)),
    number("ratio_most_to_least_deprived", "Ratio (most to least deprived decile)", |r| ineq(r, |i| i.ratio)),
    number("excess_count", "Excess count (at least deprived decile's rates)", |r| ineq(r, |i| i.excess)),
    text("inequality_note", "Inequality note", |r| ineq(r, |i| i.note.clone())),
];

/// The output formats of results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultFormat {
    /// Parquet, snake-case column names.
    Parquet,
    /// CSV in the portal's layout.
    Csv,
    /// An Excel workbook, one sheet, portal layout.
    Xlsx,
}

impl ResultFormat {
    /// The format of `path` by its extension.
    ///
    /// # Errors
    /// An extension other than .parquet, .csv or .xlsx.
    pub fn of(path: &str) -> Result<ResultFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".parquet") {
            Ok(ResultFormat::Parquet)
        } else if lower.ends_with(".csv") || path == "-" {
            Ok(ResultFormat::Csv)
        } else if lower.ends_with(".xlsx") {
            Ok(ResultFormat::Xlsx)
        } else {
            Err(EngineError::Usage(format!("{path}: expected an output ending in .parquet, .csv or .xlsx")))
        }
    }
}

/// Writes result rows, block by block, to a temporary file renamed over the output when
/// [`ResultWriter::finish`] succeeds.
pub struct ResultWriter {
    format: ResultFormat,
    table: Option<TableWriter>,
    workbook: Option<(rust_xlsxwriter::Workbook, PathBuf, u32)>,
    rows: u64,
}

impl ResultWriter {
    /// A writer to `path`.
    ///
    /// # Errors
    /// An unknown extension, or a file that cannot be created.
    pub fn create(path: &str) -> Result<ResultWriter> {
        let format = ResultFormat::of(path)?;
        match format {
            ResultFormat::Xlsx => {
                let mut workbook = rust_xlsxwriter::Workbook::new();
                let sheet = workbook.add_worksheet();
                sheet.set_name("Results").map_err(|e| xlsx_error(Path::new(path), e))?;
                for (c, col) in COLUMNS.iter().enumerate() {
                    sheet.write_string(0, c as u16, col.portal_name).map_err(|e| xlsx_error(Path::new(path), e))?;
                }
                Ok(ResultWriter { format, table: None, workbook: Some((workbook, PathBuf::from(path), 1)), rows: 0 })
            }
            _ => Ok(ResultWriter { format, table: Some(TableWriter::create(path)?), workbook: None, rows: 0 }),
        }
    }

    /// Appends rows.
    ///
    /// # Errors
    /// A write fails.
    pub fn write(&mut self, rows: &[ResultRow]) -> Result<()> {
        self.rows += rows.len() as u64;
        if let Some((workbook, path, next)) = &mut self.workbook {
            let sheet = workbook.worksheet_from_index(0).map_err(|e| xlsx_error(path, e))?;
            for r in rows {
                for (c, col) in COLUMNS.iter().enumerate() {
                    let result = match &col.kind {
                        Kind::Text(f) => f(r).map(|s| sheet.write_string(*next, c as u16, s).map(|_| ())),
                        Kind::Number(f) => {
                            f(r).filter(|x| x.is_finite()).map(|x| sheet.write_number(*next, c as u16, x).map(|_| ()))
                        }
                    };
                    if let Some(Err(e)) = result {
                        return Err(xlsx_error(path, e));
                    }
                }
                *next += 1;
            }
            return Ok(());
        }
        let Some(writer) = &mut self.table else { return Ok(()) };
        let mut table = OutputTable::default();
        for col in COLUMNS.iter() {
            let name = if self.format == ResultFormat::Parquet { col.name } else { col.portal_name };
            let column = match &col.kind {
                Kind::Text(f) => OutputColumn::Text(rows.iter().map(f).collect()),
                Kind::Number(f) => OutputColumn::Number(rows.iter().map(f).collect()),
            };
            table.push(name, column);
        }
        if table.num_rows() > 0 {
            writer.write(&table)?;
        }
        Ok(())
    }

    /// Finishes the file and renames it into place; returns the rows written.
    ///
    /// # Errors
    /// The file cannot be completed or renamed.
    pub fn finish(self) -> Result<u64> {
        if let Some((mut workbook, path, _)) = self.workbook {
            let file =
                path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "results.xlsx".into());
            let temporary = path.with_file_name(format!(".{file}.tmp-{}", std::process::id()));
            workbook.save(&temporary).map_err(|e| xlsx_error(&path, e))?;
            std::fs::rename(&temporary, &path).map_err(|e| {
                let _ = std::fs::remove_file(&temporary);
                EngineError::io(&path, e)
            })?;
        } else if let Some(writer) = self.table {
            writer.finish()?;
        }
        Ok(self.rows)
    }
}

fn xlsx_error(path: &Path, e: rust_xlsxwriter::XlsxError) -> EngineError {
    EngineError::Format {
        at: crate::error::Location { file: path.display().to_string(), row: None, column: None },
        message: e.to_string(),
    }
}
