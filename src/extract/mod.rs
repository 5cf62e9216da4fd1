//! Extraction: decoded HTML + response headers + final URL in, [`entity::Metadata`] out.
//! Pure: no I/O, and it never panics, whatever the page.
//!
//! One parse per page; every selector is compiled once. Each field is a chain of small rules,
//! first match wins.

mod contacts;
mod json_ld;
mod north_american;
mod obfuscation;
mod phone_validity;
mod phones;
mod tech;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use ego_tree::iter::Edge;
use entity::Metadata;
use html5ever::{LocalName, local_name};
use reqwest::header::HeaderMap;
use scraper::node::Element;
use scraper::{ElementRef, Html, Node};

use url::Url;

pub use contacts::merge_contacts;

/// What the extraction reads.
pub struct Page<'a> {
    pub html: &'a str,
    pub headers: &'a HeaderMap,
    pub url: &'a Url,
}

/// `element.attr(name)`, without first interning `name` as an atom (which costs more than the
/// search, and for a name html5ever does not know takes a global lock): the attribute of that
/// local name with no prefix and no namespace, found by a scan of the element's few attributes.
pub(crate) fn attr<'a>(element: &'a Element, name: &str) -> Option<&'a str> {
    element
        .attrs
        .iter()
        .find(|(qualified, _)| {
            qualified.prefix.is_none() && qualified.ns.is_empty() && &*qualified.local == name
        })
        .map(|(_, value)| &**value)
}

/// `text` after `prefix` when it starts with it, ASCII case ignored: a scheme (`mailto:`,
/// `DATA:`) or a currency (`Eur`).
pub(crate) fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.as_bytes().get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix.as_bytes()).then(|| text.get(prefix.len()..)).flatten()
}

/// [`attr`] for a name already interned: one integer comparison per attribute instead of a
/// string comparison. The walk of every element uses it.
fn attr_named<'a>(element: &'a Element, name: &LocalName) -> Option<&'a str> {
    element
        .attrs
        .iter()
        .find(|(qualified, _)| {
            qualified.local == *name && qualified.prefix.is_none() && qualified.ns.is_empty()
        })
        .map(|(_, value)| &**value)
}

/// Cloudflare's attribute, which html5ever does not know: interned once.
static CLOUDFLARE_EMAIL: LazyLock<LocalName> = LazyLock::new(|| LocalName::from("data-cfemail"));

/// Elements whose text a visitor does not see.
fn hides_text(name: &LocalName) -> bool {
    [
        local_name!("script"),
        local_name!("style"),
        local_name!("noscript"),
        local_name!("svg"),
        local_name!("template"),
        local_name!("head"),
    ]
    .contains(name)
}

/// The elements the rules read, gathered in one walk of the tree instead of one `select` per
/// rule: on a 50 KB page each walk costs about as much as a tenth of the parse. The same walk
/// gathers the visible text.
#[derive(Default)]
pub(crate) struct Elements<'a> {
    pub titles: Vec<ElementRef<'a>>,
    pub links: Vec<ElementRef<'a>>,
    pub bases: Vec<ElementRef<'a>>,
    pub html: Option<ElementRef<'a>>,
    pub h1: Vec<ElementRef<'a>>,
    pub images: Vec<ElementRef<'a>>,
    pub json_ld: Vec<ElementRef<'a>>,
    pub anchors: Vec<ElementRef<'a>>,
    pub scripts: Vec<ElementRef<'a>>,
    pub metas: Vec<ElementRef<'a>>,
    /// `data-cfemail` values (Cloudflare's e-mail protection).
    pub cf_emails: Vec<&'a str>,
    /// Text a visitor sees: the text inside the document element, not inside scripts, styles,
    /// templates, inline SVG or the head, in document order, each piece followed by a space.
    pub text: String,
}

impl<'a> Elements<'a> {
    fn gather(html: &'a Html) -> Elements<'a> {
        let mut found = Elements::default();
        // Depth first in document order, each node read once on the way down (a leaf's way up is
        // the same read): the walk's cost is reading the tree, which the parse has left mostly
        // out of the processor's first-level cache. Text is seen inside the document element
        // and outside every element that hides it: `hiding` counts those open around the node.
        let mut hiding = 0usize;
        let mut in_document_element = false;
        for edge in html.tree.root().traverse() {
            let node = match edge {
                Edge::Open(node) => node,
                Edge::Close(node) => {
                    if let Node::Element(value) = node.value() {
                        if hides_text(&value.name.local) {
                            hiding -= 1;
                        } else if found.html.is_some_and(|html| html.id() == node.id()) {
                            in_document_element = false;
                        }
                    }
                    continue;
                }
            };
            match node.value() {
                Node::Text(chunk) if in_document_element && hiding == 0 => {
                    found.text.push_str(chunk);
                    found.text.push(' ');
                }
                Node::Element(value) => {
                    let Some(element) = ElementRef::wrap(node) else { continue };
                    // Tag names are interned: each test below is an integer comparison.
                    let name = &value.name.local;
                    if hides_text(name) {
                        hiding += 1;
                    }
                    if let Some(encoded) = attr_named(value, &CLOUDFLARE_EMAIL) {
                        found.cf_emails.push(encoded);
                    }
                    // Links and anchors count only with somewhere to go.
                    let push_with_href = |list: &mut Vec<ElementRef<'a>>| {
                        if attr_named(value, &local_name!("href")).is_some() {
                            list.push(element);
                        }
                    };
                    if *name == local_name!("a") {
                        push_with_href(&mut found.anchors);
                    } else if *name == local_name!("meta") {
                        found.metas.push(element);
                    } else if *name == local_name!("link") {
                        push_with_href(&mut found.links);
                    } else if *name == local_name!("img") {
                        found.images.push(element);
                    } else if *name == local_name!("script") {
                        if attr_named(value, &local_name!("type"))
                            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
                        {
                            found.json_ld.push(element);
                        } else if attr_named(value, &local_name!("src")).is_some() {
                            found.scripts.push(element);
                        }
                    } else if *name == local_name!("title") {
                        found.titles.push(element);
                    } else if *name == local_name!("h1") {
                        found.h1.push(element);
                    } else if *name == local_name!("base") {
                        push_with_href(&mut found.bases);
                    } else if *name == local_name!("html") && found.html.is_none() {
                        found.html = Some(element);
                        in_document_element = true;
                    }
                }
                _ => {}
            }
        }
        found
    }
}

/// The parsed page and what every rule shares.
pub(crate) struct Document<'a> {
    pub elements: Elements<'a>,
    /// The page as text, for the few rules that match markup patterns.
    pub raw: &'a str,
    pub base: Url,
    pub headers: &'a HeaderMap,
    /// `<meta>` name/property (lower case) → content, first one wins.
    pub meta: BTreeMap<String, String>,
}

impl<'a> Document<'a> {
    fn parse(page: &Page<'a>, html: &'a Html) -> Document<'a> {
        let elements = Elements::gather(html);
        let base = elements
            .bases
            .first()
            .and_then(|b| attr(b.value(), "href"))
            .and_then(|href| page.url.join(href.trim()).ok())
            .unwrap_or_else(|| page.url.clone());
        let mut meta = BTreeMap::new();
        // `name`/`property` first: an `itemprop` (microdata of some block of the page) must not
        // stand in for the page's own `<meta name=description>` that comes after it.
        let mut key = String::new();
        for attribute in ["property", "name", "itemprop"] {
            for element in &elements.metas {
                let (Some(name), Some(content)) =
                    (attr(element.value(), attribute), attr(element.value(), "content"))
                else {
                    continue;
                };
                key.clear();
                if attribute == "itemprop" {
                    key.push_str("itemprop:");
                }
                key.extend(name.trim().chars().map(|c| c.to_ascii_lowercase()));
                // The first one wins: a later one is not even collapsed.
                if !meta.contains_key(&key) {
                    let content = collapse(content);
                    if !content.is_empty() {
                        meta.insert(key.clone(), content);
                    }
                }
            }
        }
        Document { elements, raw: page.html, base, headers: page.headers, meta }
    }

    pub fn resolve(&self, href: &str) -> Option<String> {
        self.resolve_url(href).map(String::from)
    }

    /// `href` against the page's base, if it is an http(s) link.
    pub fn resolve_url(&self, href: &str) -> Option<Url> {
        let href = href.trim();
        if href.is_empty() || href.starts_with("data:") || href.starts_with("javascript:") {
            return None;
        }
        self.base.join(href).ok().filter(|u| matches!(u.scheme(), "http" | "https"))
    }
}

/// Deepest element nesting parsed. The HTML tree builder checks the stack of open elements for
/// every tag, so its cost grows with the square of the depth: a page of 100,000 nested `<div>`s
/// would take minutes. No real page comes near this depth; a hostile one is cut where it
/// passes it.
const MAX_DEPTH: usize = 2048;

/// `html` up to the point where its (approximate) element depth passes [`MAX_DEPTH`].
pub(crate) fn within_depth(html: &str) -> &str {
    /// Elements without an end tag.
    fn void(name: &str) -> bool {
        let is = |void: &str| name.eq_ignore_ascii_case(void);
        match name.len() {
            2 => is("br") || is("hr"),
            3 => is("col") || is("img") || is("wbr"),
            4 => is("area") || is("base") || is("link") || is("meta"),
            5 => is("embed") || is("input") || is("param") || is("track"),
            6 => is("source"),
            _ => false,
        }
    }
    let bytes = html.as_bytes();
    if !opens_more_than(bytes, MAX_DEPTH) {
        return html;
    }
    let mut depth = 0usize;
    for start in memchr::memchr_iter(b'<', bytes) {
        let at = start + 1;
        match bytes.get(at) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name_end = bytes[at..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |p| at + p);
                let name = &html[at..name_end];
                let tag_end = memchr::memchr(b'>', &bytes[name_end..]).map_or(bytes.len(), |p| name_end + p);
                let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
                if !self_closing && !void(name) {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return &html[..start];
                    }
                }
            }
            _ => {}
        }
    }
    html
}

/// Whether `html` opens more than `limit` elements, counting its `<`s not followed by `/`: the
/// depth cannot pass that count, so most pages (85 of the corpus's 93) need no tag-by-tag scan.
/// Counted per block of 255 byte pairs in a `u8`, without a branch, which the compiler turns
/// into vector instructions; a large page stops counting once past the limit.
fn opens_more_than(bytes: &[u8], limit: usize) -> bool {
    let Some((&last, _)) = bytes.split_last() else { return false };
    let (this, next) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    let mut opening = usize::from(last == b'<');
    for (this, next) in this.chunks(255).zip(next.chunks(255)) {
        let block = this
            .iter()
            .zip(next)
            .fold(0u8, |count, (&this, &next)| count + u8::from((this == b'<') & (next != b'/')));
        opening += usize::from(block);
        if opening > limit {
            return true;
        }
    }
    opening > limit
}

/// Whitespace runs become one space; ends trimmed.
pub(crate) fn collapse(text: &str) -> String {
    let mut collapsed = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

fn inside_svg(element: &ElementRef<'_>) -> bool {
    element.ancestors().filter_map(ElementRef::wrap).any(|a| a.value().name().eq_ignore_ascii_case("svg"))
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
    let organization = organization(&json_ld);
    let mut metadata = Metadata {
        title: title(&document),
        description: description(&document),
        language: language(&document),
        canonical_url: canonical(&document),
        favicon_url: favicon(&document),
        logo_url: logo(&document, organization.as_ref()),
        ..Metadata::default()
    };
    contacts::fill(&document, &json_ld, options, &mut metadata);
    tech::fill(&document, &mut metadata);
    let links = contacts::contact_links(&document, page.url, contact_links);
    metadata.domain_metadata = domain_metadata(std::mem::take(&mut document.meta), organization);
    (metadata, links)
}

/// The Open Graph and Twitter card metas and the JSON-LD organisation, as JSON. Built as values
/// directly, the metas moved rather than copied: `json!` would serialise a copy of each map and
/// of the organisation's whole tree.
fn domain_metadata(
    meta: BTreeMap<String, String>,
    organization: Option<serde_json::Value>,
) -> serde_json::Value {
    let (mut open_graph, mut twitter_card) = (serde_json::Map::new(), serde_json::Map::new());
    for (key, value) in meta {
        if key.starts_with("og:") {
            open_graph.insert(key, value.into());
        } else if key.starts_with("twitter:") {
            twitter_card.insert(key, value.into());
        }
    }
    let mut domain_metadata = serde_json::Map::new();
    domain_metadata.insert("open_graph".into(), open_graph.into());
    domain_metadata.insert("twitter_card".into(), twitter_card.into());
    domain_metadata.insert("organization".into(), organization.unwrap_or(serde_json::Value::Null));
    domain_metadata.into()
}

fn title(document: &Document<'_>) -> Option<String> {
    document
        .elements
        .titles
        .iter()
        .find(|t| !inside_svg(t))
        .map(|t| collapse(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty())
        .or_else(|| document.meta.get("og:title").cloned())
        .or_else(|| document.meta.get("twitter:title").cloned())
        .or_else(|| {
            document
                .elements
                .h1
                .iter()
                .map(|h| collapse(&h.text().collect::<String>()))
                .find(|t| !t.is_empty())
        })
}

fn description(document: &Document<'_>) -> Option<String> {
    ["description", "og:description", "twitter:description"]
        .iter()
        .find_map(|key| document.meta.get(*key).cloned())
}

fn language(document: &Document<'_>) -> Option<String> {
    let primary = |tag: &str| {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        (primary.len() >= 2 && primary.len() <= 3 && primary.bytes().all(|b| b.is_ascii_alphabetic()))
            .then_some(primary)
    };
    document
        .elements
        .html
        .and_then(|h| attr(h.value(), "lang"))
        .and_then(primary)
        .or_else(|| document.meta.get("og:locale").and_then(|l| primary(l)))
        .or_else(|| document.headers.get("content-language").and_then(|v| v.to_str().ok()).and_then(primary))
}

fn rel_tokens(element: &ElementRef<'_>) -> Vec<String> {
    attr(element.value(), "rel").unwrap_or("").split_ascii_whitespace().map(str::to_ascii_lowercase).collect()
}

fn canonical(document: &Document<'_>) -> Option<String> {
    document
        .elements
        .links
        .iter()
        .find(|l| rel_tokens(l).iter().any(|t| t == "canonical"))
        .and_then(|l| document.resolve(attr(l.value(), "href")?))
}

fn favicon(document: &Document<'_>) -> Option<String> {
    // A link whose href resolves to nothing (empty, blank, `data:`) is passed over: a theme's
    // empty favicon option must not hide the site icon links after it.
    let link_with = |wanted: &str| {
        document
            .elements
            .links
            .iter()
            .filter(|l| rel_tokens(l).iter().any(|t| t == wanted))
            .find_map(|l| document.resolve(attr(l.value(), "href")?))
    };
    link_with("icon").or_else(|| link_with("apple-touch-icon")).or_else(|| document.resolve("/favicon.ico"))
}

fn logo(document: &Document<'_>, organization: Option<&serde_json::Value>) -> Option<String> {
    if let Some(logo) = organization.and_then(json_ld_logo) {
        return document.resolve(&logo);
    }
    if let Some(logo) = document.meta.get("og:logo").or_else(|| document.meta.get("itemprop:logo")) {
        return document.resolve(logo);
    }
    let itemprop_logo = document.elements.images.iter().chain(&document.elements.links).find_map(|element| {
        let value = element.value();
        let is_logo = attr(value, "itemprop")
            .is_some_and(|p| p.split_ascii_whitespace().any(|t| t.eq_ignore_ascii_case("logo")));
        if is_logo { attr(value, "src").or_else(|| attr(value, "href")) } else { None }
    });
    if let Some(logo) = itemprop_logo.and_then(|href| document.resolve(href)) {
        return Some(logo);
    }
    document.elements.images.iter().find_map(|img| {
        let v = img.value();
        let says_logo = ["class", "id", "alt", "src"]
            .iter()
            .any(|name| attr(v, name).is_some_and(|value| value.to_ascii_lowercase().contains("logo")));
        if says_logo { document.resolve(attr(v, "src")?) } else { None }
    })
}

/// The first JSON-LD organisation of `json_ld` (also inside `@graph`, or as an article's
/// `publisher`): the first that names a logo, else the first one; only it is copied out.
fn organization(json_ld: &[serde_json::Value]) -> Option<serde_json::Value> {
    const TYPES: [&str; 4] = ["Organization", "LocalBusiness", "Corporation", "OnlineStore"];
    fn is_org(value: &serde_json::Value) -> bool {
        match value.get("@type") {
            Some(serde_json::Value::String(t)) => TYPES.contains(&t.as_str()),
            Some(serde_json::Value::Array(ts)) => {
                ts.iter().any(|t| t.as_str().is_some_and(|t| TYPES.contains(&t)))
            }
            _ => false,
        }
    }
    let found: Vec<&serde_json::Value> =
        json_ld::objects(json_ld).into_iter().filter(|o| is_org(o)).collect();
    let chosen = found.iter().find(|org| json_ld_logo(org).is_some()).or(found.first());
    chosen.map(|org| (*org).clone())
}

fn json_ld_logo(org: &serde_json::Value) -> Option<String> {
    match org.get("logo")? {
        serde_json::Value::String(url) => Some(url.clone()),
        object @ serde_json::Value::Object(_) => {
            object.get("url").or_else(|| object.get("contentUrl")).and_then(|u| u.as_str()).map(str::to_owned)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk's count of open elements that hide text goes back down when they close, through
    /// nesting, and text the parser moves after the body still counts.
    #[test]
    fn visible_text_is_what_no_hiding_element_encloses() {
        let cases = [
            ("<title>T</title><p>a</p>", "a "),
            ("<p>a<script>x</script>b<style>y</style>c</p>", "a b c "),
            ("<noscript><p>n</p></noscript><svg><text>s<style>z</style></text></svg><p>d</p>", "d "),
            ("<template><p>t<template>u</template>v</p></template><p>e</p>", "e "),
            ("<div>f<svg><g><text>g</text></g></svg>h</div>", "f h "),
            ("<html><body>i</body></html>j", "ij "),
        ];
        for (page, text) in cases {
            let html = Html::parse_document(page);
            assert_eq!(Elements::gather(&html).text, text, "{page}");
        }
    }

    #[test]
    fn hostile_nesting_is_cut_and_ordinary_pages_are_whole() {
        let ordinary = "<html><body><div><p>a<br>b<img src=x></p></div><meta charset=utf-8/></body></html>";
        assert_eq!(within_depth(ordinary), ordinary);
        let hostile = "<div>".repeat(100_000);
        assert_eq!(within_depth(&hostile).len(), MAX_DEPTH * 5);
        let closed = "<div></div>".repeat(100_000);
        assert_eq!(within_depth(&closed), closed, "many tags at a shallow depth are fine");
    }

    #[test]
    fn a_page_with_few_opening_tags_is_whole_and_one_past_the_limit_is_cut() {
        let long = "<p>x</p>".repeat(300);
        for text in ["", "<", "a<", "</", "<a></a><b>x</b><", "<<//<", "é<p>ü</p>", &long] {
            let naive = text.match_indices('<').filter(|(at, _)| !text[at + 1..].starts_with('/')).count();
            for limit in [0, 1, 2, 3, naive.saturating_sub(1), naive, naive + 1] {
                assert_eq!(opens_more_than(text.as_bytes(), limit), naive > limit, "{text:?} over {limit}");
            }
        }
        let at_the_limit = "<div>".repeat(MAX_DEPTH);
        assert_eq!(within_depth(&at_the_limit), at_the_limit);
        let past_it = "<div>".repeat(MAX_DEPTH + 1);
        assert_eq!(within_depth(&past_it), at_the_limit);
    }
}
