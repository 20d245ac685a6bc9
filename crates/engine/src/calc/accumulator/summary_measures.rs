//! HEAT's summary measures of inequality: the subgroups of one dimension of inequality.

use std::cmp::Ordering;

use stats::inequality::{DimensionInput, DimensionKind, MeasureCode, PopulationUnit, Subgroup};

use super::contract::{Accumulator, Refusal};
use crate::calc::summary_measures::parse_dimension_kind;

/// The order a dimension's subgroups are computed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubgroupOrder {
    /// The order they were added in (a file's order, which `fairer calc summary-measures`
    /// keeps), partial states merged after.
    AsAdded,
    /// By subgroup order, then estimate, SE and population (nulls last; equal rows in the order
    /// added): a fixed order for rows that come in none (SQL).
    Sorted,
}

/// The kind of a dimension as a row gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KindInput<'a> {
    /// Named in text: `binary`, `ordered`, `non-ordered` or HEAT's `1` and `0`
    /// ([`parse_dimension_kind`]).
    Text(&'a str),
    /// HEAT's `ordered_dimension` flag: 1 an ordered dimension, 0 a non-ordered one.
    Flag(Option<f64>),
    /// Given once for every dimension.
    Given(DimensionKind),
}

/// One subgroup of a dimension, with the values of its dimension that every row of the group
/// repeats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SummaryMeasuresRow<'a> {
    /// The subgroup's name; `None` names it at evaluation by its order or estimate (rows
    /// without names: SQL).
    pub subgroup: Option<&'a str>,
    /// The estimate (`None` when missing).
    pub estimate: Option<f64>,
    /// Its standard error.
    pub se: Option<f64>,
    /// Its lower 95% limit, for the SE where it is missing.
    pub lower_95: Option<f64>,
    /// Its upper 95% limit.
    pub upper_95: Option<f64>,
    /// The subgroup's population.
    pub population: Option<f64>,
    /// The subgroup order (1 the most disadvantaged).
    pub order: Option<f64>,
    /// The reference flag: 1 the reference subgroup, 0 or `None` another.
    pub reference: Option<f64>,
    /// The setting average (optional; the same on every row that has one).
    pub setting_average: Option<f64>,
    /// The kind of dimension (required).
    pub kind: KindInput<'a>,
    /// The favourable flag: 1 higher is better, 0 higher is worse (required).
    pub favourable: Option<f64>,
    /// The indicator scale: 100 for percentages, 1000 for rates per 1,000 (required).
    pub scale: Option<f64>,
    /// The measure to compute, when the rows name it ([`SummaryMeasures::with_measure`]).
    pub measure: Option<MeasureCode>,
}

/// The subgroups of one dimension of inequality for HEAT's summary measures
/// ([`stats::inequality`]).
///
/// Checks, row by row: the values of the dimension (its kind, whether the indicator is
/// favourable, the scale, the setting average and, with [`SummaryMeasures::with_measure`], the
/// measure) present where required, valid (flags 1 or 0, a scale > 0, a finite setting average)
/// and the same on every row of the group; the reference flag 1 or 0; a named subgroup named and
/// given once. With [`SummaryMeasures::check_numbers`], each subgroup's own numbers too (a
/// finite estimate, SE and population ≥ 0, finite limits, the lower at or below the upper, a
/// finite order), so that a refusal names its row; without it, [`stats::inequality`] checks
/// them when the measures are computed, naming the subgroup. [`Accumulator::merge`] makes the
/// same checks across the two states.
#[derive(Clone, Debug)]
pub struct SummaryMeasures {
    order: SubgroupOrder,
    population_unit: PopulationUnit,
    with_measure: bool,
    check_numbers: bool,
    subgroups: Vec<Subgroup>,
    kind: Option<DimensionKind>,
    /// Whether the kind was given as HEAT's flag (so refusals write it as 1 or 0).
    kind_as_flag: bool,
    favourable: Option<bool>,
    scale: Option<f64>,
    setting_average: Option<f64>,
    measure: Option<MeasureCode>,
}

/// What each input must be, in the words the refusals use.
const KIND_TEXT: &str = "a kind of dimension: 1 or ordered, 0 or non-ordered, or binary";
const KIND_FLAG: &str = "1 or 0 (1 an ordered dimension, 0 a non-ordered one)";
const FAVOURABLE: &str = "1 or 0 (1 higher is better, 0 higher is worse)";
const REFERENCE: &str = "1 or 0 (1 the reference subgroup, 0 another)";
const SCALE: &str = "a number > 0 (100 for percentages, 1000 for rates per 1,000, 1 for proportions)";
const MEASURE: &str = "a summary measure";
const SUBGROUP_TWICE: &str = "each subgroup once in a dimension (is a column that tells these rows apart, such as the indicator or dimension, missing from the group-by columns?)";

impl SummaryMeasures {
    /// An empty dimension whose subgroups are computed in `order`, their populations being
    /// `population_unit`.
    pub fn new(order: SubgroupOrder, population_unit: PopulationUnit) -> Self {
        SummaryMeasures {
            order,
            population_unit,
            with_measure: false,
            check_numbers: false,
            subgroups: Vec::new(),
            kind: None,
            kind_as_flag: false,
            favourable: None,
            scale: None,
            setting_average: None,
            measure: None,
        }
    }

    /// The rows name the measure to compute ([`SummaryMeasuresRow::measure`]): required and the
    /// same on every row.
    pub fn with_measure(mut self) -> Self {
        self.with_measure = true;
        self
    }

    /// Each subgroup's numbers are checked as its row is added (not only when computed).
    pub fn check_numbers(mut self) -> Self {
        self.check_numbers = true;
        self
    }

    /// Room for `additional` more subgroups.
    pub fn reserve(&mut self, additional: usize) {
        self.subgroups.reserve(additional);
    }

    /// The number of subgroups added.
    pub fn len(&self) -> usize {
        self.subgroups.len()
    }

    /// Whether no subgroup has been added.
    pub fn is_empty(&self) -> bool {
        self.subgroups.is_empty()
    }

    /// The measure the rows name ([`SummaryMeasures::with_measure`]).
    pub fn measure(&self) -> Option<MeasureCode> {
        self.measure
    }

    /// `compute` applied to the dimension, ready to compute as [`Accumulator::evaluate`] gives
    /// it, without copying the subgroups (they stay this accumulator's, in the order computed).
    ///
    /// # Errors
    /// As [`Accumulator::evaluate`].
    pub fn with_input<R>(&mut self, compute: impl FnOnce(&DimensionInput) -> R) -> Result<R, Refusal> {
        self.check_complete()?;
        arrange(&mut self.subgroups, self.order);
        let subgroups = std::mem::take(&mut self.subgroups);
        let input = self.input(subgroups);
        let result = compute(&input);
        self.subgroups = input.subgroups;
        Ok(result)
    }

    /// A dimension with the measure the rows name has none only without rows.
    fn check_complete(&self) -> Result<(), Refusal> {
        if self.with_measure && self.measure.is_none() {
            return Err(Refusal::Value { input: "measure", expected: MEASURE.into(), found: String::new() });
        }
        Ok(())
    }

    fn input(&self, subgroups: Vec<Subgroup>) -> DimensionInput {
        DimensionInput {
            subgroups,
            kind: self.kind.unwrap_or(DimensionKind::NonOrdered),
            favourable: self.favourable.unwrap_or(true),
            scale: self.scale.unwrap_or(1.0),
            setting_average: self.setting_average,
            population_unit: self.population_unit,
        }
    }

    /// The kind as a refusal writes it: HEAT's flag when given as one, else its name.
    fn kind_text(&self, kind: DimensionKind) -> String {
        match (self.kind_as_flag, kind) {
            (true, DimensionKind::Ordered) => "1".into(),
            (true, _) => "0".into(),
            (false, DimensionKind::Ordered) => "ordered".into(),
            (false, DimensionKind::NonOrdered) => "non-ordered".into(),
            (false, DimensionKind::Binary) => "binary".into(),
        }
    }

    /// Checks one row's subgroup numbers.
    fn check_subgroup_numbers(row: &SummaryMeasuresRow<'_>) -> Result<(), Refusal> {
        check(row.estimate, "estimate", "a finite estimate", f64::is_finite)?;
        check(row.se, "standard error", "a standard error ≥ 0", non_negative)?;
        check(row.lower_95, "lower 95% limit", "a finite lower 95% limit", f64::is_finite)?;
        check(row.upper_95, "upper 95% limit", "a finite upper 95% limit", f64::is_finite)?;
        if let (Some(l), Some(u)) = (row.lower_95, row.upper_95) {
            if l > u {
                return Err(Refusal::Value {
                    input: "lower 95% limit",
                    expected: format!("a lower 95% limit at or below the upper limit ({u})"),
                    found: l.to_string(),
                });
            }
        }
        check(row.population, "population", "a population ≥ 0", non_negative)?;
        check(row.order, "subgroup order", "a finite subgroup order", f64::is_finite)
    }
}

/// A value ≥ 0 (and finite).
fn non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

/// A present value that is not `ok` refused as `expected`.
fn check(value: Option<f64>, input: &'static str, expected: &str, ok: fn(f64) -> bool) -> Result<(), Refusal> {
    match value {
        Some(v) if !ok(v) => Err(Refusal::Value { input, expected: expected.into(), found: v.to_string() }),
        _ => Ok(()),
    }
}

/// A 0/1 flag as HEAT's template writes it, refused as `expected` otherwise (or when missing).
fn flag(value: Option<f64>, input: &'static str, expected: &str) -> Result<bool, Refusal> {
    match value {
        Some(1.0) => Ok(true),
        Some(0.0) => Ok(false),
        v => Err(Refusal::Value {
            input,
            expected: expected.into(),
            found: v.map(|x| x.to_string()).unwrap_or_default(),
        }),
    }
}

/// Sets `slot` to `value`, or checks it already holds the same one (`show` writes them).
fn same<T: PartialEq + Copy>(
    slot: &mut Option<T>,
    value: T,
    input: &'static str,
    show: impl Fn(T) -> String,
) -> Result<(), Refusal> {
    match *slot {
        Some(old) if old != value => Err(Refusal::Differs { input, first: show(old), found: show(value) }),
        Some(_) => Ok(()),
        None => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// A flag as a refusal writes it.
fn flag_text(flag: bool) -> String {
    if flag { "1" } else { "0" }.to_string()
}

/// Null-last order of optional numbers.
fn cmp_option(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The subgroups in `order`, those without a name named by their order, else their estimate,
/// else their place (`subgroup 3 of the group`).
fn arrange(subgroups: &mut [Subgroup], order: SubgroupOrder) {
    if order == SubgroupOrder::Sorted {
        subgroups.sort_by(|a, b| {
            cmp_option(a.order, b.order)
                .then(cmp_option(a.estimate, b.estimate))
                .then(cmp_option(a.se, b.se))
                .then(cmp_option(a.population, b.population))
        });
    }
    for (k, g) in subgroups.iter_mut().enumerate() {
        if g.name.is_empty() {
            g.name = match (g.order, g.estimate) {
                (Some(o), _) => format!("subgroup_order {o}"),
                (None, Some(e)) => format!("estimate {e}"),
                (None, None) => format!("subgroup {} of the group", k + 1),
            };
        }
    }
}

impl Accumulator for SummaryMeasures {
    type Row<'a> = SummaryMeasuresRow<'a>;
    type Output = DimensionInput;

    fn update(&mut self, row: SummaryMeasuresRow<'_>) -> Result<(), Refusal> {
        if let Some(name) = row.subgroup {
            if name.trim().is_empty() {
                return Err(Refusal::Value {
                    input: "subgroup",
                    expected: "a subgroup name".into(),
                    found: String::new(),
                });
            }
            if self.subgroups.iter().any(|g| g.name == name) {
                return Err(Refusal::Value { input: "subgroup", expected: SUBGROUP_TWICE.into(), found: name.into() });
            }
        }
        if self.check_numbers {
            Self::check_subgroup_numbers(&row)?;
        }
        let reference = match row.reference {
            None => false,
            v => flag(v, "reference flag", REFERENCE)?,
        };
        if let Some(avg) = row.setting_average {
            check(Some(avg), "setting average", "a finite number", f64::is_finite)?;
            same(&mut self.setting_average, avg, "setting average", |v| v.to_string())?;
        }
        let favourable = flag(row.favourable, "favourable flag", FAVOURABLE)?;
        same(&mut self.favourable, favourable, "favourable flag", flag_text)?;
        let scale = row.scale.filter(|x| x.is_finite() && *x > 0.0).ok_or_else(|| Refusal::Value {
            input: "indicator scale",
            expected: SCALE.into(),
            found: row.scale.map(|x| x.to_string()).unwrap_or_default(),
        })?;
        same(&mut self.scale, scale, "indicator scale", |v| v.to_string())?;
        let kind = match row.kind {
            KindInput::Given(k) => k,
            KindInput::Text(text) => parse_dimension_kind(text).ok_or_else(|| Refusal::Value {
                input: "kind of dimension",
                expected: KIND_TEXT.into(),
                found: text.to_string(),
            })?,
            KindInput::Flag(v) => {
                self.kind_as_flag = true;
                if flag(v, "kind of dimension", KIND_FLAG)? {
                    DimensionKind::Ordered
                } else {
                    DimensionKind::NonOrdered
                }
            }
        };
        let mut slot = self.kind;
        same(&mut slot, kind, "kind of dimension", |k| self.kind_text(k))?;
        self.kind = slot;
        if self.with_measure {
            let measure = row.measure.ok_or_else(|| Refusal::Value {
                input: "measure",
                expected: MEASURE.into(),
                found: String::new(),
            })?;
            same(&mut self.measure, measure, "measure", |m| m.code().to_string())?;
        }
        self.subgroups.push(Subgroup {
            name: row.subgroup.map(str::to_string).unwrap_or_default(),
            estimate: row.estimate,
            se: row.se,
            lower_95: row.lower_95,
            upper_95: row.upper_95,
            population: row.population,
            order: row.order,
            reference,
        });
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Refusal> {
        if let Some(avg) = other.setting_average {
            same(&mut self.setting_average, avg, "setting average", |v| v.to_string())?;
        }
        if let Some(f) = other.favourable {
            same(&mut self.favourable, f, "favourable flag", flag_text)?;
        }
        if let Some(s) = other.scale {
            same(&mut self.scale, s, "indicator scale", |v| v.to_string())?;
        }
        if let Some(k) = other.kind {
            self.kind_as_flag |= other.kind_as_flag;
            let mut slot = self.kind;
            same(&mut slot, k, "kind of dimension", |k| self.kind_text(k))?;
            self.kind = slot;
        }
        if let Some(m) = other.measure {
            same(&mut self.measure, m, "measure", |m| m.code().to_string())?;
        }
        if let Some(g) =
            other.subgroups.iter().find(|g| !g.name.is_empty() && self.subgroups.iter().any(|h| h.name == g.name))
        {
            return Err(Refusal::Value { input: "subgroup", expected: SUBGROUP_TWICE.into(), found: g.name.clone() });
        }
        self.subgroups.extend(other.subgroups);
        Ok(())
    }

    /// The dimension ready to compute ([`stats::inequality::summary_measures_of`]), its
    /// subgroups in the accumulator's order; [`SummaryMeasures::with_input`] lends it without
    /// copying. Without rows: a non-ordered, favourable dimension of scale 1.
    fn evaluate(&self) -> Result<DimensionInput, Refusal> {
        self.check_complete()?;
        let mut subgroups = self.subgroups.clone();
        arrange(&mut subgroups, self.order);
        Ok(self.input(subgroups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A subgroup of an ordered, favourable dimension of scale 100.
    fn row(name: Option<&str>, order: f64, estimate: f64) -> SummaryMeasuresRow<'_> {
        SummaryMeasuresRow {
            subgroup: name,
            estimate: Some(estimate),
            se: Some(2.0),
            lower_95: None,
            upper_95: None,
            population: Some(1000.0),
            order: Some(order),
            reference: None,
            setting_average: None,
            kind: KindInput::Flag(Some(1.0)),
            favourable: Some(1.0),
            scale: Some(100.0),
            measure: Some(MeasureCode::D),
        }
    }

    #[test]
    fn a_dimension_value_that_differs_between_rows_is_refused() {
        let mut d = SummaryMeasures::new(SubgroupOrder::AsAdded, PopulationUnit::Count);
        d.update(row(Some("Q1"), 1.0, 50.0)).unwrap();
        let adverse = SummaryMeasuresRow { favourable: Some(0.0), ..row(Some("Q2"), 2.0, 60.0) };
        assert_eq!(
            d.update(adverse),
            Err(Refusal::Differs { input: "favourable flag", first: "1".into(), found: "0".into() })
        );
        let per_1000 = SummaryMeasuresRow { scale: Some(1000.0), ..row(Some("Q2"), 2.0, 60.0) };
        assert_eq!(
            d.update(per_1000),
            Err(Refusal::Differs { input: "indicator scale", first: "100".into(), found: "1000".into() })
        );
        let named = SummaryMeasuresRow { kind: KindInput::Text("non-ordered"), ..row(Some("Q2"), 2.0, 60.0) };
        let mut t = SummaryMeasures::new(SubgroupOrder::AsAdded, PopulationUnit::Count);
        t.update(SummaryMeasuresRow { kind: KindInput::Text("1"), ..row(Some("Q1"), 1.0, 50.0) }).unwrap();
        assert_eq!(
            t.update(named),
            Err(Refusal::Differs { input: "kind of dimension", first: "ordered".into(), found: "non-ordered".into() })
        );
        // The measure only when the rows name it.
        let mut m = SummaryMeasures::new(SubgroupOrder::Sorted, PopulationUnit::Count).with_measure();
        m.update(row(None, 1.0, 50.0)).unwrap();
        let r = SummaryMeasuresRow { measure: Some(MeasureCode::R), ..row(None, 2.0, 60.0) };
        assert_eq!(m.update(r), Err(Refusal::Differs { input: "measure", first: "d".into(), found: "r".into() }));
        d.update(r).unwrap();
        // The setting average may be missing on some rows, but not differ.
        let with_average = |avg| SummaryMeasuresRow { setting_average: Some(avg), ..row(Some("Q3"), 3.0, 70.0) };
        d.update(with_average(41.5)).unwrap();
        d.update(SummaryMeasuresRow { subgroup: Some("Q4"), ..row(None, 4.0, 75.0) }).unwrap();
        let e = d.update(SummaryMeasuresRow { subgroup: Some("Q5"), ..with_average(42.0) }).unwrap_err();
        assert_eq!(e, Refusal::Differs { input: "setting average", first: "41.5".into(), found: "42".into() });
    }

    #[test]
    fn a_flag_of_2_is_refused() {
        let mut d = SummaryMeasures::new(SubgroupOrder::AsAdded, PopulationUnit::Count);
        let two = |r: SummaryMeasuresRow<'static>| {
            let mut d = SummaryMeasures::new(SubgroupOrder::AsAdded, PopulationUnit::Count);
            d.update(r).unwrap_err()
        };
        assert_eq!(
            two(SummaryMeasuresRow { reference: Some(2.0), ..row(Some("Q1"), 1.0, 50.0) }),
            Refusal::Value { input: "reference flag", expected: REFERENCE.into(), found: "2".into() }
        );
        assert_eq!(
            two(SummaryMeasuresRow { favourable: Some(2.0), ..row(Some("Q1"), 1.0, 50.0) }),
            Refusal::Value { input: "favourable flag", expected: FAVOURABLE.into(), found: "2".into() }
        );
        assert_eq!(
            two(SummaryMeasuresRow { kind: KindInput::Flag(Some(2.0)), ..row(Some("Q1"), 1.0, 50.0) }),
            Refusal::Value { input: "kind of dimension", expected: KIND_FLAG.into(), found: "2".into() }
        );
        assert_eq!(
            two(SummaryMeasuresRow { kind: KindInput::Text("2"), ..row(Some("Q1"), 1.0, 50.0) }),
            Refusal::Value { input: "kind of dimension", expected: KIND_TEXT.into(), found: "2".into() }
        );
        // Missing required values and a scale of 0.
        assert_eq!(
            two(SummaryMeasuresRow { favourable: None, ..row(Some("Q1"), 1.0, 50.0) }),
            Refusal::Value { input: "favourable flag", expected: FAVOURABLE.into(), found: String::new() }
        );
        assert_eq!(
            two(SummaryMeasuresRow { scale: Some(0.0), ..row(Some("Q1"), 1.0, 50.0) }),
            Refusal::Value { input: "indicator scale", expected: SCALE.into(), found: "0".into() }
        );
        // A flag of 1 and of 0 is taken; a refused row leaves nothing behind.
        d.update(SummaryMeasuresRow { reference: Some(1.0), ..row(Some("Q1"), 1.0, 50.0) }).unwrap();
        d.update(SummaryMeasuresRow { reference: Some(0.0), ..row(Some("Q2"), 2.0, 60.0) }).unwrap();
        assert!(d.update(SummaryMeasuresRow { reference: Some(2.0), ..row(Some("Q3"), 3.0, 70.0) }).is_err());
        let input = d.evaluate().unwrap();
        assert_eq!(input.subgroups.iter().map(|g| g.reference).collect::<Vec<_>>(), [true, false]);
    }

    #[test]
    fn merging_two_partial_states_is_one_state_with_all_rows() {
        let rows = [
            row(Some("Q3"), 3.0, 65.0),
            row(Some("Q1"), 1.0, 50.0),
            row(Some("Q5"), 5.0, 80.0),
            row(Some("Q2"), 2.0, 60.0),
            row(Some("Q4"), 4.0, 72.0),
        ];
        for order in [SubgroupOrder::AsAdded, SubgroupOrder::Sorted] {
            let mut all = SummaryMeasures::new(order, PopulationUnit::Count).check_numbers();
            all.update_batch(rows).unwrap();
            let mut first = SummaryMeasures::new(order, PopulationUnit::Count).check_numbers();
            first.update_batch(rows[..2].iter().copied()).unwrap();
            let mut second = SummaryMeasures::new(order, PopulationUnit::Count).check_numbers();
            second.update_batch(rows[2..].iter().copied()).unwrap();
            first.merge(second).unwrap();
            let merged = first.evaluate().unwrap();
            assert_eq!(merged, all.evaluate().unwrap());
            let names: Vec<&str> = merged.subgroups.iter().map(|g| g.name.as_str()).collect();
            let expected = match order {
                SubgroupOrder::AsAdded => ["Q3", "Q1", "Q5", "Q2", "Q4"],
                SubgroupOrder::Sorted => ["Q1", "Q2", "Q3", "Q4", "Q5"],
            };
            assert_eq!(names, expected);
            assert_eq!(merged.kind, DimensionKind::Ordered);
            assert!(merged.favourable);
            assert_eq!(merged.scale, 100.0);
        }
        // States that disagree, or share a subgroup, do not merge.
        let mut a = SummaryMeasures::new(SubgroupOrder::AsAdded, PopulationUnit::Count);
        a.update(row(Some("Q1"), 1.0, 50.0)).unwrap();
        let mut b = a.clone();
        assert_eq!(
            a.clone().merge(b.clone()),
            Err(Refusal::Value { input: "subgroup", expected: SUBGROUP_TWICE.into(), found: "Q1".into() })
        );
        b = SummaryMeasures::new(SubgroupOrder::AsAdded, PopulationUnit::Count);
        b.update(SummaryMeasuresRow { favourable: Some(0.0), ..row(Some("Q2"), 2.0, 60.0) }).unwrap();
        assert_eq!(
            a.merge(b),
            Err(Refusal::Differs { input: "favourable flag", first: "1".into(), found: "0".into() })
        );
    }

    #[test]
    fn sorted_rows_without_names_are_named_by_order_or_estimate() {
        let mut d = SummaryMeasures::new(SubgroupOrder::Sorted, PopulationUnit::Count).with_measure();
        let plain = |estimate: Option<f64>| SummaryMeasuresRow { order: None, estimate, ..row(None, 0.0, 0.0) };
        d.update_batch([plain(Some(30.0)), plain(None), plain(Some(10.0))]).unwrap();
        let names: Vec<String> = d.evaluate().unwrap().subgroups.into_iter().map(|g| g.name).collect();
        assert_eq!(names, ["estimate 10", "estimate 30", "subgroup 3 of the group"]);
        assert_eq!(d.measure(), Some(MeasureCode::D));
        let n = d.with_input(|input| input.subgroups.len()).unwrap();
        assert_eq!((n, d.len()), (3, 3));
        // Subgroup numbers are checked as rows come only when asked.
        let negative = SummaryMeasuresRow { se: Some(-3.0), ..row(Some("Q1"), 1.0, 50.0) };
        let mut checked = SummaryMeasures::new(SubgroupOrder::AsAdded, PopulationUnit::Count).check_numbers();
        assert_eq!(
            checked.update(negative),
            Err(Refusal::Value {
                input: "standard error",
                expected: "a standard error ≥ 0".into(),
                found: "-3".into()
            })
        );
        SummaryMeasures::new(SubgroupOrder::Sorted, PopulationUnit::Count).update(negative).unwrap();
        // Without rows, a dimension that names its measure has none.
        let empty = SummaryMeasures::new(SubgroupOrder::Sorted, PopulationUnit::Count).with_measure();
        assert_eq!(empty.evaluate().unwrap_err().input(), Some("measure"));
    }
}
