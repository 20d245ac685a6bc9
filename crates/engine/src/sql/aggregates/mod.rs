//! Fairer's aggregate SQL functions: a statistic with confidence limits for each group, e.g.
//! `SELECT area, dsr(deaths, pop, esp2013(ageband)).value FROM t GROUP BY area`.
//!
//! Each function is an [`AggregateSpec`] (name, arguments, result fields, and how a group
//! becomes a result) declared in its own module with its documentation and tests:
//! [`proportion`] (`proportion`/`wilson`, `crude_rate`), [`dsr`], [`isr`] (`isratio`,
//! `israte`), [`life_expectancy`], [`sii`], [`inequality`] (HEAT's summary measures) and [`excess_deaths`]. [`FairerAggregate`] turns a spec into a
//! DataFusion aggregate UDF; they are registered by name in [`super::register_functions`].
//!
//! Every aggregate returns a STRUCT whose fields follow the reference R package
//! PHEindicatormethods: `value`, `lowercl`, `uppercl`, the method's own columns (for example
//! `total_count`, `total_pop`), then `confidence`, `statistic` and `method`. Take one field
//! with `dsr(…).value` (or `get_field(dsr(…), 'value')`), or select the whole struct: the CSV
//! output then has one column per field, `name_value`, `name_lowercl`, …
//!
//! Optional arguments (multiplier, confidence, …) must be constants. A group with no rows
//! gives a null struct. A group the method refuses (a negative count, x > n, a population of
//! 0, …) stops the query with an error naming the function and what was wrong.
//!
//! How a group is held: the numerator/denominator methods keep running sums (so groups can
//! be any size); the others keep their group's rows (age bands, quantiles) and compute when
//! the group is complete, so the statistics are exactly those of [`stats`].

pub mod dsr;
pub mod excess_deaths;
pub mod inequality;
pub mod isr;
pub mod life_expectancy;
pub mod proportion;
pub mod sii;

use std::hash::{Hash, Hasher};
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Float64Array, ListArray, StringArray, StructArray, UInt64Array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{exec_err, DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility};
use stats::dsr::band_start_age;
use stats::inequality::MeasureCode;
use stats::{ConfidenceLevel, Estimate};

use super::args::{self, Arg, ArgKind, OptionalArg};
use crate::calc::accumulator::Refusal;

/// The type of a result field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// DOUBLE.
    Number,
    /// VARCHAR.
    Text,
}

/// One field of an aggregate's result: its value for a group.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// A number, or null.
    Number(Option<f64>),
    /// A text, or null.
    Text(Option<String>),
}

/// A [`Body::Sums`] aggregate: the sums of the required arguments and the options give the
/// result fields, or an error message.
pub type SumsBody = fn(&[Option<f64>], &[f64]) -> Result<Vec<Out>, String>;

/// How a group becomes a result: the group's data and the constant options (defaults filled
/// in, already checked), giving one [`Out`] per result field, or an error message.
#[derive(Clone, Copy, Debug)]
pub enum Body {
    /// From the sums of the required arguments over the group, each `None` when any row had a
    /// null there (as R's `sum` gives NA).
    Sums(SumsBody),
    /// From the group's rows ([`GroupRows`]).
    Rows(fn(&GroupRows<'_>) -> Result<Vec<Out>, String>),
}

/// A group's rows as a [`Body::Rows`] aggregate receives them.
#[derive(Clone, Copy, Debug)]
pub struct GroupRows<'a> {
    /// One column per required argument, in order, nulls kept; age bands as their start ages.
    pub columns: &'a [Vec<Option<f64>>],
    /// The constant options, defaults filled in, already checked.
    pub options: &'a [f64],
    /// Per required argument, whether it was given as text (an age band label for an argument
    /// that is a number or an age band).
    pub text: &'a [bool],
}

/// The definition of an aggregate SQL function.
#[derive(Debug)]
pub struct AggregateSpec {
    /// The SQL name.
    pub name: &'static str,
    /// Other names it can be called by.
    pub aliases: &'static [&'static str],
    /// Required arguments, in order.
    pub required: &'static [Arg],
    /// Optional constant arguments, in order, with their defaults.
    pub optional: &'static [OptionalArg],
    /// The result's fields, in order.
    pub fields: &'static [(&'static str, FieldType)],
    /// One line for `--help` listings.
    pub summary: &'static str,
    /// The computation.
    pub body: Body,
}

impl AggregateSpec {
    /// The SQL signature, e.g. `dsr(count, population, stdpop [, multiplier [, confidence]])`.
    pub fn signature_text(&self) -> String {
        args::signature_text(self.name, self.required, self.optional)
    }

    /// The STRUCT type of the result.
    pub fn result_fields(&self) -> Fields {
        self.fields
            .iter()
            .map(|(name, t)| {
                Field::new(*name, if *t == FieldType::Number { DataType::Float64 } else { DataType::Utf8 }, true)
            })
            .collect()
    }
}

// --- helpers the methods share -------------------------------------------------------------

/// The value and limits of an estimate at its first (only) level.
pub(crate) fn value_and_limits(e: &Estimate) -> [Out; 3] {
    let l = e.limits.first();
    [Out::Number(e.value), Out::Number(l.and_then(|l| l.lower)), Out::Number(l.and_then(|l| l.upper))]
}

/// The `confidence`, `statistic` and `method` fields of an estimate.
pub(crate) fn wording(level: ConfidenceLevel, statistic: &str, method: Option<&str>) -> [Out; 3] {
    [Out::Text(Some(level.label())), Out::Text(Some(statistic.to_string())), Out::Text(method.map(str::to_string))]
}

/// A required value of a group's row: an error naming the function and argument when null.
pub(crate) fn required(function: &str, argument: &str, v: Option<f64>) -> Result<f64, String> {
    v.ok_or_else(|| format!("{function}: {argument} cannot be null"))
}

/// An accumulator's refusal as the error of SQL function `function`: the words `calc` shows
/// for the same input, after the function's name and the input concerned.
pub(crate) fn refused(function: &str, refusal: &Refusal) -> String {
    match refusal {
        Refusal::Value { input, .. } => format!("{function}: {input}: {refusal}"),
        Refusal::Differs { input, first, found } => {
            format!("{function}: {input} must be the same on every row of a group, got {first} and {found}")
        }
        Refusal::Row { .. } | Refusal::Group(_) => format!("{function}: {refusal}"),
    }
}

// --- the DataFusion side -----------------------------------------------------------------------

/// An [`AggregateSpec`] as a DataFusion aggregate UDF.
#[derive(Debug)]
pub struct FairerAggregate {
    spec: &'static AggregateSpec,
    signature: Signature,
    aliases: Vec<String>,
}

impl FairerAggregate {
    /// The UDAF of `spec`.
    pub fn udaf(spec: &'static AggregateSpec) -> AggregateUDF {
        AggregateUDF::new_from_impl(FairerAggregate {
            spec,
            signature: Signature::user_defined(Volatility::Immutable),
            aliases: spec.aliases.iter().map(|a| a.to_string()).collect(),
        })
    }
}

impl PartialEq for FairerAggregate {
    fn eq(&self, other: &Self) -> bool {
        self.spec.name == other.spec.name
    }
}
impl Eq for FairerAggregate {}
impl Hash for FairerAggregate {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.spec.name.hash(state);
    }
}

impl AggregateUDFImpl for FairerAggregate {
    fn name(&self) -> &str {
        self.spec.name
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.spec.name, self.spec.required, self.spec.optional, arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(self.spec.result_fields()))
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let options = args::constant_options(self.spec.name, self.spec.required, self.spec.optional, acc_args.exprs)?;
        let text = (0..self.spec.required.len())
            .map(|i| {
                acc_args
                    .expr_fields
                    .get(i)
                    .is_some_and(|f| matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View))
            })
            .collect();
        Ok(Box::new(FairerAccumulator::new(self.spec, options, text)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let state = |suffix: String, t: DataType| Arc::new(Field::new(format_state_name(args.name, &suffix), t, true));
        let mut fields = vec![state("rows".into(), DataType::UInt64)];
        for a in self.spec.required {
            match self.spec.body {
                Body::Sums(_) => {
                    fields.push(state(format!("sum_{}", a.name), DataType::Float64));
                    fields.push(state(format!("null_{}", a.name), DataType::Boolean));
                }
                Body::Rows(_) => {
                    fields.push(state(
                        format!("rows_{}", a.name),
                        DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true))),
                    ));
                }
            }
        }
        Ok(fields)
    }
}

/// A group's data so far.
#[derive(Debug)]
enum GroupData {
    /// Per required argument: the sum of its non-null values and whether any was null.
    Sums { sums: Vec<f64>, nulls: Vec<bool> },
    /// Per required argument: its values, row by row.
    Rows(Vec<Vec<Option<f64>>>),
}

/// The accumulator of one group of a [`FairerAggregate`].
#[derive(Debug)]
pub struct FairerAccumulator {
    spec: &'static AggregateSpec,
    options: Vec<f64>,
    /// Per required argument, whether it is given as text.
    text: Vec<bool>,
    rows: u64,
    data: GroupData,
}

impl FairerAccumulator {
    fn new(spec: &'static AggregateSpec, options: Vec<f64>, text: Vec<bool>) -> Self {
        let k = spec.required.len();
        let data = match spec.body {
            Body::Sums(_) => GroupData::Sums { sums: vec![0.0; k], nulls: vec![false; k] },
            Body::Rows(_) => GroupData::Rows(vec![Vec::new(); k]),
        };
        FairerAccumulator { spec, options, text, rows: 0, data }
    }

    /// The values of required argument `i` of a batch, age bands read as start ages.
    fn column(&self, i: usize, array: &ArrayRef) -> Result<Vec<Option<f64>>> {
        let arg = &self.spec.required[i];
        match arg.kind {
            ArgKind::Number => {
                let Some(a) = array.as_any().downcast_ref::<Float64Array>() else {
                    return exec_err!(
                        "{}: argument {} ({}) is not a number after coercion",
                        self.spec.name,
                        i + 1,
                        arg.name
                    );
                };
                Ok(a.iter().collect())
            }
            ArgKind::Measure => {
                let Some(a) = array.as_any().downcast_ref::<StringArray>() else {
                    return exec_err!(
                        "{}: argument {} ({}) is not text after coercion",
                        self.spec.name,
                        i + 1,
                        arg.name
                    );
                };
                a.iter()
                    .map(|code| match code {
                        None => Ok(None),
                        Some(c) => match MeasureCode::from_code(c)
                            .and_then(|m| MeasureCode::ALL.iter().position(|x| *x == m))
                        {
                            Some(k) => Ok(Some(k as f64)),
                            None => exec_err!(
                                "{}: {} \"{c}\" is not a summary measure; expected one of {}",
                                self.spec.name,
                                arg.name,
                                MeasureCode::ALL.iter().map(|m| m.code()).collect::<Vec<_>>().join(", ")
                            ),
                        },
                    })
                    .collect()
            }
            ArgKind::NumberOrAgeBand if array.data_type() == &DataType::Float64 => {
                let Some(a) = array.as_any().downcast_ref::<Float64Array>() else {
                    return exec_err!("{}: argument {} ({}) is not a number", self.spec.name, i + 1, arg.name);
                };
                Ok(a.iter().collect())
            }
            ArgKind::AgeBand | ArgKind::NumberOrAgeBand => {
                let Some(a) = array.as_any().downcast_ref::<StringArray>() else {
                    return exec_err!(
                        "{}: argument {} ({}) is not text after coercion",
                        self.spec.name,
                        i + 1,
                        arg.name
                    );
                };
                a.iter()
                    .map(|label| match label {
                        None => Ok(None),
                        Some(l) => match band_start_age(l) {
                            Some(age) => Ok(Some(f64::from(age))),
                            None => exec_err!(
                                "{}: {} \"{l}\" is not an age band; expected a start age (0, 1, 5, …, 90) or a label such as 1-4 or 90+",
                                self.spec.name,
                                arg.name
                            ),
                        },
                    })
                    .collect()
            }
        }
    }
}

fn list_of(values: &[Option<f64>]) -> ScalarValue {
    let items = Float64Array::from(values.to_vec());
    let list = ListArray::new(
        Arc::new(Field::new_list_field(DataType::Float64, true)),
        OffsetBuffer::from_lengths([values.len()]),
        Arc::new(items),
        None,
    );
    ScalarValue::List(Arc::new(list))
}

fn downcast<'a, T: 'static>(function: &str, array: &'a ArrayRef) -> Result<&'a T> {
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| DataFusionError::Internal(format!("{function}: unexpected state type {}", array.data_type())))
}

impl Accumulator for FairerAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let k = self.spec.required.len();
        let min = args::min_arguments(self.spec.required);
        if values.len() < min {
            return exec_err!("{}: expected at least {min} argument columns, got {}", self.spec.name, values.len());
        }
        let n = values.first().map_or(0, |v| v.len());
        // Optional columns left out are null on every row.
        let columns = (0..k)
            .map(|i| match values.get(i) {
                Some(v) => self.column(i, v),
                None => Ok(vec![None; n]),
            })
            .collect::<Result<Vec<_>>>()?;
        self.rows += n as u64;
        match &mut self.data {
            GroupData::Sums { sums, nulls } => {
                for (i, c) in columns.into_iter().enumerate() {
                    for v in c {
                        match v {
                            Some(v) => sums[i] += v,
                            None => nulls[i] = true,
                        }
                    }
                }
            }
            GroupData::Rows(rows) => {
                for (i, c) in columns.into_iter().enumerate() {
                    rows[i].extend(c);
                }
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let fields = self.spec.result_fields();
        if self.rows == 0 {
            return ScalarValue::try_from(&DataType::Struct(fields));
        }
        let outs = match (&self.data, self.spec.body) {
            (GroupData::Sums { sums, nulls }, Body::Sums(f)) => {
                let given: Vec<Option<f64>> = sums.iter().zip(nulls).map(|(s, null)| (!null).then_some(*s)).collect();
                f(&given, &self.options)
            }
            (GroupData::Rows(rows), Body::Rows(f)) => {
                f(&GroupRows { columns: rows, options: &self.options, text: &self.text })
            }
            _ => return exec_err!("{}: internal mismatch of accumulator and method", self.spec.name),
        }
        .map_err(DataFusionError::Execution)?;
        if outs.len() != fields.len() {
            return exec_err!("{}: method gave {} fields, expected {}", self.spec.name, outs.len(), fields.len());
        }
        let arrays: Vec<ArrayRef> = outs
            .into_iter()
            .map(|o| -> ArrayRef {
                match o {
                    Out::Number(v) => Arc::new(Float64Array::from(vec![v])),
                    Out::Text(v) => Arc::new(StringArray::from(vec![v])),
                }
            })
            .collect();
        let array = StructArray::try_new(fields, arrays, None)?;
        Ok(ScalarValue::Struct(Arc::new(array)))
    }

    fn size(&self) -> usize {
        let data = match &self.data {
            GroupData::Sums { sums, nulls } => sums.capacity() * size_of::<f64>() + nulls.capacity(),
            GroupData::Rows(rows) => rows.iter().map(|r| r.capacity() * size_of::<Option<f64>>()).sum(),
        };
        size_of::<Self>() + self.options.capacity() * size_of::<f64>() + data
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut state = vec![ScalarValue::UInt64(Some(self.rows))];
        match &self.data {
            GroupData::Sums { sums, nulls } => {
                for (s, null) in sums.iter().zip(nulls) {
                    state.push(ScalarValue::Float64(Some(*s)));
                    state.push(ScalarValue::Boolean(Some(*null)));
                }
            }
            GroupData::Rows(rows) => state.extend(rows.iter().map(|r| list_of(r))),
        }
        Ok(state)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let name = self.spec.name;
        let Some(first) = states.first() else { return Ok(()) };
        let counts = downcast::<UInt64Array>(name, first)?;
        self.rows += counts.iter().flatten().sum::<u64>();
        match &mut self.data {
            GroupData::Sums { sums, nulls } => {
                for i in 0..sums.len() {
                    let (Some(s), Some(n)) = (states.get(1 + 2 * i), states.get(2 + 2 * i)) else {
                        return exec_err!("{name}: missing state columns");
                    };
                    let s = downcast::<Float64Array>(name, s)?;
                    let n = downcast::<BooleanArray>(name, n)?;
                    sums[i] += s.iter().flatten().sum::<f64>();
                    nulls[i] |= n.iter().any(|b| b == Some(true));
                }
            }
            GroupData::Rows(rows) => {
                for (i, r) in rows.iter_mut().enumerate() {
                    let Some(state) = states.get(1 + i) else {
                        return exec_err!("{name}: missing state columns");
                    };
                    let lists = downcast::<ListArray>(name, state)?;
                    for j in 0..lists.len() {
                        if lists.is_null(j) {
                            continue;
                        }
                        let items = lists.value(j);
                        r.extend(downcast::<Float64Array>(name, &items)?.iter());
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Runs `spec` over the rows of `columns` split across two accumulators merged through
    /// their state, as DataFusion does across partitions, and returns the result fields.
    pub(crate) fn run_split(
        spec: &'static AggregateSpec,
        columns: Vec<ArrayRef>,
        options: Vec<f64>,
    ) -> Result<Vec<(String, ScalarValue)>> {
        let n = columns.first().map_or(0, |c| c.len());
        let half = n / 2;
        let text: Vec<bool> = columns.iter().map(|c| c.data_type() == &DataType::Utf8).collect();
        let mut a = FairerAccumulator::new(spec, options.clone(), text.clone());
        let mut b = FairerAccumulator::new(spec, options, text);
        a.update_batch(&columns.iter().map(|c| c.slice(0, half)).collect::<Vec<_>>())?;
        b.update_batch(&columns.iter().map(|c| c.slice(half, n - half)).collect::<Vec<_>>())?;
        let state: Vec<ArrayRef> = b.state()?.iter().map(|s| s.to_array()).collect::<Result<_>>()?;
        a.merge_batch(&state)?;
        let ScalarValue::Struct(s) = a.evaluate()? else { panic!("not a struct") };
        let names: Vec<String> = s.fields().iter().map(|f| f.name().clone()).collect();
        let mut out = Vec::new();
        for (i, name) in names.into_iter().enumerate() {
            out.push((name, ScalarValue::try_from_array(s.column(i), 0)?));
        }
        Ok(out)
    }

    /// A number field of a result.
    pub(crate) fn number(result: &[(String, ScalarValue)], field: &str) -> Option<f64> {
        match result.iter().find(|(n, _)| n == field) {
            Some((_, ScalarValue::Float64(v))) => *v,
            other => panic!("no number field {field}: {other:?}"),
        }
    }

    /// A text field of a result.
    pub(crate) fn text(result: &[(String, ScalarValue)], field: &str) -> Option<String> {
        match result.iter().find(|(n, _)| n == field) {
            Some((_, ScalarValue::Utf8(v))) => v.clone(),
            other => panic!("no text field {field}: {other:?}"),
        }
    }

    /// A Float64 column.
    pub(crate) fn col(v: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(v.to_vec()))
    }

    #[test]
    fn empty_group_is_a_null_struct() {
        let mut a = FairerAccumulator::new(&proportion::PROPORTION, vec![1.0, 0.95], vec![false; 2]);
        let v = a.evaluate().unwrap();
        assert!(v.is_null());
    }

    #[test]
    fn state_round_trips_rows() {
        let x = col(&[Some(1.0), None, Some(3.0), Some(4.0)]);
        let n = col(&[Some(10.0), Some(10.0), Some(10.0), Some(10.0)]);
        let w = col(&[Some(1.0), Some(1.0), Some(1.0), Some(1.0)]);
        let mut a = FairerAccumulator::new(&dsr::DSR, vec![100_000.0, 0.95], vec![false; 3]);
        a.update_batch(&[x.slice(0, 2), n.slice(0, 2), w.slice(0, 2)]).unwrap();
        let mut b = FairerAccumulator::new(&dsr::DSR, vec![100_000.0, 0.95], vec![false; 3]);
        b.update_batch(&[x.slice(2, 2), n.slice(2, 2), w.slice(2, 2)]).unwrap();
        let state: Vec<ArrayRef> = b.state().unwrap().iter().map(|s| s.to_array().unwrap()).collect();
        a.merge_batch(&state).unwrap();
        let GroupData::Rows(rows) = &a.data else { panic!() };
        assert_eq!(rows[0], vec![Some(1.0), None, Some(3.0), Some(4.0)]);
        assert_eq!(a.rows, 4);
    }
}
