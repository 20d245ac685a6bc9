//! Quantiles of small areas within a group (deprivation deciles, quintiles, …).
//!
//! Port of `phe_quantile` from PHEindicatormethods 2.1.0 (the reference). Each small area with a
//! value is ranked within its group, ties taking the lowest rank, and placed in one of `nq`
//! quantiles of (as near as possible) equal count:
//!
//! ```text
//! N        = number of areas in the group with a value
//! rank     = rank of the value, ties at the minimum ("min" ties method);
//!            ranked from highest to lowest when inverted, lowest to highest otherwise
//! quantile = floor((nq + 1) − ceiling(((N + 1) − rank) / (N / nq)))
//! quantile = 1 where the formula gives 0
//! ```
//!
//! Inverted (the default, `invert = true`): quantile 1 holds the highest values, as for an index
//! of multiple deprivation score where quantile 1 is the most deprived. With `invert = false`
//! quantile 1 holds the lowest values.
//!
//! Areas without a value (missing or NaN) get no quantile and do not count towards N. A group
//! with fewer values than quantiles gets no quantiles at all; the reference then warns "One or
//! more groups had too few small areas with values to allow quantiles to be assigned"
//! ([`TOO_FEW_VALUES_WARNING`], test with [`too_few_values`]).
//!
//! The arithmetic follows the reference operation by operation in binary64, so that values on
//! a quantile boundary land where the reference puts them (the "0 becomes 1" rule exists
//! because `N / (N / nq)` can round just above `nq`).
//!
//! Reference: PHEindicatormethods 2.1.0, `phe_quantile` (R/Quantiles.R); OHID Public Health
//! Data Science, "Technical guidance: assigning deprivation categories".

use crate::StatsError;

/// The reference's warning for a group that had too few values to be given quantiles.
pub const TOO_FEW_VALUES_WARNING: &str =
    "One or more groups had too few small areas with values to allow quantiles to be assigned";

/// Whether a group would get no quantiles because it has fewer values than quantiles.
///
/// True when the number of present, non-NaN values N is below `nquantiles` (including a group
/// whose values are all missing). The reference warns with [`TOO_FEW_VALUES_WARNING`] when any
/// group is in this state.
pub fn too_few_values(values: &[Option<f64>], nquantiles: u32) -> bool {
    count_present(values) < nquantiles as usize
}

fn count_present(values: &[Option<f64>]) -> usize {
    values.iter().filter(|v| present(**v).is_some()).count()
}

fn present(value: Option<f64>) -> Option<f64> {
    value.filter(|v| !v.is_nan())
}

/// Assigns each value of one group to a quantile, 1 to `nquantiles`.
///
/// Formula (N = number of present values, rank with ties at the minimum):
/// `quantile = floor((nq + 1) − ceiling(((N + 1) − rank) / (N / nq)))`, and 0 becomes 1.
///
/// - `invert = true` (the reference's default): quantile 1 holds the highest values (ranked
///   as `rank(−value)`); `invert = false`: quantile 1 holds the lowest values.
/// - `None` or NaN values get `None` and do not count towards N. Infinite values are ranked
///   like any other value.
/// - A group with fewer present values than `nquantiles` gets `None` everywhere
///   (see [`too_few_values`] and [`TOO_FEW_VALUES_WARNING`]).
///
/// The output has one entry per input value, in the input order. The caller groups the data
/// (for example by indicator, sex and region) and calls this once per group.
///
/// Reference: PHEindicatormethods 2.1.0, `phe_quantile`.
///
/// # Errors
/// [`StatsError::OutOfRange`] when `nquantiles` is 0.
pub fn assign_quantiles(values: &[Option<f64>], nquantiles: u32, invert: bool) -> Result<Vec<Option<u32>>, StatsError> {
    if nquantiles == 0 {
        return Err(StatsError::OutOfRange { field: "nquantiles", expected: "at least 1", value: 0.0 });
    }
    let mut out = vec![None; values.len()];
    // Present values with their positions, ordered so that rank 1 comes first.
    let mut order: Vec<(usize, f64)> =
        values.iter().enumerate().filter_map(|(i, v)| present(*v).map(|v| (i, v))).collect();
    let n = order.len();
    if n < nquantiles as usize {
        return Ok(out);
    }
    // NaN is excluded above, so partial_cmp is total here; −0.0 and 0.0 compare equal as in R.
    if invert {
        order.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    } else {
        order.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
    }
    let n_f = n as f64;
    let nq_f = f64::from(nquantiles);
    let width = n_f / nq_f;
    let mut rank = 1usize;
    for (pos, &(index, value)) in order.iter().enumerate() {
        // Ties take the minimum rank: a value equal to its predecessor keeps its rank.
        if pos > 0 && value != order[pos - 1].1 {
            rank = pos + 1;
        }
        let q = ((nq_f + 1.0) - (((n_f + 1.0) - rank as f64) / width).ceil()).floor();
        let q = if q == 0.0 { 1.0 } else { q };
        // q lies in 0..=nq by construction (rank in 1..=N); clamp for safety, never panic.
        out[index] = Some(q.clamp(1.0, nq_f) as u32);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn deciles_of_ten_values() {
        let values: Vec<Option<f64>> = (1..=10).map(|v| Some(f64::from(v))).collect();
        let inverted = assign_quantiles(&values, 10, true).unwrap();
        let expected: Vec<Option<u32>> = (1..=10).rev().map(Some).collect();
        assert_eq!(inverted, expected);
        let plain = assign_quantiles(&values, 10, false).unwrap();
        let expected: Vec<Option<u32>> = (1..=10).map(Some).collect();
        assert_eq!(plain, expected);
    }

    #[test]
    fn ties_share_the_minimum_rank() {
        // Hand case: values 5, 3, 3, 1, 1, 1 in 3 quantiles, not inverted.
        // N = 6, N/nq = 2. Ranks (ties at min): 6, 4, 4, 1, 1, 1.
        // rank 6: floor(4 − ceil((7 − 6)/2)) = 4 − 1 = 3
        // rank 4: floor(4 − ceil((7 − 4)/2)) = 4 − 2 = 2
        // rank 1: floor(4 − ceil((7 − 1)/2)) = 4 − 3 = 1
        let values = [Some(5.0), Some(3.0), Some(3.0), Some(1.0), Some(1.0), Some(1.0)];
        let q = assign_quantiles(&values, 3, false).unwrap();
        assert_eq!(q, vec![Some(3), Some(2), Some(2), Some(1), Some(1), Some(1)]);
        // Inverted: ranks of −value: 1, 2, 2, 4, 4, 4 → 1, 1, 1, 2, 2, 2.
        let q = assign_quantiles(&values, 3, true).unwrap();
        assert_eq!(q, vec![Some(1), Some(1), Some(1), Some(2), Some(2), Some(2)]);
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        let values = [Some(0.0), Some(-0.0), Some(1.0), Some(2.0)];
        let q = assign_quantiles(&values, 2, false).unwrap();
        assert_eq!(q[0], q[1]);
    }

    #[test]
    fn missing_values_get_none_and_do_not_count() {
        let values = [Some(4.0), None, Some(3.0), Some(f64::NAN), Some(2.0), Some(1.0)];
        let q = assign_quantiles(&values, 4, false).unwrap();
        assert_eq!(q, vec![Some(4), None, Some(3), None, Some(2), Some(1)]);
        assert!(!too_few_values(&values, 4));
    }

    #[test]
    fn too_few_values_gives_no_quantiles() {
        let values = [Some(4.0), None, Some(3.0), Some(2.0)];
        let q = assign_quantiles(&values, 4, true).unwrap();
        assert_eq!(q, vec![None; 4]);
        assert!(too_few_values(&values, 4));
        assert!(too_few_values(&[None, None], 1));
        assert!(assign_quantiles(&[], 3, true).unwrap().is_empty());
    }

    #[test]
    fn zero_quantiles_is_refused() {
        assert!(assign_quantiles(&[Some(1.0)], 0, true).is_err());
    }

    #[test]
    fn zero_becomes_one_at_the_top_rank() {
        // 17 values, 7 quantiles, not inverted: N/nq = 17/7 and, in binary64,
        // 17 / (17/7) = 7.000000000000001. For rank 1: ceil((18 − 1)/(17/7)) = 8, so the
        // formula gives floor(8 − 8) = 0, which the reference turns into 1.
        let (n, nq) = (std::hint::black_box(17.0f64), 7.0f64);
        assert!(n / (n / nq) > nq);
        let values: Vec<Option<f64>> = (1..=17).map(|v| Some(f64::from(v))).collect();
        let q = assign_quantiles(&values, 7, false).unwrap();
        let expected: Vec<Option<u32>> = (1..=17)
            .map(|r| {
                let q = (8.0 - ((18.0 - f64::from(r)) / (17.0 / 7.0)).ceil()).floor();
                Some(if q == 0.0 { 1 } else { q as u32 })
            })
            .collect();
        assert_eq!(q, expected);
        assert_eq!(q[0], Some(1));
        assert_eq!(q[16], Some(7));
    }

    /// One row of the reference's quantile test workbook.
    struct Row {
        ind_sex_ref: String,
        parent_code: String,
        polarity: bool,
        value: Option<f64>,
        group_set: String,
        expected: Option<u32>,
    }

    /// Splits one CSV line with quoted fields (no embedded quotes in this file).
    fn split_csv(line: &str) -> Vec<String> {
        let mut fields = Vec::new();
        let mut current = String::new();
        let mut quoted = false;
        for ch in line.chars() {
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => fields.push(std::mem::take(&mut current)),
                _ => current.push(ch),
            }
        }
        fields.push(current);
        fields
    }

    /// Checks every row of `testdata_Quantiles__testdata_Quantiles.csv` (PHEindicatormethods
    /// 2.1.0 test workbook `testdata_Quantiles.xlsx`) against `QuantileInGrp`, grouped as in
    /// the reference's tests/testthat/testQuantiles.R (rows whose `Test` starts "Good";
    /// Polarity "RAG - Low is good" means inverted, "RAG - High is good" not, as in the
    /// package's test set-up):
    /// - df1: GroupSet "IndSexReg", groups IndSexRef × ParentCode, invert = Polarity, deciles;
    /// - df2: the "90366Female" rows of df1 with invert = FALSE, deciles;
    /// - df3: GroupSet "IndSex", groups IndSexRef, invert = Polarity, 7 quantiles;
    /// - df4: GroupSet "None", one group, invert = TRUE, 4 quantiles.
    #[test]
    fn reference_quantiles_workbook() {
        let text = crate::testdata::reference_text("testdata_Quantiles__testdata_Quantiles.csv");
        let mut lines = text.lines();
        let header = split_csv(lines.next().unwrap());
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (c_ind, c_parent, c_pol, c_value, c_test, c_set, c_q) = (
            col("IndSexRef"),
            col("ParentCode"),
            col("Polarity"),
            col("Value"),
            col("Test"),
            col("GroupSet"),
            col("QuantileInGrp"),
        );
        let rows: Vec<Row> = lines
            .map(split_csv)
            .filter(|f| f[c_test].starts_with("Good"))
            .map(|f| Row {
                ind_sex_ref: f[c_ind].clone(),
                parent_code: f[c_parent].clone(),
                polarity: match f[c_pol].as_str() {
                    "RAG - Low is good" | "TRUE" => true,
                    "RAG - High is good" | "FALSE" => false,
                    other => panic!("unexpected polarity {other}"),
                },
                value: if f[c_value].is_empty() { None } else { Some(f[c_value].parse().unwrap()) },
                group_set: f[c_set].clone(),
                expected: if f[c_q].is_empty() { None } else { Some(f[c_q].parse().unwrap()) },
            })
            .collect();

        type Key = (String, String);
        let mut checked = 0;
        let mut check = |name: &str,
                         select: &dyn Fn(&Row) -> bool,
                         key: &dyn Fn(&Row) -> Key,
                         nq: u32,
                         invert: &dyn Fn(&Row) -> bool| {
            let mut groups: BTreeMap<Key, Vec<&Row>> = BTreeMap::new();
            for row in rows.iter().filter(|r| select(r)) {
                groups.entry(key(row)).or_default().push(row);
            }
            assert!(!groups.is_empty(), "{name}: no rows");
            for (k, group) in &groups {
                let inv = invert(group[0]);
                assert!(group.iter().all(|r| invert(r) == inv), "{name} {k:?}: mixed polarity");
                let values: Vec<Option<f64>> = group.iter().map(|r| r.value).collect();
                let got = assign_quantiles(&values, nq, inv).unwrap();
                for (row, q) in group.iter().zip(&got) {
                    assert_eq!(*q, row.expected, "{name} {k:?} value {:?}", row.value);
                    checked += 1;
                }
            }
        };
        check("df1", &|r| r.group_set == "IndSexReg", &|r| (r.ind_sex_ref.clone(), r.parent_code.clone()), 10, &|r| {
            r.polarity
        });
        check(
            "df2",
            &|r| r.group_set == "IndSexReg" && r.ind_sex_ref == "90366Female",
            &|r| (r.ind_sex_ref.clone(), r.parent_code.clone()),
            10,
            &|_| false,
        );
        check("df3", &|r| r.group_set == "IndSex", &|r| (r.ind_sex_ref.clone(), String::new()), 7, &|r| r.polarity);
        check("df4", &|r| r.group_set == "None", &|_| (String::new(), String::new()), 4, &|_| true);
        // 339 + 152 + 152 + 491 rows.
        assert_eq!(checked, 1134);
    }

    proptest! {
        #[test]
        fn quantiles_are_in_range_and_monotone(
            values in proptest::collection::vec(proptest::option::weighted(0.9, -1e6f64..1e6), 0..200),
            nq in 1u32..20,
            invert: bool,
        ) {
            let q = assign_quantiles(&values, nq, invert).unwrap();
            prop_assert_eq!(q.len(), values.len());
            let n = values.iter().flatten().count();
            for (v, q) in values.iter().zip(&q) {
                if v.is_none() || n < nq as usize {
                    prop_assert!(q.is_none());
                } else {
                    let q = q.unwrap();
                    prop_assert!((1..=nq).contains(&q));
                }
            }
            // Monotone: a higher value never sits in a lower quantile (reversed when inverted);
            // equal values share a quantile.
            for (a, qa) in values.iter().zip(&q) {
                for (b, qb) in values.iter().zip(&q) {
                    if let (Some(a), Some(b), Some(qa), Some(qb)) = (a, b, qa, qb) {
                        if a == b { prop_assert_eq!(qa, qb); }
                        if a < b {
                            if invert { prop_assert!(qa >= qb); } else { prop_assert!(qa <= qb); }
                        }
                    }
                }
            }
        }

        #[test]
        fn never_panics(values in proptest::collection::vec(proptest::option::of(proptest::num::f64::ANY), 0..50), nq in 0u32..60, invert: bool) {
            let _ = assign_quantiles(&values, nq, invert);
        }
    }
}
