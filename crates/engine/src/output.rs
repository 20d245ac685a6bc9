//! Writing result tables as CSV (a file, or standard output as `-`) or Parquet.
//!
//! A file is written under a temporary name beside its destination and renamed over it only
//! when complete, so a crash or an error part-way leaves the previous file (or none), never a
//! half-written one. Numbers are written at full precision (the shortest text that reads back
//! as the same `f64`); a missing value is an empty CSV cell or a Parquet null.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::{EngineError, Location, Result};
use crate::input::TableFormat;

/// One output column.
#[derive(Clone, Debug, PartialEq)]
pub enum OutputColumn {
    /// Text.
    Text(Vec<Option<String>>),
    /// Floating-point numbers.
    Number(Vec<Option<f64>>),
    /// Whole numbers (counts, quantiles).
    Integer(Vec<Option<i64>>),
}

impl OutputColumn {
    fn len(&self) -> usize {
        match self {
            OutputColumn::Text(v) => v.len(),
            OutputColumn::Number(v) => v.len(),
            OutputColumn::Integer(v) => v.len(),
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            OutputColumn::Text(_) => DataType::Utf8,
            OutputColumn::Number(_) => DataType::Float64,
            OutputColumn::Integer(_) => DataType::Int64,
        }
    }

    fn to_arrow(&self) -> ArrayRef {
        match self {
            OutputColumn::Text(v) => Arc::new(StringArray::from(v.clone())),
            OutputColumn::Number(v) => Arc::new(Float64Array::from(v.clone())),
            OutputColumn::Integer(v) => Arc::new(Int64Array::from(v.clone())),
        }
    }

    fn write_cell(&self, row: usize, out: &mut String) {
        out.clear();
        match self {
            OutputColumn::Text(v) => {
                if let Some(Some(s)) = v.get(row) {
                    out.push_str(s);
                }
            }
            OutputColumn::Number(v) => {
                if let Some(Some(x)) = v.get(row) {
                    use std::fmt::Write as _;
                    let _ = write!(out, "{x}");
                }
            }
            OutputColumn::Integer(v) => {
                if let Some(Some(x)) = v.get(row) {
                    use std::fmt::Write as _;
                    let _ = write!(out, "{x}");
                }
            }
        }
    }
}

/// A block of result rows: named columns of equal length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutputTable {
    /// Column names.
    pub names: Vec<String>,
    /// Columns, in the order of `names`.
    pub columns: Vec<OutputColumn>,
}

impl OutputTable {
    /// Adds a column.
    pub fn push(&mut self, name: impl Into<String>, column: OutputColumn) {
        self.names.push(name.into());
        self.columns.push(column);
    }

    /// Number of rows (that of the first column).
    pub fn num_rows(&self) -> usize {
        self.columns.first().map_or(0, OutputColumn::len)
    }

    /// A column by name, for tests and summaries.
    pub fn column(&self, name: &str) -> Option<&OutputColumn> {
        self.names.iter().position(|n| n == name).map(|i| &self.columns[i])
    }
}

enum Sink {
    Csv(csv::Writer<Box<dyn Write>>),
    Parquet(Option<ArrowWriter<BufWriter<File>>>),
}

/// Writes one or more [`OutputTable`] blocks with the same columns to a file or standard
/// output; [`TableWriter::finish`] makes the file appear.
pub struct TableWriter {
    destination: Option<PathBuf>,
    temporary: Option<PathBuf>,
    sink: Sink,
    header_written: bool,
    rows: u64,
}

fn temporary_name(path: &Path) -> PathBuf {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
    path.with_file_name(format!(".{file}.tmp-{}", std::process::id()))
}

impl TableWriter {
    /// A writer to `path` (`-` for standard output as CSV); the format follows the extension.
    ///
    /// # Errors
    /// The temporary file cannot be created (for example, the directory does not exist).
    pub fn create(path: &str) -> Result<TableWriter> {
        if path == "-" {
            let out: Box<dyn Write> = Box::new(BufWriter::new(std::io::stdout()));
            return Ok(TableWriter { destination: None, temporary: None, sink: Sink::Csv(csv::Writer::from_writer(out)), header_written: false, rows: 0 });
        }
        let destination = PathBuf::from(path);
        let temporary = temporary_name(&destination);
        let sink = match TableFormat::from_path(path) {
            TableFormat::Csv => {
                let file = File::create(&temporary).map_err(|e| EngineError::io(&destination, e))?;
                let out: Box<dyn Write> = Box::new(BufWriter::with_capacity(1 << 20, file));
                Sink::Csv(csv::Writer::from_writer(out))
            }
            TableFormat::Parquet => Sink::Parquet(None),
        };
        Ok(TableWriter { destination: Some(destination), temporary: Some(temporary), sink, header_written: false, rows: 0 })
    }

    fn error(&self, message: String) -> EngineError {
        EngineError::Format {
            at: Location { file: self.destination.as_ref().map_or("<stdout>".into(), |p| p.display().to_string()), row: None, column: None },
            message,
        }
    }

    /// Appends a block of rows.
    ///
    /// # Errors
    /// A write fails (disk full, closed pipe).
    pub fn write(&mut self, table: &OutputTable) -> Result<()> {
        let n = table.num_rows();
        match &mut self.sink {
            Sink::Csv(csv) => {
                if !self.header_written {
                    csv.write_record(&table.names).map_err(|e| EngineError::Format { at: Location { file: "output".into(), row: None, column: None }, message: e.to_string() })?;
                    self.header_written = true;
                }
                let mut cells: Vec<String> = vec![String::new(); table.columns.len()];
                for row in 0..n {
                    for (cell, column) in cells.iter_mut().zip(&table.columns) {
                        column.write_cell(row, cell);
                    }
                    if let Err(e) = csv.write_record(&cells) {
                        let message = e.to_string();
                        return Err(self.error(message));
                    }
                }
            }
            Sink::Parquet(writer) => {
                let schema = Arc::new(Schema::new(
                    table.names.iter().zip(&table.columns).map(|(n, c)| Field::new(n, c.data_type(), true)).collect::<Vec<_>>(),
                ));
                let batch = RecordBatch::try_new(schema.clone(), table.columns.iter().map(OutputColumn::to_arrow).collect())
                    .map_err(|e| EngineError::Usage(format!("internal: inconsistent output block: {e}")))?;
                if writer.is_none() {
                    let (Some(tmp), Some(dest)) = (&self.temporary, &self.destination) else {
                        return Err(EngineError::Usage("Parquet cannot be written to standard output".into()));
                    };
                    let file = File::create(tmp).map_err(|e| EngineError::io(dest, e))?;
                    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
                    *writer = Some(
                        ArrowWriter::try_new(BufWriter::new(file), schema, Some(props))
                            .map_err(|e| EngineError::Format { at: Location { file: dest.display().to_string(), row: None, column: None }, message: e.to_string() })?,
                    );
                }
                if let Some(w) = writer.as_mut() {
                    if let Err(e) = w.write(&batch) {
                        let message = e.to_string();
                        return Err(self.error(message));
                    }
                }
            }
        }
        self.rows += n as u64;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes, syncs and renames the temporary file to its destination.
    ///
    /// # Errors
    /// The flush, sync or rename fails; the temporary file is then removed.
    pub fn finish(mut self) -> Result<()> {
        let result = self.complete();
        if result.is_err() {
            if let Some(tmp) = &self.temporary {
                let _ = std::fs::remove_file(tmp);
            }
        }
        self.temporary = None;
        result
    }

    fn complete(&mut self) -> Result<()> {
        let dest = self.destination.clone();
        let io = |e: std::io::Error| EngineError::io(dest.clone().unwrap_or_else(|| PathBuf::from("<stdout>")), e);
        match &mut self.sink {
            Sink::Csv(csv) => {
                csv.flush().map_err(io)?;
            }
            Sink::Parquet(writer) => match writer.take() {
                Some(w) => {
                    let inner = w.into_inner().map_err(|e| self.error(e.to_string()))?;
                    let file = inner.into_inner().map_err(|e| io(e.into_error()))?;
                    file.sync_all().map_err(io)?;
                }
                None => return Err(self.error("no rows to write".into())),
            },
        }
        if let (Some(tmp), Some(dest)) = (&self.temporary, &self.destination) {
            if let Sink::Csv(_) = self.sink {
                // Drop the CSV writer's file handle before renaming (it was flushed above).
                self.sink = Sink::Parquet(None);
            }
            std::fs::rename(tmp, dest).map_err(io)?;
        }
        Ok(())
    }
}

impl Drop for TableWriter {
    fn drop(&mut self) {
        if let Some(tmp) = &self.temporary {
            let _ = std::fs::remove_file(tmp);
        }
    }
}
