//! Extraction: decoded HTML + response headers + final URL in, [`entity::Metadata`] out.
//! Pure: no I/O, and it never panics, whatever the page.
//!
//! One parse per page, after the depth guard (`depth`) has cut a hostile nesting; one walk of
//! the tree gathers what the rules read (`walk`, into the `Document`); then each field is a
//! chain of small rules, first match wins: the head fields (`head`), the organisation and its
//! logo (`organization`, from the page's JSON-LD, `json_ld`), contacts (`contacts`: e-mails,
//! phone numbers, social profiles) and technologies (`tech`). What the domain's DNS says about
//! its mail is read from the records the fetcher looked up (`mail`).

mod contacts;
mod depth;
mod document;
mod head;
mod json_ld;
pub mod mail;
mod obfuscation;
mod organization;
pub mod parking;
mod phones;
mod social;
mod tech;
mod threads;
mod walk;

pub use parking::parking_provider;

use entity::Metadata;
use reqwest::header::HeaderMap;
use scraper::Html;
use url::Url;

pub use contacts::merge_contacts;
pub(crate) use depth::within_depth;
pub(crate) use document::{Document, attr, collapse, strip_prefix_ignore_case};
pub use tech::{
    LoadError as TechnologiesError, Summary as TechnologiesSummary, TechnologySources,
    fill_from_records as technologies_from_records, install as install_technologies,
};
pub use threads::{ExtractionThreads, Lost};

/// What the extraction reads.
pub struct Page<'a> {
    pub html: &'a str,
    pub headers: &'a HeaderMap,
    pub url: &'a Url,
}

/// What the user knows that a page may not say. The default reads every page on its own
/// evidence alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtractOptions {
    /// The region of phone numbers written without `+CC` on a page that names no region of its
    /// own (by its `lang` or `og:locale` region or its country-code domain, which win over this);
    /// docs/extraction.md gives the whole order.
    pub default_phone_region: Option<phonenumber::country::Id>,
}

/// `code` as a region whose phone numbers can be read: an ISO 3166-1 alpha-2 code in any case,
/// surrounding spaces ignored (`UK` is read as `GB`, as its domains are). `None` for a code that
/// names no region of the phone number metadata.
pub fn phone_region(code: &str) -> Option<phonenumber::country::Id> {
    let code = code.trim().to_ascii_uppercase();
    let code = if code == "UK" { "GB".to_owned() } else { code };
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    phonenumber::metadata::DATABASE.by_id(code.as_str())?;
    code.parse().ok()
}

/// Runs every rule chain over one parse of the page, with the default options.
pub fn extract(page: &Page<'_>) -> Metadata {
    extract_with_options(page, &ExtractOptions::default(), 0).0
}

/// [`extract`], plus up to `limit` same-site links to contact, about, imprint or legal pages,
/// best first, read from the same parse (the fetcher follows them when `max_pages` allows).
pub fn extract_with_contact_links(page: &Page<'_>, limit: usize) -> (Metadata, Vec<Url>) {
    extract_with_options(page, &ExtractOptions::default(), limit)
}

/// [`extract_with_contact_links`] with `options`.
pub fn extract_with_options(
    page: &Page<'_>,
    options: &ExtractOptions,
    contact_links: usize,
) -> (Metadata, Vec<Url>) {
    let html = Html::parse_document(within_depth(page.html));
    let mut document = Document::parse(page, &html);
    let json_ld = json_ld::documents(&document);
    let organization = organization::organization(&json_ld);
    let mut metadata = Metadata {
        title: head::title(&document),
        description: head::description(&document),
        language: head::language(&document),
        canonical_url: head::canonical(&document),
        favicon_url: head::favicon(&document),
        logo_url: organization::logo(&document, organization.as_ref()),
        ..Metadata::default()
    };
    contacts::fill(&document, &json_ld, options, &mut metadata);
    tech::fill(&document, &mut metadata);
    let links = contacts::contact_links(&document, page.url, contact_links);
    metadata.domain_metadata =
        organization::domain_metadata(std::mem::take(&mut document.meta), organization);
    (metadata, links)
}
