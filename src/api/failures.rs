//! A domain's failures (`GET /api/v1/domains/{domain}/failures`): its `domain_errors` rows,
//! newest first, one keyset page at a time (the cursor is the last row's id, never an offset).
//! The domain is found exactly as `GET /api/v1/domains/{domain}` finds it.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use entity::domain_errors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::domains::{DomainInput, DomainPath};
use super::errors::{ApiError, ErrorBody};
use super::scope::scope;
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::store;
use crate::store::keyset::{Cursor, Keyset};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FailuresQuery {
    /// Page size (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page, as it was given.
    #[param(pattern = r"^[1-9][0-9]{0,17}$", example = "42")]
    pub cursor: Option<String>,
    /// Admin tokens: the tenant whose domain to read (without it, the one tenant that has the
    /// name). Tenant tokens may only name their own tenant.
    pub tenant: Option<Uuid>,
}

/// One failed attempt of a domain.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DomainFailure {
    pub id: i64,
    /// The attempt that failed (1 for the first attempt of a scan).
    pub attempt: i32,
    /// Where it failed: `fetch`, `extract`, `persist` or `actor`.
    #[schema(example = "fetch")]
    pub stage: String,
    /// How it failed: `dns_nxdomain`, `connect`, `tls_expired`, `timeout`, `http_status`, ...
    #[schema(example = "http_status")]
    pub kind: String,
    /// When it failed.
    pub occurred_at: DateTime<Utc>,
    /// The HTTP status the site answered, for an `http_status` or `blocked` failure (the
    /// wall's status: 403, 429, 503, ...); null otherwise.
    #[schema(minimum = 100, maximum = 999)]
    pub http_status: Option<u16>,
    /// What went wrong, in words.
    pub message: String,
    /// The run that made the attempt, when one did.
    pub run_id: Option<Uuid>,
}

impl From<domain_errors::Model> for DomainFailure {
    fn from(row: domain_errors::Model) -> DomainFailure {
        DomainFailure {
            http_status: http_status(&row.kind, &row.message),
            id: row.id,
            attempt: row.attempt,
            stage: row.stage,
            kind: row.kind,
            occurred_at: row.occurred_at,
            message: row.message,
            run_id: row.run_id,
        }
    }
}

/// The status of an `http_status` failure, which its message states (`HTTP status 503`), or
/// of a `blocked` one, whose message ends with it (`Cloudflare challenge page (HTTP 403)`,
/// `Rate limit (HTTP 429, Retry-After 7200 s)`).
fn http_status(kind: &str, message: &str) -> Option<u16> {
    let after = match kind {
        "http_status" => message.strip_prefix("HTTP status ")?,
        "blocked" => &message[message.rfind("(HTTP ")? + "(HTTP ".len()..],
        _ => return None,
    };
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|status| (100..=999).contains(status))
}

/// One page of a domain's failures, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailurePage {
    /// The standardised name of the domain.
    pub domain: String,
    pub items: Vec<DomainFailure>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Every failed attempt of a domain (its `domain_errors` rows), newest first, one page at a time.
#[utoipa::path(get, path = "/api/v1/domains/{domain}/failures",
    params(("domain" = DomainInput, Path, description = "A domain or URL, standardised as on submission, or the domain's id"), FailuresQuery),
    security(("bearer" = [])),
    responses((status = 200, body = FailurePage, description = "One page of the domain's failures, newest first"),
               (status = 400, body = ErrorBody, description = "The path is not UTF-8, a malformed query, or (admin tokens without `tenant`) a name several tenants have (`tenant_required`)"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"),
               (status = 404, body = ErrorBody, description = "Unknown, or another tenant's"),
               (status = 422, body = ErrorBody, description = "Not a domain the service can fetch, a limit out of range or a cursor this service did not give"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn failures(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<FailuresQuery>, QueryRejection>,
) -> Result<Json<FailurePage>, ApiError> {
    let wanted = DomainPath::parse(path)?;
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::unprocessable("limit: from 1 to 1000"));
    }
    let before = super::params::cursor::<i64>(query.cursor.as_deref())?;
    let row = wanted.find(&state.db, tenant).await?.ok_or_else(|| wanted.not_found())?;
    let items = store::listing::errors_page(&state.db, row.id, before.map(Keyset::Next), limit).await?;
    let next_cursor =
        (items.len() as u64 == limit).then(|| items.last().map(|last| last.id.encode())).flatten();
    Ok(Json(FailurePage {
        domain: row.domain,
        items: items.into_iter().map(DomainFailure::from).collect(),
        next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::http_status;

    #[test]
    fn the_status_of_an_http_status_failure_is_read_from_its_message() {
        assert_eq!(http_status("http_status", "HTTP status 503"), Some(503));
        assert_eq!(http_status("http_status", "HTTP status 404 Not Found"), Some(404));
        assert_eq!(http_status("timeout", "HTTP status 503"), None);
        assert_eq!(http_status("http_status", "something else"), None);
    }

    #[test]
    fn the_status_of_a_wall_is_read_from_its_message() {
        assert_eq!(http_status("blocked", "Cloudflare challenge page (HTTP 403)"), Some(403));
        assert_eq!(http_status("blocked", "Rate limit (HTTP 429, Retry-After 7200 s)"), Some(429));
        assert_eq!(http_status("blocked", "a wall of no status"), None);
    }
}
