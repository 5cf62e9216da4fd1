//! Scheduler runs (`/ui/runs`), newest first with their metrics: an admin's page, since one run
//! claims the due domains of every tenant (as in the API, a tenant gets 403).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::page::{self, ConsoleError, Frame};
use super::paging::{self, Pager, decode_before, newest_first_link};
use super::session::Signed;
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::store::keyset::Before;

pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct RunsQuery {
    /// The next page: `TIME_ID` of the last run of the page before it.
    before: Option<String>,
    /// The previous page: `TIME_ID` of the first run of the page after it.
    after: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/runs.html")]
struct RunsPage {
    frame: Frame,
    rows: Vec<RunRow>,
    first_page: bool,
    pager: Pager,
}

struct RunRow {
    href: String,
    id_short: String,
    started: String,
    started_iso: String,
    started_ago: String,
    instance: String,
    duration: String,
    claimed: String,
    processed: String,
    successful: String,
    failed: String,
    retried: String,
    skipped: String,
    success_rate: String,
    success_share: String,
}

pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    admin_only(&signed)?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let wanted = paging::keyset(
        query.before.as_deref().map(decode_before).transpose()?,
        query.after.as_deref().map(decode_before).transpose()?,
    );
    let runs = crate::store::runs::page(&state.db, wanted.clone(), PAGE_SIZE).await?;
    let pager = Pager::new(
        &runs,
        wanted.as_ref(),
        PAGE_SIZE,
        |run| Before { at: run.started_at, id: run.id },
        |page| newest_first_link("/ui/runs", page),
    );
    let now = Utc::now();
    let rows = runs
        .into_iter()
        .map(|run| RunRow {
            href: format!("/ui/runs/{}", run.id),
            id_short: page::short_id(run.id),
            started: page::time(run.started_at),
            started_iso: page::iso(run.started_at),
            started_ago: page::ago(run.started_at, now),
            instance: run.instance_id,
            duration: format!("{:.1} s", run.duration_seconds),
            claimed: page::count(run.domains_claimed.max(0) as u64),
            processed: page::count(run.domains_processed.max(0) as u64),
            successful: page::count(run.domains_successful.max(0) as u64),
            failed: page::count(run.domains_failed.max(0) as u64),
            retried: page::count(run.domains_retried.max(0) as u64),
            skipped: page::count(run.domains_skipped.max(0) as u64),
            success_rate: format!("{:.0} %", run.success_rate * 100.0),
            success_share: format!("{:.2}", (run.success_rate * 100.0).clamp(0.0, 100.0)),
        })
        .collect();
    let frame = Frame::new(&signed, "runs", query.notice.as_deref());
    Ok(page::render(&RunsPage { frame, rows, first_page: wanted.is_none(), pager }))
}

/// Only admins see runs: one run claims the due domains of every tenant.
pub fn admin_only(signed: &Signed) -> Result<(), ConsoleError> {
    if signed.caller == Caller::Admin {
        return Ok(());
    }
    Err(ConsoleError::Forbidden(format!(
        "{}. Sign in with an admin token (DOMAIN_SCHEDULER_ADMIN_TOKENS) to see them.",
        capitalised(crate::caller::RUNS_ARE_ADMIN_ONLY)
    )))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
