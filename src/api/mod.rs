//! The HTTP API (axum), served by `serve` in the same process as the actors.
//!
//! Routes and their OpenAPI document come from the same handler annotations (utoipa), so the
//! document at `/openapi.json` cannot drift from the routes. Every route but health, readiness
//! and metrics needs a bearer token (`auth`), and a token only ever sees its own tenant's rows.
//! Every error, the server's own included (unknown route, method not allowed, request target
//! too long), is the JSON body of [`errors::ErrorBody`]. Swagger UI shows the document at
//! `/docs` (`docs`, under a Content-Security-Policy of its own), and `/` points to it and to the
//! console. [`crate::http`] serves these routes with the console's.

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

use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app_state::ApiState;
use crate::config::Settings;

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

/// Every route of the API, `/openapi.json` and `/docs`.
pub fn router(settings: &Settings) -> axum::Router<ApiState> {
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
    domains::document_settings(&mut document, settings);
    bulk::document_filter(&mut document, settings);
    let document = Arc::new(document);
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || async move { axum::Json(document.as_ref().clone()) }),
        )
        .merge(docs::router())
}
