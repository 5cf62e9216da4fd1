//! One batch (`/ui/batches/{id}`): its progress, its members by status (counts that open the
//! members of one status, listed and paged both ways), its completion callback with every
//! delivery attempt, links to export its domains (CSV, JSON Lines), and the actions on it:
//! cancel its pending domains, retry its errored ones. Another tenant's batch is "not found".

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use entity::DomainStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::page::{self, ConsoleError, Frame, Segment};
use super::paging::{self, Pager};
use super::session::Signed;
use crate::app_state::ApiState;
use crate::store::BatchState;
use crate::store::callbacks::{self, DeliveryState};
use crate::store::keyset::{After, Keyset};
use crate::store::listing;
use crate::store::selection::Selection;

pub const MEMBERS_PAGE_SIZE: u64 = 50;
/// Delivery attempts listed (a callback makes a handful at most).
pub const DELIVERIES_SHOWN: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct BatchQuery {
    /// Only the members in this status.
    status: Option<String>,
    #[serde(flatten)]
    page: paging::NamePage,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/batch.html")]
struct BatchPage {
    frame: Frame,
    id: String,
    id_short: String,
    tenant: String,
    state: &'static str,
    created: String,
    created_iso: String,
    created_ago: String,
    cancelled: Option<String>,
    segments: Vec<Segment>,
    percent: String,
    total: String,
    statuses: Vec<StatusLink>,
    status: Option<&'static str>,
    all_href: String,
    members: Vec<MemberRow>,
    pager: Pager,
    callback: Option<CallbackView>,
    csv_href: String,
    jsonl_href: String,
    pending: String,
    cancellable: bool,
    errors: String,
    retryable: bool,
}

struct StatusLink {
    status: &'static str,
    count: String,
    href: String,
    active: bool,
}

struct MemberRow {
    href: String,
    domain: String,
    status: &'static str,
    attempts: i32,
    title: String,
    last_error: Option<String>,
    error_kind_href: Option<String>,
    updated_iso: String,
    updated: String,
    updated_ago: String,
}

struct CallbackView {
    url: String,
    state: &'static str,
    attempts: String,
    next_attempt: Option<String>,
    deliveries: Vec<DeliveryRow>,
}

struct DeliveryRow {
    attempt: i32,
    at: String,
    at_iso: String,
    at_ago: String,
    status: String,
    delivered: bool,
    error: String,
}

pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    Path(id): Path<String>,
    query: Result<Query<BatchQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let not_found = || ConsoleError::NotFound("There is no such batch for this token.".into());
    let id: Uuid = id.parse().map_err(|_| not_found())?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(text.parse::<DomainStatus>().map_err(ConsoleError::BadRequest)?),
    };
    let wanted = query.page.keyset()?;
    let row = listing::batch(&state.db, signed.scope(), id).await?.ok_or_else(not_found)?;
    let selection = Selection { tenant: signed.scope(), batch: Some(id), status, ..Default::default() };
    let members = listing::domains(&state.db, &selection, wanted.clone(), MEMBERS_PAGE_SIZE).await?;
    let callback = callbacks::status(&state.db, id).await?;
    let deliveries = if callback.is_some() {
        callbacks::deliveries(&state.db, id, DELIVERIES_SHOWN).await?
    } else {
        Vec::new()
    };

    let base = format!("/ui/batches/{id}");
    let link = |status: Option<DomainStatus>, extra: &[(&str, &str)]| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(status) = status {
            query.append_pair("status", status.as_str());
        }
        for (name, value) in extra {
            query.append_pair(name, value);
        }
        let query = query.finish();
        let path = if query.is_empty() { base.clone() } else { format!("{base}?{query}") };
        format!("{path}#members")
    };
    let pager = Pager::new(
        &members,
        wanted.as_ref(),
        MEMBERS_PAGE_SIZE,
        |row| After { domain: row.domain.clone(), id: row.id },
        |at| match at {
            None => link(status, &[]),
            Some(Keyset::Next(after)) => {
                link(status, &[("after", &after.domain), ("after_id", &after.id.to_string())])
            }
            Some(Keyset::Previous(before)) => {
                link(status, &[("before", &before.domain), ("before_id", &before.id.to_string())])
            }
        },
    );
    let counts = &row.counts;
    let statuses = [
        (DomainStatus::Pending, counts.pending),
        (DomainStatus::Processing, counts.processing),
        (DomainStatus::Completed, counts.completed),
        (DomainStatus::Error, counts.error),
        (DomainStatus::Gone, counts.gone),
    ]
    .into_iter()
    .map(|(s, n)| StatusLink {
        status: s.as_str(),
        count: page::count(n),
        href: link(Some(s), &[]),
        active: status == Some(s),
    })
    .collect();
    let now = Utc::now();
    let members = members
        .into_iter()
        .map(|row| MemberRow {
            href: format!("/ui/domains/{}", row.id),
            status: row.status.as_str(),
            attempts: row.attempts,
            title: row.title.unwrap_or_default(),
            error_kind_href: row
                .last_error
                .as_deref()
                .and_then(super::search::kind_of_last_error)
                .map(|kind| super::search::error_kind_href(kind.as_str())),
            last_error: row.last_error,
            updated: page::time(row.updated_at),
            updated_iso: page::iso(row.updated_at),
            updated_ago: page::ago(row.updated_at, now),
            domain: row.domain,
        })
        .collect();
    let callback = callback.map(|callback| CallbackView {
        url: callback.url,
        state: match callback.state {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        },
        attempts: page::count(callback.attempts),
        next_attempt: callback.next_attempt_at.map(|at| page::ago(at, now)),
        deliveries: deliveries
            .into_iter()
            .map(|delivery| DeliveryRow {
                attempt: delivery.attempt,
                at: page::time(delivery.attempted_at),
                at_iso: page::iso(delivery.attempted_at),
                at_ago: page::ago(delivery.attempted_at, now),
                status: delivery
                    .status_code
                    .map(|code| code.to_string())
                    .unwrap_or_else(|| "no answer".into()),
                delivered: delivery.delivered_at.is_some(),
                error: delivery.error.unwrap_or_default(),
            })
            .collect(),
    });
    let export = |format: &str| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("format", format)
            .append_pair("batch", &id.to_string())
            .finish();
        format!("/ui/export?{query}")
    };
    let view = BatchPage {
        frame: Frame::new(&signed, "batches", query.notice.as_deref()),
        id: id.to_string(),
        id_short: page::short_id(id),
        tenant: row.batch.tenant_id.to_string(),
        state: match counts.batch_state() {
            BatchState::Pending => "pending",
            BatchState::Running => "running",
            BatchState::Complete => "complete",
        },
        created: page::time(row.batch.created_at),
        created_iso: page::iso(row.batch.created_at),
        created_ago: page::ago(row.batch.created_at, now),
        cancelled: row.batch.cancelled_at.map(page::time),
        segments: page::segments(counts),
        percent: page::percent(counts.done(), counts.total()),
        total: page::count(counts.total()),
        statuses,
        status: status.map(DomainStatus::as_str),
        all_href: link(None, &[]),
        members,
        pager,
        callback,
        csv_href: export("csv"),
        jsonl_href: export("jsonl"),
        pending: page::count(counts.pending),
        cancellable: counts.pending > 0,
        errors: page::count(counts.error),
        retryable: counts.error > 0,
    };
    Ok(page::render(&view))
}
