//! The JSON API under `/api/v1`: the same numbers as the pages, for programs.
//!
//! Every route is one entry of [`ROUTES`]: its path, summary, query parameters, response and
//! an example request. The router ([`routes`]) and the OpenAPI document
//! (`/api/v1/openapi.json`, [`openapi::document`]) are both built from that table, and each
//! handler reads its query through the same parameter list ([`Query::parse`]), so the
//! document cannot drift from what the server does: an undocumented parameter is refused (400,
//! naming it), and the tests ask every route its example and check the keys against the
//! document.
//!
//! Responses are JSON with `Cache-Control: no-cache`; what depends only on the data releases
//! carries an `ETag` of the newest release and the URL, and a request presenting it
//! (`If-None-Match`) gets `304 Not Modified`. Errors are `{"error":{"status","message"}}`
//! ([`ApiError`]).

mod openapi;
mod schema;
mod scorecards;
mod values;

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use serde::Serialize;

pub use schema::Schema;

use crate::error::ApiError;
use crate::{AppState, WebError};

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum In {
    /// In the path (`{code}`).
    Path,
    /// In the query string.
    Query,
}

/// A parameter of an API route.
#[derive(Debug)]
pub struct Param {
    /// Its name.
    pub name: &'static str,
    /// Path or query.
    pub location: In,
    /// What it selects.
    pub description: &'static str,
    /// `"string"` or `"integer"`.
    pub kind: &'static str,
    /// The values it takes, when they are a fixed list (empty otherwise).
    pub values: &'static [&'static str],
}

/// What a route answers with.
#[derive(Debug)]
pub enum Shape {
    /// `{"items": [S…]}`.
    Items(&'static Schema),
    /// One object of the schema.
    Object(&'static Schema),
    /// A page of values: `{"release": {"id","name"}|null, "items": [S…], "limit", "offset",
    /// "next": URL|null}`.
    Page(&'static Schema),
    /// A place's targets: `{"place": {"slug","name"}, "rule", "items": [S…]}`.
    Targets(&'static Schema),
    /// A file of the given media type.
    File(&'static str),
    /// The OpenAPI document itself.
    OpenApi,
}

/// One route of the API: what both the router and the OpenAPI document are made from.
pub struct ApiRoute {
    /// The path, with `{name}` for a path parameter (axum's syntax is OpenAPI's).
    pub path: &'static str,
    /// The operation's id in the document.
    pub operation: &'static str,
    /// One line on what it answers.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [Param],
    /// Its response.
    pub response: Shape,
    /// An example request (path and query) on the demo's data.
    pub example: &'static str,
    /// The handler.
    pub handler: fn() -> MethodRouter<AppState>,
}

const fn query(name: &'static str, description: &'static str) -> Param {
    Param { name, location: In::Query, description, kind: "string", values: &[] }
}

const fn path(name: &'static str, description: &'static str) -> Param {
    Param { name, location: In::Path, description, kind: "string", values: &[] }
}

/// The filters of the areas.
const AREA_PARAMS: &[Param] = &[
    query("type", "Only areas of this type (\"Local authority\", \"ICB\", \"Region\", \"England\", …)."),
    query("parent", "Only areas whose parent has this code."),
    query("q", "Only areas whose name contains this text or whose code starts with it (ignoring case)."),
];

/// The filters of the indicators.
const INDICATOR_PARAMS: &[Param] = &[
    query("framework", "Only indicators of this framework (its id, such as \"marmot\")."),
    query("domain", "Only indicators of this domain of their framework (its id, such as \"early_years\")."),
];

/// The filters of the values and of their downloads.
pub(crate) const VALUE_PARAMS: &[Param] = &[
    query("indicator", "The indicator's id."),
    query("area", "The area's code."),
    query("area_type", "Only areas of this type."),
    query("period", "The period's label, as in the results (\"2019 - 21\", \"2022\")."),
    Param {
        name: "sex",
        location: In::Query,
        description: "The sex.",
        kind: "string",
        values: &["Male", "Female", "Persons"],
    },
    query("age", "The age label (\"All ages\", \"<75 yrs\")."),
    query("category_type", "Only breakdown rows of this category type (\"LSOA deprivation deciles (national)\")."),
    query("category", "Only breakdown rows of this category (a decile's label)."),
    Param {
        name: "breakdown",
        location: In::Query,
        description: "Whole-area rows only (`whole`), breakdown rows only (`categories`), or both (`all`, the \
                      default).",
        kind: "string",
        values: &["whole", "categories", "all"],
    },
    query("release", "The release, by id or name; the newest by default."),
    Param {
        name: "limit",
        location: In::Query,
        description: "At most this many rows (1 to 10,000; default 1,000). Downloads give every row unless \
                      limited.",
        kind: "integer",
        values: &[],
    },
    Param {
        name: "offset",
        location: In::Query,
        description: "Rows to skip first (default 0).",
        kind: "integer",
        values: &[],
    },
];

/// An area's code and, where the code is on two levels, its type.
const AREA_CODE: &[Param] = &[
    path("code", "The area's code."),
    query(
        "type",
        "The area's type, where the code is on two levels (a unitary authority is a \"Local authority\" and an \
         \"Upper-tier local authority\"); by default the finest level (the type with the most areas).",
    ),
];
const ID: &[Param] = &[path("id", "The indicator's id.")];
const SLUG: &[Param] = &[path("slug", "The place's slug.")];
/// An ICB's code (scorecard-web).
const CODE_ICB: &[Param] = &[path("code", "The ICB's code (E54…).")];
/// An ICB's code and an indicator of its scorecard (scorecard-web).
const ICB_INDICATOR: &[Param] = &[path("code", "The ICB's code (E54…)."), path("id", "The indicator's id.")];

/// Every API route.
pub static ROUTES: &[ApiRoute] = &[
    ApiRoute {
        path: "/api/v1/releases",
        operation: "releases",
        summary: "Every data release, newest first.",
        params: &[],
        response: Shape::Items(&schema::RELEASE),
        example: "/api/v1/releases",
        handler: || get(releases),
    },
    ApiRoute {
        path: "/api/v1/areas",
        operation: "areas",
        summary: "The areas of the newest release's geography, by code.",
        params: AREA_PARAMS,
        response: Shape::Items(&schema::AREA),
        example: "/api/v1/areas?type=Local%20authority",
        handler: || get(areas),
    },
    ApiRoute {
        path: "/api/v1/areas/{code}",
        operation: "area",
        summary: "One area (of the finest level its code is on, or of `type`).",
        params: AREA_CODE,
        response: Shape::Object(&schema::AREA),
        example: "/api/v1/areas/E92000001",
        handler: || get(area),
    },
    ApiRoute {
        path: "/api/v1/indicators",
        operation: "indicators",
        summary: "The indicators of the newest release, by id, with their metadata.",
        params: INDICATOR_PARAMS,
        response: Shape::Items(&schema::INDICATOR),
        example: "/api/v1/indicators?framework=marmot",
        handler: || get(indicators),
    },
    ApiRoute {
        path: "/api/v1/indicators/{id}",
        operation: "indicator",
        summary: "One indicator, with its metadata.",
        params: ID,
        response: Shape::Object(&schema::INDICATOR),
        example: "/api/v1/indicators/le_birth",
        handler: || get(indicator),
    },
    ApiRoute {
        path: "/api/v1/values",
        operation: "values",
        summary: "Values of a release, a page at a time, their fields named as in the results table; ordered \
                  by indicator, area, sex, age, category type, category and period.",
        params: VALUE_PARAMS,
        response: Shape::Page(&schema::VALUE),
        example: "/api/v1/values?indicator=le_birth&area=E92000001&limit=2",
        handler: || get(values::page),
    },
    ApiRoute {
        path: "/api/v1/values.csv",
        operation: "values_csv",
        summary: "The values the same filters select, as CSV in the indicator portal's layout.",
        params: VALUE_PARAMS,
        response: Shape::File("text/csv"),
        example: "/api/v1/values.csv?indicator=le_birth&area=E92000001",
        handler: || get(values::csv),
    },
    ApiRoute {
        path: "/api/v1/values.xlsx",
        operation: "values_xlsx",
        summary: "The values the same filters select, as an Excel workbook in the indicator portal's layout.",
        params: VALUE_PARAMS,
        response: Shape::File(values::XLSX),
        example: "/api/v1/values.xlsx?indicator=le_birth&area=E92000001",
        handler: || get(values::xlsx),
    },
    ApiRoute {
        path: "/api/v1/values.parquet",
        operation: "values_parquet",
        summary: "The values the same filters select, as Parquet with the results table's column names.",
        params: VALUE_PARAMS,
        response: Shape::File(values::PARQUET),
        example: "/api/v1/values.parquet?indicator=le_birth&area=E92000001",
        handler: || get(values::parquet),
    },
    ApiRoute {
        path: "/api/v1/places",
        operation: "places",
        summary: "Every place monitored, by name.",
        params: &[],
        response: Shape::Items(&schema::PLACE),
        example: "/api/v1/places",
        handler: || get(places),
    },
    ApiRoute {
        path: "/api/v1/places/{slug}",
        operation: "place",
        summary: "A place's monitoring: partners, strategies, recommendations with their history, targets \
                  assessed, progress and evaluations.",
        params: SLUG,
        response: Shape::Object(&schema::PLACE_VIEW),
        example: "/api/v1/places/halham",
        handler: || get(place),
    },
    ApiRoute {
        path: "/api/v1/places/{slug}/targets",
        operation: "place_targets",
        summary: "A place's targets, each with its baseline, trajectory, latest value and assessment.",
        params: SLUG,
        response: Shape::Targets(&schema::TARGET_VIEW),
        example: "/api/v1/places/halham/targets",
        handler: || get(targets),
    },
    ApiRoute {
        path: "/api/v1/scorecards",
        operation: "scorecards",
        summary: "Every ICB's scorecard in brief (issue 14): its indicators and how many Core20 gaps narrow or widen.",
        params: &[],
        response: Shape::Items(&scorecards::SCORECARD_SUMMARY),
        example: "/api/v1/scorecards",
        handler: || get(scorecards::summaries),
    },
    ApiRoute {
        path: "/api/v1/scorecards/{code}",
        operation: "scorecard",
        summary: "One ICB's scorecard, with its funding lines, the ICS place's commitments and the current readiness \
                  self-assessment.",
        params: CODE_ICB,
        response: Shape::Object(&scorecards::SCORECARD),
        example: "/api/v1/scorecards/E54000008",
        handler: || get(scorecards::scorecard),
    },
    ApiRoute {
        path: "/api/v1/scorecards/{code}/indicators/{id}",
        operation: "scorecard_indicator",
        summary: "One indicator of an ICB's scorecard with every breakdown cell.",
        params: ICB_INDICATOR,
        response: Shape::Object(&scorecards::INDICATOR_CARD),
        example: "/api/v1/scorecards/E54000008/indicators/preterm_births",
        handler: || get(scorecards::indicator),
    },
    ApiRoute {
        path: "/api/v1/scorecards/{code}/funding",
        operation: "scorecard_funding",
        summary: "What the ICB reports it spent of its inequalities allocation, by year and category.",
        params: CODE_ICB,
        response: Shape::Items(&scorecards::FUNDING),
        example: "/api/v1/scorecards/E54000008/funding",
        handler: || get(scorecards::funding),
    },
    ApiRoute {
        path: "/api/v1/scorecards/{code}/readiness",
        operation: "scorecard_readiness",
        summary: "The ICB's readiness self-assessments: the current one summarised and every one in full.",
        params: CODE_ICB,
        response: Shape::Object(&scorecards::READINESS),
        example: "/api/v1/scorecards/E54000008/readiness",
        handler: || get(scorecards::readiness),
    },
    ApiRoute {
        path: "/api/v1/cyp-scores",
        operation: "cyp_scores",
        summary: "The children and young people's measurement tool: every ICB's driver and overall scores.",
        params: &[],
        response: Shape::Object(&scorecards::CYP_SCORES),
        example: "/api/v1/cyp-scores",
        handler: || get(scorecards::cyp_scores),
    },
    ApiRoute {
        path: "/api/v1/openapi.json",
        operation: "openapi",
        summary: "This API described in OpenAPI 3.1.",
        params: &[],
        response: Shape::OpenApi,
        example: "/api/v1/openapi.json",
        handler: || get(openapi_json),
    },
];

/// Every API route, from [`ROUTES`] (any other path under `/api/` is a JSON 404: see
/// [`crate::error::not_found`]).
pub fn routes() -> Router<AppState> {
    ROUTES.iter().fold(Router::new(), |router, route| router.route(route.path, (route.handler)()))
}

/// A request's query parameters, checked against a route's list: each known at most once.
pub(crate) struct Query(HashMap<&'static str, String>);

impl Query {
    /// Reads `raw` (the query string) against `params`.
    ///
    /// # Errors
    /// A parameter not in the list (named, with those that are), given twice, or not
    /// URL-encoded text.
    pub(crate) fn parse(raw: Option<&str>, params: &'static [Param]) -> Result<Query, WebError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| WebError::BadRequest(format!("the query string: {e}")))?;
        let mut out = HashMap::new();
        for (name, value) in pairs {
            let Some(param) = params.iter().find(|p| p.name == name && p.location == In::Query) else {
                let known: Vec<&str> = params.iter().filter(|p| p.location == In::Query).map(|p| p.name).collect();
                return Err(WebError::BadRequest(if known.is_empty() {
                    format!("the parameter \"{name}\": this path takes no parameters")
                } else {
                    format!("the parameter \"{name}\": unknown here; expected one of {}", known.join(", "))
                }));
            };
            if !param.values.is_empty() && !param.values.contains(&value.as_str()) {
                return Err(WebError::BadRequest(format!(
                    "the {} \"{value}\": expected one of {}",
                    param.name,
                    param.values.join(", ")
                )));
            }
            if out.insert(param.name, value).is_some() {
                return Err(WebError::BadRequest(format!("the parameter \"{name}\" is given twice")));
            }
        }
        Ok(Query(out))
    }

    /// The parameter `name`, when given and not empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The parameter `name` as a whole number in `range`, or `default` when not given.
    ///
    /// # Errors
    /// Not a whole number, or out of the range (named).
    pub(crate) fn integer(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
        default: i64,
    ) -> Result<i64, WebError> {
        let Some(text) = self.get(name) else { return Ok(default) };
        match text.parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(WebError::BadRequest(format!(
                "the {name} \"{text}\": expected a whole number from {} to {}",
                range.start(),
                range.end()
            ))),
        }
    }
}

/// The entity tag of a response that depends only on the newest release and the URL
/// (`"r{release}-{hash of the URL}"`; `"r0-…"` before the first release).
pub(crate) async fn release_etag(state: &AppState, uri: &Uri) -> Result<String, WebError> {
    let release = state.store.latest_release().await?.map_or(0, |r| r.id);
    // FNV-1a: stable across builds and platforms (the tag outlives the process).
    let hash =
        uri.to_string().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    Ok(format!("\"r{release}-{hash:016x}\""))
}

/// Whether the request already holds the response tagged `etag`.
pub(crate) fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == etag || tag.trim() == "*")
}

/// `304 Not Modified` with the tag.
pub(crate) fn unchanged(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    set_caching(&mut response, Some(etag));
    response
}

/// `Cache-Control: no-cache` (a cache may keep the response but must ask again: the tag makes
/// that cheap) and the tag, if any.
fn set_caching(response: &mut Response, etag: Option<&str>) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert(header::ETAG, tag);
    }
}

/// `value` as a JSON response with the caching headers.
pub(crate) fn json(value: &impl Serialize, etag: Option<&str>) -> Result<Response, WebError> {
    let body = serde_json::to_vec(value).map_err(|e| WebError::BadRequest(format!("the response as JSON: {e}")))?;
    let mut response = ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response();
    set_caching(&mut response, etag);
    Ok(response)
}

/// Runs a handler's release-tagged body: `304` when the client holds the tag already.
async fn tagged<F, Fut>(state: &AppState, uri: &Uri, headers: &HeaderMap, body: F) -> Result<Response, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<serde_json::Value, WebError>>,
{
    let etag = release_etag(state, uri).await?;
    if not_modified(headers, &etag) {
        return Ok(unchanged(&etag));
    }
    Ok(json(&body().await?, Some(&etag))?)
}

/// `{"items": [...]}`.
fn items(items: &impl Serialize) -> Result<serde_json::Value, WebError> {
    Ok(serde_json::json!({ "items": to_json(items)? }))
}

fn to_json(value: &impl Serialize) -> Result<serde_json::Value, WebError> {
    serde_json::to_value(value).map_err(|e| WebError::BadRequest(format!("the response as JSON: {e}")))
}

/// `GET /api/v1/releases`.
async fn releases(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    tagged(&state, &uri, &headers, || async { items(&state.store.releases().await?) }).await
}

/// `GET /api/v1/areas[?type=&parent=&q=]`.
async fn areas(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), AREA_PARAMS)?;
    tagged(&state, &uri, &headers, || async {
        let all = state.store.areas(None).await?;
        if let Some(t) = query.get("type") {
            if !all.iter().any(|a| a.area_type == t) {
                let mut types: Vec<&str> = all.iter().map(|a| a.area_type.as_str()).collect();
                types.sort_unstable();
                types.dedup();
                return Err(WebError::BadRequest(format!(
                    "the type \"{t}\": no area is of that type; the types are {}",
                    types.join(", ")
                )));
            }
        }
        if let Some(p) = query.get("parent") {
            if !all.iter().any(|a| a.code == p) {
                return Err(WebError::BadRequest(format!("the parent \"{p}\": no area has that code")));
            }
        }
        let q = query.get("q").map(str::to_lowercase);
        let selected: Vec<&store::Area> = all
            .iter()
            .filter(|a| query.get("type").is_none_or(|t| a.area_type == t))
            .filter(|a| query.get("parent").is_none_or(|p| a.parent_code.as_deref() == Some(p)))
            .filter(|a| {
                q.as_deref().is_none_or(|q| a.name.to_lowercase().contains(q) || a.code.to_lowercase().starts_with(q))
            })
            .collect();
        items(&selected)
    })
    .await
}

/// `GET /api/v1/areas/{code}`.
async fn area(
    State(state): State<AppState>,
    Path(code): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), AREA_CODE)?;
    tagged(&state, &uri, &headers, || async {
        let area_type = query.get("type");
        let area = state.store.area_of_type(&code, area_type).await?.ok_or_else(|| match area_type {
            Some(t) => WebError::NotFound(format!("the area \"{code}\" of type \"{t}\"")),
            None => WebError::NotFound(format!("the area \"{code}\"")),
        })?;
        to_json(&area)
    })
    .await
}

/// `GET /api/v1/indicators[?framework=&domain=]`.
async fn indicators(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), INDICATOR_PARAMS)?;
    tagged(&state, &uri, &headers, || async {
        let all = state.store.indicators().await?;
        for (name, of) in [
            ("framework", (|i: &store::Indicator| i.framework.clone()) as fn(&store::Indicator) -> Option<String>),
            ("domain", |i| i.domain.clone()),
        ] {
            if let Some(wanted) = query.get(name) {
                if !all.iter().any(|i| of(i).as_deref() == Some(wanted)) {
                    let mut known: Vec<String> = all.iter().filter_map(of).collect();
                    known.sort_unstable();
                    known.dedup();
                    return Err(WebError::BadRequest(format!(
                        "the {name} \"{wanted}\": no indicator has it; those there are: {}",
                        known.join(", ")
                    )));
                }
            }
        }
        let selected: Vec<&store::Indicator> = all
            .iter()
            .filter(|i| query.get("framework").is_none_or(|f| i.framework.as_deref() == Some(f)))
            .filter(|i| query.get("domain").is_none_or(|d| i.domain.as_deref() == Some(d)))
            .collect();
        items(&selected)
    })
    .await
}

/// `GET /api/v1/indicators/{id}`.
async fn indicator(
    State(state): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), ID)?;
    tagged(&state, &uri, &headers, || async {
        let indicator =
            state.store.indicator(&id).await?.ok_or_else(|| WebError::NotFound(format!("the indicator \"{id}\"")))?;
        to_json(&indicator)
    })
    .await
}

/// `GET /api/v1/places` (places change with every edit: no tag).
async fn places(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    Ok(json(&items(&state.store.places().await?)?, None)?)
}

/// `GET /api/v1/places/{slug}`.
async fn place(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), SLUG)?;
    let view =
        state.store.place_view(&slug).await?.ok_or_else(|| WebError::NotFound(format!("the place \"{slug}\"")))?;
    Ok(json(&view, None)?)
}

/// `GET /api/v1/places/{slug}/targets`.
async fn targets(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), SLUG)?;
    let view =
        state.store.place_view(&slug).await?.ok_or_else(|| WebError::NotFound(format!("the place \"{slug}\"")))?;
    let body = serde_json::json!({
        "place": { "slug": view.place.fields.slug, "name": view.place.fields.name },
        "rule": view.rule,
        "items": to_json(&view.targets)?,
    });
    Ok(json(&body, None)?)
}

/// `GET /api/v1/openapi.json`.
async fn openapi_json(RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    Ok(json(openapi::document(), None)?)
}
