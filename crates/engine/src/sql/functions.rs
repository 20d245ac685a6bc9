//! Fairer's scalar SQL functions: one value per row, e.g. `wilson_lower(x, n)`, `esp2013(band)`.
//!
//! Each function is a [`ScalarSpec`] (name, arguments, the computation of one row) declared
//! below with its documentation and tests; [`FairerScalar`] turns a spec into a DataFusion
//! scalar UDF. They are registered by name in [`super::register_functions`].
//!
//! Common behaviour: every argument may be a column or a constant (including `confidence`); a
//! null in any argument gives null; numbers of any numeric type are accepted (computed as
//! 64-bit floats); a value the method cannot use (a negative count, x > n, a confidence of
//! 0.5, an unknown age band) stops the query with an error naming the function, the argument
//! and the value.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};
use stats::dsr::{band_start_age, esp2013_weight};
use stats::poisson::{byars_lower, byars_upper, exact_lower, exact_upper};
use stats::proportion::{wilson_lower, wilson_upper};

use super::args::{self, age_band, number, Arg, OptionalArg, CONFIDENCE};

/// How a scalar function computes one row from its arguments (optional ones filled in with
/// their defaults and already checked). `Ok(None)` gives null; `Err` stops the query with the
/// message.
#[derive(Clone, Copy, Debug)]
pub enum RowFunction {
    /// From numbers (every argument is [`ArgKind::Number`]).
    Numbers(fn(&[f64]) -> Result<Option<f64>, String>),
    /// From one age band label (the only argument is [`ArgKind::AgeBand`]).
    AgeBand(fn(&str) -> Result<Option<f64>, String>),
}

/// The definition of a scalar SQL function.
#[derive(Debug)]
pub struct ScalarSpec {
    /// The SQL name.
    pub name: &'static str,
    /// Required arguments, in order.
    pub required: &'static [Arg],
    /// Optional trailing arguments, in order, with their defaults.
    pub optional: &'static [OptionalArg],
    /// One line for `--help` listings.
    pub summary: &'static str,
    /// The computation of one row.
    pub row: RowFunction,
}

impl ScalarSpec {
    /// The SQL signature, e.g. `wilson_lower(x, n [, confidence])`.
    pub fn signature_text(&self) -> String {
        args::signature_text(self.name, self.required, self.optional)
    }
}

// --- wilson_lower / wilson_upper -----------------------------------------------------------

fn check_proportion(function: &str, x: f64, n: f64) -> Result<(), String> {
    if !(x.is_finite() && x >= 0.0) {
        return Err(format!("{function}: x must be a number ≥ 0, got {x}"));
    }
    if !(n.is_finite() && n > 0.0) {
        return Err(format!("{function}: n must be a number > 0, got {n}"));
    }
    if x > n {
        return Err(format!("{function}: x ({x}) must be less than or equal to n ({n})"));
    }
    Ok(())
}

/// `wilson_lower(x, n [, confidence])` → DOUBLE: the lower Wilson score limit of the
/// proportion x/n, on the 0–1 scale (multiply by 100 for a percentage).
///
/// Formula: `(2x + z² − z·√(z² + 4x(1 − x/n))) / (2(n + z²))`, z = Φ⁻¹(c + (1 − c)/2);
/// confidence c 0.95 by default (0.9–1 or 90–100). 0 at x = 0 and at confidence 1.
/// Reference: Wilson EB (1927), J Am Stat Assoc 22: 209-212; Newcombe & Altman (2000);
/// PHEindicatormethods `wilson_lower`. Edge cases: null if any argument is null; an error for
/// x < 0, n ≤ 0 or x > n.
pub static WILSON_LOWER: ScalarSpec = ScalarSpec {
    name: "wilson_lower",
    required: &[number("x"), number("n")],
    optional: &[CONFIDENCE],
    summary: "lower Wilson score limit of x/n (0-1 scale)",
    row: RowFunction::Numbers(|a| {
        check_proportion("wilson_lower", a[0], a[1])?;
        Ok(Some(wilson_lower(a[0], a[1], args::confidence(a[2]))))
    }),
};

/// `wilson_upper(x, n [, confidence])` → DOUBLE: the upper Wilson score limit of x/n, on the
/// 0–1 scale.
///
/// Formula: `(2x + z² + z·√(z² + 4x(1 − x/n))) / (2(n + z²))`; 1 at x = n and at confidence 1.
/// Reference and edge cases as [`WILSON_LOWER`].
pub static WILSON_UPPER: ScalarSpec = ScalarSpec {
    name: "wilson_upper",
    required: &[number("x"), number("n")],
    optional: &[CONFIDENCE],
    summary: "upper Wilson score limit of x/n (0-1 scale)",
    row: RowFunction::Numbers(|a| {
        check_proportion("wilson_upper", a[0], a[1])?;
        Ok(Some(wilson_upper(a[0], a[1], args::confidence(a[2]))))
    }),
};

// --- byars_lower / byars_upper ---------------------------------------------------------------

fn check_count(function: &str, x: f64) -> Result<(), String> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(format!("{function}: x must be a count ≥ 0, got {x}"))
    }
}

/// `byars_lower(x [, confidence])` → DOUBLE: Byar's approximate lower confidence limit of a
/// Poisson count x, in events (divide by a denominator for a rate).
///
/// Formula: `x(1 − 1/(9x) − z/(3√x))³`, z = Φ⁻¹(c + (1 − c)/2), confidence 0.95 by default.
/// Reference: Breslow NE, Day NE (1987), Statistical methods in cancer research vol. II, p. 69;
/// PHEindicatormethods `byars_lower`. Edge cases: null where the reference gives NA — at x = 0
/// and where the approximation is negative (e.g. x = 1 at 99.8%); null if an argument is null;
/// an error for x < 0.
pub static BYARS_LOWER: ScalarSpec = ScalarSpec {
    name: "byars_lower",
    required: &[number("x")],
    optional: &[CONFIDENCE],
    summary: "Byar's lower limit of a Poisson count",
    row: RowFunction::Numbers(|a| {
        check_count("byars_lower", a[0])?;
        Ok(byars_lower(a[0], args::confidence(a[1])))
    }),
};

/// `byars_upper(x [, confidence])` → DOUBLE: Byar's approximate upper confidence limit of a
/// Poisson count x, in events.
///
/// Formula: `(x + 1)(1 − 1/(9(x + 1)) + z/(3√(x + 1)))³`; defined at x = 0. Reference and edge
/// cases as [`BYARS_LOWER`] (never null for x ≥ 0).
pub static BYARS_UPPER: ScalarSpec = ScalarSpec {
    name: "byars_upper",
    required: &[number("x")],
    optional: &[CONFIDENCE],
    summary: "Byar's upper limit of a Poisson count",
    row: RowFunction::Numbers(|a| {
        check_count("byars_upper", a[0])?;
        Ok(Some(byars_upper(a[0], args::confidence(a[1]))))
    }),
};

// --- exact_poisson_lower / exact_poisson_upper -------------------------------------------------

/// `exact_poisson_lower(x [, confidence])` → DOUBLE: the exact (Garwood) lower confidence limit
/// of a Poisson count x, in events.
///
/// Formula: `χ²((1 − c)/2; 2x) / 2`, 0 at x = 0; non-integer x accepted (as R's `qchisq`).
/// Reference: Garwood F (1936), Biometrika 28: 437-442; PHEindicatormethods `Rates.R`
/// (`qchisq((1-conf)/2, 2*x)/2`). Edge cases: null if an argument is null; an error for x < 0.
pub static EXACT_POISSON_LOWER: ScalarSpec = ScalarSpec {
    name: "exact_poisson_lower",
    required: &[number("x")],
    optional: &[CONFIDENCE],
    summary: "exact (Garwood) lower limit of a Poisson count",
    row: RowFunction::Numbers(|a| {
        check_count("exact_poisson_lower", a[0])?;
        Ok(Some(exact_lower(a[0], args::confidence(a[1]))))
    }),
};

/// `exact_poisson_upper(x [, confidence])` → DOUBLE: the exact (Garwood) upper confidence limit
/// of a Poisson count x, in events.
///
/// Formula: `χ²(c + (1 − c)/2; 2x + 2) / 2` (3.689 at x = 0, 95%). Reference and edge cases as
/// [`EXACT_POISSON_LOWER`].
pub static EXACT_POISSON_UPPER: ScalarSpec = ScalarSpec {
    name: "exact_poisson_upper",
    required: &[number("x")],
    optional: &[CONFIDENCE],
    summary: "exact (Garwood) upper limit of a Poisson count",
    row: RowFunction::Numbers(|a| {
        check_count("exact_poisson_upper", a[0])?;
        Ok(Some(exact_upper(a[0], args::confidence(a[1]))))
    }),
};

// --- esp2013 -------------------------------------------------------------------------------------

/// `esp2013(age_band)` → DOUBLE: the European Standard Population 2013 weight of a five-year
/// age band, for `dsr(count, population, esp2013(age_band))`.
///
/// The band is a label (`0-4`, `00-04`, `5 – 9`, `85-89`, `90+`) or a start age (0, 5, …, 90,
/// as text or a number); only the start age is read. Weights: 5000 (0-4), 5500, 5500, 5500,
/// 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000
/// (90+); they sum to 100,000. Reference: Eurostat (2013), Revision of the European Standard
/// Population, Table 3; PHEindicatormethods `esp2013`. Edge cases: null for a null band; an
/// error for anything else that is not one of the 19 bands (e.g. `1-4`, `All ages`).
pub static ESP2013: ScalarSpec = ScalarSpec {
    name: "esp2013",
    required: &[age_band("age_band")],
    optional: &[],
    summary: "ESP 2013 weight of a five-year age band",
    row: RowFunction::AgeBand(|label| {
        match band_start_age(label).and_then(esp2013_weight) {
        Some(w) => Ok(Some(w)),
        None => Err(format!(
            "esp2013: \"{label}\" is not an ESP 2013 age band; expected a start age 0, 5, …, 90 or a label such as 0-4, 85-89 or 90+"
        )),
    }
    }),
};

// --- the DataFusion side -----------------------------------------------------------------------

/// A [`ScalarSpec`] as a DataFusion scalar UDF.
#[derive(Debug)]
pub struct FairerScalar {
    spec: &'static ScalarSpec,
    signature: Signature,
}

impl FairerScalar {
    /// The UDF of `spec`.
    pub fn udf(spec: &'static ScalarSpec) -> ScalarUDF {
        ScalarUDF::new_from_impl(FairerScalar { spec, signature: Signature::user_defined(Volatility::Immutable) })
    }
}

impl PartialEq for FairerScalar {
    fn eq(&self, other: &Self) -> bool {
        self.spec.name == other.spec.name
    }
}
impl Eq for FairerScalar {}
impl Hash for FairerScalar {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.spec.name.hash(state);
    }
}

impl ScalarUDFImpl for FairerScalar {
    fn name(&self) -> &str {
        self.spec.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        args::coerce(self.spec.name, self.spec.required, self.spec.optional, arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, call: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = call.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { call.number_rows };
        let arrays = call.args.iter().map(|a| a.to_array(rows)).collect::<Result<Vec<ArrayRef>>>()?;
        let out = evaluate(self.spec, &arrays, rows)?;
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(Arc::new(out)))
        }
    }
}

fn float_column<'a>(function: &str, array: &'a ArrayRef) -> Result<&'a Float64Array> {
    array.as_any().downcast_ref::<Float64Array>().ok_or_else(|| {
        DataFusionError::Internal(format!(
            "{function}: expected a Float64 argument after coercion, got {}",
            array.data_type()
        ))
    })
}

/// Computes `spec` over `rows` rows of its (coerced) argument arrays.
fn evaluate(spec: &ScalarSpec, arrays: &[ArrayRef], rows: usize) -> Result<Float64Array> {
    let mut out = Vec::with_capacity(rows);
    match spec.row {
        RowFunction::AgeBand(f) => {
            let Some(band) = arrays.first().and_then(|a| a.as_any().downcast_ref::<StringArray>()) else {
                return exec_err!("{}: expected an age band argument", spec.name);
            };
            for i in 0..rows {
                out.push(if band.is_null(i) { None } else { f(band.value(i)).map_err(DataFusionError::Execution)? });
            }
        }
        RowFunction::Numbers(f) => {
            let columns = arrays.iter().map(|a| float_column(spec.name, a)).collect::<Result<Vec<_>>>()?;
            let given = columns.len();
            let mut values: Vec<f64> =
                spec.required.iter().map(|_| 0.0).chain(spec.optional.iter().map(|o| o.default)).collect();
            'row: for i in 0..rows {
                for (j, c) in columns.iter().enumerate() {
                    if c.is_null(i) {
                        out.push(None);
                        continue 'row;
                    }
                    values[j] = c.value(i);
                }
                for (k, o) in spec.optional.iter().enumerate() {
                    let j = spec.required.len() + k;
                    if j < given {
                        values[j] = args::check_option(spec.name, o, values[j]).map_err(DataFusionError::Execution)?;
                    }
                }
                out.push(f(&values).map_err(DataFusionError::Execution)?);
            }
        }
    }
    Ok(Float64Array::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::args::ArgKind;

    fn run(spec: &ScalarSpec, columns: Vec<ArrayRef>) -> Result<Float64Array> {
        let rows = columns.first().map_or(1, |c| c.len());
        evaluate(spec, &columns, rows)
    }

    fn floats(v: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(v.to_vec()))
    }

    /// testdata_Byars_Wilson__testdata_B_W.csv rows.
    #[test]
    fn wilson_and_byars_match_the_reference() {
        let w = run(&WILSON_LOWER, vec![floats(&[Some(65.0)]), floats(&[Some(100.0)])]).unwrap();
        assert!((w.value(0) - 0.55254443296887967).abs() < 1e-15);
        let w =
            run(&WILSON_UPPER, vec![floats(&[Some(1045.0)]), floats(&[Some(5000.0)]), floats(&[Some(99.8)])]).unwrap();
        assert!((w.value(0) - 0.22731562902525818).abs() < 1e-15);
        let b = run(&BYARS_LOWER, vec![floats(&[Some(65.0), Some(1.0), None])]).unwrap();
        assert!((b.value(0) / 50.163187710459454 - 1.0).abs() < 1e-14);
        assert!(b.value(1) > 0.0);
        assert!(b.is_null(2));
        let b = run(&BYARS_LOWER, vec![floats(&[Some(1.0)]), floats(&[Some(0.998)])]).unwrap();
        assert!(b.is_null(0), "negative approximation gives null");
        let b = run(&BYARS_UPPER, vec![floats(&[Some(10.0)]), floats(&[Some(0.998)])]).unwrap();
        assert!((b.value(0) / 24.193724927880535 - 1.0).abs() < 1e-14);
    }

    #[test]
    fn exact_poisson_limits() {
        let l = run(&EXACT_POISSON_LOWER, vec![floats(&[Some(0.0), Some(5.0)])]).unwrap();
        assert_eq!(l.value(0), 0.0);
        // testdata_Rate: x = 5, n = 100 per 100 gives 1.62348639011842.
        assert!((l.value(1) / 1.62348639011842 - 1.0).abs() < 1e-12);
        let u = run(&EXACT_POISSON_UPPER, vec![floats(&[Some(5.0)])]).unwrap();
        assert!((u.value(0) / 11.668332079322669 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bad_values_are_errors_naming_the_function() {
        let e = run(&WILSON_LOWER, vec![floats(&[Some(5.0)]), floats(&[Some(3.0)])]).unwrap_err().to_string();
        assert!(e.contains("wilson_lower: x (5) must be less than or equal to n (3)"), "{e}");
        let e = run(&BYARS_UPPER, vec![floats(&[Some(-1.0)])]).unwrap_err().to_string();
        assert!(e.contains("byars_upper: x must be a count ≥ 0, got -1"), "{e}");
        let e = run(&WILSON_UPPER, vec![floats(&[Some(1.0)]), floats(&[Some(3.0)]), floats(&[Some(0.5)])])
            .unwrap_err()
            .to_string();
        assert!(e.contains("wilson_upper: confidence must be a confidence level"), "{e}");
    }

    #[test]
    fn esp2013_reads_labels_and_start_ages() {
        let bands: ArrayRef =
            Arc::new(StringArray::from(vec![Some("0-4"), Some("90+"), Some("45"), Some("85.0"), None]));
        let w = run(&ESP2013, vec![bands]).unwrap();
        assert_eq!((w.value(0), w.value(1), w.value(2), w.value(3)), (5000.0, 1000.0, 7000.0, 1500.0));
        assert!(w.is_null(4));
        let bad: ArrayRef = Arc::new(StringArray::from(vec!["1-4"]));
        let e = run(&ESP2013, vec![bad]).unwrap_err().to_string();
        assert!(e.contains("esp2013: \"1-4\" is not an ESP 2013 age band"), "{e}");
    }

    #[test]
    fn signatures() {
        assert_eq!(WILSON_LOWER.signature_text(), "wilson_lower(x, n [, confidence])");
        assert_eq!(ESP2013.signature_text(), "esp2013(age_band)");
        assert!(matches!(ESP2013.required[0].kind, ArgKind::AgeBand));
    }
}
