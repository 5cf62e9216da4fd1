//! The HTTP server of `serve`: the API ([`crate::api`]) and the operator console
//! ([`crate::console`]) on one router over one state ([`crate::app_state`]). Above both faces,
//! so that neither imports the other.
//!
//! What every request passes through is here, whichever face answers it: the body limit
//! (`DOMAIN_SCHEDULER_API_MAX_BODY_BYTES`), the refusal of an overlong request target, the
//! request's span and access log line, and the JSON error of an unknown route or method.

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::api::errors;
use crate::app_state::ApiState;

/// The router with every route of the API and the console.
pub fn router(state: ApiState) -> axum::Router {
    let body_limit = usize::try_from(state.settings.api.max_body_bytes).unwrap_or(usize::MAX);
    crate::api::router(&state.settings)
        .merge(crate::console::router())
        .fallback(|| async { errors::ApiError::not_found("no such route") })
        .method_not_allowed_fallback(errors::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn(errors::refuse_long_uris))
        .layer(axum::middleware::from_fn(request_span))
        .with_state(state)
}

/// Every request is a span and one access log line with its method, route and status, the line
/// with its latency too. The route is the pattern (`/api/v1/domains/{domain}`), never the path
/// or query as sent, and no header is recorded, so a token cannot reach the logs.
async fn request_span(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let span = tracing::info_span!("http.request", http.method = %method, http.route = %route, http.status = tracing::field::Empty);
    let response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    let status = response.status().as_u16();
    span.record("http.status", status);
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(parent: &span, method = %method, route = %route, status, latency_ms, "request");
    } else {
        tracing::info!(parent: &span, method = %method, route = %route, status, latency_ms, "request");
    }
    response
}

/// Serves the API and the console on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
