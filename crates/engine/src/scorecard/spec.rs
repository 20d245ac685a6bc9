//! The scorecard's and the measurement tool's settings, read from a catalogue's `[scorecard]`
//! and `[composite]` tables (`docs/scorecard.md` §3) and checked against the catalogue.
//!
//! ```toml
//! [scorecard]
//! level = "ICB"                      # the level scored (a level of [geography])
//! narrowing_level = 0.95             # the confidence level of the narrowing test
//! gap = { first = "Core20", second = "Rest of population", level = 0.95 }
//! [[scorecard.area]]                 # a clinical area: its indicators in order
//! id = "maternity"
//! name = "Maternity"
//! indicators = ["preterm_births"]
//! [scorecard.funding]
//! categories = ["core20plus5_clinical", "prevention", "other"]
//!
//! [composite]
//! framework = "cyp_equity"           # drivers are domains of this framework
//! units = "ICB"
//! base_year = 2020
//! method = "…"                       # shown as written
//! draws = 10000
//! seed = 14
//! alternatives = ["equal", "each_halved", "each_doubled"]
//! [[composite.driver]]
//! id = "early_years"
//! weight = 0.2
//! indicators = [{ id = "school_readiness", weight = 0.5 }, { id = "preterm_births", weight = 0.5 }]
//! ```
//!
//! Checks, each an [`EngineError::Catalogue`] naming the catalogue file and the field: a level
//! that is not one of the geography's; a gap or narrowing level outside 0.9 … 1 (the gap's must
//! be 0.95: the results carry 95% limits); an area or driver id used twice; an indicator id not in
//! the catalogue; a framework that is not the catalogue's, a driver that is not one of its
//! domains; driver weights, and each driver's indicator weights, not summing to 1 within 1e-9
//! (the sum is named); a negative or non-finite weight; a driver with weight above zero and no
//! indicator; an indicator of the tool whose polarity is "no judgement" (a score needs a
//! direction); an indicator in two drivers; fewer than 100 draws; an alternative that is not
//! `equal`, `each_halved` or `each_doubled`.

use std::collections::BTreeSet;

use serde::Deserialize;
use stats::comparison::Polarity;
use stats::ConfidenceLevel;

use crate::compute::breakdowns::{CORE20, CORE20_REST, CORE20_TYPE};
use crate::compute::catalogue::{Catalogue, CategoryKind};
use crate::error::{EngineError, Result};

/// The scorecard's settings, checked against the catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct ScorecardSpec {
    /// The catalogue file (files, for a merged catalogue), for errors.
    pub file: String,
    /// The area type scored ("ICB").
    pub level: String,
    /// The area type of the benchmark ("England"): the catalogue geography's benchmark level.
    pub benchmark: String,
    /// The groups whose gap is tested.
    pub gap: GapSpec,
    /// The confidence level of the narrowing test's slope interval.
    pub narrowing_level: ConfidenceLevel,
    /// The clinical areas, in order.
    pub areas: Vec<ClinicalArea>,
    /// The funding categories (§4), in order.
    pub funding_categories: Vec<String>,
    /// Every indicator id of the catalogue (funding targets may name any of them).
    pub indicators: BTreeSet<String>,
    /// The catalogue's classifications with categories, for completeness.
    pub classifications: Vec<Classification>,
    /// The measurement tool, when the catalogue has a `[composite]` table.
    pub composite: Option<CompositeSpec>,
}

/// The two groups of the gap: `first − second` within `category_type`.
#[derive(Clone, Debug, PartialEq)]
pub struct GapSpec {
    /// The rows' category type (Core20's by default).
    pub category_type: String,
    /// The first group's category ("Core20").
    pub first: String,
    /// The second group's category ("Rest of population").
    pub second: String,
    /// The limits' level (0.95: the results' limits).
    pub level: ConfidenceLevel,
}

/// A clinical area of the scorecard (a Core20PLUS5 area, or `system`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClinicalArea {
    /// Its id ("maternity").
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its indicators' ids, in order.
    pub indicators: Vec<String>,
}

/// A classification of the catalogue (ethnicity): its rows' category type and the labels of its
/// categories that are not stated ("Not stated", "Not known").
#[derive(Clone, Debug, PartialEq)]
pub struct Classification {
    /// The rows' category type.
    pub category_type: String,
    /// Every category's label with whether it is stated.
    pub categories: Vec<(String, bool)>,
}

/// One way of moving the driver weights for the sensitivity of ranks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alternative {
    /// Every measured driver weighted equally.
    Equal,
    /// Each measured driver's weight halved in turn, the others scaled to sum to 1.
    EachHalved,
    /// Each measured driver's weight doubled in turn, the others scaled to sum to 1.
    EachDoubled,
}

/// An indicator of the measurement tool within its driver.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverIndicator {
    /// The indicator's id.
    pub id: String,
    /// Its weight within the driver.
    pub weight: f64,
    /// Its polarity (never "no judgement").
    pub polarity: Polarity,
}

/// A driver of the framework with its weight and indicators.
#[derive(Clone, Debug, PartialEq)]
pub struct DriverSpec {
    /// The domain's id.
    pub id: String,
    /// The domain's name.
    pub name: String,
    /// Its weight in the overall score (0 for a driver not measured).
    pub weight: f64,
    /// Its indicators; empty when the driver is not measured.
    pub indicators: Vec<DriverIndicator>,
}

impl DriverSpec {
    /// Whether the driver is scored: a weight above zero and indicators.
    pub fn measured(&self) -> bool {
        self.weight > 0.0 && !self.indicators.is_empty()
    }
}

/// The children and young people's measurement tool's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CompositeSpec {
    /// The framework whose domains are the drivers.
    pub framework: String,
    /// The area type scored ("ICB").
    pub units: String,
    /// The base period's year: each indicator's period whose last year it is.
    pub base_year: i32,
    /// The method in words, as the catalogue states it.
    pub method: String,
    /// The number of simulated draws (≥ 100).
    pub draws: usize,
    /// The draws' seed.
    pub seed: u64,
    /// The alternative weightings of the sensitivity analysis.
    pub alternatives: Vec<Alternative>,
    /// The drivers: those of the catalogue in its order, then the framework's other domains
    /// (not measured, weight 0).
    pub drivers: Vec<DriverSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScorecardFile {
    level: String,
    #[serde(default)]
    narrowing_level: Option<f64>,
    #[serde(default)]
    gap: Option<GapFile>,
    #[serde(default)]
    area: Vec<AreaFile>,
    #[serde(default)]
    funding: Option<FundingFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GapFile {
    category_type: Option<String>,
    first: Option<String>,
    second: Option<String>,
    level: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaFile {
    id: String,
    name: String,
    indicators: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FundingFile {
    categories: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompositeFile {
    framework: String,
    units: String,
    base_year: i32,
    method: String,
    draws: i64,
    seed: i64,
    #[serde(default)]
    alternatives: Vec<String>,
    #[serde(default)]
    driver: Vec<DriverFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DriverFile {
    id: String,
    weight: f64,
    #[serde(default)]
    indicators: Vec<WeightFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightFile {
    id: String,
    weight: f64,
}

/// Weights must sum to 1 within this.
pub const WEIGHT_TOLERANCE: f64 = 1e-9;

impl ScorecardSpec {
    /// Reads and checks the catalogue's `[scorecard]` and `[composite]` tables.
    ///
    /// # Errors
    /// No `[scorecard]` table, or any check of the module's list, as
    /// [`EngineError::Catalogue`] naming the file and the field.
    pub fn from_catalogue(catalogue: &Catalogue) -> Result<ScorecardSpec> {
        let file = catalogue.file.clone();
        let err = |field: &str, message: String| EngineError::Catalogue {
            file: file.clone(),
            line: None,
            field: Some(field.to_string()),
            message,
        };
        let Some(table) = &catalogue.scorecard else {
            return Err(err("scorecard", "the catalogue has no [scorecard] table".into()));
        };
        let raw: ScorecardFile = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| err("scorecard", e.message().trim().to_string()))?;
        let level_types: Vec<&str> = catalogue.geography.levels.iter().map(|l| l.area_type.as_str()).collect();
        let check_level = |field: &str, level: &str| -> Result<()> {
            if level_types.contains(&level) {
                Ok(())
            } else {
                Err(err(
                    field,
                    format!("expected a level of [geography] ({}), found \"{level}\"", level_types.join(", ")),
                ))
            }
        };
        check_level("scorecard.level", &raw.level)?;
        let benchmark = catalogue
            .geography
            .levels
            .get(catalogue.geography.benchmark_level)
            .map(|l| l.area_type.clone())
            .unwrap_or_else(|| "England".into());
        let confidence = |field: &str, v: f64| {
            ConfidenceLevel::new(v).map_err(|e| err(field, format!("expected a confidence level such as 0.95: {e}")))
        };
        let narrowing_level = confidence("scorecard.narrowing_level", raw.narrowing_level.unwrap_or(0.95))?;
        let g = raw.gap.unwrap_or(GapFile { category_type: None, first: None, second: None, level: None });
        let gap_level = g.level.unwrap_or(0.95);
        if (gap_level - 0.95).abs() > 1e-12 {
            return Err(err(
                "scorecard.gap.level",
                format!("expected 0.95 (the results carry 95% limits), found {gap_level}"),
            ));
        }
        let gap = GapSpec {
            category_type: g.category_type.unwrap_or_else(|| CORE20_TYPE.into()),
            first: g.first.unwrap_or_else(|| CORE20.into()),
            second: g.second.unwrap_or_else(|| CORE20_REST.into()),
            level: ConfidenceLevel::C95,
        };
        let indicators: BTreeSet<String> = catalogue.indicators.iter().map(|i| i.id.clone()).collect();
        let mut seen = BTreeSet::new();
        let mut areas = Vec::with_capacity(raw.area.len());
        for a in raw.area {
            let field = format!("scorecard.area \"{}\"", a.id);
            if a.id.is_empty() || !seen.insert(a.id.clone()) {
                return Err(err(&field, format!("expected a unique, non-empty area id, found \"{}\"", a.id)));
            }
            for id in &a.indicators {
                if !indicators.contains(id) {
                    return Err(err(
                        &format!("{field}.indicators"),
                        format!("\"{id}\" is not an indicator of the catalogue"),
                    ));
                }
            }
            areas.push(ClinicalArea { id: a.id, name: a.name, indicators: a.indicators });
        }
        if areas.is_empty() {
            return Err(err("scorecard.area", "the scorecard has no [[scorecard.area]]".into()));
        }
        let funding_categories = raw.funding.map(|f| f.categories).unwrap_or_default();
        let mut seen = BTreeSet::new();
        for c in &funding_categories {
            if c.is_empty() || !seen.insert(c) {
                return Err(err(
                    "scorecard.funding.categories",
                    format!("expected unique, non-empty categories, found \"{c}\" twice or empty"),
                ));
            }
        }
        let classifications = catalogue
            .category_types
            .iter()
            .filter_map(|c| match &c.kind {
                CategoryKind::Categories(list) => Some(Classification {
                    category_type: c.name.clone(),
                    categories: list.iter().map(|d| (d.label.clone(), d.stated)).collect(),
                }),
                CategoryKind::AgeBands(_) => None,
            })
            .collect();
        let composite = match &catalogue.composite {
            None => None,
            Some(t) => Some(composite_spec(catalogue, t, &err, &check_level)?),
        };
        Ok(ScorecardSpec {
            file: catalogue.file.clone(),
            level: raw.level,
            benchmark,
            gap,
            narrowing_level,
            areas,
            funding_categories,
            indicators,
            classifications,
            composite,
        })
    }
}

fn composite_spec(
    catalogue: &Catalogue,
    table: &toml::Table,
    err: &dyn Fn(&str, String) -> EngineError,
    check_level: &dyn Fn(&str, &str) -> Result<()>,
) -> Result<CompositeSpec> {
    let raw: CompositeFile = toml::Value::Table(table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| err("composite", e.message().trim().to_string()))?;
    check_level("composite.units", &raw.units)?;
    let Some(framework) = catalogue.frameworks.iter().find(|f| f.id == raw.framework) else {
        let ids: Vec<&str> = catalogue.frameworks.iter().map(|f| f.id.as_str()).collect();
        return Err(err(
            "composite.framework",
            format!("expected a framework of the catalogue ({}), found \"{}\"", ids.join(", "), raw.framework),
        ));
    };
    if raw.draws < 100 {
        return Err(err("composite.draws", format!("expected at least 100 draws, found {}", raw.draws)));
    }
    if raw.seed < 0 {
        return Err(err("composite.seed", format!("expected a seed of zero or more, found {}", raw.seed)));
    }
    let alternatives = raw
        .alternatives
        .iter()
        .map(|a| match a.as_str() {
            "equal" => Ok(Alternative::Equal),
            "each_halved" => Ok(Alternative::EachHalved),
            "each_doubled" => Ok(Alternative::EachDoubled),
            other => Err(err(
                "composite.alternatives",
                format!("expected \"equal\", \"each_halved\" or \"each_doubled\", found \"{other}\""),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    let weight_ok = |field: &str, w: f64| {
        if w.is_finite() && w >= 0.0 {
            Ok(())
        } else {
            Err(err(field, format!("expected a weight of zero or more, found {w}")))
        }
    };
    let mut drivers = Vec::new();
    let mut used = BTreeSet::new();
    for d in raw.driver {
        let field = format!("composite.driver \"{}\"", d.id);
        let Some(domain) = framework.domains.iter().find(|x| x.id == d.id) else {
            let ids: Vec<&str> = framework.domains.iter().map(|x| x.id.as_str()).collect();
            return Err(err(
                &field,
                format!("expected a domain of framework \"{}\" ({}), found \"{}\"", framework.id, ids.join(", "), d.id),
            ));
        };
        if drivers.iter().any(|x: &DriverSpec| x.id == d.id) {
            return Err(err(&field, "the driver is listed twice".into()));
        }
        weight_ok(&format!("{field}.weight"), d.weight)?;
        if d.weight > 0.0 && d.indicators.is_empty() {
            return Err(err(
                &format!("{field}.indicators"),
                format!("a driver weighted {} needs indicators (give weight 0 to a driver not measured)", d.weight),
            ));
        }
        let mut indicators = Vec::new();
        for w in &d.indicators {
            let f = format!("{field}.indicators \"{}\"", w.id);
            weight_ok(&format!("{f}.weight"), w.weight)?;
            let Some(ind) = catalogue.indicators.iter().find(|i| i.id == w.id) else {
                return Err(err(&f, format!("\"{}\" is not an indicator of the catalogue", w.id)));
            };
            if ind.polarity == Polarity::NoJudgement {
                return Err(err(
                    &format!("{f}.polarity"),
                    format!(
                        "indicator \"{}\" has no polarity (\"no judgement\"): a score needs \"higher is better\" or \"lower is better\"",
                        w.id
                    ),
                ));
            }
            if !used.insert(w.id.clone()) {
                return Err(err(&f, format!("indicator \"{}\" is in two drivers: each may be in one", w.id)));
            }
            indicators.push(DriverIndicator { id: w.id.clone(), weight: w.weight, polarity: ind.polarity });
        }
        if !indicators.is_empty() {
            let sum: f64 = indicators.iter().map(|i| i.weight).sum();
            if (sum - 1.0).abs() > WEIGHT_TOLERANCE {
                let terms: Vec<String> = indicators.iter().map(|i| i.weight.to_string()).collect();
                return Err(err(
                    &format!("{field}.indicators"),
                    format!("the indicator weights sum to {sum} ({}): expected them to sum to 1", terms.join(" + ")),
                ));
            }
        }
        drivers.push(DriverSpec { id: d.id, name: domain.name.clone(), weight: d.weight, indicators });
    }
    if drivers.is_empty() {
        return Err(err("composite.driver", "the tool has no [[composite.driver]]".into()));
    }
    let sum: f64 = drivers.iter().map(|d| d.weight).sum();
    if (sum - 1.0).abs() > WEIGHT_TOLERANCE {
        let terms: Vec<String> = drivers.iter().map(|d| d.weight.to_string()).collect();
        return Err(err(
            "composite.driver.weight",
            format!("the driver weights sum to {sum} ({}): expected them to sum to 1", terms.join(" + ")),
        ));
    }
    for domain in &framework.domains {
        if !drivers.iter().any(|d| d.id == domain.id) {
            drivers.push(DriverSpec {
                id: domain.id.clone(),
                name: domain.name.clone(),
                weight: 0.0,
                indicators: vec![],
            });
        }
    }
    Ok(CompositeSpec {
        framework: raw.framework,
        units: raw.units,
        base_year: raw.base_year,
        method: raw.method,
        draws: raw.draws as usize,
        seed: raw.seed as u64,
        alternatives,
        drivers,
    })
}

impl CompositeSpec {
    /// The measured drivers' indicators as one list, each weighted w_driver × w_indicator (the
    /// overall score's weights, which sum to 1 because the driver weights do and unmeasured
    /// drivers weigh 0): (driver index, indicator).
    pub fn overall_indicators(&self) -> Vec<(usize, DriverIndicator)> {
        self.drivers
            .iter()
            .enumerate()
            .filter(|(_, d)| d.measured())
            .flat_map(|(k, d)| {
                d.indicators.iter().map(move |i| (k, DriverIndicator { weight: d.weight * i.weight, ..i.clone() }))
            })
            .collect()
    }

    /// The alternative weightings, each named ("equal", "each_halved: early_years", …) with the
    /// overall weights (in [`CompositeSpec::overall_indicators`]' order). Driver weights are
    /// moved and the others rescaled so they sum to 1: halving driver k gives it w_k/2 and
    /// each other j w_j·(1 − w_k/2)/(1 − w_k); doubling gives min(2w_k, 1) likewise. A change
    /// that leaves the weights as they are (one measured driver) is skipped.
    pub fn alternative_weights(&self) -> Vec<(String, Vec<f64>)> {
        let measured: Vec<usize> = (0..self.drivers.len()).filter(|&k| self.drivers[k].measured()).collect();
        let stated: Vec<f64> = self.drivers.iter().map(|d| if d.measured() { d.weight } else { 0.0 }).collect();
        let overall = |driver_weights: &[f64]| -> Vec<f64> {
            self.overall_indicators()
                .iter()
                .map(|(k, i)| driver_weights[*k] * i.weight / self.drivers[*k].weight)
                .collect()
        };
        let moved = |k: usize, new: f64| -> Option<Vec<f64>> {
            let rest = 1.0 - stated[k];
            if rest <= 0.0 || (new - stated[k]).abs() < 1e-15 {
                return None;
            }
            Some((0..stated.len()).map(|j| if j == k { new } else { stated[j] * (1.0 - new) / rest }).collect())
        };
        let mut out = Vec::new();
        for a in &self.alternatives {
            match a {
                Alternative::Equal => {
                    let mut w = vec![0.0; stated.len()];
                    for &k in &measured {
                        w[k] = 1.0 / measured.len() as f64;
                    }
                    out.push(("equal".to_string(), overall(&w)));
                }
                Alternative::EachHalved | Alternative::EachDoubled => {
                    let (name, factor) =
                        if *a == Alternative::EachHalved { ("each_halved", 0.5) } else { ("each_doubled", 2.0) };
                    for &k in &measured {
                        if let Some(w) = moved(k, (stated[k] * factor).min(1.0)) {
                            out.push((format!("{name}: {}", self.drivers[k].id), overall(&w)));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small catalogue: two ICBs' geography, three indicators, a scorecard and a tool.
    pub(crate) const CATALOGUE: &str = r#"
[catalogue]
name = "scorecard spec"

[[framework]]
id = "core20plus5"
name = "Core20PLUS5"
domain = [{ id = "maternity", name = "Maternity" }, { id = "system", name = "System" }]

[[framework]]
id = "cyp"
name = "Children"
domain = [
  { id = "early", name = "Early years" },
  { id = "health", name = "Health and care" },
  { id = "housing", name = "Housing" },
]

[geography]
table = "areas"
small_area = { type = "LSOA", code = "lsoa", name = "lsoa_name" }
deprivation_decile = "decile"
level = [
  { type = "ICB", code = "icb", name = "icb_name" },
  { type = "England", code = "eng", name = "eng_name" },
]

[tables.activity]
area = "lsoa"
sex = "sex"
start_age = "start_age"

[[indicator]]
id = "a"
name = "A"
measure = "proportion"
polarity = "lower is better"
sexes = ["Persons"]
breakdowns = ["core20"]
numerator = { table = "activity", value = "x" }
denominator = { table = "activity", value = "n" }

[[indicator]]
id = "b"
name = "B"
measure = "proportion"
polarity = "higher is better"
sexes = ["Persons"]
numerator = { table = "activity", value = "y" }
denominator = { table = "activity", value = "n" }

[[indicator]]
id = "c"
name = "C"
measure = "proportion"
polarity = "no judgement"
sexes = ["Persons"]
numerator = { table = "activity", value = "z" }
denominator = { table = "activity", value = "n" }

[scorecard]
level = "ICB"
narrowing_level = 0.95
gap = { first = "Core20", second = "Rest of population", level = 0.95 }
funding = { categories = ["prevention", "other"] }
area = [
  { id = "maternity", name = "Maternity", indicators = ["a"] },
  { id = "system", name = "System", indicators = ["b", "c"] },
]

[composite]
framework = "cyp"
units = "ICB"
base_year = 2020
method = "z against England"
draws = 1000
seed = 14
alternatives = ["equal", "each_halved", "each_doubled"]
driver = [
  { id = "early", weight = 0.25, indicators = [{ id = "a", weight = 1.0 }] },
  { id = "health", weight = 0.75, indicators = [{ id = "b", weight = 1.0 }] },
  { id = "housing", weight = 0.0 },
]
"#;

    fn spec(text: &str) -> Result<ScorecardSpec> {
        ScorecardSpec::from_catalogue(&Catalogue::parse(text, "sc.toml")?)
    }

    fn message(text: &str) -> String {
        match spec(text) {
            Ok(_) => panic!("expected an error"),
            Err(e) => {
                assert!(matches!(e, EngineError::Catalogue { .. }), "{e}");
                e.to_string()
            }
        }
    }

    #[test]
    fn reads_the_scorecard_and_the_tool() {
        let s = spec(CATALOGUE).unwrap();
        assert_eq!(s.level, "ICB");
        assert_eq!(s.benchmark, "England");
        assert_eq!(s.gap.category_type, CORE20_TYPE);
        assert_eq!((s.gap.first.as_str(), s.gap.second.as_str()), ("Core20", "Rest of population"));
        assert_eq!(s.areas.len(), 2);
        assert_eq!(s.areas[1].indicators, ["b", "c"]);
        assert_eq!(s.funding_categories, ["prevention", "other"]);
        let c = s.composite.unwrap();
        assert_eq!((c.framework.as_str(), c.base_year, c.draws, c.seed), ("cyp", 2020, 1000, 14));
        assert_eq!(
            c.drivers.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
            ["Early years", "Health and care", "Housing"]
        );
        assert!(!c.drivers[2].measured());
        assert_eq!(c.drivers[0].indicators[0].polarity, Polarity::LowerIsBetter);
        // Overall weights: 0.25 × 1 and 0.75 × 1.
        let overall: Vec<f64> = c.overall_indicators().iter().map(|(_, i)| i.weight).collect();
        assert_eq!(overall, [0.25, 0.75]);
        // Alternatives worked by hand: equal 0.5/0.5; early halved 0.125, health
        // 0.75·(1 − 0.125)/0.75 = 0.875; health halved 0.375, early 0.25·0.625/0.25 = 0.625;
        // early doubled 0.5/0.5; health doubled min(1.5, 1) = 1, early 0.
        let alt = c.alternative_weights();
        let names: Vec<&str> = alt.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["equal", "each_halved: early", "each_halved: health", "each_doubled: early", "each_doubled: health"]
        );
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(&alt[0].1, &[0.5, 0.5]));
        assert!(close(&alt[1].1, &[0.125, 0.875]));
        assert!(close(&alt[2].1, &[0.625, 0.375]));
        assert!(close(&alt[3].1, &[0.5, 0.5]));
        assert!(close(&alt[4].1, &[0.0, 1.0]));
    }

    /// Acceptance 3: weights that do not sum as stated, an unknown indicator, a missing
    /// polarity; each error names the file and the field.
    #[test]
    fn bad_weights_ids_and_polarities_are_named() {
        let drivers = r#"driver = [
  { id = "early", weight = 0.25, indicators = [{ id = "a", weight = 1.0 }] },
  { id = "health", weight = 0.75, indicators = [{ id = "b", weight = 1.0 }] },
  { id = "housing", weight = 0.0 },
]"#;
        let with = |new: &str| CATALOGUE.replace(drivers, new);
        // Driver weights 0.25 + 0.25 + 0.25 + 0.20 = 0.95.
        let m = message(&with(
            r#"driver = [
  { id = "early", weight = 0.25, indicators = [{ id = "a", weight = 1.0 }] },
  { id = "health", weight = 0.25, indicators = [{ id = "b", weight = 1.0 }] },
  { id = "housing", weight = 0.25, indicators = [{ id = "c", weight = 1.0 }] },
]"#,
        ));
        // (c has no polarity: that error comes first; the sum is tested without it below.)
        assert!(m.contains("sc.toml") && m.contains("polarity") && m.contains("\"c\""), "{m}");
        let m = message(&with(
            r#"driver = [
  { id = "early", weight = 0.25, indicators = [{ id = "a", weight = 1.0 }] },
  { id = "health", weight = 0.25, indicators = [{ id = "b", weight = 1.0 }] },
  { id = "housing", weight = 0.45 },
]"#,
        ));
        assert!(m.contains("composite.driver \"housing\".indicators") && m.contains("needs indicators"), "{m}");
        let four = CATALOGUE
            .replace("{ id = \"housing\", name = \"Housing\" },", "{ id = \"housing\", name = \"Housing\" },\n  { id = \"income\", name = \"Income\" },")
            .replace(
                "polarity = \"no judgement\"",
                "polarity = \"higher is better\"",
            )
            .replace(
                "[scorecard]\n",
                "[[indicator]]\nid = \"d\"\nname = \"D\"\nmeasure = \"proportion\"\npolarity = \"higher is better\"\nnumerator = { table = \"activity\", value = \"w\" }\ndenominator = { table = \"activity\", value = \"n\" }\n\n[scorecard]\n",
            );
        let m = message(&four.replace(
            drivers,
            r#"driver = [
  { id = "early", weight = 0.25, indicators = [{ id = "a", weight = 1.0 }] },
  { id = "health", weight = 0.25, indicators = [{ id = "b", weight = 1.0 }] },
  { id = "housing", weight = 0.25, indicators = [{ id = "c", weight = 1.0 }] },
  { id = "income", weight = 0.20, indicators = [{ id = "d", weight = 1.0 }] },
]"#,
        ));
        assert!(m.contains("sc.toml") && m.contains("composite.driver.weight"), "{m}");
        assert!(m.contains("sum to 0.95") && m.contains("0.25 + 0.25 + 0.25 + 0.2"), "{m}");
        // Indicator weights 0.5 + 0.6 within one driver.
        let m = message(&with(
            r#"driver = [
  { id = "early", weight = 0.25, indicators = [{ id = "a", weight = 0.5 }, { id = "b", weight = 0.6 }] },
  { id = "health", weight = 0.75 },
]"#,
        ));
        // (health has a weight and no indicators: the early driver's sum is checked first.)
        assert!(m.contains("sc.toml") && m.contains("composite.driver \"early\".indicators"), "{m}");
        assert!(m.contains("sum to 1.1") && m.contains("0.5 + 0.6"), "{m}");
        // An unknown indicator id, in the tool and in an area.
        let m = message(&with(&drivers.replace("{ id = \"b\", weight = 1.0 }", "{ id = \"nope\", weight = 1.0 }")));
        assert!(m.contains("composite.driver \"health\".indicators \"nope\"") && m.contains("not an indicator"), "{m}");
        let m = message(&CATALOGUE.replace("indicators = [\"b\", \"c\"]", "indicators = [\"b\", \"zz\"]"));
        assert!(m.contains("scorecard.area \"system\".indicators") && m.contains("\"zz\""), "{m}");
        // A missing polarity ("no judgement").
        let m = message(&with(&drivers.replace("{ id = \"b\", weight = 1.0 }", "{ id = \"c\", weight = 1.0 }")));
        assert!(
            m.contains("composite.driver \"health\".indicators \"c\".polarity") && m.contains("no polarity"),
            "{m}"
        );
        // A level, a driver and an alternative that do not exist; too few draws.
        let m = message(&CATALOGUE.replace("level = \"ICB\"", "level = \"PCN\""));
        assert!(m.contains("scorecard.level") && m.contains("PCN"), "{m}");
        let m = message(&with(&drivers.replace("id = \"housing\"", "id = \"roads\"")));
        assert!(m.contains("composite.driver \"roads\"") && m.contains("domain"), "{m}");
        let m = message(&CATALOGUE.replace("\"each_doubled\"]", "\"tripled\"]"));
        assert!(m.contains("composite.alternatives") && m.contains("tripled"), "{m}");
        let m = message(&CATALOGUE.replace("draws = 1000", "draws = 10"));
        assert!(m.contains("composite.draws"), "{m}");
        let m = message(&CATALOGUE.replace("level = 0.95 }", "level = 0.9 }"));
        assert!(m.contains("scorecard.gap.level"), "{m}");
        let m = message(&CATALOGUE.replace("narrowing_level = 0.95", "narrowing_level = 0.95\ncolour = 1"));
        assert!(m.contains("scorecard") && m.contains("colour"), "{m}");
    }
}

#[cfg(test)]
mod shipped {
    use super::*;
    use crate::scorecard::{icb_catalogue, ICB_SCORECARD_CATALOGUE};

    /// The shipped catalogue parses alone, merges with marmot.toml, and its spec reads: 11
    /// clinical areas, 19 indicators, 8 funding categories, the tool's 5 drivers (one not
    /// measured) whose weights 0.25 + 0.20 + 0.20 + 0.35 + 0 sum to 1.
    #[test]
    fn the_icb_scorecard_catalogue_parses_and_merges_with_marmot() {
        let alone = Catalogue::parse(ICB_SCORECARD_CATALOGUE, "catalogues/icb_scorecard.toml").unwrap();
        assert_eq!(alone.indicators.len(), 19);
        // Alone, the tool's Marmot ids are unknown: an error naming the driver and the id.
        let m = ScorecardSpec::from_catalogue(&alone).unwrap_err().to_string();
        assert!(m.contains("composite.driver \"income_poverty\".indicators \"child_poverty\""), "{m}");
        let merged = icb_catalogue().unwrap();
        assert_eq!(merged.file, "catalogues/marmot.toml + catalogues/icb_scorecard.toml");
        let s = ScorecardSpec::from_catalogue(&merged).unwrap();
        assert_eq!(s.areas.len(), 11);
        assert_eq!(s.areas.iter().map(|a| a.indicators.len()).sum::<usize>(), 19);
        assert_eq!(s.funding_categories.len(), 8);
        assert_eq!(s.classifications.len(), 1);
        assert_eq!(s.classifications[0].categories.iter().filter(|c| !c.1).count(), 2);
        let c = s.composite.unwrap();
        assert_eq!(c.drivers.len(), 5);
        assert_eq!(c.drivers.iter().filter(|d| d.measured()).count(), 4);
        assert_eq!(c.overall_indicators().len(), 12);
        let sum: f64 = c.overall_indicators().iter().map(|(_, i)| i.weight).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        // Every indicator of the scorecard is computed on the ICB level with its breakdowns.
        for id in s.areas.iter().flat_map(|a| &a.indicators) {
            let ind = merged.indicators.iter().find(|i| &i.id == id).unwrap();
            assert!(ind.other_breakdowns.len() >= 2, "{id}");
        }
    }
}
