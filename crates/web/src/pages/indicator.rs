//! The indicator pages, one per tab: `/indicators/{id}` (compare areas), `/map`, `/trend`,
//! `/inequalities`, `/definition`; and the standalone charts `/charts/{kind}.svg`.
//!
//! The latest period of every area comes from the cache; another period, an area's trend and
//! the deprivation deciles are one store query each (`Store::values`).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use engine::compute::decomposition::{CATEGORY_TYPE as DECOMPOSITION, OTHER_CAUSES};
use serde::Deserialize;
use stats::arriaga::AGE_BAND_LABELS;
use store::{Indicator, ValueQuery, ValueRow};

use super::area::{svg_response, AreaQuery, ENGLAND};
use crate::cache::ReleaseCache;
use crate::charts::bars::bars;
use crate::charts::deciles::{deciles, SiiLine};
use crate::charts::decomposition::{decomposition, BandContributions};
use crate::charts::map::{map, MapArea};
use crate::charts::trend::trend;
use crate::charts::{Chart, Comparison, Mark, Opts, Palette};
use crate::geo::Maps;
use crate::views::{encode, query, words, Cell, ChartPage, Control, DataTable, Section, Tab};
use crate::{AppState, WebError};

/// The indicator pages' query.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct IndicatorQuery {
    /// The indicator, for `/charts/{kind}.svg`.
    pub indicator: Option<String>,
    /// The area type compared and mapped (default: local authorities when present).
    pub area_type: Option<String>,
    /// The period (default: the latest).
    pub period: Option<String>,
    /// The sex (default: Persons, else the first).
    pub sex: Option<String>,
    /// `value` (default) or `name`.
    pub sort: Option<String>,
    /// `95` (default) or `99.8`.
    pub level: Option<String>,
    /// `cb` for the colour-blind palette.
    pub palette: Option<String>,
    /// The area of the trend and inequalities tabs (default England).
    pub area: Option<String>,
    /// The map's colouring: `comparison` (default) or `quintile`.
    pub colour: Option<String>,
}

/// The tabs, in order: (path suffix, label).
const TABS: [(&str, &str); 5] = [
    ("", "Compare areas"),
    ("/map", "Map"),
    ("/trend", "Trend"),
    ("/inequalities", "Inequalities"),
    ("/definition", "Definition"),
];

fn tabs(id: &str, current: &str, qs: &str) -> Vec<Tab> {
    TABS.iter()
        .map(|(suffix, label)| Tab {
            label: (*label).into(),
            href: format!("/indicators/{}{suffix}{qs}", encode(id)),
            current: *suffix == current,
        })
        .collect()
}

/// The cache and the indicator of `id`, or 404.
async fn context(state: &AppState, id: &str) -> Result<(std::sync::Arc<ReleaseCache>, Indicator), WebError> {
    let cache = state.cache.get(&state.store).await?;
    let indicator = cache.indicator(id).cloned().ok_or_else(|| WebError::NotFound(format!("the indicator {id}")))?;
    Ok((cache, indicator))
}

/// The sexes the indicator has in the latest release (England's rows, else any area's).
fn sexes(cache: &ReleaseCache, id: &str) -> Vec<String> {
    let mut out: Vec<String> = cache
        .areas
        .iter()
        .flat_map(|a| cache.latest(&a.code).iter())
        .filter(|r| r.indicator_id == id)
        .map(|r| r.sex.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The sex asked for, else Persons, else the first the indicator has.
fn pick_sex(q: &IndicatorQuery, sexes: &[String]) -> String {
    q.sex
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| sexes.iter().find(|s| *s == "Persons").cloned())
        .or_else(|| sexes.first().cloned())
        .unwrap_or_else(|| "Persons".into())
}

/// The area type asked for, else local authorities, else the first that is not England.
fn pick_area_type(q: &IndicatorQuery, cache: &ReleaseCache) -> String {
    let types = cache.area_types();
    q.area_type
        .clone()
        .filter(|t| types.contains(t))
        .or_else(|| types.iter().find(|t| t.contains("ocal authority")).cloned())
        .or_else(|| types.iter().find(|t| *t != "England").cloned())
        .or_else(|| types.first().cloned())
        .unwrap_or_default()
}

fn level_998(q: &IndicatorQuery) -> bool {
    q.level.as_deref() == Some("99.8")
}

/// A mark of a row: label, value, the limits and comparison at the query's level.
fn mark_of(row: &ValueRow, label: String, at_998: bool) -> Mark {
    let (lower, upper, cmp) = if at_998 {
        (row.lower_99_8, row.upper_99_8, &row.compared_to_benchmark_99_8)
    } else {
        (row.lower_95, row.upper_95, &row.compared_to_benchmark_95)
    };
    Mark { label, value: row.value, lower, upper, class: Comparison::parse(cmp.as_deref()) }
}

/// The rows compared: every area of the type for the sex and period (whole area), the period
/// used, the England row of the same period, and the periods available (newest first).
struct Compared {
    rows: Vec<ValueRow>,
    area_type: String,
    period: String,
    sex: String,
    england: Option<ValueRow>,
    periods: Vec<String>,
    sexes: Vec<String>,
}

async fn compared(state: &AppState, cache: &ReleaseCache, id: &str, q: &IndicatorQuery) -> Result<Compared, WebError> {
    let sexes = sexes(cache, id);
    let sex = pick_sex(q, &sexes);
    let area_type = pick_area_type(q, cache);
    let latest: Vec<ValueRow> = cache.latest_of_type(id, &area_type, &sex).cloned().collect();
    let latest_period = latest.iter().map(|r| (r.time_period_sortable, r.time_period.clone())).max().map(|p| p.1);
    // The periods: England's series (one query), newest first.
    let england_series = state
        .store
        .values(&ValueQuery {
            indicator: Some(id.into()),
            area: Some(ENGLAND.into()),
            sex: Some(sex.clone()),
            whole_area: Some(true),
            ..ValueQuery::default()
        })
        .await?;
    let mut periods: Vec<(Option<i64>, String)> =
        england_series.iter().map(|r| (r.time_period_sortable, r.time_period.clone())).collect();
    periods.extend(latest.iter().map(|r| (r.time_period_sortable, r.time_period.clone())));
    periods.sort();
    periods.dedup();
    periods.reverse();
    let periods: Vec<String> = periods.into_iter().map(|p| p.1).collect();
    let period =
        q.period.clone().filter(|p| periods.contains(p)).or(latest_period).or_else(|| periods.first().cloned());
    let Some(period) = period else {
        return Ok(Compared { rows: Vec::new(), area_type, period: String::new(), sex, england: None, periods, sexes });
    };
    let rows: Vec<ValueRow> = if latest.iter().all(|r| r.time_period == period) && !latest.is_empty() {
        latest
    } else {
        state
            .store
            .values(&ValueQuery {
                indicator: Some(id.into()),
                time_period: Some(period.clone()),
                sex: Some(sex.clone()),
                whole_area: Some(true),
                ..ValueQuery::default()
            })
            .await?
            .into_iter()
            .filter(|r| r.area_type == area_type)
            .collect()
    };
    let england = england_series
        .into_iter()
        .find(|r| r.time_period == period && r.age == "All ages")
        .or_else(|| cache.latest_row(ENGLAND, id, &sex, "All ages").filter(|r| r.time_period == period).cloned());
    Ok(Compared { rows, area_type, period, sex, england, periods, sexes })
}

/// The GET controls of compare and map.
fn compare_controls(
    cache: &ReleaseCache,
    c: &Compared,
    q: &IndicatorQuery,
    palette: Palette,
    sort: bool,
) -> Vec<Control> {
    let mut controls = vec![
        Control::new("area_type", "Areas", cache.area_types().into_iter().map(|t| (t.clone(), t)), &c.area_type),
        Control::new("period", "Period", c.periods.iter().map(|p| (p.clone(), p.clone())), &c.period),
        Control::new("sex", "Sex", c.sexes.iter().map(|s| (s.clone(), s.clone())), &c.sex),
    ];
    if sort {
        controls.push(Control::new(
            "sort",
            "Order",
            [("value".to_string(), "By value".to_string()), ("name".to_string(), "By name".to_string())],
            q.sort.as_deref().unwrap_or("value"),
        ));
    }
    controls.push(Control::new(
        "level",
        "Confidence",
        [("95".to_string(), "95%".to_string()), ("99.8".to_string(), "99.8%".to_string())],
        q.level.as_deref().unwrap_or("95"),
    ));
    controls.push(Control::palette(palette));
    controls
}

/// The standard headers and row of an area's value.
fn value_headers(level: &str) -> Vec<String> {
    ["Area", "Count", "Value", &format!("Lower {level}%"), &format!("Upper {level}%"), "Compared with England"]
        .map(str::to_string)
        .to_vec()
}

fn value_cells(row: &ValueRow, first: Cell, m: &Mark) -> Vec<Cell> {
    vec![
        first,
        Cell::number(row.count, 0),
        Cell::number(row.value, 1),
        Cell::number(m.lower, 1),
        Cell::number(m.upper, 1),
        Cell::comparison(m.class),
    ]
}

fn downloads(id: &str, filters: &[(&str, &str)], svg: String) -> Vec<(String, String)> {
    let mut pairs = vec![("indicator", id)];
    pairs.extend_from_slice(filters);
    let qs = query(&pairs);
    vec![
        ("CSV".into(), format!("/api/v1/values.csv{qs}")),
        ("Excel".into(), format!("/api/v1/values.xlsx{qs}")),
        ("Parquet".into(), format!("/api/v1/values.parquet{qs}")),
        ("Chart (SVG)".into(), svg),
    ]
}

/// The bar chart and its sorted rows.
fn compare_chart(
    indicator: &Indicator,
    c: &Compared,
    q: &IndicatorQuery,
    palette: Palette,
    standalone: bool,
) -> (Chart, Vec<(ValueRow, Mark)>) {
    let at_998 = level_998(q);
    let mut rows: Vec<(ValueRow, Mark)> =
        c.rows.iter().map(|r| (r.clone(), mark_of(r, r.area_name.clone(), at_998))).collect();
    if q.sort.as_deref() == Some("name") {
        rows.sort_by(|a, b| a.0.area_name.cmp(&b.0.area_name));
    } else {
        rows.sort_by(|a, b| b.1.value.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.1.value.unwrap_or(f64::NEG_INFINITY)));
    }
    let marks: Vec<Mark> = rows.iter().map(|r| r.1.clone()).collect();
    let england = c.england.as_ref().and_then(|e| e.value);
    let counts: Vec<String> = Comparison::ALL
        .iter()
        .filter_map(|k| {
            let n = marks.iter().filter(|m| m.class == *k).count();
            (n > 0).then(|| format!("{n} {}", k.label().to_lowercase()))
        })
        .collect();
    let mut opts = Opts::new(
        "compare-chart",
        format!("{}: {} ({}, {}, {})", indicator.name, c.area_type, c.period, c.sex, if at_998 { "99.8%" } else { "95%" }),
        format!(
            "{} areas, each a bar with its confidence interval, the line England's value ({}); compared with England: {}.",
            marks.len(),
            crate::charts::human(england, 1),
            if counts.is_empty() { "none".to_string() } else { counts.join(", ") }
        ),
    );
    opts.palette = palette;
    opts.standalone = standalone;
    (bars(&marks, england, &opts), rows)
}

fn qs_of(q: &IndicatorQuery, c: &Compared, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("area_type", c.area_type.as_str()),
        ("period", c.period.as_str()),
        ("sex", c.sex.as_str()),
        ("level", q.level.as_deref().unwrap_or("")),
        ("palette", q.palette.as_deref().unwrap_or("")),
    ];
    pairs.extend_from_slice(extra);
    query(&pairs)
}

/// `GET /indicators/{id}`: compare areas.
pub async fn compare(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, WebError> {
    let (cache, indicator) = context(&state, &id).await?;
    let palette = Palette::parse(q.palette.as_deref());
    let c = compared(&state, &cache, &id, &q).await?;
    let (chart, rows) = compare_chart(&indicator, &c, &q, palette, false);
    let level = if level_998(&q) { "99.8" } else { "95" };
    let table_rows = rows
        .iter()
        .map(|(r, m)| value_cells(r, Cell::header(&r.area_name, Some(cache.area_href(&r.area_code, &r.area_type))), m))
        .collect();
    let svg =
        format!("/charts/bars.svg{}", qs_of(&q, &c, &[("indicator", &id), ("sort", q.sort.as_deref().unwrap_or(""))]));
    let section = Section {
        id: "compare".into(),
        heading: format!("{} compared, {}", c.area_type, c.period),
        notes: Vec::new(),
        chart: Some(chart),
        table: DataTable {
            caption: format!("{}: {} ({}, {})", indicator.name, c.area_type, c.period, c.sex),
            headers: value_headers(level),
            rows: table_rows,
        },
        downloads: downloads(&id, &[("area_type", &c.area_type), ("period", &c.period), ("sex", &c.sex)], svg),
    };
    let controls = compare_controls(&cache, &c, &q, palette, true);
    render_tab(&indicator, "", &q, controls, vec![section], Vec::new(), palette)
}

fn render_tab(
    indicator: &Indicator,
    tab: &str,
    q: &IndicatorQuery,
    controls: Vec<Control>,
    sections: Vec<Section>,
    definitions: Vec<(String, String)>,
    palette: Palette,
) -> Result<Response, WebError> {
    let keep = query(&[("sex", q.sex.as_deref().unwrap_or("")), ("palette", q.palette.as_deref().unwrap_or(""))]);
    let label = TABS.iter().find(|t| t.0 == tab).map_or("", |t| t.1);
    let mut lede = Vec::new();
    if let Some(d) = &indicator.definition {
        lede.push(d.clone());
    }
    super::render(&ChartPage {
        title: format!("{} – {label}", indicator.name),
        lede,
        tabs: tabs(&indicator.id, tab, &keep),
        action: format!("/indicators/{}{tab}", encode(&indicator.id)),
        hidden: Vec::new(),
        legend: !controls.is_empty() && tab != "/definition",
        controls,
        palette: palette.class(),
        sections,
        definitions,
    })
}

/// The boundaries, loaded on first use ([`Maps::from_env`]).
fn maps(state: &AppState) -> &Maps {
    state.maps.get_or_init(|| {
        let files = &state.config().boundaries;
        if files.is_empty() {
            Maps::from_env()
        } else {
            Maps::load_paths(files)
        }
    })
}

/// The map chart and its rows.
fn map_chart(
    state: &AppState,
    cache: &ReleaseCache,
    indicator: &Indicator,
    c: &Compared,
    q: &IndicatorQuery,
    palette: Palette,
    standalone: bool,
) -> (Chart, Vec<(ValueRow, Mark, String)>) {
    let at_998 = level_998(q);
    let quintiles = q.colour.as_deref() == Some("quintile");
    let mut rows: Vec<(ValueRow, Mark, String)> = c
        .rows
        .iter()
        .map(|r| {
            let m = mark_of(r, r.area_name.clone(), at_998);
            let class = if quintiles { quintile_class(r.quintile.as_deref()) } else { m.class.class().to_string() };
            (r.clone(), m, class)
        })
        .collect();
    rows.sort_by(|a, b| a.0.area_code.cmp(&b.0.area_code));
    let areas: Vec<MapArea> = rows
        .iter()
        .map(|(r, m, class)| MapArea {
            code: r.area_code.clone(),
            parent: cache.area_of_type(&r.area_code, Some(&r.area_type)).and_then(|a| a.parent_name.clone()),
            mark: m.clone(),
            class: class.clone(),
        })
        .collect();
    let layer = maps(state).layer_for(areas.iter().map(|a| a.code.as_str()));
    let mut opts = Opts::new(
        "map-chart",
        format!("{}: {} ({}, {})", indicator.name, c.area_type, c.period, c.sex),
        format!(
            "{} areas coloured by {}{}.",
            areas.len(),
            if quintiles { "quintile (1 the lowest fifth)" } else { "comparison with England" },
            if layer.is_some() {
                ""
            } else {
                "; drawn as a grid of squares grouped by parent area (no boundaries for these areas)"
            }
        ),
    );
    opts.palette = palette;
    opts.standalone = standalone;
    (map(layer, &areas, &opts), rows)
}

/// The class of a quintile label (`q1` … `q5`), `none` when it does not read.
fn quintile_class(label: Option<&str>) -> String {
    label
        .and_then(|l| l.chars().find(|c| c.is_ascii_digit()))
        .filter(|c| ('1'..='5').contains(c))
        .map_or("none".into(), |c| format!("q{c}"))
}

/// `GET /indicators/{id}/map`.
pub async fn map_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, WebError> {
    let (cache, indicator) = context(&state, &id).await?;
    let palette = Palette::parse(q.palette.as_deref());
    let c = compared(&state, &cache, &id, &q).await?;
    let (chart, rows) = map_chart(&state, &cache, &indicator, &c, &q, palette, false);
    let level = if level_998(&q) { "99.8" } else { "95" };
    let mut headers = value_headers(level);
    headers.push("Quintile".into());
    let table_rows = rows
        .iter()
        .map(|(r, m, _)| {
            let mut cells =
                value_cells(r, Cell::header(&r.area_name, Some(cache.area_href(&r.area_code, &r.area_type))), m);
            cells.push(Cell::text(r.quintile.clone().unwrap_or_else(|| "-".into())));
            cells
        })
        .collect();
    let colour = q.colour.clone().unwrap_or_else(|| "comparison".into());
    let svg = format!("/charts/map.svg{}", qs_of(&q, &c, &[("indicator", &id), ("colour", &colour)]));
    let section = Section {
        id: "map".into(),
        heading: format!("{}, {}", c.area_type, c.period),
        notes: Vec::new(),
        chart: Some(chart),
        table: DataTable {
            caption: format!("{}: {} ({}, {})", indicator.name, c.area_type, c.period, c.sex),
            headers,
            rows: table_rows,
        },
        downloads: downloads(&id, &[("area_type", &c.area_type), ("period", &c.period), ("sex", &c.sex)], svg),
    };
    let mut controls = compare_controls(&cache, &c, &q, palette, false);
    controls.insert(
        3,
        Control::new(
            "colour",
            "Colour by",
            [
                ("comparison".to_string(), "Comparison with England".to_string()),
                ("quintile".to_string(), "Quintile".to_string()),
            ],
            &colour,
        ),
    );
    render_tab(&indicator, "/map", &q, controls, vec![section], Vec::new(), palette)
}

/// The whole-area series of an area (oldest first) and England's.
async fn series(state: &AppState, id: &str, area: &str, sex: &str) -> Result<(Vec<ValueRow>, Vec<ValueRow>), WebError> {
    let read = |code: &str| ValueQuery {
        indicator: Some(id.into()),
        area: Some(code.into()),
        sex: Some(sex.into()),
        whole_area: Some(true),
        ..ValueQuery::default()
    };
    let mut own = state.store.values(&read(area)).await?;
    // One age: all ages when the area has it, else the first.
    let age = if own.iter().any(|r| r.age == "All ages") {
        "All ages".to_string()
    } else {
        own.first().map(|r| r.age.clone()).unwrap_or_default()
    };
    own.retain(|r| r.age == age);
    own.sort_by(|a, b| (a.time_period_sortable, &a.time_period).cmp(&(b.time_period_sortable, &b.time_period)));
    let england = if area == ENGLAND { Vec::new() } else { state.store.values(&read(ENGLAND)).await? };
    Ok((own, england))
}

fn area_controls(cache: &ReleaseCache, area: &str, sexes: &[String], sex: &str, palette: Palette) -> Vec<Control> {
    let mut areas: Vec<(String, String)> =
        cache.areas.iter().map(|a| (a.code.clone(), format!("{} ({})", a.name, a.area_type))).collect();
    areas.sort_by_key(|a| a.0 != ENGLAND);
    vec![
        Control::new("area", "Area", areas, area),
        Control::new("sex", "Sex", sexes.iter().map(|s| (s.clone(), s.clone())), sex),
        Control::palette(palette),
    ]
}

/// The trend chart of an area and its rows.
async fn trend_chart(
    state: &AppState,
    cache: &ReleaseCache,
    indicator: &Indicator,
    q: &IndicatorQuery,
    palette: Palette,
    standalone: bool,
) -> Result<(Chart, Vec<ValueRow>, Vec<ValueRow>, String, String), WebError> {
    let sexes = sexes(cache, &indicator.id);
    let sex = pick_sex(q, &sexes);
    let area = q.area.clone().filter(|a| cache.area(a).is_some()).unwrap_or_else(|| ENGLAND.into());
    let (own, england) = series(state, &indicator.id, &area, &sex).await?;
    let points: Vec<(String, Mark)> =
        own.iter().map(|r| (r.time_period.clone(), mark_of(r, String::new(), false))).collect();
    let bench: Vec<Option<f64>> = own
        .iter()
        .map(|r| england.iter().find(|e| e.time_period == r.time_period && e.age == r.age).and_then(|e| e.value))
        .collect();
    let area_name = cache.area(&area).map_or(area.clone(), |a| a.name.clone());
    let mut opts = Opts::new(
        "trend-chart",
        format!("{}: {area_name}, {sex}, over time", indicator.name),
        format!(
            "{} periods from {} to {}; the band is the 95% confidence interval{}.",
            points.len(),
            points.first().map_or("-", |p| p.0.as_str()),
            points.last().map_or("-", |p| p.0.as_str()),
            if area == ENGLAND { "" } else { ", the dashed line England" }
        ),
    );
    opts.height = 280.0;
    opts.palette = palette;
    opts.standalone = standalone;
    let chart = trend(&points, (area != ENGLAND).then_some(bench.as_slice()), "England", &opts);
    Ok((chart, own, england, area, sex))
}

/// `GET /indicators/{id}/trend`.
pub async fn trend_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, WebError> {
    let (cache, indicator) = context(&state, &id).await?;
    let palette = Palette::parse(q.palette.as_deref());
    let (chart, own, england, area, sex) = trend_chart(&state, &cache, &indicator, &q, palette, false).await?;
    let rows = own
        .iter()
        .map(|r| {
            let m = mark_of(r, String::new(), false);
            let e = england.iter().find(|e| e.time_period == r.time_period && e.age == r.age).and_then(|e| e.value);
            let mut cells = value_cells(r, Cell::header(&r.time_period, None), &m);
            cells.insert(5, Cell::number(e, 1));
            cells.push(Cell::text(r.recent_trend.clone().unwrap_or_else(|| "-".into())));
            cells
        })
        .collect();
    let svg = format!(
        "/charts/trend.svg{}",
        query(&[("indicator", &id), ("area", &area), ("sex", &sex), ("palette", q.palette.as_deref().unwrap_or(""))])
    );
    let section = Section {
        id: "trend".into(),
        heading: format!("{} over time", cache.area(&area).map_or(area.clone(), |a| a.name.clone())),
        notes: Vec::new(),
        chart: Some(chart),
        table: DataTable {
            caption: format!("{}: {} ({sex}) by period", indicator.name, area),
            headers: [
                "Period",
                "Count",
                "Value",
                "Lower 95%",
                "Upper 95%",
                "England",
                "Compared with England",
                "Recent trend",
            ]
            .map(str::to_string)
            .to_vec(),
            rows,
        },
        downloads: downloads(&id, &[("area", &area), ("sex", &sex)], svg),
    };
    let controls = area_controls(&cache, &area, &sexes(&cache, &id), &sex, palette);
    render_tab(&indicator, "/trend", &q, controls, vec![section], Vec::new(), palette)
}

/// The order of a deprivation decile label: 1 the most deprived … 10 the least ("Most
/// deprived decile (IMD2019)", "Second most …", "Fifth least …", "Least …", or a number).
pub fn decile_rank(label: &str) -> Option<u32> {
    let l = label.trim().to_ascii_lowercase();
    if let Ok(n) = l.parse::<u32>() {
        return Some(n);
    }
    const NAMES: [&str; 10] = [
        "most deprived",
        "second most deprived",
        "third most deprived",
        "fourth most deprived",
        "fifth most deprived",
        "fifth least deprived",
        "fourth least deprived",
        "third least deprived",
        "second least deprived",
        "least deprived",
    ];
    NAMES.iter().position(|n| l.starts_with(n)).map(|i| i as u32 + 1)
}

/// The inequality chart data: decile rows (most deprived first), the whole-area series.
async fn inequality_chart(
    state: &AppState,
    cache: &ReleaseCache,
    indicator: &Indicator,
    q: &IndicatorQuery,
    palette: Palette,
    standalone: bool,
) -> Result<(Chart, Vec<ValueRow>, Vec<ValueRow>, String, String, String), WebError> {
    let sexes = sexes(cache, &indicator.id);
    let sex = pick_sex(q, &sexes);
    let area = q.area.clone().filter(|a| cache.area(a).is_some()).unwrap_or_else(|| ENGLAND.into());
    let (whole, _) = series(state, &indicator.id, &area, &sex).await?;
    let period = q
        .period
        .clone()
        .filter(|p| whole.iter().any(|r| &r.time_period == p))
        .or_else(|| whole.last().map(|r| r.time_period.clone()))
        .unwrap_or_default();
    let mut decile_rows = state
        .store
        .values(&ValueQuery {
            indicator: Some(indicator.id.clone()),
            area: Some(area.clone()),
            sex: Some(sex.clone()),
            time_period: Some(period.clone()),
            whole_area: Some(false),
            ..ValueQuery::default()
        })
        .await?;
    decile_rows.retain(|r| r.category_type.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("decile")));
    decile_rows.sort_by_key(|r| decile_rank(r.category.as_deref().unwrap_or("")).unwrap_or(99));
    let marks: Vec<Mark> =
        decile_rows.iter().map(|r| mark_of(r, r.category.clone().unwrap_or_default(), false)).collect();
    let whole_row = whole.iter().find(|r| r.time_period == period);
    let line = whole_row.and_then(|w| {
        let pts: Vec<(Option<f64>, Option<f64>)> = decile_rows.iter().map(|r| (r.value, r.denominator)).collect();
        SiiLine::fit(&pts, w.sii?, w.sii_lower_95, w.sii_upper_95)
    });
    let area_name = cache.area(&area).map_or(area.clone(), |a| a.name.clone());
    let mut opts = Opts::new(
        "deciles-chart",
        format!("{}: {area_name}, {sex}, {period}, by deprivation decile", indicator.name),
        format!(
            "{} deciles from the most deprived (1) to the least (10){}.",
            marks.len(),
            match (whole_row.and_then(|w| w.sii), line.is_some()) {
                (Some(s), true) => format!(
                    "; the line is the slope index of inequality, {}, with its 95% interval",
                    crate::charts::human(Some(s), 1)
                ),
                (Some(s), false) => format!("; slope index of inequality {}", crate::charts::human(Some(s), 1)),
                _ => String::new(),
            }
        ),
    );
    opts.palette = palette;
    opts.standalone = standalone;
    let chart = deciles(&marks, line.as_ref(), &opts);
    Ok((chart, decile_rows, whole, area, sex, period))
}

/// Whether the gap narrows, from the slope index of inequality of each period that has one
/// with its 95% limits (time: the period's sortable year): the project's stated test,
/// [`stats::gap::gap_trend`] (a weighted least-squares slope of the gap on time; narrowing when
/// its 95% interval points wholly towards zero), in words for the page.
pub fn gap_change_note(rows: &[&ValueRow]) -> String {
    let points: Vec<(f64, stats::gap::Bounded)> = rows
        .iter()
        .filter_map(|r| {
            let t = r.time_period_sortable? as f64;
            stats::gap::Bounded::new(r.sii?, r.sii_lower_95?, r.sii_upper_95?, "the SII").ok().map(|b| (t, b))
        })
        .collect();
    let (first, last) = match (rows.iter().find(|r| r.sii.is_some()), rows.iter().rev().find(|r| r.sii.is_some())) {
        (Some(a), Some(b)) => (a.time_period.clone(), b.time_period.clone()),
        _ => {
            return "Whether the gap narrows needs the slope index of inequality, with its interval, in three periods."
                .into()
        }
    };
    match stats::gap::gap_trend(&points, stats::ConfidenceLevel::C95) {
        Ok(trend) => format!(
            "Whether the gap narrows over the {} periods from {first} to {last}: {} (the trend of the slope index of inequality, tested at 95%).",
            trend.periods,
            trend.change.as_str()
        ),
        Err(e) => format!("Whether the gap narrows cannot be tested: {e}."),
    }
}

/// The life expectancy gap's decomposition of an area, sex and period (the rows of
/// [`engine::compute::decomposition::CATEGORY_TYPE`]): the bands youngest first, each with its
/// causes' years (the causes by their part of the gap, largest first, "Other causes" last), the
/// causes, and the rows' note
/// (the two deciles and their life expectancies). Empty when the indicator has none.
pub fn decomposition_bands(rows: &[ValueRow]) -> (Vec<BandContributions>, Vec<String>, Option<String>) {
    let mut causes: Vec<String> = Vec::new();
    let mut cells: Vec<(usize, usize, f64)> = Vec::new();
    let mut note = None;
    for r in rows.iter().filter(|r| r.category_type.as_deref() == Some(DECOMPOSITION)) {
        let Some((band, cause)) = r.category.as_deref().and_then(|c| c.split_once(" | ")) else { continue };
        let Some(b) = AGE_BAND_LABELS.iter().position(|l| *l == band) else { continue };
        let c = causes.iter().position(|x| x == cause).unwrap_or_else(|| {
            causes.push(cause.to_string());
            causes.len() - 1
        });
        cells.push((b, c, r.value.unwrap_or(0.0)));
        if note.is_none() {
            note = r.value_note.clone();
        }
    }
    if cells.is_empty() {
        return (Vec::new(), causes, None);
    }
    let mut bands: Vec<BandContributions> = AGE_BAND_LABELS
        .iter()
        .map(|l| BandContributions { band: (*l).to_string(), by_cause: vec![0.0; causes.len()] })
        .collect();
    for (b, c, v) in cells {
        bands[b].by_cause[c] += v;
    }
    // Causes by their part of the gap, largest first, other causes last.
    let total = |c: usize| bands.iter().map(|b| b.by_cause[c]).sum::<f64>();
    let mut order: Vec<usize> = (0..causes.len()).collect();
    order.sort_by(|&a, &b| {
        (causes[a] == OTHER_CAUSES).cmp(&(causes[b] == OTHER_CAUSES)).then(total(b).total_cmp(&total(a)))
    });
    let causes = order.iter().map(|&c| causes[c].clone()).collect();
    for band in &mut bands {
        band.by_cause = order.iter().map(|&c| band.by_cause[c]).collect();
    }
    (bands, causes, note)
}

/// The decomposition chart of the inequalities tab's area, sex and period, with its bands,
/// causes and note; `None` when there is no decomposition.
async fn decomposition_chart(
    state: &AppState,
    cache: &ReleaseCache,
    indicator: &Indicator,
    (area, sex, period): (&str, &str, &str),
    palette: Palette,
    standalone: bool,
) -> Result<Option<(Chart, Vec<BandContributions>, Vec<String>, Option<String>)>, WebError> {
    let rows = state
        .store
        .values(&ValueQuery {
            indicator: Some(indicator.id.clone()),
            area: Some(area.into()),
            sex: Some(sex.into()),
            time_period: Some(period.into()),
            whole_area: Some(false),
            ..ValueQuery::default()
        })
        .await?;
    let (bands, causes, note) = decomposition_bands(&rows);
    if bands.is_empty() {
        return Ok(None);
    }
    let total: f64 = bands.iter().map(BandContributions::total).sum();
    let largest = bands.iter().max_by(|a, b| a.total().total_cmp(&b.total()));
    let area_name = cache.area(area).map_or(area.to_string(), |a| a.name.clone());
    let mut opts = Opts::new(
        "decomposition-chart",
        format!(
            "{}: the gap between the most and least deprived deciles by age and cause, {area_name}, {sex}, {period}",
            indicator.name
        ),
        format!(
            "{} age bands, each a column of {} causes of death; they add up to the gap of {} years{}.",
            bands.len(),
            causes.len(),
            crate::charts::human(Some(total), 1),
            largest.map_or(String::new(), |b| format!(
                "; the largest part is at ages {}, {} years",
                b.band,
                crate::charts::human(Some(b.total()), 1)
            ))
        ),
    );
    opts.height = 300.0;
    opts.palette = palette;
    opts.standalone = standalone;
    opts.unit = "years".into();
    let chart = decomposition(&bands, &causes, &opts);
    Ok(Some((chart, bands, causes, note)))
}

/// The section of the decomposition on the inequalities tab.
fn decomposition_section(
    indicator: &Indicator,
    (area, sex, period): (&str, &str, &str),
    (chart, bands, causes, note): (Chart, Vec<BandContributions>, Vec<String>, Option<String>),
) -> Section {
    let total: f64 = bands.iter().map(BandContributions::total).sum();
    let by_cause: Vec<f64> = (0..causes.len()).map(|c| bands.iter().map(|b| b.by_cause[c]).sum()).collect();
    let mut notes = vec![format!(
        "Arriaga's decomposition (as the OHID Segment Tool): the years each age band and cause of death add to the gap in life expectancy at birth between the most and least deprived deciles, {} years in all ({}). A negative part narrows the gap.",
        crate::charts::human(Some(total), 2),
        causes
            .iter()
            .zip(&by_cause)
            .map(|(c, v)| format!("{c} {}", crate::charts::human(Some(*v), 2)))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    notes.extend(note);
    let mut headers = vec!["Age band".to_string()];
    headers.extend(causes.iter().cloned());
    headers.push("All causes".into());
    let rows = bands
        .iter()
        .map(|b| {
            let mut cells = vec![Cell::header(&b.band, None)];
            cells.extend(b.by_cause.iter().map(|v| Cell::number(Some(*v), 2)));
            cells.push(Cell::number(Some(b.total()), 2));
            cells
        })
        .collect();
    let svg = format!(
        "/charts/decomposition.svg{}",
        query(&[("indicator", &indicator.id), ("area", area), ("sex", sex), ("period", period)])
    );
    Section {
        id: "decomposition".into(),
        heading: format!("The gap by age and cause, {period}"),
        notes,
        chart: Some(chart),
        table: DataTable {
            caption: format!("{}: {area} ({sex}, {period}) the gap by age band and cause, years", indicator.name),
            headers,
            rows,
        },
        downloads: downloads(
            &indicator.id,
            &[("area", area), ("sex", sex), ("period", period), ("breakdown", "categories")],
            svg,
        ),
    }
}

/// `GET /indicators/{id}/inequalities`.
pub async fn inequalities(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, WebError> {
    let (cache, indicator) = context(&state, &id).await?;
    let palette = Palette::parse(q.palette.as_deref());
    let (chart, decile_rows, whole, area, sex, period) =
        inequality_chart(&state, &cache, &indicator, &q, palette, false).await?;
    let rows = decile_rows
        .iter()
        .map(|r| {
            let m = mark_of(r, String::new(), false);
            vec![
                Cell::header(r.category.clone().unwrap_or_default(), None),
                Cell::number(r.count, 0),
                Cell::number(r.denominator, 0),
                Cell::number(r.value, 1),
                Cell::number(m.lower, 1),
                Cell::number(m.upper, 1),
            ]
        })
        .collect();
    let svg = format!(
        "/charts/deciles.svg{}",
        query(&[("indicator", &id), ("area", &area), ("sex", &sex), ("period", &period)])
    );
    let deciles_section = Section {
        id: "deciles".into(),
        heading: format!("By deprivation decile, {period}"),
        notes: if decile_rows.is_empty() {
            vec!["No values by deprivation decile for this area and period.".into()]
        } else {
            Vec::new()
        },
        chart: (!decile_rows.is_empty()).then_some(chart),
        table: DataTable {
            caption: format!("{}: {area} ({sex}, {period}) by deprivation decile", indicator.name),
            headers: ["Decile", "Count", "Denominator", "Value", "Lower 95%", "Upper 95%"].map(str::to_string).to_vec(),
            rows,
        },
        downloads: downloads(
            &id,
            &[("area", &area), ("sex", &sex), ("period", &period), ("breakdown", "categories")],
            svg,
        ),
    };
    // The gap over time: the SII of each period with its interval, as a trend.
    let gap_rows: Vec<&ValueRow> = whole.iter().filter(|r| r.sii.is_some() || r.excess_count.is_some()).collect();
    let points: Vec<(String, Mark)> = gap_rows
        .iter()
        .map(|r| {
            (
                r.time_period.clone(),
                Mark {
                    label: "SII".into(),
                    value: r.sii,
                    lower: r.sii_lower_95,
                    upper: r.sii_upper_95,
                    class: Comparison::NotCompared,
                },
            )
        })
        .collect();
    let mut opts = Opts::new(
        "gap-chart",
        format!("{}: the slope index of inequality over time", indicator.name),
        format!("{} periods of the slope index of inequality with its 95% interval.", points.len()),
    );
    let change_note = gap_change_note(&gap_rows);
    opts.height = 260.0;
    opts.palette = palette;
    let gap_chart = trend(&points, None, "", &opts);
    let gap_table = gap_rows
        .iter()
        .map(|r| {
            vec![
                Cell::header(&r.time_period, None),
                Cell::number(r.sii, 1),
                Cell::number(r.sii_lower_95, 1),
                Cell::number(r.sii_upper_95, 1),
                Cell::number(r.rii, 2),
                Cell::number(r.gap_most_minus_least_deprived, 1),
                Cell::number(r.excess_count, 0),
            ]
        })
        .collect();
    let gap_section = Section {
        id: "gap".into(),
        heading: "The gap over time".into(),
        notes: vec![
            change_note,
            "Excess: the count above what the area would have at the least deprived decile's rate.".into(),
        ],
        chart: (!points.is_empty()).then_some(gap_chart),
        table: DataTable {
            caption: format!("{}: {area} ({sex}) inequality summaries by period", indicator.name),
            headers: ["Period", "SII", "SII lower 95%", "SII upper 95%", "RII", "Most minus least deprived", "Excess"]
                .map(str::to_string)
                .to_vec(),
            rows: gap_table,
        },
        downloads: Vec::new(),
    };
    let mut sections = vec![deciles_section, gap_section];
    let at = (area.as_str(), sex.as_str(), period.as_str());
    if let Some(parts) = decomposition_chart(&state, &cache, &indicator, at, palette, false).await? {
        sections.insert(1, decomposition_section(&indicator, at, parts));
    }
    let controls = area_controls(&cache, &area, &sexes(&cache, &id), &sex, palette);
    render_tab(&indicator, "/inequalities", &q, controls, sections, Vec::new(), palette)
}

/// `GET /indicators/{id}/definition`.
pub async fn definition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<IndicatorQuery>,
) -> Result<Response, WebError> {
    let (cache, indicator) = context(&state, &id).await?;
    let mut defs = vec![("Indicator".to_string(), indicator.name.clone()), ("Id".to_string(), indicator.id.clone())];
    let mut add = |term: &str, v: &Option<String>| {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            defs.push((term.into(), v.clone()));
        }
    };
    add("Definition", &indicator.definition);
    add("Framework", &indicator.framework.as_deref().map(words));
    add("Domain", &indicator.domain.as_deref().map(words));
    add("Measure", &indicator.measure);
    add("Polarity", &indicator.polarity);
    let methods: Vec<String> = {
        let mut m: Vec<String> =
            cache.latest(ENGLAND).iter().filter(|r| r.indicator_id == id).filter_map(|r| r.method.clone()).collect();
        m.dedup();
        m
    };
    if !methods.is_empty() {
        defs.push(("Method".into(), methods.join("; ")));
    }
    if let Some(r) = &cache.release {
        defs.push(("Release".into(), format!("{} of {}", r.name, r.released_on)));
    }
    render_tab(&indicator, "/definition", &q, Vec::new(), Vec::new(), defs, Palette::parse(q.palette.as_deref()))
}

/// `GET /charts/{kind}.svg`: a chart of a page as a standalone SVG with its own `<style>`;
/// `kind` is `bars`, `map`, `trend`, `deciles`, `decomposition` (with `indicator=` and the
/// page's parameters)
/// or `spine` (with `area=`, `group=` and the profile's parameters).
pub async fn chart_svg(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<IndicatorQuery>,
    Query(aq): Query<AreaQuery>,
) -> Result<Response, WebError> {
    let kind = file.strip_suffix(".svg").ok_or_else(|| WebError::NotFound(format!("the chart {file}")))?;
    let palette = Palette::parse(q.palette.as_deref());
    if kind == "spine" {
        let code = q.area.clone().unwrap_or_else(|| ENGLAND.into());
        return super::area::spine_svg(State(state), Path(code), Query(aq)).await;
    }
    let id = q.indicator.clone().ok_or_else(|| WebError::NotFound("a chart without indicator=".into()))?;
    let (cache, indicator) = context(&state, &id).await?;
    let chart = match kind {
        "bars" => {
            let c = compared(&state, &cache, &id, &q).await?;
            compare_chart(&indicator, &c, &q, palette, true).0
        }
        "map" => {
            let c = compared(&state, &cache, &id, &q).await?;
            map_chart(&state, &cache, &indicator, &c, &q, palette, true).0
        }
        "trend" => trend_chart(&state, &cache, &indicator, &q, palette, true).await?.0,
        "deciles" => inequality_chart(&state, &cache, &indicator, &q, palette, true).await?.0,
        "decomposition" => {
            let (_, _, whole, area, sex, period) =
                inequality_chart(&state, &cache, &indicator, &q, palette, true).await?;
            drop(whole);
            decomposition_chart(&state, &cache, &indicator, (&area, &sex, &period), palette, true)
                .await?
                .ok_or_else(|| WebError::NotFound(format!("a decomposition of {id} for {area}, {sex}, {period}")))?
                .0
        }
        _ => return Err(WebError::NotFound(format!("the chart {file}"))),
    };
    Ok(svg_response(chart))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_are_ranked_most_deprived_first() {
        let labels = [
            "Most deprived decile (IMD2019)",
            "Second most deprived decile (IMD2019)",
            "Fifth most deprived decile (IMD2019)",
            "Fifth least deprived decile (IMD2019)",
            "Second least deprived decile (IMD2019)",
            "Least deprived decile (IMD2019)",
            "3",
        ];
        let ranks: Vec<Option<u32>> = labels.iter().map(|l| decile_rank(l)).collect();
        assert_eq!(ranks, [Some(1), Some(2), Some(5), Some(6), Some(9), Some(10), Some(3)]);
        assert_eq!(quintile_class(Some("Quintile 3")), "q3");
        assert_eq!(quintile_class(None), "none");
    }
}
