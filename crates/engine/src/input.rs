//! Reading input tables: CSV (a file, or a stream such as standard input), Parquet and Excel
//! files by extension ([`TableFormat`]), and Arrow record batches already in memory.
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

use crate::csv_reader::CsvReader;
use crate::error::{EngineError, Location, Result};

/// Rows per chunk: large enough to amortise per-chunk work, small enough to stream.
pub const CHUNK_ROWS: usize = 65_536;

/// The formats of table files the engine reads and writes: the one list of formats and of the
/// extensions that name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableFormat {
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Tab-separated values with a header row (`.tsv`).
    Tsv,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// An Excel workbook (`.xlsx`): its first worksheet, under the header of its first row.
    Xlsx,
}

impl TableFormat {
    /// The format named by a path's (or glob's) extension, ignoring case; `None` for any other.
    pub fn from_extension(path: &str) -> Option<TableFormat> {
        let ext = std::path::Path::new(path).extension().and_then(|e| e.to_str())?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(TableFormat::Csv),
            "tsv" => Some(TableFormat::Tsv),
            "parquet" | "pq" => Some(TableFormat::Parquet),
            "xlsx" => Some(TableFormat::Xlsx),
            _ => None,
        }
    }

    /// The format of an input or output of `calc`: by [`TableFormat::from_extension`], and CSV
    /// for any other name (`-`, `data.txt`).
    pub fn from_path(path: &str) -> TableFormat {
        TableFormat::from_extension(path).unwrap_or(TableFormat::Csv)
    }

    /// The format's name as a user gives it (`"csv"`, `"tsv"`, `"parquet"`, `"xlsx"`).
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Tsv => "tsv",
            TableFormat::Parquet => "parquet",
            TableFormat::Xlsx => "xlsx",
        }
    }

    /// The format a user names (`"csv"`, `"tsv"`, `"parquet"`, `"xlsx"`, any case).
    ///
    /// # Errors
    /// Any other name, listing the names.
    pub fn from_name(name: &str) -> Result<TableFormat> {
        [TableFormat::Csv, TableFormat::Tsv, TableFormat::Parquet, TableFormat::Xlsx]
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                EngineError::Usage(format!("\"{name}\" is not a table format; expected csv, tsv, parquet or xlsx"))
            })
    }
}

enum Source {
    Csv(Box<CsvReader>),
    Parquet(Box<ParquetRecordBatchReaderBuilder<File>>),
    Batches(Vec<RecordBatch>),
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
    pub texts: Vec<TextColumn>,
}

impl Chunk {
    /// The cell of text column `slot` at `row` (`None` when missing).
    #[inline]
    pub fn text(&self, slot: usize, row: usize) -> Option<&str> {
        self.texts[slot].get(row)
    }
}

/// One text column of a chunk: its cells one after another in a single buffer, with where
/// each ends, so that reading a chunk allocates per column, not per cell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextColumn {
    text: String,
    ends: Vec<usize>,
    /// Which cells are missing (a Parquet null); empty while none is.
    missing: Vec<bool>,
}

impl TextColumn {
    /// An empty column with room for `rows` cells of `bytes` bytes in all.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        TextColumn { text: String::with_capacity(bytes), ends: Vec::with_capacity(rows), missing: Vec::new() }
    }

    /// Number of cells.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends a cell.
    #[inline]
    pub fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends.push(self.text.len());
        if !self.missing.is_empty() {
            self.missing.push(false);
        }
    }

    /// Appends a missing cell.
    pub fn push_missing(&mut self) {
        if self.missing.is_empty() {
            self.missing = vec![false; self.ends.len()];
        }
        self.ends.push(self.text.len());
        self.missing.push(true);
    }

    /// The cell at `row`: `None` when it is missing or beyond the column.
    #[inline]
    pub fn get(&self, row: usize) -> Option<&str> {
        let end = *self.ends.get(row)?;
        if self.missing.get(row).copied().unwrap_or(false) {
            return None;
        }
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        self.text.get(start..end)
    }

    /// The cells in order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(move |row| self.get(row))
    }

    /// The cells as owned strings.
    pub fn to_strings(&self) -> Vec<Option<String>> {
        self.iter().map(|c| c.map(str::to_string)).collect()
    }
}

impl<'a> FromIterator<Option<&'a str>> for TextColumn {
    fn from_iter<I: IntoIterator<Item = Option<&'a str>>>(cells: I) -> Self {
        let mut column = TextColumn::default();
        for cell in cells {
            match cell {
                Some(c) => column.push(c),
                None => column.push_missing(),
            }
        }
        column
    }
}

fn is_missing(cell: &str) -> bool {
    matches!(cell.trim(), "" | "NA" | "NaN" | "NULL" | "na" | "null" | "nan")
}

/// Parses a number as an analyst writes it: surrounding spaces allowed; missing markers give
/// `None`.
pub(crate) fn parse_number(cell: &str) -> std::result::Result<Option<f64>, ()> {
    if let Some(x) = parse_plain_decimal(cell.as_bytes()) {
        return Ok(Some(x));
    }
    if is_missing(cell) {
        return Ok(None);
    }
    cell.trim().parse::<f64>().map(Some).map_err(|_| ())
}

/// Powers of ten exactly representable as `f64`.
const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/// The common case of a cell, done without the general parser: an optional `-`, then digits
/// with at most one `.`, at most 15 digits in all and at least one. The digits as an integer m
/// are below 10¹⁵ < 2⁵³ and so exact as `f64`, as is 10ᵏ for the k ≤ 15 digits after the
/// point, so m / 10ᵏ is the correctly rounded value, the same `f64` that `str::parse` gives
/// (Clinger's fast path). `None` for anything else (the general parser then decides).
#[inline]
fn parse_plain_decimal(bytes: &[u8]) -> Option<f64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa = 0u64;
    let mut count = 0usize;
    let mut point: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
            }
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    if count == 0 || count > 15 {
        return None;
    }
    let decimals = point.map_or(0, |p| digits.len() - p - 1);
    let magnitude = mantissa as f64 / POW10[decimals];
    Some(if negative { -magnitude } else { magnitude })
}

/// [`parse_number`] of a CSV cell's bytes.
#[inline]
fn parse_number_bytes(cell: &[u8]) -> std::result::Result<Option<f64>, ()> {
    if let Some(x) = parse_plain_decimal(cell) {
        return Ok(Some(x));
    }
    std::str::from_utf8(cell).map_err(|_| ()).and_then(parse_number)
}

impl InputTable {
    /// Opens the file `path` and reads its header: Parquet and Excel by their extension, CSV
    /// otherwise ([`TableFormat::from_path`]). (Standard input is the caller's to name: read
    /// it with [`InputTable::from_csv_reader`].)
    ///
    /// # Errors
    /// The file cannot be opened, or its header (CSV, Excel) or metadata (Parquet) cannot be
    /// read; a `.tsv` file (tab-separated values are read by SQL only).
    pub fn open(path: &str) -> Result<InputTable> {
        InputTable::open_file(std::path::Path::new(path), TableFormat::from_path(path))
    }

    /// Opens the file `path` as `format` and reads its header.
    ///
    /// # Errors
    /// As [`InputTable::open`].
    pub fn open_file(path: &std::path::Path, format: TableFormat) -> Result<InputTable> {
        let name = path.display().to_string();
        match format {
            TableFormat::Csv => {
                let file = File::open(path).map_err(|e| EngineError::io(path, e))?;
                InputTable::from_csv_reader(&name, Box::new(file))
            }
            TableFormat::Tsv => Err(EngineError::Usage(format!(
                "{name}: tab-separated values are read by SQL only; give a .csv, .parquet or .xlsx file"
            ))),
            TableFormat::Parquet => {
                let file = File::open(path).map_err(|e| EngineError::io(path, e))?;
                let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| EngineError::Format {
                    at: Location { file: name.clone(), row: None, column: None },
                    message: format!("not a readable Parquet file: {e}"),
                })?;
                let headers = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
                Ok(InputTable { name, headers, source: Source::Parquet(Box::new(builder)) })
            }
            TableFormat::Xlsx => {
                let (schema, batches) = read_xlsx(path)?;
                Ok(InputTable::from_batches(&name, &schema, batches))
            }
        }
    }

    /// A CSV table read from `reader` (a file, standard input, a socket), named `name` in
    /// errors; reads its header.
    ///
    /// # Errors
    /// The header cannot be read or is not UTF-8 text.
    pub fn from_csv_reader(name: &str, reader: Box<dyn Read + Send>) -> Result<InputTable> {
        let mut csv = CsvReader::new(reader);
        let mut headers = Vec::new();
        if csv.read().map_err(|e| read_error(name, e))? {
            if !csv.is_utf8() {
                return Err(not_utf8(name, csv.index()));
            }
            for i in 0..csv.len() {
                let h = String::from_utf8_lossy(csv.field(i).unwrap_or_default());
                headers.push(h.trim_start_matches('\u{feff}').trim().to_string());
            }
        }
        Ok(InputTable { name: name.to_string(), headers, source: Source::Csv(Box::new(csv)) })
    }

    /// A table of record batches already in memory, of `schema`, named `name` in errors. Text
    /// columns holding numbers are parsed as a CSV's would be; numeric columns are read as
    /// numbers (a NaN is missing).
    pub fn from_batches(name: &str, schema: &arrow::datatypes::Schema, batches: Vec<RecordBatch>) -> InputTable {
        let headers = schema.fields().iter().map(|f| f.name().clone()).collect();
        InputTable { name: name.to_string(), headers, source: Source::Batches(batches) }
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
                let reader = builder.with_projection(mask).with_batch_size(CHUNK_ROWS).build().map_err(|e| {
                    EngineError::Format {
                        at: Location { file: self.name.clone(), row: None, column: None },
                        message: e.to_string(),
                    }
                })?;
                Inner::Parquet { reader, projected: wanted }
            }
            Source::Batches(batches) => {
                Inner::Batches { batches: batches.into_iter(), all: (0..self.headers.len()).collect() }
            }
        };
        Ok(ChunkReader { place: FilePlace { name: self.name, headers: self.headers }, request, inner, next_row: 1 })
    }
}

fn read_error(name: &str, e: std::io::Error) -> EngineError {
    EngineError::Format { at: Location { file: name.to_string(), row: None, column: None }, message: e.to_string() }
}

fn not_utf8(name: &str, record: u64) -> EngineError {
    EngineError::Format {
        at: Location { file: name.to_string(), row: Some(record), column: None },
        message: "the file is not valid UTF-8 text".to_string(),
    }
}

/// A text column of a CSV chunk while it is read: cell bytes (each checked to be UTF-8 with
/// its record) and ends, made into a [`TextColumn`] with one check of the whole buffer.
#[derive(Default)]
struct TextBytes {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl TextBytes {
    fn finish(self) -> TextColumn {
        let text = String::from_utf8(self.bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        TextColumn { text, ends: self.ends, missing: Vec::new() }
    }
}

enum Inner {
    Csv(Box<CsvReader>),
    Parquet {
        reader: ParquetRecordBatchReader,
        projected: Vec<usize>,
    },
    /// Batches in memory, every column present (`all` is each column's own index).
    Batches {
        batches: std::vec::IntoIter<RecordBatch>,
        all: Vec<usize>,
    },
}

/// A file's name and column names, for errors ([`ChunkReader::place`]).
#[derive(Clone, Debug)]
pub struct FilePlace {
    name: String,
    headers: Vec<String>,
}

impl FilePlace {
    /// A [`Location`] in the file: a data row and a column by its index.
    pub fn at(&self, row: Option<u64>, column: Option<usize>) -> Location {
        Location { file: self.name.clone(), row, column: column.and_then(|c| self.headers.get(c).cloned()) }
    }
}

/// Reads an input table's requested columns in chunks.
pub struct ChunkReader {
    place: FilePlace,
    request: ColumnRequest,
    inner: Inner,
    next_row: u64,
}

impl ChunkReader {
    /// The file name as errors show it.
    pub fn name(&self) -> &str {
        &self.place.name
    }

    /// The column names of the whole file.
    pub fn headers(&self) -> &[String] {
        &self.place.headers
    }

    /// A [`Location`] in this file.
    pub fn at(&self, row: Option<u64>, column: Option<usize>) -> Location {
        self.place.at(row, column)
    }

    /// The file's name and columns, to name locations while the reader is busy reading ahead
    /// ([`ChunkReader::for_each_chunk_read_ahead`]).
    pub fn place(&self) -> FilePlace {
        self.place.clone()
    }

    /// Calls `each` on every chunk in turn, while the next chunk is read and parsed on another
    /// thread: reading overlaps the caller's work on the chunk before (grouping, checking), so
    /// the two take the longer of their times rather than the sum. Stops at the first error,
    /// the reader's or `each`'s.
    ///
    /// # Errors
    /// As [`ChunkReader::next_chunk`], or `each`'s error.
    pub fn for_each_chunk_read_ahead(&mut self, mut each: impl FnMut(Chunk) -> Result<()>) -> Result<()> {
        std::thread::scope(|scope| {
            // One chunk waits while the next is read: two in memory besides the one in use.
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Option<Chunk>>>(1);
            let reader = &mut *self;
            scope.spawn(move || loop {
                let next = reader.next_chunk();
                let last = !matches!(next, Ok(Some(_)));
                // A closed channel: the caller stopped (an error of its own).
                if sender.send(next).is_err() || last {
                    break;
                }
            });
            let result = loop {
                match receiver.recv() {
                    Ok(Ok(Some(chunk))) => {
                        if let Err(e) = each(chunk) {
                            break Err(e);
                        }
                    }
                    Ok(Ok(None)) => break Ok(()),
                    Ok(Err(e)) => break Err(e),
                    // The reading thread ended without a last message: it panicked, and the
                    // scope passes the panic on.
                    Err(_) => break Ok(()),
                }
            };
            // Let a reading thread waiting to send see the closed channel and stop.
            drop(receiver);
            result
        })
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
            texts: vec![TextColumn::default(); self.request.texts.len()],
        };
        match &mut self.inner {
            Inner::Csv(csv) => {
                let mut texts: Vec<TextBytes> = (0..self.request.texts.len()).map(|_| TextBytes::default()).collect();
                while chunk.len < CHUNK_ROWS {
                    let more = csv.read().map_err(|e| read_error(&self.place.name, e))?;
                    if !more {
                        break;
                    }
                    // Every row has the header's number of fields, as the `csv` crate requires
                    // when not flexible.
                    if csv.len() != self.place.headers.len() {
                        return Err(EngineError::Format {
                            at: Location { file: self.place.name.clone(), row: Some(csv.index()), column: None },
                            message: format!(
                                "expected {} fields as in the header, found {}",
                                self.place.headers.len(),
                                csv.len()
                            ),
                        });
                    }
                    if chunk.len == 0 {
                        // Size the chunk's columns from its first row.
                        for numbers in &mut chunk.numbers {
                            numbers.reserve(CHUNK_ROWS);
                        }
                        for (text, &col) in texts.iter_mut().zip(&self.request.texts) {
                            let width = csv.field(col).map_or(0, <[u8]>::len).min(30);
                            text.bytes.reserve(CHUNK_ROWS * (width + 2));
                            text.ends.reserve(CHUNK_ROWS);
                        }
                    }
                    let row = first_row + chunk.len as u64;
                    // The whole record must be UTF-8 text, as the file must.
                    if !csv.is_utf8() {
                        return Err(not_utf8(&self.place.name, csv.index()));
                    }
                    for (slot, &col) in self.request.numbers.iter().enumerate() {
                        let cell = csv.field(col).unwrap_or(b"");
                        let value = parse_number_bytes(cell).map_err(|()| EngineError::BadValue {
                            at: Location {
                                file: self.place.name.clone(),
                                row: Some(row),
                                column: self.place.headers.get(col).cloned(),
                            },
                            expected: "a number".into(),
                            found: String::from_utf8_lossy(cell).into_owned(),
                        })?;
                        chunk.numbers[slot].push(value);
                    }
                    for (text, &col) in texts.iter_mut().zip(&self.request.texts) {
                        text.bytes.extend_from_slice(csv.field(col).unwrap_or(b""));
                        text.ends.push(text.bytes.len());
                    }
                    chunk.len += 1;
                }
                chunk.texts = texts.into_iter().map(TextBytes::finish).collect();
            }
            Inner::Parquet { .. } | Inner::Batches { .. } => {
                let (batch, projected) = match &mut self.inner {
                    Inner::Parquet { reader, projected } => {
                        let Some(batch) = reader.next() else {
                            return Ok(None);
                        };
                        let batch = batch.map_err(|e| EngineError::Format {
                            at: Location { file: self.place.name.clone(), row: Some(first_row), column: None },
                            message: e.to_string(),
                        })?;
                        (batch, &*projected)
                    }
                    Inner::Batches { batches, all } => {
                        // Skip empty batches: an empty chunk ends the table.
                        let Some(batch) = batches.by_ref().find(|b| b.num_rows() > 0) else {
                            return Ok(None);
                        };
                        (batch, &*all)
                    }
                    Inner::Csv(_) => return Ok(None),
                };
                chunk.len = batch.num_rows();
                for (slot, &col) in self.request.numbers.iter().enumerate() {
                    chunk.numbers[slot] =
                        parquet_numbers(&batch, projected, col, &self.place.name, &self.place.headers, first_row)?;
                }
                for (slot, &col) in self.request.texts.iter().enumerate() {
                    chunk.texts[slot] = parquet_texts(&batch, projected, col, &self.place.name, &self.place.headers)?;
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

fn parquet_numbers(
    batch: &RecordBatch,
    projected: &[usize],
    col: usize,
    name: &str,
    headers: &[String],
    first_row: u64,
) -> Result<Vec<Option<f64>>> {
    let at = |row: Option<u64>| Location { file: name.to_string(), row, column: headers.get(col).cloned() };
    let array = projected_column(batch, projected, col)
        .ok_or_else(|| EngineError::Format { at: at(None), message: "column not read".into() })?;
    if matches!(array.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        // Text holding numbers: parse each, so a bad cell is named.
        let texts = arrow::compute::cast(array, &DataType::Utf8)
            .map_err(|e| EngineError::Format { at: at(None), message: e.to_string() })?;
        let texts = texts
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| EngineError::Format { at: at(None), message: "not text".into() })?;
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
    let values = cast
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| EngineError::Format { at: at(None), message: "not numeric".into() })?;
    Ok((0..values.len()).map(|i| (!values.is_null(i) && !values.value(i).is_nan()).then(|| values.value(i))).collect())
}

fn parquet_texts(
    batch: &RecordBatch,
    projected: &[usize],
    col: usize,
    name: &str,
    headers: &[String],
) -> Result<TextColumn> {
    let at = Location { file: name.to_string(), row: None, column: headers.get(col).cloned() };
    let array = projected_column(batch, projected, col)
        .ok_or_else(|| EngineError::Format { at: at.clone(), message: "column not read".into() })?;
    let cast = arrow::compute::cast(array, &DataType::Utf8)
        .map_err(|e| EngineError::Format { at: at.clone(), message: e.to_string() })?;
    let texts = cast
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| EngineError::Format { at, message: "not text".into() })?;
    Ok((0..texts.len()).map(|i| (!texts.is_null(i)).then(|| texts.value(i))).collect())
}

/// The first worksheet of the Excel workbook at `path` as text columns (numbers written as
/// Excel shows them: whole numbers without a decimal point), under the header of its first
/// row, in batches of [`CHUNK_ROWS`] rows.
///
/// # Errors
/// A file that is not a readable workbook, a workbook without a worksheet, an empty worksheet.
pub fn read_xlsx(path: &std::path::Path) -> Result<(std::sync::Arc<arrow::datatypes::Schema>, Vec<RecordBatch>)> {
    use arrow::array::ArrayRef;
    use arrow::datatypes::{Field, Schema};
    use calamine::{Data, Reader};
    use std::sync::Arc;
    let file = path.display().to_string();
    let error =
        |message: String| EngineError::Format { at: Location { file: file.clone(), row: None, column: None }, message };
    let mut workbook =
        calamine::open_workbook_auto(path).map_err(|e| error(format!("not a readable Excel workbook: {e}")))?;
    let sheet = workbook.sheet_names().first().cloned().ok_or_else(|| error("the workbook has no worksheet".into()))?;
    let range = workbook.worksheet_range(&sheet).map_err(|e| error(e.to_string()))?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| error(format!("worksheet \"{sheet}\" is empty: expected a header row")))?
        .iter()
        .map(|c| c.to_string().trim().to_string())
        .collect();
    let schema = Arc::new(Schema::new(header.iter().map(|h| Field::new(h, DataType::Utf8, true)).collect::<Vec<_>>()));
    let text = |c: &Data| -> Option<String> {
        match c {
            Data::Empty => None,
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
            other => Some(other.to_string()),
        }
    };
    let mut batches = Vec::new();
    let all: Vec<&[Data]> = rows.collect();
    for block in all.chunks(CHUNK_ROWS) {
        let columns: Vec<ArrayRef> = (0..header.len())
            .map(|c| {
                Arc::new(StringArray::from(block.iter().map(|r| r.get(c).and_then(text)).collect::<Vec<_>>()))
                    as ArrayRef
            })
            .collect();
        batches.push(RecordBatch::try_new(schema.clone(), columns).map_err(|e| error(e.to_string()))?);
    }
    Ok((schema, batches))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path for plain decimals gives exactly what the general parser gives, and
    /// leaves everything else to it.
    #[test]
    fn plain_decimals_parse_as_std_parses_them() {
        for cell in [
            "0",
            "-0",
            "007",
            "1",
            "10",
            "123456789012345",
            "1234567890123456",
            "0.1",
            "-0.1",
            ".5",
            "1.",
            "3.14159",
            "0.000000000000001",
            "999999999999999",
            "99999999999999.9",
            "76.123456",
            "100000",
            "5.5e3",
            "1e5",
            " 7",
            "7 ",
            "+7",
            ".",
            "-",
            "",
            "1.2.3",
            "1-2",
            "NA",
            "NaN",
            "inf",
            "-inf",
            "0x10",
            "1,5",
        ] {
            let want = if is_missing(cell) { Ok(None) } else { cell.trim().parse::<f64>().map(Some).map_err(|_| ()) };
            let got = parse_number(cell);
            assert_eq!(got.map(|v| v.map(f64::to_bits)), want.map(|v| v.map(f64::to_bits)), "{cell:?}");
            assert_eq!(
                parse_number_bytes(cell.as_bytes()).map(|v| v.map(f64::to_bits)),
                want.map(|v| v.map(f64::to_bits)),
                "{cell:?}"
            );
        }
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = 1 + (state % 15) as usize;
            let mantissa = (state >> 8) % 10u64.pow(digits as u32);
            let mut text = format!("{mantissa:0digits$}");
            let point = ((state >> 4) % (digits as u64 + 1)) as usize;
            text.insert(point, '.');
            if state & 1 == 1 {
                text.insert(0, '-');
            }
            let want = text.parse::<f64>().ok();
            assert_eq!(parse_plain_decimal(text.as_bytes()).map(f64::to_bits), want.map(f64::to_bits), "{text}");
        }
    }

    /// Reading ahead gives the chunks `next_chunk` gives, in order; a reading error (a bad
    /// number in the third chunk) and an error of the caller's own each stop it, with that error.
    #[test]
    fn chunks_read_ahead_are_the_chunks_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let rows = 2 * CHUNK_ROWS + 10;
        let mut text = String::from("area,value\n");
        for i in 0..rows {
            text.push_str(&format!("A{i},{i}\n"));
        }
        std::fs::write(&path, &text).unwrap();
        let open = |path: &std::path::Path| {
            let table = InputTable::open(path.to_str().unwrap()).unwrap();
            table.chunks(ColumnRequest { numbers: vec![1], texts: vec![0] }).unwrap()
        };
        let mut expected = Vec::new();
        let mut reader = open(&path);
        while let Some(chunk) = reader.next_chunk().unwrap() {
            expected.push(chunk);
        }
        let mut got = Vec::new();
        open(&path)
            .for_each_chunk_read_ahead(|chunk| {
                got.push(chunk);
                Ok(())
            })
            .unwrap();
        assert_eq!(got.len(), 3);
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!((g.first_row, g.len, &g.numbers), (e.first_row, e.len, &e.numbers));
            assert_eq!(g.texts[0].iter().collect::<Vec<_>>(), e.texts[0].iter().collect::<Vec<_>>());
        }

        // The caller's error stops the reading.
        let mut seen = 0;
        let e = open(&path)
            .for_each_chunk_read_ahead(|_| {
                seen += 1;
                Err(EngineError::Usage("stop".into()))
            })
            .unwrap_err();
        assert_eq!((seen, e.to_string().contains("stop")), (1, true));

        // A bad number in the third chunk: the chunks before it, then its error.
        let bad = 2 * CHUNK_ROWS + 5;
        std::fs::write(&path, text.replace(&format!("A{bad},{bad}\n"), &format!("A{bad},many\n"))).unwrap();
        let mut chunks = 0;
        let e = open(&path)
            .for_each_chunk_read_ahead(|_| {
                chunks += 1;
                Ok(())
            })
            .unwrap_err()
            .to_string();
        assert_eq!(chunks, 2);
        assert!(e.contains("many") && e.contains(&(bad as u64 + 1).to_string()), "{e}");
    }

    #[test]
    fn text_columns_hold_cells_and_missing_cells() {
        let column: TextColumn = [Some("a"), None, Some(""), Some("héllo")].into_iter().collect();
        assert_eq!(column.len(), 4);
        assert_eq!(column.iter().collect::<Vec<_>>(), [Some("a"), None, Some(""), Some("héllo")]);
        assert_eq!(column.get(4), None);
        assert_eq!(column.to_strings()[3].as_deref(), Some("héllo"));
    }
}
