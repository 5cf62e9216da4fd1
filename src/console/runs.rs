//! Scheduler runs (`/ui/runs`), newest first with their metrics: an admin's page, since one run
//! claims the due domains of every tenant (as in the API, a tenant gets 403).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::page::{self, ConsoleError, Frame};
use super::session::Signed;
use crate::api::ApiState;
use crate::api::auth::Caller;
use crate::store::listing::{self, Before};

pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct RunsQuery {
    /// `next_href` of the previous page: `TIME_ID` of its last run.
    before: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/runs.html")]
struct RunsPage {
    frame: Frame,
    rows: Vec<RunRow>,
    first_page: bool,
    next_href: Option<String>,
}

struct RunRow {
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

/// `TIME_ID`, the position after a row in a newest-first list (time with nanoseconds, so rows
/// of the same microsecond stay apart on SQLite too).
pub fn encode_before(before: Before) -> String {
    format!("{}_{}", before.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true), before.id)
}

pub fn decode_before(text: &str) -> Result<Before, ConsoleError> {
    let bad = || ConsoleError::BadRequest("The page link is damaged: open the first page again.".into());
    let (at, id) = text.split_once('_').ok_or_else(bad)?;
    let at = chrono::DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc);
    let id = id.parse().map_err(|_| bad())?;
    Ok(Before { at, id })
}

pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    if signed.caller != Caller::Admin {
        return Err(ConsoleError::Forbidden(format!(
            "{}. Sign in with an admin token (DOMAIN_SCHEDULER_ADMIN_TOKENS) to see them.",
            capitalised(crate::api::scheduler::RUNS_ARE_ADMIN_ONLY)
        )));
    }
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let before = query.before.as_deref().map(decode_before).transpose()?;
    let runs = listing::runs(&state.db, before, PAGE_SIZE).await?;
    let next_href = (runs.len() as u64 == PAGE_SIZE)
        .then(|| runs.last())
        .flatten()
        .map(|run| format!("/ui/runs?before={}", encode_before(Before { at: run.started_at, id: run.id })));
    let now = Utc::now();
    let rows = runs
        .into_iter()
        .map(|run| RunRow {
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
    Ok(page::render(&RunsPage { frame, rows, first_page: before.is_none(), next_href }))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_position_reads_back_exactly() {
        let before = Before { at: Utc::now(), id: uuid::Uuid::new_v4() };
        assert_eq!(decode_before(&encode_before(before)).unwrap(), before);
        assert!(decode_before("yesterday_x").is_err());
    }
}
