//! The breakdowns of an indicator: its slot layout.
//!
//! Every area's values are computed for a list of *slots*: the whole area first, then one slot
//! per category of each breakdown the indicator asks for, in the catalogue's order of kinds:
//! deprivation quantiles (1 = most deprived, at slots 1 … Q so that slot `q` is quantile `q`),
//! Core20 and the rest of the population, the categories of each classification (such as
//! ethnicity, from a table column), age bands (sums of life-table bands), and, for published
//! values, each (category type, category) pair found in the file. Each slot carries the
//! category type and category its result rows are written with, and where its counts come from
//! ([`SlotFrom`]). One layout serves computed and published values, so the result rows stay
//! long (one row per slot) and the results' columns are the same for every breakdown.

use std::ops::Range;
use std::sync::Arc;

use super::catalogue::{Catalogue, CategoryKind, DeprivationBreakdown, Indicator, OtherBreakdown};
use super::results::ResultRow;

/// The category type of Core20 rows.
pub const CORE20_TYPE: &str = "Core20 (most deprived 20% nationally, IMD)";

/// The category of the most deprived 20% of small areas nationally (national IMD deciles 1–2).
pub const CORE20: &str = "Core20";

/// The category of the other 80% (national IMD deciles 3–10).
pub const CORE20_REST: &str = "Rest of population";

/// Where a slot's counts or values come from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SlotFrom {
    /// The whole area: every small area (slot 0).
    Whole,
    /// Deprivation quantile `q` (1 = most deprived) of the indicator's deprivation breakdown.
    Deprivation(u8),
    /// National deciles 1–2 (`true`: Core20) or 3–10 (`false`: the rest), summed before any
    /// statistic.
    Core20(bool),
    /// Category `c` of the catalogue's classification `k` (read from a table column).
    Category(usize, usize),
    /// The whole area's counts in these life-table bands only.
    AgeBand(Range<usize>),
    /// A published (category type, category) pair kept as found (index in order of appearance).
    Published(usize),
}

/// One slot: the category type and category of its result rows, and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    /// The rows' category type (empty for the whole area).
    pub category_type: Arc<str>,
    /// The rows' category (empty for the whole area).
    pub category: Arc<str>,
    /// Where its counts or values come from.
    pub from: SlotFrom,
}

/// The slots of an indicator's values: `slots[0]` is the whole area.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    /// The slots, whole area first.
    pub slots: Vec<Slot>,
}

impl Layout {
    /// The whole area only.
    pub fn whole() -> Layout {
        Layout { slots: vec![Slot { category_type: "".into(), category: "".into(), from: SlotFrom::Whole }] }
    }

    /// The whole area, then the quantiles of `breakdown` (slot `q` = quantile `q`), labelled
    /// with `category_type` or the breakdown's own type.
    pub fn deprivation(breakdown: DeprivationBreakdown, category_type: Option<&str>) -> Layout {
        let mut layout = Layout::whole();
        layout.push_deprivation(breakdown, category_type);
        layout
    }

    /// Adds the quantile slots of `breakdown` (call first after [`Layout::whole`], so that
    /// slot `q` is quantile `q`).
    pub fn push_deprivation(&mut self, breakdown: DeprivationBreakdown, category_type: Option<&str>) {
        let t: Arc<str> = category_type.unwrap_or(breakdown.category_type()).into();
        for q in 1..=breakdown.quantiles {
            self.slots.push(Slot {
                category_type: t.clone(),
                category: breakdown.category(q as usize).into(),
                from: SlotFrom::Deprivation(q),
            });
        }
    }

    /// Adds the Core20 slot and the rest of the population's.
    pub fn push_core20(&mut self) {
        for (core, label) in [(true, CORE20), (false, CORE20_REST)] {
            self.slots.push(Slot {
                category_type: CORE20_TYPE.into(),
                category: label.into(),
                from: SlotFrom::Core20(core),
            });
        }
    }

    /// The number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no slots (never for a layout built here: the whole area is slot 0).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The deprivation quantile slots: (quantile, slot index), most deprived first.
    pub fn deprivation_slots(&self) -> Vec<(usize, usize)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s.from {
                SlotFrom::Deprivation(q) => Some((q as usize, i)),
                _ => None,
            })
            .collect()
    }

    /// Whether a slot counts small areas by deprivation (quantiles or Core20), so that its
    /// counts need the small areas' quantiles.
    pub fn has_deprivation(&self) -> bool {
        self.slots.iter().any(|s| matches!(s.from, SlotFrom::Deprivation(_)))
    }
}

/// The slot layout of an indicator computed from counts: the whole area, then its deprivation
/// quantiles (if it has a deprivation breakdown), then its other breakdowns in the catalogue's
/// order: Core20 and the rest; each category of a classification (with the classification's
/// name as the category type); each age band.
pub fn layout(indicator: &Indicator, catalogue: &Catalogue) -> Layout {
    let mut layout = Layout::whole();
    if let Some(b) = indicator.deprivation {
        layout.push_deprivation(b, None);
    }
    for other in &indicator.other_breakdowns {
        match *other {
            OtherBreakdown::Core20 => layout.push_core20(),
            OtherBreakdown::Classification(k) => {
                let Some(c) = catalogue.category_types.get(k) else { continue };
                let t: Arc<str> = c.name.as_str().into();
                match &c.kind {
                    CategoryKind::Categories(list) => {
                        for (i, d) in list.iter().enumerate() {
                            layout.slots.push(Slot {
                                category_type: t.clone(),
                                category: d.label.as_str().into(),
                                from: SlotFrom::Category(k, i),
                            });
                        }
                    }
                    CategoryKind::AgeBands(bands) => {
                        for (range, label) in bands {
                            layout.slots.push(Slot {
                                category_type: t.clone(),
                                category: label.as_str().into(),
                                from: SlotFrom::AgeBand(range.clone()),
                            });
                        }
                    }
                }
            }
        }
    }
    layout
}

/// The note of a category that is not stated ("Not stated", "Not known"): its count and
/// denominator are kept, its value is not.
pub const UNSTATED_NOTE: &str =
    "a category that is not stated: shown as a count and a share, not a rate (its numerator and denominator are recorded by different systems)";

/// Whether each slot of `layout` is a category that is not stated (`stated = false`).
pub fn unstated_slots(layout: &Layout, catalogue: &Catalogue) -> Vec<bool> {
    layout
        .slots
        .iter()
        .map(|s| match s.from {
            SlotFrom::Category(k, c) => {
                catalogue.category_types.get(k).and_then(|t| t.categories().get(c)).is_some_and(|d| !d.stated)
            }
            _ => false,
        })
        .collect()
}

/// How complete one breakdown is for one indicator, area, sex, age and period: the share of
/// the whole area's count (`numerator`) and denominator (`denominator`) that falls in stated
/// categories. `None` where it is not reported: a published source without rows of the
/// classification's unknown categories (never assumed complete), or a total missing.
#[derive(Clone, Debug, PartialEq)]
pub struct Completeness {
    /// The indicator's id.
    pub indicator: String,
    /// The area's type.
    pub area_type: String,
    /// The area's code.
    pub area_code: String,
    /// The sex of the rows (Persons for the completeness of sex).
    pub sex: &'static str,
    /// The rows' age label.
    pub age: String,
    /// The period's label.
    pub period: String,
    /// The classification's category type, or "Sex".
    pub category_type: String,
    /// Σ count of stated categories ÷ the whole area's count.
    pub numerator: Option<f64>,
    /// Σ denominator of stated categories ÷ the whole area's denominator.
    pub denominator: Option<f64>,
}

/// The completeness of every classification breakdown in `rows` (rows whose category type is
/// the name of one of the catalogue's classifications with categories), per indicator, area,
/// sex, age and period: numerator known share = Σ count over `stated` categories ÷ the whole
/// area's count, and likewise for denominators; and of sex: (Male + Female) ÷ Persons counts,
/// where the three whole-area rows exist. Computed rows are complete where they have no unknown
/// rows (no count fell there); published rows (`measure = "published"`) without an unknown row
/// are "not reported" (`None`). Sorted by indicator, area type, area, sex, age, period and type.
pub fn completeness(rows: &[ResultRow], catalogue: &Catalogue) -> Vec<Completeness> {
    use std::collections::{BTreeMap, HashMap};
    /// Indicator, area type, area, sex, age, period.
    type RowKey = (String, String, String, &'static str, String, String);
    let key = |r: &'_ ResultRow| -> (String, String, String, &'static str, String, String) {
        (r.indicator.clone(), r.area_type.clone(), r.area_code.clone(), r.sex, r.age.clone(), r.period.label.clone())
    };
    let mut whole: HashMap<RowKey, &ResultRow> = HashMap::new();
    for r in rows.iter().filter(|r| r.category_type.is_none()) {
        whole.insert(key(r), r);
    }
    // Per key and type: Σ stated count and denominator (None once one is missing), whether an
    // unstated row was seen, whether the rows are published.
    struct Sums {
        count: Option<f64>,
        denominator: Option<f64>,
        unstated: bool,
        published: bool,
    }
    let mut groups: BTreeMap<(RowKey, String), Sums> = BTreeMap::new();
    for r in rows {
        let (Some(t), Some(label)) = (&r.category_type, &r.category) else { continue };
        let Some(c) =
            catalogue.category_types.iter().find(|c| &c.name == t && matches!(c.kind, CategoryKind::Categories(_)))
        else {
            continue;
        };
        let Some(def) = c.category_of(label).and_then(|i| c.categories().get(i)) else { continue };
        let sums = groups.entry((key(r), t.clone())).or_insert(Sums {
            count: Some(0.0),
            denominator: Some(0.0),
            unstated: false,
            published: false,
        });
        sums.published |= r.measure == "published";
        if def.stated {
            sums.count = sums.count.zip(r.value.count).map(|(a, b)| a + b);
            sums.denominator = sums.denominator.zip(r.value.denominator).map(|(a, b)| a + b);
        } else {
            sums.unstated = true;
        }
    }
    let share = |part: Option<f64>, all: Option<f64>| part.zip(all).filter(|&(_, a)| a > 0.0).map(|(p, a)| p / a);
    let mut out: Vec<Completeness> = Vec::new();
    for ((k, t), sums) in groups {
        let Some(w) = whole.get(&k) else { continue };
        let reported = sums.unstated || !sums.published;
        out.push(Completeness {
            indicator: k.0,
            area_type: k.1,
            area_code: k.2,
            sex: k.3,
            age: k.4,
            period: k.5,
            category_type: t,
            numerator: share(sums.count, w.value.count).filter(|_| reported),
            denominator: share(sums.denominator, w.value.denominator).filter(|_| reported),
        });
    }
    // Sex: (Male + Female) ÷ Persons, for whole-area rows.
    for (k, persons) in whole.iter().filter(|(k, _)| k.3 == "Persons") {
        let of = |sex: &'static str| whole.get(&(k.0.clone(), k.1.clone(), k.2.clone(), sex, k.4.clone(), k.5.clone()));
        let (Some(m), Some(f)) = (of("Male"), of("Female")) else { continue };
        let sum = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a + b);
        out.push(Completeness {
            indicator: k.0.clone(),
            area_type: k.1.clone(),
            area_code: k.2.clone(),
            sex: "Persons",
            age: k.4.clone(),
            period: k.5.clone(),
            category_type: "Sex".into(),
            numerator: share(sum(m.value.count, f.value.count), persons.value.count),
            denominator: share(sum(m.value.denominator, f.value.denominator), persons.value.denominator),
        });
    }
    out.sort_by(|a, b| {
        (&a.indicator, &a.area_type, &a.area_code, a.sex, &a.age, &a.period, &a.category_type).cmp(&(
            &b.indicator,
            &b.area_type,
            &b.area_code,
            b.sex,
            &b.age,
            &b.period,
            &b.category_type,
        ))
    });
    out
}
