//! The list of batches (`GET /api/v1/batches`): a tenant's own, or any tenant's for an admin
//! token, newest first, one keyset page at a time, each with its counts (through batch
//! membership, as `GET /api/v1/batches/{id}` counts them) and its callback's state.
//!
//! A batch's state is derived from its members, not stored, so the `state` filter is applied to
//! the batches as they are read: a page reads at most [`SCAN_PAGES`] pages' worth of batches
//! and may come back short (even empty) with a `next_cursor`; the list ends when
//! `next_cursor` is null.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::errors::{ApiError, ErrorBody};
use super::scope::scope;
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::rows;
use crate::store::keyset::{Before, Cursor};
use crate::store::listing::{self, BatchRow};
use crate::store::{self, BatchProgress, BatchState};

/// How many pages' worth of batches one page reads at most while it looks for the `state`
/// asked for.
const SCAN_PAGES: u64 = 10;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BatchesQuery {
    /// Only batches in this state.
    #[param(value_type = Option<rows::BatchStatus>)]
    pub state: Option<String>,
    /// Admin tokens: only this tenant's batches (without it, every tenant's). Tenant tokens may
    /// only name their own tenant.
    pub tenant: Option<Uuid>,
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page, as it was given.
    #[param(
        pattern = r"^[0-9]{1,19}_[0-9a-f]{32}$",
        example = "1765083600123456789_0193a7b000007000800000000000002a"
    )]
    pub cursor: Option<String>,
}

/// A batch in the list: its progress, callback and tenant.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedBatch {
    pub tenant_id: Uuid,
    #[serde(flatten)]
    pub batch: rows::Batch,
}

/// One page of batches, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchPage {
    pub items: Vec<ListedBatch>,
    /// Pass as `cursor` for the next (older) page; null once every batch has been read.
    pub next_cursor: Option<String>,
}

/// The cursor of the page after `row`.
fn cursor_after(row: &BatchRow) -> String {
    position(row).encode()
}

fn position(row: &BatchRow) -> Before {
    Before { at: row.batch.created_at, id: row.batch.id }
}

fn parse_state(text: &str) -> Result<BatchState, ApiError> {
    match text {
        "pending" => Ok(BatchState::Pending),
        "running" => Ok(BatchState::Running),
        "complete" => Ok(BatchState::Complete),
        _ => Err(ApiError::unprocessable(format!(
            "state: {:?} is not one of pending, running, complete",
            crate::excerpt::Excerpt::of(text).text
        ))),
    }
}

/// The batches of the token's tenant (of any tenant for an admin token), newest first, each
/// with its counts and its callback's state.
#[utoipa::path(get, path = "/api/v1/batches", params(BatchesQuery), security(("bearer" = [])),
    responses((status = 200, body = BatchPage, description = "One page of batches, newest first; with `state`, a page may hold fewer than `limit` (follow `next_cursor` until it is null)"),
               (status = 400, body = ErrorBody, description = "A malformed query"),
               (status = 401, body = ErrorBody, description = "Missing or unknown token"),
               (status = 403, body = ErrorBody, description = "A tenant token naming another tenant (`foreign_tenant`)"),
               (status = 422, body = ErrorBody, description = "A limit out of range, an unknown state or a cursor this service did not give"),
               (status = 503, body = ErrorBody, description = "The database is unreachable")))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    query: Result<Query<BatchesQuery>, QueryRejection>,
) -> Result<Json<BatchPage>, ApiError> {
    let Query(query) = query?;
    let tenant = scope(caller, query.tenant)?;
    let wanted = query.state.as_deref().map(parse_state).transpose()?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::unprocessable("limit: from 1 to 200"));
    }
    let mut before = super::params::cursor::<Before>(query.cursor.as_deref())?;
    let mut found = Vec::new();
    let mut next_cursor = None;
    for _ in 0..SCAN_PAGES {
        let rows = listing::batches(&state.db, tenant, before, limit).await?;
        let full = rows.len() as u64 == limit;
        let last = rows.last().map(|row| (cursor_after(row), position(row)));
        let mut stopped_early = false;
        for row in rows {
            if found.len() as u64 == limit {
                stopped_early = true;
                break;
            }
            if wanted.is_none_or(|state| row.counts.batch_state() == state) {
                next_cursor = Some(cursor_after(&row));
                found.push(row);
            }
        }
        if stopped_early {
            break;
        }
        match last {
            // The whole chunk was read: the next page starts after all of it.
            Some((text, at)) if full => {
                next_cursor = Some(text);
                before = Some(at);
                if found.len() as u64 == limit {
                    break;
                }
            }
            _ => {
                next_cursor = None;
                break;
            }
        }
    }
    let mut items = Vec::with_capacity(found.len());
    for row in found {
        let tenant_id = row.batch.tenant_id;
        let id = row.batch.id;
        let mut batch = rows::Batch::from(progress(row));
        batch.callback = store::callbacks::status(&state.db, id).await?.map(rows::BatchCallback::from);
        items.push(ListedBatch { tenant_id, batch });
    }
    Ok(Json(BatchPage { items, next_cursor }))
}

fn progress(row: BatchRow) -> BatchProgress {
    BatchProgress {
        batch_id: row.batch.id,
        status: row.counts.batch_state(),
        total: row.counts.total(),
        progress: row.counts.done_share(),
        created_at: row.batch.created_at,
        cancelled_at: row.batch.cancelled_at,
        counts: row.counts,
    }
}
