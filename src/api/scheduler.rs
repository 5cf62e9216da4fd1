//! Steering the scheduler: a run now, and the recent runs.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::errors::{ApiError, ErrorBody};
use crate::actors::RunNowAnswer;
use crate::app_state::{ApiState, SchedulerAway};
use crate::caller::{Caller, RUNS_ARE_ADMIN_ONLY};

#[derive(Debug, Serialize, ToSchema)]
pub struct RunStarted {
    /// The run started, or null when nothing was due.
    pub run_id: Option<Uuid>,
    pub status: String,
}

/// The supervisor's answer to a run now ([`ApiState::run_now`]), as the API says it.
pub fn reply(asked: Result<RunNowAnswer, SchedulerAway>) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    let answer = asked.map_err(|away| {
        let message = match away {
            SchedulerAway::NotRunning => "the scheduler is not running",
            SchedulerAway::NoAnswer => "the scheduler did not answer",
        };
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_running", message)
    })?;
    match answer {
        RunNowAnswer::Started(run_id) => {
            Ok((StatusCode::ACCEPTED, Json(RunStarted { run_id: Some(run_id), status: "started".into() })))
        }
        RunNowAnswer::NothingDue => {
            Ok((StatusCode::OK, Json(RunStarted { run_id: None, status: "nothing_due".into() })))
        }
        RunNowAnswer::Paused(reason) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "paused",
            format!("claims are paused by a shortage of the service's own: {reason}"),
        )),
        RunNowAnswer::PausedByOperator => Err(ApiError::new(
            StatusCode::CONFLICT,
            "claiming_paused",
            "an operator paused claiming (POST /api/v1/scheduler/pause); POST /api/v1/scheduler/resume lets it run again",
        )),
        RunNowAnswer::AtCapacity => Err(ApiError::new(
            StatusCode::CONFLICT,
            "at_capacity",
            "the most runs allowed in flight (DOMAIN_SCHEDULER_MAX_INSTANCES) are running",
        )),
    }
}

/// Start a scheduler run now.
///
/// With an admin token the run claims what is due of every tenant. With a tenant token it
/// claims only that tenant's due domains (one claim of up to `DOMAIN_SCHEDULER_BATCH_SIZE`),
/// never another tenant's; `nothing_due` then means none of the tenant's domains is due.
#[utoipa::path(post, path = "/api/v1/scheduler/run", security(("bearer" = [])),
    responses((status = 202, body = RunStarted, description = "A run started"), (status = 200, body = RunStarted, description = "No domain was due (`nothing_due`): of the token's tenant, for a tenant token"), (status = 401, body = ErrorBody, description = "Missing or unknown token"), (status = 409, body = ErrorBody, description = "Every run slot (`DOMAIN_SCHEDULER_MAX_INSTANCES`) is busy (`at_capacity`), or an operator paused claiming (`claiming_paused`)")))]
pub async fn run(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<(StatusCode, Json<RunStarted>), ApiError> {
    reply(state.run_now(caller.tenant_filter()).await)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunsQuery {
    /// How many runs, newest first (default 20).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// The most recent scheduler runs (admin tokens only).
///
/// One run claims the due domains of every tenant, so its figures mix tenants: a tenant token
/// gets 403 `admin_only`.
#[utoipa::path(get, path = "/api/v1/scheduler/runs", params(RunsQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<crate::rows::SchedulerRun>, description = "The most recent runs, newest first"), (status = 400, body = ErrorBody, description = "A malformed query"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token: runs mix every tenant's work, only an admin token may list them"),
               (status = 422, body = ErrorBody, description = "A value out of range"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn runs(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<RunsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<entity::scheduler_runs::Model>>, ApiError> {
    caller.require_admin(RUNS_ARE_ADMIN_ONLY)?;
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(20);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::unprocessable("limit: from 1 to 500"));
    }
    Ok(Json(crate::store::runs::page(&state.db, None, limit).await?))
}
