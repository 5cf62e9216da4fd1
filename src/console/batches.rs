//! Batches (`/ui/batches`), newest first and paged both ways, each with a progress bar counted
//! from its domains, a link to its page (`batch`) and, while some of its domains still wait, a
//! button to cancel them (`actions::cancel_batch`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::page::{self, ConsoleError, Frame, Segment};
use super::paging::{self, Pager, decode_before, newest_first_link};
use super::session::Signed;
use crate::app_state::ApiState;
use crate::store::BatchState;
use crate::store::listing::{self, Before};

pub const PAGE_SIZE: u64 = 25;

#[derive(Debug, Default, Deserialize)]
pub struct BatchesQuery {
    /// The next (older) page: `TIME_ID` of the last batch of the page before it.
    before: Option<String>,
    /// The previous (newer) page: `TIME_ID` of the first batch of the page after it.
    after: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/batches.html")]
struct BatchesPage {
    frame: Frame,
    rows: Vec<BatchRow>,
    first_page: bool,
    pager: Pager,
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
    href: String,
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
    let wanted = paging::keyset(
        query.before.as_deref().map(decode_before).transpose()?,
        query.after.as_deref().map(decode_before).transpose()?,
    );
    let batches = listing::batches_page(&state.db, signed.scope(), wanted.clone(), PAGE_SIZE).await?;
    let pager = Pager::new(
        &batches,
        wanted.as_ref(),
        PAGE_SIZE,
        |row| Before { at: row.batch.created_at, id: row.batch.id },
        |page| newest_first_link("/ui/batches", page),
    );
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
                href: format!("/ui/batches/{}", row.batch.id),
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
    Ok(page::render(&BatchesPage { frame, rows, first_page: wanted.is_none(), pager }))
}
