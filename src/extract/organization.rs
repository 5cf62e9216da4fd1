//! The site's organisation: the first JSON-LD organisation, the logo, and the JSON kept beside
//! the fields (`domain_metadata`: Open Graph and Twitter card metas, the organisation).

use std::collections::BTreeMap;

use super::{Document, attr, json_ld};

pub(super) fn logo(document: &Document<'_>, organization: Option<&serde_json::Value>) -> Option<String> {
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
pub(super) fn organization(json_ld: &[serde_json::Value]) -> Option<serde_json::Value> {
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

/// The Open Graph and Twitter card metas and the JSON-LD organisation, as JSON. Built as values
/// directly, the metas moved rather than copied: `json!` would serialise a copy of each map and
/// of the organisation's whole tree.
pub(super) fn domain_metadata(
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
