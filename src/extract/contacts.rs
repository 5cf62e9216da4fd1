//! Contacts: emails, phone numbers (E.164) and social profiles, and the links worth following
//! to find more of them.

use std::sync::LazyLock;

use entity::Metadata;
use regex::Regex;
use url::Url;

use super::Document;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z]{2,24}\b")
        .unwrap_or_else(|_| unreachable!())
});
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
        } else if is_absolute(href)
            && mentions_a_platform(href)
            && let Some(url) = document.resolve_url(href)
        {
            social(&mut metadata.social, &url);
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

/// Platform → (hosts, first path segments that are not profiles).
const PLATFORMS: [(&str, &[&str], &[&str]); 8] = [
    ("facebook", &["facebook.com", "fb.com"], &["sharer", "share", "dialog", "plugins", "tr"]),
    ("twitter", &["twitter.com", "x.com"], &["intent", "share", "home", "hashtag", "search"]),
    ("linkedin", &["linkedin.com"], &["sharing", "shareArticle", "share", "feed", "cws"]),
    ("instagram", &["instagram.com"], &["p", "explore", "reel"]),
    ("youtube", &["youtube.com", "youtu.be"], &["watch", "embed", "results", "share", "playlist"]),
    ("tiktok", &["tiktok.com"], &["share", "embed"]),
    ("pinterest", &["pinterest.com"], &["pin", "share"]),
    ("github", &["github.com"], &["sponsors", "features", "login", "about"]),
];

/// Any host of [`PLATFORMS`], anywhere.
static PLATFORM_HOSTS: LazyLock<Regex> = LazyLock::new(|| {
    let hosts: Vec<String> =
        PLATFORMS.iter().flat_map(|(_, hosts, _)| hosts.iter()).map(|host| regex::escape(host)).collect();
    Regex::new(&format!("(?i){}", hosts.join("|"))).unwrap_or_else(|_| unreachable!())
});

/// A link with a scheme or protocol-relative: a relative one stays on the site, which no profile
/// is on.
fn is_absolute(href: &str) -> bool {
    href.starts_with("//") || href.split_once(':').is_some_and(|(scheme, _)| !scheme.contains('/'))
}

/// A cheap test before parsing a link as a URL: most links of a page are not social profiles.
fn mentions_a_platform(href: &str) -> bool {
    PLATFORM_HOSTS.is_match(href)
}

fn social(profiles: &mut entity::SocialProfiles, parsed: &Url) {
    let Some(host) = parsed.host_str() else { return };
    let host = host.trim_start_matches("www.").trim_start_matches("m.").to_ascii_lowercase();
    let path = parsed.path().trim_end_matches('/');
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    for (platform, hosts, not_profiles) in PLATFORMS {
        let on_host = |h: &&str| {
            host == *h
                || (host.len() > h.len()
                    && host.ends_with(*h)
                    && host.as_bytes()[host.len() - h.len() - 1] == b'.')
        };
        if !hosts.iter().any(on_host) {
            continue;
        }
        let normal = match named_in_query(platform, path, first, parsed) {
            Named::Profile(path_and_query) => format!("https://{}{path_and_query}", hosts[0]),
            Named::NotAProfile => return,
            Named::ByPath
                if first.is_empty() || not_profiles.iter().any(|p| first.eq_ignore_ascii_case(p)) =>
            {
                return;
            }
            Named::ByPath => format!("https://{}{path}", hosts[0]),
        };
        let slot = match platform {
            "facebook" => &mut profiles.facebook_url,
            "twitter" => &mut profiles.twitter_url,
            "linkedin" => &mut profiles.linkedin_url,
            "instagram" => &mut profiles.instagram_url,
            "youtube" => &mut profiles.youtube_url,
            "tiktok" => &mut profiles.tiktok_url,
            "pinterest" => &mut profiles.pinterest_url,
            _ => &mut profiles.github_url,
        };
        if slot.is_none() {
            *slot = Some(normal);
        }
        return;
    }
}

/// What names the profile a platform link points to.
enum Named {
    /// The path, as for most links (`/AcmeBakery`, `/people/NAME/ID`, `/company/acme`); the
    /// query is tracking (`utm_*`, `fbclid`, `ref`, `trk`, ...) and is dropped.
    ByPath,
    /// A query parameter: the path and query that keep it, without the rest of the query.
    Profile(String),
    /// A page of the platform's own that names no profile (a share script, `profile.php`
    /// without its `id`).
    NotAProfile,
}

/// Links whose profile is named in the query: Facebook's `profile.php?id=N` (any other
/// `*.php` there is the platform's own script: `sharer.php`, `home.php`), LinkedIn's old
/// `profile/view?id=`, and Twitter's follow buttons (`intent/follow?screen_name=NAME`, which is
/// the profile `/NAME`).
fn named_in_query(platform: &str, path: &str, first: &str, parsed: &Url) -> Named {
    let parameter = |name: &str| {
        parsed
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let with_parameter = |name: &str, value: Option<String>| match value {
        Some(value) => Named::Profile(format!(
            "{path}?{name}={}",
            url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
        )),
        None => Named::NotAProfile,
    };
    match platform {
        "facebook"
            if first.rsplit_once('.').is_some_and(|(_, extension)| extension.eq_ignore_ascii_case("php")) =>
        {
            if path.eq_ignore_ascii_case("/profile.php") {
                with_parameter("id", parameter("id"))
            } else {
                Named::NotAProfile
            }
        }
        "linkedin" if path.eq_ignore_ascii_case("/profile/view") => with_parameter("id", parameter("id")),
        "twitter" if first.eq_ignore_ascii_case("intent") => {
            let follow = ["/intent/follow", "/intent/user"].iter().any(|p| path.eq_ignore_ascii_case(p));
            let name = parameter("screen_name").filter(|name| {
                name.len() <= 15 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            match name {
                Some(name) if follow => Named::Profile(format!("/{name}")),
                _ => Named::NotAProfile,
            }
        }
        _ => Named::ByPath,
    }
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
    let (h, o) = (&mut home.social, &other.social);
    for (slot, found) in [
        (&mut h.facebook_url, &o.facebook_url),
        (&mut h.twitter_url, &o.twitter_url),
        (&mut h.linkedin_url, &o.linkedin_url),
        (&mut h.instagram_url, &o.instagram_url),
        (&mut h.youtube_url, &o.youtube_url),
        (&mut h.tiktok_url, &o.tiktok_url),
        (&mut h.pinterest_url, &o.pinterest_url),
        (&mut h.github_url, &o.github_url),
    ] {
        if slot.is_none() {
            slot.clone_from(found);
        }
    }
}
