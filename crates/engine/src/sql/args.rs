//! The arguments of Fairer's SQL functions: their names and kinds, the check and coercion of
//! their types when a query is planned, and the reading of optional constant arguments
//! (multiplier, confidence, …) of the aggregates.
//!
//! Every function states its arguments once, as a list of [`Arg`]s followed by a list of
//! [`OptionalArg`]s; the same lists give the SQL signature shown in errors and help
//! ([`signature_text`]), the accepted types ([`coerce`]) and the defaults ([`constant_options`]).
//!
//! The last [`Arg`]s of an aggregate may be optional columns ([`optional_number`]): left out,
//! they are null on every row. Optional constants come after them, so giving a constant means
//! giving every optional column before it (as `NULL` where there is none).

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{plan_err, Result, ScalarValue};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;
use stats::ConfidenceLevel;

/// What an argument of a Fairer SQL function holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// A number (any integer, float or decimal type; computed as a 64-bit float).
    Number,
    /// An age band: a label such as `0-4`, `90+`, or a start age as a number (read as text).
    AgeBand,
    /// A number, or an age band label read as text: a standard population, or the band whose
    /// ESP 2013 weight is the standard population (`dsr`'s third argument).
    NumberOrAgeBand,
    /// A summary measure of inequality by its abbreviation, as text in any case: `'d'`,
    /// `'sii'`, `'D8020'`, … ([`stats::inequality::MeasureCode::from_code`]); an aggregate
    /// receives it as the measure's position in [`stats::inequality::MeasureCode::ALL`].
    Measure,
}

/// A required argument of a SQL function: its name in the signature and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arg {
    /// The name shown in the signature, e.g. `population`.
    pub name: &'static str,
    /// What it holds.
    pub kind: ArgKind,
    /// Whether it may be left out (a trailing column of an aggregate, null on every row when
    /// left out).
    pub optional: bool,
}

/// A required number argument.
pub const fn number(name: &'static str) -> Arg {
    Arg { name, kind: ArgKind::Number, optional: false }
}

/// A required age band argument (label or start age).
pub const fn age_band(name: &'static str) -> Arg {
    Arg { name, kind: ArgKind::AgeBand, optional: false }
}

/// A required argument that is a number or an age band label.
pub const fn number_or_age_band(name: &'static str) -> Arg {
    Arg { name, kind: ArgKind::NumberOrAgeBand, optional: false }
}

/// A required summary measure argument (an abbreviation such as `'sii'`).
pub const fn measure(name: &'static str) -> Arg {
    Arg { name, kind: ArgKind::Measure, optional: false }
}

/// An optional number column of an aggregate: it may be left out at the end of the columns,
/// and is then null on every row.
pub const fn optional_number(name: &'static str) -> Arg {
    Arg { name, kind: ArgKind::Number, optional: true }
}

/// The number of arguments a call must give at least: the arguments that are not optional.
pub fn min_arguments(required: &[Arg]) -> usize {
    required.iter().filter(|a| !a.optional).count()
}

/// How an optional argument's value is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// A confidence level, 0.9 to 1 or 90 to 100 ([`ConfidenceLevel::new`]).
    Confidence,
    /// A finite number greater than zero (a multiplier).
    Positive,
    /// Any finite number.
    Finite,
    /// A whole number in the given inclusive range.
    Whole(i64, i64),
}

/// An optional trailing argument (always a number) with its default. Aggregates take it as a
/// constant; scalar functions also accept a column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptionalArg {
    /// The name shown in the signature, e.g. `multiplier`.
    pub name: &'static str,
    /// The value when the argument is left out.
    pub default: f64,
    /// How a given value is checked.
    pub check: Check,
}

/// The optional `confidence` argument, 0.95 by default.
pub const CONFIDENCE: OptionalArg = OptionalArg { name: "confidence", default: 0.95, check: Check::Confidence };

/// An optional `multiplier` argument with its default.
pub const fn multiplier(default: f64) -> OptionalArg {
    OptionalArg { name: "multiplier", default, check: Check::Positive }
}

/// The SQL signature, e.g. `dsr(count, population, stdpop [, multiplier [, confidence]])`.
pub fn signature_text(function: &str, required: &[Arg], optional: &[OptionalArg]) -> String {
    let given: Vec<&str> = required.iter().filter(|a| !a.optional).map(|a| a.name).collect();
    let optional_names: Vec<&str> =
        required.iter().filter(|a| a.optional).map(|a| a.name).chain(optional.iter().map(|o| o.name)).collect();
    let mut s = format!("{function}({}", given.join(", "));
    for (i, name) in optional_names.iter().enumerate() {
        if i == 0 && given.is_empty() {
            s.push_str(&format!("[{name}"));
        } else {
            s.push_str(&format!(" [, {name}"));
        }
    }
    s.push_str(&"]".repeat(optional_names.len()));
    s.push(')');
    s
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_number(t: &DataType) -> bool {
    t.is_numeric() || matches!(t, DataType::Null)
}

/// Checks the number and types of a call's arguments and gives the types they are cast to:
/// `Float64` for numbers, `Utf8` for age bands.
///
/// # Errors
/// A planning error naming the function, the argument (position and name), what was expected
/// and what was given, with the function's signature.
pub fn coerce(function: &str, required: &[Arg], optional: &[OptionalArg], types: &[DataType]) -> Result<Vec<DataType>> {
    let signature = signature_text(function, required, optional);
    let (min, max) = (min_arguments(required), required.len() + optional.len());
    if types.len() < min || types.len() > max {
        let expected = if min == max { format!("{min}") } else { format!("{min} to {max}") };
        return plan_err!("{function}: expected {expected} arguments, {signature}; got {}", types.len());
    }
    let mut out = Vec::with_capacity(types.len());
    for (i, t) in types.iter().enumerate() {
        let (name, kind) = match required.get(i) {
            Some(a) => (a.name, a.kind),
            None => (optional.get(i - required.len()).map_or("?", |o| o.name), ArgKind::Number),
        };
        match kind {
            ArgKind::Number if is_number(t) => out.push(DataType::Float64),
            ArgKind::Number => {
                let hint = if is_text(t) {
                    " (a text column: if it holds values such as NA for missing, read it with TRY_CAST(column AS DOUBLE))"
                } else {
                    ""
                };
                return plan_err!(
                    "{function}: argument {} ({name}) must be a number, got {t}{hint}; {signature}",
                    i + 1
                );
            }
            ArgKind::AgeBand if is_text(t) || is_number(t) => out.push(DataType::Utf8),
            ArgKind::AgeBand => {
                return plan_err!(
                    "{function}: argument {} ({name}) must be an age band label such as '0-4' or '90+', or a start age, got {t}; {signature}",
                    i + 1
                );
            }
            ArgKind::NumberOrAgeBand if is_text(t) => out.push(DataType::Utf8),
            ArgKind::NumberOrAgeBand if is_number(t) => out.push(DataType::Float64),
            ArgKind::NumberOrAgeBand => {
                return plan_err!(
                    "{function}: argument {} ({name}) must be a number or an age band label such as '0-4' or '90+', got {t}; {signature}",
                    i + 1
                );
            }
            ArgKind::Measure if is_text(t) || matches!(t, DataType::Null) => out.push(DataType::Utf8),
            ArgKind::Measure => {
                return plan_err!(
                    "{function}: argument {} ({name}) must be the abbreviation of a measure as text, such as 'd', 'sii' or 'd8020', got {t}; {signature}",
                    i + 1
                );
            }
        }
    }
    Ok(out)
}

/// Checks one optional argument's value, giving the value to use.
///
/// # Errors
/// A message naming the function and argument and what was expected.
pub fn check_option(function: &str, option: &OptionalArg, value: f64) -> Result<f64, String> {
    let bad = |expected: &str| Err(format!("{function}: {} must be {expected}, got {value}", option.name));
    match option.check {
        Check::Confidence => match ConfidenceLevel::new(value) {
            Ok(c) => Ok(c.value()),
            Err(_) => bad("a confidence level between 0.9 and 1 (or 90 and 100), e.g. 0.95 or 0.998"),
        },
        Check::Positive if value.is_finite() && value > 0.0 => Ok(value),
        Check::Positive => bad("a number greater than zero"),
        Check::Finite if value.is_finite() => Ok(value),
        Check::Finite => bad("a finite number"),
        Check::Whole(lo, hi) if value.fract() == 0.0 && value >= lo as f64 && value <= hi as f64 => Ok(value),
        Check::Whole(lo, hi) => bad(&format!("a whole number from {lo} to {hi}")),
    }
}

/// A confidence level already checked by [`check_option`].
pub fn confidence(value: f64) -> ConfidenceLevel {
    ConfidenceLevel::new(value).unwrap_or_default()
}

/// Reads an aggregate's optional arguments, which must be constants: the given ones from the
/// call's expressions (after the required ones), the defaults for the rest.
///
/// # Errors
/// An argument that is not a constant, is null, or fails its check, naming the function and
/// the argument.
pub fn constant_options(
    function: &str,
    required: &[Arg],
    optional: &[OptionalArg],
    exprs: &[Arc<dyn PhysicalExpr>],
) -> Result<Vec<f64>> {
    let mut values = Vec::with_capacity(optional.len());
    for (i, o) in optional.iter().enumerate() {
        let Some(expr) = exprs.get(required.len() + i) else {
            values.push(o.default);
            continue;
        };
        let any: &dyn std::any::Any = &**expr;
        let Some(literal) = any.downcast_ref::<Literal>() else {
            return plan_err!(
                "{function}: {} must be a constant such as {}, not a column or expression; {}",
                o.name,
                o.default,
                signature_text(function, required, optional)
            );
        };
        let value = match literal.value().cast_to(&DataType::Float64) {
            Ok(ScalarValue::Float64(Some(v))) => v,
            _ => return plan_err!("{function}: {} must be a number, got {}", o.name, literal.value()),
        };
        match check_option(function, o, value) {
            Ok(v) => values.push(v),
            Err(message) => return plan_err!("{message}"),
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQ: [Arg; 2] = [number("x"), number("n")];

    #[test]
    fn signature_reads_like_sql() {
        assert_eq!(
            signature_text("proportion", &REQ, &[multiplier(1.0), CONFIDENCE]),
            "proportion(x, n [, multiplier [, confidence]])"
        );
        assert_eq!(signature_text("f", &REQ, &[]), "f(x, n)");
    }

    #[test]
    fn coerce_casts_numbers_and_refuses_text() {
        let got = coerce("proportion", &REQ, &[CONFIDENCE], &[DataType::Int64, DataType::Float32, DataType::Float64])
            .unwrap();
        assert_eq!(got, vec![DataType::Float64; 3]);
        let err =
            coerce("proportion", &REQ, &[CONFIDENCE], &[DataType::Int64, DataType::Utf8]).unwrap_err().to_string();
        assert!(err.contains("proportion: argument 2 (n) must be a number, got Utf8"), "{err}");
        let err = coerce("proportion", &REQ, &[], &[DataType::Int64]).unwrap_err().to_string();
        assert!(err.contains("expected 2 arguments, proportion(x, n); got 1"), "{err}");
        let bands = coerce("esp2013", &[age_band("age_band")], &[], &[DataType::Utf8View]).unwrap();
        assert_eq!(bands, vec![DataType::Utf8]);
        assert!(coerce("esp2013", &[age_band("age_band")], &[], &[DataType::Boolean]).is_err());
    }

    #[test]
    fn optional_columns_may_be_left_out() {
        let req = [measure("measure"), number("estimate"), optional_number("reference")];
        assert_eq!(signature_text("f", &req, &[CONFIDENCE]), "f(measure, estimate [, reference [, confidence]])");
        assert_eq!(min_arguments(&req), 2);
        let got = coerce("f", &req, &[CONFIDENCE], &[DataType::Utf8, DataType::Int64]).unwrap();
        assert_eq!(got, vec![DataType::Utf8, DataType::Float64]);
        let got =
            coerce("f", &req, &[CONFIDENCE], &[DataType::Utf8View, DataType::Int64, DataType::Null, DataType::Float64])
                .unwrap();
        assert_eq!(got, vec![DataType::Utf8, DataType::Float64, DataType::Float64, DataType::Float64]);
        let err = coerce("f", &req, &[CONFIDENCE], &[DataType::Int64, DataType::Int64]).unwrap_err().to_string();
        assert!(err.contains("f: argument 1 (measure) must be the abbreviation of a measure as text"), "{err}");
        let err = coerce("f", &req, &[CONFIDENCE], &[DataType::Utf8]).unwrap_err().to_string();
        assert!(err.contains("expected 2 to 4 arguments"), "{err}");
    }

    #[test]
    fn options_are_checked() {
        assert_eq!(check_option("f", &CONFIDENCE, 95.0), Ok(0.95));
        assert!(check_option("f", &CONFIDENCE, 0.5).unwrap_err().contains("f: confidence must be a confidence level"));
        assert!(check_option("f", &multiplier(1.0), 0.0).is_err());
        let reps = OptionalArg { name: "reps", default: 1000.0, check: Check::Whole(1000, 10_000) };
        assert!(check_option("f", &reps, 1500.5).is_err());
        assert_eq!(check_option("f", &reps, 1500.0), Ok(1500.0));
    }
}
