//! Why a domain's attempt failed: the stage and kind stored in `domain_errors`, and whether
//! trying again can help.
//!
//! Extraction, fetching, persistence and actor failures are separate stages with separate kinds,
//! so a database error is never reported as a page error or the other way round.

use std::fmt;

/// The stage of the pipeline where an attempt failed, named in snake case (`fetch`, `persist`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, sea_orm::EnumIter, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    Fetch,
    Extract,
    Persist,
    Actor,
    /// An operator's decision, such as cancelling a batch: no attempt failed.
    Operator,
}

impl Stage {
    /// Every stage, in the order of the pipeline (derived, so a new stage is never left out).
    pub fn all() -> impl Iterator<Item = Stage> {
        <Stage as sea_orm::Iterable>::iter()
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What went wrong, as stored in `domain_errors.kind`: the variant's name in snake case
/// (`dns_nxdomain`, `tls_wrong_host`), the same for the database, the API and the logs.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    sea_orm::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    /// The name did not resolve for a reason none of the kinds below names.
    Dns,
    /// The name does not exist (NXDOMAIN): permanent.
    DnsNxdomain,
    /// The name exists but has no address record: permanent.
    DnsNoAddress,
    /// The name server failed or refused (SERVFAIL, REFUSED): retried.
    DnsServfail,
    /// No answer from the name servers within the time-out × attempts: retried.
    DnsTimeout,
    /// No TCP connection could be made.
    Connect,
    /// A TLS failure none of the kinds below names: a handshake the server cut short, which
    /// carries no rustls error to tell more.
    Tls,
    /// The certificate has expired or is not valid yet: permanent.
    TlsExpired,
    /// The certificate is not signed by a trusted root (self-signed, unknown issuer, bad
    /// signature, revoked, unusable): permanent.
    TlsUntrusted,
    /// The certificate is made out to another host name: permanent.
    TlsWrongHost,
    /// The TLS handshake failed for a reason other than the certificate (an alert, a protocol
    /// or cipher the server and the service share none of): retried.
    TlsHandshake,
    /// The whole-request deadline passed.
    Timeout,
    /// The final answer was not a 2xx.
    HttpStatus,
    /// The body passed the size cap (after decompression).
    TooLarge,
    /// The answer is not an HTML page.
    NotHtml,
    /// The domain resolves or redirects to a non-public address.
    BlockedAddress,
    /// A redirect loop, too many redirects, or a redirect to an unusable scheme.
    Redirect,
    /// The answer is a bot wall: a bot-management provider's challenge or block page, or a
    /// rate limit with `Retry-After` (the message names which). Retried with a long backoff.
    Blocked,
    /// robots.txt forbids fetching the home page.
    RobotsDisallowed,
    /// The page could not be parsed.
    Parse,
    /// The stored domain is not a valid domain.
    InvalidDomain,
    /// An actor panicked while holding the domain.
    Panic,
    /// The instance holding the domain stopped before finishing it; its lease ran out.
    LeaseExpired,
    /// This process ran short of descriptors, buffers or memory: not the domain's doing, so it
    /// is never charged to the domain (the domain is handed back and claims pause).
    LocalResource,
    /// An operator cancelled the domain's batch before it was fetched.
    Cancelled,
    /// Anything else (the message tells).
    Other,
}

impl Kind {
    /// The kind named `text` (as stored in `domain_errors.kind`).
    pub fn parse(text: &str) -> Option<Kind> {
        text.parse().ok()
    }

    /// Every kind, in declaration order (derived, so a new kind is never left out).
    pub fn all() -> impl Iterator<Item = Kind> {
        <Kind as sea_orm::Iterable>::iter()
    }

    /// A TLS failure of any kind.
    pub fn is_tls(self) -> bool {
        matches!(
            self,
            Kind::Tls | Kind::TlsExpired | Kind::TlsUntrusted | Kind::TlsWrongHost | Kind::TlsHandshake
        )
    }

    /// A certificate the service refused (expired, untrusted, another host's).
    pub fn is_certificate(self) -> bool {
        matches!(self, Kind::TlsExpired | Kind::TlsUntrusted | Kind::TlsWrongHost)
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One failed attempt of one domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub stage: Stage,
    pub kind: Kind,
    pub message: String,
    /// Trying again cannot help (an invalid domain, a blocked address, a 404): the domain goes
    /// straight to `error` instead of being retried.
    pub permanent: bool,
    /// The status of the HTTP answer the failure came with, if one came: a 503, or the 200 of
    /// a page that was not HTML. Stored on the domain's row like a successful fetch's.
    pub http_status: Option<u16>,
    /// The wait the answer asked for (`Retry-After`): the next attempt is not due before it.
    pub retry_after: Option<std::time::Duration>,
}

impl Failure {
    pub fn new(stage: Stage, kind: Kind, message: impl Into<String>) -> Failure {
        Failure {
            stage,
            kind,
            message: message.into(),
            permanent: false,
            http_status: None,
            retry_after: None,
        }
    }

    /// A shortage of this process's own, not a failure of the domain.
    pub fn is_local(&self) -> bool {
        self.kind == Kind::LocalResource
    }

    pub fn permanent(mut self) -> Failure {
        self.permanent = true;
        self
    }

    /// The failure came with an HTTP answer of this status.
    pub fn with_http_status(mut self, status: u16) -> Failure {
        self.http_status = Some(status);
        self
    }

    /// The answer asked to come back after `wait` (`Retry-After`).
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> Failure {
        self.retry_after = Some(wait);
        self
    }

    /// A failure for a final HTTP status: permanent for 4xx other than 408 and 429.
    pub fn http_status(status: u16) -> Failure {
        let failure = Failure::new(Stage::Fetch, Kind::HttpStatus, format!("{HTTP_STATUS}{status}"))
            .with_http_status(status);
        if (400..500).contains(&status) && status != 408 && status != 429 {
            failure.permanent()
        } else {
            failure
        }
    }
}

/// What the message of [`Failure::http_status`] starts with, before the status.
const HTTP_STATUS: &str = "HTTP status ";

impl Failure {
    /// The status in the message [`Failure::http_status`] wrote, for a failure read back from
    /// `domain_errors`, which keeps the message and not the status.
    pub fn status_in_message(message: &str) -> Option<u16> {
        message.strip_prefix(HTTP_STATUS)?.parse().ok()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}: {}", self.stage.as_str(), self.kind.as_str(), self.message)
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_read_back_from_its_name() {
        for kind in Kind::all() {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert!(Kind::all().count() >= 25);
        assert_eq!(Kind::parse("no_such_kind"), None);
    }

    /// The names stored in `domain_errors` and shown by the API (SPEC.md): derived from the
    /// variants, so a renamed variant must not rename what is stored.
    #[test]
    fn stored_names_stay_as_documented() {
        let names: Vec<&str> = Kind::all().map(Kind::as_str).collect();
        assert_eq!(
            names,
            [
                "dns",
                "dns_nxdomain",
                "dns_no_address",
                "dns_servfail",
                "dns_timeout",
                "connect",
                "tls",
                "tls_expired",
                "tls_untrusted",
                "tls_wrong_host",
                "tls_handshake",
                "timeout",
                "http_status",
                "too_large",
                "not_html",
                "blocked_address",
                "redirect",
                "blocked",
                "robots_disallowed",
                "parse",
                "invalid_domain",
                "panic",
                "lease_expired",
                "local_resource",
                "cancelled",
                "other",
            ]
        );
        let stages: Vec<&str> = Stage::all().map(Stage::as_str).collect();
        assert_eq!(stages, ["fetch", "extract", "persist", "actor", "operator"]);
    }

    #[test]
    fn client_errors_are_permanent_except_timeout_and_rate_limit() {
        assert!(Failure::http_status(404).permanent);
        assert!(Failure::http_status(410).permanent);
        assert!(!Failure::http_status(408).permanent);
        assert!(!Failure::http_status(429).permanent);
        assert!(!Failure::http_status(503).permanent);
        assert_eq!(Failure::http_status(500).to_string(), "fetch/http_status: HTTP status 500");
    }
}
