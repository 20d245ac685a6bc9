//! Where a computation's tables come from ([`TableSource`]: a data directory, or record
//! batches in memory), and reading its data tables into counts by unit (a small area or a
//! group of them: [`super::units`]), year, sex and age band.
//!
//! Each table is read once, whatever number of indicators use it: every distinct numerator or
//! denominator on it (a column to sum, or rows to count, and filters) is a *consumer* with its
//! own [`Counts`]. Parquet files are read by row groups on every core, each worker adding into
//! its own counts, which are summed at the end; CSV files are read as one stream. Both are read
//! in Arrow record batches holding only the columns needed.
//!
//! Every row is checked: an area code that is not in the geography, a year that is not a year,
//! a sex that is not Male, Female or Persons, an age band that is not a life-table start age, a
//! count that is negative or not a number: each an error naming the file, row and column.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::catalogue::{AgeColumn, SourceSpec, TableSpec, BAND_START_AGES};
use super::units::Units;
use crate::error::{EngineError, Location, Result};
use crate::input::{read_xlsx, InputTable, TableFormat};

/// Rows per record batch.
const BATCH_ROWS: usize = 65_536;

/// Sums by unit (a small area, or a group of small areas that every aggregation of the run
/// treats alike: [`Units`]), year, sex (Male, Female, Persons/unstated) and life-table band
/// (one band for tables without ages).
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// Units: the number of small areas when each is its own unit.
    pub units: usize,
    /// Bands per cell: 20, or 1 for tables without ages.
    pub bands: usize,
    /// Year → sums indexed `(unit * 3 + sex) * bands + band`.
    pub years: BTreeMap<i32, Vec<f64>>,
}

impl Counts {
    /// Empty counts of `units` units.
    pub fn new(units: usize, bands: usize) -> Counts {
        Counts { units, bands, years: BTreeMap::new() }
    }

    /// Adds `value` to a cell: `unit` must be below [`Counts::units`], `sex` below 3 and `band`
    /// below [`Counts::bands`] (the reader's own checks ensure it).
    #[inline]
    pub fn add(&mut self, year: i32, unit: u32, sex: u8, band: u8, value: f64) {
        let size = self.units * 3 * self.bands;
        let slab = self.years.entry(year).or_insert_with(|| vec![0.0; size]);
        slab[(unit as usize * 3 + sex as usize) * self.bands + band as usize] += value;
    }

    /// Adds another worker's counts into these.
    pub fn merge(&mut self, other: Counts) {
        for (year, slab) in other.years {
            match self.years.get_mut(&year) {
                Some(mine) => mine.iter_mut().zip(slab).for_each(|(a, b)| *a += b),
                None => {
                    self.years.insert(year, slab);
                }
            }
        }
    }
}

/// The files of a table: `path` from the catalogue (relative to the data directory; a glob
/// such as `deaths_*.parquet` names several files of one table, read in name order), or
/// `NAME.parquet`, `NAME.csv`, then `NAME.xlsx` in the data directory.
///
/// # Errors
/// No such file or a glob matching nothing (bad input: an [`EngineError::Io`] of kind not
/// found, naming the file or pattern), or a bad glob pattern.
pub fn table_paths(data_dir: &Path, name: &str, path: Option<&str>) -> Result<Vec<PathBuf>> {
    if let Some(p) = path {
        let full = data_dir.join(p);
        let pattern = full.display().to_string();
        if p.contains(['*', '?', '[']) {
            let mut files: Vec<PathBuf> = glob::glob(&pattern)
                .map_err(|e| EngineError::Usage(format!("{pattern}: not a file pattern (table \"{name}\"): {e}")))?
                .filter_map(std::result::Result::ok)
                .filter(|f| f.is_file())
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(not_found(&pattern, format!("no file matches (table \"{name}\")")));
            }
            return Ok(files);
        }
        return if full.is_file() {
            Ok(vec![full])
        } else {
            Err(not_found(&full, format!("no such file (table \"{name}\")")))
        };
    }
    for ext in ["parquet", "csv", "xlsx"] {
        let full = data_dir.join(format!("{name}.{ext}"));
        if full.is_file() {
            return Ok(vec![full]);
        }
    }
    Err(not_found(
        data_dir,
        format!(
            "no {name}.parquet, {name}.csv or {name}.xlsx (table \"{name}\"; give its file with `path` under [tables.{name}] in the catalogue)"
        ),
    ))
}

/// A table's file that is not there: bad input (exit 65), worded `PATH: MESSAGE`.
fn not_found(path: impl Into<PathBuf>, message: String) -> EngineError {
    EngineError::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, message))
}

/// One part of a table: a file, or record batches in memory. A table is one or more parts of
/// the same columns (the files of a glob), read in order.
#[derive(Clone, Debug)]
pub enum TablePart {
    /// A CSV, Parquet or Excel file, by its extension.
    File(PathBuf),
    /// Record batches in memory, named `name` in errors.
    Batches {
        /// The name errors give the table.
        name: String,
        /// The batches' schema.
        schema: SchemaRef,
        /// The rows.
        batches: Vec<RecordBatch>,
    },
}

impl TablePart {
    /// The name errors give the part: the file's path, or the table's name.
    pub fn name(&self) -> String {
        match self {
            TablePart::File(path) => path.display().to_string(),
            TablePart::Batches { name, .. } => name.clone(),
        }
    }

    /// Its size in bytes (of the file, or of the batches in memory), for progress.
    pub fn bytes(&self) -> u64 {
        match self {
            TablePart::File(path) => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            TablePart::Batches { batches, .. } => batches.iter().map(|b| b.get_array_memory_size() as u64).sum(),
        }
    }

    /// Opens the part to read it chunk by chunk.
    ///
    /// # Errors
    /// As [`InputTable::open_file`].
    pub fn open(&self) -> Result<InputTable> {
        match self {
            TablePart::File(path) => InputTable::open_file(path, TableFormat::from_path(&path.display().to_string())),
            TablePart::Batches { name, schema, batches } => Ok(InputTable::from_batches(name, schema, batches.clone())),
        }
    }
}

/// Where a computation finds the tables its catalogue names.
pub trait TableSource: Sync {
    /// The parts of the table `name`; `path` is the file (or glob) the catalogue gives for
    /// it, if any.
    ///
    /// # Errors
    /// No such table, naming where it was looked for.
    fn parts(&self, name: &str, path: Option<&str>) -> Result<Vec<TablePart>>;
}

/// The tables of a data directory ([`table_paths`]); a table without a file there and without
/// a catalogue path is also looked for at its name as a path (a geography file named whole).
#[derive(Clone, Debug)]
pub struct DataDirectory {
    /// The directory.
    pub dir: PathBuf,
}

impl DataDirectory {
    /// The tables of `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> DataDirectory {
        DataDirectory { dir: dir.into() }
    }
}

impl TableSource for DataDirectory {
    fn parts(&self, name: &str, path: Option<&str>) -> Result<Vec<TablePart>> {
        match table_paths(&self.dir, name, path) {
            Ok(files) => Ok(files.into_iter().map(TablePart::File).collect()),
            Err(e) => {
                let whole = PathBuf::from(name);
                if path.is_none() && whole.is_file() {
                    Ok(vec![TablePart::File(whole)])
                } else {
                    Err(e)
                }
            }
        }
    }
}

/// Tables held in memory as record batches, by name (a server's uploads, a test's tables).
#[derive(Clone, Debug, Default)]
pub struct MemoryTables {
    tables: HashMap<String, (SchemaRef, Vec<RecordBatch>)>,
}

impl MemoryTables {
    /// No tables.
    pub fn new() -> MemoryTables {
        MemoryTables::default()
    }

    /// Adds (or replaces) the table `name`.
    pub fn insert(&mut self, name: &str, schema: SchemaRef, batches: Vec<RecordBatch>) {
        self.tables.insert(name.to_string(), (schema, batches));
    }
}

impl TableSource for MemoryTables {
    fn parts(&self, name: &str, _path: Option<&str>) -> Result<Vec<TablePart>> {
        let (schema, batches) = self.tables.get(name).ok_or_else(|| {
            let mut names: Vec<&str> = self.tables.keys().map(String::as_str).collect();
            names.sort_unstable();
            EngineError::Usage(format!("no table \"{name}\" in memory; the tables are: {}", names.join(", ")))
        })?;
        Ok(vec![TablePart::Batches { name: name.to_string(), schema: schema.clone(), batches: batches.clone() }])
    }
}

/// A filter of a table read: a column's position and the values it accepts.
type Filter = (usize, Vec<String>);

/// The columns a table read needs, by role, as positions in the batches read.
struct Plan<'u> {
    names: Vec<String>,
    area: usize,
    year: usize,
    sex: Option<usize>,
    age: Option<(usize, bool)>,
    /// Per consumer: the value column (none counts rows) and filters (column, accepted values).
    consumers: Vec<(Option<usize>, Vec<Filter>)>,
    /// Columns of classifications: (column, every text it may hold, what it must hold).
    checks: Vec<(usize, Vec<String>, String)>,
    /// Whether NHS codes for an unknown sex count with Persons.
    sex_unknown: bool,
    /// Per consumer: the unit of each small area.
    units: Vec<&'u [u32]>,
}

impl<'u> Plan<'u> {
    fn new(table: &TableSpec, consumers: &[SourceSpec], units: &[&'u Units]) -> Plan<'u> {
        let mut names: Vec<String> = Vec::new();
        let mut col = |name: &str| match names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                names.push(name.to_string());
                names.len() - 1
            }
        };
        let area = col(&table.area);
        let year = col(&table.year);
        let sex = table.sex.as_deref().map(&mut col);
        let age = match &table.age {
            AgeColumn::None => None,
            AgeColumn::StartAge(c) => Some((col(c), true)),
            AgeColumn::Age(c) => Some((col(c), false)),
        };
        let consumers = consumers
            .iter()
            .map(|c| (c.value.as_deref().map(&mut col), c.filters.iter().map(|(k, v)| (col(k), v.clone())).collect()))
            .collect();
        let checks =
            table.categories.iter().map(|c| (col(&c.column), c.accepted.clone(), c.expected.clone())).collect();
        let units = units.iter().map(|u| u.of_small_area.as_slice()).collect();
        Plan { names, area, year, sex, age, consumers, checks, sex_unknown: table.sex_unknown, units }
    }
}

/// Reads `table` from `part` once and returns one [`Counts`] per consumer, in order, each by
/// the units of `units` at the same position (`area_index` gives a small area's index, the
/// units its unit); `rows` is advanced as rows are read (for a progress bar).
///
/// # Errors
/// As the module documentation says, each naming the file, row and column; units not given
/// for every consumer, or not covering every small area of `area_index` (a caller's error,
/// [`EngineError::Usage`]).
pub fn read_table(
    part: &TablePart,
    table: &TableSpec,
    consumers: &[SourceSpec],
    area_index: &FxHashMap<String, u32>,
    units: &[&Units],
    rows: &AtomicU64,
) -> Result<Vec<Counts>> {
    let file = part.name();
    let small_areas = area_index.values().map(|&a| a as usize + 1).max().unwrap_or(0);
    if units.len() != consumers.len() || units.iter().any(|u| u.of_small_area.len() < small_areas) {
        return Err(EngineError::Usage(format!(
            "{file}: units given for {} consumers of {}, or not covering every small area",
            units.len(),
            consumers.len()
        )));
    }
    let plan = Plan::new(table, consumers, units);
    let bands = if table.age == AgeColumn::None { 1 } else { BAND_START_AGES.len() };
    let empty = || units.iter().map(|u| Counts::new(u.len, bands)).collect::<Vec<_>>();
    let path = match part {
        TablePart::File(path) => path.as_path(),
        TablePart::Batches { schema, batches, .. } => {
            return read_batches(&plan, schema, batches.iter().cloned(), &file, area_index, rows, empty());
        }
    };
    let format = TableFormat::from_path(&file);
    if format == TableFormat::Parquet {
        let open = || -> Result<ParquetRecordBatchReaderBuilder<File>> {
            let f = File::open(path).map_err(|e| EngineError::io(path, e))?;
            ParquetRecordBatchReaderBuilder::try_new(f)
                .map_err(|e| format_error(&file, None, format!("not a readable Parquet file: {e}")))
        };
        let builder = open()?;
        let schema = builder.schema().clone();
        let mut roots = Vec::new();
        for name in &plan.names {
            let i = schema.index_of(name).map_err(|_| missing_column(&file, name, &schema))?;
            roots.push(i);
        }
        // Row-group offsets, so errors can name rows.
        let metadata = builder.metadata().clone();
        let mut starts = Vec::new();
        let mut next = 1u64;
        for rg in metadata.row_groups() {
            starts.push(next);
            next += rg.num_rows() as u64;
        }
        let groups: Vec<usize> = (0..metadata.num_row_groups()).collect();
        let workers = rayon::current_num_threads().max(1);
        let per = groups.len().div_ceil(workers).max(1);
        let parts: Vec<Result<Vec<Counts>>> = groups
            .par_chunks(per)
            .map(|chunk| {
                let mut counts = empty();
                for &rg in chunk {
                    let builder = open()?;
                    let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
                    let reader = builder
                        .with_projection(mask)
                        .with_row_groups(vec![rg])
                        .with_batch_size(BATCH_ROWS)
                        .build()
                        .map_err(|e| format_error(&file, None, e.to_string()))?;
                    let mut first_row = starts[rg];
                    for batch in reader {
                        let batch = batch.map_err(|e| format_error(&file, Some(first_row), e.to_string()))?;
                        // Projected columns come in file order; put them in the plan's order.
                        let columns: Vec<ArrayRef> = plan
                            .names
                            .iter()
                            .map(|n| batch.column_by_name(n).cloned().ok_or_else(|| missing_column(&file, n, &schema)))
                            .collect::<Result<_>>()?;
                        add_batch(&plan, &columns, batch.num_rows(), first_row, &file, area_index, &mut counts)?;
                        first_row += batch.num_rows() as u64;
                        rows.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
                    }
                }
                Ok(counts)
            })
            .collect();
        let mut total = empty();
        for part in parts {
            for (t, p) in total.iter_mut().zip(part?) {
                t.merge(p);
            }
        }
        Ok(total)
    } else if format == TableFormat::Xlsx {
        let (schema, batches) = read_xlsx(path)?;
        read_batches(&plan, &schema, batches.into_iter(), &file, area_index, rows, empty())
    } else {
        let f = File::open(path).map_err(|e| EngineError::io(path, e))?;
        let mut header_reader = csv::Reader::from_reader(std::io::BufReader::new(f));
        let headers: Vec<String> = header_reader
            .headers()
            .map_err(|e| format_error(&file, None, e.to_string()))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        let schema =
            Arc::new(Schema::new(headers.iter().map(|h| Field::new(h, DataType::Utf8, true)).collect::<Vec<_>>()));
        let mut positions = Vec::new();
        for name in &plan.names {
            positions.push(headers.iter().position(|h| h == name).ok_or_else(|| missing_column(&file, name, &schema))?);
        }
        let f = File::open(path).map_err(|e| EngineError::io(path, e))?;
        let reader = arrow_csv::ReaderBuilder::new(schema.clone())
            .with_header(true)
            .with_batch_size(BATCH_ROWS)
            .build(std::io::BufReader::with_capacity(1 << 20, f))
            .map_err(|e| format_error(&file, None, e.to_string()))?;
        let mut counts = empty();
        let mut first_row = 1u64;
        for batch in reader {
            let batch: RecordBatch = batch.map_err(|e| format_error(&file, Some(first_row), e.to_string()))?;
            let columns: Vec<ArrayRef> = positions.iter().map(|&i| batch.column(i).clone()).collect();
            add_batch(&plan, &columns, batch.num_rows(), first_row, &file, area_index, &mut counts)?;
            first_row += batch.num_rows() as u64;
            rows.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
        }
        Ok(counts)
    }
}

/// Adds every batch of a table already in memory (an Excel sheet read whole, batches given by
/// the caller) into `counts`.
fn read_batches(
    plan: &Plan<'_>,
    schema: &Schema,
    batches: impl Iterator<Item = RecordBatch>,
    file: &str,
    area_index: &FxHashMap<String, u32>,
    rows: &AtomicU64,
    mut counts: Vec<Counts>,
) -> Result<Vec<Counts>> {
    let mut positions = Vec::new();
    for name in &plan.names {
        positions.push(schema.index_of(name).map_err(|_| missing_column(file, name, schema))?);
    }
    let mut first_row = 1u64;
    for batch in batches {
        let columns: Vec<ArrayRef> = positions.iter().map(|&i| batch.column(i).clone()).collect();
        add_batch(plan, &columns, batch.num_rows(), first_row, file, area_index, &mut counts)?;
        first_row += batch.num_rows() as u64;
        rows.fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
    }
    Ok(counts)
}

fn format_error(file: &str, row: Option<u64>, message: String) -> EngineError {
    EngineError::Format { at: Location { file: file.to_string(), row, column: None }, message }
}

fn missing_column(file: &str, name: &str, schema: &Schema) -> EngineError {
    EngineError::MissingColumn {
        file: file.to_string(),
        column: name.to_string(),
        role: "the catalogue".into(),
        available: schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", "),
    }
}

/// A column as text (strings, dictionaries and numbers alike).
fn as_text(array: &ArrayRef) -> std::result::Result<StringArray, arrow::error::ArrowError> {
    let cast = arrow::compute::cast(array, &DataType::Utf8)?;
    Ok(cast
        .as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .unwrap_or_else(|| StringArray::from(Vec::<Option<String>>::new())))
}

/// Integers of a column: integer columns directly, text parsed (a year may be "2023/24", by
/// its first year).
fn integers(array: &ArrayRef, what: &'static str, at: &dyn Fn(usize) -> Location) -> Result<Vec<Option<i64>>> {
    if array.data_type().is_integer() {
        let cast = arrow::compute::cast(array, &DataType::Int64)
            .map_err(|e| EngineError::Format { at: at(0), message: e.to_string() })?;
        let ints = cast
            .as_any()
            .downcast_ref::<Int64Array>()
            .ok_or_else(|| EngineError::Format { at: at(0), message: "not integers".into() })?;
        return Ok(ints.iter().collect());
    }
    let texts = as_text(array).map_err(|e| EngineError::Format { at: at(0), message: e.to_string() })?;
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| match t.map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => parse_integer(t, what == "a year").map(Some).ok_or_else(|| EngineError::BadValue {
                at: at(i),
                expected: if what == "a year" {
                    "a year such as 2024, or a financial year such as 2024/25".into()
                } else {
                    what.to_string()
                },
                found: t.to_string(),
            }),
        })
        .collect()
}

fn parse_integer(t: &str, year: bool) -> Option<i64> {
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    if let Ok(f) = t.parse::<f64>() {
        return (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64);
    }
    if year {
        // A financial year: 2024/25 or 2024-25, by its first year, the second following it.
        let (a, b) = t.split_once(['/', '-'])?;
        let first: i64 = a.trim().parse().ok()?;
        let second: i64 = b.trim().parse().ok()?;
        let follows = if b.trim().len() == 2 { second == (first + 1).rem_euclid(100) } else { second == first + 1 };
        return (follows && (1000..10000).contains(&first)).then_some(first);
    }
    None
}

fn values(array: &ArrayRef, at: &dyn Fn(usize) -> Location) -> Result<Vec<Option<f64>>> {
    if matches!(
        array.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _)
    ) {
        let texts = as_text(array).map_err(|e| EngineError::Format { at: at(0), message: e.to_string() })?;
        return texts
            .iter()
            .enumerate()
            .map(|(i, t)| match crate::input::parse_number(t.unwrap_or("")) {
                Ok(v) => Ok(v),
                Err(()) => Err(EngineError::BadValue {
                    at: at(i),
                    expected: "a number".into(),
                    found: t.unwrap_or("").to_string(),
                }),
            })
            .collect();
    }
    let cast = arrow::compute::cast(array, &DataType::Float64).map_err(|_| EngineError::BadValue {
        at: at(0),
        expected: "a numeric column".into(),
        found: array.data_type().to_string(),
    })?;
    let floats = cast
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| EngineError::Format { at: at(0), message: "not numbers".into() })?;
    Ok(floats.iter().map(|v| v.filter(|x| !x.is_nan())).collect())
}

/// The band index of a start age (exactly a band's) or of a single age (the band it is in).
fn band_of(age: i64, start_age: bool) -> Option<u8> {
    if age < 0 {
        return None;
    }
    let pos = BAND_START_AGES.iter().rposition(|&a| i64::from(a) <= age)?;
    (!start_age || i64::from(BAND_START_AGES[pos]) == age).then_some(pos as u8)
}

/// `s` without leading and trailing whitespace, as [`str::trim`]: ASCII ends are checked
/// first, and only text that starts or ends with whitespace or a non-ASCII byte is trimmed.
#[inline]
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// A text column of a batch by its distinct values (trimmed; a null is ""): each row's index
/// into `distinct`, and the first row of each distinct value (for errors naming the row).
struct Coded {
    ids: Vec<u32>,
    distinct: Vec<String>,
    first: Vec<usize>,
}

impl Coded {
    /// Codes `texts` (`len` rows), comparing each row with the previous one before looking
    /// its value up (rows of one area, activity or group often come together).
    fn new(texts: &StringArray, len: usize) -> Coded {
        let mut out = Coded { ids: Vec::with_capacity(len), distinct: Vec::new(), first: Vec::new() };
        let mut index: FxHashMap<&str, u32> = FxHashMap::default();
        let mut last: Option<(&str, u32)> = None;
        for i in 0..len {
            let raw = if texts.is_null(i) { "" } else { texts.value(i) };
            let id = match last {
                Some((r, id)) if r == raw => id,
                _ => {
                    let t = trim(raw);
                    let id = *index.entry(t).or_insert_with(|| {
                        out.distinct.push(t.to_string());
                        out.first.push(i);
                        (out.distinct.len() - 1) as u32
                    });
                    last = Some((raw, id));
                    id
                }
            };
            out.ids.push(id);
        }
        out
    }

    /// Whether each distinct value passes `test`.
    fn passing(&self, test: impl Fn(&str) -> bool) -> Vec<bool> {
        self.distinct.iter().map(|d| test(d)).collect()
    }
}

/// The columns of one batch as [`add_batch`] reads them, each converted once however many
/// consumers read it: text columns coded by distinct value, value columns as numbers.
struct BatchColumns<'c> {
    columns: &'c [ArrayRef],
    len: usize,
    coded: Vec<Option<Coded>>,
    values: Vec<Option<Vec<Option<f64>>>>,
}

impl<'c> BatchColumns<'c> {
    fn new(columns: &'c [ArrayRef], len: usize) -> BatchColumns<'c> {
        BatchColumns {
            columns,
            len,
            coded: (0..columns.len()).map(|_| None).collect(),
            values: (0..columns.len()).map(|_| None).collect(),
        }
    }

    /// Column `col` coded by its distinct texts.
    fn coded(&mut self, col: usize, at: &dyn Fn(usize) -> Location) -> Result<&Coded> {
        let (columns, len) = (self.columns, self.len);
        Ok(match &mut self.coded[col] {
            Some(coded) => coded,
            slot => {
                let texts =
                    as_text(&columns[col]).map_err(|e| EngineError::Format { at: at(0), message: e.to_string() })?;
                slot.insert(Coded::new(&texts, len))
            }
        })
    }

    /// Column `col` as numbers ([`values`]).
    fn values(&mut self, col: usize, at: &dyn Fn(usize) -> Location) -> Result<&[Option<f64>]> {
        let columns = self.columns;
        Ok(match &mut self.values[col] {
            Some(v) => v,
            slot => slot.insert(values(&columns[col], at)?),
        })
    }
}

/// The sex code of a text: 0 Male, 1 Female, 2 Persons (and an unknown sex where allowed).
fn sex_code(s: &str, sex_unknown: bool) -> Option<u8> {
    match s {
        "Male" | "male" | "M" | "1" => Some(0),
        "Female" | "female" | "F" | "2" => Some(1),
        "Persons" | "persons" | "All" | "4" => Some(2),
        "Not known" | "Not specified" | "Indeterminate" | "0" | "9" | "X" if sex_unknown => Some(2),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn add_batch(
    plan: &Plan<'_>,
    columns: &[ArrayRef],
    len: usize,
    first_row: u64,
    file: &str,
    area_index: &FxHashMap<String, u32>,
    counts: &mut [Counts],
) -> Result<()> {
    let at = |col: usize| {
        move |i: usize| Location {
            file: file.to_string(),
            row: Some(first_row + i as u64),
            column: Some(plan.names[col].clone()),
        }
    };
    let mut batch = BatchColumns::new(columns, len);
    // Areas, with the previous row's code remembered (rows of one area usually come together).
    let codes = as_text(&columns[plan.area])
        .map_err(|e| EngineError::Format { at: at(plan.area)(0), message: e.to_string() })?;
    let mut areas = Vec::with_capacity(len);
    let mut last: Option<(&str, u32)> = None;
    for i in 0..len {
        let raw = if codes.is_null(i) { "" } else { codes.value(i) };
        let a = match last {
            Some((c, a)) if c == raw => a,
            _ => {
                let code = trim(raw);
                let a = *area_index.get(code).ok_or_else(|| EngineError::BadValue {
                    at: at(plan.area)(i),
                    expected: "the code of a small area in the geography".into(),
                    found: code.to_string(),
                })?;
                last = Some((raw, a));
                a
            }
        };
        areas.push(a);
    }
    // Classification columns: every cell one of the classification's codes or labels (the
    // first row of the first distinct value that is not: distinct values are numbered in the
    // order of their first rows).
    for (col, accepted, expected) in &plan.checks {
        let coded = batch.coded(*col, &at(*col))?;
        if let Some(d) = coded.passing(|t| accepted.iter().any(|a| a == t)).iter().position(|ok| !ok) {
            return Err(EngineError::BadValue {
                at: at(*col)(coded.first[d]),
                expected: expected.clone(),
                found: coded.distinct[d].clone(),
            });
        }
    }
    let years = integers(&columns[plan.year], "a year", &at(plan.year))?;
    let sexes: Vec<u8> = match plan.sex {
        None => vec![2; len],
        Some(col) => {
            let coded = batch.coded(col, &at(col))?;
            let code: Vec<Option<u8>> = coded.distinct.iter().map(|s| sex_code(s, plan.sex_unknown)).collect();
            if let Some(d) = code.iter().position(Option::is_none) {
                return Err(EngineError::BadValue {
                    at: at(col)(coded.first[d]),
                    expected: if plan.sex_unknown {
                        "a sex: Male, Female or Persons, or an unknown sex: Not known, Not specified, Indeterminate, 0, 9 or X".into()
                    } else {
                        "a sex: Male, Female or Persons".into()
                    },
                    found: coded.distinct[d].clone(),
                });
            }
            coded.ids.iter().map(|&id| code[id as usize].unwrap_or(2)).collect()
        }
    };
    let bands: Vec<u8> = match plan.age {
        None => vec![0; len],
        Some((col, start_age)) => {
            let ages = integers(&columns[col], if start_age { "a start age" } else { "an age" }, &at(col))?;
            ages.iter()
                .enumerate()
                .map(|(i, a)| {
                    a.and_then(|a| band_of(a, start_age)).ok_or_else(|| EngineError::BadValue {
                        at: at(col)(i),
                        expected: if start_age {
                            "a life-table start age: 0, 1, 5, 10, …, 90".into()
                        } else {
                            "an age in whole years, 0 or more".into()
                        },
                        found: a.map(|a| a.to_string()).unwrap_or_default(),
                    })
                })
                .collect::<Result<_>>()?
        }
    };
    if let Some(i) = years.iter().position(Option::is_none) {
        return Err(EngineError::BadValue {
            at: at(plan.year)(i),
            expected: "a year such as 2024".into(),
            found: String::new(),
        });
    }
    let years: Vec<i32> = years.iter().map(|y| y.unwrap_or_default() as i32).collect();
    let mut keep = vec![true; len];
    for (((value_col, filters), counts), unit_of) in plan.consumers.iter().zip(counts.iter_mut()).zip(&plan.units) {
        keep.iter_mut().for_each(|k| *k = true);
        for (col, accepted) in filters {
            let coded = batch.coded(*col, &at(*col))?;
            let pass = coded.passing(|t| accepted.iter().any(|a| a == t));
            keep.iter_mut().zip(&coded.ids).for_each(|(k, &id)| *k &= pass[id as usize]);
        }
        let vals = match value_col {
            Some(col) => Some(batch.values(*col, &at(*col))?),
            None => None,
        };
        // The year slabs this batch adds to, taken out of the counts while it adds (a slab is
        // made only for a year some kept row has, as `Counts::add` makes it).
        let size = counts.units * 3 * counts.bands;
        let nb = counts.bands;
        let mut slabs: Vec<(i32, Vec<f64>)> = Vec::new();
        let mut current = usize::MAX;
        for i in 0..len {
            if !keep[i] {
                continue;
            }
            let v = match vals {
                None => 1.0,
                Some(v) => match v[i] {
                    None => continue,
                    Some(x) if x >= 0.0 && x.is_finite() => x,
                    Some(x) => {
                        let col = value_col.unwrap_or(0);
                        for (year, slab) in slabs {
                            counts.years.insert(year, slab);
                        }
                        return Err(EngineError::BadValue {
                            at: at(col)(i),
                            expected: "a count of 0 or more".into(),
                            found: x.to_string(),
                        });
                    }
                },
            };
            let year = years[i];
            if slabs.get(current).is_none_or(|s| s.0 != year) {
                current = match slabs.iter().position(|s| s.0 == year) {
                    Some(p) => p,
                    None => {
                        let slab = counts.years.remove(&year).unwrap_or_else(|| vec![0.0; size]);
                        slabs.push((year, slab));
                        slabs.len() - 1
                    }
                };
            }
            // Every small area has a unit (read_table checks it).
            let unit = unit_of.get(areas[i] as usize).copied().unwrap_or_default() as usize;
            slabs[current].1[(unit * 3 + sexes[i] as usize) * nb + bands[i] as usize] += v;
        }
        for (year, slab) in slabs {
            counts.years.insert(year, slab);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast trim is `str::trim` on ASCII, padded, non-ASCII and empty text.
    #[test]
    fn trim_is_str_trim() {
        for t in ["E01000001", " E01", "E01 ", "\tA\n", "", " ", "\u{a0}X\u{a0}", "é", "\u{1}A", "Not known"] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }

    /// A column is coded by its trimmed values, numbered in the order of their first rows
    /// (nulls as ""), each with its first row.
    #[test]
    fn columns_are_coded_by_distinct_trimmed_value() {
        let texts = StringArray::from(vec![Some("b"), Some(" b"), None, Some("a"), Some("b "), Some("")]);
        let coded = Coded::new(&texts, texts.len());
        assert_eq!(coded.distinct, ["b", "", "a"]);
        assert_eq!(coded.ids, [0, 0, 1, 2, 0, 1]);
        assert_eq!(coded.first, [0, 2, 3]);
        assert_eq!(coded.passing(|t| t == "a"), [false, false, true]);
    }

    #[test]
    fn ages_and_years_parse() {
        assert_eq!(band_of(0, true), Some(0));
        assert_eq!(band_of(3, true), None);
        assert_eq!(band_of(3, false), Some(1));
        assert_eq!(band_of(90, true), Some(19));
        assert_eq!(band_of(104, false), Some(19));
        assert_eq!(band_of(-1, false), None);
        assert_eq!(parse_integer("2023/24", true), Some(2023));
        assert_eq!(parse_integer("1999/00", true), Some(1999));
        assert_eq!(parse_integer("2023/25", true), None);
        assert_eq!(parse_integer("2023", true), Some(2023));
        assert_eq!(parse_integer("2023/24", false), None);
        assert_eq!(parse_integer("20x3", true), None);
    }
}
