//! `GET /api/v1/domains/export`: every domain of the caller's tenant matching the filters, as
//! CSV or NDJSON, streamed one page at a time (memory holds one page however many rows). The
//! first page is read before the answer starts, so an unreachable database is still a 503; a
//! failure after that can only cut the body short, which the client sees as a broken transfer
//! (the chunked body never ends properly).

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use uuid::Uuid;

use super::errors::{ApiError, ErrorBody};
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::export::{Export, ExportError, Format};
use crate::rows;
use crate::store::selection::Selection;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (default: a header row and the documented column set, UTF-8 with a byte order
    /// mark) or `ndjson` (one JSON object per line: each full row as `GET /api/v1/domains`
    /// shows it); `jsonl` is `ndjson` under its other name.
    #[param(value_type = Option<Format>, inline)]
    pub format: Option<String>,
    /// Only domains in this status.
    #[param(value_type = Option<rows::DomainStatus>)]
    pub status: Option<String>,
    /// Only the domains of this batch (404 when it is unknown, or another tenant's).
    #[param(value_type = Option<Uuid>)]
    pub batch: Option<String>,
    /// Only domains changed at or after this time: RFC 3339 (also accepted: a date such as
    /// `2026-11-30`, for midnight UTC).
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-30T00:00:00Z")]
    pub changed_since: Option<String>,
    /// Only domains whose latest scan found this technology, named exactly as detected
    /// (`Shopify`).
    #[param(example = "WordPress")]
    pub technology: Option<String>,
    /// Admin tokens only: one tenant's domains (default: every tenant). A tenant's token always
    /// exports its own tenant; naming another is refused (403).
    #[param(value_type = Option<Uuid>)]
    pub tenant: Option<String>,
}

/// The formats as the document names them: the names [`Format::parse`] reads, so the two cannot
/// drift. The query's text is read in [`export`], so an unknown one gets this service's own 422
/// message.
impl PartialSchema for Format {
    fn schema() -> RefOr<Schema> {
        let names = Format::NAMES.iter().map(|(name, _)| *name);
        ObjectBuilder::new().schema_type(Type::String).enum_values(Some(names)).into()
    }
}

impl ToSchema for Format {}

/// Every matching domain, streamed as CSV or NDJSON.
#[utoipa::path(get, path = "/api/v1/domains/export", params(ExportQuery), security(("bearer" = [])),
    responses((status = 200, description = "The matching domains: CSV with a header row, or one JSON object per line",
                content((String = "text/csv"), (rows::Domain = "application/x-ndjson"))),
               (status = 400, body = ErrorBody, description = "A malformed query (an unknown parameter)"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant's token naming another tenant"),
               (status = 404, body = ErrorBody, description = "`batch` names a batch that is unknown, or another tenant's"),
               (status = 422, body = ErrorBody, description = "A value that is not accepted: format, status, batch, changed_since or tenant"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn export(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let format = match query.format.as_deref() {
        None => Format::Csv,
        Some(text) => Format::parse(text).map_err(|e| ApiError::unprocessable(format!("format: {e}")))?,
    };
    let filter = filter(caller, &query)?;
    // Another tenant's batch is as unknown here as on `GET /api/v1/batches/{id}`: a 404, never
    // an empty file that says it has no domains.
    if let Some(batch) = filter.batch
        && !crate::store::batches::exists(&state.db, filter.tenant, batch).await?
    {
        return Err(ApiError::not_found(format!("no batch {batch}")));
    }
    let mut export = Export::new(state.db.clone(), filter, format);
    let first = export.next_chunk().await.map_err(|error| match error {
        ExportError::Database(error) => ApiError::from(error),
        ExportError::Write(error) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", error.to_string())
        }
    })?;
    let first = futures::stream::iter(first.map(|chunk| Ok(bytes::Bytes::from(chunk))));
    let body = Body::from_stream(
        first
            .chain(export.into_stream())
            .map(|chunk| chunk.inspect_err(|error| tracing::warn!(%error, "export cut short"))),
    );
    let name = format!("domains.{}", format.extension());
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

/// The filter of the query, each value checked (422 naming the parameter), limited to the
/// caller's tenant.
fn filter(caller: Caller, query: &ExportQuery) -> Result<Selection, ApiError> {
    let status = super::params::status(query.status.as_deref())?;
    let batch = query.batch.as_deref().map(|text| uuid("batch", text)).transpose()?;
    let changed_since = super::params::changed_since(query.changed_since.as_deref())?;
    let named = query.tenant.as_deref().map(|text| uuid("tenant", text)).transpose()?;
    let tenant = match (caller, named) {
        (Caller::Admin, named) => named,
        (Caller::Tenant(own), Some(named)) if named != own => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_only",
                "tenant: a tenant's token exports its own tenant; only an admin token may name one",
            ));
        }
        (Caller::Tenant(own), _) => Some(own),
    };
    let technology = query.technology.clone();
    Ok(Selection { tenant, status, batch, changed_since, technology, ..Default::default() })
}

fn uuid(name: &str, text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::unprocessable(format!("{name}: `{text}` is not a UUID")))
}
