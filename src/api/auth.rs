//! Bearer tokens: `Authorization: Bearer TOKEN` against `DOMAIN_SCHEDULER_API_TOKENS`, compared
//! in constant time. A token acts for one tenant; it is never logged.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use uuid::Uuid;

use super::ApiState;
use super::errors::ApiError;

/// The tenant the request acts for.
#[derive(Clone, Copy, Debug)]
pub struct Tenant(pub Uuid);

impl FromRequestParts<ApiState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Tenant, ApiError> {
        let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| unauthorized("missing Authorization: Bearer TOKEN"))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| unauthorized("the Authorization header must be `Bearer TOKEN`"))?;
        state
            .settings
            .api_tokens
            .tenant_of(token.trim())
            .map(Tenant)
            .ok_or_else(|| unauthorized("unknown token"))
    }
}
