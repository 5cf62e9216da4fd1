//! The routes of the service this one replaces, answered the way its clients expect:
//! `scan` enqueues one domain, `status` follows it, `process-pending-domains` starts a run.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::ApiState;
use super::auth::Tenant;
use super::errors::{ApiError, ApiJson, ErrorBody};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ScanRequest {
    /// The site: a domain or URL.
    pub base_url: String,
    /// Pages the fetcher may visit on the site (home page plus contact pages), 1 to 50.
    #[serde(default = "one")]
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
    responses((status = 200, body = ScanAccepted), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn scan(
    State(state): State<ApiState>,
    Tenant(tenant): Tenant,
    ApiJson(request): ApiJson<ScanRequest>,
) -> Result<Json<ScanAccepted>, ApiError> {
    let max_pages = request.max_pages.clamp(1, 50);
    let (valid, rejected) = super::domains::standardise(std::slice::from_ref(&request.base_url));
    if let Some(refused) = rejected.first() {
        let message = format!("base_url {:?}: {}", refused.input, refused.error);
        return Err(ApiError::no_valid_domain(message, rejected));
    }
    // A scan of a known site is a request to look again.
    let submitted = super::domains::enqueue(&state, tenant, &valid, Vec::new(), true, max_pages).await?;
    let Some(job_id) = submitted.batch_id else {
        return Err(ApiError::new(StatusCode::CONFLICT, "in_progress", "the site is being scanned now"));
    };
    Ok(Json(ScanAccepted {
        job_id,
        status_url: format!("/api/v3/modernized_page_scraper/status/{job_id}"),
        created_at: chrono::Utc::now(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanStatus {
    pub job_id: Uuid,
    /// `pending`, `running`, `completed` or `failed`.
    pub status: String,
    pub progress: f64,
    /// The site's row once the scan ended.
    #[schema(value_type = Object)]
    pub result: Option<entity::domains::Model>,
}

/// Follow a scan (the old `modernized_page_scraper` status).
#[utoipa::path(get, path = "/api/v3/modernized_page_scraper/status/{job_id}", params(("job_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ScanStatus), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<ApiState>,
    Tenant(tenant): Tenant,
    path: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> Result<Json<ScanStatus>, ApiError> {
    let Path(job_id) = path?;
    let progress = crate::store::batches::progress(&state.db, tenant, job_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no job {job_id}")))?;
    let rows = crate::store::batches::domains_of(&state.db, tenant, job_id, 1).await?;
    let status = match progress.status {
        crate::store::BatchState::Pending => "pending",
        crate::store::BatchState::Running => "running",
        crate::store::BatchState::Complete if progress.counts.completed > 0 => "completed",
        crate::store::BatchState::Complete => "failed",
    };
    let done = progress.status == crate::store::BatchState::Complete;
    Ok(Json(ScanStatus {
        job_id,
        status: status.into(),
        progress: progress.progress,
        result: if done { rows.into_iter().next() } else { None },
    }))
}

/// Start a run now (the old dev-tools trigger).
#[utoipa::path(post, path = "/api/v3/dev-tools/process-pending-domains", security(("bearer" = [])),
    responses((status = 202, body = super::scheduler::RunStarted), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn process_pending(
    State(state): State<ApiState>,
    Tenant(_tenant): Tenant,
) -> Result<(StatusCode, Json<super::scheduler::RunStarted>), ApiError> {
    super::scheduler::run_now(&state).await
}
