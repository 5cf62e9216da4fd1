//! The fields of the page's head: title, description, language, canonical URL and favicon.

use scraper::ElementRef;

use super::{Document, attr, collapse};

pub(super) fn title(document: &Document<'_>) -> Option<String> {
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

pub(super) fn description(document: &Document<'_>) -> Option<String> {
    ["description", "og:description", "twitter:description"]
        .iter()
        .find_map(|key| document.meta.get(*key).cloned())
}

pub(super) fn language(document: &Document<'_>) -> Option<String> {
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

pub(super) fn rel_tokens(element: &ElementRef<'_>) -> Vec<String> {
    attr(element.value(), "rel").unwrap_or("").split_ascii_whitespace().map(str::to_ascii_lowercase).collect()
}

pub(super) fn canonical(document: &Document<'_>) -> Option<String> {
    document
        .elements
        .links
        .iter()
        .find(|l| rel_tokens(l).iter().any(|t| t == "canonical"))
        .and_then(|l| document.resolve(attr(l.value(), "href")?))
}

pub(super) fn favicon(document: &Document<'_>) -> Option<String> {
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

fn inside_svg(element: &ElementRef<'_>) -> bool {
    element.ancestors().filter_map(ElementRef::wrap).any(|a| a.value().name().eq_ignore_ascii_case("svg"))
}
