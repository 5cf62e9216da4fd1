//! Batches (`/ui/batches`), newest first, each with a progress bar counted from its domains and,
//! while some of its domains still wait, a button to cancel them (`actions::cancel_batch`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::page::{self, ConsoleError, Frame, Segment};
use super::runs::{decode_before, encode_before};
use super::session::Signed;
use crate::api::ApiState;
use crate::store::BatchState;
use crate::store::listing::{self, Before};

pub const PAGE_SIZE: u64 = 25;

#[derive(Debug, Default, Deserialize)]
pub struct BatchesQuery {
    before: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/batches.html")]
struct BatchesPage {
    frame: Frame,
    rows: Vec<BatchRow>,
    first_page: bool,
    next_href: Option<String>,
}

struct BatchRow {
    id: String,
    id_short: String,
    tenant: String,
    tenant_short: String,
    state: &'static str,
    created: String,
    created_iso: String,
    created_ago: String,
    domains_href: String,
    segments: Vec<Segment>,
    percent: String,
    total: String,
    pending: String,
    processing: String,
    completed: String,
    error: String,
    cancellable: bool,
}

pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    query: Result<Query<BatchesQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let before = query.before.as_deref().map(decode_before).transpose()?;
    let batches = listing::batches(&state.db, signed.scope(), before, PAGE_SIZE).await?;
    let next_href = (batches.len() as u64 == PAGE_SIZE).then(|| batches.last()).flatten().map(|row| {
        format!("/ui/batches?before={}", encode_before(Before { at: row.batch.created_at, id: row.batch.id }))
    });
    let now = Utc::now();
    let rows = batches
        .into_iter()
        .map(|row| {
            let counts = &row.counts;
            BatchRow {
                id: row.batch.id.to_string(),
                id_short: page::short_id(row.batch.id),
                tenant: row.batch.tenant_id.to_string(),
                tenant_short: page::short_id(row.batch.tenant_id),
                state: match counts.batch_state() {
                    BatchState::Pending => "pending",
                    BatchState::Running => "running",
                    BatchState::Complete => "complete",
                },
                created: page::time(row.batch.created_at),
                created_iso: page::iso(row.batch.created_at),
                created_ago: page::ago(row.batch.created_at, now),
                domains_href: format!("/ui/domains?batch={}", row.batch.id),
                segments: page::segments(counts),
                percent: page::percent(counts.done(), counts.total()),
                total: page::count(counts.total()),
                pending: page::count(counts.pending),
                processing: page::count(counts.processing),
                completed: page::count(counts.completed),
                error: page::count(counts.error),
                cancellable: counts.pending > 0,
            }
        })
        .collect();
    let frame = Frame::new(&signed, "batches", query.notice.as_deref());
    Ok(page::render(&BatchesPage { frame, rows, first_page: before.is_none(), next_href }))
}
