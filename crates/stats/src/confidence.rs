//! Confidence levels as the reference accepts and names them.
//!
//! The reference takes a level as a proportion (0.95) or a percentage (95), between 0.9 and 1
//! inclusive. The normal quantile for a two-sided interval at level c is
//! z = Φ⁻¹(c + (1 − c)/2); at 95% that is 1.959963984540054.

use crate::distributions::normal_quantile;
use crate::StatsError;

/// A confidence level c with 0.9 ≤ c ≤ 1.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct ConfidenceLevel(f64);

impl ConfidenceLevel {
    /// 95%, the default everywhere.
    pub const C95: ConfidenceLevel = ConfidenceLevel(0.95);
    /// 99.8%, the second level of the indicator portal (about three standard errors).
    pub const C998: ConfidenceLevel = ConfidenceLevel(0.998);

    /// A level from 0.9 to 1 or from 90 to 100 (a percentage), as the reference accepts it.
    ///
    /// # Errors
    /// [`StatsError::Confidence`] outside those ranges or for NaN.
    pub fn new(level: f64) -> Result<Self, StatsError> {
        if (0.9..=1.0).contains(&level) {
            Ok(ConfidenceLevel(level))
        } else if (90.0..=100.0).contains(&level) {
            Ok(ConfidenceLevel(level / 100.0))
        } else {
            Err(StatsError::Confidence(level))
        }
    }

    /// The level as a proportion, for example 0.95.
    pub fn value(self) -> f64 {
        self.0
    }

    /// The upper tail point of a two-sided interval: c + (1 − c)/2 (0.975 at 95%).
    pub fn upper_probability(self) -> f64 {
        self.0 + (1.0 - self.0) / 2.0
    }

    /// The lower tail point of a two-sided interval: (1 − c)/2 (0.025 at 95%).
    pub fn lower_probability(self) -> f64 {
        (1.0 - self.0) / 2.0
    }

    /// z = Φ⁻¹(c + (1 − c)/2), the standard normal quantile of a two-sided interval.
    pub fn z(self) -> f64 {
        normal_quantile(self.upper_probability())
    }

    /// The label the reference prints in its `confidence` column: "95%", "99.8%".
    pub fn label(self) -> String {
        let pct = self.0 * 100.0;
        let rounded = (pct * 1e6).round() / 1e6;
        format!("{rounded}%")
    }

    /// The infix of the reference's limit column names: "95_0", "99_8" (one decimal).
    pub fn column_infix(self) -> String {
        format!("{:.1}", self.0 * 100.0).replace('.', "_")
    }
}

/// Validates the levels requested for one computation by the reference's rule: one level
/// (0.9 to 1, or 90 to 100), or two given as 0.95 and 0.998 (or 95 and 99.8), in that order.
///
/// # Errors
/// [`StatsError::Confidence`] for a level out of range; [`StatsError::Invalid`] for none,
/// more than two, or a pair other than 0.95 and 0.998.
pub fn confidence_levels(levels: &[f64]) -> Result<Vec<ConfidenceLevel>, StatsError> {
    let parsed = levels.iter().map(|&l| ConfidenceLevel::new(l)).collect::<Result<Vec<_>, _>>()?;
    match parsed.as_slice() {
        [] => Err(StatsError::Invalid("at least one confidence level is needed".into())),
        [_] => Ok(parsed),
        [a, b] if *a == ConfidenceLevel::C95 && *b == ConfidenceLevel::C998 => Ok(parsed),
        [_, _] => Err(StatsError::Invalid(
            "two confidence levels can only be produced if they are specified as 0.95 and 0.998".into(),
        )),
        _ => Err(StatsError::Invalid("a maximum of two confidence levels can be provided".into())),
    }
}

/// The reference's `confidence` column for a set of levels: "95%" or "95%, 99.8%".
pub fn confidence_label(levels: &[ConfidenceLevel]) -> String {
    levels.iter().map(|l| l.label()).collect::<Vec<_>>().join(", ")
}

impl Default for ConfidenceLevel {
    fn default() -> Self {
        ConfidenceLevel::C95
    }
}

impl std::fmt::Display for ConfidenceLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_proportions_and_percentages() {
        assert_eq!(ConfidenceLevel::new(95.0).unwrap().value(), 0.95);
        assert_eq!(ConfidenceLevel::new(0.998).unwrap().value(), 0.998);
        assert!(ConfidenceLevel::new(0.5).is_err());
        assert!(ConfidenceLevel::new(50.0).is_err());
        assert!(ConfidenceLevel::new(f64::NAN).is_err());
        assert!(ConfidenceLevel::new(101.0).is_err());
    }

    #[test]
    fn labels_and_infixes_match_the_reference() {
        assert_eq!(ConfidenceLevel::C95.label(), "95%");
        assert_eq!(ConfidenceLevel::C998.label(), "99.8%");
        assert_eq!(ConfidenceLevel::C95.column_infix(), "95_0");
        assert_eq!(ConfidenceLevel::C998.column_infix(), "99_8");
    }

    #[test]
    fn two_levels_only_as_95_and_99_8() {
        assert_eq!(confidence_levels(&[95.0, 99.8]).unwrap().len(), 2);
        assert!(confidence_levels(&[0.9, 0.998]).is_err());
        assert!(confidence_levels(&[0.95, 0.998, 0.99]).is_err());
        assert!(confidence_levels(&[]).is_err());
        assert_eq!(confidence_label(&[ConfidenceLevel::C95, ConfidenceLevel::C998]), "95%, 99.8%");
    }

    #[test]
    fn z_at_95_percent() {
        // R: qnorm(0.975) = 1.959963984540054
        let z = ConfidenceLevel::C95.z();
        assert!((z - 1.959963984540054).abs() < 1e-15);
    }
}
