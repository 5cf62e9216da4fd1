//! Health, readiness and metrics: no token needed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::app_state::ApiState;

/// The process is alive: `ok`, and a second line `claiming paused since TIME by WHO` while an
/// operator has paused claiming (the process is healthy then, and still answers).
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = String, content_type = "text/plain", description = "`ok`, with a line `claiming paused since TIME by WHO` while an operator has paused claiming")))]
pub async fn healthz(State(state): State<ApiState>) -> String {
    // Health never waits on the database: a slow one leaves out the detail, never the answer.
    let paused = tokio::time::timeout(READY_DB_DEADLINE, crate::store::pause::current(&state.db)).await;
    match paused {
        Ok(Ok(Some(paused))) => {
            format!("ok\nclaiming paused since {} by {}\n", paused.since.to_rfc3339(), paused.by)
        }
        _ => "ok".into(),
    }
}

/// How long readiness waits for the database: an orchestrator's probe must get an answer, and
/// a pool trying to reconnect to a stopped server would otherwise hold it for its whole
/// acquire timeout.
const READY_DB_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

/// The database answers, the actors run, and no shortage of the service's own (descriptors,
/// the database) has paused the claiming of work.
#[utoipa::path(get, path = "/readyz",
    responses((status = 200, body = String, content_type = "text/plain", description = "`ready`"),
              (status = 503, body = String, content_type = "text/plain", description = "What is not ready: the database, the actors, or a shortage that paused claims")))]
pub async fn readyz(State(state): State<ApiState>) -> (StatusCode, String) {
    if state.draining.load(std::sync::atomic::Ordering::Acquire) {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining: stopping after the work in flight".into());
    }
    if !matches!(tokio::time::timeout(READY_DB_DEADLINE, state.db.ping()).await, Ok(Ok(()))) {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable".into());
    }
    let running = state
        .supervisor
        .as_ref()
        .is_none_or(|supervisor| matches!(supervisor.get_status(), ractor::ActorStatus::Running));
    if !running {
        return (StatusCode::SERVICE_UNAVAILABLE, "actors not running".into());
    }
    if let Some(shortage) = state.pressure.describe() {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("claims paused: {shortage}"));
    }
    (StatusCode::OK, "ready".into())
}

/// Prometheus metrics: domains processed by outcome, fetch latency, queue depth by status,
/// actor restarts.
#[utoipa::path(get, path = "/metrics",
    responses((status = 200, body = String, content_type = "text/plain", description = "The Prometheus text format")))]
pub async fn metrics(State(state): State<ApiState>) -> impl IntoResponse {
    if let Ok(counts) = crate::store::batches::counts(&state.db, None).await {
        for (status, count) in [
            ("pending", counts.pending),
            ("processing", counts.processing),
            ("completed", counts.completed),
            ("error", counts.error),
            ("gone", counts.gone),
        ] {
            metrics::gauge!(crate::prometheus::QUEUE_DEPTH, "status" => status).set(count as f64);
        }
    }
    if let Ok(paused) = crate::store::pause::current(&state.db).await {
        metrics::gauge!(crate::prometheus::CLAIMING_PAUSED).set(if paused.is_some() { 1.0 } else { 0.0 });
    }
    let body = state.metrics.as_ref().map(|handle| handle.render()).unwrap_or_default();
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
