//! `GET /api/v1/values` (a page of JSON) and its downloads `values.csv`, `values.xlsx` and
//! `values.parquet`, with the same filters ([`super::VALUE_PARAMS`]).

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use engine::input::TableFormat;
use store::{Release, ValueQuery};

use super::{json, not_modified, release_etag, unchanged, Query, VALUE_PARAMS};
use crate::error::ApiError;
use crate::{AppState, WebError};

/// The media type of Excel workbooks.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The media type of Parquet files.
pub(crate) const PARQUET: &str = "application/vnd.apache.parquet";

/// Rows in a page when the request gives no limit.
const DEFAULT_LIMIT: i64 = 1000;
/// The most rows in a page.
const MAX_LIMIT: i64 = 10_000;

/// The store query the filters ask for, and the release it reads (`None` before the first
/// import).
///
/// # Errors
/// A release that is not stored, or a breakdown that contradicts the category filters.
async fn value_query(state: &AppState, query: &Query) -> Result<(ValueQuery, Option<Release>), WebError> {
    let release = match query.get("release") {
        None => state.store.latest_release().await?,
        Some(wanted) => {
            let by_id = match wanted.parse::<i64>() {
                Ok(id) => state.store.releases().await?.into_iter().find(|r| r.id == id),
                Err(_) => None,
            };
            match by_id {
                Some(r) => Some(r),
                None => Some(state.store.release(wanted).await?.ok_or_else(|| {
                    WebError::BadRequest(format!("the release \"{wanted}\": no release has that id or name"))
                })?),
            }
        }
    };
    let text = |name: &str| query.get(name).map(str::to_string);
    let whole_area = match query.get("breakdown").unwrap_or("all") {
        "whole" => Some(true),
        "categories" => Some(false),
        _ => None,
    };
    if whole_area == Some(true) && (query.get("category").is_some() || query.get("category_type").is_some()) {
        return Err(WebError::BadRequest(
            "the breakdown \"whole\": whole-area rows have no category; drop category and category_type, or ask for \
             breakdown=categories"
                .into(),
        ));
    }
    Ok((
        ValueQuery {
            release: release.as_ref().map(|r| r.id),
            indicator: text("indicator"),
            area: text("area"),
            time_period: text("period"),
            sex: text("sex"),
            age: text("age"),
            category_type: text("category_type"),
            category: text("category"),
            area_type: text("area_type"),
            whole_area,
            limit: None,
            offset: 0,
        },
        release,
    ))
}

/// When a query selects nothing, the filter that matches no value of the release on its own
/// (so that a mistyped filter is a 400 naming it, not an empty answer); `Ok` when each filter
/// matches something alone (their combination is empty: a true empty answer).
async fn check_filters(state: &AppState, q: &ValueQuery, release: &Release) -> Result<(), WebError> {
    let base = ValueQuery { release: q.release, limit: Some(1), ..Default::default() };
    let checks: [(&str, &Option<String>, ValueQuery); 8] = [
        ("indicator", &q.indicator, ValueQuery { indicator: q.indicator.clone(), ..base.clone() }),
        ("area", &q.area, ValueQuery { area: q.area.clone(), ..base.clone() }),
        ("area_type", &q.area_type, ValueQuery { area_type: q.area_type.clone(), ..base.clone() }),
        ("period", &q.time_period, ValueQuery { time_period: q.time_period.clone(), ..base.clone() }),
        ("sex", &q.sex, ValueQuery { sex: q.sex.clone(), ..base.clone() }),
        ("age", &q.age, ValueQuery { age: q.age.clone(), ..base.clone() }),
        ("category_type", &q.category_type, ValueQuery { category_type: q.category_type.clone(), ..base.clone() }),
        ("category", &q.category, ValueQuery { category: q.category.clone(), ..base.clone() }),
    ];
    for (name, given, alone) in checks {
        let Some(given) = given else { continue };
        if state.store.values(&alone).await?.is_empty() {
            return Err(WebError::BadRequest(format!(
                "the {name} \"{given}\": no value of the release \"{}\" has it",
                release.name
            )));
        }
    }
    Ok(())
}

/// The URL of the page after this one: the same query with the offset moved on.
fn next_url(uri: &Uri, offset: i64, limit: i64) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
    let mut pairs: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "offset" && k != "limit").collect();
    pairs.push(("limit".into(), limit.to_string()));
    pairs.push(("offset".into(), (offset + limit).to_string()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", uri.path())
}

/// `GET /api/v1/values?…`: `{"release":{"id","name"},"items":[…],"limit","offset","next"}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), VALUE_PARAMS)?;
    let limit = query.integer("limit", 1..=MAX_LIMIT, DEFAULT_LIMIT)?;
    let offset = query.integer("offset", 0..=i64::MAX / 2, 0)?;
    let etag = release_etag(&state, &uri).await?;
    if not_modified(&headers, &etag) {
        return Ok(unchanged(&etag));
    }
    let (mut store_query, release) = value_query(&state, &query).await?;
    let Some(release) = release else {
        let body = serde_json::json!({ "release": null, "items": [], "limit": limit, "offset": offset, "next": null });
        return Ok(json(&body, Some(&etag))?);
    };
    // One row more than the page, to know whether there is a next one.
    store_query.limit = Some(limit + 1);
    store_query.offset = offset;
    let mut rows = state.store.values(&store_query).await?;
    if rows.is_empty() && offset == 0 {
        check_filters(&state, &store_query, &release).await?;
    }
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let body = serde_json::json!({
        "release": { "id": release.id, "name": release.name },
        "items": rows,
        "limit": limit,
        "offset": offset,
        "next": more.then(|| next_url(&uri, offset, limit)),
    });
    Ok(json(&body, Some(&etag))?)
}

/// `GET /api/v1/values.csv?…`.
pub(crate) async fn csv(state: State<AppState>, uri: Uri, raw: RawQuery) -> Result<Response, ApiError> {
    download(state, uri, raw, TableFormat::Csv, "text/csv; charset=utf-8").await
}

/// `GET /api/v1/values.xlsx?…`.
pub(crate) async fn xlsx(state: State<AppState>, uri: Uri, raw: RawQuery) -> Result<Response, ApiError> {
    download(state, uri, raw, TableFormat::Xlsx, XLSX).await
}

/// `GET /api/v1/values.parquet?…`.
pub(crate) async fn parquet(state: State<AppState>, uri: Uri, raw: RawQuery) -> Result<Response, ApiError> {
    download(state, uri, raw, TableFormat::Parquet, PARQUET).await
}

/// The values the filters select (every row unless `limit` is given) as a file in `format`,
/// every column of the results table filled ([`crate::download`]).
async fn download(
    State(state): State<AppState>,
    _uri: Uri,
    RawQuery(raw): RawQuery,
    format: TableFormat,
    media: &'static str,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), VALUE_PARAMS)?;
    let limit = query.get("limit").map(|_| query.integer("limit", 1..=i64::MAX / 2, 0)).transpose()?;
    let offset = query.integer("offset", 0..=i64::MAX / 2, 0)?;
    let (mut store_query, release) = value_query(&state, &query).await?;
    let rows = match &release {
        Some(release) => {
            store_query.limit = limit;
            store_query.offset = offset;
            let rows = state.store.values(&store_query).await?;
            if rows.is_empty() && offset == 0 {
                check_filters(&state, &store_query, release).await?;
            }
            rows
        }
        None => Vec::new(),
    };
    let areas = state.store.areas(None).await?;
    let indicators = state.store.indicators().await?;
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, WebError> {
        let batch = crate::download::to_batch(&rows, &areas, &indicators)?;
        Ok(engine::compute::results::encode(&[batch], format)?)
    })
    .await
    .map_err(|e| WebError::BadRequest(format!("encoding the download: {e}")))??;
    let name: String = [query.get("indicator").unwrap_or("values"), query.get("area").unwrap_or("all")]
        .join("-")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    let disposition = format!("attachment; filename=\"fairer-{name}.{}\"", format.name());
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
