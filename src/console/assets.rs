//! The console's stylesheet and scripts, compiled into the binary: no CDN, no build step.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::page::ConsoleError;

/// (name under `/ui/assets/`, content type, content).
const ASSETS: &[(&str, &str, &str)] = &[
    ("console.css", "text/css; charset=utf-8", include_str!("../../assets/console/console.css")),
    ("console.js", "text/javascript; charset=utf-8", include_str!("../../assets/console/console.js")),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/console/htmx-2.0.11.min.js"),
    ),
];

/// Serves one asset; pages ask for `?v=VERSION`, so a day of caching never outlives a release.
pub async fn serve(Path(name): Path<String>) -> Response {
    let Some((_, content_type, body)) = ASSETS.iter().find(|(asset, _, _)| *asset == name) else {
        return ConsoleError::NotFound("There is no such file.".into()).into_response();
    };
    let mut response = (*body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    response
}
