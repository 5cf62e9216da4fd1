//! The routes of the service this one replaces, answered the way its clients expect:
//! `scan` enqueues one domain, `status` follows it, `process-pending-domains` starts a run (or,
//! with every run slot busy, has the pending domains claimed as soon as one frees).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use entity::DomainStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::auth::Tenant;
use super::errors::{ApiError, ApiJson, ErrorBody};
use crate::app_state::ApiState;
use crate::rows;
use crate::store::{self, EnqueueRequest};
use crate::submit::MaxPages;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ScanRequest {
    /// The site: a domain or URL.
    #[schema(value_type = super::domains::DomainInput)]
    pub base_url: String,
    /// Pages the fetcher may visit on the site (home page plus contact pages), from 1 to 50; as
    /// with the previous service, a value outside that range is brought into it.
    #[serde(default = "one", deserialize_with = "super::errors::whole_number")]
    pub max_pages: i32,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanAccepted {
    pub job_id: Uuid,
    pub status_url: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Enqueue one site (the old `modernized_page_scraper` scan).
#[utoipa::path(post, path = "/api/v3/modernized_page_scraper/scan", request_body = ScanRequest, security(("bearer" = [])),
    responses((status = 200, body = ScanAccepted, description = "Enqueued (again, if the site was known)"), (status = 400, body = ErrorBody, description = "Malformed JSON or no JSON content type"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 409, body = ErrorBody, description = "The site is being scanned now"), (status = 413, body = ErrorBody, description = "The body is over `DOMAIN_SCHEDULER_API_MAX_BODY_BYTES`"),
               (status = 422, body = ErrorBody, description = "A field of the wrong type, or `base_url` is not a domain the service can fetch (`no_valid_domain`, with `rejected`)"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn scan(
    State(state): State<ApiState>,
    Tenant(tenant): Tenant,
    ApiJson(request): ApiJson<ScanRequest>,
) -> Result<Json<ScanAccepted>, ApiError> {
    let max_pages = MaxPages::clamped(request.max_pages);
    let super::domains::Standardised { valid, rejected, .. } = super::domains::standardise(
        std::slice::from_ref(&request.base_url),
        state.settings.api.refuse_confusable,
    );
    if let Some(refused) = rejected.first() {
        let message = format!("base_url {:?}: {}", refused.input, refused.error);
        return Err(ApiError::no_valid_domain(message, rejected));
    }
    if let Some(name) = valid.first()
        && store::domains::find(&state.db, tenant, name)
            .await?
            .is_some_and(|row| row.status == DomainStatus::Processing)
    {
        return Err(ApiError::new(StatusCode::CONFLICT, "in_progress", "the site is being scanned now"));
    }
    // A scan of a known site is a request to look again.
    let request = EnqueueRequest {
        tenant_id: tenant,
        domains: &valid,
        refresh: true,
        max_pages,
        callback_url: None,
        rescan_after: None,
    };
    let submitted = super::domains::enqueue(&state, request, Vec::new()).await?;
    let job_id = submitted.batch_id;
    Ok(Json(ScanAccepted {
        job_id,
        status_url: format!("/api/v3/modernized_page_scraper/status/{job_id}"),
        created_at: chrono::Utc::now(),
    }))
}

/// Where a scan is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScanState {
    Pending,
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanStatus {
    pub job_id: Uuid,
    pub status: ScanState,
    /// Share of the scan done, from 0 to 1.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub progress: f64,
    /// The site's row once the scan ended.
    pub result: Option<rows::Domain>,
}

/// Follow a scan (the old `modernized_page_scraper` status).
#[utoipa::path(get, path = "/api/v3/modernized_page_scraper/status/{job_id}", params(("job_id" = Uuid, Path, description = "`job_id` of a scan")),
    security(("bearer" = [])),
    responses((status = 200, body = ScanStatus, description = "Where the scan is, with the site's row once it ended"), (status = 400, body = ErrorBody, description = "Not a UUID"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 404, body = ErrorBody, description = "Unknown, or another tenant's"), (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn status(
    State(state): State<ApiState>,
    Tenant(tenant): Tenant,
    path: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> Result<Json<ScanStatus>, ApiError> {
    let Path(job_id) = path?;
    let progress = crate::store::batches::progress(&state.db, Some(tenant), job_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no job {job_id}")))?;
    let rows = crate::store::batches::domains_of(&state.db, tenant, job_id, 1).await?;
    let status = match progress.status {
        crate::store::BatchState::Pending => ScanState::Pending,
        crate::store::BatchState::Running => ScanState::Running,
        crate::store::BatchState::Complete if progress.counts.completed > 0 => ScanState::Completed,
        crate::store::BatchState::Complete => ScanState::Failed,
    };
    let done = progress.status == crate::store::BatchState::Complete;
    Ok(Json(ScanStatus {
        job_id,
        status,
        progress: progress.progress,
        result: if done { rows.into_iter().next().map(rows::Domain::from) } else { None },
    }))
}

/// What became of a request to process the pending domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PendingProcessing {
    /// A run started now (`run_id`).
    Started,
    /// No domain was due.
    NothingDue,
    /// Every run slot was busy: the pending domains are claimed as soon as a run ends.
    Queued,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProcessPendingAnswer {
    /// The run started, or null when none started now.
    pub run_id: Option<Uuid>,
    pub status: PendingProcessing,
    pub message: String,
}

/// Process the pending domains now (the old dev-tools trigger). Unlike `POST
/// /api/v1/scheduler/run`, a request while every run slot is busy is not refused: the pending
/// domains are claimed as soon as the current run ends.
#[utoipa::path(post, path = "/api/v3/dev-tools/process-pending-domains", security(("bearer" = [])),
    responses((status = 202, body = ProcessPendingAnswer, description = "A run started (`started`), or every run slot is busy and the pending domains are claimed as its fetchers free up (`queued`)"),
               (status = 200, body = ProcessPendingAnswer, description = "No domain was due (`nothing_due`)"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 503, body = ErrorBody, description = "The scheduler is not running")))]
pub async fn process_pending(
    State(state): State<ApiState>,
    Tenant(tenant): Tenant,
) -> Result<(StatusCode, Json<ProcessPendingAnswer>), ApiError> {
    // The tenant's own pending domains only, as `POST /api/v1/scheduler/run` with its token.
    let answer = match super::scheduler::reply(state.run_now(Some(tenant)).await) {
        Ok((_, Json(started))) => match started.run_id {
            Some(run_id) => ProcessPendingAnswer {
                run_id: Some(run_id),
                status: PendingProcessing::Started,
                message: format!("run {run_id} started"),
            },
            None => ProcessPendingAnswer {
                run_id: None,
                status: PendingProcessing::NothingDue,
                message: "no pending domain is due".into(),
            },
        },
        // Every slot is busy: announcing the work makes the supervisor claim when a run ends.
        Err(error) if error.status == StatusCode::CONFLICT => {
            state.wake_supervisor();
            ProcessPendingAnswer {
                run_id: None,
                status: PendingProcessing::Queued,
                message:
                    "every run slot is busy: the pending domains will be claimed as the current run's fetchers free up"
                        .into(),
            }
        }
        Err(error) => return Err(error),
    };
    let status =
        if answer.status == PendingProcessing::NothingDue { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok((status, Json(answer)))
}
