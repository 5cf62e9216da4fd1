//! The filter of the domain list (`/ui/domains`), which its bulk actions act on as well: the
//! start of the name, a text in the name, title or last error, status, kind of the last error,
//! batch, tenant (admins only), technology. Read from a query string or a form, turned into the
//! store's [`Selection`] within the caller's scope, and written back into links and hidden
//! fields, so a page, its next page, its export and its bulk action all mean the same domains.

use entity::DomainStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::page::ConsoleError;
use super::session::Signed;
use crate::failure::Kind;
use crate::store::selection::Selection;

/// Longest text searched for, and longest technology name: anything longer matches nothing a
/// page could show and would only cost the database.
pub const MAX_TEXT: usize = 200;

/// The filter as the query string or the form carries it.
#[derive(Debug, Default, Deserialize)]
pub struct FilterQuery {
    /// The start of the name, as typed.
    pub q: Option<String>,
    /// A text in the name, title or last error.
    pub text: Option<String>,
    pub status: Option<String>,
    pub error_kind: Option<String>,
    pub batch: Option<String>,
    pub tenant: Option<String>,
    pub technology: Option<String>,
}

/// The filter, each part checked.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// The start of the name as typed (shown back in the form).
    pub typed: String,
    pub prefix: Option<String>,
    /// Why no name can match what was typed; the list is then empty.
    pub problem: Option<String>,
    pub text: Option<String>,
    pub status: Option<DomainStatus>,
    pub error_kind: Option<Kind>,
    pub batch: Option<Uuid>,
    /// The tenant an admin narrowed the list to; always `None` for a tenant's session, whose
    /// scope is its own tenant whatever the link says.
    pub tenant: Option<Uuid>,
    pub technology: Option<String>,
}

fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn parse_id(text: Option<&str>, what: &str) -> Result<Option<Uuid>, ConsoleError> {
    given(text)
        .map(|text| {
            text.parse().map_err(|_| ConsoleError::BadRequest(format!("{what} {text:?} is not an id.")))
        })
        .transpose()
}

fn bounded(text: Option<&str>, what: &str) -> Result<Option<String>, ConsoleError> {
    match given(text) {
        Some(text) if text.chars().count() > MAX_TEXT => {
            Err(ConsoleError::BadRequest(format!("The {what} is longer than {MAX_TEXT} characters.")))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

impl ListFilter {
    /// Reads and checks `query` for `signed`.
    pub fn parse(query: &FilterQuery, signed: &Signed) -> Result<ListFilter, ConsoleError> {
        let status = given(query.status.as_deref())
            .map(|text| text.parse::<DomainStatus>().map_err(ConsoleError::BadRequest))
            .transpose()?;
        let error_kind = given(query.error_kind.as_deref())
            .map(|text| {
                Kind::parse(text)
                    .ok_or_else(|| ConsoleError::BadRequest(format!("{text:?} is not a kind of failure.")))
            })
            .transpose()?;
        let typed = bounded(query.q.as_deref(), "name")?.unwrap_or_default();
        let (prefix, problem) = match name_prefix(&typed) {
            Ok(prefix) => (prefix, None),
            Err(problem) => (None, Some(problem)),
        };
        Ok(ListFilter {
            typed,
            prefix,
            problem,
            text: bounded(query.text.as_deref(), "text")?,
            status,
            error_kind,
            batch: parse_id(query.batch.as_deref(), "batch")?,
            tenant: parse_id(query.tenant.as_deref(), "tenant")?.filter(|_| signed.scope().is_none()),
            technology: bounded(query.technology.as_deref(), "technology")?,
        })
    }

    /// The domains the filter means for `signed`: a tenant's own only.
    pub fn selection(&self, signed: &Signed) -> Selection {
        Selection {
            tenant: signed.scope().or(self.tenant),
            batch: self.batch,
            status: self.status,
            error_kind: self.error_kind,
            names: None,
            prefix: self.prefix.clone(),
            technology: self.technology.clone(),
            text: self.text.clone(),
            changed_since: None,
        }
    }

    /// The filter's parts as (name, value) pairs, for links and hidden form fields.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let typed = Some(self.typed.clone()).filter(|t| !t.is_empty());
        for (name, value) in [
            ("q", typed),
            ("text", self.text.clone()),
            ("status", self.status.map(|s| s.as_str().to_owned())),
            ("error_kind", self.error_kind.map(|k| k.as_str().to_owned())),
            ("batch", self.batch.map(|b| b.to_string())),
            ("tenant", self.tenant.map(|t| t.to_string())),
            ("technology", self.technology.clone()),
        ] {
            if let Some(value) = value {
                pairs.push((name, value));
            }
        }
        pairs
    }

    /// `path` with the filter and `extra` pairs as its query.
    pub fn link(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.pairs() {
            query.append_pair(name, &value);
        }
        for (name, value) in extra {
            query.append_pair(name, value);
        }
        let query = query.finish();
        if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
    }

    /// Whether the export can hold exactly these domains: it filters by status, batch, tenant
    /// and technology, not by name or text or error kind.
    pub fn exportable(&self) -> bool {
        self.typed.is_empty() && self.text.is_none() && self.error_kind.is_none()
    }

    /// The filter in words, for the bulk action's confirmation.
    pub fn describe(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if !self.typed.is_empty() {
            parts.push(format!("name starts with \u{201c}{}\u{201d}", self.typed));
        }
        if let Some(text) = &self.text {
            parts.push(format!("name, title or last error holds \u{201c}{text}\u{201d}"));
        }
        if let Some(status) = self.status {
            parts.push(format!("status {status}"));
        }
        if let Some(kind) = self.error_kind {
            parts.push(format!("last error of kind {}", kind.as_str()));
        }
        if let Some(batch) = self.batch {
            parts.push(format!("in batch {batch}"));
        }
        if let Some(tenant) = self.tenant {
            parts.push(format!("of tenant {tenant}"));
        }
        if let Some(technology) = &self.technology {
            parts.push(format!("technology {technology}"));
        }
        parts
    }
}

/// What was typed, as the start of a stored name: lower case, no scheme, no `www.`, no path,
/// international names in punycode. `Err` names the problem when no stored name can match.
fn name_prefix(typed: &str) -> Result<Option<String>, String> {
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
