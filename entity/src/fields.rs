//! The metadata fields of a domain row, described once: name (the `domains` column), label,
//! kind and how to read it from a [`Metadata`]. The CSV columns, the change comparison of
//! re-scans, the console's domain page and the checks of the API row are all built from
//! [`metadata_fields`], so a field is added in one place (plus its extraction and migration);
//! the social platforms come from [`crate::social_platforms!`] and need no line here.
//!
//! The lifecycle columns (status, attempts, lease, times, `confusable`, ...) and
//! `domain_metadata` are not metadata fields: each user shows them in its own way.

use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::metadata::{DetectedTechnology, Metadata, Technology};
use crate::social::SocialPlatform;

/// What a field holds, which says how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text from the page.
    Text,
    /// A URL, shown as a link.
    Url,
    /// A number (the HTTP status).
    Number,
    /// Yes or no.
    Flag,
    /// Several values, compared as a set by the change history.
    List,
}

/// The value of one field in one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldValue<'a> {
    Text(Option<&'a str>),
    Number(Option<i32>),
    Flag(bool),
    List(&'a [String]),
    /// A list that may not be known (`mx_hosts`: null when its look-up failed).
    OptionalList(Option<&'a [String]>),
    Technologies(&'a [Technology]),
    /// Technologies with their confidence, categories and evidence.
    Detections(&'a [DetectedTechnology]),
}

impl FieldValue<'_> {
    /// The value as the change history stores it: JSON `null` for none, a list as an array,
    /// a technology as its name and version (its categories are the rules' opinion, not the
    /// site's).
    pub fn to_json(self) -> Value {
        match self {
            FieldValue::Text(text) => json!(text),
            FieldValue::Number(number) => json!(number),
            FieldValue::Flag(flag) => json!(flag),
            FieldValue::List(items) => json!(items),
            FieldValue::OptionalList(items) => json!(items),
            FieldValue::Technologies(stack) => {
                Value::Array(stack.iter().map(|t| json!({"name": t.name, "version": t.version})).collect())
            }
            // Confidence and evidence vary with the page's every edit: the history keeps what a
            // reader of the stack cares about, as for `tech_stack`.
            FieldValue::Detections(found) => {
                Value::Array(found.iter().map(|t| json!({"name": t.name, "version": t.version})).collect())
            }
        }
    }
}

/// One metadata field of the domain row.
#[derive(Clone, Copy, Debug)]
pub struct MetadataField {
    /// The `domains` column, the CSV column, the API row's field and the history's `field`.
    pub name: &'static str,
    /// How the console names it.
    pub label: &'static str,
    pub kind: FieldKind,
    /// A field added after the CSV's columns were first fixed: its column comes after the row's
    /// own trailing columns, so that a script reading the columns by position keeps reading the
    /// same ones.
    pub appended: bool,
    read: Read,
}

#[derive(Clone, Copy, Debug)]
enum Read {
    Own(fn(&Metadata) -> FieldValue<'_>),
    Social(SocialPlatform),
}

impl MetadataField {
    /// The field's value in `metadata`.
    pub fn read(self, metadata: &Metadata) -> FieldValue<'_> {
        match self.read {
            Read::Own(read) => read(metadata),
            Read::Social(platform) => FieldValue::Text(metadata.social.get(platform)),
        }
    }

    /// The social platform this field keeps the profile link of.
    pub fn platform(self) -> Option<SocialPlatform> {
        match self.read {
            Read::Own(_) => None,
            Read::Social(platform) => Some(platform),
        }
    }
}

const fn own(
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    read: fn(&Metadata) -> FieldValue<'_>,
) -> MetadataField {
    MetadataField { name, label, kind, appended: false, read: Read::Own(read) }
}

/// [`own`], for a field whose CSV column comes after the row's own (see
/// [`MetadataField::appended`]).
const fn appended(
    name: &'static str,
    label: &'static str,
    kind: FieldKind,
    read: fn(&Metadata) -> FieldValue<'_>,
) -> MetadataField {
    MetadataField { appended: true, ..own(name, label, kind, read) }
}

static FIELDS: LazyLock<Vec<MetadataField>> = LazyLock::new(|| {
    use FieldKind::{Flag, List, Number, Text, Url};
    let before_social = [
        own("title", "Title", Text, |m| FieldValue::Text(m.title.as_deref())),
        own("description", "Description", Text, |m| FieldValue::Text(m.description.as_deref())),
        own("language", "Language", Text, |m| FieldValue::Text(m.language.as_deref())),
        own("canonical_url", "Canonical URL", Url, |m| FieldValue::Text(m.canonical_url.as_deref())),
        own("final_url", "Final URL", Url, |m| FieldValue::Text(m.final_url.as_deref())),
        own("http_status", "HTTP status", Number, |m| FieldValue::Number(m.http_status)),
        own("favicon_url", "Favicon", Url, |m| FieldValue::Text(m.favicon_url.as_deref())),
        own("logo_url", "Logo", Url, |m| FieldValue::Text(m.logo_url.as_deref())),
        own("email_addresses", "Emails", List, |m| FieldValue::List(&m.email_addresses)),
        own("phone_numbers", "Phones", List, |m| FieldValue::List(&m.phone_numbers)),
    ];
    let social = SocialPlatform::ALL.iter().map(|&platform| MetadataField {
        name: platform.column(),
        label: platform.label(),
        kind: Url,
        appended: false,
        read: Read::Social(platform),
    });
    let after_social = [
        own("is_wordpress", "WordPress", Flag, |m| FieldValue::Flag(m.is_wordpress)),
        own("wordpress_version", "WordPress version", Text, |m| {
            FieldValue::Text(m.wordpress_version.as_deref())
        }),
        own("has_elementor", "Elementor", Flag, |m| FieldValue::Flag(m.has_elementor)),
        own("tech_stack", "Technology", List, |m| FieldValue::Technologies(&m.tech_stack)),
        appended("technologies", "Technologies", List, |m| FieldValue::Detections(&m.technologies)),
    ];
    // What the domain's DNS says about its mail (looked up on each scan, not read from the page).
    let dns = [
        appended("mx_hosts", "Mail servers", List, |m| FieldValue::OptionalList(m.mx_hosts.as_deref())),
        appended("mail_provider", "Mail provider", Text, |m| FieldValue::Text(m.mail_provider.as_deref())),
        appended("spf", "SPF", Text, |m| FieldValue::Text(m.spf.as_deref())),
        appended("dmarc_policy", "DMARC policy", Text, |m| FieldValue::Text(m.dmarc_policy.as_deref())),
    ];
    // What the visit met on the way to the page (the certificate, a move, a parking lander).
    let web = [
        appended("tls_problem", "Certificate refused", Text, |m| FieldValue::Text(m.tls_problem.as_deref())),
        appended("redirects_to", "Redirects to", Text, |m| FieldValue::Text(m.redirects_to.as_deref())),
        appended("parked", "Parked", Flag, |m| FieldValue::Flag(m.parked)),
        appended("parking_provider", "Parked by", Text, |m| FieldValue::Text(m.parking_provider.as_deref())),
    ];
    before_social.into_iter().chain(social).chain(after_social).chain(dns).chain(web).collect()
});

/// Every metadata field of the domain row, in the order of the CSV columns (the
/// [`MetadataField::appended`] ones after the row's own trailing columns).
pub fn metadata_fields() -> &'static [MetadataField] {
    &FIELDS
}

/// The field named `name`, if it is a metadata field.
pub fn metadata_field(name: &str) -> Option<MetadataField> {
    metadata_fields().iter().copied().find(|field| field.name == name)
}

#[cfg(test)]
mod tests {
    use sea_orm::{IdenStatic, Iterable};

    use super::*;
    use crate::domains::Column;

    /// The `domains` columns that are not metadata fields.
    const NOT_METADATA: [&str; 18] = [
        "id",
        "tenant_id",
        "domain",
        "status",
        "batch_id",
        "attempts",
        "max_pages",
        "next_attempt_at",
        "locked_by",
        "locked_until",
        "domain_metadata",
        "last_error",
        "fetched_at",
        "rescan_at",
        "rescan_after_seconds",
        "confusable",
        "created_at",
        "updated_at",
    ];

    #[test]
    fn every_domains_column_is_a_metadata_field_or_a_lifecycle_column_and_never_both() {
        let fields: Vec<&str> = metadata_fields().iter().map(|field| field.name).collect();
        for column in Column::iter() {
            let name = column.as_str();
            let known = fields.contains(&name) as u8 + NOT_METADATA.contains(&name) as u8;
            assert_eq!(
                known, 1,
                "the column `{name}` must be in exactly one of the field table and NOT_METADATA"
            );
        }
        let columns: Vec<&str> = Column::iter().map(|column| column.as_str()).collect();
        for field in &fields {
            assert!(columns.contains(field), "the field `{field}` has no `domains` column");
        }
        let mut unique = fields.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), fields.len(), "a field is listed twice");
    }

    #[test]
    fn each_field_reads_its_own_value() {
        let mut metadata = Metadata { title: Some("title".into()), ..Default::default() };
        for &platform in SocialPlatform::ALL {
            *metadata.social.slot(platform) = Some(platform.column().to_owned());
        }
        for field in metadata_fields() {
            match (field.platform(), field.read(&metadata)) {
                (Some(platform), value) => assert_eq!(value, FieldValue::Text(Some(platform.column()))),
                (None, FieldValue::Text(Some(text))) => assert_eq!(text, field.name),
                _ => {}
            }
        }
        assert_eq!(metadata_field("title").map(|field| field.label), Some("Title"));
        assert!(metadata_field("domain_metadata").is_none());
    }
}
