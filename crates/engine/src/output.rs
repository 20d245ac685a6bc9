//! Writing result tables as CSV (a file or a stream) or Parquet.
//!
//! Every file is written through [`AtomicFile`]: under a unique temporary name beside its
//! destination, synced to disk and only then renamed over it, so a crash or an error part-way
//! leaves the previous file (or none), never a half-written one. Numbers are written at full precision (the shortest text that reads back
//! as the same `f64`); a missing value is an empty CSV cell or a Parquet null.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arrow::array::{Array, ArrayRef, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

use crate::error::{EngineError, Location, Result};
use crate::input::{TableFormat, TextColumn};

/// One output column.
#[derive(Clone, Debug, PartialEq)]
pub enum OutputColumn {
    /// Text.
    Text(Vec<Option<String>>),
    /// Text with few distinct values or long runs of one (group keys, labels): each distinct
    /// value held once.
    Labels(LabelColumn),
    /// Text passed through from an input chunk.
    Cells(TextColumn),
    /// Floating-point numbers.
    Number(Vec<Option<f64>>),
    /// Whole numbers (counts, quantiles).
    Integer(Vec<Option<i64>>),
    /// An Arrow text array (a column of a record batch).
    Strings(StringArray),
    /// An Arrow floating-point array (a column of a record batch).
    Floats(Float64Array),
}

/// Text column holding each value once and, per row, which value it has, so that a label
/// repeated on many rows is not copied for each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelColumn {
    labels: Vec<String>,
    rows: Vec<Option<u32>>,
}

impl LabelColumn {
    /// No rows, no labels.
    pub fn new() -> Self {
        LabelColumn::default()
    }

    /// A column from its distinct `labels` and, per row, the index of its label (or `None`).
    pub fn from_parts(labels: Vec<String>, rows: Vec<Option<u32>>) -> Self {
        LabelColumn { labels, rows }
    }

    /// Adds `text` as a label (without looking for it among the others) and returns its index
    /// for [`LabelColumn::push_index`].
    pub fn add_label(&mut self, text: &str) -> u32 {
        self.labels.push(text.to_string());
        (self.labels.len() - 1) as u32
    }

    /// Appends a row holding label `index` (from [`LabelColumn::add_label`]), or a missing value.
    pub fn push_index(&mut self, index: Option<u32>) {
        debug_assert!(index.is_none_or(|i| (i as usize) < self.labels.len()));
        self.rows.push(index);
    }

    /// Appends a row holding `text` (or a missing value): the label of the previous row when it
    /// is the same text, else a new label.
    pub fn push(&mut self, text: Option<&str>) {
        let index = text.map(|t| match self.rows.last() {
            Some(Some(i)) if self.labels[*i as usize] == t => *i,
            _ => self.add_label(t),
        });
        self.rows.push(index);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The text of `row`, `None` when missing.
    pub fn get(&self, row: usize) -> Option<&str> {
        self.rows.get(row).copied().flatten().map(|i| self.labels[i as usize].as_str())
    }
}

impl OutputColumn {
    fn len(&self) -> usize {
        match self {
            OutputColumn::Text(v) => v.len(),
            OutputColumn::Labels(v) => v.len(),
            OutputColumn::Cells(v) => v.len(),
            OutputColumn::Number(v) => v.len(),
            OutputColumn::Integer(v) => v.len(),
            OutputColumn::Strings(v) => v.len(),
            OutputColumn::Floats(v) => v.len(),
        }
    }

    fn data_type(&self) -> DataType {
        match self {
            OutputColumn::Text(_) | OutputColumn::Labels(_) | OutputColumn::Cells(_) | OutputColumn::Strings(_) => {
                DataType::Utf8
            }
            OutputColumn::Number(_) | OutputColumn::Floats(_) => DataType::Float64,
            OutputColumn::Integer(_) => DataType::Int64,
        }
    }

    fn to_arrow(&self) -> ArrayRef {
        match self {
            OutputColumn::Text(v) => Arc::new(StringArray::from(v.clone())),
            OutputColumn::Labels(v) => Arc::new((0..v.len()).map(|r| v.get(r)).collect::<StringArray>()),
            OutputColumn::Cells(v) => Arc::new(v.iter().collect::<StringArray>()),
            OutputColumn::Number(v) => Arc::new(Float64Array::from(v.clone())),
            OutputColumn::Integer(v) => Arc::new(Int64Array::from(v.clone())),
            OutputColumn::Strings(v) => Arc::new(v.clone()),
            OutputColumn::Floats(v) => Arc::new(v.clone()),
        }
    }

    /// The text of row `row` when this is a text column (`None` also when missing).
    pub fn text(&self, row: usize) -> Option<&str> {
        match self {
            OutputColumn::Text(v) => v.get(row).and_then(|s| s.as_deref()),
            OutputColumn::Labels(v) => v.get(row),
            OutputColumn::Cells(v) => v.get(row),
            OutputColumn::Strings(v) => (row < v.len() && v.is_valid(row)).then(|| v.value(row)),
            _ => None,
        }
    }

    /// Appends the CSV text of the cell at `row` to `out`: text as it is, numbers as
    /// `f64`'s `Display` writes them (the shortest text that reads back as the same number,
    /// never in exponent form), nothing for a missing value.
    fn write_cell(&self, row: usize, out: &mut Vec<u8>) {
        match self {
            OutputColumn::Text(v) => {
                if let Some(Some(s)) = v.get(row) {
                    write_csv_text(s.as_bytes(), out);
                }
            }
            OutputColumn::Labels(v) => {
                if let Some(s) = v.get(row) {
                    write_csv_text(s.as_bytes(), out);
                }
            }
            OutputColumn::Cells(v) => {
                if let Some(s) = v.get(row) {
                    write_csv_text(s.as_bytes(), out);
                }
            }
            OutputColumn::Number(v) => {
                if let Some(Some(x)) = v.get(row) {
                    write_f64(*x, out);
                }
            }
            OutputColumn::Integer(v) => {
                if let Some(Some(x)) = v.get(row) {
                    out.extend_from_slice(itoa::Buffer::new().format(*x).as_bytes());
                }
            }
            OutputColumn::Strings(v) => {
                if row < v.len() && v.is_valid(row) {
                    write_csv_text(v.value(row).as_bytes(), out);
                }
            }
            OutputColumn::Floats(v) => {
                if row < v.len() && v.is_valid(row) {
                    write_f64(v.value(row), out);
                }
            }
        }
    }
}

/// Appends a text field as the `csv` crate writes it (its default, "necessary" quoting): in
/// double quotes, with quotes doubled, when it holds a comma, a quote or a line break.
fn write_csv_text(field: &[u8], out: &mut Vec<u8>) {
    if !field.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for &b in field {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Appends `x` as `format!("{x}")` would write it, several times faster: the shortest
/// round-trip digits from Ryū, laid out as `Display` lays them out (no exponent, no trailing
/// `.0`, `-0` for negative zero).
///
/// Both give the shortest digits that read back as `x` and, among those, the nearest to `x`.
/// They differ only when two are equally near, x = (D + ½)·10ˢ exactly: Ryū then rounds to
/// the even D, the standard library up to D + 1; that case is detected exactly and written as
/// the standard library writes it.
pub fn write_f64(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        use std::io::Write as _;
        let _ = write!(out, "{x}");
        return;
    }
    // Whole numbers below 2⁵³ (counts, populations) are written as integers.
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 && !(x == 0.0 && x.is_sign_negative()) {
        out.extend_from_slice(itoa::Buffer::new().format(x as i64).as_bytes());
        return;
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(x).as_bytes();
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    // Ryū writes d.ddd, ddd.d, 0.000ddd or d.ddde±k: split off the exponent.
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'e') {
        Some(e) => (&text[..e], parse_exponent(&text[e + 1..])),
        None => (text, 0),
    };
    // The significant digits (no leading zeros), and how many of them come before the
    // decimal point (`point`, negative when zeros follow the point first).
    let dot = mantissa.iter().position(|&b| b == b'.').unwrap_or(mantissa.len());
    let mut digits = [0u8; 32];
    let mut n = 0usize;
    let mut leading_zeros = 0i32;
    for &b in mantissa.iter().filter(|&&b| b != b'.') {
        if n == 0 && b == b'0' {
            leading_zeros += 1;
        } else if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    let point = dot as i32 - leading_zeros;
    while n > 0 && digits[n - 1] == b'0' {
        n -= 1;
    }
    if negative {
        out.push(b'-');
    }
    if n == 0 {
        out.push(b'0');
        return;
    }
    let p = point + exponent;
    // Two shortest candidates D·10ˢ and (D + 1)·10ˢ both within x's rounding interval (about
    // one unit in the last place) need D ≥ 2⁵¹, so 16 digits at least.
    if n >= 16 && (digits[n - 1] - b'0').is_multiple_of(2) {
        let d = digits[..n].iter().fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0'));
        if is_tie_below(x, d, p - n as i32) {
            // D is even, so its last digit is at most 8 and adding 1 does not carry.
            digits[n - 1] += 1;
        }
    }
    if p <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-p) as usize));
        out.extend_from_slice(&digits[..n]);
    } else if p as usize >= n {
        out.extend_from_slice(&digits[..n]);
        out.extend(std::iter::repeat_n(b'0', p as usize - n));
    } else {
        out.extend_from_slice(&digits[..p as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[p as usize..n]);
    }
}

/// Whether |x| = (D + ½)·10ˢ exactly. With |x| = m·2ᵉ, m odd: (2D + 1)·10ˢ / 2 =
/// (2D + 1)·5ˢ·2ˢ⁻¹, so it holds exactly when e = s − 1 and m = (2D + 1)·5ˢ (for s < 0:
/// m·5⁻ˢ = 2D + 1).
fn is_tie_below(x: f64, d: u64, s: i32) -> bool {
    let bits = x.to_bits() & !(1u64 << 63);
    let biased = (bits >> 52) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mut m, mut e) = if biased == 0 { (fraction, -1074) } else { (fraction | (1u64 << 52), biased - 1075) };
    if m == 0 {
        return false;
    }
    let zeros = m.trailing_zeros();
    m >>= zeros;
    e += zeros as i32;
    if e != s - 1 {
        return false;
    }
    let odd = 2 * u128::from(d) + 1;
    let power = |k: i32| 5u128.checked_pow(k.unsigned_abs());
    if s >= 0 {
        power(s).and_then(|p| odd.checked_mul(p)) == Some(u128::from(m))
    } else {
        power(s).and_then(|p| u128::from(m).checked_mul(p)) == Some(odd)
    }
}

fn parse_exponent(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let magnitude = digits.iter().fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'));
    if negative {
        -magnitude
    } else {
        magnitude
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

    /// The table as an Arrow record batch: numbers as Float64, whole numbers as Int64, text and
    /// labels as Utf8, every column nullable.
    ///
    /// # Errors
    /// Columns of different lengths (an internal mistake).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(
            self.names.iter().zip(&self.columns).map(|(n, c)| Field::new(n, c.data_type(), true)).collect::<Vec<_>>(),
        ));
        RecordBatch::try_new(schema, self.columns.iter().map(OutputColumn::to_arrow).collect())
            .map_err(|e| EngineError::Internal(format!("inconsistent output block: {e}")))
    }

    /// Number of rows (that of the first column).
    pub fn num_rows(&self) -> usize {
        self.columns.first().map_or(0, OutputColumn::len)
    }

    /// The columns of `batch` under the names of `names` (a schema of the same columns, such
    /// as the batch's own): text and floating-point columns as they are, any other type as
    /// text (Arrow's cast).
    ///
    /// # Errors
    /// A column Arrow cannot cast to text.
    pub fn from_batch(batch: &RecordBatch, names: &Schema) -> Result<OutputTable> {
        let mut table = OutputTable::default();
        for (column, field) in batch.columns().iter().zip(names.fields()) {
            let column = if let Some(v) = column.as_any().downcast_ref::<StringArray>() {
                OutputColumn::Strings(v.clone())
            } else if let Some(v) = column.as_any().downcast_ref::<Float64Array>() {
                OutputColumn::Floats(v.clone())
            } else {
                let text = arrow::compute::cast(column, &DataType::Utf8)
                    .map_err(|e| EngineError::Internal(format!("column \"{}\" as text: {e}", field.name())))?;
                match text.as_any().downcast_ref::<StringArray>() {
                    Some(v) => OutputColumn::Strings(v.clone()),
                    None => return Err(EngineError::Internal(format!("column \"{}\" as text", field.name()))),
                }
            };
            table.push(field.name().clone(), column);
        }
        Ok(table)
    }

    /// A column by name, for tests and summaries.
    pub fn column(&self, name: &str) -> Option<&OutputColumn> {
        self.names.iter().position(|n| n == name).map(|i| &self.columns[i])
    }
}

/// Rows of a block laid out by one parallel task when writing CSV.
const CSV_ROWS_PER_TASK: usize = 16_384;

/// Ends a CSV row: a row of one empty field is written `""`, so that it is not a blank line.
fn end_csv_row(text: &mut Vec<u8>, start: usize, fields: usize) {
    if fields == 1 && text.len() == start {
        text.extend_from_slice(b"\"\"");
    }
    text.push(b'\n');
}

/// Appends the CSV header row of `table` (its column names) to `text`.
fn csv_header(table: &OutputTable, text: &mut Vec<u8>) {
    let start = text.len();
    for (i, name) in table.names.iter().enumerate() {
        if i > 0 {
            text.push(b',');
        }
        write_csv_text(name.as_bytes(), text);
    }
    end_csv_row(text, start, table.names.len());
}

/// Appends the CSV text of `rows` of `table` to `text`.
fn format_csv_rows(table: &OutputTable, rows: std::ops::Range<usize>, text: &mut Vec<u8>) {
    for row in rows {
        let start = text.len();
        for (i, column) in table.columns.iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            column.write_cell(row, text);
        }
        end_csv_row(text, start, table.columns.len());
    }
}

/// [`format_csv_rows`], with room made first for all the rows at the length of the first few,
/// so that a large buffer is not copied as it grows.
fn format_csv_rows_reserving(table: &OutputTable, rows: std::ops::Range<usize>, text: &mut Vec<u8>) {
    let start = text.len();
    let sample = rows.start..(rows.start + 64).min(rows.end);
    format_csv_rows(table, sample.clone(), text);
    let per_row = (text.len() - start) / sample.len().max(1) + 8;
    text.reserve(per_row * (rows.end - sample.end) * 9 / 8);
    format_csv_rows(table, sample.end..rows.end, text);
}

/// A file written under a unique temporary name beside its destination (`.NAME.PID.N.tmp`,
/// N counting the files this process has opened), and renamed over the destination by
/// [`AtomicFile::commit`] once flushed and synced to disk; dropped without a commit, the
/// temporary file is removed. Two writers in one process (two requests of a server) aiming at
/// the same directory, or the same destination, never share a temporary file; the last to
/// commit gives the destination its contents, whole.
pub struct AtomicFile {
    destination: PathBuf,
    temporary: PathBuf,
    out: Option<BufWriter<File>>,
}

/// The files opened by [`AtomicFile::create`] in this process, for unique temporary names.
static TEMPORARY_FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The temporary files of this process's [`AtomicFile`]s not yet committed or dropped, for
/// [`remove_temporary_files`].
static LIVE_TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live_temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE_TEMPORARIES.lock().unwrap_or_else(PoisonError::into_inner)
}

fn forget_temporary(live: &mut Vec<PathBuf>, temporary: &Path) {
    if let Some(i) = live.iter().position(|t| t == temporary) {
        live.swap_remove(i);
    }
}

/// Removes the temporary file of every [`AtomicFile`] of this process not yet committed, and
/// keeps any from being committed or removed after: for a process about to exit on a signal
/// (Ctrl-C), so that it leaves nothing behind. Call it only just before exiting: a commit or
/// drop of an [`AtomicFile`] after it waits forever.
pub fn remove_temporary_files() {
    let live = live_temporaries();
    for temporary in live.iter() {
        let _ = std::fs::remove_file(temporary);
    }
    std::mem::forget(live);
}

impl AtomicFile {
    /// Starts writing `destination`: creates its temporary file, which must not exist yet.
    ///
    /// # Errors
    /// The temporary file cannot be created (the directory does not exist or is not
    /// writable), named after the destination.
    pub fn create(destination: impl Into<PathBuf>) -> Result<AtomicFile> {
        let destination = destination.into();
        let file = destination.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
        loop {
            let n = TEMPORARY_FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let temporary = destination.with_file_name(format!(".{file}.{}.{n}.tmp", std::process::id()));
            match File::options().write(true).create_new(true).open(&temporary) {
                Ok(f) => {
                    let out = Some(BufWriter::with_capacity(1 << 20, f));
                    live_temporaries().push(temporary.clone());
                    return Ok(AtomicFile { destination, temporary, out });
                }
                // Left by a process of the same id that crashed: take the next number.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(EngineError::io(&destination, e)),
            }
        }
    }

    /// The destination.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Flushes and syncs the file, then renames it over the destination.
    ///
    /// # Errors
    /// The flush, sync or rename fails; the temporary file is then removed.
    pub fn commit(mut self) -> Result<()> {
        let destination = self.destination.clone();
        let io = |e: std::io::Error| EngineError::io(&destination, e);
        if let Some(out) = self.out.take() {
            let file = out.into_inner().map_err(|e| io(e.into_error()))?;
            file.sync_all().map_err(io)?;
        }
        let mut live = live_temporaries();
        std::fs::rename(&self.temporary, &destination).map_err(io)?;
        forget_temporary(&mut live, &self.temporary);
        self.temporary = PathBuf::new();
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.out {
            Some(out) => out.write(buf),
            None => Err(std::io::Error::other("the file is already committed")),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match &mut self.out {
            Some(out) => out.write_all(buf),
            None => Err(std::io::Error::other("the file is already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.temporary.as_os_str().is_empty() {
            self.out = None;
            let mut live = live_temporaries();
            let _ = std::fs::remove_file(&self.temporary);
            forget_temporary(&mut live, &self.temporary);
        }
    }
}

/// Where CSV text goes: a file written atomically, or a stream the caller gives (standard
/// output, a socket, a buffer).
enum CsvOut {
    File(AtomicFile),
    Stream(Box<dyn Write + Send>),
}

impl CsvOut {
    fn out(&mut self) -> &mut dyn Write {
        match self {
            CsvOut::File(f) => f,
            CsvOut::Stream(s) => s,
        }
    }
}

enum Sink {
    /// CSV text, written as the `csv` crate writes it: `,` between fields, `\n` after each
    /// row, quotes only where needed.
    Csv(CsvOut),
    /// Parquet: the file is made when the first block gives the schema. (The writer is boxed:
    /// it is several hundred bytes, the other sinks a few words.)
    Parquet(Option<AtomicFile>, Option<Box<ArrowWriter<AtomicFile>>>),
    /// Arrow record batches kept in memory, one per block.
    Batches(Vec<RecordBatch>),
}

/// Writes one or more [`OutputTable`] blocks with the same columns as CSV or Parquet to a file
/// ([`AtomicFile`]: nothing appears at the destination until [`TableWriter::finish`]) or as
/// CSV to a stream.
pub struct TableWriter {
    name: String,
    sink: Sink,
    header_written: bool,
    rows: u64,
}

impl TableWriter {
    /// A writer to the file `path` in `format` (CSV or Parquet).
    ///
    /// # Errors
    /// A format other than CSV and Parquet; the temporary file cannot be created (for
    /// example, the directory does not exist).
    pub fn create_file(path: &Path, format: TableFormat) -> Result<TableWriter> {
        let sink = match format {
            TableFormat::Csv => Sink::Csv(CsvOut::File(AtomicFile::create(path)?)),
            TableFormat::Parquet => Sink::Parquet(Some(AtomicFile::create(path)?), None),
            other => {
                return Err(EngineError::Usage(format!(
                    "{}: tables are written as CSV or Parquet, not {}",
                    path.display(),
                    other.name()
                )))
            }
        };
        Ok(TableWriter { name: path.display().to_string(), sink, header_written: false, rows: 0 })
    }

    /// A writer of CSV to `out` (standard output, a socket, a buffer), named `name` in errors.
    pub fn csv_stream(name: &str, out: Box<dyn Write + Send>) -> TableWriter {
        TableWriter { name: name.to_string(), sink: Sink::Csv(CsvOut::Stream(out)), header_written: false, rows: 0 }
    }

    /// A writer that keeps each block as an Arrow record batch in memory, named `name` in
    /// errors; [`TableWriter::into_batches`] gives them back.
    pub fn memory(name: &str) -> TableWriter {
        TableWriter { name: name.to_string(), sink: Sink::Batches(Vec::new()), header_written: false, rows: 0 }
    }

    /// The record batches of a [`TableWriter::memory`] writer, one per block written (none
    /// for a writer to a file or a stream, which is dropped unfinished).
    pub fn into_batches(self) -> Vec<RecordBatch> {
        match self.sink {
            Sink::Batches(batches) => batches,
            _ => Vec::new(),
        }
    }

    /// A writer to the file `path`; the format follows the extension
    /// ([`TableFormat::from_path`]: anything but Parquet is CSV). (Standard output is the
    /// caller's to name: write it with [`TableWriter::csv_stream`].)
    ///
    /// # Errors
    /// The temporary file cannot be created (for example, the directory does not exist).
    pub fn create(path: &str) -> Result<TableWriter> {
        let format = match TableFormat::from_path(path) {
            TableFormat::Parquet => TableFormat::Parquet,
            _ => TableFormat::Csv,
        };
        TableWriter::create_file(Path::new(path), format)
    }

    fn error(&self, message: String) -> EngineError {
        EngineError::Format { at: Location { file: self.name.clone(), row: None, column: None }, message }
    }

    /// Appends a block of rows.
    ///
    /// # Errors
    /// A write fails (disk full, closed pipe).
    pub fn write(&mut self, table: &OutputTable) -> Result<()> {
        let n = table.num_rows();
        match &mut self.sink {
            Sink::Csv(out) => {
                let out = out.out();
                let mut text: Vec<u8> = Vec::with_capacity(1 << 16);
                if !self.header_written {
                    csv_header(table, &mut text);
                    self.header_written = true;
                }
                let mut failed = None;
                // Large blocks are laid out in parallel, a task's rows to a buffer of their
                // own, and the buffers written in order, a few per thread at a time so that
                // memory stays bounded; small blocks in one buffer on this thread.
                if n <= CSV_ROWS_PER_TASK {
                    format_csv_rows(table, 0..n, &mut text);
                    failed = out.write_all(&text).err();
                } else {
                    let tasks: Vec<std::ops::Range<usize>> = (0..n)
                        .step_by(CSV_ROWS_PER_TASK)
                        .map(|start| start..(start + CSV_ROWS_PER_TASK).min(n))
                        .collect();
                    if !text.is_empty() {
                        failed = out.write_all(&text).err();
                    }
                    // The batch's buffers, reused from batch to batch.
                    let per_batch = 4 * rayon::current_num_threads();
                    let mut texts: Vec<Vec<u8>> = vec![Vec::new(); per_batch.min(tasks.len())];
                    for batch in tasks.chunks(per_batch) {
                        if failed.is_some() {
                            break;
                        }
                        texts.par_iter_mut().zip(batch).for_each(|(text, rows)| {
                            text.clear();
                            format_csv_rows_reserving(table, rows.clone(), text);
                        });
                        failed = texts.iter().take(batch.len()).find_map(|t| out.write_all(t).err());
                    }
                }
                if let Some(e) = failed {
                    return Err(self.error(e.to_string()));
                }
            }
            Sink::Batches(batches) => batches.push(table.to_record_batch()?),
            Sink::Parquet(file, writer) => {
                let batch = table.to_record_batch()?;
                let schema = batch.schema();
                let (file, writer) = (&mut *file, &mut *writer);
                if writer.is_none() {
                    let Some(file) = file.take() else {
                        return Err(EngineError::Internal(format!("{}: the writer is closed", self.name)));
                    };
                    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
                    let name = self.name.clone();
                    *writer = Some(Box::new(ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| {
                        EngineError::Format {
                            at: Location { file: name, row: None, column: None },
                            message: e.to_string(),
                        }
                    })?));
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

    /// Appends several blocks of rows, in order, as [`TableWriter::write`] would one after
    /// another; as CSV, the blocks are laid out in parallel (each to a buffer of its own) and
    /// the buffers written in order. The caller bounds the memory by the blocks it passes.
    ///
    /// # Errors
    /// A write fails (disk full, closed pipe).
    pub fn write_blocks(&mut self, blocks: &[OutputTable]) -> Result<()> {
        let Sink::Csv(_) = &self.sink else {
            return blocks.iter().try_for_each(|b| self.write(b));
        };
        let Some(first) = blocks.first() else {
            return Ok(());
        };
        let mut header = Vec::new();
        if !self.header_written {
            csv_header(first, &mut header);
            self.header_written = true;
        }
        let texts: Vec<Vec<u8>> = blocks
            .par_iter()
            .map(|block| {
                let mut text = Vec::new();
                format_csv_rows_reserving(block, 0..block.num_rows(), &mut text);
                text
            })
            .collect();
        if let Sink::Csv(out) = &mut self.sink {
            let out = out.out();
            if let Some(e) = std::iter::once(&header).chain(&texts).find_map(|t| out.write_all(t).err()) {
                return Err(self.error(e.to_string()));
            }
        }
        self.rows += blocks.iter().map(|b| b.num_rows() as u64).sum::<u64>();
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Completes the output: a file is flushed, synced and renamed to its destination; a
    /// stream is flushed.
    ///
    /// # Errors
    /// The flush, sync or rename fails (the temporary file is then removed); a Parquet file
    /// with no block written (it would have no columns).
    pub fn finish(self) -> Result<()> {
        let name = self.name;
        let io = |e: std::io::Error| EngineError::io(&name, e);
        match self.sink {
            Sink::Csv(CsvOut::File(file)) => file.commit(),
            Sink::Csv(CsvOut::Stream(mut out)) => out.flush().map_err(io),
            Sink::Parquet(_, Some(writer)) => {
                let file = writer.into_inner().map_err(|e| EngineError::Format {
                    at: Location { file: name.clone(), row: None, column: None },
                    message: e.to_string(),
                })?;
                file.commit()
            }
            Sink::Parquet(_, None) => Err(EngineError::Format {
                at: Location { file: name.clone(), row: None, column: None },
                message: "no rows to write".into(),
            }),
            Sink::Batches(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writers in one process aiming at the same directory at once, several at the same
    /// destination, each get a temporary file of their own: every file is whole (one writer's
    /// contents), and no temporary file is left; one dropped unfinished leaves nothing.
    #[test]
    fn writers_at_once_in_one_directory_do_not_share_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let contents = |w: usize| format!("writer {w}\n").repeat(20_000);
        std::thread::scope(|scope| {
            for w in 0..8 {
                let dir = dir.path();
                let contents = &contents;
                scope.spawn(move || {
                    // Writers 0-3 share one destination; 4-7 have one each.
                    let name = if w < 4 { "shared.csv".to_string() } else { format!("own{w}.csv") };
                    let mut file = AtomicFile::create(dir.join(name)).unwrap();
                    for line in contents(w).as_bytes().chunks(1000) {
                        file.write_all(line).unwrap();
                        std::thread::yield_now();
                    }
                    file.commit().unwrap();
                });
            }
        });
        let shared = std::fs::read_to_string(dir.path().join("shared.csv")).unwrap();
        assert!((0..4).any(|w| shared == contents(w)), "the shared file is one writer's, whole");
        for w in 4..8 {
            assert_eq!(std::fs::read_to_string(dir.path().join(format!("own{w}.csv"))).unwrap(), contents(w));
        }
        let dropped = AtomicFile::create(dir.path().join("dropped.csv")).unwrap();
        drop(dropped);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["own4.csv", "own5.csv", "own6.csv", "own7.csv", "shared.csv"]);
    }

    /// The CSV text is byte for byte what the `csv` crate writes for the same cells.
    #[test]
    fn csv_text_is_written_as_the_csv_crate_writes_it() {
        let cells: Vec<Option<String>> = ["plain", "", "a,b", "say \"hi\"", "two\nlines", "cr\r", "é ü", " spaced "]
            .iter()
            .map(|s| Some(s.to_string()))
            .chain([None])
            .collect();
        let numbers: Vec<Option<f64>> = (0..cells.len()).map(|i| (i != 3).then(|| i as f64 / 3.0 - 1.0)).collect();
        let mut labels = LabelColumn::new();
        for c in &cells {
            labels.push(c.as_deref());
        }
        let mut table = OutputTable::default();
        table.push("text, with comma", OutputColumn::Text(cells.clone()));
        table.push("x", OutputColumn::Number(numbers.clone()));
        table.push("n", OutputColumn::Integer((0..cells.len() as i64).map(|i| (i != 2).then_some(i - 4)).collect()));
        table.push("labels", OutputColumn::Labels(labels));
        let mut expected = csv::Writer::from_writer(Vec::new());
        expected.write_record(&table.names).unwrap();
        for row in 0..cells.len() {
            let x = numbers[row].map(|x| x.to_string()).unwrap_or_default();
            let n = if row == 2 { String::new() } else { (row as i64 - 4).to_string() };
            let t = cells[row].clone().unwrap_or_default();
            expected.write_record([t.as_str(), x.as_str(), n.as_str(), t.as_str()]).unwrap();
        }
        let expected = expected.into_inner().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut writer = TableWriter::create(path.to_str().unwrap()).unwrap();
        writer.write(&table).unwrap();
        writer.finish().unwrap();
        assert_eq!(String::from_utf8(std::fs::read(&path).unwrap()).unwrap(), String::from_utf8(expected).unwrap());

        // One column with an empty cell: `""`, as the csv crate writes it.
        let mut single = OutputTable::default();
        single.push("only", OutputColumn::Text(vec![Some(String::new()), Some("x".into())]));
        let mut writer = TableWriter::create(path.to_str().unwrap()).unwrap();
        writer.write(&single).unwrap();
        writer.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "only\n\"\"\nx\n");
    }

    /// Blocks larger than one task are laid out in parallel pieces and written in order: the
    /// file is what the csv crate writes, row for row, across several blocks.
    #[test]
    fn large_blocks_are_written_in_order() {
        let n = 3 * CSV_ROWS_PER_TASK + 17;
        let text: Vec<Option<String>> = (0..n).map(|i| (i % 7 != 0).then(|| format!("row {i}, \"quoted\""))).collect();
        let numbers: Vec<Option<f64>> = (0..n).map(|i| (i % 5 != 0).then(|| i as f64 / 7.0)).collect();
        let mut table = OutputTable::default();
        table.push("text", OutputColumn::Text(text.clone()));
        table.push("x", OutputColumn::Number(numbers.clone()));
        let mut expected = csv::Writer::from_writer(Vec::new());
        expected.write_record(&table.names).unwrap();
        for _block in 0..2 {
            for row in 0..n {
                let x = numbers[row].map(|x| x.to_string()).unwrap_or_default();
                expected.write_record([text[row].clone().unwrap_or_default(), x]).unwrap();
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.csv");
        let mut writer = TableWriter::create(path.to_str().unwrap()).unwrap();
        writer.write(&table).unwrap();
        writer.write(&table).unwrap();
        assert_eq!(writer.rows(), 2 * n as u64);
        writer.finish().unwrap();
        assert!(std::fs::read(&path).unwrap() == expected.into_inner().unwrap());
    }

    /// Blocks written together are the file the same blocks written one by one make, header
    /// once, as CSV and as Parquet.
    #[test]
    fn blocks_written_together_are_blocks_written_in_turn() {
        let block = |from: usize, rows: usize| {
            let mut t = OutputTable::default();
            t.push("area", OutputColumn::Text((from..from + rows).map(|i| Some(format!("E{i:08}"))).collect()));
            t.push(
                "value",
                OutputColumn::Number((from..from + rows).map(|i| (i % 3 != 0).then(|| i as f64 / 3.0)).collect()),
            );
            t
        };
        let blocks = [block(0, 5), block(5, 0), block(5, 1000), block(1005, 3)];
        let dir = tempfile::tempdir().unwrap();
        for ext in ["csv", "parquet"] {
            let together = dir.path().join(format!("together.{ext}"));
            let mut w = TableWriter::create(together.to_str().unwrap()).unwrap();
            w.write_blocks(&blocks[..2]).unwrap();
            w.write_blocks(&blocks[2..]).unwrap();
            w.write_blocks(&[]).unwrap();
            assert_eq!(w.rows(), 1008);
            w.finish().unwrap();
            let in_turn = dir.path().join(format!("in_turn.{ext}"));
            let mut w = TableWriter::create(in_turn.to_str().unwrap()).unwrap();
            for b in &blocks {
                w.write(b).unwrap();
            }
            w.finish().unwrap();
            assert!(std::fs::read(&together).unwrap() == std::fs::read(&in_turn).unwrap(), "{ext}");
        }
    }

    fn check(x: f64) {
        let mut out = Vec::new();
        write_f64(x, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), format!("{x}"), "{x:e} ({:#x})", x.to_bits());
    }

    /// The fast number formatting writes exactly what `Display` writes.
    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            5.0,
            10.0,
            100.0,
            0.1,
            0.5,
            1.5,
            123.456,
            1e15,
            1e16,
            1e17,
            1e21,
            1e22,
            1e-5,
            1e-6,
            1e-7,
            1.5e-7,
            12345678901234567890.0,
            0.000123,
            5e-324,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            76.123_456_789_012_34,
            1.0 / 3.0,
            2.0 / 3.0,
            100_000.0 * 7.0 / 3.0,
            // Ties between two shortest candidates (the standard library rounds them up).
            1_658_206_780_088_562.25,
            -26_829_767_983_277.312_5,
            0.5,
            2.5,
            0.125,
            9_007_199_254_740_993.0,
        ] {
            check(x);
        }
        // Random bit patterns (every exponent) and values as methods produce them.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let bits = next();
            check(f64::from_bits(bits));
            let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
            check(unit);
            check(unit * 1000.0);
            check(unit * 100_000.0 / 7.0);
            check(-unit * 1e-3);
            check((bits % 1_000_000) as f64);
            check((bits % 1_000_000) as f64 / 100.0);
            // Dyadic values with short exact expansions, where ties happen.
            let scale = (bits >> 58) as i32 - 8;
            check((bits >> 11) as f64 * 2f64.powi(scale - 53 + (bits % 40) as i32));
            check(((bits >> 20) as f64) / 2f64.powi((bits % 24) as i32));
        }
    }
}
