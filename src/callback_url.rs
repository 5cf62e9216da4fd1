//! A callback URL as a submission gives it: an absolute http or https URL with a host, parsed
//! once, as a domain is into a `DomainName`. Its address is checked apart
//! (`crate::callbacks::address`), at submission and again at each delivery.
//!
//! Credentials in it (`https://user:secret@host/`) are sent, never shown: its `Display` and
//! `Debug`, and [`redact`] for a stored URL, put `***` in their place.

use std::fmt;

/// The longest callback URL accepted, in bytes.
pub const MAX_LEN: usize = 2048;

#[derive(Clone, PartialEq, Eq)]
pub struct CallbackUrl(url::Url);

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

    pub fn as_url(&self) -> &url::Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
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

    #[test]
    fn other_schemes_relative_urls_and_oversized_ones_are_refused() {
        assert_eq!(CallbackUrl::parse("ftp://example.com/x"), Err(InvalidCallbackUrl::Scheme("ftp".into())));
        assert_eq!(CallbackUrl::parse("file:///etc/passwd"), Err(InvalidCallbackUrl::Scheme("file".into())));
        assert!(matches!(CallbackUrl::parse("/hooks/done"), Err(InvalidCallbackUrl::NotAUrl(_))));
        let long = format!("https://example.com/{}", "a".repeat(MAX_LEN));
        assert_eq!(CallbackUrl::parse(&long), Err(InvalidCallbackUrl::TooLong));
    }
}
