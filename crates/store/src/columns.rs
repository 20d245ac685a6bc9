//! The columns of a results batch, found by name, read row by row.
//!
//! Text columns may be Utf8, LargeUtf8 or Utf8View; number columns Float64, Float32, Int64 or
//! Int32. A column the store knows but the batch lacks reads as empty (NULL), except the key
//! columns, which every row must have.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use crate::error::{Result, StoreError};

/// A text column of a batch.
pub(crate) enum Text<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Missing,
}

impl<'a> Text<'a> {
    /// The text at `row`, `None` when null or the column is missing.
    pub(crate) fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            Text::Utf8(a) => a.is_valid(row).then(|| a.value(row)),
            Text::Large(a) => a.is_valid(row).then(|| a.value(row)),
            Text::View(a) => a.is_valid(row).then(|| a.value(row)),
            Text::Missing => None,
        }
    }
}

/// A number column of a batch.
pub(crate) enum Number<'a> {
    F64(&'a arrow_array::Float64Array),
    F32(&'a arrow_array::Float32Array),
    I64(&'a arrow_array::Int64Array),
    I32(&'a arrow_array::Int32Array),
    Missing,
}

impl Number<'_> {
    /// The number at `row`; `None` when null, not finite, or the column is missing.
    pub(crate) fn get(&self, row: usize) -> Option<f64> {
        let v = match self {
            Number::F64(a) => a.is_valid(row).then(|| a.value(row)),
            Number::F32(a) => a.is_valid(row).then(|| f64::from(a.value(row))),
            Number::I64(a) => a.is_valid(row).then(|| a.value(row) as f64),
            Number::I32(a) => a.is_valid(row).then(|| f64::from(a.value(row))),
            Number::Missing => None,
        };
        v.filter(|v| v.is_finite())
    }
}

/// The text column `name` of `batch` (missing when absent).
///
/// # Errors
/// A column of that name that does not hold text.
pub(crate) fn text<'a>(batch: &'a RecordBatch, name: &str) -> Result<Text<'a>> {
    let Some(column) = batch.column_by_name(name) else { return Ok(Text::Missing) };
    Ok(match column.data_type() {
        DataType::Utf8 => Text::Utf8(column.as_string::<i32>()),
        DataType::LargeUtf8 => Text::Large(column.as_string::<i64>()),
        DataType::Utf8View => Text::View(column.as_string_view()),
        DataType::Null => Text::Missing,
        other => {
            return Err(StoreError::BadInput(format!("the results' column \"{name}\" holds {other}: expected text")))
        }
    })
}

/// The text column `name` of `batch`, which must be there.
///
/// # Errors
/// A missing column, or one that does not hold text.
pub(crate) fn required_text<'a>(batch: &'a RecordBatch, name: &str) -> Result<Text<'a>> {
    match text(batch, name)? {
        Text::Missing => Err(StoreError::BadInput(format!("the results have no column \"{name}\""))),
        column => Ok(column),
    }
}

/// The number column `name` of `batch` (missing when absent).
///
/// # Errors
/// A column of that name that does not hold numbers.
pub(crate) fn number<'a>(batch: &'a RecordBatch, name: &str) -> Result<Number<'a>> {
    let Some(column) = batch.column_by_name(name) else { return Ok(Number::Missing) };
    Ok(match column.data_type() {
        DataType::Float64 => Number::F64(column.as_primitive::<Float64Type>()),
        DataType::Float32 => Number::F32(column.as_primitive::<Float32Type>()),
        DataType::Int64 => Number::I64(column.as_primitive::<Int64Type>()),
        DataType::Int32 => Number::I32(column.as_primitive::<Int32Type>()),
        DataType::Null => Number::Missing,
        other => {
            return Err(StoreError::BadInput(format!("the results' column \"{name}\" holds {other}: expected numbers")))
        }
    })
}
