//! What every console page shares: the frame around it (who is signed in, the CSRF token, the
//! active tab, a notice), rendering, error pages, security headers and display formatting.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The frame of a signed-in page, rendered by `templates/console/base.html`; made from the
/// page's session (`Frame::new` in `session`).
pub struct Frame {
    pub who: String,
    pub who_title: String,
    pub is_admin: bool,
    pub csrf: String,
    /// The active tab: `overview`, `batches`, `domains`, `technologies` or `runs`.
    pub nav: &'static str,
    pub notice: Option<Notice>,
    /// The text of the search box.
    pub search: String,
    pub version: &'static str,
}

/// A message shown once at the top of a page after an action, chosen by a code in the URL
/// (`?notice=reset-12`), so no text from the URL is ever shown.
pub struct Notice {
    /// `ok` or `warn`.
    pub tone: &'static str,
    pub text: String,
}

impl Notice {
    pub fn from_code(code: &str) -> Option<Notice> {
        let ok = |text: String| Some(Notice { tone: "ok", text });
        let warn = |text: String| Some(Notice { tone: "warn", text });
        let number = |prefix: &str| code.strip_prefix(prefix).and_then(|n| n.parse::<u64>().ok());
        if let Some(n) = number("reset-") {
            return ok(format!(
                "{} errored {} back to pending.",
                count(n),
                plural(n, "domain is", "domains are")
            ));
        }
        if let Some((cancelled, in_flight)) = code
            .strip_prefix("cancelled-")
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)))
        {
            let mut text = format!(
                "{} pending {} cancelled: now in error with the reason \u{201c}cancelled\u{201d}.",
                count(cancelled),
                plural(cancelled, "domain", "domains")
            );
            if in_flight > 0 {
                text.push_str(&format!(" {} being fetched will finish.", count(in_flight)));
            }
            return ok(text);
        }
        if let Some(rest) = code.strip_prefix("bulk-") {
            let mut parts = rest.splitn(3, '-');
            let (action, done, left) = (parts.next()?, parts.next()?, parts.next()?);
            let (done, left) = (done.parse::<u64>().ok()?, left.parse::<u64>().ok()?);
            let what = plural(done, "domain", "domains");
            let mut text = match action {
                "retry" => format!("{} {what} put back to pending.", count(done)),
                "cancel" => format!(
                    "{} pending {what} cancelled: now in error as \u{201c}cancelled\u{201d}.",
                    count(done)
                ),
                "delete" => format!("{} {what} deleted.", count(done)),
                _ => return None,
            };
            if left > 0 {
                text.push_str(&format!(
                    " {} being fetched {} left alone.",
                    count(left),
                    plural(left, "was", "were")
                ));
            }
            return ok(text);
        }
        match code {
            "paused" => ok("Claiming is paused on every instance; what is claimed already finishes.".into()),
            "resumed" => ok("Claiming resumed.".into()),
            "retried" => ok("The domain is pending again and will be fetched at once.".into()),
            "busy" => warn("The domain is being fetched right now; retry it once this attempt ends.".into()),
            "run-started" => ok("A scheduler run started.".into()),
            "run-nothing-due" => ok("Nothing is due: no run was started.".into()),
            "run-at-capacity" => warn(
                "Every run slot is busy (DOMAIN_SCHEDULER_MAX_INSTANCES); the next free slot will claim."
                    .into(),
            ),
            "run-unavailable" => warn("The scheduler is not running in this process.".into()),
            _ => None,
        }
    }
}

/// Renders `template` as an HTML page, or the error page when rendering fails.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "console template failed to render");
            ConsoleError::Internal.into_response()
        }
    }
}

/// What can go wrong on a console page, each shown as a page with its status.
#[derive(Debug)]
pub enum ConsoleError {
    NotFound(String),
    Forbidden(String),
    BadRequest(String),
    /// The form's CSRF token is missing or wrong.
    Csrf,
    Database,
    Internal,
}

impl From<sea_orm::DbErr> for ConsoleError {
    fn from(error: sea_orm::DbErr) -> ConsoleError {
        tracing::warn!(%error, "database error while answering a console page");
        ConsoleError::Database
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
    version: &'static str,
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            ConsoleError::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", what.as_str()),
            ConsoleError::Forbidden(why) => (StatusCode::FORBIDDEN, "Not for this token", why.as_str()),
            ConsoleError::BadRequest(why) => (StatusCode::BAD_REQUEST, "Bad request", why.as_str()),
            ConsoleError::Csrf => (
                StatusCode::FORBIDDEN,
                "Action refused",
                "The form's security token is missing or out of date, so the action was not carried out. Go back, reload the page and try again.",
            ),
            ConsoleError::Database => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Database unavailable",
                "The database did not answer. Try again in a moment.",
            ),
            ConsoleError::Internal => {
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be shown.")
            }
        };
        let page = ErrorPage { status: status.as_u16(), title, message, version: VERSION };
        let body = page.render().unwrap_or_else(|_| format!("{status}: {message}"));
        (status, Html(body)).into_response()
    }
}

/// `/ui/...` paths that name no page.
pub async fn not_found() -> ConsoleError {
    ConsoleError::NotFound("There is no such page in the console.".into())
}

/// `/ui/` to `/ui`.
pub async fn to_overview() -> Redirect {
    Redirect::permanent("/ui")
}

/// Headers of every console answer: no framing, no inline script or style, no caching of pages
/// that show a tenant's data, no referrer leaking a domain page's URL to the sites it links to.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// `1234567` as `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A share as a percentage with one decimal where it matters: `37.5 %`, `100 %`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0 %".into();
    }
    let share = part as f64 * 100.0 / whole as f64;
    if share == share.trunc() { format!("{share:.0} %") } else { format!("{share:.1} %") }
}

/// The first eight hex digits of an id, enough to tell rows apart on a page.
pub fn short_id(id: Uuid) -> String {
    id.simple().to_string()[..8].to_owned()
}

/// `2026-11-30 09:12:03 UTC`.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The machine-readable form for `<time datetime>`.
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// How long ago (or, for a future time, in how long): `just now`, `4 min ago`, `in 2 h`.
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds();
    let (future, seconds) = (seconds < 0, seconds.unsigned_abs());
    let amount = match seconds {
        0..=9 => return "just now".into(),
        10..=59 => format!("{seconds} s"),
        60..=3599 => format!("{} min", seconds / 60),
        3600..=86_399 => format!("{} h", seconds / 3600),
        _ => format!("{} d", seconds / 86_400),
    };
    if future { format!("in {amount}") } else { format!("{amount} ago") }
}

/// `url` when it is an http(s) URL a page may link to; a crawled page can hold anything, and
/// a `javascript:` link must never become clickable.
pub fn safe_link(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// One segment of a stacked SVG bar 100 units wide.
pub struct Segment {
    pub status: &'static str,
    pub x: String,
    pub w: String,
}

/// The segments of a bar showing `counts`, done first: completed, error, gone, processing,
/// pending.
pub fn segments(counts: &crate::store::StatusCounts) -> Vec<Segment> {
    let total = counts.total();
    if total == 0 {
        return Vec::new();
    }
    let mut x = 0.0;
    let mut out = Vec::new();
    for (status, n) in [
        ("completed", counts.completed),
        ("error", counts.error),
        ("gone", counts.gone),
        ("processing", counts.processing),
        ("pending", counts.pending),
    ] {
        if n == 0 {
            continue;
        }
        let w = n as f64 * 100.0 / total as f64;
        out.push(Segment { status, x: format!("{x:.3}"), w: format!("{w:.3}") });
        x += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn only_web_links_are_clickable() {
        assert_eq!(safe_link("https://example.com/a").as_deref(), Some("https://example.com/a"));
        assert_eq!(safe_link("javascript:alert(1)"), None);
        assert_eq!(safe_link("data:text/html,hi"), None);
        assert_eq!(safe_link("not a url"), None);
    }

    #[test]
    fn notices_come_only_from_known_codes() {
        assert_eq!(
            Notice::from_code("reset-3").map(|n| n.text).as_deref(),
            Some("3 errored domains are back to pending.")
        );
        assert!(Notice::from_code("cancelled-2-1").is_some_and(|n| n.text.contains("1 being fetched")));
        assert!(Notice::from_code("<script>").is_none());
        assert!(Notice::from_code("reset-x").is_none());
        assert_eq!(
            Notice::from_code("bulk-delete-2-1").map(|n| n.text).as_deref(),
            Some("2 domains deleted. 1 being fetched was left alone.")
        );
        assert!(Notice::from_code("bulk-drop-2-1").is_none());
    }

    #[test]
    fn times_read_as_durations_from_now() {
        let now = Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - chrono::Duration::minutes(4), now), "4 min ago");
        assert_eq!(ago(now + chrono::Duration::hours(2), now), "in 2 h");
    }

    #[test]
    fn bar_segments_cover_the_bar_in_order() {
        let counts =
            crate::store::StatusCounts { pending: 1, processing: 0, completed: 2, error: 1, gone: 0 };
        let segments = segments(&counts);
        let names: Vec<&str> = segments.iter().map(|s| s.status).collect();
        assert_eq!(names, ["completed", "error", "pending"]);
        assert_eq!((segments[2].x.as_str(), segments[2].w.as_str()), ("75.000", "25.000"));
    }
}
