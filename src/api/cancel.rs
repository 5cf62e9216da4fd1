//! Cancelling a batch (`POST /api/v1/batches/{id}/cancel`): its members still `pending` stop
//! being due for it (`store::cancel` says how, and what becomes of those being fetched); with
//! `?dry_run=true`, only the counts, nothing changed. A tenant token cancels its own batches,
//! an admin token any tenant's (`?tenant=` narrows, as on the read routes).

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::errors::{ApiError, ErrorBody};
use super::scope::scope;
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::rows;
use crate::store;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CancelQuery {
    /// Only count what the cancel would do; change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Admin tokens: the tenant whose batch it is (without it, any tenant's). Tenant tokens may
    /// only name their own tenant.
    pub tenant: Option<Uuid>,
}

/// What a cancel did, or would do in a dry run.
#[derive(Debug, Serialize, ToSchema)]
pub struct CancelAnswer {
    pub batch_id: Uuid,
    /// True when nothing was changed and the counts say what a cancel would do.
    pub dry_run: bool,
    /// Pending members no longer due for the batch: each ends in `error` (last error
    /// `operator/cancelled: ...`), or, when another unfinished batch still waits for it, stays
    /// due for that batch while this one counts it as `error`.
    pub cancelled: u64,
    /// Members being fetched now: they finish their attempt (the batch is complete once they
    /// have), and a retry after a failed attempt makes one `pending` again, which a second
    /// cancel ends.
    pub in_flight: u64,
    /// The batch's progress after the cancel (before it, in a dry run).
    pub batch: rows::Batch,
}

/// Cancel a batch's pending domains.
///
/// Its members still waiting in `pending` stop being due for it; those being fetched finish.
/// The batch's callback, if any, is sent once it is complete, counting the cancelled domains as
/// `error`. Cancelling again cancels what has become pending since, and is otherwise a no-op.
#[utoipa::path(post, path = "/api/v1/batches/{id}/cancel",
    params(("id" = Uuid, Path, description = "`batch_id` of a submission"), CancelQuery),
    security(("bearer" = [])),
    responses((status = 200, body = CancelAnswer, description = "What the cancel did (or, with `dry_run`, would do)"),
               (status = 400, body = ErrorBody, description = "Not a UUID, or a malformed query"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"),
               (status = 404, body = ErrorBody, description = "Unknown, or another tenant's"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn cancel(
    State(state): State<ApiState>,
    caller: Caller,
    path: Result<Path<Uuid>, PathRejection>,
    query: Result<Query<CancelQuery>, QueryRejection>,
) -> Result<Json<CancelAnswer>, ApiError> {
    let Path(id) = path?;
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let outcome = if query.dry_run {
        store::cancel::preview(&state.db, tenant, id).await?
    } else {
        store::cancel::cancel_batch(&state.db, tenant, id, &caller.who()).await?
    };
    let outcome = outcome.ok_or_else(|| ApiError::not_found(format!("no batch {id}")))?;
    if !query.dry_run {
        tracing::info!(batch = %id, cancelled = outcome.cancelled, in_flight = outcome.in_flight, "batch cancelled through the API");
    }
    let progress = store::batches::progress(&state.db, tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no batch {id}")))?;
    let mut batch = rows::Batch::from(progress);
    batch.callback = store::callbacks::status(&state.db, id).await?.map(rows::BatchCallback::from);
    Ok(Json(CancelAnswer {
        batch_id: id,
        dry_run: query.dry_run,
        cancelled: outcome.cancelled,
        in_flight: outcome.in_flight,
        batch,
    }))
}
