//! Writing the generated tables: blocks of typed columns, to CSV or Parquet, atomically.
//!
//! The generator produces each table in blocks (one per window of small areas) and appends them
//! in a fixed order, so memory stays bounded however many rows a table has (the microdata table
//! can have 100 million) and the bytes are the same on every run. Parquet files are written in
//! row groups of at most [`ROW_GROUP_ROWS`] rows, Snappy-compressed, with no timestamps in the
//! metadata and no column statistics. Each file is written under a temporary name beside its
//! destination and renamed over it only when complete, so an error or a crash part-way never
//! leaves a half-written file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::error::{Result, SynthError};

/// The most rows in one Parquet row group.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// The file format of the output tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet (Snappy-compressed), the default.
    Parquet,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

/// The type of a column.
#[derive(Clone, Debug)]
pub enum Kind {
    /// Text stored per row.
    Text,
    /// Text chosen from a fixed list of values (area codes, sexes, causes): rows hold the index.
    Coded(Arc<Vec<String>>),
    /// A 32-bit whole number (years, ages, ranks).
    Int32,
    /// A 64-bit whole number (counts).
    Int64,
    /// A floating-point number, written with `decimals` decimals.
    Float64 {
        /// Decimals kept (the value is rounded to them), so CSV and Parquet agree.
        decimals: usize,
    },
    /// True or false.
    Bool,
}

/// A column's name and type.
#[derive(Clone, Debug)]
pub struct ColumnSpec {
    /// The column name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
}

/// The values of one column in a block.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// Text per row ([`Kind::Text`]).
    Text(Vec<String>),
    /// Indices into the column's list ([`Kind::Coded`]).
    Coded(Vec<u32>),
    /// [`Kind::Int32`].
    Int32(Vec<i32>),
    /// [`Kind::Int64`].
    Int64(Vec<i64>),
    /// [`Kind::Float64`].
    Float64(Vec<f64>),
    /// [`Kind::Bool`].
    Bool(Vec<bool>),
}

impl Values {
    /// An empty column of `kind`, with room for `capacity` rows.
    pub fn with_capacity(kind: &Kind, capacity: usize) -> Values {
        match kind {
            Kind::Text => Values::Text(Vec::with_capacity(capacity)),
            Kind::Coded(_) => Values::Coded(Vec::with_capacity(capacity)),
            Kind::Int32 => Values::Int32(Vec::with_capacity(capacity)),
            Kind::Int64 => Values::Int64(Vec::with_capacity(capacity)),
            Kind::Float64 { .. } => Values::Float64(Vec::with_capacity(capacity)),
            Kind::Bool => Values::Bool(Vec::with_capacity(capacity)),
        }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Coded(v) => v.len(),
            Values::Int32(v) => v.len(),
            Values::Int64(v) => v.len(),
            Values::Float64(v) => v.len(),
            Values::Bool(v) => v.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `other` (of the same variant; a different variant is ignored).
    fn append(&mut self, other: Values) {
        match (self, other) {
            (Values::Text(a), Values::Text(b)) => a.extend(b),
            (Values::Coded(a), Values::Coded(b)) => a.extend(b),
            (Values::Int32(a), Values::Int32(b)) => a.extend(b),
            (Values::Int64(a), Values::Int64(b)) => a.extend(b),
            (Values::Float64(a), Values::Float64(b)) => a.extend(b),
            (Values::Bool(a), Values::Bool(b)) => a.extend(b),
            _ => {}
        }
    }
}

/// A block of rows of one table: one [`Values`] per column of its schema, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The columns.
    pub columns: Vec<Values>,
}

impl Block {
    /// An empty block for `schema` with room for `capacity` rows.
    pub fn new(schema: &[ColumnSpec], capacity: usize) -> Block {
        Block { columns: schema.iter().map(|c| Values::with_capacity(&c.kind, capacity)).collect() }
    }

    /// The number of rows (of the first column).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Values::len)
    }

    /// Appends the rows of `other`, a block of the same schema.
    pub fn append(&mut self, other: Block) {
        for (a, b) in self.columns.iter_mut().zip(other.columns) {
            a.append(b);
        }
    }
}

/// Rounds `x` to `decimals` decimals.
fn round_to(x: f64, decimals: usize) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (x * f).round() / f
}

enum Sink {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Parquet(Box<ArrowWriter<BufWriter<File>>>),
}

/// A table being written to its file under a temporary name.
pub struct TableWriter {
    destination: PathBuf,
    temporary: PathBuf,
    schema: Vec<ColumnSpec>,
    arrow_schema: SchemaRef,
    sink: Option<Sink>,
    rows: u64,
}

/// The temporary name beside `destination` that a file is written under.
pub fn temporary_name(destination: &Path) -> PathBuf {
    let name = destination.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    destination.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

impl TableWriter {
    /// Starts writing a table of `schema` to `destination` in `format`.
    ///
    /// # Errors
    /// The temporary file cannot be created, or the Parquet writer refuses the schema.
    pub fn create(destination: &Path, format: Format, schema: Vec<ColumnSpec>) -> Result<TableWriter> {
        let temporary = temporary_name(destination);
        let file = File::create(&temporary).map_err(|e| SynthError::io(&temporary, e))?;
        let buffered = BufWriter::with_capacity(1 << 20, file);
        let arrow_schema: SchemaRef = Arc::new(Schema::new(
            schema
                .iter()
                .map(|c| {
                    let t = match c.kind {
                        Kind::Text | Kind::Coded(_) => DataType::Utf8,
                        Kind::Int32 => DataType::Int32,
                        Kind::Int64 => DataType::Int64,
                        Kind::Float64 { .. } => DataType::Float64,
                        Kind::Bool => DataType::Boolean,
                    };
                    Field::new(c.name, t, false)
                })
                .collect::<Vec<_>>(),
        ));
        let sink = match format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(buffered);
                w.write_record(schema.iter().map(|c| c.name))
                    .map_err(|source| SynthError::Csv { path: destination.to_path_buf(), source })?;
                Sink::Csv(Box::new(w))
            }
            Format::Parquet => {
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    // No min/max statistics: the engine reads generated tables whole, and
                    // keeping them compares every value's bytes (a filtered SQL query then
                    // reads every row group instead of skipping some).
                    .set_statistics_enabled(EnabledStatistics::None)
                    .build();
                let w = ArrowWriter::try_new(buffered, arrow_schema.clone(), Some(props))
                    .map_err(|e| SynthError::Parquet { path: destination.to_path_buf(), message: e.to_string() })?;
                Sink::Parquet(Box::new(w))
            }
        };
        Ok(TableWriter {
            destination: destination.to_path_buf(),
            temporary,
            schema,
            arrow_schema,
            sink: Some(sink),
            rows: 0,
        })
    }

    /// The rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends a block of rows.
    ///
    /// # Errors
    /// The block does not fit the schema (an internal error), or a write fails.
    pub fn write(&mut self, block: &Block) -> Result<()> {
        let n = block.rows();
        if block.columns.len() != self.schema.len() || block.columns.iter().any(|c| c.len() != n) {
            return Err(SynthError::Parquet {
                path: self.destination.clone(),
                message: "internal: a block does not match the table's columns".into(),
            });
        }
        if n == 0 {
            return Ok(());
        }
        match self.sink.as_mut() {
            Some(Sink::Csv(w)) => write_csv(w, &self.schema, block, &self.destination)?,
            Some(Sink::Parquet(w)) => {
                let arrays = to_arrow(&self.schema, block);
                let batch = RecordBatch::try_new(self.arrow_schema.clone(), arrays)
                    .map_err(|e| SynthError::Parquet { path: self.destination.clone(), message: e.to_string() })?;
                w.write(&batch)
                    .map_err(|e| SynthError::Parquet { path: self.destination.clone(), message: e.to_string() })?;
            }
            None => {}
        }
        self.rows += n as u64;
        Ok(())
    }

    /// Completes the file and renames it to its destination; returns the rows written.
    ///
    /// # Errors
    /// Flushing, closing or renaming fails (the temporary file is then removed).
    pub fn finish(mut self) -> Result<u64> {
        let path = self.destination.clone();
        let result = match self.sink.take() {
            Some(Sink::Csv(w)) => match w.into_inner() {
                Ok(mut b) => b.flush().map_err(|e| SynthError::io(&path, e)),
                Err(e) => Err(SynthError::io(&path, e.into_error())),
            },
            Some(Sink::Parquet(w)) => match w.into_inner() {
                Ok(mut b) => b.flush().map_err(|e| SynthError::io(&path, e)),
                Err(e) => Err(SynthError::Parquet { path: path.clone(), message: e.to_string() }),
            },
            None => Ok(()),
        };
        result?;
        std::fs::rename(&self.temporary, &self.destination).map_err(|e| SynthError::io(&self.destination, e))?;
        Ok(self.rows)
    }
}

impl Drop for TableWriter {
    fn drop(&mut self) {
        // Not finished (an error or a panic elsewhere): leave no partial file behind.
        if self.sink.is_some() {
            self.sink = None;
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

fn write_csv(w: &mut csv::Writer<BufWriter<File>>, schema: &[ColumnSpec], block: &Block, path: &Path) -> Result<()> {
    use std::fmt::Write as _;
    let mut cells: Vec<String> = vec![String::new(); schema.len()];
    for row in 0..block.rows() {
        for ((cell, spec), values) in cells.iter_mut().zip(schema).zip(&block.columns) {
            cell.clear();
            let _ = match (values, &spec.kind) {
                (Values::Text(v), _) => {
                    cell.push_str(&v[row]);
                    Ok(())
                }
                (Values::Coded(v), Kind::Coded(list)) => {
                    cell.push_str(list.get(v[row] as usize).map_or("", String::as_str));
                    Ok(())
                }
                (Values::Int32(v), _) => write!(cell, "{}", v[row]),
                (Values::Int64(v), _) => write!(cell, "{}", v[row]),
                (Values::Float64(v), Kind::Float64 { decimals }) => write!(cell, "{:.*}", *decimals, v[row]),
                (Values::Bool(v), _) => write!(cell, "{}", v[row]),
                _ => Ok(()),
            };
        }
        w.write_record(&cells).map_err(|source| SynthError::Csv { path: path.to_path_buf(), source })?;
    }
    Ok(())
}

fn to_arrow(schema: &[ColumnSpec], block: &Block) -> Vec<ArrayRef> {
    schema
        .iter()
        .zip(&block.columns)
        .map(|(spec, values)| -> ArrayRef {
            match (values, &spec.kind) {
                (Values::Text(v), _) => {
                    let mut b = StringBuilder::with_capacity(v.len(), v.iter().map(String::len).sum());
                    for s in v {
                        b.append_value(s);
                    }
                    Arc::new(b.finish())
                }
                (Values::Coded(v), Kind::Coded(list)) => {
                    let width = list.first().map_or(0, String::len);
                    let mut b = StringBuilder::with_capacity(v.len(), v.len() * width);
                    for &k in v {
                        b.append_value(list.get(k as usize).map_or("", String::as_str));
                    }
                    Arc::new(b.finish())
                }
                (Values::Int32(v), _) => Arc::new(Int32Array::from(v.clone())),
                (Values::Int64(v), _) => Arc::new(Int64Array::from(v.clone())),
                (Values::Float64(v), Kind::Float64 { decimals }) => {
                    Arc::new(Float64Array::from(v.iter().map(|&x| round_to(x, *decimals)).collect::<Vec<_>>()))
                }
                (Values::Bool(v), _) => Arc::new(BooleanArray::from(v.clone())),
                (_, _) => Arc::new(Int32Array::from(vec![0; values.len()])),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<ColumnSpec> {
        vec![
            ColumnSpec { name: "code", kind: Kind::Coded(Arc::new(vec!["E01900001".into(), "E01900002".into()])) },
            ColumnSpec { name: "n", kind: Kind::Int64 },
            ColumnSpec { name: "score", kind: Kind::Float64 { decimals: 3 } },
        ]
    }

    #[test]
    fn writes_csv_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut w = TableWriter::create(&path, Format::Csv, schema()).unwrap();
        let block = Block {
            columns: vec![Values::Coded(vec![1, 0]), Values::Int64(vec![5, 7]), Values::Float64(vec![1.23456, 2.0])],
        };
        w.write(&block).unwrap();
        assert!(!path.exists(), "not renamed before finish");
        assert_eq!(w.finish().unwrap(), 2);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "code,n,score\nE01900002,5,1.235\nE01900001,7,2.000\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn an_unfinished_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        {
            let mut w = TableWriter::create(&path, Format::Parquet, schema()).unwrap();
            let block =
                Block { columns: vec![Values::Coded(vec![0]), Values::Int64(vec![1]), Values::Float64(vec![0.5])] };
            w.write(&block).unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
