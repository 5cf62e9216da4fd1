//! The HTTP API (axum), served by `serve` in the same process as the actors.
//!
//! Routes and their OpenAPI document come from the same handler annotations (utoipa), so the
//! document at `/openapi.json` cannot drift from the routes. Every route but health, readiness
//! and metrics needs a bearer token, and a token only ever sees its own tenant's rows. Every
//! error, the router's own included (unknown route, method not allowed, request target too
//! long), is the JSON body of [`errors::ErrorBody`]. Swagger UI shows the document at `/docs`
//! (`docs`, under a Content-Security-Policy of its own), the operator console (`crate::console`)
//! shares the router under `/ui`, and `/` points to both.

pub mod auth;
pub mod batches;
pub mod bulk;
pub mod cancel;
pub mod changes;
pub mod compat;
pub mod docs;
pub mod domains;
pub mod errors;
pub mod export;
pub mod failures;
pub mod health;
pub mod index;
pub mod params;
pub mod pause;
pub mod scheduler;
pub mod scope;
pub mod technologies;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::PrometheusHandle;
use ractor::ActorRef;
use sea_orm::DatabaseConnection;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::actors::SupervisorMsg;
use crate::config::Settings;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub supervisor: Option<ActorRef<SupervisorMsg>>,
    pub metrics: Option<PrometheusHandle>,
    /// Shortages of the service's own, shown by `/readyz`.
    pub pressure: crate::pressure::Pressure,
    /// Set while the service drains before it exits: `/readyz` answers 503.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

impl ApiState {
    /// New work: the supervisor looks now instead of at the next tick.
    pub fn wake_supervisor(&self) {
        if let Some(supervisor) = &self.supervisor {
            let _ = supervisor.cast(SupervisorMsg::WokenBy(tracing::Span::current()));
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "domain-scheduler", description = "Submit domains, follow their metadata extraction and steer the scheduler."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The router with every route and `/openapi.json`.
pub fn router(state: ApiState) -> axum::Router {
    let body_limit = usize::try_from(state.settings.api.max_body_bytes).unwrap_or(usize::MAX);
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(index::index))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .routes(routes!(domains::submit, domains::list))
        // Before `/api/v1/domains/{domain}` in the document; the router itself always prefers a
        // literal segment to a parameter, so `export` is never taken for a domain name.
        .routes(routes!(export::export))
        // Literal segments too, never taken for a domain name.
        .routes(routes!(bulk::reset))
        .routes(routes!(bulk::delete))
        .routes(routes!(domains::show, bulk::delete_one))
        .routes(routes!(domains::retry))
        .routes(routes!(changes::changes))
        .routes(routes!(failures::failures))
        .routes(routes!(technologies::counts))
        .routes(routes!(batches::list))
        .routes(routes!(domains::batch))
        .routes(routes!(cancel::cancel))
        .routes(routes!(scheduler::run))
        .routes(routes!(scheduler::runs))
        .routes(routes!(pause::pause))
        .routes(routes!(pause::resume))
        .routes(routes!(compat::scan))
        .routes(routes!(compat::status))
        .routes(routes!(compat::process_pending))
        .split_for_parts();
    domains::document_settings(&mut document, &state.settings);
    bulk::document_filter(&mut document, &state.settings);
    let document = Arc::new(document);
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || async move { axum::Json(document.as_ref().clone()) }),
        )
        .merge(crate::console::router())
        .merge(docs::router())
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

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
