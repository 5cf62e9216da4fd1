//! A callback URL as a submission gives it: an absolute http or https URL with a host. Parsed
//! once at submission; whether its address may be dialled is decided at each delivery, on what
//! the name resolves to then.

use std::fmt;

/// The longest callback URL accepted, in bytes.
pub const MAX_LEN: usize = 2048;

#[derive(Clone, Debug, PartialEq, Eq)]
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

impl fmt::Display for CallbackUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
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
    fn other_schemes_relative_urls_and_oversized_ones_are_refused() {
        assert_eq!(CallbackUrl::parse("ftp://example.com/x"), Err(InvalidCallbackUrl::Scheme("ftp".into())));
        assert_eq!(CallbackUrl::parse("file:///etc/passwd"), Err(InvalidCallbackUrl::Scheme("file".into())));
        assert!(matches!(CallbackUrl::parse("/hooks/done"), Err(InvalidCallbackUrl::NotAUrl(_))));
        let long = format!("https://example.com/{}", "a".repeat(MAX_LEN));
        assert_eq!(CallbackUrl::parse(&long), Err(InvalidCallbackUrl::TooLong));
    }
}
