//! Swagger UI at `/docs` (the vendored bundle of `utoipa-swagger-ui`, no CDN), showing
//! `/openapi.json`, behind a Content-Security-Policy of its own.
//!
//! The policy is as strict as Swagger UI allows: its page loads only its own scripts and
//! stylesheets (the bundle has no inline script, and sets styles through the DOM, which a
//! policy does not govern), its icons are `data:` images, and "Try it out" calls this service
//! only. No other site may frame it, and no form may post elsewhere.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every answer under `/docs`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// `/docs` and its files, with their security headers.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let swagger =
        utoipa_swagger_ui::SwaggerUi::new("/docs").config(utoipa_swagger_ui::Config::from("/openapi.json"));
    Router::from(swagger).layer(axum::middleware::from_fn(security_headers))
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}
