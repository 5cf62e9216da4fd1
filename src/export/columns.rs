//! The export's CSV column set, one place for the header and for each row, so the two cannot
//! disagree: the row's own columns here, each with its cell, and between them the metadata
//! fields of [`entity::metadata_fields`], whose cells follow from their kind of value; the
//! fields added since the columns were first fixed (`mx_hosts`, ...) come last, so that a
//! script reading the columns by position keeps reading the same ones.
//! docs/api.md documents each column; NDJSON carries the full row instead.
//!
//! A cell is written so that a spreadsheet opens the file as it is, and so that a program gets
//! back exactly the stored values:
//! - a list (`email_addresses`, `phone_numbers`, `tech_stack`) is a JSON array of strings
//!   (`["+33142685300","+14155550100"]`, `tech_stack` items as `name/version` or `name`), or an
//!   empty cell when empty: any character an item holds (`|`, `,`, `"`) comes back as it was,
//!   and the cell starts with `[`, which no spreadsheet evaluates, so the numbers in it are
//!   read as they are written;
//! - `technologies` is a JSON array of its objects (name, version, confidence, categories,
//!   evidence), as the API answers it, or an empty cell;
//! - times are RFC 3339 in UTC to the second (`2026-11-30T12:48:29Z`), empty when null;
//! - booleans are `true` / `false`, and null is an empty cell;
//! - a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
//!   `'` (OWASP's rule against CSV injection, applied to every cell: page titles and contacts
//!   come from arbitrary web sites, and a spreadsheet would otherwise evaluate such a cell as a
//!   formula). A text cell that starts with `'` gets one more, so the rule reverses without
//!   doubt: a cell that starts with `'` lost its first character to the guard.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use entity::{FieldValue, domains, metadata_fields};

/// A column of the row's own, outside the metadata fields: its name and its cell.
type RowColumn = (&'static str, fn(&domains::Model) -> String);

/// The columns before the metadata fields.
const LEADING: [RowColumn; 5] = [
    ("id", |row| row.id.to_string()),
    ("tenant_id", |row| row.tenant_id.to_string()),
    ("domain", |row| text(&row.domain)),
    ("status", |row| row.status.as_str().to_owned()),
    ("batch_id", |row| optional(row.batch_id)),
];

/// The columns after the metadata fields.
const TRAILING: [RowColumn; 8] = [
    ("attempts", |row| row.attempts.to_string()),
    ("last_error", |row| optional_text(&row.last_error)),
    ("fetched_at", |row| optional_time(row.fetched_at)),
    ("rescan_at", |row| optional_time(row.rescan_at)),
    ("next_attempt_at", |row| time(row.next_attempt_at)),
    ("created_at", |row| time(row.created_at)),
    ("updated_at", |row| time(row.updated_at)),
    ("confusable", |row| row.confusable.to_string()),
];

/// The header row, in column order: the row's own leading columns, the metadata fields of
/// [`metadata_fields`], the trailing ones, then the appended metadata fields.
pub fn header() -> Vec<&'static str> {
    let leading = LEADING.iter().map(|(name, _)| *name);
    let trailing = TRAILING.iter().map(|(name, _)| *name);
    let fields = |appended: bool| {
        metadata_fields().iter().filter(move |field| field.appended == appended).map(|field| field.name)
    };
    leading.chain(fields(false)).chain(trailing).chain(fields(true)).collect()
}

/// The cells of one row, in [`header`] order.
pub fn record(row: &domains::Model) -> Vec<String> {
    let metadata = row.metadata();
    let leading = LEADING.iter().map(|(_, cell)| cell(row));
    let fields = |appended: bool| {
        metadata_fields()
            .iter()
            .filter(move |field| field.appended == appended)
            .map(|field| cell(field.read(&metadata)))
            .collect::<Vec<_>>()
    };
    let trailing = TRAILING.iter().map(|(_, cell)| cell(row));
    leading.chain(fields(false)).chain(trailing).chain(fields(true)).collect()
}

/// The cell of a metadata field's value.
fn cell(value: FieldValue<'_>) -> String {
    match value {
        FieldValue::Text(text) => text.map(self::text).unwrap_or_default(),
        FieldValue::Number(number) => optional(number),
        FieldValue::Flag(flag) => flag.to_string(),
        FieldValue::List(items) => list(items),
        FieldValue::OptionalList(items) => items.map(list).unwrap_or_default(),
        FieldValue::Technologies(stack) => list(&tech_stack(stack)),
        // The whole objects, evidence included, as the API has them.
        FieldValue::Detections([]) => String::new(),
        FieldValue::Detections(found) => serde_json::to_string(found).unwrap_or_default(),
    }
}

/// Each technology as `name/version`, or `name` alone.
fn tech_stack(technologies: &[entity::Technology]) -> Vec<String> {
    technologies
        .iter()
        .map(|technology| match &technology.version {
            Some(version) => format!("{}/{version}", technology.name),
            None => technology.name.clone(),
        })
        .collect()
}

/// A list cell: a JSON array of its items, empty when there are none (see the module's doc).
fn list(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    // Serialising strings cannot fail; an empty cell would be the least wrong answer anyway.
    serde_json::to_string(items).unwrap_or_default()
}

/// A text cell that no spreadsheet evaluates (see the module's doc).
pub fn text(value: &str) -> String {
    match inert(value) {
        Cow::Borrowed(value) => value.to_owned(),
        Cow::Owned(value) => value,
    }
}

fn inert(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

fn optional_text(value: &Option<String>) -> String {
    value.as_deref().map(text).unwrap_or_default()
}

fn optional(value: Option<impl ToString>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

fn time(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn optional_time(value: Option<DateTime<Utc>>) -> String {
    value.map(time).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented column order (docs/api.md): users' spreadsheets and scripts read the
    /// columns by position.
    #[test]
    fn the_header_keeps_the_documented_column_order() {
        let documented = "id,tenant_id,domain,status,batch_id,title,description,language,canonical_url,\
            final_url,http_status,favicon_url,logo_url,email_addresses,phone_numbers,twitter_url,facebook_url,\
            linkedin_url,instagram_url,youtube_url,tiktok_url,github_url,pinterest_url,is_wordpress,\
            wordpress_version,has_elementor,tech_stack,attempts,last_error,fetched_at,rescan_at,\
            next_attempt_at,created_at,updated_at,confusable,technologies,mx_hosts,mail_provider,spf,dmarc_policy,tls_problem,redirects_to,parked,parking_provider";
        assert_eq!(header().join(","), documented);
    }

    #[test]
    fn cells_a_spreadsheet_would_evaluate_are_made_inert_and_others_are_left_alone() {
        assert_eq!(text("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(text("+33142685300"), "'+33142685300");
        assert_eq!(text("'quoted'"), "''quoted'", "a leading quote is doubled, so the guard reverses");
        assert_eq!(text("-1"), "'-1");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("\tx"), "'\tx");
        assert_eq!(text("Café = bon"), "Café = bon");
        assert_eq!(text(""), "");
    }

    #[test]
    fn technologies_read_as_name_slash_version() {
        let stack = vec![
            entity::Technology {
                name: "WordPress".into(),
                version: Some("6.4.2".into()),
                categories: vec![],
            },
            entity::Technology { name: "Craft CMS".into(), version: None, categories: vec![] },
        ];
        assert_eq!(list(&tech_stack(&stack)), r#"["WordPress/6.4.2","Craft CMS"]"#);
    }

    #[test]
    fn a_list_is_a_json_array_that_keeps_every_character_and_starts_no_formula() {
        let phones = vec!["+33142685300".to_owned(), "+14155550100".to_owned()];
        assert_eq!(list(&phones), r#"["+33142685300","+14155550100"]"#);
        let emails = vec!["a|b@example.com".to_owned(), "say \"hi\"@example.com".to_owned()];
        assert_eq!(list(&emails), r#"["a|b@example.com","say \"hi\"@example.com"]"#);
        assert_eq!(list(&[]), "");
    }
}
