//! The `fetch` span of one page, named after the OpenTelemetry HTTP client conventions so that a
//! trace backend reads it like any other HTTP client's: `url.full` is the URL actually fetched
//! (after a fallback from https to http, and after redirects), `http.response.status_code` an
//! integer, `http.response.body.size` the decoded body's size, and on failure `error.type` the
//! failure's kind (`connect`, `http_status`, ...), the same name `domain_errors.kind` stores.
//!
//! The fetch code records into the span it runs in ([`tracing::Span::current`]), so each
//! attempt overwrites the URL of the one before it and the span ends with the last one.

use tracing::Span;
use tracing::field::Empty;
use url::Url;

use super::FetchedPage;
use crate::failure::Failure;

/// A `fetch` span under `parent` for a page first tried at `url`.
pub fn fetch_span(parent: &Span, url: &str) -> Span {
    tracing::info_span!(
        parent: parent,
        "fetch",
        otel.kind = "client",
        otel.status_code = Empty,
        http.request.method = "GET",
        url.full = url,
        http.response.status_code = Empty,
        http.response.body.size = Empty,
        error.type = Empty,
    )
}

/// Records how the fetch ended on `span`. Integers go in as `i64`: the OpenTelemetry layer
/// turns an unsigned field into a string attribute.
pub fn record_result(span: &Span, result: &Result<FetchedPage, Failure>) {
    match result {
        Ok(page) => {
            span.record("url.full", page.final_url.as_str());
            span.record("http.response.status_code", i64::from(page.status));
            span.record("http.response.body.size", i64::try_from(page.bytes).unwrap_or(i64::MAX));
        }
        Err(failure) => {
            if let Some(status) = failure.http_status {
                span.record("http.response.status_code", i64::from(status));
            }
            span.record("error.type", failure.kind.as_str());
            span.record("otel.status_code", "ERROR");
        }
    }
}

/// The URL being tried now, on the span of the fetch in progress.
pub(super) fn record_url(url: &Url) {
    Span::current().record("url.full", url.as_str());
}
