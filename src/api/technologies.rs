//! Domains per technology (`GET /api/v1/technologies`): how many of a tenant's domains each
//! technology is on, by their latest scan, most first: the lists and trends a stack tool sells.
//! The domains themselves are the listing's and the export's `technology=` filter.

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::errors::{ApiError, ErrorBody};
use super::scope::{TenantParam, scope};
use crate::app_state::ApiState;
use crate::caller::Caller;

/// One technology and how many domains have it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TechnologyCount {
    /// As detected (`WordPress`); `technology=` on the listing takes it as it is.
    pub name: String,
    /// Domains whose latest scan found it.
    pub domains: i64,
}

/// Every technology on the tenant's domains.
#[derive(Debug, Serialize, ToSchema)]
pub struct TechnologyCounts {
    /// Most domains first, then by name.
    pub items: Vec<TechnologyCount>,
}

/// How many of the tenant's domains each technology is on (admin tokens: every tenant's, or the
/// one named with `tenant`).
#[utoipa::path(get, path = "/api/v1/technologies", params(TenantParam), security(("bearer" = [])),
    responses((status = 200, body = TechnologyCounts, description = "Each technology with its number of domains, most first"),
               (status = 400, body = ErrorBody, description = "A malformed query"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn counts(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<TenantParam>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<TechnologyCounts>, ApiError> {
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let counts = crate::store::technologies::counts(&state.db, tenant).await?;
    let items = counts.into_iter().map(|(name, domains)| TechnologyCount { name, domains }).collect();
    Ok(Json(TechnologyCounts { items }))
}
