//! The periods of an indicator: a year, a financial year, years pooled, a quarter or a month,
//! as the indicator portal labels them.

use super::catalogue::Indicator;

/// A period: its label, the years pooled, and the year it is sorted and trended by.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    /// The portal's label ("2024", "2024/25", "2022 - 24").
    pub label: String,
    /// First and last year pooled.
    pub years: (i32, i32),
    /// The quarter (1 … 4) or month (1 … 12) within the year, for sub-annual periods.
    pub sub: Option<u8>,
}

impl Period {
    /// The order of periods in time: by last year, then first year (so "2020 - 22" comes
    /// before "2022"), then quarter or month (a year's whole comes before its parts), then
    /// label.
    pub fn sort_key(&self) -> (i32, i32, Option<u8>, &str) {
        (self.years.1, self.years.0, self.sub, &self.label)
    }
}

/// The periods of an indicator: every span of its period kind whose years all have data.
pub fn periods(indicator: &Indicator, years: &[i32]) -> Vec<Period> {
    let span = indicator.period.span();
    years
        .iter()
        .filter(|&&y| (y - span + 1..=y).all(|x| years.contains(&x)))
        .map(|&y| Period { label: indicator.period.label(y), years: (y - span + 1, y), sub: None })
        .collect()
}
