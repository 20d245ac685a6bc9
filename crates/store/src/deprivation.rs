//! Each area's deprivation in a release, for the area profile's peer groups: areas of the same
//! type grouped by their deprivation, as the indicator portal's "deprivation deciles" of local
//! authorities group them.
//!
//! The portal ranks areas by the population-weighted average of their small areas' IMD scores.
//! A release holds no scores, but it holds what weights them: every indicator broken down by
//! national deprivation decile (`category_type` [`NATIONAL_DECILES`]) gives, for each area, the
//! denominator (its population at risk) living in small areas of each national decile. So at
//! import the store derives, for each area:
//!
//! - `score` = Σ_d d·n_d / Σ_d n_d, the population-weighted mean national decile of its small
//!   areas (1 most deprived … 10 least), where n_d is the denominator of its decile-d row of one
//!   population, the *basis*: of the release's indicators, sexes "Persons", ages and periods with
//!   national decile rows, the (indicator, age) whose latest period's rows have the largest total
//!   denominator (the broadest population the release counts by decile: the whole population
//!   where an indicator has it), at that period;
//! - `decile`: its decile among the areas of its type by that score, 1 the most deprived tenth
//!   (the lowest scores), assigned as `phe_quantile` assigns them
//!   ([`stats::quantile::assign_quantiles`]); none when fewer than ten areas of the type have a
//!   score.
//!
//! The ranking by mean decile follows the ranking by mean score closely but not exactly (a
//! score's spread within a decile is lost); the basis is stored with every row and shown.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{Context, Result};
use crate::Store;

/// The category type of rows broken down by national deprivation decile, as `compute` names it.
pub const NATIONAL_DECILES: &str = "LSOA deprivation deciles (national)";

/// An area's deprivation in a release (see the module's documentation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaDeprivation {
    /// The area's code.
    pub code: String,
    /// The area's type.
    pub area_type: String,
    /// The population-weighted mean national deprivation decile of its small areas, 1 (most
    /// deprived) to 10.
    pub score: f64,
    /// Its decile among the areas of its type, 1 the most deprived; `None` when fewer than ten
    /// areas of the type have a score.
    pub decile: Option<i64>,
    /// What the score was computed from, in words.
    pub basis: String,
}

/// The decile (1 most deprived … 10 least) of a national-decile row's category: a portal-style
/// label ("Most deprived decile (IMD)", "Second most deprived decile", "Third more deprived
/// decile", "Fifth less deprived decile", "Least deprived decile") or a number 1 to 10.
pub fn decile_of(category: &str) -> Option<u8> {
    if let Ok(n) = category.trim().parse::<u8>() {
        return (1..=10).contains(&n).then_some(n);
    }
    stats::labels::decile_of_label(category)
}

/// The denominators of an import's national-decile rows of sex "Persons", summed by indicator,
/// breakdown and period (ids as stored), gathered row by row while the rows are pushed.
#[derive(Debug, Default)]
pub(crate) struct DecileTotals {
    /// (indicator id, breakdown id, period's sortable year) → (Σ denominator, the period).
    totals: HashMap<(i64, i64, Option<i64>), (f64, String)>,
}

/// The population chosen to weigh the deciles (see the module's documentation).
#[derive(Debug, PartialEq)]
pub(crate) struct Basis {
    /// The indicator's id as stored.
    pub indicator: i64,
    /// The period.
    pub period: String,
    /// The age.
    pub age: String,
    /// Its breakdowns by id, with their deciles.
    pub breakdowns: Vec<(i64, u8)>,
}

impl DecileTotals {
    /// Adds one row's denominator.
    pub(crate) fn add(&mut self, indicator: i64, breakdown: i64, sortable: Option<i64>, period: &str, n: Option<f64>) {
        let Some(n) = n.filter(|n| n.is_finite() && *n > 0.0) else { return };
        match self.totals.get_mut(&(indicator, breakdown, sortable)) {
            Some(t) => t.0 += n,
            None => {
                self.totals.insert((indicator, breakdown, sortable), (n, period.to_string()));
            }
        }
    }

    /// The basis: `breakdown` gives a breakdown's age and decile (`None` for one whose category
    /// is not a decile). `None` when no row was added.
    pub(crate) fn basis(&self, breakdown: impl Fn(i64) -> Option<(String, u8)>) -> Option<Basis> {
        // (indicator, age) → period (sortable) → (total, period, breakdowns).
        type Periods = HashMap<Option<i64>, (f64, String, Vec<(i64, u8)>)>;
        let mut groups: HashMap<(i64, String), Periods> = HashMap::new();
        for (&(indicator, b, sortable), (total, period)) in &self.totals {
            let Some((age, decile)) = breakdown(b) else { continue };
            let entry = groups
                .entry((indicator, age))
                .or_default()
                .entry(sortable)
                .or_insert_with(|| (0.0, period.clone(), Vec::new()));
            entry.0 += total;
            entry.2.push((b, decile));
        }
        let mut best: Option<(f64, Basis)> = None;
        for ((indicator, age), periods) in groups {
            let Some((_, (total, period, breakdowns))) = periods.into_iter().max_by_key(|(s, _)| *s) else { continue };
            let better = match &best {
                None => true,
                Some((t, b)) => total > *t || (total == *t && (indicator, &age) < (b.indicator, &b.age)),
            };
            if better {
                best = Some((total, Basis { indicator, period, age, breakdowns }));
            }
        }
        best.map(|(_, mut basis)| {
            basis.breakdowns.sort_unstable();
            basis
        })
    }
}

/// Each area's score from its `(area id, decile, denominator)` rows: Σ d·n / Σ n over the rows
/// with a positive denominator; areas without one have none.
pub(crate) fn scores(rows: &[(i64, u8, f64)]) -> Vec<(i64, f64)> {
    let mut sums: HashMap<i64, (f64, f64)> = HashMap::new();
    for &(area, decile, n) in rows {
        if n.is_finite() && n > 0.0 {
            let s = sums.entry(area).or_default();
            s.0 += f64::from(decile) * n;
            s.1 += n;
        }
    }
    let mut out: Vec<(i64, f64)> = sums.into_iter().map(|(a, (dn, n))| (a, dn / n)).collect();
    out.sort_by_key(|s| s.0);
    out
}

/// The deciles among their type of scored areas `(area id, type, score)`, in the same order:
/// 1 the most deprived tenth (lowest scores), `None` in a type with fewer than ten areas.
pub(crate) fn deciles_within_type(areas: &[(i64, String, f64)]) -> Vec<Option<i64>> {
    let mut by_type: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, a) in areas.iter().enumerate() {
        by_type.entry(a.1.as_str()).or_default().push(i);
    }
    let mut out = vec![None; areas.len()];
    for members in by_type.values() {
        let values: Vec<Option<f64>> = members.iter().map(|&i| Some(areas[i].2)).collect();
        // Quantile 1 holds the lowest mean deciles: the most deprived.
        let assigned = stats::quantile::assign_quantiles(&values, 10, false).unwrap_or_default();
        for (&i, d) in members.iter().zip(assigned) {
            out[i] = d.map(i64::from);
        }
    }
    out
}

impl Store {
    /// Each area's deprivation in release `release_id` (see [`AreaDeprivation`]), by area code;
    /// empty for a release whose rows have no national deprivation deciles.
    ///
    /// # Errors
    /// A failed query.
    pub async fn area_deprivation(&self, release_id: i64) -> Result<Vec<AreaDeprivation>> {
        let rows: Vec<(String, String, f64, Option<i64>, String)> = sqlx::query_as(
            "SELECT a.code, a.area_type, d.score, d.decile, d.basis FROM area_deprivation d \
             JOIN area a ON a.id = d.area_id WHERE d.release_id = $1 ORDER BY a.code",
        )
        .bind(release_id)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the areas' deprivation in release {release_id}"))?;
        Ok(rows
            .into_iter()
            .map(|(code, area_type, score, decile, basis)| AreaDeprivation { code, area_type, score, decile, basis })
            .collect())
    }
}

impl Store {
    /// The members of the named peer groups stored with release `release_id`
    /// ([`crate::ReleaseImport::describe_peer_groups`]), by group code, each list in order.
    ///
    /// # Errors
    /// A failed query.
    pub async fn peer_groups(&self, release_id: i64) -> Result<std::collections::BTreeMap<String, Vec<String>>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT group_code, area_code FROM peer_group_member WHERE release_id = $1 ORDER BY group_code, area_code",
        )
        .bind(release_id)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the peer groups of release {release_id}"))?;
        let mut out: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
        for (group, area) in rows {
            out.entry(group).or_default().push(area);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decile_labels_and_numbers_are_read() {
        for (label, d) in [
            ("Most deprived decile (IMD)", 1),
            ("Second most deprived decile (IMD2019)", 2),
            ("Third more deprived decile", 3),
            ("Fifth most deprived decile (IMD)", 5),
            ("Fifth less deprived decile", 6),
            ("Fifth least deprived decile (IMD)", 6),
            ("Second least deprived decile (IMD)", 9),
            ("Least deprived decile (IMD)", 10),
            ("7", 7),
        ] {
            assert_eq!(decile_of(label), Some(d), "{label}");
        }
        for label in ["", "0", "11", "Most deprived quintile (IMD)", "Middle decile"] {
            assert_eq!(decile_of(label), None, "{label}");
        }
    }

    #[test]
    fn a_score_is_the_weighted_mean_decile() {
        // Area 1: 100 people in decile 1, 300 in decile 3: (100 + 900) / 400 = 2.5.
        let rows = [(1, 1, 100.0), (1, 3, 300.0), (2, 10, 50.0), (2, 4, 0.0), (3, 5, f64::NAN)];
        assert_eq!(scores(&rows), [(1, 2.5), (2, 10.0)]);
    }

    #[test]
    fn the_basis_is_the_largest_population_at_its_latest_period() {
        let mut t = DecileTotals::default();
        // Indicator 1 (ages "All ages", breakdowns 10 and 11): 2020 has 500, 2021 has 400.
        t.add(1, 10, Some(2020), "2020", Some(300.0));
        t.add(1, 11, Some(2020), "2020", Some(200.0));
        t.add(1, 10, Some(2021), "2021", Some(250.0));
        t.add(1, 11, Some(2021), "2021", Some(150.0));
        // Indicator 2 ("<75 yrs", breakdown 20): 450 in its latest period, 2021: chosen.
        t.add(2, 20, Some(2021), "2021", Some(450.0));
        // A breakdown that is not a decile does not count.
        t.add(3, 30, Some(2021), "2021", Some(9_000.0));
        let of = |b: i64| match b {
            10 => Some(("All ages".to_string(), 1)),
            11 => Some(("All ages".to_string(), 2)),
            20 => Some(("<75 yrs".to_string(), 1)),
            _ => None,
        };
        let basis = t.basis(of).unwrap();
        assert_eq!(
            basis,
            Basis { indicator: 2, period: "2021".into(), age: "<75 yrs".into(), breakdowns: vec![(20, 1)] }
        );
        assert_eq!(DecileTotals::default().basis(of), None);
    }

    #[test]
    fn deciles_are_tenths_of_each_type() {
        // Twenty local authorities, scores 1.0, 1.1, …: two to a decile; a lone region none.
        let mut areas: Vec<(i64, String, f64)> =
            (0..20).map(|i| (i, "Local authority".to_string(), 1.0 + f64::from(i as i32) / 10.0)).collect();
        areas.push((99, "Region".into(), 5.0));
        let d = deciles_within_type(&areas);
        assert_eq!(d[0], Some(1));
        assert_eq!(d[1], Some(1));
        assert_eq!(d[2], Some(2));
        assert_eq!(d[19], Some(10));
        assert_eq!(d[20], None);
    }
}
