//! Directly standardised rates: the age bands of a group, checked once for `calc`, SQL and
//! `compute`.

use stats::dsr::{band_start_age, esp2013_weight, DsrAccumulator, DsrEstimate, FrequencyCount};
use stats::error::positive;
use stats::{ConfidenceLevel, StatsError};

use super::contract::{required, Accumulator, Refusal};

/// Where each band's standard population weight comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DsrStandard {
    /// A standard population given on each row ([`DsrRow::stdpop`]); bands are not checked.
    Given,
    /// The European Standard Population 2013 joined on each row's age band
    /// ([`DsrRow::band`]): each group must have each of the 19 bands 0-4, …, 90+ exactly once.
    Esp2013,
}

/// The options of a DSR, checked once for all groups.
#[derive(Clone, Debug, PartialEq)]
pub struct DsrInput {
    /// Where the weights come from.
    pub standard: DsrStandard,
    /// Non-independent events: each row counts the people ([`DsrRow::count`]) who had
    /// [`DsrRow::frequency`] events in its band; bands are told apart by [`DsrRow::band`].
    pub non_independent: bool,
    /// Rate per this many (100,000 usually).
    pub multiplier: f64,
    /// The confidence levels of the limits.
    pub confidence: Vec<ConfidenceLevel>,
}

impl DsrInput {
    /// Checked options.
    ///
    /// # Errors
    /// A multiplier that is not a positive number.
    pub fn new(
        standard: DsrStandard,
        non_independent: bool,
        multiplier: f64,
        confidence: &[ConfidenceLevel],
    ) -> Result<Self, StatsError> {
        positive("multiplier", multiplier)?;
        Ok(DsrInput { standard, non_independent, multiplier, confidence: confidence.to_vec() })
    }
}

/// One row of a DSR: one age band (or, for non-independent events, one band and frequency).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DsrRow<'a> {
    /// Events (people, for non-independent events); missing counts as 0, as in the reference.
    pub count: Option<f64>,
    /// The band's population: required, > 0.
    pub population: Option<f64>,
    /// The band's standard population, with [`DsrStandard::Given`]: required, ≥ 0.
    pub stdpop: Option<f64>,
    /// The band: a start age or a label such as `0-4`, `90+`; required with
    /// [`DsrStandard::Esp2013`] and for non-independent events.
    pub band: Option<&'a str>,
    /// Events per person, for non-independent events: required, > 0.
    pub frequency: Option<f64>,
}

#[derive(Clone, Debug)]
enum State {
    Independent { sums: DsrAccumulator, weights: f64, bands: u32 },
    NonIndependent { rows: Vec<FrequencyCount>, bands: Vec<String> },
}

/// The age bands of one group for a DSR ([`stats::dsr`]): Dobson limits, no value below 10
/// events.
///
/// Checks, row by row: a population (never missing), a standard population (never missing)
/// or, with ESP 2013, an age band that is one of its 19 bands and appears once in the group;
/// counts ≥ 0 and populations > 0 ([`DsrAccumulator::add`]); for non-independent events an
/// event frequency. At [`Accumulator::evaluate`]: with ESP 2013 all 19 bands present; a total
/// standard population above zero (unless the rate is suppressed for fewer than 10 events).
#[derive(Clone, Debug)]
pub struct Dsr<'o> {
    input: &'o DsrInput,
    state: State,
}

/// The ESP 2013 label of band `index` (0 … 18): `0-4`, …, `85-89`, `90+`.
pub fn esp2013_band_label(index: u32) -> String {
    if index == 18 {
        "90+".to_string()
    } else {
        format!("{}-{}", index * 5, index * 5 + 4)
    }
}

const ESP_BAND: &str = "an ESP 2013 age band: a start age 0, 5, …, 90 or a label such as 0-4 or 90+";

impl<'o> Dsr<'o> {
    /// An empty group.
    pub fn new(input: &'o DsrInput) -> Self {
        let state = if input.non_independent {
            State::NonIndependent { rows: Vec::new(), bands: Vec::new() }
        } else {
            State::Independent { sums: DsrAccumulator::default(), weights: 0.0, bands: 0 }
        };
        Dsr { input, state }
    }

    /// The band of a row with ESP 2013: its index 0 … 18.
    fn esp_band(label: Option<&str>) -> Result<u32, Refusal> {
        let label = label.unwrap_or_default();
        band_start_age(label).filter(|&a| esp2013_weight(a).is_some()).map(|a| a / 5).ok_or_else(|| Refusal::Value {
            input: "age band",
            expected: ESP_BAND.into(),
            found: label.to_string(),
        })
    }

    /// The row's standard population weight, and its ESP band when the standard is ESP 2013.
    fn weight(&self, row: &DsrRow<'_>) -> Result<(f64, Option<u32>), Refusal> {
        match self.input.standard {
            DsrStandard::Given => Ok((
                required(
                    row.stdpop,
                    "standard population",
                    "a standard population (stdpop cannot have missing values)",
                )?,
                None,
            )),
            DsrStandard::Esp2013 => {
                let band = Self::esp_band(row.band)?;
                Ok((stats::dsr::ESP2013[band as usize], Some(band)))
            }
        }
    }
}

fn once_per_group(band: u32) -> Refusal {
    Refusal::Value {
        input: "age band",
        expected: "each age band once per group".into(),
        found: esp2013_band_label(band),
    }
}

impl Accumulator for Dsr<'_> {
    type Row<'a> = DsrRow<'a>;
    type Output = DsrEstimate;

    fn update(&mut self, row: DsrRow<'_>) -> Result<(), Refusal> {
        let (stdpop, esp_band) = self.weight(&row)?;
        let n = required(row.population, "population", "a population (populations cannot be missing)")?;
        match &mut self.state {
            State::Independent { sums, weights, bands } => {
                sums.add(row.count, n, stdpop).map_err(Refusal::of_row)?;
                *weights += stdpop;
                if let Some(band) = esp_band {
                    if *bands & (1 << band) != 0 {
                        return Err(once_per_group(band));
                    }
                    *bands |= 1 << band;
                }
            }
            State::NonIndependent { rows, bands } => {
                let frequency = required(row.frequency, "event frequency", "an event frequency (1, 2, 3, …)")?;
                let label = row.band.unwrap_or_default();
                let band = match bands.iter().position(|b| b == label) {
                    Some(b) => b,
                    None => {
                        bands.push(label.to_string());
                        bands.len() - 1
                    }
                };
                rows.push(FrequencyCount { band: band as u32, frequency, persons: row.count, n, stdpop });
            }
        }
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Refusal> {
        match (&mut self.state, other.state) {
            (
                State::Independent { sums, weights, bands },
                State::Independent { sums: other_sums, weights: other_weights, bands: other_bands },
            ) => {
                let both = *bands & other_bands;
                if both != 0 {
                    return Err(once_per_group(both.trailing_zeros()));
                }
                sums.merge(&other_sums);
                *weights += other_weights;
                *bands |= other_bands;
            }
            (State::NonIndependent { rows, bands }, State::NonIndependent { rows: other_rows, bands: other_bands }) => {
                for mut r in other_rows {
                    let label = &other_bands[r.band as usize];
                    r.band = match bands.iter().position(|b| b == label) {
                        Some(b) => b as u32,
                        None => {
                            bands.push(label.clone());
                            (bands.len() - 1) as u32
                        }
                    };
                    rows.push(r);
                }
            }
            _ => return Err(Refusal::Group(StatsError::Invalid("partial DSRs of different kinds".into()))),
        }
        Ok(())
    }

    fn evaluate(&self) -> Result<DsrEstimate, Refusal> {
        let (multiplier, confidence) = (self.input.multiplier, &self.input.confidence);
        match &self.state {
            State::Independent { sums, weights, bands } => {
                if self.input.standard == DsrStandard::Esp2013 && bands.count_ones() != 19 {
                    let missing: Vec<String> =
                        (0..19u32).filter(|b| bands & (1 << b) == 0).map(esp2013_band_label).collect();
                    return Err(Refusal::Group(StatsError::Shape(format!(
                        "expected the 19 ESP 2013 age bands (0-4 … 90+), found {}; missing {}",
                        bands.count_ones(),
                        missing.join(", ")
                    ))));
                }
                let estimate = sums.estimate(multiplier, confidence);
                if estimate.estimate.value.is_some() {
                    positive("total standard population", *weights).map_err(Refusal::Group)?;
                }
                Ok(estimate)
            }
            State::NonIndependent { rows, .. } => {
                stats::dsr::directly_standardised_rate_non_independent(rows, multiplier, confidence)
                    .map_err(Refusal::Group)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stats::dsr::ESP2013;

    fn esp_rows(skip: Option<usize>) -> Vec<(String, f64, f64)> {
        (0..19).filter(|&b| Some(b) != skip).map(|b| (esp2013_band_label(b as u32), 3.0 + b as f64, 1000.0)).collect()
    }

    #[test]
    fn esp_bands_are_checked_and_equal_the_stats_method() {
        let input = DsrInput::new(DsrStandard::Esp2013, false, 100_000.0, &[ConfidenceLevel::C95]).unwrap();
        let rows = esp_rows(None);
        let (first, second) = rows.split_at(7);
        let mut a = Dsr::new(&input);
        let mut b = Dsr::new(&input);
        fn row((label, x, n): &(String, f64, f64)) -> DsrRow<'_> {
            DsrRow { count: Some(*x), population: Some(*n), band: Some(label.as_str()), ..DsrRow::default() }
        }
        a.update_batch(first.iter().map(row)).unwrap();
        b.update_batch(second.iter().map(row)).unwrap();
        a.merge(b).unwrap();
        let x: Vec<Option<f64>> = rows.iter().map(|r| Some(r.1)).collect();
        let expected =
            stats::dsr::directly_standardised_rate(&x, &[1000.0; 19], &ESP2013, 100_000.0, &input.confidence).unwrap();
        assert_eq!(a.evaluate().unwrap(), expected);

        let mut twice = Dsr::new(&input);
        twice.update(row(&rows[3])).unwrap();
        assert_eq!(
            twice.update(row(&rows[3])).unwrap_err().to_string(),
            "expected each age band once per group, found \"15-19\""
        );
        let mut short = Dsr::new(&input);
        short.update_batch(esp_rows(Some(8)).iter().map(row)).unwrap();
        assert_eq!(
            short.evaluate().unwrap_err().to_string(),
            "expected the 19 ESP 2013 age bands (0-4 … 90+), found 18; missing 40-44"
        );
        let bad = DsrRow { band: Some("1-4"), ..row(&rows[0]) };
        assert_eq!(
            Dsr::new(&input).update(bad).unwrap_err(),
            Refusal::Value { input: "age band", expected: ESP_BAND.into(), found: "1-4".into() }
        );
    }

    #[test]
    fn given_weights_are_not_band_checked_but_must_sum_above_zero() {
        let input = DsrInput::new(DsrStandard::Given, false, 100_000.0, &[ConfidenceLevel::C95]).unwrap();
        let mut d = Dsr::new(&input);
        d.update(DsrRow { count: Some(30.0), population: Some(10.0), stdpop: Some(0.0), ..DsrRow::default() }).unwrap();
        assert_eq!(d.evaluate().unwrap_err().to_string(), "total standard population must be greater than zero, got 0");
        let r = Dsr::new(&input)
            .update(DsrRow { count: Some(3.0), population: Some(0.0), stdpop: Some(1.0), ..DsrRow::default() })
            .unwrap_err();
        assert_eq!(r.input(), Some("population"));
        let r =
            Dsr::new(&input).update(DsrRow { count: Some(3.0), stdpop: Some(1.0), ..DsrRow::default() }).unwrap_err();
        assert_eq!(r.to_string(), "expected a population (populations cannot be missing), found \"\"");
    }
}
