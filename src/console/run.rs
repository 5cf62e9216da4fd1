//! One scheduler run (`/ui/runs/{id}`, admins only): when it started and how long it took, what
//! it claimed and what came of it (successful, failed, retried, skipped), and the failures it
//! recorded, each linked to its domain and to the list of domains failing the same way.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;

use super::page::{self, ConsoleError, Frame};
use super::session::Signed;
use crate::app_state::ApiState;
use crate::store::listing;

/// Failures listed; the outcome counts cover all of them.
pub const FAILURES_SHOWN: u64 = 100;

#[derive(Template)]
#[template(path = "console/run.html")]
struct RunPage {
    frame: Frame,
    id: String,
    instance: String,
    started: String,
    started_iso: String,
    started_ago: String,
    finished: String,
    duration: String,
    success_rate: String,
    outcomes: Vec<Outcome>,
    failures: Vec<FailureRow>,
    failures_cut: bool,
    failures_shown: u64,
}

struct Outcome {
    label: &'static str,
    count: String,
}

struct FailureRow {
    domain: String,
    domain_href: String,
    stage: String,
    kind: String,
    kind_href: String,
    attempt: i32,
    message: String,
    occurred: String,
    occurred_iso: String,
    occurred_ago: String,
}

pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    super::runs::admin_only(&signed)?;
    let not_found = || ConsoleError::NotFound("There is no such run.".into());
    let id = id.parse().map_err(|_| not_found())?;
    let run = crate::store::runs::find(&state.db, id).await?.ok_or_else(not_found)?;
    let mut failures = listing::run_failures(&state.db, id, FAILURES_SHOWN + 1).await?;
    let failures_cut = failures.len() as u64 > FAILURES_SHOWN;
    if failures_cut {
        failures.pop();
    }
    let now = Utc::now();
    let count = |n: i32| page::count(n.max(0) as u64);
    let outcomes = vec![
        Outcome { label: "Claimed", count: count(run.domains_claimed) },
        Outcome { label: "Processed", count: count(run.domains_processed) },
        Outcome { label: "Successful", count: count(run.domains_successful) },
        Outcome { label: "Failed", count: count(run.domains_failed) },
        Outcome { label: "Retried", count: count(run.domains_retried) },
        Outcome { label: "Skipped", count: count(run.domains_skipped) },
    ];
    let failures = failures
        .into_iter()
        .map(|failure| FailureRow {
            domain_href: format!("/ui/domains/{}", failure.domain_id),
            kind_href: super::search::error_kind_href(&failure.kind),
            domain: failure.domain,
            stage: failure.stage,
            kind: failure.kind,
            attempt: failure.attempt,
            message: failure.message,
            occurred: page::time(failure.occurred_at),
            occurred_iso: page::iso(failure.occurred_at),
            occurred_ago: page::ago(failure.occurred_at, now),
        })
        .collect();
    let view = RunPage {
        frame: Frame::new(&signed, "runs", None),
        id: run.id.to_string(),
        instance: run.instance_id,
        started: page::time(run.started_at),
        started_iso: page::iso(run.started_at),
        started_ago: page::ago(run.started_at, now),
        finished: run.finished_at.map(page::time).unwrap_or_else(|| "not yet".into()),
        duration: format!("{:.1} s", run.duration_seconds),
        success_rate: format!("{:.0} %", run.success_rate * 100.0),
        outcomes,
        failures,
        failures_cut,
        failures_shown: FAILURES_SHOWN,
    };
    Ok(page::render(&view))
}
