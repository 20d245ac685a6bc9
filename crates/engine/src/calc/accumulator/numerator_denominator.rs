//! Proportions and crude rates: a numerator over a denominator, summed over the group.

use stats::{ConfidenceLevel, Estimate};

use super::contract::{Accumulator, Refusal};

/// Which statistic of a numerator and a denominator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumeratorDenominatorKind {
    /// x/n × multiplier with Wilson score limits ([`stats::proportion::proportion`]).
    Proportion,
    /// x/n × multiplier with exact (below 10 events) or Byar's limits
    /// ([`stats::rate::crude_rate`]).
    CrudeRate,
}

/// The sums Σx and Σn of a group, for a proportion or a crude rate.
///
/// As the reference sums a grouped table (R's `sum`), a group in which any numerator or
/// denominator is missing has no value: [`NumeratorDenominatorResult::estimate`] is `None`
/// and the sums that had a missing value are `None`. A single row is a group of one row (the
/// row-wise form). The checks (x ≥ 0, n > 0, x ≤ n for a proportion, multiplier > 0) apply to
/// the sums, in [`Accumulator::evaluate`].
#[derive(Clone, Debug)]
pub struct NumeratorDenominator<'o> {
    kind: NumeratorDenominatorKind,
    multiplier: f64,
    confidence: &'o [ConfidenceLevel],
    x: f64,
    n: f64,
    x_missing: bool,
    n_missing: bool,
}

/// A group's proportion or rate with its sums.
#[derive(Clone, Debug, PartialEq)]
pub struct NumeratorDenominatorResult {
    /// Σx; `None` when a numerator was missing.
    pub numerator: Option<f64>,
    /// Σn; `None` when a denominator was missing.
    pub denominator: Option<f64>,
    /// The value and limits; `None` when a numerator or denominator was missing.
    pub estimate: Option<Estimate>,
    /// The `method` wording of a group without an estimate: "Wilson" for a proportion; for a
    /// rate "Exact" or "Byars" by its count when the count is known, as the reference says.
    pub method_if_missing: Option<&'static str>,
}

impl<'o> NumeratorDenominator<'o> {
    /// An empty group of `kind`, per `multiplier`, at the `confidence` levels.
    pub fn new(kind: NumeratorDenominatorKind, multiplier: f64, confidence: &'o [ConfidenceLevel]) -> Self {
        NumeratorDenominator { kind, multiplier, confidence, x: 0.0, n: 0.0, x_missing: false, n_missing: false }
    }

    /// The reference's `statistic` wording: "proportion of 1", "percentage", "rate per 100000".
    pub fn statistic(kind: NumeratorDenominatorKind, multiplier: f64) -> String {
        match kind {
            NumeratorDenominatorKind::Proportion => stats::proportion::proportion_statistic(multiplier),
            NumeratorDenominatorKind::CrudeRate => format!("rate per {}", stats::format_multiplier(multiplier)),
        }
    }
}

impl Accumulator for NumeratorDenominator<'_> {
    /// The numerator x and the denominator n of one row (`None` when missing).
    type Row<'a> = (Option<f64>, Option<f64>);
    type Output = NumeratorDenominatorResult;

    fn update(&mut self, (x, n): (Option<f64>, Option<f64>)) -> Result<(), Refusal> {
        match x {
            Some(x) => self.x += x,
            None => self.x_missing = true,
        }
        match n {
            Some(n) => self.n += n,
            None => self.n_missing = true,
        }
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Refusal> {
        self.x += other.x;
        self.n += other.n;
        self.x_missing |= other.x_missing;
        self.n_missing |= other.n_missing;
        Ok(())
    }

    fn evaluate(&self) -> Result<NumeratorDenominatorResult, Refusal> {
        let numerator = (!self.x_missing).then_some(self.x);
        let denominator = (!self.n_missing).then_some(self.n);
        let (Some(x), Some(n)) = (numerator, denominator) else {
            let method_if_missing = match self.kind {
                NumeratorDenominatorKind::Proportion => Some("Wilson"),
                NumeratorDenominatorKind::CrudeRate => numerator.map(stats::rate::count_method),
            };
            return Ok(NumeratorDenominatorResult { numerator, denominator, estimate: None, method_if_missing });
        };
        let estimate = match self.kind {
            NumeratorDenominatorKind::Proportion => {
                stats::proportion::proportion(x, n, self.multiplier, self.confidence)
            }
            NumeratorDenominatorKind::CrudeRate => stats::rate::crude_rate(x, n, self.multiplier, self.confidence),
        }
        .map_err(Refusal::Group)?;
        Ok(NumeratorDenominatorResult { numerator, denominator, estimate: Some(estimate), method_if_missing: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C95: [ConfidenceLevel; 1] = [ConfidenceLevel::C95];

    #[test]
    fn merged_partial_sums_equal_the_whole() {
        // testdata_Prop: Area4 65/100 → 0.65 (0.55254443296887967, 0.73635751756902468).
        let mut a = NumeratorDenominator::new(NumeratorDenominatorKind::Proportion, 1.0, &C95);
        let mut b = a.clone();
        a.update_batch([(Some(60.0), Some(90.0))]).unwrap();
        b.update_batch([(Some(5.0), Some(10.0))]).unwrap();
        a.merge(b).unwrap();
        let r = a.evaluate().unwrap();
        let e = r.estimate.unwrap();
        assert_eq!(e.value, Some(0.65));
        assert!((e.limits[0].lower.unwrap() - 0.55254443296887967).abs() < 1e-15);
        assert!((e.limits[0].upper.unwrap() - 0.73635751756902468).abs() < 1e-15);
    }

    #[test]
    fn a_missing_value_gives_no_estimate_and_the_reference_method() {
        let mut r = NumeratorDenominator::new(NumeratorDenominatorKind::CrudeRate, 100_000.0, &C95);
        r.update((Some(12.0), None)).unwrap();
        let out = r.evaluate().unwrap();
        assert_eq!((out.numerator, out.denominator, out.estimate), (Some(12.0), None, None));
        assert_eq!(out.method_if_missing, Some("Byars"));
        let mut p = NumeratorDenominator::new(NumeratorDenominatorKind::Proportion, 1.0, &C95);
        p.update((Some(11.0), Some(10.0))).unwrap();
        assert_eq!(
            p.evaluate().unwrap_err().to_string(),
            "numerator (11) must be less than or equal to denominator (10)"
        );
    }
}
