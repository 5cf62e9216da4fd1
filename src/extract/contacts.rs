//! Contacts: emails, phone numbers (E.164, read by `phones`) and social profiles (`social`),
//! and the links worth following to find more of them.

use std::sync::LazyLock;

use entity::Metadata;
use regex::Regex;
use url::Url;

use super::Document;

static EMAIL: LazyLock<Regex> =
    crate::static_regex!(r"(?i)\b[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z]{2,24}\b");
/// File names and asset versions that look like addresses: `logo@2x.png`, `bootstrap@5.3.2`.
const NOT_EMAIL_ENDINGS: [&str; 10] =
    [".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".js", ".css", ".avif", ".ico"];
const PLACEHOLDER_DOMAINS: [&str; 5] =
    ["example.com", "example.org", "example.net", "domain.com", "email.com"];

pub(super) fn fill(
    document: &Document<'_>,
    json_ld: &[serde_json::Value],
    options: &super::ExtractOptions,
    metadata: &mut Metadata,
) {
    let mut emails = Vec::new();
    let mut phones = Vec::new();
    let mut phone_reader = super::phones::Reader::new(national_numbers(document, options, metadata));
    for anchor in &document.elements.anchors {
        let Some(href) = super::attr(anchor.value(), "href") else { continue };
        let href = href.trim();
        // Most links go to the site's own pages: tested without a lower-case copy of each.
        if let Some(rest) = super::strip_prefix_ignore_case(href, "mailto:") {
            let address = rest.split('?').next().unwrap_or("");
            let decoded = percent_decode(address);
            for part in decoded.split(',') {
                push_email(&mut emails, part.trim());
            }
        } else if let Some(encoded) = after_cloudflare_path(href) {
            if let Some(email) = super::obfuscation::cloudflare(encoded) {
                push_email(&mut emails, &email);
            }
        } else if let Some(number) = super::strip_prefix_ignore_case(href, "tel:") {
            if let Some(number) = phone_reader.read(&percent_decode(number)) {
                push_unique(&mut phones, number);
            }
        } else if super::social::is_absolute(href)
            && super::social::mentions_a_platform(href)
            && let Some(url) = document.resolve_url(href)
        {
            super::social::record(&mut metadata.social, &url);
        }
    }
    for encoded in &document.elements.cf_emails {
        if let Some(email) = super::obfuscation::cloudflare(encoded) {
            push_email(&mut emails, &email);
        }
    }
    let text = &document.elements.text;
    for found in EMAIL.find_iter(text) {
        push_email(&mut emails, found.as_str());
    }
    for spelled in super::obfuscation::spelled_out(text) {
        push_email(&mut emails, &spelled);
    }
    for number in phone_reader.in_text(text) {
        push_unique(&mut phones, number);
    }
    for telephone in super::json_ld::telephones(json_ld) {
        if let Some(number) = phone_reader.read(telephone) {
            push_unique(&mut phones, number);
        }
    }
    metadata.email_addresses = emails;
    metadata.phone_numbers = phones;
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn push_email(list: &mut Vec<String>, candidate: &str) {
    let email =
        candidate.trim().trim_matches(|c: char| c == '.' || c == '<' || c == '>').to_ascii_lowercase();
    let Some((local, domain)) = email.split_once('@') else { return };
    let valid = !local.is_empty()
        && domain.contains('.')
        && !NOT_EMAIL_ENDINGS.iter().any(|ending| email.ends_with(ending))
        && !PLACEHOLDER_DOMAINS.contains(&domain)
        && !domain.split('.').next_back().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        && EMAIL.is_match(&email);
    if valid {
        push_unique(list, email);
    }
}

fn percent_decode(text: &str) -> String {
    if !text.contains(['%', '&']) {
        return text.to_owned();
    }
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

const CLOUDFLARE_PATH: &str = "/cdn-cgi/l/email-protection#";
static CLOUDFLARE_PATH_FINDER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(CLOUDFLARE_PATH));

/// What follows Cloudflare's e-mail protection path in `href`, up to the next one if any (the
/// path as Cloudflare writes it, in lower case).
fn after_cloudflare_path(href: &str) -> Option<&str> {
    let start = CLOUDFLARE_PATH_FINDER.find(href.as_bytes())? + CLOUDFLARE_PATH.len();
    let rest = &href[start..];
    Some(CLOUDFLARE_PATH_FINDER.find(rest.as_bytes()).map_or(rest, |end| &rest[..end]))
}

/// How numbers written without `+CC` are read: in the page's region, else in the default
/// region, else, on a page in English or in no stated language, as North American numbers when
/// written the North American way (docs/extraction.md).
fn national_numbers(
    document: &Document<'_>,
    options: &super::ExtractOptions,
    metadata: &Metadata,
) -> super::phones::National {
    use super::phones::National;
    match page_region(document).or(options.default_phone_region) {
        Some(region) => National::In(region),
        None if metadata.language.as_deref().is_none_or(|language| language == "en") => {
            National::NorthAmerican
        }
        None => National::Unread,
    }
}

/// The region the page names for numbers written without `+CC`: its language region, else its
/// country-code top-level domain.
fn page_region(document: &Document<'_>) -> Option<phonenumber::country::Id> {
    let from_tag = |tag: &str| {
        let region = tag.split(['-', '_']).nth(1)?.to_ascii_uppercase();
        region.parse::<phonenumber::country::Id>().ok()
    };
    let lang = document.elements.html.and_then(|h| super::attr(h.value(), "lang")).and_then(from_tag);
    lang.or_else(|| document.meta.get("og:locale").and_then(|l| from_tag(l))).or_else(|| {
        let tld = document.base.host_str()?.rsplit('.').next()?.to_ascii_uppercase();
        let tld = if tld == "UK" { "GB".to_owned() } else { tld };
        (tld.len() == 2).then(|| tld.parse().ok()).flatten()
    })
}

const CONTACT_WORDS: [&str; 9] =
    ["contact", "kontakt", "about", "imprint", "impressum", "legal", "contacto", "contatti", "mentions"];

/// Same-site links whose text or path says contact, about, imprint or legal, best first, read
/// from the anchors of the page's one parse (resolved against `<base href>` like every link).
pub(crate) fn contact_links(document: &Document<'_>, page_url: &Url, limit: usize) -> Vec<Url> {
    if limit == 0 {
        return Vec::new();
    }
    let site = page_url.host_str().map(|h| h.trim_start_matches("www.").to_owned());
    let mut found: Vec<(usize, Url)> = Vec::new();
    for anchor in &document.elements.anchors {
        let Some(url) =
            super::attr(anchor.value(), "href").and_then(|href| document.base.join(href.trim()).ok())
        else {
            continue;
        };
        if url.host_str().map(|h| h.trim_start_matches("www.").to_owned()) != site
            || !matches!(url.scheme(), "http" | "https")
        {
            continue;
        }
        let text = anchor.text().collect::<String>().to_lowercase();
        let path = url.path().to_lowercase();
        let Some(rank) = CONTACT_WORDS.iter().position(|w| path.contains(w) || text.contains(w)) else {
            continue;
        };
        let mut url = url;
        url.set_fragment(None);
        if url != *page_url && !found.iter().any(|(_, u)| *u == url) {
            found.push((rank, url));
        }
    }
    found.sort_by_key(|(rank, _)| *rank);
    found.into_iter().take(limit).map(|(_, url)| url).collect()
}

/// Adds the contacts of another page of the site to the home page's.
pub fn merge_contacts(home: &mut Metadata, other: &Metadata) {
    for email in &other.email_addresses {
        push_unique(&mut home.email_addresses, email.clone());
    }
    for phone in &other.phone_numbers {
        push_unique(&mut home.phone_numbers, phone.clone());
    }
    home.social.fill_from(&other.social);
}
