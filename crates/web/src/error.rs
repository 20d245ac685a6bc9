//! Errors as responses: one type, one place that picks the status and the wording. Pages show
//! an error page ([`WebError`] as a response); the API answers
//! `{"error":{"status":400,"message":"…"}}` ([`ApiError`]).

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The store's error: bad input 400, not found 404, conflict 409, the database 500.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A page or a thing that does not exist, named.
    #[error("{0} not found")]
    NotFound(String),
    /// A request the server will not answer as asked (an unknown filter, a value that does
    /// not read), saying which parameter and what was expected.
    #[error("{0}")]
    BadRequest(String),
    /// The engine's error (encoding a download): bad input 400, cancelled 499, otherwise 500.
    #[error(transparent)]
    Engine(#[from] engine::EngineError),
    /// A template failed to render (a bug: logged, and a 500 without detail).
    #[error("rendering the page: {0}")]
    Template(#[from] askama::Error),
}

impl WebError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Store(StoreError::BadInput(_)) | WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Store(StoreError::NotFound(_)) | WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            WebError::Engine(e) => StatusCode::from_u16(e.kind().http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            WebError::Store(_) | WebError::Template(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user is told: the error itself for their mistakes, a plain sentence for
    /// failures of the server (whose detail goes to the log, never to the client).
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() {
            "Something went wrong on the server; the error has been logged.".to_string()
        } else {
            self.to_string()
        }
    }

    /// Writes a server failure's detail to the log (standard error).
    fn log(&self) {
        if self.status().is_server_error() {
            eprintln!("fairer serve: {self}");
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    reason: &'static str,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        self.log();
        let page = ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message: self.public_message(),
        };
        let body = page.render().unwrap_or_else(|_| page.message.clone());
        (status, Html(body)).into_response()
    }
}

/// An error of the JSON API: the same errors as [`WebError`], answered as
/// `{"error":{"status":404,"message":"the area \"X\" not found"}}` with that status.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        self.0.log();
        let body = serde_json::json!({ "error": { "status": status.as_u16(), "message": self.0.public_message() } });
        let mut response = (status, axum::Json(body)).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

/// The answer to a path no route serves: a JSON error under `/api/`, an error page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(WebError::NotFound(format!("the API path {}", uri.path()))).into_response()
    } else {
        WebError::NotFound(format!("the page {}", uri.path())).into_response()
    }
}
