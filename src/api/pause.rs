//! Pausing and resuming the claiming of work (admin tokens only). The pause is one row in the
//! database (`store::pause`), so it holds every instance sharing it and survives restarts. A
//! paused service still answers the API and finishes the domains it holds; it only claims no
//! more until `resume`.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::errors::{ApiError, ErrorBody};
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::store::pause::{self, Paused};

/// Why pausing is an operator's act.
const PAUSE_IS_ADMIN_ONLY: &str = "pausing claims stops the work of every tenant";

/// Whether claiming is paused.
#[derive(Debug, Serialize, ToSchema)]
pub struct PauseState {
    pub paused: bool,
    /// Since when, while paused.
    pub paused_at: Option<DateTime<Utc>>,
    /// Who paused it (`api` or `cli`), while paused.
    pub paused_by: Option<String>,
}

impl From<Option<Paused>> for PauseState {
    fn from(paused: Option<Paused>) -> PauseState {
        match paused {
            Some(Paused { since, by }) => {
                PauseState { paused: true, paused_at: Some(since), paused_by: Some(by) }
            }
            None => PauseState { paused: false, paused_at: None, paused_by: None },
        }
    }
}

/// Pause claiming on every instance (admin tokens only).
///
/// No instance sharing the database claims a domain until `resume`; domains already claimed
/// are finished. The API keeps answering. Pausing a paused scheduler keeps the first pause.
#[utoipa::path(post, path = "/api/v1/scheduler/pause", security(("bearer" = [])),
    responses((status = 200, body = PauseState, description = "Claiming is paused"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token: the pause holds every tenant's work"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn pause(State(state): State<ApiState>, caller: Caller) -> Result<Json<PauseState>, ApiError> {
    caller.require_admin(PAUSE_IS_ADMIN_ONLY)?;
    let paused = pause::pause(&state.db, "api").await?;
    state.hold_pause().await;
    tracing::info!(since = %paused.since, "claiming paused by an operator");
    Ok(Json(PauseState::from(Some(paused))))
}

/// Let every instance claim again (admin tokens only).
#[utoipa::path(post, path = "/api/v1/scheduler/resume", security(("bearer" = [])),
    responses((status = 200, body = PauseState, description = "Claiming runs (`paused: false`)"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token: the pause holds every tenant's work"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn resume(State(state): State<ApiState>, caller: Caller) -> Result<Json<PauseState>, ApiError> {
    caller.require_admin(PAUSE_IS_ADMIN_ONLY)?;
    if pause::resume(&state.db).await? {
        tracing::info!("claiming resumed by an operator");
    }
    // This instance claims at once; the others at their next tick.
    state.wake_supervisor();
    Ok(Json(PauseState::from(None)))
}
