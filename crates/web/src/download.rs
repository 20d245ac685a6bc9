//! Value rows as a results batch: every column of the results table
//! (`engine::compute::results::schema`), the area's parent and the indicator's framework,
//! domain, measure and polarity filled from the store, so that a download holds what the
//! imported results held and `engine::compute::results::encode` lays it out as `fairer
//! compute` writes files.

use std::collections::HashMap;
use std::sync::Arc;

use engine::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use engine::compute::results::{schema, COLUMNS};
use store::{Area, Indicator, ValueRow};

use crate::WebError;

/// `rows` as one record batch of the results schema; `areas` and `indicators` give the
/// columns the value rows do not hold (parents; framework, domain, measure, polarity).
///
/// # Errors
/// A results column this build does not know how to fill (the engine gained one: a bug).
pub fn to_batch(rows: &[ValueRow], areas: &[Area], indicators: &[Indicator]) -> Result<RecordBatch, WebError> {
    let areas: HashMap<&str, &Area> = areas.iter().map(|a| (a.code.as_str(), a)).collect();
    let indicators: HashMap<&str, &Indicator> = indicators.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(COLUMNS.len());
    for column in &COLUMNS {
        let name = column.name;
        let array: ArrayRef = if let Some(number) = number_field(name) {
            Arc::new(rows.iter().map(number).collect::<Float64Array>())
        } else {
            let mut texts = Vec::with_capacity(rows.len());
            for row in rows {
                let area = areas.get(row.area_code.as_str());
                let indicator = indicators.get(row.indicator_id.as_str());
                texts.push(text_field(name, row, area.copied(), indicator.copied())?);
            }
            Arc::new(StringArray::from(texts))
        };
        columns.push(array);
    }
    RecordBatch::try_new(schema(), columns).map_err(|e| WebError::Engine(engine::EngineError::Internal(e.to_string())))
}

/// The reader of number column `name`, `None` for a text column.
fn number_field(name: &str) -> Option<fn(&ValueRow) -> Option<f64>> {
    Some(match name {
        "value" => |r| r.value,
        "lower_95" => |r| r.lower_95,
        "upper_95" => |r| r.upper_95,
        "lower_99_8" => |r| r.lower_99_8,
        "upper_99_8" => |r| r.upper_99_8,
        "count" => |r| r.count,
        "denominator" => |r| r.denominator,
        "time_period_sortable" => |r| r.time_period_sortable.map(|y| y as f64),
        "benchmark_value" => |r| r.benchmark_value,
        "sii" => |r| r.sii,
        "sii_lower_95" => |r| r.sii_lower_95,
        "sii_upper_95" => |r| r.sii_upper_95,
        "sii_lower_99_8" => |r| r.sii_lower_99_8,
        "sii_upper_99_8" => |r| r.sii_upper_99_8,
        "rii" => |r| r.rii,
        "rii_lower_95" => |r| r.rii_lower_95,
        "rii_upper_95" => |r| r.rii_upper_95,
        "gap_most_minus_least_deprived" => |r| r.gap_most_minus_least_deprived,
        "ratio_most_to_least_deprived" => |r| r.ratio_most_to_least_deprived,
        "excess_count" => |r| r.excess_count,
        _ => return None,
    })
}

/// Text column `name` of `row`.
fn text_field(
    name: &str,
    r: &ValueRow,
    area: Option<&Area>,
    indicator: Option<&Indicator>,
) -> Result<Option<String>, WebError> {
    let s = |t: &String| Some(t.clone());
    Ok(match name {
        "indicator_id" => s(&r.indicator_id),
        "indicator_name" => s(&r.indicator_name),
        "parent_code" => area.and_then(|a| a.parent_code.clone()),
        "parent_name" => area.and_then(|a| a.parent_name.clone()),
        "area_code" => s(&r.area_code),
        "area_name" => s(&r.area_name),
        "area_type" => s(&r.area_type),
        "sex" => s(&r.sex),
        "age" => s(&r.age),
        "category_type" => r.category_type.clone(),
        "category" => r.category.clone(),
        "time_period" => s(&r.time_period),
        "value_note" => r.value_note.clone(),
        "recent_trend" => r.recent_trend.clone(),
        "compared_to_benchmark_95" => r.compared_to_benchmark_95.clone(),
        "compared_to_benchmark_99_8" => r.compared_to_benchmark_99_8.clone(),
        "framework" => indicator.and_then(|i| i.framework.clone()),
        "domain" => indicator.and_then(|i| i.domain.clone()),
        "measure" => indicator.and_then(|i| i.measure.clone()),
        "polarity" => indicator.and_then(|i| i.polarity.clone()),
        "statistic" => r.statistic.clone(),
        "method" => r.method.clone(),
        "benchmark" => r.benchmark.clone(),
        "quintile" => r.quintile.clone(),
        "trend_reason" => r.trend_reason.clone(),
        "inequality_note" => r.inequality_note.clone(),
        other => {
            return Err(WebError::Engine(engine::EngineError::Internal(format!(
                "the results column \"{other}\" is not known to the download"
            ))))
        }
    })
}
