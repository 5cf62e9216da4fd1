//! A batch's progress and its completion callback, as the API shows them. Its counts per
//! status are the store's [`StatusCounts`] itself: one concept, one type.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::{self, BatchProgress, BatchState, StatusCounts};

/// A batch's state, derived from its domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    /// Nothing started yet.
    Pending,
    /// Some domains done or in progress, some not.
    Running,
    /// Every domain `completed` or `error`.
    Complete,
}

/// A batch's progress, computed from its domains.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Batch {
    pub batch_id: Uuid,
    pub status: BatchStatus,
    /// Domains in the batch.
    pub total: u64,
    pub counts: StatusCounts,
    /// Share of the batch's domains done, from 0 to 1.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub progress: f64,
    pub created_at: DateTime<Utc>,
    /// When an operator first cancelled the batch (`POST /api/v1/batches/{id}/cancel`, the
    /// `cancel` command or the console); null: never cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The completion callback named on submission; null when there is none.
    pub callback: Option<BatchCallback>,
}

impl From<BatchProgress> for Batch {
    fn from(batch: BatchProgress) -> Batch {
        let BatchProgress { batch_id, status, total, counts, progress, created_at, cancelled_at } = batch;
        let status = match status {
            BatchState::Pending => BatchStatus::Pending,
            BatchState::Running => BatchStatus::Running,
            BatchState::Complete => BatchStatus::Complete,
        };
        Batch { batch_id, status, total, counts, progress, created_at, cancelled_at, callback: None }
    }
}

/// Where a batch's completion callback stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CallbackState {
    /// Waiting for the batch to finish, or for the next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed, or the address was refused; no attempt is left.
    Failed,
}

/// A batch's completion callback and its deliveries so far.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchCallback {
    /// The URL as submitted, with `***` in place of any credentials (`https://***@host/`).
    pub url: String,
    pub state: CallbackState,
    /// Attempts made so far.
    pub attempts: u64,
    /// The status of the last answer; null when none came.
    pub last_status: Option<i32>,
    /// Why the last attempt failed; null when it was delivered (or none was made yet).
    pub last_error: Option<String>,
    /// When the next attempt is due after a failed one.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<store::callbacks::CallbackStatus> for BatchCallback {
    fn from(status: store::callbacks::CallbackStatus) -> BatchCallback {
        let store::callbacks::CallbackStatus {
            url,
            state,
            attempts,
            last_status,
            last_error,
            next_attempt_at,
            delivered_at,
        } = status;
        let state = match state {
            store::callbacks::DeliveryState::Pending => CallbackState::Pending,
            store::callbacks::DeliveryState::Delivered => CallbackState::Delivered,
            store::callbacks::DeliveryState::Failed => CallbackState::Failed,
        };
        BatchCallback { url, state, attempts, last_status, last_error, next_attempt_at, delivered_at }
    }
}
