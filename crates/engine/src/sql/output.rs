//! Writing a query's record batches as they arrive: CSV to standard output or a file, or
//! Parquet to a file. Files are written under a temporary name beside the destination and
//! renamed over it only when complete, so a failed query leaves no partial output.
//!
//! CSV cannot hold a STRUCT, so in CSV each struct column (such as the result of `dsr(…)`) is
//! written as one column per field, named `{column}_{field}` (`d_value`, `d_lowercl`, …).
//! Parquet keeps structs as they are.

use std::fs::File;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{make_array, Array, ArrayRef, RecordBatch, StructArray};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::csv::{Writer as CsvWriter, WriterBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::ArrowWriter;

use super::SqlError;

/// The formats a query result can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// CSV with a header row; structs flattened.
    Csv,
    /// Parquet.
    Parquet,
}

impl OutputFormat {
    /// The format of `output`: `-` and `.csv` are CSV, `.parquet` is Parquet.
    ///
    /// # Errors
    /// Any other extension.
    pub fn of(output: &str) -> Result<OutputFormat, SqlError> {
        if output == "-" {
            return Ok(OutputFormat::Csv);
        }
        match Path::new(output).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => Ok(OutputFormat::Csv),
            Some("parquet") => Ok(OutputFormat::Parquet),
            _ => Err(SqlError::Usage(format!(
                "{output}: the output must end in .csv or .parquet, or be - for CSV on standard output"
            ))),
        }
    }
}

enum Sink {
    Csv(Option<CsvWriter<Box<dyn Write>>>),
    Parquet(Option<ArrowWriter<File>>),
}

/// Writes record batches to CSV or Parquet, atomically for files.
pub struct BatchWriter {
    sink: Sink,
    schema: SchemaRef,
    destination: Option<PathBuf>,
    temporary: Option<PathBuf>,
    rows: u64,
    wrote_any: bool,
}

fn temporary_name(path: &Path) -> PathBuf {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{file}.tmp-{}", std::process::id()))
}

impl BatchWriter {
    /// Opens `output` (`-` for standard output) for batches of `schema` (the query's schema).
    ///
    /// # Errors
    /// An unknown extension, or the temporary file cannot be created.
    pub fn create(output: &str, schema: SchemaRef) -> Result<BatchWriter, SqlError> {
        let format = OutputFormat::of(output)?;
        let (destination, temporary) = if output == "-" {
            (None, None)
        } else {
            let dest = PathBuf::from(output);
            let tmp = temporary_name(&dest);
            (Some(dest), Some(tmp))
        };
        let open = |tmp: &Path| {
            File::create(tmp).map_err(|e| SqlError::Io { path: output.to_string(), message: e.to_string() })
        };
        let sink = match (format, &temporary) {
            (OutputFormat::Csv, None) => Sink::Csv(Some(
                WriterBuilder::new()
                    .with_header(true)
                    .build(Box::new(BufWriter::new(std::io::stdout())) as Box<dyn Write>),
            )),
            (OutputFormat::Csv, Some(tmp)) => Sink::Csv(Some(
                WriterBuilder::new().with_header(true).build(Box::new(BufWriter::new(open(tmp)?)) as Box<dyn Write>),
            )),
            (OutputFormat::Parquet, Some(tmp)) => {
                let file = open(tmp)?;
                let writer = ArrowWriter::try_new(file, schema.clone(), None)
                    .map_err(|e| SqlError::Io { path: output.to_string(), message: e.to_string() });
                match writer {
                    Ok(w) => Sink::Parquet(Some(w)),
                    Err(e) => {
                        let _ = std::fs::remove_file(tmp);
                        return Err(e);
                    }
                }
            }
            (OutputFormat::Parquet, None) => {
                return Err(SqlError::Usage(
                    "Parquet cannot be written to standard output; give a .parquet file".into(),
                ))
            }
        };
        Ok(BatchWriter { sink, schema, destination, temporary, rows: 0, wrote_any: false })
    }

    fn error(&self, e: impl std::fmt::Display) -> SqlError {
        let path = self.destination.as_ref().map_or_else(|| "<stdout>".to_string(), |p| p.display().to_string());
        SqlError::Io { path, message: e.to_string() }
    }

    /// Writes one batch.
    ///
    /// # Errors
    /// A column type the format cannot hold (e.g. a list in CSV), or an I/O error.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), SqlError> {
        let result = match &mut self.sink {
            Sink::Csv(Some(w)) => match flatten(batch).and_then(|b| w.write(&b)) {
                Err(ArrowError::IoError(_, e)) if e.kind() == ErrorKind::BrokenPipe => return Err(SqlError::Closed),
                // The csv crate's I/O errors reach us as text.
                Err(ArrowError::CsvError(e)) if e.contains("Broken pipe") => return Err(SqlError::Closed),
                other => other.map_err(|e| e.to_string()),
            },
            Sink::Parquet(Some(w)) => w.write(batch).map_err(|e| e.to_string()),
            _ => Err("the writer is closed".to_string()),
        };
        result.map_err(|e| self.error(e))?;
        self.rows += batch.num_rows() as u64;
        self.wrote_any = true;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Finishes the output (a CSV header even with no rows), then syncs and renames a file to
    /// its destination.
    ///
    /// # Errors
    /// Any write, sync or rename error; the temporary file is then removed.
    pub fn finish(mut self) -> Result<u64, SqlError> {
        if !self.wrote_any {
            let empty = RecordBatch::new_empty(self.schema.clone());
            self.write(&empty)?;
        }
        let result = self.close();
        if result.is_err() {
            self.discard();
        }
        result.map(|()| self.rows)
    }

    fn close(&mut self) -> Result<(), SqlError> {
        match &mut self.sink {
            Sink::Csv(w) => {
                if let Some(w) = w.take() {
                    let mut inner = w.into_inner();
                    match inner.flush() {
                        Err(e) if e.kind() == ErrorKind::BrokenPipe => return Err(SqlError::Closed),
                        other => other.map_err(|e| self.error(e))?,
                    }
                    drop(inner);
                }
            }
            Sink::Parquet(w) => {
                if let Some(w) = w.take() {
                    let file = w.into_inner().map_err(|e| self.error(e))?;
                    file.sync_all().map_err(|e| self.error(e))?;
                }
            }
        }
        if let (Some(tmp), Some(dest)) = (&self.temporary, &self.destination) {
            std::fs::rename(tmp, dest).map_err(|e| self.error(e))?;
            self.temporary = None;
        }
        Ok(())
    }

    /// Removes the temporary file (after a failure).
    fn discard(&mut self) {
        if let Some(tmp) = self.temporary.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

impl Drop for BatchWriter {
    fn drop(&mut self) {
        // A writer dropped before `finish` (an error mid-query) leaves no file behind.
        self.sink = Sink::Csv(None);
        self.discard();
    }
}

/// Replaces each struct column by one column per field, `{column}_{field}`, recursively; a
/// null struct gives nulls in all its fields.
///
/// # Errors
/// Arrow's, if a column cannot be rebuilt.
pub fn flatten(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    if !batch.schema().fields().iter().any(|f| matches!(f.data_type(), DataType::Struct(_))) {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        flatten_column(field.name(), field.is_nullable(), column, &mut fields, &mut columns)?;
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

fn flatten_column(
    name: &str,
    nullable: bool,
    column: &ArrayRef,
    fields: &mut Vec<Field>,
    columns: &mut Vec<ArrayRef>,
) -> Result<(), ArrowError> {
    match column.as_any().downcast_ref::<StructArray>() {
        Some(s) => {
            for (f, child) in s.fields().iter().zip(s.columns()) {
                let nulls = NullBuffer::union(s.nulls(), child.nulls());
                let child = make_array(child.to_data().into_builder().nulls(nulls).build()?);
                flatten_column(&format!("{name}_{}", f.name()), true, &child, fields, columns)?;
            }
        }
        None => {
            fields.push(Field::new(name, column.data_type().clone(), nullable || column.null_count() > 0));
            columns.push(column.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Float64Array, StringArray};
    use datafusion::arrow::datatypes::Fields;

    fn sample() -> RecordBatch {
        let fields = Fields::from(vec![
            Field::new("value", DataType::Float64, true),
            Field::new("method", DataType::Utf8, true),
        ]);
        let s = StructArray::new(
            fields.clone(),
            vec![Arc::new(Float64Array::from(vec![1.5, 2.5])), Arc::new(StringArray::from(vec!["Dobson", "Dobson"]))],
            Some(NullBuffer::from(vec![true, false])),
        );
        let schema = Schema::new(vec![
            Field::new("area", DataType::Utf8, false),
            Field::new("d", DataType::Struct(fields), true),
        ]);
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(StringArray::from(vec!["A", "B"])), Arc::new(s)]).unwrap()
    }

    #[test]
    fn structs_flatten_to_one_column_per_field() {
        let flat = flatten(&sample()).unwrap();
        let names: Vec<&str> = flat.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, vec!["area", "d_value", "d_method"]);
        assert!(flat.column(1).is_valid(0));
        assert!(flat.column(1).is_null(1), "a null struct gives null fields");
    }

    #[test]
    fn files_appear_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["out.csv", "out.parquet"] {
            let path = dir.path().join(name);
            let p = path.to_str().unwrap();
            let batch = sample();
            let mut w = BatchWriter::create(p, batch.schema()).unwrap();
            w.write(&batch).unwrap();
            assert!(!path.exists());
            assert_eq!(w.finish().unwrap(), 2);
            assert!(path.exists());
        }
        let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
        assert_eq!(text, "area,d_value,d_method\nA,1.5,Dobson\nB,,\n");
        let path = dir.path().join("dropped.csv");
        let w = BatchWriter::create(path.to_str().unwrap(), sample().schema()).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left");
        assert!(OutputFormat::of("x.xlsx").is_err());
    }
}
