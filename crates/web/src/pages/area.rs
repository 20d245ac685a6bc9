//! The area profile `/areas/{code}`: every indicator of the release for the area, grouped by
//! framework and domain, each group a spine chart with its data table (period, count, value,
//! interval, benchmark, comparison at 95% or 99.8%, recent trend). Read from the cache only.
//!
//! Query: `benchmark=england|region|parent|peers` (see [`super::area_benchmark`]: England's
//! comparison is the row's own, from the results; the others are computed here with
//! `stats::comparison::compare_with_benchmark` on the benchmark's value of the same period; an
//! unknown word is a 400), `sex` (empty: every sex), `level=95|99.8`, `palette=cb`.
//!
//! `type=` names the area type where the code is on two levels (see [`AreaQuery::area_type`]):
//! `/areas/E06000001` is Hartlepool the local authority, `/areas/E06000001?type=Upper-tier+local+authority`
//! the same code as an upper-tier authority, each with its own rows; the page links the other.
//!
//! `/areas/{code}/profile.csv` (same query) is the profile's table as shown, with the
//! benchmark's name, value, limits and rule on every row.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use stats::comparison::{compare_with_benchmark, Polarity};
use store::{Area, ValueRow};

use super::area_benchmark::{peer_value, resolve, Benchmark, PeerGroup, PeerRule, Resolved};
use crate::cache::ReleaseCache;
use crate::charts::spine::{describe, higher_is_better, spine, SpineRow};
use crate::charts::{Chart, Comparison, Mark, Opts, Palette};
use crate::views::{query, trend_arrow, words, Cell, ChartPage, Control, DataTable, Section};
use crate::{AppState, WebError};

/// England's code.
pub const ENGLAND: &str = "E92000001";

/// The profile's query.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AreaQuery {
    /// `england` (default), `region`, `parent` or `peers`.
    pub benchmark: Option<String>,
    /// A sex, or empty for all.
    pub sex: Option<String>,
    /// `95` (default) or `99.8`.
    pub level: Option<String>,
    /// `cb` for the colour-blind palette.
    pub palette: Option<String>,
    /// For `/charts/spine.svg`: the group (framework/domain) to draw, by its section id.
    pub group: Option<String>,
    /// `type`: the area type, where the code is on two levels (a unitary authority is a
    /// lower-tier and an upper-tier local authority); by default the finest level (the type
    /// with the most areas). A type the code is not on is a 404.
    #[serde(rename = "type")]
    pub area_type: Option<String>,
}

/// One group of the profile: its id, heading, spine rows and table rows.
pub struct Group {
    /// The section id.
    pub id: String,
    /// Framework › domain.
    pub heading: String,
    /// The spine rows.
    pub rows: Vec<SpineRow>,
    /// The table rows.
    pub table: Vec<Vec<Cell>>,
    /// Each row's benchmark, for the download.
    pub benchmarks: Vec<RowBenchmark>,
}

/// What one row of the profile was compared with.
#[derive(Clone, Debug)]
pub struct RowBenchmark {
    /// The row.
    pub row: ValueRow,
    /// The benchmark's value.
    pub value: Option<f64>,
    /// Its limits at the chosen level (a peer group's pooled limits or range), if any.
    pub limits: (Option<f64>, Option<f64>),
    /// The comparison.
    pub class: Comparison,
    /// How a peer group's value was made, and from how many members.
    pub peers: Option<(PeerRule, usize)>,
}

/// A row's benchmark by a peer group: the group's value for the row's indicator, sex, age and
/// period (pooled or the members' median, [`peer_value`]) with its limits at the chosen level,
/// and the row compared with it; not compared when no member has a value.
fn peer_benchmark(
    cache: &ReleaseCache,
    group: &PeerGroup,
    row: &ValueRow,
    at_998: bool,
    compare: &dyn Fn(Option<f64>) -> Comparison,
) -> RowBenchmark {
    match peer_value(cache, group, row) {
        Some(p) => RowBenchmark {
            row: row.clone(),
            value: p.value,
            limits: if at_998 { (p.lower_99_8, p.upper_99_8) } else { (p.lower_95, p.upper_95) },
            class: compare(p.value),
            peers: Some((p.rule, p.members)),
        },
        None => RowBenchmark {
            row: row.clone(),
            value: None,
            limits: (None, None),
            class: Comparison::NotCompared,
            peers: None,
        },
    }
}

/// An area's profile under a query: its groups and the benchmark.
pub struct Profile {
    /// The groups.
    pub groups: Vec<Group>,
    /// The benchmark, resolved.
    pub benchmark: Resolved,
    /// Why England stands in for the benchmark asked for, if it does.
    pub note: Option<String>,
}

/// The polarity of stats from the catalogue's text.
fn polarity(text: Option<&str>) -> Polarity {
    match higher_is_better(text) {
        Some(true) => Polarity::HigherIsBetter,
        Some(false) => Polarity::LowerIsBetter,
        None => Polarity::NoJudgement,
    }
}

/// The profile of `code` under the query, from the cache. `None` for an unknown area.
///
/// # Errors
/// An unknown benchmark (400).
pub fn profile(cache: &ReleaseCache, code: &str, q: &AreaQuery) -> Result<Option<Profile>, WebError> {
    let asked = Benchmark::parse(q.benchmark.as_deref())?;
    let Some(area) = cache.area_of_type(code, q.area_type.as_deref().filter(|t| !t.is_empty())) else {
        return Ok(None);
    };
    let (benchmark, note) = resolve(cache, area, asked);
    let at_998 = q.level.as_deref() == Some("99.8");
    // The benchmark's row of `row`'s indicator, sex and age (of its type where it is known).
    let row_of = |bench: &str, bench_type: Option<&str>, row: &ValueRow| match bench_type {
        Some(t) => cache.latest_row_of(bench, t, &row.indicator_id, &row.sex, &row.age),
        None => cache.latest_row(bench, &row.indicator_id, &row.sex, &row.age),
    };
    let sex = q.sex.as_deref().filter(|s| !s.is_empty());
    let mut grouped: BTreeMap<(String, String), Vec<&ValueRow>> = BTreeMap::new();
    for row in cache.latest_of(code, &area.area_type) {
        if sex.is_some_and(|s| s != row.sex) {
            continue;
        }
        let ind = cache.indicator(&row.indicator_id);
        let framework = ind.and_then(|i| i.framework.clone()).unwrap_or_default();
        let domain = ind.and_then(|i| i.domain.clone()).unwrap_or_default();
        grouped.entry((framework, domain)).or_default().push(row);
    }
    let mut out = Vec::new();
    for ((framework, domain), rows) in grouped {
        let heading = match (framework.is_empty(), domain.is_empty()) {
            (true, true) => "Indicators".to_string(),
            (false, true) => words(&framework),
            (true, false) => words(&domain),
            (false, false) => format!("{} › {}", words(&framework), words(&domain)),
        };
        let id = format!("g-{}-{}", slug(&framework), slug(&domain));
        let mut spine_rows = Vec::new();
        let mut table = Vec::new();
        let mut benchmarks = Vec::new();
        for row in rows {
            let ind = cache.indicator(&row.indicator_id);
            let polarity_text = ind.and_then(|i| i.polarity.as_deref());
            let (lower, upper) = if at_998 { (row.lower_99_8, row.upper_99_8) } else { (row.lower_95, row.upper_95) };
            let compare = |b: Option<f64>| {
                let c = compare_with_benchmark(row.value, lower, upper, b, polarity(polarity_text));
                Comparison::parse(Some(c.label()))
            };
            let row_bench = match &benchmark {
                // A named peer group without a row of its own for this indicator: its members'
                // values, as for a group by deprivation.
                Resolved::Area { code: bench_code, area_type: bench_type, .. }
                    if asked == Benchmark::Peers
                        && row_of(bench_code, bench_type.as_deref(), row)
                            .filter(|b| b.time_period == row.time_period)
                            .is_none() =>
                {
                    let members = super::area_benchmark::named_members(cache, bench_code);
                    let group = PeerGroup {
                        area_type: area.area_type.clone(),
                        decile: 0,
                        members: members.iter().map(|a| a.code.clone()).collect(),
                        basis: String::new(),
                    };
                    peer_benchmark(cache, &group, row, at_998, &compare)
                }
                Resolved::Area { code: bench_code, area_type: bench_type, .. } => {
                    let bench_type = bench_type.as_deref();
                    let same_area = code == bench_code && bench_type.is_none_or(|t| t == area.area_type);
                    let bench_row = row_of(bench_code, bench_type, row).filter(|b| b.time_period == row.time_period);
                    let limits = bench_row.map_or((None, None), |b| {
                        if at_998 {
                            (b.lower_99_8, b.upper_99_8)
                        } else {
                            (b.lower_95, b.upper_95)
                        }
                    });
                    let (value, class) = if bench_code == ENGLAND && code != ENGLAND {
                        let label =
                            if at_998 { &row.compared_to_benchmark_99_8 } else { &row.compared_to_benchmark_95 };
                        (bench_row.and_then(|b| b.value).or(row.benchmark_value), Comparison::parse(label.as_deref()))
                    } else {
                        let b = bench_row.and_then(|b| b.value);
                        (b, if same_area { Comparison::NotCompared } else { compare(b) })
                    };
                    RowBenchmark { row: row.clone(), value, limits, class, peers: None }
                }
                Resolved::Peers(group) => peer_benchmark(cache, group, row, at_998, &compare),
            };
            let (bench_value, class) = (row_bench.value, row_bench.class);
            let spread = cache.spread(&row.indicator_id, &area.area_type, &row.sex, &row.age, &row.time_period);
            let mut label = row.indicator_name.clone();
            if row.sex != "Persons" {
                label.push_str(&format!(" ({})", row.sex));
            }
            if row.age != "All ages" && !row.age.is_empty() {
                label.push_str(&format!(", {}", row.age));
            }
            let hib = higher_is_better(polarity_text);
            let (worst, best) = match (spread, hib) {
                (Some(s), Some(false)) => (Some(s.max), Some(s.min)),
                (Some(s), _) => (Some(s.min), Some(s.max)),
                (None, _) => (None, None),
            };
            spine_rows.push(SpineRow {
                mark: Mark { label: label.clone(), value: row.value, lower, upper, class },
                benchmark: bench_value,
                min: spread.map(|s| s.min),
                q1: spread.map(|s| s.q1),
                q3: spread.map(|s| s.q3),
                max: spread.map(|s| s.max),
                higher_is_better: hib,
            });
            let (arrow, trend_class) = trend_arrow(row.recent_trend.as_deref());
            let trend_text = row.recent_trend.clone().unwrap_or_else(|| "-".into());
            table.push(vec![
                Cell::header(
                    label,
                    Some(format!(
                        "/indicators/{}{}",
                        crate::views::encode(&row.indicator_id),
                        query(&[("sex", &row.sex)])
                    )),
                ),
                Cell::text(&row.time_period),
                Cell::number(row.count, 0),
                Cell::number(row.value, 1),
                Cell::number(lower, 1),
                Cell::number(upper, 1),
                Cell::number(bench_value, 1),
                Cell::comparison(class),
                Cell {
                    text: format!("{arrow} {trend_text}").trim().to_string(),
                    class: format!("trend {trend_class}"),
                    ..Cell::default()
                },
                Cell::number(worst, 1),
                Cell::number(best, 1),
            ]);
            benchmarks.push(row_bench);
        }
        out.push(Group { id, heading, rows: spine_rows, table, benchmarks });
    }
    Ok(Some(Profile { groups: out, benchmark, note }))
}

/// A piece of an id: letters and digits, the rest `-`.
fn slug(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// The spine chart of a group.
pub fn group_chart(group: &Group, bench_name: &str, area_name: &str, palette: Palette, standalone: bool) -> Chart {
    let mut opts = Opts::new(
        format!("{}-chart", group.id),
        format!("{}: {area_name} against {bench_name}", group.heading),
        describe(&group.rows, bench_name),
    );
    opts.width = 400.0;
    opts.palette = palette;
    opts.standalone = standalone;
    spine(&group.rows, &opts)
}

/// `GET /areas/{code}`.
///
/// The page carries an `ETag` naming the release and the options; a request whose
/// `If-None-Match` names it is answered `304 Not Modified` with no body.
///
/// # Errors
/// An unknown area (404) or benchmark (400).
pub async fn page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<AreaQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let asked = Benchmark::parse(q.benchmark.as_deref())?;
    let cache = state.cache.get(&state.store).await?;
    let Some(area) = cache.area_of_type(&code, q.area_type.as_deref().filter(|t| !t.is_empty())).cloned() else {
        return Err(WebError::NotFound(match q.area_type.as_deref() {
            Some(t) if !t.is_empty() => format!("the area {code} of type {t}"),
            _ => format!("the area {code}"),
        }));
    };
    // The other levels the code is on (a unitary authority's two), and the type asked for in
    // the page's links (none for a code on one level, whose URLs stay as they were).
    let levels: Vec<Area> = cache.areas_of_code(&code).cloned().collect();
    let area_type = if levels.len() > 1 { area.area_type.clone() } else { String::new() };
    let palette = Palette::parse(q.palette.as_deref());
    let level = if q.level.as_deref() == Some("99.8") { "99.8" } else { "95" };
    let benchmark = asked.query();
    let sex = q.sex.clone().unwrap_or_default();
    // The profile depends on nothing but the release and these options: rendered once each.
    let key = format!("/areas/{code}?{area_type}&{benchmark}&{sex}&{level}&{}", palette.query().unwrap_or(""));
    let etag = entity_tag(cache.release.as_ref().map(|r| r.id), &key);
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes()) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    if let Some(html) = cache.rendered(&key) {
        return Ok(
            ([(header::ETAG, etag), (header::CACHE_CONTROL, REVALIDATE.to_string())], Html(html)).into_response()
        );
    }
    let Profile { groups, benchmark: resolved, note } =
        profile(&cache, &code, &q)?.ok_or_else(|| WebError::NotFound(format!("the area {code}")))?;
    let bench_name = resolved.name();
    let mut sexes: Vec<String> = cache.latest_of(&code, &area.area_type).iter().map(|r| r.sex.clone()).collect();
    sexes.sort();
    sexes.dedup();
    // The benchmarks this area has (the one in force stays selected even when England stands in).
    let mut choices = vec![("england".to_string(), "England".to_string())];
    if let Some(r) = super::area_benchmark::region_of(&cache, &area) {
        choices.push(("region".to_string(), format!("Region: {}", r.name)));
    }
    if let Some(p) = &area.parent_code {
        let name = area.parent_name.clone().unwrap_or_else(|| p.clone());
        choices.push(("parent".to_string(), format!("Parent: {name}")));
    }
    if let Some(g) = super::area_benchmark::named_group(&cache, &area) {
        choices.push(("peers".to_string(), format!("Peer group: {}", g.name)));
    } else if let Some(g) = super::area_benchmark::peer_group(&cache, &area) {
        choices.push(("peers".to_string(), format!("Peer group: deprivation decile {}", g.decile)));
    }
    let selected = if note.is_some() { "england" } else { benchmark };
    let mut controls = Vec::new();
    if levels.len() > 1 {
        let types = levels.iter().map(|a| (a.area_type.clone(), a.area_type.clone()));
        controls.push(Control::new("type", "Level", types, &area.area_type));
    }
    controls.push(Control::new("benchmark", "Benchmark", choices, selected));
    controls.push(Control::new(
        "sex",
        "Sex",
        std::iter::once((String::new(), "All".to_string())).chain(sexes.iter().map(|s| (s.clone(), s.clone()))),
        &sex,
    ));
    controls.push(Control::new(
        "level",
        "Confidence",
        [("95".to_string(), "95%".to_string()), ("99.8".to_string(), "99.8%".to_string())],
        level,
    ));
    controls.push(Control::palette(palette));
    let bench_heading = match &resolved {
        Resolved::Area { name, .. } => name.clone(),
        Resolved::Peers(_) => "Peer group".to_string(),
    };
    let headers = [
        "Indicator",
        "Period",
        "Count",
        "Value",
        &format!("Lower {level}%"),
        &format!("Upper {level}%"),
        bench_heading.as_str(),
        &format!("Compared with {bench_heading} ({level}%)"),
        "Recent trend",
        "Worst",
        "Best",
    ]
    .map(str::to_string)
    .to_vec();
    let options = [("type", area_type.as_str()), ("benchmark", benchmark), ("sex", &sex), ("level", level)];
    let api = query(&[("area", &code), ("area_type", &area_type), ("sex", &sex)]);
    let mut sections = Vec::new();
    for g in &groups {
        let chart = group_chart(g, &bench_name, &area.name, palette, false);
        let svg_query = query(&[
            ("area", &code),
            ("type", &area_type),
            ("benchmark", benchmark),
            ("sex", &sex),
            ("level", level),
            ("palette", palette.query().unwrap_or("")),
            ("group", &g.id),
        ]);
        sections.push(Section {
            id: g.id.clone(),
            heading: g.heading.clone(),
            notes: Vec::new(),
            chart: Some(chart),
            table: DataTable {
                caption: format!("{}: {} against {bench_name}", g.heading, area.name),
                headers: headers.clone(),
                rows: g.table.clone(),
            },
            downloads: vec![
                (
                    format!("Table as shown, against {bench_heading} (CSV)"),
                    format!("/areas/{}/profile.csv{}", crate::views::encode(&code), query(&options)),
                ),
                ("CSV".into(), format!("/api/v1/values.csv{api}")),
                ("Excel".into(), format!("/api/v1/values.xlsx{api}")),
                ("Parquet".into(), format!("/api/v1/values.parquet{api}")),
                ("Chart (SVG)".into(), format!("/charts/spine.svg{svg_query}")),
            ],
        });
    }
    let mut lede = vec![format!(
        "{} ({}){}: the latest value of each indicator against {bench_name}.",
        area.name,
        area.area_type,
        area.parent_name.as_ref().map(|p| format!(", in {p}")).unwrap_or_default()
    )];
    for other in levels.iter().filter(|a| a.area_type != area.area_type) {
        lede.push(format!(
            "The code {code} is also an area of type {} with its own values: choose the level above.",
            other.area_type
        ));
    }
    if let Some(note) = note {
        lede.push(note);
    }
    if let (Benchmark::Peers, Resolved::Area { code: group, name, .. }) = (asked, &resolved) {
        let names: Vec<&str> =
            super::area_benchmark::named_members(&cache, group).iter().map(|a| a.name.as_str()).collect();
        lede.push(format!(
            "{name} is named by the release's catalogue ({}): its values are its own rows, computed from its members' \
             pooled data.",
            names.join(", ")
        ));
    }
    if let Resolved::Peers(g) = &resolved {
        let names: Vec<&str> =
            g.members.iter().map(|m| cache.area(m).map_or(m.as_str(), |a| a.name.as_str())).collect();
        lede.push(format!(
            "The peer group is the {} areas of type {} in the same tenth of deprivation among them (decile {} of 10, \
             1 the most deprived), {} included: {}. Deprivation: {}. The group's value is pooled from its members' \
             counts and denominators for proportions and crude rates (Wilson's and Byar's limits), and is the median \
             of its members' values for other measures (limits: their range).",
            g.members.len(),
            g.area_type,
            g.decile,
            area.name,
            names.join(", "),
            g.basis
        ));
    }
    if let Some(r) = &cache.release {
        lede.push(format!("Release {} of {}.", r.name, r.released_on));
    }
    if sections.is_empty() {
        lede.push("No values for this area in the latest release.".into());
    }
    let page = ChartPage {
        title: format!("{} – area profile", area.name),
        lede,
        tabs: Vec::new(),
        action: format!("/areas/{}", crate::views::encode(&code)),
        hidden: Vec::new(),
        controls,
        palette: palette.class(),
        legend: true,
        sections,
        definitions: Vec::new(),
    };
    let html = cache.keep_rendered(key, askama::Template::render(&page)?);
    Ok(([(header::ETAG, etag), (header::CACHE_CONTROL, REVALIDATE.to_string())], Html(html)).into_response())
}

/// The columns of `/areas/{code}/profile.csv`.
pub const PROFILE_CSV_COLUMNS: [&str; 18] = [
    "Area Code",
    "Area Name",
    "Indicator ID",
    "Indicator Name",
    "Sex",
    "Age",
    "Time period",
    "Count",
    "Value",
    "Lower CI limit",
    "Upper CI limit",
    "Confidence level",
    "Benchmark",
    "Benchmark value",
    "Benchmark lower CI limit",
    "Benchmark upper CI limit",
    "Benchmark rule",
    "Compared with benchmark",
];

/// `GET /areas/{code}/profile.csv` (the profile's query): every row of the profile as shown,
/// one line each, with the benchmark chosen (its name, value, limits, and for a peer group how
/// its value was made and from how many members) and the comparison.
///
/// # Errors
/// An unknown area (404) or benchmark (400).
pub async fn profile_csv(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let cache = state.cache.get(&state.store).await?;
    let Profile { groups, benchmark, note } =
        profile(&cache, &code, &q)?.ok_or_else(|| WebError::NotFound(format!("the area {code}")))?;
    let level = if q.level.as_deref() == Some("99.8") { "99.8" } else { "95" };
    let name = benchmark.name();
    let mut out = csv_line(PROFILE_CSV_COLUMNS.iter().map(|c| c.to_string()));
    let number = crate::format::data_value;
    for b in groups.iter().flat_map(|g| &g.benchmarks) {
        let r = &b.row;
        let (lower, upper) = if level == "99.8" { (r.lower_99_8, r.upper_99_8) } else { (r.lower_95, r.upper_95) };
        let rule = match (&benchmark, b.peers) {
            (_, Some((rule, n))) => format!("{} of {n} members", rule.words()),
            (Resolved::Peers(_), None) => "no member has a value".to_string(),
            (Resolved::Area { .. }, _) => note.clone().unwrap_or_else(|| "the benchmark area's own value".into()),
        };
        out.push_str(&csv_line([
            r.area_code.clone(),
            r.area_name.clone(),
            r.indicator_id.clone(),
            r.indicator_name.clone(),
            r.sex.clone(),
            r.age.clone(),
            r.time_period.clone(),
            number(r.count),
            number(r.value),
            number(lower),
            number(upper),
            format!("{level}%"),
            name.clone(),
            number(b.value),
            number(b.limits.0),
            number(b.limits.1),
            rule,
            b.class.label().to_string(),
        ]));
    }
    let file = format!("fairer-profile-{}-{}.csv", code.replace(|c: char| !c.is_ascii_alphanumeric(), "_"), q_word(&q));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        out,
    )
        .into_response())
}

/// The benchmark's word of a query already checked (England by default).
fn q_word(q: &AreaQuery) -> &'static str {
    Benchmark::parse(q.benchmark.as_deref()).map_or("england", Benchmark::query)
}

/// One CSV line (RFC 4180: a field with a comma, quote or line break is quoted, its quotes
/// doubled), ending in CRLF.
fn csv_line(fields: impl IntoIterator<Item = String>) -> String {
    let mut line = fields
        .into_iter()
        .map(|f| if f.contains([',', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f })
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// Browsers may keep a profile but ask again each time (answered `304` while it holds).
const REVALIDATE: &str = "no-cache";

/// The entity tag of a page: the release's id and a hash of the page's key (its path and
/// options), `"r{release}-{hash}"`; `"r0-…"` before the first release.
fn entity_tag(release: Option<i64>, key: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    format!("\"r{}-{:016x}\"", release.unwrap_or(0), hasher.finish())
}

/// `GET /charts/spine.svg?area=CODE&group=ID` (and the page's other parameters): one group's
/// spine chart as a standalone SVG (its own `<style>`).
pub async fn spine_svg(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let cache = state.cache.get(&state.store).await?;
    let area = cache
        .area_of_type(&code, q.area_type.as_deref().filter(|t| !t.is_empty()))
        .ok_or_else(|| WebError::NotFound(format!("the area {code}")))?;
    let Profile { groups, benchmark, .. } =
        profile(&cache, &code, &q)?.ok_or_else(|| WebError::NotFound(format!("the area {code}")))?;
    let bench_name = benchmark.name();
    let group = match q.group.as_deref() {
        Some(id) => groups.iter().find(|g| g.id == id),
        None => groups.first(),
    }
    .ok_or_else(|| WebError::NotFound(format!("the group {} of {code}", q.group.as_deref().unwrap_or(""))))?;
    let chart = group_chart(group, &bench_name, &area.name, Palette::parse(q.palette.as_deref()), true);
    Ok(svg_response(chart))
}

/// A standalone SVG response.
pub fn svg_response(chart: Chart) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], chart.svg).into_response()
}
