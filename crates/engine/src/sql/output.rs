//! Writing a query's record batches as they arrive: CSV to a stream or a file, or Parquet to
//! a file. Files are written under a temporary name beside the destination and
//! renamed over it only when complete, so a failed query leaves no partial output.
//!
//! CSV cannot hold a STRUCT, so in CSV each struct column (such as the result of `dsr(…)`) is
//! written as one column per field, named `{column}_{field}` (`d_value`, `d_lowercl`, …).
//! Parquet keeps structs as they are.

use std::io::{ErrorKind, Write};
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{make_array, Array, ArrayRef, RecordBatch, StructArray};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::csv::{Writer as CsvWriter, WriterBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::ArrowWriter;

use super::SqlError;
use crate::error::EngineError;
use crate::input::TableFormat;
use crate::output::AtomicFile;

/// Where a query's result goes: a file (CSV or Parquet by its extension, written atomically)
/// or CSV to a stream the caller gives (standard output, a socket, a buffer).
pub enum QueryOutput {
    /// A `.csv` or `.parquet` file.
    File(PathBuf),
    /// CSV to a stream, named `name` in errors.
    CsvStream {
        /// The name errors give the stream (`<stdout>`).
        name: String,
        /// The stream.
        out: Box<dyn Write + Send>,
    },
}

impl QueryOutput {
    /// The format of the output: CSV for a stream; for a file, by its extension.
    ///
    /// # Errors
    /// A file whose extension is neither `.csv` nor `.parquet`.
    pub fn format(&self) -> Result<TableFormat, SqlError> {
        match self {
            QueryOutput::CsvStream { .. } => Ok(TableFormat::Csv),
            QueryOutput::File(path) => {
                let name = path.display().to_string();
                match TableFormat::from_extension(&name) {
                    Some(f @ (TableFormat::Csv | TableFormat::Parquet)) => Ok(f),
                    _ => Err(SqlError::Usage(format!("{name}: the output must end in .csv or .parquet"))),
                }
            }
        }
    }
}

/// CSV text's destination: a file written atomically, or a stream.
enum CsvTarget {
    File(AtomicFile),
    Stream(Box<dyn Write + Send>),
}

impl Write for CsvTarget {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            CsvTarget::File(f) => f.write(buf),
            CsvTarget::Stream(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            CsvTarget::File(f) => f.flush(),
            CsvTarget::Stream(s) => s.flush(),
        }
    }
}

enum Sink {
    Csv(Option<CsvWriter<CsvTarget>>),
    Parquet(Option<ArrowWriter<AtomicFile>>),
}

/// Writes record batches to CSV or Parquet, atomically for files ([`AtomicFile`]).
pub struct BatchWriter {
    sink: Sink,
    schema: SchemaRef,
    name: String,
    rows: u64,
    wrote_any: bool,
}

/// An [`AtomicFile`] error as a [`SqlError`] on `name`.
fn file_error(name: &str, e: EngineError) -> SqlError {
    let message = match e {
        EngineError::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    SqlError::Io { path: name.to_string(), message }
}

impl BatchWriter {
    /// Opens `output` for batches of `schema` (the query's schema).
    ///
    /// # Errors
    /// An unknown extension, or the temporary file cannot be created.
    pub fn create(output: QueryOutput, schema: SchemaRef) -> Result<BatchWriter, SqlError> {
        let format = output.format()?;
        let (name, sink) = match output {
            QueryOutput::CsvStream { name, out } => {
                (name, Sink::Csv(Some(WriterBuilder::new().with_header(true).build(CsvTarget::Stream(out)))))
            }
            QueryOutput::File(path) => {
                let name = path.display().to_string();
                let file = AtomicFile::create(&path).map_err(|e| file_error(&name, e))?;
                let sink = if format == TableFormat::Parquet {
                    let writer = ArrowWriter::try_new(file, schema.clone(), None)
                        .map_err(|e| SqlError::Io { path: name.clone(), message: e.to_string() })?;
                    Sink::Parquet(Some(writer))
                } else {
                    Sink::Csv(Some(WriterBuilder::new().with_header(true).build(CsvTarget::File(file))))
                };
                (name, sink)
            }
        };
        Ok(BatchWriter { sink, schema, name, rows: 0, wrote_any: false })
    }

    fn error(&self, e: impl std::fmt::Display) -> SqlError {
        SqlError::Io { path: self.name.clone(), message: e.to_string() }
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
        let name = self.name.clone();
        match std::mem::replace(&mut self.sink, Sink::Csv(None)) {
            Sink::Csv(Some(w)) => match w.into_inner() {
                CsvTarget::File(file) => file.commit().map_err(|e| file_error(&name, e))?,
                CsvTarget::Stream(mut out) => match out.flush() {
                    Err(e) if e.kind() == ErrorKind::BrokenPipe => return Err(SqlError::Closed),
                    other => other.map_err(|e| self.error(e))?,
                },
            },
            Sink::Parquet(Some(w)) => {
                let file = w.into_inner().map_err(|e| self.error(e))?;
                file.commit().map_err(|e| file_error(&name, e))?;
            }
            _ => return Err(self.error("the writer is closed")),
        }
        Ok(self.rows)
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
            let batch = sample();
            let mut w = BatchWriter::create(QueryOutput::File(path.clone()), batch.schema()).unwrap();
            w.write(&batch).unwrap();
            assert!(!path.exists());
            assert_eq!(w.finish().unwrap(), 2);
            assert!(path.exists());
        }
        let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
        assert_eq!(text, "area,d_value,d_method\nA,1.5,Dobson\nB,,\n");
        let path = dir.path().join("dropped.csv");
        let w = BatchWriter::create(QueryOutput::File(path), sample().schema()).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left");
        assert!(QueryOutput::File("x.xlsx".into()).format().is_err());
    }
}
