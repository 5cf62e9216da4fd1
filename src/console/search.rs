//! Domains (`/ui/domains`): search by the start of the name or by a text in the name, title or
//! last error, filtered by status, kind of the last error, batch, technology and (for an admin)
//! tenant (`filter`), in name order and paged both ways by the name shown first or last. The
//! page links to the export of its domains and to the bulk actions on them (`bulk`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use entity::DomainStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::filter::{FilterQuery, ListFilter};
use super::page::{self, ConsoleError, Frame};
use super::paging::{self, Pager};
use super::session::Signed;
use crate::app_state::ApiState;
use crate::failure::Kind;
use crate::store::keyset::{After, Keyset};
use crate::store::listing;

pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct DomainsQuery {
    #[serde(flatten)]
    filter: FilterQuery,
    #[serde(flatten)]
    page: paging::NamePage,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/domains.html")]
struct DomainsPage {
    frame: Frame,
    summary: String,
    q: String,
    text: String,
    technology: String,
    tenant_field: String,
    status_options: Vec<Choice>,
    kind_options: Vec<Choice>,
    batch: Option<String>,
    problem: Option<String>,
    rows: Vec<DomainRow>,
    first_page: bool,
    pager: Pager,
    /// The export of exactly these domains, when the export can filter as the list does.
    export: Option<ExportLinks>,
    bulk: BulkLinks,
}

pub struct ExportLinks {
    pub csv: String,
    pub jsonl: String,
}

struct BulkLinks {
    retry: String,
    cancel: String,
    delete: String,
}

struct Choice {
    value: &'static str,
    selected: bool,
}

struct DomainRow {
    href: String,
    domain: String,
    tenant: String,
    tenant_short: String,
    status: &'static str,
    attempts: i32,
    title: String,
    last_error: Option<String>,
    error_kind_href: Option<String>,
    updated: String,
    updated_iso: String,
    updated_ago: String,
}

/// The domain list filtered by the failure kind `kind`: where every error kind on a page leads.
pub fn error_kind_href(kind: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("error_kind", kind).finish();
    format!("/ui/domains?{query}")
}

/// The kind of a `last_error` (`STAGE/KIND: message`), when it names a known one.
pub fn kind_of_last_error(last_error: &str) -> Option<Kind> {
    let (head, _) = last_error.split_once(": ")?;
    let (_, kind) = head.split_once('/')?;
    Kind::parse(kind)
}

/// The export links of `filter`'s domains (a filter the export can apply, see
/// [`ListFilter::exportable`]).
pub fn export_links(filter: &ListFilter) -> ExportLinks {
    ExportLinks {
        csv: filter.link("/ui/export", &[("format", "csv")]),
        jsonl: filter.link("/ui/export", &[("format", "jsonl")]),
    }
}

pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    query: Result<Query<DomainsQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let filter = ListFilter::parse(&query.filter, &signed)?;
    let wanted = query.page.keyset()?;
    let mut frame = Frame::new(&signed, "domains", query.notice.as_deref());
    frame.search = filter.typed.clone();
    let selection = filter.selection(&signed);
    let mut page = DomainsPage {
        frame,
        summary: summary(selection.tenant, signed.scope().is_none(), filter.batch),
        q: filter.typed.clone(),
        text: filter.text.clone().unwrap_or_default(),
        technology: filter.technology.clone().unwrap_or_default(),
        tenant_field: filter.tenant.map(|t| t.to_string()).unwrap_or_default(),
        status_options: DomainStatus::ALL
            .into_iter()
            .map(|s| Choice { value: s.as_str(), selected: Some(s) == filter.status })
            .collect(),
        kind_options: Kind::all()
            .map(|k| Choice { value: k.as_str(), selected: Some(k) == filter.error_kind })
            .collect(),
        batch: filter.batch.map(|b| b.to_string()),
        problem: filter.problem.clone(),
        rows: Vec::new(),
        first_page: wanted.is_none(),
        pager: Pager { first: None, previous: None, next: None },
        export: filter.exportable().then(|| export_links(&filter)),
        bulk: BulkLinks {
            retry: filter.link("/ui/domains/bulk", &[("action", "retry")]),
            cancel: filter.link("/ui/domains/bulk", &[("action", "cancel")]),
            delete: filter.link("/ui/domains/bulk", &[("action", "delete")]),
        },
    };
    if page.problem.is_some() {
        return Ok(page::render(&page));
    }
    let rows = listing::domains(&state.db, &selection, wanted.clone(), PAGE_SIZE).await?;
    page.pager = Pager::new(
        &rows,
        wanted.as_ref(),
        PAGE_SIZE,
        |row| After { domain: row.domain.clone(), id: row.id },
        |at| match at {
            None => filter.link("/ui/domains", &[]),
            Some(Keyset::Next(after)) => {
                filter.link("/ui/domains", &[("after", &after.domain), ("after_id", &after.id.to_string())])
            }
            Some(Keyset::Previous(before)) => filter
                .link("/ui/domains", &[("before", &before.domain), ("before_id", &before.id.to_string())]),
        },
    );
    let now = Utc::now();
    page.rows = rows
        .into_iter()
        .map(|row| DomainRow {
            href: format!("/ui/domains/{}", row.id),
            tenant: row.tenant_id.to_string(),
            tenant_short: page::short_id(row.tenant_id),
            status: row.status.as_str(),
            attempts: row.attempts,
            title: row.title.unwrap_or_default(),
            error_kind_href: row
                .last_error
                .as_deref()
                .and_then(kind_of_last_error)
                .map(|kind| error_kind_href(kind.as_str())),
            last_error: row.last_error,
            updated: page::time(row.updated_at),
            updated_iso: page::iso(row.updated_at),
            updated_ago: page::ago(row.updated_at, now),
            domain: row.domain,
        })
        .collect();
    Ok(page::render(&page))
}

fn summary(scope: Option<Uuid>, admin: bool, batch: Option<Uuid>) -> String {
    let whose = match (admin, scope) {
        (true, Some(tenant)) => format!("Domains of tenant {tenant}"),
        (true, None) => "Domains of every tenant".to_owned(),
        (false, _) => "Your tenant's domains".to_owned(),
    };
    match batch {
        Some(batch) => format!("{whose} in batch {batch}, by name"),
        None => format!("{whose}, by name"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_of_a_last_error_is_read_from_its_head() {
        assert_eq!(kind_of_last_error("fetch/http_status: 404 Not Found"), Some(Kind::HttpStatus));
        assert_eq!(kind_of_last_error("operator/cancelled: batch x cancelled"), Some(Kind::Cancelled));
        assert_eq!(kind_of_last_error("fetch/no_such_kind: x"), None);
        assert_eq!(kind_of_last_error("no kind here"), None);
    }
}
