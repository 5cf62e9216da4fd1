//! Bulk actions on a filter of domains: `POST /api/v1/domains/reset` (back to `pending`),
//! `POST /api/v1/domains/delete` and `DELETE /api/v1/domains/{domain}`, each with a dry run
//! that answers the count first and changes nothing.
//!
//! A filter narrows by batch, status, kind of last error and a list of names, ANDed; a filter
//! with none of them would select every domain, so it must say `"all": true`. A tenant token
//! acts on its own tenant's domains only; an admin token on every tenant's, or on the one
//! named with `?tenant=`. The work runs in bounded chunks (`store::bulk`), so the pipeline keeps
//! claiming meanwhile; domains being processed are left alone and counted as `in_progress`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::domains::{DomainInput, DomainPath};
use super::errors::{ApiError, ApiJson, ErrorBody};
use super::scope::{TenantParam, scope};
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::domain_name::DomainName;
use crate::excerpt::Excerpt;
use crate::failure::Kind;
use crate::rows;
use crate::store::{self, bulk::BulkOutcome, selection::Selection};
use entity::DomainStatus;

/// Which domains a bulk action acts on, and whether it only counts them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainFilter {
    /// Every domain of the scope. Required when no other criterion is given (an empty filter is
    /// refused rather than read as "everything"), and refused together with one.
    #[serde(default)]
    pub all: bool,
    /// Only members of this batch.
    pub batch_id: Option<Uuid>,
    /// Only domains in this status (`processing` is refused: those domains are leased).
    #[schema(value_type = Option<rows::DomainStatus>)]
    pub status: Option<String>,
    /// Only domains whose last error is of this kind (`dns_nxdomain`, `http_status`,
    /// `cancelled`, ... as in `last_error` and the failures).
    #[schema(example = "http_status")]
    pub error_kind: Option<String>,
    /// Only these domains (names or URLs, standardised as on submission); at most
    /// `DOMAIN_SCHEDULER_API_MAX_DOMAINS`.
    #[schema(min_items = 1, value_type = Option<Vec<DomainInput>>)]
    pub domains: Option<Vec<String>>,
    /// Only count what the action would do; change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a reset did, or would do in a dry run.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetAnswer {
    /// True when nothing was changed and `reset` says how many would be.
    pub dry_run: bool,
    /// Domains put back to `pending`, attempts cleared, due now.
    pub reset: u64,
    /// Domains of the filter being processed now, left to finish.
    pub in_progress: u64,
    /// Names of `domains` that the tenant (every tenant, for an admin without `tenant`) has not.
    pub not_found: Vec<String>,
}

/// What a delete did, or would do in a dry run.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeleteAnswer {
    /// True when nothing was changed and `deleted` says how many would be.
    pub dry_run: bool,
    /// Domains deleted, each with its failures, change history and batch memberships.
    pub deleted: u64,
    /// Domains of the filter being processed now, left alone.
    pub in_progress: u64,
    /// Names of `domains` that the tenant (every tenant, for an admin without `tenant`) has not.
    pub not_found: Vec<String>,
}

/// The filter checked into a selection for `tenant` (`None`: every tenant).
async fn selection(
    state: &ApiState,
    tenant: Option<Uuid>,
    filter: &DomainFilter,
) -> Result<Selection, ApiError> {
    let status = super::params::status(filter.status.as_deref())?;
    if status == Some(entity::DomainStatus::Processing) {
        return Err(ApiError::unprocessable(
            "status: processing domains are leased and cannot be acted on; they come back when their lease ends",
        ));
    }
    let error_kind = filter
        .error_kind
        .as_deref()
        .map(|text| {
            Kind::parse(text).ok_or_else(|| {
                ApiError::unprocessable(format!(
                    "error_kind: {} is not a kind of failure (see `last_error` in the domain rows)",
                    Excerpt::of(text)
                ))
            })
        })
        .transpose()?;
    let names = filter.domains.as_deref().map(|inputs| names(state, inputs)).transpose()?;
    let selection =
        Selection { tenant, batch: filter.batch_id, status, error_kind, names, ..Default::default() };
    match (filter.all, selection.is_everything()) {
        (true, false) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "conflicting_filter",
                "all: true selects every domain; give it without batch_id, status, error_kind or domains",
            ));
        }
        (false, true) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "empty_filter",
                "give batch_id, status, error_kind or domains, or \"all\": true to act on every domain",
            ));
        }
        _ => {}
    }
    if let Some(batch) = filter.batch_id
        && !store::batches::exists(&state.db, tenant, batch).await?
    {
        return Err(ApiError::not_found(format!("no batch {batch}")));
    }
    Ok(selection)
}

fn names(state: &ApiState, inputs: &[String]) -> Result<Vec<DomainName>, ApiError> {
    let max = state.settings.api.max_domains;
    if inputs.is_empty() {
        return Err(ApiError::unprocessable("domains: give at least one domain, or leave the field out"));
    }
    if inputs.len() > max {
        return Err(ApiError::unprocessable(format!(
            "domains: at most {max} per request, got {}",
            inputs.len()
        )));
    }
    inputs
        .iter()
        .map(|input| {
            DomainName::parse(input).map_err(|reason| {
                ApiError::unprocessable(format!("domains: {}: {reason}", Excerpt::of(input)))
            })
        })
        .collect()
}

/// Put the domains of a filter back to `pending`, attempts cleared, due now.
///
/// With `"dry_run": true` nothing changes and `reset` is the count the same request would
/// reset. Finished batches the domains belong to keep their outcome; domains being processed
/// are left alone (`in_progress`).
#[utoipa::path(post, path = "/api/v1/domains/reset", request_body = DomainFilter, params(TenantParam),
    security(("bearer" = [])),
    responses((status = 200, body = ResetAnswer, description = "What the reset did (or, with `dry_run`, would do)"),
               (status = 400, body = ErrorBody, description = "Malformed JSON, no JSON content type or a malformed query"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"),
               (status = 404, body = ErrorBody, description = "`batch_id` is unknown, or another tenant's"),
               (status = 413, body = ErrorBody, description = "The body is over `DOMAIN_SCHEDULER_API_MAX_BODY_BYTES`"),
               (status = 422, body = ErrorBody, description = "A field of the wrong type, an unknown status or error kind, `processing`, a name that is not a domain, an empty filter without `all` (`empty_filter`) or `all` with other criteria (`conflicting_filter`)"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn reset(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<TenantParam>, QueryRejection>,
    ApiJson(filter): ApiJson<DomainFilter>,
) -> Result<Json<ResetAnswer>, ApiError> {
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let selection = selection(&state, tenant, &filter).await?;
    let BulkOutcome { affected, in_progress, not_found } =
        store::bulk::reset(&state.db, &selection, filter.dry_run).await?;
    if !filter.dry_run && affected > 0 {
        tracing::info!(reset = affected, in_progress, "domains reset through the API");
        state.wake_supervisor();
    }
    Ok(Json(ResetAnswer { dry_run: filter.dry_run, reset: affected, in_progress, not_found }))
}

/// Delete the domains of a filter, with their failures, change history and batch memberships.
///
/// With `"dry_run": true` nothing changes and `deleted` is the count the same request would
/// delete. Domains being processed are left alone (`in_progress`).
#[utoipa::path(post, path = "/api/v1/domains/delete", request_body = DomainFilter, params(TenantParam),
    security(("bearer" = [])),
    responses((status = 200, body = DeleteAnswer, description = "What the delete did (or, with `dry_run`, would do)"),
               (status = 400, body = ErrorBody, description = "Malformed JSON, no JSON content type or a malformed query"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"),
               (status = 404, body = ErrorBody, description = "`batch_id` is unknown, or another tenant's"),
               (status = 413, body = ErrorBody, description = "The body is over `DOMAIN_SCHEDULER_API_MAX_BODY_BYTES`"),
               (status = 422, body = ErrorBody, description = "A field of the wrong type, an unknown status or error kind, `processing`, a name that is not a domain, an empty filter without `all` (`empty_filter`) or `all` with other criteria (`conflicting_filter`)"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<TenantParam>, QueryRejection>,
    ApiJson(filter): ApiJson<DomainFilter>,
) -> Result<Json<DeleteAnswer>, ApiError> {
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let selection = selection(&state, tenant, &filter).await?;
    let BulkOutcome { affected, in_progress, not_found } =
        store::bulk::delete(&state.db, &selection, filter.dry_run).await?;
    if !filter.dry_run && affected > 0 {
        tracing::info!(deleted = affected, in_progress, "domains deleted through the API");
    }
    Ok(Json(DeleteAnswer { dry_run: filter.dry_run, deleted: affected, in_progress, not_found }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteOneQuery {
    /// Only say whether the domain would be deleted; change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Admin tokens: the tenant whose domain to delete (without it, the one tenant that has
    /// the name). Tenant tokens may only name their own tenant.
    pub tenant: Option<Uuid>,
}

/// Delete one domain, with its failures, change history and batch memberships.
#[utoipa::path(delete, path = "/api/v1/domains/{domain}",
    params(("domain" = DomainInput, Path, description = "A domain or URL, standardised as on submission, or the domain's id"), DeleteOneQuery),
    security(("bearer" = [])),
    responses((status = 200, body = DeleteAnswer, description = "Deleted (or, with `dry_run`, would be): `deleted` is 1"),
               (status = 400, body = ErrorBody, description = "The path is not UTF-8, a malformed query, or (admin tokens without `tenant`) a name several tenants have (`tenant_required`)"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"),
               (status = 404, body = ErrorBody, description = "Unknown, or another tenant's"),
               (status = 409, body = ErrorBody, description = "The domain is being processed now (`in_progress`)"),
               (status = 422, body = ErrorBody, description = "Not a domain the service can fetch"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn delete_one(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<DeleteOneQuery>, QueryRejection>,
) -> Result<Json<DeleteAnswer>, ApiError> {
    let wanted = DomainPath::parse(path)?;
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let row = wanted.find(&state.db, tenant).await?.ok_or_else(|| wanted.not_found())?;
    let in_progress = || {
        ApiError::new(
            StatusCode::CONFLICT,
            "in_progress",
            format!("{} is being processed now; delete it once it is done", row.domain),
        )
    };
    if row.status == entity::DomainStatus::Processing {
        return Err(in_progress());
    }
    if !query.dry_run {
        if !store::bulk::delete_one(&state.db, row.id).await? {
            return Err(in_progress());
        }
        tracing::info!(domain = %row.domain, "domain deleted through the API");
    }
    Ok(Json(DeleteAnswer { dry_run: query.dry_run, deleted: 1, in_progress: 0, not_found: Vec::new() }))
}

/// States in the document what the types alone cannot: a filter names at least one criterion
/// or `"all": true` (never both), `status` is one a domain can be acted on in, `error_kind` one
/// of the kinds, and `domains` holds at most this instance's `DOMAIN_SCHEDULER_API_MAX_DOMAINS`.
pub fn document_filter(document: &mut utoipa::openapi::OpenApi, settings: &crate::config::Settings) {
    use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, Type};
    use utoipa::openapi::{RefOr, Schema};
    let Some(schemas) = document.components.as_mut().map(|c| &mut c.schemas) else { return };
    let Some(RefOr::T(Schema::Object(mut filter))) = schemas.remove("DomainFilter") else { return };
    let nullable_enum = |values: Vec<serde_json::Value>, description: &str| {
        let mut values = values;
        values.push(serde_json::Value::Null);
        ObjectBuilder::new()
            .schema_type(
                [Type::String, Type::Null].into_iter().collect::<utoipa::openapi::schema::SchemaType>(),
            )
            .enum_values(Some(values))
            .description(Some(description))
            .build()
    };
    let statuses = [DomainStatus::Pending, DomainStatus::Completed, DomainStatus::Error, DomainStatus::Gone]
        .map(|status| serde_json::Value::from(status.as_str()))
        .to_vec();
    filter.properties.insert(
        "status".to_owned(),
        RefOr::T(Schema::Object(nullable_enum(statuses, "Only domains in this status."))),
    );
    let kinds = Kind::all().map(|kind| serde_json::Value::from(kind.as_str())).collect();
    filter.properties.insert(
        "error_kind".to_owned(),
        RefOr::T(Schema::Object(nullable_enum(kinds, "Only domains whose last error is of this kind."))),
    );
    if let Some(RefOr::T(Schema::Array(domains))) = filter.properties.get_mut("domains") {
        domains.max_items = Some(settings.api.max_domains);
    }
    let flag = |value: bool| ObjectBuilder::new().schema_type(Type::Boolean).enum_values(Some([value]));
    let criteria = [
        ("batch_id", Type::String),
        ("status", Type::String),
        ("error_kind", Type::String),
        ("domains", Type::Array),
    ];
    let mut any = AnyOfBuilder::new();
    let mut everything = ObjectBuilder::new().required("all").property("all", flag(true));
    for (name, kind) in criteria {
        everything = everything.property(name, ObjectBuilder::new().schema_type(Type::Null));
        any = any.item(
            ObjectBuilder::new()
                .required(name)
                .property(name, ObjectBuilder::new().schema_type(kind))
                .property("all", flag(false)),
        );
    }
    let any = any.item(everything).description(Some(
        "At least one of batch_id, status, error_kind and domains, or \"all\": true alone (an empty filter is refused rather than read as every domain).",
    ));
    let whole = AllOfBuilder::new().item(Schema::Object(filter)).item(Schema::AnyOf(any.build()));
    schemas.insert("DomainFilter".to_owned(), RefOr::T(Schema::AllOf(whole.build())));
}
