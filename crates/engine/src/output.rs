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
use rayon::prelude::*;

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
    /// Text with few distinct values (group keys, labels), each held once: row i is
    /// `values[codes[i]]`, or missing for `None` (or a code out of range). Written exactly as
    /// [`OutputColumn::Text`] with the same cells.
    Dictionary {
        /// The distinct values.
        values: Vec<String>,
        /// Each row's value, as a position in `values`.
        codes: Vec<Option<u32>>,
    },
}

impl OutputColumn {
    fn len(&self) -> usize {
        match self {
            OutputColumn::Text(v) => v.len(),
            OutputColumn::Number(v) => v.len(),
            OutputColumn::Integer(v) => v.len(),
            OutputColumn::Dictionary { codes, .. } => codes.len(),
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            OutputColumn::Text(_) | OutputColumn::Dictionary { .. } => DataType::Utf8,
            OutputColumn::Number(_) => DataType::Float64,
            OutputColumn::Integer(_) => DataType::Int64,
        }
    }

    fn to_arrow(&self) -> ArrayRef {
        match self {
            OutputColumn::Text(v) => Arc::new(StringArray::from(v.clone())),
            OutputColumn::Number(v) => Arc::new(Float64Array::from(v.clone())),
            OutputColumn::Integer(v) => Arc::new(Int64Array::from(v.clone())),
            OutputColumn::Dictionary { values, codes } => {
                Arc::new(codes.iter().map(|c| c.and_then(|c| values.get(c as usize))).collect::<StringArray>())
            }
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
            OutputColumn::Dictionary { values, codes } => {
                if let Some(s) = codes.get(row).copied().flatten().and_then(|c| values.get(c as usize)) {
                    out.push_str(s);
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

/// Rows formatted as one block: larger writes are formatted in parallel, a block each.
const PARALLEL_BLOCK: usize = 16_384;

/// The CSV text of rows `start..end` of `table`, as [`TableWriter::write`] writes them.
fn format_csv_rows(table: &OutputTable, start: usize, end: usize) -> std::result::Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity((end - start) * 16 * table.columns.len()));
    let mut cells: Vec<String> = vec![String::new(); table.columns.len()];
    for row in start..end {
        for (cell, column) in cells.iter_mut().zip(&table.columns) {
            column.write_cell(row, cell);
        }
        w.write_record(&cells).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

enum Sink {
    /// The CSV bytes go straight to the (buffered) output; records are formatted by
    /// [`format_csv_rows`].
    Csv(Box<dyn Write>),
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
            return Ok(TableWriter { destination: None, temporary: None, sink: Sink::Csv(out), header_written: false, rows: 0 });
        }
        let destination = PathBuf::from(path);
        let temporary = temporary_name(&destination);
        let sink = match TableFormat::from_path(path) {
            TableFormat::Csv => {
                let file = File::create(&temporary).map_err(|e| EngineError::io(&destination, e))?;
                let out: Box<dyn Write> = Box::new(BufWriter::with_capacity(1 << 20, file));
                Sink::Csv(out)
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
            Sink::Csv(out) => {
                let mut failure: Option<String> = None;
                let mut put = |bytes: std::result::Result<Vec<u8>, String>| {
                    if failure.is_none() {
                        if let Err(message) = bytes.and_then(|b| out.write_all(&b).map_err(|e| e.to_string())) {
                            failure = Some(message);
                        }
                    }
                };
                if !self.header_written {
                    let mut header = csv::Writer::from_writer(Vec::new());
                    put(header.write_record(&table.names).map_err(|e| e.to_string()).and_then(|()| header.into_inner().map_err(|e| e.to_string())));
                    self.header_written = true;
                }
                // Blocks of PARALLEL_BLOCK rows are formatted in parallel (a window of a few
                // per thread at a time, to bound memory) and their bytes written in order.
                let starts: Vec<usize> = (0..n).step_by(PARALLEL_BLOCK).collect();
                let window = 4 * rayon::current_num_threads().max(1);
                for group in starts.chunks(window) {
                    let block = |&start: &usize| format_csv_rows(table, start, (start + PARALLEL_BLOCK).min(n));
                    let formatted: Vec<_> = if group.len() == 1 { group.iter().map(block).collect() } else { group.par_iter().map(block).collect() };
                    formatted.into_iter().for_each(&mut put);
                }
                if let Some(message) = failure {
                    return Err(self.error(message));
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
            Sink::Csv(out) => {
                out.flush().map_err(io)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    /// A table of `n` rows with every kind of column, quoting included; the labels as a
    /// dictionary column when `dictionary`, else as text.
    fn table(n: usize, from: usize, dictionary: bool) -> OutputTable {
        let labels = ["plain", "with, comma", "with \"quote\"", ""];
        let mut t = OutputTable::default();
        t.push("text", OutputColumn::Text((from..from + n).map(|i| (i % 7 != 0).then(|| format!("area {i}, \"x\""))).collect()));
        t.push("number", OutputColumn::Number((from..from + n).map(|i| (i % 5 != 0).then(|| i as f64 / 3.0)).collect()));
        t.push("integer", OutputColumn::Integer((from..from + n).map(|i| (i % 3 != 0).then_some(i as i64)).collect()));
        let codes: Vec<Option<u32>> = (from..from + n).map(|i| (i % 11 != 0).then_some((i % labels.len()) as u32)).collect();
        if dictionary {
            t.push("label", OutputColumn::Dictionary { values: labels.iter().map(|s| s.to_string()).collect(), codes });
        } else {
            t.push("label", OutputColumn::Text(codes.iter().map(|c| c.map(|c| labels[c as usize].to_string())).collect()));
        }
        t
    }

    fn write(path: &Path, blocks: &[OutputTable]) -> String {
        let mut w = TableWriter::create(path.to_str().unwrap()).unwrap();
        for b in blocks {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn parallel_formatting_writes_the_same_bytes_as_row_by_row() {
        let dir = tempfile::tempdir().unwrap();
        let n = 3 * PARALLEL_BLOCK + 123;
        let parallel = write(&dir.path().join("a.csv"), &[table(n, 0, true)]);
        // The same rows in small blocks, each written row by row.
        let small: Vec<OutputTable> = (0..n).step_by(1000).map(|s| table(1000.min(n - s), s, false)).collect();
        let serial = write(&dir.path().join("b.csv"), &small);
        assert_eq!(parallel.len(), serial.len());
        assert!(parallel == serial, "the outputs differ");
        assert!(serial.starts_with("text,number,integer,label\n"));
        assert!(serial.contains("\"with, comma\"") && serial.contains("\"with \"\"quote\"\"\""));
        assert_eq!(serial.lines().count(), n + 1);
    }

    #[test]
    fn dictionary_column_reads_back_from_parquet_as_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.parquet");
        let mut w = TableWriter::create(path.to_str().unwrap()).unwrap();
        w.write(&table(20, 0, true)).unwrap();
        w.finish().unwrap();
        let file = File::open(&path).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
        let batch = reader.into_iter().next().unwrap().unwrap();
        let labels = batch.column(3).as_any().downcast_ref::<StringArray>().unwrap();
        assert!(labels.is_null(0));
        assert_eq!(labels.value(1), "with, comma");
        assert_eq!(labels.value(4), "plain");
    }
}
