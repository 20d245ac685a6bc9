//! The area profile's benchmark (`?benchmark=england|region|parent|peers`): what each of the
//! area's values is compared with.
//!
//! - `england` (the default): England's row of the same indicator, sex, age and period; the
//!   comparison is the row's own, from the results.
//! - `region`: the area of type "Region" above it (its parent, its parent's parent, …).
//! - `parent`: its parent area.
//! - `peers`: its named peer group where the release has one for it (a catalogue's
//!   `[[peer_group]]`, such as CIPFA's nearest neighbours, whose own rows `compute` made from the
//!   members' pooled data: those rows are the benchmark, and for an indicator without one the
//!   members' values are taken as below); otherwise its peer group by
//!   deprivation, the areas of its type in the same decile of deprivation among that type ([`store::AreaDeprivation`], derived at import), itself included, as the
//!   indicator portal groups local authorities by deprivation decile. The group's value for an
//!   indicator, sex, age and period ([`peer_value`]): for a proportion or a crude rate, pooled
//!   from the members' counts and denominators, Σcount / Σdenominator × the multiplier, with the
//!   method's limits (Wilson's for a proportion, Byar's or exact Poisson limits for a rate, as
//!   `compute` gives an area's); for any other measure (a directly standardised rate, a life
//!   expectancy, a published value), which cannot be pooled from counts, the median of the
//!   members' values, with their range (lowest and highest) in place of limits.
//!
//! Region, parent and peers are compared at request time with
//! [`stats::comparison::compare_with_benchmark`] (the area's interval at the chosen level
//! against the benchmark's value). An area without the one asked for (England has no parent,
//! a region no region, an area without deprivation has no peers) is compared with England, and
//! the page says why.

use stats::confidence::ConfidenceLevel;
use store::{Area, ValueRow};

use crate::cache::ReleaseCache;
use crate::WebError;

use super::area::ENGLAND;

/// The benchmark asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Benchmark {
    /// England.
    England,
    /// The region above the area.
    Region,
    /// The area's parent.
    Parent,
    /// The area's peer group by deprivation.
    Peers,
}

impl Benchmark {
    /// The benchmark of the query's `benchmark` (none or empty: England).
    ///
    /// # Errors
    /// Any other word: a 400 naming it and the choices.
    pub fn parse(text: Option<&str>) -> Result<Benchmark, WebError> {
        match text.map(str::trim).unwrap_or("") {
            "" | "england" => Ok(Benchmark::England),
            "region" => Ok(Benchmark::Region),
            "parent" => Ok(Benchmark::Parent),
            "peers" => Ok(Benchmark::Peers),
            other => Err(WebError::BadRequest(format!(
                "the benchmark \"{other}\": expected england, region, parent or peers"
            ))),
        }
    }

    /// Its word in the query.
    pub fn query(self) -> &'static str {
        match self {
            Benchmark::England => "england",
            Benchmark::Region => "region",
            Benchmark::Parent => "parent",
            Benchmark::Peers => "peers",
        }
    }
}

/// An area's peer group.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerGroup {
    /// The members' type.
    pub area_type: String,
    /// Their decile of deprivation among the areas of the type, 1 the most deprived.
    pub decile: i64,
    /// The members' codes (the area itself among them), in order.
    pub members: Vec<String>,
    /// What the deprivation was computed from.
    pub basis: String,
}

impl PeerGroup {
    /// Its name on the page: "Peer group: local authorities in deprivation decile 3 (12)".
    pub fn name(&self) -> String {
        format!(
            "Peer group: {} in deprivation decile {} ({} areas)",
            plural(&self.area_type),
            self.decile,
            self.members.len()
        )
    }
}

/// "local authorities" of "Local authority", "ICBs" of "ICB".
fn plural(area_type: &str) -> String {
    let lower = if area_type.chars().all(|c| c.is_ascii_uppercase()) {
        area_type.to_string()
    } else {
        area_type.to_lowercase()
    };
    if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

/// What an area's values are compared with, once resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    /// An area's own rows (England, the region, the parent).
    Area {
        /// Its code.
        code: String,
        /// Its type, where known (a code on two levels names two areas; `None`: the finest).
        area_type: Option<String>,
        /// Its name.
        name: String,
    },
    /// The peer group's values.
    Peers(PeerGroup),
}

impl Resolved {
    /// The benchmark's name on the page.
    pub fn name(&self) -> String {
        match self {
            Resolved::Area { name, .. } => name.clone(),
            Resolved::Peers(g) => g.name(),
        }
    }
}

/// The benchmark `asked` of `area`, and, when the area has none of that kind and England
/// stands in, a sentence saying so.
pub fn resolve(cache: &ReleaseCache, area: &Area, asked: Benchmark) -> (Resolved, Option<String>) {
    let england = || Resolved::Area { code: ENGLAND.to_string(), area_type: None, name: "England".to_string() };
    let of =
        |a: &Area| Resolved::Area { code: a.code.clone(), area_type: Some(a.area_type.clone()), name: a.name.clone() };
    match asked {
        Benchmark::England => (england(), None),
        Benchmark::Parent => match area.parent_code.as_deref() {
            Some(p) => (
                cache.parent_of(area).map(of).unwrap_or_else(|| Resolved::Area {
                    code: p.to_string(),
                    area_type: None,
                    name: area.parent_name.clone().unwrap_or_else(|| p.to_string()),
                }),
                None,
            ),
            None => (england(), Some(format!("{} has no parent area: compared with England.", area.name))),
        },
        Benchmark::Region => match region_of(cache, area) {
            Some(r) => (of(r), None),
            None => (england(), Some(format!("{} is in no region: compared with England.", area.name))),
        },
        Benchmark::Peers => match (named_group(cache, area), peer_group(cache, area)) {
            (Some(g), _) => (
                Resolved::Area {
                    code: g.code.clone(),
                    area_type: Some(g.area_type.clone()),
                    name: format!("Peer group: {}", g.name),
                },
                None,
            ),
            (None, Some(g)) => (Resolved::Peers(g), None),
            (None, None) => (
                england(),
                Some(format!(
                    "{} has no peer group in this release (no deprivation by decile for it, or fewer than ten \
                     areas of its type): compared with England.",
                    area.name
                )),
            ),
        },
    }
}

/// The area of type "Region" above `area` (not itself), following parents.
pub fn region_of<'a>(cache: &'a ReleaseCache, area: &Area) -> Option<&'a Area> {
    let mut at = area;
    // A bounded walk: a cycle in the parents cannot loop forever.
    for _ in 0..16 {
        let a = cache.parent_of(at)?;
        if a.area_type.eq_ignore_ascii_case("region") {
            return Some(a);
        }
        at = a;
    }
    None
}

/// The named peer group `area` is in, when the release has its rows (an area of the cache).
pub fn named_group<'a>(cache: &'a ReleaseCache, area: &Area) -> Option<&'a Area> {
    cache.named_peer_group(&area.code).and_then(|g| cache.area(g))
}

/// The members of the named peer group `group` (its code), in the order of their codes.
pub fn named_members<'a>(cache: &'a ReleaseCache, group: &str) -> Vec<&'a Area> {
    cache.areas.iter().filter(|a| cache.named_peer_group(&a.code) == Some(group)).collect()
}

/// The peer group of `area`: the areas of its type in its decile of deprivation.
pub fn peer_group(cache: &ReleaseCache, area: &Area) -> Option<PeerGroup> {
    let own = cache.deprivation(&area.code, &area.area_type)?;
    let decile = own.decile?;
    let mut members: Vec<String> = cache
        .areas
        .iter()
        .filter(|a| a.area_type == area.area_type)
        .filter(|a| cache.deprivation(&a.code, &a.area_type).is_some_and(|d| d.decile == Some(decile)))
        .map(|a| a.code.clone())
        .collect();
    members.sort();
    Some(PeerGroup { area_type: area.area_type.clone(), decile, members, basis: own.basis.clone() })
}

/// How a peer group's value was made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PeerRule {
    /// Pooled from counts and denominators by this method ("Wilson", "Byars", "Exact").
    Pooled(&'static str),
    /// The median of the members' values; the limits are their range.
    Median,
}

impl PeerRule {
    /// In words, for the page and the downloads.
    pub fn words(self) -> String {
        match self {
            PeerRule::Pooled(method) => format!("pooled from the members' counts and denominators ({method} limits)"),
            PeerRule::Median => "the median of the members' values (limits: their range)".into(),
        }
    }
}

/// A peer group's value of one indicator, sex, age and period.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerValue {
    /// The value.
    pub value: Option<f64>,
    /// Lower 95% limit (pooled), or the lowest member's value (median).
    pub lower_95: Option<f64>,
    /// Upper 95% limit (pooled), or the highest member's value (median).
    pub upper_95: Option<f64>,
    /// Lower 99.8% limit (pooled), or the lowest member's value (median).
    pub lower_99_8: Option<f64>,
    /// Upper 99.8% limit (pooled), or the highest member's value (median).
    pub upper_99_8: Option<f64>,
    /// The members it was made from.
    pub members: usize,
    /// How.
    pub rule: PeerRule,
}

/// The multiplier of `row`'s values: the catalogue's, else what the row's own count,
/// denominator and value say (value ÷ (count ÷ denominator), to the nearest power of ten).
fn multiplier(cache: &ReleaseCache, row: &ValueRow) -> Option<f64> {
    if let Some(m) = cache.indicator(&row.indicator_id).and_then(|i| i.metadata.multiplier) {
        return Some(m).filter(|m| m.is_finite() && *m > 0.0);
    }
    let (v, c, n) = (row.value?, row.count?, row.denominator?);
    if c <= 0.0 || n <= 0.0 || v <= 0.0 {
        return None;
    }
    let m = 10f64.powf((v / (c / n)).log10().round());
    m.is_finite().then_some(m)
}

/// What `row`'s indicator measures, for pooling: "proportion", "rate" or anything else.
fn kind(cache: &ReleaseCache, row: &ValueRow) -> &'static str {
    let ind = cache.indicator(&row.indicator_id);
    let measure = ind.and_then(|i| i.measure.as_deref()).unwrap_or("");
    let value_type = ind.and_then(|i| i.metadata.value_type.as_deref()).unwrap_or("");
    match (measure, value_type) {
        ("proportion", _) | (_, "proportion") => "proportion",
        ("crude_rate", _) | (_, "rate" | "crude_rate") => "rate",
        _ => "other",
    }
}

/// The peer group's value for `row`'s indicator, sex, age and period (see the module's
/// documentation); `None` when no member has a value for it.
pub fn peer_value(cache: &ReleaseCache, group: &PeerGroup, row: &ValueRow) -> Option<PeerValue> {
    let rows: Vec<&ValueRow> = group
        .members
        .iter()
        .filter_map(|m| {
            cache
                .latest_row_of(m, &group.area_type, &row.indicator_id, &row.sex, &row.age)
                .or_else(|| cache.latest_row(m, &row.indicator_id, &row.sex, &row.age))
        })
        .filter(|r| r.time_period == row.time_period)
        .collect();
    let kind = kind(cache, row);
    if kind != "other" {
        let counted: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|r| Some((r.count?, r.denominator?)))
            .filter(|(c, n)| c.is_finite() && n.is_finite() && *c >= 0.0 && *n > 0.0)
            .collect();
        let (x, n) = counted.iter().fold((0.0, 0.0), |(x, n), (c, d)| (x + c, n + d));
        if let (false, Some(m)) = (counted.is_empty(), multiplier(cache, row)) {
            let levels = [ConfidenceLevel::C95, ConfidenceLevel::C998];
            let estimate = if kind == "proportion" {
                stats::proportion::proportion(x, n, m, &levels)
            } else {
                stats::rate::crude_rate(x, n, m, &levels)
            };
            if let Ok(e) = estimate {
                let limit = |i: usize| e.limits.get(i).map_or((None, None), |l| (l.lower, l.upper));
                let ((l95, u95), (l998, u998)) = (limit(0), limit(1));
                return Some(PeerValue {
                    value: e.value,
                    lower_95: l95,
                    upper_95: u95,
                    lower_99_8: l998,
                    upper_99_8: u998,
                    members: counted.len(),
                    rule: PeerRule::Pooled(e.method),
                });
            }
        }
    }
    let mut values: Vec<f64> = rows.iter().filter_map(|r| r.value).filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let k = values.len();
    let median = if k % 2 == 1 { values[k / 2] } else { (values[k / 2 - 1] + values[k / 2]) / 2.0 };
    let (lo, hi) = (values.first().copied(), values.last().copied());
    Some(PeerValue {
        value: Some(median),
        lower_95: lo,
        upper_95: hi,
        lower_99_8: lo,
        upper_99_8: hi,
        members: k,
        rule: PeerRule::Median,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benchmarks_parse_and_unknown_words_are_refused() {
        assert_eq!(Benchmark::parse(None).unwrap(), Benchmark::England);
        assert_eq!(Benchmark::parse(Some("")).unwrap(), Benchmark::England);
        for b in [Benchmark::England, Benchmark::Region, Benchmark::Parent, Benchmark::Peers] {
            assert_eq!(Benchmark::parse(Some(b.query())).unwrap(), b);
        }
        let e = Benchmark::parse(Some("cipfa")).unwrap_err();
        assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
        assert!(e.to_string().contains("\"cipfa\"") && e.to_string().contains("peers"), "{e}");
    }

    #[test]
    fn area_types_in_the_plural() {
        assert_eq!(plural("Local authority"), "local authorities");
        assert_eq!(plural("ICB"), "ICBs");
        assert_eq!(plural("Region"), "regions");
    }
}
