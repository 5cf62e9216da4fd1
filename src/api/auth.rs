//! Bearer tokens: `Authorization: Bearer TOKEN` against `DOMAIN_SCHEDULER_API_TOKENS` (a tenant
//! each) and `DOMAIN_SCHEDULER_ADMIN_TOKENS` (operators, who see every tenant), compared in
//! constant time. Tokens are never logged.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use uuid::Uuid;

use super::errors::ApiError;
use crate::app_state::ApiState;
use crate::caller::Caller;

/// The API's refusal of a tenant where only an operator may look.
impl Caller {
    /// Refuses a tenant where only an operator may look, saying why.
    pub fn require_admin(self, why: &str) -> Result<(), ApiError> {
        match self {
            Caller::Admin => Ok(()),
            Caller::Tenant(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_only",
                format!("{why}; ask for it with a token of DOMAIN_SCHEDULER_ADMIN_TOKENS"),
            )),
        }
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// The token of the request's `Authorization: Bearer TOKEN` header.
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| unauthorized("missing Authorization: Bearer TOKEN"))?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer TOKEN`"))
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Caller, ApiError> {
        let token = bearer_token(parts)?;
        Caller::of_token(&state.settings, token).ok_or_else(|| unauthorized("unknown token"))
    }
}

/// The tenant the request acts for: routes that read or write one tenant's rows.
#[derive(Clone, Copy, Debug)]
pub struct Tenant(pub Uuid);

impl FromRequestParts<ApiState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Tenant, ApiError> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::Tenant(tenant) => Ok(Tenant(tenant)),
            Caller::Admin => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "tenant_only",
                "this route acts for one tenant; an admin token has none, use that tenant's token",
            )),
        }
    }
}
