//! Submitting and following domains and batches.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Tenant;
use super::errors::{ApiError, ApiJson, ErrorBody, Rejected};
use super::scope::{TenantParam, scope};
use crate::app_state::ApiState;
use crate::callback_url::CallbackUrl;
use crate::caller::Caller;
use crate::domain_name::DomainName;
use crate::domain_name::confusable::Confusable;
use crate::excerpt::Excerpt;
use crate::rows;
use crate::store::keyset::{Cursor, Name};
use crate::store::selection::Selection;
use crate::store::{self, EnqueueRequest};
use crate::submit::{self, CallbackRefused, MaxPages, RescanAfter};

/// A domain as a client gives it: a name or a URL, standardised to the lower-case punycode host
/// without `www.` (`HTTPS://WWW.Example.COM/shop?q` is `example.com`). It must be a name under a
/// known public suffix; IP addresses, `localhost`, single labels, public suffixes themselves,
/// empty input, invalid characters and names over 253 characters are refused, each with its reason. The
/// format `domain` names this rule; no regular expression can state the public suffix list.
#[derive(ToSchema)]
#[schema(value_type = String, format = "domain", examples("https://www.example.com/shop", "example.org"))]
pub struct DomainInput(pub String);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitDomains {
    /// Domains or URLs, each standardised. The most per request is
    /// `DOMAIN_SCHEDULER_API_MAX_DOMAINS`.
    #[schema(min_items = 1, value_type = Vec<DomainInput>)]
    pub domains: Vec<String>,
    /// Put domains the tenant already has back to `pending`.
    #[serde(default)]
    pub refresh: bool,
    /// Pages the fetcher may visit per domain (1 = home page only).
    #[serde(default = "one", deserialize_with = "super::errors::whole_number")]
    #[schema(minimum = 1, maximum = 50, default = 1)]
    pub max_pages: i32,
    /// An http or https URL that is sent the batch's summary, signed, once every domain of the
    /// batch is `completed` or `error`. Refused while the service has no
    /// `DOMAIN_SCHEDULER_CALLBACK_SECRET`.
    #[serde(default)]
    #[schema(format = "uri", max_length = 2048)]
    pub callback_url: Option<String>,
    /// These domains' own re-scan interval: a duration such as `30d`, `12h` or `2w` (at least a
    /// minute), or `off`. Without it, `DOMAIN_SCHEDULER_RESCAN_AFTER` applies.
    #[serde(default)]
    #[schema(example = "7d", pattern = r"^(off|[1-9][0-9]{0,3}[mhdw])$")]
    pub rescan_after: Option<String>,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    /// The batch of every valid name of the request: the enqueued ones and those the tenant
    /// already had alike. It is complete once each of them has ended the scan it waits for (at
    /// once when every one was already done), and its callback, if any, is sent then.
    pub batch_id: Uuid,
    /// Where the batch's progress is read.
    pub status_url: String,
    /// Standardised names enqueued by this request.
    pub accepted: Vec<String>,
    /// Names the tenant already had, left as they were (and members of the batch).
    pub already_present: Vec<String>,
    pub rejected: Vec<Rejected>,
    /// Names accepted that may read as another name (`confusable`: they mix scripts, as
    /// `аpple.com` with a Cyrillic `а` does); their rows have `confusable: true`. With
    /// `DOMAIN_SCHEDULER_REFUSE_CONFUSABLE` such names are in `rejected` instead.
    pub warnings: Vec<SubmissionWarning>,
}

/// A name accepted with a warning.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SubmissionWarning {
    /// The standardised name, as stored (punycode).
    pub domain: String,
    /// The name as people read it (punycode decoded).
    pub unicode: String,
    /// A stable code: `confusable`.
    pub code: String,
    /// What is wrong with the name, in words.
    pub message: String,
}

/// States this instance's settings in the document, where a client sees them: the most domains
/// per submission, and, while no callback secret is set, that `callback_url` can only be null.
pub fn document_settings(document: &mut utoipa::openapi::OpenApi, settings: &crate::config::Settings) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{RefOr, Schema};
    let submission = document.components.as_mut().and_then(|c| c.schemas.get_mut("SubmitDomains"));
    let Some(RefOr::T(Schema::Object(submission))) = submission else { return };
    if let Some(RefOr::T(Schema::Array(domains))) = submission.properties.get_mut("domains") {
        domains.max_items = Some(settings.api.max_domains);
    }
    if settings.callbacks.secret.is_none() {
        let disabled = ObjectBuilder::new().schema_type(Type::Null).description(Some(
            "This instance sends no callbacks: a URL is refused (422 `callbacks_disabled`) until \
             DOMAIN_SCHEDULER_CALLBACK_SECRET is set.",
        ));
        submission.properties.insert("callback_url".to_owned(), RefOr::T(Schema::Object(disabled.build())));
    }
}

/// Standardise and enqueue domains as one batch.
#[utoipa::path(post, path = "/api/v1/domains", request_body = SubmitDomains, security(("bearer" = [])),
    responses((status = 202, body = Submitted, description = "A batch of every valid domain, with each refused input and its reason: answered whenever at least one input is valid, also when every valid domain was already present (the batch then holds them as they are, and is complete once each is done)"),
               (status = 400, body = ErrorBody, description = "Malformed JSON or no JSON content type"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 413, body = ErrorBody, description = "The body is over `DOMAIN_SCHEDULER_API_MAX_BODY_BYTES`"),
               (status = 422, body = ErrorBody, description = "A field of the wrong type or out of range, no valid domain (`no_valid_domain`, with `rejected` listing each input and its reason), or a `callback_url` this service does not send to (`callbacks_disabled` without a callback secret, `blocked_address` when its host is or resolves to a non-public address)"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn submit(
    State(state): State<ApiState>,
    Tenant(tenant): Tenant,
    ApiJson(request): ApiJson<SubmitDomains>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    let max = state.settings.api.max_domains;
    if request.domains.len() > max {
        return Err(ApiError::unprocessable(format!(
            "domains: at most {max} per request, got {}",
            request.domains.len()
        )));
    }
    if request.domains.is_empty() {
        return Err(ApiError::unprocessable("domains: give at least one domain"));
    }
    let max_pages = MaxPages::new(request.max_pages)
        .ok_or_else(|| ApiError::unprocessable(format!("max_pages: {}", MaxPages::out_of_range())))?;
    let callback_url = match request.callback_url.as_deref() {
        Some(text) => Some(callback_url(&state, text).await?),
        None => None,
    };
    let rescan_after = request.rescan_after.as_deref().map(rescan_after).transpose()?;
    let Standardised { valid, rejected, warnings } =
        standardise(&request.domains, state.settings.api.refuse_confusable);
    if valid.is_empty() {
        let message = format!(
            "domains: none of the {} inputs is a domain the service can fetch (see `rejected`)",
            rejected.len()
        );
        return Err(ApiError::no_valid_domain(message, rejected));
    }
    let request = EnqueueRequest {
        tenant_id: tenant,
        domains: &valid,
        refresh: request.refresh,
        max_pages,
        callback_url: callback_url.as_ref(),
        rescan_after,
    };
    let mut submitted = enqueue(&state, request, rejected).await?;
    submitted.warnings = warnings;
    Ok((StatusCode::ACCEPTED, Json(submitted)))
}

/// The submission's own re-scan interval, refused (422) when it is not one.
fn rescan_after(text: &str) -> Result<RescanAfter, ApiError> {
    RescanAfter::parse_own(text).ok_or_else(|| {
        ApiError::unprocessable(format!(
            "rescan_after: {} is not accepted; expected a duration such as 30d, 12h or 2w (at least 1m), or off",
            Excerpt::of(text)
        ))
    })
}

/// The submission's callback URL, refused (422) when it does not pass [`submit::callback_url`].
async fn callback_url(state: &ApiState, text: &str) -> Result<CallbackUrl, ApiError> {
    submit::callback_url(&state.settings, text).await.map_err(|refused| match refused {
        CallbackRefused::Disabled => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "callbacks_disabled",
            "callback_url: this service sends no callbacks (DOMAIN_SCHEDULER_CALLBACK_SECRET is not set)",
        ),
        CallbackRefused::Invalid(reason) => ApiError::unprocessable(format!("callback_url: {reason}")),
        CallbackRefused::Blocked(url, refused) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "blocked_address",
            format!("callback_url {url}: {refused} (DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS is off)"),
        ),
    })
}

/// A submission's inputs sorted out ([`submit::standardise`]), in the API's terms.
pub struct Standardised {
    pub valid: Vec<DomainName>,
    /// Each refused input with its reason.
    pub rejected: Vec<Rejected>,
    /// Valid names that may read as another name.
    pub warnings: Vec<SubmissionWarning>,
}

/// [`submit::standardise`], each refusal and warning as the API answers it.
pub fn standardise(inputs: &[String], refuse_confusable: bool) -> Standardised {
    let sorted = submit::standardise(inputs, refuse_confusable);
    Standardised {
        rejected: sorted
            .refused
            .into_iter()
            .map(|refused| Rejected::new(&inputs[refused.index], refused.reason, refused.code))
            .collect(),
        warnings: sorted
            .warnings
            .into_iter()
            .map(|warning| SubmissionWarning {
                domain: warning.name.to_string(),
                unicode: warning.name.unicode(),
                code: Confusable::CODE.to_owned(),
                message: warning.reason,
            })
            .collect(),
        valid: sorted.valid,
    }
}

/// Writes `request` as one batch and wakes the supervisor; `rejected` is reported as given.
pub async fn enqueue(
    state: &ApiState,
    request: EnqueueRequest<'_>,
    rejected: Vec<Rejected>,
) -> Result<Submitted, ApiError> {
    let outcome = store::domains::enqueue(&state.db, request, |_| {}).await?;
    let batch_id = outcome.batch_id.ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "no batch was written for a valid domain",
        )
    })?;
    if !outcome.added.is_empty() || !outcome.refreshed.is_empty() {
        state.wake_supervisor();
    }
    let mut accepted = outcome.added;
    accepted.extend(outcome.refreshed);
    let mut already_present = outcome.already_present;
    already_present.extend(outcome.in_progress);
    Ok(Submitted {
        status_url: format!("/api/v1/batches/{batch_id}"),
        batch_id,
        accepted,
        already_present,
        rejected,
        warnings: Vec::new(),
    })
}

/// A batch's progress, computed from its domains.
#[utoipa::path(get, path = "/api/v1/batches/{id}", params(("id" = Uuid, Path, description = "`batch_id` of a submission"), TenantParam),
    security(("bearer" = [])),
    responses((status = 200, body = rows::Batch, description = "The batch's progress"), (status = 400, body = ErrorBody, description = "Not a UUID"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"), (status = 404, body = ErrorBody, description = "Unknown, or another tenant's"), (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn batch(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<Uuid>, PathRejection>,
    query: Result<Query<TenantParam>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<rows::Batch>, ApiError> {
    let Path(id) = path?;
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let progress = store::batches::progress(&state.db, tenant, id).await?;
    let mut batch = rows::Batch::from(progress.ok_or_else(|| ApiError::not_found(format!("no batch {id}")))?);
    batch.callback = store::callbacks::status(&state.db, id).await?.map(rows::BatchCallback::from);
    Ok(Json(batch))
}

pub(super) fn parse_name(path: Result<Path<String>, PathRejection>) -> Result<DomainName, ApiError> {
    let Path(input) = path?;
    DomainName::parse(&input)
        .map_err(|reason| ApiError::unprocessable(format!("domain {}: {reason}", Excerpt::of(&input))))
}

/// What the path of a domain's read-only routes names: the domain, as a name or URL
/// standardised as on submission, or its row's `id` (which the listing, the export and the
/// callbacks give). One reading for every route that accepts both, so that they agree.
pub(super) enum DomainPath {
    Id(Uuid),
    Name(DomainName),
}

impl DomainPath {
    pub(super) fn parse(path: Result<Path<String>, PathRejection>) -> Result<DomainPath, ApiError> {
        // A UUID is never a domain name (one label of hex and hyphens): no text is both.
        match path.as_ref().ok().and_then(|Path(text)| text.parse::<Uuid>().ok()) {
            Some(id) => Ok(DomainPath::Id(id)),
            None => parse_name(path).map(DomainPath::Name),
        }
    }

    /// The row the path names in `tenant`, or, for an admin's view of every tenant (`None`),
    /// in whichever tenant has it: a name several tenants have is 400 `tenant_required`.
    pub(super) async fn find(
        &self,
        db: &sea_orm::DatabaseConnection,
        tenant: Option<Uuid>,
    ) -> Result<Option<entity::domains::Model>, ApiError> {
        match (self, tenant) {
            (DomainPath::Id(id), tenant) => Ok(store::listing::domain(db, tenant, *id).await?),
            (DomainPath::Name(name), Some(tenant)) => Ok(store::domains::find(db, tenant, name).await?),
            (DomainPath::Name(name), None) => {
                let mut rows = store::domains::find_in_every_tenant(db, name).await?;
                if rows.len() > 1 {
                    let tenants: Vec<Uuid> = rows.iter().map(|row| row.tenant_id).collect();
                    return Err(super::scope::ambiguous(name.as_str(), &tenants));
                }
                Ok(rows.pop())
            }
        }
    }

    /// The 404 answered when it names no row of the tenant.
    pub(super) fn not_found(&self) -> ApiError {
        match self {
            DomainPath::Id(id) => ApiError::not_found(format!("no domain {id}")),
            DomainPath::Name(name) => ApiError::not_found(format!("no domain {name}")),
        }
    }
}

/// A domain's full row.
#[utoipa::path(get, path = "/api/v1/domains/{domain}", params(("domain" = DomainInput, Path, description = "A domain or URL, standardised as on submission, or the domain's id"), TenantParam),
    security(("bearer" = [])),
    responses((status = 200, body = rows::Domain, description = "The domain's row"), (status = 400, body = ErrorBody, description = "The path is not UTF-8, a `tenant` that is not a UUID, or (admin tokens without `tenant`) a name several tenants have (`tenant_required`)"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"), (status = 404, body = ErrorBody, description = "Unknown, or another tenant's"),
               (status = 422, body = ErrorBody, description = "Not a domain the service can fetch"), (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn show(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<TenantParam>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<rows::Domain>, ApiError> {
    let wanted = DomainPath::parse(path)?;
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let row = wanted.find(&state.db, tenant).await?;
    row.map(|row| Json(row.into())).ok_or_else(|| wanted.not_found())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only domains in this status.
    #[param(value_type = Option<rows::DomainStatus>)]
    pub status: Option<String>,
    /// Only domains with at least one recorded change scanned at or after this time: RFC 3339
    /// (also accepted: a date such as `2026-12-01`, for midnight UTC), as for the export.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-01T00:00:00Z")]
    pub changed_since: Option<String>,
    /// Only domains whose latest scan found this technology, named exactly as detected
    /// (`Shopify`); `GET /api/v1/technologies` lists the names.
    #[param(example = "WordPress")]
    pub technology: Option<String>,
    /// Page size (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of domains, in name order.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainPage {
    pub items: Vec<rows::Domain>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The tenant's domains, by name, one page at a time.
#[utoipa::path(get, path = "/api/v1/domains", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = DomainPage, description = "One page of the tenant's domains"), (status = 400, body = ErrorBody, description = "A malformed query"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 422, body = ErrorBody, description = "A value out of range, an unknown status or a `changed_since` that is neither an RFC 3339 time nor a date"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn list(
    State(state): State<ApiState>,
    Tenant(tenant): Tenant,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DomainPage>, ApiError> {
    let Query(query) = query?;
    let status = super::params::status(query.status.as_deref())?;
    let changed_since = super::params::changed_since(query.changed_since.as_deref())?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::unprocessable("limit: from 1 to 1000"));
    }
    let after = super::params::cursor::<Name>(query.cursor.as_deref())?;
    let selection = Selection {
        tenant: Some(tenant),
        status,
        changed_since,
        technology: query.technology,
        ..Default::default()
    };
    let items = store::domains::list(&state.db, &selection, after.as_ref(), limit).await?;
    let next_cursor = (items.len() as u64 == limit)
        .then(|| items.last().map(|row| Name(row.domain.clone()).encode()))
        .flatten();
    Ok(Json(DomainPage { items: items.into_iter().map(rows::Domain::from).collect(), next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Retried {
    pub domain: String,
    /// Always `pending`.
    pub status: rows::DomainStatus,
}

/// Put one domain back to `pending` now, attempts cleared.
#[utoipa::path(post, path = "/api/v1/domains/{domain}/retry", params(("domain" = DomainInput, Path, description = "A domain or URL, standardised as on submission")),
    security(("bearer" = [])),
    responses((status = 202, body = Retried, description = "Back to `pending`, due now"), (status = 400, body = ErrorBody, description = "The path is not UTF-8"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 404, body = ErrorBody, description = "Unknown, or another tenant's"),
               (status = 409, body = ErrorBody, description = "The domain is being processed now"),
               (status = 422, body = ErrorBody, description = "Not a domain the service can fetch"), (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn retry(
    State(state): State<ApiState>,
    Tenant(tenant): Tenant,
    path: Result<Path<String>, PathRejection>,
) -> Result<(StatusCode, Json<Retried>), ApiError> {
    let name = parse_name(path)?;
    let outcome = store::domains::reset_names(&state.db, Some(tenant), std::slice::from_ref(&name)).await?;
    if !outcome.not_found.is_empty() {
        return Err(ApiError::not_found(format!("no domain {name}")));
    }
    if !outcome.in_progress.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "in_progress",
            format!("{name} is being processed now"),
        ));
    }
    state.wake_supervisor();
    Ok((
        StatusCode::ACCEPTED,
        Json(Retried { domain: name.to_string(), status: rows::DomainStatus::Pending }),
    ))
}
