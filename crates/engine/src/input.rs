//! Reading input tables: CSV (a file, or standard input as `-`) and Parquet, by extension.
//!
//! A table is read in chunks of [`CHUNK_ROWS`] rows holding only the columns a method asked
//! for, numbers parsed and checked on the way, so that row-wise methods stream over inputs
//! larger than memory and every bad cell is reported with its file, row and column.
//!
//! Missing values: an empty cell, `NA`, `NaN`, `NULL` or a Parquet null is missing (`None`).

use std::fs::File;
use std::io::Read;

use arrow::array::{Array, Float64Array, StringArray};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use crate::error::{EngineError, Location, Result};

/// Rows per chunk: large enough to amortise per-chunk work, small enough to stream.
pub const CHUNK_ROWS: usize = 65_536;

/// The formats the engine reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl TableFormat {
    /// The format a path's extension says: `.parquet` / `.pq` is Parquet, anything else
    /// (including `-`, standard input or output) is CSV.
    pub fn from_path(path: &str) -> TableFormat {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            TableFormat::Parquet
        } else {
            TableFormat::Csv
        }
    }
}

enum Source {
    Csv(Box<csv::Reader<Box<dyn Read + Send>>>),
    Parquet(Box<ParquetRecordBatchReaderBuilder<File>>),
}

/// An opened input table whose header is known and whose rows are still unread.
pub struct InputTable {
    name: String,
    headers: Vec<String>,
    source: Source,
}

/// Which columns to read, as numbers and as text, by their index in [`InputTable::headers`].
#[derive(Clone, Debug, Default)]
pub struct ColumnRequest {
    /// Columns parsed as numbers, in the order the chunk's `numbers` will hold them.
    pub numbers: Vec<usize>,
    /// Columns read as text, in the order the chunk's `texts` will hold them.
    pub texts: Vec<usize>,
}

/// A run of consecutive rows, column by column.
#[derive(Clone, Debug, Default)]
pub struct Chunk {
    /// The 1-based data row number of the chunk's first row.
    pub first_row: u64,
    /// Number of rows.
    pub len: usize,
    /// The requested numeric columns.
    pub numbers: Vec<Vec<Option<f64>>>,
    /// The requested text columns.
    pub texts: Vec<Vec<Option<String>>>,
}

fn is_missing(cell: &str) -> bool {
    matches!(cell.trim(), "" | "NA" | "NaN" | "NULL" | "na" | "null" | "nan")
}

/// Parses a number as an analyst writes it: surrounding spaces allowed; missing markers give
/// `None`.
pub fn parse_number(cell: &str) -> std::result::Result<Option<f64>, ()> {
    if is_missing(cell) {
        return Ok(None);
    }
    cell.trim().parse::<f64>().map(Some).map_err(|_| ())
}

impl InputTable {
    /// Opens `path` (or standard input for `-`) and reads its header.
    ///
    /// # Errors
    /// The file cannot be opened, or its header (CSV) or metadata (Parquet) cannot be read.
    pub fn open(path: &str) -> Result<InputTable> {
        match TableFormat::from_path(path) {
            TableFormat::Csv => {
                let (name, reader): (String, Box<dyn Read + Send>) = if path == "-" {
                    ("<stdin>".to_string(), Box::new(std::io::stdin()))
                } else {
                    let file = File::open(path).map_err(|e| EngineError::io(path, e))?;
                    (path.to_string(), Box::new(std::io::BufReader::with_capacity(1 << 20, file)))
                };
                let mut csv = csv::ReaderBuilder::new().flexible(false).from_reader(reader);
                let headers = csv
                    .headers()
                    .map_err(|e| csv_error(&name, e))?
                    .iter()
                    .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                    .collect();
                Ok(InputTable { name, headers, source: Source::Csv(Box::new(csv)) })
            }
            TableFormat::Parquet => {
                let file = File::open(path).map_err(|e| EngineError::io(path, e))?;
                let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| EngineError::Format {
                    at: Location { file: path.to_string(), row: None, column: None },
                    message: format!("not a readable Parquet file: {e}"),
                })?;
                let headers = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
                Ok(InputTable { name: path.to_string(), headers, source: Source::Parquet(Box::new(builder)) })
            }
        }
    }

    /// The file name as errors show it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The index of column `name`; `role` says what it is needed for (for the error).
    ///
    /// # Errors
    /// [`EngineError::MissingColumn`] listing the columns the file has.
    pub fn column(&self, name: &str, role: &str) -> Result<usize> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| EngineError::MissingColumn {
            file: self.name.clone(),
            column: name.to_string(),
            role: role.to_string(),
            available: self.headers.join(", "),
        })
    }

    /// Starts reading the requested columns chunk by chunk.
    ///
    /// # Errors
    /// A Parquet file whose reader cannot be built.
    pub fn chunks(self, request: ColumnRequest) -> Result<ChunkReader> {
        let inner = match self.source {
            Source::Csv(csv) => Inner::Csv(csv),
            Source::Parquet(builder) => {
                let mut wanted: Vec<usize> = request.numbers.iter().chain(&request.texts).copied().collect();
                wanted.sort_unstable();
                wanted.dedup();
                let mask = ProjectionMask::roots(builder.parquet_schema(), wanted.iter().copied());
                let reader = builder.with_projection(mask).with_batch_size(CHUNK_ROWS).build().map_err(|e| EngineError::Format {
                    at: Location { file: self.name.clone(), row: None, column: None },
                    message: e.to_string(),
                })?;
                Inner::Parquet { reader, projected: wanted }
            }
        };
        Ok(ChunkReader { name: self.name, headers: self.headers, request, inner, next_row: 1 })
    }
}

fn csv_error(name: &str, e: csv::Error) -> EngineError {
    let row = e.position().map(|p| p.record());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("expected {expected_len} fields as in the header, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the file is not valid UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    EngineError::Format { at: Location { file: name.to_string(), row, column: None }, message }
}

enum Inner {
    Csv(Box<csv::Reader<Box<dyn Read + Send>>>),
    Parquet { reader: ParquetRecordBatchReader, projected: Vec<usize> },
}

/// Reads an input table's requested columns in chunks.
pub struct ChunkReader {
    name: String,
    headers: Vec<String>,
    request: ColumnRequest,
    inner: Inner,
    next_row: u64,
}

impl ChunkReader {
    /// The file name as errors show it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column names of the whole file.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// A [`Location`] in this file.
    pub fn at(&self, row: Option<u64>, column: Option<usize>) -> Location {
        Location { file: self.name.clone(), row, column: column.and_then(|c| self.headers.get(c).cloned()) }
    }

    /// The next chunk, or `None` at the end of the table.
    ///
    /// # Errors
    /// A cell that should be a number and is not, a row with the wrong number of fields, or a
    /// file that cannot be read.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        let first_row = self.next_row;
        let mut chunk = Chunk {
            first_row,
            len: 0,
            numbers: vec![Vec::new(); self.request.numbers.len()],
            texts: vec![Vec::new(); self.request.texts.len()],
        };
        match &mut self.inner {
            Inner::Csv(csv) => {
                let mut record = csv::StringRecord::new();
                while chunk.len < CHUNK_ROWS {
                    let more = csv.read_record(&mut record).map_err(|e| csv_error(&self.name, e))?;
                    if !more {
                        break;
                    }
                    let row = first_row + chunk.len as u64;
                    for (slot, &col) in self.request.numbers.iter().enumerate() {
                        let cell = record.get(col).unwrap_or("");
                        let value = parse_number(cell).map_err(|()| EngineError::BadValue {
                            at: Location { file: self.name.clone(), row: Some(row), column: self.headers.get(col).cloned() },
                            expected: "a number".into(),
                            found: cell.to_string(),
                        })?;
                        chunk.numbers[slot].push(value);
                    }
                    for (slot, &col) in self.request.texts.iter().enumerate() {
                        chunk.texts[slot].push(record.get(col).map(str::to_string));
                    }
                    chunk.len += 1;
                }
            }
            Inner::Parquet { reader, projected } => {
                let Some(batch) = reader.next() else {
                    return Ok(None);
                };
                let batch = batch.map_err(|e| EngineError::Format {
                    at: Location { file: self.name.clone(), row: Some(first_row), column: None },
                    message: e.to_string(),
                })?;
                chunk.len = batch.num_rows();
                for (slot, &col) in self.request.numbers.iter().enumerate() {
                    chunk.numbers[slot] = parquet_numbers(&batch, projected, col, &self.name, &self.headers, first_row)?;
                }
                for (slot, &col) in self.request.texts.iter().enumerate() {
                    chunk.texts[slot] = parquet_texts(&batch, projected, col, &self.name, &self.headers)?;
                }
            }
        }
        if chunk.len == 0 {
            return Ok(None);
        }
        self.next_row += chunk.len as u64;
        Ok(Some(chunk))
    }
}

fn projected_column<'a>(batch: &'a RecordBatch, projected: &[usize], col: usize) -> Option<&'a dyn Array> {
    let pos = projected.iter().position(|&c| c == col)?;
    Some(batch.column(pos).as_ref())
}

fn parquet_numbers(batch: &RecordBatch, projected: &[usize], col: usize, name: &str, headers: &[String], first_row: u64) -> Result<Vec<Option<f64>>> {
    let at = |row: Option<u64>| Location { file: name.to_string(), row, column: headers.get(col).cloned() };
    let array = projected_column(batch, projected, col).ok_or_else(|| EngineError::Format { at: at(None), message: "column not read".into() })?;
    if matches!(array.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        // Text holding numbers: parse each, so a bad cell is named.
        let texts = arrow::compute::cast(array, &DataType::Utf8).map_err(|e| EngineError::Format { at: at(None), message: e.to_string() })?;
        let texts = texts.as_any().downcast_ref::<StringArray>().ok_or_else(|| EngineError::Format { at: at(None), message: "not text".into() })?;
        return (0..texts.len())
            .map(|i| {
                if texts.is_null(i) {
                    return Ok(None);
                }
                parse_number(texts.value(i)).map_err(|()| EngineError::BadValue {
                    at: at(Some(first_row + i as u64)),
                    expected: "a number".into(),
                    found: texts.value(i).to_string(),
                })
            })
            .collect();
    }
    let cast = arrow::compute::cast(array, &DataType::Float64).map_err(|_| EngineError::BadValue {
        at: at(None),
        expected: "a numeric column".into(),
        found: array.data_type().to_string(),
    })?;
    let values = cast.as_any().downcast_ref::<Float64Array>().ok_or_else(|| EngineError::Format { at: at(None), message: "not numeric".into() })?;
    Ok((0..values.len()).map(|i| (!values.is_null(i) && !values.value(i).is_nan()).then(|| values.value(i))).collect())
}

fn parquet_texts(batch: &RecordBatch, projected: &[usize], col: usize, name: &str, headers: &[String]) -> Result<Vec<Option<String>>> {
    let at = Location { file: name.to_string(), row: None, column: headers.get(col).cloned() };
    let array = projected_column(batch, projected, col).ok_or_else(|| EngineError::Format { at: at.clone(), message: "column not read".into() })?;
    let cast = arrow::compute::cast(array, &DataType::Utf8).map_err(|e| EngineError::Format { at: at.clone(), message: e.to_string() })?;
    let texts = cast.as_any().downcast_ref::<StringArray>().ok_or_else(|| EngineError::Format { at, message: "not text".into() })?;
    Ok((0..texts.len()).map(|i| (!texts.is_null(i)).then(|| texts.value(i).to_string())).collect())
}
