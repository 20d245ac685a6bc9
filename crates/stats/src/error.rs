//! The errors a method returns for input it cannot use.
//!
//! Each variant says what was wrong and what was expected, so that the layer above (which knows
//! the file, row and column) can add where it was.

use thiserror::Error;

/// Input a statistical method cannot use.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    /// A confidence level outside 0.9 to 1 (or 90 to 100).
    #[error("confidence level must be between 90 and 100 or between 0.9 and 1, got {0}")]
    Confidence(f64),
    /// A value that must not be negative was negative.
    #[error("{field} must be greater than or equal to zero, got {value}")]
    Negative {
        /// What the value is.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A value that must be strictly positive was not.
    #[error("{field} must be greater than zero, got {value}")]
    NotPositive {
        /// What the value is.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A numerator above its denominator.
    #[error("numerator ({numerator}) must be less than or equal to denominator ({denominator})")]
    NumeratorAboveDenominator {
        /// The numerator given.
        numerator: f64,
        /// The denominator given.
        denominator: f64,
    },
    /// A value that is not a finite number (NaN or infinite) where one is required.
    #[error("{field} must be a finite number, got {value}")]
    NotFinite {
        /// What the value is.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// An argument outside its allowed range.
    #[error("{field} must be {expected}, got {value}")]
    OutOfRange {
        /// What the value is.
        field: &'static str,
        /// The range allowed, in words.
        expected: &'static str,
        /// The value given.
        value: f64,
    },
    /// A group whose shape is wrong (for example the wrong number of age bands).
    #[error("{0}")]
    Shape(String),
    /// Anything else the method cannot use, worded for the analyst.
    #[error("{0}")]
    Invalid(String),
}

/// Checks that `value` is finite and not negative.
pub fn non_negative(field: &'static str, value: f64) -> Result<f64, StatsError> {
    if !value.is_finite() {
        Err(StatsError::NotFinite { field, value })
    } else if value < 0.0 {
        Err(StatsError::Negative { field, value })
    } else {
        Ok(value)
    }
}

/// Checks that `value` is finite and strictly positive.
pub fn positive(field: &'static str, value: f64) -> Result<f64, StatsError> {
    if !value.is_finite() {
        Err(StatsError::NotFinite { field, value })
    } else if value <= 0.0 {
        Err(StatsError::NotPositive { field, value })
    } else {
        Ok(value)
    }
}
