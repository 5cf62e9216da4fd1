//! `GET /`: where to go from the service's address. No token needed, and it says nothing a
//! stranger could use: only the fixed paths of the console, the API documentation and health.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// The service's entry points.
#[derive(Debug, Serialize, ToSchema)]
pub struct Index {
    /// `domain-scheduler`.
    pub service: &'static str,
    /// The operator console (sign in with a token).
    pub console: &'static str,
    /// Swagger UI over the OpenAPI document.
    pub docs: &'static str,
    /// The OpenAPI 3.1 document.
    pub openapi: &'static str,
    /// Liveness; `/readyz` is readiness.
    pub health: &'static str,
}

/// Points a visitor to the console at `/ui` and the API documentation at `/docs`.
#[utoipa::path(get, path = "/", responses((status = 200, body = Index, description = "Where the console and the API documentation are")))]
pub async fn index() -> Json<Index> {
    Json(Index {
        service: "domain-scheduler",
        console: "/ui",
        docs: "/docs",
        openapi: "/openapi.json",
        health: "/healthz",
    })
}
