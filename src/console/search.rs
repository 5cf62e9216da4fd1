//! Domains (`/ui/domains`): search by the start of the name, filtered by status, by batch and
//! (for an admin) by tenant, in name order and paged by the last name shown.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use entity::DomainStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::page::{self, ConsoleError, Frame};
use super::session::Signed;
use crate::api::ApiState;
use crate::store::listing::{self, After, DomainFilter};

pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct DomainsQuery {
    q: Option<String>,
    status: Option<String>,
    tenant: Option<String>,
    batch: Option<String>,
    after: Option<String>,
    after_id: Option<String>,
}

#[derive(Template)]
#[template(path = "console/domains.html")]
struct DomainsPage {
    frame: Frame,
    summary: String,
    q: String,
    status_options: Vec<StatusOption>,
    tenant: Option<String>,
    batch: Option<String>,
    problem: Option<String>,
    rows: Vec<DomainRow>,
    first_page: bool,
    first_href: String,
    next_href: Option<String>,
}

struct StatusOption {
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
    updated: String,
    updated_iso: String,
    updated_ago: String,
}

/// What was typed, as the start of a stored name: lower case, no scheme, no `www.`, no path,
/// international names in punycode. `Err` names the problem when no stored name can match.
pub fn name_prefix(typed: &str) -> Result<Option<String>, String> {
    let mut text = typed.trim().to_lowercase();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = text.strip_prefix(scheme) {
            text = rest.to_owned();
        }
    }
    if let Some(rest) = text.strip_prefix("www.") {
        text = rest.to_owned();
    }
    if let Some(end) = text.find(['/', '?', '#']) {
        text.truncate(end);
    }
    if text.is_empty() {
        return Ok(None);
    }
    if !text.is_ascii() {
        text = idna::domain_to_ascii(&text)
            .map_err(|_| format!("{typed:?} cannot be part of a domain name."))?;
    }
    if text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
        Ok(Some(text))
    } else {
        Err(format!("Domain names hold only letters, digits, hyphens and dots: nothing matches {typed:?}."))
    }
}

fn parse_id(text: Option<&str>, what: &str) -> Result<Option<Uuid>, ConsoleError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| ConsoleError::BadRequest(format!("{what} {text:?} is not an id."))),
    }
}

pub async fn page(
    State(state): State<ApiState>,
    signed: Signed,
    query: Result<Query<DomainsQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(text.parse::<DomainStatus>().map_err(ConsoleError::BadRequest)?),
    };
    let tenant = parse_id(query.tenant.as_deref(), "tenant")?;
    let batch = parse_id(query.batch.as_deref(), "batch")?;
    // A tenant only ever sees its own domains, whatever the link says.
    let scope = match signed.scope() {
        Some(own) => Some(own),
        None => tenant,
    };
    let typed = query.q.clone().unwrap_or_default();
    let mut frame = Frame::new(&signed, "domains", None);
    frame.search = typed.clone();
    let after = match (query.after, parse_id(query.after_id.as_deref(), "position")?) {
        (Some(domain), Some(id)) => Some(After { domain, id }),
        _ => None,
    };
    let mut page = DomainsPage {
        frame,
        summary: summary(scope, signed.scope().is_none(), batch),
        q: typed.clone(),
        status_options: DomainStatus::ALL
            .into_iter()
            .map(|s| StatusOption { value: s.as_str(), selected: Some(s) == status })
            .collect(),
        tenant: tenant.filter(|_| signed.scope().is_none()).map(|t| t.to_string()),
        batch: batch.map(|b| b.to_string()),
        problem: None,
        rows: Vec::new(),
        first_page: after.is_none(),
        first_href: String::new(),
        next_href: None,
    };
    let prefix = match name_prefix(&typed) {
        Ok(prefix) => prefix,
        Err(problem) => {
            page.problem = Some(problem);
            return Ok(page::render(&page));
        }
    };
    let filter = DomainFilter { prefix, status, batch };
    let rows = listing::domains(&state.db, scope, &filter, after.as_ref(), PAGE_SIZE).await?;
    let link = |after: Option<(&str, Uuid)>| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [("q", Some(typed.clone())), ("status", status.map(|s| s.to_string()))]
            .into_iter()
            .chain([("tenant", page.tenant.clone()), ("batch", page.batch.clone())])
        {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                query.append_pair(name, &value);
            }
        }
        if let Some((domain, id)) = after {
            query.append_pair("after", domain).append_pair("after_id", &id.to_string());
        }
        format!("/ui/domains?{}", query.finish())
    };
    page.first_href = link(None);
    page.next_href = (rows.len() as u64 == PAGE_SIZE)
        .then(|| rows.last())
        .flatten()
        .map(|last| link(Some((last.domain.as_str(), last.id))));
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
    fn what_is_typed_becomes_the_start_of_a_stored_name() {
        assert_eq!(name_prefix("  HTTPS://www.Shop-One.com/cart").unwrap().as_deref(), Some("shop-one.com"));
        assert_eq!(name_prefix("münchen").unwrap().as_deref(), Some("xn--mnchen-3ya"));
        assert_eq!(name_prefix("").unwrap(), None);
        assert!(name_prefix("a b").is_err());
        assert!(name_prefix("50%_off").is_err());
    }
}
