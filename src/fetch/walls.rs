//! Bot walls: an answer that is a bot-management provider's challenge or block page, or a rate
//! limit, rather than the site, recognised from the project's own table (`walls.toml`: status
//! plus a header or body signature per provider). Such an answer is never extracted: it becomes
//! a `blocked` failure that names the provider, so no title, description or contact of a
//! challenge page reaches a row. Pure: no I/O, never panics on what a server sends.

use std::sync::LazyLock;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;

use crate::failure::{Failure, Kind, Stage};
use crate::signatures::Signatures;

/// Bytes of a body searched for a signature: every provider's page says who it is near the top.
pub const SIGNATURE_BYTES: usize = 64 * 1024;

#[derive(Deserialize)]
struct Table {
    wall: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    provider: String,
    page: String,
    statuses: Vec<u16>,
    headers: Vec<String>,
    body: Vec<String>,
}

/// One provider's wall, ready to match.
struct Wall {
    provider: String,
    page: String,
    statuses: Vec<u16>,
    /// Header name (lower case) and the text its value must hold (lower case; empty: present).
    headers: Vec<(String, String)>,
    /// The body signatures, searched at once without regard to ASCII case.
    body: Option<Signatures>,
}

/// The table compiled once. The file is the project's own and a unit test parses it, so a
/// failure here is a build that never passed its tests: it recognises no wall rather than stop.
static WALLS: LazyLock<Vec<Wall>> = LazyLock::new(|| {
    compile(include_str!("walls.toml")).unwrap_or_else(|error| {
        tracing::error!(%error, "the bot wall table does not parse; no wall is recognised");
        Vec::new()
    })
});

fn compile(text: &str) -> Result<Vec<Wall>, String> {
    let table: Table = toml::from_str(text).map_err(|error| error.to_string())?;
    table
        .wall
        .into_iter()
        .map(|entry| {
            let headers = entry
                .headers
                .iter()
                .map(|signature| match signature.split_once(':') {
                    Some((name, text)) => {
                        (name.trim().to_ascii_lowercase(), text.trim().to_ascii_lowercase())
                    }
                    None => (signature.trim().to_ascii_lowercase(), String::new()),
                })
                .collect();
            let body = match entry.body.is_empty() {
                true => None,
                false => Some(
                    Signatures::new(&entry.body).map_err(|error| format!("{}: {error}", entry.provider))?,
                ),
            };
            Ok(Wall { provider: entry.provider, page: entry.page, statuses: entry.statuses, headers, body })
        })
        .collect()
}

/// Whether an answer of this status may be a wall, so its body is worth reading.
pub fn watches(status: u16) -> bool {
    WALLS.iter().any(|wall| wall.statuses.contains(&status))
}

/// The `blocked` failure of an answer that is a wall, naming its provider (and the wait asked
/// by `Retry-After`); `None` for the site's own answer. `body` is the start of the body.
pub fn blocked(status: u16, headers: &HeaderMap, body: &[u8]) -> Option<Failure> {
    let body = &body[..body.len().min(SIGNATURE_BYTES)];
    let wall = WALLS.iter().filter(|wall| wall.statuses.contains(&status)).find(|wall| {
        wall.headers.iter().any(|(name, text)| {
            headers.get_all(name.as_str()).iter().any(|value| {
                text.is_empty()
                    || String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase().contains(text)
            })
        }) || wall.body.as_ref().is_some_and(|signatures| signatures.is_match(body))
    })?;
    let wait = retry_after(headers);
    let asked = wait.map(|wait| format!(", Retry-After {} s", wait.as_secs())).unwrap_or_default();
    let named = [wall.provider.as_str(), wall.page.as_str()].join(" ");
    let message = format!("{} (HTTP {status}{asked})", named.trim_end());
    let failure = Failure::new(Stage::Fetch, Kind::Blocked, message).with_http_status(status);
    Some(match wait {
        Some(wait) => failure.with_retry_after(wait),
        None => failure,
    })
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date (a date passed is no
/// wait). `None` when absent or unreadable.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (HeaderName::from_static(name), HeaderValue::from_str(value).unwrap()))
            .collect()
    }

    fn provider(status: u16, pairs: &[(&'static str, &str)], body: &str) -> Option<String> {
        blocked(status, &headers(pairs), body.as_bytes()).map(|failure| failure.message)
    }

    #[test]
    fn the_table_parses_and_names_every_provider() {
        let walls = compile(include_str!("walls.toml")).unwrap();
        let mut providers: Vec<&str> = walls.iter().map(|wall| wall.provider.as_str()).collect();
        providers.dedup();
        assert_eq!(
            providers,
            ["Cloudflare", "Akamai", "DataDome", "HUMAN (PerimeterX)", "Sucuri", "Imperva", "Rate limit"]
        );
    }

    #[test]
    fn a_signature_counts_only_with_a_status_of_its_wall() {
        let challenge = "<html><head><title>Just a moment...</title></head></html>";
        assert_eq!(provider(403, &[], challenge).as_deref(), Some("Cloudflare challenge page (HTTP 403)"));
        assert_eq!(provider(200, &[], challenge), None, "a page about Cloudflare is no wall");
        assert_eq!(provider(404, &[], challenge), None);
        let mitigated = [("cf-mitigated", "Challenge")];
        assert_eq!(provider(403, &mitigated, "").as_deref(), Some("Cloudflare challenge page (HTTP 403)"));
        assert_eq!(provider(403, &[("server", "cloudflare")], "Forbidden"), None, "the site's own 403");
        assert_eq!(
            provider(403, &[("x-datadome", "protected")], "").as_deref(),
            Some("DataDome challenge page (HTTP 403)")
        );
        let incident = "<iframe>Request unsuccessful. Incapsula incident ID: 123</iframe>";
        assert_eq!(provider(200, &[], incident).as_deref(), Some("Imperva challenge page (HTTP 200)"));
        let protected = r#"<script src="/_Incapsula_Resource?SWJIYLWA=1"></script><h1>Shop</h1>"#;
        assert_eq!(provider(200, &[], protected), None, "a protected site's own page is the site");
    }

    #[test]
    fn a_rate_limit_is_a_wall_only_with_retry_after_and_keeps_the_wait() {
        let limited = blocked(429, &headers(&[("retry-after", "120")]), b"slow down").unwrap();
        assert_eq!(limited.message, "Rate limit (HTTP 429, Retry-After 120 s)");
        assert_eq!(limited.retry_after, Some(Duration::from_secs(120)));
        assert_eq!(limited.http_status, Some(429));
        assert!(!limited.permanent);
        assert_eq!(provider(429, &[], "slow down"), None, "without Retry-After it is an HTTP status");
        assert_eq!(provider(503, &[], "down for maintenance"), None);
        let dated = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(retry_after(&dated), Some(Duration::ZERO), "a date passed asks no wait");
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }
}
