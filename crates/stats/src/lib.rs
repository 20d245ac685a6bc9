//! # Fairer statistics
//!
//! The public-health statistics English analysts compute every day, as pure functions:
//! numbers in, numbers and confidence intervals out. No I/O, no allocation beyond what a
//! method needs, no panics on any input: bad input is a [`StatsError`] or a stated reason
//! why a value is unavailable.
//!
//! Every method reproduces the method of the OHID/PHE technical guidance as implemented by the
//! R package PHEindicatormethods 2.1.0 (the "reference"): the same defaults, the same edge cases,
//! and agreement with its published test values to 1e-9 relative where the method is
//! deterministic. Each module's documentation gives the formula and the citation.
//!
//! Why a separate crate: the methods are the part of Fairer that must be exactly right, so they
//! are kept small, fast to compile and easy to test, with the heavy data machinery above them.

pub mod confidence;
pub mod distributions;
pub mod error;
pub mod poisson;

pub mod proportion;
pub mod rate;
pub mod mean;
pub mod dsr;
pub mod isr;
pub mod life_expectancy;
pub mod sii;
pub mod quantile;
pub mod funnel;

pub mod inequality;
pub mod arriaga;

pub use confidence::ConfidenceLevel;
pub use error::StatsError;

/// A point estimate with its confidence limits at one confidence level.
///
/// Limits are `None` where the method gives none (for example a suppressed DSR).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// The confidence level these limits are for.
    pub confidence: ConfidenceLevel,
    /// Lower confidence limit.
    pub lower: Option<f64>,
    /// Upper confidence limit.
    pub upper: Option<f64>,
}
