//! The periods of an indicator: a year, a financial year or years pooled, as the indicator
//! portal labels them.

use super::catalogue::Indicator;

/// A period: its label, the years pooled, and the year it is sorted and trended by.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    /// The portal's label ("2024", "2024/25", "2022 - 24").
    pub label: String,
    /// First and last year pooled.
    pub years: (i32, i32),
}

/// The periods of an indicator: every span of its period kind whose years all have data.
pub fn periods(indicator: &Indicator, years: &[i32]) -> Vec<Period> {
    let span = indicator.period.span();
    years
        .iter()
        .filter(|&&y| (y - span + 1..=y).all(|x| years.contains(&x)))
        .map(|&y| Period { label: indicator.period.label(y), years: (y - span + 1, y) })
        .collect()
}
