//! The assessment of a target: on track, off track, or not assessable and why. Computed from the
//! newest release every time it is shown, never stored or typed in.
//!
//! **The rule** ([`RULE`]). The trajectory is the straight line from the baseline (its period's
//! last year, its value) to the target (the target period's last year, the target value), held
//! at the target value after the target period. For the latest period with data, the expected
//! value is the trajectory at that period's last year. Then:
//!
//! - **on track** when the value is at least as good as expected (for a value: higher or lower
//!   by the indicator's polarity; for a gap or an SII: no further from zero), or when the
//!   expected value lies within the value's 95% confidence interval (the difference is not
//!   significant);
//! - **off track** when the value is worse than expected and the expected value lies outside
//!   the 95% interval;
//! - **not assessable** when there is no row for the target's breakdown, no value for any
//!   period after the baseline, the latest value is suppressed or missing, the indicator's
//!   polarity does not say which way is better, or the value is worse than expected and has no
//!   95% interval (as a gap between deciles never has).

use serde::Serialize;

/// The rule, as shown in `--help` and a place's output.
pub const RULE: &str =
    "A target is on track when its latest value is at least as good as the trajectory (the straight \
line from baseline to target) at that period, or the trajectory lies within the value's 95% confidence interval; off \
track when the value is worse and the trajectory lies outside the interval; not assessable when there is no data for \
the breakdown or for a period after the baseline, the value is suppressed, the polarity is unknown, or a worse value \
has no 95% interval (a gap between deciles has none). For a gap or an SII, better means nearer zero. A target to match \
the benchmark aims at the benchmark's value in the latest period; one to narrow a gap by a share aims at the baseline \
times one minus the share.";

/// Which way is better for a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Better {
    /// Higher values are better.
    Higher,
    /// Lower values are better.
    Lower,
    /// Values nearer zero are better (gaps and slope indices of inequality).
    NearerZero,
}

impl Better {
    /// Which way is better for a value with the indicator's `polarity` ("higher is better",
    /// "lower is better", as in the results table); `None` for any other polarity.
    pub fn of_polarity(polarity: &str) -> Option<Better> {
        let p = polarity.to_ascii_lowercase();
        if p.contains("high") && p.contains("better") {
            Some(Better::Higher)
        } else if p.contains("low") && p.contains("better") {
            Some(Better::Lower)
        } else {
            None
        }
    }
}

/// The latest observation of a target's breakdown.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    /// No row at all for the indicator, area and breakdown.
    NoRows,
    /// Rows, but none for a period after the baseline.
    NoDataSinceBaseline,
    /// The latest row, with its value (or none) and limits.
    Latest {
        /// The period's label.
        period: String,
        /// The period's last year.
        year: i32,
        /// The value; `None` when missing or suppressed.
        value: Option<f64>,
        /// The 95% limits, when given.
        limits_95: Option<(f64, f64)>,
        /// The value note ("suppressed: fewer than 10 events", …).
        note: Option<String>,
    },
}

/// Why a target cannot be assessed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum NotAssessable {
    /// The release has no row for the target's indicator, area and breakdown.
    NoRowsForBreakdown,
    /// No value for a period after the baseline.
    NoDataForPeriod,
    /// The latest value is suppressed or missing (with the row's note).
    Suppressed(Option<String>),
    /// The indicator's polarity does not say which way is better.
    NoPolarity,
    /// The value is worse than the trajectory and has no 95% interval to judge by.
    NoInterval,
    /// No baseline value: none given, and none in the data for the baseline period.
    NoBaseline,
    /// A "match the benchmark" target whose latest row has no benchmark value.
    NoBenchmark,
}

impl NotAssessable {
    /// The reason in words.
    pub fn reason(&self) -> String {
        match self {
            NotAssessable::NoRowsForBreakdown => "no data for this breakdown in the latest release".into(),
            NotAssessable::NoDataForPeriod => "no data for a period after the baseline".into(),
            NotAssessable::Suppressed(Some(note)) => format!("the latest value is suppressed ({note})"),
            NotAssessable::Suppressed(None) => "the latest value is missing".into(),
            NotAssessable::NoPolarity => "the indicator's polarity does not say which way is better".into(),
            NotAssessable::NoInterval => "the value is worse than the trajectory and has no 95% interval".into(),
            NotAssessable::NoBaseline => "no baseline value, given or in the data for the baseline period".into(),
            NotAssessable::NoBenchmark => "the latest row has no benchmark value to match".into(),
        }
    }
}

/// A target's assessment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Assessment {
    /// At least as good as the trajectory, or not significantly worse.
    OnTrack {
        /// The trajectory's value at the period.
        expected: f64,
    },
    /// Worse than the trajectory, significantly.
    OffTrack {
        /// The trajectory's value at the period.
        expected: f64,
    },
    /// Cannot be said, and why.
    NotAssessable(NotAssessable),
}

impl Assessment {
    /// "on track", "off track" or "not assessable".
    pub fn label(&self) -> &'static str {
        match self {
            Assessment::OnTrack { .. } => "on track",
            Assessment::OffTrack { .. } => "off track",
            Assessment::NotAssessable(_) => "not assessable",
        }
    }
}

/// A target's trajectory: from `(baseline year, baseline value)` to `(target year, target
/// value)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Trajectory {
    /// The baseline period's last year.
    pub baseline_year: i32,
    /// The baseline value.
    pub baseline: f64,
    /// The target period's last year.
    pub target_year: i32,
    /// The target value.
    pub target: f64,
}

impl Trajectory {
    /// The expected value in `year`: `baseline + (target − baseline) × (year − baseline_year)
    /// / (target_year − baseline_year)`, held at the baseline before it and at the target
    /// after it.
    pub fn at(&self, year: i32) -> f64 {
        if year <= self.baseline_year {
            self.baseline
        } else if year >= self.target_year || self.target_year <= self.baseline_year {
            self.target
        } else {
            let share = f64::from(year - self.baseline_year) / f64::from(self.target_year - self.baseline_year);
            self.baseline + (self.target - self.baseline) * share
        }
    }
}

/// Assesses a target (see [`RULE`]); `better` is `None` when the polarity is unknown.
pub fn assess(trajectory: &Trajectory, better: Option<Better>, observation: &Observation) -> Assessment {
    let (year, value, limits, note) = match observation {
        Observation::NoRows => return Assessment::NotAssessable(NotAssessable::NoRowsForBreakdown),
        Observation::NoDataSinceBaseline => return Assessment::NotAssessable(NotAssessable::NoDataForPeriod),
        Observation::Latest { year, value, limits_95, note, .. } => (*year, *value, *limits_95, note),
    };
    if year <= trajectory.baseline_year {
        return Assessment::NotAssessable(NotAssessable::NoDataForPeriod);
    }
    let Some(value) = value else { return Assessment::NotAssessable(NotAssessable::Suppressed(note.clone())) };
    let Some(better) = better else { return Assessment::NotAssessable(NotAssessable::NoPolarity) };
    let expected = trajectory.at(year);
    let at_least_as_good = match better {
        Better::Higher => value >= expected,
        Better::Lower => value <= expected,
        Better::NearerZero => value.abs() <= expected.abs(),
    };
    if at_least_as_good {
        return Assessment::OnTrack { expected };
    }
    match limits {
        Some((lower, upper)) if lower <= expected && expected <= upper => Assessment::OnTrack { expected },
        Some(_) => Assessment::OffTrack { expected },
        None => Assessment::NotAssessable(NotAssessable::NoInterval),
    }
}

/// The last year of a period label: "2021" → 2021, "2019 - 21" → 2021, "2019/20" → 2020,
/// "2018-2020" → 2020, "Q1 2024" → 2024. `None` when the label has no four-digit year.
pub fn period_end_year(label: &str) -> Option<i32> {
    let bytes = label.as_bytes();
    let mut numbers: Vec<(usize, &str)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            numbers.push((i - start, &label[start..i]));
        } else {
            i += 1;
        }
    }
    let first = numbers.iter().position(|(len, _)| *len == 4)?;
    let year: i32 = numbers[first].1.parse().ok()?;
    match numbers.get(first + 1) {
        Some((4, later)) => later.parse().ok(),
        Some((2, later)) => {
            let short: i32 = later.parse().ok()?;
            let century = year - year % 100;
            Some(if century + short >= year { century + short } else { century + 100 + short })
        }
        _ => Some(year),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Baseline 70.0 in 2020, target 74.0 in 2030: 0.4 a year.
    const UP: Trajectory = Trajectory { baseline_year: 2020, baseline: 70.0, target_year: 2030, target: 74.0 };

    fn latest(year: i32, value: Option<f64>, limits: Option<(f64, f64)>) -> Observation {
        Observation::Latest { period: year.to_string(), year, value, limits_95: limits, note: None }
    }

    #[test]
    fn trajectory_by_hand() {
        // 2025 is half way: 70 + 4 × 5/10 = 72.
        assert_eq!(UP.at(2025), 72.0);
        assert_eq!(UP.at(2023), 70.0 + 4.0 * 0.3);
        assert_eq!(UP.at(2019), 70.0);
        assert_eq!(UP.at(2035), 74.0);
    }

    #[test]
    fn on_track_when_at_least_as_good() {
        // Expected 72.0 in 2025; 72.1 is better for higher-is-better, interval irrelevant.
        assert_eq!(
            assess(&UP, Some(Better::Higher), &latest(2025, Some(72.1), None)),
            Assessment::OnTrack { expected: 72.0 }
        );
        // Exactly on the trajectory counts as on track.
        assert_eq!(
            assess(&UP, Some(Better::Higher), &latest(2025, Some(72.0), None)),
            Assessment::OnTrack { expected: 72.0 }
        );
    }

    #[test]
    fn on_track_when_trajectory_within_interval() {
        // 71.5 is worse than 72.0, but 72.0 lies within (71.0, 72.0]: not significantly worse.
        let a = assess(&UP, Some(Better::Higher), &latest(2025, Some(71.5), Some((71.0, 72.0))));
        assert_eq!(a, Assessment::OnTrack { expected: 72.0 });
    }

    #[test]
    fn off_track_when_worse_and_outside() {
        // 71.5 with (71.1, 71.9): 72.0 is above the upper limit.
        let a = assess(&UP, Some(Better::Higher), &latest(2025, Some(71.5), Some((71.1, 71.9))));
        assert_eq!(a, Assessment::OffTrack { expected: 72.0 });
    }

    #[test]
    fn lower_is_better() {
        // Mortality from 400 (2019) to 300 (2029): expected 350 in 2024.
        let down = Trajectory { baseline_year: 2019, baseline: 400.0, target_year: 2029, target: 300.0 };
        assert_eq!(
            assess(&down, Some(Better::Lower), &latest(2024, Some(340.0), None)),
            Assessment::OnTrack { expected: 350.0 }
        );
        assert_eq!(
            assess(&down, Some(Better::Lower), &latest(2024, Some(360.0), Some((352.0, 368.0)))),
            Assessment::OffTrack { expected: 350.0 }
        );
        assert_eq!(
            assess(&down, Some(Better::Lower), &latest(2024, Some(360.0), Some((349.0, 371.0)))),
            Assessment::OnTrack { expected: 350.0 }
        );
    }

    #[test]
    fn sii_target_nearer_zero_with_its_limits() {
        // SII of -10.0 years (2020) to be narrowed by a fifth by 2030: -8.0; expected -9.0 in 2025.
        let sii = Trajectory { baseline_year: 2020, baseline: -10.0, target_year: 2030, target: -8.0 };
        assert_eq!(sii.at(2025), -9.0);
        assert_eq!(
            assess(&sii, Some(Better::NearerZero), &latest(2025, Some(-8.5), None)),
            Assessment::OnTrack { expected: -9.0 }
        );
        assert_eq!(
            assess(&sii, Some(Better::NearerZero), &latest(2025, Some(-9.6), Some((-10.2, -9.1)))),
            Assessment::OffTrack { expected: -9.0 }
        );
        assert_eq!(
            assess(&sii, Some(Better::NearerZero), &latest(2025, Some(-9.6), Some((-10.4, -8.8)))),
            Assessment::OnTrack { expected: -9.0 }
        );
    }

    #[test]
    fn gap_without_interval() {
        // A gap of 12.0 (2020) narrowed by a quarter to 9.0 by 2030: expected 10.5 in 2025.
        let gap = Trajectory { baseline_year: 2020, baseline: 12.0, target_year: 2030, target: 9.0 };
        assert_eq!(
            assess(&gap, Some(Better::NearerZero), &latest(2025, Some(10.0), None)),
            Assessment::OnTrack { expected: 10.5 }
        );
        assert_eq!(
            assess(&gap, Some(Better::NearerZero), &latest(2025, Some(11.0), None)),
            Assessment::NotAssessable(NotAssessable::NoInterval)
        );
    }

    #[test]
    fn not_assessable_cases() {
        assert_eq!(
            assess(&UP, Some(Better::Higher), &Observation::NoRows),
            Assessment::NotAssessable(NotAssessable::NoRowsForBreakdown)
        );
        assert_eq!(
            assess(&UP, Some(Better::Higher), &Observation::NoDataSinceBaseline),
            Assessment::NotAssessable(NotAssessable::NoDataForPeriod)
        );
        // A latest period no later than the baseline is no data for the period either.
        assert_eq!(
            assess(&UP, Some(Better::Higher), &latest(2020, Some(75.0), None)),
            Assessment::NotAssessable(NotAssessable::NoDataForPeriod)
        );
        let suppressed = Observation::Latest {
            period: "2025".into(),
            year: 2025,
            value: None,
            limits_95: None,
            note: Some("suppressed: fewer than 10 events".into()),
        };
        let a = assess(&UP, Some(Better::Higher), &suppressed);
        assert_eq!(
            a,
            Assessment::NotAssessable(NotAssessable::Suppressed(Some("suppressed: fewer than 10 events".into())))
        );
        assert_eq!(
            assess(&UP, None, &latest(2025, Some(73.0), None)),
            Assessment::NotAssessable(NotAssessable::NoPolarity)
        );
    }

    #[test]
    fn polarities() {
        assert_eq!(Better::of_polarity("Higher is better"), Some(Better::Higher));
        assert_eq!(Better::of_polarity("lower is better"), Some(Better::Lower));
        assert_eq!(Better::of_polarity("No judgement"), None);
    }

    #[test]
    fn period_years() {
        assert_eq!(period_end_year("2021"), Some(2021));
        assert_eq!(period_end_year("2019 - 21"), Some(2021));
        assert_eq!(period_end_year("2019/20"), Some(2020));
        assert_eq!(period_end_year("1999/00"), Some(2000));
        assert_eq!(period_end_year("2018-2020"), Some(2020));
        assert_eq!(period_end_year("Q1 2024"), Some(2024));
        assert_eq!(period_end_year("latest"), None);
    }
}
