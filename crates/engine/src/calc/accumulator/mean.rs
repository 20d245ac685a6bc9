//! Means with Student's t limits.

use stats::mean::{MeanAccumulator, MeanEstimate};
use stats::ConfidenceLevel;

use super::contract::{Accumulator, Refusal};

/// The values of one group for a mean ([`stats::mean`]). A missing value leaves the group
/// without a mean, as R's `sum` gives NA ([`MeanResult::missing`]); values must be finite.
#[derive(Clone, Copy, Debug)]
pub struct Mean<'o> {
    confidence: &'o [ConfidenceLevel],
    sums: MeanAccumulator,
    missing: bool,
}

/// A group's mean, or that it had a missing value.
#[derive(Clone, Debug, PartialEq)]
pub struct MeanResult {
    /// Whether a value was missing: then only `estimate.value_count` (the values present) is
    /// meaningful.
    pub missing: bool,
    /// Σx, n, the standard deviation and the mean with its limits.
    pub estimate: MeanEstimate,
}

impl<'o> Mean<'o> {
    /// An empty group.
    pub fn new(confidence: &'o [ConfidenceLevel]) -> Self {
        Mean { confidence, sums: MeanAccumulator::default(), missing: false }
    }
}

impl Accumulator for Mean<'_> {
    /// One value (`None` when missing).
    type Row<'a> = Option<f64>;
    type Output = MeanResult;

    fn update(&mut self, value: Option<f64>) -> Result<(), Refusal> {
        match value {
            Some(v) => self.sums.add(v).map_err(|source| Refusal::Row { input: "value", source }),
            None => {
                self.missing = true;
                Ok(())
            }
        }
    }

    fn merge(&mut self, other: Self) -> Result<(), Refusal> {
        self.sums.merge(&other.sums);
        self.missing |= other.missing;
        Ok(())
    }

    fn evaluate(&self) -> Result<MeanResult, Refusal> {
        Ok(MeanResult { missing: self.missing, estimate: self.sums.estimate(self.confidence) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_parts_give_the_mean_of_the_whole() {
        let levels = [ConfidenceLevel::C95];
        let values = [3.0, 5.5, 7.25, 1.0, 9.0, 4.5];
        let mut whole = Mean::new(&levels);
        whole.update_batch(values.iter().map(|&v| Some(v))).unwrap();
        let mut a = Mean::new(&levels);
        let mut b = Mean::new(&levels);
        a.update_batch(values[..2].iter().map(|&v| Some(v))).unwrap();
        b.update_batch(values[2..].iter().map(|&v| Some(v))).unwrap();
        a.merge(b).unwrap();
        let (w, m) = (whole.evaluate().unwrap().estimate, a.evaluate().unwrap().estimate);
        assert_eq!(w.value_sum, m.value_sum);
        assert!((w.stdev.unwrap() - m.stdev.unwrap()).abs() < 1e-12);
        assert!((w.estimate.limits[0].upper.unwrap() - m.estimate.limits[0].upper.unwrap()).abs() < 1e-12);
    }
}
