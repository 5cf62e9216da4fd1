//! Social profiles: the first profile link per platform, normalised, with the links that only
//! look like profiles (share buttons, the platforms' own pages) left out.

use std::sync::LazyLock;

use entity::SocialPlatform;
use regex::Regex;
use url::Url;

/// Platform → (hosts, first path segments that are not profiles). Every platform of
/// [`SocialPlatform::ALL`] has its line (a unit test says which is missing).
const PLATFORMS: &[(SocialPlatform, &[&str], &[&str])] = &[
    (SocialPlatform::Facebook, &["facebook.com", "fb.com"], &["sharer", "share", "dialog", "plugins", "tr"]),
    (SocialPlatform::Twitter, &["twitter.com", "x.com"], &["intent", "share", "home", "hashtag", "search"]),
    (SocialPlatform::LinkedIn, &["linkedin.com"], &["sharing", "shareArticle", "share", "feed", "cws"]),
    (SocialPlatform::Instagram, &["instagram.com"], &["p", "explore", "reel"]),
    (
        SocialPlatform::YouTube,
        &["youtube.com", "youtu.be"],
        &["watch", "embed", "results", "share", "playlist"],
    ),
    (SocialPlatform::TikTok, &["tiktok.com"], &["share", "embed"]),
    (SocialPlatform::Pinterest, &["pinterest.com"], &["pin", "share"]),
    (SocialPlatform::GitHub, &["github.com"], &["sponsors", "features", "login", "about"]),
];

/// Any host of [`PLATFORMS`], anywhere.
static PLATFORM_HOSTS: LazyLock<Regex> = LazyLock::new(|| {
    let hosts: Vec<String> =
        PLATFORMS.iter().flat_map(|(_, hosts, _)| hosts.iter()).map(|host| regex::escape(host)).collect();
    crate::static_regex::compiled(&format!("(?i){}", hosts.join("|")))
});

/// A link with a scheme or protocol-relative: a relative one stays on the site, which no profile
/// is on.
pub(super) fn is_absolute(href: &str) -> bool {
    href.starts_with("//") || href.split_once(':').is_some_and(|(scheme, _)| !scheme.contains('/'))
}

/// A cheap test before parsing a link as a URL: most links of a page are not social profiles.
pub(super) fn mentions_a_platform(href: &str) -> bool {
    PLATFORM_HOSTS.is_match(href)
}

/// `parsed` as the platform's profile, if it is one and its platform has none yet.
pub(super) fn record(profiles: &mut entity::SocialProfiles, parsed: &Url) {
    let Some(host) = parsed.host_str() else { return };
    let host = host.trim_start_matches("www.").trim_start_matches("m.").to_ascii_lowercase();
    let path = parsed.path().trim_end_matches('/');
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    for &(platform, hosts, not_profiles) in PLATFORMS {
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
        let slot = profiles.slot(platform);
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
fn named_in_query(platform: SocialPlatform, path: &str, first: &str, parsed: &Url) -> Named {
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
        SocialPlatform::Facebook
            if first.rsplit_once('.').is_some_and(|(_, extension)| extension.eq_ignore_ascii_case("php")) =>
        {
            if path.eq_ignore_ascii_case("/profile.php") {
                with_parameter("id", parameter("id"))
            } else {
                Named::NotAProfile
            }
        }
        SocialPlatform::LinkedIn if path.eq_ignore_ascii_case("/profile/view") => {
            with_parameter("id", parameter("id"))
        }
        SocialPlatform::Twitter if first.eq_ignore_ascii_case("intent") => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_social_platform_has_an_extraction_rule() {
        for platform in SocialPlatform::ALL {
            assert!(
                PLATFORMS.iter().any(|(ruled, _, _)| ruled == platform),
                "no line of PLATFORMS for {platform:?}"
            );
        }
    }
}
