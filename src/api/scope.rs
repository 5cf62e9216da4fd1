//! Which tenant's rows a read route looks at: a tenant token its own tenant's only; an admin
//! token any tenant's, named with `?tenant=UUID`, or every tenant's without it. A tenant token
//! that names another tenant is refused (403 `foreign_tenant`) rather than silently answered
//! with its own rows, so a client never mistakes one tenant's answer for another's.

use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::errors::ApiError;
use crate::caller::Caller;

/// The `tenant` query parameter of the read routes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenantParam {
    /// Admin tokens: the tenant whose rows to read (without it, every tenant's). Tenant tokens
    /// may only name their own tenant.
    pub tenant: Option<Uuid>,
}

/// The tenant the request reads: `None` for an admin's view of every tenant.
pub fn scope(caller: Caller, tenant: Option<Uuid>) -> Result<Option<Uuid>, ApiError> {
    match (caller, tenant) {
        (Caller::Admin, tenant) => Ok(tenant),
        (Caller::Tenant(own), None) => Ok(Some(own)),
        (Caller::Tenant(own), Some(named)) if named == own => Ok(Some(own)),
        (Caller::Tenant(_), Some(_)) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "foreign_tenant",
            "tenant: a tenant token reads only its own tenant's rows; only an admin token may name another",
        )),
    }
}

/// The 400 answered to an admin whose domain name several tenants have.
pub fn ambiguous(name: &str, tenants: &[Uuid]) -> ApiError {
    let tenants: Vec<String> = tenants.iter().map(Uuid::to_string).collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "tenant_required",
        format!(
            "{name} belongs to {} tenants ({}): name one with ?tenant=UUID",
            tenants.len(),
            tenants.join(", ")
        ),
    )
}
