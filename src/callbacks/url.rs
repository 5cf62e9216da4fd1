//! A callback URL as a submission gives it: an absolute http or https URL with a host. Parsed
//! once at submission, where its address is checked too (a literal address, or what the name
//! resolves to within [`RESOLVE_TIMEOUT`]); each delivery checks it again on what the name
//! resolves to then, so a name that changes its answer is still caught.
//!
//! Credentials in it (`https://user:secret@host/`) are sent, never shown: its `Display` and
//! `Debug`, and [`redact`] for a stored URL, put `***` in their place.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::fetch::{Dns, DnsSettings, is_public};

/// The longest callback URL accepted, in bytes.
pub const MAX_LEN: usize = 2048;

/// How long the look-up of a callback's host may take at submission. A name that does not
/// resolve in that time is accepted: every delivery resolves and checks it again.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone, PartialEq, Eq)]
pub struct CallbackUrl(url::Url);

/// A callback URL whose host is, or resolves to, an address callbacks may not reach.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BlockedCallback {
    #[error("blocked address: {0} is not a public address")]
    Address(IpAddr),
    #[error("blocked address: {host} resolves to {ip}, which is not a public address")]
    Resolves { host: String, ip: IpAddr },
}

/// Why a callback URL is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidCallbackUrl {
    #[error("not an absolute URL ({0})")]
    NotAUrl(String),
    #[error("the scheme is {0}; only http and https are sent to")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
    #[error("longer than {MAX_LEN} bytes")]
    TooLong,
}

impl CallbackUrl {
    pub fn parse(text: &str) -> Result<CallbackUrl, InvalidCallbackUrl> {
        if text.len() > MAX_LEN {
            return Err(InvalidCallbackUrl::TooLong);
        }
        let url = url::Url::parse(text).map_err(|error| InvalidCallbackUrl::NotAUrl(error.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(InvalidCallbackUrl::Scheme(url.scheme().to_owned()));
        }
        if url.host().is_none() {
            return Err(InvalidCallbackUrl::NoHost);
        }
        Ok(CallbackUrl(url))
    }

    /// Refuses a host that is, or resolves to, a loopback, private, link-local or otherwise
    /// non-public address (the fetcher's guard). The look-up runs on the blocking pool under
    /// [`RESOLVE_TIMEOUT`]; a name that does not resolve in time passes, to be checked again at
    /// each delivery.
    pub async fn check_address(&self, dns: &DnsSettings) -> Result<(), BlockedCallback> {
        let host = match self.0.host() {
            Some(url::Host::Ipv4(ip)) => return check_ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => return check_ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(host)) => host.to_owned(),
            None => return Ok(()),
        };
        // The service's own resolver, under the operator's DNS settings: no thread waits, and
        // a name that gives no answer in time is accepted, since each delivery checks again.
        let Ok(resolver) = Dns::new(dns) else { return Ok(()) };
        let Ok(Ok(addresses)) = tokio::time::timeout(RESOLVE_TIMEOUT, resolver.addresses(&host)).await else {
            return Ok(());
        };
        match addresses.iter().copied().find(|ip| !is_public(*ip)) {
            Some(ip) => Err(BlockedCallback::Resolves { host: host.clone(), ip }),
            None => Ok(()),
        }
    }

    pub fn as_url(&self) -> &url::Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

fn check_ip(ip: IpAddr) -> Result<(), BlockedCallback> {
    if is_public(ip) { Ok(()) } else { Err(BlockedCallback::Address(ip)) }
}

/// The URL with `***` for its credentials: what messages, answers and logs show.
impl fmt::Display for CallbackUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redacted(&self.0))
    }
}

impl fmt::Debug for CallbackUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CallbackUrl").field(&redacted(&self.0)).finish()
    }
}

fn redacted(url: &url::Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.as_str().to_owned();
    }
    let mut shown = url.clone();
    // Neither call can fail on a URL with a host, which every one with credentials has.
    let _ = shown.set_password(None);
    let _ = shown.set_username("***");
    shown.into()
}

/// `text` (a callback URL as stored or as given) with `***` for its credentials. Text that is
/// not a URL loses everything before an `@` in what would be its authority.
pub fn redact(text: &str) -> String {
    // `user:secret@host/x` parses too, as scheme `user` with no host: only a URL with a host
    // is taken as one.
    if let Ok(url) = url::Url::parse(text)
        && url.has_host()
    {
        return redacted(&url);
    }
    let authority_starts = text.find("://").map_or(0, |at| at + 3);
    let authority_ends =
        text[authority_starts..].find(['/', '?', '#']).map_or(text.len(), |at| authority_starts + at);
    match text[authority_starts..authority_ends].rfind('@') {
        Some(at) => format!("{}***{}", &text[..authority_starts], &text[authority_starts + at..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    /// Names go to a closed local port: these tests never ask the machine's name server.
    fn no_name_server() -> DnsSettings {
        DnsSettings { servers: vec!["127.0.0.1:9".parse().unwrap()], ..DnsSettings::default() }
    }

    use super::*;

    #[test]
    fn http_and_https_urls_with_a_host_are_accepted() {
        for text in ["https://hooks.example.com/domains?key=1", "http://10.0.0.5:8080/done"] {
            assert_eq!(CallbackUrl::parse(text).map(|url| url.to_string()), Ok(text.to_owned()));
        }
    }

    #[test]
    fn credentials_are_never_shown() {
        let url = CallbackUrl::parse("https://user:s3cret@hooks.example.com/done?key=1").unwrap();
        assert_eq!(url.to_string(), "https://***@hooks.example.com/done?key=1");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.as_str(), "https://user:s3cret@hooks.example.com/done?key=1", "sent as given");
        assert_eq!(redact("https://token@hooks.example.com/"), "https://***@hooks.example.com/");
        assert_eq!(redact("user:s3cret@hooks/relative"), "***@hooks/relative");
        assert_eq!(redact("ftp://a:b@x/y@z"), "ftp://***@x/y@z");
    }

    #[tokio::test]
    async fn loopback_private_and_link_local_hosts_are_refused_without_leaving_the_machine() {
        for (text, address) in [
            ("http://127.0.0.1:9/hook", "127.0.0.1"),
            ("http://10.0.0.1/hook", "10.0.0.1"),
            ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
            ("http://[::1]:9/hook", "::1"),
        ] {
            let refused = CallbackUrl::parse(text).unwrap().check_address(&no_name_server()).await;
            assert_eq!(refused, Err(BlockedCallback::Address(address.parse().unwrap())), "{text}");
        }
        let by_name =
            CallbackUrl::parse("http://localhost:9/hook").unwrap().check_address(&no_name_server()).await;
        assert!(
            matches!(&by_name, Err(BlockedCallback::Resolves { host, .. }) if host == "localhost"),
            "{by_name:?}"
        );
        assert_eq!(
            CallbackUrl::parse("https://93.184.216.34/hook").unwrap().check_address(&no_name_server()).await,
            Ok(())
        );
    }

    #[test]
    fn other_schemes_relative_urls_and_oversized_ones_are_refused() {
        assert_eq!(CallbackUrl::parse("ftp://example.com/x"), Err(InvalidCallbackUrl::Scheme("ftp".into())));
        assert_eq!(CallbackUrl::parse("file:///etc/passwd"), Err(InvalidCallbackUrl::Scheme("file".into())));
        assert!(matches!(CallbackUrl::parse("/hooks/done"), Err(InvalidCallbackUrl::NotAUrl(_))));
        let long = format!("https://example.com/{}", "a".repeat(MAX_LEN));
        assert_eq!(CallbackUrl::parse(&long), Err(InvalidCallbackUrl::TooLong));
    }
}
