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

pub mod comparison;
pub mod dsr;
pub mod funnel;
pub mod isr;
pub mod life_expectancy;
pub mod mean;
mod normal_draws;
pub mod proportion;
pub mod quantile;
pub mod rate;
pub mod sii;
pub mod trend;

#[cfg(test)]
mod testdata;

pub mod arriaga;
pub mod composite;
pub mod gap;
pub mod inequality;
pub mod labels;

use std::borrow::Cow;

pub use confidence::ConfidenceLevel;
pub use error::StatsError;

/// A value with its confidence limits at any set of levels, and the reference's `statistic`
/// and `method` wording: the one type in which a value and its limits travel together, from
/// the methods to `calc`, `compute`, the SQL functions and the results table.
///
/// `value` is `None` where the method gives no value (for example a DSR on fewer than 10
/// events); `statistic` then says why. Limits are looked up by level with
/// [`Estimate::limits_at`], [`Estimate::lower`] and [`Estimate::upper`].
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The statistic's value (already multiplied by the multiplier).
    pub value: Option<f64>,
    /// One entry per requested confidence level, in the order requested.
    pub limits: Vec<Limits>,
    /// The reference's `statistic` column, e.g. "rate per 100000", "dsr NA for total count < 10"
    /// (fixed wording is borrowed, not allocated).
    pub statistic: Cow<'static, str>,
    /// The reference's `method` column, e.g. "Wilson", "Byars", "Exact", "Dobson".
    pub method: &'static str,
}

/// The confidence limits of an [`Estimate`] at one confidence level.
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

impl Estimate {
    /// A value with its limits at each level and the method's wording.
    pub fn new(
        value: Option<f64>,
        limits: Vec<Limits>,
        statistic: impl Into<Cow<'static, str>>,
        method: &'static str,
    ) -> Self {
        Estimate { value, limits, statistic: statistic.into(), method }
    }

    /// No value and no limits at `levels`: a statistic that could not be computed,
    /// `statistic` saying why.
    pub fn unavailable(
        levels: &[ConfidenceLevel],
        statistic: impl Into<Cow<'static, str>>,
        method: &'static str,
    ) -> Self {
        Estimate::new(None, limits_for(levels, |_| (None, None)), statistic, method)
    }

    /// The limits at `level`, if the estimate has that level.
    pub fn limits_at(&self, level: ConfidenceLevel) -> Option<&Limits> {
        self.limits.iter().find(|l| l.confidence == level)
    }

    /// The lower limit at `level`; `None` without that level or without a limit.
    pub fn lower(&self, level: ConfidenceLevel) -> Option<f64> {
        self.limits_at(level).and_then(|l| l.lower)
    }

    /// The upper limit at `level`; `None` without that level or without a limit.
    pub fn upper(&self, level: ConfidenceLevel) -> Option<f64> {
        self.limits_at(level).and_then(|l| l.upper)
    }
}

impl Default for Estimate {
    /// No value, no limits, no wording.
    fn default() -> Self {
        Estimate::new(None, Vec::new(), "", "")
    }
}

/// Formats a multiplier as R's `format(x, scientific = FALSE)` does for the reference's
/// `statistic` column: whole numbers without decimals ("100000"), others with up to 7
/// significant digits ("0.5").
pub fn format_multiplier(multiplier: f64) -> String {
    if multiplier.fract() == 0.0 && multiplier.abs() < 1e15 {
        format!("{}", multiplier as i64)
    } else {
        let s = format!("{:.*}", 7usize.saturating_sub(multiplier.abs().log10().ceil().max(0.0) as usize), multiplier);
        let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        s
    }
}

/// Collects per-level limits computed by `limits_at` into the [`Limits`] of each level.
pub(crate) fn limits_for(
    levels: &[ConfidenceLevel],
    mut limits_at: impl FnMut(ConfidenceLevel) -> (Option<f64>, Option<f64>),
) -> Vec<Limits> {
    levels
        .iter()
        .map(|&confidence| {
            let (lower, upper) = limits_at(confidence);
            Limits { confidence, lower, upper }
        })
        .collect()
}
