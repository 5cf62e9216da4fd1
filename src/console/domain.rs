//! One domain (`/ui/domains/{id}`): its lifecycle, metadata, contacts, technology, failures
//! (newest first, paged both ways) and its change history (newest first, paged both ways). A domain of another
//! tenant is "not found", exactly as in the API.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use entity::{DomainStatus, FieldKind, FieldValue, domains, metadata_fields};
use serde::Deserialize;
use uuid::Uuid;

use super::page::{self, ConsoleError, Frame};
use super::paging::{self, Pager};
use super::session::Signed;
use crate::app_state::ApiState;
use crate::store::changes::{self, ChangeCursor};
use crate::store::listing::{self, Keyset};

pub const ERRORS_PAGE_SIZE: u64 = 20;
/// Changes shown on one page of the history.
pub const CHANGES_SHOWN: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct DomainQuery {
    /// Show failures older than this one (`id` of `domain_errors`).
    errors_before: Option<i64>,
    /// Show failures newer than this one: the previous page.
    errors_after: Option<i64>,
    /// Show changes older than this cursor (`next_cursor` of the API's change pages).
    changes_before: Option<String>,
    /// Show changes newer than this cursor: the previous page.
    changes_after: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/domain.html")]
struct DomainPage {
    frame: Frame,
    view: DomainView,
}

struct DomainView {
    id: Uuid,
    domain: String,
    status: &'static str,
    title: Option<String>,
    can_retry: bool,
    fetched: bool,
    lifecycle: Vec<Field>,
    metadata: Vec<Field>,
    /// The list fields of the contacts card (emails, phones).
    contact_lists: Vec<ListField>,
    socials: Vec<Field>,
    tech: Vec<Tech>,
    /// Whether any technology has evidence to show.
    tech_evidence: bool,
    errors: Vec<ErrorRow>,
    errors_first_page: bool,
    errors_pager: Pager,
    changes: Vec<ChangeRow>,
    changes_first_page: bool,
    changes_pager: Pager,
    raw_metadata: String,
}

/// One labelled value; `href` makes it a link.
struct Field {
    label: &'static str,
    text: String,
    href: Option<String>,
    class: &'static str,
}

impl Field {
    fn text(label: &'static str, text: impl Into<String>) -> Field {
        Field { label, text: text.into(), href: None, class: "" }
    }

    fn mono(label: &'static str, text: impl Into<String>) -> Field {
        Field { class: "mono", ..Field::text(label, text) }
    }

    /// A link when `url` is a web URL, plain text otherwise.
    fn url(label: &'static str, url: &str) -> Field {
        Field { href: page::safe_link(url), ..Field::text(label, url) }
    }
}

/// A labelled list of values.
struct ListField {
    label: &'static str,
    items: Vec<String>,
}

struct Tech {
    name: String,
    version: Option<String>,
    categories: String,
    /// Unknown for a row scanned before technologies kept their evidence.
    confidence: Option<u8>,
    /// What showed the technology, one line each: `kind pattern: excerpt`.
    evidence: Vec<String>,
}

struct ChangeRow {
    scanned: String,
    scanned_iso: String,
    scanned_ago: String,
    field: String,
    before: String,
    after: String,
}

impl ChangeRow {
    fn new(change: entity::domain_changes::Model, now: DateTime<Utc>) -> ChangeRow {
        use entity::domain_changes::{describe_entries, scalar};
        let (before, after) = match change.set_change() {
            Some(set) => (
                if set.removed.is_empty() {
                    String::new()
                } else {
                    format!("removed {}", describe_entries(&set.removed))
                },
                if set.added.is_empty() {
                    String::new()
                } else {
                    format!("added {}", describe_entries(&set.added))
                },
            ),
            None => (scalar(&change.old_value), scalar(&change.new_value)),
        };
        ChangeRow {
            scanned: page::time(change.scanned_at),
            scanned_iso: page::iso(change.scanned_at),
            scanned_ago: page::ago(change.scanned_at, now),
            field: change.field,
            before,
            after,
        }
    }
}

struct ErrorRow {
    occurred: String,
    occurred_iso: String,
    occurred_ago: String,
    attempt: i32,
    stage: String,
    kind: String,
    /// The domains whose last error is of this kind.
    kind_href: String,
    message: String,
}

pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    Path(id): Path<String>,
    query: Result<Query<DomainQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let not_found = || ConsoleError::NotFound("There is no such domain for this token.".into());
    let id: Uuid = id.parse().map_err(|_| not_found())?;
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let row = listing::domain(&state.db, signed.scope(), id).await?.ok_or_else(not_found)?;
    let errors_page = paging::keyset(query.errors_before, query.errors_after);
    let errors = listing::errors_page(&state.db, id, errors_page.clone(), ERRORS_PAGE_SIZE).await?;
    // A cursor this page did not give shows the newest changes rather than an error page.
    let cursor = |text: &Option<String>| text.as_deref().and_then(|text| text.parse::<ChangeCursor>().ok());
    let changes_page = paging::keyset(cursor(&query.changes_before), cursor(&query.changes_after));
    let changes = changes::page_either_way(&state.db, id, changes_page.clone(), CHANGES_SHOWN).await?;
    let mut frame = Frame::new(&signed, "domains", query.notice.as_deref());
    frame.search = row.domain.clone();
    let errors_pager = Pager::new(
        &errors,
        errors_page.as_ref(),
        ERRORS_PAGE_SIZE,
        |error| error.id,
        |page| match page {
            None => format!("/ui/domains/{id}#errors"),
            Some(Keyset::Next(before)) => format!("/ui/domains/{id}?errors_before={before}#errors"),
            Some(Keyset::Previous(after)) => format!("/ui/domains/{id}?errors_after={after}#errors"),
        },
    );
    let mut view =
        DomainView::new(row, errors, errors_pager, errors_page.is_none(), signed.scope().is_none());
    let changes_pager =
        Pager::new(&changes, changes_page.as_ref(), CHANGES_SHOWN, ChangeCursor::after, |page| match page {
            None => format!("/ui/domains/{id}#change-history"),
            Some(Keyset::Next(before)) => format!("/ui/domains/{id}?changes_before={before}#change-history"),
            Some(Keyset::Previous(after)) => format!("/ui/domains/{id}?changes_after={after}#change-history"),
        });
    view.show_changes(changes, changes_pager, changes_page.is_none());
    Ok(page::render(&DomainPage { frame, view }))
}

fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ({})", page::time(at), page::ago(at, now))
}

/// The technology card: each technology with its evidence, or for a row scanned before the
/// evidence was kept, `tech_stack` alone.
fn technologies(row: &domains::Model) -> Vec<Tech> {
    if row.technologies.0.is_empty() {
        return row
            .tech_stack
            .0
            .iter()
            .map(|t| Tech {
                name: t.name.clone(),
                version: t.version.clone(),
                categories: t.categories.join(", "),
                confidence: None,
                evidence: Vec::new(),
            })
            .collect();
    }
    row.technologies
        .0
        .iter()
        .map(|t| Tech {
            name: t.name.clone(),
            version: t.version.clone(),
            categories: t.categories.join(", "),
            confidence: Some(t.confidence),
            evidence: t
                .evidence
                .iter()
                .map(|e| match e.kind.as_str() {
                    "implies" => format!("implied by {}", e.pattern),
                    kind if e.excerpt.is_empty() => format!("{kind} {}", e.pattern),
                    kind => format!("{kind} {}: {}", e.pattern, e.excerpt),
                })
                .collect(),
        })
        .collect()
}

/// The metadata card, the contacts card's lists and its social profiles, from the field table:
/// the title heads the page and the technologies have their own card, so neither is here. The
/// metadata card shows the number, then the links, the texts and the flags, each group in the
/// table's order, and leaves out a field the page did not have.
fn metadata_sections(row: &domains::Model) -> (Vec<Field>, Vec<ListField>, Vec<Field>) {
    let stored = row.metadata();
    let (mut metadata, mut contact_lists, mut socials) = (Vec::new(), Vec::new(), Vec::new());
    for field in metadata_fields() {
        let label = field.label;
        match (field.read(&stored), field.kind) {
            (FieldValue::Text(Some(url)), FieldKind::Url) if field.platform().is_some() => {
                socials.push(Field::url(label, url));
            }
            (FieldValue::Text(Some(url)), FieldKind::Url) => {
                metadata.push((field.kind, Field::url(label, url)))
            }
            (FieldValue::Text(Some(text)), _) if field.name != "title" => {
                metadata.push((field.kind, Field::text(label, text)));
            }
            (FieldValue::Number(Some(number)), _) => {
                metadata.push((field.kind, Field::text(label, number.to_string())))
            }
            (FieldValue::Flag(flag), _) => {
                metadata.push((field.kind, Field::text(label, if flag { "yes" } else { "no" })))
            }
            (FieldValue::List(items), _) => contact_lists.push(ListField { label, items: items.to_vec() }),
            // The mail servers are the DNS's, not the page's contacts: one line of the card.
            (FieldValue::OptionalList(Some(hosts)), _) => {
                let shown = if hosts.is_empty() { "none published".to_owned() } else { hosts.join(", ") };
                metadata.push((field.kind, Field::text(label, shown)));
            }
            _ => {}
        }
    }
    let group = |kind: FieldKind| match kind {
        FieldKind::Number => 0,
        FieldKind::Url => 1,
        FieldKind::Text => 2,
        FieldKind::Flag | FieldKind::List => 3,
    };
    metadata.sort_by_key(|(kind, _)| group(*kind));
    let mut metadata: Vec<Field> = metadata.into_iter().map(|(_, field)| field).collect();
    if row.confusable {
        metadata.push(Field::text("Confusable name", "yes: it may read as another name (UTS #39)"));
    }
    (metadata, contact_lists, socials)
}

impl DomainView {
    fn new(
        row: domains::Model,
        errors: Vec<entity::domain_errors::Model>,
        errors_pager: Pager,
        errors_first_page: bool,
        admin: bool,
    ) -> DomainView {
        let now = Utc::now();
        let mut lifecycle = vec![Field::text("Status", row.status.as_str())];
        if admin {
            lifecycle.push(Field::mono("Tenant", row.tenant_id.to_string()));
        }
        lifecycle.push(Field::text("Attempts", row.attempts.to_string()));
        if row.status == DomainStatus::Pending {
            lifecycle.push(Field::text("Due", when(row.next_attempt_at, now)));
        }
        if let (Some(holder), Some(until)) = (&row.locked_by, row.locked_until) {
            lifecycle.push(Field::mono("Lease", format!("{holder} until {}", page::time(until))));
        }
        if let Some(batch) = row.batch_id {
            lifecycle.push(Field {
                href: Some(format!("/ui/domains?batch={batch}")),
                ..Field::mono("Batch", batch.to_string())
            });
        }
        if let Some(error) = &row.last_error {
            // The kind opens the list of the domains failing the same way.
            let href = super::search::kind_of_last_error(error)
                .map(|kind| super::search::error_kind_href(kind.as_str()));
            lifecycle.push(Field { class: "error-text", href, ..Field::text("Last error", error.clone()) });
        }
        lifecycle.push(Field::text("Added", when(row.created_at, now)));
        lifecycle.push(Field::text("Updated", when(row.updated_at, now)));
        if let Some(fetched) = row.fetched_at {
            lifecycle.push(Field::text("Fetched", when(fetched, now)));
        }

        let (metadata, contact_lists, socials) = metadata_sections(&row);

        DomainView {
            id: row.id,
            status: row.status.as_str(),
            title: row.title.clone(),
            can_retry: row.status != DomainStatus::Processing,
            fetched: row.fetched_at.is_some(),
            lifecycle,
            metadata,
            contact_lists,
            socials,
            tech_evidence: !row.technologies.0.is_empty(),
            tech: technologies(&row),
            errors: errors
                .into_iter()
                .map(|e| ErrorRow {
                    occurred: page::time(e.occurred_at),
                    occurred_iso: page::iso(e.occurred_at),
                    occurred_ago: page::ago(e.occurred_at, now),
                    attempt: e.attempt,
                    stage: e.stage,
                    kind_href: super::search::error_kind_href(&e.kind),
                    kind: e.kind,
                    message: e.message,
                })
                .collect(),
            errors_first_page,
            errors_pager,
            changes: Vec::new(),
            changes_first_page: true,
            changes_pager: Pager { first: None, previous: None, next: None },
            raw_metadata: serde_json::to_string_pretty(&row.domain_metadata).unwrap_or_default(),
            domain: row.domain,
        }
    }

    /// A page of changes, with the links to the newest, newer and older ones.
    fn show_changes(&mut self, changes: Vec<entity::domain_changes::Model>, pager: Pager, first_page: bool) {
        let now = Utc::now();
        self.changes_first_page = first_page;
        self.changes_pager = pager;
        self.changes = changes.into_iter().map(|change| ChangeRow::new(change, now)).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_page_shows_every_field_of_the_field_table_once_except_the_title_in_its_heading() {
        let row = crate::rows::fixtures::a_row_with_every_field_set();
        let (metadata, contact_lists, socials) = metadata_sections(&row);
        let mut shown: Vec<&str> = metadata.iter().map(|field| field.label).collect();
        shown.extend(contact_lists.iter().map(|list| list.label));
        shown.extend(socials.iter().map(|field| field.label));
        for field in metadata_fields() {
            let expected = match field.name {
                "title" | "tech_stack" | "technologies" => 0,
                _ => 1,
            };
            let times = shown.iter().filter(|label| **label == field.label).count();
            assert_eq!(times, expected, "the field `{}` ({}) on the domain page", field.name, field.label);
        }
        let stored = row.metadata();
        let profiles: Vec<Option<String>> = entity::SocialPlatform::ALL
            .iter()
            .map(|platform| stored.social.get(*platform).map(str::to_owned))
            .collect();
        let links: Vec<Option<String>> = socials.iter().map(|field| field.href.clone()).collect();
        assert_eq!(links, profiles, "each profile is a link to itself, in the table's order");
        assert_eq!(metadata.last().map(|field| field.label), Some("Confusable name"));
    }
}
