//! The parsed page as every rule reads it: the gathered elements, the `<meta>` map and the base
//! URL, with the small readers the rules share (attributes, prefixes, whitespace).

use std::collections::BTreeMap;

use reqwest::header::HeaderMap;
use scraper::Html;
use scraper::node::Element;
use url::Url;

use super::Page;
use super::walk::Elements;

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

/// The parsed page and what every rule shares.
pub(crate) struct Document<'a> {
    pub elements: Elements<'a>,
    /// The page as text, for the few rules that match markup patterns.
    pub raw: &'a str,
    pub base: Url,
    /// The page's own address (after redirects), which `base` may differ from.
    pub page_url: &'a Url,
    pub headers: &'a HeaderMap,
    /// `<meta>` name/property (lower case) → content, first one wins.
    pub meta: BTreeMap<String, String>,
}

impl<'a> Document<'a> {
    pub(super) fn parse(page: &Page<'a>, html: &'a Html) -> Document<'a> {
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
        Document { elements, raw: page.html, base, page_url: page.url, headers: page.headers, meta }
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
