//! Errors as responses: one type, one place that picks the status and the wording.

use askama::Template;
use axum::http::{StatusCode, Uri};
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
    /// A template failed to render (a bug: logged, and a 500 without detail).
    #[error("rendering the page: {0}")]
    Template(#[from] askama::Error),
}

impl WebError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Store(StoreError::BadInput(_)) => StatusCode::BAD_REQUEST,
            WebError::Store(StoreError::NotFound(_)) | WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
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
        if status.is_server_error() {
            eprintln!("fairer serve: {self}");
        }
        let page = ErrorPage {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("Error"),
            message: self.public_message(),
        };
        let body = page.render().unwrap_or_else(|_| page.message.clone());
        (status, Html(body)).into_response()
    }
}

/// The answer to a path no route serves.
pub async fn not_found(uri: Uri) -> WebError {
    WebError::NotFound(format!("the page {}", uri.path()))
}
