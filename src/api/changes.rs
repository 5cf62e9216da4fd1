//! A domain's change history (`GET /api/v1/domains/{domain}/changes`): what each re-scan found
//! changed, newest first, one keyset page at a time. The domain is found exactly as
//! `GET /api/v1/domains/{domain}` finds it, so another tenant's domain is "not found"; an admin token reads any
//! tenant's (`?tenant=UUID`).

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use entity::domain_changes;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domains::{DomainInput, DomainPath};
use super::errors::{ApiError, ErrorBody};
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::store::keyset::Cursor;
use crate::store::{self, changes::ChangeCursor};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// Page size (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page, as it was given.
    #[param(pattern = r"^[0-9]{1,18}u?_[0-9]{1,18}$", example = "1764460800000000000_42")]
    pub cursor: Option<String>,
    /// Admin tokens: the tenant whose domain to read (without it, the one tenant that has the
    /// name). Tenant tokens may only name their own tenant.
    pub tenant: Option<uuid::Uuid>,
}

/// One field that a scan found changed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Change {
    pub id: i64,
    /// When the scan that found the change succeeded (the domain's `fetched_at` from then on).
    pub scanned_at: DateTime<Utc>,
    /// The field of the domain's row that changed (`title`, `email_addresses`, `tech_stack`, ...).
    #[schema(example = "title")]
    pub field: String,
    /// The value before the scan: a string, number, boolean or null for a scalar field, the whole
    /// list for a list field (`tech_stack` entries as `{"name", "version"}`).
    pub old_value: serde_json::Value,
    /// The value the scan found, in the same form as `old_value`.
    pub new_value: serde_json::Value,
    /// List fields only (`email_addresses`, `phone_numbers`, `tech_stack`): entries of
    /// `new_value` that `old_value` did not have.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub added: Option<Vec<serde_json::Value>>,
    /// List fields only: entries of `old_value` that `new_value` no longer has.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub removed: Option<Vec<serde_json::Value>>,
}

impl From<domain_changes::Model> for Change {
    fn from(row: domain_changes::Model) -> Change {
        let set = row.set_change();
        Change {
            id: row.id,
            scanned_at: row.scanned_at,
            field: row.field,
            old_value: row.old_value,
            new_value: row.new_value,
            added: set.as_ref().map(|set| set.added.clone()),
            removed: set.map(|set| set.removed),
        }
    }
}

/// One page of a domain's changes, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    /// The standardised name of the domain.
    pub domain: String,
    pub items: Vec<Change>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// What the re-scans of a domain changed, newest first, one page at a time. A first scan
/// records nothing; a re-scan records one item per changed field.
#[utoipa::path(get, path = "/api/v1/domains/{domain}/changes",
    params(("domain" = DomainInput, Path, description = "A domain or URL, standardised as on submission, or the domain's id"), ChangesQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ChangePage, description = "One page of the domain's changes, newest first"),
               (status = 400, body = ErrorBody, description = "The path is not UTF-8, a malformed query, or (admin tokens without `tenant`) a name several tenants have (`tenant_required`)"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"), (status = 404, body = ErrorBody, description = "Unknown, or another tenant's"),
               (status = 422, body = ErrorBody, description = "Not a domain the service can fetch, a limit out of range or a cursor this service did not give"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn changes(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<ChangePage>, ApiError> {
    let wanted = DomainPath::parse(path)?;
    let Query(query) = query?;
    let tenant = super::scope::scope(caller, query.tenant)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::unprocessable("limit: from 1 to 1000"));
    }
    let after = super::params::cursor::<ChangeCursor>(query.cursor.as_deref())?;
    let row = wanted.find(&state.db, tenant).await?.ok_or_else(|| wanted.not_found())?;
    let items = store::changes::page(&state.db, row.id, after, limit).await?;
    let next_cursor = (items.len() as u64 == limit)
        .then(|| items.last().map(|last| ChangeCursor::after(last).encode()))
        .flatten();
    Ok(Json(ChangePage {
        domain: row.domain,
        items: items.into_iter().map(Change::from).collect(),
        next_cursor,
    }))
}
